/* shoal-metainfo-v2.h: a v2 torrent's pieces and piece layers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the engine needs of a BEP 52 torrent beyond the public getters:
 * where a v2 piece lies (v2 pieces never span files), the hash a piece is
 * checked against and the check itself, and the piece layers a torrent made
 * from an info dictionary alone (a magnet link) lacks until peers send them.
 * Not part of the public API. Part of metainfo/; may use util/.
 */
#pragma once

#include <glib.h>

#include "shoal-hash.h"
#include "shoal-metainfo.h"

G_BEGIN_DECLS

ShoalMetainfo *shoal_metainfo_new_without_layers     (GBytes         *bytes,
                                                      GError        **error);

gboolean       shoal_metainfo_v2_locate_piece        (ShoalMetainfo  *self,
                                                      guint           piece,
                                                      guint          *file_index,
                                                      guint64        *piece_in_file,
                                                      guint64        *data_length);
gboolean       shoal_metainfo_range_is_padding       (ShoalMetainfo  *self,
                                                      guint           piece,
                                                      guint64         begin,
                                                      guint64         length);
gboolean       shoal_metainfo_v2_check_piece         (ShoalMetainfo  *self,
                                                      guint           piece,
                                                      const guint8   *data,
                                                      gsize           len);
void           shoal_metainfo_v2_piece_root          (const guint8   *data,
                                                      gsize           data_length,
                                                      guint64         width,
                                                      guint8          out[SHOAL_SHA256_LEN]);

gboolean       shoal_metainfo_v2_file_needs_layer    (ShoalMetainfo  *self,
                                                      guint           file_index);
gboolean       shoal_metainfo_v2_needs_layers        (ShoalMetainfo  *self);
gint           shoal_metainfo_v2_find_file           (ShoalMetainfo  *self,
                                                      const guint8   *pieces_root);
gboolean       shoal_metainfo_v2_set_piece_layer     (ShoalMetainfo  *self,
                                                      guint           file_index,
                                                      const guint8   *hashes,
                                                      gsize           n_hashes,
                                                      GError        **error);
GBytes        *shoal_metainfo_v2_dup_bytes_with_layers (ShoalMetainfo *self);

G_END_DECLS
