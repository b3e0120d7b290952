/* stray-devserver.h: a local Stream Chat server, for the demo, the tests and the benchmarks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "stray-dev-store.h"

G_BEGIN_DECLS

#define STRAY_TYPE_DEVSERVER (stray_devserver_get_type ())

G_DECLARE_FINAL_TYPE (StrayDevserver, stray_devserver, STRAY, DEVSERVER, GObject)

/* Request bodies larger than this are refused (Stream's own limit is in the same range). */
#define STRAY_DEVSERVER_MAX_BODY (1024 * 1024)

StrayDevserver *stray_devserver_new             (const char      *api_key,
                                                 const char      *secret);
gboolean        stray_devserver_listen          (StrayDevserver  *self,
                                                 const char      *address,
                                                 GError         **error);
const char     *stray_devserver_get_base_url    (StrayDevserver  *self);
const char     *stray_devserver_get_api_key     (StrayDevserver  *self);
const char     *stray_devserver_get_secret      (StrayDevserver  *self);
StrayDevStore  *stray_devserver_get_store       (StrayDevserver  *self);
guint           stray_devserver_get_n_connections (StrayDevserver *self);

guint           stray_devserver_inject          (StrayDevserver  *self,
                                                 const char      *user_id,
                                                 const char      *frame,
                                                 gsize            length);
JsonObject     *stray_devserver_send_message    (StrayDevserver  *self,
                                                 const char      *cid,
                                                 const char      *user_id,
                                                 JsonObject      *message,
                                                 GError         **error);
gboolean        stray_devserver_invite_members  (StrayDevserver  *self,
                                                 const char      *cid,
                                                 const char * const *user_ids,
                                                 GError         **error);
gboolean        stray_devserver_set_reminder    (StrayDevserver  *self,
                                                 const char      *message_id,
                                                 const char      *user_id,
                                                 const char      *remind_at,
                                                 GError         **error);
gboolean        stray_devserver_create_channel  (StrayDevserver  *self,
                                                 const char      *type,
                                                 const char      *id,
                                                 const char      *created_by_id,
                                                 const char * const *member_ids,
                                                 JsonObject      *data,
                                                 GError         **error);

G_END_DECLS
