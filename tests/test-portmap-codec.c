/* test-portmap-codec.c: NAT-PMP packets, SSDP answers, UPnP descriptions,
 * SOAP envelopes and the default route, with hostile input
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The mapper itself talks to a real router in
 * tests/interop/test-portmap-netns.py (miniupnpd in namespaces).
 */
#include "config.h"

#include <string.h>

#include "shoal-portmap-codec.h"

static void
test_natpmp_encode (void)
{
  guint8 out[SHOAL_NATPMP_REQUEST_MAX];
  static const guint8 map[] = { 0, 2, 0, 0, 0x9c, 0x41, 0x9c, 0x42, 0, 0, 0x0e, 0x10 };

  g_assert_cmpuint (shoal_natpmp_encode_external (out), ==, 2);
  g_assert_cmpuint (out[0], ==, 0);
  g_assert_cmpuint (out[1], ==, 0);
  g_assert_cmpuint (shoal_natpmp_encode_map (out, SHOAL_NATPMP_OP_MAP_TCP, 40001, 40002, 3600), ==, 12);
  g_assert_cmpmem (out, 12, map, sizeof map);
}

static void
test_natpmp_decode (void)
{
  static const guint8 external[] = { 0, 128, 0, 0, 0, 0, 0x01, 0x00, 11, 79, 0, 1 };
  static const guint8 mapped[] = { 0, 129, 0, 0, 0, 0, 0, 7, 0x9c, 0x41, 0x9c, 0x43, 0, 0, 0, 60 };
  static const guint8 refused[] = { 0, 130, 0, 2, 0, 0, 0, 9 };
  ShoalNatpmpAnswer a;
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_natpmp_decode (external, sizeof external, &a, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (a.op, ==, SHOAL_NATPMP_OP_EXTERNAL);
  g_assert_cmpuint (a.result, ==, 0);
  g_assert_cmpuint (a.epoch, ==, 256);
  g_assert_cmpuint (a.external[0], ==, 11);
  g_assert_cmpuint (a.external[3], ==, 1);

  g_assert_true (shoal_natpmp_decode (mapped, sizeof mapped, &a, &error));
  g_assert_cmpuint (a.op, ==, SHOAL_NATPMP_OP_MAP_UDP);
  g_assert_cmpuint (a.internal_port, ==, 40001);
  g_assert_cmpuint (a.external_port, ==, 40003);
  g_assert_cmpuint (a.lifetime, ==, 60);

  /* An error answer may stop after the epoch. */
  g_assert_true (shoal_natpmp_decode (refused, sizeof refused, &a, &error));
  g_assert_cmpuint (a.result, ==, SHOAL_NATPMP_RESULT_REFUSED);
  g_assert_cmpuint (a.external_port, ==, 0);
  g_assert_cmpstr (shoal_natpmp_result_to_string (a.result), ==, "mapping refused by the router's settings");
  g_assert_cmpstr (shoal_natpmp_result_to_string (999), ==, "unknown result");
}

static void
test_natpmp_hostile (void)
{
  static const struct {
    const char *what;
    guint8      data[20];
    gsize       len;
  } cases[] = {
    { "empty", { 0 }, 0 },
    { "one byte", { 0 }, 1 },
    { "header cut", { 0, 128, 0, 0, 0, 0, 0 }, 7 },
    { "a request, not an answer", { 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 12 },
    { "version 1", { 1, 128, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4 }, 12 },
    { "PCP version 2", { 2, 129, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4 }, 12 },
    { "unknown opcode", { 0, 131, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0 }, 16 },
    { "external cut", { 0, 128, 0, 0, 0, 0, 0, 0, 1, 2, 3 }, 11 },
    { "mapping cut", { 0, 130, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0 }, 15 },
  };
  g_autofree guint8 *huge = g_malloc0 (4096);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree guint8 *copy = g_memdup2 (cases[i].data, cases[i].len);
      ShoalNatpmpAnswer a;
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", cases[i].what);
      g_assert_false (shoal_natpmp_decode (copy, cases[i].len, &a, &error));
      g_assert_error (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_MALFORMED);
    }
  huge[1] = 128;
  {
    ShoalNatpmpAnswer a;
    g_autoptr(GError) error = NULL;

    g_assert_false (shoal_natpmp_decode (huge, 4096, &a, &error));
    g_assert_error (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_MALFORMED);
  }
}

static void
test_pcp (void)
{
  static const guint8 nonce[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
  g_autoptr(GInetAddress) client = g_inet_address_new_from_string ("192.168.79.2");
  g_autoptr(GInetAddress) external = NULL;
  guint8 out[SHOAL_PCP_MAP_LEN];
  guint8 answer_bytes[SHOAL_PCP_MAP_LEN];
  static const guint8 mapped_client[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 79, 2 };
  ShoalPcpAnswer a;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_cmpuint (shoal_pcp_encode_map (out, client, nonce, SHOAL_PCP_PROTOCOL_TCP, 40001, 40002, 7200), ==, 60);
  g_assert_cmpuint (out[0], ==, 2);
  g_assert_cmpuint (out[1], ==, 1);
  g_assert_cmpuint (out[6], ==, 0x1c);
  g_assert_cmpuint (out[7], ==, 0x20);
  g_assert_cmpmem (out + 8, 16, mapped_client, 16);
  g_assert_cmpmem (out + 24, 12, nonce, 12);
  g_assert_cmpuint (out[36], ==, 6);
  g_assert_cmpuint ((out[40] << 8) | out[41], ==, 40001);
  g_assert_cmpuint ((out[42] << 8) | out[43], ==, 40002);
  g_assert_cmpuint (out[54], ==, 0xff);
  g_assert_cmpuint (out[56], ==, 0);

  /* The router's answer: the request with R set, a result, an epoch, the
   * external address. */
  memcpy (answer_bytes, out, sizeof out);
  answer_bytes[1] = 0x81;
  answer_bytes[3] = 0;
  answer_bytes[11] = 42;
  answer_bytes[42] = 0x9c;
  answer_bytes[43] = 0x43;
  answer_bytes[56] = 11;
  answer_bytes[57] = 79;
  answer_bytes[58] = 0;
  answer_bytes[59] = 1;
  g_assert_true (shoal_pcp_decode (answer_bytes, sizeof answer_bytes, &a, &error));
  g_assert_no_error (error);
  g_assert_false (a.natpmp);
  g_assert_cmpuint (a.op, ==, SHOAL_PCP_OP_MAP);
  g_assert_cmpuint (a.epoch, ==, 42);
  g_assert_cmpuint (a.lifetime, ==, 7200);
  g_assert_cmpmem (a.nonce, 12, nonce, 12);
  g_assert_cmpuint (a.external_port, ==, 40003);
  external = shoal_pcp_answer_dup_external (&a);
  text = g_inet_address_to_string (external);
  g_assert_cmpstr (text, ==, "11.79.0.1");

  /* An error answer may be the header alone. */
  answer_bytes[3] = SHOAL_PCP_RESULT_NETWORK_FAILURE;
  g_assert_true (shoal_pcp_decode (answer_bytes, 24, &a, &error));
  g_assert_cmpuint (a.result, ==, 7);
  g_assert_cmpstr (shoal_pcp_result_to_string (a.result), ==, "the router has no usable external address");
  g_assert_cmpstr (shoal_pcp_result_to_string (200), ==, "unknown result");

  /* A NAT-PMP-only router answers "unsupported version" in NAT-PMP. */
  {
    static const guint8 natpmp[] = { 0, 129, 0, 1, 0, 0, 0, 9 };

    g_assert_true (shoal_pcp_decode (natpmp, sizeof natpmp, &a, &error));
    g_assert_true (a.natpmp);
    g_assert_cmpuint (a.result, ==, 1);
  }
}

static void
test_pcp_hostile (void)
{
  guint8 ok[SHOAL_PCP_MAP_LEN] = { 2, 0x81 };
  static const struct {
    const char *what;
    gsize       len;
    guint       byte;
    guint8      value;
  } cases[] = {
    { "empty", 0, 0, 2 },
    { "three bytes", 3, 0, 2 },
    { "header cut", 20, 0, 2 },
    { "not a multiple of 4", 26, 0, 2 },
    { "MAP cut", 40, 0, 2 },
    { "version 1", 60, 0, 1 },
    { "a request", 60, 1, 0x01 },
    { "oversized", 2048, 0, 2 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree guint8 *data = g_malloc0 (MAX (cases[i].len, sizeof ok));
      ShoalPcpAnswer a;
      g_autoptr(GError) error = NULL;

      memcpy (data, ok, sizeof ok);
      data[cases[i].byte] = cases[i].value;
      g_test_message ("%s", cases[i].what);
      g_assert_false (shoal_pcp_decode (data, cases[i].len, &a, &error));
      g_assert_error (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_MALFORMED);
    }
  /* An external address that is not IPv4-mapped is none. */
  {
    ShoalPcpAnswer a = { 0 };

    a.external[0] = 0x20;
    g_assert_null (shoal_pcp_answer_dup_external (&a));
  }
}

static char *
ssdp (const char  *text,
      GError     **error)
{
  gsize len = strlen (text);
  g_autofree guint8 *copy = g_memdup2 (text, len);

  return shoal_ssdp_parse_location (copy, len, error);
}

static void
test_ssdp (void)
{
  g_autofree char *search = shoal_ssdp_format_search ("urn:schemas-upnp-org:device:InternetGatewayDevice:1");
  g_autofree char *location = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_str_has_prefix (search, "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"));
  g_assert_nonnull (strstr (search, "\r\nMAN: \"ssdp:discover\"\r\n"));
  g_assert_true (g_str_has_suffix (search, "ST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n\r\n"));

  location = ssdp ("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: urn:x\r\n"
                   "location:   http://192.168.79.1:5000/rootDesc.xml  \r\nEXT:\r\n\r\n", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (location, ==, "http://192.168.79.1:5000/rootDesc.xml");
}

static void
test_ssdp_hostile (void)
{
  static const char *const bad[] = {
    "",
    "NOTIFY * HTTP/1.1\r\nLOCATION: http://10.0.0.1/\r\n\r\n",
    "HTTP/1.1 404 Not Found\r\nLOCATION: http://10.0.0.1/\r\n\r\n",
    "HTTP/1.1 200 OK\r\nST: x\r\n\r\n",
    "HTTP/1.1 200 OK\r\nLOCATION: file:///etc/passwd\r\n\r\n",
    "HTTP/1.1 200 OK\r\nLOCATION: https://10.0.0.1/x.xml\r\n\r\n",
    "HTTP/1.1 200 OK\r\nLOCATION: http:///nohost\r\n\r\n",
    "HTTP/1.1 200 OK\r\nLOCATION:\r\n\r\n",
    "garbage",
  };
  g_autoptr(GString) big = g_string_new ("HTTP/1.1 200 OK\r\nLOCATION: http://10.0.0.1/");

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *location = ssdp (bad[i], &error);

      g_test_message ("%u: %s", i, bad[i]);
      g_assert_null (location);
      g_assert_error (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_MALFORMED);
    }

  /* Over the size limit, a NUL inside, a URL too long to use. */
  while (big->len <= SHOAL_SSDP_MAX_MESSAGE)
    g_string_append_c (big, 'a');
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (shoal_ssdp_parse_location ((const guint8 *) big->str, big->len, &error));
    g_assert_error (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_TOO_LARGE);
  }
  g_string_truncate (big, SHOAL_UPNP_MAX_URL + 60);
  g_string_append (big, "\r\n\r\n");
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (shoal_ssdp_parse_location ((const guint8 *) big->str, big->len, &error));
    g_assert_error (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_TOO_LARGE);
  }
  {
    static const guint8 nul[] = "HTTP/1.1 200 OK\r\nLOCATION: http://10.0.0.1/\0x\r\n\r\n";
    g_autoptr(GError) error = NULL;

    g_assert_null (shoal_ssdp_parse_location (nul, sizeof nul - 1, &error));
    g_assert_error (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_MALFORMED);
  }
}

static const char description[] =
  "<?xml version=\"1.0\"?>\n"
  "<root xmlns=\"urn:schemas-upnp-org:device-1-0\"><specVersion><major>1</major></specVersion>"
  "<device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType>"
  "<serviceList><service><serviceType>urn:schemas-microsoft-com:service:OSInfo:1</serviceType>"
  "<controlURL>/ctl/OSInfo</controlURL></service></serviceList>"
  "<deviceList><device><deviceList><device>"
  "<serviceList><service>"
  "<serviceType>urn:schemas-upnp-org:service:WANIPConnection:2</serviceType>"
  "<serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId>"
  "<controlURL>/ctl/IPConn</controlURL>"
  "</service></serviceList></device></deviceList></device></deviceList>"
  "</device></root>";

static void
test_description (void)
{
  g_auto(ShoalUpnpService) service = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *with_base = NULL;

  g_assert_true (shoal_upnp_parse_description (description, strlen (description),
                                               "http://192.168.79.1:5000/rootDesc.xml", &service, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (service.service_type, ==, "urn:schemas-upnp-org:service:WANIPConnection:2");
  g_assert_cmpstr (service.control_url, ==, "http://192.168.79.1:5000/ctl/IPConn");
  shoal_upnp_service_clear (&service);

  /* A URLBase wins over the location; a PPP connection counts too. */
  with_base = g_strdup ("<root><URLBase>http://192.168.1.1:49000/</URLBase><device><serviceList><service>"
                        "<serviceType>urn:schemas-upnp-org:service:WANPPPConnection:1</serviceType>"
                        "<controlURL>upnp/control/WANPPPConn1</controlURL></service></serviceList></device></root>");
  g_assert_true (shoal_upnp_parse_description (with_base, strlen (with_base), "http://192.168.1.1:5431/desc.xml",
                                               &service, &error));
  g_assert_cmpstr (service.control_url, ==, "http://192.168.1.1:49000/upnp/control/WANPPPConn1");
}

static void
test_description_hostile (void)
{
  static const char *const bad[] = {
    "",
    "not xml at all",
    "<root><device></root>",
    "<root><device><serviceList><service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1"
    "</serviceType></service></serviceList></device></root>",          /* no control URL */
    "<root><service><serviceType>urn:schemas-upnp-org:service:Layer3Forwarding:1</serviceType>"
    "<controlURL>/x</controlURL></service></root>",                   /* not a WAN connection */
    "<root><service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType>"
    "<controlURL>file:///etc/passwd</controlURL></service></root>",    /* not http */
    "<root><service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType>"
    "<controlURL>/x</controlURL></service>",                          /* cut */
    "<root>\xff\xfe</root>",                                           /* not UTF-8 */
    "<!DOCTYPE root [<!ENTITY a \"aaaaaaaa\">]><root>&a;</root>",       /* entities */
  };
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(GString) long_text = g_string_new ("<root><service><controlURL>");

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_auto(ShoalUpnpService) service = { 0 };
      g_autoptr(GError) error = NULL;

      g_test_message ("%u", i);
      g_assert_false (shoal_upnp_parse_description (bad[i], strlen (bad[i]), "http://10.0.0.1/d.xml", &service, &error));
      g_assert_error (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_MALFORMED);
      g_assert_null (service.control_url);
    }

  for (guint i = 0; i < 100; i++)
    g_string_append (deep, "<a>");
  for (guint i = 0; i < 1100; i++)
    g_string_append_c (long_text, 'x');
  g_string_append (long_text, "</controlURL></service></root>");
  {
    const GString *const too_large[] = { deep, long_text };

    for (guint i = 0; i < G_N_ELEMENTS (too_large); i++)
      {
        g_auto(ShoalUpnpService) service = { 0 };
        g_autoptr(GError) error = NULL;

        g_assert_false (shoal_upnp_parse_description (too_large[i]->str, too_large[i]->len, "http://10.0.0.1/",
                                                      &service, &error));
        g_assert_error (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_TOO_LARGE);
      }
  }
  {
    g_auto(ShoalUpnpService) service = { 0 };
    g_autoptr(GError) error = NULL;

    g_assert_false (shoal_upnp_parse_description (description, SHOAL_UPNP_MAX_DESCRIPTION + 1, "http://10.0.0.1/",
                                                  &service, &error));
    g_assert_error (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_TOO_LARGE);
  }
}

static void
test_soap (void)
{
  const char *names[] = { "NewRemoteHost", "NewExternalPort", "NewPortMappingDescription", NULL };
  const char *values[] = { "", "40001", "a<b&\"c\"", NULL };
  g_autofree char *request = shoal_upnp_format_soap ("urn:schemas-upnp-org:service:WANIPConnection:1",
                                                     "AddPortMapping", names, values);
  static const char ok[] =
    "<?xml version=\"1.0\"?>\r\n<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
    "<s:Body><u:GetExternalIPAddressResponse xmlns:u=\"urn:schemas-upnp-org:service:WANIPConnection:1\">"
    "<NewExternalIPAddress> 11.79.0.1 </NewExternalIPAddress>"
    "</u:GetExternalIPAddressResponse></s:Body></s:Envelope>";
  static const char fault[] =
    "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><s:Fault>"
    "<faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail>"
    "<UPnPError xmlns=\"urn:schemas-upnp-org:control-1-0\"><errorCode>718</errorCode>"
    "<errorDescription>ConflictInMappingEntry</errorDescription></UPnPError>"
    "</detail></s:Fault></s:Body></s:Envelope>";
  g_auto(ShoalUpnpSoapAnswer) answer = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (strstr (request, "<u:AddPortMapping xmlns:u=\"urn:schemas-upnp-org:service:WANIPConnection:1\">"
                                     "<NewRemoteHost></NewRemoteHost><NewExternalPort>40001</NewExternalPort>"
                                     "<NewPortMappingDescription>a&lt;b&amp;&quot;c&quot;</NewPortMappingDescription>"
                                     "</u:AddPortMapping>"));
  /* What we send parses as a SOAP envelope. */
  g_assert_true (shoal_upnp_parse_soap (request, strlen (request), &answer, &error));
  g_assert_cmpstr (g_hash_table_lookup (answer.values, "NewPortMappingDescription"), ==, "a<b&\"c\"");
  shoal_upnp_soap_answer_clear (&answer);

  g_assert_true (shoal_upnp_parse_soap (ok, strlen (ok), &answer, &error));
  g_assert_no_error (error);
  g_assert_false (answer.fault);
  g_assert_cmpstr (g_hash_table_lookup (answer.values, "NewExternalIPAddress"), ==, "11.79.0.1");
  shoal_upnp_soap_answer_clear (&answer);

  g_assert_true (shoal_upnp_parse_soap (fault, strlen (fault), &answer, &error));
  g_assert_true (answer.fault);
  g_assert_cmpuint (answer.error_code, ==, 718);
  g_assert_cmpstr (answer.error_description, ==, "ConflictInMappingEntry");
}

static void
test_soap_hostile (void)
{
  static const char *const bad[] = {
    "",
    "<html><body>500 Internal Server Error</body>",
    "<s:Envelope><s:Body></s:Envelope>",
    "\xc3\x28",
  };
  g_autoptr(GString) many = g_string_new ("<e><b><r>");
  g_autoptr(GString) long_value = g_string_new ("<e><v>");
  g_auto(ShoalUpnpSoapAnswer) answer = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (shoal_upnp_parse_soap (bad[i], strlen (bad[i]), &answer, &error));
      g_assert_error (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_MALFORMED);
      g_assert_null (answer.values);
    }
  for (guint i = 0; i < 40; i++)
    g_string_append_printf (many, "<v%u>x</v%u>", i, i);
  g_string_append (many, "</r></b></e>");
  for (guint i = 0; i < 300; i++)
    g_string_append_c (long_value, '9');
  g_string_append (long_value, "</v></e>");
  {
    const GString *const too_large[] = { many, long_value };

    for (guint i = 0; i < G_N_ELEMENTS (too_large); i++)
      {
        g_autoptr(GError) error = NULL;

        g_assert_false (shoal_upnp_parse_soap (too_large[i]->str, too_large[i]->len, &answer, &error));
        g_assert_error (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_TOO_LARGE);
      }
  }
  /* A fault whose code is not a number has code 0. */
  {
    static const char fault[] = "<E><B><Fault><errorCode>-1e9</errorCode></Fault></B></E>";
    g_autoptr(GError) error = NULL;

    g_assert_true (shoal_upnp_parse_soap (fault, strlen (fault), &answer, &error));
    g_assert_true (answer.fault);
    g_assert_cmpuint (answer.error_code, ==, 0);
    g_assert_null (answer.error_description);
  }
}

static void
test_default_route (void)
{
  static const char table[] =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
    "wg0\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0\n"
    "eth0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
    "wlan0\t00000000\t014FA8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
    "eth0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0\n";
  g_autofree char *iface = NULL;
  g_autoptr(GInetAddress) gateway = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  guint32 probe = 1;

  g_assert_true (shoal_portmap_parse_default_route (table, &iface, &gateway, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (iface, ==, "wlan0");  /* the lower metric */
  text = g_inet_address_to_string (gateway);
  /* The table is in host order: on a little-endian machine 014FA8C0 is
   * 192.168.79.1. */
  if (*(guint8 *) &probe == 1)
    g_assert_cmpstr (text, ==, "192.168.79.1");
}

static void
test_default_route_hostile (void)
{
  static const char *const bad[] = {
    "",
    "Iface\tDestination\tGateway\n",
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
    "eth0\t0000000A\t0101A8C0\t0003\t0\t0\t0\t000000FF\n",         /* not a default route */
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
    "eth0\t00000000\t0101A8C0\t0002\t0\t0\t0\t00000000\n",         /* down */
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
    "eth0\t00000000\tzzzzzzzz\t0003\t0\t0\t0\t00000000\n",         /* not hex */
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
    "eth0\t00000000\t00000000\t0003\t0\t0\t0\t00000000\n",         /* no gateway */
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
    "averyveryverylongname\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *iface = NULL;
      GInetAddress *gateway = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_false (shoal_portmap_parse_default_route (bad[i], &iface, &gateway, &error));
      g_assert_error (error, SHOAL_PORTMAP_ERROR, SHOAL_PORTMAP_ERROR_NO_ROUTER);
      g_assert_null (gateway);
    }
}

static void
test_public_address (void)
{
  static const struct {
    const char *address;
    gboolean    is_public;
  } cases[] = {
    { "11.79.0.1", TRUE }, { "8.8.8.8", TRUE }, { "100.63.255.255", TRUE }, { "100.128.0.1", TRUE },
    { "172.15.0.1", TRUE }, { "172.32.0.1", TRUE }, { "0.0.0.0", FALSE }, { "10.79.0.1", FALSE },
    { "100.64.0.1", FALSE }, { "100.127.0.1", FALSE }, { "127.0.0.1", FALSE }, { "169.254.1.1", FALSE },
    { "172.16.0.1", FALSE }, { "172.31.255.1", FALSE }, { "192.168.1.1", FALSE }, { "192.0.2.1", FALSE },
    { "198.18.0.1", FALSE }, { "198.19.0.1", FALSE }, { "198.51.100.7", FALSE }, { "203.0.113.9", FALSE },
    { "224.0.0.1", FALSE }, { "255.255.255.255", FALSE }, { "2001:db8::1", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GInetAddress) a = g_inet_address_new_from_string (cases[i].address);

      g_test_message ("%s", cases[i].address);
      g_assert_cmpint (shoal_portmap_address_is_public (a), ==, cases[i].is_public);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/portmap/natpmp-encode", test_natpmp_encode);
  g_test_add_func ("/engine/portmap/natpmp-decode", test_natpmp_decode);
  g_test_add_func ("/engine/portmap/natpmp-reject-hostile", test_natpmp_hostile);
  g_test_add_func ("/engine/portmap/pcp-map", test_pcp);
  g_test_add_func ("/engine/portmap/pcp-reject-hostile", test_pcp_hostile);
  g_test_add_func ("/engine/portmap/ssdp-location", test_ssdp);
  g_test_add_func ("/engine/portmap/ssdp-reject-hostile", test_ssdp_hostile);
  g_test_add_func ("/engine/portmap/description-control-url", test_description);
  g_test_add_func ("/engine/portmap/description-reject-hostile", test_description_hostile);
  g_test_add_func ("/engine/portmap/soap-answer-and-fault", test_soap);
  g_test_add_func ("/engine/portmap/soap-reject-hostile", test_soap_hostile);
  g_test_add_func ("/engine/portmap/default-route", test_default_route);
  g_test_add_func ("/engine/portmap/default-route-reject-hostile", test_default_route_hostile);
  g_test_add_func ("/engine/portmap/public-address", test_public_address);
  return g_test_run ();
}
