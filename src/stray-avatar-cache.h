/* stray-avatar-cache.h: senders' pictures for notifications, fetched under a policy
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

G_BEGIN_DECLS

#define STRAY_AVATAR_MAX_BYTES (512 * 1024)
#define STRAY_AVATAR_SIZE 96

#define STRAY_TYPE_AVATAR_CACHE (stray_avatar_cache_get_type ())

G_DECLARE_FINAL_TYPE (StrayAvatarCache, stray_avatar_cache, STRAY, AVATAR_CACHE, GObject)

StrayAvatarCache *stray_avatar_cache_new              (const char          *directory);
void              stray_avatar_cache_set_server_url   (StrayAvatarCache    *self,
                                                       const char          *server_url);
void              stray_avatar_cache_set_tls_database (StrayAvatarCache    *self,
                                                       GTlsDatabase        *database);
void              stray_avatar_cache_get_async        (StrayAvatarCache    *self,
                                                       const char          *url,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
GdkPixbuf        *stray_avatar_cache_get_finish       (StrayAvatarCache    *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);
guint             stray_avatar_cache_get_n_fetches    (StrayAvatarCache    *self);

G_END_DECLS
