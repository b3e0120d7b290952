/* stray-thread-view.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "stray-application.h"
#include "stray-channel.h"
#include "stray-message.h"

G_BEGIN_DECLS

#define STRAY_TYPE_THREAD_VIEW (stray_thread_view_get_type ())

G_DECLARE_FINAL_TYPE (StrayThreadView, stray_thread_view, STRAY, THREAD_VIEW, GtkWidget)

StrayThreadView *stray_thread_view_new            (StrayApplication *application);
void             stray_thread_view_show_thread    (StrayThreadView  *self,
                                                   StrayChannel     *channel,
                                                   const char       *parent_id);
void             stray_thread_view_clear          (StrayThreadView  *self);
const char      *stray_thread_view_get_parent_id  (StrayThreadView  *self);
GListModel      *stray_thread_view_get_replies    (StrayThreadView  *self);
GtkWidget       *stray_unread_threads_label_new   (StraySession     *session);

G_END_DECLS
