/* fuzz-session.h: a session to apply fuzzed frames and answers to
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "stray-session.h"

G_BEGIN_DECLS

StraySession *stray_fuzz_session_new  (void);
void          stray_fuzz_session_read (StraySession *session);
void          stray_fuzz_session_free (StraySession *session);

G_END_DECLS
