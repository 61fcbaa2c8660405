-- Avatars (docs/protocol.md, "Profiles and avatars"). The images live on disk, re-encoded and
-- content-addressed by SHA-256 under --attachments-dir; avatar_images maps the random id clients
-- see to the file. A user's avatar is theirs to set; a group's is set by events (avatar_changed).
CREATE TABLE IF NOT EXISTS avatar_images (
  id CHAR(32) NOT NULL PRIMARY KEY,
  sha256 CHAR(64) NOT NULL,
  content_type VARCHAR(64) NOT NULL,
  uploader_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE users ADD COLUMN IF NOT EXISTS avatar_color VARCHAR(16) NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS avatar VARCHAR(32) NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN IF NOT EXISTS avatar VARCHAR(32) NOT NULL DEFAULT '';
-- Who shows an image (the read check of GET /api/avatars/<id>).
CREATE INDEX IF NOT EXISTS ix_users_avatar ON users(avatar);
CREATE INDEX IF NOT EXISTS ix_conversations_avatar ON conversations(avatar);
