-- chatd schema v1 (MySQL/MariaDB). InnoDB, utf8mb4; utf8mb4_bin where byte-exact comparison matters.

CREATE TABLE users (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  username VARCHAR(64) NOT NULL,
  -- lower-cased by the store: uniqueness is case-insensitive without relying on collations
  username_lower VARCHAR(64) COLLATE utf8mb4_bin NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE KEY uq_users_username_lower (username_lower)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE password_credentials (
  user_id BIGINT NOT NULL PRIMARY KEY,
  hash VARCHAR(255) NOT NULL,
  updated_at BIGINT NOT NULL,
  CONSTRAINT fk_password_user FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE identities (
  provider VARCHAR(255) NOT NULL,
  subject VARCHAR(255) NOT NULL,
  user_id BIGINT NOT NULL,
  PRIMARY KEY (provider, subject),
  KEY ix_identities_user (user_id),
  CONSTRAINT fk_identities_user FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE sessions (
  token_hash CHAR(64) NOT NULL PRIMARY KEY,
  user_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  user_agent VARCHAR(512) NOT NULL DEFAULT '',
  KEY ix_sessions_user (user_id),
  CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE conversations (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind VARCHAR(16) NOT NULL,
  title VARCHAR(255) NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  -- "min:max" of the two user ids for direct conversations, NULL for groups (NULLs never collide)
  direct_key VARCHAR(64) NULL,
  UNIQUE KEY uq_conversations_direct (direct_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE conversation_events (
  conversation_id BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  event_id CHAR(32) NOT NULL,
  type VARCHAR(32) NOT NULL,
  sender_id BIGINT NOT NULL,
  -- NULL for server-made events, so the unique key below ignores them
  client_msg_id VARCHAR(128) NULL,
  subject_id BIGINT NOT NULL DEFAULT 0,
  payload MEDIUMTEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (conversation_id, seq),
  UNIQUE KEY uq_events_client_msg (conversation_id, sender_id, client_msg_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE memberships (
  conversation_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  joined_seq BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (conversation_id, user_id),
  KEY ix_memberships_user (user_id, conversation_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE read_positions (
  conversation_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  PRIMARY KEY (conversation_id, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
