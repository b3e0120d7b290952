/* stray-channel.h: one channel of the user's, as the tray shows it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "stray-message-preview.h"

G_BEGIN_DECLS

#define STRAY_TYPE_CHANNEL (stray_channel_get_type ())

G_DECLARE_FINAL_TYPE (StrayChannel, stray_channel, STRAY, CHANNEL, GObject)

StrayChannel              *stray_channel_new                 (const char          *cid);

const char                *stray_channel_get_cid             (StrayChannel        *self);
const char                *stray_channel_get_channel_type    (StrayChannel        *self);
const char                *stray_channel_get_id              (StrayChannel        *self);
const char                *stray_channel_get_name            (StrayChannel        *self);
void                       stray_channel_set_name            (StrayChannel        *self,
                                                              const char          *name);
void                       stray_channel_set_members_title   (StrayChannel        *self,
                                                              const char          *members_title);
const char                *stray_channel_get_title           (StrayChannel        *self);
const char                *stray_channel_get_image           (StrayChannel        *self);
void                       stray_channel_set_image           (StrayChannel        *self,
                                                              const char          *image);
guint                      stray_channel_get_member_count    (StrayChannel        *self);
void                       stray_channel_set_member_count    (StrayChannel        *self,
                                                              guint                member_count);
guint                      stray_channel_get_unread_count    (StrayChannel        *self);
void                       stray_channel_set_unread_count    (StrayChannel        *self,
                                                              guint                unread_count);
StrayMessagePreview       *stray_channel_get_last_message    (StrayChannel        *self);
void                       stray_channel_set_last_message    (StrayChannel        *self,
                                                              StrayMessagePreview *last_message);
gint64                     stray_channel_get_last_message_at (StrayChannel        *self);
void                       stray_channel_set_last_message_at (StrayChannel        *self,
                                                              gint64               last_message_at);
gboolean                   stray_channel_get_muted           (StrayChannel        *self);
void                       stray_channel_set_muted           (StrayChannel        *self,
                                                              gboolean             muted);
gboolean                   stray_channel_get_hidden          (StrayChannel        *self);
void                       stray_channel_set_hidden          (StrayChannel        *self,
                                                              gboolean             hidden);
gboolean                   stray_channel_get_frozen          (StrayChannel        *self);
void                       stray_channel_set_frozen          (StrayChannel        *self,
                                                              gboolean             frozen);
gboolean                   stray_channel_get_attention       (StrayChannel        *self);
void                       stray_channel_set_attention       (StrayChannel        *self,
                                                              gboolean             attention);
gboolean                   stray_channel_is_direct           (StrayChannel        *self);
gboolean                   stray_channel_get_read_events     (StrayChannel        *self);
void                       stray_channel_set_read_events     (StrayChannel        *self,
                                                              gboolean             read_events);

G_END_DECLS
