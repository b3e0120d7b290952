/* test-rest.c: REST answers decoded (queryChannels, GET /unread, a channel's messages), and a
 * resync against a server that answers badly, which must leave the model as it was
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "stray-fixed-token.h"
#include "stray-message.h"
#include "stray-resync.h"
#include "stray-test-wait.h"

/* Two channels as Stream answers queryChannels (fields the model does not read left in). */
static const char good_page[] =
  "{\"channels\":["
  "{\"channel\":{\"id\":\"general\",\"type\":\"messaging\",\"cid\":\"messaging:general\","
  "\"name\":\"General\",\"image\":\"https://example.com/g.png\",\"member_count\":3,"
  "\"frozen\":true,\"disabled\":false,\"config\":{\"read_events\":true},"
  "\"own_capabilities\":[\"send-message\",\"read-events\"],"
  "\"last_message_at\":\"2026-01-01T10:00:00.5Z\"},"
  "\"messages\":[{\"id\":\"m1\",\"text\":\"hello\",\"type\":\"regular\","
  "\"created_at\":\"2026-01-01T10:00:00.5Z\",\"user\":{\"id\":\"han\",\"name\":\"Han\"},"
  "\"mentioned_users\":[{\"id\":\"luke\"}],\"reaction_counts\":{}}],"
  "\"members\":[{\"user_id\":\"luke\",\"user\":{\"id\":\"luke\",\"name\":\"Luke\"},"
  "\"role\":\"member\"},{\"user\":{\"id\":\"han\",\"name\":\"Han\"}},"
  "{\"user\":{\"id\":\"leia\"}}],"
  "\"read\":[{\"user\":{\"id\":\"han\"},\"unread_messages\":0,"
  "\"last_read\":\"2026-01-01T10:00:00Z\"},"
  "{\"user\":{\"id\":\"luke\"},\"unread_messages\":2,\"last_read\":\"2026-01-01T09:00:00Z\","
  "\"last_read_message_id\":\"m0\"}],"
  "\"watcher_count\":1,\"hidden\":false,\"pinned_messages\":[]},"
  "{\"channel\":{\"cid\":\"messaging:random\",\"member_count\":null},\"hidden\":true}"
  "],\"duration\":\"1.2ms\"}";

static const char good_unread[] =
  "{\"total_unread_count\":5,\"total_unread_threads_count\":0,"
  "\"channels\":[{\"channel_id\":\"messaging:general\",\"unread_count\":2,"
  "\"last_read\":\"2026-01-01T09:00:00Z\"},{\"channel_id\":\"messaging:random\","
  "\"unread_count\":3,\"last_read\":\"2026-01-01T08:00:00Z\"}],"
  "\"channel_type\":[],\"threads\":[]}";

/* GET /unread after good_page: general as the page says, and a channel the page did not list. */
static const char resync_unread[] =
  "{\"total_unread_count\":5,\"total_unread_threads_count\":0,"
  "\"channels\":[{\"channel_id\":\"messaging:general\",\"unread_count\":2,"
  "\"last_read\":\"2026-01-01T09:00:00Z\"},{\"channel_id\":\"messaging:offtopic\","
  "\"unread_count\":3,\"last_read\":\"2026-01-01T08:00:00Z\"}]}";

static JsonNode *
parse (const char *answer)
{
  g_autoptr(GError) error = NULL;
  JsonNode *root = stray_rest_parse (answer, strlen (answer), &error);

  g_assert_no_error (error);
  g_assert_nonnull (root);
  return root;
}

static void
test_channels_page (void)
{
  g_autoptr(JsonNode) root = parse (good_page);
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayRestChannelsPage) page = stray_rest_channels_page_decode (root, &error);
  const StrayRestChannelState *general, *random;
  gint64 at;

  g_assert_no_error (error);
  g_assert_cmpuint (page->n_channels, ==, 2);
  general = &page->channels[0];
  random = &page->channels[1];

  g_assert_cmpstr (general->channel.cid, ==, "messaging:general");
  g_assert_cmpstr (general->channel.name, ==, "General");
  g_assert_cmpstr (general->channel.image, ==, "https://example.com/g.png");
  g_assert_cmpint (general->channel.member_count, ==, 3);
  g_assert_true (general->channel.frozen);
  g_assert_true (general->channel.has_capabilities);
  g_assert_true (general->channel.read_events);
  g_assert_true (stray_parse_timestamp ("2026-01-01T10:00:00.5Z", &at));
  g_assert_cmpint (general->channel.last_message_at_us, ==, at);
  g_assert_false (general->hidden);

  g_assert_true (general->has_members);
  g_assert_cmpuint (general->n_members, ==, 3);
  g_assert_cmpstr (general->members[0].role, ==, "member");
  g_assert_cmpstr (general->members[1].user_id, ==, "han");
  g_assert_cmpstr (general->members[1].user->name, ==, "Han");
  g_assert_null (general->members[2].user->name);

  g_assert_cmpuint (general->n_reads, ==, 2);
  g_assert_cmpstr (general->reads[1].user->id, ==, "luke");
  g_assert_cmpint (general->reads[1].unread_messages, ==, 2);
  g_assert_cmpint (general->reads[1].last_read_us, >, 0);

  g_assert_cmpuint (general->n_messages, ==, 1);
  g_assert_cmpstr (general->messages[0].id, ==, "m1");
  g_assert_cmpstr (general->messages[0].text, ==, "hello");
  g_assert_cmpstr (general->messages[0].user->name, ==, "Han");
  g_assert_cmpint (general->messages[0].created_at_us, ==, at);
  g_assert_true (g_strv_contains (general->messages[0].mentioned_user_ids, "luke"));

  /* What a state leaves out reads as unset, not as zero or empty. */
  g_assert_cmpstr (random->channel.cid, ==, "messaging:random");
  g_assert_cmpint (random->channel.member_count, ==, STRAY_COUNT_UNSET);
  g_assert_false (random->channel.has_capabilities);
  g_assert_true (random->hidden);
  g_assert_false (random->has_members);
  g_assert_cmpuint (random->n_reads, ==, 0);
  g_assert_cmpuint (random->n_messages, ==, 0);
}

static void
test_unread (void)
{
  g_autoptr(JsonNode) root = parse (good_unread);
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayRestUnread) unread = stray_rest_unread_decode (root, &error);

  g_assert_no_error (error);
  g_assert_cmpint (unread->total_unread_count, ==, 5);
  g_assert_cmpint (unread->total_unread_threads_count, ==, 0);
  g_assert_cmpuint (unread->n_channels, ==, 2);
  g_assert_cmpstr (unread->channels[1].cid, ==, "messaging:random");
  g_assert_cmpint (unread->channels[1].unread_count, ==, 3);
  g_assert_cmpint (unread->channels[1].last_read_us, >, 0);
}

/* /sync's events are decoded as frames are: each one on its own, a refused one left out
 * without losing the rest; what the user may no longer read is listed apart. */
static void
test_sync (void)
{
  g_autoptr(JsonNode) root = parse (
    "{\"events\":["
    "{\"type\":\"message.new\",\"cid\":\"messaging:general\","
    "\"created_at\":\"2026-01-01T09:00:00.5Z\",\"message\":{\"id\":\"m1\",\"text\":\"hi\","
    "\"user\":{\"id\":\"han\"},\"mentioned_users\":[{\"id\":\"luke\"}]}},"
    "{\"type\":\"message.new\",\"cid\":\"messaging:general\",\"message\":{\"id\":7}},"
    "{\"type\":\"message.read\",\"cid\":\"messaging:general\",\"user\":{\"id\":\"luke\"}}],"
    "\"inaccessible_cids\":[\"messaging:gone\"],\"duration\":\"1ms\"}");
  g_autoptr(JsonNode) wrong = parse ("{\"events\":[],\"inaccessible_cids\":[3]}");
  g_autoptr(JsonNode) empty = parse ("{\"duration\":\"1ms\"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayRestSync) sync = stray_rest_sync_decode (root, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (sync->n_events, ==, 2);
  g_assert_cmpint (sync->events[0]->type, ==, STRAY_EVENT_MESSAGE_NEW);
  g_assert_cmpstr (sync->events[0]->message->text, ==, "hi");
  g_assert_cmpint (sync->events[0]->created_at_us % G_USEC_PER_SEC, ==, G_USEC_PER_SEC / 2);
  g_assert_cmpstr (sync->events[0]->message->mentioned_user_ids[0], ==, "luke");
  g_assert_cmpint (sync->events[1]->type, ==, STRAY_EVENT_MESSAGE_READ);
  g_assert_cmpuint (sync->n_inaccessible_cids, ==, 1);
  g_assert_cmpstr (sync->inaccessible_cids[0], ==, "messaging:gone");
  g_assert_null (sync->inaccessible_cids[1]);

  g_assert_null (stray_rest_sync_decode (wrong, &error));
  g_assert_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_WRONG_TYPE);
  g_clear_error (&error);
  /* Without its events, an answer would read as "nothing happened". */
  g_assert_null (stray_rest_sync_decode (empty, &error));
  g_assert_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_MISSING_FIELD);
}

static void
test_messages (void)
{
  g_autoptr(JsonNode) root = parse (
    "{\"messages\":["
    "{\"id\":\"a\",\"text\":\"first\",\"created_at\":\"2026-01-01T10:00:00Z\","
    "\"user\":{\"id\":\"han\",\"name\":\"Han\"}},"
    "{\"id\":\"b\",\"text\":\"gone\",\"type\":\"deleted\",\"user\":{\"id\":\"leia\"}},"
    "{\"text\":\"no id: skipped\"},"
    "{\"id\":\"c\",\"deleted_at\":\"2026-01-01T11:00:00Z\"}],"
    "\"channel\":{\"cid\":\"messaging:general\"}}");
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) messages = stray_rest_messages_decode (root, &error);
  g_autoptr(StrayMessage) first = NULL;
  g_autoptr(StrayMessage) gone = NULL;
  g_autoptr(StrayMessage) deleted_at = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (messages), ==, 3);
  first = g_list_model_get_item (messages, 0);
  gone = g_list_model_get_item (messages, 1);
  deleted_at = g_list_model_get_item (messages, 2);

  g_assert_cmpstr (stray_message_get_id (first), ==, "a");
  g_assert_cmpstr (stray_message_get_author (first), ==, "Han");
  g_assert_cmpstr (stray_message_get_user_id (first), ==, "han");
  g_assert_cmpstr (stray_message_get_text (first), ==, "first");
  g_assert_cmpint (stray_message_get_created_at (first), >, 0);
  g_assert_false (stray_message_get_deleted (first));
  /* Without a name the author is the user's id. */
  g_assert_cmpstr (stray_message_get_author (gone), ==, "leia");
  g_assert_true (stray_message_get_deleted (gone));
  g_assert_true (stray_message_get_deleted (deleted_at));
  g_assert_cmpstr (stray_message_get_text (deleted_at), ==, "");
  g_assert_null (stray_message_get_author (deleted_at));
}

/* Edits are Stream's message_text_updated_at, not updated_at (which reactions move too);
 * attachments are named by their title, an image's by its fallback; a link's preview is not
 * something sent. */
static void
test_messages_edited_attachments (void)
{
  g_autoptr(JsonNode) root = parse (
    "{\"messages\":["
    "{\"id\":\"a\",\"text\":\"fixed typo\",\"updated_at\":\"2026-01-01T10:05:00Z\","
    "\"message_text_updated_at\":\"2026-01-01T10:05:00Z\"},"
    "{\"id\":\"b\",\"text\":\"liked\",\"created_at\":\"2026-01-01T10:00:00Z\","
    "\"updated_at\":\"2026-01-01T10:09:00Z\",\"attachments\":[]},"
    "{\"id\":\"c\",\"attachments\":["
    "{\"type\":\"file\",\"title\":\"report.pdf\",\"asset_url\":\"https://x/r.pdf\"},"
    "{\"type\":\"image\",\"fallback\":\"beach.jpg\",\"image_url\":\"https://x/b.jpg\"},"
    "{\"type\":\"video\",\"title\":null},"
    "{\"type\":\"image\",\"title\":\"A page\",\"og_scrape_url\":\"https://example.com\"},"
    "{}]}]}");
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) messages = stray_rest_messages_decode (root, &error);
  g_autoptr(StrayMessage) edited = NULL;
  g_autoptr(StrayMessage) reacted = NULL;
  g_autoptr(StrayMessage) with_files = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (messages), ==, 3);
  edited = g_list_model_get_item (messages, 0);
  reacted = g_list_model_get_item (messages, 1);
  with_files = g_list_model_get_item (messages, 2);

  g_assert_true (stray_message_get_edited (edited));
  g_assert_false (stray_message_get_edited (reacted));
  g_assert_cmpuint (stray_message_get_n_attachments (edited), ==, 0);
  g_assert_cmpuint (stray_message_get_n_attachments (reacted), ==, 0);
  g_assert_cmpuint (stray_message_get_n_attachments (with_files), ==, 4);
  g_assert_cmpstr (stray_message_get_attachment_type (with_files, 0), ==, "file");
  g_assert_cmpstr (stray_message_get_attachment_title (with_files, 0), ==, "report.pdf");
  g_assert_cmpstr (stray_message_get_attachment_type (with_files, 1), ==, "image");
  g_assert_cmpstr (stray_message_get_attachment_title (with_files, 1), ==, "beach.jpg");
  g_assert_cmpstr (stray_message_get_attachment_type (with_files, 2), ==, "video");
  g_assert_null (stray_message_get_attachment_title (with_files, 2));
  /* Stream requires no type: the window still says something was sent. */
  g_assert_cmpstr (stray_message_get_attachment_type (with_files, 3), ==, "");
}

typedef enum {
  CHANNELS_PAGE,
  UNREAD,
  MESSAGES,
} AnswerKind;

static void
assert_refused (AnswerKind       kind,
                const char      *answer,
                StrayEventError  code,
                const char      *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = stray_rest_parse (answer, strlen (answer), &error);
  gpointer decoded = NULL;

  if (root != NULL)
    switch (kind)
      {
      case CHANNELS_PAGE:
        decoded = stray_rest_channels_page_decode (root, &error);
        g_clear_pointer ((StrayRestChannelsPage **) &decoded, stray_rest_channels_page_free);
        break;
      case UNREAD:
        decoded = stray_rest_unread_decode (root, &error);
        g_clear_pointer ((StrayRestUnread **) &decoded, stray_rest_unread_free);
        break;
      case MESSAGES:
        decoded = stray_rest_messages_decode (root, &error);
        g_clear_object ((GListModel **) &decoded);
        break;
      default:
        g_assert_not_reached ();
      }
  g_assert_error (error, STRAY_EVENT_ERROR, (int) code);
  if (strstr (error->message, message_part) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, message_part);
}

static void
test_wrong_types (void)
{
  assert_refused (CHANNELS_PAGE, "{\"channels\":{}}", STRAY_EVENT_ERROR_WRONG_TYPE,
                  "field “channels” must be an array, not an object");
  assert_refused (CHANNELS_PAGE, "{\"channels\":[42]}", STRAY_EVENT_ERROR_WRONG_TYPE,
                  "field “channels[0]” must be an object, not an integer");
  assert_refused (CHANNELS_PAGE, "{\"channels\":[{\"channel\":{\"cid\":7}}]}",
                  STRAY_EVENT_ERROR_WRONG_TYPE,
                  "field “channels[0].channel.cid” must be a string, not an integer");
  assert_refused (CHANNELS_PAGE,
                  "{\"channels\":[{\"channel\":{\"cid\":\"a:b\"}},{\"channel\":{\"cid\":\"a:c\"},"
                  "\"read\":[{\"user\":{\"id\":\"luke\"},\"unread_messages\":\"2\"}]}]}",
                  STRAY_EVENT_ERROR_WRONG_TYPE,
                  "field “channels[1].read[0].unread_messages” must be an integer, not a string");
  assert_refused (CHANNELS_PAGE,
                  "{\"channels\":[{\"channel\":{\"cid\":\"a:b\"},\"members\":[{\"user\":[]}]}]}",
                  STRAY_EVENT_ERROR_WRONG_TYPE,
                  "field “channels[0].members[0].user” must be an object, not an array");
  assert_refused (CHANNELS_PAGE,
                  "{\"channels\":[{\"channel\":{\"cid\":\"a:b\"},\"messages\":[{\"id\":\"m\","
                  "\"created_at\":\"yesterday\"}]}]}",
                  STRAY_EVENT_ERROR_INVALID_VALUE,
                  "field “channels[0].messages[0].created_at” is not an RFC 3339 date-time");
  assert_refused (CHANNELS_PAGE,
                  "{\"channels\":[{\"channel\":{\"cid\":\"a:b\",\"member_count\":-1}}]}",
                  STRAY_EVENT_ERROR_OUT_OF_RANGE, "channels[0].channel.member_count");
  assert_refused (CHANNELS_PAGE, "{\"channels\":[{\"channel\":{\"cid\":\"a:b\"},\"hidden\":1}]}",
                  STRAY_EVENT_ERROR_WRONG_TYPE, "field “channels[0].hidden” must be a boolean");
  assert_refused (UNREAD, "{\"total_unread_count\":\"5\",\"channels\":[]}",
                  STRAY_EVENT_ERROR_WRONG_TYPE, "field “total_unread_count” must be an integer");
  assert_refused (UNREAD, "{\"total_unread_count\":5,\"channels\":[{\"unread_count\":true}]}",
                  STRAY_EVENT_ERROR_WRONG_TYPE, "field “channels[0].unread_count”");
  assert_refused (MESSAGES, "{\"messages\":[{\"id\":\"a\",\"user\":\"han\"}]}",
                  STRAY_EVENT_ERROR_WRONG_TYPE,
                  "field “messages[0].user” must be an object, not a string");
  assert_refused (MESSAGES, "{\"messages\":[{\"id\":\"a\",\"deleted_at\":false}]}",
                  STRAY_EVENT_ERROR_WRONG_TYPE, "field “messages[0].deleted_at”");
  assert_refused (MESSAGES, "{\"messages\":[{\"id\":\"a\",\"attachments\":[1]}]}",
                  STRAY_EVENT_ERROR_WRONG_TYPE, "field “messages[0].attachments[0]”");
  assert_refused (MESSAGES,
                  "{\"messages\":[{\"id\":\"a\",\"attachments\":[{\"title\":3}]}]}",
                  STRAY_EVENT_ERROR_WRONG_TYPE, "field “messages[0].attachments[0].title”");
}

static void
test_missing_fields (void)
{
  assert_refused (CHANNELS_PAGE, "{\"duration\":\"1ms\"}", STRAY_EVENT_ERROR_MISSING_FIELD,
                  "field “channels” is missing");
  assert_refused (CHANNELS_PAGE, "{\"channels\":null}", STRAY_EVENT_ERROR_MISSING_FIELD,
                  "field “channels” is missing");
  assert_refused (CHANNELS_PAGE, "{\"channels\":[{\"members\":[]}]}",
                  STRAY_EVENT_ERROR_MISSING_FIELD, "field “channels[0].channel” is missing");
  assert_refused (CHANNELS_PAGE, "{\"channels\":[{\"channel\":{\"name\":\"General\"}}]}",
                  STRAY_EVENT_ERROR_MISSING_FIELD, "field “channels[0].channel.cid” is missing");
  assert_refused (UNREAD, "{\"channels\":[]}", STRAY_EVENT_ERROR_MISSING_FIELD,
                  "field “total_unread_count” is missing");
  assert_refused (UNREAD, "{\"total_unread_count\":0}", STRAY_EVENT_ERROR_MISSING_FIELD,
                  "field “channels” is missing");
  assert_refused (MESSAGES, "{\"channel\":{}}", STRAY_EVENT_ERROR_MISSING_FIELD,
                  "field “messages” is missing");
}

/* An answer of @depth nested arrays inside a page's first channel state. */
static char *
deep_page (guint depth)
{
  g_autoptr(GString) answer = g_string_new ("{\"channels\":[{\"channel\":{\"cid\":\"a:b\"},"
                                            "\"extra\":");

  for (guint i = 0; i < depth; i++)
    g_string_append_c (answer, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (answer, ']');
  g_string_append (answer, "}]}");
  return g_string_free (g_steal_pointer (&answer), FALSE);
}

/* Text is measured before it is parsed, with the limits frames have (and a larger size). */
static void
test_bounds (void)
{
  g_autofree char *deep = deep_page (100000);
  g_autofree char *at_limit = deep_page (STRAY_EVENT_MAX_DEPTH - 3);
  g_autoptr(GString) large = g_string_new ("{\"channels\":[],\"padding\":\"");
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;

  assert_refused (CHANNELS_PAGE, deep, STRAY_EVENT_ERROR_TOO_DEEP,
                  "answer nests deeper than 64 levels");
  /* Three levels are the page's own: 61 more still decode. */
  root = stray_rest_parse (at_limit, strlen (at_limit), &error);
  g_assert_no_error (error);
  g_assert_nonnull (root);

  while (large->len <= STRAY_REST_MAX_ANSWER_SIZE)
    g_string_append (large, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  g_string_append (large, "\"}");
  assert_refused (CHANNELS_PAGE, large->str, STRAY_EVENT_ERROR_TOO_LARGE,
                  "over the limit of 16777216 bytes");

  assert_refused (UNREAD, "{\"total_unread_count\":1,\"channels\":[]", STRAY_EVENT_ERROR_SYNTAX,
                  "answer is not JSON");
  assert_refused (UNREAD, "[1,2]", STRAY_EVENT_ERROR_NOT_OBJECT,
                  "answer is an array, not a JSON object");
  assert_refused (MESSAGES, "{\"messages\":[{\"id\":\"\xc3\x28\"}]}",
                  STRAY_EVENT_ERROR_INVALID_UTF8, "answer is not valid UTF-8 (at byte 20)");
}

/* ---- a resync against a server that says what the test wants ---- */

typedef struct {
  SoupServer *server;
  char *base_url;
  const char *page;    /* answer of POST /channels */
  const char *unread;  /* answer of GET /unread */
  StraySession *session;
  StrayClient *client;
  gboolean done;
  gboolean synced;
  GError *error;
} Fixture;

static void
on_request (G_GNUC_UNUSED SoupServer *server,
            SoupServerMessage        *msg,
            const char               *path,
            G_GNUC_UNUSED GHashTable *query,
            gpointer                  user_data)
{
  Fixture *fixture = user_data;
  const char *answer = g_str_equal (path, "/channels") ? fixture->page
                       : g_str_equal (path, "/unread") ? fixture->unread : NULL;

  if (answer == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, answer,
                                    strlen (answer));
}

static void
apply (Fixture    *fixture,
       const char *frame)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayEvent) event = stray_event_decode (frame, strlen (frame), &error);

  g_assert_no_error (error);
  stray_session_apply (fixture->session, event);
}

static void
fixture_set_up (Fixture       *fixture,
                G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayFixedToken) token = stray_fixed_token_new ("a-token");
  GSList *uris;

  fixture->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (fixture->server, NULL, on_request, fixture, NULL);
  soup_server_listen_local (fixture->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (fixture->server);
  fixture->base_url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  fixture->client = stray_client_new (fixture->base_url, "key", "luke",
                                      STRAY_TOKEN_PROVIDER (token));
  /* The model before the resync: luke, one unread message from han in general. */
  fixture->session = stray_session_new ();
  apply (fixture, "{\"type\":\"health.check\",\"connection_id\":\"c\",\"me\":{\"id\":\"luke\","
                  "\"total_unread_count\":1,\"unread_channels\":1}}");
  apply (fixture, "{\"type\":\"message.new\",\"cid\":\"messaging:general\","
                  "\"created_at\":\"2026-01-01T09:00:00Z\",\"message\":{\"id\":\"m0\","
                  "\"text\":\"before\",\"created_at\":\"2026-01-01T09:00:00Z\","
                  "\"user\":{\"id\":\"han\"}},\"total_unread_count\":1,\"unread_channels\":1}");
}

static void
fixture_tear_down (Fixture       *fixture,
                   G_GNUC_UNUSED gconstpointer user_data)
{
  g_clear_error (&fixture->error);
  stray_test_finalize (fixture->session);
  stray_test_finalize (fixture->client);
  soup_server_disconnect (fixture->server);
  stray_test_finalize (fixture->server);
  g_free (fixture->base_url);
}

static void
on_resynced (G_GNUC_UNUSED GObject *source,
             GAsyncResult          *result,
             gpointer               user_data)
{
  Fixture *fixture = user_data;

  fixture->synced = stray_resync_finish (result, &fixture->error);
  fixture->done = TRUE;
}

static void
resync (Fixture *fixture)
{
  /* Never started: the resync only reads what it knows (nothing synced yet). */
  g_autoptr(StrayConnection) connection = stray_connection_new (fixture->session,
                                                                fixture->client);

  fixture->done = FALSE;
  stray_resync_async (connection, NULL, on_resynced, fixture);
  stray_test_wait_for (stray_test_flag_is_set, &fixture->done, "the resync");
}

static StrayChannel *
channel (Fixture    *fixture,
         const char *cid)
{
  return stray_channel_list_lookup (stray_session_get_channels (fixture->session), cid);
}

/* The model as the fixture made it, untouched. */
static void
assert_model_as_before (Fixture *fixture)
{
  StrayChannel *general = channel (fixture, "messaging:general");

  g_assert_nonnull (general);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (stray_session_get_channels (
                                                fixture->session))), ==, 1);
  g_assert_cmpuint (stray_channel_get_unread_count (general), ==, 1);
  g_assert_cmpstr (stray_channel_get_last_message (general)->text, ==, "before");
  g_assert_null (stray_channel_get_name (general));
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 1);
  g_assert_cmpuint (stray_session_get_unread_channels (fixture->session), ==, 1);
}

static void
test_resync_good (Fixture       *fixture,
                  G_GNUC_UNUSED gconstpointer user_data)
{
  StrayChannel *general, *random;
  g_auto(GStrv) unknown = NULL;

  fixture->page = good_page;
  fixture->unread = resync_unread;
  resync (fixture);
  g_assert_no_error (fixture->error);
  g_assert_true (fixture->synced);

  general = channel (fixture, "messaging:general");
  random = channel (fixture, "messaging:random");
  g_assert_nonnull (general);
  g_assert_nonnull (random);
  g_assert_cmpstr (stray_channel_get_name (general), ==, "General");
  g_assert_cmpuint (stray_channel_get_unread_count (general), ==, 2);
  g_assert_cmpstr (stray_channel_get_last_message (general)->text, ==, "hello");
  g_assert_cmpstr (stray_channel_get_last_message (general)->user_name, ==, "Han");
  g_assert_true (stray_channel_get_frozen (general));
  g_assert_true (stray_channel_get_hidden (random));
  /* The mention in general's unread message calls for attention, as it would have live. */
  g_assert_true (stray_channel_get_attention (general));
  /* The totals are the channels' sum, and the channel GET /unread counts that no page listed
   * (the connection is to fetch it). */
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 5);
  g_assert_cmpuint (stray_session_get_unread_channels (fixture->session), ==, 2);
  unknown = stray_session_dup_unknown_cids (fixture->session);
  g_assert_cmpstrv (unknown, ((const char *[]) { "messaging:offtopic", NULL }));
}

/* A page the decoder refuses is not applied at all, and the resync stops there. */
static void
test_resync_bad_page (Fixture       *fixture,
                      G_GNUC_UNUSED gconstpointer user_data)
{
  g_autofree char *deep = deep_page (100000);
  const char *pages[] = {
    /* The first state is fine; the second's count is a string: nothing of the page counts. */
    "{\"channels\":[{\"channel\":{\"cid\":\"messaging:general\",\"name\":\"General\"},"
    "\"read\":[{\"user\":{\"id\":\"luke\"},\"unread_messages\":0}]},"
    "{\"channel\":{\"cid\":\"messaging:random\",\"member_count\":\"many\"}}]}",
    /* An answer without its channels would otherwise read as "the user has none". */
    "{\"duration\":\"1ms\"}",
    deep,
  };
  const char *reasons[] = {
    "POST /channels answered badly: field “channels[1].channel.member_count” must be an integer",
    "field “channels” is missing",
    "answer nests deeper than 64 levels",
  };

  fixture->unread = good_unread;
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      fixture->page = pages[i];
      resync (fixture);
      g_assert_error (fixture->error, STRAY_CLIENT_ERROR, STRAY_CLIENT_ERROR_BAD_RESPONSE);
      if (strstr (fixture->error->message, reasons[i]) == NULL)
        g_error ("“%s” does not mention “%s”", fixture->error->message, reasons[i]);
      g_clear_error (&fixture->error);
      assert_model_as_before (fixture);
    }
}

/* GET /unread refused: the page was applied, and the totals are what the channels add up to. */
static void
test_resync_bad_unread (Fixture       *fixture,
                        G_GNUC_UNUSED gconstpointer user_data)
{
  fixture->page = "{\"channels\":[{\"channel\":{\"cid\":\"messaging:general\"},"
                  "\"read\":[{\"user\":{\"id\":\"luke\"},\"unread_messages\":4}]}]}";
  fixture->unread = "{\"total_unread_count\":-3,\"channels\":[]}";
  resync (fixture);
  g_assert_error (fixture->error, STRAY_CLIENT_ERROR, STRAY_CLIENT_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (fixture->error->message, "GET /unread answered badly"));
  g_assert_cmpuint (stray_channel_get_unread_count (channel (fixture, "messaging:general")), ==,
                    4);
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 4);
  g_assert_cmpuint (stray_session_get_unread_channels (fixture->session), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stray/rest/channels-page", test_channels_page);
  g_test_add_func ("/stray/rest/unread", test_unread);
  g_test_add_func ("/stray/rest/messages", test_messages);
  g_test_add_func ("/stray/rest/messages/edited-attachments", test_messages_edited_attachments);
  g_test_add_func ("/stray/rest/sync", test_sync);
  g_test_add_func ("/stray/rest/refused/wrong-types", test_wrong_types);
  g_test_add_func ("/stray/rest/refused/missing-fields", test_missing_fields);
  g_test_add_func ("/stray/rest/refused/bounds", test_bounds);
#define ADD(path, func) \
  g_test_add ("/stray/rest/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("resync/good", test_resync_good);
  ADD ("resync/bad-page", test_resync_bad_page);
  ADD ("resync/bad-unread", test_resync_bad_unread);
#undef ADD

  return g_test_run ();
}
