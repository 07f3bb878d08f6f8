/* shoal-session-privacy.c: not telling peers and trackers which client we are
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the session (shoal-session-internal.h): two settings that keep
 * the client's name and version out of what we send. Neither hides our
 * address: that takes a VPN or a proxy.
 */
#include "config.h"

#define SHOAL_SESSION_INSIDE
#include "shoal-session-internal.h"

gboolean
_shoal_session_get_hide_client_name (gpointer owner)
{
  return SHOAL_SESSION (owner)->hide_client_name;
}

/**
 * shoal_session_set_hide_client_name:
 * @self: a session
 * @hide: %TRUE to name no client
 *
 * Whether to leave out the client name and version: the `v` key of the
 * extension handshake (BEP 10) sent to peers and of DHT messages (BEP 5),
 * and the User-Agent header sent to HTTP trackers and web seeds. Off by default; applies to
 * connections and requests made from now on.
 */
void
shoal_session_set_hide_client_name (ShoalSession *self,
                                    gboolean      hide)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));

  self->hide_client_name = !!hide;
  soup_session_set_user_agent (self->soup, hide ? NULL : "Shoal/" PACKAGE_VERSION);
  if (self->dht != NULL)
    shoal_dht_set_hide_version (self->dht, hide);
}

gboolean
shoal_session_get_hide_client_name (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), FALSE);
  return self->hide_client_name;
}

/**
 * shoal_session_set_random_peer_id:
 * @self: a session
 * @random: %TRUE for a peer id of random characters only
 *
 * By default the peer id starts with Shoal's name and version
 * ("-SH0100-", Azureus style); with @random it is 20 random letters and
 * digits, made anew now. Set it before the session starts: peers and
 * trackers that saw the old id see a new client.
 */
void
shoal_session_set_random_peer_id (ShoalSession *self,
                                  gboolean      random)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));

  if (self->random_peer_id == !!random)
    return;
  self->random_peer_id = !!random;
  if (random)
    shoal_peer_wire_generate_random_peer_id (self->peer_id);
  else
    shoal_peer_wire_generate_peer_id (self->peer_id);
}

gboolean
shoal_session_get_random_peer_id (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), FALSE);
  return self->random_peer_id;
}
