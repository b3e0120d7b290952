/* stray-devserver-threads.c
 *
 * Who a call acts for, as Stream's server-side API names them, and GET /messages/{id}/replies,
 * a thread's replies page by page.
 *
 * A user token acts for its user. The server-side client names the user in the body, as
 * `user_id` or as a `user` object ({"id": …}), never both; Stream's words for either mistake
 * are in stream-chat-js' integration tests ("cannot set both message.user and
 * message.user_id.", "either user or user_id must be provided when using server side auth.").
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <libsoup/soup.h>
#include <stdlib.h>

#include "stray-devserver-private.h"
#include "stray-json.h"

/**
 * dev_acting_user_of:
 * @object: (nullable): where the server-side client names the user: the body, or its
 *   `message`, `event` or `reaction`
 * @prefix: how Stream names @object in its errors: "", "message.", "event.", …
 * @call: Stream's name for the call, e.g. "SendMessage"
 * @required: whether a server-side call without a user is an error
 * @out_user_id: (out): the user, or %NULL when none is named and none is required
 *
 * Returns: %FALSE when the request was answered with an error
 */
gboolean
dev_acting_user_of (DevRequest  *request,
                    JsonObject  *object,
                    const char  *prefix,
                    const char  *call,
                    gboolean     required,
                    const char **out_user_id)
{
  JsonNode *user_id_node = object != NULL ? json_object_get_member (object, "user_id") : NULL;
  JsonNode *user_node = object != NULL ? json_object_get_member (object, "user") : NULL;
  const char *user_id = NULL;

  *out_user_id = NULL;
  if (request->user_id != NULL)
    {
      *out_user_id = request->user_id;
      return TRUE;
    }
  if (user_id_node != NULL && JSON_NODE_HOLDS_NULL (user_id_node))
    user_id_node = NULL;
  if (user_node != NULL && JSON_NODE_HOLDS_NULL (user_node))
    user_node = NULL;

  if (user_id_node != NULL && user_node != NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "%s failed with error: \"cannot set both %suser and %suser_id.\"",
                              call, prefix, prefix);
  if (user_id_node != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (user_id_node) ||
          json_node_get_value_type (user_id_node) != G_TYPE_STRING)
        return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                                  "%s failed with error: \"expected string for field "
                                  "\"%suser_id\"\"", call, prefix);
      user_id = json_node_get_string (user_id_node);
    }
  else if (user_node != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (user_node))
        return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                                  "%s failed with error: \"expected object for field "
                                  "\"%suser\"\"", call, prefix);
      user_id = stray_json_string (json_node_get_object (user_node), "id");
    }
  else
    user_id = dev_query_param (request, "user_id");

  if (user_id != NULL && !stray_dev_store_is_valid_user_id (user_id))
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "%s failed with error: \"%suser.id is not a valid user id\"",
                              call, prefix);
  if (user_id == NULL && required)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "%s failed with error: \"either %suser or %suser_id must be "
                              "provided when using server side auth.\"", call, prefix, prefix);
  *out_user_id = user_id;
  return TRUE;
}

/* A query parameter as a count, or @fallback; FALSE when it is there and not one. */
static gboolean
count_param (DevRequest *request,
             const char *name,
             gint64      fallback,
             gint64      max,
             gint64     *out)
{
  const char *text = dev_query_param (request, name);
  char *end = NULL;
  gint64 value;

  *out = fallback;
  if (text == NULL)
    return TRUE;
  value = g_ascii_strtoll (text, &end, 10);
  if (end == text || *end != '\0' || value < 0 || value > max)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "GetReplies failed with error: \"%s must be a number between 0 "
                              "and %" G_GINT64_FORMAT "\"", name, max);
  *out = value;
  return TRUE;
}

/**
 * dev_handle_replies:
 *
 * GET /messages/{parent_id}/replies: the replies to a message, oldest first, as the SDK's
 * getReplies() asks for them: `limit` (10 when not given, at most 300, as for a channel's
 * messages), `offset`, and the pagination by id, `id_lt`/`id_lte` (the newest replies before a
 * reply, as an app scrolls up) and `id_gt`/`id_gte` (the oldest after one).
 */
gboolean
dev_handle_replies (DevRequest *request)
{
  StrayDevserver *self = request->self;
  const char *parent_id = request->segments[1];
  const char *cid = NULL;
  const char *before = NULL, *after = NULL;
  gboolean before_inclusive = FALSE, after_inclusive = FALSE;
  g_autoptr(GPtrArray) replies = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  JsonArray *messages;
  gint64 limit, offset;
  guint first, last;

  if (stray_dev_store_lookup_message (self->store, parent_id, &cid) == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_NOT_FOUND, CODE_NOT_FOUND,
                              "GetReplies failed with error: \"parent message '%s' does not "
                              "exist\"", parent_id);
  if (request->user_id != NULL && !dev_require_member (request, cid, request->user_id))
    return FALSE;
  if (!count_param (request, "limit", 10, 300, &limit) ||
      !count_param (request, "offset", 0, G_MAXINT, &offset))
    return FALSE;
  if ((before = dev_query_param (request, "id_lt")) == NULL &&
      (before = dev_query_param (request, "id_lte")) != NULL)
    before_inclusive = TRUE;
  if ((after = dev_query_param (request, "id_gt")) == NULL &&
      (after = dev_query_param (request, "id_gte")) != NULL)
    after_inclusive = TRUE;

  replies = stray_dev_store_replies (self->store, parent_id);
  first = 0;
  last = replies->len; /* exclusive */
  for (guint i = 0; i < replies->len; i++)
    {
      const char *id = stray_json_string (g_ptr_array_index (replies, i), "id");

      if (after != NULL && g_str_equal (id, after))
        first = after_inclusive ? i : i + 1;
      if (before != NULL && g_str_equal (id, before))
        last = before_inclusive ? i + 1 : i;
    }

  messages = json_array_new ();
  if (first < last)
    {
      /* Before a reply: the newest page of those; otherwise the oldest from offset on. */
      guint start = before != NULL && after == NULL
                    ? (last - first > limit ? last - (guint) limit : first)
                    : first + (guint) MIN (offset, (gint64) (last - first));

      for (guint i = start; i < last && json_array_get_length (messages) < limit; i++)
        json_array_add_object_element (messages,
                                       json_object_ref (g_ptr_array_index (replies, i)));
    }
  json_object_set_array_member (response, "messages", messages);
  dev_respond (request->msg, SOUP_STATUS_OK, response);
  return TRUE;
}

/* A user's thread counts, which Stream's thread events and `me` carry (its asyncapi's
 * NotificationThreadMessageNewEvent and NotificationMarkReadEvent). */
void
dev_set_thread_counts (StrayDevserver *self,
                       JsonObject     *event,
                       const char     *user_id)
{
  StrayDevThreadUnread unread = stray_dev_store_thread_unread (self->store, user_id);

  json_object_set_int_member (event, "unread_threads", unread.unread_threads);
  json_object_set_int_member (event, "unread_thread_messages", unread.unread_thread_messages);
}

/* The thread under @parent_id as Stream's thread calls and events give it, with its channel
 * (and the channel's members, which stream-chat-js' Thread takes from it). */
static JsonObject *
thread_with_channel (StrayDevserver *self,
                     const char     *parent_id,
                     const char     *user_id,
                     guint           reply_limit)
{
  JsonObject *thread = stray_dev_store_thread_json (self->store, parent_id, reply_limit);

  if (thread != NULL)
    json_object_set_object_member (thread, "channel",
                                   dev_channel_with_members (self, stray_json_string (thread,
                                                                                      "channel_cid"),
                                                             user_id));
  return thread;
}

/**
 * dev_emit_thread_message_new:
 * @reply: a message just stored
 *
 * When @reply is in a thread: notification.thread_message_new to each participant but its
 * author, on all their connections whether they watch the channel or not (stream-chat-js'
 * ThreadManager listens for it to learn of replies in threads it has not loaded), each with
 * their own thread counts and channel counts.
 */
void
dev_emit_thread_message_new (StrayDevserver *self,
                             const char     *cid,
                             JsonObject     *reply)
{
  const char *parent_id = stray_json_string (reply, "parent_id");
  const char *author_id = stray_json_string (stray_json_object (reply, "user"), "id");
  g_auto(GStrv) participants = NULL;
  g_autoptr(JsonObject) thread = NULL;

  if (parent_id == NULL)
    return;
  participants = stray_dev_store_thread_participants (self->store, parent_id);
  thread = stray_dev_store_thread_json (self->store, parent_id, 0);
  for (guint i = 0; participants[i] != NULL; i++)
    {
      g_autoptr(JsonObject) event = NULL;

      if (g_strcmp0 (participants[i], author_id) == 0 ||
          !stray_dev_store_is_member (self->store, cid, participants[i]))
        continue;
      event = dev_new_event (self, "notification.thread_message_new", cid);
      json_object_set_string_member (event, "message_id", stray_json_string (reply, "id"));
      json_object_set_string_member (event, "parent_id", parent_id);
      json_object_set_object_member (event, "message", json_object_ref (reply));
      json_object_set_object_member (event, "thread", json_object_ref (thread));
      json_object_set_object_member (event, "channel",
                                     stray_dev_store_channel_json (self->store, cid, NULL));
      dev_set_user (self, event, "user", author_id);
      dev_set_thread_counts (self, event, participants[i]);
      dev_emit_to_user (self, participants[i], event, TRUE);
    }
}

/**
 * dev_handle_mark_thread_read:
 *
 * POST /channels/{type}/{id}/read with `thread_id`, as stream-chat-js' Thread.markAsRead()
 * sends it (channel.markAsRequest ({thread_id})): the thread read for the user, message.read
 * with the `thread` to the channel's watchers (Thread.subscribeRepliesRead matches
 * event.thread.parent_message_id) and notification.mark_read with `thread_id` and the thread
 * counts to the user's connections (ThreadManager takes its `unread_threads`).
 */
gboolean
dev_handle_mark_thread_read (DevRequest *request,
                             const char *cid,
                             const char *user_id)
{
  StrayDevserver *self = request->self;
  const char *thread_id = stray_json_string (request->body, "thread_id");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) read = NULL;
  g_autoptr(JsonObject) thread = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonObject) notification = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  const char *last_read_message_id;

  read = stray_dev_store_mark_thread_read (self->store, cid, user_id, thread_id, &error);
  if (read == NULL)
    return dev_respond_store_error (request, error);
  last_read_message_id = stray_json_string (read, "last_read_message_id");
  thread = stray_dev_store_thread_json (self->store, thread_id, 0);

  event = dev_new_event (self, "message.read", cid);
  dev_set_user (self, event, "user", user_id);
  json_object_set_object_member (event, "thread", json_object_ref (thread));
  if (last_read_message_id != NULL)
    json_object_set_string_member (event, "last_read_message_id", last_read_message_id);
  dev_emit_to_watchers (self, cid, event, FALSE);

  notification = dev_new_event (self, "notification.mark_read", cid);
  dev_set_user (self, notification, "user", user_id);
  json_object_set_string_member (notification, "thread_id", thread_id);
  json_object_set_object_member (notification, "thread", json_object_ref (thread));
  if (last_read_message_id != NULL)
    json_object_set_string_member (notification, "last_read_message_id", last_read_message_id);
  dev_set_thread_counts (self, notification, user_id);
  dev_emit_to_user (self, user_id, notification, TRUE);

  json_object_set_object_member (response, "event", json_object_ref (event));
  dev_respond_ok (request, response);
  return TRUE;
}

static guint
limit_of (JsonNode *node,
          guint     fallback,
          guint     max)
{
  gint64 value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return fallback;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    value = g_ascii_strtoll (json_node_get_string (node), NULL, 10);
  else
    value = json_node_get_int (node);
  return value <= 0 ? fallback : (guint) MIN (value, (gint64) max);
}

/**
 * dev_handle_query_threads:
 *
 * POST /threads, stream-chat-js' queryThreads(): the threads the user takes part in, the most
 * recently active first, `limit` of them (10 by default, 25 at most, as Stream's
 * QueryThreads), each with its `reply_limit` newest replies; `watch` watches their channels.
 */
gboolean
dev_handle_query_threads (DevRequest *request)
{
  StrayDevserver *self = request->self;
  const char *user_id = dev_acting_user (request, stray_json_string (request->body, "user_id"));
  JsonObject *body = request->body;
  guint limit = limit_of (body != NULL ? json_object_get_member (body, "limit") : NULL, 10, 25);
  guint reply_limit = limit_of (body != NULL ? json_object_get_member (body, "reply_limit") : NULL,
                                2, 10);
  g_autoptr(JsonObject) response = json_object_new ();
  g_auto(GStrv) parents = NULL;
  JsonArray *threads = json_array_new ();

  json_object_set_array_member (response, "threads", threads);
  if (user_id == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "QueryThreads failed with error: \"user_id is required for "
                              "server-side calls\"");
  parents = stray_dev_store_user_threads (self->store, user_id);
  for (guint i = 0; parents[i] != NULL && i < limit; i++)
    {
      JsonObject *thread = thread_with_channel (self, parents[i], user_id, reply_limit);

      if (stray_json_boolean (request->body, "watch", FALSE))
        dev_watch (self, request->connection, stray_json_string (thread, "channel_cid"));
      json_array_add_object_element (threads, thread);
    }
  dev_respond_ok (request, response);
  return TRUE;
}

/**
 * dev_handle_get_thread:
 *
 * GET /threads/{parent_id}, stream-chat-js' getThread(): one thread, for a member of its
 * channel, with its `reply_limit` newest replies (3 by default, as the SDK asks).
 */
gboolean
dev_handle_get_thread (DevRequest *request)
{
  StrayDevserver *self = request->self;
  const char *parent_id = request->segments[1];
  const char *user_id = dev_acting_user (request, NULL);
  const char *limit_text = dev_query_param (request, "reply_limit");
  guint reply_limit = limit_text != NULL ? (guint) CLAMP (g_ascii_strtoll (limit_text, NULL, 10),
                                                          0, 100) : 3;
  const char *cid = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  JsonObject *thread;

  if (stray_dev_store_lookup_message (self->store, parent_id, &cid) == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_NOT_FOUND, CODE_NOT_FOUND,
                              "GetThread failed with error: \"thread '%s' does not exist\"",
                              parent_id);
  if (user_id != NULL && !dev_require_member (request, cid, user_id))
    return FALSE;
  thread = thread_with_channel (self, parent_id, user_id, reply_limit);
  if (thread == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_NOT_FOUND, CODE_NOT_FOUND,
                              "GetThread failed with error: \"thread '%s' does not exist\"",
                              parent_id);
  if (g_strcmp0 (dev_query_param (request, "watch"), "true") == 0)
    dev_watch (self, request->connection, cid);
  json_object_set_object_member (response, "thread", thread);
  dev_respond_ok (request, response);
  return TRUE;
}

/**
 * dev_handle_get_message:
 *
 * GET /messages/{id}, stream-chat-js' getMessage(): one message, for a member of its channel
 * (a thread's parent, for a client that opens the thread from a notification).
 */
gboolean
dev_handle_get_message (DevRequest *request)
{
  StrayDevserver *self = request->self;
  const char *cid = NULL;
  JsonObject *message = stray_dev_store_lookup_message (self->store, request->segments[1], &cid);
  g_autoptr(JsonObject) response = json_object_new ();

  if (message == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_NOT_FOUND, CODE_NOT_FOUND,
                              "GetMessage failed with error: \"message with id %s does not "
                              "exist\"", request->segments[1]);
  if (request->user_id != NULL && !dev_require_member (request, cid, request->user_id))
    return FALSE;
  json_object_set_object_member (response, "message", json_object_ref (message));
  dev_respond_ok (request, response);
  return TRUE;
}
