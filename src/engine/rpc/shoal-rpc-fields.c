/* shoal-rpc-fields.c: the fields of torrent-get, from the public API
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each field Transmission clients ask for, computed from what the session
 * publishes. A few things the engine does not count (corrupt bytes, time
 * spent downloading or seeding, bandwidth groups) are reported as zero or
 * empty, as a fresh Transmission session reports them; README.md lists
 * them.
 */

#include "config.h"

#include <string.h>

#include "shoal-rpc-private.h"

static JsonNode *
int_node (gint64 v)
{
  return json_node_init_int (json_node_alloc (), v);
}

static JsonNode *
double_node (double v)
{
  return json_node_init_double (json_node_alloc (), v);
}

static JsonNode *
bool_node (gboolean v)
{
  return json_node_init_boolean (json_node_alloc (), v);
}

static JsonNode *
string_node (const char *v)
{
  return json_node_init_string (json_node_alloc (), v != NULL ? v : "");
}

static JsonNode *
array_node (JsonArray *array)
{
  JsonNode *node = json_node_alloc ();
  json_node_init_array (node, array);
  json_array_unref (array);
  return node;
}

static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_alloc ();
  json_node_init_object (node, object);
  json_object_unref (object);
  return node;
}

/**
 * _shoal_rpc_status:
 *
 * Transmission's status: 0 stopped, 1 check wait, 2 check, 3 download
 * wait, 4 download, 5 seed wait, 6 seed.
 */
static gboolean have_bytes_is_all (ShoalTorrent *torrent);

int
_shoal_rpc_status (ShoalTorrent *torrent)
{
  switch (shoal_torrent_get_state (torrent))
    {
    case SHOAL_TORRENT_STATE_CHECKING:
      return 2;
    case SHOAL_TORRENT_STATE_DOWNLOADING:
    case SHOAL_TORRENT_STATE_FETCHING_METADATA:
      return 4;
    case SHOAL_TORRENT_STATE_SEEDING:
      return 6;
    case SHOAL_TORRENT_STATE_QUEUED:
      /* download wait or seed wait */
      return have_bytes_is_all (torrent) ? 5 : 3;
    case SHOAL_TORRENT_STATE_PAUSED:
    case SHOAL_TORRENT_STATE_FINISHED:
    case SHOAL_TORRENT_STATE_ERROR:
    default:
      return 0;
    }
}

static guint64
have_bytes (ShoalTorrent *torrent)
{
  guint64 have = 0;
  guint n = shoal_torrent_get_n_files (torrent);

  for (guint i = 0; i < n; i++)
    have += shoal_torrent_get_file_have (torrent, i);
  return have;
}

static guint64 total_size (ShoalTorrent *torrent);

static gboolean
have_bytes_is_all (ShoalTorrent *torrent)
{
  return shoal_torrent_get_metainfo (torrent) != NULL && have_bytes (torrent) >= total_size (torrent);
}

static guint64
total_size (ShoalTorrent *torrent)
{
  ShoalMetainfo *info = shoal_torrent_get_metainfo (torrent);
  return info != NULL ? shoal_metainfo_get_content_size (info) : 0;
}

static gboolean
is_pad (ShoalMetainfo *info,
        guint          i)
{
  return (shoal_metainfo_get_file (info, i)->attributes & SHOAL_FILE_ATTRIBUTE_PAD) != 0;
}

/* Transmission file priority from the engine's. */
static int
rpc_priority (ShoalFilePriority priority)
{
  switch (priority)
    {
    case SHOAL_FILE_PRIORITY_LOW:
      return -1;
    case SHOAL_FILE_PRIORITY_HIGH:
      return 1;
    case SHOAL_FILE_PRIORITY_SKIP:
    case SHOAL_FILE_PRIORITY_NORMAL:
    default:
      return 0;
    }
}

static JsonNode *
files_field (ShoalTorrent *torrent,
             const char   *name)
{
  JsonArray *array = json_array_new ();
  ShoalMetainfo *info = shoal_torrent_get_metainfo (torrent);
  guint n = info != NULL ? shoal_metainfo_get_n_files (info) : 0;

  for (guint i = 0; i < n; i++)
    {
      const ShoalMetainfoFile *file = shoal_metainfo_get_file (info, i);
      ShoalFilePriority priority = shoal_torrent_get_file_priority (torrent, i);
      guint64 have = shoal_torrent_get_file_have (torrent, i);

      if (is_pad (info, i))
        continue;
      if (strcmp (name, "files") == 0)
        {
          JsonObject *o = json_object_new ();
          /* as torrent-rename-path left it */
          g_autofree char *path = shoal_torrent_dup_file_path (torrent, i);

          json_object_set_int_member (o, "bytesCompleted", (gint64) have);
          json_object_set_int_member (o, "length", (gint64) file->length);
          json_object_set_string_member (o, "name", path != NULL ? path : file->path);
          json_array_add_object_element (array, o);
        }
      else if (strcmp (name, "fileStats") == 0)
        {
          JsonObject *o = json_object_new ();
          json_object_set_int_member (o, "bytesCompleted", (gint64) have);
          json_object_set_boolean_member (o, "wanted", priority != SHOAL_FILE_PRIORITY_SKIP);
          json_object_set_int_member (o, "priority", rpc_priority (priority));
          json_array_add_object_element (array, o);
        }
      else if (strcmp (name, "priorities") == 0)
        json_array_add_int_element (array, rpc_priority (priority));
      else /* wanted */
        json_array_add_int_element (array, priority != SHOAL_FILE_PRIORITY_SKIP);
    }
  return array_node (array);
}

/* "1.2.3.4:5" or "[::1]:5" -> address and port */
static void
split_address (const char  *text,
               char       **address,
               int         *port)
{
  const char *colon = strrchr (text, ':');

  *port = colon != NULL ? (int) g_ascii_strtoll (colon + 1, NULL, 10) : 0;
  if (colon == NULL)
    *address = g_strdup (text);
  else if (text[0] == '[' && colon > text && colon[-1] == ']')
    *address = g_strndup (text + 1, (gsize) (colon - text - 2));
  else
    *address = g_strndup (text, (gsize) (colon - text));
}

static gboolean
peer_sending_to_us (ShoalPeerFlags flags)
{
  return (flags & SHOAL_PEER_FLAG_AM_INTERESTED) && !(flags & SHOAL_PEER_FLAG_PEER_CHOKING);
}

static gboolean
peer_getting_from_us (ShoalPeerFlags flags)
{
  return (flags & SHOAL_PEER_FLAG_PEER_INTERESTED) && !(flags & SHOAL_PEER_FLAG_AM_CHOKING);
}

static JsonNode *
peers_field (ShoalTorrent *torrent)
{
  JsonArray *array = json_array_new ();
  GListModel *peers = shoal_torrent_get_peers (torrent);
  guint n = g_list_model_get_n_items (peers);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalPeer) peer = g_list_model_get_item (peers, i);
      ShoalPeerFlags flags = shoal_peer_get_flags (peer);
      JsonObject *o = json_object_new ();
      g_autofree char *address = NULL;
      GString *flag_str = g_string_new (NULL);
      int port = 0;

      if (flags & SHOAL_PEER_FLAG_WEB_SEED)
        {
          json_object_unref (o);
          g_string_free (flag_str, TRUE);
          continue;
        }
      split_address (shoal_peer_get_address (peer), &address, &port);
      /* Transmission's letters, the ones the engine knows */
      if (peer_sending_to_us (flags))
        g_string_append_c (flag_str, 'D');
      else if (flags & SHOAL_PEER_FLAG_AM_INTERESTED)
        g_string_append_c (flag_str, 'd');
      if (peer_getting_from_us (flags))
        g_string_append_c (flag_str, 'U');
      else if (flags & SHOAL_PEER_FLAG_PEER_INTERESTED)
        g_string_append_c (flag_str, 'u');
      if (flags & SHOAL_PEER_FLAG_OPTIMISTIC)
        g_string_append_c (flag_str, 'O');
      if (flags & SHOAL_PEER_FLAG_ENCRYPTED)
        g_string_append_c (flag_str, 'E');
      if (flags & SHOAL_PEER_FLAG_FROM_DHT)
        g_string_append_c (flag_str, 'H');
      if (flags & SHOAL_PEER_FLAG_FROM_PEX)
        g_string_append_c (flag_str, 'X');
      if (flags & SHOAL_PEER_FLAG_INCOMING)
        g_string_append_c (flag_str, 'I');

      json_object_set_string_member (o, "address", address);
      json_object_set_string_member (o, "clientName", shoal_peer_get_client (peer));
      json_object_set_boolean_member (o, "clientIsChoked", (flags & SHOAL_PEER_FLAG_AM_CHOKING) != 0);
      json_object_set_boolean_member (o, "clientIsInterested", (flags & SHOAL_PEER_FLAG_AM_INTERESTED) != 0);
      json_object_set_string_member (o, "flagStr", flag_str->str);
      json_object_set_boolean_member (o, "isDownloadingFrom", peer_sending_to_us (flags));
      json_object_set_boolean_member (o, "isEncrypted", (flags & SHOAL_PEER_FLAG_ENCRYPTED) != 0);
      json_object_set_boolean_member (o, "isIncoming", (flags & SHOAL_PEER_FLAG_INCOMING) != 0);
      json_object_set_boolean_member (o, "isUploadingTo", peer_getting_from_us (flags));
      json_object_set_boolean_member (o, "isUTP", FALSE);
      json_object_set_boolean_member (o, "peerIsChoked", (flags & SHOAL_PEER_FLAG_PEER_CHOKING) != 0);
      json_object_set_boolean_member (o, "peerIsInterested", (flags & SHOAL_PEER_FLAG_PEER_INTERESTED) != 0);
      json_object_set_int_member (o, "port", port);
      json_object_set_double_member (o, "progress", shoal_peer_get_progress (peer));
      json_object_set_int_member (o, "rateToClient", (gint64) shoal_peer_get_download_rate (peer));
      json_object_set_int_member (o, "rateToPeer", (gint64) shoal_peer_get_upload_rate (peer));
      json_array_add_object_element (array, o);
      g_string_free (flag_str, TRUE);
    }
  return array_node (array);
}

typedef struct
{
  guint connected, from_dht, from_incoming, from_lpd, from_pex, from_tracker, sending, getting, web_sending;
} PeerCounts;

static PeerCounts
count_peers (ShoalTorrent *torrent)
{
  PeerCounts c = { 0, };
  GListModel *peers = shoal_torrent_get_peers (torrent);
  guint n = g_list_model_get_n_items (peers);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalPeer) peer = g_list_model_get_item (peers, i);
      ShoalPeerFlags flags = shoal_peer_get_flags (peer);

      if (flags & SHOAL_PEER_FLAG_WEB_SEED)
        {
          c.web_sending += shoal_peer_get_download_rate (peer) > 0;
          continue;
        }
      c.connected++;
      if (flags & SHOAL_PEER_FLAG_INCOMING)
        c.from_incoming++;
      else if (flags & SHOAL_PEER_FLAG_FROM_DHT)
        c.from_dht++;
      else if (flags & SHOAL_PEER_FLAG_FROM_LSD)
        c.from_lpd++;
      else if (flags & SHOAL_PEER_FLAG_FROM_PEX)
        c.from_pex++;
      else if (flags & SHOAL_PEER_FLAG_FROM_TRACKER)
        c.from_tracker++;
      c.sending += peer_sending_to_us (flags);
      c.getting += peer_getting_from_us (flags);
    }
  return c;
}

static char *
host_of_url (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;
  return g_strdup (host != NULL ? host : url);
}

static char *
scrape_of_url (const char *url)
{
  const char *slash = strrchr (url, '/');

  if (slash != NULL && g_str_has_prefix (slash, "/announce"))
    return g_strdup_printf ("%.*s/scrape%s", (int) (slash - url), url, slash + strlen ("/announce"));
  return g_strdup ("");
}

static JsonNode *
trackers_field (ShoalTorrent *torrent,
                const char   *name)
{
  GListModel *trackers = shoal_torrent_get_trackers (torrent);
  guint n = g_list_model_get_n_items (trackers);
  JsonArray *array;
  GString *list;

  if (strcmp (name, "trackerList") == 0)
    {
      guint last_tier = 0;
      list = g_string_new (NULL);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(ShoalTrackerInfo) tr = g_list_model_get_item (trackers, i);
          if (i > 0)
            g_string_append (list, shoal_tracker_info_get_tier (tr) != last_tier ? "\n\n" : "\n");
          g_string_append (list, shoal_tracker_info_get_url (tr));
          last_tier = shoal_tracker_info_get_tier (tr);
        }
      {
        g_autofree char *text = g_string_free (list, FALSE);
        return string_node (text);
      }
    }

  array = json_array_new ();
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalTrackerInfo) tr = g_list_model_get_item (trackers, i);
      const char *url = shoal_tracker_info_get_url (tr);
      g_autofree char *host = host_of_url (url);
      g_autofree char *scrape = scrape_of_url (url);
      JsonObject *o = json_object_new ();

      json_object_set_string_member (o, "announce", url);
      json_object_set_int_member (o, "id", i);
      json_object_set_string_member (o, "scrape", scrape);
      json_object_set_string_member (o, "sitename", host);
      json_object_set_int_member (o, "tier", shoal_tracker_info_get_tier (tr));
      if (strcmp (name, "trackerStats") == 0)
        {
          ShoalTrackerStatus status = shoal_tracker_info_get_status (tr);
          gint64 last = shoal_tracker_info_get_last_announce (tr);
          gint64 next = shoal_tracker_info_get_next_announce (tr);
          const char *message = shoal_tracker_info_get_message (tr);
          int announce_state;

          /* Transmission: 0 inactive, 1 waiting, 2 queued, 3 active */
          switch (status)
            {
            case SHOAL_TRACKER_STATUS_ANNOUNCING:
              announce_state = 3;
              break;
            case SHOAL_TRACKER_STATUS_WORKING:
            case SHOAL_TRACKER_STATUS_ERROR:
              announce_state = next > 0 ? 1 : 0;
              break;
            case SHOAL_TRACKER_STATUS_IDLE:
            case SHOAL_TRACKER_STATUS_BACKUP:
            default:
              announce_state = 0;
              break;
            }
          json_object_set_int_member (o, "announceState", announce_state);
          json_object_set_int_member (o, "downloadCount", shoal_tracker_info_get_downloaded (tr));
          json_object_set_boolean_member (o, "hasAnnounced", last > 0);
          json_object_set_boolean_member (o, "hasScraped", FALSE);
          json_object_set_string_member (o, "host", host);
          json_object_set_boolean_member (o, "isBackup", status == SHOAL_TRACKER_STATUS_BACKUP);
          json_object_set_int_member (o, "lastAnnouncePeerCount", shoal_tracker_info_get_last_peers (tr));
          json_object_set_string_member (o, "lastAnnounceResult",
                                         status == SHOAL_TRACKER_STATUS_ERROR && message != NULL ? message :
                                         last > 0 ? "Success" : "");
          json_object_set_int_member (o, "lastAnnounceStartTime", last);
          json_object_set_boolean_member (o, "lastAnnounceSucceeded",
                                          last > 0 && status != SHOAL_TRACKER_STATUS_ERROR);
          json_object_set_int_member (o, "lastAnnounceTime", last);
          json_object_set_boolean_member (o, "lastAnnounceTimedOut", FALSE);
          json_object_set_string_member (o, "lastScrapeResult", "");
          json_object_set_int_member (o, "lastScrapeStartTime", 0);
          json_object_set_boolean_member (o, "lastScrapeSucceeded", FALSE);
          json_object_set_int_member (o, "lastScrapeTime", 0);
          json_object_set_boolean_member (o, "lastScrapeTimedOut", FALSE);
          json_object_set_int_member (o, "leecherCount", shoal_tracker_info_get_leechers (tr));
          json_object_set_int_member (o, "nextAnnounceTime", next);
          json_object_set_int_member (o, "nextScrapeTime", 0);
          json_object_set_int_member (o, "scrapeState", 0);
          json_object_set_int_member (o, "seederCount", shoal_tracker_info_get_seeders (tr));
        }
      json_array_add_object_element (array, o);
    }
  return array_node (array);
}

static JsonNode *
pieces_field (ShoalTorrent *torrent)
{
  const ShoalBitfield *pieces = shoal_torrent_get_pieces (torrent);
  gsize length = 0;
  const guint8 *bytes;

  if (pieces == NULL)
    return string_node ("");
  bytes = shoal_bitfield_get_bytes (pieces, &length);
  if (length == 0)
    return string_node ("");
  {
    g_autofree char *b64 = g_base64_encode (bytes, length);
    return string_node (b64);
  }
}

static char *
magnet_link (ShoalTorrent *torrent)
{
  ShoalMetainfo *info = shoal_torrent_get_metainfo (torrent);
  g_autofree char *name = NULL;

  if (info != NULL)
    return shoal_metainfo_to_magnet (info);
  name = shoal_magnet_escape_value (shoal_torrent_get_name (torrent));
  return g_strdup_printf ("magnet:?xt=urn:btih:%s&dn=%s", shoal_torrent_get_info_hash_hex (torrent), name);
}

static char *
primary_mime_type (ShoalTorrent *torrent)
{
  ShoalMetainfo *info = shoal_torrent_get_metainfo (torrent);
  guint n = info != NULL ? shoal_metainfo_get_n_files (info) : 0;
  const ShoalMetainfoFile *largest = NULL;
  g_autofree char *type = NULL;

  for (guint i = 0; i < n; i++)
    {
      const ShoalMetainfoFile *file = shoal_metainfo_get_file (info, i);
      if (!is_pad (info, i) && (largest == NULL || file->length > largest->length))
        largest = file;
    }
  if (largest == NULL)
    return g_strdup ("application/octet-stream");
  type = g_content_type_guess (largest->path, NULL, 0, NULL);
  return g_content_type_get_mime_type (type);
}

static guint64
desired_available (ShoalTorrent *torrent,
                   guint64       left)
{
  ShoalMetainfo *info = shoal_torrent_get_metainfo (torrent);
  const ShoalBitfield *pieces = shoal_torrent_get_pieces (torrent);
  guint64 available = 0;
  guint n;

  if (info == NULL || pieces == NULL)
    return 0;
  if (shoal_torrent_get_n_seeds (torrent) > 0)
    return left;
  n = shoal_metainfo_get_n_pieces (info);
  for (guint i = 0; i < n && available < left; i++)
    if (!shoal_bitfield_get (pieces, i) && shoal_torrent_get_piece_availability (torrent, i) > 0)
      available += shoal_metainfo_get_piece_size (info, i);
  return MIN (available, left);
}

static const char * const known_fields[] = {
  "activityDate", "addedDate", "bandwidthPriority", "comment", "corruptEver", "creator",
  "dateCreated", "desiredAvailable", "doneDate", "downloadDir", "downloadedEver",
  "downloadLimit", "downloadLimited", "editDate", "error", "errorString", "eta", "etaIdle",
  "file-count", "files", "fileStats", "group", "hashString", "haveUnchecked", "haveValid",
  "honorsSessionLimits", "id", "isFinished", "labels", "isPrivate", "isStalled", "leftUntilDone",
  "magnetLink", "manualAnnounceTime", "maxConnectedPeers", "metadataPercentComplete", "name",
  "peer-limit", "peers", "peersConnected", "peersFrom", "peersGettingFromUs",
  "peersSendingToUs", "percentComplete", "percentDone", "pieces", "pieceCount", "pieceSize",
  "priorities", "primary-mime-type", "queuePosition", "rateDownload", "rateUpload",
  "recheckProgress", "secondsDownloading", "secondsSeeding", "seedIdleLimit", "seedIdleMode",
  "seedRatioLimit", "seedRatioMode", "sequentialDownload", "sizeWhenDone", "startDate",
  "status", "torrentFile", "totalSize", "trackerList", "trackers", "trackerStats",
  "uploadedEver", "uploadLimit", "uploadLimited", "uploadRatio", "wanted", "webseeds",
  "webseedsSendingToUs",
};

gboolean
_shoal_rpc_torrent_field_known (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (known_fields); i++)
    if (strcmp (known_fields[i], name) == 0)
      return TRUE;
  return FALSE;
}

/**
 * _shoal_rpc_torrent_field:
 * @name: a field for which _shoal_rpc_torrent_field_known() is true
 *
 * Returns: (transfer full): the field's value
 */
JsonNode *
_shoal_rpc_torrent_field (ShoalRpcServer  *self,
                          ShoalRpcTorrent *t,
                          const char      *name)
{
  ShoalTorrent *torrent = t->torrent;
  ShoalMetainfo *info = shoal_torrent_get_metainfo (torrent);
  ShoalTorrentState state = shoal_torrent_get_state (torrent);
  guint64 wanted = shoal_torrent_get_size_wanted (torrent);
  guint64 have_wanted = shoal_torrent_get_have_wanted (torrent);
  guint64 left = wanted > have_wanted ? wanted - have_wanted : 0;

#define IS(field) (strcmp (name, field) == 0)
  if (IS ("id"))
    return int_node (t->id);
  if (IS ("name"))
    return string_node (shoal_torrent_get_name (torrent));
  if (IS ("hashString"))
    return string_node (shoal_torrent_get_info_hash_hex (torrent));
  if (IS ("status"))
    return int_node (_shoal_rpc_status (torrent));
  if (IS ("error"))
    return int_node (state == SHOAL_TORRENT_STATE_ERROR ? 3 : 0);
  if (IS ("errorString"))
    {
      const GError *error = shoal_torrent_get_error (torrent);
      return string_node (state == SHOAL_TORRENT_STATE_ERROR && error != NULL ? error->message : "");
    }
  if (IS ("percentDone"))
    return double_node (info == NULL ? 0.0 : wanted > 0 ? (double) have_wanted / (double) wanted : 1.0);
  if (IS ("percentComplete"))
    {
      guint64 total = total_size (torrent);
      return double_node (total > 0 ? (double) have_bytes (torrent) / (double) total : 0.0);
    }
  if (IS ("metadataPercentComplete"))
    return double_node (info != NULL ? 1.0 : 0.0);
  if (IS ("recheckProgress"))
    return double_node (state == SHOAL_TORRENT_STATE_CHECKING ? shoal_torrent_get_check_progress (torrent) : 0.0);
  if (IS ("rateDownload"))
    return int_node ((gint64) shoal_torrent_get_download_rate (torrent));
  if (IS ("rateUpload"))
    return int_node ((gint64) shoal_torrent_get_upload_rate (torrent));
  if (IS ("eta"))
    {
      gint64 eta = shoal_torrent_get_eta (torrent);
      return int_node (state != SHOAL_TORRENT_STATE_DOWNLOADING ? -1 : eta >= 0 ? eta : -2);
    }
  if (IS ("etaIdle"))
    return int_node (-1);
  if (IS ("sizeWhenDone"))
    return int_node ((gint64) wanted);
  if (IS ("leftUntilDone"))
    return int_node ((gint64) left);
  if (IS ("desiredAvailable"))
    return int_node ((gint64) desired_available (torrent, left));
  if (IS ("totalSize"))
    return int_node ((gint64) total_size (torrent));
  if (IS ("haveValid"))
    return int_node ((gint64) have_bytes (torrent));
  if (IS ("haveUnchecked") || IS ("corruptEver") || IS ("secondsDownloading") || IS ("secondsSeeding") ||
      IS ("editDate") || IS ("bandwidthPriority"))
    return int_node (0);
  if (IS ("downloadedEver"))
    return int_node ((gint64) shoal_torrent_get_downloaded (torrent));
  if (IS ("uploadedEver"))
    return int_node ((gint64) shoal_torrent_get_uploaded (torrent));
  if (IS ("uploadRatio"))
    return double_node (shoal_torrent_get_downloaded (torrent) == 0 && wanted == 0 ? -1.0 :
                        shoal_torrent_get_ratio (torrent));
  if (IS ("isFinished"))
    return bool_node (state == SHOAL_TORRENT_STATE_FINISHED);
  if (IS ("isStalled"))
    return bool_node (FALSE);
  if (IS ("isPrivate"))
    return bool_node (info != NULL && shoal_metainfo_is_private (info));
  if (IS ("addedDate") || IS ("startDate"))
    return int_node (shoal_torrent_get_added_time (torrent));
  if (IS ("doneDate"))
    return int_node (MAX (shoal_torrent_get_completed_time (torrent), 0));
  if (IS ("activityDate"))
    {
      gint64 ago = g_get_monotonic_time () / G_USEC_PER_SEC - t->last_active;
      _shoal_rpc_torrent_recently_active (t);
      return int_node (g_get_real_time () / G_USEC_PER_SEC - MAX (ago, 0));
    }
  if (IS ("dateCreated"))
    return int_node (info != NULL ? shoal_metainfo_get_creation_date (info) : 0);
  if (IS ("comment"))
    return string_node (info != NULL ? shoal_metainfo_get_comment (info) : "");
  if (IS ("creator"))
    return string_node (info != NULL ? shoal_metainfo_get_created_by (info) : "");
  if (IS ("downloadDir"))
    return string_node (shoal_torrent_get_save_dir (torrent));
  if (IS ("downloadLimit"))
    return int_node ((gint64) t->down_limit_k);
  if (IS ("downloadLimited"))
    return bool_node (t->down_limited);
  if (IS ("uploadLimit"))
    return int_node ((gint64) t->up_limit_k);
  if (IS ("uploadLimited"))
    return bool_node (t->up_limited);
  if (IS ("honorsSessionLimits"))
    return bool_node (TRUE);
  if (IS ("files") || IS ("fileStats") || IS ("priorities") || IS ("wanted"))
    return files_field (torrent, name);
  if (IS ("file-count"))
    {
      guint n = info != NULL ? shoal_metainfo_get_n_files (info) : 0, count = 0;
      for (guint i = 0; i < n; i++)
        count += !is_pad (info, i);
      return int_node (count);
    }
  if (IS ("group") || IS ("torrentFile"))
    return string_node ("");
  if (IS ("peers"))
    return peers_field (torrent);
  if (IS ("peersConnected") || IS ("peersFrom") || IS ("peersGettingFromUs") ||
      IS ("peersSendingToUs") || IS ("webseedsSendingToUs"))
    {
      PeerCounts c = count_peers (torrent);
      JsonObject *o;

      if (IS ("peersConnected"))
        return int_node (c.connected);
      if (IS ("peersGettingFromUs"))
        return int_node (c.getting);
      if (IS ("peersSendingToUs"))
        return int_node (c.sending);
      if (IS ("webseedsSendingToUs"))
        return int_node (c.web_sending);
      o = json_object_new ();
      json_object_set_int_member (o, "fromCache", 0);
      json_object_set_int_member (o, "fromDht", c.from_dht);
      json_object_set_int_member (o, "fromIncoming", c.from_incoming);
      json_object_set_int_member (o, "fromLpd", c.from_lpd);
      json_object_set_int_member (o, "fromLtep", 0);
      json_object_set_int_member (o, "fromPex", c.from_pex);
      json_object_set_int_member (o, "fromTracker", c.from_tracker);
      return object_node (o);
    }
  if (IS ("pieces"))
    return pieces_field (torrent);
  if (IS ("pieceCount"))
    return int_node (info != NULL ? shoal_metainfo_get_n_pieces (info) : 0);
  if (IS ("pieceSize"))
    return int_node (info != NULL ? (gint64) shoal_metainfo_get_piece_length (info) : 0);
  if (IS ("trackers") || IS ("trackerStats") || IS ("trackerList"))
    return trackers_field (torrent, name);
  if (IS ("labels"))
    {
      JsonArray *array = json_array_new ();
      const char * const *labels = shoal_torrent_get_labels (torrent);
      for (guint i = 0; labels != NULL && labels[i] != NULL; i++)
        json_array_add_string_element (array, labels[i]);
      return array_node (array);
    }
  if (IS ("webseeds"))
    {
      JsonArray *array = json_array_new ();
      const char * const *seeds = info != NULL ? shoal_metainfo_get_web_seeds (info) : NULL;
      for (guint i = 0; seeds != NULL && seeds[i] != NULL; i++)
        json_array_add_string_element (array, seeds[i]);
      return array_node (array);
    }
  if (IS ("magnetLink"))
    {
      g_autofree char *link = magnet_link (torrent);
      return string_node (link);
    }
  if (IS ("primary-mime-type"))
    {
      g_autofree char *type = primary_mime_type (torrent);
      return string_node (type);
    }
  if (IS ("manualAnnounceTime"))
    return int_node (t->manual_announce > 0 ? t->manual_announce : -1);
  if (IS ("maxConnectedPeers") || IS ("peer-limit"))
    return int_node (shoal_torrent_get_max_connections (torrent));
  if (IS ("queuePosition"))
    return int_node (shoal_torrent_get_queue_position (torrent));
  /* The modes as the engine has them; a torrent's own limit as it has
   * it, else the one kept for when it gets one. */
  if (IS ("seedRatioLimit"))
    return double_node (shoal_torrent_get_seed_ratio_mode (torrent) == SHOAL_SEED_LIMIT_MODE_OWN ?
                        shoal_torrent_get_seed_ratio_limit (torrent) : t->seed_ratio_limit);
  if (IS ("seedRatioMode"))
    return int_node (shoal_torrent_get_seed_ratio_mode (torrent));
  if (IS ("seedIdleLimit"))
    return int_node (shoal_torrent_get_seed_idle_mode (torrent) == SHOAL_SEED_LIMIT_MODE_OWN ?
                     MAX (shoal_torrent_get_seed_idle_limit (torrent) / 60, 1) : t->seed_idle_limit);
  if (IS ("seedIdleMode"))
    return int_node (shoal_torrent_get_seed_idle_mode (torrent));
  if (IS ("sequentialDownload"))
    return bool_node (shoal_torrent_get_sequential (torrent));
#undef IS

  g_assert_not_reached ();
}
