/* stray-preferences-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "stray-application.h"

G_BEGIN_DECLS

#define STRAY_TYPE_PREFERENCES_WINDOW (stray_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (StrayPreferencesWindow, stray_preferences_window, STRAY,
                      PREFERENCES_WINDOW, GtkWindow)

StrayPreferencesWindow *stray_preferences_window_new (StrayApplication *application);

G_END_DECLS
