-- Avatars (docs/protocol.md, "Profiles and avatars"). The images live on disk, re-encoded and
-- content-addressed by SHA-256 under --attachments-dir; avatar_images maps the random id clients
-- see to the file. A user's avatar is theirs to set; a group's is set by events (avatar_changed).
CREATE TABLE avatar_images (
  id TEXT PRIMARY KEY,
  sha256 TEXT NOT NULL,
  content_type TEXT NOT NULL,
  uploader_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

ALTER TABLE users ADD COLUMN avatar_color TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN avatar TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN avatar TEXT NOT NULL DEFAULT '';
-- Who shows an image (the read check of GET /api/avatars/<id>).
CREATE INDEX ix_users_avatar ON users(avatar);
CREATE INDEX ix_conversations_avatar ON conversations(avatar);
