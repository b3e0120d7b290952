/* stray-dbus-export.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One object exported on a connection, as the daemon's D-Bus objects each keep it. */
typedef struct {
  GDBusConnection *connection; /* NULL while not exported */
  char *object_path;
  guint registration_id;
} StrayDbusExport;

gboolean stray_dbus_export        (StrayDbusExport             *export,
                                   GDBusConnection             *connection,
                                   const char                  *object_path,
                                   const char                  *introspection_xml,
                                   const GDBusInterfaceVTable  *vtable,
                                   gpointer                     user_data,
                                   GError                     **error);
void     stray_dbus_unexport      (StrayDbusExport             *export);
gboolean stray_dbus_emit          (StrayDbusExport             *export,
                                   const char                  *interface,
                                   const char                  *signal,
                                   GVariant                    *parameters);

G_END_DECLS
