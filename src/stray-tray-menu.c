/* stray-tray-menu.c
 *
 * Open Stream Tray; "Invitations (N)" while invites wait (it opens the window, which lists
 * them); "N unread threads" while threads have unread replies (it opens the window); up to eight channels with unread messages (name and count; a click opens
 * it); Mark All as Read; Pause Notifications (for an hour, until tomorrow, resume);
 * Reconnect; Preferences; Quit. Every item is one of the app's actions, so the menu does what
 * the same action does anywhere else. The channel section follows the model, updated at most
 * every 100 ms like the icon.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-tray"

#include "config.h"

#include <glib/gi18n.h>

#include "stray-tray-menu.h"

#define UPDATE_INTERVAL_MS 100

struct _StrayTrayMenu
{
  GObject parent_instance;

  StraySession *session;
  GMenu *menu;
  GMenu *channels;
  GMenu *invites;   /* "Invitations (N)", or nothing */
  guint n_invites_shown;
  GMenu *threads;   /* "N unread threads", or nothing */
  guint n_threads_shown;
  char *shown;      /* what the channel section lists, to skip updates that change nothing */
  GPtrArray *listed; /* of StrayChannel: those shown, watched for renames, mutes and hiding */
  guint update_id;
};

G_DEFINE_FINAL_TYPE (StrayTrayMenu, stray_tray_menu, G_TYPE_OBJECT)

static GMenuItem *
item (const char *label,
      const char *action)
{
  return g_menu_item_new (label, action);
}

static void
append (GMenu      *menu,
        const char *label,
        const char *action)
{
  g_autoptr(GMenuItem) menu_item = item (label, action);

  g_menu_append_item (menu, menu_item);
}

static void
build (StrayTrayMenu *self)
{
  g_autoptr(GMenu) open = g_menu_new ();
  g_autoptr(GMenu) mark = g_menu_new ();
  g_autoptr(GMenu) pause = g_menu_new ();
  g_autoptr(GMenu) pause_section = g_menu_new ();
  g_autoptr(GMenu) app = g_menu_new ();

  append (open, _("Open Stream Tray"), "app.toggle-window");
  append (mark, _("Mark All as Read"), "app.mark-all-read");
  append (pause, _("For 1 Hour"), "app.pause-notifications::hour");
  append (pause, _("Until Tomorrow"), "app.pause-notifications::tomorrow");
  append (pause, _("Resume"), "app.pause-notifications::resume");
  g_menu_append_submenu (pause_section, _("Pause Notifications"), G_MENU_MODEL (pause));
  append (app, _("Reconnect"), "app.reconnect");
  append (app, _("Preferences"), "app.preferences");
  append (app, _("Quit"), "app.quit");

  g_menu_append_section (self->menu, NULL, G_MENU_MODEL (open));
  g_menu_append_section (self->menu, NULL, G_MENU_MODEL (self->invites));
  g_menu_append_section (self->menu, NULL, G_MENU_MODEL (self->threads));
  g_menu_append_section (self->menu, NULL, G_MENU_MODEL (self->channels));
  g_menu_append_section (self->menu, NULL, G_MENU_MODEL (mark));
  g_menu_append_section (self->menu, NULL, G_MENU_MODEL (pause_section));
  g_menu_append_section (self->menu, NULL, G_MENU_MODEL (app));
}

static void schedule_update (StrayTrayMenu *self);

static void
on_listed_channel_changed (G_GNUC_UNUSED GObject    *channel,
                           G_GNUC_UNUSED GParamSpec *pspec,
                           StrayTrayMenu            *self)
{
  schedule_update (self);
}

static void
unwatch_listed (StrayTrayMenu *self)
{
  for (guint i = 0; i < self->listed->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->listed, i), self);
  g_ptr_array_set_size (self->listed, 0);
}

static void
update_invites (StrayTrayMenu *self)
{
  guint n = g_list_model_get_n_items (stray_session_get_invites (self->session));
  g_autofree char *label = NULL;

  if (n == self->n_invites_shown)
    return;
  self->n_invites_shown = n;
  g_menu_remove_all (self->invites);
  if (n == 0)
    return;
  label = g_strdup_printf (_("Invitations (%u)"), n);
  append (self->invites, label, "app.show-invitations");
}

static void
update_threads (StrayTrayMenu *self)
{
  guint n = stray_session_get_unread_threads (self->session);
  g_autofree char *label = NULL;

  if (n == self->n_threads_shown)
    return;
  self->n_threads_shown = n;
  g_menu_remove_all (self->threads);
  if (n == 0)
    return;
  label = g_strdup_printf (ngettext ("%u unread thread", "%u unread threads", n), n);
  append (self->threads, label, "app.show-threads");
}

/**
 * stray_tray_menu_update:
 *
 * Lists the newest channels with unread messages, if that changed.
 */
void
stray_tray_menu_update (StrayTrayMenu *self)
{
  StrayChannelList *channels = stray_session_get_channels (self->session);
  guint n_channels = g_list_model_get_n_items (G_LIST_MODEL (channels));
  g_autoptr(GString) shown = g_string_new (NULL);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_if_fail (STRAY_IS_TRAY_MENU (self));

  update_invites (self);
  update_threads (self);
  unwatch_listed (self);
  for (guint i = 0; i < n_channels && items->len < STRAY_TRAY_MENU_MAX_CHANNELS; i++)
    {
      StrayChannel *channel = stray_channel_list_peek (channels, i);
      guint unread = stray_channel_get_unread_count (channel);
      const char *title = stray_channel_get_title (channel);
      g_autoptr(GString) label = NULL;
      GMenuItem *menu_item;

      if (unread == 0 || stray_channel_get_muted (channel) || stray_channel_get_hidden (channel))
        continue;
      /* A single underscore would be taken for a mnemonic; a doubled one shows as itself. */
      label = g_string_new (title);
      g_string_replace (label, "_", "__", 0);
      g_string_append_printf (label, " (%u)", unread);
      menu_item = g_menu_item_new (label->str, NULL);
      g_menu_item_set_action_and_target (menu_item, "app.open-channel", "s",
                                         stray_channel_get_cid (channel));
      g_ptr_array_add (items, menu_item);
      /* Totals do not change when a listed channel is renamed, muted or hidden: watch it. */
      g_ptr_array_add (self->listed, g_object_ref (channel));
      g_signal_connect (channel, "notify::title", G_CALLBACK (on_listed_channel_changed), self);
      g_signal_connect (channel, "notify::muted", G_CALLBACK (on_listed_channel_changed), self);
      g_signal_connect (channel, "notify::hidden", G_CALLBACK (on_listed_channel_changed), self);
      g_string_append_printf (shown, "%s\n%s\n", stray_channel_get_cid (channel), label->str);
    }

  if (g_strcmp0 (shown->str, self->shown) == 0)
    return;
  g_free (self->shown);
  self->shown = g_strdup (shown->str);
  g_menu_remove_all (self->channels);
  for (guint i = 0; i < items->len; i++)
    g_menu_append_item (self->channels, g_ptr_array_index (items, i));
}

static gboolean
on_update_timeout (gpointer user_data)
{
  StrayTrayMenu *self = user_data;

  self->update_id = 0;
  stray_tray_menu_update (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_update (StrayTrayMenu *self)
{
  if (self->update_id == 0)
    self->update_id = g_timeout_add (UPDATE_INTERVAL_MS, on_update_timeout, self);
}

static void
on_session_changed (G_GNUC_UNUSED GObject    *object,
                    G_GNUC_UNUSED GParamSpec *pspec,
                    StrayTrayMenu            *self)
{
  schedule_update (self);
}

static void
on_channels_changed (G_GNUC_UNUSED GListModel *list,
                     G_GNUC_UNUSED guint       position,
                     G_GNUC_UNUSED guint       removed,
                     G_GNUC_UNUSED guint       added,
                     StrayTrayMenu            *self)
{
  schedule_update (self);
}

static void
stray_tray_menu_dispose (GObject *object)
{
  StrayTrayMenu *self = STRAY_TRAY_MENU (object);

  g_clear_handle_id (&self->update_id, g_source_remove);
  unwatch_listed (self);
  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      g_signal_handlers_disconnect_by_data (stray_session_get_channels (self->session), self);
      g_signal_handlers_disconnect_by_data (stray_session_get_invites (self->session), self);
    }
  g_clear_object (&self->session);
  g_clear_object (&self->channels);
  g_clear_object (&self->invites);
  g_clear_object (&self->threads);
  g_clear_object (&self->menu);

  G_OBJECT_CLASS (stray_tray_menu_parent_class)->dispose (object);
}

static void
stray_tray_menu_finalize (GObject *object)
{
  g_free (STRAY_TRAY_MENU (object)->shown);
  g_ptr_array_unref (STRAY_TRAY_MENU (object)->listed);

  G_OBJECT_CLASS (stray_tray_menu_parent_class)->finalize (object);
}

static void
stray_tray_menu_class_init (StrayTrayMenuClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = stray_tray_menu_dispose;
  object_class->finalize = stray_tray_menu_finalize;
}

static void
stray_tray_menu_init (StrayTrayMenu *self)
{
  self->menu = g_menu_new ();
  self->channels = g_menu_new ();
  self->invites = g_menu_new ();
  self->threads = g_menu_new ();
  self->listed = g_ptr_array_new_with_free_func (g_object_unref);
  build (self);
}

StrayTrayMenu *
stray_tray_menu_new (StraySession *session)
{
  StrayTrayMenu *self;

  g_return_val_if_fail (STRAY_IS_SESSION (session), NULL);

  self = g_object_new (STRAY_TYPE_TRAY_MENU, NULL);
  self->session = g_object_ref (session);
  /* Totals change with every count; unread-channels and the list cover the rest. */
  g_signal_connect (session, "notify::total-unread-count", G_CALLBACK (on_session_changed), self);
  g_signal_connect (session, "notify::unread-channels", G_CALLBACK (on_session_changed), self);
  g_signal_connect (session, "notify::unread-threads", G_CALLBACK (on_session_changed), self);
  g_signal_connect (stray_session_get_channels (session), "items-changed",
                    G_CALLBACK (on_channels_changed), self);
  g_signal_connect (stray_session_get_invites (session), "items-changed",
                    G_CALLBACK (on_channels_changed), self);
  stray_tray_menu_update (self);
  return self;
}

/**
 * stray_tray_menu_get_model:
 *
 * Returns: (transfer none): the menu
 */
GMenuModel *
stray_tray_menu_get_model (StrayTrayMenu *self)
{
  g_return_val_if_fail (STRAY_IS_TRAY_MENU (self), NULL);

  return G_MENU_MODEL (self->menu);
}
