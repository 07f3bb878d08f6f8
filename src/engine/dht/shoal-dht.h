/* shoal-dht.h: a mainline DHT node (BEP 5, BEP 32)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "shoal-net-bind.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_DHT (shoal_dht_get_type ())
G_DECLARE_FINAL_TYPE (ShoalDht, shoal_dht, SHOAL, DHT, GObject)

#define SHOAL_DHT_ERROR (shoal_dht_error_quark ())

/**
 * ShoalDhtError:
 * @SHOAL_DHT_ERROR_NOT_STARTED: the node has no socket yet (or any more)
 * @SHOAL_DHT_ERROR_BIND: the UDP socket could not be opened
 * @SHOAL_DHT_ERROR_BAD_ADDRESS: a bootstrap address is not host:port
 * @SHOAL_DHT_ERROR_NO_NODES: no node answered the lookup: the routing
 *   table is empty or the network unreachable
 * @SHOAL_DHT_ERROR_ANNOUNCE_FAILED: no node accepted the announce
 * @SHOAL_DHT_ERROR_BAD_SAVED_NODES: saved node data cannot be read
 */
typedef enum
{
  SHOAL_DHT_ERROR_NOT_STARTED,
  SHOAL_DHT_ERROR_BIND,
  SHOAL_DHT_ERROR_BAD_ADDRESS,
  SHOAL_DHT_ERROR_NO_NODES,
  SHOAL_DHT_ERROR_ANNOUNCE_FAILED,
  SHOAL_DHT_ERROR_BAD_SAVED_NODES,
} ShoalDhtError;

/**
 * ShoalDhtPeersFunc:
 * @self: the DHT
 * @info_hash: (array fixed-size=20): the torrent looked up
 * @peers: (element-type GInetSocketAddress): peers not reported before by
 *   this lookup
 * @user_data: the data given with the function
 *
 * Called for each batch of peers a lookup finds, as the answers arrive.
 */
typedef void (*ShoalDhtPeersFunc) (ShoalDht     *self,
                                   const guint8 *info_hash,
                                   GPtrArray    *peers,
                                   gpointer      user_data);

GQuark        shoal_dht_error_quark              (void);

ShoalDht     *shoal_dht_new                      (const guint8 *node_id);
gboolean      shoal_dht_start                    (ShoalDht     *self,
                                                  const char   *bind_address,
                                                  guint16       port,
                                                  GError      **error);
void          shoal_dht_stop                     (ShoalDht     *self);
void          shoal_dht_start_shared             (ShoalDht     *self,
                                                  GSocket      *sock4,
                                                  GSocket      *sock6);
void          shoal_dht_start_relayed            (ShoalDht     *self,
                                                  gpointer      relay);
void          shoal_dht_handle_datagram          (ShoalDht           *self,
                                                  GInetSocketAddress *from,
                                                  const guint8       *data,
                                                  gsize               len);
gboolean      shoal_dht_is_started               (ShoalDht     *self);
guint16       shoal_dht_get_port                 (ShoalDht     *self);
const guint8 *shoal_dht_get_node_id              (ShoalDht     *self);
guint         shoal_dht_get_n_nodes              (ShoalDht     *self);
guint64       shoal_dht_get_n_rate_limited       (ShoalDht     *self);
void          shoal_dht_set_query_rate_limit     (ShoalDht     *self,
                                                  double        queries_per_second,
                                                  double        burst);
void          shoal_dht_set_query_timeout        (ShoalDht     *self,
                                                  guint         timeout_ms);
void          shoal_dht_set_hide_version         (ShoalDht     *self,
                                                  gboolean      hide);
void          shoal_dht_set_bind                 (ShoalDht     *self,
                                                  ShoalNetBind *bind);

gboolean      shoal_dht_add_bootstrap_node       (ShoalDht     *self,
                                                  const char   *host_and_port,
                                                  GError      **error);
void          shoal_dht_use_default_bootstrap    (ShoalDht     *self);
void          shoal_dht_add_node                 (ShoalDht       *self,
                                                  GSocketAddress *address);

GBytes       *shoal_dht_dup_nodes                (ShoalDht     *self);
guint         shoal_dht_add_nodes_from_saved     (ShoalDht     *self,
                                                  GBytes       *saved,
                                                  GError      **error);

void          shoal_dht_get_peers_async          (ShoalDht            *self,
                                                  const guint8        *info_hash,
                                                  GCancellable        *cancellable,
                                                  ShoalDhtPeersFunc    peers_func,
                                                  gpointer             peers_data,
                                                  GDestroyNotify       peers_destroy,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
GPtrArray    *shoal_dht_get_peers_finish         (ShoalDht            *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);
void          shoal_dht_announce_async           (ShoalDht            *self,
                                                  const guint8        *info_hash,
                                                  guint16              port,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
guint         shoal_dht_announce_finish          (ShoalDht            *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

G_END_DECLS
