/* shoal-session-limits.h: bounds on what peers may cost us (engine internal)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "shoal-peer-connection.h"
#include "shoal-session.h"

G_BEGIN_DECLS

#define SHOAL_SESSION_MAX_HALF_OPEN           64 /* incoming connections still handshaking */
#define SHOAL_SESSION_MAX_HALF_OPEN_PER_IP    3
#define SHOAL_TORRENT_MAX_CONNECTIONS_PER_IP  3  /* incoming, to one torrent */

ShoalPeerLimits *_shoal_session_get_peer_limits    (ShoalSession *self);
guint            _shoal_session_get_n_connections  (ShoalSession *self); /* incoming ones too */
gboolean         _shoal_session_limits_per_ip      (ShoalSession *self,
                                                    GInetAddress *address);

/* For tests: short timeouts and small bounds, so that an attack shows in
 * seconds; @limit_loopback applies the per-IP limits to 127.0.0.0/8 and ::1
 * too (by default they are exempt: tests run many peers there). A bound or
 * timeout of 0 keeps the current value. */
void             _shoal_session_set_peer_limits_for_testing (ShoalSession *self,
                                                             guint64       max_output,
                                                             guint64       max_total_output,
                                                             guint         stall_timeout_s,
                                                             guint         handshake_timeout_s,
                                                             gboolean      limit_loopback);
guint64          _shoal_session_get_queued_output  (ShoalSession *self);
guint            _shoal_session_get_n_half_open    (ShoalSession *self);

G_END_DECLS
