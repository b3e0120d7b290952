/* stray-launcher-entry.h: the unread count on the dock's launcher
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "stray-session.h"

G_BEGIN_DECLS

#define STRAY_TYPE_LAUNCHER_ENTRY (stray_launcher_entry_get_type ())

G_DECLARE_FINAL_TYPE (StrayLauncherEntry, stray_launcher_entry, STRAY, LAUNCHER_ENTRY, GObject)

StrayLauncherEntry *stray_launcher_entry_new   (StraySession       *session);
void                stray_launcher_entry_start (StrayLauncherEntry *self,
                                                GDBusConnection    *connection,
                                                const char         *object_path);
void                stray_launcher_entry_stop  (StrayLauncherEntry *self);

G_END_DECLS
