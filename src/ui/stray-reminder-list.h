/* stray-reminder-list.h: the user's upcoming message reminders, in the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "stray-channel-list.h"

G_BEGIN_DECLS

#define STRAY_TYPE_REMINDER_LIST (stray_reminder_list_get_type ())

G_DECLARE_FINAL_TYPE (StrayReminderList, stray_reminder_list, STRAY, REMINDER_LIST, GtkBox)

void  stray_reminder_list_set_model       (StrayReminderList *self,
                                           GListModel        *reminders,
                                           StrayChannelList  *channels);
char *stray_reminder_list_format_when     (gint64             remind_at_us,
                                           gint64             now_us);

G_END_DECLS
