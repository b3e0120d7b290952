/* stray-message-menu.c: a message's context menu in the conversation view
 *
 * Right-click, the Menu key or Shift+F10 on a message opens a GtkPopoverMenu whose items set a
 * Stream message reminder on it: in 1 hour, tomorrow at 9:00, or at a chosen time (a small
 * popover with the hour and minute, the next such moment). Each item is the app's set-reminder
 * action ((sx): the message and when, in seconds since the epoch), which creates the reminder
 * or moves the one the message has; the window's reminder list shows the result once the
 * server's reminder.created or reminder.updated comes back. A message with a reminder also
 * offers "Remove reminder" (app.delete-reminder).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "stray-message-menu.h"
#include "stray-window.h"

#define MESSAGE_ID_KEY "stray-message-menu-id"

/**
 * stray_message_menu_next_time:
 * @day_offset: days after today, in local time
 *
 * Returns: seconds since the epoch of @hour:@minute, local time, @day_offset days from the day
 *   of @now_us
 */
gint64
stray_message_menu_next_time (gint64 now_us,
                              int    day_offset,
                              int    hour,
                              int    minute)
{
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_local (now_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) day = g_date_time_add_days (now, day_offset);
  g_autoptr(GDateTime) then = g_date_time_new_local (g_date_time_get_year (day),
                                                     g_date_time_get_month (day),
                                                     g_date_time_get_day_of_month (day),
                                                     hour, minute, 0);

  return g_date_time_to_unix (then);
}

/**
 * stray_message_menu_new_model:
 * @has_reminder: whether the message has a reminder already, which the menu can remove
 *
 * Returns: (transfer full): the menu for @message_id, its times counted from @now_us
 */
GMenu *
stray_message_menu_new_model (const char *message_id,
                              gint64      now_us,
                              gboolean    has_reminder)
{
  GMenu *menu = g_menu_new ();
  GMenu *reminders = g_menu_new ();
  g_autoptr(GMenuItem) hour = g_menu_item_new (_("Remind me in 1 hour"), NULL);
  g_autoptr(GMenuItem) tomorrow = g_menu_item_new (_("Remind me tomorrow at 9:00"), NULL);
  g_autoptr(GMenuItem) chosen = g_menu_item_new (_("Remind me at…"), NULL);

  g_menu_item_set_action_and_target (hour, "app.set-reminder", "(sx)", message_id,
                                     now_us / G_USEC_PER_SEC + 3600);
  g_menu_item_set_action_and_target (tomorrow, "app.set-reminder", "(sx)", message_id,
                                     stray_message_menu_next_time (now_us, 1, 9, 0));
  g_menu_item_set_action_and_target (chosen, "message.remind-at", NULL);
  g_menu_append_item (reminders, hour);
  g_menu_append_item (reminders, tomorrow);
  g_menu_append_item (reminders, chosen);
  if (has_reminder)
    {
      g_autoptr(GMenuItem) remove = g_menu_item_new (_("Remove reminder"), NULL);

      g_menu_item_set_action_and_target (remove, "app.delete-reminder", "s", message_id);
      g_menu_append_item (reminders, remove);
    }
  g_menu_append_section (menu, NULL, G_MENU_MODEL (reminders));
  g_object_unref (reminders);
  return menu;
}

/* ---- the chosen time ---- */

static void
on_set_clicked (GtkButton *button,
                GtkWidget *row)
{
  GtkWidget *popover = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_POPOVER);
  GtkSpinButton *hour = g_object_get_data (G_OBJECT (popover), "hour");
  GtkSpinButton *minute = g_object_get_data (G_OBJECT (popover), "minute");
  gint64 now_us = g_get_real_time ();
  gint64 when = stray_message_menu_next_time (now_us, 0, gtk_spin_button_get_value_as_int (hour),
                                              gtk_spin_button_get_value_as_int (minute));

  /* A time already past today is tomorrow's. */
  if (when * G_USEC_PER_SEC <= now_us)
    when = stray_message_menu_next_time (now_us, 1, gtk_spin_button_get_value_as_int (hour),
                                         gtk_spin_button_get_value_as_int (minute));
  gtk_widget_activate_action (row, "app.set-reminder", "(sx)",
                              g_object_get_data (G_OBJECT (row), MESSAGE_ID_KEY), when);
  gtk_popover_popdown (GTK_POPOVER (popover));
}

static GtkWidget *
time_spin (int         upper,
           int         value,
           const char *accessible)
{
  GtkWidget *spin = gtk_spin_button_new_with_range (0, upper, 1);

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  gtk_spin_button_set_wrap (GTK_SPIN_BUTTON (spin), TRUE);
  gtk_orientable_set_orientation (GTK_ORIENTABLE (spin), GTK_ORIENTATION_VERTICAL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  return spin;
}

/* A closed popover leaves its row once the item's action has run. */
static gboolean
unparent_now (gpointer data)
{
  if (gtk_widget_get_parent (data) != NULL && !gtk_widget_get_visible (data))
    gtk_widget_unparent (data);
  return G_SOURCE_REMOVE;
}

static void
on_popover_closed (GtkWidget *popover)
{
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, unparent_now, g_object_ref (popover),
                   g_object_unref);
}

static void
action_remind_at (GtkWidget                   *row,
                  G_GNUC_UNUSED GVariant      *parameter,
                  G_GNUC_UNUSED GSimpleAction *action)
{
  g_autoptr(GDateTime) later = g_date_time_new_now_local ();
  g_autoptr(GDateTime) in_an_hour = g_date_time_add_hours (later, 1);
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *times = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *heading = gtk_label_new (_("Remind me at"));
  GtkWidget *hour = time_spin (23, g_date_time_get_hour (in_an_hour), _("Hour"));
  GtkWidget *minute = time_spin (59, 0, _("Minute"));
  GtkWidget *set = gtk_button_new_with_label (_("Set reminder"));

  gtk_widget_add_css_class (heading, "heading");
  gtk_box_append (GTK_BOX (times), hour);
  gtk_box_append (GTK_BOX (times), gtk_label_new (":"));
  gtk_box_append (GTK_BOX (times), minute);
  gtk_widget_set_halign (times, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (set, "suggested-action");
  g_signal_connect (set, "clicked", G_CALLBACK (on_set_clicked), row);
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), times);
  gtk_box_append (GTK_BOX (box), set);
  gtk_popover_set_child (GTK_POPOVER (popover), box);
  g_object_set_data (G_OBJECT (popover), "hour", hour);
  g_object_set_data (G_OBJECT (popover), "minute", minute);
  gtk_widget_set_parent (popover, row);
  g_signal_connect (popover, "closed", G_CALLBACK (on_popover_closed), NULL);
  gtk_popover_popup (GTK_POPOVER (popover));
}

/* ---- the menu ---- */

static void
popup_at (GtkWidget *row,
          double     x,
          double     y)
{
  const char *message_id = g_object_get_data (G_OBJECT (row), MESSAGE_ID_KEY);
  GtkRoot *root = gtk_widget_get_root (row);
  StraySession *session = STRAY_IS_WINDOW (root) ? stray_window_get_session (STRAY_WINDOW (root))
                                                 : NULL;
  gboolean has_reminder = session != NULL &&
                          stray_session_lookup_reminder (session, message_id) != NULL;
  g_autoptr(GMenu) model = stray_message_menu_new_model (message_id, g_get_real_time (),
                                                         has_reminder);
  GtkWidget *menu = gtk_popover_menu_new_from_model (G_MENU_MODEL (model));

  gtk_widget_set_parent (menu, row);
  gtk_popover_set_has_arrow (GTK_POPOVER (menu), FALSE);
  if (x >= 0)
    gtk_popover_set_pointing_to (GTK_POPOVER (menu),
                                 &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  g_signal_connect (menu, "closed", G_CALLBACK (on_popover_closed), NULL);
  gtk_popover_popup (GTK_POPOVER (menu));
}

static void
on_pressed (GtkGestureClick *gesture,
            G_GNUC_UNUSED int n_press,
            double           x,
            double           y,
            GtkWidget       *row)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  popup_at (row, x, y);
}

static gboolean
on_menu_key (GtkWidget                *row,
             G_GNUC_UNUSED GVariant   *args,
             G_GNUC_UNUSED gpointer    user_data)
{
  popup_at (row, -1, -1);
  return TRUE;
}

/**
 * stray_message_menu_detach:
 *
 * Takes the menu and the time popover off @row, open or not: for its dispose, since the row
 * may go (the channel closed, the list rebuilt) while one is still up.
 */
void
stray_message_menu_detach (GtkWidget *row)
{
  GtkWidget *child = gtk_widget_get_first_child (row);

  while (child != NULL)
    {
      GtkWidget *next = gtk_widget_get_next_sibling (child);

      if (GTK_IS_POPOVER (child))
        gtk_widget_unparent (child);
      child = next;
    }
}

/**
 * stray_message_menu_attach:
 * @row: a message's row
 *
 * Gives @row its context menu: right-click, the Menu key and Shift+F10.
 */
void
stray_message_menu_attach (GtkWidget  *row,
                           const char *message_id)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *keys = gtk_shortcut_controller_new ();
  GtkShortcutAction *popup = gtk_callback_action_new (on_menu_key, NULL, NULL);
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();

  g_return_if_fail (GTK_IS_WIDGET (row));

  g_object_set_data_full (G_OBJECT (row), MESSAGE_ID_KEY, g_strdup (message_id), g_free);
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), row);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (click));

  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                        gtk_shortcut_new (gtk_shortcut_trigger_parse_string (
                                                            "Menu|<Shift>F10"),
                                                          g_object_ref (popup)));
  g_object_unref (popup);
  gtk_widget_add_controller (row, keys);

  /* The chosen-time item's action, on the row so that its popover knows the message. */
  {
    g_autoptr(GSimpleAction) remind_at = g_simple_action_new ("remind-at", NULL);

    g_signal_connect_swapped (remind_at, "activate", G_CALLBACK (action_remind_at), row);
    g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (remind_at));
  }
  gtk_widget_insert_action_group (row, "message", G_ACTION_GROUP (group));
}
