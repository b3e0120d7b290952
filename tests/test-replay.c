/* test-replay.c: `stream-tray --replay`, run as users and bug reports run it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

typedef struct {
  int exit_status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static void
run_stream_tray (Run         *run,
                 const char  *first_arg,
                 ...)
{
  const char *program = g_getenv ("STRAY_TEST_STREAM_TRAY");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  va_list args;

  g_assert_nonnull (program);
  g_ptr_array_add (argv, (gpointer) program);
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  run->exit_status = g_subprocess_get_exit_status (process);
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_parser_steal_root (parser);
}

static void
assert_json_equal (const char *actual,
                   const char *expected)
{
  g_autoptr(JsonNode) actual_node = parse_json (actual);
  g_autoptr(JsonNode) expected_node = parse_json (expected);

  if (!json_node_equal (actual_node, expected_node))
    g_error ("replay printed\n%s\nbut the expected state is\n%s", actual, expected);
}

/* The state is one line of JSON on stdout; each rejected frame one stderr line naming it. */
static void
check_recording (const char *name,
                 const guint *rejected_lines,
                 guint        n_rejected)
{
  g_autofree char *recording = g_strconcat (name, ".jsonl", NULL);
  g_autofree char *expected_name = g_strconcat (name, ".expected.json", NULL);
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "replay", recording, NULL);
  g_autofree char *expected_path = g_test_build_filename (G_TEST_DIST, "data", "replay",
                                                          expected_name, NULL);
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) err_lines = NULL;
  g_auto(Run) run = { 0 };

  g_file_get_contents (expected_path, &expected, NULL, &error);
  g_assert_no_error (error);

  run_stream_tray (&run, "--replay", path, NULL);
  g_assert_cmpint (run.exit_status, ==, 0);
  /* Exactly one line. */
  g_assert_true (g_str_has_suffix (run.out, "}\n"));
  g_assert_true (strchr (run.out, '\n') == run.out + strlen (run.out) - 1);
  assert_json_equal (run.out, expected);

  err_lines = g_strsplit (run.err, "\n", -1);
  g_assert_cmpuint (g_strv_length (err_lines), ==, n_rejected + 1);
  g_assert_cmpstr (err_lines[n_rejected], ==, "");
  for (guint i = 0; i < n_rejected; i++)
    {
      g_autofree char *prefix = g_strdup_printf ("%s:%u: frame rejected: ", path,
                                                 rejected_lines[i]);

      if (!g_str_has_prefix (err_lines[i], prefix))
        g_error ("stderr line “%s” does not start with “%s”", err_lines[i], prefix);
    }
}

static void
test_scenario (void)
{
  static const guint rejected[] = { 5, 8, 13, 19 };

  check_recording ("scenario", rejected, G_N_ELEMENTS (rejected));
}

static void
test_all_event_types (void)
{
  static const guint rejected[] = { 9, 17, 25, 33, 41, 49, 57, 65, 73 };

  check_recording ("all-events", rejected, G_N_ELEMENTS (rejected));
}

static char *
write_temporary (const char *contents,
                 gssize      length)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("stray-replay-XXXXXX.jsonl", &path, &error);

  g_assert_no_error (error);
  g_close (fd, NULL);
  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
  return path;
}

/* A bad frame changes nothing: the state with bad frames is the state without them. */
static void
test_bad_frames_change_nothing (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "replay",
                                                 "all-events.jsonl", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *filtered_path = NULL;
  g_autoptr(GString) filtered = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(JsonNode) with_bad = NULL;
  g_autoptr(JsonNode) without_bad = NULL;
  g_auto(Run) full = { 0 };
  g_auto(Run) clean = { 0 };
  guint line_number = 0;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      line_number++;
      /* The rejected lines are every eighth, from line 9. */
      if (line_number >= 9 && (line_number - 9) % 8 == 0 && line_number <= 73)
        continue;
      g_string_append_printf (filtered, "%s\n", lines[i]);
    }
  filtered_path = write_temporary (filtered->str, filtered->len);

  run_stream_tray (&full, "--replay", path, NULL);
  run_stream_tray (&clean, "--replay", filtered_path, NULL);
  g_assert_cmpstr (clean.err, ==, "");

  with_bad = parse_json (full.out);
  without_bad = parse_json (clean.out);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (with_bad), "rejected_frames"),
                   ==, 9);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (without_bad),
                                               "rejected_frames"), ==, 0);
  json_object_remove_member (json_node_get_object (with_bad), "rejected_frames");
  json_object_remove_member (json_node_get_object (without_bad), "rejected_frames");
  g_assert_true (json_node_equal (with_bad, without_bad));

  g_unlink (filtered_path);
}

/* A frame of 16 MiB on one line, CRLF line ends and a last line without newline. */
static void
test_huge_line_and_line_ends (void)
{
  g_autoptr(GString) recording = g_string_new (NULL);
  g_autofree char *path = NULL;
  g_autofree char *huge_message = NULL;
  g_auto(Run) run = { 0 };
  gsize huge_start;

  g_string_append (recording, "{\"type\":\"health.check\",\"me\":{\"id\":\"luke\","
                              "\"total_unread_count\":1,\"unread_channels\":1}}\r\n");
  huge_start = recording->len;
  g_string_append (recording, "{\"type\":\"message.new\",\"message\":{\"text\":\"");
  for (guint i = 0; i < 16 * 1024 * 1024; i++)
    g_string_append_c (recording, 'z');
  g_string_append (recording, "\"}}");
  huge_message = g_strdup_printf (":2: frame rejected: frame is %" G_GSIZE_FORMAT " bytes",
                                  recording->len - huge_start);
  g_string_append (recording, "\r\n");
  g_string_append (recording, "{\"type\":\"message.new\",\"cid\":\"messaging:a\","
                              "\"message\":{\"id\":\"m\",\"text\":\"last\","
                              "\"user\":{\"id\":\"han\"}}}");
  path = write_temporary (recording->str, recording->len);

  run_stream_tray (&run, "--replay", path, NULL);
  g_assert_cmpint (run.exit_status, ==, 0);
  g_assert_nonnull (strstr (run.err, huge_message));
  assert_json_equal (run.out,
                     "{\"total_unread_count\":1,\"unread_channels\":1,\"rejected_frames\":1,"
                     "\"channels\":[{\"cid\":\"messaging:a\",\"name\":null,\"unread_count\":1,"
                     "\"muted\":false,\"hidden\":false,\"last_message\":{\"id\":\"m\","
                     "\"text\":\"last\",\"user_id\":\"han\",\"created_at\":null}}]}");
  g_unlink (path);
}

static void
test_empty_recording (void)
{
  g_autofree char *path = write_temporary ("", 0);
  g_auto(Run) run = { 0 };

  run_stream_tray (&run, "--replay", path, NULL);
  g_assert_cmpint (run.exit_status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  assert_json_equal (run.out, "{\"total_unread_count\":0,\"unread_channels\":0,"
                              "\"rejected_frames\":0,\"channels\":[]}");
  g_unlink (path);
}

static void
test_unreadable_file (void)
{
  g_autofree char *directory = g_dir_make_tmp ("stray-replay-XXXXXX", NULL);
  g_autofree char *missing = g_build_filename (directory, "missing.jsonl", NULL);
  g_auto(Run) absent = { 0 };
  g_auto(Run) is_directory = { 0 };

  run_stream_tray (&absent, "--replay", missing, NULL);
  g_assert_cmpint (absent.exit_status, ==, 1);
  g_assert_cmpstr (absent.out, ==, "");
  g_assert_true (g_str_has_prefix (absent.err, "stream-tray: cannot read "));
  g_assert_true (strstr (absent.err, "missing.jsonl") != NULL);

  run_stream_tray (&is_directory, "--replay", directory, NULL);
  g_assert_cmpint (is_directory.exit_status, ==, 1);
  g_assert_cmpstr (is_directory.out, ==, "");
  g_assert_true (g_str_has_prefix (is_directory.err, "stream-tray: cannot read "));

  g_rmdir (directory);
}

static void
test_version (void)
{
  g_auto(Run) run = { 0 };

  run_stream_tray (&run, "--version", NULL);
  g_assert_cmpint (run.exit_status, ==, 0);
  g_assert_cmpstr (run.out, ==, "stream-tray " PACKAGE_VERSION "\n");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stray/replay/scenario", test_scenario);
  g_test_add_func ("/stray/replay/all-event-types", test_all_event_types);
  g_test_add_func ("/stray/replay/bad-frames-change-nothing", test_bad_frames_change_nothing);
  g_test_add_func ("/stray/replay/huge-line-and-line-ends", test_huge_line_and_line_ends);
  g_test_add_func ("/stray/replay/empty", test_empty_recording);
  g_test_add_func ("/stray/replay/unreadable", test_unreadable_file);
  g_test_add_func ("/stray/replay/version", test_version);

  return g_test_run ();
}
