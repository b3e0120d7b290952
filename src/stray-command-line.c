/* stray-command-line.c: what stream-tray does for a command line and exits
 *
 * --replay replays a recording into a model of its own; --status asks the running instance
 * over D-Bus; --set-account and --forget-account change the account in GSettings and the
 * keyring. None of them is the daemon, and none needs one to be running (but --status).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stray-account.h"
#include "stray-command-line.h"
#include "stray-connection.h"
#include "stray-dbus-service.h"
#include "stray-json.h"
#include "stray-replay.h"
#include "stray-server-url.h"

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
int
stray_command_line_replay (const char *path)
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

int
stray_command_line_status (gboolean follow)
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

int
stray_command_line_set_account (GVariantDict *options)
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

  /* Before the token is asked for, so that nobody pastes one for a server that is refused. */
  if (!stray_server_url_check (server, &error))
    {
      g_printerr (_("stream-tray: cannot set up the account: %s\n"), error->message);
      return EXIT_FAILURE;
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

int
stray_command_line_forget_account (void)
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
