/* test-daemon.c: stream-tray as users run it, against stream-tray-devserver
 *
 * Runs under build-aux/test-session (private bus, real keyring). Both programs run as
 * subprocesses; settings go through a keyfile in a temporary XDG_CONFIG_HOME so that the
 * command line and the daemon share them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>

#include "fake-notifications.h"
#include "stray-dbus-service.h"
#include "stray-jwt.h"

#define API_KEY "daemon-key"
#define SECRET "daemon-secret-0123456789"
#define WAIT_SECONDS 20

typedef struct {
  char *config_home;
  GSubprocess *devserver;
  char *base_url;
  char *token;
  GDBusConnection *bus;
  char *object_path;
  Server *notifications;
} Fixture;

static GSubprocessLauncher *
launcher_for (Fixture           *fixture,
              GSubprocessFlags   flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "keyfile", TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", fixture->config_home, TRUE);
  /* Everything it would log, so that the test can look for the token in it. */
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  return launcher;
}

static void
fixture_set_up (Fixture       *fixture,
                G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  fixture->config_home = g_dir_make_tmp ("stray-daemon-XXXXXX", NULL);
  g_subprocess_launcher_setenv (launcher, "STREAM_TRAY_DEVSERVER_SECRET", SECRET, TRUE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "", TRUE);
  fixture->devserver = g_subprocess_launcher_spawn (launcher, &error,
                                                    g_getenv ("STRAY_TEST_DEVSERVER"),
                                                    "--api-key", API_KEY, "--scenario", "demo",
                                                    NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (fixture->devserver));
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (lines), FALSE);
  line = g_data_input_stream_read_line (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (line, "ready "));
  fixture->base_url = g_strdup (line + strlen ("ready "));
  fixture->token = stray_jwt_sign_user (SECRET, "alice", 0);

  fixture->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  fixture->notifications = fake_notifications_start (0);
  fixture->object_path = g_strdelimit (g_strconcat ("/", APP_ID, NULL), ".", '/');
}

static void
rm_rf (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children = g_file_enumerate_children (file, "standard::*",
                                                                   G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                                                                   NULL, NULL);
  GFileInfo *info;

  while (children != NULL && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        rm_rf (child);
      else
        g_unlink (child);
      g_object_unref (info);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture       *fixture,
                   G_GNUC_UNUSED gconstpointer user_data)
{
  g_subprocess_send_signal (fixture->devserver, SIGTERM);
  g_subprocess_wait (fixture->devserver, NULL, NULL);
  g_object_unref (fixture->devserver);
  rm_rf (fixture->config_home);
  g_free (fixture->config_home);
  g_free (fixture->base_url);
  g_free (fixture->token);
  g_free (fixture->object_path);
  g_object_unref (fixture->bus);
  fake_notifications_stop (fixture->notifications);
}

/* Runs stream-tray with @args and @input on stdin; returns its exit status. */
static int
run_tray (Fixture     *fixture,
          const char  *input,
          char       **out,
          char       **err,
          const char  *first_arg,
          ...)
{
  g_autoptr(GSubprocessLauncher) launcher = launcher_for (fixture,
                                                          G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                          G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                          G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  va_list args;

  g_ptr_array_add (argv, (gpointer) g_getenv ("STRAY_TEST_STREAM_TRAY"));
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input, NULL, out, err, &error);
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (process);
}

static GVariant *
get_property (Fixture    *fixture,
              const char *name)
{
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (fixture->bus, APP_ID,
                                                           fixture->object_path,
                                                           "org.freedesktop.DBus.Properties",
                                                           "Get",
                                                           g_variant_new ("(ss)",
                                                                          STRAY_DBUS_INTERFACE,
                                                                          name),
                                                           G_VARIANT_TYPE ("(v)"),
                                                           G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                                           5000, NULL, NULL);
  GVariant *value = NULL;

  if (reply != NULL)
    g_variant_get (reply, "(v)", &value);
  return value;
}

static gboolean
on_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits (with a timeout) until the daemon's State is @state, by its PropertiesChanged. */
static void
wait_for_state (Fixture    *fixture,
                const char *state)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (WAIT_SECONDS, on_timeout, &timed_out);

  for (;;)
    {
      g_autoptr(GVariant) value = get_property (fixture, "State");

      if (value != NULL && g_str_equal (g_variant_get_string (value, NULL), state))
        break;
      if (timed_out)
        g_error ("the daemon never reached state %s", state);
      /* PropertiesChanged or the name appearing wake the loop; the timeout bounds it. */
      g_main_context_iteration (NULL, TRUE);
    }
  if (!timed_out)
    g_source_remove (id);
}

static guint
total_unread (Fixture *fixture)
{
  g_autoptr(GVariant) value = get_property (fixture, "TotalUnread");

  g_assert_nonnull (value);
  return g_variant_get_uint32 (value);
}

/* A server-side POST to the devserver's REST, as a backend would make it; its answer. */
static char *
server_post (Fixture    *fixture,
             const char *path,
             const char *body)
{
  g_autoptr(JsonObject) claims = json_object_new ();
  g_autofree char *token = NULL;
  g_autofree char *url = g_strconcat (fixture->base_url, path, "?api_key=" API_KEY, NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  json_object_set_boolean_member (claims, "server", TRUE);
  token = stray_jwt_sign (SECRET, claims);
  soup_message_headers_append (soup_message_get_request_headers (msg), "Authorization", token);
  soup_message_headers_append (soup_message_get_request_headers (msg), "stream-auth-type", "jwt");
  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  /* The devserver is another process: a blocking call is fine here. */
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 201);
  return g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
}

/* bob says something in #general. */
static void
bob_says (Fixture    *fixture,
          const char *text)
{
  g_autofree char *body = g_strdup_printf ("{\"message\":{\"text\":\"%s\",\"user_id\":\"bob\"}}",
                                           text);
  g_autofree char *answer = server_post (fixture, "/channels/messaging/general/message", body);
}

static void
on_any_signal (G_GNUC_UNUSED GDBusConnection *bus,
               G_GNUC_UNUSED const char      *sender,
               G_GNUC_UNUSED const char      *path,
               G_GNUC_UNUSED const char      *interface,
               G_GNUC_UNUSED const char      *signal,
               G_GNUC_UNUSED GVariant        *parameters,
               G_GNUC_UNUSED gpointer         user_data)
{
}

typedef struct {
  gboolean done;
  char *line;
} LineRead;

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  LineRead *read = user_data;

  read->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                          NULL, NULL);
  read->done = TRUE;
}

/* The next line --status --follow prints, waited for. */
static char *
next_line (GDataInputStream *lines)
{
  LineRead read = { 0 };
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (WAIT_SECONDS, on_timeout, &timed_out);

  g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, NULL, on_line, &read);
  while (!read.done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_true (read.done);
  g_assert_nonnull (read.line);
  return read.line;
}

static void
test_daemon_session (Fixture       *fixture,
                     G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(GSubprocessLauncher) launcher = launcher_for (fixture,
                                                          G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                          G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) daemon = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *daemon_out = NULL, *daemon_err = NULL;
  g_autoptr(GVariant) channels = NULL;
  g_autoptr(GVariant) quit = NULL;
  guint subscription;

  /* Wake the loop on every signal from the daemon (PropertiesChanged). */
  subscription = g_dbus_connection_signal_subscribe (fixture->bus, NULL, NULL, NULL, NULL, NULL,
                                                     G_DBUS_SIGNAL_FLAGS_NONE, on_any_signal,
                                                     NULL, NULL);

  g_assert_cmpint (run_tray (fixture, NULL, &out, &err, "--status", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "not running"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Without an account it starts anyway, and waits. */
  daemon = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("STRAY_TEST_STREAM_TRAY"),
                                        "--background", NULL);
  g_assert_no_error (error);
  wait_for_state (fixture, "not-configured");

  /* Setting up the account, token on stdin, makes it connect. */
  {
    g_autofree char *input = g_strconcat (fixture->token, "\n", NULL);

    g_assert_cmpint (run_tray (fixture, input, &out, &err, "--set-account",
                               "--server", fixture->base_url, "--api-key", API_KEY,
                               "--user", "alice", NULL), ==, 0);
    g_assert_null (strstr (out, fixture->token));
    g_assert_null (strstr (err, fixture->token));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  wait_for_state (fixture, "connected");
  while (total_unread (fixture) == 0)
    g_main_context_iteration (NULL, TRUE);

  /* --status reads the running instance. */
  g_assert_cmpint (run_tray (fixture, NULL, &out, &err, "--status", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "{\"state\":\"connected\",\"total_unread_count\":"));
  g_assert_true (g_str_has_suffix (out, "}\n"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* GetChannels: the --replay format. */
  channels = g_dbus_connection_call_sync (fixture->bus, APP_ID, fixture->object_path,
                                          STRAY_DBUS_INTERFACE, "GetChannels", NULL,
                                          G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, 5000,
                                          NULL, &error);
  g_assert_no_error (error);
  {
    const char *json;

    g_variant_get (channels, "(&s)", &json);
    g_assert_true (g_str_has_prefix (json, "{\"total_unread_count\":"));
    g_assert_nonnull (strstr (json, "\"cid\":\"messaging:general\""));
  }

  /* A message notification; its buttons reach the server. */
  bob_says (fixture, "Is the release out?");
  {
    Notified *message = NULL;
    guint32 id;
    gboolean timed_out = FALSE;
    guint timeout_id = g_timeout_add_seconds (WAIT_SECONDS, on_timeout, &timed_out);
    guint before;

    while (message == NULL && !timed_out)
      {
        g_main_context_iteration (NULL, TRUE);
        g_mutex_lock (&fixture->notifications->lock);
        for (guint i = 0; i < fixture->notifications->notified->len && message == NULL; i++)
          {
            Notified *notified = g_ptr_array_index (fixture->notifications->notified, i);
            const char *category = NULL;

            if (g_variant_lookup (notified->hints, "category", "&s", &category) &&
                g_str_equal (category, "im.received"))
              message = notified;
          }
        g_mutex_unlock (&fixture->notifications->lock);
      }
    if (!timed_out)
      g_source_remove (timeout_id);
    g_assert_nonnull (message);
    id = message->id;
    before = total_unread (fixture);
    g_assert_cmpuint (before, >, 0);

    fake_notifications_invoke (fixture->notifications, id, "mark-read");
    /* The channel is read on the server: the count goes down, the notification goes. */
    while (total_unread (fixture) >= before)
      g_main_context_iteration (NULL, TRUE);
    for (;;)
      {
        gboolean closed = FALSE;

        g_mutex_lock (&fixture->notifications->lock);
        for (guint i = 0; i < fixture->notifications->closed->len; i++)
          closed |= g_array_index (fixture->notifications->closed, guint32, i) == id;
        g_mutex_unlock (&fixture->notifications->lock);
        if (closed)
          break;
        g_main_context_iteration (NULL, TRUE);
      }
  }

  /* --status --follow prints the state, then a line on every change. */
  {
    g_autoptr(GSubprocessLauncher) follow_launcher = launcher_for (fixture,
                                                                   G_SUBPROCESS_FLAGS_STDOUT_PIPE);
    g_autoptr(GSubprocess) follower = NULL;
    g_autoptr(GDataInputStream) lines = NULL;
    g_autofree char *first = NULL;
    gboolean zero_seen = FALSE;

    g_subprocess_launcher_setenv (follow_launcher, "G_MESSAGES_DEBUG", "", TRUE);
    follower = g_subprocess_launcher_spawn (follow_launcher, &error,
                                            g_getenv ("STRAY_TEST_STREAM_TRAY"), "--status",
                                            "--follow", NULL);
    g_assert_no_error (error);
    lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (follower));
    first = next_line (lines);
    g_assert_true (g_str_has_prefix (first, "{\"state\":\"connected\""));
    g_assert_nonnull (strstr (first, "\"class\":\"connected\""));

    /* Mark all as read, through the app's exported action. */
    g_autoptr(GVariant) marked = NULL;

    marked = g_dbus_connection_call_sync (fixture->bus, APP_ID, fixture->object_path,
                                          "org.gtk.Actions", "Activate",
                                          g_variant_new ("(sava{sv})", "mark-all-read", NULL,
                                                         NULL),
                                          NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
    g_assert_no_error (error);
    while (!zero_seen)
      {
        g_autofree char *line = next_line (lines);

        zero_seen = strstr (line, "\"total_unread_count\":0,") != NULL;
      }
    g_subprocess_force_exit (follower);
    g_subprocess_wait (follower, NULL, NULL);
  }
  while (total_unread (fixture) != 0)
    g_main_context_iteration (NULL, TRUE);

  /* Quit; everything it logged at G_MESSAGES_DEBUG=all is free of the token. */
  quit = g_dbus_connection_call_sync (fixture->bus, APP_ID, fixture->object_path,
                                      "org.gtk.Actions", "Activate",
                                      g_variant_new ("(sava{sv})", "quit", NULL, NULL),
                                      NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (daemon, NULL, NULL, &daemon_out, &daemon_err, &error);
  g_assert_no_error (error);
  /* What it said last tells why it failed (a sanitizer's report, say). */
  if (!g_subprocess_get_successful (daemon))
    g_printerr ("%s", daemon_err + MAX (0, (gssize) strlen (daemon_err) - 8000));
  g_assert_true (g_subprocess_get_if_exited (daemon));
  g_assert_cmpint (g_subprocess_get_exit_status (daemon), ==, 0);
  g_assert_nonnull (strstr (daemon_err, "connected, connection"));
  g_assert_null (strstr (daemon_out, fixture->token));
  g_assert_null (strstr (daemon_err, fixture->token));
  /* Nor any piece of it long enough to matter (the signature). */
  g_assert_null (strstr (daemon_err, strrchr (fixture->token, '.') + 1));

  /* The settings file holds no token either. */
  {
    g_autofree char *keyfile = g_build_filename (fixture->config_home, "glib-2.0", "settings",
                                                 "keyfile", NULL);
    g_autofree char *contents = NULL;

    g_assert_true (g_file_get_contents (keyfile, &contents, NULL, NULL));
    g_assert_nonnull (strstr (contents, "alice"));
    g_assert_null (strstr (contents, fixture->token));
  }

  g_assert_cmpint (run_tray (fixture, NULL, &out, &err, "--forget-account", NULL), ==, 0);
  g_dbus_connection_signal_unsubscribe (fixture->bus, subscription);
}

/* The first notification whose summary is @summary (or whose body has @body_part, if
 * set), waited for; NULL past the wait. */
static Notified *
wait_notified (Fixture    *fixture,
               const char *summary,
               const char *body_part)
{
  Notified *found = NULL;
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add_seconds (WAIT_SECONDS, on_timeout, &timed_out);

  while (found == NULL && !timed_out)
    {
      g_main_context_iteration (NULL, TRUE);
      g_mutex_lock (&fixture->notifications->lock);
      for (guint i = 0; i < fixture->notifications->notified->len && found == NULL; i++)
        {
          Notified *notified = g_ptr_array_index (fixture->notifications->notified, i);

          if (summary != NULL ? g_str_equal (notified->summary, summary)
                              : strstr (notified->body, body_part) != NULL)
            found = notified;
        }
      g_mutex_unlock (&fixture->notifications->lock);
    }
  if (!timed_out)
    g_source_remove (timeout_id);
  return found;
}

static guint
count_notified (Fixture    *fixture,
                const char *summary)
{
  guint count = 0;

  g_mutex_lock (&fixture->notifications->lock);
  for (guint i = 0; i < fixture->notifications->notified->len; i++)
    count += g_str_equal (((Notified *) g_ptr_array_index (fixture->notifications->notified,
                                                           i))->summary, summary);
  g_mutex_unlock (&fixture->notifications->lock);
  return count;
}

static void
wait_closed (Fixture *fixture,
             guint32  id)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add_seconds (WAIT_SECONDS, on_timeout, &timed_out);
  gboolean closed = FALSE;

  while (!closed && !timed_out)
    {
      g_mutex_lock (&fixture->notifications->lock);
      for (guint i = 0; i < fixture->notifications->closed->len; i++)
        closed |= g_array_index (fixture->notifications->closed, guint32, i) == id;
      g_mutex_unlock (&fixture->notifications->lock);
      if (!closed)
        g_main_context_iteration (NULL, TRUE);
    }
  if (!timed_out)
    g_source_remove (timeout_id);
  g_assert_true (closed);
}

static char *
channels_json (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) channels = g_dbus_connection_call_sync (fixture->bus, APP_ID,
                                                              fixture->object_path,
                                                              STRAY_DBUS_INTERFACE,
                                                              "GetChannels", NULL,
                                                              G_VARIANT_TYPE ("(s)"),
                                                              G_DBUS_CALL_FLAGS_NONE, 5000,
                                                              NULL, &error);
  char *json;

  g_assert_no_error (error);
  g_variant_get (channels, "(s)", &json);
  return json;
}

/* stream-tray signed in as alice, in the background, connected to the devserver; its signals
 * subscribed to (for the bus to deliver its properties' changes). */
static GSubprocess *
start_daemon (Fixture *fixture,
              guint   *subscription)
{
  g_autoptr(GSubprocessLauncher) launcher = launcher_for (fixture, G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *input = g_strconcat (fixture->token, "\n", NULL);
  GSubprocess *daemon;

  *subscription = g_dbus_connection_signal_subscribe (fixture->bus, NULL, NULL, NULL, NULL,
                                                      NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                      on_any_signal, NULL, NULL);
  g_assert_cmpint (run_tray (fixture, input, &out, &err, "--set-account", "--server",
                             fixture->base_url, "--api-key", API_KEY, "--user", "alice", NULL),
                   ==, 0);
  daemon = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("STRAY_TEST_STREAM_TRAY"),
                                        "--background", NULL);
  g_assert_no_error (error);
  wait_for_state (fixture, "connected");
  return daemon;
}

/* Its quit action, and it ends well. */
static void
quit_daemon (Fixture     *fixture,
             GSubprocess *daemon,
             guint        subscription)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) quit = NULL;

  quit = g_dbus_connection_call_sync (fixture->bus, APP_ID, fixture->object_path,
                                      "org.gtk.Actions", "Activate",
                                      g_variant_new ("(sava{sv})", "quit", NULL, NULL),
                                      NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
  g_subprocess_wait (daemon, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (daemon));
  g_dbus_connection_signal_unsubscribe (fixture->bus, subscription);
}

/* bob invites alice to messaging:@id; the notification's @action button is pressed; the
 * notification goes once the server's answer came back, the server (another device's query
 * for alice) lists the channel under @status, and the model has the channel if accepted. */
static void
answer_invite (Fixture    *fixture,
               const char *id,
               const char *name,
               const char *action,
               const char *status)
{
  g_autofree char *path = g_strdup_printf ("/channels/messaging/%s/query", id);
  g_autofree char *body = g_strdup_printf ("{\"data\":{\"name\":\"%s\",\"created_by_id\":"
                                           "\"bob\",\"members\":[\"bob\"],"
                                           "\"invites\":[\"alice\"]}}", name);
  g_autofree char *summary = g_strdup_printf ("Bob Okafor invited you to #%s", name);
  g_autofree char *query = g_strdup_printf ("{\"filter_conditions\":{\"invite\":\"%s\"},"
                                            "\"user_id\":\"alice\"}", status);
  g_autofree char *cid = g_strdup_printf ("\"messaging:%s\"", id);
  g_autofree char *listed = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  Notified *invite;

  g_free (server_post (fixture, path, body));
  invite = wait_notified (fixture, summary, NULL);
  g_assert_nonnull (invite);
  g_assert_true (g_strv_contains ((const char * const *) invite->actions, "accept"));
  g_assert_true (g_strv_contains ((const char * const *) invite->actions, "decline"));
  before = channels_json (fixture);
  g_assert_null (strstr (before, cid));

  fake_notifications_invoke (fixture->notifications, invite->id, action);
  /* Withdrawn once the server's notification.invite_accepted (or _rejected) came back. */
  wait_closed (fixture, invite->id);
  listed = server_post (fixture, "/channels", query);
  g_assert_nonnull (strstr (listed, cid));
  after = channels_json (fixture);
  g_assert_true ((strstr (after, cid) != NULL) == g_str_equal (status, "accepted"));
}

/* Issue 17 items 1 and 4, end to end: bob invites alice; the notification's Accept reaches
 * the server, which another device (a server-side query for alice) sees as accepted, and the
 * notification goes when the server says so; a second invite is declined. Dana adds alice to
 * a channel: one notification, however often it happens. */
static void
test_daemon_invites (Fixture       *fixture,
                     G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(GSubprocess) daemon = NULL;
  Notified *added;
  guint subscription;

  daemon = start_daemon (fixture, &subscription);

  answer_invite (fixture, "design", "Design", "accept", "accepted");
  /* Declined: the server says rejected, and no channel comes. */
  answer_invite (fixture, "offsite", "Offsite", "decline", "rejected");

  /* Added: once, with the channel in the model at once. */
  g_free (server_post (fixture, "/channels/messaging/rota/query",
                       "{\"data\":{\"name\":\"Rota\",\"created_by_id\":\"dana\","
                       "\"members\":[\"dana\",\"alice\"]}}"));
  added = wait_notified (fixture, "You were added to #Rota by Dana Ruiz", NULL);
  g_assert_nonnull (added);
  {
    g_autofree char *channels = channels_json (fixture);

    g_assert_nonnull (strstr (channels, "\"messaging:rota\""));
  }
  g_free (server_post (fixture, "/channels/messaging/rota",
                       "{\"remove_members\":[\"alice\"]}"));
  g_free (server_post (fixture, "/channels/messaging/rota", "{\"add_members\":[\"alice\"]}"));
  /* A message after the second addition: once it shows, the addition was handled. */
  g_free (server_post (fixture, "/channels/messaging/rota/message",
                       "{\"message\":{\"text\":\"Rota is out\",\"user_id\":\"dana\"}}"));
  g_assert_nonnull (wait_notified (fixture, NULL, "Rota is out"));
  g_assert_cmpuint (count_notified (fixture, "You were added to #Rota by Dana Ruiz"), ==, 1);

  quit_daemon (fixture, daemon, subscription);
}

/* Issue 17 item 2, end to end: alice's reminder on a message of bob's falls due when the
 * devserver's clock passes it; the notification's "Remind me in 1 hour" reaches the server,
 * which another device (a server-side queryReminders for alice) sees an hour ahead, and the
 * notification goes when the server's reminder.updated says so. An unread reminder injected
 * over the socket becomes one quiet summary. */
static void
test_daemon_reminders (Fixture       *fixture,
                       G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(GSubprocess) daemon = NULL;
  g_autofree char *sent = NULL;
  g_autofree char *path = NULL;
  g_autofree char *body = NULL;
  g_autofree char *query = NULL;
  g_autofree char *listed = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) soon = g_date_time_add_minutes (now, 1);
  g_autoptr(GDateTime) half_hour = g_date_time_add_minutes (now, 30);
  g_autofree char *soon_text = g_date_time_format_iso8601 (soon);
  g_autofree char *half_hour_text = g_date_time_format_iso8601 (half_hour);
  const char *message_id;
  Notified *due, *unread;
  guint subscription;

  daemon = start_daemon (fixture, &subscription);

  sent = server_post (fixture, "/channels/messaging/general/message",
                      "{\"message\":{\"text\":\"Water the office plants\",\"user_id\":\"bob\"}}");
  g_assert_true (json_parser_load_from_data (parser, sent, -1, NULL));
  message_id = json_object_get_string_member (
    json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)),
                                   "message"), "id");
  path = g_strdup_printf ("/messages/%s/reminders", message_id);
  body = g_strdup_printf ("{\"user_id\":\"alice\",\"remind_at\":\"%s\"}", soon_text);
  g_free (server_post (fixture, path, body));
  g_free (server_post (fixture, "/_dev/clock", "{\"seconds\":120}"));

  due = wait_notified (fixture, "Reminder: Water the office plants", NULL);
  g_assert_nonnull (due);
  g_assert_nonnull (strstr (due->body, "General"));
  g_assert_true (g_strv_contains ((const char * const *) due->actions, "remind-later"));

  fake_notifications_invoke (fixture->notifications, due->id, "remind-later");
  /* Withdrawn once the server's reminder.updated came back, an hour ahead. */
  wait_closed (fixture, due->id);
  query = g_strdup_printf ("{\"user_id\":\"alice\",\"filter\":{\"message_id\":\"%s\","
                           "\"remind_at\":{\"$gt\":\"%s\"}}}", message_id, half_hour_text);
  listed = server_post (fixture, "/reminders/query", query);
  g_assert_nonnull (strstr (listed, message_id));

  /* Stream's unread reminder: one quiet summary. The demo's muted ops channel does not count. */
  g_free (server_post (fixture, "/_dev/inject",
                       "{\"user_id\":\"alice\",\"frames\":[\"{\\\"type\\\":"
                       "\\\"user.unread_message_reminder\\\",\\\"total_unread_count\\\":4,"
                       "\\\"channels\\\":{\\\"messaging:general\\\":{},"
                       "\\\"messaging:design-review\\\":{},\\\"team:ops\\\":{}}}\"]}"));
  unread = wait_notified (fixture, "Unread messages", NULL);
  g_assert_nonnull (unread);
  g_assert_cmpstr (unread->body, ==, "You have 4 unread messages in 2 channels");

  quit_daemon (fixture, daemon, subscription);
}

static void
test_set_account_refuses (Fixture       *fixture,
                          G_GNUC_UNUSED gconstpointer user_data)
{
  g_autofree char *out = NULL, *err = NULL;

  g_assert_cmpint (run_tray (fixture, "not-a-token\n", &out, &err, "--set-account", "--server",
                             fixture->base_url, "--api-key", API_KEY, "--user", "alice", NULL),
                   ==, 1);
  g_assert_nonnull (strstr (err, "not a JWT"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_tray (fixture, "a.b.c\n", &out, &err, "--set-account", "--server",
                             "ftp://example.org", "--api-key", API_KEY, "--user", "alice", NULL),
                   ==, 1);
  g_assert_nonnull (strstr (err, "not an http"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A plain http:// server elsewhere would see the token in clear text. */
  g_assert_cmpint (run_tray (fixture, "a.b.c\n", &out, &err, "--set-account", "--server",
                             "http://chat.example.org", "--api-key", API_KEY, "--user", "alice",
                             NULL),
                   ==, 1);
  g_assert_nonnull (strstr (err, "clear text"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_tray (fixture, "a.b.c\n", &out, &err, "--set-account", NULL), ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/stray/daemon/session", Fixture, NULL, fixture_set_up, test_daemon_session,
              fixture_tear_down);
  g_test_add ("/stray/daemon/invites", Fixture, NULL, fixture_set_up, test_daemon_invites,
              fixture_tear_down);
  g_test_add ("/stray/daemon/reminders", Fixture, NULL, fixture_set_up, test_daemon_reminders,
              fixture_tear_down);
  g_test_add ("/stray/daemon/set-account-refuses", Fixture, NULL, fixture_set_up,
              test_set_account_refuses, fixture_tear_down);

  return g_test_run ();
}
