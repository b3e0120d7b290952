/* stray-connection.c
 *
 * One socket at a time to Stream's /connect, as the official SDK keeps it
 * (protocol-notes.md): the URL built the same way, the first frame as the handshake, a ping
 * 25 s after each health.check received, the connection dead after 35 s without a frame,
 * reconnects with the SDK's backoff (reset after a success), none after an auth error. After
 * every handshake the model is resynced over REST (stray-resync.c), so that the counts are
 * exact after any gap: the state is "syncing" until then, and "connected" only once the model
 * has caught up. It remembers up to when the model was whole (the server time of the last
 * event it had while synced), which is what a recovery asks /sync from.
 *
 * It is the one writer of the session's connection state (apart from stray_session_clear(),
 * which makes it not-configured again when there is no account and so no connection).
 *
 * It also reconnects at once when the network comes back and after resume, and disconnects
 * cleanly before suspend (logind's PrepareForSleep).
 *
 * The socket is made by stray-websocket-client.c, whose stream bounds each message, fragments
 * together: past the bound the connection is dropped and retried like any other failure.
 *
 * About 1,000 lines, and kept whole: it is one state machine, whose socket, timers, backoff,
 * held news and network and sleep watchers all read and write the same fields; split, each
 * part would need the whole instance struct through a private header. The resync itself
 * (stray-resync.c) sees it only through stray-connection-private.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-connection"

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "stray-connection-private.h"
#include "stray-event.h"
#include "stray-resync.h"
#include "stray-websocket-client.h"
#include "stray-websocket-limit.h"

/* News held back during a /sync beyond this many is taken in at once, out of order rather
 * than without bound. */
#define MAX_HELD 10000

struct _StrayConnection
{
  GObject parent_instance;

  StraySession *session;
  StrayClient *client;
  SoupWebsocketConnection *socket;
  GCancellable *cancellable;     /* of the current attempt: token, socket, resync */

  guint ping_interval;           /* ms */
  guint dead_after;              /* ms */
  guint handshake_timeout;       /* ms */
  double backoff_scale;          /* tests shorten the backoff */

  guint failures;                /* consecutive, for the backoff */
  guint n_attempts;
  guint n_rejected;
  gboolean started;
  gboolean suspended;
  gboolean handshaken;
  gboolean refresh_token;        /* the last attempt was refused as expired */
  gboolean refreshed_once;       /* …and a refresh was tried already */
  gint64 connected_at;           /* real time µs of the last handshake */
  gboolean resyncing;            /* handshaken, the model not caught up yet */
  gint64 handshake_at;           /* server time µs of the last handshake */
  gint64 latest_event_at;        /* server time µs of the newest event since it */
  gint64 synced_through;         /* server time µs the model is whole up to; 0: never was */
  guint64 n_news;                /* events other than health checks, ever */
  GPtrArray *held;               /* news held back while /sync tells what came before it */
  GHashTable *beyond_synced;     /* keys of events applied after synced_through */
  guint sweep_from;              /* where the next recovery's /sync goes on checking channels */
  GError *error;

  guint reconnect_id;
  guint ping_id;
  guint watchdog_id;
  guint handshake_id;
  GNetworkMonitor *monitor;
  GDBusConnection *system_bus;
  guint sleep_subscription;
};

G_DEFINE_FINAL_TYPE (StrayConnection, stray_connection, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PING_INTERVAL,
  PROP_DEAD_AFTER,
  PROP_HANDSHAKE_TIMEOUT,
  PROP_BACKOFF_SCALE,
  PROP_N_REJECTED,
  PROP_SLEEP_BUS,
  PROP_NETWORK_MONITOR,
  N_PROPS
};

enum {
  SIGNAL_EVENT,
  SIGNAL_SYNCED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void connect_now (StrayConnection *self);
static void schedule_reconnect (StrayConnection *self);

static void
set_state (StrayConnection      *self,
           StrayConnectionState  state)
{
  stray_session_set_connection_state (self->session, state);
}

static void
clear_timers (StrayConnection *self)
{
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  g_clear_handle_id (&self->ping_id, g_source_remove);
  g_clear_handle_id (&self->watchdog_id, g_source_remove);
  g_clear_handle_id (&self->handshake_id, g_source_remove);
}

static void on_socket_message (SoupWebsocketConnection *socket,
                               gint                     type,
                               GBytes                  *message,
                               StrayConnection         *self);
static void on_socket_closed (SoupWebsocketConnection *socket,
                              StrayConnection         *self);
static void on_socket_error (SoupWebsocketConnection *socket,
                             GError                  *error,
                             StrayConnection         *self);

/* Forgets the current socket; with @cleanly it says goodbye with a close frame. */
static void
drop_socket (StrayConnection *self,
             gboolean         cleanly)
{
  g_autoptr(SoupWebsocketConnection) socket = g_steal_pointer (&self->socket);

  clear_timers (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->handshaken = FALSE;
  self->resyncing = FALSE;
  /* The next /sync tells them again, in their place. */
  g_clear_pointer (&self->held, g_ptr_array_unref);
  stray_client_set_connection_id (self->client, NULL);
  if (socket == NULL)
    return;

  g_signal_handlers_disconnect_by_data (socket, self);
  if (soup_websocket_connection_get_state (socket) == SOUP_WEBSOCKET_STATE_OPEN)
    {
      if (cleanly)
        soup_websocket_connection_close (socket, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      else
        g_io_stream_close (soup_websocket_connection_get_io_stream (socket), NULL, NULL);
    }
}

static void
fail (StrayConnection *self,
      GError          *error)
{
  g_debug ("connection failed: %s", error->message);
  g_clear_error (&self->error);
  self->error = error;
  drop_socket (self, FALSE);
  schedule_reconnect (self);
}

static gboolean
is_auth_error (const GError *error)
{
  return error->domain == STRAY_CLIENT_ERROR && error->code >= 2 && error->code < 1000 &&
         error->code != STRAY_CLIENT_ERROR_TOKEN_EXPIRED;
}

/* ---- timers ---- */

static gboolean
on_dead (gpointer user_data)
{
  StrayConnection *self = user_data;

  self->watchdog_id = 0;
  fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                           "no frame for %u ms: the connection is dead", self->dead_after));
  return G_SOURCE_REMOVE;
}

static void
restart_watchdog (StrayConnection *self)
{
  g_clear_handle_id (&self->watchdog_id, g_source_remove);
  self->watchdog_id = g_timeout_add (self->dead_after, on_dead, self);
}

static gboolean
on_ping (gpointer user_data)
{
  StrayConnection *self = user_data;
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *ping = NULL;

  self->ping_id = 0;
  if (self->socket == NULL ||
      soup_websocket_connection_get_state (self->socket) != SOUP_WEBSOCKET_STATE_OPEN)
    return G_SOURCE_REMOVE;

  /* A JSON array of one health.check, as the SDK sends it. */
  ping = g_strdup_printf ("[{\"type\":\"health.check\",\"client_id\":\"%s--%s\"}]",
                          stray_client_get_user_id (self->client), uuid);
  soup_websocket_connection_send_text (self->socket, ping);
  return G_SOURCE_REMOVE;
}

static gboolean
on_handshake_timeout (gpointer user_data)
{
  StrayConnection *self = user_data;

  self->handshake_id = 0;
  fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                           "the server did not answer the handshake within %u ms",
                           self->handshake_timeout));
  return G_SOURCE_REMOVE;
}

/**
 * stray_connection_backoff_delay:
 * @failures: consecutive failures so far, from 1
 *
 * The SDK's backoff (protocol-notes.md): uniform in [min, max) ms with
 * max = min(500 + n·2000, 25000) and min = min(max(250, (n − 1)·2000), 25000).
 *
 * Returns: the delay before the next attempt, in ms
 */
guint
stray_connection_backoff_delay (guint failures)
{
  guint max = MIN (500 + failures * 2000, 25000);
  guint min = MIN (MAX (250, ((int) failures - 1) * 2000), 25000);

  return min < max ? (guint) g_random_int_range (min, max) : min;
}

static gboolean
on_reconnect (gpointer user_data)
{
  StrayConnection *self = user_data;

  self->reconnect_id = 0;
  connect_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (StrayConnection *self)
{
  guint delay;

  if (!self->started || self->suspended)
    return;
  if (self->error != NULL && is_auth_error (self->error))
    {
      /* Retrying a token the server refused only repeats the refusal. */
      set_state (self, STRAY_CONNECTION_AUTH_FAILED);
      return;
    }
  if (self->refresh_token && !self->refreshed_once)
    {
      /* An expired token: get a fresh one and try again at once. */
      self->refreshed_once = TRUE;
      connect_now (self);
      return;
    }
  if (self->refresh_token)
    {
      set_state (self, STRAY_CONNECTION_AUTH_FAILED);
      return;
    }

  self->failures++;
  delay = (guint) (stray_connection_backoff_delay (self->failures) * self->backoff_scale);
  set_state (self, STRAY_CONNECTION_DISCONNECTED);
  g_debug ("reconnecting in %u ms (failure %u)", delay, self->failures);
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  self->reconnect_id = g_timeout_add (MAX (delay, 1), on_reconnect, self);
}

/* ---- resync ---- */

static void
on_resynced (G_GNUC_UNUSED GObject *source,
             GAsyncResult          *result,
             gpointer               user_data)
{
  g_autoptr(StrayConnection) self = user_data;
  g_autoptr(GError) error = NULL;

  /* It retries what may succeed later; what it gives up on (an answer it cannot read, a
   * refusal) a new connection may fare better with. */
  if (!stray_resync_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail (self, g_steal_pointer (&error));
      return;
    }
  g_debug ("resynced");
  self->resyncing = FALSE;
  self->synced_through = MAX (self->latest_event_at, self->handshake_at);
  g_hash_table_remove_all (self->beyond_synced);
  /* Reminders have no /sync: the list is asked again after each handshake's resync, not
   * beside it, so that its answer is parsed on the worker thread the resync's answers used
   * (a second one at once would start a second malloc arena, 0.25 MB more to keep). */
  stray_session_refresh_reminders (self->session, self->client, self->cancellable);
  set_state (self, STRAY_CONNECTION_CONNECTED);
  g_signal_emit (self, signals[SIGNAL_SYNCED], 0);
}

/* ---- the socket ---- */

static GError *
handshake_error (const StrayEventRefusal *refusal)
{
  gint32 code = MAX (refusal->code, 0);

  return g_error_new (STRAY_CLIENT_ERROR, code > 0 && code < 1000 ? code
                                                                  : STRAY_CLIENT_ERROR_HTTP,
                      "the server refused the connection (code %d): %s", code,
                      refusal->message != NULL ? refusal->message : "no reason given");
}

/* Online is "connected" only once the model has caught up. */
static StrayConnectionState
online_state (StrayConnection *self)
{
  return self->resyncing ? STRAY_CONNECTION_SYNCING : STRAY_CONNECTION_CONNECTED;
}

/* Events about the connection itself: the server's health.check, and connection.changed and
 * connection.recovered should a server send them (the SDK makes those for itself). */
static void
follow_event (StrayConnection  *self,
              const StrayEvent *event)
{
  switch (event->type)
    {
    case STRAY_EVENT_HEALTH_CHECK:
    case STRAY_EVENT_CONNECTION_RECOVERED:
      set_state (self, online_state (self));
      break;
    case STRAY_EVENT_CONNECTION_CHANGED:
      set_state (self, event->online ? online_state (self) : STRAY_CONNECTION_DISCONNECTED);
      break;
    default:
      break;
    }
}

/* Events the model took in after synced_through: should this resync not complete, the next
 * one's /sync gives them again, and they must not count twice. */
static char *
event_key (const StrayEvent *event)
{
  return g_strdup_printf ("%s %s %" G_GINT64_FORMAT " %s", event->type_name,
                          event->cid != NULL ? event->cid : "",
                          event->created_at_us,
                          event->message != NULL && event->message->id != NULL
                          ? event->message->id : "");
}

static void
note_beyond_synced (StrayConnection  *self,
                    const StrayEvent *event)
{
  g_hash_table_add (self->beyond_synced, event_key (event));
}

/* Whether an event is news now, rather than about what happened before this connection. */
static gboolean
is_live (StrayConnection  *self,
         const StrayEvent *event)
{
  const StrayEventMessage *message = event->message;

  return message == NULL || message->created_at_us == 0 ||
         message->created_at_us >= self->connected_at;
}

static void
handle_handshake (StrayConnection *self,
                  const char      *data,
                  gsize            length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayEvent) event = NULL;

  g_clear_handle_id (&self->handshake_id, g_source_remove);
  event = stray_event_decode (data, length, &error);
  if (event == NULL)
    {
      fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "the handshake frame was refused: %s", error->message));
      return;
    }

  if (event->refusal != NULL)
    {
      GError *refused = handshake_error (event->refusal);

      self->refresh_token = refused->code == STRAY_CLIENT_ERROR_TOKEN_EXPIRED;
      fail (self, refused);
      return;
    }
  if (event->type != STRAY_EVENT_HEALTH_CHECK || event->connection_id == NULL)
    {
      fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "the first frame was %s, not a health.check with a connection_id",
                               event->type_name));
      return;
    }

  g_debug ("connected, connection %s", event->connection_id);
  self->handshaken = TRUE;
  self->failures = 0;
  self->refresh_token = FALSE;
  self->refreshed_once = FALSE;
  self->connected_at = g_get_real_time ();
  /* The server's clock, which /sync compares with; ours only if it gave none. */
  self->handshake_at = event->created_at_us > 0 ? event->created_at_us : self->connected_at;
  self->latest_event_at = self->handshake_at;
  self->resyncing = TRUE;
  g_clear_error (&self->error);
  stray_client_set_connection_id (self->client, event->connection_id);
  set_state (self, STRAY_CONNECTION_SYNCING);
  stray_session_apply (self->session, event);
  self->ping_id = g_timeout_add (self->ping_interval, on_ping, self);
  stray_resync_async (self, self->cancellable, on_resynced, g_object_ref (self));
}

/* Everything but what is about the connection itself. */
static gboolean
is_news (const StrayEvent *event)
{
  return event->type != STRAY_EVENT_HEALTH_CHECK &&
         event->type != STRAY_EVENT_CONNECTION_CHANGED &&
         event->type != STRAY_EVENT_CONNECTION_RECOVERED;
}

static void
take_in (StrayConnection  *self,
         const StrayEvent *event)
{
  self->latest_event_at = MAX (self->latest_event_at, event->created_at_us);
  if (!self->resyncing)
    self->synced_through = MAX (self->synced_through, event->created_at_us);
  else if (self->synced_through > 0 && event->created_at_us > self->synced_through)
    note_beyond_synced (self, event);
  follow_event (self, event);
  stray_session_apply (self->session, event);
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, event, is_live (self, event));
}

static void
on_socket_message (G_GNUC_UNUSED SoupWebsocketConnection *socket,
                   gint                                   type,
                   GBytes                                *message,
                   StrayConnection                       *self)
{
  gsize length;
  const char *data = g_bytes_get_data (message, &length);
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayEvent) event = NULL;

  restart_watchdog (self);
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      self->n_rejected++;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_REJECTED]);
      g_debug ("frame rejected: binary frames carry no events");
      return;
    }
  if (!self->handshaken)
    {
      handle_handshake (self, data, length);
      return;
    }

  event = stray_event_decode (data, length, &error);
  if (event == NULL)
    {
      /* The reason only, never the frame: it could hold anything. */
      self->n_rejected++;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_REJECTED]);
      g_debug ("frame rejected: %s", error->message);
      return;
    }

  if (event->type == STRAY_EVENT_HEALTH_CHECK)
    {
      g_clear_handle_id (&self->ping_id, g_source_remove);
      self->ping_id = g_timeout_add (self->ping_interval, on_ping, self);
    }
  if (event->type != STRAY_EVENT_HEALTH_CHECK)
    self->n_news++;
  if (self->held != NULL && is_news (event))
    {
      g_ptr_array_add (self->held, g_steal_pointer (&event));
      if (self->held->len >= MAX_HELD)
        stray_connection_release_news (self);
      return;
    }
  take_in (self, event);
}

static void
on_socket_closed (SoupWebsocketConnection *socket,
                  StrayConnection         *self)
{
  gushort code = soup_websocket_connection_get_close_code (socket);

  if (self->error == NULL)
    self->error = g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                               "the server closed the connection (code %u)", code);
  fail (self, g_steal_pointer (&self->error));
}

/* Why libsoup is closing the socket (a message over the limit, a protocol error), which the
 * "closed" that follows reports. */
static void
on_socket_error (G_GNUC_UNUSED SoupWebsocketConnection *socket,
                 GError                                *error,
                 StrayConnection                       *self)
{
  /* Closing the socket's stream closes the connection under it, and then its output again:
   * that second close's complaint is no reason. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
    return;
  g_clear_error (&self->error);
  self->error = g_error_copy (error);
}

static void
on_socket_connected (G_GNUC_UNUSED GObject *source,
                     GAsyncResult          *result,
                     gpointer               user_data)
{
  g_autoptr(StrayConnection) self = user_data;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *socket;

  socket = stray_websocket_connect_finish (result, &error);
  if (socket == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail (self, g_steal_pointer (&error));
      return;
    }

  self->socket = socket;
  /* A frame is a message or a part of one: what bounds messages bounds frames. */
  soup_websocket_connection_set_max_incoming_payload_size (socket,
                                                           STRAY_WEBSOCKET_MAX_MESSAGE_SIZE);
  g_signal_connect (socket, "message", G_CALLBACK (on_socket_message), self);
  g_signal_connect (socket, "error", G_CALLBACK (on_socket_error), self);
  g_signal_connect (socket, "closed", G_CALLBACK (on_socket_closed), self);
  self->handshake_id = g_timeout_add (self->handshake_timeout, on_handshake_timeout, self);
  restart_watchdog (self);
}

static void
on_token (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(StrayConnection) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GUri) uri = NULL;

  token = stray_token_provider_get_token_finish (STRAY_TOKEN_PROVIDER (source), result, &error);
  if (token == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Without a token there is nothing to retry with. */
      g_clear_error (&self->error);
      self->error = g_steal_pointer (&error);
      g_debug ("no token: %s", self->error->message);
      set_state (self, STRAY_CONNECTION_AUTH_FAILED);
      return;
    }

  url = stray_client_socket_url (self->client, token);
  memset (token, 0, strlen (token));
  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      memset (url, 0, strlen (url));
      g_clear_error (&self->error);
      self->error = g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                 "“%s” is not a valid server URL",
                                 stray_client_get_base_url (self->client));
      set_state (self, STRAY_CONNECTION_AUTH_FAILED);
      return;
    }
  /* Messages, fragments together, are bounded by the connection's own stream
   * (stray-websocket-limit.c); messages over the decoder's 1 MiB and under that bound are
   * refused one by one, the connection kept. */
  stray_websocket_connect_async (url, STRAY_CLIENT_X_STREAM_CLIENT,
                                 STRAY_WEBSOCKET_MAX_MESSAGE_SIZE, self->cancellable,
                                 on_socket_connected, g_object_ref (self));
  memset (url, 0, strlen (url));
}

static void
connect_now (StrayConnection *self)
{
  drop_socket (self, TRUE);
  if (!self->started || self->suspended)
    return;

  self->n_attempts++;
  self->cancellable = g_cancellable_new ();
  set_state (self, STRAY_CONNECTION_CONNECTING);
  g_debug ("connecting (attempt %u)", self->n_attempts);
  stray_token_provider_get_token_async (stray_client_get_tokens (self->client),
                                        self->refresh_token, self->cancellable, on_token,
                                        g_object_ref (self));
}

/* ---- the world around: network and sleep ---- */

static void
on_network_changed (G_GNUC_UNUSED GNetworkMonitor *monitor,
                    gboolean                       available,
                    StrayConnection               *self)
{
  if (!available || !self->started || self->handshaken ||
      stray_session_get_connection_state (self->session) == STRAY_CONNECTION_AUTH_FAILED)
    return;
  g_debug ("the network is back: reconnecting now");
  self->failures = 0;
  connect_now (self);
}

static void
on_prepare_for_sleep (G_GNUC_UNUSED GDBusConnection *bus,
                      G_GNUC_UNUSED const char      *sender,
                      G_GNUC_UNUSED const char      *path,
                      G_GNUC_UNUSED const char      *interface,
                      G_GNUC_UNUSED const char      *signal,
                      GVariant                      *parameters,
                      gpointer                       user_data)
{
  StrayConnection *self = user_data;
  gboolean sleeping = FALSE;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(b)")))
    return;
  g_variant_get (parameters, "(b)", &sleeping);
  if (sleeping)
    {
      g_debug ("suspending: disconnecting");
      self->suspended = TRUE;
      drop_socket (self, TRUE);
      set_state (self, STRAY_CONNECTION_DISCONNECTED);
    }
  else if (self->suspended)
    {
      g_debug ("resumed: reconnecting now");
      self->suspended = FALSE;
      self->failures = 0;
      connect_now (self);
    }
}

/* ---- the object ---- */

static void
stray_connection_dispose (GObject *object)
{
  StrayConnection *self = STRAY_CONNECTION (object);

  self->started = FALSE;
  drop_socket (self, TRUE);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  if (self->system_bus != NULL && self->sleep_subscription != 0)
    g_dbus_connection_signal_unsubscribe (self->system_bus, self->sleep_subscription);
  self->sleep_subscription = 0;
  g_clear_object (&self->system_bus);
  g_clear_object (&self->client);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (stray_connection_parent_class)->dispose (object);
}

static void
stray_connection_finalize (GObject *object)
{
  StrayConnection *self = STRAY_CONNECTION (object);

  g_clear_error (&self->error);
  g_hash_table_unref (self->beyond_synced);

  G_OBJECT_CLASS (stray_connection_parent_class)->finalize (object);
}

static void
stray_connection_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  StrayConnection *self = STRAY_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_PING_INTERVAL:
      g_value_set_uint (value, self->ping_interval);
      break;
    case PROP_DEAD_AFTER:
      g_value_set_uint (value, self->dead_after);
      break;
    case PROP_HANDSHAKE_TIMEOUT:
      g_value_set_uint (value, self->handshake_timeout);
      break;
    case PROP_BACKOFF_SCALE:
      g_value_set_double (value, self->backoff_scale);
      break;
    case PROP_N_REJECTED:
      g_value_set_uint (value, self->n_rejected);
      break;
    case PROP_SLEEP_BUS:
      g_value_set_object (value, self->system_bus);
      break;
    case PROP_NETWORK_MONITOR:
      g_value_set_object (value, self->monitor);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
stray_connection_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  StrayConnection *self = STRAY_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_PING_INTERVAL:
      self->ping_interval = g_value_get_uint (value);
      break;
    case PROP_DEAD_AFTER:
      self->dead_after = g_value_get_uint (value);
      break;
    case PROP_HANDSHAKE_TIMEOUT:
      self->handshake_timeout = g_value_get_uint (value);
      break;
    case PROP_BACKOFF_SCALE:
      self->backoff_scale = g_value_get_double (value);
      break;
    case PROP_SLEEP_BUS:
      g_set_object (&self->system_bus, g_value_get_object (value));
      break;
    case PROP_NETWORK_MONITOR:
      g_set_object (&self->monitor, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
stray_connection_class_init (StrayConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  object_class->dispose = stray_connection_dispose;
  object_class->finalize = stray_connection_finalize;
  object_class->get_property = stray_connection_get_property;
  object_class->set_property = stray_connection_set_property;

  /* Stream's timings (protocol-notes.md); tests shorten them. */
  properties[PROP_PING_INTERVAL] =
    g_param_spec_uint ("ping-interval", NULL, NULL, 1, G_MAXUINT, 25000, flags);
  properties[PROP_DEAD_AFTER] =
    g_param_spec_uint ("dead-after", NULL, NULL, 1, G_MAXUINT, 35000, flags);
  properties[PROP_HANDSHAKE_TIMEOUT] =
    g_param_spec_uint ("handshake-timeout", NULL, NULL, 1, G_MAXUINT, 15000, flags);
  properties[PROP_BACKOFF_SCALE] =
    g_param_spec_double ("backoff-scale", NULL, NULL, 0.0, 10.0, 1.0, flags);
  properties[PROP_N_REJECTED] =
    g_param_spec_uint ("n-rejected", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Where logind's PrepareForSleep comes from: the system bus unless a test says otherwise. */
  properties[PROP_SLEEP_BUS] =
    g_param_spec_object ("sleep-bus", NULL, NULL, G_TYPE_DBUS_CONNECTION, flags);
  /* Whose network-changed says the network is back: GIO's default unless a test says. */
  properties[PROP_NETWORK_MONITOR] =
    g_param_spec_object ("network-monitor", NULL, NULL, G_TYPE_NETWORK_MONITOR, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * StrayConnection::event:
   * @event: the event, already applied to the session
   * @live: %FALSE for news of messages from before this connection (they count, but are
   *   not to be announced)
   */
  signals[SIGNAL_EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, STRAY_TYPE_EVENT | G_SIGNAL_TYPE_STATIC_SCOPE,
                  G_TYPE_BOOLEAN);
  /* The model has been resynced after a handshake. */
  signals[SIGNAL_SYNCED] =
    g_signal_new ("synced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
stray_connection_init (StrayConnection *self)
{
  self->ping_interval = 25000;
  self->dead_after = 35000;
  self->handshake_timeout = 15000;
  self->backoff_scale = 1.0;
  self->beyond_synced = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/**
 * stray_connection_new:
 * @session: the model to keep up to date
 * @client: the account's REST client, whose token provider the socket uses too
 *
 * Returns: (transfer full): a connection, not started
 */
StrayConnection *
stray_connection_new (StraySession *session,
                      StrayClient  *client)
{
  StrayConnection *self;

  g_return_val_if_fail (STRAY_IS_SESSION (session), NULL);
  g_return_val_if_fail (STRAY_IS_CLIENT (client), NULL);

  self = g_object_new (STRAY_TYPE_CONNECTION, NULL);
  self->session = g_object_ref (session);
  self->client = g_object_ref (client);
  return self;
}

void
stray_connection_start (StrayConnection *self)
{
  g_return_if_fail (STRAY_IS_CONNECTION (self));

  if (self->started)
    return;
  self->started = TRUE;

  if (self->monitor == NULL)
    self->monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_handlers_disconnect_by_func (self->monitor, on_network_changed, self);
  g_signal_connect (self->monitor, "network-changed", G_CALLBACK (on_network_changed), self);
  if (self->system_bus == NULL)
    /* No system bus (a container, a test) means no suspend to follow. */
    self->system_bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, NULL);
  if (self->system_bus != NULL && self->sleep_subscription == 0)
    self->sleep_subscription =
      g_dbus_connection_signal_subscribe (self->system_bus, "org.freedesktop.login1",
                                          "org.freedesktop.login1.Manager",
                                          "PrepareForSleep", "/org/freedesktop/login1",
                                          NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                          on_prepare_for_sleep, self, NULL);
  connect_now (self);
}

void
stray_connection_stop (StrayConnection *self)
{
  g_return_if_fail (STRAY_IS_CONNECTION (self));

  self->started = FALSE;
  drop_socket (self, TRUE);
  set_state (self, STRAY_CONNECTION_DISCONNECTED);
}

/* At once, whatever the backoff says; after an auth failure too (the user may have fixed it). */
void
stray_connection_reconnect (StrayConnection *self)
{
  g_return_if_fail (STRAY_IS_CONNECTION (self));

  g_clear_error (&self->error);
  self->failures = 0;
  self->refreshed_once = FALSE;
  if (!self->started)
    stray_connection_start (self);
  else
    connect_now (self);
}

/**
 * stray_connection_get_error:
 *
 * Returns: (nullable): why the last attempt failed
 */
const GError *
stray_connection_get_error (StrayConnection *self)
{
  g_return_val_if_fail (STRAY_IS_CONNECTION (self), NULL);

  return self->error;
}

guint
stray_connection_get_n_attempts (StrayConnection *self)
{
  g_return_val_if_fail (STRAY_IS_CONNECTION (self), 0);

  return self->n_attempts;
}

/**
 * stray_connection_get_client:
 *
 * Returns: (transfer none): the REST client
 */
StrayClient *
stray_connection_get_client (StrayConnection *self)
{
  g_return_val_if_fail (STRAY_IS_CONNECTION (self), NULL);

  return self->client;
}

/* ---- for the resync (stray-connection-private.h) ---- */

StraySession *
stray_connection_get_session (StrayConnection *self)
{
  return self->session;
}

double
stray_connection_get_backoff_scale (StrayConnection *self)
{
  return self->backoff_scale;
}

/* Returns: the server time (µs) up to which the model was whole, or 0 if it never was */
gint64
stray_connection_get_synced_through (StrayConnection *self)
{
  return self->synced_through;
}

/* Returns: the server time (µs) of the last handshake */
gint64
stray_connection_get_handshake_at (StrayConnection *self)
{
  return self->handshake_at;
}

/* Returns: how many events other than health checks came so far: a count that moved means
 * the model changed meanwhile */
guint64
stray_connection_get_n_news (StrayConnection *self)
{
  return self->n_news;
}

/* Returns: the position in the channel list from which the next recovery checks, by /sync,
 * channels that nothing else would have it ask about */
guint
stray_connection_get_sweep_from (StrayConnection *self)
{
  return self->sweep_from;
}

void
stray_connection_set_sweep_from (StrayConnection *self,
                                 guint            position)
{
  self->sweep_from = position;
}

/* An event missed during a gap, from /sync: applied as a live one would have been (so that
 * mentions and direct messages count as such), but not announced. */
void
stray_connection_replay_missed (StrayConnection  *self,
                                const StrayEvent *event)
{
  g_autofree char *key = event_key (event);

  if (!g_hash_table_add (self->beyond_synced, g_steal_pointer (&key)))
    return;
  stray_session_apply (self->session, event);
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, event, FALSE);
}

/* While /sync's answers are on their way, news from the socket waits, so that what was missed
 * (older) is applied before what came since (newer), as it happened. */
void
stray_connection_hold_news (StrayConnection *self)
{
  if (self->held == NULL)
    self->held = g_ptr_array_new_with_free_func ((GDestroyNotify) stray_event_unref);
}

/* The news held back, applied in the order it came; news is applied as it comes again. */
void
stray_connection_release_news (StrayConnection *self)
{
  g_autoptr(GPtrArray) held = g_steal_pointer (&self->held);

  for (guint i = 0; held != NULL && i < held->len; i++)
    take_in (self, g_ptr_array_index (held, i));
}
