-- Full-text search over message text (persistence/message_search.cpp). `message_search` holds each
-- message's current text (edits replace it, deletes remove it); the FTS5 table indexes it with the
-- trigram tokenizer, so any substring of 3+ characters matches (CJK included), ASCII and other
-- cased scripts case-insensitively. chatd fills it from the log when it applies this migration.
CREATE TABLE message_search (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  sender_id INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  body TEXT NOT NULL,
  UNIQUE (conversation_id, seq)
);
CREATE INDEX ix_message_search_ts ON message_search(ts, conversation_id, seq);
CREATE VIRTUAL TABLE message_search_fts USING fts5(body, content='message_search', content_rowid='id', tokenize='trigram');
