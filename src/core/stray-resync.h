/* stray-resync.h: the model brought back in line with the server over REST
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "stray-connection.h"

G_BEGIN_DECLS

void     stray_resync_async  (StrayConnection      *connection,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data);
gboolean stray_resync_finish (GAsyncResult         *result,
                              GError              **error);

G_END_DECLS
