/* stray-server-url.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean stray_server_url_check            (const char  *url,
                                            GError     **error);
gboolean stray_server_url_host_is_loopback (const char  *host);

G_END_DECLS
