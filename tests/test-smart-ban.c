/* test-smart-ban.c: strikes, evidence and bans, without sockets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-piece-picker.h"
#include "shoal-smart-ban.h"

#define BLOCK SHOAL_PIECE_PICKER_BLOCK_SIZE

/* A piece of @n_blocks blocks, each filled with its own byte (+ @twist for
 * the block @bad, to make it differ). */
static GBytes *
piece_data (guint n_blocks,
            guint bad,
            guint twist)
{
  guint8 *data = g_malloc ((gsize) n_blocks * BLOCK);

  for (guint i = 0; i < n_blocks; i++)
    memset (data + (gsize) i * BLOCK, (int) (i + 1 + (i == bad ? twist : 0)), BLOCK);
  return g_bytes_new_take (data, (gsize) n_blocks * BLOCK);
}

/* Alone, an address is banned at its third bad piece; sharing each bad
 * piece with two others, it earns a third of a strike per piece. */
static void
test_strikes_by_contributors (void)
{
  g_autoptr(ShoalSmartBan) ban = shoal_smart_ban_new (3);

  g_assert_false (shoal_smart_ban_strike (ban, "10.0.0.1", 1));
  g_assert_false (shoal_smart_ban_strike (ban, "10.0.0.1", 1));
  g_assert_true (shoal_smart_ban_strike (ban, "10.0.0.1", 1));
  shoal_smart_ban_add (ban, "10.0.0.1");
  g_assert_true (shoal_smart_ban_is_banned (ban, "10.0.0.1"));
  /* Already banned: not to be banned again. */
  g_assert_false (shoal_smart_ban_strike (ban, "10.0.0.1", 1));

  for (guint i = 0; i < 8; i++)
    g_assert_false (shoal_smart_ban_strike (ban, "10.0.0.2", 3));
  g_assert_true (shoal_smart_ban_strike (ban, "10.0.0.2", 3));
  g_assert_false (shoal_smart_ban_is_banned (ban, "10.0.0.2"));
  g_assert_cmpuint (shoal_smart_ban_get_n_banned (ban), ==, 1);
}

/* A piece failed, then passed with other data: only the address whose
 * block differs from the good data is convicted, once; the evidence is
 * then forgotten. */
static void
test_convicts_the_liar (void)
{
  g_autoptr(ShoalSmartBan) ban = shoal_smart_ban_new (3);
  const char *ips[] = { "10.0.0.1", "10.0.0.2", NULL, "10.0.0.3" };
  g_autoptr(GBytes) bad = piece_data (4, 1, 7);
  g_autoptr(GBytes) good = piece_data (4, G_MAXUINT, 0);
  g_autoptr(GPtrArray) guilty = NULL;
  g_autoptr(GPtrArray) again = NULL;

  shoal_smart_ban_piece_failed (ban, 5, bad, ips, G_N_ELEMENTS (ips));
  guilty = shoal_smart_ban_piece_passed (ban, 5, good);
  g_assert_cmpuint (guilty->len, ==, 1);
  g_assert_cmpstr (guilty->pdata[0], ==, "10.0.0.2");
  again = shoal_smart_ban_piece_passed (ban, 5, good);
  g_assert_cmpuint (again->len, ==, 0);
}

/* An address already banned is not listed again; a piece never failed
 * convicts nobody. */
static void
test_banned_not_listed (void)
{
  g_autoptr(ShoalSmartBan) ban = shoal_smart_ban_new (3);
  const char *ips[] = { "10.0.0.9", "10.0.0.9" };
  g_autoptr(GBytes) bad = piece_data (2, 0, 1);
  g_autoptr(GBytes) good = piece_data (2, G_MAXUINT, 0);
  g_autoptr(GPtrArray) guilty = NULL;
  g_autoptr(GPtrArray) none = NULL;

  shoal_smart_ban_piece_failed (ban, 1, bad, ips, G_N_ELEMENTS (ips));
  shoal_smart_ban_add (ban, "10.0.0.9");
  guilty = shoal_smart_ban_piece_passed (ban, 1, good);
  g_assert_cmpuint (guilty->len, ==, 0);
  none = shoal_smart_ban_piece_passed (ban, 2, good);
  g_assert_cmpuint (none->len, ==, 0);
}

/* Evidence is kept for a bounded number of pieces: beyond it a failed
 * piece is not remembered, and its liar goes unconvicted. */
static void
test_evidence_bounded (void)
{
  g_autoptr(ShoalSmartBan) ban = shoal_smart_ban_new (3);
  const char *ips[] = { "10.0.0.1" };
  g_autoptr(GBytes) bad = piece_data (1, 0, 1);
  g_autoptr(GBytes) good = piece_data (1, G_MAXUINT, 0);
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) beyond = NULL;

  for (guint piece = 0; piece < 300; piece++)
    shoal_smart_ban_piece_failed (ban, piece, bad, ips, 1);
  first = shoal_smart_ban_piece_passed (ban, 0, good);
  g_assert_cmpuint (first->len, ==, 1);
  beyond = shoal_smart_ban_piece_passed (ban, 299, good);
  g_assert_cmpuint (beyond->len, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/smart-ban/strikes-by-contributors", test_strikes_by_contributors);
  g_test_add_func ("/engine/smart-ban/convicts-the-liar", test_convicts_the_liar);
  g_test_add_func ("/engine/smart-ban/banned-not-listed", test_banned_not_listed);
  g_test_add_func ("/engine/smart-ban/evidence-bounded", test_evidence_bounded);
  return g_test_run ();
}
