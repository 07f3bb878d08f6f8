/* shoal-network-banner.c: why transfers stopped, over the torrent list
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bound to a network interface (Preferences › Privacy), the session stops
 * every transfer while that interface is down or has no address, rather
 * than send anything elsewhere. This strip says so while it lasts: asked
 * once a second, as the window's footer is.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-network-banner.h"

struct _ShoalNetworkBanner
{
  GtkWidget     parent_instance;

  ShoalSession *session;
  GtkRevealer  *revealer;
  GtkLabel     *label;
  guint         tick_id;
};

G_DEFINE_FINAL_TYPE (ShoalNetworkBanner, shoal_network_banner, GTK_TYPE_WIDGET)

static void
update (ShoalNetworkBanner *self)
{
  const char *interface = self->session != NULL ? shoal_session_get_interface (self->session) : NULL;
  gboolean down = interface != NULL && !shoal_session_get_interface_up (self->session);

  if (down)
    {
      g_autofree char *text = g_strdup_printf (_("Transfers are stopped: the network interface %s is down or has "
                                                 "no address. They resume when it is back."), interface);

      gtk_label_set_text (self->label, text);
    }
  gtk_revealer_set_reveal_child (self->revealer, down);
  gtk_widget_set_visible (GTK_WIDGET (self), down);
}

static gboolean
tick_cb (gpointer user_data)
{
  update (user_data);
  return G_SOURCE_CONTINUE;
}

static void
shoal_network_banner_dispose (GObject *object)
{
  ShoalNetworkBanner *self = SHOAL_NETWORK_BANNER (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_pointer ((GtkWidget **) &self->revealer, gtk_widget_unparent);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (shoal_network_banner_parent_class)->dispose (object);
}

static void
shoal_network_banner_class_init (ShoalNetworkBannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_network_banner_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
shoal_network_banner_init (ShoalNetworkBanner *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *icon = gtk_image_new_from_icon_name ("network-offline-symbolic");

  self->revealer = GTK_REVEALER (gtk_revealer_new ());
  self->label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->label, TRUE);
  gtk_label_set_xalign (self->label, 0);
  gtk_widget_set_hexpand (GTK_WIDGET (self->label), TRUE);
  gtk_widget_add_css_class (box, "warning");
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->label));
  gtk_revealer_set_child (self->revealer, box);
  gtk_widget_set_parent (GTK_WIDGET (self->revealer), GTK_WIDGET (self));
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

/**
 * shoal_network_banner_new:
 * @session: (nullable): the local session (none in a remote window)
 *
 * Returns: a strip that shows while transfers are stopped because the
 *   network interface set is down
 */
GtkWidget *
shoal_network_banner_new (ShoalSession *session)
{
  ShoalNetworkBanner *self = g_object_new (SHOAL_TYPE_NETWORK_BANNER, NULL);

  self->session = session != NULL ? g_object_ref (session) : NULL;
  update (self);
  if (session != NULL)
    self->tick_id = g_timeout_add_seconds (1, tick_cb, self);
  return GTK_WIDGET (self);
}

/**
 * shoal_network_banner_get_text:
 *
 * Returns: (nullable): what the strip says, %NULL while it is hidden
 */
const char *
shoal_network_banner_get_text (ShoalNetworkBanner *self)
{
  g_return_val_if_fail (SHOAL_IS_NETWORK_BANNER (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self)) ? gtk_label_get_text (self->label) : NULL;
}
