/* fuzz-metainfo.c: fuzz target for the .torrent parser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "shoal-hash.h"
#include "shoal-metainfo.h"

/* Whatever a .torrent says, a parsed path stays relative and inside. */
static void
check_path (const char *path)
{
  g_auto(GStrv) parts = NULL;

  g_assert_nonnull (path);
  g_assert_true (g_utf8_validate (path, -1, NULL));
  g_assert_cmpint (path[0], !=, '/');
  g_assert_null (strchr (path, '\\'));
  parts = g_strsplit (path, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_assert_cmpstr (parts[i], !=, "");
      g_assert_cmpstr (parts[i], !=, ".");
      g_assert_cmpstr (parts[i], !=, "..");
      g_assert_cmpuint (strlen (parts[i]), <=, SHOAL_METAINFO_MAX_COMPONENT);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(ShoalMetainfo) meta = NULL;
  g_autoptr(GHashTable) seen = NULL;
  g_autofree char *magnet = NULL;
  g_autofree char *hex1 = NULL;
  g_autofree char *hex2 = NULL;
  const char * const *seeds;
  guint64 stream = 0;
  guint64 content = 0;
  guint n_pieces;

  fuzz_set_up ();
  meta = shoal_metainfo_new_from_bytes (bytes, NULL);
  if (meta == NULL)
    return 0;

  check_path (shoal_metainfo_get_name (meta));
  hex1 = shoal_metainfo_dup_info_hash_v1_hex (meta);
  hex2 = shoal_metainfo_dup_info_hash_v2_hex (meta);
  g_assert_true (hex1 != NULL || hex2 != NULL);
  g_assert_nonnull (shoal_metainfo_get_info_bytes (meta));
  g_assert_true (shoal_metainfo_get_bytes (meta) != NULL);

  n_pieces = shoal_metainfo_get_n_pieces (meta);
  g_assert_cmpuint (n_pieces, >, 0);
  for (guint i = 0; i < n_pieces; i++)
    {
      guint64 piece_size = shoal_metainfo_get_piece_size (meta, i);

      g_assert_cmpuint (piece_size, >, 0);
      g_assert_cmpuint (piece_size, <=, shoal_metainfo_get_piece_length (meta));
      if (hex1 != NULL)
        g_assert_nonnull (shoal_metainfo_get_piece_hash (meta, i));
      stream += piece_size;
    }
  g_assert_cmpuint (stream, ==, shoal_metainfo_get_total_length (meta));
  g_assert_null (shoal_metainfo_get_piece_hash (meta, n_pieces));

  seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_assert_cmpuint (shoal_metainfo_get_n_files (meta), >, 0);
  for (guint i = 0; i < shoal_metainfo_get_n_files (meta); i++)
    {
      const ShoalMetainfoFile *file = shoal_metainfo_get_file (meta, i);
      gsize n_hashes;
      const guint8 *layer = shoal_metainfo_get_piece_layer (meta, i, &n_hashes);

      check_path (file->path);
      g_assert_true (g_hash_table_add (seen, file->path));
      if (file->symlink_target != NULL)
        check_path (file->symlink_target);
      g_assert_cmpuint (file->offset + file->length, <=, shoal_metainfo_get_total_length (meta));
      if (layer != NULL)
        {
          g_assert_nonnull (file->pieces_root);
          g_assert_cmpuint (n_hashes, ==, (file->length - 1) / shoal_metainfo_get_piece_length (meta) + 1);
          (void) layer[n_hashes * SHOAL_SHA256_LEN - 1];
        }
      if (!(file->attributes & SHOAL_FILE_ATTRIBUTE_PAD))
        content += file->length;
    }
  g_assert_cmpuint (content, ==, shoal_metainfo_get_content_size (meta));

  for (guint t = 0; t < shoal_metainfo_get_n_tiers (meta); t++)
    {
      const char * const *tier = shoal_metainfo_get_tier (meta, t);

      g_assert_nonnull (tier);
      g_assert_nonnull (tier[0]);
    }
  g_assert_null (shoal_metainfo_get_tier (meta, shoal_metainfo_get_n_tiers (meta)));
  seeds = shoal_metainfo_get_web_seeds (meta);
  for (guint i = 0; seeds[i] != NULL; i++)
    g_assert_true (g_utf8_validate (seeds[i], -1, NULL));

  (void) shoal_metainfo_is_private (meta);
  (void) shoal_metainfo_is_multi_file (meta);
  (void) shoal_metainfo_get_creation_date (meta);
  if (shoal_metainfo_get_comment (meta) != NULL)
    g_assert_true (g_utf8_validate (shoal_metainfo_get_comment (meta), -1, NULL));
  if (shoal_metainfo_get_created_by (meta) != NULL)
    g_assert_true (g_utf8_validate (shoal_metainfo_get_created_by (meta), -1, NULL));
  if (shoal_metainfo_get_source (meta) != NULL)
    g_assert_true (g_utf8_validate (shoal_metainfo_get_source (meta), -1, NULL));

  magnet = shoal_metainfo_to_magnet (meta);
  g_assert_true (g_str_has_prefix (magnet, "magnet:?xt=urn:"));
  return 0;
}
