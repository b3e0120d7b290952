/* stray-launcher-entry.c
 *
 * com.canonical.Unity.LauncherEntry's Update signal carries the count to Ubuntu Dock, Dash to
 * Dock, Dash to Panel, Plank and KDE's task manager (desktop-notes.md). Docks forget the badge
 * when its sender goes away, so it is sent again whenever com.canonical.Unity appears.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-tray"

#include "config.h"

#include "stray-launcher-entry.h"

#define APP_URI "application://" APP_ID ".desktop"

struct _StrayLauncherEntry
{
  GObject parent_instance;

  StraySession *session;
  GDBusConnection *connection;
  char *object_path;
  guint watch_id;
  gint64 sent_count;
  gboolean sent_urgent;
  gboolean sent_once;
  guint update_id;
};

G_DEFINE_FINAL_TYPE (StrayLauncherEntry, stray_launcher_entry, G_TYPE_OBJECT)

static gboolean
is_urgent (StraySession *session)
{
  StrayChannelList *channels = stray_session_get_channels (session);
  guint n_channels = g_list_model_get_n_items (G_LIST_MODEL (channels));

  for (guint i = 0; i < n_channels; i++)
    {
      StrayChannel *channel = stray_channel_list_peek (channels, i);

      if (stray_channel_get_attention (channel) && !stray_channel_get_muted (channel))
        return TRUE;
    }
  return FALSE;
}

static void
send_update (StrayLauncherEntry *self,
             gboolean            even_unchanged)
{
  gint64 count = stray_session_get_total_unread_count (self->session);
  gboolean urgent = count > 0 && is_urgent (self->session);
  GVariantBuilder properties;

  if (self->connection == NULL ||
      (!even_unchanged && self->sent_once && count == self->sent_count &&
       urgent == self->sent_urgent))
    return;

  g_variant_builder_init (&properties, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&properties, "{sv}", "count", g_variant_new_int64 (count));
  g_variant_builder_add (&properties, "{sv}", "count-visible", g_variant_new_boolean (count > 0));
  g_variant_builder_add (&properties, "{sv}", "urgent", g_variant_new_boolean (urgent));
  g_dbus_connection_emit_signal (self->connection, NULL, self->object_path,
                                 "com.canonical.Unity.LauncherEntry", "Update",
                                 g_variant_new ("(sa{sv})", APP_URI, &properties), NULL);
  self->sent_count = count;
  self->sent_urgent = urgent;
  self->sent_once = TRUE;
}

static gboolean
on_update_timeout (gpointer user_data)
{
  StrayLauncherEntry *self = user_data;

  self->update_id = 0;
  send_update (self, FALSE);
  return G_SOURCE_REMOVE;
}

/* Coalesced like the tray icon: at most one Update every 100 ms. */
static void
on_session_changed (G_GNUC_UNUSED GObject    *object,
                    G_GNUC_UNUSED GParamSpec *pspec,
                    StrayLauncherEntry       *self)
{
  if (self->update_id == 0)
    self->update_id = g_timeout_add (100, on_update_timeout, self);
}

static void
on_unity_appeared (G_GNUC_UNUSED GDBusConnection *connection,
                   G_GNUC_UNUSED const char      *name,
                   G_GNUC_UNUSED const char      *owner,
                   gpointer                       user_data)
{
  send_update (user_data, TRUE);
}

static void
stray_launcher_entry_dispose (GObject *object)
{
  StrayLauncherEntry *self = STRAY_LAUNCHER_ENTRY (object);

  stray_launcher_entry_stop (self);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (stray_launcher_entry_parent_class)->dispose (object);
}

static void
stray_launcher_entry_class_init (StrayLauncherEntryClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = stray_launcher_entry_dispose;
}

static void
stray_launcher_entry_init (G_GNUC_UNUSED StrayLauncherEntry *self)
{
}

StrayLauncherEntry *
stray_launcher_entry_new (StraySession *session)
{
  StrayLauncherEntry *self;

  g_return_val_if_fail (STRAY_IS_SESSION (session), NULL);

  self = g_object_new (STRAY_TYPE_LAUNCHER_ENTRY, NULL);
  self->session = g_object_ref (session);
  g_signal_connect (session, "notify::total-unread-count", G_CALLBACK (on_session_changed), self);
  g_signal_connect (session, "notify::unread-channels", G_CALLBACK (on_session_changed), self);
  return self;
}

void
stray_launcher_entry_start (StrayLauncherEntry *self,
                            GDBusConnection    *connection,
                            const char         *object_path)
{
  g_return_if_fail (STRAY_IS_LAUNCHER_ENTRY (self));
  g_return_if_fail (self->connection == NULL);

  self->connection = g_object_ref (connection);
  self->object_path = g_strdup (object_path);
  self->watch_id = g_bus_watch_name_on_connection (connection, "com.canonical.Unity",
                                                   G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   on_unity_appeared, NULL, self, NULL);
  send_update (self, TRUE);
}

void
stray_launcher_entry_stop (StrayLauncherEntry *self)
{
  g_return_if_fail (STRAY_IS_LAUNCHER_ENTRY (self));

  g_clear_handle_id (&self->watch_id, g_bus_unwatch_name);
  g_clear_handle_id (&self->update_id, g_source_remove);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->object_path, g_free);
  self->sent_once = FALSE;
}
