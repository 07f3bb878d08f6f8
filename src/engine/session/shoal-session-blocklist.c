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
      if (self->blocklist_interval_h > 0)
        shoal_ip_filter_set_update_interval (self->ip_filter, self->blocklist_interval_h * 3600);
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

/**
 * shoal_session_set_blocklist_update_interval:
 * @self: a session
 * @hours: how often a blocklist is loaded again from its source (1 or more)
 */
void
shoal_session_set_blocklist_update_interval (ShoalSession *self,
                                             guint         hours)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));

  self->blocklist_interval_h = MAX (hours, 1);
  if (self->ip_filter != NULL)
    shoal_ip_filter_set_update_interval (self->ip_filter, self->blocklist_interval_h * 3600);
}

/**
 * shoal_session_get_blocklist_error:
 * @self: a session
 *
 * Returns: (nullable): why the last load of the blocklist failed (the
 *   previous list, if any, is still in use), or %NULL
 */
const char *
shoal_session_get_blocklist_error (ShoalSession *self)
{
  const GError *error;

  g_return_val_if_fail (SHOAL_IS_SESSION (self), NULL);
  error = self->ip_filter != NULL ? shoal_ip_filter_get_error (self->ip_filter) : NULL;
  return error != NULL ? error->message : NULL;
}

/**
 * shoal_session_get_blocklist_n_malformed:
 * @self: a session
 *
 * Returns: how many lines of the blocklist last loaded were skipped as
 *   unreadable
 */
guint
shoal_session_get_blocklist_n_malformed (ShoalSession *self)
{
  const ShoalIpRangesReport *report;

  g_return_val_if_fail (SHOAL_IS_SESSION (self), 0);
  report = self->ip_filter != NULL ? shoal_ip_filter_get_report (self->ip_filter) : NULL;
  return report != NULL ? report->n_malformed : 0;
}

static void
blocklist_loaded_cb (ShoalIpFilter *filter,
                     gpointer       user_data)
{
  g_autoptr(GTask) task = user_data;  /* the reference the handler held */
  const GError *error = shoal_ip_filter_get_error (filter);

  g_signal_handlers_disconnect_by_data (filter, task);
  if (error != NULL)
    g_task_return_error (task, g_error_copy (error));
  else
    g_task_return_int (task, shoal_ip_filter_get_n_ranges (filter));
}

/**
 * shoal_session_update_blocklist_async:
 * @self: a session with a blocklist set
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the list is loaded again, or failed to
 * @user_data: data for @callback
 *
 * Loads the blocklist again from its file or URL now.
 */
void
shoal_session_update_blocklist_async (ShoalSession        *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SHOAL_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_session_update_blocklist_async);
  if (self->ip_filter == NULL || shoal_ip_filter_get_source (self->ip_filter) == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No blocklist is set");
      return;
    }
  /* The handler holds a reference until the list is loaded (a reload of
   * ours or of the update timer: either is the list as it is now). */
  g_signal_connect (self->ip_filter, "loaded", G_CALLBACK (blocklist_loaded_cb), g_object_ref (task));
  shoal_ip_filter_reload (self->ip_filter);
}

/**
 * shoal_session_update_blocklist_finish:
 *
 * Returns: how many ranges the list holds now, or -1 with @error set
 */
gint64
shoal_session_update_blocklist_finish (ShoalSession  *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return g_task_propagate_int (G_TASK (result), error);
}
