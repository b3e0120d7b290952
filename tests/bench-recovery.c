/* bench-recovery.c: what a reconnect costs with 10,000 channels, beside the full listing
 *
 * The real StrayConnection and StraySession against the devserver run as its own process
 * (STRAY_DEVSERVER, scenario load:10000), so that this process's memory is the client's. The
 * user has 10,000 channels, 20 of them unread. Measured, in one run:
 *   0. the listing on the wire: the same queryChannels pages the resync asks for (30 channels
 *      each, the last message of each) and GET /unread, fetched one after the other by a bare
 *      SoupSession and not decoded: what the listing itself costs the network and the server;
 *   1. first connect (the full listing): requests, bytes received, the time until the badge
 *      is right (the session's totals equal the server's) and until the model is whole
 *      (the connection says synced), and the private memory of this process afterwards;
 *   2. reconnect after a gap in which nothing changed;
 *   3. reconnect after a gap in which 10 channels changed: 7 got a message, one was read on
 *      another device, one was created, and the user was removed from one.
 * Requests and bytes are counted by the devserver (/_dev/traffic): the user's calls to the API
 * and the bodies of their answers; the socket's frames are not in them. Private memory is
 * Private_Clean + Private_Dirty of /proc/self/smaps_rollup.
 *
 * The gap is real: the connection is stopped for STRAY_BENCH_GAP_SECONDS (default 60), the
 * changes are made in the middle of it, and it is started again. Only the changes depend on
 * the gap's length, not what recovery asks (it asks from the moment the model was last up to
 * date, whatever the length, up to Stream's 30 days); set it lower to try the benchmark quickly.
 *
 * Goals (issue 14): reconnect (a) ≤ 3 requests and ≤ 16 KB, (b) ≤ 5 requests; first connect
 * within 2× the listing on the wire.
 *
 * Run: meson test -C _build --benchmark --verbose recovery
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-rest.h"
#include "stray-connection.h"
#include "stray-dev-scenario.h"
#include "stray-json.h"
#include "stray-jwt.h"
#include "stray-session.h"
#include "stray-signed-tokens.h"
#include "stray-test-wait.h"

#define API_KEY "bench-key"
#define USER STRAY_DEV_SCENARIO_USER
#define N_CHANNELS 10000
#define N_UNREAD 20
#define PAGE_SIZE 30
#define WAIT_SECONDS 600
#define GOAL_QUIET_REQUESTS 3
#define GOAL_QUIET_KB 16
#define GOAL_CHANGED_REQUESTS 5

typedef struct {
  char *secret;
  char *server_token;
  char *user_token;
  char *base_url;
  SoupSession *soup;
  StraySession *session;
  StrayConnection *connection;
  guint n_synced;
  guint truth_total;
  guint truth_channels;
} Bench;

/* Kept where fail() can reach it: a devserver must not outlive a failed run. */
static GSubprocess *devserver;

static void fail (const char *format,
                  ...) G_GNUC_PRINTF (1, 2) G_GNUC_NORETURN;

static void
fail (const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  fprintf (stderr, "bench-recovery: ");
  vfprintf (stderr, format, args);
  fprintf (stderr, "\n");
  va_end (args);
  if (devserver != NULL)
    g_subprocess_force_exit (devserver);
  exit (1);
}

/* ---- the devserver ---- */

static char *
start_devserver (const char *path,
                 const char *secret)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *scenario = g_strdup_printf ("load:%d", N_CHANNELS);
  char *base_url = NULL;

  devserver = stray_bench_spawn_devserver (path, secret, API_KEY, scenario, &base_url, &error);
  if (devserver == NULL)
    fail ("cannot start %s: %s", path, error->message);
  return base_url;
}

static void
stop_devserver (void)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (devserver, SIGTERM);
  if (!g_subprocess_wait (devserver, NULL, &error))
    fail ("waiting for the devserver: %s", error->message);
  g_clear_object (&devserver);
}

/* A call with the server's token, acting for @user_id where it names one. */
static JsonObject *
server_call (Bench      *bench,
             const char *path,
             const char *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *answer;

  if (!json_parser_load_from_data (parser, body, -1, &error))
    fail ("bad body for %s: %s", path, error->message);
  answer = stray_bench_call (bench->soup, bench->base_url, API_KEY, path, NULL, NULL,
                             bench->server_token, json_node_get_object (
                               json_parser_get_root (parser)), 120, &error);
  if (answer == NULL)
    fail ("%s", error->message);
  return answer;
}

/* Requests the user made and the bytes of their answers, so far. */
typedef struct {
  gint64 requests;
  gint64 bytes;
} Traffic;

static Traffic
traffic (Bench *bench)
{
  g_autoptr(JsonObject) answer = server_call (bench, "/_dev/traffic",
                                              "{\"user_id\":\"" USER "\"}");

  return (Traffic) { stray_json_int (answer, "requests", -1),
                     stray_json_int (answer, "bytes", -1) };
}

typedef struct {
  GBytes *body;
  guint status;
  gboolean done;
} Fetch;

static void
on_fetched (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fetch *fetch = user_data;
  g_autoptr(GError) error = NULL;

  fetch->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (fetch->body == NULL)
    fail ("fetching: %s", error->message);
  fetch->status = soup_message_get_status (soup_session_get_async_result_message (
                                             SOUP_SESSION (source), result));
  fetch->done = TRUE;
}

/* @method @path with @token, waited for with the main loop running; the answer's body. */
static GBytes *
fetch (Bench      *bench,
       const char *method,
       const char *path,
       const char *token,
       GBytes     *body)
{
  g_autofree char *url = g_strdup_printf ("%s%s%sapi_key=%s&user_id=%s", bench->base_url, path,
                                          strchr (path, '?') ? "&" : "?", API_KEY, USER);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  Fetch result = { 0 };

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", token);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "stream-auth-type",
                                "jwt");
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, "application/json", body);
  soup_message_add_flags (msg, SOUP_MESSAGE_IDEMPOTENT);
  soup_session_send_and_read_async (bench->soup, msg, G_PRIORITY_DEFAULT, NULL, on_fetched,
                                    &result);
  if (!stray_test_try_wait_for (stray_test_flag_is_set, &result.done, WAIT_SECONDS))
    fail ("%s %s: no answer", method, path);
  if (!SOUP_STATUS_IS_SUCCESSFUL (result.status))
    fail ("%s %s: status %u", method, path, result.status);
  return result.body;
}

/* The server's totals for the user: what a right badge shows. */
static void
learn_truth (Bench *bench)
{
  g_autoptr(GBytes) body = fetch (bench, "GET", "/unread", bench->server_token, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *unread;

  if (!json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                   NULL))
    fail ("GET /unread: not JSON");
  unread = json_node_get_object (json_parser_get_root (parser));
  bench->truth_total = (guint) stray_json_int (unread, "total_unread_count", 0);
  bench->truth_channels = json_array_get_length (stray_json_array (unread, "channels"));
}

/* ---- the listing on the wire ---- */

static GBytes *
page_body (guint offset)
{
  g_autofree char *text = g_strdup_printf (
    "{\"filter_conditions\":{\"members\":{\"$in\":[\"" USER "\"]}},"
    "\"sort\":[{\"field\":\"last_message_at\",\"direction\":-1}],\"state\":true,"
    "\"watch\":false,\"presence\":false,\"limit\":%d,\"offset\":%u,\"message_limit\":1}",
    PAGE_SIZE, offset);

  return g_bytes_new_take (g_steal_pointer (&text), strlen (text));
}

/* Returns: the milliseconds it took */
static double
list_on_the_wire (Bench  *bench,
                  guint  *out_requests,
                  gsize  *out_bytes)
{
  gint64 start = g_get_monotonic_time ();

  *out_requests = 0;
  *out_bytes = 0;
  /* As many pages as the resync asks for: the last is the first one short of 30. */
  for (guint offset = 0; offset <= N_CHANNELS; offset += PAGE_SIZE)
    {
      g_autoptr(GBytes) request = page_body (offset);
      g_autoptr(GBytes) page = fetch (bench, "POST", "/channels", bench->user_token, request);

      ++*out_requests;
      *out_bytes += g_bytes_get_size (page);
      if (N_CHANNELS - offset < PAGE_SIZE)
        break;
    }
  {
    g_autoptr(GBytes) unread = fetch (bench, "GET", "/unread", bench->user_token, NULL);

    ++*out_requests;
    *out_bytes += g_bytes_get_size (unread);
  }
  return (g_get_monotonic_time () - start) / 1000.0;
}

/* ---- the client ---- */

static gboolean
badge_is_right (gconstpointer data)
{
  const Bench *bench = data;

  return stray_session_get_total_unread_count (bench->session) == bench->truth_total &&
         stray_session_get_unread_channels (bench->session) == bench->truth_channels;
}

static gboolean
is_synced (gconstpointer data)
{
  return ((const Bench *) data)->n_synced > 0;
}

static void
on_synced (G_GNUC_UNUSED StrayConnection *connection,
           Bench                         *bench)
{
  bench->n_synced++;
}

static guint64
private_kb (void)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint64 total = 0;

  if (!g_file_get_contents ("/proc/self/smaps_rollup", &text, NULL, NULL))
    fail ("cannot read /proc/self/smaps_rollup");
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint64 kb;

      if (sscanf (lines[i], "Private_Clean: %" G_GUINT64_FORMAT " kB", &kb) == 1 ||
          sscanf (lines[i], "Private_Dirty: %" G_GUINT64_FORMAT " kB", &kb) == 1)
        total += kb;
    }
  return total;
}

typedef struct {
  gint64 requests;
  double kb;
  double badge_ms;
  double synced_ms;
  double private_mb;
} Figures;

/* Starts the connection and measures until it says the model is synced. */
static Figures
connect_and_measure (Bench *bench)
{
  Traffic before = traffic (bench), after;
  gint64 start = g_get_monotonic_time ();
  Figures figures = { 0 };

  bench->n_synced = 0;
  stray_connection_start (bench->connection);
  if (!stray_test_try_wait_for (badge_is_right, bench, WAIT_SECONDS))
    fail ("the badge showed %u (%u channels), the server %u (%u channels)",
          stray_session_get_total_unread_count (bench->session),
          stray_session_get_unread_channels (bench->session), bench->truth_total,
          bench->truth_channels);
  figures.badge_ms = (g_get_monotonic_time () - start) / 1000.0;
  if (!stray_test_try_wait_for (is_synced, bench, WAIT_SECONDS))
    fail ("not synced after %d s", WAIT_SECONDS);
  figures.synced_ms = (g_get_monotonic_time () - start) / 1000.0;
  if (!badge_is_right (bench))
    fail ("synced, but the badge shows %u, the server %u",
          stray_session_get_total_unread_count (bench->session), bench->truth_total);
  after = traffic (bench);
  figures.requests = after.requests - before.requests;
  figures.kb = (after.bytes - before.bytes) / 1024.0;
  figures.private_mb = private_kb () / 1024.0;
  return figures;
}

static void
print_figures (const char    *what,
               const Figures *figures)
{
  g_print ("%-34s %8" G_GINT64_FORMAT " %11.1f %11.0f %11.0f %10.1f\n", what, figures->requests,
           figures->kb, figures->badge_ms, figures->synced_ms, figures->private_mb);
}

/* The gap: the connection down for @seconds, @changes made halfway. */
static void
gap (Bench  *bench,
     guint   seconds,
     void  (*changes) (Bench *bench))
{
  stray_connection_stop (bench->connection);
  stray_test_run_for_ms (seconds * 500);
  if (changes != NULL)
    changes (bench);
  stray_test_run_for_ms (seconds * 500);
  learn_truth (bench);
}

static void
bob_says (Bench      *bench,
          const char *id,
          const char *text)
{
  g_autofree char *path = g_strdup_printf ("/channels/messaging/%s/message", id);
  g_autofree char *body = g_strdup_printf ("{\"message\":{\"text\":\"%s\",\"user_id\":\"bob\"}}",
                                           text);
  g_autoptr(JsonObject) answer = server_call (bench, path, body);
}

/* Ten channels: a message in 4 unread and 3 read ones, a read elsewhere, a new channel with a
 * message, and one unread the user is removed from. */
static void
ten_changes (Bench *bench)
{
  g_autoptr(JsonObject) read = NULL, created = NULL, removed = NULL;

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *id = g_strdup_printf ("load-%05u", i);

      bob_says (bench, id, "more while you were away");
    }
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("load-%05u", 5000 + i);

      bob_says (bench, id, "news in a quiet channel");
    }
  read = server_call (bench, "/channels/messaging/load-00010/read",
                      "{\"user_id\":\"" USER "\"}");
  created = server_call (bench, "/channels/messaging/fresh/query",
                         "{\"data\":{\"created_by_id\":\"bob\",\"members\":[\"" USER "\","
                         "\"bob\"],\"name\":\"Fresh\"}}");
  bob_says (bench, "fresh", "welcome");
  removed = server_call (bench, "/channels/messaging/load-00011",
                         "{\"remove_members\":[\"" USER "\"],\"user_id\":\"bob\"}");
}

int
main (int   argc,
      char *argv[])
{
  Bench bench = { 0 };
  g_autoptr(JsonObject) claims = json_object_new ();
  g_autoptr(JsonObject) all_read = NULL;
  g_autoptr(StraySignedTokens) tokens = NULL;
  g_autoptr(StrayClient) client = NULL;
  const char *devserver_path = g_getenv ("STRAY_DEVSERVER");
  const char *gap_text = g_getenv ("STRAY_BENCH_GAP_SECONDS");
  guint64 gap_seconds = 60;
  guint wire_requests;
  gsize wire_bytes;
  double wire_ms;
  Figures first, quiet, changed;

  setlocale (LC_ALL, "");
  (void) argc;
  (void) argv;
  if (devserver_path == NULL)
    fail ("set STRAY_DEVSERVER to the stream-tray-devserver executable");
  if (gap_text != NULL && !g_ascii_string_to_unsigned (gap_text, 10, 0, 3600, &gap_seconds, NULL))
    fail ("STRAY_BENCH_GAP_SECONDS must be 0 to 3600");

  bench.secret = g_uuid_string_random ();
  json_object_set_boolean_member (claims, "server", TRUE);
  bench.server_token = stray_jwt_sign (bench.secret, claims);
  bench.user_token = stray_jwt_sign_user (bench.secret, USER, 0);
  bench.soup = soup_session_new ();
  g_print ("the devserver with %d channels…\n", N_CHANNELS);
  bench.base_url = start_devserver (devserver_path, bench.secret);

  /* Most channels read, as a user with many keeps them; a few unread. */
  all_read = server_call (&bench, "/channels/read", "{\"user_id\":\"" USER "\"}");
  for (guint i = 0; i < N_UNREAD; i++)
    {
      g_autofree char *id = g_strdup_printf ("load-%05u", i);

      bob_says (&bench, id, "unread");
    }
  learn_truth (&bench);

  wire_ms = list_on_the_wire (&bench, &wire_requests, &wire_bytes);

  bench.session = stray_session_new ();
  tokens = stray_signed_tokens_new (bench.secret, USER, 0);
  client = stray_client_new (bench.base_url, API_KEY, USER, STRAY_TOKEN_PROVIDER (tokens));
  bench.connection = stray_connection_new (bench.session, client);
  g_signal_connect (bench.connection, "synced", G_CALLBACK (on_synced), &bench);

  g_print ("first connect…\n");
  first = connect_and_measure (&bench);
  g_print ("a gap of %" G_GUINT64_FORMAT " s with nothing changed…\n", gap_seconds);
  gap (&bench, gap_seconds, NULL);
  quiet = connect_and_measure (&bench);
  g_print ("a gap of %" G_GUINT64_FORMAT " s with 10 channels changed…\n", gap_seconds);
  gap (&bench, gap_seconds, ten_changes);
  changed = connect_and_measure (&bench);
  stray_connection_stop (bench.connection);

  g_print ("\n%d channels, %u unread (%u messages) at the end; requests and bytes of the "
           "API's answers as the devserver counts them\n", N_CHANNELS, bench.truth_channels,
           bench.truth_total);
  g_print ("%-34s %8s %11s %11s %11s %10s\n", "", "requests", "received KB", "badge ms",
           "synced ms", "private MB");
  g_print ("%-34s %8u %11.1f %11s %11.0f %10s\n", "0. the listing on the wire", wire_requests,
           wire_bytes / 1024.0, "", wire_ms, "");
  print_figures ("1. first connect (full listing)", &first);
  print_figures ("2a. reconnect, nothing changed", &quiet);
  print_figures ("2b. reconnect, 10 channels changed", &changed);
  g_print ("goals: (a) ≤ %d requests and ≤ %d KB: %s; (b) ≤ %d requests: %s; first connect "
           "within 2× the listing on the wire (%.0f ms ≤ %.0f ms): %s\n",
           GOAL_QUIET_REQUESTS, GOAL_QUIET_KB,
           quiet.requests <= GOAL_QUIET_REQUESTS && quiet.kb <= GOAL_QUIET_KB ? "met" : "not met",
           GOAL_CHANGED_REQUESTS, changed.requests <= GOAL_CHANGED_REQUESTS ? "met" : "not met",
           first.synced_ms, 2 * wire_ms, first.synced_ms <= 2 * wire_ms ? "met" : "not met");

  g_clear_object (&bench.connection);
  g_clear_object (&bench.session);
  stop_devserver ();
  g_object_unref (bench.soup);
  g_free (bench.base_url);
  g_free (bench.user_token);
  g_free (bench.server_token);
  g_free (bench.secret);
  return 0;
}
