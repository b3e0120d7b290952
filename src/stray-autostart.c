/* stray-autostart.c: "start at login"
 *
 * Outside a sandbox, the start-at-login setting writes or removes an XDG autostart entry
 * ($XDG_CONFIG_HOME/autostart/APP_ID.desktop) that runs the daemon with --background. The
 * entry is the truth: a user who removes it with their desktop's startup settings sees the
 * preference off the next time the daemon starts.
 *
 * Inside Flatpak the host's autostart directory is out of reach: the setting asks the
 * Background portal (org.freedesktop.portal.Background.RequestBackground) instead, and then
 * shows what the portal granted, which the user may have refused.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-autostart"

#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "stray-autostart.h"

struct _StrayAutostart
{
  GObject parent_instance;

  GSettings *settings;
  char *executable;
  gboolean sandboxed;
  gboolean taking_answer; /* setting the preference from the portal's answer */
  GDBusConnection *bus;
  guint response_id;
  guint request_serial;
};

G_DEFINE_FINAL_TYPE (StrayAutostart, stray_autostart, G_TYPE_OBJECT)

/* Returns: (transfer full): where the autostart entry goes */
char *
stray_autostart_get_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "autostart", APP_ID ".desktop", NULL);
}

/* An Exec argument as the Desktop Entry specification quotes it: in double quotes, with ",
 * `, $ and \ escaped; plain when nothing in it needs quoting. */
static char *
quote_exec_argument (const char *argument)
{
  GString *quoted;

  if (argument[strspn (argument, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                 "0123456789/._+-")] == '\0')
    return g_strdup (argument);
  quoted = g_string_new ("\"");
  for (const char *c = argument; *c != '\0'; c++)
    {
      if (*c == '%')
        g_string_append_c (quoted, '%');
      else if (strchr ("\"`$\\", *c) != NULL)
        g_string_append_c (quoted, '\\');
      g_string_append_c (quoted, *c);
    }
  g_string_append_c (quoted, '"');
  return g_string_free (quoted, FALSE);
}

/* An entry that is there and not switched off the ways desktops switch entries off. */
static gboolean
entry_enabled (void)
{
  g_autofree char *path = stray_autostart_get_path ();
  g_autoptr(GKeyFile) entry = g_key_file_new ();

  if (!g_key_file_load_from_file (entry, path, G_KEY_FILE_NONE, NULL))
    return FALSE;
  if (g_key_file_get_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_HIDDEN,
                              NULL))
    return FALSE;
  if (g_key_file_has_key (entry, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", NULL) &&
      !g_key_file_get_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled",
                               NULL))
    return FALSE;
  return TRUE;
}

static gboolean
write_entry (StrayAutostart  *self,
             GError         **error)
{
  g_autoptr(GKeyFile) entry = g_key_file_new ();
  g_autofree char *path = stray_autostart_get_path ();
  g_autofree char *directory = g_path_get_dirname (path);
  g_autofree char *quoted = quote_exec_argument (self->executable);
  g_autofree char *exec = g_strconcat (quoted, " --background", NULL);

  g_key_file_set_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_TYPE,
                         G_KEY_FILE_DESKTOP_TYPE_APPLICATION);
  g_key_file_set_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_NAME,
                         "Stream Tray");
  g_key_file_set_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_COMMENT,
                         _("Unread counts and notifications for Stream Chat"));
  g_key_file_set_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC, exec);
  g_key_file_set_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_ICON, APP_ID);
  g_key_file_set_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_TERMINAL,
                          FALSE);
  g_key_file_set_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", TRUE);
  if (g_mkdir_with_parents (directory, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "%s: %s",
                   directory, g_strerror (saved_errno));
      return FALSE;
    }
  return g_key_file_save_to_file (entry, path, error);
}

/* ---- inside a sandbox: the Background portal ---- */

#define PORTAL_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"

static void
on_portal_response (GDBusConnection          *bus,
                    G_GNUC_UNUSED const char *sender,
                    G_GNUC_UNUSED const char *path,
                    G_GNUC_UNUSED const char *interface,
                    G_GNUC_UNUSED const char *signal,
                    GVariant                 *parameters,
                    gpointer                  user_data)
{
  StrayAutostart *self = user_data;
  g_autoptr(GVariant) results = NULL;
  guint32 response;
  gboolean autostart = FALSE;

  g_dbus_connection_signal_unsubscribe (bus, self->response_id);
  self->response_id = 0;
  g_variant_get (parameters, "(u@a{sv})", &response, &results);
  /* 0: granted as asked (or partly: the results say what); 1: refused; 2: failed. */
  if (response == 0)
    g_variant_lookup (results, "autostart", "b", &autostart);
  g_debug ("the Background portal answered %u: autostart %s", response,
           autostart ? "granted" : "not granted");
  if (g_settings_get_boolean (self->settings, "start-at-login") != autostart)
    {
      self->taking_answer = TRUE;
      g_settings_set_boolean (self->settings, "start-at-login", autostart);
      self->taking_answer = FALSE;
    }
}

static void
on_request_sent (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(StrayAutostart) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply != NULL)
    return;
  g_message ("Stream Tray cannot ask to start at login: %s", error->message);
  if (self->response_id != 0)
    {
      g_dbus_connection_signal_unsubscribe (self->bus, self->response_id);
      self->response_id = 0;
    }
  self->taking_answer = TRUE;
  g_settings_set_boolean (self->settings, "start-at-login", FALSE);
  self->taking_answer = FALSE;
}

static void
request_background (StrayAutostart *self,
                    gboolean        autostart)
{
  g_autofree char *token = NULL;
  g_autofree char *sender = NULL;
  g_autofree char *request_path = NULL;
  GVariantBuilder options;
  const char *commandline[] = { "stream-tray", "--background", NULL };

  if (self->bus == NULL)
    {
      g_autoptr(GError) error = NULL;

      self->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
      if (self->bus == NULL)
        {
          g_message ("Stream Tray cannot ask to start at login: %s", error->message);
          return;
        }
    }

  /* Listen on the request's path before asking, as the portal documentation says. */
  token = g_strdup_printf ("stray%u_%u", (guint) getpid (), ++self->request_serial);
  sender = g_strdelimit (g_strdup (g_dbus_connection_get_unique_name (self->bus) + 1), ".", '_');
  request_path = g_strdup_printf (PORTAL_PATH "/request/%s/%s", sender, token);
  if (self->response_id != 0)
    g_dbus_connection_signal_unsubscribe (self->bus, self->response_id);
  self->response_id = g_dbus_connection_signal_subscribe (self->bus, PORTAL_NAME,
                                                          "org.freedesktop.portal.Request",
                                                          "Response", request_path, NULL,
                                                          G_DBUS_SIGNAL_FLAGS_NO_MATCH_RULE,
                                                          on_portal_response, self, NULL);

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  g_variant_builder_add (&options, "{sv}", "reason",
                         g_variant_new_string (_("Show unread messages from the tray as soon "
                                                 "as you log in")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (autostart));
  g_variant_builder_add (&options, "{sv}", "commandline",
                         g_variant_new_strv (commandline, -1));
  g_variant_builder_add (&options, "{sv}", "dbus-activatable", g_variant_new_boolean (FALSE));
  g_dbus_connection_call (self->bus, PORTAL_NAME, PORTAL_PATH, "org.freedesktop.portal.Background",
                          "RequestBackground", g_variant_new ("(sa{sv})", "", &options),
                          G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          on_request_sent, g_object_ref (self));
}

/* ---- outside: the autostart entry ---- */

static void
apply (StrayAutostart *self)
{
  g_autofree char *path = stray_autostart_get_path ();
  g_autoptr(GError) error = NULL;

  if (g_settings_get_boolean (self->settings, "start-at-login"))
    {
      if (!write_entry (self, &error))
        g_warning ("Stream Tray cannot start at login: %s", error->message);
      else
        g_debug ("autostart entry written: %s", path);
    }
  else if (g_unlink (path) == 0)
    g_debug ("autostart entry removed: %s", path);
}

static void
on_changed (StrayAutostart *self)
{
  if (self->taking_answer)
    return;
  if (self->sandboxed)
    request_background (self, g_settings_get_boolean (self->settings, "start-at-login"));
  else
    apply (self);
}

static void
stray_autostart_finalize (GObject *object)
{
  StrayAutostart *self = STRAY_AUTOSTART (object);

  g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_free (self->executable);
  if (self->response_id != 0)
    g_dbus_connection_signal_unsubscribe (self->bus, self->response_id);
  g_clear_object (&self->bus);

  G_OBJECT_CLASS (stray_autostart_parent_class)->finalize (object);
}

static void
stray_autostart_class_init (StrayAutostartClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = stray_autostart_finalize;
}

static void
stray_autostart_init (G_GNUC_UNUSED StrayAutostart *self)
{
}

/**
 * stray_autostart_new:
 * @executable: what the entry runs: "stream-tray" when that is on PATH, else a full path
 * @sandboxed: inside Flatpak: ask the Background portal rather than write an entry
 *
 * Keeps the autostart entry (or the portal's grant) in step with the start-at-login setting,
 * after first taking the setting from the entry outside a sandbox.
 */
StrayAutostart *
stray_autostart_new (GSettings  *settings,
                     const char *executable,
                     gboolean    sandboxed)
{
  StrayAutostart *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (executable != NULL, NULL);

  self = g_object_new (STRAY_TYPE_AUTOSTART, NULL);
  self->settings = g_object_ref (settings);
  self->executable = g_strdup (executable);
  self->sandboxed = sandboxed;
  if (!sandboxed)
    {
      gboolean enabled = entry_enabled ();

      if (g_settings_get_boolean (settings, "start-at-login") != enabled)
        g_settings_set_boolean (settings, "start-at-login", enabled);
    }
  g_signal_connect_swapped (settings, "changed::start-at-login", G_CALLBACK (on_changed), self);
  return self;
}
