-- media_search_notifications: attachments, search indexes, notifications.
--
-- Owns: the pg_trgm extension, attachments, trigram indexes on users and chats,
-- messages.search_tsv (+ GIN), notifications.
--
-- Decisions a reader must know:
-- * attachments denormalise chat_id so "attachments of a chat" is one index range
--   (attachments_chat_id_idx (chat_id, id desc), `id < $before_id` pages); the composite
--   foreign key (chat_id, message_id) -> messages (chat_id, id) keeps it equal to the message's
--   chat and cascades on hard delete. Join messages for sender/type/created_at and to drop
--   deleted, hidden or cleared messages. object_key is not unique: forwarding copies rows.
--   waveform is smallint[] (Vec<i16>), at most 1024 points; size is bytes (bigint).
--   The MIME allow-list and MAX_UPLOAD_SIZE_BYTES are configuration, checked by the app.
-- * User and chat search: pg_trgm GIN indexes on users.username/name/first_name/last_name
--   and chats.title/handle. They serve `col ilike '%' || $q || '%'` (and `%`/similarity),
--   one index per column, combined by a BitmapOr. Patterns shorter than 3 characters yield
--   no trigram, so 2-character queries fall back to scans; email is matched exactly with
--   `lower(email) = lower($q)` (users_email_lower_key), never by substring.
-- * Message full-text search: messages.search_tsv is generated from text with the 'simple'
--   configuration (no stemming, works for every language) and is null for messages deleted
--   for everyone, so they never match. Query it with the SAME config:
--   `search_tsv @@ websearch_to_tsquery('simple', $q)` or `to_tsquery('simple', 'word:*')`
--   for prefixes; rank with ts_rank(search_tsv, query). Restrict to the caller's chats and
--   apply hidden/cleared filters in the query.
-- * notifications.payload is a json object (stored as jsonb; the REST shim serialises it to
--   the seed's string form). The list is (user_id, id desc); unread ones have read_at null.

create extension if not exists pg_trgm;

create table attachments (
    id bigint generated always as identity primary key,
    message_id bigint not null,
    chat_id bigint not null,
    url text not null,
    object_key text not null,
    mime text not null,
    size bigint not null,
    file_name text,
    waveform smallint[],
    created_at timestamptz not null default now(),
    constraint attachments_message_fkey
        foreign key (chat_id, message_id) references messages (chat_id, id) on delete cascade,
    constraint attachments_url_length check (char_length(url) between 1 and 2048),
    constraint attachments_object_key_length check (char_length(object_key) between 1 and 1024),
    constraint attachments_mime_length check (char_length(mime) between 1 and 255),
    constraint attachments_size_check check (size >= 0),
    constraint attachments_file_name_length check (char_length(file_name) <= 255),
    constraint attachments_waveform_check
        check (array_ndims(waveform) = 1 and cardinality(waveform) <= 1024)
);

-- chatAttachments / GET /media/chats/{chat_id}/attachments?before_id=
create index attachments_chat_id_idx on attachments (chat_id, id desc);
-- attachments of a batch of messages (loaders), and the cascade from messages
create index attachments_message_id_idx on attachments (message_id);

-- searchUsers, search.users
create index users_username_trgm_idx on users using gin (username gin_trgm_ops);
create index users_name_trgm_idx on users using gin (name gin_trgm_ops);
create index users_first_name_trgm_idx on users using gin (first_name gin_trgm_ops);
create index users_last_name_trgm_idx on users using gin (last_name gin_trgm_ops);

-- discoverChats, chats(query), search.chats
create index chats_title_trgm_idx on chats using gin (title gin_trgm_ops);
create index chats_handle_trgm_idx on chats using gin (handle gin_trgm_ops);

-- searchMessages, search.messages
alter table messages
    add column search_tsv tsvector generated always as (
        case when deleted_at is null then to_tsvector('simple', coalesce(text, '')) end
    ) stored;

create index messages_search_tsv_idx on messages using gin (search_tsv);

create table notifications (
    id bigint generated always as identity primary key,
    user_id bigint not null references users (id) on delete cascade,
    event_type text not null,
    payload jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    read_at timestamptz,
    constraint notifications_event_type_length check (char_length(event_type) between 1 and 64),
    constraint notifications_payload_object check (jsonb_typeof(payload) = 'object')
);

-- notifications(first, after) / GET /notifications?limit=
create index notifications_user_id_idx on notifications (user_id, id desc);
-- unread badge
create index notifications_user_unread_idx on notifications (user_id) where read_at is null;
