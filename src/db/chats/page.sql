-- One page of a user's chat list with everything the page shows beside it, each extra
-- behind its own flag (see `db::chats::page`): $10 unread counters, $11 member counts,
-- $12 counterparts, $13 members (their user ids, oldest first; with $16 also their
-- membership ids, roles and join times: one array per column, in the same order), $14
-- last messages the viewer may see, $15 their senders. A search ($3) is the ids of the
-- viewer's chats that match it (`matching`).
with page as (
  select c.*, m.id as m_id, m.user_id as m_user_id, m.role as m_role,
         m.joined_at as m_joined_at, m.archived as m_archived, m.pinned as m_pinned,
         coalesce(m.pinned_at, 'epoch'::timestamptz) as m_pinned_at, m.muted as m_muted,
         m.last_read_message_id as m_last_read, m.cleared_before_message_id as m_cleared_before,
         m.last_delivered_message_id as m_last_delivered
    from chat_members m
    join lateral (select * from chats where id = m.chat_id offset 0) c on true
   where m.user_id = $1 and m.archived = $2
     and ($3::bigint[] is null or m.chat_id = any($3))
     and ($4::boolean is null
          or (not $9 and (m.pinned, coalesce(m.pinned_at, 'epoch'::timestamptz),
                          c.last_message_at, c.id) < ($4, $5, $6, $7))
          or ($9 and (m.pinned, coalesce(m.pinned_at, 'epoch'::timestamptz),
                      c.last_message_at, c.id) > ($4, $5, $6, $7)))
   -- Two row-valued keys, one per direction (the other is null for every row): a
   -- quarter of the sort keys of one per column and direction, the same order.
   order by case when not $9 then (m.pinned, coalesce(m.pinned_at, 'epoch'::timestamptz),
                                   c.last_message_at, c.id) end desc,
            case when $9 then (m.pinned, coalesce(m.pinned_at, 'epoch'::timestamptz),
                               c.last_message_at, c.id) end
   limit $8)
select p.id as "id!", p.public_id as "public_id!", p.type as "kind!: ChatKind", p.title,
       p.description, p.avatar_url, p.handle, p.is_public as "is_public!",
       p.created_by, p.pair_low_user_id, p.pair_high_user_id, p.pinned_message_id,
       p.last_message_id, p.last_message_at as "last_message_at!",
       p.created_at as "created_at!", p.updated_at as "updated_at!",
       p.m_id as "m_id!", p.m_user_id as "m_user_id!", p.m_role as "m_role!: Role",
       p.m_joined_at as "m_joined_at!", p.m_archived as "m_archived!",
       p.m_pinned as "m_pinned!", p.m_pinned_at as "m_pinned_at!",
       p.m_muted as "m_muted!", p.m_last_read as "m_last_read!",
       p.m_last_delivered as "m_last_delivered!",
       p.m_cleared_before as "m_cleared_before!",
       un.unread, un.mentions,
       case when $11 then
         (select count(*) from chat_members cm where cm.chat_id = p.id)
       end as members_count,
       u.id as "u_id?", u.telegram_id as "u_telegram_id?", u.email as "u_email?",
       u.email_verified as "u_email_verified?", u.twofa_enabled as "u_twofa_enabled?",
       u.username as "u_username?", u.name as "u_name?", u.first_name as "u_first_name?",
       u.last_name as "u_last_name?", u.language_code as "u_language_code?",
       u.is_premium as "u_is_premium?", u.bio as "u_bio?", u.avatar_url as "u_avatar_url?",
       u.allow_private_messages as "u_allow_private_messages?", u.last_seen_at as "u_last_seen_at?",
       u.privacy_avatar as "u_privacy_avatar?: PrivacyLevel", u.created_at as "u_created_at?",
       u.privacy_last_seen as "u_privacy_last_seen?: PrivacyLevel", u.updated_at as "u_updated_at?",
       u.privacy_group_invites as "u_privacy_group_invites?: PrivacyLevel",
       mm.ids as "mm_ids?", mm.user_ids as "mm_user_ids?", mm.roles as "mm_roles?: Vec<Role>",
       mm.joined as "mm_joined?",
       lm.id as "lm_id?", lm.sender_id as "lm_sender_id?", lm.type as "lm_kind?: MessageKind",
       lm.text as "lm_text?", lm.reply_to_message_id as "lm_reply_to?",
       lm.forwarded_from_message_id as "lm_forwarded_from_message?",
       lm.forwarded_from_user_id as "lm_forwarded_from_user?",
       lm.client_message_id as "lm_client_message_id?", lm.edited_at as "lm_edited_at?",
       lm.deleted_at as "lm_deleted_at?", lm.created_at as "lm_created_at?",
       lm.updated_at as "lm_updated_at?",
       s.id as "s_id?", s.telegram_id as "s_telegram_id?", s.email as "s_email?",
       s.email_verified as "s_email_verified?", s.twofa_enabled as "s_twofa_enabled?",
       s.username as "s_username?", s.name as "s_name?", s.first_name as "s_first_name?",
       s.last_name as "s_last_name?", s.language_code as "s_language_code?",
       s.is_premium as "s_is_premium?", s.bio as "s_bio?", s.avatar_url as "s_avatar_url?",
       s.allow_private_messages as "s_allow_private_messages?", s.last_seen_at as "s_last_seen_at?",
       s.privacy_avatar as "s_privacy_avatar?: PrivacyLevel", s.created_at as "s_created_at?",
       s.privacy_last_seen as "s_privacy_last_seen?: PrivacyLevel", s.updated_at as "s_updated_at?",
       s.privacy_group_invites as "s_privacy_group_invites?: PrivacyLevel"
  from page p
  -- The flag inside the subquery, not in the join's `on`: there the counts were computed
  -- for every row and then dropped (a join filter runs after the inner side).
  left join lateral (select * from chat_unread(p.id, $1, greatest(p.m_last_read, p.m_cleared_before))
                      where $10) un on true
  left join lateral (select * from users u
                      where $12 and p.type = 'private'
                        and u.id = case when p.pair_low_user_id = $1
                                        then p.pair_high_user_id
                                        else p.pair_low_user_id end
                     offset 0) u on true
  -- Oldest first, from `chat_members_in_order_idx` (no sort). Without $16 only the user
  -- ids: `filter` skips the other aggregates' work (a second join would cost its setup on
  -- every page even when off).
  left join lateral (select array_agg(o.id) filter (where $16) as ids,
                            array_agg(o.user_id) as user_ids,
                            array_agg(o.role) filter (where $16) as roles,
                            array_agg(o.joined_at) filter (where $16) as joined
                       from (select x.id, x.user_id, x.role, x.joined_at from chat_members x
                              where $13 and x.chat_id = p.id
                              order by x.joined_at, x.id) o) mm on true
  left join lateral (select * from messages x
                      where $14 and x.id = p.last_message_id and x.chat_id = p.id
                        and x.deleted_at is null and x.id > p.m_cleared_before
                        and not exists (select 1 from hidden_messages h
                                         where h.user_id = $1 and h.chat_id = x.chat_id
                                           and h.message_id = x.id)
                     offset 0) lm on true
  -- Not `offset 0` like the others: as a join the planner probes `users_pkey` per last
  -- message, where the fenced subquery scanned `users` per row on a small table (0.4 ms
  -- more per page on the bench's 200 users).
  left join lateral (select * from users s where $15 and s.id = lm.sender_id) s on true
