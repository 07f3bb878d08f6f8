/* shoal-torrent-verify.c: a v2 torrent's blocks checked against the merkle tree
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The torrent's side of ShoalBlockVerifier (shoal-block-verify.h): blocks
 * of pieces whose leaves are known are hashed on the disk pool's threads
 * as they arrive, and the peer that sent a bad one is banned at once, its
 * piece dropped so that no bad byte is ever written as had; a failed piece
 * is hashed block by block to convict its sender exactly (one sender of
 * all blocks, or the known leaves), else it is kept until the piece passes
 * and the senders of the blocks that differ are convicted. Nothing is
 * hashed on the main loop. v1-only torrents keep the strikes of
 * shoal-smart-ban.
 *
 * For the hashes message (BEP 52): the leaves of a piece (base layer 0,
 * the piece's range), once their proof checks out, go to
 * _shoal_torrent_set_block_hashes(). Asked for before a piece is
 * downloaded, they make each of its blocks checked and written alone; asked
 * for after a piece failed among several senders, they convict the sender
 * of the bad block at once.
 */
#include "config.h"

#include <string.h>

#include "shoal-block-verify.h"
#include "shoal-hash.h"
#include "shoal-merkle.h"
#include "shoal-merkle-piece.h"
#include "shoal-torrent-private.h"

/* Failures of one piece among several senders before they get strikes. */
#define SUSPECT_STRIKE_FAILURES 3

typedef struct
{
  ShoalBlock  block;
  GBytes     *data;
  char       *ip;        /* the sender's address, NULL for a web seed */
  ShoalBlockVerdict verdict;
} BlockJob;

typedef struct
{
  guint      piece;
  GBytes    *data;
  guint64    data_length; /* of file data in the piece */
  guint      n_leaves;
  guint8    *leaves;
  char     **ips;       /* per block; "" for none known */
  gboolean   passed;
} PieceJob;

static void
block_job_free (gpointer data)
{
  BlockJob *job = data;

  g_bytes_unref (job->data);
  g_free (job->ip);
  g_free (job);
}

static void
piece_job_free (gpointer data)
{
  PieceJob *job = data;

  g_bytes_unref (job->data);
  g_free (job->leaves);
  g_strfreev (job->ips);
  g_free (job);
}

/* Creates the torrent's verifier if it has v2 hashes. */
void
_shoal_torrent_verify_attach (ShoalTorrent *self)
{
  if (self->block_verifier == NULL && self->info != NULL &&
      (shoal_metainfo_get_version (self->info) & SHOAL_TORRENT_VERSION_V2) != 0)
    {
      self->block_verifier = shoal_block_verifier_new (self->info);
      self->streaming = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
    }
}

void
_shoal_torrent_verify_detach (ShoalTorrent *self)
{
  g_clear_pointer (&self->block_verifier, shoal_block_verifier_free);
  g_clear_pointer (&self->streaming, g_hash_table_unref);
}

static void
ban (ShoalTorrent *self,
     GPtrArray    *culprits)
{
  for (guint i = 0; i < culprits->len; i++)
    if (!shoal_smart_ban_is_banned (self->smart_ban, culprits->pdata[i]))
      _shoal_torrent_ban_ip (self, culprits->pdata[i]);
}

/* Drops a piece being gathered, so that all its blocks are asked again. */
static void
drop_partial_piece (ShoalTorrent *self,
                    guint         piece)
{
  if (!g_hash_table_contains (self->buffers, GUINT_TO_POINTER (piece)))
    return;
  g_hash_table_remove (self->buffers, GUINT_TO_POINTER (piece));
  shoal_piece_picker_piece_failed (self->picker, piece, NULL, NULL);
}

static void
block_job_run (gpointer data)
{
  GTask *task = data;
  ShoalTorrent *self = g_task_get_source_object (task);
  BlockJob *job = g_task_get_task_data (task);
  gsize len;
  const guint8 *bytes = g_bytes_get_data (job->data, &len);

  job->verdict = shoal_block_verifier_check_block (self->block_verifier, job->block.piece,
                                                   job->block.begin / SHOAL_MERKLE_BLOCK_SIZE,
                                                   bytes, len);
  g_task_return_boolean (task, TRUE);
}

static void
block_checked_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ShoalTorrent *self = SHOAL_TORRENT (source);
  BlockJob *job = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), NULL) || job->verdict != SHOAL_BLOCK_BAD ||
      self->block_verifier == NULL)
    return;

  g_message ("Block %u of piece %u of “%s” from %s does not match the merkle tree",
             job->block.begin / SHOAL_MERKLE_BLOCK_SIZE, job->block.piece,
             shoal_torrent_get_name (self), job->ip != NULL ? job->ip : "a web seed");
  /* The piece holds the bad block: none of it is written. */
  drop_partial_piece (self, job->block.piece);
  if (job->ip != NULL && !shoal_smart_ban_is_banned (self->smart_ban, job->ip))
    _shoal_torrent_ban_ip (self, job->ip);
  if (_shoal_torrent_is_active (self))
    _shoal_torrent_fill_all_requests (self);
}

/**
 * _shoal_torrent_verify_block:
 * @self: a torrent
 * @sender: who sent the block
 * @b: the block
 * @data: (array length=b->length): what it holds
 *
 * If the leaves of the block's piece are known, checks the block against
 * its leaf on a disk pool thread; a bad block bans its sender and drops
 * its piece.
 */
void
_shoal_torrent_verify_block (ShoalTorrent     *self,
                             ShoalSender      *sender,
                             const ShoalBlock *b,
                             const guint8     *data)
{
  g_autoptr(GTask) task = NULL;
  BlockJob *job;

  if (self->block_verifier == NULL || !shoal_block_verifier_has_leaves (self->block_verifier, b->piece))
    return;

  job = g_new0 (BlockJob, 1);
  job->block = *b;
  job->data = g_bytes_new (data, b->length);
  job->ip = sender->ip != NULL && sender->ip[0] != '\0' ? g_strdup (sender->ip) : NULL;
  task = g_task_new (self, self->cancellable, block_checked_cb, NULL);
  g_task_set_task_data (task, job, block_job_free);
  shoal_disk_pool_push (SHOAL_TORRENT_ASK (self, get_disk_pool), block_job_run,
                        g_object_ref (task), g_object_unref, 0);
}

/**
 * _shoal_torrent_set_block_hashes:
 * @self: a torrent
 * @piece: a piece index
 * @leaves: (array length=n_leaves): its block hashes, as a peer sent them
 * @n_leaves: how many
 * @error: return location for a #GError
 *
 * Gives the torrent the leaves of a piece (from a hashes message): from
 * then on, each block of the piece is checked alone as it arrives. Fails
 * if they do not hash up to the piece's root: the peer lied.
 *
 * Returns: whether they were taken
 */
gboolean
_shoal_torrent_set_block_hashes (ShoalTorrent  *self,
                                 guint          piece,
                                 const guint8  *leaves,
                                 guint          n_leaves,
                                 GError       **error)
{
  g_autoptr(GPtrArray) culprits = NULL;

  if (self->block_verifier == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "“%s” has no v2 hashes", self->info != NULL ? shoal_torrent_get_name (self) : "?");
      return FALSE;
    }
  if (!shoal_block_verifier_set_leaves (self->block_verifier, piece, leaves, n_leaves, error))
    return FALSE;
  /* A piece that failed before: its leaves now say who sent the bad block. */
  culprits = shoal_block_verifier_convict_suspects (self->block_verifier, piece);
  for (guint i = 0; i < culprits->len; i++)
    g_message ("Peer %s sent a block of piece %u of “%s” that does not match the merkle tree",
               (const char *) culprits->pdata[i], piece, shoal_torrent_get_name (self));
  ban (self, culprits);
  return TRUE;
}

static void
piece_job_run (gpointer data)
{
  GTask *task = data;
  PieceJob *job = g_task_get_task_data (task);
  gsize len;
  const guint8 *bytes = g_bytes_get_data (job->data, &len);

  /* The piece's file data is in front; a hybrid's pad after it. */
  if (job->data_length <= len)
    shoal_merkle_hash_leaves (bytes, job->data_length, job->leaves);
  g_task_return_boolean (task, TRUE);
}

/* Every distinct address among the senders of @job's blocks. */
static void
strike_senders (ShoalTorrent *self,
                PieceJob     *job)
{
  g_autoptr(GPtrArray) ips = g_ptr_array_new ();

  for (guint i = 0; i < job->n_leaves; i++)
    if (job->ips[i][0] != '\0' && !g_ptr_array_find_with_equal_func (ips, job->ips[i], g_str_equal, NULL))
      g_ptr_array_add (ips, job->ips[i]);
  for (guint i = 0; i < ips->len; i++)
    if (shoal_smart_ban_strike (self->smart_ban, ips->pdata[i], ips->len))
      _shoal_torrent_ban_ip (self, ips->pdata[i]);
}

static void
piece_hashed_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ShoalTorrent *self = SHOAL_TORRENT (source);
  PieceJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GPtrArray) culprits = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), NULL) || self->block_verifier == NULL)
    return;

  if (job->passed)
    culprits = shoal_block_verifier_piece_passed (self->block_verifier, job->piece,
                                                  job->leaves, job->n_leaves);
  else
    culprits = shoal_block_verifier_piece_failed (self->block_verifier, job->piece,
                                                  job->leaves, job->n_leaves,
                                                  (const char * const *) job->ips);
  for (guint i = 0; i < culprits->len; i++)
    g_message ("Peer %s sent a block of piece %u of “%s” that does not match the merkle tree",
               (const char *) culprits->pdata[i], job->piece, shoal_torrent_get_name (self));
  ban (self, culprits);

  /* A piece that keeps failing among several senders, its leaves never
   * known: strikes, as for v1, so that a peer that only ever corrupts
   * shared pieces is still banned in the end. */
  if (!job->passed && culprits->len == 0 &&
      shoal_block_verifier_get_n_failures (self->block_verifier, job->piece) >= SUSPECT_STRIKE_FAILURES)
    strike_senders (self, job);
}

static void
hash_piece (ShoalTorrent *self,
            guint         piece,
            GBytes       *data,
            GPtrArray    *sources,
            gboolean      passed)
{
  g_autoptr(GTask) task = NULL;
  PieceJob *job;
  ShoalMerklePiece mp;
  guint n;

  if (!shoal_merkle_piece_lookup (self->info, piece, &mp) || mp.n_blocks == 0)
    return;
  n = mp.n_blocks;
  job = g_new0 (PieceJob, 1);
  job->data_length = mp.data_length;
  job->piece = piece;
  job->data = g_bytes_ref (data);
  job->n_leaves = n;
  job->leaves = g_malloc0 ((gsize) n * SHOAL_SHA256_LEN);
  job->passed = passed;
  if (sources != NULL)
    {
      job->ips = g_new0 (char *, n + 1);
      for (guint i = 0; i < n; i++)
        {
          ShoalSender *sender = i < sources->len ? sources->pdata[i] : NULL;

          job->ips[i] = g_strdup (sender != NULL && sender->ip != NULL ? sender->ip : "");
        }
    }
  task = g_task_new (self, self->cancellable, piece_hashed_cb, NULL);
  g_task_set_task_data (task, job, piece_job_free);
  shoal_disk_pool_push (SHOAL_TORRENT_ASK (self, get_disk_pool), piece_job_run,
                        g_object_ref (task), g_object_unref, g_bytes_get_size (data));
}

/**
 * _shoal_torrent_verify_piece_failed:
 * @self: a torrent
 * @piece: a piece that did not match its hash
 * @data: what it held
 * @sources: per block, its #ShoalSender
 *
 * For a torrent with v2 hashes: finds out exactly who sent a bad block of
 * @piece, on a disk pool thread, and bans them. Strikes on a guess are
 * not needed.
 *
 * Returns: %FALSE if the torrent has no v2 hashes (the caller strikes)
 */
gboolean
_shoal_torrent_verify_piece_failed (ShoalTorrent *self,
                                    guint         piece,
                                    GBytes       *data,
                                    GPtrArray    *sources)
{
  if (self->block_verifier == NULL)
    return FALSE;
  g_debug ("Piece %u of “%s” does not match its merkle root", piece, shoal_torrent_get_name (self));
  hash_piece (self, piece, data, sources, FALSE);
  return TRUE;
}

/**
 * _shoal_torrent_verify_piece_passed:
 * @self: a torrent
 * @piece: a piece that matched its hash
 * @data: what it holds
 *
 * For a torrent with v2 hashes: if @piece failed before, convicts whoever
 * sent a block of that copy that differs from this one.
 */
void
_shoal_torrent_verify_piece_passed (ShoalTorrent *self,
                                    guint         piece,
                                    GBytes       *data)
{
  if (self->block_verifier == NULL)
    return;
  if (shoal_block_verifier_has_suspects (self->block_verifier, piece))
    hash_piece (self, piece, data, NULL, TRUE);
  else
    g_ptr_array_unref (shoal_block_verifier_piece_passed (self->block_verifier, piece, NULL, 0));
}

/* Pieces written block by block
 *
 * With a piece's leaves known, each block is hashed against its leaf and
 * written on a disk pool thread as it arrives (shoal_storage_write_block_async()),
 * and never held with the rest of its piece: a piece need not fit in
 * memory. The piece is had once the picker has every block and every
 * write succeeded. A bad block, or one whose write failed, is wanted
 * again alone (shoal_piece_picker_block_failed()); the bad one bans its
 * sender. */

typedef struct
{
  guint    n_pending;  /* block writes in flight */
  gboolean received;   /* the picker has every block */
} StreamPiece;

typedef struct
{
  ShoalTorrent *torrent;
  ShoalBlock    block;
  char         *ip;     /* NULL for a web seed */
} StreamWrite;

static void
stream_piece_maybe_done (ShoalTorrent *self,
                         guint         piece,
                         StreamPiece  *sp)
{
  if (sp->n_pending > 0 || !sp->received)
    return;
  g_hash_table_remove (self->streaming, GUINT_TO_POINTER (piece));
  if (!_shoal_torrent_is_active (self))
    return;
  shoal_storage_set_piece_written (self->storage, piece);
  g_ptr_array_unref (shoal_block_verifier_piece_passed (self->block_verifier, piece, NULL, 0));
  _shoal_torrent_piece_verified (self, piece);
}

static void
stream_written_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  StreamWrite *sw = user_data;
  ShoalTorrent *self = sw->torrent;
  g_autoptr(GError) error = NULL;
  guint piece = sw->block.piece;
  StreamPiece *sp = self->streaming != NULL ?
                    g_hash_table_lookup (self->streaming, GUINT_TO_POINTER (piece)) : NULL;

  self->pending_write_bytes -= sw->block.length;
  self->n_writes--;
  _shoal_torrent_note_write_end (self, piece);

  if (!shoal_storage_write_block_finish (SHOAL_STORAGE (source), result, &error))
    {
      /* Not on disk: the picker must not count it. */
      if (self->picker != NULL)
        shoal_piece_picker_block_failed (self->picker, &sw->block);
      if (sp != NULL)
        sp->received = FALSE;
      if (g_error_matches (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_HASH_MISMATCH))
        {
          g_message ("Block %u of piece %u of “%s” from %s does not match the merkle tree",
                     sw->block.begin / SHOAL_MERKLE_BLOCK_SIZE, piece, shoal_torrent_get_name (self),
                     sw->ip != NULL ? sw->ip : "a web seed");
          if (sw->ip != NULL && !shoal_smart_ban_is_banned (self->smart_ban, sw->ip))
            _shoal_torrent_ban_ip (self, sw->ip);
        }
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && _shoal_torrent_is_active (self))
        _shoal_torrent_set_error (self, error);
    }

  if (sp != NULL)
    {
      sp->n_pending--;
      stream_piece_maybe_done (self, piece, sp);
    }
  if (_shoal_torrent_is_active (self))
    _shoal_torrent_fill_all_requests (self);
  g_free (sw->ip);
  g_object_unref (sw->torrent);
  g_free (sw);
}

static gboolean
picker_has_received (ShoalTorrent *self,
                     guint         piece)
{
  g_autofree ShoalPartialPiece *partials = NULL;
  guint n = 0;

  partials = shoal_piece_picker_get_partial_pieces (self->picker, &n);
  for (guint i = 0; i < n; i++)
    if (partials[i].piece == piece)
      return partials[i].n_received > 0;
  return FALSE;
}

/**
 * _shoal_torrent_stream_block:
 * @self: a torrent
 * @sender: who sent the block
 * @b: the block, wanted
 * @data: (array length=b->length): what it holds
 *
 * Takes the block to check it alone against its merkle leaf and write it,
 * if the leaf is known and the piece is not already being gathered whole
 * (nor kept in the part file).
 *
 * Returns: whether it was taken; if so, the caller tells the picker it
 *   arrived and, when that completes the piece,
 *   _shoal_torrent_stream_piece_received()
 */
gboolean
_shoal_torrent_stream_block (ShoalTorrent     *self,
                             ShoalSender      *sender,
                             const ShoalBlock *b,
                             const guint8     *data)
{
  guint8 leaf[SHOAL_SHA256_LEN];
  StreamPiece *sp;
  StreamWrite *sw;
  g_autoptr(GBytes) bytes = NULL;

  if (self->block_verifier == NULL || b->begin % SHOAL_MERKLE_BLOCK_SIZE != 0 ||
      g_hash_table_contains (self->buffers, GUINT_TO_POINTER (b->piece)) ||
      shoal_storage_piece_uses_part_file (self->storage, b->piece))
    return FALSE;
  /* A hybrid's block of pad zeros past the file's data has no leaf: the
   * storage checks it is zeros. Any other block needs its leaf. */
  if (!shoal_block_verifier_get_leaf (self->block_verifier, b->piece, b->begin / SHOAL_MERKLE_BLOCK_SIZE, leaf))
    {
      if (!shoal_block_verifier_has_leaves (self->block_verifier, b->piece))
        return FALSE;
      memset (leaf, 0, sizeof leaf);
    }

  sp = g_hash_table_lookup (self->streaming, GUINT_TO_POINTER (b->piece));
  if (sp == NULL)
    {
      /* Blocks the picker counts but no buffer holds (dropped by a
       * pause) were never written: such a piece goes on whole, and its
       * check finds them missing. */
      if (picker_has_received (self, b->piece))
        return FALSE;
      sp = g_new0 (StreamPiece, 1);
      g_hash_table_insert (self->streaming, GUINT_TO_POINTER (b->piece), sp);
    }
  sp->n_pending++;
  sw = g_new0 (StreamWrite, 1);
  sw->torrent = g_object_ref (self);
  sw->block = *b;
  sw->ip = sender->ip != NULL && sender->ip[0] != '\0' ? g_strdup (sender->ip) : NULL;
  self->pending_write_bytes += b->length;
  self->n_writes++;
  self->n_streamed_blocks++;
  _shoal_torrent_note_write_start (self, b->piece);
  bytes = g_bytes_new (data, b->length);
  shoal_storage_write_block_async (self->storage, b->piece, b->begin, bytes, leaf, self->cancellable,
                                   stream_written_cb, sw);
  return TRUE;
}

/* The picker has every block of @piece, which was written block by block:
 * it is had once the last write is done. */
void
_shoal_torrent_stream_piece_received (ShoalTorrent *self,
                                      guint         piece)
{
  StreamPiece *sp = g_hash_table_lookup (self->streaming, GUINT_TO_POINTER (piece));

  if (sp == NULL)
    return;
  sp->received = TRUE;
  stream_piece_maybe_done (self, piece, sp);
}
