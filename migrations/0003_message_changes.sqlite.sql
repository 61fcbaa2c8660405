-- Issue 11: edits, deletes, reactions, replies, mentions, group roles and looks.
-- Changes to a message are new events naming it: target_seq is the message's seq for
-- message_edited / message_deleted / reaction_added / reaction_removed (0 otherwise); reply_to is
-- the seq a message quotes (0 = none); mentions the user ids it mentions ("7,9"; "" = none).
ALTER TABLE conversation_events ADD COLUMN target_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversation_events ADD COLUMN reply_to INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversation_events ADD COLUMN mentions TEXT NOT NULL DEFAULT '';
-- A page of history folds in the changes of its messages: one range lookup.
CREATE INDEX ix_events_target ON conversation_events(conversation_id, target_seq);

-- Projections kept by the event store in the transaction of the event that changes them.
ALTER TABLE conversations ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN avatar_color TEXT NOT NULL DEFAULT '';
ALTER TABLE memberships ADD COLUMN role TEXT NOT NULL DEFAULT 'member';
-- Existing groups: their creator (the sender of the `created` event) owns them.
UPDATE memberships SET role = 'owner' WHERE EXISTS (
  SELECT 1 FROM conversation_events e JOIN conversations c ON c.id = e.conversation_id
  WHERE c.kind = 'group' AND e.conversation_id = memberships.conversation_id AND e.type = 'created'
    AND e.sender_id = memberships.user_id);

-- Who is mentioned by which message (current text; rows go when the message is deleted), so
-- list_conversations counts "mentioned you" with one indexed lookup.
CREATE TABLE mentions (
  conversation_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, user_id, seq)
) WITHOUT ROWID;
