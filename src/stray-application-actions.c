/* stray-application-actions.c: what the app can be asked to do
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "stray-application-private.h"

static void
on_action_done (GObject      *source,
                GAsyncResult *result,
                G_GNUC_UNUSED gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = stray_client_call_finish (STRAY_CLIENT (source), result, &error);

  if (answer == NULL)
    g_message ("the server refused: %s", error->message);
}

static void
action_mark_all_read (G_GNUC_UNUSED GSimpleAction *action,
                      G_GNUC_UNUSED GVariant      *parameter,
                      gpointer                     user_data)
{
  StrayClient *client = stray_application_get_client (user_data);

  if (client != NULL)
    stray_client_mark_all_read_async (client, NULL, on_action_done, NULL);
}

static void
action_mark_read (G_GNUC_UNUSED GSimpleAction *action,
                  GVariant                    *parameter,
                  gpointer                     user_data)
{
  StrayApplication *self = user_data;
  StrayClient *client = stray_application_get_client (self);
  const char *cid = g_variant_get_string (parameter, NULL);

  if (client != NULL &&
      stray_channel_list_lookup (stray_session_get_channels (self->session), cid) != NULL)
    stray_client_mark_read_async (client, cid, NULL, on_action_done, NULL);
}

static void
action_send_message (G_GNUC_UNUSED GSimpleAction *action,
                     GVariant                    *parameter,
                     gpointer                     user_data)
{
  StrayApplication *self = user_data;
  StrayClient *client = stray_application_get_client (self);
  const char *cid, *text;

  g_variant_get (parameter, "(&s&s)", &cid, &text);
  if (client != NULL && *text != '\0' &&
      stray_channel_list_lookup (stray_session_get_channels (self->session), cid) != NULL)
    stray_client_send_message_async (client, cid, text, NULL, on_action_done, NULL);
}

/* "accept-invite" and "decline-invite": Stream's acceptInvite/rejectInvite for a pending
 * invite; the model follows the event the server sends back. */
static void
action_answer_invite (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  StrayApplication *self = user_data;
  StrayClient *client = stray_application_get_client (self);
  const char *cid = g_variant_get_string (parameter, NULL);
  gboolean accept = g_str_equal (g_action_get_name (G_ACTION (action)), "accept-invite");

  if (client != NULL && stray_session_lookup_invite (self->session, cid) != NULL)
    stray_client_answer_invite_async (client, cid, accept, NULL, on_action_done, NULL);
}

/* "set-reminder" (message id, when in seconds since the epoch): Stream's createReminder, or
 * updateReminder for a message that has one; "snooze-reminder": the reminder an hour from now
 * (a due reminder's "Remind me in 1 hour"); "delete-reminder". The model follows the
 * reminder.* event the server sends back. */
static void
action_set_reminder (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  StrayApplication *self = user_data;
  StrayClient *client = stray_application_get_client (self);
  gboolean snooze = g_str_equal (g_action_get_name (G_ACTION (action)), "snooze-reminder");
  const char *message_id;
  gint64 when = g_get_real_time () / G_USEC_PER_SEC + 3600;

  if (snooze)
    message_id = g_variant_get_string (parameter, NULL);
  else
    g_variant_get (parameter, "(&sx)", &message_id, &when);
  if (client != NULL && when > 0)
    stray_client_set_reminder_async (client, message_id,
                                     !snooze && stray_session_lookup_reminder (self->session,
                                                                               message_id) == NULL,
                                     when * G_USEC_PER_SEC, NULL, on_action_done, NULL);
}

static void
action_delete_reminder (G_GNUC_UNUSED GSimpleAction *action,
                        GVariant                    *parameter,
                        gpointer                     user_data)
{
  StrayClient *client = stray_application_get_client (user_data);

  if (client != NULL)
    stray_client_delete_reminder_async (client, g_variant_get_string (parameter, NULL), NULL,
                                        on_action_done, NULL);
}

static void
action_open_channel (G_GNUC_UNUSED GSimpleAction *action,
                     GVariant                    *parameter,
                     gpointer                     user_data)
{
  stray_application_show_window (user_data, STRAY_WINDOW_PRESENT,
                                 g_variant_get_string (parameter, NULL));
}

/* "open-message" ((ss): the channel and the message): the window opens the channel at the
 * message, as a due reminder's Open and a click in the window's reminders ask. */
static void
action_open_message (G_GNUC_UNUSED GSimpleAction *action,
                     GVariant                    *parameter,
                     gpointer                     user_data)
{
  const char *cid, *message_id;

  g_variant_get (parameter, "(&s&s)", &cid, &message_id);
  if (*message_id == '\0')
    stray_application_show_window (user_data, STRAY_WINDOW_PRESENT, cid);
  else
    stray_application_show_message (user_data, cid, message_id);
}

/**
 * stray_application_show_message:
 *
 * Opens or raises the window at the message @message_id in @cid.
 */
void
stray_application_show_message (StrayApplication *self,
                                const char       *cid,
                                const char       *message_id)
{
  g_return_if_fail (STRAY_IS_APPLICATION (self));
  g_return_if_fail (cid != NULL && message_id != NULL);

  g_free (self->requested_message);
  self->requested_message = g_strdup (message_id);
  stray_application_show_window (self, STRAY_WINDOW_MESSAGE, cid);
  g_clear_pointer (&self->requested_message, g_free);
}

/* Returns: (nullable): while a STRAY_WINDOW_MESSAGE request is handled, the message */
const char *
stray_application_get_requested_message (StrayApplication *self)
{
  g_return_val_if_fail (STRAY_IS_APPLICATION (self), NULL);
  return self->requested_message;
}

/* "mark-thread-read" ((ss): the channel and the thread's parent message): Stream's mark read
 * with thread_id, as a thread reply's notification button and the thread view on screen ask. */
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
                                         on_action_done, NULL);
}

/* "open-thread" ((ss)): the window at the thread, as a click on a thread reply's notification
 * or on a message's "N replies" asks. */
static void
action_open_thread (G_GNUC_UNUSED GSimpleAction *action,
                    GVariant                    *parameter,
                    gpointer                     user_data)
{
  const char *cid, *parent_id;

  g_variant_get (parameter, "(&s&s)", &cid, &parent_id);
  stray_application_show_thread (user_data, cid, parent_id);
}

/* "show-window", and the tray menu's "Invitations (N)" and "N unread threads": the window,
 * whose top lists the invites, the upcoming reminders and the unread threads. */
static void
action_show_window (G_GNUC_UNUSED GSimpleAction *action,
                    G_GNUC_UNUSED GVariant      *parameter,
                    gpointer                     user_data)
{
  stray_application_show_window (user_data, STRAY_WINDOW_PRESENT, NULL);
}

static void
action_toggle_window (G_GNUC_UNUSED GSimpleAction *action,
                      G_GNUC_UNUSED GVariant      *parameter,
                      gpointer                     user_data)
{
  stray_application_show_window (user_data, STRAY_WINDOW_TOGGLE, NULL);
}

static void
action_preferences (G_GNUC_UNUSED GSimpleAction *action,
                    G_GNUC_UNUSED GVariant      *parameter,
                    gpointer                     user_data)
{
  stray_application_show_window (user_data, STRAY_WINDOW_PREFERENCES, NULL);
}

/* "hour", "tomorrow" (8 o'clock tomorrow morning) or "resume". */
static void
action_pause_notifications (G_GNUC_UNUSED GSimpleAction *action,
                            GVariant                    *parameter,
                            gpointer                     user_data)
{
  StrayApplication *self = user_data;
  const char *how = g_variant_get_string (parameter, NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  gint64 until = 0;

  if (g_str_equal (how, "hour"))
    until = g_date_time_to_unix (now) + 3600;
  else if (g_str_equal (how, "tomorrow"))
    {
      g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
      g_autoptr(GDateTime) morning = g_date_time_new_local (g_date_time_get_year (tomorrow),
                                                            g_date_time_get_month (tomorrow),
                                                            g_date_time_get_day_of_month (tomorrow),
                                                            8, 0, 0);

      until = g_date_time_to_unix (morning);
    }
  else if (!g_str_equal (how, "resume"))
    return;
  if (self->settings != NULL)
    g_settings_set_int64 (self->settings, "notifications-paused-until", until);
}

static void
action_reconnect (G_GNUC_UNUSED GSimpleAction *action,
                  G_GNUC_UNUSED GVariant      *parameter,
                  gpointer                     user_data)
{
  StrayApplication *self = user_data;

  if (self->connection != NULL)
    stray_connection_reconnect (self->connection);
}

static void
action_quit (G_GNUC_UNUSED GSimpleAction *action,
             G_GNUC_UNUSED GVariant      *parameter,
             gpointer                     user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

/**
 * stray_application_add_actions:
 *
 * The app's actions, in one table: the tray, its menu, notifications, the window and other
 * processes (over D-Bus) all ask through them.
 */
void
stray_application_add_actions (StrayApplication *self)
{
  static const GActionEntry actions[] = {
    { "toggle-window", action_toggle_window, NULL, NULL, NULL, { 0 } },
    { "preferences", action_preferences, NULL, NULL, NULL, { 0 } },
    { "pause-notifications", action_pause_notifications, "s", NULL, NULL, { 0 } },
    { "mark-all-read", action_mark_all_read, NULL, NULL, NULL, { 0 } },
    { "mark-read", action_mark_read, "s", NULL, NULL, { 0 } },
    { "send-message", action_send_message, "(ss)", NULL, NULL, { 0 } },
    { "accept-invite", action_answer_invite, "s", NULL, NULL, { 0 } },
    { "decline-invite", action_answer_invite, "s", NULL, NULL, { 0 } },
    { "show-invitations", action_show_window, NULL, NULL, NULL, { 0 } },
    { "show-threads", action_show_window, NULL, NULL, NULL, { 0 } },
    { "open-thread", action_open_thread, "(ss)", NULL, NULL, { 0 } },
    { "mark-thread-read", action_mark_thread_read, "(ss)", NULL, NULL, { 0 } },
    { "open-channel", action_open_channel, "s", NULL, NULL, { 0 } },
    { "open-message", action_open_message, "(ss)", NULL, NULL, { 0 } },
    { "set-reminder", action_set_reminder, "(sx)", NULL, NULL, { 0 } },
    { "snooze-reminder", action_set_reminder, "s", NULL, NULL, { 0 } },
    { "delete-reminder", action_delete_reminder, "s", NULL, NULL, { 0 } },
    { "show-window", action_show_window, NULL, NULL, NULL, { 0 } },
    { "reconnect", action_reconnect, NULL, NULL, NULL, { 0 } },
    { "quit", action_quit, NULL, NULL, NULL, { 0 } },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (self), actions, G_N_ELEMENTS (actions), self);
}
