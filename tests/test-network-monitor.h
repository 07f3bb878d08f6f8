/* test-network-monitor.h: a GNetworkMonitor whose "network-metered" a test
 * sets, for the metered-network policy (always available, full
 * connectivity, every address reachable).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TEST_TYPE_NETWORK_MONITOR (test_network_monitor_get_type ())
G_DECLARE_FINAL_TYPE (TestNetworkMonitor, test_network_monitor, TEST, NETWORK_MONITOR, GObject)

void test_network_monitor_set_metered (TestNetworkMonitor *self,
                                       gboolean            metered);

G_END_DECLS
