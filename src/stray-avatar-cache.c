/* stray-avatar-cache.c
 *
 * A picture is fetched over HTTP(S) at most once per URL, whatever the outcome: a failure is
 * remembered too, so that a broken avatar costs one request, not one per message. Bodies over
 * 512 KB are refused; what decodes (gdk-pixbuf) is scaled to 96 px and kept as PNG under the
 * cache directory, named by the URL's SHA-1, so that it survives restarts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-notifier"

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "stray-avatar-cache.h"

typedef struct {
  GdkPixbuf *pixbuf;  /* NULL once known to fail */
  gboolean done;
  GPtrArray *waiting; /* GTask */
} Entry;

struct _StrayAvatarCache
{
  GObject parent_instance;

  char *directory;
  SoupSession *session;
  GHashTable *entries; /* url → Entry */
  guint n_fetches;
};

G_DEFINE_FINAL_TYPE (StrayAvatarCache, stray_avatar_cache, G_TYPE_OBJECT)

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_clear_object (&entry->pixbuf);
  g_clear_pointer (&entry->waiting, g_ptr_array_unref);
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

static void
finish (StrayAvatarCache *self,
        const char       *url,
        GdkPixbuf        *pixbuf)
{
  Entry *entry = g_hash_table_lookup (self->entries, url);
  g_autoptr(GPtrArray) waiting = NULL;

  g_assert (entry != NULL);
  entry->done = TRUE;
  entry->pixbuf = pixbuf != NULL ? g_object_ref (pixbuf) : NULL;
  waiting = g_steal_pointer (&entry->waiting);
  for (guint i = 0; i < waiting->len; i++)
    {
      GTask *task = g_ptr_array_index (waiting, i);

      if (pixbuf != NULL)
        g_task_return_pointer (task, g_object_ref (pixbuf), g_object_unref);
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "no usable picture at %s",
                                 url);
    }
}

static GdkPixbuf *
decode (GBytes  *bytes,
        GError **error)
{
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  GdkPixbuf *pixbuf;
  int width, height;

  if (!gdk_pixbuf_loader_write_bytes (loader, bytes, error) ||
      !gdk_pixbuf_loader_close (loader, error))
    return NULL;
  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a picture");
      return NULL;
    }
  width = gdk_pixbuf_get_width (pixbuf);
  height = gdk_pixbuf_get_height (pixbuf);
  if (width > STRAY_AVATAR_SIZE || height > STRAY_AVATAR_SIZE)
    {
      double scale = (double) STRAY_AVATAR_SIZE / MAX (width, height);

      return gdk_pixbuf_scale_simple (pixbuf, MAX (1, (int) (width * scale)),
                                      MAX (1, (int) (height * scale)), GDK_INTERP_BILINEAR);
    }
  return g_object_ref (pixbuf);
}

typedef struct {
  StrayAvatarCache *self;
  char *url;
  GInputStream *body;
  GByteArray *bytes;
} Fetch;

static void
fetch_done (Fetch     *fetch,
            GdkPixbuf *pixbuf)
{
  finish (fetch->self, fetch->url, pixbuf);
  g_clear_object (&fetch->body);
  g_byte_array_unref (fetch->bytes);
  g_object_unref (fetch->self);
  g_free (fetch->url);
  g_free (fetch);
}

static void
fetch_failed (Fetch      *fetch,
              const char *reason)
{
  g_debug ("no avatar from %s: %s", fetch->url, reason);
  fetch_done (fetch, NULL);
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Fetch *fetch = user_data;
  StrayAvatarCache *self = fetch->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result,
                                                              &error);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;

  if (chunk == NULL)
    {
      fetch_failed (fetch, error->message);
      return;
    }
  if (g_bytes_get_size (chunk) > 0)
    {
      g_byte_array_append (fetch->bytes, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
      /* Read no further than the limit: a larger body is refused, not downloaded. */
      if (fetch->bytes->len > STRAY_AVATAR_MAX_BYTES)
        {
          fetch_failed (fetch, "the picture is over 512 KB");
          return;
        }
      g_input_stream_read_bytes_async (fetch->body, 64 * 1024, G_PRIORITY_LOW, NULL, on_read,
                                       fetch);
      return;
    }

  bytes = g_bytes_new (fetch->bytes->data, fetch->bytes->len);
  pixbuf = decode (bytes, &error);
  if (pixbuf == NULL)
    {
      fetch_failed (fetch, error->message);
      return;
    }
  {
    g_autofree char *path = cache_path (self, fetch->url);
    g_autoptr(GError) save_error = NULL;

    if (g_mkdir_with_parents (self->directory, 0700) != 0 ||
        !gdk_pixbuf_save (pixbuf, path, "png", &save_error, NULL))
      g_debug ("avatar not kept on disk: %s",
               save_error != NULL ? save_error->message : g_strerror (errno));
  }
  fetch_done (fetch, pixbuf);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Fetch *fetch = user_data;
  g_autoptr(GError) error = NULL;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  fetch->body = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (fetch->body == NULL)
    {
      fetch_failed (fetch, error->message);
      return;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    {
      fetch_failed (fetch, "the server did not answer with a picture");
      return;
    }
  if (soup_message_headers_get_content_length (soup_message_get_response_headers (msg)) >
      STRAY_AVATAR_MAX_BYTES)
    {
      fetch_failed (fetch, "the picture is over 512 KB");
      return;
    }
  g_input_stream_read_bytes_async (fetch->body, 64 * 1024, G_PRIORITY_LOW, NULL, on_read, fetch);
}

/**
 * stray_avatar_cache_get_async:
 * @url: an http or https URL
 *
 * Fetches the picture once; every later request for the URL is answered from memory or disk.
 */
void
stray_avatar_cache_get_async (StrayAvatarCache    *self,
                              const char          *url,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *path = NULL;
  Entry *entry;
  Fetch *fetch;

  g_task_set_source_tag (task, stray_avatar_cache_get_async);
  entry = g_hash_table_lookup (self->entries, url);
  if (entry != NULL && entry->done)
    {
      if (entry->pixbuf != NULL)
        g_task_return_pointer (task, g_object_ref (entry->pixbuf), g_object_unref);
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "no usable picture");
      return;
    }
  if (entry != NULL)
    {
      g_ptr_array_add (entry->waiting, g_steal_pointer (&task));
      return;
    }

  entry = g_new0 (Entry, 1);
  entry->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (entry->waiting, g_steal_pointer (&task));
  g_hash_table_insert (self->entries, g_strdup (url), entry);

  path = cache_path (self, url);
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_autoptr(GdkPixbuf) cached = gdk_pixbuf_new_from_file (path, NULL);

      if (cached != NULL)
        {
          finish (self, url, cached);
          return;
        }
    }

  if (!g_str_has_prefix (url, "https://") && !g_str_has_prefix (url, "http://"))
    msg = NULL;
  else
    msg = soup_message_new ("GET", url);
  if (msg == NULL)
    {
      finish (self, url, NULL);
      return;
    }
  self->n_fetches++;
  fetch = g_new0 (Fetch, 1);
  fetch->self = g_object_ref (self);
  fetch->url = g_strdup (url);
  fetch->bytes = g_byte_array_new ();
  soup_session_send_async (self->session, msg, G_PRIORITY_LOW, NULL, on_sent, fetch);
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

static void
stray_avatar_cache_dispose (GObject *object)
{
  StrayAvatarCache *self = STRAY_AVATAR_CACHE (object);

  g_clear_object (&self->session);
  g_clear_pointer (&self->entries, g_hash_table_unref);

  G_OBJECT_CLASS (stray_avatar_cache_parent_class)->dispose (object);
}

static void
stray_avatar_cache_finalize (GObject *object)
{
  g_free (STRAY_AVATAR_CACHE (object)->directory);

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
  self->session = soup_session_new_with_options ("timeout", 5, "max-conns-per-host", 4, NULL);
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, entry_free);
}

/**
 * stray_avatar_cache_new:
 * @directory: where pictures are kept, e.g. $XDG_CACHE_HOME/stream-tray/avatars
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
