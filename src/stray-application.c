/* stray-application.c: the stream-tray process and its command line
 *
 * A GApplication that runs in the background with no window, one instance per session, D-Bus
 * activatable. It owns the model (StraySession), the account, and the connection that keeps
 * the model up to date, and shows its state on the bus (StrayDbusService). It links no GTK:
 * the window is a module (src/ui) loaded the first time it is wanted, so that a daemon that
 * never shows it never maps GTK nor opens a display.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-application"

#include "config.h"

#include <glib/gi18n.h>
#include <gmodule.h>
#include <stdio.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <string.h>
#include <unistd.h>

#include "stray-account.h"
#include "stray-application.h"
#include "stray-autostart.h"
#include "stray-connection.h"
#include "stray-dbus-service.h"
#include "stray-dev-scenario.h"
#include "stray-devserver.h"
#include "stray-json.h"
#include "stray-replay.h"
#include "stray-launcher-entry.h"
#include "stray-notifier.h"
#include "stray-signed-tokens.h"
#include "stray-tray.h"
#include "stray-tray-menu.h"

struct _StrayApplication
{
  GApplication parent_instance;

  gboolean demo;
  gboolean held;
  GSettings *settings;
  StraySession *session;
  StrayAccount *account;
  StrayConnection *connection;
  StrayDevserver *devserver;
  StrayDbusService *dbus_service;
  StrayTrayMenu *tray_menu;
  StrayTray *tray;
  StrayLauncherEntry *launcher_entry;
  StrayAvatarCache *avatars;
  StrayNotifier *notifier;
  StrayAutostart *autostart;
  gboolean told_no_host;
  gboolean background;
  char *activation_token; /* of the request being handled, from the launcher */
  StrayUiShowFunc ui_show;
};

G_DEFINE_FINAL_TYPE (StrayApplication, stray_application, G_TYPE_APPLICATION)

/* ---- --replay ---- */

static void
print_rejection (guint         line_number,
                 const GError *error,
                 gpointer      user_data)
{
  const char *path = user_data;

  g_printerr ("%s:%u: frame rejected: %s\n", path, line_number, error->message);
}

/* Replays a recording and prints the resulting state; the exit status of the process. */
static int
run_replay (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);
  g_autoptr(GFileInputStream) input = NULL;
  g_autoptr(StraySession) session = stray_session_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;
  g_autofree char *display_path = g_filename_display_name (path);
  guint n_rejected = 0;

  input = g_file_read (file, NULL, &error);
  if (input == NULL ||
      !stray_replay_stream (session, G_INPUT_STREAM (input), print_rejection, display_path,
                            &n_rejected, NULL, &error))
    {
      g_printerr (_("stream-tray: cannot read %s: %s\n"), display_path, error->message);
      return EXIT_FAILURE;
    }

  state = stray_replay_describe_session (session, n_rejected);
  g_print ("%s\n", state);
  return EXIT_SUCCESS;
}

/* ---- --status ---- */

typedef struct {
  GMainLoop *loop;
  GDBusConnection *bus;
  guint32 total;
  guint32 channels;
  char *state;
} Status;

/* One JSON line; text, tooltip and class make it a Waybar/Polybar "json" module as it is. */
static void
print_status (Status *status)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = status->total > 0 ? g_strdup_printf ("%u", status->total)
                                            : g_strdup ("");
  g_autofree char *tooltip = g_strdup_printf (ngettext ("%u unread in %u channel",
                                                        "%u unread in %u channels",
                                                        status->channels),
                                              status->total, status->channels);
  g_autofree char *line = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, status->state);
  json_builder_set_member_name (builder, "total_unread_count");
  json_builder_add_int_value (builder, status->total);
  json_builder_set_member_name (builder, "unread_channels");
  json_builder_add_int_value (builder, status->channels);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, text);
  json_builder_set_member_name (builder, "tooltip");
  json_builder_add_string_value (builder, tooltip);
  json_builder_set_member_name (builder, "class");
  json_builder_add_string_value (builder, status->state);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  line = json_to_string (root, FALSE);
  g_print ("%s\n", line);
  fflush (stdout);
}

static void
read_properties (Status   *status,
                 GVariant *properties)
{
  GVariantIter iter;
  const char *name;
  GVariant *value;

  g_variant_iter_init (&iter, properties);
  while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
    {
      if (g_str_equal (name, "TotalUnread") && g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
        status->total = g_variant_get_uint32 (value);
      else if (g_str_equal (name, "UnreadChannels") &&
               g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
        status->channels = g_variant_get_uint32 (value);
      else if (g_str_equal (name, "State") && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        {
          g_free (status->state);
          status->state = g_variant_dup_string (value, NULL);
        }
      g_variant_unref (value);
    }
}

static gboolean
fetch_status (Status  *status,
              GError **error)
{
  g_autofree char *path = g_strdelimit (g_strconcat ("/", APP_ID, NULL), ".", '/');
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) properties = NULL;

  reply = g_dbus_connection_call_sync (status->bus, APP_ID, path,
                                       "org.freedesktop.DBus.Properties", "GetAll",
                                       g_variant_new ("(s)", STRAY_DBUS_INTERFACE),
                                       G_VARIANT_TYPE ("(a{sv})"),
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000, NULL, error);
  if (reply == NULL)
    return FALSE;
  properties = g_variant_get_child_value (reply, 0);
  read_properties (status, properties);
  return TRUE;
}

static void
on_properties_changed (G_GNUC_UNUSED GDBusConnection *bus,
                       G_GNUC_UNUSED const char      *sender,
                       G_GNUC_UNUSED const char      *path,
                       G_GNUC_UNUSED const char      *interface,
                       G_GNUC_UNUSED const char      *signal,
                       GVariant                      *parameters,
                       gpointer                       user_data)
{
  Status *status = user_data;
  g_autoptr(GVariant) changed = NULL;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sa{sv}as)")))
    return;
  changed = g_variant_get_child_value (parameters, 1);
  read_properties (status, changed);
  print_status (status);
}

static void
on_name_appeared (G_GNUC_UNUSED GDBusConnection *bus,
                  G_GNUC_UNUSED const char      *name,
                  G_GNUC_UNUSED const char      *owner,
                  gpointer                       user_data)
{
  Status *status = user_data;
  g_autoptr(GError) error = NULL;

  if (fetch_status (status, &error))
    print_status (status);
}

static void
on_name_vanished (G_GNUC_UNUSED GDBusConnection *bus,
                  G_GNUC_UNUSED const char      *name,
                  gpointer                       user_data)
{
  Status *status = user_data;

  g_free (status->state);
  status->state = g_strdup ("not-running");
  status->total = status->channels = 0;
  print_status (status);
}

static int
run_status (gboolean follow)
{
  g_autoptr(GError) error = NULL;
  Status status = { 0 };
  int exit_status = EXIT_SUCCESS;

  status.bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (status.bus == NULL)
    {
      g_printerr (_("stream-tray: no session bus: %s\n"), error->message);
      return EXIT_FAILURE;
    }

  if (!follow)
    {
      if (fetch_status (&status, &error))
        print_status (&status);
      else
        {
          g_printerr (_("stream-tray: Stream Tray is not running\n"));
          exit_status = EXIT_FAILURE;
        }
    }
  else
    {
      guint subscription, watch;

      subscription = g_dbus_connection_signal_subscribe (status.bus, APP_ID,
                                                         "org.freedesktop.DBus.Properties",
                                                         "PropertiesChanged", NULL,
                                                         STRAY_DBUS_INTERFACE,
                                                         G_DBUS_SIGNAL_FLAGS_NONE,
                                                         on_properties_changed, &status, NULL);
      watch = g_bus_watch_name_on_connection (status.bus, APP_ID, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                              on_name_appeared, on_name_vanished, &status, NULL);
      status.loop = g_main_loop_new (NULL, FALSE);
      g_main_loop_run (status.loop);
      g_bus_unwatch_name (watch);
      g_dbus_connection_signal_unsubscribe (status.bus, subscription);
      g_main_loop_unref (status.loop);
    }

  g_free (status.state);
  g_object_unref (status.bus);
  return exit_status;
}

/* ---- --set-account, --forget-account ---- */

/* The token comes on stdin, so that it is never in argv or the environment. */
static char *
read_token_from_stdin (void)
{
  char buffer[16 * 1024 + 2];
  gsize length;

  if (isatty (fileno (stdin)))
    g_printerr ("%s", _("Paste the user token, then press Enter: "));
  if (fgets (buffer, sizeof buffer, stdin) == NULL)
    return NULL;
  length = strlen (buffer);
  while (length > 0 && g_ascii_isspace (buffer[length - 1]))
    buffer[--length] = '\0';
  {
    char *token = g_strdup (buffer);

    memset (buffer, 0, sizeof buffer);
    return token;
  }
}

static int
run_set_account (GVariantDict *options)
{
  const char *server = NULL, *api_key = NULL, *user = NULL;
  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);
  g_autoptr(StrayAccount) account = stray_account_new (settings);
  g_autoptr(GError) error = NULL;
  char *token;
  gboolean ok;

  g_variant_dict_lookup (options, "server", "&s", &server);
  g_variant_dict_lookup (options, "api-key", "&s", &api_key);
  g_variant_dict_lookup (options, "user", "&s", &user);
  if (server == NULL || api_key == NULL || user == NULL)
    {
      g_printerr ("%s\n", _("stream-tray: --set-account needs --server URL, --api-key KEY and "
                            "--user ID; the token is read from stdin"));
      return 2;
    }

  token = read_token_from_stdin ();
  ok = token != NULL &&
       stray_account_set_up (account, server, api_key, user, token, NULL, &error);
  if (token != NULL)
    memset (token, 0, strlen (token));
  g_free (token);
  if (!ok)
    {
      g_printerr (_("stream-tray: cannot set up the account: %s\n"),
                  error != NULL ? error->message : _("no token on stdin"));
      return EXIT_FAILURE;
    }
  g_print (_("Stream Tray will connect to %s as %s; the token is in the keyring.\n"), server,
           user);
  return EXIT_SUCCESS;
}

static int
run_forget_account (void)
{
  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);
  g_autoptr(StrayAccount) account = stray_account_new (settings);
  g_autoptr(GError) error = NULL;

  if (!stray_account_forget (account, NULL, &error))
    {
      g_printerr (_("stream-tray: cannot forget the account: %s\n"), error->message);
      return EXIT_FAILURE;
    }
  g_print ("%s\n", _("The account and its token are forgotten."));
  return EXIT_SUCCESS;
}

/* ---- the daemon ---- */

static void
on_demo_state (StraySession     *session,
               G_GNUC_UNUSED GParamSpec *pspec,
               G_GNUC_UNUSED gpointer    user_data)
{
  g_print ("state: %s — %u unread in %u channels\n",
           stray_connection_state_to_string (stray_session_get_connection_state (session)),
           stray_session_get_total_unread_count (session),
           stray_session_get_unread_channels (session));
  fflush (stdout);
}

/* What a notification would show, until notifications arrive. */
static void
on_demo_event (StrayConnection  *connection,
               const StrayEvent *event,
               gboolean          live,
               StrayApplication *self)
{
  StrayChannel *channel;
  const char *author;

  if (!live || event->message == NULL || event->cid == NULL ||
      (event->type != STRAY_EVENT_MESSAGE_NEW &&
       event->type != STRAY_EVENT_NOTIFICATION_MESSAGE_NEW))
    return;
  if (event->message->user != NULL &&
      g_strcmp0 (event->message->user->id, stray_session_get_user_id (self->session)) == 0)
    return;
  channel = stray_channel_list_lookup (stray_session_get_channels (self->session), event->cid);
  if (channel != NULL && stray_channel_get_muted (channel))
    return;
  author = event->message->user != NULL ? (event->message->user->name ?: event->message->user->id)
                                        : "?";
  g_print ("message: %s — %s: %s\n",
           channel != NULL ? stray_channel_get_title (channel) : event->cid,
           author, event->message->text != NULL ? event->message->text : "");
  fflush (stdout);
  (void) connection;
}

static void
on_connection_event (G_GNUC_UNUSED StrayConnection *connection,
                     const StrayEvent              *event,
                     gboolean                       live,
                     StrayApplication              *self)
{
  if (self->notifier != NULL)
    stray_notifier_handle_event (self->notifier, event, live);
}

static void
on_synced (G_GNUC_UNUSED StrayConnection *connection,
           StrayApplication              *self)
{
  /* A resync parses every channel's JSON; most of it is garbage once the model has what
   * it needs. */
  stray_application_release_memory (self);
}

static void
start_connection (StrayApplication   *self,
                  const char         *base_url,
                  const char         *api_key,
                  const char         *user_id,
                  StrayTokenProvider *tokens)
{
  g_autoptr(StrayClient) client = stray_client_new (base_url, api_key, user_id, tokens);

  self->connection = stray_connection_new (self->session, client);
  g_signal_connect (self->connection, "event", G_CALLBACK (on_connection_event), self);
  g_signal_connect (self->connection, "synced", G_CALLBACK (on_synced), self);
  if (self->demo)
    g_signal_connect (self->connection, "event", G_CALLBACK (on_demo_event), self);
  stray_connection_start (self->connection);
}

static void
configure (StrayApplication *self)
{
  if (self->connection != NULL)
    {
      stray_connection_stop (self->connection);
      g_clear_object (&self->connection);
    }
  if (!stray_account_is_configured (self->account))
    {
      g_debug ("no account set up: waiting for one");
      stray_session_clear (self->session);
      stray_session_set_connection_state (self->session, STRAY_CONNECTION_NOT_CONFIGURED);
      return;
    }
  start_connection (self, stray_account_get_server_url (self->account),
                    stray_account_get_api_key (self->account),
                    stray_account_get_user_id (self->account),
                    STRAY_TOKEN_PROVIDER (self->account));
}

static void
on_account_configured (G_GNUC_UNUSED StrayAccount *account,
                       G_GNUC_UNUSED GParamSpec   *pspec,
                       StrayApplication           *self)
{
  configure (self);
}

static gboolean
start_demo (StrayApplication  *self,
            GError           **error)
{
  g_autofree char *secret = g_uuid_string_random ();
  g_autoptr(StraySignedTokens) tokens = NULL;

  /* A secret of the moment: the demo server lives as long as this process. */
  self->devserver = g_object_new (STRAY_TYPE_DEVSERVER, "api-key", "stream-tray-demo",
                                  "secret", secret, NULL);
  if (!stray_dev_scenario_apply (self->devserver, "demo", error) ||
      !stray_devserver_listen (self->devserver, "127.0.0.1:0", error))
    return FALSE;
  stray_dev_scenario_set_avatars (self->devserver);
  g_print ("demo: the local server runs at %s; connecting as %s\n",
           stray_devserver_get_base_url (self->devserver), STRAY_DEV_SCENARIO_USER);
  fflush (stdout);

  g_signal_connect (self->session, "notify::connection-state", G_CALLBACK (on_demo_state),
                    NULL);
  g_signal_connect (self->session, "notify::total-unread-count", G_CALLBACK (on_demo_state),
                    NULL);
  g_signal_connect (self->session, "notify::unread-channels", G_CALLBACK (on_demo_state), NULL);
  tokens = stray_signed_tokens_new (secret, STRAY_DEV_SCENARIO_USER, 0);
  start_connection (self, stray_devserver_get_base_url (self->devserver), "stream-tray-demo",
                    STRAY_DEV_SCENARIO_USER, STRAY_TOKEN_PROVIDER (tokens));
  return TRUE;
}

/* ---- actions ---- */

static void
on_action_done (GObject      *source,
                GAsyncResult *result,
                G_GNUC_UNUSED gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = stray_client_call_finish (STRAY_CLIENT (source), result, &error);

  if (answer == NULL)
    g_message ("the server refused: %s", error->message);
}

static StrayClient *
client_of (StrayApplication *self)
{
  return self->connection != NULL ? stray_connection_get_client (self->connection) : NULL;
}

static void
action_mark_all_read (G_GNUC_UNUSED GSimpleAction *action,
                      G_GNUC_UNUSED GVariant      *parameter,
                      gpointer                     user_data)
{
  StrayClient *client = client_of (user_data);

  if (client != NULL)
    stray_client_mark_all_read_async (client, NULL, on_action_done, NULL);
}

static void
action_mark_read (G_GNUC_UNUSED GSimpleAction *action,
                  GVariant                    *parameter,
                  gpointer                     user_data)
{
  StrayApplication *self = user_data;
  StrayClient *client = client_of (self);
  const char *cid = g_variant_get_string (parameter, NULL);

  if (client != NULL &&
      stray_channel_list_lookup (stray_session_get_channels (self->session), cid) != NULL)
    stray_client_mark_read_async (client, cid, NULL, on_action_done, NULL);
}

static void
action_send_message (G_GNUC_UNUSED GSimpleAction *action,
                     GVariant                    *parameter,
                     gpointer                     user_data)
{
  StrayApplication *self = user_data;
  StrayClient *client = client_of (self);
  const char *cid, *text;

  g_variant_get (parameter, "(&s&s)", &cid, &text);
  if (client != NULL && *text != '\0' &&
      stray_channel_list_lookup (stray_session_get_channels (self->session), cid) != NULL)
    stray_client_send_message_async (client, cid, text, NULL, on_action_done, NULL);
}

static void
action_open_channel (G_GNUC_UNUSED GSimpleAction *action,
                     GVariant                    *parameter,
                     gpointer                     user_data)
{
  stray_application_show_window (user_data, STRAY_WINDOW_PRESENT,
                                 g_variant_get_string (parameter, NULL));
}

static void
action_toggle_window (G_GNUC_UNUSED GSimpleAction *action,
                      G_GNUC_UNUSED GVariant      *parameter,
                      gpointer                     user_data)
{
  stray_application_show_window (user_data, STRAY_WINDOW_TOGGLE, NULL);
}

static void
action_preferences (G_GNUC_UNUSED GSimpleAction *action,
                    G_GNUC_UNUSED GVariant      *parameter,
                    gpointer                     user_data)
{
  stray_application_show_window (user_data, STRAY_WINDOW_PREFERENCES, NULL);
}

/* "hour", "tomorrow" (8 o'clock tomorrow morning) or "resume". */
static void
action_pause_notifications (G_GNUC_UNUSED GSimpleAction *action,
                            GVariant                    *parameter,
                            gpointer                     user_data)
{
  StrayApplication *self = user_data;
  const char *how = g_variant_get_string (parameter, NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  gint64 until = 0;

  if (g_str_equal (how, "hour"))
    until = g_date_time_to_unix (now) + 3600;
  else if (g_str_equal (how, "tomorrow"))
    {
      g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
      g_autoptr(GDateTime) morning = g_date_time_new_local (g_date_time_get_year (tomorrow),
                                                            g_date_time_get_month (tomorrow),
                                                            g_date_time_get_day_of_month (tomorrow),
                                                            8, 0, 0);

      until = g_date_time_to_unix (morning);
    }
  else if (!g_str_equal (how, "resume"))
    return;
  if (self->settings != NULL)
    g_settings_set_int64 (self->settings, "notifications-paused-until", until);
}

static void
action_reconnect (G_GNUC_UNUSED GSimpleAction *action,
                  G_GNUC_UNUSED GVariant      *parameter,
                  gpointer                     user_data)
{
  StrayApplication *self = user_data;

  if (self->connection != NULL)
    stray_connection_reconnect (self->connection);
}

static void
action_quit (G_GNUC_UNUSED GSimpleAction *action,
             G_GNUC_UNUSED GVariant      *parameter,
             gpointer                     user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry actions[] = {
  { "toggle-window", action_toggle_window, NULL, NULL, NULL, { 0 } },
  { "preferences", action_preferences, NULL, NULL, NULL, { 0 } },
  { "pause-notifications", action_pause_notifications, "s", NULL, NULL, { 0 } },
  { "mark-all-read", action_mark_all_read, NULL, NULL, NULL, { 0 } },
  { "mark-read", action_mark_read, "s", NULL, NULL, { 0 } },
  { "send-message", action_send_message, "(ss)", NULL, NULL, { 0 } },
  { "open-channel", action_open_channel, "s", NULL, NULL, { 0 } },
  { "reconnect", action_reconnect, NULL, NULL, NULL, { 0 } },
  { "quit", action_quit, NULL, NULL, NULL, { 0 } },
};

static void
on_hide_icon_changed (GSettings        *settings,
                      const char       *key,
                      StrayApplication *self)
{
  stray_tray_set_hide_when_idle (self->tray, g_settings_get_boolean (settings, key));
}

/* Nobody should be left with an app they cannot see: say once where it is. */
static void
on_no_tray_host (G_GNUC_UNUSED StrayTray *tray,
                 StrayApplication        *self)
{
  g_autoptr(GNotification) notification = NULL;

  if (self->told_no_host)
    return;
  self->told_no_host = TRUE;
  notification = g_notification_new (_("Stream Tray runs in the background"));
  g_notification_set_body (notification,
                           _("This desktop shows no tray icons. The unread count shows on the "
                             "dock, and launching Stream Tray again opens its window."));
  g_application_send_notification (G_APPLICATION (self), "no-tray", notification);
}

/* ---- GApplication ---- */

/* Registers now, to know whether another instance runs; says why not on stderr. */
static gboolean
register_or_report (GApplication *application)
{
  g_autoptr(GError) error = NULL;

  if (g_application_register (application, NULL, &error))
    return TRUE;
  g_printerr ("stream-tray: %s\n", error->message);
  return FALSE;
}

static int
stray_application_handle_local_options (GApplication *application,
                                        GVariantDict *options)
{
  StrayApplication *self = STRAY_APPLICATION (application);
  const char *replay_path = NULL;
  const char *open_cid = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("stream-tray %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }
  if (g_variant_dict_lookup (options, "replay", "^&ay", &replay_path))
    return run_replay (replay_path);
  if (g_variant_dict_contains (options, "status"))
    return run_status (g_variant_dict_contains (options, "follow"));
  if (g_variant_dict_contains (options, "set-account"))
    return run_set_account (options);
  if (g_variant_dict_contains (options, "forget-account"))
    return run_forget_account ();
  self->demo = g_variant_dict_contains (options, "demo");
  self->background = g_variant_dict_contains (options, "background");
  if (self->background && !self->demo)
    {
      /* At login with the daemon already running (D-Bus activated, say): nothing to do, and
       * certainly no window. */
      if (!register_or_report (application))
        return EXIT_FAILURE;
      if (g_application_get_is_remote (application))
        return EXIT_SUCCESS;
    }
  if (g_variant_dict_lookup (options, "open", "&s", &open_cid))
    {
      if (!register_or_report (application))
        return EXIT_FAILURE;
      /* To the running instance, with this launch's activation token, or to this one. */
      g_action_group_activate_action (G_ACTION_GROUP (application), "open-channel",
                                      g_variant_new_string (open_cid));
      if (g_application_get_is_remote (application))
        {
          g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);

          if (bus != NULL)
            g_dbus_connection_flush_sync (bus, NULL, NULL);
          return EXIT_SUCCESS;
        }
      self->background = TRUE; /* the window is open already */
    }
  if (self->demo)
    {
      /* The demo is this session's instance, not a message to another one. */
      if (!register_or_report (application))
        return EXIT_FAILURE;
      if (g_application_get_is_remote (application))
        {
          g_printerr ("%s\n", _("stream-tray: Stream Tray is already running in this session; "
                                "quit it first, or run the demo on a bus of its own: "
                                "dbus-run-session stream-tray --demo"));
          return EXIT_FAILURE;
        }
    }

  return G_APPLICATION_CLASS (stray_application_parent_class)->handle_local_options (application,
                                                                                     options);
}

/* "stream-tray" when that is what PATH finds, else this very executable (a build tree). */
static char *
autostart_executable (void)
{
  g_autofree char *self_path = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *on_path = g_find_program_in_path ("stream-tray");
  g_autofree char *on_path_real = on_path != NULL ? g_canonicalize_filename (on_path, NULL)
                                                  : NULL;

  if (self_path == NULL || g_strcmp0 (self_path, on_path_real) == 0)
    return g_strdup ("stream-tray");
  return g_steal_pointer (&self_path);
}

static void
stray_application_startup (GApplication *application)
{
  StrayApplication *self = STRAY_APPLICATION (application);
  g_autoptr(GError) error = NULL;

  G_APPLICATION_CLASS (stray_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), actions, G_N_ELEMENTS (actions), self);
  self->settings = g_settings_new (SCHEMA_ID);
  g_signal_connect (self->settings, "changed::hide-icon-when-idle",
                    G_CALLBACK (on_hide_icon_changed), self);
  on_hide_icon_changed (self->settings, "hide-icon-when-idle", self);
  {
    g_autofree char *avatars = g_build_filename (g_get_user_cache_dir (), "stream-tray",
                                                 "avatars", NULL);

    self->avatars = stray_avatar_cache_new (avatars);
    self->notifier = stray_notifier_new (self->session, G_ACTION_GROUP (self), self->settings,
                                         self->avatars);
  }
  {
    g_autofree char *executable = autostart_executable ();

    self->autostart = stray_autostart_new (self->settings, executable,
                                           stray_application_is_sandboxed ());
  }
  if (self->demo)
    {
      if (!start_demo (self, &error))
        {
          g_printerr ("stream-tray: the demo cannot start: %s\n", error->message);
          g_application_quit (application);
        }
      return;
    }

  self->account = stray_account_new (self->settings);
  g_signal_connect (self->account, "notify::configured", G_CALLBACK (on_account_configured),
                    self);
  configure (self);
}

static void
stray_application_activate (GApplication *application)
{
  StrayApplication *self = STRAY_APPLICATION (application);

  /* A background service: it keeps running when its window closes. Started at login
   * (--background) or by D-Bus it shows nothing; launched by the user, or launched again
   * (how a desktop without a tray reaches it), it opens the window. */
  if (!self->held)
    {
      g_application_hold (application);
      self->held = TRUE;
      if (self->background)
        return;
    }
  stray_application_show_window (self, STRAY_WINDOW_PRESENT, NULL);
}

/* In the instance being launched: the token that lets the running one take focus. */
static void
stray_application_add_platform_data (GApplication    *application,
                                     GVariantBuilder *builder)
{
  const char *activation_token = g_getenv ("XDG_ACTIVATION_TOKEN");
  const char *startup_id = g_getenv ("DESKTOP_STARTUP_ID");

  G_APPLICATION_CLASS (stray_application_parent_class)->add_platform_data (application, builder);
  if (activation_token != NULL && *activation_token != '\0')
    g_variant_builder_add (builder, "{sv}", "activation-token",
                           g_variant_new_string (activation_token));
  if (startup_id != NULL && *startup_id != '\0')
    g_variant_builder_add (builder, "{sv}", "desktop-startup-id",
                           g_variant_new_string (startup_id));
}

static void
stray_application_before_emit (GApplication *application,
                               GVariant     *platform_data)
{
  StrayApplication *self = STRAY_APPLICATION (application);
  const char *token = NULL;

  G_APPLICATION_CLASS (stray_application_parent_class)->before_emit (application, platform_data);
  g_clear_pointer (&self->activation_token, g_free);
  if (g_variant_lookup (platform_data, "activation-token", "&s", &token) ||
      g_variant_lookup (platform_data, "desktop-startup-id", "&s", &token))
    self->activation_token = g_strdup (token);
}

static void
stray_application_after_emit (GApplication *application,
                              GVariant     *platform_data)
{
  StrayApplication *self = STRAY_APPLICATION (application);

  g_clear_pointer (&self->activation_token, g_free);
  G_APPLICATION_CLASS (stray_application_parent_class)->after_emit (application, platform_data);
}

static gboolean
stray_application_dbus_register (GApplication     *application,
                                 GDBusConnection  *connection,
                                 const char       *object_path,
                                 GError          **error)
{
  StrayApplication *self = STRAY_APPLICATION (application);

  if (!G_APPLICATION_CLASS (stray_application_parent_class)->dbus_register (application,
                                                                            connection,
                                                                            object_path, error))
    return FALSE;
  if (!stray_dbus_service_export (self->dbus_service, connection, object_path, error))
    return FALSE;
  if (!stray_tray_export (self->tray, connection, error))
    return FALSE;
  {
    g_autofree char *entry_path = g_strconcat (object_path, "/LauncherEntry", NULL);

    stray_launcher_entry_start (self->launcher_entry, connection, entry_path);
  }
  return TRUE;
}

static void
stray_application_dbus_unregister (GApplication    *application,
                                   GDBusConnection *connection,
                                   const char      *object_path)
{
  StrayApplication *self = STRAY_APPLICATION (application);

  stray_dbus_service_unexport (self->dbus_service);
  stray_tray_unexport (self->tray);
  stray_launcher_entry_stop (self->launcher_entry);
  G_APPLICATION_CLASS (stray_application_parent_class)->dbus_unregister (application, connection,
                                                                         object_path);
}

static void
stray_application_shutdown (GApplication *application)
{
  StrayApplication *self = STRAY_APPLICATION (application);

  if (self->connection != NULL)
    stray_connection_stop (self->connection);
  G_APPLICATION_CLASS (stray_application_parent_class)->shutdown (application);
}

static void
stray_application_dispose (GObject *object)
{
  StrayApplication *self = STRAY_APPLICATION (object);

  if (self->account != NULL)
    g_signal_handlers_disconnect_by_data (self->account, self);
  g_clear_object (&self->connection);
  g_clear_object (&self->dbus_service);
  g_clear_object (&self->tray);
  g_clear_object (&self->tray_menu);
  g_clear_object (&self->launcher_entry);
  g_clear_object (&self->notifier);
  g_clear_object (&self->autostart);
  g_clear_object (&self->avatars);
  g_clear_object (&self->account);
  g_clear_object (&self->settings);
  g_clear_object (&self->devserver);
  g_clear_object (&self->session);
  g_clear_pointer (&self->activation_token, g_free);

  G_OBJECT_CLASS (stray_application_parent_class)->dispose (object);
}

static void
stray_application_class_init (StrayApplicationClass *klass)
{
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = stray_application_dispose;
  application_class->handle_local_options = stray_application_handle_local_options;
  application_class->startup = stray_application_startup;
  application_class->activate = stray_application_activate;
  application_class->add_platform_data = stray_application_add_platform_data;
  application_class->before_emit = stray_application_before_emit;
  application_class->after_emit = stray_application_after_emit;
  application_class->dbus_register = stray_application_dbus_register;
  application_class->dbus_unregister = stray_application_dbus_unregister;
  application_class->shutdown = stray_application_shutdown;
}

static void
stray_application_init (StrayApplication *self)
{
  static const GOptionEntry entries[] = {
    { "status", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Print the running instance's state as one JSON line and exit"), NULL },
    { "follow", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("With --status: print a line on every change (a Waybar or Polybar module)"), NULL },
    { "set-account", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Set up the account; the user token is read from stdin and kept in the keyring"),
      NULL },
    { "server", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("With --set-account: the server's URL, e.g. https://chat.stream-io-api.com"), N_("URL") },
    { "api-key", 0, 0, G_OPTION_ARG_STRING, NULL, N_("With --set-account: the app's API key"),
      N_("KEY") },
    { "user", 0, 0, G_OPTION_ARG_STRING, NULL, N_("With --set-account: the user ID"), N_("ID") },
    { "forget-account", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Forget the account and remove its token from the keyring"), NULL },
    { "open", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Open the window on a channel, e.g. messaging:general"), N_("CID") },
    { "background", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Start in the background, without opening the window"), NULL },
    { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Run against a built-in demo server, printing what happens"), NULL },
    { "replay", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Replay a recording of frames, one per line, and print the final state as JSON"),
      N_("FILE") },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Unread counts and notifications for Stream Chat"));
  self->session = stray_session_new ();
  self->dbus_service = stray_dbus_service_new (self->session);
  self->tray_menu = stray_tray_menu_new (self->session);
  self->tray = stray_tray_new (self->session, G_ACTION_GROUP (self),
                               stray_tray_menu_get_model (self->tray_menu));
  g_signal_connect (self->tray, "no-host", G_CALLBACK (on_no_tray_host), self);
  self->launcher_entry = stray_launcher_entry_new (self->session);
}

StrayApplication *
stray_application_new (void)
{
  return g_object_new (STRAY_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}

/* ---- the window and what it needs ---- */

/**
 * stray_application_get_build_dir:
 *
 * Running from a build directory (meson's, uninstalled, as the tests and the demo do), the
 * window module and the translations are there rather than where they would be installed.
 *
 * Returns: (transfer full) (nullable): the build directory, or %NULL when installed
 */
char *
stray_application_get_build_dir (void)
{
  g_autofree char *executable = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *directory = NULL;
  g_autofree char *name = NULL;
  g_autofree char *build_dir = NULL;
  g_autofree char *meson_private = NULL;

  if (executable == NULL)
    return NULL;
  directory = g_path_get_dirname (executable);
  name = g_path_get_basename (directory);
  build_dir = g_path_get_dirname (directory);
  meson_private = g_build_filename (build_dir, "meson-private", NULL);
  if (!g_str_equal (name, "src") || !g_file_test (meson_private, G_FILE_TEST_IS_DIR))
    return NULL;
  return g_steal_pointer (&build_dir);
}

static char *
find_ui_module (void)
{
  g_autofree char *build_dir = stray_application_get_build_dir ();

  if (build_dir != NULL)
    return g_build_filename (build_dir, "src", "ui", "libstray-ui.so", NULL);
  return g_build_filename (STRAY_PKGLIBDIR, "libstray-ui.so", NULL);
}

static StrayUiShowFunc
load_ui (StrayApplication *self)
{
  g_autofree char *path = NULL;
  GModule *module;
  gpointer show = NULL;
  gint64 start;

  if (self->ui_show != NULL)
    return self->ui_show;
  path = find_ui_module ();
  start = g_get_monotonic_time ();
  module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      g_warning ("The window cannot be loaded: %s", g_module_error ());
      return NULL;
    }
  if (!g_module_symbol (module, STRAY_UI_SHOW_SYMBOL, &show) || show == NULL)
    {
      g_warning ("%s is not Stream Tray's window module", path);
      g_module_close (module);
      return NULL;
    }
  /* GTK, once initialised, cannot be unloaded. */
  g_module_make_resident (module);
  g_debug ("window module loaded in %.1f ms", (g_get_monotonic_time () - start) / 1000.0);
  self->ui_show = (StrayUiShowFunc) show;
  return self->ui_show;
}

void
stray_application_set_ui (StrayApplication *self,
                          StrayUiShowFunc   show)
{
  g_return_if_fail (STRAY_IS_APPLICATION (self));

  self->ui_show = show;
}

/**
 * stray_application_show_window:
 * @cid: (nullable): the channel to show
 *
 * Opens, raises or closes the window, loading it first if need be; with the activation token
 * of the launch or notification click that asked, so that it gets focus on Wayland too.
 */
void
stray_application_show_window (StrayApplication   *self,
                               StrayWindowRequest  request,
                               const char         *cid)
{
  StrayUiShowFunc show;
  const char *token;

  g_return_if_fail (STRAY_IS_APPLICATION (self));

  show = load_ui (self);
  if (show == NULL)
    return;
  token = self->activation_token;
  if (token == NULL && cid != NULL && self->notifier != NULL)
    token = stray_notifier_get_activation_token (self->notifier);
  show (self, request, cid, token);
}

StraySession *
stray_application_get_session (StrayApplication *self)
{
  g_return_val_if_fail (STRAY_IS_APPLICATION (self), NULL);
  return self->session;
}

/* Returns: (nullable): the REST client of the current account, or the demo's */
StrayClient *
stray_application_get_client (StrayApplication *self)
{
  g_return_val_if_fail (STRAY_IS_APPLICATION (self), NULL);
  return client_of (self);
}

/* Returns: (nullable): the account; none in the demo */
StrayAccount *
stray_application_get_account (StrayApplication *self)
{
  g_return_val_if_fail (STRAY_IS_APPLICATION (self), NULL);
  return self->account;
}

GSettings *
stray_application_get_settings (StrayApplication *self)
{
  g_return_val_if_fail (STRAY_IS_APPLICATION (self), NULL);
  return self->settings;
}

StrayAvatarCache *
stray_application_get_avatars (StrayApplication *self)
{
  g_return_val_if_fail (STRAY_IS_APPLICATION (self), NULL);
  return self->avatars;
}

/* Returns: (nullable): why the connection failed last, e.g. the server's refusal of a token */
const GError *
stray_application_get_connection_error (StrayApplication *self)
{
  g_return_val_if_fail (STRAY_IS_APPLICATION (self), NULL);
  return self->connection != NULL ? stray_connection_get_error (self->connection) : NULL;
}

gboolean
stray_application_is_demo (StrayApplication *self)
{
  g_return_val_if_fail (STRAY_IS_APPLICATION (self), FALSE);
  return self->demo;
}

/* The channel on screen in the focused window, which no notification interrupts. */
void
stray_application_set_focused_channel (StrayApplication *self,
                                       const char       *cid)
{
  g_return_if_fail (STRAY_IS_APPLICATION (self));

  if (self->notifier != NULL)
    stray_notifier_set_focused_channel (self->notifier, cid);
}

/**
 * stray_application_use_plain_malloc:
 * @argv: main()'s, to start again with
 *
 * GLib before 2.76 hands out GSlice memory from its own magazines, which keep what is freed:
 * about 1 MiB in the daemon after a resync of 1,000 channels. GLib 2.76 made GSlice plain
 * malloc; G_SLICE=always-malloc does the same for older ones. GLib reads it as it loads,
 * before main(), so the process starts itself again with it set, and then takes it out of the
 * environment again, for the programs it starts. A G_SLICE of the user's own (valgrind users
 * set one) is left alone. Called first thing in main(), while the process has one thread.
 */
void
stray_application_use_plain_malloc (char *argv[])
{
  if (g_getenv ("STREAM_TRAY_SET_G_SLICE") != NULL)
    {
      g_unsetenv ("STREAM_TRAY_SET_G_SLICE");
      g_unsetenv ("G_SLICE");
      return;
    }
  if (glib_check_version (2, 76, 0) == NULL || g_getenv ("G_SLICE") != NULL)
    return;
  g_setenv ("G_SLICE", "always-malloc", TRUE);
  g_setenv ("STREAM_TRAY_SET_G_SLICE", "1", TRUE);
  execv ("/proc/self/exe", argv);
  /* Carry on as we are. */
  g_unsetenv ("STREAM_TRAY_SET_G_SLICE");
  g_unsetenv ("G_SLICE");
}

static gboolean rendering_env_set;
static char *users_gdk_debug; /* GDK_DEBUG as the user set it, if at all */

/**
 * stray_application_set_rendering_env:
 *
 * For a small window, GTK's cairo renderer without GL: GL set-up alone costs tens of MB
 * under Mesa, and GTK 4.8 makes a GL context at gtk_init even for the cairo renderer unless
 * GL is disabled (../shared/docs/desktop-notes.md, "Memory"). A user's GSK_RENDERER wins.
 * Called first thing in main(), while the process has one thread, since setenv is not
 * thread-safe.
 *
 * Returns: whether the environment was changed
 */
gboolean
stray_application_set_rendering_env (void)
{
  const char *debug = g_getenv ("GDK_DEBUG");
  g_autofree char *new_debug = NULL;

  if (g_getenv ("GSK_RENDERER") != NULL)
    return FALSE;
  new_debug = debug != NULL && *debug != '\0' ? g_strconcat (debug, ",gl-disable", NULL)
                                              : g_strdup ("gl-disable");
  users_gdk_debug = g_strdup (debug);
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GDK_DEBUG", new_debug, TRUE);
  rendering_env_set = TRUE;
  return TRUE;
}

/* What this process chose for itself is not for the programs it launches (a browser). */
void
stray_application_unset_rendering_env (GAppLaunchContext *context)
{
  if (!rendering_env_set)
    return;
  g_app_launch_context_unsetenv (context, "GSK_RENDERER");
  if (users_gdk_debug != NULL)
    g_app_launch_context_setenv (context, "GDK_DEBUG", users_gdk_debug);
  else
    g_app_launch_context_unsetenv (context, "GDK_DEBUG");
}

static gboolean
release_memory (G_GNUC_UNUSED gpointer user_data)
{
#ifdef __GLIBC__
  malloc_trim (0);
#endif
  return G_SOURCE_REMOVE;
}

/**
 * stray_application_release_memory:
 *
 * After a burst of work whose memory is freed (a resync, a closed window), gives the free
 * pages back to the system, once the main loop is idle: malloc keeps freed memory for later
 * otherwise, and a background daemon's later is mostly waiting.
 */
void
stray_application_release_memory (StrayApplication *self)
{
  g_return_if_fail (STRAY_IS_APPLICATION (self));

  g_idle_add_full (G_PRIORITY_LOW, release_memory, NULL, NULL);
}

/* Inside Flatpak, where what the portals keep is all there is. */
gboolean
stray_application_is_sandboxed (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}
