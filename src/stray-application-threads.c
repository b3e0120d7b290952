/* stray-application-threads.c: the app's actions on threads
 *
 * "open-thread" ((ss): the channel and the thread's parent message) opens the window at the
 * thread, as a click on a thread reply's notification or on a message's "N replies" asks;
 * "mark-thread-read" ((ss)) marks the thread read on the server (Stream's mark read with
 * thread_id), as the notification's button and the thread view on screen ask.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "stray-application-private.h"

static void
action_mark_thread_read (G_GNUC_UNUSED GSimpleAction *action,
                         GVariant                    *parameter,
                         gpointer                     user_data)
{
  StrayApplication *self = user_data;
  StrayClient *client = stray_application_get_client (self);
  const char *cid, *parent_id;

  g_variant_get (parameter, "(&s&s)", &cid, &parent_id);
  if (client != NULL && *parent_id != '\0' &&
      stray_channel_list_lookup (stray_session_get_channels (self->session), cid) != NULL)
    stray_client_mark_thread_read_async (client, cid, parent_id, NULL,
                                         stray_application_on_action_done, NULL);
}

static void
action_open_thread (G_GNUC_UNUSED GSimpleAction *action,
                    GVariant                    *parameter,
                    gpointer                     user_data)
{
  const char *cid, *parent_id;

  g_variant_get (parameter, "(&s&s)", &cid, &parent_id);
  stray_application_show_thread (user_data, cid, parent_id);
}

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

/* The tray menu's "N unread threads". */
static void
action_show_threads (G_GNUC_UNUSED GSimpleAction *action,
                     G_GNUC_UNUSED GVariant      *parameter,
                     gpointer                     user_data)
{
  stray_application_show_window (user_data, STRAY_WINDOW_PRESENT, NULL);
}

void
stray_application_add_thread_actions (StrayApplication *self)
{
  static const GActionEntry actions[] = {
    { "show-threads", action_show_threads, NULL, NULL, NULL, { 0 } },
    { "open-thread", action_open_thread, "(ss)", NULL, NULL, { 0 } },
    { "mark-thread-read", action_mark_thread_read, "(ss)", NULL, NULL, { 0 } },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (self), actions, G_N_ELEMENTS (actions), self);
}
