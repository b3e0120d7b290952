/* test-avatars.c: avatars as untrusted input (issue 15)
 *
 * Every picture is made by the test and served by it on loopback: plain http, https with a
 * certificate of its own (tests/data/tls), and a listener that only counts the
 * connections it is offered, for the addresses no request must reach. Hostile pictures declare
 * sizes that would take gigabytes (the issue measured 2.0 GB and 10 s on the main loop for a
 * 120-byte SVG, 766 MB and 3.6 s for a PNG); the test records the largest gap between ticks of
 * a 10 ms timeout while they are handled, and the growth of the process's peak memory (VmHWM,
 * reset through /proc/self/clear_refs first), and prints both.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <string.h>
#include <webp/encode.h>

#include "stray-avatar-cache.h"
#include "stray-avatar-decode.h"
#include "stray-avatar-policy.h"
#include "stray-test-wait.h"

/* The largest gap allowed between two ticks of the main loop. */
#define MAX_STALL_MS 100
/* Peak memory a hostile picture may add; the issue measured 766 MB and 2.0 GB. Under
 * AddressSanitizer the peak also counts its shadow memory and the quarantine of freed blocks,
 * so there the figure is printed, not judged. */
#define MAX_GROWTH_KB (32 * 1024)
#if defined(__SANITIZE_ADDRESS__)
#define MEMORY_JUDGED FALSE
#else
#define MEMORY_JUDGED TRUE
#endif

/* A public server, as far as the policy is concerned. */
#define PUBLIC_SERVER "https://chat.stream-io-api.com"

/* ---- pictures ---- */

static GBytes *
save_pixbuf (int         width,
             int         height,
             const char *type)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize length = 0;

  gdk_pixbuf_fill (pixbuf, 0x2080e0ff);
  gdk_pixbuf_save_to_buffer (pixbuf, &data, &length, type, &error, NULL);
  g_assert_no_error (error);
  return g_bytes_new_take (data, length);
}

static GBytes *
make_webp (int width,
           int height)
{
  g_autofree guint8 *rgba = g_malloc (width * height * 4);
  guint8 *output = NULL;
  gsize length;
  GBytes *bytes;

  for (int i = 0; i < width * height; i++)
    memcpy (rgba + i * 4, "\x20\x80\xe0\xff", 4);
  length = WebPEncodeRGBA (rgba, width, height, width * 4, 80, &output);
  g_assert_cmpuint (length, >, 0);
  bytes = g_bytes_new (output, length);
  WebPFree (output);
  return bytes;
}

static void
append_le16 (GByteArray *array,
             guint       value)
{
  guint8 bytes[2] = { value & 0xff, (value >> 8) & 0xff };

  g_byte_array_append (array, bytes, 2);
}

/* A GIF of one colour, written without compression: 8-bit codes, a clear code every 100, so
 * that the LZW table never needs a wider one. */
static GBytes *
make_gif (guint width,
          guint height)
{
  GByteArray *gif = g_byte_array_new ();
  g_autoptr(GByteArray) codes = g_byte_array_new ();
  guint8 palette[128 * 3] = { 0x20, 0x80, 0xe0 };
  guint8 min_code_size = 7, clear = 128, end = 129, zero = 0;

  g_byte_array_append (gif, (const guint8 *) "GIF89a", 6);
  append_le16 (gif, width);
  append_le16 (gif, height);
  g_byte_array_append (gif, (const guint8 *) "\xf6\x00\x00", 3);  /* 128 global colours */
  g_byte_array_append (gif, palette, sizeof palette);
  g_byte_array_append (gif, (const guint8 *) ",\0\0\0\0", 5);
  append_le16 (gif, width);
  append_le16 (gif, height);
  g_byte_array_append (gif, &zero, 1);
  g_byte_array_append (gif, &min_code_size, 1);
  for (guint i = 0; i < width * height; i++)
    {
      if (i % 100 == 0)
        g_byte_array_append (codes, &clear, 1);
      g_byte_array_append (codes, &zero, 1);
    }
  g_byte_array_append (codes, &end, 1);
  for (guint offset = 0; offset < codes->len; offset += 255)
    {
      guint8 block = MIN (255, codes->len - offset);

      g_byte_array_append (gif, &block, 1);
      g_byte_array_append (gif, codes->data + offset, block);
    }
  g_byte_array_append (gif, &zero, 1);
  g_byte_array_append (gif, (const guint8 *) ";", 1);
  return g_byte_array_free_to_bytes (gif);
}

/* A GIF animation of @n_frames one-pixel frames on a 1448×1448 canvas, each composited on the
 * whole canvas by gdk-pixbuf's loader. */
static GBytes *
make_animation (guint n_frames)
{
  static const guint8 frame[] = {
    0x21, 0xf9, 4, 0x04, 1, 0, 0, 0,          /* graphic control: 10 ms, keep */
    ',', 0, 0, 0, 0, 1, 0, 1, 0, 0,           /* 1×1 at 0,0 */
    2, 2, 0x44, 0x01, 0,                      /* LZW: clear, 0, end */
  };
  GByteArray *gif = g_byte_array_new ();

  g_byte_array_append (gif, (const guint8 *) "GIF89a", 6);
  append_le16 (gif, 1448);
  append_le16 (gif, 1448);
  g_byte_array_append (gif, (const guint8 *) "\x80\0\0\0\0\0\xff\xff\xff", 9);
  for (guint i = 0; i < n_frames; i++)
    g_byte_array_append (gif, frame, sizeof frame);
  g_byte_array_append (gif, (const guint8 *) ";", 1);
  return g_byte_array_free_to_bytes (gif);
}

static guint32
crc32 (const guint8 *data,
       gsize         length,
       guint32       crc)
{
  crc = ~crc;
  for (gsize i = 0; i < length; i++)
    {
      crc ^= data[i];
      for (int bit = 0; bit < 8; bit++)
        crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
  return ~crc;
}

static void
append_be32 (GByteArray *array,
             guint32     value)
{
  guint32 be = GUINT32_TO_BE (value);

  g_byte_array_append (array, (const guint8 *) &be, 4);
}

static void
append_png_chunk (GByteArray   *png,
                  const char   *type,
                  const guint8 *data,
                  gsize         length)
{
  guint32 crc = crc32 ((const guint8 *) type, 4, 0);

  append_be32 (png, length);
  g_byte_array_append (png, (const guint8 *) type, 4);
  g_byte_array_append (png, data, length);
  append_be32 (png, crc32 (data, length, crc));
}

/* A PNG that declares @width×@height RGBA pixels and holds a few rows of them. */
static GBytes *
make_huge_png (guint32 width,
               guint32 height)
{
  GByteArray *png = g_byte_array_new ();
  g_autoptr(GByteArray) ihdr = g_byte_array_new ();
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB,
                                                                 9);
  gsize raw_length = (gsize) (width * 4 + 1) * 4;
  g_autofree guint8 *raw = g_malloc0 (raw_length);
  g_autofree guint8 *compressed = g_malloc (raw_length);
  gsize read = 0, written = 0;
  g_autoptr(GError) error = NULL;

  g_byte_array_append (png, (const guint8 *) "\x89PNG\r\n\x1a\n", 8);
  append_be32 (ihdr, width);
  append_be32 (ihdr, height);
  g_byte_array_append (ihdr, (const guint8 *) "\x08\x06\x00\x00\x00", 5);
  append_png_chunk (png, "IHDR", ihdr->data, ihdr->len);
  g_converter_convert (G_CONVERTER (compressor), raw, raw_length, compressed, raw_length,
                       G_CONVERTER_INPUT_AT_END, &read, &written, &error);
  g_assert_no_error (error);
  append_png_chunk (png, "IDAT", compressed, written);
  append_png_chunk (png, "IEND", NULL, 0);
  return g_byte_array_free_to_bytes (png);
}

/* A lossless WebP's header declaring @side×@side, and nothing after it. */
static GBytes *
make_huge_webp (guint side)
{
  guint8 webp[64] = "RIFF\x38\0\0\0WEBPVP8L\x2c\0\0\0\x2f";
  guint32 bits = (side - 1) | ((side - 1) << 14) | (1u << 28);

  memcpy (webp + 21, &(guint32) { GUINT32_TO_LE (bits) }, 4);
  return g_bytes_new (webp, sizeof webp);
}

/* A JPEG's header declaring @side×@side: SOI, a baseline SOF, and SOS. */
static GBytes *
make_huge_jpeg (guint side)
{
  guint8 jpeg[] = {
    0xff, 0xd8,
    0xff, 0xc0, 0, 17, 8, side >> 8, side & 0xff, side >> 8, side & 0xff, 3,
    1, 0x22, 0, 2, 0x11, 0, 3, 0x11, 0,
    0xff, 0xda, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0,
    0, 0, 0, 0, 0, 0, 0, 0,
  };

  return g_bytes_new (jpeg, sizeof jpeg);
}

/* ---- formats no avatar is decoded from, each a valid picture ---- */

static GBytes *
make_svg (guint side)
{
  char *svg = g_strdup_printf ("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" "
                               "height=\"%u\"><rect width=\"%u\" height=\"%u\" "
                               "fill=\"red\"/></svg>", side, side, side, side);

  return g_bytes_new_take (svg, strlen (svg));
}

static GBytes *
make_tga (guint side)
{
  GByteArray *tga = g_byte_array_new ();
  guint8 header[18] = { 0, 0, 2 };
  guint8 pixel[4] = { 0xe0, 0x80, 0x20, 0xff };

  header[12] = side & 0xff;
  header[13] = side >> 8;
  header[14] = side & 0xff;
  header[15] = side >> 8;
  header[16] = 32;
  header[17] = 0x28;
  g_byte_array_append (tga, header, sizeof header);
  for (guint i = 0; i < MIN (side * side, 64 * 64u); i++)
    g_byte_array_append (tga, pixel, sizeof pixel);
  return g_byte_array_free_to_bytes (tga);
}

/* An icon of one 16×16 32-bit bitmap. */
static GBytes *
make_ico (void)
{
  GByteArray *ico = g_byte_array_new ();
  guint8 directory[22] = { 0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0 };
  guint8 info[40] = { 40, 0, 0, 0, 16, 0, 0, 0, 32, 0, 0, 0, 1, 0, 32, 0 };
  guint8 pixel[4] = { 0xe0, 0x80, 0x20, 0xff };
  guint8 mask_row[4] = { 0 };
  guint32 size = sizeof info + 16 * 16 * 4 + 16 * 4;

  memcpy (directory + 14, &(guint32) { GUINT32_TO_LE (size) }, 4);
  directory[18] = 22;
  g_byte_array_append (ico, directory, sizeof directory);
  g_byte_array_append (ico, info, sizeof info);
  for (guint i = 0; i < 16 * 16; i++)
    g_byte_array_append (ico, pixel, sizeof pixel);
  for (guint i = 0; i < 16; i++)
    g_byte_array_append (ico, mask_row, sizeof mask_row);
  return g_byte_array_free_to_bytes (ico);
}

static GBytes *
make_xpm (void)
{
  static const char xpm[] = "/* XPM */\nstatic char *x[] = {\n\"2 2 1 1\",\n\"a c #ff0000\",\n"
                            "\"aa\",\n\"aa\"};\n";

  return g_bytes_new_static (xpm, sizeof xpm - 1);
}

/* ---- measuring ---- */

/* A number from /proc/self/status, e.g. "VmHWM" (in KB) or "Threads". */
static gsize
status_field (const char *name)
{
  g_autofree char *status = NULL;
  g_autofree char *key = g_strconcat ("\n", name, ":", NULL);
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, key);
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen (key), NULL, 10);
}

static gsize
peak_kb (void)
{
  return status_field ("VmHWM");
}

/* Resets VmHWM to the present resident size (Linux ≥ 4.0), so that what an earlier test
 * took is not counted. */
static void
reset_peak (void)
{
  FILE *clear_refs = fopen ("/proc/self/clear_refs", "w");

  g_assert_nonnull (clear_refs);
  g_assert_cmpint (fputs ("5", clear_refs), >=, 0);
  g_assert_cmpint (fclose (clear_refs), ==, 0);
}

typedef struct {
  guint id;
  gint64 last;
  gint64 largest_gap;
} Ticker;

static gboolean
on_tick (gpointer user_data)
{
  Ticker *ticker = user_data;
  gint64 now = g_get_monotonic_time ();

  ticker->largest_gap = MAX (ticker->largest_gap, now - ticker->last);
  ticker->last = now;
  return G_SOURCE_CONTINUE;
}

static void
ticker_start (Ticker *ticker)
{
  ticker->last = g_get_monotonic_time ();
  ticker->largest_gap = 0;
  ticker->id = g_timeout_add (10, on_tick, ticker);
}

/* Returns: the largest gap between ticks, in ms, counting the one still open */
static double
ticker_stop (Ticker *ticker)
{
  on_tick (ticker);
  g_clear_handle_id (&ticker->id, g_source_remove);
  return ticker->largest_gap / 1000.0;
}

/* ---- the servers ---- */

typedef struct {
  GHashTable *bodies;    /* path → GBytes */
  GHashTable *redirects; /* path → Location */
  GHashTable *requests;  /* path → count */
  SoupServer *server;
  char *base;            /* e.g. "http://127.0.0.1:4242" */
} Server;

static void
on_request (G_GNUC_UNUSED SoupServer *soup,
            SoupServerMessage        *msg,
            const char               *path,
            G_GNUC_UNUSED GHashTable *query,
            gpointer                  user_data)
{
  Server *server = user_data;
  GBytes *body = g_hash_table_lookup (server->bodies, path);
  const char *location = g_hash_table_lookup (server->redirects, path);
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (server->requests, path));

  g_hash_table_replace (server->requests, g_strdup (path), GUINT_TO_POINTER (count + 1));
  if (location != NULL)
    soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, location);
  else if (body != NULL)
    {
      soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                        g_bytes_get_data (body, NULL), g_bytes_get_size (body));
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
    }
  else
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static void
server_start (Server          *server,
              GTlsCertificate *certificate)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;

  server->bodies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_bytes_unref);
  server->redirects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  server->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  server->server = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (server->server, NULL, on_request, server, NULL);
  soup_server_listen_local (server->server, 0,
                            SOUP_SERVER_LISTEN_IPV4_ONLY |
                            (certificate != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0), &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server->server);
  server->base = g_strdup_printf ("%s://127.0.0.1:%d", certificate != NULL ? "https" : "http",
                                  g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
}

static void
server_stop (Server *server)
{
  soup_server_disconnect (server->server);
  g_clear_object (&server->server);
  g_clear_pointer (&server->bodies, g_hash_table_unref);
  g_clear_pointer (&server->redirects, g_hash_table_unref);
  g_clear_pointer (&server->requests, g_hash_table_unref);
  g_clear_pointer (&server->base, g_free);
}

static void
serve (Server     *server,
       const char *path,
       GBytes     *body)
{
  g_hash_table_replace (server->bodies, g_strdup (path), body);
}

static guint
n_requests (Server     *server,
            const char *path)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (server->requests, path));
}

typedef struct {
  Server plain;
  Server tls;
  GSocketService *listener; /* counts connections, answers none */
  guint16 listener_port;
  guint n_connections;
  char *cache_dir;
  StrayAvatarCache *cache;
  Ticker ticker;
} Fixture;

static gboolean
on_incoming (G_GNUC_UNUSED GSocketService    *service,
             G_GNUC_UNUSED GSocketConnection *connection,
             G_GNUC_UNUSED GObject           *source,
             Fixture                         *fixture)
{
  fixture->n_connections++;
  return TRUE;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autofree char *pem = g_test_build_filename (G_TEST_DIST, "data", "tls", "test-server.pem",
                                                NULL);
  g_autofree char *key = g_test_build_filename (G_TEST_DIST, "data", "tls", "test-server.key",
                                                NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = g_tls_certificate_new_from_files (pem, key, &error);
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;

  g_assert_no_error (error);
  server_start (&fixture->plain, NULL);
  server_start (&fixture->tls, certificate);

  fixture->listener = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (fixture->listener), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &effective,
                                 &error);
  g_assert_no_error (error);
  fixture->listener_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (fixture->listener, "incoming", G_CALLBACK (on_incoming), fixture);

  fixture->cache_dir = g_dir_make_tmp ("stray-avatars-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->cache = stray_avatar_cache_new (fixture->cache_dir);
  database = g_tls_file_database_new (pem, &error);
  g_assert_no_error (error);
  stray_avatar_cache_set_tls_database (fixture->cache, database);
  /* By default, the local devserver's case: a plain http server on loopback. */
  stray_avatar_cache_set_server_url (fixture->cache, fixture->plain.base);
  (void) user_data;
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->cache_dir, 0, NULL);
  const char *name;

  stray_test_finalize (g_steal_pointer (&fixture->cache));
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fixture->cache_dir, name, NULL);

      g_remove (path);
    }
  g_rmdir (fixture->cache_dir);
  g_free (fixture->cache_dir);
  g_socket_service_stop (fixture->listener);
  g_socket_listener_close (G_SOCKET_LISTENER (fixture->listener));
  g_clear_object (&fixture->listener);
  server_stop (&fixture->plain);
  server_stop (&fixture->tls);
  (void) user_data;
}

typedef struct {
  gboolean done;
  GdkPixbuf *pixbuf;
  GError *error;
} Result;

static void
on_got (GObject      *source,
        GAsyncResult *async_result,
        gpointer      user_data)
{
  Result *result = user_data;

  result->pixbuf = stray_avatar_cache_get_finish (STRAY_AVATAR_CACHE (source), async_result,
                                                  &result->error);
  result->done = TRUE;
}

/* Asks the cache for @url and waits for its answer. */
static GdkPixbuf *
get (Fixture     *fixture,
     const char  *url,
     GError     **error)
{
  Result result = { FALSE, NULL, NULL };

  stray_avatar_cache_get_async (fixture->cache, url, NULL, on_got, &result);
  stray_test_wait_for (stray_test_flag_is_set, &result.done, url);
  g_assert_true ((result.pixbuf != NULL) != (result.error != NULL));
  if (result.error != NULL)
    g_propagate_error (error, result.error);
  return result.pixbuf;
}

static char *
url_of (const char *base,
        const char *path)
{
  return g_strconcat (base, path, NULL);
}

static void
assert_size (GdkPixbuf *pixbuf,
             int        width,
             int        height)
{
  g_assert_nonnull (pixbuf);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, width);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, height);
}

/* ---- the tests ---- */

/* PNG, JPEG, GIF and WebP decode, straight to the avatar's size. */
static void
test_decode_formats (void)
{
  struct { const char *name; GBytes *bytes; int width, height; } cases[] = {
    { "png", save_pixbuf (300, 200, "png"), 96, 64 },
    { "jpeg", save_pixbuf (300, 200, "jpeg"), 96, 64 },
    { "gif", make_gif (200, 150), 96, 72 },
    { "webp", make_webp (300, 200), 96, 64 },
    { "small png, not enlarged", save_pixbuf (40, 30, "png"), 40, 30 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GdkPixbuf) pixbuf = stray_avatar_decode (cases[i].bytes, STRAY_AVATAR_SIZE,
                                                         &error);

      g_test_message ("%s: %s", cases[i].name, error != NULL ? error->message : "decoded");
      g_assert_no_error (error);
      assert_size (pixbuf, cases[i].width, cases[i].height);
      g_bytes_unref (cases[i].bytes);
    }

  /* Only the first frame of an animation is decoded: 20,000 frames in 480 KB took 2 s. */
  {
    g_autoptr(GBytes) animation = make_animation (20000);
    g_autoptr(GError) error = NULL;
    g_autoptr(GdkPixbuf) pixbuf = NULL;
    gint64 start = g_get_monotonic_time ();
    double ms;

    g_assert_cmpuint (g_bytes_get_size (animation), <, STRAY_AVATAR_MAX_BYTES);
    pixbuf = stray_avatar_decode (animation, STRAY_AVATAR_SIZE, &error);
    ms = (g_get_monotonic_time () - start) / 1000.0;
    g_test_message ("a GIF of 20,000 frames: %.1f ms", ms);
    g_assert_no_error (error);
    assert_size (pixbuf, 96, 96);
    g_assert_cmpfloat (ms, <, 1000);
  }
}

/* Other formats are refused, whatever gdk-pixbuf could load; huge declared sizes too. */
static void
test_decode_refused (void)
{
  struct { const char *name; GBytes *bytes; } cases[] = {
    { "svg", make_svg (64) },
    { "tga", make_tga (64) },
    { "ico", make_ico () },
    { "xpm", make_xpm () },
    { "bmp", save_pixbuf (20, 20, "bmp") },
    { "png 16000×16000", make_huge_png (16000, 16000) },
    { "png 5000×10", make_huge_png (5000, 10) },
    { "jpeg 65500×65500", make_huge_jpeg (65500) },
    { "gif 65535×1", make_gif (65535, 1) },
    { "webp 16383×16383", make_huge_webp (16383) },
    { "nothing", g_bytes_new_static ("", 0) },
  };
  gsize before;

  reset_peak ();
  before = peak_kb ();
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GdkPixbuf) pixbuf = stray_avatar_decode (cases[i].bytes, STRAY_AVATAR_SIZE,
                                                         &error);

      g_test_message ("%s: %s", cases[i].name, error != NULL ? error->message : "decoded");
      g_assert_null (pixbuf);
      g_assert_nonnull (error);
      g_bytes_unref (cases[i].bytes);
    }
  g_test_message ("peak memory grew by %zu KB", peak_kb () - before);
  if (MEMORY_JUDGED)
    g_assert_cmpuint (peak_kb () - before, <, MAX_GROWTH_KB);
}

/* Served hostile pictures cost neither the main loop nor memory; good ones still come. */
static void
test_hostile_served (Fixture       *fixture,
                     gconstpointer  user_data)
{
  struct { const char *path; GBytes *bytes; } hostile[] = {
    { "/huge.svg", make_svg (16000) },
    { "/huge.png", make_huge_png (16000, 16000) },
    { "/huge.tga", make_tga (16000) },
    { "/icon.ico", make_ico () },
    { "/icon.xpm", make_xpm () },
    { "/small.svg", make_svg (64) },
  };
  g_autofree char *good = url_of (fixture->plain.base, "/good.png");
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  gsize before, growth;
  double stall;

  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    serve (&fixture->plain, hostile[i].path, hostile[i].bytes);
  serve (&fixture->plain, "/good.png", save_pixbuf (300, 300, "png"));

  reset_peak ();
  before = peak_kb ();
  ticker_start (&fixture->ticker);
  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autofree char *url = url_of (fixture->plain.base, hostile[i].path);
      g_autoptr(GdkPixbuf) refused = get (fixture, url, &error);

      g_test_message ("%s: %s", hostile[i].path, error != NULL ? error->message : "decoded");
      g_assert_null (refused);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
      g_clear_error (&error);
      g_assert_cmpuint (n_requests (&fixture->plain, hostile[i].path), ==, 1);
    }
  stall = ticker_stop (&fixture->ticker);
  growth = peak_kb () - before;
  g_test_message ("hostile pictures: largest main-loop stall %.1f ms, peak memory grew by %zu KB%s",
                  stall, growth, MEMORY_JUDGED ? "" : " (under ASan: printed, not judged)");
  g_assert_cmpfloat (stall, <, MAX_STALL_MS);
  if (MEMORY_JUDGED)
    g_assert_cmpuint (growth, <, MAX_GROWTH_KB);

  pixbuf = get (fixture, good, &error);
  g_assert_no_error (error);
  assert_size (pixbuf, 96, 96);
  (void) user_data;
}

/* The largest picture accepted: what it costs is the worst case of a valid avatar. */
static void
test_largest_accepted (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autofree char *url = url_of (fixture->plain.base, "/largest.png");
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  gsize before, growth;
  double stall;

  serve (&fixture->plain, "/largest.png", save_pixbuf (1448, 1448, "png"));
  reset_peak ();
  before = peak_kb ();
  ticker_start (&fixture->ticker);
  pixbuf = get (fixture, url, &error);
  stall = ticker_stop (&fixture->ticker);
  growth = peak_kb () - before;
  g_test_message ("a 1448×1448 PNG: largest main-loop stall %.1f ms, peak memory grew by %zu KB",
                  stall, growth);
  g_assert_no_error (error);
  assert_size (pixbuf, 96, 96);
  g_assert_cmpfloat (stall, <, MAX_STALL_MS);
  if (MEMORY_JUDGED)
    g_assert_cmpuint (growth, <, MAX_GROWTH_KB);
  (void) user_data;
}

/* A URL that failed is not fetched again within its backoff. */
static void
test_backoff (Fixture       *fixture,
              gconstpointer  user_data)
{
  static const char * const paths[] = { "/missing.png", "/broken.png", "/huge.png" };

  serve (&fixture->plain, "/broken.png", g_bytes_new_static ("\x89PNG\r\n\x1a\nnot", 11));
  serve (&fixture->plain, "/huge.png", make_huge_png (16000, 16000));
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *url = url_of (fixture->plain.base, paths[i]);

      for (guint attempt = 0; attempt < 3; attempt++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GdkPixbuf) pixbuf = get (fixture, url, &error);

          g_assert_null (pixbuf);
          g_assert_nonnull (error);
        }
      g_assert_cmpuint (n_requests (&fixture->plain, paths[i]), ==, 1);
    }
  g_assert_cmpuint (stray_avatar_cache_get_n_fetches (fixture->cache), ==, 3);
  (void) user_data;
}

/* With an https server, an http avatar is not fetched: not even a connection. The server on
 * loopback shows that the scheme alone decides, since its address would be allowed. */
static void
test_http_refused (Fixture       *fixture,
                   gconstpointer  user_data)
{
  static const char * const servers[] = { PUBLIC_SERVER, "https://localhost:8443" };
  g_autofree char *plain = url_of (fixture->plain.base, "/good.png");

  serve (&fixture->plain, "/good.png", save_pixbuf (20, 20, "png"));
  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    {
      g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/a%u.png",
                                              fixture->listener_port, i);
      g_autofree char *plain_url = g_strdup_printf ("%s?%u", plain, i);
      g_autoptr(GError) error = NULL;
      g_autoptr(GdkPixbuf) pixbuf = NULL;

      stray_avatar_cache_set_server_url (fixture->cache, servers[i]);
      pixbuf = get (fixture, url, &error);
      g_test_message ("server %s, %s: %s", servers[i], url, error->message);
      g_assert_null (pixbuf);
      g_clear_error (&error);
      pixbuf = get (fixture, plain_url, &error);
      g_assert_null (pixbuf);
      g_assert_nonnull (error);
    }
  /* Let a connection, had one been made, arrive. */
  stray_test_run_for_ms (100);
  g_assert_cmpuint (fixture->n_connections, ==, 0);
  g_assert_cmpuint (n_requests (&fixture->plain, "/good.png"), ==, 0);
  (void) user_data;
}

/* A redirect from https to http is not followed, even where both are allowed; one to https is. */
static void
test_redirect_to_http (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autofree char *to_http = url_of (fixture->plain.base, "/good.png");
  g_autofree char *to_https = g_strdup_printf ("https://localhost:%s/good.png",
                                               strrchr (fixture->tls.base, ':') + 1);
  g_autofree char *url = url_of (fixture->tls.base, "/to-http");
  g_autofree char *url_https = url_of (fixture->tls.base, "/to-https");
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;

  serve (&fixture->plain, "/good.png", save_pixbuf (20, 20, "png"));
  serve (&fixture->tls, "/good.png", save_pixbuf (20, 20, "png"));
  g_hash_table_replace (fixture->tls.redirects, g_strdup ("/to-http"), g_strdup (to_http));
  g_hash_table_replace (fixture->tls.redirects, g_strdup ("/to-https"), g_strdup (to_https));

  pixbuf = get (fixture, url, &error);
  g_test_message ("%s → %s: %s", url, to_http, error != NULL ? error->message : "followed");
  g_assert_null (pixbuf);
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_cmpuint (n_requests (&fixture->tls, "/to-http"), ==, 1);
  g_assert_cmpuint (n_requests (&fixture->plain, "/good.png"), ==, 0);

  pixbuf = get (fixture, url_https, &error);
  g_assert_no_error (error);
  assert_size (pixbuf, 20, 20);
  g_assert_cmpuint (n_requests (&fixture->tls, "/good.png"), ==, 1);
  (void) user_data;
}

/* With a public server, avatars on loopback are refused after DNS, before any connection;
 * with a server on loopback, they are fetched. */
static void
test_loopback (Fixture       *fixture,
               gconstpointer  user_data)
{
  static const char * const hosts[] = { "127.0.0.1", "localhost", "127.1.2.3" };
  const char *tls_port = strrchr (fixture->tls.base, ':') + 1;

  serve (&fixture->tls, "/good.png", save_pixbuf (20, 20, "png"));
  stray_avatar_cache_set_server_url (fixture->cache, PUBLIC_SERVER);
  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      g_autofree char *url = g_strdup_printf ("https://%s:%u/a.png", hosts[i],
                                              fixture->listener_port);
      g_autoptr(GError) error = NULL;
      g_autoptr(GdkPixbuf) pixbuf = get (fixture, url, &error);

      g_test_message ("%s: %s", url, error != NULL ? error->message : "fetched");
      g_assert_null (pixbuf);
      g_assert_nonnull (error);
    }
  stray_test_run_for_ms (100);
  g_assert_cmpuint (fixture->n_connections, ==, 0);

  stray_avatar_cache_set_server_url (fixture->cache, "http://localhost:8080");
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *url = g_strdup_printf ("https://%s:%s/good.png?%u", hosts[i], tls_port, i);
      g_autoptr(GError) error = NULL;
      g_autoptr(GdkPixbuf) pixbuf = get (fixture, url, &error);

      g_assert_no_error (error);
      assert_size (pixbuf, 20, 20);
    }
  g_assert_cmpuint (n_requests (&fixture->tls, "/good.png"), ==, 2);
  (void) user_data;
}

/* A proxy in the environment is not used for avatars: through it, the address checked would be
 * the proxy's, and the proxy would reach what the policy refuses. GIO picks its proxy resolver
 * once per process, so this runs in a subprocess of its own. */
static void
test_no_proxy (Fixture       *fixture,
               gconstpointer  user_data)
{
  if (g_test_subprocess ())
    {
      g_autofree char *url = url_of (fixture->plain.base, "/good.png");
      g_autoptr(GError) error = NULL;
      g_autoptr(GdkPixbuf) pixbuf = NULL;

      /* Nothing listens there: a request sent through it would fail. */
      g_setenv ("http_proxy", "http://127.0.0.1:9", TRUE);
      g_setenv ("https_proxy", "http://127.0.0.1:9", TRUE);
      serve (&fixture->plain, "/good.png", save_pixbuf (20, 20, "png"));
      pixbuf = get (fixture, url, &error);
      g_assert_no_error (error);
      assert_size (pixbuf, 20, 20);
      g_assert_cmpuint (n_requests (&fixture->plain, "/good.png"), ==, 1);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  (void) user_data;
}

/* What each address reaches, as the policy sees it after DNS. */
static void
test_policy_classify (void)
{
  static const struct { const char *address; StrayAddressKind kind; } cases[] = {
    { "8.8.8.8", STRAY_ADDRESS_PUBLIC },
    { "2001:4860:4860::8888", STRAY_ADDRESS_PUBLIC },
    { "127.0.0.1", STRAY_ADDRESS_LOOPBACK },
    { "127.200.0.9", STRAY_ADDRESS_LOOPBACK },
    { "0.0.0.0", STRAY_ADDRESS_LOOPBACK },
    { "::1", STRAY_ADDRESS_LOOPBACK },
    { "::", STRAY_ADDRESS_LOOPBACK },
    { "::ffff:127.0.0.1", STRAY_ADDRESS_LOOPBACK },
    { "64:ff9b::7f00:1", STRAY_ADDRESS_LOOPBACK },
    { "10.1.2.3", STRAY_ADDRESS_PRIVATE },
    { "172.16.0.1", STRAY_ADDRESS_PRIVATE },
    { "172.31.255.255", STRAY_ADDRESS_PRIVATE },
    { "172.32.0.1", STRAY_ADDRESS_PUBLIC },
    { "192.168.1.1", STRAY_ADDRESS_PRIVATE },
    { "100.64.0.1", STRAY_ADDRESS_PRIVATE },
    { "100.127.255.255", STRAY_ADDRESS_PRIVATE },
    { "100.128.0.1", STRAY_ADDRESS_PUBLIC },
    { "::ffff:10.0.0.1", STRAY_ADDRESS_PRIVATE },
    { "fc00::1", STRAY_ADDRESS_PRIVATE },
    { "fd12:3456::1", STRAY_ADDRESS_PRIVATE },
    { "169.254.169.254", STRAY_ADDRESS_LINK_LOCAL },
    { "fe80::1", STRAY_ADDRESS_LINK_LOCAL },
    { "224.0.0.1", STRAY_ADDRESS_NEVER },
    { "255.255.255.255", STRAY_ADDRESS_NEVER },
    { "ff02::1", STRAY_ADDRESS_NEVER },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (cases[i].address);

      g_assert_nonnull (address);
      g_test_message ("%s", cases[i].address);
      g_assert_cmpint (stray_avatar_policy_classify (address), ==, cases[i].kind);
    }
}

/* Waits until GLib's idle worker threads have ended (they do at once, with no idle thread kept:
 * see main), so that LeakSanitizer does not look at a thread that used GnuTLS: with glibc 2.36,
 * Debian 12's LeakSanitizer crashes reading the dynamic TLS of glib-networking's module there
 * ("Tracer caught signal 11"). Only GLib's own thread is left. */
static void
let_idle_threads_end (void)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (status_field ("Threads") > 2 && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  /* Idle worker threads end instead of waiting for work (see let_idle_threads_end). */
  g_thread_pool_set_max_unused_threads (0);

  g_test_add_func ("/stray/avatars/decode/formats", test_decode_formats);
  g_test_add_func ("/stray/avatars/decode/refused", test_decode_refused);
  g_test_add_func ("/stray/avatars/policy/classify", test_policy_classify);

#define ADD(path, func) \
  g_test_add ("/stray/avatars/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("hostile-served", test_hostile_served);
  ADD ("largest-accepted", test_largest_accepted);
  ADD ("backoff", test_backoff);
  ADD ("http-refused", test_http_refused);
  ADD ("redirect-to-http", test_redirect_to_http);
  ADD ("loopback", test_loopback);
  ADD ("no-proxy", test_no_proxy);

#undef ADD

  status = g_test_run ();
  let_idle_threads_end ();
  return status;
}
