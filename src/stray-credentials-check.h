/* stray-credentials-check.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void     stray_credentials_check_async  (const char          *server_url,
                                         const char          *api_key,
                                         const char          *user_id,
                                         const char          *token,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean stray_credentials_check_finish (GAsyncResult        *result,
                                         GError             **error);

G_END_DECLS
