/* stray-reminder-list.c: the user's upcoming message reminders, in the window
 *
 * One row per reminder: the message, its channel and author, when it is due ("Today at 14:00",
 * "Tomorrow at 9:00", a date), and a Remove button (the app's delete-reminder, Stream's
 * deleteReminder); a click on the row opens the channel at the message (app.open-message). The list follows the session's model, so a reminder set, moved or removed
 * here, in a notification or on another device shows at once. Hidden while there is none.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-ui"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "stray-list-section.h"
#include "stray-reminder.h"
#include "stray-reminder-list.h"

struct _StrayReminderList
{
  GtkBox parent_instance;

  GListModel *reminders;
  StrayChannelList *channels;
  GtkListBox *list_box;
};

G_DEFINE_FINAL_TYPE (StrayReminderList, stray_reminder_list, GTK_TYPE_BOX)

/**
 * stray_reminder_list_format_when:
 * @remind_at_us: when the reminder is due, µs since the epoch
 * @now_us: now, µs since the epoch
 *
 * Returns: (transfer full): "Due", "Today at 14:00", "Tomorrow at 09:00" or a date and time,
 *   in local time
 */
char *
stray_reminder_list_format_when (gint64 remind_at_us,
                                 gint64 now_us)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (remind_at_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_local (now_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
  g_autofree char *time = g_date_time_format (when, "%H:%M");

  if (remind_at_us <= now_us)
    return g_strdup (_("Due"));
  if (g_date_time_get_year (when) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (when) == g_date_time_get_day_of_year (now))
    return g_strdup_printf (_("Today at %s"), time);
  if (g_date_time_get_year (when) == g_date_time_get_year (tomorrow) &&
      g_date_time_get_day_of_year (when) == g_date_time_get_day_of_year (tomorrow))
    return g_strdup_printf (_("Tomorrow at %s"), time);
  return g_date_time_format (when, "%x %H:%M");
}

/* "#General · Bob" */
static char *
where_text (StrayReminderList *self,
            StrayReminder     *reminder)
{
  const char *cid = stray_reminder_get_cid (reminder);
  StrayChannel *channel = self->channels != NULL && cid != NULL
                          ? stray_channel_list_lookup (self->channels, cid) : NULL;
  const char *title = channel != NULL ? stray_channel_get_title (channel)
                      : cid != NULL && strchr (cid, ':') != NULL ? strchr (cid, ':') + 1 : "";
  const char *author = stray_reminder_get_author_name (reminder);

  return author != NULL ? g_strdup_printf (_("#%s · %s"), title, author)
                        : g_strdup_printf ("#%s", title);
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  StrayReminderList *self = user_data;
  StrayReminder *reminder = item;
  const char *text = stray_reminder_get_text (reminder);
  const char *cid = stray_reminder_get_cid (reminder);
  g_autofree char *where = where_text (self, reminder);
  g_autofree char *when = stray_reminder_list_format_when (stray_reminder_get_remind_at (reminder),
                                                           g_get_real_time ());
  g_autofree char *details = g_strdup_printf ("%s — %s", when, where);
  g_autofree char *accessible = g_strdup_printf (_("Reminder: %s, %s"), text, details);
  g_autofree char *remove_label = g_strdup_printf (_("Remove the reminder on “%s”"), text);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *message = gtk_label_new (text);
  GtkWidget *detail = gtk_label_new (details);
  GtkWidget *remove = gtk_button_new_from_icon_name ("edit-delete-symbolic");

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_label_set_ellipsize (GTK_LABEL (message), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (message), 0);
  gtk_label_set_xalign (GTK_LABEL (detail), 0);
  gtk_label_set_ellipsize (GTK_LABEL (detail), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (detail, "dim-label");
  gtk_widget_add_css_class (detail, "caption");
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_box_append (GTK_BOX (labels), message);
  gtk_box_append (GTK_BOX (labels), detail);

  gtk_widget_set_tooltip_text (remove, _("Remove reminder"));
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (remove), "app.delete-reminder");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (remove), "s",
                                    stray_reminder_get_message_id (reminder));
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  remove_label, -1);

  gtk_box_append (GTK_BOX (box), labels);
  gtk_box_append (GTK_BOX (box), remove);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  /* A row is an actionable: activated (a click, Enter), it opens the channel at the message. */
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), cid != NULL);
  if (cid != NULL)
    {
      gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "app.open-message");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (row), "(ss)", cid,
                                        stray_reminder_get_message_id (reminder));
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  return row;
}

/**
 * stray_reminder_list_set_model:
 * @reminders: the session's reminders, of StrayReminder
 * @channels: where the channels' titles come from
 */
void
stray_reminder_list_set_model (StrayReminderList *self,
                               GListModel        *reminders,
                               StrayChannelList  *channels)
{
  g_return_if_fail (STRAY_IS_REMINDER_LIST (self));
  g_return_if_fail (G_IS_LIST_MODEL (reminders));

  if (self->reminders != NULL)
    g_signal_handlers_disconnect_by_data (self->reminders, self);
  g_set_object (&self->reminders, reminders);
  g_set_object (&self->channels, channels);
  stray_list_section_follow (GTK_WIDGET (self), self->list_box, reminders, create_row, self);
}

static void
stray_reminder_list_dispose (GObject *object)
{
  StrayReminderList *self = STRAY_REMINDER_LIST (object);

  if (self->reminders != NULL)
    g_signal_handlers_disconnect_by_data (self->reminders, self);
  if (self->list_box != NULL)
    gtk_list_box_bind_model (self->list_box, NULL, NULL, NULL, NULL);
  g_clear_object (&self->reminders);
  g_clear_object (&self->channels);

  G_OBJECT_CLASS (stray_reminder_list_parent_class)->dispose (object);
}

static void
stray_reminder_list_class_init (StrayReminderListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = stray_reminder_list_dispose;
  gtk_widget_class_set_accessible_role (GTK_WIDGET_CLASS (klass), GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
stray_reminder_list_init (StrayReminderList *self)
{
  self->list_box = stray_list_section_build (GTK_BOX (self), _("Upcoming reminders"));
}
