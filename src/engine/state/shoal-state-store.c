/* shoal-state-store.c: everything the engine keeps under its state directory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The layout is described in shoal-state-store.h. Files are written with
 * g_file_set_contents_full(): a reader sees the old file or the new one,
 * never a mix.
 *
 * A torrent's metainfo and magnet link are written at once, as they are
 * added, but not fsync'd there: a durable write costs tens of
 * milliseconds on a busy disk, and 10,000 of them in a row on the main
 * loop took ten minutes. What is written is in the page cache when the
 * add returns, so a process killed right after still finds it; a worker
 * thread then makes it durable (the files and the torrents/ folder that
 * names them), many files at a time, and shoal_state_store_flush() waits
 * for it (the session does before it says it is closed).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "shoal-bencode.h"
#include "shoal-metainfo-v2.h"
#include "shoal-state-store.h"
#include "shoal-types.h"

#define TORRENTS_DIR    "torrents"
#define JOURNAL_NAME    "removing"
#define DHT_NODES_NAME  "dht.dat"
#define FEEDS_DIR       "feeds"
#define FEEDS_NAME      "feeds.conf"
#define MAX_FEED_FILE   (64 * 1024 * 1024)
#define MAX_SAVE_DIR    4096

struct _ShoalStateStore
{
  GObject  parent_instance;

  char    *dir;
  char    *torrents_dir;

  /* Files written but not fsync'd yet, for the sync worker. */
  GMutex     sync_lock;
  GCond      sync_cond;
  GPtrArray *unsynced;   /* paths (char *) waiting for the worker */
  gboolean   syncing;    /* the worker has a batch in hand */
  gboolean   sync_quit;
  GThread   *sync_thread;
};

G_DEFINE_FINAL_TYPE (ShoalStateStore, shoal_state_store, G_TYPE_OBJECT)

G_DEFINE_QUARK (shoal-state-store-error-quark, shoal_state_store_error)

static void
shoal_state_store_finalize (GObject *object)
{
  ShoalStateStore *self = SHOAL_STATE_STORE (object);

  /* What is still queued is made durable before the worker leaves. */
  if (self->sync_thread != NULL)
    {
      g_mutex_lock (&self->sync_lock);
      self->sync_quit = TRUE;
      g_cond_broadcast (&self->sync_cond);
      g_mutex_unlock (&self->sync_lock);
      g_thread_join (self->sync_thread);
    }
  g_clear_pointer (&self->unsynced, g_ptr_array_unref);
  g_mutex_clear (&self->sync_lock);
  g_cond_clear (&self->sync_cond);
  g_free (self->dir);
  g_free (self->torrents_dir);
  G_OBJECT_CLASS (shoal_state_store_parent_class)->finalize (object);
}

static void
shoal_state_store_class_init (ShoalStateStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_state_store_finalize;
}

static void
shoal_state_store_init (ShoalStateStore *self)
{
  g_mutex_init (&self->sync_lock);
  g_cond_init (&self->sync_cond);
  self->unsynced = g_ptr_array_new_with_free_func (g_free);
}

/**
 * shoal_state_store_new:
 * @state_dir: the state directory; nothing is created before
 *   shoal_state_store_prepare()
 *
 * Returns: (transfer full): a store for @state_dir
 */
ShoalStateStore *
shoal_state_store_new (const char *state_dir)
{
  ShoalStateStore *self;

  g_return_val_if_fail (state_dir != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_STATE_STORE, NULL);
  self->dir = g_strdup (state_dir);
  self->torrents_dir = g_build_filename (state_dir, TORRENTS_DIR, NULL);
  return self;
}

const char *
shoal_state_store_get_dir (ShoalStateStore *self)
{
  g_return_val_if_fail (SHOAL_IS_STATE_STORE (self), NULL);
  return self->dir;
}

/**
 * shoal_state_store_prepare:
 * @self: a store
 * @error: return location for a #G_IO_ERROR
 *
 * Creates the state directory and its torrents/ folder (readable by the
 * user alone), if they are not there yet.
 *
 * Returns: %TRUE when they are there
 */
gboolean
shoal_state_store_prepare (ShoalStateStore  *self,
                           GError          **error)
{
  g_return_val_if_fail (SHOAL_IS_STATE_STORE (self), FALSE);

  if (g_mkdir_with_parents (self->torrents_dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Could not create “%s”: %s", self->torrents_dir, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* torrents/ID.SUFFIX */
static char *
torrent_path (ShoalStateStore *self,
              const char      *id,
              const char      *suffix)
{
  g_autofree char *name = g_strconcat (id, suffix, NULL);

  return g_build_filename (self->torrents_dir, name, NULL);
}

static gboolean
write_file (const char  *path,
            const void  *data,
            gssize       len,
            gboolean     durable,
            GError     **error)
{
  GFileSetContentsFlags flags = G_FILE_SET_CONTENTS_CONSISTENT;

  if (durable)
    flags |= G_FILE_SET_CONTENTS_DURABLE;
  return g_file_set_contents_full (path, data, len, flags, 0600, error);
}

/* Durability, off the main thread */

/* A batch this big is made durable by one syncfs() of the file system
 * rather than an fsync() per file: one journal commit instead of one per
 * file. */
#define SYNCFS_BATCH 32

static void
fsync_path (const char *path,
            int         flags)
{
  int fd = open (path, flags | O_CLOEXEC);

  /* A file removed meanwhile (its torrent was) has nothing to keep. */
  if (fd < 0)
    {
      if (errno != ENOENT)
        g_warning ("Could not open “%s” to make it durable: %s", path, g_strerror (errno));
      return;
    }
  if (fsync (fd) != 0)
    g_warning ("Could not make “%s” durable: %s", path, g_strerror (errno));
  close (fd);
}

static void
sync_batch (ShoalStateStore *self,
            GPtrArray       *batch)
{
#ifdef __linux__
  if (batch->len >= SYNCFS_BATCH)
    {
      int fd = open (self->torrents_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

      if (fd >= 0 && syncfs (fd) == 0)
        {
          close (fd);
          return;
        }
      if (fd >= 0)
        close (fd);
    }
#endif
  for (guint i = 0; i < batch->len; i++)
    fsync_path (batch->pdata[i], O_RDONLY);
  /* The names: the folder holding them. */
  fsync_path (self->torrents_dir, O_RDONLY | O_DIRECTORY);
}

static gpointer
sync_thread (gpointer data)
{
  ShoalStateStore *self = data;

  g_mutex_lock (&self->sync_lock);
  for (;;)
    {
      g_autoptr(GPtrArray) batch = NULL;

      while (self->unsynced->len == 0 && !self->sync_quit)
        g_cond_wait (&self->sync_cond, &self->sync_lock);
      if (self->unsynced->len == 0)
        break;
      /* Everything queued so far, in one go. */
      batch = g_steal_pointer (&self->unsynced);
      self->unsynced = g_ptr_array_new_with_free_func (g_free);
      self->syncing = TRUE;
      g_mutex_unlock (&self->sync_lock);
      sync_batch (self, batch);
      g_mutex_lock (&self->sync_lock);
      self->syncing = FALSE;
      g_cond_broadcast (&self->sync_cond);
    }
  g_mutex_unlock (&self->sync_lock);
  return NULL;
}

/* Queues @path for the worker, which makes it durable soon. */
static void
queue_sync (ShoalStateStore *self,
            const char      *path)
{
  g_mutex_lock (&self->sync_lock);
  g_ptr_array_add (self->unsynced, g_strdup (path));
  if (self->sync_thread == NULL)
    self->sync_thread = g_thread_new ("shoal-state-sync", sync_thread, self);
  g_cond_broadcast (&self->sync_cond);
  g_mutex_unlock (&self->sync_lock);
}

/* Written now (a reader sees the old file or the new one), durable once
 * the worker is through with it. */
static gboolean
write_file_then_sync (ShoalStateStore  *self,
                      const char       *path,
                      const void       *data,
                      gssize            len,
                      GError          **error)
{
  g_autofree char *tmp = g_strconcat (path, ".XXXXXX", NULL);
  const guint8 *p = data;
  gsize left = len < 0 ? strlen (data) : (gsize) len;
  int fd, saved;

  /* A temporary file renamed over the old one, as
   * g_file_set_contents_full() does, but without its fsync(): GLib
   * syncs even a new file and its folder under
   * G_FILE_SET_CONTENTS_CONSISTENT. */
  fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    goto fail;
  while (left > 0)
    {
      gssize n = write (fd, p, left);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          saved = errno;
          close (fd);
          g_unlink (tmp);
          errno = saved;
          goto fail;
        }
      p += n;
      left -= (gsize) n;
    }
  if (close (fd) != 0 || g_rename (tmp, path) != 0)
    {
      saved = errno;
      g_unlink (tmp);
      errno = saved;
      goto fail;
    }
  queue_sync (self, path);
  return TRUE;

fail:
  saved = errno;
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
               "Could not write “%s”: %s", path, g_strerror (saved));
  return FALSE;
}

/**
 * shoal_state_store_flush:
 * @self: a store
 *
 * Waits until every file written so far (metainfo, magnet links) is on
 * disk: they are written at once but fsync'd by a worker thread.
 */
void
shoal_state_store_flush (ShoalStateStore *self)
{
  g_return_if_fail (SHOAL_IS_STATE_STORE (self));

  g_mutex_lock (&self->sync_lock);
  while (self->unsynced->len > 0 || self->syncing)
    g_cond_wait (&self->sync_cond, &self->sync_lock);
  g_mutex_unlock (&self->sync_lock);
}

/* The ids of the files in torrents/ ending in @suffix, sorted by file name. */
static GStrv
list_ids (ShoalStateStore *self,
          const char      *suffix)
{
  g_autoptr(GDir) dir = g_dir_open (self->torrents_dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, suffix))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) (void (*) (void)) g_strcmp0);
  for (guint i = 0; i < names->len; i++)
    {
      const char *n = names->pdata[i];
      g_autofree char *id = g_strndup (n, strlen (n) - strlen (suffix));

      g_strv_builder_add (ids, id);
    }
  return g_strv_builder_end (ids);
}

/**
 * shoal_state_store_list_magnets:
 * @self: a store
 *
 * Returns: (transfer full): the ids of the saved magnet links still
 *   fetching their metadata, in a stable order (by file name)
 */
GStrv
shoal_state_store_list_magnets (ShoalStateStore *self)
{
  g_return_val_if_fail (SHOAL_IS_STATE_STORE (self), NULL);
  return list_ids (self, ".magnet");
}

/**
 * shoal_state_store_list_metainfos:
 * @self: a store
 *
 * Returns: (transfer full): the ids of the saved torrents with metainfo, in
 *   a stable order (by file name)
 */
GStrv
shoal_state_store_list_metainfos (ShoalStateStore *self)
{
  g_return_val_if_fail (SHOAL_IS_STATE_STORE (self), NULL);
  return list_ids (self, ".torrent");
}

/**
 * shoal_state_store_load_metainfo:
 * @self: a store
 * @id: a saved torrent's id
 * @error: return location for a #GError; %G_IO_ERROR_NOT_FOUND when none
 *   is saved
 *
 * Blocks while the file is read.
 *
 * Returns: (transfer full): the saved metainfo, or %NULL with @error set
 */
ShoalMetainfo *
shoal_state_store_load_metainfo (ShoalStateStore  *self,
                                 const char       *id,
                                 GError          **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) local_error = NULL;
  ShoalMetainfo *info;

  g_return_val_if_fail (SHOAL_IS_STATE_STORE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  path = torrent_path (self, id, ".torrent");
  file = g_file_new_for_path (path);
  info = shoal_metainfo_new_from_file (file, NULL, &local_error);
  /* A v2 torrent from a magnet link is saved before peers sent all its
   * piece layers (and again as they come): take it without them. */
  if (info == NULL && g_error_matches (local_error, SHOAL_METAINFO_ERROR, SHOAL_METAINFO_ERROR_BAD_PIECE_LAYERS))
    {
      g_autofree char *contents = NULL;
      gsize len = 0;

      if (g_file_get_contents (path, &contents, &len, NULL) && len <= SHOAL_METAINFO_MAX_FILE_SIZE)
        {
          g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&contents), len);

          g_clear_error (&local_error);
          info = shoal_metainfo_new_without_layers (bytes, &local_error);
        }
    }
  if (info == NULL)
    {
      /* I/O errors name the file already; the metainfo's do not. */
      if (local_error->domain != G_IO_ERROR)
        g_prefix_error (&local_error, "“%s”: ", path);
      g_propagate_error (error, g_steal_pointer (&local_error));
    }
  return info;
}

/**
 * shoal_state_store_save_metainfo:
 * @self: a store
 * @id: the torrent's id
 * @metainfo: the bytes of its .torrent file
 * @error: return location for a #G_FILE_ERROR
 *
 * Saves a torrent's metainfo, so it comes back in the next run: at once
 * for a process that dies right after, durably soon after (see
 * shoal_state_store_flush()).
 *
 * Returns: %TRUE when it is saved
 */
gboolean
shoal_state_store_save_metainfo (ShoalStateStore  *self,
                                 const char       *id,
                                 GBytes           *metainfo,
                                 GError          **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (SHOAL_IS_STATE_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (metainfo != NULL, FALSE);

  path = torrent_path (self, id, ".torrent");
  return write_file_then_sync (self, path, g_bytes_get_data (metainfo, NULL), (gssize) g_bytes_get_size (metainfo),
                               error);
}

/**
 * shoal_state_store_save_fetched_metainfo:
 * @self: a store
 * @id: the id of a torrent added by its magnet link
 * @metainfo: the bytes of its .torrent file, now fetched
 * @error: return location for a #G_FILE_ERROR
 *
 * Like shoal_state_store_save_metainfo(), then forgets the saved magnet
 * link, which the metainfo replaces; on an error, the link stays.
 *
 * Returns: %TRUE when the metainfo is saved
 */
gboolean
shoal_state_store_save_fetched_metainfo (ShoalStateStore  *self,
                                         const char       *id,
                                         GBytes           *metainfo,
                                         GError          **error)
{
  g_autofree char *magnet = NULL;

  if (!shoal_state_store_save_metainfo (self, id, metainfo, error))
    return FALSE;
  magnet = torrent_path (self, id, ".magnet");
  g_unlink (magnet);
  return TRUE;
}

/**
 * shoal_state_store_load_magnet:
 * @self: a store
 * @id: a saved magnet link's id
 * @save_dir: (out) (optional) (nullable): the save directory saved with it,
 *   or %NULL when none is (or it is not an absolute path)
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the saved magnet link, or %NULL with @error set
 */
ShoalMagnet *
shoal_state_store_load_magnet (ShoalStateStore  *self,
                               const char       *id,
                               char            **save_dir,
                               GError          **error)
{
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(ShoalMagnet) magnet = NULL;

  g_return_val_if_fail (SHOAL_IS_STATE_STORE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  if (save_dir != NULL)
    *save_dir = NULL;
  path = torrent_path (self, id, ".magnet");
  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  lines = g_strsplit (contents, "\n", 3);
  if (lines[0] == NULL)
    {
      g_set_error (error, SHOAL_STATE_STORE_ERROR, SHOAL_STATE_STORE_ERROR_CORRUPT, "“%s” is empty", path);
      return NULL;
    }
  magnet = shoal_magnet_new_from_uri (lines[0], &local_error);
  if (magnet == NULL)
    {
      g_set_error (error, SHOAL_STATE_STORE_ERROR, SHOAL_STATE_STORE_ERROR_CORRUPT,
                   "“%s” holds no usable magnet link: %s", path, local_error->message);
      return NULL;
    }
  if (save_dir != NULL && lines[1] != NULL && g_path_is_absolute (lines[1]))
    *save_dir = g_strdup (lines[1]);
  return g_steal_pointer (&magnet);
}

/**
 * shoal_state_store_save_magnet:
 * @self: a store
 * @id: the torrent's id
 * @magnet: the link it was added from
 * @save_dir: where its data goes, an absolute path
 * @error: return location for a #G_FILE_ERROR
 *
 * Saves a magnet link whose metadata is still to be fetched, as
 * shoal_state_store_save_metainfo() saves metainfo.
 *
 * Returns: %TRUE when it is saved
 */
gboolean
shoal_state_store_save_magnet (ShoalStateStore  *self,
                               const char       *id,
                               ShoalMagnet      *magnet,
                               const char       *save_dir,
                               GError          **error)
{
  return shoal_state_store_save_magnet_with_labels (self, id, magnet, save_dir, NULL, error);
}

/* Labels in a .magnet file: its third line, each label g_strescape()d,
 * separated by tabs; at most this many are read back. */
#define MAX_MAGNET_LABELS 64

/**
 * shoal_state_store_save_magnet_with_labels:
 * @self: a store
 * @id: the torrent's id
 * @magnet: the link it was added from
 * @save_dir: where its data goes, an absolute path
 * @labels: (nullable) (array zero-terminated=1): the torrent's labels
 * @error: return location for a #G_FILE_ERROR
 *
 * Like shoal_state_store_save_magnet(), with the labels the torrent has
 * while its metadata is missing (its resume data keeps them after).
 *
 * Returns: %TRUE when it is saved
 */
gboolean
shoal_state_store_save_magnet_with_labels (ShoalStateStore     *self,
                                           const char          *id,
                                           ShoalMagnet         *magnet,
                                           const char          *save_dir,
                                           const char * const  *labels,
                                           GError             **error)
{
  g_autofree char *path = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(GString) contents = g_string_new (NULL);

  g_return_val_if_fail (SHOAL_IS_STATE_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (SHOAL_IS_MAGNET (magnet), FALSE);
  g_return_val_if_fail (save_dir != NULL, FALSE);

  path = torrent_path (self, id, ".magnet");
  uri = shoal_magnet_to_uri (magnet);
  g_string_append_printf (contents, "%s\n%s\n", uri, save_dir);
  for (guint i = 0; labels != NULL && labels[i] != NULL && i < MAX_MAGNET_LABELS; i++)
    {
      g_autofree char *escaped = g_strescape (labels[i], NULL);

      g_string_append_printf (contents, "%s%s", i > 0 ? "\t" : "", escaped);
    }
  if (labels != NULL && labels[0] != NULL)
    g_string_append_c (contents, '\n');
  return write_file_then_sync (self, path, contents->str, (gssize) contents->len, error);
}

/**
 * shoal_state_store_load_magnet_labels:
 * @self: a store
 * @id: a saved magnet link's id
 *
 * Returns: (transfer full) (array zero-terminated=1): the labels saved
 *   with the magnet link (empty when none, or it cannot be read)
 */
char **
shoal_state_store_load_magnet_labels (ShoalStateStore *self,
                                      const char      *id)
{
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) fields = NULL;
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  g_return_val_if_fail (SHOAL_IS_STATE_STORE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  path = torrent_path (self, id, ".magnet");
  if (g_file_get_contents (path, &contents, NULL, NULL))
    lines = g_strsplit (contents, "\n", 4);
  if (lines != NULL && g_strv_length (lines) >= 3 && *lines[2] != '\0')
    fields = g_strsplit (lines[2], "\t", MAX_MAGNET_LABELS + 1);
  for (guint i = 0; fields != NULL && fields[i] != NULL && i < MAX_MAGNET_LABELS; i++)
    {
      g_autofree char *label = g_strcompress (fields[i]);

      if (*label != '\0' && g_utf8_validate (label, -1, NULL))
        g_strv_builder_add (b, label);
    }
  return g_strv_builder_end (b);
}

/* Resume data */

/**
 * shoal_resume_data_new:
 *
 * Returns: (transfer full): resume data recording nothing yet
 */
ShoalResumeData *
shoal_resume_data_new (void)
{
  ShoalResumeData *data = g_new0 (ShoalResumeData, 1);

  data->dirty_files = g_array_new (FALSE, FALSE, sizeof (guint));
  data->queue_position = -1;
  data->seed_ratio_milli = -1;
  data->seed_time_limit = -1;
  data->seed_idle_limit = -1;
  data->stream_piece = -1;
  return data;
}

void
shoal_resume_data_free (ShoalResumeData *data)
{
  if (data == NULL)
    return;
  g_free (data->save_dir);
  g_free (data->final_dir);
  g_strfreev (data->file_paths);
  g_clear_pointer (&data->have, g_bytes_unref);
  g_clear_pointer (&data->file_priorities, g_array_unref);
  g_clear_pointer (&data->dirty_files, g_array_unref);
  g_clear_pointer (&data->file_stats, g_array_unref);
  g_clear_pointer (&data->trackers, g_ptr_array_unref);
  g_clear_pointer (&data->labels, g_strfreev);
  g_free (data);
}

/**
 * shoal_resume_data_to_bytes:
 * @data: resume data
 *
 * The keys are written sorted, as bencoding requires of a dictionary, so
 * that the same state always gives the same bytes.
 *
 * Returns: (transfer full): the resume file's bytes
 */
GBytes *
shoal_resume_data_to_bytes (const ShoalResumeData *data)
{
  g_autoptr(ShoalBencodeWriter) w = shoal_bencode_writer_new ();

  g_return_val_if_fail (data != NULL, NULL);

  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "added-time");
  shoal_bencode_writer_integer (w, data->added_time);
  shoal_bencode_writer_cstring (w, "completed-time");
  shoal_bencode_writer_integer (w, data->completed_time);
  shoal_bencode_writer_cstring (w, "dirty-files");
  shoal_bencode_writer_begin_list (w);
  for (guint i = 0; data->dirty_files != NULL && i < data->dirty_files->len; i++)
    shoal_bencode_writer_integer (w, g_array_index (data->dirty_files, guint, i));
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_cstring (w, "download-limit");
  shoal_bencode_writer_integer (w, data->download_limit);
  shoal_bencode_writer_cstring (w, "downloaded");
  shoal_bencode_writer_integer (w, data->downloaded);
  shoal_bencode_writer_cstring (w, "file-priorities");
  shoal_bencode_writer_begin_list (w);
  for (guint i = 0; data->file_priorities != NULL && i < data->file_priorities->len; i++)
    shoal_bencode_writer_integer (w, g_array_index (data->file_priorities, guint8, i));
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_cstring (w, "file-stats");
  shoal_bencode_writer_begin_list (w);
  for (guint i = 0; data->file_stats != NULL && i < data->file_stats->len; i++)
    {
      const ShoalResumeFileStat *st = &g_array_index (data->file_stats, ShoalResumeFileStat, i);

      shoal_bencode_writer_begin_list (w);
      shoal_bencode_writer_integer (w, st->exists);
      shoal_bencode_writer_integer (w, st->size);
      shoal_bencode_writer_integer (w, st->mtime_ns);
      shoal_bencode_writer_end (w);
    }
  shoal_bencode_writer_end (w);
  if (data->final_dir != NULL)
    {
      shoal_bencode_writer_cstring (w, "final-dir");
      shoal_bencode_writer_cstring (w, data->final_dir);
    }
  if (data->first_last_pieces)
    {
      shoal_bencode_writer_cstring (w, "first-last-pieces");
      shoal_bencode_writer_integer (w, 1);
    }
  shoal_bencode_writer_cstring (w, "have");
  if (data->have != NULL)
    shoal_bencode_writer_string (w, g_bytes_get_data (data->have, NULL), g_bytes_get_size (data->have));
  else
    shoal_bencode_writer_string (w, "", 0);
  /* Written only when there are some, so that a torrent without labels
   * keeps the file it always had. */
  if (data->labels != NULL && data->labels[0] != NULL)
    {
      shoal_bencode_writer_cstring (w, "labels");
      shoal_bencode_writer_begin_list (w);
      for (guint i = 0; data->labels[i] != NULL; i++)
        shoal_bencode_writer_cstring (w, data->labels[i]);
      shoal_bencode_writer_end (w);
    }
  if (data->max_peers > 0)
    {
      shoal_bencode_writer_cstring (w, "max-peers");
      shoal_bencode_writer_integer (w, data->max_peers);
    }
  shoal_bencode_writer_cstring (w, "paused");
  shoal_bencode_writer_integer (w, data->paused);
  if (data->queue_position >= 0)
    {
      shoal_bencode_writer_cstring (w, "queue-position");
      shoal_bencode_writer_integer (w, data->queue_position);
    }
  if (data->file_paths != NULL)
    {
      shoal_bencode_writer_cstring (w, "renamed-files");
      shoal_bencode_writer_begin_list (w);
      for (guint i = 0; data->file_paths[i] != NULL; i++)
        shoal_bencode_writer_cstring (w, data->file_paths[i]);
      shoal_bencode_writer_end (w);
    }
  shoal_bencode_writer_cstring (w, "save-dir");
  shoal_bencode_writer_cstring (w, data->save_dir != NULL ? data->save_dir : "");
  /* Left out: the session's limits apply. */
  if (data->seed_idle_limit >= 0)
    {
      shoal_bencode_writer_cstring (w, "seed-idle-limit");
      shoal_bencode_writer_integer (w, data->seed_idle_limit);
    }
  if (data->seed_ratio_milli >= 0)
    {
      shoal_bencode_writer_cstring (w, "seed-ratio-limit");
      shoal_bencode_writer_integer (w, data->seed_ratio_milli);
    }
  if (data->seed_time_limit >= 0)
    {
      shoal_bencode_writer_cstring (w, "seed-time-limit");
      shoal_bencode_writer_integer (w, data->seed_time_limit);
    }
  shoal_bencode_writer_cstring (w, "seeding-seconds");
  shoal_bencode_writer_integer (w, data->seeding_seconds);
  shoal_bencode_writer_cstring (w, "sequential");
  shoal_bencode_writer_integer (w, data->sequential);
  if (data->stream_piece >= 0)
    {
      shoal_bencode_writer_cstring (w, "stream-piece");
      shoal_bencode_writer_integer (w, data->stream_piece);
    }
  shoal_bencode_writer_cstring (w, "trackers");
  shoal_bencode_writer_begin_list (w);
  for (guint t = 0; data->trackers != NULL && t < data->trackers->len; t++)
    {
      const char * const *tier = data->trackers->pdata[t];

      shoal_bencode_writer_begin_list (w);
      for (guint i = 0; tier != NULL && tier[i] != NULL; i++)
        shoal_bencode_writer_cstring (w, tier[i]);
      shoal_bencode_writer_end (w);
    }
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_cstring (w, "upload-limit");
  shoal_bencode_writer_integer (w, data->upload_limit);
  shoal_bencode_writer_cstring (w, "uploaded");
  shoal_bencode_writer_integer (w, data->uploaded);
  shoal_bencode_writer_end (w);
  return shoal_bencode_writer_finish (w);
}

static gint64
dict_int (const ShoalBencodeNode *dict,
          const char             *key,
          gint64                  fallback)
{
  const ShoalBencodeNode *n = shoal_bencode_node_dict_lookup (dict, key);

  return shoal_bencode_node_is (n, SHOAL_BENCODE_INTEGER) ? shoal_bencode_node_get_integer (n) : fallback;
}

/* Where the data was, usable only as an absolute path (file names are
 * bytes, not necessarily UTF-8). */
static gboolean
save_dir_usable (const ShoalBencodeNode *dir)
{
  const guint8 *name;
  gsize len;

  if (!shoal_bencode_node_is (dir, SHOAL_BENCODE_STRING))
    return FALSE;
  name = shoal_bencode_node_get_string (dir, &len);
  return len > 0 && len <= MAX_SAVE_DIR && memchr (name, '\0', len) == NULL && name[0] == '/';
}

static GPtrArray *
parse_trackers (const ShoalBencodeNode *n)
{
  GPtrArray *tiers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  for (const ShoalBencodeNode *t = shoal_bencode_node_get_first (n); t; t = shoal_bencode_node_get_next (t))
    {
      g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

      if (!shoal_bencode_node_is (t, SHOAL_BENCODE_LIST))
        continue;
      for (const ShoalBencodeNode *u = shoal_bencode_node_get_first (t); u; u = shoal_bencode_node_get_next (u))
        if (shoal_bencode_node_is (u, SHOAL_BENCODE_STRING))
          {
            g_autofree char *url = shoal_bencode_node_dup_string (u);

            if (g_utf8_validate (url, -1, NULL))
              g_strv_builder_add (b, url);
          }
      g_ptr_array_add (tiers, g_strv_builder_end (b));
    }
  return tiers;
}

/* Labels are UTF-8 strings without control characters, at most
 * MAX_LABELS of MAX_LABEL_LEN bytes; others are left out. */
#define MAX_LABELS     64
#define MAX_LABEL_LEN  256

static GStrv
parse_labels (const ShoalBencodeNode *n)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  guint count = 0;

  for (const ShoalBencodeNode *c = shoal_bencode_node_get_first (n); c && count < MAX_LABELS;
       c = shoal_bencode_node_get_next (c))
    {
      g_autofree char *label = NULL;
      gsize len;

      if (!shoal_bencode_node_is (c, SHOAL_BENCODE_STRING))
        continue;
      shoal_bencode_node_get_string (c, &len);
      if (len == 0 || len > MAX_LABEL_LEN)
        continue;
      label = shoal_bencode_node_dup_string (c);
      if (strlen (label) != len || !g_utf8_validate (label, -1, NULL))
        continue;
      g_strv_builder_add (b, label);
      count++;
    }
  return g_strv_builder_end (b);
}

/* Each entry a list [exists, size, mtime]; anything else records a file
 * that does not exist. */
static GArray *
parse_file_stats (const ShoalBencodeNode *n)
{
  GArray *stats = g_array_sized_new (FALSE, TRUE, sizeof (ShoalResumeFileStat), shoal_bencode_node_get_n_children (n));

  for (const ShoalBencodeNode *c = shoal_bencode_node_get_first (n); c; c = shoal_bencode_node_get_next (c))
    {
      const ShoalBencodeNode *e = shoal_bencode_node_get_first (c);
      const ShoalBencodeNode *s = e ? shoal_bencode_node_get_next (e) : NULL;
      const ShoalBencodeNode *m = s ? shoal_bencode_node_get_next (s) : NULL;
      ShoalResumeFileStat st;

      st.exists = shoal_bencode_node_is (e, SHOAL_BENCODE_INTEGER) && shoal_bencode_node_get_integer (e);
      st.size = shoal_bencode_node_is (s, SHOAL_BENCODE_INTEGER) ? shoal_bencode_node_get_integer (s) : -1;
      st.mtime_ns = shoal_bencode_node_is (m, SHOAL_BENCODE_INTEGER) ? shoal_bencode_node_get_integer (m) : -1;
      g_array_append_val (stats, st);
    }
  return stats;
}

/**
 * shoal_resume_data_parse:
 * @bytes: a resume file's bytes
 * @error: return location for a %SHOAL_STATE_STORE_ERROR_CORRUPT error
 *
 * Reads what shoal_resume_data_to_bytes() writes. Only a file that is not a
 * bencoded dictionary is refused: a key missing or of another type is
 * taken as not recorded, a file index or priority out of range is left out
 * or clamped.
 *
 * Returns: (transfer full): the data, or %NULL with @error set
 */
ShoalResumeData *
shoal_resume_data_parse (GBytes  *bytes,
                         GError **error)
{
  g_autoptr(ShoalBencode) doc = NULL;
  g_autoptr(ShoalResumeData) data = NULL;
  g_autoptr(GError) local_error = NULL;
  const ShoalBencodeNode *root, *n;

  g_return_val_if_fail (bytes != NULL, NULL);

  doc = shoal_bencode_parse (bytes, &local_error);
  if (doc == NULL)
    {
      g_set_error (error, SHOAL_STATE_STORE_ERROR, SHOAL_STATE_STORE_ERROR_CORRUPT,
                   "Resume data is not valid bencode: %s", local_error->message);
      return NULL;
    }
  root = shoal_bencode_get_root (doc);
  if (!shoal_bencode_node_is (root, SHOAL_BENCODE_DICT))
    {
      g_set_error (error, SHOAL_STATE_STORE_ERROR, SHOAL_STATE_STORE_ERROR_CORRUPT,
                   "Resume data is not a dictionary");
      return NULL;
    }

  data = shoal_resume_data_new ();
  n = shoal_bencode_node_dict_lookup (root, "added-time");
  data->has_added_time = shoal_bencode_node_is (n, SHOAL_BENCODE_INTEGER);
  data->added_time = dict_int (root, "added-time", 0);
  data->completed_time = dict_int (root, "completed-time", 0);
  data->downloaded = dict_int (root, "downloaded", 0);
  data->uploaded = dict_int (root, "uploaded", 0);
  data->paused = dict_int (root, "paused", 0) != 0;
  data->sequential = dict_int (root, "sequential", 0) != 0;
  data->seeding_seconds = dict_int (root, "seeding-seconds", 0);
  data->download_limit = dict_int (root, "download-limit", 0);
  data->upload_limit = dict_int (root, "upload-limit", 0);
  data->first_last_pieces = dict_int (root, "first-last-pieces", 0) != 0;
  data->max_peers = CLAMP (dict_int (root, "max-peers", 0), 0, G_MAXINT);
  data->queue_position = CLAMP (dict_int (root, "queue-position", -1), -1, G_MAXINT);
  data->seed_ratio_milli = CLAMP (dict_int (root, "seed-ratio-limit", -1), -1, G_MAXINT64 / 2);
  data->seed_time_limit = MAX (dict_int (root, "seed-time-limit", -1), -1);
  data->seed_idle_limit = MAX (dict_int (root, "seed-idle-limit", -1), -1);
  data->stream_piece = CLAMP (dict_int (root, "stream-piece", -1), -1, G_MAXINT32);
  n = shoal_bencode_node_dict_lookup (root, "renamed-files");
  if (shoal_bencode_node_is (n, SHOAL_BENCODE_LIST) && shoal_bencode_node_get_n_children (n) <= 1000000)
    {
      g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
      gboolean good = TRUE;

      /* Checked as paths by the torrent's storage; here only strings. */
      for (const ShoalBencodeNode *c = shoal_bencode_node_get_first (n); c && good; c = shoal_bencode_node_get_next (c))
        {
          gsize len = 0;
          const guint8 *str = shoal_bencode_node_is (c, SHOAL_BENCODE_STRING) ? shoal_bencode_node_get_string (c, &len) : NULL;

          good = str != NULL && len > 0 && len <= 4096 && memchr (str, 0, len) == NULL;
          if (good)
            {
              g_autofree char *copy = g_strndup ((const char *) str, len);

              g_strv_builder_add (b, copy);
            }
        }
      if (good)
        data->file_paths = g_strv_builder_end (b);
    }
  n = shoal_bencode_node_dict_lookup (root, "final-dir");
  if (shoal_bencode_node_is (n, SHOAL_BENCODE_STRING))
    {
      gsize len = 0;
      const char *str = (const char *) shoal_bencode_node_get_string (n, &len);

      if (len > 0 && len <= 4096 && memchr (str, 0, len) == NULL && str[0] == '/')
        data->final_dir = g_strndup (str, len);
    }

  n = shoal_bencode_node_dict_lookup (root, "file-priorities");
  if (shoal_bencode_node_is (n, SHOAL_BENCODE_LIST))
    {
      data->file_priorities = g_array_sized_new (FALSE, FALSE, 1, shoal_bencode_node_get_n_children (n));
      for (const ShoalBencodeNode *c = shoal_bencode_node_get_first (n); c; c = shoal_bencode_node_get_next (c))
        {
          gint64 prio = shoal_bencode_node_is (c, SHOAL_BENCODE_INTEGER) ? shoal_bencode_node_get_integer (c)
                                                                         : SHOAL_FILE_PRIORITY_NORMAL;
          guint8 p = (guint8) CLAMP (prio, SHOAL_FILE_PRIORITY_SKIP, SHOAL_FILE_PRIORITY_HIGH);

          g_array_append_val (data->file_priorities, p);
        }
    }

  n = shoal_bencode_node_dict_lookup (root, "trackers");
  if (shoal_bencode_node_is (n, SHOAL_BENCODE_LIST) && shoal_bencode_node_get_n_children (n) > 0)
    data->trackers = parse_trackers (n);

  n = shoal_bencode_node_dict_lookup (root, "labels");
  if (shoal_bencode_node_is (n, SHOAL_BENCODE_LIST))
    data->labels = parse_labels (n);

  n = shoal_bencode_node_dict_lookup (root, "save-dir");
  if (shoal_bencode_node_is (n, SHOAL_BENCODE_STRING))
    data->save_dir = shoal_bencode_node_dup_string (n);
  data->save_dir_usable = save_dir_usable (n);

  n = shoal_bencode_node_dict_lookup (root, "have");
  if (shoal_bencode_node_is (n, SHOAL_BENCODE_STRING))
    {
      gsize len;
      const guint8 *bits = shoal_bencode_node_get_string (n, &len);

      data->have = g_bytes_new (bits, len);
    }

  n = shoal_bencode_node_dict_lookup (root, "dirty-files");
  if (shoal_bencode_node_is (n, SHOAL_BENCODE_LIST))
    for (const ShoalBencodeNode *c = shoal_bencode_node_get_first (n); c; c = shoal_bencode_node_get_next (c))
      if (shoal_bencode_node_is (c, SHOAL_BENCODE_INTEGER) && shoal_bencode_node_get_integer (c) >= 0 &&
          shoal_bencode_node_get_integer (c) <= G_MAXUINT)
        {
          guint index = (guint) shoal_bencode_node_get_integer (c);

          g_array_append_val (data->dirty_files, index);
        }

  n = shoal_bencode_node_dict_lookup (root, "file-stats");
  if (shoal_bencode_node_is (n, SHOAL_BENCODE_LIST))
    data->file_stats = parse_file_stats (n);

  return g_steal_pointer (&data);
}

/**
 * shoal_state_store_load_resume:
 * @self: a store
 * @id: a torrent's id
 * @error: return location for a #GError: %G_FILE_ERROR_NOENT when none is
 *   saved, %SHOAL_STATE_STORE_ERROR_CORRUPT when the file cannot be read as
 *   resume data
 *
 * Returns: (transfer full): the torrent's saved resume data, or %NULL with
 *   @error set
 */
ShoalResumeData *
shoal_state_store_load_resume (ShoalStateStore  *self,
                               const char       *id,
                               GError          **error)
{
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  ShoalResumeData *data;
  gsize len;

  g_return_val_if_fail (SHOAL_IS_STATE_STORE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  path = torrent_path (self, id, ".resume");
  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  bytes = g_bytes_new_take (g_steal_pointer (&contents), len);
  data = shoal_resume_data_parse (bytes, &local_error);
  if (data == NULL)
    {
      g_prefix_error (&local_error, "“%s”: ", path);
      g_propagate_error (error, g_steal_pointer (&local_error));
    }
  return data;
}

/**
 * shoal_state_store_save_resume:
 * @self: a store
 * @id: a torrent's id
 * @resume: what shoal_resume_data_to_bytes() gave
 * @error: return location for a #G_FILE_ERROR
 *
 * Saves resume data, durably: this blocks until it is on disk, so the
 * torrent calls it from a worker thread, or when the session closes.
 *
 * Returns: %TRUE when it is saved
 */
gboolean
shoal_state_store_save_resume (ShoalStateStore  *self,
                               const char       *id,
                               GBytes           *resume,
                               GError          **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (SHOAL_IS_STATE_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (resume != NULL, FALSE);

  path = torrent_path (self, id, ".resume");
  return write_file (path, g_bytes_get_data (resume, NULL), (gssize) g_bytes_get_size (resume), TRUE, error);
}

/**
 * shoal_state_store_dup_parts_path:
 * @self: a store
 * @id: a torrent's id
 *
 * Returns: (transfer full): where the torrent's storage keeps the pieces
 *   of skipped files
 */
char *
shoal_state_store_dup_parts_path (ShoalStateStore *self,
                                  const char      *id)
{
  g_return_val_if_fail (SHOAL_IS_STATE_STORE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  return torrent_path (self, id, ".parts");
}

/**
 * shoal_state_store_remove_torrent:
 * @self: a store
 * @id: a torrent's id
 *
 * Forgets everything saved for a torrent: its magnet link, resume data,
 * metainfo and kept pieces. What is not there is not missed.
 */
void
shoal_state_store_remove_torrent (ShoalStateStore *self,
                                  const char      *id)
{
  static const char * const suffixes[] = { ".magnet", ".resume", ".torrent", ".parts" };

  g_return_if_fail (SHOAL_IS_STATE_STORE (self));
  g_return_if_fail (id != NULL);

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = torrent_path (self, id, suffixes[i]);

      g_unlink (path);
    }
}

/**
 * shoal_state_store_dup_deletion_journal:
 * @self: a store
 *
 * Returns: (transfer full): the directory where storage records the
 *   deletions of data not finished yet (shoal_storage_delete_files_async())
 */
char *
shoal_state_store_dup_deletion_journal (ShoalStateStore *self)
{
  g_return_val_if_fail (SHOAL_IS_STATE_STORE (self), NULL);
  return g_build_filename (self->dir, JOURNAL_NAME, NULL);
}

/**
 * shoal_state_store_load_dht_nodes:
 * @self: a store
 *
 * Returns: (transfer full) (nullable): what shoal_state_store_save_dht_nodes()
 *   saved, or %NULL when nothing could be read
 */
GBytes *
shoal_state_store_load_dht_nodes (ShoalStateStore *self)
{
  g_autofree char *path = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_return_val_if_fail (SHOAL_IS_STATE_STORE (self), NULL);

  path = g_build_filename (self->dir, DHT_NODES_NAME, NULL);
  if (!g_file_get_contents (path, &contents, &len, NULL))
    return NULL;
  return g_bytes_new_take (contents, len);
}

/**
 * shoal_state_store_save_dht_nodes:
 * @self: a store
 * @nodes: the DHT's nodes, from shoal_dht_dup_nodes()
 *
 * Saves them for the next run, atomically but not durably: losing them
 * costs only a slower start. A failure is not reported either.
 */
void
shoal_state_store_save_dht_nodes (ShoalStateStore *self,
                                  GBytes          *nodes)
{
  g_autofree char *path = NULL;

  g_return_if_fail (SHOAL_IS_STATE_STORE (self));
  g_return_if_fail (nodes != NULL);

  path = g_build_filename (self->dir, DHT_NODES_NAME, NULL);
  write_file (path, g_bytes_get_data (nodes, NULL), (gssize) g_bytes_get_size (nodes), FALSE, NULL);
}

/* A feed's id is what feeds/ makes of its URL: lower-case hex. */
static gboolean
feed_id_is_valid (const char *id)
{
  gsize len = strlen (id);

  if (len == 0 || len > 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (id[i]) || g_ascii_isupper (id[i]))
      return FALSE;
  return TRUE;
}

static GBytes *
load_feed_file (ShoalStateStore  *self,
                const char       *name,
                GError          **error)
{
  g_autofree char *path = g_build_filename (self->dir, FEEDS_DIR, name, NULL);
  char *contents = NULL;
  gsize len = 0;
  GStatBuf st;

  if (g_stat (path, &st) == 0 && st.st_size > MAX_FEED_FILE)
    {
      g_set_error (error, SHOAL_STATE_STORE_ERROR, SHOAL_STATE_STORE_ERROR_CORRUPT,
                   "%s is larger than %d MiB", path, MAX_FEED_FILE / (1024 * 1024));
      return NULL;
    }
  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  return g_bytes_new_take (contents, len);
}

static gboolean
save_feed_file (ShoalStateStore  *self,
                const char       *name,
                GBytes           *bytes,
                GError          **error)
{
  g_autofree char *dir = g_build_filename (self->dir, FEEDS_DIR, NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "Could not create %s: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }
  return write_file (path, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes), FALSE, error);
}

/**
 * shoal_state_store_load_feeds:
 * @self: a store
 * @error: return location for an error (%G_FILE_ERROR_NOENT: none saved)
 *
 * Returns: (transfer full) (nullable): what shoal_state_store_save_feeds()
 *   saved
 */
GBytes *
shoal_state_store_load_feeds (ShoalStateStore  *self,
                              GError          **error)
{
  g_return_val_if_fail (SHOAL_IS_STATE_STORE (self), NULL);
  return load_feed_file (self, FEEDS_NAME, error);
}

/**
 * shoal_state_store_save_feeds:
 * @self: a store
 * @feeds: the feeds and rules, as feeds/ writes them
 * @error: return location for a #GFileError
 *
 * Returns: whether they were saved (atomically)
 */
gboolean
shoal_state_store_save_feeds (ShoalStateStore  *self,
                              GBytes           *feeds,
                              GError          **error)
{
  g_return_val_if_fail (SHOAL_IS_STATE_STORE (self), FALSE);
  g_return_val_if_fail (feeds != NULL, FALSE);
  return save_feed_file (self, FEEDS_NAME, feeds, error);
}

/**
 * shoal_state_store_load_feed_history:
 * @self: a store
 * @feed_id: the feed's id, lower-case hex
 * @error: return location for an error (%G_FILE_ERROR_NOENT: none saved)
 *
 * Returns: (transfer full) (nullable): what
 *   shoal_state_store_save_feed_history() saved for the feed
 */
GBytes *
shoal_state_store_load_feed_history (ShoalStateStore  *self,
                                     const char       *feed_id,
                                     GError          **error)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (SHOAL_IS_STATE_STORE (self), NULL);
  g_return_val_if_fail (feed_id != NULL && feed_id_is_valid (feed_id), NULL);
  name = g_strconcat (feed_id, ".history", NULL);
  return load_feed_file (self, name, error);
}

/**
 * shoal_state_store_save_feed_history:
 * @self: a store
 * @feed_id: the feed's id, lower-case hex
 * @history: what feeds/ records of the feed's items
 * @error: return location for a #GFileError
 *
 * Returns: whether it was saved (atomically)
 */
gboolean
shoal_state_store_save_feed_history (ShoalStateStore  *self,
                                     const char       *feed_id,
                                     GBytes           *history,
                                     GError          **error)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (SHOAL_IS_STATE_STORE (self), FALSE);
  g_return_val_if_fail (feed_id != NULL && feed_id_is_valid (feed_id), FALSE);
  g_return_val_if_fail (history != NULL, FALSE);
  name = g_strconcat (feed_id, ".history", NULL);
  return save_feed_file (self, name, history, error);
}

/**
 * shoal_state_store_remove_feed_history:
 * @self: a store
 * @feed_id: the feed's id, lower-case hex
 *
 * Forgets the feed's history (it was unsubscribed).
 */
void
shoal_state_store_remove_feed_history (ShoalStateStore *self,
                                       const char      *feed_id)
{
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;

  g_return_if_fail (SHOAL_IS_STATE_STORE (self));
  g_return_if_fail (feed_id != NULL && feed_id_is_valid (feed_id));
  name = g_strconcat (feed_id, ".history", NULL);
  path = g_build_filename (self->dir, FEEDS_DIR, name, NULL);
  g_unlink (path);
  g_free (path);
  g_free (name);
  name = g_strconcat (feed_id, ".feed", NULL);
  path = g_build_filename (self->dir, FEEDS_DIR, name, NULL);
  g_unlink (path);
}

/**
 * shoal_state_store_load_feed_copy:
 * @self: a store
 * @feed_id: the feed's id (hex)
 * @error: return location for a #GError (%G_FILE_ERROR_NOENT: none saved)
 *
 * Returns: (transfer full): the last body fetched of the feed, or %NULL
 *   with @error set
 */
GBytes *
shoal_state_store_load_feed_copy (ShoalStateStore  *self,
                                  const char       *feed_id,
                                  GError          **error)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (SHOAL_IS_STATE_STORE (self), NULL);
  g_return_val_if_fail (feed_id != NULL && feed_id_is_valid (feed_id), NULL);
  name = g_strconcat (feed_id, ".feed", NULL);
  return load_feed_file (self, name, error);
}

/**
 * shoal_state_store_save_feed_copy:
 * @self: a store
 * @feed_id: the feed's id (hex)
 * @body: the feed's body, as last fetched
 * @error: return location for a #G_FILE_ERROR
 *
 * Keeps the feed's last body, so that its items are known after a restart
 * when the server answers a conditional request with 304.
 *
 * Returns: %TRUE when it is saved
 */
gboolean
shoal_state_store_save_feed_copy (ShoalStateStore  *self,
                                  const char       *feed_id,
                                  GBytes           *body,
                                  GError          **error)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (SHOAL_IS_STATE_STORE (self), FALSE);
  g_return_val_if_fail (feed_id != NULL && feed_id_is_valid (feed_id), FALSE);
  g_return_val_if_fail (body != NULL, FALSE);
  name = g_strconcat (feed_id, ".feed", NULL);
  return save_feed_file (self, name, body, error);
}

#define SESSION_STATS_NAME "stats.dat"

/**
 * shoal_state_store_load_session_stats:
 * @self: a store
 *
 * Returns: (transfer full) (nullable): what
 *   shoal_state_store_save_session_stats() saved (the session's cumulative
 *   statistics; their format is the session's), or %NULL
 */
GBytes *
shoal_state_store_load_session_stats (ShoalStateStore *self)
{
  g_autofree char *path = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_return_val_if_fail (SHOAL_IS_STATE_STORE (self), NULL);

  path = g_build_filename (self->dir, SESSION_STATS_NAME, NULL);
  if (!g_file_get_contents (path, &contents, &len, NULL))
    return NULL;
  if (len > 64 * 1024)
    {
      g_free (contents);
      return NULL;
    }
  return g_bytes_new_take (contents, len);
}

/**
 * shoal_state_store_save_session_stats:
 * @self: a store
 * @stats: the session's cumulative statistics
 *
 * Replaces them atomically; a failure is not reported.
 */
void
shoal_state_store_save_session_stats (ShoalStateStore *self,
                                      GBytes          *stats)
{
  g_autofree char *path = NULL;

  g_return_if_fail (SHOAL_IS_STATE_STORE (self));
  g_return_if_fail (stats != NULL);

  path = g_build_filename (self->dir, SESSION_STATS_NAME, NULL);
  write_file (path, g_bytes_get_data (stats, NULL), (gssize) g_bytes_get_size (stats), FALSE, NULL);
}
