/* stray-devserver.c
 *
 * Speaks Stream Chat's protocol (docs/protocol-notes.md) faithfully enough that the
 * official JavaScript SDK works against it unmodified: the WebSocket at /connect, the REST
 * calls of the user and of the server-side client, and the events each of them causes, with
 * every recipient's own unread counts. It also has hooks for tests (/_dev/…) that Stream does
 * not have: raw frames, dropped sockets, a stalled server, fresh tokens and late answers.
 *
 * This file is the object and its front door: properties, listening, the credentials every
 * request and socket is checked against, and what happens to a request before it is routed:
 * an oversized body refused from its headers (or while a chunked one is read) without reading
 * the rest, a time limit on reading a request, libsoup's own refusals given Stream's shape, a
 * request held while the server is stalled.
 * The rest is in files named after what they serve (stray-devserver-private.h lists them).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "stray-devserver-private.h"
#include "stray-json.h"
#include "stray-jwt.h"

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

/* The user a token speaks for, or an error in Stream's terms. */
char *
dev_authenticate (StrayDevserver *self,
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
on_request (G_GNUC_UNUSED SoupServer *server,
            SoupServerMessage *msg,
            G_GNUC_UNUSED const char *path,
            G_GNUC_UNUSED GHashTable *query,
            gpointer           user_data)
{
  StrayDevserver *self = user_data;

  if (dev_is_stalled (self))
    {
      /* Held, not answered, until the stall is over. */
      g_ptr_array_add (self->stalled, g_object_ref (msg));
      soup_server_message_pause (msg);
      return;
    }
  dev_process_request (self, msg);
}

/* A request must arrive, headers and body, within this: longer than a client on loopback takes
 * even on a loaded CI machine under sanitizers, short enough that a client sending nothing, or
 * a byte at a time, ties up a socket only briefly. The time runs from the connection (its first
 * request) or from the first byte (the next ones: libsoup 3.2 starts a kept-alive connection's
 * next request only when it is readable), so idle kept-alive connections are left alone. */
#define REQUEST_TIMEOUT_MS (15 * 1000)

/* What is known of a request while it is read; on its SoupServerMessage. */
typedef struct {
  GSource *timeout;
  guint timeout_ms;
  goffset body_read;    /* of a chunked body */
} DevIncoming;

#define INCOMING_KEY "stray-devserver-incoming"

static void
dev_incoming_free (gpointer data)
{
  DevIncoming *incoming = data;

  if (incoming->timeout != NULL)
    {
      g_source_destroy (incoming->timeout);
      g_source_unref (incoming->timeout);
    }
  g_free (incoming);
}

static void
stop_request_timeout (SoupServerMessage *msg)
{
  DevIncoming *incoming = g_object_get_data (G_OBJECT (msg), INCOMING_KEY);

  if (incoming != NULL && incoming->timeout != NULL)
    {
      g_source_destroy (incoming->timeout);
      g_clear_pointer (&incoming->timeout, g_source_unref);
    }
}

/* After a refusal, what the client still sends is read and dropped for a while before the
 * connection is closed, so that a client still writing its body (libsoup, node) reads the answer
 * instead of a reset; a client sending more than this, or for longer, is cut off. */
#define DRAIN_MAX_BYTES (4 * STRAY_DEVSERVER_MAX_BODY)
#define DRAIN_MAX_MS 2000

typedef struct {
  GIOStream *stream;
  GBytes *answer;
  GCancellable *cancellable;
  GSource *drain_timeout;
  goffset drained;
  guint8 buffer[16 * 1024];
} DevClosing;

static void
dev_closing_free (DevClosing *closing)
{
  if (closing->drain_timeout != NULL)
    {
      g_source_destroy (closing->drain_timeout);
      g_source_unref (closing->drain_timeout);
    }
  g_object_unref (closing->cancellable);
  g_object_unref (closing->stream);
  g_clear_pointer (&closing->answer, g_bytes_unref);
  g_free (closing);
}

static void
on_stolen_closed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  dev_closing_free (user_data);
}

static void
close_stolen (DevClosing *closing)
{
  g_io_stream_close_async (closing->stream, G_PRIORITY_DEFAULT, NULL, on_stolen_closed, closing);
}

static void
on_drained (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  DevClosing *closing = user_data;
  gssize n_read = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n_read <= 0 || (closing->drained += n_read) > DRAIN_MAX_BYTES)
    {
      close_stolen (closing);
      return;
    }
  g_input_stream_read_async (G_INPUT_STREAM (source), closing->buffer, sizeof closing->buffer,
                             G_PRIORITY_DEFAULT, closing->cancellable, on_drained, closing);
}

static gboolean
on_drain_timeout (gpointer user_data)
{
  DevClosing *closing = user_data;

  g_cancellable_cancel (closing->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_answer_written (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  DevClosing *closing = user_data;
  g_autoptr(GError) error = NULL;
  GSocket *socket = g_object_get_data (G_OBJECT (closing->stream), "GSocket");

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      g_debug ("the refusal was not delivered: %s", error->message);
      close_stolen (closing);
      return;
    }
  /* The answer is complete: the client sees its end while what it still sends is dropped. */
  if (socket != NULL)
    g_socket_shutdown (socket, FALSE, TRUE, NULL);
  closing->drain_timeout = g_timeout_source_new (DRAIN_MAX_MS);
  g_source_set_callback (closing->drain_timeout, on_drain_timeout, closing, NULL);
  g_source_attach (closing->drain_timeout, NULL);
  g_input_stream_read_async (g_io_stream_get_input_stream (closing->stream), closing->buffer,
                             sizeof closing->buffer, G_PRIORITY_DEFAULT, closing->cancellable,
                             on_drained, closing);
}

/* The answer @msg holds, as bytes on the wire, with the connection closed after it. */
static GBytes *
serialize_answer (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_response_body (msg));
  GString *text = g_string_new (NULL);
  SoupMessageHeadersIter iter;
  const char *name, *value;

  g_string_append_printf (text, "HTTP/1.1 %u %s\r\n", soup_server_message_get_status (msg),
                          soup_server_message_get_reason_phrase (msg));
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    if (g_ascii_strcasecmp (name, "Content-Length") != 0 &&
        g_ascii_strcasecmp (name, "Connection") != 0)
      g_string_append_printf (text, "%s: %s\r\n", name, value);
  g_string_append_printf (text, "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n",
                          g_bytes_get_size (body));
  g_string_append_len (text, g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  return g_string_free_to_bytes (text);
}

/* Takes the connection from libsoup, which would otherwise read the whole request before
 * answering, sends the answer @msg holds, and closes it. Nothing more of the request is kept. */
static void
answer_and_close (SoupServerMessage *msg)
{
  g_autoptr(SoupServerMessage) held = g_object_ref (msg);
  g_autoptr(GBytes) answer = serialize_answer (msg);
  DevClosing *closing;
  GIOStream *stream;

  stop_request_timeout (msg);
  stream = soup_server_message_steal_connection (msg);
  if (stream == NULL)
    return;
  closing = g_new0 (DevClosing, 1);
  closing->stream = stream;
  closing->cancellable = g_cancellable_new ();
  closing->answer = g_steal_pointer (&answer);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream),
                                   g_bytes_get_data (closing->answer, NULL),
                                   g_bytes_get_size (closing->answer), G_PRIORITY_DEFAULT,
                                   NULL, on_answer_written, closing);
}

static gboolean
on_request_timeout (gpointer user_data)
{
  SoupServerMessage *msg = user_data;
  DevIncoming *incoming = g_object_get_data (G_OBJECT (msg), INCOMING_KEY);

  g_clear_pointer (&incoming->timeout, g_source_unref);
  g_debug ("a request took too long to arrive: closing its connection");
  dev_respond_error (msg, SOUP_STATUS_REQUEST_TIMEOUT, CODE_REQUEST_TIMEOUT,
                     "Request timed out: the request did not arrive within %u ms",
                     incoming->timeout_ms);
  answer_and_close (msg);
  return G_SOURCE_REMOVE;
}

/* libsoup refused the request itself (a path that does not decode, as in GET /%00, or one
 * climbing out with "..") and answers without a body: the body is Stream's error object. */
static void
respond_in_streams_shape (SoupServerMessage *msg,
                          const char        *why)
{
  guint status = soup_server_message_get_status (msg);
  const char *method = soup_server_message_get_method (msg);
  GUri *uri = soup_server_message_get_uri (msg);

  dev_respond_error (msg, status, dev_code_for_status (status), "%s %s %s: %s",
                     method != NULL ? method : "?", uri != NULL ? g_uri_get_path (uri) : "?",
                     why, soup_status_get_phrase (status));
}

static void
refuse_too_large (SoupServerMessage *msg,
                  goffset            length)
{
  g_debug ("a request body of %" G_GOFFSET_FORMAT " bytes or more: refused", length);
  dev_respond_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, CODE_PAYLOAD_TOO_BIG,
                     "Payload too big: the request body is %" G_GOFFSET_FORMAT
                     " bytes or more, over the limit of %d", length, STRAY_DEVSERVER_MAX_BODY);
  answer_and_close (msg);
}

/* A chunked body is counted as it comes, and refused once past the limit: at most the limit
 * is ever held. */
static void
on_got_chunk (SoupServerMessage *msg,
              GBytes            *chunk,
              G_GNUC_UNUSED gpointer user_data)
{
  DevIncoming *incoming = g_object_get_data (G_OBJECT (msg), INCOMING_KEY);

  incoming->body_read += g_bytes_get_size (chunk);
  if (incoming->body_read > STRAY_DEVSERVER_MAX_BODY)
    refuse_too_large (msg, incoming->body_read);
}

/* Runs after libsoup's own got-headers handler: the request line and headers are read, the
 * body is not. */
static void
on_got_headers (SoupServerMessage *msg,
                G_GNUC_UNUSED gpointer user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  SoupEncoding encoding = soup_message_headers_get_encoding (headers);

  if (encoding == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > STRAY_DEVSERVER_MAX_BODY)
    {
      refuse_too_large (msg, soup_message_headers_get_content_length (headers));
      return;
    }
  if (soup_server_message_get_status (msg) != 0)
    {
      respond_in_streams_shape (msg, "is not a valid request");
      return;
    }
  /* The answer prepared for a request line libsoup cannot parse is not needed. */
  soup_message_body_truncate (soup_server_message_get_response_body (msg));
  soup_message_headers_remove (response_headers, "Content-Type");
  if (encoding == SOUP_ENCODING_CHUNKED)
    g_signal_connect (msg, "got-chunk", G_CALLBACK (on_got_chunk), NULL);
}

/* Runs after libsoup's own got-body handler, which ran the handlers: an error answered by
 * libsoup (a failed WebSocket handshake on /connect, "OPTIONS *") gets Stream's shape. */
static void
on_got_body (SoupServerMessage *msg,
             G_GNUC_UNUSED gpointer user_data)
{
  guint status = soup_server_message_get_status (msg);
  const char *type = soup_message_headers_get_content_type (
    soup_server_message_get_response_headers (msg), NULL);

  stop_request_timeout (msg);
  if (status >= 400 && g_strcmp0 (type, "application/json") != 0)
    respond_in_streams_shape (msg, "was refused");
}

/* Between two requests on a kept-alive connection no request exists yet: libsoup 3.2 starts
 * the next one only once a whole line of it has come, and holds what comes before unseen. So
 * the connection itself is watched: from its first byte, the next request has the same time to
 * arrive as any. An idle connection (no byte) is left alone. */
#define IDLE_WATCH_KEY "stray-devserver-idle-watch"

typedef struct {
  GSocket *socket;      /* unowned: the watch is the socket's data */
  guint timeout_ms;
  GSource *readable;
  GSource *timeout;
  gint64 first_byte_at; /* monotonic µs; 0 while idle */
} DevIdleWatch;

static void
forget_idle_watch (GSocket *socket)
{
  g_object_set_data (G_OBJECT (socket), IDLE_WATCH_KEY, NULL);
}

static gboolean
on_idle_request_timeout (gpointer user_data)
{
  DevIdleWatch *watch = user_data;
  g_autoptr(JsonObject) error = NULL;
  g_autofree char *body = NULL;
  g_autofree char *answer = NULL;

  if (!g_socket_is_closed (watch->socket))
    {
      g_debug ("a request on a kept-alive connection took too long to arrive: closing it");
      error = dev_new_error (SOUP_STATUS_REQUEST_TIMEOUT, CODE_REQUEST_TIMEOUT,
                             "Request timed out: the request did not arrive in time");
      body = dev_to_json (error);
      answer = g_strdup_printf ("HTTP/1.1 408 Request Timeout\r\n"
                                "Content-Type: application/json\r\nConnection: close\r\n"
                                "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n%s",
                                strlen (body), body);
      /* libsoup writes nothing on the connection now, and the answer fits the socket's
       * buffer. libsoup then reads the end of the stream and lets the connection go. */
      g_socket_send (watch->socket, answer, strlen (answer), NULL, NULL);
      g_socket_shutdown (watch->socket, TRUE, TRUE, NULL);
    }
  forget_idle_watch (watch->socket);
  return G_SOURCE_REMOVE;
}

static gboolean
on_idle_readable (GSocket                   *socket,
                  G_GNUC_UNUSED GIOCondition condition,
                  gpointer                   user_data)
{
  DevIdleWatch *watch = user_data;

  if (g_socket_is_closed (socket))
    {
      forget_idle_watch (socket);
      return G_SOURCE_REMOVE;
    }
  /* Readable once is enough: libsoup reads what came. */
  g_clear_pointer (&watch->readable, g_source_unref);
  watch->first_byte_at = g_get_monotonic_time ();
  watch->timeout = g_timeout_source_new (watch->timeout_ms);
  g_source_set_callback (watch->timeout, on_idle_request_timeout, watch, NULL);
  g_source_attach (watch->timeout, NULL);
  return G_SOURCE_REMOVE;
}

static void
dev_idle_watch_free (gpointer data)
{
  DevIdleWatch *watch = data;

  if (watch->readable != NULL)
    {
      g_source_destroy (watch->readable);
      g_source_unref (watch->readable);
    }
  if (watch->timeout != NULL)
    {
      g_source_destroy (watch->timeout);
      g_source_unref (watch->timeout);
    }
  g_free (watch);
}

static void
on_request_finished (G_GNUC_UNUSED SoupServer *server,
                     SoupServerMessage *msg,
                     gpointer           user_data)
{
  StrayDevserver *self = user_data;
  GSocket *socket = soup_server_message_get_socket (msg);
  DevIdleWatch *watch;

  if (socket == NULL || g_socket_is_closed (socket))
    return;
  watch = g_new0 (DevIdleWatch, 1);
  watch->socket = socket;
  watch->timeout_ms = self->request_timeout_ms;
  watch->readable = g_socket_create_source (socket, G_IO_IN, NULL);
  g_source_set_callback (watch->readable, G_SOURCE_FUNC (on_idle_readable), watch, NULL);
  g_source_attach (watch->readable, NULL);
  g_object_set_data_full (G_OBJECT (socket), IDLE_WATCH_KEY, watch, dev_idle_watch_free);
}

/* Every request, from the moment its connection is ready for it: its time limit, its checks,
 * and an answer in Stream's shape ready for a request libsoup cannot even parse (it answers
 * those before any handler or signal can see them). */
static void
on_request_started (G_GNUC_UNUSED SoupServer *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  StrayDevserver *self = user_data;
  DevIncoming *incoming = g_new0 (DevIncoming, 1);
  GSocket *socket = soup_server_message_get_socket (msg);
  DevIdleWatch *watch = socket != NULL ? g_object_get_data (G_OBJECT (socket), IDLE_WATCH_KEY)
                                       : NULL;
  gint64 waited_ms = 0;
  g_autoptr(JsonObject) unparsable = NULL;
  g_autofree char *text = NULL;

  /* The connection is no longer between requests; the time already taken since the request's
   * first byte counts. */
  if (watch != NULL && watch->first_byte_at != 0)
    waited_ms = (g_get_monotonic_time () - watch->first_byte_at) / 1000;
  if (socket != NULL)
    forget_idle_watch (socket);

  incoming->timeout_ms = self->request_timeout_ms;
  incoming->timeout = g_timeout_source_new (incoming->timeout_ms -
                                            MIN (waited_ms, incoming->timeout_ms));
  g_source_set_callback (incoming->timeout, on_request_timeout, msg, NULL);
  g_source_set_static_name (incoming->timeout, "[stray-devserver] request timeout");
  g_source_attach (incoming->timeout, NULL);
  g_object_set_data_full (G_OBJECT (msg), INCOMING_KEY, incoming, dev_incoming_free);

  unparsable = dev_new_error (SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "the request could not be parsed: Bad Request");
  json_object_set_string_member (unparsable, "duration", "0.10ms");
  text = dev_to_json (unparsable);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&text), strlen (text));

  g_signal_connect_object (msg, "got-headers", G_CALLBACK (on_got_headers), self, 0);
  g_signal_connect_object (msg, "got-body", G_CALLBACK (on_got_body), self, 0);
}

/* Tests shorten the time a request has to arrive. */
void
dev_set_request_timeout (StrayDevserver *self,
                         guint           timeout_ms)
{
  self->request_timeout_ms = timeout_ms;
}

static void
stray_devserver_dispose (GObject *object)
{
  StrayDevserver *self = STRAY_DEVSERVER (object);

  g_clear_handle_id (&self->stall_id, g_source_remove);
  /* Held answers let go before the server disconnects: no timeout outlives it. */
  dev_release_delayed_answers (self);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  if (self->connections != NULL)
    {
      g_autoptr(GPtrArray) connections = hash_table_snapshot (self->connections, FALSE);

      for (guint i = 0; i < connections->len; i++)
        {
          DevConnection *connection = g_ptr_array_index (connections, i);

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
  g_clear_pointer (&self->delay_rand, g_rand_free);
  g_hash_table_unref (self->connections);
  g_hash_table_unref (self->by_user);
  g_hash_table_unref (self->watchers);
  g_hash_table_unref (self->traffic);

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
  self->connections = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, dev_connection_free);
  self->by_user = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
  self->traffic = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->watchers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_ptr_array_unref);
  self->stalled = g_ptr_array_new_with_free_func (g_object_unref);
  self->request_timeout_ms = REQUEST_TIMEOUT_MS;
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
  g_signal_connect_object (self->server, "request-started", G_CALLBACK (on_request_started),
                           self, 0);
  g_signal_connect_object (self->server, "request-finished", G_CALLBACK (on_request_finished),
                           self, 0);
  soup_server_add_websocket_handler (self->server, "/connect", NULL, NULL, dev_on_socket, self,
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
