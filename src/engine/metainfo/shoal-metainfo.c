/* shoal-metainfo.c: .torrent files (BEP 3, 12, 19, 27, 47, 52)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A .torrent is untrusted input: everything read from it is checked and
 * bounded before it is used, and every problem becomes a GError that tells
 * the user what is wrong with the file. The info-hashes are computed over
 * the info dictionary exactly as received, so a torrent whose keys are not
 * sorted still gets the hash its creator (and every peer) uses.
 *
 * Whatever the torrent's version, the result is presented in one shape: an
 * ordered list of files laid out in one piece stream, with sanitized paths
 * relative to the save directory. v2-only torrents have their files placed
 * on piece boundaries, as a hybrid's pad files would place them.
 */
#include "config.h"

#include <string.h>

#include "shoal-announce-url.h"
#include "shoal-bencode.h"
#include "shoal-hash.h"
#include "shoal-magnet.h"
#include "shoal-metainfo.h"
#include "shoal-metainfo-private.h"
#include "shoal-path.h"

G_DEFINE_QUARK (shoal-metainfo-error-quark, shoal_metainfo_error)
G_DEFINE_FINAL_TYPE (ShoalMetainfo, shoal_metainfo, G_TYPE_OBJECT)

static void
file_entry_clear (gpointer data)
{
  FileEntry *entry = data;

  g_clear_pointer (&entry->file.path, g_free);
  g_clear_pointer (&entry->file.symlink_target, g_free);
  g_clear_pointer (&entry->file.pieces_root, g_free);
  g_clear_pointer (&entry->fetched_layer, g_free);
}

static GArray *
file_entries_new (void)
{
  GArray *files = g_array_new (FALSE, TRUE, sizeof (FileEntry));

  g_array_set_clear_func (files, file_entry_clear);
  return files;
}

static void
shoal_metainfo_finalize (GObject *object)
{
  ShoalMetainfo *self = SHOAL_METAINFO (object);

  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_clear_pointer (&self->info_bytes, g_bytes_unref);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->files, g_array_unref);
  g_clear_pointer (&self->tiers, g_ptr_array_unref);
  g_clear_pointer (&self->web_seeds, g_strfreev);
  g_clear_pointer (&self->comment, g_free);
  g_clear_pointer (&self->created_by, g_free);
  g_clear_pointer (&self->source, g_free);

  G_OBJECT_CLASS (shoal_metainfo_parent_class)->finalize (object);
}

static void
shoal_metainfo_class_init (ShoalMetainfoClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_metainfo_finalize;
}

static void
shoal_metainfo_init (ShoalMetainfo *self)
{
  self->files = file_entries_new ();
  self->tiers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
}

/* Trackers and web seeds */

static char *
dup_url (const ShoalBencodeNode *node,
         gboolean                allow_udp)
{
  const guint8 *data;
  gsize len;
  g_autofree char *url = NULL;

  if (!_shoal_metainfo_node_is_utf8_string (node))
    return NULL;
  data = shoal_bencode_node_get_string (node, &len);
  if (len == 0 || len > SHOAL_ANNOUNCE_URL_MAX_LEN || memchr (data, '\0', len) != NULL)
    return NULL;
  url = g_strstrip (g_strndup ((const char *) data, len));
  if (!shoal_announce_url_check (url, allow_udp ? SHOAL_ANNOUNCE_URL_FLAGS_NONE : SHOAL_ANNOUNCE_URL_FLAGS_HTTP_ONLY,
                                 NULL))
    return NULL;
  return g_steal_pointer (&url);
}

static void
parse_trackers (ShoalMetainfo          *self,
                const ShoalBencodeNode *root)
{
  const ShoalBencodeNode *list = shoal_bencode_node_dict_lookup (root, "announce-list");
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const ShoalBencodeNode *tier;
  char *url;

  if (shoal_bencode_node_is (list, SHOAL_BENCODE_LIST))
    {
      for (tier = shoal_bencode_node_get_first (list); tier; tier = shoal_bencode_node_get_next (tier))
        {
          g_autoptr(GStrvBuilder) builder = NULL;
          g_auto(GStrv) urls = NULL;
          const ShoalBencodeNode *child;

          if (!shoal_bencode_node_is (tier, SHOAL_BENCODE_LIST))
            continue;
          builder = g_strv_builder_new ();
          for (child = shoal_bencode_node_get_first (tier); child; child = shoal_bencode_node_get_next (child))
            {
              if (g_hash_table_size (seen) >= SHOAL_METAINFO_MAX_TRACKERS)
                break;
              url = dup_url (child, TRUE);
              if (url == NULL || g_hash_table_contains (seen, url))
                {
                  g_free (url);
                  continue;
                }
              g_strv_builder_add (builder, url);
              g_hash_table_add (seen, url);
            }
          urls = g_strv_builder_end (builder);
          if (urls[0] != NULL)
            g_ptr_array_add (self->tiers, g_steal_pointer (&urls));
        }
    }

  /* BEP 12: announce-list, when it has anything usable, replaces announce. */
  if (self->tiers->len == 0)
    {
      url = dup_url (shoal_bencode_node_dict_lookup (root, "announce"), TRUE);
      if (url != NULL)
        {
          char **urls = g_new0 (char *, 2);

          urls[0] = url;
          g_ptr_array_add (self->tiers, urls);
        }
    }
}

static void
add_web_seed (GPtrArray              *seeds,
              GHashTable             *seen,
              const ShoalBencodeNode *node)
{
  char *url;

  if (seeds->len >= SHOAL_METAINFO_MAX_WEB_SEEDS)
    return;
  url = dup_url (node, FALSE);
  if (url == NULL || g_hash_table_contains (seen, url))
    {
      g_free (url);
      return;
    }
  g_hash_table_add (seen, url);
  g_ptr_array_add (seeds, g_strdup (url));
}

static void
parse_web_seeds (ShoalMetainfo          *self,
                 const ShoalBencodeNode *root)
{
  const ShoalBencodeNode *node = shoal_bencode_node_dict_lookup (root, "url-list");
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) seeds = g_ptr_array_new ();
  const ShoalBencodeNode *child;

  if (shoal_bencode_node_is (node, SHOAL_BENCODE_LIST))
    {
      for (child = shoal_bencode_node_get_first (node); child; child = shoal_bencode_node_get_next (child))
        add_web_seed (seeds, seen, child);
    }
  else if (node != NULL)
    add_web_seed (seeds, seen, node);

  g_ptr_array_add (seeds, NULL);
  self->web_seeds = (GStrv) g_ptr_array_free (g_steal_pointer (&seeds), FALSE);
}

/* Putting it together */

static gboolean
parse_piece_length (const ShoalBencodeNode  *info,
                    guint64                 *out,
                    GError                 **error)
{
  const ShoalBencodeNode *node = shoal_bencode_node_dict_lookup (info, "piece length");
  gint64 value;

  if (node == NULL)
    return fail (error, SHOAL_METAINFO_ERROR_BAD_PIECE_LENGTH, "The torrent has no piece length");
  if (!shoal_bencode_node_is (node, SHOAL_BENCODE_INTEGER))
    return fail (error, SHOAL_METAINFO_ERROR_BAD_PIECE_LENGTH, "The piece length is not a number");
  value = shoal_bencode_node_get_integer (node);
  if (value <= 0 || (value & (value - 1)) != 0)
    return fail (error, SHOAL_METAINFO_ERROR_BAD_PIECE_LENGTH,
                 "Piece length %" G_GINT64_FORMAT " is not a power of two", value);
  if (value < SHOAL_METAINFO_MIN_PIECE_LENGTH || value > SHOAL_METAINFO_MAX_PIECE_LENGTH)
    return fail (error, SHOAL_METAINFO_ERROR_BAD_PIECE_LENGTH,
                 "Piece length %" G_GINT64_FORMAT " is outside the supported range (%u to %u bytes)",
                 value, (guint) SHOAL_METAINFO_MIN_PIECE_LENGTH, (guint) SHOAL_METAINFO_MAX_PIECE_LENGTH);
  *out = (guint64) value;
  return TRUE;
}

static gboolean
check_v1_pieces (ShoalMetainfo           *self,
                 const ShoalBencodeNode  *info,
                 GArray                  *files,
                 GError                 **error)
{
  const ShoalBencodeNode *pieces = shoal_bencode_node_dict_lookup (info, "pieces");
  guint64 total = 0;
  guint64 expected;
  gsize len;
  const guint8 *data;

  for (guint i = 0; i < files->len; i++)
    if (!_shoal_metainfo_add_to_total (&total, g_array_index (files, FileEntry, i).file.length, error))
      return FALSE;
  if (total == 0)
    return fail (error, SHOAL_METAINFO_ERROR_BAD_LENGTH, "The torrent has no content (its files are all empty)");

  if (pieces == NULL)
    return fail (error, SHOAL_METAINFO_ERROR_BAD_PIECES, "The torrent has no piece hashes");
  if (!shoal_bencode_node_is (pieces, SHOAL_BENCODE_STRING))
    return fail (error, SHOAL_METAINFO_ERROR_BAD_PIECES, "The piece hashes are not a string");
  data = shoal_bencode_node_get_string (pieces, &len);
  if (len % SHOAL_SHA1_LEN != 0)
    return fail (error, SHOAL_METAINFO_ERROR_BAD_PIECES,
                 "The piece hashes are %" G_GSIZE_FORMAT " bytes long, not a multiple of %u",
                 len, SHOAL_SHA1_LEN);

  expected = (total - 1) / self->piece_length + 1;
  if (len / SHOAL_SHA1_LEN != expected)
    return fail (error, SHOAL_METAINFO_ERROR_PIECE_COUNT_MISMATCH,
                 "The torrent has %" G_GSIZE_FORMAT " piece hashes but its %" G_GUINT64_FORMAT
                 " bytes need %" G_GUINT64_FORMAT, len / SHOAL_SHA1_LEN, total, expected);
  /* The .torrent is at most 64 MiB, so the count fits easily. */
  g_assert (expected <= G_MAXUINT);

  self->piece_hashes = data;
  self->n_pieces = (guint) expected;
  self->total_length = total;
  return TRUE;
}

/* Checks that the v1 half of a hybrid (without its pad files) lists the same
 * files as the v2 half, and lends it the v2 roots and layers. */
static gboolean
match_hybrid (ShoalMetainfo  *self,
              GArray         *v1,
              GArray         *v2,
              GError        **error)
{
  guint j = 0;
  guint64 offset = 0;

  for (guint i = 0; i < v1->len; i++)
    {
      FileEntry *a = &g_array_index (v1, FileEntry, i);
      FileEntry *b;

      if (a->file.attributes & SHOAL_FILE_ATTRIBUTE_PAD)
        {
          offset += a->file.length;
          continue;
        }
      if (j >= v2->len)
        return fail (error, SHOAL_METAINFO_ERROR_HYBRID_MISMATCH,
                     "The v1 file list has more files than the v2 file tree");
      b = &g_array_index (v2, FileEntry, j++);
      if (g_strcmp0 (a->file.path, b->file.path) != 0)
        return fail (error, SHOAL_METAINFO_ERROR_HYBRID_MISMATCH,
                     "File %u is “%s” in the v1 file list but “%s” in the v2 file tree",
                     j, a->file.path, b->file.path);
      if (a->file.length != b->file.length)
        return fail (error, SHOAL_METAINFO_ERROR_HYBRID_MISMATCH,
                     "“%s” is %" G_GUINT64_FORMAT " bytes in the v1 file list but %" G_GUINT64_FORMAT
                     " in the v2 file tree", a->file.path, a->file.length, b->file.length);
      if (a->file.length > 0 && offset % self->piece_length != 0)
        return fail (error, SHOAL_METAINFO_ERROR_HYBRID_MISMATCH,
                     "“%s” does not start on a piece boundary in the v1 file list", a->file.path);

      a->file.pieces_root = g_steal_pointer (&b->file.pieces_root);
      a->layer = b->layer;
      a->n_layer_hashes = b->n_layer_hashes;
      offset += a->file.length;
    }
  if (j != v2->len)
    return fail (error, SHOAL_METAINFO_ERROR_HYBRID_MISMATCH,
                 "The v2 file tree has more files than the v1 file list");
  return TRUE;
}

/* v2-only: every file starts on a piece boundary, as if padded; the last
 * one too is padded to a whole piece, as libtorrent lays v2 torrents out
 * (and peers ask for the last piece's blocks up to its full length). */
static gboolean
lay_out_v2 (ShoalMetainfo  *self,
            GArray         *files,
            GError        **error)
{
  guint64 pos = 0;
  guint64 n_pieces = 0;

  for (guint i = 0; i < files->len; i++)
    {
      FileEntry *entry = &g_array_index (files, FileEntry, i);

      if (entry->file.length > 0)
        {
          guint64 rem = pos % self->piece_length;

          if (rem != 0 && !_shoal_metainfo_add_to_total (&pos, self->piece_length - rem, error))
            return FALSE;
          n_pieces += (entry->file.length - 1) / self->piece_length + 1;
        }
      entry->file.offset = pos;
      if (!_shoal_metainfo_add_to_total (&pos, entry->file.length, error))
        return FALSE;
    }
  if (pos == 0)
    return fail (error, SHOAL_METAINFO_ERROR_BAD_LENGTH, "The torrent has no content (its files are all empty)");
  if (n_pieces > G_MAXUINT)
    return fail (error, SHOAL_METAINFO_ERROR_BAD_LENGTH, "The torrent has too many pieces");
  self->n_pieces = (guint) n_pieces;
  self->total_length = n_pieces * self->piece_length;
  return TRUE;
}

/* Final paths: under the torrent's directory for multi-file torrents, all
 * distinct. Real files are made unique first, so that a pad file, which is
 * never written, can never take a real file's name. */
static void
finish_paths (ShoalMetainfo *self)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < self->files->len; i++)
      {
        FileEntry *entry = &g_array_index (self->files, FileEntry, i);
        gboolean pad = (entry->file.attributes & SHOAL_FILE_ATTRIBUTE_PAD) != 0;

        if (pad != (pass == 1))
          continue;
        if (self->multi_file)
          g_ptr_array_add (paths, g_strconcat (self->name, "/", entry->file.path, NULL));
        else
          g_ptr_array_add (paths, g_strdup (self->name));
        g_array_append_val (order, i);
      }

  shoal_path_make_unique (paths);

  for (guint k = 0; k < paths->len; k++)
    {
      FileEntry *entry = &g_array_index (self->files, FileEntry, g_array_index (order, guint, k));

      g_free (entry->file.path);
      entry->file.path = g_steal_pointer (&g_ptr_array_index (paths, k));
    }
}

static gboolean
parse_name (ShoalMetainfo           *self,
            const ShoalBencodeNode  *info,
            GError                 **error)
{
  const ShoalBencodeNode *node = shoal_bencode_node_dict_lookup (info, "name.utf-8");
  const guint8 *data;
  gsize len;

  if (!_shoal_metainfo_node_is_utf8_string (node))
    node = shoal_bencode_node_dict_lookup (info, "name");
  if (node == NULL)
    return fail (error, SHOAL_METAINFO_ERROR_BAD_NAME, "The torrent has no name");
  if (!shoal_bencode_node_is (node, SHOAL_BENCODE_STRING))
    return fail (error, SHOAL_METAINFO_ERROR_BAD_NAME, "The torrent's name is not a string");

  data = shoal_bencode_node_get_string (node, &len);
  self->name = shoal_path_sanitize_component (data, len);
  /* A name like ".." gives no directory to use; the hash is a safe one. */
  if (self->name == NULL)
    self->name = (self->version & SHOAL_TORRENT_VERSION_V1)
                 ? shoal_hex_encode (self->info_hash_v1, SHOAL_SHA1_LEN)
                 : shoal_hex_encode (self->info_hash_v2, SHOAL_SHA256_LEN);
  return TRUE;
}

static gboolean
parse_version (ShoalMetainfo           *self,
               const ShoalBencodeNode  *info,
               GError                 **error)
{
  const ShoalBencodeNode *meta = shoal_bencode_node_dict_lookup (info, "meta version");

  if (meta == NULL)
    {
      self->version = SHOAL_TORRENT_VERSION_V1;
      return TRUE;
    }
  if (!shoal_bencode_node_is (meta, SHOAL_BENCODE_INTEGER) || shoal_bencode_node_get_integer (meta) != 2)
    return fail (error, SHOAL_METAINFO_ERROR_BAD_META_VERSION,
                 "The torrent uses a metainfo version this application does not support");

  self->version = SHOAL_TORRENT_VERSION_V2;
  /* Any v1 key makes it a hybrid, whose v1 half must then be complete. */
  if (shoal_bencode_node_dict_lookup (info, "pieces") != NULL ||
      shoal_bencode_node_dict_lookup (info, "length") != NULL ||
      shoal_bencode_node_dict_lookup (info, "files") != NULL)
    self->version = SHOAL_TORRENT_VERSION_HYBRID;
  return TRUE;
}

static gboolean
parse_v2 (ShoalMetainfo           *self,
          const ShoalBencodeNode  *root,
          const ShoalBencodeNode  *info,
          GArray                  *files,
          gboolean                *multi_file,
          GError                 **error)
{
  const ShoalBencodeNode *tree = shoal_bencode_node_dict_lookup (info, "file tree");
  g_autoptr(GPtrArray) components = g_ptr_array_new_with_free_func (g_free);
  TreeWalk walk = { files, components };
  const ShoalBencodeNode *first_value;
  const FileEntry *only;

  if (tree == NULL)
    return fail (error, SHOAL_METAINFO_ERROR_BAD_FILE_TREE, "The v2 torrent has no file tree");
  if (!shoal_bencode_node_is (tree, SHOAL_BENCODE_DICT))
    return fail (error, SHOAL_METAINFO_ERROR_BAD_FILE_TREE, "The file tree is not a dictionary");
  if (!_shoal_metainfo_walk_file_tree (&walk, tree, error))
    return FALSE;

  /* A single-file torrent's tree holds one file, at the top, named like
   * the torrent ({name: {"": {…}}}). Any other tree, one file in a folder
   * ({"movie.mkv": {"": {…}}} under the name "Movie (2020)") included, is
   * a multi-file torrent whose files go in a directory named after it, as
   * the torrent's creator had them. */
  first_value = shoal_bencode_node_get_next (shoal_bencode_node_get_first (tree));
  only = files->len == 1 ? &g_array_index (files, FileEntry, 0) : NULL;
  *multi_file = !(shoal_bencode_node_get_n_children (tree) == 2 &&
                  shoal_bencode_node_dict_lookup (first_value, "") != NULL &&
                  only != NULL && g_strcmp0 (only->file.path, self->name) == 0);

  return _shoal_metainfo_attach_piece_layers (root, files, self->piece_length, self->layers_optional, error);
}

static guint
count_real_files (GArray *files)
{
  guint n = 0;

  for (guint i = 0; i < files->len; i++)
    if (!(g_array_index (files, FileEntry, i).file.attributes & SHOAL_FILE_ATTRIBUTE_PAD))
      n++;
  return n;
}

gboolean
_shoal_metainfo_parse (ShoalMetainfo  *self,
                       GBytes         *bytes,
                       GError        **error)
{
  g_autoptr(ShoalBencode) doc = NULL;
  g_autoptr(GArray) v1_files = NULL;
  g_autoptr(GArray) v2_files = NULL;
  gboolean v1_multi = FALSE;
  gboolean v2_multi = FALSE;
  const ShoalBencodeNode *root;
  const ShoalBencodeNode *info;
  const guint8 *raw;
  gsize raw_len;

  if (g_bytes_get_size (bytes) > SHOAL_METAINFO_MAX_FILE_SIZE)
    return fail (error, SHOAL_METAINFO_ERROR_TOO_LARGE,
                 "The torrent file is too large (%" G_GSIZE_FORMAT " bytes, at most %u are allowed)",
                 g_bytes_get_size (bytes), (guint) SHOAL_METAINFO_MAX_FILE_SIZE);

  doc = shoal_bencode_parse (bytes, error);
  if (doc == NULL)
    return FALSE;
  self->bytes = g_bytes_ref (bytes);

  root = shoal_bencode_get_root (doc);
  if (!shoal_bencode_node_is (root, SHOAL_BENCODE_DICT))
    return fail (error, SHOAL_METAINFO_ERROR_NOT_A_DICTIONARY, "The file is not a torrent (it is not a dictionary)");
  info = shoal_bencode_node_dict_lookup (root, "info");
  if (info == NULL)
    return fail (error, SHOAL_METAINFO_ERROR_MISSING_INFO, "The torrent has no info dictionary");
  if (!shoal_bencode_node_is (info, SHOAL_BENCODE_DICT))
    return fail (error, SHOAL_METAINFO_ERROR_MISSING_INFO, "The torrent's info is not a dictionary");

  raw = shoal_bencode_node_get_raw (info, &raw_len);
  self->info_bytes = g_bytes_new_from_bytes (bytes, shoal_bencode_node_get_offset (info), raw_len);
  shoal_sha1 (raw, raw_len, self->info_hash_v1);
  shoal_sha256 (raw, raw_len, self->info_hash_v2);

  if (!parse_version (self, info, error) ||
      !parse_name (self, info, error) ||
      !parse_piece_length (info, &self->piece_length, error))
    return FALSE;

  if (self->version & SHOAL_TORRENT_VERSION_V1)
    {
      v1_files = file_entries_new ();
      if (!_shoal_metainfo_parse_v1_layout (info, self->name, v1_files, &v1_multi, error) ||
          !check_v1_pieces (self, info, v1_files, error))
        return FALSE;
    }

  if (self->version & SHOAL_TORRENT_VERSION_V2)
    {
      v2_files = file_entries_new ();
      if (!parse_v2 (self, root, info, v2_files, &v2_multi, error))
        return FALSE;
    }

  if (self->version == SHOAL_TORRENT_VERSION_HYBRID)
    {
      /* The one shape both halves may read differently: a folder "X"
       * holding only a file "X", whose tree {X: {"": …}} is also that of a
       * single file "X". The v1 file list says which it is, and
       * match_hybrid() still checks that the paths agree. */
      if (v1_multi != v2_multi && !(v1_multi && count_real_files (v1_files) == 1))
        return fail (error, SHOAL_METAINFO_ERROR_HYBRID_MISMATCH,
                     "The v1 part is a %s torrent but the v2 part is a %s one",
                     v1_multi ? "multi-file" : "single-file", v2_multi ? "multi-file" : "single-file");
      if (!match_hybrid (self, v1_files, v2_files, error))
        return FALSE;
    }

  if (self->version & SHOAL_TORRENT_VERSION_V1)
    {
      guint64 offset = 0;

      g_clear_pointer (&self->files, g_array_unref);
      self->files = g_steal_pointer (&v1_files);
      self->multi_file = v1_multi;
      for (guint i = 0; i < self->files->len; i++)
        {
          FileEntry *entry = &g_array_index (self->files, FileEntry, i);

          entry->file.offset = offset;
          offset += entry->file.length;
        }
    }
  else
    {
      g_clear_pointer (&self->files, g_array_unref);
      self->files = g_steal_pointer (&v2_files);
      self->multi_file = v2_multi;
      if (!lay_out_v2 (self, self->files, error))
        return FALSE;
    }

  self->content_size = 0;
  for (guint i = 0; i < self->files->len; i++)
    {
      const FileEntry *entry = &g_array_index (self->files, FileEntry, i);

      if (!(entry->file.attributes & SHOAL_FILE_ATTRIBUTE_PAD))
        self->content_size += entry->file.length;
    }
  finish_paths (self);

  parse_trackers (self, root);
  parse_web_seeds (self, root);
  self->is_private = _shoal_metainfo_lookup_integer (info, "private", 0) == 1;
  self->comment = _shoal_metainfo_dup_text (root, "comment");
  self->created_by = _shoal_metainfo_dup_text (root, "created by");
  self->source = _shoal_metainfo_dup_text (info, "source");
  self->creation_date = MAX (_shoal_metainfo_lookup_integer (root, "creation date", 0), 0);
  return TRUE;
}

/**
 * shoal_metainfo_new_from_bytes:
 * @bytes: the contents of a .torrent file
 * @error: return location for a #SHOAL_METAINFO_ERROR, or a
 *   #SHOAL_BENCODE_ERROR if @bytes is not valid bencode
 *
 * Parses and validates a .torrent file (v1, v2 or hybrid).
 *
 * Returns: (transfer full): the metainfo, or %NULL with @error set
 */
ShoalMetainfo *
shoal_metainfo_new_from_bytes (GBytes  *bytes,
                               GError **error)
{
  g_autoptr(ShoalMetainfo) self = NULL;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (SHOAL_TYPE_METAINFO, NULL);
  if (!_shoal_metainfo_parse (self, bytes, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * shoal_metainfo_new_from_file:
 * @file: a .torrent file
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Reads @file, refusing to read more than %SHOAL_METAINFO_MAX_FILE_SIZE
 * bytes, and parses it like shoal_metainfo_new_from_bytes(). This blocks:
 * call it from a worker thread.
 *
 * Returns: (transfer full): the metainfo, or %NULL with @error set
 */
ShoalMetainfo *
shoal_metainfo_new_from_file (GFile         *file,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_autoptr(GFileInfo) file_info = NULL;
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GByteArray) buffer = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stream = g_file_read (file, cancellable, error);
  if (stream == NULL)
    return NULL;

  /* Refuse early when the size is known, but still bound the read itself:
   * the file may grow, or be a pipe with no size at all. */
  file_info = g_file_input_stream_query_info (stream, G_FILE_ATTRIBUTE_STANDARD_SIZE, cancellable, NULL);
  if (file_info != NULL && g_file_info_has_attribute (file_info, G_FILE_ATTRIBUTE_STANDARD_SIZE) &&
      g_file_info_get_size (file_info) > SHOAL_METAINFO_MAX_FILE_SIZE)
    {
      fail (error, SHOAL_METAINFO_ERROR_TOO_LARGE,
            "The torrent file is too large (%" G_GOFFSET_FORMAT " bytes, at most %u are allowed)",
            g_file_info_get_size (file_info), (guint) SHOAL_METAINFO_MAX_FILE_SIZE);
      return NULL;
    }

  buffer = g_byte_array_new ();
  for (;;)
    {
      guint8 chunk[64 * 1024];
      gssize n = g_input_stream_read (G_INPUT_STREAM (stream), chunk, sizeof chunk, cancellable, error);

      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      if (buffer->len + (gsize) n > SHOAL_METAINFO_MAX_FILE_SIZE)
        {
          fail (error, SHOAL_METAINFO_ERROR_TOO_LARGE,
                "The torrent file is too large (more than %u bytes)", (guint) SHOAL_METAINFO_MAX_FILE_SIZE);
          return NULL;
        }
      g_byte_array_append (buffer, chunk, (guint) n);
    }

  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
  return shoal_metainfo_new_from_bytes (bytes, error);
}

ShoalTorrentVersion
shoal_metainfo_get_version (ShoalMetainfo *self)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), SHOAL_TORRENT_VERSION_V1);
  return self->version;
}

/**
 * shoal_metainfo_get_name:
 * @self: a metainfo
 *
 * Returns: the torrent's name, sanitized to be usable as a file or directory
 *   name (the hex info-hash if the torrent's own name is unusable)
 */
const char *
shoal_metainfo_get_name (ShoalMetainfo *self)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), NULL);
  return self->name;
}

/**
 * shoal_metainfo_get_info_hash_v1:
 * @self: a metainfo
 *
 * Returns: (nullable): the 20-byte SHA-1 info-hash, or %NULL for a v2-only
 *   torrent
 */
const guint8 *
shoal_metainfo_get_info_hash_v1 (ShoalMetainfo *self)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), NULL);
  return (self->version & SHOAL_TORRENT_VERSION_V1) ? self->info_hash_v1 : NULL;
}

/**
 * shoal_metainfo_get_info_hash_v2:
 * @self: a metainfo
 *
 * Returns: (nullable): the 32-byte SHA-256 info-hash, or %NULL for a v1-only
 *   torrent
 */
const guint8 *
shoal_metainfo_get_info_hash_v2 (ShoalMetainfo *self)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), NULL);
  return (self->version & SHOAL_TORRENT_VERSION_V2) ? self->info_hash_v2 : NULL;
}

char *
shoal_metainfo_dup_info_hash_v1_hex (ShoalMetainfo *self)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), NULL);
  if (!(self->version & SHOAL_TORRENT_VERSION_V1))
    return NULL;
  return shoal_hex_encode (self->info_hash_v1, SHOAL_SHA1_LEN);
}

char *
shoal_metainfo_dup_info_hash_v2_hex (ShoalMetainfo *self)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), NULL);
  if (!(self->version & SHOAL_TORRENT_VERSION_V2))
    return NULL;
  return shoal_hex_encode (self->info_hash_v2, SHOAL_SHA256_LEN);
}

/**
 * shoal_metainfo_get_info_bytes:
 * @self: a metainfo
 *
 * Returns: (transfer none): the info dictionary exactly as received, as
 *   served to peers over BEP 9
 */
GBytes *
shoal_metainfo_get_info_bytes (ShoalMetainfo *self)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), NULL);
  return self->info_bytes;
}

/**
 * shoal_metainfo_get_bytes:
 * @self: a metainfo
 *
 * Returns: (transfer none): the whole .torrent file as parsed
 */
GBytes *
shoal_metainfo_get_bytes (ShoalMetainfo *self)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), NULL);
  return self->bytes;
}

guint64
shoal_metainfo_get_piece_length (ShoalMetainfo *self)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), 0);
  return self->piece_length;
}

guint
shoal_metainfo_get_n_pieces (ShoalMetainfo *self)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), 0);
  return self->n_pieces;
}

/**
 * shoal_metainfo_get_piece_size:
 * @self: a metainfo
 * @piece: a piece index
 *
 * Returns: the size of @piece in the piece stream: the piece length, except
 *   for the last piece, which may be shorter; 0 if @piece is out of range
 */
guint64
shoal_metainfo_get_piece_size (ShoalMetainfo *self,
                               guint          piece)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), 0);
  if (piece >= self->n_pieces)
    return 0;
  if (piece + 1 < self->n_pieces)
    return self->piece_length;
  return self->total_length - (guint64) piece * self->piece_length;
}

/**
 * shoal_metainfo_get_piece_hash:
 * @self: a metainfo
 * @piece: a piece index
 *
 * Returns: (nullable): the 20-byte SHA-1 of @piece, or %NULL if @piece is out
 *   of range or the torrent is v2-only (its pieces are checked against the
 *   piece layers instead)
 */
const guint8 *
shoal_metainfo_get_piece_hash (ShoalMetainfo *self,
                               guint          piece)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), NULL);
  if (self->piece_hashes == NULL || piece >= self->n_pieces)
    return NULL;
  return self->piece_hashes + (gsize) piece * SHOAL_SHA1_LEN;
}

/**
 * shoal_metainfo_get_total_length:
 * @self: a metainfo
 *
 * Returns: the length of the piece stream, pad files (or, for v2-only
 *   torrents, the implied padding after each file) included
 */
guint64
shoal_metainfo_get_total_length (ShoalMetainfo *self)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), 0);
  return self->total_length;
}

/**
 * shoal_metainfo_get_content_size:
 * @self: a metainfo
 *
 * Returns: how many bytes the torrent's files hold, pad files excluded
 */
guint64
shoal_metainfo_get_content_size (ShoalMetainfo *self)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), 0);
  return self->content_size;
}

/**
 * shoal_metainfo_get_n_files:
 * @self: a metainfo
 *
 * Returns: the number of files, pad files included
 */
guint
shoal_metainfo_get_n_files (ShoalMetainfo *self)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), 0);
  return self->files->len;
}

/**
 * shoal_metainfo_get_file:
 * @self: a metainfo
 * @index: a file index, less than shoal_metainfo_get_n_files()
 *
 * Returns: (transfer none): the file, in piece stream order
 */
const ShoalMetainfoFile *
shoal_metainfo_get_file (ShoalMetainfo *self,
                         guint          index)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), NULL);
  g_return_val_if_fail (index < self->files->len, NULL);
  return &g_array_index (self->files, FileEntry, index).file;
}

/**
 * shoal_metainfo_is_multi_file:
 * @self: a #ShoalMetainfo
 *
 * Whether the files go in a directory named after the torrent. That is the
 * case for a v1 `files` list, even of one file, and for a v2 file tree
 * other than a single file named like the torrent; a hybrid follows its v1
 * part.
 *
 * Returns: %TRUE for a multi-file torrent
 */
gboolean
shoal_metainfo_is_multi_file (ShoalMetainfo *self)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), FALSE);
  return self->multi_file;
}

/**
 * shoal_metainfo_get_piece_layer:
 * @self: a metainfo
 * @file_index: a file index
 * @n_hashes: (out): the number of 32-byte hashes returned
 *
 * Gets the v2 piece layer of a file: one SHA-256 merkle hash per piece of
 * the file, already checked against the file's pieces root. Files of at
 * most one piece have no layer; their data is checked against pieces_root.
 *
 * Returns: (nullable): the hashes, or %NULL if the file has no layer
 */
const guint8 *
shoal_metainfo_get_piece_layer (ShoalMetainfo *self,
                                guint          file_index,
                                gsize         *n_hashes)
{
  const FileEntry *entry;

  g_return_val_if_fail (SHOAL_IS_METAINFO (self), NULL);
  g_return_val_if_fail (n_hashes != NULL, NULL);

  *n_hashes = 0;
  if (file_index >= self->files->len)
    return NULL;
  entry = &g_array_index (self->files, FileEntry, file_index);
  *n_hashes = entry->n_layer_hashes;
  return entry->layer;
}

/**
 * shoal_metainfo_get_n_tiers:
 * @self: a metainfo
 *
 * Returns: the number of BEP 12 tracker tiers, each with at least one
 *   http, https or udp tracker
 */
guint
shoal_metainfo_get_n_tiers (ShoalMetainfo *self)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), 0);
  return self->tiers->len;
}

/**
 * shoal_metainfo_get_tier:
 * @self: a metainfo
 * @tier: a tier index
 *
 * Returns: (transfer none) (nullable): the tier's tracker URLs, in the
 *   torrent's order, or %NULL if @tier is out of range
 */
const char * const *
shoal_metainfo_get_tier (ShoalMetainfo *self,
                         guint          tier)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), NULL);
  if (tier >= self->tiers->len)
    return NULL;
  return (const char * const *) g_ptr_array_index (self->tiers, tier);
}

/**
 * shoal_metainfo_get_web_seeds:
 * @self: a metainfo
 *
 * Returns: (transfer none): the BEP 19 web seed URLs; empty, never %NULL
 */
const char * const *
shoal_metainfo_get_web_seeds (ShoalMetainfo *self)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), NULL);
  return (const char * const *) self->web_seeds;
}

gboolean
shoal_metainfo_is_private (ShoalMetainfo *self)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), FALSE);
  return self->is_private;
}

const char *
shoal_metainfo_get_comment (ShoalMetainfo *self)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), NULL);
  return self->comment;
}

const char *
shoal_metainfo_get_created_by (ShoalMetainfo *self)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), NULL);
  return self->created_by;
}

/**
 * shoal_metainfo_get_creation_date:
 * @self: a metainfo
 *
 * Returns: the creation date in seconds since the Unix epoch, 0 if unknown
 */
gint64
shoal_metainfo_get_creation_date (ShoalMetainfo *self)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), 0);
  return self->creation_date;
}

const char *
shoal_metainfo_get_source (ShoalMetainfo *self)
{
  g_return_val_if_fail (SHOAL_IS_METAINFO (self), NULL);
  return self->source;
}

static void
append_param (GString    *uri,
              const char *key,
              const char *value)
{
  g_autofree char *escaped = shoal_magnet_escape_value (value);

  g_string_append_printf (uri, "&%s=%s", key, escaped);
}

/**
 * shoal_metainfo_to_magnet:
 * @self: a metainfo
 *
 * Builds a magnet link for the torrent: its info-hashes (btih for v1,
 * btmh for v2), name, every tracker of every tier in order, and web seeds.
 *
 * Returns: (transfer full): the magnet URI
 */
char *
shoal_metainfo_to_magnet (ShoalMetainfo *self)
{
  g_autoptr(GString) uri = NULL;
  const char *sep = "";

  g_return_val_if_fail (SHOAL_IS_METAINFO (self), NULL);

  uri = g_string_new ("magnet:?");
  if (self->version & SHOAL_TORRENT_VERSION_V1)
    {
      g_autofree char *hex = shoal_hex_encode (self->info_hash_v1, SHOAL_SHA1_LEN);

      g_string_append_printf (uri, "xt=urn:btih:%s", hex);
      sep = "&";
    }
  if (self->version & SHOAL_TORRENT_VERSION_V2)
    {
      g_autofree char *hex = shoal_hex_encode (self->info_hash_v2, SHOAL_SHA256_LEN);

      /* 0x12 is SHA-256 in multihash, 0x20 its length. */
      g_string_append_printf (uri, "%sxt=urn:btmh:1220%s", sep, hex);
    }

  append_param (uri, "dn", self->name);
  for (guint i = 0; i < self->tiers->len; i++)
    for (char **url = g_ptr_array_index (self->tiers, i); *url != NULL; url++)
      append_param (uri, "tr", *url);
  for (char **url = self->web_seeds; *url != NULL; url++)
    append_param (uri, "ws", *url);

  return g_string_free (g_steal_pointer (&uri), FALSE);
}
