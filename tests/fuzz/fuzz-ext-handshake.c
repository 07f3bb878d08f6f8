/* fuzz-ext-handshake.c: the extension protocol handshake parser (BEP 10)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: an extended message's payload after extended id 0. A handshake
 * that parses must be bounded, survive a round trip through the encoder,
 * and its metadata size must be one the metadata fetcher accepts.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "shoal-peer-wire.h"
#include "shoal-ut-metadata.h"
#include "shoal-pex.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const guint8 hash[20] = { 1 };
  static int peer;
  g_autofree guint8 *copy = g_memdup2 (data, size);
  g_autoptr(ShoalPeerWireExtHandshake) hs = NULL;
  g_autoptr(ShoalPeerWireExtHandshake) again = NULL;
  g_autoptr(GByteArray) wire = NULL;
  g_autoptr(GError) error = NULL;

  fuzz_set_up ();

  hs = shoal_peer_wire_ext_handshake_parse (copy, size, &error);
  if (hs == NULL)
    {
      g_assert_true (error != NULL && error->domain == SHOAL_PEER_WIRE_ERROR);
      return 0;
    }

  g_assert_cmpuint (hs->n_extensions, <=, SHOAL_PEER_WIRE_MAX_EXTENSIONS);
  for (guint i = 0; i < hs->n_extensions; i++)
    {
      g_assert_nonnull (hs->extension_names[i]);
      g_assert_cmpuint (strlen (hs->extension_names[i]), <=, SHOAL_PEER_WIRE_MAX_EXTENSION_NAME);
      g_assert_cmpuint (hs->extension_ids[i], !=, 0);
      g_assert_cmpuint (shoal_peer_wire_ext_handshake_lookup (hs, hs->extension_names[i]), !=, 0);
    }
  g_assert_true (hs->client == NULL ||
                 (strlen (hs->client) <= SHOAL_PEER_WIRE_MAX_CLIENT_NAME &&
                  g_utf8_validate (hs->client, -1, NULL)));
  g_assert_cmpuint (hs->reqq, <=, SHOAL_PEER_WIRE_MAX_REQQ);
  g_assert_true (hs->yourip_len == 0 || hs->yourip_len == 4 || hs->yourip_len == 16);
  g_assert_true (hs->metadata_size == -1 ||
                 (hs->metadata_size > 0 && hs->metadata_size <= SHOAL_PEER_WIRE_MAX_METADATA_SIZE));

  /* What the engine does with it: look up the extensions it speaks, and
   * hand the metadata size to the fetcher, which must take it. */
  (void) shoal_peer_wire_ext_handshake_lookup (hs, SHOAL_UT_METADATA_NAME);
  (void) shoal_peer_wire_ext_handshake_lookup (hs, SHOAL_PEX_NAME);
  if (hs->metadata_size > 0)
    {
      g_autoptr(ShoalMetadataFetch) fetch = shoal_metadata_fetch_new (hash, NULL);
      guint32 piece;

      g_assert_true (shoal_metadata_fetch_set_size (fetch, &peer, hs->metadata_size, NULL));
      g_assert_true (shoal_metadata_fetch_next_request (fetch, &peer, 0, &piece));
      g_assert_cmpuint (piece, ==, 0);
    }

  wire = g_byte_array_new ();
  shoal_peer_wire_encode_ext_handshake (wire, hs);
  /* 4-byte length, id 20, extended id 0, then the dictionary. */
  g_assert_cmpuint (wire->len, >=, 6);
  again = shoal_peer_wire_ext_handshake_parse (wire->data + 6, wire->len - 6, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->n_extensions, ==, hs->n_extensions);
  for (guint i = 0; i < hs->n_extensions; i++)
    g_assert_cmpuint (shoal_peer_wire_ext_handshake_lookup (again, hs->extension_names[i]), ==,
                      hs->extension_ids[i]);
  g_assert_cmpstr (again->client, ==, hs->client);
  g_assert_cmpuint (again->listen_port, ==, hs->listen_port);
  g_assert_cmpuint (again->reqq, ==, hs->reqq);
  g_assert_cmpuint (again->yourip_len, ==, hs->yourip_len);
  g_assert_cmpmem (again->yourip, again->yourip_len, hs->yourip, hs->yourip_len);
  g_assert_cmpint (again->metadata_size, ==, hs->metadata_size);
  return 0;
}
