/* stray-ui.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "stray-application.h"

G_BEGIN_DECLS

void       stray_ui_show       (StrayApplication   *application,
                                StrayWindowRequest  request,
                                const char         *cid,
                                const char         *activation_token);
GtkWindow *stray_ui_get_window (void);

G_END_DECLS
