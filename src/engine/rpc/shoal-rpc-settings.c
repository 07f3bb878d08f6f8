/* shoal-rpc-settings.c: the session's settings as session-set changes them,
 * to and from a key file a front end keeps
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Group [session] of the front end's key file, with session-set's names.
 * Only the front end knows where the file lives.
 */

#include "config.h"

#include <string.h>

#include "shoal-rpc-private.h"

#define GROUP "session"

static gboolean
get_bool (GKeyFile   *file,
          const char *key,
          gboolean   *out)
{
  g_autoptr(GError) error = NULL;
  gboolean v = g_key_file_get_boolean (file, GROUP, key, &error);

  if (error != NULL)
    {
      if (!g_error_matches (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND) &&
          !g_error_matches (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND))
        g_message ("settings: [%s] %s: %s", GROUP, key, error->message);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

static gboolean
get_int (GKeyFile   *file,
         const char *key,
         gint64      min,
         gint64      max,
         gint64     *out)
{
  g_autoptr(GError) error = NULL;
  gint64 v = g_key_file_get_int64 (file, GROUP, key, &error);

  if (error != NULL)
    {
      if (!g_error_matches (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND) &&
          !g_error_matches (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND))
        g_message ("settings: [%s] %s: %s", GROUP, key, error->message);
      return FALSE;
    }
  if (v < min || v > max)
    {
      g_message ("settings: [%s] %s: %" G_GINT64_FORMAT " is out of range", GROUP, key, v);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

/**
 * shoal_rpc_server_load_settings:
 * @self: a server
 * @settings: a key file
 *
 * @error: return location for the network interface or proxy that
 *   cannot be used
 *
 * Applies the settings saved by shoal_rpc_server_save_settings() to the
 * server and its session (call before shoal_session_start()). Missing or
 * unusable keys keep their current values (an unusable one is logged),
 * but for the network interface and the proxy: the user chose them so
 * that nothing goes another way, so one that cannot be used is an error
 * and the session must not start.
 *
 * Returns: %FALSE if the saved interface or proxy cannot be used
 */
gboolean
shoal_rpc_server_load_settings (ShoalRpcServer  *self,
                                GKeyFile        *settings,
                                GError         **error)
{
  ShoalSession *session;
  g_autofree char *dir = NULL;
  g_autofree char *encryption = NULL;
  gboolean b;
  gint64 v;
  double ratio;
  guint global = 0, per_torrent = 0;

  g_return_val_if_fail (SHOAL_IS_RPC_SERVER (self), FALSE);
  g_return_val_if_fail (settings != NULL, FALSE);
  session = self->session;

  {
    g_autofree char *iface = g_key_file_get_string (settings, GROUP, "shoal-interface", NULL);
    g_autofree char *proxy = g_key_file_get_string (settings, GROUP, "shoal-proxy", NULL);

    if (iface != NULL && *iface != '\0' && !shoal_session_set_interface (session, iface, error))
      {
        g_prefix_error (error, "The saved shoal-interface: ");
        return FALSE;
      }
    if (proxy != NULL && *proxy != '\0' && !shoal_session_set_proxy (session, proxy, error))
      {
        g_prefix_error (error, "The saved shoal-proxy: ");
        return FALSE;
      }
  }

  dir = g_key_file_get_string (settings, GROUP, "download-dir", NULL);
  if (dir != NULL && g_path_is_absolute (dir))
    shoal_session_set_download_dir (session, dir);
  encryption = g_key_file_get_string (settings, GROUP, "encryption", NULL);
  if (g_strcmp0 (encryption, "required") == 0)
    shoal_session_set_encryption_policy (session, SHOAL_ENCRYPTION_REQUIRE);
  else if (g_strcmp0 (encryption, "tolerated") == 0)
    shoal_session_set_encryption_policy (session, SHOAL_ENCRYPTION_ALLOW_PLAINTEXT);
  else if (g_strcmp0 (encryption, "preferred") == 0)
    shoal_session_set_encryption_policy (session, SHOAL_ENCRYPTION_PREFER);
  if (get_int (settings, "peer-port", 1, 65535, &v))
    shoal_session_set_listen_port (session, (guint16) v);
  if (get_bool (settings, "dht-enabled", &b))
    shoal_session_set_dht_enabled (session, b);
  if (get_bool (settings, "pex-enabled", &b))
    shoal_session_set_pex_enabled (session, b);
  if (get_bool (settings, "lpd-enabled", &b))
    shoal_session_set_lsd_enabled (session, b);
  if (get_bool (settings, "port-forwarding-enabled", &b))
    shoal_session_set_port_mapping_enabled (session, b);
  {
    g_autofree char *url = g_key_file_get_string (settings, GROUP, "blocklist-url", NULL);

    if (url != NULL && (g_str_has_prefix (url, "http://") || g_str_has_prefix (url, "https://")))
      {
        g_free (self->blocklist_url);
        self->blocklist_url = g_strdup (url);
        if (get_bool (settings, "blocklist-enabled", &b) && b)
          shoal_session_set_blocklist (session, url);
      }
  }
  g_object_get (session, "max-connections", &global, "max-connections-per-torrent", &per_torrent, NULL);
  if (get_int (settings, "peer-limit-global", 1, 65535, &v))
    global = (guint) v;
  if (get_int (settings, "peer-limit-per-torrent", 1, 65535, &v))
    per_torrent = (guint) v;
  shoal_session_set_max_connections (session, global, per_torrent);

  if (get_int (settings, "speed-limit-down", 0, G_MAXINT32, &v))
    self->speed_down_k = (guint64) v;
  if (get_int (settings, "speed-limit-up", 0, G_MAXINT32, &v))
    self->speed_up_k = (guint64) v;
  get_bool (settings, "speed-limit-down-enabled", &self->speed_down_enabled);
  get_bool (settings, "speed-limit-up-enabled", &self->speed_up_enabled);
  get_bool (settings, "seedRatioLimited", &self->seed_ratio_limited);
  {
    g_autoptr(GError) missing = NULL;
    ratio = g_key_file_get_double (settings, GROUP, "seedRatioLimit", &missing);
    if (missing == NULL && ratio >= 0 && ratio <= 1e6)
      self->seed_ratio_limit = ratio;
  }
  if (get_int (settings, "idle-seeding-limit", 1, 60 * 24 * 365, &v))
    self->idle_seeding_limit = (int) v;
  get_bool (settings, "idle-seeding-limit-enabled", &self->idle_seeding_limit_enabled);
  _shoal_rpc_apply_session_limits (self);

  /* the queue, the alternative speeds and the incomplete folder live in
   * the session; the sizes kept while one is off, in the server */
  if (get_int (settings, "download-queue-size", 1, 10000, &v))
    self->download_queue_size = (guint) v;
  if (get_int (settings, "seed-queue-size", 1, 10000, &v))
    self->seed_queue_size = (guint) v;
  if (get_int (settings, "queue-stalled-minutes", 1, 60 * 24 * 365, &v))
    self->stalled_minutes = (guint) v;
  if (get_bool (settings, "download-queue-enabled", &b))
    g_object_set (session, "max-active-downloads", b ? self->download_queue_size : 0, NULL);
  if (get_bool (settings, "seed-queue-enabled", &b))
    g_object_set (session, "max-active-seeds", b ? self->seed_queue_size : 0, NULL);
  if (get_bool (settings, "queue-stalled-enabled", &b))
    g_object_set (session, "stalled-seconds", b ? self->stalled_minutes * 60 : 0, NULL);
  if (get_int (settings, "alt-speed-down", 1, G_MAXINT32, &v))
    g_object_set (session, "alt-download-limit", (guint64) v * SHOAL_RPC_SPEED_K, NULL);
  if (get_int (settings, "alt-speed-up", 1, G_MAXINT32, &v))
    g_object_set (session, "alt-upload-limit", (guint64) v * SHOAL_RPC_SPEED_K, NULL);
  if (get_int (settings, "alt-speed-time-begin", 0, 24 * 60 - 1, &v))
    g_object_set (session, "alt-begin-minute", (guint) v, NULL);
  if (get_int (settings, "alt-speed-time-end", 0, 24 * 60 - 1, &v))
    g_object_set (session, "alt-end-minute", (guint) v, NULL);
  if (get_int (settings, "alt-speed-time-day", 0, 127, &v))
    g_object_set (session, "alt-days", ((guint) (v >> 1) & 0x3f) | (((guint) v & 1) << 6), NULL);
  if (get_bool (settings, "alt-speed-time-enabled", &b))
    g_object_set (session, "alt-schedule-enabled", b, NULL);
  if (get_bool (settings, "alt-speed-enabled", &b))
    g_object_set (session, "alt-speed-enabled", b, NULL);
  {
    g_autofree char *incomplete = g_key_file_get_string (settings, GROUP, "incomplete-dir", NULL);

    if (incomplete != NULL && g_path_is_absolute (incomplete))
      {
        g_free (self->incomplete_dir);
        self->incomplete_dir = g_steal_pointer (&incomplete);
      }
    if (get_bool (settings, "incomplete-dir-enabled", &b))
      g_object_set (session, "incomplete-dir", b ? self->incomplete_dir : NULL, NULL);
  }
  return TRUE;
}

/**
 * shoal_rpc_server_save_settings:
 * @self: a server
 * @settings: a key file to write group [session] of
 *
 * Writes what session-set can change, for shoal_rpc_server_load_settings().
 */
void
shoal_rpc_server_save_settings (ShoalRpcServer *self,
                                GKeyFile       *settings)
{
  ShoalSession *session;
  guint global = 0, per_torrent = 0;
  const char *dir;
  const char *encryption;

  g_return_if_fail (SHOAL_IS_RPC_SERVER (self));
  g_return_if_fail (settings != NULL);
  session = self->session;

  dir = shoal_session_get_download_dir (session);
  if (dir != NULL)
    g_key_file_set_string (settings, GROUP, "download-dir", dir);
  switch (shoal_session_get_encryption_policy (session))
    {
    case SHOAL_ENCRYPTION_REQUIRE:
      encryption = "required";
      break;
    case SHOAL_ENCRYPTION_ALLOW_PLAINTEXT:
      encryption = "tolerated";
      break;
    case SHOAL_ENCRYPTION_PREFER:
    default:
      encryption = "preferred";
      break;
    }
  g_key_file_set_string (settings, GROUP, "encryption", encryption);
  if (shoal_session_get_listen_port (session) > 0)
    g_key_file_set_int64 (settings, GROUP, "peer-port", shoal_session_get_listen_port (session));
  g_key_file_set_boolean (settings, GROUP, "dht-enabled", shoal_session_get_dht_enabled (session));
  g_key_file_set_boolean (settings, GROUP, "pex-enabled", shoal_session_get_pex_enabled (session));
  g_key_file_set_boolean (settings, GROUP, "lpd-enabled", shoal_session_get_lsd_enabled (session));
  /* The file is readable by its owner only: a proxy's password may be in it. */
  if (shoal_session_get_interface (session) != NULL)
    g_key_file_set_string (settings, GROUP, "shoal-interface", shoal_session_get_interface (session));
  else
    g_key_file_remove_key (settings, GROUP, "shoal-interface", NULL);
  if (shoal_session_get_proxy (session) != NULL)
    g_key_file_set_string (settings, GROUP, "shoal-proxy", shoal_session_get_proxy (session));
  else
    g_key_file_remove_key (settings, GROUP, "shoal-proxy", NULL);
  g_key_file_set_boolean (settings, GROUP, "port-forwarding-enabled",
                          shoal_session_get_port_mapping_enabled (session));
  if (shoal_session_get_blocklist (session) != NULL || self->blocklist_url != NULL)
    g_key_file_set_string (settings, GROUP, "blocklist-url", shoal_session_get_blocklist (session) != NULL
                           ? shoal_session_get_blocklist (session) : self->blocklist_url);
  g_key_file_set_boolean (settings, GROUP, "blocklist-enabled", shoal_session_get_blocklist (session) != NULL);
  g_object_get (session, "max-connections", &global, "max-connections-per-torrent", &per_torrent, NULL);
  g_key_file_set_int64 (settings, GROUP, "peer-limit-global", global);
  g_key_file_set_int64 (settings, GROUP, "peer-limit-per-torrent", per_torrent);
  g_key_file_set_int64 (settings, GROUP, "speed-limit-down", (gint64) self->speed_down_k);
  g_key_file_set_boolean (settings, GROUP, "speed-limit-down-enabled", self->speed_down_enabled);
  g_key_file_set_int64 (settings, GROUP, "speed-limit-up", (gint64) self->speed_up_k);
  g_key_file_set_boolean (settings, GROUP, "speed-limit-up-enabled", self->speed_up_enabled);
  g_key_file_set_double (settings, GROUP, "seedRatioLimit", self->seed_ratio_limit);
  g_key_file_set_boolean (settings, GROUP, "seedRatioLimited", self->seed_ratio_limited);
  g_key_file_set_int64 (settings, GROUP, "idle-seeding-limit", self->idle_seeding_limit);
  g_key_file_set_boolean (settings, GROUP, "idle-seeding-limit-enabled", self->idle_seeding_limit_enabled);

  {
    guint downloads = 0, seeds = 0, stalled = 0, days = 0, begin = 0, end = 0;
    guint64 alt_down = 0, alt_up = 0;
    gboolean alt_on = FALSE, alt_scheduled = FALSE;
    g_autofree char *incomplete = NULL;

    g_object_get (session, "max-active-downloads", &downloads, "max-active-seeds", &seeds,
                  "stalled-seconds", &stalled, "alt-download-limit", &alt_down, "alt-upload-limit", &alt_up,
                  "alt-speed-enabled", &alt_on, "alt-schedule-enabled", &alt_scheduled, "alt-days", &days,
                  "alt-begin-minute", &begin, "alt-end-minute", &end, "incomplete-dir", &incomplete, NULL);
    g_key_file_set_int64 (settings, GROUP, "download-queue-size", downloads > 0 ? downloads : self->download_queue_size);
    g_key_file_set_boolean (settings, GROUP, "download-queue-enabled", downloads > 0);
    g_key_file_set_int64 (settings, GROUP, "seed-queue-size", seeds > 0 ? seeds : self->seed_queue_size);
    g_key_file_set_boolean (settings, GROUP, "seed-queue-enabled", seeds > 0);
    g_key_file_set_int64 (settings, GROUP, "queue-stalled-minutes",
                          stalled > 0 ? MAX (stalled / 60, 1) : self->stalled_minutes);
    g_key_file_set_boolean (settings, GROUP, "queue-stalled-enabled", stalled > 0);
    if (alt_down >= SHOAL_RPC_SPEED_K)
      g_key_file_set_int64 (settings, GROUP, "alt-speed-down", (gint64) (alt_down / SHOAL_RPC_SPEED_K));
    if (alt_up >= SHOAL_RPC_SPEED_K)
      g_key_file_set_int64 (settings, GROUP, "alt-speed-up", (gint64) (alt_up / SHOAL_RPC_SPEED_K));
    g_key_file_set_boolean (settings, GROUP, "alt-speed-enabled", alt_on);
    g_key_file_set_boolean (settings, GROUP, "alt-speed-time-enabled", alt_scheduled);
    g_key_file_set_int64 (settings, GROUP, "alt-speed-time-begin", begin);
    g_key_file_set_int64 (settings, GROUP, "alt-speed-time-end", end);
    g_key_file_set_int64 (settings, GROUP, "alt-speed-time-day", ((days << 1) & 0x7e) | ((days >> 6) & 1));
    if (incomplete != NULL || self->incomplete_dir != NULL)
      g_key_file_set_string (settings, GROUP, "incomplete-dir", incomplete != NULL ? incomplete : self->incomplete_dir);
    g_key_file_set_boolean (settings, GROUP, "incomplete-dir-enabled", incomplete != NULL);
  }
}
