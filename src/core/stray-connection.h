/* stray-connection.h: the WebSocket session that keeps the model up to date
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "stray-client.h"
#include "stray-session.h"

G_BEGIN_DECLS

#define STRAY_TYPE_CONNECTION (stray_connection_get_type ())

G_DECLARE_FINAL_TYPE (StrayConnection, stray_connection, STRAY, CONNECTION, GObject)

StrayConnection *stray_connection_new             (StraySession    *session,
                                                   StrayClient     *client);
void             stray_connection_start           (StrayConnection *self);
void             stray_connection_stop            (StrayConnection *self);
void             stray_connection_reconnect       (StrayConnection *self);
const GError    *stray_connection_get_error       (StrayConnection *self);
guint            stray_connection_get_n_attempts  (StrayConnection *self);
StrayClient     *stray_connection_get_client      (StrayConnection *self);
guint            stray_connection_backoff_delay   (guint            failures);

G_END_DECLS
