/* shoal-magnet.c: magnet links (BEP 9, BEP 53; v2 links from BEP 52)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A magnet link is untrusted text pasted by a user or handed over by a web
 * browser, so every count and length is bounded and every malformed piece is
 * a GError rather than something silently skipped: a link that we cannot
 * fully understand should say so, not start a download of something else.
 *
 * Decoding choices:
 *  - Keys and values are percent-decoded as RFC 3986 says. A '+' stays a
 *    '+' everywhere except in dn=, where it is decoded as a space: tracker
 *    and web seed URLs use '+' literally, while display names produced by
 *    form-encoding (which many sites do) use it for spaces. shoal_magnet_to_uri()
 *    escapes a literal '+' as %2B, so a name containing one round-trips.
 *  - Keys are matched case-insensitively; BEP 9's numeric suffixes
 *    (xt.1, tr.2) are dropped, so xt.1 is just another xt. Two different
 *    info-hashes therefore conflict even when they carry different suffixes.
 *  - Unknown keys and xt URNs other than btih/btmh are ignored.
 *  - The first non-empty dn= wins; empty tr=, ws= and dn= are ignored.
 */
#include "config.h"

#include <string.h>

#include "shoal-hash.h"
#include "shoal-magnet.h"

#define BTIH_PREFIX "urn:btih:"
#define BTMH_PREFIX "urn:btmh:"
#define URN_PREFIX_LEN 9 /* both prefixes have the same length */

/* The RFC 1035 limits on a host name and on each of its labels. */
#define MAX_HOSTNAME_LEN 253
#define MAX_LABEL_LEN    63

struct _ShoalMagnet
{
  GObject    parent_instance;

  guint8     info_hash_v1[SHOAL_SHA1_LEN];
  guint8     info_hash_v2[SHOAL_SHA256_LEN];
  gboolean   has_v1;
  gboolean   has_v2;

  char      *display_name;
  GPtrArray *trackers;    /* NULL-terminated, unique, in link order */
  GPtrArray *web_seeds;   /* NULL-terminated, unique, in link order */
  GPtrArray *peers;       /* NULL-terminated, unique, canonical host:port */
  GArray    *select_only; /* of ShoalMagnetRange; NULL when there is no so= */
};

G_DEFINE_FINAL_TYPE (ShoalMagnet, shoal_magnet, G_TYPE_OBJECT)

G_DEFINE_QUARK (shoal-magnet-error-quark, shoal_magnet_error)

static void
shoal_magnet_finalize (GObject *object)
{
  ShoalMagnet *self = SHOAL_MAGNET (object);

  g_clear_pointer (&self->display_name, g_free);
  g_clear_pointer (&self->trackers, g_ptr_array_unref);
  g_clear_pointer (&self->web_seeds, g_ptr_array_unref);
  g_clear_pointer (&self->peers, g_ptr_array_unref);
  g_clear_pointer (&self->select_only, g_array_unref);

  G_OBJECT_CLASS (shoal_magnet_parent_class)->finalize (object);
}

static void
shoal_magnet_class_init (ShoalMagnetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = shoal_magnet_finalize;
}

static void
shoal_magnet_init (ShoalMagnet *self)
{
  self->trackers = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  self->web_seeds = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  self->peers = g_ptr_array_new_null_terminated (0, g_free, TRUE);
}

/* RFC 3986 section 2.3: the only characters that never need escaping. */
static gboolean
is_unreserved (guchar c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/**
 * shoal_magnet_escape_value:
 * @value: a NUL-terminated string (any bytes, usually UTF-8)
 *
 * Percent-encodes @value for use as a magnet query value. Everything but
 * the RFC 3986 unreserved characters is escaped, including '&', '=', '+',
 * '%' and the reserved URL characters, so that a tracker URL with its own
 * query string survives being nested inside tr= unchanged.
 *
 * Returns: (transfer full): the escaped value
 */
char *
shoal_magnet_escape_value (const char *value)
{
  static const char digits[] = "0123456789ABCDEF";
  GString *out;

  g_return_val_if_fail (value != NULL, NULL);

  out = g_string_sized_new (strlen (value) + 1);
  for (const guchar *p = (const guchar *) value; *p != '\0'; p++)
    {
      if (is_unreserved (*p))
        {
          g_string_append_c (out, (char) *p);
        }
      else
        {
          g_string_append_c (out, '%');
          g_string_append_c (out, digits[*p >> 4]);
          g_string_append_c (out, digits[*p & 0xf]);
        }
    }
  return g_string_free (out, FALSE);
}

/* Decodes text[0..len) into a new NUL-terminated string whose real length
 * (it may contain NUL bytes) goes to @out_len. @offset is where @text starts
 * in the whole link, for error messages. */
static char *
percent_decode (const char  *text,
                gsize        len,
                gboolean     plus_is_space,
                gsize        offset,
                gsize       *out_len,
                GError     **error)
{
  g_autoptr(GString) out = g_string_sized_new (len + 1);

  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (c == '%')
        {
          int hi = len - i >= 3 ? g_ascii_xdigit_value (text[i + 1]) : -1;
          int lo = len - i >= 3 ? g_ascii_xdigit_value (text[i + 2]) : -1;

          if (hi < 0 || lo < 0)
            {
              g_set_error (error, SHOAL_MAGNET_ERROR, SHOAL_MAGNET_ERROR_BAD_ESCAPE,
                           "Invalid percent escape at position %" G_GSIZE_FORMAT
                           " of the magnet link (expected “%%” and two hexadecimal digits)",
                           offset + i);
              return NULL;
            }
          g_string_append_c (out, (char) (hi << 4 | lo));
          i += 2;
        }
      else if (c == '+' && plus_is_space)
        {
          g_string_append_c (out, ' ');
        }
      else
        {
          g_string_append_c (out, c);
        }
    }
  *out_len = out->len;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Values that end up shown to the user or handed to other code as C strings
 * must be UTF-8 and must not be cut short by an embedded NUL. */
static gboolean
check_text (const char  *key,
            const char  *value,
            gsize        len,
            gsize        offset,
            GError     **error)
{
  if (memchr (value, '\0', len) != NULL)
    {
      g_set_error (error, SHOAL_MAGNET_ERROR, SHOAL_MAGNET_ERROR_BAD_PARAMETER,
                   "The %s= value at position %" G_GSIZE_FORMAT " of the magnet link "
                   "contains a NUL character (%%00)", key, offset);
      return FALSE;
    }
  if (!g_utf8_validate (value, (gssize) len, NULL))
    {
      g_set_error (error, SHOAL_MAGNET_ERROR, SHOAL_MAGNET_ERROR_BAD_PARAMETER,
                   "The %s= value at position %" G_GSIZE_FORMAT " of the magnet link "
                   "is not valid UTF-8", key, offset);
      return FALSE;
    }
  return TRUE;
}

/* Appends @value unless already present. Returns FALSE (with @error set)
 * when that would exceed @max entries. */
static gboolean
add_unique (GPtrArray   *array,
            const char  *value,
            guint        max,
            const char  *what,
            GError     **error)
{
  for (guint i = 0; i < array->len; i++)
    if (strcmp (g_ptr_array_index (array, i), value) == 0)
      return TRUE;

  if (array->len >= max)
    {
      g_set_error (error, SHOAL_MAGNET_ERROR, SHOAL_MAGNET_ERROR_TOO_MANY,
                   "Magnet link has more than %u %s", max, what);
      return FALSE;
    }
  g_ptr_array_add (array, g_strdup (value));
  return TRUE;
}

static gboolean
parse_exact_topic (ShoalMagnet  *self,
                   const char   *value,
                   gsize         len,
                   gsize         offset,
                   GError      **error)
{
  const char *hash;
  gsize hash_len;

  if (len < URN_PREFIX_LEN)
    return TRUE;
  hash = value + URN_PREFIX_LEN;
  hash_len = len - URN_PREFIX_LEN;

  if (g_ascii_strncasecmp (value, BTIH_PREFIX, URN_PREFIX_LEN) == 0)
    {
      guint8 v1[SHOAL_SHA1_LEN];
      gboolean ok = FALSE;

      if (hash_len == 2 * SHOAL_SHA1_LEN)
        ok = shoal_hex_decode (hash, hash_len, v1, sizeof v1);
      else if (hash_len == (SHOAL_SHA1_LEN * 8 + 4) / 5)
        ok = shoal_base32_decode (hash, hash_len, v1, sizeof v1);

      if (!ok)
        {
          g_set_error (error, SHOAL_MAGNET_ERROR, SHOAL_MAGNET_ERROR_BAD_INFO_HASH,
                       "Invalid BitTorrent info-hash at position %" G_GSIZE_FORMAT
                       " of the magnet link: expected 40 hexadecimal or 32 base32 "
                       "characters after “xt=urn:btih:”", offset);
          return FALSE;
        }
      if (self->has_v1 && memcmp (self->info_hash_v1, v1, sizeof v1) != 0)
        {
          g_set_error_literal (error, SHOAL_MAGNET_ERROR, SHOAL_MAGNET_ERROR_CONFLICTING_HASHES,
                               "Magnet link names two different BitTorrent info-hashes "
                               "(xt=urn:btih:…); it must describe a single torrent");
          return FALSE;
        }
      memcpy (self->info_hash_v1, v1, sizeof v1);
      self->has_v1 = TRUE;
    }
  else if (g_ascii_strncasecmp (value, BTMH_PREFIX, URN_PREFIX_LEN) == 0)
    {
      guint8 v2[SHOAL_SHA256_LEN];
      guint8 code[2];

      /* A multihash starts with the hash function code and the digest
       * length; BEP 52 only uses SHA-256 (0x12) with 32 bytes (0x20). */
      if (hash_len < 4 || !shoal_hex_decode (hash, 4, code, sizeof code)
          || code[0] != 0x12 || code[1] != SHOAL_SHA256_LEN)
        {
          g_set_error (error, SHOAL_MAGNET_ERROR, SHOAL_MAGNET_ERROR_BAD_INFO_HASH,
                       "Unsupported multihash at position %" G_GSIZE_FORMAT
                       " of the magnet link: BitTorrent v2 info-hashes "
                       "(xt=urn:btmh:…) must be SHA-256, starting with “1220”", offset);
          return FALSE;
        }
      if (!shoal_hex_decode (hash + 4, hash_len - 4, v2, sizeof v2))
        {
          g_set_error (error, SHOAL_MAGNET_ERROR, SHOAL_MAGNET_ERROR_BAD_INFO_HASH,
                       "Invalid BitTorrent v2 info-hash at position %" G_GSIZE_FORMAT
                       " of the magnet link: expected “1220” and 64 hexadecimal "
                       "characters after “xt=urn:btmh:”", offset);
          return FALSE;
        }
      if (self->has_v2 && memcmp (self->info_hash_v2, v2, sizeof v2) != 0)
        {
          g_set_error_literal (error, SHOAL_MAGNET_ERROR, SHOAL_MAGNET_ERROR_CONFLICTING_HASHES,
                               "Magnet link names two different BitTorrent v2 info-hashes "
                               "(xt=urn:btmh:…); it must describe a single torrent");
          return FALSE;
        }
      memcpy (self->info_hash_v2, v2, sizeof v2);
      self->has_v2 = TRUE;
    }
  return TRUE;
}

/* A DNS name in ASCII: dot-separated labels of letters, digits and inner
 * hyphens. A last label made only of digits is refused, because that is a
 * mistyped IPv4 address ("256.1.1.1", "1.2.3") rather than a name. */
static gboolean
is_valid_hostname (const char *host)
{
  gsize len = strlen (host);
  gsize label_len = 0;
  gboolean label_all_digits = TRUE;

  if (len == 0 || len > MAX_HOSTNAME_LEN)
    return FALSE;

  for (gsize i = 0; i <= len; i++)
    {
      char c = host[i];

      if (c == '.' || c == '\0')
        {
          if (label_len == 0 || label_len > MAX_LABEL_LEN
              || host[i - 1] == '-' || host[i - label_len] == '-')
            return FALSE;
          if (c == '\0')
            return !label_all_digits;
          label_len = 0;
          label_all_digits = TRUE;
        }
      else if (g_ascii_isalnum (c) || c == '-')
        {
          label_len++;
          if (!g_ascii_isdigit (c))
            label_all_digits = FALSE;
        }
      else
        {
          return FALSE;
        }
    }
  g_assert_not_reached ();
}

static gboolean
parse_port (const char *text,
            guint      *port)
{
  guint value = 0;
  gsize i;

  for (i = 0; text[i] != '\0'; i++)
    {
      if (!g_ascii_isdigit (text[i]) || i >= 5)
        return FALSE;
      value = value * 10 + (guint) (text[i] - '0');
    }
  if (i == 0 || value == 0 || value > G_MAXUINT16)
    return FALSE;
  *port = value;
  return TRUE;
}

/* Parses an x.pe= peer address into canonical "host:port" or "[v6]:port"
 * form, so that the same peer written twice is kept once. */
static char *
parse_peer (const char  *value,
            gsize        offset,
            GError     **error)
{
  g_autofree char *host = NULL;
  const char *port_text = NULL;
  const char *problem = NULL;
  gboolean bracketed = FALSE;
  guint port = 0;

  if (value[0] == '[')
    {
      const char *close = strchr (value, ']');

      if (close == NULL)
        problem = "an IPv6 address must end with “]”";
      else if (close[1] != ':')
        problem = "the port is missing";
      else
        {
          host = g_strndup (value + 1, (gsize) (close - value - 1));
          port_text = close + 2;
          bracketed = TRUE;
          /* A scope (%eth0) only means something on the sender's machine. */
          if (strchr (host, ':') == NULL || strchr (host, '%') != NULL
              || !g_hostname_is_ip_address (host))
            problem = "the part in brackets is not an IPv6 address";
        }
    }
  else
    {
      const char *colon = strrchr (value, ':');

      if (colon == NULL)
        problem = "the port is missing";
      else
        {
          host = g_strndup (value, (gsize) (colon - value));
          port_text = colon + 1;
          if (strchr (host, ':') != NULL)
            problem = "an IPv6 address must be written in brackets, as in “[2001:db8::1]:6881”";
          else if (g_hostname_is_ip_address (host))
            ;
          else if (g_hostname_is_non_ascii (host))
            {
              /* Store the ASCII (punycode) form that resolvers take. */
              char *ascii = g_hostname_to_ascii (host);

              g_free (host);
              host = ascii;
              if (host == NULL || !is_valid_hostname (host))
                problem = "the host is not a valid name or address";
            }
          else if (!is_valid_hostname (host))
            problem = "the host is not a valid name or address";
        }
    }

  if (problem == NULL && !parse_port (port_text, &port))
    problem = "the port must be a number from 1 to 65535";

  if (problem != NULL)
    {
      g_set_error (error, SHOAL_MAGNET_ERROR, SHOAL_MAGNET_ERROR_BAD_PEER,
                   "Invalid peer address (x.pe=) at position %" G_GSIZE_FORMAT
                   " of the magnet link: %s", offset, problem);
      return NULL;
    }
  return bracketed ? g_strdup_printf ("[%s]:%u", host, port)
                   : g_strdup_printf ("%s:%u", host, port);
}

static gboolean
parse_index (const char **p,
             const char  *end,
             guint32     *out)
{
  guint64 value = 0;
  const char *start = *p;

  while (*p < end && g_ascii_isdigit (**p))
    {
      value = value * 10 + (guint64) (**p - '0');
      if (value > G_MAXUINT32)
        return FALSE;
      (*p)++;
    }
  if (*p == start)
    return FALSE;
  *out = (guint32) value;
  return TRUE;
}

/* BEP 53: so=0,2,4-6 — file indexes and inclusive ranges. */
static gboolean
parse_select_only (ShoalMagnet  *self,
                   const char   *value,
                   gsize         len,
                   gsize         offset,
                   GError      **error)
{
  const char *p = value;
  const char *end = value + len;
  const char *problem = NULL;

  if (self->select_only == NULL)
    self->select_only = g_array_new (FALSE, FALSE, sizeof (ShoalMagnetRange));

  while (problem == NULL)
    {
      ShoalMagnetRange range;

      if (!parse_index (&p, end, &range.first))
        {
          problem = "expected a file index (a number that fits in 32 bits)";
          break;
        }
      range.last = range.first;
      if (p < end && *p == '-')
        {
          p++;
          if (!parse_index (&p, end, &range.last))
            problem = "expected a file index (a number that fits in 32 bits) after “-”";
          else if (range.last < range.first)
            problem = "a range ends before it starts";
          if (problem != NULL)
            break;
        }
      if (self->select_only->len >= SHOAL_MAGNET_MAX_SELECT_RANGES)
        {
          g_set_error (error, SHOAL_MAGNET_ERROR, SHOAL_MAGNET_ERROR_TOO_MANY,
                       "Magnet link selects more than %u files or ranges (so=)",
                       (guint) SHOAL_MAGNET_MAX_SELECT_RANGES);
          return FALSE;
        }
      g_array_append_val (self->select_only, range);

      if (p == end)
        return TRUE;
      if (*p != ',')
        problem = "indexes and ranges must be separated by “,”";
      p++;
    }

  g_set_error (error, SHOAL_MAGNET_ERROR, SHOAL_MAGNET_ERROR_BAD_SELECT_ONLY,
               "Invalid file selection (so=) at position %" G_GSIZE_FORMAT
               " of the magnet link: %s; the form is like “0,2,4-6”", offset, problem);
  return FALSE;
}

/* Drops a BEP 9 numeric suffix: "tr.2" → "tr", "x.pe.1" → "x.pe". */
static void
strip_numeric_suffix (char *key)
{
  char *dot = strrchr (key, '.');

  if (dot == NULL || dot[1] == '\0')
    return;
  for (const char *p = dot + 1; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return;
  *dot = '\0';
}

/* Handles uri[start..end), a non-empty "key=value". */
static gboolean
parse_parameter (ShoalMagnet  *self,
                 const char   *uri,
                 gsize         start,
                 gsize         end,
                 GError      **error)
{
  const char *eq = memchr (uri + start, '=', end - start);
  g_autofree char *key = NULL;
  g_autofree char *value = NULL;
  gsize key_len;
  gsize value_len;
  gsize value_offset;
  gboolean is_dn;

  if (eq == NULL)
    {
      g_set_error (error, SHOAL_MAGNET_ERROR, SHOAL_MAGNET_ERROR_BAD_PARAMETER,
                   "The parameter at position %" G_GSIZE_FORMAT " of the magnet link "
                   "has no “=” (expected key=value)", start);
      return FALSE;
    }
  value_offset = (gsize) (eq - uri) + 1;

  key = percent_decode (uri + start, (gsize) (eq - uri) - start, FALSE, start, &key_len, error);
  if (key == NULL)
    return FALSE;
  /* A NUL inside the key just makes it an unknown key. */
  strip_numeric_suffix (key);
  is_dn = g_ascii_strcasecmp (key, "dn") == 0;

  value = percent_decode (eq + 1, end - value_offset, is_dn, value_offset, &value_len, error);
  if (value == NULL)
    return FALSE;

  if (g_ascii_strcasecmp (key, "xt") == 0)
    return parse_exact_topic (self, value, value_len, value_offset, error);

  if (is_dn)
    {
      if (!check_text ("dn", value, value_len, value_offset, error))
        return FALSE;
      if (self->display_name == NULL && value_len > 0)
        self->display_name = g_steal_pointer (&value);
      return TRUE;
    }

  if (g_ascii_strcasecmp (key, "tr") == 0)
    {
      if (!check_text ("tr", value, value_len, value_offset, error))
        return FALSE;
      return value_len == 0
             || add_unique (self->trackers, value, SHOAL_MAGNET_MAX_TRACKERS, "trackers (tr=)", error);
    }

  if (g_ascii_strcasecmp (key, "ws") == 0)
    {
      if (!check_text ("ws", value, value_len, value_offset, error))
        return FALSE;
      return value_len == 0
             || add_unique (self->web_seeds, value, SHOAL_MAGNET_MAX_WEB_SEEDS, "web seeds (ws=)", error);
    }

  if (g_ascii_strcasecmp (key, "x.pe") == 0)
    {
      g_autofree char *peer = NULL;

      if (!check_text ("x.pe", value, value_len, value_offset, error))
        return FALSE;
      peer = parse_peer (value, value_offset, error);
      return peer != NULL
             && add_unique (self->peers, peer, SHOAL_MAGNET_MAX_PEERS, "peer addresses (x.pe=)", error);
    }

  if (g_ascii_strcasecmp (key, "so") == 0)
    return parse_select_only (self, value, value_len, value_offset, error);

  return TRUE;
}

/**
 * shoal_magnet_new_from_uri:
 * @uri: a "magnet:?" link
 * @error: return location for a #SHOAL_MAGNET_ERROR
 *
 * Parses a magnet link. The link must name a BitTorrent info-hash, v1
 * (xt=urn:btih:, hex or base32), v2 (xt=urn:btmh:1220…) or both; trackers
 * (tr=), web seeds (ws=), peers (x.pe=), the display name (dn=) and a file
 * selection (so=, BEP 53) are optional. Anything malformed fails the whole
 * link with an error saying where.
 *
 * Returns: (transfer full): the parsed link, or %NULL with @error set
 */
ShoalMagnet *
shoal_magnet_new_from_uri (const char  *uri,
                           GError     **error)
{
  g_autoptr(ShoalMagnet) self = NULL;
  gsize len;
  gsize start;
  guint n_params = 0;

  g_return_val_if_fail (uri != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  len = strnlen (uri, (gsize) SHOAL_MAGNET_MAX_LENGTH + 1);
  if (len > SHOAL_MAGNET_MAX_LENGTH)
    {
      g_set_error (error, SHOAL_MAGNET_ERROR, SHOAL_MAGNET_ERROR_TOO_LONG,
                   "Magnet link is longer than %u bytes", (guint) SHOAL_MAGNET_MAX_LENGTH);
      return NULL;
    }
  if (g_ascii_strncasecmp (uri, "magnet:?", 8) != 0)
    {
      g_set_error_literal (error, SHOAL_MAGNET_ERROR, SHOAL_MAGNET_ERROR_NOT_MAGNET,
                           "Not a magnet link: it must start with “magnet:?”");
      return NULL;
    }

  /* Count first, so that a huge link is refused before any work. */
  for (gsize i = 8; i < len; i++)
    if (uri[i] != '&' && (i + 1 == len || uri[i + 1] == '&'))
      n_params++;
  if (n_params > SHOAL_MAGNET_MAX_PARAMETERS)
    {
      g_set_error (error, SHOAL_MAGNET_ERROR, SHOAL_MAGNET_ERROR_TOO_MANY,
                   "Magnet link has more than %u parameters", (guint) SHOAL_MAGNET_MAX_PARAMETERS);
      return NULL;
    }

  self = g_object_new (SHOAL_TYPE_MAGNET, NULL);
  start = 8;
  while (start <= len)
    {
      const char *amp = memchr (uri + start, '&', len - start);
      gsize end = amp != NULL ? (gsize) (amp - uri) : len;

      if (end > start && !parse_parameter (self, uri, start, end, error))
        return NULL;
      start = end + 1;
    }

  if (!self->has_v1 && !self->has_v2)
    {
      g_set_error_literal (error, SHOAL_MAGNET_ERROR, SHOAL_MAGNET_ERROR_NO_INFO_HASH,
                           "Magnet link has no BitTorrent info-hash "
                           "(xt=urn:btih:… or xt=urn:btmh:…)");
      return NULL;
    }
  return g_steal_pointer (&self);
}

/**
 * shoal_magnet_get_info_hash_v1:
 * @self: a #ShoalMagnet
 *
 * Returns: (nullable) (array fixed-size=20): the v1 (SHA-1) info-hash, or
 *   %NULL for a v2-only link
 */
const guint8 *
shoal_magnet_get_info_hash_v1 (ShoalMagnet *self)
{
  g_return_val_if_fail (SHOAL_IS_MAGNET (self), NULL);

  return self->has_v1 ? self->info_hash_v1 : NULL;
}

/**
 * shoal_magnet_get_info_hash_v2:
 * @self: a #ShoalMagnet
 *
 * Returns: (nullable) (array fixed-size=32): the v2 (SHA-256) info-hash, or
 *   %NULL for a v1-only link
 */
const guint8 *
shoal_magnet_get_info_hash_v2 (ShoalMagnet *self)
{
  g_return_val_if_fail (SHOAL_IS_MAGNET (self), NULL);

  return self->has_v2 ? self->info_hash_v2 : NULL;
}

/**
 * shoal_magnet_get_display_name:
 * @self: a #ShoalMagnet
 *
 * Returns: (nullable): the suggested name (dn=), valid UTF-8, or %NULL
 */
const char *
shoal_magnet_get_display_name (ShoalMagnet *self)
{
  g_return_val_if_fail (SHOAL_IS_MAGNET (self), NULL);

  return self->display_name;
}

static const char * const *
as_strv (GPtrArray *array)
{
  static const char * const empty[] = { NULL };

  /* GLib leaves pdata NULL until the first element is added. */
  return array->pdata != NULL ? (const char * const *) array->pdata : empty;
}

/**
 * shoal_magnet_get_trackers:
 * @self: a #ShoalMagnet
 *
 * Returns: (transfer none) (array zero-terminated=1): the tracker URLs
 *   (tr=), without duplicates, in the order of the link; possibly empty
 */
const char * const *
shoal_magnet_get_trackers (ShoalMagnet *self)
{
  g_return_val_if_fail (SHOAL_IS_MAGNET (self), NULL);

  return as_strv (self->trackers);
}

/**
 * shoal_magnet_get_web_seeds:
 * @self: a #ShoalMagnet
 *
 * Returns: (transfer none) (array zero-terminated=1): the web seed URLs
 *   (ws=), without duplicates, in the order of the link; possibly empty
 */
const char * const *
shoal_magnet_get_web_seeds (ShoalMagnet *self)
{
  g_return_val_if_fail (SHOAL_IS_MAGNET (self), NULL);

  return as_strv (self->web_seeds);
}

/**
 * shoal_magnet_get_peers:
 * @self: a #ShoalMagnet
 *
 * Returns: (transfer none) (array zero-terminated=1): the peer addresses
 *   (x.pe=) as "host:port" or "[v6-address]:port", without duplicates;
 *   possibly empty
 */
const char * const *
shoal_magnet_get_peers (ShoalMagnet *self)
{
  g_return_val_if_fail (SHOAL_IS_MAGNET (self), NULL);

  return as_strv (self->peers);
}

/**
 * shoal_magnet_get_select_only:
 * @self: a #ShoalMagnet
 * @n_ranges: (out): return location for the number of ranges
 *
 * Returns: (nullable) (array length=n_ranges): the file ranges selected by
 *   so= (BEP 53), in the order of the link, or %NULL when the link has no
 *   so= and every file is wanted
 */
const ShoalMagnetRange *
shoal_magnet_get_select_only (ShoalMagnet *self,
                              guint       *n_ranges)
{
  g_return_val_if_fail (SHOAL_IS_MAGNET (self), NULL);
  g_return_val_if_fail (n_ranges != NULL, NULL);

  if (self->select_only == NULL)
    {
      *n_ranges = 0;
      return NULL;
    }
  *n_ranges = self->select_only->len;
  return (const ShoalMagnetRange *) (gpointer) self->select_only->data;
}

/**
 * shoal_magnet_is_file_selected:
 * @self: a #ShoalMagnet
 * @file_index: a file index in the torrent
 *
 * Returns: %TRUE if the link has no so= or if @file_index is in one of its
 *   ranges
 */
gboolean
shoal_magnet_is_file_selected (ShoalMagnet *self,
                               guint        file_index)
{
  g_return_val_if_fail (SHOAL_IS_MAGNET (self), FALSE);

  if (self->select_only == NULL)
    return TRUE;
  for (guint i = 0; i < self->select_only->len; i++)
    {
      const ShoalMagnetRange *range = &g_array_index (self->select_only, ShoalMagnetRange, i);

      if (file_index >= range->first && file_index <= range->last)
        return TRUE;
    }
  return FALSE;
}

static void
append_escaped (GString    *uri,
                const char *key,
                const char *value)
{
  g_autofree char *escaped = shoal_magnet_escape_value (value);

  g_string_append_printf (uri, "&%s=%s", key, escaped);
}

/**
 * shoal_magnet_to_uri:
 * @self: a #ShoalMagnet
 *
 * Writes the link back in canonical form: the v1 hash as lowercase hex,
 * then the v2 hash, dn, each tr, ws and x.pe, and so. Parsing the result
 * gives back an equal #ShoalMagnet.
 *
 * Returns: (transfer full): the magnet link
 */
char *
shoal_magnet_to_uri (ShoalMagnet *self)
{
  GString *uri;

  g_return_val_if_fail (SHOAL_IS_MAGNET (self), NULL);
  g_assert (self->has_v1 || self->has_v2);

  uri = g_string_new ("magnet:?");

  /* Hashes and so= are written bare: their characters need no escaping in
   * a query, and some clients split them before percent-decoding. */
  if (self->has_v1)
    {
      g_autofree char *hex = shoal_hex_encode (self->info_hash_v1, sizeof self->info_hash_v1);

      g_string_append_printf (uri, "xt=" BTIH_PREFIX "%s", hex);
    }
  if (self->has_v2)
    {
      g_autofree char *hex = shoal_hex_encode (self->info_hash_v2, sizeof self->info_hash_v2);

      g_string_append_printf (uri, "%sxt=" BTMH_PREFIX "1220%s", self->has_v1 ? "&" : "", hex);
    }
  if (self->display_name != NULL)
    append_escaped (uri, "dn", self->display_name);
  for (guint i = 0; i < self->trackers->len; i++)
    append_escaped (uri, "tr", g_ptr_array_index (self->trackers, i));
  for (guint i = 0; i < self->web_seeds->len; i++)
    append_escaped (uri, "ws", g_ptr_array_index (self->web_seeds, i));
  for (guint i = 0; i < self->peers->len; i++)
    append_escaped (uri, "x.pe", g_ptr_array_index (self->peers, i));
  if (self->select_only != NULL)
    {
      for (guint i = 0; i < self->select_only->len; i++)
        {
          const ShoalMagnetRange *range = &g_array_index (self->select_only, ShoalMagnetRange, i);

          g_string_append (uri, i == 0 ? "&so=" : ",");
          if (range->first == range->last)
            g_string_append_printf (uri, "%u", range->first);
          else
            g_string_append_printf (uri, "%u-%u", range->first, range->last);
        }
    }
  return g_string_free (uri, FALSE);
}
