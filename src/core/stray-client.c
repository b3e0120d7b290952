/* stray-client.c
 *
 * Every call carries what the official SDK sends (protocol-notes.md, "REST"): user_id,
 * connection_id and api_key in the query; the token in Authorization (no Bearer) with
 * stream-auth-type: jwt, X-Stream-Client and a fresh x-client-request-id. A 401 with code 40
 * gets one token refresh and one retry; a 429 backs off and retries a few times.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-client"

#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <string.h>

#include "stray-client.h"
#include "stray-message.h"
#include "stray-json.h"

#define DEFAULT_TIMEOUT_SECONDS 10
#define MAX_RATE_LIMIT_RETRIES 3
/* libsoup 3.2 has no name for it. */
#define STATUS_TOO_MANY_REQUESTS 429
#define X_STREAM_CLIENT "stream-tray-" PACKAGE_VERSION

struct _StrayClient
{
  GObject parent_instance;

  char *base_url;
  char *api_key;
  char *user_id;
  char *connection_id;
  char *token;
  StrayTokenProvider *tokens;
  SoupSession *session;
};

typedef struct {
  char *method;
  char *path;
  char *body;
  gboolean refreshed;
  guint rate_limited;
  /* The last answer's, while its body is parsed. */
  guint status;
  char *retry_after;
} Call;

G_DEFINE_FINAL_TYPE (StrayClient, stray_client, G_TYPE_OBJECT)
G_DEFINE_QUARK (stray-client-error-quark, stray_client_error)

static void
wipe (char **secret)
{
  if (*secret != NULL)
    memset (*secret, 0, strlen (*secret));
  g_clear_pointer (secret, g_free);
}

static void
call_free (gpointer data)
{
  Call *call = data;

  g_free (call->method);
  g_free (call->path);
  g_free (call->body);
  g_free (call->retry_after);
  g_free (call);
}

static void
stray_client_dispose (GObject *object)
{
  StrayClient *self = STRAY_CLIENT (object);

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);
  g_clear_object (&self->tokens);

  G_OBJECT_CLASS (stray_client_parent_class)->dispose (object);
}

static void
stray_client_finalize (GObject *object)
{
  StrayClient *self = STRAY_CLIENT (object);

  g_free (self->base_url);
  g_free (self->api_key);
  g_free (self->user_id);
  g_free (self->connection_id);
  wipe (&self->token);

  G_OBJECT_CLASS (stray_client_parent_class)->finalize (object);
}

static void
stray_client_class_init (StrayClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = stray_client_dispose;
  object_class->finalize = stray_client_finalize;
}

static void
stray_client_init (StrayClient *self)
{
  self->session = soup_session_new_with_options ("timeout", DEFAULT_TIMEOUT_SECONDS,
                                                 "user-agent", X_STREAM_CLIENT,
                                                 NULL);
}

/**
 * stray_client_new:
 * @base_url: the REST base, e.g. "https://chat.stream-io-api.com"
 * @api_key: the app's API key
 * @user_id: the signed-in user
 * @tokens: where the user's token comes from
 *
 * Returns: (transfer full): a client
 */
StrayClient *
stray_client_new (const char         *base_url,
                  const char         *api_key,
                  const char         *user_id,
                  StrayTokenProvider *tokens)
{
  StrayClient *self;

  g_return_val_if_fail (base_url != NULL, NULL);
  g_return_val_if_fail (api_key != NULL, NULL);
  g_return_val_if_fail (user_id != NULL, NULL);
  g_return_val_if_fail (STRAY_IS_TOKEN_PROVIDER (tokens), NULL);

  self = g_object_new (STRAY_TYPE_CLIENT, NULL);
  self->base_url = g_strdup (base_url);
  /* A trailing slash would double the one every path starts with. */
  if (g_str_has_suffix (self->base_url, "/"))
    self->base_url[strlen (self->base_url) - 1] = '\0';
  self->api_key = g_strdup (api_key);
  self->user_id = g_strdup (user_id);
  self->tokens = g_object_ref (tokens);
  return self;
}

const char *
stray_client_get_base_url (StrayClient *self)
{
  g_return_val_if_fail (STRAY_IS_CLIENT (self), NULL);

  return self->base_url;
}

const char *
stray_client_get_api_key (StrayClient *self)
{
  g_return_val_if_fail (STRAY_IS_CLIENT (self), NULL);

  return self->api_key;
}

const char *
stray_client_get_user_id (StrayClient *self)
{
  g_return_val_if_fail (STRAY_IS_CLIENT (self), NULL);

  return self->user_id;
}

/**
 * stray_client_get_tokens:
 *
 * Returns: (transfer none): where the client gets its tokens
 */
StrayTokenProvider *
stray_client_get_tokens (StrayClient *self)
{
  g_return_val_if_fail (STRAY_IS_CLIENT (self), NULL);

  return self->tokens;
}

/* The socket's id: REST calls carry it so that queryChannels can watch on that socket. */
void
stray_client_set_connection_id (StrayClient *self,
                                const char  *connection_id)
{
  g_return_if_fail (STRAY_IS_CLIENT (self));

  g_free (self->connection_id);
  self->connection_id = g_strdup (connection_id);
}

const char *
stray_client_get_connection_id (StrayClient *self)
{
  g_return_val_if_fail (STRAY_IS_CLIENT (self), NULL);

  return self->connection_id;
}

void
stray_client_set_timeout (StrayClient *self,
                          guint        seconds)
{
  g_return_if_fail (STRAY_IS_CLIENT (self));

  soup_session_set_timeout (self->session, seconds);
}

static void send_call (GTask *task);

static void
on_token (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  StrayClient *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  char *token = stray_token_provider_get_token_finish (STRAY_TOKEN_PROVIDER (source), result,
                                                       &error);

  if (token == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  wipe (&self->token);
  self->token = token;
  send_call (g_steal_pointer (&task));
}

static void
fetch_token_then_send (GTask    *task,
                       gboolean  refresh)
{
  StrayClient *self = g_task_get_source_object (task);

  stray_token_provider_get_token_async (self->tokens, refresh, g_task_get_cancellable (task),
                                        on_token, task);
}

static gboolean
on_backoff_over (gpointer user_data)
{
  send_call (user_data);
  return G_SOURCE_REMOVE;
}

/* Answers are parsed on a worker thread. Parsing makes many small allocations that die soon
 * after; made on another thread they come from that thread's malloc arena, whose free pages
 * malloc_trim() gives back after a resync, instead of leaving holes in the main heap between
 * the model's long-lived objects ([heap] 1.6 → 1.3 MiB after a resync of 1,000 channels). A
 * large page no longer holds up the main loop either. */
static void
parse_in_thread (GTask                      *task,
                 G_GNUC_UNUSED gpointer      source,
                 gpointer                    task_data,
                 G_GNUC_UNUSED GCancellable *cancellable)
{
  GBytes *bytes = task_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (g_bytes_get_size (bytes) > 0 &&
      json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                  g_bytes_get_size (bytes), NULL) &&
      JSON_NODE_HOLDS_OBJECT ((root = json_parser_get_root (parser))))
    g_task_return_pointer (task, json_object_ref (json_node_get_object (root)),
                           (GDestroyNotify) json_object_unref);
  else
    g_task_return_pointer (task, NULL, NULL);
}

static void
on_answer_parsed (G_GNUC_UNUSED GObject *source,
                  GAsyncResult          *result,
                  gpointer               user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(JsonObject) answer = g_task_propagate_pointer (G_TASK (result), NULL);
  guint status = call->status;
  gint64 code;

  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      if (answer == NULL)
        g_task_return_new_error (task, STRAY_CLIENT_ERROR, STRAY_CLIENT_ERROR_BAD_RESPONSE,
                                 "%s %s answered something that is not a JSON object",
                                 call->method, call->path);
      else
        g_task_return_pointer (task, g_steal_pointer (&answer),
                               (GDestroyNotify) json_object_unref);
      return;
    }

  code = stray_json_int (answer, "code", -1);
  if (status == SOUP_STATUS_UNAUTHORIZED && code == STRAY_CLIENT_ERROR_TOKEN_EXPIRED &&
      !call->refreshed)
    {
      g_debug ("%s %s: token expired, refreshing it once", call->method, call->path);
      call->refreshed = TRUE;
      fetch_token_then_send (g_steal_pointer (&task), TRUE);
      return;
    }
  if (status == STATUS_TOO_MANY_REQUESTS && call->rate_limited < MAX_RATE_LIMIT_RETRIES)
    {
      guint64 seconds = 1u << call->rate_limited;

      if (call->retry_after != NULL)
        g_ascii_string_to_unsigned (call->retry_after, 10, 0, 60, &seconds, NULL);
      call->rate_limited++;
      g_debug ("%s %s: rate limited, retrying in %" G_GUINT64_FORMAT " s", call->method,
               call->path, seconds);
      /* Milliseconds: second timeouts are coalesced and may fire early. */
      g_timeout_add (MAX ((guint) seconds, 1) * 1000, on_backoff_over, g_steal_pointer (&task));
      return;
    }

  g_task_return_new_error (task, STRAY_CLIENT_ERROR,
                           code > 0 && code < 1000 ? (int) code
                           : status == STATUS_TOO_MANY_REQUESTS
                           ? STRAY_CLIENT_ERROR_RATE_LIMITED : STRAY_CLIENT_ERROR_HTTP,
                           "%s %s failed with HTTP %u%s%s", call->method, call->path, status,
                           stray_json_string (answer, "message") ? ": " : "",
                           stray_json_string (answer, "message") ?: "");
}

static void
on_call_sent (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                               &error);
  g_autoptr(GTask) parse = NULL;

  if (bytes == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  call->status = soup_message_get_status (msg);
  g_free (call->retry_after);
  call->retry_after = g_strdup (soup_message_headers_get_one (
    soup_message_get_response_headers (msg), "Retry-After"));
  parse = g_task_new (NULL, NULL, on_answer_parsed, g_steal_pointer (&task));
  g_task_set_task_data (parse, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (parse, parse_in_thread);
}

static void
send_call (GTask *task)
{
  StrayClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(GString) url = g_string_new (self->base_url);
  g_autofree char *request_id = g_uuid_string_random ();
  g_autoptr(SoupMessage) msg = NULL;
  SoupMessageHeaders *headers;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  if (self->token == NULL)
    {
      fetch_token_then_send (task, FALSE);
      return;
    }

  g_string_append (url, call->path);
  g_string_append_c (url, strchr (call->path, '?') != NULL ? '&' : '?');
  {
    g_autofree char *user = g_uri_escape_string (self->user_id, NULL, FALSE);
    g_autofree char *key = g_uri_escape_string (self->api_key, NULL, FALSE);

    g_string_append_printf (url, "user_id=%s", user);
    if (self->connection_id != NULL)
      g_string_append_printf (url, "&connection_id=%s", self->connection_id);
    g_string_append_printf (url, "&api_key=%s", key);
  }

  msg = soup_message_new (call->method, url->str);
  if (msg == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "“%s” is not a valid server URL", self->base_url);
      g_object_unref (task);
      return;
    }
  /* Reads (and queryChannels, a read that happens to be a POST) may reuse a kept-alive
   * connection; libsoup opens a new one for other POSTs. */
  if (g_str_equal (call->method, "GET") || g_str_equal (call->path, "/channels"))
    soup_message_add_flags (msg, SOUP_MESSAGE_IDEMPOTENT);
  headers = soup_message_get_request_headers (msg);
  soup_message_headers_replace (headers, "Authorization", self->token);
  soup_message_headers_replace (headers, "stream-auth-type", "jwt");
  soup_message_headers_replace (headers, "X-Stream-Client", X_STREAM_CLIENT);
  soup_message_headers_replace (headers, "x-client-request-id", request_id);
  if (call->body != NULL)
    {
      g_autoptr(GBytes) body = g_bytes_new (call->body, strlen (call->body));

      soup_message_set_request_body_from_bytes (msg, "application/json", body);
    }

  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), on_call_sent, task);
}

/**
 * stray_client_call_async:
 * @method: "GET", "POST", "DELETE"
 * @path: the API path, with its own query parameters if any
 * @body: (nullable): the JSON body
 *
 * Calls the API as the signed-in user.
 */
void
stray_client_call_async (StrayClient         *self,
                         const char          *method,
                         const char          *path,
                         JsonObject          *body,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;
  Call *call;

  g_return_if_fail (STRAY_IS_CLIENT (self));
  g_return_if_fail (method != NULL && path != NULL && path[0] == '/');

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, stray_client_call_async);
  call = g_new0 (Call, 1);
  call->method = g_strdup (method);
  call->path = g_strdup (path);
  if (body != NULL)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), body);

      call->body = json_to_string (node, FALSE);
    }
  g_task_set_task_data (task, call, call_free);
  send_call (task);
}

/**
 * stray_client_call_finish:
 *
 * Returns: (transfer full) (nullable): the answer
 */
JsonObject *
stray_client_call_finish (StrayClient   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* "messaging:general" → "/channels/messaging/general/SUFFIX", escaped. */
static char *
channel_path (const char *cid,
              const char *suffix)
{
  const char *colon = strchr (cid, ':');
  g_autofree char *type = NULL;
  g_autofree char *type_escaped = NULL;
  g_autofree char *id_escaped = NULL;

  g_return_val_if_fail (colon != NULL, NULL);
  type = g_strndup (cid, colon - cid);
  type_escaped = g_uri_escape_string (type, NULL, FALSE);
  id_escaped = g_uri_escape_string (colon + 1, NULL, FALSE);
  return g_strdup_printf ("/channels/%s/%s/%s", type_escaped, id_escaped, suffix);
}

void
stray_client_mark_read_async (StrayClient         *self,
                              const char          *cid,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autofree char *path = channel_path (cid, "read");
  g_autoptr(JsonObject) body = json_object_new ();

  stray_client_call_async (self, "POST", path, body, cancellable, callback, user_data);
}

void
stray_client_mark_all_read_async (StrayClient         *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(JsonObject) body = json_object_new ();

  stray_client_call_async (self, "POST", "/channels/read", body, cancellable, callback,
                           user_data);
}

void
stray_client_mark_unread_async (StrayClient         *self,
                                const char          *cid,
                                const char          *message_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autofree char *path = channel_path (cid, "unread");
  g_autoptr(JsonObject) body = json_object_new ();

  json_object_set_string_member (body, "message_id", message_id);
  stray_client_call_async (self, "POST", path, body, cancellable, callback, user_data);
}

void
stray_client_send_message_async (StrayClient         *self,
                                 const char          *cid,
                                 const char          *text,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autofree char *path = channel_path (cid, "message");
  g_autoptr(JsonObject) body = json_object_new ();
  JsonObject *message = json_object_new ();

  json_object_set_string_member (message, "text", text);
  json_object_set_object_member (body, "message", message);
  stray_client_call_async (self, "POST", path, body, cancellable, callback, user_data);
}

void
stray_client_mute_channel_async (StrayClient         *self,
                                 const char          *cid,
                                 gboolean             muted,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(JsonObject) body = json_object_new ();

  json_object_set_string_member (body, "channel_cid", cid);
  stray_client_call_async (self, "POST",
                           muted ? "/moderation/mute/channel" : "/moderation/unmute/channel",
                           body, cancellable, callback, user_data);
}

/* A channel's last @limit messages, for the window; nothing is watched or marked. */
void
stray_client_query_messages_async (StrayClient         *self,
                                   const char          *cid,
                                   guint                limit,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autofree char *path = channel_path (cid, "query");
  g_autoptr(JsonObject) body = json_object_new ();
  JsonObject *messages = json_object_new ();

  json_object_set_boolean_member (body, "state", TRUE);
  json_object_set_boolean_member (body, "watch", FALSE);
  json_object_set_boolean_member (body, "presence", FALSE);
  json_object_set_int_member (messages, "limit", limit);
  json_object_set_object_member (body, "messages", messages);
  stray_client_call_async (self, "POST", path, body, cancellable, callback, user_data);
}

/* Returns: (transfer full): the messages, oldest first, as a GListModel of StrayMessage */
GListModel *
stray_client_query_messages_finish (StrayClient   *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_autoptr(JsonObject) response = stray_client_call_finish (self, result, error);
  JsonNode *messages;

  if (response == NULL)
    return NULL;
  messages = json_object_get_member (response, "messages");
  if (messages == NULL || !JSON_NODE_HOLDS_ARRAY (messages))
    {
      g_set_error_literal (error, STRAY_CLIENT_ERROR, STRAY_CLIENT_ERROR_BAD_RESPONSE,
                           _("The server's answer has no messages"));
      return NULL;
    }
  return stray_message_list_new_from_json (json_node_get_array (messages));
}

/* An event of @type (typing.start, typing.stop) to the channel's watchers. */
void
stray_client_send_event_async (StrayClient         *self,
                               const char          *cid,
                               const char          *type,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autofree char *path = channel_path (cid, "event");
  g_autoptr(JsonObject) body = json_object_new ();
  JsonObject *event = json_object_new ();

  json_object_set_string_member (event, "type", type);
  json_object_set_object_member (body, "event", event);
  stray_client_call_async (self, "POST", path, body, cancellable, callback, user_data);
}

/* The user's channels, newest first, 30 at a time (the most Stream gives). */
void
stray_client_query_channels_async (StrayClient         *self,
                                   guint                offset,
                                   gboolean             watch,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonObject *filter = json_object_new ();
  JsonObject *members = json_object_new ();
  JsonArray *in = json_array_new ();
  JsonArray *sort = json_array_new ();
  JsonObject *key = json_object_new ();

  json_array_add_string_element (in, self->user_id);
  json_object_set_array_member (members, "$in", in);
  json_object_set_object_member (filter, "members", members);
  json_object_set_string_member (key, "field", "last_message_at");
  json_object_set_int_member (key, "direction", -1);
  json_array_add_object_element (sort, key);

  json_object_set_object_member (body, "filter_conditions", filter);
  json_object_set_array_member (body, "sort", sort);
  json_object_set_boolean_member (body, "state", TRUE);
  json_object_set_boolean_member (body, "watch", watch && self->connection_id != NULL);
  json_object_set_boolean_member (body, "presence", FALSE);
  json_object_set_int_member (body, "limit", 30);
  json_object_set_int_member (body, "offset", offset);
  /* The tray shows one message per channel. */
  json_object_set_int_member (body, "message_limit", 1);
  stray_client_call_async (self, "POST", "/channels", body, cancellable, callback, user_data);
}

void
stray_client_get_unread_async (StrayClient         *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  stray_client_call_async (self, "GET", "/unread", NULL, cancellable, callback, user_data);
}
