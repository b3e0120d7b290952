/* test-event.c: the decoder, on every event type and every class of bad input
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "stray-event.h"

static char *
read_data_file (const char *directory,
                const char *name,
                gsize      *length)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", directory, name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, length, &error);
  g_assert_no_error (error);
  return contents;
}

static StrayEvent *
decode_string (const char *frame)
{
  g_autoptr(GError) error = NULL;
  StrayEvent *event = stray_event_decode (frame, strlen (frame), &error);

  g_assert_no_error (error);
  g_assert_nonnull (event);
  return event;
}

static void
assert_rejected (const char      *frame,
                 gsize            length,
                 StrayEventError  code,
                 const char      *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayEvent) event = stray_event_decode (frame, length, &error);

  g_assert_null (event);
  g_assert_error (error, STRAY_EVENT_ERROR, (int) code);
  if (strstr (error->message, message_part) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, message_part);
}

/* Reads @name (a path like "message.user.id") from @object the plain json-glib way, as a
 * reference the decoder is checked against. */
static JsonNode *
lookup_path (JsonObject *object,
             const char *path)
{
  g_auto(GStrv) names = g_strsplit (path, ".", -1);
  JsonNode *node = NULL;

  for (guint i = 0; names[i] != NULL; i++)
    {
      if (object == NULL || !json_object_has_member (object, names[i]))
        return NULL;
      node = json_object_get_member (object, names[i]);
      object = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
    }
  return node;
}

static const char *
lookup_string (JsonObject *object,
               const char *path)
{
  JsonNode *node = lookup_path (object, path);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;
}

static gint64
lookup_count (JsonObject *object,
              const char *path)
{
  JsonNode *node = lookup_path (object, path);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_int (node)
                                                       : STRAY_COUNT_UNSET;
}

static void
assert_user_matches (const StrayEventUser *user,
                     JsonObject           *object,
                     const char           *path)
{
  g_autofree char *id_path = g_strconcat (path, ".id", NULL);
  g_autofree char *name_path = g_strconcat (path, ".name", NULL);
  g_autofree char *image_path = g_strconcat (path, ".image", NULL);

  g_assert_true ((user != NULL) == (lookup_path (object, path) != NULL));
  if (user == NULL)
    return;
  g_assert_cmpstr (user->id, ==, lookup_string (object, id_path));
  g_assert_cmpstr (user->name, ==, lookup_string (object, name_path));
  g_assert_cmpstr (user->image, ==, lookup_string (object, image_path));
}

/* Every field the decoder offers agrees with a plain reading of the same file. */
static void
assert_event_matches_json (const StrayEvent *event,
                           JsonObject       *object)
{
  const char *cid = lookup_string (object, "cid");

  if (cid == NULL)
    cid = lookup_string (object, "channel.cid");
  g_assert_cmpstr (event->cid, ==, cid);
  g_assert_cmpstr (event->channel_type, ==, lookup_string (object, "channel_type"));
  g_assert_cmpstr (event->channel_id, ==, lookup_string (object, "channel_id"));
  g_assert_cmpstr (event->created_at, ==, lookup_string (object, "created_at"));
  g_assert_cmpint (event->created_at_us, >, G_GINT64_CONSTANT (1600000000) * G_USEC_PER_SEC);

  assert_user_matches (event->user, object, "user");
  assert_user_matches (event->target_user, object, "target_user");

  g_assert_cmpint (event->total_unread_count, ==, lookup_count (object, "total_unread_count"));
  g_assert_cmpint (event->unread_channels, ==, lookup_count (object, "unread_channels"));
  g_assert_cmpint (event->unread_count, ==, lookup_count (object, "unread_count"));
  g_assert_cmpint (event->unread_messages, ==, lookup_count (object, "unread_messages"));
  g_assert_cmpint (event->unread_threads, ==, lookup_count (object, "unread_threads"));
  g_assert_cmpint (event->unread_thread_messages, ==,
                   lookup_count (object, "unread_thread_messages"));
  g_assert_cmpint (event->channel_member_count, ==,
                   lookup_count (object, "channel_member_count"));
  g_assert_cmpint (event->watcher_count, ==, lookup_count (object, "watcher_count"));

  g_assert_true ((event->channel != NULL) == (lookup_path (object, "channel") != NULL));
  if (event->channel != NULL)
    {
      g_assert_cmpstr (event->channel->cid, ==, lookup_string (object, "channel.cid"));
      g_assert_cmpstr (event->channel->id, ==, lookup_string (object, "channel.id"));
      g_assert_cmpstr (event->channel->type, ==, lookup_string (object, "channel.type"));
      g_assert_cmpstr (event->channel->name, ==, lookup_string (object, "channel.name"));
      g_assert_cmpint (event->channel->member_count, ==,
                       lookup_count (object, "channel.member_count"));
    }

  g_assert_true ((event->message != NULL) == (lookup_path (object, "message") != NULL));
  if (event->message != NULL)
    {
      g_assert_cmpstr (event->message->id, ==, lookup_string (object, "message.id"));
      g_assert_cmpstr (event->message->text, ==, lookup_string (object, "message.text"));
      g_assert_cmpstr (event->message->type, ==, lookup_string (object, "message.type"));
      g_assert_cmpstr (event->message->parent_id, ==, lookup_string (object, "message.parent_id"));
      g_assert_cmpstr (event->message->created_at, ==,
                       lookup_string (object, "message.created_at"));
      assert_user_matches (event->message->user, object, "message.user");
    }

  g_assert_true ((event->member != NULL) == (lookup_path (object, "member") != NULL));
  if (event->member != NULL)
    {
      const char *user_id = lookup_string (object, "member.user_id");

      g_assert_cmpstr (event->member->user_id, ==,
                       user_id ? user_id : lookup_string (object, "member.user.id"));
      assert_user_matches (event->member->user, object, "member.user");
    }

  g_assert_true ((event->reaction != NULL) == (lookup_path (object, "reaction") != NULL));
  if (event->reaction != NULL)
    {
      g_assert_cmpstr (event->reaction->type, ==, lookup_string (object, "reaction.type"));
      g_assert_cmpstr (event->reaction->message_id, ==,
                       lookup_string (object, "reaction.message_id"));
      g_assert_cmpint (event->reaction->score, ==, lookup_count (object, "reaction.score"));
    }

  g_assert_true ((event->thread != NULL) == (lookup_path (object, "thread") != NULL));
  if (event->thread != NULL)
    {
      g_assert_cmpstr (event->thread->parent_message_id, ==,
                       lookup_string (object, "thread.parent_message_id"));
      g_assert_cmpint (event->thread->reply_count, ==,
                       lookup_count (object, "thread.reply_count"));
    }

  g_assert_true ((event->me != NULL) == (lookup_path (object, "me") != NULL));
  if (event->me != NULL)
    {
      g_assert_cmpstr (event->me->user.id, ==, lookup_string (object, "me.id"));
      g_assert_cmpint (event->me->total_unread_count, ==,
                       lookup_count (object, "me.total_unread_count"));
      g_assert_cmpint (event->me->unread_channels, ==,
                       lookup_count (object, "me.unread_channels"));
      g_assert_cmpint (event->me->unread_count, ==, lookup_count (object, "me.unread_count"));
      g_assert_cmpint (event->me->unread_threads, ==, lookup_count (object, "me.unread_threads"));
    }
}

static void
check_fixture (const char *directory,
               const char *name,
               const char *expected_type)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayEvent) event = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize length;

  contents = read_data_file (directory, name, &length);
  event = stray_event_decode (contents, length, &error);
  g_assert_no_error (error);
  g_assert_nonnull (event);

  g_assert_cmpstr (event->type_name, ==, expected_type);
  if (event->type == STRAY_EVENT_CUSTOM)
    g_assert_cmpstr (expected_type, ==, "app.reminder.ping");
  else
    g_assert_cmpstr (stray_event_type_to_string (event->type), ==, expected_type);

  json_parser_load_from_data (parser, contents, length, &error);
  g_assert_no_error (error);
  assert_event_matches_json (event, json_node_get_object (json_parser_get_root (parser)));
}

/* One fixture per type of the catalogue, decoded to that type with every field right. */
static void
test_every_event_type (void)
{
  for (guint type = STRAY_EVENT_CUSTOM + 1; type < STRAY_EVENT_N_TYPES; type++)
    {
      const char *name = stray_event_type_to_string (type);
      g_autofree char *file_name = g_strconcat (name, ".json", NULL);

      g_test_message ("%s", file_name);
      g_assert_cmpuint (stray_event_type_from_string (name), ==, type);
      check_fixture ("events", file_name, name);
    }
  g_assert_cmpuint (STRAY_EVENT_N_TYPES - 1, ==, 61);
}

static void
test_custom_event (void)
{
  g_autofree char *contents = NULL;
  g_autoptr(StrayEvent) event = NULL;
  JsonObject *payload;
  gsize length;

  check_fixture ("events", "custom.json", "app.reminder.ping");

  contents = read_data_file ("events", "custom.json", &length);
  event = stray_event_decode (contents, length, NULL);
  g_assert_cmpint (event->type, ==, STRAY_EVENT_CUSTOM);
  g_assert_cmpstr (event->cid, ==, "team:design");
  /* The raw JSON stays available to whoever understands the custom type. */
  payload = json_object_get_object_member (json_node_get_object (event->root), "payload");
  g_assert_nonnull (payload);

  /* "custom" is not a wire name of its own. */
  g_clear_pointer (&event, stray_event_unref);
  event = decode_string ("{\"type\":\"custom\"}");
  g_assert_cmpint (event->type, ==, STRAY_EVENT_CUSTOM);
  g_assert_cmpstr (event->type_name, ==, "custom");
}

/* The frames Stream's own test server sends decode as they are. */
static void
test_recorded_frames (void)
{
  static const struct {
    const char *file;
    const char *type;
  } recorded[] = {
    { "ws_health_check.json", "health.check" },
    { "ws_message.json", "message.new" },
    { "ws_events.json", "typing.start" },
    { "ws_events_channel.json", "channel.updated" },
    { "ws_events_member.json", "member.added" },
    { "ws_reaction.json", "reaction.new" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (recorded); i++)
    check_fixture ("recorded", recorded[i].file, recorded[i].type);
}

static void
test_recorded_details (void)
{
  g_autofree char *contents = NULL;
  g_autoptr(StrayEvent) health = NULL;
  g_autoptr(StrayEvent) message = NULL;
  gsize length;

  contents = read_data_file ("recorded", "ws_health_check.json", &length);
  health = stray_event_decode (contents, length, NULL);
  g_assert_cmpint (health->type, ==, STRAY_EVENT_HEALTH_CHECK);
  g_assert_cmpstr (health->cid, ==, "*");
  g_assert_cmpstr (health->connection_id, ==, "68893fd3-0a15-1cdb-0200-000000001193");
  g_assert_cmpstr (health->me->user.id, ==, "luke_skywalker");
  g_assert_cmpstr (health->me->user.name, ==, "Luke Skywalker");
  g_assert_cmpint (health->me->total_unread_count, ==, 3088);
  g_assert_cmpint (health->me->unread_channels, ==, 1);
  g_assert_cmpint (health->me->unread_threads, ==, 0);
  g_assert_nonnull (health->me->muted_user_ids);
  g_assert_null (health->me->muted_user_ids[0]);
  g_assert_nonnull (health->me->muted_channel_cids);
  g_assert_null (health->me->muted_channel_cids[0]);
  g_clear_pointer (&contents, g_free);

  contents = read_data_file ("recorded", "ws_message.json", &length);
  message = stray_event_decode (contents, length, NULL);
  g_assert_cmpint (message->type, ==, STRAY_EVENT_MESSAGE_NEW);
  g_assert_cmpstr (message->cid, ==, "messaging:af0f1bdf-8210-44c9-bc46-71f34a0486c7");
  g_assert_cmpstr (message->message->text, ==, "Test");
  g_assert_cmpstr (message->message->user->id, ==, "luke_skywalker");
  g_assert_false (message->message->silent);
  g_assert_false (message->message->shadowed);
  g_assert_nonnull (message->message->mentioned_user_ids);
  g_assert_cmpint (message->total_unread_count, ==, 3088);
  g_assert_cmpint (message->unread_channels, ==, 1);
  g_assert_cmpint (message->watcher_count, ==, 1);
}

/* What was sent with a message, named as the SDKs name it (a file's title, an image's
 * fallback); a link's preview is the text's own and left out; a wrong shape is refused. */
static void
test_attachments (void)
{
  const char *frame =
    "{\"type\":\"message.new\",\"cid\":\"messaging:a\",\"message\":{\"id\":\"m\","
    "\"attachments\":[{\"type\":\"file\",\"title\":\"q3.pdf\"},"
    "{\"type\":\"image\",\"fallback\":\"beach.jpg\"},"
    "{\"type\":\"image\",\"og_scrape_url\":\"https://example.com\"},{}]}}";
  const char * const expected[] = { "file", "q3.pdf", "image", "beach.jpg", "", "", NULL };
  g_autoptr(StrayEvent) event = stray_event_decode (frame, strlen (frame), NULL);
  g_autoptr(StrayEvent) plain = NULL;
  g_autoptr(StrayEvent) refused = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (event);
  g_assert_cmpstrv (event->message->attachments, expected);

  frame = "{\"type\":\"message.new\",\"message\":{\"id\":\"m\",\"attachments\":[]}}";
  plain = stray_event_decode (frame, strlen (frame), NULL);
  g_assert_nonnull (plain);
  g_assert_null (plain->message->attachments);

  frame = "{\"type\":\"message.new\",\"message\":{\"id\":\"m\",\"attachments\":[7]}}";
  refused = stray_event_decode (frame, strlen (frame), &error);
  g_assert_null (refused);
  g_assert_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_WRONG_TYPE);
  g_assert_nonnull (strstr (error->message, "message.attachments[0]"));
}

static void
test_mutes_and_mentions (void)
{
  g_autofree char *contents = NULL;
  g_autoptr(StrayEvent) health = NULL;
  g_autoptr(StrayEvent) message = NULL;
  gsize length;

  contents = read_data_file ("events", "health.check.json", &length);
  health = stray_event_decode (contents, length, NULL);
  g_assert_cmpstrv (health->me->muted_user_ids, ((const char * const[]) { "count_dooku", NULL }));
  g_assert_cmpstrv (health->me->muted_channel_cids,
                    ((const char * const[]) { "messaging:random", NULL }));

  message = decode_string ("{\"type\":\"message.new\",\"cid\":\"messaging:general\","
                           "\"message\":{\"id\":\"m1\",\"text\":\"hi @luke\","
                           "\"parent_id\":\"p1\",\"show_in_channel\":true,\"silent\":true,"
                           "\"shadowed\":true,\"mentioned_users\":[{\"id\":\"luke\"},"
                           "{\"id\":\"leia\",\"name\":\"Leia\"}]}}");
  g_assert_cmpstrv (message->message->mentioned_user_ids,
                    ((const char * const[]) { "luke", "leia", NULL }));
  g_assert_cmpstr (message->message->parent_id, ==, "p1");
  g_assert_true (message->message->show_in_channel);
  g_assert_true (message->message->silent);
  g_assert_true (message->message->shadowed);
  /* Absent lists stay distinguishable from empty ones. */
  g_assert_null (message->me);
  g_assert_null (message->user);
}

static void
test_capabilities (void)
{
  g_autoptr(StrayEvent) without = NULL;
  g_autoptr(StrayEvent) with = NULL;
  g_autoptr(StrayEvent) unlisted = NULL;

  without = decode_string ("{\"type\":\"channel.updated\",\"channel\":{\"cid\":\"a:b\","
                           "\"own_capabilities\":[\"send-message\"]}}");
  g_assert_false (without->channel->read_events);
  with = decode_string ("{\"type\":\"channel.updated\",\"channel\":{\"cid\":\"a:b\","
                        "\"own_capabilities\":[\"send-message\",\"read-events\"]}}");
  g_assert_true (with->channel->read_events);
  unlisted = decode_string ("{\"type\":\"channel.updated\",\"channel\":{\"cid\":\"a:b\"}}");
  g_assert_true (unlisted->channel->read_events);
  /* The cid of an event that carries it only in its channel. */
  g_assert_cmpstr (unlisted->cid, ==, "a:b");
}

static void
test_timestamps (void)
{
  static const char * const valid[] = {
    "2025-08-01T00:07:33.166656082Z",
    "2025-08-01T00:07:33Z",
    "2025-08-01T00:07:33.1Z",
    "2025-08-01T02:07:33.166+02:00",
    "2024-02-29T23:59:59.999999Z",
    "1970-01-01T00:00:00Z",
    "2025-08-01T00:07:33.166656-03:30",
  };
  static const char * const invalid[] = {
    "", "yesterday", "2025-02-30T00:00:00Z", "2025-13-01T00:00:00Z", "2025-08-01T24:00:00Z",
    "2025-08-01", "2025-08-01T00:07:33.Z", "2025-08-01T00:07:33+25:00",
  };
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr(GDateTime) reference = g_date_time_new_from_iso8601 (valid[i], utc);
      gint64 expected = g_date_time_to_unix (reference) * G_USEC_PER_SEC +
                        g_date_time_get_microsecond (reference);
      gint64 parsed = -1;

      g_test_message ("%s", valid[i]);
      g_assert_true (stray_parse_timestamp (valid[i], &parsed));
      g_assert_cmpint (parsed, ==, expected);
    }

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      gint64 parsed = -1;

      g_test_message ("%s", invalid[i]);
      g_assert_false (stray_parse_timestamp (invalid[i], &parsed));
    }

  assert_rejected ("{\"type\":\"message.new\",\"created_at\":\"soon\"}", 42,
                   STRAY_EVENT_ERROR_INVALID_VALUE, "created_at");
}

/* Bad input: each class gets a precise error and no event. */

static void
test_not_json (void)
{
  assert_rejected ("not json", 8, STRAY_EVENT_ERROR_SYNTAX, "not JSON");
  assert_rejected ("{\"type\":\"message.new\"", 21, STRAY_EVENT_ERROR_SYNTAX, "not JSON");
  assert_rejected ("", 0, STRAY_EVENT_ERROR_SYNTAX, "not JSON");
  assert_rejected ("{\"type\":\"a\"} trailing", 21, STRAY_EVENT_ERROR_SYNTAX, "not JSON");
}

static void
test_not_object (void)
{
  assert_rejected ("[{\"type\":\"health.check\"}]", 25, STRAY_EVENT_ERROR_NOT_OBJECT, "an array");
  assert_rejected ("\"health.check\"", 14, STRAY_EVENT_ERROR_NOT_OBJECT, "a string");
  assert_rejected ("42", 2, STRAY_EVENT_ERROR_NOT_OBJECT, "an integer");
  assert_rejected ("null", 4, STRAY_EVENT_ERROR_NOT_OBJECT, "null");
}

static void
test_no_type (void)
{
  assert_rejected ("{\"cid\":\"messaging:general\"}", 27, STRAY_EVENT_ERROR_MISSING_TYPE,
                   "no “type”");
  assert_rejected ("{\"type\":\"\"}", 11, STRAY_EVENT_ERROR_MISSING_TYPE, "empty “type”");
  assert_rejected ("{\"type\":null}", 13, STRAY_EVENT_ERROR_WRONG_TYPE, "“type”");
  assert_rejected ("{\"type\":7}", 10, STRAY_EVENT_ERROR_WRONG_TYPE,
                   "field “type” must be a string, not an integer");
}

static void
test_wrong_field_types (void)
{
  static const struct {
    const char *frame;
    const char *message;
  } cases[] = {
    { "{\"type\":\"message.new\",\"total_unread_count\":\"5\"}",
      "field “total_unread_count” must be an integer, not a string" },
    { "{\"type\":\"message.new\",\"unread_channels\":1.5}",
      "field “unread_channels” must be an integer, not a number" },
    { "{\"type\":\"message.new\",\"cid\":{\"type\":\"messaging\"}}",
      "field “cid” must be a string, not an object" },
    { "{\"type\":\"message.new\",\"message\":{\"text\":[\"hi\"]}}",
      "field “message.text” must be a string, not an array" },
    { "{\"type\":\"message.new\",\"message\":{\"user\":{\"id\":{}}}}",
      "field “message.user.id” must be a string, not an object" },
    { "{\"type\":\"message.new\",\"message\":{\"silent\":\"yes\"}}",
      "field “message.silent” must be a boolean, not a string" },
    { "{\"type\":\"message.new\",\"message\":\"hello\"}",
      "field “message” must be an object, not a string" },
    { "{\"type\":\"health.check\",\"me\":{\"mutes\":[{\"target\":{\"id\":3}}]}}",
      "field “me.mutes[0].target.id” must be a string, not an integer" },
    { "{\"type\":\"health.check\",\"me\":{\"channel_mutes\":[7]}}",
      "field “me.channel_mutes[0]” must be an object, not an integer" },
    { "{\"type\":\"health.check\",\"me\":{\"mutes\":{}}}",
      "field “me.mutes” must be an array, not an object" },
    { "{\"type\":\"channel.updated\",\"channel\":{\"member_count\":true}}",
      "field “channel.member_count” must be an integer, not a boolean" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_rejected (cases[i].frame, strlen (cases[i].frame), STRAY_EVENT_ERROR_WRONG_TYPE,
                     cases[i].message);
}

static void
test_integers_beyond_int32 (void)
{
  static const struct {
    const char *frame;
    const char *message;
  } cases[] = {
    { "{\"type\":\"message.new\",\"total_unread_count\":2147483648}",
      "field “total_unread_count” is 2147483648, outside 0…2147483647" },
    { "{\"type\":\"message.new\",\"unread_count\":-1}",
      "field “unread_count” is -1, outside" },
    { "{\"type\":\"health.check\",\"me\":{\"unread_channels\":9223372036854775807}}",
      "field “me.unread_channels” is 9223372036854775807" },
    { "{\"type\":\"reaction.new\",\"reaction\":{\"score\":4294967296}}",
      "field “reaction.score” is 4294967296" },
  };
  g_autoptr(StrayEvent) largest = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_rejected (cases[i].frame, strlen (cases[i].frame), STRAY_EVENT_ERROR_OUT_OF_RANGE,
                     cases[i].message);

  /* Beyond int64 json-glib itself refuses the number. */
  assert_rejected ("{\"type\":\"message.new\",\"total_unread_count\":99999999999999999999}", 63,
                   STRAY_EVENT_ERROR_SYNTAX, "unexpected number");

  largest = decode_string ("{\"type\":\"message.new\",\"total_unread_count\":2147483647}");
  g_assert_cmpint (largest->total_unread_count, ==, G_MAXINT32);
}

static void
test_invalid_utf8 (void)
{
  static const char in_string[] = "{\"type\":\"message.new\",\"message\":{\"text\":\"caf\xc3\"}}";
  static const char overlong[] = "{\"type\":\"message.new\",\"cid\":\"\xc0\xaf\"}";
  static const char surrogate[] = "{\"type\":\"\xed\xa0\x80\"}";
  static const char nul[] = "{\"type\":\"message.new\"}\0{}";

  assert_rejected (in_string, sizeof in_string - 1, STRAY_EVENT_ERROR_INVALID_UTF8, "at byte 44");
  assert_rejected (overlong, sizeof overlong - 1, STRAY_EVENT_ERROR_INVALID_UTF8, "not valid UTF-8");
  assert_rejected (surrogate, sizeof surrogate - 1, STRAY_EVENT_ERROR_INVALID_UTF8, "UTF-8");
  /* A NUL inside the frame would cut every C string after it. */
  assert_rejected (nul, sizeof nul - 1, STRAY_EVENT_ERROR_INVALID_UTF8, "at byte 22");
}

static void
test_deep_nesting (void)
{
  const guint depth = 100000;
  g_autoptr(GString) arrays = g_string_new ("{\"type\":\"custom.x\",\"data\":");
  g_autoptr(GString) objects = g_string_new ("{\"type\":\"custom.x\",\"data\":");
  g_autoptr(GString) quoted = g_string_new ("{\"type\":\"custom.x\",\"text\":\"");
  g_autoptr(GString) at_limit = g_string_new ("{\"type\":\"custom.x\",\"data\":");
  g_autoptr(StrayEvent) quoted_event = NULL;
  g_autoptr(StrayEvent) limit_event = NULL;

  for (guint i = 0; i < depth; i++)
    {
      g_string_append_c (arrays, '[');
      g_string_append (objects, "{\"a\":");
      g_string_append (quoted, "[{\\\"");
    }
  for (guint i = 0; i < depth; i++)
    {
      g_string_append_c (arrays, ']');
      g_string_append_c (objects, '}');
    }
  g_string_append (arrays, "}");
  g_string_append (objects, "null}");
  g_string_append (quoted, "\"}");

  assert_rejected (arrays->str, arrays->len, STRAY_EVENT_ERROR_TOO_DEEP, "deeper than 64 levels");
  assert_rejected (objects->str, objects->len, STRAY_EVENT_ERROR_TOO_DEEP, "at byte 341");

  /* Brackets inside strings, escaped quotes included, are text, not nesting. */
  quoted_event = decode_string (quoted->str);
  g_assert_cmpint (quoted_event->type, ==, STRAY_EVENT_CUSTOM);

  /* The outer object is level 1: 63 more levels are allowed. */
  for (guint i = 0; i < STRAY_EVENT_MAX_DEPTH - 1; i++)
    g_string_append_c (at_limit, '[');
  for (guint i = 0; i < STRAY_EVENT_MAX_DEPTH - 1; i++)
    g_string_append_c (at_limit, ']');
  g_string_append_c (at_limit, '}');
  limit_event = decode_string (at_limit->str);
  g_assert_nonnull (limit_event);
  g_string_insert (at_limit, 26, "[");
  g_string_insert (at_limit, at_limit->len - 1, "]");
  assert_rejected (at_limit->str, at_limit->len, STRAY_EVENT_ERROR_TOO_DEEP, "64");
}

static void
test_huge_frame (void)
{
  const gsize size = 16 * 1024 * 1024;
  g_autoptr(GString) frame = g_string_sized_new (size + 64);
  g_autoptr(GString) at_limit = g_string_new ("{\"type\":\"message.new\",\"message\":{\"text\":\"");
  g_autoptr(StrayEvent) event = NULL;

  g_string_append (frame, "{\"type\":\"message.new\",\"message\":{\"text\":\"");
  while (frame->len < size)
    g_string_append_c (frame, 'x');
  g_string_append (frame, "\"}}");
  assert_rejected (frame->str, frame->len, STRAY_EVENT_ERROR_TOO_LARGE, "16777219 bytes, over the limit of 1048576");

  /* Exactly at the limit is still a frame. */
  while (at_limit->len < STRAY_EVENT_MAX_FRAME_SIZE - 3)
    g_string_append_c (at_limit, 'y');
  g_string_append (at_limit, "\"}}");
  g_assert_cmpuint (at_limit->len, ==, STRAY_EVENT_MAX_FRAME_SIZE);
  event = decode_string (at_limit->str);
  g_assert_cmpuint (strlen (event->message->text), ==, STRAY_EVENT_MAX_FRAME_SIZE - 44);
}

static void
test_null_where_object_expected (void)
{
  static const struct {
    const char *frame;
    const char *message;
  } cases[] = {
    { "{\"type\":\"message.new\",\"message\":null}", "field “message” must be an object, not null" },
    { "{\"type\":\"message.new\",\"user\":null}", "field “user” must be an object, not null" },
    { "{\"type\":\"health.check\",\"me\":null}", "field “me” must be an object, not null" },
    { "{\"type\":\"channel.updated\",\"channel\":null}", "field “channel”" },
    { "{\"type\":\"member.added\",\"member\":{\"user\":null}}", "field “member.user”" },
    { "{\"type\":\"reaction.new\",\"reaction\":null}", "field “reaction”" },
    { "{\"type\":\"thread.updated\",\"thread\":null}", "field “thread”" },
  };
  g_autoptr(StrayEvent) null_strings = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_rejected (cases[i].frame, strlen (cases[i].frame), STRAY_EVENT_ERROR_WRONG_TYPE,
                     cases[i].message);

  /* Stream writes null for unset strings and counters (as in the recorded frames). */
  null_strings = decode_string ("{\"type\":\"message.new\",\"cid\":null,\"unread_count\":null,"
                                "\"message\":{\"parent_id\":null,\"pinned_by\":null}}");
  g_assert_null (null_strings->cid);
  g_assert_cmpint (null_strings->unread_count, ==, STRAY_COUNT_UNSET);
  g_assert_null (null_strings->message->parent_id);
}

/* A server's refusal of the handshake, which the connection turns into a typed error. */
static void
test_refusal (void)
{
  g_autoptr(StrayEvent) refused = decode_string (
    "{\"type\":\"connection.error\",\"error\":{\"code\":43,\"message\":\"bad signature\","
    "\"StatusCode\":401,\"duration\":\"\"}}");
  g_autoptr(StrayEvent) fine = decode_string ("{\"type\":\"health.check\"}");

  g_assert_nonnull (refused->refusal);
  g_assert_cmpint (refused->refusal->code, ==, 43);
  g_assert_cmpstr (refused->refusal->message, ==, "bad signature");
  g_assert_null (fine->refusal);
  assert_rejected ("{\"type\":\"connection.error\",\"error\":{\"code\":\"43\"}}", 49,
                   STRAY_EVENT_ERROR_WRONG_TYPE, "field “error.code” must be an integer");
}

/* Decoding leaves nothing behind, whether it succeeds or not (ASan checks the leaks). */
static void
test_event_outlives_nothing (void)
{
  g_autofree char *contents = NULL;
  StrayEvent *event;
  StrayEvent *second;
  gsize length;

  contents = read_data_file ("events", "notification.thread_message_new.json", &length);
  event = stray_event_decode (contents, length, NULL);
  second = stray_event_ref (event);
  /* The strings belong to the event, not to the buffer it came from. */
  memset (contents, 'x', length);
  stray_event_unref (event);
  g_assert_cmpstr (second->message->parent_id, !=, NULL);
  g_assert_cmpint (second->unread_thread_messages, ==, 2);
  /* As a boxed type (signal arguments, GValues) it is shared, not copied. */
  event = g_boxed_copy (STRAY_TYPE_EVENT, second);
  g_assert_true (event == second);
  g_boxed_free (STRAY_TYPE_EVENT, event);
  stray_event_unref (second);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stray/event/every-type", test_every_event_type);
  g_test_add_func ("/stray/event/custom", test_custom_event);
  g_test_add_func ("/stray/event/recorded", test_recorded_frames);
  g_test_add_func ("/stray/event/recorded-details", test_recorded_details);
  g_test_add_func ("/stray/event/mutes-and-mentions", test_mutes_and_mentions);
  g_test_add_func ("/stray/event/attachments", test_attachments);
  g_test_add_func ("/stray/event/capabilities", test_capabilities);
  g_test_add_func ("/stray/event/timestamps", test_timestamps);
  g_test_add_func ("/stray/event/bad/not-json", test_not_json);
  g_test_add_func ("/stray/event/bad/not-object", test_not_object);
  g_test_add_func ("/stray/event/bad/no-type", test_no_type);
  g_test_add_func ("/stray/event/bad/wrong-field-types", test_wrong_field_types);
  g_test_add_func ("/stray/event/bad/integers-beyond-int32", test_integers_beyond_int32);
  g_test_add_func ("/stray/event/bad/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/stray/event/bad/deep-nesting", test_deep_nesting);
  g_test_add_func ("/stray/event/bad/huge-frame", test_huge_frame);
  g_test_add_func ("/stray/event/bad/null-object", test_null_where_object_expected);
  g_test_add_func ("/stray/event/refusal", test_refusal);
  g_test_add_func ("/stray/event/lifetime", test_event_outlives_nothing);

  return g_test_run ();
}
