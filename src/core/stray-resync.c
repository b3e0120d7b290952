/* stray-resync.c: the model brought back in line with the server after each handshake
 *
 * Two ways, and the cheaper whenever it can serve:
 *
 * - Recovery, once the model has been synced on this connection and the gap is shorter than
 *   Stream keeps events, costs what changed rather than what the user has:
 *   1. queryChannels for the channels with activity since the model was last up to date
 *      (last_updated $gt that moment: a message, or their creation), 30 at a time; those the
 *      model lacks are taken from the answer;
 *   2. POST /sync from that moment for the channels it may concern, whose events are replayed
 *      through the same path as live ones but not announced (stray_connection_replay_missed()),
 *      while the socket's news waits so that the older comes first; the channels the user may
 *      no longer read go. Which channels: all the model knows when one /sync takes them (255,
 *      Stream's limit), so that any channel removed during the gap goes; beyond that, those
 *      with activity and those the model counts unread (a read elsewhere or a removal changes
 *      the badge only there), and the last chunk filled up with others in turn, so that a
 *      read channel removed during a gap goes too, a few reconnects later at the latest;
 *   3. GET /unread confirms the totals and each unread channel's count, and names the unread
 *      channels the model still lacks, which queryChannels fetches by cid, 30 at a time.
 *   Nothing changed: three requests, whatever the number of channels.
 * - A full listing otherwise (first start, a long gap, a /sync the server refuses as too
 *   large or too old): queryChannels pages of 30, newest first, then GET /unread; the channels
 *   no page named go.
 *
 * A step that fails (a timeout, 5xx, 429, a cut connection) is tried again with the
 * connection's backoff, from where it stopped: the same chunk or page, not from the start.
 * The socket stays up meanwhile, and events keep coming. An answer that cannot be read, or a
 * refusal that asking again would only repeat, ends the resync with its error instead.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-connection"

#include "config.h"

#include <string.h>

#include "stray-connection-private.h"
#include "stray-resync.h"

/* queryChannels' largest page: a shorter one is the last. */
#define PAGE_SIZE 30

/* Stream keeps events for 30 days; a day less leaves room for clocks that disagree. */
#define SYNC_MAX_GAP_US ((gint64) 29 * 24 * 3600 * G_USEC_PER_SEC)

/* Stream's code for a request it will not serve as asked: for /sync, too many events or a
 * last_sync_at too old. */
#define STREAM_CODE_INPUT 4

/* GET /unread asked again this many times at most when events arrived while it was on its
 * way (its answer may then be older than what the model has); if they keep coming, the
 * replayed and live events stand without it. */
#define MAX_UNREAD_TRIES 3

typedef enum {
  STEP_CHANGED,       /* recovery: queryChannels for the channels with activity, page by page */
  STEP_SYNC,          /* recovery: /sync, chunk by chunk */
  STEP_UNREAD,        /* recovery: GET /unread */
  STEP_NEW_CHANNELS,  /* recovery: queryChannels by cid for channels the model lacked */
  STEP_PAGE,          /* full: queryChannels, page by page */
  STEP_FULL_UNREAD,   /* full: GET /unread */
} Step;

/* The task's data: where the resync is. */
typedef struct {
  StrayConnection *connection;
  StraySession *session;
  StrayClient *client;
  Step step;
  GPtrArray *cids;       /* the channels /sync is asked about */
  GHashTable *cid_set;   /* the same, and the channels taken from the activity's pages */
  guint next_cid;        /* the first of the next /sync chunk */
  gint64 since_us;       /* last_sync_at */
  gint64 handshake_at_us;
  GPtrArray *new_cids;   /* channels GET /unread named that the model lacks */
  guint offset;          /* of the page, or into new_cids */
  guint failures;
  guint unread_tries;
  guint64 news_at_ask;
  gboolean fetching;      /* recovery: between stray_session_begin_fetch() and its end */
  guint retry_id;
  GCancellable *cancellable;
  gulong cancelled_id;
} Resync;

static void
resync_free (gpointer data)
{
  Resync *resync = data;

  if (resync->cancelled_id != 0)
    g_cancellable_disconnect (resync->cancellable, resync->cancelled_id);
  g_clear_handle_id (&resync->retry_id, g_source_remove);
  g_clear_object (&resync->cancellable);
  if (resync->fetching)
    stray_session_end_fetch (resync->session);
  g_object_unref (resync->connection);
  g_object_unref (resync->session);
  g_object_unref (resync->client);
  g_clear_pointer (&resync->cids, g_ptr_array_unref);
  g_clear_pointer (&resync->cid_set, g_hash_table_unref);
  g_clear_pointer (&resync->new_cids, g_ptr_array_unref);
  g_free (resync);
}

static void run_step (GTask *task);

static gboolean
on_retry (gpointer user_data)
{
  GTask *task = user_data;
  Resync *resync = g_task_get_task_data (task);

  resync->retry_id = 0;
  run_step (task);
  return G_SOURCE_REMOVE;
}

static gboolean
return_cancelled (gpointer user_data)
{
  g_autoptr(GTask) task = user_data;

  g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

/* Cancelled while waiting to retry: nothing is in flight to notice it. */
static void
on_cancelled (G_GNUC_UNUSED GCancellable *cancellable,
              gpointer                    user_data)
{
  GTask *task = user_data;
  Resync *resync = g_task_get_task_data (task);

  if (resync->retry_id == 0)
    return;
  g_clear_handle_id (&resync->retry_id, g_source_remove);
  /* Not from inside the handler, which may run within g_cancellable_cancel(). */
  g_idle_add (return_cancelled, task);
}

static void
begin_full (Resync *resync)
{
  resync->step = STEP_PAGE;
  resync->offset = 0;
  stray_session_begin_sync (resync->session);
}

/* Stream's code for too many requests, which the client gives once its own retries are spent. */
#define STREAM_CODE_RATE_LIMITED 9

/* Whether asking again later may succeed: not for an answer that cannot be read, nor for a
 * refusal in Stream's words (a bad request, a refused token), apart from rate limiting. */
static gboolean
is_worth_retrying (const GError *error)
{
  if (error->domain != STRAY_CLIENT_ERROR)
    return TRUE;
  if (error->code == STRAY_CLIENT_ERROR_BAD_RESPONSE)
    return FALSE;
  return error->code >= 1000 || error->code <= 0 || error->code == STREAM_CODE_RATE_LIMITED;
}

/* Takes @task's reference: the step is retried later, or the task returns the error. */
static void
step_failed (GTask  *task,
             GError *error)
{
  Resync *resync = g_task_get_task_data (task);
  guint delay;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if ((resync->step == STEP_SYNC || resync->step == STEP_CHANGED) &&
      g_error_matches (error, STRAY_CLIENT_ERROR, STREAM_CODE_INPUT))
    {
      /* Too many events, a gap the server no longer covers, or a filter it does not take:
       * list everything instead. */
      g_debug ("resync: /sync refused (%s): listing every channel", error->message);
      g_error_free (error);
      stray_connection_release_news (resync->connection);
      begin_full (resync);
      run_step (task);
      return;
    }

  if (!is_worth_retrying (error))
    {
      g_debug ("resync: step %d failed for good: %s", resync->step, error->message);
      /* As with an answer: the channels no page named go. */
      if (resync->step == STEP_FULL_UNREAD)
        stray_session_end_sync (resync->session, NULL);
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  resync->failures++;
  delay = (guint) (stray_connection_backoff_delay (resync->failures) *
                   stray_connection_get_backoff_scale (resync->connection));
  g_debug ("resync: step %d failed (%s), again in %u ms", resync->step, error->message, delay);
  g_error_free (error);
  resync->retry_id = g_timeout_add (MAX (delay, 1), on_retry, task);
}

static void
finish (GTask *task)
{
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* ---- pages of channels: the full listing's, and recovery's ---- */

static void
add_sync_cid (Resync     *resync,
              const char *cid)
{
  if (g_hash_table_contains (resync->cid_set, cid))
    return;
  g_ptr_array_add (resync->cids, g_strdup (cid));
  g_hash_table_add (resync->cid_set, g_strdup (cid));
}

/* Channels with activity during the gap: /sync tells what happened in those the model knows
 * (their state now would count twice what /sync replays); the others are taken as they are. */
static void
take_changed (Resync                      *resync,
              const StrayRestChannelsPage *page)
{
  StrayChannelList *channels = stray_session_get_channels (resync->session);

  for (guint i = 0; i < page->n_channels; i++)
    {
      const char *cid = page->channels[i].channel.cid;

      /* Seen on an earlier page already (it moved on while paging). */
      if (cid == NULL || g_hash_table_contains (resync->cid_set, cid))
        continue;
      if (stray_channel_list_lookup (channels, cid) != NULL)
        add_sync_cid (resync, cid);
      else
        {
          g_hash_table_add (resync->cid_set, g_strdup (cid));
          stray_session_sync_channel (resync->session, &page->channels[i]);
        }
    }
}

/* Fills the last /sync chunk up with channels nothing else has it ask about, in turn from
 * where the previous recovery stopped: /sync names those removed meanwhile at no further
 * request. */
static void
fill_last_chunk (Resync *resync)
{
  StrayChannelList *channels = stray_session_get_channels (resync->session);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (channels));
  guint used = resync->cids->len % STRAY_CLIENT_SYNC_MAX_CIDS;
  guint room = resync->cids->len > 0 && used == 0 ? 0 : STRAY_CLIENT_SYNC_MAX_CIDS - used;
  guint from = n > 0 ? stray_connection_get_sweep_from (resync->connection) % n : 0;
  guint looked = 0;

  for (; looked < n && room > 0; looked++)
    {
      const char *cid = stray_channel_get_cid (stray_channel_list_peek (channels,
                                                                        (from + looked) % n));

      if (!g_hash_table_contains (resync->cid_set, cid))
        {
          add_sync_cid (resync, cid);
          room--;
        }
    }
  stray_connection_set_sweep_from (resync->connection, n > 0 ? (from + looked) % n : 0);
}

/* After the channels with activity: /sync for what it may concern, or straight on to GET
 * /unread when it concerns nothing. */
static void
begin_sync (Resync *resync)
{
  fill_last_chunk (resync);
  resync->next_cid = 0;
  if (resync->cids->len > 0)
    {
      g_debug ("resync: asking /sync for %u channels", resync->cids->len);
      resync->step = STEP_SYNC;
      return;
    }
  stray_connection_release_news (resync->connection);
  resync->step = STEP_UNREAD;
}

static void
on_channels (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  Resync *resync = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(StrayRestChannelsPage) page = stray_client_query_channels_finish (
    STRAY_CLIENT (source), result, &error);

  if (page == NULL)
    {
      step_failed (task, error);
      return;
    }
  resync->failures = 0;
  if (resync->step == STEP_CHANGED)
    take_changed (resync, page);
  else
    for (guint i = 0; i < page->n_channels; i++)
      stray_session_sync_channel (resync->session, &page->channels[i]);

  resync->offset += PAGE_SIZE;
  if (resync->step == STEP_PAGE && page->n_channels < PAGE_SIZE)
    resync->step = STEP_FULL_UNREAD;
  else if (resync->step == STEP_CHANGED && page->n_channels < PAGE_SIZE)
    begin_sync (resync);
  else if (resync->step == STEP_NEW_CHANNELS && resync->offset >= resync->new_cids->len)
    {
      finish (task);
      return;
    }
  run_step (task);
}

/* ---- recovery ---- */

static void
on_sync (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Resync *resync = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(StrayRestSync) sync = stray_client_sync_finish (STRAY_CLIENT (source), result,
                                                            &error);
  StrayChannelList *channels = stray_session_get_channels (resync->session);

  if (sync == NULL)
    {
      step_failed (task, error);
      return;
    }
  resync->failures = 0;
  for (guint i = 0; i < sync->n_inaccessible_cids; i++)
    stray_channel_list_remove (channels, sync->inaccessible_cids[i]);
  for (guint i = 0; i < sync->n_events; i++)
    {
      const StrayEvent *event = sync->events[i];

      /* What happened since the handshake came over the socket already. */
      if (event->created_at_us > resync->handshake_at_us)
        continue;
      stray_connection_replay_missed (resync->connection, event);
    }
  g_debug ("resync: /sync gave %u events", sync->n_events);

  resync->next_cid = MIN (resync->next_cid + STRAY_CLIENT_SYNC_MAX_CIDS, resync->cids->len);
  if (resync->next_cid == resync->cids->len)
    {
      stray_connection_release_news (resync->connection);
      resync->step = STEP_UNREAD;
    }
  run_step (task);
}

/* Both ways end with it: the full listing takes it whole; recovery takes it unless news came
 * meanwhile, and fetches the unread channels the model lacks. */
static void
on_unread (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  Resync *resync = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(StrayRestUnread) unread = stray_client_get_unread_finish (STRAY_CLIENT (source),
                                                                      result, &error);
  StrayChannelList *channels = stray_session_get_channels (resync->session);

  if (unread == NULL)
    {
      step_failed (task, error);
      return;
    }
  if (resync->step == STEP_FULL_UNREAD)
    {
      stray_session_end_sync (resync->session, unread);
      finish (task);
      return;
    }
  resync->failures = 0;
  if (stray_connection_get_n_news (resync->connection) == resync->news_at_ask)
    stray_session_take_unread (resync->session, unread);
  else if (++resync->unread_tries < MAX_UNREAD_TRIES)
    {
      /* Events came meanwhile: this answer may be older than what they told. */
      run_step (task);
      return;
    }
  /* Still busy: the events, which carry the totals, are newer than any answer. */

  resync->new_cids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < unread->n_channels; i++)
    {
      const char *cid = unread->channels[i].cid;

      if (cid != NULL && stray_channel_list_lookup (channels, cid) == NULL)
        g_ptr_array_add (resync->new_cids, g_strdup (cid));
    }
  if (resync->new_cids->len == 0)
    {
      finish (task);
      return;
    }
  resync->step = STEP_NEW_CHANNELS;
  resync->offset = 0;
  run_step (task);
}

/* ---- the steps ---- */

static void
run_step (GTask *task)
{
  Resync *resync = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  switch (resync->step)
    {
    case STEP_CHANGED:
      stray_client_query_channels_since_async (resync->client, resync->since_us, resync->offset,
                                               cancellable, on_channels, task);
      break;
    case STEP_SYNC:
      {
        guint n = MIN (resync->cids->len - resync->next_cid, STRAY_CLIENT_SYNC_MAX_CIDS);
        g_autofree const char **chunk = g_new0 (const char *, n + 1);

        memcpy (chunk, resync->cids->pdata + resync->next_cid, n * sizeof (char *));
        stray_client_sync_async (resync->client, chunk, resync->since_us, cancellable, on_sync,
                                 task);
      }
      break;
    case STEP_UNREAD:
      resync->news_at_ask = stray_connection_get_n_news (resync->connection);
      stray_client_get_unread_async (resync->client, cancellable, on_unread, task);
      break;
    case STEP_NEW_CHANNELS:
      {
        guint n = MIN (resync->new_cids->len - resync->offset, PAGE_SIZE);
        g_autofree const char **chunk = g_new0 (const char *, n + 1);

        memcpy (chunk, resync->new_cids->pdata + resync->offset, n * sizeof (char *));
        stray_client_query_channels_by_cid_async (resync->client, chunk, cancellable,
                                                  on_channels, task);
      }
      break;
    case STEP_PAGE:
      stray_client_query_channels_async (resync->client, resync->offset, TRUE, cancellable,
                                         on_channels, task);
      break;
    case STEP_FULL_UNREAD:
      stray_client_get_unread_async (resync->client, cancellable, on_unread, task);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* The channels /sync is asked about whatever changed: all the model knows when one /sync
 * takes them, else those it counts unread. */
static void
add_known_cids (Resync *resync)
{
  StrayChannelList *channels = stray_session_get_channels (resync->session);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (channels));
  gboolean all = n <= STRAY_CLIENT_SYNC_MAX_CIDS;

  for (guint i = 0; i < n; i++)
    {
      StrayChannel *channel = stray_channel_list_peek (channels, i);

      if (all || stray_channel_get_unread_count (channel) > 0)
        add_sync_cid (resync, stray_channel_get_cid (channel));
    }
}

/**
 * stray_resync_async:
 * @connection: the connection that has just been handshaken, whose client carries the
 *   socket's connection id (what is fetched is watched on that socket)
 *
 * Retries failed steps until it succeeds or @cancellable is cancelled.
 */
void
stray_resync_async (StrayConnection     *connection,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  GTask *task;
  Resync *resync;
  gint64 since_us;

  g_return_if_fail (STRAY_IS_CONNECTION (connection));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, stray_resync_async);
  resync = g_new0 (Resync, 1);
  resync->connection = g_object_ref (connection);
  resync->session = g_object_ref (stray_connection_get_session (connection));
  resync->client = g_object_ref (stray_connection_get_client (connection));
  resync->handshake_at_us = stray_connection_get_handshake_at (connection);
  g_task_set_task_data (task, resync, resync_free);
  if (cancellable != NULL)
    {
      resync->cancellable = g_object_ref (cancellable);
      resync->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), task,
                                                    NULL);
    }

  since_us = stray_connection_get_synced_through (connection);
  if (since_us > 0 && g_get_real_time () - since_us < SYNC_MAX_GAP_US &&
      g_list_model_get_n_items (G_LIST_MODEL (stray_session_get_channels (resync->session))) > 0)
    {
      resync->cids = g_ptr_array_new_with_free_func (g_free);
      resync->cid_set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      add_known_cids (resync);
      g_debug ("resync: recovery from %" G_GINT64_FORMAT " µs", since_us);
      /* The channels it takes whole (new ones) are reconciled with the events that come
       * while their answers are on the way. */
      stray_session_begin_fetch (resync->session);
      resync->fetching = TRUE;
      resync->step = STEP_CHANGED;
      stray_connection_hold_news (connection);
      resync->since_us = since_us;
    }
  else
    begin_full (resync);
  run_step (task);
}

/* Returns: %TRUE once the whole model was resynced */
gboolean
stray_resync_finish (GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
