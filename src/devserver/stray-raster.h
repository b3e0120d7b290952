/* stray-raster.h: antialiased circles and rings filled into a small RGBA image, without cairo
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

GBytes      *stray_raster_get_rgba_bytes     (StrayRaster       *raster);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StrayRaster, stray_raster_free)

G_END_DECLS
