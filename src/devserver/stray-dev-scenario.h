/* stray-dev-scenario.h: what the devserver starts with
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "stray-devserver.h"

G_BEGIN_DECLS

/* The user the demo and load scenarios are seen by. */
#define STRAY_DEV_SCENARIO_USER "alice"
/* The demo's thread in General: its parent message's id. */
#define STRAY_DEV_SCENARIO_THREAD "demo-release-checklist"

gboolean stray_dev_scenario_apply      (StrayDevserver *server,
                                        const char     *name,
                                        GError        **error);
void     stray_dev_scenario_set_avatars (StrayDevserver *server);

G_END_DECLS
