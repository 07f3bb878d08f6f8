/* shoal-storage-io.h: low-level file helpers for ShoalStorage
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Internal to the engine; these run in disk worker threads.
 */
#pragma once

#include <glib.h>

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
gboolean shoal_storage_io_make_parents      (const char  *path,
                                             GError     **error);
gboolean shoal_storage_io_move_file         (const char  *src,
                                             const char  *dest,
                                             GError     **error);
void     shoal_storage_io_remove_empty_dirs (const char  *root,
                                             GPtrArray   *relative_files);

G_END_DECLS
