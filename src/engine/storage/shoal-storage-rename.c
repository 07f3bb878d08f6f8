/* shoal-storage-rename.c: files and folders of a torrent under new names
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of ShoalStorage (shoal-storage-private.h). A file's path below the
 * save directory starts as the metainfo's and may be renamed: one path
 * component (a file, or a folder with everything in it) gets a new name in
 * the same folder. The new name is one plain component, so no rename ever
 * leads outside the save directory; the entry on disk is renamed through
 * descriptors opened one component at a time (never through a link), and
 * never over an existing entry. Open descriptors follow the renamed files,
 * so writes in flight land in them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "shoal-storage-io.h"
#include "shoal-storage-private.h"

#define MAX_NAME_BYTES 255

/**
 * shoal_storage_dup_rel_paths:
 * @self: a storage
 *
 * Returns: (transfer full): every file's path below the save directory, as
 *   renamed
 */
char **
shoal_storage_dup_rel_paths (ShoalStorage *self)
{
  char **copy;

  g_mutex_lock (&self->fd_lock);
  copy = g_strdupv (self->rel_paths);
  g_mutex_unlock (&self->fd_lock);
  return copy;
}

/**
 * shoal_storage_dup_file_rel_path:
 * @self: a storage
 * @file_index: a file
 *
 * Returns: (transfer full): its path below the save directory, as renamed
 */
char *
shoal_storage_dup_file_rel_path (ShoalStorage *self,
                                 guint         file_index)
{
  char *path;

  g_return_val_if_fail (SHOAL_IS_STORAGE (self), NULL);
  g_return_val_if_fail (file_index < self->n_files, NULL);

  g_mutex_lock (&self->fd_lock);
  path = g_strdup (self->rel_paths[file_index]);
  g_mutex_unlock (&self->fd_lock);
  return path;
}

/* One component a file system takes: not empty, not "." or "..", no
 * separator, no NUL (the caller's string ends there), not too long. */
static gboolean
check_name (const char  *name,
            GError     **error)
{
  gsize len = strlen (name);

  if (len == 0 || len > MAX_NAME_BYTES || strcmp (name, ".") == 0 || strcmp (name, "..") == 0 ||
      strchr (name, '/') != NULL || strchr (name, '\\') != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                   "“%s” cannot be a file name: one name of at most %u bytes, without “/”, “\\”, "
                   "and not “.” or “..”", name, MAX_NAME_BYTES);
      return FALSE;
    }
  return TRUE;
}

/* @path is @prefix itself, or something inside it. */
static gboolean
is_under (const char *path,
          const char *prefix)
{
  gsize n = strlen (prefix);

  return strncmp (path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* A relative path made of plain components. */
static gboolean
check_rel_path (const char *path)
{
  g_auto(GStrv) parts = NULL;

  if (path == NULL || path[0] == '\0' || path[0] == '/' || strlen (path) > 4096)
    return FALSE;
  parts = g_strsplit (path, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (!check_name (parts[i], NULL))
      return FALSE;
  return TRUE;
}

/**
 * shoal_storage_set_rel_paths:
 * @self: a storage not used yet
 * @paths: one relative path per file (from resume data)
 *
 * Takes the paths saved after renames. Refused as a whole (returning
 * %FALSE) unless there is one per file, each made of plain components,
 * none the same as another.
 */
gboolean
shoal_storage_set_rel_paths (ShoalStorage       *self,
                             const char * const *paths)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  g_return_val_if_fail (SHOAL_IS_STORAGE (self), FALSE);
  if (paths == NULL || g_strv_length ((char **) paths) != self->n_files)
    return FALSE;
  for (guint i = 0; i < self->n_files; i++)
    if (!check_rel_path (paths[i]) || !g_hash_table_add (seen, (gpointer) paths[i]))
      return FALSE;
  g_mutex_lock (&self->fd_lock);
  g_strfreev (self->rel_paths);
  self->rel_paths = g_strdupv ((char **) paths);
  g_mutex_unlock (&self->fd_lock);
  return TRUE;
}

/**
 * shoal_storage_rename:
 * @self: a storage
 * @path: a file's path below the save directory, or a folder of files
 *   (as shoal_storage_dup_file_rel_path() gives them)
 * @new_name: its new name, one component, in the same folder
 * @error: return location for a %G_IO_ERROR or %SHOAL_STORAGE_ERROR
 *
 * Renames the file or folder on disk (when it is there) and in the
 * torrent's file list. Refused when @path names no file of the torrent,
 * @new_name is not a plain name, or the new path is taken (on disk or by
 * another file of the torrent). Quick: one rename() on the caller's thread.
 *
 * Returns: %TRUE if renamed
 */
gboolean
shoal_storage_rename (ShoalStorage  *self,
                      const char    *path,
                      const char    *new_name,
                      GError       **error)
{
  g_autofree char *parent = NULL;
  g_autofree char *new_path = NULL;
  g_autofree char *base = NULL;
  gboolean found = FALSE;
  int root_fd = -1, dir_fd = -1;
  gboolean ok = FALSE;
  struct stat st;

  g_return_val_if_fail (SHOAL_IS_STORAGE (self), FALSE);
  g_return_val_if_fail (path != NULL && new_name != NULL, FALSE);

  if (!check_name (new_name, error))
    return FALSE;
  if (!check_rel_path (path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "“%s” is not a file of this torrent", path);
      return FALSE;
    }
  parent = strrchr (path, '/') != NULL ? g_strndup (path, strrchr (path, '/') - path) : NULL;
  new_path = parent != NULL ? g_strconcat (parent, "/", new_name, NULL) : g_strdup (new_name);

  g_mutex_lock (&self->fd_lock);
  for (guint i = 0; i < self->n_files; i++)
    {
      found = found || is_under (self->rel_paths[i], path);
      if (is_under (self->rel_paths[i], new_path) || is_under (new_path, self->rel_paths[i]))
        {
          g_set_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILE_EXISTS,
                       "“%s” is already a file or folder of this torrent", new_path);
          goto out;
        }
    }
  if (!found)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "“%s” is not a file of this torrent", path);
      goto out;
    }

  /* On disk, when there: the same folder, opened without following links. */
  root_fd = open (self->save_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd >= 0)
    {
      GError *local_error = NULL;

      dir_fd = shoal_storage_io_open_parent (root_fd, self->save_dir, path, FALSE, &base, &local_error);
      if (dir_fd < 0)
        {
          /* No folder: nothing of it was written yet. */
          if (!g_error_matches (local_error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILE_MISSING))
            {
              g_propagate_error (error, local_error);
              goto out;
            }
          g_clear_error (&local_error);
        }
    }
  if (dir_fd >= 0 && fstatat (dir_fd, base, &st, AT_SYMLINK_NOFOLLOW) == 0)
    {
      if (fstatat (dir_fd, new_name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
        {
          g_autofree char *full = g_build_filename (self->save_dir, new_path, NULL);

          g_set_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILE_EXISTS,
                       "“%s” already exists", full);
          goto out;
        }
      if (renameat (dir_fd, base, dir_fd, new_name) < 0)
        {
          int errsv = errno;
          g_autofree char *full = g_build_filename (self->save_dir, path, NULL);

          shoal_storage_io_set_error (error, errsv, "renaming", full);
          goto out;
        }
    }

  for (guint i = 0; i < self->n_files; i++)
    if (is_under (self->rel_paths[i], path))
      {
        char *renamed = g_strconcat (new_path, self->rel_paths[i] + strlen (path), NULL);

        g_free (self->rel_paths[i]);
        self->rel_paths[i] = renamed;
      }
  ok = TRUE;

out:
  g_mutex_unlock (&self->fd_lock);
  if (dir_fd >= 0)
    close (dir_fd);
  if (root_fd >= 0)
    close (root_fd);
  return ok;
}
