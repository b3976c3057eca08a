// EXPLAIN of the chat list's page statement on a server with many chats (issue 10): the
// page must be driven by the viewer's memberships (index chat_members_user_idx), never
// by a scan of all chats, so its cost does not grow with the server's total chats.
//
//   node bench/explain-chat-list.mjs [--chats 100000] [--members 3] [--viewer-chats 30]
//                                    [--messages-per-chat 5] [--big-chat-messages 300000]
//
// Builds a scratch database from migrations/ (dropped at the end), fills it with
// generate_series, ANALYZEs it, then runs EXPLAIN (ANALYZE, BUFFERS) of the exact
// statement the gateway prepares (its text is read from .sqlx/, the compile-checked
// query data) for a viewer with --viewer-chats chats: a first page, the next page, and a
// search. Exits 1 when a plan reads `chats`, `chat_members` or `messages` (the unread
// counts) by a sequential scan.
//
// Then the message page statement (a chat opened, scrolled back, read forward) on one
// chat of the viewer's with --big-chat-messages messages: exits 1 when a page reads more
// messages than it returns (+ a few), or reads `messages` by a sequential scan, so that
// opening a chat costs the same with 50 messages as with 300,000.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);
const chats = Number(args.chats ?? 100000);
const members = Number(args.members ?? 3);
const viewerChats = Number(args['viewer-chats'] ?? 30);
const messagesPerChat = Number(args['messages-per-chat'] ?? 5);
const bigChatMessages = Number(args['big-chat-messages'] ?? 300000);
const pg = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const db = 'mg_bench_explain';

function psql(database, sql, { quiet = true } = {}) {
  const out = spawnSync('psql', [`${pg}/${database}`, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At'], {
    input: sql,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (out.status !== 0) throw new Error(`psql failed: ${out.stderr}`);
  if (!quiet) process.stdout.write(out.stdout);
  return out.stdout;
}

const TYPES = { Int8: 'bigint', Int8Array: 'bigint[]', Bool: 'boolean', Text: 'text', Timestamptz: 'timestamptz' };
const prepared = readdirSync(path.join(ROOT, '.sqlx')).map((f) =>
  JSON.parse(readFileSync(path.join(ROOT, '.sqlx', f), 'utf8')),
);
/** A statement of .sqlx/ (found by `matches` on its text), as a psql `prepare`. */
function statement(name, what, matches) {
  const found = prepared.find((q) => matches(q.query));
  if (!found) throw new Error(`the ${what} statement is not in .sqlx/`);
  const types = found.describe.parameters.Left.map((t) => TYPES[t] ?? t);
  return { name, prepare: `prepare ${name}(${types.join(', ')}) as ${found.query};` };
}
const page = statement('page', 'page', (q) => q.includes('with page as ('));
const messagePage = statement('messages_page', 'message page', (q) => q.includes('union all') && q.includes('message_reactions'));

/** EXPLAIN ANALYZE of the sixth execution of `stmt` with `params`: the plan the statement
 *  settles on (custom or generic), as the gateway runs it. */
function settledPlan(stmt, params, options) {
  return psql(db, `
    ${stmt.prepare}
    \\o /dev/null
    ${`execute ${stmt.name}(${params});\n`.repeat(5)}
    \\o
    explain (${options}) execute ${stmt.name}(${params});`);
}

psql('postgres', `drop database if exists ${db}; create database ${db};`);
try {
  for (const file of readdirSync(path.join(ROOT, 'migrations')).sort()) {
    psql(db, readFileSync(path.join(ROOT, 'migrations', file), 'utf8'));
  }
  const started = Date.now();
  psql(db, `
    insert into users (first_name, username)
      select 'User ' || i, 'user' || i from generate_series(1, ${Math.max(1000, members * 10)}) i;
    insert into chats (public_id, type, title, created_by, last_message_at)
      select substr(md5(i::text), 1, 24), 'group', 'Chat ' || i, 1,
             now() - (i || ' seconds')::interval
        from generate_series(1, ${chats}) i;
    -- the viewer (user 1) is in ${viewerChats} chats spread over the table; every chat has
    -- ${members} members
    insert into chat_members (chat_id, user_id, role)
      select c.id, 2 + ((c.id * 7 + k) % (${Math.max(1000, members * 10)} - 1)), 'member'
        from chats c, generate_series(0, ${members - 1}) k
      on conflict do nothing;
    insert into chat_members (chat_id, user_id, role)
      select c.id, 1, 'member' from chats c where c.id % ${Math.floor(chats / viewerChats)} = 0
      on conflict do nothing;
    -- --messages-per-chat messages in every chat (the viewer has read none of them)
    insert into messages (chat_id, sender_id, text)
      select c.id, 2 + ((c.id + k) % 997), 'message ' || k
        from chats c, generate_series(1, ${messagesPerChat}) k;
    -- one of the viewer's chats is busy: --big-chat-messages more, then some in others
    insert into messages (chat_id, sender_id, text)
      select (select min(chat_id) from chat_members where user_id = 1), 1, 'busy ' || k
        from generate_series(1, ${bigChatMessages}) k;
    insert into messages (chat_id, sender_id, text)
      select c.id, 2, 'later' from chats c where c.id % 97 = 0;
    analyze;`);
  const rows = psql(db, 'select count(*) from chats; select count(*) from chat_members; select count(*) from messages;')
    .trim()
    .split('\n');
  console.log(`seeded ${rows[0]} chats, ${rows[1]} memberships, ${rows[2]} messages in ${Date.now() - started} ms`);

  // A search's matching chats (`db::chats::matching`), as the page statement takes them.
  const matched = psql(db, 'select array_agg(chat_id) from (select chat_id from chat_members where user_id = 1 order by chat_id limit 10) t;').trim();
  const cases = {
    'first page (20, with counters and counterparts)':
      `1, false, null, null, null, null, null, 21, false, true, true, true, true, true, true, true`,
    'next page after a cursor':
      `1, false, null, false, 'epoch', now() - interval '50000 seconds', 50000, 21, false, true, true, true, true, true, true, true`,
    'members by user id only': `1, false, null, null, null, null, null, 21, false, true, false, false, true, true, true, false`,
    'the chats a search matched': `1, false, '${matched}', null, null, null, null, 21, false, true, true, true, true, true, true, true`,
  };
  let failed = false;
  for (const [name, params] of Object.entries(cases)) {
    const plan = settledPlan(page, params, 'analyze, buffers, costs off, summary on');
    const seq = plan.split('\n').filter((l) => /Seq Scan on (chats|chat_members|messages)\b/.test(l));
    console.log(`\n== ${name}\n${plan.trim()}`);
    if (seq.length) {
      failed = true;
      console.log(`!! sequential scan: ${seq.map((l) => l.trim()).join('; ')}`);
    }
  }
  console.log(failed ? '\nFAIL: a page scans a whole table' : '\nOK: every page is driven by the viewer\'s memberships');

  // The message page: (chat, viewer, after, before, newest_first, limit, senders, reactions, attachments).
  const [big, mid, outsider] = psql(db, `select min(chat_id) from chat_members where user_id = 1;
    select id from messages where chat_id = (select min(chat_id) from chat_members where user_id = 1)
     order by id offset ${Math.floor(bigChatMessages / 2)} limit 1;
    select min(id) from users where id not in (select user_id from chat_members
      where chat_id = (select min(chat_id) from chat_members where user_id = 1));`).trim().split('\n');
  const limit = 51;
  const messageCases = {
    [`the newest ${limit - 1} of ${bigChatMessages} (opening the chat)`]: `${big}, 1, null, null, true, ${limit}, true, true, true`,
    'before a cursor half way back (scrolling up)': `${big}, 1, null, ${mid}, true, ${limit}, true, true, true`,
    'after a cursor half way back (reading forward)': `${big}, 1, ${mid}, null, false, ${limit}, true, true, true`,
    'a viewer who is not a member': `${big}, ${outsider}, null, null, true, ${limit}, true, true, true`,
  };
  let messagesFailed = false;
  for (const [name, params] of Object.entries(messageCases)) {
    const plan = settledPlan(messagePage, params, 'analyze, costs off, summary on');
    const last = plan.trim().split('\n');
    const scans = last.filter((l) => /Scan.* on messages x/.test(l));
    const read = scans.reduce((n, l) => n + Number(/actual time=[\d.]+\.\.[\d.]+ rows=(\d+)/.exec(l)?.[1] ?? 0), 0);
    const removed = last.filter((l) => /Rows Removed by Filter: (\d+)/.test(l)).reduce((n, l) => n + Number(/Rows Removed by Filter: (\d+)/.exec(l)[1]), 0);
    const seq = scans.some((l) => /Seq Scan/.test(l));
    console.log(`\n== message page: ${name}: ${read} messages read, ${removed} rows filtered out\n${last.join('\n').trim()}`);
    if (seq || read > limit + 5 || removed > limit) {
      messagesFailed = true;
      console.log('!! this page reads more of the chat than it returns');
    }
  }
  console.log(messagesFailed ? '\nFAIL: a message page grows with the chat' : '\nOK: every message page reads only its own messages');
  process.exitCode = failed || messagesFailed ? 1 : 0;
} finally {
  psql('postgres', `drop database if exists ${db};`);
}
