/* stray-credentials-check.c: does the server take these credentials?
 *
 * The setup page asks before anything is kept: one handshake with a throwaway session and
 * connection, ended as soon as the server has answered.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-account"

#include "config.h"

#include <glib/gi18n.h>

#include "stray-client.h"
#include "stray-connection.h"
#include "stray-credentials-check.h"
#include "stray-fixed-token.h"
#include "stray-server-url.h"
#include "stray-session.h"

typedef struct {
  StraySession *session;
  StrayConnection *connection;
  gulong state_handler;
  GCancellable *cancellable;
  gulong cancelled_handler;
  gboolean answered;
} Check;

/* Runs when the task is finalised, after any signal emission that answered it. */
static void
check_free (Check *check)
{
  if (check->cancellable != NULL)
    g_cancellable_disconnect (check->cancellable, check->cancelled_handler);
  g_clear_object (&check->cancellable);
  if (check->connection != NULL)
    stray_connection_stop (check->connection);
  g_clear_object (&check->connection);
  g_clear_object (&check->session);
  g_free (check);
}

static gboolean
on_answered_idle (gpointer user_data)
{
  Check *check = g_task_get_task_data (G_TASK (user_data));

  g_clear_signal_handler (&check->state_handler, check->session);
  return G_SOURCE_REMOVE;
}

static void
on_state (StraySession            *session,
          G_GNUC_UNUSED GParamSpec *pspec,
          GTask                   *task)
{
  Check *check = g_task_get_task_data (task);
  const GError *error = stray_connection_get_error (check->connection);

  if (check->answered)
    return;
  switch (stray_session_get_connection_state (session))
    {
    case STRAY_CONNECTION_CONNECTED:
    case STRAY_CONNECTION_SYNCING: /* the server took the account */
      g_task_return_boolean (task, TRUE);
      break;
    case STRAY_CONNECTION_AUTH_FAILED:
    case STRAY_CONNECTION_DISCONNECTED:
      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                                 _("The server cannot be reached"));
      break;
    case STRAY_CONNECTION_NOT_CONFIGURED:
    case STRAY_CONNECTION_CONNECTING:
    default:
      return;
    }
  /* Answered: what the connection would do next (resync, retries) is not wanted. It is still
   * busy with the frame that answered, so let go of it from an idle: dropping the handler
   * drops its reference to the task, whose data stops the connection. */
  check->answered = TRUE;
  g_idle_add_full (G_PRIORITY_DEFAULT, on_answered_idle, g_object_ref (task), g_object_unref);
}

static gboolean
on_cancelled_idle (gpointer user_data)
{
  GTask *task = user_data;
  Check *check = g_task_get_task_data (task);

  if (!check->answered)
    {
      check->answered = TRUE;
      g_task_return_error_if_cancelled (task);
      g_clear_signal_handler (&check->state_handler, check->session);
    }
  return G_SOURCE_REMOVE;
}

static void
on_cancelled (G_GNUC_UNUSED GCancellable *cancellable,
              GTask                      *task)
{
  /* "cancelled" may run in any thread; answer in the task's context. */
  g_main_context_invoke_full (g_task_get_context (task), G_PRIORITY_DEFAULT, on_cancelled_idle,
                              g_object_ref (task), g_object_unref);
}

/**
 * stray_credentials_check_async:
 *
 * Connects once with the credentials and reports whether the handshake succeeded; the error is
 * the server's own (expired token, bad signature, unknown API key) or why it cannot be reached.
 * Nothing is stored.
 */
void
stray_credentials_check_async (const char          *server_url,
                               const char          *api_key,
                               const char          *user_id,
                               const char          *token,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(StrayFixedToken) tokens = stray_fixed_token_new (token);
  g_autoptr(StrayClient) client = NULL;
  Check *check = g_new0 (Check, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, stray_credentials_check_async);
  g_task_set_task_data (task, check, (GDestroyNotify) check_free);
  if (!stray_server_url_check (server_url, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  client = stray_client_new (server_url, api_key, user_id, STRAY_TOKEN_PROVIDER (tokens));
  check->session = stray_session_new ();
  check->connection = stray_connection_new (check->session, client);
  check->state_handler = g_signal_connect_data (check->session, "notify::connection-state",
                                                G_CALLBACK (on_state), g_object_ref (task),
                                                (GClosureNotify) (void (*) (void)) g_object_unref,
                                                0);
  if (cancellable != NULL)
    {
      check->cancellable = g_object_ref (cancellable);
      check->cancelled_handler = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled),
                                                        task, NULL);
    }
  stray_connection_start (check->connection);
}

gboolean
stray_credentials_check_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
