/* test-choker.c: which peers are unchoked, without sockets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "shoal-choker.h"

#define KIB 1024

static const ShoalChokerSettings downloading = { .slots = 4 };
static const ShoalChokerSettings seeding = { .slots = 4, .seeding = TRUE };
static const ShoalChokerSettings rotating = { .slots = 4, .rotate_optimistic = TRUE };

static ShoalChokerPeer
peer (guint64 down_rate,
      guint64 up_rate)
{
  ShoalChokerPeer p = { .down_rate = down_rate, .up_rate = up_rate, .interested = TRUE };

  return p;
}

static guint
n_optimistic (const ShoalChokerPeer *peers,
              guint                  n)
{
  guint count = 0;

  for (guint i = 0; i < n; i++)
    count += peers[i].optimistic ? 1 : 0;
  return count;
}

/* Downloading: the three that send us the most are unchoked, whatever they
 * receive from us; one more, at random among the rest, optimistically. */
static void
test_tit_for_tat (void)
{
  ShoalChokerPeer peers[] = {
    peer (10 * KIB, 900 * KIB), peer (50 * KIB, 0), peer (5 * KIB, 0),
    peer (80 * KIB, 0), peer (30 * KIB, 0), peer (1 * KIB, 800 * KIB),
  };
  guint order[G_N_ELEMENTS (peers)];
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);
  guint n = shoal_choker_run (peers, G_N_ELEMENTS (peers), &downloading, rand, order);

  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpuint (order[0], ==, 3);
  g_assert_cmpuint (order[1], ==, 1);
  g_assert_cmpuint (order[2], ==, 4);
  g_assert_cmpuint (order[3], ==, 0);
  g_assert_cmpuint (order[4], ==, 2);
  g_assert_cmpuint (order[5], ==, 5);
  for (guint r = 0; r < 3; r++)
    {
      g_assert_true (peers[order[r]].unchoke);
      g_assert_false (peers[order[r]].optimistic);
    }
  g_assert_cmpuint (n_optimistic (peers, G_N_ELEMENTS (peers)), ==, 1);
  for (guint r = 3; r < G_N_ELEMENTS (peers); r++)
    g_assert_cmpint (peers[order[r]].unchoke, ==, peers[order[r]].optimistic);
}

/* Seeding: ranked by what we upload to them; what they send is ignored. */
static void
test_seeding_by_upload_rate (void)
{
  ShoalChokerPeer peers[] = {
    peer (900 * KIB, 1 * KIB), peer (0, 40 * KIB), peer (0, 70 * KIB),
    peer (800 * KIB, 2 * KIB), peer (0, 90 * KIB),
  };
  guint order[G_N_ELEMENTS (peers)];
  g_autoptr(GRand) rand = g_rand_new_with_seed (2);

  shoal_choker_run (peers, G_N_ELEMENTS (peers), &seeding, rand, order);
  g_assert_cmpuint (order[0], ==, 4);
  g_assert_cmpuint (order[1], ==, 2);
  g_assert_cmpuint (order[2], ==, 1);
  g_assert_true (peers[4].unchoke && peers[2].unchoke && peers[1].unchoke);
  /* The two that upload to us the most get only the optimistic slot,
   * one of them. */
  g_assert_true (peers[0].unchoke != peers[3].unchoke);
  g_assert_true (peers[0].optimistic || peers[3].optimistic);
}

/* No more interested peers than slots: all are unchoked; those not
 * interested are choked and keep the flag of their optimistic slot. */
static void
test_few_peers_and_uninterested (void)
{
  ShoalChokerPeer peers[] = { peer (1, 0), peer (2, 0), peer (3, 0), peer (4, 0), peer (99, 0) };
  guint order[G_N_ELEMENTS (peers)];

  peers[4].interested = FALSE;
  peers[4].optimistic = TRUE;
  peers[4].unchoke = TRUE;
  g_assert_cmpuint (shoal_choker_run (peers, G_N_ELEMENTS (peers), &downloading, NULL, order), ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_true (peers[i].unchoke);
  g_assert_false (peers[4].unchoke);
  g_assert_true (peers[4].optimistic);
  g_assert_cmpuint (order[4], ==, 4);

  g_assert_cmpuint (shoal_choker_run (NULL, 0, &downloading, NULL, NULL), ==, 0);
}

/* The optimistic slot stays with its peer from round to round until it is
 * rotated; rotation, over rounds, reaches every peer without a regular
 * slot, and never one that has a regular slot. */
static void
test_optimistic_rotation (void)
{
  ShoalChokerPeer peers[] = {
    peer (90, 0), peer (80, 0), peer (70, 0), peer (3, 0), peer (2, 0), peer (1, 0),
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  gboolean had_slot[G_N_ELEMENTS (peers)] = { FALSE };
  guint holder = G_MAXUINT;

  shoal_choker_run (peers, G_N_ELEMENTS (peers), &downloading, rand, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (peers); i++)
    if (peers[i].optimistic)
      holder = i;
  g_assert_cmpuint (holder, >=, 3);

  for (guint round = 0; round < 10; round++)
    {
      shoal_choker_run (peers, G_N_ELEMENTS (peers), &downloading, rand, NULL);
      g_assert_true (peers[holder].optimistic);
      g_assert_true (peers[holder].unchoke);
      g_assert_cmpuint (n_optimistic (peers, G_N_ELEMENTS (peers)), ==, 1);
    }

  for (guint round = 0; round < 200; round++)
    {
      shoal_choker_run (peers, G_N_ELEMENTS (peers), &rotating, rand, NULL);
      g_assert_cmpuint (n_optimistic (peers, G_N_ELEMENTS (peers)), ==, 1);
      for (guint i = 0; i < G_N_ELEMENTS (peers); i++)
        if (peers[i].optimistic)
          had_slot[i] = TRUE;
    }
  for (guint i = 0; i < 3; i++)
    g_assert_false (had_slot[i]);
  for (guint i = 3; i < G_N_ELEMENTS (peers); i++)
    g_assert_true (had_slot[i]);
}

/* A peer unchoked optimistically that became fast enough for a regular
 * slot takes it, and the optimistic slot goes to another. */
static void
test_optimistic_earns_regular_slot (void)
{
  ShoalChokerPeer peers[] = { peer (90, 0), peer (80, 0), peer (70, 0), peer (3, 0), peer (2, 0) };
  g_autoptr(GRand) rand = g_rand_new_with_seed (4);

  peers[4].optimistic = TRUE;
  shoal_choker_run (peers, G_N_ELEMENTS (peers), &downloading, rand, NULL);
  g_assert_true (peers[4].optimistic);

  peers[4].down_rate = 1000;
  shoal_choker_run (peers, G_N_ELEMENTS (peers), &downloading, rand, NULL);
  g_assert_false (peers[4].optimistic);
  g_assert_true (peers[4].unchoke);
  g_assert_cmpuint (n_optimistic (peers, G_N_ELEMENTS (peers)), ==, 1);
  g_assert_true (peers[2].optimistic || peers[3].optimistic);
  g_assert_true (peers[2].unchoke != peers[3].unchoke);
}

/* Equal rates keep the order the peers were given in. */
static void
test_ties_keep_order (void)
{
  ShoalChokerPeer peers[] = { peer (5, 0), peer (5, 0), peer (5, 0), peer (5, 0), peer (5, 0) };
  guint order[G_N_ELEMENTS (peers)];

  shoal_choker_run (peers, G_N_ELEMENTS (peers), &downloading, NULL, order);
  for (guint i = 0; i < G_N_ELEMENTS (peers); i++)
    g_assert_cmpuint (order[i], ==, i);
  g_assert_true (peers[0].unchoke && peers[1].unchoke && peers[2].unchoke);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/choker/tit-for-tat", test_tit_for_tat);
  g_test_add_func ("/engine/choker/seeding-by-upload-rate", test_seeding_by_upload_rate);
  g_test_add_func ("/engine/choker/few-peers-and-uninterested", test_few_peers_and_uninterested);
  g_test_add_func ("/engine/choker/optimistic-rotation", test_optimistic_rotation);
  g_test_add_func ("/engine/choker/optimistic-earns-regular-slot", test_optimistic_earns_regular_slot);
  g_test_add_func ("/engine/choker/ties-keep-order", test_ties_keep_order);
  return g_test_run ();
}
