/* stray-dbus-export.c: exporting one interface at one path, and taking it back
 *
 * The D-Bus service, the tray item and its menu each export one interface described by
 * introspection XML; this is the part they share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-dbus"

#include "config.h"

#include "stray-dbus-export.h"

/**
 * stray_dbus_export:
 * @introspection_xml: a node with the one interface to export
 *
 * Returns: whether the object is exported; on failure @export is left as it was
 */
gboolean
stray_dbus_export (StrayDbusExport             *export,
                   GDBusConnection             *connection,
                   const char                  *object_path,
                   const char                  *introspection_xml,
                   const GDBusInterfaceVTable  *vtable,
                   gpointer                     user_data,
                   GError                     **error)
{
  g_autoptr(GDBusNodeInfo) info = NULL;
  guint registration_id;

  g_return_val_if_fail (export->connection == NULL, FALSE);

  info = g_dbus_node_info_new_for_xml (introspection_xml, error);
  if (info == NULL)
    return FALSE;
  registration_id = g_dbus_connection_register_object (connection, object_path,
                                                       info->interfaces[0], vtable, user_data,
                                                       NULL, error);
  if (registration_id == 0)
    return FALSE;
  export->registration_id = registration_id;
  export->connection = g_object_ref (connection);
  export->object_path = g_strdup (object_path);
  return TRUE;
}

/* Takes the object off the bus, if it is on it. */
void
stray_dbus_unexport (StrayDbusExport *export)
{
  if (export->connection != NULL && export->registration_id != 0)
    g_dbus_connection_unregister_object (export->connection, export->registration_id);
  export->registration_id = 0;
  g_clear_object (&export->connection);
  g_clear_pointer (&export->object_path, g_free);
}

/**
 * stray_dbus_emit:
 * @parameters: (nullable) (transfer floating): the signal's arguments
 *
 * Emits a signal from the exported object to everyone listening; nothing while not exported.
 *
 * Returns: whether it was sent
 */
gboolean
stray_dbus_emit (StrayDbusExport *export,
                 const char      *interface,
                 const char      *signal,
                 GVariant        *parameters)
{
  if (export->connection == NULL || export->registration_id == 0)
    {
      if (parameters != NULL)
        g_variant_unref (g_variant_ref_sink (parameters));
      return FALSE;
    }
  return g_dbus_connection_emit_signal (export->connection, NULL, export->object_path, interface,
                                        signal, parameters, NULL);
}
