/* stray-resync.c: queryChannels over all the user's channels, then GET /unread
 *
 * The connection runs this after every handshake, so that the counts are exact after any gap.
 * Pages of 30 channels, newest first, are applied as they come; a page that fails (or is
 * cancelled) ends the resync there and the model keeps what it had. Once GET /unread answers,
 * or fails, the channels no page named go.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-connection"

#include "config.h"

#include "stray-resync.h"

/* queryChannels' largest page: a shorter one is the last. */
#define PAGE_SIZE 30

/* The task's data: where the resync is. */
typedef struct {
  StraySession *session;
  StrayClient *client;
  guint offset;
} Resync;

static void
resync_free (gpointer data)
{
  Resync *resync = data;

  g_object_unref (resync->session);
  g_object_unref (resync->client);
  g_free (resync);
}

static void
on_unread (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Resync *resync = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayRestUnread) unread = stray_client_get_unread_finish (STRAY_CLIENT (source),
                                                                      result, &error);

  if (unread == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_debug ("resync: GET /unread failed: %s", error->message);
          stray_session_end_sync (resync->session, NULL);
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  stray_session_end_sync (resync->session, unread);
  g_task_return_boolean (task, TRUE);
}

static void query_page (GTask *task);

static void
on_page (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Resync *resync = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayRestChannelsPage) page = stray_client_query_channels_finish (
    STRAY_CLIENT (source), result, &error);
  GCancellable *cancellable;

  if (page == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("resync: queryChannels failed: %s", error->message);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  for (guint i = 0; i < page->n_channels; i++)
    stray_session_sync_channel (resync->session, &page->channels[i]);

  if (page->n_channels == PAGE_SIZE)
    {
      resync->offset += PAGE_SIZE;
      query_page (g_steal_pointer (&task));
      return;
    }
  cancellable = g_task_get_cancellable (task);
  stray_client_get_unread_async (resync->client, cancellable, on_unread, g_steal_pointer (&task));
}

static void
query_page (GTask *task)
{
  Resync *resync = g_task_get_task_data (task);

  stray_client_query_channels_async (resync->client, resync->offset, TRUE,
                                     g_task_get_cancellable (task), on_page, task);
}

/**
 * stray_resync_async:
 * @session: the model
 * @client: the account's client, with the socket's connection id (queryChannels watches the
 *   channels on that socket)
 */
void
stray_resync_async (StraySession        *session,
                    StrayClient         *client,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  GTask *task;
  Resync *resync;

  g_return_if_fail (STRAY_IS_SESSION (session));
  g_return_if_fail (STRAY_IS_CLIENT (client));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, stray_resync_async);
  resync = g_new0 (Resync, 1);
  resync->session = g_object_ref (session);
  resync->client = g_object_ref (client);
  g_task_set_task_data (task, resync, resync_free);

  stray_session_begin_sync (session);
  query_page (task);
}

/* Returns: %TRUE once the whole model was resynced */
gboolean
stray_resync_finish (GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
