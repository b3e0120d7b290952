/* stray-channel-view.c: one channel's last messages and a reply entry
 *
 * The messages are fetched from the server when the channel is shown and dropped when another
 * is; the model only keeps each channel's last message, and those that arrive while the
 * channel is on screen are added from it. Shown at a message (a reminder's Open), the view
 * fetches the page around it (Stream's id_around), scrolls to it and marks it; new messages
 * are added only while the page reaches the latest. Typing sends typing.start and typing.stop
 * as the official SDK does (stray-typing.c). What is typed and not sent stays with its channel
 * (stray-drafts.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-ui"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "stray-channel-view.h"
#include "stray-drafts.h"
#include "stray-typing.h"
#include "stray-message.h"
#include "stray-message-preview.h"
#include "stray-message-row.h"

#define N_MESSAGES 25

struct _StrayChannelView
{
  GtkWidget parent_instance;

  StrayApplication *application;
  StrayChannel *channel;
  GListStore *messages;
  GCancellable *cancellable; /* of what was asked for the channel on screen */
  StrayTyping *typing;     /* typing.start and typing.stop, while the application is set */
  guint midnight_id;      /* renames the days when today becomes yesterday */
  gboolean sending;
  guint send_serial;      /* of the reply the view waits for; another channel: a new one */
  GHashTable *drafts;     /* cid → the reply typed and not sent */
  gboolean restoring;     /* a draft put back is no typing */
  char *target_id;        /* the message to show and mark once the page comes */
  gboolean at_latest;     /* the page shown ends with the channel's latest message */

  GtkLabel *title;
  GtkButton *browser_button;
  GtkStack *message_stack;
  GtkSpinner *spinner;
  GtkScrolledWindow *scroller;
  GtkListBox *message_list;
  GtkLabel *error_label;
  GtkLabel *send_error_label;
  GtkEntry *reply_entry;
  GtkButton *send_button;
};

G_DEFINE_FINAL_TYPE (StrayChannelView, stray_channel_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_UNREAD,
  PROP_TITLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_BACK,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
on_reply_changed (GtkEntry         *entry,
                  StrayChannelView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  gboolean has_text = *stripped != '\0';

  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button), has_text);
  if (*text != '\0' && !self->restoring && self->typing != NULL && self->channel != NULL)
    stray_typing_keystroke (self->typing, stray_channel_get_cid (self->channel));
}

/* A reply on its way: it outlives the channel being shown, and the window. */
typedef struct {
  GWeakRef view;
  StrayApplication *application;
  char *cid;
  char *title;
  char *text;
  guint serial;
} Sending;

static void
sending_free (Sending *sending)
{
  g_weak_ref_clear (&sending->view);
  g_object_unref (sending->application);
  g_free (sending->cid);
  g_free (sending->title);
  g_free (sending->text);
  g_free (sending);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Sending, sending_free)

static void
on_message_sent (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(Sending) sending = user_data;
  g_autoptr(StrayChannelView) self = g_weak_ref_get (&sending->view);
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(GError) error = NULL;
  gboolean still_shown;

  response = stray_client_call_finish (STRAY_CLIENT (source), result, &error);
  /* Still the reply the view is waiting for, in the channel it was written in. */
  still_shown = self != NULL && sending->serial == self->send_serial;
  if (still_shown)
    {
      self->sending = FALSE;
      gtk_editable_set_editable (GTK_EDITABLE (self->reply_entry), TRUE);
    }
  if (response != NULL)
    {
      if (still_shown)
        {
          gtk_editable_set_text (GTK_EDITABLE (self->reply_entry), "");
          stray_typing_stop (self->typing);
          gtk_widget_grab_focus (GTK_WIDGET (self->reply_entry));
        }
      return;
    }

  if (still_shown)
    {
      /* The text stays in the entry, to be sent again. */
      g_autofree char *text = g_strdup_printf (_("Not sent: %s"), error->message);

      gtk_label_set_text (self->send_error_label, text);
      gtk_widget_set_visible (GTK_WIDGET (self->send_error_label), TRUE);
      gtk_widget_set_sensitive (GTK_WIDGET (self->send_button), TRUE);
      return;
    }
  /* The user has moved on: say so where it will be seen, with the text, which is not lost. */
  {
    g_autoptr(GNotification) notification = NULL;
    g_autofree char *summary = g_strdup_printf (_("Your reply in %s was not sent"),
                                                sending->title);
    g_autofree char *body = g_strdup_printf ("%s\n%s", error->message, sending->text);

    notification = g_notification_new (summary);
    g_notification_set_body (notification, body);
    g_notification_set_default_action_and_target (notification, "app.open-channel", "s",
                                                   sending->cid);
    g_application_send_notification (G_APPLICATION (sending->application), NULL, notification);
  }
}

static void
send_reply (StrayChannelView *self)
{
  StrayClient *client = stray_application_get_client (self->application);
  g_autofree char *text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->reply_entry)));
  Sending *sending;

  /* One at a time: Enter still works in an entry that is not editable. */
  if (self->sending || client == NULL || self->channel == NULL || *g_strstrip (text) == '\0')
    return;
  self->sending = TRUE;
  gtk_widget_set_visible (GTK_WIDGET (self->send_error_label), FALSE);
  /* Not insensitive: the entry keeps the focus while the message is on its way. */
  gtk_editable_set_editable (GTK_EDITABLE (self->reply_entry), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button), FALSE);

  sending = g_new0 (Sending, 1);
  g_weak_ref_init (&sending->view, self);
  sending->application = g_object_ref (self->application);
  sending->cid = g_strdup (stray_channel_get_cid (self->channel));
  sending->title = g_strdup (stray_channel_get_title (self->channel));
  sending->text = g_strdup (text);
  sending->serial = ++self->send_serial;
  /* Not cancelled when another channel is shown or the window closes: a reply sent is sent. */
  stray_client_send_message_async (client, sending->cid, text, NULL, on_message_sent, sending);
}

static void
on_reply_activate (G_GNUC_UNUSED GtkEntry *entry,
                   StrayChannelView      *self)
{
  send_reply (self);
}

static void
on_send_clicked (G_GNUC_UNUSED GtkButton *button,
                 StrayChannelView        *self)
{
  send_reply (self);
}

static void
on_back_clicked (G_GNUC_UNUSED GtkButton *button,
                 StrayChannelView        *self)
{
  g_signal_emit (self, signals[SIGNAL_BACK], 0);
}

/**
 * stray_channel_view_expand_web_url:
 * @url_template: e.g. "https://chat.example.com/{type}/{id}"
 *
 * Returns: (nullable): the channel's web address, or NULL when the result is not an http or
 *   https URL (a template must not open anything else on the user's machine)
 */
char *
stray_channel_view_expand_web_url (const char *url_template,
                                   const char *cid)
{
  const char *colon = strchr (cid, ':');
  g_autofree char *type = NULL;
  g_autofree char *type_escaped = NULL;
  g_autofree char *id_escaped = NULL;
  g_autoptr(GString) url = NULL;
  g_autoptr(GUri) uri = NULL;

  if (url_template == NULL || *url_template == '\0' || colon == NULL)
    return NULL;
  type = g_strndup (cid, colon - cid);
  type_escaped = g_uri_escape_string (type, NULL, FALSE);
  id_escaped = g_uri_escape_string (colon + 1, NULL, FALSE);
  url = g_string_new (url_template);
  g_string_replace (url, "{type}", type_escaped, 0);
  g_string_replace (url, "{id}", id_escaped, 0);

  uri = g_uri_parse (url->str, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL ||
      (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
       g_strcmp0 (g_uri_get_scheme (uri), "https") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    return NULL;
  return g_string_free (g_steal_pointer (&url), FALSE);
}

static char *
web_url (StrayChannelView *self)
{
  g_autofree char *url_template = NULL;

  if (self->channel == NULL || self->application == NULL)
    return NULL;
  url_template = g_settings_get_string (stray_application_get_settings (self->application),
                                        "web-url-template");
  return stray_channel_view_expand_web_url (url_template, stray_channel_get_cid (self->channel));
}

static void
on_browser_clicked (G_GNUC_UNUSED GtkButton *button,
                    StrayChannelView        *self)
{
  g_autofree char *url = web_url (self);

  if (url != NULL)
    stray_launch_uri (GTK_WIDGET (self), url);
}

static void
update_browser_button (StrayChannelView *self)
{
  g_autofree char *url = web_url (self);

  gtk_widget_set_visible (GTK_WIDGET (self->browser_button), url != NULL);
}

static void schedule_midnight (StrayChannelView *self);

static gboolean
on_midnight (gpointer user_data)
{
  StrayChannelView *self = user_data;

  self->midnight_id = 0;
  gtk_list_box_invalidate_headers (self->message_list);
  schedule_midnight (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_midnight (StrayChannelView *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
  g_autoptr(GDateTime) midnight = g_date_time_new_local (g_date_time_get_year (tomorrow),
                                                         g_date_time_get_month (tomorrow),
                                                         g_date_time_get_day_of_month (tomorrow),
                                                         0, 0, 0);

  g_clear_handle_id (&self->midnight_id, g_source_remove);
  /* A second late: the clock's seconds are not the timer's. */
  self->midnight_id = g_timeout_add_seconds (
    (guint) (g_date_time_difference (midnight, now) / G_USEC_PER_SEC) + 1, on_midnight, self);
}

static GtkWidget *
create_message_row (gpointer item,
                    G_GNUC_UNUSED gpointer user_data)
{
  return GTK_WIDGET (stray_message_row_new (item));
}

static gboolean
scroll_to_end (gpointer user_data)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (user_data);

  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
  return G_SOURCE_REMOVE;
}

static void
show_latest (StrayChannelView *self)
{
  /* After the list has its new size. */
  g_idle_add_full (G_PRIORITY_LOW, scroll_to_end, g_object_ref (self->scroller), g_object_unref);
}

/* Returns: the position of the message @id in the list, or -1 */
static int
find_message (StrayChannelView *self,
              const char       *id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));

  /* New messages come last; look there first. */
  for (guint i = n; i > 0; i--)
    {
      g_autoptr(StrayMessage) message = g_list_model_get_item (G_LIST_MODEL (self->messages),
                                                               i - 1);

      if (g_strcmp0 (stray_message_get_id (message), id) == 0)
        return (int) i - 1;
    }
  return -1;
}

/* A message on screen, edited, deleted or undeleted since it was shown. A new text is an edit
 * (a reaction changes none). */
static void
update_message (StrayChannelView          *self,
                guint                      position,
                const StrayMessagePreview *preview)
{
  g_autoptr(StrayMessage) shown = g_list_model_get_item (G_LIST_MODEL (self->messages), position);
  g_autoptr(StrayMessage) updated = NULL;
  gboolean edited;

  edited = !preview->deleted && (stray_message_get_edited (shown) ||
                                 g_strcmp0 (stray_message_get_text (shown), preview->text) != 0);
  if (preview->deleted == stray_message_get_deleted (shown) &&
      edited == stray_message_get_edited (shown) &&
      g_strcmp0 (stray_message_get_text (shown), preview->text) == 0)
    return;
  updated = stray_message_new (preview->id, stray_message_get_user_id (shown),
                               stray_message_get_author (shown), preview->text,
                               stray_message_get_created_at (shown), preview->deleted);
  stray_message_set_edited (updated, edited);
  stray_message_set_author_image (updated, stray_message_get_author_image (shown));
  stray_message_set_reply_count (updated, stray_message_get_reply_count (shown));
  for (guint i = 0; !preview->deleted && i < stray_message_get_n_attachments (shown); i++)
    stray_message_add_attachment (updated, stray_message_get_attachment_type (shown, i),
                                  stray_message_get_attachment_title (shown, i));
  g_list_store_splice (self->messages, position, 1, (gpointer *) &updated, 1);
}

static void
on_message_changed (G_GNUC_UNUSED StrayChannel *channel,
                    StrayMessagePreview        *preview,
                    StrayChannelView           *self)
{
  int position;

  /* While loading, the answer will have the message as it is now. */
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->message_stack), "loading") == 0)
    return;
  position = find_message (self, preview->id);
  if (position >= 0)
    update_message (self, position, preview);
}

static void
on_last_message (StrayChannel            *channel,
                 GParamSpec              *pspec,
                 StrayChannelView        *self)
{
  StrayMessagePreview *preview = NULL;
  g_autoptr(StrayMessage) message = NULL;
  int position;

  /* While loading, the answer will have it (on_messages looks again when it comes). */
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->message_stack), "loading") == 0)
    return;
  g_object_get (channel, "last-message", &preview, NULL);
  if (preview == NULL || preview->id == NULL)
    {
      g_clear_pointer (&preview, stray_message_preview_unref);
      return;
    }
  position = find_message (self, preview->id);
  if (position >= 0)
    {
      /* Not when catching up after the query (no pspec): its answer is newer than the model. */
      if (pspec != NULL)
        update_message (self, position, preview);
      g_clear_pointer (&preview, stray_message_preview_unref);
      return;
    }
  /* A page of older messages has a gap before this one: it is not added there. */
  if (!self->at_latest)
    {
      g_clear_pointer (&preview, stray_message_preview_unref);
      return;
    }
  message = stray_message_new (preview->id, preview->user_id, preview->user_name, preview->text,
                               preview->created_at_us, preview->deleted);
  for (guint i = 0; preview->attachments != NULL && preview->attachments[i] != NULL; i += 2)
    stray_message_add_attachment (message, preview->attachments[i], preview->attachments[i + 1]);
  stray_message_set_author_image (message, preview->user_image);
  g_list_store_append (self->messages, message);
  while (g_list_model_get_n_items (G_LIST_MODEL (self->messages)) > N_MESSAGES * 2)
    g_list_store_remove (self->messages, 0);
  g_clear_pointer (&preview, stray_message_preview_unref);
  gtk_stack_set_visible_child_name (self->message_stack, "messages");
  show_latest (self);
}

/* Whether the channel's last message is in the page (or it has none). */
static gboolean
page_reaches_latest (StrayChannelView *self)
{
  StrayMessagePreview *preview = NULL;
  gboolean reaches;

  g_object_get (self->channel, "last-message", &preview, NULL);
  reaches = preview == NULL || preview->id == NULL || find_message (self, preview->id) >= 0;
  g_clear_pointer (&preview, stray_message_preview_unref);
  return reaches;
}

/* Scrolls to the message asked for and marks it; FALSE when it is not shown. */
static gboolean
mark_target (StrayChannelView *self)
{
  g_autofree char *target_id = g_steal_pointer (&self->target_id);
  int position = target_id != NULL ? find_message (self, target_id) : -1;

  if (position < 0)
    return FALSE;
  stray_message_row_mark (STRAY_MESSAGE_ROW (gtk_list_box_get_row_at_index (self->message_list,
                                                                             position)),
                          self->scroller);
  return TRUE;
}

static void load_messages (StrayChannelView *self);

static void
on_messages (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GListModel) messages = NULL;
  g_autoptr(GError) error = NULL;
  StrayChannelView *self;

  messages = stray_client_query_messages_finish (STRAY_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = STRAY_CHANNEL_VIEW (user_data);
  gtk_spinner_stop (self->spinner);
  if (messages == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The messages cannot be loaded: %s"),
                                               error->message);

      gtk_label_set_text (self->error_label, text);
      gtk_stack_set_visible_child_name (self->message_stack, "error");
      return;
    }
  for (guint i = 0; i < g_list_model_get_n_items (messages); i++)
    {
      g_autoptr(StrayMessage) message = g_list_model_get_item (messages, i);

      g_list_store_append (self->messages, message);
    }
  if (self->target_id != NULL && find_message (self, self->target_id) < 0)
    {
      /* Not there (deleted, or unknown to the server): the latest, as without one. */
      g_clear_pointer (&self->target_id, g_free);
      load_messages (self);
      return;
    }
  if (g_list_model_get_n_items (messages) == 0)
    {
      gtk_label_set_text (self->error_label, _("No messages yet"));
      gtk_stack_set_visible_child_name (self->message_stack, "error");
    }
  else
    gtk_stack_set_visible_child_name (self->message_stack, "messages");
  self->at_latest = page_reaches_latest (self);
  /* What arrived after the server answered and before this ran. */
  on_last_message (self->channel, NULL, self);
  if (!mark_target (self))
    show_latest (self);
}

static void
on_title (StrayChannel               *channel,
          G_GNUC_UNUSED GParamSpec   *pspec,
          StrayChannelView           *self)
{
  gtk_label_set_text (self->title, stray_channel_get_title (channel));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

static void
on_unread (G_GNUC_UNUSED StrayChannel *channel,
           G_GNUC_UNUSED GParamSpec   *pspec,
           StrayChannelView           *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD]);
}

/* The page of messages: around the target if there is one, else the latest. */
static void
load_messages (StrayChannelView *self)
{
  StrayClient *client = stray_application_get_client (self->application);
  const char *cid = stray_channel_get_cid (self->channel);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_list_store_remove_all (self->messages);
  self->cancellable = g_cancellable_new ();
  gtk_stack_set_visible_child_name (self->message_stack, "loading");
  gtk_spinner_start (self->spinner);
  if (client == NULL)
    {
      gtk_label_set_text (self->error_label, _("Not connected"));
      gtk_stack_set_visible_child_name (self->message_stack, "error");
      return;
    }
  if (self->target_id != NULL)
    stray_client_query_messages_around_async (client, cid, self->target_id, N_MESSAGES,
                                              self->cancellable, on_messages, self);
  else
    stray_client_query_messages_async (client, cid, N_MESSAGES, self->cancellable, on_messages,
                                       self);
}

/* Another channel, at its latest messages or at @target_id's. */
static void
switch_channel (StrayChannelView *self,
                StrayChannel     *channel,
                const char       *target_id)
{
  if (self->typing != NULL)
    stray_typing_stop (self->typing);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_list_store_remove_all (self->messages);
  /* The text being sent is no draft: if it fails, its notification carries it. */
  if (self->channel != NULL && !self->sending)
    stray_drafts_keep (self->drafts, stray_channel_get_cid (self->channel),
                       GTK_EDITABLE (self->reply_entry));
  self->restoring = TRUE;
  stray_drafts_restore (self->drafts, channel != NULL ? stray_channel_get_cid (channel) : NULL,
                        GTK_EDITABLE (self->reply_entry));
  self->restoring = FALSE;
  gtk_editable_set_editable (GTK_EDITABLE (self->reply_entry), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->send_error_label), FALSE);
  /* A reply on its way reports elsewhere if it fails. */
  self->sending = FALSE;
  self->send_serial++;
  if (self->channel != NULL)
    g_signal_handlers_disconnect_by_data (self->channel, self);
  g_set_object (&self->channel, channel);
  g_free (self->target_id);
  self->target_id = g_strdup (target_id);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD]);
  if (channel == NULL)
    return;

  gtk_label_set_text (self->title, stray_channel_get_title (channel));
  g_signal_connect (channel, "notify::title", G_CALLBACK (on_title), self);
  g_signal_connect (channel, "notify::last-message", G_CALLBACK (on_last_message), self);
  g_signal_connect (channel, "message-changed", G_CALLBACK (on_message_changed), self);
  g_signal_connect (channel, "notify::unread-count", G_CALLBACK (on_unread), self);
  update_browser_button (self);
  load_messages (self);
}

/**
 * stray_channel_view_set_channel:
 * @channel: (nullable): the channel to show; none frees what the last one held
 */
void
stray_channel_view_set_channel (StrayChannelView *self,
                                StrayChannel     *channel)
{
  g_return_if_fail (STRAY_IS_CHANNEL_VIEW (self));

  if (self->channel != channel)
    switch_channel (self, channel, NULL);
}

/**
 * stray_channel_view_show_message:
 *
 * Shows @channel at its message @message_id: scrolled to and marked, from the page around it
 * when the messages shown do not have it.
 */
void
stray_channel_view_show_message (StrayChannelView *self,
                                 StrayChannel     *channel,
                                 const char       *message_id)
{
  g_return_if_fail (STRAY_IS_CHANNEL_VIEW (self));
  g_return_if_fail (STRAY_IS_CHANNEL (channel) && message_id != NULL);

  if (self->channel != channel)
    {
      switch_channel (self, channel, message_id);
      return;
    }
  g_free (self->target_id);
  self->target_id = g_strdup (message_id);
  /* Loading: the page on its way is looked at when it comes; shown: marked now, or fetched. */
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->message_stack), "loading") != 0 &&
      !mark_target (self))
    {
      self->target_id = g_strdup (message_id);
      load_messages (self);
    }
}

/* Returns: (transfer none) (nullable): the channel on screen */
StrayChannel *
stray_channel_view_get_channel (StrayChannelView *self)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL_VIEW (self), NULL);
  return self->channel;
}

/* Returns: (transfer none): the messages shown, oldest first */
GListModel *
stray_channel_view_get_messages (StrayChannelView *self)
{
  g_return_val_if_fail (STRAY_IS_CHANNEL_VIEW (self), NULL);
  return G_LIST_MODEL (self->messages);
}

static void
on_template_changed (G_GNUC_UNUSED GSettings *settings,
                     G_GNUC_UNUSED const char *key,
                     StrayChannelView         *self)
{
  update_browser_button (self);
}

void
stray_channel_view_set_application (StrayChannelView *self,
                                    StrayApplication *application)
{
  g_return_if_fail (STRAY_IS_CHANNEL_VIEW (self));
  g_return_if_fail (self->application == NULL);

  self->application = g_object_ref (application);
  self->typing = stray_typing_new (application);
  g_signal_connect_object (stray_application_get_settings (application),
                           "changed::web-url-template", G_CALLBACK (on_template_changed), self,
                           0);
}

static gboolean
stray_channel_view_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (STRAY_CHANNEL_VIEW (widget)->reply_entry));
}

static void
stray_channel_view_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  StrayChannelView *self = STRAY_CHANNEL_VIEW (object);

  switch (prop_id)
    {
    case PROP_UNREAD:
      g_value_set_uint (value, self->channel != NULL ? stray_channel_get_unread_count (self->channel)
                                                     : 0);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->channel != NULL ? stray_channel_get_title (self->channel)
                                                       : NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
stray_channel_view_dispose (GObject *object)
{
  StrayChannelView *self = STRAY_CHANNEL_VIEW (object);
  GtkWidget *child;

  if (self->application != NULL)
    stray_channel_view_set_channel (self, NULL);
  g_clear_pointer (&self->typing, stray_typing_free);
  g_clear_handle_id (&self->midnight_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), STRAY_TYPE_CHANNEL_VIEW);
  /* GTK 4.8 unparents only the bound template children. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->messages);
  g_clear_object (&self->application);
  g_clear_pointer (&self->drafts, g_hash_table_unref);
  g_clear_pointer (&self->target_id, g_free);

  G_OBJECT_CLASS (stray_channel_view_parent_class)->dispose (object);
}

static void
stray_channel_view_class_init (StrayChannelViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = stray_channel_view_get_property;
  object_class->dispose = stray_channel_view_dispose;
  widget_class->grab_focus = stray_channel_view_grab_focus;

  /* The channel's unread count, for the window's mark-read timer. */
  properties[PROP_UNREAD] =
    g_param_spec_uint ("unread", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* The channel's title, for the window's. */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_BACK] = g_signal_new ("back", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/streamtray/StreamTray/stray-channel-view.ui");
  gtk_widget_class_bind_template_child (widget_class, StrayChannelView, title);
  gtk_widget_class_bind_template_child (widget_class, StrayChannelView, browser_button);
  gtk_widget_class_bind_template_child (widget_class, StrayChannelView, message_stack);
  gtk_widget_class_bind_template_child (widget_class, StrayChannelView, spinner);
  gtk_widget_class_bind_template_child (widget_class, StrayChannelView, scroller);
  gtk_widget_class_bind_template_child (widget_class, StrayChannelView, message_list);
  gtk_widget_class_bind_template_child (widget_class, StrayChannelView, error_label);
  gtk_widget_class_bind_template_child (widget_class, StrayChannelView, send_error_label);
  gtk_widget_class_bind_template_child (widget_class, StrayChannelView, reply_entry);
  gtk_widget_class_bind_template_child (widget_class, StrayChannelView, send_button);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_browser_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_reply_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_reply_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_send_clicked);
}

static void
stray_channel_view_init (StrayChannelView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->messages = g_list_store_new (STRAY_TYPE_MESSAGE);
  self->drafts = stray_drafts_new ();
  gtk_list_box_bind_model (self->message_list, G_LIST_MODEL (self->messages),
                           create_message_row, NULL, NULL);
  gtk_list_box_set_header_func (self->message_list, stray_message_row_update_header, NULL,
                                NULL);
  schedule_midnight (self);
}
