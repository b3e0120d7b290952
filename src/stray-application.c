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

#include "stray-application-private.h"
#include "stray-command-line.h"
#include "stray-environment.h"
#include "stray-fixed-token.h"
#include "stray-server-url.h"
#include "stray-ui-loader.h"

G_DEFINE_FINAL_TYPE (StrayApplication, stray_application, G_TYPE_APPLICATION)

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
  /* A thread's reply is told by notification.thread_message_new, not by the channel's events. */
  gboolean in_thread = event->message != NULL && event->message->parent_id != NULL &&
                       !event->message->show_in_channel;

  if (!live || event->message == NULL || event->cid == NULL ||
      (event->type == STRAY_EVENT_NOTIFICATION_THREAD_MESSAGE_NEW) != in_thread ||
      (!in_thread && event->type != STRAY_EVENT_MESSAGE_NEW &&
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
  g_print ("message: %s%s — %s: %s\n",
           channel != NULL ? stray_channel_get_title (channel) : event->cid,
           in_thread ? " (thread)" : "",
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

  /* Where avatars may be fetched from depends on where the server is. */
  stray_avatar_cache_set_server_url (self->avatars, base_url);
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
  g_autoptr(GError) error = NULL;

  if (self->connection != NULL)
    {
      stray_connection_stop (self->connection);
      g_clear_object (&self->connection);
    }
  if (!stray_account_is_configured (self->account))
    {
      g_debug ("no account set up: waiting for one");
      /* …and the state is not-configured again, until a connection says otherwise. */
      stray_session_clear (self->session);
      return;
    }
  /* The settings can be edited behind the setup page's back: the same rule holds. */
  if (!stray_server_url_check (stray_account_get_server_url (self->account), &error))
    {
      g_warning ("not connecting: %s", error->message);
      stray_session_clear (self->session);
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

static void
on_demo_server_exited (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  StrayApplication *self = user_data;

  /* Its end is the demo's, unless the demo is ending anyway (cancelled at shutdown). */
  if (!g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL))
    return;
  g_printerr ("stream-tray: the demo's server stopped\n");
  g_application_quit (G_APPLICATION (self));
}

static void
on_demo_server_started (G_GNUC_UNUSED GObject *source,
                        GAsyncResult          *result,
                        gpointer               user_data)
{
  g_autoptr(StrayApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayFixedToken) token = NULL;
  g_autofree char *dev_token = NULL;

  self->demo_server = stray_demo_server_start_finish (result, &error);
  if (self->demo_server == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_printerr ("stream-tray: the demo cannot start: %s\n", error->message);
      g_application_quit (G_APPLICATION (self));
      return;
    }
  g_subprocess_wait_async (stray_demo_server_get_process (self->demo_server), self->cancellable,
                           on_demo_server_exited, self);
  g_print ("demo: the local server runs at %s; connecting as %s\n",
           stray_demo_server_get_base_url (self->demo_server), STRAY_DEMO_SERVER_USER);
  fflush (stdout);

  g_signal_connect (self->session, "notify::connection-state", G_CALLBACK (on_demo_state),
                    NULL);
  g_signal_connect (self->session, "notify::total-unread-count", G_CALLBACK (on_demo_state),
                    NULL);
  g_signal_connect (self->session, "notify::unread-channels", G_CALLBACK (on_demo_state), NULL);
  dev_token = stray_fixed_token_make_dev_token (STRAY_DEMO_SERVER_USER);
  token = stray_fixed_token_new (dev_token);
  start_connection (self, stray_demo_server_get_base_url (self->demo_server),
                    STRAY_DEMO_SERVER_API_KEY, STRAY_DEMO_SERVER_USER,
                    STRAY_TOKEN_PROVIDER (token));
}

static void
start_demo (StrayApplication *self)
{
  g_autofree char *executable = stray_demo_server_find_executable ();

  stray_demo_server_start_async (executable, self->cancellable, on_demo_server_started,
                                 g_object_ref (self));
}

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
    return stray_command_line_replay (replay_path);
  if (g_variant_dict_contains (options, "status"))
    return stray_command_line_status (g_variant_dict_contains (options, "follow"));
  if (g_variant_dict_contains (options, "set-account"))
    return stray_command_line_set_account (options);
  if (g_variant_dict_contains (options, "forget-account"))
    return stray_command_line_forget_account ();
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

  G_APPLICATION_CLASS (stray_application_parent_class)->startup (application);

  stray_application_add_actions (self);
  self->settings = g_settings_new (SCHEMA_ID);
  g_signal_connect (self->settings, "changed::hide-icon-when-idle",
                    G_CALLBACK (on_hide_icon_changed), self);
  on_hide_icon_changed (self->settings, "hide-icon-when-idle", self);
  {
    g_autofree char *avatars = g_build_filename (g_get_user_cache_dir (), "stream-tray",
                                                 "avatars", NULL);

    self->avatars = stray_avatar_cache_new (avatars);
    self->notifier = stray_notifier_new (self->session, G_ACTION_GROUP (self), self->settings,
                                         self->avatars, stray_environment_is_sandboxed ());
  }
  {
    g_autofree char *executable = autostart_executable ();

    self->autostart = stray_autostart_new (self->settings, executable,
                                           stray_environment_is_sandboxed ());
  }
  if (self->demo)
    {
      start_demo (self);
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

  g_cancellable_cancel (self->cancellable);
  if (self->connection != NULL)
    stray_connection_stop (self->connection);
  /* Asked to stop now: a reference held elsewhere must not keep the demo's server up. */
  g_clear_object (&self->demo_server);
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
  g_clear_object (&self->demo_server);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  g_clear_pointer (&self->activation_token, g_free);
  g_clear_pointer (&self->requested_thread, g_free);

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
      N_("Run against a local demo server, printing what happens"), NULL },
    { "replay", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Replay a recording of frames, one per line, and print the final state as JSON"),
      N_("FILE") },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Unread counts and notifications for Stream Chat"));
  self->cancellable = g_cancellable_new ();
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

static StrayUiShowFunc
load_ui (StrayApplication *self)
{
  g_autoptr(GError) error = NULL;

  if (self->ui_show == NULL)
    {
      self->ui_show = stray_ui_loader_load (&error);
      if (self->ui_show == NULL)
        g_warning ("The window cannot be loaded: %s", error->message);
    }
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
  return self->connection != NULL ? stray_connection_get_client (self->connection) : NULL;
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
