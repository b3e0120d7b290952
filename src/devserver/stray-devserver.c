/* stray-devserver.c
 *
 * Speaks Stream Chat's protocol (docs/protocol-notes.md) faithfully enough that the
 * official JavaScript SDK works against it unmodified: the WebSocket at /connect, the REST
 * calls of the user and of the server-side client, and the events each of them causes, with
 * every recipient's own unread counts. It also has hooks for tests (/_dev/…) that Stream does
 * not have: raw frames, dropped sockets, a stalled server and fresh tokens.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <libsoup/soup.h>
#include <string.h>

#include "stray-devserver.h"
#include "stray-event.h"
#include "stray-json.h"
#include "stray-jwt.h"
#include "stray-raster.h"

/* Stream's error codes. */
enum {
  CODE_API_KEY = 2,
  CODE_INPUT = 4,
  CODE_NOT_FOUND = 16,
  CODE_NOT_ALLOWED = 17,
  /* Not Stream's: the devserver's own failures, which Stream's cloud never reports. */
  CODE_INTERNAL = -1,
};

#define MAX_QUERY_LIMIT 30
#define MAX_DEPTH 64
#define AVATAR_SIZE 96

typedef struct {
  StrayDevserver *server; /* unowned: the server outlives its connections */
  SoupWebsocketConnection *socket;
  char *connection_id;
  char *user_id;
  GHashTable *watching; /* set of cids */
  guint health_id;
} Connection;

typedef struct {
  StrayDevserver *self;
  SoupServerMessage *msg;
  const char *method;
  GStrv segments;
  guint n_segments;
  GHashTable *query;
  JsonObject *body;
  char *user_id;        /* from a user token; NULL with a server token */
  Connection *connection;
} Request;

struct _StrayDevserver
{
  GObject parent_instance;

  char *api_key;
  char *secret;
  guint health_interval;
  gboolean allow_dev_tokens;
  gboolean allow_remote;

  SoupServer *server;
  char *base_url;
  StrayDevStore *store;
  GHashTable *connections; /* connection_id → Connection, owning */
  GHashTable *by_user;     /* user_id → GPtrArray of Connection */
  GHashTable *watchers;    /* cid → GPtrArray of Connection */

  gint64 stalled_until;    /* monotonic µs */
  guint rate_limited;      /* how many user calls still get 429 */
  GPtrArray *stalled;      /* SoupServerMessage held while stalled */
  guint stall_id;
};

G_DEFINE_FINAL_TYPE (StrayDevserver, stray_devserver, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_API_KEY,
  PROP_SECRET,
  PROP_HEALTH_INTERVAL,
  PROP_ALLOW_DEV_TOKENS,
  PROP_ALLOW_REMOTE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* g_hash_table_get_{keys,values}_as_ptr_array() came after GLib 2.74. */
static GPtrArray *
hash_table_snapshot (GHashTable *table,
                     gboolean    keys)
{
  GPtrArray *items = g_ptr_array_sized_new (g_hash_table_size (table));
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_ptr_array_add (items, keys ? key : value);
  return items;
}

static gboolean
is_stalled (StrayDevserver *self)
{
  return g_get_monotonic_time () < self->stalled_until;
}

/* ---- frames ---- */

/* Frames the server makes are UTF-8 by construction; only raw frames from /_dev/inject are
 * checked, since libsoup refuses text frames that are not (and checks every one itself). */
static void
send_text (Connection *connection,
           const char *text,
           gsize       length)
{
  g_autoptr(GBytes) bytes = NULL;

  if (soup_websocket_connection_get_state (connection->socket) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  bytes = g_bytes_new (text, length);
  soup_websocket_connection_send_message (connection->socket, SOUP_WEBSOCKET_DATA_TEXT, bytes);
}

static void
send_raw (Connection *connection,
          const char *data,
          gsize       length)
{
  if (g_utf8_validate (data, length, NULL))
    send_text (connection, data, length);
  else if (soup_websocket_connection_get_state (connection->socket) == SOUP_WEBSOCKET_STATE_OPEN)
    /* Bytes that are not UTF-8 can only travel as a binary frame. */
    soup_websocket_connection_send_binary (connection->socket, data, length);
}

static char *
to_json (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

static JsonObject *
new_event (StrayDevserver *self,
           const char     *type,
           const char     *cid)
{
  JsonObject *event = json_object_new ();
  g_autofree char *now = stray_dev_store_now (self->store);

  json_object_set_string_member (event, "type", type);
  if (cid != NULL)
    {
      const char *colon = strchr (cid, ':');
      g_autofree char *channel_type = g_strndup (cid, colon - cid);

      json_object_set_string_member (event, "cid", cid);
      json_object_set_string_member (event, "channel_type", channel_type);
      json_object_set_string_member (event, "channel_id", colon + 1);
    }
  json_object_set_string_member (event, "created_at", now);
  return event;
}

static void
set_user (StrayDevserver *self,
          JsonObject     *event,
          const char     *member,
          const char     *user_id)
{
  json_object_set_object_member (event, member,
                                 json_object_ref (stray_dev_store_ensure_user (self->store,
                                                                               user_id)));
}

/* The event as serialized once, with the recipient's own unread counts spliced in; most
 * recipients share their counts, so the last spliced text is kept for the next one. */
typedef struct {
  char *text;
  gsize length;
  gboolean with_counts;
  StrayDevUnread spliced_for;
  GBytes *spliced;
} Outgoing;

static void
outgoing_init (Outgoing   *outgoing,
               JsonObject *event,
               gboolean    with_counts)
{
  outgoing->text = to_json (event);
  outgoing->length = strlen (outgoing->text);
  outgoing->with_counts = with_counts;
  outgoing->spliced = NULL;
}

static void
outgoing_clear (Outgoing *outgoing)
{
  g_free (outgoing->text);
  g_clear_pointer (&outgoing->spliced, g_bytes_unref);
}

static void
outgoing_send (StrayDevserver *self,
               Outgoing       *outgoing,
               Connection     *connection)
{
  StrayDevUnread unread;

  if (soup_websocket_connection_get_state (connection->socket) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  if (!outgoing->with_counts)
    {
      send_text (connection, outgoing->text, outgoing->length);
      return;
    }

  unread = stray_dev_store_unread (self->store, connection->user_id);
  if (outgoing->spliced == NULL ||
      unread.total_unread_count != outgoing->spliced_for.total_unread_count ||
      unread.unread_channels != outgoing->spliced_for.unread_channels)
    {
      /* The serialized event ends with "}": the counts go in just before it. */
      char *text = g_strdup_printf ("%.*s,\"total_unread_count\":%u,\"unread_channels\":%u,"
                                    "\"unread_count\":%u}",
                                    (int) outgoing->length - 1, outgoing->text,
                                    unread.total_unread_count, unread.unread_channels,
                                    unread.total_unread_count);

      g_clear_pointer (&outgoing->spliced, g_bytes_unref);
      outgoing->spliced = g_bytes_new_take (text, strlen (text));
      outgoing->spliced_for = unread;
    }
  soup_websocket_connection_send_message (connection->socket, SOUP_WEBSOCKET_DATA_TEXT,
                                          outgoing->spliced);
}

static GPtrArray *
watchers_of (StrayDevserver *self,
             const char     *cid)
{
  return g_hash_table_lookup (self->watchers, cid);
}

static void
emit_to_watchers (StrayDevserver *self,
                  const char     *cid,
                  JsonObject     *event,
                  gboolean        with_counts)
{
  GPtrArray *watchers = watchers_of (self, cid);
  Outgoing outgoing;

  if (watchers == NULL || watchers->len == 0)
    return;
  outgoing_init (&outgoing, event, with_counts);
  for (guint i = 0; i < watchers->len; i++)
    outgoing_send (self, &outgoing, g_ptr_array_index (watchers, i));
  outgoing_clear (&outgoing);
}

static void
emit_to_user (StrayDevserver *self,
              const char     *user_id,
              JsonObject     *event,
              gboolean        with_counts)
{
  GPtrArray *connections = g_hash_table_lookup (self->by_user, user_id);
  Outgoing outgoing;

  if (connections == NULL || connections->len == 0)
    return;
  outgoing_init (&outgoing, event, with_counts);
  for (guint i = 0; i < connections->len; i++)
    outgoing_send (self, &outgoing, g_ptr_array_index (connections, i));
  outgoing_clear (&outgoing);
}

/* Members' connections that do not watch @cid: where notification.* events go. */
static void
emit_to_members_not_watching (StrayDevserver *self,
                              const char     *cid,
                              const char * const *member_ids,
                              const char     *except_user_id,
                              JsonObject     *event,
                              gboolean        with_counts)
{
  Outgoing outgoing;
  gboolean initialized = FALSE;

  for (guint i = 0; member_ids[i] != NULL; i++)
    {
      GPtrArray *connections;

      if (g_strcmp0 (member_ids[i], except_user_id) == 0 ||
          (connections = g_hash_table_lookup (self->by_user, member_ids[i])) == NULL)
        continue;
      for (guint j = 0; j < connections->len; j++)
        {
          Connection *connection = g_ptr_array_index (connections, j);

          if (g_hash_table_contains (connection->watching, cid))
            continue;
          if (!initialized)
            {
              outgoing_init (&outgoing, event, with_counts);
              initialized = TRUE;
            }
          outgoing_send (self, &outgoing, connection);
        }
    }
  if (initialized)
    outgoing_clear (&outgoing);
}

static guint
watcher_count (StrayDevserver *self,
               const char     *cid)
{
  GPtrArray *watchers = watchers_of (self, cid);
  g_autoptr(GHashTable) users = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; watchers != NULL && i < watchers->len; i++)
    g_hash_table_add (users, ((Connection *) g_ptr_array_index (watchers, i))->user_id);
  return g_hash_table_size (users);
}

static void
watch (StrayDevserver *self,
       Connection     *connection,
       const char     *cid)
{
  GPtrArray *watchers;
  g_autoptr(JsonObject) event = NULL;

  if (connection == NULL || g_hash_table_contains (connection->watching, cid))
    return;
  g_hash_table_add (connection->watching, g_strdup (cid));
  watchers = watchers_of (self, cid);
  if (watchers == NULL)
    {
      watchers = g_ptr_array_new ();
      g_hash_table_insert (self->watchers, g_strdup (cid), watchers);
    }
  g_ptr_array_add (watchers, connection);

  event = new_event (self, "user.watching.start", cid);
  set_user (self, event, "user", connection->user_id);
  json_object_set_int_member (event, "watcher_count", watcher_count (self, cid));
  emit_to_watchers (self, cid, event, FALSE);
}

static void
unwatch (StrayDevserver *self,
         Connection     *connection,
         const char     *cid,
         gboolean        announce)
{
  GPtrArray *watchers = watchers_of (self, cid);
  g_autoptr(JsonObject) event = NULL;

  if (watchers != NULL)
    g_ptr_array_remove (watchers, connection);
  g_hash_table_remove (connection->watching, cid);
  if (!announce || !stray_dev_store_has_channel (self->store, cid))
    return;

  event = new_event (self, "user.watching.stop", cid);
  set_user (self, event, "user", connection->user_id);
  json_object_set_int_member (event, "watcher_count", watcher_count (self, cid));
  emit_to_watchers (self, cid, event, FALSE);
}

/* ---- the socket ---- */

static JsonObject *
health_check (StrayDevserver *self,
              Connection     *connection)
{
  JsonObject *event = new_event (self, "health.check", NULL);

  json_object_set_string_member (event, "connection_id", connection->connection_id);
  json_object_set_string_member (event, "cid", "*");
  json_object_set_object_member (event, "me",
                                 stray_dev_store_own_user (self->store, connection->user_id));
  return event;
}

static void
send_health_check (StrayDevserver *self,
                   Connection     *connection)
{
  g_autoptr(JsonObject) event = health_check (self, connection);
  g_autofree char *text = to_json (event);

  send_text (connection, text, strlen (text));
}

static gboolean
on_health_interval (gpointer user_data)
{
  Connection *connection = user_data;

  if (!is_stalled (connection->server))
    send_health_check (connection->server, connection);
  return G_SOURCE_CONTINUE;
}

static void
connection_free (gpointer data)
{
  Connection *connection = data;

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
                   Connection     *connection)
{
  g_autoptr(GPtrArray) cids = hash_table_snapshot (connection->watching, TRUE);
  GPtrArray *connections = g_hash_table_lookup (self->by_user, connection->user_id);

  for (guint i = 0; i < cids->len; i++)
    {
      g_autofree char *cid = g_strdup (g_ptr_array_index (cids, i));

      unwatch (self, connection, cid, TRUE);
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
                  Connection              *connection)
{
  forget_connection (connection->server, connection);
}

/* What clients may send on the socket: pings, typing and custom events. */
static void
handle_client_event (StrayDevserver   *self,
                     Connection       *connection,
                     const StrayEvent *event)
{
  g_autoptr(JsonObject) outgoing = NULL;
  g_autoptr(GList) names = NULL;
  JsonObject *raw;

  if (event->type == STRAY_EVENT_HEALTH_CHECK)
    {
      if (!is_stalled (self))
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

  outgoing = new_event (self, event->type_name, event->cid);
  raw = json_node_get_object (event->root);
  names = json_object_get_members (raw);
  for (GList *l = names; l != NULL; l = l->next)
    if (!json_object_has_member (outgoing, l->data) && !g_str_equal (l->data, "user"))
      json_object_set_member (outgoing, l->data,
                              json_node_copy (json_object_get_member (raw, l->data)));
  set_user (self, outgoing, "user", connection->user_id);
  emit_to_watchers (self, event->cid, outgoing, FALSE);
}

static void
on_socket_message (G_GNUC_UNUSED SoupWebsocketConnection *socket,
                   gint                     type,
                   GBytes                  *message,
                   Connection              *connection)
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
          !JSON_NODE_HOLDS_ARRAY ((root = json_parser_get_root (parser))))
        {
          g_debug ("ignoring a malformed frame from %s", connection->user_id);
          return;
        }
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
  g_autoptr(JsonObject) event = new_event (self, "connection.error", NULL);
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
  text = to_json (event);

  g_debug ("refusing a socket: %s", message);
  soup_websocket_connection_send_text (socket, text);
  /* 1000 tells the SDK not to retry (docs/protocol-notes.md, "Handshake and errors"). */
  soup_websocket_connection_close (socket, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}

/* The user a token speaks for, or an error in Stream's terms. */
static char *
authenticate (StrayDevserver *self,
              const char     *api_key,
              const char     *auth_type,
              const char     *token,
              int            *out_code,
              char          **out_message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = NULL;
  const char *user_id;

  *out_code = 0;
  if (api_key == NULL || !g_str_equal (api_key, self->api_key))
    {
      *out_code = CODE_API_KEY;
      *out_message = g_strdup_printf ("api_key not valid");
      return NULL;
    }
  if (auth_type != NULL && !g_str_equal (auth_type, "jwt"))
    {
      *out_code = CODE_INPUT;
      *out_message = g_strdup ("stream-auth-type must be jwt: anonymous users are not enabled");
      return NULL;
    }
  if (token == NULL || *token == '\0')
    {
      *out_code = CODE_INPUT;
      *out_message = g_strdup ("JWTAuth error: the authorization token is missing");
      return NULL;
    }
  claims = stray_jwt_verify (token, self->secret, self->allow_dev_tokens,
                             g_get_real_time () / G_USEC_PER_SEC, &error);
  if (claims == NULL)
    {
      *out_code = error->code;
      *out_message = g_strdup (error->message);
      return NULL;
    }
  user_id = stray_json_string (claims, "user_id");
  return g_strdup (user_id != NULL ? user_id : "");
}

static void
on_socket (G_GNUC_UNUSED SoupServer *server,
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
  Connection *connection;
  GPtrArray *connections;
  int code;

  query = g_uri_get_query (uri) != NULL
          ? g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, NULL)
          : NULL;
  if (query == NULL)
    query = g_hash_table_new (g_str_hash, g_str_equal);

  user_id = authenticate (self, g_hash_table_lookup (query, "api_key"),
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
      !JSON_NODE_HOLDS_OBJECT ((root = json_parser_get_root (parser))))
    {
      refuse_socket (self, socket, CODE_INPUT,
                     "WS request failed: the json parameter must be a JSON object");
      return;
    }
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

  connection = g_new0 (Connection, 1);
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

  /* Client frames are small; a large one is a fault, and the socket closes with 1009. */
  soup_websocket_connection_set_max_incoming_payload_size (socket, 64 * 1024);
  g_signal_connect (socket, "message", G_CALLBACK (on_socket_message), connection);
  g_signal_connect (socket, "closed", G_CALLBACK (on_socket_closed), connection);

  g_debug ("connection %s for %s", connection->connection_id, connection->user_id);
  send_health_check (self, connection);
  if (self->health_interval > 0)
    connection->health_id = g_timeout_add_seconds (self->health_interval, on_health_interval,
                                                   connection);
}

/* ---- REST plumbing ---- */

static void
respond (SoupServerMessage *msg,
         guint              status,
         JsonObject        *body)
{
  g_autofree char *text = NULL;

  if (!json_object_has_member (body, "duration"))
    json_object_set_string_member (body, "duration", "0.10ms");
  text = to_json (body);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&text), strlen (text));
}

static gboolean
respond_error (SoupServerMessage *msg,
               guint              status,
               int                code,
               const char        *format,
               ...) G_GNUC_PRINTF (4, 5);

static gboolean
respond_error (SoupServerMessage *msg,
               guint              status,
               int                code,
               const char        *format,
               ...)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  json_object_set_int_member (body, "code", code);
  json_object_set_string_member (body, "message", message);
  json_object_set_int_member (body, "StatusCode", status);
  json_object_set_string_member (body, "duration", "0.10ms");
  json_object_set_string_member (body, "more_info",
                                 "https://getstream.io/chat/docs/api_errors_response");
  json_object_set_array_member (body, "details", json_array_new ());
  respond (msg, status, body);
  return FALSE;
}

static guint
status_for_code (int code)
{
  switch (code)
    {
    case CODE_NOT_FOUND:
      return SOUP_STATUS_NOT_FOUND;
    case CODE_NOT_ALLOWED:
      return SOUP_STATUS_FORBIDDEN;
    case CODE_API_KEY:
    case 40:
    case 41:
    case 42:
    case 43:
      return SOUP_STATUS_UNAUTHORIZED;
    default:
      return SOUP_STATUS_BAD_REQUEST;
    }
}

static gboolean
respond_store_error (Request *request,
                     GError  *error)
{
  return respond_error (request->msg, status_for_code (error->code), error->code, "%s",
                        error->message);
}

static void
respond_ok (Request    *request,
            JsonObject *body)
{
  g_autoptr(JsonObject) empty = NULL;

  if (body == NULL)
    body = empty = json_object_new ();
  respond (request->msg, SOUP_STATUS_CREATED, body);
}

static const char *
query_param (Request    *request,
             const char *name)
{
  return request->query != NULL ? g_hash_table_lookup (request->query, name) : NULL;
}

/* The user a call acts for: the token's, or for the server-side client the one it names. */
static const char *
acting_user (Request    *request,
             const char *named)
{
  if (request->user_id != NULL)
    return request->user_id;
  if (named != NULL)
    return named;
  return query_param (request, "user_id");
}

static char *
cid_of (Request *request,
        guint    type_index)
{
  return g_strconcat (request->segments[type_index], ":", request->segments[type_index + 1],
                      NULL);
}

static gboolean
require_channel (Request    *request,
                 const char *cid)
{
  if (stray_dev_store_has_channel (request->self->store, cid))
    return TRUE;
  return respond_error (request->msg, SOUP_STATUS_NOT_FOUND, CODE_NOT_FOUND,
                        "Channel \"%s\" does not exist", cid);
}

/* Users may act on channels they are members of; the server-side client on any. */
static gboolean
require_member (Request    *request,
                const char *cid,
                const char *user_id)
{
  if (!require_channel (request, cid))
    return FALSE;
  if (user_id == NULL)
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "user_id is required for server-side calls");
  if (request->user_id == NULL ||
      stray_dev_store_is_member (request->self->store, cid, user_id))
    return TRUE;
  return respond_error (request->msg, SOUP_STATUS_FORBIDDEN, CODE_NOT_ALLOWED,
                        "User '%s' is not a member of channel '%s'", user_id, cid);
}

static gboolean
require_server (Request *request)
{
  if (request->user_id == NULL)
    return TRUE;
  return respond_error (request->msg, SOUP_STATUS_FORBIDDEN, CODE_NOT_ALLOWED,
                        "this call needs a server-side token");
}

static GStrv
member_ids_of (JsonArray *members)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; members != NULL && i < json_array_get_length (members); i++)
    {
      JsonNode *element = json_array_get_element (members, i);

      if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
        g_strv_builder_add (builder, json_node_get_string (element));
      else if (JSON_NODE_HOLDS_OBJECT (element) &&
               stray_json_string (json_node_get_object (element), "user_id") != NULL)
        g_strv_builder_add (builder,
                            stray_json_string (json_node_get_object (element), "user_id"));
      else
        return NULL;
    }
  return g_strv_builder_end (builder);
}

/* ---- events the REST calls cause ---- */

static void
emit_message_event (StrayDevserver *self,
                    const char     *type,
                    const char     *cid,
                    JsonObject     *message,
                    const char     *user_id)
{
  g_autoptr(JsonObject) event = new_event (self, type, cid);

  json_object_set_string_member (event, "message_id", stray_json_string (message, "id"));
  json_object_set_object_member (event, "message", json_object_ref (message));
  if (user_id != NULL)
    set_user (self, event, "user", user_id);
  emit_to_watchers (self, cid, event, FALSE);
}

static void
emit_channel_event (StrayDevserver *self,
                    const char     *type,
                    const char     *cid,
                    const char     *user_id)
{
  g_autoptr(JsonObject) event = new_event (self, type, cid);

  json_object_set_object_member (event, "channel",
                                 stray_dev_store_channel_json (self->store, cid, NULL));
  if (user_id != NULL)
    set_user (self, event, "user", user_id);
  emit_to_watchers (self, cid, event, FALSE);
}

static void
emit_added_to_channel (StrayDevserver *self,
                       const char     *cid,
                       const char     *user_id)
{
  g_autoptr(JsonObject) event = new_event (self, "notification.added_to_channel", cid);

  json_object_set_object_member (event, "channel",
                                 stray_dev_store_channel_json (self->store, cid, user_id));
  json_object_set_object_member (event, "member",
                                 stray_dev_store_member_json (self->store, cid, user_id));
  emit_to_user (self, user_id, event, TRUE);
}

static void
emit_mutes_updated (StrayDevserver *self,
                    const char     *user_id,
                    const char     *cid,
                    gboolean        muted)
{
  g_autoptr(JsonObject) updated = new_event (self, "notification.channel_mutes_updated", NULL);
  g_autoptr(JsonObject) event = new_event (self, muted ? "channel.muted" : "channel.unmuted",
                                           cid);

  json_object_set_object_member (updated, "me", stray_dev_store_own_user (self->store, user_id));
  emit_to_user (self, user_id, updated, FALSE);
  set_user (self, event, "user", user_id);
  emit_to_user (self, user_id, event, FALSE);
}

static void
emit_read (StrayDevserver *self,
           const char     *cid,
           const char     *user_id,
           JsonObject     *read)
{
  g_autoptr(JsonObject) event = new_event (self, "message.read", cid);
  g_autoptr(JsonObject) notification = new_event (self, "notification.mark_read", cid);
  const char *last_read_message_id = stray_json_string (read, "last_read_message_id");

  set_user (self, event, "user", user_id);
  if (last_read_message_id != NULL)
    json_object_set_string_member (event, "last_read_message_id", last_read_message_id);
  emit_to_watchers (self, cid, event, FALSE);

  set_user (self, notification, "user", user_id);
  if (last_read_message_id != NULL)
    json_object_set_string_member (notification, "last_read_message_id", last_read_message_id);
  emit_to_user (self, user_id, notification, TRUE);
}

/**
 * stray_devserver_inject:
 * @user_id: whose sockets get the frame
 * @frame: raw bytes, JSON or not, UTF-8 or not, of any size
 *
 * What /_dev/inject does, for tests in this process that need frames larger than a request
 * body may be.
 *
 * Returns: how many sockets it was written to
 */
guint
stray_devserver_inject (StrayDevserver *self,
                        const char     *user_id,
                        const char     *frame,
                        gsize           length)
{
  GPtrArray *connections;

  g_return_val_if_fail (STRAY_IS_DEVSERVER (self), 0);
  g_return_val_if_fail (user_id != NULL && frame != NULL, 0);

  connections = g_hash_table_lookup (self->by_user, user_id);
  for (guint i = 0; connections != NULL && i < connections->len; i++)
    send_raw (g_ptr_array_index (connections, i), frame, length);
  return connections != NULL ? connections->len : 0;
}

/**
 * stray_devserver_send_message:
 * @cid: the channel
 * @user_id: the author, a member
 * @message: text and options as a client sends them
 *
 * Stores the message and tells everyone: message.new to the channel's watchers,
 * notification.message_new to members who do not watch it, each with their own counts.
 *
 * Returns: (transfer none) (nullable): the message as stored
 */
JsonObject *
stray_devserver_send_message (StrayDevserver *self,
                              const char     *cid,
                              const char     *user_id,
                              JsonObject     *message,
                              GError        **error)
{
  JsonObject *stored;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonObject) notification = NULL;
  g_auto(GStrv) members = NULL;

  g_return_val_if_fail (STRAY_IS_DEVSERVER (self), NULL);

  stored = stray_dev_store_add_message (self->store, cid, user_id, message, error);
  if (stored == NULL)
    return NULL;
  members = stray_dev_store_member_ids (self->store, cid);

  event = new_event (self, "message.new", cid);
  json_object_set_string_member (event, "message_id", stray_json_string (stored, "id"));
  json_object_set_object_member (event, "message", json_object_ref (stored));
  set_user (self, event, "user", user_id);
  json_object_set_int_member (event, "watcher_count", watcher_count (self, cid));
  json_object_set_int_member (event, "channel_member_count", g_strv_length (members));
  emit_to_watchers (self, cid, event, TRUE);

  notification = new_event (self, "notification.message_new", cid);
  json_object_set_string_member (notification, "message_id", stray_json_string (stored, "id"));
  json_object_set_object_member (notification, "message", json_object_ref (stored));
  json_object_set_object_member (notification, "channel",
                                 stray_dev_store_channel_json (self->store, cid, NULL));
  json_object_set_int_member (notification, "channel_member_count", g_strv_length (members));
  emit_to_members_not_watching (self, cid, (const char * const *) members, user_id,
                                notification, TRUE);
  return stored;
}

/**
 * stray_devserver_create_channel:
 *
 * Creates a channel and tells its members (notification.added_to_channel).
 *
 * Returns: %TRUE if it was created, %FALSE (without error) if it existed
 */
gboolean
stray_devserver_create_channel (StrayDevserver     *self,
                                const char         *type,
                                const char         *id,
                                const char         *created_by_id,
                                const char * const *member_ids,
                                JsonObject         *data,
                                GError            **error)
{
  g_autofree char *cid = g_strconcat (type, ":", id, NULL);

  if (!stray_dev_store_create_channel (self->store, type, id, created_by_id, member_ids, data,
                                       error))
    return FALSE;
  for (guint i = 0; member_ids != NULL && member_ids[i] != NULL; i++)
    if (!g_str_equal (member_ids[i], created_by_id))
      emit_added_to_channel (self, cid, member_ids[i]);
  return TRUE;
}

/* ---- REST handlers ---- */

static JsonObject *
channel_state (Request    *request,
               const char *cid,
               const char *user_id,
               guint       message_limit)
{
  return stray_dev_store_channel_state (request->self->store, cid, user_id, message_limit,
                                        watcher_count (request->self, cid));
}

static guint
message_limit_of (JsonObject *body)
{
  JsonObject *messages = stray_json_object (body, "messages");
  gint64 limit = stray_json_int (messages, "limit", stray_json_int (body, "message_limit", 25));

  return (guint) CLAMP (limit, 0, 300);
}

static gboolean
handle_query_channels (Request *request)
{
  StrayDevserver *self = request->self;
  JsonObject *filter = stray_json_object (request->body, "filter_conditions");
  JsonNode *sort_node = json_object_get_member (request->body, "sort");
  const char *user_id = acting_user (request, stray_json_string (request->body, "user_id"));
  gint64 limit = stray_json_int (request->body, "limit", 10);
  gint64 offset = stray_json_int (request->body, "offset", 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) cids = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  JsonArray *channels;

  if (filter == NULL)
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "QueryChannels failed: filter_conditions must be an object");
  if (sort_node != NULL && !JSON_NODE_HOLDS_ARRAY (sort_node) && !JSON_NODE_HOLDS_NULL (sort_node))
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "QueryChannels failed: sort must be a list");
  if (limit < 0 || limit > MAX_QUERY_LIMIT || offset < 0)
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "QueryChannels failed: limit must be between 0 and %d, offset ≥ 0",
                          MAX_QUERY_LIMIT);

  cids = stray_dev_store_query_channels (self->store, user_id, filter,
                                         sort_node != NULL && JSON_NODE_HOLDS_ARRAY (sort_node)
                                         ? json_node_get_array (sort_node) : NULL,
                                         (guint) limit, (guint) offset, &error);
  if (cids == NULL)
    return respond_store_error (request, error);

  channels = json_array_new ();
  for (guint i = 0; i < cids->len; i++)
    {
      const char *cid = g_ptr_array_index (cids, i);

      if (stray_json_boolean (request->body, "watch", FALSE))
        watch (self, request->connection, cid);
      json_array_add_object_element (channels, channel_state (request, cid, user_id,
                                                              message_limit_of (request->body)));
    }
  json_object_set_array_member (response, "channels", channels);
  respond_ok (request, response);
  return TRUE;
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* A channel without an id is named after its members, as Stream does for distinct channels. */
static char *
distinct_channel_id (const char * const *member_ids)
{
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA1);

  for (guint i = 0; member_ids[i] != NULL; i++)
    g_ptr_array_add (sorted, (gpointer) member_ids[i]);
  g_ptr_array_sort (sorted, compare_strings);
  for (guint i = 0; i < sorted->len; i++)
    {
      g_checksum_update (checksum, g_ptr_array_index (sorted, i), -1);
      g_checksum_update (checksum, (const guchar *) ",", 1);
    }
  return g_strdup_printf ("!members-%.32s", g_checksum_get_string (checksum));
}

static gboolean
handle_channel_query (Request *request)
{
  StrayDevserver *self = request->self;
  const char *type = request->segments[1];
  JsonObject *data = stray_json_object (request->body, "data");
  JsonNode *data_node = json_object_get_member (request->body, "data");
  const char *created_by_id = stray_json_string (data, "created_by_id");
  g_autofree char *id = NULL;
  g_autofree char *cid = NULL;
  g_auto(GStrv) members = NULL;
  g_autoptr(GError) error = NULL;
  const char *user_id;
  JsonObject *response;

  if (data_node != NULL && data == NULL && !JSON_NODE_HOLDS_NULL (data_node))
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "data must be an object");
  if (created_by_id == NULL)
    created_by_id = stray_json_string (stray_json_object (data, "created_by"), "id");
  user_id = acting_user (request, created_by_id);

  members = member_ids_of (stray_json_array (data, "members"));
  if (data != NULL && json_object_has_member (data, "members") && members == NULL)
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "data.members must be a list of user ids or {user_id} objects");

  if (request->n_segments == 4)
    id = g_strdup (request->segments[2]);
  else
    {
      if (members == NULL || members[0] == NULL)
        return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "a channel without id needs data.members");
      id = distinct_channel_id ((const char * const *) members);
    }
  cid = g_strconcat (type, ":", id, NULL);

  if (!stray_dev_store_has_channel (self->store, cid))
    {
      g_auto(GStrv) with_creator = NULL;

      if (user_id == NULL)
        return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "either data.created_by or data.created_by_id must be provided");
      if (members == NULL || members[0] == NULL)
        {
          /* A user creating a channel alone is its first member. */
          with_creator = g_new0 (char *, 2);
          with_creator[0] = g_strdup (user_id);
        }
      if (!stray_devserver_create_channel (self, type, id, user_id,
                                           (const char * const *) (with_creator ? with_creator
                                                                                : members),
                                           data, &error) && error != NULL)
        return respond_store_error (request, error);
    }
  else if (request->user_id != NULL &&
           !stray_dev_store_is_member (self->store, cid, request->user_id) &&
           g_str_has_prefix (id, "!members-"))
    return respond_error (request->msg, SOUP_STATUS_FORBIDDEN, CODE_NOT_ALLOWED,
                          "User '%s' is not a member of channel '%s'", request->user_id, cid);

  if (stray_json_boolean (request->body, "watch", FALSE))
    watch (self, request->connection, cid);
  response = channel_state (request, cid, request->user_id, message_limit_of (request->body));
  respond_ok (request, response);
  json_object_unref (response);
  return TRUE;
}

static gboolean
handle_channel_update (Request *request)
{
  StrayDevserver *self = request->self;
  g_autofree char *cid = cid_of (request, 1);
  JsonObject *data = stray_json_object (request->body, "data");
  JsonNode *add = json_object_get_member (request->body, "add_members");
  JsonNode *remove = json_object_get_member (request->body, "remove_members");
  JsonObject *message = stray_json_object (request->body, "message");
  g_auto(GStrv) added = NULL;
  g_auto(GStrv) removed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  const char *user_id = acting_user (request, stray_json_string (message, "user_id"));
  gboolean was_frozen = FALSE;

  if (!require_channel (request, cid))
    return FALSE;
  if (request->user_id != NULL && !require_member (request, cid, request->user_id))
    return FALSE;
  if ((add != NULL && (added = member_ids_of (stray_json_array (request->body,
                                                                "add_members"))) == NULL) ||
      (remove != NULL && (removed = member_ids_of (stray_json_array (request->body,
                                                                     "remove_members"))) == NULL))
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "add_members and remove_members must be lists of user ids");
  if (data == NULL && added == NULL && removed == NULL)
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "UpdateChannel needs data, add_members or remove_members");

  {
    g_autoptr(JsonObject) before = stray_dev_store_channel_json (self->store, cid, NULL);

    was_frozen = stray_json_boolean (before, "frozen", FALSE);
  }

  if (data != NULL)
    {
      gboolean frozen;

      stray_dev_store_update_channel (self->store, cid, data, NULL);
      emit_channel_event (self, "channel.updated", cid, user_id);
      frozen = stray_json_boolean (data, "frozen", was_frozen);
      if (frozen != was_frozen)
        emit_channel_event (self, frozen ? "channel.frozen" : "channel.unfrozen", cid, NULL);
    }
  if (added != NULL)
    {
      if (!stray_dev_store_add_members (self->store, cid, (const char * const *) added, &error))
        return respond_store_error (request, error);
      for (guint i = 0; added[i] != NULL; i++)
        {
          g_autoptr(JsonObject) event = new_event (self, "member.added", cid);

          json_object_set_object_member (event, "member",
                                         stray_dev_store_member_json (self->store, cid,
                                                                      added[i]));
          set_user (self, event, "user", added[i]);
          emit_to_watchers (self, cid, event, FALSE);
          emit_added_to_channel (self, cid, added[i]);
        }
    }
  if (removed != NULL)
    {
      for (guint i = 0; removed[i] != NULL; i++)
        {
          g_autoptr(JsonObject) event = new_event (self, "member.removed", cid);
          g_autoptr(JsonObject) notification = NULL;
          JsonObject *member = stray_dev_store_member_json (self->store, cid, removed[i]);

          if (member == NULL)
            continue;
          notification = new_event (self, "notification.removed_from_channel", cid);
          json_object_set_object_member (notification, "channel",
                                         stray_dev_store_channel_json (self->store, cid, NULL));
          json_object_set_object_member (notification, "member", json_object_ref (member));
          set_user (self, notification, "user", removed[i]);
          json_object_set_object_member (event, "member", member);
          set_user (self, event, "user", removed[i]);

          emit_to_watchers (self, cid, event, FALSE);
          emit_to_user (self, removed[i], notification, TRUE);
        }
      stray_dev_store_remove_members (self->store, cid, (const char * const *) removed, NULL);
      /* Whoever is no longer a member stops watching with all their connections. */
      for (guint i = 0; removed[i] != NULL; i++)
        {
          GPtrArray *connections = g_hash_table_lookup (self->by_user, removed[i]);

          for (guint j = 0; connections != NULL && j < connections->len; j++)
            unwatch (self, g_ptr_array_index (connections, j), cid, FALSE);
        }
    }

  if (message != NULL && user_id != NULL &&
      stray_dev_store_is_member (self->store, cid, user_id))
    {
      JsonObject *stored = stray_devserver_send_message (self, cid, user_id, message, NULL);

      if (stored != NULL)
        json_object_set_object_member (response, "message", json_object_ref (stored));
    }

  json_object_set_object_member (response, "channel",
                                 stray_dev_store_channel_json (self->store, cid,
                                                               request->user_id));
  {
    g_autoptr(JsonObject) state = channel_state (request, cid, request->user_id, 0);

    json_object_set_member (response, "members",
                            json_node_copy (json_object_get_member (state, "members")));
  }
  respond_ok (request, response);
  return TRUE;
}

static void
stop_all_watching (StrayDevserver *self,
                   const char     *cid)
{
  GPtrArray *watchers = watchers_of (self, cid);

  while (watchers != NULL && watchers->len > 0)
    unwatch (self, g_ptr_array_index (watchers, 0), cid, FALSE);
  g_hash_table_remove (self->watchers, cid);
}

static gboolean
handle_channel_delete (Request *request)
{
  StrayDevserver *self = request->self;
  g_autofree char *cid = cid_of (request, 1);
  g_autoptr(JsonObject) channel = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonObject) notification = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  g_auto(GStrv) members = NULL;

  if (!require_channel (request, cid))
    return FALSE;
  if (request->user_id != NULL)
    {
      g_autoptr(JsonObject) current = stray_dev_store_channel_json (self->store, cid, NULL);
      JsonObject *created_by = stray_json_object (current, "created_by");

      if (g_strcmp0 (stray_json_string (created_by, "id"), request->user_id) != 0)
        return respond_error (request->msg, SOUP_STATUS_FORBIDDEN, CODE_NOT_ALLOWED,
                              "only the creator or the server may delete channel '%s'", cid);
    }

  channel = stray_dev_store_channel_json (self->store, cid, NULL);
  members = stray_dev_store_member_ids (self->store, cid);
  {
    g_autofree char *now = stray_dev_store_now (self->store);

    json_object_set_string_member (channel, "deleted_at", now);
  }

  event = new_event (self, "channel.deleted", cid);
  json_object_set_object_member (event, "channel", json_object_ref (channel));
  notification = new_event (self, "notification.channel_deleted", cid);
  json_object_set_object_member (notification, "channel", json_object_ref (channel));
  emit_to_watchers (self, cid, event, FALSE);
  emit_to_members_not_watching (self, cid, (const char * const *) members, NULL, notification,
                                FALSE);

  stop_all_watching (self, cid);
  stray_dev_store_delete_channel (self->store, cid, NULL);
  json_object_set_object_member (response, "channel", g_steal_pointer (&channel));
  respond_ok (request, response);
  return TRUE;
}

static gboolean
handle_send_message (Request *request)
{
  StrayDevserver *self = request->self;
  g_autofree char *cid = cid_of (request, 1);
  JsonObject *message = stray_json_object (request->body, "message");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  const char *user_id;
  JsonObject *stored;

  if (message == NULL)
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "SendMessage failed: message must be an object");
  if (json_object_has_member (message, "text") && stray_json_string (message, "text") == NULL)
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "SendMessage failed: message.text must be a string");
  user_id = acting_user (request, stray_json_string (message, "user_id")
                                  ?: stray_json_string (stray_json_object (message, "user"),
                                                        "id"));
  if (!require_member (request, cid, user_id))
    return FALSE;

  stored = stray_devserver_send_message (self, cid, user_id, message, &error);
  if (stored == NULL)
    return respond_store_error (request, error);
  json_object_set_object_member (response, "message", json_object_ref (stored));
  respond_ok (request, response);
  return TRUE;
}

static gboolean
handle_mark_read (Request *request)
{
  StrayDevserver *self = request->self;
  g_autofree char *cid = cid_of (request, 1);
  const char *user_id = acting_user (request, stray_json_string (request->body, "user_id"));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) read = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  g_autoptr(JsonObject) event = NULL;

  if (!require_member (request, cid, user_id))
    return FALSE;
  read = stray_dev_store_mark_read (self->store, cid, user_id,
                                    stray_json_string (request->body, "message_id"), &error);
  if (read == NULL)
    return respond_store_error (request, error);
  emit_read (self, cid, user_id, read);

  event = new_event (self, "message.read", cid);
  set_user (self, event, "user", user_id);
  json_object_set_object_member (response, "event", g_steal_pointer (&event));
  respond_ok (request, response);
  return TRUE;
}

static gboolean
handle_mark_unread (Request *request)
{
  StrayDevserver *self = request->self;
  g_autofree char *cid = cid_of (request, 1);
  const char *user_id = acting_user (request, stray_json_string (request->body, "user_id"));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) read = NULL;
  g_autoptr(JsonObject) event = NULL;

  if (!require_member (request, cid, user_id))
    return FALSE;
  read = stray_dev_store_mark_unread (self->store, cid, user_id,
                                      stray_json_string (request->body, "message_id"), &error);
  if (read == NULL)
    return respond_store_error (request, error);

  event = new_event (self, "notification.mark_unread", cid);
  set_user (self, event, "user", user_id);
  json_object_set_int_member (event, "unread_messages",
                              stray_json_int (read, "unread_messages", 0));
  json_object_set_string_member (event, "first_unread_message_id",
                                 stray_json_string (read, "first_unread_message_id"));
  if (stray_json_string (read, "last_read_message_id") != NULL)
    json_object_set_string_member (event, "last_read_message_id",
                                   stray_json_string (read, "last_read_message_id"));
  json_object_set_string_member (event, "last_read_at", stray_json_string (read, "last_read"));
  emit_to_user (self, user_id, event, TRUE);
  respond_ok (request, NULL);
  return TRUE;
}

static gboolean
handle_mark_all_read (Request *request)
{
  StrayDevserver *self = request->self;
  const char *user_id = acting_user (request, stray_json_string (request->body, "user_id"));
  g_auto(GStrv) cids = NULL;
  g_autoptr(JsonObject) notification = NULL;

  if (user_id == NULL)
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "user_id is required for server-side calls");
  cids = stray_dev_store_user_channels (self->store, user_id);
  for (guint i = 0; cids[i] != NULL; i++)
    {
      g_autoptr(JsonObject) read = NULL;
      g_autoptr(JsonObject) event = NULL;

      if (stray_dev_store_channel_unread (self->store, cids[i], user_id) == 0)
        continue;
      read = stray_dev_store_mark_read (self->store, cids[i], user_id, NULL, NULL);
      event = new_event (self, "message.read", cids[i]);
      set_user (self, event, "user", user_id);
      emit_to_watchers (self, cids[i], event, FALSE);
    }

  notification = new_event (self, "notification.mark_read", NULL);
  set_user (self, notification, "user", user_id);
  emit_to_user (self, user_id, notification, TRUE);
  respond_ok (request, NULL);
  return TRUE;
}

static gboolean
handle_unread (Request *request)
{
  const char *user_id = acting_user (request, NULL);
  g_autoptr(JsonObject) response = NULL;

  if (user_id == NULL)
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "user_id is required for server-side calls");
  response = stray_dev_store_unread_response (request->self->store, user_id);
  respond (request->msg, SOUP_STATUS_OK, response);
  return TRUE;
}

static gboolean
handle_mute_channel (Request *request)
{
  StrayDevserver *self = request->self;
  gboolean muted = g_str_equal (request->segments[1], "mute");
  const char *user_id = acting_user (request, stray_json_string (request->body, "user_id"));
  const char *single = stray_json_string (request->body, "channel_cid");
  g_auto(GStrv) cids = single != NULL ? g_strdupv ((char *[]) { (char *) single, NULL })
                                      : stray_json_strv (stray_json_array (request->body,
                                                                            "channel_cids"));
  gint64 expiration = stray_json_int (request->body, "expiration", 0);
  g_autoptr(JsonObject) response = json_object_new ();
  g_autoptr(GError) error = NULL;

  if (cids == NULL || cids[0] == NULL)
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "channel_cid or channel_cids is required");
  if (expiration < 0)
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "expiration must be a positive number of milliseconds");
  for (guint i = 0; cids[i] != NULL; i++)
    if (!require_member (request, cids[i], user_id))
      return FALSE;

  for (guint i = 0; cids[i] != NULL; i++)
    {
      if (!stray_dev_store_set_channel_muted (self->store, user_id, cids[i], muted, expiration,
                                              &error))
        return respond_store_error (request, error);
      emit_mutes_updated (self, user_id, cids[i], muted);
    }

  if (muted)
    {
      JsonArray *mutes = stray_dev_store_channel_mutes (self->store, user_id);

      for (guint i = 0; i < json_array_get_length (mutes); i++)
        {
          JsonObject *mute = json_array_get_object_element (mutes, i);

          if (g_strcmp0 (stray_json_string (stray_json_object (mute, "channel"), "cid"),
                         cids[0]) == 0)
            json_object_set_object_member (response, "channel_mute", json_object_ref (mute));
        }
      json_object_set_array_member (response, "channel_mutes", mutes);
      json_object_set_object_member (response, "own_user",
                                     stray_dev_store_own_user (self->store, user_id));
    }
  respond_ok (request, response);
  return TRUE;
}

static gboolean
handle_send_event (Request *request)
{
  StrayDevserver *self = request->self;
  g_autofree char *cid = cid_of (request, 1);
  JsonObject *body_event = stray_json_object (request->body, "event");
  const char *type = stray_json_string (body_event, "type");
  const char *user_id = acting_user (request, stray_json_string (body_event, "user_id")
                                              ?: stray_json_string (stray_json_object (body_event,
                                                                                       "user"),
                                                                    "id"));
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  g_autoptr(GList) names = NULL;
  StrayEventType known;

  if (type == NULL || *type == '\0')
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "SendEvent failed: event.type is required");
  known = stray_event_type_from_string (type);
  if (known != STRAY_EVENT_CUSTOM && known != STRAY_EVENT_TYPING_START &&
      known != STRAY_EVENT_TYPING_STOP)
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "SendEvent failed: event type \"%s\" is reserved", type);
  if (!require_member (request, cid, user_id))
    return FALSE;

  event = new_event (self, type, cid);
  names = json_object_get_members (body_event);
  for (GList *l = names; l != NULL; l = l->next)
    if (!json_object_has_member (event, l->data) && !g_str_equal (l->data, "user") &&
        !g_str_equal (l->data, "user_id"))
      json_object_set_member (event, l->data,
                              json_node_copy (json_object_get_member (body_event, l->data)));
  set_user (self, event, "user", user_id);
  emit_to_watchers (self, cid, event, FALSE);
  json_object_set_object_member (response, "event", g_steal_pointer (&event));
  respond_ok (request, response);
  return TRUE;
}

static gboolean
handle_hide_show (Request *request)
{
  StrayDevserver *self = request->self;
  g_autofree char *cid = cid_of (request, 1);
  gboolean hide = g_str_equal (request->segments[3], "hide");
  const char *user_id = acting_user (request, stray_json_string (request->body, "user_id"));
  gboolean clear = stray_json_boolean (request->body, "clear_history", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) event = NULL;

  if (!require_member (request, cid, user_id))
    return FALSE;
  if (!stray_dev_store_set_hidden (self->store, cid, user_id, hide, clear, &error))
    return respond_store_error (request, error);

  event = new_event (self, hide ? "channel.hidden" : "channel.visible", cid);
  set_user (self, event, "user", user_id);
  json_object_set_object_member (event, "channel",
                                 stray_dev_store_channel_json (self->store, cid, user_id));
  if (hide)
    json_object_set_boolean_member (event, "clear_history", clear);
  emit_to_user (self, user_id, event, FALSE);
  respond_ok (request, NULL);
  return TRUE;
}

static gboolean
handle_stop_watching (Request *request)
{
  g_autofree char *cid = cid_of (request, 1);

  if (!require_channel (request, cid))
    return FALSE;
  if (request->connection != NULL)
    unwatch (request->self, request->connection, cid, TRUE);
  respond_ok (request, NULL);
  return TRUE;
}

static gboolean
handle_truncate (Request *request)
{
  StrayDevserver *self = request->self;
  g_autofree char *cid = cid_of (request, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonObject) notification = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  g_auto(GStrv) members = NULL;
  JsonObject *channel;

  if (!require_channel (request, cid))
    return FALSE;
  if (request->user_id != NULL && !require_member (request, cid, request->user_id))
    return FALSE;
  if (stray_dev_store_truncate_channel (self->store, cid, &error) == NULL)
    return respond_store_error (request, error);

  members = stray_dev_store_member_ids (self->store, cid);
  channel = stray_dev_store_channel_json (self->store, cid, NULL);
  event = new_event (self, "channel.truncated", cid);
  json_object_set_object_member (event, "channel", json_object_ref (channel));
  emit_to_watchers (self, cid, event, FALSE);
  notification = new_event (self, "notification.channel_truncated", cid);
  json_object_set_object_member (notification, "channel", json_object_ref (channel));
  emit_to_members_not_watching (self, cid, (const char * const *) members, NULL, notification,
                                TRUE);
  json_object_set_object_member (response, "channel", channel);
  respond_ok (request, response);
  return TRUE;
}

static gboolean
handle_upsert_users (Request *request)
{
  StrayDevserver *self = request->self;
  JsonObject *users = stray_json_object (request->body, "users");
  g_autoptr(JsonObject) response = json_object_new ();
  JsonObject *stored_users = json_object_new ();
  g_autoptr(GList) ids = NULL;

  json_object_set_object_member (response, "users", stored_users);
  if (!require_server (request))
    return FALSE;
  if (users == NULL)
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "UpdateUsers failed: users must be an object keyed by user id");

  ids = json_object_get_members (users);
  for (GList *l = ids; l != NULL; l = l->next)
    {
      JsonObject *user = stray_json_object (users, l->data);
      g_autoptr(GError) error = NULL;
      JsonObject *stored;

      if (user == NULL || g_strcmp0 (stray_json_string (user, "id"), l->data) != 0)
        return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "UpdateUsers failed: users.%s must be a user whose id is %s",
                              (char *) l->data, (char *) l->data);
      stored = stray_dev_store_upsert_user (self->store, user, &error);
      if (stored == NULL)
        return respond_store_error (request, error);
      json_object_set_object_member (stored_users, l->data, json_object_ref (stored));
    }

  for (GList *l = ids; l != NULL; l = l->next)
    {
      g_autoptr(JsonObject) event = new_event (self, "user.updated", NULL);
      GHashTableIter iter;
      gpointer value;
      Outgoing outgoing;

      /* Everyone connected hears of it: this small server keeps no presence lists. */
      set_user (self, event, "user", l->data);
      outgoing_init (&outgoing, event, FALSE);
      g_hash_table_iter_init (&iter, self->connections);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        outgoing_send (self, &outgoing, value);
      outgoing_clear (&outgoing);
    }
  respond_ok (request, response);
  return TRUE;
}

/* The author of a message may change it; the server-side client may change any. */
static JsonObject *
own_message (Request    *request,
             const char *message_id,
             const char **out_cid)
{
  JsonObject *message = stray_dev_store_lookup_message (request->self->store, message_id,
                                                        out_cid);
  JsonObject *author;

  if (message == NULL)
    {
      respond_error (request->msg, SOUP_STATUS_NOT_FOUND, CODE_NOT_FOUND,
                     "Message with id '%s' doesn't exist", message_id);
      return NULL;
    }
  author = stray_json_object (message, "user");
  if (request->user_id != NULL &&
      g_strcmp0 (stray_json_string (author, "id"), request->user_id) != 0)
    {
      respond_error (request->msg, SOUP_STATUS_FORBIDDEN, CODE_NOT_ALLOWED,
                     "User '%s' may not change message '%s'", request->user_id, message_id);
      return NULL;
    }
  return message;
}

static gboolean
handle_update_message (Request *request)
{
  StrayDevserver *self = request->self;
  const char *message_id = request->segments[1];
  JsonObject *changes = stray_json_object (request->body, "message");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  const char *cid = NULL;
  JsonObject *message;

  if (changes == NULL)
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "UpdateMessage failed: message must be an object");
  if (own_message (request, message_id, &cid) == NULL)
    return FALSE;
  message = stray_dev_store_update_message (self->store, message_id, changes, &error);
  if (message == NULL)
    return respond_store_error (request, error);

  emit_message_event (self, "message.updated", cid, message,
                      stray_json_string (stray_json_object (message, "user"), "id"));
  json_object_set_object_member (response, "message", json_object_ref (message));
  respond_ok (request, response);
  return TRUE;
}

static gboolean
handle_delete_message (Request *request)
{
  StrayDevserver *self = request->self;
  const char *message_id = request->segments[1];
  gboolean hard = g_strcmp0 (query_param (request, "hard"), "true") == 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  g_autoptr(JsonObject) message = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autofree char *cid = NULL;
  const char *found_cid = NULL;

  if (own_message (request, message_id, &found_cid) == NULL)
    return FALSE;
  cid = g_strdup (found_cid);
  message = stray_dev_store_delete_message (self->store, message_id, hard, &error);
  if (message == NULL)
    return respond_store_error (request, error);

  event = new_event (self, "message.deleted", cid);
  json_object_set_string_member (event, "message_id", message_id);
  json_object_set_object_member (event, "message", json_object_ref (message));
  json_object_set_boolean_member (event, "hard_delete", hard);
  set_user (self, event, "user", stray_json_string (stray_json_object (message, "user"), "id"));
  emit_to_watchers (self, cid, event, FALSE);

  json_object_set_object_member (response, "message", g_steal_pointer (&message));
  respond_ok (request, response);
  return TRUE;
}

static gboolean
handle_reaction (Request *request)
{
  StrayDevserver *self = request->self;
  gboolean adding = g_str_equal (request->method, "POST");
  const char *message_id = request->segments[1];
  JsonObject *body_reaction = stray_json_object (request->body, "reaction");
  const char *user_id = acting_user (request, adding ? stray_json_string (body_reaction,
                                                                           "user_id")
                                                     : NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reaction = NULL;
  g_autoptr(JsonObject) response = json_object_new ();
  g_autoptr(JsonObject) event = NULL;
  const char *cid = NULL;
  JsonObject *message;

  if (stray_dev_store_lookup_message (self->store, message_id, &cid) == NULL)
    return respond_error (request->msg, SOUP_STATUS_NOT_FOUND, CODE_NOT_FOUND,
                          "Message with id '%s' doesn't exist", message_id);
  if (adding && body_reaction == NULL)
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "SendReaction failed: reaction must be an object");
  if (!require_member (request, cid, user_id))
    return FALSE;

  if (adding)
    message = stray_dev_store_add_reaction (self->store, message_id, user_id,
                                            stray_json_string (body_reaction, "type"),
                                            stray_json_int (body_reaction, "score", 1),
                                            &reaction, &error);
  else
    message = stray_dev_store_delete_reaction (self->store, message_id, user_id,
                                               request->segments[3], &reaction, &error);
  if (message == NULL)
    return respond_store_error (request, error);

  event = new_event (self, adding ? "reaction.new" : "reaction.deleted", cid);
  json_object_set_object_member (event, "message", json_object_ref (message));
  json_object_set_object_member (event, "reaction", json_object_ref (reaction));
  set_user (self, event, "user", user_id);
  emit_to_watchers (self, cid, event, FALSE);

  json_object_set_object_member (response, "message", json_object_ref (message));
  json_object_set_object_member (response, "reaction", g_steal_pointer (&reaction));
  respond_ok (request, response);
  return TRUE;
}

static gboolean
handle_delivered (Request *request)
{
  respond_ok (request, NULL);
  return TRUE;
}

/* ---- test hooks ---- */

static gboolean
handle_dev_inject (Request *request)
{
  const char *user_id = stray_json_string (request->body, "user_id");
  JsonArray *frames = stray_json_array (request->body, "frames");
  g_auto(GStrv) texts = stray_json_strv (frames);
  g_autoptr(JsonObject) response = json_object_new ();
  guint delivered = 0;

  if (!require_server (request))
    return FALSE;
  if (user_id == NULL || texts == NULL)
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "inject needs user_id and frames, a list of strings");
  for (guint j = 0; texts[j] != NULL; j++)
    delivered += stray_devserver_inject (request->self, user_id, texts[j], strlen (texts[j]));
  json_object_set_int_member (response, "delivered", delivered);
  respond_ok (request, response);
  return TRUE;
}

static gboolean
handle_dev_drop (Request *request)
{
  StrayDevserver *self = request->self;
  g_autoptr(GPtrArray) connections = NULL;
  g_autoptr(JsonObject) response = json_object_new ();

  if (!require_server (request))
    return FALSE;
  connections = hash_table_snapshot (self->connections, FALSE);
  for (guint i = 0; i < connections->len; i++)
    {
      Connection *connection = g_ptr_array_index (connections, i);
      g_autoptr(SoupWebsocketConnection) socket = g_object_ref (connection->socket);

      /* Closing the stream under the socket: no close frame, as when a network goes away. */
      g_io_stream_close (soup_websocket_connection_get_io_stream (socket), NULL, NULL);
    }
  json_object_set_int_member (response, "dropped", connections->len);
  respond_ok (request, response);
  return TRUE;
}

static void process_request (StrayDevserver *self, SoupServerMessage *msg);

static gboolean
on_stall_over (gpointer user_data)
{
  StrayDevserver *self = user_data;
  g_autoptr(GPtrArray) held = g_steal_pointer (&self->stalled);

  self->stall_id = 0;
  self->stalled = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < held->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (held, i);

      process_request (self, msg);
      soup_server_message_unpause (msg);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
handle_dev_stall (Request *request)
{
  StrayDevserver *self = request->self;
  gint64 seconds = stray_json_int (request->body, "seconds", -1);

  if (!require_server (request))
    return FALSE;
  if (seconds < 0 || seconds > 3600)
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "stall needs seconds, between 0 and 3600");
  self->stalled_until = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  g_clear_handle_id (&self->stall_id, g_source_remove);
  /* Milliseconds: second timeouts are coalesced and may fire early. */
  self->stall_id = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) seconds * 1000,
                                       on_stall_over, self, NULL);
  respond_ok (request, NULL);
  return TRUE;
}

static gboolean
handle_dev_token (Request *request)
{
  const char *user_id = stray_json_string (request->body, "user_id");
  gint64 ttl = stray_json_int (request->body, "ttl", 0);
  g_autoptr(JsonObject) response = json_object_new ();
  g_autofree char *token = NULL;

  if (!require_server (request))
    return FALSE;
  if (user_id == NULL || *user_id == '\0')
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "token needs user_id");
  /* A negative ttl makes a token that has already expired, for tests of expiry. */
  token = stray_jwt_sign_user (request->self->secret, user_id,
                               ttl != 0 ? g_get_real_time () / G_USEC_PER_SEC + ttl : 0);
  json_object_set_string_member (response, "token", token);
  respond_ok (request, response);
  return TRUE;
}

/* The next N calls made with a user token answer 429, as Stream does when rate limited. */
static gboolean
handle_dev_rate_limit (Request *request)
{
  gint64 count = stray_json_int (request->body, "count", -1);

  if (!require_server (request))
    return FALSE;
  if (count < 0 || count > 1000)
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "rate-limit needs count, between 0 and 1000");
  request->self->rate_limited = (guint) count;
  respond_ok (request, NULL);
  return TRUE;
}

/* ---- routing ---- */

typedef gboolean (*Handler) (Request *request);

typedef struct {
  const char *method;
  const char *pattern; /* path segments; "*" matches one */
  Handler handler;
} Route;

static const Route routes[] = {
  { "POST", "channels", handle_query_channels },
  { "POST", "channels/read", handle_mark_all_read },
  { "POST", "channels/delivered", handle_delivered },
  { "POST", "channels/*/query", handle_channel_query },
  { "POST", "channels/*/*/query", handle_channel_query },
  { "POST", "channels/*/*", handle_channel_update },
  { "DELETE", "channels/*/*", handle_channel_delete },
  { "POST", "channels/*/*/message", handle_send_message },
  { "POST", "channels/*/*/read", handle_mark_read },
  { "POST", "channels/*/*/unread", handle_mark_unread },
  { "POST", "channels/*/*/event", handle_send_event },
  { "POST", "channels/*/*/hide", handle_hide_show },
  { "POST", "channels/*/*/show", handle_hide_show },
  { "POST", "channels/*/*/stop-watching", handle_stop_watching },
  { "POST", "channels/*/*/truncate", handle_truncate },
  { "GET", "unread", handle_unread },
  { "POST", "moderation/mute/channel", handle_mute_channel },
  { "POST", "moderation/unmute/channel", handle_mute_channel },
  { "POST", "users", handle_upsert_users },
  { "POST", "messages/*", handle_update_message },
  { "DELETE", "messages/*", handle_delete_message },
  { "POST", "messages/*/reaction", handle_reaction },
  { "DELETE", "messages/*/reaction/*", handle_reaction },
  { "POST", "_dev/inject", handle_dev_inject },
  { "POST", "_dev/drop", handle_dev_drop },
  { "POST", "_dev/stall", handle_dev_stall },
  { "POST", "_dev/token", handle_dev_token },
  { "POST", "_dev/rate-limit", handle_dev_rate_limit },
};

static gboolean
route_matches (const Route  *route,
               const char   *method,
               char * const *segments,
               guint         n_segments)
{
  g_auto(GStrv) pattern = g_strsplit (route->pattern, "/", -1);

  if (!g_str_equal (route->method, method) || g_strv_length (pattern) != n_segments)
    return FALSE;
  for (guint i = 0; i < n_segments; i++)
    if (!g_str_equal (pattern[i], "*") ? !g_str_equal (pattern[i], segments[i])
                                       : *segments[i] == '\0')
      return FALSE;
  return TRUE;
}

static gboolean
parse_body (Request *request)
{
  SoupMessageBody *body = soup_server_message_get_request_body (request->msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);
  JsonNode *root;

  if (length == 0)
    {
      request->body = json_object_new ();
      return TRUE;
    }
  if (length > STRAY_DEVSERVER_MAX_BODY)
    return respond_error (request->msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, CODE_INPUT,
                          "request body is %" G_GSIZE_FORMAT " bytes, over the limit of %d",
                          length, STRAY_DEVSERVER_MAX_BODY);
  if (!g_utf8_validate (data, length, NULL) ||
      !stray_json_check_nesting (data, length, MAX_DEPTH, NULL) ||
      !json_parser_load_from_data (parser, data, length, &error) ||
      !JSON_NODE_HOLDS_OBJECT ((root = json_parser_get_root (parser))))
    return respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                          "invalid request body: it must be a JSON object%s%s",
                          error != NULL ? ": " : "", error != NULL ? error->message : "");
  request->body = json_object_ref (json_node_get_object (root));
  return TRUE;
}

/* A picture for any user, so that the demo's notifications have avatars without a network:
 * a disc in a colour of the user's own (from a hash of the id) with a lighter ring, and a
 * head and shoulders. */
static void
serve_avatar (SoupServerMessage *msg,
              const char        *user_id)
{
  /* A muted palette: no colour too loud for a notification. */
  static const StrayColour palette[] = {
    { 0.36, 0.52, 0.73, 1 }, { 0.45, 0.62, 0.38, 1 }, { 0.75, 0.50, 0.33, 1 },
    { 0.58, 0.42, 0.68, 1 }, { 0.32, 0.60, 0.60, 1 }, { 0.70, 0.40, 0.46, 1 },
  };
  static const StrayColour ring = { 1, 1, 1, 0.5 }, figure = { 1, 1, 1, 0.85 };
  g_autoptr(StrayRaster) raster = stray_raster_new (AVATAR_SIZE, AVATAR_SIZE);
  g_autoptr(GBytes) pixels = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  char *png = NULL;
  gsize length;

  stray_raster_fill_circle (raster, 48, 48, 46,
                            &palette[g_str_hash (user_id) % G_N_ELEMENTS (palette)]);
  stray_raster_stroke_circle (raster, 48, 48, 46, 6, &ring);
  stray_raster_fill_circle (raster, 48, 40, 16, &figure);
  stray_raster_fill_circle (raster, 48, 92, 32, &figure);
  pixels = stray_raster_get_rgba_bytes (raster);
  pixbuf = gdk_pixbuf_new_from_bytes (pixels, GDK_COLORSPACE_RGB, TRUE, 8, AVATAR_SIZE,
                                      AVATAR_SIZE, AVATAR_SIZE * 4);
  if (!gdk_pixbuf_save_to_buffer (pixbuf, &png, &length, "png", &error, NULL))
    {
      respond_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, CODE_INTERNAL,
                     "cannot encode the avatar: %s", error->message);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_TAKE, png, length);
}

static void
process_request (StrayDevserver    *self,
                 SoupServerMessage *msg)
{
  GUri *uri = soup_server_message_get_uri (msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *path = g_uri_get_path (uri);
  g_autofree char *error_message = NULL;
  const Route *route = NULL;
  Request request = { 0 };
  const char *connection_id;
  int code;

  /* Pictures are fetched without tokens, like any avatar on the web. */
  if (g_str_has_prefix (path, "/_dev/avatars/") && g_str_has_suffix (path, ".png") &&
      g_str_equal (soup_server_message_get_method (msg), "GET"))
    {
      g_autofree char *user_id = g_strndup (path + strlen ("/_dev/avatars/"),
                                            strlen (path) - strlen ("/_dev/avatars/") - 4);

      serve_avatar (msg, user_id);
      return;
    }

  request.self = self;
  request.msg = msg;
  request.method = soup_server_message_get_method (msg);
  request.segments = g_strsplit (path[0] == '/' ? path + 1 : path, "/", -1);
  request.n_segments = g_strv_length (request.segments);
  if (g_uri_get_query (uri) != NULL)
    request.query = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (routes) && route == NULL; i++)
    if (route_matches (&routes[i], request.method, request.segments, request.n_segments))
      route = &routes[i];

  if (route == NULL)
    respond_error (msg, SOUP_STATUS_NOT_FOUND, CODE_NOT_FOUND, "%s %s is not an API endpoint",
                   request.method, path);
  else if ((request.user_id = authenticate (self, query_param (&request, "api_key"),
                                            soup_message_headers_get_one (headers,
                                                                          "stream-auth-type"),
                                            soup_message_headers_get_one (headers,
                                                                          "Authorization"),
                                            &code, &error_message)) == NULL)
    respond_error (msg, status_for_code (code), code, "%s", error_message);
  else
    {
      /* A server token speaks for no user. */
      if (*request.user_id == '\0')
        g_clear_pointer (&request.user_id, g_free);
      if (request.user_id != NULL && query_param (&request, "user_id") != NULL &&
          !g_str_equal (query_param (&request, "user_id"), request.user_id))
        respond_error (msg, SOUP_STATUS_UNAUTHORIZED, 43,
                       "JWTAuth error: user_id %s does not match the token's",
                       query_param (&request, "user_id"));
      else
        {
          connection_id = query_param (&request, "connection_id");
          request.connection = connection_id != NULL
                               ? g_hash_table_lookup (self->connections, connection_id) : NULL;
          /* A stale connection id (after a reconnect) is tolerated; someone else's is not. */
          if (request.connection != NULL &&
              g_strcmp0 (request.connection->user_id, request.user_id) != 0)
            request.connection = NULL;
          if (request.user_id != NULL && self->rate_limited > 0)
            {
              self->rate_limited--;
              soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                            "Retry-After", "1");
              respond_error (msg, 429, 9, "Too many requests, check response headers");
            }
          else if (parse_body (&request))
            route->handler (&request);
        }
    }

  g_debug ("%s %s%s → %u", request.method, path, request.user_id ? "" : " (server)",
           soup_server_message_get_status (msg));
  g_strfreev (request.segments);
  g_clear_pointer (&request.query, g_hash_table_unref);
  g_clear_pointer (&request.body, json_object_unref);
  g_free (request.user_id);
}

static void
on_request (G_GNUC_UNUSED SoupServer *server,
            SoupServerMessage *msg,
            G_GNUC_UNUSED const char *path,
            G_GNUC_UNUSED GHashTable *query,
            gpointer           user_data)
{
  StrayDevserver *self = user_data;

  if (is_stalled (self))
    {
      /* Held, not answered, until the stall is over. */
      g_ptr_array_add (self->stalled, g_object_ref (msg));
      soup_server_message_pause (msg);
      return;
    }
  process_request (self, msg);
}

/* Refuses an oversized body from its headers, before reading it. */
static void
on_early_request (G_GNUC_UNUSED SoupServer *server,
                  SoupServerMessage *msg,
                  G_GNUC_UNUSED const char *path,
                  G_GNUC_UNUSED GHashTable *query,
                  G_GNUC_UNUSED gpointer user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  goffset length = soup_message_headers_get_content_length (headers);

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      length > STRAY_DEVSERVER_MAX_BODY)
    {
      respond_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, CODE_INPUT,
                     "request body is %" G_GOFFSET_FORMAT " bytes, over the limit of %d",
                     length, STRAY_DEVSERVER_MAX_BODY);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Connection", "close");
    }
}

/* ---- the object ---- */

static void
stray_devserver_dispose (GObject *object)
{
  StrayDevserver *self = STRAY_DEVSERVER (object);

  g_clear_handle_id (&self->stall_id, g_source_remove);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  if (self->connections != NULL)
    {
      g_autoptr(GPtrArray) connections = hash_table_snapshot (self->connections, FALSE);

      for (guint i = 0; i < connections->len; i++)
        {
          Connection *connection = g_ptr_array_index (connections, i);

          g_signal_handlers_disconnect_by_data (connection->socket, connection);
          if (soup_websocket_connection_get_state (connection->socket) ==
              SOUP_WEBSOCKET_STATE_OPEN)
            soup_websocket_connection_close (connection->socket, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                                             NULL);
        }
      g_hash_table_remove_all (self->watchers);
      g_hash_table_remove_all (self->by_user);
      g_hash_table_remove_all (self->connections);
    }
  g_clear_pointer (&self->stalled, g_ptr_array_unref);
  g_clear_object (&self->server);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (stray_devserver_parent_class)->dispose (object);
}

static void
stray_devserver_finalize (GObject *object)
{
  StrayDevserver *self = STRAY_DEVSERVER (object);

  g_free (self->api_key);
  g_free (self->secret);
  g_free (self->base_url);
  g_hash_table_unref (self->connections);
  g_hash_table_unref (self->by_user);
  g_hash_table_unref (self->watchers);

  G_OBJECT_CLASS (stray_devserver_parent_class)->finalize (object);
}

static void
stray_devserver_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  StrayDevserver *self = STRAY_DEVSERVER (object);

  switch (prop_id)
    {
    case PROP_API_KEY:
      g_value_set_string (value, self->api_key);
      break;
    case PROP_SECRET:
      g_value_set_string (value, self->secret);
      break;
    case PROP_HEALTH_INTERVAL:
      g_value_set_uint (value, self->health_interval);
      break;
    case PROP_ALLOW_DEV_TOKENS:
      g_value_set_boolean (value, self->allow_dev_tokens);
      break;
    case PROP_ALLOW_REMOTE:
      g_value_set_boolean (value, self->allow_remote);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
stray_devserver_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  StrayDevserver *self = STRAY_DEVSERVER (object);

  switch (prop_id)
    {
    case PROP_API_KEY:
      self->api_key = g_value_dup_string (value);
      break;
    case PROP_SECRET:
      self->secret = g_value_dup_string (value);
      break;
    case PROP_HEALTH_INTERVAL:
      self->health_interval = g_value_get_uint (value);
      break;
    case PROP_ALLOW_DEV_TOKENS:
      self->allow_dev_tokens = g_value_get_boolean (value);
      break;
    case PROP_ALLOW_REMOTE:
      self->allow_remote = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
stray_devserver_class_init (StrayDevserverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = stray_devserver_dispose;
  object_class->finalize = stray_devserver_finalize;
  object_class->get_property = stray_devserver_get_property;
  object_class->set_property = stray_devserver_set_property;

  properties[PROP_API_KEY] =
    g_param_spec_string ("api-key", NULL, NULL, "stream-tray-dev", construct);
  properties[PROP_SECRET] =
    g_param_spec_string ("secret", NULL, NULL, NULL, construct);
  properties[PROP_HEALTH_INTERVAL] =
    g_param_spec_uint ("health-interval", NULL, NULL, 0, 3600, 30, construct);
  properties[PROP_ALLOW_DEV_TOKENS] =
    g_param_spec_boolean ("allow-dev-tokens", NULL, NULL, FALSE, construct);
  properties[PROP_ALLOW_REMOTE] =
    g_param_spec_boolean ("allow-remote", NULL, NULL, FALSE, construct);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
stray_devserver_init (StrayDevserver *self)
{
  self->store = stray_dev_store_new ();
  self->connections = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, connection_free);
  self->by_user = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
  self->watchers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_ptr_array_unref);
  self->stalled = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * stray_devserver_new:
 * @api_key: the app's API key clients must send
 * @secret: the secret tokens are signed with
 *
 * Returns: (transfer full): a server, not listening yet
 */
StrayDevserver *
stray_devserver_new (const char *api_key,
                     const char *secret)
{
  g_return_val_if_fail (api_key != NULL && *api_key != '\0', NULL);
  g_return_val_if_fail (secret != NULL && *secret != '\0', NULL);

  return g_object_new (STRAY_TYPE_DEVSERVER, "api-key", api_key, "secret", secret, NULL);
}

/**
 * stray_devserver_listen:
 * @address: "HOST:PORT" ("[::1]:0" for IPv6); port 0 picks a free one
 *
 * Listens on a loopback address, or any with allow-remote.
 *
 * Returns: whether it listens
 */
gboolean
stray_devserver_listen (StrayDevserver *self,
                        const char     *address,
                        GError        **error)
{
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) inet_address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *colon;
  guint64 port;
  GSList *uris;

  g_return_val_if_fail (STRAY_IS_DEVSERVER (self), FALSE);
  g_return_val_if_fail (self->server == NULL, FALSE);

  colon = strrchr (address, ':');
  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &port, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an address: write HOST:PORT, e.g. 127.0.0.1:0", address);
      return FALSE;
    }
  host = g_strndup (address, colon - address);
  if (host[0] == '[' && host[strlen (host) - 1] == ']')
    {
      char *bare = g_strndup (host + 1, strlen (host) - 2);

      g_free (host);
      host = bare;
    }
  inet_address = g_inet_address_new_from_string (host);
  if (inet_address == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an IP address", host);
      return FALSE;
    }
  if (!g_inet_address_get_is_loopback (inet_address) && !self->allow_remote)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "%s is not a loopback address; pass --allow-remote to listen on it", host);
      return FALSE;
    }

  self->server = soup_server_new ("server-header", "stream-tray-devserver ", NULL);
  soup_server_add_early_handler (self->server, NULL, on_early_request, self, NULL);
  soup_server_add_websocket_handler (self->server, "/connect", NULL, NULL, on_socket, self,
                                     NULL);
  soup_server_add_handler (self->server, NULL, on_request, self, NULL);

  socket_address = g_inet_socket_address_new (inet_address, (guint16) port);
  if (!soup_server_listen (self->server, socket_address, 0, error))
    {
      g_clear_object (&self->server);
      return FALSE;
    }

  uris = soup_server_get_uris (self->server);
  uri = g_uri_ref (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  self->base_url = g_strdup_printf ("http://%s%s%s:%d",
                                    g_inet_address_get_family (inet_address) ==
                                    G_SOCKET_FAMILY_IPV6 ? "[" : "",
                                    host,
                                    g_inet_address_get_family (inet_address) ==
                                    G_SOCKET_FAMILY_IPV6 ? "]" : "",
                                    g_uri_get_port (uri));
  return TRUE;
}

/**
 * stray_devserver_get_base_url:
 *
 * Returns: (nullable): "http://HOST:PORT" once listening
 */
const char *
stray_devserver_get_base_url (StrayDevserver *self)
{
  g_return_val_if_fail (STRAY_IS_DEVSERVER (self), NULL);

  return self->base_url;
}

const char *
stray_devserver_get_api_key (StrayDevserver *self)
{
  g_return_val_if_fail (STRAY_IS_DEVSERVER (self), NULL);

  return self->api_key;
}

const char *
stray_devserver_get_secret (StrayDevserver *self)
{
  g_return_val_if_fail (STRAY_IS_DEVSERVER (self), NULL);

  return self->secret;
}

/**
 * stray_devserver_get_store:
 *
 * Returns: (transfer none): the server's state
 */
StrayDevStore *
stray_devserver_get_store (StrayDevserver *self)
{
  g_return_val_if_fail (STRAY_IS_DEVSERVER (self), NULL);

  return self->store;
}

guint
stray_devserver_get_n_connections (StrayDevserver *self)
{
  g_return_val_if_fail (STRAY_IS_DEVSERVER (self), 0);

  return g_hash_table_size (self->connections);
}
