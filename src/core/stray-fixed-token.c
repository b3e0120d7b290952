/* stray-fixed-token.c: one token, as typed into the setup page, before it is kept anywhere;
 * or the development token of the demo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
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

/**
 * stray_fixed_token_make_dev_token:
 * @user_id: the user
 *
 * A development token, as the SDK's devToken() makes it: the fixed HS256 header, the payload
 * in standard base64 and "devtoken" where the signature would be. Only a server that allows
 * dev tokens (the demo's) accepts one; making it needs no secret.
 *
 * Returns: (transfer full): the token
 */
char *
stray_fixed_token_make_dev_token (const char *user_id)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) payload = NULL;
  g_autofree char *payload_json = NULL;
  g_autofree char *body = NULL;

  g_return_val_if_fail (user_id != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "user_id");
  json_builder_add_string_value (builder, user_id);
  json_builder_end_object (builder);
  payload = json_builder_get_root (builder);
  payload_json = json_to_string (payload, FALSE);
  body = g_base64_encode ((const guchar *) payload_json, strlen (payload_json));
  /* base64url of {"alg":"HS256","typ":"JWT"}, as the SDK has it. */
  return g_strconcat ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", body, ".devtoken", NULL);
}
