/* stray-replay.h: running a recording of frames through decoder and model
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "stray-session.h"

G_BEGIN_DECLS

typedef void (*StrayReplayRejectFunc) (guint         line_number,
                                       const GError *error,
                                       gpointer      user_data);

gboolean  stray_replay_stream           (StraySession          *session,
                                         GInputStream          *input,
                                         StrayReplayRejectFunc  reject_func,
                                         gpointer               user_data,
                                         guint                 *n_rejected,
                                         GCancellable          *cancellable,
                                         GError               **error);
char     *stray_replay_describe_session (StraySession          *session,
                                         guint                  n_rejected);

G_END_DECLS
