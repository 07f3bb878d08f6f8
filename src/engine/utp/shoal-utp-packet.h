/* shoal-utp-packet.h: the uTP packet codec (BEP 29)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The 20-byte header, the chain of extensions (selective ACK is read and
 * written; unknown ones are skipped within their stated length) and the
 * payload. Every length is checked against the datagram; the selective ACK
 * bitmask is bounded to SHOAL_UTP_MAX_SACK_BYTES.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SHOAL_UTP_HEADER_LEN      20
#define SHOAL_UTP_VERSION         1
#define SHOAL_UTP_EXT_SACK        1
/* The longest selective ACK we read or write: 32 bytes, 256 packets. */
#define SHOAL_UTP_MAX_SACK_BYTES  32
/* At most this many extensions are walked in one packet. */
#define SHOAL_UTP_MAX_EXTENSIONS  8
/* The largest datagram we read: bigger ones are cut and refused. */
#define SHOAL_UTP_MAX_DATAGRAM    65536

#define SHOAL_UTP_PACKET_ERROR (shoal_utp_packet_error_quark ())
GQuark shoal_utp_packet_error_quark (void);

typedef enum
{
  SHOAL_UTP_PACKET_ERROR_SHORT,
  SHOAL_UTP_PACKET_ERROR_VERSION,
  SHOAL_UTP_PACKET_ERROR_TYPE,
  SHOAL_UTP_PACKET_ERROR_EXTENSION,
} ShoalUtpPacketError;

typedef enum
{
  SHOAL_UTP_ST_DATA  = 0,
  SHOAL_UTP_ST_FIN   = 1,
  SHOAL_UTP_ST_STATE = 2,
  SHOAL_UTP_ST_RESET = 3,
  SHOAL_UTP_ST_SYN   = 4,
} ShoalUtpType;

typedef struct
{
  ShoalUtpType  type;
  guint16       connection_id;
  guint32       timestamp_us;
  guint32       timestamp_diff_us;
  guint32       wnd_size;
  guint16       seq_nr;
  guint16       ack_nr;
  /* Selective ACK: bit i (LSB first in each byte) is packet ack_nr + 2 + i. */
  guint8        sack_len;                  /* 0: none; a multiple of 4 */
  guint8        sack[SHOAL_UTP_MAX_SACK_BYTES];
  const guint8 *payload;                   /* into the parsed datagram */
  gsize         payload_len;
} ShoalUtpPacket;

gboolean shoal_utp_packet_looks_like_utp (const guint8          *data,
                                          gsize                  len);
gboolean shoal_utp_packet_parse          (ShoalUtpPacket        *packet,
                                          const guint8          *data,
                                          gsize                  len,
                                          GError               **error);
gsize    shoal_utp_packet_header_size    (const ShoalUtpPacket  *packet);
gsize    shoal_utp_packet_write_header   (const ShoalUtpPacket  *packet,
                                          guint8                *out,
                                          gsize                  out_len);
gboolean shoal_utp_packet_sack_has       (const ShoalUtpPacket  *packet,
                                          guint                  index);
void     shoal_utp_packet_sack_set       (ShoalUtpPacket        *packet,
                                          guint                  index);

G_END_DECLS
