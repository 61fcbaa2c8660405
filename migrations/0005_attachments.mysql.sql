-- Attachments (docs/protocol.md, "Attachments"). The bytes live on disk, content-addressed by
-- SHA-256 under --attachments-dir; these rows say who uploaded what and which messages use it.
CREATE TABLE IF NOT EXISTS attachments (
  id CHAR(32) NOT NULL PRIMARY KEY,
  sha256 CHAR(64) NOT NULL,
  thumb_sha256 VARCHAR(64) NOT NULL DEFAULT '',
  thumb_type VARCHAR(64) NOT NULL DEFAULT '',
  uploader_id BIGINT NOT NULL,
  file_name VARCHAR(1024) NOT NULL,
  content_type VARCHAR(255) NOT NULL,
  size BIGINT NOT NULL,
  width INT NOT NULL DEFAULT 0,
  height INT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  KEY ix_attachments_sha (sha256)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Which message events reference an attachment: its readers are the members of these
-- conversations (and its uploader).
CREATE TABLE IF NOT EXISTS message_attachments (
  attachment_id CHAR(32) NOT NULL,
  conversation_id BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  PRIMARY KEY (attachment_id, conversation_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A message event's attachments as the clients see them (a JSON array, '' when none).
ALTER TABLE conversation_events ADD COLUMN IF NOT EXISTS attachments MEDIUMTEXT NOT NULL DEFAULT '';
