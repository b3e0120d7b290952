/* stray-fixed-token.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "stray-token-provider.h"

G_BEGIN_DECLS

#define STRAY_TYPE_FIXED_TOKEN (stray_fixed_token_get_type ())

G_DECLARE_FINAL_TYPE (StrayFixedToken, stray_fixed_token, STRAY, FIXED_TOKEN, GObject)

StrayFixedToken *stray_fixed_token_new            (const char *token);
char            *stray_fixed_token_make_dev_token (const char *user_id);

G_END_DECLS
