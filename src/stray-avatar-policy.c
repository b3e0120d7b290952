/* stray-avatar-policy.c
 *
 * An avatar's URL is chosen by whichever chat user set it, so the request it causes must not
 * reach what only this machine can reach: only https (plain http only when the account's own
 * server is plain http on this machine, the local devserver), no redirect to another scheme,
 * and no connection to a loopback, private or link-local address unless the account's server is
 * itself on such an address. The address is judged after DNS, as the connection is made
 * (stray-avatar-cache.c), so that a name like "localhost" or one that resolves to 10.0.0.1 is
 * caught as surely as a literal.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "stray-avatar-policy.h"
#include "stray-server-url.h"

static StrayAddressKind
classify_ipv4 (const guint8 *b)
{
  if (b[0] == 127 || b[0] == 0)
    return STRAY_ADDRESS_LOOPBACK;
  if (b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) ||
      (b[0] == 100 && (b[1] & 0xc0) == 64) ||     /* CGNAT, 100.64/10 */
      (b[0] == 192 && b[1] == 0 && b[2] == 0) ||  /* IETF protocol assignments */
      (b[0] == 198 && (b[1] & 0xfe) == 18))       /* benchmarking, 198.18/15 */
    return STRAY_ADDRESS_PRIVATE;
  if (b[0] == 169 && b[1] == 254)
    return STRAY_ADDRESS_LINK_LOCAL;
  if (b[0] >= 224)                                /* multicast, reserved, broadcast */
    return STRAY_ADDRESS_NEVER;
  return STRAY_ADDRESS_PUBLIC;
}

static gboolean
all_zero (const guint8 *bytes,
          gsize         length)
{
  for (gsize i = 0; i < length; i++)
    if (bytes[i] != 0)
      return FALSE;
  return TRUE;
}

static StrayAddressKind
classify_ipv6 (const guint8 *b)
{
  static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  static const guint8 nat64[12] = { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };

  /* ::, ::1 */
  if (all_zero (b, 15) && b[15] <= 1)
    return STRAY_ADDRESS_LOOPBACK;
  /* An IPv4 address inside an IPv6 one reaches that IPv4 address: mapped (::ffff:a.b.c.d),
   * compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d), 6to4 (2002:aabb:ccdd::). */
  if (memcmp (b, mapped, 12) == 0 || all_zero (b, 12) || memcmp (b, nat64, 12) == 0)
    return classify_ipv4 (b + 12);
  if (b[0] == 0x20 && b[1] == 0x02)
    return classify_ipv4 (b + 2);
  if ((b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0))
    return STRAY_ADDRESS_PRIVATE;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
    return STRAY_ADDRESS_LINK_LOCAL;
  if (b[0] == 0xff)
    return STRAY_ADDRESS_NEVER;
  return STRAY_ADDRESS_PUBLIC;
}

/**
 * stray_avatar_policy_classify:
 *
 * Returns: what @address reaches
 */
StrayAddressKind
stray_avatar_policy_classify (GInetAddress *address)
{
  const guint8 *bytes;

  g_return_val_if_fail (G_IS_INET_ADDRESS (address), STRAY_ADDRESS_NEVER);

  bytes = g_inet_address_to_bytes (address);
  switch (g_inet_address_get_family (address))
    {
    case G_SOCKET_FAMILY_IPV4:
      return classify_ipv4 (bytes);
    case G_SOCKET_FAMILY_IPV6:
      return classify_ipv6 (bytes);
    case G_SOCKET_FAMILY_INVALID:
    case G_SOCKET_FAMILY_UNIX:
    default:
      return STRAY_ADDRESS_NEVER;
    }
}

/* What the account's server is on, from its URL alone: a literal address, or "localhost"
 * (which resolves to loopback by RFC 6761); any other name counts as public. */
static StrayAddressKind
server_kind (GUri *server)
{
  const char *host = server != NULL ? g_uri_get_host (server) : NULL;
  g_autoptr(GInetAddress) address = NULL;

  if (host == NULL)
    return STRAY_ADDRESS_PUBLIC;
  if (stray_server_url_host_is_loopback (host))
    return STRAY_ADDRESS_LOOPBACK;
  address = g_inet_address_new_from_string (host);
  return address != NULL ? stray_avatar_policy_classify (address) : STRAY_ADDRESS_PUBLIC;
}

static GUri *
parse_server (const char *server_url)
{
  return server_url != NULL ? g_uri_parse (server_url, G_URI_FLAGS_NONE, NULL) : NULL;
}

/**
 * stray_avatar_policy_check_url:
 * @server_url: (nullable): the account's server
 * @url: an avatar's URL
 *
 * Returns: whether @url's scheme may be fetched: https, or http when the account's server is
 *   itself plain http on loopback
 */
gboolean
stray_avatar_policy_check_url (const char  *server_url,
                               GUri        *url,
                               GError     **error)
{
  g_autoptr(GUri) server = parse_server (server_url);
  const char *scheme = g_uri_get_scheme (url);

  if (g_uri_get_host (url) == NULL || *g_uri_get_host (url) == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "no host");
      return FALSE;
    }
  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;
  if (g_ascii_strcasecmp (scheme, "http") == 0 && server != NULL &&
      g_ascii_strcasecmp (g_uri_get_scheme (server), "http") == 0 &&
      server_kind (server) == STRAY_ADDRESS_LOOPBACK)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
               "%s avatars are not fetched for this account's server", scheme);
  return FALSE;
}

/**
 * stray_avatar_policy_check_redirect:
 *
 * Returns: whether a redirect from @from to @to may be followed: to the same scheme only
 */
gboolean
stray_avatar_policy_check_redirect (GUri    *from,
                                    GUri    *to,
                                    GError **error)
{
  if (g_ascii_strcasecmp (g_uri_get_scheme (from), g_uri_get_scheme (to)) == 0)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
               "a redirect from %s to %s is not followed", g_uri_get_scheme (from),
               g_uri_get_scheme (to));
  return FALSE;
}

/**
 * stray_avatar_policy_check_address:
 * @server_url: (nullable): the account's server
 * @address: the address a connection is about to be made to
 *
 * Returns: whether an avatar may be fetched from @address: a public one, or one of the kind the
 *   account's server is itself on (loopback for the local devserver, private on a LAN)
 */
gboolean
stray_avatar_policy_check_address (const char    *server_url,
                                   GInetAddress  *address,
                                   GError       **error)
{
  g_autoptr(GUri) server = parse_server (server_url);
  StrayAddressKind kind = stray_avatar_policy_classify (address);
  g_autofree char *text = NULL;

  if (kind == STRAY_ADDRESS_PUBLIC || (kind != STRAY_ADDRESS_NEVER && kind == server_kind (server)))
    return TRUE;
  text = g_inet_address_to_string (address);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
               "no avatar is fetched from %s, an address this account's server is not on", text);
  return FALSE;
}
