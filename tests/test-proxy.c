/* test-proxy.c: connections go where the desktop's proxy settings say
 *
 * A fake org.freedesktop.portal.ProxyResolver on the private bus (owned before anything could
 * start the real portal) gives the answers; a forwarding HTTP proxy written for the test
 * (plain and CONNECT, a thread per client) counts what goes through it. GIO's own default
 * resolver is replaced by one that always answers with that proxy, so that falling back to
 * GIO shows. The connection and a REST call reach the devserver on loopback either way.
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
  int n_clients;      /* atomic */
  int n_websockets;   /* atomic: requests asking for a websocket upgrade */
  GMutex lock;
  char *last_target;  /* "host:port" of the last request, under lock */
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

/* Runs in a thread of its own for each client: reads the request head, connects to the
 * target, passes the head on (or answers a CONNECT) and copies both ways until either end
 * closes. A kept-alive client's later requests pass through unchanged. */
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
  g_autoptr(GString) head = g_string_new (NULL);
  g_autofree char *target = NULL;
  g_autofree char *request_line = NULL;
  g_autofree char *line_for_server = NULL;
  gboolean tunnel = FALSE;
  Pump back;
  GThread *thread;

  g_atomic_int_inc (&proxy->n_clients);
  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  request_line = g_data_input_stream_read_line (in, NULL, NULL, NULL);
  if (request_line == NULL ||
      (target = parse_request_line (request_line, &tunnel, &line_for_server)) == NULL)
    return TRUE;
  if (!tunnel)
    g_string_append_printf (head, "%s\r\n", line_for_server);
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, NULL);

      if (line == NULL)
        return TRUE;
      g_string_append_printf (head, "%s\r\n", line);
      if (g_ascii_strcasecmp (line, "Upgrade: websocket") == 0)
        g_atomic_int_inc (&proxy->n_websockets);
      if (*line == '\0')
        break;
    }
  g_mutex_lock (&proxy->lock);
  g_free (proxy->last_target);
  proxy->last_target = g_strdup (target);
  g_mutex_unlock (&proxy->lock);

  /* The proxy's own connections go straight to their targets. */
  g_socket_client_set_enable_proxy (client, FALSE);
  upstream = g_socket_client_connect_to_host (client, target, 80, NULL, NULL);
  if (upstream == NULL)
    return TRUE;
  if (tunnel)
    g_output_stream_write_all (out, "HTTP/1.1 200 Connection established\r\n\r\n",
                               strlen ("HTTP/1.1 200 Connection established\r\n\r\n"), NULL,
                               NULL, NULL);
  else
    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (upstream)),
                               head->str, head->len, NULL, NULL, NULL);

  back.to = out;
  back.from = g_io_stream_get_input_stream (G_IO_STREAM (upstream));
  thread = g_thread_new ("proxy-back", pump, &back);
  /* What the data stream buffered past the head goes first, then the rest. */
  pump (&(Pump) { g_io_stream_get_output_stream (G_IO_STREAM (upstream)), G_INPUT_STREAM (in) });
  /* The client is gone: pass that on, which ends the other direction too. */
  g_socket_shutdown (g_socket_connection_get_socket (upstream), FALSE, TRUE, NULL);
  g_thread_join (thread);
  g_io_stream_close (G_IO_STREAM (upstream), NULL, NULL);
  return TRUE;
}

static void
proxy_start (Proxy *proxy)
{
  g_autoptr(GError) error = NULL;

  g_mutex_init (&proxy->lock);
  proxy->service = g_threaded_socket_service_new (8);
  proxy->port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (proxy->service), NULL,
                                                     &error);
  g_assert_no_error (error);
  g_signal_connect (proxy->service, "run", G_CALLBACK (on_run), proxy);
  g_socket_service_start (proxy->service);
}

static char *
proxy_get_last_target (Proxy *proxy)
{
  char *target;

  g_mutex_lock (&proxy->lock);
  target = g_strdup (proxy->last_target);
  g_mutex_unlock (&proxy->lock);
  return target;
}

/* ---- GIO's default resolver, for the test ---- */

/* What GIO's default resolver answers: the proxy of the test running now. */
static char *default_answer;

#define TEST_TYPE_DEFAULT_RESOLVER (test_default_resolver_get_type ())
G_DECLARE_FINAL_TYPE (TestDefaultResolver, test_default_resolver, TEST, DEFAULT_RESOLVER,
                      GObject)

struct _TestDefaultResolver
{
  GObject parent_instance;
};

static void test_default_resolver_iface_init (GProxyResolverInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestDefaultResolver, test_default_resolver, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_PROXY_RESOLVER,
                                                      test_default_resolver_iface_init))

static gboolean
test_default_resolver_is_supported (G_GNUC_UNUSED GProxyResolver *resolver)
{
  return TRUE;
}

static char **
test_default_resolver_lookup (G_GNUC_UNUSED GProxyResolver *resolver,
                              G_GNUC_UNUSED const char      *uri,
                              G_GNUC_UNUSED GCancellable    *cancellable,
                              G_GNUC_UNUSED GError         **error)
{
  char **proxies = g_new0 (char *, 2);

  proxies[0] = g_strdup (default_answer);
  return proxies;
}

static void
test_default_resolver_lookup_async (GProxyResolver      *resolver,
                                    const char          *uri,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);

  g_task_return_pointer (task, test_default_resolver_lookup (resolver, uri, cancellable, NULL),
                         (GDestroyNotify) g_strfreev);
}

static char **
test_default_resolver_lookup_finish (G_GNUC_UNUSED GProxyResolver *resolver,
                                     GAsyncResult                  *result,
                                     GError                       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_default_resolver_iface_init (GProxyResolverInterface *iface)
{
  iface->is_supported = test_default_resolver_is_supported;
  iface->lookup = test_default_resolver_lookup;
  iface->lookup_async = test_default_resolver_lookup_async;
  iface->lookup_finish = test_default_resolver_lookup_finish;
}

static void
test_default_resolver_class_init (G_GNUC_UNUSED TestDefaultResolverClass *klass)
{
}

static void
test_default_resolver_init (G_GNUC_UNUSED TestDefaultResolver *self)
{
}

/* ---- a fake portal ---- */

typedef enum {
  ANSWER_PROXY,           /* the test's proxy */
  ANSWER_DIRECT,          /* direct:// */
  ANSWER_UNKNOWN_METHOD,  /* a portal without the ProxyResolver interface */
} Answer;

typedef struct {
  Answer answer;
  char *proxy_uri;
  guint n_lookups;
  char *last_uri;
} FakePortal;

static FakePortal portal;

static const char portal_xml[] =
  "<node><interface name='org.freedesktop.portal.ProxyResolver'>"
  "  <method name='Lookup'>"
  "    <arg type='s' name='uri' direction='in'/>"
  "    <arg type='as' name='proxies' direction='out'/>"
  "  </method>"
  "</interface></node>";

static void
portal_method_call (G_GNUC_UNUSED GDBusConnection *bus,
                    G_GNUC_UNUSED const char      *sender,
                    G_GNUC_UNUSED const char      *path,
                    G_GNUC_UNUSED const char      *interface,
                    G_GNUC_UNUSED const char      *method,
                    GVariant                      *parameters,
                    GDBusMethodInvocation         *invocation,
                    G_GNUC_UNUSED gpointer         user_data)
{
  const char *proxies[] = { NULL, NULL };

  portal.n_lookups++;
  g_free (portal.last_uri);
  g_variant_get (parameters, "(s)", &portal.last_uri);
  switch (portal.answer)
    {
    case ANSWER_PROXY:
      proxies[0] = portal.proxy_uri;
      break;
    case ANSWER_DIRECT:
      proxies[0] = "direct://";
      break;
    case ANSWER_UNKNOWN_METHOD:
      g_dbus_method_invocation_return_dbus_error (invocation,
                                                  "org.freedesktop.DBus.Error.UnknownMethod",
                                                  "No such interface");
      return;
    default:
      g_assert_not_reached ();
    }
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", proxies));
}

static gboolean
name_settled (gconstpointer data)
{
  return *(const int *) data != 0;
}

static void
on_name_acquired (G_GNUC_UNUSED GDBusConnection *bus,
                  G_GNUC_UNUSED const char      *name,
                  gpointer                       user_data)
{
  *(int *) user_data = 1;
}

static void
on_name_lost (G_GNUC_UNUSED GDBusConnection *bus,
              G_GNUC_UNUSED const char      *name,
              gpointer                       user_data)
{
  *(int *) user_data = -1;
}

/* On a connection of its own, so that the resolver's calls really go through the bus. */
static void
portal_start (void)
{
  static const GDBusInterfaceVTable vtable = { portal_method_call, NULL, NULL, { 0 } };
  g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (portal_xml, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  GDBusConnection *bus;
  int owned = 0;

  g_assert_no_error (error);
  bus = g_dbus_connection_new_for_address_sync (address,
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_register_object (bus, "/org/freedesktop/portal/desktop",
                                     node->interfaces[0], &vtable, NULL, NULL, &error);
  g_assert_no_error (error);
  g_bus_own_name_on_connection (bus, "org.freedesktop.portal.Desktop",
                                G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE, on_name_acquired,
                                on_name_lost, &owned, NULL);
  stray_test_wait_for (name_settled, &owned, "the portal's name");
  g_assert_cmpint (owned, ==, 1);
}

/* ---- the connection ---- */

typedef struct {
  StrayDevserver *server;
  const char *server_address;  /* "127.0.0.1:PORT" */
  StraySession *session;
  StraySignedTokens *tokens;
  StrayClient *client;
  StrayConnection *connection;
  Proxy proxy;
} Fixture;

static gboolean
is_connected (gconstpointer data)
{
  const Fixture *fixture = data;

  return stray_session_get_connection_state (fixture->session) == STRAY_CONNECTION_CONNECTED;
}

static void
fixture_set_up (Fixture                     *fixture,
                G_GNUC_UNUSED gconstpointer  user_data)
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
  proxy_start (&fixture->proxy);
  g_free (portal.proxy_uri);
  portal.proxy_uri = g_strdup_printf ("http://127.0.0.1:%u", fixture->proxy.port);
  portal.n_lookups = 0;
  g_free (default_answer);
  default_answer = g_strdup (portal.proxy_uri);
}

static void
fixture_tear_down (Fixture                     *fixture,
                   G_GNUC_UNUSED gconstpointer  user_data)
{
  stray_connection_stop (fixture->connection);
  stray_test_finalize (fixture->connection);
  stray_test_finalize (fixture->client);
  stray_test_finalize (fixture->tokens);
  stray_test_finalize (fixture->session);
  g_clear_object (&fixture->server);
  g_socket_service_stop (fixture->proxy.service);
  g_socket_listener_close (G_SOCKET_LISTENER (fixture->proxy.service));
  g_clear_object (&fixture->proxy.service);
  g_free (fixture->proxy.last_target);
  g_mutex_clear (&fixture->proxy.lock);
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

/* Connects, and makes one REST call on top. */
static void
connect_and_call (Fixture *fixture)
{
  UnreadCall call = { 0 };

  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_connected, fixture, "the connection");
  stray_client_get_unread_async (fixture->client, NULL, on_unread, &call);
  stray_test_wait_for (stray_test_flag_is_set, &call.done, "the unread counts");
  g_assert_no_error (call.error);
}

/* The websocket went to the server through the test's proxy. */
static void
assert_socket_through_proxy (Fixture *fixture)
{
  g_autofree char *target = proxy_get_last_target (&fixture->proxy);

  g_assert_cmpstr (target, ==, fixture->server_address);
  g_assert_cmpint (g_atomic_int_get (&fixture->proxy.n_websockets), ==, 1);
}

/* A proxy set in the desktop is used, for the socket and for REST. */
static void
test_portal_proxy (Fixture                     *fixture,
                   G_GNUC_UNUSED gconstpointer  user_data)
{
  portal.answer = ANSWER_PROXY;
  connect_and_call (fixture);
  assert_socket_through_proxy (fixture);
  g_assert_cmpint (g_atomic_int_get (&fixture->proxy.n_clients), >=, 2);
  g_assert_cmpstr (portal.last_uri, ==, stray_devserver_get_base_url (fixture->server));
}

/* No proxy in the desktop: straight to the server, the proxy untouched, and after the one
 * question before connecting no connection asks again (they have no resolver). */
static void
test_portal_direct (Fixture                     *fixture,
                    G_GNUC_UNUSED gconstpointer  user_data)
{
  portal.answer = ANSWER_DIRECT;
  connect_and_call (fixture);
  g_assert_cmpuint (portal.n_lookups, ==, 1);
  g_assert_cmpint (g_atomic_int_get (&fixture->proxy.n_clients), ==, 0);
}

/* A portal without the interface: GIO's own resolver decides, for every connection, and the
 * portal is not asked again until the next check. */
static void
test_portal_missing (Fixture                     *fixture,
                     G_GNUC_UNUSED gconstpointer  user_data)
{
  portal.answer = ANSWER_UNKNOWN_METHOD;
  connect_and_call (fixture);
  assert_socket_through_proxy (fixture);
  g_assert_cmpuint (portal.n_lookups, ==, 1);
}

/* A proxy in the environment, which the portal would not see: GIO's resolver decides (the
 * test's stands in for libproxy, which reads the variable), the portal is not asked. */
static void
test_environment (Fixture                     *fixture,
                  G_GNUC_UNUSED gconstpointer  user_data)
{
  portal.answer = ANSWER_DIRECT;
  /* Threads are running (the bus's, the proxy's); none reads the environment meanwhile. */
  g_setenv ("http_proxy", portal.proxy_uri, TRUE);
  connect_and_call (fixture);
  g_unsetenv ("http_proxy");
  assert_socket_through_proxy (fixture);
  g_assert_cmpuint (portal.n_lookups, ==, 0);
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
  /* The environment test sets its own; none may come from outside. */
  for (gsize i = 0; i < G_N_ELEMENTS (proxy_variables); i++)
    g_unsetenv (proxy_variables[i]);
  /* Before anything asks GIO for its default resolver. */
  g_io_extension_point_register (G_PROXY_RESOLVER_EXTENSION_POINT_NAME);
  g_io_extension_point_implement (G_PROXY_RESOLVER_EXTENSION_POINT_NAME,
                                  TEST_TYPE_DEFAULT_RESOLVER, "stray-test", 1000);
  portal_start ();

  g_test_add ("/stray/proxy/portal/proxy", Fixture, NULL, fixture_set_up, test_portal_proxy,
              fixture_tear_down);
  g_test_add ("/stray/proxy/portal/direct", Fixture, NULL, fixture_set_up, test_portal_direct,
              fixture_tear_down);
  g_test_add ("/stray/proxy/portal/missing", Fixture, NULL, fixture_set_up,
              test_portal_missing, fixture_tear_down);
  g_test_add ("/stray/proxy/environment", Fixture, NULL, fixture_set_up, test_environment,
              fixture_tear_down);
  return g_test_run ();
}
