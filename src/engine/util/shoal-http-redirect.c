/* shoal-http-redirect.c: which HTTP redirects trackers and web seeds follow
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A tracker or a web seed is named by whoever made the torrent, and its
 * server can redirect us anywhere. Two redirects are refused:
 *
 * - from https to plain http, which would hand the exchange (a private
 *   tracker's passkey, the data) to whoever sits on the path;
 * - to a host on our side of the network (loopback, private, link-local
 *   addresses, "localhost"), which would make us send requests to services
 *   that trust local clients, on a stranger's behalf.
 *
 * The second rule holds only when the original URL is not itself on such a
 * host: a tracker on the LAN may send us elsewhere on the LAN, and test
 * servers on 127.0.0.1 may redirect to 127.0.0.2. Names are judged as
 * written; a public name that resolves to a private address is not caught
 * here.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include <gio/gio.h>

#include "shoal-http-redirect.h"

static gboolean
ipv4_is_local (const guint8 b[4])
{
  return b[0] == 0 ||                                  /* 0.0.0.0/8, "this network" */
         b[0] == 10 ||                                 /* 10.0.0.0/8 */
         b[0] == 127 ||                                /* loopback */
         (b[0] == 100 && (b[1] & 0xc0) == 64) ||       /* 100.64.0.0/10, carrier NAT */
         (b[0] == 169 && b[1] == 254) ||               /* link-local */
         (b[0] == 172 && (b[1] & 0xf0) == 16) ||       /* 172.16.0.0/12 */
         (b[0] == 192 && b[1] == 168) ||               /* 192.168.0.0/16 */
         b[0] >= 224;                                  /* multicast, reserved, broadcast */
}

static gboolean
ipv6_is_local (const guint8 b[16])
{
  static const guint8 zero[16];
  static const guint8 mapped[12] = { [10] = 0xff, [11] = 0xff };

  if (memcmp (b, mapped, sizeof mapped) == 0)
    return ipv4_is_local (b + 12);
  return memcmp (b, zero, 15) == 0 ||                  /* :: and ::1 */
         (b[0] & 0xfe) == 0xfc ||                      /* fc00::/7, unique local */
         (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||    /* fe80::/10, link-local */
         (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) ||    /* fec0::/10, old site-local */
         b[0] == 0xff;                                 /* multicast */
}

/**
 * shoal_http_host_is_local:
 * @host: the host part of a URL, as GUri gives it (IPv6 without brackets)
 *
 * Returns: whether @host is a loopback, private, link-local or otherwise
 *   non-public IP address, "localhost" or a name under it, or a name of one
 *   label (which only a local resolver can answer)
 */
gboolean
shoal_http_host_is_local (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *plain = NULL;
  gsize len;

  if (host == NULL || *host == '\0')
    return FALSE;
  /* A zone (fe80::1%eth0) only ever comes with link-local addresses. */
  if (strchr (host, '%') != NULL)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  if (address != NULL)
    {
      const guint8 *bytes = g_inet_address_to_bytes (address);

      if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4)
        return ipv4_is_local (bytes);
      return ipv6_is_local (bytes);
    }

  plain = g_ascii_strdown (host, -1);
  len = strlen (plain);
  if (len > 0 && plain[len - 1] == '.')
    plain[--len] = '\0';
  /* The resolver also takes the old forms of IPv4 addresses ("127.1",
   * "0x7f000001", "2130706433"): judge them as it will read them. */
  {
    struct in_addr in;

    if (inet_aton (plain, &in) != 0)
      return ipv4_is_local ((const guint8 *) &in.s_addr);
  }
  if (strchr (plain, '.') == NULL)
    return TRUE;
  return g_str_has_suffix (plain, ".localhost");
}

static gboolean
is_https (GUri *uri)
{
  return g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0;
}

/**
 * shoal_http_redirect_check:
 * @original: the URL the torrent names (the first of the chain)
 * @target: where a response redirects us
 *
 * Judges every hop of a chain of redirects against the first URL, so that
 * a detour through another public host does not launder a downgrade or a
 * local target.
 *
 * Returns: %SHOAL_HTTP_REDIRECT_ALLOWED, or why @target must not be
 *   followed
 */
ShoalHttpRedirect
shoal_http_redirect_check (GUri *original,
                           GUri *target)
{
  const char *scheme = g_uri_get_scheme (target);
  const char *host = g_uri_get_host (target);

  g_return_val_if_fail (original != NULL && target != NULL, SHOAL_HTTP_REDIRECT_NOT_HTTP);

  if (scheme == NULL || host == NULL || *host == '\0' ||
      (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0))
    return SHOAL_HTTP_REDIRECT_NOT_HTTP;
  if (is_https (original) && !is_https (target))
    return SHOAL_HTTP_REDIRECT_DOWNGRADE;
  if (shoal_http_host_is_local (host) && !shoal_http_host_is_local (g_uri_get_host (original)))
    return SHOAL_HTTP_REDIRECT_LOCAL_HOST;
  return SHOAL_HTTP_REDIRECT_ALLOWED;
}

/**
 * shoal_http_redirect_to_string:
 * @verdict: what shoal_http_redirect_check() said
 *
 * Returns: what happened, for a message such as "Tracker %s, refused"
 */
const char *
shoal_http_redirect_to_string (ShoalHttpRedirect verdict)
{
  switch (verdict)
    {
    case SHOAL_HTTP_REDIRECT_ALLOWED:
      return "redirected";
    case SHOAL_HTTP_REDIRECT_NOT_HTTP:
      return "redirected to a URL that is not HTTP or HTTPS";
    case SHOAL_HTTP_REDIRECT_DOWNGRADE:
      return "redirected from HTTPS to plain HTTP";
    case SHOAL_HTTP_REDIRECT_LOCAL_HOST:
      return "redirected to a private address";
    default:
      g_return_val_if_reached ("redirected");
    }
}
