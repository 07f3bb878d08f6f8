/* test-announce-url.c: tests for the tracker URL rule
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-announce-url.h"

/* -1: accepted; otherwise the ShoalAnnounceUrlError expected. */
#define OK (-1)
#define INVALID SHOAL_ANNOUNCE_URL_ERROR_INVALID
#define UNSUPPORTED SHOAL_ANNOUNCE_URL_ERROR_UNSUPPORTED_SCHEME

typedef struct
{
  const char *url;
  int         tracker;     /* SHOAL_ANNOUNCE_URL_FLAGS_NONE */
  int         web_seed;    /* ..._HTTP_ONLY */
  int         any_scheme;  /* ..._ANY_SCHEME */
  ShoalAnnounceUrlScheme scheme;
} UrlCase;

static const UrlCase cases[] = {
  { "http://tracker.example/announce", OK, OK, OK, SHOAL_ANNOUNCE_URL_SCHEME_HTTP },
  { "https://tracker.example:443/announce?passkey=a%20b", OK, OK, OK, SHOAL_ANNOUNCE_URL_SCHEME_HTTP },
  { "HTTP://Tracker.Example/announce", OK, OK, OK, SHOAL_ANNOUNCE_URL_SCHEME_HTTP },
  { "udp://tracker.example:6969", OK, UNSUPPORTED, OK, SHOAL_ANNOUNCE_URL_SCHEME_UDP },
  { "udp://[2001:db8::1]:6969/announce", OK, UNSUPPORTED, OK, SHOAL_ANNOUNCE_URL_SCHEME_UDP },
  { "http://127.0.0.1:8080/announce", OK, OK, OK, SHOAL_ANNOUNCE_URL_SCHEME_HTTP },
  { "wss://tracker.example/announce", UNSUPPORTED, UNSUPPORTED, OK, SHOAL_ANNOUNCE_URL_SCHEME_OTHER },
  { "ftp://b.example/", UNSUPPORTED, UNSUPPORTED, OK, SHOAL_ANNOUNCE_URL_SCHEME_OTHER },
  /* No host. */
  { "http:///announce", INVALID, INVALID, INVALID, SHOAL_ANNOUNCE_URL_SCHEME_HTTP },
  { "http:announce", INVALID, INVALID, INVALID, SHOAL_ANNOUNCE_URL_SCHEME_HTTP },
  { "tracker.example:80", INVALID, INVALID, INVALID, SHOAL_ANNOUNCE_URL_SCHEME_OTHER },
  { "/announce", INVALID, INVALID, INVALID, SHOAL_ANNOUNCE_URL_SCHEME_OTHER },
  { "not a url", INVALID, INVALID, INVALID, SHOAL_ANNOUNCE_URL_SCHEME_OTHER },
  { "", INVALID, INVALID, INVALID, SHOAL_ANNOUNCE_URL_SCHEME_OTHER },
  /* A port out of range. */
  { "udp://tracker.example:70000", INVALID, INVALID, INVALID, SHOAL_ANNOUNCE_URL_SCHEME_UDP },
  /* Spaces and control characters. */
  { "http://tracker.example/an nounce", INVALID, INVALID, INVALID, SHOAL_ANNOUNCE_URL_SCHEME_HTTP },
  { "http://tracker.example/\tannounce", INVALID, INVALID, INVALID, SHOAL_ANNOUNCE_URL_SCHEME_HTTP },
  { "http://tracker.example/\x7f", INVALID, INVALID, INVALID, SHOAL_ANNOUNCE_URL_SCHEME_HTTP },
  { " http://tracker.example/announce", INVALID, INVALID, INVALID, SHOAL_ANNOUNCE_URL_SCHEME_OTHER },
};

static void
check_one (const char            *url,
           ShoalAnnounceUrlFlags  flags,
           int                    expected)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = shoal_announce_url_check (url, flags, &error);

  if (g_test_verbose ())
    g_test_message ("%s (flags %d): %s", url, flags, ok ? "ok" : error->message);
  if (expected == OK)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
    }
  else
    {
      g_assert_error (error, SHOAL_ANNOUNCE_URL_ERROR, expected);
      g_assert_false (ok);
    }
}

static void
test_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const UrlCase *c = &cases[i];

      check_one (c->url, SHOAL_ANNOUNCE_URL_FLAGS_NONE, c->tracker);
      check_one (c->url, SHOAL_ANNOUNCE_URL_FLAGS_HTTP_ONLY, c->web_seed);
      check_one (c->url, SHOAL_ANNOUNCE_URL_FLAGS_ANY_SCHEME, c->any_scheme);
      g_assert_cmpint (shoal_announce_url_get_scheme (c->url), ==, c->scheme);
    }
}

static void
test_length (void)
{
  g_autoptr(GString) url = g_string_new ("http://tracker.example/");
  g_autoptr(GError) error = NULL;

  while (url->len < SHOAL_ANNOUNCE_URL_MAX_LEN)
    g_string_append_c (url, 'a');
  g_assert_true (shoal_announce_url_check (url->str, SHOAL_ANNOUNCE_URL_FLAGS_NONE, &error));
  g_assert_no_error (error);
  g_string_append_c (url, 'a');
  g_assert_false (shoal_announce_url_check (url->str, SHOAL_ANNOUNCE_URL_FLAGS_NONE, &error));
  g_assert_error (error, SHOAL_ANNOUNCE_URL_ERROR, SHOAL_ANNOUNCE_URL_ERROR_INVALID);
}

static void
test_null (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (shoal_announce_url_check (NULL, SHOAL_ANNOUNCE_URL_FLAGS_ANY_SCHEME, &error));
  g_assert_error (error, SHOAL_ANNOUNCE_URL_ERROR, SHOAL_ANNOUNCE_URL_ERROR_INVALID);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/announce-url/table", test_table);
  g_test_add_func ("/engine/announce-url/length", test_length);
  g_test_add_func ("/engine/announce-url/null", test_null);

  return g_test_run ();
}
