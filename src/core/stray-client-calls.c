/* stray-client-calls.c: the REST calls the applet makes, as the official SDK makes them
 *
 * Paths and bodies are the SDK's (protocol-notes.md, "REST"); queryChannels, GET /unread and a
 * channel's messages come back decoded (stray-rest.h). The socket's URL is built here too.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-client"

#include "config.h"

#include <string.h>

#include "stray-client-private.h"

/**
 * stray_client_socket_url:
 * @token: the user's token
 *
 * The WebSocket's URL exactly as the SDK builds it, parameters in its order.
 *
 * Returns: (transfer full): the URL, which holds @token: wipe it after use
 */
char *
stray_client_socket_url (StrayClient *self,
                         const char  *token)
{
  const char *base, *user_id;
  g_autoptr(JsonObject) payload = json_object_new ();
  JsonObject *details = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *payload_text = NULL;
  g_autofree char *request_id = g_uuid_string_random ();
  g_autofree char *json = NULL;
  g_autofree char *key = NULL;
  g_autofree char *authorization = NULL;
  g_autofree char *client = NULL;
  const char *scheme_end;

  g_return_val_if_fail (STRAY_IS_CLIENT (self), NULL);
  g_return_val_if_fail (token != NULL, NULL);

  base = stray_client_get_base_url (self);
  user_id = stray_client_get_user_id (self);
  json_object_set_string_member (payload, "user_id", user_id);
  json_object_set_string_member (details, "id", user_id);
  json_object_set_object_member (payload, "user_details", details);
  json_object_set_string_member (payload, "client_request_id", request_id);
  node = json_node_init_object (json_node_alloc (), payload);
  payload_text = json_to_string (node, FALSE);

  json = g_uri_escape_string (payload_text, NULL, FALSE);
  key = g_uri_escape_string (stray_client_get_api_key (self), NULL, FALSE);
  authorization = g_uri_escape_string (token, NULL, FALSE);
  client = g_uri_escape_string (STRAY_CLIENT_X_STREAM_CLIENT, NULL, FALSE);

  /* http → ws, https → wss; a path prefix stays. */
  scheme_end = strstr (base, "://");
  g_return_val_if_fail (scheme_end != NULL, NULL);
  return g_strdup_printf ("%s%s/connect?json=%s&api_key=%s&authorization=%s"
                          "&stream-auth-type=jwt&X-Stream-Client=%s",
                          g_str_has_prefix (base, "https") ? "wss" : "ws", scheme_end, json, key,
                          authorization, client);
}

/* "messaging:general" → "/channels/messaging/general/SUFFIX", escaped; without a slash and
 * suffix when @suffix is NULL. */
static char *
channel_path (const char *cid,
              const char *suffix)
{
  const char *colon = strchr (cid, ':');
  g_autofree char *type = NULL;
  g_autofree char *type_escaped = NULL;
  g_autofree char *id_escaped = NULL;

  g_return_val_if_fail (colon != NULL, NULL);
  type = g_strndup (cid, colon - cid);
  type_escaped = g_uri_escape_string (type, NULL, FALSE);
  id_escaped = g_uri_escape_string (colon + 1, NULL, FALSE);
  return g_strdup_printf ("/channels/%s/%s%s%s", type_escaped, id_escaped,
                          suffix != NULL ? "/" : "", suffix != NULL ? suffix : "");
}

/* For stray-client-threads.c. */
char *
stray_client_channel_path (const char *cid,
                           const char *suffix)
{
  return channel_path (cid, suffix);
}

/**
 * stray_client_answer_invite_async:
 * @accept: %TRUE to accept the user's invite to @cid, %FALSE to decline it
 *
 * Stream's acceptInvite/rejectInvite: the channel's update with accept_invite or
 * reject_invite (stream-chat-js Channel.acceptInvite/rejectInvite, through _update).
 */
void
stray_client_answer_invite_async (StrayClient         *self,
                                  const char          *cid,
                                  gboolean             accept,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autofree char *path = channel_path (cid, NULL);
  g_autoptr(JsonObject) body = json_object_new ();

  json_object_set_boolean_member (body, accept ? "accept_invite" : "reject_invite", TRUE);
  stray_client_call_async (self, "POST", path, body, cancellable, callback, user_data);
}

void
stray_client_mark_read_async (StrayClient         *self,
                              const char          *cid,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autofree char *path = channel_path (cid, "read");
  g_autoptr(JsonObject) body = json_object_new ();

  stray_client_call_async (self, "POST", path, body, cancellable, callback, user_data);
}

void
stray_client_mark_all_read_async (StrayClient         *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(JsonObject) body = json_object_new ();

  stray_client_call_async (self, "POST", "/channels/read", body, cancellable, callback,
                           user_data);
}

void
stray_client_mark_unread_async (StrayClient         *self,
                                const char          *cid,
                                const char          *message_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autofree char *path = channel_path (cid, "unread");
  g_autoptr(JsonObject) body = json_object_new ();

  json_object_set_string_member (body, "message_id", message_id);
  stray_client_call_async (self, "POST", path, body, cancellable, callback, user_data);
}

void
stray_client_send_message_async (StrayClient         *self,
                                 const char          *cid,
                                 const char          *text,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autofree char *path = channel_path (cid, "message");
  g_autoptr(JsonObject) body = json_object_new ();
  JsonObject *message = json_object_new ();

  json_object_set_string_member (message, "text", text);
  json_object_set_object_member (body, "message", message);
  stray_client_call_async (self, "POST", path, body, cancellable, callback, user_data);
}

void
stray_client_mute_channel_async (StrayClient         *self,
                                 const char          *cid,
                                 gboolean             muted,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(JsonObject) body = json_object_new ();

  json_object_set_string_member (body, "channel_cid", cid);
  stray_client_call_async (self, "POST",
                           muted ? "/moderation/mute/channel" : "/moderation/unmute/channel",
                           body, cancellable, callback, user_data);
}

/* One page of a channel's messages; nothing is watched or marked. Both calls below finish with
 * stray_client_query_messages_finish(). */
static void
query_messages (StrayClient         *self,
                const char          *cid,
                guint                limit,
                const char          *around_id,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  g_autofree char *path = channel_path (cid, "query");
  g_autoptr(JsonObject) body = json_object_new ();
  JsonObject *messages = json_object_new ();

  json_object_set_boolean_member (body, "state", TRUE);
  json_object_set_boolean_member (body, "watch", FALSE);
  json_object_set_boolean_member (body, "presence", FALSE);
  json_object_set_int_member (messages, "limit", limit);
  if (around_id != NULL)
    json_object_set_string_member (messages, "id_around", around_id);
  json_object_set_object_member (body, "messages", messages);
  stray_client_call_async_full (self, "POST", path, body,
                                (StrayClientAnswerDecoder) stray_rest_messages_decode,
                                g_object_unref, stray_client_query_messages_async, cancellable,
                                callback, user_data);
}

/* A channel's last @limit messages, for the window. */
void
stray_client_query_messages_async (StrayClient         *self,
                                   const char          *cid,
                                   guint                limit,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (STRAY_IS_CLIENT (self));
  g_return_if_fail (cid != NULL);

  query_messages (self, cid, limit, NULL, cancellable, callback, user_data);
}

/**
 * stray_client_query_messages_around_async:
 * @message_id: the message the page is around
 *
 * @limit messages of the channel with @message_id among them, in the middle where the channel
 * has enough on both sides (Stream's `messages: {id_around}`, as stream-chat-js'
 * loadMessageIntoState asks), for the window opened at a message.
 */
void
stray_client_query_messages_around_async (StrayClient         *self,
                                          const char          *cid,
                                          const char          *message_id,
                                          guint                limit,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_return_if_fail (STRAY_IS_CLIENT (self));
  g_return_if_fail (cid != NULL && message_id != NULL);

  query_messages (self, cid, limit, message_id, cancellable, callback, user_data);
}

/* Returns: (transfer full): the messages, oldest first, as a GListModel of StrayMessage */
GListModel *
stray_client_query_messages_finish (StrayClient   *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return stray_client_decoded_call_finish (self, result, stray_client_query_messages_async, error);
}

/* An event of @type (typing.start, typing.stop) to the channel's watchers. */
void
stray_client_send_event_async (StrayClient         *self,
                               const char          *cid,
                               const char          *type,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autofree char *path = channel_path (cid, "event");
  g_autoptr(JsonObject) body = json_object_new ();
  JsonObject *event = json_object_new ();

  json_object_set_string_member (event, "type", type);
  json_object_set_object_member (body, "event", event);
  stray_client_call_async (self, "POST", path, body, cancellable, callback, user_data);
}

/* @time_us (µs since the epoch, UTC) as Stream writes times: RFC 3339 with microseconds. */
static char *
format_time (gint64 time_us)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);

  time = g_date_time_add (g_steal_pointer (&time), time_us % G_USEC_PER_SEC);
  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%S.%fZ");
}

/* The user's channels, newest first, 30 at a time (the most Stream gives); with @cids, only
 * those (at most 30); with @since_us, only those with activity (a message, or their creation)
 * after it, oldest activity first so that one moving on while paging is not skipped. */
static void
query_channels (StrayClient         *self,
                const char * const  *cids,
                gint64               since_us,
                guint                offset,
                gboolean             watch,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonObject *filter = json_object_new ();
  JsonObject *members = json_object_new ();
  JsonArray *in = json_array_new ();
  JsonArray *sort = json_array_new ();
  JsonObject *key = json_object_new ();

  json_array_add_string_element (in, stray_client_get_user_id (self));
  json_object_set_array_member (members, "$in", in);
  json_object_set_object_member (filter, "members", members);
  if (cids != NULL)
    {
      JsonObject *cid = json_object_new ();
      JsonArray *cid_in = json_array_new ();

      for (guint i = 0; cids[i] != NULL; i++)
        json_array_add_string_element (cid_in, cids[i]);
      json_object_set_array_member (cid, "$in", cid_in);
      json_object_set_object_member (filter, "cid", cid);
    }
  if (since_us > 0)
    {
      JsonObject *after = json_object_new ();
      g_autofree char *since_text = format_time (since_us);

      json_object_set_string_member (after, "$gt", since_text);
      json_object_set_object_member (filter, "last_updated", after);
    }
  json_object_set_string_member (key, "field", since_us > 0 ? "last_updated" : "last_message_at");
  json_object_set_int_member (key, "direction", since_us > 0 ? 1 : -1);
  json_array_add_object_element (sort, key);

  json_object_set_object_member (body, "filter_conditions", filter);
  json_object_set_array_member (body, "sort", sort);
  json_object_set_boolean_member (body, "state", TRUE);
  json_object_set_boolean_member (body, "watch",
                                  watch && stray_client_get_connection_id (self) != NULL);
  json_object_set_boolean_member (body, "presence", FALSE);
  json_object_set_int_member (body, "limit", 30);
  json_object_set_int_member (body, "offset", offset);
  /* The tray shows one message per channel. */
  json_object_set_int_member (body, "message_limit", 1);
  stray_client_call_async_full (self, "POST", "/channels", body,
                                (StrayClientAnswerDecoder) stray_rest_channels_page_decode,
                                (GDestroyNotify) stray_rest_channels_page_free,
                                stray_client_query_channels_async, cancellable, callback,
                                user_data);
}

void
stray_client_query_channels_async (StrayClient         *self,
                                   guint                offset,
                                   gboolean             watch,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (STRAY_IS_CLIENT (self));

  query_channels (self, NULL, 0, offset, watch, cancellable, callback, user_data);
}

/* Those of the user's channels named in @cids (at most 30), watched; the answer is
 * stray_client_query_channels_finish()'s. */
void
stray_client_query_channels_by_cid_async (StrayClient         *self,
                                          const char * const  *cids,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_return_if_fail (STRAY_IS_CLIENT (self));
  g_return_if_fail (cids != NULL && g_strv_length ((GStrv) cids) <= 30);

  query_channels (self, cids, 0, 0, TRUE, cancellable, callback, user_data);
}

/**
 * stray_client_query_channels_since_async:
 * @since_us: a moment, server time in µs since the epoch
 * @offset: into the channels that match
 *
 * The user's channels with activity after @since_us (a message, or their creation), watched,
 * 30 at a time, oldest activity first; the answer is stray_client_query_channels_finish()'s.
 */
void
stray_client_query_channels_since_async (StrayClient         *self,
                                         gint64               since_us,
                                         guint                offset,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_return_if_fail (STRAY_IS_CLIENT (self));
  g_return_if_fail (since_us > 0);

  query_channels (self, NULL, since_us, offset, TRUE, cancellable, callback, user_data);
}

/* Returns: (transfer full): the page */
StrayRestChannelsPage *
stray_client_query_channels_finish (StrayClient   *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return stray_client_decoded_call_finish (self, result, stray_client_query_channels_async, error);
}

void
stray_client_get_unread_async (StrayClient         *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (STRAY_IS_CLIENT (self));

  stray_client_call_async_full (self, "GET", "/unread", NULL,
                                (StrayClientAnswerDecoder) stray_rest_unread_decode,
                                (GDestroyNotify) stray_rest_unread_free,
                                stray_client_get_unread_async, cancellable, callback, user_data);
}

/* Returns: (transfer full): the counts */
StrayRestUnread *
stray_client_get_unread_finish (StrayClient   *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  return stray_client_decoded_call_finish (self, result, stray_client_get_unread_async, error);
}

/**
 * stray_client_sync_async:
 * @cids: the channels to ask about, at most %STRAY_CLIENT_SYNC_MAX_CIDS
 * @last_sync_at_us: the moment (server time, µs since the epoch) the model is up to date to
 *
 * Stream's Sync Events: what happened in @cids after @last_sync_at_us, those channels watched
 * on this socket, and the channels the user may no longer read listed apart.
 */
void
stray_client_sync_async (StrayClient         *self,
                         const char * const  *cids,
                         gint64               last_sync_at_us,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *since_text = NULL;
  JsonArray *array = json_array_new ();

  g_return_if_fail (STRAY_IS_CLIENT (self));
  g_return_if_fail (cids != NULL && cids[0] != NULL);
  g_return_if_fail (g_strv_length ((GStrv) cids) <= STRAY_CLIENT_SYNC_MAX_CIDS);

  for (guint i = 0; cids[i] != NULL; i++)
    json_array_add_string_element (array, cids[i]);
  since_text = format_time (last_sync_at_us);
  json_object_set_array_member (body, "channel_cids", array);
  json_object_set_string_member (body, "last_sync_at", since_text);
  json_object_set_boolean_member (body, "with_inaccessible_cids", TRUE);
  json_object_set_boolean_member (body, "watch", stray_client_get_connection_id (self) != NULL);
  stray_client_call_async_full (self, "POST", "/sync", body,
                                (StrayClientAnswerDecoder) stray_rest_sync_decode,
                                (GDestroyNotify) stray_rest_sync_free,
                                stray_client_sync_async, cancellable, callback, user_data);
}

/* Returns: (transfer full): the events missed, decoded */
StrayRestSync *
stray_client_sync_finish (StrayClient   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  return stray_client_decoded_call_finish (self, result, stray_client_sync_async, error);
}
