/* shoal-utp-packet.c: the uTP packet codec (BEP 29)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-be.h"
#include "shoal-utp-packet.h"

G_DEFINE_QUARK (shoal-utp-packet-error-quark, shoal_utp_packet_error)

/**
 * shoal_utp_packet_looks_like_utp:
 * @data: a datagram
 * @len: its length
 *
 * The demultiplexer's test: version 1 in the low nibble, a known type in
 * the high one, and room for a header. (DHT messages start with 'd', 0x64:
 * version 4, never this.)
 *
 * Returns: whether @data may be a uTP packet
 */
gboolean
shoal_utp_packet_looks_like_utp (const guint8 *data,
                                 gsize         len)
{
  return len >= SHOAL_UTP_HEADER_LEN && (data[0] & 0x0f) == SHOAL_UTP_VERSION &&
         (data[0] >> 4) <= SHOAL_UTP_ST_SYN;
}

/**
 * shoal_utp_packet_parse:
 * @packet: (out caller-allocates): the packet
 * @data: a datagram, which must outlive @packet->payload
 * @len: its length
 * @error: a #SHOAL_UTP_PACKET_ERROR
 *
 * Returns: whether @data is a well-formed uTP packet
 */
gboolean
shoal_utp_packet_parse (ShoalUtpPacket  *packet,
                        const guint8    *data,
                        gsize            len,
                        GError         **error)
{
  guint8 next;
  gsize off = SHOAL_UTP_HEADER_LEN;
  guint n_ext = 0;

  memset (packet, 0, sizeof *packet);
  if (len < SHOAL_UTP_HEADER_LEN)
    {
      g_set_error (error, SHOAL_UTP_PACKET_ERROR, SHOAL_UTP_PACKET_ERROR_SHORT,
                   "uTP packet of %" G_GSIZE_FORMAT " bytes, shorter than its header", len);
      return FALSE;
    }
  if ((data[0] & 0x0f) != SHOAL_UTP_VERSION)
    {
      g_set_error (error, SHOAL_UTP_PACKET_ERROR, SHOAL_UTP_PACKET_ERROR_VERSION,
                   "uTP version %u, not 1", data[0] & 0x0f);
      return FALSE;
    }
  if ((data[0] >> 4) > SHOAL_UTP_ST_SYN)
    {
      g_set_error (error, SHOAL_UTP_PACKET_ERROR, SHOAL_UTP_PACKET_ERROR_TYPE,
                   "uTP packet type %u unknown", data[0] >> 4);
      return FALSE;
    }
  packet->type = (ShoalUtpType) (data[0] >> 4);
  next = data[1];
  packet->connection_id = shoal_be16_read (data + 2);
  packet->timestamp_us = shoal_be32_read (data + 4);
  packet->timestamp_diff_us = shoal_be32_read (data + 8);
  packet->wnd_size = shoal_be32_read (data + 12);
  packet->seq_nr = shoal_be16_read (data + 16);
  packet->ack_nr = shoal_be16_read (data + 18);

  while (next != 0)
    {
      guint8 type = next;
      guint8 ext_len;

      if (++n_ext > SHOAL_UTP_MAX_EXTENSIONS)
        {
          g_set_error (error, SHOAL_UTP_PACKET_ERROR, SHOAL_UTP_PACKET_ERROR_EXTENSION,
                       "uTP packet with more than %u extensions", SHOAL_UTP_MAX_EXTENSIONS);
          return FALSE;
        }
      if (len - off < 2)
        {
          g_set_error (error, SHOAL_UTP_PACKET_ERROR, SHOAL_UTP_PACKET_ERROR_SHORT,
                       "uTP extension header cut short");
          return FALSE;
        }
      next = data[off];
      ext_len = data[off + 1];
      off += 2;
      if (len - off < ext_len)
        {
          g_set_error (error, SHOAL_UTP_PACKET_ERROR, SHOAL_UTP_PACKET_ERROR_SHORT,
                       "uTP extension of %u bytes cut short", ext_len);
          return FALSE;
        }
      if (type == SHOAL_UTP_EXT_SACK)
        {
          /* BEP 29 asks for a multiple of 4 bytes, but libtorrent sends
           * just the bytes its reorder buffer spans (1 for up to 8
           * packets): refusing those would refuse every ack it sends
           * past a gap, and the gap would never be resent. */
          if (ext_len == 0 || packet->sack_len != 0)
            {
              g_set_error (error, SHOAL_UTP_PACKET_ERROR, SHOAL_UTP_PACKET_ERROR_EXTENSION,
                           "uTP selective ACK of %u bytes", ext_len);
              return FALSE;
            }
          /* Kept padded with zeroes to a multiple of 4, as we write it.
           * Longer than we keep: the tail names packets far beyond any
           * window we send, so it is ignored. */
          memset (packet->sack, 0, sizeof packet->sack);
          memcpy (packet->sack, data + off, MIN (ext_len, SHOAL_UTP_MAX_SACK_BYTES));
          packet->sack_len = (guint8) MIN ((ext_len + 3u) / 4 * 4, SHOAL_UTP_MAX_SACK_BYTES);
        }
      off += ext_len;
    }
  packet->payload = data + off;
  packet->payload_len = len - off;
  return TRUE;
}

/* The bytes shoal_utp_packet_write_header() writes. */
gsize
shoal_utp_packet_header_size (const ShoalUtpPacket *packet)
{
  return SHOAL_UTP_HEADER_LEN + (packet->sack_len > 0 ? 2 + (gsize) packet->sack_len : 0);
}

/**
 * shoal_utp_packet_write_header:
 * @packet: the fields (payload is not written)
 * @out: where to write
 * @out_len: room at @out
 *
 * Returns: the bytes written, 0 if there was no room
 */
gsize
shoal_utp_packet_write_header (const ShoalUtpPacket *packet,
                               guint8               *out,
                               gsize                 out_len)
{
  gsize size = shoal_utp_packet_header_size (packet);

  g_return_val_if_fail (packet->sack_len % 4 == 0 && packet->sack_len <= SHOAL_UTP_MAX_SACK_BYTES, 0);
  if (out_len < size)
    return 0;
  out[0] = (guint8) ((packet->type << 4) | SHOAL_UTP_VERSION);
  out[1] = packet->sack_len > 0 ? SHOAL_UTP_EXT_SACK : 0;
  shoal_be16_write (out + 2, packet->connection_id);
  shoal_be32_write (out + 4, packet->timestamp_us);
  shoal_be32_write (out + 8, packet->timestamp_diff_us);
  shoal_be32_write (out + 12, packet->wnd_size);
  shoal_be16_write (out + 16, packet->seq_nr);
  shoal_be16_write (out + 18, packet->ack_nr);
  if (packet->sack_len > 0)
    {
      out[20] = 0;
      out[21] = packet->sack_len;
      memcpy (out + 22, packet->sack, packet->sack_len);
    }
  return size;
}

/* Whether the selective ACK says packet ack_nr + 2 + @index arrived. */
gboolean
shoal_utp_packet_sack_has (const ShoalUtpPacket *packet,
                           guint                 index)
{
  if (index / 8 >= packet->sack_len)
    return FALSE;
  return (packet->sack[index / 8] >> (index % 8)) & 1;
}

/* Marks packet ack_nr + 2 + @index received, growing the mask by 4 bytes
 * at a time; beyond SHOAL_UTP_MAX_SACK_BYTES it is not said. */
void
shoal_utp_packet_sack_set (ShoalUtpPacket *packet,
                           guint           index)
{
  guint byte = index / 8;

  if (byte >= SHOAL_UTP_MAX_SACK_BYTES)
    return;
  while (packet->sack_len <= byte)
    {
      memset (packet->sack + packet->sack_len, 0, 4);
      packet->sack_len += 4;
    }
  packet->sack[byte] |= (guint8) (1u << (index % 8));
}
