/* shoal-ip-filter.c: a blocklist loaded from a file or a URL, kept up to date
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The source is a file path (or file:// URI) or an http(s) URL. It is read
 * and parsed in a worker thread (a URL is downloaded first, on the main
 * context, bounded by SHOAL_IP_FILTER_MAX_DOWNLOAD), then reloaded every
 * update interval. A load that fails keeps the list we had, and says why
 * in the "loaded" signal (shoal_ip_filter_get_error()).
 */
#include "config.h"

#include <string.h>

#include "shoal-ip-filter.h"

struct _ShoalIpFilter
{
  GObject        parent_instance;

  SoupSession   *soup;
  char          *source;
  guint          interval;
  guint          timeout_id;
  GCancellable  *cancellable;   /* the load under way, if any */
  ShoalIpRanges *ranges;        /* NULL: nothing blocked */
  ShoalIpRangesReport report;
  GError        *error;         /* of the last load */
  gboolean       pending;       /* the first load of this source is not done */
};

G_DEFINE_FINAL_TYPE (ShoalIpFilter, shoal_ip_filter, G_TYPE_OBJECT)

enum {
  SIGNAL_LOADED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  GFile  *file;     /* either this */
  GBytes *bytes;    /* or this */
  ShoalIpRangesReport report;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_clear_object (&data->file);
  g_clear_pointer (&data->bytes, g_bytes_unref);
  shoal_ip_ranges_report_clear (&data->report);
  g_free (data);
}

static gboolean
is_url (const char *source)
{
  return g_str_has_prefix (source, "http://") || g_str_has_prefix (source, "https://");
}

static void
finish_load (ShoalIpFilter *self,
             ShoalIpRanges *ranges,
             ShoalIpRangesReport *report,
             GError        *error)
{
  self->pending = FALSE;
  g_clear_error (&self->error);
  if (ranges != NULL)
    {
      g_clear_pointer (&self->ranges, shoal_ip_ranges_unref);
      self->ranges = ranges;
      shoal_ip_ranges_report_clear (&self->report);
      self->report = *report;
      memset (report, 0, sizeof *report);
      if (self->report.n_malformed > 0)
        g_message ("Blocklist %s: skipped %u malformed line%s of %" G_GUINT64_FORMAT
                   " (the first, line %" G_GUINT64_FORMAT ": %s)",
                   self->source, self->report.n_malformed, self->report.n_malformed == 1 ? "" : "s",
                   self->report.n_lines, self->report.first_malformed, self->report.first_reason);
      g_debug ("Blocklist %s: %u ranges (%u after merging), %" G_GSIZE_FORMAT " KiB",
               self->source, self->report.n_ranges, shoal_ip_ranges_get_n_ranges (ranges),
               shoal_ip_ranges_get_memory (ranges) / 1024);
    }
  else
    {
      self->error = error;
      g_message ("Blocklist %s not loaded: %s%s", self->source, error->message,
                 self->ranges != NULL ? " (the previous list stays)" : "");
    }
  g_signal_emit (self, signals[SIGNAL_LOADED], 0);
}

static void
parse_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  LoadData *data = task_data;
  g_autoptr(GInputStream) stream = NULL;
  GError *error = NULL;
  ShoalIpRanges *ranges;

  if (data->file != NULL)
    {
      g_autoptr(GFileInfo) info = g_file_query_info (data->file, G_FILE_ATTRIBUTE_STANDARD_TYPE, G_FILE_QUERY_INFO_NONE,
                                                     cancellable, &error);

      if (info != NULL && g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
        g_set_error (&error, SHOAL_IP_FILTER_ERROR, SHOAL_IP_FILTER_ERROR_READ, "Not a regular file");
      if (error == NULL)
        stream = G_INPUT_STREAM (g_file_read (data->file, cancellable, &error));
    }
  else
    stream = g_memory_input_stream_new_from_bytes (data->bytes);

  if (stream == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  ranges = shoal_ip_ranges_parse_stream (stream, cancellable, &data->report, &error);
  if (ranges == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, ranges, (GDestroyNotify) shoal_ip_ranges_unref);
}

static void
parse_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ShoalIpFilter) self = user_data;
  LoadData *data = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;
  ShoalIpRanges *ranges = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_error_free (error);
      return;
    }
  g_clear_object (&self->cancellable);
  finish_load (self, ranges, &data->report, error);
}

static void
parse_in_thread (ShoalIpFilter *self,
                 GFile         *file,
                 GBytes        *bytes)
{
  g_autoptr(GTask) task = g_task_new (NULL, self->cancellable, parse_done_cb, g_object_ref (self));
  LoadData *data = g_new0 (LoadData, 1);

  data->file = file != NULL ? g_object_ref (file) : NULL;
  data->bytes = bytes != NULL ? g_bytes_ref (bytes) : NULL;
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  g_task_set_source_tag (task, parse_in_thread);
  g_task_run_in_thread (task, parse_thread);
}

/* A download in progress. */
typedef struct
{
  ShoalIpFilter *self;
  GInputStream  *stream;
  GByteArray    *data;
  guint8         buf[64 * 1024];
} Download;

static void
download_free (Download *d)
{
  g_clear_object (&d->self);
  g_clear_object (&d->stream);
  g_clear_pointer (&d->data, g_byte_array_unref);
  g_free (d);
}

static void
download_fail (Download *d,
               GError   *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_error_free (error);
  else
    {
      g_clear_object (&d->self->cancellable);
      finish_load (d->self, NULL, NULL, error);
    }
  download_free (d);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Download *d = user_data;
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n < 0)
    {
      download_fail (d, error);
      return;
    }
  if (n == 0)
    {
      g_autoptr(GBytes) bytes = g_byte_array_free_to_bytes (g_steal_pointer (&d->data));

      if (!g_cancellable_is_cancelled (d->self->cancellable))
        parse_in_thread (d->self, NULL, bytes);
      download_free (d);
      return;
    }
  if ((guint64) d->data->len + (guint64) n > SHOAL_IP_FILTER_MAX_DOWNLOAD)
    {
      download_fail (d, g_error_new (SHOAL_IP_FILTER_ERROR, SHOAL_IP_FILTER_ERROR_TOO_LARGE,
                                     "The blocklist download is larger than %" G_GUINT64_FORMAT " MiB",
                                     SHOAL_IP_FILTER_MAX_DOWNLOAD >> 20));
      return;
    }
  g_byte_array_append (d->data, d->buf, (guint) n);
  g_input_stream_read_async (d->stream, d->buf, sizeof d->buf, G_PRIORITY_DEFAULT,
                             d->self->cancellable, read_cb, d);
}

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Download *d = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  GError *error = NULL;
  goffset length;

  d->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (d->stream == NULL)
    {
      download_fail (d, error);
      return;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    {
      download_fail (d, g_error_new (SHOAL_IP_FILTER_ERROR, SHOAL_IP_FILTER_ERROR_READ,
                                     "The server answered %u %s", soup_message_get_status (msg),
                                     soup_message_get_reason_phrase (msg)));
      return;
    }
  length = soup_message_headers_get_content_length (soup_message_get_response_headers (msg));
  if (length > 0 && (guint64) length > SHOAL_IP_FILTER_MAX_DOWNLOAD)
    {
      download_fail (d, g_error_new (SHOAL_IP_FILTER_ERROR, SHOAL_IP_FILTER_ERROR_TOO_LARGE,
                                     "The blocklist download is larger than %" G_GUINT64_FORMAT " MiB",
                                     SHOAL_IP_FILTER_MAX_DOWNLOAD >> 20));
      return;
    }
  d->data = g_byte_array_new ();
  g_input_stream_read_async (d->stream, d->buf, sizeof d->buf, G_PRIORITY_DEFAULT,
                             d->self->cancellable, read_cb, d);
}

/**
 * shoal_ip_filter_reload:
 *
 * Loads the list again from its source now (what the update timer does),
 * cancelling a load under way. "loaded" is emitted when it is done.
 */
void
shoal_ip_filter_reload (ShoalIpFilter *self)
{
  g_return_if_fail (SHOAL_IS_IP_FILTER (self));

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->source == NULL)
    return;
  self->cancellable = g_cancellable_new ();

  if (is_url (self->source))
    {
      g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, self->source);
      Download *d;

      if (msg == NULL || self->soup == NULL)
        {
          g_clear_object (&self->cancellable);
          finish_load (self, NULL, NULL,
                       g_error_new (SHOAL_IP_FILTER_ERROR, SHOAL_IP_FILTER_ERROR_SOURCE,
                                    msg == NULL ? "Not a valid URL" : "No HTTP session to download it with"));
          return;
        }
      d = g_new0 (Download, 1);
      d->self = g_object_ref (self);
      soup_session_send_async (self->soup, msg, G_PRIORITY_DEFAULT, self->cancellable, send_cb, d);
    }
  else
    {
      g_autoptr(GFile) file = g_str_has_prefix (self->source, "file://")
                              ? g_file_new_for_uri (self->source)
                              : g_file_new_for_path (self->source);

      parse_in_thread (self, file, NULL);
    }
}

static gboolean
update_cb (gpointer user_data)
{
  shoal_ip_filter_reload (user_data);
  return G_SOURCE_CONTINUE;
}

static void
schedule_updates (ShoalIpFilter *self)
{
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (self->source != NULL && self->interval > 0)
    self->timeout_id = g_timeout_add_seconds (self->interval, update_cb, self);
}

/**
 * shoal_ip_filter_set_source:
 * @source: (nullable): a file path, a file:// URI or an http(s) URL; %NULL
 *   blocks nothing
 *
 * Loads the list from @source (in the background) and then every update
 * interval. Until the first load is done, the previous list stays.
 */
void
shoal_ip_filter_set_source (ShoalIpFilter *self,
                            const char    *source)
{
  g_return_if_fail (SHOAL_IS_IP_FILTER (self));

  if (g_strcmp0 (source, self->source) == 0)
    return;
  g_free (self->source);
  self->source = source != NULL && *source != '\0' ? g_strdup (source) : NULL;
  self->pending = self->source != NULL;
  if (self->source == NULL)
    {
      g_clear_pointer (&self->ranges, shoal_ip_ranges_unref);
      shoal_ip_ranges_report_clear (&self->report);
      memset (&self->report, 0, sizeof self->report);
      g_clear_error (&self->error);
    }
  shoal_ip_filter_reload (self);
  schedule_updates (self);
}

const char *
shoal_ip_filter_get_source (ShoalIpFilter *self)
{
  g_return_val_if_fail (SHOAL_IS_IP_FILTER (self), NULL);
  return self->source;
}

/* 0: never reload by itself. */
void
shoal_ip_filter_set_update_interval (ShoalIpFilter *self,
                                     guint          seconds)
{
  g_return_if_fail (SHOAL_IS_IP_FILTER (self));

  self->interval = seconds;
  schedule_updates (self);
}

gboolean
shoal_ip_filter_is_blocked (ShoalIpFilter *self,
                            GInetAddress  *address)
{
  g_return_val_if_fail (SHOAL_IS_IP_FILTER (self), FALSE);
  g_return_val_if_fail (G_IS_INET_ADDRESS (address), FALSE);

  return self->ranges != NULL && shoal_ip_ranges_contains (self->ranges, address);
}

/* A source is set and its first load is not done yet (a failed load is
 * done: the filter then blocks what it blocked before, if anything). */
gboolean
shoal_ip_filter_is_pending (ShoalIpFilter *self)
{
  g_return_val_if_fail (SHOAL_IS_IP_FILTER (self), FALSE);
  return self->pending;
}

/* Merged ranges in the list in use. */
guint
shoal_ip_filter_get_n_ranges (ShoalIpFilter *self)
{
  g_return_val_if_fail (SHOAL_IS_IP_FILTER (self), 0);
  return self->ranges != NULL ? shoal_ip_ranges_get_n_ranges (self->ranges) : 0;
}

/* Why the last load failed, or NULL. */
const GError *
shoal_ip_filter_get_error (ShoalIpFilter *self)
{
  g_return_val_if_fail (SHOAL_IS_IP_FILTER (self), NULL);
  return self->error;
}

/* What the list in use held: its lines, ranges, malformed lines. */
const ShoalIpRangesReport *
shoal_ip_filter_get_report (ShoalIpFilter *self)
{
  g_return_val_if_fail (SHOAL_IS_IP_FILTER (self), NULL);
  return &self->report;
}

static void
shoal_ip_filter_dispose (GObject *object)
{
  ShoalIpFilter *self = SHOAL_IP_FILTER (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_object (&self->soup);

  G_OBJECT_CLASS (shoal_ip_filter_parent_class)->dispose (object);
}

static void
shoal_ip_filter_finalize (GObject *object)
{
  ShoalIpFilter *self = SHOAL_IP_FILTER (object);

  g_free (self->source);
  g_clear_pointer (&self->ranges, shoal_ip_ranges_unref);
  shoal_ip_ranges_report_clear (&self->report);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (shoal_ip_filter_parent_class)->finalize (object);
}

static void
shoal_ip_filter_class_init (ShoalIpFilterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_ip_filter_dispose;
  object_class->finalize = shoal_ip_filter_finalize;

  /**
   * ShoalIpFilter::loaded:
   *
   * A load finished: the new list is in use, or
   * shoal_ip_filter_get_error() says why not.
   */
  signals[SIGNAL_LOADED] = g_signal_new ("loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
shoal_ip_filter_init (ShoalIpFilter *self)
{
  self->interval = SHOAL_IP_FILTER_DEFAULT_UPDATE_INTERVAL;
}

/**
 * shoal_ip_filter_new:
 * @soup: (nullable): the HTTP session to download lists with
 *
 * Returns: (transfer full): a filter that blocks nothing until a source is set
 */
ShoalIpFilter *
shoal_ip_filter_new (SoupSession *soup)
{
  ShoalIpFilter *self = g_object_new (SHOAL_TYPE_IP_FILTER, NULL);

  self->soup = soup != NULL ? g_object_ref (soup) : NULL;
  return self;
}
