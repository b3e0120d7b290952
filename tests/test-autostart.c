/* test-autostart.c: the start-at-login setting and the XDG autostart entry
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "stray-autostart.h"

static char *config_home;

static void
reset (GSettings *settings)
{
  g_autofree char *path = stray_autostart_get_path ();

  g_settings_reset (settings, "start-at-login");
  g_unlink (path);
}

static void
test_on_and_off (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(StrayAutostart) autostart = NULL;
  g_autoptr(GKeyFile) entry = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = stray_autostart_get_path ();
  g_autofree char *exec = NULL;
  g_autofree char *expected_path = g_build_filename (config_home, "autostart",
                                                     APP_ID ".desktop", NULL);
  const char *validator_argv[] = { "desktop-file-validate", path, NULL };
  int wait_status = 0;

  reset (settings);
  g_assert_cmpstr (path, ==, expected_path);
  autostart = stray_autostart_new (settings, "/opt/stream \"tray\"/bin/stream-tray");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  g_settings_set_boolean (settings, "start-at-login", TRUE);
  g_assert_true (g_key_file_load_from_file (entry, path, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  exec = g_key_file_get_string (entry, G_KEY_FILE_DESKTOP_GROUP, "Exec", &error);
  g_assert_no_error (error);
  /* In the background, with the path quoted for its space and quotes, as the Desktop Entry
   * specification quotes: desktop-file-validate checks it. */
  g_assert_cmpstr (exec, ==, "\"/opt/stream \\\"tray\\\"/bin/stream-tray\" --background");
  g_assert_true (g_spawn_sync (NULL, (char **) validator_argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
                               NULL, NULL, NULL, &wait_status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (wait_status, NULL));

  g_settings_set_boolean (settings, "start-at-login", FALSE);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* The entry is the truth when the daemon starts: the user may have changed it elsewhere. */
static void
test_entry_wins (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *path = stray_autostart_get_path ();

  reset (settings);
  {
    g_autoptr(StrayAutostart) autostart = stray_autostart_new (settings, "stream-tray");

    g_settings_set_boolean (settings, "start-at-login", TRUE);
    g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  }

  /* Removed with the desktop's startup settings while the daemon was not running. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  {
    g_autoptr(StrayAutostart) autostart = stray_autostart_new (settings, "stream-tray");

    g_assert_false (g_settings_get_boolean (settings, "start-at-login"));
  }

  /* Added back (e.g. restored from a backup) with the setting off. */
  g_assert_true (g_file_set_contents (path, "[Desktop Entry]\nType=Application\nName=x\n"
                                      "Exec=stream-tray --background\n", -1, NULL));
  {
    g_autoptr(StrayAutostart) autostart = stray_autostart_new (settings, "stream-tray");

    g_assert_true (g_settings_get_boolean (settings, "start-at-login"));
  }
  reset (settings);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  /* Before GLib reads it once and for all. */
  config_home = g_dir_make_tmp ("stray-test-autostart-XXXXXX", NULL);
  g_setenv ("XDG_CONFIG_HOME", config_home, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stray/autostart/on-and-off", test_on_and_off);
  g_test_add_func ("/stray/autostart/entry-wins", test_entry_wins);
  status = g_test_run ();
  {
    g_autofree char *directory = g_build_filename (config_home, "autostart", NULL);

    g_rmdir (directory);
  }
  g_rmdir (config_home);
  g_free (config_home);
  return status;
}
