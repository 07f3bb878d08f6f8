/* shoal-peer-connection-private.h: what the parts of a peer connection share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A connection is one object in three files: shoal-peer-connection.c (its
 * life: creation, settings, connecting, closing, timeouts, accessors),
 * shoal-peer-connection-input.c (the handshake, plaintext or MSE, then
 * reading and decoding messages within the download limits) and
 * shoal-peer-connection-output.c (the output queue, its bounds, and every
 * message we send). This header is for those files alone.
 */
#pragma once

#ifndef SHOAL_PEER_CONNECTION_INSIDE
# error "only shoal-peer-connection*.c may include shoal-peer-connection-private.h"
#endif

#include "shoal-mse.h"
#include "shoal-net-bind.h"
#include "shoal-peer-connection.h"
#include "shoal-tcp-transport.h"

G_BEGIN_DECLS

#define READ_CHUNK       (256 * 1024)
#define MAX_LIMITS       2

struct _ShoalPeerConnection
{
  GObject                           parent_instance;

  ShoalPeerConnectionState          state;
  gboolean                          incoming;
  GInetSocketAddress               *remote;
  char                             *address;
  ShoalTransport                   *transport;      /* TCP or uTP */
  GCancellable                     *cancellable;
  GSource                          *in_source;
  GSource                          *out_source;
  GSource                          *throttle_source;

  const ShoalPeerConnectionHandler *handler;
  gpointer                          owner;
  gpointer                          owner_data;
  GDestroyNotify                    owner_data_destroy;

  guint8                            info_hash[20];
  gboolean                          have_info_hash;
  guint8                            alt_info_hash[20]; /* a hybrid's other hash, which a peer may answer with */
  gboolean                          have_alt_info_hash;
  guint8                            our_peer_id[20];
  ShoalPeerWireFeatures             our_features;
  guint8                            peer_id[20];
  ShoalPeerWireFeatures             features;
  char                             *client;
  ShoalPeerWireExtHandshake        *ext;

  ShoalEncryptionPolicy             policy;
  ShoalMse                         *mse;         /* the obfuscated handshake, then RC4 */
  gboolean                          mse_done;
  gboolean                          rc4;         /* the stream is encrypted */
  gboolean                          detecting;   /* incoming: plaintext or MSE? */
  GByteArray                       *detect_buf;
  ShoalMseFindTorrentFunc           find_torrent;
  gpointer                          find_torrent_data;

  guint8                            handshake_buf[SHOAL_PEER_WIRE_HANDSHAKE_LEN];
  gsize                             handshake_got;
  gboolean                          handshake_sent;

  ShoalPeerWireDecoder             *decoder;
  guint8                           *read_buf;
  GByteArray                       *out;
  gsize                             out_pos;
  ShoalPeerLimits                  *limits;          /* NULL: the defaults, not shared */
  guint64                           accounted;       /* of out, in limits->queued */
  gint64                            output_since_us; /* last byte sent, or first queued */
  gboolean                          paused_for_output; /* not reading: too much queued */
  gboolean                          output_overflow;   /* past every bound: closing */

  guint                             n_pieces;
  gboolean                          n_pieces_known;
  GBytes                           *pending_bitfield; /* before n_pieces is known */
  GArray                           *pending_haves;    /* of guint32, bounded */
  ShoalBitfield                    *peer_has;
  gboolean                          peer_has_all;
  gboolean                          am_choking;
  gboolean                          am_interested;
  gboolean                          peer_choking;
  gboolean                          peer_interested;

  ShoalRateLimit                   *down_limits[MAX_LIMITS];
  ShoalRateLimit                   *up_limits[MAX_LIMITS];
  ShoalRate                         down_rate;
  ShoalRate                         up_rate;

  gint64                            started_us;
  gint64                            handshake_started_us; /* accepted or connected */
  gint64                            last_received_us;
  gint64                            last_sent_us;
  ShoalNetBind                     *bind;  /* where an outgoing connection is made from, or NULL */
  GProxyResolver                   *proxy; /* what an outgoing connection goes through, or NULL */
};

/* Output queued past this many times the per-peer limit closes the
 * connection: what is not gated (haves, requests we send…) stays far below. */
#define OUTPUT_OVERFLOW_FACTOR 4


/* shoal-peer-connection.c */
const ShoalPeerLimits *_shoal_peer_connection_limits_of         (ShoalPeerConnection *self);
void                   _shoal_peer_connection_fail_with         (ShoalPeerConnection *self,
                                                                 GError              *error);

/* shoal-peer-connection-input.c */
void                   _shoal_peer_connection_send_handshake    (ShoalPeerConnection *self);
void                   _shoal_peer_connection_start_reading     (ShoalPeerConnection *self);

/* shoal-peer-connection-output.c */
void                   _shoal_peer_connection_account_output    (ShoalPeerConnection *self);
void                   _shoal_peer_connection_release_output    (ShoalPeerConnection *self);
void                   _shoal_peer_connection_queue_bytes       (ShoalPeerConnection *self,
                                                                 const guint8        *data,
                                                                 gsize                len);
void                   _shoal_peer_connection_queue_raw         (ShoalPeerConnection *self,
                                                                 GByteArray          *bytes);
void                   _shoal_peer_connection_flush_output      (ShoalPeerConnection *self);
void                   _shoal_peer_connection_send_message_bytes (ShoalPeerConnection *self,
                                                                  GByteArray          *msg);

G_END_DECLS
