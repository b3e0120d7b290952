/* stray-devserver-dev-hooks.c
 *
 * The /_dev/ routes, which Stream does not have: hooks for tests (raw frames, dropped
 * sockets, a stalled server, fresh tokens, rate limiting, late answers, counted traffic, a
 * clock moved ahead) and
 * the avatars that give the demo's notifications pictures without a network. Kept apart so that what imitates Stream
 * and what only tests use are not mixed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <libsoup/soup.h>
#include <string.h>

#include "stray-devserver-private.h"
#include "stray-json.h"
#include "stray-jwt.h"
#include "stray-raster.h"

#define AVATAR_SIZE 96

gboolean
dev_is_stalled (StrayDevserver *self)
{
  return g_get_monotonic_time () < self->stalled_until;
}

gboolean
dev_handle_inject (DevRequest *request)
{
  const char *user_id = stray_json_string (request->body, "user_id");
  JsonArray *frames = stray_json_array (request->body, "frames");
  g_auto(GStrv) texts = stray_json_strv (frames);
  g_autoptr(JsonObject) response = json_object_new ();
  guint delivered = 0;

  if (!dev_require_server (request))
    return FALSE;
  if (user_id == NULL || texts == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "inject needs user_id and frames, a list of strings");
  for (guint j = 0; texts[j] != NULL; j++)
    delivered += stray_devserver_inject (request->self, user_id, texts[j], strlen (texts[j]));
  json_object_set_int_member (response, "delivered", delivered);
  dev_respond_ok (request, response);
  return TRUE;
}

gboolean
dev_handle_drop (DevRequest *request)
{
  StrayDevserver *self = request->self;
  g_autoptr(GPtrArray) connections = NULL;
  g_autoptr(JsonObject) response = json_object_new ();

  if (!dev_require_server (request))
    return FALSE;
  connections = hash_table_snapshot (self->connections, FALSE);
  for (guint i = 0; i < connections->len; i++)
    {
      DevConnection *connection = g_ptr_array_index (connections, i);
      g_autoptr(SoupWebsocketConnection) socket = g_object_ref (connection->socket);

      /* Closing the stream under the socket: no close frame, as when a network goes away. */
      g_io_stream_close (soup_websocket_connection_get_io_stream (socket), NULL, NULL);
    }
  json_object_set_int_member (response, "dropped", connections->len);
  dev_respond_ok (request, response);
  return TRUE;
}

static gboolean
on_stall_over (gpointer user_data)
{
  StrayDevserver *self = user_data;
  g_autoptr(GPtrArray) held = g_steal_pointer (&self->stalled);

  self->stall_id = 0;
  self->stalled = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < held->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (held, i);

      if (!dev_process_request (self, msg))
        soup_server_message_unpause (msg);
    }
  return G_SOURCE_REMOVE;
}

gboolean
dev_handle_stall (DevRequest *request)
{
  StrayDevserver *self = request->self;
  gint64 seconds = stray_json_int (request->body, "seconds", -1);

  if (!dev_require_server (request))
    return FALSE;
  if (seconds < 0 || seconds > 3600)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "stall needs seconds, between 0 and 3600");
  self->stalled_until = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  g_clear_handle_id (&self->stall_id, g_source_remove);
  /* Milliseconds: second timeouts are coalesced and may fire early. */
  self->stall_id = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) seconds * 1000,
                                       on_stall_over, self, NULL);
  dev_respond_ok (request, NULL);
  return TRUE;
}

gboolean
dev_handle_token (DevRequest *request)
{
  const char *user_id = stray_json_string (request->body, "user_id");
  gint64 ttl = stray_json_int (request->body, "ttl", 0);
  g_autoptr(JsonObject) response = json_object_new ();
  g_autofree char *token = NULL;

  if (!dev_require_server (request))
    return FALSE;
  if (user_id == NULL || *user_id == '\0')
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "token needs user_id");
  /* A negative ttl makes a token that has already expired, for tests of expiry. */
  token = stray_jwt_sign_user (request->self->secret, user_id,
                               ttl != 0 ? g_get_real_time () / G_USEC_PER_SEC + ttl : 0);
  json_object_set_string_member (response, "token", token);
  dev_respond_ok (request, response);
  return TRUE;
}

/* The next N calls made with a user token answer 429, as Stream does when rate limited. */
gboolean
dev_handle_rate_limit (DevRequest *request)
{
  gint64 count = stray_json_int (request->body, "count", -1);

  if (!dev_require_server (request))
    return FALSE;
  if (count < 0 || count > 1000)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "rate-limit needs count, between 0 and 1000");
  request->self->rate_limited = (guint) count;
  dev_respond_ok (request, NULL);
  return TRUE;
}

/* The store's clock moved `seconds` ahead: timed mutes end without the test waiting. */
gboolean
dev_handle_clock (DevRequest *request)
{
  gint64 seconds = stray_json_int (request->body, "seconds", -1);

  if (!dev_require_server (request))
    return FALSE;
  if (seconds < 0 || seconds > 366 * 24 * 3600)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "clock needs seconds, between 0 and a year");
  stray_dev_store_advance_clock (request->self->store, seconds);
  dev_check_reminders (request->self);
  dev_respond_ok (request, NULL);
  return TRUE;
}

/* An answer held back by /_dev/delay until its timeout. */
typedef struct {
  StrayDevserver *self;
  SoupServerMessage *msg;
  guint timeout_id;
} DevDelayedAnswer;

static void
delayed_answer_free (gpointer data)
{
  DevDelayedAnswer *delayed = data;

  g_clear_handle_id (&delayed->timeout_id, g_source_remove);
  soup_server_message_unpause (delayed->msg);
  g_object_unref (delayed->msg);
  g_free (delayed);
}

static gboolean
on_delay_over (gpointer user_data)
{
  DevDelayedAnswer *delayed = user_data;

  delayed->timeout_id = 0;
  g_ptr_array_remove_fast (delayed->self->delayed, delayed);
  return G_SOURCE_REMOVE;
}

/* Holds @msg's answer, already made, back for a while if /_dev/delay asked for it: the call
 * has done its work (and sockets have heard of it), only the answer is late, as when a slow
 * network sits between the client and the server. Returns whether it was held. */
gboolean
dev_delay_answer (StrayDevserver    *self,
                  SoupServerMessage *msg)
{
  DevDelayedAnswer *delayed;
  guint ms;

  if (self->delays_left == 0)
    return FALSE;
  self->delays_left--;
  ms = (guint) g_rand_int_range (self->delay_rand, (gint32) self->delay_min_ms,
                                 (gint32) self->delay_max_ms + 1);
  delayed = g_new0 (DevDelayedAnswer, 1);
  delayed->self = self;
  delayed->msg = g_object_ref (msg);
  delayed->timeout_id = g_timeout_add (ms, on_delay_over, delayed);
  if (self->delayed == NULL)
    self->delayed = g_ptr_array_new_with_free_func (delayed_answer_free);
  g_ptr_array_add (self->delayed, delayed);
  soup_server_message_pause (msg);
  return TRUE;
}

/* Lets every held answer go at once, its timeout removed (the server is going away). */
void
dev_release_delayed_answers (StrayDevserver *self)
{
  g_clear_pointer (&self->delayed, g_ptr_array_unref);
}

/* The next `count` answers to calls made with a user token come ms_min to ms_max ms late
 * (uniformly, from `seed` when one is given, so that a run can be repeated); count 0 ends it.
 * Sockets are not delayed: events keep arriving while answers wait. */
gboolean
dev_handle_delay (DevRequest *request)
{
  StrayDevserver *self = request->self;
  gint64 ms_min = stray_json_int (request->body, "ms_min", -1);
  gint64 ms_max = stray_json_int (request->body, "ms_max", ms_min);
  gint64 count = stray_json_int (request->body, "count", -1);
  JsonNode *seed = json_object_get_member (request->body, "seed");

  if (!dev_require_server (request))
    return FALSE;
  if (ms_min < 0 || ms_max < ms_min || ms_max > 60000 || count < 0 || count > 1000000)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "delay needs ms_min ≤ ms_max, between 0 and 60000, and count, "
                              "between 0 and 1000000");
  if (seed != NULL && (!JSON_NODE_HOLDS_VALUE (seed) ||
                       json_node_get_value_type (seed) != G_TYPE_INT64))
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "delay's seed must be an integer");

  g_clear_pointer (&self->delay_rand, g_rand_free);
  self->delay_rand = seed != NULL ? g_rand_new_with_seed ((guint32) json_node_get_int (seed))
                                  : g_rand_new ();
  self->delay_min_ms = (guint) ms_min;
  self->delay_max_ms = (guint) ms_max;
  self->delays_left = (guint) count;
  dev_respond_ok (request, NULL);
  return TRUE;
}

/* How many calls a user made to Stream's API and the bytes of their answers' bodies, since
 * the server started: a benchmark reads it before and after what it measures. */
gboolean
dev_handle_traffic (DevRequest *request)
{
  const char *user_id = stray_json_string (request->body, "user_id");
  g_autoptr(JsonObject) response = json_object_new ();
  DevTraffic *traffic;

  if (!dev_require_server (request))
    return FALSE;
  if (user_id == NULL)
    return dev_respond_error (request->msg, SOUP_STATUS_BAD_REQUEST, CODE_INPUT,
                              "traffic needs user_id");
  traffic = g_hash_table_lookup (request->self->traffic, user_id);
  json_object_set_int_member (response, "requests", traffic != NULL ? traffic->requests : 0);
  json_object_set_int_member (response, "bytes", traffic != NULL ? traffic->bytes : 0);
  dev_respond_ok (request, response);
  return TRUE;
}

/* A picture for any user, so that the demo's notifications have avatars without a network:
 * a disc in a colour of the user's own (from a hash of the id) with a lighter ring, and a
 * head and shoulders. */
void
dev_serve_avatar (SoupServerMessage *msg,
                  const char        *user_id)
{
  /* A muted palette: no colour too loud for a notification. */
  static const StrayColour palette[] = {
    { 0.36, 0.52, 0.73, 1 }, { 0.45, 0.62, 0.38, 1 }, { 0.75, 0.50, 0.33, 1 },
    { 0.58, 0.42, 0.68, 1 }, { 0.32, 0.60, 0.60, 1 }, { 0.70, 0.40, 0.46, 1 },
  };
  static const StrayColour ring = { 1, 1, 1, 0.5 }, figure = { 1, 1, 1, 0.85 };
  g_autoptr(StrayRaster) raster = stray_raster_new (AVATAR_SIZE, AVATAR_SIZE);
  g_autoptr(GBytes) pixels = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  char *png = NULL;
  gsize length;

  stray_raster_fill_circle (raster, 48, 48, 46,
                            &palette[g_str_hash (user_id) % G_N_ELEMENTS (palette)]);
  stray_raster_stroke_circle (raster, 48, 48, 46, 6, &ring);
  stray_raster_fill_circle (raster, 48, 40, 16, &figure);
  stray_raster_fill_circle (raster, 48, 92, 32, &figure);
  pixels = stray_raster_get_rgba_bytes (raster);
  pixbuf = gdk_pixbuf_new_from_bytes (pixels, GDK_COLORSPACE_RGB, TRUE, 8, AVATAR_SIZE,
                                      AVATAR_SIZE, AVATAR_SIZE * 4);
  if (!gdk_pixbuf_save_to_buffer (pixbuf, &png, &length, "png", &error, NULL))
    {
      dev_respond_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, CODE_INTERNAL,
                         "cannot encode the avatar: %s", error->message);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_TAKE, png, length);
}
