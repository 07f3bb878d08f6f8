/* shoal-portmap-codec.h: the port mapping protocols' messages, no sockets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * NAT-PMP (RFC 6886) requests and answers, SSDP answers, UPnP device
 * descriptions and SOAP envelopes (UPnP IGD), and the default route of
 * /proc/net/route: each a pure function of bytes, so that hostile input is
 * tested (tests/test-portmap-codec.c) and fuzzed (tests/fuzz/fuzz-portmap.c)
 * without a router.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SHOAL_PORTMAP_ERROR (shoal_portmap_error_quark ())

/**
 * ShoalPortmapError:
 * @SHOAL_PORTMAP_ERROR_MALFORMED: a message that does not parse
 * @SHOAL_PORTMAP_ERROR_TOO_LARGE: a message over its size limit
 * @SHOAL_PORTMAP_ERROR_NO_ROUTER: no default route, or no router answered
 * @SHOAL_PORTMAP_ERROR_REFUSED: the router answered, and refused
 */
typedef enum
{
  SHOAL_PORTMAP_ERROR_MALFORMED,
  SHOAL_PORTMAP_ERROR_TOO_LARGE,
  SHOAL_PORTMAP_ERROR_NO_ROUTER,
  SHOAL_PORTMAP_ERROR_REFUSED,
} ShoalPortmapError;

GQuark shoal_portmap_error_quark (void);

#define SHOAL_NATPMP_PORT            5351
#define SHOAL_NATPMP_OP_EXTERNAL     0
#define SHOAL_NATPMP_OP_MAP_UDP      1
#define SHOAL_NATPMP_OP_MAP_TCP      2
#define SHOAL_NATPMP_REQUEST_MAX     12
/* RFC 6886 result codes */
#define SHOAL_NATPMP_RESULT_SUCCESS          0
#define SHOAL_NATPMP_RESULT_UNSUPPORTED      1
#define SHOAL_NATPMP_RESULT_REFUSED          2
#define SHOAL_NATPMP_RESULT_NETWORK_FAILURE  3
#define SHOAL_NATPMP_RESULT_OUT_OF_RESOURCES 4
#define SHOAL_NATPMP_RESULT_BAD_OPCODE       5

/**
 * ShoalNatpmpAnswer:
 * @op: the request's opcode (0, 1 or 2), without the 128 bit
 * @result: the result code (0: success)
 * @epoch: seconds since the router's mappings were last reset
 * @external: the external IPv4 address (op 0), network order
 * @internal_port: the mapped internal port (op 1, 2)
 * @external_port: the external port the router chose (op 1, 2)
 * @lifetime: the mapping's lifetime in seconds (op 1, 2)
 */
typedef struct
{
  guint8  op;
  guint16 result;
  guint32 epoch;
  guint8  external[4];
  guint16 internal_port;
  guint16 external_port;
  guint32 lifetime;
} ShoalNatpmpAnswer;

gsize    shoal_natpmp_encode_external (guint8             out[SHOAL_NATPMP_REQUEST_MAX]);
gsize    shoal_natpmp_encode_map      (guint8             out[SHOAL_NATPMP_REQUEST_MAX],
                                       guint8             op,
                                       guint16            internal_port,
                                       guint16            external_port,
                                       guint32            lifetime);
gboolean shoal_natpmp_decode          (const guint8      *data,
                                       gsize              len,
                                       ShoalNatpmpAnswer *answer,
                                       GError           **error);
const char *shoal_natpmp_result_to_string (guint16 result);

/* PCP (RFC 6887): MAP requests and answers, on the same port. */
#define SHOAL_PCP_VERSION            2
#define SHOAL_PCP_OP_MAP             1
#define SHOAL_PCP_MAP_LEN            60
#define SHOAL_PCP_NONCE_LEN          12
#define SHOAL_PCP_PROTOCOL_TCP       6
#define SHOAL_PCP_PROTOCOL_UDP       17
#define SHOAL_PCP_RESULT_SUCCESS          0
#define SHOAL_PCP_RESULT_UNSUPP_VERSION   1
#define SHOAL_PCP_RESULT_NOT_AUTHORIZED   2
#define SHOAL_PCP_RESULT_NETWORK_FAILURE  7
#define SHOAL_PCP_RESULT_NO_RESOURCES     8
#define SHOAL_PCP_RESULT_CANNOT_PROVIDE_EXTERNAL 11

/**
 * ShoalPcpAnswer:
 * @natpmp: the router answered in NAT-PMP (version 0): it does not speak
 *   PCP; only @result (NAT-PMP's) is set
 * @op: the opcode answered
 * @result: the result code (0: success)
 * @lifetime: the mapping's lifetime in seconds
 * @epoch: the router's epoch
 * @nonce: the mapping nonce echoed (MAP)
 * @protocol: 6 (TCP) or 17 (UDP) (MAP)
 * @internal_port: our port (MAP)
 * @external_port: the external port assigned (MAP)
 * @external: the external address assigned, IPv4-mapped IPv6 (MAP)
 */
typedef struct
{
  gboolean natpmp;
  guint8   op;
  guint16  result;
  guint32  lifetime;
  guint32  epoch;
  guint8   nonce[SHOAL_PCP_NONCE_LEN];
  guint8   protocol;
  guint16  internal_port;
  guint16  external_port;
  guint8   external[16];
} ShoalPcpAnswer;

gsize    shoal_pcp_encode_map         (guint8             out[SHOAL_PCP_MAP_LEN],
                                       GInetAddress      *client,
                                       const guint8       nonce[SHOAL_PCP_NONCE_LEN],
                                       guint8             protocol,
                                       guint16            internal_port,
                                       guint16            external_port,
                                       guint32            lifetime);
gboolean shoal_pcp_decode             (const guint8      *data,
                                       gsize              len,
                                       ShoalPcpAnswer    *answer,
                                       GError           **error);
GInetAddress *shoal_pcp_answer_dup_external (const ShoalPcpAnswer *answer);
const char *shoal_pcp_result_to_string (guint16 result);

#define SHOAL_SSDP_GROUP         "239.255.255.250"
#define SHOAL_SSDP_PORT          1900
#define SHOAL_SSDP_MAX_MESSAGE   2048u
#define SHOAL_UPNP_MAX_URL       1024u
#define SHOAL_UPNP_MAX_DESCRIPTION (64u * 1024u)
#define SHOAL_UPNP_MAX_SOAP      (16u * 1024u)
#define SHOAL_UPNP_MAX_VALUE     256u

char    *shoal_ssdp_format_search      (const char    *search_target);
char    *shoal_ssdp_parse_location     (const guint8  *data,
                                        gsize          len,
                                        GError       **error);

/**
 * ShoalUpnpService:
 * @service_type: e.g. `urn:schemas-upnp-org:service:WANIPConnection:1`
 * @control_url: the absolute URL to post its actions to
 */
typedef struct
{
  char *service_type;
  char *control_url;
} ShoalUpnpService;

void     shoal_upnp_service_clear      (ShoalUpnpService *service);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ShoalUpnpService, shoal_upnp_service_clear)

gboolean shoal_upnp_parse_description  (const char       *data,
                                        gsize             len,
                                        const char       *location,
                                        ShoalUpnpService *service,
                                        GError          **error);

char    *shoal_upnp_format_soap        (const char         *service_type,
                                        const char         *action,
                                        const char * const *names,
                                        const char * const *values);

/**
 * ShoalUpnpSoapAnswer:
 * @fault: whether the answer is a SOAP fault
 * @error_code: the UPnP error code of a fault (718: conflict, …), or 0
 * @error_description: (nullable): the fault's description
 * @values: the answer's arguments, name → text (at most 16)
 */
typedef struct
{
  gboolean    fault;
  guint       error_code;
  char       *error_description;
  GHashTable *values;
} ShoalUpnpSoapAnswer;

void     shoal_upnp_soap_answer_clear  (ShoalUpnpSoapAnswer *answer);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ShoalUpnpSoapAnswer, shoal_upnp_soap_answer_clear)

gboolean shoal_upnp_parse_soap         (const char          *data,
                                        gsize                len,
                                        ShoalUpnpSoapAnswer *answer,
                                        GError             **error);

gboolean shoal_portmap_parse_default_route (const char    *route_text,
                                            char         **iface,
                                            GInetAddress **gateway,
                                            GError       **error);
gboolean shoal_portmap_address_is_public   (GInetAddress  *address);

G_END_DECLS
