/* test-mse.c: Message Stream Encryption handshake, RC4 and Diffie-Hellman
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Known answers (Diffie-Hellman results, a whole third step on the wire)
 * were computed independently with Python's pow() and a from-scratch RC4
 * checked against RFC 6229.
 */
#include "config.h"

#include <string.h>

#include "shoal-hash.h"
#include "shoal-mse.h"

static const char prime_hex[] =
  "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74"
  "020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437"
  "4fe1356d6d51c245e485b576625e7ec6f44c42e9a63a36210000000000090563";

/* Private keys and what Python's pow() says about them. */
static const char xa_hex[] = "0102030405060708090a0b0c0d0e0f1011121314";
static const char xb_hex[] = "f0e0d0c0b0a09080706050403020100f0e0d0c0b";
static const char ya_hex[] =
  "96e112dab29e8c5272accb9b17b26887ce54a144a4e3b697c7d159b7a817e556"
  "b0918db2b4c658e02a87f7e5fb14b18a553e084cbf3dad2d30f16596ccb982d4"
  "06258c61b30c5c1dae2ddc60bdbd48d79896312aad63238c39e1a633821eb693";
static const char yb_hex[] =
  "5d1c34906520779763ca422b2fdafa2f2f0040360dbc5e57ae74a71ef7fd272e"
  "718d0e50fa9d8685ed75ce47bda7aa1a99ed6db653a8825482986325f6332050"
  "47d1deac6c7bed1497472345495ea9ebd403ae2738922e925209b25deddf0105";
static const char s_hex[] =
  "bafcc57825a27ff28406063202fde23be961db75ebd8548abefdf2c32b8f8421"
  "911fc7893d79e82ce48ea1e15801f6c013883f6d19042da09b435f839e832717"
  "92608499e9d8d2a92d0e42f17a15c806378284ec554aabccc83ae7edc937c9e1";
/* 2^768 mod P = 2^768 - P */
static const char two_768_hex[] =
  "000000000000000036f0255dde973dcb3b399d747f23e32ed6fdb1f77598338b"
  "fdf44159c4ec64ddaeb5f78671cbfb22106ae64c32c5bce4cfd4f5920da0ebc8"
  "b01eca9292ae3dba1b7a4a899da181390bb3bd1659c5c9defffffffffff6fa9d";
/* Initiator xa, receiver key yb, info-hash 00..13, no PadC, provide 3,
 * IA "abc": HASH('req1'), the masked req2, ENCRYPT(VC..IA). */
static const char step3_hex[] =
  "0879398e1f613e6ad8403766ecfc8cf43fc1a4626cd5c36f4a540980b21efb6f"
  "aafb4c300d9e8b67e2147f0e186e3de435e54a37225edc34cb1467";
/* Receiver's answer to it with policy PREFER and no PadD. */
static const char step4_hex[] = "e6fe50b63b4761c5f5ed565c8d9c";

static GBytes *
hex (const char *h)
{
  gsize len = strlen (h) / 2;
  guint8 *buf = g_malloc (len);

  g_assert_true (shoal_hex_decode (h, strlen (h), buf, len));
  return g_bytes_new_take (buf, len);
}

static void
assert_hex (const guint8 *data,
            gsize         len,
            const char   *expected)
{
  g_autofree char *got = shoal_hex_encode (data, len);

  g_assert_cmpstr (got, ==, expected);
}

static const guint8 *
bytes_data (GBytes *b)
{
  return g_bytes_get_data (b, NULL);
}

static void
info_hash_fill (guint8 ih[SHOAL_MSE_HASH_LEN],
                guint8 first)
{
  for (guint i = 0; i < SHOAL_MSE_HASH_LEN; i++)
    ih[i] = first + i;
}

/* The receiver's torrents: info-hashes 00..13 and 40..53 (by first byte). */
typedef struct
{
  guint8 first[4];
  guint  n;
  guint  calls;
} Torrents;

static gboolean
find_torrent_cb (const guint8 req2[SHOAL_MSE_HASH_LEN],
                 guint8       info_hash_out[SHOAL_MSE_HASH_LEN],
                 gpointer     user_data)
{
  Torrents *t = user_data;

  t->calls++;
  for (guint i = 0; i < t->n; i++)
    {
      guint8 ih[SHOAL_MSE_HASH_LEN];
      guint8 h[SHOAL_MSE_HASH_LEN];

      info_hash_fill (ih, t->first[i]);
      shoal_mse_req2_hash (ih, h);
      if (memcmp (h, req2, sizeof h) == 0)
        {
          memcpy (info_hash_out, ih, sizeof ih);
          return TRUE;
        }
    }
  return FALSE;
}

/* RC4 ------------------------------------------------------------------------ */

static void
test_rc4_rfc6229 (void)
{
  static const guint8 key[] = { 0x01, 0x02, 0x03, 0x04, 0x05 };
  guint8 buf[32];
  g_autoptr(ShoalRc4) plain = shoal_rc4_new (key, sizeof key, 0);
  g_autoptr(ShoalRc4) mse = shoal_rc4_new (key, sizeof key, 1024);
  g_autoptr(ShoalRc4) early = shoal_rc4_new (key, sizeof key, 1008);

  /* RFC 6229, 40-bit key, offsets 0, 1008 and 1024 */
  memset (buf, 0, sizeof buf);
  shoal_rc4_apply (plain, buf, 16);
  assert_hex (buf, 16, "b2396305f03dc027ccc3524a0a1118a8");

  memset (buf, 0, sizeof buf);
  shoal_rc4_apply (mse, buf, 16);
  assert_hex (buf, 16, "30abbcc7c20b01609f23ee2d5f6bb7df");

  memset (buf, 0, sizeof buf);
  shoal_rc4_apply (early, buf, 32);
  assert_hex (buf, 32, "45129048e6a0ed0b56b490338f078da530abbcc7c20b01609f23ee2d5f6bb7df");
}

static void
test_rc4_chunks (void)
{
  static const guint8 key[20] = { 7, 6, 5, 4, 3, 2, 1 };
  guint8 one[3000], many[3000];
  g_autoptr(ShoalRc4) a = shoal_rc4_new (key, sizeof key, 1024);
  g_autoptr(ShoalRc4) b = shoal_rc4_new (key, sizeof key, 1024);
  g_autoptr(ShoalRc4) c = shoal_rc4_new (key, sizeof key, 1024);
  gsize off = 0;

  for (gsize i = 0; i < sizeof one; i++)
    one[i] = many[i] = i * 31;
  shoal_rc4_apply (a, one, sizeof one);
  for (gsize n = 0; off < sizeof many; n++)
    {
      gsize len = MIN (n, sizeof many - off);

      shoal_rc4_apply (b, many + off, len);
      off += len;
    }
  g_assert_cmpmem (one, sizeof one, many, sizeof many);
  g_assert_false (one[0] == 0 && one[1] == 31);

  /* Applying the same stream again decrypts. */
  shoal_rc4_apply (c, one, sizeof one);
  for (gsize i = 0; i < sizeof one; i++)
    g_assert_cmpuint (one[i], ==, (guint8) (i * 31));
}

/* Diffie-Hellman --------------------------------------------------------------- */

static void
test_dh_known_answers (void)
{
  g_autoptr(GBytes) xa = hex (xa_hex);
  g_autoptr(GBytes) xb = hex (xb_hex);
  g_autoptr(GBytes) yb = hex (yb_hex);
  static const guint8 one[] = { 0x01 };
  static const guint8 two_768[] = { 0x03, 0x00 };
  guint8 key[SHOAL_MSE_KEY_LEN];
  guint8 s1[SHOAL_MSE_KEY_LEN], s2[SHOAL_MSE_KEY_LEN];
  guint8 ya[SHOAL_MSE_KEY_LEN];
  g_autoptr(GError) error = NULL;

  shoal_mse_dh_public_key (one, sizeof one, key);
  for (guint i = 0; i < SHOAL_MSE_KEY_LEN - 1; i++)
    g_assert_cmpuint (key[i], ==, 0);
  g_assert_cmpuint (key[SHOAL_MSE_KEY_LEN - 1], ==, 2);

  shoal_mse_dh_public_key (two_768, sizeof two_768, key);
  assert_hex (key, sizeof key, two_768_hex);

  shoal_mse_dh_public_key (bytes_data (xa), g_bytes_get_size (xa), ya);
  assert_hex (ya, sizeof ya, ya_hex);
  shoal_mse_dh_public_key (bytes_data (xb), g_bytes_get_size (xb), key);
  assert_hex (key, sizeof key, yb_hex);

  g_assert_true (shoal_mse_dh_shared_secret (bytes_data (xa), g_bytes_get_size (xa),
                                             bytes_data (yb), s1, &error));
  g_assert_no_error (error);
  assert_hex (s1, sizeof s1, s_hex);
  g_assert_true (shoal_mse_dh_shared_secret (bytes_data (xb), g_bytes_get_size (xb),
                                             ya, s2, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (s1, sizeof s1, s2, sizeof s2);
}

static void
test_dh_random_agree (void)
{
  for (guint round = 0; round < 8; round++)
    {
      guint8 xa[20], xb[20];
      guint8 ya[SHOAL_MSE_KEY_LEN], yb[SHOAL_MSE_KEY_LEN];
      guint8 s1[SHOAL_MSE_KEY_LEN], s2[SHOAL_MSE_KEY_LEN];

      for (guint i = 0; i < sizeof xa; i++)
        {
          xa[i] = g_test_rand_int_range (0, 256);
          xb[i] = g_test_rand_int_range (0, 256);
        }
      xa[0] |= 0x80;
      shoal_mse_dh_public_key (xa, sizeof xa, ya);
      shoal_mse_dh_public_key (xb, sizeof xb, yb);
      g_assert_true (shoal_mse_dh_shared_secret (xa, sizeof xa, yb, s1, NULL));
      g_assert_true (shoal_mse_dh_shared_secret (xb, sizeof xb, ya, s2, NULL));
      g_assert_cmpmem (s1, sizeof s1, s2, sizeof s2);
    }
}

static void
test_dh_reject_degenerate (void)
{
  g_autoptr(GBytes) p = hex (prime_hex);
  guint8 x[20] = { 0x42, 0x17 };
  guint8 y[SHOAL_MSE_KEY_LEN];
  guint8 s[SHOAL_MSE_KEY_LEN];

  struct { const char *what; int tweak; } cases[] = {
    { "zero", 0 }, { "one", 1 }, { "P - 1", 2 }, { "P", 3 }, { "all ones", 4 },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GError) error = NULL;

      memset (y, 0, sizeof y);
      switch (cases[c].tweak)
        {
        case 1:
          y[SHOAL_MSE_KEY_LEN - 1] = 1;
          break;
        case 2:
          memcpy (y, bytes_data (p), sizeof y);
          y[SHOAL_MSE_KEY_LEN - 1] -= 1;
          break;
        case 3:
          memcpy (y, bytes_data (p), sizeof y);
          break;
        case 4:
          memset (y, 0xff, sizeof y);
          break;
        default:
          break;
        }
      g_test_message ("public key %s", cases[c].what);
      g_assert_false (shoal_mse_dh_shared_secret (x, sizeof x, y, s, &error));
      g_assert_error (error, SHOAL_MSE_ERROR, SHOAL_MSE_ERROR_BAD_KEY);
    }

  /* 2 and P - 2 are fine */
  memset (y, 0, sizeof y);
  y[SHOAL_MSE_KEY_LEN - 1] = 2;
  g_assert_true (shoal_mse_dh_shared_secret (x, sizeof x, y, s, NULL));
  memcpy (y, bytes_data (p), sizeof y);
  y[SHOAL_MSE_KEY_LEN - 1] -= 2;
  g_assert_true (shoal_mse_dh_shared_secret (x, sizeof x, y, s, NULL));
}

/* Detection and policies ---------------------------------------------------------- */

static void
test_detect (void)
{
  static const char plain[] = "\x13" "BitTorrent protocol\0\0\0\0\0\0\0\0";
  guint8 buf[64];

  g_assert_cmpint (shoal_mse_detect (NULL, 0), ==, SHOAL_MSE_DETECT_NEED_MORE);
  for (gsize n = 1; n < 20; n++)
    g_assert_cmpint (shoal_mse_detect ((const guint8 *) plain, n), ==, SHOAL_MSE_DETECT_NEED_MORE);
  g_assert_cmpint (shoal_mse_detect ((const guint8 *) plain, 20), ==, SHOAL_MSE_DETECT_PLAINTEXT);
  g_assert_cmpint (shoal_mse_detect ((const guint8 *) plain, 28), ==, SHOAL_MSE_DETECT_PLAINTEXT);

  /* A public key that happens to start with 19 */
  memcpy (buf, plain, 28);
  buf[5] = 'x';
  g_assert_cmpint (shoal_mse_detect (buf, 4), ==, SHOAL_MSE_DETECT_NEED_MORE);
  g_assert_cmpint (shoal_mse_detect (buf, 6), ==, SHOAL_MSE_DETECT_ENCRYPTED);
  buf[0] = 0x9c;
  g_assert_cmpint (shoal_mse_detect (buf, 1), ==, SHOAL_MSE_DETECT_ENCRYPTED);
}

static void
test_policy_helpers (void)
{
  g_assert_true (shoal_encryption_policy_encrypts_outgoing (SHOAL_ENCRYPTION_PREFER));
  g_assert_true (shoal_encryption_policy_encrypts_outgoing (SHOAL_ENCRYPTION_REQUIRE));
  g_assert_false (shoal_encryption_policy_encrypts_outgoing (SHOAL_ENCRYPTION_ALLOW_PLAINTEXT));
  g_assert_true (shoal_encryption_policy_accepts_plaintext (SHOAL_ENCRYPTION_PREFER));
  g_assert_false (shoal_encryption_policy_accepts_plaintext (SHOAL_ENCRYPTION_REQUIRE));
  g_assert_true (shoal_encryption_policy_accepts_plaintext (SHOAL_ENCRYPTION_ALLOW_PLAINTEXT));
}

/* Two ShoalMse talking to each other in memory ----------------------------------- */

typedef struct
{
  ShoalMse      *mse;
  GByteArray    *inbox;    /* sent to this side, not fed yet */
  gsize          fed;      /* stream offset fed so far */
  gsize          split;    /* a feed call never crosses this offset */
  gsize          chunk;    /* longest feed call, 0 for any */
  ShoalMseStatus status;
  GError        *error;
  GByteArray    *app_in;   /* decrypted bytes after the handshake */
  const char    *reply;    /* sent encrypted as soon as the handshake is done */
  guint          feeds;
} Side;

typedef struct
{
  Side     a;          /* initiator */
  Side     b;          /* receiver */
  Torrents torrents;
} Pair;

static const char a_hello[] = "\x13" "BitTorrent protocol from A, sent as IA";
static const char b_hello[] = "B's handshake and bitfield, right after PadD";
static const char a_more[] = "A's first message after the handshake";

static void
side_clear (Side *s)
{
  g_clear_pointer (&s->mse, shoal_mse_free);
  g_clear_pointer (&s->inbox, g_byte_array_unref);
  g_clear_pointer (&s->app_in, g_byte_array_unref);
  g_clear_error (&s->error);
}

static void
pair_clear (Pair *p)
{
  side_clear (&p->a);
  side_clear (&p->b);
}

static void
pair_init (Pair                 *p,
           guint8                info_hash_first,
           ShoalEncryptionPolicy a_policy,
           ShoalEncryptionPolicy b_policy,
           int                   pad)
{
  guint8 ih[SHOAL_MSE_HASH_LEN];

  memset (p, 0, sizeof *p);
  p->torrents.first[0] = 0x00;
  p->torrents.first[1] = 0x40;
  p->torrents.n = 2;
  info_hash_fill (ih, info_hash_first);
  p->a.mse = shoal_mse_new_initiator (ih, a_policy);
  p->b.mse = shoal_mse_new_receiver (b_policy, find_torrent_cb, &p->torrents);
  shoal_mse_set_padding (p->a.mse, pad);
  shoal_mse_set_padding (p->b.mse, pad);
  p->a.inbox = g_byte_array_new ();
  p->b.inbox = g_byte_array_new ();
  p->a.app_in = g_byte_array_new ();
  p->b.app_in = g_byte_array_new ();
  p->a.split = p->b.split = G_MAXSIZE;
  p->a.reply = a_more;
  p->b.reply = b_hello;
}

static void
side_send (Side       *to,
           ShoalMse   *from,
           const char *text)
{
  gsize start = to->inbox->len;

  g_byte_array_append (to->inbox, (const guint8 *) text, strlen (text));
  shoal_mse_encrypt (from, to->inbox->data + start, strlen (text));
}

/* Feeds @self what is waiting for it; returns whether it fed anything. */
static gboolean
side_deliver (Side *self,
              Side *peer)
{
  gboolean progress = FALSE;

  while (self->inbox->len > 0 && self->status != SHOAL_MSE_STATUS_FAILED)
    {
      gsize n = self->inbox->len;

      if (self->chunk > 0)
        n = MIN (n, self->chunk);
      if (self->fed < self->split && self->fed + n > self->split)
        n = self->split - self->fed;

      if (self->status == SHOAL_MSE_STATUS_NEED_MORE)
        {
          self->feeds++;
          self->status = shoal_mse_feed (self->mse, self->inbox->data, n, peer->inbox, &self->error);
          g_assert_cmpuint (shoal_mse_get_buffered (self->mse), <=, 96 + 532 + 65535);
          if (self->status == SHOAL_MSE_STATUS_DONE)
            {
              g_autoptr(GBytes) payload = shoal_mse_steal_payload (self->mse);

              g_byte_array_append (self->app_in, g_bytes_get_data (payload, NULL),
                                   g_bytes_get_size (payload));
              side_send (peer, self->mse, self->reply);
            }
        }
      else
        {
          gsize start = self->app_in->len;

          g_byte_array_append (self->app_in, self->inbox->data, n);
          shoal_mse_decrypt (self->mse, self->app_in->data + start, n);
        }
      self->fed += n;
      g_byte_array_remove_range (self->inbox, 0, n);
      progress = TRUE;
    }
  return progress;
}

static void
pair_run (Pair *p)
{
  shoal_mse_start (p->a.mse, (const guint8 *) a_hello, strlen (a_hello), p->b.inbox);
  for (guint round = 0; round < 1000; round++)
    {
      gboolean progress = side_deliver (&p->b, &p->a);

      progress |= side_deliver (&p->a, &p->b);
      if (!progress)
        return;
    }
  g_assert_not_reached ();
}

static void
app_in_equals (Side       *s,
               const char *a,
               const char *b)
{
  g_autofree char *expected = g_strconcat (a, b, NULL);

  g_assert_cmpmem (s->app_in->data, s->app_in->len, expected, strlen (expected));
}

static void
pair_assert_agreed (Pair          *p,
                    ShoalMseMethod method)
{
  g_assert_no_error (p->a.error);
  g_assert_no_error (p->b.error);
  g_assert_cmpint (p->a.status, ==, SHOAL_MSE_STATUS_DONE);
  g_assert_cmpint (p->b.status, ==, SHOAL_MSE_STATUS_DONE);
  g_assert_cmpint (shoal_mse_get_method (p->a.mse), ==, method);
  g_assert_cmpint (shoal_mse_get_method (p->b.mse), ==, method);
  g_assert_cmpmem (shoal_mse_get_info_hash (p->a.mse), SHOAL_MSE_HASH_LEN,
                   shoal_mse_get_info_hash (p->b.mse), SHOAL_MSE_HASH_LEN);
  /* B got IA then A's first message; A got B's reply. */
  app_in_equals (&p->b, a_hello, a_more);
  app_in_equals (&p->a, b_hello, "");
}

static void
test_handshake_policies (void)
{
  static const ShoalEncryptionPolicy policies[] = {
    SHOAL_ENCRYPTION_PREFER, SHOAL_ENCRYPTION_REQUIRE, SHOAL_ENCRYPTION_ALLOW_PLAINTEXT,
  };
  /* [initiator][receiver]: our initiators always offer RC4, so they always
   * agree; a receiver that allows plaintext picks it when offered. */
  static const ShoalMseMethod expected[3][3] = {
    { SHOAL_MSE_METHOD_RC4, SHOAL_MSE_METHOD_RC4, SHOAL_MSE_METHOD_PLAINTEXT },
    { SHOAL_MSE_METHOD_RC4, SHOAL_MSE_METHOD_RC4, SHOAL_MSE_METHOD_RC4 },
    { SHOAL_MSE_METHOD_RC4, SHOAL_MSE_METHOD_RC4, SHOAL_MSE_METHOD_PLAINTEXT },
  };

  for (guint i = 0; i < 3; i++)
    for (guint j = 0; j < 3; j++)
      {
        Pair p;

        pair_init (&p, 0x40, policies[i], policies[j], -1);
        pair_run (&p);
        pair_assert_agreed (&p, expected[i][j]);
        g_assert_cmpuint (p.torrents.calls, ==, 1);
        pair_clear (&p);
      }
}

static void
test_handshake_split_everywhere (void)
{
  static const ShoalMseMethod methods[] = { SHOAL_MSE_METHOD_RC4, SHOAL_MSE_METHOD_PLAINTEXT };

  for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
    {
      ShoalEncryptionPolicy b_policy = methods[m] == SHOAL_MSE_METHOD_RC4 ?
        SHOAL_ENCRYPTION_PREFER : SHOAL_ENCRYPTION_ALLOW_PLAINTEXT;
      gsize a_total, b_total;
      Pair p;

      /* One byte at a time, both ways */
      pair_init (&p, 0x00, SHOAL_ENCRYPTION_PREFER, b_policy, 7);
      p.a.chunk = p.b.chunk = 1;
      pair_run (&p);
      pair_assert_agreed (&p, methods[m]);
      a_total = p.a.fed;
      b_total = p.b.fed;
      pair_clear (&p);

      /* Two feed calls, cut at every offset of each stream */
      for (gsize cut = 0; cut <= MAX (a_total, b_total); cut++)
        {
          pair_init (&p, 0x00, SHOAL_ENCRYPTION_PREFER, b_policy, 7);
          p.a.split = cut;
          p.b.split = cut;
          pair_run (&p);
          pair_assert_agreed (&p, methods[m]);
          g_assert_cmpuint (p.a.fed, ==, a_total);
          g_assert_cmpuint (p.b.fed, ==, b_total);
          pair_clear (&p);
        }
    }
}

static void
test_handshake_padding (void)
{
  static const int pads[] = { 0, 1, 2, 19, 20, 21, 255, 511, 512, -1, -1, -1, -1 };

  for (guint i = 0; i < G_N_ELEMENTS (pads); i++)
    {
      Pair p;

      pair_init (&p, 0x00, SHOAL_ENCRYPTION_PREFER, SHOAL_ENCRYPTION_PREFER, pads[i]);
      pair_run (&p);
      pair_assert_agreed (&p, SHOAL_MSE_METHOD_RC4);
      if (pads[i] >= 0)
        {
          /* Ya PadA req1 req2 VC provide len PadC len IA, then A's message */
          g_assert_cmpuint (p.b.fed, ==, 96 + pads[i] + 20 + 20 + 8 + 4 + 2 + pads[i] + 2 +
                            strlen (a_hello) + strlen (a_more));
          /* Yb PadB VC select len PadD, then B's message */
          g_assert_cmpuint (p.a.fed, ==, 96 + pads[i] + 8 + 4 + 2 + pads[i] + strlen (b_hello));
        }
      pair_clear (&p);
    }
}

static void
test_handshake_unknown_torrent (void)
{
  Pair p;

  pair_init (&p, 0x20, SHOAL_ENCRYPTION_PREFER, SHOAL_ENCRYPTION_PREFER, -1);
  pair_run (&p);
  g_assert_error (p.b.error, SHOAL_MSE_ERROR, SHOAL_MSE_ERROR_UNKNOWN_TORRENT);
  g_assert_cmpint (p.b.status, ==, SHOAL_MSE_STATUS_FAILED);
  g_assert_cmpint (p.a.status, ==, SHOAL_MSE_STATUS_NEED_MORE);
  g_assert_null (shoal_mse_get_info_hash (p.b.mse));
  g_assert_cmpint (shoal_mse_get_method (p.b.mse), ==, SHOAL_MSE_METHOD_NONE);
  pair_clear (&p);
}

static void
test_handshake_max_ia (void)
{
  g_autofree guint8 *ia = g_malloc (SHOAL_MSE_MAX_IA);
  guint8 ih[SHOAL_MSE_HASH_LEN];
  Torrents torrents = { { 0x00 }, 1, 0 };
  g_autoptr(ShoalMse) a = NULL;
  g_autoptr(ShoalMse) b = NULL;
  g_autoptr(GByteArray) to_b = g_byte_array_new ();
  g_autoptr(GByteArray) to_a = g_byte_array_new ();
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < SHOAL_MSE_MAX_IA; i++)
    ia[i] = i % 251;
  info_hash_fill (ih, 0x00);
  a = shoal_mse_new_initiator (ih, SHOAL_ENCRYPTION_REQUIRE);
  b = shoal_mse_new_receiver (SHOAL_ENCRYPTION_REQUIRE, find_torrent_cb, &torrents);
  shoal_mse_start (a, ia, SHOAL_MSE_MAX_IA, to_b);
  g_assert_cmpint (shoal_mse_feed (b, to_b->data, to_b->len, to_a, &error), ==, SHOAL_MSE_STATUS_NEED_MORE);
  g_byte_array_set_size (to_b, 0);
  g_assert_cmpint (shoal_mse_feed (a, to_a->data, to_a->len, to_b, &error), ==, SHOAL_MSE_STATUS_NEED_MORE);
  g_byte_array_set_size (to_a, 0);
  g_assert_cmpint (shoal_mse_feed (b, to_b->data, to_b->len, to_a, &error), ==, SHOAL_MSE_STATUS_DONE);
  g_assert_no_error (error);
  payload = shoal_mse_steal_payload (b);
  g_assert_cmpmem (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload), ia, SHOAL_MSE_MAX_IA);
  g_assert_cmpint (shoal_mse_feed (a, to_a->data, to_a->len, to_b, &error), ==, SHOAL_MSE_STATUS_DONE);
  g_assert_no_error (error);
}

/* Hand-made peers, to send what ours never would ------------------------------------ */

typedef struct
{
  guint8    s[SHOAL_MSE_KEY_LEN];
  guint8    skey[SHOAL_MSE_HASH_LEN];
  ShoalRc4 *key_a;
  ShoalRc4 *key_b;
} Crafted;

static void
crafted_init (Crafted      *c,
              const guint8  s[SHOAL_MSE_KEY_LEN],
              guint8        skey_first)
{
  guint8 k[SHOAL_MSE_HASH_LEN];

  memcpy (c->s, s, SHOAL_MSE_KEY_LEN);
  info_hash_fill (c->skey, skey_first);
  shoal_mse_hash ("keyA", c->s, sizeof c->s, c->skey, sizeof c->skey, k);
  c->key_a = shoal_rc4_new (k, sizeof k, 1024);
  shoal_mse_hash ("keyB", c->s, sizeof c->s, c->skey, sizeof c->skey, k);
  c->key_b = shoal_rc4_new (k, sizeof k, 1024);
}

static void
crafted_clear (Crafted *c)
{
  g_clear_pointer (&c->key_a, shoal_rc4_free);
  g_clear_pointer (&c->key_b, shoal_rc4_free);
}

static void
put16 (GByteArray *out,
       guint       v)
{
  guint8 b[2] = { v >> 8, v & 0xff };

  g_byte_array_append (out, b, 2);
}

/* The third step an initiator sends, with any field values. */
static void
craft_step3 (Crafted    *c,
             gboolean    bad_vc,
             guint32     provide,
             guint       pad_c,
             const char *ia,
             GByteArray *out)
{
  guint8 h[SHOAL_MSE_HASH_LEN], req3[SHOAL_MSE_HASH_LEN];
  guint8 vc[8] = { 0 };
  guint8 prov[4] = { provide >> 24, provide >> 16, provide >> 8, provide };
  gsize start;

  shoal_mse_hash ("req1", c->s, sizeof c->s, NULL, 0, h);
  g_byte_array_append (out, h, sizeof h);
  shoal_mse_req2_hash (c->skey, h);
  shoal_mse_hash ("req3", c->s, sizeof c->s, NULL, 0, req3);
  for (guint i = 0; i < sizeof h; i++)
    h[i] ^= req3[i];
  g_byte_array_append (out, h, sizeof h);

  start = out->len;
  if (bad_vc)
    vc[7] = 1;
  g_byte_array_append (out, vc, sizeof vc);
  g_byte_array_append (out, prov, sizeof prov);
  put16 (out, pad_c);
  for (guint i = 0; i < pad_c; i++)
    g_byte_array_append (out, (const guint8 *) "\0", 1);
  put16 (out, strlen (ia));
  g_byte_array_append (out, (const guint8 *) ia, strlen (ia));
  shoal_rc4_apply (c->key_a, out->data + start, out->len - start);
}

/* A receiver with key xb, given Ya and @pad_a bytes of PadA; on return @c
 * holds the keys for info-hash 00..13. */
static ShoalMse *
receiver_after_keys (ShoalEncryptionPolicy policy,
                     Torrents             *torrents,
                     gsize                 pad_a,
                     Crafted              *c)
{
  g_autoptr(GBytes) xb = hex (xb_hex);
  g_autoptr(GBytes) ya = hex (ya_hex);
  g_autoptr(GBytes) s = hex (s_hex);
  g_autoptr(GByteArray) in = g_byte_array_new ();
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  ShoalMse *b = shoal_mse_new_receiver (policy, find_torrent_cb, torrents);

  shoal_mse_set_private_key (b, bytes_data (xb), g_bytes_get_size (xb));
  shoal_mse_set_padding (b, 3);
  g_byte_array_append (in, bytes_data (ya), SHOAL_MSE_KEY_LEN);
  for (gsize i = 0; i < pad_a; i++)
    g_byte_array_append (in, (const guint8 *) "\x5a", 1);
  g_assert_cmpint (shoal_mse_feed (b, in->data, in->len, out, &error), ==, SHOAL_MSE_STATUS_NEED_MORE);
  g_assert_no_error (error);
  /* Yb then 3 bytes of PadB */
  g_assert_cmpuint (out->len, ==, SHOAL_MSE_KEY_LEN + 3);
  assert_hex (out->data, SHOAL_MSE_KEY_LEN, yb_hex);
  crafted_init (c, bytes_data (s), 0x00);
  return b;
}

static void
test_receiver_known_answer (void)
{
  Torrents torrents = { { 0x00 }, 1, 0 };
  Crafted c;
  g_autoptr(GBytes) step3 = hex (step3_hex);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(ShoalMse) b = receiver_after_keys (SHOAL_ENCRYPTION_PREFER, &torrents, 0, &c);
  g_autoptr(GError) error = NULL;

  shoal_mse_set_padding (b, 0);
  g_assert_cmpint (shoal_mse_feed (b, bytes_data (step3), g_bytes_get_size (step3), out, &error),
                   ==, SHOAL_MSE_STATUS_DONE);
  g_assert_no_error (error);
  assert_hex (out->data, out->len, step4_hex);
  payload = shoal_mse_steal_payload (b);
  g_assert_cmpmem (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload), "abc", 3);
  g_assert_cmpint (shoal_mse_get_method (b), ==, SHOAL_MSE_METHOD_RC4);
  crafted_clear (&c);
}

static void
test_initiator_known_answer (void)
{
  g_autoptr(GBytes) xa = hex (xa_hex);
  g_autoptr(GBytes) yb = hex (yb_hex);
  g_autoptr(GBytes) step3 = hex (step3_hex);
  g_autoptr(GBytes) step4 = hex (step4_hex);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  guint8 ih[SHOAL_MSE_HASH_LEN];
  g_autoptr(ShoalMse) a = NULL;

  info_hash_fill (ih, 0x00);
  a = shoal_mse_new_initiator (ih, SHOAL_ENCRYPTION_PREFER);
  shoal_mse_set_private_key (a, bytes_data (xa), g_bytes_get_size (xa));
  shoal_mse_set_padding (a, 0);
  shoal_mse_start (a, (const guint8 *) "abc", 3, out);
  assert_hex (out->data, out->len, ya_hex);
  g_byte_array_set_size (out, 0);

  g_assert_cmpint (shoal_mse_feed (a, bytes_data (yb), SHOAL_MSE_KEY_LEN, out, &error),
                   ==, SHOAL_MSE_STATUS_NEED_MORE);
  assert_hex (out->data, out->len, step3_hex);
  g_assert_cmpmem (out->data, out->len, bytes_data (step3), g_bytes_get_size (step3));
  g_byte_array_set_size (out, 0);
  g_assert_cmpint (shoal_mse_feed (a, bytes_data (step4), g_bytes_get_size (step4), out, &error),
                   ==, SHOAL_MSE_STATUS_DONE);
  g_assert_no_error (error);
  g_assert_cmpuint (out->len, ==, 0);
  g_assert_cmpint (shoal_mse_get_method (a), ==, SHOAL_MSE_METHOD_RC4);
}

typedef struct
{
  const char            *name;
  ShoalEncryptionPolicy  policy;
  gsize                  pad_a;
  gboolean               bad_vc;
  guint32                provide;
  guint                  pad_c;
  int                    code;     /* -1: success */
  ShoalMseMethod         method;
} ReceiverCase;

static void
test_receiver_crafted (void)
{
  static const ReceiverCase cases[] = {
    { "padA 512", SHOAL_ENCRYPTION_PREFER, 512, FALSE, 3, 0, -1, SHOAL_MSE_METHOD_RC4 },
    { "padA 513", SHOAL_ENCRYPTION_PREFER, 513, FALSE, 3, 0, SHOAL_MSE_ERROR_NO_SYNC, 0 },
    { "bad VC", SHOAL_ENCRYPTION_PREFER, 0, TRUE, 3, 0, SHOAL_MSE_ERROR_BAD_VC, 0 },
    { "padC 512", SHOAL_ENCRYPTION_PREFER, 0, FALSE, 3, 512, -1, SHOAL_MSE_METHOD_RC4 },
    { "padC 513", SHOAL_ENCRYPTION_PREFER, 0, FALSE, 3, 513, SHOAL_MSE_ERROR_BAD_PADDING, 0 },
    { "nothing offered", SHOAL_ENCRYPTION_PREFER, 0, FALSE, 0, 0, SHOAL_MSE_ERROR_NO_COMMON_METHOD, 0 },
    { "unknown bits only", SHOAL_ENCRYPTION_PREFER, 0, FALSE, 0xfffffffc, 0, SHOAL_MSE_ERROR_NO_COMMON_METHOD, 0 },
    { "plaintext to require", SHOAL_ENCRYPTION_REQUIRE, 0, FALSE, 1, 0, SHOAL_MSE_ERROR_NO_COMMON_METHOD, 0 },
    { "plaintext to prefer", SHOAL_ENCRYPTION_PREFER, 0, FALSE, 1, 0, -1, SHOAL_MSE_METHOD_PLAINTEXT },
    { "rc4 to allow-plaintext", SHOAL_ENCRYPTION_ALLOW_PLAINTEXT, 0, FALSE, 2, 0, -1, SHOAL_MSE_METHOD_RC4 },
    { "rc4 and unknown bits", SHOAL_ENCRYPTION_REQUIRE, 0, FALSE, 0x102, 0, -1, SHOAL_MSE_METHOD_RC4 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const ReceiverCase *rc = &cases[i];
      Torrents torrents = { { 0x00 }, 1, 0 };
      Crafted c;
      g_autoptr(ShoalMse) b = NULL;
      g_autoptr(GByteArray) in = g_byte_array_new ();
      g_autoptr(GByteArray) out = g_byte_array_new ();
      g_autoptr(GError) error = NULL;
      ShoalMseStatus status;

      g_test_message ("case %s", rc->name);
      b = receiver_after_keys (rc->policy, &torrents, rc->pad_a, &c);
      craft_step3 (&c, rc->bad_vc, rc->provide, rc->pad_c, "IA!", in);
      status = shoal_mse_feed (b, in->data, in->len, out, &error);
      if (rc->code < 0)
        {
          g_autoptr(GBytes) payload = NULL;

          g_assert_no_error (error);
          g_assert_cmpint (status, ==, SHOAL_MSE_STATUS_DONE);
          g_assert_cmpint (shoal_mse_get_method (b), ==, rc->method);
          payload = shoal_mse_steal_payload (b);
          g_assert_cmpmem (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload), "IA!", 3);
        }
      else
        {
          g_assert_error (error, SHOAL_MSE_ERROR, rc->code);
          g_assert_cmpint (status, ==, SHOAL_MSE_STATUS_FAILED);
          g_assert_cmpuint (out->len, ==, 0);
        }
      crafted_clear (&c);
    }
}

static void
test_receiver_garbage_bounded (void)
{
  Torrents torrents = { { 0x00 }, 1, 0 };
  Crafted c;
  g_autoptr(ShoalMse) b = receiver_after_keys (SHOAL_ENCRYPTION_PREFER, &torrents, 0, &c);
  g_autoptr(ShoalMse) b2 = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *junk = g_malloc (1 << 20);
  ShoalMseStatus status = SHOAL_MSE_STATUS_NEED_MORE;

  for (gsize i = 0; i < (1 << 20); i++)
    junk[i] = g_test_rand_int_range (0, 256);

  /* 531 bytes after Ya could still hide HASH('req1') at offset 511 */
  for (gsize i = 0; i < 531; i++)
    {
      g_assert_cmpint (shoal_mse_feed (b, junk + i, 1, out, &error), ==, SHOAL_MSE_STATUS_NEED_MORE);
      g_assert_cmpuint (shoal_mse_get_buffered (b), ==, i + 1);
    }
  g_assert_cmpint (shoal_mse_feed (b, junk + 531, 1, out, &error), ==, SHOAL_MSE_STATUS_FAILED);
  g_assert_error (error, SHOAL_MSE_ERROR, SHOAL_MSE_ERROR_NO_SYNC);
  g_assert_cmpuint (shoal_mse_get_buffered (b), ==, 0);
  g_assert_cmpuint (torrents.calls, ==, 0);
  g_clear_error (&error);
  crafted_clear (&c);

  /* A megabyte in one call fails at once and is not kept */
  b2 = receiver_after_keys (SHOAL_ENCRYPTION_PREFER, &torrents, 0, &c);
  status = shoal_mse_feed (b2, junk, 1 << 20, out, &error);
  g_assert_cmpint (status, ==, SHOAL_MSE_STATUS_FAILED);
  g_assert_error (error, SHOAL_MSE_ERROR, SHOAL_MSE_ERROR_NO_SYNC);
  g_assert_cmpuint (shoal_mse_get_buffered (b2), ==, 0);
  crafted_clear (&c);
}

static void
test_receiver_bad_key (void)
{
  Torrents torrents = { { 0x00 }, 1, 0 };
  guint8 zero[SHOAL_MSE_KEY_LEN + 10] = { 0 };
  g_autoptr(ShoalMse) b = shoal_mse_new_receiver (SHOAL_ENCRYPTION_PREFER, find_torrent_cb, &torrents);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (shoal_mse_feed (b, zero, 95, out, &error), ==, SHOAL_MSE_STATUS_NEED_MORE);
  g_assert_cmpint (shoal_mse_feed (b, zero + 95, sizeof zero - 95, out, &error), ==, SHOAL_MSE_STATUS_FAILED);
  g_assert_error (error, SHOAL_MSE_ERROR, SHOAL_MSE_ERROR_BAD_KEY);
  g_assert_cmpuint (out->len, ==, 0);
}

/* An initiator with key xa that got Yb; returns its third step in @step3. */
static ShoalMse *
initiator_after_keys (ShoalEncryptionPolicy policy,
                      Crafted              *c,
                      GByteArray           *step3)
{
  g_autoptr(GBytes) xa = hex (xa_hex);
  g_autoptr(GBytes) yb = hex (yb_hex);
  g_autoptr(GBytes) s = hex (s_hex);
  g_autoptr(GError) error = NULL;
  guint8 ih[SHOAL_MSE_HASH_LEN];
  ShoalMse *a;

  info_hash_fill (ih, 0x00);
  a = shoal_mse_new_initiator (ih, policy);
  shoal_mse_set_private_key (a, bytes_data (xa), g_bytes_get_size (xa));
  shoal_mse_start (a, NULL, 0, step3);
  g_byte_array_set_size (step3, 0);
  g_assert_cmpint (shoal_mse_feed (a, bytes_data (yb), SHOAL_MSE_KEY_LEN, step3, &error),
                   ==, SHOAL_MSE_STATUS_NEED_MORE);
  g_assert_no_error (error);
  crafted_init (c, bytes_data (s), 0x00);
  return a;
}

typedef struct
{
  const char            *name;
  ShoalEncryptionPolicy  policy;
  gsize                  pad_b;
  guint32                select;
  guint                  pad_d;
  int                    code;
} InitiatorCase;

static void
test_initiator_crafted (void)
{
  static const InitiatorCase cases[] = {
    { "rc4", SHOAL_ENCRYPTION_PREFER, 0, 2, 0, -1 },
    { "plaintext", SHOAL_ENCRYPTION_PREFER, 0, 1, 0, -1 },
    { "padB 512 padD 512", SHOAL_ENCRYPTION_PREFER, 512, 2, 512, -1 },
    { "padB 513", SHOAL_ENCRYPTION_PREFER, 513, 2, 0, SHOAL_MSE_ERROR_NO_SYNC },
    { "padD 513", SHOAL_ENCRYPTION_PREFER, 0, 2, 513, SHOAL_MSE_ERROR_BAD_PADDING },
    { "both selected", SHOAL_ENCRYPTION_PREFER, 0, 3, 0, SHOAL_MSE_ERROR_BAD_SELECT },
    { "nothing selected", SHOAL_ENCRYPTION_PREFER, 0, 0, 0, SHOAL_MSE_ERROR_BAD_SELECT },
    { "unknown selected", SHOAL_ENCRYPTION_PREFER, 0, 4, 0, SHOAL_MSE_ERROR_BAD_SELECT },
    { "plaintext when required", SHOAL_ENCRYPTION_REQUIRE, 0, 1, 0, SHOAL_MSE_ERROR_BAD_SELECT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const InitiatorCase *ic = &cases[i];
      Crafted c;
      g_autoptr(GByteArray) out = g_byte_array_new ();
      g_autoptr(GByteArray) in = g_byte_array_new ();
      g_autoptr(ShoalMse) a = initiator_after_keys (ic->policy, &c, out);
      g_autoptr(GError) error = NULL;
      guint8 sel[4] = { ic->select >> 24, ic->select >> 16, ic->select >> 8, ic->select };
      static const char tail[] = "after PadD";
      gsize start;
      ShoalMseStatus status;

      g_test_message ("case %s", ic->name);
      for (gsize j = 0; j < ic->pad_b; j++)
        g_byte_array_append (in, (const guint8 *) "\xa5", 1);
      start = in->len;
      g_byte_array_append (in, (const guint8 *) "\0\0\0\0\0\0\0\0", 8);
      g_byte_array_append (in, sel, 4);
      put16 (in, ic->pad_d);
      for (guint j = 0; j < ic->pad_d; j++)
        g_byte_array_append (in, (const guint8 *) "\0", 1);
      g_byte_array_append (in, (const guint8 *) tail, strlen (tail));
      /* After PadD the stream stays under RC4 only if RC4 was selected. */
      shoal_rc4_apply (c.key_b, in->data + start,
                       in->len - start - (ic->select == 1 ? strlen (tail) : 0));

      status = shoal_mse_feed (a, in->data, in->len, out, &error);
      if (ic->code < 0)
        {
          g_autoptr(GBytes) payload = shoal_mse_steal_payload (a);

          g_assert_no_error (error);
          g_assert_cmpint (status, ==, SHOAL_MSE_STATUS_DONE);
          g_assert_cmpint (shoal_mse_get_method (a), ==, ic->select);
          g_assert_cmpmem (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload),
                           tail, strlen (tail));
        }
      else
        {
          g_assert_error (error, SHOAL_MSE_ERROR, ic->code);
          g_assert_cmpint (status, ==, SHOAL_MSE_STATUS_FAILED);
        }
      crafted_clear (&c);
    }
}

static void
test_initiator_garbage_bounded (void)
{
  Crafted c;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(ShoalMse) a = initiator_after_keys (SHOAL_ENCRYPTION_PREFER, &c, out);
  g_autoptr(GError) error = NULL;
  guint8 junk[520];

  for (gsize i = 0; i < sizeof junk; i++)
    junk[i] = g_test_rand_int_range (0, 256);
  g_assert_cmpint (shoal_mse_feed (a, junk, 519, out, &error), ==, SHOAL_MSE_STATUS_NEED_MORE);
  g_assert_cmpuint (shoal_mse_get_buffered (a), ==, 519);
  g_assert_cmpint (shoal_mse_feed (a, junk + 519, 1, out, &error), ==, SHOAL_MSE_STATUS_FAILED);
  g_assert_error (error, SHOAL_MSE_ERROR, SHOAL_MSE_ERROR_NO_SYNC);
  crafted_clear (&c);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/mse/rc4/rfc6229", test_rc4_rfc6229);
  g_test_add_func ("/engine/mse/rc4/chunks", test_rc4_chunks);
  g_test_add_func ("/engine/mse/dh/known-answers", test_dh_known_answers);
  g_test_add_func ("/engine/mse/dh/random-agree", test_dh_random_agree);
  g_test_add_func ("/engine/mse/dh/reject-degenerate", test_dh_reject_degenerate);
  g_test_add_func ("/engine/mse/detect", test_detect);
  g_test_add_func ("/engine/mse/policy-helpers", test_policy_helpers);
  g_test_add_func ("/engine/mse/handshake/policies", test_handshake_policies);
  g_test_add_func ("/engine/mse/handshake/split-everywhere", test_handshake_split_everywhere);
  g_test_add_func ("/engine/mse/handshake/padding", test_handshake_padding);
  g_test_add_func ("/engine/mse/handshake/unknown-torrent", test_handshake_unknown_torrent);
  g_test_add_func ("/engine/mse/handshake/max-ia", test_handshake_max_ia);
  g_test_add_func ("/engine/mse/receiver/known-answer", test_receiver_known_answer);
  g_test_add_func ("/engine/mse/receiver/crafted", test_receiver_crafted);
  g_test_add_func ("/engine/mse/receiver/garbage-bounded", test_receiver_garbage_bounded);
  g_test_add_func ("/engine/mse/receiver/bad-key", test_receiver_bad_key);
  g_test_add_func ("/engine/mse/initiator/known-answer", test_initiator_known_answer);
  g_test_add_func ("/engine/mse/initiator/crafted", test_initiator_crafted);
  g_test_add_func ("/engine/mse/initiator/garbage-bounded", test_initiator_garbage_bounded);

  return g_test_run ();
}
