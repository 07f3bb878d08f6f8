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

/* Each pwrite() is at most this long. Linux sizes the page-cache folios
 * of a buffered write from its length, and where those come from matters
 * more than the number of calls: on the benchmark's VM (free memory is
 * handed back to the host, virtio-balloon free page reporting, as on many
 * cloud VMs and WSL2), the large folios of 32 KiB and up come from the
 * free blocks handed back, whose first touch the host must fault in.
 * Writing a new 1 GiB file cost 1.9-2.2 s of system time in 128 KiB calls
 * (0.22 s only right after 128 KiB folios were freed), 0.37-0.41 s in
 * 16 KiB calls whatever came before, 89 % of it the copy into the cache
 * with 128 KiB calls against 20 % with 16 KiB ones. Where pages cost only
 * the copy, the eight times as many calls cost about 0.15 s/GiB more. See
 * tests/bench/findings-network.md. */
#define MAX_WRITE_CALL (16 * 1024)

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
      gsize want = MIN (len - done, (gsize) MAX_WRITE_CALL);
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

/* Walking below the save directory
 *
 * The save directory is the user's choice: it is opened by its path, and
 * may be a symbolic link. Nothing below it is: a link there (placed by
 * another user of a shared directory, or by a torrent's data in an earlier
 * run) could send the torrent's bytes anywhere the user may write. So each
 * component of a file's relative path is opened with openat() and
 * O_NOFOLLOW, and a link met on the way is an error naming it. */

static void
set_link_error (GError     **error,
                const char  *root,
                const char  *rel,
                gsize        rel_len)
{
  g_autofree char *prefix = g_strndup (rel, rel_len);
  g_autofree char *path = g_build_filename (root, prefix, NULL);
  g_autofree char *display = g_filename_display_name (path);

  g_set_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_SYMLINK,
               "“%s” is a symbolic link: links inside the download directory are "
               "never followed; remove it or choose another directory", display);
}

static void
set_error_at (GError     **error,
              int          errsv,
              const char  *action,
              const char  *root,
              const char  *rel,
              gsize        rel_len)
{
  g_autofree char *prefix = g_strndup (rel, rel_len);
  g_autofree char *path = g_build_filename (root, prefix, NULL);

  shoal_storage_io_set_error (error, errsv, action, path);
}

/*
 * Opens the save directory @root (following links: the user chose it).
 * With @create it is made when missing. Returns an O_PATH descriptor.
 */
int
shoal_storage_io_open_root (const char  *root,
                            gboolean     create,
                            GError     **error)
{
  int fd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0 && errno == ENOENT && create)
    {
      if (g_mkdir_with_parents (root, 0755) < 0)
        {
          int errsv = errno;

          shoal_storage_io_set_error (error, errsv, "creating", root);
          return -1;
        }
      fd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
  if (fd < 0)
    {
      int errsv = errno;

      shoal_storage_io_set_error (error, errsv, "opening", root);
    }
  return fd;
}

/*
 * Opens the directory that holds @rel (a relative path, already sanitized)
 * below @root_fd, the save directory @root, one component at a time and
 * never through a link; with @create, missing directories are made.
 * Returns an O_PATH descriptor to close, and the last component in *@base.
 */
int
shoal_storage_io_open_parent (int          root_fd,
                              const char  *root,
                              const char  *rel,
                              gboolean     create,
                              char       **base,
                              GError     **error)
{
  const char *p = rel;
  int cur = root_fd;

  for (;;)
    {
      const char *slash = strchr (p, G_DIR_SEPARATOR);
      g_autofree char *name = NULL;
      int next;

      if (slash == NULL)
        break;
      name = g_strndup (p, slash - p);
      if (*name == '\0' || strcmp (name, ".") == 0)
        {
          p = slash + 1;
          continue;
        }
      next = openat (cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0 && errno == ENOENT && create)
        {
          if (mkdirat (cur, name, 0755) < 0 && errno != EEXIST)
            {
              int errsv = errno;

              set_error_at (error, errsv, "creating", root, rel, slash - rel);
              goto fail;
            }
          next = openat (cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
      if (next < 0)
        {
          int errsv = errno;
          struct stat st;

          if ((errsv == ENOTDIR || errsv == ELOOP) &&
              fstatat (cur, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode))
            set_link_error (error, root, rel, slash - rel);
          else
            set_error_at (error, errsv, create ? "creating" : "opening", root, rel, slash - rel);
          goto fail;
        }
      if (cur != root_fd)
        close (cur);
      cur = next;
      p = slash + 1;
    }

  if (cur == root_fd)
    {
      cur = fcntl (root_fd, F_DUPFD_CLOEXEC, 0);
      if (cur < 0)
        {
          int errsv = errno;

          shoal_storage_io_set_error (error, errsv, "opening", root);
          return -1;
        }
    }
  *base = g_strdup (p);
  return cur;

fail:
  if (cur != root_fd)
    close (cur);
  return -1;
}

/*
 * Opens the regular file @rel below the save directory @root without
 * following any link below @root (see above). @flags are open() flags;
 * O_CREAT also makes the missing directories, and the save directory
 * itself when @create_root. A link, or anything but a regular file, where
 * the file should be is an error. Fills @st when not NULL.
 */
int
shoal_storage_io_open_below (const char   *root,
                             const char   *rel,
                             int           flags,
                             mode_t        mode,
                             gboolean      create_root,
                             struct stat  *st,
                             GError      **error)
{
  const char *action = (flags & O_ACCMODE) == O_RDONLY ? "reading" : "writing";
  g_autoptr(GError) local_error = NULL;
  g_autofree char *base = NULL;
  struct stat local;
  int root_fd;
  int dir_fd;
  int fd;
  int errsv;

  root_fd = shoal_storage_io_open_root (root, (flags & O_CREAT) && create_root, &local_error);
  if (root_fd >= 0)
    {
      dir_fd = shoal_storage_io_open_parent (root_fd, root, rel, (flags & O_CREAT) != 0, &base,
                                             &local_error);
      close (root_fd);
    }
  else
    dir_fd = -1;
  if (dir_fd < 0)
    {
      /* A missing directory on the way means the file is missing: say
       * which file. */
      if (g_error_matches (local_error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILE_MISSING))
        set_error_at (error, ENOENT, action, root, rel, strlen (rel));
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return -1;
    }

  /* O_NONBLOCK: opening a FIFO put there must not hang a worker. It has
   * no effect on regular files, the only kind accepted. */
  fd = openat (dir_fd, base, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
  errsv = errno;
  if (fd < 0)
    {
      if (errsv == ELOOP || (fstatat (dir_fd, base, &local, AT_SYMLINK_NOFOLLOW) == 0 &&
                             S_ISLNK (local.st_mode)))
        set_link_error (error, root, rel, strlen (rel));
      else
        set_error_at (error, errsv, action, root, rel, strlen (rel));
      close (dir_fd);
      return -1;
    }
  close (dir_fd);

  if (st == NULL)
    st = &local;
  if (fstat (fd, st) < 0 || !S_ISREG (st->st_mode))
    {
      g_autofree char *path = g_build_filename (root, rel, NULL);
      g_autofree char *display = g_filename_display_name (path);

      close (fd);
      g_set_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_IO,
                   "“%s” is not a regular file", display);
      return -1;
    }
  return fd;
}

/* The directory holding @rel below @root, opened without following a
 * link below @root; *@base is @rel's last component. -1 on failure. */
static int
open_parent_below (const char  *root,
                   const char  *rel,
                   char       **base,
                   GError     **error)
{
  int root_fd = shoal_storage_io_open_root (root, FALSE, error);
  int dir_fd;

  if (root_fd < 0)
    return -1;
  dir_fd = shoal_storage_io_open_parent (root_fd, root, rel, FALSE, base, error);
  close (root_fd);
  return dir_fd;
}

/*
 * lstat() of @rel below @root, without following links below @root.
 * Fails (FILE_MISSING when it is not there) only when nothing could be
 * looked at; a link at @rel itself is returned as one.
 */
gboolean
shoal_storage_io_stat_below (const char   *root,
                             const char   *rel,
                             struct stat  *st,
                             GError      **error)
{
  g_autofree char *base = NULL;
  int dir_fd;
  int errsv;

  dir_fd = open_parent_below (root, rel, &base, error);
  if (dir_fd < 0)
    return FALSE;
  if (fstatat (dir_fd, base, st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      errsv = errno;
      close (dir_fd);
      set_error_at (error, errsv, "opening", root, rel, strlen (rel));
      return FALSE;
    }
  close (dir_fd);
  return TRUE;
}

/* Removes @rel below @root (a directory with @remove_dir), never through
 * a link below @root. A link at @rel itself is removed, not followed. */
gboolean
shoal_storage_io_unlink_below (const char  *root,
                               const char  *rel,
                               gboolean     remove_dir,
                               GError     **error)
{
  g_autofree char *base = NULL;
  int dir_fd;
  int errsv;

  dir_fd = open_parent_below (root, rel, &base, error);
  if (dir_fd < 0)
    return FALSE;
  if (unlinkat (dir_fd, base, remove_dir ? AT_REMOVEDIR : 0) < 0)
    {
      errsv = errno;
      close (dir_fd);
      set_error_at (error, errsv, "removing", root, rel, strlen (rel));
      return FALSE;
    }
  close (dir_fd);
  return TRUE;
}

/* Renames @rel below @root to @name in the directory @dest_fd, never
 * through a link below @root (a link at @rel itself is moved, not
 * followed). Fails with EXDEV across file systems, without copying. */
gboolean
shoal_storage_io_rename_below (const char  *root,
                               const char  *rel,
                               int          dest_fd,
                               const char  *name,
                               GError     **error)
{
  g_autofree char *base = NULL;
  int dir_fd;
  int errsv;

  dir_fd = open_parent_below (root, rel, &base, error);
  if (dir_fd < 0)
    return FALSE;
  if (renameat (dir_fd, base, dest_fd, name) < 0)
    {
      errsv = errno;
      close (dir_fd);
      set_error_at (error, errsv, "moving", root, rel, strlen (rel));
      return FALSE;
    }
  close (dir_fd);
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
 * Moves @src_rel below @src_root to @dest_rel below @dest_root, which must
 * not exist: rename() on the same file system, otherwise a copy (keeping
 * the modification time, so that resume data stays valid) followed by
 * removing the source. No link below either root is followed, and a link
 * in the source's place is refused, not moved.
 */
gboolean
shoal_storage_io_move_below (const char  *src_root,
                             const char  *src_rel,
                             const char  *dest_root,
                             const char  *dest_rel,
                             GError     **error)
{
  g_autofree char *src = g_build_filename (src_root, src_rel, NULL);
  g_autofree char *dest = g_build_filename (dest_root, dest_rel, NULL);
  g_autofree char *src_base = NULL;
  g_autofree char *dest_base = NULL;
  struct stat st;
  struct timespec times[2];
  int src_dir = -1;
  int dest_dir = -1;
  int root_fd;
  int in_fd = -1;
  int out_fd = -1;
  int errsv;
  gboolean ok = FALSE;

  root_fd = shoal_storage_io_open_root (src_root, FALSE, error);
  if (root_fd < 0)
    return FALSE;
  src_dir = shoal_storage_io_open_parent (root_fd, src_root, src_rel, FALSE, &src_base, error);
  close (root_fd);
  if (src_dir < 0)
    return FALSE;
  if (fstatat (src_dir, src_base, &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      errsv = errno;
      shoal_storage_io_set_error (error, errsv, "moving", src);
      goto out;
    }
  if (S_ISLNK (st.st_mode))
    {
      set_link_error (error, src_root, src_rel, strlen (src_rel));
      goto out;
    }

  root_fd = shoal_storage_io_open_root (dest_root, TRUE, error);
  if (root_fd < 0)
    goto out;
  dest_dir = shoal_storage_io_open_parent (root_fd, dest_root, dest_rel, TRUE, &dest_base, error);
  close (root_fd);
  if (dest_dir < 0)
    goto out;
  if (fstatat (dest_dir, dest_base, &st, AT_SYMLINK_NOFOLLOW) == 0)
    {
      shoal_storage_io_set_error (error, EEXIST, "moving to", dest);
      goto out;
    }

  if (renameat (src_dir, src_base, dest_dir, dest_base) == 0)
    {
      ok = TRUE;
      goto out;
    }
  errsv = errno;
  if (errsv != EXDEV)
    {
      shoal_storage_io_set_error (error, errsv, "moving", src);
      goto out;
    }

  in_fd = openat (src_dir, src_base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (in_fd < 0 || fstat (in_fd, &st) < 0)
    {
      errsv = errno;
      shoal_storage_io_set_error (error, errsv, "reading", src);
      goto out;
    }
  if (!S_ISREG (st.st_mode))
    {
      shoal_storage_io_set_error (error, EINVAL, "moving", src);
      goto out;
    }
  out_fd = openat (dest_dir, dest_base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                   st.st_mode & 0777);
  if (out_fd < 0)
    {
      errsv = errno;
      shoal_storage_io_set_error (error, errsv, "creating", dest);
      goto out;
    }

  if (!copy_contents (in_fd, out_fd, src, dest, error))
    {
      (void) unlinkat (dest_dir, dest_base, 0);
      goto out;
    }

  times[0] = st.st_atim;
  times[1] = st.st_mtim;
  (void) futimens (out_fd, times);

  /* The source goes away next, so the copy must really be on disk. */
  errsv = 0;
  if (fsync (out_fd) < 0)
    errsv = errno;
  if (close (out_fd) < 0 && errsv == 0)
    errsv = errno;
  out_fd = -1;
  if (errsv != 0)
    {
      (void) unlinkat (dest_dir, dest_base, 0);
      shoal_storage_io_set_error (error, errsv, "writing", dest);
      goto out;
    }

  if (unlinkat (src_dir, src_base, 0) < 0)
    {
      errsv = errno;
      shoal_storage_io_set_error (error, errsv, "removing", src);
      goto out;
    }
  ok = TRUE;

out:
  if (in_fd >= 0)
    close (in_fd);
  if (out_fd >= 0)
    close (out_fd);
  if (src_dir >= 0)
    close (src_dir);
  if (dest_dir >= 0)
    close (dest_dir);
  return ok;
}

/* Moves the file @src to @dest (see shoal_storage_io_move_below()); the
 * directories that hold them are trusted, only the names are not. */
gboolean
shoal_storage_io_move_file (const char  *src,
                            const char  *dest,
                            GError     **error)
{
  g_autofree char *src_dir = g_path_get_dirname (src);
  g_autofree char *src_base = g_path_get_basename (src);
  g_autofree char *dest_dir = g_path_get_dirname (dest);
  g_autofree char *dest_base = g_path_get_basename (dest);

  return shoal_storage_io_move_below (src_dir, src_base, dest_dir, dest_base, error);
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
 * and no link below @root is followed, nothing outside it is touched.
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
      (void) shoal_storage_io_unlink_below (root, g_ptr_array_index (dirs, i), TRUE, NULL);
    }
}
