/* shoal-torrent-options.c: a torrent's own options and its place in the queue
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the torrent (shoal-torrent-private.h): the options a user sets on
 * one torrent over the session's (seeding limits, maximum peers), piece
 * order hints (first and last pieces of each file first, a stream position
 * a media player reads from) and what the session's queue asks of it (its
 * position, whether it counts as a download or a seed, whether it stalled).
 * All of it is saved in the resume data (shoal-torrent-resume.c).
 */
#include "config.h"

#include "shoal-torrent-private.h"

/* How far ahead of a stream position pieces come first: about what a
 * player buffers, at least a few pieces. */
#define STREAM_WINDOW_BYTES   (16u * 1024u * 1024u)
#define STREAM_WINDOW_PIECES  4u

/* Queue */

ShoalQueueClass
_shoal_torrent_get_queue_class (ShoalTorrent *self)
{
  if (self->paused || self->state == SHOAL_TORRENT_STATE_ERROR ||
      self->state == SHOAL_TORRENT_STATE_FINISHED)
    return SHOAL_QUEUE_CLASS_NONE;
  if (self->picker != NULL && shoal_piece_picker_is_complete (self->picker))
    return SHOAL_QUEUE_CLASS_SEED;
  return SHOAL_QUEUE_CLASS_DOWNLOAD;
}

/* Once a second while active: the last time payload moved the way that
 * matters for the torrent's class (received while downloading, sent while
 * seeding). */
void
_shoal_torrent_note_transfer (ShoalTorrent *self,
                              gint64        now_us)
{
  guint64 bytes = self->state == SHOAL_TORRENT_STATE_SEEDING ? self->uploaded : self->downloaded;

  if (bytes != self->last_transfer_bytes || self->last_transfer_us == 0)
    {
      self->last_transfer_bytes = bytes;
      self->last_transfer_us = now_us;
    }
}

/* Active but without payload for @stalled_seconds (0: never stalled). A
 * torrent just started counts from its start. */
gboolean
_shoal_torrent_is_stalled (ShoalTorrent *self,
                           gint64        now_us,
                           guint         stalled_seconds)
{
  if (stalled_seconds == 0 || !_shoal_torrent_is_active (self) || self->last_transfer_us == 0)
    return FALSE;
  return now_us - self->last_transfer_us >= (gint64) stalled_seconds * G_USEC_PER_SEC;
}

void
_shoal_torrent_set_queue_position (ShoalTorrent *self,
                                   gint          position)
{
  if (self->queue_position == position)
    return;
  self->queue_position = position;
  _shoal_torrent_mark_dirty (self);
  g_object_notify (G_OBJECT (self), "queue-position");
}

/**
 * shoal_torrent_get_queue_position:
 * @self: a torrent
 *
 * Its place in the session's queue: 0 is the first to start when the
 * session limits active downloads or seeds (see
 * shoal_session_queue_move()).
 *
 * Returns: the position, from 0
 */
guint
shoal_torrent_get_queue_position (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  return (guint) MAX (self->queue_position, 0);
}

/* Seeding limits and peers */

/* The session's values, for a torrent without its own. */
void
_shoal_torrent_set_default_seed_limits (ShoalTorrent *self,
                                        double        ratio,
                                        gint64        seconds)
{
  if (!self->seed_ratio_own)
    self->seed_ratio_limit = ratio;
  if (!self->seed_time_own)
    self->seed_time_limit = seconds;
  _shoal_torrent_wake (self);
}

void
_shoal_torrent_set_default_max_connections (ShoalTorrent *self,
                                            guint         max_connections)
{
  if (self->max_connections_own == 0)
    self->max_connections = MAX (max_connections, 1);
}

/**
 * shoal_torrent_set_seed_ratio_limit:
 * @self: a torrent
 * @ratio: stop seeding at this ratio; 0 or less: never for a ratio
 *
 * The torrent's own limit, over the session's; see
 * shoal_torrent_reset_seed_limits().
 */
void
shoal_torrent_set_seed_ratio_limit (ShoalTorrent *self,
                                    double        ratio)
{
  ShoalSeedLimitMode old;

  g_return_if_fail (SHOAL_IS_TORRENT (self));
  old = shoal_torrent_get_seed_ratio_mode (self);
  self->seed_ratio_own = TRUE;
  self->seed_ratio_limit = ratio;
  _shoal_torrent_mark_dirty (self);
  if (old != shoal_torrent_get_seed_ratio_mode (self))
    _shoal_torrent_notify_seed_mode (self, 0);
}

/**
 * shoal_torrent_set_seed_time_limit:
 * @self: a torrent
 * @seconds: stop after seeding this long; 0 or less: never for a time
 *
 * The torrent's own limit, over the session's.
 */
void
shoal_torrent_set_seed_time_limit (ShoalTorrent *self,
                                   gint64        seconds)
{
  ShoalSeedLimitMode old;

  g_return_if_fail (SHOAL_IS_TORRENT (self));
  old = shoal_torrent_get_seed_time_mode (self);
  self->seed_time_own = TRUE;
  self->seed_time_limit = seconds;
  _shoal_torrent_mark_dirty (self);
  if (old != shoal_torrent_get_seed_time_mode (self))
    _shoal_torrent_notify_seed_mode (self, 1);
}

/**
 * shoal_torrent_reset_seed_limits:
 * @self: a torrent
 * @session_ratio: the session's ratio limit, as it is now
 * @session_seconds: the session's time limit, as it is now
 *
 * Forgets the torrent's own seeding ratio and time limits: it follows the
 * session's again (the idle limit has shoal_torrent_reset_seed_idle_limit()).
 */
void
shoal_torrent_reset_seed_limits (ShoalTorrent *self,
                                 double        session_ratio,
                                 gint64        session_seconds)
{
  gboolean ratio_was_own, time_was_own;

  g_return_if_fail (SHOAL_IS_TORRENT (self));
  ratio_was_own = self->seed_ratio_own;
  time_was_own = self->seed_time_own;
  self->seed_ratio_own = FALSE;
  self->seed_time_own = FALSE;
  _shoal_torrent_set_default_seed_limits (self, session_ratio, session_seconds);
  _shoal_torrent_mark_dirty (self);
  if (ratio_was_own)
    _shoal_torrent_notify_seed_mode (self, 0);
  if (time_was_own)
    _shoal_torrent_notify_seed_mode (self, 1);
}

double
shoal_torrent_get_seed_ratio_limit (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  return self->seed_ratio_limit;
}

gint64
shoal_torrent_get_seed_time_limit (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  return self->seed_time_limit;
}

static ShoalSeedLimitMode
mode_of (gboolean own,
         gboolean limited)
{
  if (!own)
    return SHOAL_SEED_LIMIT_MODE_GLOBAL;
  return limited ? SHOAL_SEED_LIMIT_MODE_OWN : SHOAL_SEED_LIMIT_MODE_UNLIMITED;
}

/**
 * shoal_torrent_get_seed_ratio_mode:
 * @self: a torrent
 *
 * Where shoal_torrent_get_seed_ratio_limit() comes from: a limit of the
 * torrent's own is %SHOAL_SEED_LIMIT_MODE_OWN even when it equals the
 * session's.
 *
 * Returns: the mode
 */
ShoalSeedLimitMode
shoal_torrent_get_seed_ratio_mode (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), SHOAL_SEED_LIMIT_MODE_GLOBAL);
  return mode_of (self->seed_ratio_own, self->seed_ratio_limit > 0);
}

/**
 * shoal_torrent_get_seed_time_mode:
 * @self: a torrent
 *
 * Returns: where shoal_torrent_get_seed_time_limit() comes from
 */
ShoalSeedLimitMode
shoal_torrent_get_seed_time_mode (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), SHOAL_SEED_LIMIT_MODE_GLOBAL);
  return mode_of (self->seed_time_own, self->seed_time_limit > 0);
}

/**
 * shoal_torrent_set_seed_idle_limit:
 * @self: a torrent
 * @seconds: stop seeding after this long without sending any payload
 *   (counted from the last upload, or from the start of seeding); 0 or
 *   less: never for that
 *
 * The torrent's own idle limit, over the session's (ShoalSession:seed-idle-limit).
 * It is not the seeding time limit: a torrent that keeps uploading is not
 * idle, however long it seeds.
 */
void
shoal_torrent_set_seed_idle_limit (ShoalTorrent *self,
                                   gint64        seconds)
{
  ShoalSeedLimitMode old;

  g_return_if_fail (SHOAL_IS_TORRENT (self));
  old = shoal_torrent_get_seed_idle_mode (self);
  self->seed_idle_own = TRUE;
  self->seed_idle_limit = MAX (seconds, 0);
  _shoal_torrent_mark_dirty (self);
  if (old != shoal_torrent_get_seed_idle_mode (self))
    _shoal_torrent_notify_seed_mode (self, 2);
}

/**
 * shoal_torrent_reset_seed_idle_limit:
 * @self: a torrent
 *
 * Forgets the torrent's own idle limit: the session's applies again.
 */
void
shoal_torrent_reset_seed_idle_limit (ShoalTorrent *self)
{
  g_return_if_fail (SHOAL_IS_TORRENT (self));
  if (!self->seed_idle_own)
    return;
  self->seed_idle_own = FALSE;
  self->seed_idle_limit = 0;
  _shoal_torrent_mark_dirty (self);
  _shoal_torrent_notify_seed_mode (self, 2);
}

/**
 * shoal_torrent_get_seed_idle_limit:
 * @self: a torrent
 *
 * Returns: the idle limit that applies, the torrent's own or the session's,
 *   in seconds; 0 for none
 */
gint64
shoal_torrent_get_seed_idle_limit (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  if (self->seed_idle_own)
    return self->seed_idle_limit;
  return MAX (SHOAL_TORRENT_ASK (self, get_seed_idle_limit), 0);
}

/**
 * shoal_torrent_get_seed_idle_mode:
 * @self: a torrent
 *
 * Returns: where shoal_torrent_get_seed_idle_limit() comes from
 */
ShoalSeedLimitMode
shoal_torrent_get_seed_idle_mode (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), SHOAL_SEED_LIMIT_MODE_GLOBAL);
  return mode_of (self->seed_idle_own, self->seed_idle_limit > 0);
}

/**
 * shoal_torrent_set_max_connections:
 * @self: a torrent
 * @max_connections: its own maximum of peers; 0 follows the session's
 *
 * Connections over the new maximum close as the torrent dials no more.
 */
void
shoal_torrent_set_max_connections (ShoalTorrent *self,
                                   guint         max_connections)
{
  g_return_if_fail (SHOAL_IS_TORRENT (self));
  self->max_connections_own = max_connections;
  if (max_connections > 0)
    self->max_connections = max_connections;
  else
    self->max_connections = MAX (SHOAL_TORRENT_ASK (self, get_max_per_torrent), 1);
  _shoal_torrent_mark_dirty (self);
}

guint
shoal_torrent_get_max_connections (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  return self->max_connections;
}

/* Piece order */

/* Raises what the options put first over the file priorities, which
 * _shoal_torrent_apply_priorities() has just set: the first and last piece
 * of each wanted file (a player reads a file's index, often at its end,
 * before anything else), and the pieces a stream reads next. */
void
_shoal_torrent_apply_piece_priorities (ShoalTorrent *self)
{
  guint n_pieces, n_files;
  guint64 pl;

  if (self->info == NULL || self->picker == NULL)
    return;
  n_pieces = shoal_metainfo_get_n_pieces (self->info);
  n_files = shoal_metainfo_get_n_files (self->info);
  pl = shoal_metainfo_get_piece_length (self->info);
  if (n_pieces == 0 || pl == 0)
    return;

  if (self->first_last)
    for (guint i = 0; i < n_files; i++)
      {
        const ShoalMetainfoFile *f = shoal_metainfo_get_file (self->info, i);
        guint64 first, last;

        if (f->length == 0 || (f->attributes & SHOAL_FILE_ATTRIBUTE_PAD) != 0 ||
            self->file_priorities[i] == SHOAL_FILE_PRIORITY_SKIP)
          continue;
        first = f->offset / pl;
        last = (f->offset + f->length - 1) / pl;
        if (last >= n_pieces)
          continue;
        shoal_piece_picker_set_piece_priority (self->picker, (guint) first, SHOAL_PIECE_PRIORITY_MAX);
        shoal_piece_picker_set_piece_priority (self->picker, (guint) last, SHOAL_PIECE_PRIORITY_MAX);
      }

  if (self->stream_piece >= 0 && self->stream_piece < n_pieces)
    {
      guint64 window = MAX (STREAM_WINDOW_PIECES, (STREAM_WINDOW_BYTES + pl - 1) / pl);
      guint64 end = MIN ((guint64) self->stream_piece + window, (guint64) n_pieces);

      for (guint64 p = (guint64) self->stream_piece; p < end; p++)
        if (shoal_piece_picker_get_piece_priority (self->picker, (guint) p) > 0)
          shoal_piece_picker_set_piece_priority (self->picker, (guint) p, SHOAL_PIECE_PRIORITY_MAX);
    }
}

/* After a change of the options above: file priorities again, then them. */
static void
reapply_priorities (ShoalTorrent *self)
{
  if (self->info == NULL)
    return;
  _shoal_torrent_apply_priorities (self);
  if (_shoal_torrent_is_active (self))
    _shoal_torrent_fill_all_requests (self);
}

/**
 * shoal_torrent_set_first_last_pieces:
 * @self: a torrent
 * @first_last: download the first and last piece of each file first
 *
 * So that a media file can be previewed early (players read its header
 * and often its end first).
 */
void
shoal_torrent_set_first_last_pieces (ShoalTorrent *self,
                                     gboolean      first_last)
{
  g_return_if_fail (SHOAL_IS_TORRENT (self));
  if (self->first_last == !!first_last)
    return;
  self->first_last = !!first_last;
  _shoal_torrent_mark_dirty (self);
  reapply_priorities (self);
}

gboolean
shoal_torrent_get_first_last_pieces (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), FALSE);
  return self->first_last;
}

/**
 * shoal_torrent_set_stream_piece:
 * @self: a torrent
 * @piece: the piece a media player reads next, or -1 to stop streaming
 *
 * Stream mode: the pieces from @piece on (about 16 MiB of them) come
 * before any other, and move with each call as the player reads on.
 */
void
shoal_torrent_set_stream_piece (ShoalTorrent *self,
                                gint64        piece)
{
  g_return_if_fail (SHOAL_IS_TORRENT (self));
  if (piece < -1)
    piece = -1;
  if (self->info != NULL && piece >= shoal_metainfo_get_n_pieces (self->info))
    piece = -1;
  if (self->stream_piece == piece)
    return;
  self->stream_piece = piece;
  _shoal_torrent_mark_dirty (self);
  reapply_priorities (self);
}

/**
 * shoal_torrent_set_stream_position:
 * @self: a torrent with its metainfo
 * @file_index: the file being played
 * @offset: the byte of that file the player reads next
 *
 * Like shoal_torrent_set_stream_piece() with the piece holding that byte.
 *
 * Returns: %FALSE if @file_index or @offset is out of range
 */
gboolean
shoal_torrent_set_stream_position (ShoalTorrent *self,
                                   guint         file_index,
                                   guint64       offset)
{
  const ShoalMetainfoFile *f;

  g_return_val_if_fail (SHOAL_IS_TORRENT (self), FALSE);
  if (self->info == NULL || file_index >= shoal_metainfo_get_n_files (self->info))
    return FALSE;
  f = shoal_metainfo_get_file (self->info, file_index);
  if (offset >= f->length)
    return FALSE;
  shoal_torrent_set_stream_piece (self, (gint64) ((f->offset + offset) / shoal_metainfo_get_piece_length (self->info)));
  return TRUE;
}

gint64
shoal_torrent_get_stream_piece (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), -1);
  return self->stream_piece;
}

/* Incomplete-downloads folder */

/* Where the data goes once complete (NULL: it stays where it is). */
void
_shoal_torrent_set_final_dir (ShoalTorrent *self,
                              const char   *final_dir)
{
  g_free (self->final_dir);
  self->final_dir = g_strdup (final_dir);
  _shoal_torrent_mark_dirty (self);
}

static void
final_move_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  ShoalTorrent *self = SHOAL_TORRENT (source);
  g_autoptr(GError) error = NULL;

  (void) user_data;
  if (!shoal_torrent_set_location_finish (self, result, &error))
    {
      /* The data stays whole where it was (set_location moves nothing it
       * cannot finish): it seeds from there, and the move is tried again
       * at the next completion or start. */
      g_message ("Could not move the completed “%s” to %s: %s", shoal_torrent_get_name (self),
                 self->final_dir, error->message);
      return;
    }
  g_debug ("Torrent %s: moved to %s on completion", self->hash_hex, self->save_dir);
  g_clear_pointer (&self->final_dir, g_free);
  _shoal_torrent_mark_dirty (self);
  _shoal_torrent_save_resume (self);
}

/* Complete: from the incomplete-downloads folder to where it belongs. */
void
_shoal_torrent_move_to_final_dir (ShoalTorrent *self)
{
  if (self->final_dir == NULL || self->storage == NULL)
    return;
  if (g_strcmp0 (self->final_dir, self->save_dir) == 0)
    {
      g_clear_pointer (&self->final_dir, g_free);
      _shoal_torrent_mark_dirty (self);
      return;
    }
  shoal_torrent_set_location_async (self, self->final_dir, NULL, final_move_done_cb, NULL);
}

/* Renaming */

/**
 * shoal_torrent_dup_file_path:
 * @self: a torrent with its metainfo
 * @file_index: a file
 *
 * Returns: (transfer full): the file's path below the save directory
 *   ("/"-separated), as renamed by shoal_torrent_rename_path()
 */
char *
shoal_torrent_dup_file_path (ShoalTorrent *self,
                             guint         file_index)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), NULL);
  g_return_val_if_fail (self->storage != NULL, NULL);
  return shoal_storage_dup_file_rel_path (self->storage, file_index);
}

/**
 * shoal_torrent_rename_path:
 * @self: a torrent with its metainfo
 * @path: a file's path, or one of its folders, as
 *   shoal_torrent_dup_file_path() gives them
 * @new_name: the new name: one name, in the same folder
 * @error: return location for a %G_IO_ERROR or %SHOAL_STORAGE_ERROR
 *
 * Renames a file or folder of the torrent, on disk (never outside the save
 * directory, never over an existing entry) and in its file list; saved.
 *
 * Returns: %TRUE if renamed
 */
gboolean
shoal_torrent_rename_path (ShoalTorrent  *self,
                           const char    *path,
                           const char    *new_name,
                           GError       **error)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), FALSE);
  g_return_val_if_fail (path != NULL && new_name != NULL, FALSE);

  if (self->storage == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "The torrent's files are not known yet");
      return FALSE;
    }
  if (!shoal_storage_rename (self->storage, path, new_name, error))
    return FALSE;
  g_debug ("Torrent %s: renamed %s to %s", self->hash_hex, path, new_name);
  _shoal_torrent_mark_dirty (self);
  _shoal_torrent_save_resume (self);
  return TRUE;
}
