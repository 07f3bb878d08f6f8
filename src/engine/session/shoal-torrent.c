/* shoal-torrent.c: one torrent of a session: state, checking, resume data
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The torrent owns its storage, piece picker, announcer and peer
 * connections. This file holds its life cycle (checking, downloading,
 * seeding, pausing, errors), the public API and the resume state; the peer
 * side (messages, requests, uploads, choking) is in shoal-torrent-peers.c.
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "shoal-bencode.h"
#include "shoal-engine-enums.h"
#include "shoal-magnet.h"
#include "shoal-hash.h"
#include "shoal-torrent-private.h"

G_DEFINE_FINAL_TYPE (ShoalTorrent, shoal_torrent, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_STATE,
  PROP_PROGRESS,
  PROP_DOWNLOAD_RATE,
  PROP_UPLOAD_RATE,
  PROP_N_CONNECTED,
  PROP_DOWNLOADED,
  PROP_UPLOADED,
  PROP_SAVE_DIR,
  PROP_SEQUENTIAL,
  PROP_LABELS,
  PROP_QUEUE_POSITION,
  PROP_SEED_RATIO_MODE,
  PROP_SEED_TIME_MODE,
  PROP_SEED_IDLE_MODE,
  N_PROPS
};

enum {
  SIGNAL_COMPLETED,
  SIGNAL_ERROR,
  SIGNAL_PIECE_VERIFIED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void start_checking (ShoalTorrent *self, ShoalBitfield *only);
static void become_active (ShoalTorrent *self);

static void
piece_buffer_free (gpointer data)
{
  ShoalPieceBuffer *buf = data;

  g_clear_pointer (&buf->sources, g_ptr_array_unref);
  g_aligned_free (buf->data);
  g_free (buf);
}

static void
shoal_torrent_dispose (GObject *object)
{
  ShoalTorrent *self = SHOAL_TORRENT (object);

  _shoal_torrent_close (self);
  g_clear_object (&self->announcer);
  G_OBJECT_CLASS (shoal_torrent_parent_class)->dispose (object);
}

static void
shoal_torrent_finalize (GObject *object)
{
  ShoalTorrent *self = SHOAL_TORRENT (object);

  g_clear_object (&self->info);
  g_clear_object (&self->magnet);
  g_clear_pointer (&self->metadata_fetch, shoal_metadata_fetch_free);
  g_clear_pointer (&self->display_name, g_free);
  g_clear_object (&self->storage);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->peers);
  g_clear_pointer (&self->picker, shoal_piece_picker_free);
  g_clear_pointer (&self->lost_pieces, shoal_bitfield_free);
  g_clear_pointer (&self->buffers, g_hash_table_unref);
  _shoal_torrent_free_buffer_cache (self);
  g_clear_pointer (&self->connections, g_ptr_array_unref);
  g_clear_pointer (&self->web_seeds, g_ptr_array_unref);
  g_clear_pointer (&self->candidates, shoal_peer_candidates_free);
  g_clear_pointer (&self->smart_ban, shoal_smart_ban_free);
  _shoal_torrent_verify_detach (self);
  g_clear_pointer (&self->file_priorities, g_free);
  g_clear_pointer (&self->check_only, shoal_bitfield_free);
  g_clear_pointer (&self->resume_pending, g_bytes_unref);
  g_clear_pointer (&self->dirty_files, g_free);
  g_clear_pointer (&self->writing, g_array_unref);
  g_clear_pointer (&self->file_stats, g_array_unref);
  g_clear_pointer (&self->hash_hex, g_free);
  g_clear_pointer (&self->save_dir, g_free);
  g_clear_pointer (&self->labels, g_strfreev);
  g_clear_object (&self->store);
  g_clear_error (&self->error);
  g_free (self->final_dir);
  _shoal_torrent_v2_free (self);
  G_OBJECT_CLASS (shoal_torrent_parent_class)->finalize (object);
}

static void
shoal_torrent_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ShoalTorrent *self = SHOAL_TORRENT (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, shoal_torrent_get_name (self));
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, shoal_torrent_get_progress (self));
      break;
    case PROP_DOWNLOAD_RATE:
      g_value_set_uint64 (value, self->last_down_rate);
      break;
    case PROP_UPLOAD_RATE:
      g_value_set_uint64 (value, self->last_up_rate);
      break;
    case PROP_N_CONNECTED:
      g_value_set_uint (value, shoal_torrent_get_n_connected (self));
      break;
    case PROP_DOWNLOADED:
      g_value_set_uint64 (value, self->downloaded);
      break;
    case PROP_UPLOADED:
      g_value_set_uint64 (value, self->uploaded);
      break;
    case PROP_SAVE_DIR:
      g_value_set_string (value, self->save_dir);
      break;
    case PROP_SEQUENTIAL:
      g_value_set_boolean (value, self->sequential);
      break;
    case PROP_LABELS:
      g_value_set_boxed (value, shoal_torrent_get_labels (self));
      break;
    case PROP_QUEUE_POSITION:
      g_value_set_uint (value, shoal_torrent_get_queue_position (self));
      break;
    case PROP_SEED_RATIO_MODE:
      g_value_set_enum (value, shoal_torrent_get_seed_ratio_mode (self));
      break;
    case PROP_SEED_TIME_MODE:
      g_value_set_enum (value, shoal_torrent_get_seed_time_mode (self));
      break;
    case PROP_SEED_IDLE_MODE:
      g_value_set_enum (value, shoal_torrent_get_seed_idle_mode (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_torrent_class_init (ShoalTorrentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = shoal_torrent_dispose;
  object_class->finalize = shoal_torrent_finalize;
  object_class->get_property = shoal_torrent_get_property;

  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, SHOAL_TYPE_TORRENT_STATE,
                                              SHOAL_TORRENT_STATE_PAUSED, flags);
  properties[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, 0, 1, 0, flags);
  properties[PROP_DOWNLOAD_RATE] = g_param_spec_uint64 ("download-rate", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_UPLOAD_RATE] = g_param_spec_uint64 ("upload-rate", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_N_CONNECTED] = g_param_spec_uint ("n-connected", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_DOWNLOADED] = g_param_spec_uint64 ("downloaded", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_UPLOADED] = g_param_spec_uint64 ("uploaded", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_SAVE_DIR] = g_param_spec_string ("save-dir", NULL, NULL, NULL, flags);
  properties[PROP_SEQUENTIAL] = g_param_spec_boolean ("sequential", NULL, NULL, FALSE, flags);
  /**
   * ShoalTorrent:labels:
   *
   * The labels the user (or a feed's download rule) gave the torrent, never
   * %NULL; kept in its resume data.
   */
  properties[PROP_LABELS] = g_param_spec_boxed ("labels", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_QUEUE_POSITION] = g_param_spec_uint ("queue-position", NULL, NULL, 0, G_MAXUINT, 0, flags);
  /**
   * ShoalTorrent:seed-ratio-mode:
   *
   * Whether the seeding ratio limit is the session's, the torrent's own,
   * or none of the torrent's own (see #ShoalSeedLimitMode);
   * ShoalTorrent:seed-time-mode and ShoalTorrent:seed-idle-mode say the
   * same of the seeding time and idle time limits.
   */
  properties[PROP_SEED_RATIO_MODE] = g_param_spec_enum ("seed-ratio-mode", NULL, NULL, SHOAL_TYPE_SEED_LIMIT_MODE,
                                                        SHOAL_SEED_LIMIT_MODE_GLOBAL, flags);
  properties[PROP_SEED_TIME_MODE] = g_param_spec_enum ("seed-time-mode", NULL, NULL, SHOAL_TYPE_SEED_LIMIT_MODE,
                                                       SHOAL_SEED_LIMIT_MODE_GLOBAL, flags);
  properties[PROP_SEED_IDLE_MODE] = g_param_spec_enum ("seed-idle-mode", NULL, NULL, SHOAL_TYPE_SEED_LIMIT_MODE,
                                                       SHOAL_SEED_LIMIT_MODE_GLOBAL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ShoalTorrent::completed:
   *
   * Every wanted piece is downloaded and verified.
   */
  signals[SIGNAL_COMPLETED] = g_signal_new ("completed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * ShoalTorrent::error:
   * @error: a #GError
   *
   * The torrent stopped on an error (disk full, file removed…).
   */
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  /**
   * ShoalTorrent::piece-verified:
   * @piece: the piece index
   *
   * A piece passed its hash check and is on disk.
   */
  signals[SIGNAL_PIECE_VERIFIED] = g_signal_new ("piece-verified", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
shoal_torrent_init (ShoalTorrent *self)
{
  self->buffers = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, piece_buffer_free);
  self->connections = g_ptr_array_new_with_free_func (g_object_unref);
  self->web_seeds = g_ptr_array_new_with_free_func (g_object_unref);
  self->peers = g_list_store_new (SHOAL_TYPE_PEER);
  self->candidates = shoal_peer_candidates_new (SHOAL_TORRENT_MAX_CANDIDATES);
  self->smart_ban = shoal_smart_ban_new (SHOAL_TORRENT_MAX_BAD_PIECES);
  self->cancellable = g_cancellable_new ();
  self->state = SHOAL_TORRENT_STATE_PAUSED;
  self->max_connections = 60;
  self->stream_piece = -1;
  self->queue_position = -1;
}

static void
set_state (ShoalTorrent      *self,
           ShoalTorrentState  state)
{
  if (self->state == state)
    return;
  g_debug ("Torrent %s: state %d → %d", self->hash_hex, self->state, state);
  self->state = state;
  _shoal_torrent_wake (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* For the torrent's other files (shoal-torrent-accessors.c). */
void
_shoal_torrent_set_state (ShoalTorrent      *self,
                          ShoalTorrentState  state)
{
  set_state (self, state);
}

/* Downloading or seeding, as its pieces say. */
void
_shoal_torrent_become_active (ShoalTorrent *self)
{
  become_active (self);
}

void
_shoal_torrent_notify_progress (ShoalTorrent *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
}

void
_shoal_torrent_notify_sequential (ShoalTorrent *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEQUENTIAL]);
}

void
_shoal_torrent_notify_labels (ShoalTorrent *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LABELS]);
}

/* @which: 0 the ratio's, 1 the time's, 2 the idle time's */
void
_shoal_torrent_notify_seed_mode (ShoalTorrent *self,
                                 guint         which)
{
  g_assert (which < 3);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEED_RATIO_MODE + which]);
}

static void
announcer_stats_cb (gpointer  user_data,
                    guint64  *uploaded,
                    guint64  *downloaded,
                    guint64  *left)
{
  ShoalTorrent *self = user_data;

  *uploaded = self->session_uploaded;
  *downloaded = self->session_downloaded;
  /* Without the metainfo the size is unknown; anything but 0 says we are
   * not a seed. */
  *left = self->picker ? shoal_piece_picker_get_bytes_left (self->picker) : 1;
}

/* The address of the tracker at @url when its host is an address (or
 * "localhost"): a tracker on this host or on a private network may name
 * peers there. A tracker known by another name could be anywhere. */
static GInetAddress *
tracker_address (const char *url)
{
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;
  const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;

  if (host == NULL)
    return NULL;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  return g_inet_address_new_from_string (host);
}

static void
announcer_peers_cb (ShoalAnnouncer *announcer,
                    GArray         *peers,
                    const char     *url,
                    gpointer        user_data)
{
  ShoalTorrent *self = user_data;
  g_autoptr(GInetAddress) tracker = tracker_address (url);

  for (guint i = 0; i < peers->len; i++)
    {
      const ShoalTrackerPeer *p = &g_array_index (peers, ShoalTrackerPeer, i);
      g_autoptr(GSocketAddress) addr = shoal_tracker_peer_to_socket_address (p);

      if (addr != NULL)
        _shoal_torrent_add_candidate (self, G_INET_SOCKET_ADDRESS (addr), SHOAL_PEER_FLAG_FROM_TRACKER, tracker);
    }
  if (_shoal_torrent_is_active (self))
    _shoal_torrent_connect_peers (self, g_get_monotonic_time ());
}

/* What every torrent has, with or without its metainfo. */
ShoalTorrent *
_shoal_torrent_new_common (const ShoalTorrentServices *services,
                           const guint8                info_hash[20],
                           const char                 *save_dir,
                           ShoalAddFlags               flags)
{
  ShoalTorrent *self = g_object_new (SHOAL_TYPE_TORRENT, NULL);

  self->services = services;
  self->session = services->owner;
  memcpy (self->info_hash, info_hash, 20);
  self->hash_hex = shoal_hex_encode (self->info_hash, 20);
  self->save_dir = g_strdup (save_dir);
  self->added_time = g_get_real_time () / G_USEC_PER_SEC;
  self->no_save = (flags & SHOAL_ADD_FLAGS_NO_SAVE) != 0;
  self->seed_mode = (flags & SHOAL_ADD_FLAGS_SEED_MODE) != 0;
  self->sequential = (flags & SHOAL_ADD_FLAGS_SEQUENTIAL) != 0;
  self->paused = (flags & SHOAL_ADD_FLAGS_PAUSED) != 0;
  self->needs_check = !self->seed_mode;
  self->store = g_object_ref (SHOAL_TORRENT_ASK (self, get_state_store));
  self->max_connections = SHOAL_TORRENT_ASK (self, get_max_per_torrent);

  self->announcer = shoal_announcer_new (SHOAL_TORRENT_ASK (self, get_soup), self->info_hash,
                                         SHOAL_TORRENT_ASK (self, get_peer_id),
                                         SHOAL_TORRENT_ASK (self, get_announce_port),
                                         announcer_stats_cb, self);
  shoal_announcer_set_udp_retransmission (self->announcer, SHOAL_TORRENT_ASK (self, get_udp_base_timeout_ms), 4);
  shoal_announcer_set_group (self->announcer, SHOAL_TORRENT_ASK (self, get_announcer_group));
  shoal_announcer_set_bind (self->announcer, SHOAL_TORRENT_ASK (self, get_net_bind));
  {
    const char *socks = NULL;
    const char *off = SHOAL_TORRENT_ASK (self, get_udp_tracker_route, &socks);

    if (off != NULL)
      shoal_announcer_set_udp_off (self->announcer, off);
    shoal_announcer_set_socks_proxy (self->announcer, socks);
  }
  self->peers_handler = g_signal_connect (self->announcer, "peers", G_CALLBACK (announcer_peers_cb), self);

  _shoal_torrent_update_limits (self);
  return self;
}

/* Creates what needs the metainfo: storage, picker, file priorities. */
void
_shoal_torrent_attach_metainfo (ShoalTorrent  *self,
                                ShoalMetainfo *info)
{
  guint n_files = shoal_metainfo_get_n_files (info);
  g_autofree char *parts_name = NULL;

  g_assert (self->info == NULL);
  self->info = g_object_ref (info);
  parts_name = shoal_state_store_dup_parts_path (self->store, self->hash_hex);
  self->storage = shoal_storage_new (info, self->save_dir, SHOAL_TORRENT_ASK (self, get_disk_pool));
  shoal_storage_set_part_file_path (self->storage, parts_name);
  self->picker = shoal_piece_picker_new (shoal_metainfo_get_n_pieces (info),
                                         shoal_metainfo_get_piece_length (info),
                                         shoal_metainfo_get_total_length (info));
  shoal_piece_picker_set_max_partial_bytes (self->picker, SHOAL_TORRENT_MAX_PARTIAL_BYTES);
  shoal_piece_picker_set_sequential (self->picker, self->sequential);
  _shoal_torrent_verify_attach (self);
  g_free (self->file_priorities);
  self->file_priorities = g_malloc (MAX (n_files, 1));
  memset (self->file_priorities, SHOAL_FILE_PRIORITY_NORMAL, n_files);
  self->dirty_files = g_malloc0 (MAX (n_files, 1));
  self->writing = g_array_new (FALSE, FALSE, sizeof (guint));
}

ShoalTorrent *
_shoal_torrent_new (const ShoalTorrentServices *services,
                    ShoalMetainfo              *info,
                    const char                 *save_dir,
                    ShoalAddFlags               flags)
{
  const guint8 *hash = shoal_metainfo_get_info_hash_v1 (info);
  ShoalTorrent *self;
  g_autoptr(GPtrArray) tiers = g_ptr_array_new ();

  if (hash == NULL)
    hash = shoal_metainfo_get_info_hash_v2 (info);
  self = _shoal_torrent_new_common (services, hash, save_dir, flags);
  _shoal_torrent_v2_set_hashes (self, shoal_metainfo_get_info_hash_v1 (info), shoal_metainfo_get_info_hash_v2 (info));
  _shoal_torrent_attach_metainfo (self, info);
  for (guint t = 0; t < shoal_metainfo_get_n_tiers (info); t++)
    g_ptr_array_add (tiers, (gpointer) shoal_metainfo_get_tier (info, t));
  shoal_announcer_set_tiers (self->announcer, tiers);
  return self;
}

void
_shoal_torrent_update_limits (ShoalTorrent *self)
{
  ShoalRateLimit *down[] = { &self->down_limit, SHOAL_TORRENT_ASK (self, get_down_limit) };
  ShoalRateLimit *up[] = { &self->up_limit, SHOAL_TORRENT_ASK (self, get_up_limit) };

  for (guint i = 0; i < self->connections->len; i++)
    shoal_peer_connection_set_limits (self->connections->pdata[i], down, up);
}

/* For the session: connections of this torrent, for its totals. */
guint
_shoal_torrent_get_n_connections (ShoalTorrent *self)
{
  return self->connections->len;
}

/* Tells the session's running total of connections how ours changed;
 * called wherever self->connections grows or shrinks. */
void
_shoal_torrent_count_connections (ShoalTorrent *self)
{
  gint delta = (gint) self->connections->len - (gint) self->n_counted_connections;

  if (delta == 0)
    return;
  self->n_counted_connections = self->connections->len;
  SHOAL_TORRENT_ASK (self, connections_changed, delta);
  _shoal_torrent_wake (self);
}

/* NULL while a magnet link fetches its metadata. */
ShoalStorage *
_shoal_torrent_get_storage (ShoalTorrent *self)
{
  return self->storage;
}

/* Whether the session's LSD announces this torrent (the session keeps it). */
gboolean
_shoal_torrent_get_lsd_announced (ShoalTorrent *self)
{
  return self->lsd_announced;
}

void
_shoal_torrent_set_lsd_announced (ShoalTorrent *self,
                                  gboolean      announced)
{
  self->lsd_announced = announced;
}

/* The session is closing: say goodbye to the trackers. */
void
_shoal_torrent_stop_announcing (ShoalTorrent *self)
{
  shoal_announcer_stop (self->announcer);
}

/* The router now forwards another port to us (or none): the trackers
 * learn it at once rather than at the next interval. */
void
_shoal_torrent_announce_port_changed (ShoalTorrent *self)
{
  if (self->announcer == NULL || !_shoal_torrent_is_active (self))
    return;
  /* What is in flight carries the old port: asked again with the new. */
  shoal_announcer_change_port (self->announcer, SHOAL_TORRENT_ASK (self, get_announce_port));
  /* The DHT too, within the session's budget, rather than in 15 min. */
  self->next_dht_announce_us = 0;
  _shoal_torrent_wake (self);
}

/* The session's interface or proxy changed: every peer connection and
 * web-seed or tracker request made the old way goes now, and they start
 * again the new way. */
void
_shoal_torrent_network_changed (ShoalTorrent *self)
{
  const char *socks = NULL;
  const char *off = SHOAL_TORRENT_ASK (self, get_udp_tracker_route, &socks);

  _shoal_torrent_close_all_peers (self);
  _shoal_torrent_stop_web_seeds (self);
  shoal_announcer_set_bind (self->announcer, SHOAL_TORRENT_ASK (self, get_net_bind));
  shoal_announcer_set_udp_off (self->announcer, off);
  shoal_announcer_set_socks_proxy (self->announcer, socks);
  shoal_announcer_set_port (self->announcer, SHOAL_TORRENT_ASK (self, get_announce_port));
  shoal_announcer_restart_requests (self->announcer);
  if (self->state == SHOAL_TORRENT_STATE_DOWNLOADING)
    _shoal_torrent_start_web_seeds (self);
}

/* After resume data was loaded, what the caller asks now wins over what was
 * saved. */
void
_shoal_torrent_apply_add_flags_after_resume (ShoalTorrent  *self,
                                             ShoalAddFlags  flags)
{
  self->paused = (flags & SHOAL_ADD_FLAGS_PAUSED) != 0;
  self->sequential = (flags & SHOAL_ADD_FLAGS_SEQUENTIAL) != 0;
  self->resume_on_disk = FALSE;
  shoal_piece_picker_set_sequential (self->picker, self->sequential);
  /* The saved trackers replaced the metainfo's: those given now are kept
   * too (one already listed is refused, quietly). */
  for (guint t = 0; t < shoal_metainfo_get_n_tiers (self->info); t++)
    {
      const char * const *tier = shoal_metainfo_get_tier (self->info, t);

      for (guint i = 0; tier[i] != NULL; i++)
        shoal_announcer_add_tracker (self->announcer, tier[i], t, NULL);
    }
}

/* Life cycle */

gboolean
_shoal_torrent_is_active (ShoalTorrent *self)
{
  return self->state == SHOAL_TORRENT_STATE_DOWNLOADING ||
         self->state == SHOAL_TORRENT_STATE_SEEDING ||
         self->state == SHOAL_TORRENT_STATE_FETCHING_METADATA;
}

void
_shoal_torrent_set_error (ShoalTorrent *self,
                          const GError *error)
{
  g_message ("Torrent “%s” stopped: %s", shoal_torrent_get_name (self), error->message);
  g_clear_error (&self->error);
  self->error = g_error_copy (error);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  _shoal_torrent_close_all_peers (self);
  _shoal_torrent_stop_web_seeds (self);
  shoal_announcer_stop (self->announcer);
  g_hash_table_remove_all (self->buffers);
  set_state (self, SHOAL_TORRENT_STATE_ERROR);
  _shoal_torrent_mark_dirty (self);
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, self->error);
}

static void
become_active (ShoalTorrent *self)
{
  gboolean complete;
  ShoalTorrentState old = self->state;

  if (self->info == NULL)
    {
      if (self->queue_hold)
        {
          set_state (self, SHOAL_TORRENT_STATE_QUEUED);
          return;
        }
      self->last_transfer_us = 0;
      _shoal_torrent_wake (self);
      /* A magnet link: find peers that can send the metadata. */
      set_state (self, SHOAL_TORRENT_STATE_FETCHING_METADATA);
      shoal_announcer_set_want_peers (self->announcer, TRUE);
      shoal_announcer_set_port (self->announcer, SHOAL_TORRENT_ASK (self, get_announce_port));
      if (old != SHOAL_TORRENT_STATE_FETCHING_METADATA)
        shoal_announcer_start (self->announcer);
      _shoal_torrent_connect_peers (self, g_get_monotonic_time ());
      return;
    }

  complete = shoal_piece_picker_is_complete (self->picker);
  if (self->queue_hold)
    {
      /* The session's queue starts it when a slot is free. */
      set_state (self, SHOAL_TORRENT_STATE_QUEUED);
      return;
    }
  self->last_transfer_us = 0;
  _shoal_torrent_wake (self); /* the tick notes when it started */
  if (complete)
    {
      if (self->seeding_started_us == 0)
        self->seeding_started_us = g_get_monotonic_time ();
      set_state (self, SHOAL_TORRENT_STATE_SEEDING);
    }
  else
    set_state (self, SHOAL_TORRENT_STATE_DOWNLOADING);

  shoal_announcer_set_want_peers (self->announcer, !complete);
  shoal_announcer_set_port (self->announcer, SHOAL_TORRENT_ASK (self, get_announce_port));
  if (old != SHOAL_TORRENT_STATE_DOWNLOADING && old != SHOAL_TORRENT_STATE_SEEDING)
    shoal_announcer_start (self->announcer);
  _shoal_torrent_update_interest (self);
  if (complete)
    _shoal_torrent_stop_web_seeds (self);
  else
    _shoal_torrent_start_web_seeds (self);
  _shoal_torrent_connect_peers (self, g_get_monotonic_time ());
}

static void
recheck_progress_cb (guint    done,
                     guint    total,
                     gpointer user_data)
{
  ShoalTorrent *self = user_data;

  self->check_progress = total ? (double) done / total : 1.0;
}

typedef struct
{
  ShoalTorrent  *torrent;
  ShoalBitfield *only;  /* NULL: a full check */
} CheckData;

static void
check_data_free (CheckData *data)
{
  g_clear_object (&data->torrent);
  g_clear_pointer (&data->only, shoal_bitfield_free);
  g_free (data);
}

static void
recheck_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  CheckData *data = user_data;
  ShoalTorrent *self = data->torrent;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBitfield) good = shoal_storage_recheck_finish (SHOAL_STORAGE (source), result, &error);
  guint n_pieces = shoal_metainfo_get_n_pieces (self->info);

  if (good == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _shoal_torrent_set_error (self, error);
      check_data_free (data);
      return;
    }

  for (guint p = 0; p < n_pieces; p++)
    {
      if (data->only != NULL && !shoal_bitfield_get (data->only, p))
        continue;
      if (shoal_bitfield_get (good, p))
        shoal_piece_picker_set_have (self->picker, p);
      else if (shoal_piece_picker_has_piece (self->picker, p))
        shoal_piece_picker_clear_have (self->picker, p);
    }
  self->check_progress = 1.0;
  _shoal_torrent_mark_dirty (self);
  g_debug ("Torrent %s: check found %u of %u pieces", self->hash_hex,
           shoal_piece_picker_get_n_have (self->picker), n_pieces);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
  check_data_free (data);

  if (self->paused)
    {
      set_state (self, SHOAL_TORRENT_STATE_PAUSED);
      _shoal_torrent_save_resume (self);
      return;
    }
  if (shoal_piece_picker_is_complete (self->picker) && self->completed_time == 0)
    self->completed_time = g_get_real_time () / G_USEC_PER_SEC;
  _shoal_torrent_save_resume (self);
  become_active (self);
}

/* Checks the data on disk: all pieces, or only those in @only (consumed). */
static void
start_checking (ShoalTorrent  *self,
                ShoalBitfield *only)
{
  CheckData *data = g_new0 (CheckData, 1);

  data->torrent = g_object_ref (self);
  data->only = only;
  self->check_progress = 0;
  set_state (self, SHOAL_TORRENT_STATE_CHECKING);
  /* Pieces outside @only come back as not had, which recheck_done_cb()
   * ignores: reading them would only waste disk time. */
  if (only != NULL)
    shoal_storage_recheck_pieces_async (self->storage, only, self->cancellable,
                                        recheck_progress_cb, self, recheck_done_cb, data);
  else
    shoal_storage_recheck_async (self->storage, self->cancellable, recheck_progress_cb, self,
                                 recheck_done_cb, data);
}

/**
 * _shoal_torrent_new_magnet:
 *
 * A torrent known only by its magnet link: it fetches the metadata from
 * peers first (state %SHOAL_TORRENT_STATE_FETCHING_METADATA).
 */
ShoalTorrent *
_shoal_torrent_new_magnet (const ShoalTorrentServices *services,
                           ShoalMagnet                *magnet,
                           const char                 *save_dir,
                           ShoalAddFlags               flags)
{
  const guint8 *hash = shoal_magnet_get_info_hash_v1 (magnet);
  const char * const *trackers = shoal_magnet_get_trackers (magnet);
  const char * const *peers = shoal_magnet_get_peers (magnet);
  g_autoptr(GPtrArray) tiers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  ShoalTorrent *self;

  if (hash == NULL)
    hash = shoal_magnet_get_info_hash_v2 (magnet);
  self = _shoal_torrent_new_common (services, hash, save_dir, flags);
  _shoal_torrent_v2_set_hashes (self, shoal_magnet_get_info_hash_v1 (magnet), shoal_magnet_get_info_hash_v2 (magnet));
  self->magnet = g_object_ref (magnet);
  self->display_name = g_strdup (shoal_magnet_get_display_name (magnet));
  self->needs_check = FALSE;
  self->metadata_fetch = shoal_metadata_fetch_new (shoal_magnet_get_info_hash_v1 (magnet),
                                                   shoal_magnet_get_info_hash_v2 (magnet));
  self->pause_after_metadata = (flags & SHOAL_ADD_FLAGS_PAUSE_AFTER_METADATA) != 0;
  self->file_priorities = g_malloc (1);

  /* Like other clients, each tracker of a magnet link is its own tier. */
  for (guint i = 0; trackers != NULL && trackers[i] != NULL; i++)
    {
      char *tier[2] = { g_strdup (trackers[i]), NULL };

      g_ptr_array_add (tiers, g_strdupv (tier));
      g_free (tier[0]);
    }
  shoal_announcer_set_tiers (self->announcer, tiers);
  for (guint i = 0; peers != NULL && peers[i] != NULL; i++)
    shoal_torrent_add_peer (self, peers[i], NULL);
  return self;
}

/**
 * _shoal_torrent_set_metainfo:
 * @self: a torrent fetching its metadata
 * @info: the metainfo built from the verified info dictionary
 * @error: return location for an error
 *
 * Turns a magnet link into a normal torrent: storage and picker are created,
 * the magnet's file selection (BEP 53 `so`) applied, the .torrent saved for
 * later sessions, and the data already on disk checked before downloading.
 */
gboolean
_shoal_torrent_set_metainfo (ShoalTorrent  *self,
                             ShoalMetainfo *info,
                             GError       **error)
{
  const guint8 *v1 = shoal_metainfo_get_info_hash_v1 (info);
  const guint8 *v2 = shoal_metainfo_get_info_hash_v2 (info);
  g_autoptr(GPtrArray) conns = NULL;
  guint n_tiers_before;

  g_return_val_if_fail (self->info == NULL, FALSE);

  /* A link may name a hybrid by either of its info-hashes. */
  if ((v1 == NULL || memcmp (v1, self->info_hash, 20) != 0) &&
      (v2 == NULL || memcmp (v2, self->info_hash, 20) != 0))
    {
      g_set_error (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_STATE,
                   "The metadata does not match the magnet link's info-hash");
      return FALSE;
    }
  _shoal_torrent_v2_set_hashes (self, v1, v2);
  _shoal_torrent_attach_metainfo (self, info);
  g_clear_pointer (&self->metadata_fetch, shoal_metadata_fetch_free);
  if (self->magnet != NULL)
    for (guint i = 0; i < shoal_metainfo_get_n_files (info); i++)
      if (!shoal_magnet_is_file_selected (self->magnet, i))
        self->file_priorities[i] = SHOAL_FILE_PRIORITY_SKIP;

  /* The torrent's own trackers join the magnet's, after them. */
  n_tiers_before = self->magnet ? g_strv_length ((char **) shoal_magnet_get_trackers (self->magnet)) : 0;
  for (guint t = 0; t < shoal_metainfo_get_n_tiers (info); t++)
    {
      const char * const *tier = shoal_metainfo_get_tier (info, t);

      for (guint i = 0; tier[i] != NULL; i++)
        shoal_announcer_add_tracker (self->announcer, tier[i], n_tiers_before + t, NULL);
    }

  if (!self->no_save)
    {
      g_autoptr(GError) local_error = NULL;

      if (!shoal_state_store_save_fetched_metainfo (self->store, self->hash_hex, shoal_metainfo_get_bytes (info),
                                                    &local_error))
        g_warning ("Could not save the metadata of “%s”: %s", shoal_metainfo_get_name (info), local_error->message);
    }

  /* Connected peers told us what they have before we knew the piece count. */
  conns = g_ptr_array_copy (self->connections, (GCopyFunc) (void (*) (void)) g_object_ref, NULL);
  g_ptr_array_set_free_func (conns, g_object_unref);
  for (guint i = 0; i < conns->len; i++)
    _shoal_torrent_peer_got_metainfo (self, conns->pdata[i]);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
  g_clear_pointer (&self->display_name, g_free);
  _shoal_torrent_mark_dirty (self);
  _shoal_torrent_apply_priorities (self);
  if (self->pause_after_metadata)
    {
      /* Nothing is checked or written before the user chose files. */
      self->pause_after_metadata = FALSE;
      self->needs_check = TRUE;
      shoal_torrent_pause (self);
      return TRUE;
    }
  if (self->paused)
    {
      self->needs_check = TRUE;
      set_state (self, SHOAL_TORRENT_STATE_PAUSED);
      return TRUE;
    }
  start_checking (self, NULL);
  return TRUE;
}

/* Called once by the session after the torrent is created (and its resume
 * state loaded, if any): decides whether the data must be checked. */
void
_shoal_torrent_begin (ShoalTorrent *self)
{
  guint n_pieces;

  if (self->info == NULL)
    {
      if (self->paused)
        set_state (self, SHOAL_TORRENT_STATE_PAUSED);
      else
        become_active (self);
      return;
    }
  n_pieces = shoal_metainfo_get_n_pieces (self->info);
  _shoal_torrent_apply_priorities (self);

  if (self->seed_mode)
    {
      for (guint p = 0; p < n_pieces; p++)
        shoal_piece_picker_set_have (self->picker, p);
      self->completed_time = g_get_real_time () / G_USEC_PER_SEC;
      self->needs_check = FALSE;
      _shoal_torrent_mark_dirty (self);
    }

  if (self->needs_check)
    {
      ShoalBitfield *only = g_steal_pointer (&self->check_only);

      self->needs_check = FALSE;
      start_checking (self, only);
      return;
    }
  if (self->paused)
    set_state (self, SHOAL_TORRENT_STATE_PAUSED);
  else
    become_active (self);
  /* Resumed from a state the files agree with: it is on disk already. */
  if (!self->resume_on_disk)
    _shoal_torrent_save_resume (self);
  self->resume_on_disk = FALSE;
}

/**
 * shoal_torrent_start:
 * @self: a torrent
 *
 * Resumes a paused torrent (or one stopped on an error): checks what is on
 * disk when needed, then downloads or seeds.
 */
void
shoal_torrent_start (ShoalTorrent *self)
{
  g_return_if_fail (SHOAL_IS_TORRENT (self));

  self->paused = FALSE;
  if (_shoal_torrent_is_active (self) || self->state == SHOAL_TORRENT_STATE_CHECKING ||
      self->state == SHOAL_TORRENT_STATE_QUEUED)
    return;
  _shoal_torrent_mark_dirty (self);

  if (self->state == SHOAL_TORRENT_STATE_ERROR)
    {
      /* Something went wrong with the files: look at them again. */
      g_clear_error (&self->error);
      start_checking (self, NULL);
      return;
    }
  if (self->storage != NULL && (self->file_stats == NULL ||
                                 !shoal_storage_files_unchanged (self->storage, self->file_stats)))
    {
      /* Files changed while we were paused. */
      self->needs_check = FALSE;
      g_clear_pointer (&self->check_only, shoal_bitfield_free);
      start_checking (self, NULL);
      return;
    }
  if (self->needs_check)
    {
      /* A check was cut short by the pause, or never ran (a magnet link
       * paused as soon as its metadata came). */
      self->needs_check = FALSE;
      start_checking (self, g_steal_pointer (&self->check_only));
      return;
    }
  become_active (self);
}

static void
stop_activity (ShoalTorrent *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  _shoal_torrent_close_all_peers (self);
  _shoal_torrent_stop_web_seeds (self);
  g_hash_table_remove_all (self->buffers);
  if (self->seeding_started_us != 0)
    {
      self->seeding_seconds += (g_get_monotonic_time () - self->seeding_started_us) / G_USEC_PER_SEC;
      self->seeding_started_us = 0;
    }
}

/**
 * shoal_torrent_pause:
 * @self: a torrent
 *
 * Stops transfers and checking; tells the trackers we left.
 */
void
shoal_torrent_pause (ShoalTorrent *self)
{
  g_return_if_fail (SHOAL_IS_TORRENT (self));

  self->paused = TRUE;
  if (self->state == SHOAL_TORRENT_STATE_PAUSED)
    return;
  if (_shoal_torrent_is_active (self))
    shoal_announcer_stop (self->announcer);
  if (self->state == SHOAL_TORRENT_STATE_CHECKING)
    self->needs_check = TRUE;
  stop_activity (self);
  if (self->state != SHOAL_TORRENT_STATE_ERROR)
    set_state (self, SHOAL_TORRENT_STATE_PAUSED);
  _shoal_torrent_mark_dirty (self);
  _shoal_torrent_save_resume (self);
  _shoal_torrent_notify_stats (self);
}

/**
 * shoal_torrent_verify:
 * @self: a torrent
 *
 * Checks every piece on disk again, then goes on as before.
 */
void
shoal_torrent_verify (ShoalTorrent *self)
{
  g_return_if_fail (SHOAL_IS_TORRENT (self));

  if (self->state == SHOAL_TORRENT_STATE_CHECKING || self->info == NULL)
    return;
  if (_shoal_torrent_is_active (self))
    shoal_announcer_stop (self->announcer);
  stop_activity (self);
  g_clear_error (&self->error);
  start_checking (self, NULL);
}

/**
 * shoal_torrent_reannounce:
 * @self: a torrent
 *
 * Asks the trackers (and the DHT) for peers now rather than at their next interval, as
 * a user's "ask for more peers" does.
 *
 * Returns: %FALSE if the torrent is not running, so no tracker is asked
 */
gboolean
shoal_torrent_reannounce (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), FALSE);

  if (!_shoal_torrent_is_active (self))
    return FALSE;
  shoal_announcer_announce_now (self->announcer);
  self->next_dht_announce_us = 0;
  _shoal_torrent_wake (self);
  return TRUE;
}

/**
 * shoal_torrent_add_peer:
 * @self: a torrent
 * @host_and_port: "1.2.3.4:6881" or "[::1]:6881"
 * @error: return location for a %SHOAL_SESSION_ERROR_BAD_PEER error
 *
 * Adds a peer to connect to, as a user (or a magnet link's x.pe) asks.
 *
 * Returns: %TRUE if the address could be used
 */
gboolean
shoal_torrent_add_peer (ShoalTorrent *self,
                        const char   *host_and_port,
                        GError      **error)
{
  g_autoptr(GSocketConnectable) connectable = NULL;
  g_autoptr(GSocketAddress) address = NULL;

  g_return_val_if_fail (SHOAL_IS_TORRENT (self), FALSE);

  connectable = g_network_address_parse (host_and_port, 0, NULL);
  if (connectable != NULL)
    {
      const char *host = g_network_address_get_hostname (G_NETWORK_ADDRESS (connectable));
      guint16 port = g_network_address_get_port (G_NETWORK_ADDRESS (connectable));

      if (port != 0 && g_hostname_is_ip_address (host))
        {
          g_autoptr(GInetAddress) ip = g_inet_address_new_from_string (host);

          address = g_inet_socket_address_new (ip, port);
        }
    }
  if (address == NULL)
    {
      g_set_error (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_BAD_PEER,
                   "“%s” is not an IP address and port", host_and_port);
      return FALSE;
    }
  _shoal_torrent_add_candidate (self, G_INET_SOCKET_ADDRESS (address), SHOAL_PEER_FLAG_NONE, NULL);
  if (_shoal_torrent_is_active (self))
    _shoal_torrent_connect_peers (self, g_get_monotonic_time ());
  return TRUE;
}

static void
move_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ShoalTorrent *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  gboolean was_active = GPOINTER_TO_INT (g_task_get_task_data (task));

  if (!shoal_storage_move_finish (SHOAL_STORAGE (source), result, &error))
    {
      if (was_active)
        shoal_torrent_start (self);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_free (self->save_dir);
  self->save_dir = shoal_storage_dup_save_dir (self->storage);
  g_clear_pointer (&self->file_stats, g_array_unref);
  self->file_stats = shoal_storage_get_file_stats (self->storage);
  _shoal_torrent_mark_dirty (self);
  _shoal_torrent_save_resume (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAVE_DIR]);
  if (was_active)
    shoal_torrent_start (self);
  g_task_return_boolean (task, TRUE);
}

/**
 * shoal_torrent_set_location_async:
 * @self: a torrent
 * @save_dir: the new directory
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the data has moved
 * @user_data: for @callback
 *
 * Moves the downloaded data to @save_dir and continues from there.
 */
void
shoal_torrent_set_location_async (ShoalTorrent       *self,
                                  const char         *save_dir,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  gboolean was_active;

  g_return_if_fail (SHOAL_IS_TORRENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_torrent_set_location_async);
  /* The storage's answer is the result: moved (the cancellation came
   * too late) or not (cancelled, or failed and rolled back). */
  g_task_set_check_cancellable (task, FALSE);
  was_active = _shoal_torrent_is_active (self);
  g_task_set_task_data (task, GINT_TO_POINTER (was_active), NULL);
  if (was_active)
    {
      shoal_announcer_stop (self->announcer);
      stop_activity (self);
      set_state (self, SHOAL_TORRENT_STATE_PAUSED);
    }
  shoal_storage_move_async (self->storage, save_dir, cancellable, move_done_cb, g_steal_pointer (&task));
}

gboolean
shoal_torrent_set_location_finish (ShoalTorrent *self,
                                   GAsyncResult *result,
                                   GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* A piece is verified and on disk. */
void
_shoal_torrent_piece_verified (ShoalTorrent *self,
                               guint         piece)
{
  shoal_piece_picker_piece_verified (self->picker, piece);
  if (self->lost_pieces != NULL && piece < shoal_bitfield_get_size (self->lost_pieces))
    shoal_bitfield_set (self->lost_pieces, piece, FALSE);
  _shoal_torrent_mark_dirty (self);
  _shoal_torrent_broadcast_have (self, piece);
  g_signal_emit (self, signals[SIGNAL_PIECE_VERIFIED], 0, piece);

  if (self->state == SHOAL_TORRENT_STATE_DOWNLOADING && shoal_piece_picker_is_complete (self->picker))
    {
      gboolean all = shoal_bitfield_is_full (shoal_piece_picker_get_have (self->picker));
      g_autoptr(GError) error = NULL;

      /* Data written into files removed meanwhile is lost: never call
       * that complete. */
      if (!shoal_storage_check_files (self->storage, &error))
        {
          _shoal_torrent_set_error (self, error);
          return;
        }

      self->completed_time = g_get_real_time () / G_USEC_PER_SEC;
      self->seeding_started_us = g_get_monotonic_time ();
      set_state (self, SHOAL_TORRENT_STATE_SEEDING);
      shoal_announcer_set_want_peers (self->announcer, FALSE);
      _shoal_torrent_stop_web_seeds (self);
      if (all)
        shoal_announcer_completed (self->announcer);
      _shoal_torrent_update_interest (self);
      _shoal_torrent_save_resume (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
      g_signal_emit (self, signals[SIGNAL_COMPLETED], 0);
      SHOAL_TORRENT_ASK (self, torrent_completed, self);
    }
}

/* A piece we had turned out bad on disk (found when reading it for an
 * upload): it is downloaded again. */
void
_shoal_torrent_piece_lost (ShoalTorrent *self,
                           guint         piece)
{
  gboolean was_complete;

  if (!shoal_piece_picker_has_piece (self->picker, piece))
    return;
  g_message ("Torrent “%s”: piece %u on disk does not match its hash (changed since it was "
             "checked); it is no longer served and will be downloaded again",
             shoal_torrent_get_name (self), piece);
  was_complete = shoal_piece_picker_is_complete (self->picker);
  shoal_piece_picker_clear_have (self->picker, piece);
  _shoal_torrent_mark_dirty (self);
  /* Our peers were told we have it: those that understand lt_donthave
   * (BEP 54) are told we do not; the others are closed if they ask for it
   * (they get our pieces afresh when they come back), as a reject alone
   * leaves some clients asking for the same piece again and again. */
  if (self->lost_pieces == NULL)
    self->lost_pieces = shoal_bitfield_new (shoal_metainfo_get_n_pieces (self->info));
  shoal_bitfield_set (self->lost_pieces, piece, TRUE);
  _shoal_torrent_send_dont_have (self, piece);
  if (self->state == SHOAL_TORRENT_STATE_SEEDING && was_complete &&
      !shoal_piece_picker_is_complete (self->picker))
    {
      set_state (self, SHOAL_TORRENT_STATE_DOWNLOADING);
      shoal_announcer_set_want_peers (self->announcer, TRUE);
      _shoal_torrent_start_web_seeds (self);
    }
  if (_shoal_torrent_is_active (self))
    {
      _shoal_torrent_update_interest (self);
      _shoal_torrent_fill_all_requests (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
}

static void
check_seed_limits (ShoalTorrent *self,
                   gint64        now_us)
{
  gint64 seeded;
  gint64 idle_limit;

  if (self->state != SHOAL_TORRENT_STATE_SEEDING)
    return;
  seeded = self->seeding_seconds + (self->seeding_started_us ? (now_us - self->seeding_started_us) / G_USEC_PER_SEC : 0);
  idle_limit = shoal_torrent_get_seed_idle_limit (self);
  /* Idle: no payload sent since the last upload or since seeding started
   * (last_transfer_us, while seeding). */
  if ((self->seed_ratio_limit > 0 && shoal_torrent_get_ratio (self) >= self->seed_ratio_limit) ||
      (self->seed_time_limit > 0 && seeded >= self->seed_time_limit) ||
      (idle_limit > 0 && self->last_transfer_us != 0 &&
       now_us - self->last_transfer_us >= idle_limit * G_USEC_PER_SEC))
    {
      shoal_announcer_stop (self->announcer);
      stop_activity (self);
      self->paused = TRUE;
      set_state (self, SHOAL_TORRENT_STATE_FINISHED);
      _shoal_torrent_mark_dirty (self);
      _shoal_torrent_save_resume (self);
    }
}

void
_shoal_torrent_notify_stats (ShoalTorrent *self)
{
  gint64 now = g_get_monotonic_time ();
  guint64 down = shoal_rate_get (&self->down_rate, now);
  guint64 up = shoal_rate_get (&self->up_rate, now);
  guint n = shoal_torrent_get_n_connected (self);
  double progress = shoal_torrent_get_progress (self);

  /* Once a second for every torrent: most have nothing new to say. */
  if (down == self->last_down_rate && up == self->last_up_rate &&
      n == self->last_n_connected && progress == self->last_progress)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  if (down != self->last_down_rate)
    {
      self->last_down_rate = down;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOAD_RATE]);
    }
  if (up != self->last_up_rate)
    {
      self->last_up_rate = up;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPLOAD_RATE]);
    }
  if (n != self->last_n_connected)
    {
      self->last_n_connected = n;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CONNECTED]);
    }
  if (progress != self->last_progress)
    {
      self->last_progress = progress;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOADED]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPLOADED]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

/* Once a second, from the session. */
void
_shoal_torrent_tick (ShoalTorrent *self,
                     gint64        now_us)
{
  gboolean idle = FALSE;

  self->tick_count++;
  if (_shoal_torrent_is_active (self))
    {
      /* A torrent with no peer and no web seed (most of a large session's,
       * seeding) has only its DHT announces to see to. */
      idle = self->connections->len == 0 && self->web_seeds->len == 0;

      if (idle)
        _shoal_torrent_dht_tick (self, now_us);
      else
        _shoal_torrent_peers_tick (self, now_us);
      if (self->tick_count % SHOAL_TORRENT_CHOKE_INTERVAL == 0)
        {
          self->choke_rounds++;
          if (!idle)
            _shoal_torrent_choke (self, self->choke_rounds % SHOAL_TORRENT_OPTIMISTIC_EVERY == 0);
        }
      if (self->tick_count % 2 == 0 && shoal_peer_candidates_get_size (self->candidates) > 0)
        _shoal_torrent_connect_peers (self, now_us);
      check_seed_limits (self, now_us);
      _shoal_torrent_note_transfer (self, now_us);
    }
  if (self->resume_unsaved && now_us - self->last_resume_save_us > 5 * G_USEC_PER_SEC)
    _shoal_torrent_save_resume (self);
  /* Without peers the rates stay at the 0 last shown and nothing is
   * connected; what changes the progress then (a check, a piece found
   * bad, file priorities) notifies it itself. At 10,000 seeding torrents
   * this was most of the session's idle tick. */
  if (!idle || self->last_down_rate != 0 || self->last_up_rate != 0 || self->last_n_connected != 0)
    _shoal_torrent_notify_stats (self);
}

/* Its resume data changed: the tick saves it within 5 s, so a torrent the
 * session does not tick (see _shoal_torrent_can_sleep()) is woken. */
void
_shoal_torrent_mark_dirty (ShoalTorrent *self)
{
  self->resume_unsaved = TRUE;
  _shoal_torrent_wake (self);
}

/* Something may give the torrent work to do at its tick: the session
 * ticks it again (shoal-session-ticks.c). */
void
_shoal_torrent_wake (ShoalTorrent *self)
{
  if (!self->tick_closed && self->services != NULL)
    SHOAL_TORRENT_ASK (self, torrent_wake, self);
}

/* After its tick: whether the tick has nothing to do until *@wake_us
 * (G_MAXINT64: until woken). Such a torrent has no peer, web seed or
 * candidate, nothing unsaved, no rate left to show, and only deadlines
 * ahead (its DHT announce, its seeding time limit); whatever changes that
 * wakes it (_shoal_torrent_wake()). A large session is mostly such
 * torrents: ticking them every second was its idle CPU. */
gboolean
_shoal_torrent_can_sleep (ShoalTorrent *self,
                          gint64        now_us,
                          gint64       *wake_us)
{
  gint64 wake = G_MAXINT64;

  if ((self->connections != NULL && self->connections->len > 0) ||
      (self->web_seeds != NULL && self->web_seeds->len > 0) ||
      (self->candidates != NULL && shoal_peer_candidates_get_size (self->candidates) > 0) ||
      self->resume_unsaved || self->last_down_rate != 0 || self->last_up_rate != 0 ||
      self->last_n_connected != 0 || self->state == SHOAL_TORRENT_STATE_CHECKING)
    return FALSE; /* (a check's progress is shown by the tick) */
  if (_shoal_torrent_is_active (self))
    {
      if (self->last_transfer_us == 0)
        return FALSE;
      if (SHOAL_TORRENT_ASK (self, get_dht) != NULL &&
          (self->info == NULL || !shoal_metainfo_is_private (self->info)))
        wake = MIN (wake, self->next_dht_announce_us);
      /* The time limit of check_seed_limits(); a ratio moves only with
       * peers. */
      if (self->state == SHOAL_TORRENT_STATE_SEEDING && self->seed_time_limit > 0 && self->seeding_started_us != 0)
        wake = MIN (wake, self->seeding_started_us + (self->seed_time_limit - self->seeding_seconds) * G_USEC_PER_SEC);
      /* And its idle limit: an idle seed is exactly one that sleeps. */
      if (self->state == SHOAL_TORRENT_STATE_SEEDING && shoal_torrent_get_seed_idle_limit (self) > 0)
        wake = MIN (wake, self->last_transfer_us + shoal_torrent_get_seed_idle_limit (self) * G_USEC_PER_SEC);
    }
  *wake_us = MAX (wake, now_us);
  return TRUE;
}

/* The session's queue holds the torrent back (it waits, queued) or lets it
 * go (it starts, unless the user paused it). */
void
_shoal_torrent_set_queue_hold (ShoalTorrent *self,
                               gboolean      hold)
{
  self->queue_hold = hold;
  if (hold && _shoal_torrent_is_active (self))
    {
      g_debug ("Torrent %s: queued", self->hash_hex);
      shoal_announcer_stop (self->announcer);
      stop_activity (self);
      set_state (self, SHOAL_TORRENT_STATE_QUEUED);
      _shoal_torrent_mark_dirty (self);
      _shoal_torrent_notify_stats (self);
    }
  else if (!hold && self->state == SHOAL_TORRENT_STATE_QUEUED && !self->paused)
    {
      g_debug ("Torrent %s: leaves the queue", self->hash_hex);
      become_active (self);
    }
}

void
_shoal_torrent_close (ShoalTorrent *self)
{
  if (!self->tick_closed && self->services != NULL)
    {
      self->tick_closed = TRUE;
      SHOAL_TORRENT_ASK (self, torrent_forget, self);
    }
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  if (self->connections)
    _shoal_torrent_close_all_peers (self);
  if (self->web_seeds)
    _shoal_torrent_stop_web_seeds (self);
  if (self->announcer && self->peers_handler)
    {
      g_signal_handler_disconnect (self->announcer, self->peers_handler);
      self->peers_handler = 0;
    }
}
