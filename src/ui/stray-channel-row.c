/* stray-channel-row.c: one channel in the list
 *
 * Avatar, name, "Author: text" of the last message, when it came, the unread count and a
 * muted mark, all following the channel's properties. Rows are recycled by the list view: a
 * row shows one channel between set_channel() calls.
 *
 * One widget that draws its four lines of text itself, rather than a box of labels: GTK 4.8's
 * list view keeps up to 200 rows alive whatever the window's height, and with labels those
 * rows cost the daemon some 8 MB and most of the time the window takes to open (README,
 * "Measured figures"). What a screen reader needs is in the row's accessible label and description.
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
  GCancellable *avatar_cancellable;
  guint clock_id;

  GdkPaintable *avatar;    /* the channel's picture, or a symbolic icon */
  GdkPaintable *muted_icon;
  PangoLayout *title;
  PangoLayout *time;
  PangoLayout *preview;
  PangoLayout *badge;      /* NULL when nothing is unread */
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
    /* Translators: a time today, see g_date_time_format(); "%l:%M %p" for a 12-hour clock */
    return g_date_time_format (then, C_("time of day", "%H:%M"));
  if (now_us - then_us < 6 * G_TIME_SPAN_DAY)
    return g_date_time_format (then, "%a");
  if (g_date_time_get_year (then) == g_date_time_get_year (now))
    /* Translators: a date this year, see g_date_time_format() */
    return g_date_time_format (then, C_("date", "%e %b"));
  /* Translators: a date of another year, see g_date_time_format() */
  return g_date_time_format (then, C_("date", "%e %b %Y"));
}

#define PADDING_X 8
#define PADDING_Y 6
#define AVATAR_SIZE 36
#define GAP 10
#define LINE_GAP 2
#define ICON_SIZE 16
#define BADGE_PADDING_X 6
#define DIM_ALPHA 0.55f

static PangoLayout *
new_layout (StrayChannelRow *self,
            double           scale,
            gboolean         bold)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  PangoAttrList *attributes = pango_attr_list_new ();

  if (scale != 1.0)
    pango_attr_list_insert (attributes, pango_attr_scale_new (scale));
  if (bold)
    pango_attr_list_insert (attributes, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  pango_layout_set_attributes (layout, attributes);
  pango_attr_list_unref (attributes);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_single_paragraph_mode (layout, TRUE);
  return layout;
}

static void
set_bold (PangoLayout *layout,
          gboolean     bold)
{
  PangoAttrList *attributes = pango_attr_list_new ();

  if (bold)
    pango_attr_list_insert (attributes, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  pango_layout_set_attributes (layout, attributes);
  pango_attr_list_unref (attributes);
}

static int
layout_height (PangoLayout *layout)
{
  int height;

  pango_layout_get_pixel_size (layout, NULL, &height);
  return height;
}

static int
layout_width (PangoLayout *layout)
{
  int width;

  pango_layout_get_pixel_size (layout, &width, NULL);
  return width;
}

static void
update_time (StrayChannelRow *self)
{
  g_autofree char *text = NULL;

  if (self->channel == NULL)
    return;
  text = stray_format_relative_time (stray_channel_get_last_message_at (self->channel),
                                     g_get_real_time ());
  if (g_strcmp0 (pango_layout_get_text (self->time), text) == 0)
    return;
  pango_layout_set_text (self->time, text, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
update_accessible_label (StrayChannelRow *self)
{
  guint unread = stray_channel_get_unread_count (self->channel);
  g_autofree char *label = NULL;
  GtkWidget *parent;

  if (unread > 0)
    label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s, %u unread message",
                                          "%s, %u unread messages", unread),
                             stray_channel_get_title (self->channel), unread);
  else
    label = g_strdup (stray_channel_get_title (self->channel));
  if (stray_channel_get_muted (self->channel))
    {
      /* Translators: a channel's accessible name, when its notifications are muted */
      g_autofree char *muted = g_strdup_printf (_("%s, muted"), label);

      g_free (label);
      label = g_steal_pointer (&muted);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  pango_layout_get_text (self->preview), -1);
  /* A screen reader reads the list's row, GtkListView's, which GTK 4.8 leaves unnamed (4.12's
   * gtk_list_item_set_accessible_label is not there yet): it gets the same name. */
  parent = gtk_widget_get_parent (GTK_WIDGET (self));
  if (parent != NULL &&
      gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (parent)) == GTK_ACCESSIBLE_ROLE_LIST_ITEM)
    gtk_accessible_update_property (GTK_ACCESSIBLE (parent), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                    -1);
}

static void
update_title (StrayChannelRow *self)
{
  pango_layout_set_text (self->title, stray_channel_get_title (self->channel), -1);
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
      g_autofree char *flat = stray_message_preview_dup_gist (message);

      g_strdelimit (flat, "\r\n\t", ' ');
      text = message->user_name != NULL || message->user_id != NULL
               ? g_strdup_printf (C_("preview", "%s: %s"),
                                  message->user_name ?: message->user_id, flat)
               : g_steal_pointer (&flat);
    }
  /* Plain text, never markup: a message's "<b>" shows as typed. */
  pango_layout_set_text (self->preview, text, -1);
  g_clear_pointer (&message, stray_message_preview_unref);
}

static void
update_unread (StrayChannelRow *self)
{
  guint unread = stray_channel_get_unread_count (self->channel);

  set_bold (self->title, unread > 0);
  if (unread == 0)
    {
      g_clear_object (&self->badge);
      return;
    }
  if (self->badge == NULL)
    self->badge = new_layout (self, 0.8, TRUE);
  {
    g_autofree char *text = g_strdup_printf ("%u", unread);

    pango_layout_set_text (self->badge, text, -1);
  }
}

static void update_avatar (StrayChannelRow *self);

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
  else if (g_str_equal (name, "unread-count"))
    update_unread (self);
  else if (g_str_equal (name, "title"))
    update_title (self);
  else if (g_str_equal (name, "image"))
    update_avatar (self);
  else if (!g_str_equal (name, "muted"))
    return;
  update_accessible_label (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

static GdkPaintable *
lookup_icon (StrayChannelRow *self,
             const char      *name,
             int              size)
{
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (GTK_WIDGET (self)));

  return GDK_PAINTABLE (gtk_icon_theme_lookup_icon (theme, name, NULL, size,
                                                    gtk_widget_get_scale_factor (GTK_WIDGET (self)),
                                                    gtk_widget_get_direction (GTK_WIDGET (self)),
                                                    0));
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
  if (pixbuf == NULL)
    {
      g_debug ("no avatar: %s", error->message);
      return;
    }
  g_clear_object (&self->avatar);
  self->avatar = GDK_PAINTABLE (gdk_texture_new_for_pixbuf (pixbuf));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
update_avatar (StrayChannelRow *self)
{
  const char *image = stray_channel_get_image (self->channel);

  g_cancellable_cancel (self->avatar_cancellable);
  g_clear_object (&self->avatar_cancellable);
  g_clear_object (&self->avatar);
  self->avatar = lookup_icon (self, stray_channel_is_direct (self->channel)
                                      ? "stray-person-symbolic" : "stray-group-symbolic",
                              AVATAR_SIZE);
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
      g_cancellable_cancel (self->avatar_cancellable);
      g_clear_object (&self->avatar_cancellable);
      g_clear_object (&self->channel);
    }
  if (channel == NULL)
    return;

  self->channel = g_object_ref (channel);
  g_signal_connect (channel, "notify", G_CALLBACK (on_channel_notify), self);
  update_title (self);
  update_preview (self);
  update_time (self);
  update_unread (self);
  update_avatar (self);
  update_accessible_label (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/* What the row shows, in reading order: "Design | now | bob: Reviews at three | 1". */
char *
stray_channel_row_get_text (StrayChannelRow *self)
{
  GString *text = g_string_new (NULL);
  PangoLayout *layouts[] = { self->title, self->time, self->preview, self->badge };

  g_return_val_if_fail (STRAY_IS_CHANNEL_ROW (self), NULL);

  for (guint i = 0; i < G_N_ELEMENTS (layouts); i++)
    if (layouts[i] != NULL && *pango_layout_get_text (layouts[i]) != '\0')
      g_string_append_printf (text, "%s%s", text->len > 0 ? " | " : "",
                              pango_layout_get_text (layouts[i]));
  return g_string_free (text, FALSE);
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
stray_channel_row_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           G_GNUC_UNUSED int for_size,
                           int            *minimum,
                           int            *natural,
                           G_GNUC_UNUSED int *minimum_baseline,
                           G_GNUC_UNUSED int *natural_baseline)
{
  StrayChannelRow *self = STRAY_CHANNEL_ROW (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 2 * PADDING_X + AVATAR_SIZE + GAP + 120;
      *natural = 2 * PADDING_X + AVATAR_SIZE + GAP + 280;
      return;
    }
  *minimum = *natural = 2 * PADDING_Y + MAX (AVATAR_SIZE, layout_height (self->title) + LINE_GAP +
                                                          layout_height (self->preview));
}

static void
snapshot_layout (GtkSnapshot   *snapshot,
                 PangoLayout   *layout,
                 int            x,
                 int            y,
                 const GdkRGBA *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
snapshot_icon (GtkSnapshot   *snapshot,
               GdkPaintable  *paintable,
               int            x,
               int            y,
               int            size,
               const GdkRGBA *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  if (GTK_IS_SYMBOLIC_PAINTABLE (paintable))
    gtk_symbolic_paintable_snapshot_symbolic (GTK_SYMBOLIC_PAINTABLE (paintable), snapshot, size,
                                              size, color, 1);
  else
    gdk_paintable_snapshot (paintable, snapshot, size, size);
  gtk_snapshot_restore (snapshot);
}

static void
stray_channel_row_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  StrayChannelRow *self = STRAY_CHANNEL_ROW (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;
  GdkRGBA color, dim, accent, accent_fg = { 1, 1, 1, 1 };
  int text_x = PADDING_X + AVATAR_SIZE + GAP;
  int text_width, top_width, right, y, title_height;

  if (self->channel == NULL)
    return;
  /* GTK 4.8 has no gtk_widget_get_color () yet. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget),
                                       "theme_selected_bg_color", &accent))
    gdk_rgba_parse (&accent, "#3584e4");
  G_GNUC_END_IGNORE_DEPRECATIONS
  dim = color;
  dim.alpha *= DIM_ALPHA;
  if (stray_channel_get_muted (self->channel))
    accent = dim;

#define MIRROR(x, w) (rtl ? width - (x) - (w) : (x))
  if (self->avatar != NULL)
    snapshot_icon (snapshot, self->avatar, MIRROR (PADDING_X, AVATAR_SIZE),
                   (height - AVATAR_SIZE) / 2, AVATAR_SIZE, &dim);

  right = width - PADDING_X;
  text_width = MAX (right - text_x, 0);
  y = (height - (layout_height (self->title) + LINE_GAP + layout_height (self->preview))) / 2;
  title_height = layout_height (self->title);

  /* First line: title … [muted] time */
  top_width = text_width;
  if (*pango_layout_get_text (self->time) != '\0')
    {
      int time_width = layout_width (self->time);

      snapshot_layout (snapshot, self->time, MIRROR (right - time_width, time_width),
                       y + (title_height - layout_height (self->time)) / 2, &dim);
      top_width -= time_width + GAP;
    }
  if (stray_channel_get_muted (self->channel) && self->muted_icon != NULL)
    {
      int icon_x = text_x + top_width - ICON_SIZE;

      snapshot_icon (snapshot, self->muted_icon, MIRROR (icon_x, ICON_SIZE),
                     y + (title_height - ICON_SIZE) / 2, ICON_SIZE, &dim);
      top_width -= ICON_SIZE + GAP / 2;
    }
  pango_layout_set_width (self->title, MAX (top_width, 0) * PANGO_SCALE);
  snapshot_layout (snapshot, self->title, MIRROR (text_x, layout_width (self->title)), y, &color);

  /* Second line: preview … badge */
  y += title_height + LINE_GAP;
  {
    int preview_width = text_width;
    int line_height = layout_height (self->preview);

    if (self->badge != NULL)
      {
        int badge_text_width = layout_width (self->badge);
        int badge_height = layout_height (self->badge);
        int badge_width = MAX (badge_text_width + 2 * BADGE_PADDING_X, badge_height);
        int badge_x = right - badge_width;
        int badge_y = y + (line_height - badge_height) / 2;
        GskRoundedRect pill;

        gsk_rounded_rect_init_from_rect (&pill,
                                         &GRAPHENE_RECT_INIT (MIRROR (badge_x, badge_width),
                                                              badge_y, badge_width,
                                                              badge_height),
                                         badge_height / 2.0f);
        gtk_snapshot_push_rounded_clip (snapshot, &pill);
        gtk_snapshot_append_color (snapshot, &accent, &pill.bounds);
        gtk_snapshot_pop (snapshot);
        snapshot_layout (snapshot, self->badge,
                         MIRROR (badge_x + (badge_width - badge_text_width) / 2, badge_text_width),
                         badge_y, &accent_fg);
        preview_width -= badge_width + GAP;
      }
    pango_layout_set_width (self->preview, MAX (preview_width, 0) * PANGO_SCALE);
    snapshot_layout (snapshot, self->preview, MIRROR (text_x, layout_width (self->preview)), y,
                     &dim);
  }
#undef MIRROR
}

/* Fonts and colours come from the style: a theme or font change redraws. */
static void
stray_channel_row_css_changed (GtkWidget         *widget,
                               GtkCssStyleChange *change)
{
  StrayChannelRow *self = STRAY_CHANNEL_ROW (widget);
  PangoLayout *layouts[] = { self->title, self->time, self->preview, self->badge };

  GTK_WIDGET_CLASS (stray_channel_row_parent_class)->css_changed (widget, change);
  for (guint i = 0; i < G_N_ELEMENTS (layouts); i++)
    if (layouts[i] != NULL)
      pango_layout_context_changed (layouts[i]);
  gtk_widget_queue_resize (widget);
}

static void
stray_channel_row_dispose (GObject *object)
{
  StrayChannelRow *self = STRAY_CHANNEL_ROW (object);

  stray_channel_row_set_channel (self, NULL);
  g_clear_handle_id (&self->clock_id, g_source_remove);
  g_clear_object (&self->avatar);
  g_clear_object (&self->muted_icon);
  g_clear_object (&self->title);
  g_clear_object (&self->time);
  g_clear_object (&self->preview);
  g_clear_object (&self->badge);
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
  widget_class->measure = stray_channel_row_measure;
  widget_class->snapshot = stray_channel_row_snapshot;
  widget_class->css_changed = stray_channel_row_css_changed;
  gtk_widget_class_set_css_name (widget_class, "channelrow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
stray_channel_row_init (StrayChannelRow *self)
{
  self->title = new_layout (self, 1.0, FALSE);
  self->time = new_layout (self, 0.85, FALSE);
  self->preview = new_layout (self, 1.0, FALSE);
  self->muted_icon = lookup_icon (self, "audio-volume-muted-symbolic", ICON_SIZE);
}

StrayChannelRow *
stray_channel_row_new (StrayAvatarCache *avatars)
{
  StrayChannelRow *self = g_object_new (STRAY_TYPE_CHANNEL_ROW, NULL);

  self->avatars = avatars != NULL ? g_object_ref (avatars) : NULL;
  return self;
}
