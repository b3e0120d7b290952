/* badge-art.c: renders the tray icon's artwork at build time, so that the daemon draws no shapes
 * and no text and links neither cairo, pango nor librsvg
 *
 * Run as: badge-art ICON.svg OUTPUT (src/badge-art/meson.build does). OUTPUT is one GVariant of
 * type aa{sv}, one dictionary per pixmap size the tray sends, ascending, little-endian:
 *
 *   size          i    width and height in pixels
 *   icon          ay   the application icon's SVG, trimmed to its artwork, size × size pixels
 *                      of straight-alpha A, R, G, B bytes (the StatusNotifierItem byte order)
 *   greyed-icon   ay   the same in GNOME's greys and 60 % opaque: offline, not set up
 *   gap           i    the transparent ring that sets the badge off from the icon
 *   pill-height   i    the badge's height, even, so that its round ends split into halves
 *   pill          ay   a disc pill-height across, coverage bytes: the badge's round ends
 *   clearance     ay   a disc pill-height + 2 × gap across: what the gap erases
 *   pill-widths   ai   the badge's width for texts of 0 to 3 characters
 *   digits        (ia(yiiiiiay))  the font for texts of up to 2 characters, see render_face()
 *   overflow      (ia(yiiiiiay))  the font for "99+", smaller where it must be
 *
 * The digits are DejaVu Sans Bold (Debian's fonts-dejavu-core), hinted and antialiased in grey
 * at each size by pango, so they look like the font at 16 px as at 128; a build that finds
 * another font fails rather than ship a fallback's digits.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib/gprintf.h>
#include <librsvg/rsvg.h>
#include <pango/pangocairo.h>
#include <string.h>

/* The sizes panels ask for, at scale 1 and 2, each once and ascending. */
static const int sizes[] = { 16, 22, 24, 32, 44, 48, 64, 96, 128 };

#define FONT_FAMILY "DejaVu Sans"
#define FONT_WEIGHT PANGO_WEIGHT_BOLD
/* What the badge can show: counts, "99+", and "!" for an account not set up. */
#define DIGITS_CHARACTERS "0123456789!"
#define OVERFLOW_TEXT "99+"
#define OVERFLOW_CHARACTERS "9+"

/* The icon's colours and what the greyed icon puts in their place: GNOME's blue and its
 * shadow become GNOME's greys, white stays white. */
static const struct {
  const char *colour, *grey;
} greyed_colours[] = {
  { "#3584e4", "#9a9996" },
  { "#1a5fb4", "#77767b" },
};

/* Offline and not set up draw the icon see-through too, so that it recedes on any panel. */
#define GREYED_OPACITY 0.6

static void
fail (const char *format,
      ...) G_GNUC_PRINTF (1, 2) G_GNUC_NORETURN;

static void
fail (const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  g_printerr ("badge-art: ");
  g_vfprintf (stderr, format, args);
  g_printerr ("\n");
  va_end (args);
  exit (1);
}

static void
check_cairo (cairo_surface_t *surface)
{
  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    fail ("cairo: %s", cairo_status_to_string (cairo_surface_status (surface)));
}

/* The icon with GNOME's greys in place of its blues; each blue must be there, so that a change
 * of the icon's colours cannot leave the offline icon blue. */
static char *
greyed_svg (const char *svg)
{
  g_autofree char *result = g_strdup (svg);

  for (gsize i = 0; i < G_N_ELEMENTS (greyed_colours); i++)
    {
      g_auto(GStrv) parts = g_strsplit (result, greyed_colours[i].colour, -1);

      if (g_strv_length (parts) < 2)
        fail ("the icon has no %s to grey", greyed_colours[i].colour);
      g_free (result);
      result = g_strjoinv (greyed_colours[i].grey, parts);
    }
  return g_steal_pointer (&result);
}

static RsvgHandle *
load_svg (const char *svg)
{
  g_autoptr(GError) error = NULL;
  RsvgHandle *handle = rsvg_handle_new_from_data ((const guint8 *) svg, strlen (svg), &error);

  if (handle == NULL)
    fail ("the icon: %s", error->message);
  return handle;
}

/* @surface's premultiplied native-endian ARGB32 as straight-alpha A, R, G, B bytes. */
static GVariant *
straight_argb (cairo_surface_t *surface)
{
  int size = cairo_image_surface_get_width (surface);
  int stride = cairo_image_surface_get_stride (surface);
  const guint8 *data = cairo_image_surface_get_data (surface);
  guint8 *bytes = g_malloc ((gsize) size * size * 4);

  cairo_surface_flush (surface);
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      {
        guint32 pixel = *(const guint32 *) (data + (gsize) y * stride + x * 4);
        guint alpha = pixel >> 24;
        guint8 *out = bytes + ((gsize) y * size + x) * 4;

        out[0] = alpha;
        for (int channel = 0; channel < 3; channel++)
          {
            guint value = pixel >> (16 - 8 * channel) & 0xff;

            out[1 + channel] = alpha == 0 ? 0 : (value * 255 + alpha / 2) / alpha;
          }
      }
  return g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, bytes, (gsize) size * size * 4,
                                  TRUE, g_free, bytes);
}

/* The icon's artwork fills the square, as panel icons do: the SVG's margin, which sets it apart
 * in an application grid, would only make it smaller in a panel. */
static GVariant *
render_icon (RsvgHandle *handle,
             int         size,
             double      opacity)
{
  g_autoptr(GError) error = NULL;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, size, size);
  cairo_t *cr = cairo_create (surface);
  RsvgRectangle viewport = { 0, 0, 0, 0 }, ink, logical;
  double extent;
  GVariant *pixels;

  if (!rsvg_handle_get_intrinsic_size_in_pixels (handle, &viewport.width, &viewport.height))
    fail ("the icon has no size in pixels");
  if (!rsvg_handle_get_geometry_for_layer (handle, NULL, &viewport, &ink, &logical, &error))
    fail ("the icon's extent: %s", error->message);
  extent = MAX (ink.width, ink.height);
  cairo_scale (cr, size / extent, size / extent);
  cairo_translate (cr, -ink.x + (extent - ink.width) / 2, -ink.y + (extent - ink.height) / 2);
  cairo_push_group (cr);
  if (!rsvg_handle_render_document (handle, cr, &viewport, &error))
    fail ("the icon: %s", error->message);
  cairo_pop_group_to_source (cr);
  cairo_paint_with_alpha (cr, opacity);
  cairo_destroy (cr);
  check_cairo (surface);

  pixels = straight_argb (surface);
  cairo_surface_destroy (surface);
  return pixels;
}

/* A disc @diameter pixels across, centred in a square of that many, as coverage bytes. */
static GVariant *
render_disc (int diameter)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_A8, diameter, diameter);
  cairo_t *cr = cairo_create (surface);
  int stride = cairo_image_surface_get_stride (surface);
  guint8 *bytes = g_malloc ((gsize) diameter * diameter);

  cairo_arc (cr, diameter / 2.0, diameter / 2.0, diameter / 2.0, 0, 2 * G_PI);
  cairo_fill (cr);
  cairo_destroy (cr);
  check_cairo (surface);
  cairo_surface_flush (surface);
  for (int y = 0; y < diameter; y++)
    memcpy (bytes + (gsize) y * diameter, cairo_image_surface_get_data (surface) + y * stride,
            diameter);
  cairo_surface_destroy (surface);
  return g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, bytes, (gsize) diameter * diameter,
                                  TRUE, g_free, bytes);
}

/* One character's coverage, cut to the pixels it inks, placed relative to its pen position
 * on the baseline. */
typedef struct {
  char character;
  int advance, left, top, width, height;
  guint8 *coverage;
} Glyph;

static void
glyph_clear (Glyph *glyph)
{
  g_clear_pointer (&glyph->coverage, g_free);
}

/* The font is the one asked for, not a fallback fontconfig found in its place. */
static void
check_font (PangoLayout *layout)
{
  PangoLayoutRun *run = pango_layout_get_line_readonly (layout, 0)->runs->data;
  g_autoptr(PangoFontDescription) used = pango_font_describe (run->item->analysis.font);

  if (g_strcmp0 (pango_font_description_get_family (used), FONT_FAMILY) != 0 ||
      pango_font_description_get_weight (used) != FONT_WEIGHT)
    fail ("the digits need %s Bold (fonts-dejavu-core), but fontconfig gave “%s”",
          FONT_FAMILY, pango_font_description_to_string (used));
}

static void
render_glyph (PangoContext *context,
              int           pixel_size,
              char          character,
              Glyph        *glyph)
{
  g_autoptr(PangoLayout) layout = pango_layout_new (context);
  g_autoptr(PangoFontDescription) font = pango_font_description_new ();
  PangoRectangle logical;
  cairo_surface_t *surface;
  cairo_t *cr;
  int margin = pixel_size, baseline, stride, left = G_MAXINT, top = G_MAXINT, right = -1,
      bottom = -1;
  const guint8 *data;

  pango_font_description_set_family (font, FONT_FAMILY);
  pango_font_description_set_weight (font, FONT_WEIGHT);
  pango_font_description_set_absolute_size (font, pixel_size * PANGO_SCALE);
  pango_layout_set_font_description (layout, font);
  pango_layout_set_text (layout, &character, 1);
  check_font (layout);
  pango_layout_get_pixel_extents (layout, NULL, &logical);
  baseline = PANGO_PIXELS (pango_layout_get_baseline (layout));

  /* Drawn with room all round, then cut to the pixels it inks: hinting may move an outline
   * past the extents the font reports. */
  surface = cairo_image_surface_create (CAIRO_FORMAT_A8, logical.width + 2 * margin,
                                        logical.height + 2 * margin);
  cr = cairo_create (surface);
  cairo_move_to (cr, margin, margin);
  pango_cairo_show_layout (cr, layout);
  cairo_destroy (cr);
  check_cairo (surface);
  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (int y = 0; y < cairo_image_surface_get_height (surface); y++)
    for (int x = 0; x < cairo_image_surface_get_width (surface); x++)
      if (data[y * stride + x] != 0)
        {
          left = MIN (left, x);
          right = MAX (right, x);
          top = MIN (top, y);
          bottom = MAX (bottom, y);
        }
  if (right < 0)
    fail ("“%c” inks nothing at %d px", character, pixel_size);

  glyph->character = character;
  glyph->advance = logical.width;
  glyph->left = left - margin;
  glyph->top = top - margin - baseline;
  glyph->width = right - left + 1;
  glyph->height = bottom - top + 1;
  glyph->coverage = g_malloc ((gsize) glyph->width * glyph->height);
  for (int y = 0; y < glyph->height; y++)
    memcpy (glyph->coverage + (gsize) y * glyph->width, data + (top + y) * stride + left,
            glyph->width);
  cairo_surface_destroy (surface);
}

/* A font at one pixel size: the glyphs of @characters, and where their baseline sits in a
 * badge @pill_height tall so that their inked rows are centred in it. */
typedef struct {
  int n_glyphs;
  Glyph glyphs[16];
  int ink_top, ink_height;   /* over all the glyphs, from the baseline */
  int baseline;              /* from the badge's top */
} Face;

static void
face_clear (Face *face)
{
  for (int i = 0; i < face->n_glyphs; i++)
    glyph_clear (&face->glyphs[i]);
  face->n_glyphs = 0;
}

static void
render_face (PangoContext *context,
             int           pixel_size,
             const char   *characters,
             Face         *face)
{
  int ink_bottom = G_MININT;

  g_assert (strlen (characters) <= G_N_ELEMENTS (face->glyphs));
  face->n_glyphs = strlen (characters);
  face->ink_top = G_MAXINT;
  for (int i = 0; i < face->n_glyphs; i++)
    {
      Glyph *glyph = &face->glyphs[i];

      render_glyph (context, pixel_size, characters[i], glyph);
      face->ink_top = MIN (face->ink_top, glyph->top);
      ink_bottom = MAX (ink_bottom, glyph->top + glyph->height);
    }
  face->ink_height = ink_bottom - face->ink_top;
}

static const Glyph *
face_lookup (const Face *face,
             char        character)
{
  for (int i = 0; i < face->n_glyphs; i++)
    if (face->glyphs[i].character == character)
      return &face->glyphs[i];
  fail ("no glyph for “%c”", character);
}

/* Pen positions from one glyph to the next, whole pixels with hinted metrics. */
static int
face_text_advance (const Face *face,
                   const char *text)
{
  int advance = 0;

  for (const char *c = text; *c != '\0'; c++)
    advance += face_lookup (face, *c)->advance;
  return advance;
}

/* (baseline, [(character, advance, left, top, width, height, coverage)]): the runtime places a
 * glyph's coverage at (pen + left, baseline + top), then moves the pen by advance. */
static GVariant *
face_to_variant (const Face *face)
{
  GVariantBuilder glyphs;

  g_variant_builder_init (&glyphs, G_VARIANT_TYPE ("a(yiiiiiay)"));
  for (int i = 0; i < face->n_glyphs; i++)
    {
      const Glyph *glyph = &face->glyphs[i];

      g_variant_builder_add (&glyphs, "(yiiiii@ay)", glyph->character, glyph->advance,
                             glyph->left, glyph->top, glyph->width, glyph->height,
                             g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, glyph->coverage,
                                                        (gsize) glyph->width * glyph->height,
                                                        1));
    }
  return g_variant_new ("(ia(yiiiiiay))", face->baseline, &glyphs);
}

/* The badge's width for a text @advance wide: at least a circle, with @padding either side of
 * the text, and the text centred on whole pixels. */
static int
pill_width (int pill_height,
            int padding,
            int advance)
{
  int width = MAX (pill_height, advance + 2 * padding);

  return (width - advance) % 2 != 0 ? width + 1 : width;
}

/* The badge sits in the bottom-right corner, where the bubble leaves the most room (its tail is
 * bottom-left). It may be at most half the icon's height and its full width; its digits are the
 * largest that fit, and "99+" gets a smaller size than "99" when it must. */
static void
add_badge_art (GVariantDict *dict,
               PangoContext *context,
               int           size)
{
  int gap = MAX (1, size / 32);
  int max_height = size / 2 - (size / 2) % 2;
  int pill_height = 0, padding = 0, overflow_padding, pixel_size;
  Face digits = { 0 }, overflow = { 0 };
  GVariantBuilder widths;

  /* The digits' padding is a fifth of their height on every side, at least a pixel, so that one
   * digit fits a circle. */
  for (pixel_size = size * 3 / 4; pixel_size > 4; pixel_size--)
    {
      face_clear (&digits);
      render_face (context, pixel_size, DIGITS_CHARACTERS, &digits);
      padding = MAX (1, (digits.ink_height + 2) / 5);
      pill_height = digits.ink_height + 2 * padding;
      pill_height += pill_height % 2;
      if (pill_height <= max_height &&
          pill_width (pill_height, padding, face_text_advance (&digits, "99")) <= size)
        break;
    }
  if (pixel_size == 4)
    fail ("no digits fit a %d px icon", size);
  for (const char *c = DIGITS_CHARACTERS; g_ascii_isdigit (*c); c++)
    if (face_lookup (&digits, *c)->advance != face_lookup (&digits, '0')->advance)
      fail ("the badge's widths assume digits of one width, and “%c” is not", *c);
  digits.baseline = (pill_height - digits.ink_height) / 2 - digits.ink_top;

  /* The plus sign's arms reach the corners of its box, where the round end cuts in. */
  overflow_padding = padding + pill_height / 8;

  for (; pixel_size > 4; pixel_size--)
    {
      face_clear (&overflow);
      render_face (context, pixel_size, OVERFLOW_CHARACTERS, &overflow);
      if (overflow.ink_height <= digits.ink_height &&
          pill_width (pill_height, overflow_padding,
                      face_text_advance (&overflow, OVERFLOW_TEXT)) <= size)
        break;
    }
  if (pixel_size == 4)
    fail ("“%s” does not fit a %d px icon", OVERFLOW_TEXT, size);
  overflow.baseline = (pill_height - overflow.ink_height) / 2 - overflow.ink_top;

  /* An empty badge is as wide as a one-digit one. */
  g_variant_builder_init (&widths, G_VARIANT_TYPE ("ai"));
  g_variant_builder_add (&widths, "i",
                         pill_width (pill_height, padding, face_text_advance (&digits, "0")));
  g_variant_builder_add (&widths, "i",
                         pill_width (pill_height, padding, face_text_advance (&digits, "0")));
  g_variant_builder_add (&widths, "i",
                         pill_width (pill_height, padding, face_text_advance (&digits, "00")));
  g_variant_builder_add (&widths, "i",
                         pill_width (pill_height, overflow_padding,
                                     face_text_advance (&overflow, OVERFLOW_TEXT)));

  g_variant_dict_insert (dict, "gap", "i", gap);
  g_variant_dict_insert (dict, "pill-height", "i", pill_height);
  g_variant_dict_insert_value (dict, "pill", render_disc (pill_height));
  g_variant_dict_insert_value (dict, "clearance", render_disc (pill_height + 2 * gap));
  g_variant_dict_insert_value (dict, "pill-widths", g_variant_builder_end (&widths));
  g_variant_dict_insert_value (dict, "digits", face_to_variant (&digits));
  g_variant_dict_insert_value (dict, "overflow", face_to_variant (&overflow));
  face_clear (&digits);
  face_clear (&overflow);
}

/* Grey antialiasing, outlines hinted to the pixel grid and advances rounded to whole pixels:
 * what keeps 6 px tall digits legible. */
static PangoContext *
create_font_context (void)
{
  PangoFontMap *font_map = pango_cairo_font_map_get_default ();
  PangoContext *context = pango_font_map_create_context (font_map);
  cairo_font_options_t *options = cairo_font_options_create ();

  cairo_font_options_set_antialias (options, CAIRO_ANTIALIAS_GRAY);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_FULL);
  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_ON);
  pango_cairo_context_set_font_options (context, options);
  cairo_font_options_destroy (options);
  return context;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *svg = NULL;
  g_autofree char *greyed = NULL;
  /* Debian 12's librsvg and pango declare no autoptr cleanups for these. */
  RsvgHandle *icon, *greyed_icon;
  PangoContext *context;
  g_autoptr(GVariant) art = NULL;
  GVariantBuilder builder;

  if (argc != 3)
    fail ("usage: badge-art ICON.svg OUTPUT");
  if (!g_file_get_contents (argv[1], &svg, NULL, &error))
    fail ("%s", error->message);
  greyed = greyed_svg (svg);
  icon = load_svg (svg);
  greyed_icon = load_svg (greyed);
  context = create_font_context ();

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      GVariantDict dict;

      g_variant_dict_init (&dict, NULL);
      g_variant_dict_insert (&dict, "size", "i", sizes[i]);
      g_variant_dict_insert_value (&dict, "icon", render_icon (icon, sizes[i], 1.0));
      g_variant_dict_insert_value (&dict, "greyed-icon",
                                   render_icon (greyed_icon, sizes[i], GREYED_OPACITY));
      add_badge_art (&dict, context, sizes[i]);
      g_variant_builder_add_value (&builder, g_variant_dict_end (&dict));
    }
  g_object_unref (icon);
  g_object_unref (greyed_icon);
  g_object_unref (context);
  art = g_variant_ref_sink (g_variant_builder_end (&builder));
  if (G_BYTE_ORDER == G_BIG_ENDIAN)
    {
      GVariant *swapped = g_variant_byteswap (art);

      g_variant_unref (art);
      art = swapped;
    }

  if (!g_file_set_contents (argv[2], g_variant_get_data (art), g_variant_get_size (art),
                            &error))
    fail ("%s", error->message);
  return 0;
}
