/* stray-notifier-reminders.c: notifications for message reminders and unread reminders
 *
 * notification.reminder_due shows "Reminder: <the message>" (the body names the channel and
 * the author) with Open, which opens the window at the channel, and "Remind me in 1 hour"
 * (the app's snooze-reminder: Stream's updateReminder with remind_at an hour ahead). It is
 * withdrawn when the reminder is deleted, or moved into the future, on any device
 * (reminder.deleted, reminder.updated). user.unread_message_reminder, Stream's periodic nudge
 * about unread messages, becomes one quiet summary (low urgency, no sound) replaced in place,
 * never more than one. Both follow the notifier's policy: pause, do-not-disturb, mode "none",
 * muted channels and authors, one Notify per channel (the summary: per itself) per 2 s.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-notifier"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "stray-notifier-private.h"

/* One due reminder's notification. */
typedef struct {
  StrayNotifierReminders *owner; /* unowned */
  char *message_id;
  char *cid;
  char *summary;
  char *body;
  NotifyNotification *notification;
  guint flush_id;
} Due;

struct _StrayNotifierReminders
{
  StrayNotifier *notifier;  /* unowned: it owns this */
  StraySession *session;
  GActionGroup *actions;
  GHashTable *due;          /* message id → Due */
  NotifyNotification *unread;
  gint64 unread_shown;      /* monotonic µs */
  guint unread_flush_id;
  char *unread_body;
};

static void
due_free (gpointer data)
{
  Due *due = data;

  g_clear_handle_id (&due->flush_id, g_source_remove);
  if (due->notification != NULL)
    g_signal_handlers_disconnect_by_data (due->notification, due);
  stray_notifier_close (&due->notification);
  g_free (due->message_id);
  g_free (due->cid);
  g_free (due->summary);
  g_free (due->body);
  g_free (due);
}

static void
on_open (NotifyNotification *notification,
         G_GNUC_UNUSED char *action,
         gpointer            user_data)
{
  Due *due = user_data;

  stray_notifier_activate_clicked (due->owner->notifier, notification, "open-message",
                                   g_variant_new ("(ss)", due->cid, due->message_id));
}

static void
on_snooze (G_GNUC_UNUSED NotifyNotification *notification,
           G_GNUC_UNUSED char               *action,
           gpointer                          user_data)
{
  Due *due = user_data;

  g_action_group_activate_action (due->owner->actions, "snooze-reminder",
                                  g_variant_new_string (due->message_id));
}

static void
on_due_closed (NotifyNotification *notification,
               Due                *due)
{
  /* Dismissed: the next time it falls due starts a new one; the reminder stays on the server. */
  if (due->notification == notification)
    g_clear_object (&due->notification);
}

static void
show_due (Due *due)
{
  StrayNotifierReminders *self = due->owner;
  g_autoptr(GError) error = NULL;

  if (due->notification == NULL)
    {
      due->notification = notify_notification_new (due->summary, due->body, APP_ID);
      notify_notification_set_category (due->notification, "im");
      notify_notification_set_app_name (due->notification, _("Stream Tray"));
      notify_notification_set_hint_string (due->notification, "desktop-entry", APP_ID);
      notify_notification_add_action (due->notification, "default", _("Open"), on_open, due,
                                      NULL);
      notify_notification_add_action (due->notification, "remind-later",
                                      _("Remind me in 1 hour"), on_snooze, due, NULL);
      g_signal_connect (due->notification, "closed", G_CALLBACK (on_due_closed), due);
    }
  else
    notify_notification_update (due->notification, due->summary, due->body, APP_ID);
  notify_notification_set_urgency (due->notification, NOTIFY_URGENCY_NORMAL);
  if (stray_notifier_sounds_on (self->notifier))
    notify_notification_set_hint_string (due->notification, "sound-name", "alarm-clock-elapsed");
  else
    notify_notification_set_hint (due->notification, "suppress-sound",
                                  g_variant_new_boolean (TRUE));
  stray_notifier_shown_in (self->notifier, due->cid);
  if (!notify_notification_show (due->notification, &error))
    g_debug ("the notification server refused: %s", error->message);
}

static void queue_due (Due *due);

static gboolean
on_due_flush (gpointer user_data)
{
  Due *due = user_data;

  due->flush_id = 0;
  /* Another kind may have shown in the channel meanwhile: look again. */
  queue_due (due);
  return G_SOURCE_REMOVE;
}

/* Shows @due now, or once its channel's 2 s since the last notification have passed. */
static void
queue_due (Due *due)
{
  guint wait_ms;

  if (due->flush_id != 0)
    return;
  wait_ms = stray_notifier_wait_ms (due->owner->notifier, due->cid);
  if (wait_ms == 0)
    show_due (due);
  else
    due->flush_id = g_timeout_add (wait_ms, on_due_flush, due);
}

static void
handle_due (StrayNotifierReminders *self,
            const StrayEvent       *event,
            gboolean                live)
{
  const StrayEventReminder *reminder = event->reminder;
  const StrayEventMessage *message = reminder->message != NULL ? reminder->message
                                                                : event->message;
  const char *own = stray_session_get_user_id (self->session);
  const char *cid = reminder->channel_cid != NULL ? reminder->channel_cid : event->cid;
  StrayChannel *channel;
  const char *author = NULL;
  g_autofree char *line = NULL;
  g_autofree char *summary = NULL;
  Due *due;

  if (!live || cid == NULL || reminder->message_id == NULL ||
      (reminder->user_id != NULL && g_strcmp0 (reminder->user_id, own) != 0))
    return;
  if (stray_notifier_is_quiet (self->notifier) || !stray_notifier_mode_allows (self->notifier))
    return;
  if (stray_session_is_channel_muted (self->session, cid))
    return;
  if (message != NULL && message->user != NULL && message->user->id != NULL)
    {
      if (stray_session_is_user_muted (self->session, message->user->id))
        return;
      author = message->user->name != NULL ? message->user->name : message->user->id;
    }
  channel = stray_channel_list_lookup (stray_session_get_channels (self->session), cid);

  line = g_strdup_printf (_("Reminder: %s"), message != NULL && message->text != NULL
                                             ? message->text : "");
  summary = stray_notifier_format_summary (line);
  due = g_hash_table_lookup (self->due, reminder->message_id);
  if (due == NULL)
    {
      due = g_new0 (Due, 1);
      due->owner = self;
      due->message_id = g_strdup (reminder->message_id);
      g_hash_table_insert (self->due, due->message_id, due);
    }
  g_free (due->cid);
  due->cid = g_strdup (cid);
  g_free (due->summary);
  due->summary = g_steal_pointer (&summary);
  {
    const char *colon = strchr (cid, ':');
    const char *title = channel != NULL ? stray_channel_get_title (channel)
                                        : colon != NULL ? colon + 1 : cid;
    g_autofree char *where = author != NULL
                             ? g_strdup_printf (_("In #%s, from %s"), title, author)
                             : g_strdup_printf (_("In #%s"), title);

    g_free (due->body);
    due->body = stray_notifier_format_body (NULL, where);
  }
  queue_due (due);
}

/* Deleted, or moved into the future, here or on another device: the notification has done its
 * work. */
static void
withdraw_due (StrayNotifierReminders *self,
              const StrayEvent       *event)
{
  const StrayEventReminder *reminder = event->reminder;

  if (event->type == STRAY_EVENT_REMINDER_UPDATED &&
      (reminder->remind_at_us == 0 || reminder->remind_at_us <= g_get_real_time ()))
    return;
  g_hash_table_remove (self->due, reminder->message_id);
}

static void
on_unread_open (NotifyNotification *notification,
                G_GNUC_UNUSED char *action,
                gpointer            user_data)
{
  StrayNotifierReminders *self = user_data;

  stray_notifier_activate_clicked (self->notifier, notification, "show-window", NULL);
}

static void
show_unread_now (StrayNotifierReminders *self)
{
  g_autoptr(GError) error = NULL;

  if (self->unread == NULL)
    {
      self->unread = notify_notification_new (_("Unread messages"), self->unread_body, APP_ID);
      notify_notification_set_category (self->unread, "im");
      notify_notification_set_app_name (self->unread, _("Stream Tray"));
      notify_notification_set_hint_string (self->unread, "desktop-entry", APP_ID);
      /* A click opens the window (no channel in particular). */
      notify_notification_add_action (self->unread, "default", _("Open"), on_unread_open, self,
                                      NULL);
    }
  else
    notify_notification_update (self->unread, _("Unread messages"), self->unread_body, APP_ID);
  /* A nudge, not news: low urgency and never a sound. */
  notify_notification_set_urgency (self->unread, NOTIFY_URGENCY_LOW);
  notify_notification_set_hint (self->unread, "suppress-sound", g_variant_new_boolean (TRUE));
  self->unread_shown = g_get_monotonic_time ();
  stray_notifier_count_shown (self->notifier);
  if (!notify_notification_show (self->unread, &error))
    g_debug ("the notification server refused: %s", error->message);
}

static gboolean
on_unread_flush (gpointer user_data)
{
  StrayNotifierReminders *self = user_data;

  self->unread_flush_id = 0;
  show_unread_now (self);
  return G_SOURCE_REMOVE;
}

/* user.unread_message_reminder: its channels (cid → details), less the muted ones. */
static void
handle_unread (StrayNotifierReminders *self,
               const StrayEvent       *event,
               gboolean                live)
{
  JsonObject *root = JSON_NODE_HOLDS_OBJECT (event->root) ? json_node_get_object (event->root)
                                                          : NULL;
  JsonNode *channels_node = root != NULL ? json_object_get_member (root, "channels") : NULL;
  g_autoptr(GList) cids = NULL;
  guint channels = 0;
  guint messages = stray_session_get_total_unread_count (self->session);
  gint64 since;

  if (!live || stray_notifier_is_quiet (self->notifier) ||
      !stray_notifier_mode_allows (self->notifier))
    return;
  if (channels_node != NULL && JSON_NODE_HOLDS_OBJECT (channels_node))
    cids = json_object_get_members (json_node_get_object (channels_node));
  for (GList *l = cids; l != NULL; l = l->next)
    if (!stray_session_is_channel_muted (self->session, l->data))
      channels++;
  if (event->total_unread_count > 0)
    messages = (guint) event->total_unread_count;
  if (channels == 0 || messages == 0)
    return;

  g_free (self->unread_body);
  self->unread_body = g_strdup_printf (ngettext ("You have %u unread messages in %u channels",
                                                 "You have %u unread messages in %u channels",
                                                 messages), messages, channels);
  if (self->unread_flush_id != 0)
    return;
  since = (g_get_monotonic_time () - self->unread_shown) / 1000;
  if (self->unread_shown == 0 || since >= STRAY_NOTIFIER_INTERVAL_MS)
    show_unread_now (self);
  else
    self->unread_flush_id = g_timeout_add ((guint) (STRAY_NOTIFIER_INTERVAL_MS - since),
                                           on_unread_flush, self);
}

/**
 * stray_notifier_reminders_handle:
 *
 * Returns: %TRUE when @event was one of the reminder kinds (whether shown or not)
 */
gboolean
stray_notifier_reminders_handle (StrayNotifierReminders *self,
                                 const StrayEvent       *event,
                                 gboolean                live)
{
  switch (event->type)
    {
    case STRAY_EVENT_NOTIFICATION_REMINDER_DUE:
      if (event->reminder != NULL)
        handle_due (self, event, live);
      return TRUE;
    case STRAY_EVENT_REMINDER_UPDATED:
    case STRAY_EVENT_REMINDER_DELETED:
      if (event->reminder != NULL)
        withdraw_due (self, event);
      return TRUE;
    case STRAY_EVENT_USER_UNREAD_MESSAGE_REMINDER:
      handle_unread (self, event, live);
      return TRUE;
    case STRAY_EVENT_MESSAGE_READ:
    case STRAY_EVENT_NOTIFICATION_MARK_READ:
      /* All read, here or elsewhere: the nudge has done its work. */
      if (stray_session_get_total_unread_count (self->session) == 0)
        {
          g_clear_handle_id (&self->unread_flush_id, g_source_remove);
          stray_notifier_close (&self->unread);
        }
      return FALSE;
    default:
      return FALSE;
    }
}

StrayNotifierReminders *
stray_notifier_reminders_new (StrayNotifier *notifier,
                              StraySession  *session,
                              GActionGroup  *actions)
{
  StrayNotifierReminders *self = g_new0 (StrayNotifierReminders, 1);

  self->notifier = notifier;
  self->session = g_object_ref (session);
  self->actions = g_object_ref (actions);
  self->due = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, due_free);
  return self;
}

void
stray_notifier_reminders_free (StrayNotifierReminders *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->due);
  g_clear_handle_id (&self->unread_flush_id, g_source_remove);
  stray_notifier_close (&self->unread);
  g_free (self->unread_body);
  g_clear_object (&self->actions);
  g_clear_object (&self->session);
  g_free (self);
}
