/* fake-notifications.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fake-notifications.h"

static const char server_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "    <method name='GetServerInformation'>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "    </method>"
  "    <method name='Notify'>"
  "      <arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='as' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "      <arg type='u' direction='out'/>"
  "    </method>"
  "    <method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "    <property name='Inhibited' type='b' access='read'/>"
  "    <signal name='ActionInvoked'><arg type='u'/><arg type='s'/></signal>"
  "    <signal name='NotificationClosed'><arg type='u'/><arg type='u'/></signal>"
  "  </interface>"
  "</node>";

static void
notified_free (gpointer data)
{
  Notified *notified = data;

  g_free (notified->summary);
  g_free (notified->body);
  g_strfreev (notified->actions);
  g_variant_unref (notified->hints);
  g_free (notified);
}

static gboolean
wake_main (gpointer user_data)
{
  /* Nothing to do: running at all wakes the test's main context. */
  (void) user_data;
  return G_SOURCE_REMOVE;
}

static void
on_server_call (G_GNUC_UNUSED GDBusConnection *connection,
                G_GNUC_UNUSED const char      *sender,
                G_GNUC_UNUSED const char      *object_path,
                G_GNUC_UNUSED const char      *interface_name,
                const char                    *method,
                GVariant                      *parameters,
                GDBusMethodInvocation         *invocation,
                gpointer                       user_data)
{
  Server *server = user_data;

  if (g_str_equal (method, "GetCapabilities"))
    {
      const char *caps[] = { "body", "body-markup", "actions", "icon-static", NULL, NULL };

      if (server->inline_reply)
        caps[4] = "inline-reply";
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", caps));
      return;
    }
  if (g_str_equal (method, "GetServerInformation"))
    {
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(ssss)", "fake", "stream-tray",
                                                            "1", "1.2"));
      return;
    }

  g_mutex_lock (&server->lock);
  if (g_str_equal (method, "Notify"))
    {
      Notified *notified = g_new0 (Notified, 1);

      g_variant_get (parameters, "(&su&ss&s^as@a{sv}i)", NULL, &notified->replaces_id, NULL,
                     &notified->summary, NULL, &notified->actions, &notified->hints, NULL);
      {
        const char *body;

        g_variant_get_child (parameters, 4, "&s", &body);
        notified->body = g_strdup (body);
      }
      notified->id = notified->replaces_id != 0 ? notified->replaces_id : ++server->next_id;
      notified->received_at = g_get_monotonic_time ();
      g_ptr_array_add (server->notified, notified);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", notified->id));
    }
  else if (g_str_equal (method, "CloseNotification"))
    {
      guint32 id;

      g_variant_get (parameters, "(u)", &id);
      g_array_append_val (server->closed, id);
      g_dbus_method_invocation_return_value (invocation, NULL);
      g_dbus_connection_emit_signal (server->connection, NULL, "/org/freedesktop/Notifications",
                                     "org.freedesktop.Notifications", "NotificationClosed",
                                     g_variant_new ("(uu)", id, 3), NULL);
    }
  else
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "no method %s", method);
  server->events++;
  g_mutex_unlock (&server->lock);
  g_main_context_invoke (NULL, wake_main, NULL);
}

static GVariant *
on_server_property (G_GNUC_UNUSED GDBusConnection *connection,
                    G_GNUC_UNUSED const char      *sender,
                    G_GNUC_UNUSED const char      *object_path,
                    G_GNUC_UNUSED const char      *interface_name,
                    G_GNUC_UNUSED const char      *property_name,
                    G_GNUC_UNUSED GError         **error,
                    gpointer                       user_data)
{
  return g_variant_new_boolean (((Server *) user_data)->inhibited);
}

static const GDBusInterfaceVTable server_vtable = {
  on_server_call, on_server_property, NULL, { 0 }
};

static gpointer
server_thread (gpointer user_data)
{
  Server *server = user_data;
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (server_xml, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  guint registration;

  g_main_context_push_thread_default (server->context);
  server->connection =
    g_dbus_connection_new_for_address_sync (g_getenv ("DBUS_SESSION_BUS_ADDRESS"),
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);
  g_assert_no_error (error);
  registration = g_dbus_connection_register_object (server->connection,
                                                    "/org/freedesktop/Notifications",
                                                    info->interfaces[0], &server_vtable, server,
                                                    NULL, &error);
  g_assert_no_error (error);
  reply = g_dbus_connection_call_sync (server->connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.Notifications", 0),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       &error);
  g_assert_no_error (error);
  g_mutex_lock (&server->lock);
  server->events++;
  g_mutex_unlock (&server->lock);
  g_main_context_invoke (NULL, wake_main, NULL);

  g_main_loop_run (server->loop);
  g_dbus_connection_unregister_object (server->connection, registration);
  g_dbus_connection_close_sync (server->connection, NULL, NULL);
  g_clear_object (&server->connection);
  g_main_context_pop_thread_default (server->context);
  return NULL;
}

static gint
server_events (Server *server)
{
  gint events;

  g_mutex_lock (&server->lock);
  events = server->events;
  g_mutex_unlock (&server->lock);
  return events;
}

static gboolean
starting_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
on_owner_seen (G_GNUC_UNUSED GDBusConnection *bus,
               G_GNUC_UNUSED const char      *name,
               const char                    *owner,
               gpointer                       user_data)
{
  *(char **) user_data = g_strdup (owner);
}

/* The test's side of the bus has seen this server become the owner: libnotify's proxy, which
 * sends to the owner it last saw, follows the same signal in the same context, so a Notify sent
 * from now on cannot go to the previous test's server. */
static void
wait_until_seen_as_owner (Server *server)
{
  g_autofree char *unique_name = NULL;
  g_autofree char *owner = NULL;
  gboolean timed_out = FALSE;
  guint id, watch;

  g_mutex_lock (&server->lock);
  unique_name = g_strdup (g_dbus_connection_get_unique_name (server->connection));
  g_mutex_unlock (&server->lock);
  watch = g_bus_watch_name (G_BUS_TYPE_SESSION, "org.freedesktop.Notifications",
                            G_BUS_NAME_WATCHER_FLAGS_NONE, on_owner_seen, NULL, &owner, NULL);
  id = g_timeout_add_seconds (10, starting_timeout, &timed_out);
  while (g_strcmp0 (owner, unique_name) != 0 && !timed_out)
    {
      g_clear_pointer (&owner, g_free);
      g_main_context_iteration (NULL, TRUE);
    }
  if (!timed_out)
    g_source_remove (id);
  g_bus_unwatch_name (watch);
  g_assert_false (timed_out);
}

Server *
fake_notifications_start (guint flags)
{
  Server *server = g_new0 (Server, 1);
  gboolean timed_out = FALSE;
  guint id;

  g_mutex_init (&server->lock);
  server->notified = g_ptr_array_new_with_free_func (notified_free);
  server->closed = g_array_new (FALSE, FALSE, sizeof (guint32));
  server->context = g_main_context_new ();
  server->loop = g_main_loop_new (server->context, FALSE);
  server->inhibited = (flags & FAKE_NOTIFICATIONS_INHIBITED) != 0;
  server->inline_reply = (flags & FAKE_NOTIFICATIONS_INLINE_REPLY) != 0;
  server->thread = g_thread_new ("fake-notifications", server_thread, server);
  /* Until it owns the name. */
  id = g_timeout_add_seconds (10, starting_timeout, &timed_out);
  while (server_events (server) == 0 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_false (timed_out);
  wait_until_seen_as_owner (server);
  return server;
}

void
fake_notifications_stop (Server *server)
{
  g_main_loop_quit (server->loop);
  g_thread_join (server->thread);
  g_main_loop_unref (server->loop);
  g_main_context_unref (server->context);
  g_ptr_array_unref (server->notified);
  g_array_unref (server->closed);
  g_mutex_clear (&server->lock);
  g_free (server);
}

void
fake_notifications_invoke (Server     *server,
                           guint32     id,
                           const char *action)
{
  g_dbus_connection_emit_signal (server->connection, NULL, "/org/freedesktop/Notifications",
                                 "org.freedesktop.Notifications", "ActionInvoked",
                                 g_variant_new ("(us)", id, action), NULL);
}


void
fake_notifications_reply (Server     *server,
                          guint32     id,
                          const char *text)
{
  g_dbus_connection_emit_signal (server->connection, NULL, "/org/freedesktop/Notifications",
                                 "org.freedesktop.Notifications", "NotificationReplied",
                                 g_variant_new ("(us)", id, text), NULL);
}
