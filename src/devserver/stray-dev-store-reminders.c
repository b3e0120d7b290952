/* stray-dev-store-reminders.c
 *
 * Stream's message reminders: one per user and message, with an optional time (without one it
 * is a bookmark). Only in channels whose type has `user_message_reminders` on, which Stream
 * leaves off until a channel type or channel turns it on (getstream.io/chat/docs, "Reminders &
 * Bookmarks": "must be activated at the channel level before it can be used"; stream-chat-android's
 * Config.messageRemindersEnabled, "Disabled by default"). The shape is stream-chat-js'
 * ReminderResponse (channel_cid, message_id, user_id, remind_at, created_at, updated_at, user,
 * message); the two errors the SDK's ReminderManager tells apart by their words ("already has
 * reminder created for this message_id", "reminder does not exist") are worded so.
 *
 * A reminder is due once its time passes on the store's clock; the devserver asks for those that
 * became due (stray_dev_store_take_due_reminders), which are told once per time set.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include "stray-dev-store-private.h"
#include "stray-json.h"

/* queryReminders' page size when none is asked for, and the largest it gives. */
#define DEFAULT_LIMIT 25
#define MAX_LIMIT 100

typedef struct {
  char *user_id;
  char *message_id;
  char *cid;
  gint64 remind_at_us;  /* 0: no time, a bookmark */
  char *created_at;
  char *updated_at;
  gboolean due_told;    /* notification.reminder_due went out for this remind_at */
} DevReminder;

static void
dev_reminder_free (gpointer data)
{
  DevReminder *reminder = data;

  g_free (reminder->user_id);
  g_free (reminder->message_id);
  g_free (reminder->cid);
  g_free (reminder->created_at);
  g_free (reminder->updated_at);
  g_free (reminder);
}

static GHashTable *
reminders_of (StrayDevStore *self)
{
  if (self->reminders == NULL)
    self->reminders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             dev_reminder_free);
  return self->reminders;
}

static char *
reminder_key (const char *user_id,
              const char *message_id)
{
  return g_strconcat (user_id, "\n", message_id, NULL);
}

static JsonObject *
reminder_json (StrayDevStore *self,
               DevReminder   *reminder)
{
  JsonObject *object = json_object_new ();
  JsonObject *message = stray_dev_store_lookup_message (self, reminder->message_id, NULL);
  g_autofree char *remind_at = NULL;

  json_object_set_string_member (object, "channel_cid", reminder->cid);
  json_object_set_string_member (object, "message_id", reminder->message_id);
  json_object_set_string_member (object, "user_id", reminder->user_id);
  if (reminder->remind_at_us != 0)
    json_object_set_string_member (object, "remind_at",
                                   (remind_at = dev_store_format_time (reminder->remind_at_us)));
  else
    json_object_set_null_member (object, "remind_at");
  json_object_set_string_member (object, "created_at", reminder->created_at);
  json_object_set_string_member (object, "updated_at", reminder->updated_at);
  json_object_set_member (object, "user", dev_user_node (self, reminder->user_id));
  if (message != NULL)
    json_object_set_object_member (object, "message", json_object_ref (message));
  return object;
}

/* remind_at as the request gives it: absent or null is no time; anything else an RFC 3339 time. */
static gboolean
parse_remind_at (JsonObject  *request,
                 const char  *call,
                 gint64      *out_us,
                 GError     **error)
{
  JsonNode *node = request != NULL ? json_object_get_member (request, "remind_at") : NULL;
  g_autoptr(GDateTime) time = NULL;

  *out_us = 0;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    time = g_date_time_new_from_iso8601 (json_node_get_string (node), NULL);
  if (time == NULL)
    return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                           "%s failed with error: \"remind_at must be a RFC3339 timestamp\"", call);
  *out_us = MAX (g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time),
                 1);
  return TRUE;
}

/* The message's channel, if @user_id may set a reminder on it. */
static const char *
reminder_channel (StrayDevStore *self,
                  const char    *message_id,
                  const char    *user_id,
                  const char    *call,
                  GError       **error)
{
  const char *cid = NULL;
  DevChannel *channel;

  if (stray_dev_store_lookup_message (self, message_id, &cid) == NULL)
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_NOT_FOUND,
                      "%s failed with error: \"message %s not found\"", call, message_id);
      return NULL;
    }
  channel = g_hash_table_lookup (self->channels, cid);
  if (!dev_channel_type_has (self, channel->type, "user_message_reminders"))
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                      "%s failed with error: \"reminders are not enabled for this channel\"",
                      call);
      return NULL;
    }
  if (dev_lookup_member (channel, user_id) == NULL)
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_NOT_ALLOWED,
                      "%s failed with error: \"user %s is not a member of channel %s\"",
                      call, user_id, cid);
      return NULL;
    }
  return cid;
}

/**
 * stray_dev_store_set_reminder:
 * @create: %TRUE for createReminder (fails if there is one), %FALSE for updateReminder (fails if
 *   there is none)
 * @request: the body: `remind_at`, absent or null for a bookmark
 *
 * Returns: (transfer full) (nullable): the reminder as Stream answers it
 */
JsonObject *
stray_dev_store_set_reminder (StrayDevStore *self,
                              const char    *message_id,
                              const char    *user_id,
                              gboolean       create,
                              JsonObject    *request,
                              GError       **error)
{
  const char *call = create ? "CreateReminder" : "UpdateReminder";
  g_autofree char *key = reminder_key (user_id, message_id);
  DevReminder *reminder = g_hash_table_lookup (reminders_of (self), key);
  const char *cid;
  gint64 remind_at_us;

  if ((cid = reminder_channel (self, message_id, user_id, call, error)) == NULL ||
      !parse_remind_at (request, call, &remind_at_us, error))
    return NULL;
  if (create && reminder != NULL)
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                      "%s failed with error: \"user already has reminder created for this "
                      "message_id\"", call);
      return NULL;
    }
  if (!create && reminder == NULL)
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_NOT_FOUND,
                      "%s failed with error: \"reminder does not exist\"", call);
      return NULL;
    }
  if (reminder == NULL)
    {
      reminder = g_new0 (DevReminder, 1);
      reminder->user_id = g_strdup (user_id);
      reminder->message_id = g_strdup (message_id);
      reminder->cid = g_strdup (cid);
      reminder->created_at = stray_dev_store_now (self);
      reminder->updated_at = g_strdup (reminder->created_at);
      g_hash_table_insert (self->reminders, g_steal_pointer (&key), reminder);
    }
  else
    {
      g_free (reminder->updated_at);
      reminder->updated_at = stray_dev_store_now (self);
    }
  reminder->remind_at_us = remind_at_us;
  reminder->due_told = FALSE;
  return reminder_json (self, reminder);
}

/**
 * stray_dev_store_delete_reminder:
 *
 * Returns: (transfer full) (nullable): the reminder as it was, for reminder.deleted
 */
JsonObject *
stray_dev_store_delete_reminder (StrayDevStore *self,
                                 const char    *message_id,
                                 const char    *user_id,
                                 GError       **error)
{
  g_autofree char *key = reminder_key (user_id, message_id);
  DevReminder *reminder = g_hash_table_lookup (reminders_of (self), key);
  JsonObject *deleted;

  if (reminder == NULL)
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_NOT_FOUND,
                      "DeleteReminder failed with error: \"reminder does not exist\"");
      return NULL;
    }
  deleted = reminder_json (self, reminder);
  g_hash_table_remove (self->reminders, key);
  return deleted;
}

/* A reminder's field as a query compares it: times as µs, strings as they are. */
static gboolean
field_value (DevReminder  *reminder,
             const char   *field,
             const char  **out_string,
             gint64       *out_time)
{
  g_autoptr(GDateTime) time = NULL;

  *out_string = NULL;
  *out_time = 0;
  if (g_str_equal (field, "channel_cid"))
    *out_string = reminder->cid;
  else if (g_str_equal (field, "message_id"))
    *out_string = reminder->message_id;
  else if (g_str_equal (field, "user_id"))
    *out_string = reminder->user_id;
  else if (g_str_equal (field, "remind_at"))
    *out_time = reminder->remind_at_us;
  else if (g_str_equal (field, "created_at") || g_str_equal (field, "updated_at"))
    {
      time = g_date_time_new_from_iso8601 (g_str_equal (field, "created_at")
                                           ? reminder->created_at : reminder->updated_at, NULL);
      *out_time = g_date_time_to_unix (time) * G_USEC_PER_SEC +
                  g_date_time_get_microsecond (time);
    }
  else
    return FALSE;
  return TRUE;
}

/* -1, 0 or 1 as the reminder's value is below, at or above @operand; 2 when they don't compare. */
static int
compare_field (DevReminder *reminder,
               const char  *field,
               JsonNode    *operand)
{
  const char *string;
  gint64 time;
  g_autoptr(GDateTime) operand_time = NULL;
  gint64 operand_us;

  if (!field_value (reminder, field, &string, &time) || !JSON_NODE_HOLDS_VALUE (operand) ||
      json_node_get_value_type (operand) != G_TYPE_STRING)
    return 2;
  if (string != NULL)
    return CLAMP (g_strcmp0 (string, json_node_get_string (operand)), -1, 1);
  if (time == 0 || (operand_time = g_date_time_new_from_iso8601 (json_node_get_string (operand),
                                                                 NULL)) == NULL)
    return 2;
  operand_us = g_date_time_to_unix (operand_time) * G_USEC_PER_SEC +
               g_date_time_get_microsecond (operand_time);
  return time < operand_us ? -1 : time > operand_us;
}

static gboolean
condition_matches (DevReminder *reminder,
                   const char  *field,
                   JsonNode    *condition,
                   GError     **error)
{
  JsonObject *operators;
  g_autoptr(GList) names = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (condition))
    return compare_field (reminder, field, condition) == 0;
  operators = json_node_get_object (condition);
  names = json_object_get_members (operators);
  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *op = l->data;
      JsonNode *operand = json_object_get_member (operators, op);
      int order = compare_field (reminder, field, operand);
      gboolean matches;

      if (g_str_equal (op, "$eq"))
        matches = order == 0;
      else if (g_str_equal (op, "$gt"))
        matches = order == 1;
      else if (g_str_equal (op, "$gte"))
        matches = order == 0 || order == 1;
      else if (g_str_equal (op, "$lt"))
        matches = order == -1;
      else if (g_str_equal (op, "$lte"))
        matches = order == 0 || order == -1;
      else if (g_str_equal (op, "$exists") && g_str_equal (field, "remind_at"))
        matches = (reminder->remind_at_us != 0) ==
                  (JSON_NODE_HOLDS_VALUE (operand) && json_node_get_boolean (operand));
      else if (g_str_equal (op, "$in") && JSON_NODE_HOLDS_ARRAY (operand))
        {
          JsonArray *values = json_node_get_array (operand);

          matches = FALSE;
          for (guint i = 0; i < json_array_get_length (values) && !matches; i++)
            matches = compare_field (reminder, field, json_array_get_element (values, i)) == 0;
        }
      else
        return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                               "QueryReminders failed with error: \"operator %s is not "
                               "allowed for field %s\"", op, field);
      if (!matches)
        return FALSE;
    }
  return TRUE;
}

static gboolean
filter_matches (DevReminder *reminder,
                JsonObject  *filter,
                gboolean    *out_matches,
                GError     **error)
{
  g_autoptr(GList) fields = filter != NULL ? json_object_get_members (filter) : NULL;

  *out_matches = TRUE;
  for (GList *l = fields; l != NULL; l = l->next)
    {
      const char *string;
      gint64 time;
      g_autoptr(GError) local_error = NULL;

      if (!field_value (reminder, l->data, &string, &time))
        return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                               "QueryReminders failed with error: \"field %s is not allowed\"",
                               (const char *) l->data);
      if (!condition_matches (reminder, l->data, json_object_get_member (filter, l->data),
                              &local_error))
        {
          if (local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          *out_matches = FALSE;
        }
    }
  return TRUE;
}

static gint
compare_reminders (gconstpointer a,
                   gconstpointer b,
                   gpointer      user_data)
{
  DevReminder *left = *(DevReminder **) a;
  DevReminder *right = *(DevReminder **) b;
  JsonArray *sort = user_data;

  for (guint i = 0; sort != NULL && i < json_array_get_length (sort); i++)
    {
      JsonObject *key = json_array_get_object_element (sort, i);
      const char *field = stray_json_string (key, "field");
      gint64 direction = stray_json_int (key, "direction", 1) < 0 ? -1 : 1;
      const char *left_string, *right_string;
      gint64 left_time, right_time;
      int order;

      field_value (left, field, &left_string, &left_time);
      field_value (right, field, &right_string, &right_time);
      /* A bookmark (no time) after every time when ascending. */
      if (g_str_equal (field, "remind_at"))
        {
          left_time = left_time != 0 ? left_time : G_MAXINT64;
          right_time = right_time != 0 ? right_time : G_MAXINT64;
        }
      order = left_string != NULL || right_string != NULL
              ? CLAMP (g_strcmp0 (left_string, right_string), -1, 1)
              : (left_time > right_time) - (left_time < right_time);
      if (order != 0)
        return (int) direction * order;
    }
  return g_strcmp0 (left->created_at, right->created_at);
}

static gboolean
validate_sort (JsonArray  *sort,
               GError    **error)
{
  static const char * const sortable[] = { "channel_cid", "created_at", "remind_at",
                                           "updated_at" };

  for (guint i = 0; sort != NULL && i < json_array_get_length (sort); i++)
    {
      JsonNode *node = json_array_get_element (sort, i);
      const char *field = JSON_NODE_HOLDS_OBJECT (node)
                          ? stray_json_string (json_node_get_object (node), "field") : NULL;

      if (field == NULL || !g_strv_contains (sortable, field))
        return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                               "QueryReminders failed with error: \"cannot sort by %s\"",
                               field != NULL ? field : "(none)");
    }
  return TRUE;
}

/**
 * stray_dev_store_query_reminders:
 * @request: queryReminders' body: filter, sort (stream-chat-js normalises it to
 *   [{field, direction}]), limit, next/prev (the cursors this answers with)
 *
 * The user's own reminders only. Without a sort, the soonest first (those without a time last).
 *
 * Returns: (transfer full) (nullable): {reminders, next?, prev?}
 */
JsonObject *
stray_dev_store_query_reminders (StrayDevStore *self,
                                 const char    *user_id,
                                 JsonObject    *request,
                                 GError       **error)
{
  JsonObject *filter = stray_json_object (request, "filter");
  JsonArray *sort = stray_json_array (request, "sort");
  gint64 limit = stray_json_int (request, "limit", DEFAULT_LIMIT);
  const char *next = stray_json_string (request, "next");
  const char *prev = stray_json_string (request, "prev");
  gint64 offset = 0;
  g_autoptr(GPtrArray) matching = g_ptr_array_new ();
  g_autoptr(JsonArray) default_sort = NULL;
  JsonObject *response;
  JsonArray *reminders;
  GHashTableIter iter;
  gpointer value;

  if (!validate_sort (sort, error))
    return NULL;
  if (limit <= 0 || limit > MAX_LIMIT)
    limit = limit <= 0 ? DEFAULT_LIMIT : MAX_LIMIT;
  if (next != NULL || prev != NULL)
    {
      /* The cursors are page offsets: "next" answers the page after, "prev" the one before. */
      offset = g_ascii_strtoll (next != NULL ? next : prev, NULL, 10);
      if (offset < 0)
        offset = 0;
    }

  g_hash_table_iter_init (&iter, reminders_of (self));
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      DevReminder *reminder = value;
      gboolean matches;

      if (g_strcmp0 (reminder->user_id, user_id) != 0)
        continue;
      if (!filter_matches (reminder, filter, &matches, error))
        return NULL;
      if (matches)
        g_ptr_array_add (matching, reminder);
    }
  if (sort == NULL || json_array_get_length (sort) == 0)
    {
      JsonObject *key = json_object_new ();

      json_object_set_string_member (key, "field", "remind_at");
      json_object_set_int_member (key, "direction", 1);
      sort = default_sort = json_array_new ();
      json_array_add_object_element (default_sort, key);
    }
  g_ptr_array_sort_with_data (matching, compare_reminders, sort);

  response = json_object_new ();
  reminders = json_array_new ();
  for (gint64 i = offset; i < (gint64) matching->len && i < offset + limit; i++)
    json_array_add_object_element (reminders,
                                   reminder_json (self, g_ptr_array_index (matching, i)));
  json_object_set_array_member (response, "reminders", reminders);
  if (offset + limit < (gint64) matching->len)
    {
      g_autofree char *cursor = g_strdup_printf ("%" G_GINT64_FORMAT, offset + limit);

      json_object_set_string_member (response, "next", cursor);
    }
  if (offset > 0)
    {
      g_autofree char *cursor = g_strdup_printf ("%" G_GINT64_FORMAT, MAX (offset - limit, 0));

      json_object_set_string_member (response, "prev", cursor);
    }
  return response;
}

/**
 * stray_dev_store_take_due_reminders:
 *
 * The reminders whose time passed on the store's clock and which were not told yet, marked told.
 *
 * Returns: (transfer container) (element-type JsonObject): the reminders, owned by the array
 */
GPtrArray *
stray_dev_store_take_due_reminders (StrayDevStore *self)
{
  GPtrArray *due = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  gint64 now_us = dev_store_now_us (self);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, reminders_of (self));
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      DevReminder *reminder = value;

      if (reminder->remind_at_us == 0 || reminder->due_told || reminder->remind_at_us > now_us)
        continue;
      reminder->due_told = TRUE;
      g_ptr_array_add (due, reminder_json (self, reminder));
    }
  return due;
}

/**
 * stray_dev_store_next_reminder_ms:
 *
 * Returns: how many ms of the store's clock until the next reminder is due, or -1 for none
 */
gint64
stray_dev_store_next_reminder_ms (StrayDevStore *self)
{
  gint64 now_us = dev_store_now_us (self);
  gint64 next_us = G_MAXINT64;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, reminders_of (self));
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      DevReminder *reminder = value;

      if (reminder->remind_at_us != 0 && !reminder->due_told)
        next_us = MIN (next_us, reminder->remind_at_us);
    }
  if (next_us == G_MAXINT64)
    return -1;
  return MAX (next_us - now_us, 0) / 1000;
}
