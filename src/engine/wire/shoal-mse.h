/* shoal-mse.h: Message Stream Encryption (the obfuscated BitTorrent handshake)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "shoal-types.h"

G_BEGIN_DECLS

/* Length of a Diffie-Hellman public key or shared secret on the wire. */
#define SHOAL_MSE_KEY_LEN      96
/* Longest PadA/PadB/PadC/PadD the protocol allows. */
#define SHOAL_MSE_MAX_PAD      512
/* Length of an info-hash (SKEY) and of every HASH() in the handshake. */
#define SHOAL_MSE_HASH_LEN     20
/* Longest initial payload (IA): its length is a 16-bit field. */
#define SHOAL_MSE_MAX_IA       65535

#define SHOAL_MSE_ERROR (shoal_mse_error_quark ())

/**
 * ShoalMseError:
 * @SHOAL_MSE_ERROR_BAD_KEY: the peer's Diffie-Hellman public key is degenerate
 * @SHOAL_MSE_ERROR_NO_SYNC: the synchronisation pattern did not come within
 *   the bytes the protocol allows (the peer does not speak MSE, or lies)
 * @SHOAL_MSE_ERROR_UNKNOWN_TORRENT: the initiator asked for a torrent we do
 *   not have
 * @SHOAL_MSE_ERROR_BAD_VC: the verification constant did not decrypt to zeros
 * @SHOAL_MSE_ERROR_BAD_PADDING: a padding length is over 512
 * @SHOAL_MSE_ERROR_NO_COMMON_METHOD: the methods offered and the local policy
 *   have nothing in common
 * @SHOAL_MSE_ERROR_BAD_SELECT: the receiver selected a method that was not
 *   offered, or more than one
 */
typedef enum
{
  SHOAL_MSE_ERROR_BAD_KEY,
  SHOAL_MSE_ERROR_NO_SYNC,
  SHOAL_MSE_ERROR_UNKNOWN_TORRENT,
  SHOAL_MSE_ERROR_BAD_VC,
  SHOAL_MSE_ERROR_BAD_PADDING,
  SHOAL_MSE_ERROR_NO_COMMON_METHOD,
  SHOAL_MSE_ERROR_BAD_SELECT,
} ShoalMseError;

/**
 * ShoalMseMethod:
 * @SHOAL_MSE_METHOD_NONE: not negotiated yet
 * @SHOAL_MSE_METHOD_PLAINTEXT: after the handshake the stream is plain
 * @SHOAL_MSE_METHOD_RC4: after the handshake the stream is RC4 both ways
 *
 * The values are the crypto_provide / crypto_select bits.
 */
typedef enum
{
  SHOAL_MSE_METHOD_NONE      = 0,
  SHOAL_MSE_METHOD_PLAINTEXT = 0x01,
  SHOAL_MSE_METHOD_RC4       = 0x02,
} ShoalMseMethod;

/**
 * ShoalMseStatus:
 * @SHOAL_MSE_STATUS_NEED_MORE: feed more bytes from the peer
 * @SHOAL_MSE_STATUS_DONE: the handshake is over, see shoal_mse_get_method()
 * @SHOAL_MSE_STATUS_FAILED: the handshake failed; drop the connection
 */
typedef enum
{
  SHOAL_MSE_STATUS_NEED_MORE,
  SHOAL_MSE_STATUS_DONE,
  SHOAL_MSE_STATUS_FAILED,
} ShoalMseStatus;

/**
 * ShoalMseDetect:
 * @SHOAL_MSE_DETECT_NEED_MORE: the bytes so far could still be a plain
 *   handshake; wait for more (at most 20 bytes decide)
 * @SHOAL_MSE_DETECT_PLAINTEXT: a plain "\x13BitTorrent protocol" handshake
 * @SHOAL_MSE_DETECT_ENCRYPTED: anything else: hand the bytes to an MSE receiver
 */
typedef enum
{
  SHOAL_MSE_DETECT_NEED_MORE,
  SHOAL_MSE_DETECT_PLAINTEXT,
  SHOAL_MSE_DETECT_ENCRYPTED,
} ShoalMseDetect;

GQuark          shoal_mse_error_quark               (void);

gboolean        shoal_encryption_policy_encrypts_outgoing  (ShoalEncryptionPolicy policy);
gboolean        shoal_encryption_policy_accepts_plaintext  (ShoalEncryptionPolicy policy);

ShoalMseDetect  shoal_mse_detect                    (const guint8 *data,
                                                     gsize         len);

/* RC4 with a keystream prefix thrown away */
typedef struct _ShoalRc4 ShoalRc4;

ShoalRc4       *shoal_rc4_new                       (const guint8 *key,
                                                     gsize         key_len,
                                                     gsize         discard);
void            shoal_rc4_apply                     (ShoalRc4     *self,
                                                     guint8       *data,
                                                     gsize         len);
void            shoal_rc4_free                      (ShoalRc4     *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalRc4, shoal_rc4_free)

/* Diffie-Hellman over the MSE group (768-bit prime, generator 2) */
void            shoal_mse_dh_public_key             (const guint8 *private_key,
                                                     gsize         private_key_len,
                                                     guint8        out[SHOAL_MSE_KEY_LEN]);
gboolean        shoal_mse_dh_shared_secret          (const guint8 *private_key,
                                                     gsize         private_key_len,
                                                     const guint8  peer_public_key[SHOAL_MSE_KEY_LEN],
                                                     guint8        out[SHOAL_MSE_KEY_LEN],
                                                     GError      **error);

void            shoal_mse_hash                      (const char   *tag,
                                                     const guint8 *a,
                                                     gsize         a_len,
                                                     const guint8 *b,
                                                     gsize         b_len,
                                                     guint8        out[SHOAL_MSE_HASH_LEN]);
void            shoal_mse_req2_hash                 (const guint8 info_hash[SHOAL_MSE_HASH_LEN],
                                                     guint8       out[SHOAL_MSE_HASH_LEN]);

/**
 * ShoalMseFindTorrentFunc:
 * @req2_hash: HASH('req2', SKEY) as the initiator sent it, unmasked
 * @info_hash_out: (out caller-allocates): where to write the matching SKEY
 * @user_data: the data given to shoal_mse_new_receiver()
 *
 * Looks up which of the session's torrents an incoming connection wants.
 * shoal_mse_req2_hash() computes the value to compare each info-hash with.
 *
 * Returns: %TRUE if a torrent matched and @info_hash_out was written
 */
typedef gboolean (*ShoalMseFindTorrentFunc) (const guint8 req2_hash[SHOAL_MSE_HASH_LEN],
                                             guint8       info_hash_out[SHOAL_MSE_HASH_LEN],
                                             gpointer     user_data);

typedef struct _ShoalMse ShoalMse;

ShoalMse       *shoal_mse_new_initiator             (const guint8            info_hash[SHOAL_MSE_HASH_LEN],
                                                     ShoalEncryptionPolicy   policy);
ShoalMse       *shoal_mse_new_receiver              (ShoalEncryptionPolicy   policy,
                                                     ShoalMseFindTorrentFunc find_torrent,
                                                     gpointer                user_data);
void            shoal_mse_free                      (ShoalMse               *self);

void            shoal_mse_set_padding               (ShoalMse               *self,
                                                     int                     pad_len);
void            shoal_mse_set_private_key           (ShoalMse               *self,
                                                     const guint8           *key,
                                                     gsize                   key_len);

void            shoal_mse_start                     (ShoalMse               *self,
                                                     const guint8           *initial_payload,
                                                     gsize                   initial_payload_len,
                                                     GByteArray             *out);
ShoalMseStatus  shoal_mse_feed                      (ShoalMse               *self,
                                                     const guint8           *data,
                                                     gsize                   len,
                                                     GByteArray             *out,
                                                     GError                **error);

gboolean        shoal_mse_is_initiator              (ShoalMse               *self);
gsize           shoal_mse_get_buffered              (ShoalMse               *self);
ShoalMseMethod  shoal_mse_get_method                (ShoalMse               *self);
const guint8   *shoal_mse_get_info_hash             (ShoalMse               *self);
GBytes         *shoal_mse_steal_payload             (ShoalMse               *self);

void            shoal_mse_encrypt                   (ShoalMse               *self,
                                                     guint8                 *data,
                                                     gsize                   len);
void            shoal_mse_decrypt                   (ShoalMse               *self,
                                                     guint8                 *data,
                                                     gsize                   len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalMse, shoal_mse_free)

G_END_DECLS
