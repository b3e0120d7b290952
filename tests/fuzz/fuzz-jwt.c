/* fuzz-jwt.c: the devserver's token checks, against a fixed secret
 *
 * The first byte chooses the mode, the rest is the token (or the user id):
 *   bit 0  development tokens are allowed (--allow-dev-tokens)
 *   bit 1  the token's signature is replaced by the right one before the check, so that the
 *          claims (exp, nbf, iat, user_id) are read and not only the signature
 *   bit 2  a round trip instead: StraySignedTokens signs a token for the rest as a user id
 *          (valid for an hour, for ever, or expired, by bits 3 and 4) and the check must give
 *          back that user, or refuse the expired one with code 40
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "stray-json.h"
#include "stray-jwt.h"
#include "stray-signed-tokens.h"

#define SECRET "stream-tray-fuzz-secret"
/* 2026-01-01T00:00:00Z: a fixed clock, so that a finding replays. */
#define NOW G_GINT64_CONSTANT (1767225600)

enum {
  MODE_ALLOW_DEV_TOKENS = 1 << 0,
  MODE_RESIGN = 1 << 1,
  MODE_ROUND_TRIP = 1 << 2,
};

/* @token with its signature (after the second dot) replaced by the one @secret makes. */
static char *
resign (const char *token)
{
  const char *first_dot = strchr (token, '.');
  const char *second_dot = first_dot != NULL ? strchr (first_dot + 1, '.') : NULL;
  g_autoptr(GHmac) hmac = NULL;
  g_autofree char *signature = NULL;
  guint8 digest[32];
  gsize digest_length = sizeof digest;

  if (second_dot == NULL)
    return g_strdup (token);
  hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) SECRET, strlen (SECRET));
  g_hmac_update (hmac, (const guchar *) token, second_dot - token);
  g_hmac_get_digest (hmac, digest, &digest_length);
  signature = g_base64_encode (digest, digest_length);
  /* base64url without padding, as Stream signs */
  g_strdelimit (signature, "+", '-');
  g_strdelimit (signature, "/", '_');
  if (strchr (signature, '=') != NULL)
    *strchr (signature, '=') = '\0';
  return g_strdup_printf ("%.*s%s", (int) (second_dot + 1 - token), token, signature);
}

static void
on_token (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  char **token = user_data;
  g_autoptr(GError) error = NULL;

  *token = stray_token_provider_get_token_finish (STRAY_TOKEN_PROVIDER (source), result, &error);
  g_assert_no_error (error);
}

static void
round_trip (const char *user_id,
            guint       lifetime_choice)
{
  static const gint64 lifetimes[] = { 3600, 0, -60, 3600 };
  gint64 lifetime = lifetimes[lifetime_choice % G_N_ELEMENTS (lifetimes)];
  g_autoptr(StraySignedTokens) tokens = stray_signed_tokens_new (SECRET, user_id, lifetime);
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  stray_token_provider_get_token_async (STRAY_TOKEN_PROVIDER (tokens), FALSE, NULL, on_token,
                                        &token);
  while (token == NULL)
    g_main_context_iteration (NULL, TRUE);
  claims = stray_jwt_verify (token, SECRET, FALSE, g_get_real_time () / G_USEC_PER_SEC, &error);
  if (lifetime < 0)
    {
      g_assert_error (error, STRAY_JWT_ERROR, STRAY_JWT_ERROR_EXPIRED);
      return;
    }
  g_assert_no_error (error);
  g_assert_cmpstr (stray_json_string (claims, "user_id"), ==, user_id);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;
  g_autofree char *token = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GError) error = NULL;
  guint mode;

  if (size == 0)
    return 0;
  mode = data[0];
  /* Tokens come from headers and query strings, which end at a NUL. */
  text = g_strndup ((const char *) data + 1, size - 1);

  if (mode & MODE_ROUND_TRIP)
    {
      /* User ids travel in JSON, which holds UTF-8 only. */
      if (g_utf8_validate (text, -1, NULL))
        round_trip (text, mode >> 3);
      return 0;
    }

  token = mode & MODE_RESIGN ? resign (text) : g_strdup (text);
  claims = stray_jwt_verify (token, SECRET, (mode & MODE_ALLOW_DEV_TOKENS) != 0, NOW, &error);
  g_assert ((claims == NULL) != (error == NULL));
  if (error != NULL)
    {
      /* Every refusal carries one of Stream's codes, which the devserver answers with. */
      g_assert (error->domain == STRAY_JWT_ERROR);
      g_assert (error->code >= STRAY_JWT_ERROR_EXPIRED &&
                error->code <= STRAY_JWT_ERROR_INVALID_SIGNATURE);
    }
  else
    {
      /* What dev_authenticate() reads of a token it accepts. */
      const char *user_id = stray_json_string (claims, "user_id");

      g_assert (user_id == NULL || g_utf8_validate (user_id, -1, NULL));
    }
  return 0;
}
