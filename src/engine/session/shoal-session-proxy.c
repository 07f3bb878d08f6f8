/* shoal-session-proxy.c: sending everything through a SOCKS5 proxy
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the session (shoal-session-internal.h). With a proxy set, peer
 * connections (CONNECT, RFC 1928, with RFC 1929 username and password:
 * GIO's SOCKS5 client) and the HTTP session of trackers and web seeds go
 * through it, and nothing goes around it: a connection the proxy refuses
 * fails, UDP trackers, the DHT and local service discovery are off (this
 * client does not speak UDP ASSOCIATE), and incoming peers are refused
 * unless allowed.
 */
#include "config.h"

#define SHOAL_SESSION_INSIDE
#include "shoal-session-internal.h"

GProxyResolver *
_shoal_session_get_proxy (gpointer owner)
{
  return SHOAL_SESSION (owner)->proxy;
}

/**
 * shoal_session_set_proxy:
 * @self: a session, not started
 * @uri: (nullable): `socks5://[USER:PASSWORD@]HOST:PORT`, or %NULL for none
 * @error: return location for a %G_IO_ERROR
 *
 * Sends peer connections, HTTP trackers and web seeds through a SOCKS5
 * proxy; UDP trackers, the DHT and local service discovery are then off,
 * and incoming peers refused (see shoal_session_set_proxy_allow_incoming()).
 *
 * Returns: %FALSE if @uri is not a SOCKS5 proxy URI
 */
gboolean
shoal_session_set_proxy (ShoalSession  *self,
                         const char    *uri,
                         GError       **error)
{
  g_autoptr(GUri) parsed = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (SHOAL_IS_SESSION (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);

  if (uri != NULL)
    {
      parsed = g_uri_parse (uri, G_URI_FLAGS_HAS_PASSWORD, &local_error);
      if (parsed == NULL || g_ascii_strcasecmp (g_uri_get_scheme (parsed), "socks5") != 0 ||
          g_uri_get_host (parsed) == NULL || g_uri_get_port (parsed) <= 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Not a SOCKS5 proxy: use socks5://[USER:PASSWORD@]HOST:PORT");
          return FALSE;
        }
    }
  g_clear_object (&self->proxy);
  if (uri != NULL)
    self->proxy = g_simple_proxy_resolver_new (uri, NULL);
  /* NULL: libsoup's default, the system's settings, as before */
  if (self->proxy != NULL)
    soup_session_set_proxy_resolver (self->soup, self->proxy);
  else
    soup_session_set_proxy_resolver (self->soup, g_proxy_resolver_get_default ());
  if (parsed != NULL)
    g_message ("Through the SOCKS5 proxy %s:%d%s: UDP trackers, the DHT and local peer discovery are off",
               g_uri_get_host (parsed), g_uri_get_port (parsed),
               g_uri_get_user (parsed) != NULL ? " (with a username and password)" : "");
  return TRUE;
}

/**
 * shoal_session_set_proxy_allow_incoming:
 * @self: a session
 * @allow: whether peers may connect to us directly while a proxy is set
 *   (off by default: they would learn our address)
 */
void
shoal_session_set_proxy_allow_incoming (ShoalSession *self,
                                        gboolean      allow)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  self->proxy_allow_incoming = !!allow;
}
