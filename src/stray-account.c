/* stray-account.c
 *
 * Server URL, API key and user ID live in GSettings; the user's token lives in the keyring
 * (libsecret, schema io.github.streamtray.Token with attributes server, api-key and user-id)
 * and nowhere else: not in settings, logs, argv, files or the environment. An optional
 * token-command, a program and its arguments run without a shell like a mail client's password
 * command, prints a fresh token on stdout; it runs when the keyring has none and whenever the
 * server says the token expired, and what it prints goes to the keyring.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-account"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>
#include <string.h>

#include "stray-account.h"
#include "stray-server-url.h"

#define TOKEN_COMMAND_TIMEOUT_SECONDS 30
#define MAX_TOKEN_LENGTH (16 * 1024)

struct _StrayAccount
{
  GObject parent_instance;

  GSettings *settings;
  char *server_url;
  char *api_key;
  char *user_id;
};

static void stray_account_provider_init (StrayTokenProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (StrayAccount, stray_account, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (STRAY_TYPE_TOKEN_PROVIDER,
                                                      stray_account_provider_init))
G_DEFINE_QUARK (stray-account-error-quark, stray_account_error)

enum {
  PROP_0,
  PROP_CONFIGURED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/**
 * stray_account_get_token_schema:
 *
 * Returns: (transfer none): the keyring schema the user's token is stored under
 */
const SecretSchema *
stray_account_get_token_schema (void)
{
  static const SecretSchema schema = {
    "io.github.streamtray.Token", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "api-key", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "user-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };

  return &schema;
}

static void
wipe_free (char *secret)
{
  if (secret != NULL)
    memset (secret, 0, strlen (secret));
  g_free (secret);
}

static void
read_settings (StrayAccount *self)
{
  gboolean was_configured = stray_account_is_configured (self);

  g_free (self->server_url);
  g_free (self->api_key);
  g_free (self->user_id);
  self->server_url = g_settings_get_string (self->settings, "server-url");
  self->api_key = g_settings_get_string (self->settings, "api-key");
  self->user_id = g_settings_get_string (self->settings, "user-id");
  if (was_configured != stray_account_is_configured (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONFIGURED]);
}

static void
on_settings_changed (G_GNUC_UNUSED GSettings *settings,
                     G_GNUC_UNUSED const char *key,
                     StrayAccount             *self)
{
  read_settings (self);
}

/* A token is printable ASCII in three dot-separated parts; anything else is not stored. */
gboolean
stray_account_check_token (const char  *token,
                           GError     **error)
{
  gsize length = token != NULL ? strlen (token) : 0;
  guint dots = 0;

  if (length == 0 || length > MAX_TOKEN_LENGTH)
    {
      g_set_error_literal (error, STRAY_ACCOUNT_ERROR, STRAY_ACCOUNT_ERROR_BAD_TOKEN,
                           length == 0 ? "the token is empty" : "the token is too long");
      return FALSE;
    }
  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_isgraph (token[i]))
        {
          g_set_error_literal (error, STRAY_ACCOUNT_ERROR, STRAY_ACCOUNT_ERROR_BAD_TOKEN,
                               "the token has characters a JWT cannot have");
          return FALSE;
        }
      dots += token[i] == '.';
    }
  if (dots != 2)
    {
      g_set_error_literal (error, STRAY_ACCOUNT_ERROR, STRAY_ACCOUNT_ERROR_BAD_TOKEN,
                           "the token is not a JWT (three parts separated by dots)");
      return FALSE;
    }
  return TRUE;
}

/* ---- the token command ---- */

typedef struct {
  GSubprocess *process;
  GCancellable *cancellable;
  guint timeout_id;
} CommandRun;

static void
command_run_free (gpointer data)
{
  CommandRun *run = data;

  g_clear_handle_id (&run->timeout_id, g_source_remove);
  g_clear_object (&run->process);
  g_clear_object (&run->cancellable);
  g_free (run);
}

static gboolean
on_command_timeout (gpointer user_data)
{
  CommandRun *run = user_data;

  run->timeout_id = 0;
  g_subprocess_force_exit (run->process);
  g_cancellable_cancel (run->cancellable);
  return G_SOURCE_REMOVE;
}

static void store_then_return (GTask *task, char *token);

static void
on_command_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  GSubprocess *process = G_SUBPROCESS (source);
  char *token;

  if (!g_subprocess_communicate_utf8_finish (process, result, &out, NULL, &error))
    {
      g_task_return_new_error (task, STRAY_ACCOUNT_ERROR, STRAY_ACCOUNT_ERROR_TOKEN_COMMAND,
                               "the token command did not finish: %s",
                               g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                               ? "it took too long" : error->message);
      return;
    }
  if (!g_subprocess_get_successful (process))
    {
      wipe_free (g_steal_pointer (&out));
      g_task_return_new_error (task, STRAY_ACCOUNT_ERROR, STRAY_ACCOUNT_ERROR_TOKEN_COMMAND,
                               "the token command failed (exit status %d)",
                               g_subprocess_get_if_exited (process)
                               ? g_subprocess_get_exit_status (process) : -1);
      return;
    }

  token = g_strstrip (g_steal_pointer (&out));
  if (!stray_account_check_token (token, &error))
    {
      wipe_free (token);
      g_task_return_new_error (task, STRAY_ACCOUNT_ERROR, STRAY_ACCOUNT_ERROR_TOKEN_COMMAND,
                               "the token command printed no usable token: %s", error->message);
      return;
    }
  g_debug ("the token command gave a fresh token");
  store_then_return (g_steal_pointer (&task), token);
}

static void
run_token_command (GTask *task)
{
  StrayAccount *self = g_task_get_source_object (task);
  g_auto(GStrv) argv = g_settings_get_strv (self->settings, "token-command");
  g_autoptr(GError) error = NULL;
  CommandRun *run;

  if (argv[0] == NULL)
    {
      g_task_return_new_error (task, STRAY_ACCOUNT_ERROR, STRAY_ACCOUNT_ERROR_NO_TOKEN,
                               "no valid token: the keyring has none that works, and no "
                               "token-command is set");
      g_object_unref (task);
      return;
    }

  run = g_new0 (CommandRun, 1);
  /* No shell, and nothing of ours in its argv or environment but what the user wrote. */
  run->process = g_subprocess_newv ((const char * const *) argv,
                                    G_SUBPROCESS_FLAGS_STDIN_INHERIT |
                                    G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  if (run->process == NULL)
    {
      command_run_free (run);
      g_task_return_new_error (task, STRAY_ACCOUNT_ERROR, STRAY_ACCOUNT_ERROR_TOKEN_COMMAND,
                               "cannot run the token command: %s", error->message);
      g_object_unref (task);
      return;
    }
  run->cancellable = g_cancellable_new ();
  run->timeout_id = g_timeout_add_seconds (TOKEN_COMMAND_TIMEOUT_SECONDS, on_command_timeout,
                                           run);
  g_task_set_task_data (task, run, command_run_free);
  g_subprocess_communicate_utf8_async (run->process, NULL, run->cancellable, on_command_done,
                                       task);
}

/* ---- the keyring ---- */

static void
on_token_stored (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    /* The token still works for this session; it is only not kept. */
    g_debug ("the fresh token could not be kept in the keyring: %s", error->message);
  g_task_return_pointer (task, g_strdup (g_object_get_data (G_OBJECT (task), "token")),
                         (GDestroyNotify) wipe_free);
  (void) source;
}

static void
store_then_return (GTask *task,
                   char  *token)
{
  StrayAccount *self = g_task_get_source_object (task);
  g_autofree char *label = g_strdup_printf ("Stream Chat token for %s", self->user_id);

  g_object_set_data_full (G_OBJECT (task), "token", token, (GDestroyNotify) wipe_free);
  secret_password_store (stray_account_get_token_schema (), SECRET_COLLECTION_DEFAULT, label, token,
                         g_task_get_cancellable (task), on_token_stored, task,
                         "server", self->server_url,
                         "api-key", self->api_key,
                         "user-id", self->user_id,
                         NULL);
}

static void
on_token_found (G_GNUC_UNUSED GObject *source,
                GAsyncResult          *result,
                gpointer               user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GList *items = secret_service_search_finish (NULL, result, &error);
  SecretValue *value = items != NULL ? secret_item_get_secret (items->data) : NULL;
  const char *token = value != NULL ? secret_value_get_text (value) : NULL;

  if (token != NULL)
    g_task_return_pointer (task, g_strdup (token), (GDestroyNotify) wipe_free);
  g_clear_pointer (&value, secret_value_unref);
  g_list_free_full (items, g_object_unref);
  if (token != NULL)
    return;
  if (error != NULL)
    g_debug ("no keyring to read the token from: %s", error->message);
  run_token_command (g_steal_pointer (&task));
}

static void
stray_account_get_token_async (StrayTokenProvider  *provider,
                               gboolean             refresh,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  StrayAccount *self = STRAY_ACCOUNT (provider);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GHashTable) attributes = NULL;

  g_task_set_source_tag (task, stray_account_get_token_async);
  if (!stray_account_is_configured (self))
    {
      g_task_return_new_error (task, STRAY_ACCOUNT_ERROR, STRAY_ACCOUNT_ERROR_NOT_CONFIGURED,
                               "no account is set up");
      g_object_unref (task);
      return;
    }
  if (refresh)
    {
      run_token_command (task);
      return;
    }
  /* A search that loads the item's secret rather than secret_password_lookup(), whose way of
   * reading it (GetSecrets decoded for one item) leaks the reply in libsecret 0.20.5. */
  attributes = secret_attributes_build (stray_account_get_token_schema (),
                                        "server", self->server_url,
                                        "api-key", self->api_key,
                                        "user-id", self->user_id,
                                        NULL);
  secret_service_search (NULL, stray_account_get_token_schema (), attributes,
                         SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS, cancellable,
                         on_token_found, task);
}

static char *
stray_account_get_token_finish (StrayTokenProvider  *provider,
                                GAsyncResult        *result,
                                GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, provider), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
stray_account_provider_init (StrayTokenProviderInterface *iface)
{
  iface->get_token_async = stray_account_get_token_async;
  iface->get_token_finish = stray_account_get_token_finish;
}

/* ---- the object ---- */

static void
stray_account_dispose (GObject *object)
{
  StrayAccount *self = STRAY_ACCOUNT (object);

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (stray_account_parent_class)->dispose (object);
}

static void
stray_account_finalize (GObject *object)
{
  StrayAccount *self = STRAY_ACCOUNT (object);

  g_free (self->server_url);
  g_free (self->api_key);
  g_free (self->user_id);

  G_OBJECT_CLASS (stray_account_parent_class)->finalize (object);
}

static void
stray_account_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_CONFIGURED:
      g_value_set_boolean (value, stray_account_is_configured (STRAY_ACCOUNT (object)));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
stray_account_class_init (StrayAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = stray_account_dispose;
  object_class->finalize = stray_account_finalize;
  object_class->get_property = stray_account_get_property;

  properties[PROP_CONFIGURED] =
    g_param_spec_boolean ("configured", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
stray_account_init (G_GNUC_UNUSED StrayAccount *self)
{
}

/**
 * stray_account_new:
 * @settings: the app's settings (schema io.github.streamtray.StreamTray)
 *
 * Returns: (transfer full): the account the settings describe
 */
StrayAccount *
stray_account_new (GSettings *settings)
{
  StrayAccount *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (STRAY_TYPE_ACCOUNT, NULL);
  self->settings = g_object_ref (settings);
  read_settings (self);
  g_signal_connect (settings, "changed", G_CALLBACK (on_settings_changed), self);
  return self;
}

gboolean
stray_account_is_configured (StrayAccount *self)
{
  g_return_val_if_fail (STRAY_IS_ACCOUNT (self), FALSE);

  return self->server_url != NULL && *self->server_url != '\0' &&
         self->api_key != NULL && *self->api_key != '\0' &&
         self->user_id != NULL && *self->user_id != '\0';
}

const char *
stray_account_get_server_url (StrayAccount *self)
{
  g_return_val_if_fail (STRAY_IS_ACCOUNT (self), NULL);

  return self->server_url;
}

const char *
stray_account_get_api_key (StrayAccount *self)
{
  g_return_val_if_fail (STRAY_IS_ACCOUNT (self), NULL);

  return self->api_key;
}

const char *
stray_account_get_user_id (StrayAccount *self)
{
  g_return_val_if_fail (STRAY_IS_ACCOUNT (self), NULL);

  return self->user_id;
}

static gboolean
check_account (const char  *server_url,
               const char  *api_key,
               const char  *user_id,
               GError     **error)
{
  if (!stray_server_url_check (server_url, error))
    return FALSE;
  if (api_key == NULL || *api_key == '\0' || user_id == NULL || *user_id == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The API key and the user ID must not be empty"));
      return FALSE;
    }
  return TRUE;
}

/* One apply, so that the account changes once, not key by key. */
static void
store_account (StrayAccount       *self,
               const char         *server_url,
               const char         *api_key,
               const char         *user_id,
               const char * const *token_command)
{
  g_settings_delay (self->settings);
  g_settings_set_string (self->settings, "server-url", server_url);
  g_settings_set_string (self->settings, "api-key", api_key);
  g_settings_set_string (self->settings, "user-id", user_id);
  if (token_command != NULL)
    g_settings_set_strv (self->settings, "token-command", token_command);
  g_settings_apply (self->settings);
  g_settings_sync ();
}

/**
 * stray_account_set_up:
 * @token: the user's token, kept in the keyring only
 *
 * Writes the account to the settings and the token to the keyring. Blocks: for the command
 * line, not the daemon.
 *
 * Returns: whether both were written
 */
gboolean
stray_account_set_up (StrayAccount  *self,
                      const char    *server_url,
                      const char    *api_key,
                      const char    *user_id,
                      const char    *token,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autofree char *label = NULL;

  g_return_val_if_fail (STRAY_IS_ACCOUNT (self), FALSE);

  if (!check_account (server_url, api_key, user_id, error) ||
      !stray_account_check_token (token, error))
    return FALSE;

  label = g_strdup_printf ("Stream Chat token for %s", user_id);
  if (!secret_password_store_sync (stray_account_get_token_schema (), SECRET_COLLECTION_DEFAULT, label, token,
                                   cancellable, error,
                                   "server", server_url, "api-key", api_key, "user-id", user_id,
                                   NULL))
    return FALSE;

  store_account (self, server_url, api_key, user_id, NULL);
  return TRUE;
}

/**
 * stray_account_set_up_with_command:
 * @token_command: a program and its arguments, run without a shell, printing a fresh token
 *
 * Sets up the account with a token command instead of a token: the command runs whenever the
 * keyring has no token or the server says it expired.
 *
 * Returns: whether the account is set up
 */
gboolean
stray_account_set_up_with_command (StrayAccount        *self,
                                   const char          *server_url,
                                   const char          *api_key,
                                   const char          *user_id,
                                   const char * const  *token_command,
                                   GError             **error)
{
  g_return_val_if_fail (STRAY_IS_ACCOUNT (self), FALSE);

  if (!check_account (server_url, api_key, user_id, error))
    return FALSE;
  if (token_command == NULL || token_command[0] == NULL || *token_command[0] == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The token command is empty"));
      return FALSE;
    }
  store_account (self, server_url, api_key, user_id, token_command);
  return TRUE;
}

/**
 * stray_account_forget:
 *
 * Removes the token from the keyring and the account from the settings. Blocks.
 *
 * Returns: whether it is gone
 */
gboolean
stray_account_forget (StrayAccount  *self,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (STRAY_IS_ACCOUNT (self), FALSE);

  if (stray_account_is_configured (self))
    {
      secret_password_clear_sync (stray_account_get_token_schema (), cancellable, &local_error,
                                  "server", self->server_url, "api-key", self->api_key,
                                  "user-id", self->user_id, NULL);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  g_settings_delay (self->settings);
  g_settings_reset (self->settings, "server-url");
  g_settings_reset (self->settings, "api-key");
  g_settings_reset (self->settings, "user-id");
  g_settings_apply (self->settings);
  g_settings_sync ();
  return TRUE;
}
