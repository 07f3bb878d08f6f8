/* test-hash.c: tests for SHA-1/SHA-256, hex and base32
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-hash.h"

/* FIPS 180 example messages. */
#define MSG_448 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"

typedef struct
{
  const char *message;
  const char *sha1;
  const char *sha256;
} HashVector;

static const HashVector hash_vectors[] = {
  { "",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
  { "abc",
    "a9993e364706816aba3e25717850c26c9cd0d89d",
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
  { MSG_448,
    "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
};

static void
test_sha1 (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (hash_vectors); i++)
    {
      guint8 digest[SHOAL_SHA1_LEN];
      g_autofree char *hex = NULL;

      shoal_sha1 (hash_vectors[i].message, strlen (hash_vectors[i].message), digest);
      hex = shoal_hex_encode (digest, sizeof digest);
      g_assert_cmpstr (hex, ==, hash_vectors[i].sha1);
    }
}

static void
test_sha256 (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (hash_vectors); i++)
    {
      guint8 digest[SHOAL_SHA256_LEN];
      g_autofree char *hex = NULL;

      shoal_sha256 (hash_vectors[i].message, strlen (hash_vectors[i].message), digest);
      hex = shoal_hex_encode (digest, sizeof digest);
      g_assert_cmpstr (hex, ==, hash_vectors[i].sha256);
    }
}

static void
test_million_a (void)
{
  gsize len = 1000000;
  g_autofree char *data = g_malloc (len);
  guint8 sha1[SHOAL_SHA1_LEN];
  guint8 sha256[SHOAL_SHA256_LEN];
  g_autofree char *hex1 = NULL;
  g_autofree char *hex256 = NULL;

  memset (data, 'a', len);
  shoal_sha1 (data, len, sha1);
  shoal_sha256 (data, len, sha256);
  hex1 = shoal_hex_encode (sha1, sizeof sha1);
  hex256 = shoal_hex_encode (sha256, sizeof sha256);
  g_assert_cmpstr (hex1, ==, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  g_assert_cmpstr (hex256, ==, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void
test_hex_encode (void)
{
  static const guint8 bytes[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xff };
  g_autofree char *hex = shoal_hex_encode (bytes, sizeof bytes);
  g_autofree char *empty = shoal_hex_encode (bytes, 0);

  g_assert_cmpstr (hex, ==, "00017f80abcdefff");
  g_assert_cmpstr (empty, ==, "");
}

static void
test_hex_decode (void)
{
  static const guint8 expected[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xff };
  guint8 out[sizeof expected + 1];

  memset (out, 0x55, sizeof out);
  g_assert_true (shoal_hex_decode ("00017f80abcdefff", 16, out, sizeof expected));
  g_assert_cmpmem (out, sizeof expected, expected, sizeof expected);
  g_assert_cmpuint (out[sizeof expected], ==, 0x55);

  memset (out, 0, sizeof out);
  g_assert_true (shoal_hex_decode ("00017F80ABCDEFFF", 16, out, sizeof expected));
  g_assert_cmpmem (out, sizeof expected, expected, sizeof expected);

  memset (out, 0, sizeof out);
  g_assert_true (shoal_hex_decode ("00017f80ABcdEFff", 16, out, sizeof expected));
  g_assert_cmpmem (out, sizeof expected, expected, sizeof expected);

  /* Only the given length is read: no NUL terminator needed. */
  g_assert_true (shoal_hex_decode ("abcdZZZZ", 4, out, 2));
  g_assert_cmpuint (out[0], ==, 0xab);
  g_assert_cmpuint (out[1], ==, 0xcd);

  g_assert_true (shoal_hex_decode ("", 0, out, 0));
}

static void
test_hex_decode_rejects (void)
{
  const struct { const char *hex; gsize out_len; } cases[] = {
    { "abc", 2 },        /* odd length */
    { "abcdef", 2 },     /* too long for out_len */
    { "ab", 2 },         /* too short */
    { "gbcd", 2 },       /* not hex, high nibble */
    { "abcg", 2 },       /* not hex, low nibble */
    { "0x12", 2 },
    { " 1234", 2 },
    { "12 3", 2 },
    { "-1", 1 },
    { "+1", 1 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint8 out[8];

      g_test_message ("hex “%s”", cases[i].hex);
      g_assert_false (shoal_hex_decode (cases[i].hex, strlen (cases[i].hex), out, cases[i].out_len));
    }
  /* A NUL inside the span is not a digit. */
  {
    guint8 out[2];

    g_assert_false (shoal_hex_decode ("ab\0d", 4, out, sizeof out));
  }
}

/* RFC 4648 section 10, without the padding. */
static const struct { const char *plain; const char *b32; } base32_vectors[] = {
  { "", "" },
  { "f", "MY" },
  { "fo", "MZXQ" },
  { "foo", "MZXW6" },
  { "foob", "MZXW6YQ" },
  { "fooba", "MZXW6YTB" },
  { "foobar", "MZXW6YTBOI" },
};

static void
test_base32_encode (void)
{
  static const guint8 hash[SHOAL_SHA1_LEN] = {
    0xc1, 0x2f, 0xe1, 0xc0, 0x6b, 0xba, 0x25, 0x4a, 0x9d, 0xc9,
    0xf5, 0x19, 0xb3, 0x35, 0xaa, 0x7c, 0x13, 0x67, 0xa8, 0x8a,
  };
  g_autofree char *hash_b32 = shoal_base32_encode (hash, sizeof hash);

  for (gsize i = 0; i < G_N_ELEMENTS (base32_vectors); i++)
    {
      g_autofree char *b32 = shoal_base32_encode ((const guint8 *) base32_vectors[i].plain,
                                                  strlen (base32_vectors[i].plain));

      g_assert_cmpstr (b32, ==, base32_vectors[i].b32);
    }
  g_assert_cmpstr (hash_b32, ==, "YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK");
}

static void
test_base32_decode (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (base32_vectors); i++)
    {
      gsize len = strlen (base32_vectors[i].plain);
      guint8 out[16];
      g_autofree char *lower = g_ascii_strdown (base32_vectors[i].b32, -1);

      memset (out, 0x55, sizeof out);
      g_assert_true (shoal_base32_decode (base32_vectors[i].b32, strlen (base32_vectors[i].b32), out, len));
      g_assert_cmpmem (out, len, base32_vectors[i].plain, len);
      g_assert_cmpuint (out[len], ==, 0x55);

      memset (out, 0, sizeof out);
      g_assert_true (shoal_base32_decode (lower, strlen (lower), out, len));
      g_assert_cmpmem (out, len, base32_vectors[i].plain, len);
    }
}

static void
test_base32_decode_rejects (void)
{
  const struct { const char *b32; gsize out_len; } cases[] = {
    { "MZXW6", 2 },        /* too long for out_len */
    { "MZX", 3 },          /* too short */
    { "MZXW6=", 3 },       /* padding is not accepted */
    { "MY======", 1 },
    { "MZXW0", 3 },        /* '0', '1', '8' and '9' are not in the alphabet */
    { "MZXW1", 3 },
    { "MZXW8", 3 },
    { "MZXW9", 3 },
    { "MZX 6", 3 },
    { "MZX-6", 3 },
    { "MZX" "\xc3\xa9", 3 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint8 out[8];

      g_test_message ("base32 “%s”", cases[i].b32);
      g_assert_false (shoal_base32_decode (cases[i].b32, strlen (cases[i].b32), out, cases[i].out_len));
    }
}

static void
test_round_trip (void)
{
  guint8 data[64];

  for (gsize i = 0; i < sizeof data; i++)
    data[i] = (guint8) (i * 37 + 11);

  for (gsize len = 0; len <= sizeof data; len++)
    {
      g_autofree char *hex = shoal_hex_encode (data, len);
      g_autofree char *b32 = shoal_base32_encode (data, len);
      guint8 out[sizeof data];

      g_assert_cmpuint (strlen (hex), ==, 2 * len);
      g_assert_true (shoal_hex_decode (hex, strlen (hex), out, len));
      g_assert_cmpmem (out, len, data, len);
      g_assert_cmpuint (strlen (b32), ==, (len * 8 + 4) / 5);
      g_assert_true (shoal_base32_decode (b32, strlen (b32), out, len));
      g_assert_cmpmem (out, len, data, len);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/hash/sha1", test_sha1);
  g_test_add_func ("/engine/hash/sha256", test_sha256);
  g_test_add_func ("/engine/hash/million-a", test_million_a);
  g_test_add_func ("/engine/hash/hex-encode", test_hex_encode);
  g_test_add_func ("/engine/hash/hex-decode", test_hex_decode);
  g_test_add_func ("/engine/hash/hex-decode-rejects", test_hex_decode_rejects);
  g_test_add_func ("/engine/hash/base32-encode", test_base32_encode);
  g_test_add_func ("/engine/hash/base32-decode", test_base32_decode);
  g_test_add_func ("/engine/hash/base32-decode-rejects", test_base32_decode_rejects);
  g_test_add_func ("/engine/hash/round-trip", test_round_trip);

  return g_test_run ();
}
