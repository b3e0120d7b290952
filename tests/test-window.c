/* test-window.c: the channel-list window against the devserver, on a display under Xvfb
 *
 * One daemon (StrayApplication) for the whole run, as a user has: first without an account
 * (the setup page, a refused token, then a good one), then the list, search, reading a channel,
 * replying, and opening and closing the window many times. The window is linked in and handed
 * to the application as its module would be. Screenshots of each state go to
 * $STRAY_TEST_LOG_DIR.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <gtk/gtk.h>
#include <libsecret/secret.h>
#include <string.h>

#include "fake-notifications.h"
#include "stray-account.h"
#include "stray-application.h"
#include "stray-environment.h"
#include "stray-channel-list.h"
#include "stray-channel-row.h"
#include "stray-channel-view.h"
#include "stray-connection.h"
#include "stray-dev-scenario.h"
#include "stray-devserver.h"
#include "stray-jwt.h"
#include "stray-dev-store.h"
#include "stray-message-menu.h"
#include "stray-message-row.h"
#include "stray-preferences-window.h"
#include "stray-setup-page.h"
#include "stray-signed-tokens.h"
#include "stray-thread-view.h"
#include "stray-ui.h"
#include "stray-ui-test.h"
#include "stray-window.h"

#define API_KEY "window-test-key"
#define SECRET "window-test-secret"

static StrayDevserver *server;
static StrayApplication *application;
static Server *notifications; /* the desktop's, faked: what the daemon shows there */

static StrayWindow *
window (void)
{
  GtkWindow *window = stray_ui_get_window ();

  g_assert_nonnull (window);
  return STRAY_WINDOW (window);
}

static char *
sign (const char *secret,
      const char *user_id)
{
  return stray_jwt_sign_user (secret, user_id, 0);
}

/* ---- the server's side ---- */

static void
post (const char *cid,
      const char *user_id,
      const char *text)
{
  g_autoptr(JsonObject) message = json_object_new ();
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (message, "text", text);
  g_assert_nonnull (stray_devserver_send_message (server, cid, user_id, message, &error));
  g_assert_no_error (error);
}

static void
create_channel (const char *id,
                const char *name)
{
  const char * const members[] = { STRAY_DEV_SCENARIO_USER, "bob", NULL };
  g_autoptr(JsonObject) data = json_object_new ();
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (data, "name", name);
  g_assert_true (stray_devserver_create_channel (server, "messaging", id, "bob", members, data,
                                                 &error));
  g_assert_no_error (error);
}

static StrayChannel *
channel (const char *cid)
{
  return stray_channel_list_lookup (
    stray_session_get_channels (stray_application_get_session (application)), cid);
}

static gboolean
is_connected (G_GNUC_UNUSED gconstpointer data)
{
  return stray_session_get_connection_state (stray_application_get_session (application)) ==
         STRAY_CONNECTION_CONNECTED;
}

static gboolean
has_channels (gconstpointer data)
{
  return g_list_model_get_n_items (G_LIST_MODEL (stray_session_get_channels (
           stray_application_get_session (application)))) == GPOINTER_TO_UINT (data);
}

/* ---- tests ---- */

static void
test_setup_refused (void)
{
  g_autofree char *bad = sign ("not-the-secret", STRAY_DEV_SCENARIO_USER);
  StraySetupPage *page;

  stray_application_show_window (application, STRAY_WINDOW_PRESENT, NULL);
  stray_test_wait_for_text ("Connect your Stream Chat account");
  stray_test_wait_for_text ("No account set up");
  stray_test_save_screenshot ("window-setup.png");

  page = stray_test_find_child (GTK_WIDGET (window ()), STRAY_TYPE_SETUP_PAGE);
  stray_setup_page_fill (page, stray_devserver_get_base_url (server), API_KEY,
                         STRAY_DEV_SCENARIO_USER, bad, "");
  stray_setup_page_connect (page);
  /* Stream's own words for a token signed with another secret. */
  stray_test_wait_for_text ("signature");
  stray_test_save_screenshot ("window-setup-error.png");
  g_assert_nonnull (stray_setup_page_get_error (page));
  g_assert_false (stray_account_is_configured (stray_application_get_account (application)));
}

/* Read as the app reads it: a search loading the secret (secret_password_lookup_sync() leaks
 * its reply in libsecret 0.20.5). */
static char *
stored_token (GError **error)
{
  g_autoptr(GHashTable) attributes =
    secret_attributes_build (stray_account_get_token_schema (),
                             "server", stray_devserver_get_base_url (server),
                             "api-key", API_KEY,
                             "user-id", STRAY_DEV_SCENARIO_USER, NULL);
  GList *items = secret_service_search_sync (NULL, stray_account_get_token_schema (), attributes,
                                             SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS,
                                             NULL, error);
  SecretValue *value = items != NULL ? secret_item_get_secret (items->data) : NULL;
  char *token = value != NULL ? g_strdup (secret_value_get_text (value)) : NULL;

  g_clear_pointer (&value, secret_value_unref);
  g_list_free_full (items, g_object_unref);
  return token;
}

static void
test_setup_connects (void)
{
  g_autofree char *token = sign (SECRET, STRAY_DEV_SCENARIO_USER);
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;
  StraySetupPage *page = stray_test_find_child (GTK_WIDGET (window ()), STRAY_TYPE_SETUP_PAGE);

  stray_setup_page_fill (page, stray_devserver_get_base_url (server), API_KEY,
                         STRAY_DEV_SCENARIO_USER, token, "");
  stray_setup_page_connect (page);
  stray_test_wait_for (is_connected, NULL, "the connection with the new account");
  stray_test_wait_for (has_channels, GUINT_TO_POINTER (3), "the account's three channels");

  /* The token is in the keyring, where the account reads it. */
  stored = stored_token (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored, ==, token);
}

static void
test_list (void)
{
  GListModel *visible = stray_window_get_visible_channels (window ());
  g_autoptr(StrayChannel) first = NULL;
  g_autofree char *text = NULL;

  /* Newest first, with the server's counts, as a user reads them. */
  stray_test_wait_for_text ("3 unread messages");
  stray_test_wait_for_text ("Design");
  g_assert_cmpuint (g_list_model_get_n_items (visible), ==, 3);
  first = g_list_model_get_item (visible, 0);
  g_assert_cmpstr (stray_channel_get_cid (first), ==, "messaging:design");
  text = stray_test_screen_text (window ());
  g_test_message ("list: %s", text);
  g_assert_nonnull (strstr (text, "Design | now | bob: Reviews at three | 1"));
  g_assert_nonnull (strstr (text, "General | now | bob: Second | 2"));
  g_assert_nonnull (strstr (text, "Random | now | alice: Mine"));
  /* Order on screen: Design above General above Random. */
  g_assert_true (strstr (text, "Design") < strstr (text, "General"));
  g_assert_true (strstr (text, "General") < strstr (text, "Random"));
  stray_test_save_screenshot ("window-list.png");
}

static gboolean
n_visible_is (gconstpointer data)
{
  return g_list_model_get_n_items (stray_window_get_visible_channels (window ())) ==
         GPOINTER_TO_UINT (data);
}

static void
test_search (void)
{
  g_autofree char *text = NULL;

  stray_window_set_search (window (), "GEN");
  stray_test_wait_for (n_visible_is, GUINT_TO_POINTER (1), "one channel matching “GEN”");
  stray_test_wait_for_text ("General");
  text = stray_test_screen_text (window ());
  g_assert_null (strstr (text, "Design"));
  g_assert_null (strstr (text, "Random"));

  stray_window_set_search (window (), "nothing like it");
  stray_test_wait_for_text ("No channel matches “nothing like it”");

  stray_window_set_search (window (), NULL);
  stray_test_wait_for (n_visible_is, GUINT_TO_POINTER (3), "all channels after the search");
}

static gboolean
is_read (gconstpointer cid)
{
  return stray_channel_get_unread_count (channel (cid)) == 0;
}

static gboolean
window_is_active (G_GNUC_UNUSED gconstpointer data)
{
  return gtk_window_is_active (GTK_WINDOW (window ()));
}

static void
test_select_marks_read (void)
{
  gint64 shown_at;

  g_assert_cmpuint (stray_channel_get_unread_count (channel ("messaging:general")), ==, 2);
  stray_test_wait_for (window_is_active, NULL, "the window to have focus");
  stray_application_show_window (application, STRAY_WINDOW_PRESENT, "messaging:general");
  shown_at = g_get_monotonic_time ();
  g_assert_cmpstr (stray_window_get_shown_channel (window ()), ==, "messaging:general");
  stray_test_wait_for_text ("Hello");
  stray_test_wait_for_text ("Second");
  stray_test_save_screenshot ("window-channel.png");

  /* Read on the server: its message.read comes back and zeroes the count. */
  stray_test_wait_for (is_read, "messaging:general", "General to be marked read on the server");
  g_assert_cmpint (g_get_monotonic_time () - shown_at, >=,
                   (STRAY_WINDOW_READ_DELAY_MS - 100) * 1000);
  g_assert_cmpuint (stray_channel_get_unread_count (channel ("messaging:design")), ==, 1);
}

typedef struct {
  guint n_typing_start;
  guint n_typing_stop;
} Typing;

static void
on_bob_event (G_GNUC_UNUSED StrayConnection *connection,
              const StrayEvent              *event,
              G_GNUC_UNUSED gboolean         live,
              Typing                        *typing)
{
  if (event->user == NULL || g_strcmp0 (event->user->id, STRAY_DEV_SCENARIO_USER) != 0 ||
      g_strcmp0 (event->cid, "messaging:general") != 0)
    return;
  if (event->type == STRAY_EVENT_TYPING_START)
    typing->n_typing_start++;
  else if (event->type == STRAY_EVENT_TYPING_STOP)
    typing->n_typing_stop++;
}

static gboolean
bob_saw_typing (gconstpointer data)
{
  const Typing *typing = data;

  return typing->n_typing_start > 0;
}

static gboolean
bob_saw_stop (gconstpointer data)
{
  const Typing *typing = data;

  return typing->n_typing_stop > 0;
}

static gboolean
last_message_is (gconstpointer text)
{
  StrayMessagePreview *preview = NULL;
  gboolean is;

  g_object_get (channel ("messaging:general"), "last-message", &preview, NULL);
  is = preview != NULL && g_strcmp0 (preview->text, text) == 0;
  g_clear_pointer (&preview, stray_message_preview_unref);
  return is;
}

static gboolean
session_is_connected (gconstpointer session)
{
  return stray_session_get_connection_state ((StraySession *) session) ==
         STRAY_CONNECTION_CONNECTED;
}

static gboolean
session_has_general (gconstpointer session)
{
  return stray_channel_list_lookup (stray_session_get_channels ((StraySession *) session),
                                    "messaging:general") != NULL;
}

static void call_as_alice (const char *path,
                           const char *body_json);

static guint
count_on_server (const char *cid,
                 const char *text)
{
  g_autoptr(JsonObject) state =
    stray_dev_store_channel_state (stray_devserver_get_store (server), cid,
                                   STRAY_DEV_SCENARIO_USER, 100, NULL, 0);
  JsonArray *messages = json_object_get_array_member (state, "messages");
  guint count = 0;

  for (guint i = 0; i < json_array_get_length (messages); i++)
    count += g_strcmp0 (json_object_get_string_member (json_array_get_object_element (messages,
                                                                                     i),
                                                       "text"), text) == 0;
  return count;
}

static void
test_reply (void)
{
  g_autoptr(StraySession) bob_session = stray_session_new ();
  g_autoptr(StraySignedTokens) bob_tokens = stray_signed_tokens_new (SECRET, "bob", 0);
  g_autoptr(StrayClient) bob_client = stray_client_new (stray_devserver_get_base_url (server),
                                                        API_KEY, "bob",
                                                        STRAY_TOKEN_PROVIDER (bob_tokens));
  g_autoptr(StrayConnection) bob = stray_connection_new (bob_session, bob_client);
  StrayChannelView *view = stray_test_find_child (GTK_WIDGET (window ()), STRAY_TYPE_CHANNEL_VIEW);
  GtkEntry *entry = stray_test_find_child (GTK_WIDGET (view), GTK_TYPE_ENTRY);
  const char *reply = "On my way <b>now</b> & then";
  Typing typing = { 0 };

  /* Bob watches the channel, to see alice typing. */
  g_signal_connect (bob, "event", G_CALLBACK (on_bob_event), &typing);
  stray_connection_start (bob);
  stray_test_wait_for (session_is_connected, bob_session, "bob's connection");
  stray_test_wait_for (session_has_general, bob_session, "bob's resync, which watches his channels");

  gtk_editable_set_text (GTK_EDITABLE (entry), reply);
  stray_test_wait_for (bob_saw_typing, &typing, "bob to see alice typing");
  /* Enter twice, as on a slow network: one message. */
  g_signal_emit_by_name (entry, "activate");
  g_signal_emit_by_name (entry, "activate");
  stray_test_wait_for (last_message_is, reply, "the reply to arrive on the server and come back");
  stray_test_wait_for (bob_saw_stop, &typing, "typing to stop once the reply is sent");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  /* Shown as typed, markup and all; and on the server once, after another call's round trip
   * that a second send would have preceded. */
  stray_test_wait_for_text (reply);
  call_as_alice ("/channels/messaging/general/read", "{}");
  g_assert_cmpuint (count_on_server ("messaging:general", reply), ==, 1);
  stray_connection_stop (bob);
}

static gsize
rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "VmRSS:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("VmRSS:"), NULL, 10);
}

static gboolean
window_is_gone (G_GNUC_UNUSED gconstpointer data)
{
  return stray_ui_get_window () == NULL;
}

static gboolean
window_is_mapped (G_GNUC_UNUSED gconstpointer data)
{
  return stray_ui_get_window () != NULL && gtk_widget_get_mapped (GTK_WIDGET (window ()));
}

static void
open_and_close (void)
{
  stray_application_show_window (application, STRAY_WINDOW_PRESENT, "messaging:general");
  stray_test_wait_for (window_is_mapped, NULL, "the window to show");
  stray_test_wait_for_text ("Second");
  gtk_window_close (GTK_WINDOW (window ()));
  stray_test_wait_for (window_is_gone, NULL, "the window to go");
}

static void
test_open_close (void)
{
  gsize before, after;

  /* Closing destroys the window; the daemon keeps running with its model. */
  gtk_window_close (GTK_WINDOW (window ()));
  stray_test_wait_for (window_is_gone, NULL, "the window to go");
  g_assert_true (is_connected (NULL));

  /* The first rounds fill GTK's caches (fonts, icons, textures) once. */
  for (guint i = 0; i < 5; i++)
    open_and_close ();
  before = rss_kb ();
  for (guint i = 0; i < 50; i++)
    open_and_close ();
  after = rss_kb ();
  g_test_message ("RSS before 50 openings: %zu kB, after: %zu kB", before, after);
#ifdef __SANITIZE_ADDRESS__
  /* AddressSanitizer keeps freed memory in quarantine, so RSS says nothing here; what the 50
   * windows leave behind is LeakSanitizer's to find at exit. */
  (void) after;
#else
  g_assert_cmpuint (after, <, before + 5 * 1024);
#endif
}

static void
test_open_channel_action (void)
{
  stray_application_show_window (application, STRAY_WINDOW_PRESENT, NULL);
  stray_test_wait_for (window_is_mapped, NULL, "the window to show");
  gtk_widget_activate_action (GTK_WIDGET (window ()), "app.toggle-window", NULL);
  /* The toggle closes a focused window and opens an unfocused one. */
  if (stray_ui_get_window () != NULL)
    g_assert_false (gtk_window_is_active (GTK_WINDOW (window ())));
  stray_application_show_window (application, STRAY_WINDOW_PRESENT, "messaging:general");
  stray_test_wait_for (window_is_active, NULL, "the window to have focus");
  g_assert_cmpstr (stray_window_get_shown_channel (window ()), ==, "messaging:general");
  /* The action the notifications' click uses, on an open window. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "app.open-channel", "s",
                                             "messaging:random"));
  stray_test_wait_for_text ("Anyone?");
  g_assert_cmpstr (stray_window_get_shown_channel (window ()), ==, "messaging:random");
}

static gboolean
search_has_focus (G_GNUC_UNUSED gconstpointer data)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window ()));

  return focus != NULL && gtk_widget_get_ancestor (focus, GTK_TYPE_SEARCH_ENTRY) != NULL;
}

static gboolean
title_is (gconstpointer title)
{
  return stray_ui_get_window () != NULL &&
         g_strcmp0 (gtk_window_get_title (stray_ui_get_window ()), title) == 0;
}

/* The keys' actions: Escape (win.back), Ctrl+F (win.search), Enter on a row
 * (list.activate-item). */
static void
test_keyboard (void)
{
  GtkWidget *list;

  stray_application_show_window (application, STRAY_WINDOW_PRESENT, "messaging:design");
  stray_test_wait_for (window_is_mapped, NULL, "the window to show");
  stray_test_wait_for (title_is, "Design — Stream Tray", "the title to name the channel");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "win.back", NULL));
  g_assert_null (stray_window_get_shown_channel (window ()));
  stray_test_wait_for (title_is, "Stream Tray", "the title without a channel");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "win.search", NULL));
  stray_test_wait_for (search_has_focus, NULL, "the search entry to have the focus");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "win.back", NULL));
  g_assert_false (gtk_search_bar_get_search_mode (stray_test_find_child (GTK_WIDGET (window ()),
                                                              GTK_TYPE_SEARCH_BAR)));
  g_assert_false (search_has_focus (NULL));

  /* Enter on the first row opens the newest channel. */
  list = stray_test_find_child (GTK_WIDGET (window ()), GTK_TYPE_LIST_VIEW);
  g_assert_true (gtk_widget_activate_action (list, "list.activate-item", "u", 0));
  g_assert_nonnull (stray_window_get_shown_channel (window ()));

  /* Escape twice: back to the list, then the window closes. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "win.back", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "win.back", NULL));
  stray_test_wait_for (window_is_gone, NULL, "Escape to close the window");
}

/* ---- the conversation view ---- */

static StrayMessage *
message_at (const char *id,
            const char *user_id,
            const char *text,
            gint64      created_at_us)
{
  return stray_message_new (id, user_id, user_id, text, created_at_us, FALSE);
}

static void
append_owned (GListStore   *messages,
              StrayMessage *message)
{
  g_list_store_append (messages, message);
  g_object_unref (message);
}

static GtkListBoxRow *
message_row (GtkListBox *list,
             int         index)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (list, index);

  g_assert_true (STRAY_IS_MESSAGE_ROW (row));
  return row;
}

static const char *
row_header (GtkListBox *list,
            int         index)
{
  GtkWidget *header = gtk_list_box_row_get_header (message_row (list, index));

  return header != NULL ? gtk_label_get_text (GTK_LABEL (header)) : NULL;
}

static gboolean
row_grouped (GtkListBox *list,
             int         index)
{
  return stray_message_row_get_grouped (STRAY_MESSAGE_ROW (message_row (list, index)));
}

static gboolean
is_label_starting (GtkWidget     *widget,
                   gconstpointer  text)
{
  return GTK_IS_LABEL (widget) && g_str_has_prefix (gtk_label_get_text (GTK_LABEL (widget)), text);
}

/* Grouping, days, edits, deletions, attachments and links, as they show. The messages are put
 * in the view's list as the channel's own would come: their days and times are the test's. */
static void
test_conversation (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) midnight = g_date_time_new_local (g_date_time_get_year (now),
                                                         g_date_time_get_month (now),
                                                         g_date_time_get_day_of_month (now),
                                                         0, 0, 0);
  gint64 today = g_date_time_to_unix (midnight) * G_USEC_PER_SEC;
  gint64 yesterday = today - G_GINT64_CONSTANT (12) * 3600 * G_USEC_PER_SEC;
  gint64 minute = G_GINT64_CONSTANT (60) * G_USEC_PER_SEC;
  g_autoptr(GDateTime) old = g_date_time_add_days (midnight, -3);
  g_autofree char *old_day = g_date_time_format (old, "%x");
  StrayChannelView *view;
  GListStore *messages;
  GtkListBox *list;
  GtkLabel *link_label, *scheme_label;
  StrayMessage *message;
  gboolean handled = FALSE;

  stray_application_show_window (application, STRAY_WINDOW_PRESENT, "messaging:random");
  stray_test_wait_for (window_is_mapped, NULL, "the window to show");
  stray_test_wait_for_text ("Anyone?");
  view = stray_test_find_child (GTK_WIDGET (window ()), STRAY_TYPE_CHANNEL_VIEW);
  list = stray_test_find_child (GTK_WIDGET (view), GTK_TYPE_LIST_BOX);
  messages = G_LIST_STORE (stray_channel_view_get_messages (view));
  g_list_store_remove_all (messages);

  message = message_at ("old", "bob", "Old news", g_date_time_to_unix (old) * G_USEC_PER_SEC);
  append_owned (messages, message);
  message = message_at ("lunch", "bob", "Lunch at noon? https://example.com/menu?day=1&veg.",
                        yesterday);
  append_owned (messages, message);
  message = message_at ("schemes", "bob",
                        "ftp://files.example.com javascript:alert(1) http://", yesterday + minute);
  append_owned (messages, message);
  /* Six minutes after the last: a new burst. */
  message = message_at ("late", "bob", "Late", yesterday + 7 * minute);
  append_owned (messages, message);
  message = message_at ("morning", STRAY_DEV_SCENARIO_USER, "Morning", today + minute);
  append_owned (messages, message);
  message = message_at ("typo", "bob", "Fixed the typo", today + 2 * minute);
  stray_message_set_edited (message, TRUE);
  append_owned (messages, message);
  message = stray_message_new ("gone", "bob", "bob", "", today + 3 * minute, TRUE);
  append_owned (messages, message);
  message = message_at ("files", "bob", "", today + 4 * minute);
  stray_message_add_attachment (message, "file", "report.pdf");
  stray_message_add_attachment (message, "image", "beach.jpg");
  append_owned (messages, message);

  stray_test_wait_for_text ("report.pdf");
  /* A day's name before its first message; a burst under one name. */
  g_assert_cmpstr (row_header (list, 0), ==, old_day);
  g_assert_false (row_grouped (list, 0));
  g_assert_cmpstr (row_header (list, 1), ==, "Yesterday");
  g_assert_false (row_grouped (list, 1));
  g_assert_null (row_header (list, 2));
  g_assert_true (row_grouped (list, 2));
  g_assert_null (row_header (list, 3));
  g_assert_false (row_grouped (list, 3));
  g_assert_cmpstr (row_header (list, 4), ==, "Today");
  g_assert_false (row_grouped (list, 4));
  g_assert_null (row_header (list, 5));
  g_assert_false (row_grouped (list, 5));
  g_assert_true (row_grouped (list, 6));
  g_assert_true (row_grouped (list, 7));
  /* A burst shows its author's name once. */
  g_assert_true (gtk_widget_is_visible (stray_test_find (GTK_WIDGET (message_row (list, 1)),
                                                         is_label_starting, "bob")));
  g_assert_false (gtk_widget_is_visible (stray_test_find (GTK_WIDGET (message_row (list, 2)),
                                                          is_label_starting, "bob")));

  g_assert_true (stray_test_screen_shows ("Fixed the typo (edited)"));
  g_assert_true (stray_test_screen_shows ("Message deleted"));
  g_assert_true (stray_test_screen_shows ("report.pdf"));
  g_assert_true (stray_test_screen_shows ("sent a photo"));

  /* Links: http and https only, without the sentence's full stop. */
  link_label = stray_test_find (GTK_WIDGET (list), is_label_starting, "Lunch at noon?");
  g_assert_nonnull (strstr (gtk_label_get_label (link_label),
                            "<a href=\"https://example.com/menu?day=1&amp;veg\">"));
  scheme_label = stray_test_find (GTK_WIDGET (list), is_label_starting, "ftp://");
  g_assert_null (strstr (gtk_label_get_label (scheme_label), "<a "));
  /* Whatever a label is made to hold, a click opens only the web. */
  g_signal_emit_by_name (scheme_label, "activate-link", "file:///etc/passwd", &handled);
  g_assert_true (handled);

  stray_test_save_screenshot ("window-conversation.png");
}

static void on_called (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data);

static const char *
last_shown_id (StrayChannelView *view)
{
  GListModel *messages = stray_channel_view_get_messages (view);
  g_autoptr(StrayMessage) last = g_list_model_get_item (messages,
                                                        g_list_model_get_n_items (messages) - 1);

  /* The view keeps its messages while the channel is on screen. */
  return stray_message_get_id (last);
}

static gboolean
is_picture (GtkWidget                   *widget,
            G_GNUC_UNUSED gconstpointer  data)
{
  return GTK_IS_PICTURE (widget) && gtk_picture_get_paintable (GTK_PICTURE (widget)) != NULL;
}

static gboolean
is_message_row_with_text (GtkWidget     *widget,
                          gconstpointer  text)
{
  return STRAY_IS_MESSAGE_ROW (widget) &&
         g_strcmp0 (stray_message_get_text (stray_message_row_get_message (
                      STRAY_MESSAGE_ROW (widget))), text) == 0;
}

/* The message row whose text is @text shows its author's picture. */
static gboolean
message_row_has_picture (gconstpointer text)
{
  GtkWidget *row = stray_test_find (GTK_WIDGET (window ()), is_message_row_with_text, text);

  return row != NULL && stray_test_find (row, is_picture, NULL) != NULL;
}

static void
call_as_bob_file (void)
{
  g_autoptr(JsonNode) sent = json_from_string (
    "{\"attachments\":[{\"type\":\"file\",\"title\":\"budget.xlsx\","
    "\"asset_url\":\"https://files.example.com/budget.xlsx\"}]}", NULL);
  g_autoptr(GError) error = NULL;

  stray_devserver_send_message (server, "messaging:design", "bob", json_node_get_object (sent),
                                &error);
  g_assert_no_error (error);
}

/* The same, end to end: what the server holds (an edit, attachments) through the channel
 * query, and an edit and a deletion on the server while the channel is on screen. */
static void
test_conversation_from_server (void)
{
  g_autoptr(JsonNode) sent = json_from_string (
    "{\"text\":\"The numbers\",\"attachments\":[{\"type\":\"file\",\"title\":\"q3.pdf\","
    "\"asset_url\":\"https://files.example.com/q3.pdf\"},{\"type\":\"image\","
    "\"fallback\":\"chart.png\",\"image_url\":\"https://files.example.com/chart.png\"}]}", NULL);
  JsonObject *message; /* the server's */
  g_autoptr(JsonObject) edit = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  StrayChannelView *view;
  gboolean done = FALSE;

  message = stray_devserver_send_message (server, "messaging:design", "bob",
                                          json_node_get_object (sent), &error);
  g_assert_no_error (error);
  json_object_set_string_member (edit, "text", "The final numbers");
  g_assert_nonnull (stray_dev_store_update_message (stray_devserver_get_store (server),
                                                    json_object_get_string_member (message, "id"),
                                                    edit, &error));
  g_assert_no_error (error);

  /* Bob has a picture, served by the devserver as the demo's are. */
  {
    g_autoptr(JsonObject) bob = json_object_new ();
    g_autofree char *image = g_strdup_printf ("%s/_dev/avatars/bob.png",
                                              stray_devserver_get_base_url (server));

    json_object_set_string_member (bob, "id", "bob");
    json_object_set_string_member (bob, "image", image);
    stray_dev_store_upsert_user (stray_devserver_get_store (server), bob, NULL);
  }

  stray_application_show_window (application, STRAY_WINDOW_PRESENT, "messaging:design");
  stray_test_wait_for (window_is_mapped, NULL, "the window to show");
  stray_test_wait_for_text ("The final numbers (edited)");
  g_assert_true (stray_test_screen_shows ("q3.pdf | sent a photo"));
  /* His picture in place of his initial. */
  stray_test_wait_for (message_row_has_picture, "The final numbers", "Bob's picture");

  /* Alice's own message, edited and then deleted from another device after Bob's file came:
   * not the channel's last message any more, it changes on screen all the same. A file sent
   * while the channel is on screen is named, not an empty line. */
  call_as_alice ("/channels/messaging/design/message", "{\"message\":{\"text\":\"Tpyo\"}}");
  stray_test_wait_for_text ("Tpyo");
  view = stray_test_find_child (GTK_WIDGET (window ()), STRAY_TYPE_CHANNEL_VIEW);
  path = g_strdup_printf ("/messages/%s", last_shown_id (view));
  call_as_bob_file ();
  stray_test_wait_for_text ("budget.xlsx");
  call_as_alice (path, "{\"message\":{\"text\":\"Typo\"}}");
  stray_test_wait_for_text ("Typo (edited)");
  stray_client_call_async (stray_application_get_client (application), "DELETE", path, NULL,
                           NULL, on_called, &done);
  stray_test_wait_for (stray_test_flag_is_set, &done, path);
  stray_test_wait_for_text ("Message deleted");
  g_assert_false (stray_test_screen_shows ("Typo"));
  g_assert_true (stray_test_screen_shows ("budget.xlsx"));
  stray_test_save_screenshot ("window-conversation-server.png");
  gtk_window_close (GTK_WINDOW (window ()));
  stray_test_wait_for (window_is_gone, NULL, "the window to go");
}

static GtkShortcut *
find_shortcut (GtkWidget  *widget,
               const char *accelerator)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  g_autoptr(GtkShortcutTrigger) wanted = gtk_shortcut_trigger_parse_string (accelerator);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);

          if (gtk_shortcut_trigger_equal (gtk_shortcut_get_trigger (shortcut), wanted))
            return g_steal_pointer (&shortcut);
        }
    }
  return NULL;
}

/* What the key does when pressed: its shortcut's action, run on the window. */
static void
press (const char *accelerator)
{
  g_autoptr(GtkShortcut) shortcut = find_shortcut (GTK_WIDGET (window ()), accelerator);

  g_assert_nonnull (shortcut);
  g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0,
                                               GTK_WIDGET (window ()),
                                               gtk_shortcut_get_arguments (shortcut)));
}

static GtkWindow *
shortcuts_window (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) toplevel = g_list_model_get_item (toplevels, i);

      if (GTK_IS_SHORTCUTS_WINDOW (toplevel) && gtk_widget_get_mapped (GTK_WIDGET (toplevel)))
        return GTK_WINDOW (toplevel);
    }
  return NULL;
}

static gboolean
has_shortcuts_window (G_GNUC_UNUSED gconstpointer data)
{
  return shortcuts_window () != NULL;
}

static gboolean
has_no_shortcuts_window (gconstpointer data)
{
  return !has_shortcuts_window (data);
}

/* F1 and Ctrl+? show the shortcuts, Ctrl+W closes the window, Ctrl+Q is the app's quit. */
static void
test_shortcuts (void)
{
  g_autoptr(GtkShortcut) quit = NULL;

  stray_application_show_window (application, STRAY_WINDOW_PRESENT, NULL);
  stray_test_wait_for (window_is_mapped, NULL, "the window to show");

  press ("F1");
  stray_test_wait_for (has_shortcuts_window, NULL, "F1 to show the shortcuts");
  {
    g_autofree char *shown = stray_test_screen_text (shortcuts_window ());

    g_assert_nonnull (strstr (shown, "Close the window"));
  }
  stray_test_save_screenshot ("window-shortcuts.png");
  gtk_window_close (shortcuts_window ());
  stray_test_wait_for (has_no_shortcuts_window, NULL, "the shortcuts to close");
  press ("<Control>question");
  stray_test_wait_for (has_shortcuts_window, NULL, "Ctrl+? to show the shortcuts");

  quit = find_shortcut (GTK_WIDGET (window ()), "<Control>q");
  g_assert_nonnull (quit);
  g_assert_true (GTK_IS_NAMED_ACTION (gtk_shortcut_get_action (quit)));
  g_assert_cmpstr (gtk_named_action_get_action_name (
                     GTK_NAMED_ACTION (gtk_shortcut_get_action (quit))), ==, "app.quit");

  /* Ctrl+W closes the window, and the shortcuts with it; the daemon stays. */
  press ("<Control>w");
  stray_test_wait_for (window_is_gone, NULL, "Ctrl+W to close the window");
  stray_test_wait_for (has_no_shortcuts_window, NULL, "the shortcuts to go with the window");
  g_assert_true (is_connected (NULL));
}

static gboolean
has_preferences (G_GNUC_UNUSED gconstpointer data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) toplevel = g_list_model_get_item (toplevels, i);

      if (STRAY_IS_PREFERENCES_WINDOW (toplevel) && gtk_widget_get_mapped (GTK_WIDGET (toplevel)))
        return TRUE;
    }
  return FALSE;
}

static gboolean
is_button_labelled (GtkWidget     *widget,
                    gconstpointer  label)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

static gboolean
is_button_with_icon (GtkWidget     *widget,
                     gconstpointer  icon_name)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (widget)), icon_name) == 0;
}

static void
test_sign_out (void)
{
  GListModel *toplevels;
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *text = NULL;
  GtkWidget *preferences = NULL;

  /* From the tray's menu: Preferences, then Sign Out. */
  g_action_group_activate_action (G_ACTION_GROUP (application), "preferences", NULL);
  stray_test_wait_for (has_preferences, NULL, "the preferences");
  toplevels = gtk_window_get_toplevels ();
  for (guint i = 0; i < g_list_model_get_n_items (toplevels) && preferences == NULL; i++)
    {
      g_autoptr(GObject) toplevel = g_list_model_get_item (toplevels, i);

      if (STRAY_IS_PREFERENCES_WINDOW (toplevel))
        preferences = GTK_WIDGET (toplevel);
    }
  text = stray_test_screen_text (preferences);
  g_assert_nonnull (strstr (text, "alice on http://127.0.0.1"));
  stray_test_save_screenshot ("window-preferences.png");
  g_signal_emit_by_name (stray_test_find (preferences, is_button_labelled, "Sign _Out"),
                         "clicked");

  /* The setup page again, nothing left of the account: no channels, no token. */
  stray_test_wait_for_text ("Connect your Stream Chat account");
  stray_test_wait_for (has_channels, GUINT_TO_POINTER (0), "the channels to go");
  g_assert_cmpuint (stray_session_get_total_unread_count (stray_application_get_session (application)),
                    ==, 0);
  stored = stored_token (&error);
  g_assert_no_error (error);
  g_assert_null (stored);
}

/* A token command instead of a token: run without a shell when a token is needed. */
static void
test_setup_token_command (void)
{
  g_autofree char *token = sign (SECRET, STRAY_DEV_SCENARIO_USER);
  g_autofree char *directory = g_dir_make_tmp ("stray-test-window-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (directory, "token", NULL);
  g_autofree char *command = g_strdup_printf ("cat '%s'", path);
  StraySetupPage *page = stray_test_find_child (GTK_WIDGET (window ()), STRAY_TYPE_SETUP_PAGE);

  g_assert_true (g_file_set_contents (path, token, -1, NULL));
  stray_setup_page_fill (page, stray_devserver_get_base_url (server), API_KEY,
                         STRAY_DEV_SCENARIO_USER, "", command);
  stray_setup_page_connect (page);
  stray_test_wait_for (is_connected, NULL, "the connection with the token command's token");
  stray_test_wait_for (has_channels, GUINT_TO_POINTER (3), "the account's three channels");
  stray_test_wait_for_text ("Design");
  g_unlink (path);
  g_rmdir (directory);
}

static void
on_called (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = stray_client_call_finish (STRAY_CLIENT (source), result,
                                                             &error);

  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

/* A REST call as alice, through the daemon's own client, waited for. */
static void
call_as_alice (const char *path,
               const char *body_json)
{
  g_autoptr(JsonNode) body = json_from_string (body_json, NULL);
  gboolean done = FALSE;

  stray_client_call_async (stray_application_get_client (application), "POST", path,
                           json_node_get_object (body), NULL, on_called, &done);
  stray_test_wait_for (stray_test_flag_is_set, &done, path);
}

/* The list follows the model: a channel hidden elsewhere goes, a new message brings it back;
 * a rename shows in the list, the channel's header and the window's title. */
static void
test_model_changes (void)
{
  stray_application_show_window (application, STRAY_WINDOW_PRESENT, NULL);
  stray_test_wait_for (window_is_mapped, NULL, "the window to show");
  stray_test_wait_for (n_visible_is, GUINT_TO_POINTER (3), "three channels");

  call_as_alice ("/channels/messaging/random/hide", "{}");
  stray_test_wait_for (n_visible_is, GUINT_TO_POINTER (2), "the hidden channel to go");
  post ("messaging:random", "bob", "Back again");
  stray_test_wait_for (n_visible_is, GUINT_TO_POINTER (3), "a new message to show it again");
  stray_test_wait_for_text ("bob: Back again");

  stray_application_show_window (application, STRAY_WINDOW_PRESENT, "messaging:general");
  stray_test_wait_for (title_is, "General — Stream Tray", "General open");
  call_as_alice ("/channels/messaging/general", "{\"data\":{\"name\":\"Town hall\"}}");
  stray_test_wait_for (title_is, "Town hall — Stream Tray", "the title to follow the rename");
  stray_test_wait_for_text ("Town hall");
  /* And the search finds it by its new name. */
  gtk_widget_activate_action (GTK_WIDGET (window ()), "win.back", NULL);
  stray_window_set_search (window (), "town");
  stray_test_wait_for (n_visible_is, GUINT_TO_POINTER (1), "the search to find the new name");
  stray_window_set_search (window (), NULL);
  call_as_alice ("/channels/messaging/general", "{\"data\":{\"name\":\"General\"}}");
  stray_test_wait_for_text ("General");
  gtk_window_close (GTK_WINDOW (window ()));
  stray_test_wait_for (window_is_gone, NULL, "the window to go");
}

static gboolean
n_invites_is (gconstpointer data)
{
  return g_list_model_get_n_items (stray_session_get_invites (
           stray_application_get_session (application))) == GPOINTER_TO_UINT (data);
}

/* Pending invites at the top of the window, each with Accept and Decline: Accept reaches the
 * server and the channel joins the list; Decline makes the invite go and no channel come. */
static void
test_invites (void)
{
  const char * const bob_only[] = { "bob", NULL };
  const char * const alice[] = { STRAY_DEV_SCENARIO_USER, NULL };
  g_autoptr(GError) error = NULL;
  GtkWidget *accept;

  stray_application_show_window (application, STRAY_WINDOW_PRESENT, NULL);
  stray_test_wait_for (window_is_mapped, NULL, "the window to show");
  for (guint i = 0; i < 2; i++)
    {
      const char *id = i == 0 ? "launch" : "offsite";
      g_autoptr(JsonObject) data = json_object_new ();
      g_autofree char *cid = g_strconcat ("messaging:", id, NULL);

      json_object_set_string_member (data, "name", i == 0 ? "Launch" : "Offsite");
      g_assert_true (stray_devserver_create_channel (server, "messaging", id, "bob", bob_only,
                                                     data, &error));
      g_assert_true (stray_devserver_invite_members (server, cid, alice, &error));
      g_assert_no_error (error);
    }
  stray_test_wait_for (n_invites_is, GUINT_TO_POINTER (2), "two invites");
  stray_test_wait_for_text ("bob invited you to #Launch");
  stray_test_wait_for_text ("bob invited you to #Offsite");
  g_assert_null (channel ("messaging:launch"));
  stray_test_save_screenshot ("window-invites.png");

  accept = stray_test_find (GTK_WIDGET (window ()), is_button_labelled, "Accept");
  g_assert_nonnull (accept);
  g_signal_emit_by_name (accept, "clicked");
  stray_test_wait_for (n_invites_is, GUINT_TO_POINTER (1), "the accepted invite to go");
  g_assert_nonnull (channel ("messaging:launch"));
  {
    g_autoptr(JsonObject) member = stray_dev_store_member_json (stray_devserver_get_store (server),
                                                                "messaging:launch",
                                                                STRAY_DEV_SCENARIO_USER);

    g_assert_nonnull (json_object_get_string_member_with_default (member, "invite_accepted_at",
                                                                  NULL));
  }

  g_signal_emit_by_name (stray_test_find (GTK_WIDGET (window ()), is_button_labelled,
                                          "Decline"), "clicked");
  stray_test_wait_for (n_invites_is, GUINT_TO_POINTER (0), "the declined invite to go");
  g_assert_null (channel ("messaging:offsite"));
  g_assert_false (stray_test_screen_shows ("bob invited you to #Offsite"));
  /* The tests after this one count three channels. */
  call_as_alice ("/channels/messaging/launch", "{\"remove_members\":[\"" STRAY_DEV_SCENARIO_USER
                 "\"]}");
  stray_test_wait_for (has_channels, GUINT_TO_POINTER (3), "the three channels again");
  gtk_window_close (GTK_WINDOW (window ()));
  stray_test_wait_for (window_is_gone, NULL, "the window to go");
}

/* ---- reminders (issue 17 item 2) ---- */

static gboolean
n_reminders_is (gconstpointer data)
{
  return g_list_model_get_n_items (stray_session_get_reminders (
           stray_application_get_session (application))) == GPOINTER_TO_UINT (data);
}

static gboolean
shows_message_row (gconstpointer text)
{
  GtkWidget *row = stray_test_find (GTK_WIDGET (window ()), is_message_row_with_text, text);

  return row != NULL && gtk_widget_get_mapped (row);
}

/* A GtkPopoverMenu's item (a GtkModelButton, private to GTK) by its text. */
static gboolean
is_menu_item (GtkWidget     *widget,
              gconstpointer  text)
{
  g_autofree char *item_text = NULL;

  if (g_object_class_find_property (G_OBJECT_GET_CLASS (widget), "text") == NULL ||
      GTK_IS_LABEL (widget) || GTK_IS_EDITABLE (widget))
    return FALSE;
  g_object_get (widget, "text", &item_text, NULL);
  return g_strcmp0 (item_text, text) == 0;
}

static gboolean
is_remove_reminder_button (GtkWidget                   *widget,
                           G_GNUC_UNUSED gconstpointer  data)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_widget_get_tooltip_text (widget), "Remove reminder") == 0;
}

static GtkWidget *
popover_of (GtkWidget *row,
            GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (row); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (G_TYPE_CHECK_INSTANCE_TYPE (child, type) && gtk_widget_get_mapped (child))
      return child;
  return NULL;
}

static gboolean
has_popover (gconstpointer row)
{
  return popover_of ((GtkWidget *) row, GTK_TYPE_POPOVER) != NULL;
}

/* The row's Menu key (and Shift+F10), as the keyboard would press it. */
static void
press_menu_key (GtkWidget *row)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (row);
  GtkShortcutController *keys = NULL;
  g_autoptr(GtkShortcut) shortcut = NULL;
  g_autofree char *trigger = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (controllers, i);

      if (GTK_IS_SHORTCUT_CONTROLLER (item))
        keys = GTK_SHORTCUT_CONTROLLER (item);
    }
  g_assert_nonnull (keys);
  shortcut = g_list_model_get_item (G_LIST_MODEL (keys), 0);
  trigger = gtk_shortcut_trigger_to_string (gtk_shortcut_get_trigger (shortcut));
  g_assert_nonnull (strstr (trigger, "Menu"));
  g_assert_nonnull (strstr (trigger, "<Shift>F10"));
  gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0, row, NULL);
}

static StrayReminder *
reminder_on (const char *message_id)
{
  return stray_session_lookup_reminder (stray_application_get_session (application), message_id);
}

typedef struct {
  gint64 at;
  const char *message_id;
} WantedReminder;

static gboolean
reminder_time_is (gconstpointer data)
{
  const WantedReminder *wanted = data;
  StrayReminder *reminder = reminder_on (wanted->message_id);

  return reminder != NULL && stray_reminder_get_remind_at (reminder) == wanted->at;
}

/* A message's context menu sets a reminder (in 1 hour; at a chosen time), which the reminder
 * list at the top of the window shows with its channel and time; its Remove button deletes it
 * on the server. */
static void
test_reminders (void)
{
  g_autoptr(JsonObject) allow = json_object_new ();
  g_autoptr(JsonObject) type = NULL;
  g_autoptr(JsonObject) message = json_object_new ();
  g_autoptr(JsonObject) query = json_object_new ();
  g_autoptr(JsonObject) listed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message_id = NULL;
  GtkWidget *row, *menu, *item, *set;
  GtkSpinButton *hour, *minute;
  gint64 before, expected;

  json_object_set_boolean_member (allow, "user_message_reminders", TRUE);
  type = stray_dev_store_update_channel_type (stray_devserver_get_store (server), "messaging",
                                              allow, &error);
  g_assert_no_error (error);
  json_object_set_string_member (message, "text", "Send the slides to Chen");
  message_id = g_strdup (json_object_get_string_member (
    stray_devserver_send_message (server, "messaging:general", "bob", message, &error), "id"));
  g_assert_no_error (error);

  stray_application_show_window (application, STRAY_WINDOW_PRESENT, "messaging:general");
  stray_test_wait_for (window_is_mapped, NULL, "the window to show");
  stray_test_wait_for_text ("Send the slides to Chen");
  row = stray_test_find (GTK_WIDGET (window ()), is_message_row_with_text,
                         "Send the slides to Chen");
  g_assert_nonnull (row);

  /* The Menu key opens the menu (its times counted from then); "Remind me in 1 hour" sets it. */
  before = g_get_real_time () / G_USEC_PER_SEC;
  press_menu_key (row);
  stray_test_wait_for (has_popover, row, "the context menu");
  menu = popover_of (row, GTK_TYPE_POPOVER_MENU);
  g_assert_nonnull (menu);
  stray_test_save_screenshot ("window-message-menu.png");
  g_assert_nonnull (stray_test_find (menu, is_menu_item, "Remind me tomorrow at 9:00"));
  g_assert_nonnull (stray_test_find (menu, is_menu_item, "Remind me at…"));
  g_assert_null (stray_test_find (menu, is_menu_item, "Remove reminder"));
  item = stray_test_find (menu, is_menu_item, "Remind me in 1 hour");
  g_assert_nonnull (item);
  g_signal_emit_by_name (item, "clicked");
  stray_test_wait_for (n_reminders_is, GUINT_TO_POINTER (1), "the reminder");
  g_assert_cmpint (stray_reminder_get_remind_at (reminder_on (message_id)) / G_USEC_PER_SEC, >=,
                   before + 3600);
  g_assert_cmpint (stray_reminder_get_remind_at (reminder_on (message_id)) / G_USEC_PER_SEC, <=,
                   before + 3600 + 60);

  /* The list, on the channel list's side of the window. */
  gtk_widget_activate_action (GTK_WIDGET (window ()), "win.back", NULL);
  stray_test_wait_for_text ("Upcoming reminders");
  stray_test_wait_for_text ("Send the slides to Chen");
  g_assert_true (stray_test_screen_shows ("#General · bob"));
  stray_test_save_screenshot ("window-reminders.png");

  /* A chosen time: 23:55, today's or tomorrow's, whichever comes next. */
  stray_application_show_window (application, STRAY_WINDOW_PRESENT, "messaging:general");
  stray_test_wait_for (shows_message_row, "Send the slides to Chen", "the message again");
  row = stray_test_find (GTK_WIDGET (window ()), is_message_row_with_text,
                         "Send the slides to Chen");
  gtk_widget_activate_action (row, "message.remind-at", NULL);
  stray_test_wait_for (has_popover, row, "the time popover");
  set = stray_test_find (popover_of (row, GTK_TYPE_POPOVER), is_button_labelled, "Set reminder");
  g_assert_nonnull (set);
  hour = g_object_get_data (G_OBJECT (popover_of (row, GTK_TYPE_POPOVER)), "hour");
  minute = g_object_get_data (G_OBJECT (popover_of (row, GTK_TYPE_POPOVER)), "minute");
  gtk_spin_button_set_value (hour, 23);
  gtk_spin_button_set_value (minute, 55);
  expected = stray_message_menu_next_time (g_get_real_time (), 0, 23, 55);
  if (expected <= g_get_real_time () / G_USEC_PER_SEC)
    expected = stray_message_menu_next_time (g_get_real_time (), 1, 23, 55);
  g_signal_emit_by_name (set, "clicked");
  {
    WantedReminder wanted = { expected * G_USEC_PER_SEC, message_id };

    stray_test_wait_for (reminder_time_is, &wanted, "the reminder moved to 23:55");
  }

  /* Remove, from the list. */
  gtk_widget_activate_action (GTK_WIDGET (window ()), "win.back", NULL);
  stray_test_wait_for_text ("Upcoming reminders");
  g_signal_emit_by_name (stray_test_find (GTK_WIDGET (window ()), is_remove_reminder_button,
                                          NULL), "clicked");
  stray_test_wait_for (n_reminders_is, GUINT_TO_POINTER (0), "the reminder to go");
  g_assert_false (stray_test_screen_shows ("Upcoming reminders"));
  listed = stray_dev_store_query_reminders (stray_devserver_get_store (server),
                                            STRAY_DEV_SCENARIO_USER, query, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (listed, "reminders")),
                    ==, 0);

  /* Set again, and removed from the message's own menu, which offers it once there is one. */
  stray_application_show_window (application, STRAY_WINDOW_PRESENT, "messaging:general");
  stray_test_wait_for (shows_message_row, "Send the slides to Chen", "the message once more");
  row = stray_test_find (GTK_WIDGET (window ()), is_message_row_with_text,
                         "Send the slides to Chen");
  gtk_widget_activate_action (row, "app.set-reminder", "(sx)", message_id,
                              g_get_real_time () / G_USEC_PER_SEC + 600);
  stray_test_wait_for (n_reminders_is, GUINT_TO_POINTER (1), "the reminder again");
  press_menu_key (row);
  stray_test_wait_for (has_popover, row, "the context menu again");
  item = stray_test_find (popover_of (row, GTK_TYPE_POPOVER_MENU), is_menu_item,
                          "Remove reminder");
  g_assert_nonnull (item);
  g_signal_emit_by_name (item, "clicked");
  stray_test_wait_for (n_reminders_is, GUINT_TO_POINTER (0), "the reminder removed from the menu");
}

/* ---- threads ---- */

static guint
thread_unread_for_alice (void)
{
  return stray_dev_store_thread_unread (stray_devserver_get_store (server),
                                        STRAY_DEV_SCENARIO_USER).unread_threads;
}

static gboolean
thread_read_on_server (G_GNUC_UNUSED gconstpointer data)
{
  return thread_unread_for_alice () == 0;
}

static gboolean
unread_threads_is (gconstpointer data)
{
  return stray_session_get_unread_threads (stray_application_get_session (application)) ==
         GPOINTER_TO_UINT (data);
}

/* The Notify whose body is @body, or (with @body NULL) whose summary is @summary, or NULL. */
static Notified *
find_notified_with (const char *body,
                    const char *summary)
{
  Notified *found = NULL;

  g_mutex_lock (&notifications->lock);
  for (guint i = 0; i < notifications->notified->len && found == NULL; i++)
    {
      Notified *notified = g_ptr_array_index (notifications->notified, i);

      if (body != NULL ? g_strcmp0 (notified->body, body) == 0
                       : g_strcmp0 (notified->summary, summary) == 0)
        found = notified;
    }
  g_mutex_unlock (&notifications->lock);
  return found;
}

static Notified *
find_notified (const char *body)
{
  return find_notified_with (body, NULL);
}

static gboolean
is_notified (gconstpointer body)
{
  return find_notified (body) != NULL;
}

static gboolean
is_closed (gconstpointer data)
{
  guint32 id = GPOINTER_TO_UINT (data);
  gboolean closed = FALSE;

  g_mutex_lock (&notifications->lock);
  for (guint i = 0; i < notifications->closed->len; i++)
    closed = closed || g_array_index (notifications->closed, guint32, i) == id;
  g_mutex_unlock (&notifications->lock);
  return closed;
}

static gboolean
thread_is_shown (gconstpointer parent_id)
{
  return stray_ui_get_window () != NULL &&
         g_strcmp0 (stray_window_get_shown_thread (window ()), parent_id) == 0;
}

static gboolean
thread_has_replies (gconstpointer data)
{
  StrayThreadView *view = stray_test_find_child (GTK_WIDGET (window ()), STRAY_TYPE_THREAD_VIEW);

  return g_list_model_get_n_items (stray_thread_view_get_replies (view)) ==
         GPOINTER_TO_UINT (data);
}

static char *
reply_in_thread (const char *user_id,
                 const char *parent_id,
                 const char *text)
{
  g_autoptr(JsonObject) message = json_object_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *stored;

  json_object_set_string_member (message, "text", text);
  if (parent_id != NULL)
    json_object_set_string_member (message, "parent_id", parent_id);
  stored = stray_devserver_send_message (server, "messaging:plans", user_id, message, &error);
  g_assert_no_error (error);
  return g_strdup (json_object_get_string_member (stored, "id"));
}

/* A reply in alice's thread: the daemon notifies "Reply in thread: …" (on a private bus, to a
 * fake notification server) and the window counts the unread thread; a click on the
 * notification opens the window at the thread, which marks it read on the server (another
 * device, the server's state, sees it read) and withdraws the notification. From the channel,
 * "1 reply" opens the same thread, and its reply box replies in it. */
static void
test_threads (void)
{
  const char * const members[] = { STRAY_DEV_SCENARIO_USER, "bob", NULL };
  g_autoptr(JsonObject) data = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *parent_id = NULL;
  g_autofree char *first_reply = NULL;
  g_autofree char *second_reply = NULL;
  Notified *notified;
  GtkWidget *entry, *link;

  json_object_set_string_member (data, "name", "Plans");
  g_assert_true (stray_devserver_create_channel (server, "messaging", "plans", "bob", members,
                                                 data, &error));
  g_assert_no_error (error);
  stray_test_wait_for (has_channels, GUINT_TO_POINTER (4), "the new channel");
  parent_id = reply_in_thread (STRAY_DEV_SCENARIO_USER, NULL, "Offsite in May?");
  first_reply = reply_in_thread ("bob", parent_id, "Yes, the 12th");

  /* The notification, and the count in the window. */
  stray_test_wait_for (is_notified, "Reply in thread: bob: Yes, the 12th", "the notification");
  notified = find_notified ("Reply in thread: bob: Yes, the 12th");
  g_assert_cmpstr (notified->summary, ==, "Plans");
  stray_test_wait_for (unread_threads_is, GUINT_TO_POINTER (1), "one unread thread");
  stray_application_show_window (application, STRAY_WINDOW_PRESENT, NULL);
  stray_test_wait_for (window_is_mapped, NULL, "the window to show");
  stray_test_wait_for_text ("1 unread thread");

  /* The click: the window at the thread, read on the server, the notification withdrawn. */
  fake_notifications_invoke (notifications, notified->id, "default");
  stray_test_wait_for (thread_is_shown, parent_id, "the thread on screen");
  stray_test_wait_for (thread_has_replies, GUINT_TO_POINTER (1), "the reply");
  stray_test_wait_for_text ("Offsite in May?");
  stray_test_wait_for_text ("Yes, the 12th");
  stray_test_wait_for (thread_read_on_server, NULL, "the thread read on the server");
  stray_test_wait_for (is_closed, GUINT_TO_POINTER (notified->id), "the notification to go");
  stray_test_wait_for (unread_threads_is, GUINT_TO_POINTER (0), "no unread thread");
  g_assert_false (stray_test_screen_shows ("1 unread thread"));
  stray_test_save_screenshot ("window-thread.png");

  /* The reply box replies in the thread. */
  entry = stray_test_find_child (stray_test_find_child (GTK_WIDGET (window ()),
                                                        STRAY_TYPE_THREAD_VIEW), GTK_TYPE_ENTRY);
  gtk_editable_set_text (GTK_EDITABLE (entry), "See you there");
  g_signal_emit_by_name (entry, "activate");
  stray_test_wait_for (thread_has_replies, GUINT_TO_POINTER (2), "the reply in the thread");
  {
    g_autoptr(GPtrArray) replies = stray_dev_store_replies (stray_devserver_get_store (server),
                                                            parent_id);

    g_assert_cmpuint (replies->len, ==, 2);
    g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (replies, 1), "text"), ==,
                     "See you there");
  }

  /* Escape: back to the channel, where the parent offers its thread. */
  gtk_widget_activate_action (GTK_WIDGET (window ()), "win.back", NULL);
  stray_test_wait_for_text ("2 replies");
  g_assert_cmpstr (stray_window_get_shown_channel (window ()), ==, "messaging:plans");
  second_reply = reply_in_thread ("bob", parent_id, "Booked");
  stray_test_wait_for (unread_threads_is, GUINT_TO_POINTER (1), "the thread unread again");
  link = stray_test_find (GTK_WIDGET (window ()), is_button_labelled, "2 replies");
  g_assert_nonnull (link);
  g_signal_emit_by_name (link, "clicked");
  stray_test_wait_for (thread_is_shown, parent_id, "the thread from its link");
  stray_test_wait_for (thread_has_replies, GUINT_TO_POINTER (3), "three replies");
  stray_test_wait_for (thread_read_on_server, NULL, "the thread read again");

  /* A reply while the thread is on screen: it shows, and is read. */
  g_free (reply_in_thread ("bob", parent_id, "Hotel too"));
  stray_test_wait_for (thread_has_replies, GUINT_TO_POINTER (4), "the reply that came");
  stray_test_wait_for (thread_read_on_server, NULL, "the new reply read");
  stray_test_wait_for (unread_threads_is, GUINT_TO_POINTER (0), "no unread thread again");

  /* The tests after this one count three channels. */
  gtk_widget_activate_action (GTK_WIDGET (window ()), "win.back", NULL);
  call_as_alice ("/channels/messaging/plans", "{\"remove_members\":[\"" STRAY_DEV_SCENARIO_USER
                 "\"]}");
  stray_test_wait_for (has_channels, GUINT_TO_POINTER (3), "the three channels again");
  gtk_window_close (GTK_WINDOW (window ()));
  stray_test_wait_for (window_is_gone, NULL, "the window to go");
}

/* ---- opening a channel at a message; drafts ---- */

static Notified *
find_notified_summary (const char *summary)
{
  return find_notified_with (NULL, summary);
}

static gboolean
is_notified_summary (gconstpointer summary)
{
  return find_notified_summary (summary) != NULL;
}

/* The row of the message @text is on screen in the middle of the messages' view (as near as
 * the list's ends allow), highlighted and holding the focus (which a screen reader follows). */
static gboolean
message_is_marked (gconstpointer text)
{
  GtkWidget *row, *scroller;
  GtkAdjustment *adjustment;
  graphene_rect_t in_view, in_list;
  double middle;

  if (stray_ui_get_window () == NULL)
    return FALSE;
  row = stray_test_find (GTK_WIDGET (window ()), is_message_row_with_text, text);
  if (row == NULL || !gtk_widget_get_mapped (row))
    return FALSE;
  scroller = gtk_widget_get_ancestor (row, GTK_TYPE_SCROLLED_WINDOW);
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  if (!gtk_widget_compute_bounds (row, scroller, &in_view) ||
      !gtk_widget_compute_bounds (row, gtk_widget_get_parent (row), &in_list))
    return FALSE;
  middle = CLAMP (in_list.origin.y + in_list.size.height / 2 -
                  gtk_adjustment_get_page_size (adjustment) / 2,
                  0, gtk_adjustment_get_upper (adjustment) -
                     gtk_adjustment_get_page_size (adjustment));
  return in_view.origin.y >= 0 &&
         in_view.origin.y + in_view.size.height <= gtk_widget_get_height (scroller) &&
         fabs (gtk_adjustment_get_value (adjustment) - middle) <= 1 &&
         gtk_widget_has_css_class (row, "highlighted") &&
         gtk_root_get_focus (GTK_ROOT (window ())) == row;
}

static GtkEditable *
reply_box (GType view_type)
{
  return GTK_EDITABLE (stray_test_find_child (stray_test_find_child (GTK_WIDGET (window ()),
                                                                     view_type),
                                              GTK_TYPE_ENTRY));
}

static gboolean
is_reminder_row (GtkWidget     *widget,
                 gconstpointer  action)
{
  return GTK_IS_LIST_BOX_ROW (widget) && GTK_IS_ACTIONABLE (widget) &&
         g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0;
}

/* A due reminder's Open (a click on its notification, through the app's open-message) opens its
 * channel at the message, which is older than the channel's latest page: the window loads the
 * page around it (Stream's id_around), scrolls to it and marks it. A click on the reminder in
 * the window's list does the same. */
static void
test_open_at_message (void)
{
  g_autoptr(JsonObject) allow = json_object_new ();
  g_autoptr(JsonObject) type = NULL;
  g_autoptr(JsonObject) message = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *message_id = NULL;
  GtkWidget *row;
  Notified *due;

  json_object_set_boolean_member (allow, "user_message_reminders", TRUE);
  type = stray_dev_store_update_channel_type (stray_devserver_get_store (server), "messaging",
                                              allow, &error);
  g_assert_no_error (error);
  json_object_set_string_member (message, "text", "Keep the receipt");
  message_id = g_strdup (json_object_get_string_member (
    stray_devserver_send_message (server, "messaging:design", "bob", message, &error), "id"));
  g_assert_no_error (error);
  /* Twice the view's page after it: the latest page does not have it. */
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *text = g_strdup_printf ("Later note %u", i);

      post ("messaging:design", "bob", text);
    }
  g_assert_true (stray_devserver_set_reminder (server, message_id, STRAY_DEV_SCENARIO_USER,
                                               "2020-01-01T00:00:00Z", &error));
  g_assert_no_error (error);

  stray_test_wait_for (is_notified_summary, "Reminder: Keep the receipt", "the due reminder");
  due = find_notified_summary ("Reminder: Keep the receipt");
  fake_notifications_invoke (notifications, due->id, "default");
  stray_test_wait_for (message_is_marked, "Keep the receipt", "the message, scrolled to, marked");
  g_assert_cmpstr (stray_window_get_shown_channel (window ()), ==, "messaging:design");
  /* The page around it, not the latest. */
  g_assert_null (stray_test_find (GTK_WIDGET (window ()), is_message_row_with_text,
                                  "Later note 49"));
  stray_test_save_screenshot ("window-open-at-message.png");

  /* Asked again while it is on screen: marked again, at once. */
  gtk_widget_grab_focus (GTK_WIDGET (reply_box (STRAY_TYPE_CHANNEL_VIEW)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "app.open-message", "(ss)",
                                             "messaging:design", message_id));
  g_assert_true (message_is_marked ("Keep the receipt"));

  /* From the window's list of reminders. */
  gtk_widget_activate_action (GTK_WIDGET (window ()), "win.back", NULL);
  stray_test_wait_for_text ("Upcoming reminders");
  row = stray_test_find (GTK_WIDGET (window ()), is_reminder_row, "app.open-message");
  g_assert_nonnull (row);
  g_assert_true (gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (row)));
  g_signal_emit_by_name (row, "activate");
  stray_test_wait_for (message_is_marked, "Keep the receipt", "the message, from the list");

  /* A message the channel does not have: its latest messages, as without one. */
  gtk_widget_activate_action (GTK_WIDGET (window ()), "win.back", NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "app.open-message", "(ss)",
                                             "messaging:design", "no-such-message"));
  stray_test_wait_for_text ("Later note 49");

  /* The tests after this one see no reminder. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "app.delete-reminder", "s",
                                             message_id));
  stray_test_wait_for (n_reminders_is, GUINT_TO_POINTER (0), "the reminder to go");
  gtk_window_close (GTK_WINDOW (window ()));
  stray_test_wait_for (window_is_gone, NULL, "the window to go");
}

static gboolean
channel_is_shown (gconstpointer cid)
{
  return stray_ui_get_window () != NULL &&
         g_strcmp0 (stray_window_get_shown_channel (window ()), cid) == 0;
}

/* What is typed and not sent stays with its channel, and with its thread: through a trip to a
 * thread and back (which fetches the channel again) and a switch of channels. */
/* The thread view's Send, which is off while a reply is on its way. */
static gboolean
thread_send_enabled (G_GNUC_UNUSED gconstpointer data)
{
  GtkWidget *view = stray_test_find_child (GTK_WIDGET (window ()), STRAY_TYPE_THREAD_VIEW);

  return gtk_widget_get_sensitive (stray_test_find (view, is_button_labelled, "Send"));
}

static gboolean
has_replies_on_server (gconstpointer parent_id)
{
  g_autoptr(GPtrArray) replies = stray_dev_store_replies (stray_devserver_get_store (server),
                                                          parent_id);

  return replies != NULL && replies->len > 0;
}

static void
test_drafts (void)
{
  StrayChannelView *view;
  g_autofree char *parent_id = NULL;
  g_autofree char *other_parent_id = NULL;

  stray_application_show_window (application, STRAY_WINDOW_PRESENT, "messaging:general");
  stray_test_wait_for (window_is_mapped, NULL, "the window to show");
  stray_test_wait_for_text ("Second");
  view = stray_test_find_child (GTK_WIDGET (window ()), STRAY_TYPE_CHANNEL_VIEW);
  {
    GListModel *messages = stray_channel_view_get_messages (view);
    g_autoptr(StrayMessage) first = g_list_model_get_item (messages, 0);
    g_autoptr(StrayMessage) second = g_list_model_get_item (messages, 1);

    parent_id = g_strdup (stray_message_get_id (first));
    other_parent_id = g_strdup (stray_message_get_id (second));
  }
  gtk_editable_set_text (reply_box (STRAY_TYPE_CHANNEL_VIEW), "Half a thought");

  /* A thread and back. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "win.open-thread", "s",
                                             parent_id));
  stray_test_wait_for (thread_is_shown, parent_id, "the thread");
  g_assert_cmpstr (gtk_editable_get_text (reply_box (STRAY_TYPE_THREAD_VIEW)), ==, "");
  gtk_editable_set_text (reply_box (STRAY_TYPE_THREAD_VIEW), "A thought on the thread");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "win.back", NULL));
  stray_test_wait_for_text ("Second");
  g_assert_cmpstr (gtk_editable_get_text (reply_box (STRAY_TYPE_CHANNEL_VIEW)), ==,
                   "Half a thought");

  /* Another channel has its own box; coming back brings the draft back. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "app.open-channel", "s",
                                             "messaging:random"));
  stray_test_wait_for (channel_is_shown, "messaging:random", "Random");
  g_assert_cmpstr (gtk_editable_get_text (reply_box (STRAY_TYPE_CHANNEL_VIEW)), ==, "");
  gtk_editable_set_text (reply_box (STRAY_TYPE_CHANNEL_VIEW), "Random musing");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "app.open-channel", "s",
                                             "messaging:general"));
  stray_test_wait_for (channel_is_shown, "messaging:general", "General again");
  g_assert_cmpstr (gtk_editable_get_text (reply_box (STRAY_TYPE_CHANNEL_VIEW)), ==,
                   "Half a thought");
  stray_test_save_screenshot ("window-draft.png");

  /* The thread's own draft, and Random's. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "win.open-thread", "s",
                                             parent_id));
  stray_test_wait_for (thread_is_shown, parent_id, "the thread again");
  g_assert_cmpstr (gtk_editable_get_text (reply_box (STRAY_TYPE_THREAD_VIEW)), ==,
                   "A thought on the thread");

  /* Sent, and another thread opened before the answer came: the answer leaves the other
   * thread's box as the user is typing it. */
  g_signal_emit_by_name (reply_box (STRAY_TYPE_THREAD_VIEW), "activate");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "win.open-thread", "s",
                                             other_parent_id));
  g_assert_true (thread_is_shown (other_parent_id));
  g_assert_true (gtk_editable_get_editable (reply_box (STRAY_TYPE_THREAD_VIEW)));
  gtk_editable_set_text (reply_box (STRAY_TYPE_THREAD_VIEW), "Typing elsewhere");
  g_assert_false (thread_send_enabled (NULL));
  stray_test_wait_for (has_replies_on_server, parent_id, "the reply on the server");
  stray_test_wait_for (thread_send_enabled, NULL, "the answer to the reply");
  g_assert_cmpstr (gtk_editable_get_text (reply_box (STRAY_TYPE_THREAD_VIEW)), ==,
                   "Typing elsewhere");
  g_assert_true (gtk_editable_get_editable (reply_box (STRAY_TYPE_THREAD_VIEW)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "win.open-thread", "s",
                                             parent_id));
  stray_test_wait_for (thread_is_shown, parent_id, "the first thread again");
  g_assert_cmpstr (gtk_editable_get_text (reply_box (STRAY_TYPE_THREAD_VIEW)), ==, "");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "win.back", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "app.open-channel", "s",
                                             "messaging:random"));
  stray_test_wait_for (channel_is_shown, "messaging:random", "Random again");
  g_assert_cmpstr (gtk_editable_get_text (reply_box (STRAY_TYPE_CHANNEL_VIEW)), ==,
                   "Random musing");

  gtk_window_close (GTK_WINDOW (window ()));
  stray_test_wait_for (window_is_gone, NULL, "the window to go");
}

/* "Open in browser" leads only to http and https addresses built from the template. */
static void
test_web_url (void)
{
  struct {
    const char *url_template;
    const char *cid;
    const char *expected;
  } cases[] = {
    { "https://chat.example.com/{type}/{id}", "messaging:general",
      "https://chat.example.com/messaging/general" },
    { "http://localhost:3000/c/{id}?type={type}", "team:ops", "http://localhost:3000/c/ops?type=team" },
    { "https://chat.example.com/{type}/{id}", "messaging:a b/c?d#e",
      "https://chat.example.com/messaging/a%20b%2Fc%3Fd%23e" },
    { "javascript:alert(document.cookie)//{id}", "messaging:general", NULL },
    { "file:///etc/{id}", "messaging:passwd", NULL },
    { "{id}", "messaging:https://evil.example.com", NULL },
    { "https:///{id}", "messaging:general", NULL },
    { "", "messaging:general", NULL },
    { "https://chat.example.com/{id}", "no-colon", NULL },
  };
  StrayChannelView *view;
  GtkWidget *button;
  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *url = stray_channel_view_expand_web_url (cases[i].url_template,
                                                                cases[i].cid);

      g_assert_cmpstr (url, ==, cases[i].expected);
    }

  /* The button is there with a template, gone without. */
  stray_application_show_window (application, STRAY_WINDOW_PRESENT, "messaging:general");
  stray_test_wait_for (window_is_mapped, NULL, "the window to show");
  view = stray_test_find_child (GTK_WIDGET (window ()), STRAY_TYPE_CHANNEL_VIEW);
  button = stray_test_find (GTK_WIDGET (view), is_button_with_icon, "stray-web-symbolic");
  g_assert_nonnull (button);
  g_assert_false (gtk_widget_get_visible (button));
  g_settings_set_string (settings, "web-url-template", "https://chat.example.com/{type}/{id}");
  g_assert_true (gtk_widget_get_visible (button));
  g_settings_set_string (settings, "web-url-template", "ftp://chat.example.com/{id}");
  g_assert_false (gtk_widget_get_visible (button));
  g_settings_reset (settings, "web-url-template");
  gtk_window_close (GTK_WINDOW (window ()));
  stray_test_wait_for (window_is_gone, NULL, "the window to go");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  int status;

  stray_environment_set_rendering ();
  g_test_init (&argc, &argv, NULL);
  /* What is on screen is what the tests read: no transition halfway. */
  gtk_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  /* The server: three channels of alice and bob, General with two unread, Design with one,
   * Random with alice's own message last. */
  server = g_object_new (STRAY_TYPE_DEVSERVER, "api-key", API_KEY, "secret", SECRET, NULL);
  g_assert_true (stray_dev_scenario_apply (server, "empty", &error));
  g_assert_true (stray_devserver_listen (server, "127.0.0.1:0", &error));
  g_assert_no_error (error);
  create_channel ("random", "Random");
  post ("messaging:random", "bob", "Anyone?");
  post ("messaging:random", STRAY_DEV_SCENARIO_USER, "Mine");
  create_channel ("general", "General");
  post ("messaging:general", "bob", "Hello");
  post ("messaging:general", "bob", "Second");
  create_channel ("design", "Design");
  post ("messaging:design", "bob", "Reviews at three");

  /* The desktop's notification server, before the daemon looks for it. */
  notifications = fake_notifications_start (0);

  /* No account yet. */
  settings = g_settings_new (SCHEMA_ID);
  g_settings_reset (settings, "server-url");
  application = stray_application_new ();
  stray_application_set_ui (application, stray_ui_show);
  g_application_register (G_APPLICATION (application), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/window/setup-refused", test_setup_refused);
  g_test_add_func ("/window/setup-connects", test_setup_connects);
  g_test_add_func ("/window/list", test_list);
  g_test_add_func ("/window/search", test_search);
  g_test_add_func ("/window/select-marks-read", test_select_marks_read);
  g_test_add_func ("/window/reply", test_reply);
  g_test_add_func ("/window/open-close", test_open_close);
  g_test_add_func ("/window/open-channel-action", test_open_channel_action);
  g_test_add_func ("/window/keyboard", test_keyboard);
  g_test_add_func ("/window/conversation", test_conversation);
  g_test_add_func ("/window/conversation-from-server", test_conversation_from_server);
  g_test_add_func ("/window/shortcuts", test_shortcuts);
  g_test_add_func ("/window/web-url", test_web_url);
  g_test_add_func ("/window/model-changes", test_model_changes);
  g_test_add_func ("/window/invites", test_invites);
  g_test_add_func ("/window/reminders", test_reminders);
  g_test_add_func ("/window/threads", test_threads);
  g_test_add_func ("/window/open-at-message", test_open_at_message);
  g_test_add_func ("/window/drafts", test_drafts);
  g_test_add_func ("/window/sign-out", test_sign_out);
  g_test_add_func ("/window/setup-token-command", test_setup_token_command);
  status = g_test_run ();

  if (stray_ui_get_window () != NULL)
    gtk_window_destroy (stray_ui_get_window ());
  g_clear_object (&application);
  g_clear_object (&server);
  fake_notifications_stop (notifications);
  return status;
}
