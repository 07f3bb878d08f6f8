/* shoal-tracker-http.c: HTTP(S) tracker client (BEP 3, 7, 23, 48)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Announces and scrapes go through a SoupSession the caller shares between
 * all trackers, so connections and TLS sessions are reused and certificates
 * are verified the way libsoup always does. The response body is read by
 * hand with a hard size limit instead of trusting Content-Length, and the
 * whole exchange runs under one timeout. Redirects are followed a few times
 * and only where shoal_http_redirect_check() allows: never from https to
 * http, and never to a private address unless the tracker is on one.
 */
#include "config.h"

#include <string.h>

#include "shoal-bencode.h"
#include "shoal-http-redirect.h"
#include "shoal-tracker-http.h"

/* A response never needs deep nesting: dict → peers list → peer dict. */
#define RESPONSE_MAX_DEPTH  8
#define RESPONSE_MAX_VALUES (256u * 1024u)
#define READ_CHUNK          (64u * 1024u)
/* Redirects followed per request; trackers that move use one. */
#define MAX_REDIRECTS       5

static void
append_escaped (GString      *str,
                const guint8 *data,
                gsize         len)
{
  static const char hex[] = "0123456789ABCDEF";

  for (gsize i = 0; i < len; i++)
    {
      guint8 c = data[i];

      /* RFC 3986 unreserved characters go as they are; every other byte is
       * escaped on its own, which is what binary hashes need. */
      if (g_ascii_isalnum (c) || c == '-' || c == '.' || c == '_' || c == '~')
        g_string_append_c (str, (char) c);
      else
        {
          g_string_append_c (str, '%');
          g_string_append_c (str, hex[c >> 4]);
          g_string_append_c (str, hex[c & 0xf]);
        }
    }
}

/* Checks that @url is an absolute http(s) URL with a host. */
static gboolean
check_http_url (const char  *url,
                GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *scheme;
  const char *host;

  /* GUri lets spaces and raw bytes through, but the URL goes on the wire
   * as it is. */
  for (const char *p = url; *p != '\0'; p++)
    if ((guchar) *p <= 0x20 || (guchar) *p >= 0x7f)
      {
        g_set_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_BAD_URL,
                     "Tracker URL “%s” contains spaces or non-ASCII bytes", url);
        return FALSE;
      }

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_BAD_URL,
                   "Invalid tracker URL “%s”: %s", url, local_error->message);
      return FALSE;
    }
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      g_set_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_BAD_URL,
                   "Tracker URL “%s” is not an HTTP or HTTPS URL", url);
      return FALSE;
    }
  if (host == NULL || *host == '\0')
    {
      g_set_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_BAD_URL,
                   "Tracker URL “%s” has no host", url);
      return FALSE;
    }
  return TRUE;
}

/* Starts the parameters we add after whatever query the URL already has:
 * private trackers put passkeys there, and they must be kept. */
static void
begin_params (GString *str)
{
  const char *q = strchr (str->str, '?');

  if (q == NULL)
    g_string_append_c (str, '?');
  else if (str->str[str->len - 1] != '?' && str->str[str->len - 1] != '&')
    g_string_append_c (str, '&');
}

/**
 * shoal_tracker_http_build_announce_url:
 * @announce_url: the tracker's announce URL
 * @request: the announce parameters
 * @error: return location for a #GError
 *
 * Builds the GET URL of an announce: the announce URL without its fragment,
 * its query string kept, then the BEP 3 parameters with the binary info-hash
 * and peer id percent-encoded byte by byte. Compact peer lists are always
 * requested (BEP 23).
 *
 * Returns: (transfer full): the URL, or %NULL if @announce_url is not a
 *   usable http(s) URL
 */
gchar *
shoal_tracker_http_build_announce_url (const char                *announce_url,
                                       const ShoalTrackerRequest *request,
                                       GError                   **error)
{
  g_autoptr(GString) str = NULL;
  const char *event;

  g_return_val_if_fail (announce_url != NULL, NULL);
  g_return_val_if_fail (request != NULL, NULL);

  if (!check_http_url (announce_url, error))
    return NULL;

  str = g_string_new_len (announce_url, (gssize) strcspn (announce_url, "#"));
  begin_params (str);
  g_string_append (str, "info_hash=");
  append_escaped (str, request->info_hash, sizeof request->info_hash);
  g_string_append (str, "&peer_id=");
  append_escaped (str, request->peer_id, sizeof request->peer_id);
  g_string_append_printf (str, "&port=%u", request->port);
  g_string_append_printf (str, "&uploaded=%" G_GUINT64_FORMAT, request->uploaded);
  g_string_append_printf (str, "&downloaded=%" G_GUINT64_FORMAT, request->downloaded);
  g_string_append_printf (str, "&left=%" G_GUINT64_FORMAT, request->left);
  g_string_append (str, "&compact=1");
  g_string_append_printf (str, "&key=%08X", request->key);
  event = shoal_tracker_event_to_string (request->event);
  if (event != NULL)
    g_string_append_printf (str, "&event=%s", event);
  if (request->numwant >= 0)
    g_string_append_printf (str, "&numwant=%d", request->numwant);
  if (request->tracker_id != NULL && request->tracker_id[0] != '\0')
    {
      g_string_append (str, "&trackerid=");
      append_escaped (str, (const guint8 *) request->tracker_id,
                      strnlen (request->tracker_id, SHOAL_TRACKER_MAX_TRACKER_ID));
    }
  return g_string_free (g_steal_pointer (&str), FALSE);
}

/**
 * shoal_tracker_http_build_scrape_url:
 * @announce_url: the tracker's announce URL
 * @info_hashes: @n_info_hashes info-hashes of 20 bytes each, back to back
 * @n_info_hashes: how many info-hashes, 1 to %SHOAL_TRACKER_MAX_SCRAPE
 * @error: return location for a #GError
 *
 * Derives the scrape URL as BEP 48 says: the last path component of the
 * announce URL must start with `announce`, which becomes `scrape`; the rest
 * of the URL, query string included, is kept. One `info_hash` parameter is
 * added per torrent.
 *
 * Returns: (transfer full): the URL, or %NULL with
 *   %SHOAL_TRACKER_ERROR_SCRAPE_UNSUPPORTED if the tracker has no scrape
 *   URL
 */
gchar *
shoal_tracker_http_build_scrape_url (const char    *announce_url,
                                     const guint8  *info_hashes,
                                     guint          n_info_hashes,
                                     GError       **error)
{
  g_autoptr(GString) str = NULL;
  const char *authority;
  gsize path_end;
  gsize url_end;
  gsize slash;

  g_return_val_if_fail (announce_url != NULL, NULL);
  g_return_val_if_fail (info_hashes != NULL || n_info_hashes == 0, NULL);

  if (n_info_hashes == 0 || n_info_hashes > SHOAL_TRACKER_MAX_SCRAPE)
    {
      g_set_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_INVALID_REQUEST,
                   "A scrape asks for 1 to %u torrents, not %u", SHOAL_TRACKER_MAX_SCRAPE, n_info_hashes);
      return NULL;
    }
  if (!check_http_url (announce_url, error))
    return NULL;

  /* check_http_url() guarantees "scheme://"; the path starts after it. */
  authority = strstr (announce_url, "://");
  g_assert (authority != NULL);
  path_end = strcspn (announce_url, "?#");
  url_end = strcspn (announce_url, "#");
  slash = path_end;
  while (slash > 0 && announce_url[slash - 1] != '/')
    slash--;
  if (slash <= (gsize) (authority - announce_url) + 3 ||
      strncmp (announce_url + slash, "announce", 8) != 0 ||
      slash + 8 > path_end)
    {
      g_set_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_SCRAPE_UNSUPPORTED,
                   "Tracker “%s” does not support scrape", announce_url);
      return NULL;
    }

  str = g_string_new_len (announce_url, (gssize) slash);
  g_string_append (str, "scrape");
  g_string_append_len (str, announce_url + slash + 8, (gssize) (url_end - slash - 8));
  for (guint i = 0; i < n_info_hashes; i++)
    {
      begin_params (str);
      g_string_append (str, "info_hash=");
      append_escaped (str, info_hashes + (gsize) i * SHOAL_TRACKER_HASH_LEN, SHOAL_TRACKER_HASH_LEN);
    }
  return g_string_free (g_steal_pointer (&str), FALSE);
}

static gboolean
malformed (GError    **error,
           const char *what)
{
  g_set_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_MALFORMED,
               "Malformed tracker response: %s", what);
  return FALSE;
}

/* Parses a bencoded body whose root must be a dictionary. Trailing
 * whitespace is tolerated: some trackers end their answer with a newline. */
static ShoalBencode *
parse_body (GBytes  *body,
            GError **error)
{
  g_autoptr(ShoalBencode) doc = NULL;
  g_autoptr(GError) local_error = NULL;
  const guint8 *data;
  gsize len;

  data = g_bytes_get_data (body, &len);
  if (len > SHOAL_TRACKER_MAX_RESPONSE)
    {
      g_set_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_TOO_LARGE,
                   "Tracker response of %" G_GSIZE_FORMAT " bytes is larger than %u bytes",
                   len, SHOAL_TRACKER_MAX_RESPONSE);
      return NULL;
    }

  doc = shoal_bencode_parse_full (body, RESPONSE_MAX_DEPTH, RESPONSE_MAX_VALUES, TRUE, &local_error);
  if (doc == NULL)
    {
      g_set_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_MALFORMED,
                   "Malformed tracker response: %s", local_error->message);
      return NULL;
    }
  for (gsize i = shoal_bencode_get_consumed (doc); i < len; i++)
    if (!g_ascii_isspace (data[i]))
      {
        malformed (error, "data after the response");
        return NULL;
      }
  if (!shoal_bencode_node_is (shoal_bencode_get_root (doc), SHOAL_BENCODE_DICT))
    {
      malformed (error, "not a dictionary");
      return NULL;
    }
  return g_steal_pointer (&doc);
}

/* Turns a `failure reason` into an error, as both announce and scrape
 * responses may carry one. Returns FALSE if there is one. */
static gboolean
check_failure (const ShoalBencodeNode *root,
               GError                **error)
{
  const ShoalBencodeNode *node = shoal_bencode_node_dict_lookup (root, "failure reason");
  const guint8 *data;
  gsize len;
  g_autofree gchar *text = NULL;

  if (node == NULL)
    return TRUE;
  if (!shoal_bencode_node_is (node, SHOAL_BENCODE_STRING))
    return malformed (error, "“failure reason” is not a string");
  data = shoal_bencode_node_get_string (node, &len);
  text = shoal_tracker_sanitize_text (data, len);
  g_set_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_FAILURE,
               "%s", *text != '\0' ? text : "Tracker refused the request");
  return FALSE;
}

/* Reads an optional non-negative integer field; leaves @out alone when the
 * key is absent. */
static gboolean
get_count (const ShoalBencodeNode *dict,
           const char             *key,
           gint64                  max,
           gint64                 *out,
           GError                **error)
{
  const ShoalBencodeNode *node = shoal_bencode_node_dict_lookup (dict, key);
  gint64 value;

  if (node == NULL)
    return TRUE;
  if (!shoal_bencode_node_is (node, SHOAL_BENCODE_INTEGER))
    {
      g_set_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_MALFORMED,
                   "Malformed tracker response: “%s” is not an integer", key);
      return FALSE;
    }
  value = shoal_bencode_node_get_integer (node);
  if (value < 0 || value > max)
    {
      g_set_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_MALFORMED,
                   "Malformed tracker response: “%s” is out of range", key);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

/* One entry of the non-compact peer list (BEP 3). Entries we cannot use
 * (host names, bad ports) are skipped rather than failing the response. */
static void
add_dict_peer (ShoalTrackerResponse   *response,
               const ShoalBencodeNode *entry)
{
  const ShoalBencodeNode *ip_node;
  const ShoalBencodeNode *port_node;
  g_autoptr(GInetAddress) addr = NULL;
  g_autofree gchar *ip = NULL;
  ShoalTrackerPeer peer = { 0, };
  const guint8 *ip_data;
  gsize ip_len;
  gint64 port;

  if (!shoal_bencode_node_is (entry, SHOAL_BENCODE_DICT))
    return;
  ip_node = shoal_bencode_node_dict_lookup (entry, "ip");
  port_node = shoal_bencode_node_dict_lookup (entry, "port");
  if (ip_node == NULL || !shoal_bencode_node_is (ip_node, SHOAL_BENCODE_STRING) ||
      port_node == NULL || !shoal_bencode_node_is (port_node, SHOAL_BENCODE_INTEGER))
    return;

  port = shoal_bencode_node_get_integer (port_node);
  ip_data = shoal_bencode_node_get_string (ip_node, &ip_len);
  /* The longest textual address is 45 bytes; a NUL inside means junk. */
  if (port <= 0 || port > G_MAXUINT16 || ip_len == 0 || ip_len > 45 ||
      memchr (ip_data, '\0', ip_len) != NULL)
    return;

  ip = g_strndup ((const gchar *) ip_data, ip_len);
  addr = g_inet_address_new_from_string (ip);
  if (addr == NULL)
    return;

  peer.family = g_inet_address_get_family (addr);
  peer.port = (guint16) port;
  memcpy (peer.addr, g_inet_address_to_bytes (addr), g_inet_address_get_native_size (addr));
  shoal_tracker_response_add_peer (response, &peer);
}

/**
 * shoal_tracker_http_parse_announce:
 * @body: the body of an HTTP announce response
 * @error: return location for a #GError
 *
 * Parses a bencoded announce response: `failure reason` becomes a
 * %SHOAL_TRACKER_ERROR_FAILURE error carrying the tracker's text; otherwise
 * `interval` is required, and `min interval`, `complete`, `incomplete`,
 * `tracker id`, `warning message`, `peers` (compact or a list of
 * dictionaries) and `peers6` are read when present.
 *
 * Returns: (transfer full): the response, or %NULL on error
 */
ShoalTrackerResponse *
shoal_tracker_http_parse_announce (GBytes  *body,
                                   GError **error)
{
  g_autoptr(ShoalBencode) doc = NULL;
  g_autoptr(ShoalTrackerResponse) response = NULL;
  const ShoalBencodeNode *root;
  const ShoalBencodeNode *node;
  const guint8 *data;
  gsize len;

  g_return_val_if_fail (body != NULL, NULL);

  doc = parse_body (body, error);
  if (doc == NULL)
    return NULL;
  root = shoal_bencode_get_root (doc);
  if (!check_failure (root, error))
    return NULL;

  response = shoal_tracker_response_new ();
  response->interval = -1;
  if (!get_count (root, "interval", G_MAXINT32, &response->interval, error) ||
      !get_count (root, "min interval", G_MAXINT32, &response->min_interval, error) ||
      !get_count (root, "complete", G_MAXINT32, &response->seeders, error) ||
      !get_count (root, "incomplete", G_MAXINT32, &response->leechers, error))
    return NULL;
  if (response->interval < 0)
    {
      malformed (error, "no “interval”");
      return NULL;
    }

  node = shoal_bencode_node_dict_lookup (root, "warning message");
  if (node != NULL)
    {
      if (!shoal_bencode_node_is (node, SHOAL_BENCODE_STRING))
        {
          malformed (error, "“warning message” is not a string");
          return NULL;
        }
      data = shoal_bencode_node_get_string (node, &len);
      response->warning = shoal_tracker_sanitize_text (data, len);
    }

  node = shoal_bencode_node_dict_lookup (root, "tracker id");
  if (node != NULL)
    {
      if (!shoal_bencode_node_is (node, SHOAL_BENCODE_STRING))
        {
          malformed (error, "“tracker id” is not a string");
          return NULL;
        }
      data = shoal_bencode_node_get_string (node, &len);
      /* It is sent back verbatim later, so it must survive as a C string. */
      if (len > 0 && len <= SHOAL_TRACKER_MAX_TRACKER_ID && memchr (data, '\0', len) == NULL)
        response->tracker_id = g_strndup ((const gchar *) data, len);
    }

  node = shoal_bencode_node_dict_lookup (root, "peers");
  if (node != NULL)
    {
      if (shoal_bencode_node_is (node, SHOAL_BENCODE_STRING))
        {
          data = shoal_bencode_node_get_string (node, &len);
          if (!shoal_tracker_response_add_compact_peers (response, data, len, G_SOCKET_FAMILY_IPV4, error))
            return NULL;
        }
      else if (shoal_bencode_node_is (node, SHOAL_BENCODE_LIST))
        {
          for (const ShoalBencodeNode *child = shoal_bencode_node_get_first (node);
               child != NULL && response->peers->len < SHOAL_TRACKER_MAX_PEERS;
               child = shoal_bencode_node_get_next (child))
            add_dict_peer (response, child);
        }
      else
        {
          malformed (error, "“peers” is neither a string nor a list");
          return NULL;
        }
    }

  node = shoal_bencode_node_dict_lookup (root, "peers6");
  if (node != NULL)
    {
      if (!shoal_bencode_node_is (node, SHOAL_BENCODE_STRING))
        {
          malformed (error, "“peers6” is not a string");
          return NULL;
        }
      data = shoal_bencode_node_get_string (node, &len);
      if (!shoal_tracker_response_add_compact_peers (response, data, len, G_SOCKET_FAMILY_IPV6, error))
        return NULL;
    }

  return g_steal_pointer (&response);
}

/**
 * shoal_tracker_http_parse_scrape:
 * @body: the body of an HTTP scrape response
 * @error: return location for a #GError
 *
 * Parses a bencoded scrape response (BEP 48): the `files` dictionary maps
 * 20-byte info-hashes to their `complete`, `incomplete` and `downloaded`
 * counts. Keys of another length are skipped, and at most
 * %SHOAL_TRACKER_MAX_SCRAPE entries are kept.
 *
 * Returns: (transfer full) (element-type ShoalTrackerScrapeEntry): the
 *   entries in the tracker's order, or %NULL on error
 */
GArray *
shoal_tracker_http_parse_scrape (GBytes  *body,
                                 GError **error)
{
  g_autoptr(ShoalBencode) doc = NULL;
  g_autoptr(GArray) entries = NULL;
  const ShoalBencodeNode *root;
  const ShoalBencodeNode *files;
  const ShoalBencodeNode *key;

  g_return_val_if_fail (body != NULL, NULL);

  doc = parse_body (body, error);
  if (doc == NULL)
    return NULL;
  root = shoal_bencode_get_root (doc);
  if (!check_failure (root, error))
    return NULL;

  files = shoal_bencode_node_dict_lookup (root, "files");
  if (files == NULL || !shoal_bencode_node_is (files, SHOAL_BENCODE_DICT))
    {
      malformed (error, "no “files” dictionary");
      return NULL;
    }

  entries = g_array_new (FALSE, TRUE, sizeof (ShoalTrackerScrapeEntry));
  for (key = shoal_bencode_node_get_first (files);
       key != NULL && entries->len < SHOAL_TRACKER_MAX_SCRAPE;
       key = shoal_bencode_node_get_next (shoal_bencode_node_get_next (key)))
    {
      const ShoalBencodeNode *value = shoal_bencode_node_get_next (key);
      ShoalTrackerScrapeEntry entry = { { 0, }, -1, -1, -1 };
      const guint8 *hash;
      gsize len;

      g_assert (value != NULL);
      hash = shoal_bencode_node_get_string (key, &len);
      if (len != SHOAL_TRACKER_HASH_LEN)
        continue;
      if (!shoal_bencode_node_is (value, SHOAL_BENCODE_DICT))
        {
          malformed (error, "a “files” entry is not a dictionary");
          return NULL;
        }
      memcpy (entry.info_hash, hash, SHOAL_TRACKER_HASH_LEN);
      if (!get_count (value, "complete", G_MAXINT32, &entry.complete, error) ||
          !get_count (value, "incomplete", G_MAXINT32, &entry.incomplete, error) ||
          !get_count (value, "downloaded", G_MAXINT32, &entry.downloaded, error))
        return NULL;
      g_array_append_val (entries, entry);
    }
  return g_steal_pointer (&entries);
}

/* Async requests */

typedef enum
{
  KIND_ANNOUNCE,
  KIND_SCRAPE,
} RequestKind;

typedef struct
{
  RequestKind   kind;
  SoupSession  *session;
  SoupMessage  *message;
  GInputStream *stream;
  GByteArray   *body;
  GCancellable *cancellable;      /* ours: cancelled by the caller's or by the timeout */
  GCancellable *user_cancellable;
  gulong        user_handler;
  GSource      *timeout_source;
  guint         timeout_ms;
  gboolean      timed_out;
  GUri         *original;         /* the URL asked for, which redirects are judged by */
  guint         n_redirects;
  char         *refused_redirect; /* why a redirect was not followed, or NULL */
} HttpOp;

static void
http_op_free (HttpOp *op)
{
  if (op->user_handler != 0)
    g_cancellable_disconnect (op->user_cancellable, op->user_handler);
  if (op->timeout_source != NULL)
    {
      g_source_destroy (op->timeout_source);
      g_source_unref (op->timeout_source);
    }
  g_clear_object (&op->user_cancellable);
  g_clear_object (&op->cancellable);
  g_clear_object (&op->stream);
  if (op->message != NULL)
    g_signal_handlers_disconnect_by_data (op->message, op);
  g_clear_object (&op->message);
  g_clear_pointer (&op->original, g_uri_unref);
  g_free (op->refused_redirect);
  g_clear_object (&op->session);
  g_clear_pointer (&op->body, g_byte_array_unref);
  g_free (op);
}

static void
user_cancelled_cb (GCancellable *user_cancellable,
                   GCancellable *ours)
{
  g_cancellable_cancel (ours);
}

static gboolean
timeout_cb (gpointer data)
{
  HttpOp *op = data;

  op->timed_out = TRUE;
  g_cancellable_cancel (op->cancellable);
  return G_SOURCE_REMOVE;
}

/* Returns @error to @task, turning our own timeout cancellation into a
 * timeout error. Takes ownership of @task and @error. */
static void
http_op_return_error (GTask  *task,
                      GError *error)
{
  HttpOp *op = g_task_get_task_data (task);

  if (op->refused_redirect != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&error);
      g_set_error_literal (&error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_BAD_REDIRECT,
                           op->refused_redirect);
    }
  else if (op->timed_out && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&error);
      g_set_error (&error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_TIMEOUT,
                   "Tracker did not answer within %u seconds", (op->timeout_ms + 999) / 1000);
    }
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
http_op_complete (GTask *task)
{
  HttpOp *op = g_task_get_task_data (task);
  g_autoptr(GBytes) body = g_byte_array_free_to_bytes (g_steal_pointer (&op->body));
  guint status = soup_message_get_status (op->message);
  GError *error = NULL;

  if (op->kind == KIND_ANNOUNCE)
    {
      ShoalTrackerResponse *response = shoal_tracker_http_parse_announce (body, &error);

      if (response != NULL && SOUP_STATUS_IS_SUCCESSFUL (status))
        {
          g_task_return_pointer (task, response, (GDestroyNotify) shoal_tracker_response_free);
          g_object_unref (task);
          return;
        }
      shoal_tracker_response_free (response);
    }
  else
    {
      GArray *entries = shoal_tracker_http_parse_scrape (body, &error);

      if (entries != NULL && SOUP_STATUS_IS_SUCCESSFUL (status))
        {
          g_task_return_pointer (task, entries, (GDestroyNotify) g_array_unref);
          g_object_unref (task);
          return;
        }
      g_clear_pointer (&entries, g_array_unref);
    }

  /* Some trackers send their failure reason with an error status; that
   * text says more than the status does. */
  if (!SOUP_STATUS_IS_SUCCESSFUL (status) &&
      !g_error_matches (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_FAILURE))
    {
      g_clear_error (&error);
      g_set_error (&error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_HTTP,
                   "Tracker answered with HTTP status %u %s", status,
                   soup_message_get_reason_phrase (op->message) ?
                   soup_message_get_reason_phrase (op->message) : "");
    }
  http_op_return_error (task, error);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  HttpOp *op = g_task_get_task_data (task);
  g_autoptr(GBytes) chunk = NULL;
  GError *error = NULL;
  gsize len;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (chunk == NULL)
    {
      http_op_return_error (task, error);
      return;
    }

  len = g_bytes_get_size (chunk);
  if (len == 0)
    {
      /* The body is complete, so closing does not block; it hands the
       * connection back to the session for reuse. */
      g_input_stream_close (op->stream, NULL, NULL);
      http_op_complete (task);
      return;
    }
  if ((guint64) op->body->len + len > SHOAL_TRACKER_MAX_RESPONSE)
    {
      g_set_error (&error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_TOO_LARGE,
                   "Tracker response is larger than %u bytes", SHOAL_TRACKER_MAX_RESPONSE);
      http_op_return_error (task, error);
      return;
    }
  g_byte_array_append (op->body, g_bytes_get_data (chunk, NULL), (guint) len);
  g_input_stream_read_bytes_async (op->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   op->cancellable, read_cb, task);
}

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  HttpOp *op = g_task_get_task_data (task);
  GError *error = NULL;
  goffset content_length;

  op->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (op->stream == NULL)
    {
      http_op_return_error (task, error);
      return;
    }

  /* Fail early on an announced size over the limit; the read loop still
   * enforces it for chunked or lying responses. */
  content_length = soup_message_headers_get_content_length (soup_message_get_response_headers (op->message));
  if (content_length > (goffset) SHOAL_TRACKER_MAX_RESPONSE)
    {
      g_set_error (&error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_TOO_LARGE,
                   "Tracker response of %" G_GOFFSET_FORMAT " bytes is larger than %u bytes",
                   content_length, SHOAL_TRACKER_MAX_RESPONSE);
      http_op_return_error (task, error);
      return;
    }

  g_input_stream_read_bytes_async (op->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   op->cancellable, read_cb, task);
}

/* Emitted before libsoup sends the message again, to the new URL of a
 * redirect: cancelling here keeps the request from leaving. */
static void
restarted_cb (SoupMessage *message,
              HttpOp      *op)
{
  GUri *uri = soup_message_get_uri (message);
  ShoalHttpRedirect verdict;

  /* Not a redirect: sent again with credentials (a proxy's 407, 401). */
  if (op->refused_redirect != NULL || !SOUP_STATUS_IS_REDIRECTION (soup_message_get_status (message)))
    return;
  verdict = shoal_http_redirect_check (op->original, uri);
  if (verdict != SHOAL_HTTP_REDIRECT_ALLOWED)
    op->refused_redirect = g_strdup_printf ("Tracker %s (%s), refused",
                                            shoal_http_redirect_to_string (verdict),
                                            g_uri_get_host (uri) != NULL ? g_uri_get_host (uri) : "no host");
  else if (++op->n_redirects > MAX_REDIRECTS)
    op->refused_redirect = g_strdup_printf ("Tracker redirected more than %u times, refused", MAX_REDIRECTS);
  else
    {
      g_debug ("Tracker redirected to %s", g_uri_get_host (uri));
      return;
    }
  g_debug ("%s", op->refused_redirect);
  g_cancellable_cancel (op->cancellable);
}

static void
http_op_start (SoupSession         *session,
               RequestKind          kind,
               gchar               *url,
               guint                timeout_ms,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data,
               gpointer             source_tag)
{
  g_autoptr(GTask) task = NULL;
  HttpOp *op;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  op = g_new0 (HttpOp, 1);
  op->kind = kind;
  op->session = g_object_ref (session);
  op->body = g_byte_array_new ();
  op->cancellable = g_cancellable_new ();
  op->timeout_ms = timeout_ms != 0 ? timeout_ms : SHOAL_TRACKER_HTTP_DEFAULT_TIMEOUT_MS;
  g_task_set_task_data (task, op, (GDestroyNotify) http_op_free);

  op->message = soup_message_new (SOUP_METHOD_GET, url);
  if (op->message == NULL)
    {
      g_task_return_new_error (task, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_BAD_URL,
                               "Invalid tracker URL “%s”", url);
      return;
    }
  op->original = g_uri_ref (soup_message_get_uri (op->message));
  g_signal_connect (op->message, "restarted", G_CALLBACK (restarted_cb), op);

  if (cancellable != NULL)
    {
      op->user_cancellable = g_object_ref (cancellable);
      op->user_handler = g_cancellable_connect (cancellable, G_CALLBACK (user_cancelled_cb),
                                                op->cancellable, NULL);
    }

  op->timeout_source = g_timeout_source_new (op->timeout_ms);
  g_source_set_callback (op->timeout_source, timeout_cb, op, NULL);
  g_source_set_static_name (op->timeout_source, "[shoal] tracker HTTP timeout");
  g_source_attach (op->timeout_source, g_task_get_context (task));

  soup_session_send_async (session, op->message, G_PRIORITY_DEFAULT, op->cancellable,
                           send_cb, g_steal_pointer (&task));
}

/**
 * shoal_tracker_http_announce_async:
 * @session: the session shared by all HTTP trackers
 * @announce_url: the tracker's announce URL
 * @request: the announce parameters; copied, the caller may free them
 * @timeout_ms: how long the whole exchange may take, or 0 for
 *   %SHOAL_TRACKER_HTTP_DEFAULT_TIMEOUT_MS
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the thread-default main context when done
 * @user_data: data for @callback
 *
 * Announces to an HTTP or HTTPS tracker. Get the result with
 * shoal_tracker_http_announce_finish().
 */
void
shoal_tracker_http_announce_async (SoupSession               *session,
                                   const char                *announce_url,
                                   const ShoalTrackerRequest *request,
                                   guint                      timeout_ms,
                                   GCancellable              *cancellable,
                                   GAsyncReadyCallback        callback,
                                   gpointer                   user_data)
{
  g_autofree gchar *url = NULL;
  GError *error = NULL;

  g_return_if_fail (SOUP_IS_SESSION (session));
  g_return_if_fail (announce_url != NULL);
  g_return_if_fail (request != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  url = shoal_tracker_http_build_announce_url (announce_url, request, &error);
  if (url == NULL)
    {
      g_task_report_error (NULL, callback, user_data, shoal_tracker_http_announce_async, error);
      return;
    }
  http_op_start (session, KIND_ANNOUNCE, url, timeout_ms, cancellable, callback, user_data,
                 shoal_tracker_http_announce_async);
}

/**
 * shoal_tracker_http_announce_finish:
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes shoal_tracker_http_announce_async().
 *
 * Returns: (transfer full): the tracker's response, or %NULL on error
 */
ShoalTrackerResponse *
shoal_tracker_http_announce_finish (GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, shoal_tracker_http_announce_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * shoal_tracker_http_scrape_async:
 * @session: the session shared by all HTTP trackers
 * @announce_url: the tracker's announce URL; the scrape URL is derived
 *   from it
 * @info_hashes: @n_info_hashes info-hashes of 20 bytes each, back to back
 * @n_info_hashes: how many, 1 to %SHOAL_TRACKER_MAX_SCRAPE
 * @timeout_ms: how long the whole exchange may take, or 0 for
 *   %SHOAL_TRACKER_HTTP_DEFAULT_TIMEOUT_MS
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the thread-default main context when done
 * @user_data: data for @callback
 *
 * Scrapes an HTTP or HTTPS tracker (BEP 48). Get the result with
 * shoal_tracker_http_scrape_finish().
 */
void
shoal_tracker_http_scrape_async (SoupSession         *session,
                                 const char          *announce_url,
                                 const guint8        *info_hashes,
                                 guint                n_info_hashes,
                                 guint                timeout_ms,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autofree gchar *url = NULL;
  GError *error = NULL;

  g_return_if_fail (SOUP_IS_SESSION (session));
  g_return_if_fail (announce_url != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  url = shoal_tracker_http_build_scrape_url (announce_url, info_hashes, n_info_hashes, &error);
  if (url == NULL)
    {
      g_task_report_error (NULL, callback, user_data, shoal_tracker_http_scrape_async, error);
      return;
    }
  http_op_start (session, KIND_SCRAPE, url, timeout_ms, cancellable, callback, user_data,
                 shoal_tracker_http_scrape_async);
}

/**
 * shoal_tracker_http_scrape_finish:
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes shoal_tracker_http_scrape_async().
 *
 * Returns: (transfer full) (element-type ShoalTrackerScrapeEntry): the
 *   counts per torrent, or %NULL on error
 */
GArray *
shoal_tracker_http_scrape_finish (GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, shoal_tracker_http_scrape_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
