/* stray-badge.c: the tray icon's pixels
 *
 * The daemon sends its icon as a StatusNotifierItem IconPixmap, so that a count can change
 * without icon files (a Flatpak's files are invisible to the host) and so that it stays sharp
 * on HiDPI panels, which pick the smallest pixmap at least as large as they need.
 *
 * Everything is drawn on whole pixels where an edge is straight: at 16 px a half-pixel edge is
 * a blurred line a user sees. The digits are drawn as rectangles rather than text because
 * text would need fontconfig (megabytes and a slow first call in a daemon meant to stay small),
 * would depend on the fonts installed, and hints poorly at 5 px tall.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "stray-badge.h"
#include "stray-raster.h"

/* The sizes panels ask for, at scale 1 and 2, each once and ascending. */
static const int sizes[] = { 16, 22, 24, 32, 44, 48, 64, 96, 128 };

#define MAX_COUNT 99

#define COLOUR(hex) \
  { ((hex) >> 16 & 0xff) / 255.0, ((hex) >> 8 & 0xff) / 255.0, ((hex) & 0xff) / 255.0, 1 }

/* GNOME's palette, as in the application icon. */
static const StrayColour blue = COLOUR (0x3584e4);
static const StrayColour blue_shadow = COLOUR (0x1a5fb4);
static const StrayColour grey = COLOUR (0x9a9996);
static const StrayColour grey_shadow = COLOUR (0x77767b);
static const StrayColour white = COLOUR (0xffffff);
static const StrayColour dark = COLOUR (0x241f31);
static const StrayColour red = COLOUR (0xe01b24);
static const StrayColour amber = COLOUR (0xf5c211);

/* Offline and not set up draw the glyph see-through too, so that it recedes on any panel. */
#define GREYED_OPACITY 0.6

/* The glyph: a white speech bubble with three dots on a rounded square, the application icon
 * redrawn for the tray. It fills the whole square, as panel icons do, and its proportions are
 * rounded to whole pixels for each size instead of scaled from one drawing. */
static void
draw_glyph (StrayRaster       *raster,
            int                size,
            const StrayColour *background,
            const StrayColour *shadow)
{
  int corner = (size * 3 + 8) / 16;
  int shadow_height = size / 32;
  int left = (size * 19 + 50) / 100;
  int right = size - left;
  int top = (size * 20 + 50) / 100;
  int bottom = (size * 63 + 50) / 100;
  int tail_bottom = (size * 80 + 50) / 100;
  int tail_left = (size * 32 + 50) / 100;
  int tail_right = size / 2;
  int bubble_corner = MAX (2, (size * 12 + 50) / 100);
  int dot = MAX (2, (size * 9 + 50) / 100);
  /* Less than half a dot apart, three dots read as one bar. */
  int dot_step = MAX (dot + MAX (1, (dot + 1) / 2), (size * 125 + 500) / 1000);
  int dots_left, dots_top;
  double tail[6];

  /* Dots on whole pixels. Vertically the bubble gives up a pixel to centre them; across,
   * an odd dot on an even icon sits a pixel nearer one side, which no one sees, where half a
   * pixel would blur all three. */
  if ((bottom - top - dot) % 2 != 0)
    bottom--;
  dots_left = (size - 2 * dot_step - dot) / 2;
  dots_top = (top + bottom - dot) / 2;

  if (shadow_height > 0)
    stray_raster_fill_rectangle (raster, 0, 0, size, size, corner, shadow);
  stray_raster_fill_rectangle (raster, 0, 0, size, size - shadow_height, corner, background);

  stray_raster_fill_rectangle (raster, left, top, right - left, bottom - top, bubble_corner,
                               &white);
  /* The tail: a triangle from the tip up the left edge and along the diagonal through
   * (tail_right, bottom), reaching a pixel into the bubble so that no seam shows. */
  tail[0] = tail_left;
  tail[1] = tail_bottom;
  tail[2] = tail_left;
  tail[3] = bottom - 1;
  tail[4] = tail_right + (double) (tail_right - tail_left) / (tail_bottom - bottom);
  tail[5] = bottom - 1;
  stray_raster_fill_polygon (raster, tail, G_N_ELEMENTS (tail), &white);

  for (int i = 0; i < 3; i++)
    {
      int x = dots_left + i * dot_step;

      /* Below 4 px a circle is a grey smudge; a square is what a dot looks like there. */
      if (dot < 4)
        stray_raster_fill_rectangle (raster, x, dots_top, dot, dot, 0, background);
      else
        stray_raster_fill_circle (raster, x + dot / 2.0, dots_top + dot / 2.0, dot / 2.0,
                                  background);
    }
}

/* Digits are unions of rectangles whose edges come from a few lines of a grid set by the
 * digit's width, height and stroke: at 3×5 px with a 1 px stroke they are the classic pixel
 * font, and larger they keep the same shapes with proportionally heavier strokes. */
typedef struct {
  int width, height, stroke;
} Font;

enum { X_LEFT, X_STROKE, X_CENTRE, X_CENTRE_END, X_RIGHT_STROKE, X_RIGHT, X_FLAG, N_X };
enum {
  Y_TOP, Y_STROKE, Y_TWO_STROKES, Y_MIDDLE, Y_MIDDLE_END, Y_BOTTOM_TWO_STROKES,
  Y_BOTTOM_STROKE, Y_BOTTOM, Y_PLUS, Y_PLUS_END, N_Y
};

typedef struct {
  guint8 x0, x1, y0, y1;
} Bar;

typedef struct {
  char character;
  Bar bars[5];
} Glyph;

#define TOP { X_LEFT, X_RIGHT, Y_TOP, Y_STROKE }
#define MIDDLE { X_LEFT, X_RIGHT, Y_MIDDLE, Y_MIDDLE_END }
#define BOTTOM { X_LEFT, X_RIGHT, Y_BOTTOM_STROKE, Y_BOTTOM }
#define LEFT { X_LEFT, X_STROKE, Y_TOP, Y_BOTTOM }
#define LEFT_UPPER { X_LEFT, X_STROKE, Y_TOP, Y_MIDDLE_END }
#define LEFT_LOWER { X_LEFT, X_STROKE, Y_MIDDLE, Y_BOTTOM }
#define RIGHT { X_RIGHT_STROKE, X_RIGHT, Y_TOP, Y_BOTTOM }
#define RIGHT_UPPER { X_RIGHT_STROKE, X_RIGHT, Y_TOP, Y_MIDDLE_END }
#define RIGHT_LOWER { X_RIGHT_STROKE, X_RIGHT, Y_MIDDLE, Y_BOTTOM }
#define NONE { 0, 0, 0, 0 }

static const Glyph glyphs[] = {
  { '0', { TOP, BOTTOM, LEFT, RIGHT, NONE } },
  { '1', { { X_CENTRE, X_CENTRE_END, Y_TOP, Y_BOTTOM },
           { X_FLAG, X_CENTRE, Y_STROKE, Y_TWO_STROKES }, BOTTOM, NONE, NONE } },
  { '2', { TOP, RIGHT_UPPER, MIDDLE, LEFT_LOWER, BOTTOM } },
  { '3', { TOP, { X_CENTRE, X_RIGHT, Y_MIDDLE, Y_MIDDLE_END }, BOTTOM, RIGHT, NONE } },
  { '4', { LEFT_UPPER, MIDDLE, RIGHT, NONE, NONE } },
  { '5', { TOP, LEFT_UPPER, MIDDLE, RIGHT_LOWER, BOTTOM } },
  { '6', { TOP, LEFT, MIDDLE, RIGHT_LOWER, BOTTOM } },
  { '7', { TOP, RIGHT, NONE, NONE, NONE } },
  { '8', { TOP, MIDDLE, BOTTOM, LEFT, RIGHT } },
  { '9', { TOP, MIDDLE, BOTTOM, LEFT_UPPER, RIGHT } },
  { '+', { MIDDLE, { X_CENTRE, X_CENTRE_END, Y_PLUS, Y_PLUS_END }, NONE, NONE, NONE } },
  { '!', { { X_CENTRE, X_CENTRE_END, Y_TOP, Y_BOTTOM_TWO_STROKES },
           { X_CENTRE, X_CENTRE_END, Y_BOTTOM_STROKE, Y_BOTTOM }, NONE, NONE, NONE } },
};

/* Picks the stroke for a digit @height tall, or returns FALSE when no stroke near a fifth of
 * the height centres the middle bar and the stems on whole pixels. */
static gboolean
font_for_height (int   height,
                 Font *font)
{
  int stroke = MAX (1, (height * 18 + 50) / 100);
  int width = (height * 6 + 5) / 10;

  /* Thinner rather than heavier: white strokes on a small badge fill in first. */
  if ((height - stroke) % 2 != 0)
    stroke--;
  if (stroke < 1)
    return FALSE;
  if ((width - stroke) % 2 != 0)
    width++;
  if (width - 2 * stroke < 1)
    return FALSE;

  font->width = width;
  font->height = height;
  font->stroke = stroke;
  return TRUE;
}

static int
text_width (const Font *font,
            const char *text)
{
  int length = strlen (text);

  return length == 0 ? 0 : length * font->width + (length - 1) * font->stroke;
}

static void
draw_text (StrayRaster       *raster,
           const Font        *font,
           int                x,
           int                y,
           const char        *text,
           const StrayColour *ink)
{
  int w = font->width, h = font->height, t = font->stroke;
  int centre = (w - t) / 2;
  int middle = (h - t) / 2;
  const int xs[N_X] = { 0, t, centre, centre + t, w - t, w, MAX (0, centre - t) };
  const int ys[N_Y] = {
    0, t, 2 * t, middle, middle + t, h - 2 * t, h - t, h, middle - centre, middle + t + centre
  };

  for (const char *c = text; *c != '\0'; c++, x += w + t)
    {
      const Glyph *glyph = NULL;

      for (gsize i = 0; i < G_N_ELEMENTS (glyphs) && glyph == NULL; i++)
        if (glyphs[i].character == *c)
          glyph = &glyphs[i];
      g_assert (glyph != NULL);

      for (gsize i = 0; i < G_N_ELEMENTS (glyph->bars); i++)
        {
          const Bar *bar = &glyph->bars[i];

          if (bar->x0 == bar->x1)
            continue;
          /* Whole pixels, opaque: where two bars overlap nothing is painted twice over. */
          stray_raster_fill_rectangle (raster, x + xs[bar->x0], y + ys[bar->y0],
                                       xs[bar->x1] - xs[bar->x0], ys[bar->y1] - ys[bar->y0],
                                       0, ink);
        }
    }
}

/* A round-ended pill in the bottom-right corner, where the bubble leaves the most room
 * (its tail is bottom-left). The digits are the largest that fit: the pill may be at most half
 * the icon's height and its full width, so "99+" gets smaller digits than "8" when it must. The
 * pill itself is the digits' contrasting outline; a transparent gap around it sets it off from
 * the glyph whatever the panel's colour. */
static void
draw_badge (StrayRaster       *raster,
            int                size,
            const char        *text,
            const StrayColour *fill,
            const StrayColour *ink)
{
  /* An empty badge is the size of a one-digit one. */
  const char *measured = text[0] != '\0' ? text : "0";
  Font font = { 3, 5, 1 };
  int padding = 1, width = 0, height = 0;
  int gap = MAX (1, size / 32);

  for (int h = size / 2; h >= 5; h--)
    {
      Font candidate;
      int p, w;

      if (!font_for_height (h, &candidate))
        continue;
      p = MAX (1, h / 5);
      w = MAX (h + 2 * p, text_width (&candidate, measured) + 2 * (p + candidate.stroke));
      if (h + 2 * p <= size / 2 && w <= size)
        {
          font = candidate;
          padding = p;
          break;
        }
    }

  height = font.height + 2 * padding;
  width = MAX (height, text_width (&font, measured) + 2 * (padding + font.stroke));
  /* Centre the digits on whole pixels; a one-digit badge may be a pixel wider than tall. */
  if ((width - text_width (&font, measured)) % 2 != 0)
    width++;

  stray_raster_clear_rectangle (raster, size - width - gap, size - height - gap,
                                width + 2 * gap, height + 2 * gap, height / 2.0 + gap);
  stray_raster_fill_rectangle (raster, size - width, size - height, width, height,
                               height / 2.0, fill);
  draw_text (raster, &font, size - width + (width - text_width (&font, text)) / 2,
             size - height + padding, text, ink);
}

/* UNREAD with nothing unread is IDLE, so that both give one pixmap and one key. */
static StrayBadgeLook
effective_look (StrayBadgeLook look,
                guint          count)
{
  return look == STRAY_BADGE_UNREAD && count == 0 ? STRAY_BADGE_IDLE : look;
}

static void
draw (StrayRaster    *raster,
      int             size,
      StrayBadgeLook  look,
      guint           count)
{
  switch (look)
    {
    case STRAY_BADGE_NOT_SET_UP:
    case STRAY_BADGE_OFFLINE:
      /* The glyph is the first thing drawn, so fading the image fades the glyph alone. */
      draw_glyph (raster, size, &grey, &grey_shadow);
      stray_raster_fade (raster, GREYED_OPACITY);
      if (look == STRAY_BADGE_NOT_SET_UP)
        draw_badge (raster, size, "!", &amber, &dark);
      break;

    case STRAY_BADGE_IDLE:
      draw_glyph (raster, size, &blue, &blue_shadow);
      break;

    case STRAY_BADGE_UNREAD:
    case STRAY_BADGE_ATTENTION:
      draw_glyph (raster, size, &blue, &blue_shadow);
      draw_badge (raster, size, stray_badge_text (count),
                  look == STRAY_BADGE_ATTENTION ? &red : &dark, &white);
      break;

    default:
      g_assert_not_reached ();
    }
}

/**
 * stray_badge_render:
 * @look: what the icon shows
 * @count: unread messages, for %STRAY_BADGE_UNREAD and %STRAY_BADGE_ATTENTION
 *
 * Draws the icon at 16, 22, 24, 32, 44, 48, 64, 96 and 128 px. The same arguments always give
 * the same bytes, and two calls give the same bytes exactly when stray_badge_describe() gives
 * the same key, so a caller can compare keys to know whether to emit NewIcon.
 *
 * Returns: (transfer floating): an IconPixmap, a(iiay): width, height and straight-alpha ARGB32
 *   pixels as bytes A, R, G, B, row by row, one entry per size, ascending
 */
GVariant *
stray_badge_render (StrayBadgeLook look,
                    guint          count)
{
  GVariantBuilder builder;

  g_return_val_if_fail (look >= STRAY_BADGE_NOT_SET_UP && look <= STRAY_BADGE_ATTENTION, NULL);

  look = effective_look (look, count);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(iiay)"));
  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(StrayRaster) raster = stray_raster_new (sizes[i], sizes[i]);
      g_autoptr(GBytes) pixels = NULL;

      draw (raster, sizes[i], look, count);
      pixels = stray_raster_get_argb_bytes (raster);
      g_variant_builder_add (&builder, "(ii@ay)", sizes[i], sizes[i],
                             g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, pixels, TRUE));
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
