/* shoal-storage-io.c: low-level file helpers for ShoalStorage
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "shoal-storage.h"
#include "shoal-storage-io.h"

#define COPY_BUFFER_SIZE (1024 * 1024)

/*
 * Turns an errno into a GError a person can act on. @action is a gerund
 * ("writing", "reading", "moving") and @path the file concerned.
 */
void
shoal_storage_io_set_error (GError     **error,
                            int          errsv,
                            const char  *action,
                            const char  *path)
{
  g_autofree char *display = g_filename_display_name (path);

  switch (errsv)
    {
    case ENOSPC:
    case EDQUOT:
      g_set_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_DISK_FULL,
                   "No space left on device while %s “%s”", action, display);
      break;

    case EFBIG:
      g_set_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILE_TOO_LARGE,
                   "“%s” would be larger than the file system or the file size limit allows",
                   display);
      break;

    case EACCES:
    case EPERM:
    case EROFS:
      g_set_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_PERMISSION_DENIED,
                   "Permission denied while %s “%s”: %s", action, display,
                   g_strerror (errsv));
      break;

    case ENOENT:
    case ENOTDIR:
      g_set_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILE_MISSING,
                   "File “%s” is missing", display);
      break;

    case EEXIST:
      g_set_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILE_EXISTS,
                   "File “%s” already exists", display);
      break;

    default:
      g_set_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_IO,
                   "Error %s “%s”: %s", action, display, g_strerror (errsv));
      break;
    }
}

/*
 * Reads up to @len bytes at @offset, retrying short reads and EINTR. Stops
 * early only at the end of the file: *@n_read then says how far it got.
 */
gboolean
shoal_storage_io_pread (int      fd,
                        void    *buf,
                        gsize    len,
                        guint64  offset,
                        gsize   *n_read,
                        int     *errsv)
{
  gsize done = 0;

  while (done < len)
    {
      gsize want = MIN (len - done, (gsize) G_MAXSSIZE);
      ssize_t r = pread (fd, (guint8 *) buf + done, want, (off_t) (offset + done));

      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          *errsv = errno;
          *n_read = done;
          return FALSE;
        }
      if (r == 0)
        break;
      done += (gsize) r;
    }

  *n_read = done;
  return TRUE;
}

/* Writes all of @buf at @offset, retrying short writes and EINTR. */
gboolean
shoal_storage_io_pwrite (int         fd,
                         const void *buf,
                         gsize       len,
                         guint64     offset,
                         int        *errsv)
{
  gsize done = 0;

  while (done < len)
    {
      gsize want = MIN (len - done, (gsize) G_MAXSSIZE);
      ssize_t r = pwrite (fd, (const guint8 *) buf + done, want, (off_t) (offset + done));

      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          *errsv = errno;
          return FALSE;
        }
      /* A zero-byte write of a non-empty buffer means the device is full
       * but did not say so; treat it as such rather than loop forever. */
      if (r == 0)
        {
          *errsv = ENOSPC;
          return FALSE;
        }
      done += (gsize) r;
    }

  return TRUE;
}

/* Creates the directories leading to @path. */
gboolean
shoal_storage_io_make_parents (const char  *path,
                               GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0755) < 0)
    {
      int errsv = errno;

      shoal_storage_io_set_error (error, errsv, "creating", dir);
      return FALSE;
    }
  return TRUE;
}

static gboolean
copy_contents (int          in_fd,
               int          out_fd,
               const char  *src,
               const char  *dest,
               GError     **error)
{
  g_autofree guint8 *buffer = NULL;
  guint64 offset = 0;
  int errsv = 0;

  /* copy_file_range() lets the kernel (or a reflinking file system) do the
   * work; it fails with EXDEV/ENOSYS/EINVAL where it cannot, and then we
   * copy by hand. */
  for (;;)
    {
      ssize_t r = copy_file_range (in_fd, NULL, out_fd, NULL, COPY_BUFFER_SIZE * 8, 0);

      if (r > 0)
        {
          offset += (guint64) r;
          continue;
        }
      if (r == 0)
        return TRUE;
      if (errno == EINTR)
        continue;
      if (offset == 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
                          errno == EOPNOTSUPP))
        break;
      errsv = errno;
      shoal_storage_io_set_error (error, errsv, "copying to", dest);
      return FALSE;
    }

  buffer = g_malloc (COPY_BUFFER_SIZE);
  for (;;)
    {
      gsize n = 0;

      if (!shoal_storage_io_pread (in_fd, buffer, COPY_BUFFER_SIZE, offset, &n, &errsv))
        {
          shoal_storage_io_set_error (error, errsv, "reading", src);
          return FALSE;
        }
      if (n == 0)
        return TRUE;
      if (!shoal_storage_io_pwrite (out_fd, buffer, n, offset, &errsv))
        {
          shoal_storage_io_set_error (error, errsv, "writing", dest);
          return FALSE;
        }
      offset += n;
    }
}

/*
 * Moves @src to @dest, which must not exist: rename() on the same file
 * system, otherwise a copy (keeping the modification time, so that resume
 * data stays valid) followed by removing @src.
 */
gboolean
shoal_storage_io_move_file (const char  *src,
                            const char  *dest,
                            GError     **error)
{
  struct stat st;
  struct timespec times[2];
  int in_fd;
  int out_fd;
  int errsv;

  if (lstat (dest, &st) == 0)
    {
      shoal_storage_io_set_error (error, EEXIST, "moving to", dest);
      return FALSE;
    }
  if (!shoal_storage_io_make_parents (dest, error))
    return FALSE;

  if (rename (src, dest) == 0)
    return TRUE;
  errsv = errno;
  if (errsv != EXDEV)
    {
      shoal_storage_io_set_error (error, errsv, "moving", src);
      return FALSE;
    }

  in_fd = open (src, O_RDONLY | O_CLOEXEC);
  if (in_fd < 0)
    {
      errsv = errno;
      shoal_storage_io_set_error (error, errsv, "reading", src);
      return FALSE;
    }
  if (fstat (in_fd, &st) < 0)
    {
      errsv = errno;
      close (in_fd);
      shoal_storage_io_set_error (error, errsv, "reading", src);
      return FALSE;
    }
  out_fd = open (dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 0777);
  if (out_fd < 0)
    {
      errsv = errno;
      close (in_fd);
      shoal_storage_io_set_error (error, errsv, "creating", dest);
      return FALSE;
    }

  if (!copy_contents (in_fd, out_fd, src, dest, error))
    {
      close (in_fd);
      close (out_fd);
      g_unlink (dest);
      return FALSE;
    }

  times[0] = st.st_atim;
  times[1] = st.st_mtim;
  (void) futimens (out_fd, times);
  close (in_fd);

  /* The source goes away next, so the copy must really be on disk. */
  if (fsync (out_fd) < 0 || close (out_fd) < 0)
    {
      errsv = errno;
      g_unlink (dest);
      shoal_storage_io_set_error (error, errsv, "writing", dest);
      return FALSE;
    }

  if (g_unlink (src) < 0)
    {
      errsv = errno;
      shoal_storage_io_set_error (error, errsv, "removing", src);
      return FALSE;
    }
  return TRUE;
}

static int
compare_length_desc (gconstpointer a,
                     gconstpointer b)
{
  const char *sa = *(const char * const *) a;
  const char *sb = *(const char * const *) b;
  gsize la = strlen (sa);
  gsize lb = strlen (sb);

  return la < lb ? 1 : la > lb ? -1 : strcmp (sa, sb);
}

/*
 * Removes the directories below @root that the relative paths in
 * @relative_files run through, deepest first, where they are empty. @root
 * itself is never removed, and since the paths are sanitized (no "..")
 * nothing outside it is touched.
 */
void
shoal_storage_io_remove_empty_dirs (const char *root,
                                    GPtrArray  *relative_files)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < relative_files->len; i++)
    {
      g_autofree char *dir = g_path_get_dirname (g_ptr_array_index (relative_files, i));

      while (strcmp (dir, ".") != 0 && strcmp (dir, "/") != 0 &&
             !g_hash_table_contains (seen, dir))
        {
          char *parent = g_path_get_dirname (dir);

          g_hash_table_add (seen, dir);
          g_ptr_array_add (dirs, g_steal_pointer (&dir));
          dir = parent;
        }
    }

  /* A longer path is never the parent of a shorter one. */
  g_ptr_array_sort (dirs, compare_length_desc);
  for (guint i = 0; i < dirs->len; i++)
    {
      g_autofree char *path = g_build_filename (root, g_ptr_array_index (dirs, i), NULL);

      (void) g_rmdir (path);
    }
}
