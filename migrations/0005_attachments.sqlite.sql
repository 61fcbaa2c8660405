-- Attachments (docs/protocol.md, "Attachments"). The bytes live on disk, content-addressed by
-- SHA-256 under --attachments-dir; these rows say who uploaded what and which messages use it.
CREATE TABLE attachments (
  id TEXT PRIMARY KEY,
  sha256 TEXT NOT NULL,
  thumb_sha256 TEXT NOT NULL DEFAULT '',
  thumb_type TEXT NOT NULL DEFAULT '',
  uploader_id INTEGER NOT NULL,
  file_name TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  width INTEGER NOT NULL DEFAULT 0,
  height INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ix_attachments_sha ON attachments(sha256);

-- Which message events reference an attachment: its readers are the members of these
-- conversations (and its uploader).
CREATE TABLE message_attachments (
  attachment_id TEXT NOT NULL,
  conversation_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (attachment_id, conversation_id, seq)
) WITHOUT ROWID;

-- A message event's attachments as the clients see them (a JSON array, '' when none).
ALTER TABLE conversation_events ADD COLUMN attachments TEXT NOT NULL DEFAULT '';
