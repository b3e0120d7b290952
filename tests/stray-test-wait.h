/* stray-test-wait.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define STRAY_TEST_WAIT_SECONDS 20

typedef gboolean (*Condition) (gconstpointer data);

gboolean stray_test_try_wait_for (Condition      condition,
                                  gconstpointer  data,
                                  guint          seconds);
void     stray_test_wait_for     (Condition      condition,
                                  gconstpointer  data,
                                  const char    *what);

gboolean stray_test_flag_is_set     (gconstpointer  flag);
gboolean stray_test_pointer_is_null (gconstpointer  pointer);
void     stray_test_run_for_ms      (guint          ms);
void     stray_test_finalize        (gpointer       object);

G_END_DECLS
