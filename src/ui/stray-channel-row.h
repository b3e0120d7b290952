/* stray-channel-row.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "stray-avatar-cache.h"
#include "stray-channel.h"

G_BEGIN_DECLS

#define STRAY_TYPE_CHANNEL_ROW (stray_channel_row_get_type ())

G_DECLARE_FINAL_TYPE (StrayChannelRow, stray_channel_row, STRAY, CHANNEL_ROW, GtkWidget)

StrayChannelRow *stray_channel_row_new          (StrayAvatarCache *avatars);
void             stray_channel_row_set_channel  (StrayChannelRow  *self,
                                                 StrayChannel     *channel);
char            *stray_channel_row_get_text     (StrayChannelRow  *self);
char            *stray_format_relative_time     (gint64            then_us,
                                                 gint64            now_us);

G_END_DECLS
