-- Accounts an operator disabled (chatctl user disable): unix ms when disabled, 0 while enabled.
-- A disabled user cannot sign in by password, OpenID Connect or an existing session.
ALTER TABLE users ADD COLUMN disabled_at INTEGER NOT NULL DEFAULT 0;
