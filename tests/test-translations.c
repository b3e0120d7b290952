/* test-translations.c: Stream Tray in German, as a German user sees it
 *
 * A German locale is compiled for the test (localedef into a temporary LOCPATH: nothing
 * system-wide changes); then `stream-tray --help` and the window (its setup page, without an
 * account) must speak German, from the catalogue built in this build directory. A screenshot
 * of the window goes to $STRAY_TEST_LOG_DIR.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>

#include "stray-application.h"
#include "stray-environment.h"
#include "stray-ui.h"
#include "stray-ui-test.h"

static char *locale_dir;

static void
compile_locale (const char *locale,
                const char *charmap)
{
  g_autofree char *name = g_strconcat (locale, ".", charmap, NULL);
  g_autofree char *output = g_build_filename (locale_dir, name, NULL);
  const char *argv[] = { "localedef", "-i", locale, "-f", charmap, output, NULL };
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int wait_status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err, &wait_status, &error))
    g_error ("localedef cannot run (Debian's `locales` package): %s", error->message);
  if (!g_spawn_check_wait_status (wait_status, NULL))
    g_error ("localedef could not compile %s: %s", name, err);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) directory = g_dir_open (path, 0, NULL);
  const char *name;

  while (directory != NULL && (name = g_dir_read_name (directory)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static char *
run_help (const char *locale)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  g_autofree char *err = NULL;

  g_subprocess_launcher_setenv (launcher, "LOCPATH", locale_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", locale, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "LANGUAGE");
  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("STRAY_TEST_STREAM_TRAY"),
                                         "--help", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (process));
  return out;
}

static void
test_help_german (void)
{
  g_autofree char *out = run_help ("de_DE.UTF-8");

  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "Ungelesene Nachrichten und Benachrichtigungen für Stream Chat"));
  g_assert_nonnull (strstr (out, "Im Hintergrund starten, ohne das Fenster zu öffnen"));
  g_assert_nonnull (strstr (out, "--replay=DATEI"));
}

static void
test_help_french (void)
{
  g_autofree char *out = run_help ("fr_FR.UTF-8");

  g_assert_nonnull (strstr (out, "Messages non lus et notifications pour Stream Chat"));
  g_assert_nonnull (strstr (out, "Démarrer en arrière-plan, sans ouvrir la fenêtre"));
}

static void
test_window_german (void)
{
  g_autoptr(StrayApplication) application = stray_application_new ();
  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);
  g_autoptr(GError) error = NULL;

  /* No account: the window opens on its setup page. */
  g_settings_reset (settings, "server-url");
  stray_application_set_ui (application, stray_ui_show);
  g_application_register (G_APPLICATION (application), NULL, &error);
  g_assert_no_error (error);
  stray_application_show_window (application, STRAY_WINDOW_PRESENT, NULL);
  stray_test_wait_for_text ("Verbinden Sie Ihr Stream-Chat-Konto");
  stray_test_wait_for_text ("Kein Konto eingerichtet");
  stray_test_wait_for_text ("Benutzerkennung");
  g_assert_cmpstr (gtk_window_get_title (stray_ui_get_window ()), ==, "Stream Tray");
  stray_test_save_screenshot ("window-de.png");
  gtk_window_destroy (stray_ui_get_window ());
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *catalogues = NULL;
  int status;

  locale_dir = g_dir_make_tmp ("stray-test-locales-XXXXXX", NULL);
  compile_locale ("de_DE", "UTF-8");
  compile_locale ("fr_FR", "UTF-8");
  /* This process in German, before anything reads the locale. */
  g_setenv ("LOCPATH", locale_dir, TRUE);
  g_setenv ("LC_ALL", "de_DE.UTF-8", TRUE);
  g_unsetenv ("LANGUAGE");
  g_assert_nonnull (setlocale (LC_ALL, ""));
  catalogues = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "..", "po", NULL);
  bindtextdomain (GETTEXT_PACKAGE, catalogues);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  stray_environment_set_rendering ();

  g_test_init (&argc, &argv, NULL);
  gtk_disable_setlocale ();
  gtk_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  g_test_add_func ("/translations/help/german", test_help_german);
  g_test_add_func ("/translations/help/french", test_help_french);
  g_test_add_func ("/translations/window/german", test_window_german);
  status = g_test_run ();

  remove_tree (locale_dir);
  g_free (locale_dir);
  return status;
}
