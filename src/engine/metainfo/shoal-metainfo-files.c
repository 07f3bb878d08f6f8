/* shoal-metainfo-files.c: the file lists of .torrent files (BEP 3, 47, 52)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The v1 layout (one file or a "files" list), the v2 "file tree" walked
 * into the same list of FileEntry, and the v2 "piece layers" checked
 * against each file's pieces root. Everything is untrusted: paths are
 * sanitized, counts and lengths bounded, and each problem is a GError.
 * Part of the parser in shoal-metainfo.c (shoal-metainfo-private.h).
 */
#include "config.h"

#include <string.h>

#include "shoal-merkle.h"
#include "shoal-metainfo-private.h"
#include "shoal-path.h"

/* Small helpers over bencode nodes */

gboolean
_shoal_metainfo_node_is_utf8_string (const ShoalBencodeNode *node)
{
  const guint8 *data;
  gsize len;

  if (!shoal_bencode_node_is (node, SHOAL_BENCODE_STRING))
    return FALSE;
  data = shoal_bencode_node_get_string (node, &len);
  return g_utf8_validate_len ((const char *) data, len, NULL);
}

/* A text field for display: valid UTF-8 whatever the torrent holds. */
char *
_shoal_metainfo_dup_text (const ShoalBencodeNode *dict,
                          const char             *key)
{
  g_autofree char *utf8_key = g_strconcat (key, ".utf-8", NULL);
  const ShoalBencodeNode *node = shoal_bencode_node_dict_lookup (dict, utf8_key);
  const guint8 *data;
  gsize len;

  if (!_shoal_metainfo_node_is_utf8_string (node))
    node = shoal_bencode_node_dict_lookup (dict, key);
  if (!shoal_bencode_node_is (node, SHOAL_BENCODE_STRING))
    return NULL;
  data = shoal_bencode_node_get_string (node, &len);
  if (len > G_MAXSSIZE)
    return NULL;
  return g_utf8_make_valid ((const char *) data, (gssize) len);
}

gint64
_shoal_metainfo_lookup_integer (const ShoalBencodeNode *dict,
                                const char             *key,
                                gint64                  fallback)
{
  const ShoalBencodeNode *node = shoal_bencode_node_dict_lookup (dict, key);

  if (!shoal_bencode_node_is (node, SHOAL_BENCODE_INTEGER))
    return fallback;
  return shoal_bencode_node_get_integer (node);
}

/* Sanitizes a list of path components and joins what is left with '/'.
 * On failure returns NULL and points @why at a reason. */
static char *
sanitize_path_list (const ShoalBencodeNode  *list,
                    gboolean                 require_utf8,
                    const char             **why)
{
  const ShoalBencodeNode *child;
  g_autoptr(GString) out = NULL;
  guint n;

  if (!shoal_bencode_node_is (list, SHOAL_BENCODE_LIST))
    {
      *why = "is not a list";
      return NULL;
    }
  n = shoal_bencode_node_get_n_children (list);
  if (n == 0)
    {
      *why = "is empty";
      return NULL;
    }
  if (n > SHOAL_METAINFO_MAX_PATH_DEPTH)
    {
      *why = "has too many components";
      return NULL;
    }

  out = g_string_new (NULL);
  for (child = shoal_bencode_node_get_first (list); child; child = shoal_bencode_node_get_next (child))
    {
      const guint8 *data;
      gsize len;
      g_autofree char *component = NULL;

      if (!shoal_bencode_node_is (child, SHOAL_BENCODE_STRING))
        {
          *why = "has a component that is not a string";
          return NULL;
        }
      if (require_utf8 && !_shoal_metainfo_node_is_utf8_string (child))
        {
          *why = "is not valid UTF-8";
          return NULL;
        }
      data = shoal_bencode_node_get_string (child, &len);
      component = shoal_path_sanitize_component (data, len);
      if (component == NULL)
        continue;
      if (out->len > 0)
        g_string_append_c (out, '/');
      g_string_append (out, component);
    }

  if (out->len == 0)
    {
      *why = "has no usable component";
      return NULL;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* BEP 47 attributes, modification time and symlink target from a file's
 * dictionary (or the info dictionary of a single-file torrent). */
static void
parse_file_extras (const ShoalBencodeNode *dict,
                   ShoalMetainfoFile      *file)
{
  const ShoalBencodeNode *attr = shoal_bencode_node_dict_lookup (dict, "attr");
  const char *why;

  if (shoal_bencode_node_is (attr, SHOAL_BENCODE_STRING))
    {
      gsize len;
      const guint8 *data = shoal_bencode_node_get_string (attr, &len);

      for (gsize i = 0; i < len; i++)
        {
          /* Letters this version does not know are for future clients. */
          if (data[i] == 'p')
            file->attributes |= SHOAL_FILE_ATTRIBUTE_PAD;
          else if (data[i] == 'x')
            file->attributes |= SHOAL_FILE_ATTRIBUTE_EXECUTABLE;
          else if (data[i] == 'h')
            file->attributes |= SHOAL_FILE_ATTRIBUTE_HIDDEN;
          else if (data[i] == 'l')
            file->attributes |= SHOAL_FILE_ATTRIBUTE_SYMLINK;
        }
    }

  file->mtime = MAX (_shoal_metainfo_lookup_integer (dict, "mtime", 0), 0);

  if (file->attributes & SHOAL_FILE_ATTRIBUTE_SYMLINK)
    {
      file->symlink_target = sanitize_path_list (shoal_bencode_node_dict_lookup (dict, "symlink path"),
                                                 FALSE, &why);
      /* A symlink that points nowhere usable is not created as one. */
      if (file->symlink_target == NULL)
        file->attributes &= ~SHOAL_FILE_ATTRIBUTE_SYMLINK;
    }
}

static gboolean
read_length (const ShoalBencodeNode  *dict,
             guint                    index,
             guint64                 *out,
             GError                 **error)
{
  const ShoalBencodeNode *node = shoal_bencode_node_dict_lookup (dict, "length");
  gint64 value;

  if (node == NULL)
    return fail (error, SHOAL_METAINFO_ERROR_BAD_LENGTH, "File %u has no length", index + 1);
  if (!shoal_bencode_node_is (node, SHOAL_BENCODE_INTEGER))
    return fail (error, SHOAL_METAINFO_ERROR_BAD_LENGTH, "The length of file %u is not a number", index + 1);
  value = shoal_bencode_node_get_integer (node);
  if (value < 0)
    return fail (error, SHOAL_METAINFO_ERROR_BAD_LENGTH,
                 "File %u has a negative length (%" G_GINT64_FORMAT ")", index + 1, value);
  *out = (guint64) value;
  return TRUE;
}

gboolean
_shoal_metainfo_add_to_total (guint64  *total,
                              guint64   length,
                              GError  **error)
{
  if (length > (guint64) G_MAXINT64 - *total)
    return fail (error, SHOAL_METAINFO_ERROR_BAD_LENGTH, "The torrent's total size is too large");
  *total += length;
  return TRUE;
}

/* v1 (BEP 3) file list */

static gboolean
parse_v1_file (const ShoalBencodeNode  *dict,
               guint                    index,
               FileEntry               *entry,
               GError                 **error)
{
  const ShoalBencodeNode *path;
  const ShoalBencodeNode *first;
  const char *why = NULL;

  if (!shoal_bencode_node_is (dict, SHOAL_BENCODE_DICT))
    return fail (error, SHOAL_METAINFO_ERROR_BAD_FILES, "Entry %u of the file list is not a dictionary", index + 1);
  if (!read_length (dict, index, &entry->file.length, error))
    return FALSE;

  /* Prefer the UTF-8 variant some clients add, if it is usable. */
  entry->file.path = sanitize_path_list (shoal_bencode_node_dict_lookup (dict, "path.utf-8"), TRUE, &why);
  if (entry->file.path == NULL)
    {
      path = shoal_bencode_node_dict_lookup (dict, "path");
      if (path == NULL)
        return fail (error, SHOAL_METAINFO_ERROR_BAD_PATH, "File %u has no path", index + 1);
      entry->file.path = sanitize_path_list (path, FALSE, &why);
      if (entry->file.path == NULL)
        return fail (error, SHOAL_METAINFO_ERROR_BAD_PATH, "The path of file %u %s", index + 1, why);
    }
  else
    path = shoal_bencode_node_dict_lookup (dict, "path.utf-8");

  parse_file_extras (dict, &entry->file);

  /* Before BEP 47, some creators marked padding only by a ".pad" folder. */
  first = shoal_bencode_node_get_first (path);
  if (shoal_bencode_node_get_n_children (path) >= 2 && shoal_bencode_node_string_equal (first, ".pad"))
    entry->file.attributes |= SHOAL_FILE_ATTRIBUTE_PAD;
  return TRUE;
}

gboolean
_shoal_metainfo_parse_v1_layout (const ShoalBencodeNode  *info,
                                 const char              *name,
                                 GArray                  *files,
                                 gboolean                *multi_file,
                                 GError                 **error)
{
  const ShoalBencodeNode *length = shoal_bencode_node_dict_lookup (info, "length");
  const ShoalBencodeNode *list = shoal_bencode_node_dict_lookup (info, "files");
  const ShoalBencodeNode *child;
  guint n;
  guint i = 0;

  if (length != NULL && list != NULL)
    return fail (error, SHOAL_METAINFO_ERROR_AMBIGUOUS_LAYOUT,
                 "The torrent has both a single file length and a file list");
  if (length == NULL && list == NULL)
    return fail (error, SHOAL_METAINFO_ERROR_AMBIGUOUS_LAYOUT,
                 "The torrent has neither a file length nor a file list");

  if (length != NULL)
    {
      FileEntry entry = { { 0, }, };

      *multi_file = FALSE;
      if (!read_length (info, 0, &entry.file.length, error))
        return FALSE;
      entry.file.path = g_strdup (name);
      parse_file_extras (info, &entry.file);
      g_array_append_val (files, entry);
      return TRUE;
    }

  *multi_file = TRUE;
  if (!shoal_bencode_node_is (list, SHOAL_BENCODE_LIST))
    return fail (error, SHOAL_METAINFO_ERROR_BAD_FILES, "The file list is not a list");
  n = shoal_bencode_node_get_n_children (list);
  if (n == 0)
    return fail (error, SHOAL_METAINFO_ERROR_BAD_FILES, "The file list is empty");
  if (n > SHOAL_METAINFO_MAX_FILES)
    return fail (error, SHOAL_METAINFO_ERROR_BAD_FILES, "The torrent has too many files (%u, at most %u are allowed)",
                 n, (guint) SHOAL_METAINFO_MAX_FILES);

  g_array_set_size (files, n);
  for (child = shoal_bencode_node_get_first (list); child; child = shoal_bencode_node_get_next (child), i++)
    if (!parse_v1_file (child, i, &g_array_index (files, FileEntry, i), error))
      return FALSE;
  return TRUE;
}

/* v2 (BEP 52) file tree */

typedef struct
{
  const ShoalBencodeNode *key;
  const ShoalBencodeNode *value;
} DictItem;

static int
compare_items (gconstpointer a,
               gconstpointer b)
{
  const DictItem *ia = a;
  const DictItem *ib = b;
  gsize alen, blen;
  const guint8 *adata = shoal_bencode_node_get_string (ia->key, &alen);
  const guint8 *bdata = shoal_bencode_node_get_string (ib->key, &blen);
  int cmp = memcmp (adata, bdata, MIN (alen, blen));

  if (cmp != 0)
    return cmp;
  return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

/* The dictionary's items sorted by key: the input need not be sorted, but
 * the v2 file order is defined on sorted keys. */
static GArray *
sorted_items (const ShoalBencodeNode *dict)
{
  GArray *items = g_array_sized_new (FALSE, FALSE, sizeof (DictItem),
                                     shoal_bencode_node_get_n_children (dict) / 2);
  const ShoalBencodeNode *k;

  for (k = shoal_bencode_node_get_first (dict); k != NULL; )
    {
      DictItem item = { k, shoal_bencode_node_get_next (k) };

      g_array_append_val (items, item);
      k = shoal_bencode_node_get_next (item.value);
    }
  g_array_sort (items, compare_items);
  return items;
}


static gboolean
parse_v2_file (TreeWalk                *walk,
               const ShoalBencodeNode  *dict,
               GError                 **error)
{
  FileEntry entry = { { 0, }, };
  g_autoptr(GString) path = g_string_new (NULL);
  const ShoalBencodeNode *root;
  guint index = walk->files->len;

  if (index >= SHOAL_METAINFO_MAX_FILES)
    return fail (error, SHOAL_METAINFO_ERROR_BAD_FILES, "The torrent has too many files (at most %u are allowed)",
                 (guint) SHOAL_METAINFO_MAX_FILES);
  if (!shoal_bencode_node_is (dict, SHOAL_BENCODE_DICT))
    return fail (error, SHOAL_METAINFO_ERROR_BAD_FILE_TREE,
                 "The description of file %u in the file tree is not a dictionary", index + 1);

  for (guint i = 0; i < walk->components->len; i++)
    {
      const char *component = g_ptr_array_index (walk->components, i);

      if (component == NULL)
        continue;
      if (path->len > 0)
        g_string_append_c (path, '/');
      g_string_append (path, component);
    }
  if (path->len == 0)
    return fail (error, SHOAL_METAINFO_ERROR_BAD_PATH, "The path of file %u has no usable component", index + 1);

  if (!read_length (dict, index, &entry.file.length, error))
    return FALSE;

  root = shoal_bencode_node_dict_lookup (dict, "pieces root");
  if (entry.file.length > 0)
    {
      gsize len = 0;
      const guint8 *data;

      if (!shoal_bencode_node_is (root, SHOAL_BENCODE_STRING))
        return fail (error, SHOAL_METAINFO_ERROR_BAD_FILE_TREE, "File %u has no pieces root", index + 1);
      data = shoal_bencode_node_get_string (root, &len);
      if (len != SHOAL_SHA256_LEN)
        return fail (error, SHOAL_METAINFO_ERROR_BAD_FILE_TREE,
                     "The pieces root of file %u is %" G_GSIZE_FORMAT " bytes long instead of %u",
                     index + 1, len, SHOAL_SHA256_LEN);
      entry.file.pieces_root = g_memdup2 (data, SHOAL_SHA256_LEN);
    }

  entry.file.path = g_string_free (g_steal_pointer (&path), FALSE);
  parse_file_extras (dict, &entry.file);
  /* v2 has no pad files; a stray 'p' must not hide real content. */
  entry.file.attributes &= ~SHOAL_FILE_ATTRIBUTE_PAD;
  g_array_append_val (walk->files, entry);
  return TRUE;
}

gboolean
_shoal_metainfo_walk_file_tree (TreeWalk                *walk,
                                const ShoalBencodeNode  *dir,
                                GError                 **error)
{
  g_autoptr(GArray) items = NULL;

  if (!shoal_bencode_node_is (dir, SHOAL_BENCODE_DICT))
    return fail (error, SHOAL_METAINFO_ERROR_BAD_FILE_TREE, "An entry of the file tree is not a dictionary");
  if (shoal_bencode_node_get_n_children (dir) == 0)
    return fail (error, SHOAL_METAINFO_ERROR_BAD_FILE_TREE, "The file tree has an empty directory");
  if (walk->components->len >= SHOAL_METAINFO_MAX_PATH_DEPTH)
    return fail (error, SHOAL_METAINFO_ERROR_BAD_PATH, "The file tree is nested too deeply");

  items = sorted_items (dir);
  for (guint i = 0; i < items->len; i++)
    {
      const DictItem *item = &g_array_index (items, DictItem, i);
      const ShoalBencodeNode *file;
      const guint8 *key;
      gsize key_len;
      gboolean ok;

      key = shoal_bencode_node_get_string (item->key, &key_len);
      if (key_len == 0)
        return fail (error, SHOAL_METAINFO_ERROR_BAD_FILE_TREE, "The file tree has a file without a name");
      if (!shoal_bencode_node_is (item->value, SHOAL_BENCODE_DICT))
        return fail (error, SHOAL_METAINFO_ERROR_BAD_FILE_TREE, "An entry of the file tree is not a dictionary");

      g_ptr_array_add (walk->components, shoal_path_sanitize_component (key, key_len));
      file = shoal_bencode_node_dict_lookup (item->value, "");
      if (file != NULL)
        {
          if (shoal_bencode_node_get_n_children (item->value) != 2)
            ok = fail (error, SHOAL_METAINFO_ERROR_BAD_FILE_TREE,
                       "An entry of the file tree is both a file and a directory");
          else
            ok = parse_v2_file (walk, file, error);
        }
      else
        ok = _shoal_metainfo_walk_file_tree (walk, item->value, error);
      g_ptr_array_set_size (walk->components, walk->components->len - 1);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

static guint
hash_root (gconstpointer key)
{
  guint h;

  /* The key is a SHA-256 digest: its bytes are already well mixed. */
  memcpy (&h, key, sizeof h);
  return h;
}

static gboolean
equal_root (gconstpointer a,
            gconstpointer b)
{
  return memcmp (a, b, SHOAL_SHA256_LEN) == 0;
}

gboolean
_shoal_metainfo_attach_piece_layers (const ShoalBencodeNode  *root,
                                     GArray                  *files,
                                     guint64                  piece_length,
                                     gboolean                 allow_missing,
                                     GError                 **error)
{
  const ShoalBencodeNode *layers = shoal_bencode_node_dict_lookup (root, "piece layers");
  g_autoptr(GHashTable) by_root = NULL;
  g_autoptr(GHashTable) verified = NULL;
  g_autoptr(GArray) items = NULL;

  if (layers != NULL && !shoal_bencode_node_is (layers, SHOAL_BENCODE_DICT))
    return fail (error, SHOAL_METAINFO_ERROR_BAD_PIECE_LAYERS, "The piece layers are not a dictionary");

  by_root = g_hash_table_new (hash_root, equal_root);
  verified = g_hash_table_new (hash_root, equal_root);
  if (layers != NULL)
    {
      items = sorted_items (layers);
      for (guint i = 0; i < items->len; i++)
        {
          const DictItem *item = &g_array_index (items, DictItem, i);
          gsize len;
          const guint8 *key = shoal_bencode_node_get_string (item->key, &len);

          /* Keys that cannot be a pieces root match no file. */
          if (len == SHOAL_SHA256_LEN)
            g_hash_table_insert (by_root, (gpointer) key, (gpointer) item->value);
        }
    }

  for (guint i = 0; i < files->len; i++)
    {
      FileEntry *entry = &g_array_index (files, FileEntry, i);
      const ShoalBencodeNode *layer;
      guint64 expected;
      const guint8 *data;
      gsize len;
      guint8 computed[SHOAL_SHA256_LEN];

      /* A file of one piece is verified against its pieces root alone. */
      if (entry->file.length <= piece_length)
        continue;

      expected = (entry->file.length - 1) / piece_length + 1;
      layer = g_hash_table_lookup (by_root, entry->file.pieces_root);
      if (layer == NULL && allow_missing)
        continue;
      if (layer == NULL)
        return fail (error, SHOAL_METAINFO_ERROR_BAD_PIECE_LAYERS, "The piece layer of “%s” is missing",
                     entry->file.path);
      if (!shoal_bencode_node_is (layer, SHOAL_BENCODE_STRING))
        return fail (error, SHOAL_METAINFO_ERROR_BAD_PIECE_LAYERS, "The piece layer of “%s” is not a string",
                     entry->file.path);
      data = shoal_bencode_node_get_string (layer, &len);
      if (len % SHOAL_SHA256_LEN != 0 || len / SHOAL_SHA256_LEN != expected)
        return fail (error, SHOAL_METAINFO_ERROR_BAD_PIECE_LAYERS,
                     "The piece layer of “%s” is %" G_GSIZE_FORMAT " bytes long instead of %" G_GUINT64_FORMAT,
                     entry->file.path, len, expected * SHOAL_SHA256_LEN);

      /* Identical files share a layer: check each one only once. */
      if (!g_hash_table_contains (verified, entry->file.pieces_root))
        {
          shoal_merkle_root_from_layer (data, expected, piece_length, computed);
          if (memcmp (computed, entry->file.pieces_root, SHOAL_SHA256_LEN) != 0)
            return fail (error, SHOAL_METAINFO_ERROR_BAD_PIECE_LAYERS,
                         "The piece layer of “%s” does not match its pieces root", entry->file.path);
          g_hash_table_add (verified, entry->file.pieces_root);
        }
      entry->layer = data;
      entry->n_layer_hashes = expected;
    }
  return TRUE;
}
