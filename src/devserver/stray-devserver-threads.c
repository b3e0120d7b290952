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
