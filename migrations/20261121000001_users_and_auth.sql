-- users_and_auth: the identity tables and the shared `set_updated_at()` trigger helper.
--
-- Owns: set_updated_at(), users, refresh_sessions, email_tokens, contacts, blocks.
--
-- Decisions a reader must know:
-- * One `users` row serves both identities: Telegram users (telegram_id, first/last name,
--   language_code, is_premium) and email users (email, password_hash, email_verified, twofa_*).
--   A user may have neither (a Max-bot login links through bot_subscribers), so there is no
--   "telegram_id or email" check. The column list is fixed by the application code.
-- * email and username are unique case-insensitively through unique INDEXES on lower(...):
--   users_email_lower_key, users_username_lower_key. Look them up with
--   `lower(email) = lower($1)` so the index is used; upsert with `on conflict (lower(email))`
--   (an index, not a constraint, so `on conflict on constraint` cannot name it).
-- * Users are never hard-deleted once they have authored content: messages.sender_id and the
--   private/saved-chat pair keys reference users `on delete restrict`. Account deletion means
--   scrubbing the row (null email/password/names, revoke sessions), as Telegram shows a
--   "Deleted Account". Purely personal rows (sessions, tokens, contacts, blocks, memberships,
--   reactions, notifications) cascade.
-- * set_updated_at(ignored columns...) bumps updated_at on every update, except when the
--   only columns that changed are the ones passed as trigger arguments. users ignores
--   last_seen_at and tokens_valid_after, so presence pings and revoke-all do not look like
--   profile edits (UserRead.updated_at stays meaningful).
-- * refresh_sessions holds one row per issued refresh token. Rotation inserts the successor
--   (same family_id) and marks the old row revoked_at + replaced_by = successor jti.
--   Presenting a row that is revoked with replaced_by set is reuse: revoke the whole family.
--   A "session" in the API (authSessions, DELETE /auth/sessions/{jti}) is the live head of a
--   family: `revoked_at is null and expires_at > now()`. replaced_by has no foreign key so
--   expired rows can be purged in any order. jti and family_id are uuids.
--   ip is text (the crate builds sqlx without ipnetwork); truncate user_agent to 512 chars.
-- * email_tokens stores only a hash of the one-time token (token_hash unique).
-- * contacts and blocks are directed pairs; their primary keys are the "unique pair"
--   (contacts_pkey, blocks_pkey), so add/block can be `on conflict do nothing` (204 twice).
--   Self-pairs are rejected by contacts_not_self / blocks_not_self.

create or replace function set_updated_at() returns trigger
language plpgsql as $$
begin
    -- trigger arguments name columns whose changes alone do not count as an update
    if tg_nargs > 0
       and (to_jsonb(new) - tg_argv - 'updated_at') = (to_jsonb(old) - tg_argv - 'updated_at') then
        return new;
    end if;
    new.updated_at := now();
    return new;
end;
$$;

create table users (
    id bigint generated always as identity primary key,
    telegram_id bigint unique,
    email text,
    password_hash text,
    email_verified boolean not null default false,
    twofa_secret text,
    twofa_enabled boolean not null default false,
    username text,
    name text,
    first_name text,
    last_name text,
    language_code text not null default 'en',
    is_premium boolean not null default false,
    bio text,
    avatar_url text,
    allow_private_messages boolean not null default true,
    privacy_avatar text not null default 'everyone',
    privacy_last_seen text not null default 'everyone',
    privacy_group_invites text not null default 'everyone',
    last_seen_at timestamptz,
    tokens_valid_after timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint users_telegram_id_positive check (telegram_id > 0),
    constraint users_email_length check (char_length(email) between 3 and 320),
    constraint users_username_length check (char_length(username) between 1 and 64),
    constraint users_name_length check (char_length(name) <= 256),
    constraint users_first_name_length check (char_length(first_name) <= 256),
    constraint users_last_name_length check (char_length(last_name) <= 256),
    constraint users_language_code_length check (char_length(language_code) <= 10),
    constraint users_bio_length check (char_length(bio) <= 500),
    constraint users_avatar_url_length check (char_length(avatar_url) <= 2048),
    constraint users_privacy_avatar_check
        check (privacy_avatar in ('everyone', 'contacts', 'nobody')),
    constraint users_privacy_last_seen_check
        check (privacy_last_seen in ('everyone', 'contacts', 'nobody')),
    constraint users_privacy_group_invites_check
        check (privacy_group_invites in ('everyone', 'contacts', 'nobody')),
    constraint users_twofa_requires_secret check (not twofa_enabled or twofa_secret is not null)
) with (fillfactor = 90);

create unique index users_email_lower_key on users (lower(email));
create unique index users_username_lower_key on users (lower(username));

create trigger users_set_updated_at
    before update on users
    for each row execute function set_updated_at('last_seen_at', 'tokens_valid_after');

create table refresh_sessions (
    id bigint generated always as identity primary key,
    jti uuid not null,
    family_id uuid not null,
    user_id bigint not null references users (id) on delete cascade,
    user_agent text,
    ip text,
    created_at timestamptz not null default now(),
    last_used_at timestamptz not null default now(),
    expires_at timestamptz not null,
    revoked_at timestamptz,
    replaced_by uuid,
    constraint refresh_sessions_jti_key unique (jti),
    constraint refresh_sessions_user_agent_length check (char_length(user_agent) <= 1024),
    constraint refresh_sessions_ip_length check (char_length(ip) <= 64),
    constraint refresh_sessions_replaced_means_revoked
        check (replaced_by is null or revoked_at is not null)
);

-- the caller's live sessions (authSessions, revoke-all)
create index refresh_sessions_user_active_idx
    on refresh_sessions (user_id, created_at desc) where revoked_at is null;
-- every row of a user (cascade from users, audit)
create index refresh_sessions_user_id_idx on refresh_sessions (user_id);
-- revoke a family on reuse
create index refresh_sessions_family_id_idx on refresh_sessions (family_id);
-- purge of expired rows
create index refresh_sessions_expires_at_idx on refresh_sessions (expires_at);

create table email_tokens (
    id bigint generated always as identity primary key,
    user_id bigint not null references users (id) on delete cascade,
    purpose text not null,
    token_hash text not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    used_at timestamptz,
    constraint email_tokens_token_hash_key unique (token_hash),
    constraint email_tokens_purpose_check check (purpose in ('verify_email', 'reset_password')),
    constraint email_tokens_token_hash_length check (char_length(token_hash) between 16 and 256)
);

-- invalidate older tokens of a purpose when a new one is sent; resend throttling
create index email_tokens_user_purpose_idx on email_tokens (user_id, purpose, created_at desc);

create table contacts (
    owner_id bigint not null references users (id) on delete cascade,
    contact_id bigint not null references users (id) on delete cascade,
    created_at timestamptz not null default now(),
    constraint contacts_pkey primary key (owner_id, contact_id),
    constraint contacts_not_self check (owner_id <> contact_id)
);

-- reverse lookups ("who has me as a contact") and the cascade from users
create index contacts_contact_id_idx on contacts (contact_id);

create table blocks (
    blocker_id bigint not null references users (id) on delete cascade,
    blocked_id bigint not null references users (id) on delete cascade,
    created_at timestamptz not null default now(),
    constraint blocks_pkey primary key (blocker_id, blocked_id),
    constraint blocks_not_self check (blocker_id <> blocked_id)
);

-- "has this user blocked me" and the cascade from users
create index blocks_blocked_id_idx on blocks (blocked_id);
