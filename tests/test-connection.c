/* test-connection.c: the connection engine against the devserver on loopback
 *
 * Timings are shortened through the connection's properties; everything is waited for as an
 * event, with a timeout.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "stray-connection.h"
#include "stray-devserver-private.h" /* its SoupServer, to fail a call once */
#include "stray-json.h"
#include "stray-jwt.h"
#include "stray-signed-tokens.h"
#include "stray-test-wait.h"

#define API_KEY "connection-key"
#define SECRET "connection-secret-0123456789"

typedef struct {
  StrayDevserver *server;
  char *address;
  StraySession *session;
  StraySignedTokens *tokens;
  StrayClient *client;
  StrayConnection *connection;
  GPtrArray *states;  /* every connection-state the session went through */
  guint n_live;
  guint n_not_live;
  guint n_health;
  guint n_synced;
  /* REST calls the server saw, and which of them (counted from 1) to fail with HTTP 500 */
  guint n_channel_queries;      /* POST /channels */
  guint n_cid_queries;          /* …of which for channels named by cid */
  guint n_syncs;                /* POST /sync */
  guint fail_channel_query;
  guint fail_sync;
} Fixture;

static StrayConnectionState
state (Fixture *fixture)
{
  return stray_session_get_connection_state (fixture->session);
}

static gboolean
is_connected (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  return state (fixture) == STRAY_CONNECTION_CONNECTED;
}

static gboolean
is_not_connected (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  return state (fixture) != STRAY_CONNECTION_CONNECTED;
}

static gboolean
is_auth_failed (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  return state (fixture) == STRAY_CONNECTION_AUTH_FAILED;
}

static gboolean
is_synced (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  return fixture->n_synced > 0;
}

static void
on_state (GObject    *session,
          G_GNUC_UNUSED GParamSpec *pspec,
          Fixture    *fixture)
{
  g_ptr_array_add (fixture->states,
                   g_strdup (stray_connection_state_to_string (
                     stray_session_get_connection_state (STRAY_SESSION (session)))));
}

static void
on_event (G_GNUC_UNUSED StrayConnection *connection,
          const StrayEvent              *event,
          gboolean                       live,
          Fixture                       *fixture)
{
  if (event->type == STRAY_EVENT_HEALTH_CHECK)
    fixture->n_health++;
  if (event->type == STRAY_EVENT_MESSAGE_NEW || event->type == STRAY_EVENT_NOTIFICATION_MESSAGE_NEW)
    {
      if (live)
        fixture->n_live++;
      else
        fixture->n_not_live++;
    }
}

static void
on_synced (G_GNUC_UNUSED StrayConnection *connection,
           Fixture                       *fixture)
{
  fixture->n_synced++;
}

/* Counts the calls that matter to a resync, and fails the one the test asked for as a server
 * in trouble would: a status set before the handler runs skips it. */
static void
on_request_read (G_GNUC_UNUSED SoupServer *server,
                 SoupServerMessage        *msg,
                 Fixture                  *fixture)
{
  static const char trouble[] = "{\"code\":-1,\"message\":\"the test says no\"}";
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  gboolean fail = FALSE;

  if (!g_str_equal (soup_server_message_get_method (msg), "POST"))
    return;
  if (g_str_equal (path, "/channels"))
    {
      fixture->n_channel_queries++;
      if (body->data != NULL && strstr (body->data, "\"cid\"") != NULL)
        fixture->n_cid_queries++;
      fail = fixture->n_channel_queries == fixture->fail_channel_query;
    }
  else if (g_str_equal (path, "/sync"))
    {
      fixture->n_syncs++;
      fail = fixture->n_syncs == fixture->fail_sync;
    }
  if (!fail)
    return;
  soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, trouble,
                                    strlen (trouble));
}

static void
start_server (Fixture    *fixture,
              const char *address)
{
  g_autoptr(GError) error = NULL;
  const char * const members[] = { "alice", "bob", NULL };

  fixture->server = g_object_new (STRAY_TYPE_DEVSERVER, "api-key", API_KEY, "secret", SECRET,
                                  "health-interval", 0, NULL);
  stray_devserver_listen (fixture->server, address, &error);
  g_assert_no_error (error);
  g_signal_connect (fixture->server->server, "request-read", G_CALLBACK (on_request_read),
                    fixture);
  if (!stray_dev_store_has_channel (stray_devserver_get_store (fixture->server),
                                    "messaging:general"))
    {
      stray_devserver_create_channel (fixture->server, "messaging", "general", "bob", members,
                                      NULL, &error);
      g_assert_no_error (error);
    }
}

/* Makes a connection for @user_id whose tokens are signed with @secret. */
static void
make_connection (Fixture    *fixture,
                 const char *secret,
                 gint64      token_lifetime)
{
  fixture->session = stray_session_new ();
  fixture->tokens = stray_signed_tokens_new (secret, "alice", token_lifetime);
  fixture->client = stray_client_new (stray_devserver_get_base_url (fixture->server), API_KEY,
                                      "alice", STRAY_TOKEN_PROVIDER (fixture->tokens));
  fixture->connection = stray_connection_new (fixture->session, fixture->client);
  g_object_set (fixture->connection,
                "ping-interval", 200,
                "dead-after", 1000,
                "handshake-timeout", 2000,
                "backoff-scale", 0.05,
                NULL);
  fixture->states = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (fixture->session, "notify::connection-state", G_CALLBACK (on_state), fixture);
  g_signal_connect (fixture->connection, "event", G_CALLBACK (on_event), fixture);
  g_signal_connect (fixture->connection, "synced", G_CALLBACK (on_synced), fixture);
}

static void
fixture_set_up (Fixture       *fixture,
                G_GNUC_UNUSED gconstpointer user_data)
{
  start_server (fixture, "127.0.0.1:0");
  fixture->address = g_strdup (stray_devserver_get_base_url (fixture->server) +
                               strlen ("http://"));
  make_connection (fixture, SECRET, 0);
}

static void
fixture_tear_down (Fixture       *fixture,
                   G_GNUC_UNUSED gconstpointer user_data)
{
  stray_connection_stop (fixture->connection);
  stray_test_finalize (fixture->connection);
  stray_test_finalize (fixture->client);
  stray_test_finalize (fixture->tokens);
  stray_test_finalize (fixture->session);
  g_clear_object (&fixture->server);
  g_ptr_array_unref (fixture->states);
  g_free (fixture->address);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* The server side, as a backend would drive it. */
static void
bob_says (Fixture    *fixture,
          const char *text)
{
  g_autoptr(JsonObject) message = json_object_new ();
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (message, "text", text);
  stray_devserver_send_message (fixture->server, "messaging:general", "bob", message, &error);
  g_assert_no_error (error);
}

typedef struct {
  gboolean done;
  guint status;
} HookCall;

static void
on_hook_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  HookCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) answer = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                                &error);

  g_assert_no_error (error);
  call->status = soup_message_get_status (soup_session_get_async_result_message (
                                            SOUP_SESSION (source), result));
  call->done = TRUE;
}

/* One of the devserver's test hooks, called with a server token. */
static void
server_hook (Fixture    *fixture,
             const char *path,
             const char *body)
{
  g_autoptr(JsonObject) claims = json_object_new ();
  g_autofree char *token = NULL;
  g_autofree char *url = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));
  HookCall call = { 0 };

  json_object_set_boolean_member (claims, "server", TRUE);
  token = stray_jwt_sign (SECRET, claims);
  url = g_strdup_printf ("%s%s?api_key=" API_KEY, stray_devserver_get_base_url (fixture->server),
                         path);
  msg = soup_message_new ("POST", url);
  soup_message_headers_append (soup_message_get_request_headers (msg), "Authorization", token);
  soup_message_headers_append (soup_message_get_request_headers (msg), "stream-auth-type", "jwt");
  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  /* The server is in this process: its answer needs the main loop, so no sync call. */
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_hook_done, &call);
  stray_test_wait_for (stray_test_flag_is_set, &call.done, "the hook's answer");
  g_assert_cmpuint (call.status, ==, 201);
}

static guint
unread_in_general (Fixture *fixture)
{
  StrayChannel *general = stray_channel_list_lookup (stray_session_get_channels (fixture->session),
                                                     "messaging:general");

  return general != NULL ? stray_channel_get_unread_count (general) : G_MAXUINT;
}

/* A fixture and a number to reach, for the conditions below. */
typedef struct {
  Fixture *fixture;
  guint count;
} Count;

static gboolean
general_has_unread (gconstpointer data)
{
  const Count *unread = data;

  return unread_in_general (unread->fixture) == unread->count;
}

static gboolean
has_attempts (gconstpointer data)
{
  const Count *attempts = data;

  return stray_connection_get_n_attempts (attempts->fixture->connection) >= attempts->count;
}

/* ---- a network monitor the test switches ---- */

#define FAKE_TYPE_MONITOR (fake_monitor_get_type ())
G_DECLARE_FINAL_TYPE (FakeMonitor, fake_monitor, FAKE, MONITOR, GObject)

struct _FakeMonitor
{
  GObject parent_instance;
  gboolean available;
};

static void fake_monitor_network_init (GNetworkMonitorInterface *iface);
static void fake_monitor_initable_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FakeMonitor, fake_monitor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, fake_monitor_initable_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR,
                                                      fake_monitor_network_init))

enum { MONITOR_PROP_0, MONITOR_PROP_AVAILABLE, MONITOR_PROP_METERED, MONITOR_PROP_CONNECTIVITY };

static gboolean
fake_monitor_init_initable (G_GNUC_UNUSED GInitable    *initable,
                            G_GNUC_UNUSED GCancellable *cancellable,
                            G_GNUC_UNUSED GError      **error)
{
  return TRUE;
}

static void
fake_monitor_initable_init (GInitableIface *iface)
{
  iface->init = fake_monitor_init_initable;
}

static void
fake_monitor_network_init (G_GNUC_UNUSED GNetworkMonitorInterface *iface)
{
}

static void
fake_monitor_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  switch (prop_id)
    {
    case MONITOR_PROP_AVAILABLE:
      g_value_set_boolean (value, FAKE_MONITOR (object)->available);
      break;
    case MONITOR_PROP_METERED:
      g_value_set_boolean (value, FALSE);
      break;
    case MONITOR_PROP_CONNECTIVITY:
      g_value_set_enum (value, G_NETWORK_CONNECTIVITY_FULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fake_monitor_class_init (FakeMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = fake_monitor_get_property;
  g_object_class_override_property (object_class, MONITOR_PROP_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, MONITOR_PROP_METERED, "network-metered");
  g_object_class_override_property (object_class, MONITOR_PROP_CONNECTIVITY, "connectivity");
}

static void
fake_monitor_init (FakeMonitor *self)
{
  self->available = TRUE;
}

static void
fake_monitor_set_available (FakeMonitor *self,
                            gboolean     available)
{
  self->available = available;
  g_signal_emit_by_name (self, "network-changed", available);
}

/* ---- tests ---- */

static void
test_handshake (Fixture       *fixture,
                G_GNUC_UNUSED gconstpointer user_data)
{
  gint64 start = g_get_monotonic_time ();

  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_connected, fixture, "the handshake");
  g_test_message ("connected in %" G_GINT64_FORMAT " µs", g_get_monotonic_time () - start);
  g_assert_cmpstr (g_ptr_array_index (fixture->states, 0), ==, "connecting");
  g_assert_cmpstr (stray_session_get_user_id (fixture->session), ==, "alice");
  g_assert_nonnull (stray_client_get_connection_id (fixture->client));
  g_assert_cmpuint (stray_connection_get_n_attempts (fixture->connection), ==, 1);

  /* After the handshake the model is resynced: the user's channel is there. */
  stray_test_wait_for (is_synced, fixture, "the resync");
  g_assert_cmpuint (unread_in_general (fixture), ==, 0);
  g_assert_cmpuint (stray_devserver_get_n_connections (fixture->server), ==, 1);
}

static gboolean
is_offline (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  return state (fixture) == STRAY_CONNECTION_DISCONNECTED;
}

/* The connection is the state's one writer, and every state it goes through reaches the
 * session's notify (which the tray, the D-Bus service and the window follow): the lifecycle
 * ("syncing" between the handshake and the model's resync), and what frames about the
 * connection say. */
static void
test_states (Fixture       *fixture,
             G_GNUC_UNUSED gconstpointer user_data)
{
  static const char * const expected[] = {
    "connecting", "syncing", "connected", "offline", "connected", "offline", "not-configured",
  };

  g_assert_cmpint (state (fixture), ==, STRAY_CONNECTION_NOT_CONFIGURED);
  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_synced, fixture, "the resync");

  server_hook (fixture, "/_dev/inject",
               "{\"user_id\":\"alice\",\"frames\":[\"{\\\"type\\\":\\\"connection.changed\\\","
               "\\\"online\\\":false}\"]}");
  stray_test_wait_for (is_offline, fixture, "offline, as the frame says");
  server_hook (fixture, "/_dev/inject",
               "{\"user_id\":\"alice\",\"frames\":[\"{\\\"type\\\":\\\"health.check\\\"}\"]}");
  stray_test_wait_for (is_connected, fixture, "connected again, as the health.check says");

  stray_connection_stop (fixture->connection);
  /* Signed out: the session forgets everything, and the state is not-configured. */
  stray_session_clear (fixture->session);
  g_assert_cmpuint (fixture->states->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (g_ptr_array_index (fixture->states, i), ==, expected[i]);
}

static gboolean
has_five_health_checks (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  return fixture->n_health >= 5;
}

/* Pings go 200 ms (here) after each health.check received, and each is answered. */
static void
test_ping_cadence (Fixture       *fixture,
                   G_GNUC_UNUSED gconstpointer user_data)
{
  gint64 start;

  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_connected, fixture, "the handshake");
  start = g_get_monotonic_time ();
  fixture->n_health = 0;
  stray_test_wait_for (has_five_health_checks, fixture, "five answered pings");
  /* Not faster than one per interval, and the server never sends them on its own here. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 5 * 200 * 1000 * 9 / 10);
  g_assert_true (is_connected (fixture));
}

static gboolean
went_offline_and_back (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  gboolean offline = FALSE;

  for (guint i = 0; i < fixture->states->len; i++)
    offline |= g_str_equal (g_ptr_array_index (fixture->states, i), "offline");
  return offline && is_connected (fixture);
}

/* A server that stops answering is found dead after dead-after, and reconnected to. */
static void
test_dead_connection (Fixture       *fixture,
                      G_GNUC_UNUSED gconstpointer user_data)
{
  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_connected, fixture, "the handshake");
  g_ptr_array_set_size (fixture->states, 0);

  server_hook (fixture, "/_dev/stall", "{\"seconds\":2}");
  stray_test_wait_for (is_not_connected, fixture, "the stalled connection to count as dead");
  stray_test_wait_for (went_offline_and_back, fixture, "the reconnect after the stall");
  g_assert_cmpuint (stray_connection_get_n_attempts (fixture->connection), >=, 2);
}

static void
test_reconnect_after_drop (Fixture       *fixture,
                           G_GNUC_UNUSED gconstpointer user_data)
{
  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_connected, fixture, "the handshake");
  stray_test_wait_for (is_synced, fixture, "the first resync");
  g_ptr_array_set_size (fixture->states, 0);
  fixture->n_synced = 0;

  server_hook (fixture, "/_dev/drop", "{}");
  stray_test_wait_for (went_offline_and_back, fixture, "the reconnect after the drop");
  stray_test_wait_for (is_synced, fixture, "the resync after the drop");
}

/* The devserver killed and started again on the same port. */
static void
test_reconnect_after_restart (Fixture       *fixture,
                              G_GNUC_UNUSED gconstpointer user_data)
{
  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_connected, fixture, "the handshake");
  g_ptr_array_set_size (fixture->states, 0);

  stray_test_finalize (g_steal_pointer (&fixture->server));
  stray_test_wait_for (is_not_connected, fixture, "the connection to notice");
  /* A few refused attempts while the server is away. */
  {
    Count attempts = { fixture, stray_connection_get_n_attempts (fixture->connection) + 2 };

    stray_test_wait_for (has_attempts, &attempts, "two refused attempts");
  }
  start_server (fixture, fixture->address);
  stray_test_wait_for (went_offline_and_back, fixture, "the reconnect to the restarted server");
}

/* Messages sent while offline count exactly once after recovery, and are not news. */
static void
test_exact_counts_after_recovery (Fixture       *fixture,
                                  G_GNUC_UNUSED gconstpointer user_data)
{
  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_synced, fixture, "the first resync");
  bob_says (fixture, "while you were online");
  server_hook (fixture, "/channels/messaging/general/read", "{\"user_id\":\"alice\"}");

  stray_connection_stop (fixture->connection);
  bob_says (fixture, "one");
  bob_says (fixture, "two");
  bob_says (fixture, "three");
  fixture->n_synced = 0;
  fixture->n_live = fixture->n_not_live = 0;

  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_synced, fixture, "the resync");
  {
    Count unread = { fixture, 3 };

    stray_test_wait_for (general_has_unread, &unread, "three unread");
  }
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 3);
  g_assert_cmpuint (stray_session_get_unread_channels (fixture->session), ==, 1);
  g_assert_cmpstr (stray_channel_get_last_message (stray_channel_list_lookup (
                     stray_session_get_channels (fixture->session),
                     "messaging:general"))->text, ==, "three");
  /* They came by the resync, not as events: nothing to announce. */
  g_assert_cmpuint (fixture->n_live, ==, 0);

  /* A new one is news. */
  bob_says (fixture, "four");
  while (fixture->n_live == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (unread_in_general (fixture), ==, 4);
}

/* Channels that went away while offline go away from the model. */
static void
test_channels_gone_after_recovery (Fixture       *fixture,
                                   G_GNUC_UNUSED gconstpointer user_data)
{
  StrayChannelList *channels = stray_session_get_channels (fixture->session);

  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_synced, fixture, "the first resync");
  g_assert_nonnull (stray_channel_list_lookup (channels, "messaging:general"));

  stray_connection_stop (fixture->connection);
  stray_dev_store_delete_channel (stray_devserver_get_store (fixture->server),
                                  "messaging:general", NULL);
  fixture->n_synced = 0;
  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_synced, fixture, "the resync");
  g_assert_null (stray_channel_list_lookup (channels, "messaging:general"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (channels)), ==, 0);
}

/* A token the server cannot verify ends in auth-failed after one attempt, not a loop. */
static void
test_bad_signature (Fixture       *fixture,
                    G_GNUC_UNUSED gconstpointer user_data)
{
  stray_connection_stop (fixture->connection);
  g_clear_object (&fixture->connection);
  g_clear_object (&fixture->client);
  g_clear_object (&fixture->tokens);
  g_clear_object (&fixture->session);
  g_clear_pointer (&fixture->states, g_ptr_array_unref);
  make_connection (fixture, "not-the-secret", 0);

  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_auth_failed, fixture, "auth-failed");
  g_assert_error (stray_connection_get_error (fixture->connection), STRAY_CLIENT_ERROR, 43);

  /* Longer than any (scaled) backoff: still one attempt. */
  stray_test_run_for_ms (1500);
  g_assert_cmpuint (stray_connection_get_n_attempts (fixture->connection), ==, 1);
  g_assert_true (is_auth_failed (fixture));
}

/* An expired token is refreshed once; when the fresh one is expired too, it stops there. */
static void
test_expired_token (Fixture       *fixture,
                    G_GNUC_UNUSED gconstpointer user_data)
{
  stray_connection_stop (fixture->connection);
  g_clear_object (&fixture->connection);
  g_clear_object (&fixture->client);
  g_clear_object (&fixture->tokens);
  g_clear_object (&fixture->session);
  g_clear_pointer (&fixture->states, g_ptr_array_unref);
  make_connection (fixture, SECRET, -60);

  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_auth_failed, fixture, "auth-failed");
  g_assert_error (stray_connection_get_error (fixture->connection), STRAY_CLIENT_ERROR, 40);
  g_assert_cmpuint (stray_connection_get_n_attempts (fixture->connection), ==, 2);
  g_assert_cmpuint (stray_signed_tokens_get_n_issued (fixture->tokens), ==, 2);
}

static gboolean
has_rejected_three (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  guint rejected;

  g_object_get (fixture->connection, "n-rejected", &rejected, NULL);
  return rejected >= 3;
}

/* Garbage on the socket is refused frame by frame; the session stays up and exact. */
static void
test_garbage_ignored (Fixture       *fixture,
                      G_GNUC_UNUSED gconstpointer user_data)
{
  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_synced, fixture, "the resync");
  server_hook (fixture, "/_dev/inject",
               "{\"user_id\":\"alice\",\"frames\":[\"{not json\",\"[1,2]\","
               "\"{\\\"type\\\":\\\"message.new\\\",\\\"message\\\":null}\"]}");
  stray_test_wait_for (has_rejected_three, fixture, "three rejected frames");
  g_assert_true (is_connected (fixture));
  g_assert_cmpuint (stray_connection_get_n_attempts (fixture->connection), ==, 1);

  bob_says (fixture, "still here?");
  {
    Count unread = { fixture, 1 };

    stray_test_wait_for (general_has_unread, &unread, "the next real message");
  }
}

/* A frame larger than 1 MiB is refused alone; the connection and the model stay. */
static void
test_oversized_frame (Fixture       *fixture,
                      G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(GString) frame = g_string_new ("{\"type\":\"message.new\",\"cid\":"
                                           "\"messaging:general\",\"message\":{\"id\":\"big\","
                                           "\"text\":\"");
  guint rejected = 0;

  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_synced, fixture, "the resync");
  while (frame->len < 3 * 1024 * 1024 / 2)
    g_string_append (frame, "0123456789abcdef");
  g_string_append (frame, "\",\"user\":{\"id\":\"bob\"}}}");
  g_assert_cmpuint (stray_devserver_inject (fixture->server, "alice", frame->str, frame->len),
                    ==, 1);
  while (rejected == 0)
    {
      g_main_context_iteration (NULL, TRUE);
      g_object_get (fixture->connection, "n-rejected", &rejected, NULL);
    }
  g_assert_cmpuint (unread_in_general (fixture), ==, 0);
  g_assert_true (is_connected (fixture));

  bob_says (fixture, "after the big one");
  {
    Count unread = { fixture, 1 };

    stray_test_wait_for (general_has_unread, &unread, "the next real message");
  }
}

typedef struct {
  gboolean done;
  JsonObject *answer;
  GError *error;
} CallResult;

static void
on_call (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  CallResult *call = user_data;

  call->answer = stray_client_call_finish (STRAY_CLIENT (source), result, &call->error);
  call->done = TRUE;
}

static void
wait_call (CallResult *call)
{
  stray_test_wait_for (stray_test_flag_is_set, &call->done, "the call's answer");
}

static void
call_result_clear (CallResult *call)
{
  g_clear_pointer (&call->answer, json_object_unref);
  g_clear_error (&call->error);
  call->done = FALSE;
}

static gboolean
has_no_unread (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  return unread_in_general (fixture) == 0;
}

static gboolean
general_is_muted (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  return stray_channel_get_muted (stray_channel_list_lookup (
    stray_session_get_channels (fixture->session), "messaging:general"));
}

static gboolean
general_is_unmuted (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  return !general_is_muted (fixture);
}

static gboolean
has_four_unread (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  return unread_in_general (fixture) == 4;
}

/* The REST calls the applet makes, each seen in the model through the events they cause. */
static void
test_rest_calls (Fixture       *fixture,
                 G_GNUC_UNUSED gconstpointer user_data)
{
  CallResult call = { 0 };
  const char *first_id;
  g_autofree char *first = NULL;

  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_synced, fixture, "the resync");

  stray_client_send_message_async (fixture->client, "messaging:general", "hello from alice", NULL,
                                   on_call, &call);
  wait_call (&call);
  g_assert_no_error (call.error);
  first_id = stray_json_string (stray_json_object (call.answer, "message"), "id");
  first = g_strdup (first_id);
  call_result_clear (&call);

  bob_says (fixture, "one");
  bob_says (fixture, "two");
  {
    Count unread = { fixture, 2 };

    stray_test_wait_for (general_has_unread, &unread, "two unread in General");
  }

  stray_client_mark_read_async (fixture->client, "messaging:general", NULL, on_call, &call);
  wait_call (&call);
  g_assert_no_error (call.error);
  call_result_clear (&call);
  stray_test_wait_for (has_no_unread, fixture, "the channel read");

  /* Unread again from alice's own first message on: her message and bob's two. */
  stray_client_mark_unread_async (fixture->client, "messaging:general", first, NULL, on_call,
                                  &call);
  wait_call (&call);
  g_assert_no_error (call.error);
  call_result_clear (&call);
  {
    Count unread = { fixture, 3 };

    stray_test_wait_for (general_has_unread, &unread, "three unread in General");
  }

  stray_client_mute_channel_async (fixture->client, "messaging:general", TRUE, NULL, on_call,
                                   &call);
  wait_call (&call);
  g_assert_no_error (call.error);
  call_result_clear (&call);
  stray_test_wait_for (general_is_muted, fixture, "the channel muted");
  stray_client_mute_channel_async (fixture->client, "messaging:general", FALSE, NULL, on_call,
                                   &call);
  wait_call (&call);
  g_assert_no_error (call.error);
  call_result_clear (&call);
  stray_test_wait_for (general_is_unmuted, fixture, "the channel unmuted");

  bob_says (fixture, "three");
  stray_test_wait_for (has_four_unread, fixture, "four unread");
  stray_client_mark_all_read_async (fixture->client, NULL, on_call, &call);
  wait_call (&call);
  g_assert_no_error (call.error);
  call_result_clear (&call);
  stray_test_wait_for (has_no_unread, fixture, "all read");
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 0);

  /* A server that does not know the channel says so, in a typed error. */
  stray_client_mark_read_async (fixture->client, "messaging:nowhere", NULL, on_call, &call);
  wait_call (&call);
  g_assert_error (call.error, STRAY_CLIENT_ERROR, 16);
  call_result_clear (&call);
}

/* A REST call refused with code 40 gets one fresh token and one retry, never more. */
static void
test_rest_token_refresh (Fixture       *fixture,
                         G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(StraySignedTokens) expired = stray_signed_tokens_new (SECRET, "alice", -60);
  g_autoptr(StrayClient) client = stray_client_new (stray_devserver_get_base_url (fixture->server),
                                                    API_KEY, "alice",
                                                    STRAY_TOKEN_PROVIDER (expired));
  CallResult call = { 0 };

  stray_client_get_unread_async (client, NULL, on_call, &call);
  wait_call (&call);
  g_assert_error (call.error, STRAY_CLIENT_ERROR, STRAY_CLIENT_ERROR_TOKEN_EXPIRED);
  g_assert_cmpuint (stray_signed_tokens_get_n_issued (expired), ==, 2);
  call_result_clear (&call);
}

/* When the network comes back, it reconnects at once, whatever the backoff said. */
static void
test_network_back (Fixture       *fixture,
                   G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(FakeMonitor) monitor = g_object_new (FAKE_TYPE_MONITOR, NULL);
  gint64 back;

  /* A long backoff, so that only the network coming back can explain a quick reconnect. */
  g_object_set (fixture->connection, "network-monitor", monitor, "backoff-scale", 10.0, NULL);
  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_connected, fixture, "the handshake");

  fake_monitor_set_available (monitor, FALSE);
  stray_test_finalize (g_steal_pointer (&fixture->server));
  stray_test_wait_for (is_not_connected, fixture, "the connection to notice");
  start_server (fixture, fixture->address);

  back = g_get_monotonic_time ();
  fake_monitor_set_available (monitor, TRUE);
  stray_test_wait_for (is_connected, fixture, "the reconnect when the network is back");
  /* The first backoff here is at least 2.5 s. */
  g_assert_cmpint (g_get_monotonic_time () - back, <, 2 * G_USEC_PER_SEC);
}

/* 429 is backed off and retried: the call succeeds once the server takes calls again. */
static void
test_rest_rate_limited (Fixture       *fixture,
                        G_GNUC_UNUSED gconstpointer user_data)
{
  CallResult call = { 0 };
  gint64 start;

  server_hook (fixture, "/_dev/rate-limit", "{\"count\":2}");
  start = g_get_monotonic_time ();
  stray_client_get_unread_async (fixture->client, NULL, on_call, &call);
  wait_call (&call);
  g_assert_no_error (call.error);
  g_assert_nonnull (call.answer);
  /* Two refusals, each followed by the second the server asked to wait. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 2 * G_USEC_PER_SEC * 9 / 10);
  call_result_clear (&call);

  /* A server that keeps refusing gets a typed error after a few tries, not a loop. */
  server_hook (fixture, "/_dev/rate-limit", "{\"count\":100}");
  stray_client_get_unread_async (fixture->client, NULL, on_call, &call);
  wait_call (&call);
  g_assert_error (call.error, STRAY_CLIENT_ERROR, 9);
  call_result_clear (&call);
  server_hook (fixture, "/_dev/rate-limit", "{\"count\":0}");
}

static gboolean
server_has_no_socket (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  return stray_devserver_get_n_connections (fixture->server) == 0 &&
         state (fixture) == STRAY_CONNECTION_DISCONNECTED;
}


/* ---- a resync step that fails ---- */

/* The states the session went through from @from on, joined: "connecting syncing …". */
static char *
states_from (Fixture *fixture,
             guint    from)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) states = NULL;

  for (guint i = from; i < fixture->states->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (fixture->states, i));
  states = g_strv_builder_end (builder);
  return g_strjoinv (" ", states);
}

static void
create_channel (Fixture    *fixture,
                const char *id)
{
  const char * const members[] = { "alice", "bob", NULL };
  g_autoptr(GError) error = NULL;

  stray_devserver_create_channel (fixture->server, "messaging", id, "bob", members, NULL, &error);
  g_assert_no_error (error);
}

static guint
unread_in (Fixture    *fixture,
           const char *cid)
{
  StrayChannel *channel = stray_channel_list_lookup (stray_session_get_channels (fixture->session),
                                                     cid);

  return channel != NULL ? stray_channel_get_unread_count (channel) : G_MAXUINT;
}

/* The second queryChannels page fails once with HTTP 500: that page is asked again (not the
 * first), on the same socket, and the model ends whole; "syncing" until then. */
static void
test_resync_page_fails_once (Fixture       *fixture,
                             G_GNUC_UNUSED gconstpointer user_data)
{
  g_autofree char *states = NULL;

  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *id = g_strdup_printf ("room-%02u", i);

      create_channel (fixture, id);
    }
  fixture->fail_channel_query = 2;
  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_synced, fixture, "the resync despite the failed page");

  g_assert_cmpuint (stray_connection_get_n_attempts (fixture->connection), ==, 1);
  /* Page 1, page 2 failed, page 2 again. */
  g_assert_cmpuint (fixture->n_channel_queries, ==, 3);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (stray_session_get_channels (
                                                fixture->session))), ==, 41);
  states = states_from (fixture, 0);
  g_assert_cmpstr (states, ==, "connecting syncing connected");
}

/* After a gap, recovery asks for the channels with activity (which brings the one created
 * meanwhile) and /sync for what was missed; each fails once with HTTP 500 and is asked again on
 * the same socket. A channel read elsewhere and one created during the gap are right
 * afterwards, with no full listing. */
static void
test_recovery_fails_once (Fixture       *fixture,
                          G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(JsonObject) message = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *states = NULL;
  guint states_before, queries_before;
  Count two = { fixture, 2 };

  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_synced, fixture, "the first resync");
  bob_says (fixture, "one");
  bob_says (fixture, "two");
  stray_test_wait_for (general_has_unread, &two, "two unread");

  stray_connection_stop (fixture->connection);
  /* Read on another device, and a new channel with a message, while away. */
  server_hook (fixture, "/channels/messaging/general/read", "{\"user_id\":\"alice\"}");
  create_channel (fixture, "fresh");
  json_object_set_string_member (message, "text", "welcome");
  stray_devserver_send_message (fixture->server, "messaging:fresh", "bob", message, &error);
  g_assert_no_error (error);

  fixture->fail_sync = fixture->n_syncs + 1;
  fixture->fail_channel_query = fixture->n_channel_queries + 1;
  queries_before = fixture->n_channel_queries;
  states_before = fixture->states->len;
  fixture->n_synced = 0;
  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_synced, fixture, "the recovery despite the failures");

  g_assert_cmpuint (stray_connection_get_n_attempts (fixture->connection), ==, 2);
  g_assert_cmpuint (fixture->n_syncs, ==, 2);
  /* The channels with activity, failed once and asked again; nothing listed, none by cid. */
  g_assert_cmpuint (fixture->n_channel_queries - queries_before, ==, 2);
  g_assert_cmpuint (fixture->n_cid_queries, ==, 0);
  g_assert_cmpuint (unread_in (fixture, "messaging:general"), ==, 0);
  g_assert_cmpuint (unread_in (fixture, "messaging:fresh"), ==, 1);
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 1);
  states = states_from (fixture, states_before);
  g_assert_cmpstr (states, ==, "connecting syncing connected");
}


/* A mention missed while away draws attention after recovery, as it would have live; a plain
 * message in a group does not. Neither is announced. */
static void
test_mention_while_away (Fixture       *fixture,
                         G_GNUC_UNUSED gconstpointer user_data)
{
  const char * const members[] = { "alice", "bob", "carol", NULL };
  g_autoptr(JsonObject) mention = json_object_new ();
  g_autoptr(JsonObject) plain = json_object_new ();
  JsonArray *mentioned = json_array_new ();
  g_autoptr(GError) error = NULL;
  StrayChannelList *channels = stray_session_get_channels (fixture->session);

  stray_devserver_create_channel (fixture->server, "messaging", "team", "bob", members, NULL,
                                  &error);
  g_assert_no_error (error);
  stray_devserver_create_channel (fixture->server, "messaging", "crowd", "bob", members, NULL,
                                  &error);
  g_assert_no_error (error);
  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_synced, fixture, "the first resync");
  g_assert_false (stray_channel_get_attention (stray_channel_list_lookup (channels,
                                                                          "messaging:team")));

  stray_connection_stop (fixture->connection);
  json_object_set_string_member (mention, "text", "@alice, look");
  json_array_add_string_element (mentioned, "alice");
  json_object_set_array_member (mention, "mentioned_users", mentioned);
  stray_devserver_send_message (fixture->server, "messaging:team", "bob", mention, &error);
  g_assert_no_error (error);
  json_object_set_string_member (plain, "text", "anyone?");
  stray_devserver_send_message (fixture->server, "messaging:crowd", "bob", plain, &error);
  g_assert_no_error (error);
  fixture->n_synced = 0;
  fixture->n_live = fixture->n_not_live = 0;
  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_synced, fixture, "the recovery");

  g_assert_cmpuint (unread_in (fixture, "messaging:team"), ==, 1);
  g_assert_cmpuint (unread_in (fixture, "messaging:crowd"), ==, 1);
  g_assert_true (stray_channel_get_attention (stray_channel_list_lookup (channels,
                                                                         "messaging:team")));
  g_assert_false (stray_channel_get_attention (stray_channel_list_lookup (channels,
                                                                          "messaging:crowd")));
  g_assert_cmpuint (fixture->n_live, ==, 0);
  g_assert_cmpuint (fixture->n_not_live, ==, 2);
}

/* More missed than one /sync may give (Stream refuses over 1,000 events): the whole list is
 * asked for instead, and the counts are right. */
static void
test_recovery_too_many_events (Fixture       *fixture,
                               G_GNUC_UNUSED gconstpointer user_data)
{
  guint syncs_before, queries_before;

  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_synced, fixture, "the first resync");
  stray_connection_stop (fixture->connection);
  for (guint i = 0; i < 1001; i++)
    bob_says (fixture, "a busy day");
  syncs_before = fixture->n_syncs;
  queries_before = fixture->n_channel_queries;
  fixture->n_synced = 0;
  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_synced, fixture, "the resync");

  g_assert_cmpuint (fixture->n_syncs - syncs_before, ==, 1);
  /* The channels with activity, then the one page of the listing. */
  g_assert_cmpuint (fixture->n_channel_queries - queries_before, ==, 2);
  g_assert_cmpuint (fixture->n_cid_queries, ==, 0);
  g_assert_cmpuint (unread_in (fixture, "messaging:general"), ==, 1001);
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 1001);
  g_assert_cmpuint (stray_connection_get_n_attempts (fixture->connection), ==, 2);
}

static void
bob_says_in (Fixture    *fixture,
             const char *cid,
             const char *text)
{
  g_autoptr(JsonObject) message = json_object_new ();
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (message, "text", text);
  stray_devserver_send_message (fixture->server, cid, "bob", message, &error);
  g_assert_no_error (error);
}

/* More channels than one /sync takes: recovery asks for the channels with activity and /sync
 * for those, the ones counted unread and others in turn, one request, not for all 300. A
 * message in a quiet channel, a read elsewhere, an unread channel deleted and a channel
 * created during the gap all show; a read channel deleted goes by the next recovery. */
static void
test_recovery_many_channels (Fixture       *fixture,
                             G_GNUC_UNUSED gconstpointer user_data)
{
  StrayChannelList *channels = stray_session_get_channels (fixture->session);
  guint syncs_before, queries_before;

  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *id = g_strdup_printf ("room-%03u", i);

      create_channel (fixture, id);
    }
  bob_says_in (fixture, "messaging:room-000", "to be read elsewhere");
  bob_says_in (fixture, "messaging:room-001", "in a channel to be deleted");
  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_synced, fixture, "the first resync");
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 2);

  stray_connection_stop (fixture->connection);
  bob_says_in (fixture, "messaging:room-010", "news in a quiet channel");
  server_hook (fixture, "/channels/messaging/room-000/read", "{\"user_id\":\"alice\"}");
  stray_dev_store_delete_channel (stray_devserver_get_store (fixture->server),
                                  "messaging:room-001", NULL);
  stray_dev_store_delete_channel (stray_devserver_get_store (fixture->server),
                                  "messaging:room-200", NULL);
  create_channel (fixture, "fresh");
  bob_says_in (fixture, "messaging:fresh", "welcome");
  syncs_before = fixture->n_syncs;
  queries_before = fixture->n_channel_queries;
  fixture->n_synced = 0;
  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_synced, fixture, "the recovery");

  /* One page of channels with activity, one /sync; nothing listed, none by cid. */
  g_assert_cmpuint (fixture->n_channel_queries - queries_before, ==, 1);
  g_assert_cmpuint (fixture->n_syncs - syncs_before, ==, 1);
  g_assert_cmpuint (fixture->n_cid_queries, ==, 0);
  g_assert_cmpuint (unread_in (fixture, "messaging:room-010"), ==, 1);
  g_assert_cmpuint (unread_in (fixture, "messaging:room-000"), ==, 0);
  g_assert_null (stray_channel_list_lookup (channels, "messaging:room-001"));
  g_assert_cmpuint (unread_in (fixture, "messaging:fresh"), ==, 1);
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 2);
  g_assert_cmpuint (stray_session_get_unread_channels (fixture->session), ==, 2);

  /* Nothing changed in the second gap; the deleted read channel goes now if not before. */
  stray_connection_stop (fixture->connection);
  syncs_before = fixture->n_syncs;
  queries_before = fixture->n_channel_queries;
  fixture->n_synced = 0;
  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_synced, fixture, "the second recovery");
  g_assert_cmpuint (fixture->n_channel_queries - queries_before, ==, 1);
  g_assert_cmpuint (fixture->n_syncs - syncs_before, ==, 1);
  g_assert_null (stray_channel_list_lookup (channels, "messaging:room-200"));
  /* 300 rooms and general, fresh in, two deleted. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (channels)), ==, 300);
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 2);
}

/* ---- answers late, news on time ---- */

/* REST calls of the other side (bob writing, alice on another device reading) in flight. */
typedef struct {
  guint pending;
} Traffic;

static void
on_traffic_call (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Traffic *traffic = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = stray_client_call_finish (STRAY_CLIENT (source), result, &error);

  g_assert_no_error (error);
  traffic->pending--;
}

static gboolean
traffic_is_over (gconstpointer data)
{
  return ((const Traffic *) data)->pending == 0;
}

static gboolean
is_syncing (gconstpointer data)
{
  return state ((Fixture *) data) == STRAY_CONNECTION_SYNCING;
}

static StrayClient *
client_for (Fixture    *fixture,
            const char *user_id)
{
  g_autoptr(StraySignedTokens) tokens = stray_signed_tokens_new (SECRET, user_id, 0);

  return stray_client_new (stray_devserver_get_base_url (fixture->server), API_KEY, user_id,
                           STRAY_TOKEN_PROVIDER (tokens));
}

/* What the server says alice has unread (GET /unread as her), and the model beside it. */
typedef struct {
  Fixture *fixture;
  StrayRestUnread *unread;
  GString *mismatch;
} Truth;

static void
on_truth (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Truth *truth = user_data;
  g_autoptr(GError) error = NULL;

  truth->unread = stray_client_get_unread_finish (STRAY_CLIENT (source), result, &error);
  g_assert_no_error (error);
}

static gboolean
truth_has_come (gconstpointer data)
{
  return ((const Truth *) data)->unread != NULL;
}

static gboolean
model_matches_truth (gconstpointer data)
{
  const Truth *truth = data;
  Fixture *fixture = truth->fixture;
  g_auto(GStrv) cids = stray_dev_store_user_channels (stray_devserver_get_store (fixture->server),
                                                      "alice");
  guint total = stray_session_get_total_unread_count (fixture->session);

  g_string_truncate (truth->mismatch, 0);
  if (total != (guint) truth->unread->total_unread_count)
    g_string_append_printf (truth->mismatch, "total %u, not %d; ", total,
                            truth->unread->total_unread_count);
  for (guint i = 0; cids[i] != NULL; i++)
    {
      guint expected = 0;
      guint unread = unread_in (fixture, cids[i]);

      for (guint j = 0; j < truth->unread->n_channels; j++)
        if (g_strcmp0 (truth->unread->channels[j].cid, cids[i]) == 0)
          expected = (guint) truth->unread->channels[j].unread_count;
      if (unread != expected)
        g_string_append_printf (truth->mismatch, "%s at %u, not %u; ", cids[i], unread, expected);
    }
  return truth->mismatch->len == 0;
}

/* The model's counts against the server's, once everything has settled. */
static void
assert_counts_are_the_servers (Fixture     *fixture,
                               StrayClient *alice_elsewhere,
                               guint        round)
{
  Truth truth = { fixture, NULL, g_string_new (NULL) };

  stray_client_get_unread_async (alice_elsewhere, NULL, on_truth, &truth);
  stray_test_wait_for (truth_has_come, &truth, "GET /unread as alice");
  if (!stray_test_try_wait_for (model_matches_truth, &truth, 5))
    g_error ("after reconnect %u the model differs from the server: %s", round,
             truth.mismatch->str);
  stray_rest_unread_free (truth.unread);
  g_string_free (truth.mismatch, TRUE);
}

/* As on a slow network: every REST answer 0.2–1.2 s late (the devserver holds them back),
 * while bob writes and alice reads on another device, over the socket at once. Reconnects,
 * cut or after a gap with news in it, each resynced while that goes on; after each, once all
 * is quiet, every count is the server's. */
static void
test_counts_with_late_answers (Fixture       *fixture,
                               G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(StrayClient) bob = client_for (fixture, "bob");
  g_autoptr(StrayClient) alice_elsewhere = client_for (fixture, "alice");
  const char * const rooms[] = {
    "messaging:general", "messaging:room-0", "messaging:room-1", "messaging:room-2",
  };
  Traffic traffic = { 0 };

  for (guint i = 1; i < G_N_ELEMENTS (rooms); i++)
    create_channel (fixture, rooms[i] + strlen ("messaging:"));
  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_synced, fixture, "the first resync");
  server_hook (fixture, "/_dev/delay",
               "{\"ms_min\":200,\"ms_max\":1200,\"count\":100000,\"seed\":14}");

  for (guint round = 0; round < 6; round++)
    {
      fixture->n_synced = 0;
      if (round % 2 == 0)
        {
          server_hook (fixture, "/_dev/drop", "{}");
        }
      else
        {
          /* A gap with news in it, for /sync to tell. */
          stray_connection_stop (fixture->connection);
          bob_says (fixture, "while away");
          server_hook (fixture, "/channels/messaging/room-0/read", "{\"user_id\":\"alice\"}");
          stray_connection_start (fixture->connection);
        }
      stray_test_wait_for (is_syncing, fixture, "the handshake");

      /* News while the resync's answers are on their way. */
      for (guint k = 0; k < 8; k++)
        {
          const char *cid = rooms[(round + k) % G_N_ELEMENTS (rooms)];
          g_autofree char *text = g_strdup_printf ("round %u, message %u", round, k);

          traffic.pending++;
          if (k % 3 == 2)
            stray_client_mark_read_async (alice_elsewhere, cid, NULL, on_traffic_call, &traffic);
          else
            stray_client_send_message_async (bob, cid, text, NULL, on_traffic_call, &traffic);
        }
      stray_test_wait_for (traffic_is_over, &traffic, "bob's messages and alice's reads");
      stray_test_wait_for (is_synced, fixture, "the resync");
      assert_counts_are_the_servers (fixture, alice_elsewhere, round);
    }
  g_assert_cmpuint (stray_connection_get_n_attempts (fixture->connection), ==, 7);
  server_hook (fixture, "/_dev/delay", "{\"ms_min\":0,\"count\":0}");
}

/* Before suspend it disconnects cleanly; after resume it is back at once. */
static void
test_suspend_and_resume (Fixture       *fixture,
                         G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) logind = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_autoptr(GVariant) owned = NULL;
  guint attempts;

  g_assert_no_error (error);
  /* A stand-in for logind on the test's private bus, as a connection of its own. */
  logind = g_dbus_connection_new_for_address_sync (g_getenv ("DBUS_SESSION_BUS_ADDRESS"),
                                                   G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                   G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                   NULL, NULL, &error);
  g_assert_no_error (error);
  owned = g_dbus_connection_call_sync (logind, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.login1", 0),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       &error);
  g_assert_no_error (error);

  g_object_set (fixture->connection, "sleep-bus", bus, NULL);
  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_connected, fixture, "the handshake");
  attempts = stray_connection_get_n_attempts (fixture->connection);
  /* The bus handles a connection's messages in order: once this answers, the connection's
   * signal match (and its lookup of logind's owner) is in place, so the signal is not lost. */
  g_variant_unref (g_dbus_connection_call_sync (bus, "org.freedesktop.DBus",
                                                "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                                "GetId", NULL, G_VARIANT_TYPE ("(s)"),
                                                G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error));
  g_assert_no_error (error);

  g_dbus_connection_emit_signal (logind, NULL, "/org/freedesktop/login1",
                                 "org.freedesktop.login1.Manager", "PrepareForSleep",
                                 g_variant_new ("(b)", TRUE), &error);
  g_assert_no_error (error);
  stray_test_wait_for (server_has_no_socket, fixture, "the disconnect before suspend");
  g_assert_cmpuint (stray_connection_get_n_attempts (fixture->connection), ==, attempts);

  g_dbus_connection_emit_signal (logind, NULL, "/org/freedesktop/login1",
                                 "org.freedesktop.login1.Manager", "PrepareForSleep",
                                 g_variant_new ("(b)", FALSE), &error);
  g_assert_no_error (error);
  stray_test_wait_for (is_connected, fixture, "the reconnect after resume");
  g_assert_cmpuint (stray_connection_get_n_attempts (fixture->connection), ==, attempts + 1);
}

static void
test_backoff_formula (void)
{
  for (guint n = 1; n <= 20; n++)
    {
      guint max = MIN (500 + n * 2000, 25000);
      guint min = MIN (MAX (250, ((int) n - 1) * 2000), 25000);

      for (guint i = 0; i < 200; i++)
        {
          guint delay = stray_connection_backoff_delay (n);

          g_assert_cmpuint (delay, >=, min);
          g_assert_cmpuint (delay, <=, max);
          if (min < max)
            g_assert_cmpuint (delay, <, max);
        }
    }
  /* The first retry comes quickly, the later ones settle at 25 s. */
  g_assert_cmpuint (stray_connection_backoff_delay (1), <, 2500);
  g_assert_cmpuint (stray_connection_backoff_delay (14), ==, 25000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/stray/connection/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  g_test_add_func ("/stray/connection/backoff-formula", test_backoff_formula);
  ADD ("handshake", test_handshake);
  ADD ("states", test_states);
  ADD ("ping-cadence", test_ping_cadence);
  ADD ("dead-connection", test_dead_connection);
  ADD ("reconnect/drop", test_reconnect_after_drop);
  ADD ("reconnect/restart", test_reconnect_after_restart);
  ADD ("recovery/exact-counts", test_exact_counts_after_recovery);
  ADD ("recovery/channels-gone", test_channels_gone_after_recovery);
  ADD ("recovery/fails-once", test_recovery_fails_once);
  ADD ("resync/page-fails-once", test_resync_page_fails_once);
  ADD ("recovery/late-answers", test_counts_with_late_answers);
  ADD ("recovery/mention-while-away", test_mention_while_away);
  ADD ("recovery/too-many-events", test_recovery_too_many_events);
  ADD ("recovery/many-channels", test_recovery_many_channels);
  ADD ("auth/bad-signature", test_bad_signature);
  ADD ("auth/expired-token", test_expired_token);
  ADD ("garbage-ignored", test_garbage_ignored);
  ADD ("oversized-frame", test_oversized_frame);
  ADD ("rest/calls", test_rest_calls);
  ADD ("rest/token-refresh", test_rest_token_refresh);
  ADD ("rest/rate-limited", test_rest_rate_limited);
  ADD ("network-back", test_network_back);
  ADD ("suspend-and-resume", test_suspend_and_resume);

#undef ADD

  return g_test_run ();
}
