-- chatd schema v1 (SQLite). The event log is the source of truth; memberships and read positions
-- are projections the stores keep in step with it.

CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  username TEXT NOT NULL,
  -- lower-cased by the store: uniqueness is case-insensitive without relying on collations
  username_lower TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);

CREATE TABLE password_credentials (
  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  hash TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE identities (
  provider TEXT NOT NULL,
  subject TEXT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (provider, subject)
);
CREATE INDEX ix_identities_user ON identities(user_id);

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ix_sessions_user ON sessions(user_id);

CREATE TABLE conversations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('direct', 'group')),
  title TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  -- "min:max" of the two user ids for direct conversations, NULL for groups (NULLs never collide)
  direct_key TEXT UNIQUE
);

CREATE TABLE conversation_events (
  conversation_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  sender_id INTEGER NOT NULL,
  -- NULL for server-made events, so the unique key below ignores them
  client_msg_id TEXT,
  subject_id INTEGER NOT NULL DEFAULT 0,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, seq),
  CONSTRAINT uq_events_client_msg UNIQUE (conversation_id, sender_id, client_msg_id)
) WITHOUT ROWID;

CREATE TABLE memberships (
  conversation_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  joined_seq INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (conversation_id, user_id)
) WITHOUT ROWID;
CREATE INDEX ix_memberships_user ON memberships(user_id, conversation_id);

CREATE TABLE read_positions (
  conversation_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, user_id)
) WITHOUT ROWID;
