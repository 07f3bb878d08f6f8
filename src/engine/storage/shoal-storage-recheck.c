/* shoal-storage-recheck.c: finding out which pieces the files hold
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The pieces to check are cut into chunks: runs of consecutive pieces, at
 * most RECHECK_CHUNK bytes long (or one piece, if pieces are larger), that
 * never cross a piece left out of the check. Every worker of the pool
 * takes the next chunk in turn, reads it with one large sequential read
 * and hashes its pieces, so the reads stay large and in disk order while
 * all threads hash.
 */
#include "config.h"

#include <string.h>

#include "shoal-storage-private.h"

/* Reads of 1 MiB are large enough to keep a disk streaming, and a buffer
 * that size stays in a core's L2 cache, so the copy out of the page cache
 * and the hashing that follows do not go through L3 or RAM: on a hot cache
 * this checked 1 GiB of 1 MiB pieces about 12% faster than 4 MiB reads. */
#define RECHECK_CHUNK          (1024 * 1024)
#define PROGRESS_INTERVAL_MS   100

typedef struct
{
  guint first;
  guint n_pieces;
} RecheckChunk;

typedef struct
{
  ShoalStorage            *self;
  GTask                   *task;
  GCancellable            *cancellable;
  guint                    n_pieces;       /* of the torrent */
  guint                    n_selected;     /* pieces to check */
  guint                    chunk_pieces;   /* at most, per chunk */
  GArray                  *chunks;         /* of RecheckChunk, in stream order */
  gint                     next_chunk;     /* atomic */
  gint                     done;           /* atomic */
  gint                     running;        /* atomic */
  guint8                  *good;           /* per piece, each written by one thread */
  GMutex                   lock;           /* guards the fields below */
  GThread                 *threads[64];
  guint                    n_threads;
  guint                    n_hashed;
  guint64                  bytes_read;
  GError                  *inconsistent;   /* the first piece a hybrid's hashes disagree on */
  ShoalStorageProgressFunc progress;
  gpointer                 progress_data;
  GSource                 *progress_source;
  guint                    last_reported;
} Recheck;

guint
shoal_storage_get_last_recheck_n_threads (ShoalStorage *self)
{
  g_return_val_if_fail (SHOAL_IS_STORAGE (self), 0);

  return self->last_recheck_threads;
}

guint
shoal_storage_get_last_recheck_n_hashed (ShoalStorage *self)
{
  g_return_val_if_fail (SHOAL_IS_STORAGE (self), 0);

  return self->last_recheck_hashed;
}

guint64
shoal_storage_get_last_recheck_bytes_read (ShoalStorage *self)
{
  g_return_val_if_fail (SHOAL_IS_STORAGE (self), 0);

  return self->last_recheck_bytes_read;
}

static void
recheck_clear (Recheck *recheck)
{
  g_clear_object (&recheck->task);
  g_clear_pointer (&recheck->chunks, g_array_unref);
  g_free (recheck->good);
  g_clear_error (&recheck->inconsistent);
  g_mutex_clear (&recheck->lock);
  if (recheck->progress_source != NULL)
    {
      g_source_destroy (recheck->progress_source);
      g_source_unref (recheck->progress_source);
    }
}

static void
recheck_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, (GDestroyNotify) recheck_clear);
}

static gboolean
recheck_progress_cb (gpointer data)
{
  Recheck *recheck = data;
  guint done = (guint) g_atomic_int_get (&recheck->done);

  if (done != recheck->last_reported)
    {
      recheck->last_reported = done;
      recheck->progress (done, recheck->n_selected, recheck->progress_data);
    }
  return G_SOURCE_CONTINUE;
}

static void
recheck_return (Recheck *recheck)
{
  ShoalStorage *self = recheck->self;
  ShoalBitfield *result;

  /* Every worker is done: the lock only orders these reads after them. */
  g_mutex_lock (&recheck->lock);
  self->last_recheck_threads = recheck->n_threads;
  self->last_recheck_hashed = recheck->n_hashed;
  self->last_recheck_bytes_read = recheck->bytes_read;
  g_mutex_unlock (&recheck->lock);

  if (g_task_return_error_if_cancelled (recheck->task))
    return;
  /* Data that passes one of a hybrid's hash sets and fails the other must
   * not be seeded: the torrent itself is wrong. */
  if (recheck->inconsistent != NULL)
    {
      g_task_return_error (recheck->task, g_steal_pointer (&recheck->inconsistent));
      return;
    }

  result = shoal_bitfield_new (recheck->n_pieces);
  for (guint i = 0; i < recheck->n_pieces; i++)
    if (recheck->good[i])
      shoal_bitfield_set (result, i, TRUE);
  g_task_return_pointer (recheck->task, result, (GDestroyNotify) shoal_bitfield_free);
}

/* Runs on the caller's context, so that the last progress report comes
 * before the result and none after it. */
static gboolean
recheck_finish_on_context_cb (gpointer data)
{
  Recheck *recheck = data;

  g_source_destroy (recheck->progress_source);
  recheck_progress_cb (recheck);
  recheck_return (recheck);
  return G_SOURCE_REMOVE;
}

static void
recheck_chunk (Recheck            *recheck,
               guint8             *buf,
               const RecheckChunk *chunk,
               guint              *n_hashed,
               guint64            *bytes_read)
{
  ShoalStorage *self = recheck->self;
  guint first = chunk->first;
  guint last = first + chunk->n_pieces;
  guint64 start = _shoal_storage_piece_start (self, first);
  guint64 end = MIN (_shoal_storage_piece_start (self, last), self->total_length);
  g_autoptr(GArray) bad = g_array_new (FALSE, FALSE, sizeof (guint64));

  _shoal_storage_read_stream (self, start, buf, end - start, TRUE, bad, NULL);
  *bytes_read += end - start;

  for (guint p = first; p < last; p++)
    {
      guint64 ps = _shoal_storage_piece_start (self, p);
      guint64 size = shoal_metainfo_get_piece_size (self->info, p);
      guint8 *data = buf + (ps - start);
      gboolean readable = TRUE;

      if (g_cancellable_is_cancelled (recheck->cancellable))
        return;

      if (shoal_part_file_has_piece (self->part, p))
        readable = shoal_part_file_read (self->part, p, 0, data, size, NULL);
      else
        {
          for (guint b = 0; b < bad->len; b += 2)
            if (g_array_index (bad, guint64, b) < ps + size &&
                g_array_index (bad, guint64, b + 1) > ps)
              readable = FALSE;
        }

      if (readable)
        {
          g_autoptr(GError) error = NULL;

          recheck->good[p] = _shoal_storage_check_piece_hash (self, p, data, size, &error);
          if (g_error_matches (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_INCONSISTENT_HASHES))
            {
              g_mutex_lock (&recheck->lock);
              if (recheck->inconsistent == NULL)
                recheck->inconsistent = g_steal_pointer (&error);
              g_mutex_unlock (&recheck->lock);
            }
          _shoal_storage_set_verified (self, p, recheck->good[p]);
          (*n_hashed)++;
        }
      g_atomic_int_inc (&recheck->done);
    }
}

static void
recheck_job_run (gpointer data)
{
  Recheck *recheck = data;
  g_autofree guint8 *buf = g_malloc ((gsize) recheck->chunk_pieces * recheck->self->piece_length);
  guint n_hashed = 0;
  guint64 bytes_read = 0;

  for (;;)
    {
      gint chunk = g_atomic_int_add (&recheck->next_chunk, 1);

      if ((guint) chunk >= recheck->chunks->len ||
          g_cancellable_is_cancelled (recheck->cancellable))
        break;
      recheck_chunk (recheck, buf, &g_array_index (recheck->chunks, RecheckChunk, chunk),
                     &n_hashed, &bytes_read);
    }

  g_mutex_lock (&recheck->lock);
  recheck->n_hashed += n_hashed;
  recheck->bytes_read += bytes_read;
  if (n_hashed > 0)
    {
      GThread *me = g_thread_self ();
      gboolean known = FALSE;

      for (guint i = 0; i < recheck->n_threads; i++)
        known |= recheck->threads[i] == me;
      if (!known && recheck->n_threads < G_N_ELEMENTS (recheck->threads))
        recheck->threads[recheck->n_threads++] = me;
    }
  g_mutex_unlock (&recheck->lock);

  if (!g_atomic_int_dec_and_test (&recheck->running))
    return;

  if (recheck->progress_source != NULL)
    {
      GSource *idle = g_idle_source_new ();

      g_source_set_priority (idle, G_PRIORITY_DEFAULT);
      g_source_set_callback (idle, recheck_finish_on_context_cb,
                             g_atomic_rc_box_acquire (recheck), recheck_unref);
      g_source_attach (idle, g_task_get_context (recheck->task));
      g_source_unref (idle);
    }
  else
    recheck_return (recheck);
}

static void
add_run (GArray *chunks,
         guint   first,
         guint   end,
         guint   chunk_pieces)
{
  for (guint p = first; p < end; )
    {
      RecheckChunk chunk = { p, MIN (chunk_pieces, end - p) };

      g_array_append_val (chunks, chunk);
      p += chunk.n_pieces;
    }
}

/* Cuts the pieces set in @pieces (all of them if %NULL) into chunks. */
static GArray *
make_chunks (guint                n_pieces,
             const ShoalBitfield *pieces,
             guint                chunk_pieces,
             guint               *n_selected)
{
  GArray *chunks = g_array_new (FALSE, FALSE, sizeof (RecheckChunk));
  gint first;

  *n_selected = 0;
  if (pieces == NULL)
    {
      add_run (chunks, 0, n_pieces, chunk_pieces);
      *n_selected = n_pieces;
      return chunks;
    }

  for (first = shoal_bitfield_next_set (pieces, 0); first >= 0; )
    {
      gint next_unset = shoal_bitfield_next_unset (pieces, (guint) first);
      guint end = next_unset < 0 ? n_pieces : (guint) next_unset;

      add_run (chunks, (guint) first, end, chunk_pieces);
      *n_selected += end - (guint) first;
      if (end >= n_pieces)
        break;
      first = shoal_bitfield_next_set (pieces, end);
    }
  return chunks;
}

static void
recheck_start (ShoalStorage             *self,
               const ShoalBitfield      *pieces,
               GCancellable             *cancellable,
               ShoalStorageProgressFunc  progress_callback,
               gpointer                  progress_data,
               gpointer                  source_tag,
               GAsyncReadyCallback       callback,
               gpointer                  user_data)
{
  g_autoptr(GTask) task = NULL;
  Recheck *recheck;
  guint n_jobs;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  if (pieces != NULL && shoal_bitfield_get_size (pieces) != self->n_pieces)
    {
      g_task_return_new_error (task, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_OUT_OF_RANGE,
                               "Cannot check %u pieces of a torrent that has %u",
                               shoal_bitfield_get_size (pieces), self->n_pieces);
      return;
    }

  /* Cached descriptors may point at files since deleted or replaced; and
   * what is gone now is simply not had, and may be created again. */
  g_mutex_lock (&self->fd_lock);
  _shoal_storage_close_all_fds_locked (self);
  _shoal_storage_forget_opened_locked (self);
  g_mutex_unlock (&self->fd_lock);

  recheck = g_atomic_rc_box_new0 (Recheck);
  recheck->self = self;
  recheck->task = g_steal_pointer (&task);
  recheck->cancellable = cancellable;
  recheck->n_pieces = self->n_pieces;
  recheck->chunk_pieces = (guint) MAX (1, RECHECK_CHUNK / self->piece_length);
  recheck->chunks = make_chunks (self->n_pieces, pieces, recheck->chunk_pieces,
                                 &recheck->n_selected);
  recheck->good = g_malloc0 (MAX (self->n_pieces, 1));
  g_mutex_init (&recheck->lock);
  recheck->progress = progress_callback;
  recheck->progress_data = progress_data;

  if (progress_callback != NULL)
    {
      recheck->progress_source = g_timeout_source_new (PROGRESS_INTERVAL_MS);
      g_source_set_callback (recheck->progress_source, recheck_progress_cb, recheck, NULL);
      g_source_attach (recheck->progress_source, g_task_get_context (recheck->task));
    }

  n_jobs = MAX (1, MIN (shoal_disk_pool_get_n_threads (self->pool), recheck->chunks->len));
  recheck->running = (gint) n_jobs;
  for (guint i = 0; i < n_jobs; i++)
    shoal_disk_pool_push (self->pool, recheck_job_run, g_atomic_rc_box_acquire (recheck),
                          recheck_unref, 0);
  recheck_unref (recheck);
}

/**
 * shoal_storage_recheck_async:
 * @self: a #ShoalStorage
 * @cancellable: (nullable): a #GCancellable
 * @progress_callback: (nullable): called on the caller's main context, at
 *   most ten times a second, with the number of pieces checked
 * @progress_data: data for @progress_callback
 * @callback: called on the current thread-default main context when done
 * @user_data: data for @callback
 *
 * Reads and hashes every piece, on all of the pool's threads, to find out
 * which pieces the files on disk hold. Missing or short files simply mean
 * their pieces are not had. Torrents with v2 hashes (v2-only and hybrid)
 * are checked with SHA-256 against their merkle trees, v1-only ones with
 * SHA-1, hybrids with both: a hybrid whose two hash sets disagree about a
 * piece fails with %SHOAL_STORAGE_ERROR_INCONSISTENT_HASHES.
 */
void
shoal_storage_recheck_async (ShoalStorage             *self,
                             GCancellable             *cancellable,
                             ShoalStorageProgressFunc  progress_callback,
                             gpointer                  progress_data,
                             GAsyncReadyCallback       callback,
                             gpointer                  user_data)
{
  g_return_if_fail (SHOAL_IS_STORAGE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  recheck_start (self, NULL, cancellable, progress_callback, progress_data,
                 shoal_storage_recheck_async, callback, user_data);
}

/**
 * shoal_storage_recheck_pieces_async:
 * @self: a #ShoalStorage
 * @pieces: the pieces to check, one bit per piece of the torrent (copied)
 * @cancellable: (nullable): a #GCancellable
 * @progress_callback: (nullable): called on the caller's main context, at
 *   most ten times a second, with the number of pieces checked out of the
 *   number set in @pieces
 * @progress_data: data for @progress_callback
 * @callback: called on the current thread-default main context when done
 * @user_data: data for @callback
 *
 * Like shoal_storage_recheck_async(), but reads and hashes only the pieces
 * set in @pieces; the others are not read at all. Get the result with
 * shoal_storage_recheck_finish(): it is only meaningful for the pieces in
 * @pieces, the others are always reported as not had. Fails with
 * %SHOAL_STORAGE_ERROR_OUT_OF_RANGE if @pieces does not have one bit per
 * piece.
 */
void
shoal_storage_recheck_pieces_async (ShoalStorage             *self,
                                    const ShoalBitfield      *pieces,
                                    GCancellable             *cancellable,
                                    ShoalStorageProgressFunc  progress_callback,
                                    gpointer                  progress_data,
                                    GAsyncReadyCallback       callback,
                                    gpointer                  user_data)
{
  g_return_if_fail (SHOAL_IS_STORAGE (self));
  g_return_if_fail (pieces != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  /* The chunks are cut here, which is as good as a copy of @pieces. */
  recheck_start (self, pieces, cancellable, progress_callback, progress_data,
                 shoal_storage_recheck_pieces_async, callback, user_data);
}

/**
 * shoal_storage_recheck_finish:
 * @self: a #ShoalStorage
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes shoal_storage_recheck_async() or
 * shoal_storage_recheck_pieces_async().
 *
 * Returns: (transfer full) (nullable): the pieces whose data matches, out
 *   of those that were checked
 */
ShoalBitfield *
shoal_storage_recheck_finish (ShoalStorage  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == shoal_storage_recheck_async ||
                        g_task_get_source_tag (G_TASK (result)) == shoal_storage_recheck_pieces_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
