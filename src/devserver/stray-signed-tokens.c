/* stray-signed-tokens.c
 *
 * Only where the secret is at hand: the tests and benchmarks, for the devserver they start. A
 * real account gets its token from the keyring or its token command (StrayAccount); the demo
 * uses a development token.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "stray-jwt.h"
#include "stray-signed-tokens.h"

struct _StraySignedTokens
{
  GObject parent_instance;

  char *secret;
  char *user_id;
  gint64 lifetime; /* seconds; 0: tokens never expire; negative: already expired */
  guint n_issued;
};

static void stray_signed_tokens_provider_init (StrayTokenProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (StraySignedTokens, stray_signed_tokens, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (STRAY_TYPE_TOKEN_PROVIDER,
                                                      stray_signed_tokens_provider_init))

static void
stray_signed_tokens_get_token_async (StrayTokenProvider  *provider,
                                     G_GNUC_UNUSED gboolean refresh,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  StraySignedTokens *self = STRAY_SIGNED_TOKENS (provider);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  gint64 expires = self->lifetime != 0 ? g_get_real_time () / G_USEC_PER_SEC + self->lifetime
                                       : 0;

  g_task_set_source_tag (task, stray_signed_tokens_get_token_async);
  self->n_issued++;
  g_task_return_pointer (task, stray_jwt_sign_user (self->secret, self->user_id, expires),
                         g_free);
}

static char *
stray_signed_tokens_get_token_finish (StrayTokenProvider  *provider,
                                      GAsyncResult        *result,
                                      GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, provider), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
stray_signed_tokens_provider_init (StrayTokenProviderInterface *iface)
{
  iface->get_token_async = stray_signed_tokens_get_token_async;
  iface->get_token_finish = stray_signed_tokens_get_token_finish;
}

static void
stray_signed_tokens_finalize (GObject *object)
{
  StraySignedTokens *self = STRAY_SIGNED_TOKENS (object);

  memset (self->secret, 0, strlen (self->secret));
  g_free (self->secret);
  g_free (self->user_id);

  G_OBJECT_CLASS (stray_signed_tokens_parent_class)->finalize (object);
}

static void
stray_signed_tokens_class_init (StraySignedTokensClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = stray_signed_tokens_finalize;
}

static void
stray_signed_tokens_init (G_GNUC_UNUSED StraySignedTokens *self)
{
}

/**
 * stray_signed_tokens_new:
 * @secret: the app secret
 * @user_id: whose tokens
 * @lifetime: seconds each token is valid; 0 for ever, negative for already expired
 *
 * Returns: (transfer full): a provider that signs a token whenever asked
 */
StraySignedTokens *
stray_signed_tokens_new (const char *secret,
                         const char *user_id,
                         gint64      lifetime)
{
  StraySignedTokens *self;

  g_return_val_if_fail (secret != NULL, NULL);
  g_return_val_if_fail (user_id != NULL, NULL);

  self = g_object_new (STRAY_TYPE_SIGNED_TOKENS, NULL);
  self->secret = g_strdup (secret);
  self->user_id = g_strdup (user_id);
  self->lifetime = lifetime;
  return self;
}

guint
stray_signed_tokens_get_n_issued (StraySignedTokens *self)
{
  g_return_val_if_fail (STRAY_IS_SIGNED_TOKENS (self), 0);

  return self->n_issued;
}
