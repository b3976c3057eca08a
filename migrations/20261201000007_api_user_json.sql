-- api_user(users): a user as the API sees it (the columns of db::users::User: no password
-- hash, no TOTP secret, no token epoch), as jsonb.
--
-- Decisions a reader must know:
-- * Read-path statements return the users a row names (a message's sender, a member, a
--   private chat's counterpart) in the same statement, as this jsonb, instead of a second
--   statement by id. So a chat list or a message page costs a fixed, small number of
--   statements (issue: the read path at most 4).
-- * The keys are the Rust field names of db::users::User; a column added there is added here.
create function api_user(u users) returns jsonb
language sql stable parallel safe as $$
    select jsonb_build_object(
        'id', u.id,
        'telegram_id', u.telegram_id,
        'email', u.email,
        'email_verified', u.email_verified,
        'twofa_enabled', u.twofa_enabled,
        'username', u.username,
        'name', u.name,
        'first_name', u.first_name,
        'last_name', u.last_name,
        'language_code', u.language_code,
        'is_premium', u.is_premium,
        'bio', u.bio,
        'avatar_url', u.avatar_url,
        'allow_private_messages', u.allow_private_messages,
        'privacy_avatar', u.privacy_avatar,
        'privacy_last_seen', u.privacy_last_seen,
        'privacy_group_invites', u.privacy_group_invites,
        'last_seen_at', u.last_seen_at,
        'created_at', u.created_at,
        'updated_at', u.updated_at)
$$;

-- chat_unread(chat, user, after): what a member has not read in a chat: messages of others
-- after their read and clear pointers (`after` = greatest of the two), not deleted, not
-- hidden for them; and the mentions of them among those. One definition for the chat
-- list page and the counter batch. A single SELECT returning a table, so the planner
-- inlines it where it is joined (`join lateral chat_unread(...)`): no function call per
-- row.
create function chat_unread(p_chat bigint, p_user bigint, p_after bigint)
returns table (unread bigint, mentions bigint)
language sql stable parallel safe as $$
    select (select count(*) from messages x
             where x.chat_id = p_chat and x.id > p_after
               and x.sender_id <> p_user and x.deleted_at is null
               and not exists (select 1 from hidden_messages h
                                where h.user_id = p_user and h.chat_id = x.chat_id
                                  and h.message_id = x.id)),
           (select count(*) from message_mentions mm
              join messages x on x.chat_id = mm.chat_id and x.id = mm.message_id
             where mm.user_id = p_user and mm.chat_id = p_chat and mm.message_id > p_after
               and x.deleted_at is null)
$$;
