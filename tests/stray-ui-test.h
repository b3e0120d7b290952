/* stray-ui-test.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "stray-test-wait.h"

G_BEGIN_DECLS

typedef gboolean (*WidgetMatch) (GtkWidget *widget, gconstpointer data);

gpointer  stray_test_find            (GtkWidget     *widget,
                                      WidgetMatch    match,
                                      gconstpointer  data);
gpointer  stray_test_find_child      (GtkWidget     *widget,
                                      GType          type);
char     *stray_test_screen_text     (gpointer       widget);
gboolean  stray_test_screen_shows    (gconstpointer  text);
void      stray_test_wait_for_text   (const char    *text);
void      stray_test_save_screenshot (const char    *name);

G_END_DECLS
