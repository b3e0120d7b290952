/* stray-raster.c: antialiased circles and rings filled into a small RGBA image, without cairo
 *
 * The devserver's default avatars are three circles and a ring; cairo would be a dependency of
 * the server for that alone.
 *
 * Each shape is a signed distance function (negative inside). A pixel whose centre is more
 * than the half-diagonal of a pixel away from the edge is wholly inside or outside; the other
 * pixels are sampled on an 8×8 grid, which gives the coverage to within 1/64.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include "stray-raster.h"

#define SUBSAMPLES 8
/* Half a pixel's diagonal: from a pixel's centre no part of the pixel is farther away. */
#define HALF_DIAGONAL 0.7072

struct _StrayRaster {
  int width, height;
  /* Premultiplied red, green, blue, alpha per pixel, row by row. */
  float *pixels;
};

/* A disc, or a ring: the points within half_line of the circle. */
typedef struct {
  gboolean ring;
  /* Bounding box, in pixels. */
  double left, top, right, bottom;
  double centre_x, centre_y, radius, half_line;
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
  double from_circle = hypot (x - shape->centre_x, y - shape->centre_y) - shape->radius;

  return shape->ring ? fabs (from_circle) - shape->half_line : from_circle;
}

/* How much of the pixel whose top-left corner is (@x, @y) the shape covers, 0 to 1. */
static double
shape_coverage (const Shape *shape,
                int          x,
                int          y)
{
  double distance = shape_distance (shape, x + 0.5, y + 0.5);
  int inside = 0;

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

/* Paints @colour over the image through the shape. */
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
        double alpha = colour->alpha * shape_coverage (shape, x, y);

        pixel[0] = colour->red * alpha + pixel[0] * (1 - alpha);
        pixel[1] = colour->green * alpha + pixel[1] * (1 - alpha);
        pixel[2] = colour->blue * alpha + pixel[2] * (1 - alpha);
        pixel[3] = alpha + pixel[3] * (1 - alpha);
      }
}

/**
 * stray_raster_fill_circle:
 * @raster: the image
 * @centre_x: the circle's centre
 * @centre_y: the circle's centre
 * @radius: at least 0
 * @colour: painted over what is there
 */
void
stray_raster_fill_circle (StrayRaster       *raster,
                          double             centre_x,
                          double             centre_y,
                          double             radius,
                          const StrayColour *colour)
{
  Shape shape = {
    .left = centre_x - radius, .top = centre_y - radius,
    .right = centre_x + radius, .bottom = centre_y + radius,
    .centre_x = centre_x, .centre_y = centre_y, .radius = radius,
  };

  g_return_if_fail (raster != NULL && colour != NULL);
  g_return_if_fail (radius >= 0);

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
    .ring = TRUE,
    .left = centre_x - outer, .top = centre_y - outer,
    .right = centre_x + outer, .bottom = centre_y + outer,
    .centre_x = centre_x, .centre_y = centre_y,
    .radius = radius, .half_line = line_width / 2,
  };

  g_return_if_fail (raster != NULL && colour != NULL);
  g_return_if_fail (radius >= 0 && line_width >= 0);

  paint (raster, &shape, colour);
}

static guint8
to_byte (double value)
{
  return (guint8) floor (CLAMP (value, 0, 1) * 255 + 0.5);
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
  gsize n_pixels;
  guint8 *bytes;

  g_return_val_if_fail (raster != NULL, NULL);

  n_pixels = (gsize) raster->width * raster->height;
  bytes = g_malloc (n_pixels * 4);
  for (gsize i = 0; i < n_pixels; i++)
    {
      const float *pixel = raster->pixels + i * 4;
      double alpha = pixel[3];

      for (int c = 0; c < 3; c++)
        bytes[i * 4 + c] = to_byte (alpha > 0 ? pixel[c] / alpha : 0);
      bytes[i * 4 + 3] = to_byte (alpha);
    }
  return g_bytes_new_take (bytes, n_pixels * 4);
}
