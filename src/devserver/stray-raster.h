/* stray-raster.h: a few antialiased shapes filled into a small RGBA image, without cairo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Straight (not premultiplied) colour, each channel 0 to 1. */
typedef struct {
  double red, green, blue, alpha;
} StrayColour;

typedef struct _StrayRaster StrayRaster;

StrayRaster *stray_raster_new                (int                width,
                                              int                height);
void         stray_raster_free               (StrayRaster       *raster);

void         stray_raster_fill_rectangle     (StrayRaster       *raster,
                                              double             x,
                                              double             y,
                                              double             width,
                                              double             height,
                                              double             radius,
                                              const StrayColour *colour);
void         stray_raster_clear_rectangle    (StrayRaster       *raster,
                                              double             x,
                                              double             y,
                                              double             width,
                                              double             height,
                                              double             radius);
void         stray_raster_fill_circle        (StrayRaster       *raster,
                                              double             centre_x,
                                              double             centre_y,
                                              double             radius,
                                              const StrayColour *colour);
void         stray_raster_stroke_circle      (StrayRaster       *raster,
                                              double             centre_x,
                                              double             centre_y,
                                              double             radius,
                                              double             line_width,
                                              const StrayColour *colour);
void         stray_raster_fill_polygon       (StrayRaster       *raster,
                                              const double      *points,
                                              guint              n_points,
                                              const StrayColour *colour);
void         stray_raster_fade               (StrayRaster       *raster,
                                              double             opacity);

GBytes      *stray_raster_get_argb_bytes     (StrayRaster       *raster);
GBytes      *stray_raster_get_rgba_bytes     (StrayRaster       *raster);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StrayRaster, stray_raster_free)

G_END_DECLS
