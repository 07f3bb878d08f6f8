/* shoal-metainfo-private.h: what the .torrent parser's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Only shoal-metainfo.c (the torrent as a whole: fields, trackers, layout
 * checks, the public getters) and shoal-metainfo-files.c (file lists: the
 * v1 layout, the v2 file tree, piece layers) include this.
 */
#pragma once

#include "shoal-bencode.h"
#include "shoal-error.h"
#include "shoal-hash.h"
#include "shoal-metainfo.h"

G_BEGIN_DECLS

typedef struct
{
  ShoalMetainfoFile file;
  const guint8     *layer;          /* v2 piece layer, inside self->bytes or fetched_layer */
  gsize             n_layer_hashes;
  guint8           *fetched_layer;  /* owned: a layer fetched from peers (shoal-metainfo-v2.c) */
} FileEntry;

struct _ShoalMetainfo
{
  GObject             parent_instance;

  GBytes             *bytes;
  GBytes             *info_bytes;
  ShoalTorrentVersion version;
  char               *name;
  guint8              info_hash_v1[SHOAL_SHA1_LEN];
  guint8              info_hash_v2[SHOAL_SHA256_LEN];

  guint64             piece_length;
  guint               n_pieces;
  guint64             total_length;
  guint64             content_size;
  const guint8       *piece_hashes;  /* v1: n_pieces * 20 bytes inside bytes */

  GArray             *files;         /* of FileEntry */
  gboolean            multi_file;

  GPtrArray          *tiers;         /* of GStrv */
  GStrv               web_seeds;
  gboolean            is_private;
  char               *comment;
  char               *created_by;
  char               *source;
  gint64              creation_date;
  gboolean            layers_optional; /* built from an info dict alone: layers come later */
};

typedef struct
{
  GArray    *files;
  GPtrArray *components; /* sanitized components of the current directory, NULL if dropped */
} TreeWalk;

#define fail(error, code, ...) \
  shoal_error_fail ((error), SHOAL_METAINFO_ERROR, (code), __VA_ARGS__)

gboolean _shoal_metainfo_node_is_utf8_string (const ShoalBencodeNode *node);
char *_shoal_metainfo_dup_text (const ShoalBencodeNode *dict,
                                const char             *key);
gint64 _shoal_metainfo_lookup_integer (const ShoalBencodeNode *dict,
                                       const char             *key,
                                       gint64                  fallback);
gboolean _shoal_metainfo_add_to_total (guint64  *total,
                                       guint64   length,
                                       GError  **error);
gboolean _shoal_metainfo_parse_v1_layout (const ShoalBencodeNode  *info,
                                          const char              *name,
                                          GArray                  *files,
                                          gboolean                *multi_file,
                                          GError                 **error);
gboolean _shoal_metainfo_walk_file_tree (TreeWalk                *walk,
                                         const ShoalBencodeNode  *dir,
                                         GError                 **error);
gboolean _shoal_metainfo_attach_piece_layers (const ShoalBencodeNode  *root,
                                              GArray                  *files,
                                              guint64                  piece_length,
                                              gboolean                 allow_missing,
                                              GError                 **error);
gboolean _shoal_metainfo_parse (ShoalMetainfo  *self,
                                GBytes         *bytes,
                                GError        **error);

G_END_DECLS
