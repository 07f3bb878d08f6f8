/* shoal-port-mapper-private.h: what the port mapper's two files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * shoal-port-mapper.c holds the object, the run (which router, which
 * protocol, renewal, retries), PCP and NAT-PMP; shoal-port-mapper-upnp.c holds
 * UPnP IGD (SSDP, the description, SOAP). For this folder only.
 */
#pragma once

#include <libsoup/soup.h>

#include "shoal-port-mapper.h"
#include "shoal-portmap-codec.h"

G_BEGIN_DECLS

typedef struct
{
  guint8  op;            /* SHOAL_NATPMP_OP_MAP_TCP or _UDP */
  guint16 internal_port;
  guint16 external_port; /* 0: not mapped */
  guint8  nonce[SHOAL_PCP_NONCE_LEN]; /* PCP: the same for its renewals */
} ShoalMapping;

struct _ShoalPortMapper
{
  GObject               parent_instance;

  ShoalPortMappingState state;
  char                 *reason;
  char                 *external_address;
  ShoalMapping          tcp;
  ShoalMapping          udp;
  guint                 lease;         /* seconds asked for */
  GInetAddress         *bound;         /* the session's address, NULL: any */
  gboolean              active;        /* map() called, unmap() not since */

  /* The current run, from the default route to the mappings. */
  guint                 generation;    /* bumped when a run is abandoned */
  GCancellable         *cancellable;
  GInetAddress         *gateway;
  char                 *iface;
  GInetAddress         *local;
  gboolean              behind_nat;    /* the router's own address is not public */
  char                 *natpmp_failure;
  guint                 renew_id;
  guint                 retry_id;
  guint                 retry_seconds;

  /* NAT-PMP */
  GSocket              *pmp_socket;
  GSource              *pmp_source;
  guint                 pmp_timer;
  guint8                pmp_request[SHOAL_PCP_MAP_LEN];
  gsize                 pmp_len;
  guint                 pmp_tries;
  void                (*pmp_done) (ShoalPortMapper *self, const ShoalNatpmpAnswer *answer, const char *failure);
  void                (*pcp_done) (ShoalPortMapper *self, const ShoalPcpAnswer *answer, const char *failure);
  gboolean              pcp_enabled;
  guint32               pmp_epoch;
  gint64                pmp_epoch_at_us;

  /* UPnP */
  SoupSession          *soup;
  GSocket              *ssdp_socket;
  GSource              *ssdp_source;
  guint                 ssdp_timer;
  guint                 ssdp_tries;
  char                 *upnp_host;     /* the router that answered SSDP */
  char                 *control_url;
  char                 *service_type;
  guint                 upnp_step;     /* 0: mapping TCP, 1: UDP */
  guint16               candidate;     /* the external port being asked for */
  guint                 upnp_lease;    /* 0 once the router wants permanent ones */
  guint                 conflicts;     /* AddPortMapping conflicts in this round */
  guint                 n_pending;     /* deletions still going */
};

/* shoal-port-mapper.c */
void     _shoal_port_mapper_set_state    (ShoalPortMapper       *self,
                                          ShoalPortMappingState  state,
                                          const char            *reason);
void     _shoal_port_mapper_mapped       (ShoalPortMapper       *self,
                                          ShoalPortMappingState  how,
                                          guint                  lifetime);
void     _shoal_port_mapper_run_failed   (ShoalPortMapper       *self,
                                          const char            *reason);
void     _shoal_port_mapper_set_external (ShoalPortMapper       *self,
                                          GInetAddress          *address);
void     _shoal_port_mapper_pending_done (ShoalPortMapper       *self);

/* shoal-port-mapper-upnp.c */
void     _shoal_port_mapper_upnp_start   (ShoalPortMapper       *self);
void     _shoal_port_mapper_upnp_renew   (ShoalPortMapper       *self);
void     _shoal_port_mapper_upnp_delete  (ShoalPortMapper       *self);
void     _shoal_port_mapper_upnp_stop    (ShoalPortMapper       *self);

G_END_DECLS
