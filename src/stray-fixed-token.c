/* stray-fixed-token.c: one token, as typed into the setup page, before it is kept anywhere
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "stray-fixed-token.h"

struct _StrayFixedToken
{
  GObject parent_instance;

  char *token;
};

static void stray_fixed_token_provider_init (StrayTokenProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (StrayFixedToken, stray_fixed_token, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (STRAY_TYPE_TOKEN_PROVIDER,
                                                      stray_fixed_token_provider_init))

static void
stray_fixed_token_get_token_async (StrayTokenProvider  *provider,
                                   G_GNUC_UNUSED gboolean refresh,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  StrayFixedToken *self = STRAY_FIXED_TOKEN (provider);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, stray_fixed_token_get_token_async);
  /* Refreshing cannot give another token: the server's refusal stands. */
  g_task_return_pointer (task, g_strdup (self->token), g_free);
}

static char *
stray_fixed_token_get_token_finish (StrayTokenProvider  *provider,
                                    GAsyncResult        *result,
                                    GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, provider), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
stray_fixed_token_provider_init (StrayTokenProviderInterface *iface)
{
  iface->get_token_async = stray_fixed_token_get_token_async;
  iface->get_token_finish = stray_fixed_token_get_token_finish;
}

static void
stray_fixed_token_finalize (GObject *object)
{
  StrayFixedToken *self = STRAY_FIXED_TOKEN (object);

  if (self->token != NULL)
    memset (self->token, 0, strlen (self->token));
  g_free (self->token);

  G_OBJECT_CLASS (stray_fixed_token_parent_class)->finalize (object);
}

static void
stray_fixed_token_class_init (StrayFixedTokenClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = stray_fixed_token_finalize;
}

static void
stray_fixed_token_init (G_GNUC_UNUSED StrayFixedToken *self)
{
}

StrayFixedToken *
stray_fixed_token_new (const char *token)
{
  StrayFixedToken *self;

  g_return_val_if_fail (token != NULL, NULL);

  self = g_object_new (STRAY_TYPE_FIXED_TOKEN, NULL);
  self->token = g_strdup (token);
  return self;
}
