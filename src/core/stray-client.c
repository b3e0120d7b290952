/* stray-client.c
 *
 * Every call carries what the official SDK sends (protocol-notes.md, "REST"): user_id,
 * connection_id and api_key in the query; the token in Authorization (no Bearer) with
 * stream-auth-type: jwt, X-Stream-Client and a fresh x-client-request-id. A 401 with code 40
 * gets one token refresh and one retry; a 429 backs off and retries a few times. The calls the
 * applet makes, and how their answers are decoded, are in stray-client-calls.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-client"

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "stray-client-private.h"
#include "stray-json.h"

#define DEFAULT_TIMEOUT_SECONDS 10
#define MAX_RATE_LIMIT_RETRIES 3
/* libsoup 3.2 has no name for it. */
#define STATUS_TOO_MANY_REQUESTS 429

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
  StrayClientAnswerDecoder decode;          /* NULL: the answer is returned as it is */
  GDestroyNotify decoded_free;
  gboolean refreshed;
  guint rate_limited;
  /* The last answer's, while its body is parsed. */
  guint status;
  char *retry_after;
} Call;

/* What the worker thread hands back: the answer parsed, and decoded when the call has a
 * decoder and the status says success. */
typedef struct {
  JsonNode *root;
  GError *error;                 /* why root, or decoded, is missing */
  gpointer decoded;
  GDestroyNotify decoded_free;
} Answer;

typedef struct {
  GBytes *bytes;
  StrayClientAnswerDecoder decode;
  GDestroyNotify decoded_free;
} ParseJob;

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
answer_free (Answer *answer)
{
  g_clear_pointer (&answer->root, json_node_unref);
  g_clear_error (&answer->error);
  if (answer->decoded != NULL)
    answer->decoded_free (answer->decoded);
  g_free (answer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Answer, answer_free)

static void
parse_job_free (gpointer data)
{
  ParseJob *job = data;

  g_bytes_unref (job->bytes);
  g_free (job);
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
                                                 "user-agent", STRAY_CLIENT_X_STREAM_CLIENT,
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
  ParseJob *job = task_data;
  Answer *answer = g_new0 (Answer, 1);
  gsize size;
  const char *data = g_bytes_get_data (job->bytes, &size);

  if (size == 0)
    g_set_error_literal (&answer->error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_SYNTAX,
                         "answer is empty");
  else
    answer->root = stray_rest_parse (data, size, &answer->error);
  if (answer->root != NULL && job->decode != NULL)
    {
      answer->decoded = job->decode (answer->root, &answer->error);
      answer->decoded_free = job->decoded_free;
    }
  g_task_return_pointer (task, answer, (GDestroyNotify) answer_free);
}

static void
on_answer_parsed (G_GNUC_UNUSED GObject *source,
                  GAsyncResult          *result,
                  gpointer               user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(Answer) answer = g_task_propagate_pointer (G_TASK (result), NULL);
  JsonObject *object = answer->root != NULL ? json_node_get_object (answer->root) : NULL;
  guint status = call->status;
  gint64 code;

  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      if (answer->root == NULL || (call->decode != NULL && answer->decoded == NULL))
        g_task_return_new_error (task, STRAY_CLIENT_ERROR, STRAY_CLIENT_ERROR_BAD_RESPONSE,
                                 "%s %s answered badly: %s", call->method, call->path,
                                 answer->error->message);
      else
        g_task_return_pointer (task, g_steal_pointer (&answer), (GDestroyNotify) answer_free);
      return;
    }

  code = stray_json_int (object, "code", -1);
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
                           stray_json_string (object, "message") ? ": " : "",
                           stray_json_string (object, "message") ?: "");
}

/* The answer's body, read a piece at a time so that no more than the limit is ever held. */
typedef struct {
  GTask *task;                   /* the call's */
  GInputStream *body;
  GByteArray *bytes;
} BodyRead;

#define BODY_READ_CHUNK (64 * 1024)

static void
body_read_free (BodyRead *read)
{
  g_clear_object (&read->task);
  g_clear_object (&read->body);
  g_clear_pointer (&read->bytes, g_byte_array_unref);
  g_free (read);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BodyRead, body_read_free)

static void
parse_answer (GTask  *task,
              GBytes *bytes)
{
  Call *call = g_task_get_task_data (task);
  g_autoptr(GTask) parse = NULL;
  ParseJob *job;

  job = g_new0 (ParseJob, 1);
  job->bytes = g_bytes_ref (bytes);
  if (SOUP_STATUS_IS_SUCCESSFUL (call->status))
    {
      job->decode = call->decode;
      job->decoded_free = call->decoded_free;
    }
  parse = g_task_new (NULL, NULL, on_answer_parsed, task);
  g_task_set_task_data (parse, job, parse_job_free);
  g_task_run_in_thread (parse, parse_in_thread);
}

/* An answer over the limit fails the call as one that cannot be read; the rest of it is left
 * unread, and libsoup drops the connection it came on. */
static void
refuse_oversized (GTask *task,
                  guint64 size,
                  gboolean announced)
{
  Call *call = g_task_get_task_data (task);

  g_debug ("%s %s: the answer %s %" G_GUINT64_FORMAT " bytes, over the limit of %d: refused",
           call->method, call->path, announced ? "announces" : "has more than", size,
           STRAY_REST_MAX_ANSWER_SIZE);
  g_task_return_new_error (task, STRAY_CLIENT_ERROR, STRAY_CLIENT_ERROR_BAD_RESPONSE,
                           "%s %s answered badly: the answer is over the limit of %d bytes",
                           call->method, call->path, STRAY_REST_MAX_ANSWER_SIZE);
  g_object_unref (task);
}

static void on_body_read (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data);

static void
read_body (BodyRead *read)
{
  g_input_stream_read_bytes_async (read->body, BODY_READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (read->task), on_body_read, read);
}

static void
on_body_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(BodyRead) read = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) piece = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result,
                                                              &error);
  gsize length;

  if (piece == NULL)
    {
      g_task_return_error (read->task, g_steal_pointer (&error));
      return;
    }
  length = g_bytes_get_size (piece);
  if (length == 0)
    {
      g_autoptr(GBytes) bytes = g_byte_array_free_to_bytes (g_steal_pointer (&read->bytes));

      g_input_stream_close_async (read->body, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      parse_answer (g_steal_pointer (&read->task), bytes);
      return;
    }
  if (read->bytes->len + length > STRAY_REST_MAX_ANSWER_SIZE)
    {
      g_input_stream_close_async (read->body, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      refuse_oversized (g_steal_pointer (&read->task), read->bytes->len + length, FALSE);
      return;
    }
  g_byte_array_append (read->bytes, g_bytes_get_data (piece, NULL), length);
  read_body (g_steal_pointer (&read));
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
  g_autoptr(GInputStream) body = soup_session_send_finish (SOUP_SESSION (source), result,
                                                           &error);
  SoupMessageHeaders *headers;
  BodyRead *read;

  if (body == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  call->status = soup_message_get_status (msg);
  headers = soup_message_get_response_headers (msg);
  g_free (call->retry_after);
  call->retry_after = g_strdup (soup_message_headers_get_one (headers, "Retry-After"));
  /* What the server announces is refused before a byte of it is read; what it did not
   * announce (chunked, or more than it said) is counted as it comes. */
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > STRAY_REST_MAX_ANSWER_SIZE)
    {
      g_input_stream_close_async (body, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      refuse_oversized (g_steal_pointer (&task),
                        soup_message_headers_get_content_length (headers), TRUE);
      return;
    }
  read = g_new0 (BodyRead, 1);
  read->task = g_steal_pointer (&task);
  read->body = g_steal_pointer (&body);
  read->bytes = g_byte_array_new ();
  read_body (read);
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
  soup_message_headers_replace (headers, "X-Stream-Client", STRAY_CLIENT_X_STREAM_CLIENT);
  soup_message_headers_replace (headers, "x-client-request-id", request_id);
  if (call->body != NULL)
    {
      g_autoptr(GBytes) body = g_bytes_new (call->body, strlen (call->body));

      soup_message_set_request_body_from_bytes (msg, "application/json", body);
    }

  soup_session_send_async (self->session, msg, G_PRIORITY_DEFAULT,
                           g_task_get_cancellable (task), on_call_sent, task);
}

/**
 * stray_client_call_async_full:
 * @decode: (nullable): what turns a successful answer into the result, on the worker thread
 * @decoded_free: how the result is freed
 * @source_tag: the public _async function, which its _finish checks
 */
void
stray_client_call_async_full (StrayClient              *self,
                              const char               *method,
                              const char               *path,
                              JsonObject               *body,
                              StrayClientAnswerDecoder  decode,
                              GDestroyNotify            decoded_free,
                              gpointer                  source_tag,
                              GCancellable             *cancellable,
                              GAsyncReadyCallback       callback,
                              gpointer                  user_data)
{
  GTask *task;
  Call *call;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  call = g_new0 (Call, 1);
  call->method = g_strdup (method);
  call->path = g_strdup (path);
  call->decode = decode;
  call->decoded_free = decoded_free;
  if (body != NULL)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), body);

      call->body = json_to_string (node, FALSE);
    }
  g_task_set_task_data (task, call, call_free);
  send_call (task);
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
  g_return_if_fail (STRAY_IS_CLIENT (self));
  g_return_if_fail (method != NULL && path != NULL && path[0] == '/');

  stray_client_call_async_full (self, method, path, body, NULL, NULL, stray_client_call_async,
                                cancellable, callback, user_data);
}

/**
 * stray_client_call_finish:
 *
 * Finishes any call, the decoded ones too: their answer as it came, for callers that only
 * want to know that the call went through.
 *
 * Returns: (transfer full) (nullable): the answer
 */
JsonObject *
stray_client_call_finish (StrayClient   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_autoptr(Answer) answer = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  answer = g_task_propagate_pointer (G_TASK (result), error);
  if (answer == NULL)
    return NULL;
  return json_object_ref (json_node_get_object (answer->root));
}

/* What a decoded call's answer became on the worker thread. */
gpointer
stray_client_decoded_call_finish (StrayClient   *self,
                                  GAsyncResult  *result,
                                  gpointer       source_tag,
                                  GError       **error)
{
  g_autoptr(Answer) answer = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  answer = g_task_propagate_pointer (G_TASK (result), error);
  if (answer == NULL)
    return NULL;
  return g_steal_pointer (&answer->decoded);
}
