/* stray-thread-view.c: one thread, as chat apps show it beside a channel
 *
 * The parent message on top (with its "N replies"), then the replies, oldest first (GET
 * /messages/{id}/replies), and an entry that replies in the thread (a message with
 * parent_id). Opened from a message's "N replies" or from a thread reply's notification; on
 * screen, the thread is marked read on the server (app.mark-thread-read, Stream's mark read
 * with thread_id), once when it opens and again after the user's own reply. A reply that comes
 * while it is on screen raises the user's unread threads (the session's count, from
 * notification.thread_message_new): the replies are fetched again, and read. The rows are the
 * channel view's (stray-message-row.c), grouped the same way. A reply typed and not sent stays
 * with its thread, as the channel view's with its channel (stray-drafts.c).
 *
 * Also here: the window's "N unread threads" line, which follows the session's count.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "stray-drafts.h"
#include "stray-message-row.h"
#include "stray-thread-view.h"

/* Stream gives at most 300 replies a page; a thread longer than that shows its first 300. */
#define N_REPLIES 300

struct _StrayThreadView
{
  GtkWidget parent_instance;

  StrayApplication *application;
  StrayChannel *channel;
  char *parent_id;
  StrayMessage *parent;
  GListStore *replies;
  GCancellable *cancellable; /* of what was asked for the thread on screen */
  char *sending_to;          /* the thread whose reply is on its way, or NULL */
  char *sending_text;
  guint unread_threads;      /* the session's count, last seen */
  GHashTable *drafts;        /* parent message id → the reply typed and not sent */

  GtkLabel *title;
  GtkListBox *list;
  GtkLabel *status;
  GtkEntry *entry;
  GtkButton *send_button;
};

G_DEFINE_FINAL_TYPE (StrayThreadView, stray_thread_view, GTK_TYPE_WIDGET)

enum {
  SIGNAL_BACK,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_status (StrayThreadView *self,
            const char      *text)
{
  gtk_label_set_text (self->status, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status), text != NULL);
}

/* The list: the parent (whose "N replies" counts them), then the replies. */
static void
rebuild (StrayThreadView *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->replies));
  StrayMessage *previous = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  if (self->parent != NULL)
    gtk_list_box_append (self->list, GTK_WIDGET (stray_message_row_new (self->parent)));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(StrayMessage) reply = g_list_model_get_item (G_LIST_MODEL (self->replies), i);
      StrayMessageRow *row = stray_message_row_new (reply);

      if (i > 0)
        stray_message_row_set_grouped (row, stray_message_row_follows (reply, previous));
      gtk_list_box_append (self->list, GTK_WIDGET (row));
      previous = reply;
    }
}

static void
mark_read (StrayThreadView *self)
{
  if (self->channel != NULL && self->parent_id != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "app.mark-thread-read", "(ss)",
                                stray_channel_get_cid (self->channel), self->parent_id);
}

static void
on_replies (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(StrayThreadView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) replies = stray_client_get_replies_finish (STRAY_CLIENT (source), result,
                                                                   &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (replies == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The replies could not be loaded: %s"),
                                               error->message);

      set_status (self, text);
      return;
    }
  g_list_store_remove_all (self->replies);
  for (guint i = 0; i < g_list_model_get_n_items (replies); i++)
    {
      g_autoptr(StrayMessage) reply = g_list_model_get_item (replies, i);

      g_list_store_append (self->replies, reply);
    }
  set_status (self, NULL);
  rebuild (self);
  mark_read (self);
}

static void
on_parent (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(StrayThreadView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayMessage) parent = stray_client_get_message_finish (STRAY_CLIENT (source),
                                                                    result, &error);

  if (parent == NULL)
    return;
  g_set_object (&self->parent, parent);
  rebuild (self);
}

static void
load (StrayThreadView *self)
{
  StrayClient *client = stray_application_get_client (self->application);

  if (client == NULL || self->parent_id == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  stray_client_get_message_async (client, self->parent_id, self->cancellable, on_parent,
                                  g_object_ref (self));
  stray_client_get_replies_async (client, self->parent_id, N_REPLIES, self->cancellable,
                                  on_replies, g_object_ref (self));
}

/* The box as it should be for the thread on screen: taken while its own reply is on its way. */
static void
set_box_busy (StrayThreadView *self)
{
  gboolean busy = self->sending_to != NULL && g_strcmp0 (self->sending_to, self->parent_id) == 0;

  gtk_editable_set_editable (GTK_EDITABLE (self->entry), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button), self->sending_to == NULL);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(StrayThreadView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = stray_client_call_finish (STRAY_CLIENT (source), result, &error);
  g_autofree char *sent_to = g_steal_pointer (&self->sending_to);
  g_autofree char *text = g_steal_pointer (&self->sending_text);
  gboolean here = g_strcmp0 (sent_to, self->parent_id) == 0;

  set_box_busy (self);
  if (answer == NULL)
    {
      g_autofree char *status = g_strdup_printf (_("Not sent: %s"), error->message);

      /* The text stays, to be sent again: in the box, or as its thread's draft when the user
       * has gone to another thread meanwhile (whose box it must not touch). */
      if (here)
        set_status (self, status);
      else if (self->drafts != NULL)
        g_hash_table_replace (self->drafts, g_steal_pointer (&sent_to), g_steal_pointer (&text));
      return;
    }
  if (!here)
    return;
  gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
  load (self);
}

static void
send_reply (StrayThreadView *self)
{
  StrayClient *client = stray_application_get_client (self->application);
  g_autofree char *text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry)));

  if (self->sending_to != NULL || client == NULL || self->channel == NULL ||
      self->parent_id == NULL || *g_strstrip (text) == '\0')
    return;
  self->sending_to = g_strdup (self->parent_id);
  self->sending_text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry)));
  /* Being sent, it is no draft any more (a failure makes it one again). */
  g_hash_table_remove (self->drafts, self->parent_id);
  set_status (self, NULL);
  set_box_busy (self);
  stray_client_send_reply_async (client, stray_channel_get_cid (self->channel), self->parent_id,
                                 text, NULL, on_sent, g_object_ref (self));
}

static void
on_entry_activate (G_GNUC_UNUSED GtkEntry *entry,
                   StrayThreadView        *self)
{
  send_reply (self);
}

static void
on_send_clicked (G_GNUC_UNUSED GtkButton *button,
                 StrayThreadView         *self)
{
  send_reply (self);
}

static void
on_back_clicked (G_GNUC_UNUSED GtkButton *button,
                 StrayThreadView         *self)
{
  g_signal_emit (self, signals[SIGNAL_BACK], 0);
}

/**
 * stray_thread_view_show_thread:
 * @parent_id: the thread's parent message in @channel
 */
void
stray_thread_view_show_thread (StrayThreadView *self,
                               StrayChannel    *channel,
                               const char      *parent_id)
{
  g_autofree char *title = NULL;

  g_return_if_fail (STRAY_IS_THREAD_VIEW (self));
  g_return_if_fail (STRAY_IS_CHANNEL (channel) && parent_id != NULL);

  stray_thread_view_clear (self);
  self->channel = g_object_ref (channel);
  self->parent_id = g_strdup (parent_id);
  /* Translators: the thread view's title; %s is the channel's */
  title = g_strdup_printf (_("Thread in %s"), stray_channel_get_title (channel));
  gtk_label_set_text (self->title, title);
  set_status (self, _("Loading the thread…"));
  if (g_strcmp0 (self->sending_to, parent_id) == 0)
    gtk_editable_set_text (GTK_EDITABLE (self->entry), self->sending_text);
  else
    stray_drafts_restore (self->drafts, parent_id, GTK_EDITABLE (self->entry));
  set_box_busy (self);
  load (self);
}

/* Lets go of the thread and its messages. */
void
stray_thread_view_clear (StrayThreadView *self)
{
  g_return_if_fail (STRAY_IS_THREAD_VIEW (self));

  /* The text being sent is no draft. */
  if (self->parent_id != NULL && g_strcmp0 (self->sending_to, self->parent_id) != 0)
    stray_drafts_keep (self->drafts, self->parent_id, GTK_EDITABLE (self->entry));
  stray_drafts_restore (self->drafts, NULL, GTK_EDITABLE (self->entry));
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->channel);
  g_clear_pointer (&self->parent_id, g_free);
  g_clear_object (&self->parent);
  g_list_store_remove_all (self->replies);
  rebuild (self);
}

const char *
stray_thread_view_get_parent_id (StrayThreadView *self)
{
  g_return_val_if_fail (STRAY_IS_THREAD_VIEW (self), NULL);
  return self->parent_id;
}

/* Returns: (transfer none): the replies shown, a GListModel of StrayMessage */
GListModel *
stray_thread_view_get_replies (StrayThreadView *self)
{
  g_return_val_if_fail (STRAY_IS_THREAD_VIEW (self), NULL);
  return G_LIST_MODEL (self->replies);
}

static GtkWidget *
flat_button (const char *icon_name,
             const char *label)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  gtk_widget_add_css_class (button, "flat");
  return button;
}

static void
build (StrayThreadView *self)
{
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *back = flat_button ("go-previous-symbolic", _("Back to the channel"));
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *composer = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  g_signal_connect (back, "clicked", G_CALLBACK (on_back_clicked), self);
  self->title = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->title, 0);
  gtk_label_set_ellipsize (self->title, PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (GTK_WIDGET (self->title), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->title), "heading");
  gtk_box_append (GTK_BOX (header), back);
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (self->title));
  g_object_set (header, "margin-start", 6, "margin-end", 6, "margin-top", 6, "margin-bottom", 6,
                NULL);

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_widget_set_valign (GTK_WIDGET (self->list), GTK_ALIGN_START);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "messages");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Thread"), -1);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->list));
  gtk_widget_set_vexpand (scroller, TRUE);

  self->status = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->status, TRUE);
  gtk_label_set_xalign (self->status, 0);
  gtk_widget_set_margin_start (GTK_WIDGET (self->status), 6);
  gtk_widget_add_css_class (GTK_WIDGET (self->status), "dim-label");

  self->entry = GTK_ENTRY (gtk_entry_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (self->entry), TRUE);
  gtk_entry_set_placeholder_text (self->entry, _("Reply in the thread"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Reply in the thread"), -1);
  g_signal_connect (self->entry, "activate", G_CALLBACK (on_entry_activate), self);
  self->send_button = GTK_BUTTON (gtk_button_new_with_label (_("Send")));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->send_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Send the reply"), -1);
  gtk_widget_add_css_class (GTK_WIDGET (self->send_button), "suggested-action");
  g_signal_connect (self->send_button, "clicked", G_CALLBACK (on_send_clicked), self);
  gtk_box_append (GTK_BOX (composer), GTK_WIDGET (self->entry));
  gtk_box_append (GTK_BOX (composer), GTK_WIDGET (self->send_button));
  g_object_set (composer, "margin-start", 6, "margin-end", 6, "margin-top", 6,
                "margin-bottom", 6, NULL);

  gtk_widget_set_parent (header, GTK_WIDGET (self));
  gtk_widget_set_parent (gtk_separator_new (GTK_ORIENTATION_HORIZONTAL), GTK_WIDGET (self));
  gtk_widget_set_parent (scroller, GTK_WIDGET (self));
  gtk_widget_set_parent (GTK_WIDGET (self->status), GTK_WIDGET (self));
  gtk_widget_set_parent (composer, GTK_WIDGET (self));
}

static void
stray_thread_view_dispose (GObject *object)
{
  StrayThreadView *self = STRAY_THREAD_VIEW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->channel);
  g_clear_object (&self->parent);
  g_clear_object (&self->replies);
  g_clear_pointer (&self->drafts, g_hash_table_unref);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (stray_thread_view_parent_class)->dispose (object);
}

static void
stray_thread_view_finalize (GObject *object)
{
  StrayThreadView *self = STRAY_THREAD_VIEW (object);

  g_free (self->parent_id);
  g_free (self->sending_to);
  g_free (self->sending_text);

  G_OBJECT_CLASS (stray_thread_view_parent_class)->finalize (object);
}

static void
stray_thread_view_class_init (StrayThreadViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = stray_thread_view_dispose;
  object_class->finalize = stray_thread_view_finalize;
  signals[SIGNAL_BACK] = g_signal_new ("back", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "threadview");
}

static void
stray_thread_view_init (StrayThreadView *self)
{
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (
                                                    GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
  self->replies = g_list_store_new (STRAY_TYPE_MESSAGE);
  self->drafts = stray_drafts_new ();
  build (self);
}

static void
on_session_unread_threads (StraySession    *session,
                           G_GNUC_UNUSED GParamSpec *pspec,
                           StrayThreadView *self)
{
  guint unread_threads = stray_session_get_unread_threads (session);
  gboolean more = unread_threads > self->unread_threads;

  self->unread_threads = unread_threads;
  if (more && self->parent_id != NULL && self->sending_to == NULL)
    load (self);
}

StrayThreadView *
stray_thread_view_new (StrayApplication *application)
{
  StrayThreadView *self;
  StraySession *session;

  g_return_val_if_fail (STRAY_IS_APPLICATION (application), NULL);

  self = g_object_new (STRAY_TYPE_THREAD_VIEW, NULL);
  self->application = application;
  session = stray_application_get_session (application);
  self->unread_threads = stray_session_get_unread_threads (session);
  g_signal_connect_object (session, "notify::unread-threads",
                           G_CALLBACK (on_session_unread_threads), self, 0);
  return self;
}

/* ---- the window's "N unread threads" ---- */

static void
on_unread_threads (StraySession *session,
                   G_GNUC_UNUSED GParamSpec *pspec,
                   GtkLabel     *label)
{
  guint n = stray_session_get_unread_threads (session);
  g_autofree char *text = g_strdup_printf (ngettext ("%u unread thread", "%u unread threads", n),
                                           n);

  gtk_label_set_text (label, text);
  gtk_widget_set_visible (GTK_WIDGET (label), n > 0);
}

/**
 * stray_unread_threads_label_new:
 *
 * Returns: (transfer floating): a line that says how many threads have unread replies, shown
 *   while there are any
 */
GtkWidget *
stray_unread_threads_label_new (StraySession *session)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  g_object_set (label, "margin-start", 12, "margin-end", 12, "margin-top", 6,
                "margin-bottom", 6, NULL);
  gtk_widget_add_css_class (label, "unread-threads");
  g_signal_connect_object (session, "notify::unread-threads", G_CALLBACK (on_unread_threads),
                           label, 0);
  on_unread_threads (session, NULL, GTK_LABEL (label));
  return label;
}
