/* shoal-part-file.c: verified pieces kept aside for skipped files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * When a verified piece overlaps a file the user does not want, the bytes
 * for that file must not land in it (it must not even be created), yet the
 * piece is still needed to seed it and to complete the neighbouring wanted
 * files. Such pieces are stored whole in one file per torrent:
 *
 *   offset 0   "SHOALPRT", u32 version (1), u32 piece count,
 *              u64 piece length, 8 reserved bytes        (32 bytes)
 *   offset 32  one u32 per piece: 0 if absent, else slot + 1
 *   aligned    slot 0, slot 1, ... each one piece length long
 *
 * All integers are little-endian. A piece's data is written before its
 * index entry, so a crash leaves at worst an orphan slot, which loading
 * reclaims; torn data is caught by the hash check of a recheck. The file is
 * sparse: unused index entries and freed slots are holes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "shoal-part-file.h"
#include "shoal-storage.h"
#include "shoal-storage-io.h"

#define HEADER_SIZE      32
#define PART_VERSION     1
#define INDEX_BATCH      16384  /* entries read at once */

static const char magic[8] = { 'S', 'H', 'O', 'A', 'L', 'P', 'R', 'T' };

struct _ShoalPartFile
{
  GMutex      lock;
  char       *path;
  guint       n_pieces;
  guint64     piece_length;
  guint64     data_start;

  int         fd;
  gboolean    loaded;
  GHashTable *slots;       /* piece → slot + 1 */
  GArray     *free_slots;  /* guint32 */
  guint32     next_slot;
};

ShoalPartFile *
shoal_part_file_new (const char *path,
                     guint       n_pieces,
                     guint64     piece_length)
{
  ShoalPartFile *self = g_new0 (ShoalPartFile, 1);

  g_mutex_init (&self->lock);
  self->path = g_strdup (path);
  self->n_pieces = n_pieces;
  self->piece_length = piece_length;
  self->data_start = ((guint64) HEADER_SIZE + (guint64) n_pieces * 4 + 4095) & ~(guint64) 4095;
  self->fd = -1;
  self->slots = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->free_slots = g_array_new (FALSE, FALSE, sizeof (guint32));
  return self;
}

static void
reset_locked (ShoalPartFile *self)
{
  if (self->fd >= 0)
    close (self->fd);
  self->fd = -1;
  self->loaded = FALSE;
  g_hash_table_remove_all (self->slots);
  g_array_set_size (self->free_slots, 0);
  self->next_slot = 0;
}

void
shoal_part_file_free (ShoalPartFile *self)
{
  if (self == NULL)
    return;
  reset_locked (self);
  g_hash_table_unref (self->slots);
  g_array_unref (self->free_slots);
  g_free (self->path);
  g_mutex_clear (&self->lock);
  g_free (self);
}

char *
shoal_part_file_dup_path (ShoalPartFile *self)
{
  char *path;

  g_mutex_lock (&self->lock);
  path = g_strdup (self->path);
  g_mutex_unlock (&self->lock);
  return path;
}

/* Points at another file, without moving anything; read lazily. */
void
shoal_part_file_set_path (ShoalPartFile *self,
                          const char    *path)
{
  g_mutex_lock (&self->lock);
  reset_locked (self);
  g_free (self->path);
  self->path = g_strdup (path);
  g_mutex_unlock (&self->lock);
}

/* Moves the file, if there is one, to @path and uses it from there. */
gboolean
shoal_part_file_relocate (ShoalPartFile  *self,
                          const char     *path,
                          GError        **error)
{
  gboolean ok = TRUE;

  g_mutex_lock (&self->lock);
  reset_locked (self);
  if (g_file_test (self->path, G_FILE_TEST_EXISTS))
    ok = shoal_storage_io_move_file (self->path, path, error);
  if (ok)
    {
      g_free (self->path);
      self->path = g_strdup (path);
    }
  g_mutex_unlock (&self->lock);
  return ok;
}

static void
encode_header (guint8         header[HEADER_SIZE],
               ShoalPartFile *self)
{
  guint32 version = GUINT32_TO_LE (PART_VERSION);
  guint32 n_pieces = GUINT32_TO_LE (self->n_pieces);
  guint64 piece_length = GUINT64_TO_LE (self->piece_length);

  memset (header, 0, HEADER_SIZE);
  memcpy (header, magic, sizeof magic);
  memcpy (header + 8, &version, 4);
  memcpy (header + 12, &n_pieces, 4);
  memcpy (header + 16, &piece_length, 8);
}

static gboolean
write_fresh_header (ShoalPartFile  *self,
                    GError        **error)
{
  guint8 header[HEADER_SIZE];
  int errsv = 0;

  encode_header (header, self);
  if (ftruncate (self->fd, 0) < 0)
    errsv = errno;
  if (errsv != 0 || !shoal_storage_io_pwrite (self->fd, header, HEADER_SIZE, 0, &errsv))
    {
      shoal_storage_io_set_error (error, errsv, "writing", self->path);
      return FALSE;
    }
  return TRUE;
}

/* Reads the index of an existing file; a foreign or damaged header means
 * the file is started afresh, since nothing in it can be trusted. */
static gboolean
read_index (ShoalPartFile  *self,
            GError        **error)
{
  guint8 header[HEADER_SIZE];
  guint8 expected[HEADER_SIZE];
  g_autofree guint32 *batch = NULL;
  g_autofree guint8 *used = NULL;
  gsize n = 0;
  int errsv = 0;

  if (!shoal_storage_io_pread (self->fd, header, HEADER_SIZE, 0, &n, &errsv))
    {
      shoal_storage_io_set_error (error, errsv, "reading", self->path);
      return FALSE;
    }
  encode_header (expected, self);
  if (n != HEADER_SIZE || memcmp (header, expected, 24) != 0)
    return write_fresh_header (self, error);

  batch = g_new (guint32, INDEX_BATCH);
  used = g_malloc0 ((gsize) self->n_pieces / 8 + 1);
  for (guint first = 0; first < self->n_pieces; first += INDEX_BATCH)
    {
      guint count = MIN (INDEX_BATCH, self->n_pieces - first);

      memset (batch, 0, (gsize) count * 4);
      if (!shoal_storage_io_pread (self->fd, batch, (gsize) count * 4,
                                   HEADER_SIZE + (guint64) first * 4, &n, &errsv))
        {
          shoal_storage_io_set_error (error, errsv, "reading", self->path);
          return FALSE;
        }
      for (guint i = 0; i < count; i++)
        {
          guint32 value = GUINT32_FROM_LE (batch[i]);
          guint32 slot;

          if (value == 0 || value > self->n_pieces)
            continue;
          slot = value - 1;
          if (used[slot / 8] & (1u << (slot % 8)))
            continue;
          used[slot / 8] |= (guint8) (1u << (slot % 8));
          g_hash_table_insert (self->slots, GUINT_TO_POINTER (first + i),
                               GUINT_TO_POINTER (value));
          self->next_slot = MAX (self->next_slot, value);
        }
    }

  for (guint32 slot = 0; slot < self->next_slot; slot++)
    if (!(used[slot / 8] & (1u << (slot % 8))))
      g_array_append_val (self->free_slots, slot);

  return TRUE;
}

static void
set_open_error (GError     **error,
                int          errsv,
                const char  *action,
                const char  *path)
{
  g_autofree char *display = NULL;

  if (errsv != ELOOP)
    {
      shoal_storage_io_set_error (error, errsv, action, path);
      return;
    }
  display = g_filename_display_name (path);
  g_set_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_SYMLINK,
               "“%s” is a symbolic link: links are never followed; remove it", display);
}

static gboolean
is_regular (ShoalPartFile  *self,
            GError        **error)
{
  struct stat st;

  g_autofree char *display = NULL;

  if (fstat (self->fd, &st) == 0 && S_ISREG (st.st_mode))
    return TRUE;
  display = g_filename_display_name (self->path);
  g_set_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_IO,
               "“%s” is not a regular file", display);
  reset_locked (self);
  return FALSE;
}

static gboolean
ensure_loaded_locked (ShoalPartFile  *self,
                      gboolean        create,
                      GError        **error)
{
  if (!self->loaded)
    {
      /* The part file sits in the save directory: a link put in its
       * place must not be followed (nor a FIFO block us). */
      self->fd = open (self->path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
      if (self->fd < 0 && errno != ENOENT)
        {
          int errsv = errno;

          set_open_error (error, errsv, "opening", self->path);
          return FALSE;
        }
      if (self->fd >= 0 && !is_regular (self, error))
        return FALSE;
      if (self->fd >= 0 && !read_index (self, error))
        {
          reset_locked (self);
          return FALSE;
        }
      self->loaded = TRUE;
    }

  if (self->fd < 0 && create)
    {
      if (!shoal_storage_io_make_parents (self->path, error))
        return FALSE;
      self->fd = open (self->path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
      if (self->fd < 0)
        {
          int errsv = errno;

          set_open_error (error, errsv, "creating", self->path);
          return FALSE;
        }
      if (!is_regular (self, error))
        return FALSE;
      if (!write_fresh_header (self, error))
        {
          reset_locked (self);
          return FALSE;
        }
    }

  return TRUE;
}

static guint32
lookup_slot_locked (ShoalPartFile *self,
                    guint          piece)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->slots, GUINT_TO_POINTER (piece)));
}

gboolean
shoal_part_file_has_piece (ShoalPartFile *self,
                           guint          piece)
{
  g_autoptr(GError) error = NULL;
  gboolean has = FALSE;

  g_mutex_lock (&self->lock);
  if (ensure_loaded_locked (self, FALSE, &error))
    has = lookup_slot_locked (self, piece) != 0;
  else
    g_debug ("Cannot read part file: %s", error->message);
  g_mutex_unlock (&self->lock);
  return has;
}

static int
compare_uint (gconstpointer a,
              gconstpointer b)
{
  guint ua = *(const guint *) a;
  guint ub = *(const guint *) b;

  return ua < ub ? -1 : ua > ub;
}

/* Returns the pieces held, in increasing order. */
GArray *
shoal_part_file_list_pieces (ShoalPartFile *self)
{
  GArray *pieces = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer key;

  g_mutex_lock (&self->lock);
  if (!ensure_loaded_locked (self, FALSE, &error))
    g_debug ("Cannot read part file: %s", error->message);
  g_hash_table_iter_init (&iter, self->slots);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      guint piece = GPOINTER_TO_UINT (key);

      g_array_append_val (pieces, piece);
    }
  g_mutex_unlock (&self->lock);

  g_array_sort (pieces, compare_uint);
  return pieces;
}

static gboolean
write_index_entry_locked (ShoalPartFile  *self,
                          guint           piece,
                          guint32         value,
                          GError        **error)
{
  guint32 le = GUINT32_TO_LE (value);
  int errsv = 0;

  if (!shoal_storage_io_pwrite (self->fd, &le, 4, HEADER_SIZE + (guint64) piece * 4, &errsv))
    {
      shoal_storage_io_set_error (error, errsv, "writing", self->path);
      return FALSE;
    }
  return TRUE;
}

gboolean
shoal_part_file_write_piece (ShoalPartFile  *self,
                             guint           piece,
                             const guint8   *data,
                             gsize           len,
                             GError        **error)
{
  guint32 value;
  gboolean fresh = FALSE;
  int errsv = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (piece < self->n_pieces, FALSE);
  g_return_val_if_fail (len <= self->piece_length, FALSE);

  g_mutex_lock (&self->lock);
  if (!ensure_loaded_locked (self, TRUE, error))
    goto out;

  value = lookup_slot_locked (self, piece);
  if (value == 0)
    {
      guint32 slot;

      if (self->free_slots->len > 0)
        {
          slot = g_array_index (self->free_slots, guint32, self->free_slots->len - 1);
          g_array_set_size (self->free_slots, self->free_slots->len - 1);
        }
      else
        slot = self->next_slot++;
      value = slot + 1;
      fresh = TRUE;
    }

  if (!shoal_storage_io_pwrite (self->fd, data, len,
                                self->data_start + (guint64) (value - 1) * self->piece_length,
                                &errsv))
    {
      shoal_storage_io_set_error (error, errsv, "writing", self->path);
      if (fresh)
        {
          guint32 slot = value - 1;

          g_array_append_val (self->free_slots, slot);
        }
      goto out;
    }

  if (fresh)
    {
      if (!write_index_entry_locked (self, piece, value, error))
        {
          guint32 slot = value - 1;

          g_array_append_val (self->free_slots, slot);
          goto out;
        }
      g_hash_table_insert (self->slots, GUINT_TO_POINTER (piece), GUINT_TO_POINTER (value));
    }
  ok = TRUE;

out:
  g_mutex_unlock (&self->lock);
  return ok;
}

gboolean
shoal_part_file_read (ShoalPartFile  *self,
                      guint           piece,
                      guint64         offset,
                      guint8         *buf,
                      gsize           len,
                      GError        **error)
{
  guint32 value;
  gsize n = 0;
  int errsv = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (offset <= self->piece_length && len <= self->piece_length - offset, FALSE);

  g_mutex_lock (&self->lock);
  if (!ensure_loaded_locked (self, FALSE, error))
    goto out;

  value = lookup_slot_locked (self, piece);
  if (value == 0 || self->fd < 0)
    {
      g_autofree char *display = g_filename_display_name (self->path);

      g_set_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILE_MISSING,
                   "Piece %u is missing from “%s”", piece, display);
      goto out;
    }
  if (!shoal_storage_io_pread (self->fd, buf, len,
                               self->data_start + (guint64) (value - 1) * self->piece_length + offset,
                               &n, &errsv))
    {
      shoal_storage_io_set_error (error, errsv, "reading", self->path);
      goto out;
    }
  if (n != len)
    {
      g_autofree char *display = g_filename_display_name (self->path);

      g_set_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILE_MISSING,
                   "File “%s” is shorter than expected", display);
      goto out;
    }
  ok = TRUE;

out:
  g_mutex_unlock (&self->lock);
  return ok;
}

gboolean
shoal_part_file_remove_piece (ShoalPartFile  *self,
                              guint           piece,
                              GError        **error)
{
  guint32 value;
  guint32 slot;
  gboolean ok = FALSE;

  g_mutex_lock (&self->lock);
  if (!ensure_loaded_locked (self, FALSE, error))
    goto out;

  value = lookup_slot_locked (self, piece);
  if (value == 0 || self->fd < 0)
    {
      ok = TRUE;
      goto out;
    }
  if (!write_index_entry_locked (self, piece, 0, error))
    goto out;

  slot = value - 1;
  g_hash_table_remove (self->slots, GUINT_TO_POINTER (piece));
  g_array_append_val (self->free_slots, slot);
  /* Give the space back; failing that it is merely reused later. */
  (void) fallocate (self->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                    (off_t) (self->data_start + (guint64) slot * self->piece_length),
                    (off_t) self->piece_length);

  if (g_hash_table_size (self->slots) == 0)
    {
      g_autofree char *path = g_strdup (self->path);

      reset_locked (self);
      self->loaded = TRUE;
      if (g_unlink (path) < 0 && errno != ENOENT)
        {
          int errsv = errno;

          shoal_storage_io_set_error (error, errsv, "removing", path);
          goto out;
        }
    }
  ok = TRUE;

out:
  g_mutex_unlock (&self->lock);
  return ok;
}

/* Removes the file and forgets every piece in it. */
gboolean
shoal_part_file_delete (ShoalPartFile  *self,
                        GError        **error)
{
  gboolean ok = TRUE;

  g_mutex_lock (&self->lock);
  reset_locked (self);
  self->loaded = TRUE;
  if (g_unlink (self->path) < 0 && errno != ENOENT)
    {
      int errsv = errno;

      shoal_storage_io_set_error (error, errsv, "removing", self->path);
      ok = FALSE;
    }
  g_mutex_unlock (&self->lock);
  return ok;
}
