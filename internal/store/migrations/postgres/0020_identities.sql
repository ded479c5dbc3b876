-- Identities at OpenID Connect providers (issue #16): the provider's
-- issuer and its subject for the person, linked to the staff account they
-- sign in to. A subject is the provider's stable identifier (never reused
-- for someone else, unlike a user name), so the link is kept by it; one
-- account has at most one identity at a provider.
CREATE TABLE identities (
  issuer     TEXT NOT NULL,
  subject    TEXT NOT NULL,
  user_id    BIGINT NOT NULL REFERENCES users (id),
  created_at TEXT NOT NULL,
  PRIMARY KEY (issuer, subject)
);
CREATE UNIQUE INDEX identities_user ON identities (user_id, issuer);
