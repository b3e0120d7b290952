/* stray-application-threads.c: the window opened at a thread
 *
 * What the app's "open-thread" and "mark-thread-read" actions (stray-application-actions.c)
 * and the window need of it: the window opened at a thread, the thread on screen.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "stray-application-private.h"

/**
 * stray_application_show_thread:
 *
 * Opens or raises the window at the thread under @parent_id in @cid.
 */
void
stray_application_show_thread (StrayApplication *self,
                               const char       *cid,
                               const char       *parent_id)
{
  g_return_if_fail (STRAY_IS_APPLICATION (self));
  g_return_if_fail (cid != NULL && parent_id != NULL);

  g_free (self->requested_thread);
  self->requested_thread = g_strdup (parent_id);
  stray_application_show_window (self, STRAY_WINDOW_THREAD, cid);
  g_clear_pointer (&self->requested_thread, g_free);
}

/* The thread on screen in the focused window, or NULL: its replies need no notification. */
void
stray_application_set_focused_thread (StrayApplication *self,
                                      const char       *parent_id)
{
  g_return_if_fail (STRAY_IS_APPLICATION (self));

  if (self->notifier != NULL)
    stray_notifier_set_focused_thread (self->notifier, parent_id);
}

/* Returns: (nullable): while a STRAY_WINDOW_THREAD request is handled, the thread's parent */
const char *
stray_application_get_requested_thread (StrayApplication *self)
{
  g_return_val_if_fail (STRAY_IS_APPLICATION (self), NULL);
  return self->requested_thread;
}
