/* stray-channel-list.h: the user's channels, newest first
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "stray-channel.h"

G_BEGIN_DECLS

#define STRAY_TYPE_CHANNEL_LIST (stray_channel_list_get_type ())

G_DECLARE_FINAL_TYPE (StrayChannelList, stray_channel_list, STRAY, CHANNEL_LIST, GObject)

StrayChannelList *stray_channel_list_new    (void);
StrayChannel     *stray_channel_list_lookup (StrayChannelList *self,
                                             const char       *cid);
StrayChannel     *stray_channel_list_peek   (StrayChannelList *self,
                                             guint             position);
void              stray_channel_list_add    (StrayChannelList *self,
                                             StrayChannel     *channel);
gboolean          stray_channel_list_remove (StrayChannelList *self,
                                             const char       *cid);
guint             stray_channel_list_get_unread_total    (StrayChannelList *self);
guint             stray_channel_list_get_unread_channels (StrayChannelList *self);

G_END_DECLS
