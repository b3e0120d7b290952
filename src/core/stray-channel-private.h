/* stray-channel-private.h: between a channel and the list it is in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "stray-channel.h"

G_BEGIN_DECLS

typedef void (*StrayChannelObserver) (StrayChannel *channel,
                                      GParamSpec   *pspec,
                                      gpointer      user_data);

void stray_channel_set_observer (StrayChannel         *self,
                                 StrayChannelObserver  observer,
                                 gpointer              user_data);

/* The moment (server time, µs) of the resync answer the unread count was last taken from: the
 * session's to keep (stray-session-sync.c), 0 before any. */
gint64 stray_channel_get_synced_at (StrayChannel *self);
void   stray_channel_set_synced_at (StrayChannel *self,
                                    gint64        synced_at);

/* The moment (server time, µs) the user last read the channel, as far as the session knows: a
 * hard-deleted message newer than it was unread (stray-session.c). 0 when unknown. */
gint64 stray_channel_get_read_at   (StrayChannel *self);
void   stray_channel_set_read_at   (StrayChannel *self,
                                    gint64        read_at);

/* Any of its messages changed (stray-session.c): emits StrayChannel::message-changed. */
void   stray_channel_emit_message_changed (StrayChannel        *self,
                                           StrayMessagePreview *preview);

G_END_DECLS
