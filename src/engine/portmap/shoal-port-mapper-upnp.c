/* shoal-port-mapper-upnp.c: UPnP IGD: SSDP discovery, the device
 * description, and the WAN connection service's SOAP actions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-port-mapper-private.h"

#define SSDP_TRIES           3u    /* one second apart */
#define MAX_CONFLICTS        8u
#define UPNP_ERROR_NO_SUCH_ENTRY        714
#define UPNP_ERROR_CONFLICT             718
#define UPNP_ERROR_ONLY_PERMANENT       725
#define UPNP_ERROR_CONFLICT_MECHANISMS  729

void
_shoal_port_mapper_upnp_stop (ShoalPortMapper *self)
{
  g_clear_handle_id (&self->ssdp_timer, g_source_remove);
  if (self->ssdp_source != NULL)
    g_source_destroy (self->ssdp_source);
  g_clear_pointer (&self->ssdp_source, g_source_unref);
  g_clear_object (&self->ssdp_socket);
}

/* ---- HTTP with a bounded body ---- */

typedef void (*FetchDone) (ShoalPortMapper *self,
                           guint            status,
                           GBytes          *body,
                           const GError    *error,
                           gpointer         data);

typedef struct
{
  ShoalPortMapper *self;       /* a reference */
  guint            generation;
  gboolean         any_generation; /* deletions outlive the run */
  SoupMessage     *msg;
  GInputStream    *stream;
  GByteArray      *body;
  gsize            limit;
  GCancellable    *cancellable;
  FetchDone        done;
  gpointer         data;
  GDestroyNotify   data_free;
} Fetch;

static void
fetch_free (Fetch *f)
{
  g_object_unref (f->self);
  g_clear_object (&f->msg);
  g_clear_object (&f->stream);
  g_clear_pointer (&f->body, g_byte_array_unref);
  g_clear_object (&f->cancellable);
  if (f->data_free != NULL)
    f->data_free (f->data);
  g_free (f);
}

static void
fetch_finish (Fetch        *f,
              const GError *error)
{
  ShoalPortMapper *self = f->self;

  if (f->any_generation || f->generation == self->generation)
    {
      g_autoptr(GBytes) body = NULL;

      if (error == NULL)
        body = g_byte_array_free_to_bytes (g_steal_pointer (&f->body));
      f->done (self, soup_message_get_status (f->msg), body, error, f->data);
    }
  fetch_free (f);
}

static void
fetch_read_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Fetch *f = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (chunk == NULL)
    {
      fetch_finish (f, error);
      return;
    }
  if (g_bytes_get_size (chunk) == 0)
    {
      fetch_finish (f, NULL);
      return;
    }
  if ((guint64) f->body->len + g_bytes_get_size (chunk) > f->limit)
    {
      g_set_error (&error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_TOO_LARGE,
                   "The router's answer is longer than %" G_GSIZE_FORMAT " bytes", f->limit);
      fetch_finish (f, error);
      return;
    }
  g_byte_array_append (f->body, g_bytes_get_data (chunk, NULL), (guint) g_bytes_get_size (chunk));
  g_input_stream_read_bytes_async (f->stream, 4096, G_PRIORITY_DEFAULT, f->cancellable, fetch_read_cb, f);
}

static void
fetch_sent_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Fetch *f = user_data;
  g_autoptr(GError) error = NULL;

  f->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (f->stream == NULL)
    {
      fetch_finish (f, error);
      return;
    }
  g_input_stream_read_bytes_async (f->stream, 4096, G_PRIORITY_DEFAULT, f->cancellable, fetch_read_cb, f);
}

static void
fetch (ShoalPortMapper *self,
       SoupMessage     *msg,
       gsize            limit,
       gboolean         any_generation,
       FetchDone        done,
       gpointer         data,
       GDestroyNotify   data_free)
{
  Fetch *f = g_new0 (Fetch, 1);

  /* Only the device that answered is talked to: no redirect elsewhere. */
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  f->self = g_object_ref (self);
  f->generation = self->generation;
  f->any_generation = any_generation;
  f->msg = g_object_ref (msg);
  f->body = g_byte_array_new ();
  f->limit = limit;
  f->cancellable = any_generation || self->cancellable == NULL ? NULL : g_object_ref (self->cancellable);
  f->done = done;
  f->data = data;
  f->data_free = data_free;
  soup_session_send_async (self->soup, msg, G_PRIORITY_DEFAULT, f->cancellable, fetch_sent_cb, f);
}

/* ---- SOAP ---- */

typedef void (*SoapDone) (ShoalPortMapper     *self,
                          ShoalUpnpSoapAnswer *answer,
                          const char          *failure);

static void
soap_fetched_cb (ShoalPortMapper *self,
                 guint            status,
                 GBytes          *body,
                 const GError    *error,
                 gpointer         data)
{
  SoapDone done = (SoapDone) data;
  g_auto(ShoalUpnpSoapAnswer) answer = { 0 };
  g_autoptr(GError) parse_error = NULL;
  g_autofree char *failure = NULL;
  gsize len;
  const char *text;

  if (error != NULL)
    {
      failure = g_strdup_printf ("the router did not answer (%s)", error->message);
      done (self, NULL, failure);
      return;
    }
  text = g_bytes_get_data (body, &len);
  if (!shoal_upnp_parse_soap (text, len, &answer, &parse_error))
    {
      failure = g_strdup_printf ("a garbled UPnP answer (HTTP %u: %s)", status, parse_error->message);
      done (self, NULL, failure);
      return;
    }
  if (!answer.fault && status != 200)
    {
      failure = g_strdup_printf ("a UPnP answer with HTTP status %u", status);
      done (self, NULL, failure);
      return;
    }
  done (self, &answer, NULL);
}

typedef struct
{
  SoapDone done;
} SoapCall;

static void
soap_call (ShoalPortMapper    *self,
           const char         *action,
           const char * const *names,
           const char * const *values,
           gboolean            any_generation,
           SoapDone            done)
{
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_POST, self->control_url);
  g_autofree char *body = shoal_upnp_format_soap (self->service_type, action, names, values);
  g_autofree char *soap_action = g_strdup_printf ("\"%s#%s\"", self->service_type, action);
  gsize len = strlen (body);
  g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&body), len);

  if (msg == NULL)
    {
      done (self, NULL, "the router's control URL cannot be used");
      return;
    }
  soup_message_headers_append (soup_message_get_request_headers (msg), "SOAPAction", soap_action);
  soup_message_set_request_body_from_bytes (msg, "text/xml; charset=\"utf-8\"", bytes);
  g_debug ("port mapping: UPnP %s", action);
  fetch (self, msg, SHOAL_UPNP_MAX_SOAP, any_generation, soap_fetched_cb, (gpointer) done, NULL);
}

static char *
upnp_failure (const char          *what,
              ShoalUpnpSoapAnswer *answer,
              const char          *failure)
{
  if (answer == NULL)
    return g_strdup_printf ("UPnP %s: %s", what, failure);
  return g_strdup_printf ("The router refused to %s (UPnP error %u%s%s)", what, answer->error_code,
                          answer->error_description ? ": " : "",
                          answer->error_description ? answer->error_description : "");
}

/* ---- AddPortMapping, conflicts ---- */

static void map_next (ShoalPortMapper *self);

static ShoalMapping *
current_mapping (ShoalPortMapper *self)
{
  return self->upnp_step == 0 ? &self->tcp : &self->udp;
}

static void
add_done (ShoalPortMapper     *self,
          ShoalUpnpSoapAnswer *answer,
          const char          *failure)
{
  ShoalMapping *m = current_mapping (self);

  if (answer != NULL && answer->fault &&
      (answer->error_code == UPNP_ERROR_CONFLICT || answer->error_code == UPNP_ERROR_CONFLICT_MECHANISMS) &&
      self->conflicts < MAX_CONFLICTS)
    {
      /* Someone else holds it on the router: the next ports first, then
       * anywhere above the well-known ones. */
      self->conflicts++;
      g_debug ("port mapping: external port %u is taken on the router", self->candidate);
      if (self->conflicts < 4)
        self->candidate = self->candidate >= 65535 ? 1025 : self->candidate + 1;
      else
        self->candidate = (guint16) g_random_int_range (10000, 65536);
      map_next (self);
      return;
    }
  if (answer != NULL && answer->fault && answer->error_code == UPNP_ERROR_ONLY_PERMANENT && self->upnp_lease != 0)
    {
      self->upnp_lease = 0;
      map_next (self);
      return;
    }
  if (answer == NULL || answer->fault)
    {
      g_autofree char *reason = NULL;

      if (answer == NULL && (self->state == SHOAL_PORT_MAPPING_UPNP))
        reason = g_strdup_printf ("The router stopped answering at renewal (%s)", failure);
      else
        reason = upnp_failure ("map the port", answer, failure);
      _shoal_port_mapper_run_failed (self, reason);
      return;
    }
  m->external_port = self->candidate;
  if (self->upnp_step == 0 && self->udp.internal_port != 0)
    {
      self->upnp_step = 1;
      self->conflicts = 0;
      /* The same number outside as for TCP, if free. */
      self->candidate = self->udp.external_port ? self->udp.external_port : self->tcp.external_port;
      map_next (self);
      return;
    }
  _shoal_port_mapper_mapped (self, SHOAL_PORT_MAPPING_UPNP, self->upnp_lease);
}

static void
map_next (ShoalPortMapper *self)
{
  ShoalMapping *m = current_mapping (self);
  g_autofree char *external = g_strdup_printf ("%u", self->candidate);
  g_autofree char *internal = g_strdup_printf ("%u", m->internal_port);
  g_autofree char *client = g_inet_address_to_string (self->local);
  g_autofree char *lease = g_strdup_printf ("%u", self->upnp_lease);
  const char *names[] = { "NewRemoteHost", "NewExternalPort", "NewProtocol", "NewInternalPort",
                          "NewInternalClient", "NewEnabled", "NewPortMappingDescription",
                          "NewLeaseDuration", NULL };
  const char *values[] = { "", external, m->op == SHOAL_NATPMP_OP_MAP_TCP ? "TCP" : "UDP", internal,
                           client, "1", "Shoal", lease, NULL };

  soap_call (self, "AddPortMapping", names, values, FALSE, add_done);
}

static void
map_all (ShoalPortMapper *self)
{
  self->upnp_step = 0;
  self->conflicts = 0;
  self->candidate = self->tcp.external_port ? self->tcp.external_port : self->tcp.internal_port;
  map_next (self);
}

static void
external_done (ShoalPortMapper     *self,
               ShoalUpnpSoapAnswer *answer,
               const char          *failure)
{
  const char *text = answer != NULL && !answer->fault ? g_hash_table_lookup (answer->values, "NewExternalIPAddress") : NULL;
  g_autoptr(GInetAddress) address = text != NULL ? g_inet_address_new_from_string (text) : NULL;

  if (answer == NULL)
    {
      g_autofree char *reason = upnp_failure ("tell its external address", NULL, failure);

      _shoal_port_mapper_run_failed (self, reason);
      return;
    }
  if (address == NULL || !shoal_portmap_address_is_public (address))
    {
      /* miniupnpd, for one, says 0.0.0.0 when its own is private. */
      g_autofree char *reason = NULL;

      if (address != NULL && !g_inet_address_get_is_any (address))
        reason = g_strdup_printf ("Your router is itself behind a NAT: its own internet address (%s) is private, "
                                  "so no port mapping on it can make you reachable", text);
      else
        reason = g_strdup ("Your router is itself behind a NAT: it has no public address of its own, "
                           "so no port mapping on it can make you reachable");
      _shoal_port_mapper_run_failed (self, reason);
      return;
    }
  _shoal_port_mapper_set_external (self, address);
  self->upnp_lease = self->lease;
  map_all (self);
}

static void
get_external (ShoalPortMapper *self)
{
  soap_call (self, "GetExternalIPAddress", NULL, NULL, FALSE, external_done);
}

/* ---- the description ---- */

static gboolean
url_host_is (const char *url,
             const char *host)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  return uri != NULL && g_strcmp0 (g_uri_get_host (uri), host) == 0;
}

static void
description_done (ShoalPortMapper *self,
                  guint            status,
                  GBytes          *body,
                  const GError    *error,
                  gpointer         data)
{
  const char *location = data;
  g_auto(ShoalUpnpService) service = { 0 };
  g_autoptr(GError) parse_error = NULL;
  g_autofree char *reason = NULL;
  gsize len;
  const char *text;

  if (error != NULL || status != 200)
    {
      reason = g_strdup_printf ("The router's UPnP description could not be read (%s)",
                                error ? error->message : soup_status_get_phrase (status));
      _shoal_port_mapper_run_failed (self, reason);
      return;
    }
  text = g_bytes_get_data (body, &len);
  if (!shoal_upnp_parse_description (text, len, location, &service, &parse_error))
    {
      _shoal_port_mapper_run_failed (self, parse_error->message);
      return;
    }
  /* The actions go to the device that answered, nowhere else. */
  if (!url_host_is (service.control_url, self->upnp_host))
    {
      reason = g_strdup_printf ("The router at %s sends its UPnP actions elsewhere; not followed", self->upnp_host);
      _shoal_port_mapper_run_failed (self, reason);
      return;
    }
  g_free (self->control_url);
  self->control_url = g_steal_pointer (&service.control_url);
  g_free (self->service_type);
  self->service_type = g_steal_pointer (&service.service_type);
  g_debug ("port mapping: UPnP service %s at %s", self->service_type, self->control_url);
  get_external (self);
}

/* ---- SSDP ---- */

static void
ssdp_found (ShoalPortMapper *self,
            const char      *location,
            const char      *host)
{
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, location);

  _shoal_port_mapper_upnp_stop (self);
  g_free (self->upnp_host);
  self->upnp_host = g_strdup (host);
  g_debug ("port mapping: UPnP device at %s", location);
  if (msg == NULL)
    {
      _shoal_port_mapper_run_failed (self, "The router's UPnP location cannot be used");
      return;
    }
  fetch (self, msg, SHOAL_UPNP_MAX_DESCRIPTION, FALSE, description_done, g_strdup (location), g_free);
}

static gboolean
ssdp_readable_cb (GSocket      *socket,
                  GIOCondition  condition,
                  gpointer      user_data)
{
  ShoalPortMapper *self = user_data;

  for (guint i = 0; i < 16 && self->ssdp_socket == socket; i++)
    {
      guint8 buffer[SHOAL_SSDP_MAX_MESSAGE + 1];
      g_autoptr(GSocketAddress) from = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *location = NULL;
      g_autofree char *host = NULL;
      gssize n = g_socket_receive_from (socket, &from, (char *) buffer, sizeof buffer, NULL, &error);

      if (n < 0)
        break;
      if (!G_IS_INET_SOCKET_ADDRESS (from))
        continue;
      location = shoal_ssdp_parse_location (buffer, (gsize) n, &error);
      if (location == NULL)
        {
          g_debug ("port mapping: ignoring an SSDP datagram: %s", error->message);
          continue;
        }
      host = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (from)));
      /* A device describes itself, not another host. */
      if (!url_host_is (location, host))
        {
          g_debug ("port mapping: %s points elsewhere (%s); ignored", host, location);
          continue;
        }
      ssdp_found (self, location, host);
      break;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean ssdp_timeout_cb (gpointer user_data);

static void
ssdp_send (ShoalPortMapper *self)
{
  static const char *const targets[] = {
    "urn:schemas-upnp-org:device:InternetGatewayDevice:1",
    "urn:schemas-upnp-org:device:InternetGatewayDevice:2",
  };
  g_autoptr(GInetAddress) group = g_inet_address_new_from_string (SHOAL_SSDP_GROUP);
  g_autoptr(GSocketAddress) to = g_inet_socket_address_new (group, SHOAL_SSDP_PORT);

  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autofree char *search = shoal_ssdp_format_search (targets[i]);

      g_socket_send_to (self->ssdp_socket, to, search, strlen (search), NULL, NULL);
    }
  self->ssdp_tries++;
  self->ssdp_timer = g_timeout_add (1000, ssdp_timeout_cb, self);
}

static gboolean
ssdp_timeout_cb (gpointer user_data)
{
  ShoalPortMapper *self = user_data;
  g_autofree char *reason = NULL;

  self->ssdp_timer = 0;
  if (self->ssdp_tries < SSDP_TRIES)
    {
      ssdp_send (self);
      return G_SOURCE_REMOVE;
    }
  _shoal_port_mapper_upnp_stop (self);
  reason = g_strdup_printf ("No router answered: %s; no UPnP answer either",
                            self->natpmp_failure ? self->natpmp_failure : "no NAT-PMP");
  _shoal_port_mapper_run_failed (self, reason);
  return G_SOURCE_REMOVE;
}

void
_shoal_port_mapper_upnp_start (ShoalPortMapper *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new (self->local, 0);

  _shoal_port_mapper_upnp_stop (self);
  self->ssdp_socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  if (self->ssdp_socket == NULL || !g_socket_bind (self->ssdp_socket, local, FALSE, &error))
    {
      g_autofree char *reason = g_strdup_printf ("Cannot look for a UPnP router: %s", error->message);

      _shoal_port_mapper_run_failed (self, reason);
      return;
    }
  g_socket_set_blocking (self->ssdp_socket, FALSE);
  g_socket_set_multicast_ttl (self->ssdp_socket, 2);
  g_socket_set_multicast_loopback (self->ssdp_socket, FALSE);
  self->ssdp_source = g_socket_create_source (self->ssdp_socket, G_IO_IN, NULL);
  g_source_set_callback (self->ssdp_source, (GSourceFunc) (void (*) (void)) ssdp_readable_cb, self, NULL);
  g_source_set_static_name (self->ssdp_source, "[shoal] SSDP");
  g_source_attach (self->ssdp_source, g_main_context_get_thread_default ());
  self->ssdp_tries = 0;
  ssdp_send (self);
}

/* ---- renewal and deletion ---- */

static void
renew_checked (ShoalPortMapper     *self,
               ShoalUpnpSoapAnswer *answer,
               const char          *failure)
{
  if (answer == NULL)
    {
      g_autofree char *reason = g_strdup_printf ("The router stopped answering at renewal (%s)", failure);

      _shoal_port_mapper_run_failed (self, reason);
      return;
    }
  if (answer->fault && answer->error_code == UPNP_ERROR_NO_SUCH_ENTRY)
    g_message ("The router lost our port mapping (it restarted?); mapping again");
  map_all (self);
}

/* Asks whether the router still has our TCP mapping (a router that
 * restarted has forgotten it), then adds both again for another lease. */
void
_shoal_port_mapper_upnp_renew (ShoalPortMapper *self)
{
  g_autofree char *external = g_strdup_printf ("%u", self->tcp.external_port);
  const char *names[] = { "NewRemoteHost", "NewExternalPort", "NewProtocol", NULL };
  const char *values[] = { "", external, "TCP", NULL };

  if (self->cancellable == NULL)
    self->cancellable = g_cancellable_new ();
  self->upnp_lease = self->lease;
  soap_call (self, "GetSpecificPortMappingEntry", names, values, FALSE, renew_checked);
}

static void
deleted (ShoalPortMapper     *self,
         ShoalUpnpSoapAnswer *answer,
         const char          *failure)
{
  if (answer == NULL || answer->fault)
    g_debug ("port mapping: could not delete a mapping: %s",
             answer == NULL ? failure : (answer->error_description ? answer->error_description : "fault"));
  _shoal_port_mapper_pending_done (self);
}

void
_shoal_port_mapper_upnp_delete (ShoalPortMapper *self)
{
  ShoalMapping *mappings[] = { &self->tcp, &self->udp };

  if (self->control_url == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (mappings); i++)
    {
      g_autofree char *external = NULL;
      const char *names[] = { "NewRemoteHost", "NewExternalPort", "NewProtocol", NULL };
      const char *values[] = { "", NULL, mappings[i]->op == SHOAL_NATPMP_OP_MAP_TCP ? "TCP" : "UDP", NULL };

      if (mappings[i]->external_port == 0)
        continue;
      external = g_strdup_printf ("%u", mappings[i]->external_port);
      values[1] = external;
      self->n_pending++;
      soap_call (self, "DeletePortMapping", names, values, TRUE, deleted);
    }
}
