/* test-proxy.c: connections go where the desktop's proxy settings say
 *
 * The daemon leaves proxies to GIO's default resolver, as GNOME applications do; here it is the
 * real one that Debian ships in glib-networking: the GNOME resolver, chosen when
 * XDG_CURRENT_DESKTOP names GNOME, reads org.gnome.system.proxy; libproxy, chosen otherwise,
 * reads the environment. GIO picks its default resolver once per process, so each case runs in
 * a subprocess of its own. A forwarding HTTP proxy written for the test (plain and CONNECT, a
 * thread per client) records the requests that go through it; the WebSocket and a REST call
 * reach the devserver on loopback through it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "stray-connection.h"
#include "stray-devserver.h"
#include "stray-signed-tokens.h"
#include "stray-test-wait.h"

#define API_KEY "proxy-key"
#define SECRET "proxy-secret-0123456789"

/* ---- a forwarding HTTP proxy ---- */

typedef struct {
  GSocketService *service;
  guint16 port;
  int n_clients;        /* atomic */
  int n_websockets;     /* atomic: requests asking for a websocket upgrade */
  GMutex lock;
  GPtrArray *requests;  /* request lines as the clients sent them, under lock */
} Proxy;

typedef struct {
  GOutputStream *to;
  GInputStream *from;
} Pump;

static gpointer
pump (gpointer data)
{
  Pump *pump = data;

  g_output_stream_splice (pump->to, pump->from, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL,
                          NULL);
  return NULL;
}

/* Reads a request line: "CONNECT host:port HTTP/1.1" (a tunnel), or "GET ws://host:port/path
 * HTTP/1.1" (absolute form, as clients send requests to a proxy), whose line for the server
 * is then "GET /path HTTP/1.1". Returns "host:port", or NULL when the line is neither. */
static char *
parse_request_line (const char  *request_line,
                    gboolean    *tunnel,
                    char       **line_for_server)
{
  g_auto(GStrv) parts = g_strsplit (request_line, " ", 3);
  const char *authority, *path;

  if (g_strv_length (parts) != 3)
    return NULL;
  *tunnel = g_str_equal (parts[0], "CONNECT");
  if (*tunnel)
    return g_strdup (parts[1]);
  authority = strstr (parts[1], "://");
  if (authority == NULL)
    return NULL;
  authority += strlen ("://");
  path = authority + strcspn (authority, "/");
  *line_for_server = g_strdup_printf ("%s %s %s", parts[0], *path ? path : "/", parts[2]);
  return g_strndup (authority, path - authority);
}

/* Reads the header lines up to the blank one into @head. The test's clients send bodies with
 * a Content-Length, never chunked. */
static gboolean
read_headers (Proxy            *proxy,
              GDataInputStream *in,
              GString          *head,
              gboolean         *websocket,
              gsize            *body_length)
{
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, NULL);

      if (line == NULL)
        return FALSE;
      g_string_append_printf (head, "%s\r\n", line);
      if (g_ascii_strcasecmp (line, "Upgrade: websocket") == 0)
        {
          g_atomic_int_inc (&proxy->n_websockets);
          *websocket = TRUE;
        }
      if (g_ascii_strncasecmp (line, "Content-Length:", strlen ("Content-Length:")) == 0)
        *body_length = g_ascii_strtoull (line + strlen ("Content-Length:"), NULL, 10);
      if (*line == '\0')
        return TRUE;
    }
}

/* Copies a request's body from the client to the server. */
static gboolean
forward_body (GInputStream  *from,
              GOutputStream *to,
              gsize          length)
{
  g_autofree char *body = g_malloc (length);
  gsize n_read;

  return g_input_stream_read_all (from, body, length, &n_read, NULL, NULL) &&
         n_read == length &&
         g_output_stream_write_all (to, body, length, NULL, NULL, NULL);
}

/* Runs in a thread of its own for each client: reads each request, records it, connects to
 * the target on the first and passes the requests on (or answers a CONNECT). Answers go back
 * unchanged; after a CONNECT or a websocket upgrade, bytes are copied both ways until either
 * end closes. */
static gboolean
on_run (G_GNUC_UNUSED GThreadedSocketService *service,
        GSocketConnection                    *connection,
        G_GNUC_UNUSED GObject                *source,
        gpointer                              user_data)
{
  Proxy *proxy = user_data;
  g_autoptr(GDataInputStream) in =
    g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) upstream = NULL;
  GOutputStream *to_server = NULL;
  gboolean raw = FALSE;  /* a tunnel or a websocket: bytes both ways from now on */
  GThread *back_thread = NULL;
  Pump back;

  g_atomic_int_inc (&proxy->n_clients);
  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  /* The proxy's own connections go straight to their targets. */
  g_socket_client_set_enable_proxy (client, FALSE);
  while (!raw)
    {
      g_autofree char *request_line = g_data_input_stream_read_line (in, NULL, NULL, NULL);
      g_autofree char *target = NULL;
      g_autofree char *line_for_server = NULL;
      g_autoptr(GString) head = g_string_new (NULL);
      gboolean tunnel = FALSE;
      gsize body_length = 0;

      if (request_line == NULL ||
          (target = parse_request_line (request_line, &tunnel, &line_for_server)) == NULL ||
          !read_headers (proxy, in, head, &raw, &body_length))
        break;
      g_mutex_lock (&proxy->lock);
      g_ptr_array_add (proxy->requests, g_strdup (request_line));
      g_mutex_unlock (&proxy->lock);

      /* A kept-alive client's later requests go to the same server. */
      if (upstream == NULL)
        {
          upstream = g_socket_client_connect_to_host (client, target, 80, NULL, NULL);
          if (upstream == NULL)
            break;
          to_server = g_io_stream_get_output_stream (G_IO_STREAM (upstream));
          back.to = out;
          back.from = g_io_stream_get_input_stream (G_IO_STREAM (upstream));
          back_thread = g_thread_new ("proxy-back", pump, &back);
        }
      if (tunnel)
        {
          raw = TRUE;
          g_output_stream_write_all (out, "HTTP/1.1 200 Connection established\r\n\r\n",
                                     strlen ("HTTP/1.1 200 Connection established\r\n\r\n"),
                                     NULL, NULL, NULL);
        }
      else
        {
          g_string_prepend (head, "\r\n");
          g_string_prepend (head, line_for_server);
          if (!g_output_stream_write_all (to_server, head->str, head->len, NULL, NULL, NULL) ||
              (body_length > 0 && !forward_body (G_INPUT_STREAM (in), to_server, body_length)))
            break;
        }
    }
  if (upstream == NULL)
    return TRUE;
  /* What the data stream buffered goes first, then the rest. */
  if (raw)
    pump (&(Pump) { to_server, G_INPUT_STREAM (in) });
  /* The client is gone: pass that on, which ends the other direction too. */
  g_socket_shutdown (g_socket_connection_get_socket (upstream), FALSE, TRUE, NULL);
  g_thread_join (back_thread);
  g_io_stream_close (G_IO_STREAM (upstream), NULL, NULL);
  return TRUE;
}

static void
proxy_start (Proxy *proxy)
{
  g_autoptr(GError) error = NULL;

  g_mutex_init (&proxy->lock);
  proxy->requests = g_ptr_array_new_with_free_func (g_free);
  proxy->service = g_threaded_socket_service_new (8);
  proxy->port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (proxy->service), NULL,
                                                     &error);
  g_assert_no_error (error);
  g_signal_connect (proxy->service, "run", G_CALLBACK (on_run), proxy);
  g_socket_service_start (proxy->service);
}

static void
proxy_stop (Proxy *proxy)
{
  g_socket_service_stop (proxy->service);
  g_socket_listener_close (G_SOCKET_LISTENER (proxy->service));
  g_clear_object (&proxy->service);
  g_clear_pointer (&proxy->requests, g_ptr_array_unref);
  g_mutex_clear (&proxy->lock);
}

/* Whether a client sent the proxy a request line starting with @prefix. */
static gboolean
proxy_saw_request (Proxy      *proxy,
                   const char *prefix)
{
  gboolean seen = FALSE;

  g_mutex_lock (&proxy->lock);
  for (guint i = 0; i < proxy->requests->len && !seen; i++)
    seen = g_str_has_prefix (g_ptr_array_index (proxy->requests, i), prefix);
  g_mutex_unlock (&proxy->lock);
  return seen;
}

/* ---- the connection ---- */

typedef struct {
  Proxy proxy;
  char *proxy_uri;
  StrayDevserver *server;
  const char *server_address;  /* "127.0.0.1:PORT" */
  StraySession *session;
  StraySignedTokens *tokens;
  StrayClient *client;
  StrayConnection *connection;
} Fixture;

static gboolean
is_connected (gconstpointer data)
{
  const Fixture *fixture = data;

  return stray_session_get_connection_state (fixture->session) == STRAY_CONNECTION_CONNECTED;
}

/* The proxy first, so that the desktop can be told about it before anything asks GIO. */
static void
fixture_start_proxy (Fixture *fixture)
{
  proxy_start (&fixture->proxy);
  fixture->proxy_uri = g_strdup_printf ("http://127.0.0.1:%u", fixture->proxy.port);
}

static void
fixture_start_connection (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  fixture->server = g_object_new (STRAY_TYPE_DEVSERVER, "api-key", API_KEY, "secret", SECRET,
                                  "health-interval", 0, NULL);
  stray_devserver_listen (fixture->server, "127.0.0.1:0", &error);
  g_assert_no_error (error);
  fixture->server_address = stray_devserver_get_base_url (fixture->server) + strlen ("http://");
  fixture->session = stray_session_new ();
  fixture->tokens = stray_signed_tokens_new (SECRET, "alice", 0);
  fixture->client = stray_client_new (stray_devserver_get_base_url (fixture->server), API_KEY,
                                      "alice", STRAY_TOKEN_PROVIDER (fixture->tokens));
  fixture->connection = stray_connection_new (fixture->session, fixture->client);
}

static void
fixture_tear_down (Fixture *fixture)
{
  stray_connection_stop (fixture->connection);
  stray_test_finalize (fixture->connection);
  stray_test_finalize (fixture->client);
  stray_test_finalize (fixture->tokens);
  stray_test_finalize (fixture->session);
  g_clear_object (&fixture->server);
  proxy_stop (&fixture->proxy);
  g_free (fixture->proxy_uri);
}

typedef struct {
  gboolean done;
  GError *error;
} UnreadCall;

static void
on_unread (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  UnreadCall *call = user_data;
  g_autoptr(JsonObject) answer = stray_client_call_finish (STRAY_CLIENT (source), result,
                                                           &call->error);

  call->done = TRUE;
}

/* Connects, makes one REST call on top, and checks that both went through the proxy: the
 * websocket's upgrade request and the call's request, each in the absolute form a client
 * sends only to a proxy. */
static void
connect_and_call_through_proxy (Fixture *fixture)
{
  UnreadCall call = { 0 };
  g_autofree char *connect_request = g_strdup_printf ("GET ws://%s/connect?",
                                                      fixture->server_address);
  g_autofree char *unread_request = g_strdup_printf ("GET http://%s/unread?",
                                                     fixture->server_address);

  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_connected, fixture, "the connection");
  stray_client_get_unread_async (fixture->client, NULL, on_unread, &call);
  stray_test_wait_for (stray_test_flag_is_set, &call.done, "the unread counts");
  g_assert_no_error (call.error);

  g_assert_cmpint (g_atomic_int_get (&fixture->proxy.n_websockets), ==, 1);
  g_assert_true (proxy_saw_request (&fixture->proxy, connect_request));
  g_assert_true (proxy_saw_request (&fixture->proxy, unread_request));
  g_assert_cmpint (g_atomic_int_get (&fixture->proxy.n_clients), >=, 2);
}

/* GIO chooses its default resolver once per process: each case runs in a fresh one. */
static gboolean
run_in_subprocess (void)
{
  if (g_test_subprocess ())
    return FALSE;
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  return TRUE;
}

/* A proxy set the way GNOME's Settings sets it carries the socket and REST. */
static void
test_gnome_settings (void)
{
  const char * const no_hosts[] = { NULL };
  g_autoptr(GSettings) proxy_settings = NULL;
  Fixture fixture = { 0 };

  if (run_in_subprocess ())
    return;
  /* What makes GIO take GNOME's settings (the GNOME resolver); the environment is not read. */
  g_setenv ("XDG_CURRENT_DESKTOP", "GNOME", TRUE);
  fixture_start_proxy (&fixture);
  proxy_settings = g_settings_new ("org.gnome.system.proxy");
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GSettings) scheme = g_settings_get_child (proxy_settings,
                                                          i == 0 ? "http" : "https");

      g_settings_set_string (scheme, "host", "127.0.0.1");
      g_settings_set_int (scheme, "port", fixture.proxy.port);
    }
  /* By default GNOME bypasses the proxy for localhost and 127.0.0.0/8, where the devserver is. */
  g_settings_set_strv (proxy_settings, "ignore-hosts", no_hosts);
  g_settings_set_string (proxy_settings, "mode", "manual");

  fixture_start_connection (&fixture);
  connect_and_call_through_proxy (&fixture);
  fixture_tear_down (&fixture);
}

/* A proxy in the environment, outside GNOME (libproxy reads it), does the same. */
static void
test_environment (void)
{
  Fixture fixture = { 0 };

  if (run_in_subprocess ())
    return;
  /* In GNOME, GIO would follow GNOME's settings instead. */
  g_unsetenv ("XDG_CURRENT_DESKTOP");
  fixture_start_proxy (&fixture);
  /* The proxy's threads start with its first client; nothing else reads the environment yet.
   * no_proxy stays unset (main cleared it): it would commonly name localhost. */
  g_setenv ("http_proxy", fixture.proxy_uri, TRUE);
  g_setenv ("https_proxy", fixture.proxy_uri, TRUE);

  fixture_start_connection (&fixture);
  connect_and_call_through_proxy (&fixture);
  fixture_tear_down (&fixture);
}

int
main (int   argc,
      char *argv[])
{
  static const char * const proxy_variables[] = {
    "http_proxy", "https_proxy", "all_proxy", "no_proxy",
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
  };

  g_test_init (&argc, &argv, NULL);
  /* The cases set their own; none may come from outside. */
  for (gsize i = 0; i < G_N_ELEMENTS (proxy_variables); i++)
    g_unsetenv (proxy_variables[i]);

  g_test_add_func ("/stray/proxy/gnome-settings", test_gnome_settings);
  g_test_add_func ("/stray/proxy/environment", test_environment);
  return g_test_run ();
}
