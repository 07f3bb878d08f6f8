/* shoal-utp-private.h: what the uTP manager and its connections share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For shoal-utp-manager.c and shoal-utp-socket.c alone.
 */
#pragma once

#include "shoal-utp-manager.h"
#include "shoal-utp-packet.h"

G_BEGIN_DECLS

/* Packets in flight at once (a power of two): also the reorder window. */
#define UTP_RING            1024
#define UTP_RING_MASK       (UTP_RING - 1)
/* Bytes received but not read yet, in order or not: the advertised window. */
#define UTP_RECV_MAX        (2u * 1024 * 1024)
/* Bytes the owner may queue before send() says it would block. */
#define UTP_SEND_MAX        (1u * 1024 * 1024)
/* LEDBAT (RFC 6817): target queuing delay, and the cap on the window. */
#define UTP_TARGET_US       100000
#define UTP_MAX_CWND        (2u * 1024 * 1024)
/* Packet sizes (uTP header and payload): Ethernet-safe to start (fits a
 * 1500-byte MTU under IPv6 and a tunnel's worth of headers), probed up to
 * what a 1500-byte MTU carries. */
#define UTP_START_PACKET    1400
#define UTP_MAX_PACKET_V4   (1500 - 20 - 8)
#define UTP_MAX_PACKET_V6   (1500 - 40 - 8)
#define UTP_MIN_RTO_US      500000
#define UTP_MAX_RTO_US      (8 * G_USEC_PER_SEC)
/* Give up after this many expiries in a row, or this long without an ack. */
#define UTP_MAX_TIMEOUTS    8
#define UTP_DEAD_US         (30 * G_USEC_PER_SEC)
#define UTP_SYN_TRIES       3
#define UTP_LINGER_US       (10 * G_USEC_PER_SEC)

typedef struct
{
  guint8  family;     /* 4 or 6 */
  guint8  addr[16];
  guint16 port;
  guint16 recv_id;    /* the connection ID of packets we receive */
} UtpKey;

guint    _shoal_utp_key_hash  (gconstpointer key);
gboolean _shoal_utp_key_equal (gconstpointer a,
                               gconstpointer b);
gboolean _shoal_utp_key_set   (UtpKey             *key,
                               GInetSocketAddress *address,
                               guint16             recv_id);

typedef struct
{
  guint  min_rto_us;
  guint  max_rto_us;
  guint  syn_timeout_us;
} UtpTiming;

/* shoal-utp-manager.c, for the sockets */
gboolean _shoal_utp_manager_send      (ShoalUtpManager    *self,
                                       GInetSocketAddress *to,
                                       const guint8       *data,
                                       gsize               len,
                                       gboolean            allow_fragments,
                                       GError            **error);
void     _shoal_utp_manager_want_ack  (ShoalUtpManager    *self,
                                       ShoalUtpSocket     *socket);
void     _shoal_utp_manager_blocked   (ShoalUtpManager    *self,
                                       ShoalUtpSocket     *socket);
const UtpTiming *_shoal_utp_manager_timing (ShoalUtpManager *self);
void     _shoal_utp_manager_count     (ShoalUtpManager    *self,
                                       guint               retransmits,
                                       guint               fast_resends,
                                       guint               timeouts);

/* shoal-utp-socket.c, for the manager */
ShoalUtpSocket *_shoal_utp_socket_new_outgoing (ShoalUtpManager    *manager,
                                                GInetSocketAddress *remote,
                                                guint16             recv_id);
ShoalUtpSocket *_shoal_utp_socket_new_incoming (ShoalUtpManager      *manager,
                                                GInetSocketAddress   *remote,
                                                const ShoalUtpPacket *syn,
                                                gint64                now_us);
const UtpKey   *_shoal_utp_socket_get_key      (ShoalUtpSocket       *self);
void            _shoal_utp_socket_receive      (ShoalUtpSocket       *self,
                                                const ShoalUtpPacket *packet,
                                                gint64                now_us);
void            _shoal_utp_socket_send_ack     (ShoalUtpSocket       *self,
                                                gint64                now_us);
void            _shoal_utp_socket_send_ack_if_needed (ShoalUtpSocket *self,
                                                      gint64          now_us);
void            _shoal_utp_socket_flush        (ShoalUtpSocket       *self,
                                                gint64                now_us);
/* Returns FALSE once the manager may forget the socket. */
gboolean        _shoal_utp_socket_tick         (ShoalUtpSocket       *self,
                                                gint64                now_us);
void            _shoal_utp_socket_detach       (ShoalUtpSocket       *self);
void            _shoal_utp_socket_unblock      (ShoalUtpSocket       *self,
                                                gint64                now_us);
void            _shoal_utp_socket_send_syn_ack (ShoalUtpSocket       *self,
                                                gint64                now_us);

G_END_DECLS
