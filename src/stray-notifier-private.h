/* stray-notifier-private.h: what the notifier's own files share
 *
 * The thread replies' notifications (stray-notifier-threads.c) follow the notifier's policy
 * and count among its notifications shown.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libnotify/notify.h>

#include "stray-notifier.h"

G_BEGIN_DECLS

/* stray-notifier.c */
gboolean stray_notifier_should_notify       (StrayNotifier    *self,
                                             const StrayEvent *event,
                                             gboolean          live,
                                             gboolean         *urgent);
void     stray_notifier_close               (NotifyNotification **notification);
void     stray_notifier_note_shown          (StrayNotifier    *self);
void     stray_notifier_set_activation_token (StrayNotifier   *self,
                                              const char      *token);
gboolean stray_notifier_wants_sounds        (StrayNotifier    *self);

/* stray-notifier-threads.c */
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

G_END_DECLS
