/* stray-client-threads.c: the calls on threads
 *
 * A thread is its parent message's replies (Stream's Threads docs: "a reply is a message with
 * a parent_id"): GET /messages/{parent_id}/replies reads them, a message with `parent_id`
 * sent to the channel adds one, and the channel's mark read with `thread_id` marks the thread
 * read (stream-chat-js' Thread.markAsRead: channel.markAsReadRequest ({thread_id})).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-client"

#include "config.h"

#include "stray-client-private.h"
#include "stray-rest.h"

/**
 * stray_client_get_replies_async:
 * @parent_id: the thread's parent message
 * @limit: how many replies, the oldest first (Stream gives at most 300)
 *
 * GET /messages/{parent_id}/replies.
 */
void
stray_client_get_replies_async (StrayClient         *self,
                                const char          *parent_id,
                                guint                limit,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (STRAY_IS_CLIENT (self));
  g_return_if_fail (parent_id != NULL);

  escaped = g_uri_escape_string (parent_id, NULL, FALSE);
  path = g_strdup_printf ("/messages/%s/replies?limit=%u", escaped, MIN (limit, 300));
  stray_client_call_async_full (self, "GET", path, NULL,
                                (StrayClientAnswerDecoder) stray_rest_messages_decode,
                                g_object_unref, stray_client_get_replies_async, cancellable,
                                callback, user_data);
}

/* Returns: (transfer full): the replies, oldest first, as a GListModel of StrayMessage */
GListModel *
stray_client_get_replies_finish (StrayClient   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return stray_client_decoded_call_finish (self, result, stray_client_get_replies_async, error);
}

/* GET /messages/{id}'s answer, {"message": …}, read as a page of one. */
static gpointer
decode_one_message (JsonNode  *root,
                    GError   **error)
{
  g_autoptr(JsonObject) page = json_object_new ();
  g_autoptr(JsonNode) page_node = NULL;
  g_autoptr(GListModel) messages = NULL;
  JsonArray *array = json_array_new ();
  JsonNode *message = JSON_NODE_HOLDS_OBJECT (root)
                      ? json_object_get_member (json_node_get_object (root), "message") : NULL;

  if (message != NULL)
    json_array_add_element (array, json_node_copy (message));
  json_object_set_array_member (page, "messages", array);
  page_node = json_node_init_object (json_node_alloc (), page);
  messages = stray_rest_messages_decode (page_node, error);
  if (messages == NULL)
    return NULL;
  if (g_list_model_get_n_items (messages) == 0)
    {
      g_set_error_literal (error, STRAY_CLIENT_ERROR, STRAY_CLIENT_ERROR_BAD_RESPONSE,
                           "GET /messages answered without a message");
      return NULL;
    }
  return g_list_model_get_item (messages, 0);
}

/**
 * stray_client_get_message_async:
 *
 * GET /messages/{id}: one message, as a thread's parent.
 */
void
stray_client_get_message_async (StrayClient         *self,
                                const char          *message_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (STRAY_IS_CLIENT (self));
  g_return_if_fail (message_id != NULL);

  escaped = g_uri_escape_string (message_id, NULL, FALSE);
  path = g_strconcat ("/messages/", escaped, NULL);
  stray_client_call_async_full (self, "GET", path, NULL, decode_one_message, g_object_unref,
                                stray_client_get_message_async, cancellable, callback,
                                user_data);
}

/* Returns: (transfer full): the message, a StrayMessage */
StrayMessage *
stray_client_get_message_finish (StrayClient   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return stray_client_decoded_call_finish (self, result, stray_client_get_message_async, error);
}

/**
 * stray_client_send_reply_async:
 * @cid: the channel the thread is in
 * @parent_id: the thread's parent message
 *
 * A reply that stays in its thread (show_in_channel false, Stream's default); finish with
 * stray_client_call_finish().
 */
void
stray_client_send_reply_async (StrayClient         *self,
                               const char          *cid,
                               const char          *parent_id,
                               const char          *text,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autofree char *path = NULL;
  g_autoptr(JsonObject) body = json_object_new ();
  JsonObject *message = json_object_new ();

  g_return_if_fail (STRAY_IS_CLIENT (self));
  g_return_if_fail (cid != NULL && parent_id != NULL && text != NULL);

  path = stray_client_channel_path (cid, "message");
  json_object_set_string_member (message, "text", text);
  json_object_set_string_member (message, "parent_id", parent_id);
  json_object_set_object_member (body, "message", message);
  stray_client_call_async (self, "POST", path, body, cancellable, callback, user_data);
}

/**
 * stray_client_mark_thread_read_async:
 * @cid: the channel the thread is in
 * @thread_id: the thread's parent message
 *
 * Finish with stray_client_call_finish().
 */
void
stray_client_mark_thread_read_async (StrayClient         *self,
                                     const char          *cid,
                                     const char          *thread_id,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autofree char *path = NULL;
  g_autoptr(JsonObject) body = json_object_new ();

  g_return_if_fail (STRAY_IS_CLIENT (self));
  g_return_if_fail (cid != NULL && thread_id != NULL);

  path = stray_client_channel_path (cid, "read");
  json_object_set_string_member (body, "thread_id", thread_id);
  stray_client_call_async (self, "POST", path, body, cancellable, callback, user_data);
}
