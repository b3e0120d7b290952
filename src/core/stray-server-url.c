/* stray-server-url.c: which server URLs a token may be sent to
 *
 * The token goes with every request and the WebSocket's first frame, so a plain http:// server
 * would carry it in clear text across every network between here and there. Plain http:// is
 * for a server on this computer only (the local devserver); everything else must be https://,
 * whose certificate GIO checks by default.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "stray-server-url.h"

/**
 * stray_server_url_host_is_loopback:
 * @host: a URL's host, without IPv6 brackets
 *
 * Whether @host names this computer by itself: 127.0.0.0/8, ::1, or "localhost" and the names
 * under it, which RFC 6761 reserves for the loopback interface. The names are judged as written;
 * nothing is resolved.
 */
gboolean
stray_server_url_host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  g_return_val_if_fail (host != NULL, FALSE);

  if (g_ascii_strcasecmp (host, "localhost") == 0 ||
      g_str_has_suffix (host, ".localhost") || g_str_has_suffix (host, ".LOCALHOST"))
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/**
 * stray_server_url_check:
 *
 * Whether a token may be sent to @url: https:// anywhere, http:// only to this computer.
 *
 * Returns: %TRUE if it may, or %FALSE with @error saying why, in words for the user
 */
gboolean
stray_server_url_check (const char  *url,
                        GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;

  if (uri == NULL || host == NULL || *host == '\0' ||
      (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an http:// or https:// URL"), url);
      return FALSE;
    }
  if (g_ascii_strcasecmp (scheme, "http") == 0 && !stray_server_url_host_is_loopback (host))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   _("“%s” is not encrypted, so the token would travel in clear text: use "
                     "https://, or http:// only for a server on this computer"), url);
      return FALSE;
    }
  return TRUE;
}
