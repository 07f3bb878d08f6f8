/* shoal-storage-v2.c: checking pieces against v2 merkle trees
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A torrent with v2 hashes (v2-only, or hybrid) has each piece checked
 * with SHA-256 against its file's tree: the piece's 16 KiB blocks are the
 * leaves of a subtree whose root is the piece layer's hash (see
 * shoal-merkle-piece.h). Recheck, writes and the check before a first
 * upload all come here, on the disk pool's threads (a whole piece is
 * checked by _shoal_storage_check_piece_hash(), which also checks a
 * hybrid's SHA-1). v1-only torrents keep their SHA-1 piece hashes.
 */
#include "config.h"

#include <string.h>

#include "shoal-merkle.h"
#include "shoal-merkle-piece.h"
#include "shoal-storage-private.h"

/* Writing blocks checked one by one */

typedef struct
{
  guint   piece;
  guint64 offset;
  GBytes *data;
  guint8  leaf[SHOAL_SHA256_LEN];
} BlockWrite;

static void
block_write_free (gpointer data)
{
  BlockWrite *bw = data;

  g_bytes_unref (bw->data);
  g_free (bw);
}

/* Whether the block matches its leaf: the file data in it hashes to the
 * leaf, and whatever follows the file's end (a hybrid's pad) is zeros. */
static gboolean
block_matches (ShoalStorage     *self,
               const BlockWrite *bw,
               const guint8     *data,
               gsize             len)
{
  ShoalMerklePiece mp;
  guint8 leaf[SHOAL_SHA256_LEN];
  guint64 data_len;

  if (!shoal_merkle_piece_lookup (self->info, bw->piece, &mp))
    return FALSE;
  data_len = bw->offset < mp.data_length ? MIN (len, mp.data_length - bw->offset) : 0;
  for (gsize i = data_len; i < len; i++)
    if (data[i] != 0)
      return FALSE;
  if (data_len == 0)
    return TRUE;
  if (data_len < len && bw->offset + data_len != mp.data_length)
    return FALSE;
  shoal_sha256 (data, data_len, leaf);
  return memcmp (leaf, bw->leaf, SHOAL_SHA256_LEN) == 0;
}

static void
block_write_run (gpointer data)
{
  GTask *task = data;
  ShoalStorage *self = g_task_get_source_object (task);
  BlockWrite *bw = g_task_get_task_data (task);
  gsize len;
  const guint8 *bytes = g_bytes_get_data (bw->data, &len);
  guint64 start = _shoal_storage_piece_start (self, bw->piece) + bw->offset;
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;
  /* Nothing reaches the disk unless it is right. */
  if (!block_matches (self, bw, bytes, len))
    {
      g_task_return_new_error (task, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_HASH_MISMATCH,
                               "Block at %" G_GUINT64_FORMAT " of piece %u does not match its merkle leaf",
                               bw->offset, bw->piece);
      return;
    }
  if (!_shoal_storage_write_stream (self, start, bytes, len, &error) ||
      !_shoal_storage_after_write (self, bw->piece, start, len, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

/**
 * shoal_storage_write_block_async:
 * @self: a #ShoalStorage of a torrent with v2 hashes
 * @piece: the piece index
 * @offset: where the block starts in the piece, a multiple of 16 KiB
 * @data: the block, at most 16 KiB
 * @leaf: (array fixed-size=32): the block's merkle leaf, known good (it and
 *   its piece's other leaves hash up to the piece's root)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the current thread-default main context when done
 * @user_data: data for @callback
 *
 * Hashes one block in a worker and, if it matches @leaf, writes it to its
 * file, so that a piece need not be held whole in memory. The piece is not
 * verified by this: call shoal_storage_set_piece_written() once every one
 * of its blocks was written. A block that does not match writes nothing
 * and fails with %SHOAL_STORAGE_ERROR_HASH_MISMATCH. Pieces kept in the
 * part file (see shoal_storage_piece_uses_part_file()) must be written
 * whole with shoal_storage_write_piece_async() instead.
 */
void
shoal_storage_write_block_async (ShoalStorage        *self,
                                 guint                piece,
                                 guint64              offset,
                                 GBytes              *data,
                                 const guint8        *leaf,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  BlockWrite *bw;
  gsize len;

  g_return_if_fail (SHOAL_IS_STORAGE (self));
  g_return_if_fail (data != NULL && leaf != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_storage_write_block_async);
  len = g_bytes_get_size (data);
  if (!self->has_v2 || piece >= self->n_pieces || offset % SHOAL_MERKLE_BLOCK_SIZE != 0 ||
      len == 0 || len > SHOAL_MERKLE_BLOCK_SIZE ||
      offset + len > shoal_metainfo_get_piece_size (self->info, piece))
    {
      g_task_return_new_error (task, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_OUT_OF_RANGE,
                               "No block of %" G_GSIZE_FORMAT " bytes at %" G_GUINT64_FORMAT
                               " of piece %u to check against a merkle leaf", len, offset, piece);
      return;
    }
  if (shoal_storage_piece_uses_part_file (self, piece))
    {
      g_task_return_new_error (task, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_UNSUPPORTED,
                               "Piece %u is kept in the part file: it is written whole", piece);
      return;
    }

  bw = g_new0 (BlockWrite, 1);
  bw->piece = piece;
  bw->offset = offset;
  bw->data = g_bytes_ref (data);
  memcpy (bw->leaf, leaf, SHOAL_SHA256_LEN);
  g_task_set_task_data (task, bw, block_write_free);
  shoal_disk_pool_push (self->pool, block_write_run, g_steal_pointer (&task), g_object_unref, len);
}

gboolean
shoal_storage_write_block_finish (ShoalStorage  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == shoal_storage_write_block_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * shoal_storage_piece_uses_part_file:
 * @self: a #ShoalStorage
 * @piece: a piece index
 *
 * Returns: whether @piece overlaps a skipped file or is already kept in
 *   the part file: it is written whole, not block by block
 */
gboolean
shoal_storage_piece_uses_part_file (ShoalStorage *self,
                                    guint         piece)
{
  g_return_val_if_fail (SHOAL_IS_STORAGE (self), TRUE);

  if (piece >= self->n_pieces)
    return TRUE;
  return _shoal_storage_range_touches_skipped (self, _shoal_storage_piece_start (self, piece),
                                               shoal_metainfo_get_piece_size (self->info, piece)) ||
         shoal_part_file_has_piece (self->part, piece);
}

/**
 * shoal_storage_set_piece_written:
 * @self: a #ShoalStorage
 * @piece: a piece every block of which shoal_storage_write_block_async()
 *   wrote, each checked against its leaf
 *
 * Records the piece as verified, as a piece written whole would be; but a
 * hybrid's piece, whose SHA-1 was not checked, is hashed again (with both
 * hash sets) on its first read for upload.
 */
void
shoal_storage_set_piece_written (ShoalStorage *self,
                                 guint         piece)
{
  g_return_if_fail (SHOAL_IS_STORAGE (self));
  g_return_if_fail (piece < self->n_pieces);

  /* Written again: what failed before is forgotten. */
  _shoal_storage_set_verified (self, piece, TRUE);
  if (self->has_v1)
    _shoal_storage_set_verified (self, piece, FALSE);
}
