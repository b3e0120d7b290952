/* stray-connection-private.h: what the connection's resync (stray-resync.c) asks of it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "stray-connection.h"

G_BEGIN_DECLS

StraySession *stray_connection_get_session     (StrayConnection  *self);
double        stray_connection_get_backoff_scale (StrayConnection *self);
gint64        stray_connection_get_synced_through (StrayConnection *self);
gint64        stray_connection_get_handshake_at (StrayConnection  *self);
guint64       stray_connection_get_n_news       (StrayConnection  *self);
guint         stray_connection_get_sweep_from   (StrayConnection  *self);
void          stray_connection_set_sweep_from   (StrayConnection  *self,
                                                 guint             position);
void          stray_connection_hold_news        (StrayConnection  *self);
void          stray_connection_release_news     (StrayConnection  *self);
void          stray_connection_replay_missed    (StrayConnection  *self,
                                                 const StrayEvent *event);

G_END_DECLS
