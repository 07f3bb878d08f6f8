/* shoal-rpc-server.h: a session driven remotely through the Transmission RPC
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#if !defined (SHOAL_ENGINE_INSIDE) && !defined (SHOAL_ENGINE_COMPILATION)
# error "Only <shoal-engine.h> can be included directly."
#endif

#include <gio/gio.h>

#include "shoal-types.h"

G_BEGIN_DECLS

#define SHOAL_RPC_SERVER_ERROR (shoal_rpc_server_error_quark ())

/**
 * ShoalRpcServerError:
 * @SHOAL_RPC_SERVER_ERROR_NEEDS_PASSWORD: listening on an address other
 *   than loopback without a user name and password
 * @SHOAL_RPC_SERVER_ERROR_BAD_ADDRESS: the address to listen on is not an
 *   IP address
 * @SHOAL_RPC_SERVER_ERROR_LISTEN: the port could not be listened on
 *
 * The errors of shoal_rpc_server_listen(). Skipped by glib-mkenums: the
 * generated enums are built with session/, which does not see rpc/.
 */
typedef enum /*< skip >*/
{
  SHOAL_RPC_SERVER_ERROR_NEEDS_PASSWORD,
  SHOAL_RPC_SERVER_ERROR_BAD_ADDRESS,
  SHOAL_RPC_SERVER_ERROR_LISTEN,
} ShoalRpcServerError;

#define SHOAL_TYPE_RPC_SERVER (shoal_rpc_server_get_type ())
G_DECLARE_FINAL_TYPE (ShoalRpcServer, shoal_rpc_server, SHOAL, RPC_SERVER, GObject)

GQuark          shoal_rpc_server_error_quark      (void);

ShoalRpcServer *shoal_rpc_server_new              (ShoalSession     *session);
ShoalSession   *shoal_rpc_server_get_session      (ShoalRpcServer   *self);
void            shoal_rpc_server_set_credentials  (ShoalRpcServer   *self,
                                                   const char       *user,
                                                   const char       *password);
void            shoal_rpc_server_set_tls_certificate (ShoalRpcServer  *self,
                                                      GTlsCertificate *certificate);
void            shoal_rpc_server_add_allowed_host (ShoalRpcServer   *self,
                                                   const char       *host);
void            shoal_rpc_server_set_max_body_size (ShoalRpcServer  *self,
                                                    gsize            max_bytes);
gboolean        shoal_rpc_server_listen           (ShoalRpcServer   *self,
                                                   const char       *address,
                                                   guint16           port,
                                                   GError          **error);
guint16         shoal_rpc_server_get_port         (ShoalRpcServer   *self);
gboolean        shoal_rpc_server_load_settings    (ShoalRpcServer   *self,
                                                   GKeyFile         *settings,
                                                   GError          **error);
void            shoal_rpc_server_save_settings    (ShoalRpcServer   *self,
                                                   GKeyFile         *settings);
void            shoal_rpc_server_stop             (ShoalRpcServer   *self);

G_END_DECLS
