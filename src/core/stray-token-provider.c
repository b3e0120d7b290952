/* stray-token-provider.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "stray-token-provider.h"

G_DEFINE_INTERFACE (StrayTokenProvider, stray_token_provider, G_TYPE_OBJECT)

static void
stray_token_provider_default_init (G_GNUC_UNUSED StrayTokenProviderInterface *iface)
{
}

void
stray_token_provider_get_token_async (StrayTokenProvider  *self,
                                      gboolean             refresh,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (STRAY_IS_TOKEN_PROVIDER (self));

  STRAY_TOKEN_PROVIDER_GET_IFACE (self)->get_token_async (self, refresh, cancellable, callback,
                                                          user_data);
}

/**
 * stray_token_provider_get_token_finish:
 *
 * Returns: (transfer full) (nullable): the token; the caller wipes it when done
 */
char *
stray_token_provider_get_token_finish (StrayTokenProvider  *self,
                                       GAsyncResult        *result,
                                       GError             **error)
{
  g_return_val_if_fail (STRAY_IS_TOKEN_PROVIDER (self), NULL);

  return STRAY_TOKEN_PROVIDER_GET_IFACE (self)->get_token_finish (self, result, error);
}
