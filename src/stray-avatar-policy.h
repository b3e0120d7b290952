/* stray-avatar-policy.h: where an avatar may be fetched from
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What an address reaches, as far as a request to it is concerned. */
typedef enum {
  STRAY_ADDRESS_PUBLIC,
  STRAY_ADDRESS_LOOPBACK,   /* this machine: 127/8, ::1, and 0.0.0.0 or ::, which reach it too */
  STRAY_ADDRESS_PRIVATE,    /* RFC 1918, CGNAT 100.64/10, ULA fc00::/7, site-local fec0::/10 */
  STRAY_ADDRESS_LINK_LOCAL, /* 169.254/16, fe80::/10 */
  STRAY_ADDRESS_NEVER,      /* multicast, broadcast, reserved: nothing an avatar is on */
} StrayAddressKind;

StrayAddressKind stray_avatar_policy_classify      (GInetAddress *address);

gboolean         stray_avatar_policy_check_url      (const char   *server_url,
                                                     GUri         *url,
                                                     GError      **error);
gboolean         stray_avatar_policy_check_redirect (GUri         *from,
                                                     GUri         *to,
                                                     GError      **error);
gboolean         stray_avatar_policy_check_address  (const char   *server_url,
                                                     GInetAddress *address,
                                                     GError      **error);

G_END_DECLS
