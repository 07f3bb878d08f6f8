/* shoal-portmap-codec.c: NAT-PMP, SSDP, UPnP descriptions and SOAP, and
 * the default route, as pure functions of bytes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-portmap-codec.h"

G_DEFINE_QUARK (shoal-portmap-error-quark, shoal_portmap_error)

/* ---- NAT-PMP (RFC 6886) ---- */

static void
put16 (guint8 *p, guint16 v)
{
  p[0] = (guint8) (v >> 8);
  p[1] = (guint8) v;
}

static void
put32 (guint8 *p, guint32 v)
{
  p[0] = (guint8) (v >> 24);
  p[1] = (guint8) (v >> 16);
  p[2] = (guint8) (v >> 8);
  p[3] = (guint8) v;
}

static guint16
get16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static guint32
get32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/**
 * shoal_natpmp_encode_external:
 * @out: where the request goes
 *
 * Returns: the length of the "external address" request in @out
 */
gsize
shoal_natpmp_encode_external (guint8 out[SHOAL_NATPMP_REQUEST_MAX])
{
  out[0] = 0; /* version */
  out[1] = SHOAL_NATPMP_OP_EXTERNAL;
  return 2;
}

/**
 * shoal_natpmp_encode_map:
 * @out: where the request goes
 * @op: %SHOAL_NATPMP_OP_MAP_UDP or %SHOAL_NATPMP_OP_MAP_TCP
 * @internal_port: our port
 * @external_port: the external port we would like (0: any)
 * @lifetime: seconds; 0 deletes the mapping
 *
 * Returns: the length of the mapping request in @out
 */
gsize
shoal_natpmp_encode_map (guint8  out[SHOAL_NATPMP_REQUEST_MAX],
                         guint8  op,
                         guint16 internal_port,
                         guint16 external_port,
                         guint32 lifetime)
{
  g_return_val_if_fail (op == SHOAL_NATPMP_OP_MAP_UDP || op == SHOAL_NATPMP_OP_MAP_TCP, 0);

  out[0] = 0;
  out[1] = op;
  out[2] = out[3] = 0;
  put16 (out + 4, internal_port);
  put16 (out + 6, external_port);
  put32 (out + 8, lifetime);
  return 12;
}

/**
 * shoal_natpmp_decode:
 * @data: a datagram from the gateway's port 5351
 * @len: its length
 * @answer: (out caller-allocates): the answer
 * @error: return location for a %SHOAL_PORTMAP_ERROR
 *
 * Decodes an answer to one of our requests. A result code other than
 * success still decodes (@answer->result says it); the fields after the
 * epoch are then zero when the answer is too short to hold them, as
 * routers may send only the header with an error.
 *
 * Returns: whether @data is a NAT-PMP answer
 */
gboolean
shoal_natpmp_decode (const guint8      *data,
                     gsize              len,
                     ShoalNatpmpAnswer *answer,
                     GError           **error)
{
  memset (answer, 0, sizeof *answer);
  if (len < 8 || len > 1100)
    {
      g_set_error (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_MALFORMED,
                   "A NAT-PMP answer of %" G_GSIZE_FORMAT " bytes", len);
      return FALSE;
    }
  if (data[0] != 0 || data[1] < 128 || data[1] > 128 + SHOAL_NATPMP_OP_MAP_TCP)
    {
      g_set_error (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_MALFORMED,
                   "Not a NAT-PMP answer (version %u, opcode %u)", data[0], data[1]);
      return FALSE;
    }
  answer->op = (guint8) (data[1] - 128);
  answer->result = get16 (data + 2);
  answer->epoch = get32 (data + 4);
  if (answer->result != SHOAL_NATPMP_RESULT_SUCCESS)
    return TRUE;
  if (answer->op == SHOAL_NATPMP_OP_EXTERNAL)
    {
      if (len < 12)
        {
          g_set_error_literal (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_MALFORMED,
                               "A NAT-PMP external address answer cut short");
          return FALSE;
        }
      memcpy (answer->external, data + 8, 4);
      return TRUE;
    }
  if (len < 16)
    {
      g_set_error_literal (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_MALFORMED,
                           "A NAT-PMP mapping answer cut short");
      return FALSE;
    }
  answer->internal_port = get16 (data + 8);
  answer->external_port = get16 (data + 10);
  answer->lifetime = get32 (data + 12);
  return TRUE;
}

/**
 * shoal_natpmp_result_to_string:
 * @result: a NAT-PMP result code
 *
 * Returns: what it means, for a person
 */
const char *
shoal_natpmp_result_to_string (guint16 result)
{
  switch (result)
    {
    case SHOAL_NATPMP_RESULT_SUCCESS:
      return "success";
    case SHOAL_NATPMP_RESULT_UNSUPPORTED:
      return "unsupported version";
    case SHOAL_NATPMP_RESULT_REFUSED:
      return "mapping refused by the router's settings";
    case SHOAL_NATPMP_RESULT_NETWORK_FAILURE:
      return "the router has no usable external address";
    case SHOAL_NATPMP_RESULT_OUT_OF_RESOURCES:
      return "the router has no mappings left";
    case SHOAL_NATPMP_RESULT_BAD_OPCODE:
      return "unsupported request";
    default:
      return "unknown result";
    }
}

/* ---- PCP (RFC 6887) ---- */

/* An IPv4 address as PCP carries it: ::ffff:a.b.c.d. */
static void
put_mapped_v4 (guint8        out[16],
               GInetAddress *address)
{
  memset (out, 0, 16);
  out[10] = out[11] = 0xff;
  if (address != NULL && g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4)
    memcpy (out + 12, g_inet_address_to_bytes (address), 4);
}

/**
 * shoal_pcp_encode_map:
 * @out: where the request goes
 * @client: our IPv4 address, as the router sees it on the LAN
 * @nonce: the mapping's nonce (the same for its renewals and deletion)
 * @protocol: %SHOAL_PCP_PROTOCOL_TCP or %SHOAL_PCP_PROTOCOL_UDP
 * @internal_port: our port
 * @external_port: the external port we would like (0: any)
 * @lifetime: seconds; 0 deletes the mapping
 *
 * Returns: the length of the MAP request in @out
 */
gsize
shoal_pcp_encode_map (guint8        out[SHOAL_PCP_MAP_LEN],
                      GInetAddress *client,
                      const guint8  nonce[SHOAL_PCP_NONCE_LEN],
                      guint8        protocol,
                      guint16       internal_port,
                      guint16       external_port,
                      guint32       lifetime)
{
  memset (out, 0, SHOAL_PCP_MAP_LEN);
  out[0] = SHOAL_PCP_VERSION;
  out[1] = SHOAL_PCP_OP_MAP;
  put32 (out + 4, lifetime);
  put_mapped_v4 (out + 8, client);
  memcpy (out + 24, nonce, SHOAL_PCP_NONCE_LEN);
  out[36] = protocol;
  put16 (out + 40, internal_port);
  put16 (out + 42, external_port);
  put_mapped_v4 (out + 44, NULL); /* ::ffff:0.0.0.0: any IPv4 address */
  return SHOAL_PCP_MAP_LEN;
}

/**
 * shoal_pcp_decode:
 * @data: a datagram from the gateway's port 5351
 * @len: its length
 * @answer: (out caller-allocates): the answer
 * @error: return location for a %SHOAL_PORTMAP_ERROR
 *
 * Decodes a PCP answer, or the NAT-PMP answer of a router that does not
 * speak PCP (@answer->natpmp). A MAP answer's opcode fields are read only
 * on success, when they must all be there.
 *
 * Returns: whether @data is a PCP (or NAT-PMP) answer
 */
gboolean
shoal_pcp_decode (const guint8    *data,
                  gsize            len,
                  ShoalPcpAnswer  *answer,
                  GError         **error)
{
  memset (answer, 0, sizeof *answer);
  if (len >= 4 && len <= 1100 && data[0] == 0 && data[1] >= 128)
    {
      answer->natpmp = TRUE;
      answer->op = (guint8) (data[1] - 128);
      answer->result = get16 (data + 2);
      return TRUE;
    }
  if (len < 24 || len > 1100 || len % 4 != 0)
    {
      g_set_error (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_MALFORMED,
                   "A PCP answer of %" G_GSIZE_FORMAT " bytes", len);
      return FALSE;
    }
  if (data[0] != SHOAL_PCP_VERSION || (data[1] & 0x80) == 0)
    {
      g_set_error (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_MALFORMED,
                   "Not a PCP answer (version %u, opcode %u)", data[0], data[1]);
      return FALSE;
    }
  answer->op = data[1] & 0x7f;
  answer->result = data[3];
  answer->lifetime = get32 (data + 4);
  answer->epoch = get32 (data + 8);
  if (answer->op != SHOAL_PCP_OP_MAP || answer->result != SHOAL_PCP_RESULT_SUCCESS)
    return TRUE;
  if (len < SHOAL_PCP_MAP_LEN)
    {
      g_set_error_literal (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_MALFORMED,
                           "A PCP MAP answer cut short");
      return FALSE;
    }
  memcpy (answer->nonce, data + 24, SHOAL_PCP_NONCE_LEN);
  answer->protocol = data[36];
  answer->internal_port = get16 (data + 40);
  answer->external_port = get16 (data + 42);
  memcpy (answer->external, data + 44, 16);
  return TRUE;
}

/**
 * shoal_pcp_answer_dup_external:
 * @answer: a successful MAP answer
 *
 * Returns: (transfer full) (nullable): the external address, %NULL if it
 *   is not an IPv4-mapped one
 */
GInetAddress *
shoal_pcp_answer_dup_external (const ShoalPcpAnswer *answer)
{
  static const guint8 prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

  if (memcmp (answer->external, prefix, sizeof prefix) != 0)
    return NULL;
  return g_inet_address_new_from_bytes (answer->external + 12, G_SOCKET_FAMILY_IPV4);
}

/**
 * shoal_pcp_result_to_string:
 * @result: a PCP result code
 *
 * Returns: what it means, for a person
 */
const char *
shoal_pcp_result_to_string (guint16 result)
{
  static const char *const texts[] = {
    "success", "unsupported version", "not authorized", "malformed request", "unsupported opcode",
    "unsupported option", "malformed option", "the router has no usable external address",
    "the router has no mappings left", "unsupported protocol", "quota exceeded",
    "the router cannot provide an external address", "address mismatch", "too many remote peers",
  };

  return result < G_N_ELEMENTS (texts) ? texts[result] : "unknown result";
}

/* ---- SSDP ---- */

/**
 * shoal_ssdp_format_search:
 * @search_target: what to look for (the ST header)
 *
 * Returns: (transfer full): an M-SEARCH request
 */
char *
shoal_ssdp_format_search (const char *search_target)
{
  return g_strdup_printf ("M-SEARCH * HTTP/1.1\r\n"
                          "HOST: " SHOAL_SSDP_GROUP ":%u\r\n"
                          "MAN: \"ssdp:discover\"\r\n"
                          "MX: 2\r\n"
                          "ST: %s\r\n"
                          "\r\n", SHOAL_SSDP_PORT, search_target);
}

static gboolean
check_http_url (const char  *url,
                GError     **error)
{
  g_autoptr(GUri) uri = NULL;

  if (strlen (url) > SHOAL_UPNP_MAX_URL)
    {
      g_set_error_literal (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_TOO_LARGE,
                           "A UPnP URL that is too long");
      return FALSE;
    }
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error_literal (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_MALFORMED,
                           "A UPnP URL that is not an http:// URL");
      return FALSE;
    }
  return TRUE;
}

/**
 * shoal_ssdp_parse_location:
 * @data: an SSDP answer (a datagram)
 * @len: its length
 * @error: return location for a %SHOAL_PORTMAP_ERROR
 *
 * Returns: (transfer full) (nullable): the LOCATION of an `HTTP/1.1 200`
 *   answer, an http:// URL, or %NULL
 */
char *
shoal_ssdp_parse_location (const guint8  *data,
                           gsize          len,
                           GError       **error)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  char *location = NULL;

  if (len > SHOAL_SSDP_MAX_MESSAGE)
    {
      g_set_error_literal (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_TOO_LARGE,
                           "An SSDP answer that is too long");
      return NULL;
    }
  if (len == 0 || memchr (data, '\0', len) != NULL)
    {
      g_set_error_literal (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_MALFORMED,
                           "An SSDP answer that is not text");
      return NULL;
    }
  text = g_strndup ((const char *) data, len);
  lines = g_strsplit (text, "\n", 64);
  if (!g_str_has_prefix (lines[0], "HTTP/1.") || strstr (lines[0], " 200") == NULL)
    {
      g_set_error_literal (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_MALFORMED,
                           "Not an SSDP answer");
      return NULL;
    }
  for (guint i = 1; lines[i] != NULL; i++)
    {
      char *colon = strchr (lines[i], ':');

      if (colon == NULL)
        continue;
      *colon = '\0';
      if (g_ascii_strcasecmp (g_strstrip (lines[i]), "LOCATION") != 0)
        continue;
      location = g_strstrip (colon + 1);
      break;
    }
  if (location == NULL || !check_http_url (location, error))
    {
      if (location == NULL)
        g_set_error_literal (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_MALFORMED,
                             "An SSDP answer without a LOCATION");
      return NULL;
    }
  return g_strdup (location);
}

/* ---- XML: UPnP descriptions and SOAP ---- */

#define MAX_XML_DEPTH 32u
#define MAX_SOAP_VALUES 16u

static const char *
local_name (const char *name)
{
  const char *colon = strrchr (name, ':');

  return colon ? colon + 1 : name;
}

typedef struct
{
  guint    depth;
  GString *text;            /* of the element being read */
  gboolean in_service;
  char    *service_type;
  char    *control_url;
  char    *url_base;
  char    *chosen_type;
  char    *chosen_control;
} DescriptionParse;

static void
replace_str (char **field,
             char **value)
{
  g_free (*field);
  *field = g_steal_pointer (value);
}

static gboolean
is_wan_connection (const char *type)
{
  return g_str_has_prefix (type, "urn:schemas-upnp-org:service:WANIPConnection:") ||
         g_str_has_prefix (type, "urn:schemas-upnp-org:service:WANPPPConnection:");
}

static void
description_start (GMarkupParseContext  *context,
                   const char           *element,
                   const char          **attribute_names,
                   const char          **attribute_values,
                   gpointer              user_data,
                   GError              **error)
{
  DescriptionParse *p = user_data;

  if (++p->depth > MAX_XML_DEPTH)
    {
      g_set_error_literal (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_TOO_LARGE,
                           "A UPnP description nested too deep");
      return;
    }
  g_string_truncate (p->text, 0);
  if (strcmp (local_name (element), "service") == 0)
    {
      p->in_service = TRUE;
      g_clear_pointer (&p->service_type, g_free);
      g_clear_pointer (&p->control_url, g_free);
    }
}

static void
description_end (GMarkupParseContext  *context,
                 const char           *element,
                 gpointer              user_data,
                 GError              **error)
{
  DescriptionParse *p = user_data;
  const char *name = local_name (element);
  g_autofree char *text = g_strstrip (g_strdup (p->text->str));

  p->depth--;
  g_string_truncate (p->text, 0);
  if (strcmp (name, "URLBase") == 0 && p->url_base == NULL)
    p->url_base = g_steal_pointer (&text);
  else if (p->in_service && strcmp (name, "serviceType") == 0)
    replace_str (&p->service_type, &text);
  else if (p->in_service && strcmp (name, "controlURL") == 0)
    replace_str (&p->control_url, &text);
  else if (strcmp (name, "service") == 0)
    {
      p->in_service = FALSE;
      if (p->chosen_type == NULL && p->service_type != NULL && p->control_url != NULL &&
          *p->control_url != '\0' && is_wan_connection (p->service_type))
        {
          p->chosen_type = g_steal_pointer (&p->service_type);
          p->chosen_control = g_steal_pointer (&p->control_url);
        }
    }
}

static void
collect_text (GMarkupParseContext  *context,
              const char           *text,
              gsize                 text_len,
              gpointer              user_data,
              GError              **error)
{
  GString *buffer = *(GString **) user_data;

  if (buffer->len + text_len > SHOAL_UPNP_MAX_URL)
    {
      g_set_error_literal (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_TOO_LARGE,
                           "A UPnP value that is too long");
      return;
    }
  g_string_append_len (buffer, text, (gssize) text_len);
}

/* Both parse structs start with depth, then the text buffer. */
static void
description_text (GMarkupParseContext  *context,
                  const char           *text,
                  gsize                 text_len,
                  gpointer              user_data,
                  GError              **error)
{
  DescriptionParse *p = user_data;

  collect_text (context, text, text_len, &p->text, error);
}

void
shoal_upnp_service_clear (ShoalUpnpService *service)
{
  g_clear_pointer (&service->service_type, g_free);
  g_clear_pointer (&service->control_url, g_free);
}

/**
 * shoal_upnp_parse_description:
 * @data: a UPnP device description (XML)
 * @len: its length
 * @location: the URL it was fetched from
 * @service: (out caller-allocates): the WAN connection service found
 * @error: return location for a %SHOAL_PORTMAP_ERROR
 *
 * Finds the first WANIPConnection or WANPPPConnection service of an
 * Internet gateway device, and the absolute URL of its control point.
 *
 * Returns: whether one was found
 */
gboolean
shoal_upnp_parse_description (const char       *data,
                              gsize             len,
                              const char       *location,
                              ShoalUpnpService *service,
                              GError          **error)
{
  static const GMarkupParser parser = { description_start, description_end, description_text, NULL, NULL };
  DescriptionParse p = { 0 };
  g_autoptr(GMarkupParseContext) context = NULL;
  gboolean ok;
  g_autofree char *control = NULL;

  memset (service, 0, sizeof *service);
  if (len > SHOAL_UPNP_MAX_DESCRIPTION)
    {
      g_set_error_literal (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_TOO_LARGE,
                           "A UPnP description that is too long");
      return FALSE;
    }
  p.text = g_string_new (NULL);
  context = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION, &p, NULL);
  ok = g_markup_parse_context_parse (context, data, (gssize) len, error) &&
       g_markup_parse_context_end_parse (context, error);
  if (ok && p.chosen_control == NULL)
    {
      g_set_error_literal (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_MALFORMED,
                           "The router's UPnP description lists no WAN connection service");
      ok = FALSE;
    }
  if (ok)
    {
      const char *base = p.url_base != NULL && *p.url_base != '\0' ? p.url_base : location;

      control = g_uri_resolve_relative (base, p.chosen_control, G_URI_FLAGS_NONE, NULL);
      if (control == NULL || !check_http_url (control, error))
        {
          if (control == NULL)
            g_set_error_literal (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_MALFORMED,
                                 "The router's UPnP control URL does not parse");
          ok = FALSE;
        }
    }
  if (ok)
    {
      service->service_type = g_steal_pointer (&p.chosen_type);
      service->control_url = g_steal_pointer (&control);
    }
  else if (error != NULL && *error != NULL && (*error)->domain == G_MARKUP_ERROR)
    {
      /* Every failure is ours to name; GMarkup's message may quote the
       * router's bytes, which need not even be UTF-8. */
      g_clear_error (error);
      g_set_error_literal (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_MALFORMED,
                           "The router's UPnP description is not valid XML");
    }
  g_string_free (p.text, TRUE);
  g_free (p.service_type);
  g_free (p.control_url);
  g_free (p.url_base);
  g_free (p.chosen_type);
  g_free (p.chosen_control);
  return ok;
}

/**
 * shoal_upnp_format_soap:
 * @service_type: the service's type
 * @action: e.g. `AddPortMapping`
 * @names: (array zero-terminated=1): the arguments' names
 * @values: (array zero-terminated=1): their values, as many
 *
 * Returns: (transfer full): the SOAP envelope to post
 */
char *
shoal_upnp_format_soap (const char         *service_type,
                        const char         *action,
                        const char * const *names,
                        const char * const *values)
{
  GString *out = g_string_new ("<?xml version=\"1.0\"?>\r\n"
                               "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "
                               "s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\">"
                               "<s:Body>");
  g_autofree char *type = g_markup_escape_text (service_type, -1);

  g_string_append_printf (out, "<u:%s xmlns:u=\"%s\">", action, type);
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      g_autofree char *value = g_markup_escape_text (values[i], -1);

      g_string_append_printf (out, "<%s>%s</%s>", names[i], value, names[i]);
    }
  g_string_append_printf (out, "</u:%s></s:Body></s:Envelope>\r\n", action);
  return g_string_free (out, FALSE);
}

typedef struct
{
  guint      depth;
  GString   *text;
  gboolean   leaf;     /* no child element since the current one started */
  gboolean   fault;
  GHashTable *values;
} SoapParse;

static void
soap_start (GMarkupParseContext  *context,
            const char           *element,
            const char          **attribute_names,
            const char          **attribute_values,
            gpointer              user_data,
            GError              **error)
{
  SoapParse *p = user_data;

  if (++p->depth > MAX_XML_DEPTH)
    {
      g_set_error_literal (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_TOO_LARGE,
                           "A SOAP answer nested too deep");
      return;
    }
  g_string_truncate (p->text, 0);
  p->leaf = TRUE;
  if (strcmp (local_name (element), "Fault") == 0)
    p->fault = TRUE;
}

static void
soap_end (GMarkupParseContext  *context,
          const char           *element,
          gpointer              user_data,
          GError              **error)
{
  SoapParse *p = user_data;

  p->depth--;
  if (p->leaf)
    {
      const char *name = local_name (element);

      if (g_hash_table_size (p->values) >= MAX_SOAP_VALUES && !g_hash_table_contains (p->values, name))
        {
          g_set_error_literal (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_TOO_LARGE,
                               "A SOAP answer with too many values");
          return;
        }
      if (p->text->len > SHOAL_UPNP_MAX_VALUE)
        {
          g_set_error_literal (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_TOO_LARGE,
                               "A SOAP value that is too long");
          return;
        }
      g_hash_table_replace (p->values, g_strdup (name), g_strstrip (g_strdup (p->text->str)));
    }
  g_string_truncate (p->text, 0);
  p->leaf = FALSE;
}

static void
soap_text (GMarkupParseContext  *context,
           const char           *text,
           gsize                 text_len,
           gpointer              user_data,
           GError              **error)
{
  SoapParse *p = user_data;

  collect_text (context, text, text_len, &p->text, error);
}

void
shoal_upnp_soap_answer_clear (ShoalUpnpSoapAnswer *answer)
{
  g_clear_pointer (&answer->error_description, g_free);
  g_clear_pointer (&answer->values, g_hash_table_unref);
}

/**
 * shoal_upnp_parse_soap:
 * @data: the body of an answer to a SOAP action
 * @len: its length
 * @answer: (out caller-allocates): the answer: a fault or its values
 * @error: return location for a %SHOAL_PORTMAP_ERROR
 *
 * Returns: whether @data is a SOAP envelope
 */
gboolean
shoal_upnp_parse_soap (const char          *data,
                       gsize                len,
                       ShoalUpnpSoapAnswer *answer,
                       GError             **error)
{
  static const GMarkupParser parser = { soap_start, soap_end, soap_text, NULL, NULL };
  SoapParse p = { 0 };
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) local_error = NULL;

  memset (answer, 0, sizeof *answer);
  if (len > SHOAL_UPNP_MAX_SOAP)
    {
      g_set_error_literal (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_TOO_LARGE,
                           "A SOAP answer that is too long");
      return FALSE;
    }
  p.text = g_string_new (NULL);
  p.values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  context = g_markup_parse_context_new (&parser, 0, &p, NULL);
  if (!g_markup_parse_context_parse (context, data, (gssize) len, &local_error) ||
      !g_markup_parse_context_end_parse (context, &local_error))
    {
      g_string_free (p.text, TRUE);
      g_hash_table_unref (p.values);
      if (local_error->domain == SHOAL_PORTMAP_ERROR)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error_literal (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_MALFORMED,
                             "A SOAP answer that is not valid XML");
      return FALSE;
    }
  g_string_free (p.text, TRUE);
  answer->fault = p.fault;
  answer->values = p.values;
  if (p.fault)
    {
      const char *code = g_hash_table_lookup (p.values, "errorCode");
      guint64 n = 0;

      if (code != NULL && g_ascii_string_to_unsigned (code, 10, 1, 9999, &n, NULL))
        answer->error_code = (guint) n;
      answer->error_description = g_strdup (g_hash_table_lookup (p.values, "errorDescription"));
    }
  return TRUE;
}

/* ---- the default route ---- */

/**
 * shoal_portmap_parse_default_route:
 * @route_text: the text of /proc/net/route
 * @iface: (out) (transfer full): the default route's interface
 * @gateway: (out) (transfer full): its gateway, an IPv4 address
 * @error: return location for a %SHOAL_PORTMAP_ERROR
 *
 * Finds the IPv4 default route with the lowest metric.
 *
 * Returns: whether there is one
 */
gboolean
shoal_portmap_parse_default_route (const char    *route_text,
                                   char         **iface,
                                   GInetAddress **gateway,
                                   GError       **error)
{
  g_auto(GStrv) lines = g_strsplit (route_text, "\n", 4096);
  guint64 best_metric = G_MAXUINT64;
  g_autofree char *best_iface = NULL;
  guint32 best_gateway = 0;

  /* The first line names the columns (and an empty text has none). */
  for (guint i = 1; lines[0] != NULL && lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit_set (lines[i], " \t", -1);
      const char *fields[11];
      guint n = 0;
      guint64 dest, gw, flags, metric, mask;

      for (guint j = 0; f[j] != NULL && n < G_N_ELEMENTS (fields); j++)
        if (*f[j] != '\0')
          fields[n++] = f[j];
      if (n < 8 || strlen (fields[0]) >= 16)
        continue;
      if (!g_ascii_string_to_unsigned (fields[1], 16, 0, G_MAXUINT32, &dest, NULL) ||
          !g_ascii_string_to_unsigned (fields[2], 16, 0, G_MAXUINT32, &gw, NULL) ||
          !g_ascii_string_to_unsigned (fields[3], 16, 0, 0xffff, &flags, NULL) ||
          !g_ascii_string_to_unsigned (fields[6], 10, 0, G_MAXUINT32, &metric, NULL) ||
          !g_ascii_string_to_unsigned (fields[7], 16, 0, G_MAXUINT32, &mask, NULL))
        continue;
      /* RTF_UP | RTF_GATEWAY, to anywhere */
      if (dest != 0 || mask != 0 || (flags & 0x3) != 0x3 || gw == 0 || metric >= best_metric)
        continue;
      best_metric = metric;
      g_free (best_iface);
      best_iface = g_strdup (fields[0]);
      best_gateway = (guint32) gw;
    }
  if (best_iface == NULL)
    {
      g_set_error_literal (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_NO_ROUTER,
                           "No default route: there is no router to ask");
      return FALSE;
    }
  /* The kernel prints the address as a number in host order. */
  {
    guint8 bytes[4];

    memcpy (bytes, &best_gateway, 4);
    *gateway = g_inet_address_new_from_bytes (bytes, G_SOCKET_FAMILY_IPV4);
  }
  *iface = g_steal_pointer (&best_iface);
  return TRUE;
}

/**
 * shoal_portmap_address_is_public:
 * @address: an IPv4 address
 *
 * Returns: whether @address may be someone's address on the internet: not
 *   private, shared (carrier-grade NAT), loopback, link-local, reserved
 *   for documentation or benchmarks, multicast or unspecified
 */
gboolean
shoal_portmap_address_is_public (GInetAddress *address)
{
  const guint8 *b;

  if (g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV4)
    return FALSE;
  b = g_inet_address_to_bytes (address);
  if (b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224)
    return FALSE;
  if (b[0] == 100 && (b[1] & 0xc0) == 64)
    return FALSE;
  if (b[0] == 169 && b[1] == 254)
    return FALSE;
  if (b[0] == 172 && (b[1] & 0xf0) == 16)
    return FALSE;
  if (b[0] == 192 && b[1] == 168)
    return FALSE;
  if (b[0] == 192 && b[1] == 0 && (b[2] == 0 || b[2] == 2))
    return FALSE;
  if (b[0] == 198 && (b[1] & 0xfe) == 18)
    return FALSE;
  if ((b[0] == 198 && b[1] == 51 && b[2] == 100) || (b[0] == 203 && b[1] == 0 && b[2] == 113))
    return FALSE;
  return TRUE;
}
