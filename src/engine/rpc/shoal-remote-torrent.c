/* shoal-remote-torrent.c: one torrent of a remote session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Filled from torrent-get by ShoalRpcClient; notifies only the properties
 * that changed, so that sorted lists do not re-sort for nothing.
 */

#include "config.h"

#include <string.h>

#include "shoal-engine-enums.h"
#include "shoal-rpc-client-private.h"

struct _ShoalRemoteTorrent
{
  GObject           parent_instance;

  int               id;
  char             *name;
  char             *hash;
  ShoalTorrentState state;
  double            progress;
  guint64           size;
  guint64           download_rate;
  guint64           upload_rate;
  gint64            eta;
  char             *error_message;
  char             *download_dir;
  double            ratio;
  guint             n_peers;
  gint64            added;
  guint64           download_limit;
  guint64           upload_limit;
  char            **labels;
  char             *magnet;
  double            check_progress;
  gboolean          has_metainfo;
};

G_DEFINE_FINAL_TYPE (ShoalRemoteTorrent, shoal_remote_torrent, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_HASH,
  PROP_STATE,
  PROP_PROGRESS,
  PROP_SIZE,
  PROP_DOWNLOAD_RATE,
  PROP_UPLOAD_RATE,
  PROP_ETA,
  PROP_ERROR_MESSAGE,
  PROP_DOWNLOAD_DIR,
  PROP_RATIO,
  PROP_N_PEERS,
  PROP_ADDED,
  PROP_DOWNLOAD_LIMIT,
  PROP_UPLOAD_LIMIT,
  PROP_LABELS,
  PROP_MAGNET,
  PROP_CHECK_PROGRESS,
  PROP_HAS_METAINFO,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
shoal_remote_torrent_finalize (GObject *object)
{
  ShoalRemoteTorrent *self = SHOAL_REMOTE_TORRENT (object);

  g_free (self->name);
  g_free (self->hash);
  g_free (self->error_message);
  g_free (self->download_dir);
  g_strfreev (self->labels);
  g_free (self->magnet);
  G_OBJECT_CLASS (shoal_remote_torrent_parent_class)->finalize (object);
}

static void
shoal_remote_torrent_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  ShoalRemoteTorrent *self = SHOAL_REMOTE_TORRENT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int (value, self->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_HASH:
      g_value_set_string (value, self->hash);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    case PROP_SIZE:
      g_value_set_uint64 (value, self->size);
      break;
    case PROP_DOWNLOAD_RATE:
      g_value_set_uint64 (value, self->download_rate);
      break;
    case PROP_UPLOAD_RATE:
      g_value_set_uint64 (value, self->upload_rate);
      break;
    case PROP_ETA:
      g_value_set_int64 (value, self->eta);
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;
    case PROP_DOWNLOAD_DIR:
      g_value_set_string (value, self->download_dir);
      break;
    case PROP_RATIO:
      g_value_set_double (value, self->ratio);
      break;
    case PROP_N_PEERS:
      g_value_set_uint (value, self->n_peers);
      break;
    case PROP_ADDED:
      g_value_set_int64 (value, self->added);
      break;
    case PROP_DOWNLOAD_LIMIT:
      g_value_set_uint64 (value, self->download_limit);
      break;
    case PROP_UPLOAD_LIMIT:
      g_value_set_uint64 (value, self->upload_limit);
      break;
    case PROP_LABELS:
      g_value_set_boxed (value, self->labels);
      break;
    case PROP_MAGNET:
      g_value_set_string (value, self->magnet);
      break;
    case PROP_CHECK_PROGRESS:
      g_value_set_double (value, self->check_progress);
      break;
    case PROP_HAS_METAINFO:
      g_value_set_boolean (value, self->has_metainfo);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_remote_torrent_class_init (ShoalRemoteTorrentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = shoal_remote_torrent_finalize;
  object_class->get_property = shoal_remote_torrent_get_property;

  properties[PROP_ID] = g_param_spec_int ("id", NULL, NULL, 0, G_MAXINT, 0, flags);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_HASH] = g_param_spec_string ("hash", NULL, NULL, NULL, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, SHOAL_TYPE_TORRENT_STATE,
                                              SHOAL_TORRENT_STATE_PAUSED, flags);
  properties[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, 0.0, 1.0, 0.0, flags);
  properties[PROP_SIZE] = g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_DOWNLOAD_RATE] = g_param_spec_uint64 ("download-rate", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_UPLOAD_RATE] = g_param_spec_uint64 ("upload-rate", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_ETA] = g_param_spec_int64 ("eta", NULL, NULL, -1, G_MAXINT64, -1, flags);
  properties[PROP_ERROR_MESSAGE] = g_param_spec_string ("error-message", NULL, NULL, NULL, flags);
  properties[PROP_DOWNLOAD_DIR] = g_param_spec_string ("download-dir", NULL, NULL, NULL, flags);
  properties[PROP_RATIO] = g_param_spec_double ("ratio", NULL, NULL, -1.0, G_MAXDOUBLE, 0.0, flags);
  properties[PROP_N_PEERS] = g_param_spec_uint ("n-peers", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_ADDED] = g_param_spec_int64 ("added", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_DOWNLOAD_LIMIT] = g_param_spec_uint64 ("download-limit", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_UPLOAD_LIMIT] = g_param_spec_uint64 ("upload-limit", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_LABELS] = g_param_spec_boxed ("labels", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_MAGNET] = g_param_spec_string ("magnet", NULL, NULL, NULL, flags);
  properties[PROP_CHECK_PROGRESS] = g_param_spec_double ("check-progress", NULL, NULL, 0.0, 1.0, 0.0, flags);
  properties[PROP_HAS_METAINFO] = g_param_spec_boolean ("has-metainfo", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_remote_torrent_init (ShoalRemoteTorrent *self)
{
  self->eta = -1;
}

ShoalRemoteTorrent *
_shoal_remote_torrent_new (int id)
{
  ShoalRemoteTorrent *self = g_object_new (SHOAL_TYPE_REMOTE_TORRENT, NULL);
  self->id = id;
  return self;
}

static gint64
int_member (JsonObject *o,
            const char *name,
            gint64      fallback)
{
  JsonNode *node = json_object_has_member (o, name) ? json_object_get_member (o, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return fallback;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return (gint64) json_node_get_double (node);
  if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node);
  return fallback;
}

static double
double_member (JsonObject *o,
               const char *name)
{
  JsonNode *node = json_object_has_member (o, name) ? json_object_get_member (o, name) : NULL;

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return json_node_get_double (node);
  return (double) int_member (o, name, 0);
}

static const char *
string_member (JsonObject *o,
               const char *name)
{
  JsonNode *node = json_object_has_member (o, name) ? json_object_get_member (o, name) : NULL;

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

static void
update_string (ShoalRemoteTorrent *self,
               char              **field,
               const char         *value,
               int                 prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

#define UPDATE(field, value, prop) \
  G_STMT_START { \
    if (self->field != (value)) \
      { \
        self->field = (value); \
        g_object_notify_by_pspec (G_OBJECT (self), properties[prop]); \
      } \
  } G_STMT_END

/* Transmission's limits are in kB/s of 1000 bytes, and apply only while
 * their "…Limited" flag is on: 0 is "none". */
static guint64
limit_of (JsonObject *o,
          const char *limit,
          const char *limited)
{
  gint64 kbps = int_member (o, limit, 0);

  if (!int_member (o, limited, 0) || kbps <= 0)
    return 0;
  return (guint64) MIN (kbps, G_MAXINT64 / 1000) * 1000;
}

/* At most 64 labels of at most 256 bytes each, as the server allows. */
static void
update_labels (ShoalRemoteTorrent *self,
               JsonObject         *o)
{
  JsonNode *node = json_object_has_member (o, "labels") ? json_object_get_member (o, "labels") : NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) labels = NULL;
  JsonArray *list;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return;
  list = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (list) && i < 64; i++)
    {
      JsonNode *e = json_array_get_element (list, i);

      if (JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_STRING &&
          strlen (json_node_get_string (e)) <= 256 && g_utf8_validate (json_node_get_string (e), -1, NULL))
        g_strv_builder_add (builder, json_node_get_string (e));
    }
  labels = g_strv_builder_end (builder);
  if (self->labels != NULL && g_strv_equal ((const char * const *) self->labels, (const char * const *) labels))
    return;
  g_strfreev (self->labels);
  self->labels = g_steal_pointer (&labels);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LABELS]);
}

/* Transmission's status (0 stopped, 1-2 checking, 3-4 downloading, 5-6
 * seeding) and error as the engine's states. */
static ShoalTorrentState
state_of (JsonObject *o)
{
  gint64 status = int_member (o, "status", 0);

  if (int_member (o, "error", 0) == 3)
    return SHOAL_TORRENT_STATE_ERROR;
  switch (status)
    {
    case 1:
    case 2:
      return SHOAL_TORRENT_STATE_CHECKING;
    case 3:
    case 5:
      return SHOAL_TORRENT_STATE_QUEUED;
    case 4:
      return double_member (o, "metadataPercentComplete") < 1.0 ? SHOAL_TORRENT_STATE_FETCHING_METADATA
                                                                 : SHOAL_TORRENT_STATE_DOWNLOADING;
    case 6:
      return SHOAL_TORRENT_STATE_SEEDING;
    default:
      return int_member (o, "isFinished", 0) ? SHOAL_TORRENT_STATE_FINISHED : SHOAL_TORRENT_STATE_PAUSED;
    }
}

/* From one torrent object of torrent-get (CLIENT_FIELDS). */
void
_shoal_remote_torrent_update (ShoalRemoteTorrent *self,
                              JsonObject         *o)
{
  gint64 eta = int_member (o, "eta", -1);
  const char *error = string_member (o, "errorString");

  g_object_freeze_notify (G_OBJECT (self));
  update_string (self, &self->name, string_member (o, "name"), PROP_NAME);
  update_string (self, &self->hash, string_member (o, "hashString"), PROP_HASH);
  update_string (self, &self->download_dir, string_member (o, "downloadDir"), PROP_DOWNLOAD_DIR);
  update_string (self, &self->error_message, error != NULL && error[0] != '\0' ? error : NULL, PROP_ERROR_MESSAGE);
  UPDATE (state, state_of (o), PROP_STATE);
  UPDATE (progress, CLAMP (double_member (o, "percentDone"), 0.0, 1.0), PROP_PROGRESS);
  UPDATE (size, (guint64) MAX (int_member (o, "sizeWhenDone", 0), 0), PROP_SIZE);
  UPDATE (download_rate, (guint64) MAX (int_member (o, "rateDownload", 0), 0), PROP_DOWNLOAD_RATE);
  UPDATE (upload_rate, (guint64) MAX (int_member (o, "rateUpload", 0), 0), PROP_UPLOAD_RATE);
  UPDATE (eta, eta >= 0 ? eta : -1, PROP_ETA);
  if (json_object_has_member (o, "uploadRatio"))
    UPDATE (ratio, MAX (double_member (o, "uploadRatio"), 0.0), PROP_RATIO);
  if (json_object_has_member (o, "peersConnected"))
    UPDATE (n_peers, (guint) CLAMP (int_member (o, "peersConnected", 0), 0, G_MAXINT), PROP_N_PEERS);
  if (json_object_has_member (o, "addedDate"))
    UPDATE (added, MAX (int_member (o, "addedDate", 0), 0), PROP_ADDED);
  if (json_object_has_member (o, "downloadLimit"))
    UPDATE (download_limit, limit_of (o, "downloadLimit", "downloadLimited"), PROP_DOWNLOAD_LIMIT);
  if (json_object_has_member (o, "uploadLimit"))
    UPDATE (upload_limit, limit_of (o, "uploadLimit", "uploadLimited"), PROP_UPLOAD_LIMIT);
  if (json_object_has_member (o, "recheckProgress"))
    UPDATE (check_progress, CLAMP (double_member (o, "recheckProgress"), 0.0, 1.0), PROP_CHECK_PROGRESS);
  if (json_object_has_member (o, "metadataPercentComplete"))
    UPDATE (has_metainfo, double_member (o, "metadataPercentComplete") >= 1.0, PROP_HAS_METAINFO);
  if (json_object_has_member (o, "magnetLink"))
    update_string (self, &self->magnet, string_member (o, "magnetLink"), PROP_MAGNET);
  update_labels (self, o);
  g_object_thaw_notify (G_OBJECT (self));
}

int
shoal_remote_torrent_get_id (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), 0);
  return self->id;
}

const char *
shoal_remote_torrent_get_name (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), NULL);
  return self->name != NULL ? self->name : "";
}

const char *
shoal_remote_torrent_get_hash (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), NULL);
  return self->hash;
}

ShoalTorrentState
shoal_remote_torrent_get_state (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), SHOAL_TORRENT_STATE_PAUSED);
  return self->state;
}

double
shoal_remote_torrent_get_progress (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), 0.0);
  return self->progress;
}

guint64
shoal_remote_torrent_get_size (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), 0);
  return self->size;
}

guint64
shoal_remote_torrent_get_download_rate (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), 0);
  return self->download_rate;
}

guint64
shoal_remote_torrent_get_upload_rate (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), 0);
  return self->upload_rate;
}

gint64
shoal_remote_torrent_get_eta (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), -1);
  return self->eta;
}

const char *
shoal_remote_torrent_get_error_message (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), NULL);
  return self->error_message;
}

const char *
shoal_remote_torrent_get_download_dir (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), NULL);
  return self->download_dir;
}

double
shoal_remote_torrent_get_ratio (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), 0.0);
  return self->ratio;
}

guint
shoal_remote_torrent_get_n_peers (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), 0);
  return self->n_peers;
}

/* Seconds since the Unix epoch, 0 when unknown. */
gint64
shoal_remote_torrent_get_added_time (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), 0);
  return self->added;
}

/* Bytes per second, 0 for none. */
guint64
shoal_remote_torrent_get_download_limit (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), 0);
  return self->download_limit;
}

guint64
shoal_remote_torrent_get_upload_limit (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), 0);
  return self->upload_limit;
}

/**
 * shoal_remote_torrent_get_labels:
 * @self: a remote torrent
 *
 * Returns: (transfer none) (nullable): the torrent's labels
 */
const char * const *
shoal_remote_torrent_get_labels (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), NULL);
  return (const char * const *) self->labels;
}

const char *
shoal_remote_torrent_get_magnet (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), NULL);
  return self->magnet;
}

double
shoal_remote_torrent_get_check_progress (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), 0.0);
  return self->check_progress;
}

gboolean
shoal_remote_torrent_get_has_metainfo (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), FALSE);
  return self->has_metainfo;
}
