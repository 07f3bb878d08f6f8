/* shoal-session-proxy.c: sending everything through a proxy
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the session (shoal-session-internal.h). Three kinds of proxy:
 *
 * - SOCKS5: peer connections (CONNECT, RFC 1928, with RFC 1929 username
 *   and password: GIO's SOCKS5 client), the HTTP session of trackers and
 *   web seeds, and UDP (UDP ASSOCIATE: util/shoal-socks-udp.c) for UDP
 *   trackers (one association per request), the DHT and uTP (one
 *   association for the session, read here: its uTP connections are the
 *   ones we open, as the relay passes only answers from where we sent).
 *   A proxy that refuses UDP ASSOCIATE leaves them off, and the session
 *   says why. Local peer discovery is off: multicast cannot be relayed.
 *   The user may keep peers (and so the DHT, uTP and LSD) direct: then
 *   the proxy carries trackers and web seeds only.
 * - HTTP (an http:// URL, no CONNECT asked for plain http): HTTP trackers
 *   and web seeds only. Peers cannot go through it and are direct; UDP
 *   trackers cannot either, and are off rather than direct.
 * - the system's settings (GProxyResolver's default, which follows
 *   GNOME's): as HTTP, whatever the system names.
 *
 * Nothing goes around a proxy: a connection it refuses fails. Incoming
 * peers are refused behind any proxy unless allowed.
 */
#include "config.h"

#define SHOAL_SESSION_INSIDE
#include "shoal-session-internal.h"
#include "shoal-socks-udp.h"

#define RELAY_BUFFER       (64 * 1024 + 1)
#define RELAY_BATCH        256
#define RELAY_TIMEOUT_S    15
/* A proxy that was unreachable, or ended the association, is asked again */
#define RELAY_RETRY_S      60

GProxyResolver *
_shoal_session_get_proxy (gpointer owner)
{
  ShoalSession *self = SHOAL_SESSION (owner);

  return _shoal_session_peers_proxied (self) ? self->proxy : NULL;
}

/* Whether peer connections (and the DHT) go through a SOCKS5 proxy. */
gboolean
_shoal_session_peers_proxied (ShoalSession *self)
{
  return self->proxy_kind == SHOAL_SESSION_PROXY_SOCKS5 && !self->proxy_peers_direct;
}

const char *
_shoal_session_get_udp_tracker_route (gpointer     owner,
                                      const char **socks_uri)
{
  ShoalSession *self = SHOAL_SESSION (owner);

  *socks_uri = NULL;
  switch (self->proxy_kind)
    {
    case SHOAL_SESSION_PROXY_SOCKS5:
      *socks_uri = self->proxy_uri;
      return NULL;
    case SHOAL_SESSION_PROXY_HTTP:
      return "Not asked: UDP trackers cannot go through an HTTP proxy";
    case SHOAL_SESSION_PROXY_SYSTEM:
      return "Not asked: UDP trackers cannot go through the system proxy";
    default:
      return NULL;
    }
}

static void
set_note (ShoalSession *self,
          const char   *note)
{
  if (g_strcmp0 (note, self->udp_proxy_note) == 0)
    return;
  g_free (self->udp_proxy_note);
  self->udp_proxy_note = g_strdup (note);
  if (note != NULL)
    g_message ("%s", note);
}

/* The DHT's association */

static gboolean
relay_ready_cb (GSocket      *socket,
                GIOCondition  condition,
                gpointer      user_data)
{
  g_autoptr(ShoalSession) self = g_object_ref (user_data);

  for (guint i = 0; i < RELAY_BATCH; i++)
    {
      g_autoptr(GSocketAddress) from = NULL;
      g_autoptr(GInetSocketAddress) source = NULL;
      g_autoptr(GError) error = NULL;
      gssize n, offset;

      if (self->socks_udp == NULL || socket != shoal_socks_udp_get_socket (self->socks_udp))
        break;
      n = g_socket_receive_from (socket, &from, (char *) self->udp_buf, RELAY_BUFFER, NULL, &error);
      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
          continue;
        }
      if ((gsize) n >= RELAY_BUFFER)
        continue;
      offset = shoal_socks_udp_unwrap (self->socks_udp, from, self->udp_buf, (gsize) n, &source);
      if (offset < 0 || source == NULL || n - offset == 0)
        continue;
      if (self->udp_buf[offset] == 'd')
        {
          if (self->dht != NULL)
            shoal_dht_handle_datagram (self->dht, source, self->udp_buf + offset, (gsize) (n - offset));
        }
      else if (self->utp != NULL)
        shoal_utp_manager_handle_datagram (self->utp, source, self->udp_buf + offset, (gsize) (n - offset));
    }
  if (self->utp != NULL)
    shoal_utp_manager_flush (self->utp);
  return G_SOURCE_CONTINUE;
}

/* uTP's datagrams, through the relay. */
gboolean
_shoal_session_relay_send (ShoalUtpManager    *manager,
                           GInetSocketAddress *to,
                           const guint8       *data,
                           gsize               len,
                           gpointer            user_data,
                           GError            **error)
{
  ShoalSession *self = user_data;

  if (self->socks_udp == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "No UDP association with the proxy");
      return FALSE;
    }
  return shoal_socks_udp_send_to (self->socks_udp, to, data, len, error);
}

static gboolean
retry_cb (gpointer user_data)
{
  ShoalSession *self = user_data;

  self->socks_retry_id = 0;
  if (self->started)
    _shoal_session_associate_for_dht (self);
  return G_SOURCE_REMOVE;
}

static void
relay_closed_cb (ShoalSocksUdp *relay,
                 gpointer       user_data)
{
  ShoalSession *self = user_data;

  /* The DHT's and uTP's datagrams could only go to the relay, which is
   * gone: stop them, and ask again later. */
  _shoal_session_stop_dht (self);
  _shoal_session_stop_relay (self);
  set_note (self, "The SOCKS5 proxy ended the UDP association: the DHT and uTP are off until it grants a new one");
  self->socks_retry_id = g_timeout_add_seconds (RELAY_RETRY_S, retry_cb, self);
}

static void
associated_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalSocksUdp) relay = shoal_socks_udp_associate_finish (result, &error);
  ShoalSession *self;

  if (relay == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  g_clear_object (&self->socks_cancel);
  if (relay == NULL)
    {
      g_autofree char *note = g_strdup_printf ("The DHT and uTP are off: %s", error->message);

      set_note (self, note);
      /* A proxy that cannot do UDP will not learn to. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED) &&
          !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PROXY_AUTH_FAILED))
        self->socks_retry_id = g_timeout_add_seconds (RELAY_RETRY_S, retry_cb, self);
      return;
    }
  set_note (self, NULL);
  g_message ("The DHT and uTP go through the SOCKS5 proxy's UDP relay");
  self->socks_udp = g_steal_pointer (&relay);
  g_signal_connect (self->socks_udp, "closed", G_CALLBACK (relay_closed_cb), self);
  if (self->udp_buf == NULL)
    self->udp_buf = g_malloc (RELAY_BUFFER);
  self->socks_source = g_socket_create_source (shoal_socks_udp_get_socket (self->socks_udp), G_IO_IN, NULL);
  g_source_set_callback (self->socks_source, (GSourceFunc) (void (*) (void)) relay_ready_cb, self, NULL);
  g_source_attach (self->socks_source, g_main_context_get_thread_default ());
  _shoal_session_sync_utp (self);
  _shoal_session_start_dht_on (self, self->socks_udp);
}

/* Asks the proxy for the DHT's association; the DHT starts on it. */
void
_shoal_session_associate_for_dht (ShoalSession *self)
{
  if (self->socks_cancel != NULL || self->socks_udp != NULL || self->socks_retry_id != 0)
    return;
  self->socks_cancel = g_cancellable_new ();
  shoal_socks_udp_associate_async (self->proxy_uri, self->net_bind, RELAY_TIMEOUT_S, self->socks_cancel,
                                   associated_cb, self);
}

void
_shoal_session_stop_relay (ShoalSession *self)
{
  if (self->socks_cancel != NULL)
    g_cancellable_cancel (self->socks_cancel);
  g_clear_object (&self->socks_cancel);
  g_clear_handle_id (&self->socks_retry_id, g_source_remove);
  if (self->socks_source != NULL)
    {
      g_source_destroy (self->socks_source);
      g_clear_pointer (&self->socks_source, g_source_unref);
    }
  if (self->socks_udp != NULL)
    g_signal_handlers_disconnect_by_data (self->socks_udp, self);
  /* uTP was on the relay (peers through the proxy have no other). */
  if (self->socks_udp != NULL && self->utp != NULL)
    {
      shoal_utp_manager_close_all (self->utp);
      g_clear_object (&self->utp);
    }
  g_clear_object (&self->socks_udp);
}

void
_shoal_session_clear_proxy (ShoalSession *self)
{
  _shoal_session_stop_relay (self);
  g_clear_object (&self->proxy);
  g_clear_pointer (&self->proxy_uri, g_free);
  g_clear_pointer (&self->udp_proxy_note, g_free);
  self->proxy_kind = SHOAL_SESSION_PROXY_NONE;
}

/* Settings */

/**
 * shoal_session_set_proxy:
 * @self: a session
 * @uri: (nullable): `socks5://[USER:PASSWORD@]HOST:PORT`,
 *   `http://[USER:PASSWORD@]HOST:PORT`, `system` for the system's proxy
 *   settings, or %NULL for none
 * @error: return location for a %G_IO_ERROR
 *
 * Sends HTTP trackers and web seeds through the proxy, and with a SOCKS5
 * one, peer connections, UDP trackers and the DHT too (see
 * shoal_session_set_proxy_peers()). Nothing goes around it: what cannot
 * go through it is off (UDP trackers behind an HTTP proxy; local peer
 * discovery behind a SOCKS5 one), and incoming peers are refused
 * (see shoal_session_set_proxy_allow_incoming()). On a started session,
 * every connection and request made before is closed, and they are made
 * again through the new proxy (or none): nothing more goes the old way.
 *
 * Returns: %FALSE if @uri is none of these
 */
gboolean
shoal_session_set_proxy (ShoalSession  *self,
                         const char    *uri,
                         GError       **error)
{
  g_autoptr(GUri) parsed = NULL;
  int kind = SHOAL_SESSION_PROXY_NONE;

  g_return_val_if_fail (SHOAL_IS_SESSION (self), FALSE);

  if (g_strcmp0 (uri, self->proxy_uri) == 0)
    return TRUE;
  if (uri != NULL && g_ascii_strcasecmp (uri, "system") == 0)
    kind = SHOAL_SESSION_PROXY_SYSTEM;
  else if (uri != NULL)
    {
      parsed = g_uri_parse (uri, G_URI_FLAGS_HAS_PASSWORD, NULL);
      if (parsed != NULL && g_uri_get_host (parsed) != NULL && *g_uri_get_host (parsed) != '\0' &&
          g_uri_get_port (parsed) > 0 && g_uri_get_port (parsed) <= 65535)
        {
          if (g_ascii_strcasecmp (g_uri_get_scheme (parsed), "socks5") == 0)
            kind = SHOAL_SESSION_PROXY_SOCKS5;
          else if (g_ascii_strcasecmp (g_uri_get_scheme (parsed), "http") == 0)
            kind = SHOAL_SESSION_PROXY_HTTP;
        }
      if (kind == SHOAL_SESSION_PROXY_NONE)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Not a proxy: use socks5://[USER:PASSWORD@]HOST:PORT, http://HOST:PORT or “system”");
          return FALSE;
        }
    }
  _shoal_session_clear_proxy (self);
  self->proxy_kind = kind;
  self->proxy_uri = g_strdup (uri);
  if (kind == SHOAL_SESSION_PROXY_SYSTEM)
    self->proxy = g_object_ref (g_proxy_resolver_get_default ());
  else if (kind != SHOAL_SESSION_PROXY_NONE)
    self->proxy = g_simple_proxy_resolver_new (uri, NULL);
  /* NULL: libsoup's default, the system's settings, as before */
  soup_session_set_proxy_resolver (self->soup, self->proxy != NULL ? self->proxy : g_proxy_resolver_get_default ());

  switch (kind)
    {
    case SHOAL_SESSION_PROXY_SOCKS5:
      g_message ("Through the SOCKS5 proxy %s:%d%s: %s", g_uri_get_host (parsed), g_uri_get_port (parsed),
                 g_uri_get_user (parsed) != NULL ? " (with a username and password)" : "",
                 self->proxy_peers_direct ? "trackers and web seeds (peers and the DHT are direct)"
                 : "peers (TCP and uTP), trackers, web seeds and the DHT (UDP ASSOCIATE); local peer discovery is off");
      break;
    case SHOAL_SESSION_PROXY_HTTP:
      g_message ("Through the HTTP proxy %s:%d: HTTP trackers and web seeds; UDP trackers are off, peers are direct",
                 g_uri_get_host (parsed), g_uri_get_port (parsed));
      break;
    case SHOAL_SESSION_PROXY_SYSTEM:
      g_message ("Through the system's proxy: HTTP trackers and web seeds; UDP trackers are off, peers are direct");
      break;
    default:
      break;
    }
  _shoal_session_reroute (self);
  return TRUE;
}

/**
 * shoal_session_get_proxy:
 * @self: a session
 *
 * Returns: (nullable): the proxy set, as given to shoal_session_set_proxy()
 */
const char *
shoal_session_get_proxy (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), NULL);
  return self->proxy_uri;
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

/**
 * shoal_session_set_proxy_peers:
 * @self: a session
 * @through_proxy: whether peer connections (TCP and uTP) and the DHT go
 *   through a SOCKS5 proxy (%TRUE, the default: local peer discovery is
 *   then off) or directly (only trackers and web seeds use
 *   the proxy). An HTTP proxy never carries peers. On a started session
 *   behind a SOCKS5 proxy, connections made before are closed and made again.
 */
void
shoal_session_set_proxy_peers (ShoalSession *self,
                               gboolean      through_proxy)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  if (self->proxy_peers_direct == !through_proxy)
    return;
  self->proxy_peers_direct = !through_proxy;
  if (self->proxy_kind == SHOAL_SESSION_PROXY_SOCKS5)
    _shoal_session_reroute (self);
}

gboolean
shoal_session_get_proxy_peers (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), FALSE);
  return _shoal_session_peers_proxied (self);
}

/**
 * shoal_session_get_proxy_note:
 * @self: a session
 *
 * Returns: (nullable): why traffic that would go around the proxy is off
 *   (the DHT, when the SOCKS5 proxy refuses UDP ASSOCIATE; UDP trackers,
 *   behind an HTTP proxy; local peer discovery, behind a SOCKS5
 *   one that carries peers), or %NULL when nothing is
 */
const char *
shoal_session_get_proxy_note (ShoalSession *self)
{
  const char *socks;

  g_return_val_if_fail (SHOAL_IS_SESSION (self), NULL);
  if (self->udp_proxy_note != NULL)
    return self->udp_proxy_note;
  if (_shoal_session_peers_proxied (self))
    return "Local peer discovery is off: it cannot go through the SOCKS5 proxy";
  return _shoal_session_get_udp_tracker_route (self, &socks);
}
