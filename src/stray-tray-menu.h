/* stray-tray-menu.h: the tray icon's menu, following the model
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "stray-session.h"

G_BEGIN_DECLS

/* The most channels the menu lists; the window shows them all. */
#define STRAY_TRAY_MENU_MAX_CHANNELS 8

#define STRAY_TYPE_TRAY_MENU (stray_tray_menu_get_type ())

G_DECLARE_FINAL_TYPE (StrayTrayMenu, stray_tray_menu, STRAY, TRAY_MENU, GObject)

StrayTrayMenu *stray_tray_menu_new       (StraySession  *session);
GMenuModel    *stray_tray_menu_get_model (StrayTrayMenu *self);
void           stray_tray_menu_update    (StrayTrayMenu *self);

G_END_DECLS
