/* stray-event.c: decoding Stream Chat WebSocket frames
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-event"

#include "config.h"

#include <string.h>

#include "stray-event.h"
#include "stray-json.h"

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

static const char * const empty_strv[] = { NULL };

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
  GPtrArray *mentioned_user_ids;
  GPtrArray *muted_user_ids;
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

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static gint64
days_from_civil (gint64 year, guint month, guint day)
{
  year -= month <= 2;
  gint64 era = (year >= 0 ? year : year - 399) / 400;
  guint year_of_era = (guint) (year - era * 400);
  guint day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  guint day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;

  return era * 146097 + (gint64) day_of_era - 719468;
}

static gboolean
parse_digits (const char **cursor, guint count, guint *out)
{
  guint value = 0;

  for (guint i = 0; i < count; i++)
    {
      char c = (*cursor)[i];

      if (!g_ascii_isdigit (c))
        return FALSE;
      value = value * 10 + (guint) (c - '0');
    }
  *cursor += count;
  *out = value;
  return TRUE;
}

/**
 * stray_parse_timestamp:
 * @text: an RFC 3339 date-time, as Stream writes them ("2025-08-01T00:07:33.166656082Z")
 * @out_us: (out): microseconds since the Unix epoch
 *
 * Stream's timestamps all share one shape, so they are read directly; GDateTime would
 * cost more than decoding the rest of the frame. Anything else ISO 8601 falls back to it.
 */
gboolean
stray_parse_timestamp (const char *text,
                       gint64     *out_us)
{
  const char *p = text;
  guint year, month, day, hour, minute, second, fraction_us = 0;
  gint64 offset_s = 0;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out_us != NULL, FALSE);

  if (!parse_digits (&p, 4, &year) || *p++ != '-' ||
      !parse_digits (&p, 2, &month) || *p++ != '-' ||
      !parse_digits (&p, 2, &day) || (*p != 'T' && *p != 't' && *p != ' ') || !*p++ ||
      !parse_digits (&p, 2, &hour) || *p++ != ':' ||
      !parse_digits (&p, 2, &minute) || *p++ != ':' ||
      !parse_digits (&p, 2, &second))
    goto fallback;

  if (*p == '.')
    {
      guint digits = 0;

      p++;
      if (!g_ascii_isdigit (*p))
        goto fallback;
      for (; g_ascii_isdigit (*p); p++, digits++)
        if (digits < 6)
          fraction_us = fraction_us * 10 + (guint) (*p - '0');
      for (; digits < 6; digits++)
        fraction_us *= 10;
    }

  if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
    offset_s = 0;
  else if ((*p == '+' || *p == '-') && strlen (p) == 6 && p[3] == ':')
    {
      const char *q = p + 1;
      guint offset_hours, offset_minutes;

      if (!parse_digits (&q, 2, &offset_hours) || *q++ != ':' ||
          !parse_digits (&q, 2, &offset_minutes) || offset_hours > 23 || offset_minutes > 59)
        goto fallback;
      offset_s = (gint64) (offset_hours * 3600 + offset_minutes * 60) * (*p == '-' ? -1 : 1);
    }
  else
    goto fallback;

  if (month < 1 || month > 12 || day < 1 || day > g_date_get_days_in_month (month, year) ||
      hour > 23 || minute > 59 || second > 60)
    return FALSE;

  *out_us = ((days_from_civil (year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
              offset_s) * G_USEC_PER_SEC) + fraction_us;
  return TRUE;

fallback:
  {
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
    g_autoptr(GDateTime) date_time = g_date_time_new_from_iso8601 (text, utc);

    if (date_time == NULL)
      return FALSE;
    *out_us = g_date_time_to_unix (date_time) * G_USEC_PER_SEC +
              g_date_time_get_microsecond (date_time);
    return TRUE;
  }
}

static const char *
describe_node (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      return "an object";
    case JSON_NODE_ARRAY:
      return "an array";
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
    default:
      break;
    }

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return "a string";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    case G_TYPE_INT64:
      return "an integer";
    default:
      return "a number";
    }
}

static gboolean
wrong_type (GError    **error,
            const char *scope,
            const char *name,
            const char *expected,
            JsonNode   *node)
{
  g_set_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_WRONG_TYPE,
               "field “%s%s%s” must be %s, not %s",
               scope ? scope : "", scope ? "." : "", name, expected, describe_node (node));
  return FALSE;
}

static gboolean
is_value_of (JsonNode *node,
             GType     type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

/* Absent and null strings both read as NULL: Stream writes null for unset strings. */
static gboolean
read_string (JsonObject  *object,
             const char  *scope,
             const char  *name,
             const char **out,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!is_value_of (node, G_TYPE_STRING))
    return wrong_type (error, scope, name, "a string", node);
  *out = json_node_get_string (node);
  return TRUE;
}

static gboolean
read_count (JsonObject  *object,
            const char  *scope,
            const char  *name,
            gint32      *out,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);
  gint64 value;

  *out = STRAY_COUNT_UNSET;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!is_value_of (node, G_TYPE_INT64))
    return wrong_type (error, scope, name, "an integer", node);

  value = json_node_get_int (node);
  if (value < 0 || value > G_MAXINT32)
    {
      g_set_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_OUT_OF_RANGE,
                   "field “%s%s%s” is %" G_GINT64_FORMAT ", outside 0…%d",
                   scope ? scope : "", scope ? "." : "", name, value, G_MAXINT32);
      return FALSE;
    }
  *out = (gint32) value;
  return TRUE;
}

static gboolean
read_bool (JsonObject  *object,
           const char  *scope,
           const char  *name,
           gboolean    *out,
           gboolean    *present,
           GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *out = FALSE;
  if (present != NULL)
    *present = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!is_value_of (node, G_TYPE_BOOLEAN))
    return wrong_type (error, scope, name, "a boolean", node);
  *out = json_node_get_boolean (node);
  if (present != NULL)
    *present = TRUE;
  return TRUE;
}

static gboolean
read_timestamp (JsonObject  *object,
                const char  *scope,
                const char  *name,
                const char **out_text,
                gint64      *out_us,
                GError     **error)
{
  *out_us = 0;
  if (!read_string (object, scope, name, out_text, error))
    return FALSE;
  if (*out_text != NULL && !stray_parse_timestamp (*out_text, out_us))
    {
      g_set_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_INVALID_VALUE,
                   "field “%s%s%s” is not an RFC 3339 date-time",
                   scope ? scope : "", scope ? "." : "", name);
      return FALSE;
    }
  return TRUE;
}

/* Absent gives NULL; null is an error, since every object here is one a handler relies on. */
static gboolean
read_object (JsonObject  *object,
             const char  *scope,
             const char  *name,
             JsonObject **out,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return wrong_type (error, scope, name, "an object", node);
  *out = json_node_get_object (node);
  return TRUE;
}

static gboolean
read_array (JsonObject  *object,
            const char  *scope,
            const char  *name,
            JsonArray  **out,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return wrong_type (error, scope, name, "an array", node);
  *out = json_node_get_array (node);
  return TRUE;
}

static gboolean
decode_user (JsonObject     *object,
             const char     *scope,
             StrayEventUser *user,
             GError        **error)
{
  return read_string (object, scope, "id", &user->id, error) &&
         read_string (object, scope, "name", &user->name, error) &&
         read_string (object, scope, "image", &user->image, error);
}

/* @user_scope is "@scope.@name", spelled out by the caller so that decoding allocates nothing. */
static gboolean
decode_user_member (JsonObject            *object,
                    const char            *scope,
                    const char            *name,
                    const char            *user_scope,
                    StrayEventUser        *storage,
                    const StrayEventUser **out,
                    GError               **error)
{
  JsonObject *user_object;

  *out = NULL;
  if (!read_object (object, scope, name, &user_object, error))
    return FALSE;
  if (user_object == NULL)
    return TRUE;

  if (!decode_user (user_object, user_scope, storage, error))
    return FALSE;
  *out = storage;
  return TRUE;
}

/* Collects the string at @key (or @key.id when @inner is set) of each object of an array. */
static gboolean
decode_id_list (JsonObject  *object,
                const char  *scope,
                const char  *name,
                const char  *inner,
                const char  *key,
                GPtrArray  **storage,
                const char * const **out,
                GError     **error)
{
  JsonArray *array;
  guint length;

  *out = NULL;
  if (!read_array (object, scope, name, &array, error))
    return FALSE;
  if (array == NULL)
    return TRUE;
  if ((length = json_array_get_length (array)) == 0)
    {
      *out = empty_strv;
      return TRUE;
    }

  *storage = g_ptr_array_sized_new (length + 1);
  for (guint i = 0; i < length; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      char element_scope[64];
      JsonObject *element_object;
      const char *value;

      g_snprintf (element_scope, sizeof element_scope, "%s%s%s[%u]",
                  scope ? scope : "", scope ? "." : "", name, i);
      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          g_set_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_WRONG_TYPE,
                       "field “%s” must be an object, not %s", element_scope,
                       describe_node (element));
          return FALSE;
        }
      element_object = json_node_get_object (element);

      if (inner != NULL)
        {
          JsonObject *inner_object;
          char inner_scope[80];

          g_snprintf (inner_scope, sizeof inner_scope, "%s.%s", element_scope, inner);
          if (!read_object (element_object, element_scope, inner, &inner_object, error))
            return FALSE;
          if (inner_object == NULL)
            continue;
          if (!read_string (inner_object, inner_scope, key, &value, error))
            return FALSE;
        }
      else if (!read_string (element_object, element_scope, key, &value, error))
        return FALSE;

      if (value != NULL)
        g_ptr_array_add (*storage, (gpointer) value);
    }
  g_ptr_array_add (*storage, NULL);
  *out = (const char * const *) (*storage)->pdata;
  return TRUE;
}

static gboolean
decode_channel (JsonObject        *object,
                StrayEventChannel *channel,
                GError           **error)
{
  const char *scope = "channel";
  JsonArray *capabilities;

  if (!read_string (object, scope, "cid", &channel->cid, error) ||
      !read_string (object, scope, "id", &channel->id, error) ||
      !read_string (object, scope, "type", &channel->type, error) ||
      !read_string (object, scope, "name", &channel->name, error) ||
      !read_string (object, scope, "image", &channel->image, error) ||
      !read_timestamp (object, scope, "last_message_at", &channel->last_message_at,
                       &channel->last_message_at_us, error) ||
      !read_count (object, scope, "member_count", &channel->member_count, error) ||
      !read_bool (object, scope, "frozen", &channel->frozen, &channel->has_frozen, error) ||
      !read_bool (object, scope, "hidden", &channel->hidden, &channel->has_hidden, error) ||
      !read_array (object, scope, "own_capabilities", &capabilities, error))
    return FALSE;

  channel->read_events = TRUE;
  if (capabilities != NULL)
    {
      guint length = json_array_get_length (capabilities);

      channel->read_events = FALSE;
      for (guint i = 0; i < length; i++)
        {
          JsonNode *element = json_array_get_element (capabilities, i);

          if (is_value_of (element, G_TYPE_STRING) &&
              g_str_equal (json_node_get_string (element), "read-events"))
            channel->read_events = TRUE;
        }
    }
  return TRUE;
}

static gboolean
decode_message (JsonObject        *object,
                StrayEventStorage *storage,
                GError           **error)
{
  const char *scope = "message";
  StrayEventMessage *message = &storage->message;

  return read_string (object, scope, "id", &message->id, error) &&
         read_string (object, scope, "text", &message->text, error) &&
         read_string (object, scope, "type", &message->type, error) &&
         read_string (object, scope, "parent_id", &message->parent_id, error) &&
         read_timestamp (object, scope, "created_at", &message->created_at,
                         &message->created_at_us, error) &&
         read_bool (object, scope, "show_in_channel", &message->show_in_channel, NULL, error) &&
         read_bool (object, scope, "silent", &message->silent, NULL, error) &&
         read_bool (object, scope, "shadowed", &message->shadowed, NULL, error) &&
         decode_user_member (object, scope, "user", "message.user", &storage->message_user, &message->user,
                             error) &&
         decode_id_list (object, scope, "mentioned_users", NULL, "id",
                         &storage->mentioned_user_ids, &message->mentioned_user_ids, error);
}

static gboolean
decode_member (JsonObject        *object,
               StrayEventStorage *storage,
               GError           **error)
{
  const char *scope = "member";
  StrayEventMember *member = &storage->member;

  if (!read_string (object, scope, "user_id", &member->user_id, error) ||
      !read_string (object, scope, "role", &member->role, error) ||
      !decode_user_member (object, scope, "user", "member.user", &storage->member_user, &member->user, error))
    return FALSE;
  if (member->user_id == NULL && member->user != NULL)
    member->user_id = member->user->id;
  return TRUE;
}

static gboolean
decode_reaction (JsonObject         *object,
                 StrayEventReaction *reaction,
                 GError            **error)
{
  const char *scope = "reaction";

  return read_string (object, scope, "type", &reaction->type, error) &&
         read_string (object, scope, "message_id", &reaction->message_id, error) &&
         read_string (object, scope, "user_id", &reaction->user_id, error) &&
         read_count (object, scope, "score", &reaction->score, error);
}

static gboolean
decode_thread (JsonObject       *object,
               StrayEventThread *thread,
               GError          **error)
{
  const char *scope = "thread";

  return read_string (object, scope, "channel_cid", &thread->channel_cid, error) &&
         read_string (object, scope, "parent_message_id", &thread->parent_message_id, error) &&
         read_string (object, scope, "title", &thread->title, error) &&
         read_count (object, scope, "reply_count", &thread->reply_count, error) &&
         read_count (object, scope, "participant_count", &thread->participant_count, error);
}

static gboolean
decode_me (JsonObject        *object,
           StrayEventStorage *storage,
           GError           **error)
{
  const char *scope = "me";
  StrayEventMe *me = &storage->me;

  return decode_user (object, scope, &me->user, error) &&
         read_count (object, scope, "total_unread_count", &me->total_unread_count, error) &&
         read_count (object, scope, "unread_channels", &me->unread_channels, error) &&
         read_count (object, scope, "unread_count", &me->unread_count, error) &&
         read_count (object, scope, "unread_threads", &me->unread_threads, error) &&
         decode_id_list (object, scope, "mutes", "target", "id",
                         &storage->muted_user_ids, &me->muted_user_ids, error) &&
         decode_id_list (object, scope, "channel_mutes", "channel", "cid",
                         &storage->muted_channel_cids, &me->muted_channel_cids, error);
}

/* Optional sub-objects: decode when present and point the public field at the storage. */
#define DECODE_PART(name, decode, storage_field, public_field)                   \
  G_STMT_START {                                                                 \
    JsonObject *part_object;                                                     \
    if (!read_object (object, NULL, name, &part_object, error))                  \
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
  if (!is_value_of (type_node, G_TYPE_STRING))
    return wrong_type (error, NULL, "type", "a string", type_node);
  event->type_name = json_node_get_string (type_node);
  if (*event->type_name == '\0')
    {
      g_set_error_literal (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_MISSING_TYPE,
                           "frame has an empty “type” field");
      return FALSE;
    }
  event->type = stray_event_type_from_string (event->type_name);

  if (!read_string (object, NULL, "cid", &event->cid, error) ||
      !read_string (object, NULL, "channel_type", &event->channel_type, error) ||
      !read_string (object, NULL, "channel_id", &event->channel_id, error) ||
      !read_string (object, NULL, "connection_id", &event->connection_id, error) ||
      !read_timestamp (object, NULL, "created_at", &event->created_at, &event->created_at_us,
                       error) ||
      !read_count (object, NULL, "total_unread_count", &event->total_unread_count, error) ||
      !read_count (object, NULL, "unread_channels", &event->unread_channels, error) ||
      !read_count (object, NULL, "unread_count", &event->unread_count, error) ||
      !read_count (object, NULL, "unread_messages", &event->unread_messages, error) ||
      !read_count (object, NULL, "unread_threads", &event->unread_threads, error) ||
      !read_count (object, NULL, "unread_thread_messages", &event->unread_thread_messages,
                   error) ||
      !read_count (object, NULL, "channel_member_count", &event->channel_member_count, error) ||
      !read_count (object, NULL, "watcher_count", &event->watcher_count, error) ||
      !read_string (object, NULL, "last_read_message_id", &event->last_read_message_id, error) ||
      !read_string (object, NULL, "first_unread_message_id", &event->first_unread_message_id,
                    error) ||
      !read_bool (object, NULL, "online", &event->online, NULL, error) ||
      !read_bool (object, NULL, "hard_delete", &event->hard_delete, NULL, error) ||
      !read_bool (object, NULL, "clear_history", &event->clear_history, NULL, error))
    return FALSE;

  if (!decode_user_member (object, NULL, "user", "user", &storage->user, &event->user, error) ||
      !decode_user_member (object, NULL, "target_user", "target_user", &storage->target_user,
                           &event->target_user, error))
    return FALSE;

  DECODE_PART ("channel", decode_channel (part_object, &storage->channel, error),
               channel, channel);
  DECODE_PART ("message", decode_message (part_object, storage, error), message, message);
  DECODE_PART ("member", decode_member (part_object, storage, error), member, member);
  DECODE_PART ("reaction", decode_reaction (part_object, &storage->reaction, error),
               reaction, reaction);
  DECODE_PART ("thread", decode_thread (part_object, &storage->thread, error), thread, thread);
  DECODE_PART ("me", decode_me (part_object, storage, error), me, me);

  /* Some events name their channel only inside the channel object. */
  if (event->cid == NULL && event->channel != NULL)
    event->cid = event->channel->cid;

  return TRUE;
}

static gboolean
check_frame (const char *frame,
             gsize       length,
             GError    **error)
{
  const char *invalid;
  gsize deep_at;

  if (length > STRAY_EVENT_MAX_FRAME_SIZE)
    {
      g_set_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_TOO_LARGE,
                   "frame is %" G_GSIZE_FORMAT " bytes, over the limit of %d bytes",
                   length, STRAY_EVENT_MAX_FRAME_SIZE);
      return FALSE;
    }

  if (!g_utf8_validate_len (frame, length, &invalid))
    {
      g_set_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_INVALID_UTF8,
                   "frame is not valid UTF-8 (at byte %" G_GSIZE_FORMAT ")",
                   (gsize) (invalid - frame));
      return FALSE;
    }

  if (!stray_json_check_nesting (frame, length, STRAY_EVENT_MAX_DEPTH, &deep_at))
    {
      g_set_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_TOO_DEEP,
                   "frame nests deeper than %d levels (at byte %" G_GSIZE_FORMAT ")",
                   STRAY_EVENT_MAX_DEPTH, deep_at);
      return FALSE;
    }

  return TRUE;
}

static void
stray_event_storage_clear (gpointer data)
{
  StrayEventStorage *storage = data;

  g_clear_pointer (&storage->pub.root, json_node_unref);
  g_clear_pointer (&storage->mentioned_user_ids, g_ptr_array_unref);
  g_clear_pointer (&storage->muted_user_ids, g_ptr_array_unref);
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
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(StrayEvent) event = NULL;
  StrayEventStorage *storage;
  JsonNode *root;

  g_return_val_if_fail (frame != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_frame (frame, length, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, frame, (gssize) length, &parse_error))
    {
      g_set_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_SYNTAX,
                   "frame is not JSON: %s", parse_error->message);
      return NULL;
    }

  root = json_parser_steal_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_SYNTAX,
                           "frame is not JSON: it is empty");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_NOT_OBJECT,
                   "frame is %s, not a JSON object", describe_node (root));
      json_node_unref (root);
      return NULL;
    }

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
