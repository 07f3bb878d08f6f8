/* shoal-metainfo-v2.c: a v2 torrent's pieces and piece layers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A v2 piece lies in one file: the file's data from the piece's start, at
 * most a piece long, then (for the last piece of a file) the gap to the
 * next piece boundary, which is not data. A piece of a file larger than a
 * piece is checked against its hash in the file's piece layer: the root of
 * a subtree one piece wide, its leaves past the file's end zero. A file of
 * one piece is checked against its pieces root directly, a tree as wide as
 * its own blocks. Part of the parser (shoal-metainfo-private.h).
 */
#include "config.h"

#include <string.h>

#include "shoal-bencode.h"
#include "shoal-merkle.h"
#include "shoal-metainfo-private.h"
#include "shoal-merkle-piece.h"
#include "shoal-metainfo-v2.h"

/**
 * shoal_metainfo_new_without_layers:
 * @bytes: a .torrent built around an info dictionary (a magnet link's)
 * @error: return location for an error
 *
 * Like shoal_metainfo_new_from_bytes(), but a v2 file whose piece layer is
 * missing is accepted without it: shoal_metainfo_v2_set_piece_layer()
 * adds it once peers sent it. A layer that is there must still match.
 *
 * Returns: (transfer full): the metainfo, or %NULL with @error set
 */
ShoalMetainfo *
shoal_metainfo_new_without_layers (GBytes  *bytes,
                                   GError **error)
{
  g_autoptr(ShoalMetainfo) self = NULL;

  g_return_val_if_fail (bytes != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_METAINFO, NULL);
  self->layers_optional = TRUE;
  if (!_shoal_metainfo_parse (self, bytes, error))
    return NULL;
  return g_steal_pointer (&self);
}

static const FileEntry *
entry_at (ShoalMetainfo *self,
          guint          index)
{
  return &g_array_index (self->files, FileEntry, index);
}

static gboolean
is_data_file (const FileEntry *entry)
{
  return entry->file.length > 0 && !(entry->file.attributes & SHOAL_FILE_ATTRIBUTE_PAD);
}

/**
 * shoal_metainfo_v2_locate_piece:
 * @self: a v2 or hybrid metainfo
 * @piece: a piece index
 * @file_index: (out) (optional): the file the piece belongs to
 * @piece_in_file: (out) (optional): its index among the file's pieces
 * @data_length: (out) (optional): how many of its bytes are file data
 *
 * Returns: %FALSE if @piece is out of range or starts in no file
 */
gboolean
shoal_metainfo_v2_locate_piece (ShoalMetainfo *self,
                                guint          piece,
                                guint         *file_index,
                                guint64       *piece_in_file,
                                guint64       *data_length)
{
  guint64 start;
  guint lo = 0;
  guint hi;
  const FileEntry *entry;

  g_return_val_if_fail (SHOAL_IS_METAINFO (self), FALSE);
  if (!(self->version & SHOAL_TORRENT_VERSION_V2) || piece >= self->n_pieces)
    return FALSE;

  /* The first file that ends after the piece's start. */
  start = (guint64) piece * self->piece_length;
  hi = self->files->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const FileEntry *e = entry_at (self, mid);

      if (e->file.offset + e->file.length > start)
        hi = mid;
      else
        lo = mid + 1;
    }
  while (lo < self->files->len && !is_data_file (entry_at (self, lo)))
    lo++;
  if (lo >= self->files->len)
    return FALSE;
  entry = entry_at (self, lo);
  if (entry->file.offset > start || (entry->file.offset % self->piece_length) != 0)
    return FALSE;

  if (file_index != NULL)
    *file_index = lo;
  if (piece_in_file != NULL)
    *piece_in_file = (start - entry->file.offset) / self->piece_length;
  if (data_length != NULL)
    *data_length = MIN (self->piece_length, entry->file.offset + entry->file.length - start);
  return TRUE;
}

/**
 * shoal_metainfo_range_is_padding:
 * @self: a metainfo
 * @piece: a piece index
 * @begin: an offset in the piece
 * @length: a length from there
 *
 * Whether the range holds no file data at all: it lies in pad files (BEP
 * 47) or in the gaps after the files of a v2-only torrent, zeros that no
 * peer needs to send.
 *
 * Returns: %TRUE if the range is padding only
 */
gboolean
shoal_metainfo_range_is_padding (ShoalMetainfo *self,
                                 guint          piece,
                                 guint64        begin,
                                 guint64        length)
{
  guint64 start, end;
  guint lo = 0;
  guint hi;

  g_return_val_if_fail (SHOAL_IS_METAINFO (self), FALSE);
  if (piece >= self->n_pieces || length == 0)
    return FALSE;
  start = (guint64) piece * self->piece_length + begin;
  end = start + length;

  /* The first file that ends after the range's start. */
  hi = self->files->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const FileEntry *e = entry_at (self, mid);

      if (e->file.offset + e->file.length > start)
        hi = mid;
      else
        lo = mid + 1;
    }
  for (; lo < self->files->len && entry_at (self, lo)->file.offset < end; lo++)
    if (is_data_file (entry_at (self, lo)))
      return FALSE;
  return TRUE;
}

/**
 * shoal_metainfo_v2_piece_root:
 * @data: (array length=data_length): a piece's file data
 * @data_length: its length, at least 1
 * @width: the leaves of the subtree, a power of two ≥ the blocks of @data
 * @out: (out caller-allocates): the subtree's root
 *
 * SHA-256 of each 16 KiB block (the last one as long as it is), zero
 * leaves up to @width, reduced to one hash.
 */
void
shoal_metainfo_v2_piece_root (const guint8 *data,
                              gsize         data_length,
                              guint64       width,
                              guint8        out[SHOAL_SHA256_LEN])
{
  guint64 n_blocks = (data_length + SHOAL_MERKLE_BLOCK_SIZE - 1) / SHOAL_MERKLE_BLOCK_SIZE;
  g_autofree guint8 *leaves = NULL;
  guint8 zero[SHOAL_SHA256_LEN] = { 0 };

  g_return_if_fail (data_length > 0 && n_blocks <= width);

  leaves = g_malloc (n_blocks * SHOAL_SHA256_LEN);
  for (guint64 i = 0; i < n_blocks; i++)
    {
      gsize off = i * SHOAL_MERKLE_BLOCK_SIZE;

      shoal_sha256 (data + off, MIN (SHOAL_MERKLE_BLOCK_SIZE, data_length - off), leaves + i * SHOAL_SHA256_LEN);
    }
  shoal_merkle_reduce (leaves, n_blocks, width, zero, out);
}

/**
 * shoal_metainfo_v2_check_piece:
 * @self: a v2 or hybrid metainfo
 * @piece: a piece index
 * @data: (array length=len): the piece as stored, gap included
 * @len: its length
 *
 * Checks a piece against its hash in the piece layer, or against the
 * pieces root for a file of one piece. A piece whose layer is not known
 * yet cannot be checked, and fails.
 *
 * Returns: %TRUE if the data is the piece's
 */
gboolean
shoal_metainfo_v2_check_piece (ShoalMetainfo *self,
                               guint          piece,
                               const guint8  *data,
                               gsize          len)
{
  ShoalMerklePiece mp;

  return shoal_merkle_piece_lookup (self, piece, &mp) &&
         shoal_merkle_piece_check_data (&mp, data, len, NULL);
}

/**
 * shoal_metainfo_v2_file_needs_layer:
 * @self: a metainfo
 * @file_index: a file index
 *
 * Returns: %TRUE if the file is larger than a piece and its v2 piece layer
 *   is not known yet
 */
gboolean
shoal_metainfo_v2_file_needs_layer (ShoalMetainfo *self,
                                    guint          file_index)
{
  const FileEntry *entry;

  g_return_val_if_fail (SHOAL_IS_METAINFO (self), FALSE);
  if (!(self->version & SHOAL_TORRENT_VERSION_V2) || file_index >= self->files->len)
    return FALSE;
  entry = entry_at (self, file_index);
  return is_data_file (entry) && entry->file.pieces_root != NULL &&
         entry->file.length > self->piece_length && entry->layer == NULL;
}

/**
 * shoal_metainfo_v2_needs_layers:
 * @self: a metainfo
 *
 * Returns: %TRUE if a v2-only torrent still lacks a piece layer; a hybrid's
 *   pieces are checked with its v1 hashes, so it needs none
 */
gboolean
shoal_metainfo_v2_needs_layers (ShoalMetainfo *self)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), FALSE);
  if (self->version != SHOAL_TORRENT_VERSION_V2)
    return FALSE;
  for (guint i = 0; i < self->files->len; i++)
    if (shoal_metainfo_v2_file_needs_layer (self, i))
      return TRUE;
  return FALSE;
}

/**
 * shoal_metainfo_v2_find_file:
 * @self: a metainfo
 * @pieces_root: 32 bytes
 *
 * Returns: the first file with that pieces root, or -1
 */
gint
shoal_metainfo_v2_find_file (ShoalMetainfo *self,
                             const guint8  *pieces_root)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), -1);
  for (guint i = 0; i < self->files->len && i < G_MAXINT; i++)
    {
      const FileEntry *entry = entry_at (self, i);

      if (entry->file.pieces_root != NULL && memcmp (entry->file.pieces_root, pieces_root, SHOAL_SHA256_LEN) == 0)
        return (gint) i;
    }
  return -1;
}

/**
 * shoal_metainfo_v2_set_piece_layer:
 * @self: a metainfo made by shoal_metainfo_new_without_layers()
 * @file_index: a file that needs its layer
 * @hashes: (array length=n_hashes): the file's piece layer
 * @n_hashes: its length: the file's piece count
 * @error: return location for a #SHOAL_METAINFO_ERROR
 *
 * Takes a piece layer received from peers once it rebuilds the file's
 * pieces root; every file with the same root gets it too.
 *
 * Returns: %TRUE if the layer was taken
 */
gboolean
shoal_metainfo_v2_set_piece_layer (ShoalMetainfo  *self,
                                   guint           file_index,
                                   const guint8   *hashes,
                                   gsize           n_hashes,
                                   GError        **error)
{
  FileEntry *entry;
  guint64 expected;
  guint8 computed[SHOAL_SHA256_LEN];

  g_return_val_if_fail (SHOAL_IS_METAINFO (self), FALSE);
  if (!shoal_metainfo_v2_file_needs_layer (self, file_index))
    return fail (error, SHOAL_METAINFO_ERROR_BAD_PIECE_LAYERS, "File %u needs no piece layer", file_index + 1);
  entry = &g_array_index (self->files, FileEntry, file_index);
  expected = (entry->file.length - 1) / self->piece_length + 1;
  if (n_hashes != expected)
    return fail (error, SHOAL_METAINFO_ERROR_BAD_PIECE_LAYERS,
                 "The piece layer of “%s” has %" G_GSIZE_FORMAT " hashes instead of %" G_GUINT64_FORMAT,
                 entry->file.path, n_hashes, expected);
  shoal_merkle_root_from_layer (hashes, n_hashes, self->piece_length, computed);
  if (memcmp (computed, entry->file.pieces_root, SHOAL_SHA256_LEN) != 0)
    return fail (error, SHOAL_METAINFO_ERROR_BAD_PIECE_LAYERS,
                 "The piece layer of “%s” does not match its pieces root", entry->file.path);

  for (guint i = 0; i < self->files->len; i++)
    {
      FileEntry *other = &g_array_index (self->files, FileEntry, i);

      if (other->layer == NULL && other->file.pieces_root != NULL &&
          other->file.length == entry->file.length &&
          memcmp (other->file.pieces_root, computed, SHOAL_SHA256_LEN) == 0)
        {
          other->fetched_layer = g_memdup2 (hashes, n_hashes * SHOAL_SHA256_LEN);
          other->n_layer_hashes = n_hashes;
          other->layer = other->fetched_layer;
        }
    }
  return TRUE;
}

static int
compare_roots (gconstpointer a,
               gconstpointer b)
{
  const FileEntry *ea = *(const FileEntry * const *) a;
  const FileEntry *eb = *(const FileEntry * const *) b;

  return memcmp (ea->file.pieces_root, eb->file.pieces_root, SHOAL_SHA256_LEN);
}

/* "piece layers" and its dictionary, one entry per distinct root. */
static void
write_layers (ShoalBencodeWriter *writer,
              GPtrArray          *with_layer)
{
  const guint8 *last = NULL;

  shoal_bencode_writer_cstring (writer, "piece layers");
  shoal_bencode_writer_begin_dict (writer);
  for (guint i = 0; i < with_layer->len; i++)
    {
      const FileEntry *entry = with_layer->pdata[i];

      if (last != NULL && memcmp (last, entry->file.pieces_root, SHOAL_SHA256_LEN) == 0)
        continue;
      shoal_bencode_writer_string (writer, entry->file.pieces_root, SHOAL_SHA256_LEN);
      shoal_bencode_writer_string (writer, entry->layer, entry->n_layer_hashes * SHOAL_SHA256_LEN);
      last = entry->file.pieces_root;
    }
  shoal_bencode_writer_end (writer);
}

/**
 * shoal_metainfo_v2_dup_bytes_with_layers:
 * @self: a metainfo
 *
 * The .torrent as it was given, its "piece layers" replaced by every layer
 * known now (from the file or fetched), for saving: a later session then
 * needs to fetch none of them again.
 *
 * Returns: (transfer full): the bytes of the .torrent
 */
GBytes *
shoal_metainfo_v2_dup_bytes_with_layers (ShoalMetainfo *self)
{
  g_autoptr(ShoalBencode) doc = NULL;
  g_autoptr(ShoalBencodeWriter) writer = NULL;
  g_autoptr(GPtrArray) with_layer = NULL;
  const ShoalBencodeNode *root;
  const ShoalBencodeNode *key;
  gboolean written = FALSE;

  g_return_val_if_fail (SHOAL_IS_METAINFO (self), NULL);

  doc = shoal_bencode_parse (self->bytes, NULL);
  root = doc ? shoal_bencode_get_root (doc) : NULL;
  if (root == NULL || !shoal_bencode_node_is (root, SHOAL_BENCODE_DICT))
    return g_bytes_ref (self->bytes);

  with_layer = g_ptr_array_new ();
  for (guint i = 0; i < self->files->len; i++)
    {
      const FileEntry *entry = entry_at (self, i);

      if (entry->layer != NULL && entry->file.pieces_root != NULL)
        g_ptr_array_add (with_layer, (gpointer) entry);
    }
  g_ptr_array_sort (with_layer, compare_roots);

  writer = shoal_bencode_writer_new ();
  shoal_bencode_writer_begin_dict (writer);
  for (key = shoal_bencode_node_get_first (root); key != NULL; )
    {
      const ShoalBencodeNode *value = shoal_bencode_node_get_next (key);
      gsize len;
      const guint8 *name = shoal_bencode_node_get_string (key, &len);
      int cmp = memcmp (name, "piece layers", MIN (len, 12));

      if (cmp == 0)
        cmp = len < 12 ? -1 : (len > 12 ? 1 : 0);
      if (cmp >= 0 && !written && with_layer->len > 0)
        {
          write_layers (writer, with_layer);
          written = TRUE;
        }
      if (cmp != 0)
        {
          shoal_bencode_writer_node (writer, key);
          shoal_bencode_writer_node (writer, value);
        }
      key = shoal_bencode_node_get_next (value);
    }
  if (!written && with_layer->len > 0)
    write_layers (writer, with_layer);
  shoal_bencode_writer_end (writer);
  return shoal_bencode_writer_finish (writer);
}
