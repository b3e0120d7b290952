/* stray-avatar-decode.c
 *
 * An avatar's bytes come from whoever set the picture, so they are decoded as untrusted input:
 * the format is told by the bytes' own signature, never by gdk-pixbuf's guess (which would hand
 * SVG, TGA, ICO, TIFF, XPM… to whatever loader is installed), and only PNG, JPEG, GIF (its
 * first frame, cut off before the loader sees the rest) and WebP are decoded. The size the
 * header declares is checked before any pixel is allocated (a size-prepared handler for
 * gdk-pixbuf's loaders, WebPGetFeatures for libwebp), and the picture is decoded straight to
 * the avatar's size where the format allows (JPEG's DCT scaling, libwebp's scaler). No global
 * state: safe in any thread, and in a fuzzer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <webp/decode.h>

#include "stray-avatar-decode.h"

typedef enum {
  FORMAT_UNKNOWN,
  FORMAT_PNG,
  FORMAT_JPEG,
  FORMAT_GIF,
  FORMAT_WEBP,
} Format;

static gboolean
starts_with (const guint8 *data,
             gsize         length,
             const char   *magic,
             gsize         magic_length)
{
  return length >= magic_length && memcmp (data, magic, magic_length) == 0;
}

static Format
sniff (const guint8 *data,
       gsize         length)
{
  if (starts_with (data, length, "\x89PNG\r\n\x1a\n", 8))
    return FORMAT_PNG;
  if (starts_with (data, length, "\xff\xd8\xff", 3))
    return FORMAT_JPEG;
  if (starts_with (data, length, "GIF87a", 6) || starts_with (data, length, "GIF89a", 6))
    return FORMAT_GIF;
  if (starts_with (data, length, "RIFF", 4) && length >= 12 && memcmp (data + 8, "WEBP", 4) == 0)
    return FORMAT_WEBP;
  return FORMAT_UNKNOWN;
}

static gboolean
check_declared_size (int      width,
                     int      height,
                     GError **error)
{
  if (width <= 0 || height <= 0 || width > STRAY_AVATAR_DECODE_MAX_SIDE ||
      height > STRAY_AVATAR_DECODE_MAX_SIDE ||
      (gint64) width * height > STRAY_AVATAR_DECODE_MAX_PIXELS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "the picture declares %d×%d pixels, over the limit for an avatar",
                   width, height);
      return FALSE;
    }
  return TRUE;
}

/* The size to decode to: within @size_px, the aspect kept, never enlarged. */
static void
fit (int  width,
     int  height,
     int  size_px,
     int *fitted_width,
     int *fitted_height)
{
  double scale;

  if (width <= size_px && height <= size_px)
    {
      *fitted_width = width;
      *fitted_height = height;
      return;
    }
  scale = (double) size_px / MAX (width, height);
  *fitted_width = CLAMP ((int) (width * scale + 0.5), 1, size_px);
  *fitted_height = CLAMP ((int) (height * scale + 0.5), 1, size_px);
}

/* Skips GIF data sub-blocks from @offset; returns the offset after the terminating empty one,
 * or 0 when the data ends first. */
static gsize
skip_gif_sub_blocks (const guint8 *data,
                     gsize         length,
                     gsize         offset)
{
  while (offset < length)
    {
      guint8 size = data[offset++];

      if (size == 0)
        return offset;
      offset += size;
    }
  return 0;
}

/* Whether the image whose descriptor starts at @descriptor (after its 0x2c) has pixels, all
 * on the canvas. */
static gboolean
gif_image_fits (const guint8 *descriptor,
                guint         screen_width,
                guint         screen_height)
{
  guint left = descriptor[1] | descriptor[2] << 8;
  guint top = descriptor[3] | descriptor[4] << 8;
  guint width = descriptor[5] | descriptor[6] << 8;
  guint height = descriptor[7] | descriptor[8] << 8;

  return width > 0 && height > 0 && left + width <= screen_width &&
         top + height <= screen_height;
}

/* The GIF's first image alone: its header and global colour table, the graphic control
 * extension that comes before the image when it is well formed (transparency), the image, and a
 * trailer; %NULL when it has none. Only the first frame is shown, and the loader would otherwise
 * composite every frame of an animation on the full canvas (20,000 one-pixel frames in 480 KB
 * took 2 to 4 s). Every other extension is left out, so the loader parses only what was checked
 * here: gdk-pixbuf's loader answers an empty canvas, an image empty or off it, and streams its
 * parser reads otherwise than this one with a critical (found by tests/fuzz/fuzz-avatar.c). */
static GBytes *
gif_first_frame (const guint8 *data,
                 gsize         length,
                 GError      **error)
{
  gsize offset = 13, control = 0;
  guint screen_width, screen_height;

  if (length < offset)
    goto refused;
  screen_width = data[6] | data[7] << 8;
  screen_height = data[8] | data[9] << 8;
  if (screen_width == 0 || screen_height == 0)
    goto refused;
  if (data[10] & 0x80)
    offset += 3u << ((data[10] & 7) + 1);
  while (offset < length)
    {
      if (data[offset] == 0x21) /* an extension: its label, then sub-blocks */
        {
          gsize start = offset;

          if (offset + 2 > length)
            goto refused;
          offset = skip_gif_sub_blocks (data, length, offset + 2);
          if (offset == 0)
            goto refused;
          /* A graphic control extension: exactly one block of 4 bytes. */
          if (data[start + 1] == 0xf9 && offset - start == 8 && data[start + 2] == 4)
            control = start;
        }
      else if (data[offset] == 0x2c) /* an image: descriptor, colour table, LZW size, blocks */
        {
          gsize image = offset, code_size_at, end;
          GByteArray *still;
          guint8 code_size;

          if (offset + 10 > length || !gif_image_fits (data + offset, screen_width,
                                                         screen_height))
            goto refused;
          code_size_at = offset + 10 +
                         ((data[offset + 9] & 0x80) ? 3u << ((data[offset + 9] & 7) + 1) : 0);
          if (code_size_at >= length)
            goto refused;
          /* The GIF specification's minimum code sizes are 2 to 8. */
          code_size = data[code_size_at];
          if (code_size < 2 || code_size > 8)
            goto refused;
          end = skip_gif_sub_blocks (data, length, code_size_at + 1);
          if (end == 0)
            goto refused;

          still = g_byte_array_sized_new (end - image + 13 + 768 + 8 + 1);
          g_byte_array_append (still, data, 13 + ((data[10] & 0x80) ? 3u << ((data[10] & 7) + 1)
                                                                    : 0));
          if (control != 0)
            g_byte_array_append (still, data + control, 8);
          g_byte_array_append (still, data + image, end - image);
          g_byte_array_append (still, (const guint8 *) ";", 1);
          return g_byte_array_free_to_bytes (still);
        }
      else
        goto refused;
    }

refused:
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "a GIF without a whole first image");
  return NULL;
}

typedef struct {
  int size_px;
  GError *refusal;
} Prepare;

static void
on_size_prepared (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gpointer         user_data)
{
  Prepare *prepare = user_data;
  int fitted_width, fitted_height;

  if (!check_declared_size (width, height, &prepare->refusal))
    {
      /* Every loader kept here stops, before allocating, when asked for 0×0. */
      gdk_pixbuf_loader_set_size (loader, 0, 0);
      return;
    }
  fit (width, height, prepare->size_px, &fitted_width, &fitted_height);
  gdk_pixbuf_loader_set_size (loader, fitted_width, fitted_height);
}

static GdkPixbuf *
decode_with_loader (const char  *type,
                    GBytes      *data,
                    int          size_px,
                    GError     **error)
{
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new_with_type (type, error);
  g_autoptr(GError) loader_error = NULL;
  Prepare prepare = { size_px, NULL };
  gboolean written, closed = FALSE;
  GdkPixbuf *pixbuf;

  if (loader == NULL)
    return NULL;
  g_signal_connect (loader, "size-prepared", G_CALLBACK (on_size_prepared), &prepare);
  written = gdk_pixbuf_loader_write_bytes (loader, data, &loader_error);
  /* A failed write has closed the loader already. */
  if (written)
    closed = gdk_pixbuf_loader_close (loader, &loader_error);
  if (prepare.refusal != NULL)
    {
      g_propagate_error (error, prepare.refusal);
      return NULL;
    }
  if (!written || !closed)
    {
      g_propagate_error (error, g_steal_pointer (&loader_error));
      return NULL;
    }
  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "no picture decoded");
      return NULL;
    }
  return g_object_ref (pixbuf);
}

static void
free_pixels (guchar   *pixels,
             gpointer  user_data)
{
  g_free (pixels);
  (void) user_data;
}

static GdkPixbuf *
decode_webp (GBytes  *data,
             int      size_px,
             GError **error)
{
  gsize length;
  const guint8 *bytes = g_bytes_get_data (data, &length);
  WebPDecoderConfig config;
  int width, height;
  gsize rowstride;
  guchar *pixels;
  VP8StatusCode status;

  if (!WebPInitDecoderConfig (&config) ||
      WebPGetFeatures (bytes, length, &config.input) != VP8_STATUS_OK)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a WebP picture");
      return NULL;
    }
  if (!check_declared_size (config.input.width, config.input.height, error))
    return NULL;
  fit (config.input.width, config.input.height, size_px, &width, &height);
  if (width != config.input.width || height != config.input.height)
    {
      config.options.use_scaling = 1;
      config.options.scaled_width = width;
      config.options.scaled_height = height;
    }
  /* Straight into memory laid out as a GdkPixbuf's: RGBA, not premultiplied. */
  rowstride = (gsize) width * 4;
  pixels = g_malloc (rowstride * height);
  config.output.colorspace = MODE_RGBA;
  config.output.is_external_memory = 1;
  config.output.u.RGBA.rgba = pixels;
  config.output.u.RGBA.stride = (int) rowstride;
  config.output.u.RGBA.size = rowstride * height;
  status = WebPDecode (bytes, length, &config);
  WebPFreeDecBuffer (&config.output);
  if (status != VP8_STATUS_OK)
    {
      g_free (pixels);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "the WebP picture does not decode (libwebp status %d)", status);
      return NULL;
    }
  return gdk_pixbuf_new_from_data (pixels, GDK_COLORSPACE_RGB, TRUE, 8, width, height,
                                   (int) rowstride, free_pixels, NULL);
}

/**
 * stray_avatar_decode:
 * @data: the bytes as they came
 * @size_px: the largest side wanted
 *
 * Decodes a PNG, JPEG, GIF or WebP picture to at most @size_px a side, refusing any other
 * format and any picture that declares more than %STRAY_AVATAR_DECODE_MAX_PIXELS before its
 * pixels are allocated. Thread-safe; needs no main loop.
 *
 * Returns: (transfer full) (nullable): the picture, or %NULL with @error set
 */
GdkPixbuf *
stray_avatar_decode (GBytes  *data,
                     int      size_px,
                     GError **error)
{
  gsize length;
  const guint8 *bytes;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (size_px > 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  bytes = g_bytes_get_data (data, &length);
  switch (sniff (bytes, length))
    {
    case FORMAT_PNG:
      return decode_with_loader ("png", data, size_px, error);
    case FORMAT_JPEG:
      return decode_with_loader ("jpeg", data, size_px, error);
    case FORMAT_GIF:
      {
        g_autoptr(GBytes) still = gif_first_frame (bytes, length, error);

        return still != NULL ? decode_with_loader ("gif", still, size_px, error) : NULL;
      }
    case FORMAT_WEBP:
      return decode_webp (data, size_px, error);
    case FORMAT_UNKNOWN:
    default:
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "not a PNG, JPEG, GIF or WebP picture");
      return NULL;
    }
}
