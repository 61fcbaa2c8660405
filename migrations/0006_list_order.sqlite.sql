-- Issue 14: list_conversations reads a page, not every conversation of the user. Each membership
-- row carries its conversation's last activity (the newest event's time, the creation time
-- before any), kept by the event store in the transaction of the events that change it, so the
-- index below hands out a user's conversations most recently active first, page by page.
ALTER TABLE memberships ADD COLUMN last_activity INTEGER NOT NULL DEFAULT 0;
UPDATE memberships SET last_activity = COALESCE(
  (SELECT e.created_at FROM conversation_events e
    WHERE e.conversation_id = memberships.conversation_id ORDER BY e.seq DESC LIMIT 1),
  (SELECT c.created_at FROM conversations c WHERE c.id = memberships.conversation_id),
  0);
CREATE INDEX ix_memberships_activity ON memberships(user_id, last_activity, conversation_id);
