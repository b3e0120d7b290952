/* stray-devserver-limits.c
 *
 * What a request may cost the devserver before it is routed, as the daemon limits what a
 * server may cost it (issue 15): a body over STRAY_DEVSERVER_MAX_BODY is refused from its
 * Content-Length, or as soon as a chunked one passes it, without reading the rest; a request
 * has DEV_REQUEST_TIMEOUT_MS to arrive, and past DEV_MAX_WAITING of them the oldest goes; and
 * what libsoup refuses by itself (GET /%00, a failed
 * handshake on /connect, a request line it cannot parse) is answered in Stream's error shape.
 *
 * libsoup 3.2's SoupServer reads a whole body before any handler runs, and answers only once
 * it has: a refusal therefore takes the connection from it, answers, and closes it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "stray-devserver-private.h"

/* Stops a source of the devserver's own and lets it go. */
static void
drop_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* What is known of a request while it is read; on its SoupServerMessage. */
typedef struct {
  GSource *timeout;
  guint timeout_ms;
  goffset body_read;    /* of a chunked body */
  StrayDevserver *server; /* unowned; NULL once it is disposed */
  GList *waiting;       /* its link in server->waiting while the request is still to come */
  gint64 started_at;    /* monotonic µs */
} DevIncoming;

#define INCOMING_KEY "stray-devserver-incoming"

static void
stop_waiting (DevIncoming *incoming)
{
  drop_source (&incoming->timeout);
  if (incoming->server != NULL && incoming->waiting != NULL)
    g_queue_delete_link (incoming->server->waiting, incoming->waiting);
  incoming->waiting = NULL;
}

static void
dev_incoming_free (gpointer data)
{
  DevIncoming *incoming = data;

  stop_waiting (incoming);
  g_free (incoming);
}

/* The request has come (or is answered): its time limit and its place in the queue end. */
static void
stop_request_timeout (SoupServerMessage *msg)
{
  DevIncoming *incoming = g_object_get_data (G_OBJECT (msg), INCOMING_KEY);

  if (incoming != NULL)
    stop_waiting (incoming);
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
  drop_source (&closing->drain_timeout);
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

static void
time_out (SoupServerMessage *msg,
          const char        *why)
{
  g_debug ("a request %s: closing its connection", why);
  dev_respond_error (msg, SOUP_STATUS_REQUEST_TIMEOUT, CODE_REQUEST_TIMEOUT,
                     "Request timed out: the request %s", why);
  answer_and_close (msg);
}

static gboolean
on_request_timeout (gpointer user_data)
{
  SoupServerMessage *msg = user_data;
  DevIncoming *incoming = g_object_get_data (G_OBJECT (msg), INCOMING_KEY);
  g_autofree char *why = g_strdup_printf ("did not arrive within %u ms", incoming->timeout_ms);

  g_clear_pointer (&incoming->timeout, g_source_unref);
  time_out (msg, why);
  return G_SOURCE_REMOVE;
}

/* Past DEV_MAX_WAITING connections whose request is still to come, the one that has waited
 * longest is let go, so that slow clients cannot take every socket for the time limit; a burst
 * of clients connecting at once is not, as long as none has waited longer than the grace. */
static void
shed_waiting (StrayDevserver *self)
{
  while (self->waiting->length > self->max_waiting)
    {
      SoupServerMessage *oldest = g_queue_peek_head (self->waiting);
      DevIncoming *incoming = g_object_get_data (G_OBJECT (oldest), INCOMING_KEY);

      if (g_get_monotonic_time () - incoming->started_at < self->waiting_grace_ms * 1000)
        break;
      time_out (oldest, "did not arrive before too many others waited");
    }
}

/* The disposed server's queue goes; requests still to come no longer point at it. */
void
dev_forget_waiting (StrayDevserver *self)
{
  for (GList *link = self->waiting->head; link != NULL; link = link->next)
    {
      DevIncoming *incoming = g_object_get_data (G_OBJECT (link->data), INCOMING_KEY);

      incoming->server = NULL;
      incoming->waiting = NULL;
    }
  g_queue_clear (self->waiting);
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
  g_autofree char *message = NULL;
  g_autofree char *body = NULL;
  g_autofree char *answer = NULL;

  if (!g_socket_is_closed (watch->socket))
    {
      g_debug ("a request on a kept-alive connection took too long to arrive: closing it");
      message = g_strdup_printf ("Request timed out: the request did not arrive within %u ms",
                                 watch->timeout_ms);
      error = dev_new_error (SOUP_STATUS_REQUEST_TIMEOUT, CODE_REQUEST_TIMEOUT, message);
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

  drop_source (&watch->readable);
  drop_source (&watch->timeout);
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
  gsize length;

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
  incoming->server = self;
  incoming->started_at = g_get_monotonic_time ();
  g_queue_push_tail (self->waiting, msg);
  incoming->waiting = self->waiting->tail;
  g_object_set_data_full (G_OBJECT (msg), INCOMING_KEY, incoming, dev_incoming_free);

  unparsable = dev_new_error (SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "the request could not be parsed: Bad Request");
  text = dev_to_json (unparsable);
  length = strlen (text);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&text), length);

  g_signal_connect_object (msg, "got-headers", G_CALLBACK (on_got_headers), self, 0);
  g_signal_connect_object (msg, "got-body", G_CALLBACK (on_got_body), self, 0);
  shed_waiting (self);
}

/* Tests shorten the time a request has to arrive. */
void
dev_set_request_timeout (StrayDevserver *self,
                         guint           timeout_ms)
{
  self->request_timeout_ms = timeout_ms;
}

/* Tests lower how many requests may be waited for past @grace_ms. */
void
dev_set_max_waiting (StrayDevserver *self,
                     guint           max_waiting,
                     guint           grace_ms)
{
  self->max_waiting = max_waiting;
  self->waiting_grace_ms = grace_ms;
}

/* Watches every request of @self's SoupServer, from before it is read. */
void
dev_limit_requests (StrayDevserver *self)
{
  g_signal_connect_object (self->server, "request-started", G_CALLBACK (on_request_started),
                           self, 0);
  g_signal_connect_object (self->server, "request-finished", G_CALLBACK (on_request_finished),
                           self, 0);
}
