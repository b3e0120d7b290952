/* stray-notifier.h: desktop notifications for new messages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "stray-avatar-cache.h"
#include "stray-event.h"
#include "stray-session.h"

G_BEGIN_DECLS

/* At most one Notify per channel in this time; more channels than the limit firing within it
 * make one summary instead. */
#define STRAY_NOTIFIER_INTERVAL_MS 2000
#define STRAY_NOTIFIER_SUMMARY_AFTER 5
#define STRAY_NOTIFIER_BODY_CHARS 200
#define STRAY_NOTIFIER_SUMMARY_CHARS 80

#define STRAY_TYPE_NOTIFIER (stray_notifier_get_type ())

G_DECLARE_FINAL_TYPE (StrayNotifier, stray_notifier, STRAY, NOTIFIER, GObject)

StrayNotifier *stray_notifier_new                  (StraySession     *session,
                                                    GActionGroup     *actions,
                                                    GSettings        *settings,
                                                    StrayAvatarCache *avatars,
                                                    gboolean          sandboxed);
void           stray_notifier_handle_event         (StrayNotifier    *self,
                                                    const StrayEvent *event,
                                                    gboolean          live);
void           stray_notifier_set_focused_channel  (StrayNotifier    *self,
                                                    const char       *cid);
void           stray_notifier_set_focused_thread   (StrayNotifier    *self,
                                                    const char       *parent_id);
const char    *stray_notifier_get_activation_token (StrayNotifier    *self);
guint          stray_notifier_get_n_shown          (StrayNotifier    *self);

char          *stray_notifier_format_summary       (const char       *title);
char          *stray_notifier_format_body          (const char       *sender,
                                                    const char       *text);

G_END_DECLS
