/* stray-devserver.c
 *
 * Speaks Stream Chat's protocol (docs/protocol-notes.md) faithfully enough that the
 * official JavaScript SDK works against it unmodified: the WebSocket at /connect, the REST
 * calls of the user and of the server-side client, and the events each of them causes, with
 * every recipient's own unread counts. It also has hooks for tests (/_dev/…) that Stream does
 * not have: raw frames, dropped sockets, a stalled server, fresh tokens and late answers.
 *
 * This file is the object and its front door: properties, listening, the credentials every
 * request and socket is checked against, and a request held while the server is stalled. What
 * a request may cost before it is routed (its size, its time) is stray-devserver-limits.c's.
 * The rest is in files named after what they serve (stray-devserver-private.h lists them).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "stray-devserver-private.h"
#include "stray-json.h"
#include "stray-jwt.h"

G_DEFINE_FINAL_TYPE (StrayDevserver, stray_devserver, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_API_KEY,
  PROP_SECRET,
  PROP_HEALTH_INTERVAL,
  PROP_ALLOW_DEV_TOKENS,
  PROP_ALLOW_REMOTE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The user a token speaks for, or an error in Stream's terms. */
char *
dev_authenticate (StrayDevserver *self,
                  const char     *api_key,
                  const char     *auth_type,
                  const char     *token,
                  int            *out_code,
                  char          **out_message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = NULL;
  const char *user_id;

  *out_code = 0;
  if (api_key == NULL || !g_str_equal (api_key, self->api_key))
    {
      *out_code = CODE_API_KEY;
      *out_message = g_strdup_printf ("api_key not valid");
      return NULL;
    }
  if (auth_type != NULL && !g_str_equal (auth_type, "jwt"))
    {
      *out_code = CODE_INPUT;
      *out_message = g_strdup ("stream-auth-type must be jwt: anonymous users are not enabled");
      return NULL;
    }
  if (token == NULL || *token == '\0')
    {
      *out_code = CODE_INPUT;
      *out_message = g_strdup ("JWTAuth error: the authorization token is missing");
      return NULL;
    }
  claims = stray_jwt_verify (token, self->secret, self->allow_dev_tokens,
                             g_get_real_time () / G_USEC_PER_SEC, &error);
  if (claims == NULL)
    {
      *out_code = error->code;
      *out_message = g_strdup (error->message);
      return NULL;
    }
  user_id = stray_json_string (claims, "user_id");
  return g_strdup (user_id != NULL ? user_id : "");
}

static void
on_request (G_GNUC_UNUSED SoupServer *server,
            SoupServerMessage *msg,
            G_GNUC_UNUSED const char *path,
            G_GNUC_UNUSED GHashTable *query,
            gpointer           user_data)
{
  StrayDevserver *self = user_data;

  if (dev_is_stalled (self))
    {
      /* Held, not answered, until the stall is over. */
      g_ptr_array_add (self->stalled, g_object_ref (msg));
      soup_server_message_pause (msg);
      return;
    }
  dev_process_request (self, msg);
}

static void
stray_devserver_dispose (GObject *object)
{
  StrayDevserver *self = STRAY_DEVSERVER (object);

  g_clear_handle_id (&self->stall_id, g_source_remove);
  g_clear_handle_id (&self->reminder_timer_id, g_source_remove);
  /* Held answers let go before the server disconnects: no timeout outlives it. */
  dev_release_delayed_answers (self);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  if (self->connections != NULL)
    {
      g_autoptr(GPtrArray) connections = hash_table_snapshot (self->connections, FALSE);

      for (guint i = 0; i < connections->len; i++)
        {
          DevConnection *connection = g_ptr_array_index (connections, i);

          g_signal_handlers_disconnect_by_data (connection->socket, connection);
          if (soup_websocket_connection_get_state (connection->socket) ==
              SOUP_WEBSOCKET_STATE_OPEN)
            soup_websocket_connection_close (connection->socket, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                                             NULL);
        }
      g_hash_table_remove_all (self->watchers);
      g_hash_table_remove_all (self->by_user);
      g_hash_table_remove_all (self->connections);
    }
  g_clear_pointer (&self->stalled, g_ptr_array_unref);
  dev_forget_waiting (self);
  g_clear_object (&self->server);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (stray_devserver_parent_class)->dispose (object);
}

static void
stray_devserver_finalize (GObject *object)
{
  StrayDevserver *self = STRAY_DEVSERVER (object);

  g_free (self->api_key);
  g_free (self->secret);
  g_free (self->base_url);
  g_clear_pointer (&self->delay_rand, g_rand_free);
  g_hash_table_unref (self->connections);
  g_hash_table_unref (self->by_user);
  g_hash_table_unref (self->watchers);
  g_hash_table_unref (self->traffic);
  g_queue_free (self->waiting);

  G_OBJECT_CLASS (stray_devserver_parent_class)->finalize (object);
}

static void
stray_devserver_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  StrayDevserver *self = STRAY_DEVSERVER (object);

  switch (prop_id)
    {
    case PROP_API_KEY:
      g_value_set_string (value, self->api_key);
      break;
    case PROP_SECRET:
      g_value_set_string (value, self->secret);
      break;
    case PROP_HEALTH_INTERVAL:
      g_value_set_uint (value, self->health_interval);
      break;
    case PROP_ALLOW_DEV_TOKENS:
      g_value_set_boolean (value, self->allow_dev_tokens);
      break;
    case PROP_ALLOW_REMOTE:
      g_value_set_boolean (value, self->allow_remote);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
stray_devserver_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  StrayDevserver *self = STRAY_DEVSERVER (object);

  switch (prop_id)
    {
    case PROP_API_KEY:
      self->api_key = g_value_dup_string (value);
      break;
    case PROP_SECRET:
      self->secret = g_value_dup_string (value);
      break;
    case PROP_HEALTH_INTERVAL:
      self->health_interval = g_value_get_uint (value);
      break;
    case PROP_ALLOW_DEV_TOKENS:
      self->allow_dev_tokens = g_value_get_boolean (value);
      break;
    case PROP_ALLOW_REMOTE:
      self->allow_remote = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
stray_devserver_class_init (StrayDevserverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = stray_devserver_dispose;
  object_class->finalize = stray_devserver_finalize;
  object_class->get_property = stray_devserver_get_property;
  object_class->set_property = stray_devserver_set_property;

  properties[PROP_API_KEY] =
    g_param_spec_string ("api-key", NULL, NULL, "stream-tray-dev", construct);
  properties[PROP_SECRET] =
    g_param_spec_string ("secret", NULL, NULL, NULL, construct);
  properties[PROP_HEALTH_INTERVAL] =
    g_param_spec_uint ("health-interval", NULL, NULL, 0, 3600, 30, construct);
  properties[PROP_ALLOW_DEV_TOKENS] =
    g_param_spec_boolean ("allow-dev-tokens", NULL, NULL, FALSE, construct);
  properties[PROP_ALLOW_REMOTE] =
    g_param_spec_boolean ("allow-remote", NULL, NULL, FALSE, construct);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
stray_devserver_init (StrayDevserver *self)
{
  self->store = stray_dev_store_new ();
  self->connections = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, dev_connection_free);
  self->by_user = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
  self->traffic = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->watchers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_ptr_array_unref);
  self->stalled = g_ptr_array_new_with_free_func (g_object_unref);
  self->request_timeout_ms = DEV_REQUEST_TIMEOUT_MS;
  self->waiting = g_queue_new ();
  self->max_waiting = DEV_MAX_WAITING;
  self->waiting_grace_ms = DEV_WAITING_GRACE_MS;
}

/**
 * stray_devserver_new:
 * @api_key: the app's API key clients must send
 * @secret: the secret tokens are signed with
 *
 * Returns: (transfer full): a server, not listening yet
 */
StrayDevserver *
stray_devserver_new (const char *api_key,
                     const char *secret)
{
  g_return_val_if_fail (api_key != NULL && *api_key != '\0', NULL);
  g_return_val_if_fail (secret != NULL && *secret != '\0', NULL);

  return g_object_new (STRAY_TYPE_DEVSERVER, "api-key", api_key, "secret", secret, NULL);
}

/**
 * stray_devserver_listen:
 * @address: "HOST:PORT" ("[::1]:0" for IPv6); port 0 picks a free one
 *
 * Listens on a loopback address, or any with allow-remote.
 *
 * Returns: whether it listens
 */
gboolean
stray_devserver_listen (StrayDevserver *self,
                        const char     *address,
                        GError        **error)
{
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) inet_address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *colon;
  guint64 port;
  GSList *uris;

  g_return_val_if_fail (STRAY_IS_DEVSERVER (self), FALSE);
  g_return_val_if_fail (self->server == NULL, FALSE);

  colon = strrchr (address, ':');
  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &port, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an address: write HOST:PORT, e.g. 127.0.0.1:0", address);
      return FALSE;
    }
  host = g_strndup (address, colon - address);
  if (host[0] == '[' && host[strlen (host) - 1] == ']')
    {
      char *bare = g_strndup (host + 1, strlen (host) - 2);

      g_free (host);
      host = bare;
    }
  inet_address = g_inet_address_new_from_string (host);
  if (inet_address == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an IP address", host);
      return FALSE;
    }
  if (!g_inet_address_get_is_loopback (inet_address) && !self->allow_remote)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "%s is not a loopback address; pass --allow-remote to listen on it", host);
      return FALSE;
    }

  self->server = soup_server_new ("server-header", "stream-tray-devserver ", NULL);
  dev_limit_requests (self);
  /* A plain handler, not SoupServer's WebSocket one: it upgrades over a counting stream. */
  soup_server_add_handler (self->server, "/connect", dev_on_connect, self, NULL);
  soup_server_add_handler (self->server, NULL, on_request, self, NULL);

  socket_address = g_inet_socket_address_new (inet_address, (guint16) port);
  if (!soup_server_listen (self->server, socket_address, 0, error))
    {
      g_clear_object (&self->server);
      return FALSE;
    }

  uris = soup_server_get_uris (self->server);
  uri = g_uri_ref (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  self->base_url = g_strdup_printf ("http://%s%s%s:%d",
                                    g_inet_address_get_family (inet_address) ==
                                    G_SOCKET_FAMILY_IPV6 ? "[" : "",
                                    host,
                                    g_inet_address_get_family (inet_address) ==
                                    G_SOCKET_FAMILY_IPV6 ? "]" : "",
                                    g_uri_get_port (uri));
  return TRUE;
}

/**
 * stray_devserver_get_base_url:
 *
 * Returns: (nullable): "http://HOST:PORT" once listening
 */
const char *
stray_devserver_get_base_url (StrayDevserver *self)
{
  g_return_val_if_fail (STRAY_IS_DEVSERVER (self), NULL);

  return self->base_url;
}

const char *
stray_devserver_get_api_key (StrayDevserver *self)
{
  g_return_val_if_fail (STRAY_IS_DEVSERVER (self), NULL);

  return self->api_key;
}

const char *
stray_devserver_get_secret (StrayDevserver *self)
{
  g_return_val_if_fail (STRAY_IS_DEVSERVER (self), NULL);

  return self->secret;
}

/**
 * stray_devserver_get_store:
 *
 * Returns: (transfer none): the server's state
 */
StrayDevStore *
stray_devserver_get_store (StrayDevserver *self)
{
  g_return_val_if_fail (STRAY_IS_DEVSERVER (self), NULL);

  return self->store;
}

guint
stray_devserver_get_n_connections (StrayDevserver *self)
{
  g_return_val_if_fail (STRAY_IS_DEVSERVER (self), 0);

  return g_hash_table_size (self->connections);
}
