/* shoal-session-testing.h: knobs for tests and test front ends (private)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Not part of shoal-engine.h nor of the API. The engine never reads the
 * environment: a front end that offers these to its tests reads its own
 * variables (shoal-cli and the app: SHOAL_DHT_BOOTSTRAP, SHOAL_LSD=off;
 * shoal-cli also SHOAL_UDP_TRACKER_TIMEOUT_MS) and passes them here.
 * Include it after shoal-engine.h (front ends) or shoal-session.h (the
 * engine): it needs ShoalSession, and includes neither so that both may
 * use it.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * ShoalSessionTestHooks:
 * @udp_tracker_timeout_ms: the first wait for a UDP tracker's answer,
 *   doubled on each try (50 to 60000); 0 for BEP 15's 15 s
 * @dht_bootstrap: (nullable): comma-separated "host:port" DHT nodes used
 *   when the session was given none, or "none": either way the public
 *   routers are never used; %NULL changes nothing
 * @lsd_off: never start local discovery, whatever is asked (multicast
 *   stays inside the namespaces tests create)
 * @web_seed_retry_ms: the first wait before a failed web seed is asked
 *   again (10 ms to 5 min); 0 for the usual 5 s
 * @web_seed_stall_ms: how long a web seed request may go without progress
 *   (100 ms to 20 s); 0 for the usual 20 s
 * @port_mapping_off: never ask a router for a port mapping, whatever is
 *   asked (the machine's own router is no test's business)
 * @port_mapping_lease: the lease asked for, in seconds (4 to a day); 0
 *   for the usual hour
 * @port_mapping_no_pcp: ask in NAT-PMP, not PCP first (to test NAT-PMP
 *   against a router that speaks both)
 */
typedef struct
{
  guint       udp_tracker_timeout_ms;
  const char *dht_bootstrap;
  gboolean    lsd_off;
  guint       web_seed_retry_ms;
  guint       web_seed_stall_ms;
  gboolean    port_mapping_off;
  guint       port_mapping_lease;
  gboolean    port_mapping_no_pcp;
} ShoalSessionTestHooks;

/* Before shoal_session_start(); @hooks is copied. */
void                         _shoal_session_set_test_hooks (ShoalSession                *self,
                                                            const ShoalSessionTestHooks *hooks);
const ShoalSessionTestHooks *_shoal_session_get_test_hooks (ShoalSession                *self);

/* The network monitor whose network-metered the session follows (before
 * shoal_session_start(); default: g_network_monitor_get_default()), and
 * the clock the speed schedule reads (NULL: the real local time). */
void                         _shoal_session_set_network_monitor (ShoalSession    *self,
                                                                 GNetworkMonitor *monitor);
void                         _shoal_session_set_clock      (ShoalSession  *self,
                                                            GDateTime   *(*clock) (gpointer data),
                                                            gpointer       data);

/* How many torrent ticks the session ran so far: it ticks only the
 * torrents with something to do (shoal-session-ticks.c). */
guint64                      _shoal_session_get_n_torrent_ticks (ShoalSession *self);

/* How many DHT announces the torrents started (within the session's
 * budget per second), and when a torrent's next one is due (seconds from
 * now; 0 if due, -1 if it has none: no DHT, private). */
guint64                      _shoal_session_get_n_dht_announces (ShoalSession *self);
gint64                       _shoal_torrent_get_dht_announce_in (ShoalTorrent *torrent);

G_END_DECLS
