/* fuzz-frame.c: WebSocket frames, decoded and applied to a session
 *
 * The input is one or more frames, one per line (a frame as the wire carries it, compact JSON,
 * has no raw newline), applied in order to a signed-in session with three channels
 * (fuzz-session.c), as StrayConnection applies what the socket delivers; the model is then read
 * back whole.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "fuzz-session.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  StraySession *session = stray_fuzz_session_new ();
  const char *frame = (const char *) data, *end = frame + size;

  while (frame < end)
    {
      const char *newline = memchr (frame, '\n', end - frame);
      gsize length = (newline != NULL ? newline : end) - frame;
      g_autoptr(GError) error = NULL;
      /* A copy the size of the frame alone, so that reading past it is caught. */
      g_autofree char *copy = g_memdup2 (frame, length);
      g_autoptr(StrayEvent) event = stray_event_decode (copy, length, &error);

      g_assert ((event == NULL) != (error == NULL));
      if (event != NULL)
        stray_session_apply (session, event);
      frame += length + 1;
    }
  stray_fuzz_session_read (session);
  stray_fuzz_session_free (session);
  return 0;
}
