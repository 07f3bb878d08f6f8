/* shoal-rpc-client.h: a client of the Transmission RPC (a remote Shoal, or
 * any Transmission daemon)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#if !defined (SHOAL_ENGINE_INSIDE) && !defined (SHOAL_ENGINE_COMPILATION)
# error "Only <shoal-engine.h> can be included directly."
#endif

#include <gio/gio.h>

#include "shoal-remote-torrent.h"

G_BEGIN_DECLS

#define SHOAL_RPC_CLIENT_ERROR (shoal_rpc_client_error_quark ())

/**
 * ShoalRpcClientError:
 * @SHOAL_RPC_CLIENT_ERROR_BAD_URL: not an http(s) URL
 * @SHOAL_RPC_CLIENT_ERROR_UNAUTHORIZED: the server wants another user name
 *   or password (401), or refuses this address for a while (429)
 * @SHOAL_RPC_CLIENT_ERROR_HTTP: another HTTP error
 * @SHOAL_RPC_CLIENT_ERROR_PROTOCOL: the answer is not the RPC's JSON
 * @SHOAL_RPC_CLIENT_ERROR_FAILED: the server answered with an error result
 */
typedef enum /*< skip >*/
{
  SHOAL_RPC_CLIENT_ERROR_BAD_URL,
  SHOAL_RPC_CLIENT_ERROR_UNAUTHORIZED,
  SHOAL_RPC_CLIENT_ERROR_HTTP,
  SHOAL_RPC_CLIENT_ERROR_PROTOCOL,
  SHOAL_RPC_CLIENT_ERROR_FAILED,
} ShoalRpcClientError;

#define SHOAL_TYPE_RPC_CLIENT (shoal_rpc_client_get_type ())
G_DECLARE_FINAL_TYPE (ShoalRpcClient, shoal_rpc_client, SHOAL, RPC_CLIENT, GObject)

GQuark          shoal_rpc_client_error_quark   (void);

ShoalRpcClient *shoal_rpc_client_new           (const char          *url,
                                                const char          *user,
                                                const char          *password,
                                                GError             **error);
const char     *shoal_rpc_client_get_url       (ShoalRpcClient      *self);
GListModel     *shoal_rpc_client_get_torrents  (ShoalRpcClient      *self);

void            shoal_rpc_client_call_async    (ShoalRpcClient      *self,
                                                const char          *method,
                                                GVariant            *arguments,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
GVariant       *shoal_rpc_client_call_finish   (ShoalRpcClient      *self,
                                                GAsyncResult        *result,
                                                GError             **error);

void            shoal_rpc_client_refresh_async (ShoalRpcClient      *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean        shoal_rpc_client_refresh_finish (ShoalRpcClient     *self,
                                                 GAsyncResult       *result,
                                                 GError            **error);

void            shoal_rpc_client_invalidate    (ShoalRpcClient      *self);
ShoalRemoteTorrent *shoal_rpc_client_find_torrent (ShoalRpcClient *self,
                                                   int             id);

G_END_DECLS
