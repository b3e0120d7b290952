/* stray-notifier-threads.c: "Reply in thread: …"
 *
 * A reply in a thread the user takes part in comes as notification.thread_message_new (Stream
 * sends it to the thread's participants). It shows as one notification per thread, updated in
 * place as more replies come ("2 new replies"), under the channel's name; a click opens the
 * window at the thread (app.open-thread), "Mark as Read" marks the thread read on the server
 * (app.mark-thread-read), and a thread read anywhere (message.read or notification.mark_read
 * with the thread, as Stream sends them for a read with thread_id) withdraws it. The policy is
 * the notifier's (pause, do-not-disturb, the notify mode, muted channels and users, nothing for
 * the thread on screen in the focused window, as for a channel), and the threads of one
 * channel show at most once per STRAY_NOTIFIER_INTERVAL_MS together.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-notifier"

#include "config.h"

#include <glib/gi18n.h>

#include "stray-notifier-private.h"

typedef struct {
  StrayNotifierThreads *owner; /* unowned */
  char *key;                   /* cid "\n" parent id */
  char *cid;
  char *parent_id;
  NotifyNotification *notification;
  guint count;                 /* replies since it was last withdrawn or dismissed */
  char *summary;
  char *sender;
  char *text;
  gboolean silent;
  guint flush_id;
} ThreadPending;

struct _StrayNotifierThreads
{
  StrayNotifier *notifier;     /* unowned: it owns this */
  StraySession *session;
  GActionGroup *actions;
  GHashTable *pending;         /* key → ThreadPending */
  char *focused_parent;        /* the thread on screen in the focused window */
};

static void
thread_pending_free (gpointer data)
{
  ThreadPending *pending = data;

  g_clear_handle_id (&pending->flush_id, g_source_remove);
  stray_notifier_close (&pending->notification);
  g_free (pending->key);
  g_free (pending->cid);
  g_free (pending->parent_id);
  g_free (pending->summary);
  g_free (pending->sender);
  g_free (pending->text);
  g_free (pending);
}

static char *
key_for (const char *cid,
         const char *parent_id)
{
  return g_strconcat (cid, "\n", parent_id, NULL);
}

static void
on_open (NotifyNotification *notification,
         G_GNUC_UNUSED char *action,
         gpointer            user_data)
{
  ThreadPending *pending = user_data;
  StrayNotifierThreads *self = pending->owner;

  /* The click's token is for the window it opens, as for a channel's notification. */
  stray_notifier_activate_clicked (self->notifier, notification, "open-thread",
                                   g_variant_new ("(ss)", pending->cid, pending->parent_id));
}

static void
on_mark_read (G_GNUC_UNUSED NotifyNotification *notification,
              G_GNUC_UNUSED char               *action,
              gpointer                          user_data)
{
  ThreadPending *pending = user_data;

  g_action_group_activate_action (pending->owner->actions, "mark-thread-read",
                                  g_variant_new ("(ss)", pending->cid, pending->parent_id));
}

static void
on_closed (NotifyNotification *notification,
           ThreadPending      *pending)
{
  /* Dismissed: the next reply starts a new notification. */
  if (pending->notification == notification)
    {
      g_clear_object (&pending->notification);
      pending->count = 0;
    }
}

static void
show (ThreadPending *pending)
{
  StrayNotifierThreads *self = pending->owner;
  g_autofree char *line = stray_notifier_format_body (pending->sender, pending->text);
  g_autofree char *body = NULL;
  g_autoptr(GError) error = NULL;

  body = pending->count > 1
         ? g_strdup_printf (ngettext ("%u new replies in a thread\n%s",
                                      "%u new replies in a thread\n%s", pending->count),
                            pending->count, line)
         /* Translators: a notification's body; %s is "Sender: text" */
         : g_strdup_printf (_("Reply in thread: %s"), line);

  if (pending->notification == NULL)
    {
      pending->notification = notify_notification_new (pending->summary, body, APP_ID);
      notify_notification_set_category (pending->notification, "im.received");
      notify_notification_set_app_name (pending->notification, _("Stream Tray"));
      notify_notification_set_hint_string (pending->notification, "desktop-entry", APP_ID);
      notify_notification_add_action (pending->notification, "default", _("Open"), on_open,
                                      pending, NULL);
      notify_notification_add_action (pending->notification, "mark-read", _("Mark as Read"),
                                      on_mark_read, pending, NULL);
      g_signal_connect (pending->notification, "closed", G_CALLBACK (on_closed), pending);
    }
  else
    notify_notification_update (pending->notification, pending->summary, body, APP_ID);
  notify_notification_set_urgency (pending->notification, NOTIFY_URGENCY_NORMAL);
  if (pending->silent || !stray_notifier_sounds_on (self->notifier))
    notify_notification_set_hint (pending->notification, "suppress-sound",
                                  g_variant_new_boolean (TRUE));
  else
    notify_notification_set_hint_string (pending->notification, "sound-name",
                                         "message-new-instant");

  stray_notifier_shown_in (self->notifier, pending->cid);
  if (!notify_notification_show (pending->notification, &error))
    g_debug ("the notification server refused: %s", error->message);
}

static void queue (ThreadPending *pending);

static gboolean
on_flush (gpointer user_data)
{
  ThreadPending *pending = user_data;

  pending->flush_id = 0;
  /* Another kind may have shown in the channel meanwhile: look again. */
  queue (pending);
  return G_SOURCE_REMOVE;
}

/* Now, or when the channel's interval has passed; in a storm, the notifier's summary counts
 * it instead. */
static void
queue (ThreadPending *pending)
{
  StrayNotifierThreads *self = pending->owner;
  guint wait_ms;

  if (pending->flush_id != 0)
    return;
  wait_ms = stray_notifier_wait_ms (self->notifier, pending->cid);
  if (wait_ms != 0)
    pending->flush_id = g_timeout_add (wait_ms, on_flush, pending);
  else if (!stray_notifier_storm_takes (self->notifier, pending->cid, pending->count))
    show (pending);
}

/**
 * stray_notifier_threads_close_all:
 *
 * Closes every thread's notification (a storm's summary takes their place); the next reply
 * starts a new one.
 */
void
stray_notifier_threads_close_all (StrayNotifierThreads *self)
{
  GHashTableIter iter;
  gpointer value;

  if (self == NULL)
    return;
  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ThreadPending *pending = value;

      stray_notifier_close (&pending->notification);
      pending->count = 0;
    }
}

static void
withdraw (StrayNotifierThreads *self,
          const char           *cid,
          const char           *parent_id)
{
  g_autofree char *key = NULL;
  GHashTableIter iter;
  gpointer value;

  if (cid == NULL)
    return;
  if (parent_id != NULL)
    {
      key = key_for (cid, parent_id);
      g_hash_table_remove (self->pending, key);
      return;
    }
  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_str_equal (((ThreadPending *) value)->cid, cid))
      g_hash_table_iter_remove (&iter);
}

static void
handle_reply (StrayNotifierThreads *self,
              const StrayEvent     *event,
              gboolean              live)
{
  const StrayEventMessage *message = event->message;
  g_autoptr(StrayMessagePreview) gist = NULL;
  g_autofree char *key = NULL;
  StrayChannel *channel;
  ThreadPending *pending;
  gboolean urgent;

  if (message == NULL || message->parent_id == NULL ||
      g_strcmp0 (message->parent_id, self->focused_parent) == 0 ||
      !stray_notifier_should_notify (self->notifier, event, live, &urgent))
    return;
  channel = stray_channel_list_lookup (stray_session_get_channels (self->session), event->cid);
  key = key_for (event->cid, message->parent_id);
  pending = g_hash_table_lookup (self->pending, key);
  if (pending == NULL)
    {
      pending = g_new0 (ThreadPending, 1);
      pending->owner = self;
      pending->key = g_steal_pointer (&key);
      pending->cid = g_strdup (event->cid);
      pending->parent_id = g_strdup (message->parent_id);
      g_hash_table_insert (self->pending, pending->key, pending);
    }
  pending->count++;
  g_free (pending->sender);
  pending->sender = g_strdup (message->user != NULL ? (message->user->name ?: message->user->id)
                                                    : NULL);
  g_free (pending->text);
  /* A picture sent alone reads "Bob: sent a photo", not "Bob: ". */
  gist = stray_message_preview_new_from_event (message);
  pending->text = stray_message_preview_dup_gist (gist);
  g_free (pending->summary);
  pending->summary = stray_notifier_format_summary (stray_channel_get_title (channel));
  pending->silent = message->silent;
  queue (pending);
}

/**
 * stray_notifier_threads_handle_event:
 *
 * Returns: %TRUE when @event was about a thread alone and the notifier is done with it
 */
gboolean
stray_notifier_threads_handle_event (StrayNotifierThreads *self,
                                     const StrayEvent     *event,
                                     gboolean              live)
{
  const char *own = stray_session_get_user_id (self->session);

  switch (event->type)
    {
    case STRAY_EVENT_NOTIFICATION_THREAD_MESSAGE_NEW:
      handle_reply (self, event, live);
      return TRUE;
    case STRAY_EVENT_MESSAGE_READ:
      if (event->thread == NULL)
        return FALSE;
      /* Read here or on another device. */
      if (event->user != NULL && g_strcmp0 (event->user->id, own) == 0)
        withdraw (self, event->cid, event->thread->parent_message_id);
      return TRUE;
    case STRAY_EVENT_NOTIFICATION_MARK_READ:
      if (event->thread == NULL)
        return FALSE;
      withdraw (self, event->cid, event->thread->parent_message_id);
      return TRUE;
    case STRAY_EVENT_CHANNEL_DELETED:
    case STRAY_EVENT_NOTIFICATION_CHANNEL_DELETED:
    case STRAY_EVENT_NOTIFICATION_REMOVED_FROM_CHANNEL:
    case STRAY_EVENT_CHANNEL_TRUNCATED:
    case STRAY_EVENT_NOTIFICATION_CHANNEL_TRUNCATED:
      withdraw (self, event->cid, NULL);
      return FALSE;
    default:
      return FALSE;
    }
}

void
stray_notifier_threads_set_focused (StrayNotifierThreads *self,
                                    const char           *parent_id)
{
  GHashTableIter iter;
  gpointer value;

  g_free (self->focused_parent);
  self->focused_parent = g_strdup (parent_id);
  if (parent_id == NULL)
    return;
  /* Being read now: its notification has done its work. */
  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_str_equal (((ThreadPending *) value)->parent_id, parent_id))
      g_hash_table_iter_remove (&iter);
}

StrayNotifierThreads *
stray_notifier_threads_new (StrayNotifier *notifier,
                            StraySession  *session,
                            GActionGroup  *actions)
{
  StrayNotifierThreads *self = g_new0 (StrayNotifierThreads, 1);

  self->notifier = notifier;
  self->session = g_object_ref (session);
  self->actions = g_object_ref (actions);
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, thread_pending_free);
  return self;
}

void
stray_notifier_threads_free (StrayNotifierThreads *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->pending);
  g_free (self->focused_parent);
  g_object_unref (self->actions);
  g_object_unref (self->session);
  g_free (self);
}
