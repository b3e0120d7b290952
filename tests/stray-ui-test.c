/* stray-ui-test.c: what the window tests share: waiting for a condition with a timeout, reading
 * the window as a user would, and screenshots
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "stray-channel-row.h"
#include "stray-ui.h"
#include "stray-ui-test.h"
#include "stray-test-wait.h"

static GtkWidget *
window (void)
{
  GtkWindow *window = stray_ui_get_window ();

  g_assert_nonnull (window);
  return GTK_WIDGET (window);
}

/* The first widget under @widget, itself included, that @match takes, depth first. */
gpointer
stray_test_find (GtkWidget     *widget,
                 WidgetMatch    match,
                 gconstpointer  data)
{
  if (match (widget, data))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      gpointer found = stray_test_find (child, match, data);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_of_type (GtkWidget     *widget,
            gconstpointer  type)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (type));
}

gpointer
stray_test_find_child (GtkWidget *widget,
                       GType      type)
{
  return stray_test_find (widget, is_of_type, GSIZE_TO_POINTER (type));
}

/* What a user reads on screen: the mapped labels under @widget, in order, joined by " | ". */
static void
collect_text (GtkWidget *widget,
              GString   *text)
{
  if (!gtk_widget_get_mapped (widget))
    return;
  if (GTK_IS_LABEL (widget) && *gtk_label_get_text (GTK_LABEL (widget)) != '\0')
    g_string_append_printf (text, "%s%s", text->len > 0 ? " | " : "",
                            gtk_label_get_text (GTK_LABEL (widget)));
  if (STRAY_IS_CHANNEL_ROW (widget))
    {
      /* A row draws its text itself. */
      g_autofree char *row = stray_channel_row_get_text (STRAY_CHANNEL_ROW (widget));

      g_string_append_printf (text, "%s%s", text->len > 0 ? " | " : "", row);
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_text (child, text);
}

char *
stray_test_screen_text (gpointer widget)
{
  GString *text = g_string_new (NULL);

  collect_text (GTK_WIDGET (widget), text);
  return g_string_free (text, FALSE);
}

gboolean
stray_test_screen_shows (gconstpointer data)
{
  g_autofree char *text = NULL;

  if (stray_ui_get_window () == NULL)
    return FALSE;
  text = stray_test_screen_text (stray_ui_get_window ());
  return strstr (text, data) != NULL;
}

void
stray_test_wait_for_text (const char *text)
{
  if (!stray_test_try_wait_for (stray_test_screen_shows, text, STRAY_TEST_WAIT_SECONDS))
    {
      g_autofree char *shown = stray_test_screen_text (stray_ui_get_window ());

      g_error ("the window never showed “%s”; it shows: %s", text, shown);
    }
}

static void
on_after_paint (G_GNUC_UNUSED GdkFrameClock *clock,
                gboolean                    *painted)
{
  *painted = TRUE;
}

/* The screen as the user sees it, once the window has painted what it shows now. */
void
stray_test_save_screenshot (const char *name)
{
  const char *directory = g_getenv ("STRAY_TEST_LOG_DIR");
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window ());
  gboolean painted = FALSE;
  gulong handler;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  int wait_status = 0;

  if (directory == NULL)
    return;
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &painted);
  gtk_widget_queue_draw (window ());
  stray_test_wait_for (stray_test_flag_is_set, &painted, "the window to paint");
  g_signal_handler_disconnect (clock, handler);
  gdk_display_sync (gdk_display_get_default ());

  path = g_build_filename (directory, name, NULL);
  g_spawn_sync (NULL, (char *[]) { (char *) "import", (char *) "-window", (char *) "root",
                                   path, NULL },
                NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (wait_status, NULL));
  g_test_message ("screenshot: %s", path);
}
