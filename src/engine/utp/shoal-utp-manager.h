/* shoal-utp-manager.h: every uTP connection on one UDP socket (BEP 29)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "shoal-utp-socket.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_UTP_MANAGER (shoal_utp_manager_get_type ())
G_DECLARE_FINAL_TYPE (ShoalUtpManager, shoal_utp_manager, SHOAL, UTP_MANAGER, GObject)

/* The connections one manager keeps, whatever their state. */
#define SHOAL_UTP_MAX_SOCKETS_DEFAULT 512

/* Takes a new incoming connection (returns TRUE and keeps a reference) or
 * refuses it (FALSE: the peer gets a RESET). */
typedef gboolean (*ShoalUtpAcceptFunc) (ShoalUtpManager *manager,
                                        ShoalUtpSocket  *socket,
                                        gpointer         user_data);

/* Sends a datagram instead of the GSocket (tests); returns whether it went,
 * and sets %G_IO_ERROR_WOULD_BLOCK when the way out is full. */
typedef gboolean (*ShoalUtpSendFunc)   (ShoalUtpManager    *manager,
                                        GInetSocketAddress *to,
                                        const guint8       *data,
                                        gsize               len,
                                        gpointer            user_data,
                                        GError            **error);

typedef struct
{
  guint   n_sockets;
  guint64 packets_sent;
  guint64 packets_received;
  guint64 retransmits;
  guint64 fast_resends;
  guint64 timeouts;
  guint64 resets_sent;
  guint64 refused;           /* SYNs refused: limits, or the owner */
  guint64 unknown;           /* packets for no connection */
  guint64 invalid;           /* datagrams that did not parse */
} ShoalUtpManagerStats;

ShoalUtpManager *shoal_utp_manager_new               (void);
void             shoal_utp_manager_set_socket        (ShoalUtpManager      *self,
                                                      GSocket              *socket);
void             shoal_utp_manager_set_send_func     (ShoalUtpManager      *self,
                                                      ShoalUtpSendFunc      func,
                                                      gpointer              user_data);
void             shoal_utp_manager_set_accept_func   (ShoalUtpManager      *self,
                                                      ShoalUtpAcceptFunc    func,
                                                      gpointer              user_data);
void             shoal_utp_manager_set_max_sockets   (ShoalUtpManager      *self,
                                                      guint                 max_sockets);
gboolean         shoal_utp_manager_handle_datagram   (ShoalUtpManager      *self,
                                                      GInetSocketAddress   *from,
                                                      const guint8         *data,
                                                      gsize                 len);
void             shoal_utp_manager_flush             (ShoalUtpManager      *self);
ShoalUtpSocket  *shoal_utp_manager_connect           (ShoalUtpManager      *self,
                                                      GInetSocketAddress   *remote,
                                                      GError              **error);
void             shoal_utp_manager_get_stats         (ShoalUtpManager      *self,
                                                      ShoalUtpManagerStats *stats);
void             shoal_utp_manager_close_all         (ShoalUtpManager      *self);
void             shoal_utp_manager_set_timing_for_testing (ShoalUtpManager *self,
                                                           guint            min_rto_ms,
                                                           guint            tick_ms,
                                                           guint            syn_timeout_ms);

G_END_DECLS
