/* shoal-bandwidth-page.c: rate graphs of a torrent and of the session
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both graphs are fed every second, whichever is shown and even while
 * the page is hidden, so that switching to them shows the last five
 * minutes rather than an empty grid. Every torrent of the session keeps
 * its own history (on the torrent, see history_of()), selected or not,
 * so that selecting one again shows where it was. The colored rate labels
 * above the graph double as its legend.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-bandwidth-page.h"
#include "shoal-format.h"
#include "shoal-details-view.h"

struct _ShoalBandwidthPage
{
  GtkWidget            parent_instance;

  ShoalSession        *session;
  ShoalTorrent        *torrent;
  guint                timer_id;
  guint                n_ticks;   /* samples taken since the session was set */

  GtkToggleButton     *torrent_button;
  GtkToggleButton     *session_button;
  GtkLabel            *down_label;
  GtkLabel            *up_label;
  GtkStack            *stack;
  ShoalBandwidthGraph *torrent_graph;
  ShoalBandwidthGraph *session_graph;
};

G_DEFINE_FINAL_TYPE (ShoalBandwidthPage, shoal_bandwidth_page, GTK_TYPE_WIDGET)

/**
 * shoal_bandwidth_page_new:
 *
 * Returns: (transfer full): a new #ShoalBandwidthPage
 */
ShoalBandwidthPage *
shoal_bandwidth_page_new (void)
{
  return g_object_new (SHOAL_TYPE_BANDWIDTH_PAGE, NULL);
}

/**
 * shoal_bandwidth_page_get_graph:
 * @self: a bandwidth page
 * @session: %TRUE for the whole session's graph, %FALSE for the torrent's
 *
 * Returns: (transfer none): the graph
 */
ShoalBandwidthGraph *
shoal_bandwidth_page_get_graph (ShoalBandwidthPage *self,
                                gboolean            session)
{
  g_return_val_if_fail (SHOAL_IS_BANDWIDTH_PAGE (self), NULL);
  return session ? self->session_graph : self->torrent_graph;
}

static void
update_labels (ShoalBandwidthPage *self)
{
  gboolean session = gtk_toggle_button_get_active (self->session_button);
  guint64 down = 0, up = 0;
  g_autofree char *down_rate = NULL;
  g_autofree char *up_rate = NULL;
  g_autofree char *down_text = NULL;
  g_autofree char *up_text = NULL;

  if (session && self->session != NULL)
    {
      down = shoal_session_get_download_rate (self->session);
      up = shoal_session_get_upload_rate (self->session);
    }
  else if (!session && self->torrent != NULL)
    {
      down = shoal_torrent_get_download_rate (self->torrent);
      up = shoal_torrent_get_upload_rate (self->torrent);
    }

  down_rate = shoal_format_rate (down);
  up_rate = shoal_format_rate (up);
  /* Translators: the current download rate, as "Download 1.5 MiB/s" */
  down_text = g_strdup_printf (_("Download %s"), down_rate);
  /* Translators: the current upload rate, as "Upload 200 KiB/s" */
  up_text = g_strdup_printf (_("Upload %s"), up_rate);
  gtk_label_set_text (self->down_label, down_text);
  gtk_label_set_text (self->up_label, up_text);
}

static GQuark
history_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("shoal-bandwidth-history");
  return quark;
}

/* The torrent's history, made on demand: a torrent that never moved a
 * byte needs none, and gets as many zeros as it has been idle (at most
 * the graph's width) the first time it does. */
static ShoalRateHistory *
history_of (ShoalBandwidthPage *self,
            ShoalTorrent       *torrent,
            gboolean            create)
{
  ShoalRateHistory *history = g_object_get_qdata (G_OBJECT (torrent), history_quark ());

  if (history == NULL && create)
    {
      history = shoal_rate_history_new ();
      for (guint i = 0; i < MIN (self->n_ticks, SHOAL_BANDWIDTH_GRAPH_N_SAMPLES); i++)
        shoal_rate_history_add (history, 0, 0);
      g_object_set_qdata_full (G_OBJECT (torrent), history_quark (), history, g_free);
    }
  return history;
}

static void
sample_torrent (ShoalBandwidthPage *self,
                ShoalTorrent       *torrent)
{
  guint64 down = shoal_torrent_get_download_rate (torrent);
  guint64 up = shoal_torrent_get_upload_rate (torrent);
  ShoalRateHistory *history = history_of (self, torrent, down > 0 || up > 0 || torrent == self->torrent);

  if (history != NULL)
    shoal_rate_history_add (history, down, up);
}

/**
 * shoal_bandwidth_page_sample:
 * @self: a bandwidth page
 *
 * Adds the current rates to both graphs. Runs every second while the
 * page has a session.
 */
void
shoal_bandwidth_page_sample (ShoalBandwidthPage *self)
{
  g_return_if_fail (SHOAL_IS_BANDWIDTH_PAGE (self));

  if (self->session != NULL)
    {
      GListModel *torrents = shoal_session_get_torrents (self->session);
      guint n = g_list_model_get_n_items (torrents);
      gboolean selected_sampled = FALSE;

      shoal_bandwidth_graph_add_sample (self->session_graph,
                                        shoal_session_get_download_rate (self->session),
                                        shoal_session_get_upload_rate (self->session));
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(ShoalTorrent) torrent = g_list_model_get_item (torrents, i);

          sample_torrent (self, torrent);
          selected_sampled |= torrent == self->torrent;
        }
      if (self->torrent != NULL && !selected_sampled)
        sample_torrent (self, self->torrent);
    }
  else if (self->torrent != NULL)
    sample_torrent (self, self->torrent);
  self->n_ticks = MIN (self->n_ticks + 1, SHOAL_BANDWIDTH_GRAPH_N_SAMPLES);
  if (self->torrent != NULL)
    gtk_widget_queue_draw (GTK_WIDGET (self->torrent_graph));
  update_labels (self);
}

static gboolean
sample_timeout_cb (gpointer user_data)
{
  shoal_bandwidth_page_sample (SHOAL_BANDWIDTH_PAGE (user_data));
  return G_SOURCE_CONTINUE;
}

/**
 * shoal_bandwidth_page_set_session:
 * @self: a bandwidth page
 * @session: (nullable): the session to sample
 */
void
shoal_bandwidth_page_set_session (ShoalBandwidthPage *self,
                                  ShoalSession       *session)
{
  g_return_if_fail (SHOAL_IS_BANDWIDTH_PAGE (self));

  if (!g_set_object (&self->session, session))
    return;
  shoal_bandwidth_graph_clear (self->session_graph);
  self->n_ticks = 0;
  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (session != NULL)
    self->timer_id = g_timeout_add_seconds (1, sample_timeout_cb, self);
  update_labels (self);
}

/**
 * shoal_bandwidth_page_set_torrent:
 * @self: a bandwidth page
 * @torrent: (nullable): the torrent to sample
 *
 * Shows the torrent's own history, kept whether or not it was shown.
 */
void
shoal_bandwidth_page_set_torrent (ShoalBandwidthPage *self,
                                  ShoalTorrent       *torrent)
{
  g_return_if_fail (SHOAL_IS_BANDWIDTH_PAGE (self));

  if (!g_set_object (&self->torrent, torrent))
    return;
  shoal_bandwidth_graph_set_history (self->torrent_graph,
                                     torrent != NULL ? history_of (self, torrent, TRUE) : NULL);
  if (torrent == NULL)
    shoal_bandwidth_graph_clear (self->torrent_graph);
  update_labels (self);
}

/**
 * shoal_bandwidth_page_set_show_session:
 * @self: a bandwidth page
 * @show_session: %TRUE to show the whole session's rates
 */
void
shoal_bandwidth_page_set_show_session (ShoalBandwidthPage *self,
                                       gboolean            show_session)
{
  g_return_if_fail (SHOAL_IS_BANDWIDTH_PAGE (self));

  gtk_toggle_button_set_active (show_session ? self->session_button : self->torrent_button, TRUE);
}

static void
scope_toggled_cb (ShoalBandwidthPage *self)
{
  gboolean session = gtk_toggle_button_get_active (self->session_button);

  gtk_stack_set_visible_child_name (self->stack, session ? "session" : "torrent");
  update_labels (self);
}

static void
shoal_bandwidth_page_dispose (GObject *object)
{
  ShoalBandwidthPage *self = SHOAL_BANDWIDTH_PAGE (object);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (self->torrent_graph != NULL)
    shoal_bandwidth_graph_set_history (self->torrent_graph, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_BANDWIDTH_PAGE);
  shoal_widget_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->session);
  g_clear_object (&self->torrent);

  G_OBJECT_CLASS (shoal_bandwidth_page_parent_class)->dispose (object);
}

static void
shoal_bandwidth_page_class_init (ShoalBandwidthPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_bandwidth_page_dispose;

  g_type_ensure (SHOAL_TYPE_BANDWIDTH_GRAPH);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/shoal/Shoal/details/shoal-bandwidth-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalBandwidthPage, torrent_button);
  gtk_widget_class_bind_template_child (widget_class, ShoalBandwidthPage, session_button);
  gtk_widget_class_bind_template_child (widget_class, ShoalBandwidthPage, down_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalBandwidthPage, up_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalBandwidthPage, stack);
  gtk_widget_class_bind_template_child (widget_class, ShoalBandwidthPage, torrent_graph);
  gtk_widget_class_bind_template_child (widget_class, ShoalBandwidthPage, session_graph);
  gtk_widget_class_bind_template_callback (widget_class, scope_toggled_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
shoal_bandwidth_page_init (ShoalBandwidthPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update_labels (self);
}
