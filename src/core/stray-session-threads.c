/* stray-session-threads.c: the unread threads count, as the server's facts say it
 *
 * Unread threads are not per channel: the count is the server's, as `me.unread_threads`
 * (health.check, the connect frame), the `unread_threads` of notification.thread_message_new
 * and notification.mark_read (Stream's NotificationThreadMessageNewEvent and
 * NotificationMarkReadEvent; stream-chat-js' ThreadManager takes it from these), and GET
 * /unread's `total_unread_threads_count`. As with the channels' counts
 * (stray-session-sync.c), each fact carries the moment it describes and an older one never
 * overwrites a newer one: an event's moment is its `created_at`. GET /unread gives no moment;
 * its count is taken unless an event told the count while the resync that asked it ran (that
 * event may be newer than the answer; the next event or resync settles it).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-model"

#include "config.h"

#include "stray-session-private.h"

/**
 * stray_session_take_unread_threads:
 * @unread_threads: the count, or %STRAY_COUNT_UNSET
 * @at: the moment the event describes (server time, µs); 0 when it has none
 */
void
stray_session_take_unread_threads (StraySession *self,
                                   gint32        unread_threads,
                                   gint64        at)
{
  if (unread_threads == STRAY_COUNT_UNSET)
    return;
  if (at != 0 && at < self->unread_threads_at)
    return;
  self->unread_threads_at = MAX (at, self->unread_threads_at);
  self->thread_facts++;
  stray_session_set_unread_threads (self, (guint) unread_threads);
}

/* A resync begins: the events that tell the count from now on may be newer than its answer. */
void
stray_session_begin_sync_threads (StraySession *self)
{
  self->thread_facts_at_sync = self->thread_facts;
}

/**
 * stray_session_take_answer_threads:
 * @unread_threads: GET /unread's total_unread_threads_count, or %STRAY_COUNT_UNSET
 * @unless_told: whether an event that told the count since the resync began wins
 */
void
stray_session_take_answer_threads (StraySession *self,
                                   gint32        unread_threads,
                                   gboolean      unless_told)
{
  if (unread_threads == STRAY_COUNT_UNSET)
    return;
  if (unless_told && self->thread_facts != self->thread_facts_at_sync)
    return;
  stray_session_set_unread_threads (self, (guint) unread_threads);
}
