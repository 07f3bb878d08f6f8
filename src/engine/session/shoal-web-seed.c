/* shoal-web-seed.c: downloading pieces from an HTTP server (BEP 19)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A web seed is an HTTP(S) server holding the torrent's files. It has every
 * piece, so it asks the torrent's picker for blocks like a peer that has
 * everything, turns them into as few range requests as it can (contiguous
 * blocks become one range, split where files end; pad files and gaps are
 * zeros and never requested), and hands each block back as soon as its bytes
 * are in. The torrent checks whole pieces as for any peer: nothing a server
 * sends counts before its hash matches.
 *
 * A request owns itself while it runs: exactly one asynchronous operation (or
 * the callback running it) holds it at any time. stop() detaches requests
 * from the web seed and cancels them; a detached request never calls the
 * owner's hooks again and frees itself when its operation returns.
 */
#include "config.h"

#include <string.h>

#include "shoal-http-redirect.h"
#include "shoal-rate.h"
#include "shoal-web-seed.h"

/* At most this many requests in flight; one only while the server fails. */
#define MAX_REQUESTS          2
/* A request covers a whole piece, but at least 1 MiB and at most 4 MiB. */
#define MIN_REQUEST_BYTES     (1024u * 1024u)
#define MAX_REQUEST_BYTES     (4u * 1024u * 1024u)
#define MAX_REQUEST_BLOCKS    (MAX_REQUEST_BYTES / SHOAL_PIECE_PICKER_BLOCK_SIZE)
#define READ_CHUNK            (256u * 1024u)
/* Consecutive failed requests before giving up: a missing file (4xx) is
 * unlikely to appear, so fewer for those. */
#define MAX_FAILURES          8
#define MAX_MISSING_FAILURES  3
/* Pieces failing their hash check with our data in them. */
#define MAX_BAD_PIECES        3
#define RETRY_BASE_MS         5000u
#define RETRY_MAX_MS          (5u * 60u * 1000u)
/* A request is too slow, and its blocks go back to the torrent for other
 * peers, when the server takes longer than this to answer, or when, once it
 * answered, a window of this length brings fewer than MIN_RATE bytes per
 * second. libsoup's own timeout cannot tell: any byte restarts it, so a
 * server sending one byte a second would hold its blocks for ever. */
#define STALL_MS              20000u
#define MIN_RATE              4096u

/* A gap between files (v2 alignment) or a pad file: zeros, not requested. */
#define NO_FILE G_MAXUINT

typedef struct
{
  guint   file;    /* index in the metainfo, or NO_FILE */
  guint64 offset;  /* in that file */
  guint64 length;
} Segment;

typedef struct
{
  ShoalWebSeed *ws;             /* strong */
  GCancellable *cancellable;
  gboolean      detached;       /* never call the owner's hooks again */
  const char   *bad_redirect;   /* why a redirect was refused, or NULL */

  ShoalBlock   *blocks;         /* sorted by position in the torrent */
  guint         n_blocks;
  guint         n_delivered;
  guint64       delivered_bytes;

  guint8       *buffer;         /* the blocks' bytes, back to back */
  guint64       size;
  guint64       filled;

  Segment      *segments;
  guint         n_segments;
  guint         current;
  guint64       segment_done;

  SoupMessage  *msg;
  GInputStream *stream;
  guint8        probe;          /* one byte past the end, to see the body end */

  gint64        sent_us;        /* 0 once the response headers are in */
  gint64        window_us;      /* start of the current rate window */
  guint64       window_filled;  /* @filled at that time */
} Request;

struct _ShoalWebSeed
{
  GObject                  parent_instance;

  SoupSession             *soup;
  ShoalMetainfo           *info;
  char                    *url;
  char                    *scheme;     /* lower case; NULL if the URL is unusable */
  char                   **file_urls;  /* one per metainfo file */
  const ShoalWebSeedHooks *hooks;
  gpointer                 owner;
  ShoalPeer               *peer;
  char                    *status;     /* what the user sees after "Web seed (…)" */

  GPtrArray               *requests;   /* Request, in flight */
  gboolean                 running;
  gboolean                 failed;
  guint                    n_failures; /* consecutive */
  guint                    n_bad_pieces;
  guint                    retry_base_ms;
  guint                    stall_ms;
  gint64                   retry_at_us;
  guint                    retry_source;

  ShoalRate                rate;
  guint64                  downloaded;
};

G_DEFINE_FINAL_TYPE (ShoalWebSeed, shoal_web_seed, G_TYPE_OBJECT)

static void request_next (Request *req);
static void fill (ShoalWebSeed *self);

/* Status shown to the user */

static void
update_peer (ShoalWebSeed *self,
             gint64        now_us)
{
  g_autofree char *client = NULL;
  const char *kind = g_strcmp0 (self->scheme, "https") == 0 ? "HTTPS" : "HTTP";

  if (self->status != NULL)
    client = g_strdup_printf ("Web seed (%s): %s", kind, self->status);
  else
    client = g_strdup_printf ("Web seed (%s)", kind);
  _shoal_peer_update (self->peer, client, SHOAL_PEER_FLAG_WEB_SEED | SHOAL_PEER_FLAG_SEED, 1.0,
                      self->running ? shoal_rate_get (&self->rate, now_us) : 0, 0,
                      self->downloaded, 0);
}

static void
set_status (ShoalWebSeed *self,
            const char   *status)
{
  if (g_strcmp0 (self->status, status) == 0)
    return;
  g_free (self->status);
  self->status = g_strdup (status);
  update_peer (self, g_get_monotonic_time ());
}

/* Requests */

/* libsoup may keep the message a little longer than we do. */
static void
clear_message (Request *req)
{
  if (req->msg != NULL)
    g_signal_handlers_disconnect_by_data (req->msg, req);
  g_clear_object (&req->msg);
}

static void
request_free (Request *req)
{
  g_clear_object (&req->stream);
  clear_message (req);
  g_clear_object (&req->cancellable);
  g_clear_object (&req->ws);
  g_free (req->blocks);
  g_free (req->buffer);
  g_free (req->segments);
  g_free (req);
}

/* Forgets a response body we will not read: cancelling makes libsoup drop
 * the connection instead of reading the rest of the body. */
static void
drop_stream (Request *req)
{
  if (req->stream != NULL)
    {
      g_cancellable_cancel (req->cancellable);
      g_input_stream_close_async (req->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_clear_object (&req->stream);
    }
}

/* Gives the blocks not delivered back to the torrent. */
static void
release_rest (Request *req)
{
  if (req->detached)
    return;
  for (guint i = req->n_delivered; i < req->n_blocks; i++)
    req->ws->hooks->release (req->ws->owner, req->ws, &req->blocks[i]);
  req->n_delivered = req->n_blocks;
}

/* Cuts every request loose: with @release, their blocks go back to the
 * torrent first (when giving up); without, the torrent forgets them itself
 * (stop: it calls shoal_piece_picker_peer_gone()). */
static void
detach_all (ShoalWebSeed *self,
            gboolean      release)
{
  while (self->requests->len > 0)
    {
      Request *req = g_ptr_array_steal_index (self->requests, self->requests->len - 1);

      if (release)
        release_rest (req);
      req->detached = TRUE;
      g_cancellable_cancel (req->cancellable);
    }
}

static void
mark_failed (ShoalWebSeed *self,
             const char   *reason)
{
  g_autofree char *status = g_strdup_printf ("failed: %s", reason);

  g_debug ("web seed %s: giving up: %s", self->url, reason);
  self->failed = TRUE;
  detach_all (self, TRUE);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  set_status (self, status);
}

static gboolean
retry_cb (gpointer data)
{
  ShoalWebSeed *self = data;

  self->retry_source = 0;
  fill (self);
  return G_SOURCE_REMOVE;
}

static void
record_failure (ShoalWebSeed *self,
                const char   *reason,
                gboolean      missing)
{
  guint64 delay_ms;
  g_autofree char *status = NULL;

  self->n_failures++;
  g_debug ("web seed %s: %s (%u in a row)", self->url, reason, self->n_failures);
  if (self->n_failures >= MAX_FAILURES || (missing && self->n_failures >= MAX_MISSING_FAILURES))
    {
      mark_failed (self, reason);
      return;
    }
  delay_ms = (guint64) self->retry_base_ms << MIN (self->n_failures - 1, 16u);
  delay_ms = MIN (delay_ms, RETRY_MAX_MS);
  self->retry_at_us = g_get_monotonic_time () + (gint64) delay_ms * 1000;
  g_clear_handle_id (&self->retry_source, g_source_remove);
  self->retry_source = g_timeout_add ((guint) delay_ms, retry_cb, self);
  status = g_strdup_printf ("%s, retrying", reason);
  set_status (self, status);
}

/* The request failed: its undelivered blocks go back, and the server is
 * given a rest. */
static void
request_fail (Request    *req,
              const char *reason,
              gboolean    missing)
{
  ShoalWebSeed *self = req->ws;

  if (req->current < req->n_segments)
    g_debug ("web seed %s: %s for %s", self->url, reason,
             self->file_urls[req->segments[req->current].file]);
  drop_stream (req);
  if (!req->detached)
    {
      g_object_ref (self);
      release_rest (req);
      g_ptr_array_remove_fast (self->requests, req);
      req->detached = TRUE;
      record_failure (self, reason, missing);
      g_object_unref (self);
    }
  request_free (req);
}

/* Like request_fail() for a request with an operation still running: it is
 * cut loose now, and frees itself when that operation returns. */
static void
request_abort (Request    *req,
               const char *reason)
{
  ShoalWebSeed *self = g_object_ref (req->ws);

  g_debug ("web seed %s: %s, its blocks go back to the torrent", self->url, reason);
  release_rest (req);
  g_ptr_array_remove_fast (self->requests, req);
  req->detached = TRUE;
  g_cancellable_cancel (req->cancellable);
  record_failure (self, reason, FALSE);
  g_object_unref (self);
}

/* Gives up the requests whose server does not answer, or answers too
 * slowly to be worth waiting for. */
static void
check_stalls (ShoalWebSeed *self,
              gint64        now_us)
{
  gint64 stall_us = (gint64) self->stall_ms * 1000;

  for (guint i = self->requests->len; i > 0 && !self->failed; i--)
    {
      Request *req = g_ptr_array_index (self->requests, i - 1);
      g_autofree char *reason = NULL;

      if (i > self->requests->len)
        continue;
      if (req->sent_us != 0)
        {
          if (now_us - req->sent_us >= stall_us)
            reason = g_strdup_printf ("no answer in %u s", (self->stall_ms + 999) / 1000);
        }
      else if (now_us - req->window_us >= stall_us)
        {
          guint64 rate = (req->filled - req->window_filled) * G_USEC_PER_SEC / (guint64) (now_us - req->window_us);

          if (rate < MIN_RATE)
            reason = g_strdup_printf ("too slow (%" G_GUINT64_FORMAT " B/s)", rate);
          req->window_us = now_us;
          req->window_filled = req->filled;
        }
      if (reason != NULL)
        request_abort (req, reason);
    }
}

static void
request_done (Request *req)
{
  ShoalWebSeed *self = g_object_ref (req->ws);

  g_ptr_array_remove_fast (self->requests, req);
  request_free (req);
  if (self->n_failures > 0)
    {
      self->n_failures = 0;
      set_status (self, NULL);
    }
  fill (self);
  g_object_unref (self);
}

/* Hands over every block whose bytes are all in. Returns FALSE if the
 * request was detached meanwhile (a hook stopped the web seed). */
static gboolean
deliver (Request *req)
{
  while (req->n_delivered < req->n_blocks && !req->detached)
    {
      const ShoalBlock *b = &req->blocks[req->n_delivered];

      if (req->delivered_bytes + b->length > req->filled)
        break;
      req->n_delivered++;
      req->ws->hooks->block (req->ws->owner, req->ws, b, req->buffer + req->delivered_bytes);
      req->delivered_bytes += b->length;
    }
  return !req->detached;
}

static gboolean
request_next_idle_cb (gpointer data)
{
  Request *req = data;

  if (req->detached)
    request_free (req);
  else
    request_next (req);
  return G_SOURCE_REMOVE;
}

static void
close_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Request *req = user_data;

  /* The whole body was read; a failure to close only costs the connection. */
  g_input_stream_close_finish (G_INPUT_STREAM (source), result, NULL);
  if (req->detached)
    {
      request_free (req);
      return;
    }
  g_clear_object (&req->stream);
  clear_message (req);
  req->current++;
  req->segment_done = 0;
  /* libsoup puts the connection back in its pool only after this returns:
   * a request sent now would open a new connection. */
  g_idle_add (request_next_idle_cb, req);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Request *req = user_data;
  const Segment *seg = &req->segments[req->current];
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  gint64 now;

  if (req->detached)
    {
      drop_stream (req);
      request_free (req);
      return;
    }
  if (n < 0)
    {
      request_fail (req, error->message, FALSE);
      return;
    }
  if (req->segment_done == seg->length)
    {
      /* This was the probe past the end. */
      if (n > 0)
        request_fail (req, "response longer than requested", FALSE);
      else
        g_input_stream_close_async (req->stream, G_PRIORITY_DEFAULT, req->cancellable, close_cb, req);
      return;
    }
  if (n == 0)
    {
      request_fail (req, "response shorter than requested", FALSE);
      return;
    }

  now = g_get_monotonic_time ();
  req->filled += (guint64) n;
  req->segment_done += (guint64) n;
  shoal_rate_add (&req->ws->rate, now, (guint64) n);
  req->ws->downloaded += (guint64) n;
  if (!deliver (req))
    {
      drop_stream (req);
      request_free (req);
      return;
    }
  request_next (req);
}

/* Reads the next part of the current segment's body, or finishes it. */
static void
read_more (Request *req)
{
  const Segment *seg = &req->segments[req->current];
  guint64 left = seg->length - req->segment_done;

  if (left > 0)
    g_input_stream_read_async (req->stream, req->buffer + req->filled, (gsize) MIN (left, READ_CHUNK),
                               G_PRIORITY_DEFAULT, req->cancellable, read_cb, req);
  else
    /* One byte more must find the end of the body: a chunked body could go
     * on, and libsoup reuses the connection only once it saw the end. */
    g_input_stream_read_async (req->stream, &req->probe, 1, G_PRIORITY_DEFAULT, req->cancellable,
                               read_cb, req);
}

/* Checks that the response is exactly the range asked for. */
static gboolean
check_response (Request  *req,
                char    **reason,
                gboolean *missing)
{
  const Segment *seg = &req->segments[req->current];
  const ShoalMetainfoFile *f = shoal_metainfo_get_file (req->ws->info, seg->file);
  SoupMessageHeaders *headers = soup_message_get_response_headers (req->msg);
  guint status = soup_message_get_status (req->msg);
  GUri *uri = soup_message_get_uri (req->msg);

  *missing = FALSE;
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), req->ws->scheme) != 0)
    {
      *reason = g_strdup ("redirected to another scheme");
      return FALSE;
    }
  if (status == SOUP_STATUS_PARTIAL_CONTENT)
    {
      goffset start, end, total;

      if (!soup_message_headers_get_content_range (headers, &start, &end, &total) ||
          start != (goffset) seg->offset || end != (goffset) (seg->offset + seg->length - 1) ||
          (total >= 0 && total != (goffset) f->length))
        {
          *reason = g_strdup ("wrong Content-Range in the response");
          return FALSE;
        }
    }
  else if (status == SOUP_STATUS_OK)
    {
      /* A server ignoring Range sends the whole file: fine only if that is
       * what we asked for. */
      if (seg->offset != 0 || seg->length != f->length)
        {
          *reason = g_strdup ("server ignores range requests");
          return FALSE;
        }
    }
  else
    {
      *reason = g_strdup_printf ("HTTP %u", status);
      *missing = status >= 400 && status < 500 && status != SOUP_STATUS_REQUEST_TIMEOUT &&
                 status != 429 /* Too Many Requests */;
      return FALSE;
    }

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) != (goffset) seg->length)
    {
      *reason = g_strdup ("wrong length of the response");
      return FALSE;
    }
  return TRUE;
}

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Request *req = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  gboolean missing;

  req->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  req->sent_us = 0;
  req->window_us = g_get_monotonic_time ();
  req->window_filled = req->filled;
  if (req->detached)
    {
      drop_stream (req);
      request_free (req);
      return;
    }
  if (req->stream == NULL)
    {
      request_fail (req, req->bad_redirect != NULL ? req->bad_redirect : error->message, FALSE);
      return;
    }
  if (!check_response (req, &reason, &missing))
    {
      request_fail (req, reason, missing);
      return;
    }
  read_more (req);
}

static void
restarted_cb (SoupMessage *msg,
              gpointer     user_data)
{
  Request *req = user_data;
  GUri *target = soup_message_get_uri (msg);
  g_autoptr(GUri) original = NULL;
  ShoalHttpRedirect verdict;

  /* Not a redirect: sent again with credentials (a proxy's 407, 401). */
  if (!SOUP_STATUS_IS_REDIRECTION (soup_message_get_status (msg)))
    return;
  original = g_uri_parse (req->ws->url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
  verdict = original != NULL ? shoal_http_redirect_check (original, target) : SHOAL_HTTP_REDIRECT_NOT_HTTP;

  /* Following a redirect from https to http would hand the download to
   * whoever sits on the path, one to a private address would fetch from
   * our side of the network for a stranger; the scheme stays what the web
   * seed shows. */
  if (verdict != SHOAL_HTTP_REDIRECT_ALLOWED)
    req->bad_redirect = shoal_http_redirect_to_string (verdict);
  else if (g_ascii_strcasecmp (g_uri_get_scheme (target), req->ws->scheme) != 0)
    req->bad_redirect = "redirected to another scheme";
  if (req->bad_redirect != NULL)
    g_cancellable_cancel (req->cancellable);
}

/* Starts the next segment: zeros are filled in place, file ranges are
 * requested. */
static void
request_next (Request *req)
{
  ShoalWebSeed *self = req->ws;

  if (req->stream != NULL)
    {
      read_more (req);
      return;
    }

  while (req->current < req->n_segments && req->segments[req->current].file == NO_FILE)
    {
      /* The buffer came zeroed. */
      req->filled += req->segments[req->current].length;
      req->current++;
      if (!deliver (req))
        {
          request_free (req);
          return;
        }
    }

  if (req->current == req->n_segments)
    {
      g_assert (req->n_delivered == req->n_blocks);
      request_done (req);
      return;
    }

  {
    const Segment *seg = &req->segments[req->current];
    SoupMessageHeaders *headers;

    req->msg = soup_message_new ("GET", self->file_urls[seg->file]);
    if (req->msg == NULL)
      {
        request_fail (req, "invalid URL", TRUE);
        return;
      }
    headers = soup_message_get_request_headers (req->msg);
    soup_message_headers_set_range (headers, (goffset) seg->offset, (goffset) (seg->offset + seg->length - 1));
    /* Ranges are of the file's bytes, not of a compressed form. */
    soup_message_headers_replace (headers, "Accept-Encoding", "identity");
    soup_message_disable_feature (req->msg, SOUP_TYPE_CONTENT_DECODER);
    g_signal_connect (req->msg, "restarted", G_CALLBACK (restarted_cb), req);
    req->sent_us = g_get_monotonic_time ();
    soup_session_send_async (self->soup, req->msg, G_PRIORITY_DEFAULT, req->cancellable, send_cb, req);
  }
}

static gint
compare_blocks (gconstpointer a,
                gconstpointer b)
{
  const ShoalBlock *x = a;
  const ShoalBlock *y = b;

  if (x->piece != y->piece)
    return x->piece < y->piece ? -1 : 1;
  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  return 0;
}

/* Index of the first file that ends after @offset (files are in stream
 * order), n_files if none. */
static guint
find_file (ShoalMetainfo *info,
           guint64        offset)
{
  guint lo = 0;
  guint hi = shoal_metainfo_get_n_files (info);

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const ShoalMetainfoFile *f = shoal_metainfo_get_file (info, mid);

      if (f->offset + f->length <= offset)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static void
add_segment (GArray  *segments,
             guint    file,
             guint64  offset,
             guint64  length)
{
  Segment *last = segments->len > 0 ? &g_array_index (segments, Segment, segments->len - 1) : NULL;
  Segment seg = { file, offset, length };

  if (last != NULL && last->file == file &&
      (file == NO_FILE || last->offset + last->length == offset))
    last->length += length;
  else
    g_array_append_val (segments, seg);
}

/* Splits the torrent's bytes [@start, @start + @length) into file ranges
 * and zeros. */
static void
add_range (ShoalWebSeed *self,
           GArray       *segments,
           guint64       start,
           guint64       length)
{
  guint n_files = shoal_metainfo_get_n_files (self->info);
  guint i = find_file (self->info, start);
  guint64 pos = start;
  guint64 end = start + length;

  while (pos < end)
    {
      const ShoalMetainfoFile *f = i < n_files ? shoal_metainfo_get_file (self->info, i) : NULL;

      if (f == NULL || f->offset > pos)
        {
          /* Not in any file: alignment padding. */
          guint64 stop = f != NULL ? MIN (end, f->offset) : end;

          add_segment (segments, NO_FILE, 0, stop - pos);
          pos = stop;
        }
      else if (f->length == 0)
        i++;
      else
        {
          guint64 stop = MIN (end, f->offset + f->length);

          add_segment (segments, (f->attributes & SHOAL_FILE_ATTRIBUTE_PAD) ? NO_FILE : i,
                       pos - f->offset, stop - pos);
          pos = stop;
          i++;
        }
    }
}

static void
start_request (ShoalWebSeed *self,
               ShoalBlock   *blocks,
               guint         n_blocks)
{
  Request *req = g_new0 (Request, 1);
  guint64 piece_length = shoal_metainfo_get_piece_length (self->info);
  g_autoptr(GArray) segments = g_array_new (FALSE, FALSE, sizeof (Segment));
  guint64 run_start = 0;
  guint64 run_length = 0;

  qsort (blocks, n_blocks, sizeof (ShoalBlock), compare_blocks);
  req->ws = g_object_ref (self);
  req->cancellable = g_cancellable_new ();
  req->blocks = g_memdup2 (blocks, n_blocks * sizeof (ShoalBlock));
  req->n_blocks = n_blocks;

  /* Contiguous blocks make one range. */
  for (guint i = 0; i < n_blocks; i++)
    {
      guint64 at = (guint64) blocks[i].piece * piece_length + blocks[i].begin;

      req->size += blocks[i].length;
      if (run_length > 0 && run_start + run_length == at)
        run_length += blocks[i].length;
      else
        {
          if (run_length > 0)
            add_range (self, segments, run_start, run_length);
          run_start = at;
          run_length = blocks[i].length;
        }
    }
  if (run_length > 0)
    add_range (self, segments, run_start, run_length);

  req->buffer = g_malloc0 (req->size);
  req->n_segments = segments->len;
  req->segments = (Segment *) (gpointer) g_array_free (g_steal_pointer (&segments), FALSE);
  g_ptr_array_add (self->requests, req);
  request_next (req);
}

/* Starts requests up to the limit, unless resting after a failure. */
static void
fill (ShoalWebSeed *self)
{
  ShoalBlock blocks[MAX_REQUEST_BLOCKS];
  guint64 piece_length = shoal_metainfo_get_piece_length (self->info);
  guint max = (guint) (CLAMP (piece_length, MIN_REQUEST_BYTES, MAX_REQUEST_BYTES) / SHOAL_PIECE_PICKER_BLOCK_SIZE);
  guint limit = self->n_failures > 0 ? 1 : MAX_REQUESTS;

  if (!self->running || self->failed || g_get_monotonic_time () < self->retry_at_us)
    return;
  while (self->requests->len < limit && self->running && !self->failed)
    {
      guint n = self->hooks->pick (self->owner, self, max, blocks);

      if (n == 0)
        break;
      start_request (self, blocks, MIN (n, max));
    }
}

/* GObject */

static void
shoal_web_seed_dispose (GObject *object)
{
  ShoalWebSeed *self = SHOAL_WEB_SEED (object);

  self->running = FALSE;
  detach_all (self, FALSE);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  G_OBJECT_CLASS (shoal_web_seed_parent_class)->dispose (object);
}

static void
shoal_web_seed_finalize (GObject *object)
{
  ShoalWebSeed *self = SHOAL_WEB_SEED (object);

  g_clear_pointer (&self->requests, g_ptr_array_unref);
  g_clear_object (&self->soup);
  g_clear_object (&self->info);
  g_clear_object (&self->peer);
  g_clear_pointer (&self->url, g_free);
  g_clear_pointer (&self->scheme, g_free);
  g_clear_pointer (&self->file_urls, g_strfreev);
  g_clear_pointer (&self->status, g_free);
  G_OBJECT_CLASS (shoal_web_seed_parent_class)->finalize (object);
}

static void
shoal_web_seed_class_init (ShoalWebSeedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_web_seed_dispose;
  object_class->finalize = shoal_web_seed_finalize;
}

static void
shoal_web_seed_init (ShoalWebSeed *self)
{
  self->requests = g_ptr_array_new ();
  self->retry_base_ms = RETRY_BASE_MS;
  self->stall_ms = STALL_MS;
}

/**
 * shoal_web_seed_set_timing:
 * @self: a web seed
 * @retry_base_ms: the first wait before a failed server is asked again
 *   (10 ms to 5 min), 0 for the usual 5 s
 * @stall_ms: how long a request may go without progress (100 ms to 20 s),
 *   0 for the usual 20 s
 *
 * Tests shorten the wait between retries, and the time a slow server is
 * given.
 */
void
shoal_web_seed_set_timing (ShoalWebSeed *self,
                           guint         retry_base_ms,
                           guint         stall_ms)
{
  g_return_if_fail (SHOAL_IS_WEB_SEED (self));
  self->retry_base_ms = retry_base_ms > 0 ? CLAMP (retry_base_ms, 10, RETRY_MAX_MS) : RETRY_BASE_MS;
  self->stall_ms = stall_ms > 0 ? CLAMP (stall_ms, 100, STALL_MS) : STALL_MS;
}

/* The URL of each file: BEP 19 puts a single file at the URL itself (or
 * under it, named after the torrent, if it ends with '/'), and the files of
 * a multi-file torrent under URL/name/. */
static char **
build_file_urls (ShoalMetainfo *info,
                 const char    *url)
{
  guint n_files = shoal_metainfo_get_n_files (info);
  char **urls = g_new0 (char *, n_files + 1);
  gboolean ends_with_slash = g_str_has_suffix (url, "/");

  for (guint i = 0; i < n_files; i++)
    {
      const ShoalMetainfoFile *f = shoal_metainfo_get_file (info, i);
      g_auto(GStrv) parts = g_strsplit (f->path, "/", -1);
      GString *s = g_string_new (url);

      if (parts[1] == NULL && !ends_with_slash)
        {
          /* Single-file torrent: the URL is the file. */
          urls[i] = g_string_free (s, FALSE);
          continue;
        }
      if (!ends_with_slash)
        g_string_append_c (s, '/');
      for (guint j = 0; parts[j] != NULL; j++)
        {
          g_autofree char *escaped = g_uri_escape_string (parts[j], NULL, FALSE);

          if (j > 0)
            g_string_append_c (s, '/');
          g_string_append (s, escaped);
        }
      urls[i] = g_string_free (s, FALSE);
    }
  return urls;
}

/**
 * shoal_web_seed_new:
 * @soup: the session's HTTP client (connections are shared and reused)
 * @info: the torrent
 * @url: a `url-list` entry
 * @hooks: how to reach the torrent; must outlive the web seed
 * @owner: passed back to @hooks
 *
 * Creates a web seed for @url. It does nothing until started; a URL that is
 * not http or https makes a web seed that is failed from the start.
 *
 * Returns: (transfer full): a new web seed
 */
ShoalWebSeed *
shoal_web_seed_new (SoupSession             *soup,
                    ShoalMetainfo           *info,
                    const char              *url,
                    const ShoalWebSeedHooks *hooks,
                    gpointer                 owner)
{
  ShoalWebSeed *self;
  g_autoptr(GUri) uri = NULL;

  g_return_val_if_fail (SOUP_IS_SESSION (soup), NULL);
  g_return_val_if_fail (SHOAL_IS_METAINFO (info), NULL);
  g_return_val_if_fail (url != NULL && hooks != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_WEB_SEED, NULL);
  self->soup = g_object_ref (soup);
  self->info = g_object_ref (info);
  self->url = g_strdup (url);
  self->hooks = hooks;
  self->owner = owner;
  self->peer = _shoal_peer_new (url, SHOAL_PEER_FLAG_WEB_SEED | SHOAL_PEER_FLAG_SEED);
  self->file_urls = build_file_urls (info, url);

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
  if (uri != NULL && g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0' &&
      (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") == 0 ||
       g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0))
    self->scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  if (self->scheme == NULL)
    mark_failed (self, "unsupported URL");
  else
    update_peer (self, g_get_monotonic_time ());
  return self;
}

/**
 * shoal_web_seed_get_url:
 * @self: a web seed
 *
 * Returns: the `url-list` entry it was made from
 */
const char *
shoal_web_seed_get_url (ShoalWebSeed *self)
{
  g_return_val_if_fail (SHOAL_IS_WEB_SEED (self), NULL);
  return self->url;
}

/**
 * shoal_web_seed_start:
 * @self: a web seed
 *
 * Lets it fetch blocks: the first requests go out now, later ones as
 * requests finish and on each tick.
 */
void
shoal_web_seed_start (ShoalWebSeed *self)
{
  g_return_if_fail (SHOAL_IS_WEB_SEED (self));

  if (self->running)
    return;
  self->running = TRUE;
  fill (self);
}

/**
 * shoal_web_seed_stop:
 * @self: a web seed
 *
 * Cancels every request. The hooks are not called again (not even
 * @release: the owner forgets this web seed's blocks itself) until the web
 * seed is started again.
 */
void
shoal_web_seed_stop (ShoalWebSeed *self)
{
  g_return_if_fail (SHOAL_IS_WEB_SEED (self));

  self->running = FALSE;
  detach_all (self, FALSE);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  self->retry_at_us = 0;
  update_peer (self, g_get_monotonic_time ());
}

/**
 * shoal_web_seed_tick:
 * @self: a web seed
 * @now_us: the monotonic time
 *
 * Called once a second: gives up requests whose server does not answer or
 * answers too slowly (their blocks go back to the torrent, and the web seed
 * rests as after a failure), refreshes the #ShoalPeer and sends requests if
 * there is room (the torrent may have had nothing to give before, or the
 * wait after a failure is over).
 */
void
shoal_web_seed_tick (ShoalWebSeed *self,
                     gint64        now_us)
{
  g_return_if_fail (SHOAL_IS_WEB_SEED (self));

  check_stalls (self, now_us);
  fill (self);
  update_peer (self, now_us);
}

/**
 * shoal_web_seed_report_bad_piece:
 * @self: a web seed
 * @piece: a piece that failed its hash check with data from @self in it
 *
 * After a few such pieces the web seed is given up: the server holds
 * different data.
 */
void
shoal_web_seed_report_bad_piece (ShoalWebSeed *self,
                                 guint         piece)
{
  g_autofree char *reason = NULL;

  g_return_if_fail (SHOAL_IS_WEB_SEED (self));

  self->n_bad_pieces++;
  g_debug ("web seed %s: piece %u failed its hash check (%u so far)", self->url, piece, self->n_bad_pieces);
  if (self->n_bad_pieces >= MAX_BAD_PIECES && !self->failed)
    {
      reason = g_strdup_printf ("%u pieces with wrong data", self->n_bad_pieces);
      mark_failed (self, reason);
    }
}

/**
 * shoal_web_seed_is_failed:
 * @self: a web seed
 *
 * Returns: %TRUE once the web seed was given up (unusable URL, too many
 *   failed requests in a row, or too many bad pieces); it makes no more
 *   requests
 */
gboolean
shoal_web_seed_is_failed (ShoalWebSeed *self)
{
  g_return_val_if_fail (SHOAL_IS_WEB_SEED (self), FALSE);
  return self->failed;
}

/**
 * shoal_web_seed_get_peer:
 * @self: a web seed
 *
 * Returns: (transfer none): what the user sees of it in the torrent's peer
 *   list; its client string tells the status
 */
ShoalPeer *
shoal_web_seed_get_peer (ShoalWebSeed *self)
{
  g_return_val_if_fail (SHOAL_IS_WEB_SEED (self), NULL);
  return self->peer;
}
