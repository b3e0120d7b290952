/* stray-websocket-client.c
 *
 * The client's upgrade done here rather than by soup_session_websocket_connect_async(), so
 * that the SoupWebsocketConnection reads through stray-websocket-limit.c's count: libsoup 3.2
 * gives no way to put a stream under a connection it made itself. The request is libsoup's
 * (soup_websocket_client_prepare_handshake() writes the WebSocket headers); the answer is
 * checked as RFC 6455 says, since soup_websocket_client_verify_handshake() needs a status
 * that only a SoupSession can set on a message. No extension is offered, so no
 * permessage-deflate: a compressed message would be counted before it is inflated.
 *
 * GSocketClient makes the connection: GIO's default proxy resolver, as libsoup uses it (an
 * http proxy gets the request in absolute form for ws://, a CONNECT tunnel for wss://), and
 * for wss:// TLS with GIO's default certificate checks. As with libsoup's default, the
 * connection and the upgrade must be done within 60 s.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-websocket"

#include "config.h"

#include <string.h>

#include "stray-websocket-client.h"
#include "stray-websocket-limit.h"

#define CONNECT_TIMEOUT_SECONDS 60
/* An answer's head larger than this is not a WebSocket's. */
#define MAX_HEAD_SIZE (64 * 1024)
#define READ_SIZE 4096
#define ACCEPT_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

typedef struct {
  GUri *uri;
  char *user_agent;
  guint64 max_message_size;
  gboolean tls;
  GSocketConnection *connection;
  char *request;                 /* holds the token: wiped */
  gsize request_length;
  char *expected_accept;
  GByteArray *answer;
  guint8 buffer[READ_SIZE];
} Handshake;

static void
handshake_free (gpointer data)
{
  Handshake *handshake = data;

  g_uri_unref (handshake->uri);
  g_free (handshake->user_agent);
  g_clear_object (&handshake->connection);
  if (handshake->request != NULL)
    memset (handshake->request, 0, handshake->request_length);
  g_free (handshake->request);
  g_free (handshake->expected_accept);
  g_byte_array_unref (handshake->answer);
  g_free (handshake);
}

/* What the server must answer to @key (RFC 6455, 4.2.2). */
static char *
accept_for_key (const char *key)
{
  g_autoptr(GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 digest[20];
  gsize digest_length = sizeof digest;

  g_checksum_update (sha1, (const guchar *) key, -1);
  g_checksum_update (sha1, (const guchar *) ACCEPT_GUID, -1);
  g_checksum_get_digest (sha1, digest, &digest_length);
  return g_base64_encode (digest, digest_length);
}

static void
add_header (const char *name,
            const char *value,
            gpointer    user_data)
{
  g_string_append_printf (user_data, "%s: %s\r\n", name, value);
}

/* The upgrade request: libsoup's WebSocket headers, the Host and User-Agent a SoupSession
 * would send, the target in absolute form when it goes to an http proxy. */
static void
build_request (Handshake *handshake,
               gboolean   via_proxy)
{
  GUri *uri = handshake->uri;
  g_autoptr(SoupMessage) msg = soup_message_new_from_uri ("GET", uri);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  GString *request = g_string_new ("GET ");
  const char *host = g_uri_get_host (uri);
  int port = g_uri_get_port (uri);
  const char *path = g_uri_get_path (uri);

  soup_websocket_client_prepare_handshake (msg, NULL, NULL, NULL);
  handshake->expected_accept =
    accept_for_key (soup_message_headers_get_one (headers, "Sec-WebSocket-Key"));

  if (via_proxy)
    {
      g_autofree char *whole = g_uri_to_string (uri);

      g_string_append (request, whole);
      memset (whole, 0, strlen (whole));
    }
  else
    {
      g_string_append (request, *path != '\0' ? path : "/");
      if (g_uri_get_query (uri) != NULL)
        g_string_append_printf (request, "?%s", g_uri_get_query (uri));
    }
  g_string_append (request, " HTTP/1.1\r\nHost: ");
  g_string_append (request, strchr (host, ':') != NULL ? "[" : "");
  g_string_append (request, host);
  g_string_append (request, strchr (host, ':') != NULL ? "]" : "");
  if (port != -1 && port != (handshake->tls ? 443 : 80))
    g_string_append_printf (request, ":%d", port);
  g_string_append_printf (request, "\r\nUser-Agent: %s\r\n", handshake->user_agent);
  soup_message_headers_foreach (headers, add_header, request);
  g_string_append (request, "\r\n");
  handshake->request_length = request->len;
  handshake->request = g_string_free (request, FALSE);
}

/* The answer's head, checked as a client must (RFC 6455, 4.1). */
static gboolean
check_answer (Handshake   *handshake,
              const char  *head,
              gsize        head_length,
              GError     **error)
{
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  guint status = 0;

  if (!soup_headers_parse_response (head, (int) head_length, headers, NULL, &status, NULL))
    {
      g_set_error_literal (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
                           "The server's answer to the WebSocket handshake is not HTTP");
      return FALSE;
    }
  if (status != SOUP_STATUS_SWITCHING_PROTOCOLS)
    {
      g_set_error (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET,
                   "The server did not accept the WebSocket handshake (HTTP %u)", status);
      return FALSE;
    }
  if (!soup_message_headers_header_equals (headers, "Upgrade", "websocket") ||
      !soup_message_headers_header_contains (headers, "Connection", "upgrade") ||
      g_strcmp0 (soup_message_headers_get_one (headers, "Sec-WebSocket-Accept"),
                 handshake->expected_accept) != 0 ||
      soup_message_headers_get_one (headers, "Sec-WebSocket-Extensions") != NULL ||
      soup_message_headers_get_one (headers, "Sec-WebSocket-Protocol") != NULL)
    {
      g_set_error_literal (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
                           "The server returned an invalid WebSocket handshake");
      return FALSE;
    }
  return TRUE;
}

static void
finish (GTask *task,
        gsize  head_length)
{
  Handshake *handshake = g_task_get_task_data (task);
  GByteArray *answer = handshake->answer;
  g_autoptr(GBytes) already_read = g_bytes_new (answer->data + head_length,
                                                answer->len - head_length);
  g_autoptr(GIOStream) stream = NULL;
  GError *error = NULL;

  if (!check_answer (handshake, (const char *) answer->data, head_length, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* The connect timeout was for the upgrade: the socket's own watchdog takes over. */
  g_socket_set_timeout (g_socket_connection_get_socket (handshake->connection), 0);
  stream = stray_websocket_limit_wrap (G_IO_STREAM (handshake->connection), already_read,
                                       handshake->max_message_size);
  g_task_return_pointer (task,
                         soup_websocket_connection_new (stream, handshake->uri,
                                                        SOUP_WEBSOCKET_CONNECTION_CLIENT,
                                                        NULL, NULL, NULL),
                         g_object_unref);
}

/* Returns: just past the blank line that ends a head, or NULL */
static const guint8 *
find_head_end (const guint8 *data,
               gsize         length)
{
  for (gsize i = 0; i + 4 <= length; i++)
    if (memcmp (data + i, "\r\n\r\n", 4) == 0)
      return data + i + 4;
  return NULL;
}

static void on_answer_read (GObject      *source,
                            GAsyncResult *result,
                            gpointer      user_data);

static void
read_answer (GTask *task)
{
  Handshake *handshake = g_task_get_task_data (task);

  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (handshake->connection)),
                             handshake->buffer, READ_SIZE, G_PRIORITY_DEFAULT,
                             g_task_get_cancellable (task), on_answer_read, task);
}

static void
on_answer_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Handshake *handshake = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n_read = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  gsize searched_from;
  const guint8 *end;

  if (n_read < 0)
    {
      g_task_return_error (task, error);
      return;
    }
  if (n_read == 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                               "The server closed the connection during the WebSocket "
                               "handshake");
      return;
    }
  searched_from = handshake->answer->len >= 3 ? handshake->answer->len - 3 : 0;
  g_byte_array_append (handshake->answer, handshake->buffer, (guint) n_read);
  end = find_head_end (handshake->answer->data + searched_from,
                       handshake->answer->len - searched_from);
  if (end != NULL)
    {
      finish (task, (gsize) (end - handshake->answer->data));
      return;
    }
  if (handshake->answer->len > MAX_HEAD_SIZE)
    {
      g_task_return_new_error (task, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
                               "The server's answer to the WebSocket handshake has a head "
                               "over %d bytes", MAX_HEAD_SIZE);
      return;
    }
  read_answer (g_steal_pointer (&task));
}

static void
on_request_written (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Handshake *handshake = g_task_get_task_data (task);
  GError *error = NULL;

  memset (handshake->request, 0, handshake->request_length);
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  read_answer (g_steal_pointer (&task));
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Handshake *handshake = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  GCancellable *cancellable = g_task_get_cancellable (task);
  gboolean via_proxy;

  handshake->connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result,
                                                          &error);
  if (handshake->connection == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* An http proxy left to the application (plain ws:// only) takes the request itself. */
  remote = g_socket_connection_get_remote_address (handshake->connection, NULL);
  via_proxy = G_IS_PROXY_ADDRESS (remote) &&
              g_str_equal (g_proxy_address_get_protocol (G_PROXY_ADDRESS (remote)), "http");
  build_request (handshake, via_proxy);
  g_output_stream_write_all_async (
    g_io_stream_get_output_stream (G_IO_STREAM (handshake->connection)), handshake->request,
    handshake->request_length, G_PRIORITY_DEFAULT, cancellable, on_request_written,
    g_steal_pointer (&task));
}

/**
 * stray_websocket_connect_async:
 * @url: a ws:// or wss:// URL
 * @user_agent: the User-Agent to send
 * @max_message_size: the most an incoming message may hold, fragments together; past it the
 *   connection is closed with a %G_IO_ERROR_MESSAGE_TOO_LARGE error
 *
 * Connects and upgrades to a WebSocket.
 */
void
stray_websocket_connect_async (const char          *url,
                               const char          *user_agent,
                               guint64              max_message_size,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketConnectable) address = NULL;
  g_autofree char *address_uri = NULL;
  Handshake *handshake;
  GError *error = NULL;
  GUri *uri;
  int port;

  g_task_set_source_tag (task, stray_websocket_connect_async);
  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, &error);
  if (uri == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  handshake = g_new0 (Handshake, 1);
  handshake->uri = uri;
  handshake->user_agent = g_strdup (user_agent);
  handshake->max_message_size = max_message_size;
  handshake->answer = g_byte_array_new ();
  g_task_set_task_data (task, handshake, handshake_free);
  if (g_strcmp0 (g_uri_get_scheme (uri), "wss") == 0)
    handshake->tls = TRUE;
  else if (g_strcmp0 (g_uri_get_scheme (uri), "ws") != 0 || g_uri_get_host (uri) == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "not a WebSocket URL");
      return;
    }

  /* The proxy resolver is asked about the http(s) URL, as for libsoup's requests. */
  port = g_uri_get_port (uri) != -1 ? g_uri_get_port (uri) : handshake->tls ? 443 : 80;
  address_uri = g_uri_join (G_URI_FLAGS_NONE, handshake->tls ? "https" : "http", NULL,
                            g_uri_get_host (uri), port, "", NULL, NULL);
  address = g_network_address_parse_uri (address_uri, (guint16) port, &error);
  if (address == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  client = g_socket_client_new ();
  g_socket_client_set_timeout (client, CONNECT_TIMEOUT_SECONDS);
  g_socket_client_set_tls (client, handshake->tls);
  if (!handshake->tls)
    g_socket_client_add_application_proxy (client, "http");
  g_socket_client_connect_async (client, address, cancellable, on_connected,
                                 g_steal_pointer (&task));
}

/* Returns: (transfer full): the WebSocket, open */
SoupWebsocketConnection *
stray_websocket_connect_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == stray_websocket_connect_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
