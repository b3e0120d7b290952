/* stray-devserver-rest.c
 *
 * The REST side's plumbing: the route table, a request's path, query and JSON body, the
 * checks every call needs (who acts, is the channel there, is the caller a member or the
 * server), and answers in Stream's shape, errors included. The handlers are in the files
 * named after what they serve: channels, messages, reads, users and the /_dev/ hooks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "stray-devserver-private.h"
#include "stray-json.h"

void
dev_respond (SoupServerMessage *msg,
             guint              status,
             JsonObject        *body)
{
  g_autofree char *text = NULL;
  gsize length;

  if (!json_object_has_member (body, "duration"))
    json_object_set_string_member (body, "duration", "0.10ms");
  text = dev_to_json (body);
  /* Measured first: the order a call's arguments are evaluated in is unspecified (clang
   * steals the pointer before strlen() reads it). */
  length = strlen (text);
  soup_server_message_set_status (msg, status, NULL);
  /* libsoup 3.2 appends to what the answer held (libsoup's own refusal, or the one prepared for
   * an unparsable request): this answer replaces it. */
  soup_message_body_truncate (soup_server_message_get_response_body (msg));
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&text), length);
}

/* Stream's error object: {code, message, StatusCode, duration, more_info, details}. */
JsonObject *
dev_new_error (guint       status,
               int         code,
               const char *message)
{
  JsonObject *body = json_object_new ();

  json_object_set_int_member (body, "code", code);
  json_object_set_string_member (body, "message", message);
  json_object_set_int_member (body, "StatusCode", status);
  json_object_set_string_member (body, "duration", "0.10ms");
  json_object_set_string_member (body, "more_info",
                                 "https://getstream.io/chat/docs/api_errors_response");
  json_object_set_array_member (body, "details", json_array_new ());
  return body;
}

gboolean
dev_respond_error (SoupServerMessage *msg,
                   guint              status,
                   int                code,
                   const char        *format,
                   ...)
{
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  body = dev_new_error (status, code, message);
  dev_respond (msg, status, body);
  return FALSE;
}

/* Stream's code for an HTTP status the devserver did not choose itself (libsoup's refusals),
 * from the error reference that more_info links to. */
int
dev_code_for_status (guint status)
{
  switch (status)
    {
    case SOUP_STATUS_UNAUTHORIZED:
      return CODE_AUTHENTICATION;
    case SOUP_STATUS_FORBIDDEN:
      return CODE_NOT_ALLOWED;
    case SOUP_STATUS_NOT_FOUND:
      return CODE_NOT_FOUND;
    case SOUP_STATUS_REQUEST_TIMEOUT:
      return CODE_REQUEST_TIMEOUT;
    case SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE:
      return CODE_PAYLOAD_TOO_BIG;
    case 429: /* Too Many Requests, which libsoup 3.2 does not name */
      return CODE_RATE_LIMITED;
    default:
      return status >= 500 ? CODE_INTERNAL : CODE_INPUT;
    }
}

static guint
status_for_code (int code)
{
  switch (code)
    {
    case CODE_NOT_FOUND:
      return SOUP_STATUS_NOT_FOUND;
    case CODE_NOT_ALLOWED:
      return SOUP_STATUS_FORBIDDEN;
    case CODE_API_KEY:
    case 40:
    case 41:
    case 42:
    case 43:
      return SOUP_STATUS_UNAUTHORIZED;
    default:
      return SOUP_STATUS_BAD_REQUEST;
    }
}

gboolean
dev_respond_store_error (DevRequest *request,
                         GError     *error)
{
  return dev_respond_error (request->msg, status_for_code (error->code), error->code, "%s",
                            error->message);
}

void
dev_respond_ok (DevRequest *request,
                JsonObject *body)
{
  g_autoptr(JsonObject) empty = NULL;

  if (body == NULL)
    body = empty = json_object_new ();
  dev_respond (request->msg, SOUP_STATUS_CREATED, body);
}

const char *
dev_query_param (DevRequest *request,
                 const char *name)
{
  return request->query != NULL ? g_hash_table_lookup (request->query, name) : NULL;
}

/* The user a call acts for: the token's, or for the server-side client the one it names. */
const char *
dev_acting_user (DevRequest *request,
                 const char *named)
{
  if (request->user_id != NULL)
    return request->user_id;
  if (named != NULL)
    return named;
  return dev_query_param (request, "user_id");
}

char *
dev_cid_of (DevRequest *request,
            guint       type_index)
{
  return g_strconcat (request->segments[type_index], ":", request->segments[type_index + 1],
                      NULL);
}

gboolean
dev_require_channel (DevRequest *request,
                     const char *cid)
{
  if (stray_dev_store_has_channel (request->self->store, cid))
    return TRUE;
  return dev_respond_error (request->msg, SOUP_STATUS_NOT_FOUND, CODE_NOT_FOUND,
                            "Channel \"%s\" does not exist", cid);
}

/* Users may act on channels they are members of; the server-side client on any. */
gboolean
dev_require_member (DevRequest *request,
                    const char *cid,
                    const char *user_id)
{
  if (!dev_require_channel (request, cid))
    return FALSE;
  if (user_id == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "user_id is required for server-side calls");
  if (request->user_id == NULL ||
      stray_dev_store_is_member (request->self->store, cid, user_id))
    return TRUE;
  return dev_respond_error (request->msg, SOUP_STATUS_FORBIDDEN, CODE_NOT_ALLOWED,
                            "User '%s' is not a member of channel '%s'", user_id, cid);
}

gboolean
dev_require_server (DevRequest *request)
{
  if (request->user_id == NULL)
    return TRUE;
  return dev_respond_error (request->msg, SOUP_STATUS_FORBIDDEN, CODE_NOT_ALLOWED,
                            "this call needs a server-side token");
}

typedef gboolean (*Handler) (DevRequest *request);

typedef struct {
  const char *method;
  const char *pattern; /* path segments; "*" matches one */
  Handler handler;
} Route;

static const Route routes[] = {
  { "POST", "channels", dev_handle_query_channels },
  { "POST", "channels/read", dev_handle_mark_all_read },
  { "POST", "channels/delivered", dev_handle_delivered },
  { "POST", "channels/*/query", dev_handle_channel_query },
  { "POST", "channels/*/*/query", dev_handle_channel_query },
  { "POST", "channels/*/*", dev_handle_channel_update },
  { "DELETE", "channels/*/*", dev_handle_channel_delete },
  { "POST", "channels/*/*/message", dev_handle_send_message },
  { "POST", "channels/*/*/read", dev_handle_mark_read },
  { "POST", "channels/*/*/unread", dev_handle_mark_unread },
  { "POST", "channels/*/*/event", dev_handle_send_event },
  { "POST", "channels/*/*/hide", dev_handle_hide_show },
  { "POST", "channels/*/*/show", dev_handle_hide_show },
  { "POST", "channels/*/*/stop-watching", dev_handle_stop_watching },
  { "POST", "channels/*/*/truncate", dev_handle_truncate },
  { "GET", "unread", dev_handle_unread },
  { "POST", "sync", dev_handle_sync },
  { "POST", "moderation/mute/channel", dev_handle_mute_channel },
  { "POST", "moderation/unmute/channel", dev_handle_mute_channel },
  { "POST", "users", dev_handle_upsert_users },
  { "POST", "messages/*", dev_handle_update_message },
  { "DELETE", "messages/*", dev_handle_delete_message },
  { "GET", "messages/*/replies", dev_handle_replies },
  { "POST", "threads", dev_handle_query_threads },
  { "GET", "threads/*", dev_handle_get_thread },
  { "GET", "messages/*", dev_handle_get_message },
  { "POST", "messages/*/reaction", dev_handle_reaction },
  { "DELETE", "messages/*/reaction/*", dev_handle_reaction },
  { "POST", "_dev/inject", dev_handle_inject },
  { "POST", "_dev/drop", dev_handle_drop },
  { "POST", "_dev/stall", dev_handle_stall },
  { "POST", "_dev/token", dev_handle_token },
  { "POST", "_dev/rate-limit", dev_handle_rate_limit },
  { "POST", "_dev/delay", dev_handle_delay },
  { "POST", "_dev/traffic", dev_handle_traffic },
  /* Issue 16: user mutes, channel types, and a clock tests may move ahead. */
  { "POST", "moderation/mute", dev_handle_mute_users },
  { "POST", "moderation/unmute", dev_handle_mute_users },
  { "POST", "channeltypes", dev_handle_channel_types },
  { "GET", "channeltypes", dev_handle_channel_types },
  { "GET", "channeltypes/*", dev_handle_channel_types },
  { "PUT", "channeltypes/*", dev_handle_channel_types },
  { "DELETE", "channeltypes/*", dev_handle_channel_types },
  { "POST", "_dev/clock", dev_handle_clock },
  /* Issue 17: message reminders. */
  { "POST", "messages/*/reminders", dev_handle_reminder },
  { "PATCH", "messages/*/reminders", dev_handle_reminder },
  { "DELETE", "messages/*/reminders", dev_handle_reminder },
  { "POST", "reminders/query", dev_handle_query_reminders },
};

static gboolean
route_matches (const Route  *route,
               const char   *method,
               char * const *segments,
               guint         n_segments)
{
  g_auto(GStrv) pattern = g_strsplit (route->pattern, "/", -1);

  if (!g_str_equal (route->method, method) || g_strv_length (pattern) != n_segments)
    return FALSE;
  for (guint i = 0; i < n_segments; i++)
    if (!g_str_equal (pattern[i], "*") ? !g_str_equal (pattern[i], segments[i])
                                       : *segments[i] == '\0')
      return FALSE;
  return TRUE;
}

static gboolean
parse_body (DevRequest *request)
{
  SoupMessageBody *body = soup_server_message_get_request_body (request->msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);
  JsonNode *root;

  if (length == 0)
    {
      request->body = json_object_new ();
      return TRUE;
    }
  if (length > STRAY_DEVSERVER_MAX_BODY)
    return dev_respond_error (request->msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                              CODE_PAYLOAD_TOO_BIG,
                              "request body is %" G_GSIZE_FORMAT " bytes, over the limit of %d",
                              length, STRAY_DEVSERVER_MAX_BODY);
  if (!g_utf8_validate (data, length, NULL) ||
      !stray_json_check_nesting (data, length, MAX_DEPTH, NULL) ||
      !json_parser_load_from_data (parser, data, length, &error) ||
      !stray_json_root_holds (parser, JSON_NODE_OBJECT))
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "invalid request body: it must be a JSON object%s%s",
                              error != NULL ? ": " : "", error != NULL ? error->message : "");
  root = json_parser_get_root (parser);
  request->body = json_object_ref (json_node_get_object (root));
  return TRUE;
}

/* A user's call to Stream's API, counted with its answer's size for /_dev/traffic. */
static void
count_traffic (StrayDevserver    *self,
               const char        *user_id,
               SoupServerMessage *msg)
{
  DevTraffic *traffic = g_hash_table_lookup (self->traffic, user_id);

  if (traffic == NULL)
    g_hash_table_insert (self->traffic, g_strdup (user_id), (traffic = g_new0 (DevTraffic, 1)));
  traffic->requests++;
  traffic->bytes += soup_server_message_get_response_body (msg)->length;
}

/* Answers @msg, and returns whether the answer is held back to be sent later (/_dev/delay). */
gboolean
dev_process_request (StrayDevserver    *self,
                     SoupServerMessage *msg)
{
  GUri *uri = soup_server_message_get_uri (msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *path = g_uri_get_path (uri);
  g_autofree char *error_message = NULL;
  const Route *route = NULL;
  DevRequest request = { 0 };
  const char *connection_id;
  gboolean delayed = FALSE;
  int code;

  /* Pictures are fetched without tokens, like any avatar on the web. */
  if (g_str_has_prefix (path, "/_dev/avatars/") && g_str_has_suffix (path, ".png") &&
      g_str_equal (soup_server_message_get_method (msg), "GET"))
    {
      g_autofree char *user_id = g_strndup (path + strlen ("/_dev/avatars/"),
                                            strlen (path) - strlen ("/_dev/avatars/") - 4);

      dev_serve_avatar (msg, user_id);
      return FALSE;
    }

  request.self = self;
  request.msg = msg;
  request.method = soup_server_message_get_method (msg);
  request.segments = g_strsplit (path[0] == '/' ? path + 1 : path, "/", -1);
  request.n_segments = g_strv_length (request.segments);
  if (g_uri_get_query (uri) != NULL)
    request.query = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (routes) && route == NULL; i++)
    if (route_matches (&routes[i], request.method, request.segments, request.n_segments))
      route = &routes[i];

  if (route == NULL)
    dev_respond_error (msg, SOUP_STATUS_NOT_FOUND, CODE_NOT_FOUND, "%s %s is not an API endpoint",
                       request.method, path);
  else if ((request.user_id = dev_authenticate (self, dev_query_param (&request, "api_key"),
                                                soup_message_headers_get_one (headers,
                                                                              "stream-auth-type"),
                                                soup_message_headers_get_one (headers,
                                                                              "Authorization"),
                                                &code, &error_message)) == NULL)
    dev_respond_error (msg, status_for_code (code), code, "%s", error_message);
  else
    {
      /* A server token speaks for no user. */
      if (*request.user_id == '\0')
        g_clear_pointer (&request.user_id, g_free);
      if (request.user_id != NULL && dev_query_param (&request, "user_id") != NULL &&
          !g_str_equal (dev_query_param (&request, "user_id"), request.user_id))
        dev_respond_error (msg, SOUP_STATUS_UNAUTHORIZED, 43,
                           "JWTAuth error: user_id %s does not match the token's",
                           dev_query_param (&request, "user_id"));
      else
        {
          connection_id = dev_query_param (&request, "connection_id");
          request.connection = connection_id != NULL
                               ? g_hash_table_lookup (self->connections, connection_id) : NULL;
          /* A stale connection id (after a reconnect) is tolerated; someone else's is not. */
          if (request.connection != NULL &&
              g_strcmp0 (request.connection->user_id, request.user_id) != 0)
            request.connection = NULL;
          if (request.user_id != NULL && self->rate_limited > 0)
            {
              self->rate_limited--;
              soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                            "Retry-After", "1");
              dev_respond_error (msg, 429, 9, "Too many requests, check response headers");
            }
          else if (parse_body (&request))
            route->handler (&request);
          if (request.user_id != NULL && !g_str_has_prefix (path, "/_dev/"))
            count_traffic (self, request.user_id, msg);
          /* What a user is answered may be late, as over a slow network. */
          if (request.user_id != NULL)
            delayed = dev_delay_answer (self, msg);
        }
    }

  g_debug ("%s %s%s → %u", request.method, path, request.user_id ? "" : " (server)",
           soup_server_message_get_status (msg));
  g_strfreev (request.segments);
  g_clear_pointer (&request.query, g_hash_table_unref);
  g_clear_pointer (&request.body, json_object_unref);
  g_free (request.user_id);
  return delayed;
}
