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

G_END_DECLS
