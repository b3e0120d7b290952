/* stray-devserver-socket.c
 *
 * The WebSocket at /connect: the handshake (api_key, token and the json parameter checked,
 * refusals as Stream words them), the connection's health checks, what clients may send
 * (pings, typing and custom events) and what a closed socket leaves behind.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "stray-devserver-private.h"
#include "stray-event.h"
#include "stray-json.h"
#include "stray-websocket-limit.h"

/* Client frames are small: a larger message, its fragments together, is a fault, and the
 * socket closes. */
#define MAX_CLIENT_MESSAGE (64 * 1024)

static JsonObject *
health_check (StrayDevserver *self,
              DevConnection  *connection)
{
  JsonObject *event = dev_new_event (self, "health.check", NULL);

  json_object_set_string_member (event, "connection_id", connection->connection_id);
  json_object_set_string_member (event, "cid", "*");
  json_object_set_object_member (event, "me",
                                 stray_dev_store_own_user (self->store, connection->user_id));
  return event;
}

static void
send_health_check (StrayDevserver *self,
                   DevConnection  *connection)
{
  g_autoptr(JsonObject) event = health_check (self, connection);
  g_autofree char *text = dev_to_json (event);

  dev_send_text (connection, text, strlen (text));
}

static gboolean
on_health_interval (gpointer user_data)
{
  DevConnection *connection = user_data;

  if (!dev_is_stalled (connection->server))
    send_health_check (connection->server, connection);
  return G_SOURCE_CONTINUE;
}

void
dev_connection_free (gpointer data)
{
  DevConnection *connection = data;

  g_clear_handle_id (&connection->health_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (connection->socket, connection);
  g_object_unref (connection->socket);
  g_hash_table_unref (connection->watching);
  g_free (connection->connection_id);
  g_free (connection->user_id);
  g_free (connection);
}

static void
forget_connection (StrayDevserver *self,
                   DevConnection  *connection)
{
  g_autoptr(GPtrArray) cids = hash_table_snapshot (connection->watching, TRUE);
  GPtrArray *connections = g_hash_table_lookup (self->by_user, connection->user_id);

  for (guint i = 0; i < cids->len; i++)
    {
      g_autofree char *cid = g_strdup (g_ptr_array_index (cids, i));

      dev_unwatch (self, connection, cid, TRUE);
    }
  if (connections != NULL)
    {
      g_ptr_array_remove (connections, connection);
      if (connections->len == 0)
        {
          g_hash_table_remove (self->by_user, connection->user_id);
          stray_dev_store_set_user_online (self->store, connection->user_id, FALSE);
        }
    }
  g_debug ("connection %s of %s closed", connection->connection_id, connection->user_id);
  g_hash_table_remove (self->connections, connection->connection_id);
}

static void
on_socket_closed (G_GNUC_UNUSED SoupWebsocketConnection *socket,
                  DevConnection *connection)
{
  forget_connection (connection->server, connection);
}

/* What clients may send on the socket: pings, typing and custom events. */
static void
handle_client_event (StrayDevserver   *self,
                     DevConnection    *connection,
                     const StrayEvent *event)
{
  g_autoptr(JsonObject) outgoing = NULL;
  g_autoptr(GList) names = NULL;
  JsonObject *raw;

  if (event->type == STRAY_EVENT_HEALTH_CHECK)
    {
      if (!dev_is_stalled (self))
        send_health_check (self, connection);
      return;
    }
  if ((event->type != STRAY_EVENT_TYPING_START && event->type != STRAY_EVENT_TYPING_STOP &&
       event->type != STRAY_EVENT_CUSTOM) || event->cid == NULL ||
      !stray_dev_store_is_member (self->store, event->cid, connection->user_id))
    {
      g_debug ("ignoring %s from %s", event->type_name, connection->user_id);
      return;
    }

  outgoing = dev_new_event (self, event->type_name, event->cid);
  raw = json_node_get_object (event->root);
  names = json_object_get_members (raw);
  for (GList *l = names; l != NULL; l = l->next)
    if (!json_object_has_member (outgoing, l->data) && !g_str_equal (l->data, "user"))
      json_object_set_member (outgoing, l->data,
                              json_node_copy (json_object_get_member (raw, l->data)));
  dev_set_user (self, outgoing, "user", connection->user_id);
  dev_emit_to_watchers (self, event->cid, outgoing, FALSE);
}

static void
on_socket_message (G_GNUC_UNUSED SoupWebsocketConnection *socket,
                   gint           type,
                   GBytes        *message,
                   DevConnection *connection)
{
  StrayDevserver *self = connection->server;
  gsize length;
  const char *data = g_bytes_get_data (message, &length);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *root;

  if (type != SOUP_WEBSOCKET_DATA_TEXT || length == 0)
    return;

  /* A ping is a JSON array of one health.check; anything else is one event. */
  if (data[0] == '[')
    {
      JsonArray *array;
      gsize deep_at;

      parser = json_parser_new ();
      if (length > STRAY_EVENT_MAX_FRAME_SIZE ||
          !stray_json_check_nesting (data, length, MAX_DEPTH, &deep_at) ||
          !json_parser_load_from_data (parser, data, length, NULL) ||
          !stray_json_root_holds (parser, JSON_NODE_ARRAY))
        {
          g_debug ("ignoring a malformed frame from %s", connection->user_id);
          return;
        }
      root = json_parser_get_root (parser);
      array = json_node_get_array (root);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          g_autofree char *text = NULL;
          g_autoptr(StrayEvent) event = NULL;

          if (!JSON_NODE_HOLDS_OBJECT (element))
            continue;
          text = json_to_string (element, FALSE);
          event = stray_event_decode (text, strlen (text), NULL);
          if (event != NULL)
            handle_client_event (self, connection, event);
        }
      return;
    }

  {
    g_autoptr(StrayEvent) event = stray_event_decode (data, length, &error);

    if (event == NULL)
      g_debug ("ignoring a frame from %s: %s", connection->user_id, error->message);
    else
      handle_client_event (self, connection, event);
  }
}

static void
refuse_socket (StrayDevserver          *self,
               SoupWebsocketConnection *socket,
               int                      code,
               const char              *message)
{
  g_autoptr(JsonObject) event = dev_new_event (self, "connection.error", NULL);
  JsonObject *error = json_object_new ();
  g_autofree char *text = NULL;

  json_object_set_string_member (event, "connection_id", "");
  json_object_set_int_member (error, "code", code);
  json_object_set_string_member (error, "message", message);
  json_object_set_int_member (error, "StatusCode", code == CODE_INPUT ? 400 : 401);
  json_object_set_string_member (error, "duration", "");
  json_object_set_string_member (error, "more_info",
                                 "https://getstream.io/chat/docs/api_errors_response");
  json_object_set_array_member (error, "details", json_array_new ());
  json_object_set_object_member (event, "error", error);
  text = dev_to_json (event);

  g_debug ("refusing a socket: %s", message);
  soup_websocket_connection_send_text (socket, text);
  /* 1000 tells the SDK not to retry (docs/protocol-notes.md, "Handshake and errors"). */
  soup_websocket_connection_close (socket, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}

void
dev_on_socket (G_GNUC_UNUSED SoupServer *server,
               SoupServerMessage       *msg,
               G_GNUC_UNUSED const char *path,
               SoupWebsocketConnection *socket,
               gpointer                 user_data)
{
  StrayDevserver *self = user_data;
  GUri *uri = soup_server_message_get_uri (msg);
  g_autoptr(GHashTable) query = NULL;
  g_autofree char *user_id = NULL;
  g_autofree char *error_message = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonObject) event = NULL;
  const char *payload;
  JsonObject *details = NULL;
  JsonNode *root;
  DevConnection *connection;
  GPtrArray *connections;
  int code;

  query = g_uri_get_query (uri) != NULL
          ? g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, NULL)
          : NULL;
  if (query == NULL)
    query = g_hash_table_new (g_str_hash, g_str_equal);

  user_id = dev_authenticate (self, g_hash_table_lookup (query, "api_key"),
                              g_hash_table_lookup (query, "stream-auth-type"),
                              g_hash_table_lookup (query, "authorization"), &code, &error_message);
  if (user_id == NULL)
    {
      refuse_socket (self, socket, code, error_message);
      return;
    }

  payload = g_hash_table_lookup (query, "json");
  if (payload == NULL || strlen (payload) > 64 * 1024 ||
      !stray_json_check_nesting (payload, strlen (payload), MAX_DEPTH, NULL) ||
      !json_parser_load_from_data (parser, payload, -1, NULL) ||
      !stray_json_root_holds (parser, JSON_NODE_OBJECT))
    {
      refuse_socket (self, socket, CODE_INPUT,
                     "WS request failed: the json parameter must be a JSON object");
      return;
    }
  root = json_parser_get_root (parser);
  if (*user_id == '\0' ||
      g_strcmp0 (stray_json_string (json_node_get_object (root), "user_id"), user_id) != 0)
    {
      refuse_socket (self, socket, 43,
                     "JWTAuth error: the token's user_id does not match json.user_id");
      return;
    }

  details = stray_json_object (json_node_get_object (root), "user_details");
  if (details != NULL && stray_json_string (details, "id") != NULL &&
      g_str_equal (stray_json_string (details, "id"), user_id))
    stray_dev_store_upsert_user (self->store, details, NULL);
  else
    stray_dev_store_ensure_user (self->store, user_id);
  stray_dev_store_set_user_online (self->store, user_id, TRUE);

  connection = g_new0 (DevConnection, 1);
  connection->server = self;
  connection->socket = g_object_ref (socket);
  connection->connection_id = g_uuid_string_random ();
  connection->user_id = g_steal_pointer (&user_id);
  connection->watching = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_insert (self->connections, connection->connection_id, connection);
  connections = g_hash_table_lookup (self->by_user, connection->user_id);
  if (connections == NULL)
    {
      connections = g_ptr_array_new ();
      g_hash_table_insert (self->by_user, g_strdup (connection->user_id), connections);
    }
  g_ptr_array_add (connections, connection);

  /* A large frame closes the socket with 1009; a large message of small fragments is
   * counted by the socket's stream (dev_on_connect()). */
  soup_websocket_connection_set_max_incoming_payload_size (socket, MAX_CLIENT_MESSAGE);
  g_signal_connect (socket, "message", G_CALLBACK (on_socket_message), connection);
  g_signal_connect (socket, "closed", G_CALLBACK (on_socket_closed), connection);

  g_debug ("connection %s for %s", connection->connection_id, connection->user_id);
  send_health_check (self, connection);
  if (self->health_interval > 0)
    connection->health_id = g_timeout_add_seconds (self->health_interval, on_health_interval,
                                                   connection);
}

/* The upgrade answered (101): the connection is the socket's, read through the count of
 * stray-websocket-limit.c. */
static void
on_upgraded (SoupServerMessage *msg,
             StrayDevserver    *self)
{
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);
  g_autoptr(GIOStream) counted = stray_websocket_limit_wrap (stream, NULL, MAX_CLIENT_MESSAGE);
  GUri *uri = soup_server_message_get_uri (msg);
  g_autoptr(SoupWebsocketConnection) socket = NULL;

  socket = soup_websocket_connection_new (counted, uri, SOUP_WEBSOCKET_CONNECTION_SERVER,
                                          soup_message_headers_get_one (
                                            soup_server_message_get_request_headers (msg),
                                            "Origin"),
                                          NULL, NULL);
  dev_on_socket (self->server, msg, g_uri_get_path (uri), socket, self);
}

/**
 * dev_on_connect:
 *
 * /connect, upgraded as SoupServer's own WebSocket handler does it, but over a stream that
 * bounds each message as a whole: libsoup 3.2 limits frames only, and a message of small
 * fragments would grow without bound. No extension is accepted (permessage-deflate would
 * inflate past the count). A request that is no WebSocket handshake is answered 400 by
 * libsoup, as before.
 */
void
dev_on_connect (G_GNUC_UNUSED SoupServer *server,
                SoupServerMessage        *msg,
                G_GNUC_UNUSED const char *path,
                G_GNUC_UNUSED GHashTable *query,
                gpointer                  user_data)
{
  StrayDevserver *self = user_data;

  if (soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL))
    g_signal_connect_object (msg, "wrote-informational", G_CALLBACK (on_upgraded), self, 0);
}
