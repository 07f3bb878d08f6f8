/* shoal-feed-rule.c: which items of feeds download by themselves
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A rule matches an item's title when it contains what the rule must
 * contain and nothing it must not, its size is in the rule's range and its
 * episode in the rule's filter. Plain text is words, all of which must
 * start a word of the title (any case), with '|' between alternatives
 * ("1080p x265 | 2160p"); with use-regex it is a regular expression (GRegex, any case).
 * The smart filter records each episode the rule downloaded (S02E05) and
 * matches no other release of it.
 *
 * Every property is writable (GObject properties, so a rule editor can
 * bind to them); the manager checks a rule before it takes it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "shoal-episode.h"
#include "shoal-feed-private.h"

#define MAX_PATTERN    4096
#define MAX_EPISODES   10000

struct _ShoalFeedRule
{
  GObject     parent_instance;

  char       *name;
  gboolean    enabled;
  char       *feed_url;
  char       *must_contain;
  char       *must_not_contain;
  gboolean    use_regex;
  guint64     min_size;
  guint64     max_size;
  char       *episode_filter;
  gboolean    smart_filter;
  char       *save_dir;
  gboolean    add_paused;
  char       *label;
  GHashTable *episodes;   /* "S02E05" downloaded, for the smart filter */

  /* compiled on first use, cleared when a property changes */
  gboolean    compiled;
  GRegex     *must_regex;
  GRegex     *must_not_regex;
  ShoalEpisodeFilter *filter;
  GPtrArray  *must_words;      /* of GStrv: alternatives of case-folded words */
  GPtrArray  *must_not_words;
  char       *compile_error;
};

G_DEFINE_FINAL_TYPE (ShoalFeedRule, shoal_feed_rule, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_ENABLED,
  PROP_FEED_URL,
  PROP_MUST_CONTAIN,
  PROP_MUST_NOT_CONTAIN,
  PROP_USE_REGEX,
  PROP_MIN_SIZE,
  PROP_MAX_SIZE,
  PROP_EPISODE_FILTER,
  PROP_SMART_FILTER,
  PROP_SAVE_DIR,
  PROP_ADD_PAUSED,
  PROP_LABEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
uncompile (ShoalFeedRule *self)
{
  self->compiled = FALSE;
  g_clear_pointer (&self->must_regex, g_regex_unref);
  g_clear_pointer (&self->must_not_regex, g_regex_unref);
  g_clear_pointer (&self->filter, shoal_episode_filter_free);
  g_clear_pointer (&self->must_words, g_ptr_array_unref);
  g_clear_pointer (&self->must_not_words, g_ptr_array_unref);
  g_clear_pointer (&self->compile_error, g_free);
}

static void
shoal_feed_rule_finalize (GObject *object)
{
  ShoalFeedRule *self = SHOAL_FEED_RULE (object);

  uncompile (self);
  g_free (self->name);
  g_free (self->feed_url);
  g_free (self->must_contain);
  g_free (self->must_not_contain);
  g_free (self->episode_filter);
  g_free (self->save_dir);
  g_free (self->label);
  g_hash_table_unref (self->episodes);
  G_OBJECT_CLASS (shoal_feed_rule_parent_class)->finalize (object);
}

static char **
string_field (ShoalFeedRule *self,
              guint          prop_id)
{
  switch (prop_id)
    {
    case PROP_NAME: return &self->name;
    case PROP_FEED_URL: return &self->feed_url;
    case PROP_MUST_CONTAIN: return &self->must_contain;
    case PROP_MUST_NOT_CONTAIN: return &self->must_not_contain;
    case PROP_EPISODE_FILTER: return &self->episode_filter;
    case PROP_SAVE_DIR: return &self->save_dir;
    case PROP_LABEL: return &self->label;
    default: return NULL;
    }
}

static gboolean *
boolean_field (ShoalFeedRule *self,
               guint          prop_id)
{
  switch (prop_id)
    {
    case PROP_ENABLED: return &self->enabled;
    case PROP_USE_REGEX: return &self->use_regex;
    case PROP_SMART_FILTER: return &self->smart_filter;
    case PROP_ADD_PAUSED: return &self->add_paused;
    default: return NULL;
    }
}

static void
shoal_feed_rule_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  ShoalFeedRule *self = SHOAL_FEED_RULE (object);
  char **s = string_field (self, prop_id);
  gboolean *b = boolean_field (self, prop_id);

  if (s != NULL)
    g_value_set_string (value, *s != NULL ? *s : "");
  else if (b != NULL)
    g_value_set_boolean (value, *b);
  else if (prop_id == PROP_MIN_SIZE)
    g_value_set_uint64 (value, self->min_size);
  else if (prop_id == PROP_MAX_SIZE)
    g_value_set_uint64 (value, self->max_size);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
shoal_feed_rule_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  ShoalFeedRule *self = SHOAL_FEED_RULE (object);
  char **s = string_field (self, prop_id);
  gboolean *b = boolean_field (self, prop_id);

  if (s != NULL)
    {
      const char *v = g_value_get_string (value);
      g_autofree char *clean = v != NULL ? g_strstrip (g_strdup (v)) : NULL;

      if (clean != NULL && *clean == '\0')
        g_clear_pointer (&clean, g_free);
      if (g_strcmp0 (*s, clean) == 0)
        return;
      g_free (*s);
      *s = g_steal_pointer (&clean);
    }
  else if (b != NULL)
    {
      if (*b == g_value_get_boolean (value))
        return;
      *b = g_value_get_boolean (value);
    }
  else if (prop_id == PROP_MIN_SIZE || prop_id == PROP_MAX_SIZE)
    {
      guint64 *field = prop_id == PROP_MIN_SIZE ? &self->min_size : &self->max_size;

      if (*field == g_value_get_uint64 (value))
        return;
      *field = g_value_get_uint64 (value);
    }
  else
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  uncompile (self);
  g_object_notify_by_pspec (object, pspec);
}

static void
shoal_feed_rule_class_init (ShoalFeedRuleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = shoal_feed_rule_finalize;
  object_class->get_property = shoal_feed_rule_get_property;
  object_class->set_property = shoal_feed_rule_set_property;

  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_ENABLED] = g_param_spec_boolean ("enabled", NULL, NULL, TRUE, flags | G_PARAM_CONSTRUCT);
  /* Empty: every feed. */
  properties[PROP_FEED_URL] = g_param_spec_string ("feed-url", NULL, NULL, NULL, flags);
  properties[PROP_MUST_CONTAIN] = g_param_spec_string ("must-contain", NULL, NULL, NULL, flags);
  properties[PROP_MUST_NOT_CONTAIN] = g_param_spec_string ("must-not-contain", NULL, NULL, NULL, flags);
  properties[PROP_USE_REGEX] = g_param_spec_boolean ("use-regex", NULL, NULL, FALSE, flags);
  /* Bytes; 0: no bound. */
  properties[PROP_MIN_SIZE] = g_param_spec_uint64 ("min-size", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_MAX_SIZE] = g_param_spec_uint64 ("max-size", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_EPISODE_FILTER] = g_param_spec_string ("episode-filter", NULL, NULL, NULL, flags);
  properties[PROP_SMART_FILTER] = g_param_spec_boolean ("smart-filter", NULL, NULL, FALSE, flags);
  /* Empty: the session's download directory. */
  properties[PROP_SAVE_DIR] = g_param_spec_string ("save-dir", NULL, NULL, NULL, flags);
  properties[PROP_ADD_PAUSED] = g_param_spec_boolean ("add-paused", NULL, NULL, FALSE, flags);
  properties[PROP_LABEL] = g_param_spec_string ("label", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_feed_rule_init (ShoalFeedRule *self)
{
  self->enabled = TRUE;
  self->episodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/**
 * shoal_feed_rule_new:
 * @name: what the user calls the rule
 *
 * Returns: (transfer full): an enabled rule that matches every item
 */
ShoalFeedRule *
shoal_feed_rule_new (const char *name)
{
  return g_object_new (SHOAL_TYPE_FEED_RULE, "name", name, NULL);
}

/**
 * shoal_feed_rule_copy:
 * @self: a rule
 *
 * Returns: (transfer full): a rule with the same properties and the same
 *   episodes recorded, for an editor to change
 */
ShoalFeedRule *
shoal_feed_rule_copy (ShoalFeedRule *self)
{
  ShoalFeedRule *copy;
  GHashTableIter iter;
  gpointer key;

  g_return_val_if_fail (SHOAL_IS_FEED_RULE (self), NULL);
  copy = shoal_feed_rule_new (self->name);
  for (guint i = PROP_NAME + 1; i < N_PROPS; i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_init (&value, properties[i]->value_type);
      g_object_get_property (G_OBJECT (self), properties[i]->name, &value);
      g_object_set_property (G_OBJECT (copy), properties[i]->name, &value);
    }
  g_hash_table_iter_init (&iter, self->episodes);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (copy->episodes, g_strdup (key));
  return copy;
}

#define GETTER(type, field, fallback) \
  g_return_val_if_fail (SHOAL_IS_FEED_RULE (self), fallback); \
  return self->field;

const char *shoal_feed_rule_get_name (ShoalFeedRule *self) { GETTER (const char *, name, NULL) }
gboolean shoal_feed_rule_get_enabled (ShoalFeedRule *self) { GETTER (gboolean, enabled, FALSE) }
const char *shoal_feed_rule_get_feed_url (ShoalFeedRule *self) { GETTER (const char *, feed_url, NULL) }
const char *shoal_feed_rule_get_must_contain (ShoalFeedRule *self) { GETTER (const char *, must_contain, NULL) }
const char *shoal_feed_rule_get_must_not_contain (ShoalFeedRule *self) { GETTER (const char *, must_not_contain, NULL) }
gboolean shoal_feed_rule_get_use_regex (ShoalFeedRule *self) { GETTER (gboolean, use_regex, FALSE) }
guint64 shoal_feed_rule_get_min_size (ShoalFeedRule *self) { GETTER (guint64, min_size, 0) }
guint64 shoal_feed_rule_get_max_size (ShoalFeedRule *self) { GETTER (guint64, max_size, 0) }
const char *shoal_feed_rule_get_episode_filter (ShoalFeedRule *self) { GETTER (const char *, episode_filter, NULL) }
gboolean shoal_feed_rule_get_smart_filter (ShoalFeedRule *self) { GETTER (gboolean, smart_filter, FALSE) }
const char *shoal_feed_rule_get_save_dir (ShoalFeedRule *self) { GETTER (const char *, save_dir, NULL) }
gboolean shoal_feed_rule_get_add_paused (ShoalFeedRule *self) { GETTER (gboolean, add_paused, FALSE) }
const char *shoal_feed_rule_get_label (ShoalFeedRule *self) { GETTER (const char *, label, NULL) }

#undef GETTER

static int
compare_strings (const void *a,
                 const void *b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/**
 * shoal_feed_rule_dup_downloaded_episodes:
 * @self: a rule
 *
 * Returns: (transfer full): the episodes the smart filter recorded, sorted
 */
GStrv
shoal_feed_rule_dup_downloaded_episodes (ShoalFeedRule *self)
{
  GStrv keys;
  guint n;

  g_return_val_if_fail (SHOAL_IS_FEED_RULE (self), NULL);
  keys = (GStrv) g_hash_table_get_keys_as_array (self->episodes, &n);
  for (guint i = 0; i < n; i++)
    keys[i] = g_strdup (keys[i]);
  qsort (keys, n, sizeof (char *), compare_strings);
  return keys;
}

void
_shoal_feed_rule_add_episode (ShoalFeedRule *self,
                              const char    *episode)
{
  if (g_hash_table_size (self->episodes) < MAX_EPISODES)
    g_hash_table_add (self->episodes, g_strdup (episode));
}

void
_shoal_feed_rule_set_episodes (ShoalFeedRule      *self,
                               const char * const *episodes)
{
  g_hash_table_remove_all (self->episodes);
  for (guint i = 0; episodes != NULL && episodes[i] != NULL; i++)
    {
      ShoalEpisode ep;
      g_autofree char *key = NULL;

      /* Recorded as S02E05; anything else in the file is dropped. */
      if (!shoal_episode_parse_title (episodes[i], &ep))
        continue;
      key = shoal_episode_to_string (&ep);
      _shoal_feed_rule_add_episode (self, key);
    }
}

/**
 * shoal_feed_rule_forget_episodes:
 * @self: a rule
 *
 * Forgets the episodes the smart filter recorded, so that they may match
 * again.
 */
void
shoal_feed_rule_forget_episodes (ShoalFeedRule *self)
{
  g_return_if_fail (SHOAL_IS_FEED_RULE (self));
  g_hash_table_remove_all (self->episodes);
}

static GRegex *
compile_regex (const char  *pattern,
               const char  *what,
               GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  GRegex *regex;

  if (strlen (pattern) > MAX_PATTERN)
    {
      g_set_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_RULE,
                   "The %s expression is longer than %d characters", what, MAX_PATTERN);
      return NULL;
    }
  regex = g_regex_new (pattern, G_REGEX_CASELESS, 0, &local_error);
  if (regex == NULL)
    g_set_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_RULE,
                 "The %s expression is not a valid regular expression: %s", what, local_error->message);
  return regex;
}

static GPtrArray *split_words (const char *words);

static gboolean
compile (ShoalFeedRule  *self,
         GError        **error)
{
  g_autoptr(GError) local_error = NULL;

  if (self->compiled)
    {
      if (self->compile_error != NULL)
        {
          g_set_error_literal (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_RULE, self->compile_error);
          return FALSE;
        }
      return TRUE;
    }
  self->compiled = TRUE;
  if (self->use_regex && self->must_contain != NULL &&
      (self->must_regex = compile_regex (self->must_contain, "“must contain”", &local_error)) == NULL)
    goto fail;
  if (self->use_regex && self->must_not_contain != NULL &&
      (self->must_not_regex = compile_regex (self->must_not_contain, "“must not contain”", &local_error)) == NULL)
    goto fail;
  if (!self->use_regex &&
      ((self->must_contain != NULL && strlen (self->must_contain) > MAX_PATTERN) ||
       (self->must_not_contain != NULL && strlen (self->must_not_contain) > MAX_PATTERN)))
    {
      g_set_error (&local_error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_RULE,
                   "The words to look for are longer than %d characters", MAX_PATTERN);
      goto fail;
    }
  if (!self->use_regex && self->must_contain != NULL)
    self->must_words = split_words (self->must_contain);
  if (!self->use_regex && self->must_not_contain != NULL)
    self->must_not_words = split_words (self->must_not_contain);
  if (self->episode_filter != NULL &&
      (self->filter = shoal_episode_filter_parse (self->episode_filter, &local_error)) == NULL)
    goto fail;
  if (self->max_size != 0 && self->min_size > self->max_size)
    {
      g_set_error_literal (&local_error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_RULE,
                           "The smallest size is larger than the largest");
      goto fail;
    }
  return TRUE;

fail:
  self->compile_error = g_strdup (local_error->message);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/**
 * shoal_feed_rule_check:
 * @self: a rule
 * @error: return location for a %SHOAL_FEED_ERROR_BAD_RULE error
 *
 * Returns: whether the rule's expressions, episode filter and size range
 *   can be used
 */
gboolean
shoal_feed_rule_check (ShoalFeedRule  *self,
                       GError        **error)
{
  g_return_val_if_fail (SHOAL_IS_FEED_RULE (self), FALSE);
  return compile (self, error);
}

/* Whether @word starts a word somewhere in @text: "the" is in "The Show"
 * but not in "Other Show". */
static gboolean
has_word (const char *text,
          const char *word)
{
  for (const char *p = strstr (text, word); p != NULL; p = strstr (p + 1, word))
    {
      const char *prev = p > text ? g_utf8_find_prev_char (text, p) : NULL;

      if (prev == NULL || !g_unichar_isalnum (g_utf8_get_char (prev)))
        return TRUE;
    }
  return FALSE;
}

/* Plain words: alternatives separated by '|', each a list of words that
 * must all start a word in the (case-folded) title. */
static GPtrArray *
split_words (const char *words)
{
  g_autofree char *folded = g_utf8_casefold (words, -1);
  g_auto(GStrv) alternatives = g_strsplit (folded, "|", -1);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  for (guint a = 0; alternatives[a] != NULL; a++)
    {
      g_auto(GStrv) parts = g_strsplit_set (alternatives[a], " \t", -1);
      g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
      g_auto(GStrv) list = NULL;

      for (guint w = 0; parts[w] != NULL; w++)
        if (*parts[w] != '\0')
          g_strv_builder_add (b, parts[w]);
      list = g_strv_builder_end (b);
      if (list[0] != NULL)
        g_ptr_array_add (out, g_steal_pointer (&list));
    }
  return out;
}

static gboolean
words_match (GPtrArray  *alternatives,
             const char *title_folded)
{
  for (guint a = 0; a < alternatives->len; a++)
    {
      const char * const *words = alternatives->pdata[a];
      gboolean all = TRUE;

      for (guint w = 0; words[w] != NULL && all; w++)
        all = has_word (title_folded, words[w]);
      if (all)
        return TRUE;
    }
  return FALSE;
}

static gboolean
fail_why (char       **why_not,
          const char  *format,
          ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail_why (char       **why_not,
          const char  *format,
          ...)
{
  va_list args;

  if (why_not != NULL)
    {
      va_start (args, format);
      *why_not = g_strdup_vprintf (format, args);
      va_end (args);
    }
  return FALSE;
}

/**
 * shoal_feed_rule_matches:
 * @self: a rule
 * @feed_url: the URL of the feed @item is in
 * @item: an item
 * @why_not: (out) (optional) (transfer full): why it does not match
 *
 * Whether the rule wants @item, whatever its state: the caller leaves out
 * items already downloaded or ignored. A disabled rule, or one that
 * shoal_feed_rule_check() refuses, matches nothing.
 *
 * Returns: whether it matches
 */
gboolean
shoal_feed_rule_matches (ShoalFeedRule  *self,
                         const char     *feed_url,
                         ShoalFeedItem  *item,
                         char          **why_not)
{
  const char *title;
  g_autofree char *folded = NULL;
  guint64 size;

  g_return_val_if_fail (SHOAL_IS_FEED_RULE (self), FALSE);
  g_return_val_if_fail (SHOAL_IS_FEED_ITEM (item), FALSE);

  if (why_not != NULL)
    *why_not = NULL;
  if (!compile (self, NULL))
    return fail_why (why_not, "%s", self->compile_error);
  if (!self->enabled)
    return fail_why (why_not, "the rule is disabled");
  if (self->feed_url != NULL && g_strcmp0 (self->feed_url, feed_url) != 0)
    return fail_why (why_not, "the rule is for another feed");
  if (shoal_feed_item_get_torrent_url (item) == NULL)
    return fail_why (why_not, "the item names no torrent");

  title = shoal_feed_item_get_title (item);
  if (self->use_regex)
    {
      if (self->must_regex != NULL && !g_regex_match (self->must_regex, title, 0, NULL))
        return fail_why (why_not, "the title does not match “%s”", self->must_contain);
      if (self->must_not_regex != NULL && g_regex_match (self->must_not_regex, title, 0, NULL))
        return fail_why (why_not, "the title matches “%s”", self->must_not_contain);
    }
  else
    {
      folded = g_utf8_casefold (title, -1);
      if (self->must_words != NULL && !words_match (self->must_words, folded))
        return fail_why (why_not, "the title does not contain “%s”", self->must_contain);
      if (self->must_not_words != NULL && words_match (self->must_not_words, folded))
        return fail_why (why_not, "the title contains “%s”", self->must_not_contain);
    }

  size = shoal_feed_item_get_size (item);
  if ((self->min_size != 0 || self->max_size != 0) && size == 0)
    return fail_why (why_not, "the feed does not give the size");
  if (self->min_size != 0 && size < self->min_size)
    return fail_why (why_not, "smaller than the smallest size");
  if (self->max_size != 0 && size > self->max_size)
    return fail_why (why_not, "larger than the largest size");

  if (self->filter != NULL || self->smart_filter)
    {
      ShoalEpisode ep;
      g_autofree char *key = NULL;

      if (!shoal_episode_parse_title (title, &ep))
        {
          /* The smart filter alone lets an item without an episode through. */
          if (self->filter != NULL)
            return fail_why (why_not, "the title names no episode");
          return TRUE;
        }
      if (self->filter != NULL && !shoal_episode_filter_matches (self->filter, &ep))
        return fail_why (why_not, "the episode is not in “%s”", self->episode_filter);
      key = shoal_episode_to_string (&ep);
      if (self->smart_filter && g_hash_table_contains (self->episodes, key))
        return fail_why (why_not, "%s was already downloaded", key);
    }
  return TRUE;
}
