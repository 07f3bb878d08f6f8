/* shoal-torrent-private.h: what the torrent's files and the session share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "shoal-announcer.h"
#include "shoal-block-verify.h"
#include "shoal-disk-pool.h"
#include "shoal-magnet.h"
#include "shoal-peer-candidates.h"
#include "shoal-peer-connection.h"
#include "shoal-peer-private.h"
#include "shoal-pex.h"
#include "shoal-piece-picker.h"
#include "shoal-rate.h"
#include "shoal-session-private.h"
#include "shoal-smart-ban.h"
#include "shoal-state-store.h"
#include "shoal-storage.h"
#include "shoal-torrent.h"
#include "shoal-torrent-services.h"
#include "shoal-ut-metadata.h"
#include "shoal-web-seed.h"

G_BEGIN_DECLS

#define SHOAL_TORRENT_MAX_BAD_PIECES     3   /* hash failures before a ban */
#define SHOAL_TORRENT_UNCHOKE_SLOTS      4
#define SHOAL_TORRENT_CHOKE_INTERVAL     10  /* s */
#define SHOAL_TORRENT_OPTIMISTIC_EVERY   3   /* choke rounds: 30 s */
#define SHOAL_TORRENT_REQUEST_TIMEOUT    30  /* s before a request is given to another peer */
#define SHOAL_TORRENT_MAX_PENDING_WRITES (48u * 1024u * 1024u)
#define SHOAL_TORRENT_MAX_PARTIAL_BYTES  (256u * 1024u * 1024u)
#define SHOAL_TORRENT_MAX_CANDIDATES     SHOAL_PEER_CANDIDATES_MAX
#define SHOAL_TORRENT_CONNECTS_PER_TICK  16

/* Who sent a block. Pieces being downloaded and checked hold a reference
 * per block, so blame for bad data reaches the address that sent it after
 * its connection closed; and the id, the picker's peer id, is a serial that
 * is never given to another connection, so blame never reaches a later
 * connection (as a freed and reused pointer would). */
typedef struct
{
  gpointer id;  /* per torrent, never reused */
  char    *ip;  /* the peer's address; NULL for a web seed */
} ShoalSender;

/* What the torrent keeps for each of its connections. */
typedef struct
{
  ShoalTorrent        *torrent;
  ShoalPeerConnection *conn;
  ShoalPeer           *peer;       /* public snapshot, in torrent->peers */
  ShoalPeerFlags       source;
  GArray              *requests;   /* of OutRequest: blocks we asked for */
  GQueue               uploads;    /* of ShoalBlock*: blocks the peer asked for */
  guint                reads_in_flight;
  guint64              downloaded; /* payload bytes */
  guint64              uploaded;
  gboolean             optimistic;
  gint64               unchoked_at_us;
  gint64               last_piece_us;
  ShoalUtMetadataRateLimit metadata_limit; /* requests for our metadata */
  gint64               metadata_size;      /* what the peer says, -1 unknown */
  ShoalPexState       *pex;                /* when the peer speaks ut_pex */
  ShoalSender         *sender;             /* its id for the picker, and for blame */
  double               piece_set_tokens;   /* whole piece sets it may still send (see below) */
  gint64               piece_set_refill_us;
} ShoalPeerState;

gboolean        _shoal_torrent_take_piece_set     (ShoalPeerState *ps);

typedef struct
{
  ShoalBlock block;
  gint64     sent_us;
} ShoalOutRequest;

/* A piece being downloaded: blocks are copied here until it is complete. */
typedef struct
{
  guint     piece;
  guint8   *data;
  guint64   size;
  GPtrArray *sources; /* per block: its ShoalSender (a reference), or NULL */
} ShoalPieceBuffer;

struct _ShoalTorrent
{
  GObject            parent_instance;

  ShoalSession      *session;       /* not owned: the session outlives us */
  const ShoalTorrentServices *services; /* the session's, for its lifetime */
  ShoalMetainfo     *info;          /* NULL while fetching metadata */
  ShoalMagnet       *magnet;        /* the link it was added from, if any */
  ShoalMetadataFetch *metadata_fetch; /* while fetching the metadata */
  char              *display_name;  /* the magnet's dn, until the metainfo */
  guint8             info_hash[20];
  char              *hash_hex;
  char              *save_dir;
  ShoalStateStore   *store;         /* where its metainfo and resume data are saved */
  gboolean           no_save;

  ShoalTorrentState  state;
  GError            *error;
  gboolean           paused;        /* the user's wish */
  gboolean           pause_after_metadata;
  gboolean           seed_mode;
  double             check_progress;
  gboolean           needs_check;    /* on the next start */
  ShoalBitfield     *check_only;     /* NULL: check all pieces */
  GArray            *file_stats;     /* of ShoalStorageFileStat, as last saved */
  guint8            *dirty_files;    /* per file: the saved state says it may be written to */
  GArray            *writing;        /* of guint: pieces being written */

  ShoalStorage      *storage;
  ShoalPiecePicker  *picker;
  ShoalBitfield     *lost_pieces;    /* NULL, or pieces we announced and then found bad on disk */
  guint8            *file_priorities;
  gboolean           sequential;
  GStrv              labels;        /* NULL: none */
  GHashTable        *buffers;       /* piece -> ShoalPieceBuffer */
  struct _ShoalBufferCache *buffer_cache; /* piece buffers kept for reuse */
  guint64            pending_write_bytes;
  guint              n_writes;
  GCancellable      *cancellable;   /* storage work; replaced on pause */

  GPtrArray         *connections;   /* of ShoalPeerConnection, owned */
  guint              n_counted_connections;  /* as the session's total has them */
  GListStore        *peers;         /* of ShoalPeer */
  ShoalPeerCandidates *candidates;
  gint64             candidates_pruned_us;
  ShoalSmartBan     *smart_ban;     /* strikes, evidence and bans, by address */
  ShoalBlockVerifier *block_verifier; /* v2 hashes: exact blame per block */
  GHashTable        *streaming;     /* piece -> its blocks written one by one (shoal-torrent-verify.c) */
  guint64            n_streamed_blocks; /* blocks written that way, for tests */
  guint64            last_sender_id; /* ShoalSender ids are given in sequence */
  GPtrArray         *web_seeds;     /* of ShoalWebSeed */
  guint              max_connections;

  ShoalAnnouncer    *announcer;
  gulong             peers_handler;
  gulong             tracker_error_handler;

  ShoalRateLimit     down_limit;
  ShoalRateLimit     up_limit;
  ShoalRate          down_rate;     /* payload */
  ShoalRate          up_rate;
  guint64            downloaded;    /* payload, all time */
  guint64            uploaded;
  guint64            session_downloaded; /* since started, for trackers */
  guint64            session_uploaded;
  gint64             added_time;
  gint64             completed_time;
  gint64             seeding_started_us;
  gint64             seeding_seconds; /* accumulated before this run */
  double             seed_ratio_limit; /* <= 0: none */
  gint64             seed_time_limit;  /* <= 0: none */

  /* Per-torrent options and the queue (shoal-torrent-options.c). */
  gboolean           seed_ratio_own;   /* seed_ratio_limit is the user's, not the session's */
  gboolean           seed_time_own;
  gboolean           seed_idle_own;    /* else the session's idle limit applies */
  gint64             seed_idle_limit;  /* s without upload while seeding, own; <= 0: none */
  guint              max_connections_own; /* 0: the session's per-torrent maximum */
  gboolean           first_last;       /* first and last piece of each file first */
  gint64             stream_piece;     /* -1: no stream; else the piece a player reads next */
  gint               queue_position;   /* 0: first; -1: not known yet */
  gboolean           queue_hold;       /* the session's queue keeps it from starting */
  gint64             last_transfer_us; /* payload moved last (for stalled) */
  guint64            last_transfer_bytes;
  char              *final_dir;        /* the incomplete-downloads folder moves the data here */

  guint              tick_count;
  gint64             next_dht_announce_us;
  gboolean           lsd_announced;
  guint              choke_rounds;
  gboolean           resume_unsaved;  /* set through _shoal_torrent_mark_dirty() only */
  gboolean           tick_closed;     /* closed: the session ticks it no more */
  gboolean           resume_on_disk; /* the saved state, taken up whole: nothing to write at the start */
  gboolean           resume_writing;  /* a worker is writing the resume file */
  GBytes            *resume_pending;  /* the newest state, to write next */
  gint               resume_in_thread; /* (atomic) the worker has not finished that write */
  gboolean           resume_final;    /* the session closed: its last state is taken */
  gint64             last_resume_save_us;

  struct _ShoalTorrentV2 *v2;         /* shoal-torrent-v2.c: a hybrid's second hash, layers being fetched */

  /* Cached for notify-only-on-change */
  guint64            last_down_rate;
  guint64            last_up_rate;
  guint              last_n_connected;
  double             last_progress;
};

/* shoal-torrent.c */
ShoalTorrent   *_shoal_torrent_new_common         (const ShoalTorrentServices *services,
                                                   const guint8   info_hash[20],
                                                   const char    *save_dir,
                                                   ShoalAddFlags  flags);
void            _shoal_torrent_attach_metainfo    (ShoalTorrent  *self,
                                                   ShoalMetainfo *info);
ShoalTorrent   *_shoal_torrent_new                (const ShoalTorrentServices *services,
                                                   ShoalMetainfo *info,
                                                   const char    *save_dir,
                                                   ShoalAddFlags  flags);
void            _shoal_torrent_begin              (ShoalTorrent  *self);
ShoalTorrent   *_shoal_torrent_new_magnet         (const ShoalTorrentServices *services,
                                                   ShoalMagnet   *magnet,
                                                   const char    *save_dir,
                                                   ShoalAddFlags  flags);
gboolean        _shoal_torrent_set_metainfo       (ShoalTorrent  *self,
                                                   ShoalMetainfo *info,
                                                   GError       **error);
void            _shoal_torrent_apply_resume       (ShoalTorrent          *self,
                                                   const ShoalResumeData *resume);
void            _shoal_torrent_save_resume        (ShoalTorrent  *self);
GBytes         *_shoal_torrent_take_final_resume  (ShoalTorrent  *self,
                                                   gboolean       closing);
void            _shoal_torrent_write_final_resume (ShoalTorrent  *self,
                                                   GBytes        *bytes);
void            _shoal_torrent_note_write_start   (ShoalTorrent  *self,
                                                   guint          piece);
void            _shoal_torrent_note_write_end     (ShoalTorrent  *self,
                                                   guint          piece);
void            _shoal_torrent_remove_state       (ShoalTorrent  *self);
void            _shoal_torrent_tick               (ShoalTorrent  *self,
                                                   gint64         now_us);
void            _shoal_torrent_set_error          (ShoalTorrent  *self,
                                                   const GError  *error);
void            _shoal_torrent_piece_verified     (ShoalTorrent  *self,
                                                   guint          piece);
void            _shoal_torrent_piece_lost         (ShoalTorrent  *self,
                                                   guint          piece);
void            _shoal_torrent_close              (ShoalTorrent  *self);
void            _shoal_torrent_free_buffer_cache  (ShoalTorrent  *self);
gboolean        _shoal_torrent_is_active          (ShoalTorrent  *self);
void            _shoal_torrent_update_limits      (ShoalTorrent  *self);
void            _shoal_torrent_notify_stats       (ShoalTorrent  *self);
guint           _shoal_torrent_get_n_connections  (ShoalTorrent  *self);
void            _shoal_torrent_count_connections  (ShoalTorrent  *self);
void            _shoal_torrent_set_state          (ShoalTorrent      *self,
                                                   ShoalTorrentState  state);
void            _shoal_torrent_become_active      (ShoalTorrent  *self);
void            _shoal_torrent_notify_progress    (ShoalTorrent  *self);
void            _shoal_torrent_notify_sequential  (ShoalTorrent  *self);
void            _shoal_torrent_notify_labels      (ShoalTorrent  *self);
void            _shoal_torrent_notify_seed_mode   (ShoalTorrent  *self,
                                                   guint          which);

/* shoal-torrent-options.c */
typedef enum
{
  SHOAL_QUEUE_CLASS_NONE,      /* paused, finished, in error: not queued */
  SHOAL_QUEUE_CLASS_DOWNLOAD,
  SHOAL_QUEUE_CLASS_SEED,
} ShoalQueueClass;

ShoalQueueClass _shoal_torrent_get_queue_class    (ShoalTorrent  *self);
gboolean        _shoal_torrent_is_stalled         (ShoalTorrent  *self,
                                                   gint64         now_us,
                                                   guint          stalled_seconds);
void            _shoal_torrent_set_queue_position (ShoalTorrent  *self,
                                                   gint           position);
void            _shoal_torrent_set_default_seed_limits (ShoalTorrent *self,
                                                        double        ratio,
                                                        gint64        seconds);
void            _shoal_torrent_set_default_max_connections (ShoalTorrent *self,
                                                            guint         max_connections);
void            _shoal_torrent_note_transfer      (ShoalTorrent  *self,
                                                   gint64         now_us);
void            _shoal_torrent_apply_piece_priorities (ShoalTorrent *self);
void            _shoal_torrent_set_final_dir      (ShoalTorrent  *self,
                                                   const char    *final_dir);
void            _shoal_torrent_move_to_final_dir  (ShoalTorrent  *self);

/* shoal-torrent.c, for the queue */
void            _shoal_torrent_set_queue_hold     (ShoalTorrent  *self,
                                                   gboolean       hold);

/* shoal-torrent-accessors.c */
void            _shoal_torrent_apply_priorities   (ShoalTorrent  *self);

/* shoal-torrent.c, for the session */
ShoalStorage   *_shoal_torrent_get_storage        (ShoalTorrent  *self);
gboolean        _shoal_torrent_get_lsd_announced  (ShoalTorrent  *self);
void            _shoal_torrent_set_lsd_announced  (ShoalTorrent  *self,
                                                   gboolean       announced);
void            _shoal_torrent_stop_announcing    (ShoalTorrent  *self);
void            _shoal_torrent_announce_port_changed (ShoalTorrent *self);
void            _shoal_torrent_apply_add_flags_after_resume (ShoalTorrent  *self,
                                                             ShoalAddFlags  flags);

/* shoal-torrent-peers.c (and shoal-torrent-connections.c, -extensions.c) */
gboolean        _shoal_torrent_adopt_incoming     (ShoalTorrent        *self,
                                                   ShoalPeerConnection *conn,
                                                   GError             **error);
ShoalPeerCandidate *_shoal_torrent_add_candidate  (ShoalTorrent        *self,
                                                   GInetSocketAddress  *address,
                                                   ShoalPeerFlags       source,
                                                   GInetAddress        *sender);
void            _shoal_torrent_connect_peers      (ShoalTorrent        *self,
                                                   gint64               now_us);
void            _shoal_torrent_close_all_peers    (ShoalTorrent        *self);
void            _shoal_torrent_peers_tick         (ShoalTorrent        *self,
                                                   gint64               now_us);
void            _shoal_torrent_choke              (ShoalTorrent        *self,
                                                   gboolean             rotate_optimistic);
void            _shoal_torrent_broadcast_have     (ShoalTorrent        *self,
                                                   guint                piece);
void            _shoal_torrent_update_interest    (ShoalTorrent        *self);
void            _shoal_torrent_fill_all_requests  (ShoalTorrent        *self);
void            _shoal_torrent_peer_got_metainfo  (ShoalTorrent        *self,
                                                   ShoalPeerConnection *conn);
void            _shoal_torrent_add_dht_peers      (ShoalTorrent        *self,
                                                   GPtrArray           *peers);
void            _shoal_torrent_add_lsd_peer       (ShoalTorrent        *self,
                                                   GInetSocketAddress  *address);
void            _shoal_torrent_start_web_seeds    (ShoalTorrent        *self);
void            _shoal_torrent_stop_web_seeds     (ShoalTorrent        *self);
void            _shoal_torrent_network_changed    (ShoalTorrent        *self);
char           *_shoal_torrent_conn_ip            (ShoalPeerConnection *conn);
ShoalPeerConnection *_shoal_torrent_find_connection (ShoalTorrent      *self,
                                                   gpointer             id);
void            _shoal_torrent_ban_ip             (ShoalTorrent        *self,
                                                   const char          *ip);
void            _shoal_torrent_attach_connection  (ShoalTorrent        *self,
                                                   ShoalPeerConnection *conn,
                                                   ShoalPeerFlags       source);

/* shoal-torrent-uploads.c (and _shoal_torrent_choke() above) */
void            _shoal_torrent_pump_uploads       (ShoalPeerState             *ps);
void            _shoal_torrent_drop_uploads       (ShoalPeerState             *ps);
void            _shoal_torrent_handle_request     (ShoalTorrent               *self,
                                                   ShoalPeerState             *ps,
                                                   const ShoalPeerWireMessage *msg);
void            _shoal_torrent_handle_cancel      (ShoalPeerState             *ps,
                                                   const ShoalPeerWireMessage *msg);
guint           _shoal_torrent_count_unchoked     (ShoalTorrent               *self);

/* shoal-torrent-extensions.c */
void            _shoal_torrent_send_dont_have (ShoalTorrent *self,
                                               guint         piece);
gboolean        _shoal_torrent_peer_hears_dont_have (ShoalPeerState *ps);
void            _shoal_torrent_send_extension_handshake (ShoalTorrent        *self,
                                                         ShoalPeerConnection *conn);
void            _shoal_torrent_handle_extended    (ShoalTorrent               *self,
                                                   ShoalPeerState             *ps,
                                                   const ShoalPeerWireMessage *msg);
void            _shoal_torrent_fill_metadata_requests (ShoalTorrent   *self,
                                                       ShoalPeerState *ps);
void            _shoal_torrent_send_pex           (ShoalTorrent        *self,
                                                   ShoalPeerState      *ps,
                                                   gint64               now_us);

/* shoal-torrent-connections.c (and _shoal_torrent_adopt_incoming(),
 * _shoal_torrent_add_candidate(), the DHT and LSD intake above) */
void            _shoal_torrent_mark_dirty         (ShoalTorrent        *self);
void            _shoal_torrent_wake               (ShoalTorrent        *self);
gboolean        _shoal_torrent_can_sleep          (ShoalTorrent        *self,
                                                   gint64               now_us,
                                                   gint64              *wake_us);
void            _shoal_torrent_dht_tick           (ShoalTorrent        *self,
                                                   gint64               now_us);

/* shoal-torrent-verify.c */
void            _shoal_torrent_verify_attach       (ShoalTorrent        *self);
void            _shoal_torrent_verify_detach       (ShoalTorrent        *self);
void            _shoal_torrent_verify_block        (ShoalTorrent        *self,
                                                    ShoalSender         *sender,
                                                    const ShoalBlock    *b,
                                                    const guint8        *data);
gboolean        _shoal_torrent_stream_block        (ShoalTorrent        *self,
                                                    ShoalSender         *sender,
                                                    const ShoalBlock    *b,
                                                    const guint8        *data);
void            _shoal_torrent_stream_piece_received (ShoalTorrent      *self,
                                                      guint              piece);
gboolean        _shoal_torrent_set_block_hashes    (ShoalTorrent        *self,
                                                    guint                piece,
                                                    const guint8        *leaves,
                                                    guint                n_leaves,
                                                    GError             **error);
gboolean        _shoal_torrent_verify_piece_failed (ShoalTorrent        *self,
                                                    guint                piece,
                                                    GBytes              *data,
                                                    GPtrArray           *sources);
void            _shoal_torrent_verify_piece_passed (ShoalTorrent        *self,
                                                    guint                piece,
                                                    GBytes              *data);

/* shoal-torrent-v2.c */
typedef struct _ShoalTorrentV2 ShoalTorrentV2;

void            _shoal_torrent_v2_set_hashes      (ShoalTorrent               *self,
                                                   const guint8               *v1,
                                                   const guint8               *v2);
void            _shoal_torrent_v2_free            (ShoalTorrent               *self);
const guint8   *_shoal_torrent_get_alt_info_hash  (ShoalTorrent               *self);
gboolean        _shoal_torrent_matches_info_hash  (ShoalTorrent               *self,
                                                   const guint8               *hash);
gboolean        _shoal_torrent_v2_handshake_bit   (ShoalTorrent               *self);
gboolean        _shoal_torrent_v2_hold_requests   (ShoalPeerState             *ps);
void            _shoal_torrent_v2_handle_message  (ShoalTorrent               *self,
                                                   ShoalPeerState             *ps,
                                                   const ShoalPeerWireMessage *msg);

/* The state the torrent keeps for @conn, one of its connections. */
static inline ShoalPeerState *
_shoal_torrent_peer_state (ShoalPeerConnection *conn)
{
  return shoal_peer_connection_get_owner_data (conn);
}

/* What the picker and the metadata fetcher know the connection as. */
static inline gpointer
_shoal_torrent_sender_id (ShoalPeerState *ps)
{
  return ps->sender->id;
}

/* Asks the torrent's owner (see shoal-torrent-services.h). */
#define SHOAL_TORRENT_ASK(self, entry, ...) \
  ((self)->services->entry ((self)->services->owner, ##__VA_ARGS__))

G_END_DECLS
