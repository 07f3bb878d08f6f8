/* shoal-app-remote-session.c: a remote session, for the window
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A shoal-daemon, or any Transmission daemon, through its RPC
 * (ShoalRpcClient). The torrents are listed again every second, asking
 * only for the recently active ones between full listings (see
 * shoal-rpc-client.c); each operation is one call, followed by a full
 * listing so the window shows its effect. Connecting checks the address
 * and the login with session-get and makes a first listing, so a wrong
 * password is said in the connect dialog, not in an empty window.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-app-remote-session.h"
#include "shoal-app-remote-torrent.h"

#define REFRESH_SECONDS 1

struct _ShoalAppRemoteSession
{
  GObject         parent_instance;

  ShoalRpcClient *client;
  char           *user;
  char           *title;
  GListStore     *torrents;   /* ShoalAppRemoteTorrent, as the client's */
  GCancellable   *cancellable;
  guint           refresh_id;
  gboolean        refreshing;
  gboolean        refresh_again;
  char           *connection_error;
  guint64         download_rate;
  guint64         upload_rate;
};

static void shoal_app_remote_session_iface_init (ShoalAppSessionInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ShoalAppRemoteSession, shoal_app_remote_session, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SHOAL_TYPE_APP_SESSION, shoal_app_remote_session_iface_init))

enum {
  PROP_0,
  PROP_CONNECTION_ERROR,
  N_PROPS
};

/**
 * shoal_app_remote_session_describe_error:
 * @error: why a call to a server failed
 *
 * Returns: (transfer full): what to tell a person: a refused login, an
 *   unreachable server, an untrusted certificate…
 */
char *
shoal_app_remote_session_describe_error (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == SHOAL_RPC_CLIENT_ERROR)
    switch (error->code)
      {
      case SHOAL_RPC_CLIENT_ERROR_BAD_URL:
        return g_strdup (_("This is not the address of a server: write it as http://host:port or https://host:port."));
      case SHOAL_RPC_CLIENT_ERROR_UNAUTHORIZED:
        return g_strdup (_("The server refused the user name or password. After several failed logins it refuses this computer for a while."));
      case SHOAL_RPC_CLIENT_ERROR_PROTOCOL:
        return g_strdup (_("This server does not speak the Transmission remote control protocol."));
      case SHOAL_RPC_CLIENT_ERROR_HTTP:
        /* Translators: %s is the server's HTTP status, as "404 Not Found" */
        return g_strdup_printf (_("The server answered with an error (%s)."), error->message);
      case SHOAL_RPC_CLIENT_ERROR_FAILED:
      default:
        /* Translators: %s is the server's reason, in its own words */
        return g_strdup_printf (_("The server refused: %s"), error->message);
      }
  if (error->domain == G_TLS_ERROR)
    /* Translators: %s says why, as GLib words it */
    return g_strdup_printf (_("The server's secure connection cannot be trusted: %s"), error->message);
  if (error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR)
    /* Translators: %s says why, as GLib words it */
    return g_strdup_printf (_("The server cannot be reached: %s"), error->message);
  return g_strdup (error->message);
}

static GListModel *
get_torrents (ShoalAppSession *session)
{
  return G_LIST_MODEL (SHOAL_APP_REMOTE_SESSION (session)->torrents);
}

static const char *
get_title (ShoalAppSession *session)
{
  return SHOAL_APP_REMOTE_SESSION (session)->title;
}

static const char *
get_url (ShoalAppSession *session)
{
  return shoal_rpc_client_get_url (SHOAL_APP_REMOTE_SESSION (session)->client);
}

static guint64
get_download_rate (ShoalAppSession *session)
{
  return SHOAL_APP_REMOTE_SESSION (session)->download_rate;
}

static guint64
get_upload_rate (ShoalAppSession *session)
{
  return SHOAL_APP_REMOTE_SESSION (session)->upload_rate;
}

static void
set_connection_error (ShoalAppRemoteSession *self,
                      const char            *message)
{
  if (g_strcmp0 (self->connection_error, message) == 0)
    return;
  g_free (self->connection_error);
  self->connection_error = g_strdup (message);
  g_object_notify (G_OBJECT (self), "connection-error");
}

static void
sum_rates (ShoalAppRemoteSession *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->torrents));

  self->download_rate = self->upload_rate = 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalAppTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      self->download_rate += shoal_app_torrent_get_download_rate (t);
      self->upload_rate += shoal_app_torrent_get_upload_rate (t);
    }
}

static void
refreshed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ShoalAppRemoteSession) self = user_data;
  g_autoptr(GError) error = NULL;

  self->refreshing = FALSE;
  if (!shoal_rpc_client_refresh_finish (SHOAL_RPC_CLIENT (source), result, &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = shoal_app_remote_session_describe_error (error);
      set_connection_error (self, message);
    }
  else
    {
      set_connection_error (self, NULL);
      sum_rates (self);
    }
  if (self->refresh_again)
    shoal_app_remote_session_refresh (self);
}

/**
 * shoal_app_remote_session_refresh:
 * @self: a remote session
 *
 * Lists the torrents again now (or once the listing under way is done).
 */
void
shoal_app_remote_session_refresh (ShoalAppRemoteSession *self)
{
  g_return_if_fail (SHOAL_IS_APP_REMOTE_SESSION (self));

  if (self->refreshing)
    {
      self->refresh_again = TRUE;
      return;
    }
  self->refresh_again = FALSE;
  self->refreshing = TRUE;
  shoal_rpc_client_refresh_async (self->client, self->cancellable, refreshed_cb, g_object_ref (self));
}

/* Whether a listing is under way (tests wait for the last one to end). */
gboolean
shoal_app_remote_session_is_refreshing (ShoalAppRemoteSession *self)
{
  g_return_val_if_fail (SHOAL_IS_APP_REMOTE_SESSION (self), FALSE);
  return self->refreshing || self->refresh_again;
}

static gboolean
refresh_cb (gpointer user_data)
{
  ShoalAppRemoteSession *self = user_data;

  if (!self->refreshing)
    shoal_app_remote_session_refresh (self);
  return G_SOURCE_CONTINUE;
}

static void
called_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ShoalAppRemoteSession) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) answer = shoal_rpc_client_call_finish (SHOAL_RPC_CLIENT (source), result, &error);

  if (answer == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = shoal_app_remote_session_describe_error (error);
      shoal_app_session_failed (SHOAL_APP_SESSION (self), message);
    }
  shoal_rpc_client_invalidate (self->client);
  shoal_app_remote_session_refresh (self);
}

/**
 * shoal_app_remote_session_call:
 * @self: a remote session
 * @method: an RPC method
 * @arguments: (nullable): its arguments, a vardict (floating taken)
 *
 * Calls @method, then lists the torrents again; a failure is reported
 * with #ShoalAppSession::failed.
 */
void
shoal_app_remote_session_call (ShoalAppRemoteSession *self,
                               const char            *method,
                               GVariant              *arguments)
{
  g_return_if_fail (SHOAL_IS_APP_REMOTE_SESSION (self));

  shoal_rpc_client_call_async (self->client, method, arguments, self->cancellable, called_cb, g_object_ref (self));
}

static void
add_link (ShoalAppSession *session,
          const char      *uri)
{
  shoal_app_remote_session_call (SHOAL_APP_REMOTE_SESSION (session), "torrent-add",
                                 g_variant_new_parsed ("{'filename': <%s>}", uri));
}

static void
add_metainfo (ShoalAppSession *session,
              GBytes          *metainfo)
{
  g_autofree char *encoded = g_base64_encode (g_bytes_get_data (metainfo, NULL), g_bytes_get_size (metainfo));

  shoal_app_remote_session_call (SHOAL_APP_REMOTE_SESSION (session), "torrent-add",
                                 g_variant_new_parsed ("{'metainfo': <%s>}", encoded));
}

static void
remove_torrent (ShoalAppSession *session,
                ShoalAppTorrent *torrent,
                gboolean         delete_data)
{
  int id = shoal_app_remote_torrent_get_id (SHOAL_APP_REMOTE_TORRENT (torrent));

  shoal_app_remote_session_call (SHOAL_APP_REMOTE_SESSION (session), "torrent-remove",
                                 g_variant_new_parsed ("{'ids': <[%i]>, 'delete-local-data': <%b>}",
                                                       id, delete_data));
}

static void
set_location (ShoalAppSession *session,
              ShoalAppTorrent *torrent,
              const char      *dir)
{
  int id = shoal_app_remote_torrent_get_id (SHOAL_APP_REMOTE_TORRENT (torrent));

  shoal_app_remote_session_call (SHOAL_APP_REMOTE_SESSION (session), "torrent-set-location",
                                 g_variant_new_parsed ("{'ids': <[%i]>, 'location': <%s>, 'move': <true>}",
                                                       id, dir));
}

static void
shoal_app_remote_session_iface_init (ShoalAppSessionInterface *iface)
{
  iface->get_torrents = get_torrents;
  iface->get_title = get_title;
  iface->get_url = get_url;
  iface->get_download_rate = get_download_rate;
  iface->get_upload_rate = get_upload_rate;
  iface->add_link = add_link;
  iface->add_metainfo = add_metainfo;
  iface->remove = remove_torrent;
  iface->set_location = set_location;
}

static void
client_torrents_changed_cb (ShoalAppRemoteSession *self,
                            guint                  position,
                            guint                  removed,
                            guint                  added,
                            GListModel            *torrents)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < added; i++)
    {
      g_autoptr(ShoalRemoteTorrent) torrent = g_list_model_get_item (torrents, position + i);

      g_ptr_array_add (items, shoal_app_remote_torrent_new (self, torrent));
    }
  g_list_store_splice (self->torrents, position, removed, items->pdata, added);
}

static void
shoal_app_remote_session_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  ShoalAppRemoteSession *self = SHOAL_APP_REMOTE_SESSION (object);

  switch (prop_id)
    {
    case PROP_CONNECTION_ERROR:
      g_value_set_string (value, self->connection_error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_app_remote_session_dispose (GObject *object)
{
  ShoalAppRemoteSession *self = SHOAL_APP_REMOTE_SESSION (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_func (shoal_rpc_client_get_torrents (self->client),
                                          client_torrents_changed_cb, self);
  g_clear_object (&self->client);
  g_clear_object (&self->torrents);
  G_OBJECT_CLASS (shoal_app_remote_session_parent_class)->dispose (object);
}

static void
shoal_app_remote_session_finalize (GObject *object)
{
  ShoalAppRemoteSession *self = SHOAL_APP_REMOTE_SESSION (object);

  g_clear_object (&self->cancellable);
  g_free (self->user);
  g_free (self->title);
  g_free (self->connection_error);
  G_OBJECT_CLASS (shoal_app_remote_session_parent_class)->finalize (object);
}

static void
shoal_app_remote_session_class_init (ShoalAppRemoteSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_app_remote_session_dispose;
  object_class->finalize = shoal_app_remote_session_finalize;
  object_class->get_property = shoal_app_remote_session_get_property;
  g_object_class_override_property (object_class, PROP_CONNECTION_ERROR, "connection-error");
}

static void
shoal_app_remote_session_init (ShoalAppRemoteSession *self)
{
  self->torrents = g_list_store_new (SHOAL_TYPE_APP_TORRENT);
  self->cancellable = g_cancellable_new ();
}

/* Connecting */

static void
listed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ShoalAppRemoteSession *self = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  self->refreshing = FALSE;
  if (!shoal_rpc_client_refresh_finish (SHOAL_RPC_CLIENT (source), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  sum_rates (self);
  self->refresh_id = g_timeout_add_seconds (REFRESH_SECONDS, refresh_cb, self);
  g_task_return_pointer (task, g_object_ref (self), g_object_unref);
}

static void
session_got_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ShoalAppRemoteSession *self = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) answer = shoal_rpc_client_call_finish (SHOAL_RPC_CLIENT (source), result, &error);

  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  self->refreshing = TRUE;
  shoal_rpc_client_refresh_async (self->client, g_task_get_cancellable (task), listed_cb, g_object_ref (task));
}

/**
 * shoal_app_remote_session_connect_async:
 * @url: the server's address, as http://host:port (the RPC's path is
 *   added when missing)
 * @user: (nullable): the user name, if the server wants one
 * @password: (nullable): the password
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once the server answered and the torrents are listed
 * @user_data: for @callback
 */
void
shoal_app_remote_session_connect_async (const char          *url,
                                        const char          *user,
                                        const char          *password,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalAppRemoteSession) self = NULL;
  g_autoptr(ShoalRpcClient) client = NULL;
  g_autoptr(GUri) uri = NULL;

  g_return_if_fail (url != NULL);

  g_task_set_source_tag (task, shoal_app_remote_session_connect_async);
  client = shoal_rpc_client_new (url, user, password, &error);
  if (client == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  self = g_object_new (SHOAL_TYPE_APP_REMOTE_SESSION, NULL);
  self->client = g_steal_pointer (&client);
  self->user = g_strdup (user);
  uri = g_uri_parse (shoal_rpc_client_get_url (self->client), G_URI_FLAGS_NONE, NULL);
  if (uri != NULL && g_uri_get_port (uri) > 0)
    self->title = g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));
  else
    self->title = g_strdup (uri != NULL ? g_uri_get_host (uri) : shoal_rpc_client_get_url (self->client));
  g_signal_connect_object (shoal_rpc_client_get_torrents (self->client), "items-changed",
                           G_CALLBACK (client_torrents_changed_cb), self, G_CONNECT_SWAPPED);
  g_task_set_task_data (task, g_object_ref (self), g_object_unref);
  shoal_rpc_client_call_async (self->client, "session-get", NULL, cancellable, session_got_cb,
                               g_steal_pointer (&task));
}

/**
 * shoal_app_remote_session_connect_finish:
 * @result: the result given to the callback
 * @error: where to say why the server cannot be used
 *
 * Returns: (transfer full) (nullable): the session, its torrents listed
 *   and refreshed every second from now on
 */
ShoalAppRemoteSession *
shoal_app_remote_session_connect_finish (GAsyncResult  *result,
                                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

ShoalRpcClient *
shoal_app_remote_session_get_client (ShoalAppRemoteSession *self)
{
  g_return_val_if_fail (SHOAL_IS_APP_REMOTE_SESSION (self), NULL);
  return self->client;
}

/* Returns: (nullable): the user name the session logged in with */
const char *
shoal_app_remote_session_get_user (ShoalAppRemoteSession *self)
{
  g_return_val_if_fail (SHOAL_IS_APP_REMOTE_SESSION (self), NULL);
  return self->user;
}
