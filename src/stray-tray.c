/* stray-tray.c
 *
 * GTK 4 has no tray API, so the item is org.kde.StatusNotifierItem implemented over GDBus
 * (desktop-notes.md): exported at /StatusNotifierItem on the app's own connection, its unique
 * name registered with org.kde.StatusNotifierWatcher, again whenever a watcher appears; no
 * well-known org.kde.* name is owned (Flathub refuses that). The count is drawn into
 * IconPixmap (icon files are invisible to the host from a sandbox), redrawn at most every
 * 100 ms and only when what is drawn changes; NewIcon, NewToolTip and NewStatus are emitted
 * only for real changes. The menu is the app's GMenuModel as com.canonical.dbusmenu.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-tray"

#include "config.h"

#include <glib/gi18n.h>

#include "stray-badge.h"
#include "stray-dbus-menu.h"
#include "stray-dbus-export.h"
#include "stray-tray.h"

#define WATCHER_NAME "org.kde.StatusNotifierWatcher"
#define WATCHER_PATH "/StatusNotifierWatcher"
#define ITEM_INTERFACE "org.kde.StatusNotifierItem"

static const char introspection_xml[] =
  "<node>"
  "  <interface name='" ITEM_INTERFACE "'>"
  "    <property name='Category' type='s' access='read'/>"
  "    <property name='Id' type='s' access='read'/>"
  "    <property name='Title' type='s' access='read'/>"
  "    <property name='Status' type='s' access='read'/>"
  "    <property name='WindowId' type='i' access='read'/>"
  "    <property name='IconThemePath' type='s' access='read'/>"
  "    <property name='Menu' type='o' access='read'/>"
  "    <property name='ItemIsMenu' type='b' access='read'/>"
  "    <property name='IconName' type='s' access='read'/>"
  "    <property name='IconPixmap' type='a(iiay)' access='read'/>"
  "    <property name='OverlayIconName' type='s' access='read'/>"
  "    <property name='OverlayIconPixmap' type='a(iiay)' access='read'/>"
  "    <property name='AttentionIconName' type='s' access='read'/>"
  "    <property name='AttentionIconPixmap' type='a(iiay)' access='read'/>"
  "    <property name='AttentionMovieName' type='s' access='read'/>"
  "    <property name='ToolTip' type='(sa(iiay)ss)' access='read'/>"
  "    <method name='ContextMenu'><arg type='i' direction='in'/><arg type='i' direction='in'/>"
  "    </method>"
  "    <method name='Activate'><arg type='i' direction='in'/><arg type='i' direction='in'/>"
  "    </method>"
  "    <method name='SecondaryActivate'><arg type='i' direction='in'/>"
  "      <arg type='i' direction='in'/></method>"
  "    <method name='Scroll'><arg type='i' direction='in'/><arg type='s' direction='in'/>"
  "    </method>"
  "    <signal name='NewTitle'/>"
  "    <signal name='NewIcon'/>"
  "    <signal name='NewAttentionIcon'/>"
  "    <signal name='NewOverlayIcon'/>"
  "    <signal name='NewToolTip'/>"
  "    <signal name='NewStatus'><arg type='s'/></signal>"
  "  </interface>"
  "</node>";

struct _StrayTray
{
  GObject parent_instance;

  StraySession *session;
  GActionGroup *actions;
  StrayDbusMenu *menu;
  StrayDbusExport export;
  guint watch_id;
  gboolean registered;
  gboolean hide_when_idle;

  /* What is shown, as last computed. */
  char *icon_key;
  GVariant *pixmaps;
  char *icon_name;
  char *tooltip;
  char *status;
  guint n_renders;

  guint update_id;
  gint64 last_update;
};

G_DEFINE_FINAL_TYPE (StrayTray, stray_tray, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_REGISTERED,
  N_PROPS
};

enum {
  SIGNAL_NO_HOST,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
emit (StrayTray  *self,
      const char *signal,
      GVariant   *parameters)
{
  stray_dbus_emit (&self->export, ITEM_INTERFACE, signal, parameters);
}

static gboolean
any_attention (StrayTray *self)
{
  StrayChannelList *channels = stray_session_get_channels (self->session);
  guint n_channels = g_list_model_get_n_items (G_LIST_MODEL (channels));

  for (guint i = 0; i < n_channels; i++)
    {
      StrayChannel *channel = stray_channel_list_peek (channels, i);

      if (stray_channel_get_attention (channel) && !stray_channel_get_muted (channel))
        return TRUE;
    }
  return FALSE;
}

static StrayBadgeLook
current_look (StrayTray *self,
              gboolean   attention)
{
  switch (stray_session_get_connection_state (self->session))
    {
    case STRAY_CONNECTION_NOT_CONFIGURED:
      return STRAY_BADGE_NOT_SET_UP;
    case STRAY_CONNECTION_CONNECTED:
    case STRAY_CONNECTION_SYNCING: /* the counts it has are the best there are */
      if (stray_session_get_total_unread_count (self->session) == 0)
        return STRAY_BADGE_IDLE;
      return attention ? STRAY_BADGE_ATTENTION : STRAY_BADGE_UNREAD;
    case STRAY_CONNECTION_DISCONNECTED:
    case STRAY_CONNECTION_CONNECTING:
    case STRAY_CONNECTION_AUTH_FAILED:
    default:
      return STRAY_BADGE_OFFLINE;
    }
}

static char *describe_channels (StraySession *session);

/* The channels' state, and the unread threads when there are any. */
static char *
describe_state (StraySession *session)
{
  guint threads = stray_session_get_unread_threads (session);
  g_autofree char *channels = describe_channels (session);
  g_autofree char *unread_threads = NULL;

  if (threads == 0 || stray_session_get_connection_state (session) ==
                      STRAY_CONNECTION_NOT_CONFIGURED)
    return g_steal_pointer (&channels);
  unread_threads = g_strdup_printf (ngettext ("%u unread thread", "%u unread threads", threads),
                                    threads);
  return g_strdup_printf ("%s\n%s", channels, unread_threads);
}

static char *
describe_channels (StraySession *session)
{
  guint total = stray_session_get_total_unread_count (session);
  guint channels = stray_session_get_unread_channels (session);
  const char *state;

  switch (stray_session_get_connection_state (session))
    {
    case STRAY_CONNECTION_NOT_CONFIGURED:
      return g_strdup (_("No account is set up"));
    case STRAY_CONNECTION_CONNECTED:
      state = _("connected");
      break;
    case STRAY_CONNECTION_SYNCING:
      state = _("syncing…");
      break;
    case STRAY_CONNECTION_CONNECTING:
      state = _("connecting…");
      break;
    case STRAY_CONNECTION_AUTH_FAILED:
      state = _("the server refused the account");
      break;
    case STRAY_CONNECTION_DISCONNECTED:
    default:
      state = _("offline");
      break;
    }
  if (total == 0)
    return g_strdup_printf (_("Nothing unread — %s"), state);
  /* The plural follows the channels: "3 unread in 1 channel". */
  return g_strdup_printf (ngettext ("%u unread in %u channel — %s",
                                    "%u unread in %u channels — %s", channels),
                          total, channels, state);
}

/* Recomputes what is shown and tells the host what changed. */
static void
update (StrayTray *self)
{
  gboolean attention = any_attention (self);
  StrayBadgeLook look = current_look (self, attention);
  guint total = stray_session_get_total_unread_count (self->session);
  g_autofree char *key = stray_badge_describe (look, total);
  g_autofree char *tooltip = describe_state (self->session);
  const char *icon_name = look == STRAY_BADGE_IDLE ? APP_ID : "";
  const char *status;

  self->last_update = g_get_monotonic_time ();

  if (g_strcmp0 (key, self->icon_key) != 0 || g_strcmp0 (icon_name, self->icon_name) != 0)
    {
      g_free (self->icon_key);
      self->icon_key = g_steal_pointer (&key);
      g_clear_pointer (&self->pixmaps, g_variant_unref);
      self->pixmaps = g_variant_ref_sink (stray_badge_render (look, total));
      self->n_renders++;
      g_free (self->icon_name);
      /* A host prefers IconName to IconPixmap: it stays empty while the pixmap says more. */
      self->icon_name = g_strdup (icon_name);
      emit (self, "NewIcon", NULL);
    }

  if (g_strcmp0 (tooltip, self->tooltip) != 0)
    {
      g_free (self->tooltip);
      self->tooltip = g_steal_pointer (&tooltip);
      emit (self, "NewToolTip", NULL);
    }

  if (attention)
    status = "NeedsAttention";
  else if (self->hide_when_idle && total == 0)
    status = "Passive";
  else
    status = "Active";
  if (g_strcmp0 (status, self->status) != 0)
    {
      g_free (self->status);
      self->status = g_strdup (status);
      emit (self, "NewStatus", g_variant_new ("(s)", status));
    }
}

static gboolean
on_update_timeout (gpointer user_data)
{
  StrayTray *self = user_data;

  self->update_id = 0;
  update (self);
  return G_SOURCE_REMOVE;
}

/* At most one update per interval, the first one right away. */
static void
schedule_update (StrayTray *self)
{
  gint64 since;

  if (self->update_id != 0)
    return;
  since = (g_get_monotonic_time () - self->last_update) / 1000;
  self->update_id = g_timeout_add (since >= STRAY_TRAY_UPDATE_INTERVAL_MS
                                   ? 0 : STRAY_TRAY_UPDATE_INTERVAL_MS - since,
                                   on_update_timeout, self);
}

static void
on_session_changed (G_GNUC_UNUSED GObject    *object,
                    G_GNUC_UNUSED GParamSpec *pspec,
                    StrayTray                *self)
{
  schedule_update (self);
}

static void
on_channels_changed (G_GNUC_UNUSED GListModel *list,
                     G_GNUC_UNUSED guint       position,
                     G_GNUC_UNUSED guint       removed,
                     G_GNUC_UNUSED guint       added,
                     StrayTray                *self)
{
  schedule_update (self);
}

/* ---- D-Bus ---- */

static GVariant *
empty_pixmaps (void)
{
  return g_variant_new_array (G_VARIANT_TYPE ("(iiay)"), NULL, 0);
}

static GVariant *
on_get_property (G_GNUC_UNUSED GDBusConnection *connection,
                 G_GNUC_UNUSED const char      *sender,
                 G_GNUC_UNUSED const char      *object_path,
                 G_GNUC_UNUSED const char      *interface_name,
                 const char                    *name,
                 GError                       **error,
                 gpointer                       user_data)
{
  StrayTray *self = user_data;

  if (self->update_id != 0)
    {
      /* A host asking now gets the state of now. */
      g_clear_handle_id (&self->update_id, g_source_remove);
      update (self);
    }

  if (g_str_equal (name, "Category"))
    return g_variant_new_string ("Communications");
  if (g_str_equal (name, "Id"))
    return g_variant_new_string (APP_ID);
  if (g_str_equal (name, "Title"))
    return g_variant_new_string (_("Stream Tray"));
  if (g_str_equal (name, "Status"))
    return g_variant_new_string (self->status);
  if (g_str_equal (name, "WindowId"))
    return g_variant_new_int32 (0);
  if (g_str_equal (name, "IconThemePath") || g_str_equal (name, "OverlayIconName") ||
      g_str_equal (name, "AttentionIconName") || g_str_equal (name, "AttentionMovieName"))
    return g_variant_new_string ("");
  if (g_str_equal (name, "Menu"))
    return g_variant_new_object_path (STRAY_TRAY_MENU_PATH);
  if (g_str_equal (name, "ItemIsMenu"))
    return g_variant_new_boolean (FALSE);
  if (g_str_equal (name, "IconName"))
    return g_variant_new_string (self->icon_name);
  if (g_str_equal (name, "IconPixmap"))
    return g_variant_ref (self->pixmaps);
  if (g_str_equal (name, "OverlayIconPixmap") || g_str_equal (name, "AttentionIconPixmap"))
    return empty_pixmaps ();
  if (g_str_equal (name, "ToolTip"))
    return g_variant_new ("(s@a(iiay)ss)", "", empty_pixmaps (), _("Stream Tray"),
                          self->tooltip);
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "no property %s", name);
  return NULL;
}

/* The newest channel with unread messages, the one a middle click opens. */
static StrayChannel *
newest_unread (StrayTray *self)
{
  StrayChannelList *channels = stray_session_get_channels (self->session);
  guint n_channels = g_list_model_get_n_items (G_LIST_MODEL (channels));

  for (guint i = 0; i < n_channels; i++)
    {
      StrayChannel *channel = stray_channel_list_peek (channels, i);

      if (stray_channel_get_unread_count (channel) > 0 && !stray_channel_get_muted (channel))
        return channel;
    }
  return NULL;
}

static void
on_method_call (G_GNUC_UNUSED GDBusConnection *connection,
                G_GNUC_UNUSED const char      *sender,
                G_GNUC_UNUSED const char      *object_path,
                G_GNUC_UNUSED const char      *interface_name,
                const char                    *method_name,
                G_GNUC_UNUSED GVariant        *parameters,
                GDBusMethodInvocation         *invocation,
                gpointer                       user_data)
{
  StrayTray *self = user_data;

  if (g_str_equal (method_name, "Activate"))
    g_action_group_activate_action (self->actions, "toggle-window", NULL);
  else if (g_str_equal (method_name, "SecondaryActivate"))
    {
      StrayChannel *channel = newest_unread (self);

      if (channel != NULL)
        g_action_group_activate_action (self->actions, "open-channel",
                                        g_variant_new_string (stray_channel_get_cid (channel)));
    }
  /* ContextMenu: hosts show the dbusmenu themselves. Scroll: nothing to scroll through. */
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static const GDBusInterfaceVTable vtable = { on_method_call, on_get_property, NULL, { 0 } };

static void
set_registered (StrayTray *self,
                gboolean   registered)
{
  if (self->registered == registered)
    return;
  self->registered = registered;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REGISTERED]);
}

static void
on_host_checked (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(StrayTray) self = user_data;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             NULL);
  g_autoptr(GVariant) value = NULL;

  if (reply != NULL)
    g_variant_get (reply, "(v)", &value);
  if (value == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN) ||
      !g_variant_get_boolean (value))
    {
      g_debug ("a watcher but no tray host");
      g_signal_emit (self, signals[SIGNAL_NO_HOST], 0);
    }
}

static void
on_registered (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(StrayTray) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             &error);

  if (reply == NULL)
    {
      g_debug ("the watcher refused the item: %s", error->message);
      return;
    }
  if (self->export.connection == NULL)
    return;
  g_debug ("registered with the tray watcher");
  set_registered (self, TRUE);
  g_dbus_connection_call (self->export.connection, WATCHER_NAME, WATCHER_PATH,
                          "org.freedesktop.DBus.Properties", "Get",
                          g_variant_new ("(ss)", WATCHER_NAME,
                                         "IsStatusNotifierHostRegistered"),
                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          on_host_checked, g_object_ref (self));
}

static void
on_watcher_appeared (GDBusConnection *connection,
                     G_GNUC_UNUSED const char *name,
                     G_GNUC_UNUSED const char *owner,
                     gpointer                  user_data)
{
  StrayTray *self = user_data;

  /* The unique name: the watcher finds the item at /StatusNotifierItem there. */
  g_dbus_connection_call (connection, WATCHER_NAME, WATCHER_PATH, WATCHER_NAME,
                          "RegisterStatusNotifierItem",
                          g_variant_new ("(s)", g_dbus_connection_get_unique_name (connection)),
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_registered,
                          g_object_ref (self));
}

static void
on_watcher_vanished (G_GNUC_UNUSED GDBusConnection *connection,
                     G_GNUC_UNUSED const char      *name,
                     gpointer                       user_data)
{
  StrayTray *self = user_data;

  /* Called at once when there is no watcher at all: a desktop without a tray. */
  if (!self->registered)
    g_signal_emit (self, signals[SIGNAL_NO_HOST], 0);
  set_registered (self, FALSE);
}

/* ---- the object ---- */

static void
stray_tray_dispose (GObject *object)
{
  StrayTray *self = STRAY_TRAY (object);

  stray_tray_unexport (self);
  g_clear_handle_id (&self->update_id, g_source_remove);
  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      g_signal_handlers_disconnect_by_data (stray_session_get_channels (self->session), self);
    }
  g_clear_object (&self->menu);
  g_clear_object (&self->actions);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (stray_tray_parent_class)->dispose (object);
}

static void
stray_tray_finalize (GObject *object)
{
  StrayTray *self = STRAY_TRAY (object);

  g_free (self->icon_key);
  g_clear_pointer (&self->pixmaps, g_variant_unref);
  g_free (self->icon_name);
  g_free (self->tooltip);
  g_free (self->status);

  G_OBJECT_CLASS (stray_tray_parent_class)->finalize (object);
}

static void
stray_tray_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_REGISTERED:
      g_value_set_boolean (value, STRAY_TRAY (object)->registered);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
stray_tray_class_init (StrayTrayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = stray_tray_dispose;
  object_class->finalize = stray_tray_finalize;
  object_class->get_property = stray_tray_get_property;

  properties[PROP_REGISTERED] =
    g_param_spec_boolean ("registered", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Nothing will show the icon: no watcher, or one without a host. */
  signals[SIGNAL_NO_HOST] =
    g_signal_new ("no-host", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
stray_tray_init (G_GNUC_UNUSED StrayTray *self)
{
}

/**
 * stray_tray_new:
 * @session: what the icon shows
 * @actions: the app's actions: toggle-window, open-channel(s) and the menu's
 * @menu: the menu hosts show
 *
 * Returns: (transfer full): a tray item, not exported yet
 */
StrayTray *
stray_tray_new (StraySession *session,
                GActionGroup *actions,
                GMenuModel   *menu)
{
  StrayTray *self;

  g_return_val_if_fail (STRAY_IS_SESSION (session), NULL);
  g_return_val_if_fail (G_IS_ACTION_GROUP (actions), NULL);
  g_return_val_if_fail (G_IS_MENU_MODEL (menu), NULL);

  self = g_object_new (STRAY_TYPE_TRAY, NULL);
  self->session = g_object_ref (session);
  self->actions = g_object_ref (actions);
  self->menu = stray_dbus_menu_new (menu, actions);
  g_signal_connect (session, "notify", G_CALLBACK (on_session_changed), self);
  g_signal_connect (stray_session_get_channels (session), "items-changed",
                    G_CALLBACK (on_channels_changed), self);
  update (self);
  return self;
}

gboolean
stray_tray_export (StrayTray        *self,
                   GDBusConnection  *connection,
                   GError          **error)
{
  g_return_val_if_fail (STRAY_IS_TRAY (self), FALSE);

  if (!stray_dbus_menu_export (self->menu, connection, STRAY_TRAY_MENU_PATH, error))
    return FALSE;
  if (!stray_dbus_export (&self->export, connection, STRAY_TRAY_ITEM_PATH, introspection_xml,
                          &vtable, self, error))
    {
      stray_dbus_menu_unexport (self->menu);
      return FALSE;
    }
  self->watch_id = g_bus_watch_name_on_connection (connection, WATCHER_NAME,
                                                   G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   on_watcher_appeared, on_watcher_vanished,
                                                   self, NULL);
  return TRUE;
}

void
stray_tray_unexport (StrayTray *self)
{
  g_return_if_fail (STRAY_IS_TRAY (self));

  g_clear_handle_id (&self->watch_id, g_bus_unwatch_name);
  stray_dbus_unexport (&self->export);
  if (self->menu != NULL)
    stray_dbus_menu_unexport (self->menu);
  self->registered = FALSE;
}

void
stray_tray_set_hide_when_idle (StrayTray *self,
                               gboolean   hide)
{
  g_return_if_fail (STRAY_IS_TRAY (self));

  self->hide_when_idle = hide;
  schedule_update (self);
}

/* For the benchmark: how many times the icon was drawn. */
guint
stray_tray_get_n_renders (StrayTray *self)
{
  g_return_val_if_fail (STRAY_IS_TRAY (self), 0);

  return self->n_renders;
}

gboolean
stray_tray_get_registered (StrayTray *self)
{
  g_return_val_if_fail (STRAY_IS_TRAY (self), FALSE);

  return self->registered;
}
