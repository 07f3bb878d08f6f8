/* test-piece-picker.c: which blocks to request from which peer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <time.h>

#include "shoal-bencode.h"
#include "shoal-piece-picker.h"

#define BLOCK SHOAL_PIECE_PICKER_BLOCK_SIZE
#define PEER(i) GUINT_TO_POINTER (i)
/* A peer that has everything, for tests about something else. */
#define SEED PEER (1000)

static ShoalBitfield *
bitfield_full (guint n)
{
  ShoalBitfield *bf = shoal_bitfield_new (n);

  shoal_bitfield_set_all (bf, TRUE);
  return bf;
}

static ShoalBitfield *
bitfield_all_but (guint n,
                  guint missing)
{
  ShoalBitfield *bf = bitfield_full (n);

  shoal_bitfield_set (bf, missing, FALSE);
  return bf;
}

static ShoalBitfield *
bitfield_only (guint n,
               guint piece)
{
  ShoalBitfield *bf = shoal_bitfield_new (n);

  shoal_bitfield_set (bf, piece, TRUE);
  return bf;
}

/* Picks exactly one block and returns its piece. */
static guint
pick_one (ShoalPiecePicker    *picker,
          const ShoalBitfield *has,
          gpointer             peer)
{
  ShoalBlock block;
  guint n = 0;

  shoal_piece_picker_pick (picker, has, peer, 1, &block, &n);
  g_assert_cmpuint (n, ==, 1);
  return block.piece;
}

/* Marks every block of @piece received from @peer and verifies it. */
static void
complete_piece (ShoalPiecePicker *picker,
                guint             piece,
                gpointer          peer)
{
  guint n_blocks = shoal_piece_picker_get_n_blocks (picker, piece);

  for (guint b = 0; b < n_blocks; b++)
    {
      ShoalBlock block;
      gboolean complete;

      g_assert_true (shoal_piece_picker_get_block (picker, piece, b, &block));
      complete = shoal_piece_picker_block_received (picker, &block, peer, NULL, NULL);
      g_assert_cmpint (complete, ==, b + 1 == n_blocks);
    }
  shoal_piece_picker_piece_verified (picker, piece);
}

static void
test_layout (void)
{
  /* 3 pieces of 64 KiB, the last one 20000 bytes: blocks 16384 + 3616. */
  guint64 total = 2 * 65536 + 20000;
  g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (3, 65536, total);
  ShoalBlock blocks[32];
  guint n = 0;
  guint64 sum = 0;

  g_assert_cmpuint (shoal_piece_picker_get_n_pieces (picker), ==, 3);
  g_assert_cmpuint (shoal_piece_picker_get_piece_size (picker, 0), ==, 65536);
  g_assert_cmpuint (shoal_piece_picker_get_piece_size (picker, 2), ==, 20000);
  g_assert_cmpuint (shoal_piece_picker_get_n_blocks (picker, 0), ==, 4);
  g_assert_cmpuint (shoal_piece_picker_get_n_blocks (picker, 2), ==, 2);
  g_assert_false (shoal_piece_picker_get_block (picker, 2, 2, &blocks[0]));
  g_assert_false (shoal_piece_picker_get_block (picker, 3, 0, &blocks[0]));
  g_assert_cmpuint (shoal_piece_picker_get_bytes_left (picker), ==, total);

  shoal_piece_picker_peer_have_all (picker, SEED);
  shoal_piece_picker_pick (picker, NULL, PEER (1), G_N_ELEMENTS (blocks), blocks, &n);
  g_assert_cmpuint (n, ==, 10);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (blocks[i].begin % BLOCK, ==, 0);
      if (blocks[i].piece == 2 && blocks[i].begin == BLOCK)
        g_assert_cmpuint (blocks[i].length, ==, 20000 - BLOCK);
      else
        g_assert_cmpuint (blocks[i].length, ==, BLOCK);
      sum += blocks[i].length;
    }
  g_assert_cmpuint (sum, ==, total);

  /* A block that does not match the layout is ignored. */
  {
    ShoalBlock bad = { 2, BLOCK, BLOCK };

    g_assert_false (shoal_piece_picker_is_block_wanted (picker, &bad));
    g_assert_false (shoal_piece_picker_block_received (picker, &bad, PEER (1), NULL, NULL));
    bad.length = 20000 - BLOCK;
    g_assert_true (shoal_piece_picker_is_block_wanted (picker, &bad));
    bad.begin = 1;
    g_assert_false (shoal_piece_picker_is_block_wanted (picker, &bad));
  }
}

static void
test_huge_layout (void)
{
  /* 64-bit sizes: 40000 pieces of 256 MiB and a last one of 1 byte. */
  guint64 pl = 256 * 1024 * 1024;
  guint64 total = pl * 39999 + 1;
  g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (40000, pl, total);
  ShoalBlock block;

  g_assert_cmpuint (shoal_piece_picker_get_bytes_left (picker), ==, total);
  g_assert_cmpuint (shoal_piece_picker_get_piece_size (picker, 39999), ==, 1);
  g_assert_cmpuint (shoal_piece_picker_get_n_blocks (picker, 0), ==, 16384);
  g_assert_true (shoal_piece_picker_get_block (picker, 39999, 0, &block));
  g_assert_cmpuint (block.length, ==, 1);
  shoal_piece_picker_set_have (picker, 0);
  g_assert_cmpuint (shoal_piece_picker_get_bytes_left (picker), ==, total - pl);
}

static void
test_rarest_first (void)
{
  const guint n = 20;

  for (guint32 seed = 0; seed < 20; seed++)
    {
      g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (n, BLOCK, (guint64) n * BLOCK);
      g_autoptr(ShoalBitfield) p1 = bitfield_full (n);
      g_autoptr(ShoalBitfield) p2 = bitfield_all_but (n, 7);
      g_autoptr(ShoalBitfield) p3 = bitfield_all_but (n, 7);

      shoal_piece_picker_set_seed (picker, seed);
      /* Past the random first pieces. */
      for (guint i = 0; i < SHOAL_PIECE_PICKER_RANDOM_FIRST_PIECES; i++)
        shoal_piece_picker_set_have (picker, i);
      shoal_bitfield_set (p3, 12, FALSE);
      shoal_piece_picker_peer_set_bitfield (picker, PEER (1), p1);
      shoal_piece_picker_peer_set_bitfield (picker, PEER (2), p2);
      shoal_piece_picker_peer_set_bitfield (picker, PEER (3), p3);
      shoal_piece_picker_peer_have_all (picker, SEED);
      g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 7), ==, 2);
      g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 12), ==, 3);
      g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 5), ==, 4);

      g_assert_cmpuint (pick_one (picker, p1, PEER (1)), ==, 7);
      g_assert_cmpuint (pick_one (picker, p1, PEER (1)), ==, 12);
      /* A peer without the rare piece gets the next rarest it has. */
      g_assert_cmpuint (pick_one (picker, p2, PEER (2)), !=, 7);
    }
}

static void
test_availability_changes (void)
{
  const guint n = 16;
  g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (n, BLOCK, (guint64) n * BLOCK);
  g_autoptr(ShoalBitfield) full = bitfield_full (n);
  g_autoptr(ShoalBitfield) one = bitfield_only (n, 9);

  for (guint i = 0; i < SHOAL_PIECE_PICKER_RANDOM_FIRST_PIECES; i++)
    shoal_piece_picker_set_have (picker, i);
  shoal_piece_picker_peer_set_bitfield (picker, PEER (1), full);
  shoal_piece_picker_peer_set_bitfield (picker, PEER (2), full);
  shoal_piece_picker_peer_set_bitfield (picker, PEER (3), one);
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 9), ==, 3);
  g_assert_cmpuint (shoal_piece_picker_get_n_peers (picker), ==, 3);
  g_assert_cmpuint (shoal_piece_picker_get_max_partial (picker), ==, 2 * 3 + 4);

  /* Everything but 9 becomes more common: 9 is now the rarest. Peer 4 sent
   * no bitfield (it had nothing): its first have counts it. */
  for (guint i = 0; i < n; i++)
    if (i != 9)
      {
        shoal_piece_picker_peer_have (picker, PEER (3), i);
        shoal_piece_picker_peer_have (picker, PEER (4), i);
        shoal_piece_picker_peer_have (picker, PEER (4), i);
      }
  g_assert_cmpuint (shoal_piece_picker_get_n_peers (picker), ==, 4);
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 10), ==, 4);
  shoal_piece_picker_peer_remove (picker, PEER (1));
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 9), ==, 2);
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 10), ==, 3);
  g_assert_cmpuint (pick_one (picker, NULL, PEER (1)), ==, 9);

  shoal_piece_picker_peer_have_none (picker, PEER (5));
  g_assert_cmpuint (shoal_piece_picker_get_max_partial (picker), ==, 2 * 4 + 4);
  shoal_piece_picker_peer_have_all (picker, PEER (5));
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 9), ==, 3);
  shoal_piece_picker_peer_remove (picker, PEER (5));
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 9), ==, 2);
  g_assert_cmpuint (shoal_piece_picker_get_n_peers (picker), ==, 3);
}

/* Messages that say what a peer has, in the orders real peers send them
 * (a have with no bitfield before it, a bitfield after haves, have-all then
 * a bitfield, have-none in the middle), and removal after any of them: each
 * peer counts for exactly what it said last. */
static void
test_peer_any_order (void)
{
  const guint n = 12;
  g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (n, BLOCK, (guint64) n * BLOCK);
  g_autoptr(ShoalBitfield) five = bitfield_only (n, 5);
  g_autoptr(ShoalBitfield) full = bitfield_full (n);

  /* Removing a peer that never said anything, or twice, changes nothing. */
  shoal_piece_picker_peer_remove (picker, PEER (1));
  g_assert_cmpuint (shoal_piece_picker_get_n_peers (picker), ==, 0);

  /* Haves with no bitfield, then gone: the field report. */
  shoal_piece_picker_peer_have (picker, PEER (1), 3);
  shoal_piece_picker_peer_have (picker, PEER (1), 3);
  shoal_piece_picker_peer_have (picker, PEER (1), 7);
  g_assert_true (shoal_piece_picker_knows_peer (picker, PEER (1)));
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 3), ==, 1);
  g_assert_cmpuint (shoal_piece_picker_get_n_peers (picker), ==, 1);
  shoal_piece_picker_peer_remove (picker, PEER (1));
  shoal_piece_picker_peer_remove (picker, PEER (1));
  g_assert_false (shoal_piece_picker_knows_peer (picker, PEER (1)));
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 3), ==, 0);
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 7), ==, 0);
  g_assert_cmpuint (shoal_piece_picker_get_n_peers (picker), ==, 0);

  /* A bitfield after haves replaces them. */
  shoal_piece_picker_peer_have (picker, PEER (2), 3);
  shoal_piece_picker_peer_set_bitfield (picker, PEER (2), five);
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 3), ==, 0);
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 5), ==, 1);

  /* Have-all, a have (nothing more), a bitfield, have-none, a have. */
  shoal_piece_picker_peer_have_all (picker, PEER (3));
  shoal_piece_picker_peer_have (picker, PEER (3), 5);
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 5), ==, 2);
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 0), ==, 1);
  shoal_piece_picker_peer_set_bitfield (picker, PEER (3), five);
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 5), ==, 2);
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 0), ==, 0);
  shoal_piece_picker_peer_have_none (picker, PEER (3));
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 5), ==, 1);
  shoal_piece_picker_peer_have (picker, PEER (3), 0);
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 0), ==, 1);
  g_assert_cmpuint (shoal_piece_picker_get_n_peers (picker), ==, 2);

  /* A full bitfield is a seed; then have-all again, then less. */
  shoal_piece_picker_peer_set_bitfield (picker, PEER (3), full);
  shoal_piece_picker_peer_have_all (picker, PEER (3));
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 0), ==, 1);
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 5), ==, 2);
  g_assert_cmpuint (shoal_piece_picker_get_n_peers (picker), ==, 2);
  shoal_piece_picker_peer_set_bitfield (picker, PEER (3), five);
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 0), ==, 0);
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 5), ==, 2);

  shoal_piece_picker_peer_remove (picker, PEER (3));
  shoal_piece_picker_peer_remove (picker, PEER (2));
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (shoal_piece_picker_get_availability (picker, i), ==, 0);
  g_assert_cmpuint (shoal_piece_picker_get_n_peers (picker), ==, 0);
  g_assert_cmpuint (shoal_piece_picker_get_max_partial (picker), ==, 4);
}

/* lt_donthave (BEP 54): a seed, a peer with a bitfield and an unknown peer
 * each lose a piece; removing them afterwards takes back exactly the rest. */
static void
test_peer_dont_have (void)
{
  const guint n = 10;
  g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (n, BLOCK, (guint64) n * BLOCK);
  g_autoptr(ShoalBitfield) five = bitfield_only (n, 5);

  shoal_piece_picker_peer_have_all (picker, PEER (1));
  shoal_piece_picker_peer_set_bitfield (picker, PEER (2), five);
  shoal_piece_picker_peer_dont_have (picker, PEER (1), 5);
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 5), ==, 1);
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 4), ==, 1);
  /* Again, and a piece it has: O(1) each, no double count. */
  shoal_piece_picker_peer_dont_have (picker, PEER (1), 5);
  shoal_piece_picker_peer_dont_have (picker, PEER (1), 9);
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 5), ==, 1);
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 9), ==, 0);
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 0), ==, 1);
  shoal_piece_picker_peer_dont_have (picker, PEER (2), 5);
  shoal_piece_picker_peer_dont_have (picker, PEER (2), 6);
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 5), ==, 0);
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 6), ==, 1);
  /* A peer that never said what it has is not added by it. */
  shoal_piece_picker_peer_dont_have (picker, PEER (3), 1);
  g_assert_false (shoal_piece_picker_knows_peer (picker, PEER (3)));
  g_assert_cmpuint (shoal_piece_picker_get_n_peers (picker), ==, 2);
  /* It has it again (a have): counted once more. */
  shoal_piece_picker_peer_have (picker, PEER (1), 5);
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 5), ==, 1);

  shoal_piece_picker_peer_remove (picker, PEER (1));
  shoal_piece_picker_peer_remove (picker, PEER (2));
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (shoal_piece_picker_get_availability (picker, i), ==, 0);
}

/* A picker made anew (metadata again, a recheck) while peers are connected
 * does not know them: removing them from it takes nothing from the peers it
 * does know. */
static void
test_peer_other_picker (void)
{
  const guint n = 8;
  g_autoptr(ShoalPiecePicker) first = shoal_piece_picker_new (n, BLOCK, (guint64) n * BLOCK);
  g_autoptr(ShoalPiecePicker) second = shoal_piece_picker_new (n, BLOCK, (guint64) n * BLOCK);
  g_autoptr(ShoalBitfield) two = bitfield_only (n, 2);

  shoal_piece_picker_peer_set_bitfield (first, PEER (1), two);
  shoal_piece_picker_peer_have_all (first, PEER (2));
  shoal_piece_picker_peer_have (second, PEER (3), 2);
  shoal_piece_picker_peer_remove (second, PEER (1));
  shoal_piece_picker_peer_remove (second, PEER (2));
  g_assert_cmpuint (shoal_piece_picker_get_availability (second, 2), ==, 1);
  g_assert_cmpuint (shoal_piece_picker_get_n_peers (second), ==, 1);
  g_assert_cmpuint (shoal_piece_picker_get_availability (first, 2), ==, 2);
  g_assert_cmpuint (shoal_piece_picker_get_n_peers (first), ==, 2);
}

/* Random messages from a few peers against a model that just keeps each
 * peer's last word: availability always matches, and the order of picks
 * (rarest first) is computed from it. */
static void
test_peer_random_messages (void)
{
  const guint n = 40;
  const guint n_peers = 6;

  for (guint32 seed = 0; seed < 30; seed++)
    {
      g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (n, BLOCK, (guint64) n * BLOCK);
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
      ShoalBitfield *model[6] = { NULL };  /* NULL: not counted */

      for (guint step = 0; step < 400; step++)
        {
          guint p = (guint) g_rand_int_range (rand, 0, (gint32) n_peers);
          guint piece = (guint) g_rand_int_range (rand, 0, (gint32) n);
          guint known = 0;

          switch (g_rand_int_range (rand, 0, 6))
            {
            case 0:
              {
                g_autoptr(ShoalBitfield) bf = shoal_bitfield_new (n);

                for (guint i = 0; i < n; i++)
                  shoal_bitfield_set (bf, i, g_rand_boolean (rand));
                shoal_piece_picker_peer_set_bitfield (picker, PEER (p + 1), bf);
                g_clear_pointer (&model[p], shoal_bitfield_free);
                model[p] = shoal_bitfield_copy (bf);
              }
              break;
            case 1:
              shoal_piece_picker_peer_have_all (picker, PEER (p + 1));
              g_clear_pointer (&model[p], shoal_bitfield_free);
              model[p] = bitfield_full (n);
              break;
            case 2:
              shoal_piece_picker_peer_have_none (picker, PEER (p + 1));
              g_clear_pointer (&model[p], shoal_bitfield_free);
              model[p] = shoal_bitfield_new (n);
              break;
            case 3:
            case 4:
              shoal_piece_picker_peer_have (picker, PEER (p + 1), piece);
              if (model[p] == NULL)
                model[p] = shoal_bitfield_new (n);
              shoal_bitfield_set (model[p], piece, TRUE);
              break;
            default:
              shoal_piece_picker_peer_remove (picker, PEER (p + 1));
              g_clear_pointer (&model[p], shoal_bitfield_free);
              break;
            }

          for (guint i = 0; i < n; i++)
            {
              guint expected = 0;

              for (guint q = 0; q < n_peers; q++)
                expected += model[q] != NULL && shoal_bitfield_get (model[q], i);
              g_assert_cmpuint (shoal_piece_picker_get_availability (picker, i), ==, expected);
            }
          for (guint q = 0; q < n_peers; q++)
            {
              known += model[q] != NULL;
              g_assert_cmpint (shoal_piece_picker_knows_peer (picker, PEER (q + 1)), ==, model[q] != NULL);
            }
          g_assert_cmpuint (shoal_piece_picker_get_n_peers (picker), ==, known);
        }

      /* A peer that has every piece some other peer has gets the rarest of
       * them, once past the random first pieces. */
      for (guint i = 0; i < SHOAL_PIECE_PICKER_RANDOM_FIRST_PIECES; i++)
        shoal_piece_picker_set_have (picker, i);
      {
        g_autoptr(ShoalBitfield) seen = shoal_bitfield_new (n);
        guint rarest = G_MAXUINT;
        ShoalBlock block;
        guint got = 0;

        for (guint i = SHOAL_PIECE_PICKER_RANDOM_FIRST_PIECES; i < n; i++)
          {
            guint a = shoal_piece_picker_get_availability (picker, i);

            shoal_bitfield_set (seen, i, a > 0);
            if (a > 0)
              rarest = MIN (rarest, a);
          }
        shoal_piece_picker_pick (picker, seen, PEER (99), 1, &block, &got);
        g_assert_cmpuint (got, ==, rarest != G_MAXUINT ? 1 : 0);
        if (got > 0)
          g_assert_cmpuint (shoal_piece_picker_get_availability (picker, block.piece), ==, rarest);
      }

      for (guint q = 0; q < n_peers; q++)
        {
          shoal_piece_picker_peer_remove (picker, PEER (q + 1));
          g_clear_pointer (&model[q], shoal_bitfield_free);
        }
      for (guint i = 0; i < n; i++)
        g_assert_cmpuint (shoal_piece_picker_get_availability (picker, i), ==, 0);
    }
}

static void
test_random_tie_break (void)
{
  const guint n = 100;
  g_autoptr(GHashTable) firsts = g_hash_table_new (NULL, NULL);

  for (guint32 seed = 0; seed < 50; seed++)
    {
      g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (n, BLOCK, (guint64) n * BLOCK);
      guint piece;

      shoal_piece_picker_set_seed (picker, seed);
      for (guint i = 0; i < SHOAL_PIECE_PICKER_RANDOM_FIRST_PIECES; i++)
        shoal_piece_picker_set_have (picker, i);
      shoal_piece_picker_peer_have_all (picker, SEED);
      piece = pick_one (picker, NULL, PEER (1));
      g_assert_cmpuint (piece, >=, SHOAL_PIECE_PICKER_RANDOM_FIRST_PIECES);
      g_hash_table_add (firsts, GUINT_TO_POINTER (piece));
    }
  g_assert_cmpuint (g_hash_table_size (firsts), >, 5);

  /* The same seed gives the same choice. */
  {
    guint first[2];

    for (guint round = 0; round < 2; round++)
      {
        g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (n, BLOCK, (guint64) n * BLOCK);

        shoal_piece_picker_set_seed (picker, 1234);
        shoal_piece_picker_peer_have_all (picker, SEED);
        first[round] = pick_one (picker, NULL, PEER (1));
      }
    g_assert_cmpuint (first[0], ==, first[1]);
  }
}

static void
test_first_pieces_random (void)
{
  const guint n = 100;
  g_autoptr(GHashTable) firsts = g_hash_table_new (NULL, NULL);

  for (guint32 seed = 0; seed < 50; seed++)
    {
      g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (n, BLOCK, (guint64) n * BLOCK);
      g_autoptr(ShoalBitfield) common = bitfield_all_but (n, 50);
      g_autoptr(ShoalBitfield) full = bitfield_full (n);
      guint first;

      shoal_piece_picker_set_seed (picker, seed);
      shoal_piece_picker_peer_set_bitfield (picker, PEER (1), common);
      shoal_piece_picker_peer_set_bitfield (picker, PEER (2), full);
      first = pick_one (picker, full, PEER (1));
      g_hash_table_add (firsts, GUINT_TO_POINTER (first));

      /* After four complete pieces, the rare one goes first. */
      if (first != 50)
        {
          guint marked = 0;

          for (guint i = 0; marked < SHOAL_PIECE_PICKER_RANDOM_FIRST_PIECES; i++)
            if (i != first && i != 50)
              {
                shoal_piece_picker_set_have (picker, i);
                marked++;
              }
          g_assert_cmpuint (pick_one (picker, full, PEER (1)), ==, 50);
        }
    }
  /* Not always the rarest piece (50), nor always the same piece. */
  g_assert_cmpuint (g_hash_table_size (firsts), >, 5);
}

static void
test_partial_first (void)
{
  /* 8 pieces of 4 blocks. */
  const guint n = 8;
  g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (n, 4 * BLOCK, (guint64) n * 4 * BLOCK);
  g_autoptr(ShoalBitfield) only3 = bitfield_only (n, 3);
  g_autoptr(ShoalBitfield) only5 = bitfield_only (n, 5);
  ShoalBlock blocks[4];
  guint got;
  guint n_partial;
  g_autofree ShoalPartialPiece *partials = NULL;

  shoal_piece_picker_peer_have_all (picker, SEED);

  /* Peer 1 opens piece 3, peer 2 opens piece 5. */
  shoal_piece_picker_pick (picker, only3, PEER (1), 2, blocks, &got);
  g_assert_cmpuint (got, ==, 2);
  g_assert_cmpuint (blocks[0].piece, ==, 3);
  g_assert_cmpuint (blocks[0].begin, ==, 0);
  g_assert_cmpuint (blocks[1].begin, ==, BLOCK);
  shoal_piece_picker_pick (picker, only5, PEER (2), 2, blocks, &got);
  g_assert_cmpuint (got, ==, 2);
  g_assert_cmpuint (blocks[0].piece, ==, 5);

  /* A newcomer that has everything finishes the oldest partial piece. */
  shoal_piece_picker_pick (picker, NULL, PEER (3), 1, blocks, &got);
  g_assert_cmpuint (got, ==, 1);
  g_assert_cmpuint (blocks[0].piece, ==, 3);
  g_assert_cmpuint (blocks[0].begin, ==, 2 * BLOCK);

  /* Peer 2, now with everything, sticks to the piece it works on. */
  shoal_piece_picker_pick (picker, NULL, PEER (2), 2, blocks, &got);
  g_assert_cmpuint (got, ==, 2);
  g_assert_cmpuint (blocks[0].piece, ==, 5);
  g_assert_cmpuint (blocks[1].piece, ==, 5);

  /* Then the rest of the other partial, then a new piece. */
  shoal_piece_picker_pick (picker, NULL, PEER (2), 2, blocks, &got);
  g_assert_cmpuint (got, ==, 2);
  g_assert_cmpuint (blocks[0].piece, ==, 3);
  g_assert_cmpuint (blocks[0].begin, ==, 3 * BLOCK);
  g_assert_cmpuint (blocks[1].piece, !=, 3);
  g_assert_cmpuint (blocks[1].piece, !=, 5);
  g_assert_cmpuint (blocks[1].begin, ==, 0);

  partials = shoal_piece_picker_get_partial_pieces (picker, &n_partial);
  g_assert_cmpuint (n_partial, ==, 3);
  g_assert_cmpuint (partials[0].piece, ==, 3);
  g_assert_cmpuint (partials[0].n_requested, ==, 4);
  g_assert_cmpuint (partials[0].n_received, ==, 0);
  g_assert_cmpuint (partials[2].n_requested, ==, 1);
  g_assert_cmpuint (partials[2].n_blocks, ==, 4);
}

static void
test_max_partial (void)
{
  const guint n = 10;
  g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (n, 4 * BLOCK, (guint64) n * 4 * BLOCK);
  ShoalBlock blocks[64];
  guint got;

  shoal_piece_picker_peer_have_all (picker, SEED);
  shoal_piece_picker_set_max_partial (picker, 2);
  shoal_piece_picker_pick (picker, NULL, PEER (1), G_N_ELEMENTS (blocks), blocks, &got);
  g_assert_cmpuint (got, ==, 8);
  shoal_piece_picker_pick (picker, NULL, PEER (2), G_N_ELEMENTS (blocks), blocks, &got);
  g_assert_cmpuint (got, ==, 0);
  g_assert_false (shoal_piece_picker_is_endgame (picker));

  /* By bytes: three pieces' worth in memory at most. */
  shoal_piece_picker_set_max_partial (picker, 100);
  shoal_piece_picker_set_max_partial_bytes (picker, 3 * 4 * BLOCK);
  shoal_piece_picker_pick (picker, NULL, PEER (2), G_N_ELEMENTS (blocks), blocks, &got);
  g_assert_cmpuint (got, ==, 4);

  /* A limit below one piece still lets one piece through. */
  {
    g_autoptr(ShoalPiecePicker) small = shoal_piece_picker_new (n, 4 * BLOCK, (guint64) n * 4 * BLOCK);

    shoal_piece_picker_set_max_partial_bytes (small, BLOCK);
    shoal_piece_picker_pick (small, NULL, PEER (1), G_N_ELEMENTS (blocks), blocks, &got);
    g_assert_cmpuint (got, ==, 4);
  }
}

/* A piece whose blocks have all arrived waits for its hash check: it frees
 * its place among the pieces in progress, but not its bytes. */
static void
test_max_partial_complete (void)
{
  const guint n = 10;
  g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (n, 4 * BLOCK, (guint64) n * 4 * BLOCK);
  ShoalBlock blocks[64];
  ShoalBlock more[64];
  guint got, got_more;

  shoal_piece_picker_peer_have_all (picker, SEED);
  shoal_piece_picker_set_max_partial (picker, 1);
  shoal_piece_picker_pick (picker, NULL, PEER (1), G_N_ELEMENTS (blocks), blocks, &got);
  g_assert_cmpuint (got, ==, 4);
  shoal_piece_picker_pick (picker, NULL, PEER (1), G_N_ELEMENTS (more), more, &got_more);
  g_assert_cmpuint (got_more, ==, 0);

  for (guint i = 0; i < 3; i++)
    g_assert_false (shoal_piece_picker_block_received (picker, &blocks[i], PEER (1), NULL, NULL));
  shoal_piece_picker_pick (picker, NULL, PEER (1), G_N_ELEMENTS (more), more, &got_more);
  g_assert_cmpuint (got_more, ==, 0);

  /* Complete, not yet verified: the next piece may start. */
  g_assert_true (shoal_piece_picker_block_received (picker, &blocks[3], PEER (1), NULL, NULL));
  g_assert_false (shoal_piece_picker_has_piece (picker, blocks[0].piece));
  shoal_piece_picker_pick (picker, NULL, PEER (1), G_N_ELEMENTS (more), more, &got_more);
  g_assert_cmpuint (got_more, ==, 4);
  g_assert_cmpuint (more[0].piece, !=, blocks[0].piece);

  /* Its failure brings the count back: one piece in progress again. */
  shoal_piece_picker_piece_failed (picker, blocks[0].piece, NULL, NULL);
  shoal_piece_picker_pick (picker, NULL, PEER (2), G_N_ELEMENTS (blocks), blocks, &got);
  g_assert_cmpuint (got, ==, 0);

  /* The bytes of pieces being verified still count. */
  {
    g_autoptr(ShoalPiecePicker) bytes = shoal_piece_picker_new (n, 4 * BLOCK, (guint64) n * 4 * BLOCK);

    shoal_piece_picker_peer_have_all (bytes, SEED);
    shoal_piece_picker_set_max_partial (bytes, 100);
    shoal_piece_picker_set_max_partial_bytes (bytes, 4 * BLOCK);
    shoal_piece_picker_pick (bytes, NULL, PEER (1), G_N_ELEMENTS (blocks), blocks, &got);
    g_assert_cmpuint (got, ==, 4);
    for (guint i = 0; i < 4; i++)
      shoal_piece_picker_block_received (bytes, &blocks[i], PEER (1), NULL, NULL);
    shoal_piece_picker_pick (bytes, NULL, PEER (1), G_N_ELEMENTS (more), more, &got_more);
    g_assert_cmpuint (got_more, ==, 0);
    shoal_piece_picker_piece_verified (bytes, blocks[0].piece);
    shoal_piece_picker_pick (bytes, NULL, PEER (1), G_N_ELEMENTS (more), more, &got_more);
    g_assert_cmpuint (got_more, ==, 4);
  }
}

/* A peer with a deep queue opens the pieces it needs beyond the limit on
 * pieces in progress; plain picks still honour it afterwards. */
static void
test_pick_with_room (void)
{
  const guint n = 40;
  g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (n, 4 * BLOCK, (guint64) n * 4 * BLOCK);
  ShoalBlock blocks[64];
  guint got;

  shoal_piece_picker_peer_have_all (picker, SEED);
  shoal_piece_picker_set_max_partial (picker, 2);
  shoal_piece_picker_pick_with_room (picker, NULL, PEER (1), 16, blocks, &got);
  g_assert_cmpuint (got, ==, 16);
  shoal_piece_picker_pick (picker, NULL, PEER (2), G_N_ELEMENTS (blocks), blocks, &got);
  g_assert_cmpuint (got, ==, 0);
  g_assert_cmpuint (shoal_piece_picker_get_max_partial (picker), ==, 2);

  /* The second peer gets pieces of its own, as many as its queue takes. */
  shoal_piece_picker_pick_with_room (picker, NULL, PEER (2), 6, blocks, &got);
  g_assert_cmpuint (got, ==, 6);
  g_assert_cmpuint (blocks[0].piece, ==, blocks[3].piece);
  g_assert_cmpuint (blocks[4].piece, !=, blocks[0].piece);

  /* It finishes its own piece before opening another. */
  shoal_piece_picker_pick_with_room (picker, NULL, PEER (2), 2, blocks, &got);
  g_assert_cmpuint (got, ==, 2);
  g_assert_cmpuint (blocks[0].piece, ==, blocks[1].piece);

  /* The bound on bytes in progress still holds. */
  shoal_piece_picker_set_max_partial_bytes (picker, 6 * 4 * BLOCK);
  shoal_piece_picker_pick_with_room (picker, NULL, PEER (3), 32, blocks, &got);
  g_assert_cmpuint (got, ==, 0);
}

static void
test_priorities (void)
{
  const guint n = 30;
  g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (n, BLOCK, (guint64) n * BLOCK);
  g_autoptr(ShoalBitfield) skipped_only = bitfield_only (n, 0);
  guint order[30];

  shoal_piece_picker_set_seed (picker, 7);
  shoal_piece_picker_peer_have_all (picker, SEED);
  shoal_piece_picker_set_piece_priority (picker, 0, SHOAL_PIECE_PRIORITY_SKIP);
  shoal_piece_picker_set_piece_priority (picker, 1, SHOAL_PIECE_PRIORITY_SKIP);
  shoal_piece_picker_set_piece_priority (picker, 20, SHOAL_PIECE_PRIORITY_HIGH);
  shoal_piece_picker_set_piece_priority (picker, 21, SHOAL_PIECE_PRIORITY_HIGH);
  shoal_piece_picker_set_piece_priority (picker, 10, SHOAL_PIECE_PRIORITY_LOW);
  shoal_piece_picker_set_piece_priority (picker, 11, 5);
  g_assert_cmpuint (shoal_piece_picker_get_piece_priority (picker, 11), ==, 5);
  g_assert_cmpuint (shoal_piece_picker_get_n_missing_wanted (picker), ==, n - 2);
  g_assert_cmpuint (shoal_piece_picker_get_bytes_left (picker), ==, (guint64) (n - 2) * BLOCK);

  /* A peer with only a skipped piece is not interesting and gets nothing. */
  g_assert_false (shoal_piece_picker_is_interesting (picker, skipped_only));
  {
    ShoalBlock block;
    guint got;

    shoal_piece_picker_pick (picker, skipped_only, PEER (2), 1, &block, &got);
    g_assert_cmpuint (got, ==, 0);
  }

  for (guint i = 0; i < n - 2; i++)
    {
      order[i] = pick_one (picker, NULL, PEER (1));
      complete_piece (picker, order[i], PEER (1));
    }
  g_assert_true (shoal_piece_picker_is_complete (picker));
  g_assert_cmpuint (shoal_piece_picker_get_bytes_left (picker), ==, 0);
  g_assert_false (shoal_piece_picker_has_piece (picker, 0));
  g_assert_false (shoal_piece_picker_has_piece (picker, 1));

  /* High, then 5, then normal (random order), then low. */
  g_assert_true ((order[0] == 20 && order[1] == 21) || (order[0] == 21 && order[1] == 20));
  g_assert_cmpuint (order[2], ==, 11);
  g_assert_cmpuint (order[n - 3], ==, 10);
  for (guint i = 3; i < n - 3; i++)
    g_assert_true (order[i] > 1 && order[i] != 10 && order[i] != 11);

  /* Nothing more to pick: a skipped piece is never requested. */
  {
    ShoalBlock block;
    guint got;

    shoal_piece_picker_pick (picker, NULL, PEER (1), 1, &block, &got);
    g_assert_cmpuint (got, ==, 0);
  }

  /* Unskipping makes the torrent incomplete again. */
  shoal_piece_picker_set_piece_priority (picker, 1, SHOAL_PIECE_PRIORITY_NORMAL);
  g_assert_false (shoal_piece_picker_is_complete (picker));
  g_assert_cmpuint (pick_one (picker, NULL, PEER (1)), ==, 1);
}

static void
test_sequential (void)
{
  const guint n = 20;
  g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (n, 2 * BLOCK, (guint64) n * 2 * BLOCK - 100);
  g_autoptr(ShoalBitfield) has = bitfield_all_but (n, 3);
  GArray *order = g_array_new (FALSE, FALSE, sizeof (guint));

  shoal_piece_picker_set_sequential (picker, TRUE);
  g_assert_true (shoal_piece_picker_get_sequential (picker));
  shoal_piece_picker_peer_set_bitfield (picker, PEER (1), has);
  shoal_piece_picker_set_have (picker, 1);
  shoal_piece_picker_set_piece_priority (picker, 15, SHOAL_PIECE_PRIORITY_HIGH);
  shoal_piece_picker_set_piece_priority (picker, 16, SHOAL_PIECE_PRIORITY_SKIP);
  shoal_piece_picker_set_piece_priority (picker, 5, SHOAL_PIECE_PRIORITY_LOW);

  for (;;)
    {
      ShoalBlock blocks[2];
      guint got;

      shoal_piece_picker_pick (picker, has, PEER (1), 2, blocks, &got);
      if (got == 0)
        break;
      g_assert_cmpuint (got, ==, 2);
      g_assert_cmpuint (blocks[0].piece, ==, blocks[1].piece);
      g_array_append_val (order, blocks[0].piece);
      complete_piece (picker, blocks[0].piece, PEER (1));
    }

  {
    const guint expected[] = { 15, 0, 2, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 17, 18, 19, 5 };

    g_assert_cmpmem (order->data, order->len * sizeof (guint), expected, sizeof expected);
  }
  g_array_unref (order);

  /* Losing a piece sends the cursor back. */
  shoal_piece_picker_clear_have (picker, 2);
  g_assert_cmpuint (pick_one (picker, has, PEER (1)), ==, 2);
}

static void
test_endgame (void)
{
  /* 2 pieces of 2 blocks. */
  g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (2, 2 * BLOCK, 4 * BLOCK);
  ShoalBlock blocks[8];
  ShoalBlock dup[8];
  guint got, n_dup;
  g_autofree gpointer *others = NULL;
  guint n_others;

  shoal_piece_picker_peer_have_all (picker, SEED);
  g_assert_false (shoal_piece_picker_is_endgame (picker));
  shoal_piece_picker_pick (picker, NULL, PEER (1), 8, blocks, &got);
  g_assert_cmpuint (got, ==, 4);
  g_assert_true (shoal_piece_picker_is_endgame (picker));

  /* Peer 2 gets each outstanding block once more. */
  shoal_piece_picker_pick (picker, NULL, PEER (2), 8, dup, &n_dup);
  g_assert_cmpuint (n_dup, ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      g_assert_cmpuint (dup[i].piece, ==, blocks[i].piece);
      g_assert_cmpuint (dup[i].begin, ==, blocks[i].begin);
    }
  /* Peer 1 is not asked twice, and a third peer gets nothing. */
  shoal_piece_picker_pick (picker, NULL, PEER (1), 8, dup, &n_dup);
  g_assert_cmpuint (n_dup, ==, 0);
  shoal_piece_picker_pick (picker, NULL, PEER (3), 8, dup, &n_dup);
  g_assert_cmpuint (n_dup, ==, 0);

  /* Peer 2 delivers: peer 1 must get a cancel. */
  g_assert_false (shoal_piece_picker_block_received (picker, &blocks[0], PEER (2), &others, &n_others));
  g_assert_cmpuint (n_others, ==, 1);
  g_assert_true (others[0] == PEER (1));
  g_clear_pointer (&others, g_free);

  /* Peer 1's copy arrives anyway: ignored. */
  g_assert_false (shoal_piece_picker_is_block_wanted (picker, &blocks[0]));
  g_assert_false (shoal_piece_picker_block_received (picker, &blocks[0], PEER (1), &others, &n_others));
  g_assert_cmpuint (n_others, ==, 0);
  g_assert_null (others);

  /* Peer 2 is cancelled on block 1; peer 1 sends it, nobody to cancel. */
  shoal_piece_picker_block_cancelled (picker, &blocks[1], PEER (2));
  g_assert_true (shoal_piece_picker_block_received (picker, &blocks[1], PEER (1), &others, &n_others));
  g_assert_cmpuint (n_others, ==, 0);
  shoal_piece_picker_piece_verified (picker, blocks[0].piece);

  /* Peer 1 goes away: its blocks now have one requester, peer 2, and a
   * third peer can duplicate them. */
  shoal_piece_picker_peer_gone (picker, PEER (1));
  g_assert_true (shoal_piece_picker_is_endgame (picker));
  shoal_piece_picker_pick (picker, NULL, PEER (3), 8, dup, &n_dup);
  g_assert_cmpuint (n_dup, ==, 2);
  g_assert_true (shoal_piece_picker_block_received (picker, &dup[0], PEER (3), &others, &n_others) == FALSE);
  g_assert_cmpuint (n_others, ==, 1);
  g_assert_true (others[0] == PEER (2));
  g_clear_pointer (&others, g_free);
  g_assert_true (shoal_piece_picker_block_received (picker, &dup[1], PEER (2), &others, &n_others));
  g_assert_cmpuint (n_others, ==, 1);
  g_assert_true (others[0] == PEER (3));
  shoal_piece_picker_piece_verified (picker, dup[0].piece);
  g_assert_true (shoal_piece_picker_is_complete (picker));
  g_assert_false (shoal_piece_picker_is_endgame (picker));
}

static void
test_peer_gone (void)
{
  const guint n = 10;
  g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (n, 4 * BLOCK, (guint64) n * 4 * BLOCK);
  ShoalBlock first[4], second[4];
  guint got;

  shoal_piece_picker_peer_have_all (picker, SEED);
  shoal_piece_picker_pick (picker, NULL, PEER (1), 3, first, &got);
  g_assert_cmpuint (got, ==, 3);
  g_assert_true (shoal_piece_picker_block_received (picker, &first[1], PEER (1), NULL, NULL) == FALSE);
  shoal_piece_picker_peer_gone (picker, PEER (1));

  /* Peer 2 gets blocks 0 and 2 back, then the never requested block 3. */
  shoal_piece_picker_pick (picker, NULL, PEER (2), 3, second, &got);
  g_assert_cmpuint (got, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (second[i].piece, ==, first[0].piece);
  g_assert_cmpuint (second[0].begin, ==, 0);
  g_assert_cmpuint (second[1].begin, ==, 2 * BLOCK);
  g_assert_cmpuint (second[2].begin, ==, 3 * BLOCK);

  /* Rejected requests come back too. */
  shoal_piece_picker_request_rejected (picker, &second[1], PEER (2));
  shoal_piece_picker_pick (picker, NULL, PEER (3), 1, first, &got);
  g_assert_cmpuint (got, ==, 1);
  g_assert_cmpuint (first[0].piece, ==, second[1].piece);
  g_assert_cmpuint (first[0].begin, ==, second[1].begin);

  /* Releasing a request the peer never had changes nothing. */
  shoal_piece_picker_block_cancelled (picker, &second[2], PEER (9));
  shoal_piece_picker_pick (picker, NULL, PEER (3), 1, first, &got);
  g_assert_cmpuint (got, ==, 1);
  g_assert_cmpuint (first[0].piece, !=, second[0].piece);
}

static void
test_timeout (void)
{
  g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (4, 2 * BLOCK, 8 * BLOCK);
  ShoalBlock slow[2], fast[2];
  guint got;
  g_autofree gpointer *others = NULL;
  guint n_others;

  shoal_piece_picker_peer_have_all (picker, SEED);
  shoal_piece_picker_pick (picker, NULL, PEER (1), 2, slow, &got);
  g_assert_cmpuint (got, ==, 2);
  shoal_piece_picker_request_timed_out (picker, &slow[0], PEER (1));
  shoal_piece_picker_request_timed_out (picker, &slow[1], PEER (1));

  /* The blocks go to another peer, before any new piece. */
  shoal_piece_picker_pick (picker, NULL, PEER (2), 2, fast, &got);
  g_assert_cmpuint (got, ==, 2);
  g_assert_cmpuint (fast[0].piece, ==, slow[0].piece);
  g_assert_cmpuint (fast[0].begin, ==, slow[0].begin);
  g_assert_cmpuint (fast[1].begin, ==, slow[1].begin);

  /* The fast peer delivers: the slow one still gets a cancel. */
  g_assert_false (shoal_piece_picker_block_received (picker, &fast[0], PEER (2), &others, &n_others));
  g_assert_cmpuint (n_others, ==, 1);
  g_assert_true (others[0] == PEER (1));
  g_clear_pointer (&others, g_free);

  /* The slow peer delivers the other block first: accepted, the fast peer
   * gets the cancel. */
  g_assert_true (shoal_piece_picker_is_block_wanted (picker, &slow[1]));
  g_assert_true (shoal_piece_picker_block_received (picker, &slow[1], PEER (1), &others, &n_others));
  g_assert_cmpuint (n_others, ==, 1);
  g_assert_true (others[0] == PEER (2));
}

/* Every block of every piece in progress asked for, most pieces complete
 * and waiting for their check: blocks a peer gives back (it left, or its
 * request timed out) are found again before any new piece is opened. */
static void
test_released_when_all_requested (void)
{
  const guint n = 8;
  g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (n, 2 * BLOCK, (guint64) n * 2 * BLOCK);
  ShoalBlock got_blocks[2], again[2];
  guint got;

  shoal_piece_picker_set_max_partial (picker, n);
  shoal_piece_picker_peer_have_all (picker, SEED);
  for (guint i = 0; i < 4; i++)
    {
      shoal_piece_picker_pick (picker, NULL, PEER (1), 2, got_blocks, &got);
      g_assert_cmpuint (got, ==, 2);
      g_assert_false (shoal_piece_picker_block_received (picker, &got_blocks[0], PEER (1), NULL, NULL));
      g_assert_true (shoal_piece_picker_block_received (picker, &got_blocks[1], PEER (1), NULL, NULL));
    }

  /* Peer 2 takes a whole piece, then leaves. */
  shoal_piece_picker_pick (picker, NULL, PEER (2), 2, got_blocks, &got);
  g_assert_cmpuint (got, ==, 2);
  g_assert_cmpuint (got_blocks[0].piece, ==, got_blocks[1].piece);
  shoal_piece_picker_peer_gone (picker, PEER (2));
  shoal_piece_picker_pick (picker, NULL, PEER (3), 2, again, &got);
  g_assert_cmpuint (got, ==, 2);
  g_assert_cmpuint (again[0].piece, ==, got_blocks[0].piece);
  g_assert_cmpuint (again[1].piece, ==, got_blocks[0].piece);

  /* Peer 3's requests time out: peer 4 gets them, not a new piece. */
  shoal_piece_picker_request_timed_out (picker, &again[0], PEER (3));
  shoal_piece_picker_request_timed_out (picker, &again[1], PEER (3));
  shoal_piece_picker_pick (picker, NULL, PEER (4), 2, got_blocks, &got);
  g_assert_cmpuint (got, ==, 2);
  g_assert_cmpuint (got_blocks[0].piece, ==, again[0].piece);
  g_assert_cmpuint (got_blocks[1].piece, ==, again[0].piece);

  /* Nothing is left to ask for in the pieces in progress: a new one. */
  shoal_piece_picker_pick (picker, NULL, PEER (5), 1, again, &got);
  g_assert_cmpuint (got, ==, 1);
  g_assert_cmpuint (again[0].piece, !=, got_blocks[0].piece);
}

static void
test_piece_failed (void)
{
  g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (3, 4 * BLOCK, 12 * BLOCK);
  ShoalBlock a[2], b[2], again[4];
  guint got;
  g_autofree gpointer *contributors = NULL;
  guint n_contributors;
  guint piece;

  shoal_piece_picker_peer_have_all (picker, SEED);
  shoal_piece_picker_pick (picker, NULL, PEER (1), 2, a, &got);
  shoal_piece_picker_pick (picker, NULL, PEER (2), 2, b, &got);
  piece = a[0].piece;
  g_assert_cmpuint (b[0].piece, ==, piece);
  g_assert_false (shoal_piece_picker_block_received (picker, &a[0], PEER (1), NULL, NULL));
  g_assert_false (shoal_piece_picker_block_received (picker, &a[1], PEER (1), NULL, NULL));
  g_assert_false (shoal_piece_picker_block_received (picker, &b[0], PEER (2), NULL, NULL));
  g_assert_cmpuint (shoal_piece_picker_get_bytes_left (picker), ==, 9 * BLOCK);
  g_assert_true (shoal_piece_picker_block_received (picker, &b[1], PEER (2), NULL, NULL));
  g_assert_cmpuint (shoal_piece_picker_get_bytes_left (picker), ==, 8 * BLOCK);

  shoal_piece_picker_piece_failed (picker, piece, &contributors, &n_contributors);
  g_assert_cmpuint (n_contributors, ==, 2);
  g_assert_true ((contributors[0] == PEER (1) && contributors[1] == PEER (2)) ||
                 (contributors[0] == PEER (2) && contributors[1] == PEER (1)));
  g_assert_false (shoal_piece_picker_has_piece (picker, piece));
  g_assert_cmpuint (shoal_piece_picker_get_bytes_left (picker), ==, 12 * BLOCK);
  g_assert_false (shoal_piece_picker_is_block_wanted (picker, &a[0]));

  /* A failed piece that is not in progress reports nobody. */
  g_clear_pointer (&contributors, g_free);
  shoal_piece_picker_piece_failed (picker, piece, &contributors, &n_contributors);
  g_assert_cmpuint (n_contributors, ==, 0);
  g_assert_null (contributors);

  /* Every block can be requested again. */
  shoal_piece_picker_set_max_partial (picker, 1);
  shoal_piece_picker_pick (picker, NULL, PEER (3), 4, again, &got);
  g_assert_cmpuint (got, ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      g_assert_cmpuint (again[i].begin, ==, i * BLOCK);
      g_assert_true (shoal_piece_picker_is_block_wanted (picker, &again[i]));
    }
}

/* A v2 block found bad alone (or not written) is wanted again by itself:
 * the rest of its piece stays received. */
static void
test_block_failed (void)
{
  g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (2, 4 * BLOCK, 8 * BLOCK);
  ShoalBlock a[4], again[4];
  guint got;

  shoal_piece_picker_peer_have_all (picker, SEED);
  shoal_piece_picker_set_max_partial (picker, 1);
  shoal_piece_picker_pick (picker, NULL, PEER (1), 4, a, &got);
  g_assert_cmpuint (got, ==, 4);
  for (guint i = 0; i < 3; i++)
    g_assert_false (shoal_piece_picker_block_received (picker, &a[i], PEER (1), NULL, NULL));
  g_assert_true (shoal_piece_picker_block_received (picker, &a[3], PEER (1), NULL, NULL));
  g_assert_cmpuint (shoal_piece_picker_get_bytes_left (picker), ==, 4 * BLOCK);

  shoal_piece_picker_block_failed (picker, &a[2]);
  g_assert_true (shoal_piece_picker_is_block_wanted (picker, &a[2]));
  g_assert_false (shoal_piece_picker_is_block_wanted (picker, &a[1]));
  g_assert_cmpuint (shoal_piece_picker_get_bytes_left (picker), ==, 5 * BLOCK);
  /* Twice is once; a block not received changes nothing. */
  shoal_piece_picker_block_failed (picker, &a[2]);
  g_assert_cmpuint (shoal_piece_picker_get_bytes_left (picker), ==, 5 * BLOCK);

  /* Another peer is asked for that block alone, and it completes the piece. */
  shoal_piece_picker_pick (picker, NULL, PEER (2), 4, again, &got);
  g_assert_cmpuint (got, ==, 1);
  g_assert_cmpuint (again[0].piece, ==, a[2].piece);
  g_assert_cmpuint (again[0].begin, ==, a[2].begin);
  g_assert_true (shoal_piece_picker_block_received (picker, &again[0], PEER (2), NULL, NULL));
  g_assert_cmpuint (shoal_piece_picker_get_bytes_left (picker), ==, 4 * BLOCK);
}

static void
test_is_interesting (void)
{
  const guint n = 12;
  g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (n, BLOCK, (guint64) n * BLOCK);
  g_autoptr(ShoalBitfield) peer = bitfield_only (n, 4);
  g_autoptr(ShoalBitfield) empty = shoal_bitfield_new (n);

  g_assert_true (shoal_piece_picker_is_interesting (picker, NULL));
  g_assert_true (shoal_piece_picker_is_interesting (picker, peer));
  g_assert_false (shoal_piece_picker_is_interesting (picker, empty));

  shoal_piece_picker_set_have (picker, 4);
  g_assert_false (shoal_piece_picker_is_interesting (picker, peer));
  shoal_piece_picker_clear_have (picker, 4);
  g_assert_true (shoal_piece_picker_is_interesting (picker, peer));
  shoal_piece_picker_set_piece_priority (picker, 4, SHOAL_PIECE_PRIORITY_SKIP);
  g_assert_false (shoal_piece_picker_is_interesting (picker, peer));

  shoal_bitfield_set (peer, 11, TRUE);
  g_assert_true (shoal_piece_picker_is_interesting (picker, peer));

  for (guint i = 0; i < n; i++)
    shoal_piece_picker_set_have (picker, i);
  g_assert_cmpuint (shoal_piece_picker_get_n_have (picker), ==, n);
  g_assert_true (shoal_bitfield_is_full (shoal_piece_picker_get_have (picker)));
  g_assert_false (shoal_piece_picker_is_interesting (picker, NULL));
  g_assert_true (shoal_piece_picker_is_complete (picker));
  g_assert_cmpuint (shoal_piece_picker_get_n_missing_wanted (picker), ==, 0);
}

/* A v1 multi-file torrent with 16 KiB pieces. Its files, offsets in pieces
 * of 16384 bytes:
 *   a    0     .. 20000   pieces 0-1
 *   pad  20000 .. 49152   pieces 1-2 (fills piece 2 entirely)
 *   b    49152 .. 81920   pieces 3-4
 *   c    81920 .. 82020   piece 5
 *   d    empty at 82020
 *   e    82020 .. 112020  pieces 5-6
 */
static ShoalMetainfo *
make_multi_file_torrent (void)
{
  static const struct { const char *name; guint64 length; gboolean pad; } files[] = {
    { "a", 20000, FALSE },
    { "29152", 29152, TRUE },
    { "b", 32768, FALSE },
    { "c", 100, FALSE },
    { "d", 0, FALSE },
    { "e", 30000, FALSE },
  };
  g_autoptr(ShoalBencodeWriter) writer = shoal_bencode_writer_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  ShoalMetainfo *metainfo;
  guint8 pieces[7 * 20] = { 0, };

  shoal_bencode_writer_begin_dict (writer);
  shoal_bencode_writer_cstring (writer, "info");
  shoal_bencode_writer_begin_dict (writer);
  shoal_bencode_writer_cstring (writer, "files");
  shoal_bencode_writer_begin_list (writer);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      shoal_bencode_writer_begin_dict (writer);
      if (files[i].pad)
        {
          shoal_bencode_writer_cstring (writer, "attr");
          shoal_bencode_writer_cstring (writer, "p");
        }
      shoal_bencode_writer_cstring (writer, "length");
      shoal_bencode_writer_integer (writer, (gint64) files[i].length);
      shoal_bencode_writer_cstring (writer, "path");
      shoal_bencode_writer_begin_list (writer);
      if (files[i].pad)
        shoal_bencode_writer_cstring (writer, ".pad");
      shoal_bencode_writer_cstring (writer, files[i].name);
      shoal_bencode_writer_end (writer);
      shoal_bencode_writer_end (writer);
    }
  shoal_bencode_writer_end (writer);
  shoal_bencode_writer_cstring (writer, "name");
  shoal_bencode_writer_cstring (writer, "multi");
  shoal_bencode_writer_cstring (writer, "piece length");
  shoal_bencode_writer_integer (writer, 16384);
  shoal_bencode_writer_cstring (writer, "pieces");
  shoal_bencode_writer_string (writer, pieces, sizeof pieces);
  shoal_bencode_writer_end (writer);
  shoal_bencode_writer_end (writer);
  bytes = shoal_bencode_writer_finish (writer);

  metainfo = shoal_metainfo_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_metainfo_get_n_pieces (metainfo), ==, 7);
  g_assert_cmpuint (shoal_metainfo_get_n_files (metainfo), ==, 6);
  g_assert_cmpuint (shoal_metainfo_get_file (metainfo, 2)->offset, ==, 49152);
  g_assert_true (shoal_metainfo_get_file (metainfo, 1)->attributes & SHOAL_FILE_ATTRIBUTE_PAD);
  g_assert_cmpuint (shoal_metainfo_get_file (metainfo, 5)->offset, ==, 82020);
  return metainfo;
}

static void
test_file_priorities (void)
{
  g_autoptr(ShoalMetainfo) metainfo = make_multi_file_torrent ();
  g_autoptr(ShoalPiecePicker) picker = NULL;
  g_autofree guint8 *map = NULL;

  /* a low, pad high (ignored), b skipped, c high, d high (empty), e normal */
  {
    const guint8 file_prios[] = { 1, 7, 0, 7, 7, 4 };
    const guint8 expected[] = { 1, 1, 0, 0, 0, 7, 4 };

    map = shoal_piece_picker_map_file_priorities (metainfo, file_prios, 6);
    g_assert_cmpmem (map, 7, expected, sizeof expected);
    g_clear_pointer (&map, g_free);
  }

  /* A boundary piece takes the higher of its files; a piece with only
   * padding is skipped whatever the pad file's priority. */
  {
    const guint8 file_prios[] = { 0, 7, 4, 1, 7, 0 };
    const guint8 expected[] = { 0, 0, 0, 4, 4, 1, 0 };

    map = shoal_piece_picker_map_file_priorities (metainfo, file_prios, 6);
    g_assert_cmpmem (map, 7, expected, sizeof expected);
    g_clear_pointer (&map, g_free);
  }

  /* Applied to a picker: only pieces 3-5 are wanted. */
  {
    const guint8 file_prios[] = { 0, 7, 4, 1, 7, 0 };
    ShoalBlock blocks[16];
    guint got;

    picker = shoal_piece_picker_new (7, 16384, shoal_metainfo_get_total_length (metainfo));
    shoal_piece_picker_set_file_priorities (picker, metainfo, file_prios, 6);
    g_assert_cmpuint (shoal_piece_picker_get_n_missing_wanted (picker), ==, 3);
    g_assert_cmpuint (shoal_piece_picker_get_bytes_left (picker), ==, 3 * 16384);
    g_assert_cmpuint (shoal_piece_picker_get_piece_priority (picker, 5), ==, 1);
    shoal_piece_picker_peer_have_all (picker, SEED);
    shoal_piece_picker_pick (picker, NULL, PEER (1), G_N_ELEMENTS (blocks), blocks, &got);
    g_assert_cmpuint (got, ==, 3);
    /* Normal before low. */
    g_assert_cmpuint (blocks[2].piece, ==, 5);
  }
}

/* CPU time of this thread, so that a loaded machine does not fail the test. */
static gint64
cpu_time_usec (void)
{
  struct timespec ts;

  g_assert_cmpint (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts), ==, 0);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* 100,000 pieces of 16 blocks, 200 peers each with a random half of the
 * pieces (and one seed among them), fetched to the end. */
static void
test_performance (void)
{
  const guint n = 100000;
  const guint n_peers = 200;
  const guint64 pl = 16 * BLOCK;
  g_autoptr(ShoalPiecePicker) picker = shoal_piece_picker_new (n, pl, (guint64) n * pl - 1000);
  g_autoptr(GPtrArray) peers = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_bitfield_free);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  ShoalBlock blocks[64];
  guint64 blocks_received = 0;
  guint64 expected_blocks = 0;
  guint rounds = 0;
  gint64 start, counted, elapsed;

  for (guint i = 0; i < n; i++)
    expected_blocks += shoal_piece_picker_get_n_blocks (picker, i);

  for (guint p = 0; p < n_peers; p++)
    {
      g_autofree guint8 *bytes = g_malloc ((n + 7) / 8);
      ShoalBitfield *bf;

      for (guint i = 0; i < (n + 7) / 8; i++)
        bytes[i] = p == 0 ? 0xff : (guint8) g_rand_int (rand);
      /* n is a multiple of 8: no spare bits */
      bf = shoal_bitfield_new_from_bytes (n, bytes, (n + 7) / 8, NULL);
      g_assert_nonnull (bf);
      g_ptr_array_add (peers, bf);
    }

  start = cpu_time_usec ();
  shoal_piece_picker_set_seed (picker, 1);
  for (guint p = 0; p < n_peers; p++)
    shoal_piece_picker_peer_set_bitfield (picker, PEER (p + 1), g_ptr_array_index (peers, p));
  counted = cpu_time_usec ();

  while (!shoal_piece_picker_is_complete (picker))
    {
      g_assert_cmpuint (++rounds, <, 100000);
      for (guint p = 0; p < n_peers; p++)
        {
          guint got;

          shoal_piece_picker_pick (picker, g_ptr_array_index (peers, p), PEER (p + 1),
                                   G_N_ELEMENTS (blocks), blocks, &got);
          for (guint i = 0; i < got; i++)
            {
              if (!shoal_piece_picker_is_block_wanted (picker, &blocks[i]))
                continue;
              blocks_received++;
              if (shoal_piece_picker_block_received (picker, &blocks[i], PEER (p + 1), NULL, NULL))
                shoal_piece_picker_piece_verified (picker, blocks[i].piece);
            }
        }
    }
  elapsed = cpu_time_usec () - start;
  g_test_message ("availability of %u peers counted in %" G_GINT64_FORMAT " ms of CPU; "
                  "%" G_GUINT64_FORMAT " blocks picked in %" G_GINT64_FORMAT " ms more, %u rounds",
                  n_peers, (counted - start) / 1000, blocks_received,
                  (elapsed - (counted - start)) / 1000, rounds);

  g_assert_cmpuint (blocks_received, ==, expected_blocks);
  g_assert_cmpuint (shoal_piece_picker_get_n_have (picker), ==, n);
  g_assert_cmpuint (shoal_piece_picker_get_bytes_left (picker), ==, 0);
  g_assert_cmpint (elapsed, <, 5 * G_USEC_PER_SEC);

  for (guint p = 0; p < n_peers; p++)
    shoal_piece_picker_peer_remove (picker, PEER (p + 1));
  g_assert_cmpuint (shoal_piece_picker_get_availability (picker, 0), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/piece-picker/layout", test_layout);
  g_test_add_func ("/engine/piece-picker/huge-layout", test_huge_layout);
  g_test_add_func ("/engine/piece-picker/rarest-first", test_rarest_first);
  g_test_add_func ("/engine/piece-picker/availability-changes", test_availability_changes);
  g_test_add_func ("/engine/piece-picker/peer-any-order", test_peer_any_order);
  g_test_add_func ("/engine/piece-picker/peer-other-picker", test_peer_other_picker);
  g_test_add_func ("/engine/piece-picker/peer-dont-have", test_peer_dont_have);
  g_test_add_func ("/engine/piece-picker/peer-random-messages", test_peer_random_messages);
  g_test_add_func ("/engine/piece-picker/random-tie-break", test_random_tie_break);
  g_test_add_func ("/engine/piece-picker/first-pieces-random", test_first_pieces_random);
  g_test_add_func ("/engine/piece-picker/partial-first", test_partial_first);
  g_test_add_func ("/engine/piece-picker/max-partial", test_max_partial);
  g_test_add_func ("/engine/piece-picker/max-partial-complete", test_max_partial_complete);
  g_test_add_func ("/engine/piece-picker/pick-with-room", test_pick_with_room);
  g_test_add_func ("/engine/piece-picker/priorities", test_priorities);
  g_test_add_func ("/engine/piece-picker/sequential", test_sequential);
  g_test_add_func ("/engine/piece-picker/endgame", test_endgame);
  g_test_add_func ("/engine/piece-picker/peer-gone", test_peer_gone);
  g_test_add_func ("/engine/piece-picker/timeout", test_timeout);
  g_test_add_func ("/engine/piece-picker/block-failed", test_block_failed);
  g_test_add_func ("/engine/piece-picker/piece-failed", test_piece_failed);
  g_test_add_func ("/engine/piece-picker/released-when-all-requested", test_released_when_all_requested);
  g_test_add_func ("/engine/piece-picker/is-interesting", test_is_interesting);
  g_test_add_func ("/engine/piece-picker/file-priorities", test_file_priorities);
  g_test_add_func ("/engine/piece-picker/performance", test_performance);

  return g_test_run ();
}
