/* shoal-session.c: the engine: torrents, listening socket, shared limits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A session runs on the GMainContext that was thread-default when it was
 * created. It accepts incoming peer connections, hands each to the torrent
 * its handshake names, drives every torrent once a second, and keeps the
 * torrents and their resume state under its state directory, through a
 * ShoalStateStore (state/shoal-state-store.h says what is kept there).
 *
 * This file owns the object itself (shoal-session-internal.h lists its
 * other parts): its type, properties and signal, creation and
 * finalization, and the settings front ends read and set.
 */
#include "config.h"

#define SHOAL_SESSION_INSIDE
#include "shoal-session-internal.h"

G_DEFINE_FINAL_TYPE (ShoalSession, shoal_session, G_TYPE_OBJECT)
G_DEFINE_QUARK (shoal-session-error-quark, shoal_session_error)

enum {
  SIGNAL_TORRENT_COMPLETED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

GParamSpec *_shoal_session_properties[N_PROPS];

/* Replaces *@str by a copy of @value; whether it changed. */
static gboolean
set_str (char       **str,
         const char  *value)
{
  if (g_strcmp0 (*str, value) == 0)
    return FALSE;
  g_free (*str);
  *str = g_strdup (value);
  return TRUE;
}
static void set_max_connections (ShoalSession *self, guint global, guint per_torrent);
static void set_seed_limits (ShoalSession *self, double ratio, gint64 seconds);

static void
shoal_session_dispose (GObject *object)
{
  ShoalSession *self = SHOAL_SESSION (object);

  shoal_session_close (self);
  G_OBJECT_CLASS (shoal_session_parent_class)->dispose (object);
}

static void
shoal_session_finalize (GObject *object)
{
  ShoalSession *self = SHOAL_SESSION (object);

  shoal_announcer_group_set_idle_func (self->announcers, NULL, NULL);
  g_clear_pointer (&self->announcers, shoal_announcer_group_unref);
  g_clear_pointer (&self->close_tasks, g_ptr_array_unref);
  g_free ((char *) self->test_hooks.dht_bootstrap);
  g_clear_object (&self->torrents);
  g_clear_pointer (&self->by_hash, g_hash_table_unref);
  g_clear_object (&self->service);
  g_clear_pointer (&self->incoming, g_ptr_array_unref);
  g_clear_pointer (&self->peer_limits, shoal_peer_limits_unref);
  g_clear_object (&self->soup);
  g_clear_object (&self->disk_pool);
  g_clear_object (&self->dht);
  g_clear_pointer (&self->dht_bootstrap, g_ptr_array_unref);
  g_clear_object (&self->lsd);
  g_clear_pointer (&self->lsd_interface, g_free);
  g_clear_pointer (&self->state_dir, g_free);
  g_clear_object (&self->store);
  g_clear_pointer (&self->download_dir, g_free);
  g_clear_pointer (&self->listen_address, g_free);
  g_clear_handle_id (&self->port_mapping_start_id, g_source_remove);
  g_clear_object (&self->port_mapper);
  g_clear_pointer (&self->port_mapping_reason, g_free);
  g_clear_pointer (&self->external_address, g_free);
  _shoal_session_extras_finalize (self);
  _shoal_session_ticks_clear (self);
  _shoal_session_clear_blocklist (self);
  _shoal_session_clear_interface (self);
  _shoal_session_clear_proxy (self);
  G_OBJECT_CLASS (shoal_session_parent_class)->finalize (object);
}

static void
shoal_session_constructed (GObject *object)
{
  ShoalSession *self = SHOAL_SESSION (object);

  G_OBJECT_CLASS (shoal_session_parent_class)->constructed (object);
  if (self->state_dir == NULL)
    self->state_dir = g_build_filename (g_get_user_data_dir (), "shoal", NULL);
  if (self->download_dir == NULL)
    self->download_dir = g_strdup (g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD));
  if (self->download_dir == NULL)
    self->download_dir = g_build_filename (g_get_home_dir (), "Downloads", NULL);
}

static void
shoal_session_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ShoalSession *self = SHOAL_SESSION (object);

  switch (prop_id)
    {
    case PROP_STATE_DIR:
      g_value_set_string (value, self->state_dir);
      break;
    case PROP_DOWNLOAD_DIR:
      g_value_set_string (value, self->download_dir);
      break;
    case PROP_LISTEN_PORT:
      g_value_set_uint (value, self->listen_port);
      break;
    case PROP_LISTEN_ADDRESS:
      g_value_set_string (value, self->listen_address);
      break;
    case PROP_ENCRYPTION_POLICY:
      g_value_set_enum (value, self->encryption);
      break;
    case PROP_DHT_ENABLED:
      g_value_set_boolean (value, self->dht_enabled);
      break;
    case PROP_PEX_ENABLED:
      g_value_set_boolean (value, self->pex_enabled);
      break;
    case PROP_LSD_ENABLED:
      g_value_set_boolean (value, self->lsd_enabled);
      break;
    case PROP_LSD_INTERFACE:
      g_value_set_string (value, self->lsd_interface);
      break;
    case PROP_DOWNLOAD_LIMIT:
      g_value_set_uint64 (value, self->normal_down_limit);
      break;
    case PROP_UPLOAD_LIMIT:
      g_value_set_uint64 (value, self->normal_up_limit);
      break;
    case PROP_MAX_CONNECTIONS:
      g_value_set_uint (value, self->max_connections);
      break;
    case PROP_MAX_CONNECTIONS_PER_TORRENT:
      g_value_set_uint (value, self->max_per_torrent);
      break;
    case PROP_SEED_RATIO_LIMIT:
      g_value_set_double (value, self->seed_ratio_limit);
      break;
    case PROP_SEED_TIME_LIMIT:
      g_value_set_int64 (value, self->seed_time_limit);
      break;
    case PROP_RESTORE_SAVED_TORRENTS:
      g_value_set_boolean (value, self->restore_saved);
      break;
    case PROP_PORT_MAPPING_ENABLED:
      g_value_set_boolean (value, self->port_mapping_enabled);
      break;
    case PROP_PORT_MAPPING_STATE:
      g_value_set_enum (value, self->port_mapping_state);
      break;
    case PROP_PORT_MAPPING_REASON:
      g_value_set_string (value, self->port_mapping_reason);
      break;
    case PROP_EXTERNAL_ADDRESS:
      g_value_set_string (value, self->external_address);
      break;
    case PROP_EXTERNAL_PORT:
      g_value_set_uint (value, self->external_port);
      break;
    case PROP_INCOMING_REACHABLE:
      g_value_set_boolean (value, self->incoming_reachable);
      break;
    default:
      if (!_shoal_session_extras_get_property (self, prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_session_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ShoalSession *self = SHOAL_SESSION (object);

  switch (prop_id)
    {
    case PROP_STATE_DIR:
      g_free (self->state_dir);
      self->state_dir = g_value_dup_string (value);
      break;
    case PROP_DOWNLOAD_DIR:
      shoal_session_set_download_dir (self, g_value_get_string (value));
      break;
    case PROP_LISTEN_PORT:
      shoal_session_set_listen_port (self, (guint16) g_value_get_uint (value));
      break;
    case PROP_LISTEN_ADDRESS:
      shoal_session_set_listen_address (self, g_value_get_string (value));
      break;
    case PROP_ENCRYPTION_POLICY:
      shoal_session_set_encryption_policy (self, g_value_get_enum (value));
      break;
    case PROP_DHT_ENABLED:
      shoal_session_set_dht_enabled (self, g_value_get_boolean (value));
      break;
    case PROP_PEX_ENABLED:
      shoal_session_set_pex_enabled (self, g_value_get_boolean (value));
      break;
    case PROP_LSD_ENABLED:
      shoal_session_set_lsd_enabled (self, g_value_get_boolean (value));
      break;
    case PROP_LSD_INTERFACE:
      shoal_session_set_lsd_interface (self, g_value_get_string (value));
      break;
    case PROP_DOWNLOAD_LIMIT:
      shoal_session_set_download_limit (self, g_value_get_uint64 (value));
      break;
    case PROP_UPLOAD_LIMIT:
      shoal_session_set_upload_limit (self, g_value_get_uint64 (value));
      break;
    case PROP_MAX_CONNECTIONS:
      set_max_connections (self, g_value_get_uint (value), self->max_per_torrent);
      break;
    case PROP_MAX_CONNECTIONS_PER_TORRENT:
      set_max_connections (self, self->max_connections, g_value_get_uint (value));
      break;
    case PROP_SEED_RATIO_LIMIT:
      set_seed_limits (self, g_value_get_double (value), self->seed_time_limit);
      break;
    case PROP_SEED_TIME_LIMIT:
      set_seed_limits (self, self->seed_ratio_limit, g_value_get_int64 (value));
      break;
    case PROP_RESTORE_SAVED_TORRENTS:
      shoal_session_set_restore_saved_torrents (self, g_value_get_boolean (value));
      break;
    case PROP_PORT_MAPPING_ENABLED:
      shoal_session_set_port_mapping_enabled (self, g_value_get_boolean (value));
      break;
    default:
      if (!_shoal_session_extras_set_property (self, prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_session_class_init (ShoalSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = shoal_session_constructed;
  object_class->get_property = shoal_session_get_property;
  object_class->set_property = shoal_session_set_property;
  object_class->dispose = shoal_session_dispose;
  object_class->finalize = shoal_session_finalize;

  /**
   * ShoalSession:state-dir:
   *
   * Where torrents and resume data are kept; %NULL (the default) for
   * `$XDG_DATA_HOME/shoal`.
   */
  _shoal_session_properties[PROP_STATE_DIR] =
    g_param_spec_string ("state-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:download-dir:
   *
   * Where torrents added without a save directory (saved magnet links,
   * saved torrents without one) put their files: by default the XDG
   * Downloads folder.
   */
  _shoal_session_properties[PROP_DOWNLOAD_DIR] =
    g_param_spec_string ("download-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:listen-port:
   *
   * The TCP port for incoming peers (and the UDP port of the DHT node), 0
   * for a random one. Set before shoal_session_start(); once started, the
   * port really listened on.
   */
  _shoal_session_properties[PROP_LISTEN_PORT] =
    g_param_spec_uint ("listen-port", NULL, NULL, 0, G_MAXUINT16, 51413,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:listen-address:
   *
   * An IP address to listen on, %NULL (the default) for all. Set before
   * shoal_session_start().
   */
  _shoal_session_properties[PROP_LISTEN_ADDRESS] =
    g_param_spec_string ("listen-address", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:encryption-policy:
   *
   * Prefer encrypted connections (the default), require them, or make
   * outgoing connections in plaintext. Applies to connections made from
   * then on.
   */
  _shoal_session_properties[PROP_ENCRYPTION_POLICY] =
    g_param_spec_enum ("encryption-policy", NULL, NULL,
                       SHOAL_TYPE_ENCRYPTION_POLICY, SHOAL_ENCRYPTION_PREFER,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:dht-enabled:
   *
   * Whether to run a DHT node (BEP 5) to find peers without trackers. Off
   * by default, so that nothing joins the public DHT unasked; takes effect
   * at once on a started session. Private torrents never use it.
   */
  _shoal_session_properties[PROP_DHT_ENABLED] =
    g_param_spec_boolean ("dht-enabled", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:pex-enabled:
   *
   * Whether to exchange peer lists with peers (BEP 11). On by default,
   * never for private torrents.
   */
  _shoal_session_properties[PROP_PEX_ENABLED] =
    g_param_spec_boolean ("pex-enabled", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:lsd-enabled:
   *
   * Whether to find peers on the local network (BEP 14). Off by default;
   * takes effect at once on a started session. Never used for private
   * torrents.
   */
  _shoal_session_properties[PROP_LSD_ENABLED] =
    g_param_spec_boolean ("lsd-enabled", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:lsd-interface:
   *
   * The network interface local discovery multicasts on, %NULL for the
   * system's choice. Set before shoal_session_start().
   */
  _shoal_session_properties[PROP_LSD_INTERFACE] =
    g_param_spec_string ("lsd-interface", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:download-limit:
   *
   * The most bytes per second all torrents together download, 0 for no
   * limit.
   */
  _shoal_session_properties[PROP_DOWNLOAD_LIMIT] =
    g_param_spec_uint64 ("download-limit", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:upload-limit:
   *
   * The most bytes per second all torrents together upload, 0 for no
   * limit.
   */
  _shoal_session_properties[PROP_UPLOAD_LIMIT] =
    g_param_spec_uint64 ("upload-limit", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:max-connections:
   *
   * The most peer connections of all torrents together.
   */
  _shoal_session_properties[PROP_MAX_CONNECTIONS] =
    g_param_spec_uint ("max-connections", NULL, NULL, 1, G_MAXUINT, 500,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:max-connections-per-torrent:
   *
   * The most peer connections of one torrent.
   */
  _shoal_session_properties[PROP_MAX_CONNECTIONS_PER_TORRENT] =
    g_param_spec_uint ("max-connections-per-torrent", NULL, NULL, 1, G_MAXUINT, 80,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:seed-ratio-limit:
   *
   * Completed torrents stop seeding at this upload ratio; 0 for no limit.
   * Applies to every torrent, present and future.
   */
  _shoal_session_properties[PROP_SEED_RATIO_LIMIT] =
    g_param_spec_double ("seed-ratio-limit", NULL, NULL, 0.0, G_MAXDOUBLE, 0.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:seed-time-limit:
   *
   * Completed torrents stop seeding after this many seconds; 0 for no
   * limit. Applies to every torrent, present and future.
   */
  _shoal_session_properties[PROP_SEED_TIME_LIMIT] =
    g_param_spec_int64 ("seed-time-limit", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:restore-saved-torrents:
   *
   * Whether shoal_session_start() brings back the torrents saved in the
   * state directory (the default). Set before shoal_session_start().
   */
  _shoal_session_properties[PROP_RESTORE_SAVED_TORRENTS] =
    g_param_spec_boolean ("restore-saved-torrents", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  _shoal_session_install_port_mapping_properties (_shoal_session_properties);
  g_object_class_install_properties (object_class, N_PROPS, _shoal_session_properties);
  _shoal_session_extras_class_init (object_class);

  /**
   * ShoalSession::torrent-completed:
   * @torrent: the torrent
   *
   * A torrent finished downloading everything wanted (for notifications).
   */
  signals[SIGNAL_TORRENT_COMPLETED] = g_signal_new ("torrent-completed", G_TYPE_FROM_CLASS (klass),
                                                    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                    G_TYPE_NONE, 1, SHOAL_TYPE_TORRENT);
}

static void
shoal_session_init (ShoalSession *self)
{
  self->torrents = g_list_store_new (SHOAL_TYPE_TORRENT);
  self->by_hash = g_hash_table_new (_shoal_info_hash_hash, _shoal_info_hash_equal);
  self->incoming = g_ptr_array_new_with_free_func (g_object_unref);
  self->peer_limits = shoal_peer_limits_new ();
  self->max_connections = 500;
  self->max_per_torrent = 80;
  self->listen_port = 51413;
  self->udp_timeout_ms = 15000;
  shoal_peer_wire_generate_peer_id (self->peer_id);
  self->soup = soup_session_new_with_options ("user-agent", "Shoal/" PACKAGE_VERSION,
                                              "timeout", 30,
                                              "max-conns-per-host", 4,
                                              NULL);
  self->disk_pool = shoal_disk_pool_new (MAX (2, g_get_num_processors ()));
  shoal_disk_pool_set_direct_writes (self->disk_pool, TRUE);
  /* Front ends opt in (the app from its settings), so that nothing joins
   * the public DHT unasked. */
  self->dht_enabled = FALSE;
  self->pex_enabled = TRUE;
  self->dht_bootstrap = g_ptr_array_new_with_free_func (g_free);
  self->restore_saved = TRUE;
  self->port_mapping_reason = g_strdup ("Port mapping is off");
  self->announcers = shoal_announcer_group_new ();
  shoal_announcer_group_set_idle_func (self->announcers, _shoal_session_check_close_tasks, self);
  self->close_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  _shoal_session_init_torrent_services (self);
  _shoal_session_extras_init (self);
  _shoal_session_ticks_init (self);
}

/**
 * shoal_session_new:
 * @state_dir: (nullable): where torrents and resume data are kept;
 *   %NULL for `$XDG_DATA_HOME/shoal`
 *
 * Returns: (transfer full): a new session; call shoal_session_start()
 */
ShoalSession *
shoal_session_new (const char *state_dir)
{
  return g_object_new (SHOAL_TYPE_SESSION, "state-dir", state_dir, NULL);
}

/**
 * shoal_session_set_dht_enabled:
 * @self: a session
 * @enabled: whether to run a DHT node (BEP 5) to find peers without trackers
 *
 * Off by default. Takes effect at once on a started session. Private
 * torrents never use it. Without bootstrap nodes of its own (nor saved
 * ones), the node joins through the usual public routers (tests replace
 * them, see shoal-session-testing.h).
 */
void
shoal_session_set_dht_enabled (ShoalSession *self,
                               gboolean      enabled)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  if (self->dht_enabled == !!enabled)
    return;
  self->dht_enabled = !!enabled;
  if (self->started && enabled)
    _shoal_session_start_dht (self);
  else if (self->started)
    _shoal_session_stop_dht (self);
  _shoal_session_sync_port_mapping (self);
  g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_DHT_ENABLED]);
}

gboolean
shoal_session_get_dht_enabled (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), FALSE);
  return self->dht_enabled;
}

/**
 * shoal_session_set_lsd_enabled:
 * @self: a session
 * @enabled: whether to find peers on the local network (BEP 14)
 *
 * Off by default. Takes effect at once on a started session. Never used
 * for private torrents. Test environments can keep it off whatever is
 * asked (shoal-session-testing.h).
 */
void
shoal_session_set_lsd_enabled (ShoalSession *self,
                               gboolean      enabled)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  if (self->lsd_enabled == !!enabled)
    return;
  self->lsd_enabled = !!enabled;
  if (self->started && enabled)
    _shoal_session_start_lsd (self);
  else if (self->started)
    _shoal_session_stop_lsd (self);
  g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_LSD_ENABLED]);
}

gboolean
shoal_session_get_lsd_enabled (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), FALSE);
  return self->lsd_enabled;
}

/**
 * shoal_session_set_lsd_interface:
 * @self: a session not started yet
 * @name: (nullable): the network interface to multicast on
 */
void
shoal_session_set_lsd_interface (ShoalSession *self,
                                 const char   *name)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  if (set_str (&self->lsd_interface, name))
    g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_LSD_INTERFACE]);
}

/**
 * shoal_session_set_pex_enabled:
 * @self: a session
 * @enabled: whether to exchange peer lists with peers (BEP 11); on by
 *   default, never for private torrents
 */
void
shoal_session_set_pex_enabled (ShoalSession *self,
                               gboolean      enabled)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  if (self->pex_enabled == !!enabled)
    return;
  self->pex_enabled = !!enabled;
  g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_PEX_ENABLED]);
}

gboolean
shoal_session_get_pex_enabled (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), FALSE);
  return self->pex_enabled;
}

/**
 * shoal_session_add_dht_bootstrap_node:
 * @self: a session not started yet
 * @host_and_port: a DHT node to join through
 *
 * When any is given, the public bootstrap routers are not used.
 */
void
shoal_session_add_dht_bootstrap_node (ShoalSession *self,
                                      const char   *host_and_port)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  g_ptr_array_add (self->dht_bootstrap, g_strdup (host_and_port));
}

/**
 * shoal_session_get_dht:
 * @self: a session
 *
 * Returns: (transfer none) (nullable): the DHT node, when running
 */
ShoalDht *
shoal_session_get_dht (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), NULL);
  return self->dht;
}

/**
 * shoal_session_set_restore_saved_torrents:
 * @self: a session not started yet
 * @restore: whether shoal_session_start() brings back the torrents saved
 *   in the state directory (the default)
 *
 * A front end that works on one torrent at a time (a command-line tool)
 * turns this off, so that no other torrent saved there starts, and adds its
 * torrent with %SHOAL_ADD_FLAGS_RESUME.
 */
void
shoal_session_set_restore_saved_torrents (ShoalSession *self,
                                          gboolean      restore)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  g_return_if_fail (!self->started);
  if (self->restore_saved == !!restore)
    return;
  self->restore_saved = !!restore;
  g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_RESTORE_SAVED_TORRENTS]);
}

/* Accessors and settings */

const char *
shoal_session_get_state_dir (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), NULL);
  return self->state_dir;
}

const guint8 *
shoal_session_get_peer_id (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), NULL);
  return self->peer_id;
}

guint16
shoal_session_get_listen_port (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), 0);
  return self->listen_port;
}

/**
 * shoal_session_set_listen_port:
 * @self: a session that is not started yet
 * @port: the TCP port for incoming peers, 0 for a random one
 */
void
shoal_session_set_listen_port (ShoalSession *self,
                               guint16       port)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  g_return_if_fail (!self->started);
  if (self->listen_port == port)
    return;
  self->listen_port = port;
  g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_LISTEN_PORT]);
}

/**
 * shoal_session_set_listen_address:
 * @self: a session that is not started yet
 * @address: (nullable): an IP address to listen on, %NULL for all
 */
void
shoal_session_set_listen_address (ShoalSession *self,
                                  const char   *address)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  g_return_if_fail (!self->started);
  if (set_str (&self->listen_address, address))
    g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_LISTEN_ADDRESS]);
}

/**
 * shoal_session_set_encryption_policy:
 * @self: a session
 * @policy: prefer encrypted connections (the default), require them, or
 *   make outgoing connections in plaintext
 *
 * Applies to connections made from now on.
 */
void
shoal_session_set_encryption_policy (ShoalSession          *self,
                                     ShoalEncryptionPolicy  policy)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  if (self->encryption == policy)
    return;
  self->encryption = policy;
  g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_ENCRYPTION_POLICY]);
}

ShoalEncryptionPolicy
shoal_session_get_encryption_policy (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), SHOAL_ENCRYPTION_PREFER);
  return self->encryption;
}

const char *
shoal_session_get_download_dir (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), NULL);
  return self->download_dir;
}

void
shoal_session_set_download_dir (ShoalSession *self,
                                const char   *dir)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  g_return_if_fail (dir != NULL);
  if (set_str (&self->download_dir, dir))
    g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_DOWNLOAD_DIR]);
}

void
shoal_session_set_download_limit (ShoalSession *self,
                                  guint64       bytes_per_second)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  if (self->normal_down_limit == bytes_per_second)
    return;
  self->normal_down_limit = bytes_per_second;
  _shoal_session_apply_rate_limits (self);
  g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_DOWNLOAD_LIMIT]);
}

void
shoal_session_set_upload_limit (ShoalSession *self,
                                guint64       bytes_per_second)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  if (self->normal_up_limit == bytes_per_second)
    return;
  self->normal_up_limit = bytes_per_second;
  _shoal_session_apply_rate_limits (self);
  g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_UPLOAD_LIMIT]);
}

guint64
shoal_session_get_download_limit (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), 0);
  return self->normal_down_limit;
}

guint64
shoal_session_get_upload_limit (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), 0);
  return self->normal_up_limit;
}

static void
set_max_connections (ShoalSession *self,
                     guint         global,
                     guint         per_torrent)
{
  global = MAX (global, 1);
  per_torrent = MAX (per_torrent, 1);
  if (self->max_connections != global)
    {
      self->max_connections = global;
      g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_MAX_CONNECTIONS]);
    }
  if (self->max_per_torrent == per_torrent)
    return;
  self->max_per_torrent = per_torrent;
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      _shoal_torrent_set_default_max_connections (t, self->max_per_torrent);
    }
  g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_MAX_CONNECTIONS_PER_TORRENT]);
}

/**
 * shoal_session_set_max_connections:
 * @self: a session
 * @global: #ShoalSession:max-connections
 * @per_torrent: #ShoalSession:max-connections-per-torrent
 */
void
shoal_session_set_max_connections (ShoalSession *self,
                                   guint         global,
                                   guint         per_torrent)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  g_object_freeze_notify (G_OBJECT (self));
  set_max_connections (self, global, per_torrent);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * shoal_session_set_seed_limits:
 * @self: a session
 * @ratio: stop seeding at this upload ratio, <= 0 for no limit
 * @seconds: stop seeding after this long, <= 0 for no limit
 *
 * Applies to every torrent, present and future.
 */
void
shoal_session_set_seed_limits (ShoalSession *self,
                               double        ratio,
                               gint64        seconds)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  /* Also over a limit set on one torrent alone. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      shoal_torrent_reset_seed_limits (t, ratio > 0 ? ratio : 0.0, MAX (seconds, 0));
    }
  g_object_freeze_notify (G_OBJECT (self));
  set_seed_limits (self, ratio, seconds);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
set_seed_limits (ShoalSession *self,
                 double        ratio,
                 gint64        seconds)
{
  /* No limit is 0, however it was asked for. */
  ratio = ratio > 0 ? ratio : 0.0;
  seconds = MAX (seconds, 0);
  if (self->seed_ratio_limit != ratio)
    {
      self->seed_ratio_limit = ratio;
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
        {
          g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

          _shoal_torrent_set_default_seed_limits (t, ratio, self->seed_time_limit);
        }
      g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_SEED_RATIO_LIMIT]);
    }
  if (self->seed_time_limit != seconds)
    {
      self->seed_time_limit = seconds;
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
        {
          g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

          _shoal_torrent_set_default_seed_limits (t, self->seed_ratio_limit, seconds);
        }
      g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_SEED_TIME_LIMIT]);
    }
}

/* Emits ShoalSession::torrent-completed (for the torrent services). */
void
_shoal_session_torrent_completed (ShoalSession *self,
                                  ShoalTorrent *torrent)
{
  _shoal_session_extras_completed (self, torrent);
  g_signal_emit (self, signals[SIGNAL_TORRENT_COMPLETED], 0, torrent);
}
