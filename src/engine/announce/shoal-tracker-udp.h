/* shoal-tracker-udp.h: UDP tracker client (BEP 15)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "shoal-net-bind.h"
#include "shoal-tracker.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_TRACKER_UDP (shoal_tracker_udp_get_type ())

G_DECLARE_FINAL_TYPE (ShoalTrackerUdp, shoal_tracker_udp, SHOAL, TRACKER_UDP, GObject)

/* BEP 15: wait 15 * 2^n seconds, n = 0..8, before giving up. */
#define SHOAL_TRACKER_UDP_DEFAULT_BASE_TIMEOUT_MS 15000u
#define SHOAL_TRACKER_UDP_DEFAULT_MAX_TRIES       9u
/* A connection id may be used for one minute after it was received. */
#define SHOAL_TRACKER_UDP_CONNECTION_ID_LIFETIME_US (60 * G_USEC_PER_SEC)

#define SHOAL_TRACKER_UDP_PROTOCOL_ID   G_GUINT64_CONSTANT (0x41727101980)
#define SHOAL_TRACKER_UDP_ACTION_CONNECT  0u
#define SHOAL_TRACKER_UDP_ACTION_ANNOUNCE 1u
#define SHOAL_TRACKER_UDP_ACTION_SCRAPE   2u
#define SHOAL_TRACKER_UDP_ACTION_ERROR    3u
#define SHOAL_TRACKER_UDP_ANNOUNCE_LEN    98u
/* BEP 15 says about 74 torrents fit in one scrape. */
#define SHOAL_TRACKER_UDP_MAX_SCRAPE      74u

ShoalTrackerUdp      *shoal_tracker_udp_new               (const char                *url,
                                                           GError                   **error);
const char           *shoal_tracker_udp_get_host          (ShoalTrackerUdp           *self);
guint16               shoal_tracker_udp_get_port          (ShoalTrackerUdp           *self);
void                  shoal_tracker_udp_set_retransmission (ShoalTrackerUdp          *self,
                                                            guint                     base_timeout_ms,
                                                            guint                     max_tries);
gboolean              shoal_tracker_udp_has_connection_id (ShoalTrackerUdp           *self);

void                  shoal_tracker_udp_announce_async    (ShoalTrackerUdp           *self,
                                                           const ShoalTrackerRequest *request,
                                                           GCancellable              *cancellable,
                                                           GAsyncReadyCallback        callback,
                                                           gpointer                   user_data);
ShoalTrackerResponse *shoal_tracker_udp_announce_finish   (ShoalTrackerUdp           *self,
                                                           GAsyncResult              *result,
                                                           GError                   **error);

void                  shoal_tracker_udp_scrape_async      (ShoalTrackerUdp           *self,
                                                           const guint8              *info_hashes,
                                                           guint                      n_info_hashes,
                                                           GCancellable              *cancellable,
                                                           GAsyncReadyCallback        callback,
                                                           gpointer                   user_data);
GArray               *shoal_tracker_udp_scrape_finish     (ShoalTrackerUdp           *self,
                                                           GAsyncResult              *result,
                                                           GError                   **error);

/* Packet codecs, exposed for the unit tests. */
void                  shoal_tracker_udp_build_announce    (const ShoalTrackerRequest *request,
                                                           guint64                    connection_id,
                                                           guint32                    transaction_id,
                                                           guint8                     out[SHOAL_TRACKER_UDP_ANNOUNCE_LEN]);
ShoalTrackerResponse *shoal_tracker_udp_parse_announce    (const guint8              *data,
                                                           gsize                      len,
                                                           GSocketFamily              family,
                                                           GError                   **error);
GArray               *shoal_tracker_udp_parse_scrape      (const guint8              *data,
                                                           gsize                      len,
                                                           const guint8              *info_hashes,
                                                           guint                      n_info_hashes,
                                                           GError                   **error);
gchar                *shoal_tracker_udp_parse_error       (const guint8              *data,
                                                           gsize                      len);

void              shoal_tracker_udp_set_bind          (ShoalTrackerUdp *self,
                                                       ShoalNetBind    *bind);
void              shoal_tracker_udp_set_socks_proxy   (ShoalTrackerUdp *self,
                                                       const char      *proxy_uri);

G_END_DECLS
