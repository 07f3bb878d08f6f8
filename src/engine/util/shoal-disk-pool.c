/* shoal-disk-pool.c: worker threads for disk I/O and hashing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One pool is shared by every torrent of a session, so that the number of
 * threads hammering the disk stays bounded however many torrents there are.
 * The pool counts the bytes its queued jobs hold, which lets the engine stop
 * requesting blocks from peers while too much is waiting to be written.
 */
#include "config.h"

#include "shoal-disk-pool.h"

#ifdef __linux__
#include <errno.h>
#include <sys/resource.h>
#include <unistd.h>
#endif

struct _ShoalDiskPool
{
  GObject      parent_instance;

  GThreadPool *threads;
  guint        n_threads;

  GMutex       mutex;
  guint64      pending_bytes;
  guint        pending_jobs;

  gint         direct_writes; /* atomic */
};

typedef struct
{
  ShoalDiskPool    *pool;
  ShoalDiskPoolFunc func;
  gpointer          data;
  GDestroyNotify    destroy;
  guint64           bytes;
} Job;

G_DEFINE_FINAL_TYPE (ShoalDiskPool, shoal_disk_pool, G_TYPE_OBJECT)

static void
shoal_disk_pool_finalize (GObject *object)
{
  ShoalDiskPool *self = SHOAL_DISK_POOL (object);

  /* Every queued job holds a reference on the pool, so the queue is empty
   * here. The last reference may be dropped by a job's destroy notify, in
   * one of our own threads, which is why we must not wait for them. */
  g_thread_pool_free (self->threads, FALSE, FALSE);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (shoal_disk_pool_parent_class)->finalize (object);
}

static void
shoal_disk_pool_class_init (ShoalDiskPoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = shoal_disk_pool_finalize;
}

static void
shoal_disk_pool_init (ShoalDiskPool *self)
{
  g_mutex_init (&self->mutex);
}

/**
 * shoal_disk_pool_lower_thread_priority:
 *
 * Gives the calling thread a lower scheduling priority (a nice value 5
 * above the process's) the first time it is called in that thread.
 *
 * Hashing and disk work can keep every core busy for seconds; at a lower
 * priority it still gets all the processor time nobody else wants, but
 * the thread of the main loop, which moves the bytes between peers and
 * draws the window, runs first when it has something to do.
 *
 * On Linux, nice values are per thread. Elsewhere this does nothing.
 */
void
shoal_disk_pool_lower_thread_priority (void)
{
#ifdef __linux__
  static __thread gboolean lowered = FALSE;
  int prio;

  if (lowered)
    return;
  lowered = TRUE;
  errno = 0;
  prio = getpriority (PRIO_PROCESS, 0);
  if (errno == 0)
    (void) setpriority (PRIO_PROCESS, (id_t) gettid (), MIN (prio + 5, 19));
#endif
}

static void
run_job (gpointer job_data,
         gpointer user_data)
{
  Job *job = job_data;
  ShoalDiskPool *self = job->pool;

  shoal_disk_pool_lower_thread_priority ();
  job->func (job->data);
  if (job->destroy != NULL)
    job->destroy (job->data);

  g_mutex_lock (&self->mutex);
  g_assert (self->pending_jobs > 0);
  g_assert (self->pending_bytes >= job->bytes);
  self->pending_jobs--;
  self->pending_bytes -= job->bytes;
  g_mutex_unlock (&self->mutex);

  g_free (job);
  g_object_unref (self);
}

/**
 * shoal_disk_pool_new:
 * @n_threads: how many worker threads, or 0 for one per processor
 *
 * Creates a pool of worker threads for disk reads, writes and hashing. At
 * least two threads are always used, so that one slow disk operation does
 * not hold up hashing.
 *
 * Returns: (transfer full): a new #ShoalDiskPool
 */
ShoalDiskPool *
shoal_disk_pool_new (guint n_threads)
{
  ShoalDiskPool *self = g_object_new (SHOAL_TYPE_DISK_POOL, NULL);
  GError *error = NULL;

  if (n_threads == 0)
    n_threads = g_get_num_processors ();
  self->n_threads = CLAMP (n_threads, 2, 64);

  /* Exclusive threads are started at once and never shared with other
   * GThreadPools, so a recheck really gets all of them. */
  self->threads = g_thread_pool_new (run_job, self, (gint) self->n_threads,
                                     TRUE, &error);
  if (self->threads == NULL)
    g_error ("Cannot start disk threads: %s", error->message);

  return self;
}

/**
 * shoal_disk_pool_get_n_threads:
 * @self: a #ShoalDiskPool
 *
 * Returns: the number of worker threads
 */
guint
shoal_disk_pool_get_n_threads (ShoalDiskPool *self)
{
  g_return_val_if_fail (SHOAL_IS_DISK_POOL (self), 0);

  return self->n_threads;
}

/**
 * shoal_disk_pool_get_pending_bytes:
 * @self: a #ShoalDiskPool
 *
 * The number of bytes held by jobs that are queued or running, mostly
 * pieces waiting to be hashed and written. The engine stops requesting
 * blocks while this is too high.
 *
 * Returns: the number of bytes
 */
guint64
shoal_disk_pool_get_pending_bytes (ShoalDiskPool *self)
{
  guint64 bytes;

  g_return_val_if_fail (SHOAL_IS_DISK_POOL (self), 0);

  g_mutex_lock (&self->mutex);
  bytes = self->pending_bytes;
  g_mutex_unlock (&self->mutex);
  return bytes;
}

/**
 * shoal_disk_pool_get_pending_jobs:
 * @self: a #ShoalDiskPool
 *
 * Returns: the number of jobs queued or running
 */
guint
shoal_disk_pool_get_pending_jobs (ShoalDiskPool *self)
{
  guint jobs;

  g_return_val_if_fail (SHOAL_IS_DISK_POOL (self), 0);

  g_mutex_lock (&self->mutex);
  jobs = self->pending_jobs;
  g_mutex_unlock (&self->mutex);
  return jobs;
}

/**
 * shoal_disk_pool_push:
 * @self: a #ShoalDiskPool
 * @func: the job, run in a worker thread
 * @data: data for @func
 * @destroy: (nullable): frees @data, in the worker thread, after @func
 * @bytes: how many bytes of memory the job holds until it is done, counted
 *   by shoal_disk_pool_get_pending_bytes()
 *
 * Queues a job. Jobs run in the order they were queued, as many at once as
 * there are threads. Jobs usually carry a #GTask, whose result reaches the
 * caller's main context.
 */
void
shoal_disk_pool_push (ShoalDiskPool    *self,
                      ShoalDiskPoolFunc func,
                      gpointer          data,
                      GDestroyNotify    destroy,
                      guint64           bytes)
{
  Job *job;

  g_return_if_fail (SHOAL_IS_DISK_POOL (self));
  g_return_if_fail (func != NULL);

  job = g_new0 (Job, 1);
  job->pool = g_object_ref (self);
  job->func = func;
  job->data = data;
  job->destroy = destroy;
  job->bytes = bytes;

  g_mutex_lock (&self->mutex);
  self->pending_jobs++;
  self->pending_bytes += bytes;
  g_mutex_unlock (&self->mutex);

  g_thread_pool_push (self->threads, job, NULL);
}

/**
 * shoal_disk_pool_set_direct_writes:
 * @self: a pool
 * @enabled: whether whole pieces may be written past the page cache
 *
 * A policy for the storages whose jobs run here, read by their workers at
 * each write (see shoal-storage.c, "Direct writes"). Off for a new pool.
 */
void
shoal_disk_pool_set_direct_writes (ShoalDiskPool *self,
                                   gboolean       enabled)
{
  g_return_if_fail (SHOAL_IS_DISK_POOL (self));
  g_atomic_int_set (&self->direct_writes, !!enabled);
}

gboolean
shoal_disk_pool_get_direct_writes (ShoalDiskPool *self)
{
  g_return_val_if_fail (SHOAL_IS_DISK_POOL (self), FALSE);
  return g_atomic_int_get (&self->direct_writes);
}
