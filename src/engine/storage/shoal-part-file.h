/* shoal-part-file.h: verified pieces kept aside for skipped files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Internal to ShoalStorage. Thread-safe.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ShoalPartFile ShoalPartFile;

ShoalPartFile *shoal_part_file_new          (const char     *path,
                                             guint           n_pieces,
                                             guint64         piece_length);
void           shoal_part_file_free         (ShoalPartFile  *self);

char          *shoal_part_file_dup_path     (ShoalPartFile  *self);
void           shoal_part_file_set_path     (ShoalPartFile  *self,
                                             const char     *path);
gboolean       shoal_part_file_relocate     (ShoalPartFile  *self,
                                             const char     *path,
                                             GError        **error);

gboolean       shoal_part_file_has_piece    (ShoalPartFile  *self,
                                             guint           piece);
GArray        *shoal_part_file_list_pieces  (ShoalPartFile  *self);
gboolean       shoal_part_file_write_piece  (ShoalPartFile  *self,
                                             guint           piece,
                                             const guint8   *data,
                                             gsize           len,
                                             GError        **error);
gboolean       shoal_part_file_read         (ShoalPartFile  *self,
                                             guint           piece,
                                             guint64         offset,
                                             guint8         *buf,
                                             gsize           len,
                                             GError        **error);
gboolean       shoal_part_file_remove_piece (ShoalPartFile  *self,
                                             guint           piece,
                                             GError        **error);
gboolean       shoal_part_file_delete       (ShoalPartFile  *self,
                                             GError        **error);

G_END_DECLS
