/* shoal-session-blocklist.c: the session's IP blocklist
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the session (shoal-session-internal.h): the blocklist
 * (ipfilter/) a session holds once one is set, asked before every peer is
 * dialled (shoal-torrent-connections.c, through the torrent services) and
 * when a peer connects (shoal-session-listen.c), and the count of peers it
 * kept out.
 */
#include "config.h"

#define SHOAL_SESSION_INSIDE
#include "shoal-session-internal.h"

/* Whether @address is on the blocklist; a blocked one is counted. */
gboolean
_shoal_session_is_blocked (gpointer      owner,
                           GInetAddress *address)
{
  ShoalSession *self = owner;

  if (self->ip_filter == NULL || !shoal_ip_filter_is_blocked (self->ip_filter, address))
    return FALSE;
  self->n_blocked++;
  if (g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN) == FALSE)
    {
      g_autofree char *ip = g_inet_address_to_string (address);

      g_debug ("%s is on the blocklist", ip);
    }
  return TRUE;
}

/* A list is set but not loaded yet: nobody is dialled nor accepted. */
gboolean
_shoal_session_blocklist_pending (gpointer owner)
{
  ShoalSession *self = owner;

  return self->ip_filter != NULL && shoal_ip_filter_is_pending (self->ip_filter);
}

void
_shoal_session_clear_blocklist (ShoalSession *self)
{
  if (self->ip_filter != NULL)
    shoal_ip_filter_set_source (self->ip_filter, NULL);
  g_clear_object (&self->ip_filter);
}

/**
 * shoal_session_set_blocklist:
 * @self: a session
 * @source: (nullable): a file (P2P, eMule DAT or CIDR lines, gzip or
 *   not), or an http(s) URL of one; %NULL blocks nothing
 *
 * Peers whose address is on the list are neither dialled nor accepted.
 * The list is loaded in the background, and again once a day; a load that
 * fails is logged and keeps the previous list.
 */
void
shoal_session_set_blocklist (ShoalSession *self,
                             const char   *source)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));

  if (self->ip_filter == NULL)
    {
      if (source == NULL)
        return;
      self->ip_filter = shoal_ip_filter_new (self->soup);
    }
  shoal_ip_filter_set_source (self->ip_filter, source);
}

/**
 * shoal_session_get_blocklist:
 * @self: a session
 *
 * Returns: (nullable): the blocklist's file or URL, or %NULL
 */
const char *
shoal_session_get_blocklist (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), NULL);
  return self->ip_filter != NULL ? shoal_ip_filter_get_source (self->ip_filter) : NULL;
}

/**
 * shoal_session_get_blocklist_n_ranges:
 * @self: a session
 *
 * Returns: how many address ranges the blocklist in use holds (after
 *   merging overlapping ones); 0 until it is loaded
 */
guint
shoal_session_get_blocklist_n_ranges (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), 0);
  return self->ip_filter != NULL ? shoal_ip_filter_get_n_ranges (self->ip_filter) : 0;
}

/**
 * shoal_session_get_n_blocked_peers:
 * @self: a session
 *
 * Returns: how many times a peer was refused, or not dialled, because its
 *   address is on the blocklist
 */
guint64
shoal_session_get_n_blocked_peers (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), 0);
  return self->n_blocked;
}
