/* stray-account.h: the Stream app and user to connect as, and the user's token
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <libsecret/secret.h>

#include "stray-token-provider.h"

G_BEGIN_DECLS

#define STRAY_TYPE_ACCOUNT (stray_account_get_type ())

G_DECLARE_FINAL_TYPE (StrayAccount, stray_account, STRAY, ACCOUNT, GObject)

#define STRAY_ACCOUNT_ERROR (stray_account_error_quark ())

typedef enum {
  STRAY_ACCOUNT_ERROR_NOT_CONFIGURED,
  STRAY_ACCOUNT_ERROR_NO_TOKEN,
  STRAY_ACCOUNT_ERROR_BAD_TOKEN,
  STRAY_ACCOUNT_ERROR_TOKEN_COMMAND,
} StrayAccountError;

GQuark        stray_account_error_quark       (void);
StrayAccount *stray_account_new               (GSettings     *settings);
const SecretSchema *stray_account_get_token_schema (void);
gboolean      stray_account_is_configured     (StrayAccount  *self);
const char   *stray_account_get_server_url    (StrayAccount  *self);
const char   *stray_account_get_api_key       (StrayAccount  *self);
const char   *stray_account_get_user_id       (StrayAccount  *self);

gboolean      stray_account_check_token       (const char    *token,
                                               GError       **error);
gboolean      stray_account_set_up            (StrayAccount  *self,
                                               const char    *server_url,
                                               const char    *api_key,
                                               const char    *user_id,
                                               const char    *token,
                                               GCancellable  *cancellable,
                                               GError       **error);
gboolean      stray_account_set_up_with_command (StrayAccount       *self,
                                                 const char         *server_url,
                                                 const char         *api_key,
                                                 const char         *user_id,
                                                 const char * const *token_command,
                                                 GError            **error);
gboolean      stray_account_forget            (StrayAccount  *self,
                                               GCancellable  *cancellable,
                                               GError       **error);

G_END_DECLS
