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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/util/net-bind/find-by-name", test_find_by_name);
  g_test_add_func ("/engine/util/net-bind/find-by-address", test_find_by_address);
  g_test_add_func ("/engine/util/net-bind/find-missing", test_find_missing);
  g_test_add_func ("/engine/util/net-bind/bind-socket", test_bind_socket);

  return g_test_run ();
}
