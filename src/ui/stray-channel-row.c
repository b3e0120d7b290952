/* stray-channel-row.c: one channel in the list
 *
 * Avatar, name, "Author: text" of the last message, when it came, the unread count and a
 * muted mark, all following the channel's properties. Rows are recycled by the list view: a
 * row shows one channel between set_channel() calls, and only rows on screen exist.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "stray-channel-row.h"
#include "stray-message-preview.h"

struct _StrayChannelRow
{
  GtkWidget parent_instance;

  StrayAvatarCache *avatars;
  StrayChannel *channel;
  GBinding *title_binding;
  GBinding *muted_binding;
  GCancellable *avatar_cancellable;
  guint clock_id;

  GtkImage *avatar;
  GtkLabel *title;
  GtkImage *muted_icon;
  GtkLabel *time;
  GtkLabel *preview;
  GtkLabel *unread_badge;
};

G_DEFINE_FINAL_TYPE (StrayChannelRow, stray_channel_row, GTK_TYPE_WIDGET)

/**
 * stray_format_relative_time:
 *
 * When a message came, as chat lists say it: "now", "5 min", "14:05" today, the weekday this
 * week, the date otherwise.
 *
 * Returns: (transfer full): the text; empty for no time
 */
char *
stray_format_relative_time (gint64 then_us,
                            gint64 now_us)
{
  g_autoptr(GDateTime) then = NULL;
  g_autoptr(GDateTime) now = NULL;
  gint64 minutes;

  if (then_us <= 0)
    return g_strdup ("");
  minutes = (now_us - then_us) / G_USEC_PER_SEC / 60;
  if (minutes < 1)
    return g_strdup (C_("time", "now"));
  if (minutes < 60)
    return g_strdup_printf (C_("time", "%d min"), (int) minutes);

  then = g_date_time_new_from_unix_local (then_us / G_USEC_PER_SEC);
  now = g_date_time_new_from_unix_local (now_us / G_USEC_PER_SEC);
  if (then == NULL || now == NULL)
    return g_strdup ("");
  if (g_date_time_get_year (then) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (then) == g_date_time_get_day_of_year (now))
    return g_date_time_format (then, "%H:%M");
  if (now_us - then_us < 6 * G_TIME_SPAN_DAY)
    return g_date_time_format (then, "%a");
  if (g_date_time_get_year (then) == g_date_time_get_year (now))
    /* Translators: a date this year, see g_date_time_format() */
    return g_date_time_format (then, C_("date", "%e %b"));
  /* Translators: a date of another year, see g_date_time_format() */
  return g_date_time_format (then, C_("date", "%e %b %Y"));
}

static void
update_time (StrayChannelRow *self)
{
  g_autofree char *text = NULL;

  if (self->channel == NULL)
    return;
  text = stray_format_relative_time (stray_channel_get_last_message_at (self->channel),
                                     g_get_real_time ());
  gtk_label_set_text (self->time, text);
}

static void
update_accessible_label (StrayChannelRow *self)
{
  guint unread = stray_channel_get_unread_count (self->channel);
  g_autofree char *label = NULL;

  if (unread > 0)
    label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s, %u unread message",
                                          "%s, %u unread messages", unread),
                             stray_channel_get_title (self->channel), unread);
  else
    label = g_strdup (stray_channel_get_title (self->channel));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  gtk_label_get_text (self->preview), -1);
}

static void
update_preview (StrayChannelRow *self)
{
  StrayMessagePreview *message = NULL;
  g_autofree char *text = NULL;

  g_object_get (self->channel, "last-message", &message, NULL);
  if (message == NULL)
    text = g_strdup ("");
  else if (message->deleted)
    text = g_strdup (_("Message deleted"));
  else
    {
      /* One line: the text's own line breaks would be cut by the ellipsis anyway. */
      g_autofree char *flat = g_strdup (message->text != NULL ? message->text : "");

      g_strdelimit (flat, "\r\n\t", ' ');
      text = message->user_name != NULL || message->user_id != NULL
               ? g_strdup_printf (C_("preview", "%s: %s"),
                                  message->user_name ?: message->user_id, flat)
               : g_steal_pointer (&flat);
    }
  gtk_label_set_text (self->preview, text);
  g_clear_pointer (&message, stray_message_preview_unref);
}

static void
update_unread (StrayChannelRow *self)
{
  guint unread = stray_channel_get_unread_count (self->channel);
  g_autofree char *text = g_strdup_printf ("%u", unread);

  gtk_label_set_text (self->unread_badge, text);
  gtk_widget_set_visible (GTK_WIDGET (self->unread_badge), unread > 0);
  if (stray_channel_get_muted (self->channel))
    gtk_widget_add_css_class (GTK_WIDGET (self->unread_badge), "muted");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->unread_badge), "muted");
  if (unread > 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->title), "unread");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->title), "unread");
}

static void
on_channel_notify (G_GNUC_UNUSED StrayChannel *channel,
                   GParamSpec                 *pspec,
                   StrayChannelRow            *self)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "last-message"))
    update_preview (self);
  else if (g_str_equal (name, "last-message-at"))
    update_time (self);
  else if (g_str_equal (name, "unread-count") || g_str_equal (name, "muted"))
    update_unread (self);
  else if (!g_str_equal (name, "title"))
    return;
  update_accessible_label (self);
}

static void
on_avatar (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  StrayChannelRow *self;

  pixbuf = stray_avatar_cache_get_finish (STRAY_AVATAR_CACHE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = STRAY_CHANNEL_ROW (user_data);
  if (pixbuf != NULL)
    {
      g_autoptr(GdkTexture) texture = gdk_texture_new_for_pixbuf (pixbuf);

      gtk_image_set_from_paintable (self->avatar, GDK_PAINTABLE (texture));
      gtk_widget_remove_css_class (GTK_WIDGET (self->avatar), "avatar-fallback");
    }
  else
    g_debug ("no avatar: %s", error->message);
}

static void
update_avatar (StrayChannelRow *self)
{
  const char *image = stray_channel_get_image (self->channel);

  g_cancellable_cancel (self->avatar_cancellable);
  g_clear_object (&self->avatar_cancellable);
  gtk_image_set_from_icon_name (self->avatar, stray_channel_is_direct (self->channel)
                                                ? "avatar-default-symbolic"
                                                : "system-users-symbolic");
  gtk_widget_add_css_class (GTK_WIDGET (self->avatar), "avatar-fallback");
  if (image == NULL || *image == '\0' || self->avatars == NULL)
    return;
  self->avatar_cancellable = g_cancellable_new ();
  /* The cancellable guards the row: it is cancelled before the row goes. */
  stray_avatar_cache_get_async (self->avatars, image, self->avatar_cancellable, on_avatar, self);
}

/**
 * stray_channel_row_set_channel:
 * @channel: (nullable): the channel to show, or none
 */
void
stray_channel_row_set_channel (StrayChannelRow *self,
                               StrayChannel    *channel)
{
  g_return_if_fail (STRAY_IS_CHANNEL_ROW (self));

  if (self->channel == channel)
    return;
  if (self->channel != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->channel, self);
      g_clear_pointer (&self->title_binding, g_binding_unbind);
      g_clear_pointer (&self->muted_binding, g_binding_unbind);
      g_cancellable_cancel (self->avatar_cancellable);
      g_clear_object (&self->avatar_cancellable);
      g_clear_object (&self->channel);
    }
  if (channel == NULL)
    return;

  self->channel = g_object_ref (channel);
  self->title_binding = g_object_bind_property (channel, "title", self->title, "label",
                                                G_BINDING_SYNC_CREATE);
  self->muted_binding = g_object_bind_property (channel, "muted", self->muted_icon, "visible",
                                                G_BINDING_SYNC_CREATE);
  g_signal_connect (channel, "notify", G_CALLBACK (on_channel_notify), self);
  update_preview (self);
  update_time (self);
  update_unread (self);
  update_avatar (self);
  update_accessible_label (self);
}

static gboolean
on_clock (gpointer user_data)
{
  update_time (user_data);
  return G_SOURCE_CONTINUE;
}

/* "5 min" must become "6 min": only rows on screen keep a clock. */
static void
stray_channel_row_map (GtkWidget *widget)
{
  StrayChannelRow *self = STRAY_CHANNEL_ROW (widget);

  GTK_WIDGET_CLASS (stray_channel_row_parent_class)->map (widget);
  update_time (self);
  if (self->clock_id == 0)
    self->clock_id = g_timeout_add_seconds (30, on_clock, self);
}

static void
stray_channel_row_unmap (GtkWidget *widget)
{
  StrayChannelRow *self = STRAY_CHANNEL_ROW (widget);

  g_clear_handle_id (&self->clock_id, g_source_remove);
  GTK_WIDGET_CLASS (stray_channel_row_parent_class)->unmap (widget);
}

static void
stray_channel_row_dispose (GObject *object)
{
  StrayChannelRow *self = STRAY_CHANNEL_ROW (object);
  GtkWidget *child;

  stray_channel_row_set_channel (self, NULL);
  g_clear_handle_id (&self->clock_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), STRAY_TYPE_CHANNEL_ROW);
  /* GTK 4.8 unparents only the bound template children. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->avatars);

  G_OBJECT_CLASS (stray_channel_row_parent_class)->dispose (object);
}

static void
stray_channel_row_class_init (StrayChannelRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = stray_channel_row_dispose;
  widget_class->map = stray_channel_row_map;
  widget_class->unmap = stray_channel_row_unmap;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/streamtray/StreamTray/stray-channel-row.ui");
  gtk_widget_class_bind_template_child (widget_class, StrayChannelRow, avatar);
  gtk_widget_class_bind_template_child (widget_class, StrayChannelRow, title);
  gtk_widget_class_bind_template_child (widget_class, StrayChannelRow, muted_icon);
  gtk_widget_class_bind_template_child (widget_class, StrayChannelRow, time);
  gtk_widget_class_bind_template_child (widget_class, StrayChannelRow, preview);
  gtk_widget_class_bind_template_child (widget_class, StrayChannelRow, unread_badge);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
stray_channel_row_init (StrayChannelRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

StrayChannelRow *
stray_channel_row_new (StrayAvatarCache *avatars)
{
  StrayChannelRow *self = g_object_new (STRAY_TYPE_CHANNEL_ROW, NULL);

  self->avatars = avatars != NULL ? g_object_ref (avatars) : NULL;
  return self;
}
