/* test-web-seed.c: downloading from web seeds (BEP 19) served by an
 * in-process HTTP server on 127.0.0.1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "shoal-engine.h"
#include "shoal-bencode.h"
#include "shoal-session-testing.h"

#define PIECE_LENGTH (32u * 1024u)
#define WAIT_SECONDS 30

/* Torrents ----------------------------------------------------------------- */

typedef struct
{
  const char *path;    /* below the torrent's name, '/' separated */
  guint64     length;
  gboolean    pad;
} TestFile;

typedef struct
{
  ShoalMetainfo *info;
  GBytes        *content;   /* the whole piece stream, pad files as zeros */
} TestTorrent;

static void
test_torrent_free (TestTorrent *t)
{
  g_clear_object (&t->info);
  g_clear_pointer (&t->content, g_bytes_unref);
  g_free (t);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestTorrent, test_torrent_free)

/* A v1 torrent over pseudo-random data: one file without @files (named
 * @name), else the files listed. Every file that is not a pad file is
 * written under @root (which then is what a web server or a seed holds). */
static TestTorrent *
test_torrent_new (const char     *name,
                  guint64         single_length,
                  const TestFile *files,
                  guint           n_files,
                  const char     *url,
                  const char     *root,
                  guint32         seed)
{
  g_autoptr(ShoalBencodeWriter) w = shoal_bencode_writer_new ();
  g_autoptr(GByteArray) hashes = g_byte_array_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  TestTorrent *t = g_new0 (TestTorrent, 1);
  guint64 total = files == NULL ? single_length : 0;
  guint8 *data;
  guint64 pos = 0;

  for (guint i = 0; files != NULL && i < n_files; i++)
    total += files[i].length;
  data = g_malloc0 (total);
  for (guint i = 0; files == NULL || i < n_files; i++)
    {
      guint64 length = files == NULL ? single_length : files[i].length;
      g_autofree char *path = files == NULL ? g_build_filename (root, name, NULL)
                                            : g_build_filename (root, name, files[i].path, NULL);
      g_autofree char *dir = g_path_get_dirname (path);

      if (files == NULL || !files[i].pad)
        {
          for (guint64 j = 0; j < length; j++)
            data[pos + j] = (guint8) g_rand_int (rand);
          g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
          g_file_set_contents (path, (const char *) data + pos, (gssize) length, &error);
          g_assert_no_error (error);
        }
      pos += length;
      if (files == NULL)
        break;
    }
  for (guint64 off = 0; off < total; off += PIECE_LENGTH)
    {
      guint8 digest[SHOAL_SHA1_LEN];

      shoal_sha1 (data + off, MIN (PIECE_LENGTH, total - off), digest);
      g_byte_array_append (hashes, digest, sizeof digest);
    }
  t->content = g_bytes_new_take (data, total);

  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "info");
  shoal_bencode_writer_begin_dict (w);
  if (files == NULL)
    {
      shoal_bencode_writer_cstring (w, "length");
      shoal_bencode_writer_integer (w, (gint64) single_length);
    }
  else
    {
      shoal_bencode_writer_cstring (w, "files");
      shoal_bencode_writer_begin_list (w);
      for (guint i = 0; i < n_files; i++)
        {
          g_auto(GStrv) parts = g_strsplit (files[i].path, "/", -1);

          shoal_bencode_writer_begin_dict (w);
          if (files[i].pad)
            {
              shoal_bencode_writer_cstring (w, "attr");
              shoal_bencode_writer_cstring (w, "p");
            }
          shoal_bencode_writer_cstring (w, "length");
          shoal_bencode_writer_integer (w, (gint64) files[i].length);
          shoal_bencode_writer_cstring (w, "path");
          shoal_bencode_writer_begin_list (w);
          for (guint j = 0; parts[j] != NULL; j++)
            shoal_bencode_writer_cstring (w, parts[j]);
          shoal_bencode_writer_end (w);
          shoal_bencode_writer_end (w);
        }
      shoal_bencode_writer_end (w);
    }
  shoal_bencode_writer_cstring (w, "name");
  shoal_bencode_writer_cstring (w, name);
  shoal_bencode_writer_cstring (w, "piece length");
  shoal_bencode_writer_integer (w, PIECE_LENGTH);
  shoal_bencode_writer_cstring (w, "pieces");
  shoal_bencode_writer_string (w, hashes->data, hashes->len);
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_cstring (w, "url-list");
  shoal_bencode_writer_cstring (w, url);
  shoal_bencode_writer_end (w);
  bytes = shoal_bencode_writer_finish (w);

  t->info = shoal_metainfo_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (shoal_metainfo_get_web_seeds (t->info)[0], ==, url);
  return t;
}

/* Every file of @t (pad files aside) under @dir holds exactly its bytes. */
static gboolean
files_match (TestTorrent *t,
             const char  *dir)
{
  const guint8 *content = g_bytes_get_data (t->content, NULL);

  for (guint i = 0; i < shoal_metainfo_get_n_files (t->info); i++)
    {
      const ShoalMetainfoFile *f = shoal_metainfo_get_file (t->info, i);
      g_autofree char *path = g_build_filename (dir, f->path, NULL);
      g_autofree char *data = NULL;
      gsize len = 0;

      if (f->attributes & SHOAL_FILE_ATTRIBUTE_PAD)
        continue;
      if (!g_file_get_contents (path, &data, &len, NULL) || len != f->length ||
          (len > 0 && memcmp (data, content + f->offset, len) != 0))
        return FALSE;
    }
  return TRUE;
}

/* The HTTP server --------------------------------------------------------- */

typedef enum
{
  SERVE_OK,
  SERVE_NOT_FOUND,   /* 404 for everything */
  SERVE_ERRORS,      /* 500 for the first requests, then fine */
  SERVE_SHORT,       /* bodies one byte short of the range */
  SERVE_WRONG_BYTES, /* wrong bytes in every other piece */
  SERVE_REDIRECT,    /* files are under /moved/, other paths redirect there */
  SERVE_DRIP,        /* the first ranges a byte every 100 ms, then fine */
  SERVE_HANG,        /* the first requests never answered, then fine */
} ServeMode;

typedef struct
{
  SoupServer *server;
  char       *root;
  char       *base;          /* http://127.0.0.1:PORT/ */
  ServeMode   mode;
  guint       n_errors_left;
  guint       n_requests;
  guint       n_ranges;      /* answered with 206 */
  guint       n_pad_requests;
  const char *redirect_scheme;
  guint       n_redirects;
  guint       n_slow_left;   /* SERVE_DRIP, SERVE_HANG */
  guint       n_slow;
  GPtrArray  *slow;          /* Slow, being dripped or held */
} Server;

/* A response held back, or sent a byte at a time. */
typedef struct
{
  Server            *server;
  SoupServerMessage *msg;     /* strong */
  GBytes            *body;    /* NULL: never answered */
  gsize              sent;
  guint              source;
} Slow;

static void
slow_free (Slow *slow)
{
  g_clear_handle_id (&slow->source, g_source_remove);
  g_signal_handlers_disconnect_by_data (slow->msg, slow);
  g_clear_object (&slow->msg);
  g_clear_pointer (&slow->body, g_bytes_unref);
  g_free (slow);
}

static void
slow_finished_cb (SoupServerMessage *msg,
                  gpointer           user_data)
{
  Slow *slow = user_data;

  g_ptr_array_remove (slow->server->slow, slow);
}

static gboolean
drip_cb (gpointer data)
{
  Slow *slow = data;
  SoupMessageBody *body = soup_server_message_get_response_body (slow->msg);

  soup_message_body_append (body, SOUP_MEMORY_COPY,
                            (const char *) g_bytes_get_data (slow->body, NULL) + slow->sent, 1);
  if (++slow->sent == g_bytes_get_size (slow->body))
    {
      soup_message_body_complete (body);
      slow->source = 0;
    }
  soup_server_message_unpause (slow->msg);
  return slow->source != 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* Holds @msg back (@body NULL) or sends @body a byte every 100 ms. */
static void
serve_slowly (Server            *self,
              SoupServerMessage *msg,
              GBytes            *body)
{
  Slow *slow = g_new0 (Slow, 1);

  self->n_slow++;
  slow->server = self;
  slow->msg = g_object_ref (msg);
  g_signal_connect (msg, "finished", G_CALLBACK (slow_finished_cb), slow);
  g_signal_connect (msg, "disconnected", G_CALLBACK (slow_finished_cb), slow);
  g_ptr_array_add (self->slow, slow);
  if (body != NULL)
    {
      slow->body = body;
      soup_message_headers_set_encoding (soup_server_message_get_response_headers (msg),
                                         SOUP_ENCODING_CONTENT_LENGTH);
      soup_message_headers_set_content_length (soup_server_message_get_response_headers (msg),
                                               (goffset) g_bytes_get_size (body));
      slow->source = g_timeout_add (100, drip_cb, slow);
    }
  soup_server_message_pause (msg);
}

static void
server_cb (SoupServer        *soup_server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Server *self = user_data;
  SoupMessageHeaders *req_headers = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *resp_headers = soup_server_message_get_response_headers (msg);
  g_autofree char *file = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;
  SoupRange *ranges = NULL;
  int n_ranges = 0;
  goffset start, end;

  self->n_requests++;
  /* SoupServer hands over the path already percent-decoded. */
  if (strstr (path, ".pad") != NULL)
    self->n_pad_requests++;
  if (self->mode == SERVE_NOT_FOUND || strstr (path, "..") != NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  if (self->mode == SERVE_ERRORS && self->n_errors_left > 0)
    {
      self->n_errors_left--;
      soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      return;
    }
  if (self->mode == SERVE_HANG && self->n_slow_left > 0)
    {
      self->n_slow_left--;
      serve_slowly (self, msg, NULL);
      return;
    }
  if (self->mode == SERVE_REDIRECT)
    {
      g_autofree char *location = NULL;

      if (!g_str_has_prefix (path, "/moved/"))
        {
          self->n_redirects++;
          location = g_strdup_printf ("%s://127.0.0.1:%d/moved%s", self->redirect_scheme,
                                      g_uri_get_port (soup_server_message_get_uri (msg)), path);
          soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, location);
          return;
        }
      path += strlen ("/moved");
    }
  file = g_build_filename (self->root, path, NULL);
  if (!g_file_get_contents (file, &data, &len, NULL))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  if (!soup_message_headers_get_ranges (req_headers, (goffset) len, &ranges, &n_ranges))
    {
      if (soup_message_headers_get_one (req_headers, "Range") != NULL)
        {
          soup_message_headers_set_content_range (resp_headers, -1, -1, (goffset) len);
          soup_server_message_set_status (msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, NULL);
          return;
        }
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY, data, len);
      return;
    }
  start = ranges[0].start;
  end = ranges[0].end;
  soup_message_headers_free_ranges (req_headers, ranges);
  g_assert_cmpint (n_ranges, ==, 1);
  g_assert_cmpint (start, <=, end);
  g_assert_cmpint (end, <, (goffset) len);

  if (self->mode == SERVE_WRONG_BYTES)
    {
      /* Files start on piece boundaries in these tests (single file). */
      for (goffset i = start; i <= end; i++)
        if ((i / PIECE_LENGTH) % 2 == 1)
          data[i] ^= 0x5a;
    }
  self->n_ranges++;
  soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
  soup_message_headers_set_content_range (resp_headers, start, end, (goffset) len);
  if (self->mode == SERVE_DRIP && self->n_slow_left > 0)
    {
      self->n_slow_left--;
      serve_slowly (self, msg, g_bytes_new (data + start, (gsize) (end - start + 1)));
      return;
    }
  soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY, data + start,
                                    (gsize) (end - start + 1) - (self->mode == SERVE_SHORT ? 1 : 0));
}

static Server *
server_new (const char *root,
            ServeMode   mode)
{
  Server *self = g_new0 (Server, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  self->root = g_strdup (root);
  self->mode = mode;
  self->slow = g_ptr_array_new_with_free_func ((GDestroyNotify) slow_free);
  self->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (self->server, NULL, server_cb, self, NULL);
  g_assert_true (soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (self->server);
  g_assert_nonnull (uris);
  self->base = g_strdup_printf ("http://127.0.0.1:%d/", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return self;
}

static void
server_free (Server *self)
{
  soup_server_disconnect (self->server);
  g_clear_pointer (&self->slow, g_ptr_array_unref);
  g_clear_object (&self->server);
  g_free (self->root);
  g_free (self->base);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Server, server_free)

/* Sessions ------------------------------------------------------------------ */

typedef struct
{
  char         *dir;
  ShoalSession *session;
} Node;

static const ShoalSessionTestHooks web_seed_test_hooks = {
  /* Retries after 10 ms, 20 ms…, not 5 s, 10 s… */
  .web_seed_retry_ms = 10,
  /* A slow server is given 1 s (checked on the torrent's 1 s tick). */
  .web_seed_stall_ms = 1000,
};

static Node *
node_new (const char *parent,
          const char *name)
{
  Node *self = g_new0 (Node, 1);
  g_autofree char *state = g_build_filename (parent, name, "state", NULL);
  g_autoptr(GError) error = NULL;

  self->dir = g_build_filename (parent, name, "data", NULL);
  g_assert_cmpint (g_mkdir_with_parents (self->dir, 0700), ==, 0);
  self->session = shoal_session_new (state);
  _shoal_session_set_test_hooks (self->session, &web_seed_test_hooks);
  shoal_session_set_listen_address (self->session, "127.0.0.1");
  shoal_session_set_listen_port (self->session, 0);
  g_assert_true (shoal_session_start (self->session, &error));
  g_assert_no_error (error);
  return self;
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
node_free (Node *self)
{
  gboolean alive = TRUE;

  shoal_session_close (self->session);
  g_object_add_weak_pointer (G_OBJECT (self->session), (gpointer *) &self->session);
  g_object_unref (self->session);
  alive = self->session != NULL;
  if (alive)
    {
      gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
      guint tick = g_timeout_add (50, wake_cb, NULL);

      while (self->session != NULL && g_get_monotonic_time () < deadline)
        g_main_context_iteration (NULL, TRUE);
      g_source_remove (tick);
      g_assert_null (self->session);
    }
  g_free (self->dir);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Node, node_free)

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* Watching a download ------------------------------------------------------ */

typedef struct
{
  ShoalTorrent *torrent;
  ShoalPeer    *web_peer;       /* kept once seen in the peer list */
  gboolean      saw_retrying;
  gboolean      saw_too_slow;
  gboolean      saw_no_answer;
  guint         n_verified;
  guint         n_verified_wrong;
  TestTorrent  *expected;
  char         *save_dir;
} Watch;

static void
look_at_peers (Watch *w)
{
  GListModel *peers = shoal_torrent_get_peers (w->torrent);

  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr(ShoalPeer) peer = g_list_model_get_item (peers, i);

      if (shoal_peer_get_flags (peer) & SHOAL_PEER_FLAG_WEB_SEED)
        {
          g_assert_true (w->web_peer == NULL || w->web_peer == peer);
          if (w->web_peer == NULL)
            w->web_peer = g_object_ref (peer);
        }
    }
  if (w->web_peer != NULL && shoal_peer_get_client (w->web_peer) != NULL &&
      strstr (shoal_peer_get_client (w->web_peer), "retrying") != NULL)
    w->saw_retrying = TRUE;
  if (w->web_peer != NULL && shoal_peer_get_client (w->web_peer) != NULL &&
      strstr (shoal_peer_get_client (w->web_peer), "too slow") != NULL)
    w->saw_too_slow = TRUE;
  if (w->web_peer != NULL && shoal_peer_get_client (w->web_peer) != NULL &&
      strstr (shoal_peer_get_client (w->web_peer), "no answer") != NULL)
    w->saw_no_answer = TRUE;
}

/* Nothing is taken as had unless it is right: every verified piece of the
 * (single-file) torrent is read back from disk and compared. */
static void
piece_verified_cb (ShoalTorrent *torrent,
                   guint         piece,
                   gpointer      user_data)
{
  Watch *w = user_data;
  const ShoalMetainfoFile *f = shoal_metainfo_get_file (w->expected->info, 0);
  g_autofree char *path = g_build_filename (w->save_dir, f->path, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, NULL);
  guint64 offset = (guint64) piece * PIECE_LENGTH;
  guint64 size = shoal_metainfo_get_piece_size (w->expected->info, piece);
  g_autofree guint8 *buf = g_malloc (size);
  gsize got = 0;

  w->n_verified++;
  if (in == NULL || !g_seekable_seek (G_SEEKABLE (in), (goffset) offset, G_SEEK_SET, NULL, NULL) ||
      !g_input_stream_read_all (G_INPUT_STREAM (in), buf, size, &got, NULL, NULL) || got != size ||
      memcmp (buf, (const guint8 *) g_bytes_get_data (w->expected->content, NULL) + offset, size) != 0)
    w->n_verified_wrong++;
}

static gboolean
torrent_done (ShoalTorrent *t)
{
  ShoalTorrentState state = shoal_torrent_get_state (t);

  return state == SHOAL_TORRENT_STATE_SEEDING || state == SHOAL_TORRENT_STATE_FINISHED;
}

static gboolean
web_peer_failed (Watch *w)
{
  return w->web_peer != NULL && strstr (shoal_peer_get_client (w->web_peer), "failed") != NULL;
}

typedef gboolean (*WatchDone) (Watch *w);

static gboolean
done_when_complete (Watch *w)
{
  return torrent_done (w->torrent);
}

static gboolean
done_when_complete_and_failed (Watch *w)
{
  return torrent_done (w->torrent) && web_peer_failed (w);
}

/* Runs the main loop until @done, looking at the peer list on the way. */
static gboolean
watch_run (Watch     *w,
           WatchDone  done)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;
  guint tick = g_timeout_add (20, wake_cb, NULL);

  while (!done (w) && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, TRUE);
      look_at_peers (w);
    }
  g_source_remove (tick);
  return done (w);
}

static void
watch_clear (Watch *w)
{
  g_clear_object (&w->web_peer);
  g_clear_pointer (&w->save_dir, g_free);
}

/* Fixture ------------------------------------------------------------------ */

typedef struct
{
  char *dir;
  char *www;
} Fixture;

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fx->dir = g_dir_make_tmp ("shoal-test-web-seed-XXXXXX", &error);
  g_assert_no_error (error);
  fx->www = g_build_filename (fx->dir, "www", NULL);
  g_assert_cmpint (g_mkdir_with_parents (fx->www, 0700), ==, 0);
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  rm_rf (fx->dir);
  g_free (fx->dir);
  g_free (fx->www);
}

/* Downloads @t from the web seed only and checks every byte. */
static void
download_from_web_seed_only (Fixture     *fx,
                             TestTorrent *t,
                             Server      *server,
                             Watch       *w)
{
  g_autoptr(Node) node = node_new (fx->dir, "leech");
  g_autoptr(GError) error = NULL;

  w->torrent = shoal_session_add_torrent (node->session, t->info, node->dir, SHOAL_ADD_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (w->torrent);
  g_assert_true (watch_run (w, done_when_complete));
  g_assert_true (files_match (t, node->dir));
  /* The web seed showed up as a peer while it was downloading. */
  g_assert_nonnull (w->web_peer);
  /* Every byte but the pad files' came from it. */
  g_assert_cmpuint (shoal_peer_get_downloaded (w->web_peer), >=, shoal_metainfo_get_content_size (t->info));
  g_assert_cmpfloat (shoal_peer_get_progress (w->web_peer), ==, 1.0);
  g_assert_cmpint (shoal_peer_get_address (w->web_peer)[0], ==, 'h');
  g_assert_null (strstr (shoal_peer_get_client (w->web_peer), "failed"));
  g_assert_cmpuint (server->n_ranges, >, 0);
  g_assert_cmpuint (server->n_pad_requests, ==, 0);
  g_test_message ("%u requests for %u pieces", server->n_requests, shoal_metainfo_get_n_pieces (t->info));
}

static void
test_single_file (Fixture       *fx,
                  gconstpointer  data)
{
  g_autoptr(Server) server = server_new (fx->www, SERVE_OK);
  g_autofree char *url = g_strconcat (server->base, "single%20file.bin", NULL);
  g_autoptr(TestTorrent) t = test_torrent_new ("single file.bin", 3 * 1024 * 1024 + 12345, NULL, 0,
                                               url, fx->www, 1);
  Watch w = { 0 };

  download_from_web_seed_only (fx, t, server, &w);
  /* Contiguous blocks make one request: no more requests than pieces
   * (give or take a piece split between two picks), far fewer than blocks. */
  g_assert_cmpuint (server->n_requests, <=, shoal_metainfo_get_n_pieces (t->info) + 8);
  watch_clear (&w);
}

/* A URL ending with '/' is a directory holding the single file. */
static void
test_single_file_directory_url (Fixture       *fx,
                                gconstpointer  data)
{
  g_autoptr(Server) server = server_new (fx->www, SERVE_OK);
  g_autoptr(TestTorrent) t = test_torrent_new ("ü.dat", 200 * 1024 + 7, NULL, 0, server->base, fx->www, 2);
  Watch w = { 0 };

  download_from_web_seed_only (fx, t, server, &w);
  watch_clear (&w);
}

static void
test_multi_file (Fixture       *fx,
                 gconstpointer  data)
{
  static const TestFile files[] = {
    { "a.bin", 100 * 1024 + 3, FALSE },
    { "empty", 0, FALSE },
    { "sub dir/b #1.bin", 5000, FALSE },
    { ".pad/12345", PIECE_LENGTH - (100 * 1024 + 3 + 5000) % PIECE_LENGTH, TRUE },
    { "sub dir/deeper/c%.bin", 1024 * 1024 + 17, FALSE },
    { "tiny", 1, FALSE },
    { "d.bin", 300 * 1024, FALSE },
  };
  g_autoptr(Server) server = server_new (fx->www, SERVE_OK);
  /* No '/' at the end: one is added before the name. */
  g_autofree char *url = g_strndup (server->base, strlen (server->base) - 1);
  g_autoptr(TestTorrent) t = NULL;
  Watch w = { 0 };

  t = test_torrent_new ("multi", 0, files, G_N_ELEMENTS (files), url, fx->www, 3);
  g_assert_true (shoal_metainfo_get_file (t->info, 3)->attributes & SHOAL_FILE_ATTRIBUTE_PAD);
  download_from_web_seed_only (fx, t, server, &w);
  watch_clear (&w);
}

/* A seed next to the web seed, for the tests where the web seed fails. */
static void
download_with_peer (Fixture     *fx,
                    TestTorrent *t,
                    Watch       *w,
                    WatchDone    done)
{
  g_autoptr(Node) seed = node_new (fx->dir, "seed");
  g_autoptr(Node) leech = node_new (fx->dir, "leech");
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  ShoalTorrent *seeding;

  /* The seed has the data the web server has; it is slowed down so that
   * the download lasts until the web seed was given up. */
  shoal_session_set_upload_limit (seed->session, 512 * 1024);
  seeding = shoal_session_add_torrent (seed->session, t->info, fx->www, SHOAL_ADD_FLAGS_SEED_MODE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (seeding);

  w->expected = t;
  w->save_dir = g_strdup (leech->dir);
  w->torrent = shoal_session_add_torrent (leech->session, t->info, leech->dir, SHOAL_ADD_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_signal_connect (w->torrent, "piece-verified", G_CALLBACK (piece_verified_cb), w);
  address = g_strdup_printf ("127.0.0.1:%u", shoal_session_get_listen_port (seed->session));
  g_assert_true (shoal_torrent_add_peer (w->torrent, address, &error));
  g_assert_no_error (error);

  g_assert_true (watch_run (w, done));
  g_signal_handlers_disconnect_by_data (w->torrent, w);
  g_assert_true (files_match (t, leech->dir));
  g_assert_cmpuint (w->n_verified, ==, shoal_metainfo_get_n_pieces (t->info));
  g_assert_cmpuint (w->n_verified_wrong, ==, 0);
}

static void
test_not_found_next_to_peer (Fixture       *fx,
                             gconstpointer  data)
{
  g_autoptr(Server) server = server_new (fx->www, SERVE_NOT_FOUND);
  g_autofree char *url = g_strconcat (server->base, "file.bin", NULL);
  g_autoptr(TestTorrent) t = test_torrent_new ("file.bin", 1024 * 1024 + 99, NULL, 0, url, fx->www, 4);
  Watch w = { 0 };

  download_with_peer (fx, t, &w, done_when_complete_and_failed);
  g_assert_nonnull (strstr (shoal_peer_get_client (w.web_peer), "HTTP 404"));
  /* Given up after a few tries. */
  g_assert_cmpuint (server->n_requests, <=, 4);
  g_assert_cmpuint (shoal_peer_get_downloaded (w.web_peer), ==, 0);
  watch_clear (&w);
}

/* Server errors are retried (after a wait) and the download completes from
 * the web seed alone. */
static void
test_server_errors_retried (Fixture       *fx,
                            gconstpointer  data)
{
  g_autoptr(Server) server = server_new (fx->www, SERVE_ERRORS);
  g_autofree char *url = g_strconcat (server->base, "file.bin", NULL);
  g_autoptr(TestTorrent) t = test_torrent_new ("file.bin", 2 * 1024 * 1024 + 1, NULL, 0, url, fx->www, 5);
  Watch w = { 0 };

  server->n_errors_left = 3;
  download_from_web_seed_only (fx, t, server, &w);
  g_assert_cmpuint (server->n_errors_left, ==, 0);
  g_assert_true (w.saw_retrying);
  watch_clear (&w);
}

/* Server errors that go on: the web seed is given up; the peer finishes. */
static void
test_server_errors_give_up (Fixture       *fx,
                            gconstpointer  data)
{
  g_autoptr(Server) server = server_new (fx->www, SERVE_ERRORS);
  g_autofree char *url = g_strconcat (server->base, "file.bin", NULL);
  g_autoptr(TestTorrent) t = test_torrent_new ("file.bin", 1536 * 1024, NULL, 0, url, fx->www, 6);
  Watch w = { 0 };

  server->n_errors_left = G_MAXUINT;
  download_with_peer (fx, t, &w, done_when_complete_and_failed);
  g_assert_nonnull (strstr (shoal_peer_get_client (w.web_peer), "HTTP 500"));
  g_assert_cmpuint (shoal_peer_get_downloaded (w.web_peer), ==, 0);
  watch_clear (&w);
}

static void
test_short_bodies (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(Server) server = server_new (fx->www, SERVE_SHORT);
  g_autofree char *url = g_strconcat (server->base, "file.bin", NULL);
  g_autoptr(TestTorrent) t = test_torrent_new ("file.bin", 1536 * 1024 + 5, NULL, 0, url, fx->www, 7);
  Watch w = { 0 };

  download_with_peer (fx, t, &w, done_when_complete_and_failed);
  g_assert_nonnull (strstr (shoal_peer_get_client (w.web_peer), "length"));
  g_assert_cmpuint (server->n_ranges, >, 0);
  /* Nothing of a body with the wrong length was read. */
  g_assert_cmpuint (shoal_peer_get_downloaded (w.web_peer), ==, 0);
  watch_clear (&w);
}

static void
test_wrong_bytes (Fixture       *fx,
                  gconstpointer  data)
{
  g_autoptr(Server) server = server_new (fx->www, SERVE_WRONG_BYTES);
  g_autofree char *url = g_strconcat (server->base, "file.bin", NULL);
  g_autoptr(TestTorrent) t = test_torrent_new ("file.bin", 2 * 1024 * 1024 + 333, NULL, 0, url, fx->www, 8);
  Watch w = { 0 };

  download_with_peer (fx, t, &w, done_when_complete_and_failed);
  g_assert_nonnull (strstr (shoal_peer_get_client (w.web_peer), "wrong data"));
  g_assert_cmpuint (shoal_peer_get_downloaded (w.web_peer), >, 0);
  watch_clear (&w);
}

/* Redirects are followed within the same scheme. */
static void
test_redirect_same_scheme (Fixture       *fx,
                           gconstpointer  data)
{
  g_autoptr(Server) server = server_new (fx->www, SERVE_REDIRECT);
  g_autofree char *url = g_strconcat (server->base, "file.bin", NULL);
  g_autoptr(TestTorrent) t = test_torrent_new ("file.bin", 1024 * 1024 + 1, NULL, 0, url, fx->www, 9);
  Watch w = { 0 };

  server->redirect_scheme = "http";
  download_from_web_seed_only (fx, t, server, &w);
  g_assert_cmpuint (server->n_redirects, >, 0);
  watch_clear (&w);
}

/* A redirect to another scheme (https to http would be the real harm) is
 * refused. */
static void
test_redirect_other_scheme (Fixture       *fx,
                            gconstpointer  data)
{
  g_autoptr(Server) server = server_new (fx->www, SERVE_REDIRECT);
  g_autofree char *url = g_strconcat (server->base, "file.bin", NULL);
  g_autoptr(TestTorrent) t = test_torrent_new ("file.bin", 1536 * 1024, NULL, 0, url, fx->www, 10);
  Watch w = { 0 };

  server->redirect_scheme = "https";
  download_with_peer (fx, t, &w, done_when_complete_and_failed);
  g_assert_nonnull (strstr (shoal_peer_get_client (w.web_peer), "another scheme"));
  g_assert_cmpuint (server->n_redirects, >, 0);
  g_assert_cmpuint (shoal_peer_get_downloaded (w.web_peer), ==, 0);
  watch_clear (&w);
}

/* A server that answers a byte at a time holds no block for long: its
 * requests are given up, their blocks fetched from the peer, and the web
 * seed is said to be too slow. */
static void
test_drip_next_to_peer (Fixture       *fx,
                        gconstpointer  data)
{
  g_autoptr(Server) server = server_new (fx->www, SERVE_DRIP);
  g_autofree char *url = g_strconcat (server->base, "file.bin", NULL);
  g_autoptr(TestTorrent) t = test_torrent_new ("file.bin", 3 * 1024 * 1024 + 7, NULL, 0, url, fx->www, 11);
  Watch w = { 0 };

  server->n_slow_left = G_MAXUINT;
  download_with_peer (fx, t, &w, done_when_complete);
  g_assert_cmpuint (server->n_slow, >, 0);
  g_assert_true (w.saw_retrying);
  g_assert_true (w.saw_too_slow);
  watch_clear (&w);
}

/* A slow first answer, then a good server: the web seed alone finishes. */
static void
test_drip_then_fast (Fixture       *fx,
                     gconstpointer  data)
{
  g_autoptr(Server) server = server_new (fx->www, SERVE_DRIP);
  g_autofree char *url = g_strconcat (server->base, "file.bin", NULL);
  g_autoptr(TestTorrent) t = test_torrent_new ("file.bin", 2 * 1024 * 1024 + 5, NULL, 0, url, fx->www, 12);
  Watch w = { 0 };

  server->n_slow_left = 2;
  download_from_web_seed_only (fx, t, server, &w);
  g_assert_cmpuint (server->n_slow_left, ==, 0);
  g_assert_true (w.saw_too_slow);
  watch_clear (&w);
}

/* A server that takes the request and never answers. */
static void
test_no_answer_then_fast (Fixture       *fx,
                          gconstpointer  data)
{
  g_autoptr(Server) server = server_new (fx->www, SERVE_HANG);
  g_autofree char *url = g_strconcat (server->base, "file.bin", NULL);
  g_autoptr(TestTorrent) t = test_torrent_new ("file.bin", 1024 * 1024 + 3, NULL, 0, url, fx->www, 13);
  Watch w = { 0 };

  server->n_slow_left = 1;
  download_from_web_seed_only (fx, t, server, &w);
  g_assert_cmpuint (server->n_slow_left, ==, 0);
  g_assert_true (w.saw_no_answer);
  watch_clear (&w);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/engine/web-seed/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("single-file", test_single_file);
  ADD ("single-file-directory-url", test_single_file_directory_url);
  ADD ("multi-file", test_multi_file);
  ADD ("not-found-next-to-peer", test_not_found_next_to_peer);
  ADD ("server-errors-retried", test_server_errors_retried);
  ADD ("server-errors-give-up", test_server_errors_give_up);
  ADD ("short-bodies", test_short_bodies);
  ADD ("wrong-bytes", test_wrong_bytes);
  ADD ("redirect-same-scheme", test_redirect_same_scheme);
  ADD ("redirect-other-scheme", test_redirect_other_scheme);
  ADD ("drip-next-to-peer", test_drip_next_to_peer);
  ADD ("drip-then-fast", test_drip_then_fast);
  ADD ("no-answer-then-fast", test_no_answer_then_fast);

#undef ADD

  return g_test_run ();
}
