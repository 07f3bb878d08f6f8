/* shoal-torrent-creator-hash.c: hashing a new torrent's pieces
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Worker threads take units of a few pieces each, read the piece stream
 * (file data, then the zero padding that aligns the next file to a piece)
 * and hash it: SHA-1 per piece for v1 and, for v2 and hybrids, SHA-256
 * per 16 KiB block reduced to one hash per piece and, at the end, to each
 * file's pieces root (shoal-merkle). A v2-only torrent's padding is only a
 * layout: it is neither read nor hashed.
 * Part of the torrent creator (shoal-torrent-creator-private.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <string.h>
#include <unistd.h>

#include "shoal-disk-pool.h"
#include "shoal-torrent-creator-private.h"

#define READ_CHUNK        (1024 * 1024)

/* Hashing */

typedef struct
{
  int      fd;
  guint    fd_file;
  guint8  *buffer;
  guint8  *leaves;        /* one piece's worth of 16 KiB leaf hashes */
  guint64  n_leaves;
  gnutls_hash_hd_t sha1;
  gnutls_hash_hd_t sha256;  /* kept across blocks: no set-up per 16 KiB */
} Worker;

/* The first file whose extent (data and padding) reaches past @offset. */
static guint
find_file (Job     *job,
           guint64  offset)
{
  guint lo = 0, hi = job->files->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      CreatorFile *file = g_ptr_array_index (job->files, mid);

      if (file->offset + file->length + file->pad > offset)
        hi = mid;
      else
        lo = mid + 1;
    }
  g_assert (lo < job->files->len);
  return lo;
}

/* Fills @buffer with @len bytes of the piece stream from @offset; returns
 * how many of them were file data (not padding). */
static gboolean
read_stream (Job      *job,
             Worker   *worker,
             guint64   offset,
             guint8   *buffer,
             gsize     len,
             guint64  *data_bytes,
             GError  **error)
{
  guint index = find_file (job, offset);

  *data_bytes = 0;
  while (len > 0)
    {
      CreatorFile *file = g_ptr_array_index (job->files, index);
      guint64 data_end = file->offset + file->length;

      if (offset < data_end)
        {
          gsize want = (gsize) MIN ((guint64) len, data_end - offset);
          ssize_t got;

          if (worker->fd < 0 || worker->fd_file != index)
            {
              if (worker->fd >= 0)
                close (worker->fd);
              worker->fd = open (file->disk_path, O_RDONLY | O_CLOEXEC);
              if (worker->fd < 0)
                return fail_errno (error, errno, file->disk_path, "open");
              worker->fd_file = index;
            }
          do
            got = pread (worker->fd, buffer, want, (off_t) (offset - file->offset));
          while (got < 0 && errno == EINTR);
          if (got < 0)
            return fail_errno (error, errno, file->disk_path, "read");
          if (got == 0)
            {
              g_autofree char *display = g_filename_display_name (file->disk_path);

              return fail (error, SHOAL_TORRENT_CREATOR_ERROR_FILE_CHANGED,
                           "“%s” got shorter while it was being hashed", display);
            }
          buffer += got;
          offset += (guint64) got;
          len -= (gsize) got;
          *data_bytes += (guint64) got;
        }
      else if (offset < data_end + file->pad)
        {
          gsize n = (gsize) MIN ((guint64) len, data_end + file->pad - offset);

          memset (buffer, 0, n);
          buffer += n;
          offset += n;
          len -= n;
        }
      else
        index++;
    }
  return TRUE;
}

static void
finish_piece (Job    *job,
              Worker *worker,
              guint64 piece)
{
  if (job->v1)
    gnutls_hash_output (worker->sha1, job->v1_hashes + piece * SHOAL_SHA1_LEN);
  if (job->v2)
    {
      static const guint8 zero[SHOAL_SHA256_LEN] = { 0, };
      CreatorFile *file = g_ptr_array_index (job->files, find_file (job, piece * job->piece_length));
      guint64 width = file->n_pieces > 1 ? job->piece_length / BLOCK_SIZE
                                         : shoal_merkle_width (worker->n_leaves);

      shoal_merkle_reduce (worker->leaves, worker->n_leaves, width, zero,
                           job->v2_hashes + piece * SHOAL_SHA256_LEN);
      worker->n_leaves = 0;
    }
}

static gboolean
hash_unit (Job     *job,
           Worker  *worker,
           guint64  unit,
           GError **error)
{
  guint64 first = unit * job->pieces_per_unit;
  guint64 start = first * job->piece_length;
  guint64 end = MIN (job->stream_length, (first + job->pieces_per_unit) * job->piece_length);

  while (start < end)
    {
      gsize len = (gsize) MIN ((guint64) READ_CHUNK, end - start);
      guint64 data_bytes;
      gsize pos = 0;

      if (g_cancellable_is_cancelled (job->cancellable) || g_atomic_int_get (&job->failed))
        return TRUE;
      if (!job->v1)
        {
          CreatorFile *file = g_ptr_array_index (job->files, find_file (job, start));
          guint64 data_end = file->offset + file->length;

          /* The padding completes the file's last piece and ends on a
           * piece boundary, inside this unit. */
          if (start >= data_end)
            {
              g_assert ((data_end + file->pad) % job->piece_length == 0);
              g_assert (data_end + file->pad <= end);
              finish_piece (job, worker, data_end / job->piece_length);
              start = data_end + file->pad;
              continue;
            }
          len = (gsize) MIN ((guint64) len, data_end - start);
        }
      if (!read_stream (job, worker, start, worker->buffer, len, &data_bytes, error))
        return FALSE;

      while (pos < len)
        {
          guint64 at = start + pos;
          guint64 piece = at / job->piece_length;
          guint64 in_piece = at % job->piece_length;
          guint64 piece_size = MIN (job->piece_length, job->stream_length - piece * job->piece_length);
          gsize seg = (gsize) MIN ((guint64) (len - pos), piece_size - in_piece);

          if (!job->v2)
            gnutls_hash (worker->sha1, worker->buffer + pos, seg);
          else
            {
              CreatorFile *file = g_ptr_array_index (job->files, find_file (job, at));

              /* Pieces and reads start on block boundaries, so blocks never
               * straddle a read. */
              for (gsize b = 0; b < seg; b += BLOCK_SIZE)
                {
                  gsize n = MIN ((gsize) BLOCK_SIZE, seg - b);
                  guint64 file_pos = at + b - file->offset;

                  if (job->v1)
                    gnutls_hash (worker->sha1, worker->buffer + pos + b, n);
                  if (file_pos < file->length)
                    {
                      gsize leaf_len = (gsize) MIN ((guint64) n, file->length - file_pos);

                      gnutls_hash (worker->sha256, worker->buffer + pos + b, leaf_len);
                      gnutls_hash_output (worker->sha256, worker->leaves + worker->n_leaves * SHOAL_SHA256_LEN);
                      worker->n_leaves++;
                    }
                }
            }
          pos += seg;
          if (in_piece + seg == piece_size)
            finish_piece (job, worker, piece);
        }

      __atomic_fetch_add (&job->hashed, data_bytes, __ATOMIC_RELAXED);
      start += len;
    }
  return TRUE;
}

static void
hash_worker (gpointer data,
             gpointer user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  Worker worker = { .fd = -1 };
  int rc;

  shoal_disk_pool_lower_thread_priority ();
  worker.buffer = g_malloc (READ_CHUNK);
  if (job->v2)
    worker.leaves = g_malloc ((job->piece_length / BLOCK_SIZE) * SHOAL_SHA256_LEN);
  rc = gnutls_hash_init (&worker.sha1, GNUTLS_DIG_SHA1);
  g_assert (rc == 0);
  rc = gnutls_hash_init (&worker.sha256, GNUTLS_DIG_SHA256);
  g_assert (rc == 0);

  for (;;)
    {
      guint64 unit = __atomic_fetch_add (&job->next_unit, 1, __ATOMIC_RELAXED);

      if (unit >= job->n_units || g_atomic_int_get (&job->failed) ||
          g_cancellable_is_cancelled (job->cancellable))
        break;
      if (!hash_unit (job, &worker, unit, &error))
        {
          g_mutex_lock (&job->error_lock);
          if (job->error == NULL)
            job->error = g_steal_pointer (&error);
          g_mutex_unlock (&job->error_lock);
          g_atomic_int_set (&job->failed, 1);
          break;
        }
    }

  gnutls_hash_deinit (worker.sha1, NULL);
  gnutls_hash_deinit (worker.sha256, NULL);
  if (worker.fd >= 0)
    close (worker.fd);
  g_free (worker.leaves);
  g_free (worker.buffer);
}

gboolean
_shoal_torrent_creator_hash_all (Job     *job,
                                 GError **error)
{
  guint n_workers = (guint) MIN ((guint64) MAX (1, g_get_num_processors ()), job->n_units);
  GThreadPool *pool;

  __atomic_store_n (&job->total, job->content_length, __ATOMIC_RELAXED);
  pool = g_thread_pool_new (hash_worker, job, (gint) n_workers, TRUE, error);
  if (pool == NULL)
    return FALSE;
  for (guint i = 0; i < n_workers; i++)
    g_thread_pool_push (pool, GUINT_TO_POINTER (i + 1), NULL);
  /* Waits for every worker to return. */
  g_thread_pool_free (pool, FALSE, TRUE);

  if (job->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&job->error));
      return FALSE;
    }
  if (g_cancellable_set_error_if_cancelled (job->cancellable, error))
    return FALSE;
  return TRUE;
}

void
_shoal_torrent_creator_compute_roots (Job *job)
{
  guint8 piece_pad[SHOAL_SHA256_LEN];
  guint8 *scratch = NULL;

  /* The root of a piece whose blocks are all beyond the end of a file. */
  shoal_merkle_pad_hash (job->piece_length / BLOCK_SIZE, piece_pad);

  for (guint i = 0; i < job->files->len; i++)
    {
      CreatorFile *file = g_ptr_array_index (job->files, i);
      const guint8 *layer = job->v2_hashes + file->first_piece * SHOAL_SHA256_LEN;

      if (file->length == 0)
        continue;
      if (file->n_pieces == 1)
        {
          memcpy (file->root, layer, SHOAL_SHA256_LEN);
          continue;
        }
      scratch = g_realloc (scratch, file->n_pieces * SHOAL_SHA256_LEN);
      memcpy (scratch, layer, file->n_pieces * SHOAL_SHA256_LEN);
      shoal_merkle_reduce (scratch, file->n_pieces, shoal_merkle_width (file->n_pieces), piece_pad, file->root);
    }
  g_free (scratch);
}
