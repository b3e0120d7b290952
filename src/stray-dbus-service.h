/* stray-dbus-service.h: the daemon's state on the session bus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "stray-session.h"

G_BEGIN_DECLS

#define STRAY_DBUS_INTERFACE "io.github.streamtray.StreamTray1"

#define STRAY_TYPE_DBUS_SERVICE (stray_dbus_service_get_type ())

G_DECLARE_FINAL_TYPE (StrayDbusService, stray_dbus_service, STRAY, DBUS_SERVICE, GObject)

StrayDbusService *stray_dbus_service_new      (StraySession     *session);
gboolean          stray_dbus_service_export   (StrayDbusService *self,
                                               GDBusConnection  *connection,
                                               const char       *object_path,
                                               GError          **error);
void              stray_dbus_service_unexport (StrayDbusService *self);

G_END_DECLS
