-- The search index is written after the commit, by the search indexer (docs/operations.md,
-- "Message search"): how far it got in each conversation, written in the same transaction as the
-- index rows, so after a crash it catches up from the log. Until now the index was written with
-- the events, so every conversation is indexed up to its last seq.
CREATE TABLE IF NOT EXISTS search_watermarks (
  conversation_id BIGINT NOT NULL PRIMARY KEY,
  indexed_seq BIGINT NOT NULL
) ENGINE=InnoDB;
INSERT IGNORE INTO search_watermarks (conversation_id, indexed_seq)
  SELECT conversation_id, MAX(seq) FROM conversation_events GROUP BY conversation_id;
