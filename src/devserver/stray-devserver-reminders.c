/* stray-devserver-reminders.c
 *
 * Stream's message reminders as stream-chat-js calls them: createReminder POST and
 * updateReminder PATCH /messages/{id}/reminders {remind_at?, user_id?}, deleteReminder DELETE
 * there (user_id in the query for a server-side client), queryReminders POST /reminders/query
 * {filter, sort, limit, next/prev}. Each change is told to the user's devices as
 * reminder.created/updated/deleted {reminder, message_id, user_id} (the asyncapi catalogue's
 * Reminder*Event; the SDK's ReminderManager reads event.reminder and event.message_id), and a
 * reminder whose time passes as notification.reminder_due {reminder, message}.
 *
 * "Passes" is on the store's clock: a timer set for the next due reminder, and /_dev/clock, which
 * moves the clock ahead and checks at once, so that a test sees a reminder fall due without
 * waiting.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "stray-devserver-private.h"
#include "stray-json.h"

/* The timer waits at most this long before looking again, so that a far-off reminder's timer
 * does not overflow and a clock that jumped is caught up with. */
#define MAX_WAIT_MS (60 * 60 * 1000)

static void
emit_reminder_event (StrayDevserver *self,
                     const char     *type,
                     JsonObject     *reminder,
                     gboolean        with_message)
{
  const char *user_id = stray_json_string (reminder, "user_id");
  JsonObject *message = stray_json_object (reminder, "message");
  g_autoptr(JsonObject) event = dev_new_event (self, type, stray_json_string (reminder,
                                                                              "channel_cid"));

  json_object_set_string_member (event, "message_id", stray_json_string (reminder, "message_id"));
  json_object_set_string_member (event, "user_id", user_id);
  json_object_set_object_member (event, "reminder", json_object_ref (reminder));
  if (with_message && message != NULL)
    json_object_set_object_member (event, "message", json_object_ref (message));
  dev_emit_to_user (self, user_id, event, FALSE);
}

static gboolean
on_reminder_timer (gpointer user_data)
{
  StrayDevserver *self = user_data;

  self->reminder_timer_id = 0;
  dev_check_reminders (self);
  return G_SOURCE_REMOVE;
}

/**
 * dev_check_reminders:
 *
 * Tells notification.reminder_due for each reminder that fell due, and sets the timer for the
 * next one. Called after each change to reminders and to the clock.
 */
void
dev_check_reminders (StrayDevserver *self)
{
  g_autoptr(GPtrArray) due = stray_dev_store_take_due_reminders (self->store);
  gint64 wait_ms;

  for (guint i = 0; i < due->len; i++)
    emit_reminder_event (self, "notification.reminder_due", g_ptr_array_index (due, i), TRUE);

  g_clear_handle_id (&self->reminder_timer_id, g_source_remove);
  wait_ms = stray_dev_store_next_reminder_ms (self->store);
  if (wait_ms >= 0)
    self->reminder_timer_id = g_timeout_add ((guint) MIN (wait_ms + 1, MAX_WAIT_MS),
                                             on_reminder_timer, self);
}

/**
 * stray_devserver_set_reminder:
 * @remind_at: (nullable): RFC 3339, or %NULL for a reminder without a time
 *
 * Creates or updates @user_id's reminder on @message_id as their createReminder or
 * updateReminder would, telling their devices.
 */
gboolean
stray_devserver_set_reminder (StrayDevserver *self,
                              const char     *message_id,
                              const char     *user_id,
                              const char     *remind_at,
                              GError        **error)
{
  g_autoptr(JsonObject) request = json_object_new ();
  g_autoptr(JsonObject) reminder = NULL;
  g_autoptr(GError) create_error = NULL;
  gboolean exists = FALSE;

  g_return_val_if_fail (STRAY_IS_DEVSERVER (self), FALSE);

  if (remind_at != NULL)
    json_object_set_string_member (request, "remind_at", remind_at);
  reminder = stray_dev_store_set_reminder (self->store, message_id, user_id, TRUE, request,
                                           &create_error);
  /* The SDK's ReminderManager.upsertReminder tells "exists" by these words too. */
  if (reminder == NULL && strstr (create_error->message, "already has reminder") != NULL)
    {
      exists = TRUE;
      reminder = stray_dev_store_set_reminder (self->store, message_id, user_id, FALSE, request,
                                               error);
    }
  else if (reminder == NULL)
    g_propagate_error (error, g_steal_pointer (&create_error));
  if (reminder == NULL)
    return FALSE;
  emit_reminder_event (self, exists ? "reminder.updated" : "reminder.created", reminder, FALSE);
  dev_check_reminders (self);
  return TRUE;
}

/* POST, PATCH and DELETE /messages/{id}/reminders. */
gboolean
dev_handle_reminder (DevRequest *request)
{
  StrayDevserver *self = request->self;
  const char *message_id = request->segments[1];
  gboolean delete = g_str_equal (request->method, "DELETE");
  gboolean create = g_str_equal (request->method, "POST");
  const char *call = delete ? "DeleteReminder" : create ? "CreateReminder" : "UpdateReminder";
  const char *user_id = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reminder = NULL;
  g_autoptr(JsonObject) response = json_object_new ();

  if (!dev_acting_user_of (request, request->body, "", call, TRUE, &user_id))
    return FALSE;
  if (delete)
    reminder = stray_dev_store_delete_reminder (self->store, message_id, user_id, &error);
  else
    reminder = stray_dev_store_set_reminder (self->store, message_id, user_id, create,
                                             request->body, &error);
  if (reminder == NULL)
    return dev_respond_store_error (request, error);

  emit_reminder_event (self, delete ? "reminder.deleted"
                                    : create ? "reminder.created" : "reminder.updated",
                       reminder, FALSE);
  dev_check_reminders (self);
  if (!delete)
    json_object_set_object_member (response, "reminder", g_steal_pointer (&reminder));
  dev_respond_ok (request, response);
  return TRUE;
}

/* POST /reminders/query: the acting user's reminders. */
gboolean
dev_handle_query_reminders (DevRequest *request)
{
  const char *user_id = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = NULL;

  if (!dev_acting_user_of (request, request->body, "", "QueryReminders", TRUE, &user_id))
    return FALSE;
  response = stray_dev_store_query_reminders (request->self->store, user_id, request->body,
                                              &error);
  if (response == NULL)
    return dev_respond_store_error (request, error);
  dev_respond_ok (request, response);
  return TRUE;
}
