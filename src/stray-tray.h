/* stray-tray.h: the tray icon, a StatusNotifierItem with an unread badge
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "stray-session.h"

G_BEGIN_DECLS

#define STRAY_TRAY_ITEM_PATH "/StatusNotifierItem"
#define STRAY_TRAY_MENU_PATH "/MenuBar"
/* Updates are coalesced: however many events arrive, the icon is redrawn at most this often. */
#define STRAY_TRAY_UPDATE_INTERVAL_MS 100

#define STRAY_TYPE_TRAY (stray_tray_get_type ())

G_DECLARE_FINAL_TYPE (StrayTray, stray_tray, STRAY, TRAY, GObject)

StrayTray *stray_tray_new            (StraySession    *session,
                                      GActionGroup    *actions,
                                      GMenuModel      *menu);
gboolean   stray_tray_export         (StrayTray       *self,
                                      GDBusConnection *connection,
                                      GError         **error);
void       stray_tray_unexport       (StrayTray       *self);
void       stray_tray_set_hide_when_idle (StrayTray   *self,
                                      gboolean         hide);
guint      stray_tray_get_n_renders  (StrayTray       *self);
gboolean   stray_tray_get_registered (StrayTray       *self);

G_END_DECLS
