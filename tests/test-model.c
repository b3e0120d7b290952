/* test-model.c: events applied to the session, channel and channel list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "stray-session.h"

#define GENERAL "messaging:general"
#define RANDOM "messaging:random"

typedef struct {
  StraySession *session;
  StrayChannelList *channels;
} Fixture;

static void
apply (Fixture    *fixture,
       const char *format,
       ...) G_GNUC_PRINTF (2, 3);

static void
apply (Fixture    *fixture,
       const char *format,
       ...)
{
  g_autofree char *frame = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayEvent) event = NULL;
  va_list args;

  va_start (args, format);
  frame = g_strdup_vprintf (format, args);
  va_end (args);

  event = stray_event_decode (frame, strlen (frame), &error);
  g_assert_no_error (error);
  stray_session_apply (fixture->session, event);
}

/* A message.new in @cid from @user_id; @extra is spliced into the message object. */
static void
apply_message (Fixture    *fixture,
               const char *cid,
               const char *message_id,
               const char *user_id,
               const char *created_at,
               const char *extra)
{
  apply (fixture,
         "{\"type\":\"message.new\",\"cid\":\"%s\",\"created_at\":\"%s\","
         "\"user\":{\"id\":\"%s\"},\"message\":{\"id\":\"%s\",\"text\":\"text of %s\","
         "\"type\":\"regular\",\"created_at\":\"%s\",\"user\":{\"id\":\"%s\",\"name\":\"%s's name\"}%s%s}}",
         cid, created_at, user_id, message_id, message_id, created_at, user_id, user_id,
         extra ? "," : "", extra ? extra : "");
}

static void
fixture_set_up (Fixture       *fixture,
                G_GNUC_UNUSED gconstpointer user_data)
{
  fixture->session = stray_session_new ();
  fixture->channels = stray_session_get_channels (fixture->session);
  /* Signed in as luke, with count_dooku muted and messaging:random muted. */
  apply (fixture,
         "{\"type\":\"health.check\",\"cid\":\"*\",\"connection_id\":\"c1\","
         "\"created_at\":\"2026-01-01T00:00:00Z\",\"me\":{\"id\":\"luke\",\"name\":\"Luke\","
         "\"total_unread_count\":0,\"unread_channels\":0,\"unread_threads\":0,"
         "\"mutes\":[{\"target\":{\"id\":\"count_dooku\"}}],"
         "\"channel_mutes\":[{\"channel\":{\"cid\":\"" RANDOM "\"}}]}}");
}

static void
fixture_tear_down (Fixture       *fixture,
                   G_GNUC_UNUSED gconstpointer user_data)
{
  g_object_add_weak_pointer (G_OBJECT (fixture->channels), (gpointer *) &fixture->channels);
  g_assert_finalize_object (fixture->session);
  /* The list goes with the session: nothing else holds it. */
  g_assert_null (fixture->channels);
}

static StrayChannel *
channel (Fixture    *fixture,
         const char *cid)
{
  StrayChannel *found = stray_channel_list_lookup (fixture->channels, cid);

  g_assert_nonnull (found);
  return found;
}

static guint
unread (Fixture    *fixture,
        const char *cid)
{
  return stray_channel_get_unread_count (channel (fixture, cid));
}

static const char *
last_text (Fixture    *fixture,
           const char *cid)
{
  StrayMessagePreview *preview = stray_channel_get_last_message (channel (fixture, cid));

  return preview != NULL ? preview->text : NULL;
}

static void
test_handshake (Fixture       *fixture,
                G_GNUC_UNUSED gconstpointer user_data)
{
  g_assert_cmpstr (stray_session_get_user_id (fixture->session), ==, "luke");
  g_assert_cmpstr (stray_session_get_user_name (fixture->session), ==, "Luke");
  g_assert_true (stray_session_is_user_muted (fixture->session, "count_dooku"));
  g_assert_true (stray_session_is_channel_muted (fixture->session, RANDOM));
  g_assert_false (stray_session_is_channel_muted (fixture->session, GENERAL));
}

static void
test_message_new_counts (Fixture       *fixture,
                         G_GNUC_UNUSED gconstpointer user_data)
{
  StrayMessagePreview *preview;

  apply_message (fixture, GENERAL, "m1", "han", "2026-01-01T10:00:00Z", NULL);
  apply_message (fixture, GENERAL, "m2", "leia", "2026-01-01T10:01:00.5Z", NULL);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->channels)), ==, 1);
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 2);
  preview = stray_channel_get_last_message (channel (fixture, GENERAL));
  g_assert_cmpstr (preview->id, ==, "m2");
  g_assert_cmpstr (preview->text, ==, "text of m2");
  g_assert_cmpstr (preview->user_id, ==, "leia");
  g_assert_cmpstr (preview->user_name, ==, "leia's name");
  g_assert_cmpstr (preview->created_at, ==, "2026-01-01T10:01:00.5Z");
  g_assert_cmpint (stray_channel_get_last_message_at (channel (fixture, GENERAL)), ==,
                   G_GINT64_CONSTANT (1767261660500000));
  g_assert_cmpstr (stray_channel_get_channel_type (channel (fixture, GENERAL)), ==, "messaging");
  g_assert_cmpstr (stray_channel_get_id (channel (fixture, GENERAL)), ==, "general");
}

static void
test_message_new_not_counted (Fixture       *fixture,
                              G_GNUC_UNUSED gconstpointer user_data)
{
  apply_message (fixture, GENERAL, "own", "luke", "2026-01-01T10:00:00Z", NULL);
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 0);
  /* An own message is still the newest one in the channel. */
  g_assert_cmpstr (last_text (fixture, GENERAL), ==, "text of own");

  apply_message (fixture, GENERAL, "silent", "han", "2026-01-01T10:01:00Z", "\"silent\":true");
  apply_message (fixture, GENERAL, "shadowed", "han", "2026-01-01T10:02:00Z",
                 "\"shadowed\":true");
  apply_message (fixture, GENERAL, "muted-user", "count_dooku", "2026-01-01T10:03:00Z", NULL);
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 0);
  g_assert_cmpstr (last_text (fixture, GENERAL), ==, "text of muted-user");

  /* A reply that stays in its thread is not part of the channel at all. */
  apply_message (fixture, GENERAL, "reply", "han", "2026-01-01T10:04:00Z",
                 "\"parent_id\":\"m1\"");
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 0);
  g_assert_cmpstr (last_text (fixture, GENERAL), ==, "text of muted-user");

  /* …unless it is also shown in the channel. */
  apply_message (fixture, GENERAL, "shown-reply", "han", "2026-01-01T10:05:00Z",
                 "\"parent_id\":\"m1\",\"show_in_channel\":true");
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 1);
  g_assert_cmpstr (last_text (fixture, GENERAL), ==, "text of shown-reply");
}

static void
test_muted_channel (Fixture       *fixture,
                    G_GNUC_UNUSED gconstpointer user_data)
{
  apply_message (fixture, RANDOM, "m1", "han", "2026-01-01T10:00:00Z", NULL);
  g_assert_true (stray_channel_get_muted (channel (fixture, RANDOM)));
  g_assert_cmpuint (unread (fixture, RANDOM), ==, 0);

  apply (fixture, "{\"type\":\"channel.unmuted\",\"cid\":\"" RANDOM "\",\"user\":{\"id\":\"luke\"}}");
  g_assert_false (stray_channel_get_muted (channel (fixture, RANDOM)));
  apply_message (fixture, RANDOM, "m2", "han", "2026-01-01T10:01:00Z", NULL);
  g_assert_cmpuint (unread (fixture, RANDOM), ==, 1);

  apply (fixture, "{\"type\":\"channel.muted\",\"cid\":\"" RANDOM "\",\"user\":{\"id\":\"luke\"}}");
  g_assert_true (stray_channel_get_muted (channel (fixture, RANDOM)));
  apply_message (fixture, RANDOM, "m3", "han", "2026-01-01T10:02:00Z", NULL);
  g_assert_cmpuint (unread (fixture, RANDOM), ==, 1);

  /* Someone else muting the channel for themselves changes nothing here. */
  apply (fixture, "{\"type\":\"channel.unmuted\",\"cid\":\"" RANDOM "\",\"user\":{\"id\":\"han\"}}");
  g_assert_true (stray_channel_get_muted (channel (fixture, RANDOM)));

  /* The server's full list replaces what was known. */
  apply_message (fixture, GENERAL, "g1", "han", "2026-01-01T10:03:00Z", NULL);
  apply (fixture, "{\"type\":\"notification.channel_mutes_updated\",\"me\":{\"id\":\"luke\","
                  "\"channel_mutes\":[{\"channel\":{\"cid\":\"" GENERAL "\"}}]}}");
  g_assert_true (stray_channel_get_muted (channel (fixture, GENERAL)));
  g_assert_false (stray_channel_get_muted (channel (fixture, RANDOM)));
  g_assert_false (stray_session_is_channel_muted (fixture->session, RANDOM));
}

static void
test_muted_user (Fixture       *fixture,
                 G_GNUC_UNUSED gconstpointer user_data)
{
  apply (fixture, "{\"type\":\"user.unmuted\",\"user\":{\"id\":\"luke\"},"
                  "\"target_user\":{\"id\":\"count_dooku\"}}");
  apply_message (fixture, GENERAL, "m1", "count_dooku", "2026-01-01T10:00:00Z", NULL);
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 1);

  apply (fixture, "{\"type\":\"user.muted\",\"user\":{\"id\":\"luke\"},"
                  "\"target_user\":{\"id\":\"han\"}}");
  apply_message (fixture, GENERAL, "m2", "han", "2026-01-01T10:01:00Z", NULL);
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 1);

  apply (fixture, "{\"type\":\"notification.mutes_updated\",\"me\":{\"id\":\"luke\","
                  "\"mutes\":[]}}");
  apply_message (fixture, GENERAL, "m3", "han", "2026-01-01T10:02:00Z", NULL);
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 2);
}

static void
test_read_events_capability (Fixture       *fixture,
                             G_GNUC_UNUSED gconstpointer user_data)
{
  apply (fixture, "{\"type\":\"notification.message_new\",\"cid\":\"livestream:show\","
                  "\"channel\":{\"cid\":\"livestream:show\",\"own_capabilities\":[\"send-message\"]},"
                  "\"message\":{\"id\":\"m1\",\"text\":\"hi\",\"user\":{\"id\":\"han\"}}}");
  g_assert_false (stray_channel_get_read_events (channel (fixture, "livestream:show")));
  g_assert_cmpuint (unread (fixture, "livestream:show"), ==, 0);
}

static void
test_message_read (Fixture       *fixture,
                   G_GNUC_UNUSED gconstpointer user_data)
{
  apply_message (fixture, GENERAL, "m1", "han", "2026-01-01T10:00:00Z", NULL);
  apply_message (fixture, GENERAL, "m2", "han", "2026-01-01T10:01:00Z", NULL);

  apply (fixture, "{\"type\":\"message.read\",\"cid\":\"" GENERAL "\",\"user\":{\"id\":\"han\"}}");
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 2);

  apply (fixture, "{\"type\":\"message.read\",\"cid\":\"" GENERAL "\",\"user\":{\"id\":\"luke\"},"
                  "\"total_unread_count\":0,\"unread_channels\":0}");
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 0);
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 0);
}

static void
test_mark_read_and_unread (Fixture       *fixture,
                           G_GNUC_UNUSED gconstpointer user_data)
{
  apply_message (fixture, GENERAL, "m1", "han", "2026-01-01T10:00:00Z", NULL);
  apply_message (fixture, "team:design", "d1", "han", "2026-01-01T10:01:00Z", NULL);
  apply_message (fixture, "team:design", "d2", "han", "2026-01-01T10:02:00Z", NULL);

  /* Read elsewhere, one channel. */
  apply (fixture, "{\"type\":\"notification.mark_read\",\"cid\":\"team:design\","
                  "\"total_unread_count\":1,\"unread_channels\":1}");
  g_assert_cmpuint (unread (fixture, "team:design"), ==, 0);
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 1);

  apply (fixture, "{\"type\":\"notification.mark_unread\",\"cid\":\"team:design\","
                  "\"user\":{\"id\":\"luke\"},\"unread_messages\":7,\"total_unread_count\":8,"
                  "\"unread_channels\":2}");
  g_assert_cmpuint (unread (fixture, "team:design"), ==, 7);
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 8);
  g_assert_cmpuint (stray_session_get_unread_channels (fixture->session), ==, 2);

  /* Mark all read: nothing unread anywhere. */
  apply (fixture, "{\"type\":\"notification.mark_read\",\"total_unread_count\":0,"
                  "\"unread_channels\":0}");
  g_assert_cmpuint (unread (fixture, "team:design"), ==, 0);
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 0);
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 0);
}

static void
test_notification_message_new (Fixture       *fixture,
                               G_GNUC_UNUSED gconstpointer user_data)
{
  apply (fixture, "{\"type\":\"notification.message_new\",\"cid\":\"messaging:dm\","
                  "\"channel\":{\"cid\":\"messaging:dm\",\"id\":\"dm\",\"type\":\"messaging\","
                  "\"name\":\"Han & Luke\",\"member_count\":2},"
                  "\"message\":{\"id\":\"m1\",\"text\":\"<b>hi</b>\",\"created_at\":"
                  "\"2026-01-01T10:00:00Z\",\"user\":{\"id\":\"han\",\"name\":\"Han\"}},"
                  "\"total_unread_count\":1,\"unread_channels\":1}");

  g_assert_cmpstr (stray_channel_get_name (channel (fixture, "messaging:dm")), ==, "Han & Luke");
  g_assert_cmpuint (stray_channel_get_member_count (channel (fixture, "messaging:dm")), ==, 2);
  g_assert_cmpuint (unread (fixture, "messaging:dm"), ==, 1);
  g_assert_cmpstr (last_text (fixture, "messaging:dm"), ==, "<b>hi</b>");
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 1);

  /* A cid that is not "type:id" adds nothing. */
  apply (fixture, "{\"type\":\"notification.message_new\",\"cid\":\"nonsense\","
                  "\"message\":{\"id\":\"m2\",\"text\":\"x\"}}");
  g_assert_null (stray_channel_list_lookup (fixture->channels, "nonsense"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->channels)), ==, 1);
}

static void
test_channel_removed (Fixture       *fixture,
                      G_GNUC_UNUSED gconstpointer user_data)
{
  static const char * const removals[] = {
    "channel.deleted", "notification.channel_deleted", "notification.removed_from_channel",
  };

  for (guint i = 0; i < G_N_ELEMENTS (removals); i++)
    {
      apply_message (fixture, GENERAL, "m1", "han", "2026-01-01T10:00:00Z", NULL);
      g_assert_nonnull (stray_channel_list_lookup (fixture->channels, GENERAL));
      apply (fixture, "{\"type\":\"%s\",\"cid\":\"" GENERAL "\"}", removals[i]);
      g_assert_null (stray_channel_list_lookup (fixture->channels, GENERAL));
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->channels)), ==, 0);
    }

  /* Removing what is not there is no error. */
  apply (fixture, "{\"type\":\"channel.deleted\",\"cid\":\"messaging:unknown\"}");
}

static void
test_added_to_channel (Fixture       *fixture,
                       G_GNUC_UNUSED gconstpointer user_data)
{
  apply (fixture, "{\"type\":\"notification.added_to_channel\",\"cid\":\"team:design\","
                  "\"channel\":{\"cid\":\"team:design\",\"name\":\"Design\"},"
                  "\"member\":{\"user_id\":\"luke\"}}");
  g_assert_cmpstr (stray_channel_get_name (channel (fixture, "team:design")), ==, "Design");
  g_assert_cmpuint (unread (fixture, "team:design"), ==, 0);
  g_assert_null (stray_channel_get_last_message (channel (fixture, "team:design")));

  /* A channel without a name is titled by its members at once. */
  apply (fixture, "{\"type\":\"notification.added_to_channel\",\"cid\":\"messaging:trio\","
                  "\"channel\":{\"cid\":\"messaging:trio\",\"member_count\":3,\"members\":["
                  "{\"user_id\":\"luke\",\"user\":{\"id\":\"luke\"}},"
                  "{\"user_id\":\"leia\",\"user\":{\"id\":\"leia\",\"name\":\"Leia\"}},"
                  "{\"user_id\":\"han\",\"user\":{\"id\":\"han\",\"name\":\"Han\"}}]},"
                  "\"member\":{\"user_id\":\"luke\"}}");
  g_assert_cmpstr (stray_channel_get_title (channel (fixture, "messaging:trio")), ==,
                   "Leia, Han");

  /* Someone else accepting an invitation does not make it the user's channel. */
  apply (fixture, "{\"type\":\"notification.invite_accepted\",\"cid\":\"team:ops\","
                  "\"member\":{\"user_id\":\"han\"}}");
  g_assert_null (stray_channel_list_lookup (fixture->channels, "team:ops"));
  apply (fixture, "{\"type\":\"notification.invite_accepted\",\"cid\":\"team:ops\","
                  "\"member\":{\"user_id\":\"luke\"}}");
  g_assert_nonnull (stray_channel_list_lookup (fixture->channels, "team:ops"));
}

static void
test_hidden_and_visible (Fixture       *fixture,
                         G_GNUC_UNUSED gconstpointer user_data)
{
  apply_message (fixture, GENERAL, "m1", "han", "2026-01-01T10:00:00Z", NULL);
  apply (fixture, "{\"type\":\"channel.hidden\",\"cid\":\"" GENERAL "\",\"clear_history\":false}");
  g_assert_true (stray_channel_get_hidden (channel (fixture, GENERAL)));
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 1);

  apply (fixture, "{\"type\":\"channel.visible\",\"cid\":\"" GENERAL "\"}");
  g_assert_false (stray_channel_get_hidden (channel (fixture, GENERAL)));

  apply (fixture, "{\"type\":\"channel.hidden\",\"cid\":\"" GENERAL "\",\"clear_history\":true}");
  g_assert_true (stray_channel_get_hidden (channel (fixture, GENERAL)));
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 0);
  g_assert_null (stray_channel_get_last_message (channel (fixture, GENERAL)));

  /* A new message brings a hidden channel back. */
  apply_message (fixture, GENERAL, "m2", "han", "2026-01-01T10:01:00Z", NULL);
  g_assert_false (stray_channel_get_hidden (channel (fixture, GENERAL)));
}

static void
test_truncated (Fixture       *fixture,
                G_GNUC_UNUSED gconstpointer user_data)
{
  static const char * const truncations[] = {
    "channel.truncated", "notification.channel_truncated",
  };

  for (guint i = 0; i < G_N_ELEMENTS (truncations); i++)
    {
      apply_message (fixture, GENERAL, "m1", "han", "2026-01-01T10:00:00Z", NULL);
      g_assert_cmpuint (unread (fixture, GENERAL), >, 0);
      apply (fixture, "{\"type\":\"%s\",\"cid\":\"" GENERAL "\"}", truncations[i]);
      g_assert_cmpuint (unread (fixture, GENERAL), ==, 0);
      g_assert_null (stray_channel_get_last_message (channel (fixture, GENERAL)));
    }
}

static void
test_channel_updated (Fixture       *fixture,
                      G_GNUC_UNUSED gconstpointer user_data)
{
  apply_message (fixture, GENERAL, "m1", "han", "2026-01-01T10:00:00Z", NULL);
  apply (fixture, "{\"type\":\"channel.updated\",\"cid\":\"" GENERAL "\",\"channel\":{"
                  "\"cid\":\"" GENERAL "\",\"name\":\"General chat\",\"image\":\"https://x/y.png\","
                  "\"frozen\":true,\"member_count\":12}}");
  g_assert_cmpstr (stray_channel_get_name (channel (fixture, GENERAL)), ==, "General chat");
  g_assert_cmpstr (stray_channel_get_image (channel (fixture, GENERAL)), ==, "https://x/y.png");
  g_assert_true (stray_channel_get_frozen (channel (fixture, GENERAL)));
  g_assert_cmpuint (stray_channel_get_member_count (channel (fixture, GENERAL)), ==, 12);

  apply (fixture, "{\"type\":\"channel.unfrozen\",\"cid\":\"" GENERAL "\"}");
  g_assert_false (stray_channel_get_frozen (channel (fixture, GENERAL)));
  apply (fixture, "{\"type\":\"channel.frozen\",\"cid\":\"" GENERAL "\"}");
  g_assert_true (stray_channel_get_frozen (channel (fixture, GENERAL)));

  /* Unknown channels are not invented by updates. */
  apply (fixture, "{\"type\":\"channel.updated\",\"cid\":\"messaging:other\",\"channel\":{"
                  "\"cid\":\"messaging:other\",\"name\":\"Other\"}}");
  g_assert_null (stray_channel_list_lookup (fixture->channels, "messaging:other"));
}

static void
test_message_changes (Fixture       *fixture,
                      G_GNUC_UNUSED gconstpointer user_data)
{
  StrayMessagePreview *preview;

  apply_message (fixture, GENERAL, "m1", "han", "2026-01-01T10:00:00Z", NULL);
  apply_message (fixture, GENERAL, "m2", "han", "2026-01-01T10:01:00Z", NULL);

  /* Editing an older message leaves the preview alone. */
  apply (fixture, "{\"type\":\"message.updated\",\"cid\":\"" GENERAL "\","
                  "\"message\":{\"id\":\"m1\",\"text\":\"edited m1\"}}");
  g_assert_cmpstr (last_text (fixture, GENERAL), ==, "text of m2");

  apply (fixture, "{\"type\":\"message.updated\",\"cid\":\"" GENERAL "\","
                  "\"message\":{\"id\":\"m2\",\"text\":\"edited m2\",\"user\":{\"id\":\"han\"}}}");
  preview = stray_channel_get_last_message (channel (fixture, GENERAL));
  g_assert_cmpstr (preview->text, ==, "edited m2");
  /* An edit without its date keeps the original one. */
  g_assert_cmpstr (preview->created_at, ==, "2026-01-01T10:01:00Z");

  apply (fixture, "{\"type\":\"message.deleted\",\"cid\":\"" GENERAL "\","
                  "\"message\":{\"id\":\"m2\",\"text\":\"edited m2\",\"type\":\"deleted\"}}");
  preview = stray_channel_get_last_message (channel (fixture, GENERAL));
  g_assert_true (preview->deleted);
  g_assert_cmpstr (preview->text, ==, "");
  g_assert_cmpstr (preview->id, ==, "m2");

  apply (fixture, "{\"type\":\"message.undeleted\",\"cid\":\"" GENERAL "\","
                  "\"message\":{\"id\":\"m2\",\"text\":\"back\",\"type\":\"regular\"}}");
  g_assert_cmpstr (last_text (fixture, GENERAL), ==, "back");

  apply (fixture, "{\"type\":\"message.deleted\",\"cid\":\"" GENERAL "\",\"hard_delete\":true,"
                  "\"message\":{\"id\":\"m2\",\"text\":\"back\"}}");
  g_assert_cmpstr (last_text (fixture, GENERAL), ==, "");
  /* Without its date, a deleted message cannot be told read or unread: the count stays. */
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 2);
}

static void
test_user_updated (Fixture       *fixture,
                   G_GNUC_UNUSED gconstpointer user_data)
{
  StrayMessagePreview *before;

  apply_message (fixture, GENERAL, "m1", "han", "2026-01-01T10:00:00Z", NULL);
  apply_message (fixture, RANDOM, "r1", "leia", "2026-01-01T10:01:00Z", NULL);
  before = stray_channel_get_last_message (channel (fixture, RANDOM));

  apply (fixture, "{\"type\":\"user.updated\",\"user\":{\"id\":\"han\",\"name\":\"Han Solo\"}}");
  g_assert_cmpstr (stray_channel_get_last_message (channel (fixture, GENERAL))->user_name, ==,
                   "Han Solo");
  g_assert_cmpstr (stray_channel_get_last_message (channel (fixture, GENERAL))->text, ==,
                   "text of m1");
  g_assert_true (stray_channel_get_last_message (channel (fixture, RANDOM)) == before);

  apply (fixture, "{\"type\":\"user.updated\",\"user\":{\"id\":\"luke\",\"name\":\"Luke S.\","
                  "\"image\":\"https://x/luke.png\"}}");
  g_assert_cmpstr (stray_session_get_user_name (fixture->session), ==, "Luke S.");
  g_assert_cmpstr (stray_session_get_user_image (fixture->session), ==, "https://x/luke.png");
}

static void
test_totals_from_server (Fixture       *fixture,
                         G_GNUC_UNUSED gconstpointer user_data)
{
  apply (fixture, "{\"type\":\"message.new\",\"cid\":\"" GENERAL "\",\"total_unread_count\":41,"
                  "\"unread_channels\":5,\"message\":{\"id\":\"m1\",\"user\":{\"id\":\"han\"}}}");
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 41);
  g_assert_cmpuint (stray_session_get_unread_channels (fixture->session), ==, 5);

  /* Events without totals leave them as the server last said. */
  apply_message (fixture, GENERAL, "m2", "han", "2026-01-01T10:01:00Z", NULL);
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 41);

  apply (fixture, "{\"type\":\"notification.thread_message_new\",\"cid\":\"" GENERAL "\","
                  "\"unread_threads\":3,\"message\":{\"id\":\"t1\",\"parent_id\":\"m1\","
                  "\"user\":{\"id\":\"han\"}}}");
  g_assert_cmpuint (stray_session_get_unread_threads (fixture->session), ==, 3);
  /* A thread notification is not a channel message. */
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 2);

  apply (fixture, "{\"type\":\"health.check\",\"me\":{\"id\":\"luke\",\"total_unread_count\":7,"
                  "\"unread_channels\":2,\"unread_threads\":0}}");
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 7);
  g_assert_cmpuint (stray_session_get_unread_channels (fixture->session), ==, 2);
  g_assert_cmpuint (stray_session_get_unread_threads (fixture->session), ==, 0);
  /* A `me` without mute lists leaves the mutes alone. */
  g_assert_true (stray_session_is_user_muted (fixture->session, "count_dooku"));
}

static void
count_notify (G_GNUC_UNUSED GObject    *object,
              G_GNUC_UNUSED GParamSpec *pspec,
              guint                    *count)
{
  (*count)++;
}

/* The connection state has one writer, the connection (test-connection.c): events applied to
 * the session leave it alone, and clearing the session makes it not-configured again. */
static void
test_connection_state_writer (Fixture       *fixture,
                              G_GNUC_UNUSED gconstpointer user_data)
{
  guint notified = 0;

  g_signal_connect (fixture->session, "notify::connection-state", G_CALLBACK (count_notify),
                    &notified);
  g_assert_cmpint (stray_session_get_connection_state (fixture->session), ==,
                   STRAY_CONNECTION_NOT_CONFIGURED);
  apply (fixture, "{\"type\":\"connection.changed\",\"online\":true}");
  apply (fixture, "{\"type\":\"connection.recovered\"}");
  apply (fixture, "{\"type\":\"health.check\",\"connection_id\":\"c2\"}");
  g_assert_cmpint (stray_session_get_connection_state (fixture->session), ==,
                   STRAY_CONNECTION_NOT_CONFIGURED);
  g_assert_cmpuint (notified, ==, 0);

  stray_session_set_connection_state (fixture->session, STRAY_CONNECTION_CONNECTED);
  apply_message (fixture, GENERAL, "m1", "han", "2026-01-01T10:00:00Z", NULL);
  stray_session_clear (fixture->session);
  g_assert_cmpint (stray_session_get_connection_state (fixture->session), ==,
                   STRAY_CONNECTION_NOT_CONFIGURED);
  g_assert_cmpuint (notified, ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->channels)), ==, 0);
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 0);
  g_signal_handlers_disconnect_by_func (fixture->session, count_notify, &notified);
}

/* Views redraw on notify: a value that did not change must not notify. */
static void
test_notify_only_on_change (Fixture       *fixture,
                            G_GNUC_UNUSED gconstpointer user_data)
{
  guint unread_notifies = 0, preview_notifies = 0, total_notifies = 0;
  StrayChannel *general;

  apply_message (fixture, GENERAL, "m1", "han", "2026-01-01T10:00:00Z", NULL);
  general = channel (fixture, GENERAL);
  g_signal_connect (general, "notify::unread-count", G_CALLBACK (count_notify), &unread_notifies);
  g_signal_connect (general, "notify::last-message", G_CALLBACK (count_notify),
                    &preview_notifies);
  g_signal_connect (fixture->session, "notify::total-unread-count", G_CALLBACK (count_notify),
                    &total_notifies);

  apply (fixture, "{\"type\":\"message.read\",\"cid\":\"" GENERAL "\",\"user\":{\"id\":\"luke\"},"
                  "\"total_unread_count\":0}");
  apply (fixture, "{\"type\":\"message.read\",\"cid\":\"" GENERAL "\",\"user\":{\"id\":\"luke\"},"
                  "\"total_unread_count\":0}");
  apply (fixture, "{\"type\":\"typing.start\",\"cid\":\"" GENERAL "\",\"user\":{\"id\":\"han\"}}");
  apply (fixture, "{\"type\":\"user.updated\",\"user\":{\"id\":\"han\",\"name\":\"han's name\"}}");
  g_assert_cmpuint (unread_notifies, ==, 1);
  g_assert_cmpuint (preview_notifies, ==, 0);
  g_assert_cmpuint (total_notifies, ==, 0);

  apply (fixture, "{\"type\":\"message.read\",\"cid\":\"" GENERAL "\",\"user\":{\"id\":\"luke\"},"
                  "\"total_unread_count\":3}");
  g_assert_cmpuint (total_notifies, ==, 1);
  g_signal_handlers_disconnect_by_func (general, count_notify, &unread_notifies);
  g_signal_handlers_disconnect_by_func (general, count_notify, &preview_notifies);
  g_signal_handlers_disconnect_by_func (fixture->session, count_notify, &total_notifies);
}

static void
mirror_items_changed (GListModel *model,
                      guint       position,
                      guint       removed,
                      guint       added,
                      GPtrArray  *mirror)
{
  g_ptr_array_remove_range (mirror, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (mirror, position + i, g_list_model_get_item (model, position + i));
}

/* Whatever arrives, the list stays sorted newest first, and a view that follows only
 * items-changed sees exactly the list. */
static void
test_list_order (Fixture       *fixture,
                 G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(GPtrArray) mirror = g_ptr_array_new_with_free_func (g_object_unref);
  GListModel *model = G_LIST_MODEL (fixture->channels);

  g_signal_connect (model, "items-changed", G_CALLBACK (mirror_items_changed), mirror);

  for (guint step = 0; step < 3000; step++)
    {
      g_autofree char *cid = g_strdup_printf ("messaging:c%02d", g_test_rand_int_range (0, 40));
      g_autofree char *id = g_strdup_printf ("m%u", step);
      g_autofree char *at = g_strdup_printf ("2026-01-01T%02d:%02d:%02dZ",
                                             g_test_rand_int_range (0, 24),
                                             g_test_rand_int_range (0, 60),
                                             g_test_rand_int_range (0, 60));
      guint n_items;

      if (g_test_rand_int_range (0, 10) == 0)
        apply (fixture, "{\"type\":\"channel.deleted\",\"cid\":\"%s\"}", cid);
      else
        apply_message (fixture, cid, id, "han", at, NULL);

      n_items = g_list_model_get_n_items (model);
      g_assert_cmpuint (mirror->len, ==, n_items);
      for (guint i = 0; i < n_items; i++)
        {
          StrayChannel *item = stray_channel_list_peek (fixture->channels, i);

          g_assert_true (g_ptr_array_index (mirror, i) == item);
          g_assert_true (stray_channel_list_lookup (fixture->channels,
                                                    stray_channel_get_cid (item)) == item);
          if (i > 0)
            {
              StrayChannel *previous = stray_channel_list_peek (fixture->channels, i - 1);
              gint64 previous_at = stray_channel_get_last_message_at (previous);
              gint64 item_at = stray_channel_get_last_message_at (item);

              g_assert_cmpint (previous_at, >=, item_at);
              if (previous_at == item_at)
                g_assert_cmpstr (stray_channel_get_cid (previous), <, stray_channel_get_cid (item));
            }
        }
    }

  g_signal_handlers_disconnect_by_func (model, mirror_items_changed, mirror);
}

static void
test_newest_first (Fixture       *fixture,
                   G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(StrayChannel) first = NULL;

  apply_message (fixture, "messaging:a", "a1", "han", "2026-01-01T10:00:00Z", NULL);
  apply_message (fixture, "messaging:b", "b1", "han", "2026-01-01T11:00:00Z", NULL);
  apply_message (fixture, "messaging:c", "c1", "han", "2026-01-01T09:00:00Z", NULL);
  g_assert_cmpstr (stray_channel_get_cid (stray_channel_list_peek (fixture->channels, 0)), ==,
                   "messaging:b");
  g_assert_cmpstr (stray_channel_get_cid (stray_channel_list_peek (fixture->channels, 2)), ==,
                   "messaging:c");

  apply_message (fixture, "messaging:c", "c2", "han", "2026-01-01T12:00:00Z", NULL);
  first = g_list_model_get_item (G_LIST_MODEL (fixture->channels), 0);
  g_assert_cmpstr (stray_channel_get_cid (first), ==, "messaging:c");
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (fixture->channels), 3));
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (fixture->channels)) ==
                 STRAY_TYPE_CHANNEL);

  /* A late frame about an older message does not push the newer preview out. */
  apply_message (fixture, "messaging:c", "c0", "han", "2026-01-01T08:00:00Z", NULL);
  g_assert_cmpstr (last_text (fixture, "messaging:c"), ==, "text of c2");
  g_assert_cmpuint (unread (fixture, "messaging:c"), ==, 3);
}

/* However many events pass, each channel holds one preview and nothing else accumulates. */
static void
test_no_history (Fixture       *fixture,
                 G_GNUC_UNUSED gconstpointer user_data)
{
  StrayMessagePreview *preview;

  for (guint i = 0; i < 5000; i++)
    {
      g_autofree char *id = g_strdup_printf ("m%u", i);
      g_autofree char *at = g_strdup_printf ("2026-01-01T10:%02u:%02u.%06uZ", i / 3600 % 60,
                                             i / 60 % 60, i);

      apply_message (fixture, GENERAL, id, "han", at, NULL);
    }
  preview = stray_channel_get_last_message (channel (fixture, GENERAL));
  g_assert_cmpstr (preview->id, ==, "m4999");
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 5000);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->channels)), ==, 1);
}

/* One entry of queryChannels' answer, as the server sends it, decoded as the client does. */
static void
sync_channel (Fixture    *fixture,
              const char *state_json)
{
  g_autofree char *answer = g_strdup_printf ("{\"channels\":[%s]}", state_json);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = stray_rest_parse (answer, strlen (answer), &error);
  g_autoptr(StrayRestChannelsPage) page = NULL;

  g_assert_no_error (error);
  page = stray_rest_channels_page_decode (root, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->n_channels, ==, 1);
  stray_session_sync_channel (fixture->session, &page->channels[0]);
}

/* The badge as it stands once a resync completed: the channels' sum. */
static void
complete_resync (Fixture *fixture)
{
  stray_session_begin_sync (fixture->session);
  stray_session_end_sync (fixture->session, NULL);
}

static guint
badge (Fixture *fixture)
{
  return stray_session_get_total_unread_count (fixture->session);
}

/* A channel whose type has read events off (livestream's default) never counts: its messages
 * show, the badge stays where it was. */
static void
test_read_events_config (Fixture       *fixture,
                         G_GNUC_UNUSED gconstpointer user_data)
{
  stray_session_begin_sync (fixture->session);
  sync_channel (fixture, "{\"channel\":{\"cid\":\"livestream:show\",\"type\":\"livestream\","
                         "\"id\":\"show\",\"config\":{\"name\":\"livestream\","
                         "\"read_events\":false}},"
                         "\"read\":[{\"user\":{\"id\":\"luke\"},\"unread_messages\":0,"
                         "\"last_read\":\"2026-01-01T09:00:00Z\"}]}");
  stray_session_end_sync (fixture->session, NULL);
  g_assert_false (stray_channel_get_read_events (channel (fixture, "livestream:show")));

  apply_message (fixture, "livestream:show", "l1", "han", "2026-01-01T10:00:00Z", NULL);
  apply (fixture, "{\"type\":\"notification.message_new\",\"cid\":\"livestream:other\","
                  "\"channel\":{\"cid\":\"livestream:other\",\"config\":{\"read_events\":false}},"
                  "\"message\":{\"id\":\"l2\",\"text\":\"hello\",\"user\":{\"id\":\"han\"},"
                  "\"created_at\":\"2026-01-01T10:01:00Z\"}}");
  g_assert_cmpuint (unread (fixture, "livestream:show"), ==, 0);
  g_assert_cmpuint (unread (fixture, "livestream:other"), ==, 0);
  g_assert_cmpstr (last_text (fixture, "livestream:show"), ==, "text of l1");
  g_assert_cmpstr (last_text (fixture, "livestream:other"), ==, "hello");
  g_assert_cmpuint (badge (fixture), ==, 0);

  /* Beside them, a messaging channel counts; a config that names read events counts too. */
  apply (fixture, "{\"type\":\"notification.message_new\",\"cid\":\"" GENERAL "\","
                  "\"channel\":{\"cid\":\"" GENERAL "\",\"config\":{\"read_events\":true}},"
                  "\"message\":{\"id\":\"g1\",\"text\":\"hi\",\"user\":{\"id\":\"han\"},"
                  "\"created_at\":\"2026-01-01T10:02:00Z\"}}");
  g_assert_cmpuint (badge (fixture), ==, 1);

  /* A type changed to keep no read state stops counting from then on. */
  apply (fixture, "{\"type\":\"channel.updated\",\"cid\":\"" GENERAL "\","
                  "\"channel\":{\"cid\":\"" GENERAL "\",\"config\":{\"read_events\":false}}}");
  apply_message (fixture, GENERAL, "g2", "han", "2026-01-01T10:03:00Z", NULL);
  g_assert_cmpuint (badge (fixture), ==, 1);
}

/* A timed mute (me.mutes' `expires`) holds for the messages before its end, and ends by
 * itself; the other mutes stay. */
static void
test_muted_user_timed (Fixture       *fixture,
                       G_GNUC_UNUSED gconstpointer user_data)
{
  apply (fixture, "{\"type\":\"notification.mutes_updated\",\"me\":{\"id\":\"luke\","
                  "\"mutes\":[{\"user\":{\"id\":\"luke\"},\"target\":{\"id\":\"count_dooku\"}},"
                  "{\"user\":{\"id\":\"luke\"},\"target\":{\"id\":\"jabba\"},"
                  "\"created_at\":\"2026-01-01T09:05:00Z\","
                  "\"expires\":\"2026-01-01T10:05:00Z\"}]}}");
  complete_resync (fixture);

  apply_message (fixture, GENERAL, "during", "jabba", "2026-01-01T10:04:00Z", NULL);
  apply_message (fixture, GENERAL, "dooku", "count_dooku", "2026-01-01T10:06:00Z", NULL);
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 0);
  g_assert_cmpuint (badge (fixture), ==, 0);

  apply_message (fixture, GENERAL, "after", "jabba", "2026-01-01T10:06:00Z", NULL);
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 1);
  g_assert_cmpuint (badge (fixture), ==, 1);
  /* By this computer's clock the timed mute is over (the notifier asks): the other holds. */
  g_assert_false (stray_session_is_user_muted (fixture->session, "jabba"));
  g_assert_true (stray_session_is_user_muted (fixture->session, "count_dooku"));
}

/* A message.deleted in general for @message_id by @user_id, created at @created_at. */
static void
apply_delete (Fixture    *fixture,
              const char *message_id,
              const char *user_id,
              const char *created_at,
              gboolean    hard)
{
  apply (fixture,
         "{\"type\":\"message.deleted\",\"cid\":\"" GENERAL "\",\"hard_delete\":%s,"
         "\"created_at\":\"2026-01-01T11:00:00Z\",\"message\":{\"id\":\"%s\","
         "\"type\":\"deleted\",\"text\":\"\",\"created_at\":\"%s\",\"user\":{\"id\":\"%s\"}}}",
         hard ? "true" : "false", message_id, created_at, user_id);
}

/* A hard delete lowers the count when the message was unread and counted; nothing else does. */
static void
test_hard_delete_lowers (Fixture       *fixture,
                         G_GNUC_UNUSED gconstpointer user_data)
{
  /* Read up to 10:00, with m1 (10:01) unread. */
  stray_session_begin_sync (fixture->session);
  sync_channel (fixture, "{\"channel\":{\"cid\":\"" GENERAL "\","
                         "\"last_message_at\":\"2026-01-01T10:01:00Z\"},"
                         "\"read\":[{\"user\":{\"id\":\"luke\"},\"unread_messages\":1,"
                         "\"last_read\":\"2026-01-01T10:00:00Z\"}]}");
  stray_session_end_sync (fixture->session, NULL);
  apply_message (fixture, GENERAL, "m2", "han", "2026-01-01T10:02:00Z", NULL);
  apply_message (fixture, GENERAL, "own", "luke", "2026-01-01T10:03:00Z", NULL);
  apply_message (fixture, GENERAL, "dooku", "count_dooku", "2026-01-01T10:04:00Z", NULL);
  g_assert_cmpuint (badge (fixture), ==, 2);

  /* Read before, soft, own or muted: no change. */
  apply_delete (fixture, "m0", "han", "2026-01-01T09:59:00Z", TRUE);
  apply_delete (fixture, "m1", "han", "2026-01-01T10:01:00Z", FALSE);
  apply_delete (fixture, "own", "luke", "2026-01-01T10:03:00Z", TRUE);
  apply_delete (fixture, "dooku", "count_dooku", "2026-01-01T10:04:00Z", TRUE);
  g_assert_cmpuint (badge (fixture), ==, 2);

  apply_delete (fixture, "m2", "han", "2026-01-01T10:02:00Z", TRUE);
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 1);
  g_assert_cmpuint (badge (fixture), ==, 1);
  apply_delete (fixture, "m1", "han", "2026-01-01T10:01:00Z", TRUE);
  g_assert_cmpuint (badge (fixture), ==, 0);

  /* Once read, a hard delete of what was read takes nothing away. */
  apply_message (fixture, GENERAL, "m3", "han", "2026-01-01T10:05:00Z", NULL);
  apply (fixture, "{\"type\":\"message.read\",\"cid\":\"" GENERAL "\",\"user\":{\"id\":\"luke\"},"
                  "\"created_at\":\"2026-01-01T10:10:00Z\"}");
  apply_message (fixture, GENERAL, "m4", "han", "2026-01-01T10:11:00Z", NULL);
  apply_delete (fixture, "m3", "han", "2026-01-01T10:05:00Z", TRUE);
  g_assert_cmpuint (badge (fixture), ==, 1);
  apply_delete (fixture, "m4", "han", "2026-01-01T10:11:00Z", TRUE);
  g_assert_cmpuint (badge (fixture), ==, 0);
}

/* Hidden with clear_history while the socket was away: the resync's answer (no earlier message,
 * read to the hiding) leaves no stale preview and nothing unread. */
static void
test_clear_history_resync (Fixture       *fixture,
                           G_GNUC_UNUSED gconstpointer user_data)
{
  apply_message (fixture, GENERAL, "m1", "han", "2026-01-01T10:00:00Z", NULL);
  g_assert_cmpstr (last_text (fixture, GENERAL), ==, "text of m1");

  stray_session_begin_sync (fixture->session);
  sync_channel (fixture, "{\"channel\":{\"cid\":\"" GENERAL "\","
                         "\"last_message_at\":\"2026-01-01T10:00:00Z\"},"
                         "\"hidden\":true,\"messages\":[],"
                         "\"read\":[{\"user\":{\"id\":\"luke\"},\"unread_messages\":0,"
                         "\"last_read\":\"2026-01-01T10:05:00Z\"}]}");
  stray_session_end_sync (fixture->session, NULL);
  g_assert_null (last_text (fixture, GENERAL));
  g_assert_true (stray_channel_get_hidden (channel (fixture, GENERAL)));
  g_assert_cmpuint (badge (fixture), ==, 0);
}

/* A resync answer computed before live events arrives after them: it stands for its moment
 * (general's newest message, 10:00), the events newer than that are applied on top, and an
 * event it already counted that arrives late changes nothing. */
static void
test_resync_late_answer (Fixture       *fixture,
                         G_GNUC_UNUSED gconstpointer user_data)
{
  stray_session_begin_sync (fixture->session);
  apply_message (fixture, GENERAL, "m3", "han", "2026-01-01T10:05:00Z", NULL);
  apply (fixture, "{\"type\":\"message.read\",\"cid\":\"" RANDOM "\",\"user\":{\"id\":\"luke\"},"
                  "\"created_at\":\"2026-01-01T10:06:00Z\"}");
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 1);

  /* Two unread in general at 10:00; random, which the model learns of only now, read at 10:06
   * after the answer's 10:01. */
  sync_channel (fixture, "{\"channel\":{\"cid\":\"" GENERAL "\",\"member_count\":3,"
                         "\"last_message_at\":\"2026-01-01T10:00:00Z\"},"
                         "\"read\":[{\"user\":{\"id\":\"luke\"},\"unread_messages\":2,"
                         "\"last_read\":\"2026-01-01T09:00:00Z\"}]}");
  sync_channel (fixture, "{\"channel\":{\"cid\":\"" RANDOM "\",\"member_count\":3,"
                         "\"last_message_at\":\"2026-01-01T10:01:00Z\"},"
                         "\"read\":[{\"user\":{\"id\":\"luke\"},\"unread_messages\":4,"
                         "\"last_read\":\"2026-01-01T09:00:00Z\"}]}");
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 3);
  g_assert_cmpuint (unread (fixture, RANDOM), ==, 0);

  /* A message from before the answer, late on the socket: counted already. */
  apply_message (fixture, GENERAL, "m2", "han", "2026-01-01T09:59:00Z", NULL);
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 3);
  apply_message (fixture, GENERAL, "m4", "han", "2026-01-01T10:07:00Z", NULL);
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 4);

  stray_session_end_sync (fixture->session, NULL);
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 4);
  g_assert_cmpuint (stray_session_get_unread_channels (fixture->session), ==, 1);
}

/* A channel removed while a resync runs stays gone, whatever older answer lists it; one that
 * came during the resync (after the page that would have listed it) stays. */
static void
test_resync_membership (Fixture       *fixture,
                        G_GNUC_UNUSED gconstpointer user_data)
{
  apply_message (fixture, GENERAL, "m1", "han", "2026-01-01T10:00:00Z", NULL);
  stray_session_begin_sync (fixture->session);
  apply (fixture, "{\"type\":\"channel.deleted\",\"cid\":\"" GENERAL "\","
                  "\"created_at\":\"2026-01-01T10:02:00Z\"}");
  sync_channel (fixture, "{\"channel\":{\"cid\":\"" GENERAL "\","
                         "\"last_message_at\":\"2026-01-01T10:00:00Z\"}}");
  apply (fixture, "{\"type\":\"notification.added_to_channel\",\"cid\":\"messaging:new\","
                  "\"created_at\":\"2026-01-01T10:03:00Z\",\"channel\":{\"cid\":\"messaging:new\","
                  "\"type\":\"messaging\",\"id\":\"new\"}}");
  stray_session_end_sync (fixture->session, NULL);

  g_assert_null (stray_channel_list_lookup (fixture->channels, GENERAL));
  g_assert_nonnull (stray_channel_list_lookup (fixture->channels, "messaging:new"));
}

/* The totals are the channels' sum once a resync completed, with the channels GET /unread
 * counts that the model does not know, until they are known. */
static void
test_resync_totals (Fixture       *fixture,
                    G_GNUC_UNUSED gconstpointer user_data)
{
  const StrayRestUnreadChannel entries[] = {
    { .cid = GENERAL, .unread_count = 1 },
    { .cid = "messaging:elsewhere", .unread_count = 5 },
  };
  const StrayRestUnread unread = { .total_unread_count = 6, .channels = entries,
                                   .n_channels = G_N_ELEMENTS (entries) };
  g_auto(GStrv) unknown = NULL;
  guint unknown_notifies = 0;

  g_signal_connect (fixture->session, "notify::unknown-channels", G_CALLBACK (count_notify),
                    &unknown_notifies);
  stray_session_begin_sync (fixture->session);
  sync_channel (fixture, "{\"channel\":{\"cid\":\"" GENERAL "\"},"
                         "\"read\":[{\"user\":{\"id\":\"luke\"},\"unread_messages\":1}]}");
  stray_session_end_sync (fixture->session, &unread);
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 6);
  g_assert_cmpuint (stray_session_get_unread_channels (fixture->session), ==, 2);
  unknown = stray_session_dup_unknown_cids (fixture->session);
  g_assert_cmpstrv (unknown, ((const char *[]) { "messaging:elsewhere", NULL }));
  g_assert_cmpuint (unknown_notifies, ==, 1);

  /* An event's totals no longer move the badge: the channels do. */
  apply_message (fixture, GENERAL, "m2", "han", "2026-01-01T10:00:00Z", NULL);
  apply (fixture, "{\"type\":\"typing.start\",\"cid\":\"" GENERAL "\",\"total_unread_count\":40}");
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 7);

  /* Fetched: the channel's own count replaces the recorded one. */
  sync_channel (fixture, "{\"channel\":{\"cid\":\"messaging:elsewhere\"},"
                         "\"read\":[{\"user\":{\"id\":\"luke\"},\"unread_messages\":5}]}");
  g_assert_cmpuint (unknown_notifies, ==, 2);
  g_assert_cmpuint (stray_session_get_total_unread_count (fixture->session), ==, 7);
  g_assert_cmpuint (stray_session_get_unread_channels (fixture->session), ==, 2);
  g_clear_pointer (&unknown, g_strfreev);
  unknown = stray_session_dup_unknown_cids (fixture->session);
  g_assert_cmpstrv (unknown, ((const char *[]) { NULL }));
  g_signal_handlers_disconnect_by_func (fixture->session, count_notify, &unknown_notifies);
}

/* A mark-unread missed in a gap moves last_read back: the next resync's state reads as older
 * than the last one's, and is still taken. */
static void
test_resync_mark_unread_missed (Fixture       *fixture,
                                G_GNUC_UNUSED gconstpointer user_data)
{
  const char *state = "{\"channel\":{\"cid\":\"" GENERAL "\","
                      "\"last_message_at\":\"2026-01-01T09:00:00Z\"},"
                      "\"read\":[{\"user\":{\"id\":\"luke\"},\"unread_messages\":%d,"
                      "\"last_read\":\"%s\"}]}";
  g_autofree char *read = g_strdup_printf (state, 0, "2026-01-01T10:00:00Z");
  g_autofree char *marked_unread = g_strdup_printf (state, 2, "2026-01-01T08:00:00Z");

  stray_session_begin_sync (fixture->session);
  sync_channel (fixture, read);
  stray_session_end_sync (fixture->session, NULL);
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 0);

  stray_session_begin_sync (fixture->session);
  sync_channel (fixture, marked_unread);
  stray_session_end_sync (fixture->session, NULL);
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 2);
}

/* A channel fetched alone (one GET /unread named) is reconciled with the events as a resync's
 * answers are, and the fetch drops no other channel. */
static void
test_fetch_unknown (Fixture       *fixture,
                    G_GNUC_UNUSED gconstpointer user_data)
{
  apply_message (fixture, GENERAL, "m1", "han", "2026-01-01T10:00:00Z", NULL);
  stray_session_begin_fetch (fixture->session);
  apply_message (fixture, "messaging:elsewhere", "m3", "han", "2026-01-01T10:05:00Z", NULL);
  sync_channel (fixture, "{\"channel\":{\"cid\":\"messaging:elsewhere\","
                         "\"last_message_at\":\"2026-01-01T10:01:00Z\"},"
                         "\"read\":[{\"user\":{\"id\":\"luke\"},\"unread_messages\":5}]}");
  stray_session_end_fetch (fixture->session);
  g_assert_cmpuint (unread (fixture, "messaging:elsewhere"), ==, 6);
  g_assert_cmpuint (unread (fixture, GENERAL), ==, 1);
}

/* Attention after a gap is what it would have been live: an unread mention in the state. */
static void
test_resync_attention (Fixture       *fixture,
                       G_GNUC_UNUSED gconstpointer user_data)
{
  const char *mention = "{\"channel\":{\"cid\":\"messaging:team\",\"member_count\":5},"
                        "\"messages\":[{\"id\":\"m1\",\"created_at\":\"2026-01-01T09:30:00Z\","
                        "\"user\":{\"id\":\"han\"},\"mentioned_users\":[{\"id\":\"luke\"}]},"
                        "{\"id\":\"m2\",\"created_at\":\"2026-01-01T10:00:00Z\","
                        "\"user\":{\"id\":\"han\"}}],"
                        "\"read\":[{\"user\":{\"id\":\"luke\"},\"unread_messages\":%d,"
                        "\"last_read\":\"%s\"}]}";
  g_autofree char *unread_mention = g_strdup_printf (mention, 2, "2026-01-01T09:00:00Z");
  g_autofree char *read_mention = g_strdup_printf (mention, 1, "2026-01-01T09:45:00Z");
  StrayChannel *team;

  sync_channel (fixture, unread_mention);
  team = channel (fixture, "messaging:team");
  g_assert_true (stray_channel_get_attention (team));
  /* The mention was read; the message after it mentions no one. */
  sync_channel (fixture, read_mention);
  g_assert_false (stray_channel_get_attention (team));
}

/* A channel without a name is called by its other members; a name wins. */
static void
test_title (Fixture       *fixture,
            G_GNUC_UNUSED gconstpointer user_data)
{
  StrayChannel *channel;
  guint title_notified = 0;

  sync_channel (fixture, "{\"channel\":{\"cid\":\"messaging:dm\",\"member_count\":2},"
                         "\"members\":[{\"user\":{\"id\":\"luke\",\"name\":\"Luke\"}},"
                         "{\"user\":{\"id\":\"leia\",\"name\":\"Leia Organa\"}}]}");
  channel = stray_channel_list_lookup (fixture->channels, "messaging:dm");
  g_assert_nonnull (channel);
  g_assert_null (stray_channel_get_name (channel));
  g_assert_cmpstr (stray_channel_get_title (channel), ==, "Leia Organa");
  g_signal_connect (channel, "notify::title", G_CALLBACK (count_notify), &title_notified);

  /* A larger group: three names, then how many more; a member without a name by id. */
  sync_channel (fixture, "{\"channel\":{\"cid\":\"messaging:dm\",\"member_count\":6},"
                         "\"members\":[{\"user\":{\"id\":\"luke\"}},"
                         "{\"user\":{\"id\":\"leia\",\"name\":\"Leia Organa\"}},"
                         "{\"user\":{\"id\":\"han\"}},{\"user\":{\"id\":\"r2\",\"name\":\"R2-D2\"}},"
                         "{\"user\":{\"id\":\"c3po\"}},{\"user\":{\"id\":\"chewie\"}}]}");
  g_assert_cmpstr (stray_channel_get_title (channel), ==, "Leia Organa, han, R2-D2 and 2 more");
  g_assert_cmpuint (title_notified, ==, 1);

  /* A name given later wins, and is what the title says. */
  apply (fixture, "{\"type\":\"channel.updated\",\"cid\":\"messaging:dm\","
                  "\"created_at\":\"2026-01-01T00:00:01Z\",\"channel\":{\"cid\":\"messaging:dm\","
                  "\"type\":\"messaging\",\"id\":\"dm\",\"name\":\"Rebels\"}}");
  g_assert_cmpstr (stray_channel_get_title (channel), ==, "Rebels");
  g_assert_cmpuint (title_notified, ==, 2);
  g_signal_handlers_disconnect_by_func (channel, count_notify, &title_notified);

  /* A big channel: queryChannels lists some members, member_count counts all. */
  sync_channel (fixture, "{\"channel\":{\"cid\":\"messaging:all-hands\",\"member_count\":250},"
                         "\"members\":[{\"user\":{\"id\":\"luke\"}},{\"user\":{\"id\":\"leia\"}}]}");
  g_assert_cmpstr (stray_channel_get_title (stray_channel_list_lookup (fixture->channels,
                                                                       "messaging:all-hands")),
                   ==, "leia and 248 more");

  /* Alone, without a name: the id. */
  sync_channel (fixture, "{\"channel\":{\"cid\":\"messaging:notes\",\"member_count\":1},"
                         "\"members\":[{\"user\":{\"id\":\"luke\"}}]}");
  g_assert_cmpstr (stray_channel_get_title (stray_channel_list_lookup (fixture->channels,
                                                                       "messaging:notes")),
                   ==, "notes");
}

/* The title of the pending invite at @position, or NULL past the end. */
static char *
invite_title (Fixture *fixture,
              guint    position)
{
  GListModel *invites = stray_session_get_invites (fixture->session);
  g_autoptr(StrayInvite) invite = g_list_model_get_item (invites, position);

  return invite != NULL ? stray_invite_dup_title (invite) : NULL;
}

#define INVITED(cid, name, member) \
  "{\"type\":\"notification.invited\",\"cid\":\"" cid "\",\"user\":{\"id\":\"ana\"," \
  "\"name\":\"Ana\"},\"channel\":{\"cid\":\"" cid "\",\"name\":\"" name "\"}," \
  "\"member\":" member "}"

/* Invites are kept apart from the channels until accepted; a decline drops them; either
 * answer may come from another device; messages in an invite count for nothing. */
static void
test_invites (Fixture       *fixture,
              G_GNUC_UNUSED gconstpointer user_data)
{
  GListModel *invites = stray_session_get_invites (fixture->session);
  g_autofree char *title = NULL;
  StrayInvite *invite;

  /* Someone else's invite is not the user's. */
  apply (fixture, INVITED ("team:design", "Design", "{\"user_id\":\"han\",\"invited\":true}"));
  g_assert_cmpuint (g_list_model_get_n_items (invites), ==, 0);

  apply (fixture, INVITED ("team:design", "Design", "{\"user_id\":\"luke\",\"invited\":true}"));
  apply (fixture, INVITED ("team:ops", "Ops", "{\"user_id\":\"luke\",\"invited\":true}"));
  g_assert_cmpuint (g_list_model_get_n_items (invites), ==, 2);
  invite = stray_session_lookup_invite (fixture->session, "team:design");
  g_assert_nonnull (invite);
  g_assert_cmpstr (stray_invite_get_channel_name (invite), ==, "Design");
  g_assert_cmpstr (stray_invite_get_inviter_name (invite), ==, "Ana");
  g_assert_null (stray_channel_list_lookup (fixture->channels, "team:design"));

  /* A message in a channel the user is only invited to neither adds it nor counts. */
  apply_message (fixture, "team:design", "m1", "ana", "2026-01-01T10:00:00Z", NULL);
  g_assert_null (stray_channel_list_lookup (fixture->channels, "team:design"));
  complete_resync (fixture);
  g_assert_cmpuint (badge (fixture), ==, 0);

  /* Accepted (here or elsewhere): the channel is the user's at once. */
  apply (fixture, "{\"type\":\"notification.invite_accepted\",\"cid\":\"team:design\","
                  "\"channel\":{\"cid\":\"team:design\",\"name\":\"Design\"},"
                  "\"member\":{\"user_id\":\"luke\",\"invited\":true,"
                  "\"invite_accepted_at\":\"2026-01-01T10:01:00Z\"}}");
  g_assert_null (stray_session_lookup_invite (fixture->session, "team:design"));
  g_assert_cmpstr (stray_channel_get_name (channel (fixture, "team:design")), ==, "Design");

  /* Declined on another device: it goes, and no channel comes. */
  apply (fixture, "{\"type\":\"notification.invite_rejected\",\"cid\":\"team:ops\","
                  "\"member\":{\"user_id\":\"luke\",\"invited\":true,"
                  "\"invite_rejected_at\":\"2026-01-01T10:02:00Z\"}}");
  g_assert_cmpuint (g_list_model_get_n_items (invites), ==, 0);
  g_assert_null (stray_channel_list_lookup (fixture->channels, "team:ops"));

  /* An unnamed channel's invite is titled by its id. */
  apply (fixture, "{\"type\":\"notification.invited\",\"cid\":\"team:x1\","
                  "\"member\":{\"user_id\":\"luke\",\"invited\":true}}");
  title = invite_title (fixture, 0);
  g_assert_cmpstr (title, ==, "x1");
  g_assert_null (stray_invite_get_inviter_name (stray_session_lookup_invite (fixture->session,
                                                                              "team:x1")));
  /* Removed from the channel: the invite goes too. */
  apply (fixture, "{\"type\":\"notification.removed_from_channel\",\"cid\":\"team:x1\"}");
  g_assert_cmpuint (g_list_model_get_n_items (invites), ==, 0);
}

/* A resync lists pending invites from the user's member entry, keeps them out of the
 * channels, and drops the invites it no longer lists. */
static void
test_invites_resync (Fixture       *fixture,
                     G_GNUC_UNUSED gconstpointer user_data)
{
  GListModel *invites = stray_session_get_invites (fixture->session);

  apply (fixture, INVITED ("team:old", "Old", "{\"user_id\":\"luke\",\"invited\":true}"));
  stray_session_begin_sync (fixture->session);
  sync_channel (fixture, "{\"channel\":{\"cid\":\"team:design\",\"name\":\"Design\"},"
                         "\"members\":[{\"user_id\":\"ana\"},"
                         "{\"user_id\":\"luke\",\"invited\":true}]}");
  sync_channel (fixture, "{\"channel\":{\"cid\":\"team:gone\",\"name\":\"Gone\"},"
                         "\"members\":[{\"user_id\":\"luke\",\"invited\":true,"
                         "\"invite_rejected_at\":\"2026-01-01T10:00:00Z\"}]}");
  sync_channel (fixture, "{\"channel\":{\"cid\":\"team:joined\",\"name\":\"Joined\"},"
                         "\"members\":[{\"user_id\":\"luke\",\"invited\":true,"
                         "\"invite_accepted_at\":\"2026-01-01T10:00:00Z\"}]}");
  /* A large channel's members may leave the user out: `membership` says it. */
  sync_channel (fixture, "{\"channel\":{\"cid\":\"team:big\",\"name\":\"Big\"},"
                         "\"members\":[{\"user_id\":\"ana\"}],"
                         "\"membership\":{\"user_id\":\"luke\",\"invited\":true}}");
  stray_session_end_sync (fixture->session, NULL);

  g_assert_cmpuint (g_list_model_get_n_items (invites), ==, 2);
  g_assert_nonnull (stray_session_lookup_invite (fixture->session, "team:big"));
  g_assert_null (stray_channel_list_lookup (fixture->channels, "team:big"));
  g_assert_nonnull (stray_session_lookup_invite (fixture->session, "team:design"));
  g_assert_null (stray_channel_list_lookup (fixture->channels, "team:design"));
  g_assert_null (stray_channel_list_lookup (fixture->channels, "team:gone"));
  g_assert_nonnull (stray_channel_list_lookup (fixture->channels, "team:joined"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/stray/model/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("handshake", test_handshake);
  ADD ("connection-state-writer", test_connection_state_writer);
  ADD ("message-new/counts", test_message_new_counts);
  ADD ("message-new/not-counted", test_message_new_not_counted);
  ADD ("message-new/read-events-capability", test_read_events_capability);
  ADD ("muted-channel", test_muted_channel);
  ADD ("muted-user", test_muted_user);
  ADD ("message-read", test_message_read);
  ADD ("mark-read-and-unread", test_mark_read_and_unread);
  ADD ("notification-message-new", test_notification_message_new);
  ADD ("channel-removed", test_channel_removed);
  ADD ("added-to-channel", test_added_to_channel);
  ADD ("hidden-and-visible", test_hidden_and_visible);
  ADD ("truncated", test_truncated);
  ADD ("channel-updated", test_channel_updated);
  ADD ("title", test_title);
  ADD ("message-changes", test_message_changes);
  ADD ("user-updated", test_user_updated);
  ADD ("totals-from-server", test_totals_from_server);
  ADD ("notify-only-on-change", test_notify_only_on_change);
  ADD ("list/order", test_list_order);
  ADD ("list/newest-first", test_newest_first);
  ADD ("no-history", test_no_history);
  ADD ("message-new/read-events-config", test_read_events_config);
  ADD ("muted-user/timed", test_muted_user_timed);
  ADD ("message-deleted/hard-lowers", test_hard_delete_lowers);
  ADD ("resync/clear-history", test_clear_history_resync);
  ADD ("resync/late-answer", test_resync_late_answer);
  ADD ("resync/membership", test_resync_membership);
  ADD ("resync/totals", test_resync_totals);
  ADD ("resync/attention", test_resync_attention);
  ADD ("resync/fetch-unknown", test_fetch_unknown);
  ADD ("resync/mark-unread-missed", test_resync_mark_unread_missed);
  ADD ("invites", test_invites);
  ADD ("invites/resync", test_invites_resync);

#undef ADD

  return g_test_run ();
}
