/* shoal-pex.h: peer exchange (BEP 11, ut_pex)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Socket-free: a codec for ut_pex messages and the per-connection state
 * that decides what to tell a peer and when.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SHOAL_PEX_ERROR (shoal_pex_error_quark ())

/**
 * ShoalPexError:
 * @SHOAL_PEX_ERROR_MALFORMED: the message is not a bencoded dictionary, or
 *   a peer list is not a string
 * @SHOAL_PEX_ERROR_BAD_LENGTH: a peer list's length is not a multiple of 6
 *   (IPv4) or 18 (IPv6) bytes
 * @SHOAL_PEX_ERROR_TOO_MANY: a list holds more than %SHOAL_PEX_MAX_LIST
 *   entries: a flood, not an exchange
 */
typedef enum
{
  SHOAL_PEX_ERROR_MALFORMED,
  SHOAL_PEX_ERROR_BAD_LENGTH,
  SHOAL_PEX_ERROR_TOO_MANY,
} ShoalPexError;

GQuark shoal_pex_error_quark (void);

/* The name in the extension handshake's `m` dictionary. */
#define SHOAL_PEX_NAME          "ut_pex"
/* Added and dropped peers per message, both address families together. */
#define SHOAL_PEX_MAX_ADDED     50u
#define SHOAL_PEX_MAX_DROPPED   50u
/* A list longer than this is refused outright rather than truncated. */
#define SHOAL_PEX_MAX_LIST      200u
/* One message per minute each way. */
#define SHOAL_PEX_INTERVAL      (60 * G_USEC_PER_SEC)
/* Incoming messages closer together than this are ignored. */
#define SHOAL_PEX_MIN_INCOMING_INTERVAL (45 * G_USEC_PER_SEC)

/**
 * ShoalPexFlags:
 * @SHOAL_PEX_FLAG_ENCRYPTION: prefers encrypted connections
 * @SHOAL_PEX_FLAG_SEED: is a seed (or partial seed)
 * @SHOAL_PEX_FLAG_UTP: supports uTP
 * @SHOAL_PEX_FLAG_HOLEPUNCH: supports the holepunch extension
 * @SHOAL_PEX_FLAG_REACHABLE: accepts incoming connections
 *
 * The `added.f` flag bits.
 */
typedef enum
{
  SHOAL_PEX_FLAG_ENCRYPTION = 0x01,
  SHOAL_PEX_FLAG_SEED       = 0x02,
  SHOAL_PEX_FLAG_UTP        = 0x04,
  SHOAL_PEX_FLAG_HOLEPUNCH  = 0x08,
  SHOAL_PEX_FLAG_REACHABLE  = 0x10,
} ShoalPexFlags;

/**
 * ShoalPexPeer:
 * @addr: the address in network order, 4 or 16 bytes of it used
 * @addr_len: 4 or 16
 * @port: the port, host order, never 0
 * @flags: #ShoalPexFlags (added peers only)
 *
 * One peer of a ut_pex message. Peers are the same when address and port
 * are; flags do not count.
 */
typedef struct
{
  guint8  addr[16];
  guint8  addr_len;
  guint16 port;
  guint8  flags;
} ShoalPexPeer;

/**
 * ShoalPexMessage:
 * @added: (element-type ShoalPexPeer): peers to try, IPv4 then IPv6
 * @dropped: (element-type ShoalPexPeer): peers that went away
 * @truncated: whether entries past the per-message limits were left out
 * @skipped: entries left out because they cannot be peers (port 0,
 *   unspecified, multicast or broadcast address)
 *
 * A decoded ut_pex message.
 */
typedef struct
{
  GArray   *added;
  GArray   *dropped;
  gboolean  truncated;
  guint     skipped;
} ShoalPexMessage;

gboolean             shoal_pex_peer_set_address     (ShoalPexPeer       *peer,
                                                     GInetSocketAddress *address,
                                                     guint8              flags);
GInetSocketAddress  *shoal_pex_peer_to_address      (const ShoalPexPeer *peer);
gboolean             shoal_pex_peer_equal           (const ShoalPexPeer *a,
                                                     const ShoalPexPeer *b);

ShoalPexMessage     *shoal_pex_parse                (const guint8       *payload,
                                                     gsize               len,
                                                     GError            **error);
void                 shoal_pex_message_free         (ShoalPexMessage    *message);
void                 shoal_pex_encode               (GByteArray         *out,
                                                     const ShoalPexPeer *added,
                                                     guint               n_added,
                                                     const ShoalPexPeer *dropped,
                                                     guint               n_dropped);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalPexMessage, shoal_pex_message_free)

typedef struct _ShoalPexState ShoalPexState;

ShoalPexState       *shoal_pex_state_new            (void);
void                 shoal_pex_state_free           (ShoalPexState      *self);
gboolean             shoal_pex_state_should_send    (ShoalPexState      *self,
                                                     gint64              now);
gboolean             shoal_pex_state_build          (ShoalPexState      *self,
                                                     const ShoalPexPeer *connected,
                                                     guint               n_connected,
                                                     gint64              now,
                                                     GByteArray         *out);
gboolean             shoal_pex_state_accept_incoming (ShoalPexState     *self,
                                                      gint64             now);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalPexState, shoal_pex_state_free)

G_END_DECLS
