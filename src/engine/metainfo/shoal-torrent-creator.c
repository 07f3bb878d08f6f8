/* shoal-torrent-creator.c: make .torrent files from local data
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What goes into a torrent, decided once here:
 *
 *  - A regular file gives a single-file torrent; a directory a multi-file
 *    torrent (even with one file in it), named after the directory.
 *  - Every regular file is included, hidden ones (".*", ".git") too: the
 *    user picked the directory, and silently leaving files out makes a
 *    torrent that does not match what was asked for.
 *  - Symbolic links to regular files inside the shared directory are
 *    followed and shared as ordinary files with the target's content, which
 *    every client understands (BEP 47 symlink entries are not). Links that
 *    point outside the directory, links to directories (which could loop)
 *    and dangling links are skipped, as are sockets, FIFOs and devices;
 *    each skip is listed by shoal_torrent_creator_get_skipped().
 *  - Empty directories leave no trace (torrents cannot describe them); empty
 *    files are kept (v1 lists them, and the v2 file tree has them without a
 *    pieces root).
 *  - Files come in the order of their paths compared component by component
 *    as bytes, the depth-first order of the BEP 52 file tree, also for v1
 *    torrents, so that the same data always makes the same info-hash and
 *    the result matches libtorrent's.
 *  - Files with the owner's execute bit get BEP 47's "x" attribute.
 *  - No modification times: they would change the info-hash of identical
 *    data copied elsewhere.
 *  - Hybrid torrents put a BEP 47 pad file (".pad/N") after every file that
 *    does not end on a piece boundary, the last one included, as libtorrent
 *    does, so that each file starts a piece of its own; a directory holding
 *    a single file gets none, also as libtorrent does (there is no next
 *    file to align), so that the common "Movie (2020)/movie.mkv" has the
 *    same info-hashes whichever of the two made it.
 *  - v2-only torrents have neither pad files nor v1 "pieces": each file's
 *    merkle tree stands alone (its data is laid out from a piece boundary
 *    while hashing, nothing more), and only files larger than one piece
 *    get a piece layer, as BEP 52 requires.
 *
 * Hashing runs on a GThreadPool with one worker per processor. Workers take
 * runs of whole pieces from a shared counter, read them 1 MiB at a time
 * (small enough to stay in L2 while both hashes run over it) and, in
 * hybrid mode, feed each 16 KiB block to SHA-1 and SHA-256 back to back.
 * v1 runs SHA-1 alone, v2 SHA-256 alone.
 */
#include "config.h"

#include <errno.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shoal-bencode.h"
#include "shoal-hash.h"
#include "shoal-torrent-creator.h"
#include "shoal-torrent-creator-private.h"

#define UNIT_BYTES        (4 * 1024 * 1024)
#define MAX_PIECE_SIZE    (256 * 1024 * 1024)
#define AUTO_MAX_PIECES   2048
#define PROGRESS_INTERVAL 100 /* ms */

struct _ShoalTorrentCreator
{
  GObject              parent_instance;

  char                *path;
  GPtrArray           *tiers;       /* of GStrv */
  GStrv                web_seeds;
  guint64              piece_size;
  gboolean             is_private;
  char                *comment;
  char                *source;
  char                *created_by;
  gint64               creation_date;
  ShoalTorrentVersion  version;

  gboolean             running;
  GStrv                skipped;
};

G_DEFINE_FINAL_TYPE (ShoalTorrentCreator, shoal_torrent_creator, G_TYPE_OBJECT)

G_DEFINE_QUARK (shoal-torrent-creator-error-quark, shoal_torrent_creator_error)

typedef struct
{
  GBytes        *bytes;
  ShoalMetainfo *metainfo;
} CreateResult;

static void
creator_file_free (gpointer data)
{
  CreatorFile *file = data;

  g_strfreev (file->components);
  g_free (file->disk_path);
  g_free (file);
}

static void
job_clear (Job *job)
{
  g_free (job->root_path);
  g_clear_object (&job->cancellable);
  g_clear_pointer (&job->files, g_ptr_array_unref);
  g_clear_pointer (&job->skipped, g_ptr_array_unref);
  g_free (job->real_root);
  g_free (job->name);
  g_free (job->v1_hashes);
  g_free (job->v2_hashes);
  g_mutex_clear (&job->error_lock);
  g_clear_error (&job->error);
  g_assert (job->progress_source == NULL);
}

static void
job_unref (Job *job)
{
  g_atomic_rc_box_release_full (job, (GDestroyNotify) job_clear);
}

static void
create_result_free (CreateResult *result)
{
  g_clear_pointer (&result->bytes, g_bytes_unref);
  g_clear_object (&result->metainfo);
  g_free (result);
}

/* Scanning */

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static void
skip (Job        *job,
      const char *path,
      const char *reason)
{
  g_autofree char *display = g_filename_display_name (path);

  g_debug ("Creating a torrent: skipping %s: %s", display, reason);
  g_ptr_array_add (job->skipped, g_strdup_printf ("%s: %s", display, reason));
}

static gboolean
add_file (Job          *job,
          GPtrArray    *components,
          const char   *disk_path,
          struct stat  *st,
          GError      **error)
{
  CreatorFile *file;

  if (job->files->len >= SHOAL_METAINFO_MAX_FILES)
    return fail (error, SHOAL_TORRENT_CREATOR_ERROR_TOO_MANY_FILES,
                 "More than %u files: too many for one torrent", (guint) SHOAL_METAINFO_MAX_FILES);

  file = g_new0 (CreatorFile, 1);
  file->components = g_new0 (char *, components->len + 1);
  for (guint i = 0; i < components->len; i++)
    file->components[i] = g_strdup (g_ptr_array_index (components, i));
  file->disk_path = g_strdup (disk_path);
  file->length = (guint64) st->st_size;
  file->executable = (st->st_mode & S_IXUSR) != 0;
  g_ptr_array_add (job->files, file);
  return TRUE;
}

/* Whether @real (a resolved path) lies strictly inside the shared root. */
static gboolean
inside_root (Job        *job,
             const char *real)
{
  gsize len = strlen (job->real_root);

  if (strcmp (job->real_root, "/") == 0)
    return real[0] == '/' && real[1] != '\0';
  return strncmp (real, job->real_root, len) == 0 && real[len] == '/';
}

static gboolean
scan_directory (Job          *job,
                const char   *dir_path,
                GPtrArray    *components,
                GError      **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  DIR *dir;
  struct dirent *entry;

  if (g_cancellable_set_error_if_cancelled (job->cancellable, error))
    return FALSE;
  if (components->len >= SHOAL_METAINFO_MAX_PATH_DEPTH)
    {
      g_autofree char *display = g_filename_display_name (dir_path);

      return fail (error, SHOAL_TORRENT_CREATOR_ERROR_TOO_DEEP,
                   "“%s” is nested deeper than %u directories", display, SHOAL_METAINFO_MAX_PATH_DEPTH);
    }

  dir = opendir (dir_path);
  if (dir == NULL)
    return fail_errno (error, errno, dir_path, "read the directory");
  errno = 0;
  while ((entry = readdir (dir)) != NULL)
    {
      if (strcmp (entry->d_name, ".") != 0 && strcmp (entry->d_name, "..") != 0)
        g_ptr_array_add (names, g_strdup (entry->d_name));
      errno = 0;
    }
  if (errno != 0)
    {
      int saved = errno;

      closedir (dir);
      return fail_errno (error, saved, dir_path, "read the directory");
    }
  closedir (dir);

  /* Sorting each directory's names and recursing in that order yields the
   * component-wise order of the whole tree. */
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *child = g_build_filename (dir_path, name, NULL);
      g_autofree char *real = NULL;
      struct stat st;
      gboolean ok = TRUE;

      if (lstat (child, &st) != 0)
        return fail_errno (error, errno, child, "read");

      if (!S_ISDIR (st.st_mode) && !S_ISREG (st.st_mode) && !S_ISLNK (st.st_mode))
        {
          skip (job, child, "not a regular file (socket, FIFO or device)");
          continue;
        }
      if (S_ISLNK (st.st_mode))
        {
          real = realpath (child, NULL);
          if (real == NULL)
            {
              skip (job, child, "symbolic link that cannot be resolved");
              continue;
            }
          if (!inside_root (job, real) && strcmp (real, job->real_root) != 0)
            {
              skip (job, child, "symbolic link pointing outside the shared directory");
              continue;
            }
          if (stat (real, &st) != 0 || !S_ISREG (st.st_mode))
            {
              skip (job, child, "symbolic link to a directory or a special file");
              continue;
            }
        }

      if (!g_utf8_validate (name, -1, NULL))
        {
          g_autofree char *display = g_filename_display_name (child);

          return fail (error, SHOAL_TORRENT_CREATOR_ERROR_BAD_FILE_NAME,
                       "The name of “%s” is not valid UTF-8, which torrents require; rename it", display);
        }

      g_ptr_array_add (components, (gpointer) name);
      if (S_ISDIR (st.st_mode))
        ok = scan_directory (job, child, components, error);
      else
        ok = add_file (job, components, real ? real : child, &st, error);
      g_ptr_array_remove_index (components, components->len - 1);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

static gboolean
scan (Job     *job,
      GError **error)
{
  g_autofree char *canonical = g_canonicalize_filename (job->root_path, NULL);
  g_autoptr(GPtrArray) components = g_ptr_array_new ();
  struct stat st;

  if (stat (canonical, &st) != 0)
    {
      int saved = errno;
      g_autofree char *display = g_filename_display_name (job->root_path);

      return fail (error, SHOAL_TORRENT_CREATOR_ERROR_NOT_FOUND, "Cannot read “%s”: %s",
                   display, g_strerror (saved));
    }
  job->real_root = realpath (canonical, NULL);
  if (job->real_root == NULL)
    return fail_errno (error, errno, canonical, "resolve");

  job->name = g_path_get_basename (canonical);
  if (strcmp (job->name, "/") == 0 || strcmp (job->name, ".") == 0)
    return fail (error, SHOAL_TORRENT_CREATOR_ERROR_BAD_FILE_NAME,
                 "Cannot share the root directory as a whole; pick a directory inside it");
  if (!g_utf8_validate (job->name, -1, NULL))
    {
      g_autofree char *display = g_filename_display_name (canonical);

      return fail (error, SHOAL_TORRENT_CREATOR_ERROR_BAD_FILE_NAME,
                   "The name of “%s” is not valid UTF-8, which torrents require; rename it", display);
    }

  if (S_ISREG (st.st_mode))
    {
      job->multi_file = FALSE;
      g_ptr_array_add (components, job->name);
      return add_file (job, components, canonical, &st, error);
    }
  if (!S_ISDIR (st.st_mode))
    {
      g_autofree char *display = g_filename_display_name (job->root_path);

      return fail (error, SHOAL_TORRENT_CREATOR_ERROR_NOT_SHAREABLE,
                   "“%s” is neither a regular file nor a directory", display);
    }
  job->multi_file = TRUE;
  return scan_directory (job, canonical, components, error);
}

/**
 * shoal_torrent_creator_auto_piece_size:
 * @total_size: bytes of data to share
 *
 * The piece size Shoal picks when none is set: the smallest power of two
 * from 16 KiB that keeps the torrent at 2048 pieces or fewer, capped at
 * 16 MiB (so up to 32 MiB of data gets 16 KiB pieces, 1 GiB gets 512 KiB,
 * 4 GiB gets 2 MiB, and above 32 GiB the piece count grows instead). A
 * couple of thousand pieces keeps the .torrent small while leaving pieces
 * small enough to spread quickly between peers.
 *
 * Returns: the piece size in bytes
 */
guint64
shoal_torrent_creator_auto_piece_size (guint64 total_size)
{
  guint64 size = SHOAL_TORRENT_CREATOR_MIN_AUTO_PIECE_SIZE;

  while (size < SHOAL_TORRENT_CREATOR_MAX_AUTO_PIECE_SIZE &&
         (total_size + size - 1) / size > AUTO_MAX_PIECES)
    size *= 2;
  return size;
}

static gboolean
lay_out (Job     *job,
         GError **error)
{
  guint64 offset = 0;
  guint64 estimate;

  for (guint i = 0; i < job->files->len; i++)
    {
      CreatorFile *file = g_ptr_array_index (job->files, i);

      job->content_length += file->length;
    }
  if (job->content_length == 0)
    {
      g_autofree char *display = g_filename_display_name (job->root_path);

      return fail (error, SHOAL_TORRENT_CREATOR_ERROR_EMPTY,
                   "“%s” holds no data to share (no files, or only empty ones)", display);
    }

  if (job->requested_piece_size != 0)
    {
      guint64 p = job->requested_piece_size;

      if (p < SHOAL_METAINFO_MIN_PIECE_LENGTH || p > MAX_PIECE_SIZE || (p & (p - 1)) != 0)
        return fail (error, SHOAL_TORRENT_CREATOR_ERROR_BAD_PIECE_SIZE,
                     "Piece size %" G_GUINT64_FORMAT " is not a power of two between 16 KiB and 256 MiB", p);
      job->piece_length = p;
    }
  else
    job->piece_length = shoal_torrent_creator_auto_piece_size (job->content_length);

  for (guint i = 0; i < job->files->len; i++)
    {
      CreatorFile *file = g_ptr_array_index (job->files, i);
      guint64 tail;

      file->offset = offset;
      file->first_piece = offset / job->piece_length;
      file->n_pieces = (file->length + job->piece_length - 1) / job->piece_length;
      offset += file->length;
      tail = offset % job->piece_length;
      /* A hybrid's pad files are real (v1 clients download them); a
       * v2-only torrent's alignment exists only in this layout. */
      if (tail != 0 && job->v2 && (!job->v1 || (job->multi_file && job->files->len > 1)))
        {
          file->pad = job->piece_length - tail;
          offset += file->pad;
        }
    }
  job->stream_length = offset;
  job->n_pieces = (offset + job->piece_length - 1) / job->piece_length;

  /* Refuse before hashing what could only fail afterwards. */
  estimate = job->n_pieces * ((job->v1 ? SHOAL_SHA1_LEN : 0) + (job->v2 ? SHOAL_SHA256_LEN : 0));
  if (estimate > SHOAL_METAINFO_MAX_FILE_SIZE)
    return fail (error, SHOAL_TORRENT_CREATOR_ERROR_TOO_LARGE,
                 "%" G_GUINT64_FORMAT " pieces would make the .torrent too large; choose a larger piece size",
                 job->n_pieces);

  job->pieces_per_unit = MAX (1, UNIT_BYTES / job->piece_length);
  job->n_units = (job->n_pieces + job->pieces_per_unit - 1) / job->pieces_per_unit;
  if (job->v1)
    job->v1_hashes = g_malloc (job->n_pieces * SHOAL_SHA1_LEN);
  if (job->v2)
    job->v2_hashes = g_malloc (job->n_pieces * SHOAL_SHA256_LEN);
  return TRUE;
}

/* Writing the .torrent (keys in byte order, as bencode requires) */

static void
write_file_tree_leaf (ShoalBencodeWriter *w,
                      CreatorFile        *file)
{
  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "");
  shoal_bencode_writer_begin_dict (w);
  if (file->executable)
    {
      shoal_bencode_writer_cstring (w, "attr");
      shoal_bencode_writer_cstring (w, "x");
    }
  shoal_bencode_writer_cstring (w, "length");
  shoal_bencode_writer_integer (w, (gint64) file->length);
  if (file->length > 0)
    {
      shoal_bencode_writer_cstring (w, "pieces root");
      shoal_bencode_writer_string (w, file->root, SHOAL_SHA256_LEN);
    }
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_end (w);
}

/* Files [@lo, @hi) share their first @depth components; the sorted order of
 * the list is the order of the dictionary keys. */
static void
write_file_tree (ShoalBencodeWriter *w,
                 GPtrArray          *files,
                 guint               lo,
                 guint               hi,
                 guint               depth)
{
  guint i = lo;

  shoal_bencode_writer_begin_dict (w);
  while (i < hi)
    {
      CreatorFile *file = g_ptr_array_index (files, i);
      const char *component = file->components[depth];
      guint j = i + 1;

      while (j < hi && strcmp (((CreatorFile *) g_ptr_array_index (files, j))->components[depth], component) == 0)
        j++;
      shoal_bencode_writer_cstring (w, component);
      if (file->components[depth + 1] == NULL)
        {
          g_assert (j == i + 1);
          write_file_tree_leaf (w, file);
        }
      else
        write_file_tree (w, files, i, j, depth + 1);
      i = j;
    }
  shoal_bencode_writer_end (w);
}

static void
write_files_list (ShoalBencodeWriter *w,
                  Job                *job)
{
  shoal_bencode_writer_begin_list (w);
  for (guint i = 0; i < job->files->len; i++)
    {
      CreatorFile *file = g_ptr_array_index (job->files, i);

      shoal_bencode_writer_begin_dict (w);
      if (file->executable)
        {
          shoal_bencode_writer_cstring (w, "attr");
          shoal_bencode_writer_cstring (w, "x");
        }
      shoal_bencode_writer_cstring (w, "length");
      shoal_bencode_writer_integer (w, (gint64) file->length);
      shoal_bencode_writer_cstring (w, "path");
      shoal_bencode_writer_begin_list (w);
      for (char **c = file->components; *c != NULL; c++)
        shoal_bencode_writer_cstring (w, *c);
      shoal_bencode_writer_end (w);
      shoal_bencode_writer_end (w);

      if (file->pad > 0)
        {
          g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT, file->pad);

          shoal_bencode_writer_begin_dict (w);
          shoal_bencode_writer_cstring (w, "attr");
          shoal_bencode_writer_cstring (w, "p");
          shoal_bencode_writer_cstring (w, "length");
          shoal_bencode_writer_integer (w, (gint64) file->pad);
          shoal_bencode_writer_cstring (w, "path");
          shoal_bencode_writer_begin_list (w);
          shoal_bencode_writer_cstring (w, ".pad");
          shoal_bencode_writer_cstring (w, size);
          shoal_bencode_writer_end (w);
          shoal_bencode_writer_end (w);
        }
    }
  shoal_bencode_writer_end (w);
}

static void
write_info (ShoalBencodeWriter  *w,
            ShoalTorrentCreator *self,
            Job                 *job)
{
  shoal_bencode_writer_begin_dict (w);
  if (job->v2)
    {
      shoal_bencode_writer_cstring (w, "file tree");
      if (job->multi_file)
        write_file_tree (w, job->files, 0, job->files->len, 0);
      else
        {
          shoal_bencode_writer_begin_dict (w);
          shoal_bencode_writer_cstring (w, job->name);
          write_file_tree_leaf (w, g_ptr_array_index (job->files, 0));
          shoal_bencode_writer_end (w);
        }
    }
  if (job->v1 && job->multi_file)
    {
      shoal_bencode_writer_cstring (w, "files");
      write_files_list (w, job);
    }
  else if (job->v1)
    {
      CreatorFile *file = g_ptr_array_index (job->files, 0);

      shoal_bencode_writer_cstring (w, "length");
      shoal_bencode_writer_integer (w, (gint64) file->length);
    }
  if (job->v2)
    {
      shoal_bencode_writer_cstring (w, "meta version");
      shoal_bencode_writer_integer (w, 2);
    }
  shoal_bencode_writer_cstring (w, "name");
  shoal_bencode_writer_cstring (w, job->name);
  shoal_bencode_writer_cstring (w, "piece length");
  shoal_bencode_writer_integer (w, (gint64) job->piece_length);
  if (job->v1)
    {
      shoal_bencode_writer_cstring (w, "pieces");
      shoal_bencode_writer_string (w, job->v1_hashes, job->n_pieces * SHOAL_SHA1_LEN);
    }
  if (self->is_private)
    {
      shoal_bencode_writer_cstring (w, "private");
      shoal_bencode_writer_integer (w, 1);
    }
  if (self->source != NULL)
    {
      shoal_bencode_writer_cstring (w, "source");
      shoal_bencode_writer_cstring (w, self->source);
    }
  shoal_bencode_writer_end (w);
}

static int
compare_roots (gconstpointer a,
               gconstpointer b)
{
  const CreatorFile *fa = *(CreatorFile * const *) a;
  const CreatorFile *fb = *(CreatorFile * const *) b;

  return memcmp (fa->root, fb->root, SHOAL_SHA256_LEN);
}

static void
write_piece_layers (ShoalBencodeWriter *w,
                    Job                *job)
{
  g_autoptr(GPtrArray) layered = g_ptr_array_new ();
  const CreatorFile *previous = NULL;

  for (guint i = 0; i < job->files->len; i++)
    {
      CreatorFile *file = g_ptr_array_index (job->files, i);

      if (file->n_pieces > 1)
        g_ptr_array_add (layered, file);
    }
  if (layered->len == 0)
    return;
  g_ptr_array_sort (layered, compare_roots);

  shoal_bencode_writer_cstring (w, "piece layers");
  shoal_bencode_writer_begin_dict (w);
  for (guint i = 0; i < layered->len; i++)
    {
      const CreatorFile *file = g_ptr_array_index (layered, i);

      /* Files with the same content share one entry. */
      if (previous != NULL && memcmp (previous->root, file->root, SHOAL_SHA256_LEN) == 0)
        continue;
      shoal_bencode_writer_string (w, file->root, SHOAL_SHA256_LEN);
      shoal_bencode_writer_string (w, job->v2_hashes + file->first_piece * SHOAL_SHA256_LEN,
                                   file->n_pieces * SHOAL_SHA256_LEN);
      previous = file;
    }
  shoal_bencode_writer_end (w);
}

static GBytes *
write_torrent (ShoalTorrentCreator *self,
               Job                 *job)
{
  g_autoptr(ShoalBencodeWriter) w = shoal_bencode_writer_new ();
  const char *announce = NULL;
  guint n_trackers = 0;

  for (guint t = 0; t < self->tiers->len; t++)
    for (char **url = g_ptr_array_index (self->tiers, t); *url != NULL; url++)
      {
        if (announce == NULL)
          announce = *url;
        n_trackers++;
      }

  shoal_bencode_writer_begin_dict (w);
  if (announce != NULL)
    {
      shoal_bencode_writer_cstring (w, "announce");
      shoal_bencode_writer_cstring (w, announce);
    }
  if (n_trackers > 1)
    {
      shoal_bencode_writer_cstring (w, "announce-list");
      shoal_bencode_writer_begin_list (w);
      for (guint t = 0; t < self->tiers->len; t++)
        {
          char **tier = g_ptr_array_index (self->tiers, t);

          if (tier[0] == NULL)
            continue;
          shoal_bencode_writer_begin_list (w);
          for (char **url = tier; *url != NULL; url++)
            shoal_bencode_writer_cstring (w, *url);
          shoal_bencode_writer_end (w);
        }
      shoal_bencode_writer_end (w);
    }
  if (self->comment != NULL)
    {
      shoal_bencode_writer_cstring (w, "comment");
      shoal_bencode_writer_cstring (w, self->comment);
    }
  if (self->created_by != NULL)
    {
      shoal_bencode_writer_cstring (w, "created by");
      shoal_bencode_writer_cstring (w, self->created_by);
    }
  if (self->creation_date != SHOAL_TORRENT_CREATOR_DATE_NONE)
    {
      shoal_bencode_writer_cstring (w, "creation date");
      shoal_bencode_writer_integer (w, self->creation_date == SHOAL_TORRENT_CREATOR_DATE_NOW
                                       ? g_get_real_time () / G_USEC_PER_SEC : self->creation_date);
    }
  shoal_bencode_writer_cstring (w, "info");
  write_info (w, self, job);
  if (job->v2)
    write_piece_layers (w, job);
  if (self->web_seeds != NULL && self->web_seeds[0] != NULL)
    {
      shoal_bencode_writer_cstring (w, "url-list");
      if (self->web_seeds[1] == NULL)
        shoal_bencode_writer_cstring (w, self->web_seeds[0]);
      else
        {
          shoal_bencode_writer_begin_list (w);
          for (char **url = self->web_seeds; *url != NULL; url++)
            shoal_bencode_writer_cstring (w, *url);
          shoal_bencode_writer_end (w);
        }
    }
  shoal_bencode_writer_end (w);
  return shoal_bencode_writer_finish (w);
}

static void
create_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ShoalTorrentCreator *self = source_object;
  Job *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(ShoalMetainfo) metainfo = NULL;
  CreateResult *result;

  if (!scan (job, &error) || !lay_out (job, &error) || !_shoal_torrent_creator_hash_all (job, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (job->v2)
    _shoal_torrent_creator_compute_roots (job);

  bytes = write_torrent (self, job);
  if (g_bytes_get_size (bytes) > SHOAL_METAINFO_MAX_FILE_SIZE)
    {
      fail (&error, SHOAL_TORRENT_CREATOR_ERROR_TOO_LARGE,
            "The .torrent would take %" G_GSIZE_FORMAT " bytes, more than Shoal accepts; choose a larger piece size",
            g_bytes_get_size (bytes));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Parsing our own output checks it the way any downloader will,
   * including the piece layers against the roots. */
  metainfo = shoal_metainfo_new_from_bytes (bytes, &error);
  if (metainfo == NULL)
    {
      g_prefix_error (&error, "Created an invalid torrent: ");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  result = g_new0 (CreateResult, 1);
  result->bytes = g_steal_pointer (&bytes);
  result->metainfo = g_steal_pointer (&metainfo);
  g_task_return_pointer (task, result, (GDestroyNotify) create_result_free);
}

/* Progress, on the caller's main context */

static void
report_progress (ShoalTorrentCreator *self,
                 Job                 *job)
{
  guint64 total = __atomic_load_n (&job->total, __ATOMIC_RELAXED);
  guint64 hashed = __atomic_load_n (&job->hashed, __ATOMIC_RELAXED);

  if (job->progress == NULL || total == 0 || hashed == job->reported)
    return;
  job->reported = hashed;
  job->progress (self, hashed, total, job->progress_data);
}

static gboolean
progress_cb (gpointer user_data)
{
  GTask *outer = user_data;
  Job *job = g_task_get_task_data (outer);

  report_progress (g_task_get_source_object (outer), job);
  return G_SOURCE_CONTINUE;
}

static void
create_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  ShoalTorrentCreator *self = SHOAL_TORRENT_CREATOR (source);
  g_autoptr(GTask) outer = user_data;
  Job *job = g_task_get_task_data (outer);
  GError *error = NULL;
  CreateResult *created;

  g_source_destroy (job->progress_source);
  g_clear_pointer (&job->progress_source, g_source_unref);

  self->running = FALSE;
  g_clear_pointer (&self->skipped, g_strfreev);
  g_ptr_array_add (job->skipped, NULL);
  self->skipped = (GStrv) g_ptr_array_steal (job->skipped, NULL);

  created = g_task_propagate_pointer (G_TASK (result), &error);
  if (created == NULL)
    {
      g_task_return_error (outer, error);
      return;
    }
  report_progress (self, job);
  g_task_return_pointer (outer, created, (GDestroyNotify) create_result_free);
}

/**
 * shoal_torrent_creator_create_async:
 * @self: a #ShoalTorrentCreator
 * @cancellable: (nullable): stops the scan or the hashing within moments;
 *   the operation then fails with %G_IO_ERROR_CANCELLED
 * @progress: (nullable) (scope call): told how far hashing got
 * @callback: called on the caller's thread-default main context when done
 * @user_data: for @progress and @callback
 *
 * Scans the path given to shoal_torrent_creator_new() and hashes its files
 * on all processors, off the calling thread, then builds the .torrent. The
 * settings must not change until @callback runs.
 *
 * The data is complete and correct by construction, so a front end can
 * seed at once without a check: pass the metainfo from
 * shoal_torrent_creator_create_finish() to shoal_session_add_torrent() with
 * %SHOAL_ADD_FLAGS_SEED_MODE and the directory that holds the path (the
 * torrent's name is the path's last component).
 */
void
shoal_torrent_creator_create_async (ShoalTorrentCreator         *self,
                                    GCancellable                *cancellable,
                                    ShoalTorrentCreatorProgress  progress,
                                    GAsyncReadyCallback          callback,
                                    gpointer                     user_data)
{
  GTask *outer;
  g_autoptr(GTask) inner = NULL;
  Job *job;

  g_return_if_fail (SHOAL_IS_TORRENT_CREATOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (!self->running);

  job = g_atomic_rc_box_new0 (Job);
  job->root_path = g_strdup (self->path);
  job->v1 = (self->version & SHOAL_TORRENT_VERSION_V1) != 0;
  job->v2 = (self->version & SHOAL_TORRENT_VERSION_V2) != 0;
  job->requested_piece_size = self->piece_size;
  job->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  job->files = g_ptr_array_new_with_free_func (creator_file_free);
  job->skipped = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&job->error_lock);
  job->progress = progress;
  job->progress_data = user_data;

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, shoal_torrent_creator_create_async);
  g_task_set_task_data (outer, job, (GDestroyNotify) job_unref);

  job->progress_source = g_timeout_source_new (PROGRESS_INTERVAL);
  g_source_set_callback (job->progress_source, progress_cb, g_object_ref (outer), g_object_unref);
  g_source_set_static_name (job->progress_source, "[shoal] torrent creator progress");
  g_source_attach (job->progress_source, g_task_get_context (outer));

  self->running = TRUE;
  inner = g_task_new (self, cancellable, create_done_cb, outer);
  g_task_set_source_tag (inner, create_thread);
  g_task_set_task_data (inner, g_atomic_rc_box_acquire (job), (GDestroyNotify) job_unref);
  g_task_run_in_thread (inner, create_thread);
}

/**
 * shoal_torrent_creator_create_finish:
 * @self: a #ShoalTorrentCreator
 * @result: the result given to the callback
 * @metainfo: (out) (optional) (transfer full): the parsed torrent
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the bytes of the .torrent file, or
 *   %NULL with @error set
 */
GBytes *
shoal_torrent_creator_create_finish (ShoalTorrentCreator  *self,
                                     GAsyncResult         *result,
                                     ShoalMetainfo       **metainfo,
                                     GError              **error)
{
  CreateResult *created;
  GBytes *bytes;

  g_return_val_if_fail (SHOAL_IS_TORRENT_CREATOR (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == shoal_torrent_creator_create_async, NULL);

  created = g_task_propagate_pointer (G_TASK (result), error);
  if (created == NULL)
    return NULL;
  if (metainfo != NULL)
    *metainfo = g_steal_pointer (&created->metainfo);
  bytes = g_steal_pointer (&created->bytes);
  create_result_free (created);
  return bytes;
}

/* The object */

static void
shoal_torrent_creator_finalize (GObject *object)
{
  ShoalTorrentCreator *self = SHOAL_TORRENT_CREATOR (object);

  g_free (self->path);
  g_ptr_array_unref (self->tiers);
  g_strfreev (self->web_seeds);
  g_free (self->comment);
  g_free (self->source);
  g_free (self->created_by);
  g_strfreev (self->skipped);

  G_OBJECT_CLASS (shoal_torrent_creator_parent_class)->finalize (object);
}

static void
shoal_torrent_creator_class_init (ShoalTorrentCreatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = shoal_torrent_creator_finalize;
}

static void
shoal_torrent_creator_init (ShoalTorrentCreator *self)
{
  self->tiers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  self->created_by = g_strdup ("Shoal " PACKAGE_VERSION);
  self->creation_date = SHOAL_TORRENT_CREATOR_DATE_NOW;
  self->version = SHOAL_TORRENT_VERSION_HYBRID;
  self->skipped = g_new0 (char *, 1);
}

/**
 * shoal_torrent_creator_new:
 * @path: a regular file or a directory, in the file name encoding
 *
 * Makes a creator for a torrent of @path with the defaults: hybrid v1+v2,
 * automatic piece size, no trackers, public, "Shoal VERSION" as creator and
 * the current time as creation date.
 *
 * Returns: (transfer full): a new #ShoalTorrentCreator
 */
ShoalTorrentCreator *
shoal_torrent_creator_new (const char *path)
{
  ShoalTorrentCreator *self;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_TORRENT_CREATOR, NULL);
  self->path = g_strdup (path);
  return self;
}

/**
 * shoal_torrent_creator_get_path:
 * @self: a #ShoalTorrentCreator
 *
 * Returns: the path the torrent is made of
 */
const char *
shoal_torrent_creator_get_path (ShoalTorrentCreator *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT_CREATOR (self), NULL);
  return self->path;
}

/**
 * shoal_torrent_creator_set_trackers:
 * @self: a #ShoalTorrentCreator
 * @tiers: (nullable) (element-type GStrv): announce URLs by BEP 12 tier,
 *   most preferred first; empty tiers are left out
 *
 * The first URL also becomes "announce"; "announce-list" is written when
 * there is more than one URL.
 */
void
shoal_torrent_creator_set_trackers (ShoalTorrentCreator *self,
                                    GPtrArray           *tiers)
{
  g_return_if_fail (SHOAL_IS_TORRENT_CREATOR (self));
  g_return_if_fail (!self->running);

  g_ptr_array_set_size (self->tiers, 0);
  for (guint i = 0; tiers != NULL && i < tiers->len; i++)
    {
      char **tier = g_ptr_array_index (tiers, i);

      if (tier != NULL && tier[0] != NULL)
        g_ptr_array_add (self->tiers, g_strdupv (tier));
    }
}

/**
 * shoal_torrent_creator_set_web_seeds:
 * @self: a #ShoalTorrentCreator
 * @urls: (nullable) (array zero-terminated=1): BEP 19 web seed URLs
 */
void
shoal_torrent_creator_set_web_seeds (ShoalTorrentCreator *self,
                                     const char * const  *urls)
{
  g_return_if_fail (SHOAL_IS_TORRENT_CREATOR (self));
  g_return_if_fail (!self->running);

  g_strfreev (self->web_seeds);
  self->web_seeds = g_strdupv ((char **) urls);
}

/**
 * shoal_torrent_creator_set_piece_size:
 * @self: a #ShoalTorrentCreator
 * @piece_size: a power of two from 16 KiB to 256 MiB, or 0 to let
 *   shoal_torrent_creator_auto_piece_size() choose
 *
 * Other values make shoal_torrent_creator_create_async() fail with
 * %SHOAL_TORRENT_CREATOR_ERROR_BAD_PIECE_SIZE.
 */
void
shoal_torrent_creator_set_piece_size (ShoalTorrentCreator *self,
                                      guint64              piece_size)
{
  g_return_if_fail (SHOAL_IS_TORRENT_CREATOR (self));
  g_return_if_fail (!self->running);
  self->piece_size = piece_size;
}

/**
 * shoal_torrent_creator_set_private:
 * @self: a #ShoalTorrentCreator
 * @is_private: whether peers must come from the trackers only (BEP 27)
 */
void
shoal_torrent_creator_set_private (ShoalTorrentCreator *self,
                                   gboolean             is_private)
{
  g_return_if_fail (SHOAL_IS_TORRENT_CREATOR (self));
  g_return_if_fail (!self->running);
  self->is_private = !!is_private;
}

/**
 * shoal_torrent_creator_set_comment:
 * @self: a #ShoalTorrentCreator
 * @comment: (nullable): UTF-8 text, or %NULL for none
 */
void
shoal_torrent_creator_set_comment (ShoalTorrentCreator *self,
                                   const char          *comment)
{
  g_return_if_fail (SHOAL_IS_TORRENT_CREATOR (self));
  g_return_if_fail (!self->running);
  g_free (self->comment);
  self->comment = g_strdup (comment);
}

/**
 * shoal_torrent_creator_set_source:
 * @self: a #ShoalTorrentCreator
 * @source: (nullable): the info dictionary's "source" (which private
 *   trackers use to give cross-seeded copies distinct info-hashes), or %NULL
 */
void
shoal_torrent_creator_set_source (ShoalTorrentCreator *self,
                                  const char          *source)
{
  g_return_if_fail (SHOAL_IS_TORRENT_CREATOR (self));
  g_return_if_fail (!self->running);
  g_free (self->source);
  self->source = g_strdup (source);
}

/**
 * shoal_torrent_creator_set_created_by:
 * @self: a #ShoalTorrentCreator
 * @created_by: (nullable): the "created by" text, or %NULL to leave it out
 */
void
shoal_torrent_creator_set_created_by (ShoalTorrentCreator *self,
                                      const char          *created_by)
{
  g_return_if_fail (SHOAL_IS_TORRENT_CREATOR (self));
  g_return_if_fail (!self->running);
  g_free (self->created_by);
  self->created_by = g_strdup (created_by);
}

/**
 * shoal_torrent_creator_set_creation_date:
 * @self: a #ShoalTorrentCreator
 * @date: seconds since the Unix epoch, %SHOAL_TORRENT_CREATOR_DATE_NOW
 *   (the default) or %SHOAL_TORRENT_CREATOR_DATE_NONE to leave it out, for
 *   byte-for-byte reproducible files
 */
void
shoal_torrent_creator_set_creation_date (ShoalTorrentCreator *self,
                                         gint64               date)
{
  g_return_if_fail (SHOAL_IS_TORRENT_CREATOR (self));
  g_return_if_fail (date >= 0 || date == SHOAL_TORRENT_CREATOR_DATE_NOW ||
                    date == SHOAL_TORRENT_CREATOR_DATE_NONE);
  g_return_if_fail (!self->running);
  self->creation_date = date;
}

/**
 * shoal_torrent_creator_set_version:
 * @self: a #ShoalTorrentCreator
 * @version: %SHOAL_TORRENT_VERSION_V1, %SHOAL_TORRENT_VERSION_V2 or
 *   %SHOAL_TORRENT_VERSION_HYBRID (the default)
 *
 * Hybrid torrents work with v1-only clients and give v2 clients per-file
 * merkle trees; the cost is the pad files and a SHA-256 pass. v2-only
 * torrents have no pad files and need no SHA-1, but clients that only
 * know v1 (Transmission among them) cannot open them.
 */
void
shoal_torrent_creator_set_version (ShoalTorrentCreator *self,
                                   ShoalTorrentVersion  version)
{
  g_return_if_fail (SHOAL_IS_TORRENT_CREATOR (self));
  g_return_if_fail (version == SHOAL_TORRENT_VERSION_V1 || version == SHOAL_TORRENT_VERSION_V2 ||
                    version == SHOAL_TORRENT_VERSION_HYBRID);
  g_return_if_fail (!self->running);
  self->version = version;
}

/**
 * shoal_torrent_creator_get_skipped:
 * @self: a #ShoalTorrentCreator
 *
 * What the last creation left out and why ("path: reason", one per entry):
 * special files and symbolic links that could not be shared. Empty until a
 * creation completed.
 *
 * Returns: (transfer none) (array zero-terminated=1): the skipped entries
 */
const char * const *
shoal_torrent_creator_get_skipped (ShoalTorrentCreator *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT_CREATOR (self), NULL);
  return (const char * const *) self->skipped;
}
