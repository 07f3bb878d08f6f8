/* shoal-storage.c: a torrent's pieces on disk
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The torrent is one stream of bytes cut into pieces; files are ranges of
 * that stream. Every blocking operation runs in a ShoalDiskPool worker and
 * reports through a GTask, so results arrive on the main context that was
 * thread-default when the operation started.
 *
 * Files are created on the first write of a piece that touches them, sized
 * with ftruncate() so they are sparse (nothing is preallocated). Pad files
 * are never created: their bytes read as zeros. Skipped files are never
 * written either: verified pieces that overlap them go whole into the part
 * file (see shoal-part-file.c), from where they are read and served.
 * Un-skipping a file is two steps: shoal_storage_set_file_skipped() flips
 * the flag at once (new pieces go straight to the file), then
 * shoal_storage_apply_skipped_async() copies the pieces kept in the part
 * file into the files that are now wanted and drops them from the part file
 * once no skipped file needs them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "shoal-hash.h"
#include "shoal-part-file.h"
#include "shoal-storage.h"
#include "shoal-storage-io.h"
#include "shoal-storage-private.h"

#define FD_CACHE_SIZE          16
#define RECHECK_CHUNK          (4 * 1024 * 1024)
#define PROGRESS_INTERVAL_MS   100

typedef struct
{
  int      fd;
  guint    file;
  gboolean writable;
  guint    users;
  guint64  stamp;
  gboolean stale;       /* close once the last user is done */
  gboolean transient;   /* not in the cache: the cache was full */
} FdEntry;

struct _ShoalStorage
{
  GObject        parent_instance;

  ShoalMetainfo *info;
  ShoalDiskPool *pool;
  guint          n_files;
  guint          n_pieces;
  guint64        piece_length;
  guint64        total_length;
  gboolean       has_v1;
  gint          *skipped;          /* per file, atomic */
  gboolean       default_part_path;

  ShoalPartFile *part;

  /* Guards the descriptor cache and save_dir, which workers read to build
   * paths. Lock order: the part file's lock, then this one. */
  GMutex         fd_lock;
  char          *save_dir;
  FdEntry        fds[FD_CACHE_SIZE];
  guint64        fd_clock;

  guint          last_recheck_threads;  /* atomic */
};

G_DEFINE_FINAL_TYPE (ShoalStorage, shoal_storage, G_TYPE_OBJECT)

G_DEFINE_QUARK (shoal-storage-error-quark, shoal_storage_error)

static void close_all_fds (ShoalStorage *self);

static void
shoal_storage_finalize (GObject *object)
{
  ShoalStorage *self = SHOAL_STORAGE (object);

  close_all_fds (self);
  g_clear_pointer (&self->part, shoal_part_file_free);
  g_clear_object (&self->info);
  g_clear_object (&self->pool);
  g_clear_pointer (&self->skipped, g_free);
  g_clear_pointer (&self->save_dir, g_free);
  g_mutex_clear (&self->fd_lock);

  G_OBJECT_CLASS (shoal_storage_parent_class)->finalize (object);
}

static void
shoal_storage_class_init (ShoalStorageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = shoal_storage_finalize;
}

static void
shoal_storage_init (ShoalStorage *self)
{
  g_mutex_init (&self->fd_lock);
  for (guint i = 0; i < FD_CACHE_SIZE; i++)
    self->fds[i].fd = -1;
}

static char *
default_part_path (ShoalMetainfo *info,
                   const char    *save_dir)
{
  g_autofree char *hex = NULL;
  g_autofree char *name = NULL;

  if (shoal_metainfo_get_info_hash_v1 (info) != NULL)
    hex = shoal_metainfo_dup_info_hash_v1_hex (info);
  else
    hex = shoal_metainfo_dup_info_hash_v2_hex (info);
  name = g_strdup_printf (".%s.parts", hex);
  return g_build_filename (save_dir, name, NULL);
}

/**
 * shoal_storage_new:
 * @info: the torrent
 * @save_dir: the directory its files go in (file paths are relative to it)
 * @pool: the session's disk worker pool
 *
 * Creates the storage for a torrent. Nothing is touched on disk until the
 * first write. Pieces overlapping skipped files go to a part file, by
 * default `.<info hash>.parts` in @save_dir; see
 * shoal_storage_set_part_file_path().
 *
 * Returns: (transfer full): a new #ShoalStorage
 */
ShoalStorage *
shoal_storage_new (ShoalMetainfo *info,
                   const char    *save_dir,
                   ShoalDiskPool *pool)
{
  ShoalStorage *self;
  g_autofree char *part_path = NULL;

  g_return_val_if_fail (SHOAL_IS_METAINFO (info), NULL);
  g_return_val_if_fail (save_dir != NULL, NULL);
  g_return_val_if_fail (SHOAL_IS_DISK_POOL (pool), NULL);

  self = g_object_new (SHOAL_TYPE_STORAGE, NULL);
  self->info = g_object_ref (info);
  self->pool = g_object_ref (pool);
  self->save_dir = g_strdup (save_dir);
  self->n_files = shoal_metainfo_get_n_files (info);
  self->n_pieces = shoal_metainfo_get_n_pieces (info);
  self->piece_length = shoal_metainfo_get_piece_length (info);
  self->total_length = shoal_metainfo_get_total_length (info);
  self->has_v1 = (shoal_metainfo_get_version (info) & SHOAL_TORRENT_VERSION_V1) != 0;
  self->skipped = g_new0 (gint, MAX (self->n_files, 1));

  part_path = default_part_path (info, save_dir);
  self->default_part_path = TRUE;
  self->part = shoal_part_file_new (part_path, self->n_pieces, self->piece_length);

  return self;
}

/**
 * shoal_storage_get_metainfo:
 * @self: a #ShoalStorage
 *
 * Returns: (transfer none): the torrent
 */
ShoalMetainfo *
shoal_storage_get_metainfo (ShoalStorage *self)
{
  g_return_val_if_fail (SHOAL_IS_STORAGE (self), NULL);

  return self->info;
}

/**
 * shoal_storage_dup_save_dir:
 * @self: a #ShoalStorage
 *
 * Returns: (transfer full): the directory the files are in
 */
char *
shoal_storage_dup_save_dir (ShoalStorage *self)
{
  char *dir;

  g_return_val_if_fail (SHOAL_IS_STORAGE (self), NULL);

  g_mutex_lock (&self->fd_lock);
  dir = g_strdup (self->save_dir);
  g_mutex_unlock (&self->fd_lock);
  return dir;
}

static char *
file_path_locked (ShoalStorage *self,
                  guint         file)
{
  return g_build_filename (self->save_dir, shoal_metainfo_get_file (self->info, file)->path, NULL);
}

/**
 * shoal_storage_dup_file_path:
 * @self: a #ShoalStorage
 * @file_index: a file of the torrent
 *
 * Returns: (transfer full): where that file is (or will be) on disk
 */
char *
shoal_storage_dup_file_path (ShoalStorage *self,
                             guint         file_index)
{
  char *path;

  g_return_val_if_fail (SHOAL_IS_STORAGE (self), NULL);
  g_return_val_if_fail (file_index < self->n_files, NULL);

  g_mutex_lock (&self->fd_lock);
  path = file_path_locked (self, file_index);
  g_mutex_unlock (&self->fd_lock);
  return path;
}

/**
 * shoal_storage_set_part_file_path:
 * @self: a #ShoalStorage
 * @path: where to keep pieces that overlap skipped files, usually
 *   `<resume dir>/<info hash>.parts`
 *
 * Call this before any I/O; the file is opened lazily and an existing one
 * is read back, so pieces kept there survive restarts.
 */
void
shoal_storage_set_part_file_path (ShoalStorage *self,
                                  const char   *path)
{
  g_return_if_fail (SHOAL_IS_STORAGE (self));
  g_return_if_fail (path != NULL);

  shoal_part_file_set_path (self->part, path);
  self->default_part_path = FALSE;
}

/**
 * shoal_storage_set_file_skipped:
 * @self: a #ShoalStorage
 * @file_index: a file of the torrent
 * @skipped: whether the user does not want the file
 *
 * Skipped files are never created or written; bytes of verified pieces
 * that fall in them are kept in the part file. The change takes effect for
 * the next writes. After un-skipping files, call
 * shoal_storage_apply_skipped_async() to move their bytes out of the part
 * file.
 */
void
shoal_storage_set_file_skipped (ShoalStorage *self,
                                guint         file_index,
                                gboolean      skipped)
{
  g_return_if_fail (SHOAL_IS_STORAGE (self));
  g_return_if_fail (file_index < self->n_files);

  g_atomic_int_set (&self->skipped[file_index], skipped ? 1 : 0);
}

/**
 * shoal_storage_get_file_skipped:
 * @self: a #ShoalStorage
 * @file_index: a file of the torrent
 *
 * Returns: whether the file is skipped
 */
gboolean
shoal_storage_get_file_skipped (ShoalStorage *self,
                                guint         file_index)
{
  g_return_val_if_fail (SHOAL_IS_STORAGE (self), FALSE);
  g_return_val_if_fail (file_index < self->n_files, FALSE);

  return g_atomic_int_get (&self->skipped[file_index]) != 0;
}

guint
shoal_storage_get_last_recheck_n_threads (ShoalStorage *self)
{
  g_return_val_if_fail (SHOAL_IS_STORAGE (self), 0);

  return (guint) g_atomic_int_get (&self->last_recheck_threads);
}

/* File descriptor cache */

static void
close_all_fds_locked (ShoalStorage *self)
{
  for (guint i = 0; i < FD_CACHE_SIZE; i++)
    {
      FdEntry *entry = &self->fds[i];

      if (entry->fd < 0)
        continue;
      if (entry->users > 0)
        entry->stale = TRUE;
      else
        {
          close (entry->fd);
          entry->fd = -1;
        }
    }
}

static void
close_all_fds (ShoalStorage *self)
{
  g_mutex_lock (&self->fd_lock);
  close_all_fds_locked (self);
  g_mutex_unlock (&self->fd_lock);
}

static FdEntry *
find_slot_locked (ShoalStorage *self)
{
  FdEntry *victim = NULL;

  for (guint i = 0; i < FD_CACHE_SIZE; i++)
    {
      FdEntry *entry = &self->fds[i];

      if (entry->fd < 0)
        return entry;
      if (entry->users == 0 && (victim == NULL || entry->stamp < victim->stamp))
        victim = entry;
    }
  if (victim != NULL)
    {
      close (victim->fd);
      victim->fd = -1;
      return victim;
    }
  /* Every descriptor is in use by some worker: go past the bound rather
   * than wait; the descriptor is closed when released. */
  return g_new0 (FdEntry, 1);
}

/*
 * Returns an open descriptor for @file, opening it if needed. Writing
 * creates the file and its directories, and sizes it to its full length
 * (sparse). Release it with release_fd().
 */
static FdEntry *
acquire_fd (ShoalStorage  *self,
            guint          file,
            gboolean       writable,
            GError       **error)
{
  const ShoalMetainfoFile *mf = shoal_metainfo_get_file (self->info, file);
  g_autofree char *path = NULL;
  FdEntry *entry;
  int fd;

  g_mutex_lock (&self->fd_lock);
  for (guint i = 0; i < FD_CACHE_SIZE; i++)
    {
      entry = &self->fds[i];
      if (entry->fd >= 0 && entry->file == file && !entry->stale &&
          (entry->writable || !writable))
        {
          entry->users++;
          entry->stamp = ++self->fd_clock;
          g_mutex_unlock (&self->fd_lock);
          return entry;
        }
    }

  path = file_path_locked (self, file);
  if (writable)
    {
      struct stat st;

      if (!shoal_storage_io_make_parents (path, error))
        goto fail;
      fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
      if (fd < 0)
        {
          int errsv = errno;

          shoal_storage_io_set_error (error, errsv, "writing", path);
          goto fail;
        }
      if (fstat (fd, &st) == 0 && (guint64) st.st_size < mf->length &&
          ftruncate (fd, (off_t) mf->length) < 0)
        {
          int errsv = errno;

          close (fd);
          shoal_storage_io_set_error (error, errsv, "writing", path);
          goto fail;
        }
    }
  else
    {
      fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        {
          int errsv = errno;

          shoal_storage_io_set_error (error, errsv, "reading", path);
          goto fail;
        }
    }

  entry = find_slot_locked (self);
  entry->transient = entry < self->fds || entry >= self->fds + FD_CACHE_SIZE;
  entry->fd = fd;
  entry->file = file;
  entry->writable = writable;
  entry->users = 1;
  entry->stale = FALSE;
  entry->stamp = ++self->fd_clock;
  g_mutex_unlock (&self->fd_lock);
  return entry;

fail:
  g_mutex_unlock (&self->fd_lock);
  return NULL;
}

static void
release_fd (ShoalStorage *self,
            FdEntry      *entry)
{
  g_mutex_lock (&self->fd_lock);
  g_assert (entry->users > 0);
  entry->users--;
  if (entry->users == 0 && (entry->stale || entry->transient))
    {
      close (entry->fd);
      entry->fd = -1;
      if (entry->transient)
        g_free (entry);
    }
  g_mutex_unlock (&self->fd_lock);
}

/* Mapping the piece stream onto files */

static gboolean
file_is_pad (const ShoalMetainfoFile *mf)
{
  return (mf->attributes & SHOAL_FILE_ATTRIBUTE_PAD) != 0;
}

static gboolean
file_is_skipped (ShoalStorage *self,
                 guint         file)
{
  return g_atomic_int_get (&self->skipped[file]) != 0;
}

/* The first file that ends after @offset, or n_files. */
static guint
find_file (ShoalStorage *self,
           guint64       offset)
{
  guint lo = 0;
  guint hi = self->n_files;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const ShoalMetainfoFile *mf = shoal_metainfo_get_file (self->info, mid);

      if (mf->offset + mf->length > offset)
        hi = mid;
      else
        lo = mid + 1;
    }
  return lo;
}

static guint64
piece_start (ShoalStorage *self,
             guint         piece)
{
  return (guint64) piece * self->piece_length;
}

/* Whether any non-pad file overlapping [@start, @start + @len) is skipped. */
static gboolean
range_touches_skipped (ShoalStorage *self,
                       guint64       start,
                       guint64       len)
{
  for (guint i = find_file (self, start); i < self->n_files; i++)
    {
      const ShoalMetainfoFile *mf = shoal_metainfo_get_file (self->info, i);

      if (mf->offset >= start + len)
        break;
      if (!file_is_pad (mf) && mf->length > 0 && file_is_skipped (self, i))
        return TRUE;
    }
  return FALSE;
}

/*
 * Reads [@offset, @offset + @len) of the stream from the files. Pad files
 * and gaps (v2-only layouts) read as zeros. With @bad set, failures do not
 * stop the read: the unreadable stream ranges are appended to @bad as
 * pairs of guint64 (start, end) and filled with zeros.
 */
static gboolean
read_stream (ShoalStorage  *self,
             guint64        offset,
             guint8        *buf,
             guint64        len,
             gboolean       sequential,
             GArray        *bad,
             GError       **error)
{
  guint64 pos = offset;
  guint64 end = offset + len;
  guint i = find_file (self, offset);

  while (pos < end)
    {
      const ShoalMetainfoFile *mf = i < self->n_files ? shoal_metainfo_get_file (self->info, i) : NULL;
      guint8 *dest = buf + (pos - offset);
      g_autoptr(GError) local_error = NULL;
      FdEntry *entry;
      guint64 n;
      gsize got = 0;
      int errsv = 0;

      if (mf == NULL || mf->offset > pos)
        {
          n = MIN (end, mf != NULL ? mf->offset : end) - pos;
          memset (dest, 0, n);
          pos += n;
          continue;
        }

      n = MIN (end, mf->offset + mf->length) - pos;
      if (file_is_pad (mf))
        {
          memset (dest, 0, n);
          pos += n;
          i++;
          continue;
        }

      entry = acquire_fd (self, i, FALSE, &local_error);
      if (entry != NULL)
        {
          if (sequential)
            (void) posix_fadvise (entry->fd, (off_t) (pos - mf->offset), (off_t) n,
                                  POSIX_FADV_SEQUENTIAL);
          if (!shoal_storage_io_pread (entry->fd, dest, n, pos - mf->offset, &got, &errsv))
            {
              g_autofree char *path = shoal_storage_dup_file_path (self, i);

              shoal_storage_io_set_error (&local_error, errsv, "reading", path);
            }
          else if (got < n)
            {
              g_autofree char *path = shoal_storage_dup_file_path (self, i);
              g_autofree char *display = g_filename_display_name (path);

              g_set_error (&local_error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILE_MISSING,
                           "File “%s” is shorter than expected", display);
            }
          release_fd (self, entry);
        }

      if (local_error != NULL)
        {
          guint64 range[2] = { pos + got, pos + n };

          if (bad == NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          memset (dest + got, 0, n - got);
          g_array_append_vals (bad, range, 2);
        }

      pos += n;
      i++;
    }

  return TRUE;
}

/* Reads part of a piece, from the part file if it is kept there. */
static gboolean
read_piece_range (ShoalStorage  *self,
                  guint          piece,
                  guint64        offset,
                  guint8        *buf,
                  guint64        len,
                  GError       **error)
{
  if (shoal_part_file_has_piece (self->part, piece))
    return shoal_part_file_read (self->part, piece, offset, buf, len, error);
  return read_stream (self, piece_start (self, piece) + offset, buf, len, FALSE, NULL, error);
}

/*
 * Writes [@offset, @offset + @len) of the stream into the wanted files it
 * spans; pad files, gaps and skipped files are left alone.
 */
static gboolean
write_stream (ShoalStorage  *self,
              guint64        offset,
              const guint8  *buf,
              guint64        len,
              GError       **error)
{
  guint64 pos = offset;
  guint64 end = offset + len;

  for (guint i = find_file (self, offset); i < self->n_files && pos < end; i++)
    {
      const ShoalMetainfoFile *mf = shoal_metainfo_get_file (self->info, i);
      guint64 start;
      guint64 stop;
      FdEntry *entry;
      int errsv = 0;
      gboolean ok;

      if (mf->offset >= end)
        break;
      start = MAX (pos, mf->offset);
      stop = MIN (end, mf->offset + mf->length);
      if (file_is_pad (mf) || file_is_skipped (self, i) || start >= stop)
        continue;

      entry = acquire_fd (self, i, TRUE, error);
      if (entry == NULL)
        return FALSE;
      ok = shoal_storage_io_pwrite (entry->fd, buf + (start - offset), stop - start,
                                    start - mf->offset, &errsv);
      release_fd (self, entry);
      if (!ok)
        {
          g_autofree char *path = shoal_storage_dup_file_path (self, i);

          shoal_storage_io_set_error (error, errsv, "writing", path);
          return FALSE;
        }
      pos = stop;
    }

  return TRUE;
}

/* Creates the empty files that sit inside the piece [@start, @end), which no
 * byte of data would ever create. */
static gboolean
create_empty_files (ShoalStorage  *self,
                    guint64        start,
                    guint64        end,
                    gboolean       last_piece,
                    GError       **error)
{
  guint lo = 0;
  guint hi = self->n_files;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (shoal_metainfo_get_file (self->info, mid)->offset >= start)
        hi = mid;
      else
        lo = mid + 1;
    }

  for (guint i = lo; i < self->n_files; i++)
    {
      const ShoalMetainfoFile *mf = shoal_metainfo_get_file (self->info, i);
      FdEntry *entry;

      if (mf->offset > end || (mf->offset == end && !last_piece))
        break;
      if (mf->length != 0 || file_is_pad (mf) || file_is_skipped (self, i) ||
          (mf->attributes & SHOAL_FILE_ATTRIBUTE_SYMLINK) != 0)
        continue;
      entry = acquire_fd (self, i, TRUE, error);
      if (entry == NULL)
        return FALSE;
      release_fd (self, entry);
    }
  return TRUE;
}

static gboolean
check_piece_hash (ShoalStorage *self,
                  guint         piece,
                  const guint8 *data,
                  gsize         len)
{
  guint8 digest[SHOAL_SHA1_LEN];
  const guint8 *expected = shoal_metainfo_get_piece_hash (self->info, piece);

  if (expected == NULL)
    return FALSE;
  shoal_sha1 (data, len, digest);
  return memcmp (digest, expected, SHOAL_SHA1_LEN) == 0;
}

/* Writing pieces */

typedef struct
{
  ShoalStorage *self;
  GTask        *task;
  guint         piece;
  GBytes       *data;
} WriteJob;

static void
write_job_free (gpointer data)
{
  WriteJob *job = data;

  g_clear_object (&job->task);
  g_clear_pointer (&job->data, g_bytes_unref);
  g_free (job);
}

static void
write_job_run (gpointer data)
{
  WriteJob *job = data;
  ShoalStorage *self = job->self;
  GError *error = NULL;
  gsize len = 0;
  const guint8 *bytes = g_bytes_get_data (job->data, &len);
  guint64 start = piece_start (self, job->piece);

  if (g_task_return_error_if_cancelled (job->task))
    return;

  /* Verify first: nothing may reach the disk unless it is right. */
  if (!check_piece_hash (self, job->piece, bytes, len))
    {
      g_task_return_new_error (job->task, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_HASH_MISMATCH,
                               "Piece %u does not match its hash", job->piece);
      return;
    }

  if (!write_stream (self, start, bytes, len, &error) ||
      !create_empty_files (self, start, start + len, job->piece + 1 == self->n_pieces, &error))
    {
      g_task_return_error (job->task, error);
      return;
    }

  if ((range_touches_skipped (self, start, len) ||
       shoal_part_file_has_piece (self->part, job->piece)) &&
      !shoal_part_file_write_piece (self->part, job->piece, bytes, len, &error))
    {
      g_task_return_error (job->task, error);
      return;
    }

  g_task_return_boolean (job->task, TRUE);
}

/**
 * shoal_storage_write_piece_async:
 * @self: a #ShoalStorage
 * @piece: the piece index
 * @data: the whole piece
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the current thread-default main context when done
 * @user_data: data for @callback
 *
 * Hashes the piece in a worker and, if it matches, writes it to the files
 * it spans (or the part file, for skipped files). A piece that does not
 * match writes nothing and fails with %SHOAL_STORAGE_ERROR_HASH_MISMATCH.
 * The bytes count towards shoal_disk_pool_get_pending_bytes() until done.
 */
void
shoal_storage_write_piece_async (ShoalStorage        *self,
                                 guint                piece,
                                 GBytes              *data,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  WriteJob *job;

  g_return_if_fail (SHOAL_IS_STORAGE (self));
  g_return_if_fail (data != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_storage_write_piece_async);

  if (!self->has_v1)
    {
      g_task_return_new_error (task, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_UNSUPPORTED,
                               "Writing pieces of v2-only torrents is not supported");
      return;
    }
  if (piece >= self->n_pieces)
    {
      g_task_return_new_error (task, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_OUT_OF_RANGE,
                               "Piece %u is out of range (the torrent has %u)",
                               piece, self->n_pieces);
      return;
    }
  if (g_bytes_get_size (data) != shoal_metainfo_get_piece_size (self->info, piece))
    {
      g_task_return_new_error (task, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_OUT_OF_RANGE,
                               "Piece %u should be %" G_GUINT64_FORMAT " bytes long, not %" G_GSIZE_FORMAT,
                               piece, shoal_metainfo_get_piece_size (self->info, piece),
                               g_bytes_get_size (data));
      return;
    }

  job = g_new0 (WriteJob, 1);
  job->self = self;
  job->task = g_steal_pointer (&task);
  job->piece = piece;
  job->data = g_bytes_ref (data);
  shoal_disk_pool_push (self->pool, write_job_run, job, write_job_free, g_bytes_get_size (data));
}

/**
 * shoal_storage_write_piece_finish:
 * @self: a #ShoalStorage
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the piece was verified and written; otherwise the
 *   piece is not had
 */
gboolean
shoal_storage_write_piece_finish (ShoalStorage  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Reading blocks */

typedef struct
{
  ShoalStorage *self;
  GTask        *task;
  guint         piece;
  guint64       offset;
  guint64       length;
} ReadJob;

static void
read_job_free (gpointer data)
{
  ReadJob *job = data;

  g_clear_object (&job->task);
  g_free (job);
}

static void
read_job_run (gpointer data)
{
  ReadJob *job = data;
  GError *error = NULL;
  guint8 *buf;

  if (g_task_return_error_if_cancelled (job->task))
    return;

  buf = g_malloc (job->length);
  if (!read_piece_range (job->self, job->piece, job->offset, buf, job->length, &error))
    {
      g_free (buf);
      g_task_return_error (job->task, error);
      return;
    }
  g_task_return_pointer (job->task, g_bytes_new_take (buf, job->length),
                         (GDestroyNotify) g_bytes_unref);
}

/**
 * shoal_storage_read_block_async:
 * @self: a #ShoalStorage
 * @piece: the piece index
 * @offset: where the block starts inside the piece
 * @length: its length, at least 1
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the current thread-default main context when done
 * @user_data: data for @callback
 *
 * Reads a block, for a peer or a web seed to be served, from the files,
 * the part file, or zeros for pad files. Fails with
 * %SHOAL_STORAGE_ERROR_OUT_OF_RANGE if the block does not lie inside the
 * piece, %SHOAL_STORAGE_ERROR_FILE_MISSING if a file is missing or short.
 */
void
shoal_storage_read_block_async (ShoalStorage        *self,
                                guint                piece,
                                guint64              offset,
                                guint64              length,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ReadJob *job;
  guint64 size;

  g_return_if_fail (SHOAL_IS_STORAGE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_storage_read_block_async);

  size = piece < self->n_pieces ? shoal_metainfo_get_piece_size (self->info, piece) : 0;
  if (piece >= self->n_pieces || length == 0 || offset > size || length > size - offset)
    {
      g_task_return_new_error (task, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_OUT_OF_RANGE,
                               "Block at %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT
                               " bytes) of piece %u is out of range",
                               offset, length, piece);
      return;
    }

  job = g_new0 (ReadJob, 1);
  job->self = self;
  job->task = g_steal_pointer (&task);
  job->piece = piece;
  job->offset = offset;
  job->length = length;
  shoal_disk_pool_push (self->pool, read_job_run, job, read_job_free, 0);
}

/**
 * shoal_storage_read_block_finish:
 * @self: a #ShoalStorage
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the block
 */
GBytes *
shoal_storage_read_block_finish (ShoalStorage  *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Recheck: every worker takes chunks of consecutive pieces in turn, so the
 * reads stay large and sequential while all threads hash. */

typedef struct
{
  ShoalStorage            *self;
  GTask                   *task;
  GCancellable            *cancellable;
  guint                    n_pieces;
  guint                    chunk_pieces;
  guint                    n_chunks;
  gint                     next_chunk;     /* atomic */
  gint                     done;           /* atomic */
  gint                     running;        /* atomic */
  guint8                  *good;           /* per piece, each written by one thread */
  GMutex                   lock;
  GThread                 *threads[64];
  guint                    n_threads;
  ShoalStorageProgressFunc progress;
  gpointer                 progress_data;
  GSource                 *progress_source;
  guint                    last_reported;
} Recheck;

static void
recheck_clear (Recheck *recheck)
{
  g_clear_object (&recheck->task);
  g_free (recheck->good);
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
      recheck->progress (done, recheck->n_pieces, recheck->progress_data);
    }
  return G_SOURCE_CONTINUE;
}

static void
recheck_return (Recheck *recheck)
{
  ShoalBitfield *result;

  g_atomic_int_set (&recheck->self->last_recheck_threads, (gint) recheck->n_threads);
  if (g_task_return_error_if_cancelled (recheck->task))
    return;

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
recheck_chunk (Recheck *recheck,
               guint8  *buf,
               guint    chunk,
               gboolean *hashed)
{
  ShoalStorage *self = recheck->self;
  guint first = chunk * recheck->chunk_pieces;
  guint last = MIN (recheck->n_pieces, first + recheck->chunk_pieces);
  guint64 start = piece_start (self, first);
  guint64 end = MIN (piece_start (self, last), self->total_length);
  g_autoptr(GArray) bad = g_array_new (FALSE, FALSE, sizeof (guint64));

  read_stream (self, start, buf, end - start, TRUE, bad, NULL);

  for (guint p = first; p < last; p++)
    {
      guint64 ps = piece_start (self, p);
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
          recheck->good[p] = check_piece_hash (self, p, data, size);
          *hashed = TRUE;
        }
      g_atomic_int_inc (&recheck->done);
    }
}

static void
recheck_job_run (gpointer data)
{
  Recheck *recheck = data;
  g_autofree guint8 *buf = g_malloc ((gsize) recheck->chunk_pieces * recheck->self->piece_length);
  gboolean hashed = FALSE;

  for (;;)
    {
      gint chunk = g_atomic_int_add (&recheck->next_chunk, 1);

      if ((guint) chunk >= recheck->n_chunks ||
          g_cancellable_is_cancelled (recheck->cancellable))
        break;
      recheck_chunk (recheck, buf, (guint) chunk, &hashed);
    }

  if (hashed)
    {
      GThread *me = g_thread_self ();
      gboolean known = FALSE;

      g_mutex_lock (&recheck->lock);
      for (guint i = 0; i < recheck->n_threads; i++)
        known |= recheck->threads[i] == me;
      if (!known && recheck->n_threads < G_N_ELEMENTS (recheck->threads))
        recheck->threads[recheck->n_threads++] = me;
      g_mutex_unlock (&recheck->lock);
    }

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
 * their pieces are not had. Fails with %SHOAL_STORAGE_ERROR_UNSUPPORTED for
 * v2-only torrents.
 */
void
shoal_storage_recheck_async (ShoalStorage             *self,
                             GCancellable             *cancellable,
                             ShoalStorageProgressFunc  progress_callback,
                             gpointer                  progress_data,
                             GAsyncReadyCallback       callback,
                             gpointer                  user_data)
{
  g_autoptr(GTask) task = NULL;
  Recheck *recheck;
  guint n_jobs;

  g_return_if_fail (SHOAL_IS_STORAGE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_storage_recheck_async);

  if (!self->has_v1)
    {
      g_task_return_new_error (task, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_UNSUPPORTED,
                               "Checking v2-only torrents is not supported");
      return;
    }

  /* Cached descriptors may point at files since deleted or replaced. */
  close_all_fds (self);

  recheck = g_atomic_rc_box_new0 (Recheck);
  recheck->self = self;
  recheck->task = g_steal_pointer (&task);
  recheck->cancellable = cancellable;
  recheck->n_pieces = self->n_pieces;
  recheck->chunk_pieces = (guint) MAX (1, RECHECK_CHUNK / self->piece_length);
  recheck->n_chunks = (guint) (((guint64) self->n_pieces + recheck->chunk_pieces - 1) /
                               recheck->chunk_pieces);
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

  n_jobs = MAX (1, MIN (shoal_disk_pool_get_n_threads (self->pool), recheck->n_chunks));
  recheck->running = (gint) n_jobs;
  for (guint i = 0; i < n_jobs; i++)
    shoal_disk_pool_push (self->pool, recheck_job_run, g_atomic_rc_box_acquire (recheck),
                          recheck_unref, 0);
  recheck_unref (recheck);
}

/**
 * shoal_storage_recheck_finish:
 * @self: a #ShoalStorage
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the pieces whose data matches
 */
ShoalBitfield *
shoal_storage_recheck_finish (ShoalStorage  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Moving pieces out of the part file */

typedef struct
{
  ShoalStorage *self;
  GTask        *task;
  char         *new_save_dir;
} TaskJob;

static void
task_job_free (gpointer data)
{
  TaskJob *job = data;

  g_clear_object (&job->task);
  g_free (job->new_save_dir);
  g_free (job);
}

static void
apply_skipped_job_run (gpointer data)
{
  TaskJob *job = data;
  ShoalStorage *self = job->self;
  g_autoptr(GArray) pieces = shoal_part_file_list_pieces (self->part);
  g_autofree guint8 *buf = g_malloc (self->piece_length);
  GError *error = NULL;

  for (guint i = 0; i < pieces->len; i++)
    {
      guint piece = g_array_index (pieces, guint, i);
      guint64 start = piece_start (self, piece);
      guint64 size;

      if (g_task_return_error_if_cancelled (job->task))
        return;
      if (piece >= self->n_pieces)
        continue;
      size = shoal_metainfo_get_piece_size (self->info, piece);

      if (!shoal_part_file_read (self->part, piece, 0, buf, size, &error))
        {
          g_task_return_error (job->task, error);
          return;
        }

      /* A damaged slot must not spread into the real files; the piece is
       * simply not had any more. */
      if (check_piece_hash (self, piece, buf, size))
        {
          if (!write_stream (self, start, buf, size, &error))
            {
              g_task_return_error (job->task, error);
              return;
            }
          if (range_touches_skipped (self, start, size))
            continue;
        }

      if (!shoal_part_file_remove_piece (self->part, piece, &error))
        {
          g_task_return_error (job->task, error);
          return;
        }
    }

  g_task_return_boolean (job->task, TRUE);
}

/**
 * shoal_storage_apply_skipped_async:
 * @self: a #ShoalStorage
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the current thread-default main context when done
 * @user_data: data for @callback
 *
 * Call after un-skipping files with shoal_storage_set_file_skipped(): the
 * bytes of those files kept in the part file are written into them, and
 * pieces that no skipped file needs any more leave the part file (which is
 * removed once empty). Pieces whose copy there does not match its hash are
 * dropped, so run a recheck or re-download if this reports them missing.
 */
void
shoal_storage_apply_skipped_async (ShoalStorage        *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  TaskJob *job;

  g_return_if_fail (SHOAL_IS_STORAGE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  job = g_new0 (TaskJob, 1);
  job->self = self;
  job->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, shoal_storage_apply_skipped_async);
  shoal_disk_pool_push (self->pool, apply_skipped_job_run, job, task_job_free, 0);
}

/**
 * shoal_storage_apply_skipped_finish:
 * @self: a #ShoalStorage
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_storage_apply_skipped_finish (ShoalStorage  *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Resume snapshots */

/**
 * shoal_storage_get_file_stats:
 * @self: a #ShoalStorage
 *
 * Takes a snapshot of every file's size and modification time, to be saved
 * with the resume data. Pad files are reported as not existing. This only
 * calls stat(), so it is cheap enough for the main thread.
 *
 * Returns: (transfer full) (element-type ShoalStorageFileStat): one entry
 *   per file of the torrent
 */
GArray *
shoal_storage_get_file_stats (ShoalStorage *self)
{
  GArray *stats;

  g_return_val_if_fail (SHOAL_IS_STORAGE (self), NULL);

  stats = g_array_sized_new (FALSE, TRUE, sizeof (ShoalStorageFileStat), self->n_files);
  g_array_set_size (stats, self->n_files);
  for (guint i = 0; i < self->n_files; i++)
    {
      ShoalStorageFileStat *fs = &g_array_index (stats, ShoalStorageFileStat, i);
      g_autofree char *path = NULL;
      struct stat st;

      if (file_is_pad (shoal_metainfo_get_file (self->info, i)))
        continue;
      path = shoal_storage_dup_file_path (self, i);
      if (stat (path, &st) < 0)
        continue;
      fs->exists = TRUE;
      fs->size = (guint64) st.st_size;
      fs->mtime_ns = (gint64) st.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) +
                     st.st_mtim.tv_nsec;
    }
  return stats;
}

/**
 * shoal_storage_files_unchanged:
 * @self: a #ShoalStorage
 * @saved: (element-type ShoalStorageFileStat): a snapshot from
 *   shoal_storage_get_file_stats(), from resume data
 *
 * Returns: %TRUE if every file still has the size and modification time
 *   it had (or is still missing), so the saved piece set can be trusted
 *   without a recheck
 */
gboolean
shoal_storage_files_unchanged (ShoalStorage *self,
                               GArray       *saved)
{
  g_autoptr(GArray) now = NULL;

  g_return_val_if_fail (SHOAL_IS_STORAGE (self), FALSE);
  g_return_val_if_fail (saved != NULL, FALSE);

  if (saved->len != self->n_files ||
      g_array_get_element_size (saved) != sizeof (ShoalStorageFileStat))
    return FALSE;

  now = shoal_storage_get_file_stats (self);
  for (guint i = 0; i < self->n_files; i++)
    {
      const ShoalStorageFileStat *a = &g_array_index (saved, ShoalStorageFileStat, i);
      const ShoalStorageFileStat *b = &g_array_index (now, ShoalStorageFileStat, i);

      if (!a->exists != !b->exists)
        return FALSE;
      if (a->exists && (a->size != b->size || a->mtime_ns != b->mtime_ns))
        return FALSE;
    }
  return TRUE;
}

/* Deleting and moving */

static GPtrArray *
relative_paths (ShoalStorage *self)
{
  GPtrArray *paths = g_ptr_array_new ();

  for (guint i = 0; i < self->n_files; i++)
    {
      const ShoalMetainfoFile *mf = shoal_metainfo_get_file (self->info, i);

      if (!file_is_pad (mf))
        g_ptr_array_add (paths, mf->path);
    }
  return paths;
}

/**
 * shoal_storage_delete_files:
 * @self: a #ShoalStorage
 * @error: return location for a #GError
 *
 * Removes the torrent's files, its part file, and the directories of the
 * torrent that are left empty. Nothing outside the save directory is
 * touched, nor the save directory itself. Missing files are not an error;
 * the first other failure is reported after trying every file. Only
 * unlink() and rmdir() run, so this is cheap enough for the main thread;
 * no I/O for this storage may be pending.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_storage_delete_files (ShoalStorage  *self,
                            GError       **error)
{
  g_autoptr(GPtrArray) paths = NULL;
  g_autoptr(GError) first_error = NULL;
  g_autofree char *save_dir = NULL;

  g_return_val_if_fail (SHOAL_IS_STORAGE (self), FALSE);

  close_all_fds (self);
  save_dir = shoal_storage_dup_save_dir (self);
  paths = relative_paths (self);

  for (guint i = 0; i < paths->len; i++)
    {
      g_autofree char *path = g_build_filename (save_dir, g_ptr_array_index (paths, i), NULL);

      if (g_unlink (path) < 0 && errno != ENOENT && first_error == NULL)
        {
          int errsv = errno;

          shoal_storage_io_set_error (&first_error, errsv, "removing", path);
        }
    }

  if (!shoal_part_file_delete (self->part, first_error == NULL ? &first_error : NULL))
    g_debug ("Cannot remove part file");

  shoal_storage_io_remove_empty_dirs (save_dir, paths);

  if (first_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first_error));
      return FALSE;
    }
  return TRUE;
}

static void
move_job_run (gpointer data)
{
  TaskJob *job = data;
  ShoalStorage *self = job->self;
  g_autoptr(GPtrArray) paths = relative_paths (self);
  g_autoptr(GPtrArray) to_move = g_ptr_array_new ();
  GError *error = NULL;
  guint moved = 0;

  if (g_task_return_error_if_cancelled (job->task))
    return;

  /* Holding the lock keeps other I/O of this torrent from opening files
   * until they are all in their new place. */
  g_mutex_lock (&self->fd_lock);
  close_all_fds_locked (self);

  if (strcmp (self->save_dir, job->new_save_dir) == 0)
    goto done;

  for (guint i = 0; i < paths->len; i++)
    {
      const char *rel = g_ptr_array_index (paths, i);
      g_autofree char *src = g_build_filename (self->save_dir, rel, NULL);
      g_autofree char *dest = g_build_filename (job->new_save_dir, rel, NULL);
      struct stat st;

      if (lstat (src, &st) < 0)
        continue;
      if (lstat (dest, &st) == 0)
        {
          shoal_storage_io_set_error (&error, EEXIST, "moving to", dest);
          goto fail;
        }
      g_ptr_array_add (to_move, (gpointer) rel);
    }

  for (moved = 0; moved < to_move->len; moved++)
    {
      const char *rel = g_ptr_array_index (to_move, moved);
      g_autofree char *src = g_build_filename (self->save_dir, rel, NULL);
      g_autofree char *dest = g_build_filename (job->new_save_dir, rel, NULL);

      if (!shoal_storage_io_move_file (src, dest, &error))
        goto fail;
    }

  if (self->default_part_path)
    {
      g_autofree char *part_path = default_part_path (self->info, job->new_save_dir);

      if (!shoal_part_file_relocate (self->part, part_path, &error))
        goto fail;
    }

  shoal_storage_io_remove_empty_dirs (self->save_dir, to_move);
  g_free (self->save_dir);
  self->save_dir = g_strdup (job->new_save_dir);

done:
  g_mutex_unlock (&self->fd_lock);
  g_task_return_boolean (job->task, TRUE);
  return;

fail:
  /* Put back what was moved, so the torrent stays in one place. */
  while (moved-- > 0)
    {
      const char *rel = g_ptr_array_index (to_move, moved);
      g_autofree char *src = g_build_filename (self->save_dir, rel, NULL);
      g_autofree char *dest = g_build_filename (job->new_save_dir, rel, NULL);
      g_autoptr(GError) rollback_error = NULL;

      if (!shoal_storage_io_move_file (dest, src, &rollback_error))
        g_warning ("Cannot move “%s” back: %s", dest, rollback_error->message);
    }
  shoal_storage_io_remove_empty_dirs (job->new_save_dir, to_move);
  g_mutex_unlock (&self->fd_lock);
  g_task_return_error (job->task, error);
}

/**
 * shoal_storage_move_async:
 * @self: a #ShoalStorage
 * @new_save_dir: the directory to move the files into
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the current thread-default main context when done
 * @user_data: data for @callback
 *
 * Moves the torrent's files (and the default part file) to @new_save_dir,
 * keeping their relative paths: rename() on the same file system, a copy
 * then removal otherwise. Fails with %SHOAL_STORAGE_ERROR_FILE_EXISTS,
 * before moving anything, if a file would be overwritten; on a later
 * failure the files already moved are moved back. The engine should pause
 * the torrent's transfers while this runs.
 */
void
shoal_storage_move_async (ShoalStorage        *self,
                          const char          *new_save_dir,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  TaskJob *job;

  g_return_if_fail (SHOAL_IS_STORAGE (self));
  g_return_if_fail (new_save_dir != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  job = g_new0 (TaskJob, 1);
  job->self = self;
  job->task = g_task_new (self, cancellable, callback, user_data);
  job->new_save_dir = g_strdup (new_save_dir);
  g_task_set_source_tag (job->task, shoal_storage_move_async);
  shoal_disk_pool_push (self->pool, move_job_run, job, task_job_free, 0);
}

/**
 * shoal_storage_move_finish:
 * @self: a #ShoalStorage
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the files are now in the new directory
 */
gboolean
shoal_storage_move_finish (ShoalStorage  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
