/* session-fixture.c: generated torrents and sessions on 127.0.0.1 for tests
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

#include "session-fixture.h"

/* Torrents */

/**
 * sf_torrent_new:
 * @name: the torrent's name (and top directory if several files)
 * @lengths: the file lengths
 * @n_files: how many; one makes a single-file torrent
 * @piece_length: a power of two
 * @seed: for the pseudo-random content
 *
 * Builds a v1 torrent over pseudo-random data. Files are `f0.bin`,
 * `f1.bin`… with every third one in a `sub/` directory.
 */
static SfTorrent *
torrent_new (const char    *name,
             const guint64 *lengths,
             guint          n_files,
             guint64        piece_length,
             guint32        seed,
             gboolean       private_torrent);

SfTorrent *
sf_torrent_new (const char    *name,
                const guint64 *lengths,
                guint          n_files,
                guint64        piece_length,
                guint32        seed)
{
  return torrent_new (name, lengths, n_files, piece_length, seed, FALSE);
}

/* The same, with `private` set (BEP 27). */
SfTorrent *
sf_torrent_new_private (const char    *name,
                        const guint64 *lengths,
                        guint          n_files,
                        guint64        piece_length,
                        guint32        seed)
{
  return torrent_new (name, lengths, n_files, piece_length, seed, TRUE);
}

static SfTorrent *
torrent_new (const char    *name,
             const guint64 *lengths,
             guint          n_files,
             guint64        piece_length,
             guint32        seed,
             gboolean       private_torrent)
{
  g_autoptr(ShoalBencodeWriter) w = shoal_bencode_writer_new ();
  g_autoptr(GByteArray) hashes = g_byte_array_new ();
  g_autoptr(GBytes) torrent = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  SfTorrent *self = g_new0 (SfTorrent, 1);
  guint64 total = 0;
  guint8 *data;

  for (guint i = 0; i < n_files; i++)
    total += lengths[i];
  data = g_malloc (MAX (total, 1));
  for (guint64 i = 0; i < total; i++)
    data[i] = (guint8) g_rand_int (rand);
  for (guint64 off = 0; off < total; off += piece_length)
    {
      guint8 digest[SHOAL_SHA1_LEN];

      shoal_sha1 (data + off, MIN (piece_length, total - off), digest);
      g_byte_array_append (hashes, digest, sizeof digest);
    }
  self->content = g_bytes_new_take (data, total);

  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "created by");
  shoal_bencode_writer_cstring (w, "test-session");
  shoal_bencode_writer_cstring (w, "info");
  shoal_bencode_writer_begin_dict (w);
  if (n_files == 1)
    {
      shoal_bencode_writer_cstring (w, "length");
      shoal_bencode_writer_integer (w, (gint64) lengths[0]);
    }
  else
    {
      shoal_bencode_writer_cstring (w, "files");
      shoal_bencode_writer_begin_list (w);
      for (guint i = 0; i < n_files; i++)
        {
          g_autofree char *file_name = g_strdup_printf ("f%u.bin", i);

          shoal_bencode_writer_begin_dict (w);
          shoal_bencode_writer_cstring (w, "length");
          shoal_bencode_writer_integer (w, (gint64) lengths[i]);
          shoal_bencode_writer_cstring (w, "path");
          shoal_bencode_writer_begin_list (w);
          if (i % 3 == 2)
            shoal_bencode_writer_cstring (w, "sub");
          shoal_bencode_writer_cstring (w, file_name);
          shoal_bencode_writer_end (w);
          shoal_bencode_writer_end (w);
        }
      shoal_bencode_writer_end (w);
    }
  shoal_bencode_writer_cstring (w, "name");
  shoal_bencode_writer_cstring (w, name);
  shoal_bencode_writer_cstring (w, "piece length");
  shoal_bencode_writer_integer (w, (gint64) piece_length);
  shoal_bencode_writer_cstring (w, "pieces");
  shoal_bencode_writer_string (w, hashes->data, hashes->len);
  if (private_torrent)
    {
      shoal_bencode_writer_cstring (w, "private");
      shoal_bencode_writer_integer (w, 1);
    }
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_end (w);
  torrent = shoal_bencode_writer_finish (w);

  self->info = shoal_metainfo_new_from_bytes (torrent, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_metainfo_get_total_length (self->info), ==, total);
  g_assert_cmpuint (shoal_metainfo_get_n_files (self->info), ==, n_files);
  return self;
}

void
sf_torrent_free (SfTorrent *self)
{
  g_clear_object (&self->info);
  g_clear_pointer (&self->content, g_bytes_unref);
  g_free (self);
}

char *
sf_torrent_file_path (SfTorrent  *self,
                      const char *save_dir,
                      guint       file_index)
{
  const ShoalMetainfoFile *f = shoal_metainfo_get_file (self->info, file_index);

  return g_build_filename (save_dir, f->path, NULL);
}

/* Writes the complete data under @save_dir, as a seeder would have it. */
void
sf_torrent_write (SfTorrent  *self,
                  const char *save_dir)
{
  const guint8 *data = g_bytes_get_data (self->content, NULL);

  for (guint i = 0; i < shoal_metainfo_get_n_files (self->info); i++)
    {
      const ShoalMetainfoFile *f = shoal_metainfo_get_file (self->info, i);
      g_autofree char *path = sf_torrent_file_path (self, save_dir, i);
      g_autofree char *dir = g_path_get_dirname (path);
      g_autoptr(GError) error = NULL;

      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      g_file_set_contents (path, (const char *) data + f->offset, (gssize) f->length, &error);
      g_assert_no_error (error);
    }
}

gboolean
sf_torrent_file_matches (SfTorrent  *self,
                         const char *save_dir,
                         guint       file_index)
{
  const ShoalMetainfoFile *f = shoal_metainfo_get_file (self->info, file_index);
  const guint8 *data = g_bytes_get_data (self->content, NULL);
  g_autofree char *path = sf_torrent_file_path (self, save_dir, file_index);
  g_autofree char *contents = NULL;
  gsize len;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return FALSE;
  return len == f->length && memcmp (contents, data + f->offset, len) == 0;
}

/* Every file under @save_dir is byte-identical to the generated data. */
void
sf_torrent_assert_files (SfTorrent  *self,
                         const char *save_dir)
{
  for (guint i = 0; i < shoal_metainfo_get_n_files (self->info); i++)
    if (!sf_torrent_file_matches (self, save_dir, i))
      {
        g_autofree char *path = sf_torrent_file_path (self, save_dir, i);

        g_test_fail_printf ("%s differs from the torrent's data", path);
      }
}

/* Flips a byte in the middle of @piece, in place: the engine may have the
 * file open, and must see the change through that descriptor too. */
void
sf_torrent_corrupt_piece (SfTorrent  *self,
                          const char *save_dir,
                          guint       piece)
{
  guint64 pos = (guint64) piece * shoal_metainfo_get_piece_length (self->info) +
                shoal_metainfo_get_piece_size (self->info, piece) / 2;

  for (guint i = 0; i < shoal_metainfo_get_n_files (self->info); i++)
    {
      const ShoalMetainfoFile *f = shoal_metainfo_get_file (self->info, i);
      g_autofree char *path = NULL;
      guint8 byte;
      int fd;

      if (pos < f->offset || pos >= f->offset + f->length)
        continue;
      path = sf_torrent_file_path (self, save_dir, i);
      fd = open (path, O_RDWR | O_CLOEXEC);
      g_assert_cmpint (fd, >=, 0);
      g_assert_cmpint (pread (fd, &byte, 1, (off_t) (pos - f->offset)), ==, 1);
      byte ^= 0x5a;
      g_assert_cmpint (pwrite (fd, &byte, 1, (off_t) (pos - f->offset)), ==, 1);
      close (fd);
      return;
    }
  g_assert_not_reached ();
}

/* Sessions */

static ShoalSession *
start_session (SfNode *self)
{
  g_autoptr(GError) error = NULL;
  ShoalSession *session = shoal_session_new (self->state_dir);

  shoal_session_set_listen_address (session, "127.0.0.1");
  shoal_session_set_listen_port (session, 0);
  shoal_session_set_download_dir (session, self->data_dir);
  g_assert_true (shoal_session_start (session, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_session_get_listen_port (session), !=, 0);
  return session;
}

/**
 * sf_node_new:
 * @parent_dir: a temporary directory
 * @name: e.g. "seed"
 *
 * Returns: a started session using `PARENT/NAME-state` and `PARENT/NAME-data`
 */
SfNode *
sf_node_new (const char *parent_dir,
             const char *name)
{
  SfNode *self = g_new0 (SfNode, 1);
  g_autofree char *state = g_strdup_printf ("%s-state", name);
  g_autofree char *data = g_strdup_printf ("%s-data", name);

  self->state_dir = g_build_filename (parent_dir, state, NULL);
  self->data_dir = g_build_filename (parent_dir, data, NULL);
  g_assert_cmpint (g_mkdir_with_parents (self->data_dir, 0700), ==, 0);
  self->session = start_session (self);
  return self;
}

static void
weak_notify_cb (gpointer  data,
                GObject  *where_the_object_was)
{
  guint *n_alive = data;

  (*n_alive)--;
}

/* Closes the session and waits (a bounded time) until it and its torrents
 * are finalized: work still in flight when it closes must let go of them. */
void
sf_node_stop (SfNode *self)
{
  GListModel *torrents;
  guint n_alive = 1;
  gint64 deadline;
  guint tick;

  if (self->session == NULL)
    return;
  shoal_session_close (self->session);
  torrents = shoal_session_get_torrents (self->session);
  for (guint i = 0; i < g_list_model_get_n_items (torrents); i++)
    {
      g_autoptr(GObject) t = g_list_model_get_item (torrents, i);

      g_object_weak_ref (t, weak_notify_cb, &n_alive);
      n_alive++;
    }
  g_object_weak_ref (G_OBJECT (self->session), weak_notify_cb, &n_alive);
  g_object_unref (g_steal_pointer (&self->session));

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  tick = g_timeout_add (50, sf_wake_cb, NULL);
  while (n_alive > 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  if (n_alive > 0)
    g_test_fail_printf ("%u objects of the session in %s are still alive 10 s after it was closed",
                        n_alive, self->state_dir);
}

/* Closes the session and starts a new one on the same directories. */
void
sf_node_restart (SfNode *self)
{
  sf_node_stop (self);
  self->session = start_session (self);
}

void
sf_node_free (SfNode *self)
{
  sf_node_stop (self);
  g_free (self->state_dir);
  g_free (self->data_dir);
  g_free (self);
}

char *
sf_node_address (SfNode *self)
{
  return g_strdup_printf ("127.0.0.1:%u", shoal_session_get_listen_port (self->session));
}

/* Main loop */

gboolean
sf_wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
set_flag_cb (gpointer data)
{
  gboolean *flag = data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

void
sf_run_for (guint milliseconds)
{
  gboolean done = FALSE;

  g_timeout_add (milliseconds, set_flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

void
sf_drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Warnings */

static GPtrArray *allowed_warnings;

/* The engine logs structured messages, which G_DEBUG=fatal-warnings makes
 * fatal in g_log_writer_default() itself (g_test_log_set_fatal_handler()
 * is not asked): warnings a test provokes on purpose are written here
 * instead, as test messages. */
static GLogWriterOutput
log_writer (GLogLevelFlags   log_level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  if (allowed_warnings != NULL && (log_level & G_LOG_LEVEL_WARNING))
    for (gsize i = 0; i < n_fields; i++)
      {
        if (g_strcmp0 (fields[i].key, "MESSAGE") != 0 || fields[i].length != -1)
          continue;
        for (guint j = 0; j < allowed_warnings->len; j++)
          if (strstr (fields[i].value, allowed_warnings->pdata[j]) != NULL)
            {
              g_test_message ("expected warning: %s", (const char *) fields[i].value);
              return G_LOG_WRITER_HANDLED;
            }
      }
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* Call once, first thing in main(). */
void
sf_init_logging (void)
{
  g_log_set_writer_func (log_writer, NULL, NULL);
}

void
sf_allow_warning (const char *substring)
{
  if (substring == NULL)
    {
      g_clear_pointer (&allowed_warnings, g_ptr_array_unref);
      return;
    }
  if (allowed_warnings == NULL)
    allowed_warnings = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (allowed_warnings, g_strdup (substring));
}

/* Files */

void
sf_rm_rf (const char *path)
{
  struct stat st;

  if (lstat (path, &st) < 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = NULL;
      const char *name;

      chmod (path, 0700);
      dir = g_dir_open (path, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          sf_rm_rf (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}
