/* stray-raster.c: a few antialiased shapes filled into a small RGBA image, without cairo
 *
 * The tray icon and the devserver's avatars are a handful of rounded rectangles, circles and
 * one small polygon. Drawing them with cairo cost the daemon about 2 MiB of resident pages
 * (cairo, pixman, and the X11, fontconfig and freetype libraries cairo links) for a few
 * kilobytes of pixels, so they are drawn here instead.
 *
 * Each shape is a signed distance function (negative inside). A pixel whose centre is more
 * than the half-diagonal of a pixel away from the edge is wholly inside or outside; along a
 * rectangle's straight edges the coverage is the exact overlap of two boxes; the other pixels
 * (curves, slopes) are sampled on an 8×8 grid, which gives the coverage to within 1/64. Edges
 * on whole pixels therefore come out crisp, with no half-covered pixels, as the tray icon's
 * design relies on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include "stray-raster.h"

#define SUBSAMPLES 8
/* Half a pixel's diagonal: from a pixel's centre no part of the pixel is farther away. */
#define HALF_DIAGONAL 0.7072
#define MAX_POLYGON_POINTS 8

struct _StrayRaster {
  int width, height;
  /* Premultiplied red, green, blue, alpha per pixel, row by row. */
  float *pixels;
};

typedef enum {
  SHAPE_ROUNDED_RECTANGLE,
  SHAPE_RING,
  SHAPE_POLYGON,
} ShapeKind;

typedef struct {
  ShapeKind kind;
  /* Bounding box, in pixels. */
  double left, top, right, bottom;
  /* A rounded rectangle (a circle is one whose corners meet) or a ring. */
  double centre_x, centre_y, half_width, half_height, radius, half_line;
  /* A convex polygon: each edge's outward unit normal and its distance from the origin. */
  guint n_edges;
  double normal_x[MAX_POLYGON_POINTS], normal_y[MAX_POLYGON_POINTS];
  double offset[MAX_POLYGON_POINTS];
} Shape;

/**
 * stray_raster_new:
 * @width: in pixels, at least 1
 * @height: in pixels, at least 1
 *
 * Returns: (transfer full): a transparent image
 */
StrayRaster *
stray_raster_new (int width,
                  int height)
{
  StrayRaster *raster;

  g_return_val_if_fail (width > 0 && width <= 4096, NULL);
  g_return_val_if_fail (height > 0 && height <= 4096, NULL);

  raster = g_new0 (StrayRaster, 1);
  raster->width = width;
  raster->height = height;
  raster->pixels = g_new0 (float, (gsize) width * height * 4);
  return raster;
}

void
stray_raster_free (StrayRaster *raster)
{
  if (raster == NULL)
    return;
  g_free (raster->pixels);
  g_free (raster);
}

static double
shape_distance (const Shape *shape,
                double       x,
                double       y)
{
  switch (shape->kind)
    {
    case SHAPE_ROUNDED_RECTANGLE:
      {
        double qx = fabs (x - shape->centre_x) - shape->half_width + shape->radius;
        double qy = fabs (y - shape->centre_y) - shape->half_height + shape->radius;

        return hypot (MAX (qx, 0), MAX (qy, 0)) + MIN (MAX (qx, qy), 0) - shape->radius;
      }

    case SHAPE_RING:
      return fabs (hypot (x - shape->centre_x, y - shape->centre_y) - shape->radius) -
             shape->half_line;

    case SHAPE_POLYGON:
      {
        /* Exact inside a convex polygon, and never more than the true distance outside it,
         * which is all the coverage test needs. */
        double distance = -G_MAXDOUBLE;

        for (guint i = 0; i < shape->n_edges; i++)
          distance = MAX (distance, x * shape->normal_x[i] + y * shape->normal_y[i] -
                                    shape->offset[i]);
        return distance;
      }

    default:
      g_assert_not_reached ();
    }
}

/* How much of [@start, @start + 1] lies within [@low, @high]. */
static double
overlap (double start,
         double low,
         double high)
{
  return CLAMP (MIN (start + 1, high) - MAX (start, low), 0, 1);
}

/* How much of the pixel whose top-left corner is (@x, @y) the shape covers, 0 to 1. */
static double
shape_coverage (const Shape *shape,
                int          x,
                int          y)
{
  double distance;
  int inside = 0;

  /* Away from a rounded rectangle's corners its edges are straight, and what it covers of a
   * pixel is the overlap of two boxes: exact, and most of the icon's edges. */
  if (shape->kind == SHAPE_ROUNDED_RECTANGLE &&
      ((x >= shape->left + shape->radius && x + 1 <= shape->right - shape->radius) ||
       (y >= shape->top + shape->radius && y + 1 <= shape->bottom - shape->radius)))
    return overlap (x, shape->left, shape->right) * overlap (y, shape->top, shape->bottom);

  distance = shape_distance (shape, x + 0.5, y + 0.5);

  if (distance >= HALF_DIAGONAL)
    return 0;
  if (distance <= -HALF_DIAGONAL)
    return 1;
  for (int j = 0; j < SUBSAMPLES; j++)
    for (int i = 0; i < SUBSAMPLES; i++)
      if (shape_distance (shape, x + (i + 0.5) / SUBSAMPLES, y + (j + 0.5) / SUBSAMPLES) < 0)
        inside++;
  return (double) inside / (SUBSAMPLES * SUBSAMPLES);
}

/* Paints @colour over the image through the shape, or erases what the shape covers when
 * @colour is NULL. */
static void
paint (StrayRaster       *raster,
       const Shape       *shape,
       const StrayColour *colour)
{
  int left = MAX (0, (int) floor (shape->left));
  int top = MAX (0, (int) floor (shape->top));
  int right = MIN (raster->width, (int) ceil (shape->right));
  int bottom = MIN (raster->height, (int) ceil (shape->bottom));

  for (int y = top; y < bottom; y++)
    for (int x = left; x < right; x++)
      {
        float *pixel = raster->pixels + ((gsize) y * raster->width + x) * 4;
        double coverage = shape_coverage (shape, x, y);

        if (coverage == 0)
          continue;
        if (colour == NULL)
          {
            for (int c = 0; c < 4; c++)
              pixel[c] *= 1 - coverage;
          }
        else
          {
            double alpha = colour->alpha * coverage;

            pixel[0] = colour->red * alpha + pixel[0] * (1 - alpha);
            pixel[1] = colour->green * alpha + pixel[1] * (1 - alpha);
            pixel[2] = colour->blue * alpha + pixel[2] * (1 - alpha);
            pixel[3] = alpha + pixel[3] * (1 - alpha);
          }
      }
}

static void
rounded_rectangle (Shape  *shape,
                   double  x,
                   double  y,
                   double  width,
                   double  height,
                   double  radius)
{
  *shape = (Shape) {
    .kind = SHAPE_ROUNDED_RECTANGLE,
    .left = x, .top = y, .right = x + width, .bottom = y + height,
    .centre_x = x + width / 2, .centre_y = y + height / 2,
    .half_width = width / 2, .half_height = height / 2,
    .radius = CLAMP (radius, 0, MIN (width, height) / 2),
  };
}

/**
 * stray_raster_fill_rectangle:
 * @raster: the image
 * @x: left edge
 * @y: top edge
 * @width: at least 0
 * @height: at least 0
 * @radius: of the corners; 0 for square ones
 * @colour: painted over what is there
 */
void
stray_raster_fill_rectangle (StrayRaster       *raster,
                             double             x,
                             double             y,
                             double             width,
                             double             height,
                             double             radius,
                             const StrayColour *colour)
{
  Shape shape;

  g_return_if_fail (raster != NULL && colour != NULL);
  g_return_if_fail (width >= 0 && height >= 0);

  rounded_rectangle (&shape, x, y, width, height, radius);
  paint (raster, &shape, colour);
}

/**
 * stray_raster_clear_rectangle:
 * @raster: the image
 * @x: left edge
 * @y: top edge
 * @width: at least 0
 * @height: at least 0
 * @radius: of the corners
 *
 * Makes what the rectangle covers transparent.
 */
void
stray_raster_clear_rectangle (StrayRaster *raster,
                              double       x,
                              double       y,
                              double       width,
                              double       height,
                              double       radius)
{
  Shape shape;

  g_return_if_fail (raster != NULL);
  g_return_if_fail (width >= 0 && height >= 0);

  rounded_rectangle (&shape, x, y, width, height, radius);
  paint (raster, &shape, NULL);
}

void
stray_raster_fill_circle (StrayRaster       *raster,
                          double             centre_x,
                          double             centre_y,
                          double             radius,
                          const StrayColour *colour)
{
  Shape shape;

  g_return_if_fail (raster != NULL && colour != NULL);
  g_return_if_fail (radius >= 0);

  rounded_rectangle (&shape, centre_x - radius, centre_y - radius, 2 * radius, 2 * radius,
                     radius);
  paint (raster, &shape, colour);
}

/**
 * stray_raster_stroke_circle:
 * @raster: the image
 * @centre_x: the circle's centre
 * @centre_y: the circle's centre
 * @radius: to the middle of the line
 * @line_width: the line's width, half of it on either side of the circle
 * @colour: painted over what is there
 */
void
stray_raster_stroke_circle (StrayRaster       *raster,
                            double             centre_x,
                            double             centre_y,
                            double             radius,
                            double             line_width,
                            const StrayColour *colour)
{
  double outer = radius + line_width / 2;
  Shape shape = {
    .kind = SHAPE_RING,
    .left = centre_x - outer, .top = centre_y - outer,
    .right = centre_x + outer, .bottom = centre_y + outer,
    .centre_x = centre_x, .centre_y = centre_y,
    .radius = radius, .half_line = line_width / 2,
  };

  g_return_if_fail (raster != NULL && colour != NULL);
  g_return_if_fail (radius >= 0 && line_width >= 0);

  paint (raster, &shape, colour);
}

/**
 * stray_raster_fill_polygon:
 * @raster: the image
 * @points: (array length=n_points): x and y of each corner, in order
 * @n_points: how many numbers @points holds, twice the corners: 6 to 16
 * @colour: painted over what is there
 *
 * Fills a convex polygon, its corners given either way round.
 */
void
stray_raster_fill_polygon (StrayRaster       *raster,
                           const double      *points,
                           guint              n_points,
                           const StrayColour *colour)
{
  Shape shape = {
    .kind = SHAPE_POLYGON,
    .left = G_MAXDOUBLE, .top = G_MAXDOUBLE, .right = -G_MAXDOUBLE, .bottom = -G_MAXDOUBLE,
  };
  guint n_corners = n_points / 2;
  double twice_area = 0;

  g_return_if_fail (raster != NULL && points != NULL && colour != NULL);
  g_return_if_fail (n_points % 2 == 0 && n_corners >= 3 && n_corners <= MAX_POLYGON_POINTS);

  for (guint i = 0; i < n_corners; i++)
    {
      guint next = (i + 1) % n_corners;

      twice_area += points[2 * i] * points[2 * next + 1] - points[2 * next] * points[2 * i + 1];
      shape.left = MIN (shape.left, points[2 * i]);
      shape.right = MAX (shape.right, points[2 * i]);
      shape.top = MIN (shape.top, points[2 * i + 1]);
      shape.bottom = MAX (shape.bottom, points[2 * i + 1]);
    }
  g_return_if_fail (twice_area != 0);

  for (guint i = 0; i < n_corners; i++)
    {
      guint next = (i + 1) % n_corners;
      double dx = points[2 * next] - points[2 * i];
      double dy = points[2 * next + 1] - points[2 * i + 1];
      double length = hypot (dx, dy);
      /* With a positive signed area the inside is to the left of each edge, (-dy, dx). */
      double sign = twice_area > 0 ? 1 : -1;

      if (length == 0)
        continue;
      shape.normal_x[shape.n_edges] = sign * dy / length;
      shape.normal_y[shape.n_edges] = sign * -dx / length;
      shape.offset[shape.n_edges] = shape.normal_x[shape.n_edges] * points[2 * i] +
                                    shape.normal_y[shape.n_edges] * points[2 * i + 1];
      shape.n_edges++;
    }
  paint (raster, &shape, colour);
}

/* Multiplies every pixel's opacity by @opacity, as painting the image through it would. */
void
stray_raster_fade (StrayRaster *raster,
                   double       opacity)
{
  g_return_if_fail (raster != NULL);

  for (gsize i = 0; i < (gsize) raster->width * raster->height * 4; i++)
    raster->pixels[i] *= opacity;
}

static guint8
to_byte (double value)
{
  return (guint8) floor (CLAMP (value, 0, 1) * 255 + 0.5);
}

/* Straight-alpha bytes in the order @order names, "ARGB" or "RGBA". */
static GBytes *
get_bytes (StrayRaster *raster,
           const char  *order)
{
  gsize n_pixels = (gsize) raster->width * raster->height;
  guint8 *bytes = g_malloc (n_pixels * 4);

  for (gsize i = 0; i < n_pixels; i++)
    {
      const float *pixel = raster->pixels + i * 4;
      double alpha = pixel[3];

      for (int c = 0; c < 4; c++)
        {
          double value;

          switch (order[c])
            {
            case 'A': value = alpha; break;
            case 'R': value = alpha > 0 ? pixel[0] / alpha : 0; break;
            case 'G': value = alpha > 0 ? pixel[1] / alpha : 0; break;
            case 'B': value = alpha > 0 ? pixel[2] / alpha : 0; break;
            default: g_assert_not_reached ();
            }
          bytes[i * 4 + c] = to_byte (value);
        }
    }
  return g_bytes_new_take (bytes, n_pixels * 4);
}

/**
 * stray_raster_get_argb_bytes:
 * @raster: the image
 *
 * Returns: (transfer full): the pixels as a StatusNotifierItem's IconPixmap wants them:
 *   straight alpha, bytes A, R, G, B, row by row
 */
GBytes *
stray_raster_get_argb_bytes (StrayRaster *raster)
{
  g_return_val_if_fail (raster != NULL, NULL);
  return get_bytes (raster, "ARGB");
}

/**
 * stray_raster_get_rgba_bytes:
 * @raster: the image
 *
 * Returns: (transfer full): the pixels as GdkPixbuf wants them: straight alpha, bytes R, G, B,
 *   A, row by row with no padding
 */
GBytes *
stray_raster_get_rgba_bytes (StrayRaster *raster)
{
  g_return_val_if_fail (raster != NULL, NULL);
  return get_bytes (raster, "RGBA");
}
