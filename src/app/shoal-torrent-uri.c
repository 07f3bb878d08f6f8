/* shoal-torrent-uri.c: the URIs of a torrent: its data and its magnet link
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-torrent-uri.h"

/**
 * shoal_torrent_dup_data_uri:
 * @torrent: a torrent
 *
 * The data of a torrent is its top-level file or folder inside the save
 * folder; both are named after the first component of the file paths.
 *
 * Returns: (transfer full): a file:// URI of the downloaded data
 */
char *
shoal_torrent_dup_data_uri (ShoalTorrent *torrent)
{
  ShoalMetainfo *info = shoal_torrent_get_metainfo (torrent);
  const ShoalMetainfoFile *first;
  g_autofree char *top = NULL;
  g_autofree char *path = NULL;
  const char *slash;

  /* A magnet link whose metadata has not arrived has no files yet. */
  if (info == NULL || shoal_metainfo_get_n_files (info) == 0)
    return g_filename_to_uri (shoal_torrent_get_save_dir (torrent), NULL, NULL);

  first = shoal_metainfo_get_file (info, 0);
  slash = strchr (first->path, '/');
  top = slash != NULL ? g_strndup (first->path, (gsize) (slash - first->path)) : g_strdup (first->path);
  path = g_build_filename (shoal_torrent_get_save_dir (torrent), top, NULL);

  return g_filename_to_uri (path, NULL, NULL);
}

/**
 * shoal_torrent_dup_magnet:
 * @torrent: a torrent
 *
 * The magnet link of @torrent: from its metainfo when known (with its
 * trackers), else from its info-hash and name, which is all a torrent
 * still fetching its metadata has.
 *
 * Returns: (transfer full): a magnet: URI
 */
char *
shoal_torrent_dup_magnet (ShoalTorrent *torrent)
{
  ShoalMetainfo *info = shoal_torrent_get_metainfo (torrent);
  g_autofree char *name = NULL;

  if (info != NULL)
    return shoal_metainfo_to_magnet (info);

  name = shoal_magnet_escape_value (shoal_torrent_get_name (torrent));
  return g_strdup_printf ("magnet:?xt=urn:btih:%s&dn=%s", shoal_torrent_get_info_hash_hex (torrent), name);
}
