/* shoal-torrent-connections.c: which peers a torrent is connected to:
 * incoming connections it adopts, candidates it learns (trackers, DHT, LSD,
 * PEX, the user) and dials, and its DHT announces
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "shoal-session-limits.h"
#include "shoal-smart-ban.h"
#include "shoal-torrent-private.h"

/* DHT announces (BEP 5), in seconds */
#define DHT_INTERVAL_HUNGRY 60
#define DHT_INTERVAL        (15 * 60)

static gboolean
room_for_connection (ShoalTorrent *self)
{
  return self->connections->len < self->max_connections &&
         SHOAL_TORRENT_ASK (self, get_n_connections) < SHOAL_TORRENT_ASK (self, get_max_connections);
}

/* Our connections (either way) with the host of @conn. */
static guint
count_connections_from (ShoalTorrent        *self,
                        ShoalPeerConnection *conn)
{
  GInetSocketAddress *remote = shoal_peer_connection_get_remote (conn);
  guint n = 0;

  for (guint i = 0; remote != NULL && i < self->connections->len; i++)
    {
      GInetSocketAddress *other = shoal_peer_connection_get_remote (self->connections->pdata[i]);

      if (other != NULL && shoal_peer_connection_get_state (self->connections->pdata[i]) != SHOAL_PEER_CONNECTION_CLOSED &&
          g_inet_address_equal (g_inet_socket_address_get_address (other), g_inet_socket_address_get_address (remote)))
        n++;
    }
  return n;
}

/**
 * _shoal_torrent_adopt_incoming:
 * @error: why it was refused
 *
 * An incoming connection asked for this torrent. Returns FALSE (and the
 * session closes it) when we are not running or are full, it is banned, or
 * its host has as many connections to us as one host may.
 */
gboolean
_shoal_torrent_adopt_incoming (ShoalTorrent        *self,
                               ShoalPeerConnection *conn,
                               GError             **error)
{
  g_autofree char *ip = _shoal_torrent_conn_ip (conn);
  GInetSocketAddress *remote = shoal_peer_connection_get_remote (conn);

  if (!_shoal_torrent_is_active (self))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                   "Peer asked for “%s”, which is not running", shoal_torrent_get_name (self));
      return FALSE;
    }
  if (shoal_smart_ban_is_banned (self->smart_ban, ip))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "Peer is banned from “%s”", shoal_torrent_get_name (self));
      return FALSE;
    }
  if (!room_for_connection (self))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   "Peer asked for “%s”, which is full (%u of %u connections, %u of %u in all)",
                   shoal_torrent_get_name (self), self->connections->len, self->max_connections,
                   SHOAL_TORRENT_ASK (self, get_n_connections),
                   SHOAL_TORRENT_ASK (self, get_max_connections));
      return FALSE;
    }
  if (remote != NULL && SHOAL_TORRENT_ASK (self, limits_per_ip, g_inet_socket_address_get_address (remote)) &&
      count_connections_from (self, conn) >= SHOAL_TORRENT_MAX_CONNECTIONS_PER_IP)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   "Peer asked for “%s”, but %s already has %u connections to it, the most one host may have",
                   shoal_torrent_get_name (self), ip, SHOAL_TORRENT_MAX_CONNECTIONS_PER_IP);
      return FALSE;
    }
  _shoal_torrent_attach_connection (self, conn, SHOAL_PEER_FLAG_NONE);
  return TRUE;
}

/**
 * _shoal_torrent_add_candidate:
 * @self: a torrent
 * @address: a peer address
 * @source: where it came from: %SHOAL_PEER_FLAG_NONE for the user, or one
 *   of the FROM flags
 * @sender: (nullable): who told us: the PEX peer, the tracker, the LSD
 *   announcer, our DHT socket
 *
 * Keeps @address as a peer to dial, if it passes the address filter and
 * the candidate table has room for it (see shoal-peer-candidates.c).
 */
ShoalPeerCandidate *
_shoal_torrent_add_candidate (ShoalTorrent       *self,
                              GInetSocketAddress *address,
                              ShoalPeerFlags      source,
                              GInetAddress       *sender)
{
  g_autofree char *ip = g_inet_address_to_string (g_inet_socket_address_get_address (address));
  g_autofree char *origin = NULL;
  g_autoptr(GPtrArray) networks = NULL;
  ShoalPeerSource kind = shoal_peer_source_from_flags (source);
  const char *reason = NULL;

  if (shoal_smart_ban_is_banned (self->smart_ban, ip))
    return NULL;
  /* Trackers list us too; on a loopback address our own port is us. */
  if (g_inet_socket_address_get_port (address) == SHOAL_TORRENT_ASK (self, get_listen_port) &&
      g_inet_address_get_is_loopback (g_inet_socket_address_get_address (address)))
    return NULL;
  if (kind != SHOAL_PEER_SOURCE_MANUAL)
    networks = shoal_peer_address_local_networks ();
  if (!shoal_peer_address_is_acceptable (address, kind, sender, networks, &reason))
    {
      g_debug ("Torrent %s: ignoring %s peer %s:%u: %s", self->hash_hex, shoal_peer_source_to_string (kind),
               ip, g_inet_socket_address_get_port (address), reason);
      return NULL;
    }
  /* Quotas per PEX peer and per tracker: one of them cannot fill the table. */
  if (sender != NULL && (kind == SHOAL_PEER_SOURCE_PEX || kind == SHOAL_PEER_SOURCE_TRACKER))
    origin = g_inet_address_to_string (sender);
  _shoal_torrent_wake (self);
  return shoal_peer_candidates_add (self->candidates, address, source, origin, g_get_monotonic_time ());
}

static gboolean
already_connected (ShoalTorrent *self,
                   const char   *key)
{
  for (guint i = 0; i < self->connections->len; i++)
    if (g_strcmp0 (shoal_peer_connection_get_address (self->connections->pdata[i]), key) == 0)
      return TRUE;
  return FALSE;
}

/* Peers a DHT lookup found for us (GInetSocketAddress). */
void
_shoal_torrent_add_dht_peers (ShoalTorrent *self,
                              GPtrArray    *peers)
{
  g_autoptr(GInetAddress) sender = NULL;

  if (self->info != NULL && shoal_metainfo_is_private (self->info))
    return;
  sender = SHOAL_TORRENT_ASK (self, dup_bound_address);

  /* The DHT does not say which node named a peer; but a DHT socket bound
   * to loopback only ever hears from this host. */
  for (guint i = 0; i < peers->len; i++)
    if (G_IS_INET_SOCKET_ADDRESS (peers->pdata[i]))
      _shoal_torrent_add_candidate (self, peers->pdata[i], SHOAL_PEER_FLAG_FROM_DHT, sender);
  if (_shoal_torrent_is_active (self))
    _shoal_torrent_connect_peers (self, g_get_monotonic_time ());
}

/* A peer on the local network announced this torrent (BEP 14). */
void
_shoal_torrent_add_lsd_peer (ShoalTorrent       *self,
                             GInetSocketAddress *address)
{
  if (self->info != NULL && shoal_metainfo_is_private (self->info))
    return;
  /* The announcer's own address: LSD only passes announces from our
   * networks, so a private address is fine, a public one too. */
  _shoal_torrent_add_candidate (self, address, SHOAL_PEER_FLAG_FROM_LSD, g_inet_socket_address_get_address (address));
  if (_shoal_torrent_is_active (self))
    _shoal_torrent_connect_peers (self, g_get_monotonic_time ());
}

static void
dht_announce_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ShoalTorrent) self = user_data;
  g_autoptr(GError) error = NULL;

  if (shoal_dht_announce_finish (SHOAL_DHT (source), result, &error) == 0 && error != NULL &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      gint64 retry_us = g_get_monotonic_time () + DHT_INTERVAL_HUNGRY * G_USEC_PER_SEC;

      g_debug ("Torrent %s: DHT announce: %s", self->hash_hex, error->message);
      /* Not announced anywhere (the DHT was still bootstrapping): try
       * again in a minute, not at the seed's quarter of an hour. */
      if (self->next_dht_announce_us > retry_us)
        {
          self->next_dht_announce_us = retry_us;
          _shoal_torrent_wake (self);
        }
    }
}

/* Looks the torrent up in the DHT and announces it: every minute while it
 * needs its metadata or is downloading with few peers, every 15 minutes
 * otherwise (a seed needs no peers found for it, only to be findable:
 * 10,000 idle seeds announcing every minute would be 166 lookups a
 * second). The session's budget spreads announces due together. */
void
_shoal_torrent_dht_tick (ShoalTorrent *self,
                         gint64        now_us)
{
  ShoalDht *dht = SHOAL_TORRENT_ASK (self, get_dht);
  gboolean hungry;

  if (dht == NULL || now_us < self->next_dht_announce_us ||
      (self->info != NULL && shoal_metainfo_is_private (self->info)))
    return;
  if (!SHOAL_TORRENT_ASK (self, take_dht_announce))
    {
      /* Spread over the next seconds rather than all at the next one. */
      self->next_dht_announce_us = now_us + g_random_int_range (1, 4) * G_USEC_PER_SEC;
      return;
    }
  hungry = self->info == NULL ||
           (self->state != SHOAL_TORRENT_STATE_SEEDING && self->connections->len < 5);
  self->next_dht_announce_us = now_us + (hungry ? DHT_INTERVAL_HUNGRY : DHT_INTERVAL) * G_USEC_PER_SEC;
  shoal_dht_announce_async (dht, self->info_hash, SHOAL_TORRENT_ASK (self, get_announce_port),
                            self->cancellable, dht_announce_cb, g_object_ref (self));
  /* A hybrid's v2 swarm has its own entry: the truncated v2 info-hash. */
  if (_shoal_torrent_get_alt_info_hash (self) != NULL)
    shoal_dht_announce_async (dht, _shoal_torrent_get_alt_info_hash (self), SHOAL_TORRENT_ASK (self, get_announce_port),
                              self->cancellable, dht_announce_cb, g_object_ref (self));
}

/* uTP first for a peer that says it speaks it, or whose TCP failed; TCP
 * otherwise, and for one whose uTP failed (but with --utp=only). */
static ShoalPeerConnection *
dial (ShoalTorrent          *self,
      ShoalPeerCandidate    *c,
      ShoalPeerWireFeatures  features)
{
  ShoalUtpManager *utp = SHOAL_TORRENT_ASK (self, get_utp);
  ShoalUtpMode mode = SHOAL_TORRENT_ASK (self, get_utp_mode);
  gboolean use_utp = utp != NULL && (mode == SHOAL_UTP_MODE_ONLY ||
                                     (mode == SHOAL_UTP_MODE_PREFER && !c->utp_failed && (c->utp || c->tcp_failed)));

  if (use_utp)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ShoalUtpSocket) sock = shoal_utp_manager_connect (utp, c->address, &error);

      if (sock != NULL)
        return shoal_peer_connection_new_outgoing_transport (SHOAL_TRANSPORT (sock), self->info_hash,
                                                             SHOAL_TORRENT_ASK (self, get_peer_id), features);
      g_debug ("Torrent %s: no uTP connection to %s: %s", self->hash_hex, c->key, error->message);
    }
  if (mode == SHOAL_UTP_MODE_ONLY)
    return NULL;
  return shoal_peer_connection_new_outgoing (c->address, self->info_hash,
                                             SHOAL_TORRENT_ASK (self, get_peer_id), features);
}

/* Dials the best-ranked candidates (see shoal-peer-candidates.c), as
 * many as there is room for, within each source's dial budget. */
void
_shoal_torrent_connect_peers (ShoalTorrent *self,
                              gint64        now_us)
{
  g_autoptr(GPtrArray) ranked = NULL;
  guint started = 0;
  gboolean seeding = self->state == SHOAL_TORRENT_STATE_SEEDING;

  if (!_shoal_torrent_is_active (self) || !room_for_connection (self))
    return;
  if (SHOAL_TORRENT_ASK (self, blocklist_pending) || SHOAL_TORRENT_ASK (self, get_network_down))
    return;

  if (now_us - self->candidates_pruned_us > 60 * G_USEC_PER_SEC)
    {
      self->candidates_pruned_us = now_us;
      shoal_peer_candidates_prune (self->candidates, now_us);
    }
  ranked = shoal_peer_candidates_rank (self->candidates, now_us, seeding);
  for (guint i = 0; i < ranked->len && started < SHOAL_TORRENT_CONNECTS_PER_TICK && room_for_connection (self); i++)
    {
      ShoalPeerCandidate *c = ranked->pdata[i];
      ShoalPeerConnection *conn;
      ShoalPeerWireFeatures features = SHOAL_PEER_WIRE_FEATURE_FAST | SHOAL_PEER_WIRE_FEATURE_EXTENSION;
      ShoalEncryptionPolicy policy;

      if (SHOAL_TORRENT_ASK (self, get_dht) != NULL)
        features |= SHOAL_PEER_WIRE_FEATURE_DHT;
      /* BEP 52: we speak v2, and a hybrid's peer may upgrade to it. */
      if (_shoal_torrent_v2_handshake_bit (self))
        features |= SHOAL_PEER_WIRE_FEATURE_V2;

      if (already_connected (self, c->key))
        {
          c->connected = TRUE;
          continue;
        }
      /* It was named before it was banned. */
      if (shoal_smart_ban_get_n_banned (self->smart_ban) > 0)
        {
          g_autofree char *ip = g_inet_address_to_string (g_inet_socket_address_get_address (c->address));

          if (shoal_smart_ban_is_banned (self->smart_ban, ip))
            continue;
        }
      /* Never dialled: failed for good (the blocklist may have grown
       * since it was named, so it is asked here). */
      if (SHOAL_TORRENT_ASK (self, is_blocked, g_inet_socket_address_get_address (c->address)))
        {
          c->failures = MAX (c->failures, SHOAL_PEER_CANDIDATES_MAX_FAILURES - 1);
          shoal_peer_candidates_failed (self->candidates, c, now_us);
          continue;
        }
      if (!shoal_peer_candidates_take_dial (self->candidates, c, now_us))
        continue;

      conn = dial (self, c, features);
      if (conn == NULL)
        continue;
      policy = SHOAL_TORRENT_ASK (self, get_encryption_policy);
      if (c->plaintext_only && policy == SHOAL_ENCRYPTION_PREFER)
        policy = SHOAL_ENCRYPTION_ALLOW_PLAINTEXT;
      shoal_peer_connection_set_encryption (conn, policy, NULL, NULL);
      if (_shoal_torrent_get_alt_info_hash (self) != NULL)
        shoal_peer_connection_set_alt_info_hash (conn, _shoal_torrent_get_alt_info_hash (self));
      shoal_peer_connection_set_bind (conn, SHOAL_TORRENT_ASK (self, get_net_bind));
      shoal_peer_connection_set_proxy (conn, SHOAL_TORRENT_ASK (self, get_proxy));
      c->connected = TRUE;
      _shoal_torrent_attach_connection (self, conn, c->source);
      shoal_peer_connection_start (conn);
      g_object_unref (conn);
      started++;
    }
}

void
_shoal_torrent_close_all_peers (ShoalTorrent *self)
{
  g_autoptr(GPtrArray) conns = g_ptr_array_copy (self->connections, (GCopyFunc) (void (*) (void)) g_object_ref, NULL);

  g_ptr_array_set_free_func (conns, g_object_unref);
  for (guint i = 0; i < conns->len; i++)
    shoal_peer_connection_close (conns->pdata[i], NULL);
  g_ptr_array_set_size (self->connections, 0);
  _shoal_torrent_count_connections (self);
  g_list_store_remove_all (self->peers);
}

/* Test hook (shoal-session-testing.h): seconds until the next DHT
 * announce; 0 if due; -1 if there is none (no DHT, private). */
gint64
_shoal_torrent_get_dht_announce_in (ShoalTorrent *torrent)
{
  gint64 now_us = g_get_monotonic_time ();

  g_return_val_if_fail (SHOAL_IS_TORRENT (torrent), -1);

  if (SHOAL_TORRENT_ASK (torrent, get_dht) == NULL ||
      (torrent->info != NULL && shoal_metainfo_is_private (torrent->info)))
    return -1;
  return torrent->next_dht_announce_us > now_us ? (torrent->next_dht_announce_us - now_us) / G_USEC_PER_SEC : 0;
}
