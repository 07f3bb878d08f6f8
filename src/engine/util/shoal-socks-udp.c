/* shoal-socks-udp.c: UDP through a SOCKS5 proxy (UDP ASSOCIATE, RFC 1928)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An association is a TCP connection to the proxy (with RFC 1929 username
 * and password when the proxy URI has them) on which we asked for UDP
 * ASSOCIATE, and a local UDP socket bound to the address that connection
 * comes from. Every datagram goes to the proxy's relay with a small header
 * naming where it is for, and every datagram the relay sends back names
 * where it came from. Nothing is ever sent anywhere but the relay: when
 * the proxy closes the TCP connection, the association is over ("closed")
 * and sending fails.
 *
 * The handshake runs in a worker thread with blocking reads bounded by a
 * timeout; the rest happens on the caller's main context.
 */
#include "config.h"

#include <string.h>

#include "shoal-socks-udp.h"

#define SOCKS_VERSION      5
#define AUTH_NONE          0x00
#define AUTH_PASSWORD      0x02
#define AUTH_REFUSED       0xff
#define CMD_UDP_ASSOCIATE  3
#define ATYP_IPV4          1
#define ATYP_DOMAIN        3
#define ATYP_IPV6          4

/* The largest datagram sent: a UDP payload with the largest header. */
#define MAX_DATAGRAM       65507

struct _ShoalSocksUdp
{
  GObject             parent_instance;

  GSocketConnection  *control;
  GSocket            *socket;
  GInetSocketAddress *relay;
  GCancellable       *cancellable;
  GWeakRef           *watch_ref;   /* owned by the pending read of the control connection */
  guint8              byte;
  gboolean            closed;
  guint8             *buffer;
};

G_DEFINE_FINAL_TYPE (ShoalSocksUdp, shoal_socks_udp, G_TYPE_OBJECT)

enum {
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
shoal_socks_udp_dispose (GObject *object)
{
  ShoalSocksUdp *self = SHOAL_SOCKS_UDP (object);

  g_cancellable_cancel (self->cancellable);
  /* The socket itself: the stream will not close under its pending read. */
  if (self->control != NULL)
    g_socket_close (g_socket_connection_get_socket (self->control), NULL);
  if (self->socket != NULL)
    g_socket_close (self->socket, NULL);
  g_clear_object (&self->control);
  g_clear_object (&self->socket);
  g_clear_object (&self->relay);
  G_OBJECT_CLASS (shoal_socks_udp_parent_class)->dispose (object);
}

static void
shoal_socks_udp_finalize (GObject *object)
{
  ShoalSocksUdp *self = SHOAL_SOCKS_UDP (object);

  g_clear_object (&self->cancellable);
  g_free (self->buffer);
  G_OBJECT_CLASS (shoal_socks_udp_parent_class)->finalize (object);
}

static void
shoal_socks_udp_class_init (ShoalSocksUdpClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_socks_udp_dispose;
  object_class->finalize = shoal_socks_udp_finalize;

  /**
   * ShoalSocksUdp::closed:
   *
   * The proxy ended the association (it closed the TCP connection, or
   * went away): nothing more can be sent.
   */
  signals[SIGNAL_CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
shoal_socks_udp_init (ShoalSocksUdp *self)
{
  self->cancellable = g_cancellable_new ();
}

/* The header */

/**
 * shoal_socks_udp_write_header:
 * @out: at least %SHOAL_SOCKS_UDP_MAX_HEADER bytes
 * @address: (nullable): where the datagram is for
 * @host: (nullable): or its name, when @address is %NULL (at most 255 bytes)
 * @port: its port
 *
 * Returns: the header's length, 0 if @host is too long
 */
gsize
shoal_socks_udp_write_header (guint8       *out,
                              GInetAddress *address,
                              const char   *host,
                              guint16       port)
{
  gsize n = 0;

  out[n++] = 0;  /* RSV */
  out[n++] = 0;
  out[n++] = 0;  /* FRAG: whole datagrams only */
  if (address != NULL)
    {
      gsize len = g_inet_address_get_native_size (address);

      out[n++] = len == 4 ? ATYP_IPV4 : ATYP_IPV6;
      memcpy (out + n, g_inet_address_to_bytes (address), len);
      n += len;
    }
  else
    {
      gsize len = host != NULL ? strlen (host) : 0;

      if (len == 0 || len > 255)
        return 0;
      out[n++] = ATYP_DOMAIN;
      out[n++] = (guint8) len;
      memcpy (out + n, host, len);
      n += len;
    }
  out[n++] = (guint8) (port >> 8);
  out[n++] = (guint8) (port & 0xff);
  return n;
}

/**
 * shoal_socks_udp_parse_header:
 * @data: a datagram from the relay
 * @len: its length
 * @source: (out) (optional) (nullable): where it came from (%NULL when
 *   the relay names it by a domain name)
 *
 * Returns: the header's length, or -1 if @data is not a whole datagram
 *   with a valid header (fragments are dropped, as RFC 1928 allows)
 */
gssize
shoal_socks_udp_parse_header (const guint8        *data,
                              gsize                len,
                              GInetSocketAddress **source)
{
  g_autoptr(GInetAddress) address = NULL;
  gsize n = 4;
  guint16 port;

  if (source != NULL)
    *source = NULL;
  if (len < 4 || data[0] != 0 || data[1] != 0 || data[2] != 0)
    return -1;
  switch (data[3])
    {
    case ATYP_IPV4:
      if (len < n + 4 + 2)
        return -1;
      address = g_inet_address_new_from_bytes (data + n, G_SOCKET_FAMILY_IPV4);
      n += 4;
      break;
    case ATYP_IPV6:
      if (len < n + 16 + 2)
        return -1;
      address = g_inet_address_new_from_bytes (data + n, G_SOCKET_FAMILY_IPV6);
      n += 16;
      break;
    case ATYP_DOMAIN:
      if (len < n + 1 || len < n + 1 + data[n] + 2u)
        return -1;
      n += 1 + data[n];
      break;
    default:
      return -1;
    }
  port = (guint16) ((data[n] << 8) | data[n + 1]);
  n += 2;
  if (source != NULL && address != NULL)
    *source = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (address, port));
  return (gssize) n;
}

/* The handshake (worker thread) */

typedef struct
{
  char         *host;
  guint16       port;
  char         *user;
  char         *password;
  ShoalNetBind *bind;
  guint         timeout_s;
} AssociateData;

static void
associate_data_free (AssociateData *data)
{
  g_free (data->host);
  g_free (data->user);
  g_free (data->password);
  g_clear_pointer (&data->bind, shoal_net_bind_unref);
  g_free (data);
}

static void
client_event_cb (GSocketClient      *client,
                 GSocketClientEvent  event,
                 GSocketConnectable *connectable,
                 GIOStream          *connection,
                 gpointer            user_data)
{
  ShoalNetBind *bind = user_data;
  g_autoptr(GError) error = NULL;

  if (event == G_SOCKET_CLIENT_CONNECTING && G_IS_SOCKET_CONNECTION (connection) &&
      !shoal_net_bind_socket (bind, g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection)), &error))
    g_debug ("SOCKS5: %s", error->message);
}

static gboolean
read_exact (GInputStream  *in,
            guint8        *buf,
            gsize          len,
            GCancellable  *cancellable,
            GError       **error)
{
  gsize got = 0;

  if (!g_input_stream_read_all (in, buf, len, &got, cancellable, error))
    return FALSE;
  if (got != len)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                   "The SOCKS5 proxy closed the connection during the handshake");
      return FALSE;
    }
  return TRUE;
}

static const char *
reply_message (guint8 code)
{
  switch (code)
    {
    case 1: return "general failure";
    case 2: return "not allowed by its rules";
    case 3: return "network unreachable";
    case 4: return "host unreachable";
    case 5: return "connection refused";
    case 6: return "TTL expired";
    case 7: return "it does not support UDP ASSOCIATE";
    case 8: return "address type not supported";
    default: return "unknown error";
    }
}

static gboolean
authenticate (AssociateData  *data,
              GInputStream   *in,
              GOutputStream  *out,
              GCancellable   *cancellable,
              GError        **error)
{
  guint8 buf[3 + 255 + 255];
  gsize n = 0;
  gsize ulen = data->user != NULL ? strlen (data->user) : 0;
  gsize plen = data->password != NULL ? strlen (data->password) : 0;

  if (ulen > 255 || plen > 255)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "SOCKS5 usernames and passwords are at most 255 bytes");
      return FALSE;
    }
  buf[n++] = SOCKS_VERSION;
  if (data->user != NULL)
    {
      buf[n++] = 2;
      buf[n++] = AUTH_NONE;
      buf[n++] = AUTH_PASSWORD;
    }
  else
    {
      buf[n++] = 1;
      buf[n++] = AUTH_NONE;
    }
  if (!g_output_stream_write_all (out, buf, n, NULL, cancellable, error) ||
      !read_exact (in, buf, 2, cancellable, error))
    return FALSE;
  if (buf[0] != SOCKS_VERSION)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PROXY_FAILED, "The proxy does not speak SOCKS5");
      return FALSE;
    }
  if (buf[1] == AUTH_NONE)
    return TRUE;
  if (buf[1] != AUTH_PASSWORD || data->user == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PROXY_NEED_AUTH,
                   buf[1] == AUTH_PASSWORD ? "The SOCKS5 proxy needs a username and password"
                                           : "The SOCKS5 proxy accepts none of our authentication methods");
      return FALSE;
    }
  /* RFC 1929 */
  n = 0;
  buf[n++] = 1;
  buf[n++] = (guint8) ulen;
  memcpy (buf + n, data->user, ulen);
  n += ulen;
  buf[n++] = (guint8) plen;
  if (plen > 0)
    memcpy (buf + n, data->password, plen);
  n += plen;
  if (!g_output_stream_write_all (out, buf, n, NULL, cancellable, error) ||
      !read_exact (in, buf, 2, cancellable, error))
    return FALSE;
  if (buf[1] != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PROXY_AUTH_FAILED,
                   "SOCKS5 authentication failed: wrong username or password");
      return FALSE;
    }
  return TRUE;
}

static void
associate_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  AssociateData *data = task_data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) proxy = g_network_address_new (data->host, data->port);
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GSocketAddress) udp_local = NULL;
  g_autoptr(GSocket) udp = NULL;
  g_autoptr(GInetAddress) bnd = NULL;
  g_autoptr(ShoalSocksUdp) self = NULL;
  GError *error = NULL;
  GInputStream *in;
  GOutputStream *out;
  GInetAddress *local_ip;
  guint8 buf[4 + 16 + 2];
  gsize n = 0;
  guint16 bnd_port;

  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_timeout (client, data->timeout_s);
  if (data->bind != NULL)
    {
      g_signal_connect (client, "event", G_CALLBACK (client_event_cb), data->bind);
      if (data->bind->address != NULL)
        {
          g_autoptr(GSocketAddress) from = g_inet_socket_address_new (data->bind->address, 0);

          g_socket_client_set_local_address (client, from);
        }
    }
  conn = g_socket_client_connect (client, proxy, cancellable, &error);
  if (conn == NULL)
    {
      g_prefix_error (&error, "Could not reach the SOCKS5 proxy: ");
      g_task_return_error (task, error);
      return;
    }
  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  if (!authenticate (data, in, out, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* Datagrams come from the address the proxy sees this connection come
   * from: the UDP socket is bound there, and the proxy is told. */
  local = g_socket_connection_get_local_address (conn, &error);
  remote = local != NULL ? g_socket_connection_get_remote_address (conn, &error) : NULL;
  if (remote == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  local_ip = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));
  udp = shoal_net_udp_socket_new (local_ip, 0, &error);
  if (udp == NULL || !shoal_net_bind_socket (data->bind, udp, &error) ||
      (udp_local = g_socket_get_local_address (udp, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  buf[n++] = SOCKS_VERSION;
  buf[n++] = CMD_UDP_ASSOCIATE;
  buf[n++] = 0;
  buf[n++] = g_inet_address_get_native_size (local_ip) == 4 ? ATYP_IPV4 : ATYP_IPV6;
  memcpy (buf + n, g_inet_address_to_bytes (local_ip), g_inet_address_get_native_size (local_ip));
  n += g_inet_address_get_native_size (local_ip);
  buf[n++] = (guint8) (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (udp_local)) >> 8);
  buf[n++] = (guint8) (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (udp_local)) & 0xff);
  if (!g_output_stream_write_all (out, buf, n, NULL, cancellable, &error) ||
      !read_exact (in, buf, 4, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (buf[0] != SOCKS_VERSION || buf[1] != 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "The SOCKS5 proxy refused UDP ASSOCIATE: %s",
                               buf[0] != SOCKS_VERSION ? "not a SOCKS5 answer" : reply_message (buf[1]));
      return;
    }
  if (buf[3] != ATYP_IPV4 && buf[3] != ATYP_IPV6)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PROXY_FAILED,
                               "The SOCKS5 proxy named its UDP relay in a form we cannot use");
      return;
    }
  n = buf[3] == ATYP_IPV4 ? 4 : 16;
  if (!read_exact (in, buf, n + 2, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  bnd = g_inet_address_new_from_bytes (buf, n == 4 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6);
  bnd_port = (guint16) ((buf[n] << 8) | buf[n + 1]);
  if (bnd_port == 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PROXY_FAILED,
                               "The SOCKS5 proxy gave no UDP relay port");
      return;
    }

  /* From now on the connection only idles until the proxy ends it. */
  g_socket_set_timeout (g_socket_connection_get_socket (conn), 0);
  g_socket_set_keepalive (g_socket_connection_get_socket (conn), TRUE);
  self = g_object_new (SHOAL_TYPE_SOCKS_UDP, NULL);
  self->control = g_steal_pointer (&conn);
  self->socket = g_steal_pointer (&udp);
  /* "0.0.0.0": the relay is on the proxy's own address. */
  if (g_inet_address_get_is_any (bnd))
    self->relay = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (
        g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)), bnd_port));
  else
    self->relay = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (bnd, bnd_port));
  g_task_return_pointer (task, g_steal_pointer (&self), g_object_unref);
}

/**
 * shoal_socks_udp_associate_async:
 * @proxy_uri: `socks5://[USER:PASSWORD@]HOST:PORT`
 * @bind: (nullable): the interface to reach the proxy through
 * @timeout_s: how long each step of the handshake may take
 *
 * Asks the proxy for a UDP association. Fails with
 * %G_IO_ERROR_NOT_SUPPORTED when the proxy refuses UDP ASSOCIATE (as
 * many do), %G_IO_ERROR_PROXY_AUTH_FAILED on wrong credentials.
 */
void
shoal_socks_udp_associate_async (const char          *proxy_uri,
                                 ShoalNetBind        *bind,
                                 guint                timeout_s,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GUri) uri = g_uri_parse (proxy_uri, G_URI_FLAGS_HAS_PASSWORD, NULL);
  AssociateData *data;

  g_task_set_source_tag (task, shoal_socks_udp_associate_async);
  if (uri == NULL || g_ascii_strcasecmp (g_uri_get_scheme (uri), "socks5") != 0 ||
      g_uri_get_host (uri) == NULL || g_uri_get_port (uri) <= 0 || g_uri_get_port (uri) > 65535)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "Not a SOCKS5 proxy: use socks5://[USER:PASSWORD@]HOST:PORT");
      return;
    }
  data = g_new0 (AssociateData, 1);
  data->host = g_strdup (g_uri_get_host (uri));
  data->port = (guint16) g_uri_get_port (uri);
  data->user = g_strdup (g_uri_get_user (uri));
  data->password = g_strdup (g_uri_get_password (uri));
  /* A copy: the session updates its own in place, on this thread. */
  data->bind = bind != NULL ? shoal_net_bind_new (bind->ifname, bind->address) : NULL;
  data->timeout_s = MAX (timeout_s, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) associate_data_free);
  g_task_run_in_thread (task, associate_thread);
}

static void
control_read_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GWeakRef *ref = user_data;
  g_autoptr(ShoalSocksUdp) self = g_weak_ref_get (ref);
  g_autoptr(GError) error = NULL;

  g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  g_weak_ref_clear (ref);
  g_free (ref);
  if (self == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* The proxy sends nothing on this connection: anything, or its end,
   * ends the association. */
  self->closed = TRUE;
  g_debug ("SOCKS5: the proxy ended the UDP association%s%s", error ? ": " : "", error ? error->message : "");
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
}

/**
 * shoal_socks_udp_associate_finish:
 *
 * Returns: (transfer full) (nullable): the association, watching its TCP
 *   connection on the thread-default main context from now on
 */
ShoalSocksUdp *
shoal_socks_udp_associate_finish (GAsyncResult  *result,
                                  GError       **error)
{
  ShoalSocksUdp *self;
  GWeakRef *ref;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  self = g_task_propagate_pointer (G_TASK (result), error);
  if (self == NULL)
    return NULL;
  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (self->control)), &self->byte, 1,
                             G_PRIORITY_DEFAULT, self->cancellable, control_read_cb, ref);
  return self;
}

/**
 * shoal_socks_udp_get_socket:
 *
 * Returns: (transfer none): the local UDP socket: what it receives goes
 *   through shoal_socks_udp_unwrap()
 */
GSocket *
shoal_socks_udp_get_socket (ShoalSocksUdp *self)
{
  g_return_val_if_fail (SHOAL_IS_SOCKS_UDP (self), NULL);
  return self->socket;
}

gboolean
shoal_socks_udp_is_closed (ShoalSocksUdp *self)
{
  g_return_val_if_fail (SHOAL_IS_SOCKS_UDP (self), TRUE);
  return self->closed;
}

static gboolean
send_wrapped (ShoalSocksUdp  *self,
              GInetAddress   *address,
              const char     *host,
              guint16         port,
              const guint8   *data,
              gsize           len,
              GError        **error)
{
  gsize header;

  if (self->closed || self->socket == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                   "The SOCKS5 proxy ended the UDP association");
      return FALSE;
    }
  if (self->buffer == NULL)
    self->buffer = g_malloc (MAX_DATAGRAM);
  header = shoal_socks_udp_write_header (self->buffer, address, host, port);
  if (header == 0 || len > MAX_DATAGRAM - header)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE, "Datagram too large for the SOCKS5 relay");
      return FALSE;
    }
  memcpy (self->buffer + header, data, len);
  return g_socket_send_to (self->socket, G_SOCKET_ADDRESS (self->relay), (const char *) self->buffer,
                           header + len, NULL, error) >= 0;
}

/**
 * shoal_socks_udp_send_to:
 *
 * Sends a datagram for @to through the relay.
 */
gboolean
shoal_socks_udp_send_to (ShoalSocksUdp       *self,
                         GInetSocketAddress  *to,
                         const guint8        *data,
                         gsize                len,
                         GError             **error)
{
  g_return_val_if_fail (SHOAL_IS_SOCKS_UDP (self), FALSE);
  return send_wrapped (self, g_inet_socket_address_get_address (to), NULL,
                       g_inet_socket_address_get_port (to), data, len, error);
}

/**
 * shoal_socks_udp_send_to_host:
 *
 * Sends a datagram for @host:@port through the relay, which resolves
 * @host: no name lookup leaves this machine.
 */
gboolean
shoal_socks_udp_send_to_host (ShoalSocksUdp  *self,
                              const char     *host,
                              guint16         port,
                              const guint8   *data,
                              gsize           len,
                              GError        **error)
{
  g_autoptr(GInetAddress) literal = NULL;

  g_return_val_if_fail (SHOAL_IS_SOCKS_UDP (self), FALSE);
  literal = g_inet_address_new_from_string (host);
  return send_wrapped (self, literal, literal == NULL ? host : NULL, port, data, len, error);
}

/**
 * shoal_socks_udp_unwrap:
 * @from: where the datagram came from: anything but the relay is dropped
 * @source: (out) (nullable): where the relay says it came from
 *
 * Returns: the offset of the payload in @data, or -1 to drop it
 */
gssize
shoal_socks_udp_unwrap (ShoalSocksUdp       *self,
                        GSocketAddress      *from,
                        const guint8        *data,
                        gsize                len,
                        GInetSocketAddress **source)
{
  GInetSocketAddress *inet;

  g_return_val_if_fail (SHOAL_IS_SOCKS_UDP (self), -1);
  *source = NULL;
  if (!G_IS_INET_SOCKET_ADDRESS (from))
    return -1;
  inet = G_INET_SOCKET_ADDRESS (from);
  if (g_inet_socket_address_get_port (inet) != g_inet_socket_address_get_port (self->relay) ||
      !g_inet_address_equal (g_inet_socket_address_get_address (inet),
                             g_inet_socket_address_get_address (self->relay)))
    return -1;
  return shoal_socks_udp_parse_header (data, len, source);
}
