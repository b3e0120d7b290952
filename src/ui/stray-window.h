/* stray-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "stray-application.h"

G_BEGIN_DECLS

#define STRAY_TYPE_WINDOW (stray_window_get_type ())

G_DECLARE_FINAL_TYPE (StrayWindow, stray_window, STRAY, WINDOW, GtkWindow)

StrayWindow *stray_window_new               (StrayApplication *application);
StraySession *stray_window_get_session      (StrayWindow      *self);
StrayAvatarCache *stray_window_get_avatars  (StrayWindow      *self);
void         stray_window_show_channel      (StrayWindow      *self,
                                             const char       *cid);
const char  *stray_window_get_shown_channel (StrayWindow      *self);
void         stray_window_show_thread       (StrayWindow      *self,
                                             const char       *cid,
                                             const char       *parent_id);
const char  *stray_window_get_shown_thread  (StrayWindow      *self);
void         stray_window_show_message      (StrayWindow      *self,
                                             const char       *cid,
                                             const char       *message_id);
void         stray_window_show_preferences  (StrayWindow      *self);
void         stray_window_set_search        (StrayWindow      *self,
                                             const char       *text);
GListModel  *stray_window_get_visible_channels (StrayWindow   *self);

/* How long a channel is on screen in the focused window before it counts as read. */
#define STRAY_WINDOW_READ_DELAY_MS 1500

G_END_DECLS
