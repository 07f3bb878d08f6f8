/* shoal-port-mapping-row.h: Preferences › Network: port forwarding on the
 * router and the port test
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "shoal-engine.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_PORT_MAPPING_ROW (shoal_port_mapping_row_get_type ())
G_DECLARE_FINAL_TYPE (ShoalPortMappingRow, shoal_port_mapping_row, SHOAL, PORT_MAPPING_ROW, AdwExpanderRow)

GtkWidget *shoal_port_mapping_row_new (GSettings    *settings,
                                       ShoalSession *session);

G_END_DECLS
