/* test-torrent-options.c: a torrent's own settings, and the hash check
 * that keeps an inconsistent hybrid from seeding, in a real session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "session-fixture.h"
#include "shoal-storage.h"

#define WAIT_S 20

typedef struct
{
  char      *tmp;
  SfNode    *node;
  SfTorrent *data;
} Fixture;

static const guint64 lengths[] = { 70001, 33333 };

static void
fixture_setup (Fixture       *f,
               gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  f->tmp = g_dir_make_tmp ("shoal-options-XXXXXX", &error);
  g_assert_no_error (error);
  f->node = sf_node_new (f->tmp, "node");
  f->data = sf_torrent_new ("options", lengths, G_N_ELEMENTS (lengths), 16 * 1024, 3);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  user_data)
{
  g_clear_pointer (&f->node, sf_node_free);
  g_clear_pointer (&f->data, sf_torrent_free);
  sf_rm_rf (f->tmp);
  g_free (f->tmp);
}

static ShoalTorrent *
add_seed (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  ShoalTorrent *t;

  sf_torrent_write (f->data, f->node->data_dir);
  t = shoal_session_add_torrent (f->node->session, f->data->info, f->node->data_dir,
                                 SHOAL_ADD_FLAGS_SEED_MODE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (t);
  return t;
}

/* Labels */

static void
test_labels_trimmed_first (Fixture       *f,
                           gconstpointer  user_data)
{
  ShoalTorrent *t = add_seed (f);
  g_autofree char *long_label = g_strnfill (SHOAL_TORRENT_MAX_LABEL_LEN + 10, 'x');
  g_autofree char *cut = g_strnfill (SHOAL_TORRENT_MAX_LABEL_LEN, 'x');
  g_autofree char *padded = g_strconcat ("  ", long_label, NULL);

  /* " a" and "a" are one label; whitespace alone is none. */
  shoal_torrent_set_labels (t, (const char *[]) { " a", "a", "a\t", "   ", "", "b ", " b", NULL });
  g_assert_cmpstrv (shoal_torrent_get_labels (t), ((const char *[]) { "a", "b", NULL }));

  /* Cut after trimming: the leading spaces do not eat into the length. */
  shoal_torrent_set_labels (t, (const char *[]) { padded, long_label, NULL });
  g_assert_cmpstrv (shoal_torrent_get_labels (t), ((const char *[]) { cut, NULL }));
}

/* Seeding limits: where they come from */

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

static void
test_seed_modes (Fixture       *f,
                 gconstpointer  user_data)
{
  ShoalTorrent *t = add_seed (f);
  guint ratio_notified = 0;
  ShoalSeedLimitMode mode;

  g_object_set (f->node->session, "seed-ratio-limit", 2.0, "seed-idle-limit", (gint64) 600, NULL);
  g_signal_connect (t, "notify::seed-ratio-mode", G_CALLBACK (count_notify_cb), &ratio_notified);
  g_assert_cmpint (shoal_torrent_get_seed_ratio_mode (t), ==, SHOAL_SEED_LIMIT_MODE_GLOBAL);
  g_assert_cmpint (shoal_torrent_get_seed_time_mode (t), ==, SHOAL_SEED_LIMIT_MODE_GLOBAL);
  g_assert_cmpint (shoal_torrent_get_seed_idle_mode (t), ==, SHOAL_SEED_LIMIT_MODE_GLOBAL);
  g_assert_cmpfloat (shoal_torrent_get_seed_ratio_limit (t), ==, 2.0);
  g_assert_cmpint (shoal_torrent_get_seed_idle_limit (t), ==, 600);

  /* Its own, although equal to the session's. */
  shoal_torrent_set_seed_ratio_limit (t, 2.0);
  g_assert_cmpint (shoal_torrent_get_seed_ratio_mode (t), ==, SHOAL_SEED_LIMIT_MODE_OWN);
  g_object_get (t, "seed-ratio-mode", &mode, NULL);
  g_assert_cmpint (mode, ==, SHOAL_SEED_LIMIT_MODE_OWN);
  g_assert_cmpuint (ratio_notified, ==, 1);
  shoal_torrent_set_seed_ratio_limit (t, 2.0);
  g_assert_cmpuint (ratio_notified, ==, 1);
  shoal_torrent_set_seed_ratio_limit (t, 0);
  g_assert_cmpint (shoal_torrent_get_seed_ratio_mode (t), ==, SHOAL_SEED_LIMIT_MODE_UNLIMITED);
  g_assert_cmpuint (ratio_notified, ==, 2);

  /* The idle limit is its own setting, apart from the seeding time. */
  shoal_torrent_set_seed_idle_limit (t, 90);
  g_assert_cmpint (shoal_torrent_get_seed_idle_mode (t), ==, SHOAL_SEED_LIMIT_MODE_OWN);
  g_assert_cmpint (shoal_torrent_get_seed_idle_limit (t), ==, 90);
  g_assert_cmpint (shoal_torrent_get_seed_time_mode (t), ==, SHOAL_SEED_LIMIT_MODE_GLOBAL);
  g_assert_cmpint (shoal_torrent_get_seed_time_limit (t), ==, 0);
  shoal_torrent_set_seed_time_limit (t, 7200);

  /* Kept across a restart. */
  sf_node_restart (f->node);
  g_object_set (f->node->session, "seed-ratio-limit", 2.0, "seed-idle-limit", (gint64) 600, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (shoal_session_get_torrents (f->node->session)), ==, 1);
  t = g_list_model_get_item (shoal_session_get_torrents (f->node->session), 0);
  g_object_unref (t);
  g_assert_cmpint (shoal_torrent_get_seed_ratio_mode (t), ==, SHOAL_SEED_LIMIT_MODE_UNLIMITED);
  g_assert_cmpint (shoal_torrent_get_seed_idle_mode (t), ==, SHOAL_SEED_LIMIT_MODE_OWN);
  g_assert_cmpint (shoal_torrent_get_seed_idle_limit (t), ==, 90);
  g_assert_cmpint (shoal_torrent_get_seed_time_mode (t), ==, SHOAL_SEED_LIMIT_MODE_OWN);
  g_assert_cmpint (shoal_torrent_get_seed_time_limit (t), ==, 7200);

  /* Forgotten: the session's again. */
  shoal_torrent_reset_seed_idle_limit (t);
  g_assert_cmpint (shoal_torrent_get_seed_idle_mode (t), ==, SHOAL_SEED_LIMIT_MODE_GLOBAL);
  g_assert_cmpint (shoal_torrent_get_seed_idle_limit (t), ==, 600);
  shoal_torrent_reset_seed_limits (t, 2.0, 0);
  g_assert_cmpint (shoal_torrent_get_seed_ratio_mode (t), ==, SHOAL_SEED_LIMIT_MODE_GLOBAL);
  g_assert_cmpint (shoal_torrent_get_seed_time_mode (t), ==, SHOAL_SEED_LIMIT_MODE_GLOBAL);
}

/* Idle seeding: stopped after so long without sending anything, whether
 * the limit is the torrent's or the session's; a torrent with none of its
 * own keeps seeding. */
static void
test_seed_idle_stops (Fixture       *f,
                      gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SfTorrent) other = sf_torrent_new ("other", lengths, G_N_ELEMENTS (lengths), 16 * 1024, 4);
  g_autoptr(SfTorrent) third = sf_torrent_new ("third", lengths, G_N_ELEMENTS (lengths), 16 * 1024, 5);
  ShoalTorrent *own = add_seed (f);
  ShoalTorrent *global, *unlimited;
  gint64 start = g_get_monotonic_time ();

  sf_torrent_write (other, f->node->data_dir);
  sf_torrent_write (third, f->node->data_dir);
  global = shoal_session_add_torrent (f->node->session, other->info, f->node->data_dir,
                                      SHOAL_ADD_FLAGS_SEED_MODE, &error);
  g_assert_no_error (error);
  unlimited = shoal_session_add_torrent (f->node->session, third->info, f->node->data_dir,
                                         SHOAL_ADD_FLAGS_SEED_MODE, &error);
  g_assert_no_error (error);
  shoal_torrent_set_seed_idle_limit (own, 2);
  shoal_torrent_set_seed_idle_limit (unlimited, 0);
  g_object_set (f->node->session, "seed-idle-limit", (gint64) 3, NULL);
  g_assert_cmpint (shoal_torrent_get_state (own), ==, SHOAL_TORRENT_STATE_SEEDING);

  SF_WAIT (shoal_torrent_get_state (own) == SHOAL_TORRENT_STATE_FINISHED &&
           shoal_torrent_get_state (global) == SHOAL_TORRENT_STATE_FINISHED, WAIT_S);
  /* Not before the limit (a second of slack for the tick). */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 2 * G_USEC_PER_SEC);
  g_assert_cmpint (shoal_torrent_get_state (unlimited), ==, SHOAL_TORRENT_STATE_SEEDING);
  /* The seeding time limit had nothing to do with it. */
  g_assert_cmpint (shoal_torrent_get_seed_time_limit (own), ==, 0);
}

/* Uploading is not idle: a seed that sends the whole torrent, slowly, to a
 * leecher, over more than its idle limit, is stopped only once it sent
 * nothing for that long. */
static void
test_seed_idle_uploading (Fixture       *f,
                          gconstpointer  user_data)
{
  static const guint64 big[] = { 1200000, 300001 };
  g_autoptr(GError) error = NULL;
  g_autoptr(SfTorrent) data = sf_torrent_new ("big", big, G_N_ELEMENTS (big), 32 * 1024, 6);
  SfNode *leech = sf_node_new (f->tmp, "leech");
  g_autofree char *address = sf_node_address (f->node);
  ShoalTorrent *st, *lt;
  gint64 start;

  sf_torrent_write (data, f->node->data_dir);
  st = shoal_session_add_torrent (f->node->session, data->info, f->node->data_dir,
                                  SHOAL_ADD_FLAGS_SEED_MODE, &error);
  g_assert_no_error (error);
  shoal_torrent_set_seed_idle_limit (st, 3);
  /* 1.5 MB at 256 KiB/s: about 6 s of uploading. */
  shoal_torrent_set_upload_limit (st, 256 * 1024);
  lt = shoal_session_add_torrent (leech->session, data->info, leech->data_dir, SHOAL_ADD_FLAGS_NONE, &error);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  g_assert_true (shoal_torrent_add_peer (lt, address, &error));
  g_assert_no_error (error);

  SF_WAIT (shoal_torrent_get_progress (lt) == 1.0 ||
           shoal_torrent_get_state (st) == SHOAL_TORRENT_STATE_FINISHED, 60);
  g_assert_cmpfloat (shoal_torrent_get_progress (lt), ==, 1.0);
  g_assert_cmpint (g_get_monotonic_time () - start, >, 3 * G_USEC_PER_SEC);
  SF_WAIT (shoal_torrent_get_state (st) == SHOAL_TORRENT_STATE_FINISHED, WAIT_S);
  sf_node_free (leech);
}

/* A hybrid whose hash sets disagree */

typedef struct
{
  GBytes        *bytes;
  ShoalMetainfo *metainfo;
  GError        *error;
  gboolean       done;
} Created;

static void
created_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Created *c = user_data;

  c->bytes = shoal_torrent_creator_create_finish (SHOAL_TORRENT_CREATOR (source), result,
                                                  &c->metainfo, &c->error);
  c->done = TRUE;
}

/* A hybrid of two files written under the node's data directory, made by
 * the engine's creator; with @alter, the v1 hash of piece 2 is changed in
 * place (the bencoding stays valid; the info hash changes). */
static ShoalMetainfo *
make_hybrid (Fixture  *f,
             gboolean  alter)
{
  g_autofree char *root = g_build_filename (f->node->data_dir, "hybrid", NULL);
  g_autoptr(ShoalTorrentCreator) creator = NULL;
  g_autoptr(ShoalBencode) doc = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  Created c = { 0 };
  guint8 *copy;
  gsize len, n;
  const guint8 *hashes;
  ShoalMetainfo *info;

  g_assert_cmpint (g_mkdir_with_parents (root, 0700), ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/%c.bin", root, 'a' + i);
      gsize size = i == 0 ? 40000 : 50001;
      g_autofree guint8 *content = g_malloc (size);

      for (gsize k = 0; k < size; k++)
        content[k] = (guint8) g_rand_int (rand);
      g_file_set_contents (path, (const char *) content, (gssize) size, &error);
      g_assert_no_error (error);
    }
  creator = shoal_torrent_creator_new (root);
  shoal_torrent_creator_set_piece_size (creator, 16 * 1024);
  shoal_torrent_creator_set_version (creator, SHOAL_TORRENT_VERSION_HYBRID);
  shoal_torrent_creator_create_async (creator, NULL, NULL, created_cb, &c);
  while (!c.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (c.error);
  g_clear_object (&c.metainfo);

  len = g_bytes_get_size (c.bytes);
  copy = g_memdup2 (g_bytes_get_data (c.bytes, NULL), len);
  if (alter)
    {
      doc = shoal_bencode_parse (c.bytes, &error);
      g_assert_no_error (error);
      hashes = shoal_bencode_node_get_string (
        shoal_bencode_node_dict_lookup (shoal_bencode_node_dict_lookup (shoal_bencode_get_root (doc), "info"),
                                        "pieces"), &n);
      g_assert_cmpuint (n, >, 3 * 20);
      copy[(hashes - (const guint8 *) g_bytes_get_data (c.bytes, NULL)) + 2 * 20 + 3] ^= 0x81;
    }
  g_bytes_unref (c.bytes);
  {
    g_autoptr(GBytes) bytes = g_bytes_new_take (copy, len);

    info = shoal_metainfo_new_from_bytes (bytes, &error);
  }
  g_assert_no_error (error);
  return info;
}

static void
test_hybrid_inconsistent (Fixture       *f,
                          gconstpointer  user_data)
{
  gboolean alter = GPOINTER_TO_INT (user_data);
  g_autoptr(ShoalMetainfo) info = make_hybrid (f, alter);
  g_autoptr(GError) error = NULL;
  ShoalTorrent *t;

  g_assert_nonnull (info);
  /* Not seed mode: the files are checked. */
  t = shoal_session_add_torrent (f->node->session, info, f->node->data_dir, SHOAL_ADD_FLAGS_NONE, &error);
  g_assert_no_error (error);
  SF_WAIT (shoal_torrent_get_state (t) == SHOAL_TORRENT_STATE_ERROR ||
           shoal_torrent_get_state (t) == SHOAL_TORRENT_STATE_SEEDING, WAIT_S);
  if (alter)
    {
      const GError *e = shoal_torrent_get_error (t);

      g_assert_cmpint (shoal_torrent_get_state (t), ==, SHOAL_TORRENT_STATE_ERROR);
      g_assert_error (e, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_INCONSISTENT_HASHES);
      g_assert_nonnull (strstr (e->message, "v1 and v2 hashes disagree"));
    }
  else
    {
      /* No false alarm: every piece passes both. */
      g_assert_cmpint (shoal_torrent_get_state (t), ==, SHOAL_TORRENT_STATE_SEEDING);
      g_assert_null (shoal_torrent_get_error (t));
      g_assert_cmpfloat (shoal_torrent_get_progress (t), ==, 1.0);
    }
}

int
main (int   argc,
      char *argv[])
{
  sf_init_logging ();
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  /* The torrent stopped on purpose says why. */
  sf_allow_warning ("hashes disagree");

#define ADD(path, data, func) \
  g_test_add ("/engine/torrent/" path, Fixture, data, fixture_setup, func, fixture_teardown)
  ADD ("labels-trimmed-before-dedup", NULL, test_labels_trimmed_first);
  ADD ("seed-limit-modes", NULL, test_seed_modes);
  ADD ("seed-idle-limit-stops", NULL, test_seed_idle_stops);
  ADD ("seed-idle-limit-not-while-uploading", NULL, test_seed_idle_uploading);
  ADD ("hybrid-consistent-seeds", GINT_TO_POINTER (FALSE), test_hybrid_inconsistent);
  ADD ("hybrid-inconsistent-error", GINT_TO_POINTER (TRUE), test_hybrid_inconsistent);
#undef ADD

  return g_test_run ();
}
