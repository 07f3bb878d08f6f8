/* test-peer-limits.c: what a hostile peer may cost a seeding session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test starts a seeding session on 127.0.0.1 and attacks it with raw
 * sockets: peers that ask and never read what they asked for, handshakes
 * dripped one byte at a time, many connections from one address. The
 * session's bounds and timeouts are made small through its test API, so
 * that each attack shows in seconds; every wait is bounded.
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "session-fixture.h"
#include "shoal-be.h"
#include "shoal-peer-wire.h"
#include "shoal-session-limits.h"
#include "shoal-torrent-private.h"
#include "shoal-ut-metadata.h"

#define WAIT_S         20
#define STALL_S        3
#define MAX_OUTPUT     (256u * 1024u)
#define EXT_UT_METADATA 1 /* the id the session receives ut_metadata with */

typedef struct
{
  char         *tmp;
  SfTorrent    *data;
  SfNode       *seed;
  ShoalTorrent *st;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  static const guint64 lengths[] = { 16 * 1024 * 1024 };

  f->tmp = g_dir_make_tmp ("shoal-peer-limits-XXXXXX", &error);
  g_assert_no_error (error);
  /* 1,024 pieces: a 20 KiB info dictionary, two metadata pieces. */
  f->data = sf_torrent_new ("limits", lengths, G_N_ELEMENTS (lengths), 16 * 1024, 7);
  f->seed = sf_node_new (f->tmp, "seed");
  sf_torrent_write (f->data, f->seed->data_dir);
  f->st = shoal_session_add_torrent (f->seed->session, f->data->info, f->seed->data_dir,
                                     SHOAL_ADD_FLAGS_SEED_MODE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (shoal_torrent_get_state (f->st), ==, SHOAL_TORRENT_STATE_SEEDING);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  user_data)
{
  g_clear_pointer (&f->seed, sf_node_free);
  g_clear_pointer (&f->data, sf_torrent_free);
  sf_rm_rf (f->tmp);
  g_free (f->tmp);
}

/* Raw connections */

/* A blocking TCP socket from @from (e.g. "127.0.0.2") to the seeder, with a
 * small receive buffer so that a peer that does not read fills up fast. */
static GSocket *
connect_from (Fixture    *f,
              const char *from)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr(GInetAddress) local = g_inet_address_new_from_string (from);
  g_autoptr(GSocketAddress) bind_to = g_inet_socket_address_new (local, 0);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) seeder = g_inet_socket_address_new (loopback,
                                                                shoal_session_get_listen_port (f->seed->session));

  g_assert_no_error (error);
  g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, 4096, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, bind_to, TRUE, &error);
  g_assert_no_error (error);
  g_socket_connect (socket, seeder, NULL, &error);
  g_assert_no_error (error);
  /* Long enough that a loaded machine is not taken for a session that
   * stopped reading. */
  g_socket_set_timeout (socket, 5);
  return g_steal_pointer (&socket);
}

static void
append_handshake (Fixture    *f,
                  GByteArray *out,
                  guint8      peer_number)
{
  ShoalPeerWireHandshake hs = { { 0 } };
  guint8 buf[SHOAL_PEER_WIRE_HANDSHAKE_LEN];

  shoal_peer_wire_reserved_set_features (hs.reserved, SHOAL_PEER_WIRE_FEATURE_FAST | SHOAL_PEER_WIRE_FEATURE_EXTENSION);
  memcpy (hs.info_hash, shoal_torrent_get_info_hash (f->st), 20);
  memcpy (hs.peer_id, "-XX0001-attacker0000", 20);
  hs.peer_id[19] = peer_number;
  shoal_peer_wire_handshake_encode (&hs, buf);
  g_byte_array_append (out, buf, sizeof buf);
}

/* Whether the session closed its end: EOF or a reset, without blocking. */
static gboolean
closed_by_peer (GSocket *socket)
{
  guint8 buf[4096];

  for (guint i = 0; i < 1024; i++)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive_with_blocking (socket, (char *) buf, sizeof buf, FALSE, NULL, &error);

      if (n == 0)
        return TRUE;
      if (n < 0)
        return !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
    }
  return FALSE;
}

/* A peer that sends a prologue, then one message over and over, and never
 * reads: in a thread, since the session may stop reading it (and a blocking
 * send must then not block the main loop). */
typedef struct
{
  GSocket    *socket;
  GByteArray *prologue;
  GByteArray *unit;
  guint64     max_bytes;
  guint64     sent;
  gint        done;
  GThread    *thread;
} Attacker;

static gpointer
attacker_thread (gpointer data)
{
  Attacker *a = data;
  GByteArray *parts[] = { a->prologue, a->unit };

  for (guint p = 0; p < G_N_ELEMENTS (parts); p++)
    {
      gboolean repeat = p == 1;

      do
        {
          gsize off = 0;

          while (off < parts[p]->len)
            {
              g_autoptr(GError) error = NULL;
              gssize n = g_socket_send (a->socket, (const char *) parts[p]->data + off,
                                        parts[p]->len - off, NULL, &error);

              /* Timed out: the session stopped reading. Or it closed. */
              if (n <= 0)
                goto out;
              off += (gsize) n;
              a->sent += (guint64) n;
            }
        }
      while (repeat && a->sent < a->max_bytes);
    }
out:
  g_atomic_int_set (&a->done, 1);
  return NULL;
}

static Attacker *
attacker_start (GSocket    *socket,
                GByteArray *prologue,
                GByteArray *unit,
                guint64     max_bytes)
{
  Attacker *a = g_new0 (Attacker, 1);

  a->socket = g_object_ref (socket);
  a->prologue = g_byte_array_ref (prologue);
  a->unit = g_byte_array_ref (unit);
  a->max_bytes = max_bytes;
  a->thread = g_thread_new ("attacker", attacker_thread, a);
  return a;
}

static void
attacker_free (Attacker *a)
{
  g_socket_close (a->socket, NULL);
  g_thread_join (a->thread);
  g_object_unref (a->socket);
  g_byte_array_unref (a->prologue);
  g_byte_array_unref (a->unit);
  g_free (a);
}

static gboolean
attackers_done (GPtrArray *attackers)
{
  for (guint i = 0; i < attackers->len; i++)
    if (!g_atomic_int_get (&((Attacker *) attackers->pdata[i])->done))
      return FALSE;
  return TRUE;
}

/* Runs the loop while the attackers send, then until the session has closed
 * every connection; returns the most bytes it ever had queued. */
static guint64
run_attack (Fixture   *f,
            GPtrArray *attackers,
            gboolean  *all_closed)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (WAIT_S + STALL_S) * 2 * G_USEC_PER_SEC;
  guint64 most = 0;
  guint tick = g_timeout_add (10, sf_wake_cb, NULL);

  *all_closed = FALSE;
  while (g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, TRUE);
      most = MAX (most, _shoal_session_get_queued_output (f->seed->session));
      if (attackers_done (attackers) && _shoal_session_get_n_connections (f->seed->session) == 0)
        {
          *all_closed = TRUE;
          break;
        }
    }
  g_source_remove (tick);
  return most;
}

/* Requests answered with rejects (we choke the peer), 1:1 in bytes. */
static void
test_reject_flood (Fixture       *f,
                   gconstpointer  user_data)
{
  g_autoptr(GPtrArray) attackers = g_ptr_array_new_with_free_func ((GDestroyNotify) attacker_free);
  g_autoptr(GByteArray) prologue = g_byte_array_new ();
  g_autoptr(GByteArray) unit = g_byte_array_new ();
  g_autoptr(GSocket) socket = NULL;
  guint64 most;
  gint64 started;
  gboolean closed;

  _shoal_session_set_peer_limits_for_testing (f->seed->session, MAX_OUTPUT, 0, STALL_S, 0, FALSE);
  append_handshake (f, prologue, 1);
  for (guint i = 0; i < 1024; i++)
    shoal_peer_wire_encode_request (unit, i, 0, 16 * 1024);

  socket = connect_from (f, "127.0.0.1");
  started = g_get_monotonic_time ();
  g_ptr_array_add (attackers, attacker_start (socket, prologue, unit, 16 * 1024 * 1024));
  most = run_attack (f, attackers, &closed);

  g_test_message ("sent %" G_GUINT64_FORMAT " bytes of requests; the session queued at most %" G_GUINT64_FORMAT
                  " bytes; closed after %.1f s",
                  ((Attacker *) attackers->pdata[0])->sent, most,
                  (double) (g_get_monotonic_time () - started) / G_USEC_PER_SEC);
  g_assert_true (closed);
  /* One 17-byte reject past the bound at most: the rest are refused. */
  g_assert_cmpuint (most, <=, MAX_OUTPUT + 64);
  g_assert_cmpuint (_shoal_session_get_queued_output (f->seed->session), ==, 0);
  g_assert_true (closed_by_peer (socket));
}

/* ut_metadata requests, each answered with 16 KiB, from several peers that
 * never read: the session-wide bound holds too. */
static void
test_metadata_flood (Fixture       *f,
                     gconstpointer  user_data)
{
  static const char * const from[] = { "127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4" };
  const guint64 max_total = 2 * MAX_OUTPUT;
  g_autoptr(GPtrArray) attackers = g_ptr_array_new_with_free_func ((GDestroyNotify) attacker_free);
  g_autoptr(GByteArray) unit = g_byte_array_new ();
  g_autoptr(GByteArray) request = g_byte_array_new ();
  const char *ext = "d1:md11:ut_metadatai3eee";
  guint64 most;
  gboolean closed;

  _shoal_session_set_peer_limits_for_testing (f->seed->session, MAX_OUTPUT, max_total, STALL_S, 0, FALSE);
  shoal_ut_metadata_encode_request (request, 0);
  for (guint i = 0; i < 64; i++)
    shoal_peer_wire_encode_extended (unit, EXT_UT_METADATA, request->data, request->len);

  for (guint i = 0; i < G_N_ELEMENTS (from); i++)
    {
      g_autoptr(GByteArray) prologue = g_byte_array_new ();
      g_autoptr(GSocket) socket = connect_from (f, from[i]);

      append_handshake (f, prologue, (guint8) i);
      shoal_peer_wire_encode_extended (prologue, 0, (const guint8 *) ext, strlen (ext));
      /* 512 requests: the first 256 a minute get 16 KiB each. */
      g_ptr_array_add (attackers, attacker_start (socket, prologue, unit, 512 * request->len));
    }
  most = run_attack (f, attackers, &closed);

  g_test_message ("%u peers asked for 16 KiB metadata pieces; the session queued at most %" G_GUINT64_FORMAT " bytes",
                  attackers->len, most);
  g_assert_true (closed);
  /* Each peer stops being answered once the total is reached: one answer
   * each past it at most. */
  g_assert_cmpuint (most, <=, max_total + G_N_ELEMENTS (from) * (16 * 1024 + 64));
  g_assert_cmpuint (_shoal_session_get_queued_output (f->seed->session), ==, 0);
}

/* Handshakes dripped a byte at a time */

typedef struct
{
  GSocket    *socket;
  GByteArray *bytes;
  guint       pos;
} Drip;

static gboolean
drip_cb (gpointer data)
{
  Drip *d = data;

  if (d->pos < d->bytes->len)
    {
      g_autoptr(GError) error = NULL;

      if (g_socket_send_with_blocking (d->socket, (const char *) d->bytes->data + d->pos, 1, FALSE, NULL, &error) == 1)
        d->pos++;
    }
  return G_SOURCE_CONTINUE;
}

static void
test_handshake_deadline (Fixture       *f,
                         gconstpointer  user_data)
{
  const guint timeout_s = 3;
  g_autoptr(GSocket) plain = connect_from (f, "127.0.0.1");
  g_autoptr(GSocket) garbage = connect_from (f, "127.0.0.1");
  Drip drips[2] = { { plain, g_byte_array_new (), 0 }, { garbage, g_byte_array_new (), 0 } };
  guint sources[2];
  gint64 started = g_get_monotonic_time ();
  gint64 took;

  _shoal_session_set_peer_limits_for_testing (f->seed->session, 0, 0, 0, timeout_s, FALSE);
  /* A real handshake, and bytes that are not one (they could be the start
   * of an obfuscated handshake, which is up to 628 bytes long). */
  append_handshake (f, drips[0].bytes, 1);
  for (guint i = 0; i < 600; i++)
    {
      guint8 b = (guint8) g_test_rand_int_range (0x80, 0x100);

      g_byte_array_append (drips[1].bytes, &b, 1);
    }
  for (guint i = 0; i < G_N_ELEMENTS (drips); i++)
    sources[i] = g_timeout_add (300, drip_cb, &drips[i]);

  SF_WAIT (_shoal_session_get_n_half_open (f->seed->session) == 2, WAIT_S);
  SF_WAIT (closed_by_peer (plain) && closed_by_peer (garbage), WAIT_S);
  took = g_get_monotonic_time () - started;
  g_test_message ("both closed after %.1f s, %u and %u bytes dripped", (double) took / G_USEC_PER_SEC,
                  drips[0].pos, drips[1].pos);
  for (guint i = 0; i < G_N_ELEMENTS (drips); i++)
    {
      g_source_remove (sources[i]);
      g_byte_array_unref (drips[i].bytes);
    }
  /* The deadline did not move with each byte (the tick is once a second;
   * the plain handshake would be complete after 20 s). */
  g_assert_cmpint (took, <, (gint64) (timeout_s + 6) * G_USEC_PER_SEC);
  g_assert_cmpuint (drips[0].pos, <, SHOAL_PEER_WIRE_HANDSHAKE_LEN);
  g_assert_cmpuint (_shoal_session_get_n_half_open (f->seed->session), ==, 0);
}

/* Connections per address */

static guint
count_closed (GPtrArray *sockets)
{
  guint n = 0;

  for (guint i = 0; i < sockets->len; i++)
    n += closed_by_peer (sockets->pdata[i]);
  return n;
}

static void
test_half_open_per_ip (Fixture       *f,
                       gconstpointer  user_data)
{
  g_autoptr(GPtrArray) idle = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GSocket) other = NULL;

  _shoal_session_set_peer_limits_for_testing (f->seed->session, 0, 0, 0, 0, TRUE);
  for (guint i = 0; i < SHOAL_SESSION_MAX_HALF_OPEN_PER_IP + 5; i++)
    g_ptr_array_add (idle, connect_from (f, "127.0.0.1"));
  /* Each is accepted, and those past the limit closed at once. */
  SF_WAIT (_shoal_session_get_n_half_open (f->seed->session) +
           count_closed (idle) == idle->len, WAIT_S);
  sf_run_for (300);
  g_assert_cmpuint (_shoal_session_get_n_half_open (f->seed->session), ==, SHOAL_SESSION_MAX_HALF_OPEN_PER_IP);
  g_assert_cmpuint (count_closed (idle), ==, 5);

  /* Another host still gets in. */
  other = connect_from (f, "127.0.0.2");
  SF_WAIT (_shoal_session_get_n_half_open (f->seed->session) == SHOAL_SESSION_MAX_HALF_OPEN_PER_IP + 1, WAIT_S);
}

static guint
n_established (Fixture *f)
{
  return _shoal_session_get_n_connections (f->seed->session) - _shoal_session_get_n_half_open (f->seed->session);
}

static void
test_established_per_ip (Fixture       *f,
                         gconstpointer  user_data)
{
  g_autoptr(GPtrArray) peers = g_ptr_array_new_with_free_func (g_object_unref);
  guint n_refused = 0;
  guint established = 0;

  _shoal_session_set_peer_limits_for_testing (f->seed->session, 0, 0, 0, 0, TRUE);
  /* One at a time, so that only the limit on established connections can
   * refuse them. */
  for (guint i = 0; i < SHOAL_TORRENT_MAX_CONNECTIONS_PER_IP + 3; i++)
    {
      g_autoptr(GByteArray) hs = g_byte_array_new ();
      GSocket *socket = connect_from (f, i < SHOAL_TORRENT_MAX_CONNECTIONS_PER_IP + 2 ? "127.0.0.1" : "127.0.0.2");
      g_autoptr(GError) error = NULL;

      g_ptr_array_add (peers, socket);
      append_handshake (f, hs, (guint8) i);
      g_assert_cmpint (g_socket_send (socket, (const char *) hs->data, hs->len, NULL, &error), ==, hs->len);
      g_assert_no_error (error);
      SF_WAIT (n_established (f) > established || closed_by_peer (socket), WAIT_S);
      established = n_established (f);
    }
  sf_run_for (300);
  for (guint i = 0; i < peers->len; i++)
    n_refused += closed_by_peer (peers->pdata[i]);
  /* The two past the limit from 127.0.0.1; the one from 127.0.0.2 is in. */
  g_assert_cmpuint (n_refused, ==, 2);
  g_assert_false (closed_by_peer (peers->pdata[peers->len - 1]));
  g_assert_cmpuint (_shoal_session_get_n_connections (f->seed->session), ==, SHOAL_TORRENT_MAX_CONNECTIONS_PER_IP + 1);
}

/* Why a peer was refused must be in the log: the engine's debug messages
 * about closed peers are kept here while a test asks. */
static GPtrArray *closings;

static GLogWriterOutput
log_writer (GLogLevelFlags   log_level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  if (closings != NULL && (log_level & G_LOG_LEVEL_DEBUG))
    for (gsize i = 0; i < n_fields; i++)
      if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length == -1 &&
          strstr (fields[i].value, ": closing: ") != NULL)
        g_ptr_array_add (closings, g_strdup (fields[i].value));
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static gboolean
logged (const char *substring)
{
  for (guint i = 0; i < closings->len; i++)
    if (strstr (closings->pdata[i], substring) != NULL)
      return TRUE;
  return FALSE;
}

static void
test_full_torrent_logged (Fixture       *f,
                          gconstpointer  user_data)
{
  g_autoptr(GSocket) first = connect_from (f, "127.0.0.1");
  g_autoptr(GSocket) second = NULL;
  g_autoptr(GByteArray) hs1 = g_byte_array_new ();
  g_autoptr(GByteArray) hs2 = g_byte_array_new ();

  closings = g_ptr_array_new_with_free_func (g_free);
  shoal_session_set_max_connections (f->seed->session, 500, 1);
  append_handshake (f, hs1, 1);
  append_handshake (f, hs2, 2);
  g_assert_cmpint (g_socket_send (first, (const char *) hs1->data, hs1->len, NULL, NULL), ==, hs1->len);
  SF_WAIT (n_established (f) == 1, WAIT_S);
  second = connect_from (f, "127.0.0.2");
  g_assert_cmpint (g_socket_send (second, (const char *) hs2->data, hs2->len, NULL, NULL), ==, hs2->len);
  SF_WAIT (closed_by_peer (second), WAIT_S);

  for (guint i = 0; i < closings->len; i++)
    g_test_message ("%s", (const char *) closings->pdata[i]);
  g_assert_true (logged ("which is full (1 of 1 connections"));
  g_assert_false (logged ("a torrent we do not have"));
  g_assert_false (closed_by_peer (first));
  g_clear_pointer (&closings, g_ptr_array_unref);
}

/* Not an attack: a peer asking for consecutive blocks of odd sizes (which
 * the session reads in one go) gets each block, exactly, in its own piece
 * message; a run stops at the end of a piece. Every request differs, so
 * counting the piece messages counts each once. */
#define BACKLOG 128

static void
test_request_runs (Fixture       *f,
                   gconstpointer  user_data)
{
  static const struct { guint32 piece, begin, length; } want[] = {
    { 3, 0, 4096 }, { 3, 4096, 8192 }, { 3, 12288, 4096 },
    { 7, 8192, 8192 },
    { 10, 0, 16384 }, { 11, 0, 16384 },
  };
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GByteArray) in = g_byte_array_new ();
  g_autoptr(GSocket) socket = NULL;
  gsize content_len;
  const guint8 *content = g_bytes_get_data (f->data->content, &content_len);
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;
  guint got = 0;
  guint tick = g_timeout_add (10, sf_wake_cb, NULL);

  append_handshake (f, out, 1);
  shoal_peer_wire_encode_simple (out, SHOAL_PEER_WIRE_INTERESTED);
  /* First 2 MiB not read for a while: what follows waits in the session's
   * queue, and is read in runs once the output drains. */
  for (guint i = 0; i < BACKLOG; i++)
    shoal_peer_wire_encode_request (out, 100 + i, 0, 16 * 1024);
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    shoal_peer_wire_encode_request (out, want[i].piece, want[i].begin, want[i].length);
  socket = connect_from (f, "127.0.0.1");
  g_assert_cmpint (g_socket_send (socket, (const char *) out->data, out->len, NULL, NULL), ==, (gssize) out->len);
  sf_run_for (500);

  while (got < G_N_ELEMENTS (want) && g_get_monotonic_time () < deadline)
    {
      guint8 buf[65536];
      gssize n;
      gsize off = SHOAL_PEER_WIRE_HANDSHAKE_LEN;

      g_main_context_iteration (NULL, TRUE);
      n = g_socket_receive_with_blocking (socket, (char *) buf, sizeof buf, FALSE, NULL, NULL);
      if (n <= 0)
        continue;
      g_byte_array_append (in, buf, (guint) n);
      if (in->len < off)
        continue;
      /* Every whole message after the handshake; piece messages checked. */
      got = 0;
      while (in->len - off >= 4)
        {
          guint32 len = shoal_be32_read (in->data + off);

          g_assert_cmpuint (len, <=, 16 * 1024 + 9 + 65536);
          if (in->len - off - 4 < len)
            break;
          if (len >= 9 && in->data[off + 4] == SHOAL_PEER_WIRE_PIECE)
            {
              guint32 piece = shoal_be32_read (in->data + off + 5);
              guint32 begin = shoal_be32_read (in->data + off + 9);
              guint64 at = (guint64) piece * 16 * 1024 + begin;

              guint w = 0;

              /* Reads finish in any order: find which request this is. */
              while (w < G_N_ELEMENTS (want) && (want[w].piece != piece || want[w].begin != begin))
                w++;
              if (piece >= 100 && piece < 100 + BACKLOG)
                g_assert_cmpuint (len - 9, ==, 16 * 1024);
              else
                {
                  g_assert_cmpuint (w, <, G_N_ELEMENTS (want));
                  g_assert_cmpuint (len - 9, ==, want[w].length);
                  got++;
                }
              g_assert_cmpuint (at + len - 9, <=, content_len);
              g_assert_true (memcmp (in->data + off + 13, content + at, len - 9) == 0);
            }
          off += 4 + len;
        }
    }
  g_source_remove (tick);
  g_assert_cmpuint (got, ==, G_N_ELEMENTS (want));
}

int
main (int   argc,
      char *argv[])
{
  g_log_set_writer_func (log_writer, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/engine/peer-limits/reject-flood", Fixture, NULL, fixture_setup, test_reject_flood, fixture_teardown);
  g_test_add ("/engine/peer-limits/request-runs", Fixture, NULL, fixture_setup, test_request_runs, fixture_teardown);
  g_test_add ("/engine/peer-limits/metadata-flood", Fixture, NULL, fixture_setup, test_metadata_flood, fixture_teardown);
  g_test_add ("/engine/peer-limits/handshake-deadline", Fixture, NULL, fixture_setup, test_handshake_deadline,
              fixture_teardown);
  g_test_add ("/engine/peer-limits/half-open-per-ip", Fixture, NULL, fixture_setup, test_half_open_per_ip,
              fixture_teardown);
  g_test_add ("/engine/peer-limits/established-per-ip", Fixture, NULL, fixture_setup, test_established_per_ip,
              fixture_teardown);
  g_test_add ("/engine/peer-limits/full-torrent-logged", Fixture, NULL, fixture_setup, test_full_torrent_logged,
              fixture_teardown);
  return g_test_run ();
}
