/* test-threads.c: threads in the core (issue 17 item 3): the unread threads count taken from
 * the server's facts by their moment, a thread's read leaving the channel's count, and the
 * client's thread calls (replies, a reply, a thread marked read) against the devserver, whose
 * events reach a connected session.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "stray-connection.h"
#include "stray-devserver.h"
#include "stray-message.h"
#include "stray-signed-tokens.h"
#include "stray-test-wait.h"

#define API_KEY "threads-key"
#define SECRET "threads-secret-0123456789abcdef"
#define GENERAL "messaging:general"

static void
apply (StraySession *session,
       const char   *frame)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayEvent) event = stray_event_decode (frame, strlen (frame), &error);

  g_assert_no_error (error);
  stray_session_apply (session, event);
}

/* An older event's count never replaces a newer one's, whatever order they arrive in. */
static void
test_count_by_moment (void)
{
  g_autoptr(StraySession) session = stray_session_new ();

  apply (session, "{\"type\":\"health.check\",\"created_at\":\"2026-01-01T10:00:00Z\","
                  "\"me\":{\"id\":\"luke\",\"unread_threads\":1}}");
  g_assert_cmpuint (stray_session_get_unread_threads (session), ==, 1);
  apply (session, "{\"type\":\"notification.thread_message_new\",\"cid\":\"" GENERAL "\","
                  "\"created_at\":\"2026-01-01T10:05:00Z\",\"unread_threads\":3,"
                  "\"message\":{\"id\":\"r2\",\"parent_id\":\"p\",\"user\":{\"id\":\"han\"}}}");
  g_assert_cmpuint (stray_session_get_unread_threads (session), ==, 3);
  /* A notification from before that, late: its count is out of date. */
  apply (session, "{\"type\":\"notification.thread_message_new\",\"cid\":\"" GENERAL "\","
                  "\"created_at\":\"2026-01-01T10:04:00Z\",\"unread_threads\":2,"
                  "\"message\":{\"id\":\"r1\",\"parent_id\":\"p\",\"user\":{\"id\":\"han\"}}}");
  g_assert_cmpuint (stray_session_get_unread_threads (session), ==, 3);
  /* A thread read after it, on another device. */
  apply (session, "{\"type\":\"notification.mark_read\",\"cid\":\"" GENERAL "\","
                  "\"created_at\":\"2026-01-01T10:06:00Z\",\"thread_id\":\"p\","
                  "\"thread\":{\"parent_message_id\":\"p\"},\"unread_threads\":2}");
  g_assert_cmpuint (stray_session_get_unread_threads (session), ==, 2);
}

/* GET /unread's count is taken at the end of a resync unless an event told the count while it
 * ran; that event may be newer than the answer. */
static void
test_count_from_answer (void)
{
  g_autoptr(StraySession) session = stray_session_new ();
  StrayRestUnread answer = { .total_unread_count = 0, .total_unread_threads_count = 4 };

  apply (session, "{\"type\":\"health.check\",\"created_at\":\"2026-01-01T10:00:00Z\","
                  "\"me\":{\"id\":\"luke\",\"unread_threads\":1}}");
  stray_session_begin_sync (session);
  stray_session_end_sync (session, &answer);
  g_assert_cmpuint (stray_session_get_unread_threads (session), ==, 4);

  stray_session_begin_sync (session);
  apply (session, "{\"type\":\"notification.thread_message_new\",\"cid\":\"" GENERAL "\","
                  "\"created_at\":\"2026-01-01T10:05:00Z\",\"unread_threads\":5,"
                  "\"message\":{\"id\":\"r\",\"parent_id\":\"p\",\"user\":{\"id\":\"han\"}}}");
  stray_session_end_sync (session, &answer);
  g_assert_cmpuint (stray_session_get_unread_threads (session), ==, 5);

  /* A recovery takes it (it asks again when events came meanwhile, stray-resync.c). */
  stray_session_take_unread (session, &answer);
  g_assert_cmpuint (stray_session_get_unread_threads (session), ==, 4);
}

/* Reading a thread is not reading its channel (stream-chat-js' channel.ts skips read events
 * that carry a thread). */
static void
test_thread_read_leaves_channel (void)
{
  g_autoptr(StraySession) session = stray_session_new ();
  StrayChannel *general;

  apply (session, "{\"type\":\"health.check\",\"me\":{\"id\":\"luke\"}}");
  apply (session, "{\"type\":\"message.new\",\"cid\":\"" GENERAL "\","
                  "\"created_at\":\"2026-01-01T10:00:00Z\",\"message\":{\"id\":\"m1\","
                  "\"text\":\"hi\",\"created_at\":\"2026-01-01T10:00:00Z\","
                  "\"user\":{\"id\":\"han\"}}}");
  general = stray_channel_list_lookup (stray_session_get_channels (session), GENERAL);
  g_assert_cmpuint (stray_channel_get_unread_count (general), ==, 1);

  apply (session, "{\"type\":\"message.read\",\"cid\":\"" GENERAL "\","
                  "\"created_at\":\"2026-01-01T10:01:00Z\",\"user\":{\"id\":\"luke\"},"
                  "\"thread\":{\"parent_message_id\":\"m0\"}}");
  apply (session, "{\"type\":\"notification.mark_read\",\"cid\":\"" GENERAL "\","
                  "\"created_at\":\"2026-01-01T10:01:00Z\",\"user\":{\"id\":\"luke\"},"
                  "\"thread_id\":\"m0\",\"thread\":{\"parent_message_id\":\"m0\"},"
                  "\"unread_threads\":0,\"unread_channels\":1}");
  g_assert_cmpuint (stray_channel_get_unread_count (general), ==, 1);

  apply (session, "{\"type\":\"message.read\",\"cid\":\"" GENERAL "\","
                  "\"created_at\":\"2026-01-01T10:02:00Z\",\"user\":{\"id\":\"luke\"}}");
  g_assert_cmpuint (stray_channel_get_unread_count (general), ==, 0);
}

/* ---- the calls, against the devserver ---- */

typedef struct {
  StrayDevserver *server;
  StraySession *session;
  StrayClient *alice;
  StrayClient *bob;
  StrayConnection *connection;
  gboolean synced;
  GListModel *replies;
  gboolean done;
  guint expected_threads;
  char *parent_id;
} Fixture;

static StrayClient *
client_for (Fixture    *fixture,
            const char *user_id)
{
  g_autoptr(StraySignedTokens) tokens = stray_signed_tokens_new (SECRET, user_id, 0);

  return stray_client_new (stray_devserver_get_base_url (fixture->server), API_KEY, user_id,
                           STRAY_TOKEN_PROVIDER (tokens));
}

static void
on_synced (G_GNUC_UNUSED StrayConnection *connection,
           Fixture                       *fixture)
{
  fixture->synced = TRUE;
}

static void
fixture_set_up (Fixture       *fixture,
                G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) message = json_object_new ();
  const char * const members[] = { "alice", "bob", NULL };
  JsonObject *parent;

  fixture->server = g_object_new (STRAY_TYPE_DEVSERVER, "api-key", API_KEY, "secret", SECRET,
                                  "health-interval", 0, NULL);
  stray_devserver_listen (fixture->server, "127.0.0.1:0", &error);
  g_assert_no_error (error);
  stray_devserver_create_channel (fixture->server, "messaging", "general", "bob", members, NULL,
                                  &error);
  g_assert_no_error (error);
  json_object_set_string_member (message, "text", "Lunch on Friday?");
  parent = stray_devserver_send_message (fixture->server, GENERAL, "alice", message, &error);
  g_assert_no_error (error);
  fixture->parent_id = g_strdup (json_object_get_string_member (parent, "id"));

  fixture->session = stray_session_new ();
  fixture->alice = client_for (fixture, "alice");
  fixture->bob = client_for (fixture, "bob");
  fixture->connection = stray_connection_new (fixture->session, fixture->alice);
  g_signal_connect (fixture->connection, "synced", G_CALLBACK (on_synced), fixture);
  stray_connection_start (fixture->connection);
  stray_test_wait_for (stray_test_flag_is_set, &fixture->synced, "the first sync");
}

static void
fixture_tear_down (Fixture       *fixture,
                   G_GNUC_UNUSED gconstpointer user_data)
{
  stray_connection_stop (fixture->connection);
  stray_test_finalize (fixture->connection);
  stray_test_finalize (fixture->session);
  stray_test_finalize (fixture->alice);
  stray_test_finalize (fixture->bob);
  stray_test_finalize (fixture->server);
  g_clear_object (&fixture->replies);
  g_free (fixture->parent_id);
}

static void
on_called (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = stray_client_call_finish (STRAY_CLIENT (source), result, &error);

  g_assert_no_error (error);
  fixture->done = TRUE;
}

static void
on_replies (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GError) error = NULL;

  fixture->replies = stray_client_get_replies_finish (STRAY_CLIENT (source), result, &error);
  g_assert_no_error (error);
  fixture->done = TRUE;
}

static void
on_message (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayMessage) message = stray_client_get_message_finish (STRAY_CLIENT (source),
                                                                     result, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (stray_message_get_text (message), ==, "Lunch on Friday?");
  g_assert_cmpuint (stray_message_get_reply_count (message), ==, 2);
  fixture->done = TRUE;
}

static void
send_reply (Fixture     *fixture,
            StrayClient *client,
            const char  *text)
{
  fixture->done = FALSE;
  stray_client_send_reply_async (client, GENERAL, fixture->parent_id, text, NULL, on_called,
                                 fixture);
  stray_test_wait_for (stray_test_flag_is_set, &fixture->done, "the reply");
}

static gboolean
unread_threads_are (gconstpointer data)
{
  const Fixture *fixture = data;

  return stray_session_get_unread_threads (fixture->session) == fixture->expected_threads;
}

static void
wait_for_unread_threads (Fixture *fixture,
                         guint    expected)
{
  fixture->expected_threads = expected;
  stray_test_wait_for (unread_threads_are, fixture, "the unread threads count");
}

static void
test_calls (Fixture       *fixture,
            G_GNUC_UNUSED gconstpointer user_data)
{
  StrayChannel *general = stray_channel_list_lookup (stray_session_get_channels (fixture->session),
                                                     GENERAL);
  StrayMessage *reply;

  g_assert_cmpuint (stray_session_get_unread_threads (fixture->session), ==, 0);
  /* bob replies: alice, who wrote the parent, has one unread thread, and no unread message
   * in the channel. */
  send_reply (fixture, fixture->bob, "Yes, at noon");
  wait_for_unread_threads (fixture, 1);
  g_assert_cmpuint (stray_channel_get_unread_count (general), ==, 0);
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 0);

  /* Her own reply through the client is in the thread, after bob's. */
  send_reply (fixture, fixture->alice, "Great");
  fixture->done = FALSE;
  stray_client_get_replies_async (fixture->alice, fixture->parent_id, 50, NULL, on_replies,
                                  fixture);
  stray_test_wait_for (stray_test_flag_is_set, &fixture->done, "the replies");
  g_assert_cmpuint (g_list_model_get_n_items (fixture->replies), ==, 2);
  reply = g_list_model_get_item (fixture->replies, 0);
  g_assert_cmpstr (stray_message_get_text (reply), ==, "Yes, at noon");
  g_assert_cmpstr (stray_message_get_user_id (reply), ==, "bob");
  g_object_unref (reply);
  /* The parent, as a thread opened from a notification fetches it. */
  fixture->done = FALSE;
  stray_client_get_message_async (fixture->alice, fixture->parent_id, NULL, on_message, fixture);
  stray_test_wait_for (stray_test_flag_is_set, &fixture->done, "the parent");
  /* Replying read the thread for her, as sending reads a channel. */
  g_assert_cmpuint (stray_dev_store_thread_unread (stray_devserver_get_store (fixture->server),
                                                   "alice").unread_threads, ==, 0);

  /* bob again, then alice reads the thread: the server and her session say so. */
  send_reply (fixture, fixture->bob, "See you");
  wait_for_unread_threads (fixture, 1);
  fixture->done = FALSE;
  stray_client_mark_thread_read_async (fixture->alice, GENERAL, fixture->parent_id, NULL,
                                       on_called, fixture);
  stray_test_wait_for (stray_test_flag_is_set, &fixture->done, "the thread read");
  wait_for_unread_threads (fixture, 0);
  g_assert_cmpuint (stray_dev_store_thread_unread (stray_devserver_get_store (fixture->server),
                                                   "alice").unread_threads, ==, 0);
  g_assert_cmpuint (stray_channel_get_unread_count (general), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stray/threads/count/by-moment", test_count_by_moment);
  g_test_add_func ("/stray/threads/count/from-answer", test_count_from_answer);
  g_test_add_func ("/stray/threads/read-leaves-channel", test_thread_read_leaves_channel);
  g_test_add ("/stray/threads/calls", Fixture, NULL, fixture_set_up, test_calls,
              fixture_tear_down);

  return g_test_run ();
}
