/* test-autostart.c: the start-at-login setting, the XDG autostart entry outside a sandbox,
 * and the Background portal inside one: a fake portal written for the test, on the private
 * session bus of build-aux/test-session, records what is asked and answers as told.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "stray-autostart.h"
#include "stray-test-wait.h"

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
  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);
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
  autostart = stray_autostart_new (settings, "/opt/stream \"tray\" 100%/bin/stream-tray",
                                   FALSE);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  g_settings_set_boolean (settings, "start-at-login", TRUE);
  g_assert_true (g_key_file_load_from_file (entry, path, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  exec = g_key_file_get_string (entry, G_KEY_FILE_DESKTOP_GROUP, "Exec", &error);
  g_assert_no_error (error);
  /* In the background, with the path quoted for its space and quotes, as the Desktop Entry
   * specification quotes: desktop-file-validate checks it. */
  g_assert_cmpstr (exec, ==,
                   "\"/opt/stream \\\"tray\\\" 100%%/bin/stream-tray\" --background");
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
  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);
  g_autofree char *path = stray_autostart_get_path ();

  reset (settings);
  {
    g_autoptr(StrayAutostart) autostart = stray_autostart_new (settings, "stream-tray", FALSE);

    g_settings_set_boolean (settings, "start-at-login", TRUE);
    g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  }

  /* Removed with the desktop's startup settings while the daemon was not running. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  {
    g_autoptr(StrayAutostart) autostart = stray_autostart_new (settings, "stream-tray", FALSE);

    g_assert_false (g_settings_get_boolean (settings, "start-at-login"));
  }

  /* Switched off the way GNOME's and other desktops' startup settings do it. */
  g_assert_true (g_file_set_contents (path, "[Desktop Entry]\nType=Application\nName=x\n"
                                      "Exec=stream-tray --background\n"
                                      "X-GNOME-Autostart-enabled=false\n", -1, NULL));
  {
    g_autoptr(StrayAutostart) autostart = stray_autostart_new (settings, "stream-tray", FALSE);

    g_assert_false (g_settings_get_boolean (settings, "start-at-login"));
  }
  g_assert_true (g_file_set_contents (path, "[Desktop Entry]\nType=Application\nName=x\n"
                                      "Exec=stream-tray --background\nHidden=true\n", -1,
                                      NULL));
  {
    g_autoptr(StrayAutostart) autostart = stray_autostart_new (settings, "stream-tray", FALSE);

    g_assert_false (g_settings_get_boolean (settings, "start-at-login"));
  }

  /* Added back (e.g. restored from a backup) with the setting off. */
  g_assert_true (g_file_set_contents (path, "[Desktop Entry]\nType=Application\nName=x\n"
                                      "Exec=stream-tray --background\n", -1, NULL));
  {
    g_autoptr(StrayAutostart) autostart = stray_autostart_new (settings, "stream-tray", FALSE);

    g_assert_true (g_settings_get_boolean (settings, "start-at-login"));
  }
  reset (settings);
}

/* ---- a fake org.freedesktop.portal.Background ---- */

typedef struct {
  GDBusConnection *bus;
  guint registration;
  guint owner;
  gboolean owned;
  guint32 response;       /* what to answer: 0 granted, 1 refused */
  gboolean grant_autostart;
  guint n_requests;
  gboolean last_autostart;
  char *last_commandline;
  char *last_reason;
} FakePortal;

static const char portal_xml[] =
  "<node><interface name='org.freedesktop.portal.Background'>"
  "  <method name='RequestBackground'>"
  "    <arg type='s' name='parent_window' direction='in'/>"
  "    <arg type='a{sv}' name='options' direction='in'/>"
  "    <arg type='o' name='handle' direction='out'/>"
  "  </method>"
  "</interface></node>";

static void
portal_method_call (GDBusConnection       *bus,
                    const char            *sender,
                    G_GNUC_UNUSED const char *path,
                    G_GNUC_UNUSED const char *interface,
                    G_GNUC_UNUSED const char *method,
                    GVariant              *parameters,
                    GDBusMethodInvocation *invocation,
                    gpointer               user_data)
{
  FakePortal *portal = user_data;
  g_autoptr(GVariant) options = NULL;
  g_autofree const char **commandline = NULL;
  g_autofree char *escaped = g_strdelimit (g_strdup (sender + 1), ".", '_');
  g_autofree char *request_path = NULL;
  const char *token = "none", *reason = NULL, *parent = NULL;
  GVariantBuilder results;

  g_variant_get (parameters, "(&s@a{sv})", &parent, &options);
  g_variant_lookup (options, "handle_token", "&s", &token);
  g_variant_lookup (options, "autostart", "b", &portal->last_autostart);
  g_variant_lookup (options, "reason", "&s", &reason);
  g_variant_lookup (options, "commandline", "^a&s", &commandline);
  g_free (portal->last_commandline);
  portal->last_commandline = commandline != NULL ? g_strjoinv (" ", (char **) commandline) : NULL;
  g_free (portal->last_reason);
  portal->last_reason = g_strdup (reason);
  portal->n_requests++;

  request_path = g_strdup_printf ("/org/freedesktop/portal/desktop/request/%s/%s", escaped,
                                  token);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", request_path));

  g_variant_builder_init (&results, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&results, "{sv}", "background", g_variant_new_boolean (TRUE));
  g_variant_builder_add (&results, "{sv}", "autostart",
                         g_variant_new_boolean (portal->grant_autostart &&
                                                portal->last_autostart));
  g_dbus_connection_emit_signal (bus, sender, request_path, "org.freedesktop.portal.Request",
                                 "Response", g_variant_new ("(ua{sv})", portal->response,
                                                            &results), NULL);
}

static void
on_portal_name (G_GNUC_UNUSED GDBusConnection *bus,
                G_GNUC_UNUSED const char      *name,
                gpointer                       user_data)
{
  ((FakePortal *) user_data)->owned = TRUE;
}

static gboolean
portal_owned (gconstpointer data)
{
  return ((const FakePortal *) data)->owned;
}

typedef struct {
  FakePortal *portal;
  guint n_requests;
  GSettings *settings;
  gboolean start_at_login;
} Expect;

/* The portal was asked, and the setting shows its answer. */
static gboolean
answered (gconstpointer data)
{
  const Expect *expect = data;

  return expect->portal->n_requests >= expect->n_requests &&
         g_settings_get_boolean (expect->settings, "start-at-login") == expect->start_at_login;
}

static void
test_portal (void)
{
  static const GDBusInterfaceVTable vtable = { portal_method_call, NULL, NULL, { 0 } };
  g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (portal_xml, NULL);
  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);
  g_autoptr(StrayAutostart) autostart = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = stray_autostart_get_path ();
  FakePortal portal = { 0 };
  Expect expect = { &portal, 0, settings, FALSE };

  reset (settings);
  portal.bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  portal.registration = g_dbus_connection_register_object (portal.bus,
                                                           "/org/freedesktop/portal/desktop",
                                                           node->interfaces[0], &vtable,
                                                           &portal, NULL, &error);
  g_assert_no_error (error);
  portal.owner = g_bus_own_name_on_connection (portal.bus, "org.freedesktop.portal.Desktop",
                                               G_BUS_NAME_OWNER_FLAGS_NONE, on_portal_name,
                                               NULL, &portal, NULL);
  stray_test_wait_for (portal_owned, &portal, "the fake portal's name");

  autostart = stray_autostart_new (settings, "/app/bin/stream-tray", TRUE);

  /* Granted: the setting stays on, and nothing is written where the host would not see it. */
  portal.response = 0;
  portal.grant_autostart = TRUE;
  g_settings_set_boolean (settings, "start-at-login", TRUE);
  expect.n_requests = 1;
  expect.start_at_login = TRUE;
  stray_test_wait_for (answered, &expect, "the portal to grant autostart");
  g_assert_true (portal.last_autostart);
  g_assert_cmpstr (portal.last_commandline, ==, "stream-tray --background");
  g_assert_nonnull (portal.last_reason);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  /* Off again: the portal is told so. */
  g_settings_set_boolean (settings, "start-at-login", FALSE);
  expect.n_requests = 2;
  expect.start_at_login = FALSE;
  stray_test_wait_for (answered, &expect, "the portal to take autostart back");
  g_assert_false (portal.last_autostart);

  /* Refused by the user in the portal's dialog: the preference shows it off. */
  portal.response = 1;
  g_settings_set_boolean (settings, "start-at-login", TRUE);
  expect.n_requests = 3;
  expect.start_at_login = FALSE;
  stray_test_wait_for (answered, &expect, "the refusal to turn the preference off");
  g_assert_cmpuint (portal.n_requests, ==, 3);

  /* Granted background but not autostart: off as well. */
  portal.response = 0;
  portal.grant_autostart = FALSE;
  g_settings_set_boolean (settings, "start-at-login", TRUE);
  expect.n_requests = 4;
  stray_test_wait_for (answered, &expect, "a grant without autostart to turn the preference off");
  g_assert_cmpuint (portal.n_requests, ==, 4);

  g_clear_object (&autostart);
  g_bus_unown_name (portal.owner);
  g_dbus_connection_unregister_object (portal.bus, portal.registration);
  g_object_unref (portal.bus);
  g_free (portal.last_commandline);
  g_free (portal.last_reason);
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
  g_test_add_func ("/stray/autostart/portal", test_portal);
  status = g_test_run ();
  {
    g_autofree char *directory = g_build_filename (config_home, "autostart", NULL);

    g_rmdir (directory);
  }
  g_rmdir (config_home);
  g_free (config_home);
  return status;
}
