/* shoal-utp-socket.c: one uTP connection (BEP 29, LEDBAT of RFC 6817)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The connection's state machine (SYN, STATE, DATA, FIN, RESET), its
 * sequence and acknowledgement numbers, the reorder window and selective
 * ACKs, retransmission with RTT/RTO estimation and fast resend, LEDBAT
 * congestion control with a capped window, and packet sizes probed up from
 * an Ethernet-safe start. Every buffer is bounded: UTP_RING packets in
 * flight or kept out of order, UTP_RECV_MAX bytes received and not read,
 * UTP_SEND_MAX bytes queued. It is a ShoalTransport: the peer-wire layer
 * reads and writes it as it does a TCP socket. Datagrams come and go
 * through the ShoalUtpManager, on the main context.
 */
#include "config.h"

#include <string.h>

#include "shoal-be.h"
#include "shoal-utp-private.h"

typedef enum
{
  STATE_SYN_SENT,
  STATE_CONNECTED,
  STATE_CLOSING,   /* the owner closed: our FIN is on its way */
  STATE_CLOSED,
} UtpState;

typedef struct
{
  guint8  *data;          /* header, then payload */
  guint    len;
  guint    payload_len;
  gint64   sent_us;
  guint8   transmissions;
  gboolean in_flight;     /* counted in in_flight_bytes */
  gboolean need_resend;
  gboolean fast_resent;
  gboolean probe;         /* larger than the known-good size */
  gboolean sacked;        /* the peer has it, past a gap: kept till the gap fills */
  ShoalUtpType type;
} OutPacket;

typedef struct
{
  guint8  *data;
  guint    len;
  gboolean fin;
} InPacket;

struct _ShoalUtpSocket
{
  GObject              parent_instance;

  ShoalUtpManager     *manager;     /* not owned; NULL once detached */
  GInetSocketAddress  *remote;
  UtpKey               key;
  guint16              send_id;
  gboolean             incoming;
  UtpState             state;
  gboolean             owner_closed;
  gboolean             fin_queued;
  GError              *error;

  guint16              seq_nr;       /* the next one we send */
  guint16              acked_upto;   /* everything up to it is acked */
  guint16              ack_nr;       /* everything up to it arrived */
  gboolean             got_fin;
  guint16              fin_seq;
  gboolean             eof;          /* the peer's FIN reached us in order */

  OutPacket           *out[UTP_RING];
  guint64              in_flight_bytes;
  guint64              outstanding_bytes; /* every packet not acked in order */
  InPacket            *in[UTP_RING];
  guint                n_out_of_order;
  guint64              out_of_order_bytes;

  GByteArray          *recv_buf;
  gsize                recv_pos;
  GByteArray          *send_buf;
  gsize                send_pos;

  guint32              reply_micro;
  gint64               rtt_us;
  gint64               rtt_var_us;
  gint64               rto_us;
  gboolean             have_rtt;
  gint64               rto_deadline_us;
  guint                n_timeouts;
  gint64               last_progress_us;
  gint64               syn_sent_us;
  guint                syn_tries;
  gint64               closed_us;

  gint64               cwnd;
  gint64               ssthresh;
  gboolean             slow_start;
  gboolean             cwnd_full;
  guint32              peer_wnd;
  gboolean             in_recovery;
  guint16              recovery_seq;
  guint                dup_acks;

  gboolean             have_base;
  guint32              base_delay[2];   /* this minute's and the last one's */
  gint64               base_minute_us;
  guint32              recent_delay[3];
  guint                n_recent;
  gint64               queuing_delay_us;

  guint                packet_size;
  guint                mtu_floor;
  guint                mtu_ceiling;
  gboolean             probe_out;

  guint32              last_wnd_advertised;
  gboolean             need_ack;
  gboolean             blocked;

  ShoalUtpSocketStats  stats;
};

static void shoal_utp_socket_transport_init (ShoalTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ShoalUtpSocket, shoal_utp_socket, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SHOAL_TYPE_TRANSPORT, shoal_utp_socket_transport_init))

static void
out_packet_free (OutPacket *p)
{
  g_free (p->data);
  g_free (p);
}

static void
in_packet_free (InPacket *p)
{
  g_free (p->data);
  g_free (p);
}

static void
clear_packets (ShoalUtpSocket *self)
{
  for (guint i = 0; i < UTP_RING; i++)
    {
      g_clear_pointer (&self->out[i], out_packet_free);
      g_clear_pointer (&self->in[i], in_packet_free);
    }
  self->in_flight_bytes = 0;
  self->outstanding_bytes = 0;
  self->n_out_of_order = 0;
  self->out_of_order_bytes = 0;
}

static void
shoal_utp_socket_finalize (GObject *object)
{
  ShoalUtpSocket *self = SHOAL_UTP_SOCKET (object);

  clear_packets (self);
  g_clear_object (&self->remote);
  g_clear_error (&self->error);
  g_clear_pointer (&self->recv_buf, g_byte_array_unref);
  g_clear_pointer (&self->send_buf, g_byte_array_unref);

  G_OBJECT_CLASS (shoal_utp_socket_parent_class)->finalize (object);
}

static void
shoal_utp_socket_class_init (ShoalUtpSocketClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_utp_socket_finalize;
}

static void
shoal_utp_socket_init (ShoalUtpSocket *self)
{
  self->recv_buf = g_byte_array_new ();
  self->send_buf = g_byte_array_new ();
  self->rto_us = 1000000;
  self->packet_size = UTP_START_PACKET;
  self->mtu_floor = UTP_START_PACKET;
  self->mtu_ceiling = UTP_MAX_PACKET_V4;
  self->cwnd = 16 * UTP_START_PACKET;
  self->ssthresh = UTP_MAX_CWND;
  self->slow_start = TRUE;
  self->peer_wnd = 64 * 1024;
}

static ShoalUtpSocket *
socket_new (ShoalUtpManager    *manager,
            GInetSocketAddress *remote,
            guint16             recv_id)
{
  ShoalUtpSocket *self = g_object_new (SHOAL_TYPE_UTP_SOCKET, NULL);

  self->manager = manager;
  self->remote = g_object_ref (remote);
  _shoal_utp_key_set (&self->key, remote, recv_id);
  if (self->key.family == 6)
    self->mtu_ceiling = UTP_MAX_PACKET_V6;
  self->last_progress_us = g_get_monotonic_time ();
  return self;
}

const UtpKey *
_shoal_utp_socket_get_key (ShoalUtpSocket *self)
{
  return &self->key;
}

static guint32
advertised_window (ShoalUtpSocket *self)
{
  guint64 held = (self->recv_buf->len - self->recv_pos) + self->out_of_order_bytes;

  return held >= UTP_RECV_MAX ? 0 : (guint32) (UTP_RECV_MAX - held);
}

static void
fill_header (ShoalUtpSocket *self,
             ShoalUtpPacket *h,
             ShoalUtpType    type,
             guint16         seq_nr,
             gint64          now_us)
{
  memset (h, 0, sizeof *h);
  h->type = type;
  h->connection_id = type == SHOAL_UTP_ST_SYN ? self->key.recv_id : self->send_id;
  h->timestamp_us = (guint32) now_us;
  h->timestamp_diff_us = self->reply_micro;
  h->wnd_size = advertised_window (self);
  h->seq_nr = seq_nr;
  h->ack_nr = self->ack_nr;
  self->last_wnd_advertised = h->wnd_size;
}

static void
fail (ShoalUtpSocket *self,
      GError         *error)
{
  if (self->state == STATE_CLOSED)
    {
      g_error_free (error);
      return;
    }
  g_debug ("uTP %u: %s", self->key.recv_id, error->message);
  if (self->error == NULL)
    self->error = error;
  else
    g_error_free (error);
  self->state = STATE_CLOSED;
  self->closed_us = g_get_monotonic_time ();
}

/* Sends @p now (again), with fresh timestamps and acks. */
static gboolean
transmit (ShoalUtpSocket *self,
          OutPacket      *p,
          gint64          now_us)
{
  g_autoptr(GError) error = NULL;
  ShoalUtpPacket h;
  guint16 seq = shoal_be16_read (p->data + 16);
  gboolean fragments;

  fill_header (self, &h, p->type, seq, now_us);
  shoal_utp_packet_write_header (&h, p->data, SHOAL_UTP_HEADER_LEN);
  /* A probe lost once goes again in fragments, which every path carries. */
  fragments = p->transmissions > 0 && p->len > self->mtu_floor;
  if (self->manager == NULL)
    return FALSE;
  if (!_shoal_utp_manager_send (self->manager, self->remote, p->data, p->len, fragments, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          if (p->in_flight)
            self->in_flight_bytes -= p->len;
          p->in_flight = FALSE;
          p->need_resend = TRUE;
          self->blocked = TRUE;
          _shoal_utp_manager_blocked (self->manager, self);
          return FALSE;
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE) && p->len > self->mtu_floor)
        {
          /* Larger than this host lets out: never that size again. */
          self->mtu_ceiling = MAX (self->mtu_floor, p->len - 1);
          self->packet_size = self->mtu_floor;
          self->probe_out = FALSE;
          p->probe = FALSE;
          if (!_shoal_utp_manager_send (self->manager, self->remote, p->data, p->len, TRUE, NULL))
            g_debug ("uTP %u: could not send a %u-byte packet", self->key.recv_id, p->len);
        }
      /* Anything else: as lost in the network; the timer sends it again. */
    }
  if (p->transmissions > 0)
    {
      self->stats.retransmits++;
      _shoal_utp_manager_count (self->manager, 1, 0, 0);
    }
  else
    self->stats.bytes_sent += p->payload_len;
  p->transmissions = (guint8) MIN (p->transmissions + 1, 255);
  p->sent_us = now_us;
  p->need_resend = FALSE;
  if (!p->in_flight)
    self->in_flight_bytes += p->len;
  p->in_flight = TRUE;
  self->stats.packets_sent++;
  if (self->rto_deadline_us == 0)
    {
      /* Nothing was waiting for an ack: the peer owed us nothing till now. */
      self->rto_deadline_us = now_us + self->rto_us;
      self->last_progress_us = now_us;
    }
  /* The ack rides along, unless a selective ACK has more to say. */
  if (self->n_out_of_order == 0)
    self->need_ack = FALSE;
  return TRUE;
}

static OutPacket *
new_packet (ShoalUtpSocket *self,
            ShoalUtpType    type,
            const guint8   *payload,
            guint           payload_len)
{
  OutPacket *p = g_new0 (OutPacket, 1);
  guint16 seq = self->seq_nr++;

  g_assert (self->out[seq & UTP_RING_MASK] == NULL);
  p->type = type;
  p->len = SHOAL_UTP_HEADER_LEN + payload_len;
  p->payload_len = payload_len;
  p->data = g_malloc (p->len);
  self->outstanding_bytes += p->len;
  /* The sequence number is kept in the header's place until it is written. */
  p->data[16] = (guint8) (seq >> 8);
  p->data[17] = (guint8) seq;
  if (payload_len > 0)
    memcpy (p->data + SHOAL_UTP_HEADER_LEN, payload, payload_len);
  self->out[seq & UTP_RING_MASK] = p;
  return p;
}

/* Packets between the cumulative ack and the next sequence number. */
static guint
n_unacked (ShoalUtpSocket *self)
{
  return (guint16) (self->seq_nr - self->acked_upto - 1);
}

/* Whether @len more bytes may go out: the congestion window bounds what
 * is in flight; the peer's window bounds everything it has not acked in
 * order, what it keeps past a gap included, so that the packet filling the
 * gap always finds room there. One packet may always go when nothing is
 * out (a probe of a shut window). */
static gboolean
window_allows (ShoalUtpSocket *self,
               guint           len)
{
  if (self->in_flight_bytes > 0 && (gint64) (self->in_flight_bytes + len) > self->cwnd)
    {
      self->cwnd_full = TRUE;
      return FALSE;
    }
  if (self->outstanding_bytes > 0 && self->outstanding_bytes + len > self->peer_wnd)
    return FALSE;
  return TRUE;
}

void
_shoal_utp_socket_flush (ShoalUtpSocket *self,
                         gint64          now_us)
{
  if ((self->state != STATE_CONNECTED && self->state != STATE_CLOSING) || self->blocked ||
      self->manager == NULL)
    return;

  /* Lost packets first. */
  for (guint16 s = (guint16) (self->acked_upto + 1); s != self->seq_nr; s++)
    {
      OutPacket *p = self->out[s & UTP_RING_MASK];

      if (p == NULL || !p->need_resend || p->sacked)
        continue;
      /* The gap's packet: the peer keeps room for it. */
      if (self->in_flight_bytes > 0 && (gint64) (self->in_flight_bytes + p->len) > self->cwnd)
        {
          self->cwnd_full = TRUE;
          return;
        }
      if (!transmit (self, p, now_us))
        return;
    }

  while (self->send_pos < self->send_buf->len && n_unacked (self) < UTP_RING - 2)
    {
      gsize unsent = self->send_buf->len - self->send_pos;
      guint size = self->packet_size;
      gboolean probe = FALSE;
      guint payload;
      OutPacket *p;

      /* Probe a larger size now and then, while the window has room. */
      if (!self->probe_out && self->mtu_ceiling > self->mtu_floor + 16 && self->have_rtt &&
          unsent >= (gsize) (self->mtu_floor + self->mtu_ceiling) / 2)
        {
          size = (self->mtu_floor + self->mtu_ceiling + 1) / 2;
          probe = TRUE;
        }
      payload = (guint) MIN (unsent, (gsize) (size - SHOAL_UTP_HEADER_LEN));
      if (!window_allows (self, payload + SHOAL_UTP_HEADER_LEN))
        break;
      p = new_packet (self, SHOAL_UTP_ST_DATA, self->send_buf->data + self->send_pos, payload);
      p->probe = probe;
      self->probe_out |= probe;
      self->send_pos += payload;
      if (!transmit (self, p, now_us))
        break;
    }
  if (self->send_pos == self->send_buf->len)
    {
      g_byte_array_set_size (self->send_buf, 0);
      self->send_pos = 0;
    }
  else if (self->send_pos > UTP_SEND_MAX / 2)
    {
      g_byte_array_remove_range (self->send_buf, 0, (guint) self->send_pos);
      self->send_pos = 0;
    }

  if (self->owner_closed && !self->fin_queued && self->state == STATE_CLOSING &&
      self->send_pos == self->send_buf->len && n_unacked (self) < UTP_RING - 2)
    {
      OutPacket *fin = new_packet (self, SHOAL_UTP_ST_FIN, NULL, 0);

      self->fin_queued = TRUE;
      transmit (self, fin, now_us);
    }
}

void
_shoal_utp_socket_send_ack (ShoalUtpSocket *self,
                            gint64          now_us)
{
  ShoalUtpPacket h;
  guint8 buf[SHOAL_UTP_HEADER_LEN + 2 + SHOAL_UTP_MAX_SACK_BYTES];
  gsize len;

  if (self->manager == NULL || self->state == STATE_SYN_SENT ||
      (self->state == STATE_CLOSED && self->error != NULL))
    return;
  self->need_ack = FALSE;
  fill_header (self, &h, SHOAL_UTP_ST_STATE, self->seq_nr, now_us);
  if (self->n_out_of_order > 0)
    for (guint i = 0; i < SHOAL_UTP_MAX_SACK_BYTES * 8; i++)
      if (self->in[(guint16) (self->ack_nr + 2 + i) & UTP_RING_MASK] != NULL)
        shoal_utp_packet_sack_set (&h, i);
  len = shoal_utp_packet_write_header (&h, buf, sizeof buf);
  if (_shoal_utp_manager_send (self->manager, self->remote, buf, len, FALSE, NULL))
    self->stats.packets_sent++;
}

void
_shoal_utp_socket_send_ack_if_needed (ShoalUtpSocket *self,
                                      gint64          now_us)
{
  if (self->need_ack)
    _shoal_utp_socket_send_ack (self, now_us);
}

void
_shoal_utp_socket_send_syn_ack (ShoalUtpSocket *self,
                                gint64          now_us)
{
  _shoal_utp_socket_send_ack (self, now_us);
}

static void
send_syn (ShoalUtpSocket *self,
          gint64          now_us)
{
  OutPacket *p = self->out[1 & UTP_RING_MASK];

  self->syn_sent_us = now_us;
  self->syn_tries++;
  transmit (self, p, now_us);
  /* The SYN has its own timer (tick): not the RTO's. */
  self->rto_deadline_us = 0;
}

ShoalUtpSocket *
_shoal_utp_socket_new_outgoing (ShoalUtpManager    *manager,
                                GInetSocketAddress *remote,
                                guint16             recv_id)
{
  ShoalUtpSocket *self = socket_new (manager, remote, recv_id);
  gint64 now = g_get_monotonic_time ();

  self->send_id = (guint16) (recv_id + 1);
  self->state = STATE_SYN_SENT;
  self->seq_nr = 1;
  self->acked_upto = 0;
  new_packet (self, SHOAL_UTP_ST_SYN, NULL, 0);
  send_syn (self, now);
  return self;
}

ShoalUtpSocket *
_shoal_utp_socket_new_incoming (ShoalUtpManager      *manager,
                                GInetSocketAddress   *remote,
                                const ShoalUtpPacket *syn,
                                gint64                now_us)
{
  ShoalUtpSocket *self = socket_new (manager, remote, (guint16) (syn->connection_id + 1));

  self->incoming = TRUE;
  self->send_id = syn->connection_id;
  self->state = STATE_CONNECTED;
  self->seq_nr = (guint16) g_random_int_range (1, 0x10000);
  self->acked_upto = (guint16) (self->seq_nr - 1);
  self->ack_nr = syn->seq_nr;
  self->reply_micro = (guint32) now_us - syn->timestamp_us;
  self->peer_wnd = syn->wnd_size;
  self->last_progress_us = now_us;
  return self;
}

/* RFC 6298, as BEP 29 has it, with a floor of min_rto. */
static void
rtt_sample (ShoalUtpSocket *self,
            gint64          sample_us)
{
  const UtpTiming *timing = self->manager ? _shoal_utp_manager_timing (self->manager) : NULL;
  gint64 floor_us = timing ? timing->min_rto_us : UTP_MIN_RTO_US;
  gint64 ceiling_us = timing ? timing->max_rto_us : UTP_MAX_RTO_US;

  if (sample_us < 0)
    return;
  if (!self->have_rtt)
    {
      self->rtt_us = sample_us;
      self->rtt_var_us = sample_us / 2;
      self->have_rtt = TRUE;
    }
  else
    {
      gint64 delta = self->rtt_us - sample_us;

      self->rtt_var_us += (ABS (delta) - self->rtt_var_us) / 4;
      self->rtt_us += (sample_us - self->rtt_us) / 8;
    }
  self->rto_us = CLAMP (self->rtt_us + 4 * self->rtt_var_us, floor_us, ceiling_us);
}

/* Packet @seq arrived: acked in order (forgotten), or selectively (kept
 * until the gap before it fills). Returns the bytes newly acked. */
static guint
ack_packet (ShoalUtpSocket *self,
            guint16         seq,
            gboolean        selective,
            gint64          now_us)
{
  OutPacket *p = self->out[seq & UTP_RING_MASK];
  guint len;

  if (p == NULL)
    return 0;
  if (p->sacked)
    {
      if (selective)
        return 0;
      self->outstanding_bytes -= p->len;
      out_packet_free (p);
      self->out[seq & UTP_RING_MASK] = NULL;
      return 0;
    }
  /* Karn: only packets sent once time the round trip. */
  if (p->transmissions == 1)
    rtt_sample (self, now_us - p->sent_us);
  if (p->probe)
    {
      self->mtu_floor = MAX (self->mtu_floor, p->len);
      self->packet_size = self->mtu_floor;
      self->probe_out = FALSE;
    }
  if (p->in_flight)
    self->in_flight_bytes -= p->len;
  p->in_flight = FALSE;
  p->need_resend = FALSE;
  len = p->len;
  if (selective)
    {
      p->sacked = TRUE;
      return len;
    }
  self->outstanding_bytes -= p->len;
  out_packet_free (p);
  self->out[seq & UTP_RING_MASK] = NULL;
  return len;
}

static void
lost_packet (ShoalUtpSocket *self,
             OutPacket      *p)
{
  if (p->in_flight)
    self->in_flight_bytes -= p->len;
  p->in_flight = FALSE;
  p->need_resend = TRUE;
  if (p->probe)
    {
      /* Too big for the path (or unlucky): not that size again. */
      self->mtu_ceiling = MAX (self->mtu_floor, p->len - 1);
      self->packet_size = self->mtu_floor;
      self->probe_out = FALSE;
      p->probe = FALSE;
    }
}

/* A loss halves the window once per window of data (BEP 29: factor 0.5). */
static void
on_loss (ShoalUtpSocket *self)
{
  if (self->in_recovery)
    return;
  self->in_recovery = TRUE;
  self->recovery_seq = (guint16) (self->seq_nr - 1);
  self->ssthresh = MAX (self->cwnd / 2, 2 * (gint64) self->packet_size);
  self->cwnd = self->ssthresh;
  self->slow_start = FALSE;
}

static void
update_delay (ShoalUtpSocket *self,
              guint32         sample,
              gint64          now_us)
{
  guint32 base;
  guint32 current;

  if (!self->have_base)
    {
      self->base_delay[0] = self->base_delay[1] = sample;
      self->base_minute_us = now_us;
      self->have_base = TRUE;
    }
  if (now_us - self->base_minute_us > 60 * G_USEC_PER_SEC)
    {
      self->base_delay[1] = self->base_delay[0];
      self->base_delay[0] = sample;
      self->base_minute_us = now_us;
    }
  /* Clocks are not in step: compare differences, modulo 2^32. */
  if ((gint32) (sample - self->base_delay[0]) < 0)
    self->base_delay[0] = sample;
  base = (gint32) (self->base_delay[1] - self->base_delay[0]) < 0 ? self->base_delay[1] : self->base_delay[0];

  self->recent_delay[self->n_recent++ % G_N_ELEMENTS (self->recent_delay)] = sample - base;
  current = self->recent_delay[0];
  for (guint i = 1; i < MIN (self->n_recent, G_N_ELEMENTS (self->recent_delay)); i++)
    current = MIN (current, self->recent_delay[i]);
  /* More than ten seconds is a clock jump, not a queue. */
  self->queuing_delay_us = current > 10 * G_USEC_PER_SEC ? 0 : current;
}

/* LEDBAT: grow while the queuing delay is under target, linearly; over
 * it, shrink in proportion to how far over it is and to the window, at
 * most by half a window a round trip (the multiplicative decrease of
 * LEDBAT++, draft-irtf-iccrg-ledbat-plus-plus). RFC 6817's linear decrease
 * of about one packet a round trip took half a minute to leave a home
 * router's 400 ms queue to the user's TCP traffic; this takes a few round
 * trips. Slow start until the first loss or half the target. */
static void
update_cwnd (ShoalUtpSocket *self,
             guint           bytes_acked,
             gint64          now_us)
{
  gint64 off_target = UTP_TARGET_US - self->queuing_delay_us;
  gint64 min_cwnd = 2 * (gint64) self->packet_size;

  if (self->slow_start && self->queuing_delay_us < UTP_TARGET_US / 2 && self->cwnd < self->ssthresh)
    {
      if (self->cwnd_full)
        self->cwnd += bytes_acked;
    }
  else
    {
      gint64 change;

      self->slow_start = FALSE;
      if (off_target >= 0)
        {
          change = off_target * (gint64) bytes_acked * (gint64) self->packet_size / (UTP_TARGET_US * MAX (self->cwnd, 1));
          /* Grow only a window in use (RFC 6817 §2.4.1). */
          if (self->cwnd_full)
            self->cwnd += change;
        }
      else
        {
          /* Each acked byte takes (delay / target - 1) bytes off the
           * window, at most half: per round trip, W * (delay / target - 1)
           * up to W / 2. */
          change = MIN (-off_target, UTP_TARGET_US / 2) * (gint64) bytes_acked / UTP_TARGET_US;
          self->cwnd -= MAX (change, 1);
        }
    }
  self->cwnd = CLAMP (self->cwnd, min_cwnd, (gint64) UTP_MAX_CWND);
  self->cwnd_full = FALSE;
}

/* Returns FALSE when the packet acks what we never sent: drop it. */
static gboolean
handle_ack (ShoalUtpSocket       *self,
            const ShoalUtpPacket *packet,
            gint64                now_us)
{
  guint16 last_sent = (guint16) (self->seq_nr - 1);
  guint bytes = 0;
  gboolean progress = FALSE;
  guint16 highest_sacked = self->acked_upto;

  if ((gint16) (packet->ack_nr - last_sent) > 0)
    return FALSE;
  if ((gint16) (packet->ack_nr - self->acked_upto) > 0)
    {
      for (guint16 s = (guint16) (self->acked_upto + 1); s != (guint16) (packet->ack_nr + 1); s++)
        bytes += ack_packet (self, s, FALSE, now_us);
      self->acked_upto = packet->ack_nr;
      self->dup_acks = 0;
      progress = TRUE;
    }
  else if (packet->ack_nr == self->acked_upto && packet->type == SHOAL_UTP_ST_STATE &&
           n_unacked (self) > 0)
    self->dup_acks++;

  for (guint i = 0; i < (guint) packet->sack_len * 8; i++)
    {
      guint16 s = (guint16) (packet->ack_nr + 2 + i);

      if ((gint16) (s - last_sent) > 0)
        break;
      if (!shoal_utp_packet_sack_has (packet, i))
        continue;
      if ((gint16) (s - self->acked_upto) <= 0)
        continue;
      bytes += ack_packet (self, s, TRUE, now_us);
      highest_sacked = s;
    }

  /* Fast resend: a packet with three later ones acked is lost. */
  if ((gint16) (highest_sacked - self->acked_upto) > 0 || self->dup_acks >= 3)
    {
      guint later = self->dup_acks >= 3 ? 3 : 0;

      if ((gint16) (highest_sacked - self->acked_upto) <= 0)
        highest_sacked = (guint16) (self->acked_upto + 1);
      for (guint16 s = highest_sacked; (gint16) (s - self->acked_upto) > 0; s--)
        {
          OutPacket *p = self->out[s & UTP_RING_MASK];

          if (p == NULL || p->sacked)
            {
              later++;
              continue;
            }
          if (later >= 3 && !p->fast_resent && p->in_flight)
            {
              p->fast_resent = TRUE;
              lost_packet (self, p);
              self->stats.fast_resends++;
              _shoal_utp_manager_count (self->manager, 0, 1, 0);
              on_loss (self);
            }
        }
      if (self->dup_acks >= 3)
        self->dup_acks = 0;
    }

  if (self->in_recovery && (gint16) (self->acked_upto - self->recovery_seq) >= 0)
    self->in_recovery = FALSE;

  if (progress || bytes > 0)
    {
      self->n_timeouts = 0;
      self->last_progress_us = now_us;
      self->rto_deadline_us = n_unacked (self) > 0 ? now_us + self->rto_us : 0;
    }
  if (bytes > 0)
    {
      if (packet->timestamp_diff_us != 0)
        update_delay (self, packet->timestamp_diff_us, now_us);
      update_cwnd (self, bytes, now_us);
    }
  return TRUE;
}

static void
deliver (ShoalUtpSocket *self,
         const guint8   *data,
         gsize           len,
         gboolean        fin)
{
  self->ack_nr++;
  if (len > 0 && !self->owner_closed)
    {
      g_byte_array_append (self->recv_buf, data, (guint) len);
      self->stats.bytes_received += len;
    }
  if (fin || (self->got_fin && self->ack_nr == self->fin_seq))
    self->eof = TRUE;
}

static void
handle_data (ShoalUtpSocket       *self,
             const ShoalUtpPacket *packet,
             gint64                now_us)
{
  guint16 d = (guint16) (packet->seq_nr - self->ack_nr);
  gboolean fin = packet->type == SHOAL_UTP_ST_FIN;
  guint64 held;

  self->need_ack = TRUE;
  if (self->manager != NULL)
    _shoal_utp_manager_want_ack (self->manager, self);

  if (d == 0 || d >= 0x8000)
    {
      self->stats.duplicates++;
      return;
    }
  if (self->eof || (self->got_fin && (gint16) (packet->seq_nr - self->fin_seq) > 0) || d >= UTP_RING)
    {
      self->stats.dropped++;
      return;
    }
  held = (self->recv_buf->len - self->recv_pos) + self->out_of_order_bytes;
  if (held + packet->payload_len > UTP_RECV_MAX && !self->owner_closed)
    {
      /* Past the window we offered: the peer sends it again later. */
      self->stats.dropped++;
      return;
    }
  if (fin)
    {
      self->got_fin = TRUE;
      self->fin_seq = packet->seq_nr;
    }

  if (d == 1)
    {
      deliver (self, packet->payload, packet->payload_len, fin);
      while (self->n_out_of_order > 0)
        {
          guint idx = (guint16) (self->ack_nr + 1) & UTP_RING_MASK;
          InPacket *in = self->in[idx];

          if (in == NULL)
            break;
          self->in[idx] = NULL;
          self->n_out_of_order--;
          self->out_of_order_bytes -= in->len;
          deliver (self, in->data, in->len, in->fin);
          in_packet_free (in);
        }
      return;
    }

  if (self->in[packet->seq_nr & UTP_RING_MASK] != NULL)
    {
      self->stats.duplicates++;
      return;
    }
  {
    InPacket *in = g_new0 (InPacket, 1);

    in->data = g_memdup2 (packet->payload, packet->payload_len);
    in->len = (guint) packet->payload_len;
    in->fin = fin;
    self->in[packet->seq_nr & UTP_RING_MASK] = in;
    self->n_out_of_order++;
    self->out_of_order_bytes += in->len;
    self->stats.out_of_order++;
  }
}

static void
receive_packet (ShoalUtpSocket       *self,
                const ShoalUtpPacket *packet,
                gint64                now_us)
{
  self->stats.packets_received++;
  if (self->state == STATE_CLOSED)
    return;
  if (packet->type == SHOAL_UTP_ST_RESET)
    {
      if (self->state == STATE_SYN_SENT)
        fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, "uTP connection refused"));
      else if (self->owner_closed)
        self->state = STATE_CLOSED;
      else
        fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "uTP connection reset by the peer"));
      return;
    }
  if (packet->type == SHOAL_UTP_ST_SYN)
    {
      /* Our answer was lost: say it again. */
      if (self->incoming && packet->seq_nr == self->ack_nr)
        _shoal_utp_socket_send_ack (self, now_us);
      return;
    }
  if (self->state == STATE_SYN_SENT)
    {
      if (packet->type != SHOAL_UTP_ST_STATE || packet->ack_nr != 1)
        {
          self->stats.dropped++;
          return;
        }
      self->state = STATE_CONNECTED;
      self->ack_nr = (guint16) (packet->seq_nr - 1);
    }

  self->reply_micro = (guint32) now_us - packet->timestamp_us;
  if (!handle_ack (self, packet, now_us))
    {
      if (self->stats.dropped++ < 4)
        g_debug ("uTP %u: dropped a packet acking %u, past what we sent (%u)", self->key.recv_id,
                 packet->ack_nr, (guint16) (self->seq_nr - 1));
      return;
    }
  self->peer_wnd = packet->wnd_size;
  if (packet->type == SHOAL_UTP_ST_DATA || packet->type == SHOAL_UTP_ST_FIN)
    handle_data (self, packet, now_us);

  if (self->state == STATE_CLOSING && self->fin_queued && n_unacked (self) == 0)
    self->state = STATE_CLOSED;
  else
    _shoal_utp_socket_flush (self, now_us);
}

void
_shoal_utp_socket_receive (ShoalUtpSocket       *self,
                           const ShoalUtpPacket *packet,
                           gint64                now_us)
{
  g_object_ref (self);
  receive_packet (self, packet, now_us);
  g_object_unref (self);
}

/* Timers: the SYN's, the retransmission timer, lingering after close.
 * Returns FALSE once the manager may forget the socket. */
gboolean
_shoal_utp_socket_tick (ShoalUtpSocket *self,
                        gint64          now_us)
{
  const UtpTiming *timing = _shoal_utp_manager_timing (self->manager);

  if (self->state == STATE_CLOSED)
    return self->owner_closed ? FALSE : now_us - self->closed_us < UTP_LINGER_US;
  if (self->owner_closed && now_us - self->closed_us > UTP_LINGER_US)
    {
      self->state = STATE_CLOSED;
      return FALSE;
    }

  if (self->state == STATE_SYN_SENT)
    {
      if (now_us - self->syn_sent_us < (gint64) timing->syn_timeout_us << (self->syn_tries - 1))
        return TRUE;
      if (self->syn_tries >= UTP_SYN_TRIES)
        {
          fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "uTP connection timed out"));
          return !self->owner_closed;
        }
      send_syn (self, now_us);
      return TRUE;
    }

  if (self->rto_deadline_us != 0 && now_us >= self->rto_deadline_us && n_unacked (self) > 0)
    {
      self->n_timeouts++;
      self->stats.timeouts++;
      g_debug ("uTP %u: timeout %u: %u packets unacked from %u, %" G_GUINT64_FORMAT " bytes in flight, window %"
               G_GINT64_FORMAT " (peer's %u), rto %" G_GINT64_FORMAT " ms", self->key.recv_id, self->n_timeouts,
               n_unacked (self), (guint16) (self->acked_upto + 1), self->in_flight_bytes, self->cwnd, self->peer_wnd,
               self->rto_us / 1000);
      _shoal_utp_manager_count (self->manager, 0, 0, 1);
      if (self->n_timeouts > UTP_MAX_TIMEOUTS || now_us - self->last_progress_us > UTP_DEAD_US)
        {
          fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "uTP peer stopped answering"));
          return !self->owner_closed;
        }
      for (guint16 s = (guint16) (self->acked_upto + 1); s != self->seq_nr; s++)
        if (self->out[s & UTP_RING_MASK] != NULL && !self->out[s & UTP_RING_MASK]->sacked)
          lost_packet (self, self->out[s & UTP_RING_MASK]);
      self->ssthresh = MAX (self->cwnd / 2, 2 * (gint64) self->packet_size);
      self->cwnd = self->packet_size;
      self->slow_start = TRUE;
      self->in_recovery = FALSE;
      self->rto_us = MIN (self->rto_us * 2, (gint64) timing->max_rto_us);
      self->rto_deadline_us = now_us + self->rto_us;
      _shoal_utp_socket_flush (self, now_us);
    }
  return TRUE;
}

static void
log_summary (ShoalUtpSocket *self)
{
  g_debug ("uTP %u: done: %" G_GUINT64_FORMAT " packets sent, %" G_GUINT64_FORMAT " received, %"
             G_GUINT64_FORMAT " bytes sent, %" G_GUINT64_FORMAT " received, %" G_GUINT64_FORMAT
             " retransmits (%" G_GUINT64_FORMAT " fast), %" G_GUINT64_FORMAT " timeouts, %" G_GUINT64_FORMAT
             " out of order, %" G_GUINT64_FORMAT " duplicates, %" G_GUINT64_FORMAT " dropped; packet size %u, rtt %"
             G_GINT64_FORMAT " ms",
             self->key.recv_id, self->stats.packets_sent, self->stats.packets_received, self->stats.bytes_sent,
             self->stats.bytes_received, self->stats.retransmits, self->stats.fast_resends, self->stats.timeouts,
             self->stats.out_of_order, self->stats.duplicates, self->stats.dropped, self->packet_size, self->rtt_us / 1000);
}

/* The manager is going: no more sending. */
void
_shoal_utp_socket_detach (ShoalUtpSocket *self)
{
  if (self->manager != NULL && !self->owner_closed)
    log_summary (self);
  if (self->state != STATE_CLOSED)
    fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CLOSED, "uTP stopped"));
  self->manager = NULL;
}

void
_shoal_utp_socket_unblock (ShoalUtpSocket *self,
                           gint64          now_us)
{
  self->blocked = FALSE;
  _shoal_utp_socket_flush (self, now_us);
}

/* ShoalTransport */

static GIOCondition
socket_condition (ShoalUtpSocket *self)
{
  GIOCondition cond = 0;

  if (self->recv_buf->len > self->recv_pos || self->eof || self->state == STATE_CLOSED)
    cond |= G_IO_IN;
  if (self->state == STATE_CLOSED)
    cond |= G_IO_HUP | G_IO_OUT | (self->error ? G_IO_ERR : 0);
  else if (self->state == STATE_CONNECTED && !self->owner_closed &&
           self->send_buf->len - self->send_pos < UTP_SEND_MAX)
    cond |= G_IO_OUT;
  return cond;
}

static gssize
utp_receive (ShoalTransport  *transport,
             guint8          *buffer,
             gsize            size,
             GError         **error)
{
  ShoalUtpSocket *self = SHOAL_UTP_SOCKET (transport);
  gsize avail = self->recv_buf->len - self->recv_pos;

  if (avail > 0)
    {
      gsize n = MIN (avail, size);
      guint32 before = self->last_wnd_advertised;

      memcpy (buffer, self->recv_buf->data + self->recv_pos, n);
      self->recv_pos += n;
      if (self->recv_pos == self->recv_buf->len)
        {
          g_byte_array_set_size (self->recv_buf, 0);
          self->recv_pos = 0;
        }
      else if (self->recv_pos > UTP_RECV_MAX / 2)
        {
          g_byte_array_remove_range (self->recv_buf, 0, (guint) self->recv_pos);
          self->recv_pos = 0;
        }
      /* The window was (nearly) shut and is open again: say so. */
      if (before < UTP_RECV_MAX / 4 && advertised_window (self) >= UTP_RECV_MAX / 2 &&
          self->state == STATE_CONNECTED)
        _shoal_utp_socket_send_ack (self, g_get_monotonic_time ());
      return (gssize) n;
    }
  if (self->eof)
    return 0;
  if (self->state == STATE_CLOSED)
    {
      if (self->error != NULL)
        {
          g_propagate_error (error, g_error_copy (self->error));
          return -1;
        }
      return 0;
    }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "Nothing to read yet");
  return -1;
}

static gssize
utp_send (ShoalTransport  *transport,
          const guint8    *buffer,
          gsize            size,
          GError         **error)
{
  ShoalUtpSocket *self = SHOAL_UTP_SOCKET (transport);
  gsize room;

  if (self->state == STATE_CLOSED && self->error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->error));
      return -1;
    }
  if (self->state != STATE_CONNECTED || self->owner_closed)
    {
      if (self->state == STATE_SYN_SENT)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "Still connecting");
      else
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "uTP connection closed");
      return -1;
    }
  room = UTP_SEND_MAX - MIN (UTP_SEND_MAX, self->send_buf->len - self->send_pos);
  if (room == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "Send buffer full");
      return -1;
    }
  size = MIN (size, room);
  g_byte_array_append (self->send_buf, buffer, (guint) size);
  _shoal_utp_socket_flush (self, g_get_monotonic_time ());
  return (gssize) size;
}

typedef struct
{
  GSource         source;
  ShoalUtpSocket *socket;
  GIOCondition    condition;
} UtpSource;

static gboolean
utp_source_prepare (GSource *source,
                    gint    *timeout)
{
  UtpSource *s = (UtpSource *) source;

  *timeout = -1;
  return (socket_condition (s->socket) & s->condition) != 0;
}

static gboolean
utp_source_check (GSource *source)
{
  UtpSource *s = (UtpSource *) source;

  return (socket_condition (s->socket) & s->condition) != 0;
}

static gboolean
utp_source_dispatch (GSource     *source,
                     GSourceFunc  callback,
                     gpointer     user_data)
{
  UtpSource *s = (UtpSource *) source;
  ShoalTransportSourceFunc func = (ShoalTransportSourceFunc) (void (*) (void)) callback;

  if (func == NULL)
    return G_SOURCE_REMOVE;
  return func (s->socket, socket_condition (s->socket) & s->condition, user_data);
}

static void
utp_source_finalize (GSource *source)
{
  UtpSource *s = (UtpSource *) source;

  g_clear_object (&s->socket);
}

static GSourceFuncs utp_source_funcs = {
  utp_source_prepare,
  utp_source_check,
  utp_source_dispatch,
  utp_source_finalize,
  NULL,
  NULL,
};

static GSource *
utp_create_source (ShoalTransport *transport,
                   GIOCondition    condition,
                   GCancellable   *cancellable)
{
  GSource *source = g_source_new (&utp_source_funcs, sizeof (UtpSource));
  UtpSource *s = (UtpSource *) source;

  s->socket = g_object_ref (SHOAL_UTP_SOCKET (transport));
  s->condition = condition | G_IO_HUP | G_IO_ERR;
  g_source_set_name (source, "uTP socket");
  if (cancellable != NULL)
    {
      GSource *cancel = g_cancellable_source_new (cancellable);

      g_source_set_dummy_callback (cancel);
      g_source_add_child_source (source, cancel);
      g_source_unref (cancel);
    }
  return source;
}

static gboolean
utp_check_connected (ShoalTransport  *transport,
                     GError         **error)
{
  ShoalUtpSocket *self = SHOAL_UTP_SOCKET (transport);

  if (self->state == STATE_SYN_SENT)
    return FALSE;
  if (self->state == STATE_CLOSED && self->error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->error));
      return FALSE;
    }
  if (self->state != STATE_CONNECTED)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "uTP connection closed");
      return FALSE;
    }
  return TRUE;
}

static void
utp_close (ShoalTransport *transport)
{
  ShoalUtpSocket *self = SHOAL_UTP_SOCKET (transport);
  gint64 now = g_get_monotonic_time ();

  if (self->owner_closed)
    return;
  log_summary (self);
  self->owner_closed = TRUE;
  self->closed_us = now;
  /* What was queued and not sent is dropped: closing is abortive above. */
  g_byte_array_set_size (self->send_buf, 0);
  self->send_pos = 0;
  g_byte_array_set_size (self->recv_buf, 0);
  self->recv_pos = 0;
  if (self->state == STATE_CONNECTED)
    {
      self->state = STATE_CLOSING;
      _shoal_utp_socket_flush (self, now);
    }
  else if (self->state == STATE_SYN_SENT)
    self->state = STATE_CLOSED;
}

static GInetSocketAddress *
utp_get_remote_address (ShoalTransport *transport)
{
  return SHOAL_UTP_SOCKET (transport)->remote;
}

static ShoalTransportKind
utp_get_kind (ShoalTransport *transport)
{
  return SHOAL_TRANSPORT_UTP;
}

static void
shoal_utp_socket_transport_init (ShoalTransportInterface *iface)
{
  iface->receive = utp_receive;
  iface->send = utp_send;
  iface->create_source = utp_create_source;
  iface->check_connected = utp_check_connected;
  iface->close = utp_close;
  iface->get_remote_address = utp_get_remote_address;
  iface->get_kind = utp_get_kind;
}

/* Public accessors */

void
shoal_utp_socket_get_stats (ShoalUtpSocket      *self,
                            ShoalUtpSocketStats *stats)
{
  *stats = self->stats;
  stats->packet_size = self->packet_size;
  stats->cwnd = (guint) self->cwnd;
  stats->rtt_ms = (guint) (self->rtt_us / 1000);
  stats->rto_ms = (guint) (self->rto_us / 1000);
  stats->queuing_delay_ms = (guint) (self->queuing_delay_us / 1000);
}

gboolean
shoal_utp_socket_is_incoming (ShoalUtpSocket *self)
{
  return self->incoming;
}

gboolean
shoal_utp_socket_is_connected (ShoalUtpSocket *self)
{
  return self->state == STATE_CONNECTED;
}
