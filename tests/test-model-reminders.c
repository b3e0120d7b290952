/* test-model-reminders.c: the session's list of message reminders, kept by events and by
 * queryReminders' answers that cross them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "stray-session.h"

static void
apply (StraySession *session,
       const char   *frame)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayEvent) event = stray_event_decode (frame, strlen (frame), &error);

  g_assert_no_error (error);
  stray_session_apply (session, event);
}

static StraySession *
signed_in_session (void)
{
  StraySession *session = stray_session_new ();

  apply (session, "{\"type\":\"health.check\",\"connection_id\":\"c1\","
                  "\"created_at\":\"2026-01-01T00:00:00Z\",\"me\":{\"id\":\"luke\"}}");
  return session;
}

/* A reminder.* event (or notification.reminder_due) about luke's reminder on @message_id. */
#define REMINDER_EVENT(type, message_id, remind_at, updated_at, event_at)                       \
  "{\"type\":\"" type "\",\"cid\":\"messaging:general\",\"created_at\":\"" event_at "\","       \
  "\"message_id\":\"" message_id "\",\"reminder\":{\"message_id\":\"" message_id "\","          \
  "\"channel_cid\":\"messaging:general\",\"user_id\":\"luke\",\"remind_at\":" remind_at ","      \
  "\"created_at\":\"2026-01-01T10:00:00Z\",\"updated_at\":\"" updated_at "\","                   \
  "\"message\":{\"id\":\"" message_id "\",\"text\":\"text of " message_id "\","                  \
  "\"user\":{\"id\":\"han\",\"name\":\"Han\"}}}}"

static GPtrArray *
decoded_answer (const char *frame)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayEvent) event = stray_event_decode (frame, strlen (frame), &error);
  GPtrArray *answer = g_ptr_array_new_with_free_func (g_object_unref);

  g_assert_no_error (error);
  g_ptr_array_add (answer, stray_reminder_new (event->reminder, NULL));
  return answer;
}

static char *
texts (StraySession *session)
{
  GListModel *reminders = stray_session_get_reminders (session);
  g_autoptr(GString) joined = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (reminders); i++)
    {
      g_autoptr(StrayReminder) reminder = g_list_model_get_item (reminders, i);

      g_string_append_printf (joined, "%s%s", i > 0 ? "," : "",
                              stray_reminder_get_message_id (reminder));
    }
  return g_string_free (g_steal_pointer (&joined), FALSE);
}

#define ASSERT_LIST(session, expected)                 \
  G_STMT_START {                                       \
    g_autofree char *list_ = texts (session);          \
    g_assert_cmpstr (list_, ==, expected);             \
  } G_STMT_END

/* Events keep the list, soonest first; someone else's reminder and a bookmark are not in it. */
static void
test_events (void)
{
  g_autoptr(StraySession) session = signed_in_session ();
  StrayReminder *reminder;

  apply (session, REMINDER_EVENT ("reminder.created", "m1", "\"2026-01-02T09:00:00Z\"",
                                  "2026-01-01T10:00:00Z", "2026-01-01T10:00:00Z"));
  apply (session, REMINDER_EVENT ("reminder.created", "m2", "\"2026-01-01T12:00:00Z\"",
                                  "2026-01-01T10:00:01Z", "2026-01-01T10:00:01Z"));
  apply (session, REMINDER_EVENT ("reminder.created", "m3", "null",
                                  "2026-01-01T10:00:02Z", "2026-01-01T10:00:02Z"));
  ASSERT_LIST (session, "m2,m1");
  reminder = stray_session_lookup_reminder (session, "m1");
  g_assert_cmpstr (stray_reminder_get_text (reminder), ==, "text of m1");
  g_assert_cmpstr (stray_reminder_get_author_name (reminder), ==, "Han");
  g_assert_cmpstr (stray_reminder_get_cid (reminder), ==, "messaging:general");

  /* Moved later than m1. */
  apply (session, REMINDER_EVENT ("reminder.updated", "m2", "\"2026-01-03T09:00:00Z\"",
                                  "2026-01-01T11:00:00Z", "2026-01-01T11:00:00Z"));
  ASSERT_LIST (session, "m1,m2");
  /* An older update, arriving late, changes nothing. */
  apply (session, REMINDER_EVENT ("reminder.updated", "m2", "\"2026-01-01T12:00:00Z\"",
                                  "2026-01-01T10:30:00Z", "2026-01-01T10:30:00Z"));
  ASSERT_LIST (session, "m1,m2");
  apply (session, REMINDER_EVENT ("reminder.deleted", "m1", "\"2026-01-02T09:00:00Z\"",
                                  "2026-01-01T10:00:00Z", "2026-01-01T11:30:00Z"));
  ASSERT_LIST (session, "m2");
  /* Due: it stays, as it does on the server, until deleted. */
  apply (session, REMINDER_EVENT ("notification.reminder_due", "m2", "\"2026-01-03T09:00:00Z\"",
                                  "2026-01-01T11:00:00Z", "2026-01-03T09:00:00Z"));
  ASSERT_LIST (session, "m2");
}

/* queryReminders' answer: it drops what it does not list, unless an event named it meanwhile;
 * it does not bring back a reminder deleted after the reminder's last update. */
static void
test_query_crossing_events (void)
{
  g_autoptr(StraySession) session = signed_in_session ();
  g_autoptr(GPtrArray) answer = NULL;

  apply (session, REMINDER_EVENT ("reminder.created", "old", "\"2026-01-02T09:00:00Z\"",
                                  "2026-01-01T09:00:00Z", "2026-01-01T09:00:00Z"));
  stray_session_begin_reminders_query (session);
  /* While the query runs: one is created, one deleted. */
  apply (session, REMINDER_EVENT ("reminder.created", "new", "\"2026-01-02T10:00:00Z\"",
                                  "2026-01-01T10:00:05Z", "2026-01-01T10:00:05Z"));
  apply (session, REMINDER_EVENT ("reminder.created", "gone", "\"2026-01-02T11:00:00Z\"",
                                  "2026-01-01T10:00:00Z", "2026-01-01T10:00:00Z"));
  apply (session, REMINDER_EVENT ("reminder.deleted", "gone", "\"2026-01-02T11:00:00Z\"",
                                  "2026-01-01T10:00:00Z", "2026-01-01T10:00:06Z"));
  /* The answer was made before both: it lists "gone", and neither "old" (deleted on another
   * device while the socket was away) nor "new". */
  answer = decoded_answer (REMINDER_EVENT ("reminder.created", "gone",
                                           "\"2026-01-02T11:00:00Z\"", "2026-01-01T10:00:00Z",
                                           "2026-01-01T10:00:00Z"));
  stray_session_end_reminders_query (session, answer);
  ASSERT_LIST (session, "new");

  /* A failed query changes nothing. */
  stray_session_begin_reminders_query (session);
  stray_session_end_reminders_query (session, NULL);
  ASSERT_LIST (session, "new");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stray/model/reminders/events", test_events);
  g_test_add_func ("/stray/model/reminders/query-crossing-events", test_query_crossing_events);

  return g_test_run ();
}
