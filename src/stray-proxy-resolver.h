/* stray-proxy-resolver.h: proxies as the desktop resolves them, asked through its portal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define STRAY_TYPE_PROXY_RESOLVER (stray_proxy_resolver_get_type ())

G_DECLARE_FINAL_TYPE (StrayProxyResolver, stray_proxy_resolver, STRAY, PROXY_RESOLVER, GObject)

StrayProxyResolver *stray_proxy_resolver_get_default  (void);
void                stray_proxy_resolver_attach       (StrayProxyResolver   *self,
                                                       SoupSession          *session);
void                stray_proxy_resolver_check_async  (StrayProxyResolver   *self,
                                                       const char           *uri,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
gboolean            stray_proxy_resolver_check_finish (StrayProxyResolver   *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);

G_END_DECLS
