/* shoal-dht-message.c: KRPC codec of the mainline DHT (BEP 5, BEP 32)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every message comes from an unauthenticated UDP datagram, so the parser
 * bounds everything: the datagram size, the bencode nesting and value count,
 * each string it keeps and the number of nodes and peers. What it returns is
 * a flat structure the DHT can use without looking at bencode again.
 */
#include "config.h"

#include <string.h>

#include "shoal-bencode.h"
#include "shoal-compact-addr.h"
#include "shoal-dht-message.h"

/* KRPC nests three containers deep (message, arguments, values); a little
 * slack lets extension fields through without letting a datagram build
 * deep trees. */
#define KRPC_MAX_DEPTH  8
#define KRPC_MAX_VALUES 1024u

G_DEFINE_QUARK (shoal-dht-message-error-quark, shoal_dht_message_error)

static const char *const method_names[] = {
  [SHOAL_DHT_METHOD_UNKNOWN] = NULL,
  [SHOAL_DHT_METHOD_PING] = "ping",
  [SHOAL_DHT_METHOD_FIND_NODE] = "find_node",
  [SHOAL_DHT_METHOD_GET_PEERS] = "get_peers",
  [SHOAL_DHT_METHOD_ANNOUNCE_PEER] = "announce_peer",
};

const char *
shoal_dht_method_to_string (ShoalDhtMethod method)
{
  if ((guint) method < G_N_ELEMENTS (method_names) && method_names[method] != NULL)
    return method_names[method];
  return "unknown";
}

void
shoal_dht_message_init (ShoalDhtMessage *msg)
{
  memset (msg, 0, sizeof *msg);
}

void
shoal_dht_message_clear (ShoalDhtMessage *msg)
{
  g_clear_pointer (&msg->nodes, g_array_unref);
  g_clear_pointer (&msg->values, g_array_unref);
  g_clear_pointer (&msg->error_message, g_free);
  shoal_dht_message_init (msg);
}

void
shoal_dht_message_add_node (ShoalDhtMessage        *msg,
                            const ShoalDhtNodeInfo *node)
{
  if (msg->nodes == NULL)
    msg->nodes = g_array_new (FALSE, TRUE, sizeof (ShoalDhtNodeInfo));
  g_array_append_vals (msg->nodes, node, 1);
}

void
shoal_dht_message_add_value (ShoalDhtMessage    *msg,
                             const ShoalDhtAddr *addr)
{
  if (msg->values == NULL)
    msg->values = g_array_new (FALSE, TRUE, sizeof (ShoalDhtAddr));
  g_array_append_vals (msg->values, addr, 1);
}

/* Parsing */

static gboolean
fail (GError     **error,
      ShoalDhtMessageError code,
      const char *message)
{
  g_set_error_literal (error, SHOAL_DHT_MESSAGE_ERROR, code, message);
  return FALSE;
}

static const guint8 *
lookup_string (const ShoalBencodeNode *dict,
               const char             *key,
               gsize                  *len)
{
  const ShoalBencodeNode *node = shoal_bencode_node_dict_lookup (dict, key);

  if (node == NULL || !shoal_bencode_node_is (node, SHOAL_BENCODE_STRING))
    return NULL;
  return shoal_bencode_node_get_string (node, len);
}

static gboolean
read_id (const ShoalBencodeNode *dict,
         const char             *key,
         guint8                  out[SHOAL_DHT_ID_LEN],
         GError                **error)
{
  gsize len = 0;
  const guint8 *s = lookup_string (dict, key, &len);

  if (s == NULL)
    {
      g_set_error (error, SHOAL_DHT_MESSAGE_ERROR, SHOAL_DHT_MESSAGE_ERROR_MISSING_ARGUMENT,
                   "The message has no “%s”", key);
      return FALSE;
    }
  if (len != SHOAL_DHT_ID_LEN)
    {
      g_set_error (error, SHOAL_DHT_MESSAGE_ERROR, SHOAL_DHT_MESSAGE_ERROR_BAD_ID,
                   "“%s” is %" G_GSIZE_FORMAT " bytes long instead of 20", key, len);
      return FALSE;
    }
  memcpy (out, s, SHOAL_DHT_ID_LEN);
  return TRUE;
}

static gboolean
read_token (const ShoalBencodeNode *dict,
            ShoalDhtMessage        *msg,
            gboolean                required,
            GError                **error)
{
  const ShoalBencodeNode *node = shoal_bencode_node_dict_lookup (dict, "token");
  const guint8 *s;
  gsize len = 0;

  if (node == NULL)
    return !required || fail (error, SHOAL_DHT_MESSAGE_ERROR_MISSING_ARGUMENT,
                              "The message has no token");
  if (!shoal_bencode_node_is (node, SHOAL_BENCODE_STRING))
    return fail (error, SHOAL_DHT_MESSAGE_ERROR_BAD_TOKEN, "The token is not a string");
  s = shoal_bencode_node_get_string (node, &len);
  if (len == 0 || len > SHOAL_DHT_MAX_TOKEN_LEN)
    return fail (error, SHOAL_DHT_MESSAGE_ERROR_BAD_TOKEN, "The token is empty or too long");
  memcpy (msg->token, s, len);
  msg->token_len = len;
  return TRUE;
}

G_STATIC_ASSERT (SHOAL_DHT_ID_LEN == SHOAL_COMPACT_NODE_ID_LEN);

/* The DHT names families 4 and 6 in its ShoalDhtAddr. */
static GSocketFamily
socket_family (guint8 family)
{
  return family == 6 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4;
}

static void
read_compact_addr (const guint8 *p,
                   guint8        family,
                   ShoalDhtAddr *out)
{
  memset (out, 0, sizeof *out);
  out->family = family;
  shoal_compact_addr_decode (p, socket_family (family), out->ip, &out->port);
}

static gboolean
read_nodes (const ShoalBencodeNode *dict,
            const char             *key,
            guint8                  family,
            ShoalDhtMessage        *msg,
            GError                **error)
{
  const ShoalBencodeNode *node = shoal_bencode_node_dict_lookup (dict, key);
  gsize entry = family == 4 ? SHOAL_DHT_COMPACT_NODE4_LEN : SHOAL_DHT_COMPACT_NODE6_LEN;
  const guint8 *s;
  gsize len = 0;
  gsize n;

  if (node == NULL)
    return TRUE;
  if (!shoal_bencode_node_is (node, SHOAL_BENCODE_STRING))
    {
      g_set_error (error, SHOAL_DHT_MESSAGE_ERROR, SHOAL_DHT_MESSAGE_ERROR_BAD_NODES,
                   "“%s” is not a string", key);
      return FALSE;
    }
  s = shoal_bencode_node_get_string (node, &len);
  if (len % entry != 0)
    {
      g_set_error (error, SHOAL_DHT_MESSAGE_ERROR, SHOAL_DHT_MESSAGE_ERROR_BAD_NODES,
                   "“%s” is %" G_GSIZE_FORMAT " bytes long, not a multiple of %" G_GSIZE_FORMAT,
                   key, len, entry);
      return FALSE;
    }
  n = MIN (len / entry, SHOAL_DHT_MAX_PARSED_NODES);
  for (gsize i = 0; i < n; i++)
    {
      ShoalDhtNodeInfo info;

      memcpy (info.id, s + i * entry, SHOAL_DHT_ID_LEN);
      read_compact_addr (s + i * entry + SHOAL_DHT_ID_LEN, family, &info.addr);
      shoal_dht_message_add_node (msg, &info);
    }
  return TRUE;
}

static gboolean
read_values (const ShoalBencodeNode *dict,
             ShoalDhtMessage        *msg,
             GError                **error)
{
  const ShoalBencodeNode *list = shoal_bencode_node_dict_lookup (dict, "values");
  guint n = 0;

  if (list == NULL)
    return TRUE;
  if (!shoal_bencode_node_is (list, SHOAL_BENCODE_LIST))
    return fail (error, SHOAL_DHT_MESSAGE_ERROR_BAD_VALUES, "“values” is not a list");

  for (const ShoalBencodeNode *child = shoal_bencode_node_get_first (list); child != NULL;
       child = shoal_bencode_node_get_next (child))
    {
      const guint8 *s;
      gsize len = 0;
      ShoalDhtAddr addr;

      if (!shoal_bencode_node_is (child, SHOAL_BENCODE_STRING))
        return fail (error, SHOAL_DHT_MESSAGE_ERROR_BAD_VALUES, "A peer in “values” is not a string");
      s = shoal_bencode_node_get_string (child, &len);
      if (shoal_compact_addr_family_from_len (len) == G_SOCKET_FAMILY_INVALID)
        return fail (error, SHOAL_DHT_MESSAGE_ERROR_BAD_VALUES,
                     "A peer in “values” is neither 6 nor 18 bytes long");
      if (n++ >= SHOAL_DHT_MAX_PARSED_VALUES)
        continue;
      read_compact_addr (s, len == SHOAL_COMPACT_ADDR4_LEN ? 4 : 6, &addr);
      shoal_dht_message_add_value (msg, &addr);
    }
  return TRUE;
}

static gboolean
parse_query (const ShoalBencodeNode *root,
             ShoalDhtMessage        *msg,
             GError                **error)
{
  const ShoalBencodeNode *args;
  const ShoalBencodeNode *node;
  const guint8 *q;
  gsize q_len = 0;

  q = lookup_string (root, "q", &q_len);
  if (q == NULL)
    return fail (error, SHOAL_DHT_MESSAGE_ERROR_MISSING_ARGUMENT, "The query has no method");
  /* Kept so that an unknown method can be logged and re-encoded; a name
   * with a NUL in it would read as a shorter, maybe known, name. */
  if (memchr (q, 0, q_len) == NULL)
    memcpy (msg->method_name, q, MIN (q_len, sizeof msg->method_name - 1));
  for (guint i = 1; i < G_N_ELEMENTS (method_names); i++)
    if (q_len == strlen (method_names[i]) && memcmp (q, method_names[i], q_len) == 0)
      msg->method = (ShoalDhtMethod) i;

  args = shoal_bencode_node_dict_lookup (root, "a");
  if (args == NULL || !shoal_bencode_node_is (args, SHOAL_BENCODE_DICT))
    return fail (error, SHOAL_DHT_MESSAGE_ERROR_MISSING_ARGUMENT, "The query has no arguments");
  if (!read_id (args, "id", msg->id, error))
    return FALSE;
  msg->has_id = TRUE;

  node = shoal_bencode_node_dict_lookup (args, "want");
  if (node != NULL && shoal_bencode_node_is (node, SHOAL_BENCODE_LIST))
    for (const ShoalBencodeNode *w = shoal_bencode_node_get_first (node); w != NULL;
         w = shoal_bencode_node_get_next (w))
      {
        if (!shoal_bencode_node_is (w, SHOAL_BENCODE_STRING))
          continue;
        if (shoal_bencode_node_string_equal (w, "n4"))
          msg->want |= SHOAL_DHT_WANT_N4;
        else if (shoal_bencode_node_string_equal (w, "n6"))
          msg->want |= SHOAL_DHT_WANT_N6;
      }

  switch (msg->method)
    {
    case SHOAL_DHT_METHOD_PING:
    case SHOAL_DHT_METHOD_UNKNOWN:
      return TRUE;
    case SHOAL_DHT_METHOD_FIND_NODE:
      return read_id (args, "target", msg->target, error);
    case SHOAL_DHT_METHOD_GET_PEERS:
      return read_id (args, "info_hash", msg->target, error);
    case SHOAL_DHT_METHOD_ANNOUNCE_PEER:
      {
        gint64 port;

        if (!read_id (args, "info_hash", msg->target, error) ||
            !read_token (args, msg, TRUE, error))
          return FALSE;
        node = shoal_bencode_node_dict_lookup (args, "implied_port");
        if (node != NULL && shoal_bencode_node_is (node, SHOAL_BENCODE_INTEGER))
          msg->implied_port = shoal_bencode_node_get_integer (node) != 0;
        node = shoal_bencode_node_dict_lookup (args, "port");
        if (node == NULL || !shoal_bencode_node_is (node, SHOAL_BENCODE_INTEGER))
          {
            if (msg->implied_port)
              return TRUE;
            return fail (error, SHOAL_DHT_MESSAGE_ERROR_MISSING_ARGUMENT,
                         "The announce has no port");
          }
        port = shoal_bencode_node_get_integer (node);
        if (port < 0 || port > 65535 || (port == 0 && !msg->implied_port))
          return fail (error, SHOAL_DHT_MESSAGE_ERROR_BAD_PORT, "The announced port is out of range");
        msg->port = (guint16) port;
        return TRUE;
      }
    default:
      g_assert_not_reached ();
    }
}

static gboolean
parse_response (const ShoalBencodeNode *root,
                ShoalDhtMessage        *msg,
                GError                **error)
{
  const ShoalBencodeNode *r = shoal_bencode_node_dict_lookup (root, "r");

  if (r == NULL || !shoal_bencode_node_is (r, SHOAL_BENCODE_DICT))
    return fail (error, SHOAL_DHT_MESSAGE_ERROR_MISSING_ARGUMENT, "The response has no “r”");
  if (!read_id (r, "id", msg->id, error))
    return FALSE;
  msg->has_id = TRUE;
  return read_token (r, msg, FALSE, error) &&
         read_nodes (r, "nodes", 4, msg, error) &&
         read_nodes (r, "nodes6", 6, msg, error) &&
         read_values (r, msg, error);
}

static gboolean
parse_error (const ShoalBencodeNode *root,
             ShoalDhtMessage        *msg,
             GError                **error)
{
  const ShoalBencodeNode *e = shoal_bencode_node_dict_lookup (root, "e");
  const ShoalBencodeNode *code;
  const ShoalBencodeNode *text;
  const guint8 *s;
  gsize len = 0;

  if (e == NULL || !shoal_bencode_node_is (e, SHOAL_BENCODE_LIST))
    return fail (error, SHOAL_DHT_MESSAGE_ERROR_BAD_ERROR, "The error has no “e” list");
  code = shoal_bencode_node_get_first (e);
  text = code != NULL ? shoal_bencode_node_get_next (code) : NULL;
  if (code == NULL || !shoal_bencode_node_is (code, SHOAL_BENCODE_INTEGER))
    return fail (error, SHOAL_DHT_MESSAGE_ERROR_BAD_ERROR, "The error has no code");
  msg->error_code = shoal_bencode_node_get_integer (code);
  if (text != NULL && shoal_bencode_node_is (text, SHOAL_BENCODE_STRING))
    {
      s = shoal_bencode_node_get_string (text, &len);
      msg->error_message = g_utf8_make_valid ((const char *) s,
                                              (gssize) MIN (len, SHOAL_DHT_MAX_ERROR_MESSAGE));
    }
  else
    msg->error_message = g_strdup ("");
  return TRUE;
}

/**
 * shoal_dht_message_parse:
 * @data: a datagram's payload
 * @len: its length
 * @msg: an initialized message to fill
 * @error: return location for a #SHOAL_DHT_MESSAGE_ERROR
 *
 * Parses one KRPC message. On failure @msg may still hold the transaction
 * id and type, so that a malformed query can be answered with a protocol
 * error (203); call shoal_dht_message_clear() in both cases.
 *
 * Returns: %TRUE if @msg holds a well-formed message
 */
gboolean
shoal_dht_message_parse (const guint8    *data,
                         gsize            len,
                         ShoalDhtMessage *msg,
                         GError         **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(ShoalBencode) doc = NULL;
  g_autoptr(GError) local_error = NULL;
  const ShoalBencodeNode *root;
  const guint8 *s;
  gsize s_len = 0;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (msg != NULL, FALSE);

  if (len > SHOAL_DHT_MAX_DATAGRAM)
    return fail (error, SHOAL_DHT_MESSAGE_ERROR_TOO_LARGE, "The datagram is too large");

  bytes = g_bytes_new (data, len);
  doc = shoal_bencode_parse_full (bytes, KRPC_MAX_DEPTH, KRPC_MAX_VALUES, FALSE, &local_error);
  if (doc == NULL)
    {
      g_set_error (error, SHOAL_DHT_MESSAGE_ERROR, SHOAL_DHT_MESSAGE_ERROR_BENCODE,
                   "The message is not valid bencode: %s", local_error->message);
      return FALSE;
    }
  root = shoal_bencode_get_root (doc);
  if (!shoal_bencode_node_is (root, SHOAL_BENCODE_DICT))
    return fail (error, SHOAL_DHT_MESSAGE_ERROR_NOT_A_DICT, "The message is not a dictionary");

  s = lookup_string (root, "t", &s_len);
  if (s == NULL || s_len == 0 || s_len > SHOAL_DHT_MAX_TID_LEN)
    return fail (error, SHOAL_DHT_MESSAGE_ERROR_BAD_TRANSACTION,
                 "The transaction id is missing or too long");
  memcpy (msg->tid, s, s_len);
  msg->tid_len = s_len;

  s = lookup_string (root, "v", &s_len);
  if (s != NULL && s_len <= SHOAL_DHT_MAX_VERSION_LEN)
    memcpy (msg->version, s, s_len);
  {
    const ShoalBencodeNode *ro = shoal_bencode_node_dict_lookup (root, "ro");

    msg->read_only = ro != NULL && shoal_bencode_node_is (ro, SHOAL_BENCODE_INTEGER) &&
                     shoal_bencode_node_get_integer (ro) == 1;
  }

  s = lookup_string (root, "y", &s_len);
  if (s == NULL || s_len != 1)
    return fail (error, SHOAL_DHT_MESSAGE_ERROR_BAD_TYPE, "The message type is missing");
  switch (s[0])
    {
    case 'q':
      msg->type = SHOAL_DHT_MESSAGE_QUERY;
      return parse_query (root, msg, error);
    case 'r':
      msg->type = SHOAL_DHT_MESSAGE_RESPONSE;
      return parse_response (root, msg, error);
    case 'e':
      msg->type = SHOAL_DHT_MESSAGE_ERROR_REPLY;
      return parse_error (root, msg, error);
    default:
      return fail (error, SHOAL_DHT_MESSAGE_ERROR_BAD_TYPE, "The message type is unknown");
    }
}

/* Encoding */

static void
write_id (ShoalBencodeWriter *w,
          const char         *key,
          const guint8       *id)
{
  shoal_bencode_writer_cstring (w, key);
  shoal_bencode_writer_string (w, id, SHOAL_DHT_ID_LEN);
}

static void
write_compact_nodes (ShoalBencodeWriter    *w,
                     const ShoalDhtMessage *msg,
                     guint8                 family)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();

  for (guint i = 0; msg->nodes != NULL && i < msg->nodes->len; i++)
    {
      const ShoalDhtNodeInfo *n = &g_array_index (msg->nodes, ShoalDhtNodeInfo, i);

      if (n->addr.family != family)
        continue;
      shoal_compact_node_append (buf, socket_family (family), n->id, n->addr.ip, n->addr.port);
    }
  if (buf->len == 0)
    return;
  shoal_bencode_writer_cstring (w, family == 4 ? "nodes" : "nodes6");
  shoal_bencode_writer_string (w, buf->data, buf->len);
}

static gboolean
has_nodes_of (const ShoalDhtMessage *msg,
              guint8                 family)
{
  for (guint i = 0; msg->nodes != NULL && i < msg->nodes->len; i++)
    if (g_array_index (msg->nodes, ShoalDhtNodeInfo, i).addr.family == family)
      return TRUE;
  return FALSE;
}

static void
write_query_args (ShoalBencodeWriter    *w,
                  const ShoalDhtMessage *msg)
{
  gboolean announce = msg->method == SHOAL_DHT_METHOD_ANNOUNCE_PEER;
  gboolean has_info_hash = announce || msg->method == SHOAL_DHT_METHOD_GET_PEERS;

  shoal_bencode_writer_begin_dict (w);
  write_id (w, "id", msg->id);
  if (announce && msg->implied_port)
    {
      shoal_bencode_writer_cstring (w, "implied_port");
      shoal_bencode_writer_integer (w, 1);
    }
  if (has_info_hash)
    write_id (w, "info_hash", msg->target);
  if (announce)
    {
      shoal_bencode_writer_cstring (w, "port");
      shoal_bencode_writer_integer (w, msg->port);
    }
  if (msg->method == SHOAL_DHT_METHOD_FIND_NODE)
    write_id (w, "target", msg->target);
  if (announce)
    {
      shoal_bencode_writer_cstring (w, "token");
      shoal_bencode_writer_string (w, msg->token, msg->token_len);
    }
  if (msg->want != SHOAL_DHT_WANT_NONE)
    {
      shoal_bencode_writer_cstring (w, "want");
      shoal_bencode_writer_begin_list (w);
      if (msg->want & SHOAL_DHT_WANT_N4)
        shoal_bencode_writer_cstring (w, "n4");
      if (msg->want & SHOAL_DHT_WANT_N6)
        shoal_bencode_writer_cstring (w, "n6");
      shoal_bencode_writer_end (w);
    }
  shoal_bencode_writer_end (w);
}

static void
write_response (ShoalBencodeWriter    *w,
                const ShoalDhtMessage *msg)
{
  shoal_bencode_writer_begin_dict (w);
  write_id (w, "id", msg->id);
  if (has_nodes_of (msg, 4))
    write_compact_nodes (w, msg, 4);
  if (has_nodes_of (msg, 6))
    write_compact_nodes (w, msg, 6);
  if (msg->token_len > 0)
    {
      shoal_bencode_writer_cstring (w, "token");
      shoal_bencode_writer_string (w, msg->token, msg->token_len);
    }
  if (msg->values != NULL && msg->values->len > 0)
    {
      shoal_bencode_writer_cstring (w, "values");
      shoal_bencode_writer_begin_list (w);
      for (guint i = 0; i < msg->values->len; i++)
        {
          const ShoalDhtAddr *a = &g_array_index (msg->values, ShoalDhtAddr, i);
          guint8 buf[SHOAL_COMPACT_ADDR_MAX_LEN];
          gsize len = shoal_compact_addr_encode (buf, socket_family (a->family), a->ip, a->port);

          shoal_bencode_writer_string (w, buf, len);
        }
      shoal_bencode_writer_end (w);
    }
  shoal_bencode_writer_end (w);
}

/**
 * shoal_dht_message_encode:
 * @msg: a message
 *
 * Encodes @msg with its dictionary keys in the order BEP 3 requires. For
 * queries only the arguments of @msg->method are written.
 *
 * Returns: (transfer full): the datagram payload
 */
GBytes *
shoal_dht_message_encode (const ShoalDhtMessage *msg)
{
  g_autoptr(ShoalBencodeWriter) w = shoal_bencode_writer_new ();
  const char *y;

  g_return_val_if_fail (msg != NULL, NULL);
  g_return_val_if_fail (msg->tid_len > 0 && msg->tid_len <= SHOAL_DHT_MAX_TID_LEN, NULL);

  shoal_bencode_writer_begin_dict (w);
  switch (msg->type)
    {
    case SHOAL_DHT_MESSAGE_QUERY:
      y = "q";
      shoal_bencode_writer_cstring (w, "a");
      write_query_args (w, msg);
      break;
    case SHOAL_DHT_MESSAGE_ERROR_REPLY:
      y = "e";
      shoal_bencode_writer_cstring (w, "e");
      shoal_bencode_writer_begin_list (w);
      shoal_bencode_writer_integer (w, msg->error_code);
      shoal_bencode_writer_cstring (w, msg->error_message != NULL ? msg->error_message : "");
      shoal_bencode_writer_end (w);
      break;
    case SHOAL_DHT_MESSAGE_RESPONSE:
      y = "r";
      break;
    case SHOAL_DHT_MESSAGE_UNKNOWN:
    default:
      g_return_val_if_reached (NULL);
    }
  if (msg->type == SHOAL_DHT_MESSAGE_QUERY)
    {
      shoal_bencode_writer_cstring (w, "q");
      shoal_bencode_writer_cstring (w, msg->method == SHOAL_DHT_METHOD_UNKNOWN ?
                                    msg->method_name : shoal_dht_method_to_string (msg->method));
    }
  if (msg->type == SHOAL_DHT_MESSAGE_RESPONSE)
    {
      shoal_bencode_writer_cstring (w, "r");
      write_response (w, msg);
    }
  if (msg->read_only)
    {
      shoal_bencode_writer_cstring (w, "ro");
      shoal_bencode_writer_integer (w, 1);
    }
  shoal_bencode_writer_cstring (w, "t");
  shoal_bencode_writer_string (w, msg->tid, msg->tid_len);
  if (msg->version[0] != '\0')
    {
      shoal_bencode_writer_cstring (w, "v");
      shoal_bencode_writer_string (w, msg->version, strnlen (msg->version, SHOAL_DHT_MAX_VERSION_LEN));
    }
  shoal_bencode_writer_cstring (w, "y");
  shoal_bencode_writer_cstring (w, y);
  shoal_bencode_writer_end (w);
  return shoal_bencode_writer_finish (w);
}

/* Addresses */

gsize
shoal_dht_addr_ip_len (const ShoalDhtAddr *addr)
{
  return addr->family == 6 ? 16 : 4;
}

gboolean
shoal_dht_addr_ip_equal (const ShoalDhtAddr *a,
                         const ShoalDhtAddr *b)
{
  return a->family == b->family && memcmp (a->ip, b->ip, shoal_dht_addr_ip_len (a)) == 0;
}

gboolean
shoal_dht_addr_equal (const ShoalDhtAddr *a,
                      const ShoalDhtAddr *b)
{
  return a->port == b->port && shoal_dht_addr_ip_equal (a, b);
}

guint
shoal_dht_addr_hash (const ShoalDhtAddr *addr)
{
  guint h = 2166136261u ^ addr->family;

  for (gsize i = 0; i < shoal_dht_addr_ip_len (addr); i++)
    h = (h ^ addr->ip[i]) * 16777619u;
  return (h ^ addr->port) * 16777619u;
}

/* The same two, for a GHashTable whose keys are (or start with) a
 * ShoalDhtAddr. */
guint
shoal_dht_addr_hash_func (gconstpointer key)
{
  return shoal_dht_addr_hash (key);
}

gboolean
shoal_dht_addr_equal_func (gconstpointer a,
                           gconstpointer b)
{
  return shoal_dht_addr_equal (a, b);
}

/**
 * shoal_dht_addr_from_socket_address:
 * @sa: a socket address
 * @out: (out): the address
 *
 * IPv4-mapped IPv6 addresses become IPv4 ones, so that a node reached over
 * a dual-stack socket is the same node as over an IPv4 one.
 *
 * Returns: %TRUE if @sa is an IPv4 or IPv6 socket address
 */
gboolean
shoal_dht_addr_from_socket_address (GSocketAddress *sa,
                                    ShoalDhtAddr   *out)
{
  GInetAddress *ia;
  const guint8 *bytes;
  gsize size;

  memset (out, 0, sizeof *out);
  if (!G_IS_INET_SOCKET_ADDRESS (sa))
    return FALSE;
  ia = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (sa));
  bytes = g_inet_address_to_bytes (ia);
  size = g_inet_address_get_native_size (ia);
  out->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (sa));
  if (size == 4)
    {
      out->family = 4;
      memcpy (out->ip, bytes, 4);
    }
  else if (size == 16)
    {
      static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

      if (memcmp (bytes, mapped, sizeof mapped) == 0)
        {
          out->family = 4;
          memcpy (out->ip, bytes + 12, 4);
        }
      else
        {
          out->family = 6;
          memcpy (out->ip, bytes, 16);
        }
    }
  else
    return FALSE;
  return TRUE;
}

GSocketAddress *
shoal_dht_addr_to_socket_address (const ShoalDhtAddr *addr)
{
  g_autoptr(GInetAddress) ia = NULL;

  ia = g_inet_address_new_from_bytes (addr->ip, addr->family == 6 ? G_SOCKET_FAMILY_IPV6
                                                                  : G_SOCKET_FAMILY_IPV4);
  return g_inet_socket_address_new (ia, addr->port);
}

char *
shoal_dht_addr_to_string (const ShoalDhtAddr *addr)
{
  g_autoptr(GInetAddress) ia = NULL;
  g_autofree char *ip = NULL;

  ia = g_inet_address_new_from_bytes (addr->ip, addr->family == 6 ? G_SOCKET_FAMILY_IPV6
                                                                  : G_SOCKET_FAMILY_IPV4);
  ip = g_inet_address_to_string (ia);
  if (addr->family == 6)
    return g_strdup_printf ("[%s]:%u", ip, addr->port);
  return g_strdup_printf ("%s:%u", ip, addr->port);
}

/**
 * shoal_dht_addr_is_usable:
 * @addr: an address read from the network
 *
 * Returns: %FALSE for addresses no node or peer can have: port 0, the
 *   unspecified address, multicast and broadcast
 */
gboolean
shoal_dht_addr_is_usable (const ShoalDhtAddr *addr)
{
  static const guint8 zero[16];

  if (addr->port == 0 || (addr->family != 4 && addr->family != 6))
    return FALSE;
  if (memcmp (addr->ip, zero, shoal_dht_addr_ip_len (addr)) == 0)
    return FALSE;
  if (addr->family == 4)
    return addr->ip[0] < 224;
  return addr->ip[0] != 0xff;
}

/**
 * shoal_dht_addr_is_loopback:
 * @addr: an address
 *
 * Only processes on this host can send from a loopback address (the kernel
 * drops such sources arriving from outside), so the per-IP limits of the
 * routing table and the peer store leave them out: several nodes and peers
 * on 127.0.0.1 are how a DHT is tested.
 *
 * Returns: whether @addr is in 127.0.0.0/8 or is ::1
 */
gboolean
shoal_dht_addr_is_loopback (const ShoalDhtAddr *addr)
{
  static const guint8 v6_loopback[16] = { [15] = 1 };

  if (addr->family == 4)
    return addr->ip[0] == 127;
  return addr->family == 6 && memcmp (addr->ip, v6_loopback, 16) == 0;
}

/**
 * shoal_dht_addr_same_subnet:
 * @a: an address
 * @b: another address
 *
 * The subnet one host or one customer of a provider most likely holds: a
 * /24 for IPv4, a /64 for IPv6 (the masks BEP 42 works with).
 *
 * Returns: whether @a and @b are of one family and one such subnet
 */
gboolean
shoal_dht_addr_same_subnet (const ShoalDhtAddr *a,
                            const ShoalDhtAddr *b)
{
  if (a->family != b->family)
    return FALSE;
  return memcmp (a->ip, b->ip, a->family == 6 ? 8 : 3) == 0;
}
