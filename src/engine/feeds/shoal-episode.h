/* shoal-episode.h: episode numbers in titles, and episode filters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Private to feeds/ (and its tests).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SHOAL_EPISODE_MAX_SEASON   9999
#define SHOAL_EPISODE_MAX_EPISODE  99999

/* Season and episode; episode 0 with a season alone ("S02"). */
typedef struct
{
  guint season;
  guint episode;
} ShoalEpisode;

/* An inclusive range; open ends are 0/0 and the maxima. */
typedef struct
{
  ShoalEpisode first;
  ShoalEpisode last;
} ShoalEpisodeRange;

typedef struct _ShoalEpisodeFilter ShoalEpisodeFilter;

gboolean            shoal_episode_parse_title     (const char          *title,
                                                   ShoalEpisode        *episode);
char               *shoal_episode_to_string       (const ShoalEpisode  *episode);
int                 shoal_episode_compare         (const ShoalEpisode  *a,
                                                   const ShoalEpisode  *b);

ShoalEpisodeFilter *shoal_episode_filter_parse    (const char          *text,
                                                   GError             **error);
void                shoal_episode_filter_free     (ShoalEpisodeFilter  *filter);
guint               shoal_episode_filter_get_n_ranges (const ShoalEpisodeFilter *filter);
const ShoalEpisodeRange *shoal_episode_filter_get_range (const ShoalEpisodeFilter *filter,
                                                         guint                     i);
gboolean            shoal_episode_filter_matches  (const ShoalEpisodeFilter *filter,
                                                   const ShoalEpisode       *episode);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalEpisodeFilter, shoal_episode_filter_free)

G_END_DECLS
