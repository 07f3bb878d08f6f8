/* shoal-dht-message.h: KRPC messages of the mainline DHT (BEP 5, BEP 32)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "shoal-compact-addr.h"

G_BEGIN_DECLS

#define SHOAL_DHT_ID_LEN            20
/* BEP 5 leaves transaction ids open; real nodes use 2 to 4 bytes. */
#define SHOAL_DHT_MAX_TID_LEN       16
#define SHOAL_DHT_MAX_TOKEN_LEN     32
#define SHOAL_DHT_MAX_VERSION_LEN   8
#define SHOAL_DHT_MAX_ERROR_MESSAGE 256
/* Payload bytes of the largest datagram read or sent (a typical MTU). */
#define SHOAL_DHT_MAX_DATAGRAM      1500
/* The parser keeps at most this many nodes per family and peers per
 * response: more cannot be meant for us and are ignored. */
#define SHOAL_DHT_MAX_PARSED_NODES  32
#define SHOAL_DHT_MAX_PARSED_VALUES 200
/* A node id then its compact address (BEP 5, BEP 32). */
#define SHOAL_DHT_COMPACT_NODE4_LEN SHOAL_COMPACT_NODE4_LEN
#define SHOAL_DHT_COMPACT_NODE6_LEN SHOAL_COMPACT_NODE6_LEN

#define SHOAL_DHT_MESSAGE_ERROR (shoal_dht_message_error_quark ())

/**
 * ShoalDhtMessageError:
 * @SHOAL_DHT_MESSAGE_ERROR_TOO_LARGE: the datagram is larger than
 *   %SHOAL_DHT_MAX_DATAGRAM bytes
 * @SHOAL_DHT_MESSAGE_ERROR_BENCODE: the datagram is not one bencoded value
 * @SHOAL_DHT_MESSAGE_ERROR_NOT_A_DICT: the message is not a dictionary
 * @SHOAL_DHT_MESSAGE_ERROR_BAD_TRANSACTION: "t" is missing, empty or too long
 * @SHOAL_DHT_MESSAGE_ERROR_BAD_TYPE: "y" is missing or not q, r or e
 * @SHOAL_DHT_MESSAGE_ERROR_MISSING_ARGUMENT: a query lacks "q" or "a", an
 *   argument its method needs, or a response lacks "r"
 * @SHOAL_DHT_MESSAGE_ERROR_BAD_ID: a node id, target or info-hash is not 20
 *   bytes
 * @SHOAL_DHT_MESSAGE_ERROR_BAD_NODES: "nodes" or "nodes6" is not a whole
 *   number of compact node entries
 * @SHOAL_DHT_MESSAGE_ERROR_BAD_VALUES: "values" is not a list of compact
 *   peer addresses
 * @SHOAL_DHT_MESSAGE_ERROR_BAD_PORT: an announced port is out of range
 * @SHOAL_DHT_MESSAGE_ERROR_BAD_TOKEN: a token is empty or too long
 * @SHOAL_DHT_MESSAGE_ERROR_BAD_ERROR: "e" is not a [code, message] list
 */
typedef enum
{
  SHOAL_DHT_MESSAGE_ERROR_TOO_LARGE,
  SHOAL_DHT_MESSAGE_ERROR_BENCODE,
  SHOAL_DHT_MESSAGE_ERROR_NOT_A_DICT,
  SHOAL_DHT_MESSAGE_ERROR_BAD_TRANSACTION,
  SHOAL_DHT_MESSAGE_ERROR_BAD_TYPE,
  SHOAL_DHT_MESSAGE_ERROR_MISSING_ARGUMENT,
  SHOAL_DHT_MESSAGE_ERROR_BAD_ID,
  SHOAL_DHT_MESSAGE_ERROR_BAD_NODES,
  SHOAL_DHT_MESSAGE_ERROR_BAD_VALUES,
  SHOAL_DHT_MESSAGE_ERROR_BAD_PORT,
  SHOAL_DHT_MESSAGE_ERROR_BAD_TOKEN,
  SHOAL_DHT_MESSAGE_ERROR_BAD_ERROR,
} ShoalDhtMessageError;

typedef enum
{
  SHOAL_DHT_MESSAGE_UNKNOWN,  /* not parsed (far enough) */
  SHOAL_DHT_MESSAGE_QUERY,
  SHOAL_DHT_MESSAGE_RESPONSE,
  SHOAL_DHT_MESSAGE_ERROR_REPLY,
} ShoalDhtMessageType;

typedef enum
{
  SHOAL_DHT_METHOD_UNKNOWN,
  SHOAL_DHT_METHOD_PING,
  SHOAL_DHT_METHOD_FIND_NODE,
  SHOAL_DHT_METHOD_GET_PEERS,
  SHOAL_DHT_METHOD_ANNOUNCE_PEER,
} ShoalDhtMethod;

/* KRPC error codes (BEP 5). */
typedef enum
{
  SHOAL_DHT_KRPC_GENERIC_ERROR  = 201,
  SHOAL_DHT_KRPC_SERVER_ERROR   = 202,
  SHOAL_DHT_KRPC_PROTOCOL_ERROR = 203,
  SHOAL_DHT_KRPC_METHOD_UNKNOWN = 204,
} ShoalDhtKrpcError;

/* "want" flags (BEP 32). */
typedef enum
{
  SHOAL_DHT_WANT_NONE = 0,
  SHOAL_DHT_WANT_N4   = 1 << 0,
  SHOAL_DHT_WANT_N6   = 1 << 1,
} ShoalDhtWant;

/**
 * ShoalDhtAddr:
 * @family: 4 or 6
 * @ip: the address in network order (4 or 16 bytes used)
 * @port: the UDP (or TCP, for peers) port in host order
 *
 * A plain address, cheap to copy, compare and hash.
 */
typedef struct
{
  guint8  family;
  guint8  ip[16];
  guint16 port;
} ShoalDhtAddr;

typedef struct
{
  guint8       id[SHOAL_DHT_ID_LEN];
  ShoalDhtAddr addr;
} ShoalDhtNodeInfo;

/**
 * ShoalDhtMessage:
 *
 * One KRPC message. Which fields mean something depends on @type and, for
 * queries, @method; responses carry whatever the sender put in "r", and the
 * caller knows from the transaction which query they answer.
 */
typedef struct
{
  ShoalDhtMessageType type;
  guint8              tid[SHOAL_DHT_MAX_TID_LEN];
  gsize               tid_len;
  char                version[SHOAL_DHT_MAX_VERSION_LEN + 1];
  gboolean            read_only;     /* BEP 43 "ro" */

  /* Queries */
  ShoalDhtMethod      method;
  char                method_name[32];
  guint8              target[SHOAL_DHT_ID_LEN]; /* target or info_hash */
  guint16             port;
  gboolean            implied_port;
  ShoalDhtWant        want;

  /* Queries and responses */
  gboolean            has_id;
  guint8              id[SHOAL_DHT_ID_LEN];
  guint8              token[SHOAL_DHT_MAX_TOKEN_LEN];
  gsize               token_len;

  /* Responses */
  GArray             *nodes;   /* of ShoalDhtNodeInfo, both families */
  GArray             *values;  /* of ShoalDhtAddr */

  /* Errors */
  gint64              error_code;
  char               *error_message;
} ShoalDhtMessage;

GQuark       shoal_dht_message_error_quark (void);

void         shoal_dht_message_init        (ShoalDhtMessage       *msg);
void         shoal_dht_message_clear       (ShoalDhtMessage       *msg);
gboolean     shoal_dht_message_parse       (const guint8          *data,
                                            gsize                  len,
                                            ShoalDhtMessage       *msg,
                                            GError               **error);
GBytes      *shoal_dht_message_encode      (const ShoalDhtMessage *msg);
const char  *shoal_dht_method_to_string    (ShoalDhtMethod         method);

void         shoal_dht_message_add_node    (ShoalDhtMessage        *msg,
                                            const ShoalDhtNodeInfo *node);
void         shoal_dht_message_add_value   (ShoalDhtMessage       *msg,
                                            const ShoalDhtAddr    *addr);

/* Addresses */
gboolean        shoal_dht_addr_equal          (const ShoalDhtAddr *a,
                                               const ShoalDhtAddr *b);
gboolean        shoal_dht_addr_ip_equal       (const ShoalDhtAddr *a,
                                               const ShoalDhtAddr *b);
guint           shoal_dht_addr_hash           (const ShoalDhtAddr *addr);
guint           shoal_dht_addr_hash_func      (gconstpointer       key);
gboolean        shoal_dht_addr_equal_func     (gconstpointer       a,
                                               gconstpointer       b);
gboolean        shoal_dht_addr_from_socket_address (GSocketAddress *sa,
                                                    ShoalDhtAddr   *out);
GSocketAddress *shoal_dht_addr_to_socket_address   (const ShoalDhtAddr *addr);
char           *shoal_dht_addr_to_string      (const ShoalDhtAddr *addr);
gboolean        shoal_dht_addr_is_usable      (const ShoalDhtAddr *addr);
gboolean        shoal_dht_addr_is_loopback    (const ShoalDhtAddr *addr);
gboolean        shoal_dht_addr_same_subnet    (const ShoalDhtAddr *a,
                                               const ShoalDhtAddr *b);
gsize           shoal_dht_addr_ip_len         (const ShoalDhtAddr *addr);

G_END_DECLS
