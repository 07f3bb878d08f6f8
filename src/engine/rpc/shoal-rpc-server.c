/* shoal-rpc-server.c: the HTTP side of the Transmission RPC
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One POST path, /transmission/rpc, checked in this order before its body
 * is read (an early handler): the Host header against DNS rebinding, the
 * client's failed logins, HTTP basic authentication, the body's size; then,
 * with the body, the X-Transmission-Session-Id anti-CSRF token (a 409 that
 * hands it out), and the JSON request goes to shoal-rpc-methods.c.
 */

#include "config.h"

#include <string.h>

#include "shoal-rpc-private.h"

#define RPC_PATH "/transmission/rpc"
#define SESSION_ID_HEADER "X-Transmission-Session-Id"

/* Failed logins: after FREE_FAILURES from one address, each further
 * attempt waits LOCKOUT_BASE doubling per failure up to LOCKOUT_MAX; a
 * success forgets the address. At most MAX_TRACKED addresses are kept. */
#define FREE_FAILURES 5
#define LOCKOUT_BASE_US (10 * G_USEC_PER_SEC)
#define LOCKOUT_MAX_US (15 * 60 * G_USEC_PER_SEC)
#define MAX_TRACKED 4096

typedef struct
{
  guint  failures;
  gint64 locked_until;   /* monotonic µs */
} LoginFailures;

G_DEFINE_FINAL_TYPE (ShoalRpcServer, shoal_rpc_server, G_TYPE_OBJECT)

enum {
  SIGNAL_SETTINGS_CHANGED,
  SIGNAL_CLOSE_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_QUARK (shoal-rpc-server-error-quark, shoal_rpc_server_error)

static void
shoal_rpc_server_dispose (GObject *object)
{
  ShoalRpcServer *self = SHOAL_RPC_SERVER (object);

  shoal_rpc_server_stop (self);
  _shoal_rpc_torrents_clear (self);
  g_clear_object (&self->fetcher);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (shoal_rpc_server_parent_class)->dispose (object);
}

static void
shoal_rpc_server_finalize (GObject *object)
{
  ShoalRpcServer *self = SHOAL_RPC_SERVER (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->certificate);
  g_clear_pointer (&self->allowed_hosts, g_ptr_array_unref);
  g_clear_pointer (&self->failed_logins, g_hash_table_unref);
  g_clear_pointer (&self->torrents, g_ptr_array_unref);
  g_clear_pointer (&self->removed, g_array_unref);
  g_free (self->user);
  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  g_free (self->session_id);
  g_free (self->incomplete_dir);
  g_free (self->blocklist_url);

  G_OBJECT_CLASS (shoal_rpc_server_parent_class)->finalize (object);
}

static void
shoal_rpc_server_class_init (ShoalRpcServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_rpc_server_dispose;
  object_class->finalize = shoal_rpc_server_finalize;

  /**
   * ShoalRpcServer::settings-changed:
   *
   * A client changed the session's settings (session-set): a front end
   * that keeps them saves them again (shoal_rpc_server_save_settings()).
   */
  signals[SIGNAL_SETTINGS_CHANGED] =
    g_signal_new ("settings-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * ShoalRpcServer::close-requested:
   *
   * A client asked the session to shut down (session-close), after the
   * answer was sent; the front end decides whether to quit.
   */
  signals[SIGNAL_CLOSE_REQUESTED] =
    g_signal_new ("close-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
shoal_rpc_server_init (ShoalRpcServer *self)
{
  self->allowed_hosts = g_ptr_array_new_with_free_func (g_free);
  self->failed_logins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->max_body = SHOAL_RPC_DEFAULT_MAX_BODY;
  self->cancellable = g_cancellable_new ();
  self->started_monotonic = g_get_monotonic_time ();
  self->seed_ratio_limit = 2.0;
  self->idle_seeding_limit = 30;
  self->speed_down_k = 100;
  self->speed_up_k = 100;
  self->download_queue_size = 5;
  self->seed_queue_size = 10;
  self->stalled_minutes = 30;

  /* 48 random alphanumerics: what a page on another site cannot guess. */
  {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    GString *id = g_string_sized_new (48);
    guint8 random[48];
    gsize length = sizeof random;
    gboolean ok = FALSE;
    g_autoptr(GFile) urandom = g_file_new_for_path ("/dev/urandom");
    g_autoptr(GFileInputStream) in = g_file_read (urandom, NULL, NULL);

    if (in != NULL)
      ok = g_input_stream_read_all (G_INPUT_STREAM (in), random, sizeof random, &length, NULL, NULL) &&
           length == sizeof random;
    for (guint i = 0; i < sizeof random; i++)
      {
        guint v = ok ? random[i] : (guint) g_random_int ();
        g_string_append_c (id, alphabet[v % (sizeof alphabet - 1)]);
      }
    self->session_id = g_string_free (id, FALSE);
  }
}

/**
 * shoal_rpc_server_new:
 * @session: the session to drive
 *
 * Makes a server for the Transmission RPC on @session, not listening yet
 * (shoal_rpc_server_listen()).
 *
 * Returns: (transfer full): a new #ShoalRpcServer
 */
ShoalRpcServer *
shoal_rpc_server_new (ShoalSession *session)
{
  ShoalRpcServer *self;

  g_return_val_if_fail (SHOAL_IS_SESSION (session), NULL);

  self = g_object_new (SHOAL_TYPE_RPC_SERVER, NULL);
  self->session = g_object_ref (session);
  {
    guint downloads = 0, seeds = 0, stalled = 0;
    g_autofree char *incomplete = NULL;

    /* sizes already set in the session are kept while a queue is off */
    g_object_get (session, "max-active-downloads", &downloads, "max-active-seeds", &seeds,
                  "stalled-seconds", &stalled, "incomplete-dir", &incomplete, NULL);
    if (downloads > 0)
      self->download_queue_size = downloads;
    if (seeds > 0)
      self->seed_queue_size = seeds;
    if (stalled >= 60)
      self->stalled_minutes = stalled / 60;
    if (incomplete != NULL)
      self->incomplete_dir = g_steal_pointer (&incomplete);
  }
  self->fetcher = soup_session_new_with_options ("max-conns-per-host", 2,
                                                 "timeout", 60,
                                                 "user-agent", "Shoal/" PACKAGE_VERSION,
                                                 NULL);
  _shoal_rpc_torrents_init (self);
  return self;
}

/**
 * shoal_rpc_server_get_session:
 * @self: a server
 *
 * Returns: (transfer none): the session the server drives
 */
ShoalSession *
shoal_rpc_server_get_session (ShoalRpcServer *self)
{
  g_return_val_if_fail (SHOAL_IS_RPC_SERVER (self), NULL);
  return self->session;
}

/**
 * shoal_rpc_server_set_credentials:
 * @self: a server
 * @user: (nullable): the user name clients must give, %NULL for none
 * @password: (nullable): its password
 *
 * With both set, every request needs them (HTTP basic authentication);
 * set before shoal_rpc_server_listen().
 */
void
shoal_rpc_server_set_credentials (ShoalRpcServer *self,
                                  const char     *user,
                                  const char     *password)
{
  g_return_if_fail (SHOAL_IS_RPC_SERVER (self));

  g_free (self->user);
  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  self->user = (user != NULL && password != NULL) ? g_strdup (user) : NULL;
  self->password = (user != NULL && password != NULL) ? g_strdup (password) : NULL;
}

/**
 * shoal_rpc_server_set_tls_certificate:
 * @self: a server
 * @certificate: (nullable): a certificate with its private key
 *
 * Serves HTTPS instead of HTTP; set before shoal_rpc_server_listen().
 */
void
shoal_rpc_server_set_tls_certificate (ShoalRpcServer  *self,
                                      GTlsCertificate *certificate)
{
  g_return_if_fail (SHOAL_IS_RPC_SERVER (self));
  g_set_object (&self->certificate, certificate);
}

/**
 * shoal_rpc_server_add_allowed_host:
 * @self: a server
 * @host: a host name clients may use to reach the server, or "*" for any
 *
 * Requests whose Host header names neither an IP address, "localhost", nor
 * one of these are refused (421), so that a web page whose name an
 * attacker points at this machine (DNS rebinding) cannot talk to it.
 */
void
shoal_rpc_server_add_allowed_host (ShoalRpcServer *self,
                                   const char     *host)
{
  g_return_if_fail (SHOAL_IS_RPC_SERVER (self));
  g_return_if_fail (host != NULL);
  g_ptr_array_add (self->allowed_hosts, g_ascii_strdown (host, -1));
}

/**
 * shoal_rpc_server_set_max_body_size:
 * @self: a server
 * @max_bytes: the largest request body accepted (at least 1 KiB)
 */
void
shoal_rpc_server_set_max_body_size (ShoalRpcServer *self,
                                    gsize           max_bytes)
{
  g_return_if_fail (SHOAL_IS_RPC_SERVER (self));
  self->max_body = MAX (max_bytes, 1024);
}

/**
 * shoal_rpc_server_get_port:
 * @self: a server
 *
 * Returns: the TCP port listened on (the one chosen when 0 was asked), or 0
 *   before shoal_rpc_server_listen()
 */
guint16
shoal_rpc_server_get_port (ShoalRpcServer *self)
{
  g_return_val_if_fail (SHOAL_IS_RPC_SERVER (self), 0);
  return self->port;
}

/* The host part of a Host header: "[::1]:9091" -> "::1", "a.b:80" -> "a.b". */
static char *
host_of_header (const char *header)
{
  const char *colon;

  if (header[0] == '[')
    {
      const char *end = strchr (header, ']');
      return end != NULL ? g_strndup (header + 1, (gsize) (end - header - 1)) : g_strdup (header);
    }
  colon = strchr (header, ':');
  if (colon != NULL && strchr (colon + 1, ':') == NULL)
    return g_ascii_strdown (header, colon - header);
  return g_ascii_strdown (header, -1);
}

static gboolean
host_allowed (ShoalRpcServer *self,
              const char     *header)
{
  g_autofree char *host = NULL;

  if (header == NULL)
    return TRUE;  /* HTTP/1.0 without Host: not a browser */
  host = host_of_header (header);
  if (g_hostname_is_ip_address (host) ||
      g_strcmp0 (host, "localhost") == 0 ||
      g_str_has_suffix (host, ".localhost"))
    return TRUE;
  for (guint i = 0; i < self->allowed_hosts->len; i++)
    {
      const char *allowed = g_ptr_array_index (self->allowed_hosts, i);
      if (g_strcmp0 (allowed, "*") == 0 || g_strcmp0 (allowed, host) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Constant-time comparison of two strings (their lengths aside). */
static gboolean
secret_equal (const char *a,
              const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  guint8 diff = la != lb;

  for (gsize i = 0; i < la; i++)
    diff |= (guint8) a[i] ^ (guint8) b[i % MAX (lb, 1)];
  return diff == 0;
}

static gboolean
credentials_match (ShoalRpcServer *self,
                   const char     *authorization)
{
  g_autofree guchar *decoded = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;
  const char *colon;
  gboolean user_ok, password_ok;

  if (authorization == NULL || g_ascii_strncasecmp (authorization, "Basic ", 6) != 0)
    return FALSE;
  if (strlen (authorization) > 4096)
    return FALSE;
  decoded = g_base64_decode (authorization + 6, &length);
  text = g_strndup ((const char *) decoded, length);
  colon = strchr (text, ':');
  if (colon == NULL)
    return FALSE;
  {
    g_autofree char *user = g_strndup (text, (gsize) (colon - text));
    user_ok = secret_equal (user, self->user);
    password_ok = secret_equal (colon + 1, self->password);
  }
  return user_ok && password_ok;
}

static const char *
client_address (SoupServerMessage *msg)
{
  const char *host = soup_server_message_get_remote_host (msg);
  return host != NULL ? host : "?";
}

static void
set_text_response (SoupServerMessage *msg,
                   guint              status,
                   const char        *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=UTF-8", SOUP_MEMORY_COPY,
                                    text, strlen (text));
}

/* Whether @address may try to log in now. */
static gboolean
login_allowed (ShoalRpcServer *self,
               const char     *address,
               gint64         *wait_seconds)
{
  LoginFailures *f = g_hash_table_lookup (self->failed_logins, address);
  gint64 now = g_get_monotonic_time ();

  if (f == NULL || f->locked_until <= now)
    return TRUE;
  *wait_seconds = (f->locked_until - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
  return FALSE;
}

static void
login_failed (ShoalRpcServer *self,
              const char     *address)
{
  LoginFailures *f = g_hash_table_lookup (self->failed_logins, address);

  if (f == NULL)
    {
      if (g_hash_table_size (self->failed_logins) >= MAX_TRACKED)
        {
          /* Forget the unlocked ones; if all are locked, forget all but
           * keep counting this one (an attacker with many addresses gets
           * no more than FREE_FAILURES tries per address per sweep). */
          GHashTableIter iter;
          gpointer value;
          gint64 now = g_get_monotonic_time ();

          g_hash_table_iter_init (&iter, self->failed_logins);
          while (g_hash_table_iter_next (&iter, NULL, &value))
            if (((LoginFailures *) value)->locked_until <= now)
              g_hash_table_iter_remove (&iter);
          if (g_hash_table_size (self->failed_logins) >= MAX_TRACKED)
            g_hash_table_remove_all (self->failed_logins);
        }
      f = g_new0 (LoginFailures, 1);
      g_hash_table_insert (self->failed_logins, g_strdup (address), f);
    }
  f->failures = MIN (f->failures + 1, 64);
  if (f->failures >= FREE_FAILURES)
    {
      guint shift = MIN (f->failures - FREE_FAILURES, 10);
      gint64 lockout = MIN ((gint64) LOCKOUT_BASE_US << shift, LOCKOUT_MAX_US);
      f->locked_until = g_get_monotonic_time () + lockout;
      g_message ("RPC: %u failed logins from %s, refusing it for %" G_GINT64_FORMAT " s",
                 f->failures, address, lockout / G_USEC_PER_SEC);
    }
}

static void
refused_written_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GIOStream *stream = user_data;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL);
  g_io_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_object_unref (stream);
}

/* Answers @status_line and closes the connection without reading the
 * body: SoupServer would read (and keep) all of it before answering. */
static void
refuse_and_close (SoupServerMessage *msg,
                  const char        *status_line)
{
  GIOStream *stream = soup_server_message_steal_connection (msg);
  g_autofree char *text = NULL;
  gsize length;

  if (stream == NULL)
    return;
  text = g_strdup_printf ("HTTP/1.1 %s\r\nConnection: close\r\nContent-Type: text/plain\r\n"
                          "Content-Length: %zu\r\n\r\n%s\n",
                          status_line, strlen (status_line) + 1, status_line);
  length = strlen (text);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream), text, length, G_PRIORITY_DEFAULT,
                                   NULL, refused_written_cb, stream);
  /* the stream keeps no copy: keep the text alive with the stream */
  g_object_set_data_full (G_OBJECT (stream), "shoal-rpc-refusal", g_steal_pointer (&text), g_free);
}

/* Everything decided from the headers alone, before the body is read. */
static void
early_handler_cb (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  ShoalRpcServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *address = client_address (msg);
  gint64 wait_seconds = 0;

  if (g_strcmp0 (path, RPC_PATH) != 0 && g_strcmp0 (path, RPC_PATH "/") != 0)
    {
      set_text_response (msg, SOUP_STATUS_NOT_FOUND, "Not found: the RPC is at " RPC_PATH "\n");
      return;
    }

  /* First the size, before anything could make libsoup read the body. */
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CHUNKED ||
      soup_message_headers_get_encoding (headers) == SOUP_ENCODING_EOF)
    {
      refuse_and_close (msg, "411 Length Required");
      return;
    }
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      (guint64) soup_message_headers_get_content_length (headers) > self->max_body)
    {
      g_debug ("RPC: refused a body of %" G_GINT64_FORMAT " bytes from %s",
               soup_message_headers_get_content_length (headers), address);
      refuse_and_close (msg, "413 Content Too Large");
      return;
    }

  if (!host_allowed (self, soup_message_headers_get_one (headers, "Host")))
    {
      g_debug ("RPC: refused Host \"%s\" from %s", soup_message_headers_get_one (headers, "Host"), address);
      set_text_response (msg, SOUP_STATUS_MISDIRECTED_REQUEST,
                         "Misdirected request: this host name is not on the server's list of allowed "
                         "names (DNS rebinding protection); use its IP address or add the name.\n");
      return;
    }

  if (self->user != NULL)
    {
      if (!login_allowed (self, address, &wait_seconds))
        {
          g_autofree char *retry = g_strdup_printf ("%" G_GINT64_FORMAT, wait_seconds);
          soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", retry);
          set_text_response (msg, 429 /* Too Many Requests */,
                             "Too many failed logins from this address; try again later.\n");
          return;
        }
      if (!credentials_match (self, soup_message_headers_get_one (headers, "Authorization")))
        {
          if (soup_message_headers_get_one (headers, "Authorization") != NULL)
            login_failed (self, address);
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "WWW-Authenticate", "Basic realm=\"Shoal\", charset=\"UTF-8\"");
          set_text_response (msg, SOUP_STATUS_UNAUTHORIZED, "Unauthorized: user name and password needed.\n");
          return;
        }
      g_hash_table_remove (self->failed_logins, address);
    }

}

typedef struct
{
  ShoalRpcServer    *self;
  SoupServer        *server;
  SoupServerMessage *msg;
  JsonNode          *tag;
} Pending;

static void
reply_cb (ShoalRpcServer *self,
          JsonObject     *arguments,
          const char     *result,
          gpointer        user_data)
{
  Pending *p = user_data;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) args_node = json_node_new (JSON_NODE_OBJECT);
  char *text;
  gsize length = 0;

  json_node_take_object (args_node, arguments != NULL ? arguments : json_object_new ());
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "arguments");
  json_builder_add_value (builder, g_steal_pointer (&args_node));
  json_builder_set_member_name (builder, "result");
  json_builder_add_string_value (builder, result);
  if (p->tag != NULL)
    {
      json_builder_set_member_name (builder, "tag");
      json_builder_add_value (builder, g_steal_pointer (&p->tag));
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);

  soup_server_message_set_status (p->msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (p->msg, "application/json; charset=UTF-8", SOUP_MEMORY_TAKE,
                                    text, length);
  soup_server_unpause_message (p->server, p->msg);

  g_object_unref (p->msg);
  g_object_unref (p->server);
  g_object_unref (p->self);
  g_clear_pointer (&p->tag, json_node_unref);
  g_free (p);
}

static void
handler_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  ShoalRpcServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  const char *id = soup_message_headers_get_one (headers, SESSION_ID_HEADER);
  JsonNode *root;
  JsonNode *tag_node = NULL;
  Pending *p;

  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                SESSION_ID_HEADER, self->session_id);

  if (id == NULL || !secret_equal (id, self->session_id))
    {
      g_autofree char *text =
        g_strdup_printf ("<h1>409: Conflict</h1><p>Your request had an invalid session id "
                         "header.</p><p><code>%s: %s</code></p>", SESSION_ID_HEADER, self->session_id);
      soup_server_message_set_status (msg, SOUP_STATUS_CONFLICT, NULL);
      soup_server_message_set_response (msg, "text/html; charset=UTF-8", SOUP_MEMORY_COPY,
                                        text, strlen (text));
      return;
    }

  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "POST");
      set_text_response (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "The RPC takes POST requests\n");
      return;
    }

  body = soup_server_message_get_request_body (msg);
  bytes = soup_message_body_flatten (body);
  if (g_bytes_get_size (bytes) > self->max_body)
    {
      set_text_response (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "Request body too large\n");
      return;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes),
                                   &error) ||
      (root = json_parser_get_root (parser)) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_autofree char *text = g_strdup_printf ("Bad request: not a JSON object%s%s\n",
                                               error != NULL ? ": " : "",
                                               error != NULL ? error->message : "");
      g_debug ("RPC: %s", text);
      set_text_response (msg, SOUP_STATUS_BAD_REQUEST, text);
      return;
    }

  if (json_object_has_member (json_node_get_object (root), "tag"))
    {
      JsonNode *tag = json_object_get_member (json_node_get_object (root), "tag");
      /* Transmission echoes only an integer tag. */
      if (JSON_NODE_HOLDS_VALUE (tag) && json_node_get_value_type (tag) == G_TYPE_INT64)
        tag_node = json_node_copy (tag);
    }

  p = g_new0 (Pending, 1);
  p->self = g_object_ref (self);
  p->server = g_object_ref (server);
  p->msg = g_object_ref (msg);
  p->tag = tag_node;
  soup_server_pause_message (server, msg);
  _shoal_rpc_dispatch (self, root, reply_cb, p);
}

static gboolean
is_loopback (GInetAddress *address)
{
  return g_inet_address_get_is_loopback (address);
}

/**
 * shoal_rpc_server_listen:
 * @self: a server
 * @address: an IP address to listen on ("127.0.0.1", "::", "0.0.0.0"…)
 * @port: the TCP port, 0 for any free one (see shoal_rpc_server_get_port())
 * @error: return location for a #ShoalRpcServerError
 *
 * Starts serving. An address other than a loopback one needs credentials
 * (shoal_rpc_server_set_credentials()): a remote-control port open to a
 * network without a password would let anyone on it download to and
 * delete from this machine.
 *
 * Returns: whether the server listens
 */
gboolean
shoal_rpc_server_listen (ShoalRpcServer  *self,
                         const char      *address,
                         guint16          port,
                         GError         **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SoupServer) server = NULL;
  GSList *uris;

  g_return_val_if_fail (SHOAL_IS_RPC_SERVER (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);
  g_return_val_if_fail (self->server == NULL, FALSE);

  inet = g_inet_address_new_from_string (address);
  if (inet == NULL)
    {
      g_set_error (error, SHOAL_RPC_SERVER_ERROR, SHOAL_RPC_SERVER_ERROR_BAD_ADDRESS,
                   "“%s” is not an IP address to listen on", address);
      return FALSE;
    }
  if (!is_loopback (inet) && self->user == NULL)
    {
      g_set_error (error, SHOAL_RPC_SERVER_ERROR, SHOAL_RPC_SERVER_ERROR_NEEDS_PASSWORD,
                   "Listening on %s, beyond this machine, needs a user name and password", address);
      return FALSE;
    }

  server = soup_server_new ("server-header", "Shoal/" PACKAGE_VERSION " ",
                            "tls-certificate", self->certificate,
                            NULL);
  soup_server_add_early_handler (server, NULL, early_handler_cb, self, NULL);
  soup_server_add_handler (server, NULL, handler_cb, self, NULL);

  socket_address = g_inet_socket_address_new (inet, port);
  if (!soup_server_listen (server, socket_address,
                           self->certificate != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0,
                           &local_error))
    {
      g_set_error (error, SHOAL_RPC_SERVER_ERROR, SHOAL_RPC_SERVER_ERROR_LISTEN,
                   "Cannot listen on %s port %u: %s", address, port, local_error->message);
      return FALSE;
    }

  uris = soup_server_get_uris (server);
  if (uris != NULL)
    self->port = (guint16) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  self->loopback_only = is_loopback (inet);
  self->server = g_steal_pointer (&server);
  g_debug ("RPC: listening on %s port %u (%s)", address, self->port,
           self->certificate != NULL ? "HTTPS" : "HTTP");
  return TRUE;
}

/**
 * shoal_rpc_server_stop:
 * @self: a server
 *
 * Stops listening and drops the clients' connections.
 */
void
shoal_rpc_server_stop (ShoalRpcServer *self)
{
  g_return_if_fail (SHOAL_IS_RPC_SERVER (self));

  g_cancellable_cancel (self->cancellable);
  if (self->server != NULL)
    {
      soup_server_disconnect (self->server);
      g_clear_object (&self->server);
    }
}

static gboolean
emit_close_requested_cb (gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_CLOSE_REQUESTED], 0);
  return G_SOURCE_REMOVE;
}

/* From an idle, so the client gets its answer first. */
void
_shoal_rpc_emit_close_requested (ShoalRpcServer *self)
{
  g_timeout_add_full (G_PRIORITY_DEFAULT, 100, emit_close_requested_cb, g_object_ref (self), g_object_unref);
}

void
_shoal_rpc_emit_settings_changed (ShoalRpcServer *self)
{
  g_signal_emit (self, signals[SIGNAL_SETTINGS_CHANGED], 0);
}
