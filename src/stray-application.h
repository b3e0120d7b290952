/* stray-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define STRAY_TYPE_APPLICATION (stray_application_get_type ())

G_DECLARE_FINAL_TYPE (StrayApplication, stray_application, STRAY, APPLICATION, GApplication)

StrayApplication *stray_application_new (void);

G_END_DECLS
