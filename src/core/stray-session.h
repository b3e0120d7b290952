/* stray-session.h: the signed-in user's view of the server, kept up to date by events
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "stray-channel-list.h"
#include "stray-client.h"
#include "stray-event.h"
#include "stray-invite.h"
#include "stray-reminder.h"
#include "stray-rest.h"

G_BEGIN_DECLS

typedef enum {
  STRAY_CONNECTION_NOT_CONFIGURED,
  STRAY_CONNECTION_DISCONNECTED, /* "offline" */
  STRAY_CONNECTION_CONNECTING,
  STRAY_CONNECTION_CONNECTED,
  STRAY_CONNECTION_AUTH_FAILED,
  STRAY_CONNECTION_SYNCING,      /* handshaken, the model not yet caught up */
} StrayConnectionState;

#define STRAY_TYPE_SESSION (stray_session_get_type ())

G_DECLARE_FINAL_TYPE (StraySession, stray_session, STRAY, SESSION, GObject)

StraySession         *stray_session_new                    (void);
void                  stray_session_apply                  (StraySession         *self,
                                                            const StrayEvent     *event);

StrayChannelList     *stray_session_get_channels           (StraySession         *self);
GListModel           *stray_session_get_invites            (StraySession         *self);
StrayInvite          *stray_session_lookup_invite          (StraySession         *self,
                                                            const char           *cid);
const char           *stray_session_get_user_id            (StraySession         *self);
const char           *stray_session_get_user_name          (StraySession         *self);
const char           *stray_session_get_user_image         (StraySession         *self);
guint                 stray_session_get_total_unread_count (StraySession         *self);
guint                 stray_session_get_unread_channels    (StraySession         *self);
guint                 stray_session_get_unread_threads     (StraySession         *self);
gboolean              stray_session_is_user_muted          (StraySession         *self,
                                                            const char           *user_id);
gboolean              stray_session_is_channel_muted       (StraySession         *self,
                                                            const char           *cid);
const char           *stray_connection_state_to_string     (StrayConnectionState  state);
StrayConnectionState  stray_session_get_connection_state   (StraySession         *self);
/* The connection state's one writer is StrayConnection (and a test's stand-in for one). */
void                  stray_session_set_connection_state   (StraySession         *self,
                                                            StrayConnectionState  state);

/* Resync after a gap, from decoded REST answers (stray-rest.h): channels seen between begin
 * and end are the user's, the rest go. */
void                  stray_session_begin_sync             (StraySession         *self);
void                  stray_session_sync_channel           (StraySession         *self,
                                                            const StrayRestChannelState *state);
void                  stray_session_end_sync               (StraySession         *self,
                                                            const StrayRestUnread *unread);
/* Recovery (stray-resync.c): the server's totals and unread channels, the model kept whole. */
void                  stray_session_take_unread            (StraySession         *self,
                                                            const StrayRestUnread *unread);
void                  stray_session_clear                  (StraySession         *self);
char                **stray_session_dup_unknown_cids       (StraySession         *self);
void                  stray_session_begin_fetch            (StraySession         *self);
void                  stray_session_end_fetch              (StraySession         *self);

/* Message reminders (stray-session-reminders.c). */
GListModel           *stray_session_get_reminders          (StraySession         *self);
StrayReminder        *stray_session_lookup_reminder        (StraySession         *self,
                                                            const char           *message_id);
void                  stray_session_refresh_reminders      (StraySession         *self,
                                                            StrayClient          *client,
                                                            GCancellable         *cancellable);
void                  stray_session_begin_reminders_query  (StraySession         *self);
void                  stray_session_end_reminders_query    (StraySession         *self,
                                                            GPtrArray            *reminders);

G_END_DECLS
