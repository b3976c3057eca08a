-- auth_hardening: what two-factor logins need beyond the first migrations.
--
-- * users.twofa_last_used_step: the TOTP time step of the last accepted code; a code
--   of the same or an earlier step is refused, so an intercepted code cannot be
--   replayed within its 30-second window.

alter table users add column twofa_last_used_step bigint;
