/* stray-notifier-private.h: what the notifier's own files share
 *
 * Reminders (stray-notifier-reminders.c) and thread replies (stray-notifier-threads.c) follow
 * the notifier's policy and count among its notifications shown.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libnotify/notify.h>

#include "stray-notifier.h"

G_BEGIN_DECLS

/* stray-notifier.c: the policy every kind follows, and the bookkeeping of a shown one. */
gboolean stray_notifier_should_notify      (StrayNotifier       *self,
                                            const StrayEvent    *event,
                                            gboolean             live,
                                            gboolean            *urgent);
gboolean stray_notifier_is_quiet           (StrayNotifier       *self);
gboolean stray_notifier_mode_allows        (StrayNotifier       *self);
gboolean stray_notifier_sounds_on          (StrayNotifier       *self);
void     stray_notifier_activate_clicked   (StrayNotifier       *self,
                                            NotifyNotification  *notification,
                                            const char          *action,
                                            GVariant            *parameter);
void     stray_notifier_count_shown        (StrayNotifier       *self);
guint    stray_notifier_wait_ms            (StrayNotifier       *self,
                                            const char          *cid);
void     stray_notifier_shown_in           (StrayNotifier       *self,
                                            const char          *cid);
gboolean stray_notifier_storm_takes        (StrayNotifier       *self,
                                            const char          *cid,
                                            guint                extra_messages);
void     stray_notifier_close              (NotifyNotification **notification);

/* stray-notifier-reminders.c: "Reminder: …" and the unread summary. */
typedef struct _StrayNotifierReminders StrayNotifierReminders;

StrayNotifierReminders *stray_notifier_reminders_new    (StrayNotifier          *notifier,
                                                         StraySession           *session,
                                                         GActionGroup           *actions);
void                    stray_notifier_reminders_free   (StrayNotifierReminders *self);
gboolean                stray_notifier_reminders_handle (StrayNotifierReminders *self,
                                                         const StrayEvent       *event,
                                                         gboolean                live);

/* stray-notifier-threads.c: "Reply in thread: …", one per thread. */
typedef struct _StrayNotifierThreads StrayNotifierThreads;

StrayNotifierThreads *stray_notifier_threads_new          (StrayNotifier        *notifier,
                                                           StraySession         *session,
                                                           GActionGroup         *actions);
void                  stray_notifier_threads_free         (StrayNotifierThreads *self);
void                  stray_notifier_threads_set_focused  (StrayNotifierThreads *self,
                                                           const char           *parent_id);
gboolean              stray_notifier_threads_handle_event (StrayNotifierThreads *self,
                                                           const StrayEvent     *event,
                                                           gboolean              live);
void                  stray_notifier_threads_close_all    (StrayNotifierThreads *self);

G_END_DECLS
