/* shoal-storage-io.h: low-level file helpers for ShoalStorage
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Internal to the engine; these run in disk worker threads.
 */
#pragma once

#include <glib.h>
#include <sys/stat.h>

G_BEGIN_DECLS

void     shoal_storage_io_set_error         (GError     **error,
                                             int          errsv,
                                             const char  *action,
                                             const char  *path);
gboolean shoal_storage_io_pread             (int          fd,
                                             void        *buf,
                                             gsize        len,
                                             guint64      offset,
                                             gsize       *n_read,
                                             int         *errsv);
gboolean shoal_storage_io_pwrite            (int          fd,
                                             const void  *buf,
                                             gsize        len,
                                             guint64      offset,
                                             int         *errsv);
int      shoal_storage_io_open_root         (const char  *root,
                                             gboolean     create,
                                             GError     **error);
int      shoal_storage_io_open_parent       (int          root_fd,
                                             const char  *root,
                                             const char  *rel,
                                             gboolean     create,
                                             char       **base,
                                             GError     **error);
int      shoal_storage_io_open_below        (const char  *root,
                                             const char  *rel,
                                             int          flags,
                                             mode_t       mode,
                                             gboolean     create_root,
                                             struct stat *st,
                                             GError     **error);
gboolean shoal_storage_io_stat_below        (const char  *root,
                                             const char  *rel,
                                             struct stat *st,
                                             GError     **error);
gboolean shoal_storage_io_unlink_below      (const char  *root,
                                             const char  *rel,
                                             gboolean     remove_dir,
                                             GError     **error);
gboolean shoal_storage_io_rename_below      (const char  *root,
                                             const char  *rel,
                                             int          dest_fd,
                                             const char  *name,
                                             GError     **error);
gboolean shoal_storage_io_move_below        (const char  *src_root,
                                             const char  *src_rel,
                                             const char  *dest_root,
                                             const char  *dest_rel,
                                             GError     **error);
gboolean shoal_storage_io_make_parents      (const char  *path,
                                             GError     **error);
gboolean shoal_storage_io_move_file         (const char  *src,
                                             const char  *dest,
                                             GError     **error);
void     shoal_storage_io_remove_empty_dirs (const char  *root,
                                             GPtrArray   *relative_files);

G_END_DECLS
