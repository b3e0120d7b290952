/* stray-dbus-menu.h: a GMenuModel exported as com.canonical.dbusmenu
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define STRAY_TYPE_DBUS_MENU (stray_dbus_menu_get_type ())

G_DECLARE_FINAL_TYPE (StrayDbusMenu, stray_dbus_menu, STRAY, DBUS_MENU, GObject)

StrayDbusMenu *stray_dbus_menu_new          (GMenuModel      *model,
                                             GActionGroup    *actions);
gboolean       stray_dbus_menu_export       (StrayDbusMenu   *self,
                                             GDBusConnection *connection,
                                             const char      *object_path,
                                             GError         **error);
void           stray_dbus_menu_unexport     (StrayDbusMenu   *self);
guint          stray_dbus_menu_get_revision (StrayDbusMenu   *self);

G_END_DECLS
