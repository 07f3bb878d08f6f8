/* shoal-torrent-extensions.c: a torrent's extension messages: the
 * extension handshake (BEP 10), peer exchange (BEP 11) and metadata
 * exchange (BEP 9), between the connections and the metadata fetcher
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-smart-ban.h"
#include "shoal-metainfo-v2.h"
#include "shoal-torrent-private.h"

/* The ids we receive extension messages with (our `m` dictionary). */
#define EXT_UT_METADATA 1
#define EXT_UT_PEX      2
#define EXT_LT_DONTHAVE 3

#define LT_DONTHAVE_NAME "lt_donthave"

static gboolean pex_allowed (ShoalTorrent *self);

/* Ours, once the BitTorrent handshake is done (BEP 10). */
void
_shoal_torrent_send_extension_handshake (ShoalTorrent        *self,
                                         ShoalPeerConnection *conn)
{
  g_autoptr(ShoalPeerWireExtHandshake) ext = shoal_peer_wire_ext_handshake_new ();
  g_autoptr(GByteArray) payload = g_byte_array_new ();
  GInetSocketAddress *remote = shoal_peer_connection_get_remote (conn);

  if (!SHOAL_TORRENT_ASK (self, get_hide_client_name))
    shoal_peer_wire_ext_handshake_set_client (ext, "Shoal " PACKAGE_VERSION);
  shoal_peer_wire_ext_handshake_add (ext, SHOAL_UT_METADATA_NAME, EXT_UT_METADATA);
  if (pex_allowed (self))
    shoal_peer_wire_ext_handshake_add (ext, SHOAL_PEX_NAME, EXT_UT_PEX);
  shoal_peer_wire_ext_handshake_add (ext, LT_DONTHAVE_NAME, EXT_LT_DONTHAVE);
  if (self->info != NULL)
    ext->metadata_size = (gint64) g_bytes_get_size (shoal_metainfo_get_info_bytes (self->info));
  ext->listen_port = SHOAL_TORRENT_ASK (self, get_announce_port);
  ext->reqq = SHOAL_PEER_CONNECTION_MAX_UPLOAD_QUEUE;
  if (remote != NULL)
    {
      GInetAddress *ip = g_inet_socket_address_get_address (remote);
      gsize len = g_inet_address_get_native_size (ip);

      memcpy (ext->yourip, g_inet_address_to_bytes (ip), len);
      ext->yourip_len = (guint) len;
    }
  /* This writes a whole extended message, id 0. */
  shoal_peer_wire_encode_ext_handshake (payload, ext);
  shoal_peer_connection_send_raw (conn, payload);
}

/* Peer exchange (BEP 11) */

/* Private torrents (BEP 27) learn peers from their trackers only. */
static gboolean
pex_allowed (ShoalTorrent *self)
{
  return SHOAL_TORRENT_ASK (self, get_pex_enabled) &&
         (self->info == NULL || !shoal_metainfo_is_private (self->info));
}

/* Tells peers that speak ut_pex about our other peers, once a minute. */
void
_shoal_torrent_send_pex (ShoalTorrent   *self,
                         ShoalPeerState *ps,
                         gint64          now)
{
  const ShoalPeerWireExtHandshake *ext = shoal_peer_connection_get_ext_handshake (ps->conn);
  guint8 id = ext ? shoal_peer_wire_ext_handshake_lookup (ext, SHOAL_PEX_NAME) : 0;
  g_autoptr(GArray) connected = NULL;
  g_autoptr(GByteArray) out = NULL;

  if (ps->pex == NULL || id == 0 || !pex_allowed (self) || !shoal_pex_state_should_send (ps->pex, now))
    return;
  connected = g_array_new (FALSE, TRUE, sizeof (ShoalPexPeer));
  for (guint i = 0; i < self->connections->len; i++)
    {
      ShoalPeerConnection *c = self->connections->pdata[i];
      const ShoalPeerWireExtHandshake *cext = shoal_peer_connection_get_ext_handshake (c);
      GInetSocketAddress *remote = shoal_peer_connection_get_remote (c);
      g_autoptr(GSocketAddress) reachable = NULL;
      ShoalPexPeer p;
      guint8 flags = 0;

      if (c == ps->conn || remote == NULL || shoal_peer_connection_get_state (c) != SHOAL_PEER_CONNECTION_ACTIVE)
        continue;
      /* An incoming peer is reachable on its listening port, not on the
       * port it called us from. */
      if (shoal_peer_connection_is_incoming (c))
        {
          if (cext == NULL || cext->listen_port == 0)
            continue;
          reachable = g_inet_socket_address_new (g_inet_socket_address_get_address (remote), cext->listen_port);
        }
      else
        reachable = g_object_ref (G_SOCKET_ADDRESS (remote));
      if (shoal_peer_connection_is_encrypted (c))
        flags |= SHOAL_PEX_FLAG_ENCRYPTION;
      if (shoal_peer_connection_peer_has_all (c))
        flags |= SHOAL_PEX_FLAG_SEED;
      if (!shoal_peer_connection_is_incoming (c))
        flags |= SHOAL_PEX_FLAG_REACHABLE;
      if (shoal_peer_connection_get_transport_kind (c) == SHOAL_TRANSPORT_UTP)
        flags |= SHOAL_PEX_FLAG_UTP;
      if (shoal_pex_peer_set_address (&p, G_INET_SOCKET_ADDRESS (reachable), flags))
        g_array_append_val (connected, p);
    }
  out = g_byte_array_new ();
  if (shoal_pex_state_build (ps->pex, (const ShoalPexPeer *) (gpointer) connected->data, connected->len, now, out))
    shoal_peer_connection_send_extended (ps->conn, id, out->data, out->len);
}

static void
handle_pex (ShoalTorrent               *self,
            ShoalPeerState             *ps,
            const ShoalPeerWireMessage *msg)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalPexMessage) pex = NULL;
  gint64 now = g_get_monotonic_time ();

  if (!pex_allowed (self) || ps->pex == NULL || !shoal_pex_state_accept_incoming (ps->pex, now))
    return;
  pex = shoal_pex_parse (msg->payload, msg->payload_len, &error);
  if (pex == NULL)
    {
      shoal_peer_connection_close (ps->conn, error);
      return;
    }
  for (guint i = 0; i < pex->added->len; i++)
    {
      g_autoptr(GInetSocketAddress) address = shoal_pex_peer_to_address (&g_array_index (pex->added, ShoalPexPeer, i));
      GInetSocketAddress *sender = shoal_peer_connection_get_remote (ps->conn);

      if (address != NULL && sender != NULL)
        {
          ShoalPeerCandidate *c = _shoal_torrent_add_candidate (self, address, SHOAL_PEER_FLAG_FROM_PEX,
                                                                g_inet_socket_address_get_address (sender));

          if (c != NULL && (g_array_index (pex->added, ShoalPexPeer, i).flags & SHOAL_PEX_FLAG_UTP))
            c->utp = TRUE;
        }
    }
  if (pex->added->len > 0 && _shoal_torrent_is_active (self))
    _shoal_torrent_connect_peers (self, now);
}

/* Metadata exchange (BEP 9) */

/* Asks @ps for the metadata pieces the fetcher gives it. */
void
_shoal_torrent_fill_metadata_requests (ShoalTorrent   *self,
                                       ShoalPeerState *ps)
{
  const ShoalPeerWireExtHandshake *ext = shoal_peer_connection_get_ext_handshake (ps->conn);
  guint8 id = ext ? shoal_peer_wire_ext_handshake_lookup (ext, SHOAL_UT_METADATA_NAME) : 0;
  gint64 now = g_get_monotonic_time ();
  guint32 piece;

  if (self->metadata_fetch == NULL || id == 0 || ps->metadata_size <= 0)
    return;
  while (shoal_metadata_fetch_next_request (self->metadata_fetch, _shoal_torrent_sender_id (ps), now, &piece))
    {
      g_autoptr(GByteArray) out = g_byte_array_new ();

      shoal_ut_metadata_encode_request (out, piece);
      shoal_peer_connection_send_extended (ps->conn, id, out->data, out->len);
    }
}

static void
metadata_complete (ShoalTorrent *self)
{
  GBytes *info = shoal_metadata_fetch_get_info (self->metadata_fetch);
  const char * const *trackers = self->magnet ? shoal_magnet_get_trackers (self->magnet) : NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) torrent = shoal_ut_metadata_build_torrent (info, trackers, &error);
  g_autoptr(ShoalMetainfo) metainfo = NULL;

  /* A v2 info dictionary comes without its piece layers: peers send them. */
  if (torrent != NULL)
    metainfo = shoal_metainfo_new_without_layers (torrent, &error);
  if (metainfo == NULL || !_shoal_torrent_set_metainfo (self, metainfo, &error))
    _shoal_torrent_set_error (self, error);
}

static void
handle_ut_metadata (ShoalTorrent               *self,
                    ShoalPeerState             *ps,
                    const ShoalPeerWireMessage *msg)
{
  const ShoalPeerWireExtHandshake *ext = shoal_peer_connection_get_ext_handshake (ps->conn);
  guint8 peer_id = ext ? shoal_peer_wire_ext_handshake_lookup (ext, SHOAL_UT_METADATA_NAME) : 0;
  GBytes *ours = self->info ? shoal_metainfo_get_info_bytes (self->info) : NULL;
  gint64 size = ours ? (gint64) g_bytes_get_size (ours) : ps->metadata_size;
  ShoalUtMetadataMessage m;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_monotonic_time ();

  if (!shoal_ut_metadata_parse (msg->payload, msg->payload_len, size, &m, &error))
    {
      shoal_peer_connection_close (ps->conn, error);
      return;
    }

  switch (m.type)
    {
    case SHOAL_UT_METADATA_REQUEST:
      /* A peer that does not read its answers gets no more of them. */
      if (peer_id != 0 && !shoal_peer_connection_output_full (ps->conn))
        {
          g_autoptr(GByteArray) out = g_byte_array_new ();

          shoal_ut_metadata_answer_request (ours, m.piece, &ps->metadata_limit, now, out);
          shoal_peer_connection_send_extended (ps->conn, peer_id, out->data, out->len);
        }
      break;

    case SHOAL_UT_METADATA_REJECT:
      if (self->metadata_fetch != NULL)
        shoal_metadata_fetch_reject (self->metadata_fetch, _shoal_torrent_sender_id (ps), m.piece, now);
      break;

    case SHOAL_UT_METADATA_DATA:
      if (self->metadata_fetch != NULL)
        {
          g_autoptr(GPtrArray) bad = NULL;
          ShoalMetadataFetchResult r = shoal_metadata_fetch_add_piece (self->metadata_fetch, _shoal_torrent_sender_id (ps), &m,
                                                                      &bad, &error);

          if (r == SHOAL_METADATA_FETCH_COMPLETE)
            {
              metadata_complete (self);
              return;
            }
          if (r == SHOAL_METADATA_FETCH_BAD_PEER)
            {
              shoal_peer_connection_close (ps->conn, error);
              return;
            }
          if (r == SHOAL_METADATA_FETCH_MISMATCH)
            {
              /* The assembled dictionary failed the info-hash, and the
               * fetcher knows who alone sent it: ban the address, or it
               * comes back for another assembly. */
              for (guint i = 0; bad != NULL && i < bad->len; i++)
                {
                  ShoalPeerConnection *c = _shoal_torrent_find_connection (self, bad->pdata[i]);

                  if (c != NULL)
                    {
                      g_autofree char *ip = _shoal_torrent_conn_ip (c);

                      g_debug ("Peer %s sent metadata that does not match the info-hash",
                               shoal_peer_connection_get_address (c));
                      if (!shoal_smart_ban_is_banned (self->smart_ban, ip))
                        _shoal_torrent_ban_ip (self, ip);
                    }
                }
              if (shoal_peer_connection_get_state (ps->conn) != SHOAL_PEER_CONNECTION_ACTIVE)
                return;
            }
          _shoal_torrent_fill_metadata_requests (self, ps);
        }
      break;

    default:
      break;
    }
}

/* Pieces no longer had (lt_donthave, BEP 54) */

gboolean
_shoal_torrent_peer_hears_dont_have (ShoalPeerState *ps)
{
  const ShoalPeerWireExtHandshake *ext = shoal_peer_connection_get_ext_handshake (ps->conn);

  return ext != NULL && shoal_peer_wire_ext_handshake_lookup (ext, LT_DONTHAVE_NAME) != 0;
}

/* Tells every peer that understands it that we no longer have @piece, and
 * drops the requests for it that were waiting to be read. */
void
_shoal_torrent_send_dont_have (ShoalTorrent *self,
                               guint         piece)
{
  guint8 payload[4];

  payload[0] = (guint8) (piece >> 24);
  payload[1] = (guint8) (piece >> 16);
  payload[2] = (guint8) (piece >> 8);
  payload[3] = (guint8) piece;
  for (guint i = 0; i < self->connections->len; i++)
    {
      ShoalPeerConnection *c = self->connections->pdata[i];
      ShoalPeerState *ps;
      const ShoalPeerWireExtHandshake *ext;
      guint8 id;

      if (shoal_peer_connection_get_state (c) != SHOAL_PEER_CONNECTION_ACTIVE)
        continue;
      ps = _shoal_torrent_peer_state (c);
      for (GList *l = ps->uploads.head; l != NULL;)
        {
          GList *next = l->next;
          ShoalBlock *b = l->data;

          if (b->piece == piece)
            {
              shoal_peer_connection_send_reject (c, b->piece, (guint32) b->begin, b->length);
              g_queue_delete_link (&ps->uploads, l);
              g_free (b);
            }
          l = next;
        }
      ext = shoal_peer_connection_get_ext_handshake (c);
      id = ext ? shoal_peer_wire_ext_handshake_lookup (ext, LT_DONTHAVE_NAME) : 0;
      if (id != 0)
        shoal_peer_connection_send_extended (c, id, payload, sizeof payload);
    }
}

static void
handle_dont_have (ShoalTorrent               *self,
                  ShoalPeerState             *ps,
                  const ShoalPeerWireMessage *msg)
{
  guint32 piece;

  if (msg->payload_len != 4)
    {
      g_autoptr(GError) error = g_error_new (SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_EXTENSION,
                                             "lt_donthave message of %u bytes, not 4",
                                             (guint) msg->payload_len);

      shoal_peer_connection_close (ps->conn, error);
      return;
    }
  piece = ((guint32) msg->payload[0] << 24) | ((guint32) msg->payload[1] << 16) |
          ((guint32) msg->payload[2] << 8) | (guint32) msg->payload[3];
  /* Before the metadata there is nothing it could have told us. */
  if (self->info == NULL || self->picker == NULL)
    return;
  if (piece >= shoal_metainfo_get_n_pieces (self->info))
    {
      g_autoptr(GError) error = g_error_new (SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_REQUEST,
                                             "Peer no longer has piece %u of a torrent with %u pieces",
                                             piece, shoal_metainfo_get_n_pieces (self->info));

      shoal_peer_connection_close (ps->conn, error);
      return;
    }
  /* A seed's first one turns its have-all into a bitfield: a walk. */
  if (shoal_peer_connection_peer_has_all (ps->conn) && !_shoal_torrent_take_piece_set (ps))
    return;
  shoal_peer_connection_peer_lost_piece (ps->conn, piece);
  if (shoal_piece_picker_knows_peer (self->picker, _shoal_torrent_sender_id (ps)))
    shoal_piece_picker_peer_dont_have (self->picker, _shoal_torrent_sender_id (ps), piece);
  _shoal_torrent_update_interest (self);
}

/* The peer's extension handshake arrived (the connection parsed it). */
static void
handle_ext_handshake (ShoalTorrent   *self,
                      ShoalPeerState *ps)
{
  const ShoalPeerWireExtHandshake *ext = shoal_peer_connection_get_ext_handshake (ps->conn);
  g_autoptr(GError) error = NULL;

  if (ext == NULL)
    return;
  ps->metadata_size = ext->metadata_size;
  if (ps->pex == NULL && shoal_peer_wire_ext_handshake_lookup (ext, SHOAL_PEX_NAME) != 0)
    ps->pex = shoal_pex_state_new ();
  if (self->metadata_fetch != NULL && ext->metadata_size > 0 &&
      shoal_peer_wire_ext_handshake_lookup (ext, SHOAL_UT_METADATA_NAME) != 0)
    {
      g_autofree char *ip = _shoal_torrent_conn_ip (ps->conn);

      /* Bans are by address: a peer that sent bad metadata gets no second
       * assembly by reconnecting. */
      if (!shoal_metadata_fetch_set_peer_address (self->metadata_fetch, _shoal_torrent_sender_id (ps), ip, &error) ||
          !shoal_metadata_fetch_set_size (self->metadata_fetch, _shoal_torrent_sender_id (ps), ext->metadata_size, &error))
        {
          g_debug ("Peer %s: %s", shoal_peer_connection_get_address (ps->conn), error->message);
          /* Without the metadata a banned peer has nothing else to give. */
          if (g_error_matches (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_BANNED_PEER))
            shoal_peer_connection_close (ps->conn, error);
          return;
        }
      _shoal_torrent_fill_metadata_requests (self, ps);
    }
}

/* An extended message (BEP 10) from @ps. */
void
_shoal_torrent_handle_extended (ShoalTorrent               *self,
                                ShoalPeerState             *ps,
                                const ShoalPeerWireMessage *msg)
{
  if (msg->extended_id == 0)
    handle_ext_handshake (self, ps);
  else if (msg->extended_id == EXT_UT_METADATA)
    handle_ut_metadata (self, ps, msg);
  else if (msg->extended_id == EXT_UT_PEX)
    handle_pex (self, ps, msg);
  else if (msg->extended_id == EXT_LT_DONTHAVE)
    handle_dont_have (self, ps, msg);
}
