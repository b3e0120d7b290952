/* stray-autostart.c: "start at login"
 *
 * Outside a sandbox, the start-at-login setting writes or removes an XDG autostart entry
 * ($XDG_CONFIG_HOME/autostart/APP_ID.desktop) that runs the daemon with --background. The
 * entry is the truth: a user who removes it with their desktop's startup settings sees the
 * preference off the next time the daemon starts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-autostart"

#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "stray-autostart.h"

struct _StrayAutostart
{
  GObject parent_instance;

  GSettings *settings;
  char *executable;
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
      if (strchr ("\"`$\\", *c) != NULL)
        g_string_append_c (quoted, '\\');
      g_string_append_c (quoted, *c);
    }
  g_string_append_c (quoted, '"');
  return g_string_free (quoted, FALSE);
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
  apply (self);
}

static void
stray_autostart_finalize (GObject *object)
{
  StrayAutostart *self = STRAY_AUTOSTART (object);

  g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_free (self->executable);

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
 *
 * Keeps the autostart entry in step with the start-at-login setting, after first taking the
 * setting from the entry.
 */
StrayAutostart *
stray_autostart_new (GSettings  *settings,
                     const char *executable)
{
  StrayAutostart *self;
  g_autofree char *path = stray_autostart_get_path ();
  gboolean exists = g_file_test (path, G_FILE_TEST_EXISTS);

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (executable != NULL, NULL);

  self = g_object_new (STRAY_TYPE_AUTOSTART, NULL);
  self->settings = g_object_ref (settings);
  self->executable = g_strdup (executable);
  if (g_settings_get_boolean (settings, "start-at-login") != exists)
    g_settings_set_boolean (settings, "start-at-login", exists);
  g_signal_connect_swapped (settings, "changed::start-at-login", G_CALLBACK (on_changed), self);
  return self;
}
