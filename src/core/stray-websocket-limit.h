/* stray-websocket-limit.h: a WebSocket's incoming messages bounded as a whole
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The most a WebSocket message may hold, all its fragments together: past it the connection is
 * dropped. Messages over the decoder's STRAY_EVENT_MAX_FRAME_SIZE but under this are refused
 * one by one instead, the connection kept. */
#define STRAY_WEBSOCKET_MAX_MESSAGE_SIZE (4 * 1024 * 1024)

#define STRAY_TYPE_WEBSOCKET_LIMIT_STREAM (stray_websocket_limit_stream_get_type ())
G_DECLARE_FINAL_TYPE (StrayWebsocketLimitStream, stray_websocket_limit_stream,
                      STRAY, WEBSOCKET_LIMIT_STREAM, GInputStream)

GIOStream *stray_websocket_limit_wrap (GIOStream *base,
                                       GBytes    *already_read,
                                       guint64    max_message_size);

G_END_DECLS
