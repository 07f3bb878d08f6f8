/* shoal-peers-page.c: the peers a torrent is connected to
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A sortable column view over the torrent's peer list. The engine
 * updates each ShoalPeer in place and notifies only what changed, so
 * rows update their labels without being rebuilt, and the sort model
 * re-sorts only when a sorted-on property moves.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-format.h"
#include "shoal-label-column.h"
#include "shoal-details-view.h"
#include "shoal-peers-page.h"

struct _ShoalPeersPage
{
  GtkWidget          parent_instance;

  ShoalTorrent      *torrent;
  GtkSortListModel  *sort_model;
  gulong             items_id;

  GtkStack          *stack;
  GtkColumnView     *column_view;
};

G_DEFINE_FINAL_TYPE (ShoalPeersPage, shoal_peers_page, GTK_TYPE_WIDGET)

/**
 * shoal_peers_page_new:
 *
 * Returns: (transfer full): a new, empty #ShoalPeersPage
 */
ShoalPeersPage *
shoal_peers_page_new (void)
{
  return g_object_new (SHOAL_TYPE_PEERS_PAGE, NULL);
}

/* In the order shown. Letters follow the habits of other clients where
 * there is one (D/d and U/u for transfer states, X for PEX). */
static const struct
{
  ShoalPeerFlags  set;      /* all of these set */
  ShoalPeerFlags  unset;    /* and none of these */
  char            letter;
  const char     *meaning;
} flag_letters[] = {
  { SHOAL_PEER_FLAG_AM_INTERESTED, SHOAL_PEER_FLAG_PEER_CHOKING, 'D', N_("Downloading from this peer") },
  { SHOAL_PEER_FLAG_AM_INTERESTED | SHOAL_PEER_FLAG_PEER_CHOKING, 0, 'd', N_("We want its data, but it is not sending (choked)") },
  { SHOAL_PEER_FLAG_PEER_INTERESTED, SHOAL_PEER_FLAG_AM_CHOKING, 'U', N_("Uploading to this peer") },
  { SHOAL_PEER_FLAG_PEER_INTERESTED | SHOAL_PEER_FLAG_AM_CHOKING, 0, 'u', N_("It wants our data, but we are not sending (choked)") },
  { SHOAL_PEER_FLAG_OPTIMISTIC, 0, 'O', N_("Optimistic unchoke: given a chance to trade") },
  { SHOAL_PEER_FLAG_SNUBBED, 0, 'S', N_("Snubbed: sent nothing for a while") },
  { SHOAL_PEER_FLAG_SEED, 0, 'C', N_("Has the complete torrent (seed)") },
  { SHOAL_PEER_FLAG_ENCRYPTED, 0, 'E', N_("Encrypted connection") },
  { SHOAL_PEER_FLAG_INCOMING, 0, 'I', N_("Incoming connection") },
  { SHOAL_PEER_FLAG_UTP, 0, 'P', N_("Over uTP (a UDP transport that yields to other traffic)") },
  { SHOAL_PEER_FLAG_FROM_TRACKER, 0, 'T', N_("Found through a tracker") },
  { SHOAL_PEER_FLAG_FROM_DHT, 0, 'H', N_("Found through the DHT") },
  { SHOAL_PEER_FLAG_FROM_PEX, 0, 'X', N_("Found through peer exchange") },
  { SHOAL_PEER_FLAG_FROM_LSD, 0, 'L', N_("Found on the local network") },
  { SHOAL_PEER_FLAG_WEB_SEED, 0, 'W', N_("Web seed") },
};

/**
 * shoal_peers_page_format_flags:
 * @flags: a peer's flags
 * @explain: %FALSE for the short letters, %TRUE for one line per letter
 *   saying what it means (for tooltips)
 *
 * Returns: (transfer full): the text
 */
char *
shoal_peers_page_format_flags (ShoalPeerFlags flags,
                               gboolean       explain)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (flag_letters); i++)
    {
      if ((flags & flag_letters[i].set) != flag_letters[i].set || (flags & flag_letters[i].unset) != 0)
        continue;
      if (!explain)
        g_string_append_c (s, flag_letters[i].letter);
      else
        {
          if (s->len > 0)
            g_string_append_c (s, '\n');
          /* Translators: a peer flag letter and its meaning */
          g_string_append_printf (s, _("%c: %s"), flag_letters[i].letter, _(flag_letters[i].meaning));
        }
    }
  return g_string_free (s, FALSE);
}

static char *
address_text (gpointer item)
{
  return g_strdup (shoal_peer_get_address (item));
}

static char *
client_text (gpointer item)
{
  const char *client = shoal_peer_get_client (item);

  return g_strdup (client != NULL && *client != '\0' ? client : _("Unknown"));
}

static char *
flags_text (gpointer item)
{
  return shoal_peers_page_format_flags (shoal_peer_get_flags (item), FALSE);
}

static char *
flags_tooltip (gpointer item)
{
  return shoal_peers_page_format_flags (shoal_peer_get_flags (item), TRUE);
}

static char *
progress_text (gpointer item)
{
  return shoal_format_percent (shoal_peer_get_progress (item));
}

static char *
down_rate_text (gpointer item)
{
  return shoal_peer_get_download_rate (item) > 0 ? shoal_format_rate (shoal_peer_get_download_rate (item)) : NULL;
}

static char *
up_rate_text (gpointer item)
{
  return shoal_peer_get_upload_rate (item) > 0 ? shoal_format_rate (shoal_peer_get_upload_rate (item)) : NULL;
}

static char *
downloaded_text (gpointer item)
{
  return shoal_format_size (shoal_peer_get_downloaded (item));
}

static char *
uploaded_text (gpointer item)
{
  return shoal_format_size (shoal_peer_get_uploaded (item));
}

typedef enum
{
  SORT_NONE,
  SORT_STRING,
  SORT_NUMERIC,
} SortKind;

static void
add_column (ShoalPeersPage       *self,
            const char           *title,
            ShoalLabelColumnFunc  text_func,
            ShoalLabelColumnFunc  tooltip_func,
            const char           *property,
            SortKind              sort,
            gboolean              expand)
{
  const char *watched[] = { property, NULL };
  g_autoptr(GtkColumnViewColumn) column = NULL;
  GtkSorter *sorter = NULL;

  column = shoal_label_column_new (title, text_func, tooltip_func, watched,
                                   sort == SORT_NUMERIC ? 1.f : 0.f, FALSE);
  switch (sort)
    {
    case SORT_NUMERIC:
      sorter = GTK_SORTER (gtk_numeric_sorter_new (gtk_property_expression_new (SHOAL_TYPE_PEER, NULL, property)));
      /* Biggest first is what one looks for in rates and totals. */
      gtk_numeric_sorter_set_sort_order (GTK_NUMERIC_SORTER (sorter), GTK_SORT_DESCENDING);
      break;
    case SORT_STRING:
      sorter = GTK_SORTER (gtk_string_sorter_new (gtk_property_expression_new (SHOAL_TYPE_PEER, NULL, property)));
      break;
    case SORT_NONE:
    default:
      break;
    }
  if (sorter != NULL)
    {
      gtk_column_view_column_set_sorter (column, sorter);
      g_object_unref (sorter);
    }
  gtk_column_view_column_set_expand (column, expand);
  gtk_column_view_column_set_resizable (column, TRUE);
  gtk_column_view_append_column (self->column_view, column);
}

static void
update_stack (ShoalPeersPage *self)
{
  gboolean empty = self->sort_model == NULL || g_list_model_get_n_items (G_LIST_MODEL (self->sort_model)) == 0;

  gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "list");
}

/**
 * shoal_peers_page_set_torrent:
 * @self: a peers page
 * @torrent: (nullable): the torrent whose peers to show
 */
void
shoal_peers_page_set_torrent (ShoalPeersPage *self,
                              ShoalTorrent   *torrent)
{
  g_autoptr(GtkSelectionModel) selection = NULL;

  g_return_if_fail (SHOAL_IS_PEERS_PAGE (self));

  if (self->sort_model != NULL)
    g_clear_signal_handler (&self->items_id, self->sort_model);
  g_clear_object (&self->sort_model);
  g_set_object (&self->torrent, torrent);

  if (torrent != NULL)
    {
      self->sort_model = gtk_sort_list_model_new (g_object_ref (shoal_torrent_get_peers (torrent)),
                                                  g_object_ref (gtk_column_view_get_sorter (self->column_view)));
      self->items_id = g_signal_connect_swapped (self->sort_model, "items-changed",
                                                 G_CALLBACK (update_stack), self);
      selection = GTK_SELECTION_MODEL (gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->sort_model))));
      gtk_single_selection_set_autoselect (GTK_SINGLE_SELECTION (selection), FALSE);
      gtk_single_selection_set_can_unselect (GTK_SINGLE_SELECTION (selection), TRUE);
    }
  gtk_column_view_set_model (self->column_view, selection);
  update_stack (self);
}

static void
shoal_peers_page_dispose (GObject *object)
{
  ShoalPeersPage *self = SHOAL_PEERS_PAGE (object);

  if (self->sort_model != NULL)
    g_clear_signal_handler (&self->items_id, self->sort_model);
  g_clear_object (&self->sort_model);
  g_clear_object (&self->torrent);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_PEERS_PAGE);
  shoal_widget_unparent_children (GTK_WIDGET (self));

  G_OBJECT_CLASS (shoal_peers_page_parent_class)->dispose (object);
}

static void
shoal_peers_page_class_init (ShoalPeersPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_peers_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/shoal/Shoal/details/shoal-peers-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalPeersPage, stack);
  gtk_widget_class_bind_template_child (widget_class, ShoalPeersPage, column_view);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
shoal_peers_page_init (ShoalPeersPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  add_column (self, _("Address"), address_text, NULL, "address", SORT_STRING, TRUE);
  add_column (self, _("Client"), client_text, NULL, "client", SORT_STRING, TRUE);
  add_column (self, _("Flags"), flags_text, flags_tooltip, "flags", SORT_NONE, FALSE);
  add_column (self, _("Progress"), progress_text, NULL, "progress", SORT_NUMERIC, FALSE);
  add_column (self, _("Down"), down_rate_text, NULL, "download-rate", SORT_NUMERIC, FALSE);
  add_column (self, _("Up"), up_rate_text, NULL, "upload-rate", SORT_NUMERIC, FALSE);
  add_column (self, _("Downloaded"), downloaded_text, NULL, "downloaded", SORT_NUMERIC, FALSE);
  add_column (self, _("Uploaded"), uploaded_text, NULL, "uploaded", SORT_NUMERIC, FALSE);

  update_stack (self);
}
