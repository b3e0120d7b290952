/* stray-client-private.h: the client's transport, for its named calls (stray-client-calls.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "stray-client.h"

G_BEGIN_DECLS

/* Turns a successful answer into what the call's _finish returns (stray-rest.h). */
typedef gpointer (*StrayClientAnswerDecoder) (JsonNode  *root,
                                              GError   **error);

void     stray_client_call_async_full     (StrayClient              *self,
                                           const char               *method,
                                           const char               *path,
                                           JsonObject               *body,
                                           StrayClientAnswerDecoder  decode,
                                           GDestroyNotify            decoded_free,
                                           gpointer                  source_tag,
                                           GCancellable             *cancellable,
                                           GAsyncReadyCallback       callback,
                                           gpointer                  user_data);
gpointer stray_client_decoded_call_finish (StrayClient              *self,
                                           GAsyncResult             *result,
                                           gpointer                  source_tag,
                                           GError                  **error);

/* stray-client-calls.c: "messaging:general" → "/channels/messaging/general/SUFFIX", escaped */
char    *stray_client_channel_path        (const char               *cid,
                                           const char               *suffix);

G_END_DECLS
