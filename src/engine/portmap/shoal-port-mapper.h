/* shoal-port-mapper.h: asks the home router to forward our ports
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "shoal-types.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_PORT_MAPPER (shoal_port_mapper_get_type ())
G_DECLARE_FINAL_TYPE (ShoalPortMapper, shoal_port_mapper, SHOAL, PORT_MAPPER, GObject)

ShoalPortMapper      *shoal_port_mapper_new                  (void);
void                  shoal_port_mapper_set_lease            (ShoalPortMapper *self,
                                                              guint            seconds);
void                  shoal_port_mapper_set_pcp_enabled      (ShoalPortMapper *self,
                                                              gboolean         enabled);
void                  shoal_port_mapper_set_bound_address    (ShoalPortMapper *self,
                                                              GInetAddress    *address);
void                  shoal_port_mapper_map                  (ShoalPortMapper *self,
                                                              guint16          tcp_port,
                                                              guint16          udp_port);
void                  shoal_port_mapper_unmap                (ShoalPortMapper      *self,
                                                              ShoalPortMappingState state,
                                                              const char           *reason);
guint                 shoal_port_mapper_get_n_pending        (ShoalPortMapper *self);

ShoalPortMappingState shoal_port_mapper_get_state            (ShoalPortMapper *self);
const char           *shoal_port_mapper_get_reason           (ShoalPortMapper *self);
const char           *shoal_port_mapper_get_external_address (ShoalPortMapper *self);
guint16               shoal_port_mapper_get_external_tcp_port (ShoalPortMapper *self);
guint16               shoal_port_mapper_get_external_udp_port (ShoalPortMapper *self);

G_END_DECLS
