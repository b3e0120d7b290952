/* stray-token-provider.h: where the user's token comes from
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define STRAY_TYPE_TOKEN_PROVIDER (stray_token_provider_get_type ())

G_DECLARE_INTERFACE (StrayTokenProvider, stray_token_provider, STRAY, TOKEN_PROVIDER, GObject)

struct _StrayTokenProviderInterface
{
  GTypeInterface parent_iface;

  /* @refresh: the token the provider had was refused as expired; get a fresh one. */
  void   (*get_token_async)  (StrayTokenProvider   *self,
                              gboolean              refresh,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data);
  char * (*get_token_finish) (StrayTokenProvider   *self,
                              GAsyncResult         *result,
                              GError              **error);
};

void  stray_token_provider_get_token_async  (StrayTokenProvider   *self,
                                             gboolean              refresh,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
char *stray_token_provider_get_token_finish (StrayTokenProvider   *self,
                                             GAsyncResult         *result,
                                             GError              **error);

G_END_DECLS
