/* stray-ui.c: the window module's entry point
 *
 * The daemon loads this module the first time a window is wanted and calls stray_ui_show();
 * GTK is initialised here, then, and not before. The window is destroyed when it closes and
 * made again when next wanted; GTK stays.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "stray-ui.h"
#include "stray-window.h"

static StrayWindow *the_window;

static gboolean
ensure_gtk (void)
{
  static gsize initialised = 0;
  static gboolean usable = FALSE;

  if (g_once_init_enter (&initialised))
    {
      usable = gtk_init_check ();
      if (usable)
        {
          g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

          gtk_css_provider_load_from_resource (css, "/io/github/streamtray/StreamTray/style.css");
          gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                      GTK_STYLE_PROVIDER (css),
                                                      GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
          gtk_window_set_default_icon_name (APP_ID);
        }
      g_once_init_leave (&initialised, 1);
    }
  return usable;
}

/**
 * stray_ui_show:
 * @activation_token: (nullable): from the launch or notification click, for focus on Wayland
 *
 * Opens the window, raises it, or closes it (a toggle while it has focus).
 */
G_MODULE_EXPORT void
stray_ui_show (StrayApplication   *application,
               StrayWindowRequest  request,
               const char         *cid,
               const char         *activation_token)
{
  if (!ensure_gtk ())
    {
      /* Not a warning: a daemon on a headless session is not broken. */
      g_message ("No display: the window cannot open");
      return;
    }

  if (request == STRAY_WINDOW_TOGGLE && the_window != NULL &&
      gtk_window_is_active (GTK_WINDOW (the_window)))
    {
      gtk_window_destroy (GTK_WINDOW (the_window));
      return;
    }

  if (the_window == NULL)
    {
      the_window = stray_window_new (application);
      g_object_add_weak_pointer (G_OBJECT (the_window), (gpointer *) &the_window);
    }
  if (cid != NULL)
    stray_window_show_channel (the_window, cid);
  if (activation_token != NULL)
    gtk_window_set_startup_id (GTK_WINDOW (the_window), activation_token);
  gtk_window_present (GTK_WINDOW (the_window));
  if (request == STRAY_WINDOW_PREFERENCES)
    stray_window_show_preferences (the_window);
}

/* Returns: (nullable): the window, if it is open */
GtkWindow *
stray_ui_get_window (void)
{
  return the_window != NULL ? GTK_WINDOW (the_window) : NULL;
}
