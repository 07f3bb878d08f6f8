/* shoal-peer-connection.h: one live peer-wire connection (engine internal)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "shoal-bitfield.h"
#include "shoal-mse.h"
#include "shoal-net-bind.h"
#include "shoal-peer-wire.h"
#include "shoal-rate.h"
#include "shoal-transport.h"
#include "shoal-types.h"

G_BEGIN_DECLS

typedef struct _ShoalPeerConnection ShoalPeerConnection;

#define SHOAL_PEER_CONNECTION_HANDSHAKE_TIMEOUT 20  /* s from accept or connect, whatever arrives */
#define SHOAL_PEER_CONNECTION_IDLE_TIMEOUT      180 /* s without any message */
#define SHOAL_PEER_CONNECTION_KEEPALIVE         90  /* s without sending */
#define SHOAL_PEER_CONNECTION_MAX_UPLOAD_QUEUE  256 /* pending requests from a peer */
#define SHOAL_PEER_CONNECTION_STALL_TIMEOUT     90  /* s with output queued and none of it sent */
/* Output queued for one peer above which it is not read nor answered: above
 * what piece uploads queue (1 MiB, plus the blocks being read). */
#define SHOAL_PEER_CONNECTION_MAX_OUTPUT        (2u * 1024u * 1024u)
/* Output queued for all peers together above which a peer with anything
 * queued is not read nor answered. */
#define SHOAL_PEER_CONNECTION_MAX_TOTAL_OUTPUT  (32u * 1024u * 1024u)

/**
 * ShoalPeerLimits:
 * @max_output: bytes queued for one peer above which it is not read and
 *   its requests are not answered
 * @max_total_output: the same for all connections sharing these limits
 * @stall_timeout_us: a connection with output queued and nothing sent for
 *   this long is closed
 * @handshake_timeout_us: a connection not done with its handshakes (the
 *   obfuscated one included) this long after it was accepted or connected
 *   is closed, however slowly it keeps sending
 * @queued: bytes queued by all connections sharing these limits, now
 *
 * Resource bounds that a session's connections share (reference counted:
 * a connection may outlive its session for a moment).
 */
typedef struct
{
  guint64 max_output;
  guint64 max_total_output;
  gint64  stall_timeout_us;
  gint64  handshake_timeout_us;
  guint64 queued;
} ShoalPeerLimits;

ShoalPeerLimits *shoal_peer_limits_new   (void);
ShoalPeerLimits *shoal_peer_limits_ref   (ShoalPeerLimits *limits);
void             shoal_peer_limits_unref (ShoalPeerLimits *limits);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalPeerLimits, shoal_peer_limits_unref)

typedef enum
{
  SHOAL_PEER_CONNECTION_CONNECTING,
  SHOAL_PEER_CONNECTION_HANDSHAKING,
  SHOAL_PEER_CONNECTION_ACTIVE,
  SHOAL_PEER_CONNECTION_CLOSED,
} ShoalPeerConnectionState;

/**
 * ShoalPeerConnectionHandler:
 *
 * How a connection reports to its owner (the session while an incoming
 * handshake is read, then the torrent). All calls happen on the owner's
 * main context.
 */
typedef struct
{
  /* Incoming only: which torrent has this info-hash? Return FALSE, with
   * @error saying why, to refuse. */
  gboolean (*lookup)  (gpointer owner, ShoalPeerConnection *conn, const guint8 info_hash[20],
                       GError **error);
  /* Handshake done both ways; the connection can carry messages. */
  void     (*ready)   (gpointer owner, ShoalPeerConnection *conn);
  /* One message; choke/interest/bitfield state is already updated. */
  void     (*message) (gpointer owner, ShoalPeerConnection *conn, const ShoalPeerWireMessage *msg);
  /* The connection is over; @error says why (NULL for a clean close). */
  void     (*closed)  (gpointer owner, ShoalPeerConnection *conn, const GError *error);
  /* The socket drained its output: room to send more pieces. */
  void     (*writable)(gpointer owner, ShoalPeerConnection *conn);
} ShoalPeerConnectionHandler;

#define SHOAL_TYPE_PEER_CONNECTION (shoal_peer_connection_get_type ())
G_DECLARE_FINAL_TYPE (ShoalPeerConnection, shoal_peer_connection, SHOAL, PEER_CONNECTION, GObject)

ShoalPeerConnection *shoal_peer_connection_new_outgoing (GInetSocketAddress   *address,
                                                         const guint8          info_hash[20],
                                                         const guint8          peer_id[20],
                                                         ShoalPeerWireFeatures features);
ShoalPeerConnection *shoal_peer_connection_new_incoming (GSocketConnection    *connection,
                                                         const guint8          peer_id[20],
                                                         ShoalPeerWireFeatures features);
ShoalPeerConnection *shoal_peer_connection_new_outgoing_transport (ShoalTransport       *transport,
                                                                   const guint8          info_hash[20],
                                                                   const guint8          peer_id[20],
                                                                   ShoalPeerWireFeatures features);
ShoalPeerConnection *shoal_peer_connection_new_incoming_transport (ShoalTransport       *transport,
                                                                   const guint8          peer_id[20],
                                                                   ShoalPeerWireFeatures features);
ShoalTransportKind   shoal_peer_connection_get_transport_kind     (ShoalPeerConnection  *self);

void        shoal_peer_connection_set_encryption  (ShoalPeerConnection     *self,
                                                   ShoalEncryptionPolicy    policy,
                                                   ShoalMseFindTorrentFunc  find_torrent,
                                                   gpointer                 find_torrent_data);
gboolean    shoal_peer_connection_is_encrypted    (ShoalPeerConnection *self);
gboolean    shoal_peer_connection_failed_in_mse   (ShoalPeerConnection *self);
void        shoal_peer_connection_set_handler     (ShoalPeerConnection              *self,
                                                   const ShoalPeerConnectionHandler *handler,
                                                   gpointer                          owner);
void        shoal_peer_connection_set_info_hash   (ShoalPeerConnection *self,
                                                   const guint8         info_hash[20]);
void        shoal_peer_connection_set_alt_info_hash (ShoalPeerConnection *self,
                                                     const guint8         info_hash[20]);
void        shoal_peer_connection_set_n_pieces    (ShoalPeerConnection *self,
                                                   guint                n_pieces);
gboolean    shoal_peer_connection_knows_n_pieces  (ShoalPeerConnection *self);
void        shoal_peer_connection_set_limits      (ShoalPeerConnection *self,
                                                   ShoalRateLimit      *down_limits[],
                                                   ShoalRateLimit      *up_limits[]);
void        shoal_peer_connection_set_peer_limits (ShoalPeerConnection *self,
                                                   ShoalPeerLimits     *limits);
void        shoal_peer_connection_set_bind        (ShoalPeerConnection *self,
                                                   ShoalNetBind        *bind);
void        shoal_peer_connection_set_proxy       (ShoalPeerConnection *self,
                                                   GProxyResolver      *proxy);
void        shoal_peer_connection_start           (ShoalPeerConnection *self);
void        shoal_peer_connection_close           (ShoalPeerConnection *self,
                                                   const GError        *reason);
void        shoal_peer_connection_tick            (ShoalPeerConnection *self,
                                                   gint64               now_us);

ShoalPeerConnectionState shoal_peer_connection_get_state (ShoalPeerConnection *self);
const char *shoal_peer_connection_get_address     (ShoalPeerConnection *self);
GInetSocketAddress *shoal_peer_connection_get_remote (ShoalPeerConnection *self);
const guint8 *shoal_peer_connection_get_peer_id   (ShoalPeerConnection *self);
const char *shoal_peer_connection_get_client      (ShoalPeerConnection *self);
gboolean    shoal_peer_connection_is_incoming     (ShoalPeerConnection *self);
ShoalPeerWireFeatures shoal_peer_connection_get_features (ShoalPeerConnection *self);
const ShoalPeerWireExtHandshake *shoal_peer_connection_get_ext_handshake (ShoalPeerConnection *self);

/* Protocol state, as seen from our side */
gboolean    shoal_peer_connection_am_choking      (ShoalPeerConnection *self);
gboolean    shoal_peer_connection_am_interested   (ShoalPeerConnection *self);
gboolean    shoal_peer_connection_peer_choking    (ShoalPeerConnection *self);
gboolean    shoal_peer_connection_peer_interested (ShoalPeerConnection *self);
gboolean    shoal_peer_connection_peer_has_all    (ShoalPeerConnection *self);
void        shoal_peer_connection_peer_lost_piece (ShoalPeerConnection *self,
                                                   guint                piece);
ShoalBitfield *shoal_peer_connection_get_peer_bitfield (ShoalPeerConnection *self);
guint       shoal_peer_connection_get_peer_reqq   (ShoalPeerConnection *self);

void        shoal_peer_connection_set_choking     (ShoalPeerConnection *self,
                                                   gboolean             choking);
void        shoal_peer_connection_set_interested  (ShoalPeerConnection *self,
                                                   gboolean             interested);
void        shoal_peer_connection_send_have       (ShoalPeerConnection *self,
                                                   guint32              piece);
void        shoal_peer_connection_send_bitfield   (ShoalPeerConnection *self,
                                                   const ShoalBitfield *have);
void        shoal_peer_connection_send_request    (ShoalPeerConnection *self,
                                                   guint32              piece,
                                                   guint32              begin,
                                                   guint32              length);
void        shoal_peer_connection_send_cancel     (ShoalPeerConnection *self,
                                                   guint32              piece,
                                                   guint32              begin,
                                                   guint32              length);
void        shoal_peer_connection_send_reject     (ShoalPeerConnection *self,
                                                   guint32              piece,
                                                   guint32              begin,
                                                   guint32              length);
void        shoal_peer_connection_send_piece      (ShoalPeerConnection *self,
                                                   guint32              piece,
                                                   guint32              begin,
                                                   GBytes              *block);
void        shoal_peer_connection_queue_piece     (ShoalPeerConnection *self,
                                                   guint32              piece,
                                                   guint32              begin,
                                                   const guint8        *data,
                                                   gsize                len);
void        shoal_peer_connection_send_extended   (ShoalPeerConnection *self,
                                                   guint8               id,
                                                   const guint8        *payload,
                                                   gsize                len);
void        shoal_peer_connection_send_raw        (ShoalPeerConnection *self,
                                                   GByteArray          *message);
void        shoal_peer_connection_flush           (ShoalPeerConnection *self);
gsize       shoal_peer_connection_get_pending_output (ShoalPeerConnection *self);
gboolean    shoal_peer_connection_output_full     (ShoalPeerConnection *self);
guint64     shoal_peer_connection_upload_allowance (ShoalPeerConnection *self);

/* Counters */
ShoalRate  *shoal_peer_connection_get_down_rate   (ShoalPeerConnection *self);
ShoalRate  *shoal_peer_connection_get_up_rate     (ShoalPeerConnection *self);

/* Owner's per-connection bookkeeping */
gpointer    shoal_peer_connection_get_owner_data  (ShoalPeerConnection *self);
void        shoal_peer_connection_set_owner_data  (ShoalPeerConnection *self,
                                                   gpointer             data,
                                                   GDestroyNotify       destroy);

G_END_DECLS
