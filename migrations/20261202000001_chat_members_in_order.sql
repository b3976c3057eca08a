-- A chat's members in list order (oldest first, `joined_at` then `id`) with their user ids
-- and roles: the chat list's page statement reads a page's members from this index alone,
-- already in order, so asking only for the members' user ids costs one array per chat,
-- not four and a sort.
create index chat_members_in_order_idx on chat_members (chat_id, joined_at, id)
    include (user_id, role);
