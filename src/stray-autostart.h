/* stray-autostart.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define STRAY_TYPE_AUTOSTART (stray_autostart_get_type ())

G_DECLARE_FINAL_TYPE (StrayAutostart, stray_autostart, STRAY, AUTOSTART, GObject)

StrayAutostart *stray_autostart_new       (GSettings      *settings,
                                           const char     *executable,
                                           gboolean        sandboxed);
char           *stray_autostart_get_path  (void);

G_END_DECLS
