/* fuzz-portmap.c: the port mapping parsers: NAT-PMP answers, SSDP answers,
 * UPnP device descriptions, SOAP envelopes and /proc/net/route
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: one byte choosing the parser (modulo 6), then what a router (or
 * the kernel) would send. Whatever parses must be bounded as documented,
 * and every failure must be a SHOAL_PORTMAP_ERROR.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "shoal-portmap-codec.h"

static void
check_http_url (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  g_assert_cmpuint (strlen (url), <=, SHOAL_UPNP_MAX_URL);
  g_assert_nonnull (uri);
  g_assert_cmpstr (g_uri_get_scheme (uri), ==, "http");
  g_assert_nonnull (g_uri_get_host (uri));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree guint8 *copy = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;

  fuzz_set_up ();
  if (size < 1)
    return 0;
  len = size - 1;
  /* NUL-terminated for the text parsers, which must not need it. */
  copy = g_malloc (len + 1);
  memcpy (copy, data + 1, len);
  copy[len] = '\0';

  switch (data[0] % 6)
    {
    case 0:
      {
        ShoalNatpmpAnswer answer;

        if (shoal_natpmp_decode (copy, len, &answer, &error))
          {
            g_assert_cmpuint (answer.op, <=, SHOAL_NATPMP_OP_MAP_TCP);
            g_assert_cmpuint (len, >=, 8);
            g_assert_nonnull (shoal_natpmp_result_to_string (answer.result));
          }
        break;
      }
    case 1:
      {
        g_autofree char *location = shoal_ssdp_parse_location (copy, len, &error);

        if (location != NULL)
          check_http_url (location);
        break;
      }
    case 2:
      {
        g_auto(ShoalUpnpService) service = { 0 };

        if (shoal_upnp_parse_description ((const char *) copy, len, "http://192.168.1.1:5000/desc.xml",
                                          &service, &error))
          {
            check_http_url (service.control_url);
            g_assert_true (g_str_has_prefix (service.service_type, "urn:schemas-upnp-org:service:WAN"));
          }
        else
          g_assert_null (service.control_url);
        break;
      }
    case 3:
      {
        g_auto(ShoalUpnpSoapAnswer) answer = { 0 };

        if (shoal_upnp_parse_soap ((const char *) copy, len, &answer, &error))
          {
            GHashTableIter iter;
            gpointer value;

            g_assert_cmpuint (g_hash_table_size (answer.values), <=, 16);
            g_assert_cmpuint (answer.error_code, <=, 9999);
            g_hash_table_iter_init (&iter, answer.values);
            while (g_hash_table_iter_next (&iter, NULL, &value))
              g_assert_cmpuint (strlen (value), <=, SHOAL_UPNP_MAX_VALUE);
          }
        break;
      }
    case 5:
      {
        ShoalPcpAnswer answer;

        if (shoal_pcp_decode (copy, len, &answer, &error) && !answer.natpmp &&
            answer.op == SHOAL_PCP_OP_MAP && answer.result == SHOAL_PCP_RESULT_SUCCESS)
          {
            g_autoptr(GInetAddress) external = shoal_pcp_answer_dup_external (&answer);

            g_assert_cmpuint (len, >=, SHOAL_PCP_MAP_LEN);
            if (external != NULL)
              g_assert_cmpint (g_inet_address_get_family (external), ==, G_SOCKET_FAMILY_IPV4);
          }
        break;
      }
    default:
      {
        g_autofree char *iface = NULL;
        g_autoptr(GInetAddress) gateway = NULL;

        if (shoal_portmap_parse_default_route ((const char *) copy, &iface, &gateway, &error))
          {
            g_assert_cmpuint (strlen (iface), <, 16);
            g_assert_cmpint (g_inet_address_get_family (gateway), ==, G_SOCKET_FAMILY_IPV4);
          }
        break;
      }
    }
  if (error != NULL)
    g_assert_true (error->domain == SHOAL_PORTMAP_ERROR);
  return 0;
}
