/* stray-dev-store-events.c
 *
 * The event log that POST /sync answers from: what was said and done in each channel, with
 * when, kept as the socket sent it, and for events that carry unread counts, every
 * recipient's counts as they were at that moment, so that a client replaying them sees what
 * it would have seen live.
 *
 * Stream's limits (its "Sync Events" page, getstream.io/chat/docs/other-rest/sync_events,
 * and what its SDKs handle: stream-chat-android's SyncManager and stream-chat-swift's
 * SyncRepository): events are kept 30 days, and a last_sync_at older than that is refused;
 * one call may name at most 255 channels; and an answer holding more than about 1,000 events
 * is refused ("Too many events to sync"), both with HTTP 400 and code 4. Since no answer may
 * hold more than 1,000 events, each channel keeps its newest 1,001: whoever asks from before
 * the oldest one kept would have been refused anyway, and the log knows when that is. The bound
 * counts every event of the channel, those meant for one member (a mark_unread, a hide)
 * included, so a channel busy with those refuses a little sooner than Stream would.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include <string.h>

#include "stray-dev-store-private.h"

#define MAX_AGE_US ((gint64) STRAY_DEV_STORE_SYNC_MAX_AGE_DAYS * 24 * 3600 * G_USEC_PER_SEC)
#define MAX_KEPT_PER_CHANNEL (STRAY_DEV_STORE_SYNC_MAX_EVENTS + 1)

typedef struct {
  const char *user_id; /* the users table's key: users are never removed */
  StrayDevUnread unread;
} DevRecipientCounts;

typedef struct {
  gint64 created_us;
  char *text;
  gsize length;
  char *for_user_id;  /* NULL: for every member */
  gboolean with_counts;
  GArray *counts;     /* of DevRecipientCounts, when with_counts */
} DevLogEntry;

static void
log_entry_free (gpointer data)
{
  DevLogEntry *entry = data;

  g_free (entry->text);
  g_free (entry->for_user_id);
  g_clear_pointer (&entry->counts, g_array_unref);
  g_free (entry);
}

void
dev_event_log_free (DevEventLog *log)
{
  g_queue_clear_full (&log->entries, log_entry_free);
}

/**
 * stray_dev_store_parse_time:
 * @text: an RFC 3339 timestamp, with its zone
 *
 * Returns: microseconds since the epoch, or -1 if @text is not one
 */
gint64
stray_dev_store_parse_time (const char *text)
{
  g_autoptr(GDateTime) time = NULL;

  if (text == NULL || (time = g_date_time_new_from_iso8601 (text, NULL)) == NULL)
    return -1;
  return g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
}

static void
add_counts (StrayDevStore *self,
            GArray        *counts,
            const char    *user_id)
{
  DevRecipientCounts recipient;
  gpointer key;

  if (!g_hash_table_lookup_extended (self->users, user_id, &key, NULL))
    return;
  recipient.user_id = key;
  recipient.unread = stray_dev_store_unread (self, user_id);
  g_array_append_val (counts, recipient);
}

/**
 * stray_dev_store_log_event:
 * @cid: the channel the event is about
 * @for_user_id: (nullable): the one member it is for, or %NULL for every member
 * @created_at: the event's created_at
 * @text: the event as serialized for the socket, without unread counts
 * @with_counts: whether the socket adds each recipient's counts to it
 *
 * Keeps an event for /sync, with the recipients' counts as they are now.
 */
void
stray_dev_store_log_event (StrayDevStore *self,
                           const char    *cid,
                           const char    *for_user_id,
                           const char    *created_at,
                           const char    *text,
                           gsize          length,
                           gboolean       with_counts)
{
  DevChannel *channel;
  DevLogEntry *entry;
  DevLogEntry *oldest;

  g_return_if_fail (STRAY_IS_DEV_STORE (self));
  g_return_if_fail (cid != NULL && text != NULL);

  channel = dev_lookup_channel (self, cid, NULL);
  if (channel == NULL)
    return;

  entry = g_new0 (DevLogEntry, 1);
  entry->created_us = stray_dev_store_parse_time (created_at);
  entry->text = g_strndup (text, length);
  entry->length = length;
  entry->for_user_id = g_strdup (for_user_id);
  entry->with_counts = with_counts;
  if (with_counts)
    {
      entry->counts = g_array_new (FALSE, FALSE, sizeof (DevRecipientCounts));
      if (for_user_id != NULL)
        add_counts (self, entry->counts, for_user_id);
      else
        for (guint i = 0; i < channel->members->len; i++)
          add_counts (self, entry->counts,
                      ((DevMember *) g_ptr_array_index (channel->members, i))->user_id);
    }
  g_queue_push_tail (&channel->log.entries, entry);

  /* Older than Stream keeps, or more than any answer may hold: the newest are enough. */
  while ((oldest = g_queue_peek_head (&channel->log.entries)) != NULL &&
         (channel->log.entries.length > MAX_KEPT_PER_CHANNEL ||
          oldest->created_us < entry->created_us - MAX_AGE_US))
    {
      if (channel->log.entries.length > MAX_KEPT_PER_CHANNEL)
        channel->log.dropped_until_us = MAX (channel->log.dropped_until_us, oldest->created_us);
      log_entry_free (g_queue_pop_head (&channel->log.entries));
    }
}

static StrayDevUnread
counts_for (StrayDevStore *self,
            DevLogEntry   *entry,
            const char    *user_id)
{
  for (guint i = 0; i < entry->counts->len; i++)
    {
      DevRecipientCounts *recipient = &g_array_index (entry->counts, DevRecipientCounts, i);

      if (g_str_equal (recipient->user_id, user_id))
        return recipient->unread;
    }
  /* Not a member when it happened: the counts are as they are now. */
  return stray_dev_store_unread (self, user_id);
}

static gint
compare_by_time (gconstpointer a,
                 gconstpointer b)
{
  const StrayDevLoggedEvent *first = a, *second = b;

  return (first->created_us > second->created_us) - (first->created_us < second->created_us);
}

/**
 * stray_dev_store_events_since:
 * @cids: channels @user_id is a member of
 * @since_us: the client's last_sync_at, in microseconds since the epoch
 *
 * What /sync answers: the events of @cids after @since_us that @user_id would have received
 * (none from before it joined, none meant for another member), oldest first, each with the
 * counts it was sent with. Refused with STRAY_DEV_STORE_ERROR_INPUT, as Stream refuses it,
 * when @since_us is more than 30 days ago or the answer would hold more than 1,000 events.
 *
 * Returns: (transfer full) (nullable): an array of #StrayDevLoggedEvent, whose texts the
 *   store owns until it changes
 */
GArray *
stray_dev_store_events_since (StrayDevStore      *self,
                              const char * const *cids,
                              const char         *user_id,
                              gint64              since_us,
                              GError            **error)
{
  g_autoptr(GArray) events = g_array_new (FALSE, FALSE, sizeof (StrayDevLoggedEvent));
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  g_return_val_if_fail (STRAY_IS_DEV_STORE (self), NULL);
  g_return_val_if_fail (cids != NULL && user_id != NULL, NULL);

  if (since_us < g_get_real_time () - MAX_AGE_US)
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                      "Sync failed with error: \"Too old last_sync_at time, please have "
                      "last_sync_at argument no later than %d days ago\"",
                      STRAY_DEV_STORE_SYNC_MAX_AGE_DAYS);
      return NULL;
    }

  for (guint i = 0; cids[i] != NULL; i++)
    {
      DevChannel *channel = dev_lookup_channel (self, cids[i], NULL);
      DevMember *member = channel != NULL ? dev_lookup_member (channel, user_id) : NULL;
      gint64 joined_us;

      if (member == NULL || !g_hash_table_add (seen, (gpointer) cids[i]))
        continue;
      joined_us = stray_dev_store_parse_time (member->created_at);

      /* Newest first, back to last_sync_at or to when the member joined. */
      for (GList *l = channel->log.entries.tail; l != NULL; l = l->prev)
        {
          DevLogEntry *entry = l->data;
          StrayDevLoggedEvent event;

          if (entry->created_us <= since_us || entry->created_us <= joined_us)
            break;
          if (entry->for_user_id != NULL && !g_str_equal (entry->for_user_id, user_id))
            continue;
          event.created_us = entry->created_us;
          event.text = entry->text;
          event.length = entry->length;
          event.with_counts = entry->with_counts;
          event.unread = entry->with_counts ? counts_for (self, entry, user_id)
                                            : (StrayDevUnread) { 0, 0 };
          g_array_append_val (events, event);
        }

      if (events->len > STRAY_DEV_STORE_SYNC_MAX_EVENTS ||
          MAX (since_us, joined_us) < channel->log.dropped_until_us)
        {
          dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                          "Sync failed with error: \"Too many events to sync, please use a "
                          "more recent last_sync_at parameter\"");
          return NULL;
        }
    }

  g_array_sort (events, compare_by_time);
  return g_steal_pointer (&events);
}
