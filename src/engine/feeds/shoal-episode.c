/* shoal-episode.c: episode numbers in titles, and episode filters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Titles name an episode as S02E05 (any case, 1–4 digits of season and
 * 1–5 of episode) or 2x05. A filter is a list of ranges separated by ';'
 * or ',': "S02E01-S02E10", "S02E01-E10" or "S02E01-10" (the end in the
 * same season), "1x05-" (from 1x05 on), "-S01E03" (up to it), "S02" (the
 * whole season), "S01-S03" (whole seasons), or one episode "S02E05".
 */
#include "config.h"

#include <string.h>

#include "shoal-episode.h"
#include "shoal-feed.h"

#define MAX_RANGES  256
#define MAX_FILTER  4096

struct _ShoalEpisodeFilter
{
  GArray *ranges;  /* of ShoalEpisodeRange */
};

static gboolean
read_number (const char **p,
             guint        min_digits,
             guint        max_digits,
             guint       *value)
{
  const char *s = *p;
  guint n = 0, v = 0;

  while (g_ascii_isdigit (s[n]) && n <= max_digits)
    {
      v = v * 10 + (guint) (s[n] - '0');
      n++;
    }
  if (n < min_digits || n > max_digits)
    return FALSE;
  *value = v;
  *p = s + n;
  return TRUE;
}

/* "S02E05" at @s, with no letter or digit before it (@s is the start or
 * @s[-1] is not alphanumeric) and no digit after. */
static gboolean
parse_sxxeyy (const char   *s,
              ShoalEpisode *episode)
{
  const char *p = s;
  guint season, ep;

  if (*p != 'S' && *p != 's')
    return FALSE;
  p++;
  if (!read_number (&p, 1, 4, &season))
    return FALSE;
  if (*p == '.' || *p == ' ' || *p == '_')
    p++;
  if (*p != 'E' && *p != 'e')
    return FALSE;
  p++;
  if (!read_number (&p, 1, 5, &ep))
    return FALSE;
  if (g_ascii_isdigit (*p))
    return FALSE;
  episode->season = season;
  episode->episode = ep;
  return TRUE;
}

/* "2x05": 1–2 digits, x, 2–3 digits, no digit after. */
static gboolean
parse_nxm (const char   *s,
           ShoalEpisode *episode)
{
  const char *p = s;
  guint season, ep;

  if (!read_number (&p, 1, 2, &season))
    return FALSE;
  if (*p != 'x' && *p != 'X')
    return FALSE;
  p++;
  if (!read_number (&p, 2, 3, &ep))
    return FALSE;
  if (g_ascii_isalnum (*p))
    return FALSE;
  episode->season = season;
  episode->episode = ep;
  return TRUE;
}

/**
 * shoal_episode_parse_title:
 * @title: an item's title
 * @episode: (out): the first episode the title names
 *
 * Returns: whether @title names an episode (S02E05 before 2x05)
 */
gboolean
shoal_episode_parse_title (const char   *title,
                           ShoalEpisode *episode)
{
  g_return_val_if_fail (title != NULL, FALSE);
  g_return_val_if_fail (episode != NULL, FALSE);

  for (const char *p = title; *p != '\0'; p++)
    if ((p == title || !g_ascii_isalnum (p[-1])) && parse_sxxeyy (p, episode))
      return TRUE;
  for (const char *p = title; *p != '\0'; p++)
    if ((p == title || !g_ascii_isalnum (p[-1])) && parse_nxm (p, episode))
      return TRUE;
  return FALSE;
}

/**
 * shoal_episode_to_string:
 * @episode: an episode
 *
 * Returns: (transfer full): "S02E05", the key the duplicate filter records
 */
char *
shoal_episode_to_string (const ShoalEpisode *episode)
{
  return g_strdup_printf ("S%02uE%02u", episode->season, episode->episode);
}

int
shoal_episode_compare (const ShoalEpisode *a,
                       const ShoalEpisode *b)
{
  if (a->season != b->season)
    return a->season < b->season ? -1 : 1;
  if (a->episode != b->episode)
    return a->episode < b->episode ? -1 : 1;
  return 0;
}

/* One end of a range: "S02E05", "2x05", "S02" (has_episode FALSE), or, as
 * the end of a range only, "E10"/"10" (has_season FALSE). */
typedef struct
{
  gboolean has_season;
  gboolean has_episode;
  guint    season;
  guint    episode;
} Endpoint;

static gboolean
parse_endpoint (const char *s,
                gboolean    is_end,
                Endpoint   *out)
{
  const char *p = s;

  memset (out, 0, sizeof *out);
  if (*p == 'S' || *p == 's')
    {
      p++;
      if (!read_number (&p, 1, 4, &out->season))
        return FALSE;
      out->has_season = TRUE;
      if (*p == '\0')
        return TRUE;
      if (*p != 'E' && *p != 'e')
        return FALSE;
      p++;
      if (!read_number (&p, 1, 5, &out->episode))
        return FALSE;
      out->has_episode = TRUE;
      return *p == '\0';
    }
  if (*p == 'E' || *p == 'e')
    {
      p++;
      if (!is_end || !read_number (&p, 1, 5, &out->episode))
        return FALSE;
      out->has_episode = TRUE;
      return *p == '\0';
    }
  if (!read_number (&p, 1, 5, &out->season))
    return FALSE;
  if (*p == '\0')
    {
      /* A bare number is an episode, at the end of a range only. */
      if (!is_end)
        return FALSE;
      out->episode = out->season;
      out->season = 0;
      out->has_episode = TRUE;
      return TRUE;
    }
  if ((*p != 'x' && *p != 'X') || out->season > SHOAL_EPISODE_MAX_SEASON)
    return FALSE;
  p++;
  if (!read_number (&p, 1, 5, &out->episode))
    return FALSE;
  out->has_season = out->has_episode = TRUE;
  return *p == '\0';
}

static gboolean
parse_range (const char        *token,
             ShoalEpisodeRange *range,
             GError           **error)
{
  const char *dash = strchr (token, '-');
  g_autofree char *a = dash ? g_strndup (token, (gsize) (dash - token)) : g_strdup (token);
  const char *b = dash ? dash + 1 : NULL;
  Endpoint first = { 0 }, last = { 0 };
  gboolean has_first = *a != '\0';
  gboolean has_last = b != NULL && *b != '\0';

  if (b != NULL && strchr (b, '-') != NULL)
    goto bad;
  if (!has_first && !has_last)
    goto bad;
  if (has_first && (!parse_endpoint (a, FALSE, &first) || !first.has_season))
    goto bad;
  if (has_last && !parse_endpoint (b, TRUE, &last))
    goto bad;
  if (has_last && !last.has_season)
    {
      /* "S02E01-E10": the end in the start's season. */
      if (!has_first || !first.has_episode)
        goto bad;
      last.season = first.season;
      last.has_season = TRUE;
    }
  if (first.season > SHOAL_EPISODE_MAX_SEASON || last.season > SHOAL_EPISODE_MAX_SEASON ||
      first.episode > SHOAL_EPISODE_MAX_EPISODE || last.episode > SHOAL_EPISODE_MAX_EPISODE)
    goto bad;

  range->first.season = has_first ? first.season : 0;
  range->first.episode = has_first && first.has_episode ? first.episode : 0;
  if (b == NULL)
    {
      /* One episode, or a whole season. */
      range->last.season = first.season;
      range->last.episode = first.has_episode ? first.episode : G_MAXUINT;
    }
  else if (!has_last)
    {
      range->last.season = G_MAXUINT;
      range->last.episode = G_MAXUINT;
    }
  else
    {
      range->last.season = last.season;
      range->last.episode = last.has_episode ? last.episode : G_MAXUINT;
    }
  if (shoal_episode_compare (&range->first, &range->last) > 0)
    {
      g_set_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_RULE,
                   "Episode range “%s” ends before it starts", token);
      return FALSE;
    }
  return TRUE;

bad:
  g_set_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_RULE,
               "“%s” is not an episode or a range of episodes (write S02E01-S02E10, 1x05-, S03 …)",
               token);
  return FALSE;
}

/**
 * shoal_episode_filter_parse:
 * @text: ranges separated by ';' or ','
 * @error: return location for a %SHOAL_FEED_ERROR_BAD_RULE error
 *
 * Returns: (transfer full): the filter, or %NULL with @error set (an
 *   empty @text is an error too: no filter is %NULL, not an empty one)
 */
ShoalEpisodeFilter *
shoal_episode_filter_parse (const char  *text,
                            GError     **error)
{
  g_autoptr(ShoalEpisodeFilter) filter = NULL;
  g_auto(GStrv) tokens = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  if (strlen (text) > MAX_FILTER)
    {
      g_set_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_RULE,
                   "The episode filter is longer than %d characters", MAX_FILTER);
      return NULL;
    }
  filter = g_new0 (ShoalEpisodeFilter, 1);
  filter->ranges = g_array_new (FALSE, FALSE, sizeof (ShoalEpisodeRange));
  tokens = g_strsplit_set (text, ";,", -1);
  for (guint i = 0; tokens[i] != NULL; i++)
    {
      g_autoptr(GString) token = g_string_new (NULL);
      ShoalEpisodeRange range;

      for (const char *c = tokens[i]; *c != '\0'; c++)
        if (!g_ascii_isspace (*c))
          g_string_append_c (token, *c);
      if (token->len == 0)
        continue;
      if (filter->ranges->len >= MAX_RANGES)
        {
          g_set_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_RULE,
                       "The episode filter has more than %d ranges", MAX_RANGES);
          return NULL;
        }
      if (!parse_range (token->str, &range, error))
        return NULL;
      g_array_append_val (filter->ranges, range);
    }
  if (filter->ranges->len == 0)
    {
      g_set_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_RULE, "The episode filter is empty");
      return NULL;
    }
  return g_steal_pointer (&filter);
}

void
shoal_episode_filter_free (ShoalEpisodeFilter *filter)
{
  if (filter == NULL)
    return;
  g_array_unref (filter->ranges);
  g_free (filter);
}

guint
shoal_episode_filter_get_n_ranges (const ShoalEpisodeFilter *filter)
{
  return filter->ranges->len;
}

const ShoalEpisodeRange *
shoal_episode_filter_get_range (const ShoalEpisodeFilter *filter,
                                guint                     i)
{
  g_return_val_if_fail (i < filter->ranges->len, NULL);
  return &g_array_index (filter->ranges, ShoalEpisodeRange, i);
}

/**
 * shoal_episode_filter_matches:
 * @filter: a filter
 * @episode: an episode
 *
 * Returns: whether @episode is in one of the filter's ranges
 */
gboolean
shoal_episode_filter_matches (const ShoalEpisodeFilter *filter,
                              const ShoalEpisode       *episode)
{
  for (guint i = 0; i < filter->ranges->len; i++)
    {
      const ShoalEpisodeRange *r = &g_array_index (filter->ranges, ShoalEpisodeRange, i);

      if (shoal_episode_compare (episode, &r->first) >= 0 && shoal_episode_compare (episode, &r->last) <= 0)
        return TRUE;
    }
  return FALSE;
}
