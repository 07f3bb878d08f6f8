/* shoal-utp-socket.h: one uTP connection (BEP 29), a ShoalTransport
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "shoal-transport.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_UTP_SOCKET (shoal_utp_socket_get_type ())
G_DECLARE_FINAL_TYPE (ShoalUtpSocket, shoal_utp_socket, SHOAL, UTP_SOCKET, GObject)

/* Counters of one connection, for logs and tests. */
typedef struct
{
  guint64 packets_sent;
  guint64 packets_received;
  guint64 bytes_sent;        /* payload, first transmissions */
  guint64 bytes_received;    /* payload delivered in order */
  guint64 retransmits;       /* packets sent again */
  guint64 fast_resends;      /* of those, on three later packets acked */
  guint64 timeouts;          /* retransmission timer expiries */
  guint64 duplicates;        /* packets received twice */
  guint64 out_of_order;      /* packets kept for later */
  guint64 dropped;           /* refused: beyond the window, acks of unsent data */
  guint   packet_size;       /* what full packets measure now */
  guint   cwnd;              /* bytes */
  guint   rtt_ms;
  guint   rto_ms;
  guint   queuing_delay_ms;  /* LEDBAT's estimate */
} ShoalUtpSocketStats;

void                shoal_utp_socket_get_stats     (ShoalUtpSocket      *self,
                                                    ShoalUtpSocketStats *stats);
gboolean            shoal_utp_socket_is_incoming   (ShoalUtpSocket      *self);
gboolean            shoal_utp_socket_is_connected  (ShoalUtpSocket      *self);

G_END_DECLS
