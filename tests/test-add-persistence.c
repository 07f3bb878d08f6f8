/* test-add-persistence.c: what a session saves as torrents are added is
 * there for the next one, whatever happens between
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Adding a torrent writes its metainfo (or magnet link) at once and makes
 * it durable later, from a worker thread; closing writes every resume
 * file in parallel. These tests check that neither loses anything: a
 * process killed (SIGKILL) right after its adds, and a session closed
 * right after many adds and changes, both leave every torrent to the next
 * session.
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "session-fixture.h"

#define N_TORRENTS 200
#define N_MAGNETS  20

typedef struct
{
  char *tmp;
  char *state_dir;
  char *data_dir;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  /* A subprocess works in its parent's directory. */
  if (g_test_subprocess () && g_getenv ("SHOAL_TEST_PERSIST_DIR") != NULL)
    f->tmp = g_strdup (g_getenv ("SHOAL_TEST_PERSIST_DIR"));
  else
    f->tmp = g_dir_make_tmp ("shoal-add-persist-XXXXXX", &error);
  g_assert_no_error (error);
  f->state_dir = g_build_filename (f->tmp, "state", NULL);
  f->data_dir = g_build_filename (f->tmp, "data", NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->data_dir, 0700), ==, 0);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  user_data)
{
  if (!g_test_subprocess ())
    sf_rm_rf (f->tmp);
  g_free (f->tmp);
  g_free (f->state_dir);
  g_free (f->data_dir);
}

static ShoalSession *
start_session (Fixture *f)
{
  ShoalSession *session = shoal_session_new (f->state_dir);
  g_autoptr(GError) error = NULL;

  shoal_session_set_listen_address (session, "127.0.0.1");
  shoal_session_set_listen_port (session, 0);
  shoal_session_set_download_dir (session, f->data_dir);
  g_assert_true (shoal_session_start (session, &error));
  g_assert_no_error (error);
  return session;
}

/* The same torrents in the parent and in the child: made from the seed. */
static SfTorrent *
make_torrent (guint i)
{
  static const guint64 length = 16384;
  g_autofree char *name = g_strdup_printf ("persist-%04u.bin", i);

  return sf_torrent_new (name, &length, 1, 16384, 1000 + i);
}

static char *
make_magnet_uri (guint i)
{
  guint8 hash[20];

  for (guint b = 0; b < sizeof hash; b++)
    hash[b] = (guint8) (0x5a ^ (i * 31 + b * 7));
  {
    g_autofree char *hex = shoal_hex_encode (hash, sizeof hash);

    return g_strdup_printf ("magnet:?xt=urn:btih:%s&dn=persist-magnet-%u", hex, i);
  }
}

/* In the killed child: adds everything, then dies at once, without
 * closing anything. */
static void
add_all_and_die (Fixture *f)
{
  g_autoptr(ShoalSession) session = start_session (f);

  for (guint i = 0; i < N_TORRENTS; i++)
    {
      g_autoptr(SfTorrent) t = make_torrent (i);
      g_autoptr(GError) error = NULL;

      g_assert_nonnull (shoal_session_add_torrent (session, t->info, f->data_dir, SHOAL_ADD_FLAGS_PAUSED, &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < N_MAGNETS; i++)
    {
      g_autofree char *uri = make_magnet_uri (i);
      g_autoptr(GError) error = NULL;
      g_autoptr(ShoalMagnet) magnet = shoal_magnet_new_from_uri (uri, &error);

      g_assert_no_error (error);
      g_assert_nonnull (shoal_session_add_magnet (session, magnet, f->data_dir, SHOAL_ADD_FLAGS_PAUSED, &error));
      g_assert_no_error (error);
    }
  raise (SIGKILL);
}

static gboolean
has_torrent (ShoalSession *session,
             const guint8 *hash)
{
  return shoal_session_find_torrent (session, hash) != NULL;
}

static void
assert_all_back (Fixture *f,
                 gboolean check_labels)
{
  g_autoptr(ShoalSession) session = start_session (f);
  GListModel *torrents = shoal_session_get_torrents (session);
  guint missing = 0;

  g_assert_cmpuint (g_list_model_get_n_items (torrents), ==, N_TORRENTS + N_MAGNETS);
  for (guint i = 0; i < N_TORRENTS; i++)
    {
      g_autoptr(SfTorrent) t = make_torrent (i);
      ShoalTorrent *found = shoal_session_find_torrent (session, shoal_metainfo_get_info_hash_v1 (t->info));

      if (found == NULL)
        missing++;
      else if (check_labels)
        {
          g_autofree char *label = g_strdup_printf ("label-%u", i);
          const char * const *labels = shoal_torrent_get_labels (found);

          g_assert_nonnull (labels);
          g_assert_true (g_strv_contains (labels, label));
        }
    }
  for (guint i = 0; i < N_MAGNETS; i++)
    {
      g_autofree char *uri = make_magnet_uri (i);
      g_autoptr(ShoalMagnet) magnet = shoal_magnet_new_from_uri (uri, NULL);

      if (!has_torrent (session, shoal_magnet_get_info_hash_v1 (magnet)))
        missing++;
    }
  g_assert_cmpuint (missing, ==, 0);
  shoal_session_close (session);
}

/* Killed with SIGKILL right after the last add returned: the next
 * session finds every torrent and magnet link. */
static void
test_add_survives_kill (Fixture       *f,
                        gconstpointer  user_data)
{
  if (g_test_subprocess ())
    {
      add_all_and_die (f);
      return;
    }
  /* The child makes the same torrents, in this test's directory. */
  g_setenv ("SHOAL_TEST_PERSIST_DIR", f->tmp, TRUE);
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_assert_false (g_test_trap_has_passed ());
  g_test_trap_assert_stderr_unmatched ("*CRITICAL*");
  g_test_trap_assert_stderr_unmatched ("*WARNING*");
  g_unsetenv ("SHOAL_TEST_PERSIST_DIR");
  assert_all_back (f, FALSE);
}

static void
close_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  gboolean *done = user_data;

  g_assert_true (shoal_session_close_finish (SHOAL_SESSION (source), result, NULL));
  *done = TRUE;
}

/* Many adds, each torrent's state changed (a label) as it starts, then a
 * close at once (shoal_session_close(), or with user_data
 * shoal_session_close_async(), which writes while the main loop runs):
 * every resume file holds the last state, every metainfo is there. */
static void
test_close_saves_all (Fixture       *f,
                      gconstpointer  user_data)
{
  gboolean async = user_data != NULL;
  gboolean done = FALSE;

  g_autoptr(ShoalSession) session = start_session (f);

  for (guint i = 0; i < N_TORRENTS; i++)
    {
      g_autoptr(SfTorrent) t = make_torrent (i);
      g_autoptr(GError) error = NULL;
      ShoalTorrent *torrent = shoal_session_add_torrent (session, t->info, f->data_dir, SHOAL_ADD_FLAGS_NONE, &error);

      g_assert_no_error (error);
      g_assert_nonnull (torrent);
      /* A change the close must write, while the torrent's first resume
       * writes may still be under way. */
      {
        g_autofree char *label = g_strdup_printf ("label-%u", i);
        const char *labels[] = { label, NULL };

        shoal_torrent_set_labels (torrent, labels);
      }
      g_main_context_iteration (NULL, FALSE);
    }
  for (guint i = 0; i < N_MAGNETS; i++)
    {
      g_autofree char *uri = make_magnet_uri (i);
      g_autoptr(GError) error = NULL;
      g_autoptr(ShoalMagnet) magnet = shoal_magnet_new_from_uri (uri, &error);

      g_assert_no_error (error);
      g_assert_nonnull (shoal_session_add_magnet (session, magnet, f->data_dir, SHOAL_ADD_FLAGS_PAUSED, &error));
    }
  if (async)
    {
      shoal_session_close_async (session, NULL, close_done_cb, &done);
      SF_WAIT (done, 120);
    }
  else
    shoal_session_close (session);
  g_clear_object (&session);
  assert_all_back (f, TRUE);
}

/* The same torrent twice is refused, and accepted again once removed:
 * the session finds its torrents by info-hash. */
static void
test_duplicate_after_remove (Fixture       *f,
                             gconstpointer  user_data)
{
  g_autoptr(ShoalSession) session = start_session (f);
  g_autoptr(SfTorrent) t = make_torrent (1);
  g_autoptr(SfTorrent) other = make_torrent (2);
  g_autoptr(GError) error = NULL;
  const guint8 *hash = shoal_metainfo_get_info_hash_v1 (t->info);
  ShoalTorrent *first, *again;

  first = shoal_session_add_torrent (session, t->info, f->data_dir, SHOAL_ADD_FLAGS_PAUSED, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_session_find_torrent (session, hash) == first);
  g_assert_null (shoal_session_add_torrent (session, t->info, f->data_dir, SHOAL_ADD_FLAGS_PAUSED, &error));
  g_assert_error (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_DUPLICATE);
  g_clear_error (&error);
  g_assert_nonnull (shoal_session_add_torrent (session, other->info, f->data_dir, SHOAL_ADD_FLAGS_PAUSED, &error));
  g_assert_no_error (error);

  shoal_session_remove_torrent (session, first, FALSE);
  g_assert_null (shoal_session_find_torrent (session, hash));
  again = shoal_session_add_torrent (session, t->info, f->data_dir, SHOAL_ADD_FLAGS_PAUSED, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_session_find_torrent (session, hash) == again);
  g_assert_true (shoal_session_find_torrent (session, shoal_metainfo_get_info_hash_v1 (other->info)) != NULL);
  shoal_session_close (session);
}

int
main (int   argc,
      char *argv[])
{
  sf_init_logging ();
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/engine/session/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("add-survives-kill", test_add_survives_kill);
  ADD ("close-saves-all", test_close_saves_all);
  g_test_add ("/engine/session/close-async-saves-all", Fixture, GINT_TO_POINTER (1), fixture_setup,
              test_close_saves_all, fixture_teardown);
  ADD ("duplicate-after-remove", test_duplicate_after_remove);
#undef ADD

  return g_test_run ();
}
