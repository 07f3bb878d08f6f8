/* shoal-rpc-methods.c: the methods of the Transmission RPC
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A request is {"method": NAME, "arguments": {…}, "tag": N}; the answer
 * carries "result": "success" or a sentence saying what went wrong. Every
 * argument's type is checked before anything is changed: a request with
 * one wrong argument changes nothing.
 */

#include "config.h"

#include <string.h>

#include "shoal-rpc-private.h"

/* rpc-version 17 is what Transmission 4.0 serves; 14 is the oldest whose
 * clients we answer as they expect (and Transmission 3.00's remote is 16). */
#define RPC_VERSION 17
#define RPC_VERSION_MINIMUM 14
#define RPC_VERSION_SEMVER "5.3.0"

typedef struct
{
  ShoalRpcServer *self;
  ShoalRpcReply   reply;
  gpointer        user_data;
  char           *error;        /* the first argument error */
  guint           pending;      /* async operations still running */
  JsonObject     *result;
  char           *async_error;
  guint           refs;         /* the answer's, and the dispatcher's */
  gboolean        answered;
} Call;

static void
call_unref (Call *call)
{
  if (--call->refs > 0)
    return;
  g_object_unref (call->self);
  g_free (call->error);
  g_free (call->async_error);
  g_clear_pointer (&call->result, json_object_unref);
  g_free (call);
}

/* Answers (once) and drops the answer's reference. */
static void
call_finish (Call       *call,
             JsonObject *arguments,
             const char *result)
{
  g_assert (!call->answered);
  call->answered = TRUE;
  call->reply (call->self, arguments, result, call->user_data);
  call_unref (call);
}

static void
call_fail (Call       *call,
           const char *message)
{
  g_debug ("RPC: error: %s", message);
  call_finish (call, NULL, message);
}

static void
call_succeed (Call       *call,
              JsonObject *arguments)
{
  call_finish (call, arguments, "success");
}

/* Arguments ----------------------------------------------------------------- */

static gboolean G_GNUC_PRINTF (2, 3)
arg_error (Call       *call,
           const char *format,
           ...)
{
  va_list ap;

  if (call->error == NULL)
    {
      va_start (ap, format);
      call->error = g_strdup_vprintf (format, ap);
      va_end (ap);
    }
  return FALSE;
}

static JsonNode *
member (JsonObject *args,
        const char *key)
{
  return args != NULL && json_object_has_member (args, key) ? json_object_get_member (args, key) : NULL;
}

static GType
value_type (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
}

/* An integer argument (a double with an integral value will do). Returns
 * FALSE on a wrong type; *present says whether it was given. */
static gboolean
arg_int (Call       *call,
         JsonObject *args,
         const char *key,
         gint64      min,
         gint64      max,
         gint64     *out,
         gboolean   *present)
{
  JsonNode *node = member (args, key);
  gint64 v;

  *present = FALSE;
  if (node == NULL)
    return TRUE;
  if (value_type (node) == G_TYPE_INT64)
    v = json_node_get_int (node);
  else if (value_type (node) == G_TYPE_DOUBLE && json_node_get_double (node) == (double) (gint64) json_node_get_double (node))
    v = (gint64) json_node_get_double (node);
  else
    return arg_error (call, "argument \"%s\" must be an integer", key);
  if (v < min || v > max)
    return arg_error (call, "argument \"%s\" is out of range (%" G_GINT64_FORMAT " to %" G_GINT64_FORMAT ")",
                      key, min, max);
  *out = v;
  *present = TRUE;
  return TRUE;
}

/* A boolean (Transmission also takes 0 and 1). */
static gboolean
arg_bool (Call       *call,
          JsonObject *args,
          const char *key,
          gboolean   *out,
          gboolean   *present)
{
  JsonNode *node = member (args, key);

  *present = FALSE;
  if (node == NULL)
    return TRUE;
  if (value_type (node) == G_TYPE_BOOLEAN)
    *out = json_node_get_boolean (node);
  else if (value_type (node) == G_TYPE_INT64 && (json_node_get_int (node) == 0 || json_node_get_int (node) == 1))
    *out = json_node_get_int (node) == 1;
  else
    return arg_error (call, "argument \"%s\" must be a boolean", key);
  *present = TRUE;
  return TRUE;
}

static gboolean
arg_double (Call       *call,
            JsonObject *args,
            const char *key,
            double      min,
            double      max,
            double     *out,
            gboolean   *present)
{
  JsonNode *node = member (args, key);
  double v;

  *present = FALSE;
  if (node == NULL)
    return TRUE;
  if (value_type (node) == G_TYPE_INT64)
    v = (double) json_node_get_int (node);
  else if (value_type (node) == G_TYPE_DOUBLE)
    v = json_node_get_double (node);
  else
    return arg_error (call, "argument \"%s\" must be a number", key);
  if (!(v >= min && v <= max))
    return arg_error (call, "argument \"%s\" is out of range", key);
  *out = v;
  *present = TRUE;
  return TRUE;
}

static gboolean
arg_string (Call        *call,
            JsonObject  *args,
            const char  *key,
            const char **out)
{
  JsonNode *node = member (args, key);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (value_type (node) != G_TYPE_STRING)
    return arg_error (call, "argument \"%s\" must be a string", key);
  *out = json_node_get_string (node);
  return TRUE;
}

/* A list of integers (file indices): an empty list when absent. */
static gboolean
arg_int_list (Call        *call,
              JsonObject  *args,
              const char  *key,
              GArray     **out)
{
  JsonNode *node = member (args, key);
  JsonArray *array;
  guint n;

  *out = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return arg_error (call, "argument \"%s\" must be a list of integers", key);
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (array, i);
      gint64 v;

      if (value_type (e) != G_TYPE_INT64)
        return arg_error (call, "argument \"%s\" must be a list of integers", key);
      v = json_node_get_int (e);
      g_array_append_val (*out, v);
    }
  return TRUE;
}

/* labels: a list of strings, each a label as transmission-remote writes
 * them (it joins and splits them at commas). Refused, rather than cleaned
 * up behind the client's back: more than SHOAL_TORRENT_MAX_LABELS, an
 * empty one, one longer than SHOAL_TORRENT_MAX_LABEL_LEN bytes, one with a
 * comma or a control character. Repeated labels are kept once. *out is
 * NULL when the argument is absent. */
static gboolean
arg_labels (Call         *call,
            JsonObject   *args,
            GStrv        *out)
{
  JsonNode *node = member (args, "labels");
  g_autoptr(GStrvBuilder) b = NULL;
  g_autoptr(GPtrArray) seen = NULL;
  JsonArray *array;
  guint n;

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return arg_error (call, "argument \"labels\" must be a list of strings");
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  if (n > SHOAL_TORRENT_MAX_LABELS)
    return arg_error (call, "at most %d labels", SHOAL_TORRENT_MAX_LABELS);
  b = g_strv_builder_new ();
  seen = g_ptr_array_new ();
  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (array, i);
      const char *label;
      gsize len;

      if (value_type (e) != G_TYPE_STRING)
        return arg_error (call, "argument \"labels\" must be a list of strings");
      label = json_node_get_string (e);
      len = strlen (label);
      if (len == 0 || g_ascii_isspace (label[0]) || g_ascii_isspace (label[len - 1]))
        return arg_error (call, "a label must not be empty nor begin or end with a space");
      if (len > SHOAL_TORRENT_MAX_LABEL_LEN)
        return arg_error (call, "a label is at most %d bytes long", SHOAL_TORRENT_MAX_LABEL_LEN);
      if (!g_utf8_validate (label, (gssize) len, NULL))
        return arg_error (call, "a label must be UTF-8");
      for (const char *c = label; *c != '\0'; c = g_utf8_next_char (c))
        if (*c == ',' || g_unichar_iscntrl (g_utf8_get_char (c)))
          return arg_error (call, "a label must not contain a comma or a control character");
      if (g_ptr_array_find_with_equal_func (seen, label, g_str_equal, NULL))
        continue;
      g_ptr_array_add (seen, (gpointer) label);
      g_strv_builder_add (b, label);
    }
  *out = g_strv_builder_end (b);
  return TRUE;
}

/* Whether every member of @args is one of @known (NULL-terminated). */
static gboolean
check_keys (Call               *call,
            JsonObject         *args,
            const char * const *known)
{
  g_autoptr(GList) names = args != NULL ? json_object_get_members (args) : NULL;

  for (GList *l = names; l != NULL; l = l->next)
    if (!g_strv_contains (known, l->data))
      return arg_error (call, "unknown argument \"%s\"", (const char *) l->data);
  return TRUE;
}

/* ids: absent for all; an id; a hash; "recently-active"; or a list of ids
 * and hashes. Unknown ids and hashes name no torrent, as in Transmission. */
static GPtrArray *
select_torrents (Call       *call,
                 JsonObject *args,
                 gboolean   *recent)
{
  ShoalRpcServer *self = call->self;
  JsonNode *node = member (args, "ids");
  g_autoptr(GPtrArray) out = g_ptr_array_new ();

  *recent = FALSE;
  if (node == NULL)
    {
      g_ptr_array_extend (out, self->torrents, NULL, NULL);
      return g_steal_pointer (&out);
    }
  if (value_type (node) == G_TYPE_STRING && strcmp (json_node_get_string (node), "recently-active") == 0)
    {
      *recent = TRUE;
      for (guint i = 0; i < self->torrents->len; i++)
        if (_shoal_rpc_torrent_recently_active (g_ptr_array_index (self->torrents, i)))
          g_ptr_array_add (out, g_ptr_array_index (self->torrents, i));
      return g_steal_pointer (&out);
    }

  {
    JsonArray *list = NULL;
    guint n = 1;

    if (JSON_NODE_HOLDS_ARRAY (node))
      {
        list = json_node_get_array (node);
        n = json_array_get_length (list);
      }
    for (guint i = 0; i < n; i++)
      {
        JsonNode *e = list != NULL ? json_array_get_element (list, i) : node;
        ShoalRpcTorrent *t = NULL;

        if (value_type (e) == G_TYPE_INT64)
          t = json_node_get_int (e) > 0 && json_node_get_int (e) <= G_MAXINT ?
              _shoal_rpc_torrent_by_id (self, (int) json_node_get_int (e)) : NULL;
        else if (value_type (e) == G_TYPE_STRING)
          t = _shoal_rpc_torrent_by_hash (self, json_node_get_string (e));
        else
          {
            arg_error (call, "argument \"ids\" must be an id, a hash, a list of them, or \"recently-active\"");
            return NULL;
          }
        if (t != NULL && !g_ptr_array_find (out, t, NULL))
          g_ptr_array_add (out, t);
      }
  }
  return g_steal_pointer (&out);
}

/* session-get / session-set / session-stats --------------------------------- */

static const char *
encryption_name (ShoalEncryptionPolicy policy)
{
  switch (policy)
    {
    case SHOAL_ENCRYPTION_REQUIRE:
      return "required";
    case SHOAL_ENCRYPTION_ALLOW_PLAINTEXT:
      return "tolerated";
    case SHOAL_ENCRYPTION_PREFER:
    default:
      return "preferred";
    }
}

static void
add_units (JsonObject *o)
{
  JsonObject *units = json_object_new ();
  JsonArray *speed = json_array_new ();
  JsonArray *size = json_array_new ();
  JsonArray *memory = json_array_new ();
  const char *speed_names[] = { "kB/s", "MB/s", "GB/s", "TB/s" };
  const char *size_names[] = { "kB", "MB", "GB", "TB" };
  const char *memory_names[] = { "KiB", "MiB", "GiB", "TiB" };

  for (guint i = 0; i < 4; i++)
    {
      json_array_add_string_element (speed, speed_names[i]);
      json_array_add_string_element (size, size_names[i]);
      json_array_add_string_element (memory, memory_names[i]);
    }
  json_object_set_array_member (units, "speed-units", speed);
  json_object_set_int_member (units, "speed-bytes", SHOAL_RPC_SPEED_K);
  json_object_set_array_member (units, "size-units", size);
  json_object_set_int_member (units, "size-bytes", 1000);
  json_object_set_array_member (units, "memory-units", memory);
  json_object_set_int_member (units, "memory-bytes", 1024);
  json_object_set_object_member (o, "units", units);
}

static gint64
free_bytes (const char *path,
            gint64     *total)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInfo) info = g_file_query_filesystem_info (file, G_FILE_ATTRIBUTE_FILESYSTEM_FREE ","
                                                            G_FILE_ATTRIBUTE_FILESYSTEM_SIZE, NULL, NULL);
  if (info == NULL)
    {
      *total = -1;
      return -1;
    }
  *total = (gint64) g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_SIZE);
  return (gint64) g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
}

/* Transmission's days: bit 0 Sunday … bit 6 Saturday; the session's: bit
 * 0 Monday … bit 6 Sunday. */
static guint
days_to_rpc (guint days)
{
  return ((days << 1) & 0x7e) | ((days >> 6) & 1);
}

static guint
days_from_rpc (guint days)
{
  return ((days >> 1) & 0x3f) | ((days & 1) << 6);
}

static JsonObject *
session_object (ShoalRpcServer *self)
{
  JsonObject *o = json_object_new ();
  ShoalSession *session = self->session;
  const char *download_dir = shoal_session_get_download_dir (session);
  guint max_global = 0, max_per_torrent = 0, downloads = 0, seeds = 0, stalled = 0;
  guint alt_days = 0, alt_begin = 0, alt_end = 0;
  guint64 alt_down = 0, alt_up = 0;
  gboolean alt_on = FALSE, alt_scheduled = FALSE;
  g_autofree char *incomplete = NULL;
  gint64 total = 0;

  g_object_get (session, "max-connections", &max_global, "max-connections-per-torrent", &max_per_torrent,
                "max-active-downloads", &downloads, "max-active-seeds", &seeds, "stalled-seconds", &stalled,
                "alt-download-limit", &alt_down, "alt-upload-limit", &alt_up, "alt-speed-enabled", &alt_on,
                "alt-schedule-enabled", &alt_scheduled, "alt-days", &alt_days, "alt-begin-minute", &alt_begin,
                "alt-end-minute", &alt_end, "incomplete-dir", &incomplete, NULL);

  /* 0 (the session's "none") when no alternative limit was set */
  json_object_set_boolean_member (o, "alt-speed-enabled", alt_on);
  json_object_set_int_member (o, "alt-speed-down", (gint64) (alt_down / SHOAL_RPC_SPEED_K));
  json_object_set_int_member (o, "alt-speed-up", (gint64) (alt_up / SHOAL_RPC_SPEED_K));
  json_object_set_boolean_member (o, "alt-speed-time-enabled", alt_scheduled);
  json_object_set_int_member (o, "alt-speed-time-begin", alt_begin);
  json_object_set_int_member (o, "alt-speed-time-end", alt_end);
  json_object_set_int_member (o, "alt-speed-time-day", days_to_rpc (alt_days));
  json_object_set_boolean_member (o, "blocklist-enabled", shoal_session_get_blocklist (session) != NULL);
  json_object_set_int_member (o, "blocklist-size", shoal_session_get_blocklist_n_ranges (session));
  json_object_set_string_member (o, "blocklist-url",
                                 shoal_session_get_blocklist (session) != NULL ? shoal_session_get_blocklist (session) :
                                 self->blocklist_url != NULL ? self->blocklist_url : "");
  json_object_set_int_member (o, "cache-size-mb", 4);
  json_object_set_string_member (o, "config-dir", shoal_session_get_state_dir (session));
  json_object_set_string_member (o, "default-trackers", "");
  json_object_set_boolean_member (o, "dht-enabled", shoal_session_get_dht_enabled (session));
  json_object_set_string_member (o, "download-dir", download_dir != NULL ? download_dir : "");
  json_object_set_int_member (o, "download-dir-free-space",
                              download_dir != NULL ? free_bytes (download_dir, &total) : -1);
  json_object_set_boolean_member (o, "download-queue-enabled", downloads > 0);
  json_object_set_int_member (o, "download-queue-size", downloads > 0 ? downloads : self->download_queue_size);
  json_object_set_string_member (o, "encryption", encryption_name (shoal_session_get_encryption_policy (session)));
  json_object_set_boolean_member (o, "idle-seeding-limit-enabled", self->idle_seeding_limit_enabled);
  json_object_set_int_member (o, "idle-seeding-limit", self->idle_seeding_limit);
  json_object_set_string_member (o, "incomplete-dir",
                                 incomplete != NULL ? incomplete :
                                 self->incomplete_dir != NULL ? self->incomplete_dir :
                                 download_dir != NULL ? download_dir : "");
  json_object_set_boolean_member (o, "incomplete-dir-enabled", incomplete != NULL);
  json_object_set_boolean_member (o, "lpd-enabled", shoal_session_get_lsd_enabled (session));
  json_object_set_int_member (o, "peer-limit-global", max_global);
  json_object_set_int_member (o, "peer-limit-per-torrent", max_per_torrent);
  json_object_set_int_member (o, "peer-port", shoal_session_get_listen_port (session));
  json_object_set_boolean_member (o, "peer-port-random-on-start", FALSE);
  json_object_set_string_member (o, "shoal-interface", shoal_session_get_interface (session) != NULL ? shoal_session_get_interface (session) : "");
  json_object_set_string_member (o, "shoal-proxy", shoal_session_get_proxy (session) != NULL ? shoal_session_get_proxy (session) : "");
  json_object_set_boolean_member (o, "pex-enabled", shoal_session_get_pex_enabled (session));
  json_object_set_boolean_member (o, "port-forwarding-enabled", shoal_session_get_port_mapping_enabled (session));
  json_object_set_boolean_member (o, "queue-stalled-enabled", stalled > 0);
  json_object_set_int_member (o, "queue-stalled-minutes", stalled > 0 ? MAX (stalled / 60, 1) : self->stalled_minutes);
  json_object_set_boolean_member (o, "rename-partial-files", FALSE);
  json_object_set_int_member (o, "rpc-version", RPC_VERSION);
  json_object_set_int_member (o, "rpc-version-minimum", RPC_VERSION_MINIMUM);
  json_object_set_string_member (o, "rpc-version-semver", RPC_VERSION_SEMVER);
  json_object_set_boolean_member (o, "script-torrent-added-enabled", FALSE);
  json_object_set_string_member (o, "script-torrent-added-filename", "");
  json_object_set_boolean_member (o, "script-torrent-done-enabled", FALSE);
  json_object_set_string_member (o, "script-torrent-done-filename", "");
  json_object_set_boolean_member (o, "script-torrent-done-seeding-enabled", FALSE);
  json_object_set_string_member (o, "script-torrent-done-seeding-filename", "");
  json_object_set_boolean_member (o, "seedRatioLimited", self->seed_ratio_limited);
  json_object_set_double_member (o, "seedRatioLimit", self->seed_ratio_limit);
  json_object_set_boolean_member (o, "seed-queue-enabled", seeds > 0);
  json_object_set_int_member (o, "seed-queue-size", seeds > 0 ? seeds : self->seed_queue_size);
  json_object_set_string_member (o, "session-id", self->session_id);
  json_object_set_int_member (o, "speed-limit-down", (gint64) self->speed_down_k);
  json_object_set_boolean_member (o, "speed-limit-down-enabled", self->speed_down_enabled);
  json_object_set_int_member (o, "speed-limit-up", (gint64) self->speed_up_k);
  json_object_set_boolean_member (o, "speed-limit-up-enabled", self->speed_up_enabled);
  json_object_set_boolean_member (o, "start-added-torrents", TRUE);
  json_object_set_boolean_member (o, "trash-original-torrent-files", FALSE);
  add_units (o);
  json_object_set_boolean_member (o, "utp-enabled", FALSE);
  json_object_set_string_member (o, "version", "Shoal " PACKAGE_VERSION);
  return o;
}

static void
method_session_get (Call       *call,
                    JsonObject *args)
{
  static const char * const known[] = { "fields", NULL };
  JsonObject *all;
  JsonNode *fields = member (args, "fields");
  JsonObject *out;
  guint n;

  if (!check_keys (call, args, known))
    return;
  all = session_object (call->self);
  if (fields == NULL)
    {
      call_succeed (call, all);
      return;
    }
  if (!JSON_NODE_HOLDS_ARRAY (fields))
    {
      json_object_unref (all);
      arg_error (call, "argument \"fields\" must be a list of strings");
      return;
    }
  out = json_object_new ();
  n = json_array_get_length (json_node_get_array (fields));
  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (json_node_get_array (fields), i);
      const char *name;

      if (value_type (e) != G_TYPE_STRING)
        {
          json_object_unref (all);
          json_object_unref (out);
          arg_error (call, "argument \"fields\" must be a list of strings");
          return;
        }
      name = json_node_get_string (e);
      if (!json_object_has_member (all, name))
        {
          json_object_unref (all);
          json_object_unref (out);
          arg_error (call, "unknown session field \"%s\"", name);
          return;
        }
      json_object_set_member (out, name, json_node_copy (json_object_get_member (all, name)));
    }
  json_object_unref (all);
  call_succeed (call, out);
}

/* What session-set changes of the queue, alternative speeds and the
 * incomplete folder: 0 or -1 for "not given". */
typedef struct
{
  guint       dq_size, sq_size, stalled_minutes;
  int         dq_on, sq_on, stalled_on;
  gint64      alt_up, alt_down, alt_begin, alt_end, alt_day;
  int         alt_on, alt_time_on;
  const char *incomplete;
  int         incomplete_on;
} SessionExtras;

static void
apply_session_extras (ShoalRpcServer      *self,
                      const SessionExtras *e)
{
  ShoalSession *session = self->session;
  guint downloads = 0, seeds = 0, stalled = 0;
  g_autofree char *incomplete = NULL;

  g_object_get (session, "max-active-downloads", &downloads, "max-active-seeds", &seeds,
                "stalled-seconds", &stalled, "incomplete-dir", &incomplete, NULL);
  if (e->dq_size > 0)
    self->download_queue_size = e->dq_size;
  if (e->sq_size > 0)
    self->seed_queue_size = e->sq_size;
  if (e->stalled_minutes > 0)
    self->stalled_minutes = e->stalled_minutes;
  /* a size given while a queue is on changes the queue */
  if (e->dq_on >= 0)
    downloads = e->dq_on ? self->download_queue_size : 0;
  else if (downloads > 0 && e->dq_size > 0)
    downloads = self->download_queue_size;
  if (e->sq_on >= 0)
    seeds = e->sq_on ? self->seed_queue_size : 0;
  else if (seeds > 0 && e->sq_size > 0)
    seeds = self->seed_queue_size;
  if (e->stalled_on >= 0)
    stalled = e->stalled_on ? self->stalled_minutes * 60 : 0;
  else if (stalled > 0 && e->stalled_minutes > 0)
    stalled = self->stalled_minutes * 60;
  if (e->dq_on >= 0 || e->sq_on >= 0 || e->dq_size > 0 || e->sq_size > 0)
    shoal_session_set_queue_limits (session, downloads, seeds);
  if (e->stalled_on >= 0 || e->stalled_minutes > 0)
    g_object_set (session, "stalled-seconds", stalled, NULL);

  if (e->alt_up > 0)
    g_object_set (session, "alt-upload-limit", (guint64) e->alt_up * SHOAL_RPC_SPEED_K, NULL);
  if (e->alt_down > 0)
    g_object_set (session, "alt-download-limit", (guint64) e->alt_down * SHOAL_RPC_SPEED_K, NULL);
  if (e->alt_begin >= 0)
    g_object_set (session, "alt-begin-minute", (guint) e->alt_begin, NULL);
  if (e->alt_end >= 0)
    g_object_set (session, "alt-end-minute", (guint) e->alt_end, NULL);
  if (e->alt_day >= 0)
    g_object_set (session, "alt-days", days_from_rpc ((guint) e->alt_day), NULL);
  if (e->alt_time_on >= 0)
    g_object_set (session, "alt-schedule-enabled", (gboolean) e->alt_time_on, NULL);
  if (e->alt_on >= 0)
    g_object_set (session, "alt-speed-enabled", (gboolean) e->alt_on, NULL);

  if (e->incomplete != NULL)
    {
      g_free (self->incomplete_dir);
      self->incomplete_dir = g_strdup (e->incomplete);
    }
  /* a folder given while the folder is on changes it */
  if (e->incomplete_on == 0)
    g_object_set (session, "incomplete-dir", NULL, NULL);
  else if ((e->incomplete_on > 0 || (e->incomplete != NULL && incomplete != NULL)) && self->incomplete_dir != NULL)
    g_object_set (session, "incomplete-dir", self->incomplete_dir, NULL);
}

/* blocklist-enabled and blocklist-url: a list from an http(s) URL (never a
 * file: a remote client has no business naming files of this machine). */
static gboolean
check_blocklist_args (Call       *call,
                      JsonObject *args)
{
  ShoalRpcServer *self = call->self;
  const char *url = NULL;
  gboolean on = FALSE, has_on;

  if (!arg_string (call, args, "blocklist-url", &url) ||
      !arg_bool (call, args, "blocklist-enabled", &on, &has_on))
    return FALSE;
  if (url != NULL && *url != '\0' &&
      !g_str_has_prefix (url, "http://") && !g_str_has_prefix (url, "https://"))
    return arg_error (call, "blocklist-url must be an http:// or https:// URL");
  if (has_on && on && (url == NULL || *url == '\0') && self->blocklist_url == NULL &&
      shoal_session_get_blocklist (self->session) == NULL)
    return arg_error (call, "blocklist-enabled needs \"blocklist-url\"");
  return TRUE;
}

static void
apply_blocklist_args (ShoalRpcServer *self,
                      JsonObject     *args)
{
  JsonNode *url_node = member (args, "blocklist-url");
  JsonNode *on_node = member (args, "blocklist-enabled");
  const char *current = shoal_session_get_blocklist (self->session);
  gboolean on = on_node != NULL ? json_node_get_boolean (on_node) : current != NULL;

  if (url_node != NULL)
    {
      const char *url = json_node_get_string (url_node);

      g_free (self->blocklist_url);
      self->blocklist_url = *url != '\0' ? g_strdup (url) : NULL;
    }
  else if (self->blocklist_url == NULL && current != NULL)
    self->blocklist_url = g_strdup (current);
  if (url_node == NULL && on_node == NULL)
    return;
  if (on && self->blocklist_url != NULL)
    {
      if (g_strcmp0 (current, self->blocklist_url) != 0)
        shoal_session_set_blocklist (self->session, self->blocklist_url);
    }
  else if (current != NULL)
    shoal_session_set_blocklist (self->session, NULL);
}

/* Shoal's own: the interface ("" for any) and the proxy ("" for none) of
 * the running session, changed at once (nothing more goes the old way). */
static gboolean
apply_network_args (Call       *call,
                    JsonObject *args)
{
  ShoalSession *session = call->self->session;
  const char *iface = NULL, *proxy = NULL;
  g_autoptr(GError) error = NULL;

  if (!arg_string (call, args, "shoal-interface", &iface) || !arg_string (call, args, "shoal-proxy", &proxy))
    return FALSE;
  if (iface != NULL && !shoal_session_set_interface (session, *iface != '\0' ? iface : NULL, &error))
    {
      g_autofree char *message = g_strdup_printf ("shoal-interface: %s", error->message);

      call_fail (call, message);
      return FALSE;
    }
  if (proxy != NULL && !shoal_session_set_proxy (session, *proxy != '\0' ? proxy : NULL, &error))
    {
      g_autofree char *message = g_strdup_printf ("shoal-proxy: %s", error->message);

      call_fail (call, message);
      return FALSE;
    }
  return TRUE;
}

static void
method_session_set (Call       *call,
                    JsonObject *args)
{
  /* What can be changed; the rest of session-get describes what Shoal is
   * and cannot be set (asking to is an error, not silently ignored). */
  static const char * const known[] = {
    "download-dir", "speed-limit-down", "speed-limit-down-enabled", "speed-limit-up",
    "speed-limit-up-enabled", "peer-port", "dht-enabled", "pex-enabled", "lpd-enabled",
    "encryption", "peer-limit-global", "peer-limit-per-torrent", "seedRatioLimit",
    "seedRatioLimited", "idle-seeding-limit", "idle-seeding-limit-enabled", "port-forwarding-enabled",
    "download-queue-size", "download-queue-enabled", "seed-queue-size", "seed-queue-enabled",
    "queue-stalled-enabled", "queue-stalled-minutes", "alt-speed-enabled", "alt-speed-up", "alt-speed-down",
    "alt-speed-time-enabled", "alt-speed-time-begin", "alt-speed-time-end", "alt-speed-time-day",
    "incomplete-dir", "incomplete-dir-enabled", "blocklist-enabled", "blocklist-url",
    "shoal-interface", "shoal-proxy", NULL
  };
  ShoalRpcServer *self = call->self;
  const char *download_dir = NULL, *encryption = NULL;
  gint64 down = 0, up = 0, port = 0, global = 0, per_torrent = 0, idle = 0;
  gboolean down_on = FALSE, up_on = FALSE, dht = FALSE, pex = FALSE, lpd = FALSE, ratio_on = FALSE, idle_on = FALSE;
  gboolean mapping = FALSE;
  double ratio = 0;
  gboolean has_down, has_up, has_port, has_global, has_per_torrent, has_idle, has_down_on, has_up_on,
           has_dht, has_pex, has_lpd, has_ratio_on, has_idle_on, has_ratio, has_mapping;
  ShoalEncryptionPolicy policy = SHOAL_ENCRYPTION_PREFER;
  const char *incomplete = NULL;
  gint64 dq_size = 0, sq_size = 0, stalled_minutes = 0, alt_up = 0, alt_down = 0, alt_begin = 0, alt_end = 0,
         alt_day = 0;
  gboolean dq_on = FALSE, sq_on = FALSE, stalled_on = FALSE, alt_on = FALSE, alt_time_on = FALSE,
           incomplete_on = FALSE;
  gboolean has_dq_size, has_sq_size, has_stalled_minutes, has_alt_up, has_alt_down, has_alt_begin,
           has_alt_end, has_alt_day, has_dq_on, has_sq_on, has_stalled_on, has_alt_on, has_alt_time_on,
           has_incomplete_on;

  if (!check_keys (call, args, known) ||
      !check_blocklist_args (call, args) ||
      !arg_int (call, args, "download-queue-size", 1, 10000, &dq_size, &has_dq_size) ||
      !arg_int (call, args, "seed-queue-size", 1, 10000, &sq_size, &has_sq_size) ||
      !arg_int (call, args, "queue-stalled-minutes", 1, 60 * 24 * 365, &stalled_minutes, &has_stalled_minutes) ||
      !arg_int (call, args, "alt-speed-up", 1, G_MAXINT32, &alt_up, &has_alt_up) ||
      !arg_int (call, args, "alt-speed-down", 1, G_MAXINT32, &alt_down, &has_alt_down) ||
      !arg_int (call, args, "alt-speed-time-begin", 0, 24 * 60 - 1, &alt_begin, &has_alt_begin) ||
      !arg_int (call, args, "alt-speed-time-end", 0, 24 * 60 - 1, &alt_end, &has_alt_end) ||
      !arg_int (call, args, "alt-speed-time-day", 0, 127, &alt_day, &has_alt_day) ||
      !arg_bool (call, args, "download-queue-enabled", &dq_on, &has_dq_on) ||
      !arg_bool (call, args, "seed-queue-enabled", &sq_on, &has_sq_on) ||
      !arg_bool (call, args, "queue-stalled-enabled", &stalled_on, &has_stalled_on) ||
      !arg_bool (call, args, "alt-speed-enabled", &alt_on, &has_alt_on) ||
      !arg_bool (call, args, "alt-speed-time-enabled", &alt_time_on, &has_alt_time_on) ||
      !arg_bool (call, args, "incomplete-dir-enabled", &incomplete_on, &has_incomplete_on) ||
      !arg_string (call, args, "incomplete-dir", &incomplete) ||
      !arg_string (call, args, "download-dir", &download_dir) ||
      !arg_string (call, args, "encryption", &encryption) ||
      !arg_int (call, args, "speed-limit-down", 0, G_MAXINT32, &down, &has_down) ||
      !arg_int (call, args, "speed-limit-up", 0, G_MAXINT32, &up, &has_up) ||
      !arg_int (call, args, "peer-port", 0, 65535, &port, &has_port) ||
      !arg_int (call, args, "peer-limit-global", 1, 65535, &global, &has_global) ||
      !arg_int (call, args, "peer-limit-per-torrent", 1, 65535, &per_torrent, &has_per_torrent) ||
      !arg_int (call, args, "idle-seeding-limit", 1, 60 * 24 * 365, &idle, &has_idle) ||
      !arg_bool (call, args, "speed-limit-down-enabled", &down_on, &has_down_on) ||
      !arg_bool (call, args, "speed-limit-up-enabled", &up_on, &has_up_on) ||
      !arg_bool (call, args, "dht-enabled", &dht, &has_dht) ||
      !arg_bool (call, args, "pex-enabled", &pex, &has_pex) ||
      !arg_bool (call, args, "lpd-enabled", &lpd, &has_lpd) ||
      !arg_bool (call, args, "seedRatioLimited", &ratio_on, &has_ratio_on) ||
      !arg_bool (call, args, "idle-seeding-limit-enabled", &idle_on, &has_idle_on) ||
      !arg_bool (call, args, "port-forwarding-enabled", &mapping, &has_mapping) ||
      !arg_double (call, args, "seedRatioLimit", 0, 1e6, &ratio, &has_ratio))
    return;
  if (download_dir != NULL && !g_path_is_absolute (download_dir))
    {
      arg_error (call, "download-dir must be an absolute path");
      return;
    }
  if (incomplete != NULL && !g_path_is_absolute (incomplete))
    {
      arg_error (call, "incomplete-dir must be an absolute path");
      return;
    }
  if (has_incomplete_on && incomplete_on && incomplete == NULL && self->incomplete_dir == NULL)
    {
      arg_error (call, "incomplete-dir-enabled needs \"incomplete-dir\"");
      return;
    }
  if (encryption != NULL)
    {
      if (strcmp (encryption, "required") == 0)
        policy = SHOAL_ENCRYPTION_REQUIRE;
      else if (strcmp (encryption, "preferred") == 0)
        policy = SHOAL_ENCRYPTION_PREFER;
      else if (strcmp (encryption, "tolerated") == 0)
        policy = SHOAL_ENCRYPTION_ALLOW_PLAINTEXT;
      else
        {
          arg_error (call, "encryption must be \"required\", \"preferred\" or \"tolerated\"");
          return;
        }
    }

  if (!apply_network_args (call, args))
    return;
  /* A running session moves its listening socket, which fails when the
   * port is taken: before anything else is changed. */
  if (has_port && port > 0)
    {
      g_autoptr(GError) port_error = NULL;

      if (!shoal_session_change_listen_port (self->session, (guint16) port, &port_error))
        {
          g_autofree char *message = g_strdup_printf ("peer-port %" G_GINT64_FORMAT ": %s",
                                                      (gint64) port, port_error->message);

          call_fail (call, message);
          return;
        }
    }
  apply_blocklist_args (self, args);
  if (download_dir != NULL)
    shoal_session_set_download_dir (self->session, download_dir);
  if (encryption != NULL)
    shoal_session_set_encryption_policy (self->session, policy);
  if (has_dht)
    shoal_session_set_dht_enabled (self->session, dht);
  if (has_pex)
    shoal_session_set_pex_enabled (self->session, pex);
  if (has_lpd)
    shoal_session_set_lsd_enabled (self->session, lpd);
  if (has_mapping)
    shoal_session_set_port_mapping_enabled (self->session, mapping);
  if (has_global || has_per_torrent)
    {
      guint g = 0, p = 0;
      g_object_get (self->session, "max-connections", &g, "max-connections-per-torrent", &p, NULL);
      shoal_session_set_max_connections (self->session, has_global ? (guint) global : g,
                                         has_per_torrent ? (guint) per_torrent : p);
    }
  if (has_down)
    self->speed_down_k = (guint64) down;
  if (has_up)
    self->speed_up_k = (guint64) up;
  if (has_down_on)
    self->speed_down_enabled = down_on;
  if (has_up_on)
    self->speed_up_enabled = up_on;
  if (has_ratio)
    self->seed_ratio_limit = ratio;
  if (has_ratio_on)
    self->seed_ratio_limited = ratio_on;
  if (has_idle)
    self->idle_seeding_limit = (int) idle;
  if (has_idle_on)
    self->idle_seeding_limit_enabled = idle_on;
  apply_session_extras (self, &(SessionExtras) {
    .dq_size = has_dq_size ? (guint) dq_size : 0, .sq_size = has_sq_size ? (guint) sq_size : 0,
    .stalled_minutes = has_stalled_minutes ? (guint) stalled_minutes : 0,
    .dq_on = has_dq_on ? dq_on : -1, .sq_on = has_sq_on ? sq_on : -1, .stalled_on = has_stalled_on ? stalled_on : -1,
    .alt_up = has_alt_up ? alt_up : 0, .alt_down = has_alt_down ? alt_down : 0,
    .alt_begin = has_alt_begin ? alt_begin : -1, .alt_end = has_alt_end ? alt_end : -1,
    .alt_day = has_alt_day ? alt_day : -1, .alt_on = has_alt_on ? alt_on : -1,
    .alt_time_on = has_alt_time_on ? alt_time_on : -1,
    .incomplete = incomplete, .incomplete_on = has_incomplete_on ? incomplete_on : -1 });
  _shoal_rpc_apply_session_limits (self);
  _shoal_rpc_emit_settings_changed (self);
  call_succeed (call, NULL);
}

static JsonObject *
stats_object (guint64 downloaded,
              guint64 uploaded,
              guint   files_added,
              gint64  seconds)
{
  JsonObject *o = json_object_new ();

  json_object_set_int_member (o, "uploadedBytes", (gint64) uploaded);
  json_object_set_int_member (o, "downloadedBytes", (gint64) downloaded);
  json_object_set_int_member (o, "filesAdded", files_added);
  json_object_set_int_member (o, "sessionCount", 1);
  json_object_set_int_member (o, "secondsActive", seconds);
  return o;
}

static void
method_session_stats (Call       *call,
                      JsonObject *args)
{
  ShoalRpcServer *self = call->self;
  JsonObject *o = json_object_new ();
  guint active = 0, paused = 0;
  guint64 downloaded = self->removed_downloaded, uploaded = self->removed_uploaded;
  gint64 seconds = (g_get_monotonic_time () - self->started_monotonic) / G_USEC_PER_SEC;
  static const char * const known[] = { NULL };

  if (!check_keys (call, args, known))
    return;
  for (guint i = 0; i < self->torrents->len; i++)
    {
      ShoalRpcTorrent *t = g_ptr_array_index (self->torrents, i);

      if (_shoal_rpc_status (t->torrent) == 0)
        paused++;
      else
        active++;
      downloaded += shoal_torrent_get_downloaded (t->torrent);
      uploaded += shoal_torrent_get_uploaded (t->torrent);
    }
  json_object_set_int_member (o, "activeTorrentCount", active);
  json_object_set_int_member (o, "pausedTorrentCount", paused);
  json_object_set_int_member (o, "torrentCount", self->torrents->len);
  json_object_set_int_member (o, "downloadSpeed", (gint64) shoal_session_get_download_rate (self->session));
  json_object_set_int_member (o, "uploadSpeed", (gint64) shoal_session_get_upload_rate (self->session));
  /* The session keeps the bytes and the time across runs; the files added
   * and the number of runs only the RPC counts, in this run. */
  {
    guint64 total_down = 0, total_up = 0, total_seconds = 0;

    g_object_get (self->session, "total-downloaded", &total_down, "total-uploaded", &total_up,
                  "seconds-active", &total_seconds, NULL);
    /* the totals catch up with this run's bytes at the session's tick */
    json_object_set_object_member (o, "cumulative-stats",
                                   stats_object (MAX (total_down, downloaded), MAX (total_up, uploaded),
                                                 self->files_added, MAX ((gint64) total_seconds, seconds)));
  }
  json_object_set_object_member (o, "current-stats", stats_object (downloaded, uploaded, self->files_added, seconds));
  call_succeed (call, o);
}

/* torrent-get --------------------------------------------------------------- */

static void
method_torrent_get (Call       *call,
                    JsonObject *args)
{
  static const char * const known[] = { "ids", "fields", "format", NULL };
  ShoalRpcServer *self = call->self;
  JsonNode *fields_node = member (args, "fields");
  const char *format = NULL;
  gboolean table, recent = FALSE;
  g_autoptr(GPtrArray) torrents = NULL;
  g_autoptr(GPtrArray) fields = g_ptr_array_new ();
  JsonArray *list = json_array_new ();
  JsonObject *out;

  if (!check_keys (call, args, known) || !arg_string (call, args, "format", &format))
    goto fail;
  if (format != NULL && strcmp (format, "objects") != 0 && strcmp (format, "table") != 0)
    {
      arg_error (call, "format must be \"objects\" or \"table\"");
      goto fail;
    }
  table = g_strcmp0 (format, "table") == 0;
  if (fields_node == NULL || !JSON_NODE_HOLDS_ARRAY (fields_node))
    {
      arg_error (call, "torrent-get needs \"fields\", a list of field names");
      goto fail;
    }
  for (guint i = 0; i < json_array_get_length (json_node_get_array (fields_node)); i++)
    {
      JsonNode *e = json_array_get_element (json_node_get_array (fields_node), i);

      if (value_type (e) != G_TYPE_STRING)
        {
          arg_error (call, "argument \"fields\" must be a list of strings");
          goto fail;
        }
      if (!_shoal_rpc_torrent_field_known (json_node_get_string (e)))
        {
          arg_error (call, "unknown torrent field \"%s\"", json_node_get_string (e));
          goto fail;
        }
      g_ptr_array_add (fields, (gpointer) json_node_get_string (e));
    }
  torrents = select_torrents (call, args, &recent);
  if (torrents == NULL)
    goto fail;

  if (table)
    {
      JsonArray *header = json_array_new ();
      for (guint f = 0; f < fields->len; f++)
        json_array_add_string_element (header, g_ptr_array_index (fields, f));
      json_array_add_array_element (list, header);
    }
  for (guint i = 0; i < torrents->len; i++)
    {
      ShoalRpcTorrent *t = g_ptr_array_index (torrents, i);

      if (table)
        {
          JsonArray *row = json_array_new ();
          for (guint f = 0; f < fields->len; f++)
            json_array_add_element (row, _shoal_rpc_torrent_field (self, t, g_ptr_array_index (fields, f)));
          json_array_add_array_element (list, row);
        }
      else
        {
          JsonObject *o = json_object_new ();
          for (guint f = 0; f < fields->len; f++)
            json_object_set_member (o, g_ptr_array_index (fields, f),
                                    _shoal_rpc_torrent_field (self, t, g_ptr_array_index (fields, f)));
          json_array_add_object_element (list, o);
        }
    }

  out = json_object_new ();
  json_object_set_array_member (out, "torrents", list);
  if (recent)
    {
      JsonArray *removed = json_array_new ();
      for (guint i = 0; i < self->removed->len; i++)
        json_array_add_int_element (removed, g_array_index (self->removed, ShoalRpcRemoved, i).id);
      json_object_set_array_member (out, "removed", removed);
    }
  call_succeed (call, out);
  return;

fail:
  json_array_unref (list);
}

/* torrent-start / stop / verify / reannounce ------------------------------ */

static void
torrent_action (Call       *call,
                JsonObject *args,
                const char *action)
{
  static const char * const known[] = { "ids", NULL };
  g_autoptr(GPtrArray) torrents = NULL;
  gboolean recent;
  guint not_running = 0;

  if (!check_keys (call, args, known) || (torrents = select_torrents (call, args, &recent)) == NULL)
    return;
  for (guint i = 0; i < torrents->len; i++)
    {
      ShoalRpcTorrent *t = g_ptr_array_index (torrents, i);

      t->last_active = g_get_monotonic_time () / G_USEC_PER_SEC;
      if (strcmp (action, "start") == 0)
        shoal_torrent_start (t->torrent);
      else if (strcmp (action, "stop") == 0)
        shoal_torrent_pause (t->torrent);
      else if (strcmp (action, "verify") == 0)
        shoal_torrent_verify (t->torrent);
      else if (shoal_torrent_reannounce (t->torrent))
        t->manual_announce = g_get_real_time () / G_USEC_PER_SEC;
      else
        not_running++;
    }
  if (not_running > 0)
    {
      call_fail (call, not_running == 1 ? "the torrent is not running: no tracker to ask"
                                        : "some torrents are not running: no tracker to ask");
      return;
    }
  call_succeed (call, NULL);
}

static void
method_torrent_start (Call *call, JsonObject *args)
{
  torrent_action (call, args, "start");
}

static void
method_torrent_stop (Call *call, JsonObject *args)
{
  torrent_action (call, args, "stop");
}

static void
method_torrent_verify (Call *call, JsonObject *args)
{
  torrent_action (call, args, "verify");
}

static void
method_torrent_reannounce (Call *call, JsonObject *args)
{
  torrent_action (call, args, "reannounce");
}

/* torrent-remove ------------------------------------------------------------ */

static void
call_async_done (Call *call)
{
  g_assert (call->pending > 0);
  if (--call->pending > 0)
    return;
  if (call->async_error != NULL)
    call_fail (call, call->async_error);
  else
    call_succeed (call, g_steal_pointer (&call->result));
}

static void
removed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(GError) error = NULL;

  if (!shoal_session_remove_torrent_finish (SHOAL_SESSION (source), result, &error) && call->async_error == NULL)
    call->async_error = g_strdup (error->message);
  call_async_done (call);
}

static void
method_torrent_remove (Call       *call,
                       JsonObject *args)
{
  static const char * const known[] = { "ids", "delete-local-data", NULL };
  g_autoptr(GPtrArray) torrents = NULL;
  g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean recent, delete_data = FALSE, has_delete;

  if (!check_keys (call, args, known) ||
      !arg_bool (call, args, "delete-local-data", &delete_data, &has_delete) ||
      (torrents = select_torrents (call, args, &recent)) == NULL)
    return;
  if (member (args, "ids") == NULL)
    {
      /* Transmission removes every torrent here; one mistyped request
       * should not wipe a server, so Shoal wants the ids. */
      arg_error (call, "torrent-remove needs \"ids\"");
      return;
    }
  for (guint i = 0; i < torrents->len; i++)
    g_ptr_array_add (refs, g_object_ref (((ShoalRpcTorrent *) g_ptr_array_index (torrents, i))->torrent));
  call->pending = 1;
  for (guint i = 0; i < refs->len; i++)
    {
      call->pending++;
      shoal_session_remove_torrent_async (call->self->session, g_ptr_array_index (refs, i), delete_data,
                                          NULL, removed_cb, call);
    }
  call_async_done (call);
}

/* torrent-set / torrent-set-location ---------------------------------------- */

static void
moved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(GError) error = NULL;

  if (!shoal_torrent_set_location_finish (SHOAL_TORRENT (source), result, &error) && call->async_error == NULL)
    call->async_error = g_strdup_printf ("moving “%s” failed: %s",
                                         shoal_torrent_get_name (SHOAL_TORRENT (source)), error->message);
  call_async_done (call);
}

static gboolean
check_location (Call       *call,
                const char *location,
                gboolean    move)
{
  if (!g_path_is_absolute (location))
    return arg_error (call, "the location must be an absolute path");
  if (!move)
    return arg_error (call, "pointing a torrent at data already in another place (move=false) is not "
                            "supported; move it (move=true)");
  return TRUE;
}

static void
start_moves (Call       *call,
             GPtrArray  *torrents,
             const char *location)
{
  call->pending = 1;
  for (guint i = 0; i < torrents->len; i++)
    {
      ShoalRpcTorrent *t = g_ptr_array_index (torrents, i);

      if (g_strcmp0 (shoal_torrent_get_save_dir (t->torrent), location) == 0)
        continue;
      call->pending++;
      shoal_torrent_set_location_async (t->torrent, location, NULL, moved_cb, call);
    }
  call_async_done (call);
}

static void
method_torrent_set_location (Call       *call,
                             JsonObject *args)
{
  static const char * const known[] = { "ids", "location", "move", NULL };
  g_autoptr(GPtrArray) torrents = NULL;
  const char *location = NULL;
  gboolean recent, move = FALSE, has_move;

  if (!check_keys (call, args, known) ||
      !arg_string (call, args, "location", &location) ||
      !arg_bool (call, args, "move", &move, &has_move) ||
      (torrents = select_torrents (call, args, &recent)) == NULL)
    return;
  if (location == NULL)
    {
      arg_error (call, "torrent-set-location needs \"location\"");
      return;
    }
  if (!check_location (call, location, move))
    return;
  start_moves (call, torrents, location);
}

/* Engine file indices of the files a client sees (pad files are hidden). */
static GArray *
visible_files (ShoalTorrent *torrent)
{
  GArray *map = g_array_new (FALSE, FALSE, sizeof (guint));
  ShoalMetainfo *info = shoal_torrent_get_metainfo (torrent);
  guint n = info != NULL ? shoal_metainfo_get_n_files (info) : 0;

  for (guint i = 0; i < n; i++)
    if ((shoal_metainfo_get_file (info, i)->attributes & SHOAL_FILE_ATTRIBUTE_PAD) == 0)
      g_array_append_val (map, i);
  return map;
}

typedef struct
{
  GArray *wanted, *unwanted, *high, *low, *normal;
} FileChoices;

static void
file_choices_clear (FileChoices *c)
{
  g_clear_pointer (&c->wanted, g_array_unref);
  g_clear_pointer (&c->unwanted, g_array_unref);
  g_clear_pointer (&c->high, g_array_unref);
  g_clear_pointer (&c->low, g_array_unref);
  g_clear_pointer (&c->normal, g_array_unref);
}

static gboolean
file_choices_parse (Call        *call,
                    JsonObject  *args,
                    FileChoices *c)
{
  return arg_int_list (call, args, "files-wanted", &c->wanted) &&
         arg_int_list (call, args, "files-unwanted", &c->unwanted) &&
         arg_int_list (call, args, "priority-high", &c->high) &&
         arg_int_list (call, args, "priority-low", &c->low) &&
         arg_int_list (call, args, "priority-normal", &c->normal);
}

/* Checks the indices against @torrent's files. */
static gboolean
file_choices_check (Call         *call,
                    FileChoices  *c,
                    ShoalTorrent *torrent)
{
  g_autoptr(GArray) map = visible_files (torrent);
  GArray *lists[] = { c->wanted, c->unwanted, c->high, c->low, c->normal };

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; i < lists[l]->len; i++)
      {
        gint64 index = g_array_index (lists[l], gint64, i);
        if (shoal_torrent_get_metainfo (torrent) == NULL)
          return arg_error (call, "“%s” has no file list yet (its metadata is still being fetched)",
                            shoal_torrent_get_name (torrent));
        if (index < 0 || index >= map->len)
          return arg_error (call, "file index %" G_GINT64_FORMAT " is out of range for “%s”",
                            index, shoal_torrent_get_name (torrent));
      }
  return TRUE;
}

static void
file_choices_apply (FileChoices  *c,
                    ShoalTorrent *torrent)
{
  g_autoptr(GArray) map = visible_files (torrent);
  struct { GArray *list; ShoalFilePriority priority; } priorities[] = {
    { c->low, SHOAL_FILE_PRIORITY_LOW },
    { c->normal, SHOAL_FILE_PRIORITY_NORMAL },
    { c->high, SHOAL_FILE_PRIORITY_HIGH },
  };

  /* Wanted first, then priorities (of the wanted files: the engine keeps
   * one value, and "skip" is it for an unwanted file), then unwanted. */
  for (guint i = 0; i < c->wanted->len; i++)
    {
      guint f = g_array_index (map, guint, g_array_index (c->wanted, gint64, i));
      if (shoal_torrent_get_file_priority (torrent, f) == SHOAL_FILE_PRIORITY_SKIP)
        shoal_torrent_set_file_priority (torrent, f, SHOAL_FILE_PRIORITY_NORMAL);
    }
  for (guint p = 0; p < G_N_ELEMENTS (priorities); p++)
    for (guint i = 0; i < priorities[p].list->len; i++)
      {
        guint f = g_array_index (map, guint, g_array_index (priorities[p].list, gint64, i));
        if (shoal_torrent_get_file_priority (torrent, f) != SHOAL_FILE_PRIORITY_SKIP)
          shoal_torrent_set_file_priority (torrent, f, priorities[p].priority);
      }
  for (guint i = 0; i < c->unwanted->len; i++)
    {
      guint f = g_array_index (map, guint, g_array_index (c->unwanted, gint64, i));
      shoal_torrent_set_file_priority (torrent, f, SHOAL_FILE_PRIORITY_SKIP);
    }
}

static gboolean
parse_tracker_list (Call        *call,
                    JsonObject  *args,
                    const char  *key,
                    JsonArray  **out)
{
  JsonNode *node = member (args, key);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return arg_error (call, "argument \"%s\" must be a list", key);
  *out = json_node_get_array (node);
  return TRUE;
}

static gboolean
apply_trackers (Call         *call,
                ShoalTorrent *torrent,
                JsonArray    *add,
                JsonArray    *remove,
                JsonArray    *replace)
{
  GListModel *trackers = shoal_torrent_get_trackers (torrent);
  g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  /* tracker ids are positions in the list as torrent-get showed it */
  for (guint i = 0; i < g_list_model_get_n_items (trackers); i++)
    {
      g_autoptr(ShoalTrackerInfo) tr = g_list_model_get_item (trackers, i);
      g_ptr_array_add (urls, g_strdup (shoal_tracker_info_get_url (tr)));
    }
  for (guint i = 0; replace != NULL && i + 1 < json_array_get_length (replace); i += 2)
    {
      JsonNode *id = json_array_get_element (replace, i), *url = json_array_get_element (replace, i + 1);
      if (value_type (id) != G_TYPE_INT64 || value_type (url) != G_TYPE_STRING ||
          json_node_get_int (id) < 0 || json_node_get_int (id) >= urls->len)
        return arg_error (call, "trackerReplace takes pairs of a tracker id and a URL");
      if (!shoal_torrent_replace_tracker (torrent, g_ptr_array_index (urls, json_node_get_int (id)),
                                          json_node_get_string (url), &error))
        return arg_error (call, "%s", error->message);
    }
  for (guint i = 0; remove != NULL && i < json_array_get_length (remove); i++)
    {
      JsonNode *id = json_array_get_element (remove, i);
      if (value_type (id) != G_TYPE_INT64 || json_node_get_int (id) < 0 || json_node_get_int (id) >= urls->len)
        return arg_error (call, "trackerRemove takes tracker ids");
      shoal_torrent_remove_tracker (torrent, g_ptr_array_index (urls, json_node_get_int (id)));
    }
  for (guint i = 0; add != NULL && i < json_array_get_length (add); i++)
    {
      JsonNode *url = json_array_get_element (add, i);
      guint tier = 0;

      /* each added tracker gets a tier of its own, after the others */
      for (guint j = 0; j < g_list_model_get_n_items (trackers); j++)
        {
          g_autoptr(ShoalTrackerInfo) tr = g_list_model_get_item (trackers, j);
          tier = MAX (tier, shoal_tracker_info_get_tier (tr) + 1);
        }
      if (value_type (url) != G_TYPE_STRING)
        return arg_error (call, "trackerAdd takes URLs");
      if (!shoal_torrent_add_tracker (torrent, json_node_get_string (url), tier, &error))
        return arg_error (call, "%s", error->message);
    }
  return TRUE;
}

/* Moves @torrent to @position (0 the first; past the end: the last), one
 * place at a time, as the session's queue moves torrents. */
static void
set_queue_position (ShoalSession *session,
                    ShoalTorrent *torrent,
                    guint         position)
{
  guint n = g_list_model_get_n_items (shoal_session_get_torrents (session));

  position = MIN (position, n > 0 ? n - 1 : 0);
  if (position == 0)
    {
      shoal_session_queue_move (session, torrent, SHOAL_QUEUE_MOVE_TOP);
      return;
    }
  if (position + 1 >= n)
    {
      shoal_session_queue_move (session, torrent, SHOAL_QUEUE_MOVE_BOTTOM);
      return;
    }
  /* bounded: each step brings it one place nearer */
  for (guint steps = 0; steps < n && shoal_torrent_get_queue_position (torrent) != position; steps++)
    shoal_session_queue_move (session, torrent,
                              shoal_torrent_get_queue_position (torrent) > position ?
                              SHOAL_QUEUE_MOVE_UP : SHOAL_QUEUE_MOVE_DOWN);
}

/* queue-move-top / up / down / bottom --------------------------------------- */

static int
compare_queue_position (gconstpointer a,
                        gconstpointer b,
                        gpointer      user_data)
{
  guint pa = shoal_torrent_get_queue_position ((*(ShoalRpcTorrent * const *) a)->torrent);
  guint pb = shoal_torrent_get_queue_position ((*(ShoalRpcTorrent * const *) b)->torrent);

  (void) user_data;
  return pa < pb ? -1 : pa > pb;
}

static void
queue_move (Call           *call,
            JsonObject     *args,
            ShoalQueueMove  move)
{
  static const char * const known[] = { "ids", NULL };
  ShoalSession *session = call->self->session;
  g_autoptr(GPtrArray) torrents = NULL;
  g_autoptr(GPtrArray) sorted = NULL;
  gboolean recent;

  if (!check_keys (call, args, known) || (torrents = select_torrents (call, args, &recent)) == NULL)
    return;
  /* Several torrents keep their order among themselves: up and top move
   * the first in the queue first, down and bottom the last first. */
  sorted = g_ptr_array_copy (torrents, NULL, NULL);
  g_ptr_array_sort_with_data (sorted, compare_queue_position, NULL);
  for (guint i = 0; i < sorted->len; i++)
    {
      gboolean forward = move == SHOAL_QUEUE_MOVE_UP || move == SHOAL_QUEUE_MOVE_BOTTOM;
      ShoalRpcTorrent *t = g_ptr_array_index (sorted, forward ? i : sorted->len - 1 - i);

      if (move == SHOAL_QUEUE_MOVE_UP && shoal_torrent_get_queue_position (t->torrent) == i)
        continue;  /* already among the first: do not swap with another selected one */
      if (move == SHOAL_QUEUE_MOVE_DOWN &&
          shoal_torrent_get_queue_position (t->torrent) + 1 + i == g_list_model_get_n_items (shoal_session_get_torrents (session)))
        continue;
      shoal_session_queue_move (session, t->torrent, move);
    }
  call_succeed (call, NULL);
}

static void
method_queue_move_top (Call       *call,
                       JsonObject *args)
{
  queue_move (call, args, SHOAL_QUEUE_MOVE_TOP);
}

static void
method_queue_move_up (Call       *call,
                      JsonObject *args)
{
  queue_move (call, args, SHOAL_QUEUE_MOVE_UP);
}

static void
method_queue_move_down (Call       *call,
                        JsonObject *args)
{
  queue_move (call, args, SHOAL_QUEUE_MOVE_DOWN);
}

static void
method_queue_move_bottom (Call       *call,
                          JsonObject *args)
{
  queue_move (call, args, SHOAL_QUEUE_MOVE_BOTTOM);
}

/* torrent-rename-path ------------------------------------------------------- */

static void
method_torrent_rename_path (Call       *call,
                            JsonObject *args)
{
  static const char * const known[] = { "ids", "path", "name", NULL };
  g_autoptr(GPtrArray) torrents = NULL;
  g_autoptr(GError) error = NULL;
  const char *path = NULL, *name = NULL;
  ShoalRpcTorrent *t;
  JsonObject *out;
  gboolean recent;

  if (!check_keys (call, args, known) ||
      !arg_string (call, args, "path", &path) ||
      !arg_string (call, args, "name", &name) ||
      (torrents = select_torrents (call, args, &recent)) == NULL)
    return;
  if (path == NULL || name == NULL)
    {
      arg_error (call, "torrent-rename-path needs \"path\" and \"name\"");
      return;
    }
  /* Transmission renames in exactly one torrent */
  if (member (args, "ids") == NULL || torrents->len != 1)
    {
      arg_error (call, "torrent-rename-path needs \"ids\" naming exactly one torrent");
      return;
    }
  t = g_ptr_array_index (torrents, 0);
  if (!shoal_torrent_rename_path (t->torrent, path, name, &error))
    {
      g_autofree char *message = g_strdup_printf ("could not rename “%s”: %s", path, error->message);
      call_fail (call, message);
      return;
    }
  t->last_active = g_get_monotonic_time () / G_USEC_PER_SEC;
  out = json_object_new ();
  json_object_set_int_member (out, "id", t->id);
  json_object_set_string_member (out, "path", path);
  json_object_set_string_member (out, "name", name);
  call_succeed (call, out);
}

static void
method_torrent_set (Call       *call,
                    JsonObject *args)
{
  static const char * const known[] = {
    "ids", "downloadLimit", "downloadLimited", "uploadLimit", "uploadLimited", "files-wanted",
    "files-unwanted", "priority-high", "priority-low", "priority-normal", "location", "peer-limit",
    "seedRatioLimit", "seedRatioMode", "seedIdleLimit", "seedIdleMode", "honorsSessionLimits",
    "bandwidthPriority", "trackerAdd", "trackerRemove", "trackerReplace", "sequentialDownload", "labels",
    "queuePosition", NULL
  };
  ShoalRpcServer *self = call->self;
  g_autoptr(GPtrArray) torrents = NULL;
  FileChoices files = { NULL, };
  gint64 position = 0;
  gboolean has_position;
  const char *location = NULL;
  gint64 down = 0, up = 0, peers = 0, ratio_mode = 0, idle_limit = 0, idle_mode = 0, bandwidth = 0;
  double ratio = 0;
  gboolean down_on = FALSE, up_on = FALSE, honors = TRUE, sequential = FALSE, recent;
  gboolean has_down, has_up, has_peers, has_ratio_mode, has_idle_limit, has_idle_mode, has_ratio,
           has_down_on, has_up_on, has_honors, has_bandwidth, has_sequential;
  JsonArray *add = NULL, *remove = NULL, *replace = NULL;
  g_auto(GStrv) labels = NULL;

  if (!check_keys (call, args, known) ||
      !arg_labels (call, args, &labels) ||
      !arg_int (call, args, "downloadLimit", 0, G_MAXINT32, &down, &has_down) ||
      !arg_int (call, args, "uploadLimit", 0, G_MAXINT32, &up, &has_up) ||
      !arg_int (call, args, "peer-limit", 1, 65535, &peers, &has_peers) ||
      !arg_int (call, args, "seedRatioMode", 0, 2, &ratio_mode, &has_ratio_mode) ||
      !arg_int (call, args, "seedIdleLimit", 1, 60 * 24 * 365, &idle_limit, &has_idle_limit) ||
      !arg_int (call, args, "seedIdleMode", 0, 2, &idle_mode, &has_idle_mode) ||
      !arg_int (call, args, "bandwidthPriority", -1, 1, &bandwidth, &has_bandwidth) ||
      !arg_int (call, args, "queuePosition", 0, G_MAXINT32, &position, &has_position) ||
      !arg_double (call, args, "seedRatioLimit", 0, 1e6, &ratio, &has_ratio) ||
      !arg_bool (call, args, "downloadLimited", &down_on, &has_down_on) ||
      !arg_bool (call, args, "uploadLimited", &up_on, &has_up_on) ||
      !arg_bool (call, args, "honorsSessionLimits", &honors, &has_honors) ||
      !arg_bool (call, args, "sequentialDownload", &sequential, &has_sequential) ||
      !arg_string (call, args, "location", &location) ||
      !parse_tracker_list (call, args, "trackerAdd", &add) ||
      !parse_tracker_list (call, args, "trackerRemove", &remove) ||
      !parse_tracker_list (call, args, "trackerReplace", &replace) ||
      !file_choices_parse (call, args, &files) ||
      (torrents = select_torrents (call, args, &recent)) == NULL)
    goto out;
  /* What the engine cannot do is refused rather than pretended. */
  if (has_bandwidth && bandwidth != 0)
    {
      arg_error (call, "bandwidthPriority is not supported (every torrent shares bandwidth alike)");
      goto out;
    }
  if (has_honors && !honors)
    {
      arg_error (call, "honorsSessionLimits=false is not supported (the session's limits apply to every torrent)");
      goto out;
    }
  if (location != NULL && !check_location (call, location, TRUE))
    goto out;
  for (guint i = 0; i < torrents->len; i++)
    if (!file_choices_check (call, &files, ((ShoalRpcTorrent *) g_ptr_array_index (torrents, i))->torrent))
      goto out;

  for (guint i = 0; i < torrents->len; i++)
    {
      ShoalRpcTorrent *t = g_ptr_array_index (torrents, i);

      if (has_down)
        t->down_limit_k = (guint64) down;
      if (has_down_on)
        t->down_limited = down_on;
      if (has_up)
        t->up_limit_k = (guint64) up;
      if (has_up_on)
        t->up_limited = up_on;
      if (has_peers)
        t->peer_limit = (guint) peers;
      /* What the request leaves out stays as the engine has it. */
      t->seed_ratio_mode = has_ratio_mode ? (int) ratio_mode : (int) shoal_torrent_get_seed_ratio_mode (t->torrent);
      t->seed_idle_mode = has_idle_mode ? (int) idle_mode : (int) shoal_torrent_get_seed_idle_mode (t->torrent);
      if (has_ratio)
        t->seed_ratio_limit = ratio;
      else if (shoal_torrent_get_seed_ratio_mode (t->torrent) == SHOAL_SEED_LIMIT_MODE_OWN)
        t->seed_ratio_limit = shoal_torrent_get_seed_ratio_limit (t->torrent);
      if (has_idle_limit)
        t->seed_idle_limit = (int) idle_limit;
      else if (shoal_torrent_get_seed_idle_mode (t->torrent) == SHOAL_SEED_LIMIT_MODE_OWN)
        t->seed_idle_limit = (int) CLAMP (shoal_torrent_get_seed_idle_limit (t->torrent) / 60, 1, 60 * 24 * 365);
      if (has_sequential)
        shoal_torrent_set_sequential (t->torrent, sequential);
      if (labels != NULL)
        shoal_torrent_set_labels (t->torrent, (const char * const *) labels);
      _shoal_rpc_torrent_apply_limits (self, t);
      if (has_ratio || has_ratio_mode || has_idle_limit || has_idle_mode)
        _shoal_rpc_torrent_apply_seed_limits (self, t);
      file_choices_apply (&files, t->torrent);
      if (!apply_trackers (call, t->torrent, add, remove, replace))
        goto out;
      t->last_active = g_get_monotonic_time () / G_USEC_PER_SEC;
    }
  if (has_position)
    for (guint i = 0; i < torrents->len; i++)
      set_queue_position (self->session, ((ShoalRpcTorrent *) g_ptr_array_index (torrents, i))->torrent,
                          (guint) position);
  file_choices_clear (&files);
  if (location != NULL)
    start_moves (call, torrents, location);
  else
    call_succeed (call, NULL);
  return;

out:
  file_choices_clear (&files);
}

/* torrent-add --------------------------------------------------------------- */

typedef struct
{
  Call        *call;
  char        *download_dir;
  gboolean     paused;
  gint64       peer_limit;
  FileChoices  files;
  GStrv        labels;
} AddRequest;

static void
add_request_free (AddRequest *add)
{
  g_free (add->download_dir);
  g_strfreev (add->labels);
  file_choices_clear (&add->files);
  g_free (add);
}

static JsonObject *
added_object (ShoalRpcServer *self,
              ShoalTorrent   *torrent)
{
  ShoalRpcTorrent *t = _shoal_rpc_torrent_lookup (self, torrent);
  JsonObject *o = json_object_new ();

  json_object_set_int_member (o, "id", t != NULL ? t->id : 0);
  json_object_set_string_member (o, "name", shoal_torrent_get_name (torrent));
  json_object_set_string_member (o, "hashString", shoal_torrent_get_info_hash_hex (torrent));
  return o;
}

static ShoalTorrent *
find_duplicate (ShoalSession  *session,
                const guint8  *v1,
                const guint8  *v2)
{
  ShoalTorrent *t = v1 != NULL ? shoal_session_find_torrent (session, v1) : NULL;
  return t != NULL ? t : v2 != NULL ? shoal_session_find_torrent (session, v2) : NULL;
}

/* Adds @info or @magnet as @add asks, and answers. */
static void
add_finish (AddRequest    *add,
            ShoalMetainfo *info,
            ShoalMagnet   *magnet)
{
  Call *call = add->call;
  ShoalRpcServer *self = call->self;
  ShoalSession *session = self->session;
  g_autoptr(GError) error = NULL;
  ShoalTorrent *torrent;
  JsonObject *out = json_object_new ();
  const char *dir = add->download_dir != NULL ? add->download_dir : shoal_session_get_download_dir (session);
  ShoalAddFlags flags = SHOAL_ADD_FLAGS_PAUSED | SHOAL_ADD_FLAGS_RESUME;
  ShoalRpcTorrent *t;

  torrent = info != NULL ? find_duplicate (session, shoal_metainfo_get_info_hash_v1 (info),
                                           shoal_metainfo_get_info_hash_v2 (info))
                         : find_duplicate (session, shoal_magnet_get_info_hash_v1 (magnet),
                                           shoal_magnet_get_info_hash_v2 (magnet));
  if (torrent != NULL)
    {
      json_object_set_object_member (out, "torrent-duplicate", added_object (self, torrent));
      add_request_free (add);
      call_succeed (call, out);
      return;
    }

  /* Added paused, so the file choices are made before anything starts. */
  torrent = info != NULL ? shoal_session_add_torrent (session, info, dir, flags, &error)
                         : shoal_session_add_magnet (session, magnet, dir, flags, &error);
  if (torrent == NULL)
    {
      g_autofree char *message = g_strdup_printf ("could not add the torrent: %s", error->message);
      json_object_unref (out);
      add_request_free (add);
      call_fail (call, message);
      return;
    }
  self->files_added++;
  if (info != NULL && file_choices_check (call, &add->files, torrent))
    file_choices_apply (&add->files, torrent);
  g_clear_pointer (&call->error, g_free);
  t = _shoal_rpc_torrent_lookup (self, torrent);
  if (t != NULL && add->peer_limit > 0)
    {
      t->peer_limit = (guint) add->peer_limit;
      _shoal_rpc_torrent_apply_limits (self, t);
    }
  if (add->labels != NULL)
    shoal_torrent_set_labels (torrent, (const char * const *) add->labels);
  if (!add->paused)
    shoal_torrent_start (torrent);
  json_object_set_object_member (out, "torrent-added", added_object (self, torrent));
  g_debug ("RPC: added “%s”", shoal_torrent_get_name (torrent));
  add_request_free (add);
  call_succeed (call, out);
}

static void
add_from_bytes (AddRequest *add,
                GBytes     *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMetainfo) info = shoal_metainfo_new_from_bytes (bytes, &error);

  if (info == NULL)
    {
      g_autofree char *message = g_strdup_printf ("invalid or corrupt torrent file: %s", error->message);
      Call *call = add->call;
      add_request_free (add);
      call_fail (call, message);
      return;
    }
  add_finish (add, info, NULL);
}

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AddRequest *add = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  add->call->pending = 0;

  if (bytes == NULL || msg == NULL || !SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    {
      g_autofree char *message =
        g_strdup_printf ("could not fetch the torrent file: %s",
                         error != NULL ? error->message :
                         msg != NULL ? soup_status_get_phrase (soup_message_get_status (msg)) : "no answer");
      Call *call = add->call;
      add_request_free (add);
      call_fail (call, message);
      return;
    }
  if (g_bytes_get_size (bytes) > SHOAL_RPC_MAX_TORRENT_FILE)
    {
      Call *call = add->call;
      add_request_free (add);
      call_fail (call, "could not fetch the torrent file: larger than 16 MiB");
      return;
    }
  add_from_bytes (add, bytes);
}

static void
method_torrent_add (Call       *call,
                    JsonObject *args)
{
  static const char * const known[] = {
    "filename", "metainfo", "download-dir", "paused", "files-wanted", "files-unwanted",
    "priority-high", "priority-low", "priority-normal", "peer-limit", "bandwidthPriority", "cookies", "labels", NULL
  };
  ShoalRpcServer *self = call->self;
  const char *filename = NULL, *metainfo = NULL, *download_dir = NULL, *cookies = NULL;
  gint64 peer_limit = 0, bandwidth = 0;
  gboolean paused = FALSE, has_paused, has_peer_limit, has_bandwidth;
  AddRequest *add;

  add = g_new0 (AddRequest, 1);
  add->call = call;
  if (!check_keys (call, args, known) ||
      !arg_labels (call, args, &add->labels) ||
      !arg_string (call, args, "filename", &filename) ||
      !arg_string (call, args, "metainfo", &metainfo) ||
      !arg_string (call, args, "download-dir", &download_dir) ||
      !arg_string (call, args, "cookies", &cookies) ||
      !arg_bool (call, args, "paused", &paused, &has_paused) ||
      !arg_int (call, args, "peer-limit", 1, 65535, &peer_limit, &has_peer_limit) ||
      !arg_int (call, args, "bandwidthPriority", -1, 1, &bandwidth, &has_bandwidth) ||
      !file_choices_parse (call, args, &add->files))
    goto fail;
  if ((filename == NULL) == (metainfo == NULL))
    {
      arg_error (call, "torrent-add needs either \"filename\" or \"metainfo\"");
      goto fail;
    }
  if (download_dir != NULL && !g_path_is_absolute (download_dir))
    {
      arg_error (call, "download-dir must be an absolute path");
      goto fail;
    }
  add->download_dir = g_strdup (download_dir);
  add->paused = paused;
  add->peer_limit = peer_limit;

  if (metainfo != NULL)
    {
      gsize length = 0;
      g_autofree guchar *data = NULL;
      g_autoptr(GBytes) bytes = NULL;

      /* g_base64_decode() skips what is not base64: a JSON string holds
       * nothing else that could harm it, and the size is bounded by the body. */
      data = g_base64_decode (metainfo, &length);
      bytes = g_bytes_new_take (g_steal_pointer (&data), length);
      add_from_bytes (add, bytes);
      return;
    }

  if (g_str_has_prefix (filename, "magnet:"))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ShoalMagnet) magnet = shoal_magnet_new_from_uri (filename, &error);

      if (magnet == NULL)
        {
          arg_error (call, "invalid magnet link: %s", error->message);
          goto fail;
        }
      add_finish (add, NULL, magnet);
      return;
    }

  if (g_str_has_prefix (filename, "http://") || g_str_has_prefix (filename, "https://"))
    {
      g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, filename);

      if (msg == NULL)
        {
          arg_error (call, "invalid URL “%s”", filename);
          goto fail;
        }
      if (cookies != NULL)
        soup_message_headers_replace (soup_message_get_request_headers (msg), "Cookie", cookies);
      call->pending = 1;
      soup_session_send_and_read_async (self->fetcher, msg, G_PRIORITY_DEFAULT, self->cancellable,
                                        fetched_cb, add);
      return;
    }

  if (g_path_is_absolute (filename))
    {
      g_autoptr(GFile) file = g_file_new_for_path (filename);
      g_autoptr(GError) error = NULL;
      g_autoptr(GFileInfo) finfo = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                      G_FILE_QUERY_INFO_NONE, NULL, &error);
      g_autoptr(GBytes) bytes = NULL;

      if (finfo != NULL && g_file_info_get_size (finfo) > SHOAL_RPC_MAX_TORRENT_FILE)
        {
          arg_error (call, "“%s” is larger than a torrent file can be", filename);
          goto fail;
        }
      if (finfo != NULL)
        bytes = g_file_load_bytes (file, NULL, NULL, &error);
      if (bytes == NULL)
        {
          arg_error (call, "could not read “%s”: %s", filename, error->message);
          goto fail;
        }
      add_from_bytes (add, bytes);
      return;
    }

  arg_error (call, "\"filename\" must be a magnet link, an http(s) URL or an absolute path");

fail:
  add_request_free (add);
}

/* blocklist-update ---------------------------------------------------------- */

static void
blocklist_updated_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(GError) error = NULL;
  gint64 n = shoal_session_update_blocklist_finish (SHOAL_SESSION (source), result, &error);

  if (n < 0)
    call->async_error = g_strdup_printf ("the blocklist could not be loaded: %s", error->message);
  else
    {
      call->result = json_object_new ();
      json_object_set_int_member (call->result, "blocklist-size", n);
    }
  call_async_done (call);
}

static void
method_blocklist_update (Call       *call,
                         JsonObject *args)
{
  static const char * const known[] = { NULL };

  if (!check_keys (call, args, known))
    return;
  if (shoal_session_get_blocklist (call->self->session) == NULL)
    {
      call_fail (call, "no blocklist is enabled (set blocklist-url and blocklist-enabled)");
      return;
    }
  call->pending = 1;
  shoal_session_update_blocklist_async (call->self->session, NULL, blocklist_updated_cb, call);
}

/* free-space / port-test ---------------------------------------------------- */

static void
method_free_space (Call       *call,
                   JsonObject *args)
{
  static const char * const known[] = { "path", NULL };
  const char *path = NULL;
  gint64 total = 0, free_space;
  JsonObject *out;

  if (!check_keys (call, args, known) || !arg_string (call, args, "path", &path))
    return;
  if (path == NULL || !g_path_is_absolute (path))
    {
      arg_error (call, "free-space needs \"path\", an absolute path");
      return;
    }
  free_space = free_bytes (path, &total);
  if (free_space < 0)
    {
      g_autofree char *message = g_strdup_printf ("cannot read the free space of “%s”", path);
      call_fail (call, message);
      return;
    }
  out = json_object_new ();
  json_object_set_string_member (out, "path", path);
  json_object_set_int_member (out, "size-bytes", free_space);
  json_object_set_int_member (out, "total_size", total);
  call_succeed (call, out);
}

/* Whether @text ("1.2.3.4:5" or "[::1]:5") is an address of the public
 * internet: not loopback, private, link-local, shared (100.64.0.0/10),
 * unique local (fc00::/7), multicast or unspecified. */
static gboolean
is_public_address (const char *text)
{
  g_autoptr(GSocketConnectable) parsed = g_network_address_parse (text, 0, NULL);
  g_autoptr(GInetAddress) address = NULL;
  const guint8 *bytes;

  if (parsed == NULL)
    return FALSE;
  address = g_inet_address_new_from_string (g_network_address_get_hostname (G_NETWORK_ADDRESS (parsed)));
  if (address == NULL || g_inet_address_get_is_loopback (address) || g_inet_address_get_is_any (address) ||
      g_inet_address_get_is_link_local (address) || g_inet_address_get_is_site_local (address) ||
      g_inet_address_get_is_multicast (address))
    return FALSE;
  bytes = g_inet_address_to_bytes (address);
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4)
    return !(bytes[0] == 100 && (bytes[1] & 0xc0) == 64) && bytes[0] != 0;
  if ((bytes[0] & 0xfe) == 0xfc)
    return FALSE;
  /* an IPv4 address mapped into IPv6 */
  if (memcmp (bytes, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
    {
      g_autofree char *v4 = g_strdup_printf ("%u.%u.%u.%u:0", bytes[12], bytes[13], bytes[14], bytes[15]);
      return is_public_address (v4);
    }
  return TRUE;
}

static void
method_port_test (Call       *call,
                  JsonObject *args)
{
  static const char * const known[] = { NULL };
  ShoalSession *session = call->self->session;
  GListModel *torrents = shoal_session_get_torrents (session);
  JsonObject *out;

  /* Whether the port is open from the outside world can only be known by
   * someone out there: Transmission asks a web service of its project,
   * Shoal has none. What it can tell honestly is "open" when a peer from a
   * public address is connected to us right now by a connection it opened
   * (the session's incoming-reachable alone also counts peers of the local
   * network). Without such a peer it cannot say "closed": maybe no peer
   * has tried yet. So that is an error, not "port-is-open": false. */
  if (!check_keys (call, args, known))
    return;
  if (shoal_session_get_incoming_reachable (session))
    for (guint i = 0; i < g_list_model_get_n_items (torrents); i++)
      {
        g_autoptr(ShoalTorrent) torrent = g_list_model_get_item (torrents, i);
        GListModel *peers = shoal_torrent_get_peers (torrent);

        for (guint j = 0; j < g_list_model_get_n_items (peers); j++)
          {
            g_autoptr(ShoalPeer) peer = g_list_model_get_item (peers, j);

            if ((shoal_peer_get_flags (peer) & SHOAL_PEER_FLAG_INCOMING) &&
                is_public_address (shoal_peer_get_address (peer)))
              {
                out = json_object_new ();
                json_object_set_boolean_member (out, "port-is-open", TRUE);
                call_succeed (call, out);
                return;
              }
          }
      }
  call_fail (call, "port-test cannot tell: no peer from a public address is connected to us by a "
                   "connection of its own (the port may be closed, or no peer has tried yet)");
}

static void
method_session_close (Call       *call,
                      JsonObject *args)
{
  static const char * const known[] = { NULL };

  if (!check_keys (call, args, known))
    return;
  _shoal_rpc_emit_close_requested (call->self);
  call_succeed (call, NULL);
}

/* Dispatch ------------------------------------------------------------------ */

typedef void (*MethodFunc) (Call *call, JsonObject *args);

static const struct
{
  const char *name;
  MethodFunc  func;
} methods[] = {
  { "session-get", method_session_get },
  { "session-set", method_session_set },
  { "session-stats", method_session_stats },
  { "session-close", method_session_close },
  { "torrent-get", method_torrent_get },
  { "torrent-add", method_torrent_add },
  { "torrent-start", method_torrent_start },
  { "torrent-start-now", method_torrent_start },
  { "torrent-stop", method_torrent_stop },
  { "torrent-verify", method_torrent_verify },
  { "torrent-reannounce", method_torrent_reannounce },
  { "torrent-remove", method_torrent_remove },
  { "torrent-set", method_torrent_set },
  { "torrent-set-location", method_torrent_set_location },
  { "torrent-rename-path", method_torrent_rename_path },
  { "queue-move-top", method_queue_move_top },
  { "queue-move-up", method_queue_move_up },
  { "queue-move-down", method_queue_move_down },
  { "queue-move-bottom", method_queue_move_bottom },
  { "free-space", method_free_space },
  { "blocklist-update", method_blocklist_update },
  { "port-test", method_port_test },
};

/* Runs @func; a method either answers (maybe later, from its callbacks)
 * or returns with an argument error in call->error, answered here. */
static void
run_method (Call       *call,
            MethodFunc  func,
            JsonObject *args)
{
  call->refs++;
  func (call, args);
  if (!call->answered && call->pending == 0)
    call_finish (call, NULL, call->error != NULL ? call->error : "internal error: no answer");
  call_unref (call);
}

void
_shoal_rpc_dispatch (ShoalRpcServer *self,
                     JsonNode       *request,
                     ShoalRpcReply   reply,
                     gpointer        user_data)
{
  JsonObject *object = json_node_get_object (request);
  JsonNode *method_node = json_object_has_member (object, "method") ? json_object_get_member (object, "method") : NULL;
  JsonNode *args_node = json_object_has_member (object, "arguments") ? json_object_get_member (object, "arguments") : NULL;
  Call *call = g_new0 (Call, 1);
  const char *method;

  call->self = g_object_ref (self);
  call->refs = 1;
  call->reply = reply;
  call->user_data = user_data;

  if (value_type (method_node) != G_TYPE_STRING)
    {
      call_fail (call, "no method name");
      return;
    }
  if (args_node != NULL && !JSON_NODE_HOLDS_OBJECT (args_node) && !JSON_NODE_HOLDS_NULL (args_node))
    {
      call_fail (call, "\"arguments\" must be an object");
      return;
    }
  method = json_node_get_string (method_node);
  g_debug ("RPC: %s", method);
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    if (strcmp (methods[i].name, method) == 0)
      {
        run_method (call, methods[i].func,
                    args_node != NULL && JSON_NODE_HOLDS_OBJECT (args_node) ? json_node_get_object (args_node) : NULL);
        return;
      }
  call_fail (call, "method name not recognized");
}
