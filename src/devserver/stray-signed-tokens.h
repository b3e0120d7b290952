/* stray-signed-tokens.h: tokens signed here with the app secret (demo and tests)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "stray-token-provider.h"

G_BEGIN_DECLS

#define STRAY_TYPE_SIGNED_TOKENS (stray_signed_tokens_get_type ())

G_DECLARE_FINAL_TYPE (StraySignedTokens, stray_signed_tokens, STRAY, SIGNED_TOKENS, GObject)

StraySignedTokens *stray_signed_tokens_new          (const char        *secret,
                                                     const char        *user_id,
                                                     gint64             lifetime);
guint              stray_signed_tokens_get_n_issued (StraySignedTokens *self);

G_END_DECLS
