/* stray-event.c: decoding Stream Chat WebSocket frames
 *
 * The field readers and the parts that REST answers share (users, channels, messages,
 * members) are in stray-decode.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-event"

#include "config.h"

#include "stray-decode-private.h"

static const char * const event_type_names[STRAY_EVENT_N_TYPES] = {
  [STRAY_EVENT_CUSTOM] = "custom",
  [STRAY_EVENT_HEALTH_CHECK] = "health.check",
  [STRAY_EVENT_CONNECTION_CHANGED] = "connection.changed",
  [STRAY_EVENT_CONNECTION_RECOVERED] = "connection.recovered",
  [STRAY_EVENT_MESSAGE_NEW] = "message.new",
  [STRAY_EVENT_MESSAGE_UPDATED] = "message.updated",
  [STRAY_EVENT_MESSAGE_DELETED] = "message.deleted",
  [STRAY_EVENT_MESSAGE_UNDELETED] = "message.undeleted",
  [STRAY_EVENT_MESSAGE_READ] = "message.read",
  [STRAY_EVENT_MESSAGE_FLAGGED] = "message.flagged",
  [STRAY_EVENT_MESSAGE_UNBLOCKED] = "message.unblocked",
  [STRAY_EVENT_MESSAGE_PENDING] = "message.pending",
  [STRAY_EVENT_REACTION_NEW] = "reaction.new",
  [STRAY_EVENT_REACTION_UPDATED] = "reaction.updated",
  [STRAY_EVENT_REACTION_DELETED] = "reaction.deleted",
  [STRAY_EVENT_TYPING_START] = "typing.start",
  [STRAY_EVENT_TYPING_STOP] = "typing.stop",
  [STRAY_EVENT_CHANNEL_CREATED] = "channel.created",
  [STRAY_EVENT_CHANNEL_UPDATED] = "channel.updated",
  [STRAY_EVENT_CHANNEL_DELETED] = "channel.deleted",
  [STRAY_EVENT_CHANNEL_HIDDEN] = "channel.hidden",
  [STRAY_EVENT_CHANNEL_VISIBLE] = "channel.visible",
  [STRAY_EVENT_CHANNEL_TRUNCATED] = "channel.truncated",
  [STRAY_EVENT_CHANNEL_FROZEN] = "channel.frozen",
  [STRAY_EVENT_CHANNEL_UNFROZEN] = "channel.unfrozen",
  [STRAY_EVENT_CHANNEL_MUTED] = "channel.muted",
  [STRAY_EVENT_CHANNEL_UNMUTED] = "channel.unmuted",
  [STRAY_EVENT_MEMBER_ADDED] = "member.added",
  [STRAY_EVENT_MEMBER_REMOVED] = "member.removed",
  [STRAY_EVENT_MEMBER_UPDATED] = "member.updated",
  [STRAY_EVENT_USER_PRESENCE_CHANGED] = "user.presence.changed",
  [STRAY_EVENT_USER_UPDATED] = "user.updated",
  [STRAY_EVENT_USER_DELETED] = "user.deleted",
  [STRAY_EVENT_USER_BANNED] = "user.banned",
  [STRAY_EVENT_USER_UNBANNED] = "user.unbanned",
  [STRAY_EVENT_USER_MUTED] = "user.muted",
  [STRAY_EVENT_USER_UNMUTED] = "user.unmuted",
  [STRAY_EVENT_USER_FLAGGED] = "user.flagged",
  [STRAY_EVENT_USER_DEACTIVATED] = "user.deactivated",
  [STRAY_EVENT_USER_REACTIVATED] = "user.reactivated",
  [STRAY_EVENT_USER_MESSAGES_DELETED] = "user.messages.deleted",
  [STRAY_EVENT_USER_WATCHING_START] = "user.watching.start",
  [STRAY_EVENT_USER_WATCHING_STOP] = "user.watching.stop",
  [STRAY_EVENT_USER_UNREAD_MESSAGE_REMINDER] = "user.unread_message_reminder",
  [STRAY_EVENT_NOTIFICATION_MESSAGE_NEW] = "notification.message_new",
  [STRAY_EVENT_NOTIFICATION_MARK_READ] = "notification.mark_read",
  [STRAY_EVENT_NOTIFICATION_MARK_UNREAD] = "notification.mark_unread",
  [STRAY_EVENT_NOTIFICATION_ADDED_TO_CHANNEL] = "notification.added_to_channel",
  [STRAY_EVENT_NOTIFICATION_REMOVED_FROM_CHANNEL] = "notification.removed_from_channel",
  [STRAY_EVENT_NOTIFICATION_INVITED] = "notification.invited",
  [STRAY_EVENT_NOTIFICATION_INVITE_ACCEPTED] = "notification.invite_accepted",
  [STRAY_EVENT_NOTIFICATION_INVITE_REJECTED] = "notification.invite_rejected",
  [STRAY_EVENT_NOTIFICATION_CHANNEL_DELETED] = "notification.channel_deleted",
  [STRAY_EVENT_NOTIFICATION_CHANNEL_TRUNCATED] = "notification.channel_truncated",
  [STRAY_EVENT_NOTIFICATION_CHANNEL_MUTES_UPDATED] = "notification.channel_mutes_updated",
  [STRAY_EVENT_NOTIFICATION_MUTES_UPDATED] = "notification.mutes_updated",
  [STRAY_EVENT_NOTIFICATION_THREAD_MESSAGE_NEW] = "notification.thread_message_new",
  [STRAY_EVENT_NOTIFICATION_REMINDER_DUE] = "notification.reminder_due",
  [STRAY_EVENT_REMINDER_CREATED] = "reminder.created",
  [STRAY_EVENT_REMINDER_UPDATED] = "reminder.updated",
  [STRAY_EVENT_REMINDER_DELETED] = "reminder.deleted",
  [STRAY_EVENT_THREAD_UPDATED] = "thread.updated",
};

/* The public struct plus the storage its pointers point into. */
typedef struct {
  StrayEvent pub;
  StrayEventUser user;
  StrayEventUser target_user;
  StrayEventUser message_user;
  StrayEventUser member_user;
  StrayEventChannel channel;
  StrayEventMessage message;
  StrayEventMember member;
  StrayEventReaction reaction;
  StrayEventThread thread;
  StrayEventMe me;
  StrayEventRefusal refusal;
  StrayEventReminder reminder;
  StrayEventMessage reminder_message;
  StrayEventUser reminder_message_user;
  GPtrArray *reminder_mentions;
  GPtrArray *reminder_attachments;
  GPtrArray *mentioned_user_ids;
  GPtrArray *message_attachments;
  GPtrArray *muted_user_ids;
  GArray *muted_user_expires_us;
  GPtrArray *muted_channel_cids;
} StrayEventStorage;

G_DEFINE_BOXED_TYPE (StrayEvent, stray_event, stray_event_ref, stray_event_unref)
G_DEFINE_QUARK (stray-event-error-quark, stray_event_error)

const char *
stray_event_type_to_string (StrayEventType type)
{
  g_return_val_if_fail (type < STRAY_EVENT_N_TYPES, NULL);

  return event_type_names[type];
}

StrayEventType
stray_event_type_from_string (const char *type_name)
{
  static GHashTable *by_name;
  static gsize initialized;

  g_return_val_if_fail (type_name != NULL, STRAY_EVENT_CUSTOM);

  if (g_once_init_enter (&initialized))
    {
      by_name = g_hash_table_new (g_str_hash, g_str_equal);

      /* "custom" is not a wire name: a frame that says "custom" is just another custom event. */
      for (guint i = STRAY_EVENT_CUSTOM + 1; i < STRAY_EVENT_N_TYPES; i++)
        g_hash_table_insert (by_name, (gpointer) event_type_names[i], GUINT_TO_POINTER (i));
      g_once_init_leave (&initialized, 1);
    }

  return GPOINTER_TO_UINT (g_hash_table_lookup (by_name, type_name));
}

static gboolean
decode_reaction (JsonObject         *object,
                 StrayEventReaction *reaction,
                 GError            **error)
{
  const char *scope = "reaction";

  return stray_decode_string (object, scope, "type", &reaction->type, error) &&
         stray_decode_string (object, scope, "message_id", &reaction->message_id, error) &&
         stray_decode_string (object, scope, "user_id", &reaction->user_id, error) &&
         stray_decode_count (object, scope, "score", &reaction->score, error);
}

static gboolean
decode_thread (JsonObject       *object,
               StrayEventThread *thread,
               GError          **error)
{
  const char *scope = "thread";

  return stray_decode_string (object, scope, "channel_cid", &thread->channel_cid, error) &&
         stray_decode_string (object, scope, "parent_message_id", &thread->parent_message_id,
                              error) &&
         stray_decode_string (object, scope, "title", &thread->title, error) &&
         stray_decode_count (object, scope, "reply_count", &thread->reply_count, error) &&
         stray_decode_count (object, scope, "participant_count", &thread->participant_count,
                             error);
}

/* When each mute of me.mutes ends, beside muted_user_ids: the same elements are skipped. */
static gboolean
decode_mute_expiries (JsonObject        *object,
                      StrayEventStorage *storage,
                      GError           **error)
{
  StrayEventMe *me = &storage->me;
  JsonArray *mutes = json_object_get_array_member (object, "mutes");
  guint length = json_array_get_length (mutes);

  storage->muted_user_expires_us = g_array_sized_new (FALSE, TRUE, sizeof (gint64), length);
  for (guint i = 0; i < length; i++)
    {
      JsonObject *mute = json_array_get_object_element (mutes, i);
      JsonObject *target = json_object_get_object_member (mute, "target");
      JsonNode *id = target != NULL ? json_object_get_member (target, "id") : NULL;
      char scope[64];
      const char *expires;
      gint64 expires_us = 0;

      if (id == NULL || JSON_NODE_HOLDS_NULL (id))
        continue;
      g_snprintf (scope, sizeof scope, "me.mutes[%u]", i);
      if (!stray_decode_timestamp (mute, scope, "expires", &expires, &expires_us, error))
        return FALSE;
      g_array_append_val (storage->muted_user_expires_us, expires_us);
    }
  me->muted_user_expires_us = (const gint64 *) (gpointer) storage->muted_user_expires_us->data;
  return TRUE;
}

static gboolean
decode_me (JsonObject        *object,
           StrayEventStorage *storage,
           GError           **error)
{
  const char *scope = "me";
  StrayEventMe *me = &storage->me;

  return stray_decode_user (object, scope, &me->user, error) &&
         stray_decode_count (object, scope, "total_unread_count", &me->total_unread_count,
                             error) &&
         stray_decode_count (object, scope, "unread_channels", &me->unread_channels, error) &&
         stray_decode_count (object, scope, "unread_count", &me->unread_count, error) &&
         stray_decode_count (object, scope, "unread_threads", &me->unread_threads, error) &&
         stray_decode_id_list (object, scope, "mutes", "target", "id",
                               &storage->muted_user_ids, &me->muted_user_ids, error) &&
         (me->muted_user_ids == NULL || me->muted_user_ids[0] == NULL ||
          decode_mute_expiries (object, storage, error)) &&
         stray_decode_id_list (object, scope, "channel_mutes", "channel", "cid",
                               &storage->muted_channel_cids, &me->muted_channel_cids, error);
}

static gboolean
decode_refusal (JsonObject        *object,
                StrayEventRefusal *refusal,
                GError           **error)
{
  const char *scope = "error";

  return stray_decode_count (object, scope, "code", &refusal->code, error) &&
         stray_decode_string (object, scope, "message", &refusal->message, error);
}

/* Optional sub-objects: decode when present and point the public field at the storage. */
#define DECODE_PART(name, decode, storage_field, public_field)                   \
  G_STMT_START {                                                                 \
    JsonObject *part_object;                                                     \
    if (!stray_decode_object (object, NULL, name, &part_object, error))          \
      return FALSE;                                                              \
    if (part_object != NULL)                                                     \
      {                                                                          \
        if (!decode)                                                             \
          return FALSE;                                                          \
        event->public_field = &storage->storage_field;                           \
      }                                                                          \
  } G_STMT_END

static gboolean
decode_object (JsonObject        *object,
               StrayEventStorage *storage,
               GError           **error)
{
  StrayEvent *event = &storage->pub;
  JsonNode *type_node = json_object_get_member (object, "type");

  if (type_node == NULL)
    {
      g_set_error_literal (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_MISSING_TYPE,
                           "frame has no “type” field");
      return FALSE;
    }
  if (!stray_decode_is_value_of (type_node, G_TYPE_STRING))
    return stray_decode_wrong_type (error, NULL, "type", "a string", type_node);
  event->type_name = json_node_get_string (type_node);
  if (*event->type_name == '\0')
    {
      g_set_error_literal (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_MISSING_TYPE,
                           "frame has an empty “type” field");
      return FALSE;
    }
  event->type = stray_event_type_from_string (event->type_name);

  if (!stray_decode_string (object, NULL, "cid", &event->cid, error) ||
      !stray_decode_string (object, NULL, "channel_type", &event->channel_type, error) ||
      !stray_decode_string (object, NULL, "channel_id", &event->channel_id, error) ||
      !stray_decode_string (object, NULL, "connection_id", &event->connection_id, error) ||
      !stray_decode_timestamp (object, NULL, "created_at", &event->created_at,
                               &event->created_at_us, error) ||
      !stray_decode_count (object, NULL, "total_unread_count", &event->total_unread_count,
                           error) ||
      !stray_decode_count (object, NULL, "unread_channels", &event->unread_channels, error) ||
      !stray_decode_count (object, NULL, "unread_count", &event->unread_count, error) ||
      !stray_decode_count (object, NULL, "unread_messages", &event->unread_messages, error) ||
      !stray_decode_count (object, NULL, "unread_threads", &event->unread_threads, error) ||
      !stray_decode_count (object, NULL, "unread_thread_messages",
                           &event->unread_thread_messages, error) ||
      !stray_decode_count (object, NULL, "channel_member_count", &event->channel_member_count,
                           error) ||
      !stray_decode_count (object, NULL, "watcher_count", &event->watcher_count, error) ||
      !stray_decode_string (object, NULL, "last_read_message_id", &event->last_read_message_id,
                            error) ||
      !stray_decode_string (object, NULL, "first_unread_message_id",
                            &event->first_unread_message_id, error) ||
      !stray_decode_bool (object, NULL, "online", &event->online, NULL, error) ||
      !stray_decode_bool (object, NULL, "hard_delete", &event->hard_delete, NULL, error) ||
      !stray_decode_bool (object, NULL, "clear_history", &event->clear_history, NULL, error))
    return FALSE;

  if (!stray_decode_user_member (object, NULL, "user", "user", &storage->user, &event->user,
                                 error) ||
      !stray_decode_user_member (object, NULL, "target_user", "target_user",
                                 &storage->target_user, &event->target_user, error))
    return FALSE;

  DECODE_PART ("channel", stray_decode_channel (part_object, "channel", &storage->channel, error),
               channel, channel);
  DECODE_PART ("message",
               stray_decode_message (part_object, "message", "message.user", &storage->message,
                                     &storage->message_user, &storage->mentioned_user_ids,
                                     &storage->message_attachments, error),
               message, message);
  DECODE_PART ("member",
               stray_decode_member (part_object, "member", "member.user", &storage->member,
                                    &storage->member_user, error),
               member, member);
  DECODE_PART ("reaction", decode_reaction (part_object, &storage->reaction, error),
               reaction, reaction);
  DECODE_PART ("thread", decode_thread (part_object, &storage->thread, error), thread, thread);
  DECODE_PART ("me", decode_me (part_object, storage, error), me, me);
  DECODE_PART ("error", decode_refusal (part_object, &storage->refusal, error), refusal, refusal);
  DECODE_PART ("reminder",
               stray_decode_reminder (part_object, "reminder", "reminder.message",
                                      "reminder.message.user", &storage->reminder,
                                      &storage->reminder_message,
                                      &storage->reminder_message_user,
                                      &storage->reminder_mentions,
                                      &storage->reminder_attachments, error),
               reminder, reminder);

  /* Some events name their channel only inside the channel object. */
  if (event->cid == NULL && event->channel != NULL)
    event->cid = event->channel->cid;

  return TRUE;
}

static void
stray_event_storage_clear (gpointer data)
{
  StrayEventStorage *storage = data;

  g_clear_pointer (&storage->pub.root, json_node_unref);
  g_clear_pointer (&storage->mentioned_user_ids, g_ptr_array_unref);
  g_clear_pointer (&storage->message_attachments, g_ptr_array_unref);
  g_clear_pointer (&storage->reminder_mentions, g_ptr_array_unref);
  g_clear_pointer (&storage->reminder_attachments, g_ptr_array_unref);
  g_clear_pointer (&storage->muted_user_ids, g_ptr_array_unref);
  g_clear_pointer (&storage->muted_user_expires_us, g_array_unref);
  g_clear_pointer (&storage->muted_channel_cids, g_ptr_array_unref);
}

/**
 * stray_event_decode:
 * @frame: the frame's bytes, not necessarily nul-terminated
 * @length: their length
 * @error: the reason a frame was refused
 *
 * Returns: (transfer full) (nullable): the decoded event, or %NULL with @error set.
 */
StrayEvent *
stray_event_decode (const char *frame,
                    gsize       length,
                    GError    **error)
{
  g_autoptr(StrayEvent) event = NULL;
  StrayEventStorage *storage;
  JsonNode *root;

  g_return_val_if_fail (frame != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  root = stray_decode_parse ("frame", frame, length, STRAY_EVENT_MAX_FRAME_SIZE, error);
  if (root == NULL)
    return NULL;

  storage = g_atomic_rc_box_new0 (StrayEventStorage);
  event = &storage->pub;
  event->root = root;
  if (!decode_object (json_node_get_object (root), storage, error))
    return NULL;

  return g_steal_pointer (&event);
}

StrayEvent *
stray_event_ref (StrayEvent *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

void
stray_event_unref (StrayEvent *self)
{
  g_return_if_fail (self != NULL);

  g_atomic_rc_box_release_full (self, stray_event_storage_clear);
}
