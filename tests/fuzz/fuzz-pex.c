/* fuzz-pex.c: the ut_pex codec and per-connection state (BEP 11)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: a ut_pex payload. A message that parses must respect the limits
 * and hold only usable peers; re-encoded, it must parse to the same peers;
 * and its peers fed to a connection's state as the connected set must come
 * out of the diff as a message of the same peers.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "shoal-pex.h"

static void
assert_same_peers (GArray *a,
                   GArray *b,
                   gboolean flags)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      const ShoalPexPeer *p = &g_array_index (a, ShoalPexPeer, i);
      const ShoalPexPeer *q = &g_array_index (b, ShoalPexPeer, i);

      g_assert_true (shoal_pex_peer_equal (p, q));
      g_assert_true (!flags || p->flags == q->flags);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree guint8 *copy = g_memdup2 (data, size);
  g_autoptr(ShoalPexMessage) msg = NULL;
  g_autoptr(ShoalPexMessage) again = NULL;
  g_autoptr(ShoalPexMessage) diff = NULL;
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autoptr(ShoalPexState) state = NULL;
  g_autoptr(GError) error = NULL;

  fuzz_set_up ();

  msg = shoal_pex_parse (copy, size, &error);
  if (msg == NULL)
    {
      g_assert_true (error != NULL && error->domain == SHOAL_PEX_ERROR);
      return 0;
    }
  g_assert_cmpuint (msg->added->len, <=, SHOAL_PEX_MAX_ADDED);
  g_assert_cmpuint (msg->dropped->len, <=, SHOAL_PEX_MAX_DROPPED);
  for (guint i = 0; i < msg->added->len + msg->dropped->len; i++)
    {
      const ShoalPexPeer *p = i < msg->added->len
                              ? &g_array_index (msg->added, ShoalPexPeer, i)
                              : &g_array_index (msg->dropped, ShoalPexPeer, i - msg->added->len);
      g_autoptr(GInetSocketAddress) addr = NULL;
      ShoalPexPeer back;

      g_assert_true (p->addr_len == 4 || p->addr_len == 16);
      g_assert_cmpuint (p->port, !=, 0);
      addr = shoal_pex_peer_to_address (p);
      g_assert_true (shoal_pex_peer_set_address (&back, addr, p->flags));
      g_assert_true (shoal_pex_peer_equal (&back, p));
    }

  shoal_pex_encode (wire, (const ShoalPexPeer *) (gpointer) msg->added->data, msg->added->len,
                    (const ShoalPexPeer *) (gpointer) msg->dropped->data, msg->dropped->len);
  again = shoal_pex_parse (wire->data, wire->len, &error);
  g_assert_no_error (error);
  g_assert_false (again->truncated);
  g_assert_cmpuint (again->skipped, ==, 0);
  assert_same_peers (msg->added, again->added, TRUE);
  assert_same_peers (msg->dropped, again->dropped, FALSE);

  /* The added peers as this torrent's connected set: all of them are news
   * to a fresh connection, and a minute later nothing is. */
  state = shoal_pex_state_new ();
  g_byte_array_set_size (wire, 0);
  if (shoal_pex_state_build (state, (const ShoalPexPeer *) (gpointer) msg->added->data,
                             msg->added->len, 0, wire))
    {
      diff = shoal_pex_parse (wire->data, wire->len, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (diff->dropped->len, ==, 0);
      g_assert_cmpuint (diff->added->len, <=, msg->added->len);
      g_assert_cmpuint (diff->added->len, >, 0);
    }
  else
    g_assert_cmpuint (msg->added->len, ==, 0);
  g_byte_array_set_size (wire, 0);
  g_assert_false (shoal_pex_state_build (state, (const ShoalPexPeer *) (gpointer) msg->added->data,
                                         msg->added->len, SHOAL_PEX_INTERVAL, wire));
  return 0;
}
