/* test-net-bind.c: looking interfaces up and binding sockets to them
 * (src/engine/util/shoal-net-bind)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "shoal-net-bind.h"
#include "shoal-socks-udp.h"

static void
test_find_by_name (void)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *ifname = NULL;
  g_autofree char *text = NULL;
  gboolean up = FALSE;

  g_assert_true (shoal_net_interface_find ("lo", &ifname, &address, &up));
  g_assert_cmpstr (ifname, ==, "lo");
  g_assert_true (up);
  g_assert_nonnull (address);
  text = g_inet_address_to_string (address);
  g_assert_cmpstr (text, ==, "127.0.0.1"); /* IPv4 first */
}

static void
test_find_by_address (void)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *ifname = NULL;
  g_autofree char *text = NULL;

  g_assert_true (shoal_net_interface_find ("127.0.0.1", &ifname, &address, NULL));
  g_assert_cmpstr (ifname, ==, "lo");
  text = g_inet_address_to_string (address);
  g_assert_cmpstr (text, ==, "127.0.0.1");
}

static void
test_find_missing (void)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *ifname = NULL;
  gboolean up = TRUE;

  g_assert_false (shoal_net_interface_find ("shoal-no-such0", &ifname, &address, &up));
  g_assert_null (ifname);
  g_assert_null (address);
  g_assert_false (up);
  /* an address no interface has (TEST-NET-1) */
  g_assert_false (shoal_net_interface_find ("192.0.2.77", NULL, NULL, NULL));
}

/* The device binding is what the socket reports back (when we may set it). */
static void
test_bind_socket (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(ShoalNetBind) bind = shoal_net_bind_new ("lo", lo);
  g_autoptr(ShoalNetBind) none = shoal_net_bind_new (NULL, NULL);
  g_autoptr(ShoalNetBind) missing = shoal_net_bind_new ("shoal-no-such0", NULL);
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr(GSocket) sock2 = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  char name[64] = "";
  socklen_t len = sizeof name;

  g_assert_no_error (error);
  g_assert_true (shoal_net_bind_socket (none, sock, &error));
  g_assert_true (shoal_net_bind_socket (bind, sock, &error));
  g_assert_no_error (error);
  g_assert_cmpint (getsockopt (g_socket_get_fd (sock), SOL_SOCKET, SO_BINDTODEVICE, name, &len), ==, 0);
  if (name[0] == '\0')
    g_test_message ("no CAP_NET_RAW: the socket is not bound to the device");
  else
    g_assert_cmpstr (name, ==, "lo");

  /* a device that does not exist is an error, not a silent fallback */
  if (name[0] != '\0')
    {
      g_assert_false (shoal_net_bind_socket (missing, sock2, &error));
      g_assert_error (error, G_IO_ERROR, g_io_error_from_errno (ENODEV));
    }
}

/* RFC 1928 section 7: the header of a relayed datagram, both ways. */
static void
test_socks_udp_header (void)
{
  static const guint8 v4[] = { 0, 0, 0, 1, 10, 1, 2, 3, 0x1a, 0xe1 };
  static const guint8 name[] = { 0, 0, 0, 3, 7, 't', 'r', 'a', 'c', 'k', 'e', 'r', 0x00, 0x50 };
  guint8 buf[SHOAL_SOCKS_UDP_MAX_HEADER];
  g_autoptr(GInetAddress) ip = g_inet_address_new_from_string ("10.1.2.3");
  g_autoptr(GInetAddress) ip6 = g_inet_address_new_from_string ("2001:db8::1");
  g_autoptr(GInetSocketAddress) source = NULL;
  g_autofree char *long_name = g_strnfill (256, 'a');
  gsize n;

  n = shoal_socks_udp_write_header (buf, ip, NULL, 6881);
  g_assert_cmpmem (buf, n, v4, sizeof v4);
  g_assert_cmpint (shoal_socks_udp_parse_header (buf, n, &source), ==, (gssize) n);
  g_assert_nonnull (source);
  g_assert_true (g_inet_address_equal (g_inet_socket_address_get_address (source), ip));
  g_assert_cmpuint (g_inet_socket_address_get_port (source), ==, 6881);
  g_clear_object (&source);

  n = shoal_socks_udp_write_header (buf, NULL, "tracker", 80);
  g_assert_cmpmem (buf, n, name, sizeof name);
  /* a name parses, but names no address */
  g_assert_cmpint (shoal_socks_udp_parse_header (buf, n, &source), ==, (gssize) n);
  g_assert_null (source);
  g_assert_cmpuint (shoal_socks_udp_write_header (buf, NULL, long_name, 80), ==, 0);

  n = shoal_socks_udp_write_header (buf, ip6, NULL, 1);
  g_assert_cmpuint (n, ==, 4 + 16 + 2);
  g_assert_cmpint (shoal_socks_udp_parse_header (buf, n, &source), ==, (gssize) n);
  g_assert_true (g_inet_address_equal (g_inet_socket_address_get_address (source), ip6));
  g_clear_object (&source);

  /* cut short, a fragment, an unknown address type, a non-zero RSV */
  for (gsize len = 0; len < sizeof v4; len++)
    g_assert_cmpint (shoal_socks_udp_parse_header (v4, len, NULL), ==, -1);
  memcpy (buf, v4, sizeof v4);
  buf[2] = 1;
  g_assert_cmpint (shoal_socks_udp_parse_header (buf, sizeof v4, NULL), ==, -1);
  buf[2] = 0;
  buf[3] = 2;
  g_assert_cmpint (shoal_socks_udp_parse_header (buf, sizeof v4, NULL), ==, -1);
  buf[3] = 1;
  buf[0] = 1;
  g_assert_cmpint (shoal_socks_udp_parse_header (buf, sizeof v4, NULL), ==, -1);
  /* a name longer than the datagram */
  memcpy (buf, name, sizeof name);
  buf[4] = 200;
  g_assert_cmpint (shoal_socks_udp_parse_header (buf, sizeof name, NULL), ==, -1);
}

/* A proxy that is not there, or not SOCKS5: a clear error, no association. */
static void
associate_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GError **error = user_data;
  g_autoptr(ShoalSocksUdp) relay = shoal_socks_udp_associate_finish (result, error);

  g_assert_null (relay);
}

static void
test_socks_udp_refused (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autofree char *uri = NULL;
  guint16 port;

  shoal_socks_udp_associate_async ("http://127.0.0.1:1", NULL, 5, NULL, associate_cb, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Listening but closing at once: the handshake fails. */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);
  uri = g_strdup_printf ("socks5://127.0.0.1:%u", port);
  shoal_socks_udp_associate_async (uri, NULL, 5, NULL, associate_cb, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_str_has_prefix (error->message, "Could not reach the SOCKS5 proxy"));
}

/* The interfaces offered: no loopback, each once, VPN-looking ones first. */
static void
test_interface_list (void)
{
  g_auto(GStrv) names = shoal_net_interface_list ();
  gboolean seen_other = FALSE;

  for (guint i = 0; names[i] != NULL; i++)
    {
      gboolean vpn = g_str_has_prefix (names[i], "wg") || g_str_has_prefix (names[i], "tun");

      g_assert_cmpstr (names[i], !=, "lo");
      g_assert_true (shoal_net_interface_find (names[i], NULL, NULL, NULL));
      for (guint j = 0; j < i; j++)
        g_assert_cmpstr (names[j], !=, names[i]);
      g_assert_false (vpn && seen_other);
      seen_other = seen_other || !vpn;
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/util/net-bind/find-by-name", test_find_by_name);
  g_test_add_func ("/engine/util/net-bind/find-by-address", test_find_by_address);
  g_test_add_func ("/engine/util/net-bind/find-missing", test_find_missing);
  g_test_add_func ("/engine/util/net-bind/bind-socket", test_bind_socket);
  g_test_add_func ("/engine/util/net-bind/socks-udp-header", test_socks_udp_header);
  g_test_add_func ("/engine/util/net-bind/interface-list", test_interface_list);
  g_test_add_func ("/engine/util/net-bind/socks-udp-refused", test_socks_udp_refused);

  return g_test_run ();
}
