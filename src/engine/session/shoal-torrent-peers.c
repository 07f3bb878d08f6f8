/* shoal-torrent-peers.c: a torrent's peers: messages, availability, requests, bad data, web seeds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-hash.h"
#include "shoal-metainfo-v2.h"
#include "shoal-smart-ban.h"
#include "shoal-torrent-private.h"

#define MIN_REQUEST_QUEUE     16
#define INITIAL_REQUEST_QUEUE 64
#define MAX_REQUEST_QUEUE     1024
#define MAX_PADDING_ROUNDS    64    /* picks in a row that found only padding to fill in */

/* What padding holds, filled in here: not downloaded, so never counted. */
static const guint8 padding_zeros[SHOAL_PIECE_PICKER_BLOCK_SIZE];

static void fill_requests (ShoalPeerState *ps);
static gboolean accept_block (ShoalTorrent *self, ShoalSender *sender, const ShoalBlock *b, const guint8 *data);
static void trim_buffer_cache (ShoalTorrent *self);
static ShoalWebSeed *find_web_seed (ShoalTorrent *self, gpointer source);

/* Senders */

static ShoalSender *
sender_new (ShoalTorrent *self,
            const char   *ip)
{
  ShoalSender *s = g_rc_box_new0 (ShoalSender);

  /* Never 0 (NULL). Where pointers are 32 bits, ids would only come round
   * again after 4 billion connections to one torrent. */
  s->id = GSIZE_TO_POINTER ((gsize) (self->last_sender_id++ % G_MAXSIZE) + 1);
  s->ip = g_strdup (ip);
  return s;
}

static void
sender_clear (gpointer data)
{
  ShoalSender *s = data;

  g_free (s->ip);
}

static void
sender_unref (gpointer data)
{
  if (data != NULL)
    g_rc_box_release_full (data, sender_clear);
}

/* A web seed's sender, for as long as the web seed lives. */
static ShoalSender *
web_seed_sender (ShoalWebSeed *ws)
{
  return g_object_get_data (G_OBJECT (ws), "shoal-sender");
}

/* Per-connection state */

static void
peer_state_free (gpointer data)
{
  ShoalPeerState *ps = data;
  ShoalBlock *b;

  while ((b = g_queue_pop_head (&ps->uploads)) != NULL)
    g_free (b);
  g_clear_pointer (&ps->requests, g_array_unref);
  g_clear_pointer (&ps->pex, shoal_pex_state_free);
  g_clear_pointer (&ps->sender, sender_unref);
  g_clear_object (&ps->peer);
  g_free (ps);
}

/* The peer's address as text, "" if unknown. */
char *
_shoal_torrent_conn_ip (ShoalPeerConnection *conn)
{
  GInetSocketAddress *remote = shoal_peer_connection_get_remote (conn);

  if (remote == NULL)
    return g_strdup ("");
  return g_inet_address_to_string (g_inet_socket_address_get_address (remote));
}

/* Availability bookkeeping: the picker keeps what each connection counts
 * for, and conn_closed() takes back exactly that. */

/* What the connection knows the peer has (its bitfield, have-all or
 * have-none, and every have since, or what it said before the metadata
 * arrived) is what the peer counts for. */
static void
count_peer (ShoalTorrent   *self,
            ShoalPeerState *ps)
{
  if (self->picker == NULL || !shoal_peer_connection_knows_n_pieces (ps->conn))
    return;
  shoal_piece_picker_peer_set_bitfield (self->picker, _shoal_torrent_sender_id (ps),
                                        shoal_peer_connection_get_peer_bitfield (ps->conn));
}

static void
update_interest (ShoalTorrent   *self,
                 ShoalPeerState *ps)
{
  gboolean interested = self->state == SHOAL_TORRENT_STATE_DOWNLOADING &&
                        shoal_piece_picker_is_interesting (self->picker,
                                                           shoal_peer_connection_get_peer_bitfield (ps->conn));

  shoal_peer_connection_set_interested (ps->conn, interested);
}

void
_shoal_torrent_update_interest (ShoalTorrent *self)
{
  for (guint i = 0; i < self->connections->len; i++)
    {
      ShoalPeerConnection *conn = self->connections->pdata[i];

      if (shoal_peer_connection_get_state (conn) != SHOAL_PEER_CONNECTION_ACTIVE)
        continue;
      update_interest (self, _shoal_torrent_peer_state (conn));
      /* Two seeds have nothing to say to each other. */
      if (self->state == SHOAL_TORRENT_STATE_SEEDING &&
          shoal_bitfield_is_full (shoal_piece_picker_get_have (self->picker)) &&
          shoal_peer_connection_peer_has_all (conn))
        {
          g_autoptr(GError) e = g_error_new (G_IO_ERROR, G_IO_ERROR_CLOSED, "Both sides are seeds");

          shoal_peer_connection_close (conn, e);
          i--;
        }
    }
}

/* Requests we send */

static gint
find_request (ShoalPeerState   *ps,
              const ShoalBlock *b)
{
  for (guint i = 0; i < ps->requests->len; i++)
    {
      ShoalOutRequest *r = &g_array_index (ps->requests, ShoalOutRequest, i);

      if (r->block.piece == b->piece && r->block.begin == b->begin && r->block.length == b->length)
        return (gint) i;
    }
  return -1;
}

static void
release_requests (ShoalTorrent   *self,
                  ShoalPeerState *ps)
{
  for (guint i = 0; i < ps->requests->len; i++)
    shoal_piece_picker_block_cancelled (self->picker, &g_array_index (ps->requests, ShoalOutRequest, i).block, _shoal_torrent_sender_id (ps));
  g_array_set_size (ps->requests, 0);
}

static void
fill_requests (ShoalPeerState *ps)
{
  ShoalTorrent *self = ps->torrent;
  ShoalPeerConnection *conn = ps->conn;
  guint64 rate;
  guint target, limit, want, n_out = 0, n_sent = 0;
  g_autofree ShoalBlock *blocks = NULL;
  gint64 now;

  if (self->state == SHOAL_TORRENT_STATE_DOWNLOADING && _shoal_torrent_v2_hold_requests (ps))
    return;
  if (self->state != SHOAL_TORRENT_STATE_DOWNLOADING ||
      shoal_peer_connection_get_state (conn) != SHOAL_PEER_CONNECTION_ACTIVE ||
      shoal_peer_connection_peer_choking (conn) ||
      !shoal_peer_connection_am_interested (conn) ||
      self->pending_write_bytes > SHOAL_TORRENT_MAX_PENDING_WRITES)
    return;

  /* Keep about two seconds of this peer's rate in flight (bandwidth-delay
   * product with room), within what the peer accepts. */
  now = g_get_monotonic_time ();
  rate = shoal_rate_get (shoal_peer_connection_get_down_rate (conn), now);
  limit = MIN (shoal_peer_connection_get_peer_reqq (conn), MAX_REQUEST_QUEUE);
  target = rate > 0 ? (guint) MIN ((guint64) MAX_REQUEST_QUEUE, rate * 2 / SHOAL_PIECE_PICKER_BLOCK_SIZE + MIN_REQUEST_QUEUE)
                    : INITIAL_REQUEST_QUEUE;
  /* From half the bound on pieces waiting for the disk, ask for less as
   * they pile up instead of stopping all at once at the bound: the seed
   * keeps something to send while the disk threads catch up, and what is
   * in flight when the bound is reached stays small. */
  if (self->pending_write_bytes > SHOAL_TORRENT_MAX_PENDING_WRITES / 2)
    target = (guint) ((guint64) target * (SHOAL_TORRENT_MAX_PENDING_WRITES - self->pending_write_bytes) /
                      (SHOAL_TORRENT_MAX_PENDING_WRITES / 2));
  target = CLAMP (target, MIN_REQUEST_QUEUE, MAX (limit, 1));
  if (ps->requests->len >= target)
    return;
  want = target - ps->requests->len;
  /* Ask for blocks in batches so that each pick call is worth its cost. */
  if (want < 8 && ps->requests->len > 4)
    return;

  blocks = g_new (ShoalBlock, want);
  for (guint round = 0; round < MAX_PADDING_ROUNDS; round++)
    {
      guint n_padding = 0;

      /* The queue may hold more than the pieces in progress allow (1,024
       * blocks are 16 pieces of 1 MiB): let it open its own. */
      shoal_piece_picker_pick_with_room (self->picker, shoal_peer_connection_get_peer_bitfield (conn),
                                         _shoal_torrent_sender_id (ps), want, blocks, &n_out);
      for (guint i = 0; i < n_out; i++)
        {
          ShoalOutRequest r = { blocks[i], now };

          /* Padding (pad files, a v2 file's tail) is zeros: nobody sends it. */
          if (shoal_metainfo_range_is_padding (self->info, blocks[i].piece, blocks[i].begin, blocks[i].length))
            {
              accept_block (self, ps->sender, &blocks[i], padding_zeros);
              n_padding++;
              continue;
            }
          g_array_append_val (ps->requests, r);
          shoal_peer_connection_send_request (conn, blocks[i].piece, blocks[i].begin, blocks[i].length);
          n_sent++;
        }
      /* Padding took no room in the queue: pick again for that room. */
      if (n_padding == 0 || self->state != SHOAL_TORRENT_STATE_DOWNLOADING)
        break;
      want = n_padding;
    }
  if (n_sent > 0)
    shoal_peer_connection_flush (conn);
}

/* The metadata of a magnet link arrived while @conn was connected. */
void
_shoal_torrent_peer_got_metainfo (ShoalTorrent        *self,
                                  ShoalPeerConnection *conn)
{
  shoal_peer_connection_set_n_pieces (conn, shoal_metainfo_get_n_pieces (self->info));
  if (shoal_peer_connection_get_state (conn) != SHOAL_PEER_CONNECTION_ACTIVE)
    return;
  count_peer (self, _shoal_torrent_peer_state (conn));
}

void
_shoal_torrent_fill_all_requests (ShoalTorrent *self)
{
  for (guint i = 0; i < self->connections->len; i++)
    {
      ShoalPeerConnection *conn = self->connections->pdata[i];

      if (shoal_peer_connection_get_state (conn) == SHOAL_PEER_CONNECTION_ACTIVE)
        fill_requests (_shoal_torrent_peer_state (conn));
    }
}

/* Bad data and bans */

/* The live connection the picker or the metadata fetcher knows as @id. */
ShoalPeerConnection *
_shoal_torrent_find_connection (ShoalTorrent *self,
                 gpointer      id)
{
  for (guint i = 0; i < self->connections->len; i++)
    if (_shoal_torrent_sender_id (_shoal_torrent_peer_state (self->connections->pdata[i])) == id)
      return self->connections->pdata[i];
  return NULL;
}

/* Strikes go to the address (see shoal-smart-ban.c). */
static void
strike (ShoalTorrent *self,
        const char   *ip,
        guint         n_contributors)
{
  if (shoal_smart_ban_strike (self->smart_ban, ip, n_contributors))
    _shoal_torrent_ban_ip (self, ip);
}

typedef struct
{
  ShoalTorrent *torrent;
  guint         piece;
  guint64       size;
  GBytes       *data;
  GPtrArray    *sources; /* per block: its ShoalSender */
} WriteData;

/* A piece failed its hash check: every peer that sent part of it gets a
 * strike (one bad peer cannot hide among good ones for long), and every
 * web seed that did is told. */
static void
blame_senders (ShoalTorrent *self,
               WriteData    *wd)
{
  g_autoptr(GPtrArray) senders = g_ptr_array_new ();

  for (guint i = 0; i < wd->sources->len; i++)
    if (wd->sources->pdata[i] != NULL && !g_ptr_array_find (senders, wd->sources->pdata[i], NULL))
      g_ptr_array_add (senders, wd->sources->pdata[i]);
  for (guint i = 0; i < senders->len; i++)
    {
      ShoalSender *sender = senders->pdata[i];
      ShoalWebSeed *ws = find_web_seed (self, sender->id);

      if (ws != NULL)
        shoal_web_seed_report_bad_piece (ws, wd->piece);
      else if (sender->ip != NULL && sender->ip[0] != '\0' && self->block_verifier == NULL)
        strike (self, sender->ip, senders->len);
    }
}

/* A piece failed: remember who sent which block, and what it sent. */
static void
remember_suspects (ShoalTorrent *self,
                   WriteData    *wd)
{
  g_autofree const char **ips = g_new0 (const char *, MAX (wd->sources->len, 1));

  for (guint i = 0; i < wd->sources->len; i++)
    {
      ShoalSender *sender = wd->sources->pdata[i];

      ips[i] = sender != NULL ? sender->ip : NULL;
    }
  shoal_smart_ban_piece_failed (self->smart_ban, wd->piece, wd->data,
                                (const char * const *) ips, wd->sources->len);
}

/* Bans @ip: every connection from it is closed, and it may not connect
 * again (nor be dialled: see _shoal_torrent_connect_peers()). */
void
_shoal_torrent_ban_ip (ShoalTorrent *self,
                       const char   *ip)
{
  g_message ("Banning peer %s of “%s”: it sent corrupt data", ip, shoal_torrent_get_name (self));
  shoal_smart_ban_add (self->smart_ban, ip);
  for (guint i = 0; i < self->connections->len; i++)
    {
      ShoalPeerConnection *conn = self->connections->pdata[i];
      g_autofree char *cip = _shoal_torrent_conn_ip (conn);

      if (g_strcmp0 (cip, ip) == 0)
        {
          g_autoptr(GError) e = g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                             "Banned after sending corrupt data");

          shoal_peer_connection_close (conn, e);
          i = (guint) -1; /* the array changed: start over */
        }
    }
}

/* A piece that once failed passed: whoever sent a block that differs from
 * the good data is proven to have sent corrupt data. */
static void
convict_suspects (ShoalTorrent *self,
                  WriteData    *wd)
{
  g_autoptr(GPtrArray) guilty = shoal_smart_ban_piece_passed (self->smart_ban, wd->piece, wd->data);

  for (guint i = 0; i < guilty->len; i++)
    if (!shoal_smart_ban_is_banned (self->smart_ban, guilty->pdata[i]))
      _shoal_torrent_ban_ip (self, guilty->pdata[i]);
}

static void
write_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  WriteData *wd = user_data;
  ShoalTorrent *self = wd->torrent;
  g_autoptr(GError) error = NULL;

  self->pending_write_bytes -= wd->size;
  self->n_writes--;
  _shoal_torrent_note_write_end (self, wd->piece);

  if (shoal_storage_write_piece_finish (SHOAL_STORAGE (source), result, &error))
    {
      if (_shoal_torrent_is_active (self))
        {
          convict_suspects (self, wd);
          _shoal_torrent_verify_piece_passed (self, wd->piece, wd->data);
          _shoal_torrent_piece_verified (self, wd->piece);
        }
    }
  else
    {
      /* Who sent what is in wd->sources, which outlives the connections
       * (the picker's contributors are only ids). */
      shoal_piece_picker_piece_failed (self->picker, wd->piece, NULL, NULL);
      if (g_error_matches (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_HASH_MISMATCH))
        {
          /* v2 hashes convict exactly; v1 strikes every sender. */
          if (!_shoal_torrent_verify_piece_failed (self, wd->piece, wd->data, wd->sources))
            remember_suspects (self, wd);
          blame_senders (self, wd);
        }
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && _shoal_torrent_is_active (self))
        _shoal_torrent_set_error (self, error);
    }

  if (_shoal_torrent_is_active (self))
    _shoal_torrent_fill_all_requests (self);
  if (self->state != SHOAL_TORRENT_STATE_DOWNLOADING)
    trim_buffer_cache (self);
  g_object_unref (wd->torrent);
  g_bytes_unref (wd->data);
  g_ptr_array_unref (wd->sources);
  g_free (wd);
}

/* Piece buffers
 *
 * A piece's blocks are gathered in a buffer of the piece's size, which a
 * disk thread hashes and writes, then drops. Each new buffer came back from
 * malloc as untouched pages, and copying the blocks in faulted every page:
 * 17 % of the CPU of a 1 GiB download. Buffers of the torrent's piece
 * length are kept for the next pieces instead, up to 64: a buffer is only
 * allocated when none is kept, so this never raises the peak memory, only
 * holds it until the torrent stops downloading, when they are freed. */
#define MAX_CACHED_BUFFERS 64

struct _ShoalBufferCache
{
  GMutex   mutex;
  gsize    size;
  gboolean enabled;
  guint    n;
  guint8  *items[MAX_CACHED_BUFFERS];
};
typedef struct _ShoalBufferCache ShoalBufferCache;

typedef struct
{
  ShoalBufferCache *cache;
  guint8           *data;
} BufferLease;

static void
buffer_cache_clear (gpointer data)
{
  ShoalBufferCache *cache = data;

  for (guint i = 0; i < cache->n; i++)
    g_aligned_free (cache->items[i]);
  g_mutex_clear (&cache->mutex);
}

/* Called in whichever thread drops the piece's last reference. */
static void
buffer_lease_return (gpointer data)
{
  BufferLease *lease = data;
  ShoalBufferCache *cache = lease->cache;

  g_mutex_lock (&cache->mutex);
  if (cache->enabled && cache->n < MAX_CACHED_BUFFERS)
    {
      cache->items[cache->n++] = lease->data;
      lease->data = NULL;
    }
  g_mutex_unlock (&cache->mutex);
  g_aligned_free (lease->data);
  g_atomic_rc_box_release_full (cache, buffer_cache_clear);
  g_free (lease);
}

static guint8 *
take_piece_buffer (ShoalTorrent *self,
                   gsize         size)
{
  ShoalBufferCache *cache = self->buffer_cache;
  guint8 *data = NULL;

  if (cache == NULL && size == shoal_metainfo_get_piece_length (self->info))
    {
      cache = self->buffer_cache = g_atomic_rc_box_new0 (ShoalBufferCache);
      g_mutex_init (&cache->mutex);
      cache->size = size;
    }
  if (cache != NULL && size == cache->size)
    {
      g_mutex_lock (&cache->mutex);
      cache->enabled = TRUE;
      if (cache->n > 0)
        data = cache->items[--cache->n];
      g_mutex_unlock (&cache->mutex);
    }
  return data != NULL ? data : shoal_storage_alloc_buffer (size);
}

/* The whole piece, for the disk pool; its buffer comes back when done. */
static GBytes *
piece_buffer_to_bytes (ShoalTorrent *self,
                       guint8       *data,
                       gsize         size)
{
  BufferLease *lease;

  if (self->buffer_cache == NULL || size != self->buffer_cache->size)
    return g_bytes_new_with_free_func (data, size, g_aligned_free, data);
  lease = g_new (BufferLease, 1);
  lease->cache = g_atomic_rc_box_acquire (self->buffer_cache);
  lease->data = data;
  return g_bytes_new_with_free_func (data, size, buffer_lease_return, lease);
}

/* Frees the buffers kept; those still out are freed when they return. */
static void
trim_buffer_cache (ShoalTorrent *self)
{
  ShoalBufferCache *cache = self->buffer_cache;
  guint8 *items[MAX_CACHED_BUFFERS];
  guint n;

  if (cache == NULL)
    return;
  g_mutex_lock (&cache->mutex);
  cache->enabled = FALSE;
  n = cache->n;
  memcpy (items, cache->items, n * sizeof items[0]);
  cache->n = 0;
  g_mutex_unlock (&cache->mutex);
  for (guint i = 0; i < n; i++)
    g_aligned_free (items[i]);
}

void
_shoal_torrent_free_buffer_cache (ShoalTorrent *self)
{
  trim_buffer_cache (self);
  if (self->buffer_cache != NULL)
    g_atomic_rc_box_release_full (g_steal_pointer (&self->buffer_cache), buffer_cache_clear);
}

/* Tells the picker @b arrived from @sender, and cancels it at the other
 * peers it was asked from. Returns TRUE if that completes its piece. */
static gboolean
receive_block (ShoalTorrent     *self,
               ShoalSender      *sender,
               const ShoalBlock *b)
{
  gpointer *others = NULL;
  guint n_others = 0;
  gboolean complete;

  complete = shoal_piece_picker_block_received (self->picker, b, sender->id, &others, &n_others);
  for (guint i = 0; i < n_others; i++)
    {
      ShoalPeerConnection *other = _shoal_torrent_find_connection (self, others[i]);
      ShoalPeerState *ops;
      gint oidx;

      if (other == NULL)
        continue;
      ops = _shoal_torrent_peer_state (other);
      oidx = find_request (ops, b);
      if (oidx >= 0)
        g_array_remove_index_fast (ops->requests, (guint) oidx);
      shoal_peer_connection_send_cancel (other, b->piece, b->begin, b->length);
    }
  g_free (others);
  return complete;
}

/* A block from a peer or a web seed (@sender). Returns FALSE if it was not
 * wanted. */
static gboolean
accept_block (ShoalTorrent     *self,
              ShoalSender      *sender,
              const ShoalBlock *b,
              const guint8     *data)
{
  ShoalPieceBuffer *buf;
  gint64 now = g_get_monotonic_time ();
  gboolean complete;
  guint index = b->begin / SHOAL_PIECE_PICKER_BLOCK_SIZE;

  if (data != padding_zeros)
    {
      self->downloaded += b->length;
      self->session_downloaded += b->length;
      shoal_rate_add (&self->down_rate, now, b->length);
    }

  /* A late block of a piece that failed its check (and was reset) is not
   * wanted any more: it must not overwrite fresh data. */
  if (self->state != SHOAL_TORRENT_STATE_DOWNLOADING || !shoal_piece_picker_is_block_wanted (self->picker, b))
    return FALSE;

  /* v2: a block whose merkle leaf is known is checked and written alone. */
  if (_shoal_torrent_stream_block (self, sender, b, data))
    {
      if (receive_block (self, sender, b))
        _shoal_torrent_stream_piece_received (self, b->piece);
      return TRUE;
    }
  _shoal_torrent_verify_block (self, sender, b, data);

  buf = g_hash_table_lookup (self->buffers, GUINT_TO_POINTER (b->piece));
  if (buf == NULL)
    {
      guint n_blocks;

      buf = g_new0 (ShoalPieceBuffer, 1);
      buf->piece = b->piece;
      buf->size = shoal_metainfo_get_piece_size (self->info, b->piece);
      buf->data = take_piece_buffer (self, buf->size);
      n_blocks = (guint) ((buf->size + SHOAL_PIECE_PICKER_BLOCK_SIZE - 1) / SHOAL_PIECE_PICKER_BLOCK_SIZE);
      buf->sources = g_ptr_array_new_full (n_blocks, sender_unref);
      g_ptr_array_set_size (buf->sources, n_blocks);
      g_hash_table_insert (self->buffers, GUINT_TO_POINTER (b->piece), buf);
    }
  /* The decoder (or the web seed) checked the block against the piece. */
  g_assert ((guint64) b->begin + b->length <= buf->size);
  g_assert (index < buf->sources->len);
  memcpy (buf->data + b->begin, data, b->length);
  sender_unref (buf->sources->pdata[index]);
  buf->sources->pdata[index] = g_rc_box_acquire (sender);

  complete = receive_block (self, sender, b);

  if (complete)
    {
      WriteData *wd = g_new0 (WriteData, 1);
      g_autoptr(GBytes) bytes = NULL;

      g_hash_table_steal (self->buffers, GUINT_TO_POINTER (b->piece));
      bytes = piece_buffer_to_bytes (self, buf->data, buf->size);
      wd->torrent = g_object_ref (self);
      wd->piece = b->piece;
      wd->size = buf->size;
      wd->data = g_bytes_ref (bytes);
      wd->sources = g_steal_pointer (&buf->sources);
      self->pending_write_bytes += buf->size;
      self->n_writes++;
      g_free (buf);
      _shoal_torrent_note_write_start (self, b->piece);
      shoal_storage_write_piece_async (self->storage, b->piece, bytes, self->cancellable, write_done_cb, wd);
    }
  return TRUE;
}

static void
handle_block (ShoalTorrent               *self,
              ShoalPeerState             *ps,
              const ShoalPeerWireMessage *msg)
{
  ShoalBlock b = { msg->index, msg->begin, (guint) msg->payload_len };
  gint idx = find_request (ps, &b);

  if (idx < 0)
    {
      /* Not asked for (or cancelled in the end game): drop it. */
      return;
    }
  g_array_remove_index_fast (ps->requests, (guint) idx);
  ps->last_piece_us = g_get_monotonic_time ();
  ps->downloaded += b.length;
  accept_block (self, ps->sender, &b, msg->payload);
}

/* Web seeds (BEP 19) */

static guint
web_seed_pick (gpointer    owner,
               gpointer    web_seed,
               guint       max,
               ShoalBlock *out)
{
  ShoalTorrent *self = owner;
  g_autofree ShoalPartialPiece *partials = NULL;
  guint n_partial = 0;
  guint per_piece;
  guint n = 0;

  if (self->state != SHOAL_TORRENT_STATE_DOWNLOADING ||
      self->pending_write_bytes > SHOAL_TORRENT_MAX_PENDING_WRITES)
    return 0;
  /* A web seed asks for many blocks in one HTTP request: let it open the
   * pieces they take on top of what the peers may have in progress (the
   * memory bound on partial pieces still holds). A web seed has every
   * piece. */
  per_piece = MAX (shoal_piece_picker_get_n_blocks (self->picker, 0), 1);
  partials = shoal_piece_picker_get_partial_pieces (self->picker, &n_partial);
  shoal_piece_picker_set_max_partial (self->picker,
                                      MAX (shoal_piece_picker_get_max_partial (self->picker), n_partial) +
                                      (max + per_piece - 1) / per_piece);
  shoal_piece_picker_pick (self->picker, NULL, web_seed_sender (web_seed)->id, max, out, &n);
  shoal_piece_picker_set_max_partial (self->picker, 0);
  return n;
}

static gboolean
web_seed_block (gpointer          owner,
                gpointer          web_seed,
                const ShoalBlock *block,
                const guint8     *data)
{
  return accept_block (owner, web_seed_sender (web_seed), block, data);
}

static void
web_seed_release (gpointer          owner,
                  gpointer          web_seed,
                  const ShoalBlock *block)
{
  ShoalTorrent *self = owner;

  shoal_piece_picker_block_cancelled (self->picker, block, web_seed_sender (web_seed)->id);
}

static const ShoalWebSeedHooks web_seed_hooks = {
  web_seed_pick,
  web_seed_block,
  web_seed_release,
};

/* Starts the torrent's web seeds (while downloading). */
void
_shoal_torrent_start_web_seeds (ShoalTorrent *self)
{
  const char * const *lists[2] = {
    shoal_metainfo_get_web_seeds (self->info),
    /* A magnet link's ws= too, once the metadata says what the files are. */
    self->magnet ? shoal_magnet_get_web_seeds (self->magnet) : NULL,
  };

  if (self->info == NULL)
    return;
  _shoal_torrent_wake (self);
  if (self->web_seeds->len == 0)
    for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
      for (guint i = 0; lists[l] != NULL && lists[l][i] != NULL; i++)
        {
          ShoalWebSeed *ws;
          gboolean dup = FALSE;

          for (guint j = 0; j < self->web_seeds->len; j++)
            dup |= g_strcmp0 (shoal_web_seed_get_url (self->web_seeds->pdata[j]), lists[l][i]) == 0;
          if (dup)
            continue;
          ws = shoal_web_seed_new (SHOAL_TORRENT_ASK (self, get_soup), self->info,
                                   lists[l][i], &web_seed_hooks, self);
          shoal_web_seed_set_timing (ws, SHOAL_TORRENT_ASK (self, get_test_hooks)->web_seed_retry_ms,
                                     SHOAL_TORRENT_ASK (self, get_test_hooks)->web_seed_stall_ms);
          g_object_set_data_full (G_OBJECT (ws), "shoal-sender", sender_new (self, NULL), sender_unref);
          g_ptr_array_add (self->web_seeds, ws);
        }
  for (guint i = 0; i < self->web_seeds->len; i++)
    {
      ShoalWebSeed *ws = self->web_seeds->pdata[i];
      guint pos;

      shoal_web_seed_start (ws);
      if (!g_list_store_find (self->peers, shoal_web_seed_get_peer (ws), &pos))
        g_list_store_append (self->peers, shoal_web_seed_get_peer (ws));
    }
}

void
_shoal_torrent_stop_web_seeds (ShoalTorrent *self)
{
  for (guint i = 0; i < self->web_seeds->len; i++)
    {
      ShoalWebSeed *ws = self->web_seeds->pdata[i];
      guint pos;

      shoal_web_seed_stop (ws);
      shoal_piece_picker_peer_gone (self->picker, web_seed_sender (ws)->id);
      if (g_list_store_find (self->peers, shoal_web_seed_get_peer (ws), &pos))
        g_list_store_remove (self->peers, pos);
    }
}

static ShoalWebSeed *
find_web_seed (ShoalTorrent *self,
               gpointer      id)
{
  for (guint i = 0; i < self->web_seeds->len; i++)
    if (web_seed_sender (self->web_seeds->pdata[i])->id == id)
      return self->web_seeds->pdata[i];
  return NULL;
}

/* Connection callbacks */

static gboolean
conn_lookup (gpointer             owner,
             ShoalPeerConnection *conn,
             const guint8         info_hash[20],
             GError             **error)
{
  /* Only the session looks up incoming connections. */
  return FALSE;
}

static ShoalPeerFlags
peer_flags (ShoalPeerState *ps)
{
  ShoalPeerConnection *c = ps->conn;
  ShoalPeerFlags flags = ps->source;

  if (shoal_peer_connection_is_incoming (c))
    flags |= SHOAL_PEER_FLAG_INCOMING;
  if (shoal_peer_connection_is_encrypted (c))
    flags |= SHOAL_PEER_FLAG_ENCRYPTED;
  if (shoal_peer_connection_get_transport_kind (c) == SHOAL_TRANSPORT_UTP)
    flags |= SHOAL_PEER_FLAG_UTP;
  if (shoal_peer_connection_am_choking (c))
    flags |= SHOAL_PEER_FLAG_AM_CHOKING;
  if (shoal_peer_connection_am_interested (c))
    flags |= SHOAL_PEER_FLAG_AM_INTERESTED;
  if (shoal_peer_connection_peer_choking (c))
    flags |= SHOAL_PEER_FLAG_PEER_CHOKING;
  if (shoal_peer_connection_peer_interested (c))
    flags |= SHOAL_PEER_FLAG_PEER_INTERESTED;
  if (ps->optimistic)
    flags |= SHOAL_PEER_FLAG_OPTIMISTIC;
  if (shoal_peer_connection_peer_has_all (c))
    flags |= SHOAL_PEER_FLAG_SEED;
  if (ps->requests->len > 0 && ps->last_piece_us != 0 &&
      g_get_monotonic_time () - ps->last_piece_us > 60 * G_USEC_PER_SEC)
    flags |= SHOAL_PEER_FLAG_SNUBBED;
  return flags;
}

static void
update_peer_snapshot (ShoalPeerState *ps,
                      gint64          now)
{
  ShoalBitfield *has = shoal_peer_connection_get_peer_bitfield (ps->conn);
  guint n = shoal_bitfield_get_size (has);
  double progress = n ? (double) shoal_bitfield_count (has) / n : 0;

  _shoal_peer_update (ps->peer, shoal_peer_connection_get_client (ps->conn), peer_flags (ps), progress,
                      shoal_rate_get (shoal_peer_connection_get_down_rate (ps->conn), now),
                      shoal_rate_get (shoal_peer_connection_get_up_rate (ps->conn), now),
                      ps->downloaded, ps->uploaded);
}

static void
conn_ready (gpointer             owner,
            ShoalPeerConnection *conn)
{
  ShoalTorrent *self = owner;
  ShoalPeerState *ps = _shoal_torrent_peer_state (conn);

  ps->peer = _shoal_peer_new (shoal_peer_connection_get_address (conn), ps->source);
  update_peer_snapshot (ps, g_get_monotonic_time ());
  g_list_store_append (self->peers, ps->peer);

  if (shoal_peer_connection_get_features (conn) & SHOAL_PEER_WIRE_FEATURE_EXTENSION)
    _shoal_torrent_send_extension_handshake (self, conn);
  if ((shoal_peer_connection_get_features (conn) & SHOAL_PEER_WIRE_FEATURE_DHT) &&
      SHOAL_TORRENT_ASK (self, get_dht) != NULL &&
      (self->info == NULL || !shoal_metainfo_is_private (self->info)))
    {
      g_autoptr(GByteArray) port = g_byte_array_new ();

      shoal_peer_wire_encode_port (port, SHOAL_TORRENT_ASK (self, get_dht_announce_port));
      shoal_peer_connection_send_raw (conn, port);
    }
  if (self->picker != NULL)
    shoal_peer_connection_send_bitfield (conn, shoal_piece_picker_get_have (self->picker));
  else
    {
      g_autoptr(ShoalBitfield) none = shoal_bitfield_new (0);

      shoal_peer_connection_send_bitfield (conn, none);
    }
}

/* A have-all or have-none (or a seed's first lt_donthave) costs a walk
 * over every piece for 5 bytes: a peer may send a few (aria2 sends both
 * at the start), but one sending them in a loop would have us walk
 * 100,000 pieces for every few bytes it sends. Up to 16 at once, then
 * one a second. */
#define PIECE_SET_BURST 16.0

gboolean
_shoal_torrent_take_piece_set (ShoalPeerState *ps)
{
  gint64 now = g_get_monotonic_time ();

  if (ps->piece_set_refill_us == 0)
    ps->piece_set_tokens = PIECE_SET_BURST;
  else
    ps->piece_set_tokens = MIN (PIECE_SET_BURST, ps->piece_set_tokens +
                                (double) (now - ps->piece_set_refill_us) / G_USEC_PER_SEC);
  ps->piece_set_refill_us = now;
  if (ps->piece_set_tokens < 1.0)
    {
      g_autoptr(GError) error = g_error_new (SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_REQUEST,
                                             "Peer resends what it has too often");

      shoal_peer_connection_close (ps->conn, error);
      return FALSE;
    }
  ps->piece_set_tokens -= 1.0;
  return TRUE;
}

static void
conn_message (gpointer                    owner,
              ShoalPeerConnection        *conn,
              const ShoalPeerWireMessage *msg)
{
  ShoalTorrent *self = owner;
  ShoalPeerState *ps = _shoal_torrent_peer_state (conn);

  switch (msg->type)
    {
    case SHOAL_PEER_WIRE_HAVE:
      if (self->picker == NULL)
        break;
      /* A peer with nothing may send no bitfield before its first have. */
      if (shoal_piece_picker_knows_peer (self->picker, _shoal_torrent_sender_id (ps)))
        shoal_piece_picker_peer_have (self->picker, _shoal_torrent_sender_id (ps), msg->index);
      else
        count_peer (self, ps);
      if (!shoal_peer_connection_am_interested (conn))
        update_interest (self, ps);
      fill_requests (ps);
      break;

    case SHOAL_PEER_WIRE_BITFIELD:
    case SHOAL_PEER_WIRE_HAVE_ALL:
    case SHOAL_PEER_WIRE_HAVE_NONE:
      /* A bitfield's walk is paid by its own bytes (aria2 resends its
       * bitfield as it goes); have-all and have-none are 5 bytes. */
      if (msg->type != SHOAL_PEER_WIRE_BITFIELD && !_shoal_torrent_take_piece_set (ps))
        return;
      count_peer (self, ps);
      if (self->state == SHOAL_TORRENT_STATE_SEEDING && shoal_peer_connection_peer_has_all (conn) &&
          shoal_bitfield_is_full (shoal_piece_picker_get_have (self->picker)))
        {
          g_autoptr(GError) e = g_error_new (G_IO_ERROR, G_IO_ERROR_CLOSED, "Both sides are seeds");

          shoal_peer_connection_close (conn, e);
          return;
        }
      update_interest (self, ps);
      fill_requests (ps);
      break;

    case SHOAL_PEER_WIRE_CHOKE:
      /* With the Fast extension the peer rejects what it will not serve;
       * without it, a choke drops every request. */
      if (!(shoal_peer_connection_get_features (conn) & SHOAL_PEER_WIRE_FEATURE_FAST))
        release_requests (self, ps);
      break;

    case SHOAL_PEER_WIRE_UNCHOKE:
      fill_requests (ps);
      break;

    case SHOAL_PEER_WIRE_INTERESTED:
      if (_shoal_torrent_count_unchoked (self) < SHOAL_TORRENT_UNCHOKE_SLOTS)
        _shoal_torrent_choke (self, FALSE);
      break;

    case SHOAL_PEER_WIRE_NOT_INTERESTED:
      if (!shoal_peer_connection_am_choking (conn))
        {
          shoal_peer_connection_set_choking (conn, TRUE);
          _shoal_torrent_drop_uploads (ps);
          _shoal_torrent_choke (self, FALSE);
        }
      break;

    case SHOAL_PEER_WIRE_REQUEST:
      _shoal_torrent_handle_request (self, ps, msg);
      break;

    case SHOAL_PEER_WIRE_PIECE:
      handle_block (self, ps, msg);
      if (shoal_peer_connection_get_state (conn) == SHOAL_PEER_CONNECTION_ACTIVE)
        fill_requests (ps);
      break;

    case SHOAL_PEER_WIRE_CANCEL:
      _shoal_torrent_handle_cancel (ps, msg);
      break;

    case SHOAL_PEER_WIRE_REJECT:
      {
        ShoalBlock b = { msg->index, msg->begin, msg->length };
        gint idx = find_request (ps, &b);

        if (idx >= 0)
          {
            g_array_remove_index_fast (ps->requests, (guint) idx);
            shoal_piece_picker_request_rejected (self->picker, &b, _shoal_torrent_sender_id (ps));
          }
      }
      break;

    case SHOAL_PEER_WIRE_EXTENDED:
      _shoal_torrent_handle_extended (self, ps, msg);
      break;

    case SHOAL_PEER_WIRE_HASH_REQUEST:
    case SHOAL_PEER_WIRE_HASHES:
    case SHOAL_PEER_WIRE_HASH_REJECT:
      _shoal_torrent_v2_handle_message (self, ps, msg);
      break;

    case SHOAL_PEER_WIRE_PORT:
      /* The peer runs a DHT node: a good one to know. */
      if (msg->port != 0 && SHOAL_TORRENT_ASK (self, get_dht) != NULL &&
          shoal_peer_connection_get_remote (conn) != NULL)
        {
          g_autoptr(GSocketAddress) node =
            g_inet_socket_address_new (g_inet_socket_address_get_address (shoal_peer_connection_get_remote (conn)),
                                       msg->port);

          shoal_dht_add_node (SHOAL_TORRENT_ASK (self, get_dht), node);
        }
      break;

    case SHOAL_PEER_WIRE_SUGGEST:
    case SHOAL_PEER_WIRE_ALLOWED_FAST:
    case SHOAL_PEER_WIRE_KEEP_ALIVE:
    default:
      break;
    }
}

/* Whether a peer we dialed over one transport and lost before its
 * handshake gets one try over the other (uTP preferred, BEP 29). */
static gboolean
transport_fallback (ShoalTorrent        *self,
                    ShoalPeerCandidate  *c,
                    ShoalPeerConnection *conn)
{
  if (SHOAL_TORRENT_ASK (self, get_utp_mode) != SHOAL_UTP_MODE_PREFER || SHOAL_TORRENT_ASK (self, get_utp) == NULL ||
      shoal_peer_connection_failed_in_mse (conn))
    return FALSE;
  if (shoal_peer_connection_get_transport_kind (conn) == SHOAL_TRANSPORT_UTP)
    {
      if (c->utp_failed)
        return FALSE;
      c->utp_failed = TRUE;
      if (c->tcp_failed)
        return FALSE;
      g_debug ("Peer %s: no uTP, trying TCP", c->key);
      return TRUE;
    }
  if (c->tcp_failed)
    return FALSE;
  c->tcp_failed = TRUE;
  if (c->utp_failed)
    return FALSE;
  g_debug ("Peer %s: no TCP, trying uTP", c->key);
  return TRUE;
}

static void
conn_closed (gpointer             owner,
             ShoalPeerConnection *conn,
             const GError        *error)
{
  ShoalTorrent *self = owner;
  ShoalPeerState *ps = _shoal_torrent_peer_state (conn);
  g_autofree char *key = g_strdup (shoal_peer_connection_get_address (conn));
  ShoalPeerCandidate *c = shoal_peer_candidates_lookup (self->candidates, key);
  gboolean was_unchoked = !shoal_peer_connection_am_choking (conn);
  guint pos;

  if (ps != NULL)
    {
      release_requests (self, ps);
      _shoal_torrent_drop_uploads (ps);
      if (ps->peer != NULL && g_list_store_find (self->peers, ps->peer, &pos))
        g_list_store_remove (self->peers, pos);
    }
  if (self->picker != NULL && ps != NULL)
    {
      shoal_piece_picker_peer_remove (self->picker, _shoal_torrent_sender_id (ps));
      shoal_piece_picker_peer_gone (self->picker, _shoal_torrent_sender_id (ps));
    }
  if (self->metadata_fetch != NULL && ps != NULL)
    shoal_metadata_fetch_remove_peer (self->metadata_fetch, _shoal_torrent_sender_id (ps));

  if (c != NULL && !shoal_peer_connection_is_incoming (conn) && (ps == NULL || ps->peer == NULL) &&
      transport_fallback (self, c, conn))
    {
      /* Failed before the handshake over one transport: the other next. */
      c->connected = FALSE;
      c->retry_after_us = 0;
    }
  else if (c != NULL && shoal_peer_connection_failed_in_mse (conn) &&
      SHOAL_TORRENT_ASK (self, get_encryption_policy) == SHOAL_ENCRYPTION_PREFER)
    {
      /* It may not speak the obfuscated handshake: try plaintext next. */
      c->connected = FALSE;
      c->plaintext_only = TRUE;
      c->retry_after_us = 0;
    }
  else if (c != NULL)
    {
      /* A hang-up carries no error: say why this peer gets no plaintext
       * retry, or a refused peer leaves no trace in the log. */
      if (shoal_peer_connection_failed_in_mse (conn) &&
          SHOAL_TORRENT_ASK (self, get_encryption_policy) == SHOAL_ENCRYPTION_REQUIRE)
        g_debug ("Peer %s: no encrypted handshake, and encryption is required: not retrying in plaintext",
                 shoal_peer_connection_get_address (conn));
      c->connected = FALSE;
      /* A peer that hangs up before the handshake is done (or is us) is as
       * good as one that refused: back off. Closing because both sides are
       * seeds (G_IO_ERROR_CLOSED) is no fault of the peer, and we may need
       * it again soon: after a verify finds damage, or a file is wanted. */
      if ((error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED)) ||
          ps == NULL || ps->peer == NULL)
        shoal_peer_candidates_failed (self->candidates, c, g_get_monotonic_time ());
    }

  /* Removing unrefs the connection; it holds a reference while it calls us. */
  g_ptr_array_remove_fast (self->connections, conn);
  _shoal_torrent_count_connections (self);

  if (_shoal_torrent_is_active (self))
    {
      if (was_unchoked)
        _shoal_torrent_choke (self, FALSE);
      _shoal_torrent_fill_all_requests (self);
    }
}

static void
conn_writable (gpointer             owner,
               ShoalPeerConnection *conn)
{
  _shoal_torrent_pump_uploads (_shoal_torrent_peer_state (conn));
}

static const ShoalPeerConnectionHandler torrent_handler = {
  conn_lookup,
  conn_ready,
  conn_message,
  conn_closed,
  conn_writable,
};

/* Makes @conn one of ours: its state, handler and limits. */
void
_shoal_torrent_attach_connection (ShoalTorrent        *self,
                                  ShoalPeerConnection *conn,
                                  ShoalPeerFlags       source)
{
  ShoalPeerState *ps = g_new0 (ShoalPeerState, 1);
  g_autofree char *ip = _shoal_torrent_conn_ip (conn);
  ShoalRateLimit *down[] = { &self->down_limit, SHOAL_TORRENT_ASK (self, get_down_limit) };
  ShoalRateLimit *up[] = { &self->up_limit, SHOAL_TORRENT_ASK (self, get_up_limit) };

  ps->torrent = self;
  ps->conn = conn;
  ps->source = source;
  ps->requests = g_array_new (FALSE, FALSE, sizeof (ShoalOutRequest));
  ps->metadata_size = -1;
  ps->sender = sender_new (self, ip);
  shoal_ut_metadata_rate_limit_init (&ps->metadata_limit, SHOAL_UT_METADATA_DEFAULT_RATE);
  g_queue_init (&ps->uploads);
  shoal_peer_connection_set_owner_data (conn, ps, peer_state_free);
  shoal_peer_connection_set_handler (conn, &torrent_handler, self);
  if (self->info != NULL)
    shoal_peer_connection_set_n_pieces (conn, shoal_metainfo_get_n_pieces (self->info));
  shoal_peer_connection_set_limits (conn, down, up);
  shoal_peer_connection_set_peer_limits (conn, SHOAL_TORRENT_ASK (self, get_peer_limits));
  g_ptr_array_add (self->connections, g_object_ref (conn));
  _shoal_torrent_count_connections (self);
}

void
_shoal_torrent_broadcast_have (ShoalTorrent *self,
                               guint         piece)
{
  for (guint i = 0; i < self->connections->len; i++)
    {
      ShoalPeerConnection *c = self->connections->pdata[i];

      if (shoal_peer_connection_get_state (c) != SHOAL_PEER_CONNECTION_ACTIVE)
        continue;
      if (!shoal_peer_connection_peer_has_all (c))
        shoal_peer_connection_send_have (c, piece);
      if (shoal_peer_connection_am_interested (c))
        update_interest (self, _shoal_torrent_peer_state (c));
    }
}

void
_shoal_torrent_peers_tick (ShoalTorrent *self,
                           gint64        now_us)
{
  g_autoptr(GPtrArray) conns = g_ptr_array_copy (self->connections, (GCopyFunc) (void (*) (void)) g_object_ref, NULL);

  g_ptr_array_set_free_func (conns, g_object_unref);
  for (guint i = 0; i < conns->len; i++)
    {
      ShoalPeerConnection *conn = conns->pdata[i];
      ShoalPeerState *ps = _shoal_torrent_peer_state (conn);

      shoal_peer_connection_tick (conn, now_us);
      if (shoal_peer_connection_get_state (conn) != SHOAL_PEER_CONNECTION_ACTIVE)
        continue;

      /* Requests that a peer sat on too long go to someone else. */
      for (guint r = 0; r < ps->requests->len; )
        {
          ShoalOutRequest *req = &g_array_index (ps->requests, ShoalOutRequest, r);

          if (now_us - req->sent_us > SHOAL_TORRENT_REQUEST_TIMEOUT * G_USEC_PER_SEC)
            {
              shoal_piece_picker_request_timed_out (self->picker, &req->block, _shoal_torrent_sender_id (ps));
              shoal_peer_connection_send_cancel (conn, req->block.piece, req->block.begin, req->block.length);
              g_array_remove_index_fast (ps->requests, r);
            }
          else
            r++;
        }

      update_peer_snapshot (ps, now_us);
      _shoal_torrent_pump_uploads (ps);
      fill_requests (ps);
      _shoal_torrent_fill_metadata_requests (self, ps);
      _shoal_torrent_send_pex (self, ps, now_us);
    }

  for (guint i = 0; i < self->web_seeds->len; i++)
    shoal_web_seed_tick (self->web_seeds->pdata[i], now_us);
  _shoal_torrent_dht_tick (self, now_us);
}
