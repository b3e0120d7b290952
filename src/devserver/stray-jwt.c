/* stray-jwt.c
 *
 * Tokens as Stream makes them (docs/protocol-notes.md, "Tokens"): HS256 over
 * base64url(header).base64url(payload) with the app secret; a user token's payload is
 * {"user_id":…} with optional exp and iat, a server token's has no user_id. A dev token has the
 * fixed HS256 header, a STANDARD base64 payload (padding and all) and the signature "devtoken".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-jwt"

#include "config.h"

#include <string.h>

#include "stray-json.h"
#include "stray-jwt.h"

#define JWT_HEADER "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define DEV_SIGNATURE "devtoken"
/* A token's header and claims are flat objects; json-glib recurses once a level. */
#define MAX_DEPTH 16

G_DEFINE_QUARK (stray-jwt-error-quark, stray_jwt_error)

static char *
base64url_encode (const guchar *data,
                  gsize         length)
{
  g_autofree char *standard = g_base64_encode (data, length);
  GString *encoded = g_string_sized_new (strlen (standard));

  for (const char *p = standard; *p != '\0'; p++)
    {
      if (*p == '+')
        g_string_append_c (encoded, '-');
      else if (*p == '/')
        g_string_append_c (encoded, '_');
      else if (*p != '=')
        g_string_append_c (encoded, *p);
    }
  return g_string_free (encoded, FALSE);
}

/* Accepts base64url and standard base64, padded or not, as Stream's own servers do. */
static guchar *
base64_any_decode (const char *text,
                   gsize       text_length,
                   gsize      *out_length)
{
  g_autoptr(GString) standard = g_string_sized_new (text_length + 4);

  for (gsize i = 0; i < text_length; i++)
    {
      char c = text[i];

      if (c == '-')
        c = '+';
      else if (c == '_')
        c = '/';
      else if (c == '=')
        break;
      else if (!g_ascii_isalnum (c) && c != '+' && c != '/')
        return NULL;
      g_string_append_c (standard, c);
    }
  if (standard->len % 4 == 1)
    return NULL;
  while (standard->len % 4 != 0)
    g_string_append_c (standard, '=');

  return g_base64_decode (standard->str, out_length);
}

static char *
signature_for (const char *secret,
               const char *signing_input,
               gsize       signing_input_length)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret));
  guint8 digest[32];
  gsize digest_length = sizeof digest;

  g_hmac_update (hmac, (const guchar *) signing_input, signing_input_length);
  g_hmac_get_digest (hmac, digest, &digest_length);
  return base64url_encode (digest, digest_length);
}

/**
 * stray_jwt_sign:
 * @secret: the app secret
 * @payload: the claims
 *
 * Returns: (transfer full): a signed token
 */
char *
stray_jwt_sign (const char *secret,
                JsonObject *payload)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *payload_json = NULL;
  g_autofree char *header = NULL;
  g_autofree char *body = NULL;
  g_autofree char *signing_input = NULL;
  g_autofree char *signature = NULL;

  /* Checked before signature_for() runs strlen() on it. */
  g_return_val_if_fail (secret != NULL, NULL);

  node = json_node_init_object (json_node_alloc (), payload);
  payload_json = json_to_string (node, FALSE);
  header = base64url_encode ((const guchar *) JWT_HEADER, strlen (JWT_HEADER));
  body = base64url_encode ((const guchar *) payload_json, strlen (payload_json));
  signing_input = g_strconcat (header, ".", body, NULL);
  signature = signature_for (secret, signing_input, strlen (signing_input));
  return g_strconcat (signing_input, ".", signature, NULL);
}

/**
 * stray_jwt_sign_user:
 * @secret: the app secret
 * @user_id: the user
 * @expires_at: Unix time it expires at, or 0 for never
 *
 * Returns: (transfer full): a user token
 */
char *
stray_jwt_sign_user (const char *secret,
                     const char *user_id,
                     gint64      expires_at)
{
  g_autoptr(JsonObject) payload = json_object_new ();

  g_return_val_if_fail (user_id != NULL, NULL);

  json_object_set_string_member (payload, "user_id", user_id);
  if (expires_at > 0)
    json_object_set_int_member (payload, "exp", expires_at);
  return stray_jwt_sign (secret, payload);
}

static JsonObject *
refuse (GError    **error,
        const char *reason)
{
  g_set_error (error, STRAY_JWT_ERROR, STRAY_JWT_ERROR_INVALID_SIGNATURE,
               "JWTAuth error: %s", reason);
  return NULL;
}

static gboolean
read_time_claim (JsonObject *payload,
                 const char *name,
                 gint64     *out)
{
  JsonNode *node = json_object_get_member (payload, name);

  *out = 0;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) ||
      (json_node_get_value_type (node) != G_TYPE_INT64 &&
       json_node_get_value_type (node) != G_TYPE_DOUBLE))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    *out = json_node_get_int (node);
  else
    {
      double seconds = json_node_get_double (node);

      /* A double outside gint64 cannot be converted (undefined behaviour): such times are
       * beyond any clock, so they are taken as the farthest ones there are. */
      if (seconds >= 9223372036854775807.0)
        *out = G_MAXINT64;
      else if (seconds <= -9223372036854775808.0)
        *out = G_MININT64;
      else
        *out = (gint64) seconds;
    }
  return TRUE;
}

/**
 * stray_jwt_verify:
 * @token: a token as a client sent it
 * @secret: the app secret
 * @allow_dev_tokens: whether unsigned dev tokens pass
 * @now: the current Unix time
 * @error: why the token was refused; its code is Stream's
 *
 * Returns: (transfer full) (nullable): the claims of a valid token
 */
JsonObject *
stray_jwt_verify (const char  *token,
                  const char  *secret,
                  gboolean     allow_dev_tokens,
                  gint64       now,
                  GError     **error)
{
  const char *first_dot, *second_dot;
  g_autofree guchar *header_json = NULL;
  g_autofree guchar *payload_json = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *expected = NULL;
  JsonObject *header, *payload;
  gsize header_length, payload_length;
  gint64 exp, nbf, iat;

  g_return_val_if_fail (token != NULL, NULL);
  g_return_val_if_fail (secret != NULL, NULL);

  first_dot = strchr (token, '.');
  second_dot = first_dot != NULL ? strchr (first_dot + 1, '.') : NULL;
  if (second_dot == NULL || strchr (second_dot + 1, '.') != NULL)
    return refuse (error, "token is malformed: token contains an invalid number of segments");

  header_json = base64_any_decode (token, first_dot - token, &header_length);
  payload_json = base64_any_decode (first_dot + 1, second_dot - first_dot - 1, &payload_length);
  if (header_json == NULL || payload_json == NULL ||
      !g_utf8_validate ((const char *) header_json, header_length, NULL) ||
      !g_utf8_validate ((const char *) payload_json, payload_length, NULL))
    return refuse (error, "token is malformed: invalid base64");

  if (!stray_json_check_nesting ((const char *) header_json, header_length, MAX_DEPTH, NULL) ||
      !json_parser_load_from_data (parser, (const char *) header_json, header_length, NULL) ||
      !stray_json_root_holds (parser, JSON_NODE_OBJECT))
    return refuse (error, "token is malformed: invalid header");
  header = json_node_get_object (json_parser_get_root (parser));
  if (g_strcmp0 (json_object_get_string_member_with_default (header, "alg", ""), "HS256") != 0)
    return refuse (error, "signing method is not HS256");

  if (!stray_json_check_nesting ((const char *) payload_json, payload_length, MAX_DEPTH, NULL) ||
      !json_parser_load_from_data (parser, (const char *) payload_json, payload_length, NULL) ||
      !stray_json_root_holds (parser, JSON_NODE_OBJECT))
    return refuse (error, "token is malformed: invalid payload");
  payload = json_node_get_object (json_parser_get_root (parser));

  if (allow_dev_tokens && g_str_equal (second_dot + 1, DEV_SIGNATURE))
    return json_object_ref (payload);

  expected = signature_for (secret, token, second_dot - token);
  /* Compared in full whatever the contents, so timing says nothing about the secret. */
  {
    const char *given = second_dot + 1;
    gsize given_length = strlen (given), expected_length = strlen (expected);
    guint difference = given_length != expected_length;

    for (gsize i = 0; i < expected_length; i++)
      difference |= (guchar) expected[i] ^ (guchar) (i < given_length ? given[i] : 0);
    if (difference != 0)
      return refuse (error, "signature is invalid");
  }

  if (!read_time_claim (payload, "exp", &exp) || !read_time_claim (payload, "nbf", &nbf) ||
      !read_time_claim (payload, "iat", &iat))
    return refuse (error, "token is malformed: time claims must be numbers");
  if (exp != 0 && now >= exp)
    {
      g_set_error_literal (error, STRAY_JWT_ERROR, STRAY_JWT_ERROR_EXPIRED,
                           "JWTAuth error: token has expired");
      return NULL;
    }
  if (nbf != 0 && now < nbf)
    {
      g_set_error_literal (error, STRAY_JWT_ERROR, STRAY_JWT_ERROR_NOT_VALID_YET,
                           "JWTAuth error: token is not valid yet");
      return NULL;
    }
  /* Stream allows some clock skew on iat; a token from the future is refused. */
  if (iat != 0 && iat > now + 5)
    {
      g_set_error_literal (error, STRAY_JWT_ERROR, STRAY_JWT_ERROR_USED_BEFORE_ISSUED,
                           "JWTAuth error: token used before issue at (iat)");
      return NULL;
    }

  return json_object_ref (payload);
}
