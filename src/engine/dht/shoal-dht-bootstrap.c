/* shoal-dht-bootstrap.c: joining the DHT: bootstrap routers, single nodes,
 * and the nodes saved from the last run
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A node that knows nobody asks a few known addresses for the nodes closest
 * to its own id; their answers start a lookup of that id, which fills the
 * routing table. Saved nodes do the same without any well-known router.
 */
#include "config.h"

#include <string.h>

#include "shoal-bencode.h"
#include "shoal-compact-addr.h"
#include "shoal-dht-private.h"

#define MAX_BOOTSTRAP_ADDRS 16
#define MAX_SAVED_NODES     256

static const char *const default_bootstrap[] = {
  "router.bittorrent.com:6881",
  "dht.transmissionbt.com:6881",
  "router.utorrent.com:6881",
};

typedef struct
{
  ShoalDht *self;
  guint16   port;
} ResolveData;

static void
add_bootstrap_addr (ShoalDht           *self,
                    const ShoalDhtAddr *addr)
{
  for (guint i = 0; i < self->bootstrap->len; i++)
    if (shoal_dht_addr_equal (&g_array_index (self->bootstrap, ShoalDhtAddr, i), addr))
      return;
  if (self->bootstrap->len < MAX_BOOTSTRAP_ADDRS)
    g_array_append_val (self->bootstrap, *addr);
}

static void
resolved_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  ResolveData *rd = data;
  g_autoptr(ShoalDht) self = rd->self;
  g_autoptr(GError) error = NULL;
  GList *addresses;

  addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  if (addresses == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("DHT: could not resolve a bootstrap node: %s", error->message);
      g_free (rd);
      return;
    }
  for (GList *l = addresses; l != NULL; l = l->next)
    {
      g_autoptr(GSocketAddress) sa = g_inet_socket_address_new (l->data, rd->port);
      ShoalDhtAddr addr;

      if (!shoal_dht_addr_from_socket_address (sa, &addr) || !shoal_dht_has_family (self, addr.family))
        continue;
      add_bootstrap_addr (self, &addr);
      shoal_dht_send_simple_query (self, &addr, SHOAL_DHT_METHOD_FIND_NODE, TRUE);
    }
  g_resolver_free_addresses (addresses);
  g_free (rd);
}

/**
 * shoal_dht_add_bootstrap_node:
 * @self: a started DHT
 * @host_and_port: "host:port" (or "[v6 address]:port") of a node to
 *   bootstrap from
 * @error: return location for a #SHOAL_DHT_ERROR
 *
 * Resolves @host_and_port in the background and asks each of its addresses
 * for the nodes closest to our id, which fills the routing table. The
 * addresses are asked again whenever the table runs nearly empty.
 *
 * Returns: %FALSE if @host_and_port cannot be parsed or the node is not
 *   started
 */
gboolean
shoal_dht_add_bootstrap_node (ShoalDht    *self,
                              const char  *host_and_port,
                              GError     **error)
{
  g_autoptr(GSocketConnectable) parsed = NULL;
  g_autoptr(GResolver) resolver = NULL;
  g_autoptr(GError) local_error = NULL;
  ResolveData *rd;
  guint16 port;

  g_return_val_if_fail (SHOAL_IS_DHT (self), FALSE);
  g_return_val_if_fail (host_and_port != NULL, FALSE);

  if (!shoal_dht_is_started (self))
    {
      g_set_error_literal (error, SHOAL_DHT_ERROR, SHOAL_DHT_ERROR_NOT_STARTED,
                           "The DHT node is not started");
      return FALSE;
    }
  parsed = g_network_address_parse (host_and_port, 0, &local_error);
  if (parsed == NULL || (port = g_network_address_get_port (G_NETWORK_ADDRESS (parsed))) == 0)
    {
      g_set_error (error, SHOAL_DHT_ERROR, SHOAL_DHT_ERROR_BAD_ADDRESS,
                   "“%s” is not a host and port", host_and_port);
      return FALSE;
    }

  rd = g_new0 (ResolveData, 1);
  rd->self = g_object_ref (self);
  rd->port = port;
  resolver = g_resolver_get_default ();
  g_main_context_push_thread_default (self->context);
  g_resolver_lookup_by_name_async (resolver, g_network_address_get_hostname (G_NETWORK_ADDRESS (parsed)),
                                   self->cancellable, resolved_cb, rd);
  g_main_context_pop_thread_default (self->context);
  return TRUE;
}

/**
 * shoal_dht_use_default_bootstrap:
 * @self: a started DHT
 *
 * Bootstraps from the well-known public routers. Only for a node that
 * should join the real DHT and has no saved nodes: tests never call it.
 */
void
shoal_dht_use_default_bootstrap (ShoalDht *self)
{
  g_return_if_fail (SHOAL_IS_DHT (self));

  for (guint i = 0; i < G_N_ELEMENTS (default_bootstrap); i++)
    shoal_dht_add_bootstrap_node (self, default_bootstrap[i], NULL);
}

/**
 * shoal_dht_add_node:
 * @self: a started DHT
 * @address: a #GInetSocketAddress where a DHT node may listen, such as the
 *   port a peer sent in a PORT message (BEP 5)
 *
 * Pings @address; the node joins the routing table if it answers.
 */
void
shoal_dht_add_node (ShoalDht       *self,
                    GSocketAddress *address)
{
  ShoalDhtAddr addr;

  g_return_if_fail (SHOAL_IS_DHT (self));
  g_return_if_fail (G_IS_SOCKET_ADDRESS (address));

  if (shoal_dht_addr_from_socket_address (address, &addr))
    shoal_dht_send_simple_query (self, &addr, SHOAL_DHT_METHOD_PING, FALSE);
}

static void
write_compact_nodes (ShoalBencodeWriter *w,
                     const char         *key,
                     GArray             *nodes)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();

  for (guint i = 0; i < nodes->len && i < MAX_SAVED_NODES; i++)
    {
      const ShoalDhtNodeInfo *n = &g_array_index (nodes, ShoalDhtNodeInfo, i);

      shoal_compact_node_append (buf, n->addr.family == 6 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4,
                                 n->id, n->addr.ip, n->addr.port);
    }
  shoal_bencode_writer_cstring (w, key);
  shoal_bencode_writer_string (w, buf->data, buf->len);
}

/**
 * shoal_dht_dup_nodes:
 * @self: a DHT
 *
 * Saves the good and questionable nodes of the routing tables, for
 * shoal_dht_add_nodes_from_saved() on the next run: a node that comes back
 * with them needs no bootstrap router. The data is a bencoded dictionary
 * with "id" (ours, for shoal_dht_new()), "nodes" and "nodes6" in compact
 * form.
 *
 * Returns: (transfer full): the saved nodes
 */
GBytes *
shoal_dht_dup_nodes (ShoalDht *self)
{
  g_autoptr(ShoalBencodeWriter) w = shoal_bencode_writer_new ();
  g_autoptr(GArray) v4 = NULL;
  g_autoptr(GArray) v6 = NULL;
  gint64 now = g_get_monotonic_time ();

  g_return_val_if_fail (SHOAL_IS_DHT (self), NULL);

  v4 = shoal_dht_routing_table_dup_nodes (self->table4, SHOAL_DHT_NODE_QUESTIONABLE, now);
  v6 = shoal_dht_routing_table_dup_nodes (self->table6, SHOAL_DHT_NODE_QUESTIONABLE, now);
  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "id");
  shoal_bencode_writer_string (w, self->id, SHOAL_DHT_ID_LEN);
  write_compact_nodes (w, "nodes", v4);
  write_compact_nodes (w, "nodes6", v6);
  shoal_bencode_writer_end (w);
  return shoal_bencode_writer_finish (w);
}

static guint
ping_saved (ShoalDht               *self,
            const ShoalBencodeNode *root,
            const char             *key,
            guint8                  family,
            GError                **error)
{
  const ShoalBencodeNode *node = shoal_bencode_node_dict_lookup (root, key);
  gsize entry = family == 4 ? SHOAL_DHT_COMPACT_NODE4_LEN : SHOAL_DHT_COMPACT_NODE6_LEN;
  const guint8 *s;
  gsize len = 0;
  guint n = 0;

  if (node == NULL)
    return 0;
  if (!shoal_bencode_node_is (node, SHOAL_BENCODE_STRING) ||
      (s = shoal_bencode_node_get_string (node, &len), len % entry != 0))
    {
      g_set_error (error, SHOAL_DHT_ERROR, SHOAL_DHT_ERROR_BAD_SAVED_NODES,
                   "The saved “%s” are not compact node entries", key);
      return 0;
    }
  for (gsize i = 0; i < len / entry && i < MAX_SAVED_NODES; i++)
    {
      const guint8 *p = s + i * entry;
      ShoalDhtAddr addr = { .family = family };

      shoal_compact_addr_decode (p + SHOAL_DHT_ID_LEN, family == 4 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6,
                                 addr.ip, &addr.port);
      if (!shoal_dht_addr_is_usable (&addr) || !shoal_dht_has_family (self, family))
        continue;
      /* The first few answer with nodes too, which starts a lookup of our
       * own id; the rest only need to prove they are alive. */
      shoal_dht_send_simple_query (self, &addr, n < SHOAL_DHT_K ? SHOAL_DHT_METHOD_FIND_NODE : SHOAL_DHT_METHOD_PING,
                         n < SHOAL_DHT_K);
      n++;
    }
  return n;
}

/**
 * shoal_dht_add_nodes_from_saved:
 * @self: a started DHT
 * @saved: data from shoal_dht_dup_nodes()
 * @error: return location for a #SHOAL_DHT_ERROR
 *
 * Contacts the saved nodes; those that answer join the routing table.
 *
 * Returns: how many nodes were contacted, 0 with @error set on bad data
 */
guint
shoal_dht_add_nodes_from_saved (ShoalDht  *self,
                                GBytes    *saved,
                                GError   **error)
{
  g_autoptr(ShoalBencode) doc = NULL;
  g_autoptr(GError) local_error = NULL;
  const ShoalBencodeNode *root;
  guint n;

  g_return_val_if_fail (SHOAL_IS_DHT (self), 0);
  g_return_val_if_fail (saved != NULL, 0);

  if (!shoal_dht_is_started (self))
    {
      g_set_error_literal (error, SHOAL_DHT_ERROR, SHOAL_DHT_ERROR_NOT_STARTED,
                           "The DHT node is not started");
      return 0;
    }
  doc = shoal_bencode_parse_full (saved, 2, 16, FALSE, &local_error);
  if (doc == NULL || !shoal_bencode_node_is (shoal_bencode_get_root (doc), SHOAL_BENCODE_DICT))
    {
      g_set_error (error, SHOAL_DHT_ERROR, SHOAL_DHT_ERROR_BAD_SAVED_NODES,
                   "The saved DHT nodes cannot be read: %s",
                   local_error != NULL ? local_error->message : "not a dictionary");
      return 0;
    }
  root = shoal_bencode_get_root (doc);
  n = ping_saved (self, root, "nodes", 4, &local_error);
  if (local_error == NULL)
    n += ping_saved (self, root, "nodes6", 6, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return 0;
    }
  return n;
}
