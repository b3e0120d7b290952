/* stray-environment.c: the process and where it runs
 *
 * What main() sets up for the whole process before anything starts a thread (GTK's renderer),
 * and what the process learns of where it runs: from a build tree, or inside Flatpak.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "stray-environment.h"

static gboolean rendering_set;
static char *users_gdk_debug; /* GDK_DEBUG as the user set it, if at all */

/**
 * stray_environment_set_rendering:
 *
 * For a small window, GTK's cairo renderer without GL: GL set-up alone costs tens of MB
 * under Mesa, and GTK 4.8 makes a GL context at gtk_init even for the cairo renderer unless
 * GL is disabled (docs/desktop-notes.md, "Memory"). A user's GSK_RENDERER wins. Called
 * first thing in main(), while the process has one thread, since setenv is not thread-safe.
 *
 * Returns: whether the environment was changed
 */
gboolean
stray_environment_set_rendering (void)
{
  const char *debug = g_getenv ("GDK_DEBUG");
  g_autofree char *new_debug = NULL;

  if (g_getenv ("GSK_RENDERER") != NULL)
    return FALSE;
  new_debug = debug != NULL && *debug != '\0' ? g_strconcat (debug, ",gl-disable", NULL)
                                              : g_strdup ("gl-disable");
  users_gdk_debug = g_strdup (debug);
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GDK_DEBUG", new_debug, TRUE);
  rendering_set = TRUE;
  return TRUE;
}

/* What this process chose for itself is not for the programs it launches (a browser). */
void
stray_environment_restore_for_launch (GAppLaunchContext *context)
{
  if (!rendering_set)
    return;
  g_app_launch_context_unsetenv (context, "GSK_RENDERER");
  if (users_gdk_debug != NULL)
    g_app_launch_context_setenv (context, "GDK_DEBUG", users_gdk_debug);
  else
    g_app_launch_context_unsetenv (context, "GDK_DEBUG");
}

/**
 * stray_environment_get_build_dir:
 *
 * Running from a build directory (meson's, uninstalled, as the tests and the demo do), the
 * window module, the demo's server and the translations are there rather than where they
 * would be installed.
 *
 * Returns: (transfer full) (nullable): the build directory, or %NULL when installed
 */
char *
stray_environment_get_build_dir (void)
{
  g_autofree char *executable = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *directory = NULL;
  g_autofree char *name = NULL;
  g_autofree char *build_dir = NULL;
  g_autofree char *meson_private = NULL;

  if (executable == NULL)
    return NULL;
  directory = g_path_get_dirname (executable);
  name = g_path_get_basename (directory);
  build_dir = g_path_get_dirname (directory);
  meson_private = g_build_filename (build_dir, "meson-private", NULL);
  if (!g_str_equal (name, "src") || !g_file_test (meson_private, G_FILE_TEST_IS_DIR))
    return NULL;
  return g_steal_pointer (&build_dir);
}

/* Inside Flatpak, where what the portals keep is all there is. */
gboolean
stray_environment_is_sandboxed (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}
