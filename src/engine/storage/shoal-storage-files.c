/* shoal-storage-files.c: ShoalStorage operations on whole files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Moving pieces kept in the part file into files that are wanted again,
 * the size/mtime snapshots saved with resume data, deleting the files and
 * moving them to another directory. See shoal-storage.c for the layout.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "shoal-storage-io.h"
#include "shoal-storage-private.h"

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
      guint64 start = _shoal_storage_piece_start (self, piece);
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
      if (_shoal_storage_check_piece_hash (self, piece, buf, size, NULL))
        {
          if (!_shoal_storage_write_stream (self, start, buf, size, &error))
            {
              g_task_return_error (job->task, error);
              return;
            }
          _shoal_storage_set_verified (self, piece, TRUE);
          if (_shoal_storage_range_touches_skipped (self, start, size))
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
  g_autofree char *save_dir = NULL;
  g_auto(GStrv) rel = NULL;
  GArray *stats;

  g_return_val_if_fail (SHOAL_IS_STORAGE (self), NULL);

  save_dir = shoal_storage_dup_save_dir (self);
  rel = shoal_storage_dup_rel_paths (self);
  stats = g_array_sized_new (FALSE, TRUE, sizeof (ShoalStorageFileStat), self->n_files);
  g_array_set_size (stats, self->n_files);
  for (guint i = 0; i < self->n_files; i++)
    {
      ShoalStorageFileStat *fs = &g_array_index (stats, ShoalStorageFileStat, i);
      struct stat st;

      if (_shoal_storage_file_is_pad (shoal_metainfo_get_file (self->info, i)))
        continue;
      /* A link in a file's place is not the file (and never followed). */
      if (!shoal_storage_io_stat_below (save_dir, rel[i], &st, NULL) ||
          !S_ISREG (st.st_mode))
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
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) rel = shoal_storage_dup_rel_paths (self);

  for (guint i = 0; i < self->n_files; i++)
    {
      const ShoalMetainfoFile *mf = shoal_metainfo_get_file (self->info, i);

      if (!_shoal_storage_file_is_pad (mf))
        g_ptr_array_add (paths, g_strdup (rel[i]));
    }
  return paths;
}

/* The hidden directory a deletion moves the files into, in the save
 * directory; its name ends with six random characters, and the files in
 * it are named by their index in the torrent. */
#define TRASH_PREFIX ".shoal-removing-"

/* Returns the path of the entry, or NULL when none could be written (the
 * deletion goes on; only its resumption after a crash is lost). */
static char *
write_journal_entry (const char *journal_dir,
                     const char *trash_dir)
{
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;

  if (journal_dir == NULL || g_mkdir_with_parents (journal_dir, 0700) != 0)
    return NULL;
  /* Unique however many save directories there are. */
  name = g_compute_checksum_for_string (G_CHECKSUM_SHA256, trash_dir, -1);
  path = g_build_filename (journal_dir, name, NULL);
  if (!g_file_set_contents (path, trash_dir, -1, NULL))
    return NULL;
  return g_steal_pointer (&path);
}

typedef struct
{
  char      *trash_dir;  /* (nullable): where the files were moved */
  int        trash_fd;   /* that directory, opened (or -1) */
  GPtrArray *to_unlink;  /* names in trash_dir, deleted in the thread */
  GPtrArray *to_unlink_rel; /* paths left in place, relative to save_dir */
  GPtrArray *rel_paths;  /* (nullable): directories to clean up after */
  char      *save_dir;
  char      *journal;    /* (nullable): the entry that records the deletion */
  GError    *error;      /* (nullable): the first failure so far */
} DeleteJob;

static void
delete_job_free (gpointer data)
{
  DeleteJob *job = data;

  g_free (job->trash_dir);
  if (job->trash_fd >= 0)
    close (job->trash_fd);
  g_ptr_array_unref (job->to_unlink);
  g_ptr_array_unref (job->to_unlink_rel);
  g_clear_pointer (&job->rel_paths, g_ptr_array_unref);
  g_free (job->save_dir);
  g_free (job->journal);
  g_clear_error (&job->error);
  g_free (job);
}

static void
delete_job_run (gpointer data)
{
  GTask *task = ((TaskJob *) data)->task;
  DeleteJob *job = g_task_get_task_data (task);

  /* By descriptor: a link put in the hidden directory's place meanwhile
   * must not lead the removal elsewhere. */
  for (guint i = 0; i < job->to_unlink->len; i++)
    {
      const char *name = g_ptr_array_index (job->to_unlink, i);

      if (unlinkat (job->trash_fd, name, 0) < 0 && errno != ENOENT && job->error == NULL)
        {
          int errsv = errno;
          g_autofree char *path = g_build_filename (job->trash_dir, name, NULL);

          shoal_storage_io_set_error (&job->error, errsv, "removing", path);
        }
    }
  for (guint i = 0; i < job->to_unlink_rel->len; i++)
    {
      const char *rel = g_ptr_array_index (job->to_unlink_rel, i);
      g_autoptr(GError) local_error = NULL;

      if (!shoal_storage_io_unlink_below (job->save_dir, rel, FALSE, &local_error) &&
          !g_error_matches (local_error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILE_MISSING) &&
          job->error == NULL)
        job->error = g_steal_pointer (&local_error);
    }
  if (job->trash_dir != NULL)
    (void) g_rmdir (job->trash_dir);
  if (job->journal != NULL)
    (void) g_unlink (job->journal);
  /* Only files that could not be moved aside leave directories to clean. */
  if (job->rel_paths != NULL)
    shoal_storage_io_remove_empty_dirs (job->save_dir, job->rel_paths);

  if (job->error != NULL)
    g_task_return_error (task, g_steal_pointer (&job->error));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * shoal_storage_delete_files_async:
 * @self: a #ShoalStorage
 * @journal_dir: (nullable): a directory of the session's state where the
 *   deletion is recorded until it is done, so that a program killed
 *   meanwhile finishes it at its next start (shoal_storage_finish_deletions())
 * @cancellable: (nullable): not used yet, for symmetry
 * @callback: called once the data is gone
 * @user_data: for @callback
 *
 * Removes the torrent's files, its part file, and the directories of the
 * torrent that are left empty. Nothing outside the save directory is
 * touched, nor the save directory itself: no link below it is followed (a
 * link on the way is reported with %SHOAL_STORAGE_ERROR_SYMLINK). Missing files are not an error;
 * the first other failure is reported after trying every file. No I/O for
 * this storage may be pending.
 *
 * Freeing the blocks of a large file takes the kernel a while (some
 * 100 ms per GiB on ext4), too long for the main loop. So before this
 * returns every file is renamed into a hidden directory of the save
 * directory (".shoal-removing-XXXXXX", one rename each, which costs no
 * more than creating a file), the torrent's now empty directories are
 * removed, and a worker thread of the disk pool (whose priority is below
 * the main loop's) then unlinks the renamed files. The names
 * are free at once: the same torrent added again right away into the same
 * place finds no old data there, whatever the thread has done yet. A file
 * that cannot be renamed there (on another file system) is unlinked where
 * it is by the thread.
 */
void
shoal_storage_delete_files_async (ShoalStorage        *self,
                                  const char          *journal_dir,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) paths = NULL;
  DeleteJob *job;
  gboolean trash_failed = FALSE;
  gboolean left_in_place = FALSE;

  g_return_if_fail (SHOAL_IS_STORAGE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_storage_delete_files_async);
  job = g_new0 (DeleteJob, 1);
  job->to_unlink = g_ptr_array_new_with_free_func (g_free);
  job->to_unlink_rel = g_ptr_array_new_with_free_func (g_free);
  job->trash_fd = -1;
  job->save_dir = shoal_storage_dup_save_dir (self);
  g_task_set_task_data (task, job, delete_job_free);

  _shoal_storage_close_all_fds (self);
  paths = relative_paths (self);

  for (guint i = 0; i < paths->len; i++)
    {
      const char *rel = g_ptr_array_index (paths, i);
      g_autoptr(GError) local_error = NULL;
      struct stat st;

      /* Never through a link below the save directory: a link there
       * leads out of it, and what is there is not the torrent's. */
      if (!shoal_storage_io_stat_below (job->save_dir, rel, &st, &local_error))
        {
          if (!g_error_matches (local_error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILE_MISSING) &&
              job->error == NULL)
            job->error = g_steal_pointer (&local_error);
          continue;
        }
      /* A directory where the torrent has a file is not the torrent's: it
       * stays, and unlinking it fails with a clear error. */
      if (S_ISDIR (st.st_mode))
        {
          g_ptr_array_add (job->to_unlink_rel, g_strdup (rel));
          continue;
        }
      if (job->trash_dir == NULL && !trash_failed)
        {
          job->trash_dir = g_build_filename (job->save_dir, TRASH_PREFIX "XXXXXX", NULL);
          if (g_mkdtemp_full (job->trash_dir, 0700) == NULL ||
              (job->trash_fd = open (job->trash_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
            {
              if (g_file_test (job->trash_dir, G_FILE_TEST_IS_DIR))
                (void) g_rmdir (job->trash_dir);
              g_clear_pointer (&job->trash_dir, g_free);
              trash_failed = TRUE;
            }
          else
            job->journal = write_journal_entry (journal_dir, job->trash_dir);
        }
      if (job->trash_dir != NULL)
        {
          char *name = g_strdup_printf ("%u", i);

          if (shoal_storage_io_rename_below (job->save_dir, rel, job->trash_fd, name, NULL))
            {
              g_ptr_array_add (job->to_unlink, name);
              continue;
            }
          g_free (name);
        }
      g_ptr_array_add (job->to_unlink_rel, g_strdup (rel));
      left_in_place = TRUE;
    }

  if (!shoal_part_file_delete (self->part, job->error == NULL ? &job->error : NULL))
    g_debug ("Cannot remove part file");

  shoal_storage_io_remove_empty_dirs (job->save_dir, paths);
  if (left_in_place)
    {
      job->rel_paths = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < paths->len; i++)
        g_ptr_array_add (job->rel_paths, g_strdup (g_ptr_array_index (paths, i)));
    }

  {
    TaskJob *run = g_new0 (TaskJob, 1);

    run->self = self;
    run->task = g_steal_pointer (&task);
    shoal_disk_pool_push (self->pool, delete_job_run, run, task_job_free, 0);
  }
}

/* Finishing deletions a killed program left */

typedef struct
{
  char *journal;   /* the entry */
  char *trash_dir; /* what it names, checked */
} LeftoverJob;

static void
leftover_job_free (gpointer data)
{
  LeftoverJob *job = data;

  g_free (job->journal);
  g_free (job->trash_dir);
  g_free (job);
}

static gboolean
is_index_name (const char *name)
{
  if (*name == '\0' || strlen (name) > 10)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

static void
leftover_job_run (gpointer data)
{
  LeftoverJob *job = data;

  if (job->trash_dir != NULL)
    {
      /* The directory itself is opened without following a link: one put
       * in its place would lead the removal anywhere. */
      int fd = open (job->trash_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      DIR *dir = fd >= 0 ? fdopendir (fd) : NULL;
      struct dirent *de;
      gboolean only_ours = dir != NULL;

      if (dir == NULL && fd >= 0)
        close (fd);
      /* Only the files a deletion put there; anything else stays, and so
       * does the directory. */
      while (dir != NULL && (de = readdir (dir)) != NULL)
        {
          struct stat st;

          if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
            continue;
          if (is_index_name (de->d_name) &&
              fstatat (dirfd (dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR (st.st_mode))
            (void) unlinkat (dirfd (dir), de->d_name, 0);
          else
            only_ours = FALSE;
        }
      if (dir != NULL)
        closedir (dir);
      if (only_ours)
        (void) g_rmdir (job->trash_dir);
    }
  (void) g_unlink (job->journal);
}

/**
 * shoal_storage_finish_deletions:
 * @pool: the disk pool to do it in
 * @journal_dir: the directory given to shoal_storage_delete_files_async()
 *
 * Finishes, in @pool, the deletions recorded in @journal_dir: those of a
 * program that was killed before it was done. An entry is followed only
 * if it names an absolute path whose last component is one such hidden
 * directory; in it only the files a deletion moves there are removed.
 * Entries that do not qualify are dropped.
 */
void
shoal_storage_finish_deletions (ShoalDiskPool *pool,
                                const char    *journal_dir)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;
  guint n = 0;

  g_return_if_fail (SHOAL_IS_DISK_POOL (pool));
  g_return_if_fail (journal_dir != NULL);

  dir = g_dir_open (journal_dir, 0, NULL);
  /* Bounded: a journal is a handful of entries at most. */
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL && n++ < 4096)
    {
      LeftoverJob *job = g_new0 (LeftoverJob, 1);
      g_autofree char *contents = NULL;
      g_autofree char *base = NULL;
      gsize length = 0;

      job->journal = g_build_filename (journal_dir, name, NULL);
      if (g_file_get_contents (job->journal, &contents, &length, NULL) && length > 0 && length < 4096 &&
          strlen (contents) == length && g_path_is_absolute (contents) && strstr (contents, "/../") == NULL)
        {
          base = g_path_get_basename (contents);
          if (g_str_has_prefix (base, TRASH_PREFIX) && strlen (base) == strlen (TRASH_PREFIX) + 6)
            job->trash_dir = g_steal_pointer (&contents);
        }
      shoal_disk_pool_push (pool, leftover_job_run, job, leftover_job_free, 0);
    }
}

/**
 * shoal_storage_delete_files_finish:
 * @self: a #ShoalStorage
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Returns: %TRUE if every file of the torrent is gone
 */
gboolean
shoal_storage_delete_files_finish (ShoalStorage  *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
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
  /* From here the result says where the files are: a cancellation that
   * comes during the move must not turn a move that went through into
   * an error (the caller would keep the old directory). */
  g_task_set_check_cancellable (job->task, FALSE);

  /* Holding the lock keeps other I/O of this torrent from opening files
   * until they are all in their new place. */
  g_mutex_lock (&self->fd_lock);
  _shoal_storage_close_all_fds_locked (self);

  if (strcmp (self->save_dir, job->new_save_dir) == 0)
    goto done;

  for (guint i = 0; i < paths->len; i++)
    {
      const char *rel = g_ptr_array_index (paths, i);
      g_autofree char *dest = g_build_filename (job->new_save_dir, rel, NULL);
      g_autoptr(GError) local_error = NULL;
      struct stat st;

      /* Neither side is looked at through a link below its directory. */
      if (!shoal_storage_io_stat_below (self->save_dir, rel, &st, &local_error))
        {
          if (g_error_matches (local_error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILE_MISSING))
            continue;
          g_propagate_error (&error, g_steal_pointer (&local_error));
          goto fail;
        }
      if (shoal_storage_io_stat_below (job->new_save_dir, rel, &st, &local_error))
        {
          shoal_storage_io_set_error (&error, EEXIST, "moving to", dest);
          goto fail;
        }
      if (!g_error_matches (local_error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILE_MISSING))
        {
          g_propagate_error (&error, g_steal_pointer (&local_error));
          goto fail;
        }
      g_ptr_array_add (to_move, (gpointer) rel);
    }

  for (moved = 0; moved < to_move->len; moved++)
    {
      const char *rel = g_ptr_array_index (to_move, moved);

      if (!shoal_storage_io_move_below (self->save_dir, rel, job->new_save_dir, rel, &error))
        goto fail;
    }

  if (self->default_part_path)
    {
      g_autofree char *part_path = _shoal_storage_default_part_path (self->info, job->new_save_dir);

      if (!shoal_part_file_relocate (self->part, part_path, &error))
        goto fail;
    }

  shoal_storage_io_remove_empty_dirs (self->save_dir, to_move);
  g_free (self->save_dir);
  self->save_dir = g_strdup (job->new_save_dir);
  /* The files are the same, their directory is another one. */
  self->root_opened = FALSE;

done:
  g_mutex_unlock (&self->fd_lock);
  g_task_return_boolean (job->task, TRUE);
  return;

fail:
  /* Put back what was moved, so the torrent stays in one place. */
  while (moved-- > 0)
    {
      const char *rel = g_ptr_array_index (to_move, moved);
      g_autoptr(GError) rollback_error = NULL;

      if (!shoal_storage_io_move_below (job->new_save_dir, rel, self->save_dir, rel, &rollback_error))
        g_warning ("Cannot move “%s” back: %s", rel, rollback_error->message);
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
