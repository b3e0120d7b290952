/* fuzz-avatar.c: a picture from anyone, as the avatar cache decodes it
 *
 * The first byte picks the size asked for (16, 32, 48 or 64 px, the sizes the tray, the
 * notifications and the window ask for); the rest is the picture. Whatever it is, the answer
 * is a picture of at most that size, or an error: never an allocation past the declared-size
 * limit, never another loader than PNG, JPEG, GIF or WebP.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"
#include "stray-avatar-decode.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const int sizes[] = { 16, 32, 48, 64 };
  g_autoptr(GBytes) picture = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  int size_px;

  if (size < 1)
    return 0;
  size_px = sizes[data[0] % G_N_ELEMENTS (sizes)];
  picture = g_bytes_new (data + 1, size - 1);
  pixbuf = stray_avatar_decode (picture, size_px, &error);
  g_assert ((pixbuf == NULL) != (error == NULL));
  if (pixbuf != NULL)
    {
      g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), <=, size_px);
      g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), <=, size_px);
    }
  return 0;
}
