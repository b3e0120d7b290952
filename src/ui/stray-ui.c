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

/* For the benchmark (G_MESSAGES_DEBUG=stray-ui): when the window is on screen, and gone. */
static void
on_first_paint (GdkFrameClock *clock,
                GtkWidget     *window)
{
  g_signal_handlers_disconnect_by_func (clock, on_first_paint, window);
  g_debug ("window shown %" G_GINT64_FORMAT, g_get_monotonic_time ());
}

static void
on_map (GtkWidget *window)
{
  g_signal_connect_object (gtk_widget_get_frame_clock (window), "after-paint",
                           G_CALLBACK (on_first_paint), window, 0);
}

static gboolean
on_closed (G_GNUC_UNUSED gpointer user_data)
{
  g_debug ("window closed");
  return G_SOURCE_REMOVE;
}

static void
on_destroy (G_GNUC_UNUSED GtkWidget *window,
            StrayApplication        *application)
{
  /* What the window held goes back to the system, not just to malloc's free lists. */
  stray_application_release_memory (application);
  g_idle_add_full (G_PRIORITY_LOW + 1, on_closed, NULL, NULL);
}

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
          /* Icons from GTK's own set and ours, pre-rendered: the icon theme's symbolic SVGs
           * would load librsvg, ~8 MB of a daemon that should stay small (README, "Figures").
           * The window's icon comes from the desktop file (StartupWMClass), for the same
           * reason. */
          g_object_set (gtk_settings_get_default (), "gtk-icon-theme-name", "hicolor", NULL);
          gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (
                                              gdk_display_get_default ()),
                                            "/io/github/streamtray/StreamTray/icons");
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
      g_signal_connect (the_window, "map", G_CALLBACK (on_map), NULL);
      g_signal_connect (the_window, "destroy", G_CALLBACK (on_destroy), application);
    }
  if (request == STRAY_WINDOW_THREAD && cid != NULL &&
      stray_application_get_requested_thread (application) != NULL)
    stray_window_show_thread (the_window, cid,
                              stray_application_get_requested_thread (application));
  else if (request == STRAY_WINDOW_MESSAGE && cid != NULL &&
           stray_application_get_requested_message (application) != NULL)
    stray_window_show_message (the_window, cid,
                               stray_application_get_requested_message (application));
  else if (cid != NULL)
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
