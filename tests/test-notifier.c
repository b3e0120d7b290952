/* test-notifier.c: notifications as a notification server sees them
 *
 * Runs under build-aux/test-session. A fake org.freedesktop.Notifications, written for this
 * suite, runs in a thread of its own (libnotify calls it synchronously) and records every
 * Notify and CloseNotification; the test makes it emit ActionInvoked.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "stray-avatar-cache.h"
#include "fake-notifications.h"
#include "stray-notifier.h"

#define WAIT_SECONDS 10

static gboolean
on_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* ---- the fixture ---- */

typedef struct {
  Server *server;
  StraySession *session;
  GSettings *settings;
  GSimpleActionGroup *actions;
  GPtrArray *activated;
  StrayAvatarCache *avatars;
  char *cache_dir;
  SoupServer *pictures;
  char *pictures_url;
  StrayNotifier *notifier;
} Fixture;

static void
on_activate (GSimpleAction *action,
             GVariant      *parameter,
             Fixture       *fixture)
{
  g_autofree char *target = parameter != NULL ? g_variant_print (parameter, FALSE) : NULL;

  g_ptr_array_add (fixture->activated, g_strdup_printf ("%s%s%s", g_action_get_name (G_ACTION (action)),
                                                        target ? " " : "", target ? target : ""));
}

static void
add_action (Fixture            *fixture,
            const char         *name,
            const GVariantType *type)
{
  g_autoptr(GSimpleAction) action = g_simple_action_new (name, type);

  g_signal_connect (action, "activate", G_CALLBACK (on_activate), fixture);
  g_action_map_add_action (G_ACTION_MAP (fixture->actions), G_ACTION (action));
}

static void
apply (Fixture    *fixture,
       gboolean    live,
       const char *format,
       ...) G_GNUC_PRINTF (3, 4);

/* Decodes a frame, applies it to the model, and hands it to the notifier, as the app does. */
static void
apply (Fixture    *fixture,
       gboolean    live,
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
  stray_notifier_handle_event (fixture->notifier, event, live);
}

static guint message_serial;

/* A message.new from @user in @cid; @extra is spliced into the message. */
static void
message (Fixture    *fixture,
         const char *cid,
         const char *user,
         const char *text,
         const char *extra)
{
  apply (fixture, TRUE,
         "{\"type\":\"message.new\",\"cid\":\"%s\",\"user\":{\"id\":\"%s\"},"
         "\"message\":{\"id\":\"m%u\",\"text\":\"%s\",\"type\":\"regular\","
         "\"created_at\":\"2026-11-28T10:00:00Z\",\"user\":{\"id\":\"%s\",\"name\":\"%s name\""
         "%s}%s%s}}",
         cid, user, ++message_serial, text, user, user, "", extra ? "," : "", extra ? extra : "");
}

static void
serve_picture (G_GNUC_UNUSED SoupServer *soup,
               SoupServerMessage        *msg,
               const char               *path,
               G_GNUC_UNUSED GHashTable *query,
               G_GNUC_UNUSED gpointer    user_data)
{
  if (g_str_equal (path, "/good.png"))
    {
      g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, 32, 32);
      char *png = NULL;
      gsize length = 0;

      gdk_pixbuf_fill (pixbuf, 0xe01b24ff);
      gdk_pixbuf_save_to_buffer (pixbuf, &png, &length, "png", NULL, NULL);
      soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_TAKE, png, length);
    }
  else if (g_str_equal (path, "/big.png"))
    {
      gsize length = 600 * 1024;
      char *big = g_malloc0 (length);

      soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_TAKE, big, length);
    }
  else
    soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_STATIC, "<html>no</html>",
                                      15);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;

  fixture->server = fake_notifications_start (GPOINTER_TO_INT (user_data));
  fixture->session = stray_session_new ();
  fixture->settings = g_settings_new (SCHEMA_ID);
  fixture->activated = g_ptr_array_new_with_free_func (g_free);
  fixture->actions = g_simple_action_group_new ();
  add_action (fixture, "open-channel", G_VARIANT_TYPE_STRING);
  add_action (fixture, "mark-read", G_VARIANT_TYPE_STRING);
  add_action (fixture, "send-message", G_VARIANT_TYPE ("(ss)"));
  add_action (fixture, "open-thread", G_VARIANT_TYPE ("(ss)"));
  add_action (fixture, "mark-thread-read", G_VARIANT_TYPE ("(ss)"));

  fixture->cache_dir = g_dir_make_tmp ("stray-avatars-XXXXXX", NULL);
  fixture->avatars = stray_avatar_cache_new (fixture->cache_dir);
  fixture->pictures = soup_server_new (NULL, NULL);
  soup_server_add_handler (fixture->pictures, NULL, serve_picture, NULL, NULL);
  soup_server_listen_local (fixture->pictures, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (fixture->pictures);
  fixture->pictures_url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  /* As with the local devserver: pictures over plain http on loopback, like the server. */
  stray_avatar_cache_set_server_url (fixture->avatars, fixture->pictures_url);

  fixture->notifier = stray_notifier_new (fixture->session, G_ACTION_GROUP (fixture->actions),
                                          fixture->settings, fixture->avatars, FALSE);

  /* Signed in as alice, with count_dooku muted; a channel of three, a direct one, a muted one. */
  apply (fixture, TRUE, "{\"type\":\"health.check\",\"connection_id\":\"c\",\"me\":{"
         "\"id\":\"alice\",\"mutes\":[{\"target\":{\"id\":\"count_dooku\"}}],"
         "\"channel_mutes\":[{\"channel\":{\"cid\":\"messaging:muted\"}}]}}");
  /* Not live: the set-up's additions announce nothing. */
  for (guint i = 0; i < 9; i++)
    apply (fixture, FALSE, "{\"type\":\"notification.added_to_channel\",\"cid\":\"messaging:c%u\","
           "\"channel\":{\"cid\":\"messaging:c%u\",\"name\":\"Channel %u\",\"member_count\":3}}",
           i, i, i);
  apply (fixture, FALSE, "{\"type\":\"notification.added_to_channel\",\"cid\":\"messaging:general\","
         "\"channel\":{\"cid\":\"messaging:general\",\"name\":\"General\",\"member_count\":3}}");
  apply (fixture, FALSE, "{\"type\":\"notification.added_to_channel\",\"cid\":\"messaging:dm\","
         "\"channel\":{\"cid\":\"messaging:dm\",\"member_count\":2}}");
  apply (fixture, FALSE, "{\"type\":\"notification.added_to_channel\",\"cid\":\"messaging:muted\","
         "\"channel\":{\"cid\":\"messaging:muted\",\"name\":\"Muted\",\"member_count\":3}}");
}

static void
fixture_tear_down (Fixture       *fixture,
                   G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->cache_dir, 0, NULL);
  const char *name;

  g_clear_object (&fixture->notifier);
  g_clear_object (&fixture->avatars);
  soup_server_disconnect (fixture->pictures);
  g_clear_object (&fixture->pictures);
  g_free (fixture->pictures_url);
  g_settings_reset (fixture->settings, "notify-mode");
  g_settings_reset (fixture->settings, "notifications-paused-until");
  g_settings_reset (fixture->settings, "notification-sounds");
  g_clear_object (&fixture->settings);
  g_clear_object (&fixture->actions);
  g_clear_object (&fixture->session);
  g_ptr_array_unref (fixture->activated);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fixture->cache_dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (fixture->cache_dir);
  g_free (fixture->cache_dir);
  /* The server may still have replies on their way: let them arrive before it goes. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  fake_notifications_stop (fixture->server);
}

static guint
n_notified (Fixture *fixture)
{
  guint n;

  g_mutex_lock (&fixture->server->lock);
  n = fixture->server->notified->len;
  g_mutex_unlock (&fixture->server->lock);
  return n;
}

static Notified *
notified (Fixture *fixture,
          guint    index)
{
  Notified *result;

  g_mutex_lock (&fixture->server->lock);
  g_assert_cmpuint (index, <, fixture->server->notified->len);
  result = g_ptr_array_index (fixture->server->notified, index);
  g_mutex_unlock (&fixture->server->lock);
  return result;
}

/* Waits until the server has recorded @n Notify calls. */
static void
wait_notified (Fixture *fixture,
               guint    n)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (WAIT_SECONDS, on_timeout, &timed_out);

  while (n_notified (fixture) < n && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  if (n_notified (fixture) < n)
    g_error ("%u Notify calls, not %u", n_notified (fixture), n);
}

static const char *
hint_string (Notified   *notified,
             const char *name)
{
  const char *value = NULL;

  g_variant_lookup (notified->hints, name, "&s", &value);
  return value;
}

static void
test_first_message (Fixture       *fixture,
                    G_GNUC_UNUSED gconstpointer user_data)
{
  Notified *first;

  message (fixture, "messaging:general", "bob", "Lunch at noon?", NULL);
  wait_notified (fixture, 1);
  first = notified (fixture, 0);
  g_assert_cmpstr (first->summary, ==, "General");
  g_assert_cmpstr (first->body, ==, "bob name: Lunch at noon?");
  g_assert_cmpstr (hint_string (first, "category"), ==, "im.received");
  g_assert_cmpstr (hint_string (first, "desktop-entry"), ==, APP_ID);
  g_assert_cmpstr (hint_string (first, "sound-name"), ==, "message-new-instant");
  g_assert_true (g_strv_contains ((const char * const *) first->actions, "default"));
  g_assert_true (g_strv_contains ((const char * const *) first->actions, "mark-read"));
  /* This server has no inline reply: no button that cannot work. */
  g_assert_false (g_strv_contains ((const char * const *) first->actions, "inline-reply"));

  /* A one-to-one conversation is known by the sender's name. */
  message (fixture, "messaging:dm", "bob", "psst", NULL);
  wait_notified (fixture, 2);
  g_assert_cmpstr (notified (fixture, 1)->summary, ==, "bob name");
}

/* Something sent without a word is named for what it is: a picture alone is not "Bob: ". */
static void
test_attachment_only (Fixture       *fixture,
                      G_GNUC_UNUSED gconstpointer user_data)
{
  message (fixture, "messaging:general", "bob", "",
           "\"attachments\":[{\"type\":\"image\",\"fallback\":\"beach.jpg\"}]");
  message (fixture, "messaging:c1", "bob", "",
           "\"attachments\":[{\"type\":\"file\",\"title\":\"q3.pdf\"}]");
  message (fixture, "messaging:c2", "bob", "see this",
           "\"attachments\":[{\"type\":\"image\",\"fallback\":\"graph.png\"}]");
  wait_notified (fixture, 3);
  g_assert_cmpstr (notified (fixture, 0)->body, ==, "bob name: sent a photo");
  g_assert_cmpstr (notified (fixture, 1)->body, ==, "bob name: q3.pdf");
  g_assert_cmpstr (notified (fixture, 2)->body, ==, "bob name: see this");
}

static void
test_hostile_markup (Fixture       *fixture,
                     G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(GString) long_text = g_string_new (NULL);
  g_autofree char *body = NULL;
  g_autofree char *summary = NULL;

  message (fixture, "messaging:general", "bob",
           "<b>bold</b> & <a href=\\\"http://evil\\\">link</a>", NULL);
  wait_notified (fixture, 1);
  g_assert_cmpstr (notified (fixture, 0)->body, ==,
                   "bob name: &lt;b&gt;bold&lt;/b&gt; &amp; &lt;a href=&quot;http://evil&quot;&gt;"
                   "link&lt;/a&gt;");

  /* The summary is plain text by the specification: shown as written (dunst escapes it
   * itself, GNOME Shell renders none), but on one line. */
  message (fixture, "messaging:dm", "<b>eve</b> &\\nco", "hi", NULL);
  wait_notified (fixture, 2);
  g_assert_cmpstr (notified (fixture, 1)->summary, ==, "<b>eve</b> & co name");

  /* Cut at 200 characters, on a character boundary. */
  for (guint i = 0; i < 150; i++)
    g_string_append (long_text, "ü日");
  body = stray_notifier_format_body ("Bob", long_text->str);
  g_assert_cmpint (g_utf8_strlen (body, -1), ==, STRAY_NOTIFIER_BODY_CHARS);
  g_assert_true (g_utf8_validate (body, -1, NULL));
  g_assert_true (g_str_has_suffix (body, "…"));

  summary = stray_notifier_format_summary (long_text->str);
  g_assert_cmpint (g_utf8_strlen (summary, -1), ==, STRAY_NOTIFIER_SUMMARY_CHARS);
  g_assert_true (g_str_has_suffix (summary, "…"));
  g_clear_pointer (&summary, g_free);
  summary = stray_notifier_format_summary ("a\u2028b\tc\r\xff");
  g_assert_cmpstr (summary, ==, "a b c \xef\xbf\xbd");
}

/* Every rule that says no, then one that says yes, so that "nothing" is not for nothing. */
static void
test_policy (Fixture       *fixture,
             G_GNUC_UNUSED gconstpointer user_data)
{
  message (fixture, "messaging:general", "alice", "my own", NULL);
  message (fixture, "messaging:muted", "bob", "in a muted channel", NULL);
  message (fixture, "messaging:general", "count_dooku", "from a muted user", NULL);
  message (fixture, "messaging:general", "bob", "silent", "\"silent\":true");
  message (fixture, "messaging:general", "bob", "shadowed", "\"shadowed\":true");
  message (fixture, "messaging:general", "bob", "system", "\"type\":\"system\"");
  message (fixture, "messaging:general", "bob", "thread reply", "\"parent_id\":\"m1\"");
  apply (fixture, FALSE, "{\"type\":\"message.new\",\"cid\":\"messaging:general\","
         "\"message\":{\"id\":\"old\",\"text\":\"from before\",\"user\":{\"id\":\"bob\"}}}");
  stray_notifier_set_focused_channel (fixture->notifier, "messaging:general");
  message (fixture, "messaging:general", "bob", "while looking at it", NULL);
  stray_notifier_set_focused_channel (fixture->notifier, NULL);

  g_settings_set_string (fixture->settings, "notify-mode", "none");
  message (fixture, "messaging:c1", "bob", "mode none", NULL);
  g_settings_set_string (fixture->settings, "notify-mode", "mentions");
  message (fixture, "messaging:c2", "bob", "mode mentions, no mention", NULL);
  g_settings_set_string (fixture->settings, "notify-mode", "all");
  g_settings_set_int64 (fixture->settings, "notifications-paused-until",
                        g_get_real_time () / G_USEC_PER_SEC + 3600);
  message (fixture, "messaging:c3", "bob", "paused", NULL);
  g_settings_set_int64 (fixture->settings, "notifications-paused-until", 0);

  /* Now the ones that pass: a mention whatever the mode, a direct message in mentions mode,
   * a thread reply through its own notification. */
  g_settings_set_string (fixture->settings, "notify-mode", "none");
  message (fixture, "messaging:c4", "bob", "@alice you there?",
           "\"mentioned_users\":[{\"id\":\"alice\"}]");
  g_settings_set_string (fixture->settings, "notify-mode", "mentions");
  message (fixture, "messaging:dm", "bob", "direct", NULL);
  g_settings_set_string (fixture->settings, "notify-mode", "all");
  apply (fixture, TRUE, "{\"type\":\"notification.thread_message_new\",\"cid\":\"messaging:c5\","
         "\"message\":{\"id\":\"t1\",\"text\":\"in the thread\",\"parent_id\":\"p\","
         "\"user\":{\"id\":\"bob\",\"name\":\"Bob\"}}}");
  wait_notified (fixture, 3);
  g_assert_cmpuint (n_notified (fixture), ==, 3);
  g_assert_cmpstr (notified (fixture, 0)->body, ==, "bob name: @alice you there?");
  g_assert_cmpstr (notified (fixture, 1)->body, ==, "bob name: direct");
  g_assert_cmpstr (notified (fixture, 2)->body, ==, "Reply in thread: Bob: in the thread");
}

static void
test_one_per_channel (Fixture       *fixture,
                      G_GNUC_UNUSED gconstpointer user_data)
{
  gint64 start = g_get_monotonic_time ();
  Notified *second;

  message (fixture, "messaging:general", "bob", "one", NULL);
  message (fixture, "messaging:general", "chen", "two", NULL);
  message (fixture, "messaging:general", "bob", "three", NULL);
  wait_notified (fixture, 1);
  g_assert_cmpuint (n_notified (fixture), ==, 1);
  /* The rest come as one update in place, no sooner than 2 s after the first. */
  wait_notified (fixture, 2);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, (STRAY_NOTIFIER_INTERVAL_MS - 100) * 1000);
  second = notified (fixture, 1);
  g_assert_cmpuint (second->replaces_id, ==, notified (fixture, 0)->id);
  g_assert_cmpstr (second->body, ==, "3 new messages\nbob name: three");
}

static gboolean
closed_one (Fixture *fixture)
{
  gboolean closed;

  g_mutex_lock (&fixture->server->lock);
  closed = fixture->server->closed->len > 0;
  g_mutex_unlock (&fixture->server->lock);
  return closed;
}

static void
wait_closed_one (Fixture *fixture)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (WAIT_SECONDS, on_timeout, &timed_out);

  while (!closed_one (fixture) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_true (closed_one (fixture));
}

/* Read on another device: the notification goes. */
static void
test_withdrawn_on_read (Fixture       *fixture,
                        G_GNUC_UNUSED gconstpointer user_data)
{

  message (fixture, "messaging:general", "bob", "one", NULL);
  wait_notified (fixture, 1);
  apply (fixture, TRUE, "{\"type\":\"message.read\",\"cid\":\"messaging:general\","
         "\"user\":{\"id\":\"alice\"}}");
  wait_closed_one (fixture);
  g_assert_cmpuint (g_array_index (fixture->server->closed, guint32, 0), ==,
                    notified (fixture, 0)->id);
}

/* A reply by bob in the thread under @parent in @cid. */
static void
thread_reply (Fixture    *fixture,
              const char *cid,
              const char *parent,
              const char *text)
{
  apply (fixture, TRUE,
         "{\"type\":\"notification.thread_message_new\",\"cid\":\"%s\",\"message\":{"
         "\"id\":\"t%u\",\"text\":\"%s\",\"parent_id\":\"%s\",\"user\":{\"id\":\"bob\","
         "\"name\":\"Bob\"}},\"thread\":{\"parent_message_id\":\"%s\"},\"unread_threads\":1}",
         cid, ++message_serial, text, parent, parent);
}

/* One notification per thread, updated in place (at most once per channel per interval),
 * beside the channel's own; its buttons open and read the thread; read on another device, it
 * is withdrawn, and the channel's notification stays. */
static void
test_threads (Fixture       *fixture,
              G_GNUC_UNUSED gconstpointer user_data)
{
  gboolean timed_out = FALSE;
  guint id;

  message (fixture, "messaging:general", "bob", "in the channel", NULL);
  thread_reply (fixture, "messaging:c6", "p1", "first");
  wait_notified (fixture, 2);
  g_assert_cmpstr (notified (fixture, 1)->summary, ==, "Channel 6");
  g_assert_cmpstr (notified (fixture, 1)->body, ==, "Reply in thread: Bob: first");
  g_assert_true (g_strv_contains ((const char * const *) notified (fixture, 1)->actions,
                                  "mark-read"));

  /* The same thread again, within the interval: updated in place, once, after it. */
  thread_reply (fixture, "messaging:c6", "p1", "second");
  wait_notified (fixture, 3);
  g_assert_cmpuint (notified (fixture, 2)->replaces_id, ==, notified (fixture, 1)->id);
  g_assert_cmpint (notified (fixture, 2)->received_at - notified (fixture, 1)->received_at, >=,
                   (STRAY_NOTIFIER_INTERVAL_MS - 100) * 1000);
  g_assert_cmpstr (notified (fixture, 2)->body, ==, "2 new replies in a thread\nBob: second");
  /* Another thread in the same channel: a notification of its own. */
  thread_reply (fixture, "messaging:c6", "p2", "elsewhere");
  wait_notified (fixture, 4);
  g_assert_cmpuint (notified (fixture, 3)->replaces_id, ==, 0);

  fake_notifications_invoke (fixture->server, notified (fixture, 1)->id, "default");
  fake_notifications_invoke (fixture->server, notified (fixture, 1)->id, "mark-read");
  id = g_timeout_add_seconds (WAIT_SECONDS, on_timeout, &timed_out);
  while (fixture->activated->len < 2 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_cmpstr (g_ptr_array_index (fixture->activated, 0), ==,
                   "open-thread ('messaging:c6', 'p1')");
  g_assert_cmpstr (g_ptr_array_index (fixture->activated, 1), ==,
                   "mark-thread-read ('messaging:c6', 'p1')");

  /* The thread read on another device: its notification goes, not the channel's. */
  apply (fixture, TRUE, "{\"type\":\"notification.mark_read\",\"cid\":\"messaging:c6\","
         "\"thread_id\":\"p1\",\"thread\":{\"parent_message_id\":\"p1\"},"
         "\"user\":{\"id\":\"alice\"},\"unread_threads\":1}");
  apply (fixture, TRUE, "{\"type\":\"message.read\",\"cid\":\"messaging:general\","
         "\"thread\":{\"parent_message_id\":\"p0\"},\"user\":{\"id\":\"alice\"}}");
  wait_closed_one (fixture);
  g_mutex_lock (&fixture->server->lock);
  g_assert_cmpuint (fixture->server->closed->len, ==, 1);
  g_mutex_unlock (&fixture->server->lock);
  g_assert_cmpuint (g_array_index (fixture->server->closed, guint32, 0), ==,
                    notified (fixture, 1)->id);

  /* The thread on screen in the focused window: its replies need no notification. */
  stray_notifier_set_focused_thread (fixture->notifier, "p5");
  thread_reply (fixture, "messaging:c8", "p5", "while reading it");
  stray_notifier_set_focused_thread (fixture->notifier, NULL);

  /* Muted users' replies and muted channels' threads stay quiet, as messages do. */
  apply (fixture, TRUE,
         "{\"type\":\"notification.thread_message_new\",\"cid\":\"messaging:c7\",\"message\":{"
         "\"id\":\"tm\",\"text\":\"x\",\"parent_id\":\"p3\",\"user\":{\"id\":\"count_dooku\"}}}");
  thread_reply (fixture, "messaging:muted", "p4", "muted channel");
  g_assert_cmpuint (n_notified (fixture), ==, 4);
}

#define INVITE_FROM(cid, inviter) \
  "{\"type\":\"notification.invited\",\"cid\":\"" cid "\",\"user\":{\"id\":\"" inviter "\"," \
  "\"name\":\"" inviter " name\"},\"channel\":{\"cid\":\"" cid "\",\"name\":\"Design\"}," \
  "\"member\":{\"user_id\":\"alice\",\"invited\":true}}"

/* Invites and additions follow the policy (pause, muted inviter, muted channel, mode none),
 * then show with their buttons; an addition is told once; an invite answered on another
 * device is withdrawn. */
static void
test_invites_and_additions (Fixture       *fixture,
                            G_GNUC_UNUSED gconstpointer user_data)
{
  Notified *invite;

  g_settings_set_int64 (fixture->settings, "notifications-paused-until",
                        g_get_real_time () / G_USEC_PER_SEC + 3600);
  apply (fixture, TRUE, INVITE_FROM ("team:paused", "bob"));
  g_settings_set_int64 (fixture->settings, "notifications-paused-until", 0);
  apply (fixture, TRUE, INVITE_FROM ("team:dooku", "count_dooku"));
  apply (fixture, TRUE, INVITE_FROM ("messaging:muted", "bob"));
  g_settings_set_string (fixture->settings, "notify-mode", "none");
  apply (fixture, TRUE, INVITE_FROM ("team:none", "bob"));
  g_settings_set_string (fixture->settings, "notify-mode", "mentions");
  /* Someone else's invite is not the user's. */
  apply (fixture, TRUE, "{\"type\":\"notification.invited\",\"cid\":\"team:other\","
         "\"member\":{\"user_id\":\"bob\",\"invited\":true}}");

  /* These pass: an invite (personal, so in mentions mode too), then an addition, twice. */
  apply (fixture, TRUE, INVITE_FROM ("team:design", "bob"));
  apply (fixture, TRUE, "{\"type\":\"notification.added_to_channel\",\"cid\":\"team:ops\","
         "\"channel\":{\"cid\":\"team:ops\",\"name\":\"Ops\",\"created_by\":{"
         "\"id\":\"dana\",\"name\":\"Dana\"}},\"member\":{\"user_id\":\"alice\"}}");
  apply (fixture, TRUE, "{\"type\":\"notification.added_to_channel\",\"cid\":\"team:ops\","
         "\"channel\":{\"cid\":\"team:ops\",\"name\":\"Ops\"},"
         "\"member\":{\"user_id\":\"alice\"}}");
  g_settings_set_string (fixture->settings, "notify-mode", "all");
  wait_notified (fixture, 2);
  g_assert_cmpuint (n_notified (fixture), ==, 2);
  invite = notified (fixture, 0);
  g_assert_cmpstr (invite->summary, ==, "bob name invited you to #Design");
  g_assert_true (g_strv_contains ((const char * const *) invite->actions, "accept"));
  g_assert_true (g_strv_contains ((const char * const *) invite->actions, "decline"));
  g_assert_cmpstr (notified (fixture, 1)->summary, ==, "You were added to #Ops by Dana");

  /* Accepted elsewhere: withdrawn. */
  apply (fixture, TRUE, "{\"type\":\"notification.invite_accepted\",\"cid\":\"team:design\","
         "\"member\":{\"user_id\":\"alice\",\"invited\":true,"
         "\"invite_accepted_at\":\"2026-11-28T10:00:00Z\"}}");
  wait_closed_one (fixture);
  g_assert_cmpuint (g_array_index (fixture->server->closed, guint32, 0), ==, invite->id);
  g_assert_cmpuint (n_notified (fixture), ==, 2);
}

/* More than five channels at once: one summary instead of a storm. */
static void
test_burst (Fixture       *fixture,
            G_GNUC_UNUSED gconstpointer user_data)
{
  Notified *last;

  for (guint round = 0; round < 3; round++)
    for (guint i = 0; i < 8; i++)
      {
        g_autofree char *cid = g_strdup_printf ("messaging:c%u", i);

        message (fixture, cid, "bob", "busy", NULL);
      }
  wait_notified (fixture, STRAY_NOTIFIER_SUMMARY_AFTER + 1);
  /* Five channels had their own; the sixth and later brought the summary. */
  g_assert_cmpuint (n_notified (fixture), ==, STRAY_NOTIFIER_SUMMARY_AFTER + 1);
  last = notified (fixture, STRAY_NOTIFIER_SUMMARY_AFTER);
  g_assert_cmpstr (last->summary, ==, "Stream Tray");
  g_assert_true (g_str_has_suffix (last->body, "in 6 channels"));
}

static gboolean
activated_two (Fixture *fixture)
{
  return fixture->activated->len >= 2;
}

static void
test_actions (Fixture       *fixture,
              G_GNUC_UNUSED gconstpointer user_data)
{
  gboolean timed_out = FALSE;
  guint id;

  message (fixture, "messaging:general", "bob", "one", NULL);
  wait_notified (fixture, 1);
  fake_notifications_invoke (fixture->server, notified (fixture, 0)->id, "default");
  fake_notifications_invoke (fixture->server, notified (fixture, 0)->id, "mark-read");
  id = g_timeout_add_seconds (WAIT_SECONDS, on_timeout, &timed_out);
  while (!activated_two (fixture) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_cmpuint (fixture->activated->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (fixture->activated, 0), ==,
                   "open-channel 'messaging:general'");
  g_assert_cmpstr (g_ptr_array_index (fixture->activated, 1), ==,
                   "mark-read 'messaging:general'");
}

static void
picture_message (Fixture    *fixture,
                 const char *cid,
                 const char *user,
                 const char *picture)
{
  apply (fixture, TRUE,
         "{\"type\":\"message.new\",\"cid\":\"%s\",\"message\":{\"id\":\"p%u\","
         "\"text\":\"look\",\"user\":{\"id\":\"%s\",\"name\":\"U\",\"image\":\"%s%s\"}}}",
         cid, ++message_serial, user, fixture->pictures_url, picture);
}

static void
test_avatars (Fixture       *fixture,
              G_GNUC_UNUSED gconstpointer user_data)
{
  static const char * const pictures[] = { "good.png", "big.png", "text.png" };

  for (guint i = 0; i < G_N_ELEMENTS (pictures); i++)
    {
      g_autofree char *cid = g_strdup_printf ("messaging:c%u", i);
      g_autofree char *user = g_strdup_printf ("u%u", i);
      g_autoptr(GVariant) image = NULL;

      picture_message (fixture, cid, user, pictures[i]);
      wait_notified (fixture, i + 1);
      /* Only the good picture is sent as image data; the others fall back to the app icon. */
      image = g_variant_lookup_value (notified (fixture, i)->hints, "image-data", NULL);
      if (i == 0)
        g_assert_nonnull (image);
      else
        g_assert_null (image);
    }
  /* Fetched once each, whatever came of it: later messages ask for none again. */
  picture_message (fixture, "messaging:c5", "u1", "big.png");
  picture_message (fixture, "messaging:c6", "u0", "good.png");
  wait_notified (fixture, 5);
  g_assert_cmpuint (stray_avatar_cache_get_n_fetches (fixture->avatars), ==, 3);
  {
    g_autoptr(GVariant) image = g_variant_lookup_value (notified (fixture, 4)->hints,
                                                        "image-data", NULL);

    g_assert_nonnull (image);
  }
}

/* Where the server offers inline reply, the text comes back as a message to send. */
static void
test_inline_reply (Fixture       *fixture,
                   G_GNUC_UNUSED gconstpointer user_data)
{
  gboolean timed_out = FALSE;
  guint id;

  message (fixture, "messaging:general", "bob", "coffee?", NULL);
  wait_notified (fixture, 1);
  g_assert_true (g_strv_contains ((const char * const *) notified (fixture, 0)->actions,
                                  "inline-reply"));
  fake_notifications_reply (fixture->server, notified (fixture, 0)->id, "on my way");
  id = g_timeout_add_seconds (WAIT_SECONDS, on_timeout, &timed_out);
  while (fixture->activated->len == 0 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_cmpuint (fixture->activated->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->activated, 0), ==,
                   "send-message ('messaging:general', 'on my way')");
}

/* The desktop's do-not-disturb is respected. */
static void
test_do_not_disturb (Fixture       *fixture,
                     G_GNUC_UNUSED gconstpointer user_data)
{
  message (fixture, "messaging:general", "bob", "quiet please", NULL);
  message (fixture, "messaging:general", "bob", "@alice even this",
           "\"mentioned_users\":[{\"id\":\"alice\"}]");
  /* libnotify calls Notify synchronously: had it been called, it would be recorded by now. */
  g_assert_cmpuint (n_notified (fixture), ==, 0);
}

/* Alice's reminder on a message of @author in @cid falls due. */
#define REMINDER_DUE(cid, message_id, author)                                                  \
  "{\"type\":\"notification.reminder_due\",\"cid\":\"" cid "\",\"message_id\":\"" message_id    \
  "\",\"reminder\":{\"message_id\":\"" message_id "\",\"channel_cid\":\"" cid "\","             \
  "\"user_id\":\"alice\",\"remind_at\":\"2026-11-28T10:00:00Z\","                               \
  "\"updated_at\":\"2026-11-28T09:00:00Z\"},\"message\":{\"id\":\"" message_id "\","            \
  "\"text\":\"Call <the> vet\",\"user\":{\"id\":\"" author "\",\"name\":\"" author " name\"}}}"

static gboolean
activated_one (Fixture *fixture)
{
  return fixture->activated->len >= 1;
}

/* A due reminder follows the policy (pause, muted channel, muted author, mode none), then shows
 * "Reminder: …" with Open and "Remind me in 1 hour", which asks the app to snooze it; moved
 * into the future on another device, it is withdrawn. */
static void
test_reminder_due (Fixture       *fixture,
                   G_GNUC_UNUSED gconstpointer user_data)
{
  gboolean timed_out = FALSE;
  Notified *due;
  guint id;

  add_action (fixture, "snooze-reminder", G_VARIANT_TYPE_STRING);
  add_action (fixture, "open-message", G_VARIANT_TYPE ("(ss)"));
  apply (fixture, TRUE, REMINDER_DUE ("messaging:muted", "r0", "bob"));
  apply (fixture, TRUE, REMINDER_DUE ("messaging:general", "r0", "count_dooku"));
  apply (fixture, FALSE, REMINDER_DUE ("messaging:general", "r0", "bob"));
  g_settings_set_string (fixture->settings, "notify-mode", "none");
  apply (fixture, TRUE, REMINDER_DUE ("messaging:general", "r0", "bob"));
  g_settings_set_string (fixture->settings, "notify-mode", "mentions");
  g_settings_set_int64 (fixture->settings, "notifications-paused-until",
                        g_get_real_time () / G_USEC_PER_SEC + 3600);
  apply (fixture, TRUE, REMINDER_DUE ("messaging:general", "r0", "bob"));
  g_settings_set_int64 (fixture->settings, "notifications-paused-until", 0);
  g_assert_cmpuint (n_notified (fixture), ==, 0);

  /* A reminder is the user's own doing: it passes in mentions mode. */
  apply (fixture, TRUE, REMINDER_DUE ("messaging:general", "r1", "bob"));
  wait_notified (fixture, 1);
  due = notified (fixture, 0);
  g_assert_cmpstr (due->summary, ==, "Reminder: Call <the> vet");
  g_assert_cmpstr (due->body, ==, "In #General, from bob name");
  g_assert_true (g_strv_contains ((const char * const *) due->actions, "default"));
  g_assert_true (g_strv_contains ((const char * const *) due->actions, "remind-later"));

  fake_notifications_invoke (fixture->server, due->id, "remind-later");
  id = g_timeout_add_seconds (WAIT_SECONDS, on_timeout, &timed_out);
  while (!activated_one (fixture) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_cmpuint (fixture->activated->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->activated, 0), ==, "snooze-reminder 'r1'");

  /* Open: the window at the reminder's message in its channel. */
  fake_notifications_invoke (fixture->server, due->id, "default");
  id = g_timeout_add_seconds (WAIT_SECONDS, on_timeout, &timed_out);
  while (!activated_two (fixture) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_cmpstr (g_ptr_array_index (fixture->activated, 1), ==,
                   "open-message ('messaging:general', 'r1')");

  /* Snoozed (here or elsewhere): an hour ahead, so the notification goes. */
  apply (fixture, TRUE, "{\"type\":\"reminder.updated\",\"cid\":\"messaging:general\","
         "\"reminder\":{\"message_id\":\"r1\",\"channel_cid\":\"messaging:general\","
         "\"user_id\":\"alice\",\"remind_at\":\"2999-01-01T00:00:00Z\","
         "\"updated_at\":\"2026-11-28T10:00:01Z\"}}");
  wait_closed_one (fixture);
  g_assert_cmpuint (g_array_index (fixture->server->closed, guint32, 0), ==, due->id);
}

/* Two reminders due at once in one channel: the second shows no sooner than 2 s after the
 * first, as messages do. */
static void
test_reminders_one_per_channel (Fixture       *fixture,
                                G_GNUC_UNUSED gconstpointer user_data)
{
  gint64 start = g_get_monotonic_time ();

  apply (fixture, TRUE, REMINDER_DUE ("messaging:general", "r1", "bob"));
  apply (fixture, TRUE, REMINDER_DUE ("messaging:general", "r2", "bob"));
  apply (fixture, TRUE, REMINDER_DUE ("messaging:c1", "r3", "bob"));
  wait_notified (fixture, 2);
  g_assert_cmpuint (n_notified (fixture), ==, 2);
  wait_notified (fixture, 3);
  g_assert_cmpint (notified (fixture, 2)->received_at - start, >=,
                   (STRAY_NOTIFIER_INTERVAL_MS - 100) * 1000);
  g_assert_cmpint (notified (fixture, 1)->received_at - start, <,
                   (STRAY_NOTIFIER_INTERVAL_MS - 100) * 1000);
}

#define UNREAD_REMINDER(count, channels) \
  "{\"type\":\"user.unread_message_reminder\",\"user\":{\"id\":\"alice\"}," \
  "\"total_unread_count\":" count ",\"channels\":{" channels "}}"

/* Stream's unread reminders: one quiet summary, replaced in place; muted channels don't count. */
static void
test_unread_reminder (Fixture       *fixture,
                      G_GNUC_UNUSED gconstpointer user_data)
{
  Notified *first, *second;
  guint8 urgency = 1;
  gboolean suppress = FALSE;

  apply (fixture, TRUE, UNREAD_REMINDER ("2", "\"messaging:muted\":{}"));
  g_assert_cmpuint (n_notified (fixture), ==, 0);
  apply (fixture, TRUE, UNREAD_REMINDER ("3", "\"messaging:general\":{},\"messaging:c1\":{},"
                                              "\"messaging:muted\":{}"));
  apply (fixture, TRUE, UNREAD_REMINDER ("5", "\"messaging:general\":{},\"messaging:c1\":{},"
                                              "\"messaging:c2\":{}"));
  wait_notified (fixture, 2);
  first = notified (fixture, 0);
  second = notified (fixture, 1);
  g_assert_cmpstr (first->body, ==, "You have 3 unread messages in 2 channels");
  g_assert_cmpstr (second->body, ==, "You have 5 unread messages in 3 channels");
  g_assert_cmpuint (second->replaces_id, ==, first->id);
  g_assert_true (g_variant_lookup (second->hints, "urgency", "y", &urgency));
  g_assert_cmpuint (urgency, ==, 0);
  g_assert_true (g_variant_lookup (second->hints, "suppress-sound", "b", &suppress));
  g_assert_true (suppress);
}

/* Every kind shares its channel's interval: a thread's reply and a due reminder right after a
 * message in the same channel wait for it, one after the other; another channel's does not. */
static void
test_kinds_share_interval (Fixture       *fixture,
                           G_GNUC_UNUSED gconstpointer user_data)
{
  message (fixture, "messaging:general", "bob", "in the channel", NULL);
  thread_reply (fixture, "messaging:general", "p1", "in a thread");
  apply (fixture, TRUE, REMINDER_DUE ("messaging:general", "r1", "bob"));
  message (fixture, "messaging:c1", "bob", "elsewhere", NULL);
  wait_notified (fixture, 4);
  g_assert_cmpstr (notified (fixture, 0)->body, ==, "bob name: in the channel");
  g_assert_cmpstr (notified (fixture, 1)->body, ==, "bob name: elsewhere");
  g_assert_cmpint (notified (fixture, 1)->received_at - notified (fixture, 0)->received_at, <,
                   (STRAY_NOTIFIER_INTERVAL_MS - 100) * 1000);
  for (guint i = 2; i < 4; i++)
    g_assert_cmpint (notified (fixture, i)->received_at - notified (fixture, i - 1)->received_at,
                     >=, (STRAY_NOTIFIER_INTERVAL_MS - 100) * 1000);
  g_assert_true (g_str_has_prefix (notified (fixture, 2)->body, "Reply in thread: ") ||
                 g_str_has_prefix (notified (fixture, 3)->body, "Reply in thread: "));
}

/* Replies in threads take part in a storm as messages do: one summary counts them, and the
 * thread notifications already shown go with the channels' ones; a picture sent alone in a
 * thread is named. */
static void
test_thread_storm (Fixture       *fixture,
                   G_GNUC_UNUSED gconstpointer user_data)
{
  Notified *last;

  apply (fixture, TRUE,
         "{\"type\":\"notification.thread_message_new\",\"cid\":\"messaging:c0\",\"message\":{"
         "\"id\":\"tp\",\"text\":\"\",\"parent_id\":\"p0\",\"user\":{\"id\":\"bob\","
         "\"name\":\"Bob\"},\"attachments\":[{\"type\":\"image\"}]}}");
  wait_notified (fixture, 1);
  g_assert_cmpstr (notified (fixture, 0)->body, ==, "Reply in thread: Bob: sent a photo");
  for (guint i = 1; i < 8; i++)
    {
      g_autofree char *cid = g_strdup_printf ("messaging:c%u", i);

      if (i % 2 == 0)
        message (fixture, cid, "bob", "busy", NULL);
      else
        thread_reply (fixture, cid, "p", "busy");
    }
  wait_notified (fixture, STRAY_NOTIFIER_SUMMARY_AFTER + 1);
  last = notified (fixture, STRAY_NOTIFIER_SUMMARY_AFTER);
  g_assert_cmpstr (last->summary, ==, "Stream Tray");
  g_assert_true (g_str_has_suffix (last->body, "in 6 channels"));
  /* The thread notifications shown before the storm went with it. */
  g_mutex_lock (&fixture->server->lock);
  for (guint i = 0; i < STRAY_NOTIFIER_SUMMARY_AFTER; i++)
    {
      gboolean closed = FALSE;

      for (guint j = 0; j < fixture->server->closed->len; j++)
        closed = closed || g_array_index (fixture->server->closed, guint32, j) ==
                           ((Notified *) g_ptr_array_index (fixture->server->notified, i))->id;
      g_assert_true (closed);
    }
  g_mutex_unlock (&fixture->server->lock);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, data, func) \
  g_test_add ("/stray/notifier/" path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  ADD ("first-message", NULL, test_first_message);
  ADD ("hostile-markup", NULL, test_hostile_markup);
  ADD ("attachment-only", NULL, test_attachment_only);
  ADD ("policy", NULL, test_policy);
  ADD ("one-per-channel", NULL, test_one_per_channel);
  ADD ("threads", NULL, test_threads);
  ADD ("withdrawn-on-read", NULL, test_withdrawn_on_read);
  ADD ("burst", NULL, test_burst);
  ADD ("actions", NULL, test_actions);
  ADD ("avatars", NULL, test_avatars);
  ADD ("inline-reply", GINT_TO_POINTER (FAKE_NOTIFICATIONS_INLINE_REPLY), test_inline_reply);
  ADD ("do-not-disturb", GINT_TO_POINTER (FAKE_NOTIFICATIONS_INHIBITED), test_do_not_disturb);
  ADD ("invites-and-additions", NULL, test_invites_and_additions);
  ADD ("reminder-due", NULL, test_reminder_due);
  ADD ("reminder-due/one-per-channel", NULL, test_reminders_one_per_channel);
  ADD ("kinds-share-interval", NULL, test_kinds_share_interval);
  ADD ("thread-storm", NULL, test_thread_storm);
  ADD ("unread-reminder", NULL, test_unread_reminder);

#undef ADD

  return g_test_run ();
}
