/* stray-notifier-private.h: what the notifier shares with its reminder notifications
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libnotify/notify.h>

#include "stray-notifier.h"

G_BEGIN_DECLS

/* stray-notifier.c: the policy every kind follows, and the bookkeeping of a shown one. */
gboolean stray_notifier_is_quiet           (StrayNotifier      *self);
gboolean stray_notifier_mode_allows        (StrayNotifier      *self);
gboolean stray_notifier_sounds_on          (StrayNotifier      *self);
void     stray_notifier_activate_clicked   (StrayNotifier      *self,
                                            NotifyNotification *notification,
                                            const char         *action,
                                            GVariant           *parameter);
void     stray_notifier_count_shown        (StrayNotifier      *self);

/* stray-notifier-reminders.c: "Reminder: …" and the unread summary. */
typedef struct _StrayNotifierReminders StrayNotifierReminders;

StrayNotifierReminders *stray_notifier_reminders_new    (StrayNotifier          *notifier,
                                                         StraySession           *session,
                                                         GActionGroup           *actions);
void                    stray_notifier_reminders_free   (StrayNotifierReminders *self);
gboolean                stray_notifier_reminders_handle (StrayNotifierReminders *self,
                                                         const StrayEvent       *event,
                                                         gboolean                live);

G_END_DECLS
