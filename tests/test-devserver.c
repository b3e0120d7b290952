/* test-devserver.c: the devserver over loopback, REST and WebSocket, good input and bad
 *
 * The server runs in this process on 127.0.0.1:0; clients are libsoup sessions on the same
 * main context, which is iterated until what a test waits for has arrived, with a timeout.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>

#include "stray-devserver.h"
#include "stray-devserver-private.h" /* dev_set_request_timeout(), dev_set_max_waiting() */
#include "stray-fixed-token.h"
#include "stray-json.h"
#include "stray-jwt.h"
#include "stray-test-wait.h"

#define API_KEY "test-key"
#define SECRET "test-secret-for-the-devserver"
#define WAIT_SECONDS 10

typedef struct {
  StrayDevserver *server;   /* NULL when the server is a separate process */
  const char *base_url;
  SoupSession *session;
  char *server_token;
} Fixture;

typedef struct {
  SoupWebsocketConnection *socket;
  GPtrArray *frames;       /* of char*, every text frame received, in order */
  char *connection_id;
  gboolean closed;
} Socket;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = json_object_new ();
  guint health_interval = GPOINTER_TO_UINT (user_data);

  fixture->server = g_object_new (STRAY_TYPE_DEVSERVER,
                                  "api-key", API_KEY,
                                  "secret", SECRET,
                                  "health-interval", health_interval ? health_interval : 30,
                                  NULL);
  stray_devserver_listen (fixture->server, "127.0.0.1:0", &error);
  g_assert_no_error (error);
  fixture->base_url = stray_devserver_get_base_url (fixture->server);
  fixture->session = soup_session_new ();
  json_object_set_boolean_member (claims, "server", TRUE);
  fixture->server_token = stray_jwt_sign (SECRET, claims);
}

static void
fixture_tear_down (Fixture       *fixture,
                   G_GNUC_UNUSED gconstpointer user_data)
{
  g_free (fixture->server_token);
  g_clear_object (&fixture->session);
  g_assert_finalize_object (fixture->server);
  /* Let closed sockets and finished messages go. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static char *
user_token (const char *user_id)
{
  return stray_jwt_sign_user (SECRET, user_id, 0);
}

/* ---- REST ---- */

typedef struct {
  GBytes *body;
  gboolean done;
} Call;

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(GError) error = NULL;

  call->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  call->done = TRUE;
}

/* Sends a raw request; returns the parsed JSON answer and its status. */
static JsonObject *
request_raw (Fixture     *fixture,
             const char  *method,
             const char  *path_and_query,
             const char  *token,
             const char  *body,
             gsize        body_length,
             guint       *out_status)
{
  g_autofree char *url = g_strconcat (fixture->base_url, path_and_query, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  Call call = { 0 };
  JsonNode *root;

  g_assert_nonnull (msg);
  if (token != NULL)
    {
      soup_message_headers_append (soup_message_get_request_headers (msg), "Authorization",
                                   token);
      soup_message_headers_append (soup_message_get_request_headers (msg), "stream-auth-type",
                                   "jwt");
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, body_length);

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  soup_session_send_and_read_async (fixture->session, msg, G_PRIORITY_DEFAULT, NULL,
                                    on_call_done, &call);
  stray_test_wait_for (stray_test_flag_is_set, &call.done, path_and_query);
  *out_status = soup_message_get_status (msg);

  json_parser_load_from_data (parser, g_bytes_get_data (call.body, NULL),
                              g_bytes_get_size (call.body), &error);
  g_bytes_unref (call.body);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

/* Fetches a URL as an image viewer would: no token; returns the body and its type. */
static GBytes *
fetch_plain (Fixture     *fixture,
             const char  *url,
             char       **out_content_type)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  Call call = { 0 };

  g_assert_nonnull (msg);
  soup_session_send_and_read_async (fixture->session, msg, G_PRIORITY_DEFAULT, NULL,
                                    on_call_done, &call);
  stray_test_wait_for (stray_test_flag_is_set, &call.done, url);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  *out_content_type = g_strdup (soup_message_headers_get_content_type (
                                  soup_message_get_response_headers (msg), NULL));
  return call.body;
}

/* A call as the SDK makes it: api_key (and user_id, connection_id) in the query. */
static JsonObject *
call (Fixture    *fixture,
      const char *method,
      const char *path,
      const char *user_id,
      const char *connection_id,
      const char *body,
      guint       expected_status)
{
  g_autofree char *token = user_id != NULL ? user_token (user_id)
                                           : g_strdup (fixture->server_token);
  g_autoptr(GString) path_and_query = g_string_new (path);
  JsonObject *response;
  guint status;

  g_string_append (path_and_query, strchr (path, '?') ? "&" : "?");
  g_string_append (path_and_query, "api_key=" API_KEY);
  if (user_id != NULL)
    g_string_append_printf (path_and_query, "&user_id=%s", user_id);
  if (connection_id != NULL)
    g_string_append_printf (path_and_query, "&connection_id=%s", connection_id);

  response = request_raw (fixture, method, path_and_query->str, token, body,
                          body != NULL ? strlen (body) : 0, &status);
  if (status != expected_status)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), response);
      g_autofree char *text = json_to_string (node, FALSE);

      g_error ("%s %s answered %u, not %u: %s", method, path, status, expected_status, text);
    }
  return response;
}

/* An error answer in Stream's shape, with the expected code. */
static void
assert_error (JsonObject *response,
              int         code,
              guint       status)
{
  g_assert_cmpint (stray_json_int (response, "code", -1), ==, code);
  g_assert_cmpint (stray_json_int (response, "StatusCode", -1), ==, status);
  g_assert_nonnull (stray_json_string (response, "message"));
  g_assert_nonnull (stray_json_string (response, "duration"));
  g_assert_nonnull (stray_json_string (response, "more_info"));
  g_assert_nonnull (stray_json_array (response, "details"));
}

static void
assert_call_fails (Fixture    *fixture,
                   const char *method,
                   const char *path,
                   const char *user_id,
                   const char *body,
                   int         code,
                   guint       status)
{
  g_autoptr(JsonObject) response = call (fixture, method, path, user_id, NULL, body, status);

  assert_error (response, code, status);
}

/* ---- WebSocket ---- */

static void
on_frame (G_GNUC_UNUSED SoupWebsocketConnection *connection,
          gint                                   type,
          GBytes                                *message,
          Socket                                *socket)
{
  gsize length;
  const char *data = g_bytes_get_data (message, &length);

  g_ptr_array_add (socket->frames, type == SOUP_WEBSOCKET_DATA_TEXT
                                   ? g_strndup (data, length) : g_strdup ("<binary>"));
}

static void
on_closed (G_GNUC_UNUSED SoupWebsocketConnection *connection,
           Socket                                *socket)
{
  socket->closed = TRUE;
}

typedef struct {
  SoupWebsocketConnection *connection;
  gboolean done;
} Connecting;

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Connecting *connecting = user_data;
  g_autoptr(GError) error = NULL;

  connecting->connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result,
                                                                  &error);
  g_assert_no_error (error);
  connecting->done = TRUE;
}

static JsonObject *
parse_frame (const char *frame)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, frame, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* The next frame of @type, waited for; earlier frames of other types are passed over. */
typedef struct {
  Socket *socket;
  guint seen;
} FramesSeen;

static gboolean
more_frames (gconstpointer data)
{
  const FramesSeen *frames = data;

  return frames->socket->frames->len > frames->seen;
}

static JsonObject *
next_frame (Socket     *socket,
            const char *type,
            guint      *cursor)
{
  g_autofree char *needle = g_strdup_printf ("\"type\":\"%s\"", type);

  for (;;)
    {
      gboolean arrived = FALSE;

      for (; *cursor < socket->frames->len; (*cursor)++)
        {
          const char *frame = g_ptr_array_index (socket->frames, *cursor);

          if (strstr (frame, needle) != NULL)
            {
              JsonObject *parsed = parse_frame (frame);

              (*cursor)++;
              if (g_strcmp0 (stray_json_string (parsed, "type"), type) == 0)
                return parsed;
              json_object_unref (parsed);
            }
        }
      /* Wait for one more frame. */
      {
        FramesSeen seen = { socket, socket->frames->len };

        arrived = stray_test_try_wait_for (more_frames, &seen, WAIT_SECONDS);
      }
      if (!arrived)
        g_error ("no %s frame within %d s", type, WAIT_SECONDS);
    }
}

static Socket *
socket_open_with (Fixture    *fixture,
                  const char *api_key,
                  const char *json_user_id,
                  const char *token)
{
  g_autoptr(JsonObject) payload = json_object_new ();
  JsonObject *details = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *payload_text = NULL;
  g_autofree char *escaped_payload = NULL;
  g_autofree char *escaped_token = NULL;
  g_autofree char *url = NULL;
  g_autofree char *http_url = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  Connecting connecting = { 0 };
  Socket *socket;

  json_object_set_string_member (payload, "user_id", json_user_id);
  json_object_set_string_member (details, "id", json_user_id);
  json_object_set_string_member (details, "name", "Named by the client");
  json_object_set_object_member (payload, "user_details", details);
  json_object_set_string_member (payload, "client_request_id", "c0ffee");
  node = json_node_init_object (json_node_alloc (), payload);
  payload_text = json_to_string (node, FALSE);
  escaped_payload = g_uri_escape_string (payload_text, NULL, FALSE);
  escaped_token = g_uri_escape_string (token, NULL, FALSE);

  http_url = g_strdup_printf ("%s/connect?json=%s&api_key=%s&authorization=%s"
                              "&stream-auth-type=jwt&X-Stream-Client=stream-tray-test",
                              fixture->base_url, escaped_payload,
                              api_key, escaped_token);
  url = g_strconcat ("ws", http_url + 4, NULL);
  msg = soup_message_new ("GET", url);
  soup_session_websocket_connect_async (fixture->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        NULL, on_connected, &connecting);
  stray_test_wait_for (stray_test_flag_is_set, &connecting.done, "the socket to open");

  socket = g_new0 (Socket, 1);
  socket->socket = connecting.connection;
  socket->frames = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (socket->socket, "message", G_CALLBACK (on_frame), socket);
  g_signal_connect (socket->socket, "closed", G_CALLBACK (on_closed), socket);
  return socket;
}

/* A user's socket, after the handshake; its connection id is read from the first frame. */
static Socket *
socket_open (Fixture    *fixture,
             const char *user_id)
{
  g_autofree char *token = user_token (user_id);
  Socket *socket = socket_open_with (fixture, API_KEY, user_id, token);
  g_autoptr(JsonObject) handshake = NULL;
  guint cursor = 0;

  handshake = next_frame (socket, "health.check", &cursor);
  socket->connection_id = g_strdup (stray_json_string (handshake, "connection_id"));
  g_assert_nonnull (socket->connection_id);
  return socket;
}

static void
socket_close (Socket *socket)
{
  g_signal_handlers_disconnect_by_data (socket->socket, socket);
  if (soup_websocket_connection_get_state (socket->socket) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (socket->socket, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_object_unref (socket->socket);
  g_ptr_array_unref (socket->frames);
  g_free (socket->connection_id);
  g_free (socket);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Socket, socket_close)

static void
send_frame (Socket     *socket,
            const char *text)
{
  soup_websocket_connection_send_text (socket->socket, text);
}

/* A channel messaging:general with alice and bob, made by the server-side client. */
static void
create_general (Fixture *fixture)
{
  g_autoptr(JsonObject) response =
    call (fixture, "POST", "/channels/messaging/general/query", NULL, NULL,
          "{\"data\":{\"created_by_id\":\"bob\",\"members\":[\"alice\",\"bob\"],"
          "\"name\":\"General\"}}", 201);

  g_assert_cmpstr (stray_json_string (stray_json_object (response, "channel"), "cid"), ==,
                   "messaging:general");
}

static void
watch_general (Fixture *fixture,
               Socket  *socket,
               const char *user_id)
{
  g_autoptr(JsonObject) response =
    call (fixture, "POST", "/channels", user_id, socket->connection_id,
          "{\"filter_conditions\":{\"members\":{\"$in\":[\"alice\"]}},"
          "\"sort\":[{\"field\":\"last_message_at\",\"direction\":-1}],"
          "\"state\":true,\"watch\":true,\"presence\":false,\"limit\":30}", 201);

  g_assert_cmpuint (json_array_get_length (stray_json_array (response, "channels")), ==, 1);
}

/* Returns the message as the server answered it. */
static JsonObject *
send_message (Fixture    *fixture,
              const char *author,
              const char *text)
{
  g_autofree char *body = g_strdup_printf ("{\"message\":{\"text\":\"%s\",\"user_id\":\"%s\"}}",
                                           text, author);
  g_autoptr(JsonObject) response = call (fixture, "POST", "/channels/messaging/general/message",
                                         NULL, NULL, body, 201);

  return json_object_ref (stray_json_object (response, "message"));
}

/* ---- the socket ---- */

static void
test_handshake (Fixture       *fixture,
                G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(Socket) alice = socket_open (fixture, "alice");
  g_autoptr(JsonObject) handshake = parse_frame (g_ptr_array_index (alice->frames, 0));
  JsonObject *me = stray_json_object (handshake, "me");

  g_assert_cmpstr (stray_json_string (handshake, "type"), ==, "health.check");
  g_assert_cmpstr (stray_json_string (handshake, "cid"), ==, "*");
  g_assert_nonnull (stray_json_string (handshake, "created_at"));
  g_assert_cmpstr (stray_json_string (me, "id"), ==, "alice");
  /* user_details from the connect payload are kept */
  g_assert_cmpstr (stray_json_string (me, "name"), ==, "Named by the client");
  g_assert_true (stray_json_boolean (me, "online", FALSE));
  g_assert_cmpint (stray_json_int (me, "unread_count", -1), ==, 0);
  g_assert_cmpint (stray_json_int (me, "total_unread_count", -1), ==, 0);
  g_assert_cmpint (stray_json_int (me, "unread_channels", -1), ==, 0);
  g_assert_cmpint (stray_json_int (me, "unread_threads", -1), ==, 0);
  g_assert_nonnull (stray_json_array (me, "mutes"));
  g_assert_nonnull (stray_json_array (me, "channel_mutes"));
  g_assert_nonnull (stray_json_array (me, "devices"));
  g_assert_cmpuint (stray_devserver_get_n_connections (fixture->server), ==, 1);
}

static void
test_connection_ids_differ (Fixture       *fixture,
                            G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(Socket) first = socket_open (fixture, "alice");
  g_autoptr(Socket) second = socket_open (fixture, "alice");

  g_assert_cmpstr (first->connection_id, !=, second->connection_id);
  g_assert_cmpuint (stray_devserver_get_n_connections (fixture->server), ==, 2);
}

/* Refused sockets get one connection.error frame, then a close with 1000. */
static void
assert_refused (Socket     *socket,
                int         code)
{
  g_autoptr(JsonObject) frame = NULL;
  JsonObject *error;
  guint cursor = 0;

  frame = next_frame (socket, "connection.error", &cursor);
  error = stray_json_object (frame, "error");
  g_assert_cmpint (stray_json_int (error, "code", -1), ==, code);
  g_assert_nonnull (stray_json_string (error, "message"));
  g_assert_nonnull (stray_json_int (error, "StatusCode", 0) ? "" : NULL);
  stray_test_wait_for (stray_test_flag_is_set, &socket->closed, "the refused socket to close");
  g_assert_cmpint (soup_websocket_connection_get_close_code (socket->socket), ==,
                   SOUP_WEBSOCKET_CLOSE_NORMAL);
  g_assert_cmpuint (socket->frames->len, ==, 1);
}

static void
test_handshake_errors (Fixture       *fixture,
                       G_GNUC_UNUSED gconstpointer user_data)
{
  g_autofree char *good = user_token ("alice");
  g_autofree char *expired = stray_jwt_sign_user (SECRET, "alice",
                                                  g_get_real_time () / G_USEC_PER_SEC - 60);
  g_autofree char *forged = stray_jwt_sign_user ("some-other-secret", "alice", 0);
  g_autofree char *dev = stray_fixed_token_make_dev_token ("alice");
  g_autoptr(Socket) wrong_key = socket_open_with (fixture, "wrong-key", "alice", good);
  g_autoptr(Socket) too_late = socket_open_with (fixture, API_KEY, "alice", expired);
  g_autoptr(Socket) bad_signature = socket_open_with (fixture, API_KEY, "alice", forged);
  g_autoptr(Socket) not_a_token = socket_open_with (fixture, API_KEY, "alice", "not.a.token");
  g_autoptr(Socket) dev_token = socket_open_with (fixture, API_KEY, "alice", dev);
  g_autoptr(Socket) someone_else = socket_open_with (fixture, API_KEY, "bob", good);

  assert_refused (wrong_key, 2);
  assert_refused (too_late, 40);
  assert_refused (bad_signature, 43);
  assert_refused (not_a_token, 43);
  /* Dev tokens only with allow-dev-tokens. */
  assert_refused (dev_token, 43);
  assert_refused (someone_else, 43);
  g_assert_cmpuint (stray_devserver_get_n_connections (fixture->server), ==, 0);
}

/* Blank JSON (json-glib parses it to no root at all) and a far future are refused or taken as
 * any other input, never with a critical, which G_DEBUG=fatal-warnings makes fatal here. */
static void
test_blank_json_and_far_times (Fixture       *fixture,
                               G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(JsonObject) blank = call (fixture, "POST", "/channels", "alice", NULL, " \n\t ", 400);
  g_autoptr(JsonObject) claims = json_object_new ();
  g_autofree char *far = NULL;
  g_autofree char *blank_payload = NULL;
  g_autoptr(Socket) far_socket = NULL;
  g_autoptr(Socket) blank_socket = NULL;
  g_autoptr(JsonObject) frame = NULL;
  guint cursor = 0;

  assert_error (blank, 4, 400);
  /* Signed, and good until long after any clock: accepted (a double beyond gint64). */
  json_object_set_string_member (claims, "user_id", "alice");
  json_object_set_double_member (claims, "exp", 1e300);
  far = stray_jwt_sign (SECRET, claims);
  far_socket = socket_open_with (fixture, API_KEY, "alice", far);
  frame = next_frame (far_socket, "health.check", &cursor);
  g_assert_cmpstr (stray_json_string (stray_json_object (frame, "me"), "id"), ==, "alice");
  /* A payload of blanks, base64 "ICAg": refused as malformed. */
  blank_payload = g_strdup ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.ICAg.c2lnbmF0dXJl");
  blank_socket = socket_open_with (fixture, API_KEY, "alice", blank_payload);
  assert_refused (blank_socket, 43);
}

/* A token's claims nested deeper than any token needs are refused before json-glib, whose
 * recursion 200,000 levels down would overflow the stack. */
static void
test_jwt_deep_nesting (void)
{
  g_autoptr(GString) deep = g_string_new ("{\"user_id\":");
  g_autofree char *header = g_base64_encode ((const guchar *) "{\"alg\":\"HS256\"}", 15);
  g_autofree char *payload = NULL;
  g_autofree char *token = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 200000; i++)
    g_string_append_c (deep, '[');
  payload = g_base64_encode ((const guchar *) deep->str, deep->len);
  token = g_strdup_printf ("%s.%s.c2lnbmF0dXJl", header, payload);
  claims = stray_jwt_verify (token, SECRET, FALSE, 0, &error);
  g_assert_null (claims);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "malformed"));
}

static void
test_dev_tokens_allowed (void)
{
  g_autoptr(StrayDevserver) server = g_object_new (STRAY_TYPE_DEVSERVER,
                                                   "api-key", API_KEY, "secret", SECRET,
                                                   "allow-dev-tokens", TRUE, NULL);
  Fixture fixture = { .server = server };
  g_autofree char *dev = stray_fixed_token_make_dev_token ("alice");
  g_autoptr(Socket) socket = NULL;
  g_autoptr(JsonObject) frame = NULL;
  g_autoptr(GError) error = NULL;
  guint cursor = 0;

  stray_devserver_listen (server, "127.0.0.1:0", &error);
  g_assert_no_error (error);
  fixture.base_url = stray_devserver_get_base_url (server);
  fixture.session = soup_session_new ();
  socket = socket_open_with (&fixture, API_KEY, "alice", dev);
  frame = next_frame (socket, "health.check", &cursor);
  g_assert_cmpstr (stray_json_string (stray_json_object (frame, "me"), "id"), ==, "alice");
  g_clear_pointer (&socket, socket_close);
  g_clear_object (&fixture.session);
}

static void
test_ping (Fixture       *fixture,
           G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(Socket) alice = socket_open (fixture, "alice");
  g_autoptr(JsonObject) answer = NULL;
  guint cursor = 1;

  send_frame (alice, "[{\"type\":\"health.check\",\"client_id\":\"alice--1234\"}]");
  answer = next_frame (alice, "health.check", &cursor);
  g_assert_cmpstr (stray_json_string (answer, "connection_id"), ==, alice->connection_id);
}

static void
test_health_interval (Fixture       *fixture,
                      G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(Socket) alice = socket_open (fixture, "alice");
  gint64 start = g_get_monotonic_time ();
  g_autoptr(JsonObject) periodic = NULL;
  guint cursor = 1;

  /* The fixture runs this server with a health check every second. */
  periodic = next_frame (alice, "health.check", &cursor);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC / 2);
  g_assert_nonnull (stray_json_object (periodic, "me"));
}

/* Typing and custom events from a socket reach the channel's other watchers. */
static void
test_client_events (Fixture       *fixture,
                    G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(Socket) alice = NULL;
  g_autoptr(Socket) bob = NULL;
  g_autoptr(JsonObject) typing = NULL;
  g_autoptr(JsonObject) custom = NULL;
  guint cursor = 0;

  create_general (fixture);
  alice = socket_open (fixture, "alice");
  bob = socket_open (fixture, "bob");
  watch_general (fixture, alice, "alice");

  send_frame (bob, "{\"type\":\"typing.start\",\"cid\":\"messaging:general\"}");
  typing = next_frame (alice, "typing.start", &cursor);
  g_assert_cmpstr (stray_json_string (stray_json_object (typing, "user"), "id"), ==, "bob");
  g_assert_cmpstr (stray_json_string (typing, "channel_id"), ==, "general");

  send_frame (bob, "{\"type\":\"poll.nudge\",\"cid\":\"messaging:general\",\"extra\":[1,2]}");
  custom = next_frame (alice, "poll.nudge", &cursor);
  g_assert_nonnull (stray_json_array (custom, "extra"));

  /* Not a member: nothing is fanned out. */
  send_frame (bob, "{\"type\":\"typing.start\",\"cid\":\"messaging:elsewhere\"}");
  send_frame (bob, "[{\"type\":\"health.check\"}]");
  {
    g_autoptr(JsonObject) pong = NULL;
    guint bob_cursor = 1;

    pong = next_frame (bob, "health.check", &bob_cursor);
  }
  for (guint i = cursor; i < alice->frames->len; i++)
    g_assert_null (strstr (g_ptr_array_index (alice->frames, i), "messaging:elsewhere"));
}

/* Whatever arrives on a socket, the server stays up and its state intact. */
static void
test_hostile_frames (Fixture       *fixture,
                     G_GNUC_UNUSED gconstpointer user_data)
{
  static const char * const frames[] = {
    "", "not json", "[", "[1,2,3]", "{\"type\":7}", "{\"type\":\"message.new\",\"cid\":{}}",
    "{\"type\":\"typing.start\",\"cid\":\"messaging:general\",\"user\":null}", "null",
    "[{\"type\":\"health.check\"},\"x\",{\"type\":[]}]",
  };
  g_autoptr(Socket) alice = NULL;
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(JsonObject) pong = NULL;
  g_autoptr(JsonObject) channel = NULL;
  guint cursor = 1;

  create_general (fixture);
  alice = socket_open (fixture, "alice");
  for (guint i = 0; i < G_N_ELEMENTS (frames); i++)
    send_frame (alice, frames[i]);
  for (guint i = 0; i < 60000; i++)
    g_string_append_c (deep, '[');
  send_frame (alice, deep->str);

  send_frame (alice, "[{\"type\":\"health.check\"}]");
  pong = next_frame (alice, "health.check", &cursor);
  channel = call (fixture, "POST", "/channels/messaging/general/query", "alice", NULL, "{}", 201);
  g_assert_cmpuint (json_array_get_length (stray_json_array (channel, "members")), ==, 2);
}

/* ---- REST, user and server side, and the events they cause ---- */

static void
test_query_channels (Fixture       *fixture,
                     G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(Socket) alice = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(JsonObject) message = NULL;
  JsonObject *state, *channel, *config, *read;
  JsonArray *capabilities, *reads;
  gboolean has_read_events = FALSE;

  create_general (fixture);
  call (fixture, "POST", "/channels/team/design/query", NULL, NULL,
        "{\"data\":{\"created_by_id\":\"bob\",\"members\":[\"bob\",\"chen\"]}}", 201);
  message = send_message (fixture, "bob", "first");
  alice = socket_open (fixture, "alice");

  response = call (fixture, "POST", "/channels", "alice", alice->connection_id,
                   "{\"filter_conditions\":{\"members\":{\"$in\":[\"alice\"]}},"
                   "\"sort\":[{\"field\":\"last_message_at\",\"direction\":-1}],"
                   "\"state\":true,\"watch\":true,\"limit\":30}", 201);
  g_assert_cmpuint (json_array_get_length (stray_json_array (response, "channels")), ==, 1);
  state = json_array_get_object_element (stray_json_array (response, "channels"), 0);
  channel = stray_json_object (state, "channel");
  g_assert_cmpstr (stray_json_string (channel, "cid"), ==, "messaging:general");
  g_assert_cmpstr (stray_json_string (channel, "name"), ==, "General");
  g_assert_cmpint (stray_json_int (channel, "member_count", -1), ==, 2);
  g_assert_cmpstr (stray_json_string (stray_json_object (channel, "created_by"), "id"), ==, "bob");
  config = stray_json_object (channel, "config");
  g_assert_true (stray_json_boolean (config, "read_events", FALSE));
  capabilities = stray_json_array (channel, "own_capabilities");
  for (guint i = 0; i < json_array_get_length (capabilities); i++)
    has_read_events |= g_str_equal (json_array_get_string_element (capabilities, i),
                                    "read-events");
  g_assert_true (has_read_events);
  g_assert_cmpuint (json_array_get_length (stray_json_array (state, "messages")), ==, 1);
  g_assert_cmpuint (json_array_get_length (stray_json_array (state, "members")), ==, 2);
  g_assert_cmpstr (stray_json_string (stray_json_object (state, "membership"), "user_id"), ==,
                   "alice");
  g_assert_cmpint (stray_json_int (state, "watcher_count", -1), ==, 1);
  reads = stray_json_array (state, "read");
  g_assert_cmpuint (json_array_get_length (reads), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      read = json_array_get_object_element (reads, i);
      g_assert_cmpint (stray_json_int (read, "unread_messages", -1), ==,
                       g_str_equal (stray_json_string (stray_json_object (read, "user"), "id"),
                                    "alice") ? 1 : 0);
    }

  /* cid $in, type, $and, paging and the other sort. */
  g_clear_pointer (&response, json_object_unref);
  response = call (fixture, "POST", "/channels", NULL, NULL,
                   "{\"filter_conditions\":{\"$and\":[{\"cid\":{\"$in\":[\"team:design\","
                   "\"messaging:general\"]}},{\"type\":\"team\"}]},"
                   "\"sort\":[{\"field\":\"created_at\",\"direction\":1}],\"user_id\":\"bob\"}",
                   201);
  g_assert_cmpuint (json_array_get_length (stray_json_array (response, "channels")), ==, 1);
  g_clear_pointer (&response, json_object_unref);
  response = call (fixture, "POST", "/channels", "bob", NULL,
                   "{\"filter_conditions\":{\"members\":{\"$in\":[\"bob\"]}},"
                   "\"sort\":[{\"field\":\"created_at\",\"direction\":1}],\"limit\":1,"
                   "\"offset\":1}", 201);
  g_assert_cmpuint (json_array_get_length (stray_json_array (response, "channels")), ==, 1);
  g_assert_cmpstr (stray_json_string (stray_json_object (json_array_get_object_element (
                     stray_json_array (response, "channels"), 0), "channel"), "cid"), ==,
                   "team:design");
}

/* Channels with activity after a moment, as a recovery asks: last_updated (the last message,
 * else the creation) and last_message_at compared by time with $gt and the others. */
static void
test_query_by_time (Fixture       *fixture,
                    G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(JsonObject) quiet = NULL, busy = NULL, fresh = NULL, wrong = NULL;
  g_autoptr(JsonObject) message = NULL;
  g_autoptr(GTimeZone) zone = g_time_zone_new_offset (3600);
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *since = NULL;
  g_autofree char *body = NULL;

  create_general (fixture);
  call (fixture, "POST", "/channels/messaging/busy/query", NULL, NULL,
        "{\"data\":{\"created_by_id\":\"bob\",\"members\":[\"alice\",\"bob\"]}}", 201);
  /* The moment, with an offset rather than Z: compared as a time, not as text. */
  g_usleep (2000);
  now = g_date_time_new_now (zone);
  since = g_date_time_format_iso8601 (now);
  g_usleep (2000);
  message = call (fixture, "POST", "/channels/messaging/busy/message", "bob", NULL,
                  "{\"message\":{\"text\":\"later\"}}", 201);
  call (fixture, "POST", "/channels/messaging/fresh/query", NULL, NULL,
        "{\"data\":{\"created_by_id\":\"bob\",\"members\":[\"alice\",\"bob\"]}}", 201);

  body = g_strdup_printf ("{\"filter_conditions\":{\"members\":{\"$in\":[\"alice\"]},"
                          "\"last_updated\":{\"$gt\":\"%s\"}},\"sort\":[{\"field\":"
                          "\"last_updated\",\"direction\":-1}]}", since);
  quiet = call (fixture, "POST", "/channels", "alice", NULL, body, 201);
  g_assert_cmpuint (json_array_get_length (stray_json_array (quiet, "channels")), ==, 2);
  g_assert_cmpstr (stray_json_string (stray_json_object (json_array_get_object_element (
                     stray_json_array (quiet, "channels"), 0), "channel"), "cid"), ==,
                   "messaging:fresh");
  g_assert_cmpstr (stray_json_string (stray_json_object (json_array_get_object_element (
                     stray_json_array (quiet, "channels"), 1), "channel"), "cid"), ==,
                   "messaging:busy");
  g_free (body);

  /* last_message_at: fresh has no message, so only busy; $lte: what came before. */
  body = g_strdup_printf ("{\"filter_conditions\":{\"members\":{\"$in\":[\"alice\"]},"
                          "\"last_message_at\":{\"$gte\":\"%s\"}}}", since);
  busy = call (fixture, "POST", "/channels", "alice", NULL, body, 201);
  g_assert_cmpuint (json_array_get_length (stray_json_array (busy, "channels")), ==, 1);
  g_free (body);
  body = g_strdup_printf ("{\"filter_conditions\":{\"members\":{\"$in\":[\"alice\"]},"
                          "\"created_at\":{\"$lte\":\"%s\"}}}", since);
  fresh = call (fixture, "POST", "/channels", "alice", NULL, body, 201);
  g_assert_cmpuint (json_array_get_length (stray_json_array (fresh, "channels")), ==, 2);

  /* Not a time: refused as Stream refuses a bad filter. */
  wrong = call (fixture, "POST", "/channels", "alice", NULL,
                "{\"filter_conditions\":{\"last_updated\":{\"$gt\":\"yesterday\"}}}", 400);
  g_assert_cmpint (stray_json_int (wrong, "code", -1), ==, 4);
}

/* /_dev/traffic counts a user's calls to the API and their answers' bodies; a server's calls
 * and the hook itself are not counted. */
static void
test_traffic (Fixture       *fixture,
              G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(JsonObject) unread = NULL, again = NULL, traffic = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *unread_text = NULL;

  create_general (fixture);
  unread = call (fixture, "GET", "/unread", "alice", NULL, NULL, 200);
  again = call (fixture, "GET", "/unread", "alice", NULL, NULL, 200);
  call (fixture, "GET", "/unread?user_id=bob", NULL, NULL, NULL, 200);
  traffic = call (fixture, "POST", "/_dev/traffic", NULL, NULL, "{\"user_id\":\"alice\"}", 201);
  g_assert_cmpint (stray_json_int (traffic, "requests", -1), ==, 2);
  /* The answers' bodies as sent: a duration apart, the same length as re-encoded here. */
  node = json_node_init_object (json_node_alloc (), unread);
  unread_text = json_to_string (node, FALSE);
  g_assert_cmpint (stray_json_int (traffic, "bytes", -1), >=,
                   2 * (gint64) strlen (unread_text) - 20);
  g_assert_cmpint (stray_json_int (traffic, "bytes", -1), <=,
                   2 * (gint64) strlen (unread_text) + 20);
  g_clear_pointer (&traffic, json_object_unref);
  traffic = call (fixture, "POST", "/_dev/traffic", NULL, NULL, "{\"user_id\":\"carol\"}", 201);
  g_assert_cmpint (stray_json_int (traffic, "requests", -1), ==, 0);
}

static void
test_messages_and_unread (Fixture       *fixture,
                          G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(Socket) alice = NULL;
  g_autoptr(Socket) bob = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonObject) message = NULL;
  g_autoptr(JsonObject) unread = NULL;
  g_autoptr(JsonObject) response = NULL;
  guint cursor = 0, bob_cursor = 0;

  create_general (fixture);
  alice = socket_open (fixture, "alice");
  bob = socket_open (fixture, "bob");
  watch_general (fixture, alice, "alice");

  /* bob sends: alice watches and gets message.new; bob does not and gets nothing for his
   * own message, while a member who does not watch gets notification.message_new. */
  g_clear_pointer (&response, json_object_unref);
  response = call (fixture, "POST", "/channels/messaging/general/message", "bob",
                   bob->connection_id, "{\"message\":{\"text\":\"<b>hi</b> & bye\"}}", 201);
  event = next_frame (alice, "message.new", &cursor);
  g_assert_cmpstr (stray_json_string (stray_json_object (event, "message"), "text"), ==,
                   "<b>hi</b> & bye");
  g_assert_cmpstr (stray_json_string (stray_json_object (event, "message"), "html"), ==,
                   "<p>&lt;b&gt;hi&lt;/b&gt; &amp; bye</p>\n");
  g_assert_cmpstr (stray_json_string (stray_json_object (event, "user"), "id"), ==, "bob");
  g_assert_cmpint (stray_json_int (event, "total_unread_count", -1), ==, 1);
  g_assert_cmpint (stray_json_int (event, "unread_channels", -1), ==, 1);
  g_assert_cmpint (stray_json_int (event, "unread_count", -1), ==, 1);
  g_assert_cmpint (stray_json_int (event, "watcher_count", -1), ==, 1);
  g_assert_cmpint (stray_json_int (event, "channel_member_count", -1), ==, 2);

  /* alice sends: bob does not watch, so he gets notification.message_new with his counts. */
  message = send_message (fixture, "alice", "for bob");
  g_clear_pointer (&event, json_object_unref);
  event = next_frame (bob, "notification.message_new", &bob_cursor);
  g_assert_cmpstr (stray_json_string (stray_json_object (event, "message"), "id"), ==,
                   stray_json_string (message, "id"));
  g_assert_true (stray_json_boolean (stray_json_object (stray_json_object (event, "channel"),
                                                         "config"), "read_events", FALSE));
  g_assert_cmpint (stray_json_int (event, "total_unread_count", -1), ==, 1);
  /* Sending read the channel for alice. */
  unread = call (fixture, "GET", "/unread", "alice", NULL, NULL, 200);
  g_assert_cmpint (stray_json_int (unread, "total_unread_count", -1), ==, 0);

  /* Silent messages and own messages do not count. */
  g_clear_pointer (&response, json_object_unref);
  response = call (fixture, "POST", "/channels/messaging/general/message", NULL, NULL,
                   "{\"message\":{\"text\":\"quiet\",\"silent\":true,\"user_id\":\"alice\"}}",
                   201);
  g_clear_pointer (&unread, json_object_unref);
  unread = call (fixture, "GET", "/unread?user_id=bob", NULL, NULL, NULL, 200);
  g_assert_cmpint (stray_json_int (unread, "total_unread_count", -1), ==, 1);
  g_assert_cmpstr (stray_json_string (json_array_get_object_element (
                     stray_json_array (unread, "channels"), 0), "channel_id"), ==,
                   "messaging:general");

  /* Update, react, unreact, delete: watchers hear of each. */
  {
    g_autofree char *path = g_strdup_printf ("/messages/%s", stray_json_string (message, "id"));
    g_autofree char *reaction_path = g_strdup_printf ("%s/reaction", path);
    g_autofree char *unreact_path = g_strdup_printf ("%s/reaction/love", path);
    g_autofree char *hard_path = g_strdup_printf ("%s?hard=true", path);

    g_clear_pointer (&response, json_object_unref);
    response = call (fixture, "POST", path, "alice", NULL,
                     "{\"message\":{\"text\":\"for bob, edited\"}}", 201);
    g_clear_pointer (&event, json_object_unref);
    event = next_frame (alice, "message.updated", &cursor);
    g_assert_cmpstr (stray_json_string (stray_json_object (event, "message"), "text"), ==,
                     "for bob, edited");
    /* Only its author may change a message. */
    assert_call_fails (fixture, "POST", path, "bob", "{\"message\":{\"text\":\"mine now\"}}",
                       17, 403);

    g_clear_pointer (&response, json_object_unref);
    response = call (fixture, "POST", reaction_path, "bob", NULL,
                     "{\"reaction\":{\"type\":\"love\"}}", 201);
    g_clear_pointer (&event, json_object_unref);
    event = next_frame (alice, "reaction.new", &cursor);
    g_assert_cmpstr (stray_json_string (stray_json_object (event, "reaction"), "type"), ==,
                     "love");
    g_assert_cmpint (stray_json_int (stray_json_object (stray_json_object (event, "message"),
                                                         "reaction_counts"), "love", -1), ==, 1);
    g_clear_pointer (&response, json_object_unref);
    response = call (fixture, "DELETE", unreact_path, "bob", NULL, NULL, 201);
    g_clear_pointer (&event, json_object_unref);
    event = next_frame (alice, "reaction.deleted", &cursor);

    g_clear_pointer (&response, json_object_unref);
    response = call (fixture, "DELETE", hard_path, NULL, NULL, NULL, 201);
    g_clear_pointer (&event, json_object_unref);
    event = next_frame (alice, "message.deleted", &cursor);
    g_assert_true (stray_json_boolean (event, "hard_delete", FALSE));
    assert_call_fails (fixture, "POST", path, NULL, "{\"message\":{\"text\":\"x\"}}", 16, 404);
  }
}

static void
test_read_state (Fixture       *fixture,
                 G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(Socket) alice = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonObject) unread = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autofree char *unread_body = NULL;
  guint cursor = 0;

  create_general (fixture);
  alice = socket_open (fixture, "alice");
  watch_general (fixture, alice, "alice");
  first = send_message (fixture, "bob", "one");
  second = send_message (fixture, "bob", "two");

  response = call (fixture, "POST", "/channels/messaging/general/read", "alice",
                   alice->connection_id, "{}", 201);
  g_assert_cmpstr (stray_json_string (stray_json_object (response, "event"), "type"), ==,
                   "message.read");
  event = next_frame (alice, "message.read", &cursor);
  g_assert_cmpstr (stray_json_string (event, "last_read_message_id"), ==,
                   stray_json_string (second, "id"));
  g_clear_pointer (&event, json_object_unref);
  event = next_frame (alice, "notification.mark_read", &cursor);
  g_assert_cmpint (stray_json_int (event, "total_unread_count", -1), ==, 0);
  g_assert_cmpint (stray_json_int (event, "unread_channels", -1), ==, 0);

  unread_body = g_strdup_printf ("{\"message_id\":\"%s\"}", stray_json_string (first, "id"));
  g_clear_pointer (&response, json_object_unref);
  response = call (fixture, "POST", "/channels/messaging/general/unread", "alice", NULL,
                   unread_body, 201);
  g_clear_pointer (&event, json_object_unref);
  event = next_frame (alice, "notification.mark_unread", &cursor);
  g_assert_cmpint (stray_json_int (event, "unread_messages", -1), ==, 2);
  g_assert_cmpstr (stray_json_string (event, "first_unread_message_id"), ==,
                   stray_json_string (first, "id"));
  g_assert_cmpint (stray_json_int (event, "total_unread_count", -1), ==, 2);

  /* queryChannels' read[], GET /unread and the handshake's me agree. */
  unread = call (fixture, "GET", "/unread", "alice", NULL, NULL, 200);
  g_assert_cmpint (stray_json_int (unread, "total_unread_count", -1), ==, 2);
  {
    g_autoptr(Socket) again = socket_open (fixture, "alice");
    g_autoptr(JsonObject) handshake = parse_frame (g_ptr_array_index (again->frames, 0));

    g_assert_cmpint (stray_json_int (stray_json_object (handshake, "me"), "total_unread_count",
                                     -1), ==, 2);
    g_assert_cmpint (stray_json_int (stray_json_object (handshake, "me"), "unread_channels",
                                     -1), ==, 1);
  }

  /* Mark all read. */
  g_clear_pointer (&response, json_object_unref);
  response = call (fixture, "POST", "/channels/read", "alice", NULL, "{}", 201);
  g_clear_pointer (&event, json_object_unref);
  event = next_frame (alice, "notification.mark_read", &cursor);
  g_assert_cmpint (stray_json_int (event, "total_unread_count", -1), ==, 0);
  g_assert_false (json_object_has_member (event, "cid"));
  g_clear_pointer (&unread, json_object_unref);
  unread = call (fixture, "GET", "/unread", "alice", NULL, NULL, 200);
  g_assert_cmpint (stray_json_int (unread, "total_unread_count", -1), ==, 0);
}

static void
test_mutes (Fixture       *fixture,
            G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(Socket) alice = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(JsonObject) message = NULL;
  g_autoptr(JsonObject) unread = NULL;
  JsonArray *mutes;
  guint cursor = 0;

  create_general (fixture);
  alice = socket_open (fixture, "alice");
  response = call (fixture, "POST", "/moderation/mute/channel", "alice", NULL,
                   "{\"channel_cid\":\"messaging:general\"}", 201);
  g_assert_cmpstr (stray_json_string (stray_json_object (stray_json_object (response,
                                                                             "channel_mute"),
                                                          "channel"), "cid"), ==,
                   "messaging:general");
  event = next_frame (alice, "notification.channel_mutes_updated", &cursor);
  mutes = stray_json_array (stray_json_object (event, "me"), "channel_mutes");
  g_assert_cmpuint (json_array_get_length (mutes), ==, 1);
  g_clear_pointer (&event, json_object_unref);
  event = next_frame (alice, "channel.muted", &cursor);

  /* Muted: a message does not count for alice. */
  message = send_message (fixture, "bob", "shh");
  unread = call (fixture, "GET", "/unread", "alice", NULL, NULL, 200);
  g_assert_cmpint (stray_json_int (unread, "total_unread_count", -1), ==, 0);

  g_clear_pointer (&response, json_object_unref);
  response = call (fixture, "POST", "/moderation/unmute/channel", "alice", NULL,
                   "{\"channel_cid\":\"messaging:general\"}", 201);
  g_clear_pointer (&event, json_object_unref);
  event = next_frame (alice, "notification.channel_mutes_updated", &cursor);
  g_assert_cmpuint (json_array_get_length (stray_json_array (stray_json_object (event, "me"),
                                                             "channel_mutes")), ==, 0);
  g_clear_pointer (&event, json_object_unref);
  event = next_frame (alice, "channel.unmuted", &cursor);

  /* A mute with an expiration lapses by itself. */
  g_clear_pointer (&response, json_object_unref);
  response = call (fixture, "POST", "/moderation/mute/channel", "alice", NULL,
                   "{\"channel_cid\":\"messaging:general\",\"expiration\":1}", 201);
  g_usleep (5000);
  g_assert_false (stray_dev_store_is_channel_muted (stray_devserver_get_store (fixture->server),
                                                    "alice", "messaging:general"));
}

static void
test_channel_changes (Fixture       *fixture,
                      G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(Socket) alice = NULL;
  g_autoptr(Socket) chen = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonObject) response = NULL;
  guint cursor = 0, chen_cursor = 0;

  create_general (fixture);
  alice = socket_open (fixture, "alice");
  chen = socket_open (fixture, "chen");
  watch_general (fixture, alice, "alice");

  response = call (fixture, "POST", "/channels/messaging/general", NULL, NULL,
                   "{\"data\":{\"name\":\"General chat\",\"image\":\"https://x/g.png\"}}", 201);
  event = next_frame (alice, "channel.updated", &cursor);
  g_assert_cmpstr (stray_json_string (stray_json_object (event, "channel"), "name"), ==,
                   "General chat");

  g_clear_pointer (&response, json_object_unref);
  response = call (fixture, "POST", "/channels/messaging/general", NULL, NULL,
                   "{\"add_members\":[\"chen\"]}", 201);
  g_clear_pointer (&event, json_object_unref);
  event = next_frame (alice, "member.added", &cursor);
  g_assert_cmpstr (stray_json_string (stray_json_object (event, "member"), "user_id"), ==, "chen");
  g_clear_pointer (&event, json_object_unref);
  event = next_frame (chen, "notification.added_to_channel", &chen_cursor);
  g_assert_cmpstr (stray_json_string (stray_json_object (event, "channel"), "cid"), ==,
                   "messaging:general");

  g_clear_pointer (&response, json_object_unref);
  response = call (fixture, "POST", "/channels/messaging/general", NULL, NULL,
                   "{\"remove_members\":[\"chen\"]}", 201);
  g_clear_pointer (&event, json_object_unref);
  event = next_frame (alice, "member.removed", &cursor);
  g_clear_pointer (&event, json_object_unref);
  event = next_frame (chen, "notification.removed_from_channel", &chen_cursor);

  g_clear_pointer (&response, json_object_unref);
  response = call (fixture, "POST", "/channels/messaging/general", NULL, NULL,
                   "{\"data\":{\"frozen\":true}}", 201);
  g_clear_pointer (&event, json_object_unref);
  event = next_frame (alice, "channel.frozen", &cursor);
  assert_call_fails (fixture, "POST", "/channels/messaging/general/message", "alice",
                     "{\"message\":{\"text\":\"frozen out\"}}", 17, 403);

  g_clear_pointer (&response, json_object_unref);
  response = call (fixture, "POST", "/channels/messaging/general/hide", "alice", NULL,
                   "{\"user_id\":null,\"clear_history\":false}", 201);
  g_clear_pointer (&event, json_object_unref);
  event = next_frame (alice, "channel.hidden", &cursor);
  g_clear_pointer (&response, json_object_unref);
  response = call (fixture, "POST", "/channels/messaging/general/show", "alice", NULL,
                   "{\"user_id\":null}", 201);
  g_clear_pointer (&event, json_object_unref);
  event = next_frame (alice, "channel.visible", &cursor);

  g_clear_pointer (&response, json_object_unref);
  response = call (fixture, "POST", "/channels/messaging/general/event", "alice", NULL,
                   "{\"event\":{\"type\":\"typing.start\"}}", 201);
  g_clear_pointer (&event, json_object_unref);
  event = next_frame (alice, "typing.start", &cursor);
  assert_call_fails (fixture, "POST", "/channels/messaging/general/event", "alice",
                     "{\"event\":{\"type\":\"message.new\"}}", 4, 400);

  g_clear_pointer (&response, json_object_unref);
  response = call (fixture, "POST", "/channels/messaging/general/truncate", NULL, NULL, "{}",
                   201);
  g_clear_pointer (&event, json_object_unref);
  event = next_frame (alice, "channel.truncated", &cursor);

  g_clear_pointer (&response, json_object_unref);
  response = call (fixture, "POST", "/channels/messaging/general/stop-watching", "alice",
                   alice->connection_id, "{}", 201);
  g_clear_pointer (&response, json_object_unref);
  response = call (fixture, "DELETE", "/channels/messaging/general", NULL, NULL, NULL, 201);
  /* alice stopped watching, so the deletion reaches her as a notification. */
  g_clear_pointer (&event, json_object_unref);
  event = next_frame (alice, "notification.channel_deleted", &cursor);
  assert_call_fails (fixture, "POST", "/channels/messaging/general/message", "alice",
                     "{\"message\":{\"text\":\"gone\"}}", 16, 404);
}

static void
test_distinct_channel (Fixture       *fixture,
                       G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;
  const char *first_cid, *second_cid;

  first = call (fixture, "POST", "/channels/messaging/query", "alice", NULL,
                "{\"data\":{\"members\":[\"alice\",\"bob\"]}}", 201);
  second = call (fixture, "POST", "/channels/messaging/query", "bob", NULL,
                 "{\"data\":{\"members\":[\"bob\",\"alice\"]}}", 201);
  first_cid = stray_json_string (stray_json_object (first, "channel"), "cid");
  second_cid = stray_json_string (stray_json_object (second, "channel"), "cid");
  g_assert_true (g_str_has_prefix (first_cid, "messaging:!members-"));
  g_assert_cmpstr (first_cid, ==, second_cid);
  g_assert_cmpuint (json_array_get_length (stray_json_array (first, "members")), ==, 2);
  g_assert_nonnull (stray_json_array (first, "messages"));
}

static void
test_upsert_users (Fixture       *fixture,
                   G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(JsonObject) response = NULL;
  JsonObject *users;

  response = call (fixture, "POST", "/users", NULL, NULL,
                   "{\"users\":{\"zoe\":{\"id\":\"zoe\",\"name\":\"Zoë\",\"team\":\"blue\"}}}",
                   201);
  users = stray_json_object (response, "users");
  g_assert_cmpstr (stray_json_string (stray_json_object (users, "zoe"), "name"), ==, "Zoë");
  g_assert_cmpstr (stray_json_string (stray_json_object (users, "zoe"), "team"), ==, "blue");
  assert_call_fails (fixture, "POST", "/users", "zoe",
                     "{\"users\":{\"zoe\":{\"id\":\"zoe\",\"role\":\"admin\"}}}", 17, 403);
  assert_call_fails (fixture, "POST", "/users", NULL,
                     "{\"users\":{\"zoe\":{\"id\":\"someone-else\"}}}", 4, 400);
}

/* ---- errors, in Stream's shape ---- */

static void
test_errors (Fixture       *fixture,
             G_GNUC_UNUSED gconstpointer user_data)
{
  g_autofree char *token = user_token ("alice");
  g_autoptr(GString) deep = g_string_new ("{\"filter_conditions\":");
  g_autoptr(GString) huge = g_string_new ("{\"message\":{\"text\":\"");
  g_autoptr(JsonObject) response = NULL;
  guint status;

  create_general (fixture);

  /* Bad bodies: code 4. */
  assert_call_fails (fixture, "POST", "/channels", "alice", "{not json", 4, 400);
  assert_call_fails (fixture, "POST", "/channels", "alice", "[1,2]", 4, 400);
  assert_call_fails (fixture, "POST", "/channels", "alice", "{}", 4, 400);
  assert_call_fails (fixture, "POST", "/channels", "alice",
                     "{\"filter_conditions\":{\"members\":{\"$regex\":\"a\"}}}", 4, 400);
  assert_call_fails (fixture, "POST", "/channels", "alice",
                     "{\"filter_conditions\":{},\"limit\":31}", 4, 400);
  assert_call_fails (fixture, "POST", "/channels", "alice",
                     "{\"filter_conditions\":{},\"sort\":[{\"field\":\"rank\"}]}", 4, 400);
  assert_call_fails (fixture, "POST", "/channels/messaging/general/message", "alice",
                     "{\"message\":\"hello\"}", 4, 400);
  assert_call_fails (fixture, "POST", "/channels/messaging/general/message", "alice",
                     "{\"message\":{\"text\":42}}", 4, 400);
  assert_call_fails (fixture, "POST", "/channels/messaging/general/unread", "alice", "{}", 4, 400);
  assert_call_fails (fixture, "POST", "/moderation/mute/channel", "alice", "{}", 4, 400);
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  assert_call_fails (fixture, "POST", "/channels", "alice", deep->str, 4, 400);

  /* Unknown things: code 16. */
  assert_call_fails (fixture, "POST", "/channels/messaging/nowhere/message", "alice",
                     "{\"message\":{\"text\":\"x\"}}", 16, 404);
  assert_call_fails (fixture, "POST", "/channels/messaging/nowhere/read", "alice", "{}", 16, 404);
  assert_call_fails (fixture, "POST", "/channels/messaging/general/unread", "alice",
                     "{\"message_id\":\"no-such-message\"}", 16, 404);
  assert_call_fails (fixture, "DELETE", "/messages/no-such-message", NULL, NULL, 16, 404);
  assert_call_fails (fixture, "GET", "/no/such/endpoint", "alice", NULL, 16, 404);

  /* Not allowed: code 17. */
  assert_call_fails (fixture, "POST", "/channels/messaging/general/message", "mallory",
                     "{\"message\":{\"text\":\"let me in\"}}", 17, 403);
  assert_call_fails (fixture, "POST", "/_dev/drop", "alice", "{}", 17, 403);

  /* Wrong API key: code 2; no token, a bad one, a mismatched user_id. */
  response = request_raw (fixture, "GET", "/unread?api_key=wrong", token, NULL, 0, &status);
  g_assert_cmpuint (status, ==, 401);
  assert_error (response, 2, 401);
  g_clear_pointer (&response, json_object_unref);
  response = request_raw (fixture, "GET", "/unread", token, NULL, 0, &status);
  assert_error (response, 2, 401);
  g_clear_pointer (&response, json_object_unref);
  response = request_raw (fixture, "GET", "/unread?api_key=" API_KEY, NULL, NULL, 0, &status);
  g_assert_cmpuint (status, ==, 400);
  assert_error (response, 4, 400);
  g_clear_pointer (&response, json_object_unref);
  response = request_raw (fixture, "GET", "/unread?api_key=" API_KEY, "e30.e30.e30", NULL, 0,
                          &status);
  assert_error (response, 43, 401);
  g_clear_pointer (&response, json_object_unref);
  response = request_raw (fixture, "GET", "/unread?api_key=" API_KEY "&user_id=bob", token,
                          NULL, 0, &status);
  assert_error (response, 43, 401);

  /* An oversized body is refused from its headers, with Stream's code for it (22). */
  while (huge->len < 2 * 1024 * 1024)
    g_string_append_c (huge, 'x');
  g_string_append (huge, "\"}}");
  g_clear_pointer (&response, json_object_unref);
  response = request_raw (fixture, "POST",
                          "/channels/messaging/general/message?api_key=" API_KEY, token,
                          huge->str, huge->len, &status);
  g_assert_cmpuint (status, ==, 413);
  assert_error (response, 22, 413);

  /* And after all that, the state is as it was. */
  g_clear_pointer (&response, json_object_unref);
  response = call (fixture, "POST", "/channels/messaging/general/query", "alice", NULL, "{}",
                   201);
  g_assert_cmpuint (json_array_get_length (stray_json_array (response, "messages")), ==, 0);
  g_assert_cmpuint (json_array_get_length (stray_json_array (response, "members")), ==, 2);
}

/* Mangled versions of good bodies on every route: each gets an answer in Stream's shape,
 * and afterwards the counts still agree with each other. */
static void
test_mangled_bodies (Fixture       *fixture,
                     G_GNUC_UNUSED gconstpointer user_data)
{
  static const struct {
    const char *method;
    const char *path;
    const char *body;
  } routes[] = {
    { "POST", "/channels", "{\"filter_conditions\":{\"$and\":[{\"members\":{\"$in\":[\"alice\"]}},"
                           "{\"type\":{\"$in\":[\"messaging\"]}}]},\"sort\":[{\"field\":"
                           "\"last_message_at\",\"direction\":-1}],\"limit\":5,\"watch\":true}" },
    { "POST", "/channels/messaging/general/message", "{\"message\":{\"text\":\"hi\","
                                                     "\"mentioned_users\":[\"bob\"]}}" },
    { "POST", "/channels/messaging/general/read", "{\"message_id\":null}" },
    { "POST", "/channels/messaging/general/event", "{\"event\":{\"type\":\"custom.x\","
                                                   "\"data\":[1,{\"a\":2}]}}" },
    { "POST", "/channels/messaging/general", "{\"data\":{\"name\":\"G\"},"
                                             "\"add_members\":[\"chen\"]}" },
    { "POST", "/channels/messaging/other/query", "{\"data\":{\"members\":[\"alice\"],"
                                                 "\"name\":\"Other\"},\"watch\":true}" },
    { "POST", "/moderation/mute/channel", "{\"channel_cid\":\"messaging:general\","
                                          "\"expiration\":1000}" },
    { "POST", "/channels/messaging/general/hide", "{\"clear_history\":true}" },
  };
  g_autoptr(JsonObject) queried = NULL;
  g_autoptr(JsonObject) unread = NULL;
  g_autofree char *token = user_token ("alice");
  guint sum = 0;

  create_general (fixture);
  for (guint round = 0; round < 60; round++)
    for (guint r = 0; r < G_N_ELEMENTS (routes); r++)
      {
        g_autoptr(GString) body = g_string_new (routes[r].body);
        g_autofree char *path = g_strconcat (routes[r].path, "?api_key=" API_KEY, NULL);
        g_autoptr(JsonObject) response = NULL;
        guint status, n_edits = g_test_rand_int_range (1, 4);

        for (guint e = 0; e < n_edits; e++)
          {
            guint at = g_test_rand_int_range (0, body->len);
            static const char pieces[] = "{}[]\",:0123456789.-truefalsnl\\\x7f\xc3";

            switch (g_test_rand_int_range (0, 4))
              {
              case 0:
                g_string_truncate (body, at);
                break;
              case 1:
                body->str[at] = pieces[g_test_rand_int_range (0, sizeof pieces - 1)];
                break;
              case 2:
                g_string_insert_c (body, at, pieces[g_test_rand_int_range (0, sizeof pieces - 1)]);
                break;
              default:
                {
                  gsize span = (gsize) g_test_rand_int_range (1, 8);

                  g_string_erase (body, at, MIN (body->len - at, span));
                }
                break;
              }
            if (body->len == 0)
              break;
          }

        response = request_raw (fixture, routes[r].method, path, token, body->str, body->len,
                                &status);
        if (status >= 300)
          {
            g_assert_cmpint (stray_json_int (response, "StatusCode", -1), ==, status);
            g_assert_cmpint (stray_json_int (response, "code", -1), >, 0);
            g_assert_nonnull (stray_json_string (response, "message"));
          }
        else
          g_assert_cmpuint (status, ==, 201);
      }

  /* The server still answers, and its counts agree with each other. */
  queried = call (fixture, "POST", "/channels", "alice", NULL,
                  "{\"filter_conditions\":{\"members\":{\"$in\":[\"alice\"]}},"
                  "\"filter_hidden\":1,\"limit\":30}", 201);
  for (guint i = 0; i < json_array_get_length (stray_json_array (queried, "channels")); i++)
    {
      JsonObject *state = json_array_get_object_element (stray_json_array (queried, "channels"), i);
      JsonArray *reads = stray_json_array (state, "read");

      for (guint j = 0; j < json_array_get_length (reads); j++)
        {
          JsonObject *read = json_array_get_object_element (reads, j);

          if (g_str_equal (stray_json_string (stray_json_object (read, "user"), "id"), "alice") &&
              !stray_dev_store_is_channel_muted (stray_devserver_get_store (fixture->server),
                                                 "alice", stray_json_string (stray_json_object (
                                                   state, "channel"), "cid")))
            sum += stray_json_int (read, "unread_messages", 0);
        }
    }
  unread = call (fixture, "GET", "/unread", "alice", NULL, NULL, 200);
  /* Hidden channels are left out of queryChannels but still count, so ≥. */
  g_assert_cmpint (stray_json_int (unread, "total_unread_count", -1), >=, sum);
}

/* ---- hostile clients on a raw socket: bodies, slow headers, what libsoup refuses ---- */

/* What a hostile client may send: far beyond the 1 MiB limit, as in issue 15's finding. */
#define HUGE_BODY ((guint64) 200 * 1024 * 1024)
#define SEND_BLOCK (64 * 1024)

typedef struct {
  GSocketConnection *connection;
  GString *received;
  gboolean closed;          /* the server let go: end of stream or a reset */
  gint64 connected_at;      /* monotonic µs */
  gint64 closed_at;
  guint8 buffer[16 * 1024];
  /* A body streamed after the headers, until it is all sent or a write fails. */
  GBytes *block;
  guint64 to_send;
  guint64 sent;
  gboolean chunked;         /* the last chunk is still to be sent */
  gboolean sending;
} RawClient;

static void
on_raw_read (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  RawClient *client = user_data;
  gssize n_read = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n_read <= 0)
    {
      client->closed = TRUE;
      client->closed_at = g_get_monotonic_time ();
      return;
    }
  g_string_append_len (client->received, (const char *) client->buffer, n_read);
  g_input_stream_read_async (G_INPUT_STREAM (source), client->buffer, sizeof client->buffer,
                             G_PRIORITY_DEFAULT, NULL, on_raw_read, client);
}

/* A connection to the server, read from as long as it is open. */
static RawClient *
raw_connect (Fixture *fixture)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  RawClient *client = g_new0 (RawClient, 1);

  /* The kernel completes the connection from the listen queue: no main loop needed. */
  client->connection = g_socket_client_connect_to_uri (socket_client, fixture->base_url, 80,
                                                       NULL, &error);
  g_assert_no_error (error);
  client->connected_at = g_get_monotonic_time ();
  client->received = g_string_new (NULL);
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (client->connection)),
                             client->buffer, sizeof client->buffer, G_PRIORITY_DEFAULT, NULL,
                             on_raw_read, client);
  return client;
}

static void
raw_free (RawClient *client)
{
  g_io_stream_close (G_IO_STREAM (client->connection), NULL, NULL);
  /* The pending read ends with the close. */
  stray_test_wait_for (stray_test_flag_is_set, &client->closed, "the raw client's read to end");
  stray_test_wait_for (stray_test_pointer_is_null, &client->block, "the raw client's writes");
  g_object_unref (client->connection);
  g_string_free (client->received, TRUE);
  g_free (client);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RawClient, raw_free)

static void
raw_send (RawClient  *client,
          const char *text)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (client->connection)),
                             text, strlen (text), NULL, NULL, &error);
  g_assert_no_error (error);
}

static void send_next_block (RawClient *client);

static void
on_block_sent (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  RawClient *client = user_data;
  gsize written = 0;

  /* A failed write is the server closing the connection on a body it refused. */
  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &written, NULL);
  client->sent += written;
  if (written == g_bytes_get_size (client->block) && client->sent < client->to_send)
    send_next_block (client);
  else if (written == g_bytes_get_size (client->block) && client->chunked)
    {
      /* All of it sent: the last chunk ends the body. */
      client->chunked = FALSE;
      g_bytes_unref (client->block);
      client->block = g_bytes_new_static ("0\r\n\r\n", 5);
      client->to_send += 5;
      send_next_block (client);
    }
  else
    {
      client->sending = FALSE;
      g_clear_pointer (&client->block, g_bytes_unref);
    }
}

static void
send_next_block (RawClient *client)
{
  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (client->connection)),
                                   g_bytes_get_data (client->block, NULL),
                                   g_bytes_get_size (client->block), G_PRIORITY_DEFAULT, NULL,
                                   on_block_sent, client);
}

/* Streams @length bytes of body, one 64 KiB block (or chunk) at a time from one buffer, so
 * that the client itself holds nothing. */
static void
raw_stream_body (RawClient *client,
                 guint64    length,
                 gboolean   chunked)
{
  GString *block = g_string_new (NULL);

  if (chunked)
    g_string_append_printf (block, "%x\r\n", SEND_BLOCK);
  for (guint i = 0; i < SEND_BLOCK / 8; i++)
    g_string_append (block, "xxxxxxxx");
  if (chunked)
    g_string_append (block, "\r\n");
  client->block = g_string_free_to_bytes (block);
  client->to_send = length;
  client->chunked = chunked;
  client->sending = TRUE;
  send_next_block (client);
}

static gboolean
raw_is_done (gconstpointer data)
{
  const RawClient *client = data;

  return client->closed && !client->sending;
}

static gboolean raw_has_answer (gconstpointer data);

/* The client stopped sending, and was answered or let go. */
static gboolean
raw_is_answered (gconstpointer data)
{
  const RawClient *client = data;

  return (client->closed || raw_has_answer (client)) && !client->sending;
}

/* The first whole answer received: its status, and its body parsed; NULL until it is whole. */
static JsonObject *
raw_take_answer (RawClient *client,
                 guint     *out_status)
{
  const char *end_of_headers = strstr (client->received->str, "\r\n\r\n");
  const char *length_header;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize headers_length, body_length;
  JsonNode *root;

  if (end_of_headers == NULL)
    return NULL;
  headers_length = end_of_headers + 4 - client->received->str;
  length_header = g_strstr_len (client->received->str, headers_length, "Content-Length: ");
  g_assert_nonnull (length_header);
  body_length = strtoul (length_header + strlen ("Content-Length: "), NULL, 10);
  if (client->received->len < headers_length + body_length)
    return NULL;

  g_assert_true (g_str_has_prefix (client->received->str, "HTTP/1."));
  *out_status = strtoul (client->received->str + strlen ("HTTP/1.1 "), NULL, 10);
  json_parser_load_from_data (parser, end_of_headers + 4, body_length, &error);
  g_assert_no_error (error);
  g_string_erase (client->received, 0, headers_length + body_length);
  root = json_parser_get_root (parser);
  /* Not an empty body, as libsoup's own refusals have. */
  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

static gboolean
raw_has_answer (gconstpointer data)
{
  const RawClient *client = data;
  const char *end_of_headers = strstr (client->received->str, "\r\n\r\n");
  const char *length_header;

  if (end_of_headers == NULL)
    return FALSE;
  length_header = strstr (client->received->str, "Content-Length: ");
  return length_header != NULL && length_header < end_of_headers &&
         client->received->len >= (gsize) (end_of_headers + 4 - client->received->str) +
                                   strtoul (length_header + strlen ("Content-Length: "), NULL,
                                            10);
}

/* The largest gap between two ticks of a 10 ms timeout: how long the main loop, which serves
 * the devserver here, was ever blocked. */
typedef struct {
  guint id;
  gint64 last_tick;
  gint64 largest_gap;
} StallWatch;

static gboolean
on_stall_tick (gpointer user_data)
{
  StallWatch *watch = user_data;
  gint64 now = g_get_monotonic_time ();

  watch->largest_gap = MAX (watch->largest_gap, now - watch->last_tick);
  watch->last_tick = now;
  return G_SOURCE_CONTINUE;
}

static void
stall_watch_start (StallWatch *watch)
{
  watch->last_tick = g_get_monotonic_time ();
  watch->largest_gap = 0;
  watch->id = g_timeout_add (10, on_stall_tick, watch);
}

/* Returns the largest gap in ms. */
static double
stall_watch_stop (StallWatch *watch)
{
  on_stall_tick (watch);
  g_clear_handle_id (&watch->id, g_source_remove);
  return watch->largest_gap / 1000.0;
}

static guint64
proc_status_kb (const char *field)
{
  g_autofree char *status = NULL;
  g_autofree char *needle = g_strconcat ("\n", field, ":", NULL);
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, needle);
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen (needle), NULL, 10);
}

/* The peak so far is forgotten (Linux ≥ 4.0), so that VmHWM is this test's own peak. */
static void
reset_peak_memory (void)
{
  g_file_set_contents ("/proc/self/clear_refs", "5", 1, NULL);
}

/* A client sends a 200 MB body, declared by Content-Length or chunked: the server answers 413
 * in Stream's shape as soon as it knows, without holding the body, and closes the connection;
 * the client cannot even send most of it. */
static void
assert_huge_body_refused (Fixture  *fixture,
                          gboolean  chunked)
{
  g_autoptr(RawClient) client = raw_connect (fixture);
  g_autoptr(JsonObject) answer = NULL;
  g_autofree char *headers = NULL;
  StallWatch watch;
  guint64 rss_before_kb, hwm_kb;
  double largest_gap_ms;
  guint status = 0;

  reset_peak_memory ();
  rss_before_kb = proc_status_kb ("VmRSS");
  stall_watch_start (&watch);
  headers = g_strdup_printf ("POST /channels?api_key=" API_KEY " HTTP/1.1\r\n"
                             "Host: 127.0.0.1\r\nAuthorization: %s\r\nstream-auth-type: jwt\r\n"
                             "Content-Type: application/json\r\n%s\r\n",
                             fixture->server_token,
                             chunked ? "Transfer-Encoding: chunked\r\n"
                                     : "Content-Length: 209715200\r\n");
  raw_send (client, headers);
  raw_stream_body (client, HUGE_BODY, chunked);
  g_assert_true (stray_test_try_wait_for (raw_is_answered, client, WAIT_SECONDS));
  largest_gap_ms = stall_watch_stop (&watch);
  hwm_kb = proc_status_kb ("VmHWM");

  g_test_message ("%s body of 200 MiB: %" G_GUINT64_FORMAT " KiB sent before the server closed; "
                  "memory peak %" G_GUINT64_FORMAT " KiB over VmRSS %" G_GUINT64_FORMAT
                  " KiB; largest main-loop gap %.1f ms",
                  chunked ? "a chunked" : "a Content-Length", client->sent / 1024,
                  hwm_kb - MIN (hwm_kb, rss_before_kb), rss_before_kb, largest_gap_ms);
  /* Refused early: most of the body could not even be sent, nor was any of it held.
   * AddressSanitizer's shadow memory and quarantine add to VmHWM, but not hundreds of MB: the
   * same bound holds in both builds. */
  g_assert_cmpuint (client->sent, <, 32 * 1024 * 1024);
  g_assert_cmpuint (hwm_kb, <, rss_before_kb + 64 * 1024);
  g_assert_cmpfloat (largest_gap_ms, <, 100);
  answer = raw_take_answer (client, &status);
  g_assert_nonnull (answer);
  g_assert_cmpuint (status, ==, 413);
  assert_error (answer, 22, 413);
  g_assert_nonnull (strstr (stray_json_string (answer, "message"), "over the limit"));
  /* And the connection is closed. */
  g_assert_true (stray_test_try_wait_for (stray_test_flag_is_set, &client->closed,
                                          WAIT_SECONDS));
}

static void
test_huge_body_by_length (Fixture       *fixture,
                          G_GNUC_UNUSED gconstpointer user_data)
{
  assert_huge_body_refused (fixture, FALSE);
}

static void
test_huge_body_chunked (Fixture       *fixture,
                        G_GNUC_UNUSED gconstpointer user_data)
{
  assert_huge_body_refused (fixture, TRUE);
}

/* A complete request on @client's connection is served (401 without a token): it is open. */
static void
assert_raw_served (RawClient *client)
{
  g_autoptr(JsonObject) answer = NULL;
  guint status = 0;

  raw_send (client, "GET /unread HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  stray_test_wait_for (raw_has_answer, client, "an answer on a raw connection");
  answer = raw_take_answer (client, &status);
  g_assert_cmpuint (status, ==, 401);
  assert_error (answer, 2, 401);
}

/* @client, whose request never came, is answered 408 (code 23), after which the server closes. */
static void
assert_raw_timed_out (RawClient *client)
{
  g_autoptr(JsonObject) answer = NULL;
  guint status = 0;

  g_assert_true (stray_test_try_wait_for (raw_is_done, client, WAIT_SECONDS));
  answer = raw_take_answer (client, &status);
  g_assert_nonnull (answer);
  g_assert_cmpuint (status, ==, 408);
  assert_error (answer, 23, 408);
}

/* A client that sends half a request line and stops, or nothing, is answered 408 and
 * disconnected once the time for a request is up; so is one that stops halfway through its
 * second request on a kept-alive connection. An idle kept-alive connection and a WebSocket
 * stay. */
static void
test_slow_headers (Fixture       *fixture,
                   G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(RawClient) kept_alive = NULL;
  g_autoptr(RawClient) slow = NULL;
  g_autoptr(RawClient) silent = NULL;
  g_autoptr(Socket) socket = NULL;
  StallWatch watch;
  double largest_gap_ms, waited_ms;
  gint64 sent_at;

  dev_set_request_timeout (fixture->server, 500);
  socket = socket_open (fixture, "alice");
  kept_alive = raw_connect (fixture);
  assert_raw_served (kept_alive);

  stall_watch_start (&watch);
  slow = raw_connect (fixture);
  silent = raw_connect (fixture);
  raw_send (slow, "GET /unread?api_key=" API_KEY " HT");
  assert_raw_timed_out (slow);
  assert_raw_timed_out (silent);
  largest_gap_ms = stall_watch_stop (&watch);
  waited_ms = (slow->closed_at - slow->connected_at) / 1000.0;
  g_test_message ("half a request line: disconnected after %.0f ms (limit 500 ms); "
                  "largest main-loop gap %.1f ms", waited_ms, largest_gap_ms);
  g_assert_cmpfloat (waited_ms, >=, 450);
  g_assert_cmpfloat (largest_gap_ms, <, 100);

  /* Idle for longer than the limit, both still work. */
  g_assert_false (kept_alive->closed);
  assert_raw_served (kept_alive);
  g_assert_false (socket->closed);
  g_assert_cmpint (soup_websocket_connection_get_state (socket->socket), ==,
                   SOUP_WEBSOCKET_STATE_OPEN);

  /* The time runs for a kept-alive connection's next request from its first byte. */
  sent_at = g_get_monotonic_time ();
  raw_send (kept_alive, "GET /unr");
  assert_raw_timed_out (kept_alive);
  waited_ms = (kept_alive->closed_at - sent_at) / 1000.0;
  g_test_message ("half a request line on a kept-alive connection: disconnected after %.0f ms",
                  waited_ms);
  g_assert_cmpfloat (waited_ms, >=, 450);
}

static gboolean
server_waits_for (gconstpointer data)
{
  const struct { StrayDevserver *server; guint count; } *expected = data;

  return expected->server->waiting->length == expected->count;
}

/* Past the most connections that may wait for their request, the one that waited longest is
 * answered 408 and let go; the others, and a request that comes, are served. */
static void
test_many_waiting (Fixture       *fixture,
                   G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(RawClient) oldest = NULL;
  g_autoptr(RawClient) older = NULL;
  g_autoptr(RawClient) newest = NULL;
  struct { StrayDevserver *server; guint count; } expected = { fixture->server, 1 };

  dev_set_max_waiting (fixture->server, 2, 0);
  oldest = raw_connect (fixture);
  stray_test_wait_for (server_waits_for, &expected, "the first connection to wait");
  older = raw_connect (fixture);
  expected.count = 2;
  stray_test_wait_for (server_waits_for, &expected, "the second connection to wait");
  newest = raw_connect (fixture);
  assert_raw_timed_out (oldest);
  g_assert_false (older->closed);
  assert_raw_served (newest);
  g_assert_false (older->closed);
}

/* Whatever is refused, by the devserver or by libsoup before any route is looked at, is
 * answered with Stream's error object and a StatusCode that matches the status. */
static void
test_refusals_in_streams_shape (Fixture       *fixture,
                                G_GNUC_UNUSED gconstpointer user_data)
{
  static const struct {
    const char *request;
    guint status;
    int code;
  } refusals[] = {
    /* A path that does not decode: libsoup refuses it before any handler. */
    { "GET /%00 HTTP/1.1\r\nHost: 127.0.0.1\r\n", 400, 4 },
    { "GET /channels/%00/x HTTP/1.1\r\nHost: 127.0.0.1\r\n", 400, 4 },
    { "GET /no/such/route?api_key=" API_KEY " HTTP/1.1\r\nHost: 127.0.0.1\r\n", 404, 16 },
    { "PUT /channels?api_key=" API_KEY " HTTP/1.1\r\nHost: 127.0.0.1\r\n", 404, 16 },
    /* Not a WebSocket handshake: libsoup's own refusal. */
    { "GET /connect HTTP/1.1\r\nHost: 127.0.0.1\r\n", 400, 4 },
    /* A scheme the server does not serve. */
    { "GET https://127.0.0.1/unread HTTP/1.1\r\nHost: 127.0.0.1\r\n", 400, 4 },
    /* No handler at all for "*". */
    { "OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n", 404, 16 },
    /* Not HTTP: libsoup answers before any signal; the answer was prepared beforehand. */
    { "NOT HTTP AT ALL\r\n", 400, 4 },
    { "GET /unread HTTP/1.1\r\n", 400, 4 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (refusals); i++)
    {
      g_autoptr(RawClient) client = raw_connect (fixture);
      g_autoptr(JsonObject) answer = NULL;
      g_autofree char *request = g_strconcat (refusals[i].request, "Connection: close\r\n\r\n",
                                              NULL);
      guint status = 0;

      raw_send (client, request);
      g_assert_true (stray_test_try_wait_for (raw_is_done, client, WAIT_SECONDS));
      g_test_message ("%.*s answered %.*s", (int) strcspn (request, "\r"), request,
                      (int) strcspn (client->received->str, "\r"), client->received->str);
      answer = raw_take_answer (client, &status);
      g_assert_nonnull (answer);
      g_assert_cmpuint (status, ==, refusals[i].status);
      assert_error (answer, refusals[i].code, refusals[i].status);
    }
}

/* ---- test hooks ---- */

static void
test_inject (Fixture       *fixture,
             G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(Socket) alice = socket_open (fixture, "alice");
  g_autoptr(JsonObject) response = NULL;

  response = call (fixture, "POST", "/_dev/inject", NULL, NULL,
                   "{\"user_id\":\"alice\",\"frames\":[\"{not json\",\"[]\"]}", 201);
  g_assert_cmpint (stray_json_int (response, "delivered", -1), ==, 2);
  while (alice->frames->len < 3)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (g_ptr_array_index (alice->frames, 1), ==, "{not json");
  g_assert_cmpstr (g_ptr_array_index (alice->frames, 2), ==, "[]");
}

static void
test_drop (Fixture       *fixture,
           G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(Socket) alice = socket_open (fixture, "alice");
  g_autoptr(JsonObject) response = NULL;

  response = call (fixture, "POST", "/_dev/drop", NULL, NULL, "{}", 201);
  g_assert_cmpint (stray_json_int (response, "dropped", -1), ==, 1);
  stray_test_wait_for (stray_test_flag_is_set, &alice->closed, "the dropped socket to close");
  /* No close frame was sent: the code is not 1000. */
  g_assert_cmpint (soup_websocket_connection_get_close_code (alice->socket), !=,
                   SOUP_WEBSOCKET_CLOSE_NORMAL);
  while (stray_devserver_get_n_connections (fixture->server) > 0)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_stall (Fixture       *fixture,
            G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(Socket) alice = socket_open (fixture, "alice");
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(JsonObject) unread = NULL;
  g_autoptr(JsonObject) pong = NULL;
  gint64 start;
  guint cursor = 1;

  response = call (fixture, "POST", "/_dev/stall", NULL, NULL, "{\"seconds\":1}", 201);
  start = g_get_monotonic_time ();
  send_frame (alice, "[{\"type\":\"health.check\"}]");
  unread = call (fixture, "GET", "/unread", "alice", NULL, NULL, 200);
  /* The REST call was held until the stall ended... */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC * 9 / 10);
  /* ...and the ping was not answered while it lasted. */
  g_assert_cmpuint (alice->frames->len, ==, 1);
  send_frame (alice, "[{\"type\":\"health.check\"}]");
  pong = next_frame (alice, "health.check", &cursor);
}

static void
test_token_hook (Fixture       *fixture,
                 G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(JsonObject) expired = NULL;
  g_autoptr(Socket) socket = NULL;
  g_autoptr(Socket) late = NULL;
  g_autoptr(JsonObject) handshake = NULL;
  guint cursor = 0;

  response = call (fixture, "POST", "/_dev/token", NULL, NULL,
                   "{\"user_id\":\"alice\",\"ttl\":3600}", 201);
  socket = socket_open_with (fixture, API_KEY, "alice", stray_json_string (response, "token"));
  handshake = next_frame (socket, "health.check", &cursor);

  expired = call (fixture, "POST", "/_dev/token", NULL, NULL,
                  "{\"user_id\":\"alice\",\"ttl\":-1}", 201);
  late = socket_open_with (fixture, API_KEY, "alice", stray_json_string (expired, "token"));
  assert_refused (late, 40);
}

/* ---- POST /sync ---- */

static JsonObject *
sync_as (Fixture    *fixture,
         const char *user_id,
         const char *body,
         guint       expected_status)
{
  return call (fixture, "POST", "/sync", user_id, NULL, body, expected_status);
}

static char *
object_text (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

static JsonObject *
sync_event (JsonObject *response,
            guint       index)
{
  return json_array_get_object_element (stray_json_array (response, "events"), index);
}

static guint
n_sync_events (JsonObject *response)
{
  return json_array_get_length (stray_json_array (response, "events"));
}

static void
test_sync_events (Fixture       *fixture,
                  G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(Socket) alice = NULL;
  g_autoptr(JsonObject) before = NULL;
  g_autoptr(JsonObject) second = NULL;
  g_autoptr(JsonObject) missed_live = NULL;
  g_autoptr(JsonObject) live = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(JsonObject) as_server = NULL;
  g_autoptr(JsonObject) unlisted = NULL;
  g_autoptr(JsonObject) read = NULL;
  g_autoptr(JsonObject) made = NULL;
  g_autofree char *body = NULL;
  g_autofree char *server_body = NULL;
  g_autofree char *live_text = NULL;
  g_autofree char *synced_text = NULL;
  JsonArray *inaccessible;
  guint cursor = 0;

  create_general (fixture);
  made = call (fixture, "POST", "/channels/messaging/others/query", NULL, NULL,
               "{\"data\":{\"created_by_id\":\"bob\",\"members\":[\"bob\",\"carol\"]}}", 201);
  alice = socket_open (fixture, "alice");
  watch_general (fixture, alice, "alice");
  g_clear_pointer (&made, json_object_unref);
  made = send_message (fixture, "bob", "before the gap");
  /* A client syncs from the last event it received. */
  before = next_frame (alice, "message.new", &cursor);
  body = g_strdup_printf ("{\"channel_cids\":[\"messaging:general\",\"messaging:others\","
                          "\"messaging:nowhere\",\"messaging:general\"],"
                          "\"last_sync_at\":\"%s\",\"with_inaccessible_cids\":true}",
                          stray_json_string (before, "created_at"));

  /* Missed: two messages, and bob reading. The second is seen live by the socket too, to
   * compare with what /sync gives back. */
  g_clear_pointer (&made, json_object_unref);
  made = send_message (fixture, "bob", "missed one");
  second = send_message (fixture, "bob", "missed two");
  missed_live = next_frame (alice, "message.new", &cursor);
  live = next_frame (alice, "message.new", &cursor);
  read = call (fixture, "POST", "/channels/messaging/general/read", NULL, NULL,
               "{\"user_id\":\"bob\"}", 201);

  response = sync_as (fixture, "alice", body, 201);
  g_assert_cmpuint (n_sync_events (response), ==, 3);
  g_assert_cmpstr (stray_json_string (sync_event (response, 0), "type"), ==, "message.new");
  g_assert_cmpstr (stray_json_string (stray_json_object (sync_event (response, 0), "message"),
                                      "text"), ==, "missed one");
  g_assert_cmpstr (stray_json_string (sync_event (response, 2), "type"), ==, "message.read");
  g_assert_cmpstr (stray_json_string (stray_json_object (sync_event (response, 2), "user"),
                                      "id"), ==, "bob");
  /* Oldest first, each after last_sync_at. */
  for (guint i = 0; i < 3; i++)
    g_assert_cmpstr (stray_json_string (sync_event (response, i), "created_at"), >,
                     i == 0 ? stray_json_string (before, "created_at")
                            : stray_json_string (sync_event (response, i - 1), "created_at"));
  /* With the counts each was sent with: 1 before the gap, then 2, then 3. */
  g_assert_cmpint (stray_json_int (sync_event (response, 0), "total_unread_count", -1), ==, 2);
  g_assert_cmpint (stray_json_int (sync_event (response, 1), "total_unread_count", -1), ==, 3);
  g_assert_cmpint (stray_json_int (sync_event (response, 1), "unread_channels", -1), ==, 1);
  /* Exactly what the socket sent. */
  live_text = object_text (live);
  synced_text = object_text (sync_event (response, 1));
  g_assert_cmpstr (synced_text, ==, live_text);
  /* Not a member, and no such channel: listed, once each. */
  inaccessible = stray_json_array (response, "inaccessible_cids");
  g_assert_cmpuint (json_array_get_length (inaccessible), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (inaccessible, 0), ==, "messaging:others");
  g_assert_cmpstr (json_array_get_string_element (inaccessible, 1), ==, "messaging:nowhere");
  g_assert_nonnull (stray_json_string (response, "duration"));

  /* Counts are as they were, not as they are: alice has read since. */
  g_clear_pointer (&read, json_object_unref);
  read = call (fixture, "POST", "/channels/messaging/general/read", "alice", NULL, "{}", 201);
  again = sync_as (fixture, "alice", body, 201);
  g_assert_cmpuint (n_sync_events (again), ==, 4);
  g_assert_cmpint (stray_json_int (sync_event (again, 1), "total_unread_count", -1), ==, 3);
  g_assert_cmpstr (stray_json_string (sync_event (again, 3), "type"), ==, "message.read");
  g_assert_cmpstr (stray_json_string (stray_json_object (sync_event (again, 3), "user"), "id"),
                   ==, "alice");
  /* Nothing after the newest. */
  {
    g_autofree char *latest = g_strdup_printf (
      "{\"channel_cids\":[\"messaging:general\"],\"last_sync_at\":\"%s\"}",
      stray_json_string (sync_event (again, 3), "created_at"));
    g_autoptr(JsonObject) nothing = sync_as (fixture, "alice", latest, 201);

    g_assert_cmpuint (n_sync_events (nothing), ==, 0);
  }

  /* The server-side client names the user; bob's own message does not count for him. */
  server_body = g_strdup_printf ("{\"channel_cids\":[\"messaging:general\"],"
                                 "\"last_sync_at\":\"%s\",\"user_id\":\"bob\"}",
                                 stray_json_string (before, "created_at"));
  as_server = sync_as (fixture, NULL, server_body, 201);
  g_assert_cmpuint (n_sync_events (as_server), ==, 4);
  g_assert_cmpint (stray_json_int (sync_event (as_server, 0), "total_unread_count", -1), ==, 0);
  g_assert_null (stray_json_array (as_server, "inaccessible_cids"));

  /* Without with_inaccessible_cids, what cannot be read comes as removed_from_channel, last. */
  {
    g_autofree char *plain = g_strdup_printf (
      "{\"channel_cids\":[\"messaging:nowhere\",\"messaging:general\"],\"last_sync_at\":\"%s\"}",
      stray_json_string (before, "created_at"));

    unlisted = sync_as (fixture, "alice", plain, 201);
    g_assert_cmpuint (n_sync_events (unlisted), ==, 5);
    g_assert_cmpstr (stray_json_string (sync_event (unlisted, 4), "type"), ==,
                     "notification.removed_from_channel");
    g_assert_cmpstr (stray_json_string (sync_event (unlisted, 4), "cid"), ==,
                     "messaging:nowhere");
    g_assert_null (stray_json_array (unlisted, "inaccessible_cids"));
  }

  /* watch watches what can be read, as queryChannels does: bob's socket now hears
   * message.new rather than notification.message_new. */
  {
    g_autoptr(Socket) bob = socket_open (fixture, "bob");
    g_autofree char *watching = g_strdup_printf (
      "{\"channel_cids\":[\"messaging:general\"],\"last_sync_at\":\"%s\",\"watch\":true}",
      stray_json_string (before, "created_at"));
    g_autoptr(JsonObject) watched = call (fixture, "POST", "/sync", "bob", bob->connection_id,
                                          watching, 201);
    g_autoptr(JsonObject) sent = send_message (fixture, "alice", "to a watcher");
    g_autoptr(JsonObject) heard = NULL;
    guint bob_cursor = 0;

    heard = next_frame (bob, "message.new", &bob_cursor);
    g_assert_cmpstr (stray_json_string (heard, "message_id"), ==,
                     stray_json_string (sent, "id"));
  }

  /* A channel deleted since cannot be read either. */
  {
    g_autoptr(JsonObject) gone = call (fixture, "POST", "/channels/messaging/gone/query", NULL,
                                       NULL, "{\"data\":{\"created_by_id\":\"bob\","
                                       "\"members\":[\"alice\",\"bob\"]}}", 201);
    g_autoptr(JsonObject) deleted = call (fixture, "DELETE", "/channels/messaging/gone", NULL,
                                          NULL, NULL, 201);
    g_autofree char *after_delete = g_strdup_printf (
      "{\"channel_cids\":[\"messaging:gone\"],\"last_sync_at\":\"%s\","
      "\"with_inaccessible_cids\":true}", stray_json_string (before, "created_at"));
    g_autoptr(JsonObject) answer = sync_as (fixture, "alice", after_delete, 201);

    g_assert_cmpuint (n_sync_events (answer), ==, 0);
    g_assert_cmpstr (json_array_get_string_element (stray_json_array (answer,
                                                                      "inaccessible_cids"), 0),
                     ==, "messaging:gone");
  }
}

static void
test_sync_limits (Fixture       *fixture,
                  G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) month_ago = g_date_time_add_days (now, -31);
  g_autofree char *too_old = g_date_time_format_iso8601 (month_ago);
  g_autoptr(GString) many = g_string_new ("{\"last_sync_at\":\"2026-01-01T00:00:00Z\","
                                          "\"channel_cids\":[");
  g_autoptr(GPtrArray) sent = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *old_body = NULL;
  static const char * const bad[] = {
    "{\"last_sync_at\":\"2026-01-01T00:00:00Z\"}",
    "{\"channel_cids\":[],\"last_sync_at\":\"2026-01-01T00:00:00Z\"}",
    "{\"channel_cids\":\"messaging:general\",\"last_sync_at\":\"2026-01-01T00:00:00Z\"}",
    "{\"channel_cids\":[\"general\"],\"last_sync_at\":\"2026-01-01T00:00:00Z\"}",
    "{\"channel_cids\":[\"messaging:general\"]}",
    "{\"channel_cids\":[\"messaging:general\"],\"last_sync_at\":\"yesterday\"}",
    "{\"channel_cids\":[\"messaging:general\"],\"last_sync_at\":17}",
  };

  create_general (fixture);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_call_fails (fixture, "POST", "/sync", "alice", bad[i], 4, 400);
  /* The server-side client must say for whom. */
  assert_call_fails (fixture, "POST", "/sync", NULL,
                     "{\"channel_cids\":[\"messaging:general\"],"
                     "\"last_sync_at\":\"2026-12-01T00:00:00Z\"}", 4, 400);

  /* At most 255 channels, duplicates counted. */
  for (guint i = 0; i < STRAY_DEV_STORE_SYNC_MAX_CIDS + 1; i++)
    g_string_append_printf (many, "%s\"messaging:general\"", i > 0 ? "," : "");
  g_string_append (many, "]}");
  assert_call_fails (fixture, "POST", "/sync", "alice", many->str, 4, 400);

  /* Events are kept 30 days. */
  old_body = g_strdup_printf ("{\"channel_cids\":[\"messaging:general\"],"
                              "\"last_sync_at\":\"%s\"}", too_old);
  {
    g_autoptr(JsonObject) refused = call (fixture, "POST", "/sync", "alice", NULL, old_body,
                                          400);

    assert_error (refused, 4, 400);
    g_assert_nonnull (strstr (stray_json_string (refused, "message"), "Too old last_sync_at"));
  }

  /* At most 1,000 events in an answer; asked from further back, it is refused. */
  for (guint i = 0; i < STRAY_DEV_STORE_SYNC_MAX_EVENTS + 3; i++)
    {
      g_autoptr(JsonObject) message = json_object_new ();
      g_autoptr(GError) error = NULL;
      JsonObject *stored;

      json_object_set_string_member (message, "text", "busy");
      stored = stray_devserver_send_message (fixture->server, "messaging:general", "bob", message,
                                             &error);
      g_assert_no_error (error);
      g_ptr_array_add (sent, g_strdup (stray_json_string (stored, "created_at")));
    }
  /* Each message's event comes just after it: asked from message k, the answer starts with
   * message k's event. */
  for (guint from = 0; from < 4; from++)
    {
      g_autofree char *body = g_strdup_printf ("{\"channel_cids\":[\"messaging:general\"],"
                                               "\"last_sync_at\":\"%s\"}",
                                               (char *) g_ptr_array_index (sent, from));
      g_autoptr(JsonObject) response = call (fixture, "POST", "/sync", "alice", NULL, body,
                                             from < 3 ? 400 : 201);

      if (from < 3)
        {
          assert_error (response, 4, 400);
          g_assert_nonnull (strstr (stray_json_string (response, "message"),
                                    "Too many events to sync"));
        }
      else
        {
          g_assert_cmpuint (n_sync_events (response), ==, STRAY_DEV_STORE_SYNC_MAX_EVENTS);
          g_assert_cmpint (stray_json_int (sync_event (response, 999), "total_unread_count",
                                           -1), ==, STRAY_DEV_STORE_SYNC_MAX_EVENTS + 3);
        }
    }
}

/* ---- late answers ---- */

typedef struct {
  Call call;
  SoupMessage *msg;
} PendingCall;

static void
pending_call_start (Fixture     *fixture,
                    PendingCall *pending,
                    const char  *path_and_query,
                    const char  *user_id)
{
  g_autofree char *url = g_strconcat (fixture->base_url, path_and_query, NULL);
  g_autofree char *token = user_token (user_id);

  pending->msg = soup_message_new ("GET", url);
  soup_message_headers_append (soup_message_get_request_headers (pending->msg), "Authorization",
                               token);
  soup_session_send_and_read_async (fixture->session, pending->msg, G_PRIORITY_DEFAULT, NULL,
                                    on_call_done, &pending->call);
}

static void
pending_call_finish (PendingCall *pending)
{
  stray_test_wait_for (stray_test_flag_is_set, &pending->call.done, "a late answer");
  g_assert_cmpuint (soup_message_get_status (pending->msg), ==, SOUP_STATUS_OK);
  g_bytes_unref (pending->call.body);
  g_object_unref (pending->msg);
}

static void
test_delay (Fixture       *fixture,
            G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(Socket) alice = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonObject) message = NULL;
  PendingCall late = { 0 }, next = { 0 };
  gint64 start;
  guint cursor = 0;

  create_general (fixture);
  alice = socket_open (fixture, "alice");
  watch_general (fixture, alice, "alice");
  response = call (fixture, "POST", "/_dev/delay", NULL, NULL,
                   "{\"ms_min\":500,\"ms_max\":500,\"count\":1,\"seed\":7}", 201);

  start = g_get_monotonic_time ();
  pending_call_start (fixture, &late, "/unread?api_key=" API_KEY, "alice");
  /* While alice's answer waits, her socket hears of bob's message, sent by the server-side
   * client, whose answers are never late. */
  message = send_message (fixture, "bob", "meanwhile");
  event = next_frame (alice, "message.new", &cursor);
  g_assert_false (late.call.done);
  pending_call_finish (&late);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 500 * 1000);

  /* Only `count` answers are late: the next comes at once, before a second message does. */
  pending_call_start (fixture, &next, "/unread?api_key=" API_KEY, "alice");
  pending_call_finish (&next);

  /* Bad input, and users may not use it. */
  assert_call_fails (fixture, "POST", "/_dev/delay", NULL,
                     "{\"ms_min\":900,\"ms_max\":200,\"count\":1}", 4, 400);
  assert_call_fails (fixture, "POST", "/_dev/delay", NULL, "{\"ms_min\":1}", 4, 400);
  assert_call_fails (fixture, "POST", "/_dev/delay", NULL,
                     "{\"ms_min\":1,\"count\":1,\"seed\":\"x\"}", 4, 400);
  assert_call_fails (fixture, "POST", "/_dev/delay", "alice",
                     "{\"ms_min\":1,\"count\":1}", 17, 403);
}

/* ---- listening ---- */

static void
test_listen_addresses (void)
{
  static const char * const bad[] = { "127.0.0.1", "localhost:0", "127.0.0.1:99999", ":0" };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(StrayDevserver) server = stray_devserver_new (API_KEY, SECRET);

      g_assert_false (stray_devserver_listen (server, bad[i], &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }

  {
    g_autoptr(StrayDevserver) server = stray_devserver_new (API_KEY, SECRET);

    g_assert_false (stray_devserver_listen (server, "192.0.2.1:0", &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
    g_clear_error (&error);
  }
  {
    g_autoptr(StrayDevserver) server = stray_devserver_new (API_KEY, SECRET);

    g_assert_true (stray_devserver_listen (server, "[::1]:0", &error) ||
                   g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED) ||
                   error->domain == G_IO_ERROR);
    if (error == NULL)
      g_assert_true (g_str_has_prefix (stray_devserver_get_base_url (server), "http://[::1]:"));
  }
}

/* ---- the stream-tray-devserver executable ---- */

typedef struct {
  GSubprocess *process;
  char *base_url;
} Running;

static Running *
run_devserver (const char *first_arg,
               ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  Running *running;
  va_list args;

  g_ptr_array_add (argv, (gpointer) g_getenv ("STRAY_TEST_DEVSERVER"));
  g_assert_nonnull (argv->pdata[0]);
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, "STREAM_TRAY_DEVSERVER_SECRET", SECRET, TRUE);
  running = g_new0 (Running, 1);
  running->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                   &error);
  g_assert_no_error (error);

  /* The one line it prints once it listens. */
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (running->process));
  /* The pipe stays open: running_stop() reads the rest of it. */
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (lines), FALSE);
  line = g_data_input_stream_read_line (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "ready http://127.0.0.1:"));
  running->base_url = g_strdup (line + strlen ("ready "));
  return running;
}

static void
running_stop (Running *running)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *rest = NULL;

  g_subprocess_send_signal (running->process, SIGTERM);
  g_subprocess_communicate_utf8 (running->process, NULL, NULL, &rest, NULL, &error);
  g_assert_no_error (error);
  /* Nothing after the ready line, and a clean exit. */
  g_assert_cmpstr (rest, ==, "");
  g_assert_true (g_subprocess_get_if_exited (running->process));
  g_assert_cmpint (g_subprocess_get_exit_status (running->process), ==, 0);
  g_object_unref (running->process);
  g_free (running->base_url);
  g_free (running);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Running, running_stop)

static void
fixture_for (Fixture *fixture,
             Running *running)
{
  g_autoptr(JsonObject) claims = json_object_new ();

  json_object_set_boolean_member (claims, "server", TRUE);
  fixture->base_url = running->base_url;
  fixture->session = soup_session_new ();
  fixture->server_token = stray_jwt_sign (SECRET, claims);
}

static void
fixture_release (Fixture *fixture)
{
  g_clear_object (&fixture->session);
  g_free (fixture->server_token);
}

static void
test_executable_demo (void)
{
  g_autoptr(Running) running = run_devserver ("--api-key", API_KEY, "--scenario", "demo", NULL);
  Fixture fixture = { 0 };
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(JsonObject) unread = NULL;
  JsonArray *channels;
  gboolean ops_muted = FALSE;

  fixture_for (&fixture, running);
  response = call (&fixture, "POST", "/channels", "alice", NULL,
                   "{\"filter_conditions\":{\"members\":{\"$in\":[\"alice\"]}},\"limit\":30}", 201);
  channels = stray_json_array (response, "channels");
  g_assert_cmpuint (json_array_get_length (channels), ==, 5);
  {
    /* The demo's people have pictures, served by the demo's own server. */
    JsonArray *members = stray_json_array (json_array_get_object_element (channels, 0),
                                           "members");
    JsonObject *user = stray_json_object (json_array_get_object_element (members, 0), "user");
    const char *image = stray_json_string (user, "image");
    g_autofree char *content_type = NULL;
    g_autoptr(GBytes) picture = NULL;

    g_assert_nonnull (image);
    g_assert_true (g_str_has_prefix (image, fixture.base_url));
    picture = fetch_plain (&fixture, image, &content_type);
    g_assert_cmpstr (content_type, ==, "image/png");
    g_assert_cmpuint (g_bytes_get_size (picture), >, 8);
    g_assert_cmpmem (g_bytes_get_data (picture, NULL), 8, "\x89PNG\r\n\x1a\n", 8);
  }
  unread = call (&fixture, "GET", "/unread", "alice", NULL, NULL, 200);
  g_assert_cmpint (stray_json_int (unread, "total_unread_count", 0), >, 0);
  {
    g_autoptr(Socket) socket = socket_open (&fixture, "alice");
    g_autoptr(JsonObject) handshake = parse_frame (g_ptr_array_index (socket->frames, 0));
    JsonArray *mutes = stray_json_array (stray_json_object (handshake, "me"), "channel_mutes");

    for (guint i = 0; i < json_array_get_length (mutes); i++)
      ops_muted |= g_strcmp0 (stray_json_string (stray_json_object (
                                json_array_get_object_element (mutes, i), "channel"), "cid"),
                              "team:ops") == 0;
  }
  g_assert_true (ops_muted);
  fixture_release (&fixture);
}

static void
test_executable_load (void)
{
  g_autoptr(Running) running = run_devserver ("--api-key", API_KEY, "--scenario", "load:45",
                                              "--health-interval", "5", NULL);
  Fixture fixture = { 0 };
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;
  const char *filter = "{\"filter_conditions\":{\"members\":{\"$in\":[\"alice\"]}},"
                       "\"sort\":[{\"field\":\"last_message_at\",\"direction\":-1}],"
                       "\"limit\":30,\"offset\":%d}";
  g_autofree char *first_body = g_strdup_printf (filter, 0);
  g_autofree char *second_body = g_strdup_printf (filter, 30);

  fixture_for (&fixture, running);
  first = call (&fixture, "POST", "/channels", "alice", NULL, first_body, 201);
  second = call (&fixture, "POST", "/channels", "alice", NULL, second_body, 201);
  g_assert_cmpuint (json_array_get_length (stray_json_array (first, "channels")), ==, 30);
  g_assert_cmpuint (json_array_get_length (stray_json_array (second, "channels")), ==, 15);
  /* Newest first: the last channel made comes first. */
  g_assert_cmpstr (stray_json_string (stray_json_object (json_array_get_object_element (
                     stray_json_array (first, "channels"), 0), "channel"), "cid"), ==,
                   "messaging:load-00044");
  fixture_release (&fixture);
}

static void
assert_devserver_refuses (const char *expected_message,
                          const char *first_arg,
                          ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  va_list args;

  g_ptr_array_add (argv, (gpointer) g_getenv ("STRAY_TEST_DEVSERVER"));
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), !=, 0);
  g_assert_cmpstr (out, ==, "");
  if (strstr (err, expected_message) == NULL)
    g_error ("stderr “%s” does not mention “%s”", err, expected_message);
}

static void
test_executable_refuses (void)
{
  assert_devserver_refuses ("--allow-remote", "--listen", "192.0.2.1:0", NULL);
  assert_devserver_refuses ("unknown scenario", "--scenario", "crowded", NULL);
  assert_devserver_refuses ("unknown scenario", "--scenario", "load:0", NULL);
  assert_devserver_refuses ("--health-interval", "--health-interval", "-1", NULL);
  assert_devserver_refuses ("Unknown option", "--no-such-option", NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/stray/devserver/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("socket/handshake", test_handshake);
  ADD ("socket/connection-ids", test_connection_ids_differ);
  ADD ("socket/handshake-errors", test_handshake_errors);
  g_test_add_func ("/stray/devserver/socket/dev-tokens", test_dev_tokens_allowed);
  ADD ("socket/blank-json-and-far-times", test_blank_json_and_far_times);
  g_test_add_func ("/stray/devserver/jwt/deep-nesting", test_jwt_deep_nesting);
  ADD ("socket/ping", test_ping);
  g_test_add ("/stray/devserver/socket/health-interval", Fixture, GUINT_TO_POINTER (1),
              fixture_set_up, test_health_interval, fixture_tear_down);
  ADD ("socket/client-events", test_client_events);
  ADD ("socket/hostile-frames", test_hostile_frames);
  ADD ("rest/query-channels", test_query_channels);
  ADD ("rest/query-by-time", test_query_by_time);
  ADD ("rest/messages-and-unread", test_messages_and_unread);
  ADD ("rest/read-state", test_read_state);
  ADD ("rest/mutes", test_mutes);
  ADD ("rest/channel-changes", test_channel_changes);
  ADD ("rest/distinct-channel", test_distinct_channel);
  ADD ("rest/upsert-users", test_upsert_users);
  ADD ("rest/errors", test_errors);
  ADD ("rest/mangled-bodies", test_mangled_bodies);
  ADD ("hostile/huge-body-by-length", test_huge_body_by_length);
  ADD ("hostile/huge-body-chunked", test_huge_body_chunked);
  ADD ("hostile/slow-headers", test_slow_headers);
  ADD ("hostile/many-waiting", test_many_waiting);
  ADD ("hostile/refusals-in-streams-shape", test_refusals_in_streams_shape);
  ADD ("hooks/inject", test_inject);
  ADD ("hooks/drop", test_drop);
  ADD ("hooks/stall", test_stall);
  ADD ("hooks/token", test_token_hook);
  ADD ("hooks/delay", test_delay);
  ADD ("hooks/traffic", test_traffic);
  ADD ("sync/events", test_sync_events);
  ADD ("sync/limits", test_sync_limits);
  g_test_add_func ("/stray/devserver/listen-addresses", test_listen_addresses);
  g_test_add_func ("/stray/devserver/executable/demo", test_executable_demo);
  g_test_add_func ("/stray/devserver/executable/load", test_executable_load);
  g_test_add_func ("/stray/devserver/executable/refuses", test_executable_refuses);

#undef ADD

  return g_test_run ();
}
