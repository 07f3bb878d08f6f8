/* shoal-torrent-v2.c: a torrent in the BitTorrent v2 swarm (BEP 52)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the torrent (shoal-torrent-private.h): the second info-hash of a
 * hybrid (the truncated SHA-256 one, under which it is also found and
 * accepted), and the hash messages: piece layers we hold are served to
 * peers that ask (and the 16 KiB leaves of pieces we have, read and hashed
 * for the request on a worker thread), and those a torrent lacks (one made from a magnet link's
 * info dictionary) are fetched in runs of at most 512 hashes, each run
 * proven against the file's pieces root before it is kept. No block is
 * requested until every layer is known, since no piece could be checked.
 * A peer that asks outside a file's tree or sends malformed hashes is
 * disconnected; one whose proof does not verify is banned.
 */
#include "config.h"

#include <string.h>

#include "shoal-merkle.h"
#include "shoal-metainfo-v2.h"
#include "shoal-peer-wire-hashes.h"
#include "shoal-torrent-private.h"

#define RUN_LENGTH        512u  /* hashes asked at once (BEP 52: at most 512) */
#define MAX_ASKED_PER_PEER 8u
#define ASK_TIMEOUT_US    (20 * G_USEC_PER_SEC)
#define REJECT_BACKOFF_US (5 * G_USEC_PER_SEC)
#define MAX_LEAF_JOBS     2u    /* requests below the piece layer read for at once */

typedef struct
{
  gpointer peer;       /* sender id it was asked of, NULL if not asked */
  gint64   asked_us;
  gpointer rejected_by; /* the last peer that rejected it */
  gint64   rejected_us;
  gboolean done;
} Run;

typedef struct
{
  guint            file_index;
  ShoalMerkleShape shape;
  guint64          n_pieces;   /* hashes the layer has */
  guint8          *hashes;     /* n_runs * run length hashes, filled as runs come */
  guint            run_length;
  guint            n_runs;
  Run             *runs;
} LayerFetch;

struct _ShoalTorrentV2
{
  gboolean   has_alt;
  guint8     alt_hash[20];  /* a hybrid's other info-hash (20 bytes; v2 ones truncated) */
  GPtrArray *fetches;       /* of LayerFetch, the files whose layer is missing */
  gboolean   layers_known;  /* every layer is known: nothing to fetch, ever */
  gboolean   layers_too_large; /* more than a .torrent may hold: not fetched */
  guint64    layers_needed_mib;
  gint       tree_file;     /* the file whose tree answered last, -1 none */
  guint8    *tree;          /* its layers from the piece layer up */
  guint      n_leaf_jobs;   /* LeafJobs reading */
};

/* A request below the piece layer: the pieces under its run are read one
 * after the other and their blocks hashed, then it is answered. */
typedef struct
{
  ShoalTorrent        *torrent;
  ShoalPeerConnection *conn;
  ShoalPeerWireHashMsg request;  /* hashes NULL */
  ShoalMerkleShape     shape;
  guint                file_index;
  guint                piece;      /* the next to read */
  guint                last_piece;
  guint64              n_leaves;
  GByteArray          *leaves;
} LeafJob;

static void
layer_fetch_free (gpointer data)
{
  LayerFetch *lf = data;

  g_free (lf->hashes);
  g_free (lf->runs);
  g_free (lf);
}

static void
ensure_v2 (ShoalTorrent *self)
{
  if (self->v2 != NULL)
    return;
  self->v2 = g_new0 (ShoalTorrentV2, 1);
  self->v2->tree_file = -1;
}

/**
 * _shoal_torrent_v2_set_hashes:
 * @self: a torrent
 * @v1: (nullable): its v1 info-hash
 * @v2: (nullable): its 32-byte v2 info-hash
 *
 * A hybrid is known by the info-hash it was added with (v1, unless a
 * magnet link gave only the v2 one) and also by the other: peers of each
 * swarm connect with theirs.
 */
void
_shoal_torrent_v2_set_hashes (ShoalTorrent *self,
                              const guint8 *v1,
                              const guint8 *v2)
{
  ensure_v2 (self);
  if (v1 == NULL || v2 == NULL)
    return;
  if (memcmp (self->info_hash, v1, 20) == 0)
    memcpy (self->v2->alt_hash, v2, 20);
  else if (memcmp (self->info_hash, v2, 20) == 0)
    memcpy (self->v2->alt_hash, v1, 20);
  else
    return;
  self->v2->has_alt = TRUE;
  shoal_announcer_set_alt_info_hash (self->announcer, self->v2->alt_hash);
}

void
_shoal_torrent_v2_free (ShoalTorrent *self)
{
  if (self->v2 == NULL)
    return;
  g_clear_pointer (&self->v2->fetches, g_ptr_array_unref);
  g_clear_pointer (&self->v2->tree, g_free);
  g_clear_pointer (&self->v2, g_free);
}

/**
 * _shoal_torrent_get_alt_info_hash:
 * @self: a torrent
 *
 * Returns: (nullable): a hybrid's truncated v2 info-hash, 20 bytes; %NULL
 *   for other torrents, known by one info-hash only
 */
const guint8 *
_shoal_torrent_get_alt_info_hash (ShoalTorrent *self)
{
  return self->v2 != NULL && self->v2->has_alt ? self->v2->alt_hash : NULL;
}

/**
 * _shoal_torrent_v2_handshake_bit:
 * @self: a torrent
 *
 * Whether to set the BEP 52 bit in the handshakes we send: for a torrent
 * known by its v2 info-hash, and for a hybrid, whose peer may then answer
 * with the v2 info-hash (an upgrade we accept). Not for a torrent whose v2
 * info-hash we do not know (a btih magnet link of what may be a hybrid):
 * we could not accept that answer.
 *
 * Returns: %TRUE to set the bit
 */
gboolean
_shoal_torrent_v2_handshake_bit (ShoalTorrent *self)
{
  if (_shoal_torrent_get_alt_info_hash (self) != NULL)
    return TRUE;
  if (self->info != NULL)
    return shoal_metainfo_get_info_hash_v1 (self->info) == NULL;
  return self->magnet != NULL && shoal_magnet_get_info_hash_v1 (self->magnet) == NULL;
}

/**
 * _shoal_torrent_matches_info_hash:
 * @self: a torrent
 * @hash: 20 bytes from a handshake, a tracker or the DHT
 *
 * Returns: %TRUE if @hash is one of the torrent's info-hashes
 */
gboolean
_shoal_torrent_matches_info_hash (ShoalTorrent *self,
                                  const guint8 *hash)
{
  const guint8 *alt = _shoal_torrent_get_alt_info_hash (self);

  return memcmp (self->info_hash, hash, 20) == 0 || (alt != NULL && memcmp (alt, hash, 20) == 0);
}

static gboolean
layers_too_large_cb (gpointer data)
{
  ShoalTorrent *self = data;
  g_autoptr(GError) error = NULL;

  if (self->state == SHOAL_TORRENT_STATE_ERROR || self->info == NULL)
    return G_SOURCE_REMOVE;
  error = g_error_new (SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_UNSUPPORTED,
                       "“%s” needs %" G_GUINT64_FORMAT " MiB of piece layers, more than a torrent file may hold "
                       "(%u MiB)", shoal_torrent_get_name (self), self->v2->layers_needed_mib,
                       (guint) (SHOAL_METAINFO_MAX_FILE_SIZE / (1024 * 1024)));
  _shoal_torrent_set_error (self, error);
  return G_SOURCE_REMOVE;
}

/* The layers still missing, made on first need. */
static guint
root_hash (gconstpointer key)
{
  guint h;

  /* A SHA-256 digest: its bytes are well mixed already. */
  memcpy (&h, key, sizeof h);
  return h;
}

static gboolean
root_equal (gconstpointer a,
            gconstpointer b)
{
  return memcmp (a, b, SHOAL_SHA256_LEN) == 0;
}

static GPtrArray *
get_fetches (ShoalTorrent *self)
{
  g_autoptr(GHashTable) roots = g_hash_table_new (root_hash, root_equal);
  guint64 piece_length;
  guint64 total = 0;

  ensure_v2 (self);
  if (self->v2->fetches != NULL)
    return self->v2->fetches;

  self->v2->fetches = g_ptr_array_new_with_free_func (layer_fetch_free);
  piece_length = shoal_metainfo_get_piece_length (self->info);
  /* The layers are saved in the .torrent, which may not be larger than
   * this: a torrent that needs more could not be kept, so none is fetched
   * (and nothing allocated for them). */
  for (guint i = 0; i < shoal_metainfo_get_n_files (self->info); i++)
    if (shoal_metainfo_v2_file_needs_layer (self->info, i))
      total += shoal_merkle_width ((shoal_metainfo_get_file (self->info, i)->length - 1) / piece_length + 1) *
               SHOAL_SHA256_LEN;
  if (total > SHOAL_METAINFO_MAX_FILE_SIZE)
    {
      self->v2->layers_too_large = TRUE;
      self->v2->layers_needed_mib = total / (1024 * 1024);
      /* Not from inside a peer's message: the error closes every peer. */
      g_idle_add_full (G_PRIORITY_DEFAULT, layers_too_large_cb, g_object_ref (self), g_object_unref);
      return self->v2->fetches;
    }

  for (guint i = 0; i < shoal_metainfo_get_n_files (self->info); i++)
    {
      const ShoalMetainfoFile *f = shoal_metainfo_get_file (self->info, i);
      LayerFetch *lf;
      guint64 width;

      if (!shoal_metainfo_v2_file_needs_layer (self->info, i))
        continue;
      /* Identical files share a layer: fetch it once. */
      if (!g_hash_table_add (roots, f->pieces_root))
        continue;

      lf = g_new0 (LayerFetch, 1);
      lf->file_index = i;
      if (!shoal_merkle_shape_init (&lf->shape, f->length, piece_length))
        {
          layer_fetch_free (lf);
          continue;
        }
      lf->n_pieces = (f->length - 1) / piece_length + 1;
      width = shoal_merkle_width (lf->n_pieces);
      lf->run_length = (guint) MIN (width, RUN_LENGTH);
      lf->n_runs = (guint) (width / lf->run_length);
      lf->hashes = g_malloc0 ((gsize) width * SHOAL_SHA256_LEN);
      lf->runs = g_new0 (Run, lf->n_runs);
      g_ptr_array_add (self->v2->fetches, lf);
    }

  return self->v2->fetches;
}

static guint
count_asked (GPtrArray *fetches,
             gpointer   peer)
{
  guint n = 0;

  for (guint i = 0; i < fetches->len; i++)
    {
      LayerFetch *lf = fetches->pdata[i];

      for (guint r = 0; r < lf->n_runs; r++)
        if (!lf->runs[r].done && lf->runs[r].peer == peer)
          n++;
    }
  return n;
}

/**
 * _shoal_torrent_v2_hold_requests:
 * @ps: a connection's state
 *
 * While a v2 torrent lacks piece layers, asks @ps for runs of them (no
 * more than a few at once, none asked of another peer in the last
 * seconds) instead of blocks.
 *
 * Returns: %TRUE if blocks must not be requested yet
 */
gboolean
_shoal_torrent_v2_hold_requests (ShoalPeerState *ps)
{
  ShoalTorrent *self = ps->torrent;
  GPtrArray *fetches;
  gpointer me = _shoal_torrent_sender_id (ps);
  gint64 now;
  guint asked;
  gboolean sent = FALSE;

  /* Asked before every batch of block requests: cheap once all is known. */
  if (self->info == NULL || (self->v2 != NULL && self->v2->layers_known))
    return FALSE;
  if (!shoal_metainfo_v2_needs_layers (self->info))
    {
      if (self->v2 != NULL)
        self->v2->layers_known = TRUE;
      return FALSE;
    }
  if (shoal_peer_connection_get_state (ps->conn) != SHOAL_PEER_CONNECTION_ACTIVE)
    return TRUE;

  fetches = get_fetches (self);
  if (self->v2->layers_too_large)
    return TRUE;
  now = g_get_monotonic_time ();
  asked = count_asked (fetches, me);
  for (guint i = 0; i < fetches->len && asked < MAX_ASKED_PER_PEER; i++)
    {
      LayerFetch *lf = fetches->pdata[i];
      const ShoalMetainfoFile *f = shoal_metainfo_get_file (self->info, lf->file_index);

      for (guint r = 0; r < lf->n_runs && asked < MAX_ASKED_PER_PEER; r++)
        {
          Run *run = &lf->runs[r];
          ShoalPeerWireHashMsg req = { { 0 }, };
          g_autoptr(GByteArray) out = NULL;

          if (run->done)
            continue;
          if (run->peer != NULL && now - run->asked_us < ASK_TIMEOUT_US &&
              _shoal_torrent_find_connection (self, run->peer) != NULL)
            continue;
          if (run->rejected_by == me && now - run->rejected_us < REJECT_BACKOFF_US)
            continue;

          memcpy (req.pieces_root, f->pieces_root, SHOAL_SHA256_LEN);
          req.base_layer = lf->shape.piece_layer;
          req.index = r * lf->run_length;
          req.length = lf->run_length;
          /* Enough proof to climb from the run to the root: every layer
           * above the base but the root's own. */
          req.proof_layers = lf->shape.root_layer - lf->shape.piece_layer - 1;
          out = g_byte_array_new ();
          shoal_peer_wire_encode_hash_request (out, SHOAL_PEER_WIRE_HASH_REQUEST, &req);
          shoal_peer_connection_send_raw (ps->conn, out);
          run->peer = me;
          run->asked_us = now;
          asked++;
          sent = TRUE;
        }
    }
  if (sent)
    shoal_peer_connection_flush (ps->conn);
  return TRUE;
}

/* Takes @error. */
static void
close_peer (ShoalPeerState *ps,
            GError         *error)
{
  g_autoptr(GError) owned = error;

  shoal_peer_connection_close (ps->conn, owned);
}

/* Every run of a file arrived: the layer is the file's, once it rebuilds
 * the root; it is saved with the metainfo so no later session fetches it. */
static void
finish_layer (ShoalTorrent *self,
              LayerFetch   *lf)
{
  g_autoptr(GError) error = NULL;

  if (!shoal_metainfo_v2_set_piece_layer (self->info, lf->file_index, lf->hashes, lf->n_pieces, &error))
    {
      /* Each run was proven: this cannot happen but by a bug. */
      g_warning ("Piece layer of “%s”: %s", shoal_torrent_get_name (self), error->message);
      for (guint r = 0; r < lf->n_runs; r++)
        lf->runs[r].done = FALSE;
      return;
    }
  g_ptr_array_remove (self->v2->fetches, lf);
  if (!self->no_save)
    {
      g_autoptr(GBytes) bytes = shoal_metainfo_v2_dup_bytes_with_layers (self->info);
      g_autoptr(GError) save_error = NULL;

      if (!shoal_state_store_save_fetched_metainfo (self->store, self->hash_hex, bytes, &save_error))
        g_warning ("Could not save the piece layers of “%s”: %s", shoal_torrent_get_name (self),
                   save_error->message);
    }
  if (!shoal_metainfo_v2_needs_layers (self->info))
    {
      g_debug ("“%s”: every piece layer is known", shoal_torrent_get_name (self));
      _shoal_torrent_fill_all_requests (self);
    }
}

static void
handle_hashes (ShoalTorrent         *self,
               ShoalPeerState       *ps,
               ShoalPeerWireHashMsg *m)
{
  GPtrArray *fetches = self->info != NULL && self->v2 != NULL ? self->v2->fetches : NULL;
  LayerFetch *lf = NULL;
  Run *run;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; fetches != NULL && i < fetches->len && lf == NULL; i++)
    {
      LayerFetch *c = fetches->pdata[i];
      const ShoalMetainfoFile *f = shoal_metainfo_get_file (self->info, c->file_index);

      if (memcmp (f->pieces_root, m->pieces_root, SHOAL_SHA256_LEN) == 0)
        lf = c;
    }
  /* Hashes we did not ask for (or no longer need, from a late answer). */
  if (lf == NULL || m->base_layer != lf->shape.piece_layer || m->length != lf->run_length ||
      m->index % lf->run_length != 0 || m->index / lf->run_length >= lf->n_runs)
    {
      if (lf == NULL && self->info != NULL && shoal_metainfo_v2_find_file (self->info, m->pieces_root) >= 0)
        return;
      close_peer (ps, g_error_new (SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_HASHES,
                                   "Peer sent hashes that were not asked for"));
      return;
    }
  run = &lf->runs[m->index / lf->run_length];
  if (run->done)
    return;
  if (!shoal_peer_wire_hashes_verify (m, &lf->shape, &error))
    {
      g_autofree char *ip = _shoal_torrent_conn_ip (ps->conn);

      g_debug ("Peer %s: %s", shoal_peer_connection_get_address (ps->conn), error->message);
      if (ip != NULL && !shoal_smart_ban_is_banned (self->smart_ban, ip))
        _shoal_torrent_ban_ip (self, ip);
      else
        shoal_peer_connection_close (ps->conn, error);
      return;
    }
  /* The run's hashes past the file's last piece are pad hashes: kept
   * only as far as the layer goes. */
  memcpy (lf->hashes + (gsize) m->index * SHOAL_SHA256_LEN, m->hashes, (gsize) m->length * SHOAL_SHA256_LEN);
  run->done = TRUE;
  run->peer = NULL;
  for (guint r = 0; r < lf->n_runs; r++)
    if (!lf->runs[r].done)
      {
        _shoal_torrent_v2_hold_requests (ps);
        return;
      }
  finish_layer (self, lf);
}

static void
handle_reject (ShoalTorrent         *self,
               ShoalPeerState       *ps,
               ShoalPeerWireHashMsg *m)
{
  gpointer me = _shoal_torrent_sender_id (ps);
  GPtrArray *fetches = self->v2 != NULL ? self->v2->fetches : NULL;

  for (guint i = 0; fetches != NULL && i < fetches->len; i++)
    {
      LayerFetch *lf = fetches->pdata[i];

      for (guint r = 0; r < lf->n_runs; r++)
        if (lf->runs[r].peer == me && r * lf->run_length == m->index &&
            memcmp (shoal_metainfo_get_file (self->info, lf->file_index)->pieces_root, m->pieces_root,
                    SHOAL_SHA256_LEN) == 0)
          {
            lf->runs[r].peer = NULL;
            lf->runs[r].rejected_by = me;
            lf->runs[r].rejected_us = g_get_monotonic_time ();
          }
    }
}

static void
send_hash_reject (ShoalPeerConnection        *conn,
                  const ShoalPeerWireHashMsg *m)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  shoal_peer_wire_encode_hash_request (out, SHOAL_PEER_WIRE_HASH_REJECT, m);
  shoal_peer_connection_send_raw (conn, out);
  shoal_peer_connection_flush (conn);
}

/* The file's tree from its piece layer up, kept for the next answer;
 * %NULL if the layer is not known (or the file is one piece). */
static const guint8 *
file_tree (ShoalTorrent           *self,
           guint                   index,
           const ShoalMerkleShape *shape)
{
  const guint8 *layer;
  gsize n_layer = 0;

  ensure_v2 (self);
  if (self->v2->tree_file == (gint) index)
    return self->v2->tree;
  layer = shoal_metainfo_get_piece_layer (self->info, index, &n_layer);
  if (layer == NULL)
    return NULL;
  g_clear_pointer (&self->v2->tree, g_free);
  self->v2->tree = shoal_peer_wire_hashes_build_tree (shape, layer, n_layer);
  self->v2->tree_file = self->v2->tree != NULL ? (gint) index : -1;
  return self->v2->tree;
}

static void leaf_job_next (LeafJob *job);

static void
leaf_job_finish (LeafJob  *job,
                 gboolean  read_all)
{
  ShoalTorrent *self = job->torrent;
  g_autoptr(GByteArray) out = g_byte_array_new ();

  if (self->v2 != NULL)
    self->v2->n_leaf_jobs--;
  if (shoal_peer_connection_get_state (job->conn) == SHOAL_PEER_CONNECTION_ACTIVE)
    {
      const guint8 *tree = read_all && self->info != NULL ? file_tree (self, job->file_index, &job->shape) : NULL;

      if (read_all && job->leaves->len / SHOAL_SHA256_LEN == job->n_leaves &&
          (tree != NULL || job->shape.piece_layer >= job->shape.root_layer) &&
          shoal_peer_wire_hashes_answer_from_leaves (&job->request, &job->shape, tree, job->leaves->data,
                                                     job->n_leaves, out))
        {
          shoal_peer_connection_send_raw (job->conn, out);
          shoal_peer_connection_flush (job->conn);
        }
      else
        send_hash_reject (job->conn, &job->request);
    }
  g_byte_array_unref (job->leaves);
  g_object_unref (job->conn);
  g_object_unref (job->torrent);
  g_free (job);
}

typedef struct
{
  GBytes  *data;
  guint64  max_leaves;
} LeafHash;

static void
leaf_hash_free (gpointer data)
{
  LeafHash *lh = data;

  g_bytes_unref (lh->data);
  g_free (lh);
}

/* On a worker thread: SHA-256 of each 16 KiB block of a piece read for a
 * hash request; a piece may be 16 MiB, too long to hash on the main loop. */
static void
leaf_hash_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  LeafHash *lh = task_data;
  GByteArray *leaves = g_byte_array_new ();
  gsize len;
  const guint8 *bytes = g_bytes_get_data (lh->data, &len);

  for (gsize off = 0; off < len && leaves->len / SHOAL_SHA256_LEN < lh->max_leaves; off += SHOAL_MERKLE_BLOCK_SIZE)
    {
      guint8 leaf[SHOAL_SHA256_LEN];

      shoal_sha256 (bytes + off, MIN (SHOAL_MERKLE_BLOCK_SIZE, len - off), leaf);
      g_byte_array_append (leaves, leaf, sizeof leaf);
    }
  g_task_return_pointer (task, leaves, (GDestroyNotify) g_byte_array_unref);
}

static void
leaf_hashed_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  LeafJob *job = user_data;
  g_autoptr(GByteArray) leaves = g_task_propagate_pointer (G_TASK (result), NULL);

  g_byte_array_append (job->leaves, leaves->data, leaves->len);
  job->piece++;
  leaf_job_next (job);
}

static void
leaf_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LeafJob *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = shoal_storage_read_block_finish (SHOAL_STORAGE (source), result, &error);
  g_autoptr(GTask) task = NULL;
  LeafHash *lh;

  if (data == NULL)
    {
      g_debug ("Could not read piece %u to answer a hash request: %s", job->piece, error->message);
      leaf_job_finish (job, FALSE);
      return;
    }
  /* The job holds the torrent and the connection until it finishes. */
  lh = g_new0 (LeafHash, 1);
  lh->data = g_steal_pointer (&data);
  lh->max_leaves = job->n_leaves - job->leaves->len / SHOAL_SHA256_LEN;
  task = g_task_new (NULL, NULL, leaf_hashed_cb, job);
  g_task_set_source_tag (task, leaf_read_cb);
  g_task_set_task_data (task, lh, leaf_hash_free);
  g_task_run_in_thread (task, leaf_hash_thread);
}

static void
leaf_job_next (LeafJob *job)
{
  ShoalTorrent *self = job->torrent;
  guint file_index;
  guint64 piece_in_file, data_length;

  if (job->piece > job->last_piece || job->leaves->len / SHOAL_SHA256_LEN >= job->n_leaves)
    {
      leaf_job_finish (job, TRUE);
      return;
    }
  if (!_shoal_torrent_is_active (self) || self->picker == NULL ||
      !shoal_piece_picker_has_piece (self->picker, job->piece) ||
      !shoal_metainfo_v2_locate_piece (self->info, job->piece, &file_index, &piece_in_file, &data_length) ||
      file_index != job->file_index)
    {
      leaf_job_finish (job, FALSE);
      return;
    }
  shoal_storage_read_block_async (self->storage, job->piece, 0, data_length, self->cancellable, leaf_read_cb, job);
}

/* Hashes below the piece layer (the 16 KiB leaves): answered from the
 * blocks of pieces we have, read for it, within bounds; else rejected. */
static void
serve_leaves (ShoalTorrent               *self,
              ShoalPeerState             *ps,
              const ShoalPeerWireHashMsg *m,
              guint                       index,
              const ShoalMerkleShape     *shape)
{
  const ShoalMetainfoFile *f = shoal_metainfo_get_file (self->info, index);
  guint64 pl = shoal_metainfo_get_piece_length (self->info);
  guint64 leaves_per_piece = pl / SHOAL_MERKLE_BLOCK_SIZE;
  guint64 first, n;
  LeafJob *job;

  ensure_v2 (self);
  if (!shoal_peer_wire_hashes_leaf_span (m, shape, &first, &n) || self->v2->n_leaf_jobs >= MAX_LEAF_JOBS ||
      shoal_peer_connection_output_full (ps->conn) || f->offset % pl != 0 ||
      (shape->piece_layer < shape->root_layer && file_tree (self, index, shape) == NULL))
    {
      send_hash_reject (ps->conn, m);
      return;
    }
  job = g_new0 (LeafJob, 1);
  job->torrent = g_object_ref (self);
  job->conn = g_object_ref (ps->conn);
  job->request = *m;
  job->request.hashes = NULL;
  job->request.n_hashes = 0;
  job->shape = *shape;
  job->file_index = index;
  job->n_leaves = n;
  job->leaves = g_byte_array_sized_new ((guint) (n * SHOAL_SHA256_LEN));
  job->piece = (guint) (f->offset / pl + first / leaves_per_piece);
  job->last_piece = n > 0 ? (guint) (f->offset / pl + (first + n - 1) / leaves_per_piece) : job->piece;
  self->v2->n_leaf_jobs++;
  if (n == 0)
    leaf_job_finish (job, TRUE);
  else
    leaf_job_next (job);
}

/* A peer asks for hashes: answered from the piece layers we hold, else
 * rejected; a request outside the file's tree is the peer's fault. */
static void
handle_request (ShoalTorrent         *self,
                ShoalPeerState       *ps,
                ShoalPeerWireHashMsg *m)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  ShoalMerkleShape shape;
  const ShoalMetainfoFile *f;
  const guint8 *layer = NULL;
  gsize n_layer = 0;
  gint index = self->info != NULL ? shoal_metainfo_v2_find_file (self->info, m->pieces_root) : -1;

  if (index < 0)
    goto reject;
  f = shoal_metainfo_get_file (self->info, (guint) index);
  if (!shoal_merkle_shape_init (&shape, f->length, shoal_metainfo_get_piece_length (self->info)))
    goto reject;
  if (!shoal_peer_wire_hash_request_check (m, &shape, &error))
    {
      close_peer (ps, g_steal_pointer (&error));
      return;
    }
  if (m->base_layer < MIN (shape.piece_layer, shape.root_layer))
    {
      serve_leaves (self, ps, m, (guint) index, &shape);
      return;
    }
  layer = shoal_metainfo_get_piece_layer (self->info, (guint) index, &n_layer);
  if (layer == NULL || m->base_layer < shape.piece_layer || shoal_peer_connection_output_full (ps->conn))
    goto reject;
  /* Peers ask for a file's layer in runs: its tree is built once. */
  ensure_v2 (self);
  if (self->v2->tree_file != index)
    {
      g_clear_pointer (&self->v2->tree, g_free);
      self->v2->tree = shoal_peer_wire_hashes_build_tree (&shape, layer, n_layer);
      self->v2->tree_file = self->v2->tree != NULL ? index : -1;
    }
  if (!shoal_peer_wire_hashes_answer_from_tree (m, &shape, self->v2->tree, out))
    goto reject;
  shoal_peer_connection_send_raw (ps->conn, out);
  shoal_peer_connection_flush (ps->conn);
  return;

reject:
  g_byte_array_set_size (out, 0);
  shoal_peer_wire_encode_hash_request (out, SHOAL_PEER_WIRE_HASH_REJECT, m);
  shoal_peer_connection_send_raw (ps->conn, out);
  shoal_peer_connection_flush (ps->conn);
}

/**
 * _shoal_torrent_v2_handle_message:
 * @self: a torrent
 * @ps: the connection's state
 * @msg: a hash request, hashes or hash reject message
 */
void
_shoal_torrent_v2_handle_message (ShoalTorrent               *self,
                                  ShoalPeerState             *ps,
                                  const ShoalPeerWireMessage *msg)
{
  ShoalPeerWireHashMsg m;
  g_autoptr(GError) error = NULL;

  if (!shoal_peer_wire_hash_msg_parse (msg->type, msg->payload, msg->payload_len, &m, &error))
    {
      close_peer (ps, g_steal_pointer (&error));
      return;
    }
  if (msg->type == SHOAL_PEER_WIRE_HASH_REQUEST)
    handle_request (self, ps, &m);
  else if (msg->type == SHOAL_PEER_WIRE_HASHES)
    handle_hashes (self, ps, &m);
  else
    handle_reject (self, ps, &m);
}
