/* bench-rest.c: the benchmarks' REST calls to the devserver, as the official SDK makes them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "bench-rest.h"
#include "stray-test-wait.h"

/**
 * stray_bench_spawn_devserver:
 * @scenario: (nullable): its --scenario, or %NULL for an empty server
 * @base_url: (out): where it listens, from its "ready URL" line
 *
 * The devserver in a process of its own, answering only health checks asked for, and once it
 * says it listens.
 *
 * Returns: (transfer full) (nullable): the process, or %NULL with @error set
 */
GSubprocess *
stray_bench_spawn_devserver (const char  *path,
                             const char  *secret,
                             const char  *api_key,
                             const char  *scenario,
                             char       **base_url,
                             GError     **error)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) devserver = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  /* The secret goes in the environment: on the command line it would show in ps. */
  g_subprocess_launcher_setenv (launcher, "STREAM_TRAY_DEVSERVER_SECRET", secret, TRUE);
  /* Its request log (a line per call on stderr) is not what is measured, and would bury the
   * figures in the benchmark's output. */
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "", TRUE);
  devserver = g_subprocess_launcher_spawn (launcher, error, path, "--health-interval", "0",
                                           "--api-key", api_key,
                                           "--scenario", scenario != NULL ? scenario : "empty",
                                           NULL);
  if (devserver == NULL)
    return NULL;
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (devserver));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, error);
  if (line == NULL || !g_str_has_prefix (line, "ready http://"))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     "the devserver did not say it was ready: %s",
                     line != NULL ? line : "end of output");
      g_subprocess_force_exit (devserver);
      return NULL;
    }
  *base_url = g_strdup (line + strlen ("ready "));
  return g_steal_pointer (&devserver);
}

char *
stray_bench_to_json (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

/**
 * stray_bench_new_call:
 * @user_id: (nullable): for a user's call; %NULL for a backend's (server token)
 *
 * Returns: (transfer full): a POST to @path with the SDK's query and headers
 */
SoupMessage *
stray_bench_new_call (const char *base_url,
                      const char *api_key,
                      const char *path,
                      const char *user_id,
                      const char *connection_id,
                      const char *token,
                      GBytes     *body)
{
  g_autofree char *url = NULL;
  SoupMessage *msg;
  SoupMessageHeaders *headers;

  if (user_id != NULL)
    url = g_strdup_printf ("%s%s?api_key=%s&user_id=%s&connection_id=%s", base_url, path,
                           api_key, user_id, connection_id);
  else
    url = g_strdup_printf ("%s%s?api_key=%s", base_url, path, api_key);
  msg = soup_message_new ("POST", url);
  headers = soup_message_get_request_headers (msg);
  /* Stream's convention: the bare token, no "Bearer". */
  soup_message_headers_replace (headers, "Authorization", token);
  soup_message_headers_replace (headers, "stream-auth-type", "jwt");
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  /* libsoup sends a POST on a fresh connection unless told it may be repeated. The SDK keeps
   * its connections alive; without this the server would accept a connection per message and
   * keep each one open, idle, with a source polled in every iteration of its main loop. */
  soup_message_add_flags (msg, SOUP_MESSAGE_IDEMPOTENT);
  return msg;
}

typedef struct {
  GBytes *response;
  GError *error;
  gboolean done;
} Call;

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Call *call = user_data;

  call->response = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                      &call->error);
  call->done = TRUE;
}

/**
 * stray_bench_call:
 *
 * A setup call, waited for with the main loop running (the server may be in this process).
 *
 * Returns: (transfer full) (nullable): the answer, a JSON object with a 2xx status; %NULL
 *   with @error otherwise
 */
JsonObject *
stray_bench_call (SoupSession  *session,
                  const char   *base_url,
                  const char   *api_key,
                  const char   *path,
                  const char   *user_id,
                  const char   *connection_id,
                  const char   *token,
                  JsonObject   *body,
                  guint         seconds,
                  GError      **error)
{
  char *text = stray_bench_to_json (body);
  g_autoptr(GBytes) bytes = g_bytes_new_take (text, strlen (text));
  g_autoptr(SoupMessage) msg = stray_bench_new_call (base_url, api_key, path, user_id,
                                                     connection_id, token, bytes);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GBytes) response = NULL;
  Call result = { NULL, NULL, FALSE };
  const char *data;
  gsize length;

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_call_done,
                                    &result);
  if (!stray_test_try_wait_for (stray_test_flag_is_set, &result.done, seconds))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "POST %s: no answer in %u s", path,
                   seconds);
      return NULL;
    }
  if (result.error != NULL)
    {
      g_propagate_prefixed_error (error, result.error, "POST %s: ", path);
      return NULL;
    }
  response = result.response;
  data = g_bytes_get_data (response, &length);
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)) ||
      !json_parser_load_from_data (parser, data, length, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "POST %s: status %u: %.*s", path,
                   soup_message_get_status (msg), (int) length, data);
      return NULL;
    }
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/**
 * stray_bench_sent_finish:
 *
 * Finishes a SendMessage sent with soup_session_send_and_read_async(): its answer must be
 * 201 Created.
 *
 * Returns: whether it was
 */
gboolean
stray_bench_sent_finish (SoupSession   *session,
                         GAsyncResult  *result,
                         GError       **error)
{
  SoupMessage *msg = soup_session_get_async_result_message (session, result);
  g_autoptr(GBytes) response = soup_session_send_and_read_finish (session, result, error);
  const char *data;
  gsize length;

  if (response == NULL)
    {
      g_prefix_error (error, "SendMessage: ");
      return FALSE;
    }
  if (soup_message_get_status (msg) == SOUP_STATUS_CREATED)
    return TRUE;
  data = g_bytes_get_data (response, &length);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "SendMessage: status %u: %.*s",
               soup_message_get_status (msg), (int) length, data);
  return FALSE;
}
