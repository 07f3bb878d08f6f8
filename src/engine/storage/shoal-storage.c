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
 * with ftruncate(): sparse, unless the pool's direct-writes policy is on,
 * when new files are allocated in full (see preallocate()). Pad files
 * are never created: their bytes read as zeros. Skipped files are never
 * written either: verified pieces that overlap them go whole into the part
 * file (see shoal-part-file.c), from where they are read and served.
 * Un-skipping a file is two steps: shoal_storage_set_file_skipped() flips
 * the flag at once (new pieces go straight to the file), then
 * shoal_storage_apply_skipped_async() copies the pieces kept in the part
 * file into the files that are now wanted and drops them from the part file
 * once no skipped file needs them.
 *
 * This file holds the object, the descriptor cache, the mapping of the
 * stream onto files, and piece writes and block reads. Rechecks are in
 * shoal-storage-recheck.c; operations on whole files (part file
 * migration, resume snapshots, deleting, moving) in shoal-storage-files.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "shoal-hash.h"
#include "shoal-merkle-piece.h"
#include "shoal-storage-io.h"
#include "shoal-storage-private.h"

/* Direct writes: see write_file_range(). */
#define DIRECT_ALIGN ((gsize) 4096)
#define DIRECT_MIN ((gsize) 256 * 1024)
#define PREALLOCATE_MIN ((guint64) 1024 * 1024)

G_DEFINE_FINAL_TYPE (ShoalStorage, shoal_storage, G_TYPE_OBJECT)

G_DEFINE_QUARK (shoal-storage-error-quark, shoal_storage_error)

static void
shoal_storage_finalize (GObject *object)
{
  ShoalStorage *self = SHOAL_STORAGE (object);

  _shoal_storage_close_all_fds (self);
  g_clear_pointer (&self->part, shoal_part_file_free);
  g_clear_object (&self->info);
  g_clear_object (&self->pool);
  g_clear_pointer (&self->skipped, g_free);
  g_clear_pointer (&self->save_dir, g_free);
  g_clear_pointer (&self->opened, g_free);
  g_clear_pointer (&self->rel_paths, g_strfreev);
  g_clear_pointer (&self->verified, g_free);
  g_clear_pointer (&self->failed, g_free);
  g_clear_pointer (&self->verifying, g_hash_table_unref);
  g_mutex_clear (&self->fd_lock);
  g_mutex_clear (&self->verify_lock);
  g_cond_clear (&self->verify_cond);

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
  g_mutex_init (&self->verify_lock);
  g_cond_init (&self->verify_cond);
  self->verifying = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < SHOAL_STORAGE_FD_CACHE_SIZE; i++)
    self->fds[i].fd = -1;
}

char *
_shoal_storage_default_part_path (ShoalMetainfo *info,
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
  self->has_v2 = (shoal_metainfo_get_version (info) & SHOAL_TORRENT_VERSION_V2) != 0;
  self->skipped = g_new0 (gint, MAX (self->n_files, 1));
  self->opened = g_new0 (guint8, MAX (self->n_files, 1));
  self->rel_paths = g_new0 (char *, self->n_files + 1);
  for (guint i = 0; i < self->n_files; i++)
    self->rel_paths[i] = g_strdup (shoal_metainfo_get_file (info, i)->path);
  self->verified = g_new0 (guint, self->n_pieces / 32 + 1);
  self->failed = g_new0 (guint, self->n_pieces / 32 + 1);

  part_path = _shoal_storage_default_part_path (info, save_dir);
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
  return g_build_filename (self->save_dir, self->rel_paths[file], NULL);
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

/* File descriptor cache */

static void
close_entry (ShoalStorageFd *entry)
{
  close (entry->fd);
  entry->fd = -1;
  if (entry->direct_state == DIRECT_OPEN || entry->direct_state == DIRECT_REFUSED)
    close (entry->direct_fd);
  entry->direct_state = DIRECT_NOT_OPENED;
}

void
_shoal_storage_close_all_fds_locked (ShoalStorage *self)
{
  for (guint i = 0; i < SHOAL_STORAGE_FD_CACHE_SIZE; i++)
    {
      ShoalStorageFd *entry = &self->fds[i];

      if (entry->fd < 0)
        continue;
      if (entry->users > 0)
        entry->stale = TRUE;
      else
        {
          close_entry (entry);
        }
    }
}

void
_shoal_storage_close_all_fds (ShoalStorage *self)
{
  g_mutex_lock (&self->fd_lock);
  _shoal_storage_close_all_fds_locked (self);
  g_mutex_unlock (&self->fd_lock);
}

static ShoalStorageFd *
find_slot_locked (ShoalStorage *self)
{
  ShoalStorageFd *victim = NULL;

  for (guint i = 0; i < SHOAL_STORAGE_FD_CACHE_SIZE; i++)
    {
      ShoalStorageFd *entry = &self->fds[i];

      if (entry->fd < 0)
        return entry;
      if (entry->users == 0 && (victim == NULL || entry->stamp < victim->stamp))
        victim = entry;
    }
  if (victim != NULL)
    {
      close_entry (victim);
      return victim;
    }
  /* Every descriptor is in use by some worker: go past the bound rather
   * than wait; the descriptor is closed when released. */
  return g_new0 (ShoalStorageFd, 1);
}

/* A descriptor kept open longer than this is checked again before use. */
#define FD_CHECK_INTERVAL_US (2 * G_USEC_PER_SEC)

/* The data written into @file is lost: the file, or the whole save
 * directory, was removed or replaced behind our back. */
static void
set_removed_error_locked (ShoalStorage  *self,
                          guint          file,
                          GError       **error)
{
  struct stat st;

  if (stat (self->save_dir, &st) < 0)
    {
      g_autofree char *display = g_filename_display_name (self->save_dir);

      g_set_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILES_REMOVED,
                   "Files missing: the download directory “%s” was removed while "
                   "the torrent was using it", display);
    }
  else
    {
      g_autofree char *path = file_path_locked (self, file);
      g_autofree char *display = g_filename_display_name (path);

      if (self->opened[file])
        g_set_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILES_REMOVED,
                     "Files missing: “%s” was removed or replaced while the torrent "
                     "was using it", display);
      else
        g_set_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILES_REMOVED,
                     "Files missing: “%s” is missing or shorter than it should be", display);
    }
}

/*
 * Whether the file under a cached descriptor is still the one at its
 * path. Writes through a descriptor of a removed file succeed, and the
 * data vanishes when it is closed: that must stop the torrent, not be
 * found out by the next recheck. A file that is gone is never handed out
 * again from the cache.
 */
static gboolean
entry_still_there_locked (ShoalStorage    *self,
                          ShoalStorageFd  *entry,
                          GError         **error)
{
  struct stat st;

  if (fstat (entry->fd, &st) == 0 && st.st_nlink > 0 &&
      shoal_storage_io_stat_below (self->save_dir, self->rel_paths[entry->file], &st, NULL) &&
      st.st_dev == entry->dev && st.st_ino == entry->ino)
    {
      entry->checked_us = g_get_monotonic_time ();
      return TRUE;
    }

  if (entry->users == 0 && !entry->transient)
    {
      close_entry (entry);
    }
  else
    entry->stale = TRUE;
  set_removed_error_locked (self, entry->file, error);
  return FALSE;
}

static ShoalStorageFd *
find_cached_locked (ShoalStorage *self,
                    guint         file,
                    gboolean      writable)
{
  for (guint i = 0; i < SHOAL_STORAGE_FD_CACHE_SIZE; i++)
    {
      ShoalStorageFd *entry = &self->fds[i];

      if (entry->fd >= 0 && entry->file == file && !entry->stale &&
          (entry->writable || !writable))
        return entry;
    }
  return NULL;
}

/*
 * With direct writes on, a new file is allocated in full first. Direct
 * writes allocate blocks in the order pieces arrive, rarest first: a 1 GiB
 * file written that way had 127 extents on ext4 against 11 when allocated
 * first. Buffered writes of small pieces in that order cost less in an
 * allocated file too (ext4 tracks each delayed-allocation range: random
 * 16 KiB writes over 1 GiB took 0.33-0.44 s of system time instead of
 * 0.56-0.59). Allocating is quick on file systems that keep unwritten
 * extents, and only done when the file fits with room to spare; one that
 * cannot allocate (EOPNOTSUPP) keeps the file sparse. A full disk then
 * shows at the start rather than half-way.
 */
static void
preallocate (ShoalStorage *self,
             int           fd,
             guint64       length)
{
  struct statvfs vfs;

  if (length < PREALLOCATE_MIN || !shoal_disk_pool_get_direct_writes (self->pool) || fstatvfs (fd, &vfs) < 0 ||
      (guint64) vfs.f_bavail * vfs.f_frsize < length + length / 16 + 64 * 1024 * 1024)
    return;
  if (fallocate (fd, 0, 0, (off_t) length) < 0)
    g_debug ("Not allocated ahead (%s): %" G_GUINT64_FORMAT " bytes", g_strerror (errno), length);
}

/*
 * Returns an open descriptor for @file, opening it if needed. Writing
 * creates the file and its directories, and sizes it to its full length
 * (sparse). No link below the save directory is followed. Release it with
 * release_fd().
 */
static ShoalStorageFd *
acquire_fd (ShoalStorage  *self,
            guint          file,
            gboolean       writable,
            GError       **error)
{
  const ShoalMetainfoFile *mf = shoal_metainfo_get_file (self->info, file);
  g_autoptr(GError) local_error = NULL;
  ShoalStorageFd *entry;
  struct stat st;
  int fd;

  g_mutex_lock (&self->fd_lock);
  entry = find_cached_locked (self, file, writable);
  if (entry != NULL)
    {
      if (g_get_monotonic_time () - entry->checked_us > FD_CHECK_INTERVAL_US &&
          !entry_still_there_locked (self, entry, error))
        goto fail;
      entry->users++;
      entry->stamp = ++self->fd_clock;
      g_mutex_unlock (&self->fd_lock);
      return entry;
    }

  if (writable)
    {
      /* A file we had open before and that is gone now was removed behind
       * our back; creating it afresh would hide that its data is lost. The
       * same holds for the save directory. */
      fd = shoal_storage_io_open_below (self->save_dir, self->rel_paths[file],
                                        O_RDWR | (self->opened[file] ? 0 : O_CREAT), 0666,
                                        !self->root_opened, &st, &local_error);
      if (fd < 0)
        {
          if (g_error_matches (local_error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILE_MISSING) &&
              (self->opened[file] || self->root_opened))
            set_removed_error_locked (self, file, error);
          else
            g_propagate_error (error, g_steal_pointer (&local_error));
          goto fail;
        }
      if (st.st_size == 0)
        preallocate (self, fd, mf->length);
      if ((guint64) st.st_size < mf->length && ftruncate (fd, (off_t) mf->length) < 0)
        {
          int errsv = errno;
          g_autofree char *path = file_path_locked (self, file);

          close (fd);
          shoal_storage_io_set_error (error, errsv, "writing", path);
          goto fail;
        }
    }
  else
    {
      fd = shoal_storage_io_open_below (self->save_dir, self->rel_paths[file], O_RDONLY, 0, FALSE, &st, error);
      if (fd < 0)
        goto fail;
    }

  self->opened[file] = TRUE;
  self->root_opened = TRUE;
  entry = find_slot_locked (self);
  entry->transient = entry < self->fds || entry >= self->fds + SHOAL_STORAGE_FD_CACHE_SIZE;
  entry->fd = fd;
  entry->file = file;
  entry->writable = writable;
  entry->users = 1;
  entry->stale = FALSE;
  entry->stamp = ++self->fd_clock;
  entry->dev = st.st_dev;
  entry->ino = st.st_ino;
  entry->checked_us = g_get_monotonic_time ();
  g_mutex_unlock (&self->fd_lock);
  return entry;

fail:
  g_mutex_unlock (&self->fd_lock);
  return NULL;
}

/* Forgets which files were opened: after a recheck, a file that is gone
 * is simply not had, and may be created again. */
void
_shoal_storage_forget_opened_locked (ShoalStorage *self)
{
  memset (self->opened, 0, MAX (self->n_files, 1));
  self->root_opened = FALSE;
}

static void
release_fd (ShoalStorage *self,
            ShoalStorageFd      *entry)
{
  g_mutex_lock (&self->fd_lock);
  g_assert (entry->users > 0);
  entry->users--;
  if (entry->users == 0 && (entry->stale || entry->transient))
    {
      close_entry (entry);
      if (entry->transient)
        g_free (entry);
    }
  g_mutex_unlock (&self->fd_lock);
}

/* Mapping the piece stream onto files */

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

/* Whether any non-pad file overlapping [@start, @start + @len) is skipped. */
gboolean
_shoal_storage_range_touches_skipped (ShoalStorage *self,
                                      guint64       start,
                                      guint64       len)
{
  for (guint i = find_file (self, start); i < self->n_files; i++)
    {
      const ShoalMetainfoFile *mf = shoal_metainfo_get_file (self->info, i);

      if (mf->offset >= start + len)
        break;
      if (!_shoal_storage_file_is_pad (mf) && mf->length > 0 && file_is_skipped (self, i))
        return TRUE;
    }
  return FALSE;
}

/*
 * Whether file @i, if wanted, is still there: the file under a cached
 * descriptor still at its path, or else a regular file at its path at
 * least as long as it should be (see entry_still_there_locked()).
 */
static gboolean
check_file_present (ShoalStorage  *self,
                    guint          i,
                    gboolean       just_written,
                    GError       **error)
{
  const ShoalMetainfoFile *mf = shoal_metainfo_get_file (self->info, i);
  ShoalStorageFd *entry;
  struct stat st;
  gboolean ok;

  /* An empty file holds no data that could be lost. */
  if (_shoal_storage_file_is_pad (mf) || file_is_skipped (self, i) || mf->length == 0 ||
      (mf->attributes & SHOAL_FILE_ATTRIBUTE_SYMLINK) != 0)
    return TRUE;

  g_mutex_lock (&self->fd_lock);
  entry = find_cached_locked (self, i, FALSE);
  /* After each write (each piece: 65,536 times for 1 GiB of 16 KiB
   * pieces), a descriptor whose path was looked at less than
   * FD_CHECK_INTERVAL_US ago only has its link count checked (one fstat):
   * a removed file, or one in a removed directory, has none left. The
   * look at the path (a moved directory, a replaced file: four system
   * calls) waits for the interval, and shoal_storage_check_files() does
   * it every time. */
  if (entry != NULL && just_written &&
      g_get_monotonic_time () - entry->checked_us <= FD_CHECK_INTERVAL_US)
    {
      struct stat fst;

      ok = fstat (entry->fd, &fst) == 0 && fst.st_nlink > 0;
      if (!ok)
        ok = entry_still_there_locked (self, entry, error);
    }
  else if (entry != NULL)
    ok = entry_still_there_locked (self, entry, error);
  else
    {
      ok = shoal_storage_io_stat_below (self->save_dir, self->rel_paths[i], &st, NULL) &&
           S_ISREG (st.st_mode) && (guint64) st.st_size >= mf->length;
      if (!ok)
        set_removed_error_locked (self, i, error);
    }
  g_mutex_unlock (&self->fd_lock);
  return ok;
}

/**
 * shoal_storage_check_files:
 * @self: a #ShoalStorage
 * @error: return location for a %SHOAL_STORAGE_ERROR_FILES_REMOVED error
 *
 * Checks that every wanted file that holds data is still on disk, at its
 * full size, and that the files written through descriptors still open
 * are the ones at their paths (not removed or replaced since). Call it
 * before calling a torrent complete: written data that went into a
 * removed directory is lost. This only calls stat(), once per file.
 *
 * Returns: %TRUE if every wanted file is there
 */
gboolean
shoal_storage_check_files (ShoalStorage  *self,
                           GError       **error)
{
  g_return_val_if_fail (SHOAL_IS_STORAGE (self), FALSE);

  for (guint i = 0; i < self->n_files; i++)
    if (!check_file_present (self, i, FALSE, error))
      return FALSE;
  return TRUE;
}

/* Whether the wanted files that [@start, @start + @len) was just written
 * to are all still there. */
static gboolean
check_written_files (ShoalStorage  *self,
                     guint64        start,
                     guint64        len,
                     GError       **error)
{
  for (guint i = find_file (self, start); i < self->n_files; i++)
    {
      const ShoalMetainfoFile *mf = shoal_metainfo_get_file (self->info, i);

      if (mf->offset >= start + len)
        break;
      if (!check_file_present (self, i, TRUE, error))
        return FALSE;
    }
  return TRUE;
}

/*
 * Reads [@offset, @offset + @len) of the stream from the files. Pad files
 * and gaps (v2-only layouts) read as zeros. With @bad set, failures do not
 * stop the read: the unreadable stream ranges are appended to @bad as
 * pairs of guint64 (start, end) and filled with zeros.
 */
gboolean
_shoal_storage_read_stream (ShoalStorage  *self,
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
      ShoalStorageFd *entry;
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
      if (_shoal_storage_file_is_pad (mf))
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
  return _shoal_storage_read_stream (self, _shoal_storage_piece_start (self, piece) + offset,
                                     buf, len, FALSE, NULL, error);
}

/* Direct writes
 *
 * A buffered write copies the data into the page cache, and the kernel
 * writes it out later: on a fast download that copy and the page cache's
 * upkeep are the largest part of the system time (see
 * tests/bench/findings-network.md). A whole piece, already in memory and
 * checked, is written with O_DIRECT instead: the device reads it straight
 * from the piece buffer. Only the part of a write that is aligned, in
 * memory and in the file, to DIRECT_ALIGN and at least DIRECT_MIN long goes
 * that way (small direct writes wait for the device each time and cost
 * more than they save); the rest, and any file system that refuses
 * O_DIRECT, is written through the cache as before. Reads stay buffered:
 * Linux keeps both coherent. */

/* A buffer whose data may be written directly: aligned to DIRECT_ALIGN.
 * Free with g_aligned_free(). */
gpointer
shoal_storage_alloc_buffer (gsize size)
{
  return g_aligned_alloc (1, MAX (size, 1), DIRECT_ALIGN);
}

guint
_shoal_storage_get_n_direct_writes (ShoalStorage *self)
{
  return (guint) g_atomic_int_get (&self->n_direct_writes);
}

/* The descriptor for direct writes of @entry's file, or -1. @entry is in
 * use (its users count held), so neither descriptor is closed meanwhile. */
static int
get_direct_fd (ShoalStorage   *self,
               ShoalStorageFd *entry)
{
  int fd = -1;

  g_mutex_lock (&self->fd_lock);
  if (entry->direct_state == DIRECT_NOT_OPENED && self->refuse_direct_for_testing == 1)
    entry->direct_state = DIRECT_UNSUPPORTED;
  if (entry->direct_state == DIRECT_NOT_OPENED)
    {
      char path[64];

      /* The same open file, not the path again: nothing below the save
       * directory is looked up twice. */
      g_snprintf (path, sizeof path, "/proc/self/fd/%d", entry->fd);
      entry->direct_fd = open (path, O_WRONLY | O_DIRECT | O_CLOEXEC);
      if (entry->direct_fd >= 0)
        entry->direct_state = DIRECT_OPEN;
      else
        {
          g_debug ("No direct writes to file %u: %s", entry->file, g_strerror (errno));
          entry->direct_state = DIRECT_UNSUPPORTED;
        }
    }
  if (entry->direct_state == DIRECT_OPEN)
    fd = entry->direct_fd;
  g_mutex_unlock (&self->fd_lock);
  return fd;
}

/* Another worker may be writing through the descriptor right now: it is
 * only closed with the entry, when nobody uses it. */
static void
set_direct_refused (ShoalStorage   *self,
                    ShoalStorageFd *entry)
{
  g_mutex_lock (&self->fd_lock);
  if (entry->direct_state == DIRECT_OPEN)
    entry->direct_state = DIRECT_REFUSED;
  g_mutex_unlock (&self->fd_lock);
}

/* Writes @len bytes at @offset of @entry's file, the aligned middle of a
 * long enough write directly. */
static gboolean
write_file_range (ShoalStorage   *self,
                  ShoalStorageFd *entry,
                  const guint8   *data,
                  gsize           len,
                  guint64         offset,
                  int            *errsv)
{
  gsize head = (DIRECT_ALIGN - (gsize) (offset % DIRECT_ALIGN)) % DIRECT_ALIGN;
  gsize middle = len > head ? (len - head) / DIRECT_ALIGN * DIRECT_ALIGN : 0;
  gsize done;
  int dfd;

  /* Direct only if buffer and file align together, the aligned part is
   * long enough, the policy is on and the file system takes it. */
  if (middle < DIRECT_MIN || GPOINTER_TO_SIZE (data + head) % DIRECT_ALIGN != 0 ||
      !shoal_disk_pool_get_direct_writes (self->pool) || (dfd = get_direct_fd (self, entry)) < 0)
    return shoal_storage_io_pwrite (entry->fd, data, len, offset, errsv);

  if (head > 0 && !shoal_storage_io_pwrite (entry->fd, data, head, offset, errsv))
    return FALSE;
  done = head;
  while (done < head + middle)
    {
      ssize_t r;

      if (G_UNLIKELY (self->refuse_direct_for_testing == 2))
        {
          r = -1;
          errno = EINVAL;
        }
      else
        r = pwrite (dfd, data + done, head + middle - done, (off_t) (offset + done));

      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0 && errno == EINVAL)
        {
          /* The file system takes O_DIRECT but not this alignment. */
          g_debug ("Direct write to file %u refused: %s", entry->file, g_strerror (errno));
          set_direct_refused (self, entry);
          break;
        }
      if (r < 0)
        {
          *errsv = errno;
          return FALSE;
        }
      if (r == 0)
        {
          *errsv = ENOSPC;
          return FALSE;
        }
      done += (gsize) r;
      g_atomic_int_inc (&self->n_direct_writes);
      /* A short write may leave the rest unaligned: through the cache. */
      if ((done - head) % DIRECT_ALIGN != 0)
        break;
    }
  return shoal_storage_io_pwrite (entry->fd, data + done, len - done, offset + done, errsv);
}

/*
 * Writes [@offset, @offset + @len) of the stream into the wanted files it
 * spans; pad files, gaps and skipped files are left alone.
 */
gboolean
_shoal_storage_write_stream (ShoalStorage  *self,
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
      ShoalStorageFd *entry;
      int errsv = 0;
      gboolean ok;

      if (mf->offset >= end)
        break;
      start = MAX (pos, mf->offset);
      stop = MIN (end, mf->offset + mf->length);
      if (_shoal_storage_file_is_pad (mf) || file_is_skipped (self, i) || start >= stop)
        continue;

      entry = acquire_fd (self, i, TRUE, error);
      if (entry == NULL)
        return FALSE;
      ok = write_file_range (self, entry, buf + (start - offset), stop - start,
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
      ShoalStorageFd *entry;

      if (mf->offset > end || (mf->offset == end && !last_piece))
        break;
      if (mf->length != 0 || _shoal_storage_file_is_pad (mf) || file_is_skipped (self, i) ||
          (mf->attributes & SHOAL_FILE_ATTRIBUTE_SYMLINK) != 0)
        continue;
      entry = acquire_fd (self, i, TRUE, error);
      if (entry == NULL)
        return FALSE;
      release_fd (self, entry);
    }
  return TRUE;
}

/* What a write of part of @piece, [@start, @start + @len) of the stream,
 * does after the data is written: the piece's empty files are created,
 * and the files written to must still be there (shoal-storage-v2.c). */
gboolean
_shoal_storage_after_write (ShoalStorage  *self,
                            guint          piece,
                            guint64        start,
                            guint64        len,
                            GError       **error)
{
  guint64 ps = _shoal_storage_piece_start (self, piece);

  return create_empty_files (self, ps, ps + shoal_metainfo_get_piece_size (self->info, piece),
                             piece + 1 == self->n_pieces, error) &&
         check_written_files (self, start, len, error);
}

/* Whether @piece matches every hash the torrent has for it; if not, fails
 * with %SHOAL_STORAGE_ERROR_HASH_MISMATCH, or with
 * %SHOAL_STORAGE_ERROR_INCONSISTENT_HASHES when a hybrid's data passes one
 * of its hash sets and fails the other. As libtorrent does, a hybrid piece
 * is hashed with both in the same pass: checking SHA-256 alone would let
 * us serve v1 peers data their SHA-1 rejects. */
gboolean
_shoal_storage_check_piece_hash (ShoalStorage  *self,
                                 guint          piece,
                                 const guint8  *data,
                                 gsize          len,
                                 GError       **error)
{
  guint8 digest[SHOAL_SHA1_LEN];
  const guint8 *expected = self->has_v1 ? shoal_metainfo_get_piece_hash (self->info, piece) : NULL;
  gboolean v1_ok = FALSE;
  gboolean v2_ok = FALSE;

  if (expected != NULL)
    {
      shoal_sha1 (data, len, digest);
      v1_ok = memcmp (digest, expected, SHOAL_SHA1_LEN) == 0;
    }
  if (self->has_v2)
    {
      ShoalMerklePiece mp;
      /* A piece whose layer is not known yet (a hybrid added by magnet
       * link, before the layer is fetched) is checked by its v1 hash
       * meanwhile; a v2-only one cannot be checked yet. */
      gboolean known = shoal_merkle_piece_lookup (self->info, piece, &mp);

      v2_ok = known ? shoal_merkle_piece_check_data (&mp, data, len, NULL) : v1_ok;
      if (known && expected != NULL && v1_ok != v2_ok)
        {
          g_set_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_INCONSISTENT_HASHES,
                       "The torrent's v1 and v2 hashes disagree (piece %u passes its %s "
                       "hash, not its %s one): its data cannot be served to every peer",
                       piece, v1_ok ? "v1" : "v2", v1_ok ? "v2" : "v1");
          return FALSE;
        }
    }
  else
    v2_ok = v1_ok;

  if (!v2_ok)
    g_set_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_HASH_MISMATCH,
                 "Piece %u does not match its hash", piece);
  return v2_ok;
}

/* Pieces hashed in this session */

static gboolean
bit_get (guint *bits,
         guint  piece)
{
  return (g_atomic_int_get ((gint *) &bits[piece / 32]) & (1u << (piece % 32))) != 0;
}

static void
bit_set (guint    *bits,
         guint     piece,
         gboolean  value)
{
  if (value)
    g_atomic_int_or (&bits[piece / 32], 1u << (piece % 32));
  else
    g_atomic_int_and (&bits[piece / 32], ~(1u << (piece % 32)));
}

/* @piece was hashed and matched (or, with @verified FALSE, it changed). */
void
_shoal_storage_set_verified (ShoalStorage *self,
                             guint         piece,
                             gboolean      verified)
{
  bit_set (self->verified, piece, verified);
  if (verified)
    bit_set (self->failed, piece, FALSE);
}

/*
 * Makes sure @piece was hashed in this session before any of it is served.
 * Resume data trusts files whose size and mtime did not change, but a
 * block can be changed in place with the mtime put back; serving it would
 * spread bad data and get us banned. The first read of each piece for
 * upload reads the whole piece and hashes it (in this worker), the
 * following ones come from the page cache; a piece that does not match is
 * refused with %SHOAL_STORAGE_ERROR_HASH_MISMATCH until it is written
 * again. On success, the whole piece is returned in *@piece_data when that
 * is not NULL, so the block asked for need not be read again.
 */
static gboolean
verify_for_upload (ShoalStorage  *self,
                   guint          piece,
                   guint8       **piece_data,
                   GError       **error)
{
  guint64 size = shoal_metainfo_get_piece_size (self->info, piece);
  g_autofree guint8 *buf = NULL;
  gboolean ok;

  if ((!self->has_v1 && !self->has_v2) || bit_get (self->verified, piece))
    return TRUE;

  /* One worker hashes a piece; others asking for it wait for the answer
   * rather than read and hash it again. */
  g_mutex_lock (&self->verify_lock);
  while (g_hash_table_contains (self->verifying, GUINT_TO_POINTER (piece)))
    g_cond_wait (&self->verify_cond, &self->verify_lock);
  if (bit_get (self->verified, piece) || bit_get (self->failed, piece))
    {
      g_mutex_unlock (&self->verify_lock);
      goto done;
    }
  g_hash_table_add (self->verifying, GUINT_TO_POINTER (piece));
  g_mutex_unlock (&self->verify_lock);

  buf = g_malloc (size);
  ok = read_piece_range (self, piece, 0, buf, size, error);
  if (ok)
    {
      g_autoptr(GError) check_error = NULL;

      if (_shoal_storage_check_piece_hash (self, piece, buf, size, &check_error))
        bit_set (self->verified, piece, TRUE);
      else if (g_error_matches (check_error, SHOAL_STORAGE_ERROR,
                                SHOAL_STORAGE_ERROR_INCONSISTENT_HASHES))
        {
          /* Not the data's fault: the torrent's, which must stop. */
          g_propagate_error (error, g_steal_pointer (&check_error));
          ok = FALSE;
        }
      else
        {
          g_debug ("Piece %u of “%s” on disk does not match its hash: it is not "
                     "served, and will be downloaded again",
                     piece, shoal_metainfo_get_name (self->info));
          bit_set (self->failed, piece, TRUE);
        }
    }

  g_mutex_lock (&self->verify_lock);
  g_hash_table_remove (self->verifying, GUINT_TO_POINTER (piece));
  g_cond_broadcast (&self->verify_cond);
  g_mutex_unlock (&self->verify_lock);
  if (!ok)
    return FALSE;

done:
  if (bit_get (self->failed, piece))
    {
      g_set_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_HASH_MISMATCH,
                   "Piece %u on disk does not match its hash", piece);
      return FALSE;
    }
  if (piece_data != NULL)
    *piece_data = g_steal_pointer (&buf);
  return TRUE;
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
  guint64 start = _shoal_storage_piece_start (self, job->piece);

  if (g_task_return_error_if_cancelled (job->task))
    return;

  /* Verify first: nothing may reach the disk unless it is right. */
  if (!_shoal_storage_check_piece_hash (self, job->piece, bytes, len, &error))
    {
      g_task_return_error (job->task, error);
      return;
    }

  /* The check after writing catches a file (or the whole directory)
   * removed while the torrent had it open: the write went through, into a
   * file that is gone. */
  if (!_shoal_storage_write_stream (self, start, bytes, len, &error) ||
      !create_empty_files (self, start, start + len, job->piece + 1 == self->n_pieces, &error) ||
      !check_written_files (self, start, len, &error))
    {
      g_task_return_error (job->task, error);
      return;
    }

  if ((_shoal_storage_range_touches_skipped (self, start, len) ||
       shoal_part_file_has_piece (self->part, job->piece)) &&
      !shoal_part_file_write_piece (self->part, job->piece, bytes, len, &error))
    {
      g_task_return_error (job->task, error);
      return;
    }

  _shoal_storage_set_verified (self, job->piece, TRUE);
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
  g_autofree guint8 *piece_data = NULL;
  guint8 *buf;

  if (g_task_return_error_if_cancelled (job->task))
    return;

  if (!verify_for_upload (job->self, job->piece, &piece_data, &error))
    {
      g_task_return_error (job->task, error);
      return;
    }
  if (piece_data != NULL)
    {
      g_task_return_pointer (job->task, g_bytes_new (piece_data + job->offset, job->length),
                             (GDestroyNotify) g_bytes_unref);
      return;
    }

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
 *
 * A piece not hashed since this storage was made (one trusted from resume
 * data) is read whole and hashed first, in the worker; if it does not
 * match, this fails with %SHOAL_STORAGE_ERROR_HASH_MISMATCH (and keeps
 * failing for that piece until it is written again): it must be marked
 * missing and downloaded again.
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
