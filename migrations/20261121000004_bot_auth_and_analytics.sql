-- bot_auth_and_analytics: "login via Telegram/Max bot" and Mini App analytics.
--
-- Owns: bot_subscribers, bot_auth_sessions, analytics_apps, analytics_events.
--
-- Decisions a reader must know:
-- * bot_subscribers is both the bot's subscriber list and the link between a user and a
--   platform account: one row per (platform, platform_user_id) (bot_subscribers_platform_user_key)
--   and at most one per (user, platform) (bot_subscribers_user_platform_key). Its uuid `id` is
--   the seed's `subscriber_id`. platform_user_id is bigint (Telegram and Max ids are int64).
--   unsubscribed_at is set when the user blocks the bot. `tags` is the seed's tags array.
-- * bot_auth_sessions.id is the seed's 16-character session_id ([A-Za-z0-9_-]{16}), made by
--   the app. state is the caller's opaque string (<= 512 chars). channel is null until the user
--   opens the link in a bot. Static links (`start=auth_<app>`) create a session row with a null
--   state when the user taps "Login".
-- * Only a hash of the one-time code is stored (bot_auth_sessions_code_hash_key, unique); the
--   code is single-use (code_used_at) and short-lived (code_expires_at). A completed session
--   always has channel and code_hash. Because the plaintext is not stored, the poll endpoint
--   cannot read it back: either hand it out when it is generated (bot button, the
--   botAuthSession subscription event) or derive it (e.g. HMAC of a server key and the session
--   id + code_expires_at) so it can be recomputed and checked against code_hash.
--   code_delivered_at records that a poll returned the code; later polls answer "expired", as
--   the seed says.
-- * analytics_apps.name is unique and exact (the request's app_name must equal it);
--   token_hash is a hash of the TGA-Auth-Token. allowed_domain null = no domain restriction
--   (server-side senders, development); otherwise the Origin/Referer host must match.
-- * analytics_events keeps the seed's fields under their own names, except `from`, stored as
--   from_address. user_id is the Telegram user id, not a foreign key. valid_until and
--   client_timestamp are kept as the strings the client sent. auth_type: 0 ton_addr,
--   1 ton_proof. The table is append-only and not partitioned: time queries use
--   (app_id, received_at), (app_id, event_name, received_at) and a BRIN on received_at;
--   if it ever needs partitioning by month, the id primary key becomes (id, received_at).

create table bot_subscribers (
    id uuid primary key default gen_random_uuid(),
    user_id bigint not null references users (id) on delete cascade,
    platform text not null,
    platform_user_id bigint not null,
    username text,
    first_name text,
    avatar_url text,
    lang text,
    tags text[] not null default '{}',
    subscribed_at timestamptz not null default now(),
    unsubscribed_at timestamptz,
    updated_at timestamptz not null default now(),
    constraint bot_subscribers_platform_check check (platform in ('telegram', 'max')),
    constraint bot_subscribers_platform_user_key unique (platform, platform_user_id),
    constraint bot_subscribers_user_platform_key unique (user_id, platform),
    constraint bot_subscribers_username_length check (char_length(username) <= 64),
    constraint bot_subscribers_first_name_length check (char_length(first_name) <= 256),
    constraint bot_subscribers_avatar_url_length check (char_length(avatar_url) <= 2048),
    constraint bot_subscribers_lang_length check (char_length(lang) <= 10)
);

create trigger bot_subscribers_set_updated_at
    before update on bot_subscribers
    for each row execute function set_updated_at();

create table bot_auth_sessions (
    id text primary key,
    state text,
    channel text,
    status text not null default 'pending',
    code_hash text,
    code_expires_at timestamptz,
    code_used_at timestamptz,
    code_delivered_at timestamptz,
    user_id bigint references users (id) on delete cascade,
    platform_user_id bigint,
    first_name text,
    username text,
    avatar_url text,
    lang text,
    subscriber_id uuid references bot_subscribers (id) on delete set null,
    expires_at timestamptz not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint bot_auth_sessions_id_format check (id ~ '^[A-Za-z0-9_-]{16}$'),
    constraint bot_auth_sessions_state_length check (char_length(state) <= 512),
    constraint bot_auth_sessions_channel_check check (channel in ('telegram', 'max')),
    constraint bot_auth_sessions_status_check check (status in ('pending', 'completed', 'expired')),
    constraint bot_auth_sessions_code_hash_key unique (code_hash),
    constraint bot_auth_sessions_completed_check
        check (status <> 'completed' or (channel is not null and code_hash is not null)),
    constraint bot_auth_sessions_code_expiry_check
        check (code_hash is null or code_expires_at is not null),
    constraint bot_auth_sessions_username_length check (char_length(username) <= 64),
    constraint bot_auth_sessions_first_name_length check (char_length(first_name) <= 256),
    constraint bot_auth_sessions_avatar_url_length check (char_length(avatar_url) <= 2048),
    constraint bot_auth_sessions_lang_length check (char_length(lang) <= 10)
);

-- expiry sweep (pending -> expired) and purge
create index bot_auth_sessions_expires_at_idx on bot_auth_sessions (expires_at);
create index bot_auth_sessions_user_id_idx on bot_auth_sessions (user_id) where user_id is not null;
create index bot_auth_sessions_subscriber_id_idx on bot_auth_sessions (subscriber_id)
    where subscriber_id is not null;

create trigger bot_auth_sessions_set_updated_at
    before update on bot_auth_sessions
    for each row execute function set_updated_at();

create table analytics_apps (
    id bigint generated always as identity primary key,
    name text not null,
    token_hash text not null,
    allowed_domain text,
    owner_user_id bigint references users (id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint analytics_apps_name_key unique (name),
    constraint analytics_apps_token_hash_key unique (token_hash),
    constraint analytics_apps_name_length check (char_length(name) between 1 and 64),
    constraint analytics_apps_allowed_domain_length
        check (char_length(allowed_domain) between 1 and 253)
);

create index analytics_apps_owner_user_id_idx on analytics_apps (owner_user_id)
    where owner_user_id is not null;

create trigger analytics_apps_set_updated_at
    before update on analytics_apps
    for each row execute function set_updated_at();

create table analytics_events (
    id bigint generated always as identity primary key,
    app_id bigint not null references analytics_apps (id) on delete cascade,
    event_name text not null,
    session_id uuid not null,
    user_id bigint not null,
    is_premium boolean not null default false,
    is_success boolean not null default false,
    error_message text,
    error_code bigint,
    wallet_address text,
    wallet_type text,
    wallet_version text,
    auth_type smallint,
    valid_until text,
    from_address text,
    messages jsonb,
    custom_data jsonb,
    client_timestamp text,
    platform text,
    locale text,
    start_param text,
    url_referer text,
    scope text,
    received_at timestamptz not null default now(),
    constraint analytics_events_event_name_length check (char_length(event_name) between 1 and 128),
    constraint analytics_events_auth_type_check check (auth_type in (0, 1)),
    constraint analytics_events_messages_array check (jsonb_typeof(messages) = 'array'),
    constraint analytics_events_custom_data_object check (jsonb_typeof(custom_data) = 'object')
);

-- analyticsSummary(appName, from, to); also serves the cascade from analytics_apps
create index analytics_events_app_received_idx on analytics_events (app_id, received_at);
-- per-event counts over a time range
create index analytics_events_app_event_received_idx
    on analytics_events (app_id, event_name, received_at);
-- cheap time-range scans and retention deletes over the whole table
create index analytics_events_received_at_brin on analytics_events using brin (received_at);
