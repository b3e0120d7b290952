/* stray-devserver-reads.c
 *
 * The REST calls on read state: marking a channel read or unread, marking all read, GET
 * /unread, and delivery receipts (accepted, not kept). The store does the counting
 * (stray-dev-store-reads.c); here the counts reach the user's sockets.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <libsoup/soup.h>

#include "stray-devserver-private.h"
#include "stray-json.h"

static void
emit_read (StrayDevserver *self,
           const char     *cid,
           const char     *user_id,
           JsonObject     *read)
{
  g_autoptr(JsonObject) event = dev_new_event (self, "message.read", cid);
  g_autoptr(JsonObject) notification = dev_new_event (self, "notification.mark_read", cid);
  const char *last_read_message_id = stray_json_string (read, "last_read_message_id");

  dev_set_user (self, event, "user", user_id);
  if (last_read_message_id != NULL)
    json_object_set_string_member (event, "last_read_message_id", last_read_message_id);
  dev_emit_to_watchers (self, cid, event, FALSE);

  dev_set_user (self, notification, "user", user_id);
  if (last_read_message_id != NULL)
    json_object_set_string_member (notification, "last_read_message_id", last_read_message_id);
  dev_set_thread_counts (self, notification, user_id);
  dev_emit_to_user (self, user_id, notification, TRUE);
}

gboolean
dev_handle_mark_read (DevRequest *request)
{
  StrayDevserver *self = request->self;
  g_autofree char *cid = dev_cid_of (request, 1);
  const char *user_id = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) read = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  g_autoptr(JsonObject) event = NULL;

  if (!dev_acting_user_of (request, request->body, "", "MarkRead", TRUE, &user_id) ||
      !dev_require_member (request, cid, user_id))
    return FALSE;
  if (stray_json_string (request->body, "thread_id") != NULL)
    return dev_handle_mark_thread_read (request, cid, user_id);
  /* The server may mark read for anyone (its calls skip permission checks); who is not a
   * member has no read state to change, and is answered all the same. */
  if (!stray_dev_store_is_member (self->store, cid, user_id))
    {
      event = dev_new_event (self, "message.read", cid);
      dev_set_user (self, event, "user", user_id);
      json_object_set_object_member (response, "event", g_steal_pointer (&event));
      dev_respond_ok (request, response);
      return TRUE;
    }
  read = stray_dev_store_mark_read (self->store, cid, user_id,
                                    stray_json_string (request->body, "message_id"), &error);
  if (read == NULL)
    return dev_respond_store_error (request, error);
  emit_read (self, cid, user_id, read);

  event = dev_new_event (self, "message.read", cid);
  dev_set_user (self, event, "user", user_id);
  json_object_set_object_member (response, "event", g_steal_pointer (&event));
  dev_respond_ok (request, response);
  return TRUE;
}

gboolean
dev_handle_mark_unread (DevRequest *request)
{
  StrayDevserver *self = request->self;
  g_autofree char *cid = dev_cid_of (request, 1);
  const char *user_id = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) read = NULL;
  g_autoptr(JsonObject) event = NULL;

  if (!dev_acting_user_of (request, request->body, "", "MarkUnread", TRUE, &user_id) ||
      !dev_require_member (request, cid, user_id))
    return FALSE;
  read = stray_dev_store_mark_unread (self->store, cid, user_id,
                                      stray_json_string (request->body, "message_id"), &error);
  if (read == NULL)
    return dev_respond_store_error (request, error);

  event = dev_new_event (self, "notification.mark_unread", cid);
  dev_set_user (self, event, "user", user_id);
  json_object_set_int_member (event, "unread_messages",
                              stray_json_int (read, "unread_messages", 0));
  json_object_set_string_member (event, "first_unread_message_id",
                                 stray_json_string (read, "first_unread_message_id"));
  if (stray_json_string (read, "last_read_message_id") != NULL)
    json_object_set_string_member (event, "last_read_message_id",
                                   stray_json_string (read, "last_read_message_id"));
  json_object_set_string_member (event, "last_read_at", stray_json_string (read, "last_read"));
  dev_emit_to_user (self, user_id, event, TRUE);
  dev_respond_ok (request, NULL);
  return TRUE;
}

gboolean
dev_handle_mark_all_read (DevRequest *request)
{
  StrayDevserver *self = request->self;
  const char *user_id = NULL;
  g_auto(GStrv) cids = NULL;
  g_autoptr(JsonObject) notification = NULL;

  if (!dev_acting_user_of (request, request->body, "", "MarkAllRead", TRUE, &user_id))
    return FALSE;
  cids = stray_dev_store_user_channels (self->store, user_id);
  for (guint i = 0; cids[i] != NULL; i++)
    {
      g_autoptr(JsonObject) read = NULL;
      g_autoptr(JsonObject) event = NULL;

      if (stray_dev_store_channel_unread (self->store, cids[i], user_id) == 0)
        continue;
      read = stray_dev_store_mark_read (self->store, cids[i], user_id, NULL, NULL);
      event = dev_new_event (self, "message.read", cids[i]);
      dev_set_user (self, event, "user", user_id);
      dev_emit_to_watchers (self, cids[i], event, FALSE);
    }

  notification = dev_new_event (self, "notification.mark_read", NULL);
  dev_set_user (self, notification, "user", user_id);
  dev_set_thread_counts (self, notification, user_id);
  dev_emit_to_user (self, user_id, notification, TRUE);
  dev_respond_ok (request, NULL);
  return TRUE;
}

gboolean
dev_handle_unread (DevRequest *request)
{
  const char *user_id = dev_acting_user (request, NULL);
  g_autoptr(JsonObject) response = NULL;

  if (user_id == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "user_id is required for server-side calls");
  response = stray_dev_store_unread_response (request->self->store, user_id);
  dev_respond (request->msg, SOUP_STATUS_OK, response);
  return TRUE;
}

gboolean
dev_handle_delivered (DevRequest *request)
{
  dev_respond_ok (request, NULL);
  return TRUE;
}
