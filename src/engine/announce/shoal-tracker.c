/* shoal-tracker.c: tracker announce/scrape types shared by HTTP and UDP
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-compact-addr.h"
#include "shoal-tracker.h"

G_DEFINE_QUARK (shoal-tracker-error-quark, shoal_tracker_error)

/**
 * shoal_tracker_event_to_string:
 * @event: an announce event
 *
 * Returns the value of the HTTP `event` parameter for @event.
 *
 * Returns: the event name, or %NULL for %SHOAL_TRACKER_EVENT_NONE, which is
 *   announced by leaving the parameter out
 */
const char *
shoal_tracker_event_to_string (ShoalTrackerEvent event)
{
  switch (event)
    {
    case SHOAL_TRACKER_EVENT_STARTED:
      return "started";
    case SHOAL_TRACKER_EVENT_COMPLETED:
      return "completed";
    case SHOAL_TRACKER_EVENT_STOPPED:
      return "stopped";
    case SHOAL_TRACKER_EVENT_NONE:
    default:
      return NULL;
    }
}

/**
 * shoal_tracker_response_new:
 *
 * Creates an empty response with every optional count unset (-1).
 *
 * Returns: (transfer full): a new response; free it with
 *   shoal_tracker_response_free()
 */
ShoalTrackerResponse *
shoal_tracker_response_new (void)
{
  ShoalTrackerResponse *self = g_new0 (ShoalTrackerResponse, 1);

  self->min_interval = -1;
  self->seeders = -1;
  self->leechers = -1;
  self->peers = g_array_new (FALSE, TRUE, sizeof (ShoalTrackerPeer));
  return self;
}

/**
 * shoal_tracker_response_free:
 * @self: (nullable): a response
 *
 * Frees @self and everything it owns.
 */
void
shoal_tracker_response_free (ShoalTrackerResponse *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->tracker_id, g_free);
  g_clear_pointer (&self->warning, g_free);
  g_clear_pointer (&self->peers, g_array_unref);
  g_free (self);
}

/**
 * shoal_tracker_response_add_peer:
 * @self: a response
 * @peer: the peer to add
 *
 * Appends @peer unless it has port 0 (nobody can connect to it) or the
 * response already holds %SHOAL_TRACKER_MAX_PEERS peers.
 *
 * Returns: %TRUE if @peer was added
 */
gboolean
shoal_tracker_response_add_peer (ShoalTrackerResponse   *self,
                                 const ShoalTrackerPeer *peer)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (peer != NULL, FALSE);

  if (peer->port == 0 || self->peers->len >= SHOAL_TRACKER_MAX_PEERS)
    return FALSE;
  g_array_append_vals (self->peers, peer, 1);
  return TRUE;
}

/**
 * shoal_tracker_response_add_compact_peers:
 * @self: a response
 * @data: compact peer entries (BEP 23 for IPv4, BEP 7 for IPv6)
 * @len: length of @data
 * @family: %G_SOCKET_FAMILY_IPV4 (6 bytes per peer) or
 *   %G_SOCKET_FAMILY_IPV6 (18 bytes per peer)
 * @error: return location for a #GError
 *
 * Appends the peers of a compact list: address then port, both in network
 * byte order. Entries with port 0 and entries past the peer limit are
 * skipped.
 *
 * Returns: %TRUE on success, %FALSE if @len is not a multiple of the entry
 *   size
 */
gboolean
shoal_tracker_response_add_compact_peers (ShoalTrackerResponse *self,
                                          const guint8         *data,
                                          gsize                 len,
                                          GSocketFamily         family,
                                          GError              **error)
{
  gsize entry_len;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (family == G_SOCKET_FAMILY_IPV4 || family == G_SOCKET_FAMILY_IPV6, FALSE);

  entry_len = shoal_compact_addr_len (family);
  if (len % entry_len != 0)
    {
      g_set_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_MALFORMED,
                   "Compact %s peer list of %" G_GSIZE_FORMAT " bytes is not a multiple of %" G_GSIZE_FORMAT,
                   shoal_compact_addr_family_name (family), len, entry_len);
      return FALSE;
    }

  for (gsize off = 0; off < len && self->peers->len < SHOAL_TRACKER_MAX_PEERS; off += entry_len)
    {
      ShoalTrackerPeer peer = { 0, };

      peer.family = family;
      shoal_compact_addr_decode (data + off, family, peer.addr, &peer.port);
      shoal_tracker_response_add_peer (self, &peer);
    }
  return TRUE;
}

/**
 * shoal_tracker_peer_to_socket_address:
 * @peer: a peer
 *
 * Converts @peer to a socket address to connect to.
 *
 * Returns: (transfer full): a new #GInetSocketAddress
 */
GSocketAddress *
shoal_tracker_peer_to_socket_address (const ShoalTrackerPeer *peer)
{
  g_autoptr(GInetAddress) addr = NULL;

  g_return_val_if_fail (peer != NULL, NULL);

  addr = g_inet_address_new_from_bytes (peer->addr, peer->family);
  return g_inet_socket_address_new (addr, peer->port);
}

/**
 * shoal_tracker_peer_to_string:
 * @peer: a peer
 *
 * Formats @peer as `1.2.3.4:5` or `[::1]:5`, for logs and tests.
 *
 * Returns: (transfer full): a newly allocated string
 */
gchar *
shoal_tracker_peer_to_string (const ShoalTrackerPeer *peer)
{
  g_autoptr(GInetAddress) addr = NULL;
  g_autofree gchar *str = NULL;

  g_return_val_if_fail (peer != NULL, NULL);

  addr = g_inet_address_new_from_bytes (peer->addr, peer->family);
  str = g_inet_address_to_string (addr);
  if (peer->family == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", str, peer->port);
  return g_strdup_printf ("%s:%u", str, peer->port);
}

/**
 * shoal_tracker_sanitize_text:
 * @data: bytes of a message sent by a tracker
 * @len: length of @data
 *
 * Turns a message from a tracker (failure reason, warning) into text that is
 * safe to show: at most %SHOAL_TRACKER_MAX_TEXT bytes, valid UTF-8, with
 * control characters replaced by spaces.
 *
 * Returns: (transfer full): a newly allocated string
 */
gchar *
shoal_tracker_sanitize_text (const guint8 *data,
                             gsize         len)
{
  g_autofree gchar *valid = NULL;
  gsize n = MIN (len, (gsize) SHOAL_TRACKER_MAX_TEXT);

  valid = g_utf8_make_valid ((const gchar *) data, (gssize) n);
  for (gchar *p = valid; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return g_strstrip (g_steal_pointer (&valid));
}
