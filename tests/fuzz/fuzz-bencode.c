/* fuzz-bencode.c: fuzz target for the bencode decoder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "fuzz.h"
#include "shoal-bencode.h"

static void
walk (const ShoalBencodeNode *node,
      guint                   depth)
{
  const ShoalBencodeNode *child;
  gsize len;

  g_assert (depth <= SHOAL_BENCODE_DEFAULT_MAX_DEPTH);
  shoal_bencode_node_get_raw (node, &len);
  g_assert (len >= 2);
  switch (shoal_bencode_node_get_type (node))
    {
    case SHOAL_BENCODE_INTEGER:
      (void) shoal_bencode_node_get_integer (node);
      break;
    case SHOAL_BENCODE_STRING:
      (void) shoal_bencode_node_get_string (node, &len);
      break;
    case SHOAL_BENCODE_LIST:
    case SHOAL_BENCODE_DICT:
      for (child = shoal_bencode_node_get_first (node); child; child = shoal_bencode_node_get_next (child))
        walk (child, depth + 1);
      break;
    default:
      g_assert_not_reached ();
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(ShoalBencode) doc = NULL;
  g_autoptr(ShoalBencode) again = NULL;
  g_autoptr(ShoalBencodeWriter) writer = NULL;
  g_autoptr(GBytes) out = NULL;

  fuzz_set_up ();
  doc = shoal_bencode_parse (bytes, NULL);
  if (doc == NULL)
    return 0;

  walk (shoal_bencode_get_root (doc), 0);

  /* Whatever parses must re-encode to the same bytes and parse again. */
  writer = shoal_bencode_writer_new ();
  shoal_bencode_writer_node (writer, shoal_bencode_get_root (doc));
  out = shoal_bencode_writer_finish (writer);
  g_assert (g_bytes_equal (out, bytes));
  again = shoal_bencode_parse (out, NULL);
  g_assert (again != NULL);
  g_assert_cmpuint (shoal_bencode_get_n_values (again), ==, shoal_bencode_get_n_values (doc));
  return 0;
}
