/* stray-demo-server.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define STRAY_TYPE_DEMO_SERVER (stray_demo_server_get_type ())

G_DECLARE_FINAL_TYPE (StrayDemoServer, stray_demo_server, STRAY, DEMO_SERVER, GObject)

/* The API key the demo's server is started with. */
#define STRAY_DEMO_SERVER_API_KEY "stream-tray-demo"
/* The demo scenario's user, as whom the demo connects. */
#define STRAY_DEMO_SERVER_USER "alice"

void             stray_demo_server_start_async  (const char           *executable,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
StrayDemoServer *stray_demo_server_start_finish (GAsyncResult         *result,
                                                 GError              **error);
char            *stray_demo_server_find_executable (void);
const char      *stray_demo_server_get_base_url (StrayDemoServer      *self);
GSubprocess     *stray_demo_server_get_process  (StrayDemoServer      *self);

G_END_DECLS
