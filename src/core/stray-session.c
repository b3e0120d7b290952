/* stray-session.c: applying events to the model
 *
 * The unread rules are the official JavaScript SDK's (channel.ts _countMessageAsUnread and
 * _handleChannelEvent, client.ts), see docs/protocol-notes.md. The resync after a gap, from
 * REST answers, is in stray-session-sync.c.
 *
 * Totals: the per-channel counts are what the model keeps exact (each change knows the moment
 * it describes, see stray-session-sync.c); the totals are their sum, plus the channels GET
 * /unread counts that the model does not know yet (to be fetched: unknown-channels). The
 * server's totals on events and in `me` are taken only until the first resync has completed:
 * before it the model knows no channels, and the handshake's number is the best there is.
 * After it they are not taken, because an event's totals describe the server at the event's
 * moment while a resync answer may describe an older or newer one: taking both made the badge
 * jump between them (issue 14). Unread threads are not per channel and stay the server's,
 * taken by their moment (stray-session-threads.c).
 *
 * About 950 lines, past the usual 800: the event rules read best as one switch, beside the
 * properties they change; the resync's side (answers, kept count changes) is apart.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-model"

#include "config.h"

#include <string.h>

#include "stray-enums.h"
#include "stray-session-private.h"

G_DEFINE_FINAL_TYPE (StraySession, stray_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CHANNELS,
  PROP_USER_ID,
  PROP_USER_NAME,
  PROP_USER_IMAGE,
  PROP_TOTAL_UNREAD_COUNT,
  PROP_UNREAD_CHANNELS,
  PROP_UNREAD_THREADS,
  PROP_CONNECTION_STATE,
  PROP_UNKNOWN_CHANNELS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_string (StraySession *self,
            char        **field,
            const char   *value,
            guint         prop_id)
{
  if (value == NULL || g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

/* Counters arrive as STRAY_COUNT_UNSET when the frame does not carry them. */
static void
set_count (StraySession *self,
           guint        *field,
           gint32        value,
           guint         prop_id)
{
  if (value == STRAY_COUNT_UNSET || *field == (guint) value)
    return;
  *field = (guint) value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
stray_session_dispose (GObject *object)
{
  StraySession *self = STRAY_SESSION (object);

  g_clear_object (&self->channels);
  g_clear_object (&self->invites);
  g_clear_object (&self->reminders);

  G_OBJECT_CLASS (stray_session_parent_class)->dispose (object);
}

static void
stray_session_finalize (GObject *object)
{
  StraySession *self = STRAY_SESSION (object);

  g_free (self->user_id);
  g_free (self->user_name);
  g_free (self->user_image);
  g_hash_table_unref (self->muted_users);
  g_hash_table_unref (self->muted_channels);
  g_clear_pointer (&self->synced, g_hash_table_unref);
  g_clear_pointer (&self->facts, g_ptr_array_unref);
  g_clear_pointer (&self->removed, g_hash_table_unref);
  g_hash_table_unref (self->unknown);
  g_clear_pointer (&self->invites_seen, g_hash_table_unref);
  g_hash_table_unref (self->reminder_facts);
  g_clear_pointer (&self->reminders_seen, g_hash_table_unref);

  G_OBJECT_CLASS (stray_session_parent_class)->finalize (object);
}

static void
stray_session_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  StraySession *self = STRAY_SESSION (object);

  switch (prop_id)
    {
    case PROP_CHANNELS:
      g_value_set_object (value, self->channels);
      break;
    case PROP_USER_ID:
      g_value_set_string (value, self->user_id);
      break;
    case PROP_USER_NAME:
      g_value_set_string (value, self->user_name);
      break;
    case PROP_USER_IMAGE:
      g_value_set_string (value, self->user_image);
      break;
    case PROP_TOTAL_UNREAD_COUNT:
      g_value_set_uint (value, self->total_unread_count);
      break;
    case PROP_UNREAD_CHANNELS:
      g_value_set_uint (value, self->unread_channels);
      break;
    case PROP_UNREAD_THREADS:
      g_value_set_uint (value, self->unread_threads);
      break;
    case PROP_CONNECTION_STATE:
      g_value_set_enum (value, self->connection_state);
      break;
    case PROP_UNKNOWN_CHANNELS:
      g_value_set_uint (value, g_hash_table_size (self->unknown));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
stray_session_class_init (StraySessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags read_only = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = stray_session_dispose;
  object_class->finalize = stray_session_finalize;
  object_class->get_property = stray_session_get_property;

  properties[PROP_CHANNELS] =
    g_param_spec_object ("channels", NULL, NULL, STRAY_TYPE_CHANNEL_LIST, read_only);
  properties[PROP_USER_ID] =
    g_param_spec_string ("user-id", NULL, NULL, NULL, read_only);
  properties[PROP_USER_NAME] =
    g_param_spec_string ("user-name", NULL, NULL, NULL, read_only);
  properties[PROP_USER_IMAGE] =
    g_param_spec_string ("user-image", NULL, NULL, NULL, read_only);
  properties[PROP_TOTAL_UNREAD_COUNT] =
    g_param_spec_uint ("total-unread-count", NULL, NULL, 0, G_MAXUINT, 0, read_only);
  properties[PROP_UNREAD_CHANNELS] =
    g_param_spec_uint ("unread-channels", NULL, NULL, 0, G_MAXUINT, 0, read_only);
  properties[PROP_UNREAD_THREADS] =
    g_param_spec_uint ("unread-threads", NULL, NULL, 0, G_MAXUINT, 0, read_only);
  /* Written by the connection alone (stray_session_set_connection_state()). */
  properties[PROP_CONNECTION_STATE] =
    g_param_spec_enum ("connection-state", NULL, NULL,
                       STRAY_TYPE_CONNECTION_STATE, STRAY_CONNECTION_NOT_CONFIGURED, read_only);
  /* How many channels the server counts unread messages in that the model does not know yet
   * (stray_session_dup_unknown_cids() names them, for the connection to fetch). */
  properties[PROP_UNKNOWN_CHANNELS] =
    g_param_spec_uint ("unknown-channels", NULL, NULL, 0, G_MAXUINT, 0, read_only);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
stray_session_init (StraySession *self)
{
  self->channels = stray_channel_list_new ();
  self->invites = g_list_store_new (STRAY_TYPE_INVITE);
  self->reminders = g_list_store_new (STRAY_TYPE_REMINDER);
  self->reminder_facts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->muted_users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->muted_channels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->unknown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* The list may outlive the session (a view holds it): connected for the session's life. */
  g_signal_connect_object (self->channels, "notify::unread-total",
                           G_CALLBACK (stray_session_update_totals), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->channels, "notify::unread-channels",
                           G_CALLBACK (stray_session_update_totals), self, G_CONNECT_SWAPPED);
}

StraySession *
stray_session_new (void)
{
  return g_object_new (STRAY_TYPE_SESSION, NULL);
}

static gboolean
is_own_user (StraySession         *self,
             const StrayEventUser *user)
{
  return user != NULL && user->id != NULL && g_strcmp0 (user->id, self->user_id) == 0;
}

/* Events addressed to the user alone may omit the user; an explicit other user rules them out. */
static gboolean
may_be_own_user (StraySession         *self,
                 const StrayEventUser *user)
{
  return user == NULL || user->id == NULL || self->user_id == NULL || is_own_user (self, user);
}

gboolean
stray_session_is_valid_cid (const char *cid)
{
  const char *colon = cid != NULL ? strchr (cid, ':') : NULL;

  return colon != NULL && colon != cid && colon[1] != '\0';
}

static void
update_channel_from_event (StrayChannel            *channel,
                           const StrayEventChannel *data)
{
  if (data->name != NULL)
    stray_channel_set_name (channel, data->name);
  if (data->image != NULL)
    stray_channel_set_image (channel, data->image);
  if (data->member_count != STRAY_COUNT_UNSET)
    stray_channel_set_member_count (channel, (guint) data->member_count);
  if (data->has_frozen)
    stray_channel_set_frozen (channel, data->frozen);
  if (data->has_hidden)
    stray_channel_set_hidden (channel, data->hidden);
  if (data->last_message_at_us > stray_channel_get_last_message_at (channel))
    stray_channel_set_last_message_at (channel, data->last_message_at_us);
  stray_channel_set_read_events (channel, data->read_events);
}

static StrayChannel *
lookup_channel (StraySession     *self,
                const StrayEvent *event)
{
  if (event->cid == NULL)
    return NULL;
  return stray_channel_list_lookup (self->channels, event->cid);
}

/* The event's channel, added to the model first when the user is new to it. */
static StrayChannel *
ensure_channel (StraySession     *self,
                const StrayEvent *event)
{
  g_autoptr(StrayChannel) channel = NULL;
  StrayChannel *existing = lookup_channel (self, event);

  if (existing != NULL)
    return existing;
  if (!stray_session_is_valid_cid (event->cid))
    return NULL;

  channel = stray_channel_new (event->cid);
  stray_channel_set_muted (channel, g_hash_table_contains (self->muted_channels, event->cid));
  if (event->channel != NULL)
    update_channel_from_event (channel, event->channel);
  stray_channel_list_add (self->channels, channel);
  stray_session_forget_unknown (self, event->cid);
  if (self->removed != NULL)
    g_hash_table_remove (self->removed, event->cid);
  return channel;
}

static void
clear_channel (StraySession     *self,
               StrayChannel     *channel,
               const StrayEvent *event)
{
  stray_session_take_fact (self, stray_channel_get_cid (channel), event->created_at_us, 0, 0,
                           FALSE);
  stray_channel_set_last_message (channel, NULL);
}

/* Whether the user had muted @user_id at @at (server time, µs; 0: now): a timed mute ends by
 * itself, without an event, so its `expires` decides (Stream leaves the end to the clients). */
static gboolean
user_muted_at (StraySession *self,
               const char   *user_id,
               gint64        at)
{
  const gint64 *expires = g_hash_table_lookup (self->muted_users, user_id);

  if (expires == NULL)
    return FALSE;
  return *expires == 0 || (at != 0 ? at : g_get_real_time ()) < *expires;
}

static void
add_muted_user (StraySession *self,
                const char   *user_id,
                gint64        expires)
{
  g_hash_table_replace (self->muted_users, g_strdup (user_id), g_memdup2 (&expires,
                                                                          sizeof expires));
}

/* Whether a message would count as unread in a channel that counts messages (below). */
gboolean
stray_session_message_is_candidate (StraySession            *self,
                                    const StrayEventMessage *message)
{
  if (message->shadowed || message->silent)
    return FALSE;
  if (message->parent_id != NULL && !message->show_in_channel)
    return FALSE;
  if (is_own_user (self, message->user))
    return FALSE;
  if (message->user != NULL && message->user->id != NULL &&
      user_muted_at (self, message->user->id, message->created_at_us))
    return FALSE;
  return TRUE;
}

gboolean
stray_session_message_mentions_user (StraySession            *self,
                                     const StrayEventMessage *message)
{
  return self->user_id != NULL && message->mentioned_user_ids != NULL &&
         g_strv_contains (message->mentioned_user_ids, self->user_id);
}

static gboolean
message_counts_as_unread (StraySession            *self,
                          StrayChannel            *channel,
                          const StrayEventMessage *message)
{
  if (!stray_session_message_is_candidate (self, message))
    return FALSE;
  if (!stray_channel_get_read_events (channel))
    return FALSE;
  if (stray_channel_get_muted (channel))
    return FALSE;
  return TRUE;
}

static void
apply_message_new (StraySession     *self,
                   const StrayEvent *event)
{
  const StrayEventMessage *message = event->message;
  StrayChannel *channel;

  if (message == NULL || (channel = ensure_channel (self, event)) == NULL)
    return;

  /* A thread reply that stays in its thread is not part of the channel's timeline. */
  if (message->parent_id == NULL || message->show_in_channel)
    {
      StrayMessagePreview *last_message = stray_channel_get_last_message (channel);
      gint64 at = message->created_at_us != 0 ? message->created_at_us : event->created_at_us;

      /* Keep the newest message should frames arrive out of order. */
      if (last_message == NULL || at >= last_message->created_at_us)
        {
          g_autoptr(StrayMessagePreview) preview = stray_message_preview_new_from_event (message);

          stray_channel_set_last_message (channel, preview);
        }
      if (at > stray_channel_get_last_message_at (channel))
        stray_channel_set_last_message_at (channel, at);
      /* The server shows a hidden channel again when a message arrives in it. */
      stray_channel_set_hidden (channel, FALSE);
    }

  if (event->channel != NULL)
    update_channel_from_event (channel, event->channel);
  if (event->channel_member_count != STRAY_COUNT_UNSET)
    stray_channel_set_member_count (channel, (guint) event->channel_member_count);

  if (message_counts_as_unread (self, channel, message))
    {
      gboolean attention = stray_session_message_mentions_user (self, message) ||
                           stray_channel_is_direct (channel);

      /* The message's moment is the one a resync answer's last_message_at compares with. */
      stray_session_take_fact (self, event->cid,
                               message->created_at_us != 0 ? message->created_at_us
                                                           : event->created_at_us,
                               +1, 0, attention);
    }
}

static void
apply_message_changed (StraySession     *self,
                       const StrayEvent *event)
{
  StrayChannel *channel = lookup_channel (self, event);
  StrayMessagePreview *last_message;
  g_autoptr(StrayMessagePreview) preview = NULL;
  gboolean is_last;

  if (channel == NULL || event->message == NULL || event->message->id == NULL)
    return;

  last_message = stray_channel_get_last_message (channel);
  is_last = last_message != NULL && g_strcmp0 (last_message->id, event->message->id) == 0;

  preview = stray_message_preview_new_from_event (event->message);
  /* An edit keeps the message's place; some servers send it without its original date. */
  if (preview->created_at == NULL && is_last)
    {
      preview->created_at = g_strdup (last_message->created_at);
      preview->created_at_us = last_message->created_at_us;
    }
  if (event->type == STRAY_EVENT_MESSAGE_DELETED && event->hard_delete && !preview->deleted)
    {
      preview->deleted = TRUE;
      g_free (preview->text);
      preview->text = g_strdup ("");
      g_clear_pointer (&preview->attachments, g_strfreev);
    }
  stray_channel_emit_message_changed (channel, preview);
  if (is_last)
    stray_channel_set_last_message (channel, preview);
}

/* A hard-deleted message the user had not read counts no longer, as Stream's server and the
 * Swift and Flutter SDKs take it; a soft-deleted one keeps its place, and its count. */
static void
uncount_hard_deleted (StraySession     *self,
                      const StrayEvent *event)
{
  StrayChannel *channel = lookup_channel (self, event);
  const StrayEventMessage *message = event->message;

  if (channel == NULL || message == NULL || !event->hard_delete ||
      message->created_at_us <= stray_channel_get_read_at (channel) ||
      !message_counts_as_unread (self, channel, message))
    return;
  stray_session_take_fact (self, event->cid, event->created_at_us, -1, 0, FALSE);
}

static void
apply_user_updated (StraySession         *self,
                    const StrayEventUser *user)
{
  guint n_channels;

  if (user == NULL || user->id == NULL)
    return;

  if (is_own_user (self, user))
    {
      set_string (self, &self->user_name, user->name, PROP_USER_NAME);
      set_string (self, &self->user_image, user->image, PROP_USER_IMAGE);
    }

  if (user->name == NULL)
    return;
  n_channels = g_list_model_get_n_items (G_LIST_MODEL (self->channels));
  for (guint i = 0; i < n_channels; i++)
    {
      StrayChannel *channel = stray_channel_list_peek (self->channels, i);
      StrayMessagePreview *last_message = stray_channel_get_last_message (channel);
      g_autoptr(StrayMessagePreview) renamed = NULL;

      if (last_message == NULL || g_strcmp0 (last_message->user_id, user->id) != 0 ||
          g_strcmp0 (last_message->user_name, user->name) == 0)
        continue;
      renamed = stray_message_preview_new_renamed (last_message, user->name);
      stray_channel_set_last_message (channel, renamed);
    }
}

static void
replace_set (GHashTable        *set,
             const char * const *members)
{
  g_hash_table_remove_all (set);
  for (guint i = 0; members[i] != NULL; i++)
    g_hash_table_add (set, g_strdup (members[i]));
}

static void
sync_channel_mutes (StraySession *self)
{
  guint n_channels = g_list_model_get_n_items (G_LIST_MODEL (self->channels));

  for (guint i = 0; i < n_channels; i++)
    {
      StrayChannel *channel = stray_channel_list_peek (self->channels, i);

      stray_channel_set_muted (channel,
                               g_hash_table_contains (self->muted_channels,
                                                      stray_channel_get_cid (channel)));
    }
}

static void
apply_me (StraySession       *self,
          const StrayEventMe *me,
          gint64              at)
{
  set_string (self, &self->user_id, me->user.id, PROP_USER_ID);
  set_string (self, &self->user_name, me->user.name, PROP_USER_NAME);
  set_string (self, &self->user_image, me->user.image, PROP_USER_IMAGE);
  stray_session_set_totals (self, me->total_unread_count, me->unread_channels);
  stray_session_take_unread_threads (self, me->unread_threads, at);

  if (me->muted_user_ids != NULL)
    {
      g_hash_table_remove_all (self->muted_users);
      for (guint i = 0; me->muted_user_ids[i] != NULL; i++)
        add_muted_user (self, me->muted_user_ids[i],
                        me->muted_user_expires_us != NULL ? me->muted_user_expires_us[i] : 0);
    }
  if (me->muted_channel_cids != NULL)
    {
      replace_set (self->muted_channels, me->muted_channel_cids);
      sync_channel_mutes (self);
    }
}

static void
set_channel_muted (StraySession *self,
                   const char   *cid,
                   gboolean      muted)
{
  StrayChannel *channel;

  if (cid == NULL)
    return;
  if (muted)
    g_hash_table_add (self->muted_channels, g_strdup (cid));
  else
    g_hash_table_remove (self->muted_channels, cid);
  if ((channel = stray_channel_list_lookup (self->channels, cid)) != NULL)
    stray_channel_set_muted (channel, muted);
}

static void
remove_channel (StraySession *self,
                const char   *cid)
{
  if (cid == NULL)
    return;
  stray_channel_list_remove (self->channels, cid);
  stray_session_forget_unknown (self, cid);
  /* An answer older than the removal, of a resync or of a fetch, must not bring the channel
   * back. */
  if (self->synced != NULL)
    g_hash_table_remove (self->synced, cid);
  if (self->removed != NULL)
    g_hash_table_add (self->removed, g_strdup (cid));
}

/**
 * stray_session_apply:
 * @self: a session
 * @event: a decoded event
 *
 * Brings the model up to date with one event. Events about channels the model does not know
 * change nothing, except those that bring the user into a channel.
 */
void
stray_session_apply (StraySession     *self,
                     const StrayEvent *event)
{
  StrayChannel *channel;

  g_return_if_fail (STRAY_IS_SESSION (self));
  g_return_if_fail (event != NULL);

  switch (event->type)
    {
    case STRAY_EVENT_MESSAGE_NEW:
    case STRAY_EVENT_NOTIFICATION_MESSAGE_NEW:
      /* A channel the user is only invited to is not theirs yet: its messages count for
       * nothing (Stream's Invites docs). */
      if (stray_session_lookup_invite (self, event->cid) == NULL)
        apply_message_new (self, event);
      break;

    case STRAY_EVENT_MESSAGE_DELETED:
      uncount_hard_deleted (self, event);
      apply_message_changed (self, event);
      stray_session_forget_message_reminder (self, event);
      break;

    case STRAY_EVENT_MESSAGE_UPDATED:
    case STRAY_EVENT_MESSAGE_UNDELETED:
      apply_message_changed (self, event);
      break;

    /* A thread read leaves the channel's count (stream-chat-js' channel.ts: "if
     * (event.thread) break"). */
    case STRAY_EVENT_MESSAGE_READ:
      if (event->thread == NULL && is_own_user (self, event->user) &&
          stray_session_is_valid_cid (event->cid))
        stray_session_take_fact (self, event->cid, event->created_at_us, 0, 0, FALSE);
      break;

    case STRAY_EVENT_NOTIFICATION_MARK_READ:
      if (event->thread != NULL)
        break;
      if (event->unread_channels == 0)
        stray_session_take_fact (self, NULL, event->created_at_us, 0, 0, FALSE);
      else if (stray_session_is_valid_cid (event->cid))
        stray_session_take_fact (self, event->cid, event->created_at_us, 0, 0, FALSE);
      break;

    case STRAY_EVENT_NOTIFICATION_MARK_UNREAD:
      if (may_be_own_user (self, event->user) && event->unread_messages != STRAY_COUNT_UNSET &&
          stray_session_is_valid_cid (event->cid))
        stray_session_take_fact (self, event->cid, event->created_at_us, 0,
                                 (guint) event->unread_messages, FALSE);
      break;

    case STRAY_EVENT_NOTIFICATION_ADDED_TO_CHANNEL:
      if ((channel = ensure_channel (self, event)) != NULL)
        stray_session_take_event_members (self, channel, event);
      break;

    case STRAY_EVENT_NOTIFICATION_REMINDER_DUE:
    case STRAY_EVENT_REMINDER_CREATED:
    case STRAY_EVENT_REMINDER_UPDATED:
    case STRAY_EVENT_REMINDER_DELETED:
      stray_session_apply_reminder (self, event);
      break;

    case STRAY_EVENT_NOTIFICATION_INVITED:
      stray_session_apply_invite (self, event);
      break;

    case STRAY_EVENT_NOTIFICATION_INVITE_ACCEPTED:
    case STRAY_EVENT_NOTIFICATION_INVITE_REJECTED:
      if (event->member != NULL && self->user_id != NULL &&
          g_strcmp0 (event->member->user_id, self->user_id) == 0)
        {
          stray_session_forget_invite (self, event->cid);
          if (event->type == STRAY_EVENT_NOTIFICATION_INVITE_ACCEPTED)
            ensure_channel (self, event);
          else
            remove_channel (self, event->cid);
        }
      break;

    case STRAY_EVENT_CHANNEL_DELETED:
    case STRAY_EVENT_NOTIFICATION_CHANNEL_DELETED:
    case STRAY_EVENT_NOTIFICATION_REMOVED_FROM_CHANNEL:
      stray_session_forget_invite (self, event->cid);
      remove_channel (self, event->cid);
      break;

    case STRAY_EVENT_CHANNEL_UPDATED:
      if ((channel = lookup_channel (self, event)) != NULL && event->channel != NULL)
        update_channel_from_event (channel, event->channel);
      break;

    case STRAY_EVENT_CHANNEL_HIDDEN:
      if ((channel = lookup_channel (self, event)) != NULL)
        {
          stray_channel_set_hidden (channel, TRUE);
          if (event->clear_history)
            clear_channel (self, channel, event);
        }
      break;

    case STRAY_EVENT_CHANNEL_VISIBLE:
      if ((channel = lookup_channel (self, event)) != NULL)
        stray_channel_set_hidden (channel, FALSE);
      break;

    case STRAY_EVENT_CHANNEL_TRUNCATED:
    case STRAY_EVENT_NOTIFICATION_CHANNEL_TRUNCATED:
      if ((channel = lookup_channel (self, event)) != NULL)
        clear_channel (self, channel, event);
      break;

    case STRAY_EVENT_CHANNEL_FROZEN:
    case STRAY_EVENT_CHANNEL_UNFROZEN:
      if ((channel = lookup_channel (self, event)) != NULL)
        stray_channel_set_frozen (channel, event->type == STRAY_EVENT_CHANNEL_FROZEN);
      break;

    case STRAY_EVENT_CHANNEL_MUTED:
    case STRAY_EVENT_CHANNEL_UNMUTED:
      if (may_be_own_user (self, event->user))
        set_channel_muted (self, event->cid, event->type == STRAY_EVENT_CHANNEL_MUTED);
      break;

    case STRAY_EVENT_USER_MUTED:
    case STRAY_EVENT_USER_UNMUTED:
      if (may_be_own_user (self, event->user) && event->target_user != NULL &&
          event->target_user->id != NULL)
        {
          if (event->type == STRAY_EVENT_USER_MUTED)
            add_muted_user (self, event->target_user->id, 0);
          else
            g_hash_table_remove (self->muted_users, event->target_user->id);
        }
      break;

    case STRAY_EVENT_USER_UPDATED:
      apply_user_updated (self, event->user);
      break;

    /* What these say about the connection is StrayConnection's to follow. */
    case STRAY_EVENT_HEALTH_CHECK:
    case STRAY_EVENT_CONNECTION_CHANGED:
    case STRAY_EVENT_CONNECTION_RECOVERED:
    case STRAY_EVENT_CUSTOM:
    case STRAY_EVENT_MESSAGE_FLAGGED:
    case STRAY_EVENT_MESSAGE_UNBLOCKED:
    case STRAY_EVENT_MESSAGE_PENDING:
    case STRAY_EVENT_REACTION_NEW:
    case STRAY_EVENT_REACTION_UPDATED:
    case STRAY_EVENT_REACTION_DELETED:
    case STRAY_EVENT_TYPING_START:
    case STRAY_EVENT_TYPING_STOP:
    case STRAY_EVENT_CHANNEL_CREATED:
    case STRAY_EVENT_MEMBER_ADDED:
    case STRAY_EVENT_MEMBER_REMOVED:
    case STRAY_EVENT_MEMBER_UPDATED:
    case STRAY_EVENT_USER_PRESENCE_CHANGED:
    case STRAY_EVENT_USER_DELETED:
    case STRAY_EVENT_USER_BANNED:
    case STRAY_EVENT_USER_UNBANNED:
    case STRAY_EVENT_USER_FLAGGED:
    case STRAY_EVENT_USER_DEACTIVATED:
    case STRAY_EVENT_USER_REACTIVATED:
    case STRAY_EVENT_USER_MESSAGES_DELETED:
    case STRAY_EVENT_USER_WATCHING_START:
    case STRAY_EVENT_USER_WATCHING_STOP:
    case STRAY_EVENT_USER_UNREAD_MESSAGE_REMINDER:
    case STRAY_EVENT_NOTIFICATION_CHANNEL_MUTES_UPDATED:
    case STRAY_EVENT_NOTIFICATION_MUTES_UPDATED:
    case STRAY_EVENT_NOTIFICATION_THREAD_MESSAGE_NEW:
    case STRAY_EVENT_THREAD_UPDATED:
    case STRAY_EVENT_N_TYPES:
    default:
      /* Nothing the tray shows depends on these beyond the totals and `me` below. */
      break;
    }

  if (event->me != NULL)
    apply_me (self, event->me, event->created_at_us);
  stray_session_set_totals (self, event->total_unread_count, event->unread_channels);
  stray_session_take_unread_threads (self, event->unread_threads, event->created_at_us);

  /* A live event about a channel shows the user is in it now: a resync that did not list it
   * (its page was asked before the channel came, or moved) does not drop it. */
  if (self->synced != NULL && event->cid != NULL &&
      stray_channel_list_lookup (self->channels, event->cid) != NULL)
    g_hash_table_add (self->synced, g_strdup (event->cid));
}

/* The server's totals; taken for the channels' until the first resync completed (see the top). */
void
stray_session_set_totals (StraySession *self,
                          gint32        total_unread_count,
                          gint32        unread_channels)
{
  if (!self->totals_from_channels)
    {
      set_count (self, &self->total_unread_count, total_unread_count, PROP_TOTAL_UNREAD_COUNT);
      set_count (self, &self->unread_channels, unread_channels, PROP_UNREAD_CHANNELS);
    }
}

/* For stray-session-threads.c, which decides which fact to take. */
void
stray_session_set_unread_threads (StraySession *self,
                                  guint         unread_threads)
{
  set_count (self, &self->unread_threads, (gint32) MIN (unread_threads, G_MAXINT32),
             PROP_UNREAD_THREADS);
}

/* The totals as the channels add up, with the channels known to be unread but not listed. */
void
stray_session_update_totals (StraySession *self)
{
  GHashTableIter iter;
  gpointer unread;
  guint total, unread_channels;

  if (!self->totals_from_channels)
    return;
  total = stray_channel_list_get_unread_total (self->channels);
  unread_channels = stray_channel_list_get_unread_channels (self->channels);
  g_hash_table_iter_init (&iter, self->unknown);
  while (g_hash_table_iter_next (&iter, NULL, &unread))
    {
      total += GPOINTER_TO_UINT (unread);
      unread_channels++;
    }
  set_count (self, &self->total_unread_count, (gint32) MIN (total, G_MAXINT32),
             PROP_TOTAL_UNREAD_COUNT);
  set_count (self, &self->unread_channels, (gint32) MIN (unread_channels, G_MAXINT32),
             PROP_UNREAD_CHANNELS);
}

/* @cid is in the model now, or gone: no longer one to fetch. */
void
stray_session_forget_unknown (StraySession *self,
                              const char   *cid)
{
  if (g_hash_table_size (self->unknown) == 0 || !g_hash_table_remove (self->unknown, cid))
    return;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNKNOWN_CHANNELS]);
  stray_session_update_totals (self);
}

/* For stray-session-sync.c, which records the unknown channels. */
void
stray_session_notify_unknown (StraySession *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNKNOWN_CHANNELS]);
}

/**
 * stray_session_get_channels:
 *
 * Returns: (transfer none): the user's channels, newest first
 */
StrayChannelList *
stray_session_get_channels (StraySession *self)
{
  g_return_val_if_fail (STRAY_IS_SESSION (self), NULL);

  return self->channels;
}

const char *
stray_session_get_user_id (StraySession *self)
{
  g_return_val_if_fail (STRAY_IS_SESSION (self), NULL);

  return self->user_id;
}

const char *
stray_session_get_user_name (StraySession *self)
{
  g_return_val_if_fail (STRAY_IS_SESSION (self), NULL);

  return self->user_name;
}

const char *
stray_session_get_user_image (StraySession *self)
{
  g_return_val_if_fail (STRAY_IS_SESSION (self), NULL);

  return self->user_image;
}

guint
stray_session_get_total_unread_count (StraySession *self)
{
  g_return_val_if_fail (STRAY_IS_SESSION (self), 0);

  return self->total_unread_count;
}

guint
stray_session_get_unread_channels (StraySession *self)
{
  g_return_val_if_fail (STRAY_IS_SESSION (self), 0);

  return self->unread_channels;
}

guint
stray_session_get_unread_threads (StraySession *self)
{
  g_return_val_if_fail (STRAY_IS_SESSION (self), 0);

  return self->unread_threads;
}

gboolean
stray_session_is_user_muted (StraySession *self,
                             const char   *user_id)
{
  g_return_val_if_fail (STRAY_IS_SESSION (self), FALSE);
  g_return_val_if_fail (user_id != NULL, FALSE);

  return user_muted_at (self, user_id, 0);
}

gboolean
stray_session_is_channel_muted (StraySession *self,
                                const char   *cid)
{
  g_return_val_if_fail (STRAY_IS_SESSION (self), FALSE);
  g_return_val_if_fail (cid != NULL, FALSE);

  return g_hash_table_contains (self->muted_channels, cid);
}

StrayConnectionState
stray_session_get_connection_state (StraySession *self)
{
  g_return_val_if_fail (STRAY_IS_SESSION (self), STRAY_CONNECTION_NOT_CONFIGURED);

  return self->connection_state;
}

/**
 * stray_session_set_connection_state:
 *
 * The connection state has one writer: the StrayConnection that keeps this session up to date
 * (a test's stand-in for one may call it too). It starts as, and stray_session_clear() brings
 * it back to, %STRAY_CONNECTION_NOT_CONFIGURED.
 */
void
stray_session_set_connection_state (StraySession         *self,
                                    StrayConnectionState  state)
{
  g_return_if_fail (STRAY_IS_SESSION (self));

  if (self->connection_state == state)
    return;
  self->connection_state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION_STATE]);
}

const char *
stray_connection_state_to_string (StrayConnectionState state)
{
  switch (state)
    {
    case STRAY_CONNECTION_NOT_CONFIGURED:
      return "not-configured";
    case STRAY_CONNECTION_DISCONNECTED:
      return "offline";
    case STRAY_CONNECTION_CONNECTING:
      return "connecting";
    case STRAY_CONNECTION_CONNECTED:
      return "connected";
    case STRAY_CONNECTION_AUTH_FAILED:
      return "auth-failed";
    case STRAY_CONNECTION_SYNCING:
      return "syncing";
    default:
      g_return_val_if_reached (NULL);
    }
}
