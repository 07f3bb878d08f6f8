/* shoal-feed-parser.c: RSS 2.0, RSS 1.0 (RDF) and Atom documents into items
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libxml2 reads the document (no network, no external entities, no DTD
 * loading, its default limits on depth and entity expansion); this file
 * walks the tree. It runs in a worker thread: it touches nothing but its
 * arguments and the plain structures it makes (no GObject: their creation
 * and finalization take GLib's global locks, which the main loop would
 * then wait for).
 *
 * An item's torrent is, in this order: an enclosure of type
 * application/x-bittorrent or whose URL is a magnet link or ends in
 * .torrent; the torrent namespace's magnetURI; a magnet link in the link or
 * guid; an info-hash (torrent:infoHash, nyaa:infoHash) made into a magnet
 * link; a magnet link in the description; the RSS link (or an Atom link
 * ending in .torrent).
 */
#include "config.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>

#include "shoal-feed-private.h"

#define NS_ATOM  "http://www.w3.org/2005/Atom"
#define NS_RDF   "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define NS_SY    "http://purl.org/rss/1.0/modules/syndication/"
#define NS_DC    "http://purl.org/dc/elements/1.1/"

#define MAX_TTL  (7 * 24 * 3600)

typedef struct
{
  char    *id;
  char    *title;
  char    *link;
  char    *guid;
  char    *description;
  char    *enclosure;       /* the best enclosure URL */
  gboolean enclosure_is_torrent;
  char    *magnet;          /* torrent:magnetURI */
  char    *info_hash;
  gint64   date;
  guint64  size;
} ItemFields;

static void
item_fields_clear (ItemFields *f)
{
  g_free (f->id);
  g_free (f->title);
  g_free (f->link);
  g_free (f->guid);
  g_free (f->description);
  g_free (f->enclosure);
  g_free (f->magnet);
  g_free (f->info_hash);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ItemFields, item_fields_clear)

static gboolean
name_is (xmlNode    *node,
         const char *name)
{
  return node->type == XML_ELEMENT_NODE && strcmp ((const char *) node->name, name) == 0;
}

static gboolean
ns_is (xmlNode    *node,
       const char *href)
{
  if (href == NULL)
    return node->ns == NULL || node->ns->href == NULL;
  return node->ns != NULL && node->ns->href != NULL && strcmp ((const char *) node->ns->href, href) == 0;
}

/* The element's text, whitespace trimmed, valid UTF-8 (libxml2 gives
 * UTF-8; a document may still carry bytes it did not check), or NULL when
 * empty. */
static char *
node_text (xmlNode *node)
{
  xmlChar *content = xmlNodeGetContent (node);
  char *text;

  if (content == NULL)
    return NULL;
  text = g_utf8_make_valid ((const char *) content, -1);
  xmlFree (content);
  g_strstrip (text);
  if (*text == '\0')
    {
      g_free (text);
      return NULL;
    }
  return text;
}

static char *
node_attr (xmlNode    *node,
           const char *name)
{
  xmlChar *value = xmlGetProp (node, (const xmlChar *) name);
  char *text;

  if (value == NULL)
    return NULL;
  text = g_utf8_make_valid ((const char *) value, -1);
  xmlFree (value);
  g_strstrip (text);
  return text;
}

/* Titles are cut at SHOAL_FEED_MAX_TITLE bytes, at a character boundary,
 * and lose their line breaks. */
static char *
clean_title (char *title)
{
  if (title == NULL)
    return NULL;
  if (strlen (title) > SHOAL_FEED_MAX_TITLE)
    {
      char *end = g_utf8_find_prev_char (title, title + SHOAL_FEED_MAX_TITLE);

      *(end != NULL ? end : title) = '\0';
    }
  for (char *c = title; *c != '\0'; c++)
    if (*c == '\n' || *c == '\r' || *c == '\t')
      *c = ' ';
  return title;
}

static gboolean
is_magnet (const char *url)
{
  return url != NULL && g_ascii_strncasecmp (url, "magnet:?", 8) == 0;
}

static gboolean
is_http (const char *url)
{
  return url != NULL &&
         (g_ascii_strncasecmp (url, "http://", 7) == 0 || g_ascii_strncasecmp (url, "https://", 8) == 0);
}

/* A URL an item may give as its torrent: a magnet link or an http(s) URL,
 * not too long, without spaces or control characters. */
static gboolean
usable_url (const char *url)
{
  if (url == NULL || strlen (url) > SHOAL_FEED_MAX_URL)
    return FALSE;
  if (!is_magnet (url) && !is_http (url))
    return FALSE;
  for (const char *c = url; *c != '\0'; c++)
    if ((guchar) *c <= ' ')
      return FALSE;
  return TRUE;
}

static gboolean
ends_in_torrent (const char *url)
{
  g_autofree char *lower = NULL;
  char *q;

  if (url == NULL)
    return FALSE;
  lower = g_ascii_strdown (url, -1);
  q = strpbrk (lower, "?#");
  if (q != NULL)
    *q = '\0';
  return g_str_has_suffix (lower, ".torrent");
}

/**
 * shoal_feed_info_hash_normalize:
 * @text: a v1 info-hash: 40 hex digits or 32 base32 characters
 *
 * Returns: (transfer full) (nullable): 40 lower-case hex digits, or %NULL
 */
char *
shoal_feed_info_hash_normalize (const char *text)
{
  gsize len;

  if (text == NULL)
    return NULL;
  len = strlen (text);
  if (len == 40)
    {
      for (gsize i = 0; i < 40; i++)
        if (!g_ascii_isxdigit (text[i]))
          return NULL;
      return g_ascii_strdown (text, 40);
    }
  if (len == 32)
    {
      static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
      guint8 bytes[20];
      guint64 acc = 0;
      guint bits = 0, n = 0;
      GString *hex;

      for (gsize i = 0; i < 32; i++)
        {
          const char *p = strchr (alphabet, g_ascii_toupper (text[i]));

          if (p == NULL || text[i] == '\0')
            return NULL;
          acc = (acc << 5) | (guint64) (p - alphabet);
          bits += 5;
          if (bits >= 8)
            {
              bits -= 8;
              bytes[n++] = (guint8) (acc >> bits);
              acc &= (G_GUINT64_CONSTANT (1) << bits) - 1;
            }
        }
      hex = g_string_sized_new (40);
      for (guint i = 0; i < 20; i++)
        g_string_append_printf (hex, "%02x", bytes[i]);
      return g_string_free (hex, FALSE);
    }
  return NULL;
}

/* The info-hash of a magnet link's first urn:btih. */
static char *
magnet_info_hash (const char *magnet)
{
  const char *p = magnet;

  while ((p = strstr (p, "urn:btih:")) != NULL)
    {
      g_autofree char *hash = NULL;
      gsize n;

      p += strlen ("urn:btih:");
      n = strcspn (p, "&#");
      hash = g_strndup (p, n);
      return shoal_feed_info_hash_normalize (hash);
    }
  return NULL;
}

/* The first magnet link in a description (HTML or text): up to a quote,
 * a space, '<' or the end, with &amp; made '&' again. */
static char *
magnet_in_text (const char *text)
{
  const char *p;
  g_autofree char *raw = NULL;
  g_autoptr(GString) url = NULL;
  gsize n;

  if (text == NULL || (p = strstr (text, "magnet:?")) == NULL)
    return NULL;
  n = strcspn (p, "\"' <>\n\r\t");
  if (n > SHOAL_FEED_MAX_URL)
    return NULL;
  raw = g_strndup (p, n);
  url = g_string_new (raw);
  g_string_replace (url, "&amp;", "&", 0);
  return g_string_free (g_steal_pointer (&url), FALSE);
}

/* "1.2 GiB", "700 MB", "12345": sizes the trackers' namespaces write. */
static guint64
parse_size (const char *text)
{
  static const struct { const char *unit; double factor; } units[] = {
    { "b", 1 }, { "bytes", 1 },
    { "kib", 1024.0 }, { "kb", 1000.0 },
    { "mib", 1024.0 * 1024 }, { "mb", 1000.0 * 1000 },
    { "gib", 1024.0 * 1024 * 1024 }, { "gb", 1000.0 * 1000 * 1000 },
    { "tib", 1024.0 * 1024 * 1024 * 1024 }, { "tb", 1000.0 * 1000 * 1000 * 1000 },
  };
  g_autofree char *unit = NULL;
  char *end = NULL;
  double value;

  if (text == NULL)
    return 0;
  value = g_ascii_strtod (text, &end);
  if (end == text || !(value >= 0) || value > 1e18)
    return 0;
  unit = g_ascii_strdown (end, -1);
  g_strstrip (unit);
  if (*unit == '\0')
    return (guint64) value;
  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    if (strcmp (unit, units[i].unit) == 0)
      {
        double bytes = value * units[i].factor;

        return bytes > 1e18 ? 0 : (guint64) bytes;
      }
  return 0;
}

static guint64
parse_length (const char *text)
{
  guint64 v;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, G_GUINT64_CONSTANT (1) << 60, &v, NULL))
    return 0;
  return v;
}

static void
take (char **field,
      char  *value)
{
  if (*field == NULL)
    *field = value;
  else
    g_free (value);
}

static void
read_enclosure (ItemFields *f,
                const char *url,
                const char *type,
                const char *length)
{
  gboolean torrent;

  if (!usable_url (url))
    return;
  torrent = g_strcmp0 (type, "application/x-bittorrent") == 0 || is_magnet (url) || ends_in_torrent (url);
  /* A torrent enclosure wins over one of another type (a podcast's audio). */
  if (f->enclosure != NULL && (f->enclosure_is_torrent || !torrent))
    return;
  g_free (f->enclosure);
  f->enclosure = g_strdup (url);
  f->enclosure_is_torrent = torrent;
  if (torrent && length != NULL)
    f->size = parse_length (length);
}

/* The torrent namespace fields, wherever their namespace is declared:
 * ezRSS's torrent:, nyaa:, and the look-alikes of other trackers. */
static gboolean
read_torrent_namespace (ItemFields *f,
                        xmlNode    *c)
{
  if (c->ns == NULL)
    return FALSE;
  if (name_is (c, "magnetURI"))
    {
      take (&f->magnet, node_text (c));
      return TRUE;
    }
  if (name_is (c, "infoHash"))
    {
      g_autofree char *text = node_text (c);

      take (&f->info_hash, shoal_feed_info_hash_normalize (text));
      return TRUE;
    }
  if (name_is (c, "contentLength"))
    {
      g_autofree char *text = node_text (c);

      if (f->size == 0)
        f->size = parse_length (text);
      return TRUE;
    }
  if (name_is (c, "size") && c->ns->prefix != NULL && strcmp ((const char *) c->ns->prefix, "nyaa") == 0)
    {
      g_autofree char *text = node_text (c);

      if (f->size == 0)
        f->size = parse_size (text);
      return TRUE;
    }
  return FALSE;
}

static void
read_rss_item (xmlNode    *item,
               ItemFields *f)
{
  g_autofree char *about = node_attr (item, "about");

  if (about != NULL && *about != '\0')
    take (&f->id, g_steal_pointer (&about));
  for (xmlNode *c = item->children; c != NULL; c = c->next)
    {
      if (c->type != XML_ELEMENT_NODE)
        continue;
      if (read_torrent_namespace (f, c))
        continue;
      if (name_is (c, "title") && !ns_is (c, NS_DC))
        take (&f->title, node_text (c));
      else if (name_is (c, "link"))
        take (&f->link, node_text (c));
      else if (name_is (c, "guid"))
        take (&f->guid, node_text (c));
      else if (name_is (c, "description"))
        take (&f->description, node_text (c));
      else if (name_is (c, "pubDate") || (name_is (c, "date") && ns_is (c, NS_DC)))
        {
          g_autofree char *text = node_text (c);

          if (f->date == 0 && text != NULL)
            f->date = shoal_feed_parse_date (text);
        }
      else if (name_is (c, "enclosure"))
        {
          g_autofree char *url = node_attr (c, "url");
          g_autofree char *type = node_attr (c, "type");
          g_autofree char *length = node_attr (c, "length");

          read_enclosure (f, url, type, length);
        }
    }
}

static void
read_atom_entry (xmlNode    *entry,
                 ItemFields *f)
{
  for (xmlNode *c = entry->children; c != NULL; c = c->next)
    {
      if (c->type != XML_ELEMENT_NODE)
        continue;
      if (read_torrent_namespace (f, c))
        continue;
      if (!ns_is (c, NS_ATOM))
        continue;
      if (name_is (c, "title"))
        take (&f->title, node_text (c));
      else if (name_is (c, "id"))
        take (&f->guid, node_text (c));
      else if (name_is (c, "summary") || name_is (c, "content"))
        take (&f->description, node_text (c));
      else if (name_is (c, "updated") || name_is (c, "published"))
        {
          g_autofree char *text = node_text (c);

          /* published wins over updated */
          if (text != NULL && (f->date == 0 || name_is (c, "published")))
            {
              gint64 date = shoal_feed_parse_date (text);

              if (date != 0)
                f->date = date;
            }
        }
      else if (name_is (c, "link"))
        {
          g_autofree char *href = node_attr (c, "href");
          g_autofree char *rel = node_attr (c, "rel");
          g_autofree char *type = node_attr (c, "type");
          g_autofree char *length = node_attr (c, "length");

          if (g_strcmp0 (rel, "enclosure") == 0)
            read_enclosure (f, href, type, length);
          else if (g_strcmp0 (type, "application/x-bittorrent") == 0 || is_magnet (href) || ends_in_torrent (href))
            read_enclosure (f, href, "application/x-bittorrent", length);
          else if (rel == NULL || g_strcmp0 (rel, "alternate") == 0)
            take (&f->link, g_steal_pointer (&href));
        }
    }
}

/* The torrent of an item, in the order the file's comment gives. */
static char *
pick_torrent (ItemFields *f,
              gboolean    atom)
{
  char *magnet;

  if (f->enclosure != NULL && f->enclosure_is_torrent)
    return g_strdup (f->enclosure);
  if (usable_url (f->magnet) && is_magnet (f->magnet))
    return g_strdup (f->magnet);
  if (usable_url (f->link) && is_magnet (f->link))
    return g_strdup (f->link);
  if (usable_url (f->guid) && is_magnet (f->guid))
    return g_strdup (f->guid);
  if (f->info_hash != NULL)
    {
      g_autofree char *dn = f->title ? g_uri_escape_string (f->title, NULL, FALSE) : NULL;

      return g_strdup_printf ("magnet:?xt=urn:btih:%s%s%s", f->info_hash, dn ? "&dn=" : "", dn ? dn : "");
    }
  magnet = magnet_in_text (f->description);
  if (usable_url (magnet))
    return magnet;
  g_free (magnet);
  if (usable_url (f->link) && (!atom || ends_in_torrent (f->link)))
    return g_strdup (f->link);
  return NULL;
}

static ShoalFeedEntry *
entry_new (const char *id,
           char       *title,
           const char *torrent,
           const char *hash,
           gint64      date,
           guint64     size)
{
  ShoalFeedEntry *e = g_new0 (ShoalFeedEntry, 1);

  e->id = g_strdup (id);
  e->title = g_strdup (title != NULL ? title : "");
  e->torrent_url = g_strdup (torrent);
  e->info_hash = g_strdup (hash);
  e->pub_date = MAX (0, date);
  e->size = size;
  return e;
}

void
shoal_feed_entry_free (ShoalFeedEntry *e)
{
  g_free (e->id);
  g_free (e->title);
  g_free (e->torrent_url);
  g_free (e->info_hash);
  g_free (e);
}

static ShoalFeedEntry *
make_item (ItemFields *f,
           gboolean    atom)
{
  g_autofree char *torrent = pick_torrent (f, atom);
  g_autofree char *hash = NULL;
  const char *id;

  if (f->info_hash != NULL)
    hash = g_strdup (f->info_hash);
  else if (is_magnet (torrent))
    hash = magnet_info_hash (torrent);

  id = f->guid ? f->guid : f->id ? f->id : f->link ? f->link : torrent ? torrent : f->title;
  if (id == NULL)
    return NULL;  /* nothing to know it by, nor to show */
  if (strlen (id) > SHOAL_FEED_MAX_ID)
    {
      g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, id, -1);
      g_autofree char *long_id = g_strconcat ("sha256:", digest, NULL);

      return entry_new (long_id, clean_title (f->title), torrent, hash, f->date, f->size);
    }
  return entry_new (id, clean_title (f->title), torrent, hash, f->date, f->size);
}

static guint
parse_ttl (xmlNode *channel)
{
  guint ttl = 0;
  guint64 frequency = 1;
  guint period = 0;

  for (xmlNode *c = channel->children; c != NULL; c = c->next)
    {
      g_autofree char *text = NULL;
      guint64 v;

      if (c->type != XML_ELEMENT_NODE)
        continue;
      if (name_is (c, "ttl") && c->ns == NULL)
        {
          text = node_text (c);
          if (text != NULL && g_ascii_string_to_unsigned (text, 10, 0, MAX_TTL / 60, &v, NULL))
            ttl = (guint) v * 60;
        }
      else if (name_is (c, "updatePeriod") && ns_is (c, NS_SY))
        {
          text = node_text (c);
          if (g_strcmp0 (text, "hourly") == 0)
            period = 3600;
          else if (g_strcmp0 (text, "daily") == 0)
            period = 24 * 3600;
          else if (g_strcmp0 (text, "weekly") == 0 || g_strcmp0 (text, "monthly") == 0 ||
                   g_strcmp0 (text, "yearly") == 0)
            period = MAX_TTL;
        }
      else if (name_is (c, "updateFrequency") && ns_is (c, NS_SY))
        {
          text = node_text (c);
          if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 1, 100000, &frequency, NULL))
            frequency = 1;
        }
    }
  if (period > 0)
    ttl = MAX (ttl, (guint) (period / frequency));
  return MIN (ttl, MAX_TTL);
}

static gboolean
add_item (ShoalFeedDocument *doc,
          ItemFields        *f,
          gboolean           atom,
          GError           **error)
{
  ShoalFeedEntry *item;

  if (doc->items->len >= SHOAL_FEED_MAX_ITEMS)
    {
      g_set_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_TOO_MANY_ITEMS,
                   "The feed has more than %d items; Shoal does not read feeds that long",
                   SHOAL_FEED_MAX_ITEMS);
      return FALSE;
    }
  item = make_item (f, atom);
  if (item != NULL)
    g_ptr_array_add (doc->items, item);
  return TRUE;
}

/* A feed's own links: its address (atom:link rel="self", in Atom or in an
 * RSS channel) and its site (the RSS channel's link, Atom's alternate
 * link). Only http(s) URLs; the first of each wins. */
static void
read_feed_link (ShoalFeedDocument *doc,
                xmlNode           *link)
{
  if (ns_is (link, NS_ATOM))
    {
      g_autofree char *href = node_attr (link, "href");
      g_autofree char *rel = node_attr (link, "rel");

      if (href == NULL || !usable_url (href) || !is_http (href))
        return;
      if (g_strcmp0 (rel, "self") == 0 && doc->self_url == NULL)
        doc->self_url = g_steal_pointer (&href);
      else if ((rel == NULL || g_strcmp0 (rel, "alternate") == 0) && doc->link == NULL)
        doc->link = g_steal_pointer (&href);
    }
  else if (doc->link == NULL)
    {
      g_autofree char *text = node_text (link);

      if (text != NULL)
        g_strstrip (text);
      if (text != NULL && usable_url (text) && is_http (text))
        doc->link = g_steal_pointer (&text);
    }
}

static gboolean
read_rss (ShoalFeedDocument *doc,
          xmlNode           *root,
          GError           **error)
{
  gboolean rdf = ns_is (root, NS_RDF);

  for (xmlNode *n = root->children; n != NULL; n = n->next)
    {
      if (name_is (n, "channel"))
        {
          for (xmlNode *c = n->children; c != NULL; c = c->next)
            {
              if (name_is (c, "title") && doc->title == NULL)
                doc->title = clean_title (node_text (c));
              else if (name_is (c, "link"))
                read_feed_link (doc, c);
              else if (name_is (c, "item") && !rdf)
                {
                  g_auto(ItemFields) f = { 0 };

                  read_rss_item (c, &f);
                  if (!add_item (doc, &f, FALSE, error))
                    return FALSE;
                }
            }
          doc->ttl_seconds = parse_ttl (n);
        }
      else if (name_is (n, "item") && rdf)
        {
          g_auto(ItemFields) f = { 0 };

          read_rss_item (n, &f);
          if (!add_item (doc, &f, FALSE, error))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
read_atom (ShoalFeedDocument *doc,
           xmlNode           *root,
           GError           **error)
{
  for (xmlNode *n = root->children; n != NULL; n = n->next)
    {
      if (!ns_is (n, NS_ATOM))
        continue;
      if (name_is (n, "title") && doc->title == NULL)
        doc->title = clean_title (node_text (n));
      else if (name_is (n, "link"))
        read_feed_link (doc, n);
      else if (name_is (n, "entry"))
        {
          g_auto(ItemFields) f = { 0 };

          read_atom_entry (n, &f);
          if (!add_item (doc, &f, TRUE, error))
            return FALSE;
        }
    }
  return TRUE;
}

/* An HTML page (a login page, an error page, a site's front page) is the
 * most common thing a wrong feed URL gives: say so rather than report a
 * parse error of HTML as XML. */
static gboolean
looks_like_html (const char *data,
                 gsize       len)
{
  g_autofree char *head = g_ascii_strdown (data, MIN (len, 1024));

  return strstr (head, "<!doctype html") != NULL || strstr (head, "<html") != NULL;
}

/* libxml2 reports some errors (the input's encoding) through its generic
 * handler, which prints to stderr whatever XML_PARSE_NOERROR says: the
 * parse's result says what went wrong. */
static void
ignore_error_cb (void       *ctx,
                 const char *msg,
                 ...)
{
}

static void
init_libxml (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      xmlInitParser ();
      g_once_init_leave (&once, 1);
    }
}

/**
 * shoal_feed_parse:
 * @data: the feed's bytes
 * @len: their length
 * @error: return location for a #ShoalFeedError
 *
 * Reads RSS 2.0 (and 0.9x), RSS 1.0 (RDF) and Atom 1.0. May run in any
 * thread.
 *
 * Returns: (transfer full): the feed's title, items and time to live, or
 *   %NULL with @error set
 */
ShoalFeedDocument *
shoal_feed_parse (const char  *data,
                  gsize        len,
                  GError     **error)
{
  g_autoptr(ShoalFeedDocument) doc = NULL;
  xmlParserCtxtPtr ctxt;
  xmlDocPtr xml;
  xmlNode *root;
  gboolean ok;

  if (len > SHOAL_FEED_MAX_BYTES || len > G_MAXINT)
    {
      g_set_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_TOO_LARGE,
                   "The feed is larger than %" G_GUINT64_FORMAT " MB; Shoal does not read feeds that large",
                   SHOAL_FEED_MAX_BYTES / 1000000);
      return NULL;
    }
  init_libxml ();
  /* the handler is per thread: set it in the one that parses */
  xmlSetGenericErrorFunc (NULL, ignore_error_cb);
  ctxt = xmlNewParserCtxt ();
  if (ctxt == NULL)
    {
      g_set_error_literal (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_MALFORMED, "Out of memory reading the feed");
      return NULL;
    }
  xml = xmlCtxtReadMemory (ctxt, data, (int) len, NULL, NULL,
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
  if (xml == NULL)
    {
      if (looks_like_html (data, len))
        g_set_error_literal (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_NOT_A_FEED,
                             "This is a web page (HTML), not a feed: look on the page for its RSS or Atom link");
      else
        {
          /* libxml2 quotes the input's bytes in its messages */
          g_autofree char *message = g_utf8_make_valid (ctxt->lastError.message ? ctxt->lastError.message
                                                                                : "unknown error", -1);

          g_set_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_MALFORMED,
                       "The feed is not well-formed XML (line %d: %s)", ctxt->lastError.line,
                       g_strstrip (message));
        }
      xmlFreeParserCtxt (ctxt);
      return NULL;
    }
  xmlFreeParserCtxt (ctxt);

  /* Entities are not substituted while parsing, but reading an element's
   * text would expand them, nested ones too: a feed has no use for them. */
  if (xml->intSubset != NULL && xml->intSubset->entities != NULL)
    {
      g_set_error_literal (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_MALFORMED,
                           "The feed declares XML entities of its own, which Shoal does not read");
      xmlFreeDoc (xml);
      return NULL;
    }

  doc = g_new0 (ShoalFeedDocument, 1);
  doc->items = g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_feed_entry_free);
  root = xmlDocGetRootElement (xml);
  if (root != NULL && name_is (root, "rss"))
    ok = read_rss (doc, root, error);
  else if (root != NULL && name_is (root, "RDF") && ns_is (root, NS_RDF))
    ok = read_rss (doc, root, error);
  else if (root != NULL && name_is (root, "feed") && ns_is (root, NS_ATOM))
    ok = read_atom (doc, root, error);
  else
    {
      if (root != NULL && g_ascii_strcasecmp ((const char *) root->name, "html") == 0)
        g_set_error_literal (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_NOT_A_FEED,
                             "This is a web page (HTML), not a feed: look on the page for its RSS or Atom link");
      else
        {
          g_autofree char *name = g_utf8_make_valid (root != NULL ? (const char *) root->name : "none", -1);

          if (strlen (name) > 64)
            *g_utf8_find_prev_char (name, name + 64) = '\0';

          g_set_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_NOT_A_FEED,
                       "This XML document is not an RSS or Atom feed (its root element is “%s”)", name);
        }
      ok = FALSE;
    }
  xmlFreeDoc (xml);
  if (!ok)
    return NULL;
  return g_steal_pointer (&doc);
}

void
shoal_feed_document_free (ShoalFeedDocument *doc)
{
  if (doc == NULL)
    return;
  g_free (doc->title);
  g_free (doc->self_url);
  g_free (doc->link);
  g_clear_pointer (&doc->items, g_ptr_array_unref);
  g_free (doc);
}

/* RFC 822 (RSS) zones by name; others count as UTC. */
static int
zone_offset (const char *zone)
{
  static const struct { const char *name; int minutes; } zones[] = {
    { "UT", 0 }, { "GMT", 0 }, { "Z", 0 }, { "UTC", 0 },
    { "EST", -300 }, { "EDT", -240 }, { "CST", -360 }, { "CDT", -300 },
    { "MST", -420 }, { "MDT", -360 }, { "PST", -480 }, { "PDT", -420 },
  };

  if ((zone[0] == '+' || zone[0] == '-') && strlen (zone) >= 5 &&
      g_ascii_isdigit (zone[1]) && g_ascii_isdigit (zone[2]) && g_ascii_isdigit (zone[3]) && g_ascii_isdigit (zone[4]))
    {
      int hours = (zone[1] - '0') * 10 + (zone[2] - '0');
      int minutes = (zone[3] - '0') * 10 + (zone[4] - '0');

      return (zone[0] == '-' ? -1 : 1) * (hours * 60 + minutes);
    }
  for (guint i = 0; i < G_N_ELEMENTS (zones); i++)
    if (g_ascii_strcasecmp (zone, zones[i].name) == 0)
      return zones[i].minutes;
  return 0;
}

/**
 * shoal_feed_parse_date:
 * @text: an RFC 822 date (RSS: "Tue, 10 Jun 2003 04:00:00 GMT") or an
 *   RFC 3339 one (Atom, dc:date: "2003-12-13T18:30:02Z")
 *
 * Returns: seconds since the epoch, or 0 when @text is neither
 */
gint64
shoal_feed_parse_date (const char *text)
{
  static const char * const months[] = { "jan", "feb", "mar", "apr", "may", "jun",
                                         "jul", "aug", "sep", "oct", "nov", "dec" };
  g_autoptr(GDateTime) dt = NULL;
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_auto(GStrv) parts = NULL;
  guint n, first = 0, day, year, hour = 0, minute = 0;
  double second = 0;
  int month = -1, offset = 0;

  if (text == NULL || strlen (text) > 64)
    return 0;
  dt = g_date_time_new_from_iso8601 (text, utc);
  if (dt != NULL)
    return g_date_time_to_unix (dt);

  parts = g_strsplit_set (text, " \t", -1);
  n = g_strv_length (parts);
  {
    /* Drop the empty strings of repeated spaces. */
    guint j = 0;

    for (guint i = 0; i < n; i++)
      if (*parts[i] != '\0')
        parts[j++] = parts[i];
      else
        g_free (parts[i]);
    parts[j] = NULL;
    n = j;
  }
  if (n > 0 && g_str_has_suffix (parts[0], ","))
    first = 1;
  if (n < first + 4)
    return 0;
  day = (guint) g_ascii_strtoull (parts[first], NULL, 10);
  for (guint i = 0; i < 12; i++)
    if (g_ascii_strncasecmp (parts[first + 1], months[i], 3) == 0)
      month = (int) i + 1;
  year = (guint) g_ascii_strtoull (parts[first + 2], NULL, 10);
  if (year < 100)
    year += year < 70 ? 2000 : 1900;
  if (sscanf (parts[first + 3], "%u:%u:%lf", &hour, &minute, &second) < 2)
    return 0;
  if (n > first + 4)
    offset = zone_offset (parts[first + 4]);
  if (month < 0 || day < 1 || day > 31 || year > 9999 || hour > 23 || minute > 59 || !(second >= 0 && second < 61))
    return 0;
  g_clear_pointer (&dt, g_date_time_unref);
  dt = g_date_time_new (utc, (gint) year, month, (gint) day, (gint) hour, (gint) minute, MIN (second, 59.0));
  if (dt == NULL)
    return 0;
  return g_date_time_to_unix (dt) - (gint64) offset * 60;
}
