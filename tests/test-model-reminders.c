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

  /* Its message deleted: the reminder goes with it, and an older update does not bring it back
   * (stream-chat-js' ReminderManager drops it on message.deleted). */
  apply (session, "{\"type\":\"message.deleted\",\"cid\":\"messaging:general\","
                  "\"created_at\":\"2026-01-03T10:00:00Z\",\"message\":{\"id\":\"m2\","
                  "\"type\":\"deleted\"}}");
  ASSERT_LIST (session, "");
  apply (session, REMINDER_EVENT ("reminder.updated", "m2", "\"2026-01-04T09:00:00Z\"",
                                  "2026-01-03T09:30:00Z", "2026-01-03T09:30:00Z"));
  ASSERT_LIST (session, "");

  /* Signed out: none left. */
  stray_session_clear (session);
  ASSERT_LIST (session, "");
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

  /* Two queries at once (a reconnect while one was on its way). The newer answers first, and no
   * longer lists "new" (deleted while the socket was away); the older, which still lists it,
   * does not bring it back. */
  stray_session_begin_reminders_query (session);
  stray_session_begin_reminders_query (session);
  g_clear_pointer (&answer, g_ptr_array_unref);
  answer = g_ptr_array_new_with_free_func (g_object_unref);
  stray_session_end_reminders_query (session, answer);
  ASSERT_LIST (session, "");
  g_clear_pointer (&answer, g_ptr_array_unref);
  answer = decoded_answer (REMINDER_EVENT ("reminder.created", "new", "\"2026-01-02T10:00:00Z\"",
                                           "2026-01-01T10:00:05Z", "2026-01-01T10:00:05Z"));
  stray_session_end_reminders_query (session, answer);
  ASSERT_LIST (session, "");
}

/* ---- random schedules ---- */

/* A simulated server holds the truth about a few reminders; its changes go out as frames over
 * a socket that may drop (losing what was in flight) and come back (with a queryReminders, as
 * the connection asks at each handshake); query answers are computed when the server handles
 * them and delivered later, in any order, after or before frames newer than them. Once
 * everything in flight is delivered on a live socket, the list must be the truth. */

#define N_SCHEDULES 3000
#define N_STEPS 80
#define N_IDS 4

typedef struct {
  gboolean exists;
  gint64 remind_at_us;  /* 0: a bookmark */
  gint64 updated_us;
} SimReminder;

typedef struct {
  gboolean handled;
  GPtrArray *answer;    /* of StrayReminder, once handled */
} SimQuery;

typedef struct {
  StraySession *session;
  GRand *rand;
  SimReminder truth[N_IDS];
  GQueue frames;        /* char *, oldest first */
  GPtrArray *queries;   /* of SimQuery, begun and not yet ended */
  gboolean connected;
  gint64 now_us;
  gint64 next_remind_at_us;
} Sim;

static char *
format_time (gint64 time_us)
{
  g_autoptr(GDateTime) seconds = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
  g_autofree char *text = g_date_time_format (seconds, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%06dZ", text, (int) (time_us % G_USEC_PER_SEC));
}

static void
sim_query_free (gpointer data)
{
  SimQuery *query = data;

  g_clear_pointer (&query->answer, g_ptr_array_unref);
  g_free (query);
}

static void
sim_change (Sim *sim)
{
  guint id = g_rand_int_range (sim->rand, 0, N_IDS);
  SimReminder *truth = &sim->truth[id];
  const char *type;
  g_autofree char *remind_at = NULL;
  g_autofree char *updated_at = NULL;
  g_autofree char *now = NULL;

  sim->now_us += 1000;
  if (!truth->exists || g_rand_boolean (sim->rand))
    {
      type = truth->exists ? "reminder.updated" : "reminder.created";
      truth->exists = TRUE;
      /* Now and then a bookmark; each time otherwise distinct, so that the order is one. */
      truth->remind_at_us = g_rand_int_range (sim->rand, 0, 5) == 0
                            ? 0 : (sim->next_remind_at_us -= G_USEC_PER_SEC);
      truth->updated_us = sim->now_us;
    }
  else
    {
      type = "reminder.deleted";
      truth->exists = FALSE;
    }
  if (!sim->connected)
    return;
  if (truth->remind_at_us != 0)
    {
      g_autofree char *when = format_time (truth->remind_at_us);

      remind_at = g_strdup_printf ("\"%s\"", when);
    }
  else
    remind_at = g_strdup ("null");
  updated_at = format_time (truth->updated_us);
  now = format_time (sim->now_us);
  g_queue_push_tail (&sim->frames, g_strdup_printf (
    "{\"type\":\"%s\",\"cid\":\"messaging:general\",\"created_at\":\"%s\","
    "\"reminder\":{\"message_id\":\"m%u\",\"channel_cid\":\"messaging:general\","
    "\"user_id\":\"luke\",\"remind_at\":%s,\"updated_at\":\"%s\"}}",
    type, now, id, remind_at, updated_at));
}

static void
sim_deliver_frame (Sim *sim)
{
  g_autofree char *frame = g_queue_pop_head (&sim->frames);

  if (frame != NULL)
    apply (sim->session, frame);
}

static void
sim_handle_query (Sim      *sim,
                  SimQuery *query)
{
  query->handled = TRUE;
  query->answer = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint id = 0; id < N_IDS; id++)
    if (sim->truth[id].exists && sim->truth[id].remind_at_us != 0)
      {
        g_autofree char *message_id = g_strdup_printf ("m%u", id);
        StrayEventReminder decoded = {
          .message_id = message_id, .channel_cid = "messaging:general", .user_id = "luke",
          .remind_at_us = sim->truth[id].remind_at_us, .updated_at_us = sim->truth[id].updated_us,
        };

        g_ptr_array_add (query->answer, stray_reminder_new (&decoded, NULL));
      }
}

static void
sim_end_query (Sim   *sim,
               guint  index,
               gboolean answered)
{
  SimQuery *query = g_ptr_array_index (sim->queries, index);

  stray_session_end_reminders_query (sim->session, answered ? query->answer : NULL);
  g_ptr_array_remove_index (sim->queries, index);
}

/* The socket drops: frames in flight are lost, and the queries of that connection cancelled. */
static void
sim_drop (Sim *sim)
{
  sim->connected = FALSE;
  g_queue_clear_full (&sim->frames, g_free);
  while (sim->queries->len > 0)
    sim_end_query (sim, 0, FALSE);
}

static void
sim_connect (Sim *sim)
{
  sim->connected = TRUE;
  stray_session_begin_reminders_query (sim->session);
  g_ptr_array_add (sim->queries, g_new0 (SimQuery, 1));
}

static void
sim_step (Sim *sim)
{
  switch (g_rand_int_range (sim->rand, 0, 8))
    {
    case 0:
    case 1:
      sim_change (sim);
      break;
    case 2:
    case 3:
      sim_deliver_frame (sim);
      break;
    case 4:
      if (sim->connected && g_rand_int_range (sim->rand, 0, 3) == 0)
        sim_drop (sim);
      else if (!sim->connected)
        sim_connect (sim);
      break;
    case 5:
      /* A reconnect while a query is on its way: both run. */
      if (sim->connected && sim->queries->len > 0 && g_rand_boolean (sim->rand))
        {
          stray_session_begin_reminders_query (sim->session);
          g_ptr_array_add (sim->queries, g_new0 (SimQuery, 1));
        }
      break;
    case 6:
      for (guint i = 0; i < sim->queries->len; i++)
        if (!((SimQuery *) g_ptr_array_index (sim->queries, i))->handled)
          {
            sim_handle_query (sim, g_ptr_array_index (sim->queries, i));
            break;
          }
      break;
    default:
      if (sim->queries->len > 0)
        {
          guint index = g_rand_int_range (sim->rand, 0, sim->queries->len);
          SimQuery *query = g_ptr_array_index (sim->queries, index);

          if (query->handled)
            sim_end_query (sim, index, TRUE);
        }
      break;
    }
}

static char *
truth_list (Sim *sim)
{
  g_autoptr(GString) joined = g_string_new (NULL);
  gboolean listed[N_IDS] = { FALSE };

  /* Soonest first: the smallest remind_at not yet listed, each time. */
  for (;;)
    {
      gint64 best = G_MAXINT64;
      int best_id = -1;

      for (guint id = 0; id < N_IDS; id++)
        if (!listed[id] && sim->truth[id].exists && sim->truth[id].remind_at_us != 0 &&
            sim->truth[id].remind_at_us < best)
          best = sim->truth[best_id = (int) id].remind_at_us;
      if (best_id < 0)
        break;
      listed[best_id] = TRUE;
      g_string_append_printf (joined, "%sm%d", joined->len > 0 ? "," : "", best_id);
    }
  return g_string_free (g_steal_pointer (&joined), FALSE);
}

static gboolean
run_schedule (guint32 seed)
{
  Sim sim = { 0 };
  g_autofree char *expected = NULL;
  g_autofree char *actual = NULL;

  sim.session = signed_in_session ();
  sim.rand = g_rand_new_with_seed (seed);
  sim.queries = g_ptr_array_new_with_free_func (sim_query_free);
  g_queue_init (&sim.frames);
  sim.now_us = (gint64) 1767225600 * G_USEC_PER_SEC;
  sim.next_remind_at_us = sim.now_us + (gint64) 30 * 24 * 3600 * G_USEC_PER_SEC;
  sim_connect (&sim);

  for (guint i = 0; i < N_STEPS; i++)
    sim_step (&sim);
  /* Quiescence: on a live socket, every query answered, every frame delivered. */
  if (!sim.connected)
    sim_connect (&sim);
  while (sim.queries->len > 0)
    {
      SimQuery *query = g_ptr_array_index (sim.queries, 0);

      if (!query->handled)
        sim_handle_query (&sim, query);
      sim_end_query (&sim, 0, TRUE);
    }
  while (!g_queue_is_empty (&sim.frames))
    sim_deliver_frame (&sim);

  expected = truth_list (&sim);
  actual = texts (sim.session);
  if (g_strcmp0 (expected, actual) != 0)
    g_test_message ("seed %u: the list is [%s], the truth [%s]", seed, actual, expected);

  g_ptr_array_unref (sim.queries);
  g_rand_free (sim.rand);
  g_object_unref (sim.session);
  return g_strcmp0 (expected, actual) == 0;
}

/* STRAY_TEST_SEED=<seed> replays the one schedule a failure printed. */
static void
test_random_schedules (void)
{
  const char *replay = g_getenv ("STRAY_TEST_SEED");
  guint32 first = replay != NULL ? (guint32) g_ascii_strtoull (replay, NULL, 10)
                                 : (guint32) g_test_rand_int ();
  guint n = replay != NULL ? 1 : N_SCHEDULES;
  guint failed = 0;

  for (guint i = 0; i < n; i++)
    failed += !run_schedule (first + i);
  if (failed > 0)
    g_test_message ("replay one with STRAY_TEST_SEED=<seed> meson test -C _build --verbose "
                    "model-reminders");
  g_assert_cmpuint (failed, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stray/model/reminders/events", test_events);
  g_test_add_func ("/stray/model/reminders/query-crossing-events", test_query_crossing_events);
  g_test_add_func ("/stray/model/reminders/random-schedules", test_random_schedules);

  return g_test_run ();
}
