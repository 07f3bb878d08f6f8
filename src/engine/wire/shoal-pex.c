/* shoal-pex.c: peer exchange (BEP 11, ut_pex)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-bencode.h"
#include "shoal-compact-addr.h"
#include "shoal-pex.h"

G_DEFINE_QUARK (shoal-pex-error-quark, shoal_pex_error)

/* Six lists of at most SHOAL_PEX_MAX_LIST 18-byte entries, plus keys. */
#define MAX_MESSAGE_LEN (6u * SHOAL_PEX_MAX_LIST * 18u + 1024u)

/**
 * shoal_pex_peer_set_address:
 * @peer: (out caller-allocates): the peer to fill in
 * @address: its address and port
 * @flags: its #ShoalPexFlags
 *
 * Returns: %FALSE if @address has port 0 or is not IPv4 or IPv6
 */
gboolean
shoal_pex_peer_set_address (ShoalPexPeer       *peer,
                            GInetSocketAddress *address,
                            guint8              flags)
{
  GInetAddress *inet;
  gsize len;

  g_return_val_if_fail (peer != NULL, FALSE);
  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (address), FALSE);

  memset (peer, 0, sizeof *peer);
  inet = g_inet_socket_address_get_address (address);
  len = g_inet_address_get_native_size (inet);
  if ((len != 4 && len != 16) || g_inet_socket_address_get_port (address) == 0)
    return FALSE;
  memcpy (peer->addr, g_inet_address_to_bytes (inet), len);
  peer->addr_len = (guint8) len;
  peer->port = g_inet_socket_address_get_port (address);
  peer->flags = flags;
  return TRUE;
}

/**
 * shoal_pex_peer_to_address:
 * @peer: a peer
 *
 * Returns: (transfer full): its address and port
 */
GInetSocketAddress *
shoal_pex_peer_to_address (const ShoalPexPeer *peer)
{
  g_autoptr(GInetAddress) inet = NULL;

  g_return_val_if_fail (peer != NULL, NULL);
  g_return_val_if_fail (peer->addr_len == 4 || peer->addr_len == 16, NULL);

  inet = g_inet_address_new_from_bytes (peer->addr, peer->addr_len == 4 ? G_SOCKET_FAMILY_IPV4
                                                                        : G_SOCKET_FAMILY_IPV6);
  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (inet, peer->port));
}

/**
 * shoal_pex_peer_equal:
 * @a: a peer
 * @b: another
 *
 * Returns: %TRUE if @a and @b have the same address and port
 */
gboolean
shoal_pex_peer_equal (const ShoalPexPeer *a,
                      const ShoalPexPeer *b)
{
  return a->addr_len == b->addr_len && a->port == b->port &&
         memcmp (a->addr, b->addr, a->addr_len) == 0;
}

static guint
peer_hash (gconstpointer data)
{
  const ShoalPexPeer *p = data;
  guint h = 5381u + p->port;

  for (guint i = 0; i < p->addr_len; i++)
    h = h * 33u + p->addr[i];
  return h;
}

static gboolean
peer_equal (gconstpointer a,
            gconstpointer b)
{
  return shoal_pex_peer_equal (a, b);
}

/* Addresses nobody can be connected to. Private and loopback ones are
 * valid here; the engine decides whether to use them. */
static gboolean
peer_is_valid (const ShoalPexPeer *p)
{
  static const guint8 zero[16];

  if (p->port == 0)
    return FALSE;
  if (p->addr_len == 4)
    return p->addr[0] != 0 &&                      /* 0.0.0.0/8 */
           (p->addr[0] & 0xf0) != 0xe0 &&          /* 224.0.0.0/4 multicast */
           memcmp (p->addr, "\xff\xff\xff\xff", 4) != 0;
  return memcmp (p->addr, zero, 16) != 0 && p->addr[0] != 0xff;
}

/* Finds list @key, checks its length is a multiple of @entry_len and
 * within limits. A missing key is an empty list. */
static gboolean
lookup_list (const ShoalBencodeNode  *root,
             const char              *key,
             gsize                    entry_len,
             const guint8           **data,
             gsize                   *n_entries,
             GError                 **error)
{
  const ShoalBencodeNode *node = shoal_bencode_node_dict_lookup (root, key);
  gsize len;

  *data = NULL;
  *n_entries = 0;
  if (node == NULL)
    return TRUE;
  if (!shoal_bencode_node_is (node, SHOAL_BENCODE_STRING))
    {
      g_set_error (error, SHOAL_PEX_ERROR, SHOAL_PEX_ERROR_MALFORMED,
                   "Bad peer exchange message: %s is not a string", key);
      return FALSE;
    }
  *data = shoal_bencode_node_get_string (node, &len);
  if (len % entry_len != 0)
    {
      g_set_error (error, SHOAL_PEX_ERROR, SHOAL_PEX_ERROR_BAD_LENGTH,
                   "Bad peer exchange message: %s is %" G_GSIZE_FORMAT
                   " bytes, not a multiple of %" G_GSIZE_FORMAT, key, len, entry_len);
      return FALSE;
    }
  if (len / entry_len > SHOAL_PEX_MAX_LIST)
    {
      g_set_error (error, SHOAL_PEX_ERROR, SHOAL_PEX_ERROR_TOO_MANY,
                   "Peer exchange message lists %" G_GSIZE_FORMAT " peers in %s (limit %u)",
                   len / entry_len, key, SHOAL_PEX_MAX_LIST);
      return FALSE;
    }
  *n_entries = len / entry_len;
  return TRUE;
}

/* Decodes the valid entries of one list into @out. */
static void
decode_list (const guint8  *data,
             gsize          n,
             GSocketFamily  family,
             const guint8  *flags,
             gsize          n_flags,
             GArray        *out,
             guint         *skipped)
{
  for (gsize i = 0; i < n; i++)
    {
      const guint8 *e = data + i * shoal_compact_addr_len (family);
      ShoalPexPeer p = { { 0 }, 0, 0, 0 };

      shoal_compact_addr_decode (e, family, p.addr, &p.port);
      p.addr_len = (guint8) shoal_compact_addr_ip_len (family);
      /* A flags string of another length is still read where it lines up. */
      p.flags = flags != NULL && i < n_flags ? flags[i] : 0;
      if (peer_is_valid (&p))
        g_array_append_val (out, p);
      else
        (*skipped)++;
    }
}

/* Keeps at most @limit of @v4 and @v6 together, sharing fairly: each
 * family gets half the room when the other needs it, and whatever the
 * other leaves. */
static gboolean
merge_fair (GArray *out,
            GArray *v4,
            GArray *v6,
            guint   limit)
{
  guint take6 = MIN (v6->len, MAX (limit > v4->len ? limit - v4->len : 0, limit / 2));
  guint take4 = MIN (v4->len, limit - take6);

  g_array_append_vals (out, v4->data, take4);
  g_array_append_vals (out, v6->data, take6);
  return take4 < v4->len || take6 < v6->len;
}

static gboolean
parse_pair (const ShoalBencodeNode  *root,
            const char              *key4,
            const char              *key6,
            gboolean                 with_flags,
            guint                    limit,
            GArray                  *out,
            ShoalPexMessage         *message,
            GError                 **error)
{
  g_autoptr(GArray) v4 = g_array_new (FALSE, FALSE, sizeof (ShoalPexPeer));
  g_autoptr(GArray) v6 = g_array_new (FALSE, FALSE, sizeof (ShoalPexPeer));
  const guint8 *data4, *data6;
  gsize n4, n6;
  const guint8 *flags4 = NULL, *flags6 = NULL;
  gsize n_flags4 = 0, n_flags6 = 0;

  if (!lookup_list (root, key4, SHOAL_COMPACT_ADDR4_LEN, &data4, &n4, error) ||
      !lookup_list (root, key6, SHOAL_COMPACT_ADDR6_LEN, &data6, &n6, error))
    return FALSE;

  if (with_flags)
    {
      g_autofree char *fkey4 = g_strconcat (key4, ".f", NULL);
      g_autofree char *fkey6 = g_strconcat (key6, ".f", NULL);
      const ShoalBencodeNode *node;

      /* Flags are advice: a malformed flags string is ignored, not fatal. */
      node = shoal_bencode_node_dict_lookup (root, fkey4);
      if (shoal_bencode_node_is (node, SHOAL_BENCODE_STRING))
        flags4 = shoal_bencode_node_get_string (node, &n_flags4);
      node = shoal_bencode_node_dict_lookup (root, fkey6);
      if (shoal_bencode_node_is (node, SHOAL_BENCODE_STRING))
        flags6 = shoal_bencode_node_get_string (node, &n_flags6);
    }

  decode_list (data4, n4, G_SOCKET_FAMILY_IPV4, flags4, n_flags4, v4, &message->skipped);
  decode_list (data6, n6, G_SOCKET_FAMILY_IPV6, flags6, n_flags6, v6, &message->skipped);
  if (merge_fair (out, v4, v6, limit))
    message->truncated = TRUE;
  return TRUE;
}

/**
 * shoal_pex_parse:
 * @payload: (array length=len): an extended message's payload after its
 *   extended id
 * @len: its length
 * @error: return location for a #SHOAL_PEX_ERROR
 *
 * Decodes a ut_pex message: `added`, `added.f`, `added6`, `added6.f`,
 * `dropped` and `dropped6`. Lists of the wrong length or longer than
 * %SHOAL_PEX_MAX_LIST fail the message; entries that cannot be peers are
 * skipped; at most %SHOAL_PEX_MAX_ADDED added and %SHOAL_PEX_MAX_DROPPED
 * dropped peers are kept, shared between the address families. Everything
 * else (our own address, private ones, peers already known) is for the
 * caller to filter.
 *
 * Returns: (transfer full): the message, or %NULL with @error set
 */
ShoalPexMessage *
shoal_pex_parse (const guint8  *payload,
                 gsize          len,
                 GError       **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(ShoalBencode) doc = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(ShoalPexMessage) message = NULL;
  const ShoalBencodeNode *root;

  g_return_val_if_fail (payload != NULL || len == 0, NULL);

  if (len == 0)
    {
      g_set_error_literal (error, SHOAL_PEX_ERROR, SHOAL_PEX_ERROR_MALFORMED,
                           "Bad peer exchange message: it is empty");
      return NULL;
    }
  if (len > MAX_MESSAGE_LEN)
    {
      g_set_error (error, SHOAL_PEX_ERROR, SHOAL_PEX_ERROR_TOO_MANY,
                   "Peer exchange message is %" G_GSIZE_FORMAT " bytes long", len);
      return NULL;
    }

  bytes = g_bytes_new_static (payload, len);
  doc = shoal_bencode_parse_full (bytes, 4, 1024, FALSE, &local_error);
  if (doc == NULL)
    {
      g_set_error (error, SHOAL_PEX_ERROR, SHOAL_PEX_ERROR_MALFORMED,
                   "Bad peer exchange message: %s", local_error->message);
      return NULL;
    }
  root = shoal_bencode_get_root (doc);
  if (!shoal_bencode_node_is (root, SHOAL_BENCODE_DICT))
    {
      g_set_error_literal (error, SHOAL_PEX_ERROR, SHOAL_PEX_ERROR_MALFORMED,
                           "Bad peer exchange message: it is not a dictionary");
      return NULL;
    }

  message = g_new0 (ShoalPexMessage, 1);
  message->added = g_array_new (FALSE, FALSE, sizeof (ShoalPexPeer));
  message->dropped = g_array_new (FALSE, FALSE, sizeof (ShoalPexPeer));
  if (!parse_pair (root, "added", "added6", TRUE, SHOAL_PEX_MAX_ADDED,
                   message->added, message, error) ||
      !parse_pair (root, "dropped", "dropped6", FALSE, SHOAL_PEX_MAX_DROPPED,
                   message->dropped, message, error))
    return NULL;
  return g_steal_pointer (&message);
}

/**
 * shoal_pex_message_free:
 * @message: a decoded message
 *
 * Frees @message.
 */
void
shoal_pex_message_free (ShoalPexMessage *message)
{
  g_return_if_fail (message != NULL);

  g_clear_pointer (&message->added, g_array_unref);
  g_clear_pointer (&message->dropped, g_array_unref);
  g_free (message);
}

static void
write_list (ShoalBencodeWriter *writer,
            const char         *key,
            const ShoalPexPeer *peers,
            guint               n,
            GSocketFamily       family,
            gboolean            flags)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();

  for (guint i = 0; i < n; i++)
    {
      const ShoalPexPeer *p = &peers[i];

      if (p->addr_len != shoal_compact_addr_ip_len (family))
        continue;
      if (flags)
        g_byte_array_append (buf, &p->flags, 1);
      else
        shoal_compact_addr_append (buf, family, p->addr, p->port);
    }
  shoal_bencode_writer_cstring (writer, key);
  shoal_bencode_writer_string (writer, buf->data, buf->len);
}

/**
 * shoal_pex_encode:
 * @out: where to append the payload
 * @added: (array length=n_added): peers to announce
 * @n_added: how many
 * @dropped: (array length=n_dropped): peers that went away
 * @n_dropped: how many
 *
 * Appends a ut_pex payload with all six lists (empty ones too, as other
 * clients do); send it with shoal_peer_wire_encode_extended() and the id
 * the peer gave `ut_pex`.
 */
void
shoal_pex_encode (GByteArray         *out,
                  const ShoalPexPeer *added,
                  guint               n_added,
                  const ShoalPexPeer *dropped,
                  guint               n_dropped)
{
  g_autoptr(ShoalBencodeWriter) writer = shoal_bencode_writer_new ();
  g_autoptr(GBytes) bytes = NULL;
  const guint8 *data;
  gsize len;

  g_return_if_fail (out != NULL);
  g_return_if_fail (added != NULL || n_added == 0);
  g_return_if_fail (dropped != NULL || n_dropped == 0);

  /* Sorted keys: "added" < "added.f" < "added6" < "added6.f" < "dropped"... */
  shoal_bencode_writer_begin_dict (writer);
  write_list (writer, "added", added, n_added, G_SOCKET_FAMILY_IPV4, FALSE);
  write_list (writer, "added.f", added, n_added, G_SOCKET_FAMILY_IPV4, TRUE);
  write_list (writer, "added6", added, n_added, G_SOCKET_FAMILY_IPV6, FALSE);
  write_list (writer, "added6.f", added, n_added, G_SOCKET_FAMILY_IPV6, TRUE);
  write_list (writer, "dropped", dropped, n_dropped, G_SOCKET_FAMILY_IPV4, FALSE);
  write_list (writer, "dropped6", dropped, n_dropped, G_SOCKET_FAMILY_IPV6, FALSE);
  shoal_bencode_writer_end (writer);
  bytes = shoal_bencode_writer_finish (writer);
  data = g_bytes_get_data (bytes, &len);
  g_byte_array_append (out, data, len);
}

/* Per-connection state */

struct _ShoalPexState
{
  GHashTable *told;            /* ShoalPexPeer set: what the peer knows */
  gint64      last_sent;
  gint64      last_received;
  gboolean    sent_once;
  gboolean    received_once;
};

/**
 * shoal_pex_state_new:
 *
 * Creates the state of peer exchange with one peer: which peers it has
 * been told about, and when messages went each way.
 *
 * Returns: (transfer full): the state
 */
ShoalPexState *
shoal_pex_state_new (void)
{
  ShoalPexState *self = g_new0 (ShoalPexState, 1);

  self->told = g_hash_table_new_full (peer_hash, peer_equal, g_free, NULL);
  return self;
}

/**
 * shoal_pex_state_free:
 * @self: a state
 *
 * Frees @self.
 */
void
shoal_pex_state_free (ShoalPexState *self)
{
  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->told, g_hash_table_unref);
  g_free (self);
}

/**
 * shoal_pex_state_should_send:
 * @self: a state
 * @now: the monotonic time in µs
 *
 * Returns: %TRUE if no message went to this peer in the last
 *   %SHOAL_PEX_INTERVAL, so one may be built now
 */
gboolean
shoal_pex_state_should_send (ShoalPexState *self,
                             gint64         now)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return !self->sent_once || now - self->last_sent >= SHOAL_PEX_INTERVAL;
}

/**
 * shoal_pex_state_build:
 * @self: a state
 * @connected: (array length=n_connected): the peers of the torrent now
 *   connected, by their listening address, leaving out this connection's
 *   own peer and any the engine does not want to share
 * @n_connected: how many
 * @now: the monotonic time in µs
 * @out: where to append the payload
 *
 * Appends a message telling the peer what changed since the last one:
 * peers connected since (at most %SHOAL_PEX_MAX_ADDED) and peers gone
 * (at most %SHOAL_PEX_MAX_DROPPED); what does not fit goes in the next.
 * Nothing is built before %SHOAL_PEX_INTERVAL has passed, nor when nothing
 * changed.
 *
 * Returns: %TRUE if a payload was appended and should be sent
 */
gboolean
shoal_pex_state_build (ShoalPexState      *self,
                       const ShoalPexPeer *connected,
                       guint               n_connected,
                       gint64              now,
                       GByteArray         *out)
{
  g_autoptr(GHashTable) current = NULL;
  g_autoptr(GArray) added = NULL;
  g_autoptr(GArray) dropped = NULL;
  GHashTableIter iter;
  gpointer key;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (connected != NULL || n_connected == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (!shoal_pex_state_should_send (self, now))
    return FALSE;

  current = g_hash_table_new (peer_hash, peer_equal);
  added = g_array_new (FALSE, FALSE, sizeof (ShoalPexPeer));
  dropped = g_array_new (FALSE, FALSE, sizeof (ShoalPexPeer));

  for (guint i = 0; i < n_connected; i++)
    {
      const ShoalPexPeer *p = &connected[i];

      if (!peer_is_valid (p) || !g_hash_table_add (current, (gpointer) p))
        continue;
      if (added->len < SHOAL_PEX_MAX_ADDED && !g_hash_table_contains (self->told, p))
        g_array_append_val (added, *p);
    }
  g_hash_table_iter_init (&iter, self->told);
  while (dropped->len < SHOAL_PEX_MAX_DROPPED && g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (current, key))
      g_array_append_val (dropped, *(ShoalPexPeer *) key);

  if (added->len == 0 && dropped->len == 0)
    return FALSE;

  shoal_pex_encode (out, (const ShoalPexPeer *) (gpointer) added->data, added->len,
                    (const ShoalPexPeer *) (gpointer) dropped->data, dropped->len);
  for (guint i = 0; i < added->len; i++)
    g_hash_table_add (self->told, g_memdup2 (&g_array_index (added, ShoalPexPeer, i),
                                             sizeof (ShoalPexPeer)));
  for (guint i = 0; i < dropped->len; i++)
    g_hash_table_remove (self->told, &g_array_index (dropped, ShoalPexPeer, i));
  self->last_sent = now;
  self->sent_once = TRUE;
  return TRUE;
}

/**
 * shoal_pex_state_accept_incoming:
 * @self: a state
 * @now: the monotonic time in µs
 *
 * Call for each ut_pex message the peer sends, before parsing it. Peers
 * are to send one a minute; one that comes less than
 * %SHOAL_PEX_MIN_INCOMING_INTERVAL after the last accepted is a flood and
 * should be ignored.
 *
 * Returns: %TRUE if the message should be used
 */
gboolean
shoal_pex_state_accept_incoming (ShoalPexState *self,
                                 gint64         now)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->received_once && now - self->last_received < SHOAL_PEX_MIN_INCOMING_INTERVAL)
    return FALSE;
  self->last_received = now;
  self->received_once = TRUE;
  return TRUE;
}
