/* shoal-metainfo.h: .torrent files (BEP 3, 12, 19, 27, 47, 52)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#if !defined (SHOAL_ENGINE_INSIDE) && !defined (SHOAL_ENGINE_COMPILATION)
# error "Only <shoal-engine.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

#define SHOAL_METAINFO_ERROR (shoal_metainfo_error_quark ())

/* Upper bounds on what a .torrent may ask of us. */
#define SHOAL_METAINFO_MAX_FILE_SIZE     (64 * 1024 * 1024)  /* bytes of .torrent */
#define SHOAL_METAINFO_MIN_PIECE_LENGTH  (16 * 1024)
#define SHOAL_METAINFO_MAX_PIECE_LENGTH  (256 * 1024 * 1024)
#define SHOAL_METAINFO_MAX_FILES         (1000 * 1000)
#define SHOAL_METAINFO_MAX_PATH_DEPTH    64
#define SHOAL_METAINFO_MAX_COMPONENT     255                 /* bytes of UTF-8 */
#define SHOAL_METAINFO_MAX_TRACKERS      256
#define SHOAL_METAINFO_MAX_WEB_SEEDS     256

typedef enum
{
  SHOAL_METAINFO_ERROR_TOO_LARGE,          /* the .torrent file itself is too large */
  SHOAL_METAINFO_ERROR_NOT_A_DICTIONARY,   /* top level is not a dictionary */
  SHOAL_METAINFO_ERROR_MISSING_INFO,       /* no info dictionary */
  SHOAL_METAINFO_ERROR_BAD_NAME,           /* name missing or not a string */
  SHOAL_METAINFO_ERROR_BAD_PIECE_LENGTH,   /* missing, not a power of two, out of bounds */
  SHOAL_METAINFO_ERROR_BAD_PIECES,         /* pieces missing, not a string, not a multiple of 20 */
  SHOAL_METAINFO_ERROR_PIECE_COUNT_MISMATCH, /* number of hashes does not fit the total size */
  SHOAL_METAINFO_ERROR_BAD_LENGTH,         /* a file length missing, negative or overflowing */
  SHOAL_METAINFO_ERROR_BAD_FILES,          /* files list malformed, empty, or too many */
  SHOAL_METAINFO_ERROR_BAD_PATH,           /* a path is malformed or has nothing usable */
  SHOAL_METAINFO_ERROR_AMBIGUOUS_LAYOUT,   /* both length and files, or neither */
  SHOAL_METAINFO_ERROR_BAD_META_VERSION,   /* meta version not 2 */
  SHOAL_METAINFO_ERROR_BAD_FILE_TREE,      /* v2 file tree malformed */
  SHOAL_METAINFO_ERROR_BAD_PIECE_LAYERS,   /* v2 piece layers missing, malformed or not matching */
  SHOAL_METAINFO_ERROR_HYBRID_MISMATCH,    /* v1 and v2 parts of a hybrid describe different files */
} ShoalMetainfoError;

/**
 * ShoalTorrentVersion:
 * @SHOAL_TORRENT_VERSION_V1: BEP 3 only
 * @SHOAL_TORRENT_VERSION_V2: BEP 52 only
 * @SHOAL_TORRENT_VERSION_HYBRID: both, describing the same files
 */
typedef enum
{
  SHOAL_TORRENT_VERSION_V1     = 1 << 0,
  SHOAL_TORRENT_VERSION_V2     = 1 << 1,
  SHOAL_TORRENT_VERSION_HYBRID = SHOAL_TORRENT_VERSION_V1 | SHOAL_TORRENT_VERSION_V2,
} ShoalTorrentVersion;

/**
 * ShoalFileAttributes:
 * BEP 47 `attr` letters.
 */
typedef enum
{
  SHOAL_FILE_ATTRIBUTE_NONE       = 0,
  SHOAL_FILE_ATTRIBUTE_PAD        = 1 << 0, /* 'p' */
  SHOAL_FILE_ATTRIBUTE_EXECUTABLE = 1 << 1, /* 'x' */
  SHOAL_FILE_ATTRIBUTE_HIDDEN     = 1 << 2, /* 'h' */
  SHOAL_FILE_ATTRIBUTE_SYMLINK    = 1 << 3, /* 'l' */
} ShoalFileAttributes;

/**
 * ShoalMetainfoFile:
 * @path: sanitized path relative to the save directory, components joined by
 *   '/', valid UTF-8; for multi-file torrents it starts with the (sanitized)
 *   torrent name; never absolute, never containing "." or ".." components
 * @length: length in bytes
 * @offset: where the file starts in the torrent's piece stream (v1 layout,
 *   pad files included; for v2-only torrents every file starts on a piece
 *   boundary, as if padded)
 * @attributes: BEP 47 attributes
 * @symlink_target: (nullable): for symlinks, the sanitized target path
 *   relative to the torrent's root
 * @pieces_root: (nullable): v2 merkle root of the file, 32 bytes
 * @mtime: BEP 47 modification time, 0 if none
 */
typedef struct
{
  char               *path;
  guint64             length;
  guint64             offset;
  ShoalFileAttributes attributes;
  char               *symlink_target;
  guint8             *pieces_root;
  gint64              mtime;
} ShoalMetainfoFile;

#define SHOAL_TYPE_METAINFO (shoal_metainfo_get_type ())
G_DECLARE_FINAL_TYPE (ShoalMetainfo, shoal_metainfo, SHOAL, METAINFO, GObject)

GQuark                   shoal_metainfo_error_quark       (void);

ShoalMetainfo           *shoal_metainfo_new_from_bytes    (GBytes         *bytes,
                                                           GError        **error);
ShoalMetainfo           *shoal_metainfo_new_from_file     (GFile          *file,
                                                           GCancellable   *cancellable,
                                                           GError        **error);

ShoalTorrentVersion      shoal_metainfo_get_version       (ShoalMetainfo  *self);
const char              *shoal_metainfo_get_name          (ShoalMetainfo  *self);
const guint8            *shoal_metainfo_get_info_hash_v1  (ShoalMetainfo  *self);
const guint8            *shoal_metainfo_get_info_hash_v2  (ShoalMetainfo  *self);
char                    *shoal_metainfo_dup_info_hash_v1_hex (ShoalMetainfo *self);
char                    *shoal_metainfo_dup_info_hash_v2_hex (ShoalMetainfo *self);
GBytes                  *shoal_metainfo_get_info_bytes    (ShoalMetainfo  *self);
GBytes                  *shoal_metainfo_get_bytes         (ShoalMetainfo  *self);

guint64                  shoal_metainfo_get_piece_length  (ShoalMetainfo  *self);
guint                    shoal_metainfo_get_n_pieces      (ShoalMetainfo  *self);
guint64                  shoal_metainfo_get_piece_size    (ShoalMetainfo  *self,
                                                           guint           piece);
const guint8            *shoal_metainfo_get_piece_hash    (ShoalMetainfo  *self,
                                                           guint           piece);
guint64                  shoal_metainfo_get_total_length  (ShoalMetainfo  *self);
guint64                  shoal_metainfo_get_content_size  (ShoalMetainfo  *self);

guint                    shoal_metainfo_get_n_files       (ShoalMetainfo  *self);
const ShoalMetainfoFile *shoal_metainfo_get_file          (ShoalMetainfo  *self,
                                                           guint           index);
gboolean                 shoal_metainfo_is_multi_file     (ShoalMetainfo  *self);
const guint8            *shoal_metainfo_get_piece_layer   (ShoalMetainfo  *self,
                                                           guint           file_index,
                                                           gsize          *n_hashes);

guint                    shoal_metainfo_get_n_tiers       (ShoalMetainfo  *self);
const char * const      *shoal_metainfo_get_tier          (ShoalMetainfo  *self,
                                                           guint           tier);
const char * const      *shoal_metainfo_get_web_seeds     (ShoalMetainfo  *self);
gboolean                 shoal_metainfo_is_private        (ShoalMetainfo  *self);
const char              *shoal_metainfo_get_comment       (ShoalMetainfo  *self);
const char              *shoal_metainfo_get_created_by    (ShoalMetainfo  *self);
gint64                   shoal_metainfo_get_creation_date (ShoalMetainfo  *self);
const char              *shoal_metainfo_get_source        (ShoalMetainfo  *self);

char                    *shoal_metainfo_to_magnet         (ShoalMetainfo  *self);

G_END_DECLS
