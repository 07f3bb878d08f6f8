/* shoal-block-verify.c: each 16 KiB block of a v2 piece against its merkle tree
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A v2 piece's hash is the root of the subtree over its blocks' hashes
 * (BEP 52), so a block can be checked alone once the leaves under that
 * root are known and hash up to it: they are then as good as the piece
 * layer itself. Leaves come from a peer's hashes message (which the wire
 * code checks against the tree first) through set_leaves(), or from the
 * data of a piece that passed.
 */
#include "config.h"

#include <string.h>

#include "shoal-block-verify.h"
#include "shoal-hash.h"
#include "shoal-merkle.h"
#include "shoal-merkle-piece.h"

/* Bounds on what is kept: this many bytes of leaves (a hashes message per
 * piece being downloaded: 1 MiB of leaves covers 512 MiB of data), and
 * evidence for this many failed pieces. */
#define MAX_LEAF_BYTES     (16u * 1024u * 1024u)
#define MAX_SUSPECT_PIECES 256

typedef struct
{
  guint   n_leaves;
  guint8 *leaves;
  char  **ips;        /* per block, "" for none known (a web seed) */
  guint   n_failures; /* of this piece with several senders, so far */
} Evidence;

struct _ShoalBlockVerifier
{
  ShoalMetainfo *info;
  GMutex         lock;      /* guards leaves: blocks are checked on workers */
  GHashTable    *leaves;    /* piece -> guint8[n_blocks * 32], trusted */
  gsize          leaf_bytes; /* in leaves */
  GHashTable    *suspects;  /* piece -> Evidence, main thread only */
};

static void
evidence_free (gpointer data)
{
  Evidence *e = data;

  g_free (e->leaves);
  g_strfreev (e->ips);
  g_free (e);
}

/**
 * shoal_block_verifier_new:
 * @info: a torrent with v2 hashes
 *
 * Returns: (transfer full): a verifier that knows no leaves yet
 */
ShoalBlockVerifier *
shoal_block_verifier_new (ShoalMetainfo *info)
{
  ShoalBlockVerifier *self;

  g_return_val_if_fail (SHOAL_IS_METAINFO (info), NULL);
  g_return_val_if_fail ((shoal_metainfo_get_version (info) & SHOAL_TORRENT_VERSION_V2) != 0, NULL);

  self = g_new0 (ShoalBlockVerifier, 1);
  self->info = g_object_ref (info);
  g_mutex_init (&self->lock);
  self->leaves = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  self->suspects = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, evidence_free);
  return self;
}

void
shoal_block_verifier_free (ShoalBlockVerifier *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->leaves);
  g_hash_table_unref (self->suspects);
  g_mutex_clear (&self->lock);
  g_object_unref (self->info);
  g_free (self);
}

/**
 * shoal_block_verifier_get_n_blocks:
 * @self: a verifier
 * @piece: a piece index
 *
 * Returns: how many leaves @piece has (its blocks of file data), 0 if the
 *   torrent has no v2 hashes for it
 */
guint
shoal_block_verifier_get_n_blocks (ShoalBlockVerifier *self,
                                   guint               piece)
{
  ShoalMerklePiece mp;

  return shoal_merkle_piece_lookup (self->info, piece, &mp) ? mp.n_blocks : 0;
}

/**
 * shoal_block_verifier_set_leaves:
 * @self: a verifier
 * @piece: a piece index
 * @leaves: (array length=n_leaves): the piece's block hashes, from a peer
 * @n_leaves: how many
 * @error: return location for a #GError
 *
 * Takes a piece's leaves, if they hash up to its root: each of its blocks
 * can then be checked alone. Fails with %G_IO_ERROR_INVALID_DATA if they
 * do not (the peer that sent them lied), or their number is wrong. Leaves
 * are kept up to a bound of memory; past it, a piece is checked whole.
 *
 * Returns: whether the leaves were right
 */
gboolean
shoal_block_verifier_set_leaves (ShoalBlockVerifier  *self,
                                 guint                piece,
                                 const guint8        *leaves,
                                 guint                n_leaves,
                                 GError             **error)
{
  ShoalMerklePiece mp;
  gsize size;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (leaves != NULL || n_leaves == 0, FALSE);

  if (!shoal_merkle_piece_lookup (self->info, piece, &mp))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Piece %u has no merkle tree", piece);
      return FALSE;
    }
  if (!shoal_merkle_piece_check_leaves (&mp, leaves, n_leaves))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The %u block hashes of piece %u do not hash up to its root", n_leaves, piece);
      return FALSE;
    }

  /* Past the bound, the piece is checked whole, as without leaves. */
  size = (gsize) n_leaves * SHOAL_SHA256_LEN;
  g_mutex_lock (&self->lock);
  if (g_hash_table_contains (self->leaves, GUINT_TO_POINTER (piece)) ||
      self->leaf_bytes + size <= MAX_LEAF_BYTES)
    {
      if (g_hash_table_replace (self->leaves, GUINT_TO_POINTER (piece), g_memdup2 (leaves, size)))
        self->leaf_bytes += size;
    }
  g_mutex_unlock (&self->lock);
  return TRUE;
}

gboolean
shoal_block_verifier_has_leaves (ShoalBlockVerifier *self,
                                 guint               piece)
{
  gboolean has;

  g_mutex_lock (&self->lock);
  has = g_hash_table_contains (self->leaves, GUINT_TO_POINTER (piece));
  g_mutex_unlock (&self->lock);
  return has;
}

/**
 * shoal_block_verifier_get_leaf:
 * @self: a verifier
 * @piece: a piece index
 * @block: a block index in the piece
 * @leaf: (out caller-allocates) (array fixed-size=32): the block's leaf
 *
 * Returns: whether the leaf is known (the piece's leaves were set, and
 *   @block holds file data)
 */
gboolean
shoal_block_verifier_get_leaf (ShoalBlockVerifier *self,
                               guint               piece,
                               guint               block,
                               guint8             *leaf)
{
  const guint8 *leaves;
  gboolean known = FALSE;

  g_return_val_if_fail (self != NULL && leaf != NULL, FALSE);

  if (block >= shoal_block_verifier_get_n_blocks (self, piece))
    return FALSE;
  g_mutex_lock (&self->lock);
  leaves = g_hash_table_lookup (self->leaves, GUINT_TO_POINTER (piece));
  if (leaves != NULL)
    {
      memcpy (leaf, leaves + (gsize) block * SHOAL_SHA256_LEN, SHOAL_SHA256_LEN);
      known = TRUE;
    }
  g_mutex_unlock (&self->lock);
  return known;
}

/**
 * shoal_block_verifier_check_block:
 * @self: a verifier
 * @piece: a piece index
 * @block: the block's index in the piece
 * @data: (array length=len): the block as a peer sent it
 * @len: its length
 *
 * Checks one block against its leaf, in any thread. A block past the end
 * of the piece's file data is bad unless it is all zeros (a hybrid's pad).
 *
 * Returns: %SHOAL_BLOCK_UNKNOWN if the piece's leaves are not known
 */
ShoalBlockVerdict
shoal_block_verifier_check_block (ShoalBlockVerifier *self,
                                  guint               piece,
                                  guint               block,
                                  const guint8       *data,
                                  gsize               len)
{
  ShoalMerklePiece mp;
  guint8 leaf[SHOAL_SHA256_LEN];
  guint8 expected[SHOAL_SHA256_LEN];
  const guint8 *leaves;
  guint64 start = (guint64) block * SHOAL_MERKLE_BLOCK_SIZE;
  guint64 data_len;

  g_return_val_if_fail (self != NULL, SHOAL_BLOCK_UNKNOWN);

  if (!shoal_merkle_piece_lookup (self->info, piece, &mp))
    return SHOAL_BLOCK_UNKNOWN;
  g_mutex_lock (&self->lock);
  leaves = g_hash_table_lookup (self->leaves, GUINT_TO_POINTER (piece));
  if (leaves != NULL && block < mp.n_blocks)
    memcpy (expected, leaves + (gsize) block * SHOAL_SHA256_LEN, SHOAL_SHA256_LEN);
  g_mutex_unlock (&self->lock);
  if (leaves == NULL)
    return SHOAL_BLOCK_UNKNOWN;

  if (len == 0 || len > SHOAL_MERKLE_BLOCK_SIZE)
    return SHOAL_BLOCK_BAD;
  /* Pad bytes of a hybrid, after the file's data. */
  data_len = start < mp.data_length ? MIN (len, mp.data_length - start) : 0;
  for (gsize i = data_len; i < len; i++)
    if (data[i] != 0)
      return SHOAL_BLOCK_BAD;
  if (data_len == 0)
    return block < mp.n_blocks ? SHOAL_BLOCK_BAD : SHOAL_BLOCK_GOOD;
  /* A short block must end the file's data; a full one may not overrun it. */
  if (data_len < len && start + data_len != mp.data_length)
    return SHOAL_BLOCK_BAD;
  shoal_sha256 (data, data_len, leaf);
  return memcmp (leaf, expected, SHOAL_SHA256_LEN) == 0 ? SHOAL_BLOCK_GOOD : SHOAL_BLOCK_BAD;
}

static void
add_culprit (GPtrArray  *culprits,
             const char *ip)
{
  if (ip == NULL || ip[0] == '\0')
    return;
  for (guint i = 0; i < culprits->len; i++)
    if (g_str_equal (culprits->pdata[i], ip))
      return;
  g_ptr_array_add (culprits, g_strdup (ip));
}

/* Senders whose leaf differs from the trusted @good ones. */
static void
convict (GPtrArray          *culprits,
         const guint8       *good,
         const guint8       *sent,
         guint               n_leaves,
         const char * const *ips)
{
  for (guint i = 0; i < n_leaves; i++)
    if (memcmp (good + (gsize) i * SHOAL_SHA256_LEN, sent + (gsize) i * SHOAL_SHA256_LEN,
                SHOAL_SHA256_LEN) != 0)
      add_culprit (culprits, ips[i]);
}

/**
 * shoal_block_verifier_piece_failed:
 * @self: a verifier
 * @piece: a piece that did not hash up to its root
 * @leaves: (array length=n_leaves): the hashes of the blocks it held
 * @n_leaves: how many: the piece's number of blocks
 * @block_ips: (array length=n_leaves): who sent each block ("" or %NULL:
 *   not known, a web seed)
 *
 * Returns: (transfer full) (element-type utf8): the addresses proven to
 *   have sent a bad block of @piece now, each once: those whose block
 *   differs from the known leaves, or the one sender of every block. Else
 *   empty, and the evidence is kept until the piece passes.
 */
GPtrArray *
shoal_block_verifier_piece_failed (ShoalBlockVerifier  *self,
                                   guint                piece,
                                   const guint8        *leaves,
                                   guint                n_leaves,
                                   const char * const  *block_ips)
{
  GPtrArray *culprits = g_ptr_array_new_with_free_func (g_free);
  g_autofree guint8 *good = NULL;
  const guint8 *known;
  const char *only = NULL;
  gboolean one_sender = TRUE;
  Evidence *e;

  g_return_val_if_fail (self != NULL, culprits);
  if (n_leaves == 0 || n_leaves != shoal_block_verifier_get_n_blocks (self, piece))
    return culprits;

  g_mutex_lock (&self->lock);
  known = g_hash_table_lookup (self->leaves, GUINT_TO_POINTER (piece));
  if (known != NULL)
    good = g_memdup2 (known, (gsize) n_leaves * SHOAL_SHA256_LEN);
  g_mutex_unlock (&self->lock);
  if (good != NULL)
    {
      convict (culprits, good, leaves, n_leaves, block_ips);
      return culprits;
    }

  /* A piece that does not hash up to its root has a bad block: if one
   * address sent every block, it sent that one. */
  for (guint i = 0; i < n_leaves; i++)
    {
      const char *ip = block_ips[i] != NULL ? block_ips[i] : "";

      if (only == NULL)
        only = ip;
      else if (!g_str_equal (only, ip))
        one_sender = FALSE;
    }
  if (one_sender && only != NULL && only[0] != '\0')
    {
      add_culprit (culprits, only);
      return culprits;
    }

  if (g_hash_table_size (self->suspects) >= MAX_SUSPECT_PIECES &&
      !g_hash_table_contains (self->suspects, GUINT_TO_POINTER (piece)))
    return culprits;
  e = g_new0 (Evidence, 1);
  e->n_failures = shoal_block_verifier_get_n_failures (self, piece) + 1;
  e->n_leaves = n_leaves;
  e->leaves = g_memdup2 (leaves, (gsize) n_leaves * SHOAL_SHA256_LEN);
  e->ips = g_new0 (char *, n_leaves + 1);
  for (guint i = 0; i < n_leaves; i++)
    e->ips[i] = g_strdup (block_ips[i] != NULL ? block_ips[i] : "");
  /* The latest failure is what the next pass is compared with. */
  g_hash_table_replace (self->suspects, GUINT_TO_POINTER (piece), e);
  return culprits;
}

/**
 * shoal_block_verifier_get_n_failures:
 * @self: a verifier
 * @piece: a piece index
 *
 * Returns: how many times @piece failed with several senders and no one
 *   convicted, since it last passed
 */
guint
shoal_block_verifier_get_n_failures (ShoalBlockVerifier *self,
                                     guint               piece)
{
  Evidence *e = g_hash_table_lookup (self->suspects, GUINT_TO_POINTER (piece));

  return e != NULL ? e->n_failures : 0;
}

/**
 * shoal_block_verifier_convict_suspects:
 * @self: a verifier
 * @piece: a piece whose leaves were just set (shoal_block_verifier_set_leaves())
 *
 * A piece that failed before its leaves were known: the senders of the
 * blocks that differ from them are convicted now, and the evidence is
 * forgotten.
 *
 * Returns: (transfer full) (element-type utf8): those addresses, each once
 */
GPtrArray *
shoal_block_verifier_convict_suspects (ShoalBlockVerifier *self,
                                       guint               piece)
{
  GPtrArray *culprits = g_ptr_array_new_with_free_func (g_free);
  Evidence *e = g_hash_table_lookup (self->suspects, GUINT_TO_POINTER (piece));
  g_autofree guint8 *good = NULL;
  const guint8 *known;

  if (e == NULL)
    return culprits;
  g_mutex_lock (&self->lock);
  known = g_hash_table_lookup (self->leaves, GUINT_TO_POINTER (piece));
  if (known != NULL)
    good = g_memdup2 (known, (gsize) e->n_leaves * SHOAL_SHA256_LEN);
  g_mutex_unlock (&self->lock);
  if (good == NULL)
    return culprits;
  convict (culprits, good, e->leaves, e->n_leaves, (const char * const *) e->ips);
  g_hash_table_remove (self->suspects, GUINT_TO_POINTER (piece));
  return culprits;
}

gboolean
shoal_block_verifier_has_suspects (ShoalBlockVerifier *self,
                                   guint               piece)
{
  return g_hash_table_contains (self->suspects, GUINT_TO_POINTER (piece));
}

/**
 * shoal_block_verifier_piece_passed:
 * @self: a verifier
 * @piece: a piece that hashed up to its root
 * @leaves: (array length=n_leaves): its block hashes, now known good
 * @n_leaves: how many
 *
 * Forgets what was kept of @piece.
 *
 * Returns: (transfer full) (element-type utf8): the addresses that sent a
 *   block of an earlier, failed copy of @piece that differs, each once
 */
GPtrArray *
shoal_block_verifier_piece_passed (ShoalBlockVerifier *self,
                                   guint               piece,
                                   const guint8       *leaves,
                                   guint               n_leaves)
{
  GPtrArray *culprits = g_ptr_array_new_with_free_func (g_free);
  Evidence *e;

  g_return_val_if_fail (self != NULL, culprits);

  e = g_hash_table_lookup (self->suspects, GUINT_TO_POINTER (piece));
  if (e != NULL && e->n_leaves == n_leaves)
    convict (culprits, leaves, e->leaves, n_leaves, (const char * const *) e->ips);
  g_hash_table_remove (self->suspects, GUINT_TO_POINTER (piece));
  g_mutex_lock (&self->lock);
  if (g_hash_table_remove (self->leaves, GUINT_TO_POINTER (piece)))
    self->leaf_bytes -= (gsize) shoal_block_verifier_get_n_blocks (self, piece) * SHOAL_SHA256_LEN;
  g_mutex_unlock (&self->lock);
  return culprits;
}
