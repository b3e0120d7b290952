/* stray-environment.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean  stray_environment_set_rendering          (void);
void      stray_environment_restore_for_launch     (GAppLaunchContext *context);
char     *stray_environment_get_build_dir          (void);
gboolean  stray_environment_is_sandboxed           (void);

G_END_DECLS
