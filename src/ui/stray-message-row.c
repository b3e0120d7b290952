/* stray-message-row.c: one message in the channel view, as chat apps show it
 *
 * An avatar (the author's picture once the window's avatar cache has it, their initial until
 * then or without one), the author's name and the time over the text; a message that follows another by
 * the same author within STRAY_MESSAGE_GROUP_GAP_US shows neither (the view decides, in its
 * list's header function, which also puts a day's name between days). Links in the text are
 * clickable when they are http or https; everything else stays text. A screen reader hears
 * each message whole: "Bob, 10:42: Lunch at noon?".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-ui"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "stray-environment.h"
#include "stray-message-menu.h"
#include "stray-message-row.h"
#include "stray-window.h"

#define N_AVATAR_COLOURS 6
#define AVATAR_SIZE 32    /* as style.css's .message-avatar */
#define AVATAR_SPACING 8
#define HIGHLIGHT_SECONDS 4
#define SCROLL_FRAMES 3   /* a page's rows can take a frame or two to be measured */

struct _StrayMessageRow
{
  GtkListBoxRow parent_instance;

  StrayMessage *message;
  gboolean grouped;
  GtkWidget *avatar;              /* an overlay: the initial, then the picture over it */
  GCancellable *avatar_cancellable;
  gboolean avatar_requested;
  GtkWidget *header;
  GtkWidget *column;
  guint highlight_id;
  guint scroll_tick_id;
  guint scroll_frames;
  GtkScrolledWindow *scroller; /* while it scrolls itself into view */
};

G_DEFINE_FINAL_TYPE (StrayMessageRow, stray_message_row, GTK_TYPE_LIST_BOX_ROW)

static gboolean
is_web_uri (const char *text)
{
  g_autoptr(GUri) uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);

  return uri != NULL &&
         (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") == 0 ||
          g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0) &&
         g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0';
}

static const char *
find_web_uri (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if ((g_ascii_strncasecmp (p, "http://", 7) == 0 || g_ascii_strncasecmp (p, "https://", 8) == 0) &&
        (p == text || !g_ascii_isalnum (p[-1])))
      return p;
  return NULL;
}

/**
 * stray_message_markup_links:
 * @text: a message's text, as typed
 *
 * Returns: Pango markup of @text with its http and https addresses as links; other schemes
 *   (javascript:, file:, ftp: …) stay text, since a click must not run or open anything else
 */
char *
stray_message_markup_links (const char *text)
{
  g_autoptr(GString) markup = g_string_new (NULL);
  const char *rest = text;
  const char *start;

  while ((start = find_web_uri (rest)) != NULL)
    {
      gsize length = strcspn (start, " \t\r\n<>\"");
      g_autofree char *before = g_markup_escape_text (rest, start - rest);
      g_autofree char *uri = NULL;

      /* Sentence punctuation after an address is the sentence's. */
      while (length > 0 && strchr (".,;:!?)]}'", start[length - 1]) != NULL)
        length--;
      uri = g_strndup (start, length);
      g_string_append (markup, before);
      if (is_web_uri (uri))
        {
          g_autofree char *escaped = g_markup_escape_text (uri, -1);

          g_string_append_printf (markup, "<a href=\"%s\">%s</a>", escaped, escaped);
        }
      else
        {
          g_autofree char *escaped = g_markup_escape_text (uri, -1);

          g_string_append (markup, escaped);
        }
      rest = start + MAX (length, 1);
      if (length == 0)
        {
          g_autofree char *escaped = g_markup_escape_text (start, 1);

          g_string_append (markup, escaped);
        }
    }
  {
    g_autofree char *escaped = g_markup_escape_text (rest, -1);

    g_string_append (markup, escaped);
  }
  return g_string_free (g_steal_pointer (&markup), FALSE);
}

static void
on_launched (G_GNUC_UNUSED GObject *source,
             GAsyncResult          *result,
             G_GNUC_UNUSED gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    g_message ("The browser did not open: %s", error->message);
}

/* Opens an http or https address in the browser (through the OpenURI portal inside a
 * sandbox), with the environment the session gave the daemon; anything else is refused. */
void
stray_launch_uri (GtkWidget  *widget,
                  const char *uri)
{
  g_autoptr(GdkAppLaunchContext) context = NULL;

  g_return_if_fail (GTK_IS_WIDGET (widget));

  if (uri == NULL || !is_web_uri (uri))
    {
      g_message ("Not opened, not a web address: %s", uri != NULL ? uri : "(none)");
      return;
    }
  context = gdk_display_get_app_launch_context (gtk_widget_get_display (widget));
  stray_environment_restore_for_launch (G_APP_LAUNCH_CONTEXT (context));
  g_app_info_launch_default_for_uri_async (uri, G_APP_LAUNCH_CONTEXT (context), NULL,
                                           on_launched, NULL);
}

/* GTK would open any scheme the label holds with gtk_show_uri: the check is ours. */
static gboolean
on_activate_link (GtkLabel   *label,
                  const char *uri,
                  G_GNUC_UNUSED gpointer user_data)
{
  stray_launch_uri (GTK_WIDGET (label), uri);
  return TRUE;
}

/* g_date_time_new_from_unix_local_usec () is GLib 2.80's. */
static GDateTime *
local_time (gint64 us)
{
  return g_date_time_new_from_unix_local (us / G_USEC_PER_SEC);
}

/**
 * stray_message_format_day:
 *
 * Returns: "Today", "Yesterday" or the date in the locale's format, for the separator
 *   before a day's first message
 */
char *
stray_message_format_day (gint64 then_us,
                          gint64 now_us)
{
  g_autoptr(GDateTime) then = local_time (then_us);
  g_autoptr(GDateTime) now = local_time (now_us);
  g_autoptr(GDate) then_date = NULL;
  g_autoptr(GDate) today = NULL;
  int days;

  then_date = g_date_new_dmy (g_date_time_get_day_of_month (then),
                              g_date_time_get_month (then), g_date_time_get_year (then));
  today = g_date_new_dmy (g_date_time_get_day_of_month (now),
                          g_date_time_get_month (now), g_date_time_get_year (now));
  days = g_date_days_between (then_date, today);
  if (days == 0)
    return g_strdup (_("Today"));
  if (days == 1)
    return g_strdup (_("Yesterday"));
  return g_date_time_format (then, "%x");
}

static gboolean
same_day (gint64 a_us,
          gint64 b_us)
{
  g_autoptr(GDateTime) a = local_time (a_us);
  g_autoptr(GDateTime) b = local_time (b_us);

  return g_date_time_get_year (a) == g_date_time_get_year (b) &&
         g_date_time_get_day_of_year (a) == g_date_time_get_day_of_year (b);
}

/**
 * stray_message_row_follows:
 * @before: (nullable): the message shown above @message
 *
 * Returns: whether @message continues @before's burst: the same author, the same day, within
 *   STRAY_MESSAGE_GROUP_GAP_US
 */
gboolean
stray_message_row_follows (StrayMessage *message,
                           StrayMessage *before)
{
  gint64 gap;

  if (before == NULL || stray_message_get_user_id (message) == NULL ||
      g_strcmp0 (stray_message_get_user_id (message), stray_message_get_user_id (before)) != 0)
    return FALSE;
  gap = stray_message_get_created_at (message) - stray_message_get_created_at (before);
  return stray_message_get_created_at (before) != 0 && gap >= 0 &&
         gap < STRAY_MESSAGE_GROUP_GAP_US &&
         same_day (stray_message_get_created_at (message), stray_message_get_created_at (before));
}

static char *
format_time (gint64 then_us)
{
  g_autoptr(GDateTime) then = local_time (then_us);

  /* TRANSLATORS: the time a message was sent, a strftime() format: "10:42" */
  return g_date_time_format (then, C_("message time", "%H:%M"));
}

static GtkWidget *
new_avatar (StrayMessage *message)
{
  const char *author = stray_message_get_author (message);
  const char *user_id = stray_message_get_user_id (message);
  char initial[8] = "?";
  g_autofree char *colour = NULL;
  GtkWidget *avatar, *label;

  if (author != NULL && *author != '\0' && g_utf8_validate (author, -1, NULL))
    initial[g_unichar_to_utf8 (g_unichar_toupper (g_utf8_get_char (author)), initial)] = '\0';
  /* The name is in the row's label already: the avatar is decoration. */
  label = gtk_label_new (initial);
  avatar = g_object_new (GTK_TYPE_OVERLAY, "child", label, "valign", GTK_ALIGN_START,
                         "halign", GTK_ALIGN_START, "overflow", GTK_OVERFLOW_HIDDEN,
                         "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION, NULL);
  gtk_widget_set_size_request (avatar, AVATAR_SIZE, AVATAR_SIZE);
  gtk_widget_add_css_class (avatar, "message-avatar");
  colour = g_strdup_printf ("avatar-colour-%u",
                            user_id != NULL ? g_str_hash (user_id) % N_AVATAR_COLOURS : 0);
  gtk_widget_add_css_class (avatar, colour);
  return avatar;
}

static void
on_picture (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = stray_avatar_cache_get_finish (STRAY_AVATAR_CACHE (source),
                                                               result, &error);
  g_autoptr(GdkTexture) texture = NULL;
  StrayMessageRow *self;
  GtkWidget *picture;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = STRAY_MESSAGE_ROW (user_data);
  if (pixbuf == NULL)
    {
      /* The initial stays: a picture that cannot be had is no error to show. */
      g_debug ("no picture for %s: %s", stray_message_get_user_id (self->message),
               error->message);
      return;
    }
  texture = gdk_texture_new_for_pixbuf (pixbuf);
  picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_COVER);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_overlay_add_overlay (GTK_OVERLAY (self->avatar), picture);
}

/* In the window at last: its avatar cache fetches the picture, checked as any is there. */
static void
stray_message_row_root (GtkWidget *widget)
{
  StrayMessageRow *self = STRAY_MESSAGE_ROW (widget);
  const char *url = stray_message_get_author_image (self->message);
  GtkRoot *root;
  StrayAvatarCache *avatars;

  GTK_WIDGET_CLASS (stray_message_row_parent_class)->root (widget);

  root = gtk_widget_get_root (widget);
  if (self->avatar_requested || url == NULL || !STRAY_IS_WINDOW (root) ||
      (avatars = stray_window_get_avatars (STRAY_WINDOW (root))) == NULL)
    return;
  self->avatar_requested = TRUE;
  self->avatar_cancellable = g_cancellable_new ();
  stray_avatar_cache_get_async (avatars, url, self->avatar_cancellable, on_picture, self);
}

static GtkWidget *
new_body_label (const char *css_class)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  return label;
}

static void
build (StrayMessageRow *self)
{
  StrayMessage *message = self->message;
  gint64 created_at = stray_message_get_created_at (message);
  g_autofree char *when = created_at != 0 ? format_time (created_at) : g_strdup ("");
  const char *author = stray_message_get_author (message);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, AVATAR_SPACING);
  GtkWidget *column = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *name = gtk_label_new (author);
  GtkWidget *time = gtk_label_new (when);
  g_autoptr(GString) spoken = g_string_new (NULL);
  GtkWidget *body;

  g_string_append_printf (spoken, "%s, %s: ", author != NULL ? author : _("Unknown"), when);
  self->avatar = new_avatar (message);
  self->column = column;
  self->header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (name, "message-author");
  gtk_widget_add_css_class (time, "dim-label");
  gtk_widget_add_css_class (time, "caption");
  gtk_box_append (GTK_BOX (self->header), name);
  gtk_box_append (GTK_BOX (self->header), time);
  gtk_box_append (GTK_BOX (column), self->header);

  if (stray_message_get_deleted (message))
    {
      body = new_body_label ("message-deleted");
      gtk_label_set_text (GTK_LABEL (body), _("Message deleted"));
      gtk_box_append (GTK_BOX (column), body);
      g_string_append (spoken, _("Message deleted"));
    }
  else
    {
      const char *text = stray_message_get_text (message);

      if (*text != '\0' || stray_message_get_edited (message))
        {
          g_autofree char *links = stray_message_markup_links (text);
          g_autofree char *edited = g_markup_printf_escaped (
            " <span size=\"smaller\" alpha=\"60%%\">%s</span>", _("(edited)"));
          g_autofree char *markup = g_strconcat (links, stray_message_get_edited (message)
                                                          ? edited : "", NULL);

          body = new_body_label (NULL);
          gtk_label_set_markup (GTK_LABEL (body), markup);
          /* Plain text apart from the links: markup-like characters show as typed. */
          gtk_label_set_selectable (GTK_LABEL (body), TRUE);
          g_signal_connect (body, "activate-link", G_CALLBACK (on_activate_link), NULL);
          gtk_box_append (GTK_BOX (column), body);
          g_string_append (spoken, text);
          if (stray_message_get_edited (message))
            g_string_append_printf (spoken, " %s", _("(edited)"));
        }
      for (guint i = 0; i < stray_message_get_n_attachments (message); i++)
        {
          g_autofree char *description =
            stray_message_describe_attachment (stray_message_get_attachment_type (message, i),
                                               stray_message_get_attachment_title (message, i));
          GtkWidget *attachment = new_body_label ("message-attachment");

          gtk_label_set_text (GTK_LABEL (attachment), description);
          gtk_box_append (GTK_BOX (column), attachment);
          g_string_append_printf (spoken, "%s%s", spoken->str[spoken->len - 1] == ' ' ? "" : ", ",
                                  description);
        }
    }

  /* A thread under it: "2 replies" opens it (the window's win.open-thread). */
  if (stray_message_get_reply_count (message) > 0 && !stray_message_get_deleted (message))
    {
      guint n = stray_message_get_reply_count (message);
      g_autofree char *text = g_strdup_printf (ngettext ("%u reply", "%u replies", n), n);
      GtkWidget *replies = gtk_button_new_with_label (text);

      gtk_widget_set_halign (replies, GTK_ALIGN_START);
      gtk_widget_add_css_class (replies, "flat");
      gtk_widget_add_css_class (replies, "thread-link");
      gtk_actionable_set_action_name (GTK_ACTIONABLE (replies), "win.open-thread");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (replies), "s",
                                        stray_message_get_id (message));
      gtk_box_append (GTK_BOX (column), replies);
      g_string_append_printf (spoken, ", %s", text);
    }

  gtk_widget_set_hexpand (column, TRUE);
  gtk_box_append (GTK_BOX (box), self->avatar);
  gtk_box_append (GTK_BOX (box), column);
  gtk_widget_set_margin_start (box, 10);
  gtk_widget_set_margin_end (box, 10);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (self), box);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  spoken->str, -1);
}

/* Grouped: under the previous message's name and avatar, which this row then leaves out. */
void
stray_message_row_set_grouped (StrayMessageRow *self,
                               gboolean         grouped)
{
  g_return_if_fail (STRAY_IS_MESSAGE_ROW (self));

  self->grouped = grouped;
  gtk_widget_set_visible (self->header, !grouped);
  gtk_widget_set_visible (self->avatar, !grouped);
  /* In the avatar's place, so that the texts of a burst line up. */
  gtk_widget_set_margin_start (self->column, grouped ? AVATAR_SIZE + AVATAR_SPACING : 0);
  if (grouped)
    gtk_widget_add_css_class (GTK_WIDGET (self), "grouped");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "grouped");
}

gboolean
stray_message_row_get_grouped (StrayMessageRow *self)
{
  g_return_val_if_fail (STRAY_IS_MESSAGE_ROW (self), FALSE);
  return self->grouped;
}

/* Returns: (transfer none): the message shown */
StrayMessage *
stray_message_row_get_message (StrayMessageRow *self)
{
  g_return_val_if_fail (STRAY_IS_MESSAGE_ROW (self), NULL);
  return self->message;
}

/* A list's header function (GtkListBoxUpdateHeaderFunc): between days, the day's name; within
 * a day, a burst by one author under one name. GtkListBox calls it again for the rows next to
 * any that come or go. */
void
stray_message_row_update_header (GtkListBoxRow *row,
                                 GtkListBoxRow *before,
                                 G_GNUC_UNUSED gpointer user_data)
{
  StrayMessage *message = stray_message_row_get_message (STRAY_MESSAGE_ROW (row));
  StrayMessage *previous = before != NULL
                             ? stray_message_row_get_message (STRAY_MESSAGE_ROW (before)) : NULL;
  gint64 created_at = stray_message_get_created_at (message);
  g_autofree char *day = NULL;
  GtkWidget *header = gtk_list_box_row_get_header (row);

  if (created_at != 0)
    {
      g_autofree char *previous_day = NULL;

      day = stray_message_format_day (created_at, g_get_real_time ());
      if (previous != NULL && stray_message_get_created_at (previous) != 0)
        previous_day = stray_message_format_day (stray_message_get_created_at (previous),
                                                 g_get_real_time ());
      if (g_strcmp0 (day, previous_day) == 0)
        g_clear_pointer (&day, g_free);
    }
  stray_message_row_set_grouped (STRAY_MESSAGE_ROW (row),
                                 day == NULL && stray_message_row_follows (message, previous));
  if (day == NULL)
    {
      gtk_list_box_row_set_header (row, NULL);
      return;
    }
  if (header != NULL && g_strcmp0 (gtk_label_get_text (GTK_LABEL (header)), day) == 0)
    return;
  header = gtk_label_new (day);
  gtk_widget_add_css_class (header, "day-separator");
  gtk_accessible_update_property (GTK_ACCESSIBLE (header), GTK_ACCESSIBLE_PROPERTY_LABEL, day,
                                  -1);
  gtk_list_box_row_set_header (row, header);
}

static gboolean
on_highlight_over (gpointer user_data)
{
  StrayMessageRow *self = user_data;

  self->highlight_id = 0;
  gtk_widget_remove_css_class (GTK_WIDGET (self), "highlighted");
  return G_SOURCE_REMOVE;
}

/* Each frame until the list has its size: the row in the middle of the scroller's view. */
static gboolean
on_scroll_tick (GtkWidget     *widget,
                G_GNUC_UNUSED GdkFrameClock *clock,
                G_GNUC_UNUSED gpointer       user_data)
{
  StrayMessageRow *self = STRAY_MESSAGE_ROW (widget);
  GtkWidget *list = gtk_widget_get_parent (widget);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
  graphene_rect_t bounds;

  if (list == NULL || !gtk_widget_compute_bounds (widget, list, &bounds) ||
      gtk_widget_get_height (widget) == 0 ||
      gtk_adjustment_get_upper (adjustment) < gtk_widget_get_height (list))
    return G_SOURCE_CONTINUE;
  gtk_adjustment_set_value (adjustment, bounds.origin.y + bounds.size.height / 2 -
                                        gtk_adjustment_get_page_size (adjustment) / 2);
  if (++self->scroll_frames < SCROLL_FRAMES)
    return G_SOURCE_CONTINUE;
  self->scroll_tick_id = 0;
  g_clear_object (&self->scroller);
  return G_SOURCE_REMOVE;
}

/**
 * stray_message_row_mark:
 * @scroller: the scrolled window the row's list is in
 *
 * The message a user was taken to (a reminder's Open): scrolled into the middle of the view
 * once the list is laid out, highlighted for a few seconds, and focused, so that a screen
 * reader reads it.
 */
void
stray_message_row_mark (StrayMessageRow   *self,
                        GtkScrolledWindow *scroller)
{
  g_return_if_fail (STRAY_IS_MESSAGE_ROW (self));
  g_return_if_fail (GTK_IS_SCROLLED_WINDOW (scroller));

  gtk_widget_add_css_class (GTK_WIDGET (self), "highlighted");
  g_clear_handle_id (&self->highlight_id, g_source_remove);
  self->highlight_id = g_timeout_add_seconds (HIGHLIGHT_SECONDS, on_highlight_over, self);
  g_set_object (&self->scroller, scroller);
  self->scroll_frames = 0;
  if (self->scroll_tick_id == 0)
    self->scroll_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_scroll_tick,
                                                         NULL, NULL);
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

static void
stray_message_row_dispose (GObject *object)
{
  StrayMessageRow *self = STRAY_MESSAGE_ROW (object);

  g_cancellable_cancel (self->avatar_cancellable);
  g_clear_object (&self->avatar_cancellable);
  g_clear_handle_id (&self->highlight_id, g_source_remove);
  if (self->scroll_tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->scroll_tick_id);
  self->scroll_tick_id = 0;
  g_clear_object (&self->scroller);
  g_clear_object (&self->message);
  stray_message_menu_detach (GTK_WIDGET (self));

  G_OBJECT_CLASS (stray_message_row_parent_class)->dispose (object);
}

static void
stray_message_row_class_init (StrayMessageRowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = stray_message_row_dispose;
  GTK_WIDGET_CLASS (klass)->root = stray_message_row_root;
}

static void
stray_message_row_init (StrayMessageRow *self)
{
  /* Reached with the keyboard, for a screen reader to read; there is nothing to activate. */
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self), FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (self), "message");
}

StrayMessageRow *
stray_message_row_new (StrayMessage *message)
{
  StrayMessageRow *self;

  g_return_val_if_fail (STRAY_IS_MESSAGE (message), NULL);

  self = g_object_new (STRAY_TYPE_MESSAGE_ROW, NULL);
  self->message = g_object_ref (message);
  build (self);
  /* Its context menu sets reminders (stray-message-menu.c). */
  stray_message_menu_attach (GTK_WIDGET (self), stray_message_get_id (message));
  return self;
}
