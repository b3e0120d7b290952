/* fuzz-replay.c: a fuzz target run on files, without libFuzzer
 *
 * The normal builds (gcc, with or without sanitizers) link each target with this main(), which
 * runs LLVMFuzzerTestOneInput() once on every file in the directories given (the seed corpus
 * and the regressions, in name order), so that a past finding stays a test without clang. A
 * finding crashes or aborts it, as it does the fuzzer. The output is TAP, one line per file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>

#include "fuzz-common.h"

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The files of @dir, by name; none when it does not exist (a target without regressions). */
static GPtrArray *
list_files (const char *dir)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (files, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (files, compare_names);
  return files;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);

  LLVMFuzzerInitialize (&argc, &argv);
  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GPtrArray) found = list_files (argv[i]);

      g_ptr_array_extend_and_steal (files, g_steal_pointer (&found));
    }
  if (files->len == 0)
    {
      printf ("1..0 # SKIP no inputs\n");
      return 0;
    }

  printf ("1..%u\n", files->len);
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      g_autofree char *contents = NULL;
      g_autofree char *input = NULL;
      g_autoptr(GError) error = NULL;
      gsize length;

      if (!g_file_get_contents (path, &contents, &length, &error))
        {
          printf ("not ok %u - %s: %s\n", i + 1, path, error->message);
          return 1;
        }
      /* Said before the run, so that a crash's log names the input. */
      printf ("# %s\n", path);
      fflush (stdout);
      /* A copy without g_file_get_contents()' closing NUL, so that reading past the input is
       * caught as it is under libFuzzer. */
      input = g_memdup2 (contents, length);
      LLVMFuzzerTestOneInput ((const uint8_t *) input, length);
      printf ("ok %u - %s\n", i + 1, path);
    }
  return 0;
}
