/* stray-client-reminders.c: Stream's message reminder calls, as the official SDK makes them
 *
 * stream-chat-js: createReminder POST and updateReminder PATCH /messages/{id}/reminders
 * {remind_at}, deleteReminder DELETE there, queryReminders POST /reminders/query {filter, sort,
 * limit}. queryReminders' answer comes back decoded, a reminder by the same decoder as the
 * reminder.* events' (stray_decode_reminder).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-client"

#include "config.h"

#include "stray-client-private.h"
#include "stray-decode-private.h"
#include "stray-reminder.h"

/* One page is all the applet asks: more upcoming reminders than this, the list shows the
 * soonest (Stream's query limit is 100 too, as its other queries'). */
#define QUERY_LIMIT 100

static char *
reminder_path (const char *message_id)
{
  g_autofree char *escaped = g_uri_escape_string (message_id, NULL, FALSE);

  return g_strdup_printf ("/messages/%s/reminders", escaped);
}

/**
 * stray_client_set_reminder_async:
 * @create: %TRUE for createReminder, %FALSE for updateReminder
 * @remind_at_us: when, µs since the epoch; 0 for no time (a bookmark)
 */
void
stray_client_set_reminder_async (StrayClient         *self,
                                 const char          *message_id,
                                 gboolean             create,
                                 gint64               remind_at_us,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autofree char *path = NULL;
  g_autoptr(JsonObject) body = json_object_new ();

  g_return_if_fail (STRAY_IS_CLIENT (self));
  g_return_if_fail (message_id != NULL);

  path = reminder_path (message_id);
  if (remind_at_us > 0)
    {
      g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (remind_at_us / G_USEC_PER_SEC);
      g_autofree char *text = g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");

      json_object_set_string_member (body, "remind_at", text);
    }
  else
    json_object_set_null_member (body, "remind_at");
  stray_client_call_async (self, create ? "POST" : "PATCH", path, body, cancellable, callback,
                           user_data);
}

void
stray_client_delete_reminder_async (StrayClient         *self,
                                    const char          *message_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (STRAY_IS_CLIENT (self));
  g_return_if_fail (message_id != NULL);

  path = reminder_path (message_id);
  stray_client_call_async (self, "DELETE", path, NULL, cancellable, callback, user_data);
}

/* queryReminders' answer: {reminders: [...]} → a GPtrArray of StrayReminder. */
static gpointer
decode_reminders (JsonNode  *root,
                  GError   **error)
{
  JsonArray *array = NULL;
  g_autoptr(GPtrArray) reminders = g_ptr_array_new_with_free_func (g_object_unref);

  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      stray_decode_wrong_type (error, NULL, "(answer)", "an object", root);
      return NULL;
    }
  if (!stray_decode_array (json_node_get_object (root), NULL, "reminders", &array, error))
    return NULL;
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *object = stray_decode_element (array, i, "reminders", error);
      StrayEventReminder decoded = { 0 };
      StrayEventMessage message = { 0 };
      StrayEventUser user = { 0 };
      g_autoptr(GPtrArray) mentions = NULL;
      g_autoptr(GPtrArray) attachments = NULL;

      if (object == NULL ||
          !stray_decode_reminder (object, "reminders[]", "reminders[].message",
                                  "reminders[].message.user", &decoded, &message, &user,
                                  &mentions, &attachments, error))
        return NULL;
      g_ptr_array_add (reminders, stray_reminder_new (&decoded, NULL));
    }
  return g_steal_pointer (&reminders);
}

/**
 * stray_client_query_reminders_async:
 *
 * The user's reminders that have a time, soonest first.
 */
void
stray_client_query_reminders_async (StrayClient         *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonObject *filter = json_object_new ();
  JsonObject *exists = json_object_new ();
  JsonArray *sort = json_array_new ();
  JsonObject *by_time = json_object_new ();

  g_return_if_fail (STRAY_IS_CLIENT (self));

  json_object_set_boolean_member (exists, "$exists", TRUE);
  json_object_set_object_member (filter, "remind_at", exists);
  json_object_set_object_member (body, "filter", filter);
  json_object_set_string_member (by_time, "field", "remind_at");
  json_object_set_int_member (by_time, "direction", 1);
  json_array_add_object_element (sort, by_time);
  json_object_set_array_member (body, "sort", sort);
  json_object_set_int_member (body, "limit", QUERY_LIMIT);
  stray_client_call_async_full (self, "POST", "/reminders/query", body, decode_reminders,
                                (GDestroyNotify) g_ptr_array_unref,
                                stray_client_query_reminders_async, cancellable, callback,
                                user_data);
}

/* Returns: (transfer container) (element-type StrayReminder): the reminders, soonest first */
GPtrArray *
stray_client_query_reminders_finish (StrayClient   *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return stray_client_decoded_call_finish (self, result, stray_client_query_reminders_async,
                                           error);
}
