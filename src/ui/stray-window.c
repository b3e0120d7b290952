/* stray-window.c: the channel list, a channel, or the setup page
 *
 * One small window: the user's channels newest first (a GtkListView, so that only the rows on
 * screen exist however many channels there are), filtered by a search, and one channel at a
 * time with its last messages and a reply entry. Without an account it shows the setup page.
 * The model is the daemon's StraySession; commands go through the application's actions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "stray-channel-list.h"
#include "stray-channel-row.h"
#include "stray-channel-view.h"
#include "stray-invite-list.h"
#include "stray-reminder-list.h"
#include "stray-preferences-window.h"
#include "stray-setup-page.h"
#include "stray-thread-view.h"
#include "stray-window.h"

struct _StrayWindow
{
  GtkWindow parent_instance;

  StrayApplication *application;
  StraySession *session;
  GtkFilterListModel *visible_channels;
  GtkStringFilter *search_filter;
  GtkSingleSelection *selection;
  char *pending_cid; /* asked for before the channel arrived */
  char *pending_thread; /* with pending_cid: the thread to open in it */
  char *pending_message; /* with pending_cid: the message to open it at */
  guint read_timeout_id;
  GtkWindow *preferences;

  GtkStack *stack;
  GtkStack *content_stack;
  GtkStack *list_stack;
  GtkLabel *state_label;
  GtkLabel *empty_label;
  GtkLabel *banner;
  GtkButton *mark_all_read_button;
  GtkToggleButton *search_button;
  GtkSearchBar *search_bar;
  GtkSearchEntry *search_entry;
  GtkListView *list_view;
  StrayChannelView *channel_view;
  StrayInviteList *invite_list; /* the pending invites, above the channels */
  StrayReminderList *reminder_list; /* the upcoming reminders, below the invites */
  StrayThreadView *thread_view; /* the content stack's "thread" page */
  StraySetupPage *setup_page; /* only while there is no account */
  guint drop_setup_id;
};

G_DEFINE_FINAL_TYPE (StrayWindow, stray_window, GTK_TYPE_WINDOW)

static StrayChannel *
shown_channel (StrayWindow *self)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "channel") != 0 ||
      g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "channels") != 0)
    return NULL;
  return stray_channel_view_get_channel (self->channel_view);
}

static gboolean
on_read_timeout (gpointer user_data)
{
  StrayWindow *self = user_data;
  StrayChannel *channel = shown_channel (self);

  self->read_timeout_id = 0;
  if (channel != NULL && stray_channel_get_unread_count (channel) > 0)
    gtk_widget_activate_action (GTK_WIDGET (self), "app.mark-read", "s",
                                stray_channel_get_cid (channel));
  return G_SOURCE_REMOVE;
}

/* A channel on screen in the focused window is being read: it gets no notifications, and once
 * it has been there for a moment, it is marked read on the server. */
static void
update_reading (StrayWindow *self)
{
  StrayChannel *channel = shown_channel (self);
  gboolean reading = channel != NULL && gtk_window_is_active (GTK_WINDOW (self));

  stray_application_set_focused_channel (self->application,
                                         reading ? stray_channel_get_cid (channel) : NULL);
  stray_application_set_focused_thread (self->application,
                                        gtk_window_is_active (GTK_WINDOW (self))
                                        ? stray_window_get_shown_thread (self) : NULL);
  if (!reading || stray_channel_get_unread_count (channel) == 0)
    {
      g_clear_handle_id (&self->read_timeout_id, g_source_remove);
      return;
    }
  if (self->read_timeout_id == 0)
    self->read_timeout_id = g_timeout_add (STRAY_WINDOW_READ_DELAY_MS, on_read_timeout, self);
}

static void
on_reading_changed (StrayWindow *self)
{
  update_reading (self);
}

/* Short, for the header bar; what went wrong is told in full in the banner. */
static char *
describe_state (StrayWindow *self)
{
  StrayConnectionState state = stray_session_get_connection_state (self->session);
  guint unread = stray_session_get_total_unread_count (self->session);

  switch (state)
    {
    case STRAY_CONNECTION_CONNECTED:
      if (unread == 0)
        return g_strdup (_("All read"));
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u unread message",
                                           "%u unread messages", unread), unread);
    case STRAY_CONNECTION_SYNCING:
      return g_strdup (_("Syncing…"));
    case STRAY_CONNECTION_CONNECTING:
      return g_strdup (_("Connecting…"));
    case STRAY_CONNECTION_DISCONNECTED:
      return g_strdup (_("Offline, reconnecting"));
    case STRAY_CONNECTION_AUTH_FAILED:
      return g_strdup (_("Sign-in failed"));
    case STRAY_CONNECTION_NOT_CONFIGURED:
    default:
      return g_strdup (_("No account set up"));
    }
}

static void
update_banner (StrayWindow *self)
{
  StrayConnectionState state = stray_session_get_connection_state (self->session);
  const GError *error = stray_application_get_connection_error (self->application);
  g_autofree char *text = NULL;

  if (state == STRAY_CONNECTION_AUTH_FAILED)
    text = g_strdup_printf (_("The server refused the account: %s. Sign out in the "
                              "preferences to set it up again."),
                            error != NULL ? error->message : _("no reason given"));
  else if (state == STRAY_CONNECTION_DISCONNECTED && error != NULL)
    text = g_strdup_printf (_("Offline: %s"), error->message);
  gtk_label_set_text (self->banner, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->banner), text != NULL);
}

static void
update_empty (StrayWindow *self)
{
  const char *search = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->visible_channels));

  if (n > 0)
    {
      gtk_stack_set_visible_child_name (self->list_stack, "channels");
      return;
    }
  if (search != NULL && *search != '\0')
    {
      g_autofree char *text = g_strdup_printf (_("No channel matches “%s”"), search);

      gtk_label_set_text (self->empty_label, text);
    }
  else
    gtk_label_set_text (self->empty_label, _("No channels yet"));
  gtk_stack_set_visible_child_name (self->list_stack, "empty");
}

/* "General — Stream Tray" while a channel is open: the task switcher says where it is. */
static void
update_title (StrayWindow *self)
{
  StrayChannel *channel = shown_channel (self);
  g_autofree char *title = NULL;

  /* A thread is named by its channel too. */
  if (channel == NULL &&
      g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "thread") == 0)
    channel = stray_channel_view_get_channel (self->channel_view);
  if (channel != NULL)
    /* Translators: the window's title, with the channel on screen */
    title = g_strdup_printf (_("%s — Stream Tray"), stray_channel_get_title (channel));
  gtk_window_set_title (GTK_WINDOW (self), title != NULL ? title : _("Stream Tray"));
}

/* @message_id: (nullable): the message to show it at; none, its latest */
static void
open_channel (StrayWindow  *self,
              StrayChannel *channel,
              const char   *message_id)
{
  /* The user's choice replaces a channel still awaited, and the read timer starts again. */
  g_clear_pointer (&self->pending_cid, g_free);
  g_clear_pointer (&self->pending_thread, g_free);
  g_clear_pointer (&self->pending_message, g_free);
  g_clear_handle_id (&self->read_timeout_id, g_source_remove);
  stray_thread_view_clear (self->thread_view);
  if (message_id != NULL)
    {
      /* On screen first: the message, if already shown, takes the focus now. */
      gtk_stack_set_visible_child_name (self->content_stack, "channel");
      stray_channel_view_show_message (self->channel_view, channel, message_id);
    }
  else
    {
      stray_channel_view_set_channel (self->channel_view, channel);
      gtk_stack_set_visible_child_name (self->content_stack, "channel");
      gtk_widget_grab_focus (GTK_WIDGET (self->channel_view));
    }
  update_title (self);
  update_reading (self);
}

/* Back to the list: the channel view lets go of its channel and its messages. */
static void
close_channel (StrayWindow *self)
{
  gtk_stack_set_visible_child_name (self->content_stack, "list");
  stray_thread_view_clear (self->thread_view);
  stray_channel_view_set_channel (self->channel_view, NULL);
  update_title (self);
  update_reading (self);
}

/* The thread under @parent_id in the channel on screen, in place of the channel; the thread
 * view marks it read. */
static void
open_thread (StrayWindow *self,
             const char  *parent_id)
{
  StrayChannel *channel = stray_channel_view_get_channel (self->channel_view);

  if (channel == NULL)
    return;
  stray_thread_view_show_thread (self->thread_view, channel, parent_id);
  gtk_stack_set_visible_child_name (self->content_stack, "thread");
  gtk_widget_grab_focus (GTK_WIDGET (self->thread_view));
  update_title (self);
  update_reading (self);
}

/* From the thread back to its channel, fetched again: its messages' reply counts have moved. */
static void
close_thread (StrayWindow *self)
{
  g_autoptr(StrayChannel) channel = NULL;

  g_set_object (&channel, stray_channel_view_get_channel (self->channel_view));
  stray_channel_view_set_channel (self->channel_view, NULL);
  stray_channel_view_set_channel (self->channel_view, channel);
  gtk_stack_set_visible_child_name (self->content_stack, "channel");
  stray_thread_view_clear (self->thread_view);
  gtk_widget_grab_focus (GTK_WIDGET (self->channel_view));
  update_reading (self);
}

static void
try_pending_channel (StrayWindow *self)
{
  StrayChannel *channel;
  g_autofree char *thread = NULL;
  g_autofree char *message = NULL;

  if (self->pending_cid == NULL)
    return;
  channel = stray_channel_list_lookup (stray_session_get_channels (self->session),
                                       self->pending_cid);
  if (channel == NULL)
    return;
  thread = g_steal_pointer (&self->pending_thread);
  message = g_steal_pointer (&self->pending_message);
  open_channel (self, channel, message);
  if (thread != NULL)
    open_thread (self, thread);
}

static gboolean
drop_setup_page (gpointer user_data)
{
  StrayWindow *self = user_data;

  self->drop_setup_id = 0;
  if (self->setup_page != NULL &&
      g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "setup") != 0)
    {
      gtk_stack_remove (self->stack, GTK_WIDGET (self->setup_page));
      self->setup_page = NULL;
    }
  return G_SOURCE_REMOVE;
}

static void
update_state (StrayWindow *self)
{
  StrayConnectionState state = stray_session_get_connection_state (self->session);
  g_autofree char *text = describe_state (self);
  gboolean setup = state == STRAY_CONNECTION_NOT_CONFIGURED &&
                   !stray_application_is_demo (self->application);

  gtk_label_set_text (self->state_label, text);
  update_banner (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->mark_all_read_button),
                            (state == STRAY_CONNECTION_CONNECTED ||
                             state == STRAY_CONNECTION_SYNCING) &&
                            stray_session_get_total_unread_count (self->session) > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->search_button), !setup);
  gtk_widget_set_visible (GTK_WIDGET (self->mark_all_read_button), !setup);
  /* The setup page exists only while it is needed: most windows never show it. */
  if (setup && self->setup_page == NULL)
    {
      self->setup_page = g_object_new (STRAY_TYPE_SETUP_PAGE, NULL);
      stray_setup_page_set_application (self->setup_page, self->application);
      gtk_stack_add_named (self->stack, GTK_WIDGET (self->setup_page), "setup");
    }
  gtk_stack_set_visible_child_name (self->stack, setup ? "setup" : "channels");
  if (setup)
    g_clear_pointer (&self->pending_cid, g_free);
  /* Not at once: the page may be in the middle of the call that set the account up. */
  if (!setup && self->setup_page != NULL && self->drop_setup_id == 0)
    self->drop_setup_id = g_idle_add (drop_setup_page, self);
  if (setup)
    gtk_stack_set_visible_child_name (self->content_stack, "list");
}

static void
on_session_changed (StrayWindow *self)
{
  update_state (self);
}

static void
on_channels_changed (StrayWindow *self)
{
  update_empty (self);
  try_pending_channel (self);
  /* The channel on screen may have gone (left, deleted, signed out). */
  if (stray_channel_view_get_channel (self->channel_view) != NULL &&
      stray_channel_list_lookup (stray_session_get_channels (self->session),
                                 stray_channel_get_cid (stray_channel_view_get_channel (
                                   self->channel_view))) == NULL)
    close_channel (self);
  else
    update_reading (self);
}

static void
on_search_changed (GtkSearchEntry *entry,
                   StrayWindow    *self)
{
  gtk_string_filter_set_search (self->search_filter,
                                gtk_editable_get_text (GTK_EDITABLE (entry)));
  /* Searching is looking for another channel: the list comes back. */
  if (shown_channel (self) != NULL)
    close_channel (self);
  update_empty (self);
}

/* Enter in the search opens the first match. */
static void
on_search_activate (G_GNUC_UNUSED GtkSearchEntry *entry,
                    StrayWindow                  *self)
{
  g_autoptr(StrayChannel) channel =
    g_list_model_get_item (G_LIST_MODEL (self->visible_channels), 0);

  if (channel != NULL)
    open_channel (self, channel, NULL);
}

static void
on_stop_search (G_GNUC_UNUSED GtkSearchEntry *entry,
                StrayWindow                  *self)
{
  gtk_toggle_button_set_active (self->search_button, FALSE);
}

static void
on_channel_activated (G_GNUC_UNUSED GtkListView *list_view,
                      guint                      position,
                      StrayWindow               *self)
{
  g_autoptr(StrayChannel) channel =
    g_list_model_get_item (G_LIST_MODEL (self->visible_channels), position);

  if (channel != NULL)
    open_channel (self, channel, NULL);
}

static void
on_channel_view_back (G_GNUC_UNUSED StrayChannelView *view,
                      StrayWindow                    *self)
{
  g_clear_pointer (&self->pending_cid, g_free);
  close_channel (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
}

/* Escape steps back: from a channel to the list, out of the search, then closes. */
static void
action_back (GtkWidget              *widget,
             G_GNUC_UNUSED const char *action_name,
             G_GNUC_UNUSED GVariant  *parameter)
{
  StrayWindow *self = STRAY_WINDOW (widget);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "thread") == 0)
    close_thread (self);
  else if (shown_channel (self) != NULL)
    on_channel_view_back (self->channel_view, self);
  else if (gtk_search_bar_get_search_mode (self->search_bar))
    {
      gtk_toggle_button_set_active (self->search_button, FALSE);
      gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
    }
  else
    gtk_window_close (GTK_WINDOW (self));
}

static void
action_search (GtkWidget              *widget,
               G_GNUC_UNUSED const char *action_name,
               G_GNUC_UNUSED GVariant  *parameter)
{
  StrayWindow *self = STRAY_WINDOW (widget);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "channels") != 0)
    return;
  gtk_toggle_button_set_active (self->search_button, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
action_show_shortcuts (GtkWidget              *widget,
                       G_GNUC_UNUSED const char *action_name,
                       G_GNUC_UNUSED GVariant  *parameter)
{
  g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource (
    "/io/github/streamtray/StreamTray/stray-shortcuts-window.ui");
  GtkWindow *shortcuts = GTK_WINDOW (gtk_builder_get_object (builder, "shortcuts_window"));

  /* GTK keeps it while it is open; it goes when closed, or with the window. */
  gtk_window_set_transient_for (shortcuts, GTK_WINDOW (widget));
  gtk_window_present (shortcuts);
}

static void
setup_row (G_GNUC_UNUSED GtkSignalListItemFactory *factory,
           GtkListItem                            *item,
           StrayWindow                            *self)
{
  gtk_list_item_set_child (item, GTK_WIDGET (stray_channel_row_new (
    stray_application_get_avatars (self->application))));
}

static void
bind_row (G_GNUC_UNUSED GtkSignalListItemFactory *factory,
          GtkListItem                            *item,
          G_GNUC_UNUSED gpointer                  user_data)
{
  stray_channel_row_set_channel (STRAY_CHANNEL_ROW (gtk_list_item_get_child (item)),
                                 gtk_list_item_get_item (item));
}

static void
unbind_row (G_GNUC_UNUSED GtkSignalListItemFactory *factory,
            GtkListItem                            *item,
            G_GNUC_UNUSED gpointer                  user_data)
{
  stray_channel_row_set_channel (STRAY_CHANNEL_ROW (gtk_list_item_get_child (item)), NULL);
}

/* A message's "N replies": its thread, in the channel on screen. */
static void
action_open_thread (GtkWidget              *widget,
                    G_GNUC_UNUSED const char *action_name,
                    GVariant               *parameter)
{
  open_thread (STRAY_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
stray_window_dispose (GObject *object)
{
  StrayWindow *self = STRAY_WINDOW (object);

  g_clear_handle_id (&self->read_timeout_id, g_source_remove);
  g_clear_handle_id (&self->drop_setup_id, g_source_remove);
  if (self->application != NULL)
    {
      stray_application_set_focused_channel (self->application, NULL);
      stray_application_set_focused_thread (self->application, NULL);
    }
  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      g_signal_handlers_disconnect_by_data (stray_session_get_channels (self->session), self);
    }
  if (self->preferences != NULL)
    gtk_window_destroy (self->preferences);
  g_clear_object (&self->selection);
  g_clear_object (&self->visible_channels);
  g_clear_object (&self->session);
  g_clear_object (&self->application);
  g_clear_pointer (&self->pending_cid, g_free);
  g_clear_pointer (&self->pending_thread, g_free);
  g_clear_pointer (&self->pending_message, g_free);

  G_OBJECT_CLASS (stray_window_parent_class)->dispose (object);
}

static void
stray_window_class_init (StrayWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = stray_window_dispose;

  g_type_ensure (STRAY_TYPE_CHANNEL_VIEW);
  g_type_ensure (STRAY_TYPE_SETUP_PAGE);
  g_type_ensure (STRAY_TYPE_INVITE_LIST);
  g_type_ensure (STRAY_TYPE_REMINDER_LIST);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/streamtray/StreamTray/stray-window.ui");
  gtk_widget_class_bind_template_child (widget_class, StrayWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, StrayWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, StrayWindow, list_stack);
  gtk_widget_class_bind_template_child (widget_class, StrayWindow, state_label);
  gtk_widget_class_bind_template_child (widget_class, StrayWindow, empty_label);
  gtk_widget_class_bind_template_child (widget_class, StrayWindow, banner);
  gtk_widget_class_bind_template_child (widget_class, StrayWindow, mark_all_read_button);
  gtk_widget_class_bind_template_child (widget_class, StrayWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, StrayWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, StrayWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, StrayWindow, list_view);
  gtk_widget_class_bind_template_child (widget_class, StrayWindow, channel_view);
  gtk_widget_class_bind_template_child (widget_class, StrayWindow, invite_list);
  gtk_widget_class_bind_template_child (widget_class, StrayWindow, reminder_list);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_search_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search);
  gtk_widget_class_bind_template_callback (widget_class, on_channel_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_channel_view_back);

  /* The window's own actions, each with its key. */
  gtk_widget_class_install_action (widget_class, "win.back", NULL, action_back);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, action_search);
  gtk_widget_class_install_action (widget_class, "win.open-thread", "s", action_open_thread);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search",
                                       NULL);
  /* The daemon is a GApplication (GTK is this module's), so no gtk_application accels: the
   * keys are the window's, naming the app's actions (its one table) and GtkWindow's own. */
  gtk_widget_class_install_action (widget_class, "win.show-shortcuts", NULL,
                                   action_show_shortcuts);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F1, 0, "win.show-shortcuts", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_question, GDK_CONTROL_MASK,
                                       "win.show-shortcuts", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_q, GDK_CONTROL_MASK, "app.quit",
                                       NULL);
}

static void
stray_window_init (StrayWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

StrayWindow *
stray_window_new (StrayApplication *application)
{
  StrayWindow *self;
  StrayChannelList *channels;
  GtkExpression *title;
  GtkBoolFilter *not_hidden;
  GtkEveryFilter *filter;
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  g_return_val_if_fail (STRAY_IS_APPLICATION (application), NULL);

  self = g_object_new (STRAY_TYPE_WINDOW, NULL);
  self->application = g_object_ref (application);
  self->session = g_object_ref (stray_application_get_session (application));
  gtk_widget_insert_action_group (GTK_WIDGET (self), "app", G_ACTION_GROUP (application));
  stray_channel_view_set_application (self->channel_view, application);
  stray_invite_list_set_model (self->invite_list, stray_session_get_invites (self->session));
  stray_reminder_list_set_model (self->reminder_list, stray_session_get_reminders (self->session),
                                 stray_session_get_channels (self->session));
  /* Threads: "N unread threads" under the banner, and a page for one thread. */
  gtk_box_insert_child_after (GTK_BOX (gtk_widget_get_parent (GTK_WIDGET (self->invite_list))),
                              stray_unread_threads_label_new (self->session),
                              GTK_WIDGET (self->banner));
  self->thread_view = stray_thread_view_new (application);
  gtk_stack_add_named (self->content_stack, GTK_WIDGET (self->thread_view), "thread");
  g_signal_connect_swapped (self->thread_view, "back", G_CALLBACK (close_thread), self);

  channels = stray_session_get_channels (self->session);
  title = gtk_property_expression_new (STRAY_TYPE_CHANNEL, NULL, "title");
  self->search_filter = gtk_string_filter_new (title);
  gtk_string_filter_set_match_mode (self->search_filter, GTK_STRING_FILTER_MATCH_MODE_SUBSTRING);
  gtk_string_filter_set_ignore_case (self->search_filter, TRUE);
  /* Hidden channels stay out of sight until a new message shows them again, as in Stream's
   * own clients. */
  not_hidden = gtk_bool_filter_new (gtk_property_expression_new (STRAY_TYPE_CHANNEL, NULL,
                                                                 "hidden"));
  gtk_bool_filter_set_invert (not_hidden, TRUE);
  filter = gtk_every_filter_new ();
  gtk_multi_filter_append (GTK_MULTI_FILTER (filter), GTK_FILTER (self->search_filter));
  gtk_multi_filter_append (GTK_MULTI_FILTER (filter), GTK_FILTER (not_hidden));
  self->visible_channels = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (channels)),
                                                      GTK_FILTER (filter));
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->visible_channels)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect_swapped (self->session, "notify::connection-state",
                            G_CALLBACK (on_session_changed), self);
  g_signal_connect_swapped (self->session, "notify::total-unread-count",
                            G_CALLBACK (on_session_changed), self);
  g_signal_connect_swapped (channels, "items-changed", G_CALLBACK (on_channels_changed), self);
  g_signal_connect_swapped (self, "notify::is-active", G_CALLBACK (on_reading_changed), self);
  g_signal_connect_swapped (self->channel_view, "notify::unread", G_CALLBACK (on_reading_changed),
                            self);
  g_signal_connect_swapped (self->channel_view, "notify::title", G_CALLBACK (update_title), self);
  update_state (self);
  update_empty (self);
  return self;
}

/* Opens @cid, now or as soon as it is known (a notification may be faster than the resync). */
void
stray_window_show_channel (StrayWindow *self,
                           const char  *cid)
{
  g_return_if_fail (STRAY_IS_WINDOW (self));

  g_free (self->pending_cid);
  self->pending_cid = g_strdup (cid);
  g_clear_pointer (&self->pending_thread, g_free);
  g_clear_pointer (&self->pending_message, g_free);
  try_pending_channel (self);
}

/* Opens the thread under @parent_id in @cid, now or as soon as the channel is known. */
void
stray_window_show_thread (StrayWindow *self,
                          const char  *cid,
                          const char  *parent_id)
{
  g_return_if_fail (STRAY_IS_WINDOW (self));
  g_return_if_fail (cid != NULL && parent_id != NULL);

  g_free (self->pending_cid);
  self->pending_cid = g_strdup (cid);
  g_free (self->pending_thread);
  self->pending_thread = g_strdup (parent_id);
  g_clear_pointer (&self->pending_message, g_free);
  try_pending_channel (self);
}

/* Opens @cid at the message @message_id (scrolled to and marked), now or as soon as the
 * channel is known. */
void
stray_window_show_message (StrayWindow *self,
                           const char  *cid,
                           const char  *message_id)
{
  g_return_if_fail (STRAY_IS_WINDOW (self));
  g_return_if_fail (cid != NULL && message_id != NULL);

  g_free (self->pending_cid);
  self->pending_cid = g_strdup (cid);
  g_clear_pointer (&self->pending_thread, g_free);
  g_free (self->pending_message);
  self->pending_message = g_strdup (message_id);
  try_pending_channel (self);
}

/* Returns: (nullable): the parent message of the thread on screen */
const char *
stray_window_get_shown_thread (StrayWindow *self)
{
  g_return_val_if_fail (STRAY_IS_WINDOW (self), NULL);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "thread") != 0)
    return NULL;
  return stray_thread_view_get_parent_id (self->thread_view);
}

/* Returns: (nullable): the cid of the channel on screen */
const char *
stray_window_get_shown_channel (StrayWindow *self)
{
  StrayChannel *channel;

  g_return_val_if_fail (STRAY_IS_WINDOW (self), NULL);

  channel = shown_channel (self);
  return channel != NULL ? stray_channel_get_cid (channel) : NULL;
}

/* Returns: (transfer none) (nullable): where the window's pictures come from */
StrayAvatarCache *
stray_window_get_avatars (StrayWindow *self)
{
  g_return_val_if_fail (STRAY_IS_WINDOW (self), NULL);

  return stray_application_get_avatars (self->application);
}

/* Returns: (transfer none): the session the window shows */
StraySession *
stray_window_get_session (StrayWindow *self)
{
  g_return_val_if_fail (STRAY_IS_WINDOW (self), NULL);

  return self->session;
}

void
stray_window_show_preferences (StrayWindow *self)
{
  g_return_if_fail (STRAY_IS_WINDOW (self));

  if (self->preferences == NULL)
    {
      self->preferences = GTK_WINDOW (stray_preferences_window_new (self->application));
      gtk_window_set_transient_for (self->preferences, GTK_WINDOW (self));
      g_object_add_weak_pointer (G_OBJECT (self->preferences), (gpointer *) &self->preferences);
    }
  gtk_window_present (self->preferences);
}

void
stray_window_set_search (StrayWindow *self,
                         const char  *text)
{
  g_return_if_fail (STRAY_IS_WINDOW (self));

  gtk_toggle_button_set_active (self->search_button, text != NULL && *text != '\0');
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text != NULL ? text : "");
}

/* The channels the list shows, after the search: for tests and the screen reader's counts. */
GListModel *
stray_window_get_visible_channels (StrayWindow *self)
{
  g_return_val_if_fail (STRAY_IS_WINDOW (self), NULL);

  return G_LIST_MODEL (self->visible_channels);
}
