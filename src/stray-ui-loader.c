/* stray-ui-loader.c: the window module, loaded the first time it is wanted
 *
 * The window is GTK; the daemon is not. Loading libstray-ui.so on first use means that a
 * daemon whose window never opens maps no GTK and opens no display. Once loaded it stays:
 * GTK, once initialised, cannot be unloaded.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gmodule.h>

#include "stray-environment.h"
#include "stray-ui-loader.h"

static char *
find_ui_module (void)
{
  g_autofree char *build_dir = stray_environment_get_build_dir ();

  if (build_dir != NULL)
    return g_build_filename (build_dir, "src", "ui", "libstray-ui.so", NULL);
  return g_build_filename (STRAY_PKGLIBDIR, "libstray-ui.so", NULL);
}

/**
 * stray_ui_loader_load:
 *
 * Returns: (nullable): the window module's entry point, or %NULL with @error set
 */
StrayUiShowFunc
stray_ui_loader_load (GError **error)
{
  g_autofree char *path = find_ui_module ();
  GModule *module;
  gpointer show = NULL;
  gint64 start = g_get_monotonic_time ();

  module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", g_module_error ());
      return NULL;
    }
  if (!g_module_symbol (module, STRAY_UI_SHOW_SYMBOL, &show) || show == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s is not Stream Tray's window module", path);
      g_module_close (module);
      return NULL;
    }
  g_module_make_resident (module);
  g_debug ("window module loaded in %.1f ms", (g_get_monotonic_time () - start) / 1000.0);
  return (StrayUiShowFunc) show;
}
