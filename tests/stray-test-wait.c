/* stray-test-wait.c: waiting for what a test expects, with a timeout, never a sleep
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "stray-test-wait.h"

static gboolean
on_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until @condition holds or @seconds pass; returns whether it holds. */
gboolean
stray_test_try_wait_for (Condition      condition,
                         gconstpointer  data,
                         guint          seconds)
{
  gboolean timed_out = FALSE;
  guint id;

  if (condition (data))
    return TRUE;
  id = g_timeout_add_seconds (seconds, on_timeout, &timed_out);
  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return condition (data);
}

/* The same, failing the test with @what when the time is up. */
void
stray_test_wait_for (Condition      condition,
                     gconstpointer  data,
                     const char    *what)
{
  if (!stray_test_try_wait_for (condition, data, STRAY_TEST_WAIT_SECONDS))
    g_error ("timed out waiting for %s", what);
}
