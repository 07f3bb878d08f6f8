/* shoal-ut-metadata-fetch.c: assembling a magnet link's metadata (BEP 9)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-hash.h"
#include "shoal-peer-wire.h"
#include "shoal-ut-metadata.h"

/* Fetching
 *
 * Peers are opaque pointers. Each advertised size gets its own candidate
 * with its own pieces, and a peer is only ever asked for, and credited
 * with, pieces of the candidate matching the size it advertised: a peer
 * lying about the size cannot stall or poison the peers telling the truth.
 * Pieces are credited to the peer that sent them; a peer that leaves takes
 * its pieces with it, so when an assembly fails verification every
 * contributor is still known and can be blamed.
 */

typedef enum
{
  PIECE_NEEDED,
  PIECE_REQUESTED,
  PIECE_RECEIVED,
} PieceState;

typedef struct
{
  PieceState state;
  gpointer   peer;      /* asked, or the sender once received */
  gint64     deadline;  /* requested: when another peer may have it */
} Piece;

typedef struct
{
  gint64   size;
  guint32  n_pieces;
  Piece   *pieces;
  guint8  *buffer;      /* allocated with the first piece received */
  guint32  n_received;
  guint    n_peers;
  /* After an assembly from several peers failed, nobody can be blamed:
   * the next one comes from a single peer, whose failure is its own. */
  gboolean solo;
  gpointer solo_peer;
  gint64   solo_deadline;
} Candidate;

typedef struct
{
  Candidate *candidate; /* NULL when banned or when no slot was free */
  gint64     backoff_until;
  gboolean   banned;
  char      *address;   /* its IP, when known: bans outlive the connection */
} PeerState;

struct _ShoalMetadataFetch
{
  guint8      hash_v1[SHOAL_SHA1_LEN];
  guint8      hash_v2[SHOAL_SHA256_LEN];
  gboolean    has_v1;
  gboolean    has_v2;
  GPtrArray  *candidates;
  GHashTable *peers;
  GHashTable *banned_addresses; /* set of IPs */
  GQueue      banned_order;     /* the same IPs, oldest ban first */
  GBytes     *info;
};

static void
peer_state_free (gpointer data)
{
  PeerState *ps = data;

  g_free (ps->address);
  g_free (ps);
}

/* Remembers that @address sent metadata that failed verification, so that
 * it gets no second assembly after reconnecting. The set is bounded: the
 * oldest ban goes first. */
static void
ban_address (ShoalMetadataFetch *self,
             const char         *address)
{
  char *copy;

  if (address == NULL || g_hash_table_contains (self->banned_addresses, address))
    return;
  if (g_queue_get_length (&self->banned_order) >= SHOAL_UT_METADATA_MAX_BANNED)
    g_hash_table_remove (self->banned_addresses, g_queue_pop_head (&self->banned_order));
  copy = g_strdup (address);
  g_hash_table_add (self->banned_addresses, copy);
  g_queue_push_tail (&self->banned_order, copy);
}

static void
candidate_free (gpointer data)
{
  Candidate *c = data;

  g_free (c->pieces);
  g_free (c->buffer);
  g_free (c);
}

static Candidate *
candidate_new (gint64 size)
{
  Candidate *c = g_new0 (Candidate, 1);

  c->size = size;
  c->n_pieces = shoal_ut_metadata_n_pieces (size);
  c->pieces = g_new0 (Piece, c->n_pieces);
  return c;
}

/* Forgets what @peer was asked for, and with @drop_received also what it
 * sent. */
static void
candidate_release_peer (Candidate *c,
                        gpointer   peer,
                        gboolean   drop_received)
{
  for (guint32 i = 0; i < c->n_pieces; i++)
    {
      Piece *p = &c->pieces[i];

      if (p->peer != peer)
        continue;
      if (p->state == PIECE_REQUESTED || (drop_received && p->state == PIECE_RECEIVED))
        {
          if (p->state == PIECE_RECEIVED)
            c->n_received--;
          p->state = PIECE_NEEDED;
          p->peer = NULL;
        }
    }
}

static void
fetch_remove_candidate (ShoalMetadataFetch *self,
                        Candidate          *c)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      PeerState *ps = value;

      if (ps->candidate == c)
        ps->candidate = NULL;
    }
  g_ptr_array_remove_fast (self->candidates, c);
}

static void
peer_detach (ShoalMetadataFetch *self,
             PeerState          *ps,
             gpointer            peer,
             gboolean            drop_received)
{
  Candidate *c = ps->candidate;

  if (c == NULL)
    return;
  candidate_release_peer (c, peer, drop_received);
  if (c->solo_peer == peer)
    c->solo_peer = NULL;
  ps->candidate = NULL;
  g_assert (c->n_peers > 0);
  c->n_peers--;
}

/**
 * shoal_metadata_fetch_new:
 * @info_hash_v1: (nullable) (array fixed-size=20): the SHA-1 info-hash
 * @info_hash_v2: (nullable) (array fixed-size=32): the SHA-256 info-hash of
 *   a v2 (btmh) link
 *
 * Creates the assembler for a magnet link's metadata. The assembled info
 * dictionary must hash to every info-hash given; at least one is needed.
 *
 * Returns: (transfer full): the assembler
 */
ShoalMetadataFetch *
shoal_metadata_fetch_new (const guint8 *info_hash_v1,
                          const guint8 *info_hash_v2)
{
  ShoalMetadataFetch *self;

  g_return_val_if_fail (info_hash_v1 != NULL || info_hash_v2 != NULL, NULL);

  self = g_new0 (ShoalMetadataFetch, 1);
  if (info_hash_v1 != NULL)
    {
      memcpy (self->hash_v1, info_hash_v1, SHOAL_SHA1_LEN);
      self->has_v1 = TRUE;
    }
  if (info_hash_v2 != NULL)
    {
      memcpy (self->hash_v2, info_hash_v2, SHOAL_SHA256_LEN);
      self->has_v2 = TRUE;
    }
  self->candidates = g_ptr_array_new_with_free_func (candidate_free);
  self->peers = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, peer_state_free);
  self->banned_addresses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->banned_order);
  return self;
}

/**
 * shoal_metadata_fetch_free:
 * @self: an assembler
 *
 * Frees @self and everything it holds.
 */
void
shoal_metadata_fetch_free (ShoalMetadataFetch *self)
{
  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->candidates, g_ptr_array_unref);
  g_clear_pointer (&self->peers, g_hash_table_unref);
  g_queue_clear (&self->banned_order);
  g_clear_pointer (&self->banned_addresses, g_hash_table_unref);
  g_clear_pointer (&self->info, g_bytes_unref);
  g_free (self);
}

static Candidate *
find_candidate (ShoalMetadataFetch *self,
                gint64              size)
{
  for (guint i = 0; i < self->candidates->len; i++)
    {
      Candidate *c = self->candidates->pdata[i];

      if (c->size == size)
        return c;
    }
  return NULL;
}

/* Makes room for one more size by dropping a candidate nobody backs any
 * more, the one with the least progress first. */
static gboolean
make_room (ShoalMetadataFetch *self)
{
  Candidate *victim = NULL;

  if (self->candidates->len < SHOAL_UT_METADATA_MAX_SIZES)
    return TRUE;
  for (guint i = 0; i < self->candidates->len; i++)
    {
      Candidate *c = self->candidates->pdata[i];

      if (c->n_peers == 0 && (victim == NULL || c->n_received < victim->n_received))
        victim = c;
    }
  if (victim == NULL)
    return FALSE;
  fetch_remove_candidate (self, victim);
  return TRUE;
}

static PeerState *
ensure_peer (ShoalMetadataFetch *self,
             gpointer            peer)
{
  PeerState *ps = g_hash_table_lookup (self->peers, peer);

  if (ps == NULL)
    {
      ps = g_new0 (PeerState, 1);
      g_hash_table_insert (self->peers, peer, ps);
    }
  return ps;
}

/**
 * shoal_metadata_fetch_set_peer_address:
 * @self: an assembler
 * @peer: the peer, any pointer that identifies it
 * @address: its IP address, as text
 * @error: return location for a #SHOAL_UT_METADATA_ERROR
 *
 * Tells the assembler where @peer connects from, before its size is set.
 * A peer whose pieces made up metadata that failed verification is banned
 * by address (up to %SHOAL_UT_METADATA_MAX_BANNED addresses, the oldest
 * forgotten first): the same host reconnecting is not asked again.
 *
 * Returns: %FALSE (with %SHOAL_UT_METADATA_ERROR_BANNED_PEER) if @address is
 *   banned
 */
gboolean
shoal_metadata_fetch_set_peer_address (ShoalMetadataFetch  *self,
                                       gpointer             peer,
                                       const char          *address,
                                       GError             **error)
{
  PeerState *ps;

  g_return_val_if_fail (self != NULL && address != NULL, FALSE);

  ps = ensure_peer (self, peer);
  g_free (ps->address);
  ps->address = g_strdup (address);
  if (g_hash_table_contains (self->banned_addresses, address))
    {
      peer_detach (self, ps, peer, TRUE);
      ps->banned = TRUE;
    }
  if (ps->banned)
    {
      g_set_error (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_BANNED_PEER,
                   "The peer at %s sent metadata that failed verification", address);
      return FALSE;
    }
  return TRUE;
}

/**
 * shoal_metadata_fetch_set_size:
 * @self: an assembler
 * @peer: the peer, any pointer that identifies it
 * @size: the `metadata_size` of its extension handshake
 * @error: return location for a #SHOAL_UT_METADATA_ERROR
 *
 * Records that @peer has the metadata and how big it says it is. Each
 * distinct size is fetched on its own (up to
 * %SHOAL_UT_METADATA_MAX_SIZES at once), from the peers that advertised
 * it; a peer that announces a new size moves over and loses what it was
 * asked for. Fails for sizes out of range, banned peers, and when too many
 * sizes are in play; the peer is then simply not asked.
 *
 * Returns: %TRUE if @peer may now be asked for pieces
 */
gboolean
shoal_metadata_fetch_set_size (ShoalMetadataFetch  *self,
                               gpointer             peer,
                               gint64               size,
                               GError             **error)
{
  PeerState *ps;
  Candidate *c;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->info != NULL)
    return FALSE;
  if (size <= 0 || size > SHOAL_PEER_WIRE_MAX_METADATA_SIZE)
    {
      g_set_error (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_BAD_SIZE,
                   "Metadata size %" G_GINT64_FORMAT " is out of range (limit %d bytes)",
                   size, SHOAL_PEER_WIRE_MAX_METADATA_SIZE);
      return FALSE;
    }

  ps = ensure_peer (self, peer);
  if (ps->banned)
    {
      g_set_error_literal (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_BANNED_PEER,
                           "The peer sent metadata that failed verification");
      return FALSE;
    }
  if (ps->candidate != NULL && ps->candidate->size == size)
    return TRUE;
  peer_detach (self, ps, peer, TRUE);

  c = find_candidate (self, size);
  if (c == NULL)
    {
      if (!make_room (self))
        {
          g_set_error (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_TOO_MANY_SIZES,
                       "Peers advertise more than %u different metadata sizes",
                       SHOAL_UT_METADATA_MAX_SIZES);
          return FALSE;
        }
      c = candidate_new (size);
      g_ptr_array_add (self->candidates, c);
    }
  ps->candidate = c;
  c->n_peers++;
  return TRUE;
}

/**
 * shoal_metadata_fetch_remove_peer:
 * @self: an assembler
 * @peer: a peer that went away
 *
 * Forgets @peer: its requests go to others, and the pieces it sent are
 * dropped (they could not be blamed on it later). Call this before the
 * pointer is freed or reused.
 */
void
shoal_metadata_fetch_remove_peer (ShoalMetadataFetch *self,
                                  gpointer            peer)
{
  PeerState *ps;

  g_return_if_fail (self != NULL);

  ps = g_hash_table_lookup (self->peers, peer);
  if (ps == NULL)
    return;
  peer_detach (self, ps, peer, TRUE);
  g_hash_table_remove (self->peers, peer);
}

/**
 * shoal_metadata_fetch_next_request:
 * @self: an assembler
 * @peer: a peer whose size was set
 * @now: the monotonic time in µs
 * @piece: (out): the piece to request
 *
 * Picks a piece to ask @peer for: one nobody has been asked for, else one
 * whose request to another peer timed out, else one whose request to @peer
 * itself did. At most %SHOAL_UT_METADATA_MAX_PER_PEER requests are in
 * flight to a peer, and none to a peer that rejected one in the last
 * %SHOAL_UT_METADATA_REJECT_BACKOFF. Call it again until it returns
 * %FALSE, and again as answers arrive.
 *
 * Returns: %TRUE if @piece should be requested from @peer now
 */
gboolean
shoal_metadata_fetch_next_request (ShoalMetadataFetch *self,
                                   gpointer            peer,
                                   gint64              now,
                                   guint32            *piece)
{
  PeerState *ps;
  Candidate *c;
  guint in_flight = 0;
  gint64 needed = -1, stolen = -1, retried = -1;
  Piece *p;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (piece != NULL, FALSE);

  if (self->info != NULL)
    return FALSE;
  ps = g_hash_table_lookup (self->peers, peer);
  if (ps == NULL || ps->banned || ps->candidate == NULL || now < ps->backoff_until)
    return FALSE;
  c = ps->candidate;

  if (c->solo)
    {
      /* One source at a time; one that stalls gives way. */
      if (c->solo_peer == NULL || now > c->solo_deadline)
        {
          if (c->solo_peer != NULL && c->solo_peer != peer)
            candidate_release_peer (c, c->solo_peer, TRUE);
          c->solo_peer = peer;
          c->solo_deadline = now + 2 * SHOAL_UT_METADATA_REQUEST_TIMEOUT;
        }
      else if (c->solo_peer != peer)
        return FALSE;
    }

  for (guint32 i = 0; i < c->n_pieces; i++)
    {
      p = &c->pieces[i];
      if (p->state == PIECE_NEEDED)
        {
          if (needed < 0)
            needed = i;
        }
      else if (p->state == PIECE_REQUESTED)
        {
          if (p->deadline > now)
            {
              if (p->peer == peer)
                in_flight++;
            }
          else if (p->peer != peer && stolen < 0)
            stolen = i;
          else if (p->peer == peer && retried < 0)
            retried = i;
        }
    }
  if (in_flight >= SHOAL_UT_METADATA_MAX_PER_PEER)
    return FALSE;
  if (needed < 0)
    needed = stolen >= 0 ? stolen : retried;
  if (needed < 0)
    return FALSE;

  p = &c->pieces[needed];
  p->state = PIECE_REQUESTED;
  p->peer = peer;
  p->deadline = now + SHOAL_UT_METADATA_REQUEST_TIMEOUT;
  *piece = (guint32) needed;
  return TRUE;
}

/**
 * shoal_metadata_fetch_reject:
 * @self: an assembler
 * @peer: the peer that rejected a request
 * @piece: the piece it refused
 * @now: the monotonic time in µs
 *
 * Hands @piece to other peers and leaves @peer alone for
 * %SHOAL_UT_METADATA_REJECT_BACKOFF.
 */
void
shoal_metadata_fetch_reject (ShoalMetadataFetch *self,
                             gpointer            peer,
                             guint32             piece,
                             gint64              now)
{
  PeerState *ps;
  Piece *p;

  g_return_if_fail (self != NULL);

  ps = g_hash_table_lookup (self->peers, peer);
  if (ps == NULL || ps->candidate == NULL)
    return;
  ps->backoff_until = now + SHOAL_UT_METADATA_REJECT_BACKOFF;
  if (piece >= ps->candidate->n_pieces)
    return;
  p = &ps->candidate->pieces[piece];
  if (p->state == PIECE_REQUESTED && p->peer == peer)
    {
      p->state = PIECE_NEEDED;
      p->peer = NULL;
    }
}

static gboolean
verify (ShoalMetadataFetch *self,
        const guint8       *data,
        gsize               len)
{
  if (self->has_v1)
    {
      guint8 digest[SHOAL_SHA1_LEN];

      shoal_sha1 (data, len, digest);
      if (memcmp (digest, self->hash_v1, sizeof digest) != 0)
        return FALSE;
    }
  if (self->has_v2)
    {
      guint8 digest[SHOAL_SHA256_LEN];

      shoal_sha256 (data, len, digest);
      if (memcmp (digest, self->hash_v2, sizeof digest) != 0)
        return FALSE;
    }
  return TRUE;
}

/* The assembly of @c failed: bans every contributor, starts over, and
 * returns the contributors. */
static GPtrArray *
fail_candidate (ShoalMetadataFetch *self,
                Candidate          *c)
{
  GPtrArray *culprits = g_ptr_array_new ();

  for (guint32 i = 0; i < c->n_pieces; i++)
    {
      Piece *p = &c->pieces[i];

      if (p->state == PIECE_RECEIVED && !g_ptr_array_find (culprits, p->peer, NULL))
        g_ptr_array_add (culprits, p->peer);
    }
  if (culprits->len > 1)
    {
      /* One liar among honest peers: blame nobody yet, start over with a
       * single source at a time. */
      for (guint i = 0; i < culprits->len; i++)
        candidate_release_peer (c, culprits->pdata[i], TRUE);
      g_assert (c->n_received == 0);
      c->solo = TRUE;
      c->solo_peer = NULL;
      g_ptr_array_set_size (culprits, 0);
      return culprits;
    }
  if (c->solo_peer != NULL && culprits->len == 1 && c->solo_peer == culprits->pdata[0])
    c->solo_peer = NULL;
  for (guint i = 0; i < culprits->len; i++)
    {
      PeerState *ps = g_hash_table_lookup (self->peers, culprits->pdata[i]);

      g_assert (ps != NULL && ps->candidate == c);
      peer_detach (self, ps, culprits->pdata[i], TRUE);
      ps->banned = TRUE;
      ban_address (self, ps->address);
    }
  g_assert (c->n_received == 0);
  if (c->n_peers == 0)
    fetch_remove_candidate (self, c);
  return culprits;
}

/**
 * shoal_metadata_fetch_add_piece:
 * @self: an assembler
 * @peer: the sender
 * @message: a data message from shoal_ut_metadata_parse()
 * @bad_peers: (out) (optional) (transfer container): with
 *   %SHOAL_METADATA_FETCH_MISMATCH, the peers whose pieces made up the
 *   failed assembly
 * @error: return location for a #SHOAL_UT_METADATA_ERROR, set with
 *   %SHOAL_METADATA_FETCH_BAD_PEER and %SHOAL_METADATA_FETCH_MISMATCH
 *
 * Stores a piece @peer was asked for. When the last one arrives the whole
 * is hashed: if it matches, the info dictionary is available from
 * shoal_metadata_fetch_get_info(); if not, the contributors are banned from
 * this fetch, returned in @bad_peers, and their pieces fetched again from
 * the others.
 *
 * Returns: what became of the piece
 */
ShoalMetadataFetchResult
shoal_metadata_fetch_add_piece (ShoalMetadataFetch            *self,
                                gpointer                       peer,
                                const ShoalUtMetadataMessage  *message,
                                GPtrArray                    **bad_peers,
                                GError                       **error)
{
  PeerState *ps;
  Candidate *c;
  Piece *p;
  gsize expected;

  g_return_val_if_fail (self != NULL, SHOAL_METADATA_FETCH_IGNORED);
  g_return_val_if_fail (message != NULL, SHOAL_METADATA_FETCH_IGNORED);
  g_return_val_if_fail (message->type == SHOAL_UT_METADATA_DATA, SHOAL_METADATA_FETCH_IGNORED);

  if (bad_peers != NULL)
    *bad_peers = NULL;
  if (self->info != NULL)
    return SHOAL_METADATA_FETCH_IGNORED;
  ps = g_hash_table_lookup (self->peers, peer);
  if (ps == NULL || ps->banned || ps->candidate == NULL)
    return SHOAL_METADATA_FETCH_IGNORED;
  c = ps->candidate;

  if (message->total_size != c->size)
    {
      g_set_error (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_BAD_SIZE,
                   "The peer sent total_size %" G_GINT64_FORMAT " after advertising %" G_GINT64_FORMAT,
                   message->total_size, c->size);
      return SHOAL_METADATA_FETCH_BAD_PEER;
    }
  if (message->piece >= c->n_pieces)
    {
      g_set_error (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_BAD_PIECE,
                   "The peer sent metadata piece %u of %u", message->piece, c->n_pieces);
      return SHOAL_METADATA_FETCH_BAD_PEER;
    }
  expected = shoal_ut_metadata_piece_length (c->size, message->piece);
  if (message->data_len != expected || message->data == NULL)
    {
      g_set_error (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_BAD_LENGTH,
                   "The peer sent %" G_GSIZE_FORMAT " bytes for metadata piece %u, not %" G_GSIZE_FORMAT,
                   message->data_len, message->piece, expected);
      return SHOAL_METADATA_FETCH_BAD_PEER;
    }

  p = &c->pieces[message->piece];
  /* Only what this peer was asked for, even late: unsolicited pieces
   * would let a peer slip data into an assembly others are making. */
  if (p->state != PIECE_REQUESTED || p->peer != peer)
    return SHOAL_METADATA_FETCH_IGNORED;

  if (c->buffer == NULL)
    c->buffer = g_malloc ((gsize) c->size);
  memcpy (c->buffer + (gsize) message->piece * SHOAL_UT_METADATA_PIECE_SIZE,
          message->data, expected);
  p->state = PIECE_RECEIVED;
  c->n_received++;

  if (c->n_received < c->n_pieces)
    return SHOAL_METADATA_FETCH_ACCEPTED;

  if (verify (self, c->buffer, (gsize) c->size))
    {
      self->info = g_bytes_new_take (g_steal_pointer (&c->buffer), (gsize) c->size);
      /* Nothing else is needed: free the other candidates' buffers. */
      g_ptr_array_set_size (self->candidates, 0);
      g_hash_table_remove_all (self->peers);
      return SHOAL_METADATA_FETCH_COMPLETE;
    }

  {
    g_autoptr(GPtrArray) culprits = fail_candidate (self, c);

    g_set_error (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_HASH_MISMATCH,
                 "The metadata from %u peer%s does not match the info-hash",
                 culprits->len, culprits->len == 1 ? "" : "s");
    if (bad_peers != NULL)
      *bad_peers = g_steal_pointer (&culprits);
  }
  return SHOAL_METADATA_FETCH_MISMATCH;
}

/**
 * shoal_metadata_fetch_is_complete:
 * @self: an assembler
 *
 * Returns: %TRUE once the metadata has been fetched and verified
 */
gboolean
shoal_metadata_fetch_is_complete (ShoalMetadataFetch *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->info != NULL;
}

/**
 * shoal_metadata_fetch_get_info:
 * @self: an assembler
 *
 * Returns: (transfer none) (nullable): the verified info dictionary, or
 *   %NULL until it is complete
 */
GBytes *
shoal_metadata_fetch_get_info (ShoalMetadataFetch *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->info;
}

/**
 * shoal_metadata_fetch_is_banned:
 * @self: an assembler
 * @peer: a peer
 *
 * Returns: %TRUE if @peer contributed to metadata that failed verification
 */
gboolean
shoal_metadata_fetch_is_banned (ShoalMetadataFetch *self,
                                gpointer            peer)
{
  PeerState *ps;

  g_return_val_if_fail (self != NULL, FALSE);
  ps = g_hash_table_lookup (self->peers, peer);
  return ps != NULL && ps->banned;
}

/**
 * shoal_metadata_fetch_get_progress:
 * @self: an assembler
 * @have: (out): pieces held by the most advanced assembly
 * @total: (out): pieces that assembly needs, 0 while no size is known
 *
 * For showing progress while a magnet link resolves.
 */
void
shoal_metadata_fetch_get_progress (ShoalMetadataFetch *self,
                                   guint              *have,
                                   guint              *total)
{
  Candidate *best = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail (have != NULL && total != NULL);

  if (self->info != NULL)
    {
      *have = *total = shoal_ut_metadata_n_pieces ((gint64) g_bytes_get_size (self->info));
      return;
    }
  for (guint i = 0; i < self->candidates->len; i++)
    {
      Candidate *c = self->candidates->pdata[i];

      if (best == NULL || c->n_received > best->n_received ||
          (c->n_received == best->n_received && c->n_peers > best->n_peers))
        best = c;
    }
  *have = best != NULL ? best->n_received : 0;
  *total = best != NULL ? best->n_pieces : 0;
}
