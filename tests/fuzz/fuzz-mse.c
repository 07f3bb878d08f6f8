/* fuzz-mse.c: the Message Stream Encryption handshake, both roles
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input layout: byte 0 holds flags, byte 1 seeds the chunk sizes, bytes 2-3
 * a padding length (big-endian, up to 1023, so over the 512 limit too), the
 * rest is what the peer sends.
 *
 *   flags & 0x01  crafted: this harness plays the peer with fixed keys and
 *                 encrypts the rest under the right RC4 stream, so the
 *                 fuzzer reaches the encrypted fields (VC, crypto_provide,
 *                 PadC, IA / crypto_select, PadD); otherwise the rest is
 *                 fed raw, public key included
 *   flags & 0x02  the ShoalMse under test is the initiator, else the receiver
 *   flags >> 2    the policy (mod 3)
 *
 * Whatever the input, the handshake must end in one of its three states
 * without buffering more than the protocol allows, and a successful one
 * must agree with the policy.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "shoal-mse.h"

/* Longest any step may wait on: Ya, PadA and req1, then req2, VC, provide,
 * len(PadC), PadC, len(IA) and IA (the initiator needs far less). */
#define MAX_BUFFERED (96 + 532 + 20 + 14 + 512 + 2 + 65535)

static const guint8 harness_key[20] = {
  0x3c, 0x11, 0x8e, 0x27, 0x90, 0x4b, 0xd2, 0x05, 0x6f, 0xa1,
  0x58, 0xee, 0x13, 0x7a, 0xc4, 0x29, 0x9d, 0x60, 0x0b, 0xf7,
};
static const guint8 tested_key[20] = {
  0x81, 0x2e, 0x47, 0xb9, 0x0c, 0x75, 0xda, 0x36, 0xe3, 0x52,
  0x1f, 0xa8, 0x64, 0xcb, 0x90, 0x0d, 0x7e, 0x21, 0xb5, 0x4a,
};

typedef struct
{
  guint8 harness_public[SHOAL_MSE_KEY_LEN];
  guint8 tested_public[SHOAL_MSE_KEY_LEN];
  guint8 secret[SHOAL_MSE_KEY_LEN];
  guint8 info_hash[SHOAL_MSE_HASH_LEN];
} Keys;

static const Keys *
keys_get (void)
{
  static Keys keys;
  static gboolean done;

  if (!done)
    {
      gboolean ok;

      shoal_mse_dh_public_key (harness_key, sizeof harness_key, keys.harness_public);
      shoal_mse_dh_public_key (tested_key, sizeof tested_key, keys.tested_public);
      ok = shoal_mse_dh_shared_secret (harness_key, sizeof harness_key,
                                       keys.tested_public, keys.secret, NULL);
      g_assert (ok);
      for (guint i = 0; i < SHOAL_MSE_HASH_LEN; i++)
        keys.info_hash[i] = 0xa0 + i;
      done = TRUE;
    }
  return &keys;
}

static gboolean
find_torrent (const guint8 req2[SHOAL_MSE_HASH_LEN],
              guint8       info_hash_out[SHOAL_MSE_HASH_LEN],
              gpointer     user_data)
{
  const Keys *keys = user_data;
  guint8 h[SHOAL_MSE_HASH_LEN];

  shoal_mse_req2_hash (keys->info_hash, h);
  if (memcmp (h, req2, sizeof h) != 0)
    return FALSE;
  memcpy (info_hash_out, keys->info_hash, SHOAL_MSE_HASH_LEN);
  return TRUE;
}

static ShoalRc4 *
harness_cipher (const Keys *keys,
                const char *tag)
{
  guint8 k[SHOAL_MSE_HASH_LEN];

  shoal_mse_hash (tag, keys->secret, SHOAL_MSE_KEY_LEN, keys->info_hash, SHOAL_MSE_HASH_LEN, k);
  return shoal_rc4_new (k, sizeof k, 1024);
}

/* What the harness sends, as the peer of a receiver (crafted): Ya, PadA,
 * HASH('req1', S), the masked HASH('req2'), then @rest under keyA. */
static void
craft_for_receiver (const Keys   *keys,
                    gsize         pad,
                    const guint8 *rest,
                    gsize         rest_len,
                    GByteArray   *stream)
{
  g_autoptr(ShoalRc4) key_a = harness_cipher (keys, "keyA");
  guint8 h[SHOAL_MSE_HASH_LEN], req3[SHOAL_MSE_HASH_LEN];
  gsize start;

  g_byte_array_append (stream, keys->harness_public, SHOAL_MSE_KEY_LEN);
  for (gsize i = 0; i < pad; i++)
    g_byte_array_append (stream, (const guint8 *) "\x5a", 1);
  shoal_mse_hash ("req1", keys->secret, SHOAL_MSE_KEY_LEN, NULL, 0, h);
  g_byte_array_append (stream, h, sizeof h);
  shoal_mse_req2_hash (keys->info_hash, h);
  shoal_mse_hash ("req3", keys->secret, SHOAL_MSE_KEY_LEN, NULL, 0, req3);
  for (guint i = 0; i < sizeof h; i++)
    h[i] ^= req3[i];
  g_byte_array_append (stream, h, sizeof h);
  start = stream->len;
  g_byte_array_append (stream, rest, rest_len);
  shoal_rc4_apply (key_a, stream->data + start, rest_len);
}

/* As the peer of an initiator (crafted): Yb, PadB, then @rest under keyB. */
static void
craft_for_initiator (const Keys   *keys,
                     gsize         pad,
                     const guint8 *rest,
                     gsize         rest_len,
                     GByteArray   *stream)
{
  g_autoptr(ShoalRc4) key_b = harness_cipher (keys, "keyB");
  gsize start;

  g_byte_array_append (stream, keys->harness_public, SHOAL_MSE_KEY_LEN);
  for (gsize i = 0; i < pad; i++)
    g_byte_array_append (stream, (const guint8 *) "\xa5", 1);
  start = stream->len;
  g_byte_array_append (stream, rest, rest_len);
  shoal_rc4_apply (key_b, stream->data + start, rest_len);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const Keys *keys;
  g_autoptr(ShoalMse) mse = NULL;
  g_autoptr(GByteArray) stream = g_byte_array_new ();
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  ShoalMseStatus status = SHOAL_MSE_STATUS_NEED_MORE;
  ShoalEncryptionPolicy policy;
  gboolean crafted, initiator;
  guint32 rng;
  gsize pad, off = 0;

  fuzz_set_up ();
  if (size < 4)
    return 0;

  keys = keys_get ();
  crafted = (data[0] & 0x01) != 0;
  initiator = (data[0] & 0x02) != 0;
  policy = (ShoalEncryptionPolicy) ((data[0] >> 2) % 3);
  rng = data[1] | 1;
  pad = ((gsize) (data[2] & 0x03) << 8) | data[3];
  data += 4;
  size -= 4;

  if (initiator)
    {
      mse = shoal_mse_new_initiator (keys->info_hash, policy);
      shoal_mse_set_private_key (mse, tested_key, sizeof tested_key);
      shoal_mse_start (mse, (const guint8 *) "IA", 2, out);
      if (crafted)
        craft_for_initiator (keys, pad, data, size, stream);
    }
  else
    {
      mse = shoal_mse_new_receiver (policy, find_torrent, (gpointer) keys);
      shoal_mse_set_private_key (mse, tested_key, sizeof tested_key);
      if (crafted)
        craft_for_receiver (keys, pad, data, size, stream);
    }
  if (!crafted)
    g_byte_array_append (stream, data, size);

  /* Chunks of 1 to 256 bytes, from a small xorshift seeded by the input. */
  while (off < stream->len && status == SHOAL_MSE_STATUS_NEED_MORE)
    {
      gsize n;

      rng ^= rng << 13;
      rng ^= rng >> 17;
      rng ^= rng << 5;
      n = MIN (1 + (rng & 0xff), stream->len - off);
      status = shoal_mse_feed (mse, stream->data + off, n, out, &error);
      off += n;
      g_assert (shoal_mse_get_buffered (mse) <= MAX_BUFFERED);
    }

  switch (status)
    {
    case SHOAL_MSE_STATUS_DONE:
      {
        ShoalMseMethod method = shoal_mse_get_method (mse);
        g_autoptr(GBytes) payload = shoal_mse_steal_payload (mse);

        g_assert (error == NULL);
        g_assert (method == SHOAL_MSE_METHOD_RC4 || method == SHOAL_MSE_METHOD_PLAINTEXT);
        if (policy == SHOAL_ENCRYPTION_REQUIRE)
          g_assert (method == SHOAL_MSE_METHOD_RC4);
        g_assert (memcmp (shoal_mse_get_info_hash (mse), keys->info_hash, SHOAL_MSE_HASH_LEN) == 0);
        g_assert (g_bytes_get_size (payload) <= stream->len);
        /* What is left of the stream is after the handshake. */
        shoal_mse_decrypt (mse, stream->data + off, stream->len - off);
        shoal_mse_encrypt (mse, stream->data, MIN (stream->len, 64));
        break;
      }
    case SHOAL_MSE_STATUS_FAILED:
      g_assert (error != NULL && error->domain == SHOAL_MSE_ERROR);
      g_assert (shoal_mse_get_method (mse) == SHOAL_MSE_METHOD_NONE);
      break;
    case SHOAL_MSE_STATUS_NEED_MORE:
    default:
      g_assert (error == NULL);
      g_assert (off == stream->len);
      break;
    }
  return 0;
}
