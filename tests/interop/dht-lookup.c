/* dht-lookup.c: drives one ShoalDht for tests/interop/test-dht.py
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   dht-lookup --bootstrap 127.0.0.1:PORT [--bootstrap ...]
 *              [--info-hash HEX [--expect-port P] [--announce PORT]]
 *              [--serve SECONDS] [--timeout SECONDS]
 *
 * Listens on 127.0.0.1 only and prints one line per event on stdout:
 * "port N" once listening, "nodes N" after bootstrap, "peer IP:PORT" for
 * each peer found, "announced N", "rate-limited N" at the end of --serve.
 * With --expect-port it repeats get_peers until a peer with that port shows
 * up (the other nodes may not have been told yet) or the timeout passes.
 * Exits 0 when everything asked for happened.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shoal-dht.h"
#include "shoal-hash.h"

typedef struct
{
  GMainLoop  *loop;
  ShoalDht   *dht;
  guint8      info_hash[20];
  gint        expect_port;
  gint        announce_port;
  gboolean    found;
  gboolean    failed;
  GHashTable *printed;
} Driver;

static gboolean
quit_cb (gpointer data)
{
  Driver *d = data;

  g_main_loop_quit (d->loop);
  return G_SOURCE_REMOVE;
}

static void
print_peers (Driver    *d,
             GPtrArray *peers)
{
  for (guint i = 0; peers != NULL && i < peers->len; i++)
    {
      GInetSocketAddress *sa = peers->pdata[i];
      g_autofree char *ip = g_inet_address_to_string (g_inet_socket_address_get_address (sa));
      guint16 port = g_inet_socket_address_get_port (sa);
      char *line = g_strdup_printf ("peer %s:%u", ip, port);

      if (d->expect_port > 0 && port == d->expect_port)
        d->found = TRUE;
      if (g_hash_table_add (d->printed, line))
        printf ("%s\n", line);
    }
  fflush (stdout);
}

static void lookup (Driver *d);

static void
announced_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Driver *d = data;
  g_autoptr(GError) error = NULL;
  guint n = shoal_dht_announce_finish (SHOAL_DHT (source), result, &error);

  if (error != NULL)
    {
      printf ("announce-error %s\n", error->message);
      d->failed = TRUE;
    }
  else
    printf ("announced %u\n", n);
  fflush (stdout);
  g_main_loop_quit (d->loop);
}

static gboolean
retry_cb (gpointer data)
{
  lookup (data);
  return G_SOURCE_REMOVE;
}

static void
got_peers_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Driver *d = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) peers = shoal_dht_get_peers_finish (SHOAL_DHT (source), result, &error);

  if (peers == NULL)
    printf ("lookup-error %s\n", error->message);
  else
    print_peers (d, peers);
  printf ("nodes %u\n", shoal_dht_get_n_nodes (d->dht));
  fflush (stdout);

  if (d->expect_port > 0 && !d->found)
    {
      g_timeout_add (1000, retry_cb, d);
      return;
    }
  if (d->announce_port >= 0)
    shoal_dht_announce_async (d->dht, d->info_hash, (guint16) d->announce_port, NULL, announced_cb, d);
  else
    g_main_loop_quit (d->loop);
}

static void
lookup (Driver *d)
{
  shoal_dht_get_peers_async (d->dht, d->info_hash, NULL, NULL, NULL, NULL, got_peers_cb, d);
}

static gboolean
start_cb (gpointer data)
{
  lookup (data);
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_auto(GStrv) bootstrap = NULL;
  g_autofree char *info_hash_hex = NULL;
  gint timeout_s = 60;
  gint serve_s = 0;
  gint expect_port = 0;
  gint announce_port = -1;
  GOptionEntry entries[] = {
    { "bootstrap", 0, 0, G_OPTION_ARG_STRING_ARRAY, &bootstrap, "Node to bootstrap from", "HOST:PORT" },
    { "info-hash", 0, 0, G_OPTION_ARG_STRING, &info_hash_hex, "Info-hash to look up", "HEX" },
    { "expect-port", 0, 0, G_OPTION_ARG_INT, &expect_port, "Look up until a peer with this port shows up", "PORT" },
    { "announce", 0, 0, G_OPTION_ARG_INT, &announce_port, "Announce this port (0: implied) after the lookup", "PORT" },
    { "serve", 0, 0, G_OPTION_ARG_INT, &serve_s, "Only answer queries for this long", "SECONDS" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout_s, "Give up after this long", "SECONDS" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- drive a Shoal DHT node");
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalDht) dht = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GHashTable) printed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Driver d = { 0 };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 2;
    }

  loop = g_main_loop_new (NULL, FALSE);
  dht = shoal_dht_new (NULL);
  if (!shoal_dht_start (dht, "127.0.0.1", 0, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  printf ("port %u\n", shoal_dht_get_port (dht));
  fflush (stdout);
  for (guint i = 0; bootstrap != NULL && bootstrap[i] != NULL; i++)
    if (!shoal_dht_add_bootstrap_node (dht, bootstrap[i], &error))
      {
        fprintf (stderr, "%s\n", error->message);
        return 2;
      }

  d.loop = loop;
  d.dht = dht;
  d.expect_port = expect_port;
  d.announce_port = announce_port;
  d.printed = printed;
  g_timeout_add_seconds ((guint) MAX (timeout_s, 1), quit_cb, &d);

  if (serve_s > 0)
    {
      g_timeout_add_seconds ((guint) serve_s, quit_cb, &d);
      g_main_loop_run (loop);
      printf ("rate-limited %" G_GUINT64_FORMAT "\n", shoal_dht_get_n_rate_limited (dht));
      return 0;
    }

  if (info_hash_hex == NULL || !shoal_hex_decode (info_hash_hex, strlen (info_hash_hex), d.info_hash, 20))
    {
      fprintf (stderr, "--info-hash needs 40 hex digits\n");
      return 2;
    }
  /* Give the bootstrap answers a moment to fill the routing table. */
  g_timeout_add (500, start_cb, &d);
  g_main_loop_run (loop);
  shoal_dht_stop (dht);

  if (d.failed || (expect_port > 0 && !d.found))
    return 1;
  return 0;
}
