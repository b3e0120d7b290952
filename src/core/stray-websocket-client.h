/* stray-websocket-client.h: a client WebSocket whose messages are bounded as a whole
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

void                     stray_websocket_connect_async  (const char           *url,
                                                         const char           *user_agent,
                                                         guint64               max_message_size,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
SoupWebsocketConnection *stray_websocket_connect_finish (GAsyncResult         *result,
                                                         GError              **error);

G_END_DECLS
