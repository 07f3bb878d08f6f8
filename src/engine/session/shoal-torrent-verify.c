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
 */
#include "config.h"

#include "shoal-block-verify.h"
#include "shoal-hash.h"
#include "shoal-merkle.h"
#include "shoal-merkle-piece.h"
#include "shoal-torrent-private.h"

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
    self->block_verifier = shoal_block_verifier_new (self->info);
}

void
_shoal_torrent_verify_detach (ShoalTorrent *self)
{
  g_clear_pointer (&self->block_verifier, shoal_block_verifier_free);
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
  if (self->block_verifier == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "“%s” has no v2 hashes", self->info != NULL ? shoal_torrent_get_name (self) : "?");
      return FALSE;
    }
  return shoal_block_verifier_set_leaves (self->block_verifier, piece, leaves, n_leaves, error);
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
