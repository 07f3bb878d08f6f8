/* shoal-types.h: forward declarations and enums shared across the engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#if !defined (SHOAL_ENGINE_INSIDE) && !defined (SHOAL_ENGINE_COMPILATION)
# error "Only <shoal-engine.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _ShoalSession        ShoalSession;
typedef struct _ShoalTorrent        ShoalTorrent;
typedef struct _ShoalPeer           ShoalPeer;

/**
 * ShoalTorrentState:
 * @SHOAL_TORRENT_STATE_PAUSED: stopped by the user
 * @SHOAL_TORRENT_STATE_CHECKING: verifying data already on disk
 * @SHOAL_TORRENT_STATE_DOWNLOADING: fetching pieces
 * @SHOAL_TORRENT_STATE_SEEDING: complete (for the wanted files) and uploading
 * @SHOAL_TORRENT_STATE_FINISHED: complete and stopped by a seeding limit
 * @SHOAL_TORRENT_STATE_ERROR: stopped by an error, see the error property
 * @SHOAL_TORRENT_STATE_FETCHING_METADATA: a magnet link waiting for metadata
 * @SHOAL_TORRENT_STATE_QUEUED: waiting for a free slot under the session's
 *   limits of active downloads or seeds; starts in queue order
 */
typedef enum
{
  SHOAL_TORRENT_STATE_PAUSED,
  SHOAL_TORRENT_STATE_CHECKING,
  SHOAL_TORRENT_STATE_DOWNLOADING,
  SHOAL_TORRENT_STATE_SEEDING,
  SHOAL_TORRENT_STATE_FINISHED,
  SHOAL_TORRENT_STATE_ERROR,
  SHOAL_TORRENT_STATE_FETCHING_METADATA,
  SHOAL_TORRENT_STATE_QUEUED,
} ShoalTorrentState;


/**
 * ShoalFilePriority:
 */
typedef enum
{
  SHOAL_FILE_PRIORITY_SKIP   = 0,
  SHOAL_FILE_PRIORITY_LOW    = 1,
  SHOAL_FILE_PRIORITY_NORMAL = 4,
  SHOAL_FILE_PRIORITY_HIGH   = 7,
} ShoalFilePriority;

/**
 * ShoalPeerFlags:
 */
typedef enum
{
  SHOAL_PEER_FLAG_NONE            = 0,
  SHOAL_PEER_FLAG_INCOMING        = 1 << 0,
  SHOAL_PEER_FLAG_ENCRYPTED       = 1 << 1,
  SHOAL_PEER_FLAG_AM_CHOKING      = 1 << 2,
  SHOAL_PEER_FLAG_AM_INTERESTED   = 1 << 3,
  SHOAL_PEER_FLAG_PEER_CHOKING    = 1 << 4,
  SHOAL_PEER_FLAG_PEER_INTERESTED = 1 << 5,
  SHOAL_PEER_FLAG_OPTIMISTIC      = 1 << 6,
  SHOAL_PEER_FLAG_SNUBBED         = 1 << 7,
  SHOAL_PEER_FLAG_SEED            = 1 << 8,
  SHOAL_PEER_FLAG_FROM_TRACKER    = 1 << 9,
  SHOAL_PEER_FLAG_FROM_DHT        = 1 << 10,
  SHOAL_PEER_FLAG_FROM_PEX        = 1 << 11,
  SHOAL_PEER_FLAG_FROM_LSD        = 1 << 12,
  SHOAL_PEER_FLAG_WEB_SEED        = 1 << 13,
  SHOAL_PEER_FLAG_UTP             = 1 << 14,
} ShoalPeerFlags;

/**
 * ShoalEncryptionPolicy:
 * @SHOAL_ENCRYPTION_PREFER: outgoing connections use MSE and offer RC4 and
 *   plaintext; RC4 is chosen when the peer offers both; incoming plaintext
 *   handshakes are accepted
 * @SHOAL_ENCRYPTION_REQUIRE: RC4 only, both ways; incoming plaintext
 *   handshakes are refused
 * @SHOAL_ENCRYPTION_ALLOW_PLAINTEXT: outgoing connections send a plain
 *   BitTorrent handshake; incoming MSE is accepted, and plaintext is chosen
 *   after it when the peer offers it
 */
typedef enum
{
  SHOAL_ENCRYPTION_PREFER,
  SHOAL_ENCRYPTION_REQUIRE,
  SHOAL_ENCRYPTION_ALLOW_PLAINTEXT,
} ShoalEncryptionPolicy;

/**
 * ShoalUtpMode:
 * @SHOAL_UTP_MODE_PREFER: incoming uTP and TCP accepted; outgoing
 *   connections try uTP first with peers that advertise it, and the other
 *   transport when the first fails before the handshake
 * @SHOAL_UTP_MODE_OFF: TCP only
 * @SHOAL_UTP_MODE_ONLY: uTP only, no TCP at all
 *
 * Which transports peer connections use (BEP 29).
 */
typedef enum
{
  SHOAL_UTP_MODE_PREFER,
  SHOAL_UTP_MODE_OFF,
  SHOAL_UTP_MODE_ONLY,
} ShoalUtpMode;

/**
 * ShoalAddFlags:
 * @SHOAL_ADD_FLAGS_NONE: start at once, verifying data already on disk
 * @SHOAL_ADD_FLAGS_PAUSED: add paused
 * @SHOAL_ADD_FLAGS_SEED_MODE: the data is known to be complete and correct
 *   (just created from it): skip the check and seed
 * @SHOAL_ADD_FLAGS_SEQUENTIAL: download pieces in order
 * @SHOAL_ADD_FLAGS_NO_SAVE: keep no resume state (for one-shot CLI use)
 * @SHOAL_ADD_FLAGS_PAUSE_AFTER_METADATA: a magnet link fetches its metadata,
 *   then pauses before touching any file (so the user can choose files)
 * @SHOAL_ADD_FLAGS_RESUME: use the state saved for this torrent in the
 *   state directory, if any (for a session that does not restore its saved
 *   torrents, see shoal_session_set_restore_saved_torrents()): pieces and
 *   totals come back, and the data is checked only as far as the files
 *   changed since, or wholly if the state was saved for another directory.
 *   The other flags win over what was saved. A magnet link whose metadata
 *   was saved is added as that torrent. Ignored with
 *   %SHOAL_ADD_FLAGS_SEED_MODE.
 */
typedef enum
{
  SHOAL_ADD_FLAGS_NONE       = 0,
  SHOAL_ADD_FLAGS_PAUSED     = 1 << 0,
  SHOAL_ADD_FLAGS_SEED_MODE  = 1 << 1,
  SHOAL_ADD_FLAGS_SEQUENTIAL = 1 << 2,
  SHOAL_ADD_FLAGS_NO_SAVE    = 1 << 3,
  SHOAL_ADD_FLAGS_PAUSE_AFTER_METADATA = 1 << 4,
  SHOAL_ADD_FLAGS_RESUME     = 1 << 5,
} ShoalAddFlags;

/**
 * ShoalPortMappingState:
 * @SHOAL_PORT_MAPPING_OFF: mapping is switched off
 * @SHOAL_PORT_MAPPING_NOT_MAPPED: no mapping, for the reason given
 *   (no router answered, the router refused, it is itself behind a NAT,
 *   the session is bound to another interface, …)
 * @SHOAL_PORT_MAPPING_PENDING: asking the router
 * @SHOAL_PORT_MAPPING_UPNP: mapped by UPnP IGD
 * @SHOAL_PORT_MAPPING_NATPMP: mapped by NAT-PMP
 * @SHOAL_PORT_MAPPING_PCP: mapped by PCP
 *
 * Whether the router forwards the listening port to us.
 */
typedef enum
{
  SHOAL_PORT_MAPPING_OFF,
  SHOAL_PORT_MAPPING_NOT_MAPPED,
  SHOAL_PORT_MAPPING_PENDING,
  SHOAL_PORT_MAPPING_UPNP,
  SHOAL_PORT_MAPPING_NATPMP,
  SHOAL_PORT_MAPPING_PCP,
} ShoalPortMappingState;

/**
 * ShoalQueueMove:
 * @SHOAL_QUEUE_MOVE_UP: one place towards the front of the queue
 * @SHOAL_QUEUE_MOVE_DOWN: one place towards the back
 * @SHOAL_QUEUE_MOVE_TOP: to the front: the first to start
 * @SHOAL_QUEUE_MOVE_BOTTOM: to the back: the last to start
 */
typedef enum
{
  SHOAL_QUEUE_MOVE_UP,
  SHOAL_QUEUE_MOVE_DOWN,
  SHOAL_QUEUE_MOVE_TOP,
  SHOAL_QUEUE_MOVE_BOTTOM,
} ShoalQueueMove;

/**
 * ShoalMeteredPolicy:
 * @SHOAL_METERED_IGNORE: transfer as usual on a metered network
 * @SHOAL_METERED_PAUSE: stop every transfer while the network is metered
 * @SHOAL_METERED_LIMIT: use the alternative speed limits while it is
 */
typedef enum
{
  SHOAL_METERED_IGNORE,
  SHOAL_METERED_PAUSE,
  SHOAL_METERED_LIMIT,
} ShoalMeteredPolicy;

/**
 * ShoalSeedLimitMode:
 * @SHOAL_SEED_LIMIT_MODE_GLOBAL: the torrent follows the session's limit
 *   (whatever it is, none included)
 * @SHOAL_SEED_LIMIT_MODE_OWN: the torrent has a limit of its own, even one
 *   equal to the session's
 * @SHOAL_SEED_LIMIT_MODE_UNLIMITED: the torrent has no limit of its own,
 *   whatever the session's
 *
 * Where a torrent's seeding limit (ratio, time, idle time) comes from, as
 * Transmission's seedRatioMode and seedIdleMode say it.
 */
typedef enum
{
  SHOAL_SEED_LIMIT_MODE_GLOBAL,
  SHOAL_SEED_LIMIT_MODE_OWN,
  SHOAL_SEED_LIMIT_MODE_UNLIMITED,
} ShoalSeedLimitMode;

G_END_DECLS
