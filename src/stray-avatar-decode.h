/* stray-avatar-decode.h: a picture from anyone, decoded small or refused
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

/* The largest picture decoded, checked against the size its header declares before any pixel
 * is allocated. gdk-pixbuf's PNG and GIF loaders allocate the whole declared image before
 * scaling it down (4 bytes a pixel, GIF compositing into a second canvas), a progressive or
 * CMYK JPEG keeps coefficients for the whole image (up to 8 bytes a pixel) and lossless WebP
 * its whole ARGB image: at 2 Mpx the worst case is about 16 MB, once (the cache decodes one
 * picture at a time), in a daemon that must stay under 50 MB. 1920×1080 and 1448×1448 pass;
 * an avatar needs no more. */
#define STRAY_AVATAR_DECODE_MAX_PIXELS (2048 * 1024)
/* …and no side longer than this, so that a 1×2,000,000 strip is no way around the limit. */
#define STRAY_AVATAR_DECODE_MAX_SIDE 4096

GdkPixbuf *stray_avatar_decode (GBytes  *data,
                                int      size_px,
                                GError **error);

G_END_DECLS
