/* shoal-port-mapping-row.c: Preferences › Network: port forwarding on the
 * router and the port test
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An expander row whose switch is the enable-port-mapping key; inside,
 * what the session says: the mapping (or why there is none), the address
 * and port peers outside reach us at, and whether one did lately.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-port-mapping-row.h"

struct _ShoalPortMappingRow
{
  AdwExpanderRow  parent_instance;

  ShoalSession   *session;  /* NULL: the engine did not start */
  AdwActionRow   *status_row;
  AdwActionRow   *address_row;
  AdwActionRow   *test_row;
};

G_DEFINE_FINAL_TYPE (ShoalPortMappingRow, shoal_port_mapping_row, ADW_TYPE_EXPANDER_ROW)

static const char *
state_title (ShoalPortMappingState state)
{
  switch (state)
    {
    case SHOAL_PORT_MAPPING_UPNP:
      return _("Forwarded by UPnP");
    case SHOAL_PORT_MAPPING_NATPMP:
      return _("Forwarded by NAT-PMP");
    case SHOAL_PORT_MAPPING_PCP:
      return _("Forwarded by PCP");
    case SHOAL_PORT_MAPPING_PENDING:
      return _("Asking the Router…");
    case SHOAL_PORT_MAPPING_NOT_MAPPED:
      return _("Not Forwarded");
    case SHOAL_PORT_MAPPING_OFF:
    default:
      return _("Off");
    }
}

static void
update (ShoalPortMappingRow *self)
{
  ShoalPortMappingState state = SHOAL_PORT_MAPPING_OFF;
  const char *reason = NULL;
  const char *address = NULL;
  guint port = 0;
  gboolean reached = FALSE;
  g_autofree char *outside = NULL;

  if (self->session != NULL)
    {
      state = shoal_session_get_port_mapping_state (self->session);
      reason = shoal_session_get_port_mapping_reason (self->session);
      address = shoal_session_get_external_address (self->session);
      port = shoal_session_get_external_port (self->session);
      reached = shoal_session_get_incoming_reachable (self->session);
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->status_row), state_title (state));
  /* The engine's sentence names the router's answer (in English). */
  adw_action_row_set_subtitle (self->status_row, reason != NULL ? reason : "");
  if (address != NULL && port != 0)
    outside = g_strdup_printf ("%s:%u", address, port);
  else if (address != NULL)
    outside = g_strdup (address);
  adw_action_row_set_subtitle (self->address_row, outside != NULL ? outside : _("Unknown"));
  adw_action_row_set_subtitle (self->test_row,
                               reached ? _("A peer reached Shoal from outside in the last 30 minutes")
                                       : _("No peer has reached Shoal from outside lately"));
}

static AdwActionRow *
add_info_row (ShoalPortMappingRow *self,
              const char          *title)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (self), GTK_WIDGET (row));
  return row;
}

static void
shoal_port_mapping_row_dispose (GObject *object)
{
  ShoalPortMappingRow *self = SHOAL_PORT_MAPPING_ROW (object);

  g_clear_object (&self->session);
  G_OBJECT_CLASS (shoal_port_mapping_row_parent_class)->dispose (object);
}

static void
shoal_port_mapping_row_class_init (ShoalPortMappingRowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = shoal_port_mapping_row_dispose;
}

static void
shoal_port_mapping_row_init (ShoalPortMappingRow *self)
{
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), _("_Forward the Port on the Router"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (self), TRUE);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (self), _("By UPnP, NAT-PMP or PCP, so that peers can connect to Shoal"));
  adw_expander_row_set_show_enable_switch (ADW_EXPANDER_ROW (self), TRUE);
  self->status_row = add_info_row (self, _("Off"));
  self->address_row = add_info_row (self, _("Address Seen from Outside"));
  self->test_row = add_info_row (self, _("Port Test"));
}

/**
 * shoal_port_mapping_row_new:
 * @settings: the app's settings (enable-port-mapping)
 * @session: (nullable): the running session, whose mapping is shown
 *
 * Returns: (transfer floating): a new row for Preferences › Network
 */
GtkWidget *
shoal_port_mapping_row_new (GSettings    *settings,
                            ShoalSession *session)
{
  ShoalPortMappingRow *self = g_object_new (SHOAL_TYPE_PORT_MAPPING_ROW, NULL);
  static const char *const notifies[] = {
    "notify::port-mapping-state", "notify::port-mapping-reason", "notify::external-address",
    "notify::external-port", "notify::incoming-reachable",
  };

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  g_settings_bind (settings, "enable-port-mapping", self, "enable-expansion", G_SETTINGS_BIND_DEFAULT);
  if (session != NULL)
    {
      self->session = g_object_ref (session);
      for (guint i = 0; i < G_N_ELEMENTS (notifies); i++)
        g_signal_connect_object (session, notifies[i], G_CALLBACK (update), self, G_CONNECT_SWAPPED);
    }
  update (self);
  return GTK_WIDGET (self);
}
