/* fuzz-common.c: the setting every fuzz target runs under
 *
 * A warning or a critical on hostile input is a finding: the tests run with
 * G_DEBUG=fatal-warnings, and so does a devserver started by them. GLib stops a fatal message
 * with SIGTRAP, which libFuzzer does not catch; aborted here after the message is written, it
 * is a crash, and libFuzzer keeps the input that did it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>

#include "fuzz-common.h"

static GLogWriterOutput
write_then_abort (GLogLevelFlags   log_level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         user_data)
{
  GLogWriterOutput written = g_log_writer_default (log_level, fields, n_fields, user_data);

  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    abort ();
  return written;
}

/* Called once before the first input, by libFuzzer and by fuzz-replay.c alike. */
int
LLVMFuzzerInitialize (G_GNUC_UNUSED int    *argc,
                      G_GNUC_UNUSED char ***argv)
{
  g_log_set_writer_func (write_then_abort, NULL, NULL);
  return 0;
}
