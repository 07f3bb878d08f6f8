/* shoal-rpc-client.c: a client of the Transmission RPC
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the app needs to show and drive a remote session (a shoal-daemon,
 * or any Transmission daemon): requests with the X-Transmission-Session-Id
 * handshake (a 409 hands out the id; the request is sent again once) and
 * basic authentication, and a list of the remote torrents that
 * refresh_async() brings up to date with one torrent-get.
 */

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "shoal-rpc-client-private.h"

#define SESSION_ID_HEADER "X-Transmission-Session-Id"
/* An answer larger than this is not a sane RPC answer. */
#define MAX_ANSWER (64 * 1024 * 1024)

static const char * const client_fields[] = {
  "id", "name", "hashString", "status", "error", "errorString", "isFinished", "percentDone",
  "metadataPercentComplete", "sizeWhenDone", "rateDownload", "rateUpload", "eta", "downloadDir",
  "uploadRatio", "peersConnected", "addedDate", "downloadLimit", "downloadLimited", "uploadLimit",
  "uploadLimited", "labels", "magnetLink", "recheckProgress",
};

/* Between full listings, a refresh asks only for the torrents active in
 * the last minute (and those removed); every this many refreshes, and
 * after shoal_rpc_client_invalidate(), it asks for all of them, which
 * catches what another client changed on an idle torrent. */
#define FULL_REFRESH_EVERY 10
/* More torrents than this in one answer is not a sane server. */
#define MAX_TORRENTS 100000

struct _ShoalRpcClient
{
  GObject      parent_instance;

  char        *url;
  char        *authorization;   /* "Basic …" or NULL */
  char        *session_id;
  SoupSession *soup;
  GListStore  *torrents;
  GHashTable  *by_id;           /* id → ShoalRemoteTorrent (weak, in torrents) */
  guint        refreshes;       /* since the last full listing; 0: next is full */
};

G_DEFINE_FINAL_TYPE (ShoalRpcClient, shoal_rpc_client, G_TYPE_OBJECT)

G_DEFINE_QUARK (shoal-rpc-client-error-quark, shoal_rpc_client_error)

static void
shoal_rpc_client_finalize (GObject *object)
{
  ShoalRpcClient *self = SHOAL_RPC_CLIENT (object);

  g_free (self->url);
  if (self->authorization != NULL)
    memset (self->authorization, 0, strlen (self->authorization));
  g_free (self->authorization);
  g_free (self->session_id);
  g_clear_object (&self->soup);
  g_clear_object (&self->torrents);
  g_clear_pointer (&self->by_id, g_hash_table_unref);
  G_OBJECT_CLASS (shoal_rpc_client_parent_class)->finalize (object);
}

static void
shoal_rpc_client_class_init (ShoalRpcClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_rpc_client_finalize;
}

static void
shoal_rpc_client_init (ShoalRpcClient *self)
{
  self->torrents = g_list_store_new (SHOAL_TYPE_REMOTE_TORRENT);
  self->by_id = g_hash_table_new (NULL, NULL);
  self->soup = soup_session_new_with_options ("timeout", 30,
                                              "user-agent", "Shoal/" PACKAGE_VERSION,
                                              NULL);
}

/**
 * shoal_rpc_client_new:
 * @url: the RPC's URL ("http://host:9091/transmission/rpc"); a bare
 *   "host:port" or "http://host:port" gets the usual path
 * @user: (nullable): user name for basic authentication
 * @password: (nullable): its password
 * @error: return location for %SHOAL_RPC_CLIENT_ERROR_BAD_URL
 *
 * Returns: (transfer full) (nullable): a client; nothing is sent yet
 */
ShoalRpcClient *
shoal_rpc_client_new (const char  *url,
                      const char  *user,
                      const char  *password,
                      GError     **error)
{
  g_autoptr(ShoalRpcClient) self = NULL;
  g_autofree char *full = NULL;
  g_autoptr(GUri) uri = NULL;

  g_return_val_if_fail (url != NULL, NULL);

  full = strstr (url, "://") != NULL ? g_strdup (url) : g_strconcat ("http://", url, NULL);
  uri = g_uri_parse (full, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0' ||
      (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 && g_strcmp0 (g_uri_get_scheme (uri), "https") != 0))
    {
      g_set_error (error, SHOAL_RPC_CLIENT_ERROR, SHOAL_RPC_CLIENT_ERROR_BAD_URL,
                   "“%s” is not the address of a server (http://host:port)", url);
      return NULL;
    }
  if (g_uri_get_path (uri)[0] == '\0' || strcmp (g_uri_get_path (uri), "/") == 0)
    {
      GUri *with_path = g_uri_build (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                                     g_uri_get_port (uri), "/transmission/rpc", NULL, NULL);
      g_uri_unref (uri);
      uri = with_path;
    }

  self = g_object_new (SHOAL_TYPE_RPC_CLIENT, NULL);
  self->url = g_uri_to_string (uri);
  if (user != NULL && password != NULL)
    {
      g_autofree char *pair = g_strconcat (user, ":", password, NULL);
      g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));
      self->authorization = g_strconcat ("Basic ", encoded, NULL);
      memset (pair, 0, strlen (pair));
    }
  return g_steal_pointer (&self);
}

const char *
shoal_rpc_client_get_url (ShoalRpcClient *self)
{
  g_return_val_if_fail (SHOAL_IS_RPC_CLIENT (self), NULL);
  return self->url;
}

/**
 * shoal_rpc_client_get_torrents:
 * @self: a client
 *
 * Returns: (transfer none): the remote torrents (#ShoalRemoteTorrent), as
 *   of the last shoal_rpc_client_refresh_async()
 */
GListModel *
shoal_rpc_client_get_torrents (ShoalRpcClient *self)
{
  g_return_val_if_fail (SHOAL_IS_RPC_CLIENT (self), NULL);
  return G_LIST_MODEL (self->torrents);
}

typedef struct
{
  GBytes  *body;
  gboolean retried;
} CallData;

static void
call_data_free (CallData *data)
{
  g_bytes_unref (data->body);
  g_free (data);
}

static void send_request (GTask *task);

static void
answered_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ShoalRpcClient *self = g_task_get_source_object (task);
  CallData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *root;
  JsonObject *answer;
  const char *result_text;
  guint status;

  if (bytes == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  status = soup_message_get_status (msg);
  if (status == SOUP_STATUS_CONFLICT && !data->retried)
    {
      const char *id = soup_message_headers_get_one (soup_message_get_response_headers (msg), SESSION_ID_HEADER);
      if (id != NULL)
        {
          g_free (self->session_id);
          self->session_id = g_strdup (id);
          data->retried = TRUE;
          send_request (g_steal_pointer (&task));
          return;
        }
    }
  if (status == SOUP_STATUS_UNAUTHORIZED || status == 429)
    {
      g_task_return_new_error (task, SHOAL_RPC_CLIENT_ERROR, SHOAL_RPC_CLIENT_ERROR_UNAUTHORIZED,
                               status == 429 ? "The server refuses this address for a while after failed logins"
                                             : "The server wants a user name and password");
      return;
    }
  if (status != SOUP_STATUS_OK)
    {
      g_task_return_new_error (task, SHOAL_RPC_CLIENT_ERROR, SHOAL_RPC_CLIENT_ERROR_HTTP,
                               "The server answered %u %s", status, soup_status_get_phrase (status));
      return;
    }
  if (g_bytes_get_size (bytes) > MAX_ANSWER)
    {
      g_task_return_new_error (task, SHOAL_RPC_CLIENT_ERROR, SHOAL_RPC_CLIENT_ERROR_PROTOCOL,
                               "The server's answer is too large");
      return;
    }
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes),
                                   NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !json_object_has_member ((answer = json_node_get_object (root)), "result") ||
      !JSON_NODE_HOLDS_VALUE (json_object_get_member (answer, "result")) ||
      json_node_get_value_type (json_object_get_member (answer, "result")) != G_TYPE_STRING)
    {
      g_task_return_new_error (task, SHOAL_RPC_CLIENT_ERROR, SHOAL_RPC_CLIENT_ERROR_PROTOCOL,
                               "The server does not speak the Transmission RPC");
      return;
    }
  result_text = json_object_get_string_member (answer, "result");
  if (strcmp (result_text, "success") != 0)
    {
      g_task_return_new_error (task, SHOAL_RPC_CLIENT_ERROR, SHOAL_RPC_CLIENT_ERROR_FAILED, "%s", result_text);
      return;
    }
  if (json_object_has_member (answer, "arguments") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (answer, "arguments")))
    g_task_return_pointer (task, json_object_ref (json_object_get_object_member (answer, "arguments")),
                           (GDestroyNotify) json_object_unref);
  else
    g_task_return_pointer (task, json_object_new (), (GDestroyNotify) json_object_unref);
}

static void
send_request (GTask *task)
{
  ShoalRpcClient *self = g_task_get_source_object (task);
  CallData *data = g_task_get_task_data (task);
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_POST, self->url);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

  if (self->session_id != NULL)
    soup_message_headers_replace (headers, SESSION_ID_HEADER, self->session_id);
  if (self->authorization != NULL)
    soup_message_headers_replace (headers, "Authorization", self->authorization);
  soup_message_set_request_body_from_bytes (msg, "application/json", data->body);
  soup_session_send_and_read_async (self->soup, msg, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                    answered_cb, task);
}

/* The JSON-level call: @arguments is taken. */
static void
call_json_async (ShoalRpcClient      *self,
                 const char          *method,
                 JsonObject          *arguments,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(JsonObject) request = json_object_new ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  CallData *data = g_new0 (CallData, 1);
  char *text;
  gsize length = 0;

  g_task_set_source_tag (task, call_json_async);
  json_object_set_string_member (request, "method", method);
  json_object_set_object_member (request, "arguments", arguments != NULL ? arguments : json_object_new ());
  json_node_set_object (root, request);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);
  data->body = g_bytes_new_take (text, length);
  g_task_set_task_data (task, data, (GDestroyNotify) call_data_free);
  send_request (task);
}

/**
 * shoal_rpc_client_call_async:
 * @self: a client
 * @method: an RPC method ("torrent-start", "session-get"…)
 * @arguments: (nullable): its arguments, a floating or owned a{sv}
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: for @callback
 *
 * Calls one method of the remote session.
 */
void
shoal_rpc_client_call_async (ShoalRpcClient      *self,
                             const char          *method,
                             GVariant            *arguments,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  JsonObject *args = NULL;

  g_return_if_fail (SHOAL_IS_RPC_CLIENT (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (arguments == NULL || g_variant_is_of_type (arguments, G_VARIANT_TYPE_VARDICT));

  if (arguments != NULL)
    {
      g_autoptr(GVariant) owned = g_variant_ref_sink (arguments);
      g_autoptr(JsonNode) node = json_gvariant_serialize (owned);
      args = json_object_ref (json_node_get_object (node));
    }
  call_json_async (self, method, args, cancellable, callback, user_data);
}

/**
 * shoal_rpc_client_call_finish:
 *
 * Returns: (transfer full) (nullable): the answer's arguments, an a{sv}
 */
GVariant *
shoal_rpc_client_call_finish (ShoalRpcClient  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_autoptr(JsonObject) args = NULL;
  g_autoptr(JsonNode) node = NULL;
  GVariant *variant;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  args = g_task_propagate_pointer (G_TASK (result), error);
  if (args == NULL)
    return NULL;
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, args);
  variant = json_gvariant_deserialize (node, "a{sv}", NULL);
  return variant != NULL ? g_variant_ref_sink (variant) : g_variant_ref_sink (g_variant_new ("a{sv}", NULL));
}

static void
refreshed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ShoalRpcClient *self = SHOAL_RPC_CLIENT (source);
  gboolean full = GPOINTER_TO_INT (g_task_get_task_data (task));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) args = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(GHashTable) seen = NULL;
  JsonArray *list;
  guint n;

  if (args == NULL)
    {
      /* What was missed while failing comes with the next full listing. */
      self->refreshes = 0;
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!json_object_has_member (args, "torrents") || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (args, "torrents")))
    {
      self->refreshes = 0;
      g_task_return_new_error (task, SHOAL_RPC_CLIENT_ERROR, SHOAL_RPC_CLIENT_ERROR_PROTOCOL,
                               "The server's torrent list is not a list");
      return;
    }
  list = json_object_get_array_member (args, "torrents");
  n = MIN (json_array_get_length (list), MAX_TORRENTS);
  seen = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (list, i);
      JsonObject *o;
      JsonNode *id_node;
      gint64 id;
      ShoalRemoteTorrent *t;

      if (!JSON_NODE_HOLDS_OBJECT (e))
        continue;
      o = json_node_get_object (e);
      id_node = json_object_has_member (o, "id") ? json_object_get_member (o, "id") : NULL;
      if (id_node == NULL || !JSON_NODE_HOLDS_VALUE (id_node) || json_node_get_value_type (id_node) != G_TYPE_INT64)
        continue;
      id = json_node_get_int (id_node);
      if (id <= 0 || id > G_MAXINT)
        continue;
      g_hash_table_add (seen, GINT_TO_POINTER ((int) id));
      t = g_hash_table_lookup (self->by_id, GINT_TO_POINTER ((int) id));
      if (t == NULL)
        {
          g_autoptr(ShoalRemoteTorrent) added = _shoal_remote_torrent_new ((int) id);

          _shoal_remote_torrent_update (added, o);
          g_hash_table_insert (self->by_id, GINT_TO_POINTER ((int) id), added);
          g_list_store_append (self->torrents, added);
        }
      else
        _shoal_remote_torrent_update (t, o);
    }

  /* A full listing names every torrent; a recently-active one names the
   * removed ones. */
  if (!full && json_object_has_member (args, "removed") &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (args, "removed")))
    {
      JsonArray *removed = json_object_get_array_member (args, "removed");

      g_hash_table_remove_all (seen);
      for (guint i = 0; i < MIN (json_array_get_length (removed), MAX_TORRENTS); i++)
        {
          JsonNode *e = json_array_get_element (removed, i);

          if (JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_INT64 &&
              json_node_get_int (e) > 0 && json_node_get_int (e) <= G_MAXINT)
            g_hash_table_add (seen, GINT_TO_POINTER ((int) json_node_get_int (e)));
        }
    }
  if (full || json_object_has_member (args, "removed"))
    for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i > 0; i--)
      {
        g_autoptr(ShoalRemoteTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i - 1);
        gboolean listed = g_hash_table_contains (seen, GINT_TO_POINTER (shoal_remote_torrent_get_id (t)));

        if (full ? !listed : listed)
          {
            g_hash_table_remove (self->by_id, GINT_TO_POINTER (shoal_remote_torrent_get_id (t)));
            g_list_store_remove (self->torrents, i - 1);
          }
      }
  g_task_return_boolean (task, TRUE);
}

/**
 * shoal_rpc_client_invalidate:
 * @self: a client
 *
 * Makes the next refresh list every torrent, not only the recently
 * active ones: after a change the client made, or to catch up.
 */
void
shoal_rpc_client_invalidate (ShoalRpcClient *self)
{
  g_return_if_fail (SHOAL_IS_RPC_CLIENT (self));
  self->refreshes = 0;
}

/**
 * shoal_rpc_client_find_torrent:
 * @self: a client
 * @id: a torrent's id on the server
 *
 * Returns: (transfer none) (nullable): the listed torrent of that id
 */
ShoalRemoteTorrent *
shoal_rpc_client_find_torrent (ShoalRpcClient *self,
                               int             id)
{
  g_return_val_if_fail (SHOAL_IS_RPC_CLIENT (self), NULL);
  return g_hash_table_lookup (self->by_id, GINT_TO_POINTER (id));
}

void
shoal_rpc_client_refresh_async (ShoalRpcClient      *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;
  JsonObject *args = json_object_new ();
  JsonArray *fields = json_array_new ();

  g_return_if_fail (SHOAL_IS_RPC_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_rpc_client_refresh_async);
  g_task_set_task_data (task, GINT_TO_POINTER (self->refreshes == 0), NULL);
  for (guint i = 0; i < G_N_ELEMENTS (client_fields); i++)
    json_array_add_string_element (fields, client_fields[i]);
  json_object_set_array_member (args, "fields", fields);
  if (self->refreshes != 0)
    json_object_set_string_member (args, "ids", "recently-active");
  self->refreshes = (self->refreshes + 1) % FULL_REFRESH_EVERY;
  call_json_async (self, "torrent-get", args, cancellable, refreshed_cb, task);
}

gboolean
shoal_rpc_client_refresh_finish (ShoalRpcClient  *self,
                                 GAsyncResult    *result,
                                 GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
