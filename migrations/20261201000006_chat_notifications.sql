-- chat_notifications: one `message_created` notification row per message, not per member.
--
-- Decisions a reader must know:
-- * A notification row is either personal (user_id set: mentions, "added to a chat", and
--   message_created rows written before this migration) or chat-wide (chat_id set, user_id
--   null: one row per message). A chat-wide row is a notification for every member of the
--   chat who is not its sender, not muted, joined at or before it, has not cleared history
--   past it and is not mentioned in it (the mention is their personal row). So the cost of
--   a send no longer grows with the chat's size; the recipients are derived when the list is
--   read (db::notifications::list), from memberships.
-- * message_id and sender_id denormalise the message for that derivation; no foreign key
--   to messages (messages are soft-deleted; a chat's deletion cascades here).
-- * ids come from one identity, so personal and chat-wide rows interleave by id, newest
--   first, as before.

alter table notifications
    alter column user_id drop not null,
    add column chat_id bigint references chats (id) on delete cascade,
    add column message_id bigint,
    add column sender_id bigint,
    add constraint notifications_recipient_check check (
        case when chat_id is null then user_id is not null
             else user_id is null and message_id is not null and sender_id is not null
        end
    );

-- The newest chat-wide rows of one chat: the list reads up to `limit` per membership.
create index notifications_chat_id_idx on notifications (chat_id, id desc)
    where chat_id is not null;
