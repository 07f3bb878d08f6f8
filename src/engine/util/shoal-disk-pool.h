/* shoal-disk-pool.h: worker threads for disk I/O and hashing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * ShoalDiskPoolFunc:
 * @data: the data passed to shoal_disk_pool_push()
 *
 * A job, run in one of the pool's worker threads.
 */
typedef void (*ShoalDiskPoolFunc) (gpointer data);

#define SHOAL_TYPE_DISK_POOL (shoal_disk_pool_get_type ())
G_DECLARE_FINAL_TYPE (ShoalDiskPool, shoal_disk_pool, SHOAL, DISK_POOL, GObject)

ShoalDiskPool *shoal_disk_pool_new               (guint             n_threads);

guint          shoal_disk_pool_get_n_threads     (ShoalDiskPool    *self);
guint64        shoal_disk_pool_get_pending_bytes (ShoalDiskPool    *self);
guint          shoal_disk_pool_get_pending_jobs  (ShoalDiskPool    *self);

void           shoal_disk_pool_set_direct_writes (ShoalDiskPool    *self,
                                                  gboolean          enabled);
gboolean       shoal_disk_pool_get_direct_writes (ShoalDiskPool    *self);

void           shoal_disk_pool_push              (ShoalDiskPool    *self,
                                                  ShoalDiskPoolFunc func,
                                                  gpointer          data,
                                                  GDestroyNotify    destroy,
                                                  guint64           bytes);

void           shoal_disk_pool_lower_thread_priority (void);

G_END_DECLS
