/* test-account.c: the account, its token in a real keyring, the token command
 *
 * Runs under build-aux/test-session: a private session bus with gnome-keyring-daemon.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "stray-account.h"
#include "stray-connection.h"
#include "stray-credentials-check.h"
#include "stray-devserver.h"
#include "stray-jwt.h"
#include "stray-server-url.h"
#include "stray-test-wait.h"

#define API_KEY "account-key"
#define SECRET "account-secret-0123456789"

typedef struct {
  GSettings *settings;
  StrayAccount *account;
  char *directory;
} Fixture;

typedef struct {
  gboolean done;
  char *token;
  GError *error;
} TokenResult;

static void
on_token (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  TokenResult *token = user_data;

  token->token = stray_token_provider_get_token_finish (STRAY_TOKEN_PROVIDER (source), result,
                                                        &token->error);
  token->done = TRUE;
}

/* The account's token, waited for; NULL with @error set when there is none. */
static char *
get_token (Fixture  *fixture,
           gboolean  refresh,
           GError  **error)
{
  TokenResult result = { 0 };

  stray_token_provider_get_token_async (STRAY_TOKEN_PROVIDER (fixture->account), refresh, NULL,
                                        on_token, &result);
  stray_test_wait_for (stray_test_flag_is_set, &result.done, "the token");
  if (result.error != NULL)
    g_propagate_error (error, result.error);
  return result.token;
}

static void
fixture_set_up (Fixture       *fixture,
                G_GNUC_UNUSED gconstpointer user_data)
{
  fixture->settings = g_settings_new (SCHEMA_ID);
  fixture->account = stray_account_new (fixture->settings);
  fixture->directory = g_dir_make_tmp ("stray-account-XXXXXX", NULL);
  g_assert_nonnull (fixture->directory);
}

static void
fixture_tear_down (Fixture       *fixture,
                   G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (fixture->directory, 0, NULL);
  const char *name;

  stray_account_forget (fixture->account, NULL, &error);
  g_assert_no_error (error);
  g_settings_reset (fixture->settings, "token-command");
  stray_test_finalize (fixture->account);
  stray_test_finalize (fixture->settings);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fixture->directory, name, NULL);

      g_unlink (path);
    }
  g_rmdir (fixture->directory);
  g_free (fixture->directory);
}

/* A token command: a script that prints what is in @token_file (so that no token is ever in
 * its argv), or fails. */
static void
set_token_command (Fixture    *fixture,
                   const char *token,
                   int         exit_status)
{
  g_autofree char *token_file = g_build_filename (fixture->directory, "token", NULL);
  g_autofree char *script = g_build_filename (fixture->directory, "token-command", NULL);
  g_autofree char *script_text = g_strdup_printf ("#!/bin/sh\ncat '%s'\nexit %d\n", token_file,
                                                  exit_status);
  g_autoptr(GError) error = NULL;
  const char *argv[] = { script, NULL };

  g_file_set_contents (token_file, token, -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (script, script_text, -1, &error);
  g_assert_no_error (error);
  g_chmod (script, 0700);
  g_settings_set_strv (fixture->settings, "token-command", argv);
}

static void
set_up_account (Fixture    *fixture,
                const char *server_url,
                const char *token)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (stray_account_set_up (fixture->account, server_url, API_KEY, "alice", token,
                                       NULL, &error));
  g_assert_no_error (error);
  g_assert_true (stray_account_is_configured (fixture->account));
}

static void
test_keyring_round_trip (Fixture       *fixture,
                         G_GNUC_UNUSED gconstpointer user_data)
{
  g_autofree char *token = stray_jwt_sign_user (SECRET, "alice", 0);
  g_autofree char *got = NULL;
  g_autofree char *stored_url = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;

  g_assert_false (stray_account_is_configured (fixture->account));
  g_assert_null (get_token (fixture, FALSE, &error));
  g_assert_error (error, STRAY_ACCOUNT_ERROR, STRAY_ACCOUNT_ERROR_NOT_CONFIGURED);
  g_clear_error (&error);

  set_up_account (fixture, "https://chat.example.org", token);
  stored_url = g_settings_get_string (fixture->settings, "server-url");
  g_assert_cmpstr (stored_url, ==, "https://chat.example.org");
  got = get_token (fixture, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, token);

  /* The token is in the keyring only: no setting holds it. */
  {
    g_autoptr(GSettingsSchema) schema = NULL;
    g_auto(GStrv) keys = NULL;

    g_object_get (fixture->settings, "settings-schema", &schema, NULL);
    keys = g_settings_schema_list_keys (schema);
    for (guint i = 0; keys[i] != NULL; i++)
      {
        g_autoptr(GVariant) value = g_settings_get_value (fixture->settings, keys[i]);
        g_autofree char *text = g_variant_print (value, FALSE);

        g_assert_null (strstr (text, token));
      }
  }

  g_assert_true (stray_account_forget (fixture->account, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (stray_account_is_configured (fixture->account));

  /* Set up again without a token in the keyring and without a command: no token. */
  g_settings_set_string (fixture->settings, "server-url", "https://chat.example.org");
  g_settings_set_string (fixture->settings, "api-key", API_KEY);
  g_settings_set_string (fixture->settings, "user-id", "alice");
  after = get_token (fixture, FALSE, &error);
  g_assert_null (after);
  g_assert_error (error, STRAY_ACCOUNT_ERROR, STRAY_ACCOUNT_ERROR_NO_TOKEN);
}

static void
test_token_command (Fixture       *fixture,
                    G_GNUC_UNUSED gconstpointer user_data)
{
  g_autofree char *old = stray_jwt_sign_user (SECRET, "alice", 1);
  g_autofree char *fresh = stray_jwt_sign_user (SECRET, "alice", 0);
  g_autofree char *refreshed = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *failed = NULL;
  g_autoptr(GError) error = NULL;

  set_up_account (fixture, "https://chat.example.org", old);
  set_token_command (fixture, fresh, 0);

  refreshed = get_token (fixture, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (refreshed, ==, fresh);
  /* What the command printed went to the keyring. */
  kept = get_token (fixture, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kept, ==, fresh);

  set_token_command (fixture, fresh, 3);
  failed = get_token (fixture, TRUE, &error);
  g_assert_null (failed);
  g_assert_error (error, STRAY_ACCOUNT_ERROR, STRAY_ACCOUNT_ERROR_TOKEN_COMMAND);
  g_assert_nonnull (strstr (error->message, "exit status 3"));
  g_clear_error (&error);

  set_token_command (fixture, "not a token at all", 0);
  failed = get_token (fixture, TRUE, &error);
  g_assert_null (failed);
  g_assert_error (error, STRAY_ACCOUNT_ERROR, STRAY_ACCOUNT_ERROR_TOKEN_COMMAND);
  /* The message says why, and does not repeat what was printed. */
  g_assert_null (strstr (error->message, "not a token"));
}

static void
test_check_token (void)
{
  static const char * const bad[] = {
    "", "a.b", "a.b.c.d", "a b.c.d", "a.b.c\n", "ä.b.c",
  };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (stray_account_check_token (bad[i], &error));
      g_assert_error (error, STRAY_ACCOUNT_ERROR, STRAY_ACCOUNT_ERROR_BAD_TOKEN);
      g_clear_error (&error);
    }
  g_assert_true (stray_account_check_token ("eyJ.eyJ.sig", &error));
  g_assert_no_error (error);
}

static void
on_state_changed (GObject    *session,
                  G_GNUC_UNUSED GParamSpec *pspec,
                  gboolean   *connected)
{
  *connected = stray_session_get_connection_state (STRAY_SESSION (session)) ==
               STRAY_CONNECTION_CONNECTED;
}

/* The keyring holds an expired token: the server says 40, the token command is run once, and
 * the fresh token is what connects, and what the keyring holds afterwards. */
static void
test_refresh_on_expiry (Fixture       *fixture,
                        G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(StrayDevserver) server = g_object_new (STRAY_TYPE_DEVSERVER, "api-key", API_KEY,
                                                   "secret", SECRET, NULL);
  g_autofree char *expired = stray_jwt_sign_user (SECRET, "alice",
                                                  g_get_real_time () / G_USEC_PER_SEC - 60);
  g_autofree char *fresh = stray_jwt_sign_user (SECRET, "alice", 0);
  g_autofree char *kept = NULL;
  g_autoptr(StraySession) session = stray_session_new ();
  g_autoptr(StrayClient) client = NULL;
  g_autoptr(StrayConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  gboolean connected = FALSE;

  stray_devserver_listen (server, "127.0.0.1:0", &error);
  g_assert_no_error (error);
  set_up_account (fixture, stray_devserver_get_base_url (server), expired);
  set_token_command (fixture, fresh, 0);

  client = stray_client_new (stray_account_get_server_url (fixture->account),
                             stray_account_get_api_key (fixture->account),
                             stray_account_get_user_id (fixture->account),
                             STRAY_TOKEN_PROVIDER (fixture->account));
  connection = stray_connection_new (session, client);
  g_signal_connect (session, "notify::connection-state", G_CALLBACK (on_state_changed),
                    &connected);
  stray_connection_start (connection);
  stray_test_wait_for (stray_test_flag_is_set, &connected, "the connection with the refreshed token");
  g_assert_cmpuint (stray_connection_get_n_attempts (connection), ==, 2);

  kept = get_token (fixture, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kept, ==, fresh);

  stray_connection_stop (connection);
  g_signal_handlers_disconnect_by_func (session, on_state_changed, &connected);
}

typedef struct {
  gboolean done;
  GError *error;
} CheckResult;

static void
on_credentials_checked (G_GNUC_UNUSED GObject *source,
                        GAsyncResult          *result,
                        gpointer               user_data)
{
  CheckResult *check = user_data;

  stray_credentials_check_finish (result, &check->error);
  check->done = TRUE;
}

/* A token is never offered to a plain http:// server elsewhere than this computer: not by
 * --set-account's API, nor with a token command, nor by the setup page's check. Nothing is
 * stored when refused; https:// and http:// on loopback are accepted. */
static void
test_refuses_clear_text (Fixture       *fixture,
                         G_GNUC_UNUSED gconstpointer user_data)
{
  static const char * const clear_text[] = {
    "http://chat.example.org", "HTTP://chat.example.org:80/", "http://192.168.1.20:3030",
    "http://10.0.0.1", "http://[fe80::1]:3030", "http://localhost.example.org",
    "http://127.0.0.1.nip.io",
  };
  static const char * const allowed[] = {
    "https://chat.stream-io-api.com", "https://192.168.1.20", "http://127.0.0.1:3030",
    "http://127.1.2.3", "http://localhost:3030", "http://[::1]:3030",
  };
  const char *argv[] = { "/bin/true", NULL };
  g_autofree char *token = stray_jwt_sign_user (SECRET, "alice", 0);
  g_autoptr(GError) error = NULL;
  CheckResult check = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (clear_text); i++)
    {
      g_assert_false (stray_account_set_up (fixture->account, clear_text[i], API_KEY, "alice",
                                            token, NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
      g_assert_nonnull (strstr (error->message, "clear text"));
      g_clear_error (&error);
      g_assert_false (stray_account_set_up_with_command (fixture->account, clear_text[i],
                                                         API_KEY, "alice", argv, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
      g_clear_error (&error);
      g_assert_false (stray_account_is_configured (fixture->account));
    }
  for (guint i = 0; i < G_N_ELEMENTS (allowed); i++)
    {
      g_assert_true (stray_server_url_check (allowed[i], &error));
      g_assert_no_error (error);
    }

  /* The setup page's check answers at once, without a connection: the name does not resolve
   * here, so a connection attempt would fail with another error. */
  stray_credentials_check_async ("http://chat.example.org", API_KEY, "alice", token, NULL,
                                 on_credentials_checked, &check);
  stray_test_wait_for (stray_test_flag_is_set, &check.done, "the credentials check");
  g_assert_error (check.error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_clear_error (&check.error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/stray/account/keyring-round-trip", Fixture, NULL, fixture_set_up,
              test_keyring_round_trip, fixture_tear_down);
  g_test_add ("/stray/account/token-command", Fixture, NULL, fixture_set_up,
              test_token_command, fixture_tear_down);
  g_test_add_func ("/stray/account/check-token", test_check_token);
  g_test_add ("/stray/account/refuses-clear-text", Fixture, NULL, fixture_set_up,
              test_refuses_clear_text, fixture_tear_down);
  g_test_add ("/stray/account/refresh-on-expiry", Fixture, NULL, fixture_set_up,
              test_refresh_on_expiry, fixture_tear_down);

  return g_test_run ();
}
