/* test-rpc-client.c: ShoalRpcClient against ShoalRpcServer, and against a
 * real Transmission daemon
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built like a front end (only <shoal-engine.h>). The server runs in this
 * process on 127.0.0.1 with a session of its own; transmission-daemon
 * (Debian's, when installed) runs with its RPC on 127.0.0.1 and no peers.
 */
#include <glib/gstdio.h>
#include <shoal-engine.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

typedef struct
{
  char           *dir;
  ShoalSession   *session;
  ShoalRpcServer *server;
  ShoalRpcClient *client;
  GMainLoop      *loop;
  GAsyncResult   *result;
} Fixture;

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Fixture *f = user_data;
  f->result = g_object_ref (result);
  g_main_loop_quit (f->loop);
}

static gboolean
timeout_cb (gpointer user_data)
{
  g_error ("timed out");
  return G_SOURCE_REMOVE;
}

/* Runs the loop until result_cb() (at most 30 s). */
static GAsyncResult *
wait_result (Fixture *f)
{
  guint id = g_timeout_add_seconds (30, timeout_cb, NULL);
  g_main_loop_run (f->loop);
  g_source_remove (id);
  return f->result;
}

static GVariant *
call (Fixture     *f,
      const char  *method,
      GVariant    *arguments,
      GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  shoal_rpc_client_call_async (f->client, method, arguments, NULL, result_cb, f);
  result = wait_result (f);
  f->result = NULL;
  return shoal_rpc_client_call_finish (f->client, result, error);
}

static void
refresh (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  shoal_rpc_client_refresh_async (f->client, NULL, result_cb, f);
  result = wait_result (f);
  f->result = NULL;
  g_assert_true (shoal_rpc_client_refresh_finish (f->client, result, &error));
  g_assert_no_error (error);
}

/* A one-file v1 torrent, bencoded by hand (the hash of its piece does not
 * matter: nothing is downloaded). */
static GBytes *
tiny_torrent (const char *name)
{
  GString *s = g_string_new ("d4:infod6:lengthi5e4:name");
  g_string_append_printf (s, "%zu:%s12:piece lengthi16384e6:pieces20:", strlen (name), name);
  g_string_append (s, "01234567890123456789ee");
  return g_string_free_to_bytes (s);
}

static void
server_setup (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  const char *password = data;

  f->dir = g_dir_make_tmp ("shoal-test-rpc-client-XXXXXX", &error);
  g_assert_no_error (error);
  f->loop = g_main_loop_new (NULL, FALSE);
  f->session = shoal_session_new (f->dir);
  shoal_session_set_listen_address (f->session, "127.0.0.1");
  shoal_session_set_listen_port (f->session, 0);
  shoal_session_set_dht_enabled (f->session, FALSE);
  shoal_session_set_lsd_enabled (f->session, FALSE);
  shoal_session_set_download_dir (f->session, f->dir);
  g_assert_true (shoal_session_start (f->session, &error));
  f->server = shoal_rpc_server_new (f->session);
  shoal_rpc_server_set_credentials (f->server, "me", "right");
  g_assert_true (shoal_rpc_server_listen (f->server, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  url = g_strdup_printf ("127.0.0.1:%u", shoal_rpc_server_get_port (f->server));
  f->client = shoal_rpc_client_new (url, "me", password, &error);
  g_assert_no_error (error);
}

static void
server_teardown (Fixture       *f,
                 gconstpointer  data)
{
  g_clear_object (&f->client);
  shoal_rpc_server_stop (f->server);
  g_clear_object (&f->server);
  shoal_session_close (f->session);
  g_clear_object (&f->session);
  g_main_loop_unref (f->loop);
  {
    const char *argv[] = { "rm", "-rf", f->dir, NULL };
    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  }
  g_free (f->dir);
}

/* Refreshes until @t is in @state, at most 100 times over 10 s: a torrent
 * that was started may still be checking its data when it is paused. */
static void
wait_state (Fixture            *f,
            ShoalRemoteTorrent *t,
            ShoalTorrentState   state)
{
  for (int i = 0; i < 100 && shoal_remote_torrent_get_state (t) != state; i++)
    {
      g_usleep (100 * 1000);
      refresh (f);
    }
  g_assert_cmpint (shoal_remote_torrent_get_state (t), ==, state);
}

static int
find_remote (GListModel *model,
             const char *name)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ShoalRemoteTorrent) t = g_list_model_get_item (model, i);
      if (g_strcmp0 (shoal_remote_torrent_get_name (t), name) == 0)
        return (int) i;
    }
  return -1;
}

static ShoalRemoteTorrent *
remote_at (GListModel *model,
           int         i)
{
  g_assert_cmpint (i, >=, 0);
  return g_list_model_get_item (model, (guint) i);
}

/* Add, list, start, stop, remove: what the app's remote view does. */
static void
test_drive (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = tiny_torrent ("drive.bin");
  g_autofree char *b64 = g_base64_encode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autoptr(GVariant) answer = NULL;
  g_autoptr(ShoalRemoteTorrent) t = NULL;
  GListModel *model = shoal_rpc_client_get_torrents (f->client);
  GVariantDict dict;
  int id;

  g_assert_true (g_str_has_suffix (shoal_rpc_client_get_url (f->client), "/transmission/rpc"));
  answer = call (f, "torrent-add",
                 g_variant_new_parsed ("{'metainfo': <%s>, 'paused': <true>}", b64), &error);
  g_assert_no_error (error);
  g_variant_dict_init (&dict, answer);
  g_assert_true (g_variant_dict_contains (&dict, "torrent-added"));
  g_variant_dict_clear (&dict);

  refresh (f);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  t = remote_at (model, find_remote (model, "drive.bin"));
  wait_state (f, t, SHOAL_TORRENT_STATE_PAUSED);
  g_assert_cmpuint (shoal_remote_torrent_get_size (t), ==, 5);
  g_assert_cmpstr (shoal_remote_torrent_get_download_dir (t), ==, f->dir);
  g_assert_cmpint (strlen (shoal_remote_torrent_get_hash (t)), ==, 40);
  id = shoal_remote_torrent_get_id (t);

  g_clear_pointer (&answer, g_variant_unref);
  answer = call (f, "torrent-start", g_variant_new_parsed ("{'ids': <[%i]>}", id), &error);
  g_assert_no_error (error);
  refresh (f);
  g_assert_cmpint (shoal_remote_torrent_get_state (t), !=, SHOAL_TORRENT_STATE_PAUSED);
  g_clear_pointer (&answer, g_variant_unref);
  answer = call (f, "torrent-stop", g_variant_new_parsed ("{'ids': <[%i]>}", id), &error);
  g_assert_no_error (error);
  refresh (f);
  wait_state (f, t, SHOAL_TORRENT_STATE_PAUSED);

  g_clear_pointer (&answer, g_variant_unref);
  answer = call (f, "torrent-remove", g_variant_new_parsed ("{'ids': <[%i]>}", id), &error);
  g_assert_no_error (error);
  refresh (f);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);

  /* the server's error result is the error's message */
  g_clear_pointer (&answer, g_variant_unref);
  answer = call (f, "no-such-method", NULL, &error);
  g_assert_error (error, SHOAL_RPC_CLIENT_ERROR, SHOAL_RPC_CLIENT_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "method name not recognized");
}

/* Between full listings only the recently active torrents come: the
 * others stay listed as they were, and a change the client made shows
 * after shoal_rpc_client_invalidate(). */
static void
test_recently_active (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GListModel *model = shoal_rpc_client_get_torrents (f->client);
  g_autoptr(ShoalRemoteTorrent) t = NULL;
  const char * const *labels;

  for (int i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("idle-%d.bin", i);
      g_autoptr(GBytes) bytes = tiny_torrent (name);
      g_autofree char *b64 = g_base64_encode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      g_autoptr(GVariant) answer = call (f, "torrent-add",
                                         g_variant_new_parsed ("{'metainfo': <%s>, 'paused': <true>}", b64),
                                         &error);

      g_assert_no_error (error);
      g_assert_nonnull (answer);
    }
  refresh (f);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);
  t = remote_at (model, find_remote (model, "idle-0.bin"));
  g_assert_true (shoal_rpc_client_find_torrent (f->client, shoal_remote_torrent_get_id (t)) == t);
  g_assert_null (shoal_rpc_client_find_torrent (f->client, 12345));
  g_assert_cmpuint (shoal_remote_torrent_get_download_limit (t), ==, 0);
  g_assert_true (shoal_remote_torrent_get_has_metainfo (t));
  g_assert_nonnull (shoal_remote_torrent_get_magnet (t));
  g_assert_true (g_str_has_prefix (shoal_remote_torrent_get_magnet (t), "magnet:?xt=urn:btih:"));
  g_assert_cmpint (shoal_remote_torrent_get_added_time (t), >, 0);

  /* recently-active listings, a minute after nothing happened or not:
   * no torrent is lost */
  for (int i = 0; i < 3; i++)
    refresh (f);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);

  {
    g_autoptr(GVariant) answer =
      call (f, "torrent-set",
            g_variant_new_parsed ("{'ids': <[%i]>, 'downloadLimit': <50>, 'downloadLimited': <true>, "
                                  "'labels': <['films', 'hd']>}", shoal_remote_torrent_get_id (t)), &error);

    g_assert_no_error (error);
    g_assert_nonnull (answer);
  }
  shoal_rpc_client_invalidate (f->client);
  refresh (f);
  g_assert_cmpuint (shoal_remote_torrent_get_download_limit (t), ==, 50000);
  labels = shoal_remote_torrent_get_labels (t);
  g_assert_nonnull (labels);
  g_assert_cmpstr (labels[0], ==, "films");
  g_assert_cmpstr (labels[1], ==, "hd");
  g_assert_null (labels[2]);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);
}

static GVariant *
unbox (GVariant *v)
{
  while (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *inner = g_variant_get_variant (v);

      g_variant_unref (v);
      v = inner;
    }
  return v;
}

/* One field of torrent @id, as torrent-get answers it, as an int64 (ints)
 * or a double. */
static double
torrent_field (Fixture    *f,
               int         id,
               const char *field)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) answer = call (f, "torrent-get",
                                     g_variant_new_parsed ("{'ids': <[%i]>, 'fields': <[%s]>}", id, field),
                                     &error);
  g_autoptr(GVariant) torrents = NULL;
  g_autoptr(GVariant) first = NULL;
  g_autoptr(GVariant) value = NULL;

  g_assert_no_error (error);
  torrents = unbox (g_variant_lookup_value (answer, "torrents", NULL));
  g_assert_nonnull (torrents);
  g_assert_cmpuint (g_variant_n_children (torrents), ==, 1);
  first = unbox (g_variant_get_child_value (torrents, 0));
  value = unbox (g_variant_lookup_value (first, field, NULL));
  g_assert_nonnull (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
    return g_variant_get_double (value);
  return (double) g_variant_get_int64 (value);
}

static void
rpc_ok (Fixture    *f,
        const char *method,
        GVariant   *arguments)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) answer = call (f, method, arguments, &error);

  g_assert_no_error (error);
  g_assert_nonnull (answer);
}

/* seedRatioMode and seedIdleMode are the engine's modes; seedIdleLimit is
 * its idle limit, not its seeding time limit; session-set changes the
 * session's limits without taking the torrents' own. */
static void
test_seed_modes (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GBytes) bytes = tiny_torrent ("modes.bin");
  g_autofree char *b64 = g_base64_encode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autoptr(ShoalTorrent) t = NULL;
  GListModel *torrents = shoal_session_get_torrents (f->session);
  gint64 session_idle = -1, session_time = -1;
  double session_ratio = -1;
  int id;

  g_object_set (f->session, "seed-ratio-limit", 2.0, NULL);
  rpc_ok (f, "torrent-add", g_variant_new_parsed ("{'metainfo': <%s>, 'paused': <true>}", b64));
  g_assert_cmpuint (g_list_model_get_n_items (torrents), ==, 1);
  t = g_list_model_get_item (torrents, 0);
  refresh (f);
  {
    g_autoptr(ShoalRemoteTorrent) remote = remote_at (shoal_rpc_client_get_torrents (f->client), 0);

    id = shoal_remote_torrent_get_id (remote);
  }

  /* Following the session, then a limit of its own equal to the session's:
   * still its own. */
  g_assert_cmpint (shoal_torrent_get_seed_ratio_mode (t), ==, SHOAL_SEED_LIMIT_MODE_GLOBAL);
  g_assert_cmpfloat (torrent_field (f, id, "seedRatioMode"), ==, 0);
  shoal_torrent_set_seed_ratio_limit (t, 2.0);
  g_assert_cmpint (shoal_torrent_get_seed_ratio_mode (t), ==, SHOAL_SEED_LIMIT_MODE_OWN);
  g_assert_cmpfloat (torrent_field (f, id, "seedRatioMode"), ==, 1);
  g_assert_cmpfloat (torrent_field (f, id, "seedRatioLimit"), ==, 2.0);
  shoal_torrent_set_seed_ratio_limit (t, 0);
  g_assert_cmpint (shoal_torrent_get_seed_ratio_mode (t), ==, SHOAL_SEED_LIMIT_MODE_UNLIMITED);
  g_assert_cmpfloat (torrent_field (f, id, "seedRatioMode"), ==, 2);

  /* The idle limit is not the seeding time limit, which stays. */
  shoal_torrent_set_seed_time_limit (t, 3600);
  rpc_ok (f, "torrent-set", g_variant_new_parsed ("{'ids': <[%i]>, 'seedIdleMode': <1>, 'seedIdleLimit': <15>}", id));
  g_assert_cmpint (shoal_torrent_get_seed_idle_mode (t), ==, SHOAL_SEED_LIMIT_MODE_OWN);
  g_assert_cmpint (shoal_torrent_get_seed_idle_limit (t), ==, 15 * 60);
  g_assert_cmpint (shoal_torrent_get_seed_time_mode (t), ==, SHOAL_SEED_LIMIT_MODE_OWN);
  g_assert_cmpint (shoal_torrent_get_seed_time_limit (t), ==, 3600);
  g_assert_cmpint (shoal_torrent_get_seed_ratio_mode (t), ==, SHOAL_SEED_LIMIT_MODE_UNLIMITED);
  g_assert_cmpfloat (torrent_field (f, id, "seedIdleMode"), ==, 1);
  g_assert_cmpfloat (torrent_field (f, id, "seedIdleLimit"), ==, 15);

  /* Back to the session's ratio: the time limit is still its own. */
  rpc_ok (f, "torrent-set", g_variant_new_parsed ("{'ids': <[%i]>, 'seedRatioMode': <0>}", id));
  g_assert_cmpint (shoal_torrent_get_seed_ratio_mode (t), ==, SHOAL_SEED_LIMIT_MODE_GLOBAL);
  g_assert_cmpfloat (shoal_torrent_get_seed_ratio_limit (t), ==, 2.0);
  g_assert_cmpint (shoal_torrent_get_seed_time_limit (t), ==, 3600);
  g_assert_cmpint (shoal_torrent_get_seed_idle_mode (t), ==, SHOAL_SEED_LIMIT_MODE_OWN);

  /* The session's idle limit, not its time limit; the torrent's own ratio
   * limit survives a session-set. */
  shoal_torrent_set_seed_ratio_limit (t, 1.5);
  rpc_ok (f, "session-set", g_variant_new_parsed ("{'idle-seeding-limit': <20>, 'idle-seeding-limit-enabled': <true>, "
                                                  "'seedRatioLimit': <3.0>, 'seedRatioLimited': <true>}"));
  g_object_get (f->session, "seed-idle-limit", &session_idle, "seed-time-limit", &session_time,
                "seed-ratio-limit", &session_ratio, NULL);
  g_assert_cmpint (session_idle, ==, 20 * 60);
  g_assert_cmpint (session_time, ==, 0);
  g_assert_cmpfloat (session_ratio, ==, 3.0);
  g_assert_cmpint (shoal_torrent_get_seed_ratio_mode (t), ==, SHOAL_SEED_LIMIT_MODE_OWN);
  g_assert_cmpfloat (shoal_torrent_get_seed_ratio_limit (t), ==, 1.5);
  g_assert_cmpint (shoal_torrent_get_seed_idle_limit (t), ==, 15 * 60);
  rpc_ok (f, "torrent-set", g_variant_new_parsed ("{'ids': <[%i]>, 'seedIdleMode': <0>}", id));
  g_assert_cmpint (shoal_torrent_get_seed_idle_mode (t), ==, SHOAL_SEED_LIMIT_MODE_GLOBAL);
  g_assert_cmpint (shoal_torrent_get_seed_idle_limit (t), ==, 20 * 60);
  g_assert_cmpint (shoal_torrent_get_seed_time_limit (t), ==, 3600);
}

static void
test_wrong_password (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) answer = call (f, "session-get", NULL, &error);

  g_assert_null (answer);
  g_assert_error (error, SHOAL_RPC_CLIENT_ERROR, SHOAL_RPC_CLIENT_ERROR_UNAUTHORIZED);
}

static void
test_bad_url (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalRpcClient) client = shoal_rpc_client_new ("ftp://example/", NULL, NULL, &error);

  g_assert_null (client);
  g_assert_error (error, SHOAL_RPC_CLIENT_ERROR, SHOAL_RPC_CLIENT_ERROR_BAD_URL);
  g_clear_error (&error);
  client = shoal_rpc_client_new ("http://", NULL, NULL, &error);
  g_assert_null (client);
  g_assert_error (error, SHOAL_RPC_CLIENT_ERROR, SHOAL_RPC_CLIENT_ERROR_BAD_URL);
}

/* The daemon goes when this test does, even when it aborts. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* The same client against Transmission's own daemon. */
static void
test_transmission_daemon (void)
{
  g_autofree char *daemon = g_find_program_in_path ("transmission-daemon");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *config = NULL, *downloads = NULL, *port = NULL, *peer_port = NULL, *url = NULL;
  g_autoptr(GSocketListener) probe = g_socket_listener_new ();
  g_autoptr(GBytes) bytes = tiny_torrent ("transmission.bin");
  g_autofree char *b64 = g_base64_encode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autoptr(GVariant) answer = NULL;
  g_autoptr(ShoalRemoteTorrent) t = NULL;
  Fixture f = { NULL, };
  GPid pid = 0;
  guint16 rpc_port, peer;
  int i;

  if (daemon == NULL)
    {
      g_test_skip ("transmission-daemon is not installed");
      return;
    }
  rpc_port = g_socket_listener_add_any_inet_port (probe, NULL, &error);
  g_assert_no_error (error);
  peer = g_socket_listener_add_any_inet_port (probe, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (probe);
  dir = g_dir_make_tmp ("shoal-test-rpc-client-tr-XXXXXX", &error);
  g_assert_no_error (error);
  config = g_build_filename (dir, "config", NULL);
  downloads = g_build_filename (dir, "downloads", NULL);
  g_mkdir (downloads, 0700);
  port = g_strdup_printf ("%u", rpc_port);
  peer_port = g_strdup_printf ("%u", peer);
  {
    /* RPC on 127.0.0.1 only, no peers at all (no DHT, LPD, port mapping) */
    const char *argv[] = { daemon, "-f", "-g", config, "-p", port, "-r", "127.0.0.1", "-T",
                           "--no-dht", "--no-lpd", "-w", downloads, "--no-portmap",
                           "-P", peer_port, NULL };
    g_spawn_async (NULL, (char **) argv, NULL,
                   G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL | G_SPAWN_DO_NOT_REAP_CHILD,
                   die_with_parent, NULL, &pid, &error);
    g_assert_no_error (error);
  }
  f.loop = g_main_loop_new (NULL, FALSE);
  url = g_strdup_printf ("http://127.0.0.1:%u/transmission/rpc", rpc_port);
  f.client = shoal_rpc_client_new (url, NULL, NULL, &error);
  g_assert_no_error (error);

  /* until it listens: at most 100 tries, 10 s */
  for (i = 0; i < 100; i++)
    {
      g_clear_error (&error);
      g_clear_pointer (&answer, g_variant_unref);
      answer = call (&f, "session-get", NULL, &error);
      if (answer != NULL)
        break;
      g_usleep (100 * 1000);
    }
  g_assert_no_error (error);

  g_clear_pointer (&answer, g_variant_unref);
  answer = call (&f, "torrent-add", g_variant_new_parsed ("{'metainfo': <%s>, 'paused': <true>}", b64), &error);
  g_assert_no_error (error);
  refresh (&f);
  g_assert_cmpuint (g_list_model_get_n_items (shoal_rpc_client_get_torrents (f.client)), ==, 1);
  t = remote_at (shoal_rpc_client_get_torrents (f.client),
                 find_remote (shoal_rpc_client_get_torrents (f.client), "transmission.bin"));
  /* Transmission checks a torrent it adds, paused or not: then it stops */
  wait_state (&f, t, SHOAL_TORRENT_STATE_PAUSED);
  g_assert_cmpuint (shoal_remote_torrent_get_size (t), ==, 5);
  g_clear_pointer (&answer, g_variant_unref);
  answer = call (&f, "torrent-remove", g_variant_new_parsed ("{'ids': <[%i]>}", shoal_remote_torrent_get_id (t)),
                 &error);
  g_assert_no_error (error);
  refresh (&f);
  g_assert_cmpuint (g_list_model_get_n_items (shoal_rpc_client_get_torrents (f.client)), ==, 0);

  kill (pid, SIGTERM);
  waitpid (pid, NULL, 0);
  g_spawn_close_pid (pid);
  g_clear_object (&f.client);
  g_main_loop_unref (f.loop);
  {
    const char *argv[] = { "rm", "-rf", dir, NULL };
    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/engine/rpc-client/drive-a-shoal-server", Fixture, "right", server_setup, test_drive,
              server_teardown);
  g_test_add ("/engine/rpc-client/seed-limit-modes", Fixture, "right", server_setup, test_seed_modes,
              server_teardown);
  g_test_add ("/engine/rpc-client/recently-active", Fixture, "right", server_setup, test_recently_active,
              server_teardown);
  g_test_add ("/engine/rpc-client/wrong-password", Fixture, "wrong", server_setup, test_wrong_password,
              server_teardown);
  g_test_add_func ("/engine/rpc-client/bad-url", test_bad_url);
  g_test_add_func ("/engine/rpc-client/transmission-daemon", test_transmission_daemon);
  return g_test_run ();
}
