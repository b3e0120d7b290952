/* test-badge.c: the tray icon's pixels, read back the way a StatusNotifierHost reads them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <string.h>

#include "stray-badge.h"

static const int expected_sizes[] = { 16, 22, 24, 32, 44, 48, 64, 96, 128 };

#define N_SIZES G_N_ELEMENTS (expected_sizes)

typedef struct {
  guint8 a, r, g, b;
} Pixel;

typedef struct {
  int left, top, right, bottom;   /* inclusive */
} Box;

static GVariant *
render (StrayBadgeLook look,
        guint          count)
{
  return g_variant_ref_sink (stray_badge_render (look, count));
}

/* The bytes of the pixmap at @index, checked to be @size × @size. */
static const guint8 *
pixmap_bytes (GVariant *icon,
              gsize     index,
              int      *size)
{
  g_autoptr(GVariant) entry = g_variant_get_child_value (icon, index);
  g_autoptr(GVariant) bytes = g_variant_get_child_value (entry, 2);
  int width, height;
  gsize length;
  const guint8 *data;

  g_variant_get_child (entry, 0, "i", &width);
  g_variant_get_child (entry, 1, "i", &height);
  g_assert_cmpint (width, ==, height);
  data = g_variant_get_fixed_array (bytes, &length, 1);
  g_assert_cmpuint (length, ==, (gsize) width * height * 4);
  *size = width;
  /* The data lives as long as @icon, which holds @entry's storage. */
  return data;
}

static Pixel
pixel_at (const guint8 *bytes,
          int           size,
          int           x,
          int           y)
{
  const guint8 *p = bytes + ((gsize) y * size + x) * 4;

  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (x, <, size);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (y, <, size);
  return (Pixel) { p[0], p[1], p[2], p[3] };
}

static gboolean
is_badge_red (Pixel p)
{
  return p.a == 0xff && p.r > 180 && p.g < 90 && p.b < 90;
}

static gboolean
is_badge_dark (Pixel p)
{
  return p.a == 0xff && p.r < 70 && p.g < 70 && p.b < 70;
}

/* White ink over more than half of the pixel, on the red or dark badge. */
static gboolean
is_ink (Pixel p)
{
  return p.a > 200 && p.r > 128 && p.g > 128 && p.b > 128;
}

/* Where pixels of a kind lie in the bottom-right quarter, where the badge is documented to be. */
static Box
find_box (const guint8 *bytes,
          int           size,
          gboolean    (*match) (Pixel))
{
  Box box = { size, size, -1, -1 };

  for (int y = size / 2; y < size; y++)
    for (int x = size / 2; x < size; x++)
      if (match (pixel_at (bytes, size, x, y)))
        {
          box.left = MIN (box.left, x);
          box.top = MIN (box.top, y);
          box.right = MAX (box.right, x);
          box.bottom = MAX (box.bottom, y);
        }
  g_assert_cmpint (box.right, >=, box.left);
  return box;
}

static gboolean
pixmaps_equal (GVariant *a,
               GVariant *b,
               gsize     index)
{
  int size_a, size_b;
  const guint8 *bytes_a = pixmap_bytes (a, index, &size_a);
  const guint8 *bytes_b = pixmap_bytes (b, index, &size_b);

  return size_a == size_b && memcmp (bytes_a, bytes_b, (gsize) size_a * size_a * 4) == 0;
}

static void
assert_differ_at_every_size (GVariant   *a,
                             GVariant   *b,
                             const char *what)
{
  for (gsize i = 0; i < N_SIZES; i++)
    if (pixmaps_equal (a, b, i))
      g_error ("%s: identical at %d px", what, expected_sizes[i]);
}

static void
test_text (void)
{
  g_assert_cmpstr (stray_badge_text (0), ==, "");
  g_assert_cmpstr (stray_badge_text (1), ==, "1");
  g_assert_cmpstr (stray_badge_text (9), ==, "9");
  g_assert_cmpstr (stray_badge_text (10), ==, "10");
  g_assert_cmpstr (stray_badge_text (42), ==, "42");
  g_assert_cmpstr (stray_badge_text (99), ==, "99");
  g_assert_cmpstr (stray_badge_text (100), ==, "99+");
  g_assert_cmpstr (stray_badge_text (5000), ==, "99+");
  g_assert_cmpstr (stray_badge_text (G_MAXUINT), ==, "99+");
  for (guint count = 1; count < 100; count++)
    {
      g_autofree char *expected = g_strdup_printf ("%u", count);

      g_assert_cmpstr (stray_badge_text (count), ==, expected);
    }
  /* Static: the same string every time, nothing to free. */
  g_assert_true (stray_badge_text (42) == stray_badge_text (42));
}

static void
test_sizes (void)
{
  for (StrayBadgeLook look = STRAY_BADGE_NOT_SET_UP; look <= STRAY_BADGE_ATTENTION; look++)
    {
      GVariant *floating = stray_badge_render (look, 7);
      g_autoptr(GVariant) icon = NULL;

      g_assert_true (g_variant_is_floating (floating));
      icon = g_variant_ref_sink (floating);
      g_assert_cmpstr (g_variant_get_type_string (icon), ==, "a(iiay)");
      g_assert_cmpuint (g_variant_n_children (icon), ==, N_SIZES);
      for (gsize i = 0; i < N_SIZES; i++)
        {
          int size;

          pixmap_bytes (icon, i, &size);
          g_assert_cmpint (size, ==, expected_sizes[i]);
        }
    }
}

/* Bytes on the wire are A, R, G, B whatever the machine's byte order. */
static void
test_byte_order (void)
{
  g_autoptr(GVariant) attention = render (STRAY_BADGE_ATTENTION, 42);
  g_autoptr(GVariant) idle = render (STRAY_BADGE_IDLE, 0);

  for (gsize i = 0; i < N_SIZES; i++)
    {
      int size;
      const guint8 *bytes = pixmap_bytes (attention, i, &size);
      Box badge = find_box (bytes, size, is_badge_red);
      /* Inside the round right end of the badge, on its middle row: the digits keep at least
       * two pixels away from the ends, and the curve is far from there. */
      int x = size - 2;
      int y = (badge.top + badge.bottom + 1) / 2;
      Pixel red = pixel_at (bytes, size, x, y);

      g_assert_cmpint (badge.right, >=, size - 2);
      g_assert_cmpint (badge.bottom, >=, size - 2);
      g_assert_cmphex (red.a, ==, 0xff);
      g_assert_cmphex (red.r, ==, 0xe0);
      g_assert_cmphex (red.g, ==, 0x1b);
      g_assert_cmphex (red.b, ==, 0x24);

      /* The left edge, half way down, is the glyph's plain blue. */
      bytes = pixmap_bytes (idle, i, &size);
      g_assert_true (!memcmp (bytes + ((gsize) (size / 2) * size + 1) * 4,
                              "\xff\x35\x84\xe4", 4));
    }
}

/* White strokes on the badge where the empty badge is plain: the digits are there, and as
 * large as the badge allows. */
static void
test_digits_present (void)
{
  g_autoptr(GVariant) empty = render (STRAY_BADGE_ATTENTION, 0);
  g_autoptr(GVariant) eight = render (STRAY_BADGE_ATTENTION, 8);
  g_autoptr(GVariant) unread = render (STRAY_BADGE_UNREAD, 8);
  g_autoptr(GVariant) idle = render (STRAY_BADGE_IDLE, 0);

  for (gsize i = 0; i < N_SIZES; i++)
    {
      int size;
      const guint8 *empty_bytes = pixmap_bytes (empty, i, &size);
      const guint8 *eight_bytes = pixmap_bytes (eight, i, &size);
      const guint8 *unread_bytes = pixmap_bytes (unread, i, &size);
      const guint8 *idle_bytes = pixmap_bytes (idle, i, &size);
      Box badge = find_box (empty_bytes, size, is_badge_red);
      Box dark_badge = find_box (unread_bytes, size, is_badge_dark);
      int strokes = 0, unread_strokes = 0;

      g_assert_cmpint (badge.right - badge.left, >=, size / 3 - 1);
      for (int y = badge.top; y <= badge.bottom; y++)
        for (int x = badge.left; x <= badge.right; x++)
          if (is_ink (pixel_at (eight_bytes, size, x, y)) &&
              is_badge_red (pixel_at (empty_bytes, size, x, y)))
            strokes++;
      for (int y = dark_badge.top; y <= dark_badge.bottom; y++)
        for (int x = dark_badge.left; x <= dark_badge.right; x++)
          if (is_ink (pixel_at (unread_bytes, size, x, y)) &&
              !is_ink (pixel_at (idle_bytes, size, x, y)))
            unread_strokes++;

      /* An 8 half the badge's height inks a twentieth of the icon's area or more: 12 pixels
       * at 16 px, 819 at 128. */
      g_assert_cmpint (strokes, >=, size * size / 20);
      g_assert_cmpint (unread_strokes, >=, size * size / 20);
    }
}

static void
test_counts_differ (void)
{
  const guint counts[] = { 1, 8, 42, 99, 100 };
  const StrayBadgeLook looks[] = { STRAY_BADGE_UNREAD, STRAY_BADGE_ATTENTION };

  for (gsize l = 0; l < G_N_ELEMENTS (looks); l++)
    {
      GVariant *icons[G_N_ELEMENTS (counts)];
      g_autoptr(GVariant) capped = render (looks[l], 5000);
      g_autofree char *key_100 = stray_badge_describe (looks[l], 100);
      g_autofree char *key_5000 = stray_badge_describe (looks[l], 5000);

      for (gsize i = 0; i < G_N_ELEMENTS (counts); i++)
        icons[i] = render (looks[l], counts[i]);
      for (gsize i = 0; i < G_N_ELEMENTS (counts); i++)
        for (gsize j = i + 1; j < G_N_ELEMENTS (counts); j++)
          {
            g_autofree char *what = g_strdup_printf ("counts %u and %u", counts[i], counts[j]);

            assert_differ_at_every_size (icons[i], icons[j], what);
          }

      /* 100 and 5000 both draw "99+". */
      g_assert_true (g_variant_equal (icons[4], capped));
      g_assert_cmpstr (key_100, ==, key_5000);
      g_assert_nonnull (strstr (key_100, "99+"));

      for (gsize i = 0; i < G_N_ELEMENTS (counts); i++)
        g_variant_unref (icons[i]);
    }
}

static void
test_looks_differ (void)
{
  GVariant *icons[STRAY_BADGE_ATTENTION + 1];

  for (StrayBadgeLook look = STRAY_BADGE_NOT_SET_UP; look <= STRAY_BADGE_ATTENTION; look++)
    icons[look] = render (look, 3);
  for (int a = STRAY_BADGE_NOT_SET_UP; a <= STRAY_BADGE_ATTENTION; a++)
    for (int b = a + 1; b <= STRAY_BADGE_ATTENTION; b++)
      {
        g_autofree char *what = g_strdup_printf ("looks %d and %d", a, b);

        assert_differ_at_every_size (icons[a], icons[b], what);
      }
  for (StrayBadgeLook look = STRAY_BADGE_NOT_SET_UP; look <= STRAY_BADGE_ATTENTION; look++)
    g_variant_unref (icons[look]);
}

/* Where the count badges sit, IDLE shows the glyph: nothing red, nothing badge-dark. */
static void
test_idle_has_no_badge (void)
{
  g_autoptr(GVariant) idle = render (STRAY_BADGE_IDLE, 0);
  g_autoptr(GVariant) attention = render (STRAY_BADGE_ATTENTION, 99);
  g_autoptr(GVariant) unread = render (STRAY_BADGE_UNREAD, 99);

  for (gsize i = 0; i < N_SIZES; i++)
    {
      int size;
      const guint8 *idle_bytes = pixmap_bytes (idle, i, &size);
      const guint8 *attention_bytes = pixmap_bytes (attention, i, &size);
      const guint8 *unread_bytes = pixmap_bytes (unread, i, &size);
      Box red = find_box (attention_bytes, size, is_badge_red);
      Box dark = find_box (unread_bytes, size, is_badge_dark);
      Box badge = { MIN (red.left, dark.left), MIN (red.top, dark.top),
                    MAX (red.right, dark.right), MAX (red.bottom, dark.bottom) };
      int opaque = 0;

      for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
          g_assert_false (is_badge_red (pixel_at (idle_bytes, size, x, y)));
      for (int y = badge.top; y <= badge.bottom; y++)
        for (int x = badge.left; x <= badge.right; x++)
          {
            Pixel p = pixel_at (idle_bytes, size, x, y);

            g_assert_false (is_badge_dark (p));
            opaque += p.a == 0xff;
          }
      /* The glyph is there, not a hole. */
      g_assert_cmpint (opaque, >,
                       (badge.right - badge.left + 1) * (badge.bottom - badge.top + 1) / 2);
    }
}

/* Mean HSV saturation and mean opacity over the pixels that show at all. */
static void
measure (const guint8 *bytes,
         int           size,
         double       *saturation,
         double       *opacity)
{
  double total_saturation = 0, total_alpha = 0;

  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      {
        Pixel p = pixel_at (bytes, size, x, y);
        int max = MAX (p.r, MAX (p.g, p.b));
        int min = MIN (p.r, MIN (p.g, p.b));

        if (p.a == 0)
          continue;
        total_saturation += (max == 0 ? 0.0 : (max - min) / (double) max) * p.a;
        total_alpha += p.a;
      }
  *saturation = total_saturation / total_alpha;
  *opacity = total_alpha / ((double) size * size * 255);
}

static void
test_offline_is_greyer (void)
{
  g_autoptr(GVariant) idle = render (STRAY_BADGE_IDLE, 0);
  g_autoptr(GVariant) offline = render (STRAY_BADGE_OFFLINE, 0);

  for (gsize i = 0; i < N_SIZES; i++)
    {
      int size;
      const guint8 *idle_bytes = pixmap_bytes (idle, i, &size);
      const guint8 *offline_bytes = pixmap_bytes (offline, i, &size);
      double idle_saturation, idle_opacity, offline_saturation, offline_opacity;

      measure (idle_bytes, size, &idle_saturation, &idle_opacity);
      measure (offline_bytes, size, &offline_saturation, &offline_opacity);
      g_assert_cmpfloat (idle_saturation, >, 0.4);
      g_assert_cmpfloat (offline_saturation, <, idle_saturation / 4);
      g_assert_cmpfloat (offline_opacity, <, idle_opacity * 0.75);
    }
}

/* Hosts read straight alpha: a see-through grey must come out the grey it was drawn in, not
 * darkened by a premultiplied image's values. */
static void
test_straight_alpha (void)
{
  g_autoptr(GVariant) offline = render (STRAY_BADGE_OFFLINE, 0);

  for (gsize i = 0; i < N_SIZES; i++)
    {
      int size;
      const guint8 *bytes = pixmap_bytes (offline, i, &size);
      Pixel p = pixel_at (bytes, size, 1, size / 2);

      g_assert_cmpint (p.a, >, 0x40);
      g_assert_cmpint (p.a, <, 0xc0);
      g_assert_cmpint (ABS (p.r - 0x9a), <=, 2);
      g_assert_cmpint (ABS (p.g - 0x99), <=, 2);
      g_assert_cmpint (ABS (p.b - 0x96), <=, 2);
    }
}

static void
test_zero_count (void)
{
  g_autoptr(GVariant) idle = render (STRAY_BADGE_IDLE, 0);
  g_autoptr(GVariant) unread = render (STRAY_BADGE_UNREAD, 0);
  g_autoptr(GVariant) attention = render (STRAY_BADGE_ATTENTION, 0);
  g_autofree char *unread_key = stray_badge_describe (STRAY_BADGE_UNREAD, 0);
  g_autofree char *attention_key = stray_badge_describe (STRAY_BADGE_ATTENTION, 0);

  /* Nothing unread is IDLE, to the byte. */
  g_assert_true (g_variant_equal (idle, unread));
  g_assert_cmpstr (unread_key, ==, "idle");

  /* An urgent state without a number keeps its red badge, empty. */
  g_assert_cmpstr (attention_key, ==, "attention");
  assert_differ_at_every_size (idle, attention, "idle and attention without a count");
  for (gsize i = 0; i < N_SIZES; i++)
    {
      int size;
      const guint8 *bytes = pixmap_bytes (attention, i, &size);
      Box badge = find_box (bytes, size, is_badge_red);
      double centre_x = (badge.left + badge.right + 1) / 2.0;
      double centre_y = (badge.top + badge.bottom + 1) / 2.0;
      double radius = (badge.bottom - badge.top + 1) / 2.0 - 1;

      /* The box's corners show the glyph; inside the disc there is only red. */
      for (int y = badge.top; y <= badge.bottom; y++)
        for (int x = badge.left; x <= badge.right; x++)
          if ((x + 0.5 - centre_x) * (x + 0.5 - centre_x) +
              (y + 0.5 - centre_y) * (y + 0.5 - centre_y) <= radius * radius)
            g_assert_true (is_badge_red (pixel_at (bytes, size, x, y)));
    }
}

/* Equal keys exactly when the pixmaps are identical, so that comparing keys is enough to know
 * whether to emit NewIcon. */
static void
test_describe (void)
{
  const guint counts[] = { 0, 1, 8, 42, 99, 100, 5000 };
  enum { N = (STRAY_BADGE_ATTENTION + 1) * G_N_ELEMENTS (counts) };
  GVariant *icons[N];
  char *keys[N];

  for (int i = 0; i < N; i++)
    {
      StrayBadgeLook look = i / G_N_ELEMENTS (counts);
      guint count = counts[i % G_N_ELEMENTS (counts)];

      icons[i] = render (look, count);
      keys[i] = stray_badge_describe (look, count);
    }
  for (int i = 0; i < N; i++)
    for (int j = i + 1; j < N; j++)
      if (g_str_equal (keys[i], keys[j]) != g_variant_equal (icons[i], icons[j]))
        g_error ("keys “%s” and “%s” disagree with the pixmaps", keys[i], keys[j]);

  g_assert_cmpstr (keys[0 * G_N_ELEMENTS (counts) + 3], ==, "not-set-up");
  g_assert_cmpstr (keys[1 * G_N_ELEMENTS (counts) + 3], ==, "offline");
  g_assert_cmpstr (keys[2 * G_N_ELEMENTS (counts) + 3], ==, "idle");
  g_assert_cmpstr (keys[3 * G_N_ELEMENTS (counts) + 3], ==, "unread:42");
  g_assert_cmpstr (keys[4 * G_N_ELEMENTS (counts) + 6], ==, "attention:99+");

  for (int i = 0; i < N; i++)
    {
      g_variant_unref (icons[i]);
      g_free (keys[i]);
    }
}

static void
test_deterministic (void)
{
  for (StrayBadgeLook look = STRAY_BADGE_NOT_SET_UP; look <= STRAY_BADGE_ATTENTION; look++)
    {
      g_autoptr(GVariant) first = render (look, 42);
      g_autoptr(GVariant) second = render (look, 42);

      g_assert_true (g_variant_equal (first, second));
    }
}

/* Rebuilds what a host would display, for a person to look at. */
static void
write_png (GVariant   *icon,
           gsize       index,
           const char *path)
{
  int size;
  const guint8 *bytes = pixmap_bytes (icon, index, &size);
  g_autofree guint8 *rgba = g_malloc ((gsize) size * size * 4);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;

  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      {
        Pixel p = pixel_at (bytes, size, x, y);
        guint8 *out = rgba + ((gsize) y * size + x) * 4;

        out[0] = p.r;
        out[1] = p.g;
        out[2] = p.b;
        out[3] = p.a;
      }
  pixbuf = gdk_pixbuf_new_from_data (rgba, GDK_COLORSPACE_RGB, TRUE, 8, size, size, size * 4,
                                     NULL, NULL);
  gdk_pixbuf_save (pixbuf, path, "png", &error, NULL);
  g_assert_no_error (error);
  g_test_message ("wrote %s", path);
}

static void
test_png (void)
{
  g_autoptr(GVariant) icon = render (STRAY_BADGE_ATTENTION, 42);
  const char *directory = g_getenv ("G_TEST_BUILDDIR");

  if (directory == NULL)
    directory = g_get_tmp_dir ();
  for (gsize i = 0; i < N_SIZES; i++)
    if (expected_sizes[i] == 16 || expected_sizes[i] == 64)
      {
        g_autofree char *name = g_strdup_printf ("badge-attention-42-%d.png", expected_sizes[i]);
        g_autofree char *path = g_build_filename (directory, name, NULL);

        write_png (icon, i, path);
      }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stray/badge/text", test_text);
  g_test_add_func ("/stray/badge/sizes", test_sizes);
  g_test_add_func ("/stray/badge/byte-order", test_byte_order);
  g_test_add_func ("/stray/badge/digits/present", test_digits_present);
  g_test_add_func ("/stray/badge/digits/counts-differ", test_counts_differ);
  g_test_add_func ("/stray/badge/looks/differ", test_looks_differ);
  g_test_add_func ("/stray/badge/looks/idle-has-no-badge", test_idle_has_no_badge);
  g_test_add_func ("/stray/badge/looks/offline-is-greyer", test_offline_is_greyer);
  g_test_add_func ("/stray/badge/straight-alpha", test_straight_alpha);
  g_test_add_func ("/stray/badge/zero-count", test_zero_count);
  g_test_add_func ("/stray/badge/describe", test_describe);
  g_test_add_func ("/stray/badge/deterministic", test_deterministic);
  g_test_add_func ("/stray/badge/png", test_png);

  return g_test_run ();
}
