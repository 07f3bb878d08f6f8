/* shoal-tracker.h: tracker announce/scrape types shared by HTTP and UDP
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SHOAL_TRACKER_ERROR (shoal_tracker_error_quark ())

/**
 * ShoalTrackerError:
 * @SHOAL_TRACKER_ERROR_FAILURE: the tracker refused the request; the message
 *   is the tracker's own `failure reason` (HTTP) or error text (UDP)
 * @SHOAL_TRACKER_ERROR_MALFORMED: the response does not follow the protocol
 * @SHOAL_TRACKER_ERROR_TOO_LARGE: the response is larger than allowed
 * @SHOAL_TRACKER_ERROR_BAD_URL: the announce URL cannot be used
 * @SHOAL_TRACKER_ERROR_SCRAPE_UNSUPPORTED: no scrape URL can be derived from
 *   the announce URL (BEP 48)
 * @SHOAL_TRACKER_ERROR_HTTP: the HTTP server answered with an error status
 * @SHOAL_TRACKER_ERROR_TIMEOUT: the tracker did not answer in time
 * @SHOAL_TRACKER_ERROR_INVALID_REQUEST: the request itself is not valid
 * @SHOAL_TRACKER_ERROR_BAD_REDIRECT: the tracker redirected to a URL we do
 *   not follow (see shoal_http_redirect_check()), or too many times
 */
typedef enum
{
  SHOAL_TRACKER_ERROR_FAILURE,
  SHOAL_TRACKER_ERROR_MALFORMED,
  SHOAL_TRACKER_ERROR_TOO_LARGE,
  SHOAL_TRACKER_ERROR_BAD_URL,
  SHOAL_TRACKER_ERROR_SCRAPE_UNSUPPORTED,
  SHOAL_TRACKER_ERROR_HTTP,
  SHOAL_TRACKER_ERROR_TIMEOUT,
  SHOAL_TRACKER_ERROR_INVALID_REQUEST,
  SHOAL_TRACKER_ERROR_BAD_REDIRECT,
} ShoalTrackerError;

/**
 * ShoalTrackerEvent:
 * @SHOAL_TRACKER_EVENT_NONE: a regular announce
 * @SHOAL_TRACKER_EVENT_STARTED: the first announce of a download
 * @SHOAL_TRACKER_EVENT_COMPLETED: the download has just finished
 * @SHOAL_TRACKER_EVENT_STOPPED: the download is going away
 */
typedef enum
{
  SHOAL_TRACKER_EVENT_NONE,
  SHOAL_TRACKER_EVENT_STARTED,
  SHOAL_TRACKER_EVENT_COMPLETED,
  SHOAL_TRACKER_EVENT_STOPPED,
} ShoalTrackerEvent;

#define SHOAL_TRACKER_HASH_LEN       20
#define SHOAL_TRACKER_PEER_ID_LEN    20
/* Responses are read with these bounds; a larger one is an error, and peers
 * beyond the limit are dropped (a tracker never needs to send that many). */
#define SHOAL_TRACKER_MAX_RESPONSE   (2u * 1024u * 1024u)
#define SHOAL_TRACKER_MAX_PEERS      1000u
#define SHOAL_TRACKER_MAX_SCRAPE     64u
#define SHOAL_TRACKER_MAX_TEXT       1024u
#define SHOAL_TRACKER_MAX_TRACKER_ID 256u

/**
 * ShoalTrackerRequest:
 * @info_hash: the SHA-1 info-hash, or for v2-only torrents the SHA-256
 *   info-hash truncated to 20 bytes
 * @peer_id: our peer id
 * @port: the port we accept peer connections on
 * @uploaded: bytes uploaded since the `started` event
 * @downloaded: bytes downloaded since the `started` event
 * @left: bytes still missing
 * @event: the announce event
 * @numwant: how many peers we want, or -1 for the tracker's default
 * @key: a random value that identifies us across IP changes
 * @tracker_id: the `tracker id` of a previous response, or %NULL
 *
 * The parameters of one announce. The caller owns @tracker_id; clients copy
 * what they need before returning.
 */
typedef struct
{
  guint8            info_hash[SHOAL_TRACKER_HASH_LEN];
  guint8            peer_id[SHOAL_TRACKER_PEER_ID_LEN];
  guint16           port;
  guint64           uploaded;
  guint64           downloaded;
  guint64           left;
  ShoalTrackerEvent event;
  gint              numwant;
  guint32           key;
  const char       *tracker_id;
} ShoalTrackerRequest;

/**
 * ShoalTrackerPeer:
 * @family: %G_SOCKET_FAMILY_IPV4 or %G_SOCKET_FAMILY_IPV6
 * @port: the peer's port, in host byte order, never 0
 * @addr: the address in network byte order; 4 bytes are used for IPv4
 */
typedef struct
{
  GSocketFamily family;
  guint16       port;
  guint8        addr[16];
} ShoalTrackerPeer;

/**
 * ShoalTrackerResponse:
 * @interval: seconds to wait before the next regular announce
 * @min_interval: the minimum announce interval, or -1 if not given
 * @seeders: peers with the whole torrent, or -1 if not given
 * @leechers: peers still downloading, or -1 if not given
 * @tracker_id: the tracker id to send back on later announces, or %NULL
 * @warning: a warning to show the user, or %NULL
 * @peers: (element-type ShoalTrackerPeer): the peers, at most
 *   %SHOAL_TRACKER_MAX_PEERS
 */
typedef struct
{
  gint64  interval;
  gint64  min_interval;
  gint64  seeders;
  gint64  leechers;
  gchar  *tracker_id;
  gchar  *warning;
  GArray *peers;
} ShoalTrackerResponse;

/**
 * ShoalTrackerScrapeEntry:
 * @info_hash: the torrent these counts are for
 * @complete: seeders, or -1 if not given
 * @incomplete: leechers, or -1 if not given
 * @downloaded: completed downloads so far, or -1 if not given
 */
typedef struct
{
  guint8 info_hash[SHOAL_TRACKER_HASH_LEN];
  gint64 complete;
  gint64 incomplete;
  gint64 downloaded;
} ShoalTrackerScrapeEntry;

GQuark                 shoal_tracker_error_quark             (void);

const char            *shoal_tracker_event_to_string         (ShoalTrackerEvent     event);

ShoalTrackerResponse  *shoal_tracker_response_new            (void);
void                   shoal_tracker_response_free           (ShoalTrackerResponse *self);
gboolean               shoal_tracker_response_add_compact_peers (ShoalTrackerResponse *self,
                                                              const guint8         *data,
                                                              gsize                 len,
                                                              GSocketFamily         family,
                                                              GError              **error);
gboolean               shoal_tracker_response_add_peer       (ShoalTrackerResponse *self,
                                                              const ShoalTrackerPeer *peer);

GSocketAddress        *shoal_tracker_peer_to_socket_address  (const ShoalTrackerPeer *peer);
gchar                 *shoal_tracker_peer_to_string          (const ShoalTrackerPeer *peer);

gchar                 *shoal_tracker_sanitize_text           (const guint8         *data,
                                                              gsize                 len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalTrackerResponse, shoal_tracker_response_free)

G_END_DECLS
