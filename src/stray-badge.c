/* stray-badge.c: the tray icon's pixels
 *
 * The daemon sends its icon as a StatusNotifierItem IconPixmap, so that a count can change
 * without icon files (a Flatpak's files are invisible to the host) and so that it stays sharp
 * on HiDPI panels, which pick the smallest pixmap at least as large as they need.
 *
 * Nothing is drawn here: the build renders the application icon's SVG, the badge's round ends
 * and the digits in a real font at every size (src/badge-art/), and this file composites those
 * bitmaps. So the icon has one source, the digits are the font's, and the daemon needs neither
 * cairo nor pango nor fontconfig, megabytes it would carry for a few kilobytes of pixels.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "stray-badge.h"
#include "stray-badge-art-resources.h"

#define ART_PATH "/io/github/streamtray/StreamTray/badge-art.gvariant"

#define MAX_COUNT 99

typedef struct {
  guint8 red, green, blue;
} Colour;

#define COLOUR(hex) { (hex) >> 16 & 0xff, (hex) >> 8 & 0xff, (hex) & 0xff }

/* GNOME's palette, as in the application icon. */
static const Colour white = COLOUR (0xffffff);
static const Colour dark = COLOUR (0x241f31);
static const Colour red = COLOUR (0xe01b24);
static const Colour amber = COLOUR (0xf5c211);

/* One pixmap being drawn: size × size straight-alpha A, R, G, B bytes, the wire's layout. */
typedef struct {
  int size;
  guint8 *pixels;
} Canvas;

/* A character of a face, as src/badge-art/badge-art.c wrote it: its coverage bytes go at
 * (pen + left, baseline + top), then the pen moves by advance. */
typedef struct {
  int advance, left, top, width, height;
  GVariant *coverage;
} Glyph;

static void
glyph_clear (Glyph *glyph)
{
  g_clear_pointer (&glyph->coverage, g_variant_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Glyph, glyph_clear)

/* The artwork at every size, a dictionary each. It is decompressed for each render rather than
 * kept: renders are rare, and memory is held all the time. */
static GVariant *
load_art (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_resource_lookup_data (stray_badge_art_get_resource (), ART_PATH,
                                                    G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  GVariant *art;

  if (bytes == NULL)
    g_error ("The tray icon's artwork is missing: %s", error->message);
  art = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE ("aa{sv}"), bytes, TRUE));
  /* The build writes it little-endian. */
  if (G_BYTE_ORDER == G_BIG_ENDIAN)
    {
      GVariant *native = g_variant_byteswap (art);

      g_variant_unref (art);
      art = native;
    }
  return art;
}

/* An entry of one size's artwork; a missing one is a build that went wrong. */
static GVariant *
lookup (GVariant   *art,
        const char *key,
        const char *type)
{
  GVariant *value = g_variant_lookup_value (art, key, G_VARIANT_TYPE (type));

  if (value == NULL)
    g_error ("The tray icon's artwork has no %s", key);
  return value;
}

static int
lookup_int (GVariant   *art,
            const char *key)
{
  g_autoptr(GVariant) value = lookup (art, key, "i");

  return g_variant_get_int32 (value);
}

/* @face is (baseline, [(character, advance, left, top, width, height, coverage)]). */
static void
lookup_glyph (GVariant *face,
              char      character,
              Glyph    *glyph)
{
  g_autoptr(GVariant) glyphs = g_variant_get_child_value (face, 1);

  for (gsize i = 0; i < g_variant_n_children (glyphs); i++)
    {
      guint8 found;

      g_variant_get_child (glyphs, i, "(yiiiii@ay)", &found, &glyph->advance, &glyph->left,
                           &glyph->top, &glyph->width, &glyph->height, &glyph->coverage);
      if (found == (guint8) character)
        return;
      glyph_clear (glyph);
    }
  g_error ("The tray icon's font has no “%c”", character);
}

/* Paints @colour over a pixel at @coverage (0 to 255), or erases that much of it where @colour
 * is NULL: source-over and destination-out, in straight alpha. */
static void
blend (guint8       *pixel,
       const Colour *colour,
       guint         coverage)
{
  /* Alphas here are scaled by 255 once more, so that nothing rounds before the end. */
  guint kept = pixel[0] * (255 - coverage);
  guint alpha = kept + (colour != NULL ? coverage * 255 : 0);

  pixel[0] = (alpha + 127) / 255;
  if (colour == NULL || alpha == 0)
    return;
  pixel[1] = (colour->red * coverage * 255 + pixel[1] * kept + alpha / 2) / alpha;
  pixel[2] = (colour->green * coverage * 255 + pixel[2] * kept + alpha / 2) / alpha;
  pixel[3] = (colour->blue * coverage * 255 + pixel[3] * kept + alpha / 2) / alpha;
}

static void
blend_at (Canvas       *canvas,
          int           x,
          int           y,
          const Colour *colour,
          guint         coverage)
{
  if (x >= 0 && x < canvas->size && y >= 0 && y < canvas->size && coverage > 0)
    blend (canvas->pixels + ((gsize) y * canvas->size + x) * 4, colour, coverage);
}

/* A round-ended shape @width wide from (@x, @y): the halves of @disc (coverage bytes, @diameter
 * across, an even number) at its ends, solid between them. */
static void
draw_pill (Canvas       *canvas,
           int           x,
           int           y,
           int           width,
           GVariant     *disc,
           int           diameter,
           const Colour *colour)
{
  gsize length;
  const guint8 *coverage = g_variant_get_fixed_array (disc, &length, 1);

  g_assert ((gsize) diameter * diameter == length && diameter % 2 == 0 && width >= diameter);
  for (int row = 0; row < diameter; row++)
    for (int column = 0; column < width; column++)
      {
        guint value = 255;

        if (column < diameter / 2)
          value = coverage[row * diameter + column];
        else if (column >= width - diameter / 2)
          value = coverage[row * diameter + column - (width - diameter)];
        blend_at (canvas, x + column, y + row, colour, value);
      }
}

static int
text_advance (GVariant   *face,
              const char *text)
{
  int advance = 0;

  for (const char *c = text; *c != '\0'; c++)
    {
      g_auto(Glyph) glyph = { 0 };

      lookup_glyph (face, *c, &glyph);
      advance += glyph.advance;
    }
  return advance;
}

/* @text in @face with its pen starting at @x, on the face's baseline below @y. */
static void
draw_text (Canvas       *canvas,
           GVariant     *face,
           int           x,
           int           y,
           const char   *text,
           const Colour *ink)
{
  int baseline;

  g_variant_get_child (face, 0, "i", &baseline);
  for (const char *c = text; *c != '\0'; c++)
    {
      g_auto(Glyph) glyph = { 0 };
      const guint8 *coverage;
      gsize length;

      lookup_glyph (face, *c, &glyph);
      coverage = g_variant_get_fixed_array (glyph.coverage, &length, 1);
      g_assert (length == (gsize) glyph.width * glyph.height);
      for (int row = 0; row < glyph.height; row++)
        for (int column = 0; column < glyph.width; column++)
          blend_at (canvas, x + glyph.left + column, y + baseline + glyph.top + row, ink,
                    coverage[row * glyph.width + column]);
      x += glyph.advance;
    }
}

/* A round-ended pill in the bottom-right corner, where the bubble leaves the most room (its
 * tail is bottom-left), with a transparent gap around it that sets it off from the icon
 * whatever the panel's colour. Its size and font for each length of text are the build's. */
static void
draw_badge (Canvas       *canvas,
            GVariant     *art,
            const char   *text,
            const Colour *fill,
            const Colour *ink)
{
  g_autoptr(GVariant) pill = lookup (art, "pill", "ay");
  g_autoptr(GVariant) clearance = lookup (art, "clearance", "ay");
  g_autoptr(GVariant) widths = lookup (art, "pill-widths", "ai");
  /* "99+" has a font of its own, smaller where it must be to fit. */
  g_autoptr(GVariant) face = lookup (art, strlen (text) > 2 ? "overflow" : "digits",
                                     "(ia(yiiiiiay))");
  int size = canvas->size;
  int gap = lookup_int (art, "gap");
  int height = lookup_int (art, "pill-height");
  int width;

  g_assert (strlen (text) < g_variant_n_children (widths));
  g_variant_get_child (widths, strlen (text), "i", &width);

  draw_pill (canvas, size - width - gap, size - height - gap, width + 2 * gap, clearance,
             height + 2 * gap, NULL);
  draw_pill (canvas, size - width, size - height, width, pill, height, fill);
  draw_text (canvas, face, size - width + (width - text_advance (face, text)) / 2,
             size - height, text, ink);
}

/* UNREAD with nothing unread is IDLE, so that both give one pixmap and one key. */
static StrayBadgeLook
effective_look (StrayBadgeLook look,
                guint          count)
{
  return look == STRAY_BADGE_UNREAD && count == 0 ? STRAY_BADGE_IDLE : look;
}

/* One size's pixmap, an (iiay) of the IconPixmap. */
static GVariant *
render_size (GVariant       *art,
             StrayBadgeLook  look,
             guint           count)
{
  gboolean greyed = look == STRAY_BADGE_NOT_SET_UP || look == STRAY_BADGE_OFFLINE;
  g_autoptr(GVariant) icon = lookup (art, greyed ? "greyed-icon" : "icon", "ay");
  Canvas canvas = { lookup_int (art, "size"), NULL };
  gsize length;
  const guint8 *icon_pixels = g_variant_get_fixed_array (icon, &length, 1);

  g_assert (length == (gsize) canvas.size * canvas.size * 4);
  canvas.pixels = g_memdup2 (icon_pixels, length);

  switch (look)
    {
    case STRAY_BADGE_NOT_SET_UP:
      draw_badge (&canvas, art, "!", &amber, &dark);
      break;
    case STRAY_BADGE_UNREAD:
      draw_badge (&canvas, art, stray_badge_text (count), &dark, &white);
      break;
    case STRAY_BADGE_ATTENTION:
      draw_badge (&canvas, art, stray_badge_text (count), &red, &white);
      break;
    case STRAY_BADGE_OFFLINE:
    case STRAY_BADGE_IDLE:
      break;
    default:
      g_assert_not_reached ();
    }

  return g_variant_new ("(ii@ay)", canvas.size, canvas.size,
                        g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, canvas.pixels,
                                                 length, TRUE, g_free, canvas.pixels));
}

/**
 * stray_badge_render:
 * @look: what the icon shows
 * @count: unread messages, for %STRAY_BADGE_UNREAD and %STRAY_BADGE_ATTENTION
 *
 * Draws the icon at each size the build rendered its artwork at: 16, 22, 24, 32, 44, 48, 64, 96
 * and 128 px. The same arguments always give the same bytes, and two calls give the same bytes
 * exactly when stray_badge_describe() gives the same key, so a caller can compare keys to know
 * whether to emit NewIcon.
 *
 * Returns: (transfer floating): an IconPixmap, a(iiay): width, height and straight-alpha ARGB32
 *   pixels as bytes A, R, G, B, row by row, one entry per size, ascending
 */
GVariant *
stray_badge_render (StrayBadgeLook look,
                    guint          count)
{
  g_autoptr(GVariant) art = NULL;
  GVariantBuilder builder;

  g_return_val_if_fail (look >= STRAY_BADGE_NOT_SET_UP && look <= STRAY_BADGE_ATTENTION, NULL);

  art = load_art ();
  look = effective_look (look, count);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(iiay)"));
  for (gsize i = 0; i < g_variant_n_children (art); i++)
    {
      g_autoptr(GVariant) art_at_size = g_variant_get_child_value (art, i);

      g_variant_builder_add_value (&builder, render_size (art_at_size, look, count));
    }

  return g_variant_builder_end (&builder);
}

/**
 * stray_badge_describe:
 * @look: what the icon shows
 * @count: unread messages, for %STRAY_BADGE_UNREAD and %STRAY_BADGE_ATTENTION
 *
 * Names what stray_badge_render() draws: "not-set-up", "offline", "idle", "unread:N",
 * "attention:N" or "attention" (no count), where N is stray_badge_text(). Equal keys mean
 * identical pixmaps and different keys different ones, so @count is left out where it is not
 * drawn and 100 and 5000 both give "unread:99+".
 *
 * Returns: (transfer full): the key
 */
char *
stray_badge_describe (StrayBadgeLook look,
                      guint          count)
{
  g_return_val_if_fail (look >= STRAY_BADGE_NOT_SET_UP && look <= STRAY_BADGE_ATTENTION, NULL);

  switch (effective_look (look, count))
    {
    case STRAY_BADGE_NOT_SET_UP:
      return g_strdup ("not-set-up");
    case STRAY_BADGE_OFFLINE:
      return g_strdup ("offline");
    case STRAY_BADGE_IDLE:
      return g_strdup ("idle");
    case STRAY_BADGE_UNREAD:
      return g_strconcat ("unread:", stray_badge_text (count), NULL);
    case STRAY_BADGE_ATTENTION:
      if (count == 0)
        return g_strdup ("attention");
      return g_strconcat ("attention:", stray_badge_text (count), NULL);
    default:
      g_assert_not_reached ();
    }
}

#define TENS(d) #d "0", #d "1", #d "2", #d "3", #d "4", #d "5", #d "6", #d "7", #d "8", #d "9"

static const char * const count_texts[MAX_COUNT + 1] = {
  "", "1", "2", "3", "4", "5", "6", "7", "8", "9",
  TENS (1), TENS (2), TENS (3), TENS (4), TENS (5), TENS (6), TENS (7), TENS (8), TENS (9),
};

/**
 * stray_badge_text:
 * @count: unread messages
 *
 * Returns: (transfer none): what a badge shows for @count: "" for 0, "1" to "99", and "99+"
 *   above; a static string, safe to keep and to use from any thread
 */
const char *
stray_badge_text (guint count)
{
  return count > MAX_COUNT ? "99+" : count_texts[count];
}
