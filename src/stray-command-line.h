/* stray-command-line.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Each returns the exit status of the process. */
int stray_command_line_replay         (const char   *path);
int stray_command_line_status         (gboolean      follow);
int stray_command_line_set_account    (GVariantDict *options);
int stray_command_line_forget_account (void);

G_END_DECLS
