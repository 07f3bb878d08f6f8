/* test-bitfield.c: piece sets in peer-wire bit order
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "shoal-bitfield.h"
#include "shoal-peer-wire.h"

static void
test_set_get_count (void)
{
  g_autoptr(ShoalBitfield) bf = shoal_bitfield_new (20);
  const guint8 *bytes;
  gsize len;

  g_assert_cmpuint (shoal_bitfield_get_size (bf), ==, 20);
  g_assert_cmpuint (shoal_bitfield_count (bf), ==, 0);
  g_assert_true (shoal_bitfield_is_empty (bf));
  g_assert_false (shoal_bitfield_is_full (bf));

  shoal_bitfield_set (bf, 0, TRUE);
  shoal_bitfield_set (bf, 9, TRUE);
  shoal_bitfield_set (bf, 19, TRUE);
  shoal_bitfield_set (bf, 9, TRUE);  /* already set: count unchanged */
  g_assert_cmpuint (shoal_bitfield_count (bf), ==, 3);
  g_assert_true (shoal_bitfield_get (bf, 0));
  g_assert_false (shoal_bitfield_get (bf, 1));
  g_assert_true (shoal_bitfield_get (bf, 9));
  g_assert_true (shoal_bitfield_get (bf, 19));
  g_assert_false (shoal_bitfield_is_empty (bf));

  /* Bit 0 is the high bit of the first byte. */
  bytes = shoal_bitfield_get_bytes (bf, &len);
  g_assert_cmpuint (len, ==, 3);
  g_assert_cmphex (bytes[0], ==, 0x80);
  g_assert_cmphex (bytes[1], ==, 0x40);
  g_assert_cmphex (bytes[2], ==, 0x10);

  shoal_bitfield_set (bf, 9, FALSE);
  shoal_bitfield_set (bf, 9, FALSE);
  g_assert_cmpuint (shoal_bitfield_count (bf), ==, 2);
  g_assert_false (shoal_bitfield_get (bf, 9));
}

static void
test_empty_size (void)
{
  g_autoptr(ShoalBitfield) bf = shoal_bitfield_new (0);
  g_autoptr(ShoalBitfield) parsed = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 99;

  shoal_bitfield_get_bytes (bf, &len);
  g_assert_cmpuint (len, ==, 0);
  g_assert_true (shoal_bitfield_is_empty (bf));
  g_assert_true (shoal_bitfield_is_full (bf));
  shoal_bitfield_set_all (bf, TRUE);
  g_assert_cmpuint (shoal_bitfield_count (bf), ==, 0);
  g_assert_cmpint (shoal_bitfield_next_set (bf, 0), ==, -1);
  g_assert_cmpint (shoal_bitfield_next_unset (bf, 0), ==, -1);

  parsed = shoal_bitfield_new_from_bytes (0, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_bitfield_equal (bf, parsed));
}

static void
test_from_bytes (void)
{
  const guint8 data[] = { 0xa5, 0xff, 0xc0 };
  g_autoptr(ShoalBitfield) bf = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *bytes;
  gsize len;

  bf = shoal_bitfield_new_from_bytes (18, data, sizeof data, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bf);
  g_assert_cmpuint (shoal_bitfield_count (bf), ==, 4 + 8 + 2);
  g_assert_true (shoal_bitfield_get (bf, 0));
  g_assert_false (shoal_bitfield_get (bf, 1));
  g_assert_true (shoal_bitfield_get (bf, 2));
  g_assert_true (shoal_bitfield_get (bf, 7));
  g_assert_true (shoal_bitfield_get (bf, 16));
  g_assert_true (shoal_bitfield_get (bf, 17));
  bytes = shoal_bitfield_get_bytes (bf, &len);
  g_assert_cmpmem (bytes, len, data, sizeof data);
}

static void
test_from_bytes_wrong_length (void)
{
  const guint8 data[] = { 0xff, 0xff, 0x00 };
  g_autoptr(GError) error = NULL;
  ShoalBitfield *bf;

  /* One byte too many. */
  bf = shoal_bitfield_new_from_bytes (16, data, 3, &error);
  g_assert_null (bf);
  g_assert_error (error, SHOAL_BITFIELD_ERROR, SHOAL_BITFIELD_ERROR_INVALID);
  g_clear_error (&error);

  /* One byte short. */
  bf = shoal_bitfield_new_from_bytes (17, data, 2, &error);
  g_assert_null (bf);
  g_assert_error (error, SHOAL_BITFIELD_ERROR, SHOAL_BITFIELD_ERROR_INVALID);
  g_clear_error (&error);

  bf = shoal_bitfield_new_from_bytes (1, data, 0, &error);
  g_assert_null (bf);
  g_assert_error (error, SHOAL_BITFIELD_ERROR, SHOAL_BITFIELD_ERROR_INVALID);
}

static void
test_from_bytes_spare_bits (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBitfield) ok = NULL;
  ShoalBitfield *bf;
  guint8 data[2] = { 0x00, 0x01 };

  /* 10 bits: the 6 low bits of the second byte are spare. */
  bf = shoal_bitfield_new_from_bytes (10, data, 2, &error);
  g_assert_null (bf);
  g_assert_error (error, SHOAL_BITFIELD_ERROR, SHOAL_BITFIELD_ERROR_INVALID);
  g_clear_error (&error);

  data[1] = 0x20;  /* first spare bit (bit 10) */
  bf = shoal_bitfield_new_from_bytes (10, data, 2, &error);
  g_assert_null (bf);
  g_assert_error (error, SHOAL_BITFIELD_ERROR, SHOAL_BITFIELD_ERROR_INVALID);
  g_clear_error (&error);

  data[1] = 0x40;  /* bit 9, the last real one */
  ok = shoal_bitfield_new_from_bytes (10, data, 2, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_bitfield_get (ok, 9));
  g_assert_cmpuint (shoal_bitfield_count (ok), ==, 1);
}

static void
test_next_set_unset (void)
{
  g_autoptr(ShoalBitfield) bf = shoal_bitfield_new (40);

  g_assert_cmpint (shoal_bitfield_next_set (bf, 0), ==, -1);
  g_assert_cmpint (shoal_bitfield_next_unset (bf, 0), ==, 0);
  g_assert_cmpint (shoal_bitfield_next_unset (bf, 39), ==, 39);
  g_assert_cmpint (shoal_bitfield_next_unset (bf, 40), ==, -1);
  g_assert_cmpint (shoal_bitfield_next_set (bf, 1000), ==, -1);

  shoal_bitfield_set (bf, 3, TRUE);
  shoal_bitfield_set (bf, 17, TRUE);
  shoal_bitfield_set (bf, 39, TRUE);
  g_assert_cmpint (shoal_bitfield_next_set (bf, 0), ==, 3);
  g_assert_cmpint (shoal_bitfield_next_set (bf, 3), ==, 3);
  g_assert_cmpint (shoal_bitfield_next_set (bf, 4), ==, 17);
  g_assert_cmpint (shoal_bitfield_next_set (bf, 18), ==, 39);
  g_assert_cmpint (shoal_bitfield_next_set (bf, 40), ==, -1);

  shoal_bitfield_set_all (bf, TRUE);
  shoal_bitfield_set (bf, 5, FALSE);
  shoal_bitfield_set (bf, 30, FALSE);
  g_assert_cmpint (shoal_bitfield_next_unset (bf, 0), ==, 5);
  g_assert_cmpint (shoal_bitfield_next_unset (bf, 6), ==, 30);
  g_assert_cmpint (shoal_bitfield_next_unset (bf, 31), ==, -1);
  g_assert_cmpint (shoal_bitfield_next_set (bf, 5), ==, 6);
}

static void
test_next_unset_partial_last_byte (void)
{
  g_autoptr(ShoalBitfield) bf = shoal_bitfield_new (13);

  /* The spare bits of a full last byte are zero but must not be reported. */
  shoal_bitfield_set_all (bf, TRUE);
  g_assert_cmpint (shoal_bitfield_next_unset (bf, 0), ==, -1);
  g_assert_cmpint (shoal_bitfield_next_unset (bf, 8), ==, -1);
  shoal_bitfield_set (bf, 12, FALSE);
  g_assert_cmpint (shoal_bitfield_next_unset (bf, 0), ==, 12);
  g_assert_cmpint (shoal_bitfield_next_set (bf, 12), ==, -1);
}

static void
test_set_all_spare_bits (void)
{
  g_autoptr(ShoalBitfield) bf = shoal_bitfield_new (13);
  g_autoptr(ShoalBitfield) parsed = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *bytes;
  gsize len;

  shoal_bitfield_set_all (bf, TRUE);
  g_assert_cmpuint (shoal_bitfield_count (bf), ==, 13);
  g_assert_true (shoal_bitfield_is_full (bf));
  bytes = shoal_bitfield_get_bytes (bf, &len);
  g_assert_cmpuint (len, ==, 2);
  g_assert_cmphex (bytes[0], ==, 0xff);
  g_assert_cmphex (bytes[1], ==, 0xf8);

  /* What we send must be what we accept. */
  parsed = shoal_bitfield_new_from_bytes (13, bytes, len, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_bitfield_equal (bf, parsed));

  shoal_bitfield_set_all (bf, FALSE);
  g_assert_cmpuint (shoal_bitfield_count (bf), ==, 0);
  bytes = shoal_bitfield_get_bytes (bf, &len);
  g_assert_cmphex (bytes[0], ==, 0);
  g_assert_cmphex (bytes[1], ==, 0);
  g_assert_false (shoal_bitfield_equal (bf, parsed));

  /* A whole number of bytes has no spare bits. */
  {
    g_autoptr(ShoalBitfield) even = shoal_bitfield_new (16);

    shoal_bitfield_set_all (even, TRUE);
    bytes = shoal_bitfield_get_bytes (even, &len);
    g_assert_cmphex (bytes[1], ==, 0xff);
    g_assert_cmpuint (shoal_bitfield_count (even), ==, 16);
  }
}

static void
test_copy_equal (void)
{
  g_autoptr(ShoalBitfield) a = shoal_bitfield_new (30);
  g_autoptr(ShoalBitfield) b = NULL;
  g_autoptr(ShoalBitfield) c = shoal_bitfield_new (31);

  shoal_bitfield_set (a, 7, TRUE);
  b = shoal_bitfield_copy (a);
  g_assert_true (shoal_bitfield_equal (a, b));
  g_assert_false (shoal_bitfield_equal (a, c));

  /* The copy owns its bytes. */
  shoal_bitfield_set (b, 8, TRUE);
  g_assert_false (shoal_bitfield_get (a, 8));
  g_assert_cmpuint (shoal_bitfield_count (a), ==, 1);
  g_assert_cmpuint (shoal_bitfield_count (b), ==, 2);
  g_assert_false (shoal_bitfield_equal (a, b));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/bitfield/set-get-count", test_set_get_count);
  g_test_add_func ("/engine/bitfield/empty-size", test_empty_size);
  g_test_add_func ("/engine/bitfield/from-bytes", test_from_bytes);
  g_test_add_func ("/engine/bitfield/from-bytes-wrong-length", test_from_bytes_wrong_length);
  g_test_add_func ("/engine/bitfield/from-bytes-spare-bits", test_from_bytes_spare_bits);
  g_test_add_func ("/engine/bitfield/next-set-unset", test_next_set_unset);
  g_test_add_func ("/engine/bitfield/next-unset-partial-last-byte", test_next_unset_partial_last_byte);
  g_test_add_func ("/engine/bitfield/set-all-spare-bits", test_set_all_spare_bits);
  g_test_add_func ("/engine/bitfield/copy-equal", test_copy_equal);

  return g_test_run ();
}
