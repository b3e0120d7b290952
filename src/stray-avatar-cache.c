/* stray-avatar-cache.c
 *
 * A sender's picture comes from a URL that any chat user may set, so fetching it is done as
 * for untrusted input. The request obeys stray-avatar-policy.c: its scheme before anything is
 * sent, every redirect (followed here, never by libsoup, so that each hop is checked), and the
 * address of every connection as it is made (SoupMessage::network-event at CONNECTING, after
 * DNS: the socket is closed before connect() is called, so a refused address sees no packet).
 * Proxies are not used for avatars: through a proxy the address seen is the proxy's, and the
 * proxy would reach the LAN on a chat user's behalf; a desktop that has no route but a proxy
 * shows its senders without pictures, which is what an avatar can cost.
 *
 * Bodies over 512 KB are refused; what arrives is decoded in a thread, one picture at a time,
 * by stray_avatar_decode() (PNG, JPEG, GIF, WebP, and nothing large), scaled to 96 px and kept
 * as PNG under the cache directory, named by the URL's SHA-1, so that it survives restarts.
 * A URL that failed (network, policy, picture) is not tried again before its backoff, which
 * doubles from a minute up to an hour. The table is bounded: the least recently used pictures
 * and failures are forgotten past STRAY_AVATAR_CACHE_MAX_ENTRIES.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-notifier"

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "stray-avatar-cache.h"
#include "stray-avatar-decode.h"
#include "stray-avatar-policy.h"

/* 128 pictures of 96×96 RGBA are 4.7 MB at most. */
#define STRAY_AVATAR_CACHE_MAX_ENTRIES 128
/* Fetches under way or waiting to decode: each may hold a 512 KB body. */
#define STRAY_AVATAR_CACHE_MAX_PENDING 16
#define STRAY_AVATAR_CACHE_MAX_REDIRECTS 3
#define STRAY_AVATAR_CACHE_RETRY_FIRST_SECONDS 60
#define STRAY_AVATAR_CACHE_RETRY_MAX_SECONDS 3600

typedef enum {
  ENTRY_PENDING,
  ENTRY_READY,
  ENTRY_FAILED,
} EntryState;

typedef struct {
  char *url;
  EntryState state;
  GdkPixbuf *pixbuf;  /* READY */
  gint64 retry_at;    /* FAILED: g_get_monotonic_time () from which it is tried again */
  guint n_failures;
  GPtrArray *waiting; /* GTask */
  GList link;         /* in StrayAvatarCache.order */
} Entry;

struct _StrayAvatarCache
{
  GObject parent_instance;

  char *directory;
  char *server_url;
  SoupSession *session;
  GHashTable *entries; /* url → Entry */
  GQueue order;        /* Entry, least recently used first */
  guint n_pending;
  GQueue decodes;      /* Decode, waiting for the decoding thread */
  gboolean decoding;
  guint n_fetches;
};

G_DEFINE_FINAL_TYPE (StrayAvatarCache, stray_avatar_cache, G_TYPE_OBJECT)

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_clear_object (&entry->pixbuf);
  g_clear_pointer (&entry->waiting, g_ptr_array_unref);
  g_free (entry->url);
  g_free (entry);
}

static char *
cache_path (StrayAvatarCache *self,
            const char       *url)
{
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA1, url, -1);
  g_autofree char *name = g_strconcat (hash, ".png", NULL);

  return g_build_filename (self->directory, name, NULL);
}

/* Forgets the least recently used entries that are not under way, past the bound. */
static void
evict (StrayAvatarCache *self)
{
  GList *link = self->order.head;

  while (g_hash_table_size (self->entries) > STRAY_AVATAR_CACHE_MAX_ENTRIES && link != NULL)
    {
      Entry *entry = link->data;

      link = link->next;
      if (entry->state == ENTRY_PENDING)
        continue;
      g_queue_unlink (&self->order, &entry->link);
      g_hash_table_remove (self->entries, entry->url);
    }
}

static void
finish (StrayAvatarCache *self,
        const char       *url,
        GdkPixbuf        *pixbuf,
        const GError     *error)
{
  Entry *entry = g_hash_table_lookup (self->entries, url);
  g_autoptr(GPtrArray) waiting = NULL;

  g_assert (entry != NULL && entry->state == ENTRY_PENDING);
  g_assert (self->n_pending > 0);
  self->n_pending--;
  if (pixbuf != NULL)
    {
      entry->state = ENTRY_READY;
      entry->pixbuf = g_object_ref (pixbuf);
      entry->n_failures = 0;
    }
  else
    {
      guint shift = MIN (entry->n_failures, 6);

      entry->state = ENTRY_FAILED;
      entry->n_failures++;
      entry->retry_at = g_get_monotonic_time () +
        MIN (STRAY_AVATAR_CACHE_RETRY_FIRST_SECONDS << shift,
             STRAY_AVATAR_CACHE_RETRY_MAX_SECONDS) * G_USEC_PER_SEC;
      g_debug ("no avatar from %s: %s", url, error->message);
    }
  waiting = g_steal_pointer (&entry->waiting);
  entry->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < waiting->len; i++)
    {
      GTask *task = g_ptr_array_index (waiting, i);

      if (pixbuf != NULL)
        g_task_return_pointer (task, g_object_ref (pixbuf), g_object_unref);
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "no usable picture at %s: %s",
                                 url, error->message);
    }
  evict (self);
}

static void
fail (StrayAvatarCache *self,
      const char       *url,
      GError           *error)
{
  finish (self, url, NULL, error);
  g_error_free (error);
}

/* ---- decoding, in a thread, one picture at a time ---- */

typedef struct {
  char *url;
  char *path;    /* the copy on disk: read from, or written to */
  GBytes *bytes; /* from the network; NULL to read @path */
} Decode;

static void
decode_free (gpointer data)
{
  Decode *decode = data;

  g_free (decode->url);
  g_free (decode->path);
  g_clear_pointer (&decode->bytes, g_bytes_unref);
  g_free (decode);
}

static void
decode_in_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  Decode *decode = task_data;
  g_autoptr(GBytes) bytes = decode->bytes != NULL ? g_bytes_ref (decode->bytes) : NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  GError *error = NULL;

  if (bytes == NULL)
    {
      g_autoptr(GMappedFile) file = g_mapped_file_new (decode->path, FALSE, &error);

      if (file == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      bytes = g_mapped_file_get_bytes (file);
    }
  pixbuf = stray_avatar_decode (bytes, STRAY_AVATAR_SIZE, &error);
  if (pixbuf == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (decode->bytes != NULL)
    {
      g_autofree char *directory = g_path_get_dirname (decode->path);
      g_autoptr(GError) save_error = NULL;

      if (g_mkdir_with_parents (directory, 0700) != 0 ||
          !gdk_pixbuf_save (pixbuf, decode->path, "png", &save_error, NULL))
        g_debug ("avatar not kept on disk: %s",
                 save_error != NULL ? save_error->message : g_strerror (errno));
    }
  g_task_return_pointer (task, g_steal_pointer (&pixbuf), g_object_unref);
  (void) source_object;
  (void) cancellable;
}

static void decode_next (StrayAvatarCache *self);
static void fetch_start (StrayAvatarCache *self,
                         const char       *url,
                         GUri             *uri);

static void
on_decoded (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(StrayAvatarCache) self = user_data;
  Decode *decode = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = g_task_propagate_pointer (G_TASK (result), &error);

  self->decoding = FALSE;
  if (pixbuf != NULL)
    finish (self, decode->url, pixbuf, NULL);
  else if (decode->bytes == NULL)
    {
      /* The copy on disk is unreadable: fetch the picture again. */
      g_autoptr(GUri) uri = g_uri_parse (decode->url, G_URI_FLAGS_ENCODED, NULL);

      g_debug ("avatar on disk unusable: %s", error->message);
      g_clear_error (&error);
      fetch_start (self, decode->url, uri);
    }
  else
    fail (self, decode->url, error);
  decode_next (self);
  (void) source;
}

static void
decode_next (StrayAvatarCache *self)
{
  g_autoptr(GTask) task = NULL;
  Decode *decode;

  if (self->decoding || g_queue_is_empty (&self->decodes))
    return;
  decode = g_queue_pop_head (&self->decodes);
  self->decoding = TRUE;
  /* The cache is the callback's, not the task's: the worker thread may drop the task last,
   * and the cache must be let go on the main thread. */
  task = g_task_new (NULL, NULL, on_decoded, g_object_ref (self));
  g_task_set_source_tag (task, decode_next);
  g_task_set_task_data (task, decode, decode_free);
  g_task_run_in_thread (task, decode_in_thread);
}

static void
decode_queue (StrayAvatarCache *self,
              const char       *url,
              GBytes           *bytes)
{
  Decode *decode = g_new0 (Decode, 1);

  decode->url = g_strdup (url);
  decode->path = cache_path (self, url);
  decode->bytes = bytes != NULL ? g_bytes_ref (bytes) : NULL;
  g_queue_push_tail (&self->decodes, decode);
  decode_next (self);
}

/* ---- fetching, under the policy ---- */

typedef struct {
  StrayAvatarCache *self;
  char *url;                 /* the entry's */
  GUri *current;             /* where the request goes, after redirects */
  guint n_redirects;
  SoupMessage *msg;
  GCancellable *cancellable; /* cancelled when a connection is refused */
  GError *refusal;
  GInputStream *body;
  GByteArray *bytes;
} Fetch;

static void
fetch_free (Fetch *fetch)
{
  if (fetch->msg != NULL)
    g_signal_handlers_disconnect_by_data (fetch->msg, fetch);
  g_clear_object (&fetch->msg);
  g_clear_object (&fetch->body);
  g_clear_object (&fetch->cancellable);
  g_clear_error (&fetch->refusal);
  g_clear_pointer (&fetch->current, g_uri_unref);
  g_clear_pointer (&fetch->bytes, g_byte_array_unref);
  g_object_unref (fetch->self);
  g_free (fetch->url);
  g_free (fetch);
}

static void
fetch_failed (Fetch  *fetch,
              GError *error)
{
  fail (fetch->self, fetch->url, error);
  fetch_free (fetch);
}

static void
fetch_failed_literal (Fetch      *fetch,
                      const char *reason)
{
  fetch_failed (fetch, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, reason));
}

/* Runs as each connection is about to be made, once DNS has answered: the address is checked
 * there, and the socket closed before connect() when refused (cancelling alone would still let
 * connect() go out, since GSocket does not check the cancellable before it). */
static void
on_network_event (G_GNUC_UNUSED SoupMessage *msg,
                  GSocketClientEvent  event,
                  GIOStream          *connection,
                  Fetch              *fetch)
{
  g_autoptr(GSocketAddress) remote = NULL;
  GError *error = NULL;

  if (event != G_SOCKET_CLIENT_CONNECTING)
    return;
  remote = g_socket_connection_get_remote_address (G_SOCKET_CONNECTION (connection), NULL);
  if (remote != NULL && G_IS_INET_SOCKET_ADDRESS (remote) && !G_IS_PROXY_ADDRESS (remote) &&
      stray_avatar_policy_check_address (fetch->self->server_url,
                                         g_inet_socket_address_get_address (
                                           G_INET_SOCKET_ADDRESS (remote)),
                                         &error))
    return;
  if (error == NULL)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                                 "no address to check for the avatar's connection");
  if (fetch->refusal == NULL)
    fetch->refusal = error;
  else
    g_error_free (error);
  g_socket_close (g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection)), NULL);
  g_cancellable_cancel (fetch->cancellable);
}

static void fetch_send (Fetch *fetch);

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Fetch *fetch = user_data;
  GError *error = NULL;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result,
                                                              &error);
  g_autoptr(GBytes) bytes = NULL;

  if (chunk == NULL)
    {
      fetch_failed (fetch, error);
      return;
    }
  if (g_bytes_get_size (chunk) > 0)
    {
      g_byte_array_append (fetch->bytes, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
      /* Read no further than the limit: a larger body is refused, not downloaded. */
      if (fetch->bytes->len > STRAY_AVATAR_MAX_BYTES)
        {
          fetch_failed_literal (fetch, "the picture is over 512 KB");
          return;
        }
      g_input_stream_read_bytes_async (fetch->body, 64 * 1024, G_PRIORITY_LOW, fetch->cancellable,
                                       on_read, fetch);
      return;
    }

  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&fetch->bytes));
  decode_queue (fetch->self, fetch->url, bytes);
  fetch_free (fetch);
}

/* Follows a redirect if the policy allows the new URL and the step between the two. */
static void
follow_redirect (Fetch *fetch)
{
  const char *location = soup_message_headers_get_one (
    soup_message_get_response_headers (fetch->msg), "Location");
  g_autoptr(GUri) target = NULL;
  GError *error = NULL;

  if (++fetch->n_redirects > STRAY_AVATAR_CACHE_MAX_REDIRECTS || location == NULL)
    {
      fetch_failed_literal (fetch, "too many redirects, or one to nowhere");
      return;
    }
  target = g_uri_parse_relative (fetch->current, location, G_URI_FLAGS_ENCODED, &error);
  if (target == NULL ||
      !stray_avatar_policy_check_redirect (fetch->current, target, &error) ||
      !stray_avatar_policy_check_url (fetch->self->server_url, target, &error))
    {
      fetch_failed (fetch, error);
      return;
    }
  g_clear_pointer (&fetch->current, g_uri_unref);
  fetch->current = g_steal_pointer (&target);
  g_clear_object (&fetch->body);
  fetch_send (fetch);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Fetch *fetch = user_data;
  GError *error = NULL;
  guint status;

  fetch->body = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (fetch->body == NULL)
    {
      if (fetch->refusal != NULL)
        {
          g_clear_error (&error);
          error = g_steal_pointer (&fetch->refusal);
        }
      fetch_failed (fetch, error);
      return;
    }
  status = soup_message_get_status (fetch->msg);
  if (SOUP_STATUS_IS_REDIRECTION (status))
    {
      follow_redirect (fetch);
      return;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      fetch_failed_literal (fetch, "the server did not answer with a picture");
      return;
    }
  if (soup_message_headers_get_content_length (soup_message_get_response_headers (fetch->msg)) >
      STRAY_AVATAR_MAX_BYTES)
    {
      fetch_failed_literal (fetch, "the picture is over 512 KB");
      return;
    }
  g_input_stream_read_bytes_async (fetch->body, 64 * 1024, G_PRIORITY_LOW, fetch->cancellable,
                                   on_read, fetch);
}

static void
fetch_send (Fetch *fetch)
{
  if (fetch->msg != NULL)
    g_signal_handlers_disconnect_by_data (fetch->msg, fetch);
  g_clear_object (&fetch->msg);
  fetch->msg = soup_message_new_from_uri ("GET", fetch->current);
  /* Redirects are followed above, each checked. */
  soup_message_add_flags (fetch->msg, SOUP_MESSAGE_NO_REDIRECT);
  g_signal_connect (fetch->msg, "network-event", G_CALLBACK (on_network_event), fetch);
  soup_session_send_async (fetch->self->session, fetch->msg, G_PRIORITY_LOW, fetch->cancellable,
                           on_sent, fetch);
}

static void
fetch_start (StrayAvatarCache *self,
             const char       *url,
             GUri             *uri)
{
  Fetch *fetch = g_new0 (Fetch, 1);

  self->n_fetches++;
  fetch->self = g_object_ref (self);
  fetch->url = g_strdup (url);
  fetch->current = g_uri_ref (uri);
  fetch->cancellable = g_cancellable_new ();
  fetch->bytes = g_byte_array_new ();
  fetch_send (fetch);
}

/* From disk if it was fetched before, else from the network if the policy allows the URL. */
static void
start (StrayAvatarCache *self,
       Entry            *entry)
{
  GError *error = NULL;
  g_autoptr(GUri) uri = g_uri_parse (entry->url, G_URI_FLAGS_ENCODED, &error);
  g_autofree char *path = NULL;

  self->n_pending++;
  if (uri == NULL || !stray_avatar_policy_check_url (self->server_url, uri, &error))
    {
      fail (self, entry->url, error);
      return;
    }
  path = cache_path (self, entry->url);
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    decode_queue (self, entry->url, NULL);
  else
    fetch_start (self, entry->url, uri);
}

/**
 * stray_avatar_cache_get_async:
 * @url: an https URL (or http, where the account's server is plain http on loopback)
 *
 * Fetches the picture once; every later request for the URL is answered from memory or disk,
 * or, when it failed, with an error until its backoff is over.
 */
void
stray_avatar_cache_get_async (StrayAvatarCache    *self,
                              const char          *url,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Entry *entry;

  g_return_if_fail (STRAY_IS_AVATAR_CACHE (self));
  g_return_if_fail (url != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, stray_avatar_cache_get_async);
  entry = g_hash_table_lookup (self->entries, url);
  if (entry != NULL)
    {
      /* Used last, forgotten last. */
      g_queue_unlink (&self->order, &entry->link);
      g_queue_push_tail_link (&self->order, &entry->link);
      switch (entry->state)
        {
        case ENTRY_READY:
          g_task_return_pointer (task, g_object_ref (entry->pixbuf), g_object_unref);
          return;
        case ENTRY_PENDING:
          g_ptr_array_add (entry->waiting, g_steal_pointer (&task));
          return;
        case ENTRY_FAILED:
        default:
          if (g_get_monotonic_time () < entry->retry_at)
            {
              g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                                       "no usable picture lately at %s", url);
              return;
            }
          break;
        }
    }
  else
    {
      if (self->n_pending >= STRAY_AVATAR_CACHE_MAX_PENDING)
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY,
                                   "too many avatars under way");
          return;
        }
      entry = g_new0 (Entry, 1);
      entry->url = g_strdup (url);
      entry->waiting = g_ptr_array_new_with_free_func (g_object_unref);
      entry->link.data = entry;
      g_queue_push_tail_link (&self->order, &entry->link);
      g_hash_table_insert (self->entries, entry->url, entry);
    }
  entry->state = ENTRY_PENDING;
  g_ptr_array_add (entry->waiting, g_steal_pointer (&task));
  start (self, entry);
}

/**
 * stray_avatar_cache_get_finish:
 *
 * Returns: (transfer full) (nullable): the picture, at most 96 px
 */
GdkPixbuf *
stray_avatar_cache_get_finish (StrayAvatarCache  *self,
                               GAsyncResult      *result,
                               GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

guint
stray_avatar_cache_get_n_fetches (StrayAvatarCache *self)
{
  g_return_val_if_fail (STRAY_IS_AVATAR_CACHE (self), 0);

  return self->n_fetches;
}

/**
 * stray_avatar_cache_set_server_url:
 * @server_url: (nullable): the account's server, or %NULL for none
 *
 * Where avatars may come from depends on it (see stray-avatar-policy.c). Connections kept from
 * before are dropped, since they were allowed for the server before.
 */
void
stray_avatar_cache_set_server_url (StrayAvatarCache *self,
                                   const char       *server_url)
{
  g_return_if_fail (STRAY_IS_AVATAR_CACHE (self));

  if (g_strcmp0 (self->server_url, server_url) == 0)
    return;
  g_free (self->server_url);
  self->server_url = g_strdup (server_url);
  soup_session_abort (self->session);
}

/**
 * stray_avatar_cache_set_tls_database:
 *
 * Checks certificates against @database instead of the system's: for tests, whose servers
 * have certificates of their own.
 */
void
stray_avatar_cache_set_tls_database (StrayAvatarCache *self,
                                     GTlsDatabase     *database)
{
  g_return_if_fail (STRAY_IS_AVATAR_CACHE (self));

  soup_session_set_tls_database (self->session, database);
}

static void
stray_avatar_cache_dispose (GObject *object)
{
  StrayAvatarCache *self = STRAY_AVATAR_CACHE (object);

  g_clear_object (&self->session);
  g_queue_clear_full (&self->decodes, decode_free);
  g_queue_init (&self->order);
  g_clear_pointer (&self->entries, g_hash_table_unref);

  G_OBJECT_CLASS (stray_avatar_cache_parent_class)->dispose (object);
}

static void
stray_avatar_cache_finalize (GObject *object)
{
  StrayAvatarCache *self = STRAY_AVATAR_CACHE (object);

  g_free (self->directory);
  g_free (self->server_url);

  G_OBJECT_CLASS (stray_avatar_cache_parent_class)->finalize (object);
}

static void
stray_avatar_cache_class_init (StrayAvatarCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = stray_avatar_cache_dispose;
  object_class->finalize = stray_avatar_cache_finalize;
}

static void
stray_avatar_cache_init (StrayAvatarCache *self)
{
  /* Avatars may be slow to come: a notification does not wait long for one. */
  self->session = soup_session_new_with_options ("timeout", 5, "max-conns", 4,
                                                 "max-conns-per-host", 2, NULL);
  /* Direct connections only, so that the address checked is the one reached (see above). */
  soup_session_set_proxy_resolver (self->session, NULL);
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, entry_free);
  g_queue_init (&self->order);
  g_queue_init (&self->decodes);
}

/**
 * stray_avatar_cache_new:
 * @directory: where pictures are kept, e.g. $XDG_CACHE_HOME/stream-tray/avatars
 *
 * Until stray_avatar_cache_set_server_url() says otherwise, only https avatars on public
 * addresses are fetched.
 *
 * Returns: (transfer full): a cache
 */
StrayAvatarCache *
stray_avatar_cache_new (const char *directory)
{
  StrayAvatarCache *self = g_object_new (STRAY_TYPE_AVATAR_CACHE, NULL);

  self->directory = g_strdup (directory);
  return self;
}
