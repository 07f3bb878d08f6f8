/* shoal-mse.c: Message Stream Encryption (the obfuscated BitTorrent handshake)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * MSE (also "Protocol Encryption") hides the BitTorrent handshake from
 * traffic shapers. Initiator A and receiver B exchange:
 *
 *   A->B  Ya, PadA
 *   B->A  Yb, PadB
 *   A->B  HASH('req1', S), HASH('req2', SKEY) ^ HASH('req3', S),
 *         ENCRYPT(VC, crypto_provide, len(PadC), PadC, len(IA)), ENCRYPT(IA)
 *   B->A  ENCRYPT(VC, crypto_select, len(PadD), PadD), ENCRYPT2(payload)
 *   A->B  ENCRYPT2(payload)
 *
 * Y are 768-bit Diffie-Hellman public keys, S the shared secret, SKEY the
 * info-hash, VC eight zero bytes, ENCRYPT RC4 keyed with HASH('keyA'|'keyB',
 * S, SKEY) after dropping 1024 bytes of keystream, ENCRYPT2 the same RC4
 * stream or nothing, as crypto_select says. The padding has no length
 * prefix, so each side finds where the next part starts by scanning for a
 * value it can compute: B for HASH('req1', S), A for ENCRYPT(VC).
 *
 * ShoalMse does no I/O: the connection feeds it what it reads and sends
 * what it produces, so it can be tested byte by byte and fuzzed.
 */
#include "config.h"

#include <string.h>

#include <gmp.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <nettle/arcfour.h>

#include "shoal-be.h"
#include "shoal-hash.h"
#include "shoal-mse.h"

#define VC_LEN           8
#define PRIVATE_KEY_LEN  20    /* 160 bits, as every implementation uses */
#define RC4_DISCARD      1024
/* How far past the peer's public key the pattern may start, plus its own
 * length: a peer that sends more than that is not following the protocol. */
#define REQ1_WINDOW      (SHOAL_MSE_MAX_PAD + SHOAL_MSE_HASH_LEN)
#define VC_WINDOW        (SHOAL_MSE_MAX_PAD + VC_LEN)

/* The well-known MSE prime P (768 bits), generator 2. */
static const guint8 mse_prime[SHOAL_MSE_KEY_LEN] = {
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc9, 0x0f, 0xda, 0xa2,
  0x21, 0x68, 0xc2, 0x34, 0xc4, 0xc6, 0x62, 0x8b, 0x80, 0xdc, 0x1c, 0xd1,
  0x29, 0x02, 0x4e, 0x08, 0x8a, 0x67, 0xcc, 0x74, 0x02, 0x0b, 0xbe, 0xa6,
  0x3b, 0x13, 0x9b, 0x22, 0x51, 0x4a, 0x08, 0x79, 0x8e, 0x34, 0x04, 0xdd,
  0xef, 0x95, 0x19, 0xb3, 0xcd, 0x3a, 0x43, 0x1b, 0x30, 0x2b, 0x0a, 0x6d,
  0xf2, 0x5f, 0x14, 0x37, 0x4f, 0xe1, 0x35, 0x6d, 0x6d, 0x51, 0xc2, 0x45,
  0xe4, 0x85, 0xb5, 0x76, 0x62, 0x5e, 0x7e, 0xc6, 0xf4, 0x4c, 0x42, 0xe9,
  0xa6, 0x3a, 0x36, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x05, 0x63,
};

static const char plain_handshake_prefix[] = "\x13" "BitTorrent protocol";

G_DEFINE_QUARK (shoal-mse-error-quark, shoal_mse_error)

/* Policies ------------------------------------------------------------------ */

/**
 * shoal_encryption_policy_encrypts_outgoing:
 * @policy: a #ShoalEncryptionPolicy
 *
 * Tells whether an outgoing connection should start with an MSE handshake
 * (as initiator) rather than a plain BitTorrent handshake.
 *
 * Returns: %TRUE for %SHOAL_ENCRYPTION_PREFER and %SHOAL_ENCRYPTION_REQUIRE
 */
gboolean
shoal_encryption_policy_encrypts_outgoing (ShoalEncryptionPolicy policy)
{
  return policy != SHOAL_ENCRYPTION_ALLOW_PLAINTEXT;
}

/**
 * shoal_encryption_policy_accepts_plaintext:
 * @policy: a #ShoalEncryptionPolicy
 *
 * Tells whether an incoming plain BitTorrent handshake may go on. A peer
 * refused for this is told nothing: the connection is just closed.
 *
 * Returns: %FALSE only for %SHOAL_ENCRYPTION_REQUIRE
 */
gboolean
shoal_encryption_policy_accepts_plaintext (ShoalEncryptionPolicy policy)
{
  return policy != SHOAL_ENCRYPTION_REQUIRE;
}

/**
 * shoal_mse_detect:
 * @data: the first bytes received on an incoming connection
 * @len: how many
 *
 * Tells a plain BitTorrent handshake from an MSE one. A random public key
 * starts with 19 once in 256 connections, so the whole 20-byte protocol
 * string is compared, not only the first byte. The bytes are only looked
 * at: the caller passes all of them on, to the peer-wire decoder or to
 * shoal_mse_feed().
 *
 * Returns: what the bytes are, or %SHOAL_MSE_DETECT_NEED_MORE while they are
 *   a prefix of the plain handshake
 */
ShoalMseDetect
shoal_mse_detect (const guint8 *data,
                  gsize         len)
{
  gsize n = MIN (len, sizeof plain_handshake_prefix - 1);

  g_return_val_if_fail (data != NULL || len == 0, SHOAL_MSE_DETECT_NEED_MORE);

  if (n > 0 && memcmp (data, plain_handshake_prefix, n) != 0)
    return SHOAL_MSE_DETECT_ENCRYPTED;
  if (n < sizeof plain_handshake_prefix - 1)
    return SHOAL_MSE_DETECT_NEED_MORE;
  return SHOAL_MSE_DETECT_PLAINTEXT;
}

/* RC4 ------------------------------------------------------------------------ */

struct _ShoalRc4
{
  struct arcfour_ctx ctx;
};

/**
 * shoal_rc4_new:
 * @key: the key
 * @key_len: its length, 1 to 256 bytes
 * @discard: how many keystream bytes to throw away first (MSE uses 1024,
 *   because the first bytes of RC4 leak the key)
 *
 * Creates an RC4 stream (nettle's ARCFOUR). Encryption and decryption are
 * the same operation, shoal_rc4_apply().
 *
 * Returns: (transfer full): the stream
 */
ShoalRc4 *
shoal_rc4_new (const guint8 *key,
               gsize         key_len,
               gsize         discard)
{
  ShoalRc4 *self;
  guint8 scratch[256];

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (key_len >= ARCFOUR_MIN_KEY_SIZE && key_len <= ARCFOUR_MAX_KEY_SIZE, NULL);

  self = g_new0 (ShoalRc4, 1);
  arcfour_set_key (&self->ctx, key_len, key);
  memset (scratch, 0, sizeof scratch);
  while (discard > 0)
    {
      gsize n = MIN (discard, sizeof scratch);

      arcfour_crypt (&self->ctx, n, scratch, scratch);
      discard -= n;
    }
  gnutls_memset (scratch, 0, sizeof scratch);
  return self;
}

/**
 * shoal_rc4_apply:
 * @self: a #ShoalRc4
 * @data: (inout): bytes to encrypt or decrypt in place
 * @len: how many
 *
 * XORs @data with the next @len bytes of keystream.
 */
void
shoal_rc4_apply (ShoalRc4 *self,
                 guint8   *data,
                 gsize     len)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (data != NULL || len == 0);

  if (len > 0)
    arcfour_crypt (&self->ctx, len, data, data);
}

/**
 * shoal_rc4_free:
 * @self: (nullable): a #ShoalRc4
 *
 * Wipes the key schedule and frees the stream.
 */
void
shoal_rc4_free (ShoalRc4 *self)
{
  if (self == NULL)
    return;
  gnutls_memset (self, 0, sizeof *self);
  g_free (self);
}

/* Diffie-Hellman -------------------------------------------------------------- */

static void
mpz_to_key (const mpz_t z,
            guint8      out[SHOAL_MSE_KEY_LEN])
{
  gsize n = (mpz_sizeinbase (z, 2) + 7) / 8;
  size_t count = 0;

  /* Callers reduce modulo P, which is 96 bytes long. */
  g_assert (n <= SHOAL_MSE_KEY_LEN);
  memset (out, 0, SHOAL_MSE_KEY_LEN);
  mpz_export (out + SHOAL_MSE_KEY_LEN - n, &count, 1, 1, 1, 0, z);
  g_assert (count <= n);
  /* mpz_export writes nothing for zero, and fewer bytes only then. */
  g_assert (count == n || mpz_sgn (z) == 0);
}

static void
dh_powm (mpz_t         result,
         const mpz_t   base,
         const guint8 *private_key,
         gsize         private_key_len,
         const mpz_t   prime)
{
  mpz_t x;

  mpz_init (x);
  mpz_import (x, private_key_len, 1, 1, 1, 0, private_key);
  /* mpz_powm_sec runs in time independent of the exponent, but needs it to
   * be positive; x = 0 only comes from tests. */
  if (mpz_sgn (x) > 0)
    mpz_powm_sec (result, base, x, prime);
  else
    mpz_set_ui (result, 1);
  mpz_clear (x);
}

/**
 * shoal_mse_dh_public_key:
 * @private_key: a big-endian private exponent
 * @private_key_len: its length in bytes (MSE uses 20)
 * @out: (out caller-allocates): 2^@private_key mod P, big-endian, padded to
 *   96 bytes with leading zeros
 *
 * Computes a Diffie-Hellman public key in the MSE group.
 */
void
shoal_mse_dh_public_key (const guint8 *private_key,
                         gsize         private_key_len,
                         guint8        out[SHOAL_MSE_KEY_LEN])
{
  mpz_t p, g, y;

  g_return_if_fail (private_key != NULL || private_key_len == 0);
  g_return_if_fail (out != NULL);

  mpz_inits (p, g, y, NULL);
  mpz_import (p, sizeof mse_prime, 1, 1, 1, 0, mse_prime);
  mpz_set_ui (g, 2);
  dh_powm (y, g, private_key, private_key_len, p);
  mpz_to_key (y, out);
  mpz_clears (p, g, y, NULL);
}

/**
 * shoal_mse_dh_shared_secret:
 * @private_key: our big-endian private exponent
 * @private_key_len: its length in bytes
 * @peer_public_key: the peer's public key as received (96 bytes)
 * @out: (out caller-allocates): the shared secret S, padded to 96 bytes
 * @error: return location for a #GError
 *
 * Computes S = Y^x mod P. A public key of 0, 1, P - 1 or more would make S
 * predictable, which only a broken or hostile peer sends.
 *
 * Returns: %TRUE on success, %FALSE with %SHOAL_MSE_ERROR_BAD_KEY otherwise
 */
gboolean
shoal_mse_dh_shared_secret (const guint8  *private_key,
                            gsize          private_key_len,
                            const guint8   peer_public_key[SHOAL_MSE_KEY_LEN],
                            guint8         out[SHOAL_MSE_KEY_LEN],
                            GError       **error)
{
  mpz_t p, y, s;
  gboolean ok;

  g_return_val_if_fail (private_key != NULL || private_key_len == 0, FALSE);
  g_return_val_if_fail (peer_public_key != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  mpz_inits (p, y, s, NULL);
  mpz_import (p, sizeof mse_prime, 1, 1, 1, 0, mse_prime);
  mpz_import (y, SHOAL_MSE_KEY_LEN, 1, 1, 1, 0, peer_public_key);
  mpz_sub_ui (s, p, 1);
  ok = mpz_cmp_ui (y, 1) > 0 && mpz_cmp (y, s) < 0;
  if (ok)
    {
      dh_powm (s, y, private_key, private_key_len, p);
      mpz_to_key (s, out);
    }
  else
    {
      g_set_error (error, SHOAL_MSE_ERROR, SHOAL_MSE_ERROR_BAD_KEY,
                   "The peer sent an invalid encryption key");
    }
  mpz_clears (p, y, s, NULL);
  return ok;
}

/**
 * shoal_mse_hash:
 * @tag: a short ASCII tag such as "req1" or "keyA"
 * @a: the first value (usually S)
 * @a_len: its length
 * @b: (nullable): the second value (usually SKEY)
 * @b_len: its length
 * @out: (out caller-allocates): SHA-1 (@tag, @a, @b)
 *
 * The HASH() of the MSE specification: SHA-1 over the concatenation.
 */
void
shoal_mse_hash (const char   *tag,
                const guint8 *a,
                gsize         a_len,
                const guint8 *b,
                gsize         b_len,
                guint8        out[SHOAL_MSE_HASH_LEN])
{
  guint8 buf[4 + SHOAL_MSE_KEY_LEN + SHOAL_MSE_HASH_LEN];
  gsize tag_len;

  g_return_if_fail (tag != NULL);
  tag_len = strlen (tag);
  g_return_if_fail ((guint64) tag_len + a_len + b_len <= sizeof buf);
  g_return_if_fail (a != NULL || a_len == 0);
  g_return_if_fail (b != NULL || b_len == 0);

  memcpy (buf, tag, tag_len);
  if (a_len > 0)
    memcpy (buf + tag_len, a, a_len);
  if (b_len > 0)
    memcpy (buf + tag_len + a_len, b, b_len);
  shoal_sha1 (buf, tag_len + a_len + b_len, out);
  gnutls_memset (buf, 0, sizeof buf);
}

/**
 * shoal_mse_req2_hash:
 * @info_hash: a torrent's info-hash (for v2 torrents, the first 20 bytes of
 *   the SHA-256 info-hash)
 * @out: (out caller-allocates): HASH('req2', @info_hash)
 *
 * The value a receiver compares with what an initiator sends to find the
 * torrent it wants; a session can compute it once per torrent.
 */
void
shoal_mse_req2_hash (const guint8 info_hash[SHOAL_MSE_HASH_LEN],
                     guint8       out[SHOAL_MSE_HASH_LEN])
{
  shoal_mse_hash ("req2", info_hash, SHOAL_MSE_HASH_LEN, NULL, 0, out);
}

/* The handshake ----------------------------------------------------------------- */

typedef enum
{
  STATE_INITIAL,        /* initiator, before shoal_mse_start() */
  STATE_READ_PEER_KEY,  /* Ya or Yb */
  STATE_SYNC,           /* receiver: HASH('req1', S); initiator: ENCRYPT(VC) */
  STATE_READ_REQ2,      /* receiver: HASH('req2', SKEY) ^ HASH('req3', S) */
  STATE_READ_PROVIDE,   /* receiver: VC, crypto_provide, len(PadC) */
  STATE_READ_PAD_C,     /* receiver: PadC, len(IA) */
  STATE_READ_IA,        /* receiver: IA */
  STATE_READ_SELECT,    /* initiator: crypto_select, len(PadD) */
  STATE_READ_PAD_D,     /* initiator: PadD */
  STATE_DONE,
  STATE_FAILED,
} MseState;

struct _ShoalMse
{
  gboolean                initiator;
  ShoalEncryptionPolicy   policy;
  MseState                state;

  guint8                  private_key[SHOAL_MSE_KEY_LEN];
  gsize                   private_key_len;
  guint8                  secret[SHOAL_MSE_KEY_LEN];
  guint8                  info_hash[SHOAL_MSE_HASH_LEN];
  gboolean                have_info_hash;
  int                     pad_len;           /* -1: random */

  ShoalMseFindTorrentFunc find_torrent;
  gpointer                find_torrent_data;

  GByteArray             *initial_payload;   /* initiator, until Yb arrives */
  GByteArray             *in;                /* bytes received, not consumed */
  gsize                   pos;               /* consumed bytes at the front of @in */
  guint8                  sync[SHOAL_MSE_HASH_LEN];
  gsize                   sync_len;
  guint32                 provide;           /* what A offered */
  gsize                   field_len;         /* PadC, PadD or IA length */

  ShoalMseMethod          method;
  ShoalRc4               *enc;
  ShoalRc4               *dec;
  GByteArray             *payload;
};

static ShoalMse *
mse_new (gboolean              initiator,
         ShoalEncryptionPolicy policy)
{
  ShoalMse *self = g_new0 (ShoalMse, 1);
  int rc;

  self->initiator = initiator;
  self->policy = policy;
  self->state = initiator ? STATE_INITIAL : STATE_READ_PEER_KEY;
  self->pad_len = -1;
  self->private_key_len = PRIVATE_KEY_LEN;
  rc = gnutls_rnd (GNUTLS_RND_KEY, self->private_key, PRIVATE_KEY_LEN);
  g_assert (rc == 0);
  self->in = g_byte_array_new ();
  self->payload = g_byte_array_new ();
  return self;
}

/**
 * shoal_mse_new_initiator:
 * @info_hash: the torrent the connection is for (SKEY)
 * @policy: what to offer: %SHOAL_ENCRYPTION_REQUIRE offers RC4 only, the
 *   other policies offer RC4 and plaintext and let the receiver choose
 *
 * Creates the handshake for an outgoing connection. Call shoal_mse_start()
 * to get the first bytes to send.
 *
 * Returns: (transfer full): a new #ShoalMse
 */
ShoalMse *
shoal_mse_new_initiator (const guint8          info_hash[SHOAL_MSE_HASH_LEN],
                         ShoalEncryptionPolicy policy)
{
  ShoalMse *self;

  g_return_val_if_fail (info_hash != NULL, NULL);

  self = mse_new (TRUE, policy);
  memcpy (self->info_hash, info_hash, SHOAL_MSE_HASH_LEN);
  self->have_info_hash = TRUE;
  self->provide = SHOAL_MSE_METHOD_RC4;
  if (policy != SHOAL_ENCRYPTION_REQUIRE)
    self->provide |= SHOAL_MSE_METHOD_PLAINTEXT;
  return self;
}

/**
 * shoal_mse_new_receiver:
 * @policy: which methods to accept and which to prefer
 * @find_torrent: (scope forever): finds the torrent an initiator asks for
 * @user_data: data for @find_torrent
 *
 * Creates the handshake for an incoming connection that shoal_mse_detect()
 * found to be encrypted. It sends nothing until the peer's key arrives.
 *
 * Returns: (transfer full): a new #ShoalMse
 */
ShoalMse *
shoal_mse_new_receiver (ShoalEncryptionPolicy   policy,
                        ShoalMseFindTorrentFunc find_torrent,
                        gpointer                user_data)
{
  ShoalMse *self;

  g_return_val_if_fail (find_torrent != NULL, NULL);

  self = mse_new (FALSE, policy);
  self->find_torrent = find_torrent;
  self->find_torrent_data = user_data;
  return self;
}

/**
 * shoal_mse_free:
 * @self: (nullable): a #ShoalMse
 *
 * Wipes the keys and frees the handshake and its RC4 streams.
 */
void
shoal_mse_free (ShoalMse *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->enc, shoal_rc4_free);
  g_clear_pointer (&self->dec, shoal_rc4_free);
  g_clear_pointer (&self->initial_payload, g_byte_array_unref);
  g_clear_pointer (&self->in, g_byte_array_unref);
  g_clear_pointer (&self->payload, g_byte_array_unref);
  gnutls_memset (self, 0, sizeof *self);
  g_free (self);
}

/**
 * shoal_mse_set_padding:
 * @self: a #ShoalMse
 * @pad_len: the length of every padding this side sends (0 to 512), or -1
 *   for a random length each time (the default)
 *
 * Fixes the padding lengths, for tests and reproducible fuzzing.
 */
void
shoal_mse_set_padding (ShoalMse *self,
                       int       pad_len)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (pad_len >= -1 && pad_len <= SHOAL_MSE_MAX_PAD);

  self->pad_len = pad_len;
}

/**
 * shoal_mse_set_private_key:
 * @self: a #ShoalMse that has not started yet
 * @key: a big-endian Diffie-Hellman exponent
 * @key_len: its length, 1 to 96 bytes
 *
 * Replaces the random private key, for tests and reproducible fuzzing.
 */
void
shoal_mse_set_private_key (ShoalMse     *self,
                           const guint8 *key,
                           gsize         key_len)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL);
  g_return_if_fail (key_len >= 1 && key_len <= SHOAL_MSE_KEY_LEN);
  g_return_if_fail (self->state == STATE_INITIAL ||
                    (self->state == STATE_READ_PEER_KEY && !self->initiator && self->in->len == 0));

  memcpy (self->private_key, key, key_len);
  self->private_key_len = key_len;
}

static gsize
pick_pad_len (ShoalMse *self)
{
  if (self->pad_len >= 0)
    return (gsize) self->pad_len;
  return (gsize) g_random_int_range (0, SHOAL_MSE_MAX_PAD + 1);
}

/* Our public key and PadA/PadB, which go out in clear and so are random. */
static void
append_public_key (ShoalMse   *self,
                   GByteArray *out)
{
  guint8 key[SHOAL_MSE_KEY_LEN];
  guint8 pad[SHOAL_MSE_MAX_PAD];
  gsize pad_len = pick_pad_len (self);
  int rc;

  shoal_mse_dh_public_key (self->private_key, self->private_key_len, key);
  g_byte_array_append (out, key, sizeof key);
  if (pad_len > 0)
    {
      rc = gnutls_rnd (GNUTLS_RND_NONCE, pad, pad_len);
      g_assert (rc == 0);
      g_byte_array_append (out, pad, pad_len);
    }
}

static void
make_ciphers (ShoalMse *self)
{
  guint8 key_a[SHOAL_MSE_HASH_LEN];
  guint8 key_b[SHOAL_MSE_HASH_LEN];
  ShoalRc4 *a, *b;

  shoal_mse_hash ("keyA", self->secret, SHOAL_MSE_KEY_LEN, self->info_hash, SHOAL_MSE_HASH_LEN, key_a);
  shoal_mse_hash ("keyB", self->secret, SHOAL_MSE_KEY_LEN, self->info_hash, SHOAL_MSE_HASH_LEN, key_b);
  a = shoal_rc4_new (key_a, sizeof key_a, RC4_DISCARD);
  b = shoal_rc4_new (key_b, sizeof key_b, RC4_DISCARD);
  /* A sends with keyA and B with keyB. */
  self->enc = self->initiator ? a : b;
  self->dec = self->initiator ? b : a;
  gnutls_memset (key_a, 0, sizeof key_a);
  gnutls_memset (key_b, 0, sizeof key_b);
}

/* ENCRYPT(VC, crypto_provide|crypto_select, len(Pad), Pad) with the zero
 * bytes of VC and padding, then the rest of @tail (len(IA), IA) if any. */
static void
append_encrypted_header (ShoalMse     *self,
                         guint32       methods,
                         const guint8 *tail,
                         gsize         tail_len,
                         GByteArray   *out)
{
  gsize pad_len = pick_pad_len (self);
  gsize start = out->len;
  gsize header_len = VC_LEN + 4 + 2 + pad_len;
  guint8 *p;

  g_byte_array_set_size (out, start + header_len);
  p = out->data + start;
  memset (p, 0, header_len);
  shoal_be32_write (p + VC_LEN, methods);
  p[VC_LEN + 4] = pad_len >> 8;
  p[VC_LEN + 5] = pad_len & 0xff;
  if (tail_len > 0)
    g_byte_array_append (out, tail, tail_len);
  shoal_rc4_apply (self->enc, out->data + start, out->len - start);
}

/**
 * shoal_mse_start:
 * @self: an initiator #ShoalMse
 * @initial_payload: (nullable): bytes to send encrypted in the third step
 *   (IA), normally the BitTorrent handshake, which saves a round trip
 * @initial_payload_len: their length, at most 65535
 * @out: where to append the bytes to send now (Ya and PadA)
 *
 * Starts an outgoing handshake. Whatever method is selected, IA always
 * travels RC4-encrypted.
 */
void
shoal_mse_start (ShoalMse     *self,
                 const guint8 *initial_payload,
                 gsize         initial_payload_len,
                 GByteArray   *out)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->initiator && self->state == STATE_INITIAL);
  g_return_if_fail (initial_payload != NULL || initial_payload_len == 0);
  g_return_if_fail (initial_payload_len <= SHOAL_MSE_MAX_IA);
  g_return_if_fail (out != NULL);

  self->initial_payload = g_byte_array_sized_new (2 + initial_payload_len);
  g_byte_array_set_size (self->initial_payload, 2);
  self->initial_payload->data[0] = initial_payload_len >> 8;
  self->initial_payload->data[1] = initial_payload_len & 0xff;
  if (initial_payload_len > 0)
    g_byte_array_append (self->initial_payload, initial_payload, initial_payload_len);

  append_public_key (self, out);
  self->state = STATE_READ_PEER_KEY;
}

static gboolean
mse_fail (ShoalMse  *self,
          GError   **error,
          int        code,
          const char *message)
{
  g_set_error_literal (error, SHOAL_MSE_ERROR, code, message);
  self->state = STATE_FAILED;
  return FALSE;
}

/* Both sides: the peer's public key has arrived. */
static gboolean
on_peer_key (ShoalMse      *self,
             const guint8  *key,
             GByteArray    *out,
             GError       **error)
{
  if (!shoal_mse_dh_shared_secret (self->private_key, self->private_key_len, key, self->secret, error))
    {
      self->state = STATE_FAILED;
      return FALSE;
    }

  if (!self->initiator)
    {
      append_public_key (self, out);
      shoal_mse_hash ("req1", self->secret, SHOAL_MSE_KEY_LEN, NULL, 0, self->sync);
      self->sync_len = SHOAL_MSE_HASH_LEN;
    }
  else
    {
      guint8 req[SHOAL_MSE_HASH_LEN];
      guint8 req3[SHOAL_MSE_HASH_LEN];

      shoal_mse_hash ("req1", self->secret, SHOAL_MSE_KEY_LEN, NULL, 0, req);
      g_byte_array_append (out, req, sizeof req);
      shoal_mse_req2_hash (self->info_hash, req);
      shoal_mse_hash ("req3", self->secret, SHOAL_MSE_KEY_LEN, NULL, 0, req3);
      for (gsize i = 0; i < sizeof req; i++)
        req[i] ^= req3[i];
      g_byte_array_append (out, req, sizeof req);

      make_ciphers (self);
      append_encrypted_header (self, self->provide,
                               self->initial_payload->data, self->initial_payload->len, out);
      g_clear_pointer (&self->initial_payload, g_byte_array_unref);

      /* B's reply starts with VC under keyB: the first 8 bytes of its
       * keystream. Computing them moves the stream past VC, as needed. */
      memset (self->sync, 0, VC_LEN);
      shoal_rc4_apply (self->dec, self->sync, VC_LEN);
      self->sync_len = VC_LEN;
    }
  self->state = STATE_SYNC;
  return TRUE;
}

static ShoalMseMethod
choose_method (ShoalMse *self)
{
  gboolean rc4 = (self->provide & SHOAL_MSE_METHOD_RC4) != 0;
  gboolean plain = (self->provide & SHOAL_MSE_METHOD_PLAINTEXT) != 0;

  switch (self->policy)
    {
    case SHOAL_ENCRYPTION_REQUIRE:
      return rc4 ? SHOAL_MSE_METHOD_RC4 : SHOAL_MSE_METHOD_NONE;
    case SHOAL_ENCRYPTION_ALLOW_PLAINTEXT:
      if (plain)
        return SHOAL_MSE_METHOD_PLAINTEXT;
      return rc4 ? SHOAL_MSE_METHOD_RC4 : SHOAL_MSE_METHOD_NONE;
    case SHOAL_ENCRYPTION_PREFER:
    default:
      if (rc4)
        return SHOAL_MSE_METHOD_RC4;
      return plain ? SHOAL_MSE_METHOD_PLAINTEXT : SHOAL_MSE_METHOD_NONE;
    }
}

/* The handshake is over: what is left in the buffer is payload. */
static void
mse_finish (ShoalMse *self)
{
  guint8 *rest = self->in->data + self->pos;
  gsize rest_len = self->in->len - self->pos;

  if (self->method == SHOAL_MSE_METHOD_RC4)
    shoal_rc4_apply (self->dec, rest, rest_len);
  g_byte_array_append (self->payload, rest, rest_len);
  g_byte_array_set_size (self->in, 0);
  self->pos = 0;
  gnutls_memset (self->private_key, 0, sizeof self->private_key);
  gnutls_memset (self->secret, 0, sizeof self->secret);
  self->state = STATE_DONE;
}

/* Runs one step on the bytes available; FALSE means wait for more (or
 * failed, see the state). */
static gboolean
mse_step (ShoalMse    *self,
          GByteArray  *out,
          GError     **error)
{
  guint8 *p = self->in->data + self->pos;
  gsize avail = self->in->len - self->pos;

  switch (self->state)
    {
    case STATE_READ_PEER_KEY:
      if (avail < SHOAL_MSE_KEY_LEN)
        return FALSE;
      if (!on_peer_key (self, p, out, error))
        return FALSE;
      self->pos += SHOAL_MSE_KEY_LEN;
      return TRUE;

    case STATE_SYNC:
      {
        gsize window = self->initiator ? VC_WINDOW : REQ1_WINDOW;
        const guint8 *hit = memmem (p, MIN (avail, window), self->sync, self->sync_len);

        if (hit == NULL)
          {
            if (avail >= window)
              return mse_fail (self, error, SHOAL_MSE_ERROR_NO_SYNC,
                               "The peer's encrypted handshake did not synchronise");
            return FALSE;
          }
        self->pos += (gsize) (hit - p) + self->sync_len;
        self->state = self->initiator ? STATE_READ_SELECT : STATE_READ_REQ2;
        return TRUE;
      }

    case STATE_READ_REQ2:
      {
        guint8 req3[SHOAL_MSE_HASH_LEN];

        if (avail < SHOAL_MSE_HASH_LEN)
          return FALSE;
        shoal_mse_hash ("req3", self->secret, SHOAL_MSE_KEY_LEN, NULL, 0, req3);
        for (gsize i = 0; i < sizeof req3; i++)
          req3[i] ^= p[i];
        if (!self->find_torrent (req3, self->info_hash, self->find_torrent_data))
          return mse_fail (self, error, SHOAL_MSE_ERROR_UNKNOWN_TORRENT,
                           "The peer asked for a torrent that is not here");
        self->have_info_hash = TRUE;
        make_ciphers (self);
        self->pos += SHOAL_MSE_HASH_LEN;
        self->state = STATE_READ_PROVIDE;
        return TRUE;
      }

    case STATE_READ_PROVIDE:
      {
        static const guint8 zero_vc[VC_LEN] = { 0 };

        if (avail < VC_LEN + 4 + 2)
          return FALSE;
        shoal_rc4_apply (self->dec, p, VC_LEN + 4 + 2);
        if (memcmp (p, zero_vc, VC_LEN) != 0)
          return mse_fail (self, error, SHOAL_MSE_ERROR_BAD_VC,
                           "The peer's encrypted handshake failed verification");
        self->provide = shoal_be32_read (p + VC_LEN);
        self->field_len = shoal_be16_read (p + VC_LEN + 4);
        if (self->field_len > SHOAL_MSE_MAX_PAD)
          return mse_fail (self, error, SHOAL_MSE_ERROR_BAD_PADDING,
                           "The peer's encrypted handshake has too much padding");
        self->method = choose_method (self);
        if (self->method == SHOAL_MSE_METHOD_NONE)
          return mse_fail (self, error, SHOAL_MSE_ERROR_NO_COMMON_METHOD,
                           "The peer does not offer the encryption this session requires");
        self->pos += VC_LEN + 4 + 2;
        self->state = STATE_READ_PAD_C;
        return TRUE;
      }

    case STATE_READ_PAD_C:
      if (avail < self->field_len + 2)
        return FALSE;
      shoal_rc4_apply (self->dec, p, self->field_len + 2);
      self->pos += self->field_len + 2;
      self->field_len = shoal_be16_read (p + self->field_len);
      self->state = STATE_READ_IA;
      return TRUE;

    case STATE_READ_IA:
      if (avail < self->field_len)
        return FALSE;
      /* IA is always under RC4, whatever comes after it. */
      shoal_rc4_apply (self->dec, p, self->field_len);
      g_byte_array_append (self->payload, p, self->field_len);
      self->pos += self->field_len;
      append_encrypted_header (self, self->method, NULL, 0, out);
      mse_finish (self);
      return TRUE;

    case STATE_READ_SELECT:
      {
        guint32 select;

        if (avail < 4 + 2)
          return FALSE;
        shoal_rc4_apply (self->dec, p, 4 + 2);
        select = shoal_be32_read (p);
        if ((select != SHOAL_MSE_METHOD_RC4 && select != SHOAL_MSE_METHOD_PLAINTEXT) ||
            (select & self->provide) == 0)
          return mse_fail (self, error, SHOAL_MSE_ERROR_BAD_SELECT,
                           "The peer selected an encryption method that was not offered");
        self->method = select;
        self->field_len = shoal_be16_read (p + 4);
        if (self->field_len > SHOAL_MSE_MAX_PAD)
          return mse_fail (self, error, SHOAL_MSE_ERROR_BAD_PADDING,
                           "The peer's encrypted handshake has too much padding");
        self->pos += 4 + 2;
        self->state = STATE_READ_PAD_D;
        return TRUE;
      }

    case STATE_READ_PAD_D:
      if (avail < self->field_len)
        return FALSE;
      shoal_rc4_apply (self->dec, p, self->field_len);
      self->pos += self->field_len;
      mse_finish (self);
      return TRUE;

    case STATE_INITIAL:
    case STATE_DONE:
    case STATE_FAILED:
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

/**
 * shoal_mse_feed:
 * @self: a #ShoalMse
 * @data: bytes received from the peer
 * @len: how many
 * @out: where to append the bytes to send to the peer
 * @error: return location for a #GError
 *
 * Advances the handshake with what the peer sent, in chunks of any size.
 * Nothing is buffered beyond what the current step may need (under 67 KiB,
 * most of it a maximal IA): a peer that does not synchronise within the
 * bytes the protocol allows fails with %SHOAL_MSE_ERROR_NO_SYNC.
 *
 * On %SHOAL_MSE_STATUS_DONE, send @out, then get the bytes that followed
 * the handshake with shoal_mse_steal_payload() (already decrypted, and for a
 * receiver starting with IA) and use shoal_mse_encrypt() and
 * shoal_mse_decrypt() from then on.
 *
 * Returns: where the handshake stands; on %SHOAL_MSE_STATUS_FAILED @error
 *   is set and the connection should be closed
 */
ShoalMseStatus
shoal_mse_feed (ShoalMse      *self,
                const guint8  *data,
                gsize          len,
                GByteArray    *out,
                GError       **error)
{
  g_return_val_if_fail (self != NULL, SHOAL_MSE_STATUS_FAILED);
  g_return_val_if_fail (self->state != STATE_INITIAL && self->state != STATE_DONE &&
                        self->state != STATE_FAILED, SHOAL_MSE_STATUS_FAILED);
  g_return_val_if_fail (data != NULL || len == 0, SHOAL_MSE_STATUS_FAILED);
  g_return_val_if_fail (out != NULL, SHOAL_MSE_STATUS_FAILED);
  g_return_val_if_fail (error == NULL || *error == NULL, SHOAL_MSE_STATUS_FAILED);

  if (len > 0)
    g_byte_array_append (self->in, data, len);

  while (mse_step (self, out, error))
    {
      if (self->state == STATE_DONE)
        return SHOAL_MSE_STATUS_DONE;
    }
  if (self->state == STATE_FAILED)
    {
      g_byte_array_set_size (self->in, 0);
      self->pos = 0;
      return SHOAL_MSE_STATUS_FAILED;
    }

  g_byte_array_remove_range (self->in, 0, self->pos);
  self->pos = 0;
  return SHOAL_MSE_STATUS_NEED_MORE;
}

/**
 * shoal_mse_is_initiator:
 * @self: a #ShoalMse
 *
 * Returns: %TRUE for an outgoing handshake
 */
gboolean
shoal_mse_is_initiator (ShoalMse *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->initiator;
}

/**
 * shoal_mse_get_buffered:
 * @self: a #ShoalMse
 *
 * Returns: how many received bytes the handshake holds, waiting for more
 */
gsize
shoal_mse_get_buffered (ShoalMse *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->in->len - self->pos;
}

/**
 * shoal_mse_get_method:
 * @self: a #ShoalMse
 *
 * Returns: the method both sides agreed on, or %SHOAL_MSE_METHOD_NONE before
 *   the handshake is done
 */
ShoalMseMethod
shoal_mse_get_method (ShoalMse *self)
{
  g_return_val_if_fail (self != NULL, SHOAL_MSE_METHOD_NONE);

  return self->state == STATE_DONE ? self->method : SHOAL_MSE_METHOD_NONE;
}

/**
 * shoal_mse_get_info_hash:
 * @self: a #ShoalMse
 *
 * For a receiver, the torrent the initiator asked for (as returned by the
 * find-torrent function); for an initiator, the one it was created with.
 *
 * Returns: (nullable): 20 bytes, or %NULL while a receiver does not know yet
 */
const guint8 *
shoal_mse_get_info_hash (ShoalMse *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->have_info_hash ? self->info_hash : NULL;
}

/**
 * shoal_mse_steal_payload:
 * @self: a #ShoalMse whose handshake is done
 *
 * Takes the bytes that came with the end of the handshake, decrypted: for a
 * receiver the initiator's IA followed by whatever came after it, for an
 * initiator what the receiver sent after PadD. They go to the peer-wire
 * decoder before anything read later.
 *
 * Returns: (transfer full): the bytes, possibly none
 */
GBytes *
shoal_mse_steal_payload (ShoalMse *self)
{
  GBytes *bytes;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->state == STATE_DONE, NULL);

  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&self->payload));
  self->payload = g_byte_array_new ();
  return bytes;
}

/**
 * shoal_mse_encrypt:
 * @self: a #ShoalMse whose handshake is done
 * @data: (inout): bytes about to be sent, changed in place
 * @len: how many
 *
 * Encrypts everything sent after the handshake, in order; with the
 * plaintext method it leaves @data alone.
 */
void
shoal_mse_encrypt (ShoalMse *self,
                   guint8   *data,
                   gsize     len)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->state == STATE_DONE);

  if (self->method == SHOAL_MSE_METHOD_RC4)
    shoal_rc4_apply (self->enc, data, len);
}

/**
 * shoal_mse_decrypt:
 * @self: a #ShoalMse whose handshake is done
 * @data: (inout): bytes just received, changed in place
 * @len: how many
 *
 * Decrypts everything received after the handshake (after the payload
 * shoal_mse_steal_payload() returned), in order; with the plaintext method
 * it leaves @data alone.
 */
void
shoal_mse_decrypt (ShoalMse *self,
                   guint8   *data,
                   gsize     len)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->state == STATE_DONE);

  if (self->method == SHOAL_MSE_METHOD_RC4)
    shoal_rc4_apply (self->dec, data, len);
}
