/* stray-dbus-service.c
 *
 * io.github.streamtray.StreamTray1 at the application's object path: TotalUnread (u),
 * UnreadChannels (u) and State (s) with PropertiesChanged, and GetChannels() returning the
 * channels as JSON text in the --replay format. Panels and scripts read it (stream-tray
 * --status does).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-dbus"

#include "config.h"

#include "stray-dbus-export.h"
#include "stray-dbus-service.h"
#include "stray-replay.h"

static const char introspection_xml[] =
  "<node>"
  "  <interface name='" STRAY_DBUS_INTERFACE "'>"
  "    <property name='TotalUnread' type='u' access='read'/>"
  "    <property name='UnreadChannels' type='u' access='read'/>"
  "    <property name='State' type='s' access='read'/>"
  "    <method name='GetChannels'>"
  "      <arg name='channels' type='s' direction='out'/>"
  "    </method>"
  "  </interface>"
  "</node>";

struct _StrayDbusService
{
  GObject parent_instance;

  StraySession *session;
  StrayDbusExport export;
  guint changed_id;
  gboolean total_changed;
  gboolean channels_changed;
  gboolean state_changed;
};

G_DEFINE_FINAL_TYPE (StrayDbusService, stray_dbus_service, G_TYPE_OBJECT)

static GVariant *
property_value (StrayDbusService *self,
                const char       *name)
{
  if (g_str_equal (name, "TotalUnread"))
    return g_variant_new_uint32 (stray_session_get_total_unread_count (self->session));
  if (g_str_equal (name, "UnreadChannels"))
    return g_variant_new_uint32 (stray_session_get_unread_channels (self->session));
  if (g_str_equal (name, "State"))
    return g_variant_new_string (stray_connection_state_to_string (
                                   stray_session_get_connection_state (self->session)));
  return NULL;
}

static GVariant *
on_get_property (G_GNUC_UNUSED GDBusConnection *connection,
                 G_GNUC_UNUSED const char      *sender,
                 G_GNUC_UNUSED const char      *object_path,
                 G_GNUC_UNUSED const char      *interface_name,
                 const char                    *property_name,
                 GError                       **error,
                 gpointer                       user_data)
{
  GVariant *value = property_value (user_data, property_name);

  if (value == NULL)
    g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "no property %s",
                 property_name);
  return value;
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
  StrayDbusService *self = user_data;

  if (g_str_equal (method_name, "GetChannels"))
    {
      g_autofree char *channels = stray_replay_describe_session (self->session, 0);

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", channels));
      return;
    }
  g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                         "no method %s", method_name);
}

static const GDBusInterfaceVTable vtable = { on_method_call, on_get_property, NULL, { 0 } };

/* At most every 100 ms, one signal with whatever changed: a busy channel is not a busy bus. */
#define CHANGED_INTERVAL_MS 100

static gboolean
on_changed_timeout (gpointer user_data)
{
  StrayDbusService *self = user_data;
  GVariantBuilder changed;

  self->changed_id = 0;
  if (self->export.connection == NULL)
    return G_SOURCE_REMOVE;
  g_variant_builder_init (&changed, G_VARIANT_TYPE ("a{sv}"));
  if (self->total_changed)
    g_variant_builder_add (&changed, "{sv}", "TotalUnread", property_value (self, "TotalUnread"));
  if (self->channels_changed)
    g_variant_builder_add (&changed, "{sv}", "UnreadChannels",
                           property_value (self, "UnreadChannels"));
  if (self->state_changed)
    g_variant_builder_add (&changed, "{sv}", "State", property_value (self, "State"));
  self->total_changed = self->channels_changed = self->state_changed = FALSE;
  stray_dbus_emit (&self->export, "org.freedesktop.DBus.Properties", "PropertiesChanged",
                   g_variant_new ("(sa{sv}as)", STRAY_DBUS_INTERFACE, &changed, NULL));
  return G_SOURCE_REMOVE;
}

static void
on_session_notify (G_GNUC_UNUSED StraySession *session,
                   GParamSpec                 *pspec,
                   StrayDbusService           *self)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "total-unread-count"))
    self->total_changed = TRUE;
  else if (g_str_equal (name, "unread-channels"))
    self->channels_changed = TRUE;
  else if (g_str_equal (name, "connection-state"))
    self->state_changed = TRUE;
  else
    return;
  if (self->changed_id == 0)
    self->changed_id = g_timeout_add (CHANGED_INTERVAL_MS, on_changed_timeout, self);
}

static void
stray_dbus_service_dispose (GObject *object)
{
  StrayDbusService *self = STRAY_DBUS_SERVICE (object);

  stray_dbus_service_unexport (self);
  g_clear_handle_id (&self->changed_id, g_source_remove);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (stray_dbus_service_parent_class)->dispose (object);
}

static void
stray_dbus_service_class_init (StrayDbusServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = stray_dbus_service_dispose;
}

static void
stray_dbus_service_init (G_GNUC_UNUSED StrayDbusService *self)
{
}

StrayDbusService *
stray_dbus_service_new (StraySession *session)
{
  StrayDbusService *self;

  g_return_val_if_fail (STRAY_IS_SESSION (session), NULL);

  self = g_object_new (STRAY_TYPE_DBUS_SERVICE, NULL);
  self->session = g_object_ref (session);
  g_signal_connect (session, "notify", G_CALLBACK (on_session_notify), self);
  return self;
}

gboolean
stray_dbus_service_export (StrayDbusService *self,
                           GDBusConnection  *connection,
                           const char       *object_path,
                           GError          **error)
{
  g_return_val_if_fail (STRAY_IS_DBUS_SERVICE (self), FALSE);

  return stray_dbus_export (&self->export, connection, object_path, introspection_xml, &vtable,
                            self, error);
}

void
stray_dbus_service_unexport (StrayDbusService *self)
{
  g_return_if_fail (STRAY_IS_DBUS_SERVICE (self));

  stray_dbus_unexport (&self->export);
}
