/* stray-ui-loader.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "stray-application.h"

G_BEGIN_DECLS

StrayUiShowFunc stray_ui_loader_load (GError **error);

G_END_DECLS
