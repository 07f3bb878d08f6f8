/* cli-feed.c: `shoal-cli feed add|list|rules|run`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The feeds, rules and histories live in one state directory
 * (--state-dir, default ~/.local/share/shoal-cli, then feeds/): `add`
 * subscribes, `rules` adds, removes, lists and previews rules, `list`
 * shows the feeds (and with --items fetches them and shows their items,
 * downloading nothing), and `run` fetches every feed, adds what the rules
 * pick and downloads it (with --watch it keeps polling).
 */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-session.h"
#include "shoal-cli.h"
#include "shoal-engine.h"

static char *
feed_state_dir (const char *state_root)
{
  g_autofree char *root = state_root ? g_strdup (state_root)
                                     : g_build_filename (g_get_user_data_dir (), "shoal-cli", NULL);

  return g_build_filename (root, "feeds", NULL);
}

/* A feed manager that, when the command lets it go, first waits for what it
 * queued to be written: a refresh still finishing may hold it longer. */
typedef ShoalFeedManager CliFeedManager;

static void
cli_feed_manager_free (CliFeedManager *manager)
{
  shoal_feed_manager_flush (manager);
  g_object_unref (manager);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliFeedManager, cli_feed_manager_free)

/* A manager on a session that is not started: for the commands that only
 * read or change the saved feeds and rules. */
static ShoalFeedManager *
offline_manager (const char  *state_root,
                 GError     **error)
{
  g_autofree char *dir = feed_state_dir (state_root);
  g_autoptr(ShoalSession) session = shoal_session_new (dir);
  g_autoptr(CliFeedManager) manager = shoal_feed_manager_new (session);

  if (!shoal_feed_manager_load (manager, error))
    return NULL;
  return g_steal_pointer (&manager);
}

typedef struct
{
  GMainLoop *loop;
  gboolean   done;
  GError    *error;
} Wait;

static void
refreshed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Wait *w = user_data;

  shoal_feed_manager_refresh_finish (SHOAL_FEED_MANAGER (source), result, &w->error);
  w->done = TRUE;
  g_main_loop_quit (w->loop);
}

/* Refreshes every feed; errors are each feed's, printed by the caller. */
static void
refresh_all (ShoalFeedManager *manager)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Wait w = { loop, FALSE, NULL };

  shoal_feed_manager_refresh_async (manager, NULL, NULL, refreshed_cb, &w);
  if (!w.done)
    g_main_loop_run (loop);
  g_clear_error (&w.error);
}

static const char *
state_name (ShoalFeedItemState state)
{
  switch (state)
    {
    case SHOAL_FEED_ITEM_NEW: return "new";
    case SHOAL_FEED_ITEM_DOWNLOADED: return "downloaded";
    case SHOAL_FEED_ITEM_IGNORED: return "ignored";
    case SHOAL_FEED_ITEM_FAILED: return "failed";
    default: return "?";
    }
}

static void
print_item (ShoalFeedItem *item)
{
  g_autofree char *size = shoal_feed_item_get_size (item) ? g_format_size (shoal_feed_item_get_size (item))
                                                          : g_strdup ("-");
  g_autofree char *date = NULL;

  if (shoal_feed_item_get_pub_date (item) > 0)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (shoal_feed_item_get_pub_date (item));

      date = g_date_time_format (dt, "%Y-%m-%d");
    }
  printf ("  %-10s %10s %10s  %s%s%s\n", state_name (shoal_feed_item_get_state (item)), size,
          date ? date : "-", shoal_feed_item_get_title (item),
          shoal_feed_item_get_error (item) ? " — " : "",
          shoal_feed_item_get_error (item) ? shoal_feed_item_get_error (item) : "");
}

static void
print_feed (ShoalFeed *feed,
            gboolean   items)
{
  const GError *error = shoal_feed_get_error (feed);

  printf ("%s\n  title: %s\n  every %u s", shoal_feed_get_url (feed), shoal_feed_get_title (feed),
          shoal_feed_get_refresh_interval (feed));
  if (items)
    printf (", %u items, %u unread", g_list_model_get_n_items (shoal_feed_get_items (feed)),
            shoal_feed_get_n_unread (feed));
  printf ("\n");
  if (error != NULL)
    printf ("  error: %s\n", error->message);
  for (guint i = 0; items && i < g_list_model_get_n_items (shoal_feed_get_items (feed)); i++)
    {
      g_autoptr(ShoalFeedItem) item = g_list_model_get_item (shoal_feed_get_items (feed), i);

      print_item (item);
    }
}

static int
feed_add (int    argc,
          char **argv)
{
  g_autofree char *state_root = NULL;
  gint interval = 0;
  const GOptionEntry entries[] = {
    { "interval", 0, 0, G_OPTION_ARG_INT, &interval, "Refresh every SECONDS (default: 1800)", "SECONDS" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_root, "Where feeds are kept (default: ~/.local/share/shoal-cli)", "DIR" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("URL — subscribe to an RSS or Atom feed");
  g_autoptr(CliFeedManager) manager = NULL;
  g_autoptr(GError) error = NULL;
  ShoalFeed *feed;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2 || interval < 0)
    {
      fprintf (stderr, "shoal-cli feed add: %s\n", error ? error->message : "expected one URL (see --help)");
      return 2;
    }
  manager = offline_manager (state_root, &error);
  if (manager == NULL || (feed = shoal_feed_manager_add_feed (manager, argv[1], &error)) == NULL)
    {
      fprintf (stderr, "shoal-cli feed add: %s\n", error->message);
      return 1;
    }
  if (interval > 0)
    {
      shoal_feed_set_refresh_interval (feed, (guint) interval);
      shoal_feed_manager_save (manager);
    }
  printf ("Subscribed to %s\n", shoal_feed_get_url (feed));
  return 0;
}

static int
feed_list (int    argc,
           char **argv)
{
  g_autofree char *state_root = NULL;
  gboolean items = FALSE;
  const GOptionEntry entries[] = {
    { "items", 0, 0, G_OPTION_ARG_NONE, &items, "Fetch the feeds and show their items (downloads nothing)", NULL },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_root, "Where feeds are kept (default: ~/.local/share/shoal-cli)", "DIR" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— the feeds subscribed to");
  g_autoptr(CliFeedManager) manager = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *feeds;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 1)
    {
      fprintf (stderr, "shoal-cli feed list: %s\n", error ? error->message : "no argument expected");
      return 2;
    }
  manager = offline_manager (state_root, &error);
  if (manager == NULL)
    {
      fprintf (stderr, "shoal-cli feed list: %s\n", error->message);
      return 1;
    }
  feeds = shoal_feed_manager_get_feeds (manager);
  if (items)
    {
      shoal_feed_manager_set_auto_download (manager, FALSE);
      refresh_all (manager);
    }
  for (guint i = 0; i < g_list_model_get_n_items (feeds); i++)
    {
      g_autoptr(ShoalFeed) feed = g_list_model_get_item (feeds, i);

      print_feed (feed, items);
    }
  if (g_list_model_get_n_items (feeds) == 0)
    printf ("No feeds (add one with “shoal-cli feed add URL”)\n");
  return 0;
}

static void
print_rule (ShoalFeedRule *rule)
{
  g_auto(GStrv) episodes = shoal_feed_rule_dup_downloaded_episodes (rule);

  printf ("%s%s\n", shoal_feed_rule_get_name (rule), shoal_feed_rule_get_enabled (rule) ? "" : " (disabled)");
  if (shoal_feed_rule_get_feed_url (rule))
    printf ("  feed: %s\n", shoal_feed_rule_get_feed_url (rule));
  if (shoal_feed_rule_get_must_contain (rule))
    printf ("  must contain%s: %s\n", shoal_feed_rule_get_use_regex (rule) ? " (regex)" : "",
            shoal_feed_rule_get_must_contain (rule));
  if (shoal_feed_rule_get_must_not_contain (rule))
    printf ("  must not contain%s: %s\n", shoal_feed_rule_get_use_regex (rule) ? " (regex)" : "",
            shoal_feed_rule_get_must_not_contain (rule));
  if (shoal_feed_rule_get_min_size (rule) || shoal_feed_rule_get_max_size (rule))
    printf ("  size: %" G_GUINT64_FORMAT "–%" G_GUINT64_FORMAT " bytes\n", shoal_feed_rule_get_min_size (rule),
            shoal_feed_rule_get_max_size (rule));
  if (shoal_feed_rule_get_episode_filter (rule))
    printf ("  episodes: %s\n", shoal_feed_rule_get_episode_filter (rule));
  if (shoal_feed_rule_get_smart_filter (rule))
    {
      g_autofree char *list = g_strjoinv (" ", episodes);

      printf ("  each episode once (downloaded: %s)\n", episodes[0] ? list : "none");
    }
  printf ("  save to: %s%s%s%s\n", shoal_feed_rule_get_save_dir (rule) ? shoal_feed_rule_get_save_dir (rule) : "(default)",
          shoal_feed_rule_get_add_paused (rule) ? ", paused" : "",
          shoal_feed_rule_get_label (rule) ? ", label " : "",
          shoal_feed_rule_get_label (rule) ? shoal_feed_rule_get_label (rule) : "");
}

static gboolean
parse_size (const char  *text,
            guint64     *out,
            GError     **error)
{
  char *end = NULL;
  double v;

  if (text == NULL)
    return TRUE;
  v = g_ascii_strtod (text, &end);
  if (end == text || !(v >= 0) || v > 1e18)
    goto bad;
  if (g_ascii_strcasecmp (end, "") == 0 || g_ascii_strcasecmp (end, "B") == 0)
    *out = (guint64) v;
  else if (g_ascii_strcasecmp (end, "K") == 0 || g_ascii_strcasecmp (end, "KiB") == 0)
    *out = (guint64) (v * 1024);
  else if (g_ascii_strcasecmp (end, "M") == 0 || g_ascii_strcasecmp (end, "MiB") == 0)
    *out = (guint64) (v * 1024 * 1024);
  else if (g_ascii_strcasecmp (end, "G") == 0 || g_ascii_strcasecmp (end, "GiB") == 0)
    *out = (guint64) (v * 1024 * 1024 * 1024);
  else
    goto bad;
  return TRUE;
bad:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "“%s” is not a size (e.g. 700M, 1.5G)", text);
  return FALSE;
}

static int
feed_rules (int    argc,
            char **argv)
{
  g_autofree char *state_root = NULL;
  g_autofree char *add = NULL, *remove = NULL, *preview = NULL, *feed_url = NULL;
  g_autofree char *must = NULL, *must_not = NULL, *episodes = NULL, *save_dir = NULL, *label = NULL;
  g_autofree char *min_size = NULL, *max_size = NULL;
  gboolean regex = FALSE, smart = FALSE, paused = FALSE, disabled = FALSE;
  const GOptionEntry entries[] = {
    { "add", 0, 0, G_OPTION_ARG_STRING, &add, "Add a rule of this name", "NAME" },
    { "remove", 0, 0, G_OPTION_ARG_STRING, &remove, "Remove the rule of this name", "NAME" },
    { "preview", 0, 0, G_OPTION_ARG_STRING, &preview, "Fetch the feeds and show what the rule matches now", "NAME" },
    { "feed", 0, 0, G_OPTION_ARG_STRING, &feed_url, "Only for this feed (default: every feed)", "URL" },
    { "must-contain", 0, 0, G_OPTION_ARG_STRING, &must, "Words the title must have (“a b | c”: a and b, or c)", "WORDS" },
    { "must-not-contain", 0, 0, G_OPTION_ARG_STRING, &must_not, "Words the title must not have", "WORDS" },
    { "regex", 0, 0, G_OPTION_ARG_NONE, &regex, "The two above are regular expressions", NULL },
    { "episodes", 0, 0, G_OPTION_ARG_STRING, &episodes, "Episode filter, e.g. S02E01-S02E10;1x05-", "RANGES" },
    { "smart", 0, 0, G_OPTION_ARG_NONE, &smart, "Download each episode once (not other releases of it)", NULL },
    { "min-size", 0, 0, G_OPTION_ARG_STRING, &min_size, "Smallest size (700M, 1.5G…)", "SIZE" },
    { "max-size", 0, 0, G_OPTION_ARG_STRING, &max_size, "Largest size", "SIZE" },
    { "save-dir", 0, 0, G_OPTION_ARG_FILENAME, &save_dir, "Save the torrents in DIR", "DIR" },
    { "label", 0, 0, G_OPTION_ARG_STRING, &label, "Label the torrents", "LABEL" },
    { "paused", 0, 0, G_OPTION_ARG_NONE, &paused, "Add the torrents paused", NULL },
    { "disabled", 0, 0, G_OPTION_ARG_NONE, &disabled, "Add the rule disabled", NULL },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_root, "Where feeds are kept (default: ~/.local/share/shoal-cli)", "DIR" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— list, add, remove or preview download rules");
  g_autoptr(CliFeedManager) manager = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *rules;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 1)
    {
      fprintf (stderr, "shoal-cli feed rules: %s\n", error ? error->message : "no argument expected");
      return 2;
    }
  manager = offline_manager (state_root, &error);
  if (manager == NULL)
    {
      fprintf (stderr, "shoal-cli feed rules: %s\n", error->message);
      return 1;
    }
  rules = shoal_feed_manager_get_rules (manager);

  if (add != NULL)
    {
      g_autoptr(ShoalFeedRule) rule = shoal_feed_rule_new (add);
      guint64 min = 0, max = 0;
      g_autofree char *dir = save_dir ? g_canonicalize_filename (save_dir, NULL) : NULL;

      if (!parse_size (min_size, &min, &error) || !parse_size (max_size, &max, &error))
        {
          fprintf (stderr, "shoal-cli feed rules: %s\n", error->message);
          return 2;
        }
      g_object_set (rule, "feed-url", feed_url, "must-contain", must, "must-not-contain", must_not,
                    "use-regex", regex, "episode-filter", episodes, "smart-filter", smart,
                    "min-size", min, "max-size", max, "save-dir", dir, "label", label,
                    "add-paused", paused, "enabled", !disabled, NULL);
      if (!shoal_feed_manager_add_rule (manager, rule, &error))
        {
          fprintf (stderr, "shoal-cli feed rules: %s\n", error->message);
          return 1;
        }
      printf ("Added rule “%s”\n", add);
      return 0;
    }
  if (remove != NULL)
    {
      ShoalFeedRule *rule = shoal_feed_manager_find_rule (manager, remove);

      if (rule == NULL)
        {
          fprintf (stderr, "shoal-cli feed rules: no rule named “%s”\n", remove);
          return 1;
        }
      shoal_feed_manager_remove_rule (manager, rule);
      printf ("Removed rule “%s”\n", remove);
      return 0;
    }
  if (preview != NULL)
    {
      ShoalFeedRule *rule = shoal_feed_manager_find_rule (manager, preview);
      g_autoptr(GListModel) matches = NULL;

      if (rule == NULL)
        {
          fprintf (stderr, "shoal-cli feed rules: no rule named “%s”\n", preview);
          return 1;
        }
      shoal_feed_manager_set_auto_download (manager, FALSE);
      refresh_all (manager);
      matches = shoal_feed_manager_preview_rule (manager, rule);
      printf ("“%s” would download %u items:\n", preview, g_list_model_get_n_items (matches));
      for (guint i = 0; i < g_list_model_get_n_items (matches); i++)
        {
          g_autoptr(ShoalFeedItem) item = g_list_model_get_item (matches, i);

          print_item (item);
        }
      return 0;
    }
  for (guint i = 0; i < g_list_model_get_n_items (rules); i++)
    {
      g_autoptr(ShoalFeedRule) rule = g_list_model_get_item (rules, i);

      print_rule (rule);
    }
  if (g_list_model_get_n_items (rules) == 0)
    printf ("No rules (add one with “shoal-cli feed rules --add NAME …”)\n");
  return 0;
}

typedef struct
{
  GMainLoop *loop;
  char     **peers;      /* --peer: every torrent added connects to these */
  GPtrArray *torrents;   /* added by the rules in this run */
  gboolean   watch;
  gboolean   refreshed;
  int        status;
  guint      metadata_timeout;  /* seconds a magnet may wait for its metadata; 0: no bound */
} Run;

#define ADDED_KEY     "shoal-cli-feed-added-us"
#define GAVE_UP_KEY   "shoal-cli-feed-gave-up"

static void
torrent_added_cb (ShoalFeedManager *manager,
                  ShoalFeed        *feed,
                  ShoalFeedItem    *item,
                  ShoalTorrent     *torrent,
                  Run              *run)
{
  printf ("Added “%s” from %s into %s\n", shoal_feed_item_get_title (item), shoal_feed_get_url (feed),
          shoal_torrent_get_save_dir (torrent));
  g_ptr_array_add (run->torrents, g_object_ref (torrent));
  g_object_set_data_full (G_OBJECT (torrent), ADDED_KEY, g_memdup2 (&(gint64) { g_get_monotonic_time () }, sizeof (gint64)),
                          g_free);
  for (guint i = 0; run->peers != NULL && run->peers[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!shoal_torrent_add_peer (torrent, run->peers[i], &error))
        fprintf (stderr, "shoal-cli feed run: --peer %s: %s\n", run->peers[i], error->message);
    }
}

/* A magnet whose metadata no peer sent within --metadata-timeout: said
 * once, and no longer waited for (it stays saved, and the next run
 * resumes it). */
static gboolean
gave_up_on_metadata (Run          *run,
                     ShoalTorrent *torrent)
{
  const gint64 *added = g_object_get_data (G_OBJECT (torrent), ADDED_KEY);

  if (g_object_get_data (G_OBJECT (torrent), GAVE_UP_KEY) != NULL)
    return TRUE;
  if (run->metadata_timeout == 0 || added == NULL || shoal_torrent_get_metainfo (torrent) != NULL ||
      g_get_monotonic_time () - *added < (gint64) run->metadata_timeout * G_USEC_PER_SEC)
    return FALSE;
  fprintf (stderr, "shoal-cli feed run: “%s”: no peer sent the torrent's metadata (magnet link) within %u s; "
           "stopped waiting (it stays saved, and the next run tries again; see --metadata-timeout)\n",
           shoal_torrent_get_name (torrent), run->metadata_timeout);
  g_object_set_data (G_OBJECT (torrent), GAVE_UP_KEY, GINT_TO_POINTER (TRUE));
  run->status = 1;
  return TRUE;
}

static gboolean
all_done (Run *run)
{
  for (guint i = 0; i < run->torrents->len; i++)
    {
      ShoalTorrentState state = shoal_torrent_get_state (run->torrents->pdata[i]);

      if (gave_up_on_metadata (run, run->torrents->pdata[i]))
        continue;
      if (state == SHOAL_TORRENT_STATE_ERROR)
        run->status = 1;
      else if (state != SHOAL_TORRENT_STATE_SEEDING && state != SHOAL_TORRENT_STATE_FINISHED &&
               state != SHOAL_TORRENT_STATE_PAUSED)
        return FALSE;
    }
  return TRUE;
}

static gboolean
check_cb (gpointer data)
{
  Run *run = data;

  if (!run->watch && run->refreshed && all_done (run))
    g_main_loop_quit (run->loop);
  return G_SOURCE_CONTINUE;
}

static void
run_refreshed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Run *run = user_data;
  GListModel *feeds = shoal_feed_manager_get_feeds (SHOAL_FEED_MANAGER (source));

  shoal_feed_manager_refresh_finish (SHOAL_FEED_MANAGER (source), result, NULL);
  for (guint i = 0; i < g_list_model_get_n_items (feeds); i++)
    {
      g_autoptr(ShoalFeed) feed = g_list_model_get_item (feeds, i);
      GListModel *items = shoal_feed_get_items (feed);

      if (shoal_feed_get_error (feed) != NULL)
        {
          fprintf (stderr, "shoal-cli feed run: %s: %s\n", shoal_feed_get_url (feed),
                   shoal_feed_get_error (feed)->message);
          run->status = 1;
        }
      for (guint j = 0; j < g_list_model_get_n_items (items); j++)
        {
          g_autoptr(ShoalFeedItem) item = g_list_model_get_item (items, j);

          if (shoal_feed_item_get_state (item) == SHOAL_FEED_ITEM_FAILED)
            {
              fprintf (stderr, "shoal-cli feed run: “%s”: %s\n", shoal_feed_item_get_title (item),
                       shoal_feed_item_get_error (item));
              run->status = 1;
            }
        }
    }
  if (run->torrents->len == 0)
    printf ("Nothing new to download\n");
  run->refreshed = TRUE;
}

static gboolean
signal_cb (gpointer data)
{
  Run *run = data;

  g_main_loop_quit (run->loop);
  return G_SOURCE_CONTINUE;
}

static int
feed_run (int    argc,
          char **argv)
{
  g_auto(CliSessionOptions) options = { 0 };
  g_autofree char *out_dir = NULL;
  gboolean watch = FALSE;
  int metadata_timeout = 600;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir, "Where torrents of rules without a folder go (default: current directory)", "DIR" },
    { "watch", 0, 0, G_OPTION_ARG_NONE, &watch, "Keep polling the feeds (until interrupted)", NULL },
    { "metadata-timeout", 0, 0, G_OPTION_ARG_INT, &metadata_timeout,
      "Seconds to wait for a magnet link's metadata before giving up on it (default 600; 0: no bound)", "SECONDS" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— fetch the feeds and download what the rules pick");
  g_autoptr(CliFeedManager) manager = NULL;
  g_autoptr(ShoalSession) session = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GPtrArray) torrents = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;
  g_autofree char *dir = NULL;
  Run run = { loop, NULL, torrents, FALSE, FALSE, 0 };
  guint check, sigint, sigterm;

  g_option_context_add_main_entries (context, entries, NULL);
  cli_session_options_add_entries (&options, context);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 1)
    {
      fprintf (stderr, "shoal-cli feed run: %s\n", error ? error->message : "no argument expected");
      return 2;
    }
  if (metadata_timeout < 0)
    {
      fprintf (stderr, "shoal-cli feed run: --metadata-timeout %d: must be 0 (no bound) or a number of seconds\n",
               metadata_timeout);
      return 2;
    }
  run.watch = watch;
  run.peers = options.peers;
  run.metadata_timeout = (guint) metadata_timeout;
  state = feed_state_dir (options.state_dir);
  session = cli_session_new (&options, state, &error);
  if (session == NULL)
    {
      fprintf (stderr, "shoal-cli feed run: %s\n", error->message);
      return error->domain == G_OPTION_ERROR ? 2 : 1;
    }
  dir = g_canonicalize_filename (out_dir ? out_dir : ".", NULL);
  shoal_session_set_download_dir (session, dir);
  manager = shoal_feed_manager_new (session);
  if (!shoal_feed_manager_load (manager, &error))
    {
      fprintf (stderr, "shoal-cli feed run: %s\n", error->message);
      return 1;
    }
  g_signal_connect (manager, "torrent-added", G_CALLBACK (torrent_added_cb), &run);
  if (watch)
    shoal_feed_manager_set_polling (manager, TRUE);
  else
    shoal_feed_manager_refresh_async (manager, NULL, NULL, run_refreshed_cb, &run);
  check = g_timeout_add (200, check_cb, &run);
  sigint = g_unix_signal_add (SIGINT, signal_cb, &run);
  sigterm = g_unix_signal_add (SIGTERM, signal_cb, &run);
  g_main_loop_run (loop);
  g_source_remove (check);
  g_source_remove (sigint);
  g_source_remove (sigterm);

  for (guint i = 0; i < torrents->len; i++)
    {
      ShoalTorrent *t = torrents->pdata[i];

      printf ("%s: %s\n", shoal_torrent_get_name (t),
              shoal_torrent_get_state (t) == SHOAL_TORRENT_STATE_SEEDING ? "complete" :
              shoal_torrent_get_state (t) == SHOAL_TORRENT_STATE_PAUSED ? "added paused" :
              shoal_torrent_get_metainfo (t) == NULL ? "no metadata yet" : "incomplete");
    }
  shoal_feed_manager_set_polling (manager, FALSE);
  shoal_feed_manager_flush (manager);
  g_clear_object (&manager);
  g_ptr_array_set_size (torrents, 0);
  cli_session_close (session, loop);
  return run.status;
}

int
shoal_cli_feed (int    argc,
                char **argv)
{
  static const struct { const char *name; int (*run) (int, char **); } subcommands[] = {
    { "add", feed_add },
    { "list", feed_list },
    { "rules", feed_rules },
    { "run", feed_run },
  };

  if (argc >= 2)
    for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
      if (strcmp (argv[1], subcommands[i].name) == 0)
        return subcommands[i].run (argc - 1, argv + 1);
  fprintf (stderr, "Usage: shoal-cli feed add|list|rules|run [OPTION…]\n\n"
                   "  add URL     subscribe to an RSS or Atom feed\n"
                   "  list        the feeds (--items: and their items)\n"
                   "  rules       list, add, remove or preview download rules\n"
                   "  run         fetch the feeds and download what the rules pick\n");
  return argc >= 2 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0) ? 0 : 2;
}
