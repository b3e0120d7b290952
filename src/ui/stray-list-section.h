/* stray-list-section.h: a headed list above the channels, shown only while it has rows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

GtkListBox *stray_list_section_build  (GtkBox                     *section,
                                       const char                 *heading);
void        stray_list_section_follow (GtkWidget                  *section,
                                       GtkListBox                 *list_box,
                                       GListModel                 *model,
                                       GtkListBoxCreateWidgetFunc  create_row,
                                       gpointer                    user_data);

G_END_DECLS
