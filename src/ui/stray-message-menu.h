/* stray-message-menu.h: a message's context menu in the conversation view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void    stray_message_menu_attach         (GtkWidget  *row,
                                           const char *message_id);
void    stray_message_menu_detach         (GtkWidget  *row);
GMenu  *stray_message_menu_new_model      (const char *message_id,
                                           gint64      now_us,
                                           gboolean    has_reminder);
gint64  stray_message_menu_next_time      (gint64      now_us,
                                           int         day_offset,
                                           int         hour,
                                           int         minute);

G_END_DECLS
