/* test-metainfo.c: parsing and validating .torrent files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Torrents are built here as small trees, mutated one rule at a time, and
 * encoded with ShoalBencodeWriter. Hashes are checked with GChecksum, not
 * with the engine's own hash functions.
 */
#include "config.h"

#include <string.h>

#include "shoal-bencode.h"
#include "shoal-magnet.h"
#include "shoal-metainfo.h"

#define PL 16384

/* A bencode value under construction */

typedef enum
{
  T_INT,
  T_STR,
  T_LIST,
  T_DICT,
} TType;

typedef struct _T T;
struct _T
{
  TType       type;
  gint64      i;
  GByteArray *s;
  GPtrArray  *items; /* lists: values; dicts: key, value, key, value... */
};

static void
t_free (T *t)
{
  if (t == NULL)
    return;
  g_clear_pointer (&t->s, g_byte_array_unref);
  g_clear_pointer (&t->items, g_ptr_array_unref);
  g_free (t);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (T, t_free)

static T *
t_new (TType type)
{
  T *t = g_new0 (T, 1);

  t->type = type;
  if (type == T_LIST || type == T_DICT)
    t->items = g_ptr_array_new_with_free_func ((GDestroyNotify) t_free);
  return t;
}

static T *
t_int (gint64 i)
{
  T *t = t_new (T_INT);

  t->i = i;
  return t;
}

static T *
t_bin (const void *data,
       gsize       len)
{
  T *t = t_new (T_STR);

  t->s = g_byte_array_new ();
  g_byte_array_append (t->s, data, len);
  return t;
}

static T *
t_str (const char *s)
{
  return t_bin (s, strlen (s));
}

static T *
t_fill (guint8 byte,
        gsize  len)
{
  g_autofree guint8 *data = g_malloc (len + 1);

  memset (data, byte, len);
  return t_bin (data, len);
}

static T *
t_list (T *first,
        ...)
{
  T *t = t_new (T_LIST);
  va_list args;

  va_start (args, first);
  for (T *item = first; item != NULL; item = va_arg (args, T *))
    g_ptr_array_add (t->items, item);
  va_end (args);
  return t;
}

static T *
t_dict (const char *first_key,
        ...)
{
  T *t = t_new (T_DICT);
  va_list args;

  va_start (args, first_key);
  for (const char *key = first_key; key != NULL; key = va_arg (args, const char *))
    {
      g_ptr_array_add (t->items, t_str (key));
      g_ptr_array_add (t->items, va_arg (args, T *));
    }
  va_end (args);
  return t;
}

static gboolean
key_equal (T          *key,
           const void *data,
           gsize       len)
{
  return key->s->len == len && (len == 0 || memcmp (key->s->data, data, len) == 0);
}

static T *
t_get (T          *dict,
       const char *key)
{
  g_assert (dict->type == T_DICT);
  for (guint i = 0; i < dict->items->len; i += 2)
    if (key_equal (dict->items->pdata[i], key, strlen (key)))
      return dict->items->pdata[i + 1];
  return NULL;
}

static void
t_set_bin (T          *dict,
           const void *key,
           gsize       key_len,
           T          *value)
{
  g_assert (dict->type == T_DICT);
  for (guint i = 0; i < dict->items->len; i += 2)
    if (key_equal (dict->items->pdata[i], key, key_len))
      {
        t_free (dict->items->pdata[i + 1]);
        dict->items->pdata[i + 1] = value;
        return;
      }
  g_ptr_array_add (dict->items, t_bin (key, key_len));
  g_ptr_array_add (dict->items, value);
}

static void
t_set (T          *dict,
       const char *key,
       T          *value)
{
  t_set_bin (dict, key, strlen (key), value);
}

static void
t_del (T          *dict,
       const char *key)
{
  for (guint i = 0; i < dict->items->len; i += 2)
    if (key_equal (dict->items->pdata[i], key, strlen (key)))
      {
        g_ptr_array_remove_range (dict->items, i, 2);
        return;
      }
  g_assert_not_reached ();
}

static T *
t_at (T    *list,
      guint index)
{
  g_assert (list->type == T_LIST && index < list->items->len);
  return list->items->pdata[index];
}

static int
compare_keys (gconstpointer a,
              gconstpointer b)
{
  const T *ka = *(T * const *) a;
  const T *kb = *(T * const *) b;
  guint n = MIN (ka->s->len, kb->s->len);
  /* An empty key may have no data pointer at all. */
  int cmp = n > 0 ? memcmp (ka->s->data, kb->s->data, n) : 0;

  return cmp != 0 ? cmp : (int) ka->s->len - (int) kb->s->len;
}

static void
t_write (T                  *t,
         ShoalBencodeWriter *writer,
         gboolean            sorted)
{
  switch (t->type)
    {
    case T_INT:
      shoal_bencode_writer_integer (writer, t->i);
      break;
    case T_STR:
      shoal_bencode_writer_string (writer, t->s->data, t->s->len);
      break;
    case T_LIST:
      shoal_bencode_writer_begin_list (writer);
      for (guint i = 0; i < t->items->len; i++)
        t_write (t->items->pdata[i], writer, sorted);
      shoal_bencode_writer_end (writer);
      break;
    case T_DICT:
      {
        g_autoptr(GPtrArray) keys = g_ptr_array_new ();

        for (guint i = 0; i < t->items->len; i += 2)
          g_ptr_array_add (keys, t->items->pdata[i]);
        if (sorted)
          g_ptr_array_sort (keys, compare_keys);
        shoal_bencode_writer_begin_dict (writer);
        for (guint k = 0; k < keys->len; k++)
          {
            guint i;

            g_assert_true (g_ptr_array_find (t->items, keys->pdata[k], &i));
            t_write (t->items->pdata[i], writer, sorted);
            t_write (t->items->pdata[i + 1], writer, sorted);
          }
        shoal_bencode_writer_end (writer);
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

static GBytes *
t_encode (T        *t,
          gboolean  sorted)
{
  g_autoptr(ShoalBencodeWriter) writer = shoal_bencode_writer_new ();

  t_write (t, writer, sorted);
  return shoal_bencode_writer_finish (writer);
}

/* Independent digests */

static void
digest (GChecksumType  type,
        GBytes        *bytes,
        guint8        *out,
        gsize          len)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (type);
  gsize out_len = len;

  g_checksum_update (checksum, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_checksum_get_digest (checksum, out, &out_len);
  g_assert_cmpuint (out_len, ==, len);
}

/* BEP 52 merkle root over whole leaves, padded with zero hashes to a power of
 * two. With 16 KiB pieces the piece layer is the leaf layer. */
static void
merkle_root (const guint8 *leaves,
             gsize         n,
             guint8        out[32])
{
  gsize width = 1;
  g_autofree guint8 *buf = NULL;

  while (width < n)
    width *= 2;
  buf = g_malloc0 (width * 32);
  memcpy (buf, leaves, n * 32);
  for (; width > 1; width /= 2)
    for (gsize i = 0; i < width / 2; i++)
      {
        g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
        gsize len = 32;

        g_checksum_update (checksum, buf + 2 * i * 32, 64);
        g_checksum_get_digest (checksum, buf + i * 32, &len);
      }
  memcpy (out, buf, 32);
}

/* Base torrents */

#define INFO_OF(root) t_get ((root), "info")
#define FILES_OF(root) t_get (INFO_OF (root), "files")

static T *
pieces_of (guint n)
{
  g_autofree guint8 *data = g_malloc (n * 20);

  for (guint i = 0; i < n * 20; i++)
    data[i] = (guint8) (i * 31 + 7);
  return t_bin (data, n * 20);
}

static T *
make_v1_single (void)
{
  return t_dict ("announce", t_str ("http://tracker.example.org/announce"),
                 "comment", t_str ("A comment"),
                 "created by", t_str ("test-metainfo 1.0"),
                 "creation date", t_int (1700000000),
                 "info", t_dict ("length", t_int (40000),
                                 "name", t_str ("file.bin"),
                                 "piece length", t_int (PL),
                                 "pieces", pieces_of (3),
                                 "private", t_int (1),
                                 "source", t_str ("SRC"),
                                 NULL),
                 "url-list", t_str ("https://seed.example.com/file.bin"),
                 NULL);
}

static T *
make_v1_multi (void)
{
  return t_dict ("announce", t_str ("http://ignored.example.org/announce"),
                 "announce-list", t_list (t_list (t_str ("http://a.example.org/announce"),
                                                  t_str ("udp://b.example.org:6969"), NULL),
                                          t_list (t_str ("https://c.example.org/announce"), NULL),
                                          NULL),
                 "info", t_dict ("files", t_list (t_dict ("length", t_int (20000),
                                                          "path", t_list (t_str ("a.txt"), NULL),
                                                          NULL),
                                                  t_dict ("attr", t_str ("xh"),
                                                          "length", t_int (30000),
                                                          "mtime", t_int (1234),
                                                          "path", t_list (t_str ("dir"), t_str ("b.bin"), NULL),
                                                          NULL),
                                                  NULL),
                                 "name", t_str ("multi"),
                                 "piece length", t_int (PL),
                                 "pieces", pieces_of (4),
                                 NULL),
                 "url-list", t_list (t_str ("https://seed1.example.com/"), t_str ("http://seed2.example.com/"), NULL),
                 NULL);
}

/* The layer of a.txt (40000 bytes, 3 pieces) and the roots of both files. */
static void
v2_layer (guint8 layer[3 * 32],
          guint8 root_a[32],
          guint8 root_b[32])
{
  for (guint i = 0; i < 3 * 32; i++)
    layer[i] = (guint8) (i / 32 + 1);
  merkle_root (layer, 3, root_a);
  memset (root_b, 0xbb, 32);
}

static T *
make_file_tree (void)
{
  guint8 layer[3 * 32], root_a[32], root_b[32];

  v2_layer (layer, root_a, root_b);
  return t_dict ("a.txt", t_dict ("", t_dict ("length", t_int (40000), "pieces root", t_bin (root_a, 32), NULL), NULL),
                 "dir", t_dict ("b.bin", t_dict ("", t_dict ("length", t_int (10000),
                                                              "pieces root", t_bin (root_b, 32), NULL), NULL),
                                NULL),
                 "empty.txt", t_dict ("", t_dict ("length", t_int (0), NULL), NULL),
                 NULL);
}

static T *
make_piece_layers (void)
{
  guint8 layer[3 * 32], root_a[32], root_b[32];
  T *layers = t_dict (NULL);

  v2_layer (layer, root_a, root_b);
  t_set_bin (layers, root_a, 32, t_bin (layer, sizeof layer));
  return layers;
}

static T *
make_v2 (void)
{
  return t_dict ("announce", t_str ("udp://tracker.example.org:1337/announce"),
                 "info", t_dict ("file tree", make_file_tree (),
                                 "meta version", t_int (2),
                                 "name", t_str ("v2"),
                                 "piece length", t_int (PL),
                                 NULL),
                 "piece layers", make_piece_layers (),
                 NULL);
}

static T *
make_hybrid (void)
{
  T *root = make_v2 ();
  T *info = t_get (root, "info");

  t_set (info, "name", t_str ("hybrid"));
  t_set (info, "pieces", pieces_of (4));
  t_set (info, "files",
         t_list (t_dict ("length", t_int (40000), "path", t_list (t_str ("a.txt"), NULL), NULL),
                 t_dict ("attr", t_str ("p"), "length", t_int (9152),
                         "path", t_list (t_str (".pad"), t_str ("9152"), NULL), NULL),
                 t_dict ("length", t_int (10000), "path", t_list (t_str ("dir"), t_str ("b.bin"), NULL), NULL),
                 t_dict ("length", t_int (0), "path", t_list (t_str ("empty.txt"), NULL), NULL),
                 NULL));
  return root;
}

static ShoalMetainfo *
parse_tree (T       *root,
            GError **error)
{
  g_autoptr(GBytes) bytes = t_encode (root, TRUE);

  return shoal_metainfo_new_from_bytes (bytes, error);
}

static ShoalMetainfo *
parse_ok (T *root)
{
  g_autoptr(GError) error = NULL;
  ShoalMetainfo *meta = parse_tree (root, &error);

  g_assert_no_error (error);
  g_assert_nonnull (meta);
  return meta;
}

static void
assert_file (ShoalMetainfo       *meta,
             guint                index,
             const char          *path,
             guint64              length,
             guint64              offset,
             ShoalFileAttributes  attributes)
{
  const ShoalMetainfoFile *file = shoal_metainfo_get_file (meta, index);

  g_assert_cmpstr (file->path, ==, path);
  g_assert_cmpuint (file->length, ==, length);
  g_assert_cmpuint (file->offset, ==, offset);
  g_assert_cmpint (file->attributes, ==, attributes);
}

static void
assert_info_hashes (ShoalMetainfo *meta,
                    T             *root)
{
  g_autoptr(GBytes) info = t_encode (t_get (root, "info"), TRUE);
  guint8 sha1[20], sha256[32];

  g_assert_true (g_bytes_equal (info, shoal_metainfo_get_info_bytes (meta)));
  digest (G_CHECKSUM_SHA1, info, sha1, sizeof sha1);
  digest (G_CHECKSUM_SHA256, info, sha256, sizeof sha256);
  if (shoal_metainfo_get_version (meta) & SHOAL_TORRENT_VERSION_V1)
    g_assert_cmpmem (shoal_metainfo_get_info_hash_v1 (meta), 20, sha1, 20);
  else
    g_assert_null (shoal_metainfo_get_info_hash_v1 (meta));
  if (shoal_metainfo_get_version (meta) & SHOAL_TORRENT_VERSION_V2)
    g_assert_cmpmem (shoal_metainfo_get_info_hash_v2 (meta), 32, sha256, 32);
  else
    g_assert_null (shoal_metainfo_get_info_hash_v2 (meta));
}

/* Valid torrents */

static void
test_v1_single (void)
{
  g_autoptr(T) root = make_v1_single ();
  g_autoptr(ShoalMetainfo) meta = parse_ok (root);
  g_autoptr(T) pieces = pieces_of (3);
  const char * const *tier;

  assert_info_hashes (meta, root);
  g_assert_cmpint (shoal_metainfo_get_version (meta), ==, SHOAL_TORRENT_VERSION_V1);
  g_assert_cmpstr (shoal_metainfo_get_name (meta), ==, "file.bin");
  g_assert_false (shoal_metainfo_is_multi_file (meta));
  g_assert_cmpuint (shoal_metainfo_get_n_files (meta), ==, 1);
  assert_file (meta, 0, "file.bin", 40000, 0, SHOAL_FILE_ATTRIBUTE_NONE);

  g_assert_cmpuint (shoal_metainfo_get_piece_length (meta), ==, PL);
  g_assert_cmpuint (shoal_metainfo_get_n_pieces (meta), ==, 3);
  g_assert_cmpuint (shoal_metainfo_get_piece_size (meta, 0), ==, PL);
  g_assert_cmpuint (shoal_metainfo_get_piece_size (meta, 1), ==, PL);
  g_assert_cmpuint (shoal_metainfo_get_piece_size (meta, 2), ==, 40000 - 2 * PL);
  g_assert_cmpuint (shoal_metainfo_get_piece_size (meta, 3), ==, 0);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpmem (shoal_metainfo_get_piece_hash (meta, i), 20, pieces->s->data + i * 20, 20);
  g_assert_null (shoal_metainfo_get_piece_hash (meta, 3));
  g_assert_cmpuint (shoal_metainfo_get_total_length (meta), ==, 40000);
  g_assert_cmpuint (shoal_metainfo_get_content_size (meta), ==, 40000);

  g_assert_cmpuint (shoal_metainfo_get_n_tiers (meta), ==, 1);
  tier = shoal_metainfo_get_tier (meta, 0);
  g_assert_cmpstrv (tier, ((const char * const[]) { "http://tracker.example.org/announce", NULL }));
  g_assert_cmpstrv (shoal_metainfo_get_web_seeds (meta),
                    ((const char * const[]) { "https://seed.example.com/file.bin", NULL }));
  g_assert_true (shoal_metainfo_is_private (meta));
  g_assert_cmpstr (shoal_metainfo_get_comment (meta), ==, "A comment");
  g_assert_cmpstr (shoal_metainfo_get_created_by (meta), ==, "test-metainfo 1.0");
  g_assert_cmpint (shoal_metainfo_get_creation_date (meta), ==, 1700000000);
  g_assert_cmpstr (shoal_metainfo_get_source (meta), ==, "SRC");
}

static void
test_v1_multi (void)
{
  g_autoptr(T) root = make_v1_multi ();
  g_autoptr(ShoalMetainfo) meta = parse_ok (root);
  const ShoalMetainfoFile *file;

  assert_info_hashes (meta, root);
  g_assert_true (shoal_metainfo_is_multi_file (meta));
  g_assert_cmpuint (shoal_metainfo_get_n_files (meta), ==, 2);
  assert_file (meta, 0, "multi/a.txt", 20000, 0, SHOAL_FILE_ATTRIBUTE_NONE);
  assert_file (meta, 1, "multi/dir/b.bin", 30000, 20000,
               SHOAL_FILE_ATTRIBUTE_EXECUTABLE | SHOAL_FILE_ATTRIBUTE_HIDDEN);
  file = shoal_metainfo_get_file (meta, 1);
  g_assert_cmpint (file->mtime, ==, 1234);
  g_assert_null (file->symlink_target);
  g_assert_null (file->pieces_root);
  g_assert_cmpuint (shoal_metainfo_get_n_pieces (meta), ==, 4);
  g_assert_cmpuint (shoal_metainfo_get_piece_size (meta, 3), ==, 50000 - 3 * PL);
  g_assert_cmpuint (shoal_metainfo_get_total_length (meta), ==, 50000);

  /* announce-list wins over announce. */
  g_assert_cmpuint (shoal_metainfo_get_n_tiers (meta), ==, 2);
  g_assert_cmpstrv (shoal_metainfo_get_tier (meta, 0),
                    ((const char * const[]) { "http://a.example.org/announce", "udp://b.example.org:6969", NULL }));
  g_assert_cmpstrv (shoal_metainfo_get_tier (meta, 1),
                    ((const char * const[]) { "https://c.example.org/announce", NULL }));
  g_assert_null (shoal_metainfo_get_tier (meta, 2));
  g_assert_cmpstrv (shoal_metainfo_get_web_seeds (meta),
                    ((const char * const[]) { "https://seed1.example.com/", "http://seed2.example.com/", NULL }));
  g_assert_false (shoal_metainfo_is_private (meta));
  g_assert_null (shoal_metainfo_get_comment (meta));
  g_assert_cmpint (shoal_metainfo_get_creation_date (meta), ==, 0);
}

static void
test_v1_pad_files (void)
{
  g_autoptr(T) root = make_v1_multi ();
  T *info = t_get (root, "info");
  g_autoptr(ShoalMetainfo) meta = NULL;

  /* a.txt, a BEP 47 pad, a legacy ".pad/" file, b.bin: 20000 + 12768 + 16384 + 30000 */
  t_set (info, "files",
         t_list (t_dict ("length", t_int (20000), "path", t_list (t_str ("a.txt"), NULL), NULL),
                 t_dict ("attr", t_str ("p"), "length", t_int (12768),
                         "path", t_list (t_str (".pad"), t_str ("12768"), NULL), NULL),
                 t_dict ("length", t_int (16384), "path", t_list (t_str (".pad"), t_str ("16384"), NULL), NULL),
                 t_dict ("length", t_int (30000), "path", t_list (t_str ("b.bin"), NULL), NULL),
                 NULL));
  t_set (info, "pieces", pieces_of (5));
  meta = parse_ok (root);

  g_assert_cmpuint (shoal_metainfo_get_n_files (meta), ==, 4);
  assert_file (meta, 0, "multi/a.txt", 20000, 0, SHOAL_FILE_ATTRIBUTE_NONE);
  assert_file (meta, 1, "multi/.pad/12768", 12768, 20000, SHOAL_FILE_ATTRIBUTE_PAD);
  assert_file (meta, 2, "multi/.pad/16384", 16384, 32768, SHOAL_FILE_ATTRIBUTE_PAD);
  assert_file (meta, 3, "multi/b.bin", 30000, 49152, SHOAL_FILE_ATTRIBUTE_NONE);
  g_assert_cmpuint (shoal_metainfo_get_total_length (meta), ==, 79152);
  g_assert_cmpuint (shoal_metainfo_get_content_size (meta), ==, 50000);
  g_assert_cmpuint (shoal_metainfo_get_n_pieces (meta), ==, 5);
}

static void
test_pad_never_takes_real_name (void)
{
  g_autoptr(T) root = make_v1_multi ();
  T *info = t_get (root, "info");
  g_autoptr(ShoalMetainfo) meta = NULL;

  /* The pad comes first but the real file keeps the name. */
  t_set (info, "files",
         t_list (t_dict ("attr", t_str ("p"), "length", t_int (20000), "path", t_list (t_str ("x"), NULL), NULL),
                 t_dict ("length", t_int (30000), "path", t_list (t_str ("x"), NULL), NULL),
                 NULL));
  meta = parse_ok (root);
  assert_file (meta, 0, "multi/x (1)", 20000, 0, SHOAL_FILE_ATTRIBUTE_PAD);
  assert_file (meta, 1, "multi/x", 30000, 20000, SHOAL_FILE_ATTRIBUTE_NONE);
  g_assert_cmpuint (shoal_metainfo_get_content_size (meta), ==, 30000);
}

static void
test_attributes (void)
{
  g_autoptr(T) root = make_v1_multi ();
  T *files = t_get (t_get (root, "info"), "files");
  g_autoptr(ShoalMetainfo) meta = NULL;
  const ShoalMetainfoFile *file;

  /* Unknown letters are ignored; a symlink gets a sanitized target. */
  t_set (t_at (files, 0), "attr", t_str ("zlq"));
  t_set (t_at (files, 0), "symlink path", t_list (t_str (".."), t_str ("dir"), t_str ("b.bin"), NULL));
  /* A symlink without a usable target is a plain file. */
  t_set (t_at (files, 1), "attr", t_str ("lx"));
  meta = parse_ok (root);

  file = shoal_metainfo_get_file (meta, 0);
  g_assert_cmpint (file->attributes, ==, SHOAL_FILE_ATTRIBUTE_SYMLINK);
  g_assert_cmpstr (file->symlink_target, ==, "dir/b.bin");
  file = shoal_metainfo_get_file (meta, 1);
  g_assert_cmpint (file->attributes, ==, SHOAL_FILE_ATTRIBUTE_EXECUTABLE);
  g_assert_null (file->symlink_target);
}

static void
test_v2 (void)
{
  g_autoptr(T) root = make_v2 ();
  g_autoptr(ShoalMetainfo) meta = parse_ok (root);
  guint8 layer[3 * 32], root_a[32], root_b[32];
  const guint8 *hashes;
  gsize n_hashes;

  v2_layer (layer, root_a, root_b);
  assert_info_hashes (meta, root);
  g_assert_cmpint (shoal_metainfo_get_version (meta), ==, SHOAL_TORRENT_VERSION_V2);
  g_assert_cmpstr (shoal_metainfo_get_name (meta), ==, "v2");
  g_assert_true (shoal_metainfo_is_multi_file (meta));

  /* Sorted, depth first; non-empty files start on piece boundaries. */
  g_assert_cmpuint (shoal_metainfo_get_n_files (meta), ==, 3);
  assert_file (meta, 0, "v2/a.txt", 40000, 0, SHOAL_FILE_ATTRIBUTE_NONE);
  assert_file (meta, 1, "v2/dir/b.bin", 10000, 3 * PL, SHOAL_FILE_ATTRIBUTE_NONE);
  assert_file (meta, 2, "v2/empty.txt", 0, 3 * PL + 10000, SHOAL_FILE_ATTRIBUTE_NONE);
  g_assert_cmpmem (shoal_metainfo_get_file (meta, 0)->pieces_root, 32, root_a, 32);
  g_assert_cmpmem (shoal_metainfo_get_file (meta, 1)->pieces_root, 32, root_b, 32);
  g_assert_null (shoal_metainfo_get_file (meta, 2)->pieces_root);

  g_assert_cmpuint (shoal_metainfo_get_n_pieces (meta), ==, 4);
  /* The last file is padded to a whole piece too, as libtorrent has it. */
  g_assert_cmpuint (shoal_metainfo_get_piece_size (meta, 3), ==, PL);
  g_assert_cmpuint (shoal_metainfo_get_total_length (meta), ==, 4 * PL);
  g_assert_cmpuint (shoal_metainfo_get_content_size (meta), ==, 50000);
  g_assert_null (shoal_metainfo_get_piece_hash (meta, 0));

  hashes = shoal_metainfo_get_piece_layer (meta, 0, &n_hashes);
  g_assert_cmpmem (hashes, n_hashes * 32, layer, sizeof layer);
  g_assert_null (shoal_metainfo_get_piece_layer (meta, 1, &n_hashes));
  g_assert_cmpuint (n_hashes, ==, 0);
  g_assert_null (shoal_metainfo_get_piece_layer (meta, 2, &n_hashes));

  g_assert_cmpstrv (shoal_metainfo_get_tier (meta, 0),
                    ((const char * const[]) { "udp://tracker.example.org:1337/announce", NULL }));
}

static void
test_v2_single_file (void)
{
  g_autoptr(T) root = make_v2 ();
  T *tree = t_get (t_get (root, "info"), "file tree");
  g_autoptr(ShoalMetainfo) meta = NULL;

  /* BEP 52's single-file torrent: {name: {"": {…}}}. */
  t_del (tree, "dir");
  t_del (tree, "empty.txt");
  t_set (t_get (root, "info"), "name", t_str ("a.txt"));
  meta = parse_ok (root);
  g_assert_false (shoal_metainfo_is_multi_file (meta));
  g_assert_cmpuint (shoal_metainfo_get_n_files (meta), ==, 1);
  assert_file (meta, 0, "a.txt", 40000, 0, SHOAL_FILE_ATTRIBUTE_NONE);
  g_assert_cmpuint (shoal_metainfo_get_n_pieces (meta), ==, 3);
}

/* A folder holding one file, the way libtorrent makes it for
 * "Movie (2020)/movie.mkv": the name is the folder's, the file tree (and
 * the v1 file list of a hybrid) holds the file alone. With @components
 * other than { "movie.mkv" }, the one file sits in nested folders. */
static T *
make_one_file_folder (const char         *name,
                      const char * const *components,
                      gboolean            v1,
                      gboolean            v2)
{
  guint8 layer[3 * 32], root_a[32], root_b[32];
  T *info = t_dict ("name", t_str (name), "piece length", t_int (PL), NULL);
  T *root = t_dict ("info", info, NULL);
  T *leaf;
  T *path = t_list (NULL);

  v2_layer (layer, root_a, root_b);
  leaf = t_dict ("", t_dict ("length", t_int (40000), "pieces root", t_bin (root_a, 32), NULL), NULL);
  for (guint i = 0; components[i] != NULL; i++)
    g_ptr_array_add (path->items, t_str (components[i]));
  for (guint i = g_strv_length ((char **) components); i > 0; i--)
    {
      T *dir = t_dict (NULL);

      t_set (dir, components[i - 1], leaf);
      leaf = dir;
    }
  if (v2)
    {
      t_set (info, "file tree", leaf);
      t_set (info, "meta version", t_int (2));
      t_set (root, "piece layers", make_piece_layers ());
    }
  else
    t_free (leaf);
  if (v1)
    {
      t_set (info, "files", t_list (t_dict ("length", t_int (40000), "path", path, NULL), NULL));
      t_set (info, "pieces", pieces_of (3));
    }
  else
    t_free (path);
  return root;
}

static void
assert_one_file_folder (T          *root,
                        const char *path)
{
  g_autoptr(ShoalMetainfo) meta = parse_ok (root);

  assert_info_hashes (meta, root);
  g_assert_true (shoal_metainfo_is_multi_file (meta));
  g_assert_cmpuint (shoal_metainfo_get_n_files (meta), ==, 1);
  assert_file (meta, 0, path, 40000, 0, SHOAL_FILE_ATTRIBUTE_NONE);
  g_assert_cmpuint (shoal_metainfo_get_n_pieces (meta), ==, 3);
  g_assert_cmpuint (shoal_metainfo_get_content_size (meta), ==, 40000);
}

static void
test_folder_with_one_file (void)
{
  static const char * const movie[] = { "movie.mkv", NULL };
  static const char * const nested[] = { "a", "b", "movie.mkv", NULL };
  static const char * const same[] = { "Movie (2020)", NULL };
  static const char * const same_dir[] = { "Movie (2020)", "movie.mkv", NULL };
  static const struct
  {
    const char * const *components;
    const char         *path;
  } shapes[] = {
    { movie, "Movie (2020)/movie.mkv" },
    { nested, "Movie (2020)/a/b/movie.mkv" },
    /* A folder inside a folder of the same name. */
    { same_dir, "Movie (2020)/Movie (2020)/movie.mkv" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      g_autoptr(T) v1 = make_one_file_folder ("Movie (2020)", shapes[i].components, TRUE, FALSE);
      g_autoptr(T) v2 = make_one_file_folder ("Movie (2020)", shapes[i].components, FALSE, TRUE);
      g_autoptr(T) hybrid = make_one_file_folder ("Movie (2020)", shapes[i].components, TRUE, TRUE);

      g_test_message ("%s", shapes[i].path);
      assert_one_file_folder (v1, shapes[i].path);
      assert_one_file_folder (v2, shapes[i].path);
      assert_one_file_folder (hybrid, shapes[i].path);
    }

  /* A folder "X" holding a file "X": the v2 tree alone cannot tell it from
   * a single file "X", but a hybrid's v1 file list can. */
  {
    g_autoptr(T) hybrid = make_one_file_folder ("Movie (2020)", same, TRUE, TRUE);
    g_autoptr(T) v2 = make_one_file_folder ("Movie (2020)", same, FALSE, TRUE);
    g_autoptr(ShoalMetainfo) meta = NULL;

    assert_one_file_folder (hybrid, "Movie (2020)/Movie (2020)");
    meta = parse_ok (v2);
    g_assert_false (shoal_metainfo_is_multi_file (meta));
    assert_file (meta, 0, "Movie (2020)", 40000, 0, SHOAL_FILE_ATTRIBUTE_NONE);
  }

  /* A hybrid single file: the tree's one key is the name; any other key
   * is a folder, which the v1 half does not describe. */
  {
    static const char * const other[] = { "other.mkv", NULL };
    g_autoptr(T) good = make_one_file_folder ("movie.mkv", movie, FALSE, TRUE);
    g_autoptr(T) bad = make_one_file_folder ("movie.mkv", other, FALSE, TRUE);
    g_autoptr(ShoalMetainfo) meta = NULL;
    g_autoptr(GError) error = NULL;

    t_set (INFO_OF (good), "length", t_int (40000));
    t_set (INFO_OF (good), "pieces", pieces_of (3));
    t_set (INFO_OF (bad), "length", t_int (40000));
    t_set (INFO_OF (bad), "pieces", pieces_of (3));
    meta = parse_ok (good);
    g_assert_cmpint (shoal_metainfo_get_version (meta), ==, SHOAL_TORRENT_VERSION_HYBRID);
    g_assert_false (shoal_metainfo_is_multi_file (meta));
    assert_file (meta, 0, "movie.mkv", 40000, 0, SHOAL_FILE_ATTRIBUTE_NONE);
    g_clear_object (&meta);
    meta = parse_tree (bad, &error);
    g_assert_error (error, SHOAL_METAINFO_ERROR, SHOAL_METAINFO_ERROR_HYBRID_MISMATCH);
    g_assert_null (meta);
  }

  /* Made by Shoal before it matched libtorrent: a pad file after the one
   * file. */
  {
    g_autoptr(T) hybrid = make_one_file_folder ("Movie (2020)", movie, TRUE, TRUE);
    g_autoptr(ShoalMetainfo) meta = NULL;

    g_ptr_array_add (FILES_OF (hybrid)->items,
                     t_dict ("attr", t_str ("p"), "length", t_int (3 * PL - 40000),
                             "path", t_list (t_str (".pad"), t_str ("9152"), NULL), NULL));
    meta = parse_ok (hybrid);
    g_assert_true (shoal_metainfo_is_multi_file (meta));
    g_assert_cmpuint (shoal_metainfo_get_n_files (meta), ==, 2);
    assert_file (meta, 0, "Movie (2020)/movie.mkv", 40000, 0, SHOAL_FILE_ATTRIBUTE_NONE);
  }
}

static void
test_v2_unsorted_tree (void)
{
  g_autoptr(T) root = make_v2 ();
  T *tree = t_get (t_get (root, "info"), "file tree");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMetainfo) meta = NULL;

  /* Move "a.txt" last: written unsorted, files still come out sorted. */
  g_ptr_array_add (tree->items, g_ptr_array_steal_index (tree->items, 0));
  g_ptr_array_add (tree->items, g_ptr_array_steal_index (tree->items, 0));
  bytes = t_encode (root, FALSE);
  meta = shoal_metainfo_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  assert_file (meta, 0, "v2/a.txt", 40000, 0, SHOAL_FILE_ATTRIBUTE_NONE);
  assert_file (meta, 1, "v2/dir/b.bin", 10000, 3 * PL, SHOAL_FILE_ATTRIBUTE_NONE);
}

static void
test_hybrid (void)
{
  g_autoptr(T) root = make_hybrid ();
  g_autoptr(ShoalMetainfo) meta = parse_ok (root);
  guint8 layer[3 * 32], root_a[32], root_b[32];
  gsize n_hashes;

  v2_layer (layer, root_a, root_b);
  assert_info_hashes (meta, root);
  g_assert_cmpint (shoal_metainfo_get_version (meta), ==, SHOAL_TORRENT_VERSION_HYBRID);
  g_assert_cmpuint (shoal_metainfo_get_n_files (meta), ==, 4);
  assert_file (meta, 0, "hybrid/a.txt", 40000, 0, SHOAL_FILE_ATTRIBUTE_NONE);
  assert_file (meta, 1, "hybrid/.pad/9152", 9152, 40000, SHOAL_FILE_ATTRIBUTE_PAD);
  assert_file (meta, 2, "hybrid/dir/b.bin", 10000, 3 * PL, SHOAL_FILE_ATTRIBUTE_NONE);
  assert_file (meta, 3, "hybrid/empty.txt", 0, 3 * PL + 10000, SHOAL_FILE_ATTRIBUTE_NONE);
  g_assert_cmpmem (shoal_metainfo_get_file (meta, 0)->pieces_root, 32, root_a, 32);
  g_assert_null (shoal_metainfo_get_file (meta, 1)->pieces_root);
  g_assert_cmpmem (shoal_metainfo_get_file (meta, 2)->pieces_root, 32, root_b, 32);
  g_assert_cmpmem (shoal_metainfo_get_piece_layer (meta, 0, &n_hashes), n_hashes * 32, layer, sizeof layer);
  g_assert_cmpuint (shoal_metainfo_get_n_pieces (meta), ==, 4);
  g_assert_nonnull (shoal_metainfo_get_piece_hash (meta, 3));
  g_assert_cmpuint (shoal_metainfo_get_total_length (meta), ==, 3 * PL + 10000);
  g_assert_cmpuint (shoal_metainfo_get_content_size (meta), ==, 50000);
}

/* Cross-checks against files made by libtorrent (tests/fuzz/corpus). */
static void
test_libtorrent_files (void)
{
  static const struct
  {
    const char *file;
    const char *v1;
    const char *v2;
    guint       n_pieces;
  } cases[] = {
    { "v1-multi.torrent", "d44223a44d83341a22a1cf945edf9abdbe27d91a", NULL, 7 },
    { "v2-multi.torrent", NULL, "1b156d7ccbb09633199e827284ff9ca236088cf097b07e2ae3cdd570232f9cb8", 9 },
    { "v2-piece-64k.torrent", NULL, "c828f019bc2fded733029338c14fd028a249165f7426870a1afcbdf2a0ca60ba", 4 },
    { "hybrid-multi.torrent", "c8cd5f43da90b19666cff6a9290065fbb19eecee",
      "2b72d43fd6de4cf9dbe077fe7e0b367e902692c95746c5e108b0d82ec9f644aa", 9 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fuzz", "corpus", "metainfo", cases[i].file, NULL);
      g_autoptr(GFile) file = g_file_new_for_path (path);
      g_autoptr(GError) error = NULL;
      g_autoptr(ShoalMetainfo) meta = shoal_metainfo_new_from_file (file, NULL, &error);
      g_autofree char *v1 = NULL;
      g_autofree char *v2 = NULL;

      g_assert_no_error (error);
      v1 = shoal_metainfo_dup_info_hash_v1_hex (meta);
      v2 = shoal_metainfo_dup_info_hash_v2_hex (meta);
      g_assert_cmpstr (v1, ==, cases[i].v1);
      g_assert_cmpstr (v2, ==, cases[i].v2);
      g_assert_cmpuint (shoal_metainfo_get_n_pieces (meta), ==, cases[i].n_pieces);
    }
}

static void
test_info_hash_raw_bytes (void)
{
  g_autoptr(T) root = make_v1_single ();
  T *info = t_get (root, "info");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) unsorted_info = NULL;
  g_autoptr(GBytes) sorted_info = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMetainfo) meta = NULL;
  guint8 expected[20], sorted[20];

  /* "name" before "length": the hash must follow the bytes as received. */
  g_ptr_array_add (info->items, g_ptr_array_steal_index (info->items, 0));
  g_ptr_array_add (info->items, g_ptr_array_steal_index (info->items, 0));
  bytes = t_encode (root, FALSE);
  unsorted_info = t_encode (info, FALSE);
  sorted_info = t_encode (info, TRUE);
  g_assert_false (g_bytes_equal (unsorted_info, sorted_info));
  digest (G_CHECKSUM_SHA1, unsorted_info, expected, 20);
  digest (G_CHECKSUM_SHA1, sorted_info, sorted, 20);

  meta = shoal_metainfo_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (shoal_metainfo_get_info_hash_v1 (meta), 20, expected, 20);
  g_assert_true (memcmp (shoal_metainfo_get_info_hash_v1 (meta), sorted, 20) != 0);
  g_assert_true (g_bytes_equal (shoal_metainfo_get_info_bytes (meta), unsorted_info));
  g_assert_true (g_bytes_equal (shoal_metainfo_get_bytes (meta), bytes));
}

static void
test_trackers_filtered (void)
{
  g_autoptr(T) root = make_v1_single ();
  g_autoptr(ShoalMetainfo) meta = NULL;

  t_set (root, "announce-list",
         t_list (t_list (t_str ("http://a.example.org/announce"), t_int (5), t_str (""),
                         t_str ("ftp://nope.example.org/"), t_str ("http://a.example.org/announce"),
                         t_str ("not a url"), t_str ("udp://b.example.org:80"), NULL),
                 t_str ("not a tier"),
                 t_list (t_str ("wss://c.example.org"), t_str ("http://a.example.org/announce"), NULL),
                 t_list (t_str (" https://d.example.org/announce "), NULL),
                 NULL));
  meta = parse_ok (root);
  /* Duplicates, bad schemes and the tiers they empty are gone. */
  g_assert_cmpuint (shoal_metainfo_get_n_tiers (meta), ==, 2);
  g_assert_cmpstrv (shoal_metainfo_get_tier (meta, 0),
                    ((const char * const[]) { "http://a.example.org/announce", "udp://b.example.org:80", NULL }));
  g_assert_cmpstrv (shoal_metainfo_get_tier (meta, 1),
                    ((const char * const[]) { "https://d.example.org/announce", NULL }));
}

static void
test_trackers_fallback (void)
{
  g_autoptr(T) root = make_v1_single ();
  g_autoptr(ShoalMetainfo) meta = NULL;
  g_autoptr(ShoalMetainfo) none = NULL;

  /* An announce-list with nothing usable does not hide announce. */
  t_set (root, "announce-list", t_list (t_list (t_str (""), NULL), t_list (NULL), NULL));
  meta = parse_ok (root);
  g_assert_cmpuint (shoal_metainfo_get_n_tiers (meta), ==, 1);
  g_assert_cmpstr (shoal_metainfo_get_tier (meta, 0)[0], ==, "http://tracker.example.org/announce");

  t_set (root, "announce", t_str ("file:///etc/passwd"));
  none = parse_ok (root);
  g_assert_cmpuint (shoal_metainfo_get_n_tiers (none), ==, 0);
}

static void
test_trackers_bounded (void)
{
  g_autoptr(T) root = make_v1_single ();
  T *tier = t_list (NULL);
  g_autoptr(ShoalMetainfo) meta = NULL;

  for (guint i = 0; i < SHOAL_METAINFO_MAX_TRACKERS + 50; i++)
    {
      g_autofree char *url = g_strdup_printf ("http://t%u.example.org/announce", i);

      g_ptr_array_add (tier->items, t_str (url));
    }
  t_set (root, "announce-list", t_list (tier, NULL));
  meta = parse_ok (root);
  g_assert_cmpuint (g_strv_length ((GStrv) shoal_metainfo_get_tier (meta, 0)), ==, SHOAL_METAINFO_MAX_TRACKERS);
}

static void
test_web_seeds (void)
{
  g_autoptr(T) root = make_v1_single ();
  T *list = t_list (t_str ("https://s.example.com/"), t_str ("https://s.example.com/"), t_str ("udp://no.example.com/"),
                    t_int (1), t_str (""), NULL);
  g_autoptr(ShoalMetainfo) meta = NULL;
  g_autoptr(ShoalMetainfo) many = NULL;

  t_set (root, "url-list", list);
  meta = parse_ok (root);
  g_assert_cmpstrv (shoal_metainfo_get_web_seeds (meta), ((const char * const[]) { "https://s.example.com/", NULL }));

  for (guint i = 0; i < SHOAL_METAINFO_MAX_WEB_SEEDS + 10; i++)
    {
      g_autofree char *url = g_strdup_printf ("http://s%u.example.com/", i);

      g_ptr_array_add (list->items, t_str (url));
    }
  many = parse_ok (root);
  g_assert_cmpuint (g_strv_length ((GStrv) shoal_metainfo_get_web_seeds (many)), ==, SHOAL_METAINFO_MAX_WEB_SEEDS);

  t_del (root, "url-list");
  g_clear_object (&meta);
  meta = parse_ok (root);
  g_assert_nonnull (shoal_metainfo_get_web_seeds (meta));
  g_assert_null (shoal_metainfo_get_web_seeds (meta)[0]);
}

static void
test_utf8_variants (void)
{
  g_autoptr(T) root = make_v1_multi ();
  T *info = t_get (root, "info");
  T *files = t_get (info, "files");
  g_autoptr(ShoalMetainfo) meta = NULL;
  g_autoptr(ShoalMetainfo) fallback = NULL;

  t_set (info, "name", t_str ("caf\xe9"));
  t_set (info, "name.utf-8", t_str ("caf\xc3\xa9"));
  t_set (t_at (files, 0), "path.utf-8", t_list (t_str ("\xc3\xa0.txt"), NULL));
  meta = parse_ok (root);
  g_assert_cmpstr (shoal_metainfo_get_name (meta), ==, "caf\xc3\xa9");
  assert_file (meta, 0, "caf\xc3\xa9/\xc3\xa0.txt", 20000, 0, SHOAL_FILE_ATTRIBUTE_NONE);

  /* Variants that are not UTF-8 are ignored; the plain key is sanitized. */
  t_set (info, "name.utf-8", t_str ("bad\xff"));
  t_set (t_at (files, 0), "path.utf-8", t_list (t_str ("bad\xff"), NULL));
  fallback = parse_ok (root);
  g_assert_cmpstr (shoal_metainfo_get_name (fallback), ==, "caf_");
  assert_file (fallback, 0, "caf_/a.txt", 20000, 0, SHOAL_FILE_ATTRIBUTE_NONE);
}

static void
test_name_fallback_to_hash (void)
{
  g_autoptr(T) root = make_v1_multi ();
  g_autoptr(ShoalMetainfo) meta = NULL;
  g_autofree char *hex = NULL;
  g_autofree char *expected = NULL;

  t_set (t_get (root, "info"), "name", t_str (".."));
  meta = parse_ok (root);
  hex = shoal_metainfo_dup_info_hash_v1_hex (meta);
  g_assert_cmpstr (shoal_metainfo_get_name (meta), ==, hex);
  expected = g_strconcat (hex, "/a.txt", NULL);
  g_assert_cmpstr (shoal_metainfo_get_file (meta, 0)->path, ==, expected);
}

static void
test_path_traversal (void)
{
  g_autoptr(T) root = make_v1_multi ();
  T *files = t_get (t_get (root, "info"), "files");
  g_autoptr(ShoalMetainfo) meta = NULL;

  t_set (t_at (files, 0), "path", t_list (t_str (".."), t_str (".."), t_str ("etc"), t_str ("passwd"), NULL));
  t_set (t_at (files, 1), "path", t_list (t_str ("/abs"), t_str ("C:"), t_str ("a\\..\\b"), NULL));
  meta = parse_ok (root);
  assert_file (meta, 0, "multi/etc/passwd", 20000, 0, SHOAL_FILE_ATTRIBUTE_NONE);
  g_assert_cmpstr (shoal_metainfo_get_file (meta, 1)->path, ==, "multi/_abs/C_/a_.._b");
}

static void
test_duplicate_paths (void)
{
  g_autoptr(T) root = make_v1_multi ();
  T *files = t_get (t_get (root, "info"), "files");
  g_autoptr(ShoalMetainfo) meta = NULL;

  /* "./a.txt" is "a.txt" once sanitized. */
  t_set (t_at (files, 1), "path", t_list (t_str ("."), t_str ("a.txt"), NULL));
  meta = parse_ok (root);
  assert_file (meta, 0, "multi/a.txt", 20000, 0, SHOAL_FILE_ATTRIBUTE_NONE);
  g_assert_cmpstr (shoal_metainfo_get_file (meta, 1)->path, ==, "multi/a (1).txt");
}

static void
test_from_file (void)
{
  g_autoptr(T) root = make_v1_single ();
  g_autoptr(GBytes) bytes = t_encode (root, TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) missing = NULL;
  g_autoptr(GFileIOStream) io = NULL;
  g_autoptr(ShoalMetainfo) meta = NULL;

  file = g_file_new_tmp ("test-metainfo-XXXXXX.torrent", &io, &error);
  g_assert_no_error (error);
  g_file_replace_contents (file, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL, FALSE,
                           G_FILE_CREATE_NONE, NULL, NULL, &error);
  g_assert_no_error (error);
  meta = shoal_metainfo_new_from_file (file, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (shoal_metainfo_get_name (meta), ==, "file.bin");
  g_assert_true (g_bytes_equal (shoal_metainfo_get_bytes (meta), bytes));
  g_file_delete (file, NULL, NULL);

  missing = g_file_new_for_path ("/nonexistent/shoal/x.torrent");
  g_assert_null (shoal_metainfo_new_from_file (missing, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

static void
test_reject_too_large_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileIOStream) io = NULL;

  file = g_file_new_tmp ("test-metainfo-big-XXXXXX.torrent", &io, &error);
  g_assert_no_error (error);
  g_seekable_truncate (G_SEEKABLE (io), SHOAL_METAINFO_MAX_FILE_SIZE + 1, NULL, &error);
  g_assert_no_error (error);
  g_io_stream_close (G_IO_STREAM (io), NULL, NULL);

  g_assert_null (shoal_metainfo_new_from_file (file, NULL, &error));
  g_assert_error (error, SHOAL_METAINFO_ERROR, SHOAL_METAINFO_ERROR_TOO_LARGE);
  g_file_delete (file, NULL, NULL);
}

static void
test_reject_too_large_bytes (void)
{
  g_autoptr(GError) error = NULL;
  gsize size = SHOAL_METAINFO_MAX_FILE_SIZE + 1;
  g_autoptr(GBytes) bytes = g_bytes_new_take (g_malloc0 (size), size);

  g_assert_null (shoal_metainfo_new_from_bytes (bytes, &error));
  g_assert_error (error, SHOAL_METAINFO_ERROR, SHOAL_METAINFO_ERROR_TOO_LARGE);
}

static void
check_magnet (T *root)
{
  g_autoptr(ShoalMetainfo) meta = parse_ok (root);
  g_autofree char *uri = shoal_metainfo_to_magnet (meta);
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMagnet) magnet = shoal_magnet_new_from_uri (uri, &error);
  g_autoptr(GPtrArray) trackers = g_ptr_array_new ();

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (uri, "magnet:?xt=urn:"));
  if (shoal_metainfo_get_info_hash_v1 (meta) != NULL)
    g_assert_cmpmem (shoal_magnet_get_info_hash_v1 (magnet), 20, shoal_metainfo_get_info_hash_v1 (meta), 20);
  else
    g_assert_null (shoal_magnet_get_info_hash_v1 (magnet));
  if (shoal_metainfo_get_info_hash_v2 (meta) != NULL)
    g_assert_cmpmem (shoal_magnet_get_info_hash_v2 (magnet), 32, shoal_metainfo_get_info_hash_v2 (meta), 32);
  else
    g_assert_null (shoal_magnet_get_info_hash_v2 (magnet));
  g_assert_cmpstr (shoal_magnet_get_display_name (magnet), ==, shoal_metainfo_get_name (meta));

  for (guint t = 0; t < shoal_metainfo_get_n_tiers (meta); t++)
    for (const char * const *url = shoal_metainfo_get_tier (meta, t); *url != NULL; url++)
      g_ptr_array_add (trackers, (gpointer) *url);
  g_ptr_array_add (trackers, NULL);
  g_assert_cmpstrv (shoal_magnet_get_trackers (magnet), (const char * const *) trackers->pdata);
  g_assert_cmpstrv (shoal_magnet_get_web_seeds (magnet), shoal_metainfo_get_web_seeds (meta));
}

static void
test_magnet_round_trip (void)
{
  g_autoptr(T) v1 = make_v1_multi ();
  g_autoptr(T) v2 = make_v2 ();
  g_autoptr(T) hybrid = make_hybrid ();

  /* A name that needs escaping. */
  t_set (t_get (v1, "info"), "name", t_str ("a&b=c d%+\xc3\xa9"));
  check_magnet (v1);
  check_magnet (v2);
  check_magnet (hybrid);
}

/* Broken torrents: one rule each */

typedef enum
{
  BASE_V1_SINGLE,
  BASE_V1_MULTI,
  BASE_V2,
  BASE_HYBRID,
} Base;

typedef struct
{
  const char *name;
  Base        base;
  void      (*mutate) (T *root);
  gboolean    bencode_error;
  gint        code;
} RejectCase;

#define INFO(root) t_get ((root), "info")
#define FILES(root) t_get (INFO (root), "files")
#define TREE(root) t_get (INFO (root), "file tree")
#define FILE_A(root) t_get (t_get (TREE (root), "a.txt"), "")

static void m_nothing (T *root) { (void) root; }
static void m_no_info (T *root) { t_del (root, "info"); }
static void m_info_list (T *root) { t_set (root, "info", t_list (NULL)); }
static void m_no_name (T *root) { t_del (INFO (root), "name"); }
static void m_name_int (T *root) { t_set (INFO (root), "name", t_int (1)); }
static void m_pl_missing (T *root) { t_del (INFO (root), "piece length"); }
static void m_pl_zero (T *root) { t_set (INFO (root), "piece length", t_int (0)); }
static void m_pl_three (T *root) { t_set (INFO (root), "piece length", t_int (3)); }
static void m_pl_odd (T *root) { t_set (INFO (root), "piece length", t_int (12345)); }
static void m_pl_not_pow2 (T *root) { t_set (INFO (root), "piece length", t_int (3 * PL)); }
static void m_pl_big (T *root) { t_set (INFO (root), "piece length", t_int (2 * (gint64) SHOAL_METAINFO_MAX_PIECE_LENGTH)); }
static void m_pl_small (T *root) { t_set (INFO (root), "piece length", t_int (SHOAL_METAINFO_MIN_PIECE_LENGTH / 2)); }
static void m_pl_negative (T *root) { t_set (INFO (root), "piece length", t_int (-PL)); }
static void m_pl_string (T *root) { t_set (INFO (root), "piece length", t_str ("16384")); }
static void m_pieces_missing (T *root) { t_del (INFO (root), "pieces"); }
static void m_pieces_int (T *root) { t_set (INFO (root), "pieces", t_int (0)); }
static void m_pieces_59 (T *root) { t_set (INFO (root), "pieces", t_fill (1, 59)); }
static void m_pieces_few (T *root) { t_set (INFO (root), "pieces", pieces_of (2)); }
static void m_pieces_many (T *root) { t_set (INFO (root), "pieces", pieces_of (4)); }
static void m_length_negative (T *root) { t_set (INFO (root), "length", t_int (-1)); }
static void m_length_string (T *root) { t_set (INFO (root), "length", t_str ("40000")); }
static void m_length_zero (T *root) { t_set (INFO (root), "length", t_int (0)); }
static void m_file_negative (T *root) { t_set (t_at (FILES (root), 1), "length", t_int (-5)); }
static void m_file_no_length (T *root) { t_del (t_at (FILES (root), 1), "length"); }
static void m_all_files_empty (T *root)
{
  t_set (t_at (FILES (root), 0), "length", t_int (0));
  t_set (t_at (FILES (root), 1), "length", t_int (0));
}
static void m_total_overflow (T *root)
{
  t_set (t_at (FILES (root), 0), "length", t_int (G_MAXINT64));
  t_set (t_at (FILES (root), 1), "length", t_int (G_MAXINT64));
}
static void m_files_empty (T *root) { t_set (INFO (root), "files", t_list (NULL)); }
static void m_files_dict (T *root) { t_set (INFO (root), "files", t_dict (NULL)); }
static void m_file_int (T *root) { g_ptr_array_add (FILES (root)->items, t_int (7)); }
static void m_path_missing (T *root) { t_del (t_at (FILES (root), 1), "path"); }
static void m_path_string (T *root) { t_set (t_at (FILES (root), 1), "path", t_str ("dir/b.bin")); }
static void m_path_int_component (T *root) { t_set (t_at (FILES (root), 1), "path", t_list (t_str ("dir"), t_int (3), NULL)); }
static void m_path_empty (T *root) { t_set (t_at (FILES (root), 1), "path", t_list (NULL)); }
static void m_path_only_dots (T *root) { t_set (t_at (FILES (root), 1), "path", t_list (t_str (".."), t_str ("."), t_str (""), NULL)); }
static void m_path_too_deep (T *root)
{
  T *path = t_list (NULL);

  for (guint i = 0; i <= SHOAL_METAINFO_MAX_PATH_DEPTH; i++)
    g_ptr_array_add (path->items, t_str ("d"));
  t_set (t_at (FILES (root), 1), "path", path);
}
static void m_both_layouts (T *root) { t_set (INFO (root), "length", t_int (50000)); }
static void m_no_layout (T *root) { t_del (INFO (root), "length"); }
static void m_meta_version_3 (T *root) { t_set (INFO (root), "meta version", t_int (3)); }
static void m_meta_version_1 (T *root) { t_set (INFO (root), "meta version", t_int (1)); }
static void m_meta_version_string (T *root) { t_set (INFO (root), "meta version", t_str ("2")); }
static void m_tree_missing (T *root) { t_del (INFO (root), "file tree"); }
static void m_tree_list (T *root) { t_set (INFO (root), "file tree", t_list (NULL)); }
static void m_tree_empty (T *root) { t_set (INFO (root), "file tree", t_dict (NULL)); }
static void m_tree_entry_int (T *root) { t_set (TREE (root), "c.txt", t_int (1)); }
static void m_tree_empty_dir (T *root) { t_set (TREE (root), "c", t_dict (NULL)); }
static void m_tree_file_and_dir (T *root) { t_set (t_get (TREE (root), "a.txt"), "x", t_dict (NULL)); }
static void m_tree_nameless (T *root) { t_set (TREE (root), "", t_dict ("", t_dict ("length", t_int (0), NULL), NULL)); }
static void m_tree_file_int (T *root) { t_set (t_get (TREE (root), "a.txt"), "", t_int (0)); }
static void m_tree_no_root (T *root) { t_del (FILE_A (root), "pieces root"); }
static void m_tree_short_root (T *root) { t_set (FILE_A (root), "pieces root", t_fill (1, 20)); }
static void m_tree_negative (T *root) { t_set (FILE_A (root), "length", t_int (-1)); }
static void m_tree_dots_only (T *root) { t_set (TREE (root), "..", t_dict ("", t_dict ("length", t_int (0), NULL), NULL)); }
static void m_tree_all_empty (T *root)
{
  t_set (INFO (root), "file tree", t_dict ("e", t_dict ("", t_dict ("length", t_int (0), NULL), NULL), NULL));
}
static void m_layers_missing (T *root) { t_del (root, "piece layers"); }
static void m_layers_list (T *root) { t_set (root, "piece layers", t_list (NULL)); }
static void m_layer_missing (T *root) { t_set (root, "piece layers", t_dict (NULL)); }
static void m_layer_size (T *root)
{
  T *layers = t_get (root, "piece layers");
  T *layer = layers->items->pdata[1];

  g_byte_array_set_size (layer->s, 2 * 32);
}
static void m_layer_int (T *root)
{
  T *layers = t_get (root, "piece layers");

  t_free (layers->items->pdata[1]);
  layers->items->pdata[1] = t_int (0);
}
static void m_layer_wrong_hash (T *root)
{
  T *layers = t_get (root, "piece layers");
  T *layer = layers->items->pdata[1];

  layer->s->data[40] ^= 1;
}
static void m_hybrid_length (T *root) { t_set (t_at (FILES (root), 2), "length", t_int (9999)); }
static void m_hybrid_path (T *root) { t_set (t_at (FILES (root), 2), "path", t_list (t_str ("dir"), t_str ("c.bin"), NULL)); }
static void m_hybrid_extra_v1 (T *root)
{
  g_ptr_array_add (FILES (root)->items, t_dict ("length", t_int (0), "path", t_list (t_str ("zzz"), NULL), NULL));
}
static void m_hybrid_missing_v1 (T *root) { g_ptr_array_remove_index (FILES (root)->items, 3); }
static void m_hybrid_unaligned (T *root) { g_ptr_array_remove_index (FILES (root)->items, 1); }
static void m_hybrid_single (T *root)
{
  t_del (INFO (root), "files");
  t_set (INFO (root), "length", t_int (59152));
}

static const RejectCase reject_cases[] = {
  { "not-a-dictionary", BASE_V1_SINGLE, NULL, FALSE, SHOAL_METAINFO_ERROR_NOT_A_DICTIONARY },
  { "missing-info", BASE_V1_SINGLE, m_no_info, FALSE, SHOAL_METAINFO_ERROR_MISSING_INFO },
  { "info-not-a-dictionary", BASE_V1_SINGLE, m_info_list, FALSE, SHOAL_METAINFO_ERROR_MISSING_INFO },
  { "missing-name", BASE_V1_SINGLE, m_no_name, FALSE, SHOAL_METAINFO_ERROR_BAD_NAME },
  { "name-not-a-string", BASE_V1_SINGLE, m_name_int, FALSE, SHOAL_METAINFO_ERROR_BAD_NAME },
  { "piece-length-missing", BASE_V1_SINGLE, m_pl_missing, FALSE, SHOAL_METAINFO_ERROR_BAD_PIECE_LENGTH },
  { "piece-length-zero", BASE_V1_SINGLE, m_pl_zero, FALSE, SHOAL_METAINFO_ERROR_BAD_PIECE_LENGTH },
  { "piece-length-three", BASE_V1_SINGLE, m_pl_three, FALSE, SHOAL_METAINFO_ERROR_BAD_PIECE_LENGTH },
  { "piece-length-odd", BASE_V1_SINGLE, m_pl_odd, FALSE, SHOAL_METAINFO_ERROR_BAD_PIECE_LENGTH },
  { "piece-length-not-power-of-two", BASE_V1_SINGLE, m_pl_not_pow2, FALSE, SHOAL_METAINFO_ERROR_BAD_PIECE_LENGTH },
  { "piece-length-too-big", BASE_V1_SINGLE, m_pl_big, FALSE, SHOAL_METAINFO_ERROR_BAD_PIECE_LENGTH },
  { "piece-length-too-small", BASE_V1_SINGLE, m_pl_small, FALSE, SHOAL_METAINFO_ERROR_BAD_PIECE_LENGTH },
  { "piece-length-negative", BASE_V1_SINGLE, m_pl_negative, FALSE, SHOAL_METAINFO_ERROR_BAD_PIECE_LENGTH },
  { "piece-length-not-integer", BASE_V1_SINGLE, m_pl_string, FALSE, SHOAL_METAINFO_ERROR_BAD_PIECE_LENGTH },
  { "pieces-missing", BASE_V1_SINGLE, m_pieces_missing, FALSE, SHOAL_METAINFO_ERROR_BAD_PIECES },
  { "pieces-not-a-string", BASE_V1_SINGLE, m_pieces_int, FALSE, SHOAL_METAINFO_ERROR_BAD_PIECES },
  { "pieces-not-multiple-of-20", BASE_V1_SINGLE, m_pieces_59, FALSE, SHOAL_METAINFO_ERROR_BAD_PIECES },
  { "piece-count-too-few", BASE_V1_SINGLE, m_pieces_few, FALSE, SHOAL_METAINFO_ERROR_PIECE_COUNT_MISMATCH },
  { "piece-count-too-many", BASE_V1_SINGLE, m_pieces_many, FALSE, SHOAL_METAINFO_ERROR_PIECE_COUNT_MISMATCH },
  { "negative-length", BASE_V1_SINGLE, m_length_negative, FALSE, SHOAL_METAINFO_ERROR_BAD_LENGTH },
  { "length-not-integer", BASE_V1_SINGLE, m_length_string, FALSE, SHOAL_METAINFO_ERROR_BAD_LENGTH },
  { "zero-total", BASE_V1_SINGLE, m_length_zero, FALSE, SHOAL_METAINFO_ERROR_BAD_LENGTH },
  { "file-negative-length", BASE_V1_MULTI, m_file_negative, FALSE, SHOAL_METAINFO_ERROR_BAD_LENGTH },
  { "file-missing-length", BASE_V1_MULTI, m_file_no_length, FALSE, SHOAL_METAINFO_ERROR_BAD_LENGTH },
  { "files-all-empty", BASE_V1_MULTI, m_all_files_empty, FALSE, SHOAL_METAINFO_ERROR_BAD_LENGTH },
  { "overflowing-total", BASE_V1_MULTI, m_total_overflow, FALSE, SHOAL_METAINFO_ERROR_BAD_LENGTH },
  { "empty-files-list", BASE_V1_MULTI, m_files_empty, FALSE, SHOAL_METAINFO_ERROR_BAD_FILES },
  { "files-not-a-list", BASE_V1_MULTI, m_files_dict, FALSE, SHOAL_METAINFO_ERROR_BAD_FILES },
  { "file-not-a-dictionary", BASE_V1_MULTI, m_file_int, FALSE, SHOAL_METAINFO_ERROR_BAD_FILES },
  { "path-missing", BASE_V1_MULTI, m_path_missing, FALSE, SHOAL_METAINFO_ERROR_BAD_PATH },
  { "path-not-a-list", BASE_V1_MULTI, m_path_string, FALSE, SHOAL_METAINFO_ERROR_BAD_PATH },
  { "path-component-not-a-string", BASE_V1_MULTI, m_path_int_component, FALSE, SHOAL_METAINFO_ERROR_BAD_PATH },
  { "path-empty", BASE_V1_MULTI, m_path_empty, FALSE, SHOAL_METAINFO_ERROR_BAD_PATH },
  { "path-nothing-usable", BASE_V1_MULTI, m_path_only_dots, FALSE, SHOAL_METAINFO_ERROR_BAD_PATH },
  { "path-too-deep", BASE_V1_MULTI, m_path_too_deep, FALSE, SHOAL_METAINFO_ERROR_BAD_PATH },
  { "both-length-and-files", BASE_V1_MULTI, m_both_layouts, FALSE, SHOAL_METAINFO_ERROR_AMBIGUOUS_LAYOUT },
  { "neither-length-nor-files", BASE_V1_SINGLE, m_no_layout, FALSE, SHOAL_METAINFO_ERROR_AMBIGUOUS_LAYOUT },
  { "meta-version-3", BASE_V2, m_meta_version_3, FALSE, SHOAL_METAINFO_ERROR_BAD_META_VERSION },
  { "meta-version-1", BASE_V2, m_meta_version_1, FALSE, SHOAL_METAINFO_ERROR_BAD_META_VERSION },
  { "meta-version-not-integer", BASE_V2, m_meta_version_string, FALSE, SHOAL_METAINFO_ERROR_BAD_META_VERSION },
  { "file-tree-missing", BASE_V2, m_tree_missing, FALSE, SHOAL_METAINFO_ERROR_BAD_FILE_TREE },
  { "file-tree-not-a-dictionary", BASE_V2, m_tree_list, FALSE, SHOAL_METAINFO_ERROR_BAD_FILE_TREE },
  { "file-tree-empty", BASE_V2, m_tree_empty, FALSE, SHOAL_METAINFO_ERROR_BAD_FILE_TREE },
  { "file-tree-entry-not-a-dictionary", BASE_V2, m_tree_entry_int, FALSE, SHOAL_METAINFO_ERROR_BAD_FILE_TREE },
  { "file-tree-empty-directory", BASE_V2, m_tree_empty_dir, FALSE, SHOAL_METAINFO_ERROR_BAD_FILE_TREE },
  { "file-tree-file-and-directory", BASE_V2, m_tree_file_and_dir, FALSE, SHOAL_METAINFO_ERROR_BAD_FILE_TREE },
  { "file-tree-nameless-file", BASE_V2, m_tree_nameless, FALSE, SHOAL_METAINFO_ERROR_BAD_FILE_TREE },
  { "file-tree-file-not-a-dictionary", BASE_V2, m_tree_file_int, FALSE, SHOAL_METAINFO_ERROR_BAD_FILE_TREE },
  { "file-tree-missing-pieces-root", BASE_V2, m_tree_no_root, FALSE, SHOAL_METAINFO_ERROR_BAD_FILE_TREE },
  { "file-tree-short-pieces-root", BASE_V2, m_tree_short_root, FALSE, SHOAL_METAINFO_ERROR_BAD_FILE_TREE },
  { "file-tree-negative-length", BASE_V2, m_tree_negative, FALSE, SHOAL_METAINFO_ERROR_BAD_LENGTH },
  { "file-tree-path-nothing-usable", BASE_V2, m_tree_dots_only, FALSE, SHOAL_METAINFO_ERROR_BAD_PATH },
  { "file-tree-all-empty", BASE_V2, m_tree_all_empty, FALSE, SHOAL_METAINFO_ERROR_BAD_LENGTH },
  { "piece-layers-missing", BASE_V2, m_layers_missing, FALSE, SHOAL_METAINFO_ERROR_BAD_PIECE_LAYERS },
  { "piece-layers-not-a-dictionary", BASE_V2, m_layers_list, FALSE, SHOAL_METAINFO_ERROR_BAD_PIECE_LAYERS },
  { "piece-layer-missing", BASE_V2, m_layer_missing, FALSE, SHOAL_METAINFO_ERROR_BAD_PIECE_LAYERS },
  { "piece-layer-wrong-size", BASE_V2, m_layer_size, FALSE, SHOAL_METAINFO_ERROR_BAD_PIECE_LAYERS },
  { "piece-layer-not-a-string", BASE_V2, m_layer_int, FALSE, SHOAL_METAINFO_ERROR_BAD_PIECE_LAYERS },
  { "piece-layer-not-matching-root", BASE_V2, m_layer_wrong_hash, FALSE, SHOAL_METAINFO_ERROR_BAD_PIECE_LAYERS },
  { "hybrid-length-mismatch", BASE_HYBRID, m_hybrid_length, FALSE, SHOAL_METAINFO_ERROR_HYBRID_MISMATCH },
  { "hybrid-path-mismatch", BASE_HYBRID, m_hybrid_path, FALSE, SHOAL_METAINFO_ERROR_HYBRID_MISMATCH },
  { "hybrid-extra-v1-file", BASE_HYBRID, m_hybrid_extra_v1, FALSE, SHOAL_METAINFO_ERROR_HYBRID_MISMATCH },
  { "hybrid-missing-v1-file", BASE_HYBRID, m_hybrid_missing_v1, FALSE, SHOAL_METAINFO_ERROR_HYBRID_MISMATCH },
  { "hybrid-unaligned", BASE_HYBRID, m_hybrid_unaligned, FALSE, SHOAL_METAINFO_ERROR_HYBRID_MISMATCH },
  { "hybrid-single-vs-multi", BASE_HYBRID, m_hybrid_single, FALSE, SHOAL_METAINFO_ERROR_HYBRID_MISMATCH },
  { "hybrid-missing-pieces", BASE_HYBRID, m_pieces_missing, FALSE, SHOAL_METAINFO_ERROR_BAD_PIECES },
  { "trailing-garbage", BASE_V1_SINGLE, m_nothing, TRUE, SHOAL_BENCODE_ERROR_TRAILING_DATA },
  { "truncated", BASE_V1_SINGLE, m_nothing, TRUE, SHOAL_BENCODE_ERROR_TRUNCATED },
};

static void
test_reject (gconstpointer data)
{
  const RejectCase *rc = data;
  g_autoptr(T) root = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMetainfo) meta = NULL;

  switch (rc->base)
    {
    case BASE_V1_SINGLE:
      root = make_v1_single ();
      break;
    case BASE_V1_MULTI:
      root = make_v1_multi ();
      break;
    case BASE_V2:
      root = make_v2 ();
      break;
    case BASE_HYBRID:
      root = make_hybrid ();
      break;
    default:
      g_assert_not_reached ();
    }

  /* The base itself is valid: the mutation alone causes the error. */
  meta = parse_ok (root);
  g_clear_object (&meta);

  if (rc->mutate != NULL)
    rc->mutate (root);
  else
    root = t_list (g_steal_pointer (&root), NULL);
  bytes = t_encode (root, TRUE);

  if (rc->code == SHOAL_BENCODE_ERROR_TRAILING_DATA && rc->bencode_error)
    {
      g_autoptr(GByteArray) array = g_bytes_unref_to_array (g_steal_pointer (&bytes));

      g_byte_array_append (array, (const guint8 *) "i0e", 3);
      bytes = g_byte_array_free_to_bytes (g_steal_pointer (&array));
    }
  else if (rc->code == SHOAL_BENCODE_ERROR_TRUNCATED && rc->bencode_error)
    {
      GBytes *shorter = g_bytes_new_from_bytes (bytes, 0, g_bytes_get_size (bytes) - 1);

      g_bytes_unref (bytes);
      bytes = shorter;
    }

  meta = shoal_metainfo_new_from_bytes (bytes, &error);
  g_assert_null (meta);
  if (rc->bencode_error)
    g_assert_error (error, SHOAL_BENCODE_ERROR, rc->code);
  else
    g_assert_error (error, SHOAL_METAINFO_ERROR, rc->code);
  g_assert_cmpstr (error->message, !=, "");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/metainfo/v1-single", test_v1_single);
  g_test_add_func ("/engine/metainfo/v1-multi", test_v1_multi);
  g_test_add_func ("/engine/metainfo/v1-pad-files", test_v1_pad_files);
  g_test_add_func ("/engine/metainfo/pad-never-takes-real-name", test_pad_never_takes_real_name);
  g_test_add_func ("/engine/metainfo/attributes", test_attributes);
  g_test_add_func ("/engine/metainfo/v2", test_v2);
  g_test_add_func ("/engine/metainfo/v2-single-file", test_v2_single_file);
  g_test_add_func ("/engine/metainfo/v2-unsorted-tree", test_v2_unsorted_tree);
  g_test_add_func ("/engine/metainfo/folder-with-one-file", test_folder_with_one_file);
  g_test_add_func ("/engine/metainfo/hybrid", test_hybrid);
  g_test_add_func ("/engine/metainfo/libtorrent-files", test_libtorrent_files);
  g_test_add_func ("/engine/metainfo/info-hash-raw-bytes", test_info_hash_raw_bytes);
  g_test_add_func ("/engine/metainfo/trackers-filtered", test_trackers_filtered);
  g_test_add_func ("/engine/metainfo/trackers-fallback", test_trackers_fallback);
  g_test_add_func ("/engine/metainfo/trackers-bounded", test_trackers_bounded);
  g_test_add_func ("/engine/metainfo/web-seeds", test_web_seeds);
  g_test_add_func ("/engine/metainfo/utf8-variants", test_utf8_variants);
  g_test_add_func ("/engine/metainfo/name-fallback-to-hash", test_name_fallback_to_hash);
  g_test_add_func ("/engine/metainfo/path-traversal", test_path_traversal);
  g_test_add_func ("/engine/metainfo/duplicate-paths", test_duplicate_paths);
  g_test_add_func ("/engine/metainfo/from-file", test_from_file);
  g_test_add_func ("/engine/metainfo/reject-too-large-file", test_reject_too_large_file);
  g_test_add_func ("/engine/metainfo/reject-too-large-bytes", test_reject_too_large_bytes);
  g_test_add_func ("/engine/metainfo/magnet-round-trip", test_magnet_round_trip);

  for (guint i = 0; i < G_N_ELEMENTS (reject_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/metainfo/reject-%s", reject_cases[i].name);

      g_test_add_data_func (path, &reject_cases[i], test_reject);
    }

  return g_test_run ();
}
