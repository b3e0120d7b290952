/* bench-decode.c: decode + apply against json-glib's bare parse of the same frames
 *
 * The goal (issue 2): decoding a frame and applying it to the model costs at most 1.3× what
 * json-glib alone spends parsing it. Both run over the same frames in the same process,
 * alternating, and the best round of each is compared, so that the ratio holds on any machine.
 *
 * Run: meson test -C _build --benchmark --verbose
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "stray-session.h"

#define N_FRAMES 20000
#define N_ROUNDS 7
#define N_CHANNELS 30

typedef struct {
  const char *fixture;
  guint weight; /* out of 100 */
} MixEntry;

/* A busy hour as the socket delivers it: mostly new messages, some of everything else. */
static const MixEntry mix[] = {
  { "message.new", 80 },
  { "typing.start", 5 },
  { "reaction.new", 5 },
  { "message.read", 4 },
  { "message.updated", 3 },
  { "user.watching.start", 2 },
  { "health.check", 1 },
};

static JsonObject *
load_fixture (const char *name)
{
  g_autofree char *file_name = g_strconcat (name, ".json", NULL);
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "events", file_name, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  if (!json_parser_load_from_file (parser, path, &error))
    g_error ("%s: %s", path, error->message);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
set_if_present (JsonObject *object,
                const char *member,
                const char *value)
{
  if (object != NULL && json_object_has_member (object, member))
    json_object_set_string_member (object, member, value);
}

/* Each frame is its fixture moved to one of N_CHANNELS channels, with its own ids and time. */
static GPtrArray *
make_frames (void)
{
  GPtrArray *frames = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261128);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  JsonObject *fixtures[G_N_ELEMENTS (mix)];

  for (guint i = 0; i < G_N_ELEMENTS (mix); i++)
    fixtures[i] = load_fixture (mix[i].fixture);

  for (guint n = 0; n < N_FRAMES; n++)
    {
      guint pick = g_rand_int_range (rand, 0, 100), kind = 0;
      g_autoptr(JsonNode) node = NULL;
      JsonObject *object;
      JsonObject *message;
      g_autofree char *cid = NULL;
      g_autofree char *channel_id = g_strdup_printf ("channel-%02d",
                                                     g_rand_int_range (rand, 0, N_CHANNELS));
      g_autofree char *message_id = g_strdup_printf ("%08x-bench-%06u", g_rand_int (rand), n);
      g_autofree char *created_at = g_strdup_printf ("2026-11-28T%02u:%02u:%02u.%06uZ",
                                                     8 + n / 3600 % 12, n / 60 % 60, n % 60,
                                                     g_rand_int_range (rand, 0, 1000000));

      while (pick >= mix[kind].weight)
        pick -= mix[kind++].weight;

      /* Fixtures are edited in place: every field set here is set again for each frame. */
      node = json_node_init_object (json_node_alloc (), fixtures[kind]);
      object = fixtures[kind];
      cid = g_strconcat ("messaging:", channel_id, NULL);
      set_if_present (object, "cid", cid);
      set_if_present (object, "channel_id", channel_id);
      set_if_present (object, "created_at", created_at);
      message = json_object_has_member (object, "message")
                ? json_object_get_object_member (object, "message") : NULL;
      set_if_present (message, "id", message_id);
      set_if_present (message, "cid", cid);
      set_if_present (message, "created_at", created_at);

      json_generator_set_root (generator, node);
      g_ptr_array_add (frames, json_generator_to_data (generator, NULL));
    }

  for (guint i = 0; i < G_N_ELEMENTS (mix); i++)
    json_object_unref (fixtures[i]);
  return frames;
}

static double
round_parse_only (GPtrArray *frames)
{
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < frames->len; i++)
    {
      const char *frame = g_ptr_array_index (frames, i);
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();

      if (!json_parser_load_from_data (parser, frame, strlen (frame), NULL))
        g_error ("frame %u does not parse", i);
    }
  return (g_get_monotonic_time () - start) / 1e6;
}

static double
round_decode_apply (GPtrArray    *frames,
                    StraySession *session)
{
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < frames->len; i++)
    {
      const char *frame = g_ptr_array_index (frames, i);
      g_autoptr(GError) error = NULL;
      g_autoptr(StrayEvent) event = stray_event_decode (frame, strlen (frame), &error);

      if (event == NULL)
        g_error ("frame %u: %s", i, error->message);
      stray_session_apply (session, event);
    }
  return (g_get_monotonic_time () - start) / 1e6;
}

static long
resident_kib (void)
{
  g_autofree char *statm = NULL;
  long pages_total = 0, pages_resident = 0;

  if (!g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL) ||
      sscanf (statm, "%ld %ld", &pages_total, &pages_resident) != 2)
    return -1;
  return pages_resident * 4;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) frames = NULL;
  g_autoptr(StraySession) session = stray_session_new ();
  double best_parse = G_MAXDOUBLE, best_decode = G_MAXDOUBLE;
  gsize total_bytes = 0, message_new_bytes = 0, message_new_count = 0;
  long rss_after_first = 0, rss_after_last = 0;

  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  frames = make_frames ();
  for (guint i = 0; i < frames->len; i++)
    {
      const char *frame = g_ptr_array_index (frames, i);
      gsize length = strlen (frame);

      total_bytes += length;
      if (strstr (frame, "\"type\":\"message.new\"") != NULL)
        {
          message_new_bytes += length;
          message_new_count++;
        }
    }

  /* Alternate so that both see the same machine state; keep each one's best round. */
  for (guint round = 0; round < N_ROUNDS; round++)
    {
      best_parse = MIN (best_parse, round_parse_only (frames));
      best_decode = MIN (best_decode, round_decode_apply (frames, session));
      if (round == 0)
        rss_after_first = resident_kib ();
    }
  rss_after_last = resident_kib ();

  g_print ("frames: %u (%.0f%% message.new, average %.0f bytes; all frames average %.0f bytes), "
           "%u channels, best of %u rounds each\n",
           frames->len, 100.0 * message_new_count / frames->len,
           (double) message_new_bytes / message_new_count, (double) total_bytes / frames->len,
           g_list_model_get_n_items (G_LIST_MODEL (stray_session_get_channels (session))),
           N_ROUNDS);
  g_print ("json-glib parse only: %8.0f events/s  %6.2f µs/event\n",
           frames->len / best_parse, best_parse * 1e6 / frames->len);
  g_print ("decode + apply:       %8.0f events/s  %6.2f µs/event\n",
           frames->len / best_decode, best_decode * 1e6 / frames->len);
  g_print ("ratio decode+apply / parse: %.3f (goal ≤ 1.3)\n", best_decode / best_parse);
  g_print ("resident memory after %u events: %ld KiB; after %u events: %ld KiB\n",
           frames->len, rss_after_first, frames->len * N_ROUNDS, rss_after_last);

  return 0;
}
