-- The attachment sweep (docs/operations.md, "Attachments on disk"): it looks up rows by age and
-- asks whether any row still names a file, as the original or as the thumbnail.
CREATE INDEX IF NOT EXISTS ix_attachments_created ON attachments(created_at);
CREATE INDEX IF NOT EXISTS ix_attachments_thumb ON attachments(thumb_sha256);
