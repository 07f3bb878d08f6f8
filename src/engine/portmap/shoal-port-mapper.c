/* shoal-port-mapper.c: asks the home router to forward our ports: the
 * run (default route, PCP first, NAT-PMP for a router that speaks only
 * that, then UPnP IGD), renewal, retries, NAT-PMP (RFC 6886) and PCP
 * (RFC 6887)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Nothing here blocks: NAT-PMP and SSDP are datagrams on non-blocking
 * GSockets watched from the main context, SOAP goes through libsoup's
 * async API. Only /proc/net/route is read directly (a kernel table, no
 * I/O to wait for).
 */
#include "config.h"

#include <string.h>

#include "shoal-port-mapper-private.h"

#define DEFAULT_LEASE_SECONDS  3600u
#define NATPMP_TRIES           4u     /* 250 ms doubling: gives up after ~4 s */
#define PCP_TRIES              2u
#define FIRST_RETRY_SECONDS    60u
#define LAST_RETRY_SECONDS     900u

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ShoalPortMapper, shoal_port_mapper, G_TYPE_OBJECT)

static void run_begin (ShoalPortMapper *self);

static gboolean
is_mapped (ShoalPortMappingState state)
{
  return state == SHOAL_PORT_MAPPING_UPNP || state == SHOAL_PORT_MAPPING_NATPMP || state == SHOAL_PORT_MAPPING_PCP;
}

static void
pmp_stop (ShoalPortMapper *self)
{
  g_clear_handle_id (&self->pmp_timer, g_source_remove);
  self->pmp_done = NULL;
  self->pcp_done = NULL;
  if (self->pmp_source != NULL)
    g_source_destroy (self->pmp_source);
  g_clear_pointer (&self->pmp_source, g_source_unref);
  g_clear_object (&self->pmp_socket);
}

/* Forgets the current run: every callback of it still in flight finds a
 * newer generation and does nothing. */
static void
run_abandon (ShoalPortMapper *self)
{
  self->generation++;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->renew_id, g_source_remove);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  pmp_stop (self);
  _shoal_port_mapper_upnp_stop (self);
  g_clear_object (&self->gateway);
  g_clear_object (&self->local);
  g_clear_pointer (&self->iface, g_free);
  g_clear_pointer (&self->natpmp_failure, g_free);
  self->behind_nat = FALSE;
}

static void
shoal_port_mapper_dispose (GObject *object)
{
  ShoalPortMapper *self = SHOAL_PORT_MAPPER (object);

  run_abandon (self);
  g_clear_object (&self->soup);
  G_OBJECT_CLASS (shoal_port_mapper_parent_class)->dispose (object);
}

static void
shoal_port_mapper_finalize (GObject *object)
{
  ShoalPortMapper *self = SHOAL_PORT_MAPPER (object);

  g_free (self->reason);
  g_free (self->external_address);
  g_clear_object (&self->bound);
  g_free (self->upnp_host);
  g_free (self->control_url);
  g_free (self->service_type);
  G_OBJECT_CLASS (shoal_port_mapper_parent_class)->finalize (object);
}

static void
shoal_port_mapper_class_init (ShoalPortMapperClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_port_mapper_dispose;
  object_class->finalize = shoal_port_mapper_finalize;

  /**
   * ShoalPortMapper::changed:
   *
   * The state, the reason, the external address or a port changed, or
   * the last deletion in flight ended.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
}

static void
shoal_port_mapper_init (ShoalPortMapper *self)
{
  self->lease = DEFAULT_LEASE_SECONDS;
  self->retry_seconds = FIRST_RETRY_SECONDS;
  self->tcp.op = SHOAL_NATPMP_OP_MAP_TCP;
  self->udp.op = SHOAL_NATPMP_OP_MAP_UDP;
  self->pcp_enabled = TRUE;
  self->reason = g_strdup ("Port mapping is off");
  /* Routers answer at once or not at all: a short timeout, so that a
   * silent one does not hold the session's close for long. The router is
   * on our link: never through a proxy. */
  self->soup = soup_session_new_with_options ("user-agent", "Shoal/" PACKAGE_VERSION,
                                              "timeout", 5,
                                              "idle-timeout", 10,
                                              "proxy-resolver", NULL,
                                              NULL);
}

/**
 * shoal_port_mapper_new:
 *
 * Returns: (transfer full): a port mapper, not mapping anything yet
 */
ShoalPortMapper *
shoal_port_mapper_new (void)
{
  return g_object_new (SHOAL_TYPE_PORT_MAPPER, NULL);
}

/**
 * shoal_port_mapper_set_lease:
 * @self: a port mapper
 * @seconds: the lifetime to ask for (tests ask for short ones); 0 for
 *   the usual hour
 */
void
shoal_port_mapper_set_lease (ShoalPortMapper *self,
                             guint            seconds)
{
  g_return_if_fail (SHOAL_IS_PORT_MAPPER (self));
  self->lease = seconds == 0 ? DEFAULT_LEASE_SECONDS : CLAMP (seconds, 4, 86400);
}

/**
 * shoal_port_mapper_set_pcp_enabled:
 * @self: a port mapper
 * @enabled: whether to ask in PCP before NAT-PMP (the default; tests
 *   turn it off to test NAT-PMP against a router that speaks both)
 */
void
shoal_port_mapper_set_pcp_enabled (ShoalPortMapper *self,
                                   gboolean         enabled)
{
  g_return_if_fail (SHOAL_IS_PORT_MAPPER (self));
  self->pcp_enabled = !!enabled;
}

/**
 * shoal_port_mapper_set_bound_address:
 * @self: a port mapper
 * @address: (nullable): the address the session listens on, %NULL (or an
 *   any-address) for all
 *
 * A session bound to an address that is not the default route's (a VPN's)
 * must not open a port on the router: nothing is mapped then.
 */
void
shoal_port_mapper_set_bound_address (ShoalPortMapper *self,
                                     GInetAddress    *address)
{
  g_return_if_fail (SHOAL_IS_PORT_MAPPER (self));
  if (address != NULL && g_inet_address_get_is_any (address))
    address = NULL;
  g_set_object (&self->bound, address);
}

static void
emit_changed (ShoalPortMapper *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
_shoal_port_mapper_set_state (ShoalPortMapper       *self,
                              ShoalPortMappingState  state,
                              const char            *reason)
{
  if (self->state == state && g_strcmp0 (self->reason, reason) == 0)
    return;
  self->state = state;
  g_free (self->reason);
  self->reason = g_strdup (reason);
  g_debug ("port mapping: %s", reason);
  emit_changed (self);
}

void
_shoal_port_mapper_set_external (ShoalPortMapper *self,
                                 GInetAddress    *address)
{
  g_autofree char *text = address ? g_inet_address_to_string (address) : NULL;

  if (g_strcmp0 (text, self->external_address) == 0)
    return;
  g_free (self->external_address);
  self->external_address = g_steal_pointer (&text);
  emit_changed (self);
}

static gboolean
retry_cb (gpointer user_data)
{
  ShoalPortMapper *self = user_data;

  self->retry_id = 0;
  run_begin (self);
  return G_SOURCE_REMOVE;
}

/* The run ends without a mapping: says why, and tries again later (the
 * router may come back, or the network change). */
void
_shoal_port_mapper_run_failed (ShoalPortMapper *self,
                               const char      *reason)
{
  guint retry = self->retry_seconds;

  run_abandon (self);
  self->tcp.external_port = 0;
  self->udp.external_port = 0;
  _shoal_port_mapper_set_state (self, SHOAL_PORT_MAPPING_NOT_MAPPED, reason);
  self->retry_seconds = MIN (retry * 2, LAST_RETRY_SECONDS);
  self->retry_id = g_timeout_add_seconds (retry, retry_cb, self);
}

static gboolean
renew_cb (gpointer user_data)
{
  ShoalPortMapper *self = user_data;

  self->renew_id = 0;
  g_debug ("port mapping: renewing");
  if (self->state == SHOAL_PORT_MAPPING_UPNP)
    _shoal_port_mapper_upnp_renew (self);
  else
    run_begin (self);
  return G_SOURCE_REMOVE;
}

/* Every mapping is in place for @lifetime seconds (0: for good). */
void
_shoal_port_mapper_mapped (ShoalPortMapper       *self,
                           ShoalPortMappingState  how,
                           guint                  lifetime)
{
  g_autofree char *reason = NULL;
  const char *by = how == SHOAL_PORT_MAPPING_UPNP ? "UPnP IGD" : how == SHOAL_PORT_MAPPING_PCP ? "PCP" : "NAT-PMP";
  guint renew;

  if (self->udp.internal_port != 0)
    reason = g_strdup_printf ("Mapped by %s: %s port %u (TCP) and %u (UDP)", by,
                              self->external_address ? self->external_address : "?",
                              self->tcp.external_port, self->udp.external_port);
  else
    reason = g_strdup_printf ("Mapped by %s: %s port %u (TCP)", by,
                              self->external_address ? self->external_address : "?",
                              self->tcp.external_port);
  self->retry_seconds = FIRST_RETRY_SECONDS;
  /* Half way through the lease; a permanent one is checked every 10
   * minutes, to notice a router that restarted and forgot it. */
  renew = lifetime == 0 ? 600 : MAX (lifetime / 2, 2);
  g_clear_handle_id (&self->renew_id, g_source_remove);
  self->renew_id = g_timeout_add_seconds (renew, renew_cb, self);
  g_debug ("port mapping: renewal in %u s", renew);
  _shoal_port_mapper_set_state (self, how, reason);
  emit_changed (self);
}

void
_shoal_port_mapper_pending_done (ShoalPortMapper *self)
{
  g_assert (self->n_pending > 0);
  if (--self->n_pending == 0)
    emit_changed (self);
}

/* ---- NAT-PMP ---- */

static void pmp_transmit (ShoalPortMapper *self);

static void
pmp_finish (ShoalPortMapper         *self,
            const ShoalNatpmpAnswer *answer,
            const char              *failure)
{
  void (*done) (ShoalPortMapper *, const ShoalNatpmpAnswer *, const char *) = self->pmp_done;

  g_clear_handle_id (&self->pmp_timer, g_source_remove);
  self->pmp_done = NULL;
  if (done != NULL)
    done (self, answer, failure);
}

static void
pcp_finish (ShoalPortMapper      *self,
            const ShoalPcpAnswer *answer,
            const char           *failure)
{
  void (*done) (ShoalPortMapper *, const ShoalPcpAnswer *, const char *) = self->pcp_done;

  g_clear_handle_id (&self->pmp_timer, g_source_remove);
  self->pcp_done = NULL;
  if (done != NULL)
    done (self, answer, failure);
}

/* Either transaction's end without an answer. */
static void
transaction_failed (ShoalPortMapper *self,
                    const char      *failure)
{
  if (self->pcp_done != NULL)
    pcp_finish (self, NULL, failure);
  else
    pmp_finish (self, NULL, failure);
}

static gboolean
pmp_timeout_cb (gpointer user_data)
{
  ShoalPortMapper *self = user_data;
  g_autofree char *failure = NULL;
  g_autofree char *gateway = NULL;

  self->pmp_timer = 0;
  /* PCP is asked briefly: a router that does not answer it will not
   * answer NAT-PMP either (one that speaks only NAT-PMP says so). */
  if (self->pmp_tries < (self->pcp_done != NULL ? PCP_TRIES : NATPMP_TRIES))
    {
      pmp_transmit (self);
      return G_SOURCE_REMOVE;
    }
  gateway = g_inet_address_to_string (self->gateway);
  failure = g_strdup_printf ("no %s answer from %s", self->pcp_done != NULL ? "PCP" : "NAT-PMP", gateway);
  transaction_failed (self, failure);
  return G_SOURCE_REMOVE;
}

static void
pmp_transmit (ShoalPortMapper *self)
{
  g_autoptr(GError) error = NULL;

  if (g_socket_send (self->pmp_socket, (const char *) self->pmp_request, self->pmp_len, NULL, &error) < 0 &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      g_autofree char *failure = g_strdup_printf ("NAT-PMP: %s", error->message);

      transaction_failed (self, failure);
      return;
    }
  self->pmp_timer = g_timeout_add (250u << self->pmp_tries, pmp_timeout_cb, self);
  self->pmp_tries++;
}

static void
pmp_send (ShoalPortMapper *self,
          const guint8    *request,
          gsize            len,
          void           (*done) (ShoalPortMapper *, const ShoalNatpmpAnswer *, const char *))
{
  g_assert (len <= sizeof self->pmp_request);
  memcpy (self->pmp_request, request, len);
  self->pmp_len = len;
  self->pmp_tries = 0;
  self->pmp_done = done;
  g_clear_handle_id (&self->pmp_timer, g_source_remove);
  pmp_transmit (self);
}

static gboolean
pmp_readable_cb (GSocket      *socket,
                 GIOCondition  condition,
                 gpointer      user_data)
{
  ShoalPortMapper *self = user_data;

  for (guint i = 0; i < 8 && self->pmp_socket == socket; i++)
    {
      guint8 buffer[1100];
      g_autoptr(GError) error = NULL;
      ShoalNatpmpAnswer answer;
      gssize n = g_socket_receive (socket, (char *) buffer, sizeof buffer, NULL, &error);

      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
          /* The router's ICMP "port unreachable": no NAT-PMP there. */
          if (self->pmp_done != NULL || self->pcp_done != NULL)
            {
              g_autofree char *failure = g_strdup_printf ("no NAT-PMP or PCP on the router (%s)", error->message);

              transaction_failed (self, failure);
            }
          break;
        }
      if (self->pcp_done != NULL)
        {
          ShoalPcpAnswer pcp;

          if (!shoal_pcp_decode (buffer, (gsize) n, &pcp, &error))
            {
              g_debug ("port mapping: ignoring a PCP datagram: %s", error->message);
              continue;
            }
          if (pcp.natpmp)
            {
              pcp_finish (self, NULL, "the router speaks NAT-PMP, not PCP");
              continue;
            }
          if (pcp.op != SHOAL_PCP_OP_MAP ||
              (pcp.result == SHOAL_PCP_RESULT_SUCCESS &&
               (memcmp (pcp.nonce, self->pmp_request + 24, SHOAL_PCP_NONCE_LEN) != 0 ||
                pcp.protocol != self->pmp_request[36] ||
                pcp.internal_port != (guint16) ((self->pmp_request[40] << 8) | self->pmp_request[41]))))
            continue;
          pcp_finish (self, &pcp, NULL);
          continue;
        }
      if (self->pmp_done == NULL)
        continue;
      if (!shoal_natpmp_decode (buffer, (gsize) n, &answer, &error))
        {
          g_debug ("port mapping: ignoring a NAT-PMP datagram: %s", error->message);
          continue;
        }
      if (answer.op != self->pmp_request[1])
        continue;
      if (answer.result == SHOAL_NATPMP_RESULT_SUCCESS && answer.op != SHOAL_NATPMP_OP_EXTERNAL &&
          answer.internal_port != (guint16) ((self->pmp_request[4] << 8) | self->pmp_request[5]))
        continue;
      pmp_finish (self, &answer, NULL);
    }
  return G_SOURCE_CONTINUE;
}

/* Notices a router that restarted: its epoch counts seconds since its
 * mappings were last lost, and should have grown about as much as our
 * clock (RFC 6886, 3.6). */
static void
pmp_check_epoch (ShoalPortMapper *self,
                 guint32          epoch)
{
  gint64 now = g_get_monotonic_time ();

  if (self->pmp_epoch_at_us != 0)
    {
      gint64 elapsed = (now - self->pmp_epoch_at_us) / G_USEC_PER_SEC;
      gint64 expected = (gint64) self->pmp_epoch + elapsed * 7 / 8 - 2;

      if ((gint64) epoch < expected)
        g_message ("The router restarted and lost its port mappings (epoch %u, expected %" G_GINT64_FORMAT "); mapping again",
                   epoch, expected);
    }
  self->pmp_epoch = epoch;
  self->pmp_epoch_at_us = now;
}

static void pmp_map (ShoalPortMapper *self, ShoalMapping *mapping);

static void
pmp_fall_back (ShoalPortMapper *self,
               const char      *failure)
{
  g_free (self->natpmp_failure);
  self->natpmp_failure = g_strdup (failure);
  pmp_stop (self);
  /* A mapping made by NAT-PMP that cannot be renewed: the router is gone,
   * or restarted without NAT-PMP. */
  if (self->state == SHOAL_PORT_MAPPING_NATPMP || self->state == SHOAL_PORT_MAPPING_PCP)
    {
      g_autofree char *reason = g_strdup_printf ("The router stopped answering at renewal (%s)", failure);

      _shoal_port_mapper_run_failed (self, reason);
      return;
    }
  g_debug ("port mapping: %s; trying UPnP", failure);
  _shoal_port_mapper_upnp_start (self);
}

static void
pmp_mapped_cb (ShoalPortMapper         *self,
               const ShoalNatpmpAnswer *answer,
               const char              *failure)
{
  ShoalMapping *mapping;

  if (answer == NULL)
    {
      pmp_fall_back (self, failure);
      return;
    }
  if (answer->result != SHOAL_NATPMP_RESULT_SUCCESS)
    {
      g_autofree char *why = g_strdup_printf ("NAT-PMP refused the mapping: %s (%u)",
                                              shoal_natpmp_result_to_string (answer->result), answer->result);

      pmp_fall_back (self, why);
      return;
    }
  pmp_check_epoch (self, answer->epoch);
  mapping = answer->op == SHOAL_NATPMP_OP_MAP_TCP ? &self->tcp : &self->udp;
  if (mapping->external_port != 0 && mapping->external_port != answer->external_port)
    g_debug ("port mapping: the router moved %s port %u to %u",
             answer->op == SHOAL_NATPMP_OP_MAP_TCP ? "TCP" : "UDP",
             mapping->external_port, answer->external_port);
  mapping->external_port = answer->external_port;
  if (mapping == &self->tcp && self->udp.internal_port != 0)
    {
      pmp_map (self, &self->udp);
      return;
    }
  _shoal_port_mapper_mapped (self, SHOAL_PORT_MAPPING_NATPMP, MIN (answer->lifetime, self->lease));
}

static void
pmp_map (ShoalPortMapper *self,
         ShoalMapping    *mapping)
{
  guint8 request[SHOAL_NATPMP_REQUEST_MAX];
  gsize len = shoal_natpmp_encode_map (request, mapping->op, mapping->internal_port,
                                       mapping->external_port ? mapping->external_port : mapping->internal_port,
                                       self->lease);

  pmp_send (self, request, len, pmp_mapped_cb);
}

static char *
behind_nat_reason (const char *address)
{
  if (address != NULL)
    return g_strdup_printf ("Your router is itself behind a NAT: its own internet address (%s) is private, "
                            "so no port mapping on it can make you reachable", address);
  return g_strdup ("Your router is itself behind a NAT: it has no public address of its own, "
                   "so no port mapping on it can make you reachable");
}

static void
pmp_external_cb (ShoalPortMapper         *self,
                 const ShoalNatpmpAnswer *answer,
                 const char              *failure)
{
  g_autoptr(GInetAddress) external = NULL;

  if (answer == NULL)
    {
      pmp_fall_back (self, failure);
      return;
    }
  if (answer->result == SHOAL_NATPMP_RESULT_NETWORK_FAILURE)
    {
      g_autofree char *reason = behind_nat_reason (NULL);

      _shoal_port_mapper_run_failed (self, reason);
      return;
    }
  if (answer->result != SHOAL_NATPMP_RESULT_SUCCESS)
    {
      g_autofree char *why = g_strdup_printf ("NAT-PMP: %s (%u)", shoal_natpmp_result_to_string (answer->result),
                                              answer->result);

      pmp_fall_back (self, why);
      return;
    }
  pmp_check_epoch (self, answer->epoch);
  external = g_inet_address_new_from_bytes (answer->external, G_SOCKET_FAMILY_IPV4);
  if (!shoal_portmap_address_is_public (external))
    {
      g_autofree char *text = g_inet_address_to_string (external);
      g_autofree char *reason = behind_nat_reason (text);

      _shoal_port_mapper_run_failed (self, reason);
      return;
    }
  _shoal_port_mapper_set_external (self, external);
  pmp_map (self, &self->tcp);
}

/* ---- PCP (RFC 6887) ---- */

static const char pcp_natpmp_only[] = "the router speaks NAT-PMP, not PCP";

static void
natpmp_begin (ShoalPortMapper *self)
{
  guint8 request[SHOAL_NATPMP_REQUEST_MAX];
  gsize len = shoal_natpmp_encode_external (request);

  pmp_send (self, request, len, pmp_external_cb);
}

static void pcp_map (ShoalPortMapper *self, ShoalMapping *mapping);

static void
pcp_mapped_cb (ShoalPortMapper      *self,
               const ShoalPcpAnswer *answer,
               const char           *failure)
{
  g_autoptr(GInetAddress) external = NULL;
  ShoalMapping *mapping;

  if (answer == NULL && failure == pcp_natpmp_only && self->state != SHOAL_PORT_MAPPING_PCP)
    {
      g_debug ("port mapping: %s", failure);
      natpmp_begin (self);
      return;
    }
  if (answer == NULL)
    {
      pmp_fall_back (self, failure);
      return;
    }
  if (answer->result == SHOAL_PCP_RESULT_NETWORK_FAILURE || answer->result == SHOAL_PCP_RESULT_CANNOT_PROVIDE_EXTERNAL)
    {
      g_autofree char *reason = behind_nat_reason (NULL);

      _shoal_port_mapper_run_failed (self, reason);
      return;
    }
  if (answer->result == SHOAL_PCP_RESULT_UNSUPP_VERSION && self->state != SHOAL_PORT_MAPPING_PCP)
    {
      natpmp_begin (self);
      return;
    }
  if (answer->result != SHOAL_PCP_RESULT_SUCCESS)
    {
      g_autofree char *why = g_strdup_printf ("PCP refused the mapping: %s (%u)",
                                              shoal_pcp_result_to_string (answer->result), answer->result);

      pmp_fall_back (self, why);
      return;
    }
  pmp_check_epoch (self, answer->epoch);
  external = shoal_pcp_answer_dup_external (answer);
  if (external == NULL || !shoal_portmap_address_is_public (external))
    {
      g_autofree char *text = external ? g_inet_address_to_string (external) : NULL;
      g_autofree char *reason = behind_nat_reason (text);

      _shoal_port_mapper_run_failed (self, reason);
      return;
    }
  _shoal_port_mapper_set_external (self, external);
  mapping = answer->protocol == SHOAL_PCP_PROTOCOL_TCP ? &self->tcp : &self->udp;
  mapping->external_port = answer->external_port;
  if (mapping == &self->tcp && self->udp.internal_port != 0)
    {
      pcp_map (self, &self->udp);
      return;
    }
  _shoal_port_mapper_mapped (self, SHOAL_PORT_MAPPING_PCP, MIN (answer->lifetime, self->lease));
}

static void
pcp_map (ShoalPortMapper *self,
         ShoalMapping    *mapping)
{
  guint8 request[SHOAL_PCP_MAP_LEN];
  gsize len = shoal_pcp_encode_map (request, self->local, mapping->nonce,
                                    mapping->op == SHOAL_NATPMP_OP_MAP_TCP ? SHOAL_PCP_PROTOCOL_TCP
                                                                          : SHOAL_PCP_PROTOCOL_UDP,
                                    mapping->internal_port,
                                    mapping->external_port ? mapping->external_port : mapping->internal_port,
                                    self->lease);

  memcpy (self->pmp_request, request, len);
  self->pmp_len = len;
  self->pmp_tries = 0;
  self->pmp_done = NULL;
  self->pcp_done = pcp_mapped_cb;
  g_clear_handle_id (&self->pmp_timer, g_source_remove);
  pmp_transmit (self);
}

/* ---- the run ---- */

static void
run_begin (ShoalPortMapper *self)
{
  g_autofree char *route = NULL;
  g_autofree char *iface = NULL;
  g_autoptr(GInetAddress) gateway = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) target = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autofree char *gateway_text = NULL;
  g_autofree char *pending = NULL;

  run_abandon (self);
  self->cancellable = g_cancellable_new ();
  if (!g_file_get_contents ("/proc/net/route", &route, NULL, &error) ||
      !shoal_portmap_parse_default_route (route, &iface, &gateway, &error))
    {
      _shoal_port_mapper_run_failed (self, error->message);
      return;
    }
  self->gateway = g_object_ref (gateway);
  self->iface = g_strdup (iface);
  gateway_text = g_inet_address_to_string (gateway);

  /* Connected to the gateway's NAT-PMP port: only its datagrams come in,
   * its "port unreachable" shows as an error, and the local address is
   * the one the default route uses (connecting sends nothing). */
  self->pmp_socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  target = g_inet_socket_address_new (gateway, SHOAL_NATPMP_PORT);
  if (self->pmp_socket == NULL || !g_socket_connect (self->pmp_socket, target, NULL, &error) ||
      (local = g_socket_get_local_address (self->pmp_socket, &error)) == NULL)
    {
      g_autofree char *reason = g_strdup_printf ("Cannot reach the router at %s: %s", gateway_text, error->message);

      _shoal_port_mapper_run_failed (self, reason);
      return;
    }
  g_socket_set_blocking (self->pmp_socket, FALSE);
  self->local = g_object_ref (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
  if (self->bound != NULL && !g_inet_address_equal (self->bound, self->local))
    {
      g_autofree char *bound = g_inet_address_to_string (self->bound);
      g_autofree char *reason = g_strdup_printf ("Not mapped: the session is bound to %s, which is not on the "
                                                 "default route (%s): a port is never opened on the router for "
                                                 "another interface, such as a VPN", bound, self->iface);

      run_abandon (self);
      _shoal_port_mapper_set_state (self, SHOAL_PORT_MAPPING_NOT_MAPPED, reason);
      return;
    }
  self->pmp_source = g_socket_create_source (self->pmp_socket, G_IO_IN | G_IO_ERR, NULL);
  g_source_set_callback (self->pmp_source, (GSourceFunc) (void (*) (void)) pmp_readable_cb, self, NULL);
  g_source_set_static_name (self->pmp_source, "[shoal] NAT-PMP");
  g_source_attach (self->pmp_source, g_main_context_get_thread_default ());

  if (!is_mapped (self->state))
    {
      pending = g_strdup_printf ("Asking the router at %s", gateway_text);
      _shoal_port_mapper_set_state (self, SHOAL_PORT_MAPPING_PENDING, pending);
    }
  if (self->pcp_enabled)
    pcp_map (self, &self->tcp);
  else
    natpmp_begin (self);
}

/* Removes our mappings from the router, without waiting. */
static void
delete_mappings (ShoalPortMapper *self)
{
  if (self->state == SHOAL_PORT_MAPPING_NATPMP && self->pmp_socket != NULL)
    {
      ShoalMapping *mappings[] = { &self->tcp, &self->udp };

      for (guint i = 0; i < G_N_ELEMENTS (mappings); i++)
        {
          guint8 request[SHOAL_NATPMP_REQUEST_MAX];
          gsize len;

          if (mappings[i]->external_port == 0)
            continue;
          /* RFC 6886 3.4: lifetime 0 and external port 0 delete it. */
          len = shoal_natpmp_encode_map (request, mappings[i]->op, mappings[i]->internal_port, 0, 0);
          g_socket_send (self->pmp_socket, (const char *) request, len, NULL, NULL);
          g_debug ("port mapping: deleting %s port %u (NAT-PMP)",
                   mappings[i]->op == SHOAL_NATPMP_OP_MAP_TCP ? "TCP" : "UDP", mappings[i]->external_port);
        }
    }
  else if (self->state == SHOAL_PORT_MAPPING_PCP && self->pmp_socket != NULL)
    {
      ShoalMapping *mappings[] = { &self->tcp, &self->udp };

      for (guint i = 0; i < G_N_ELEMENTS (mappings); i++)
        {
          guint8 request[SHOAL_PCP_MAP_LEN];
          gsize len;

          if (mappings[i]->external_port == 0)
            continue;
          /* RFC 6887 15: lifetime 0 with the mapping's nonce deletes it. */
          len = shoal_pcp_encode_map (request, self->local, mappings[i]->nonce,
                                      mappings[i]->op == SHOAL_NATPMP_OP_MAP_TCP ? SHOAL_PCP_PROTOCOL_TCP
                                                                                : SHOAL_PCP_PROTOCOL_UDP,
                                      mappings[i]->internal_port, 0, 0);
          g_socket_send (self->pmp_socket, (const char *) request, len, NULL, NULL);
          g_debug ("port mapping: deleting %s port %u (PCP)",
                   mappings[i]->op == SHOAL_NATPMP_OP_MAP_TCP ? "TCP" : "UDP", mappings[i]->external_port);
        }
    }
  else if (self->state == SHOAL_PORT_MAPPING_UPNP)
    _shoal_port_mapper_upnp_delete (self);
  self->tcp.external_port = 0;
  self->udp.external_port = 0;
}

/**
 * shoal_port_mapper_map:
 * @self: a port mapper
 * @tcp_port: the listening port
 * @udp_port: the UDP (DHT) port, 0 for none
 *
 * Maps both ports on the router, or changes the mapped ports (the old
 * mappings are deleted), and keeps them mapped until
 * shoal_port_mapper_unmap().
 */
void
shoal_port_mapper_map (ShoalPortMapper *self,
                       guint16          tcp_port,
                       guint16          udp_port)
{
  g_return_if_fail (SHOAL_IS_PORT_MAPPER (self));
  g_return_if_fail (tcp_port != 0);

  if (self->active && self->tcp.internal_port == tcp_port && self->udp.internal_port == udp_port)
    return;
  if (self->active)
    delete_mappings (self);
  self->active = TRUE;
  self->tcp.internal_port = tcp_port;
  self->udp.internal_port = udp_port;
  for (guint i = 0; i < SHOAL_PCP_NONCE_LEN; i++)
    {
      self->tcp.nonce[i] = (guint8) g_random_int_range (0, 256);
      self->udp.nonce[i] = (guint8) g_random_int_range (0, 256);
    }
  self->retry_seconds = FIRST_RETRY_SECONDS;
  if (is_mapped (self->state))
    self->state = SHOAL_PORT_MAPPING_PENDING;
  run_begin (self);
}

/**
 * shoal_port_mapper_unmap:
 * @self: a port mapper
 * @state: %SHOAL_PORT_MAPPING_OFF or %SHOAL_PORT_MAPPING_NOT_MAPPED
 * @reason: why, for a person
 *
 * Stops mapping and deletes the mappings on the router; see
 * shoal_port_mapper_get_n_pending() for the deletions still going.
 */
void
shoal_port_mapper_unmap (ShoalPortMapper       *self,
                         ShoalPortMappingState  state,
                         const char            *reason)
{
  g_return_if_fail (SHOAL_IS_PORT_MAPPER (self));

  delete_mappings (self);
  run_abandon (self);
  self->active = FALSE;
  self->tcp.internal_port = 0;
  self->udp.internal_port = 0;
  _shoal_port_mapper_set_external (self, NULL);
  _shoal_port_mapper_set_state (self, state, reason);
}

/**
 * shoal_port_mapper_get_n_pending:
 * @self: a port mapper
 *
 * Returns: how many deletions are still waiting for the router's answer
 *   (::changed is emitted when the last one ends)
 */
guint
shoal_port_mapper_get_n_pending (ShoalPortMapper *self)
{
  g_return_val_if_fail (SHOAL_IS_PORT_MAPPER (self), 0);
  return self->n_pending;
}

ShoalPortMappingState
shoal_port_mapper_get_state (ShoalPortMapper *self)
{
  g_return_val_if_fail (SHOAL_IS_PORT_MAPPER (self), SHOAL_PORT_MAPPING_OFF);
  return self->state;
}

const char *
shoal_port_mapper_get_reason (ShoalPortMapper *self)
{
  g_return_val_if_fail (SHOAL_IS_PORT_MAPPER (self), NULL);
  return self->reason;
}

const char *
shoal_port_mapper_get_external_address (ShoalPortMapper *self)
{
  g_return_val_if_fail (SHOAL_IS_PORT_MAPPER (self), NULL);
  return self->external_address;
}

guint16
shoal_port_mapper_get_external_tcp_port (ShoalPortMapper *self)
{
  g_return_val_if_fail (SHOAL_IS_PORT_MAPPER (self), 0);
  return is_mapped (self->state) ? self->tcp.external_port : 0;
}

guint16
shoal_port_mapper_get_external_udp_port (ShoalPortMapper *self)
{
  g_return_val_if_fail (SHOAL_IS_PORT_MAPPER (self), 0);
  return is_mapped (self->state) ? self->udp.external_port : 0;
}
