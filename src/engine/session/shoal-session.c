/* shoal-session.c: the engine: torrents, listening socket, shared limits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A session runs on the GMainContext that was thread-default when it was
 * created. It accepts incoming peer connections, hands each to the torrent
 * its handshake names, drives every torrent once a second, and keeps the
 * torrents and their resume state under its state directory, through a
 * ShoalStateStore (state/shoal-state-store.h says what is kept there).
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "shoal-bencode.h"
#include "shoal-dht.h"
#include "shoal-engine-enums.h"
#include "shoal-hash.h"
#include "shoal-lsd.h"
#include "shoal-session.h"
#include "shoal-session-limits.h"
#include "shoal-session-testing.h"
#include "shoal-torrent-private.h"

struct _ShoalSession
{
  GObject           parent_instance;

  char             *state_dir;
  ShoalStateStore  *store;        /* made at first use, see get_store() */
  char             *download_dir;
  char             *listen_address;
  guint16           listen_port;
  guint8            peer_id[20];

  GListStore       *torrents;
  GSocketService   *service;
  GPtrArray        *incoming;     /* connections still handshaking */
  ShoalPeerLimits  *peer_limits;  /* shared by every connection */
  gboolean          limit_loopback; /* per-IP limits on loopback too (tests) */
  SoupSession      *soup;
  ShoalDiskPool    *disk_pool;
  guint             tick_id;

  ShoalRateLimit    down_limit;
  ShoalRateLimit    up_limit;
  guint             max_connections;
  guint             max_per_torrent;
  double            seed_ratio_limit;
  gint64            seed_time_limit;
  guint             udp_timeout_ms;
  ShoalEncryptionPolicy encryption;
  ShoalDht         *dht;
  gboolean          dht_enabled;
  gboolean          pex_enabled;
  ShoalLsd         *lsd;
  gboolean          lsd_enabled;
  char             *lsd_interface;
  GPtrArray        *dht_bootstrap;  /* "host:port"; empty: the public routers */
  gboolean          started;
  gboolean          restore_saved;  /* start() brings back the saved torrents */
  guint             n_deleting;  /* removed torrents whose data is being deleted */
  ShoalAnnouncerGroup *announcers; /* counts our torrents' `stopped` announces */
  GPtrArray        *close_tasks;   /* shoal_session_close_async() still waiting */
  ShoalSessionTestHooks test_hooks; /* its dht_bootstrap is ours */
  ShoalTorrentServices torrent_services; /* what our torrents may ask of us */
};

G_DEFINE_FINAL_TYPE (ShoalSession, shoal_session, G_TYPE_OBJECT)
G_DEFINE_QUARK (shoal-session-error-quark, shoal_session_error)

enum {
  SIGNAL_TORRENT_COMPLETED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void init_torrent_services (ShoalSession *self);

enum {
  PROP_0,
  PROP_STATE_DIR,
  PROP_DOWNLOAD_DIR,
  PROP_LISTEN_PORT,
  PROP_LISTEN_ADDRESS,
  PROP_ENCRYPTION_POLICY,
  PROP_DHT_ENABLED,
  PROP_PEX_ENABLED,
  PROP_LSD_ENABLED,
  PROP_LSD_INTERFACE,
  PROP_DOWNLOAD_LIMIT,
  PROP_UPLOAD_LIMIT,
  PROP_MAX_CONNECTIONS,
  PROP_MAX_CONNECTIONS_PER_TORRENT,
  PROP_SEED_RATIO_LIMIT,
  PROP_SEED_TIME_LIMIT,
  PROP_RESTORE_SAVED_TORRENTS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void sync_lsd (ShoalSession *self);
static void check_close_tasks (gpointer data);

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
      g_value_set_uint64 (value, self->down_limit.limit);
      break;
    case PROP_UPLOAD_LIMIT:
      g_value_set_uint64 (value, self->up_limit.limit);
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
    default:
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
    default:
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
  properties[PROP_STATE_DIR] =
    g_param_spec_string ("state-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:download-dir:
   *
   * Where torrents added without a save directory (saved magnet links,
   * saved torrents without one) put their files: by default the XDG
   * Downloads folder.
   */
  properties[PROP_DOWNLOAD_DIR] =
    g_param_spec_string ("download-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:listen-port:
   *
   * The TCP port for incoming peers (and the UDP port of the DHT node), 0
   * for a random one. Set before shoal_session_start(); once started, the
   * port really listened on.
   */
  properties[PROP_LISTEN_PORT] =
    g_param_spec_uint ("listen-port", NULL, NULL, 0, G_MAXUINT16, 51413,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:listen-address:
   *
   * An IP address to listen on, %NULL (the default) for all. Set before
   * shoal_session_start().
   */
  properties[PROP_LISTEN_ADDRESS] =
    g_param_spec_string ("listen-address", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:encryption-policy:
   *
   * Prefer encrypted connections (the default), require them, or make
   * outgoing connections in plaintext. Applies to connections made from
   * then on.
   */
  properties[PROP_ENCRYPTION_POLICY] =
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
  properties[PROP_DHT_ENABLED] =
    g_param_spec_boolean ("dht-enabled", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:pex-enabled:
   *
   * Whether to exchange peer lists with peers (BEP 11). On by default,
   * never for private torrents.
   */
  properties[PROP_PEX_ENABLED] =
    g_param_spec_boolean ("pex-enabled", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:lsd-enabled:
   *
   * Whether to find peers on the local network (BEP 14). Off by default;
   * takes effect at once on a started session. Never used for private
   * torrents.
   */
  properties[PROP_LSD_ENABLED] =
    g_param_spec_boolean ("lsd-enabled", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:lsd-interface:
   *
   * The network interface local discovery multicasts on, %NULL for the
   * system's choice. Set before shoal_session_start().
   */
  properties[PROP_LSD_INTERFACE] =
    g_param_spec_string ("lsd-interface", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:download-limit:
   *
   * The most bytes per second all torrents together download, 0 for no
   * limit.
   */
  properties[PROP_DOWNLOAD_LIMIT] =
    g_param_spec_uint64 ("download-limit", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:upload-limit:
   *
   * The most bytes per second all torrents together upload, 0 for no
   * limit.
   */
  properties[PROP_UPLOAD_LIMIT] =
    g_param_spec_uint64 ("upload-limit", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:max-connections:
   *
   * The most peer connections of all torrents together.
   */
  properties[PROP_MAX_CONNECTIONS] =
    g_param_spec_uint ("max-connections", NULL, NULL, 1, G_MAXUINT, 500,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:max-connections-per-torrent:
   *
   * The most peer connections of one torrent.
   */
  properties[PROP_MAX_CONNECTIONS_PER_TORRENT] =
    g_param_spec_uint ("max-connections-per-torrent", NULL, NULL, 1, G_MAXUINT, 80,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:seed-ratio-limit:
   *
   * Completed torrents stop seeding at this upload ratio; 0 for no limit.
   * Applies to every torrent, present and future.
   */
  properties[PROP_SEED_RATIO_LIMIT] =
    g_param_spec_double ("seed-ratio-limit", NULL, NULL, 0.0, G_MAXDOUBLE, 0.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:seed-time-limit:
   *
   * Completed torrents stop seeding after this many seconds; 0 for no
   * limit. Applies to every torrent, present and future.
   */
  properties[PROP_SEED_TIME_LIMIT] =
    g_param_spec_int64 ("seed-time-limit", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:restore-saved-torrents:
   *
   * Whether shoal_session_start() brings back the torrents saved in the
   * state directory (the default). Set before shoal_session_start().
   */
  properties[PROP_RESTORE_SAVED_TORRENTS] =
    g_param_spec_boolean ("restore-saved-torrents", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

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
  /* Front ends opt in (the app from its settings), so that nothing joins
   * the public DHT unasked. */
  self->dht_enabled = FALSE;
  self->pex_enabled = TRUE;
  self->dht_bootstrap = g_ptr_array_new_with_free_func (g_free);
  self->restore_saved = TRUE;
  self->announcers = shoal_announcer_group_new ();
  shoal_announcer_group_set_idle_func (self->announcers, check_close_tasks, self);
  self->close_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  init_torrent_services (self);
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

/* Incoming connections */

static gboolean
incoming_lookup (gpointer             owner,
                 ShoalPeerConnection *conn,
                 const guint8         info_hash[20],
                 GError             **error)
{
  ShoalSession *self = owner;
  ShoalTorrent *torrent = shoal_session_find_torrent (self, info_hash);

  if (torrent == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "Peer asked for a torrent we do not have");
      return FALSE;
    }
  shoal_peer_connection_set_info_hash (conn, info_hash);
  if (!_shoal_torrent_adopt_incoming (torrent, conn, error))
    return FALSE;
  g_ptr_array_remove_fast (self->incoming, conn);
  return TRUE;
}

static void
incoming_closed (gpointer             owner,
                 ShoalPeerConnection *conn,
                 const GError        *error)
{
  ShoalSession *self = owner;

  g_ptr_array_remove_fast (self->incoming, conn);
}

/* Which of our torrents does an obfuscated handshake name? */
static gboolean
find_torrent_for_mse (const guint8 req2_hash[SHOAL_MSE_HASH_LEN],
                      guint8       info_hash_out[SHOAL_MSE_HASH_LEN],
                      gpointer     user_data)
{
  ShoalSession *self = user_data;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);
      guint8 hash[SHOAL_MSE_HASH_LEN];

      shoal_mse_req2_hash (shoal_torrent_get_info_hash (t), hash);
      if (memcmp (hash, req2_hash, SHOAL_MSE_HASH_LEN) == 0)
        {
          memcpy (info_hash_out, shoal_torrent_get_info_hash (t), SHOAL_MSE_HASH_LEN);
          return TRUE;
        }
    }
  return FALSE;
}

static const ShoalPeerConnectionHandler incoming_handler = {
  incoming_lookup,
  NULL,
  NULL,
  incoming_closed,
  NULL,
};

/* Incoming connections from @address still handshaking. */
static guint
count_half_open_from (ShoalSession *self,
                      GInetAddress *address)
{
  guint n = 0;

  for (guint i = 0; i < self->incoming->len; i++)
    {
      GInetSocketAddress *remote = shoal_peer_connection_get_remote (self->incoming->pdata[i]);

      if (remote != NULL && g_inet_address_equal (g_inet_socket_address_get_address (remote), address))
        n++;
    }
  return n;
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source,
             gpointer           user_data)
{
  ShoalSession *self = user_data;
  ShoalPeerConnection *conn;
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  GInetAddress *ip = G_IS_INET_SOCKET_ADDRESS (remote) ? g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)) : NULL;
  g_autofree char *ip_string = ip ? g_inet_address_to_string (ip) : g_strdup ("unknown");

  /* Refused here, the connection is closed when the service drops it. */
  if (_shoal_session_get_n_connections (self) >= self->max_connections)
    {
      g_debug ("Refusing a peer from %s: %u connections, the most allowed", ip_string, self->max_connections);
      return FALSE;
    }
  if (self->incoming->len >= SHOAL_SESSION_MAX_HALF_OPEN)
    {
      g_debug ("Refusing a peer from %s: %u connections are still handshaking", ip_string, self->incoming->len);
      return FALSE;
    }
  /* One host must not take every handshake slot. */
  if (ip != NULL && _shoal_session_limits_per_ip (self, ip) &&
      count_half_open_from (self, ip) >= SHOAL_SESSION_MAX_HALF_OPEN_PER_IP)
    {
      g_debug ("Refusing a peer from %s: %u connections from there are still handshaking",
               ip_string, SHOAL_SESSION_MAX_HALF_OPEN_PER_IP);
      return FALSE;
    }

  conn = shoal_peer_connection_new_incoming (connection, self->peer_id,
                                             SHOAL_PEER_WIRE_FEATURE_FAST | SHOAL_PEER_WIRE_FEATURE_EXTENSION |
                                             (self->dht != NULL ? SHOAL_PEER_WIRE_FEATURE_DHT : 0));
  shoal_peer_connection_set_peer_limits (conn, self->peer_limits);
  shoal_peer_connection_set_handler (conn, &incoming_handler, self);
  shoal_peer_connection_set_encryption (conn, self->encryption, find_torrent_for_mse, self);
  g_ptr_array_add (self->incoming, conn);
  shoal_peer_connection_start (conn);
  return TRUE;
}

static gboolean
tick_cb (gpointer user_data)
{
  ShoalSession *self = user_data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GPtrArray) incoming = g_ptr_array_copy (self->incoming, (GCopyFunc) (void (*) (void)) g_object_ref, NULL);

  g_ptr_array_set_free_func (incoming, g_object_unref);
  for (guint i = 0; i < incoming->len; i++)
    shoal_peer_connection_tick (incoming->pdata[i], now);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      _shoal_torrent_tick (t, now);
    }
  sync_lsd (self);
  return G_SOURCE_CONTINUE;
}

/* Everything under the state directory goes through the store. */
static ShoalStateStore *
get_store (ShoalSession *self)
{
  if (self->store == NULL)
    self->store = shoal_state_store_new (self->state_dir);
  return self->store;
}

/* A magnet link saved while its metadata was still missing. */
static void
load_saved_magnet (ShoalSession *self,
                   const char   *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMagnet) magnet = NULL;
  g_autoptr(ShoalTorrent) torrent = NULL;
  g_autofree char *save_dir = NULL;

  magnet = shoal_state_store_load_magnet (get_store (self), id, &save_dir, &error);
  if (magnet == NULL)
    {
      g_warning ("Skipping saved magnet link %s: %s", id, error->message);
      return;
    }
  torrent = _shoal_torrent_new_magnet (&self->torrent_services, magnet, save_dir ? save_dir : self->download_dir, SHOAL_ADD_FLAGS_NONE);
  g_list_store_append (self->torrents, torrent);
  _shoal_torrent_begin (torrent);
}

/* A torrent saved with its metainfo, in the save directory its resume data
 * records (any absolute path: file names are bytes, not necessarily
 * UTF-8), else in the download directory. */
static void
load_saved_torrent (ShoalSession *self,
                    const char   *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMetainfo) info = NULL;
  g_autoptr(ShoalResumeData) resume = NULL;
  g_autoptr(ShoalTorrent) torrent = NULL;
  const char *save_dir = self->download_dir;

  info = shoal_state_store_load_metainfo (get_store (self), id, &error);
  if (info == NULL)
    {
      g_warning ("Skipping saved torrent %s: %s", id, error->message);
      return;
    }
  resume = shoal_state_store_load_resume (get_store (self), id, &error);
  if (resume == NULL)
    g_debug ("No usable resume data for %s: %s", id, error->message);
  else if (resume->save_dir_usable)
    save_dir = resume->save_dir;
  torrent = _shoal_torrent_new (&self->torrent_services, info, save_dir, SHOAL_ADD_FLAGS_NONE);
  if (resume != NULL)
    _shoal_torrent_apply_resume (torrent, resume);
  g_list_store_append (self->torrents, torrent);
  _shoal_torrent_begin (torrent);
}

static void
load_saved_torrents (ShoalSession *self)
{
  g_auto(GStrv) magnets = shoal_state_store_list_magnets (get_store (self));
  g_auto(GStrv) metainfos = shoal_state_store_list_metainfos (get_store (self));

  /* A stable order: by name (the hash); the resume data keeps added times. */
  for (guint i = 0; magnets[i] != NULL; i++)
    load_saved_magnet (self, magnets[i]);
  for (guint i = 0; metainfos[i] != NULL; i++)
    load_saved_torrent (self, metainfos[i]);
}

static void
dht_peers_found_cb (ShoalDht  *dht,
                    GBytes    *info_hash,
                    GPtrArray *peers,
                    gpointer   user_data)
{
  ShoalSession *self = user_data;
  ShoalTorrent *torrent = g_bytes_get_size (info_hash) == 20
                          ? shoal_session_find_torrent (self, g_bytes_get_data (info_hash, NULL)) : NULL;

  if (torrent != NULL)
    _shoal_torrent_add_dht_peers (torrent, peers);
}

/* The DHT node listens on UDP at the same port number as peers use TCP. */
static void
start_dht (ShoalSession *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) saved = NULL;
  guint n_saved = 0;

  if (self->dht != NULL || !self->dht_enabled)
    return;
  self->dht = shoal_dht_new (NULL);
  if (!shoal_dht_start (self->dht, self->listen_address, self->listen_port, &error))
    {
      g_warning ("The DHT could not start: %s", error->message);
      g_clear_object (&self->dht);
      return;
    }
  g_signal_connect (self->dht, "peers-found", G_CALLBACK (dht_peers_found_cb), self);
  saved = shoal_state_store_load_dht_nodes (get_store (self));
  if (saved != NULL)
    n_saved = shoal_dht_add_nodes_from_saved (self->dht, saved, NULL);
  if (self->dht_bootstrap->len == 0 && self->test_hooks.dht_bootstrap != NULL)
    {
      /* Test environments name their own nodes, or "none": they must never
       * reach the public routers. */
      g_auto(GStrv) nodes = g_strsplit (self->test_hooks.dht_bootstrap, ",", -1);

      for (guint i = 0; nodes[i] != NULL; i++)
        if (*nodes[i] != '\0' && g_strcmp0 (nodes[i], "none") != 0)
          g_ptr_array_add (self->dht_bootstrap, g_strdup (nodes[i]));
      if (self->dht_bootstrap->len == 0)
        return;
    }
  if (self->dht_bootstrap->len > 0)
    {
      for (guint i = 0; i < self->dht_bootstrap->len; i++)
        if (!shoal_dht_add_bootstrap_node (self->dht, self->dht_bootstrap->pdata[i], &error))
          {
            g_warning ("DHT bootstrap node %s: %s", (char *) self->dht_bootstrap->pdata[i], error->message);
            g_clear_error (&error);
          }
    }
  else if (n_saved == 0)
    shoal_dht_use_default_bootstrap (self->dht);
}

static void
stop_dht (ShoalSession *self)
{
  g_autoptr(GBytes) nodes = NULL;

  if (self->dht == NULL)
    return;
  nodes = shoal_dht_dup_nodes (self->dht);
  if (nodes != NULL && g_bytes_get_size (nodes) > 0)
    shoal_state_store_save_dht_nodes (get_store (self), nodes);
  g_signal_handlers_disconnect_by_data (self->dht, self);
  shoal_dht_stop (self->dht);
  g_clear_object (&self->dht);
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
    start_dht (self);
  else if (self->started)
    stop_dht (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DHT_ENABLED]);
}

gboolean
shoal_session_get_dht_enabled (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), FALSE);
  return self->dht_enabled;
}

static void
lsd_peer_cb (ShoalLsd           *lsd,
             GBytes             *info_hash,
             GInetSocketAddress *address,
             gpointer            user_data)
{
  ShoalSession *self = user_data;
  ShoalTorrent *torrent = g_bytes_get_size (info_hash) == 20
                          ? shoal_session_find_torrent (self, g_bytes_get_data (info_hash, NULL)) : NULL;

  if (torrent != NULL)
    _shoal_torrent_add_lsd_peer (torrent, address);
}

static void
start_lsd (ShoalSession *self)
{
  g_autoptr(GError) error = NULL;

  /* Test environments keep multicast inside their own namespaces. */
  if (self->lsd != NULL || !self->lsd_enabled || self->test_hooks.lsd_off)
    return;
  self->lsd = shoal_lsd_new (self->listen_port);
  if (self->lsd_interface != NULL)
    shoal_lsd_set_interface (self->lsd, self->lsd_interface);
  if (!shoal_lsd_start (self->lsd, &error))
    {
      g_warning ("Local peer discovery could not start: %s", error->message);
      g_clear_object (&self->lsd);
      return;
    }
  g_signal_connect (self->lsd, "peer", G_CALLBACK (lsd_peer_cb), self);
}

static void
stop_lsd (ShoalSession *self)
{
  if (self->lsd == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->lsd, self);
  shoal_lsd_stop (self->lsd);
  g_clear_object (&self->lsd);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      _shoal_torrent_set_lsd_announced (t, FALSE);
    }
}

/* Announces active public torrents on the local network, and no others. */
static void
sync_lsd (ShoalSession *self)
{
  for (guint i = 0; self->lsd != NULL && i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);
      ShoalMetainfo *info = shoal_torrent_get_metainfo (t);
      gboolean wanted = _shoal_torrent_is_active (t) && (info == NULL || !shoal_metainfo_is_private (info));

      if (wanted && !_shoal_torrent_get_lsd_announced (t))
        shoal_lsd_add_torrent (self->lsd, shoal_torrent_get_info_hash (t));
      else if (!wanted && _shoal_torrent_get_lsd_announced (t))
        shoal_lsd_remove_torrent (self->lsd, shoal_torrent_get_info_hash (t));
      _shoal_torrent_set_lsd_announced (t, wanted);
    }
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
    start_lsd (self);
  else if (self->started)
    stop_lsd (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LSD_ENABLED]);
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
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LSD_INTERFACE]);
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
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEX_ENABLED]);
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
 * shoal_session_start:
 * @self: a session
 * @error: return location for a %SHOAL_SESSION_ERROR_LISTEN error
 *
 * Creates the state directory, starts listening for peers and brings back
 * the torrents of the last run.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_session_start (ShoalSession  *self,
                     GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  guint16 requested_port;

  g_return_val_if_fail (SHOAL_IS_SESSION (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);
  requested_port = self->listen_port;

  if (!shoal_state_store_prepare (get_store (self), error))
    return FALSE;

  {
    g_autofree char *journal = shoal_state_store_dup_deletion_journal (get_store (self));

    shoal_storage_finish_deletions (self->disk_pool, journal);
  }

  self->service = g_socket_service_new ();
  if (self->listen_address != NULL)
    {
      g_autoptr(GInetAddress) ip = g_inet_address_new_from_string (self->listen_address);
      g_autoptr(GSocketAddress) addr = NULL;
      g_autoptr(GSocketAddress) effective = NULL;

      if (ip == NULL)
        {
          g_set_error (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_LISTEN,
                       "“%s” is not an IP address", self->listen_address);
          return FALSE;
        }
      addr = g_inet_socket_address_new (ip, self->listen_port);
      if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), addr, G_SOCKET_TYPE_STREAM,
                                          G_SOCKET_PROTOCOL_TCP, NULL, &effective, &local_error))
        {
          g_set_error (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_LISTEN,
                       "Could not listen on %s port %u: %s", self->listen_address, self->listen_port,
                       local_error->message);
          return FALSE;
        }
      self->listen_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
    }
  else if (self->listen_port == 0)
    self->listen_port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (self->service), NULL, &local_error);
  else if (!g_socket_listener_add_inet_port (G_SOCKET_LISTENER (self->service), self->listen_port, NULL, &local_error))
    self->listen_port = 0;

  if (self->listen_port == 0)
    {
      if (requested_port != 0)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTEN_PORT]);
      g_set_error (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_LISTEN,
                   "Could not listen for peers: %s", local_error ? local_error->message : "no port");
      return FALSE;
    }
  if (self->listen_port != requested_port)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTEN_PORT]);
  g_signal_connect (self->service, "incoming", G_CALLBACK (incoming_cb), self);
  g_socket_service_start (self->service);

  self->tick_id = g_timeout_add_seconds (1, tick_cb, self);
  self->started = TRUE;
  start_dht (self);
  start_lsd (self);
  if (self->restore_saved)
    load_saved_torrents (self);
  return TRUE;
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
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESTORE_SAVED_TORRENTS]);
}

/**
 * shoal_session_save:
 * @self: a session
 *
 * Writes every torrent's resume state now.
 */
void
shoal_session_save (ShoalSession *self)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      _shoal_torrent_save_resume_now (t);
    }
}

/**
 * shoal_session_close:
 * @self: a session
 *
 * Saves every torrent's state, tells the trackers we leave, closes every
 * connection and stops listening. The session cannot be started again.
 */
void
shoal_session_close (ShoalSession *self)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));

  if (self->tick_id)
    g_source_remove (self->tick_id);
  self->tick_id = 0;
  if (self->started)
    shoal_session_save (self);
  stop_dht (self);
  stop_lsd (self);
  self->started = FALSE;
  for (guint i = 0; self->torrents && i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      if (_shoal_torrent_is_active (t))
        _shoal_torrent_stop_announcing (t);
      _shoal_torrent_close (t);
    }
  if (self->service)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
    }
  if (self->incoming)
    {
      g_autoptr(GPtrArray) incoming = g_steal_pointer (&self->incoming);

      self->incoming = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; i < incoming->len; i++)
        shoal_peer_connection_set_handler (incoming->pdata[i], NULL, NULL);
    }
}

/* A shoal_session_close_async() waiting for this session's own `stopped`
 * announces and deletions; woken when one ends, at its deadlines, or when
 * cancelled. */
typedef struct
{
  gint64   deadline_us;
  GSource *timeout;
  GSource *cancelled;
} CloseData;

static void
close_data_free (CloseData *data)
{
  if (data->timeout != NULL)
    g_source_destroy (data->timeout);
  g_clear_pointer (&data->timeout, g_source_unref);
  if (data->cancelled != NULL)
    g_source_destroy (data->cancelled);
  g_clear_pointer (&data->cancelled, g_source_unref);
  g_free (data);
}

static gboolean
close_is_done (ShoalSession *self,
               GTask        *task)
{
  CloseData *data = g_task_get_task_data (task);
  gint64 now = g_get_monotonic_time ();

  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    return TRUE;
  if (shoal_announcer_group_get_n_stopping (self->announcers) > 0 && now < data->deadline_us)
    return FALSE;
  /* Data being deleted is waited for longer: a program that exits before
   * leaves its files in a hidden directory of the save directory. */
  if (self->n_deleting > 0 && now < data->deadline_us + 55 * G_USEC_PER_SEC)
    return FALSE;
  return TRUE;
}

/* Returns the close tasks that have nothing left to wait for. */
static void
check_close_tasks (gpointer user_data)
{
  ShoalSession *self = user_data;

  for (guint i = 0; self->close_tasks != NULL && i < self->close_tasks->len;)
    {
      GTask *task = self->close_tasks->pdata[i];

      if (close_is_done (self, task))
        {
          g_autoptr(GTask) done = g_ptr_array_steal_index (self->close_tasks, i);

          g_task_set_task_data (done, NULL, NULL);
          g_task_return_boolean (done, TRUE);
        }
      else
        i++;
    }
}

static gboolean
close_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  ShoalSession *self = g_task_get_source_object (task);
  CloseData *data = g_task_get_task_data (task);
  gint64 now = g_get_monotonic_time ();

  /* After the first deadline, only deletions can still be waited for:
   * their own deadline is the next wake-up. */
  if (now >= data->deadline_us && g_source_get_ready_time (data->timeout) < data->deadline_us + 55 * G_USEC_PER_SEC)
    g_source_set_ready_time (data->timeout, data->deadline_us + 55 * G_USEC_PER_SEC);
  check_close_tasks (self);
  return G_SOURCE_CONTINUE;
}

static gboolean
close_deadline_dispatch (GSource     *source,
                         GSourceFunc  callback,
                         gpointer     user_data)
{
  g_source_set_ready_time (source, -1);
  return callback (user_data);
}

static GSourceFuncs close_deadline_funcs = {
  NULL, NULL, close_deadline_dispatch, NULL, NULL, NULL,
};

static gboolean
close_cancelled_cb (GCancellable *cancellable,
                    gpointer      user_data)
{
  check_close_tasks (user_data);
  return G_SOURCE_REMOVE;
}

/**
 * shoal_session_close_async:
 * @self: a session
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once the trackers were told, or after a few seconds
 * @user_data: for @callback
 *
 * Like shoal_session_close(), then waits (at most 5 s) for the `stopped`
 * announces to reach the trackers, and (at most a minute) for the data of
 * removed torrents to be deleted, so that a program can exit right after.
 */
void
shoal_session_close_async (ShoalSession        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CloseData *data;

  g_return_if_fail (SHOAL_IS_SESSION (self));

  shoal_session_close (self);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_session_close_async);
  data = g_new0 (CloseData, 1);
  data->deadline_us = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  g_task_set_task_data (task, data, (GDestroyNotify) close_data_free);
  if (close_is_done (self, task))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  /* Woken by the end of each `stopped` announce or deletion, and at the
   * two deadlines. The task holds the session, which holds the task (and
   * so these sources) until it returns. */
  data->timeout = g_source_new (&close_deadline_funcs, sizeof (GSource));
  g_source_set_callback (data->timeout, close_timeout_cb, task, NULL);
  g_source_set_static_name (data->timeout, "[shoal] session close deadline");
  g_source_set_ready_time (data->timeout, data->deadline_us);
  g_source_attach (data->timeout, g_task_get_context (task));
  if (cancellable != NULL)
    {
      data->cancelled = g_cancellable_source_new (cancellable);
      g_source_set_callback (data->cancelled, (GSourceFunc) (void (*) (void)) close_cancelled_cb, self, NULL);
      g_source_attach (data->cancelled, g_task_get_context (task));
    }
  g_ptr_array_add (self->close_tasks, g_steal_pointer (&task));
}

gboolean
shoal_session_close_finish (ShoalSession  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
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
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTEN_PORT]);
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
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTEN_ADDRESS]);
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
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENCRYPTION_POLICY]);
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
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOAD_DIR]);
}

void
shoal_session_set_download_limit (ShoalSession *self,
                                  guint64       bytes_per_second)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  if (self->down_limit.limit == bytes_per_second)
    return;
  shoal_rate_limit_set_limit (&self->down_limit, bytes_per_second);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOAD_LIMIT]);
}

void
shoal_session_set_upload_limit (ShoalSession *self,
                                guint64       bytes_per_second)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  if (self->up_limit.limit == bytes_per_second)
    return;
  shoal_rate_limit_set_limit (&self->up_limit, bytes_per_second);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPLOAD_LIMIT]);
}

guint64
shoal_session_get_download_limit (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), 0);
  return self->down_limit.limit;
}

guint64
shoal_session_get_upload_limit (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), 0);
  return self->up_limit.limit;
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
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_CONNECTIONS]);
    }
  if (self->max_per_torrent == per_torrent)
    return;
  self->max_per_torrent = per_torrent;
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      shoal_torrent_set_max_connections (t, self->max_per_torrent);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_CONNECTIONS_PER_TORRENT]);
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

      shoal_torrent_set_seed_ratio_limit (t, ratio);
      shoal_torrent_set_seed_time_limit (t, seconds);
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

          shoal_torrent_set_seed_ratio_limit (t, ratio);
        }
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEED_RATIO_LIMIT]);
    }
  if (self->seed_time_limit != seconds)
    {
      self->seed_time_limit = seconds;
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
        {
          g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

          shoal_torrent_set_seed_time_limit (t, seconds);
        }
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEED_TIME_LIMIT]);
    }
}

guint64
shoal_session_get_download_rate (ShoalSession *self)
{
  guint64 sum = 0;

  g_return_val_if_fail (SHOAL_IS_SESSION (self), 0);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      sum += shoal_torrent_get_download_rate (t);
    }
  return sum;
}

guint64
shoal_session_get_upload_rate (ShoalSession *self)
{
  guint64 sum = 0;

  g_return_val_if_fail (SHOAL_IS_SESSION (self), 0);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      sum += shoal_torrent_get_upload_rate (t);
    }
  return sum;
}

GListModel *
shoal_session_get_torrents (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), NULL);
  return G_LIST_MODEL (self->torrents);
}

/**
 * shoal_session_find_torrent:
 * @self: a session
 * @info_hash: 20 bytes: a v1 info-hash, or a v2 one truncated
 *
 * Returns: (transfer none) (nullable): the torrent
 */
ShoalTorrent *
shoal_session_find_torrent (ShoalSession *self,
                            const guint8 *info_hash)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), NULL);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      if (memcmp (shoal_torrent_get_info_hash (t), info_hash, 20) == 0)
        return t;
    }
  return NULL;
}

/* Shared by the ways of adding: the same torrent twice is refused. */
static gboolean
check_not_added (ShoalSession  *self,
                 const guint8  *hash,
                 const char    *name,
                 GError       **error)
{
  if (shoal_session_find_torrent (self, hash) == NULL)
    return TRUE;
  g_set_error (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_DUPLICATE,
               "“%s” is already in the list", name ? name : "This torrent");
  return FALSE;
}

/* Lists and starts a torrent just added (and saved, unless it keeps no
 * state). */
static ShoalTorrent *
finish_add (ShoalSession  *self,
            ShoalTorrent  *torrent)
{
  shoal_torrent_set_seed_ratio_limit (torrent, self->seed_ratio_limit);
  shoal_torrent_set_seed_time_limit (torrent, self->seed_time_limit);
  g_list_store_append (self->torrents, torrent);
  _shoal_torrent_begin (torrent);
  return torrent;
}

/* %SHOAL_ADD_FLAGS_RESUME: the saved state, trusted only as far as the
 * files on disk agree with it (see _shoal_torrent_load_resume()); what the
 * caller asks now wins over what was saved. */
static void
resume_saved_state (ShoalSession  *self,
                    ShoalTorrent  *torrent,
                    ShoalAddFlags  flags)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalResumeData) resume = shoal_state_store_load_resume (get_store (self),
                                                                     shoal_torrent_get_info_hash_hex (torrent), &error);

  if (resume == NULL)
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_debug ("No usable resume data for %s: %s", shoal_torrent_get_info_hash_hex (torrent), error->message);
      return;
    }
  _shoal_torrent_apply_resume (torrent, resume);
  _shoal_torrent_apply_add_flags_after_resume (torrent, flags);
}

/* The metainfo saved for @hash under the state directory, if it is there
 * and really is that torrent's. */
static ShoalMetainfo *
load_saved_metainfo (ShoalSession *self,
                     const guint8 *hash)
{
  g_autofree char *hex = shoal_hex_encode (hash, 20);
  g_autoptr(ShoalMetainfo) info = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *v1;

  info = shoal_state_store_load_metainfo (get_store (self), hex, &error);
  if (info == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_debug ("Ignoring saved metainfo %s: %s", hex, error->message);
      return NULL;
    }
  v1 = shoal_metainfo_get_info_hash_v1 (info);
  if (v1 == NULL || memcmp (v1, hash, 20) != 0)
    return NULL;
  return g_steal_pointer (&info);
}

/**
 * shoal_session_add_torrent:
 * @self: a started session
 * @info: the torrent's metainfo
 * @save_dir: (nullable): where to put the data; %NULL for the download dir
 * @flags: how to add it
 * @error: return location for a #SHOAL_SESSION_ERROR
 *
 * Adds a torrent, saving its metainfo under the state directory so it comes
 * back in the next run. Data already in @save_dir is checked first (with
 * %SHOAL_ADD_FLAGS_RESUME, only as far as the saved state does not vouch
 * for it).
 *
 * Returns: (transfer none): the torrent, or %NULL with @error set
 */
ShoalTorrent *
shoal_session_add_torrent (ShoalSession   *self,
                           ShoalMetainfo  *info,
                           const char     *save_dir,
                           ShoalAddFlags   flags,
                           GError        **error)
{
  const guint8 *hash;
  g_autoptr(ShoalTorrent) torrent = NULL;
  g_autofree char *dir = NULL;

  g_return_val_if_fail (SHOAL_IS_SESSION (self), NULL);
  g_return_val_if_fail (SHOAL_IS_METAINFO (info), NULL);

  if (shoal_metainfo_get_version (info) == SHOAL_TORRENT_VERSION_V2)
    {
      g_set_error (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_UNSUPPORTED,
                   "“%s” is a BitTorrent v2-only torrent, which Shoal cannot download yet",
                   shoal_metainfo_get_name (info));
      return NULL;
    }
  hash = shoal_metainfo_get_info_hash_v1 (info);
  if (!check_not_added (self, hash, shoal_metainfo_get_name (info), error))
    return NULL;

  dir = g_canonicalize_filename (save_dir ? save_dir : self->download_dir, NULL);
  torrent = _shoal_torrent_new (&self->torrent_services, info, dir, flags);
  if ((flags & SHOAL_ADD_FLAGS_RESUME) && !(flags & SHOAL_ADD_FLAGS_SEED_MODE))
    resume_saved_state (self, torrent, flags);
  if (!(flags & SHOAL_ADD_FLAGS_NO_SAVE) &&
      !shoal_state_store_save_metainfo (get_store (self), shoal_torrent_get_info_hash_hex (torrent), shoal_metainfo_get_bytes (info), error))
    return NULL;
  return finish_add (self, torrent);
}

/* A magnet link whose metadata was saved before: added as the torrent,
 * with the link's trackers and peers. The link's file selection is the
 * caller's to apply (shoal_magnet_is_file_selected()). */
static ShoalTorrent *
add_magnet_with_metainfo (ShoalSession   *self,
                          ShoalMagnet    *magnet,
                          ShoalMetainfo  *info,
                          const char     *save_dir,
                          ShoalAddFlags   flags,
                          GError        **error)
{
  const char * const *trackers = shoal_magnet_get_trackers (magnet);
  const char * const *peers = shoal_magnet_get_peers (magnet);
  ShoalTorrent *torrent;

  torrent = shoal_session_add_torrent (self, info, save_dir, flags & ~SHOAL_ADD_FLAGS_PAUSE_AFTER_METADATA, error);
  if (torrent == NULL)
    return NULL;
  for (guint i = 0; trackers != NULL && trackers[i] != NULL; i++)
    shoal_torrent_add_tracker (torrent, trackers[i], i, NULL);
  for (guint i = 0; peers != NULL && peers[i] != NULL; i++)
    shoal_torrent_add_peer (torrent, peers[i], NULL);
  return torrent;
}

/**
 * shoal_session_add_magnet:
 * @self: a started session
 * @magnet: a parsed magnet link
 * @save_dir: (nullable): where to put the data; %NULL for the download dir
 * @flags: how to add it
 * @error: return location for a #SHOAL_SESSION_ERROR
 *
 * Adds a torrent known by its magnet link. It fetches the metadata from the
 * peers it finds, then downloads like any other.
 *
 * Returns: (transfer none): the torrent, or %NULL with @error set
 */
ShoalTorrent *
shoal_session_add_magnet (ShoalSession   *self,
                          ShoalMagnet    *magnet,
                          const char     *save_dir,
                          ShoalAddFlags   flags,
                          GError        **error)
{
  const guint8 *hash;
  g_autoptr(ShoalTorrent) torrent = NULL;
  g_autofree char *dir = NULL;

  g_return_val_if_fail (SHOAL_IS_SESSION (self), NULL);
  g_return_val_if_fail (SHOAL_IS_MAGNET (magnet), NULL);

  hash = shoal_magnet_get_info_hash_v1 (magnet);
  if (hash == NULL)
    {
      g_set_error (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_UNSUPPORTED,
                   "This magnet link names a BitTorrent v2-only torrent, which Shoal cannot download yet");
      return NULL;
    }
  if (!check_not_added (self, hash, shoal_magnet_get_display_name (magnet), error))
    return NULL;

  if (flags & SHOAL_ADD_FLAGS_RESUME)
    {
      g_autoptr(ShoalMetainfo) saved = load_saved_metainfo (self, hash);

      /* Its metadata came in an earlier run: no need to fetch it again. */
      if (saved != NULL)
        return add_magnet_with_metainfo (self, magnet, saved, save_dir, flags, error);
    }

  dir = g_canonicalize_filename (save_dir ? save_dir : self->download_dir, NULL);
  torrent = _shoal_torrent_new_magnet (&self->torrent_services, magnet, dir, flags);
  if (!(flags & SHOAL_ADD_FLAGS_NO_SAVE) &&
      !shoal_state_store_save_magnet (get_store (self), shoal_torrent_get_info_hash_hex (torrent), magnet, dir, error))
    return NULL;
  return finish_add (self, torrent);
}

/**
 * shoal_session_add_torrent_file:
 * @self: a started session
 * @file: a .torrent file
 * @save_dir: (nullable): where to put the data
 * @flags: how to add it
 * @error: return location for an error
 *
 * Returns: (transfer none): the torrent, or %NULL with @error set
 */
ShoalTorrent *
shoal_session_add_torrent_file (ShoalSession   *self,
                                GFile          *file,
                                const char     *save_dir,
                                ShoalAddFlags   flags,
                                GError        **error)
{
  g_autoptr(ShoalMetainfo) info = shoal_metainfo_new_from_file (file, NULL, error);

  if (info == NULL)
    return NULL;
  return shoal_session_add_torrent (self, info, save_dir, flags, error);
}

static void
delete_files_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ShoalSession *self = g_task_get_source_object (task);
  GError *error = NULL;

  g_assert (self->n_deleting > 0);
  self->n_deleting--;
  if (shoal_storage_delete_files_finish (SHOAL_STORAGE (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
  check_close_tasks (self);
}

/**
 * shoal_session_remove_torrent_async:
 * @self: a session
 * @torrent: one of its torrents
 * @delete_data: also delete the downloaded files
 * @cancellable: (nullable): a #GCancellable
 * @callback: (nullable): called once the data is deleted
 * @user_data: for @callback
 *
 * Stops @torrent, forgets its saved state and removes it from the list
 * before this returns. With @delete_data, its files are gone from their
 * names before this returns too (the same torrent may be added again into
 * the same place at once), and the space they held is given back by a
 * worker thread; @callback tells whether that went well.
 * shoal_session_close_async() waits for such deletions to finish.
 */
void
shoal_session_remove_torrent_async (ShoalSession        *self,
                                    ShoalTorrent        *torrent,
                                    gboolean             delete_data,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(ShoalTorrent) hold = NULL;
  guint pos;

  g_return_if_fail (SHOAL_IS_SESSION (self));
  g_return_if_fail (SHOAL_IS_TORRENT (torrent));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_session_remove_torrent_async);
  if (!g_list_store_find (self->torrents, torrent, &pos))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  hold = g_object_ref (torrent);
  shoal_torrent_pause (torrent);
  _shoal_torrent_close (torrent);
  _shoal_torrent_remove_state (torrent);
  g_list_store_remove (self->torrents, pos);
  /* A magnet link still fetching its metadata has no storage, no data. */
  if (delete_data && _shoal_torrent_get_storage (torrent) != NULL)
    {
      g_autofree char *journal = shoal_state_store_dup_deletion_journal (get_store (self));

      /* What is being deleted is recorded until it is done: a session
       * killed meanwhile finishes it at its next start. */
      self->n_deleting++;
      shoal_storage_delete_files_async (_shoal_torrent_get_storage (torrent), journal, cancellable, delete_files_cb,
                                        g_steal_pointer (&task));
    }
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * shoal_session_remove_torrent_finish:
 * @self: a session
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the torrent's data, when it was to be deleted, is all
 *   gone
 */
gboolean
shoal_session_remove_torrent_finish (ShoalSession  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
remove_torrent_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!shoal_session_remove_torrent_finish (SHOAL_SESSION (source), result, &error))
    g_warning ("Could not delete the data of a removed torrent: %s", error->message);
}

/**
 * shoal_session_remove_torrent:
 * @self: a session
 * @torrent: one of its torrents
 * @delete_data: also delete the downloaded files
 *
 * Like shoal_session_remove_torrent_async(), for a caller that has nobody
 * to tell when deleting the data fails: a warning is logged.
 */
void
shoal_session_remove_torrent (ShoalSession *self,
                              ShoalTorrent *torrent,
                              gboolean      delete_data)
{
  shoal_session_remove_torrent_async (self, torrent, delete_data, NULL, remove_torrent_cb, NULL);
}

/* Engine internals */

/* What torrents may ask of their session (shoal-torrent-services.h). */

static SoupSession *
services_get_soup (gpointer owner)
{
  return SHOAL_SESSION (owner)->soup;
}

static ShoalDiskPool *
services_get_disk_pool (gpointer owner)
{
  return SHOAL_SESSION (owner)->disk_pool;
}

static ShoalRateLimit *
services_get_down_limit (gpointer owner)
{
  return &SHOAL_SESSION (owner)->down_limit;
}

static ShoalRateLimit *
services_get_up_limit (gpointer owner)
{
  return &SHOAL_SESSION (owner)->up_limit;
}

guint
_shoal_session_get_n_connections (ShoalSession *self)
{
  guint n = self->incoming->len;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      n += _shoal_torrent_get_n_connections (t);
    }
  return n;
}

ShoalPeerLimits *
_shoal_session_get_peer_limits (ShoalSession *self)
{
  return self->peer_limits;
}

/* Whether the per-IP connection limits apply to @address: not to loopback,
 * where tests run many peers, unless a test asks. */
gboolean
_shoal_session_limits_per_ip (ShoalSession *self,
                              GInetAddress *address)
{
  return self->limit_loopback || !g_inet_address_get_is_loopback (address);
}

void
_shoal_session_set_peer_limits_for_testing (ShoalSession *self,
                                            guint64       max_output,
                                            guint64       max_total_output,
                                            guint         stall_timeout_s,
                                            guint         handshake_timeout_s,
                                            gboolean      limit_loopback)
{
  if (max_output > 0)
    self->peer_limits->max_output = max_output;
  if (max_total_output > 0)
    self->peer_limits->max_total_output = max_total_output;
  if (stall_timeout_s > 0)
    self->peer_limits->stall_timeout_us = (gint64) stall_timeout_s * G_USEC_PER_SEC;
  if (handshake_timeout_s > 0)
    self->peer_limits->handshake_timeout_us = (gint64) handshake_timeout_s * G_USEC_PER_SEC;
  self->limit_loopback = limit_loopback;
}

guint64
_shoal_session_get_queued_output (ShoalSession *self)
{
  return self->peer_limits->queued;
}

guint
_shoal_session_get_n_half_open (ShoalSession *self)
{
  return self->incoming->len;
}

static guint
services_get_max_connections (gpointer owner)
{
  return SHOAL_SESSION (owner)->max_connections;
}

/* The address we listen on when it is a specific one (not "any"), or NULL. */
static GInetAddress *
services_dup_bound_address (gpointer owner)
{
  ShoalSession *self = owner;
  GInetAddress *ip = self->listen_address != NULL ? g_inet_address_new_from_string (self->listen_address) : NULL;

  if (ip != NULL && g_inet_address_get_is_any (ip))
    g_clear_object (&ip);
  return ip;
}

static guint
services_get_max_per_torrent (gpointer owner)
{
  return SHOAL_SESSION (owner)->max_per_torrent;
}

static guint
services_get_udp_base_timeout_ms (gpointer owner)
{
  return SHOAL_SESSION (owner)->udp_timeout_ms;
}

static ShoalAnnouncerGroup *
services_get_announcer_group (gpointer owner)
{
  return SHOAL_SESSION (owner)->announcers;
}

void
_shoal_session_set_test_hooks (ShoalSession                *self,
                               const ShoalSessionTestHooks *hooks)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  g_return_if_fail (!self->started);
  g_return_if_fail (hooks != NULL);

  g_free ((char *) self->test_hooks.dht_bootstrap);
  self->test_hooks = *hooks;
  self->test_hooks.dht_bootstrap = g_strdup (hooks->dht_bootstrap);
  self->udp_timeout_ms = hooks->udp_tracker_timeout_ms > 0 ? CLAMP (hooks->udp_tracker_timeout_ms, 50, 60000) : 15000;
}

const ShoalSessionTestHooks *
_shoal_session_get_test_hooks (ShoalSession *self)
{
  return &self->test_hooks;
}

static ShoalStateStore *
services_get_state_store (gpointer owner)
{
  return get_store (owner);
}

static const ShoalSessionTestHooks *
services_get_test_hooks (gpointer owner)
{
  return _shoal_session_get_test_hooks (owner);
}

static void
services_torrent_completed (gpointer      owner,
                            ShoalTorrent *torrent)
{
  g_signal_emit (owner, signals[SIGNAL_TORRENT_COMPLETED], 0, torrent);
}

static ShoalPeerLimits *
services_get_peer_limits (gpointer owner)
{
  return SHOAL_SESSION (owner)->peer_limits;
}

static ShoalDht *
services_get_dht (gpointer owner)
{
  return SHOAL_SESSION (owner)->dht;
}

static const guint8 *
services_get_peer_id (gpointer owner)
{
  return SHOAL_SESSION (owner)->peer_id;
}

static guint16
services_get_listen_port (gpointer owner)
{
  return shoal_session_get_listen_port (owner);
}

static ShoalEncryptionPolicy
services_get_encryption_policy (gpointer owner)
{
  return SHOAL_SESSION (owner)->encryption;
}

static gboolean
services_get_pex_enabled (gpointer owner)
{
  return SHOAL_SESSION (owner)->pex_enabled;
}

static guint
services_get_n_connections (gpointer owner)
{
  return _shoal_session_get_n_connections (owner);
}

static gboolean
services_limits_per_ip (gpointer      owner,
                        GInetAddress *address)
{
  return _shoal_session_limits_per_ip (owner, address);
}

static void
init_torrent_services (ShoalSession *self)
{
  self->torrent_services = (ShoalTorrentServices) {
    .owner = self,
    .get_soup = services_get_soup,
    .get_disk_pool = services_get_disk_pool,
    .get_down_limit = services_get_down_limit,
    .get_up_limit = services_get_up_limit,
    .get_peer_limits = services_get_peer_limits,
    .get_dht = services_get_dht,
    .get_peer_id = services_get_peer_id,
    .get_listen_port = services_get_listen_port,
    .dup_bound_address = services_dup_bound_address,
    .get_encryption_policy = services_get_encryption_policy,
    .get_pex_enabled = services_get_pex_enabled,
    .get_max_per_torrent = services_get_max_per_torrent,
    .get_udp_base_timeout_ms = services_get_udp_base_timeout_ms,
    .get_n_connections = services_get_n_connections,
    .get_max_connections = services_get_max_connections,
    .limits_per_ip = services_limits_per_ip,
    .torrent_completed = services_torrent_completed,
    .get_announcer_group = services_get_announcer_group,
    .get_state_store = services_get_state_store,
    .get_test_hooks = services_get_test_hooks,
  };
}
