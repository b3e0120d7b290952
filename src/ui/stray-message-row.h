/* stray-message-row.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "stray-message.h"

G_BEGIN_DECLS

/* Messages by one author closer together than this read as one burst, under one name and
 * avatar, as Slack, Element and Telegram group them (they use 5 to 10 minutes). */
#define STRAY_MESSAGE_GROUP_GAP_US (5 * 60 * G_USEC_PER_SEC)

#define STRAY_TYPE_MESSAGE_ROW (stray_message_row_get_type ())

G_DECLARE_FINAL_TYPE (StrayMessageRow, stray_message_row, STRAY, MESSAGE_ROW, GtkListBoxRow)

StrayMessageRow *stray_message_row_new          (StrayMessage    *message);
StrayMessage    *stray_message_row_get_message  (StrayMessageRow *self);
void             stray_message_row_set_grouped  (StrayMessageRow *self,
                                                 gboolean         grouped);
gboolean         stray_message_row_get_grouped  (StrayMessageRow *self);
void             stray_message_row_update_header (GtkListBoxRow  *row,
                                                  GtkListBoxRow  *before,
                                                  gpointer        user_data);
void             stray_message_row_mark         (StrayMessageRow *self,
                                                 GtkScrolledWindow *scroller);
gboolean         stray_message_row_follows      (StrayMessage    *message,
                                                 StrayMessage    *before);
char            *stray_message_format_day       (gint64           then_us,
                                                 gint64           now_us);
char            *stray_message_markup_links     (const char      *text);
void             stray_launch_uri               (GtkWidget       *widget,
                                                 const char      *uri);

G_END_DECLS
