/* stray-jwt.h: Stream's user and server tokens (JWT, HS256)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define STRAY_JWT_ERROR (stray_jwt_error_quark ())

/* The values are Stream's error codes, so that they can be sent as they are. */
typedef enum {
  STRAY_JWT_ERROR_EXPIRED = 40,
  STRAY_JWT_ERROR_NOT_VALID_YET = 41,
  STRAY_JWT_ERROR_USED_BEFORE_ISSUED = 42,
  STRAY_JWT_ERROR_INVALID_SIGNATURE = 43,
} StrayJwtError;

GQuark      stray_jwt_error_quark   (void);
char       *stray_jwt_sign          (const char  *secret,
                                     JsonObject  *payload);
char       *stray_jwt_sign_user     (const char  *secret,
                                     const char  *user_id,
                                     gint64       expires_at);
JsonObject *stray_jwt_verify        (const char  *token,
                                     const char  *secret,
                                     gboolean     allow_dev_tokens,
                                     gint64       now,
                                     GError     **error);

G_END_DECLS
