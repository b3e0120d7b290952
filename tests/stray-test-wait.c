/* stray-test-wait.c: waiting for what a test expects, with a timeout, never a sleep
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib-object.h>

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

/* A Condition for a gboolean that a callback sets. */
gboolean
stray_test_flag_is_set (gconstpointer flag)
{
  return *(const gboolean *) flag;
}

/* A Condition for a weak pointer, which GObject clears when its object is finalised. */
gboolean
stray_test_pointer_is_null (gconstpointer pointer)
{
  return *(const gpointer *) pointer == NULL;
}

/* Lets @ms pass with the main loop running: for checking that something does NOT happen. */
void
stray_test_run_for_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, on_timeout, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* Drops the last reference to @object and waits until it is finalised, letting cancelled
 * operations finish first: nothing may keep it alive. */
void
stray_test_finalize (gpointer object)
{
  gpointer weak = object;

  g_object_add_weak_pointer (object, &weak);
  g_object_unref (object);
  stray_test_wait_for (stray_test_pointer_is_null, &weak, "an object to be finalised");
}
