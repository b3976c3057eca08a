-- The read path selects a joined user's API columns as plain columns (db::users::joined_user)
-- instead of one jsonb object per user: building a 20-key jsonb costs Postgres about 5 µs
-- per user, and the gateway a JSON parse. api_user(users) has no caller left.
drop function api_user(users);
