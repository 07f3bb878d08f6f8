/* shoal-session-portmap.c: the session's port mapping and port test
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Decides when the router is asked to forward the listening port (and
 * the DHT's UDP port): mapping is on, the session is started, it is not
 * bound to an interface other than the default route's (portmap/ checks
 * that), and not every torrent is private (a private torrent alone never
 * opens a port). Mirrors the mapper's state in the session's properties,
 * tells the torrents when the port the outside sees changes, and keeps
 * the "port test": whether a peer reached us from outside recently.
 */
#include "config.h"

#define SHOAL_SESSION_INSIDE
#include "shoal-session-internal.h"

/* How long an incoming connection counts as proof that we are reachable. */
#define PORT_TEST_WINDOW_US (30 * 60 * G_USEC_PER_SEC)

static void
set_string (ShoalSession *self,
            char        **field,
            const char   *value,
            guint         prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[prop]);
}

static void
mapper_changed_cb (ShoalPortMapper *mapper,
                   ShoalSession    *self)
{
  ShoalPortMappingState state = shoal_port_mapper_get_state (mapper);
  guint16 port = shoal_port_mapper_get_external_tcp_port (mapper);

  g_object_freeze_notify (G_OBJECT (self));
  if (self->port_mapping_state != state)
    {
      self->port_mapping_state = state;
      g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_PORT_MAPPING_STATE]);
    }
  set_string (self, &self->port_mapping_reason, shoal_port_mapper_get_reason (mapper), PROP_PORT_MAPPING_REASON);
  set_string (self, &self->external_address, shoal_port_mapper_get_external_address (mapper), PROP_EXTERNAL_ADDRESS);
  if (self->external_port != port)
    {
      self->external_port = port;
      g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_EXTERNAL_PORT]);
      if (self->started)
        for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
          {
            g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

            _shoal_torrent_announce_port_changed (t);
          }
    }
  g_object_thaw_notify (G_OBJECT (self));
  /* A close may be waiting for the last deletion. */
  _shoal_session_check_close_tasks (self);
}

static void
torrents_changed_cb (GListModel   *list,
                     guint         position,
                     guint         removed,
                     guint         added,
                     ShoalSession *self)
{
  _shoal_session_sync_port_mapping (self);
}

/* Whether the session has something public to be reachable for. */
static gboolean
wants_mapping (ShoalSession *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->torrents));

  if (self->dht_enabled || n == 0)
    return TRUE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);
      ShoalMetainfo *info = shoal_torrent_get_metainfo (t);

      /* A magnet link without its metadata yet counts as public. */
      if (info == NULL || !shoal_metainfo_is_private (info))
        return TRUE;
    }
  return FALSE;
}

static void sync_port_mapping (ShoalSession *self);

static gboolean
start_port_mapping_cb (gpointer user_data)
{
  ShoalSession *self = user_data;

  self->port_mapping_start_id = 0;
  sync_port_mapping (self);
  return G_SOURCE_REMOVE;
}

/* Maps, remaps or unmaps, after anything the decision depends on changed.
 * The first time, once the main loop is idle: the torrents a front end
 * adds right after starting the session count (a private one alone must
 * not have the router asked first). */
void
_shoal_session_sync_port_mapping (ShoalSession *self)
{
  if (self->port_mapper == NULL && self->started && self->port_mapping_enabled &&
      !self->test_hooks.port_mapping_off)
    {
      if (self->port_mapping_start_id == 0)
        self->port_mapping_start_id = g_idle_add (start_port_mapping_cb, self);
      return;
    }
  sync_port_mapping (self);
}

static void
sync_port_mapping (ShoalSession *self)
{
  g_autoptr(GInetAddress) bound = NULL;

  if (!self->port_mapping_enabled || self->test_hooks.port_mapping_off)
    {
      if (self->port_mapper != NULL)
        shoal_port_mapper_unmap (self->port_mapper, SHOAL_PORT_MAPPING_OFF, "Port mapping is off");
      return;
    }
  if (!self->started)
    return;
  if (self->port_mapper == NULL)
    {
      self->port_mapper = shoal_port_mapper_new ();
      shoal_port_mapper_set_lease (self->port_mapper, self->test_hooks.port_mapping_lease);
      shoal_port_mapper_set_pcp_enabled (self->port_mapper, !self->test_hooks.port_mapping_no_pcp);
      g_signal_connect_object (self->port_mapper, "changed", G_CALLBACK (mapper_changed_cb), self, 0);
      g_signal_connect_object (self->torrents, "items-changed", G_CALLBACK (torrents_changed_cb), self, 0);
    }
  /* Behind a proxy, the router's port is not where peers reach us; bound
   * to an interface, the mapping is only for that interface's address (a
   * VPN's is refused by the mapper), and none while it is down. */
  if (self->proxy != NULL)
    {
      shoal_port_mapper_unmap (self->port_mapper, SHOAL_PORT_MAPPING_NOT_MAPPED,
                               "Not mapped: connections go through a proxy");
      return;
    }
  if (self->net_bind != NULL && self->net_bind->address == NULL)
    {
      shoal_port_mapper_unmap (self->port_mapper, SHOAL_PORT_MAPPING_NOT_MAPPED,
                               "Not mapped: the interface the session is bound to is down");
      return;
    }
  if (self->net_bind != NULL)
    bound = g_object_ref (self->net_bind->address);
  else if (self->listen_address != NULL)
    bound = g_inet_address_new_from_string (self->listen_address);
  shoal_port_mapper_set_bound_address (self->port_mapper, bound);
  if (!wants_mapping (self))
    shoal_port_mapper_unmap (self->port_mapper, SHOAL_PORT_MAPPING_NOT_MAPPED,
                             "Not mapped: only private torrents, and no port is opened on the router for them alone");
  else
    shoal_port_mapper_map (self->port_mapper, self->listen_port,
                           self->dht != NULL ? shoal_dht_get_port (self->dht) : 0);
}

/* At close: the router deletes our mappings (see the pending count). */
void
_shoal_session_stop_port_mapping (ShoalSession *self)
{
  g_clear_handle_id (&self->port_mapping_start_id, g_source_remove);
  if (self->port_mapper == NULL)
    return;
  g_signal_handlers_disconnect_by_func (self->torrents, torrents_changed_cb, self);
  shoal_port_mapper_unmap (self->port_mapper, SHOAL_PORT_MAPPING_OFF, "Port mapping is off: the session is closed");
}

guint
_shoal_session_get_port_mapping_pending (ShoalSession *self)
{
  return self->port_mapper != NULL ? shoal_port_mapper_get_n_pending (self->port_mapper) : 0;
}

/* The port trackers, the DHT and peers are told: the router's when mapped. */
guint16
_shoal_session_get_announce_port (ShoalSession *self)
{
  return self->external_port != 0 ? self->external_port : self->listen_port;
}

/* The DHT's UDP port as peers are told it (BEP 5 PORT): the router's when
 * mapped; 0 without a DHT. */
guint16
_shoal_session_get_dht_announce_port (ShoalSession *self)
{
  guint16 mapped = self->port_mapper != NULL ? shoal_port_mapper_get_external_udp_port (self->port_mapper) : 0;

  if (self->dht == NULL)
    return 0;
  return mapped != 0 ? mapped : shoal_dht_get_port (self->dht);
}

static void
set_reachable (ShoalSession *self,
               gboolean      reachable)
{
  if (self->incoming_reachable == reachable)
    return;
  self->incoming_reachable = reachable;
  g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_INCOMING_REACHABLE]);
}

/* A peer connected to us: unless it came over loopback, our port is
 * reachable from where it is. */
void
_shoal_session_note_incoming (ShoalSession *self,
                              GInetAddress *address)
{
  if (g_inet_address_get_is_loopback (address))
    return;
  self->last_incoming_us = g_get_monotonic_time ();
  set_reachable (self, TRUE);
}

void
_shoal_session_tick_port_test (ShoalSession *self,
                               gint64        now)
{
  if (self->incoming_reachable && now - self->last_incoming_us > PORT_TEST_WINDOW_US)
    set_reachable (self, FALSE);
}

void
_shoal_session_install_port_mapping_properties (GParamSpec **properties)
{
  /**
   * ShoalSession:port-mapping-enabled:
   *
   * Whether the router is asked (by UPnP IGD, PCP or NAT-PMP) to forward the
   * listening port and the DHT's UDP port to us. Off by default in the
   * engine: front ends turn it on (their default). Never for a session
   * bound to an interface other than the default route's, and never for
   * private torrents alone.
   */
  properties[PROP_PORT_MAPPING_ENABLED] =
    g_param_spec_boolean ("port-mapping-enabled", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:port-mapping-state:
   *
   * Whether the router forwards our port, and by which protocol.
   */
  properties[PROP_PORT_MAPPING_STATE] =
    g_param_spec_enum ("port-mapping-state", NULL, NULL, SHOAL_TYPE_PORT_MAPPING_STATE,
                       SHOAL_PORT_MAPPING_OFF,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:port-mapping-reason:
   *
   * The mapping in a sentence: what is mapped, or why nothing is (no
   * router answered, it refused, it is itself behind a NAT, …).
   */
  properties[PROP_PORT_MAPPING_REASON] =
    g_param_spec_string ("port-mapping-reason", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:external-address:
   *
   * The router's internet address, as it says; %NULL when unknown.
   */
  properties[PROP_EXTERNAL_ADDRESS] =
    g_param_spec_string ("external-address", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:external-port:
   *
   * The TCP port the router forwards to our listening port, the one
   * announced to trackers and the DHT; 0 when not mapped.
   */
  properties[PROP_EXTERNAL_PORT] =
    g_param_spec_uint ("external-port", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalSession:incoming-reachable:
   *
   * The port test: whether a peer connected to us (from anywhere but
   * this machine) in the last 30 minutes.
   */
  properties[PROP_INCOMING_REACHABLE] =
    g_param_spec_boolean ("incoming-reachable", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

/**
 * shoal_session_set_port_mapping_enabled:
 * @self: a session
 * @enabled: whether to ask the router to forward our ports
 *
 * Takes effect at once on a started session: turned off, the mappings
 * are deleted from the router.
 */
void
shoal_session_set_port_mapping_enabled (ShoalSession *self,
                                        gboolean      enabled)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  if (self->port_mapping_enabled == !!enabled)
    return;
  self->port_mapping_enabled = !!enabled;
  _shoal_session_sync_port_mapping (self);
  g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_PORT_MAPPING_ENABLED]);
}

gboolean
shoal_session_get_port_mapping_enabled (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), FALSE);
  return self->port_mapping_enabled;
}

ShoalPortMappingState
shoal_session_get_port_mapping_state (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), SHOAL_PORT_MAPPING_OFF);
  return self->port_mapping_state;
}

const char *
shoal_session_get_port_mapping_reason (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), NULL);
  return self->port_mapping_reason;
}

const char *
shoal_session_get_external_address (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), NULL);
  return self->external_address;
}

guint16
shoal_session_get_external_port (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), 0);
  return self->external_port;
}

gboolean
shoal_session_get_incoming_reachable (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), FALSE);
  return self->incoming_reachable;
}
