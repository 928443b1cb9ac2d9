/** Capability flags (u32 in the greeting and the handshake response). */
export const Capability = {
  LONG_PASSWORD: 0x1,
  FOUND_ROWS: 0x2,
  LONG_FLAG: 0x4,
  CONNECT_WITH_DB: 0x8,
  /** Set by MySQL servers; clear on MariaDB, which then puts extended capabilities in the greeting. */
  CLIENT_MYSQL: 0x1,
  PROTOCOL_41: 0x200,
  SSL: 0x800,
  TRANSACTIONS: 0x2000,
  SECURE_CONNECTION: 0x8000,
  MULTI_STATEMENTS: 0x10000,
  MULTI_RESULTS: 0x20000,
  PLUGIN_AUTH: 0x80000,
  CONNECT_ATTRS: 0x100000,
  PLUGIN_AUTH_LENENC_CLIENT_DATA: 0x200000,
  DEPRECATE_EOF: 0x1000000,
} as const;

/** First byte of a response packet. */
export const Header = {
  OK: 0x00,
  AUTH_MORE_DATA: 0x01,
  /** EOF, an OK under DEPRECATE_EOF, or an auth switch request, by context. */
  EOF: 0xfe,
  ERR: 0xff,
} as const;

export const Command = {
  QUIT: 0x01,
  QUERY: 0x03,
  PING: 0x0e,
} as const;

/** Server status flags (u16 in OK and EOF). */
export const ServerStatus = {
  MORE_RESULTS_EXIST: 0x0008,
} as const;

/** utf8mb4_general_ci: a collation id every supported server knows. */
export const CHARSET_UTF8MB4 = 45;

/** The max packet size the client announces; it expects nothing near it. */
export const CLIENT_MAX_PACKET = 16 * 1024 * 1024;
