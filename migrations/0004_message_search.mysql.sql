-- Full-text search over message text (persistence/message_search.cpp). MariaDB has no ngram
-- parser; `message_trigrams` is a trigram index we keep ourselves (every distinct sequence of 3
-- code points of the ASCII-lower-cased text), written in the same transaction as the events.
-- docs/operations.md ("Message search") says why not Mroonga. chatd fills both tables from the
-- log when it applies this migration.
CREATE TABLE IF NOT EXISTS message_search (
  conversation_id BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  sender_id BIGINT NOT NULL,
  ts BIGINT NOT NULL,
  body MEDIUMTEXT NOT NULL,
  PRIMARY KEY (conversation_id, seq),
  KEY ix_message_search_ts (ts, conversation_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS message_trigrams (
  gram VARBINARY(16) NOT NULL,
  conversation_id BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  PRIMARY KEY (gram, conversation_id, seq),
  KEY ix_message_trigrams_message (conversation_id, seq)
) ENGINE=InnoDB;
