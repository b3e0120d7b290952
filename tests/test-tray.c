/* test-tray.c: the StatusNotifierItem, its dbusmenu and the dock badge on a private bus
 *
 * Runs under build-aux/test-session. A watcher written for the test records registrations and
 * plays the host: it reads the item's properties and drives its menu as a tray would. The
 * model is kept up to date by a real connection to the devserver, so "Mark All as Read" in the
 * menu has to reach the server to bring the count down.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "stray-badge.h"
#include "stray-connection.h"
#include "stray-devserver.h"
#include "stray-launcher-entry.h"
#include "stray-signed-tokens.h"
#include "stray-tray.h"
#include "stray-tray-menu.h"
#include "stray-test-wait.h"

#define API_KEY "tray-key"
#define SECRET "tray-secret-0123456789"

static const char watcher_xml[] =
  "<node>"
  "  <interface name='org.kde.StatusNotifierWatcher'>"
  "    <method name='RegisterStatusNotifierItem'><arg type='s' direction='in'/></method>"
  "    <property name='IsStatusNotifierHostRegistered' type='b' access='read'/>"
  "  </interface>"
  "</node>";

typedef struct {
  GDBusConnection *connection;  /* its own, as a watcher is another process */
  guint registration_id;
  GPtrArray *registered;        /* services, in order */
  GPtrArray *signals;           /* "Member" of every signal the item and the entry emitted */
  GPtrArray *counts;            /* LauncherEntry counts, in order */
  gboolean host;
  guint subscriptions[2];
} Watcher;

typedef struct {
  StrayDevserver *server;
  StraySession *session;
  StraySignedTokens *tokens;
  StrayClient *client;
  StrayConnection *connection;
  GSimpleActionGroup *actions;
  GPtrArray *activated;         /* action names the item or the menu activated */
  StrayTrayMenu *menu;
  StrayTray *tray;
  StrayLauncherEntry *entry;
  GDBusConnection *bus;
  Watcher *watcher;
} Fixture;

/* ---- the test's watcher ---- */

static void
on_watcher_call (GDBusConnection       *connection,
                 const char            *sender,
                 G_GNUC_UNUSED const char *object_path,
                 G_GNUC_UNUSED const char *interface_name,
                 G_GNUC_UNUSED const char *method_name,
                 GVariant              *parameters,
                 GDBusMethodInvocation *invocation,
                 gpointer               user_data)
{
  Watcher *watcher = user_data;
  const char *service;

  g_variant_get (parameters, "(&s)", &service);
  /* The item registers its unique name, the one it calls from. */
  g_assert_cmpstr (service, ==, sender);
  g_ptr_array_add (watcher->registered, g_strdup (service));
  g_dbus_method_invocation_return_value (invocation, NULL);
  (void) connection;
}

static GVariant *
on_watcher_property (G_GNUC_UNUSED GDBusConnection *connection,
                     G_GNUC_UNUSED const char      *sender,
                     G_GNUC_UNUSED const char      *object_path,
                     G_GNUC_UNUSED const char      *interface_name,
                     G_GNUC_UNUSED const char      *property_name,
                     G_GNUC_UNUSED GError         **error,
                     gpointer                       user_data)
{
  return g_variant_new_boolean (((Watcher *) user_data)->host);
}

static const GDBusInterfaceVTable watcher_vtable = {
  on_watcher_call, on_watcher_property, NULL, { 0 }
};

static void
on_item_signal (G_GNUC_UNUSED GDBusConnection *connection,
                G_GNUC_UNUSED const char      *sender,
                G_GNUC_UNUSED const char      *path,
                const char                    *interface,
                const char                    *member,
                GVariant                      *parameters,
                gpointer                       user_data)
{
  Watcher *watcher = user_data;

  g_ptr_array_add (watcher->signals, g_strdup (member));
  if (g_str_equal (interface, "com.canonical.Unity.LauncherEntry"))
    {
      g_autoptr(GVariant) properties = g_variant_get_child_value (parameters, 1);
      gint64 count = -1;

      g_variant_lookup (properties, "count", "x", &count);
      g_ptr_array_add (watcher->counts, GINT_TO_POINTER ((int) count));
    }
}

static GDBusConnection *
new_connection (void)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection =
    g_dbus_connection_new_for_address_sync (g_getenv ("DBUS_SESSION_BUS_ADDRESS"),
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);

  g_assert_no_error (error);
  return connection;
}

static void
request_name (GDBusConnection *connection,
              const char      *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
    g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                 "org.freedesktop.DBus", "RequestName",
                                 g_variant_new ("(su)", name, 0), G_VARIANT_TYPE ("(u)"),
                                 G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);

  g_assert_no_error (error);
}

static Watcher *
watcher_start (gboolean host)
{
  Watcher *watcher = g_new0 (Watcher, 1);
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (watcher_xml, NULL);
  g_autoptr(GError) error = NULL;

  watcher->connection = new_connection ();
  watcher->registered = g_ptr_array_new_with_free_func (g_free);
  watcher->signals = g_ptr_array_new_with_free_func (g_free);
  watcher->counts = g_ptr_array_new ();
  watcher->host = host;
  watcher->registration_id =
    g_dbus_connection_register_object (watcher->connection, "/StatusNotifierWatcher",
                                       info->interfaces[0], &watcher_vtable, watcher, NULL,
                                       &error);
  g_assert_no_error (error);
  watcher->subscriptions[0] =
    g_dbus_connection_signal_subscribe (watcher->connection, NULL, "org.kde.StatusNotifierItem",
                                        NULL, NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        on_item_signal, watcher, NULL);
  watcher->subscriptions[1] =
    g_dbus_connection_signal_subscribe (watcher->connection, NULL,
                                        "com.canonical.Unity.LauncherEntry", "Update", NULL, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_item_signal, watcher, NULL);
  request_name (watcher->connection, "org.kde.StatusNotifierWatcher");
  return watcher;
}

static void
watcher_stop (Watcher *watcher)
{
  g_dbus_connection_unregister_object (watcher->connection, watcher->registration_id);
  for (guint i = 0; i < G_N_ELEMENTS (watcher->subscriptions); i++)
    g_dbus_connection_signal_unsubscribe (watcher->connection, watcher->subscriptions[i]);
  g_dbus_connection_close_sync (watcher->connection, NULL, NULL);
  g_object_unref (watcher->connection);
  g_ptr_array_unref (watcher->registered);
  g_ptr_array_unref (watcher->signals);
  g_ptr_array_unref (watcher->counts);
  g_free (watcher);
}

/* ---- the app's side ---- */

static void
on_activate (GSimpleAction *action,
             GVariant      *parameter,
             Fixture       *fixture)
{
  const char *name = g_action_get_name (G_ACTION (action));

  g_ptr_array_add (fixture->activated,
                   parameter != NULL ? g_strdup_printf ("%s(%s)", name,
                                                        g_variant_get_string (parameter, NULL))
                                     : g_strdup (name));
  if (g_str_equal (name, "mark-all-read"))
    stray_client_mark_all_read_async (fixture->client, NULL, NULL, NULL);
}

static void
add_action (Fixture    *fixture,
            const char *name,
            gboolean    with_target)
{
  g_autoptr(GSimpleAction) action = g_simple_action_new (name, with_target ? G_VARIANT_TYPE_STRING
                                                                          : NULL);

  g_signal_connect (action, "activate", G_CALLBACK (on_activate), fixture);
  g_action_map_add_action (G_ACTION_MAP (fixture->actions), G_ACTION (action));
}

/* Connected: the model has caught up (until then the state is "syncing"). */
static gboolean
is_synced (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  return stray_session_get_connection_state (fixture->session) == STRAY_CONNECTION_CONNECTED &&
         stray_channel_list_lookup (stray_session_get_channels (fixture->session),
                                    "messaging:general") != NULL;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  /* Three members: not a direct conversation, so only mentions want attention. */
  const char * const members[] = { "alice", "bob", "chen_li", NULL };
  gboolean with_watcher = user_data == NULL;

  fixture->server = g_object_new (STRAY_TYPE_DEVSERVER, "api-key", API_KEY, "secret", SECRET,
                                  NULL);
  stray_devserver_listen (fixture->server, "127.0.0.1:0", &error);
  g_assert_no_error (error);
  stray_devserver_create_channel (fixture->server, "messaging", "general", "bob", members, NULL,
                                  &error);
  g_assert_no_error (error);

  fixture->session = stray_session_new ();
  fixture->tokens = stray_signed_tokens_new (SECRET, "alice", 0);
  fixture->client = stray_client_new (stray_devserver_get_base_url (fixture->server), API_KEY,
                                      "alice", STRAY_TOKEN_PROVIDER (fixture->tokens));
  fixture->connection = stray_connection_new (fixture->session, fixture->client);

  fixture->activated = g_ptr_array_new_with_free_func (g_free);
  fixture->actions = g_simple_action_group_new ();
  add_action (fixture, "toggle-window", FALSE);
  add_action (fixture, "open-channel", TRUE);
  add_action (fixture, "mark-all-read", FALSE);
  add_action (fixture, "pause-notifications", TRUE);
  add_action (fixture, "reconnect", FALSE);
  add_action (fixture, "preferences", FALSE);
  add_action (fixture, "quit", FALSE);
  add_action (fixture, "show-invitations", FALSE);
  add_action (fixture, "show-threads", FALSE);

  if (with_watcher)
    fixture->watcher = watcher_start (TRUE);
  fixture->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  fixture->menu = stray_tray_menu_new (fixture->session);
  fixture->tray = stray_tray_new (fixture->session, G_ACTION_GROUP (fixture->actions),
                                  stray_tray_menu_get_model (fixture->menu));
  fixture->entry = stray_launcher_entry_new (fixture->session);

  stray_connection_start (fixture->connection);
  stray_test_wait_for (is_synced, fixture, "the connection");
}

static void
fixture_tear_down (Fixture       *fixture,
                   G_GNUC_UNUSED gconstpointer user_data)
{
  stray_connection_stop (fixture->connection);
  stray_tray_unexport (fixture->tray);
  stray_launcher_entry_stop (fixture->entry);
  g_clear_object (&fixture->tray);
  g_clear_object (&fixture->menu);
  g_clear_object (&fixture->entry);
  g_clear_object (&fixture->connection);
  g_clear_object (&fixture->client);
  g_clear_object (&fixture->tokens);
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->actions);
  g_clear_object (&fixture->server);
  g_clear_object (&fixture->bus);
  g_ptr_array_unref (fixture->activated);
  if (fixture->watcher != NULL)
    watcher_stop (fixture->watcher);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
bob_says (Fixture    *fixture,
          const char *text,
          gboolean    mention)
{
  g_autoptr(JsonObject) message = json_object_new ();
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (message, "text", text);
  if (mention)
    {
      JsonArray *mentioned = json_array_new ();

      json_array_add_string_element (mentioned, "alice");
      json_object_set_array_member (message, "mentioned_users", mentioned);
    }
  stray_devserver_send_message (fixture->server, "messaging:general", "bob", message, &error);
  g_assert_no_error (error);
}

typedef struct {
  gboolean done;
  GVariant *reply;
  GError *error;
} Called;

static void
on_called (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Called *called = user_data;

  called->reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                 &called->error);
  called->done = TRUE;
}

/* A call from the host's side; the item answers from this same main loop, so no sync call. */
static GVariant *
host_call (GDBusConnection     *connection,
           const char          *destination,
           const char          *path,
           const char          *interface,
           const char          *method,
           GVariant            *parameters,
           const GVariantType  *reply_type,
           GError             **error)
{
  Called called = { 0 };

  g_dbus_connection_call (connection, destination, path, interface, method, parameters,
                          reply_type, G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_called, &called);
  stray_test_wait_for (stray_test_flag_is_set, &called.done, method);
  if (called.error != NULL)
    g_propagate_error (error, called.error);
  /* Without a reply type the caller wants no reply. */
  if (reply_type == NULL)
    g_clear_pointer (&called.reply, g_variant_unref);
  return called.reply;
}

/* What a host reads: every property of the item, through the watcher's connection. */
static GVariant *
item_properties (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
    host_call (fixture->watcher->connection,
                                 g_ptr_array_index (fixture->watcher->registered,
                                                    fixture->watcher->registered->len - 1),
                                 STRAY_TRAY_ITEM_PATH, "org.freedesktop.DBus.Properties",
                                 "GetAll", g_variant_new ("(s)", "org.kde.StatusNotifierItem"),
                                 G_VARIANT_TYPE ("(a{sv})"), &error);

  g_assert_no_error (error);
  return g_variant_get_child_value (reply, 0);
}

static gboolean
is_registered (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  return fixture->watcher->registered->len > 0;
}

static guint
count_signals (Fixture    *fixture,
               const char *member)
{
  guint count = 0;

  for (guint i = 0; i < fixture->watcher->signals->len; i++)
    count += g_str_equal (g_ptr_array_index (fixture->watcher->signals, i), member);
  return count;
}

static gboolean
total_is_three (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  return stray_session_get_total_unread_count (fixture->session) == 3;
}

static gboolean
total_is_zero (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  return stray_session_get_total_unread_count (fixture->session) == 0;
}

static gboolean
has_new_icon (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  return count_signals (fixture, "NewIcon") > 0;
}

/* The item's pixmaps are the unread badge with a 3, as a host would fetch them. */
static gboolean
shows_three (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  g_autoptr(GVariant) properties = item_properties (fixture);
  g_autoptr(GVariant) pixmaps = g_variant_lookup_value (properties, "IconPixmap",
                                                        G_VARIANT_TYPE ("a(iiay)"));
  g_autoptr(GVariant) expected = g_variant_ref_sink (stray_badge_render (STRAY_BADGE_UNREAD, 3));

  return pixmaps != NULL && g_variant_equal (pixmaps, expected);
}

static gboolean
needs_attention (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  g_autoptr(GVariant) properties = item_properties (fixture);
  const char *status = NULL;

  g_variant_lookup (properties, "Status", "&s", &status);
  return g_strcmp0 (status, "NeedsAttention") == 0;
}

static void
test_item (Fixture       *fixture,
           G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) properties = NULL;
  g_autoptr(GVariant) pixmaps_before = NULL;
  g_autoptr(GVariant) pixmaps_after = NULL;
  const char *text;
  gboolean boolean;
  const char *tooltip_title, *tooltip_text;

  g_assert_true (stray_tray_export (fixture->tray, fixture->bus, &error));
  g_assert_no_error (error);
  stray_test_wait_for (is_registered, fixture, "the registration");
  g_assert_cmpstr (g_ptr_array_index (fixture->watcher->registered, 0), ==,
                   g_dbus_connection_get_unique_name (fixture->bus));

  properties = item_properties (fixture);
  g_assert_true (g_variant_lookup (properties, "Category", "&s", &text));
  g_assert_cmpstr (text, ==, "Communications");
  g_assert_true (g_variant_lookup (properties, "Id", "&s", &text));
  g_assert_cmpstr (text, ==, APP_ID);
  g_assert_true (g_variant_lookup (properties, "Title", "&s", &text));
  g_assert_cmpstr (text, ==, "Stream Tray");
  g_assert_true (g_variant_lookup (properties, "Status", "&s", &text));
  g_assert_cmpstr (text, ==, "Active");
  g_assert_true (g_variant_lookup (properties, "Menu", "&o", &text));
  g_assert_cmpstr (text, ==, STRAY_TRAY_MENU_PATH);
  g_assert_true (g_variant_lookup (properties, "ItemIsMenu", "b", &boolean));
  g_assert_false (boolean);
  g_assert_true (g_variant_lookup (properties, "IconName", "&s", &text));
  /* Nothing unread: the themed app icon. */
  g_assert_cmpstr (text, ==, APP_ID);
  g_assert_true (g_variant_lookup (properties, "ToolTip", "(&s@a(iiay)&s&s)", NULL, NULL,
                                   &tooltip_title, &tooltip_text));
  g_assert_cmpstr (tooltip_title, ==, "Stream Tray");
  g_assert_nonnull (strstr (tooltip_text, "Nothing unread"));
  pixmaps_before = g_variant_lookup_value (properties, "IconPixmap", G_VARIANT_TYPE ("a(iiay)"));
  g_assert_cmpuint (g_variant_n_children (pixmaps_before), >=, 6);
  g_clear_pointer (&properties, g_variant_unref);

  /* Three messages: the count goes onto the pixmap, IconName is cleared, once per change. */
  bob_says (fixture, "one", FALSE);
  bob_says (fixture, "two", FALSE);
  bob_says (fixture, "three", FALSE);
  stray_test_wait_for (total_is_three, fixture, "three unread");
  /* The redraw is coalesced (≤ 1 per 100 ms): wait for the drawing, not for any NewIcon, which
   * the connection coming up may already have sent. */
  stray_test_wait_for (shows_three, fixture, "the badge with a 3");
  stray_test_wait_for (has_new_icon, fixture, "NewIcon");
  properties = item_properties (fixture);
  pixmaps_after = g_variant_lookup_value (properties, "IconPixmap", G_VARIANT_TYPE ("a(iiay)"));
  g_assert_false (g_variant_equal (pixmaps_before, pixmaps_after));
  g_assert_true (g_variant_lookup (properties, "IconName", "&s", &text));
  g_assert_cmpstr (text, ==, "");
  g_assert_true (g_variant_lookup (properties, "ToolTip", "(&s@a(iiay)&s&s)", NULL, NULL, NULL,
                                   &tooltip_text));
  g_assert_nonnull (strstr (tooltip_text, "3 unread in 1 channel —"));
  /* However many events, one render per change of what is drawn. */
  g_assert_cmpuint (stray_tray_get_n_renders (fixture->tray), <=, 4);

  /* A mention wants attention. */
  bob_says (fixture, "@alice look", TRUE);
  stray_test_wait_for (needs_attention, fixture, "NeedsAttention");
  g_assert_cmpuint (count_signals (fixture, "NewStatus"), ==, 1);

  /* Left click toggles the window, middle click opens the newest unread channel. */
  host_call (fixture->watcher->connection,
                               g_ptr_array_index (fixture->watcher->registered, 0),
                               STRAY_TRAY_ITEM_PATH, "org.kde.StatusNotifierItem", "Activate",
                               g_variant_new ("(ii)", 0, 0), NULL, &error);
  g_assert_no_error (error);
  host_call (fixture->watcher->connection,
                               g_ptr_array_index (fixture->watcher->registered, 0),
                               STRAY_TRAY_ITEM_PATH, "org.kde.StatusNotifierItem",
                               "SecondaryActivate", g_variant_new ("(ii)", 0, 0), NULL,
                               &error);
  g_assert_no_error (error);
  host_call (fixture->watcher->connection,
                               g_ptr_array_index (fixture->watcher->registered, 0),
                               STRAY_TRAY_ITEM_PATH, "org.kde.StatusNotifierItem", "Scroll",
                               g_variant_new ("(is)", 3, "vertical"), NULL,
                               &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->activated->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (fixture->activated, 0), ==, "toggle-window");
  g_assert_cmpstr (g_ptr_array_index (fixture->activated, 1), ==,
                   "open-channel(messaging:general)");
}

/* Finds the id of the item labelled @label in a dbusmenu layout. */
static int
find_item (GVariant   *layout,
           const char *label)
{
  g_autoptr(GVariant) properties = g_variant_get_child_value (layout, 1);
  g_autoptr(GVariant) children = g_variant_get_child_value (layout, 2);
  const char *item_label = NULL;
  int id;

  g_variant_get_child (layout, 0, "i", &id);
  if (g_variant_lookup (properties, "label", "&s", &item_label) &&
      g_str_has_prefix (item_label, label))
    return id;
  for (gsize i = 0; i < g_variant_n_children (children); i++)
    {
      g_autoptr(GVariant) boxed = g_variant_get_child_value (children, i);
      g_autoptr(GVariant) child = g_variant_get_variant (boxed);
      int found = find_item (child, label);

      if (found >= 0)
        return found;
    }
  return -1;
}

static GVariant *
get_layout (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
    host_call (fixture->watcher->connection,
                                 g_dbus_connection_get_unique_name (fixture->bus),
                                 STRAY_TRAY_MENU_PATH, "com.canonical.dbusmenu", "GetLayout",
                                 g_variant_new ("(ii@as)", 0, -1, g_variant_new_strv (NULL, 0)),
                                 G_VARIANT_TYPE ("(u(ia{sv}av))"), &error);

  g_assert_no_error (error);
  return g_variant_get_child_value (reply, 1);
}

static gboolean
menu_lists_general (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  g_autoptr(GVariant) layout = get_layout (fixture);

  /* The channel has no name: it is called by its other members, with its count; the
   * underscore is doubled so that hosts show it rather than take it for a mnemonic. */
  return find_item (layout, "bob, chen__li (2)") >= 0;
}

static gboolean
menu_lists_rebels (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  g_autoptr(GVariant) layout = get_layout (fixture);

  return find_item (layout, "Rebels (2)") >= 0;
}

static gboolean
menu_lists_one_invitation (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  g_autoptr(GVariant) layout = get_layout (fixture);

  return find_item (layout, "Invitations (1)") >= 0;
}

static gboolean
menu_lists_no_invitation (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  g_autoptr(GVariant) layout = get_layout (fixture);

  return find_item (layout, "Invitations") < 0;
}

static gboolean
is_two (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  return stray_session_get_total_unread_count (fixture->session) == 2;
}

static void
test_menu (Fixture       *fixture,
           G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) layout = NULL;
  g_autoptr(GVariant) group = NULL;
  int mark_all, open;

  g_assert_true (stray_tray_export (fixture->tray, fixture->bus, &error));
  bob_says (fixture, "one", FALSE);
  bob_says (fixture, "two", FALSE);
  stray_test_wait_for (is_two, fixture, "two unread");
  stray_test_wait_for (menu_lists_general, fixture, "the channel in the menu");

  /* A rename alone changes no count; the menu follows it all the same. */
  {
    static const char renamed[] =
      "{\"type\":\"channel.updated\",\"cid\":\"messaging:general\","
      "\"created_at\":\"2026-01-01T00:00:01Z\",\"channel\":{\"cid\":\"messaging:general\","
      "\"type\":\"messaging\",\"id\":\"general\",\"name\":\"Rebels\"}}";
    g_autoptr(StrayEvent) event = stray_event_decode (renamed, strlen (renamed), &error);

    g_assert_no_error (error);
    stray_session_apply (fixture->session, event);
    stray_test_wait_for (menu_lists_rebels, fixture, "the renamed channel in the menu");
  }

  layout = get_layout (fixture);
  open = find_item (layout, "Open Stream Tray");
  mark_all = find_item (layout, "Mark All as Read");
  g_assert_cmpint (open, >, 0);
  g_assert_cmpint (mark_all, >, 0);
  g_assert_cmpint (find_item (layout, "Pause Notifications"), >, 0);
  g_assert_cmpint (find_item (layout, "For 1 Hour"), >, 0);
  g_assert_cmpint (find_item (layout, "Quit"), >, 0);

  /* XFCE's host asks for properties by group. */
  group = host_call (fixture->watcher->connection,
                                       g_dbus_connection_get_unique_name (fixture->bus),
                                       STRAY_TRAY_MENU_PATH, "com.canonical.dbusmenu",
                                       "GetGroupProperties",
                                       g_variant_new ("(@ai@as)",
                                                      g_variant_new_fixed_array (
                                                        G_VARIANT_TYPE_INT32, &mark_all, 1,
                                                        sizeof (int)),
                                                      g_variant_new_strv (NULL, 0)),
                                       G_VARIANT_TYPE ("(a(ia{sv}))"), &error);
  g_assert_no_error (error);
  {
    g_autoptr(GVariant) items = g_variant_get_child_value (group, 0);

    g_assert_cmpuint (g_variant_n_children (items), ==, 1);
  }

  /* A click on "Mark All as Read" runs the action, which reaches the server. */
  host_call (fixture->watcher->connection,
                               g_dbus_connection_get_unique_name (fixture->bus),
                               STRAY_TRAY_MENU_PATH, "com.canonical.dbusmenu", "Event",
                               g_variant_new ("(isvu)", mark_all, "clicked",
                                              g_variant_new_int32 (0), 0),
                               NULL, &error);
  g_assert_no_error (error);
  stray_test_wait_for (total_is_zero, fixture, "the count to reach zero");
  g_assert_cmpstr (g_ptr_array_index (fixture->activated, 0), ==, "mark-all-read");

  /* A click on the channel opens it. */
  host_call (fixture->watcher->connection,
                               g_dbus_connection_get_unique_name (fixture->bus),
                               STRAY_TRAY_MENU_PATH, "com.canonical.dbusmenu", "Event",
                               g_variant_new ("(isvu)", open, "clicked",
                                              g_variant_new_int32 (0), 0),
                               NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_ptr_array_index (fixture->activated, 1), ==, "toggle-window");

  /* A pending invite: "Invitations (1)", which opens the window's list; declined, it goes. */
  {
    const char * const bob_only[] = { "bob", NULL };
    const char * const alice[] = { "alice", NULL };
    int invitations;

    g_assert_true (stray_devserver_create_channel (fixture->server, "messaging", "design", "bob",
                                                   bob_only, NULL, &error));
    g_assert_true (stray_devserver_invite_members (fixture->server, "messaging:design", alice,
                                                   &error));
    g_assert_no_error (error);
    stray_test_wait_for (menu_lists_one_invitation, fixture, "Invitations (1) in the menu");
    g_clear_pointer (&layout, g_variant_unref);
    layout = get_layout (fixture);
    invitations = find_item (layout, "Invitations (1)");
    host_call (fixture->watcher->connection, g_dbus_connection_get_unique_name (fixture->bus),
               STRAY_TRAY_MENU_PATH, "com.canonical.dbusmenu", "Event",
               g_variant_new ("(isvu)", invitations, "clicked", g_variant_new_int32 (0), 0),
               NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (g_ptr_array_index (fixture->activated, 2), ==, "show-invitations");
    stray_client_answer_invite_async (fixture->client, "messaging:design", FALSE, NULL, NULL,
                                      NULL);
    stray_test_wait_for (menu_lists_no_invitation, fixture, "no invitation in the menu");
  }
}

static gboolean
menu_lists_one_thread (gconstpointer data)
{
  g_autoptr(GVariant) layout = get_layout ((Fixture *) data);

  return find_item (layout, "1 unread thread") >= 0;
}

static gboolean
menu_lists_no_thread (gconstpointer data)
{
  g_autoptr(GVariant) layout = get_layout ((Fixture *) data);

  return find_item (layout, "unread thread") < 0;
}

static gboolean
tooltip_says_one_thread (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;
  g_autoptr(GVariant) properties = item_properties (fixture);
  const char *text = NULL;

  g_variant_lookup (properties, "ToolTip", "(&s@a(iiay)&s&s)", NULL, NULL, NULL, &text);
  return text != NULL && strstr (text, "\n1 unread thread") != NULL;
}

/* A reply in alice's thread: the tooltip and the menu say "1 unread thread" (a click opens the
 * window); read on another device, it goes from both. */
static void
test_threads (Fixture       *fixture,
              G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) parent = json_object_new ();
  g_autoptr(JsonObject) reply = json_object_new ();
  g_autoptr(GVariant) layout = NULL;
  g_autofree char *parent_id = NULL;
  JsonObject *stored;

  g_assert_true (stray_tray_export (fixture->tray, fixture->bus, &error));
  stray_test_wait_for (is_registered, fixture, "the registration");
  json_object_set_string_member (parent, "text", "Plans?");
  stored = stray_devserver_send_message (fixture->server, "messaging:general", "alice", parent,
                                         &error);
  g_assert_no_error (error);
  parent_id = g_strdup (json_object_get_string_member (stored, "id"));
  json_object_set_string_member (reply, "text", "Friday");
  json_object_set_string_member (reply, "parent_id", parent_id);
  stray_devserver_send_message (fixture->server, "messaging:general", "bob", reply, &error);
  g_assert_no_error (error);

  stray_test_wait_for (tooltip_says_one_thread, fixture, "the unread thread in the tooltip");
  stray_test_wait_for (menu_lists_one_thread, fixture, "the unread thread in the menu");
  layout = get_layout (fixture);
  host_call (fixture->watcher->connection, g_dbus_connection_get_unique_name (fixture->bus),
             STRAY_TRAY_MENU_PATH, "com.canonical.dbusmenu", "Event",
             g_variant_new ("(isvu)", find_item (layout, "1 unread thread"), "clicked",
                            g_variant_new_int32 (0), 0),
             NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_ptr_array_index (fixture->activated, 0), ==, "show-threads");

  stray_client_mark_thread_read_async (fixture->client, "messaging:general", parent_id, NULL,
                                       NULL, NULL);
  stray_test_wait_for (menu_lists_no_thread, fixture, "no unread thread in the menu");
}

static gboolean
registered_twice (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  return fixture->watcher->registered->len >= 1;
}

/* A watcher that goes and comes back (a panel restart) gets the item again. */
static void
test_watcher_restart (Fixture       *fixture,
                      G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (stray_tray_export (fixture->tray, fixture->bus, &error));
  stray_test_wait_for (is_registered, fixture, "the registration");
  watcher_stop (g_steal_pointer (&fixture->watcher));
  while (stray_tray_get_registered (fixture->tray))
    g_main_context_iteration (NULL, TRUE);

  fixture->watcher = watcher_start (TRUE);
  stray_test_wait_for (registered_twice, fixture, "the registration with the new watcher");
  g_assert_cmpstr (g_ptr_array_index (fixture->watcher->registered, 0), ==,
                   g_dbus_connection_get_unique_name (fixture->bus));
}

static gboolean
has_count_two_update (gconstpointer data)
{
  Fixture *fixture = (Fixture *) data;

  for (guint i = 0; i < fixture->watcher->counts->len; i++)
    if (GPOINTER_TO_INT (g_ptr_array_index (fixture->watcher->counts, i)) == 2)
      return TRUE;
  return FALSE;
}

static void
test_launcher_entry (Fixture       *fixture,
                     G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(GDBusConnection) unity = NULL;
  guint before;

  stray_launcher_entry_start (fixture->entry, fixture->bus, "/io/github/streamtray/StreamTray/L");
  bob_says (fixture, "one", FALSE);
  bob_says (fixture, "two", FALSE);
  stray_test_wait_for (has_count_two_update, fixture, "a dock update with count 2");

  /* A dock that starts later gets the count again. */
  before = fixture->watcher->counts->len;
  unity = new_connection ();
  request_name (unity, "com.canonical.Unity");
  while (fixture->watcher->counts->len == before)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (GPOINTER_TO_INT (g_ptr_array_index (fixture->watcher->counts, before)), ==, 2);
  g_dbus_connection_close_sync (unity, NULL, NULL);
}

static void
on_no_host (G_GNUC_UNUSED StrayTray *tray,
            guint                   *count)
{
  (*count)++;
}

static gboolean
counted (gconstpointer count)
{
  return *(const guint *) count > 0;
}

/* No watcher at all: the app is told, so that it can say where it is. */
static void
test_no_host (Fixture       *fixture,
              G_GNUC_UNUSED gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  guint no_host = 0;

  g_signal_connect (fixture->tray, "no-host", G_CALLBACK (on_no_host), &no_host);
  g_assert_true (stray_tray_export (fixture->tray, fixture->bus, &error));
  stray_test_wait_for (counted, &no_host, "the no-host signal");
  g_assert_cmpuint (no_host, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, data, func) \
  g_test_add ("/stray/tray/" path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  ADD ("item", NULL, test_item);
  ADD ("menu", NULL, test_menu);
  ADD ("threads", NULL, test_threads);
  ADD ("watcher-restart", NULL, test_watcher_restart);
  ADD ("launcher-entry", NULL, test_launcher_entry);
  ADD ("no-host", GINT_TO_POINTER (1), test_no_host);

#undef ADD

  return g_test_run ();
}
