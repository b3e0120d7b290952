/* bench-fanout.c: message.new fanned out by the devserver to 100 watching sockets
 *
 * The goal (issue: fan-out): the devserver delivers at least 50,000 message.new frames a second
 * on one core. It is single-threaded, so its own CPU time is the core it uses: the figure to
 * hold against the goal is frames per second of server CPU, which a slow client cannot lower
 * the way it lowers the wall-clock rate. Wall-clock throughput and this process's CPU time are
 * printed beside it, so that a reader sees when the client, not the server, was the
 * bottleneck.
 *
 * The devserver runs as its own process (STRAY_DEVSERVER) so that its CPU time can be read
 * from /proc apart from the client's. STRAY_DEVSERVER may be a wrapper script that execs the
 * server under a profiler (valgrind keeps the pid; perf record does not).
 *
 * Run: meson test -C _build --benchmark --verbose fanout
 *      (or _build/tests/bench-fanout [N_MESSAGES] with STRAY_DEVSERVER set)
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
#include <unistd.h>

#include "bench-rest.h"
#include "stray-test-wait.h"
#include "stray-json.h"
#include "stray-jwt.h"

#define API_KEY "bench-key"
#define CHANNEL_PATH "/channels/messaging/bench"
#define N_SOCKETS 100
#define DEFAULT_N_MESSAGES 2000
#define MAX_IN_FLIGHT 16
#define TEXT_BYTES 1000
#define SETUP_SECONDS 60
#define MEASURE_SECONDS 120
#define GOAL_FRAMES_PER_CORE_SECOND 50000.0
#define NEEDLE "\"type\":\"message.new\""

typedef struct _Bench Bench;

typedef struct {
  Bench *bench;
  char *user_id;
  char *token;
  SoupWebsocketConnection *socket;
  char *connection_id; /* from the first frame, a health.check */
  gboolean failed;
} Client;

struct _Bench
{
  char *secret;
  char *server_token;
  char *base_url;
  SoupSession *session;    /* REST */
  SoupSession *ws_session; /* the sockets' handshakes */
  Client clients[N_SOCKETS];
  guint n_connected;
  guint n_watching_frames;

  /* The measured phase. */
  GPtrArray *bodies;   /* of GBytes, one SendMessage body per message */
  guint n_sent;
  guint n_answered;
  guint in_flight;
  guint64 frames;      /* message.new frames received, all sockets together */
  guint64 frame_bytes;
  guint64 target;
  gboolean counting;
  gint64 end_us;
};

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
  fprintf (stderr, "bench-fanout: ");
  vfprintf (stderr, format, args);
  fprintf (stderr, "\n");
  va_end (args);
  if (devserver != NULL)
    g_subprocess_force_exit (devserver);
  exit (1);
}

static void
iterate_until (Condition     done,
               gconstpointer data,
               guint         seconds,
               const char   *what)
{
  if (!stray_test_try_wait_for (done, data, seconds))
    fail ("timed out after %u s waiting for %s", seconds, what);
}

typedef struct {
  double user;
  double system;
} CpuTime;

/* utime and stime of a process, in seconds. */
static CpuTime
cpu_time (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", pid);
  g_autofree char *stat = NULL;
  unsigned long utime, stime;
  const char *after_name;
  long ticks = sysconf (_SC_CLK_TCK);

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    fail ("cannot read %s", path);
  /* The command name may hold spaces and parentheses; the fields after it do not. */
  after_name = strrchr (stat, ')');
  if (after_name == NULL ||
      sscanf (after_name + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
              &utime, &stime) != 2)
    fail ("cannot parse %s", path);
  return (CpuTime) { (double) utime / ticks, (double) stime / ticks };
}

static CpuTime
cpu_time_since (const char *pid,
                CpuTime     before)
{
  CpuTime now = cpu_time (pid);

  return (CpuTime) { now.user - before.user, now.system - before.system };
}

/* ---- the devserver ---- */

static void
on_devserver_exited (GObject      *source,
                     GAsyncResult *result,
                     G_GNUC_UNUSED gpointer user_data)
{
  GSubprocess *subprocess = G_SUBPROCESS (source);

  if (!g_subprocess_wait_finish (subprocess, result, NULL))
    return; /* cancelled: stopped on purpose */
  fail ("the devserver exited during the run (%s %d)",
        g_subprocess_get_if_signaled (subprocess) ? "signal" : "status",
        g_subprocess_get_if_signaled (subprocess) ? g_subprocess_get_term_sig (subprocess)
                                                  : g_subprocess_get_exit_status (subprocess));
}

static char *
start_devserver (const char   *path,
                 const char   *secret,
                 GCancellable *watch)
{
  g_autoptr(GError) error = NULL;
  char *base_url = NULL;

  devserver = stray_bench_spawn_devserver (path, secret, API_KEY, NULL, &base_url, &error);
  if (devserver == NULL)
    fail ("cannot start %s: %s", path, error->message);
  g_subprocess_wait_async (devserver, watch, on_devserver_exited, NULL);
  return base_url;
}

static void
stop_devserver (GCancellable *watch)
{
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (watch);
  g_subprocess_send_signal (devserver, SIGTERM);
  if (!g_subprocess_wait (devserver, NULL, &error))
    fail ("waiting for the devserver: %s", error->message);
  if (!g_subprocess_get_if_exited (devserver) || g_subprocess_get_exit_status (devserver) != 0)
    g_printerr ("bench-fanout: the devserver did not exit cleanly after SIGTERM\n");
  g_clear_object (&devserver);
}

/* ---- REST ---- */

static SoupMessage *
new_call (Bench      *bench,
          const char *path,
          const char *user_id,
          const char *connection_id,
          const char *token,
          GBytes     *body)
{
  return stray_bench_new_call (bench->base_url, API_KEY, path, user_id, connection_id, token,
                               body);
}

/* A setup call, waited for; fails the run unless the answer is a JSON object with 2xx. */
static JsonObject *
call (Bench      *bench,
      const char *path,
      const char *user_id,
      const char *connection_id,
      const char *token,
      JsonObject *body)
{
  g_autoptr(GError) error = NULL;
  JsonObject *answer = stray_bench_call (bench->session, bench->base_url, API_KEY, path, user_id,
                                         connection_id, token, body, SETUP_SECONDS, &error);

  if (answer == NULL)
    fail ("%s", error->message);
  return answer;
}

static void
create_users_and_channel (Bench *bench)
{
  g_autoptr(JsonObject) users_body = json_object_new ();
  g_autoptr(JsonObject) channel_body = json_object_new ();
  g_autoptr(JsonObject) users_response = NULL;
  g_autoptr(JsonObject) channel_response = NULL;
  JsonObject *users = json_object_new ();
  JsonObject *data = json_object_new ();
  JsonArray *members = json_array_new ();

  json_object_set_object_member (users_body, "users", users);
  json_array_add_string_element (members, "author");
  for (int i = -1; i < N_SOCKETS; i++)
    {
      JsonObject *user = json_object_new ();
      const char *id = i < 0 ? "author" : bench->clients[i].user_id;
      g_autofree char *name = i < 0 ? g_strdup ("Author") : g_strdup_printf ("User %d", i);

      json_object_set_string_member (user, "id", id);
      json_object_set_string_member (user, "name", name);
      json_object_set_object_member (users, id, user);
      if (i >= 0)
        json_array_add_string_element (members, id);
    }
  users_response = call (bench, "/users", NULL, NULL, bench->server_token, users_body);

  json_object_set_string_member (data, "created_by_id", "author");
  json_object_set_array_member (data, "members", members);
  json_object_set_object_member (channel_body, "data", data);
  channel_response = call (bench, CHANNEL_PATH "/query", NULL, NULL, bench->server_token,
                           channel_body);
  if (stray_json_array (channel_response, "members") == NULL ||
      json_array_get_length (stray_json_array (channel_response, "members")) != N_SOCKETS + 1)
    fail ("the channel does not have %d members", N_SOCKETS + 1);
}

/* ---- the sockets ---- */

static void
on_socket_message (G_GNUC_UNUSED SoupWebsocketConnection *socket,
                   gint                     type,
                   GBytes                  *message,
                   gpointer                 user_data)
{
  Client *client = user_data;
  Bench *bench = client->bench;
  gsize length;
  const char *data = g_bytes_get_data (message, &length);

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    return;

  if (client->connection_id == NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonNode *root;

      /* Setup, not measured: the first frame is the health.check naming the connection. */
      if (!json_parser_load_from_data (parser, data, length, NULL) ||
          !JSON_NODE_HOLDS_OBJECT ((root = json_parser_get_root (parser))) ||
          g_strcmp0 (stray_json_string (json_node_get_object (root), "type"),
                     "health.check") != 0 ||
          stray_json_string (json_node_get_object (root), "connection_id") == NULL)
        {
          g_printerr ("bench-fanout: %s: the first frame is not a health.check: %.*s\n",
                      client->user_id, (int) length, data);
          client->failed = TRUE;
        }
      else
        client->connection_id =
          g_strdup (stray_json_string (json_node_get_object (root), "connection_id"));
      bench->n_connected++;
      return;
    }

  /* What is measured is the server: a bounded substring search, not a parse. */
  if (!bench->counting)
    {
      if (g_strstr_len (data, length, "\"type\":\"user.watching.start\"") != NULL)
        bench->n_watching_frames++;
    }
  else if (g_strstr_len (data, length, NEEDLE) != NULL)
    {
      bench->frames++;
      bench->frame_bytes += length;
      if (bench->frames == bench->target && bench->n_answered == bench->bodies->len)
        bench->end_us = g_get_monotonic_time ();
    }
}

static void
on_socket_closed (G_GNUC_UNUSED SoupWebsocketConnection *socket,
                  gpointer                 user_data)
{
  Client *client = user_data;

  fail ("the socket of %s closed (code %u)", client->user_id,
        soup_websocket_connection_get_close_code (client->socket));
}

static void
on_socket_connected (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;

  client->socket = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (client->socket == NULL)
    fail ("the socket of %s did not open: %s", client->user_id, error->message);
  g_signal_connect (client->socket, "message", G_CALLBACK (on_socket_message), client);
  g_signal_connect (client->socket, "closed", G_CALLBACK (on_socket_closed), client);
}

static void
connect_socket (Bench  *bench,
                Client *client)
{
  g_autoptr(JsonObject) payload = json_object_new ();
  JsonObject *details = json_object_new ();
  g_autofree char *payload_text = NULL;
  g_autofree char *escaped_payload = NULL;
  g_autofree char *escaped_token = NULL;
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) msg = NULL;

  json_object_set_string_member (payload, "user_id", client->user_id);
  json_object_set_string_member (details, "id", client->user_id);
  json_object_set_object_member (payload, "user_details", details);
  payload_text = stray_bench_to_json (payload);
  escaped_payload = g_uri_escape_string (payload_text, NULL, FALSE);
  escaped_token = g_uri_escape_string (client->token, NULL, FALSE);
  /* base_url is http://…; the socket is the same host and port with ws://. */
  url = g_strdup_printf ("ws%s/connect?json=%s&api_key=" API_KEY "&authorization=%s"
                         "&stream-auth-type=jwt",
                         bench->base_url + strlen ("http"), escaped_payload, escaped_token);
  msg = soup_message_new ("GET", url);
  soup_session_websocket_connect_async (bench->ws_session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        NULL, on_socket_connected, client);
}

static gboolean
all_connected (gconstpointer data)
{
  const Bench *bench = data;

  return bench->n_connected == N_SOCKETS;
}

/* Watcher i hears of every watcher from i on: 100 + 99 + … + 1 frames. */
static gboolean
all_watching_announced (gconstpointer data)
{
  const Bench *bench = data;

  return bench->n_watching_frames == N_SOCKETS * (N_SOCKETS + 1) / 2;
}

static void
connect_and_watch (Bench *bench)
{
  g_autoptr(JsonObject) watch_body = json_object_new ();
  g_autoptr(JsonObject) last_state = NULL;

  for (guint i = 0; i < N_SOCKETS; i++)
    connect_socket (bench, &bench->clients[i]);
  iterate_until (all_connected, bench, SETUP_SECONDS, "the sockets' health.check");
  for (guint i = 0; i < N_SOCKETS; i++)
    if (bench->clients[i].failed)
      fail ("%s did not connect", bench->clients[i].user_id);

  json_object_set_boolean_member (watch_body, "state", TRUE);
  json_object_set_boolean_member (watch_body, "watch", TRUE);
  for (guint i = 0; i < N_SOCKETS; i++)
    {
      Client *client = &bench->clients[i];

      g_clear_pointer (&last_state, json_object_unref);
      last_state = call (bench, CHANNEL_PATH "/query", client->user_id, client->connection_id,
                         client->token, watch_body);
    }
  if (stray_json_int (last_state, "watcher_count", 0) != N_SOCKETS)
    fail ("the channel has %" G_GINT64_FORMAT " watchers, not %d",
          stray_json_int (last_state, "watcher_count", 0), N_SOCKETS);
  /* The server writes these after answering; its CPU for them must not fall in the
   * measured phase. */
  iterate_until (all_watching_announced, bench, SETUP_SECONDS, "the user.watching.start frames");
}

/* ---- the measured phase ---- */

static GPtrArray *
make_bodies (guint n_messages)
{
  GPtrArray *bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  static const char words[] = "the quick brown fox jumps over the lazy dog while a fan "
                              "carries every word to a hundred sockets at once ";
  GString *filler = g_string_new (NULL);

  while (filler->len < TEXT_BYTES)
    g_string_append_len (filler, words, MIN (sizeof words - 1, TEXT_BYTES - filler->len));

  for (guint i = 0; i < n_messages; i++)
    {
      g_autoptr(JsonObject) body = json_object_new ();
      JsonObject *message = json_object_new ();
      g_autofree char *text = g_strdup_printf ("%u %s", i, filler->str);
      char *json;

      json_object_set_string_member (message, "text", text);
      json_object_set_string_member (message, "user_id", "author");
      json_object_set_object_member (body, "message", message);
      json = stray_bench_to_json (body);
      g_ptr_array_add (bodies, g_bytes_new_take (json, strlen (json)));
    }
  g_string_free (filler, TRUE);
  return bodies;
}

static void send_next (Bench *bench);

/* Every frame arrived and every message was answered. */
static gboolean
measured (gconstpointer data)
{
  return ((const Bench *) data)->end_us != 0;
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Bench *bench = user_data;
  g_autoptr(GError) error = NULL;

  if (!stray_bench_sent_finish (SOUP_SESSION (source), result, &error))
    fail ("%s", error->message);
  bench->in_flight--;
  bench->n_answered++;
  if (bench->frames == bench->target && bench->n_answered == bench->bodies->len)
    bench->end_us = g_get_monotonic_time ();
  send_next (bench);
}

/* Keeps MAX_IN_FLIGHT requests open, so that the server always has the next one waiting. */
static void
send_next (Bench *bench)
{
  while (bench->in_flight < MAX_IN_FLIGHT && bench->n_sent < bench->bodies->len)
    {
      g_autoptr(SoupMessage) msg = new_call (bench, CHANNEL_PATH "/message", NULL, NULL,
                                             bench->server_token,
                                             g_ptr_array_index (bench->bodies, bench->n_sent));

      bench->n_sent++;
      bench->in_flight++;
      soup_session_send_and_read_async (bench->session, msg, G_PRIORITY_DEFAULT, NULL, on_sent,
                                        bench);
    }
}

int
main (int   argc,
      char *argv[])
{
  Bench bench = { 0 };
  g_autoptr(GCancellable) watch = g_cancellable_new ();
  g_autoptr(JsonObject) claims = json_object_new ();
  g_autofree char *server_pid = NULL;
  const char *devserver_path = g_getenv ("STRAY_DEVSERVER");
  guint64 n_messages = DEFAULT_N_MESSAGES;
  gint64 start_us;
  CpuTime server_before, client_before, server_used, client_used;
  double server_cpu, client_cpu, wall;
  double per_wall_second, per_server_second;

  setlocale (LC_ALL, "");
  if (argc > 2 ||
      (argc == 2 && !g_ascii_string_to_unsigned (argv[1], 10, 1, 1000000, &n_messages, NULL)))
    {
      g_printerr ("usage: %s [N_MESSAGES]\n", argv[0]);
      return 2;
    }
  if (devserver_path == NULL)
    fail ("set STRAY_DEVSERVER to the stream-tray-devserver executable");

  /* A fresh secret each run; the tokens are signed here with the project's own code. */
  bench.secret = g_uuid_string_random ();
  json_object_set_boolean_member (claims, "server", TRUE);
  bench.server_token = stray_jwt_sign (bench.secret, claims);
  for (guint i = 0; i < N_SOCKETS; i++)
    {
      bench.clients[i].bench = &bench;
      bench.clients[i].user_id = g_strdup_printf ("u%03u", i);
      bench.clients[i].token = stray_jwt_sign_user (bench.secret, bench.clients[i].user_id, 0);
    }
  /* One kept-alive connection per request in flight. */
  bench.session = soup_session_new_with_options ("max-conns", MAX_IN_FLIGHT,
                                                 "max-conns-per-host", MAX_IN_FLIGHT,
                                                 NULL);
  /* The sockets' handshakes all at once; the defaults (10, 2 per host) would queue them. */
  bench.ws_session = soup_session_new_with_options ("max-conns", N_SOCKETS,
                                                    "max-conns-per-host", N_SOCKETS,
                                                    NULL);

  bench.base_url = start_devserver (devserver_path, bench.secret, watch);
  server_pid = g_strdup (g_subprocess_get_identifier (devserver));
  create_users_and_channel (&bench);
  connect_and_watch (&bench);

  bench.bodies = make_bodies ((guint) n_messages);
  bench.target = n_messages * N_SOCKETS;
  server_before = cpu_time (server_pid);
  client_before = cpu_time ("self");
  start_us = g_get_monotonic_time ();
  bench.counting = TRUE;
  send_next (&bench);
  if (!stray_test_try_wait_for (measured, &bench, MEASURE_SECONDS))
    fail ("timed out after %d s: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " frames "
          "arrived, %u of %u messages were answered", MEASURE_SECONDS, bench.frames,
          bench.target, bench.n_answered, bench.bodies->len);
  server_used = cpu_time_since (server_pid, server_before);
  client_used = cpu_time_since ("self", client_before);
  server_cpu = server_used.user + server_used.system;
  client_cpu = client_used.user + client_used.system;
  wall = (bench.end_us - start_us) / 1e6;

  /* The sockets go first, so that their closing is not taken for a failure. */
  for (guint i = 0; i < N_SOCKETS; i++)
    {
      Client *client = &bench.clients[i];

      g_signal_handlers_disconnect_by_data (client->socket, client);
      g_clear_object (&client->socket);
    }
  stop_devserver (watch);

  per_wall_second = bench.frames / wall;
  per_server_second = server_cpu > 0 ? bench.frames / server_cpu : 0;
  g_print ("fan-out: %u messages from one author to %d sockets watching one channel, "
           "%d requests in flight\n", bench.bodies->len, N_SOCKETS, MAX_IN_FLIGHT);
  g_print ("frames delivered:   %" G_GUINT64_FORMAT " message.new (average %.0f bytes)\n",
           bench.frames, (double) bench.frame_bytes / bench.frames);
  g_print ("wall time:          %.3f s\n", wall);
  g_print ("by wall clock:      %8.0f frames/s  %6.2f µs/frame\n",
           per_wall_second, wall * 1e6 / bench.frames);
  /* The kernel's share is mostly loopback TCP, which a real network would move elsewhere. */
  g_print ("server CPU:         %.2f s (user %.2f s, system %.2f s; %.0f%% of wall time)\n",
           server_cpu, server_used.user, server_used.system, 100 * server_cpu / wall);
  g_print ("per server core:    %8.0f frames/s  %6.2f µs/frame of server CPU\n",
           per_server_second, server_cpu * 1e6 / bench.frames);
  g_print ("client CPU:         %.2f s (user %.2f s, system %.2f s; %.0f%% of wall time%s)\n",
           client_cpu, client_used.user, client_used.system, 100 * client_cpu / wall,
           client_cpu > 0.9 * wall ? ": the client may have been the bottleneck" : "");
  g_print ("goal: ≥ %.0f frames/s per server core: %s\n", GOAL_FRAMES_PER_CORE_SECOND,
           per_server_second >= GOAL_FRAMES_PER_CORE_SECOND ? "met" : "not met");

  for (guint i = 0; i < N_SOCKETS; i++)
    {
      Client *client = &bench.clients[i];

      g_free (client->connection_id);
      g_free (client->token);
      g_free (client->user_id);
    }
  g_ptr_array_unref (bench.bodies);
  g_object_unref (bench.session);
  g_object_unref (bench.ws_session);
  g_free (bench.base_url);
  g_free (bench.server_token);
  g_free (bench.secret);
  return 0;
}
