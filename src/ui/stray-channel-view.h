/* stray-channel-view.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "stray-application.h"
#include "stray-channel.h"

G_BEGIN_DECLS

#define STRAY_TYPE_CHANNEL_VIEW (stray_channel_view_get_type ())

G_DECLARE_FINAL_TYPE (StrayChannelView, stray_channel_view, STRAY, CHANNEL_VIEW, GtkWidget)

void          stray_channel_view_set_application (StrayChannelView *self,
                                                  StrayApplication *application);
void          stray_channel_view_set_channel     (StrayChannelView *self,
                                                  StrayChannel     *channel);
void          stray_channel_view_show_message    (StrayChannelView *self,
                                                  StrayChannel     *channel,
                                                  const char       *message_id);
StrayChannel *stray_channel_view_get_channel     (StrayChannelView *self);
GListModel   *stray_channel_view_get_messages    (StrayChannelView *self);
char         *stray_channel_view_expand_web_url  (const char       *url_template,
                                                  const char       *cid);

G_END_DECLS
