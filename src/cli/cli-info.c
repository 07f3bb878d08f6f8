/* cli-info.c: `shoal-cli info FILE.torrent|MAGNET [--json]`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "shoal-cli.h"
#include "shoal-engine.h"

static const char *
version_name (ShoalTorrentVersion version)
{
  switch (version)
    {
    case SHOAL_TORRENT_VERSION_V1:
      return "v1";
    case SHOAL_TORRENT_VERSION_V2:
      return "v2";
    case SHOAL_TORRENT_VERSION_HYBRID:
      return "hybrid";
    default:
      return "unknown";
    }
}

static char *
attributes_string (ShoalFileAttributes attributes)
{
  GString *s = g_string_new (NULL);

  if (attributes & SHOAL_FILE_ATTRIBUTE_PAD)
    g_string_append_c (s, 'p');
  if (attributes & SHOAL_FILE_ATTRIBUTE_EXECUTABLE)
    g_string_append_c (s, 'x');
  if (attributes & SHOAL_FILE_ATTRIBUTE_HIDDEN)
    g_string_append_c (s, 'h');
  if (attributes & SHOAL_FILE_ATTRIBUTE_SYMLINK)
    g_string_append_c (s, 'l');
  return g_string_free (s, FALSE);
}

static char *
format_size (guint64 size)
{
  g_autofree char *human = g_format_size_full (size, G_FORMAT_SIZE_IEC_UNITS);

  return g_strdup_printf ("%s (%" G_GUINT64_FORMAT " bytes)", human, size);
}

static char *
format_date (gint64 unix_time)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (unix_time);

  if (dt == NULL)
    return g_strdup_printf ("%" G_GINT64_FORMAT, unix_time);
  return g_date_time_format_iso8601 (dt);
}

static void
add_optional_string (JsonBuilder *b,
                     const char  *member,
                     const char  *value)
{
  json_builder_set_member_name (b, member);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_string_array (JsonBuilder        *b,
                  const char         *member,
                  const char * const *values)
{
  json_builder_set_member_name (b, member);
  json_builder_begin_array (b);
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    json_builder_add_string_value (b, values[i]);
  json_builder_end_array (b);
}

static void
add_hash (JsonBuilder  *b,
          const char   *member,
          const guint8 *hash,
          gsize         len)
{
  g_autofree char *hex = hash ? shoal_hex_encode (hash, len) : NULL;

  add_optional_string (b, member, hex);
}

static JsonNode *
metainfo_to_json (ShoalMetainfo *info)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *magnet = shoal_metainfo_to_magnet (info);
  gint64 date = shoal_metainfo_get_creation_date (info);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "torrent");
  add_optional_string (b, "name", shoal_metainfo_get_name (info));
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, version_name (shoal_metainfo_get_version (info)));
  add_hash (b, "info_hash_v1", shoal_metainfo_get_info_hash_v1 (info), SHOAL_SHA1_LEN);
  add_hash (b, "info_hash_v2", shoal_metainfo_get_info_hash_v2 (info), SHOAL_SHA256_LEN);
  json_builder_set_member_name (b, "size");
  json_builder_add_int_value (b, (gint64) shoal_metainfo_get_content_size (info));
  json_builder_set_member_name (b, "total_length");
  json_builder_add_int_value (b, (gint64) shoal_metainfo_get_total_length (info));
  json_builder_set_member_name (b, "piece_length");
  json_builder_add_int_value (b, (gint64) shoal_metainfo_get_piece_length (info));
  json_builder_set_member_name (b, "piece_count");
  json_builder_add_int_value (b, shoal_metainfo_get_n_pieces (info));
  json_builder_set_member_name (b, "private");
  json_builder_add_boolean_value (b, shoal_metainfo_is_private (info));
  json_builder_set_member_name (b, "multi_file");
  json_builder_add_boolean_value (b, shoal_metainfo_is_multi_file (info));
  add_optional_string (b, "created_by", shoal_metainfo_get_created_by (info));
  add_optional_string (b, "comment", shoal_metainfo_get_comment (info));
  add_optional_string (b, "source", shoal_metainfo_get_source (info));
  json_builder_set_member_name (b, "creation_date");
  if (date != 0)
    json_builder_add_int_value (b, date);
  else
    json_builder_add_null_value (b);

  json_builder_set_member_name (b, "trackers");
  json_builder_begin_array (b);
  for (guint t = 0; t < shoal_metainfo_get_n_tiers (info); t++)
    {
      const char * const *tier = shoal_metainfo_get_tier (info, t);

      json_builder_begin_array (b);
      for (guint i = 0; tier[i] != NULL; i++)
        json_builder_add_string_value (b, tier[i]);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  add_string_array (b, "web_seeds", shoal_metainfo_get_web_seeds (info));

  json_builder_set_member_name (b, "files");
  json_builder_begin_array (b);
  for (guint i = 0; i < shoal_metainfo_get_n_files (info); i++)
    {
      const ShoalMetainfoFile *f = shoal_metainfo_get_file (info, i);
      g_autofree char *attrs = attributes_string (f->attributes);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, f->path);
      json_builder_set_member_name (b, "length");
      json_builder_add_int_value (b, (gint64) f->length);
      json_builder_set_member_name (b, "offset");
      json_builder_add_int_value (b, (gint64) f->offset);
      json_builder_set_member_name (b, "attributes");
      json_builder_add_string_value (b, attrs);
      json_builder_set_member_name (b, "pad");
      json_builder_add_boolean_value (b, (f->attributes & SHOAL_FILE_ATTRIBUTE_PAD) != 0);
      if (f->symlink_target != NULL)
        add_optional_string (b, "symlink_target", f->symlink_target);
      if (f->pieces_root != NULL)
        add_hash (b, "pieces_root", f->pieces_root, SHOAL_SHA256_LEN);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  add_optional_string (b, "magnet", magnet);
  json_builder_end_object (b);

  return json_builder_get_root (b);
}

static JsonNode *
magnet_to_json (ShoalMagnet *magnet)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *uri = shoal_magnet_to_uri (magnet);
  const ShoalMagnetRange *ranges;
  guint n_ranges = 0;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "magnet");
  add_optional_string (b, "name", shoal_magnet_get_display_name (magnet));
  add_hash (b, "info_hash_v1", shoal_magnet_get_info_hash_v1 (magnet), SHOAL_SHA1_LEN);
  add_hash (b, "info_hash_v2", shoal_magnet_get_info_hash_v2 (magnet), SHOAL_SHA256_LEN);
  json_builder_set_member_name (b, "trackers");
  json_builder_begin_array (b);
  for (const char * const *t = shoal_magnet_get_trackers (magnet); t && *t; t++)
    {
      json_builder_begin_array (b);
      json_builder_add_string_value (b, *t);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  add_string_array (b, "web_seeds", shoal_magnet_get_web_seeds (magnet));
  add_string_array (b, "peers", shoal_magnet_get_peers (magnet));

  ranges = shoal_magnet_get_select_only (magnet, &n_ranges);
  json_builder_set_member_name (b, "select_only");
  if (ranges == NULL)
    json_builder_add_null_value (b);
  else
    {
      json_builder_begin_array (b);
      for (guint i = 0; i < n_ranges; i++)
        {
          json_builder_begin_array (b);
          json_builder_add_int_value (b, ranges[i].first);
          json_builder_add_int_value (b, ranges[i].last);
          json_builder_end_array (b);
        }
      json_builder_end_array (b);
    }
  add_optional_string (b, "magnet", uri);
  json_builder_end_object (b);

  return json_builder_get_root (b);
}

static void
print_metainfo (ShoalMetainfo *info)
{
  g_autofree char *v1 = shoal_metainfo_dup_info_hash_v1_hex (info);
  g_autofree char *v2 = shoal_metainfo_dup_info_hash_v2_hex (info);
  g_autofree char *size = format_size (shoal_metainfo_get_content_size (info));
  g_autofree char *piece = g_format_size_full (shoal_metainfo_get_piece_length (info), G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *magnet = shoal_metainfo_to_magnet (info);
  const char * const *web_seeds = shoal_metainfo_get_web_seeds (info);
  guint n_files = shoal_metainfo_get_n_files (info);
  guint n_real = 0;

  printf ("Name:          %s\n", shoal_metainfo_get_name (info));
  printf ("Version:       %s\n", version_name (shoal_metainfo_get_version (info)));
  if (v1 != NULL)
    printf ("Info-hash v1:  %s\n", v1);
  if (v2 != NULL)
    printf ("Info-hash v2:  %s\n", v2);
  printf ("Size:          %s\n", size);
  printf ("Pieces:        %u × %s\n", shoal_metainfo_get_n_pieces (info), piece);
  printf ("Private:       %s\n", shoal_metainfo_is_private (info) ? "yes" : "no");
  if (shoal_metainfo_get_created_by (info) != NULL)
    printf ("Created by:    %s\n", shoal_metainfo_get_created_by (info));
  if (shoal_metainfo_get_creation_date (info) != 0)
    {
      g_autofree char *date = format_date (shoal_metainfo_get_creation_date (info));

      printf ("Created on:    %s\n", date);
    }
  if (shoal_metainfo_get_comment (info) != NULL)
    printf ("Comment:       %s\n", shoal_metainfo_get_comment (info));
  if (shoal_metainfo_get_source (info) != NULL)
    printf ("Source:        %s\n", shoal_metainfo_get_source (info));

  if (shoal_metainfo_get_n_tiers (info) == 0)
    printf ("Trackers:      none\n");
  else
    printf ("Trackers:\n");
  for (guint t = 0; t < shoal_metainfo_get_n_tiers (info); t++)
    {
      const char * const *tier = shoal_metainfo_get_tier (info, t);

      for (guint i = 0; tier[i] != NULL; i++)
        {
          if (i == 0)
            printf ("  Tier %-3u     %s\n", t + 1, tier[i]);
          else
            printf ("               %s\n", tier[i]);
        }
    }
  if (web_seeds != NULL && web_seeds[0] != NULL)
    {
      printf ("Web seeds:\n");
      for (guint i = 0; web_seeds[i] != NULL; i++)
        printf ("  %s\n", web_seeds[i]);
    }

  for (guint i = 0; i < n_files; i++)
    if (!(shoal_metainfo_get_file (info, i)->attributes & SHOAL_FILE_ATTRIBUTE_PAD))
      n_real++;
  printf ("Files (%u):\n", n_real);
  for (guint i = 0; i < n_files; i++)
    {
      const ShoalMetainfoFile *f = shoal_metainfo_get_file (info, i);
      g_autofree char *fsize = NULL;
      g_autofree char *attrs = NULL;

      if (f->attributes & SHOAL_FILE_ATTRIBUTE_PAD)
        continue;
      fsize = g_format_size_full (f->length, G_FORMAT_SIZE_IEC_UNITS);
      attrs = attributes_string (f->attributes);
      printf ("  %12s  %s%s%s%s\n", fsize, f->path,
              *attrs ? "  [" : "", attrs, *attrs ? "]" : "");
    }
  printf ("Magnet:        %s\n", magnet);
}

static void
print_magnet (ShoalMagnet *magnet)
{
  const guint8 *v1 = shoal_magnet_get_info_hash_v1 (magnet);
  const guint8 *v2 = shoal_magnet_get_info_hash_v2 (magnet);
  const char * const *trackers = shoal_magnet_get_trackers (magnet);
  const char * const *web_seeds = shoal_magnet_get_web_seeds (magnet);
  const char * const *peers = shoal_magnet_get_peers (magnet);
  const ShoalMagnetRange *ranges;
  guint n_ranges = 0;

  printf ("Name:          %s\n", shoal_magnet_get_display_name (magnet) ? shoal_magnet_get_display_name (magnet) : "(unknown until metadata arrives)");
  if (v1 != NULL)
    {
      g_autofree char *hex = shoal_hex_encode (v1, SHOAL_SHA1_LEN);

      printf ("Info-hash v1:  %s\n", hex);
    }
  if (v2 != NULL)
    {
      g_autofree char *hex = shoal_hex_encode (v2, SHOAL_SHA256_LEN);

      printf ("Info-hash v2:  %s\n", hex);
    }
  printf ("Size:          unknown until metadata arrives\n");
  if (trackers == NULL || trackers[0] == NULL)
    printf ("Trackers:      none\n");
  else
    {
      printf ("Trackers:\n");
      for (guint i = 0; trackers[i] != NULL; i++)
        printf ("  Tier %-3u     %s\n", i + 1, trackers[i]);
    }
  if (web_seeds != NULL && web_seeds[0] != NULL)
    {
      printf ("Web seeds:\n");
      for (guint i = 0; web_seeds[i] != NULL; i++)
        printf ("  %s\n", web_seeds[i]);
    }
  if (peers != NULL && peers[0] != NULL)
    {
      printf ("Peers:\n");
      for (guint i = 0; peers[i] != NULL; i++)
        printf ("  %s\n", peers[i]);
    }
  ranges = shoal_magnet_get_select_only (magnet, &n_ranges);
  if (ranges != NULL)
    {
      printf ("Files chosen: ");
      for (guint i = 0; i < n_ranges; i++)
        {
          if (ranges[i].first == ranges[i].last)
            printf (" %u", ranges[i].first);
          else
            printf (" %u-%u", ranges[i].first, ranges[i].last);
        }
      printf ("\n");
    }
}

static void
print_json (JsonNode *root)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
}

/**
 * shoal_cli_info:
 *
 * Prints what a .torrent file or a magnet link describes. Exits 0 on
 * success, 1 with one line on stderr if the input is unusable, 2 on a usage
 * error.
 */
int
shoal_cli_info (int    argc,
                char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("FILE.torrent|MAGNET — show what a torrent describes");
  g_autoptr(GError) error = NULL;
  const char *input;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_help_enabled (context, TRUE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "shoal-cli info: %s\n", error->message);
      return 2;
    }
  if (argc != 2)
    {
      fprintf (stderr, "shoal-cli info: expected exactly one .torrent file or magnet link\n");
      return 2;
    }
  input = argv[1];

  if (g_ascii_strncasecmp (input, "magnet:", 7) == 0)
    {
      g_autoptr(ShoalMagnet) magnet = shoal_magnet_new_from_uri (input, &error);

      if (magnet == NULL)
        {
          fprintf (stderr, "shoal-cli: invalid magnet link: %s\n", error->message);
          return 1;
        }
      if (json)
        {
          g_autoptr(JsonNode) root = magnet_to_json (magnet);

          print_json (root);
        }
      else
        print_magnet (magnet);
    }
  else
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (input);
      g_autoptr(ShoalMetainfo) info = shoal_metainfo_new_from_file (file, NULL, &error);

      if (info == NULL)
        {
          fprintf (stderr, "shoal-cli: %s: %s\n", input, error->message);
          return 1;
        }
      if (json)
        {
          g_autoptr(JsonNode) root = metainfo_to_json (info);

          print_json (root);
        }
      else
        print_metainfo (info);
    }

  return 0;
}
