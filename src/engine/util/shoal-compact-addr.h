/* shoal-compact-addr.h: compact peer addresses (BEP 23, BEP 7, BEP 5)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Owns the packed address form that trackers, peer exchange and the DHT
 * share: the IP in network order then the port, big-endian; 6 bytes for
 * IPv4, 18 for IPv6. A DHT node entry is a 20-byte node id then this.
 * Each caller keeps its own peer struct; the family is always named by
 * GSocketFamily here. May use: GLib/GIO, util/shoal-be.h.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SHOAL_COMPACT_ADDR4_LEN 6
#define SHOAL_COMPACT_ADDR6_LEN 18
/* The largest entry, for buffers. */
#define SHOAL_COMPACT_ADDR_MAX_LEN SHOAL_COMPACT_ADDR6_LEN
/* A DHT node entry: its 20-byte id, then its compact address (BEP 5, 32). */
#define SHOAL_COMPACT_NODE_ID_LEN  20
#define SHOAL_COMPACT_NODE4_LEN    (SHOAL_COMPACT_NODE_ID_LEN + SHOAL_COMPACT_ADDR4_LEN)
#define SHOAL_COMPACT_NODE6_LEN    (SHOAL_COMPACT_NODE_ID_LEN + SHOAL_COMPACT_ADDR6_LEN)

gsize          shoal_compact_addr_ip_len          (GSocketFamily  family);
gsize          shoal_compact_addr_len             (GSocketFamily  family);
GSocketFamily  shoal_compact_addr_family_from_len (gsize          entry_len);
const char    *shoal_compact_addr_family_name     (GSocketFamily  family);
void           shoal_compact_addr_decode          (const guint8  *entry,
                                                   GSocketFamily  family,
                                                   guint8         ip[16],
                                                   guint16       *port);
gsize          shoal_compact_addr_encode          (guint8        *entry,
                                                   GSocketFamily  family,
                                                   const guint8  *ip,
                                                   guint16        port);
void           shoal_compact_addr_append          (GByteArray    *out,
                                                   GSocketFamily  family,
                                                   const guint8  *ip,
                                                   guint16        port);

gsize          shoal_compact_node_len             (GSocketFamily  family);
void           shoal_compact_node_decode          (const guint8  *entry,
                                                   GSocketFamily  family,
                                                   guint8         id[SHOAL_COMPACT_NODE_ID_LEN],
                                                   guint8         ip[16],
                                                   guint16       *port);
void           shoal_compact_node_append          (GByteArray    *out,
                                                   GSocketFamily  family,
                                                   const guint8  *id,
                                                   const guint8  *ip,
                                                   guint16        port);

G_END_DECLS
