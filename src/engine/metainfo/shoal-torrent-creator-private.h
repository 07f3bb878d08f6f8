/* shoal-torrent-creator-private.h: what the torrent creator's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Only shoal-torrent-creator.c (the object, scanning, laying out and
 * writing the .torrent) and shoal-torrent-creator-hash.c (hashing the
 * pieces on worker threads, v1 and v2) include this.
 */
#pragma once

#include <gio/gio.h>

#include "shoal-error.h"
#include "shoal-hash.h"
#include "shoal-merkle.h"
#include "shoal-torrent-creator.h"

G_BEGIN_DECLS

#define BLOCK_SIZE        SHOAL_MERKLE_BLOCK_SIZE

typedef struct
{
  char    **components;   /* path inside the torrent, UTF-8 */
  char     *disk_path;    /* what to open */
  guint64   length;
  guint64   offset;       /* in the v1 piece stream */
  guint64   pad;          /* zero bytes after it (hybrid, v2) */
  guint64   first_piece;
  guint64   n_pieces;
  gboolean  executable;
  guint8    root[SHOAL_SHA256_LEN];
} CreatorFile;

typedef struct
{
  /* Settings, copied when the job starts. */
  char           *root_path;
  gboolean        v1;         /* SHA-1 pieces over the whole stream */
  gboolean        v2;         /* a merkle tree per file; both: hybrid */
  guint64         requested_piece_size;

  GCancellable   *cancellable;
  GPtrArray      *files;      /* of CreatorFile* */
  GPtrArray      *skipped;    /* of char* */
  char           *real_root;
  char           *name;
  gboolean        multi_file;

  guint64         piece_length;
  guint64         stream_length;
  guint64         content_length;
  guint64         n_pieces;
  guint64         pieces_per_unit;
  guint64         n_units;
  guint8         *v1_hashes;
  guint8         *v2_hashes;  /* per piece, with v2 only */

  guint64         next_unit;  /* atomic */
  guint64         hashed;     /* atomic */
  guint64         total;      /* atomic; 0 until the files are known */
  gint            failed;     /* atomic */
  GMutex          error_lock;
  GError         *error;

  /* Main-context side. */
  ShoalTorrentCreatorProgress progress;
  gpointer        progress_data;
  guint64         reported;
  GSource        *progress_source;
} Job;

#define fail(error, code, ...) \
  shoal_error_fail ((error), SHOAL_TORRENT_CREATOR_ERROR, (code), __VA_ARGS__)

static inline gboolean
fail_errno (GError    **error,
            int         saved_errno,
            const char *path,
            const char *what)
{
  g_autofree char *display = g_filename_display_name (path);

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               "Cannot %s “%s”: %s", what, display, g_strerror (saved_errno));
  return FALSE;
}

gboolean _shoal_torrent_creator_hash_all      (Job     *job,
                                           GError **error);
void     _shoal_torrent_creator_compute_roots (Job     *job);

G_END_DECLS
