/* shoal-state-store.h: everything the engine keeps under its state directory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Owns: the layout of the state directory and the format of each file in
 * it; no other engine file builds a path under it. May use: metainfo/,
 * util/. Its methods may be called from any thread (a store only holds its
 * directory's name), and the files it writes replace the old ones
 * atomically.
 *
 *   STATE_DIR/torrents/HASH.torrent  the metainfo as added (or as fetched)
 *   STATE_DIR/torrents/HASH.magnet   a magnet link still fetching its
 *                                    metadata: "LINK\nSAVE_DIR\n"
 *   STATE_DIR/torrents/HASH.resume   a bencoded dictionary: pieces had,
 *                                    priorities, totals… (ShoalResumeData)
 *   STATE_DIR/torrents/HASH.parts    pieces kept for skipped files; its
 *                                    content is storage/'s (shoal-part-file)
 *   STATE_DIR/removing/              a directory: deletions of data not
 *                                    finished yet; its entries are storage/'s
 *   STATE_DIR/dht.dat                the DHT's nodes; its content is dht/'s
 *   STATE_DIR/feeds/feeds.conf       the feeds subscribed to and the
 *                                    download rules; its content is feeds/'s
 *   STATE_DIR/feeds/ID.history       what was done with each item of one
 *                                    feed; its content is feeds/'s
 *   STATE_DIR/feeds/ID.feed          the last body fetched of one feed;
 *                                    its content is the feed's
 *   STATE_DIR/stats.dat              cumulative session statistics; its
 *                                    content is session/'s
 *
 * HASH is the v1 info hash in lower-case hex, the torrent's id here.
 */
#pragma once

#include <glib-object.h>

#include "shoal-magnet.h"
#include "shoal-metainfo.h"

G_BEGIN_DECLS

#define SHOAL_STATE_STORE_ERROR (shoal_state_store_error_quark ())

/**
 * ShoalStateStoreError:
 * @SHOAL_STATE_STORE_ERROR_CORRUPT: a file under the state directory is not
 *   in the format the store writes
 *
 * A file that is missing or unreadable is reported with the #G_FILE_ERROR
 * or #G_IO_ERROR of the call that failed (%G_FILE_ERROR_NOENT: not saved).
 */
typedef enum
{
  SHOAL_STATE_STORE_ERROR_CORRUPT,
} ShoalStateStoreError;

/* One file's size and modification time as the resume data records them. */
typedef struct
{
  gboolean exists;
  gint64   size;      /* -1: not recorded */
  gint64   mtime_ns;  /* -1: not recorded */
} ShoalResumeFileStat;

/**
 * ShoalResumeData:
 *
 * A torrent's resume file, parsed once. What a file leaves out (or records
 * with the wrong type) is left at what shoal_resume_data_new() gives; the
 * torrent checks counts against its metainfo. Written as it is read, with
 * the arrays %NULL written as empty lists.
 */
typedef struct
{
  gboolean   has_added_time;
  gint64     added_time;       /* s since the epoch */
  gint64     completed_time;   /* s since the epoch, 0: not completed */
  gint64     downloaded;       /* payload bytes, all time */
  gint64     uploaded;
  gint64     seeding_seconds;
  gint64     download_limit;   /* bytes/s, 0: none */
  gint64     upload_limit;
  gboolean   paused;
  gboolean   sequential;
  GStrv      labels;           /* the torrent's labels; NULL: none recorded */
  char      *save_dir;         /* as recorded (bytes, maybe not UTF-8), or NULL */
  gboolean   save_dir_usable;  /* an absolute path, no NUL, at most 4096 bytes */
  GBytes    *have;             /* the pieces had, a bitfield; NULL: none recorded */
  GArray    *file_priorities;  /* of guint8, 0…7; NULL: not recorded */
  GArray    *dirty_files;      /* of guint, file indexes; never NULL */
  GArray    *file_stats;       /* of ShoalResumeFileStat; NULL: not recorded */
  GPtrArray *trackers;         /* of GStrv, one per tier; NULL: not recorded */
  gint       queue_position;   /* -1: not recorded */
  gint64     seed_ratio_milli; /* the torrent's own ratio limit × 1000; -1: the session's */
  gint64     seed_time_limit;  /* s, the torrent's own; -1: the session's */
  gint64     seed_idle_limit;  /* s without upload, the torrent's own; -1: the session's */
  gint       max_peers;        /* the torrent's own; 0: the session's */
  gboolean   first_last_pieces;
  gint64     stream_piece;     /* -1: not streaming */
  char      *final_dir;        /* where the data goes once complete, or NULL */
  GStrv      file_paths;       /* per file, its path as renamed; NULL: as in the metainfo */
} ShoalResumeData;

ShoalResumeData *shoal_resume_data_new   (void);
void             shoal_resume_data_free  (ShoalResumeData *data);
GBytes          *shoal_resume_data_to_bytes (const ShoalResumeData *data);
ShoalResumeData *shoal_resume_data_parse (GBytes         *bytes,
                                          GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalResumeData, shoal_resume_data_free)

#define SHOAL_TYPE_STATE_STORE (shoal_state_store_get_type ())
G_DECLARE_FINAL_TYPE (ShoalStateStore, shoal_state_store, SHOAL, STATE_STORE, GObject)

GQuark           shoal_state_store_error_quark          (void);

ShoalStateStore *shoal_state_store_new                  (const char       *state_dir);
const char      *shoal_state_store_get_dir              (ShoalStateStore  *self);
gboolean         shoal_state_store_prepare              (ShoalStateStore  *self,
                                                         GError          **error);
void             shoal_state_store_flush                (ShoalStateStore  *self);

GStrv            shoal_state_store_list_magnets         (ShoalStateStore  *self);
GStrv            shoal_state_store_list_metainfos       (ShoalStateStore  *self);

ShoalMetainfo   *shoal_state_store_load_metainfo        (ShoalStateStore  *self,
                                                         const char       *id,
                                                         GError          **error);
gboolean         shoal_state_store_save_metainfo        (ShoalStateStore  *self,
                                                         const char       *id,
                                                         GBytes           *metainfo,
                                                         GError          **error);
gboolean         shoal_state_store_save_fetched_metainfo (ShoalStateStore *self,
                                                         const char       *id,
                                                         GBytes           *metainfo,
                                                         GError          **error);

ShoalMagnet     *shoal_state_store_load_magnet          (ShoalStateStore  *self,
                                                         const char       *id,
                                                         char            **save_dir,
                                                         GError          **error);
gboolean         shoal_state_store_save_magnet          (ShoalStateStore  *self,
                                                         const char       *id,
                                                         ShoalMagnet      *magnet,
                                                         const char       *save_dir,
                                                         GError          **error);
gboolean         shoal_state_store_save_magnet_with_labels (ShoalStateStore     *self,
                                                            const char          *id,
                                                            ShoalMagnet         *magnet,
                                                            const char          *save_dir,
                                                            const char * const  *labels,
                                                            GError             **error);
char           **shoal_state_store_load_magnet_labels   (ShoalStateStore  *self,
                                                         const char       *id);

ShoalResumeData *shoal_state_store_load_resume          (ShoalStateStore  *self,
                                                         const char       *id,
                                                         GError          **error);
gboolean         shoal_state_store_save_resume          (ShoalStateStore  *self,
                                                         const char       *id,
                                                         GBytes           *resume,
                                                         GError          **error);

char            *shoal_state_store_dup_parts_path       (ShoalStateStore  *self,
                                                         const char       *id);
void             shoal_state_store_remove_torrent       (ShoalStateStore  *self,
                                                         const char       *id);

char            *shoal_state_store_dup_deletion_journal (ShoalStateStore  *self);

GBytes          *shoal_state_store_load_session_stats   (ShoalStateStore  *self);
void             shoal_state_store_save_session_stats   (ShoalStateStore  *self,
                                                         GBytes           *stats);

GBytes          *shoal_state_store_load_dht_nodes       (ShoalStateStore  *self);
void             shoal_state_store_save_dht_nodes       (ShoalStateStore  *self,
                                                         GBytes           *nodes);

GBytes          *shoal_state_store_load_feeds           (ShoalStateStore  *self,
                                                         GError          **error);
gboolean         shoal_state_store_save_feeds           (ShoalStateStore  *self,
                                                         GBytes           *feeds,
                                                         GError          **error);
GBytes          *shoal_state_store_load_feed_history    (ShoalStateStore  *self,
                                                         const char       *feed_id,
                                                         GError          **error);
gboolean         shoal_state_store_save_feed_history    (ShoalStateStore  *self,
                                                         const char       *feed_id,
                                                         GBytes           *history,
                                                         GError          **error);
void             shoal_state_store_remove_feed_history  (ShoalStateStore  *self,
                                                         const char       *feed_id);
GBytes          *shoal_state_store_load_feed_copy       (ShoalStateStore  *self,
                                                         const char       *feed_id,
                                                         GError          **error);
gboolean         shoal_state_store_save_feed_copy       (ShoalStateStore  *self,
                                                         const char       *feed_id,
                                                         GBytes           *body,
                                                         GError          **error);

G_END_DECLS
