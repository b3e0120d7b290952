/* bench-daemon.c: the daemon's goals, measured side by side in one run
 *
 * 1. Connect: an in-process StrayConnection against a devserver subprocess on loopback, 20
 *    times: from start to the first health.check (the session is "connected"). Goal: ≤ 50 ms
 *    (judged on the median; min and max are printed beside it).
 * 2. Idle: the real daemon (stream-tray, set up with --set-account), connected with its first
 *    resync done, left alone: context switches of all its threads over STRAY_BENCH_IDLE_SECONDS
 *    (default 60) with the devserver's default health checks (every 30 s). Goal: ≤ 1 wakeup/s.
 * 3. Memory, judged by what the daemon costs the system: private memory (USS: Private_Clean +
 *    Private_Dirty of /proc/PID/smaps_rollup, the pages no other process shares), printed beside
 *    Pss and RSS, for the same daemon with 1,000 channels (--scenario load:1000) and no window
 *    after its resync (goal ≤ 4 MB private), for the floor (bench-floor) beside it, and for the
 *    daemon after the window was opened and closed (goal 5's rounds; goal ≤ 12 MB private).
 *    Goals are in MB (10^6 bytes); MiB are printed beside. The no-window figures are read
 *    before the idle period, which runs with the same 1,000 channels.
 * 4. CPU per 1,000 message.new frames of about 1.4 KB: the daemon against the official
 *    JavaScript SDK (tests/conformance/bench-sdk-receive.mjs, in node), both watching the same
 *    channel of the same devserver, while a backend sends STRAY_BENCH_MESSAGES (default 20,000)
 *    messages over REST, 16 in flight. CPU time (utime + stime of the whole process) over the
 *    sending phase. Goal: daemon ≤ one third of the SDK.
 * 5. The window, on the same daemon as 3 (1,000 channels) and the display the benchmark runs
 *    on (Xvfb): the app's toggle-window action called over D-Bus, WINDOW_ROUNDS times; from the
 *    call to the daemon's first painted frame ("window shown" in its stray-ui debug log,
 *    read from its stderr). Goal: ≤ 300 ms, judged on the first opening, which loads the window
 *    module and initialises GTK. The memory after closing it is judged under 3.
 *
 * Needs a session bus and an unlocked keyring: run it under build-aux/test-session. The
 * daemon and the CLI share settings through a keyfile in a temporary XDG_CONFIG_HOME.
 * Environment: STRAY_TEST_STREAM_TRAY, STRAY_TEST_DEVSERVER, GSETTINGS_SCHEMA_DIR,
 * STRAY_BENCH_NODE, STRAY_BENCH_CONFORMANCE_DIR.
 *
 * Run: meson test -C _build --benchmark --verbose daemon
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench-rest.h"
#include "stray-test-wait.h"
#include "stray-connection.h"
#include "stray-dbus-service.h"
#include "stray-json.h"
#include "stray-jwt.h"
#include "stray-signed-tokens.h"

#define API_KEY "bench-key"
#define USER "alice"
#define BENCH_CID "messaging:bench"
#define CHANNEL_PATH "/channels/messaging/bench"
#define LOAD_CHANNELS 1000
#define CONNECT_RUNS 20
#define DEFAULT_IDLE_SECONDS 60
#define DEFAULT_N_MESSAGES 20000
#define DEFAULT_FRAME_BYTES 1400
#define MAX_IN_FLIGHT 16
#define SETUP_SECONDS 60
#define SEND_TIMEOUT_SECONDS 300
#define STABLE_MS 2000
#define POLL_MS 100

#define GOAL_CONNECT_MS 50.0
#define GOAL_WAKEUPS_PER_SECOND 1.0
#define GOAL_PRIVATE_BYTES 4000000
#define GOAL_CPU_RATIO (1.0 / 3.0)
#define GOAL_SHOWN_MS 300.0
#define GOAL_PRIVATE_AFTER_WINDOW_BYTES 12000000
#define WINDOW_ROUNDS 5
/* How many of the largest mappings the memory figures list. */
#define TOP_MAPPINGS 16

/* ---- failing: no child may outlive a failed run ---- */

typedef struct {
  const char *name;
  GSubprocess *process;
  GCancellable *watch;   /* cancelled when it is stopped on purpose */
  char *pid;
} Child;

static GPtrArray *children;   /* of Child *, the ones running */
static char *config_home;     /* the daemon's settings, removed at the end */

static void rm_rf (const char *path);

static void fail (const char *format,
                  ...) G_GNUC_PRINTF (1, 2) G_GNUC_NORETURN;

static void
fail (const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  fflush (stdout);
  fprintf (stderr, "bench-daemon: ");
  vfprintf (stderr, format, args);
  fprintf (stderr, "\n");
  va_end (args);
  for (guint i = 0; children != NULL && i < children->len; i++)
    {
      Child *child = g_ptr_array_index (children, i);

      g_cancellable_cancel (child->watch);
      g_subprocess_force_exit (child->process);
    }
  if (config_home != NULL)
    rm_rf (config_home);
  exit (1);
}

static void
on_child_exited (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Child *child = user_data;
  GSubprocess *process = G_SUBPROCESS (source);

  if (!g_subprocess_wait_finish (process, result, NULL))
    return; /* cancelled: stopped on purpose */
  fail ("%s exited during the run (%s %d)", child->name,
        g_subprocess_get_if_signaled (process) ? "signal" : "status",
        g_subprocess_get_if_signaled (process) ? g_subprocess_get_term_sig (process)
                                               : g_subprocess_get_exit_status (process));
}

static Child *
child_spawn (GSubprocessLauncher *launcher,
             const char          *name,
             const char * const  *argv)
{
  g_autoptr(GError) error = NULL;
  Child *child = g_new0 (Child, 1);

  child->name = name;
  child->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (child->process == NULL)
    fail ("cannot start %s (%s): %s", name, argv[0], error->message);
  child->pid = g_strdup (g_subprocess_get_identifier (child->process));
  child->watch = g_cancellable_new ();
  g_subprocess_wait_async (child->process, child->watch, on_child_exited, child);
  g_ptr_array_add (children, child);
  return child;
}

/* Forgets a child that is about to exit on purpose; it stays until it has. */
static void
child_release (Child *child)
{
  g_cancellable_cancel (child->watch);
}

static void
child_wait (Child *child)
{
  g_autoptr(GError) error = NULL;

  child_release (child);
  if (!g_subprocess_wait (child->process, NULL, &error))
    fail ("waiting for %s: %s", child->name, error->message);
  if (!g_subprocess_get_if_exited (child->process) ||
      g_subprocess_get_exit_status (child->process) != 0)
    g_printerr ("bench-daemon: %s did not exit cleanly\n", child->name);
  g_ptr_array_remove (children, child);
  g_object_unref (child->process);
  g_object_unref (child->watch);
  g_free (child->pid);
  g_free (child);
}

static void
child_terminate (Child *child)
{
  child_release (child);
  g_subprocess_send_signal (child->process, SIGTERM);
  child_wait (child);
}

/* A launcher for the project's programs: none of the tests' debugging aids, which would cost
 * CPU and memory that the figures must not include. */
static GSubprocessLauncher *
quiet_launcher (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  g_subprocess_launcher_unsetenv (launcher, "MALLOC_CHECK_");
  g_subprocess_launcher_unsetenv (launcher, "MALLOC_PERTURB_");
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "", TRUE);
  return launcher;
}

/* ---- the main loop ---- */

static void
iterate_until (Condition   done,
               gconstpointer data,
               guint       seconds,
               const char *what)
{
  if (!stray_test_try_wait_for (done, data, seconds))
    fail ("timed out after %u s waiting for %s", seconds, what);
}


/* ---- /proc ---- */

/* utime and stime of a whole process (all its threads), in clock ticks. */
static void
cpu_split (const char *pid,
           guint64    *user,
           guint64    *system)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", pid);
  g_autofree char *stat = NULL;
  unsigned long utime, stime;
  const char *after_name;

  if (!g_file_get_contents (path, &stat, NULL, NULL) ||
      (after_name = strrchr (stat, ')')) == NULL ||
      sscanf (after_name + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
              &utime, &stime) != 2)
    fail ("cannot read %s", path);
  *user = utime;
  *system = stime;
}

static guint64
cpu_ticks (const char *pid)
{
  guint64 user, system;

  cpu_split (pid, &user, &system);
  return user + system;
}

static double
ticks_to_seconds (guint64 ticks)
{
  return (double) ticks / sysconf (_SC_CLK_TCK);
}

/* A "Name:   N …" line of a /proc status file; FALSE if the file or the line is missing. */
static gboolean
status_field (const char *path,
              const char *name,
              guint64    *value)
{
  g_autofree char *text = NULL;
  g_autofree char *needle = g_strconcat ("\n", name, ":", NULL);
  const char *line;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  line = strstr (text, needle);
  if (line == NULL)
    return FALSE;
  line += strlen (needle);
  while (*line == ' ' || *line == '\t')
    line++;
  *value = g_ascii_strtoull (line, NULL, 10);
  return TRUE;
}

static guint64
proc_kb (const char *pid,
         const char *file,
         const char *name)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/%s", pid, file);
  guint64 value;

  if (!status_field (path, name, &value))
    fail ("no %s in %s", name, path);
  return value;
}

static guint64
memory_kb (const char *pid,
           const char *name)
{
  return proc_kb (pid, "status", name);
}

/* What a process costs the system: its private pages (USS), its share of the pages it shares
 * (Pss: each shared page divided among the processes mapping it) and all its resident pages
 * (RSS), which counts shared libraries whole. */
typedef struct {
  guint64 private_kb;
  guint64 private_dirty_kb;  /* written: heap, stacks, relocated data */
  guint64 pss_kb;
  guint64 rss_kb;
  guint64 anon_kb;
  guint64 file_kb;
} Memory;

static void
memory_read (const char *pid,
             Memory     *memory)
{
  memory->private_dirty_kb = proc_kb (pid, "smaps_rollup", "Private_Dirty");
  memory->private_kb = proc_kb (pid, "smaps_rollup", "Private_Clean") +
                       memory->private_dirty_kb;
  memory->pss_kb = proc_kb (pid, "smaps_rollup", "Pss");
  memory->rss_kb = proc_kb (pid, "smaps_rollup", "Rss");
  memory->anon_kb = memory_kb (pid, "RssAnon");
  memory->file_kb = memory_kb (pid, "RssFile");
}

static double
kb_to_mb (guint64 kb)
{
  return kb * 1024 / 1e6;
}

static void
memory_print (const char   *what,
              const Memory *memory)
{
  g_print ("   %-22s %6.2f MB = %5.2f MiB (dirty %5.2f)  %5.2f MiB  %5.2f MiB (anon %.2f, "
           "file %.2f)\n", what, kb_to_mb (memory->private_kb), memory->private_kb / 1024.0,
           memory->private_dirty_kb / 1024.0, memory->pss_kb / 1024.0, memory->rss_kb / 1024.0,
           memory->anon_kb / 1024.0, memory->file_kb / 1024.0);
}

typedef struct {
  char *name;
  guint64 private_kb;
  guint64 rss_kb;
} Mapping;

static int
compare_mappings (gconstpointer a,
                  gconstpointer b)
{
  const Mapping *first = *(const Mapping **) a, *second = *(const Mapping **) b;

  if (first->private_kb != second->private_kb)
    return (first->private_kb < second->private_kb) - (first->private_kb > second->private_kb);
  return (first->rss_kb < second->rss_kb) - (first->rss_kb > second->rss_kb);
}

static void
mapping_free (gpointer data)
{
  Mapping *mapping = data;

  g_free (mapping->name);
  g_free (mapping);
}

/* Where the memory is: /proc/PID/smaps summed by file (shared libraries, caches) or by kind
 * ([heap], [stack], anonymous), as "name private/RSS" in MiB, the most private first, so the
 * figures can be explained. */
static char *
describe_mappings (const char *pid,
                   guint       n_shown)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/smaps", pid);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GHashTable) by_name = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) mappings = g_ptr_array_new_with_free_func (mapping_free);
  GString *description = g_string_new (NULL);
  Mapping *current = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    fail ("cannot read %s", path);
  lines = g_strsplit (text, "\n", -1);
  for (char **line = lines; *line != NULL; line++)
    {
      guint64 kb;

      if (g_ascii_isxdigit (**line) && strchr (*line, '-') != NULL && strchr (*line, ' ') != NULL)
        {
          /* "start-end perms offset dev inode   [name]" */
          g_auto (GStrv) fields = g_strsplit_set (*line, " ", 6);
          const char *name = g_strv_length (fields) == 6 ? g_strstrip (fields[5]) : "";
          g_autofree char *base = g_path_get_basename (*name ? name : "anonymous");

          if (*name == '[')
            {
              g_free (base);
              base = g_strdup (name);
            }
          current = g_hash_table_lookup (by_name, base);
          if (current == NULL)
            {
              current = g_new0 (Mapping, 1);
              current->name = g_steal_pointer (&base);
              g_hash_table_insert (by_name, current->name, current);
              g_ptr_array_add (mappings, current);
            }
        }
      else if (current != NULL && sscanf (*line, "Rss: %" G_GUINT64_FORMAT " kB", &kb) == 1)
        current->rss_kb += kb;
      else if (current != NULL &&
               (sscanf (*line, "Private_Clean: %" G_GUINT64_FORMAT " kB", &kb) == 1 ||
                sscanf (*line, "Private_Dirty: %" G_GUINT64_FORMAT " kB", &kb) == 1))
        current->private_kb += kb;
    }
  g_ptr_array_sort (mappings, compare_mappings);
  for (guint i = 0; i < MIN (n_shown, mappings->len); i++)
    {
      Mapping *mapping = g_ptr_array_index (mappings, i);

      g_string_append_printf (description, "%s%s %.2f/%.2f", i ? ", " : "", mapping->name,
                              mapping->private_kb / 1024.0, mapping->rss_kb / 1024.0);
    }
  return g_string_free (description, FALSE);
}


typedef struct {
  char *comm;
  guint64 switches;
} ThreadSample;

static void
thread_sample_free (gpointer data)
{
  ThreadSample *sample = data;

  g_free (sample->comm);
  g_free (sample);
}

/* Voluntary and involuntary context switches of every thread of @pid, by thread id. Each
 * thread's own counts are in /proc/PID/task/TID/status (/proc/PID/status has the main
 * thread's only). */
static GHashTable *
sample_threads (const char *pid)
{
  g_autofree char *dir_path = g_strdup_printf ("/proc/%s/task", pid);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  GHashTable *samples = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               thread_sample_free);
  const char *tid;

  if (dir == NULL)
    fail ("cannot list %s", dir_path);
  while ((tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *status = g_build_filename (dir_path, tid, "status", NULL);
      g_autofree char *comm_path = g_build_filename (dir_path, tid, "comm", NULL);
      g_autofree char *comm = NULL;
      guint64 voluntary, involuntary;
      ThreadSample *sample;

      if (!status_field (status, "voluntary_ctxt_switches", &voluntary) ||
          !status_field (status, "nonvoluntary_ctxt_switches", &involuntary))
        continue; /* it has just exited */
      if (!g_file_get_contents (comm_path, &comm, NULL, NULL))
        comm = g_strdup ("?");
      g_strstrip (comm);
      sample = g_new0 (ThreadSample, 1);
      sample->comm = g_steal_pointer (&comm);
      sample->switches = voluntary + involuntary;
      g_hash_table_insert (samples, g_strdup (tid), sample);
    }
  return samples;
}

/* ---- REST ---- */

typedef struct {
  char *secret;
  char *server_token;
  SoupSession *rest;
  GDBusConnection *bus;
  char *object_path;
  char *config_home;
  const char *stream_tray;
  const char *floor;
  const char *devserver;
  const char *node;
  const char *conformance_dir;
} Bench;

static SoupMessage *
new_call (const char *base_url,
          const char *path,
          const char *user_id,
          const char *connection_id,
          const char *token,
          GBytes     *body)
{
  return stray_bench_new_call (base_url, API_KEY, path, user_id, connection_id, token, body);
}

/* A setup call, waited for; fails the run unless the answer is a JSON object with 2xx. */
static JsonObject *
call (Bench      *bench,
      const char *base_url,
      const char *path,
      const char *user_id,
      const char *connection_id,
      const char *token,
      JsonObject *body)
{
  g_autoptr(GError) error = NULL;
  JsonObject *answer = stray_bench_call (bench->rest, base_url, API_KEY, path, user_id,
                                         connection_id, token, body, SETUP_SECONDS, &error);

  if (answer == NULL)
    fail ("%s", error->message);
  return answer;
}

static GBytes *
message_body (const char *author,
              const char *text)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonObject *message = json_object_new ();
  char *json;

  json_object_set_string_member (message, "text", text);
  json_object_set_string_member (message, "user_id", author);
  json_object_set_object_member (body, "message", message);
  json = stray_bench_to_json (body);
  return g_bytes_new_take (json, strlen (json));
}

/* A text of @length bytes (ASCII), starting with @serial so that no two are alike. */
static char *
make_text (guint serial,
           gsize length)
{
  static const char words[] = "the quick brown fox jumps over the lazy dog while the tray "
                              "counts every word of it without a window in sight ";
  GString *text = g_string_new (NULL);

  g_string_printf (text, "%u ", serial);
  while (text->len < length)
    g_string_append_len (text, words, MIN (sizeof words - 1, length - text->len));
  return g_string_free (text, FALSE);
}

/* ---- the devservers ---- */

typedef struct {
  Child *child;
  char *base_url;
} Server;

static Server *
start_devserver (Bench      *bench,
                 const char *scenario)
{
  g_autoptr(GSubprocessLauncher) launcher = quiet_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  const char *argv[] = { bench->devserver, "--api-key", API_KEY, "--scenario", scenario, NULL };
  Server *server = g_new0 (Server, 1);

  /* The secret goes in the environment: on the command line it would show in ps. Health
   * checks come at the default interval (30 s), as the idle figure must include them. */
  g_subprocess_launcher_setenv (launcher, "STREAM_TRAY_DEVSERVER_SECRET", bench->secret, TRUE);
  server->child = child_spawn (launcher, "the devserver", argv);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->child->process));
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (out), FALSE);
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  if (line == NULL || !g_str_has_prefix (line, "ready http://"))
    fail ("the devserver did not say it was ready: %s",
          error != NULL ? error->message : line != NULL ? line : "end of output");
  server->base_url = g_strdup (line + strlen ("ready "));
  return server;
}

static void
stop_devserver (Server *server)
{
  child_terminate (server->child);
  g_free (server->base_url);
  g_free (server);
}

static void
add_user (JsonObject *users,
          const char *id,
          const char *name)
{
  JsonObject *user = json_object_new ();
  g_autofree char *image = g_strdup_printf ("https://example.org/avatars/%s.png", id);

  json_object_set_string_member (user, "id", id);
  json_object_set_string_member (user, "name", name);
  json_object_set_string_member (user, "image", image);
  json_object_set_object_member (users, id, user);
}

/* alice (the daemon), sdk (the SDK client), author (the backend's sender) and probe (the
 * frame-size probe) in messaging:bench. */
static void
create_bench_channel (Bench  *bench,
                      Server *server)
{
  g_autoptr(JsonObject) users_body = json_object_new ();
  g_autoptr(JsonObject) channel_body = json_object_new ();
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(JsonObject) created = NULL;
  JsonObject *users = json_object_new ();
  JsonObject *data = json_object_new ();
  JsonArray *members = json_array_new ();

  add_user (users, USER, "Alice Lindqvist");
  add_user (users, "sdk", "SDK Client");
  add_user (users, "author", "Author Backend");
  add_user (users, "probe", "Frame Probe");
  json_object_set_object_member (users_body, "users", users);
  answer = call (bench, server->base_url, "/users", NULL, NULL, bench->server_token, users_body);

  json_array_add_string_element (members, USER);
  json_array_add_string_element (members, "sdk");
  json_array_add_string_element (members, "author");
  json_array_add_string_element (members, "probe");
  json_object_set_string_member (data, "created_by_id", "author");
  json_object_set_string_member (data, "name", "Benchmark");
  json_object_set_array_member (data, "members", members);
  json_object_set_object_member (channel_body, "data", data);
  created = call (bench, server->base_url, CHANNEL_PATH "/query", NULL, NULL,
                  bench->server_token, channel_body);
  if (stray_json_array (created, "members") == NULL ||
      json_array_get_length (stray_json_array (created, "members")) != 4)
    fail ("the bench channel does not have its 4 members");
}

/* ---- the frame-size probe: one raw socket, as "probe" ---- */

typedef struct {
  SoupWebsocketConnection *socket;
  char *connection_id;
  gsize last_frame;   /* size of the last message.new received */
  guint n_frames;
} Probe;

static void
on_probe_message (G_GNUC_UNUSED SoupWebsocketConnection *socket,
                  gint                                   type,
                  GBytes                                *message,
                  gpointer                               user_data)
{
  Probe *probe = user_data;
  gsize length;
  const char *data = g_bytes_get_data (message, &length);

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    return;
  if (probe->connection_id == NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonNode *root;

      if (!json_parser_load_from_data (parser, data, length, NULL) ||
          !JSON_NODE_HOLDS_OBJECT ((root = json_parser_get_root (parser))) ||
          stray_json_string (json_node_get_object (root), "connection_id") == NULL)
        fail ("the probe's first frame is not a health.check: %.*s", (int) length, data);
      probe->connection_id =
        g_strdup (stray_json_string (json_node_get_object (root), "connection_id"));
      return;
    }
  if (g_strstr_len (data, length, "\"type\":\"message.new\"") != NULL)
    {
      probe->last_frame = length;
      probe->n_frames++;
    }
}

static void
on_probe_connected (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Probe *probe = user_data;
  g_autoptr(GError) error = NULL;

  probe->socket = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (probe->socket == NULL)
    fail ("the probe's socket did not open: %s", error->message);
  g_signal_connect (probe->socket, "message", G_CALLBACK (on_probe_message), probe);
}

static gboolean
probe_has_id (gconstpointer data)
{
  return ((const Probe *) data)->connection_id != NULL;
}

typedef struct {
  Probe *probe;
  guint n_frames;
} ProbeWait;

static gboolean
probe_has_frames (gconstpointer data)
{
  const ProbeWait *wait = data;

  return wait->probe->n_frames >= wait->n_frames;
}

static void
send_one (Bench      *bench,
          Server     *server,
          const char *text)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonObject *message = json_object_new ();
  g_autoptr(JsonObject) answer = NULL;

  json_object_set_string_member (message, "text", text);
  json_object_set_string_member (message, "user_id", "author");
  json_object_set_object_member (body, "message", message);
  answer = call (bench, server->base_url, CHANNEL_PATH "/message", NULL, NULL,
                 bench->server_token, body);
}

/* The text length that makes a message.new frame of about @frame_bytes, and the frame size it
 * gives; three messages by "author" are left in the channel. */
static gsize
calibrate_text (Bench  *bench,
                Server *server,
                gsize   frame_bytes,
                gsize  *frame_size)
{
  g_autoptr(SoupSession) ws = soup_session_new ();
  g_autoptr(JsonObject) payload = json_object_new ();
  g_autoptr(JsonObject) watch_body = json_object_new ();
  g_autoptr(JsonObject) state = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *token = stray_jwt_sign_user (bench->secret, "probe", 0);
  g_autofree char *payload_text = NULL;
  g_autofree char *escaped_payload = NULL;
  g_autofree char *escaped_token = NULL;
  g_autofree char *url = NULL;
  g_autofree char *last = NULL;
  JsonObject *details = json_object_new ();
  Probe probe = { 0 };
  ProbeWait wait = { &probe, 1 };
  const gsize lengths[2] = { 100, 600 };
  gsize frames[2];
  gsize text_length;
  double slope, aimed;

  json_object_set_string_member (payload, "user_id", "probe");
  json_object_set_string_member (details, "id", "probe");
  json_object_set_object_member (payload, "user_details", details);
  payload_text = stray_bench_to_json (payload);
  escaped_payload = g_uri_escape_string (payload_text, NULL, FALSE);
  escaped_token = g_uri_escape_string (token, NULL, FALSE);
  url = g_strdup_printf ("ws%s/connect?json=%s&api_key=" API_KEY "&authorization=%s"
                         "&stream-auth-type=jwt",
                         server->base_url + strlen ("http"), escaped_payload, escaped_token);
  msg = soup_message_new ("GET", url);
  soup_session_websocket_connect_async (ws, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_probe_connected, &probe);
  iterate_until (probe_has_id, &probe, SETUP_SECONDS, "the probe's health.check");

  json_object_set_boolean_member (watch_body, "state", TRUE);
  json_object_set_boolean_member (watch_body, "watch", TRUE);
  state = call (bench, server->base_url, CHANNEL_PATH "/query", "probe", probe.connection_id,
                token, watch_body);

  /* The frame grows by more than a byte per byte of text (the devserver also renders it as
   * html): two points give the slope, a third message checks the aim. */
  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autofree char *text = make_text (i, lengths[i]);

      send_one (bench, server, text);
      wait.n_frames = i + 1;
      iterate_until (probe_has_frames, &wait, SETUP_SECONDS, "the probe's message.new");
      frames[i] = probe.last_frame;
    }
  slope = (double) (frames[1] - frames[0]) / (lengths[1] - lengths[0]);
  if (slope <= 0)
    fail ("the message.new frame does not grow with its text");
  aimed = lengths[0] + ((double) frame_bytes - (double) frames[0]) / slope;
  text_length = aimed > 20 ? (gsize) (aimed + 0.5) : 20;

  last = make_text (G_N_ELEMENTS (lengths), text_length);
  send_one (bench, server, last);
  wait.n_frames = G_N_ELEMENTS (lengths) + 1;
  iterate_until (probe_has_frames, &wait, SETUP_SECONDS, "the probe's message.new");
  *frame_size = probe.last_frame;

  g_signal_handlers_disconnect_by_data (probe.socket, &probe);
  soup_websocket_connection_close (probe.socket, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  stray_test_run_for_ms (100);
  g_clear_object (&probe.socket);
  g_free (probe.connection_id);
  return text_length;
}

/* ---- goal 1: connect, in-process ---- */

typedef struct {
  gint64 connected_us;
  gboolean synced;
  StraySession *session;
} ConnectRun;

static void
on_run_state (StraySession *session,
              G_GNUC_UNUSED GParamSpec *pspec,
              ConnectRun   *run)
{
  if (run->connected_us == 0 &&
      stray_session_get_connection_state (session) == STRAY_CONNECTION_CONNECTED)
    run->connected_us = g_get_monotonic_time ();
}

static void
on_run_synced (G_GNUC_UNUSED StrayConnection *connection,
               ConnectRun                    *run)
{
  run->synced = TRUE;
}

static gboolean
run_connected (gconstpointer data)
{
  return ((const ConnectRun *) data)->connected_us != 0;
}

static gboolean
run_synced (gconstpointer data)
{
  return ((const ConnectRun *) data)->synced;
}

static gboolean
is_null (gconstpointer data)
{
  return *(const gpointer *) data == NULL;
}

/* Drops the last reference, letting cancelled operations finish first. */
static void
finalize_soon (gpointer object)
{
  gpointer weak = object;

  g_object_add_weak_pointer (object, &weak);
  g_object_unref (object);
  iterate_until (is_null, &weak, SETUP_SECONDS, "an object to be finalized");
}

/* One connection from scratch, as the daemon makes it at start: ms until connected. */
static double
connect_once (Bench      *bench,
              const char *base_url)
{
  StraySession *session = stray_session_new ();
  StraySignedTokens *tokens = stray_signed_tokens_new (bench->secret, USER, 0);
  StrayClient *client = stray_client_new (base_url, API_KEY, USER,
                                          STRAY_TOKEN_PROVIDER (tokens));
  StrayConnection *connection = stray_connection_new (session, client);
  ConnectRun run = { 0, FALSE, session };
  gint64 start_us;

  g_signal_connect (session, "notify::connection-state", G_CALLBACK (on_run_state), &run);
  g_signal_connect (connection, "synced", G_CALLBACK (on_run_synced), &run);
  start_us = g_get_monotonic_time ();
  stray_connection_start (connection);
  iterate_until (run_connected, &run, SETUP_SECONDS, "the connection's handshake");
  /* The resync is not timed, but must be over before the next run. */
  iterate_until (run_synced, &run, SETUP_SECONDS, "the connection's resync");

  stray_connection_stop (connection);
  g_signal_handlers_disconnect_by_data (session, &run);
  finalize_soon (connection);
  finalize_soon (client);
  finalize_soon (tokens);
  finalize_soon (session);
  return (run.connected_us - start_us) / 1000.0;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* ---- the daemon ---- */

static GSubprocessLauncher *
daemon_launcher (Bench            *bench,
                 GSubprocessFlags  flags)
{
  GSubprocessLauncher *launcher = quiet_launcher (flags);

  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "keyfile", TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", bench->config_home, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "G_MESSAGES_DEBUG");
  return launcher;
}

static void
set_account (Bench      *bench,
             const char *base_url)
{
  g_autoptr(GSubprocessLauncher) launcher = daemon_launcher (bench,
                                                             G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                             G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                             G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = stray_jwt_sign_user (bench->secret, USER, 0);
  g_autofree char *input = g_strconcat (token, "\n", NULL);
  g_autofree char *out = NULL, *err = NULL;

  process = g_subprocess_launcher_spawn (launcher, &error, bench->stream_tray, "--set-account",
                                         "--server", base_url, "--api-key", API_KEY,
                                         "--user", USER, NULL);
  if (process == NULL ||
      !g_subprocess_communicate_utf8 (process, input, NULL, &out, &err, &error))
    fail ("stream-tray --set-account: %s", error->message);
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    fail ("stream-tray --set-account failed: %s", err);
}

static GVariant *
get_property (Bench      *bench,
              const char *name)
{
  g_autoptr(GVariant) reply = NULL;
  GVariant *value = NULL;

  reply = g_dbus_connection_call_sync (bench->bus, APP_ID, bench->object_path,
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", STRAY_DBUS_INTERFACE, name),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                       5000, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(v)", &value);
  return value;
}

static guint
total_unread (Bench *bench)
{
  g_autoptr(GVariant) value = get_property (bench, "TotalUnread");

  if (value == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    fail ("cannot read the daemon's TotalUnread");
  return g_variant_get_uint32 (value);
}

/* The daemon's window log: when it last said the window was shown and closed. */
typedef struct {
  GDataInputStream *lines;
  gint64 shown_us;
  gint64 closed_us;
} WindowLog;

static void
on_daemon_line (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  WindowLog *log = user_data;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                                     result, NULL, NULL);

  if (line == NULL)
    return;
  if (strstr (line, "window shown") != NULL)
    log->shown_us = g_get_monotonic_time ();
  else if (strstr (line, "window closed") != NULL)
    log->closed_us = g_get_monotonic_time ();
  g_data_input_stream_read_line_async (log->lines, G_PRIORITY_DEFAULT, NULL, on_daemon_line, log);
}

/* The floor: bench-floor (its libraries, and none of its work) beside the daemon, measured
 * once it says it is ready. The daemon is read again meanwhile: with both running, the pages of
 * the libraries they share count as shared for both, so the two figures compare, and the
 * daemon's shows its cost beyond those libraries' code. The floor ends when its stdin closes. */
static void
measure_floor (Bench      *bench,
               const char *base_url,
               Child      *daemon,
               Memory     *memory,
               char      **mappings,
               Memory     *daemon_memory)
{
  g_autoptr(GSubprocessLauncher) launcher =
    daemon_launcher (bench, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  const char *argv[] = { bench->floor, base_url, API_KEY, USER, NULL };
  Child *floor = child_spawn (launcher, "bench-floor", argv);
  g_autoptr(GDataInputStream) out =
    g_data_input_stream_new (g_subprocess_get_stdout_pipe (floor->process));
  g_autofree char *line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, NULL);

  if (g_strcmp0 (line, "ready") != 0)
    fail ("bench-floor did not get ready (%s)", line != NULL ? line : "no output");
  memory_read (floor->pid, memory);
  memory_read (daemon->pid, daemon_memory);
  *mappings = describe_mappings (floor->pid, TOP_MAPPINGS);
  child_release (floor);
  g_output_stream_close (g_subprocess_get_stdin_pipe (floor->process), NULL, NULL);
  child_wait (floor);
}

/* @window_log: (nullable): where to follow the window's log, for goal 5 */
static Child *
start_daemon (Bench     *bench,
              WindowLog *window_log)
{
  g_autoptr(GSubprocessLauncher) launcher =
    daemon_launcher (bench, window_log != NULL ? G_SUBPROCESS_FLAGS_STDERR_PIPE
                                               : G_SUBPROCESS_FLAGS_NONE);
  const char *argv[] = { bench->stream_tray, "--background", NULL };
  Child *daemon;
  gint64 deadline = g_get_monotonic_time () + SETUP_SECONDS * G_USEC_PER_SEC;

  if (window_log != NULL)
    g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "stray-ui", TRUE);
  daemon = child_spawn (launcher, "the daemon", argv);
  if (window_log != NULL)
    {
      window_log->lines = g_data_input_stream_new (
        g_subprocess_get_stderr_pipe (daemon->process));
      g_data_input_stream_read_line_async (window_log->lines, G_PRIORITY_DEFAULT, NULL,
                                           on_daemon_line, window_log);
    }

  for (;;)
    {
      g_autoptr(GVariant) state = get_property (bench, "State");

      if (state != NULL && g_str_equal (g_variant_get_string (state, NULL), "connected"))
        break;
      if (g_get_monotonic_time () > deadline)
        fail ("the daemon did not connect within %d s (state %s)", SETUP_SECONDS,
              state != NULL ? g_variant_get_string (state, NULL) : "unknown");
      stray_test_run_for_ms (20);
    }
  return daemon;
}

/* Waits until the daemon's TotalUnread is at least @at_least and it has been quiet (the
 * count unchanged, at most 20 ms of CPU) for STABLE_MS: its resync is over. Returns the
 * count. */
static guint
wait_until_settled (Bench      *bench,
                    Child      *daemon,
                    guint       at_least)
{
  gint64 deadline = g_get_monotonic_time () + SETUP_SECONDS * G_USEC_PER_SEC;
  guint64 stable_ticks = (guint64) (0.02 * sysconf (_SC_CLK_TCK));
  guint last_total = G_MAXUINT;
  guint64 since_ticks = 0;
  gint64 since_us = 0;

  for (;;)
    {
      guint total = total_unread (bench);
      guint64 ticks = cpu_ticks (daemon->pid);
      gint64 now = g_get_monotonic_time ();

      if (total != last_total || total < at_least || ticks > since_ticks + stable_ticks)
        {
          last_total = total;
          since_ticks = ticks;
          since_us = now;
        }
      else if (now - since_us >= STABLE_MS * 1000)
        return total;
      if (now > deadline)
        fail ("the daemon did not settle within %d s (TotalUnread %u, wanted ≥ %u)",
              SETUP_SECONDS, total, at_least);
      stray_test_run_for_ms (250);
    }
}

static guint
count_channels (Bench *bench)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *json;
  JsonArray *channels;

  reply = g_dbus_connection_call_sync (bench->bus, APP_ID, bench->object_path,
                                       STRAY_DBUS_INTERFACE, "GetChannels", NULL,
                                       G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                       30000, NULL, &error);
  if (reply == NULL)
    fail ("GetChannels: %s", error->message);
  g_variant_get (reply, "(&s)", &json);
  if (!json_parser_load_from_data (parser, json, -1, &error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    fail ("GetChannels did not return a JSON object");
  channels = stray_json_array (json_node_get_object (json_parser_get_root (parser)), "channels");
  return channels != NULL ? json_array_get_length (channels) : 0;
}

static void
activate_action (Bench      *bench,
                 const char *action)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (bench->bus, APP_ID, bench->object_path,
                                       "org.gtk.Actions", "Activate",
                                       g_variant_new ("(sava{sv})", action, NULL, NULL),
                                       NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000, NULL,
                                       &error);
  if (reply == NULL)
    fail ("the daemon's %s action: %s", action, error->message);
}

static gboolean
window_shown (gconstpointer data)
{
  return ((const WindowLog *) data)->shown_us != 0;
}

static gboolean
window_closed (gconstpointer data)
{
  return ((const WindowLog *) data)->closed_us != 0;
}

/* Opens the window as the tray's click does; returns the milliseconds to its first frame. */
static double
open_window (Bench     *bench,
             WindowLog *log)
{
  gint64 start;

  log->shown_us = 0;
  start = g_get_monotonic_time ();
  activate_action (bench, "toggle-window");
  iterate_until (window_shown, log, SETUP_SECONDS, "the window to show");
  return (log->shown_us - start) / 1000.0;
}

/* Closes it as a second click does on a focused window. */
static void
close_window (Bench     *bench,
              WindowLog *log)
{
  log->closed_us = 0;
  activate_action (bench, "toggle-window");
  iterate_until (window_closed, log, SETUP_SECONDS, "the window to close");
}

static void
quit_daemon (Bench *bench,
             Child *daemon)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  child_release (daemon);
  reply = g_dbus_connection_call_sync (bench->bus, APP_ID, bench->object_path,
                                       "org.gtk.Actions", "Activate",
                                       g_variant_new ("(sava{sv})", "quit", NULL, NULL),
                                       NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000, NULL,
                                       &error);
  if (reply == NULL)
    fail ("quitting the daemon: %s", error->message);
  child_wait (daemon);
}

/* ---- goal 4: the sending phase ---- */

typedef struct {
  Bench *bench;
  Server *server;
  GPtrArray *bodies;
  guint n_sent;
  guint n_answered;
  guint in_flight;

  Child *node;
  GDataInputStream *node_lines;
  gboolean sdk_ready;
  gboolean sdk_done;
  guint64 node_end_user;
  guint64 node_end_system;
  gint64 node_end_us;
  guint64 node_rss_kb;
  guint64 node_hwm_kb;

  Child *daemon;
  guint target;
  guint daemon_total;
  gboolean polling;
  gboolean daemon_done;
  guint64 daemon_end_user;
  guint64 daemon_end_system;
  gint64 daemon_end_us;
} Send;

static void send_next (Send *send);

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Send *send = user_data;
  g_autoptr(GError) error = NULL;

  if (!stray_bench_sent_finish (SOUP_SESSION (source), result, &error))
    fail ("%s", error->message);
  send->in_flight--;
  send->n_answered++;
  send_next (send);
}

static void
send_next (Send *send)
{
  while (send->in_flight < MAX_IN_FLIGHT && send->n_sent < send->bodies->len)
    {
      g_autoptr(SoupMessage) msg = new_call (send->server->base_url, CHANNEL_PATH "/message",
                                             NULL, NULL, send->bench->server_token,
                                             g_ptr_array_index (send->bodies, send->n_sent));

      send->n_sent++;
      send->in_flight++;
      soup_session_send_and_read_async (send->bench->rest, msg, G_PRIORITY_DEFAULT, NULL,
                                        on_sent, send);
    }
}

static void
on_node_line (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Send *send = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                                     result, NULL, &error);

  if (line == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      fail ("the SDK client stopped talking: %s", error != NULL ? error->message : "end of output");
    }
  if (g_str_equal (line, "ready"))
    send->sdk_ready = TRUE;
  else if (g_str_has_prefix (line, "done "))
    {
      cpu_split (send->node->pid, &send->node_end_user, &send->node_end_system);
      send->node_end_us = g_get_monotonic_time ();
      send->node_rss_kb = memory_kb (send->node->pid, "VmRSS");
      send->node_hwm_kb = memory_kb (send->node->pid, "VmHWM");
      send->sdk_done = TRUE;
      return; /* nothing more is said */
    }
  else
    g_printerr ("bench-daemon: the SDK client said: %s\n", line);
  g_data_input_stream_read_line_async (send->node_lines, G_PRIORITY_DEFAULT, NULL, on_node_line,
                                       send);
}

static gboolean
sdk_ready (gconstpointer data)
{
  return ((const Send *) data)->sdk_ready;
}

static Child *
start_sdk (Send  *send,
           guint  expected)
{
  Bench *bench = send->bench;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autofree char *token = stray_jwt_sign_user (bench->secret, "sdk", 0);
  g_autofree char *expected_text = g_strdup_printf ("%u", expected);
  const char *argv[] = { bench->node, "bench-sdk-receive.mjs", NULL };

  g_subprocess_launcher_set_cwd (launcher, bench->conformance_dir);
  g_subprocess_launcher_unsetenv (launcher, "MALLOC_CHECK_");
  g_subprocess_launcher_unsetenv (launcher, "MALLOC_PERTURB_");
  /* The token in the environment, never on the command line. */
  g_subprocess_launcher_setenv (launcher, "STRAY_BENCH_TOKEN", token, TRUE);
  g_subprocess_launcher_setenv (launcher, "STRAY_BENCH_BASE_URL", send->server->base_url, TRUE);
  g_subprocess_launcher_setenv (launcher, "STRAY_BENCH_API_KEY", API_KEY, TRUE);
  g_subprocess_launcher_setenv (launcher, "STRAY_BENCH_USER", "sdk", TRUE);
  g_subprocess_launcher_setenv (launcher, "STRAY_BENCH_CID", BENCH_CID, TRUE);
  g_subprocess_launcher_setenv (launcher, "STRAY_BENCH_EXPECTED", expected_text, TRUE);
  send->node = child_spawn (launcher, "the SDK client (node)", argv);
  send->node_lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (send->node->process));
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (send->node_lines), FALSE);
  g_data_input_stream_read_line_async (send->node_lines, G_PRIORITY_DEFAULT, NULL, on_node_line,
                                       send);
  iterate_until (sdk_ready, send, SETUP_SECONDS, "the SDK client to be ready");
  return send->node;
}

static void
on_total (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Send *send = user_data;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             NULL);

  send->polling = FALSE;
  if (reply == NULL || send->daemon_done)
    return;
  {
    g_autoptr(GVariant) value = NULL;

    g_variant_get (reply, "(v)", &value);
    if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
      send->daemon_total = g_variant_get_uint32 (value);
  }
  if (send->daemon_total >= send->target)
    {
      cpu_split (send->daemon->pid, &send->daemon_end_user, &send->daemon_end_system);
      send->daemon_end_us = g_get_monotonic_time ();
      send->daemon_done = TRUE;
    }
}

/* Asks the daemon for its count now and then: a call every POLL_MS costs it far less than
 * a PropertiesChanged subscription would cost this process and the bus. */
static gboolean
on_poll (gpointer user_data)
{
  Send *send = user_data;

  if (send->daemon_done)
    return G_SOURCE_REMOVE;
  if (!send->polling)
    {
      send->polling = TRUE;
      g_dbus_connection_call (send->bench->bus, APP_ID, send->bench->object_path,
                              "org.freedesktop.DBus.Properties", "Get",
                              g_variant_new ("(ss)", STRAY_DBUS_INTERFACE, "TotalUnread"),
                              G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000,
                              NULL, on_total, send);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
all_received (gconstpointer data)
{
  const Send *send = data;

  return send->sdk_done && send->daemon_done && send->n_answered == send->bodies->len;
}

static gboolean
not_polling (gconstpointer data)
{
  return !((const Send *) data)->polling;
}

/* ---- main ---- */

static const char *
required_env (const char *name)
{
  const char *value = g_getenv (name);

  if (value == NULL || *value == '\0')
    fail ("set %s", name);
  return value;
}

static guint
env_uint (const char *name,
          guint       fallback)
{
  const char *value = g_getenv (name);
  guint64 number;

  if (value == NULL || *value == '\0')
    return fallback;
  if (!g_ascii_string_to_unsigned (value, 10, 1, 1000000, &number, NULL))
    fail ("%s must be a number from 1 to 1000000", name);
  return (guint) number;
}

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static const char *
verdict (gboolean met)
{
  return met ? "met" : "not met";
}

int
main (G_GNUC_UNUSED int   argc,
      G_GNUC_UNUSED char *argv[])
{
  Bench bench = { 0 };
  g_autoptr(JsonObject) claims = json_object_new ();
  g_autoptr(GError) error = NULL;
  guint idle_seconds, n_messages, frame_bytes;
  Server *load_server, *bench_server;
  Child *daemon;
  gsize text_length, frame_size;
  double connect_ms[CONNECT_RUNS], sorted_ms[CONNECT_RUNS];
  double connect_median;
  Memory no_window, no_window_beside_floor, floor_memory, window_closed;
  guint64 hwm_kb, rss_after_idle_kb;
  guint settled_total, n_load_channels;
  GHashTable *before, *after;
  GHashTableIter iter;
  gpointer key, value;
  guint64 wakeups = 0;
  double wakeups_per_second;
  g_autoptr(GString) by_thread = g_string_new (NULL);
  Send send = { 0 };
  guint initial_total;
  guint64 daemon_start_user, daemon_start_system, node_start_user, node_start_system, server_start_ticks, self_start_ticks;
  gint64 start_us, end_us;
  double daemon_cpu, daemon_user, daemon_system, node_cpu, node_user, node_system, server_cpu, self_cpu, daemon_us, node_us, ratio;
  guint64 daemon_rss_end_kb, daemon_hwm_end_kb;
  WindowLog window_log = { 0 };
  double shown_ms[WINDOW_ROUNDS], sorted_shown_ms[WINDOW_ROUNDS];
  guint64 rss_open_kb = 0, hwm_window_kb;
  g_autofree char *mappings_no_window = NULL, *mappings_floor = NULL, *mappings_closed = NULL;

  setlocale (LC_ALL, "");
  children = g_ptr_array_new ();
  bench.stream_tray = required_env ("STRAY_TEST_STREAM_TRAY");
  bench.floor = required_env ("STRAY_BENCH_FLOOR");
  bench.devserver = required_env ("STRAY_TEST_DEVSERVER");
  bench.node = required_env ("STRAY_BENCH_NODE");
  bench.conformance_dir = required_env ("STRAY_BENCH_CONFORMANCE_DIR");
  required_env ("GSETTINGS_SCHEMA_DIR");
  idle_seconds = env_uint ("STRAY_BENCH_IDLE_SECONDS", DEFAULT_IDLE_SECONDS);
  n_messages = env_uint ("STRAY_BENCH_MESSAGES", DEFAULT_N_MESSAGES);
  frame_bytes = env_uint ("STRAY_BENCH_FRAME_BYTES", DEFAULT_FRAME_BYTES);

  /* A fresh secret each run; tokens are signed here with the project's own code. */
  bench.secret = g_uuid_string_random ();
  json_object_set_boolean_member (claims, "server", TRUE);
  bench.server_token = stray_jwt_sign (bench.secret, claims);
  bench.rest = soup_session_new_with_options ("max-conns", MAX_IN_FLIGHT,
                                              "max-conns-per-host", MAX_IN_FLIGHT, NULL);
  bench.bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (bench.bus == NULL)
    fail ("no session bus (run under build-aux/test-session): %s", error->message);
  bench.object_path = g_strdelimit (g_strconcat ("/", APP_ID, NULL), ".", '/');
  bench.config_home = g_dir_make_tmp ("stray-bench-daemon-XXXXXX", &error);
  if (bench.config_home == NULL)
    fail ("no temporary directory: %s", error->message);
  config_home = bench.config_home;

  /* Two devservers: one with 1,000 channels for alice (goals 2 and 3), one with the bench
   * channel (goals 1 and 4). */
  g_print ("starting the devservers…\n");
  {
    g_autofree char *scenario = g_strdup_printf ("load:%d", LOAD_CHANNELS);

    load_server = start_devserver (&bench, scenario);
  }
  bench_server = start_devserver (&bench, "empty");
  create_bench_channel (&bench, bench_server);
  text_length = calibrate_text (&bench, bench_server, frame_bytes, &frame_size);
  g_print ("message.new frame: %zu bytes for a text of %zu bytes (aimed at %u)\n", frame_size,
           text_length, frame_bytes);

  /* ---- 1. connect ---- */
  g_print ("1. connecting %d times in-process…\n", CONNECT_RUNS);
  for (guint i = 0; i < CONNECT_RUNS; i++)
    connect_ms[i] = sorted_ms[i] = connect_once (&bench, bench_server->base_url);
  qsort (sorted_ms, CONNECT_RUNS, sizeof (double), compare_doubles);
  connect_median = (sorted_ms[CONNECT_RUNS / 2 - 1] + sorted_ms[CONNECT_RUNS / 2]) / 2;

  /* ---- 3. memory with 1,000 channels, then 2. idle, on the same daemon ---- */
  g_print ("3. the daemon with %d channels…\n", LOAD_CHANNELS);
  set_account (&bench, load_server->base_url);
  daemon = start_daemon (&bench, &window_log);
  settled_total = wait_until_settled (&bench, daemon, LOAD_CHANNELS);
  memory_read (daemon->pid, &no_window);
  hwm_kb = memory_kb (daemon->pid, "VmHWM");
  mappings_no_window = describe_mappings (daemon->pid, TOP_MAPPINGS);
  measure_floor (&bench, load_server->base_url, daemon, &floor_memory, &mappings_floor,
                 &no_window_beside_floor);

  g_print ("2. leaving it idle for %u s…\n", idle_seconds);
  before = sample_threads (daemon->pid);
  stray_test_run_for_ms (idle_seconds * 1000);
  after = sample_threads (daemon->pid);
  g_hash_table_iter_init (&iter, after);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      ThreadSample *now = value;
      ThreadSample *then = g_hash_table_lookup (before, key);
      guint64 delta = now->switches - (then != NULL ? then->switches : 0);

      wakeups += delta;
      g_string_append_printf (by_thread, "%s%s %s: %" G_GUINT64_FORMAT, by_thread->len ? ", " : "",
                              (const char *) key, now->comm, delta);
    }
  g_hash_table_unref (before);
  g_hash_table_unref (after);
  wakeups_per_second = (double) wakeups / idle_seconds;
  rss_after_idle_kb = memory_kb (daemon->pid, "VmRSS");
  /* ---- 5. the window, on the same daemon ---- */
  g_print ("5. opening and closing the window %d times…\n", WINDOW_ROUNDS);
  for (guint i = 0; i < WINDOW_ROUNDS; i++)
    {
      /* Focus comes with the first frame; let it arrive before the second click. */
      shown_ms[i] = sorted_shown_ms[i] = open_window (&bench, &window_log);
      stray_test_run_for_ms (500);
      if (i == 0)
        rss_open_kb = memory_kb (daemon->pid, "VmRSS");
      close_window (&bench, &window_log);
      stray_test_run_for_ms (500);
    }
  memory_read (daemon->pid, &window_closed);
  mappings_closed = describe_mappings (daemon->pid, TOP_MAPPINGS);
  hwm_window_kb = memory_kb (daemon->pid, "VmHWM");
  qsort (sorted_shown_ms, WINDOW_ROUNDS, sizeof (double), compare_doubles);
  /* After the measurements: GetChannels builds the whole list as JSON, which costs memory. */
  n_load_channels = count_channels (&bench);
  g_clear_object (&window_log.lines);
  quit_daemon (&bench, daemon);
  stop_devserver (load_server);

  /* ---- 4. CPU against the SDK ---- */
  g_print ("4. %u messages to the daemon and the SDK…\n", n_messages);
  set_account (&bench, bench_server->base_url);
  daemon = start_daemon (&bench, NULL);
  initial_total = wait_until_settled (&bench, daemon, 1);
  send.bench = &bench;
  send.server = bench_server;
  send.daemon = daemon;
  send.target = initial_total + n_messages;
  send.bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (guint i = 0; i < n_messages; i++)
    {
      g_autofree char *text = make_text (i + 2, text_length);

      g_ptr_array_add (send.bodies, message_body ("author", text));
    }
  start_sdk (&send, n_messages);
  /* The SDK's watching is announced to the daemon; let that pass before measuring. */
  stray_test_run_for_ms (1000);

  cpu_split (daemon->pid, &daemon_start_user, &daemon_start_system);
  cpu_split (send.node->pid, &node_start_user, &node_start_system);
  server_start_ticks = cpu_ticks (bench_server->child->pid);
  self_start_ticks = cpu_ticks ("self");
  start_us = g_get_monotonic_time ();
  send_next (&send);
  g_timeout_add (POLL_MS, on_poll, &send);
  if (!stray_test_try_wait_for (all_received, &send, SEND_TIMEOUT_SECONDS))
    fail ("timed out after %d s: %u of %u messages answered, the SDK %s, the daemon at "
          "TotalUnread %u of %u", SEND_TIMEOUT_SECONDS, send.n_answered, send.bodies->len,
          send.sdk_done ? "done" : "not done", send.daemon_total, send.target);
  end_us = MAX (send.node_end_us, send.daemon_end_us);
  server_cpu = ticks_to_seconds (cpu_ticks (bench_server->child->pid) - server_start_ticks);
  self_cpu = ticks_to_seconds (cpu_ticks ("self") - self_start_ticks);
  daemon_user = ticks_to_seconds (send.daemon_end_user - daemon_start_user);
  daemon_system = ticks_to_seconds (send.daemon_end_system - daemon_start_system);
  daemon_cpu = daemon_user + daemon_system;
  node_user = ticks_to_seconds (send.node_end_user - node_start_user);
  node_system = ticks_to_seconds (send.node_end_system - node_start_system);
  node_cpu = node_user + node_system;
  daemon_us = daemon_cpu * 1e6 / n_messages;
  node_us = node_cpu * 1e6 / n_messages;
  ratio = node_cpu > 0 ? daemon_cpu / node_cpu : 0;
  daemon_rss_end_kb = memory_kb (daemon->pid, "VmRSS");
  daemon_hwm_end_kb = memory_kb (daemon->pid, "VmHWM");

  /* The SDK disconnects when its stdin closes. */
  child_release (send.node);
  g_output_stream_close (g_subprocess_get_stdin_pipe (send.node->process), NULL, NULL);
  child_wait (send.node);
  g_object_unref (send.node_lines);
  iterate_until (not_polling, &send, SETUP_SECONDS, "the last poll");
  quit_daemon (&bench, daemon);
  stop_devserver (bench_server);

  /* ---- the figures ---- */
  g_print ("\n1. connect to first health.check, in-process, loopback, %d runs:\n", CONNECT_RUNS);
  g_print ("   min %.2f ms, median %.2f ms, max %.2f ms (first run %.2f ms)\n",
           sorted_ms[0], connect_median, sorted_ms[CONNECT_RUNS - 1], connect_ms[0]);
  g_print ("   goal: connect ≤ %.0f ms (median): %s\n", GOAL_CONNECT_MS,
           verdict (connect_median <= GOAL_CONNECT_MS));

  g_print ("2. idle daemon (%d channels, health checks every 30 s), %u s:\n", LOAD_CHANNELS,
           idle_seconds);
  g_print ("   %" G_GUINT64_FORMAT " context switches = %.3f wakeups/s; by thread: %s\n",
           wakeups, wakeups_per_second, by_thread->str);
  g_print ("   goal: ≤ %.0f wakeup/s: %s\n", GOAL_WAKEUPS_PER_SECOND,
           verdict (wakeups_per_second <= GOAL_WAKEUPS_PER_SECOND));

  g_print ("3. memory: the daemon with %u channels listed (TotalUnread %u), the floor "
           "(bench-floor: the same libraries, each used once, no channels), and the daemon after "
           "the window was opened and closed %d times:\n", n_load_channels, settled_total,
           WINDOW_ROUNDS);
  /* Private clean pages are file pages no other process maps at the time: in this session,
   * most of the libraries' code (GTK's above all), which a desktop's other processes share. */
  g_print ("   %-22s %-37s %-10s %s\n", "", "private (USS; of which dirty, in MiB)", "Pss",
           "RSS");
  memory_print ("daemon, no window", &no_window);
  memory_print ("daemon, no window*", &no_window_beside_floor);
  memory_print ("floor*", &floor_memory);
  memory_print ("daemon, window closed", &window_closed);
  g_print ("   * read while both run (the libraries' pages they share count as shared for both): "
           "the daemon with no window is %.2f× the floor in private memory, %.2f× in RSS; "
           "VmHWM %.1f MiB; VmRSS after the idle period %.1f MiB\n",
           (double) no_window_beside_floor.private_kb / floor_memory.private_kb,
           (double) no_window_beside_floor.rss_kb / floor_memory.rss_kb, hwm_kb / 1024.0,
           rss_after_idle_kb / 1024.0);
  g_print ("   largest, private/RSS MiB, daemon with no window: %s\n", mappings_no_window);
  g_print ("   largest, private/RSS MiB, floor: %s\n", mappings_floor);
  g_print ("   largest, private/RSS MiB, daemon after closing the window: %s\n",
           mappings_closed);
  if (n_load_channels != LOAD_CHANNELS)
    g_print ("   warning: the daemon lists %u channels, not %d\n", n_load_channels,
             LOAD_CHANNELS);
  g_print ("   goal: private with no window ≤ %.0f MB: %s\n", GOAL_PRIVATE_BYTES / 1e6,
           verdict (no_window.private_kb * 1024 <= GOAL_PRIVATE_BYTES));
  g_print ("   goal: private after the window closed ≤ %.0f MB: %s\n",
           GOAL_PRIVATE_AFTER_WINDOW_BYTES / 1e6,
           verdict (window_closed.private_kb * 1024 <= GOAL_PRIVATE_AFTER_WINDOW_BYTES));

  g_print ("4. %u message.new of %zu bytes (text %zu bytes), %d requests in flight, "
           "%.2f s wall:\n", n_messages, frame_size, text_length, MAX_IN_FLIGHT,
           (end_us - start_us) / 1e6);
  g_print ("   daemon: %.2f s CPU (user %.2f s, system %.2f s) = %.2f µs/event "
           "(%.1f ms per 1,000), VmRSS %.1f MiB, VmHWM %.1f MiB at the end\n", daemon_cpu,
           daemon_user, daemon_system, daemon_us, daemon_us, daemon_rss_end_kb / 1024.0,
           daemon_hwm_end_kb / 1024.0);
  g_print ("   SDK:    %.2f s CPU (user %.2f s, system %.2f s) = %.2f µs/event "
           "(%.1f ms per 1,000), VmRSS %.1f MiB, VmHWM %.1f MiB at the end\n", node_cpu,
           node_user, node_system, node_us, node_us, send.node_rss_kb / 1024.0,
           send.node_hwm_kb / 1024.0);
  g_print ("   devserver %.2f s CPU, this process %.2f s CPU\n", server_cpu, self_cpu);
  g_print ("   ratio daemon/SDK %.3f\n", ratio);
  if (daemon_cpu < 1.0 || node_cpu < 1.0)
    g_print ("   warning: under a second of CPU on a side; at %ld ticks a second the ratio is "
             "rough (raise STRAY_BENCH_MESSAGES)\n", sysconf (_SC_CLK_TCK));
  g_print ("   goal: daemon CPU ≤ 1/3 of the SDK's: %s\n",
           verdict (node_cpu > 0 && ratio <= GOAL_CPU_RATIO));

  g_print ("5. the window with %d channels, %d openings by the toggle-window action:\n",
           LOAD_CHANNELS, WINDOW_ROUNDS);
  g_print ("   first opening (module and GTK loaded) %.1f ms; later openings min %.1f ms, "
           "max %.1f ms\n", shown_ms[0], sorted_shown_ms[0], sorted_shown_ms[WINDOW_ROUNDS - 1]);
  g_print ("   VmRSS with the window open %.1f MiB, VmHWM %.1f MiB (memory after closing: "
           "under 3)\n", rss_open_kb / 1024.0, hwm_window_kb / 1024.0);
  g_print ("   goal: shown ≤ %.0f ms (first opening): %s\n", GOAL_SHOWN_MS,
           verdict (shown_ms[0] <= GOAL_SHOWN_MS));

  g_ptr_array_unref (send.bodies);
  rm_rf (bench.config_home);
  config_home = NULL;
  g_free (bench.config_home);
  g_free (bench.object_path);
  g_object_unref (bench.bus);
  g_object_unref (bench.rest);
  g_free (bench.server_token);
  g_free (bench.secret);
  g_ptr_array_unref (children);
  return 0;
}
