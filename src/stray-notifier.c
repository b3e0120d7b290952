/* stray-notifier.c
 *
 * What users of chat and mail tray apps ask for (desktop-notes.md): one notification per
 * conversation, updated in place; nothing for what they read elsewhere (it is withdrawn);
 * no storm in a busy hour (one Notify per channel per 2 s, and one summary when more than five
 * channels fire at once); a click that lands in the right channel; "Mark as Read" that marks
 * it read on the server. Bodies are escaped, since many servers render them as markup.
 * Invites ("Ana invited you to #design", Accept and Decline) and being added to a channel
 * ("You were added to #ops by Dana", once per channel) go through the same policy and the
 * same one-notification-per-channel slot; thread replies have one per thread
 * (stray-notifier-threads.c) and reminders their own file (stray-notifier-reminders.c), under
 * the same policy. Longer than 800 lines: the policy and the showing
 * share the Pending slot and its timers, which splitting would expose.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-notifier"

#include "config.h"

#include <glib/gi18n.h>
#include <libnotify/notify.h>
#include <string.h>

#include "stray-notifier-private.h"

#include "stray-message-preview.h"

typedef enum {
  KIND_MESSAGES,
  KIND_INVITE,                /* Accept and Decline */
  KIND_ADDED,                 /* the user was added to the channel */
} PendingKind;

typedef struct {
  StrayNotifier *self;        /* unowned */
  char *cid;
  PendingKind kind;
  NotifyNotification *notification;
  guint count;                /* messages since the channel was last read */
  char *summary;
  char *sender;
  char *text;
  char *avatar_url;
  gboolean silent;
  guint flush_id;
  guint avatar_wait_id;
  gboolean waiting_avatar;
} Pending;

typedef struct {
  char *cid;
  gint64 at;
} Fired;

struct _StrayNotifier
{
  GObject parent_instance;

  StraySession *session;
  GActionGroup *actions;
  GSettings *settings;
  GSettings *gnome_settings;  /* org.gnome.desktop.notifications, where installed */
  StrayAvatarCache *avatars;
  GHashTable *pending;        /* cid → Pending */
  GHashTable *last_shown;     /* cid → gint64 *, monotonic µs: every kind shares the 2 s rule */
  GQueue fired;               /* Fired, oldest first, the last 2 s */
  NotifyNotification *summary;
  gint64 summary_shown;       /* monotonic µs */
  guint summary_flush_id;
  guint summary_messages;
  guint summary_channels;
  GDBusProxy *server;         /* for Inhibited and NotificationReplied */
  gboolean inline_reply;
  char *focused_cid;
  char *activation_token;
  guint n_shown;
  GHashTable *announced_added; /* cids whose "You were added" was shown: once each */
  StrayNotifierReminders *reminders;
  StrayNotifierThreads *threads; /* "Reply in thread" (stray-notifier-threads.c) */
};

G_DEFINE_FINAL_TYPE (StrayNotifier, stray_notifier, G_TYPE_OBJECT)

static void
fired_free (gpointer data)
{
  Fired *fired = data;

  g_free (fired->cid);
  g_free (fired);
}

static void
close_notification (NotifyNotification **notification)
{
  if (*notification == NULL)
    return;
  g_signal_handlers_disconnect_matched (*notification, G_SIGNAL_MATCH_ID,
                                        g_signal_lookup ("closed", NOTIFY_TYPE_NOTIFICATION), 0,
                                        NULL, NULL, NULL);
  notify_notification_close (*notification, NULL);
  g_clear_object (notification);
}

static void
pending_free (gpointer data)
{
  Pending *pending = data;

  g_clear_handle_id (&pending->flush_id, g_source_remove);
  g_clear_handle_id (&pending->avatar_wait_id, g_source_remove);
  close_notification (&pending->notification);
  g_free (pending->cid);
  g_free (pending->summary);
  g_free (pending->sender);
  g_free (pending->text);
  g_free (pending->avatar_url);
  g_free (pending);
}

/**
 * stray_notifier_format_summary:
 * @title: a channel's title or a sender's name, as any chat user may have set it
 *
 * The summary is plain text by the Desktop Notifications specification, and servers treat it
 * so: GNOME Shell shows it as written and dunst escapes it itself, so it is not escaped here
 * (that would show "&amp;"). It is one line, control characters made spaces, and cut at 80
 * characters on a character boundary, so that no name can push the message out of view.
 *
 * Returns: (transfer full): the summary
 */
char *
stray_notifier_format_summary (const char *title)
{
  g_autofree char *valid = g_utf8_make_valid (title != NULL ? title : "", -1);
  GString *line = g_string_sized_new (strlen (valid));
  guint length = 0;

  for (const char *c = valid; *c != '\0'; c = g_utf8_next_char (c))
    {
      gunichar character = g_utf8_get_char (c);
      GUnicodeBreakType kind = g_unichar_break_type (character);

      if (length == STRAY_NOTIFIER_SUMMARY_CHARS - 1 && *g_utf8_next_char (c) != '\0')
        {
          g_string_append (line, "…");
          break;
        }
      /* BK: U+2028 and U+2029 as well as the control characters that break lines. */
      if (g_unichar_iscntrl (character) || kind == G_UNICODE_BREAK_MANDATORY)
        g_string_append_c (line, ' ');
      else
        g_string_append_unichar (line, character);
      length++;
    }
  return g_string_free (line, FALSE);
}

/**
 * stray_notifier_format_body:
 * @sender: (nullable): who wrote it
 * @text: the message, plain text
 *
 * "Sender: text", cut at 200 characters on a character boundary and escaped for servers that
 * render bodies as markup, so that <b>, & and <a href=…> show as written.
 *
 * Returns: (transfer full): the body
 */
char *
stray_notifier_format_body (const char *sender,
                            const char *text)
{
  g_autofree char *plain = NULL;
  g_autofree char *cut = NULL;
  glong length;

  plain = sender != NULL && *sender != '\0' ? g_strdup_printf ("%s: %s", sender, text ?: "")
                                            : g_strdup (text ?: "");
  if (!g_utf8_validate (plain, -1, NULL))
    {
      g_autofree char *valid = g_utf8_make_valid (plain, -1);

      g_free (plain);
      plain = g_steal_pointer (&valid);
    }
  length = g_utf8_strlen (plain, -1);
  if (length > STRAY_NOTIFIER_BODY_CHARS)
    {
      g_autofree char *head = g_utf8_substring (plain, 0, STRAY_NOTIFIER_BODY_CHARS - 1);

      cut = g_strconcat (head, "…", NULL);
    }
  else
    cut = g_strdup (plain);
  return g_markup_escape_text (cut, -1);
}

/* ---- the policy ---- */

static gboolean
is_paused (StrayNotifier *self)
{
  return self->settings != NULL &&
         g_settings_get_int64 (self->settings, "notifications-paused-until") >
         g_get_real_time () / G_USEC_PER_SEC;
}

static gboolean
desktop_says_quiet (StrayNotifier *self)
{
  g_autoptr(GVariant) inhibited = NULL;

  if (self->gnome_settings != NULL && !g_settings_get_boolean (self->gnome_settings,
                                                               "show-banners"))
    return TRUE;
  if (self->server != NULL)
    inhibited = g_dbus_proxy_get_cached_property (self->server, "Inhibited");
  return inhibited != NULL && g_variant_is_of_type (inhibited, G_VARIANT_TYPE_BOOLEAN) &&
         g_variant_get_boolean (inhibited);
}

/* Whether @event is a message the user wants to hear of now; @urgent says it is a mention
 * or a direct message. */
gboolean
stray_notifier_should_notify (StrayNotifier    *self,
                              const StrayEvent *event,
                              gboolean          live,
                              gboolean         *urgent)
{
  const StrayEventMessage *message = event->message;
  const char *own = stray_session_get_user_id (self->session);
  StrayChannel *channel;
  gboolean mentioned, thread_only;
  g_autofree char *mode = NULL;

  *urgent = FALSE;
  if (!live || message == NULL || event->cid == NULL)
    return FALSE;
  channel = stray_channel_list_lookup (stray_session_get_channels (self->session), event->cid);
  if (channel == NULL)
    return FALSE;

  if (message->user != NULL && g_strcmp0 (message->user->id, own) == 0)
    return FALSE;
  if (stray_channel_get_muted (channel) || stray_channel_get_hidden (channel))
    return FALSE;
  if (message->user != NULL && message->user->id != NULL &&
      stray_session_is_user_muted (self->session, message->user->id))
    return FALSE;
  if (message->silent || message->shadowed || g_strcmp0 (message->type, "system") == 0 ||
      g_strcmp0 (message->type, "deleted") == 0)
    return FALSE;
  thread_only = message->parent_id != NULL && !message->show_in_channel;
  if (thread_only && event->type != STRAY_EVENT_NOTIFICATION_THREAD_MESSAGE_NEW)
    return FALSE;
  if (g_strcmp0 (self->focused_cid, event->cid) == 0)
    return FALSE;

  mentioned = own != NULL && message->mentioned_user_ids != NULL &&
              g_strv_contains (message->mentioned_user_ids, own);
  *urgent = mentioned || stray_channel_is_direct (channel);

  if (is_paused (self) || desktop_says_quiet (self))
    return FALSE;
  mode = self->settings != NULL ? g_settings_get_string (self->settings, "notify-mode")
                                : g_strdup ("all");
  /* Mentions pass whatever the mode. */
  if (mentioned)
    return TRUE;
  if (g_str_equal (mode, "none"))
    return FALSE;
  if (g_str_equal (mode, "mentions"))
    return *urgent;
  return TRUE;
}

/* For stray-notifier-reminders.c (stray-notifier-private.h): the policy and the bookkeeping
 * every kind shares. */
gboolean
stray_notifier_is_quiet (StrayNotifier *self)
{
  return is_paused (self) || desktop_says_quiet (self);
}

gboolean
stray_notifier_mode_allows (StrayNotifier *self)
{
  g_autofree char *mode = self->settings != NULL
                          ? g_settings_get_string (self->settings, "notify-mode") : NULL;

  return mode == NULL || !g_str_equal (mode, "none");
}

gboolean
stray_notifier_sounds_on (StrayNotifier *self)
{
  return self->settings == NULL || g_settings_get_boolean (self->settings, "notification-sounds");
}

/* A click's action, with the click's activation token for the window it opens (good once). */
void
stray_notifier_activate_clicked (StrayNotifier      *self,
                                 NotifyNotification *notification,
                                 const char         *action,
                                 GVariant           *parameter)
{
  g_free (self->activation_token);
  self->activation_token = g_strdup (notify_notification_get_activation_token (notification));
  g_action_group_activate_action (self->actions, action, parameter);
  g_clear_pointer (&self->activation_token, g_free);
}

void
stray_notifier_count_shown (StrayNotifier *self)
{
  self->n_shown++;
}

/**
 * stray_notifier_wait_ms:
 *
 * Returns: how long a notification in @cid must wait (0: none): one Notify per channel per
 * STRAY_NOTIFIER_INTERVAL_MS, whatever its kind (messages, threads, reminders, invites)
 */
guint
stray_notifier_wait_ms (StrayNotifier *self,
                        const char    *cid)
{
  gint64 *shown = g_hash_table_lookup (self->last_shown, cid);
  gint64 since;

  if (shown == NULL)
    return 0;
  since = (g_get_monotonic_time () - *shown) / 1000;
  return since >= STRAY_NOTIFIER_INTERVAL_MS ? 0 : (guint) (STRAY_NOTIFIER_INTERVAL_MS - since);
}

/* A notification in @cid was shown (or the summary took its place) just now. */
void
stray_notifier_shown_in (StrayNotifier *self,
                         const char    *cid)
{
  g_hash_table_insert (self->last_shown, g_strdup (cid),
                       g_memdup2 (&(gint64) { g_get_monotonic_time () }, sizeof (gint64)));
  self->n_shown++;
}

/* ---- showing ---- */

static void
on_open (NotifyNotification *notification,
         G_GNUC_UNUSED char *action,
         gpointer            user_data)
{
  Pending *pending = user_data;
  StrayNotifier *self = pending->self;
  const char *token = notify_notification_get_activation_token (notification);

  /* Only for the window this click opens (the action runs now): a token is good once. */
  g_free (self->activation_token);
  self->activation_token = g_strdup (token);
  g_action_group_activate_action (self->actions, "open-channel",
                                  g_variant_new_string (pending->cid));
  g_clear_pointer (&self->activation_token, g_free);
}

static void
on_mark_read (G_GNUC_UNUSED NotifyNotification *notification,
              G_GNUC_UNUSED char               *action,
              gpointer                          user_data)
{
  Pending *pending = user_data;

  g_action_group_activate_action (pending->self->actions, "mark-read",
                                  g_variant_new_string (pending->cid));
}

static void
on_show_invitations (NotifyNotification *notification,
                     G_GNUC_UNUSED char *action,
                     gpointer            user_data)
{
  Pending *pending = user_data;
  StrayNotifier *self = pending->self;

  /* As on_open: the click's token is for the window it opens. */
  g_free (self->activation_token);
  self->activation_token = g_strdup (notify_notification_get_activation_token (notification));
  g_action_group_activate_action (self->actions, "show-invitations", NULL);
  g_clear_pointer (&self->activation_token, g_free);
}

static void
on_answer_invite (G_GNUC_UNUSED NotifyNotification *notification,
                  char                             *action,
                  gpointer                          user_data)
{
  Pending *pending = user_data;

  g_action_group_activate_action (pending->self->actions,
                                  g_str_equal (action, "accept") ? "accept-invite"
                                                                 : "decline-invite",
                                  g_variant_new_string (pending->cid));
}

/* The text follows in NotificationReplied (on_server_signal). */
static void
on_reply_chosen (G_GNUC_UNUSED NotifyNotification *notification,
                 G_GNUC_UNUSED char               *action,
                 G_GNUC_UNUSED gpointer            user_data)
{
}

static void
on_closed (NotifyNotification *notification,
           Pending            *pending)
{
  /* Dismissed: the next message starts a new notification. */
  if (pending->notification == notification)
    {
      g_clear_object (&pending->notification);
      pending->count = 0;
    }
}

static void
show (Pending   *pending,
      GdkPixbuf *avatar)
{
  StrayNotifier *self = pending->self;
  g_autofree char *line = stray_notifier_format_body (pending->sender, pending->text);
  g_autofree char *body = NULL;
  g_autoptr(GError) error = NULL;
  gboolean sounds = self->settings == NULL ||
                    g_settings_get_boolean (self->settings, "notification-sounds");

  body = pending->count > 1
         ? g_strdup_printf (ngettext ("%u new messages\n%s", "%u new messages\n%s",
                                      pending->count), pending->count, line)
         : g_strdup (line);

  if (pending->notification == NULL && pending->kind != KIND_MESSAGES)
    {
      pending->notification = notify_notification_new (pending->summary, body, APP_ID);
      notify_notification_set_category (pending->notification, "im");
      notify_notification_set_app_name (pending->notification, _("Stream Tray"));
      notify_notification_set_hint_string (pending->notification, "desktop-entry", APP_ID);
      if (pending->kind == KIND_INVITE)
        {
          /* A click opens the window, whose top lists the invites. */
          notify_notification_add_action (pending->notification, "default", _("Open"),
                                          on_show_invitations, pending, NULL);
          notify_notification_add_action (pending->notification, "accept", _("Accept"),
                                          on_answer_invite, pending, NULL);
          notify_notification_add_action (pending->notification, "decline", _("Decline"),
                                          on_answer_invite, pending, NULL);
        }
      else
        notify_notification_add_action (pending->notification, "default", _("Open"), on_open,
                                        pending, NULL);
      g_signal_connect (pending->notification, "closed", G_CALLBACK (on_closed), pending);
    }
  else if (pending->notification == NULL)
    {
      pending->notification = notify_notification_new (pending->summary, body, APP_ID);
      notify_notification_set_category (pending->notification, "im.received");
      notify_notification_set_app_name (pending->notification, _("Stream Tray"));
      notify_notification_set_hint_string (pending->notification, "desktop-entry", APP_ID);
      notify_notification_add_action (pending->notification, "default", _("Open"), on_open,
                                      pending, NULL);
      /* A button too: some servers ignore the default action. */
      notify_notification_add_action (pending->notification, "mark-read", _("Mark as Read"),
                                      on_mark_read, pending, NULL);
      if (self->inline_reply)
        {
          notify_notification_add_action (pending->notification, "inline-reply", _("Reply"),
                                          on_reply_chosen, pending, NULL);
          notify_notification_set_hint_string (pending->notification,
                                               "x-kde-reply-placeholder-text",
                                               _("Reply…"));
        }
      g_signal_connect (pending->notification, "closed", G_CALLBACK (on_closed), pending);
    }
  else
    notify_notification_update (pending->notification, pending->summary, body, APP_ID);

  /* Normal even for mentions: critical ones stay on screen until dismissed on GNOME. */
  notify_notification_set_urgency (pending->notification, NOTIFY_URGENCY_NORMAL);
  if (avatar != NULL)
    notify_notification_set_image_from_pixbuf (pending->notification, avatar);
  if (pending->silent || !sounds)
    notify_notification_set_hint (pending->notification, "suppress-sound",
                                  g_variant_new_boolean (TRUE));
  else
    notify_notification_set_hint_string (pending->notification, "sound-name",
                                         "message-new-instant");

  stray_notifier_shown_in (self, pending->cid);
  if (!notify_notification_show (pending->notification, &error))
    g_debug ("the notification server refused: %s", error->message);
}

typedef struct {
  StrayNotifier *self;
  char *url;
} AvatarRequest;

static void
on_avatar (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AvatarRequest *request = user_data;
  g_autoptr(StrayNotifier) self = request->self;
  g_autofree char *url = request->url;
  g_autoptr(GdkPixbuf) avatar = stray_avatar_cache_get_finish (STRAY_AVATAR_CACHE (source),
                                                               result, NULL);
  GHashTableIter iter;
  gpointer value;

  g_free (request);
  if (self->pending == NULL)
    return;
  /* Every channel waiting for this picture shows now. */
  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Pending *pending = value;

      if (pending->waiting_avatar && g_strcmp0 (pending->avatar_url, url) == 0)
        {
          pending->waiting_avatar = FALSE;
          g_clear_handle_id (&pending->avatar_wait_id, g_source_remove);
          show (pending, avatar);
        }
    }
}

static gboolean
on_avatar_too_slow (gpointer user_data)
{
  Pending *pending = user_data;

  pending->avatar_wait_id = 0;
  if (pending->waiting_avatar)
    {
      pending->waiting_avatar = FALSE;
      show (pending, NULL);
    }
  return G_SOURCE_REMOVE;
}

/* Channels that fired within the interval, this one included. */
static guint
recent_channels (StrayNotifier *self,
                 const char    *cid,
                 guint         *messages)
{
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  while (!g_queue_is_empty (&self->fired) &&
         now - ((Fired *) g_queue_peek_head (&self->fired))->at >
         STRAY_NOTIFIER_INTERVAL_MS * 1000)
    fired_free (g_queue_pop_head (&self->fired));
  {
    Fired *fired = g_new0 (Fired, 1);

    fired->cid = g_strdup (cid);
    fired->at = now;
    g_queue_push_tail (&self->fired, fired);
  }

  *messages = 0;
  for (GList *l = self->fired.head; l != NULL; l = l->next)
    {
      Fired *fired = l->data;
      Pending *pending;

      if (g_hash_table_contains (seen, fired->cid))
        continue;
      g_hash_table_add (seen, fired->cid);
      pending = g_hash_table_lookup (self->pending, fired->cid);
      if (pending != NULL)
        *messages += pending->count;
    }
  return g_hash_table_size (seen);
}

static void
show_summary_now (StrayNotifier *self)
{
  g_autofree char *body = g_strdup_printf (ngettext ("%u new messages in %u channels",
                                                     "%u new messages in %u channels",
                                                     self->summary_messages),
                                           self->summary_messages, self->summary_channels);
  g_autoptr(GError) error = NULL;

  if (self->summary == NULL)
    {
      self->summary = notify_notification_new (_("Stream Tray"), body, APP_ID);
      notify_notification_set_category (self->summary, "im.received");
      notify_notification_set_hint_string (self->summary, "desktop-entry", APP_ID);
    }
  else
    notify_notification_update (self->summary, _("Stream Tray"), body, APP_ID);
  self->summary_shown = g_get_monotonic_time ();
  self->n_shown++;
  if (!notify_notification_show (self->summary, &error))
    g_debug ("the notification server refused: %s", error->message);
}

static gboolean
on_summary_flush (gpointer user_data)
{
  StrayNotifier *self = user_data;

  self->summary_flush_id = 0;
  show_summary_now (self);
  return G_SOURCE_REMOVE;
}

/* The summary is rate-limited like any channel: one Notify per interval, the latest counts. */
static void
show_summary (StrayNotifier *self,
              guint          messages,
              guint          channels)
{
  gint64 since = (g_get_monotonic_time () - self->summary_shown) / 1000;

  self->summary_messages = messages;
  self->summary_channels = channels;
  if (self->summary_flush_id != 0)
    return;
  if (self->summary_shown == 0 || since >= STRAY_NOTIFIER_INTERVAL_MS)
    show_summary_now (self);
  else
    self->summary_flush_id = g_timeout_add (STRAY_NOTIFIER_INTERVAL_MS - since, on_summary_flush,
                                            self);
}

/**
 * stray_notifier_storm_takes:
 * @extra_messages: messages of @cid's that its channel's slot does not count (a thread's)
 *
 * Counts a notification about to show in @cid among the channels that fired lately. Past
 * STRAY_NOTIFIER_SUMMARY_AFTER of them it is a storm: every kind's notifications go and one
 * summary counts them all instead.
 *
 * Returns: %TRUE when the summary took this one's place
 */
gboolean
stray_notifier_storm_takes (StrayNotifier *self,
                            const char    *cid,
                            guint          extra_messages)
{
  guint messages, channels = recent_channels (self, cid, &messages);
  GHashTableIter iter;
  gpointer value;

  if (channels <= STRAY_NOTIFIER_SUMMARY_AFTER)
    return FALSE;
  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    close_notification (&((Pending *) value)->notification);
  stray_notifier_threads_close_all (self->threads);
  g_hash_table_insert (self->last_shown, g_strdup (cid),
                       g_memdup2 (&(gint64) { g_get_monotonic_time () }, sizeof (gint64)));
  show_summary (self, messages + extra_messages, channels);
  return TRUE;
}

static void
flush (Pending *pending)
{
  StrayNotifier *self = pending->self;

  if (stray_notifier_storm_takes (self, pending->cid, 0))
    return;

  if (pending->avatar_url != NULL && self->avatars != NULL)
    {
      pending->waiting_avatar = TRUE;
      g_clear_handle_id (&pending->avatar_wait_id, g_source_remove);
      pending->avatar_wait_id = g_timeout_add (1500, on_avatar_too_slow, pending);
      {
        AvatarRequest *request = g_new0 (AvatarRequest, 1);

        request->self = g_object_ref (self);
        request->url = g_strdup (pending->avatar_url);
        stray_avatar_cache_get_async (self->avatars, pending->avatar_url, NULL, on_avatar,
                                      request);
      }
      return;
    }
  show (pending, NULL);
}

static void queue_pending (Pending *pending);

static gboolean
on_flush (gpointer user_data)
{
  Pending *pending = user_data;

  pending->flush_id = 0;
  /* Another kind may have shown in the channel meanwhile: look again. */
  queue_pending (pending);
  return G_SOURCE_REMOVE;
}

static void
withdraw (StrayNotifier *self,
          const char    *cid)
{
  if (cid != NULL)
    g_hash_table_remove (self->pending, cid);
  else
    g_hash_table_remove_all (self->pending);
}

/* Who brought the user in: the event's user when someone else, else the channel's creator. */
static const StrayEventUser *
membership_actor (StrayNotifier    *self,
                  const StrayEvent *event)
{
  const char *own = stray_session_get_user_id (self->session);

  if (event->user != NULL && event->user->id != NULL && g_strcmp0 (event->user->id, own) != 0)
    return event->user;
  if (event->channel != NULL && event->channel->created_by.id != NULL &&
      g_strcmp0 (event->channel->created_by.id, own) != 0)
    return &event->channel->created_by;
  return NULL;
}

/* The policy for invites and additions: what a message from @actor in @cid would meet, less
 * the mention filter (these are about the user alone). */
static gboolean
should_notify_membership (StrayNotifier        *self,
                          const char           *cid,
                          const StrayEventUser *actor,
                          gboolean              live)
{
  g_autofree char *mode = NULL;

  if (!live || cid == NULL || is_paused (self) || desktop_says_quiet (self))
    return FALSE;
  if (stray_session_is_channel_muted (self->session, cid) ||
      (actor != NULL && stray_session_is_user_muted (self->session, actor->id)))
    return FALSE;
  mode = self->settings != NULL ? g_settings_get_string (self->settings, "notify-mode")
                                : g_strdup ("all");
  return !g_str_equal (mode, "none");
}

static void
queue_pending (Pending *pending)
{
  guint wait_ms;

  if (pending->flush_id != 0 || pending->waiting_avatar)
    return;
  wait_ms = stray_notifier_wait_ms (pending->self, pending->cid);
  if (wait_ms == 0)
    flush (pending);
  else
    pending->flush_id = g_timeout_add (wait_ms, on_flush, pending);
}

/* The channel's slot, made ready for @kind: a notification of another kind is closed so that
 * its buttons do not outlive it. */
static Pending *
pending_for (StrayNotifier *self,
             const char    *cid,
             PendingKind    kind)
{
  Pending *pending = g_hash_table_lookup (self->pending, cid);

  if (pending == NULL)
    {
      pending = g_new0 (Pending, 1);
      pending->self = self;
      pending->cid = g_strdup (cid);
      g_hash_table_insert (self->pending, pending->cid, pending);
    }
  if (pending->kind != kind)
    {
      close_notification (&pending->notification);
      pending->count = 0;
      pending->kind = kind;
    }
  return pending;
}

static void
handle_membership (StrayNotifier    *self,
                   const StrayEvent *event,
                   gboolean          live)
{
  const StrayEventUser *actor = membership_actor (self, event);
  const char *actor_name = actor != NULL ? (actor->name ?: actor->id) : NULL;
  g_autofree char *title = NULL;
  g_autofree char *summary = NULL;
  Pending *pending;
  PendingKind kind;

  if (event->type == STRAY_EVENT_NOTIFICATION_INVITED)
    {
      StrayInvite *invite = stray_session_lookup_invite (self->session, event->cid);

      /* Only the user's own invite, still pending (the session took it first). */
      if (invite == NULL)
        return;
      kind = KIND_INVITE;
      title = stray_invite_dup_title (invite);
      summary = actor_name != NULL
                ? g_strdup_printf (_("%s invited you to #%s"), actor_name, title)
                : g_strdup_printf (_("You were invited to #%s"), title);
    }
  else
    {
      StrayChannel *channel = stray_channel_list_lookup (stray_session_get_channels (
                                                           self->session), event->cid);

      if (channel == NULL || g_hash_table_contains (self->announced_added, event->cid) ||
          (event->member != NULL &&
           g_strcmp0 (event->member->user_id, stray_session_get_user_id (self->session)) != 0))
        return;
      kind = KIND_ADDED;
      title = g_strdup (stray_channel_get_title (channel));
      summary = actor_name != NULL
                ? g_strdup_printf (_("You were added to #%s by %s"), title, actor_name)
                : g_strdup_printf (_("You were added to #%s"), title);
    }
  if (!should_notify_membership (self, event->cid, actor, live))
    return;
  if (kind == KIND_ADDED)
    g_hash_table_add (self->announced_added, g_strdup (event->cid));

  pending = pending_for (self, event->cid, kind);
  pending->count = 1;
  g_free (pending->summary);
  pending->summary = stray_notifier_format_summary (summary);
  g_clear_pointer (&pending->sender, g_free);
  g_clear_pointer (&pending->text, g_free);
  g_free (pending->avatar_url);
  pending->avatar_url = g_strdup (actor != NULL ? actor->image : NULL);
  pending->silent = FALSE;
  queue_pending (pending);
}

/**
 * stray_notifier_handle_event:
 * @event: an event, already applied to the session
 * @live: %FALSE for messages from before the connection came up: they never pop up
 */
void
stray_notifier_handle_event (StrayNotifier    *self,
                             const StrayEvent *event,
                             gboolean          live)
{
  const char *own = stray_session_get_user_id (self->session);
  StrayChannel *channel;
  g_autoptr(StrayMessagePreview) gist = NULL;
  Pending *pending;
  gboolean urgent;

  g_return_if_fail (STRAY_IS_NOTIFIER (self));

  if (stray_notifier_reminders_handle (self->reminders, event, live) ||
      stray_notifier_threads_handle_event (self->threads, event, live))
    return;
  switch (event->type)
    {
    case STRAY_EVENT_MESSAGE_NEW:
    case STRAY_EVENT_NOTIFICATION_MESSAGE_NEW:
      break;
    case STRAY_EVENT_MESSAGE_READ:
      /* Read here or on another device: the notification has done its work. */
      if (event->user != NULL && g_strcmp0 (event->user->id, own) == 0)
        withdraw (self, event->cid);
      return;
    case STRAY_EVENT_NOTIFICATION_MARK_READ:
      withdraw (self, event->unread_channels == 0 && event->cid == NULL ? NULL : event->cid);
      return;
    case STRAY_EVENT_CHANNEL_DELETED:
    case STRAY_EVENT_NOTIFICATION_CHANNEL_DELETED:
    case STRAY_EVENT_NOTIFICATION_REMOVED_FROM_CHANNEL:
    case STRAY_EVENT_CHANNEL_TRUNCATED:
    case STRAY_EVENT_NOTIFICATION_CHANNEL_TRUNCATED:
      withdraw (self, event->cid);
      return;
    case STRAY_EVENT_NOTIFICATION_INVITE_ACCEPTED:
    case STRAY_EVENT_NOTIFICATION_INVITE_REJECTED:
      /* Answered here or on another device. */
      if (event->member != NULL && g_strcmp0 (event->member->user_id, own) == 0)
        withdraw (self, event->cid);
      return;
    case STRAY_EVENT_NOTIFICATION_INVITED:
    case STRAY_EVENT_NOTIFICATION_ADDED_TO_CHANNEL:
      handle_membership (self, event, live);
      return;
    default:
      return;
    }

  if (!stray_notifier_should_notify (self, event, live, &urgent))
    return;
  channel = stray_channel_list_lookup (stray_session_get_channels (self->session), event->cid);

  pending = pending_for (self, event->cid, KIND_MESSAGES);
  pending->count++;
  g_free (pending->sender);
  pending->sender = g_strdup (event->message->user != NULL
                              ? (event->message->user->name ?: event->message->user->id) : NULL);
  g_free (pending->text);
  /* A picture sent alone reads "Bob: sent a photo", not "Bob: ". */
  gist = stray_message_preview_new_from_event (event->message);
  pending->text = stray_message_preview_dup_gist (gist);
  g_free (pending->summary);
  /* A one-to-one conversation is known by the other person's name. */
  pending->summary = stray_notifier_format_summary (stray_channel_is_direct (channel) &&
                                                   pending->sender != NULL
                                                   ? pending->sender
                                                   : stray_channel_get_title (channel));
  g_free (pending->avatar_url);
  pending->avatar_url = g_strdup (event->message->user != NULL ? event->message->user->image
                                                               : NULL);
  pending->silent = event->message->silent;
  queue_pending (pending);
}

void
stray_notifier_set_focused_channel (StrayNotifier *self,
                                    const char    *cid)
{
  g_return_if_fail (STRAY_IS_NOTIFIER (self));

  g_free (self->focused_cid);
  self->focused_cid = g_strdup (cid);
  if (cid != NULL)
    withdraw (self, cid);
}

/* The thread on screen in the focused window, whose replies need no notification. */
void
stray_notifier_set_focused_thread (StrayNotifier *self,
                                   const char    *parent_id)
{
  g_return_if_fail (STRAY_IS_NOTIFIER (self));

  stray_notifier_threads_set_focused (self->threads, parent_id);
}

/**
 * stray_notifier_get_activation_token:
 *
 * Returns: (nullable): while a click's open-channel action runs, its token, for the window to
 *   take focus with
 */
const char *
stray_notifier_get_activation_token (StrayNotifier *self)
{
  g_return_val_if_fail (STRAY_IS_NOTIFIER (self), NULL);

  return self->activation_token;
}

guint
stray_notifier_get_n_shown (StrayNotifier *self)
{
  g_return_val_if_fail (STRAY_IS_NOTIFIER (self), 0);

  return self->n_shown;
}

/* For the notifier's other files: their notifications close as these do. */
void
stray_notifier_close (NotifyNotification **notification)
{
  close_notification (notification);
}

/* KDE's inline reply (desktop-notes.md): the text comes back in NotificationReplied. */
static void
on_server_signal (G_GNUC_UNUSED GDBusProxy *proxy,
                  G_GNUC_UNUSED const char *sender,
                  const char               *signal,
                  GVariant                 *parameters,
                  StrayNotifier            *self)
{
  GHashTableIter iter;
  gpointer value;
  guint32 id;
  const char *text;

  if (!g_str_equal (signal, "NotificationReplied") ||
      !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(us)")))
    return;
  g_variant_get (parameters, "(u&s)", &id, &text);
  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Pending *pending = value;
      int notification_id = 0;

      if (pending->notification == NULL)
        continue;
      g_object_get (pending->notification, "id", &notification_id, NULL);
      if ((guint32) notification_id == id)
        {
          g_action_group_activate_action (self->actions, "send-message",
                                          g_variant_new ("(ss)", pending->cid, text));
          return;
        }
    }
}

static void
stray_notifier_dispose (GObject *object)
{
  StrayNotifier *self = STRAY_NOTIFIER (object);

  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_pointer (&self->last_shown, g_hash_table_unref);
  g_clear_pointer (&self->reminders, stray_notifier_reminders_free);
  g_clear_pointer (&self->threads, stray_notifier_threads_free);
  g_clear_handle_id (&self->summary_flush_id, g_source_remove);
  close_notification (&self->summary);
  g_queue_clear_full (&self->fired, fired_free);
  if (self->server != NULL)
    g_signal_handlers_disconnect_by_data (self->server, self);
  g_clear_object (&self->server);
  g_clear_object (&self->gnome_settings);
  g_clear_object (&self->settings);
  g_clear_object (&self->avatars);
  g_clear_object (&self->actions);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (stray_notifier_parent_class)->dispose (object);
}

static void
stray_notifier_finalize (GObject *object)
{
  StrayNotifier *self = STRAY_NOTIFIER (object);

  g_free (self->focused_cid);
  g_free (self->activation_token);
  g_hash_table_unref (self->announced_added);

  G_OBJECT_CLASS (stray_notifier_parent_class)->finalize (object);
}

static void
stray_notifier_class_init (StrayNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = stray_notifier_dispose;
  object_class->finalize = stray_notifier_finalize;
}

static void
stray_notifier_init (StrayNotifier *self)
{
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, pending_free);
  self->last_shown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->announced_added = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->fired);
}

/**
 * stray_notifier_new:
 * @session: the model the policy reads (mutes, hidden channels, the own user)
 * @actions: the app's actions: open-channel(s), mark-read(s), send-message((ss)),
 *   accept-invite(s), decline-invite(s), show-invitations, open-thread((ss)),
 *   mark-thread-read((ss))
 * @settings: (nullable): the app's settings (mode, pause, sounds)
 * @avatars: (nullable): where senders' pictures come from
 * @sandboxed: whether the app runs inside Flatpak
 *
 * Returns: (transfer full): a notifier
 */
StrayNotifier *
stray_notifier_new (StraySession     *session,
                    GActionGroup     *actions,
                    GSettings        *settings,
                    StrayAvatarCache *avatars,
                    gboolean          sandboxed)
{
  StrayNotifier *self;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) gnome = NULL;
  GList *caps;

  g_return_val_if_fail (STRAY_IS_SESSION (session), NULL);
  g_return_val_if_fail (G_IS_ACTION_GROUP (actions), NULL);

  self = g_object_new (STRAY_TYPE_NOTIFIER, NULL);
  self->session = g_object_ref (session);
  self->actions = g_object_ref (actions);
  self->settings = settings != NULL ? g_object_ref (settings) : NULL;
  self->avatars = avatars != NULL ? g_object_ref (avatars) : NULL;
  self->reminders = stray_notifier_reminders_new (self, session, actions);
  self->threads = stray_notifier_threads_new (self, session, actions);

  if (!notify_is_initted ())
    notify_init (APP_ID);
  /* Inside Flatpak libnotify goes through the notification portal, which keeps the title,
   * body, icon, click and buttons but has no inline reply nor Inhibited: the Reply button
   * stays away and do-not-disturb is the portal's business. */
  if (sandboxed)
    return self;
  caps = notify_get_server_caps ();
  self->inline_reply = g_list_find_custom (caps, "inline-reply", (GCompareFunc) strcmp) != NULL;
  g_list_free_full (caps, g_free);

  /* GNOME's do-not-disturb switch, where GNOME is installed. */
  if (source != NULL &&
      (gnome = g_settings_schema_source_lookup (source, "org.gnome.desktop.notifications",
                                                TRUE)) != NULL &&
      g_settings_schema_has_key (gnome, "show-banners"))
    self->gnome_settings = g_settings_new ("org.gnome.desktop.notifications");

  self->server = g_dbus_proxy_new_for_bus_sync (G_BUS_TYPE_SESSION,
                                                G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                                NULL, "org.freedesktop.Notifications",
                                                "/org/freedesktop/Notifications",
                                                "org.freedesktop.Notifications", NULL, NULL);
  if (self->server != NULL)
    g_signal_connect (self->server, "g-signal", G_CALLBACK (on_server_signal), self);
  return self;
}
