/* shoal-peer-wire-ext-handshake.c: the extension protocol handshake (BEP 10)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the peer wire codec (shoal-peer-wire.h): building, encoding and
 * parsing the extended handshake dictionary (message map, client name,
 * listen port, request queue, metadata size). Every field a peer sends is
 * bounded and checked before it is kept.
 */
#include "config.h"

#include <string.h>

#include "shoal-bencode.h"
#include "shoal-peer-wire.h"

ShoalPeerWireExtHandshake *
shoal_peer_wire_ext_handshake_new (void)
{
  ShoalPeerWireExtHandshake *self = g_new0 (ShoalPeerWireExtHandshake, 1);

  self->metadata_size = -1;
  return self;
}

void
shoal_peer_wire_ext_handshake_free (ShoalPeerWireExtHandshake *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->n_extensions; i++)
    g_free (self->extension_names[i]);
  g_free (self->client);
  g_free (self);
}

static gboolean
extension_name_is_valid (const char *name,
                         gsize       len)
{
  return len > 0 && len <= SHOAL_PEER_WIRE_MAX_EXTENSION_NAME &&
         memchr (name, '\0', len) == NULL && g_utf8_validate (name, (gssize) len, NULL);
}

/**
 * shoal_peer_wire_ext_handshake_add:
 * @self: an extension handshake
 * @name: the extension's name, such as "ut_metadata"
 * @id: the id to receive it with, or 0 to remove it
 *
 * Returns: %FALSE if @name is empty, too long or not UTF-8, or the table is
 *   full
 */
gboolean
shoal_peer_wire_ext_handshake_add (ShoalPeerWireExtHandshake *self,
                                   const char                *name,
                                   guint8                     id)
{
  guint i;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (!extension_name_is_valid (name, strlen (name)))
    return FALSE;

  for (i = 0; i < self->n_extensions; i++)
    if (strcmp (self->extension_names[i], name) == 0)
      break;

  if (id == 0)
    {
      if (i < self->n_extensions)
        {
          g_free (self->extension_names[i]);
          self->n_extensions--;
          self->extension_names[i] = self->extension_names[self->n_extensions];
          self->extension_ids[i] = self->extension_ids[self->n_extensions];
        }
      return TRUE;
    }

  if (i == self->n_extensions)
    {
      if (self->n_extensions >= SHOAL_PEER_WIRE_MAX_EXTENSIONS)
        return FALSE;
      self->extension_names[i] = g_strdup (name);
      self->n_extensions++;
    }
  self->extension_ids[i] = id;
  return TRUE;
}

/**
 * shoal_peer_wire_ext_handshake_lookup:
 * @self: an extension handshake
 * @name: an extension name
 *
 * Returns: the id @self gives @name, or 0 if it does not support it
 */
guint8
shoal_peer_wire_ext_handshake_lookup (const ShoalPeerWireExtHandshake *self,
                                      const char                      *name)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (name != NULL, 0);

  for (guint i = 0; i < self->n_extensions; i++)
    if (strcmp (self->extension_names[i], name) == 0)
      return self->extension_ids[i];
  return 0;
}

/* Peers put anything in `v`; what we keep is short, valid UTF-8 without
 * control characters, fit to show in a peer list or log. */
static char *
sanitize_client_name (const guint8 *data,
                      gsize         len)
{
  g_autofree char *copy = NULL;
  char *valid;
  gsize valid_len;

  len = MIN (len, SHOAL_PEER_WIRE_MAX_CLIENT_NAME);
  copy = g_malloc (len + 1);
  for (gsize i = 0; i < len; i++)
    copy[i] = (data[i] < 0x20 || data[i] == 0x7f) ? '?' : (char) data[i];
  copy[len] = '\0';

  valid = g_utf8_make_valid (copy, (gssize) len);
  /* Replacement characters can make it longer: cut on a character
   * boundary. */
  valid_len = strlen (valid);
  if (valid_len > SHOAL_PEER_WIRE_MAX_CLIENT_NAME)
    {
      char *end = g_utf8_find_prev_char (valid, valid + SHOAL_PEER_WIRE_MAX_CLIENT_NAME + 1);

      *end = '\0';
    }
  return valid;
}

/**
 * shoal_peer_wire_ext_handshake_set_client:
 * @self: an extension handshake
 * @client: (nullable): the client name to send as `v`
 */
void
shoal_peer_wire_ext_handshake_set_client (ShoalPeerWireExtHandshake *self,
                                          const char                *client)
{
  g_return_if_fail (self != NULL);
  g_clear_pointer (&self->client, g_free);
  if (client != NULL)
    self->client = sanitize_client_name ((const guint8 *) client, strlen (client));
}

static int
compare_names (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const ShoalPeerWireExtHandshake *hs = user_data;

  return strcmp (hs->extension_names[*(const guint *) a],
                 hs->extension_names[*(const guint *) b]);
}

/**
 * shoal_peer_wire_encode_ext_handshake:
 * @out: where to append
 * @handshake: what to announce
 *
 * Appends a whole extended message with id 0 carrying the BEP 10
 * handshake dictionary, keys sorted as bencode requires.
 */
void
shoal_peer_wire_encode_ext_handshake (GByteArray                      *out,
                                      const ShoalPeerWireExtHandshake *handshake)
{
  g_autoptr(ShoalBencodeWriter) writer = NULL;
  g_autoptr(GBytes) dict = NULL;
  guint order[SHOAL_PEER_WIRE_MAX_EXTENSIONS];
  const guint8 *data;
  gsize len;

  g_return_if_fail (out != NULL);
  g_return_if_fail (handshake != NULL);
  g_return_if_fail (handshake->n_extensions <= SHOAL_PEER_WIRE_MAX_EXTENSIONS);

  for (guint i = 0; i < handshake->n_extensions; i++)
    order[i] = i;
  g_qsort_with_data (order, handshake->n_extensions, sizeof order[0],
                     compare_names, (gpointer) handshake);

  /* Top-level keys in byte order: m, metadata_size, p, reqq, v, yourip. */
  writer = shoal_bencode_writer_new ();
  shoal_bencode_writer_begin_dict (writer);

  shoal_bencode_writer_cstring (writer, "m");
  shoal_bencode_writer_begin_dict (writer);
  for (guint i = 0; i < handshake->n_extensions; i++)
    {
      shoal_bencode_writer_cstring (writer, handshake->extension_names[order[i]]);
      shoal_bencode_writer_integer (writer, handshake->extension_ids[order[i]]);
    }
  shoal_bencode_writer_end (writer);

  if (handshake->metadata_size > 0)
    {
      shoal_bencode_writer_cstring (writer, "metadata_size");
      shoal_bencode_writer_integer (writer, handshake->metadata_size);
    }
  if (handshake->listen_port != 0)
    {
      shoal_bencode_writer_cstring (writer, "p");
      shoal_bencode_writer_integer (writer, handshake->listen_port);
    }
  if (handshake->reqq != 0)
    {
      shoal_bencode_writer_cstring (writer, "reqq");
      shoal_bencode_writer_integer (writer, handshake->reqq);
    }
  if (handshake->client != NULL)
    {
      shoal_bencode_writer_cstring (writer, "v");
      shoal_bencode_writer_cstring (writer, handshake->client);
    }
  if (handshake->yourip_len == 4 || handshake->yourip_len == 16)
    {
      shoal_bencode_writer_cstring (writer, "yourip");
      shoal_bencode_writer_string (writer, handshake->yourip, handshake->yourip_len);
    }
  shoal_bencode_writer_end (writer);

  dict = shoal_bencode_writer_finish (writer);
  data = g_bytes_get_data (dict, &len);
  shoal_peer_wire_encode_extended (out, 0, data, len);
}

static gboolean
ext_fail (GError    **error,
          const char *format,
          ...) G_GNUC_PRINTF (2, 3);

static gboolean
ext_fail (GError    **error,
          const char *format,
          ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_EXTENSION,
               "Peer sent a bad extension handshake: %s", message);
  return FALSE;
}

static gboolean
parse_extension_map (ShoalPeerWireExtHandshake  *hs,
                     const ShoalBencodeNode     *m,
                     GError                    **error)
{
  const ShoalBencodeNode *k;

  if (!shoal_bencode_node_is (m, SHOAL_BENCODE_DICT))
    return ext_fail (error, "“m” is not a dictionary");
  if (shoal_bencode_node_get_n_children (m) / 2 > SHOAL_PEER_WIRE_MAX_EXTENSIONS)
    return ext_fail (error, "%u extensions (limit %d)",
                     shoal_bencode_node_get_n_children (m) / 2,
                     SHOAL_PEER_WIRE_MAX_EXTENSIONS);

  for (k = shoal_bencode_node_get_first (m); k != NULL; )
    {
      const ShoalBencodeNode *v = shoal_bencode_node_get_next (k);
      gsize name_len;
      const char *name = (const char *) shoal_bencode_node_get_string (k, &name_len);
      gint64 id;

      k = shoal_bencode_node_get_next (v);

      /* Entries we could not use anyway (odd names, non-integer ids) are
       * skipped rather than failing the connection. */
      if (!shoal_bencode_node_is (v, SHOAL_BENCODE_INTEGER) ||
          !extension_name_is_valid (name, name_len))
        continue;

      id = shoal_bencode_node_get_integer (v);
      if (id < 0 || id > 255)
        {
          g_autofree char *shown = g_strndup (name, name_len);

          return ext_fail (error, "extension “%s” has id %" G_GINT64_FORMAT
                           " (must be 0 to 255)", shown, id);
        }
      /* Id 0 means the peer does not (or no longer) support it. */
      if (id == 0)
        continue;

      hs->extension_names[hs->n_extensions] = g_strndup (name, name_len);
      hs->extension_ids[hs->n_extensions] = (guint8) id;
      hs->n_extensions++;
    }
  return TRUE;
}

/**
 * shoal_peer_wire_ext_handshake_parse:
 * @payload: (array length=len): an extended message's payload after the
 *   extended id 0
 * @len: its length
 * @error: return location for a #SHOAL_PEER_WIRE_ERROR
 *
 * Parses a BEP 10 handshake, bounding everything in it: at most
 * %SHOAL_PEER_WIRE_MAX_EXTENSIONS extensions with ids 0 to 255 (0 entries
 * are dropped), `v` cut to %SHOAL_PEER_WIRE_MAX_CLIENT_NAME bytes of clean
 * UTF-8, `reqq` clamped to 1..%SHOAL_PEER_WIRE_MAX_REQQ, `p` kept only if
 * it is a port, `yourip` only if it is 4 or 16 bytes, and `metadata_size`
 * at most %SHOAL_PEER_WIRE_MAX_METADATA_SIZE. Unknown keys are ignored.
 *
 * Returns: (transfer full): the handshake, or %NULL with @error set
 */
ShoalPeerWireExtHandshake *
shoal_peer_wire_ext_handshake_parse (const guint8  *payload,
                                     gsize          len,
                                     GError       **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(ShoalBencode) doc = NULL;
  g_autoptr(ShoalPeerWireExtHandshake) hs = NULL;
  g_autoptr(GError) local_error = NULL;
  const ShoalBencodeNode *root;
  const ShoalBencodeNode *node;

  g_return_val_if_fail (payload != NULL || len == 0, NULL);

  if (len == 0)
    {
      ext_fail (error, "it is empty");
      return NULL;
    }
  if (len > SHOAL_PEER_WIRE_DEFAULT_MAX_EXTENDED)
    {
      ext_fail (error, "it is %" G_GSIZE_FORMAT " bytes long", len);
      return NULL;
    }

  /* The document does not outlive this function, nor do these bytes. */
  bytes = g_bytes_new_static (payload, len);
  doc = shoal_bencode_parse_full (bytes, 8, 1024, FALSE, &local_error);
  if (doc == NULL)
    {
      ext_fail (error, "%s", local_error->message);
      return NULL;
    }

  root = shoal_bencode_get_root (doc);
  if (!shoal_bencode_node_is (root, SHOAL_BENCODE_DICT))
    {
      ext_fail (error, "it is not a dictionary");
      return NULL;
    }

  hs = shoal_peer_wire_ext_handshake_new ();

  node = shoal_bencode_node_dict_lookup (root, "m");
  if (node != NULL && !parse_extension_map (hs, node, error))
    return NULL;

  node = shoal_bencode_node_dict_lookup (root, "v");
  if (shoal_bencode_node_is (node, SHOAL_BENCODE_STRING))
    {
      gsize v_len;
      const guint8 *v = shoal_bencode_node_get_string (node, &v_len);

      hs->client = sanitize_client_name (v, v_len);
    }

  node = shoal_bencode_node_dict_lookup (root, "p");
  if (shoal_bencode_node_is (node, SHOAL_BENCODE_INTEGER))
    {
      gint64 p = shoal_bencode_node_get_integer (node);

      if (p > 0 && p <= G_MAXUINT16)
        hs->listen_port = (guint16) p;
    }

  node = shoal_bencode_node_dict_lookup (root, "reqq");
  if (shoal_bencode_node_is (node, SHOAL_BENCODE_INTEGER))
    hs->reqq = (guint32) CLAMP (shoal_bencode_node_get_integer (node), 1, SHOAL_PEER_WIRE_MAX_REQQ);

  node = shoal_bencode_node_dict_lookup (root, "yourip");
  if (shoal_bencode_node_is (node, SHOAL_BENCODE_STRING))
    {
      gsize ip_len;
      const guint8 *ip = shoal_bencode_node_get_string (node, &ip_len);

      if (ip_len == 4 || ip_len == 16)
        {
          memcpy (hs->yourip, ip, ip_len);
          hs->yourip_len = ip_len;
        }
    }

  node = shoal_bencode_node_dict_lookup (root, "metadata_size");
  if (shoal_bencode_node_is (node, SHOAL_BENCODE_INTEGER))
    {
      gint64 size = shoal_bencode_node_get_integer (node);

      if (size < 0 || size > SHOAL_PEER_WIRE_MAX_METADATA_SIZE)
        {
          ext_fail (error, "metadata size %" G_GINT64_FORMAT " is out of range "
                    "(limit %d bytes)", size, SHOAL_PEER_WIRE_MAX_METADATA_SIZE);
          return NULL;
        }
      /* Peers without the metadata yet sometimes announce 0. */
      if (size > 0)
        hs->metadata_size = size;
    }

  return g_steal_pointer (&hs);
}
