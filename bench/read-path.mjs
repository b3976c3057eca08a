// Read-path benchmark (issue 10): the gateway's chat list, `me` and REST shims against
// PostGraphile v4 on the same seeded database, side by side. See bench/README.md,
// "Read path (issue 10)".
//
//   node bench/read-path.mjs [--users 200] [--chats-per-user 30] [--messages 100000]
//                            [--seconds 10] [--rounds 2] [--only chats20,me] [--help]
//
// The script seeds a fresh database through SQL, starts one gateway instance (GATEWAY_BIN)
// and PostGraphile (bench/postgraphile/server.js) on free 127.0.0.1 ports (and, for
// miniapp_me_vs_fastapi, the FastAPI peer bench/fastapi/app.py under uvicorn), runs each pair of
// requests alternately (A, B, A, B, ...) with wrk (or autocannon), prints one JSON line per
// run and a summary, then stops everything and drops the database (also on error/Ctrl-C).
import { createRequire } from 'node:module';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  GATEWAY_BIN, ENVIRONMENT_HELP, usageText, parseOptions, checkBenchDb, checkLocalUrls, loadClients, makeLog, emitJson, printTable,
  roundScaled as round, cpuTimes, loadavg, serviceCpu, cpuMapDelta, cpuMsOf, freePort, httpRequest, AUTHENTICATE, initDataFor, runTag,
  dbUrlOf, dropDatabase as dropDb, cleanRedisPrefix, requireGatewayBin, makeLogDir, gatewayEnv as baseGatewayEnv, Children, guardRun,
} from './lib.mjs';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));

// ------------------------------------------------------------------ options

const DEFAULTS = {
  users: 200, // seeded users
  'chats-per-user': 30, // chats each user is a member of (private + group)
  'private-per-user': 10, // of those, private chats (even; each user pairs with the next N/2 users, circularly)
  'group-size': 10, // members of each group chat
  messages: 100000, // messages in total, spread round robin over the chats
  'unread-max': 20, // each membership has read all but 0..N of its chat's newest messages
  viewers: 16, // users the requests rotate over (signed in via initData)
  seconds: 10, // one run
  'warmup-seconds': 2, // per side, before the first run of a comparison (not recorded)
  rounds: 2, // A,B pairs per comparison and connection count
  connections: '16,1', // connection counts for the comparisons that use both
  only: '', // comma list of comparisons (default: all): chats20,chats5,chats20_unread,rest_vs_graphql,me_vs_health,miniapp_me,miniapp_me_vs_fastapi
  tool: 'auto', // wrk | autocannon | auto (wrk when installed)
  pin: false, // taskset: servers on CPU 1, the load generator on CPU 0 (Postgres unpinned)
  'count-statements': true, // statements per request (pg_stat_statements, else a counting wire proxy)
  'count-requests': 50, // sequential requests per endpoint when counting statements
  'baseline-bin': '', // another gateway build for miniapp_me_vs_baseline (e.g. round 1's), on its own database <db>_baseline
  'db-connections': 10, // DATABASE_MAX_CONNECTIONS of the gateway, PostGraphile's and FastAPI's pool size (10: both servers' default)
  'pg-sslmode': 'disable', // sslmode of the gateway's DATABASE_URL (PostGraphile's pg never uses TLS here)
  db: 'mg_bench_read', // database name (must start with mg_bench; dropped at start and end)
  pg: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432',
  redis: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  'rust-log': process.env.RUST_LOG ?? 'warn',
  'idle-max-busy': 30, // before each run, wait while the machine is busier than this (% CPU over 1 s, e.g. a build) ...
  'idle-wait-seconds': 30, // ... but at most this long (0: never wait)
  'max-minutes': 40, // hard wall-clock bound for the whole run
  out: '', // also append the JSON lines to this file
  'keep-db': false, // leave the seeded database behind at the end (for EXPLAIN; dropped at the next start)
  'log-dir': '', // logs of the gateway and PostGraphile (default: a new /tmp/mg-read-path-* directory)
};

const COMPARISONS = ['chats20', 'chats5', 'chats20_unread', 'rest_vs_graphql', 'me_vs_health', 'miniapp_me', 'miniapp_me_vs_fastapi', 'miniapp_me_vs_fastapi_orm', 'miniapp_me_vs_baseline'];

const USAGE = usageText(
  `usage: node bench/read-path.mjs [--option value ...]

Seeds a database through SQL, starts one gateway instance and PostGraphile v4 on it and
runs the read-path comparisons alternately with wrk (or autocannon). Comparisons:
  chats20          GraphQL chats(first:20) vs PostGraphile's closest query, at --connections
  chats5           the same with first:5
  chats20_unread   GraphQL chats(first:20) vs PostGraphile + an unread-count computed column, 16 connections
  rest_vs_graphql  GET /api/v1/chats?limit=20 vs GraphQL chats(first:20), 1 connection
  me_vs_health     GraphQL { me { id } } (JWT) vs GET /health/live, at --connections
  miniapp_me       GET /api/users/me (Authorization: tma <initData>) alone, 16 connections
  miniapp_me_vs_fastapi
                   GET /api/users/me (tma <initData>) vs the FastAPI peer's GET /api/users/me
                   (Bearer <initData>; bench/fastapi/app.py: asyncpg, uvicorn, one worker), 16 connections
  miniapp_me_vs_fastapi_orm
                   the same vs bench/fastapi/app_orm.py (the same route as templates write it:
                   pydantic-settings, SQLAlchemy 2 ORM with an AsyncSession per request)
  miniapp_me_vs_baseline
                   GET /api/users/me (tma <initData>) vs the same on --baseline-bin, another
                   gateway build on its own database <db>_baseline (only with --baseline-bin)

${ENVIRONMENT_HELP}
  FASTAPI_PYTHON   Python for the FastAPI peer, with bench/fastapi/requirements.txt installed
                   (default: a venv at $HOME/.cache/messenger-gateway/fastapi-venv, made with
                   python3 and pip-installed from that file when missing or when the file changed)`,
  DEFAULTS,
);

const opts = parseOptions(process.argv.slice(2), DEFAULTS, USAGE, (o) => {
  o.connList = String(o.connections)
    .split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  if (!o.connList.length) throw new Error('--connections: at least one positive integer');
  o.onlyList = o.only ? String(o.only).split(',').map((s) => s.trim()).filter(Boolean) : COMPARISONS.filter((c) => c !== 'miniapp_me_vs_baseline' || o['baseline-bin']);
  for (const c of o.onlyList) if (!COMPARISONS.includes(c)) throw new Error(`--only: unknown comparison ${c} (${COMPARISONS.join(', ')})`);
  if (o.onlyList.includes('miniapp_me_vs_baseline') && !o['baseline-bin']) throw new Error('miniapp_me_vs_baseline needs --baseline-bin <gateway binary>');
  if (o['baseline-bin'] && !existsSync(o['baseline-bin'])) throw new Error(`--baseline-bin: no file ${o['baseline-bin']}`);
  if (!['auto', 'wrk', 'autocannon'].includes(o.tool)) throw new Error('--tool must be wrk, autocannon or auto');
  checkBenchDb(o.db);
  if (!/^[a-z-]+$/.test(o['pg-sslmode'])) throw new Error('--pg-sslmode: e.g. disable, prefer, require');
  o.users = Math.floor(o.users);
  o.privatePairs = Math.floor(o['private-per-user'] / 2); // each user pairs with the next K users
  if (o.users < 3) throw new Error('--users must be at least 3');
  if (o.privatePairs * 2 >= o.users) throw new Error('--private-per-user must be below --users');
  if (o['group-size'] < 2 || o['group-size'] > o.users) throw new Error('--group-size must be between 2 and --users');
  o.groupsPerUser = Math.max(0, o['chats-per-user'] - o.privatePairs * 2);
  o.groups = Math.ceil((o.users * o.groupsPerUser) / o['group-size']);
  o.chats = o.users * o.privatePairs + o.groups;
  if (o.chats < 1) throw new Error('no chats: raise --chats-per-user');
  if (o.viewers < 1 || o.viewers > o.users) throw new Error('--viewers must be between 1 and --users');
  if (o.seconds < 1) throw new Error('--seconds must be at least 1');
  if (o.rounds < 1) throw new Error('--rounds must be at least 1');
  checkLocalUrls([o.pg, o.redis]);
  return o;
});

const { sign } = loadClients(false);

const POSTGRAPHILE_DIR = path.join(BENCH_DIR, 'postgraphile');
const FASTAPI_DIR = path.join(BENCH_DIR, 'fastapi');
const BOT_TOKEN = '123456:read-path-bench-token';
const { REDIS_PREFIX } = runTag();
const TELEGRAM_BASE = 7_300_000_000; // seeded users' telegram_id = base + index
const PG_BASE = opts.pg.replace(/\/$/, '');
const DB_URL = dbUrlOf(opts.pg, opts.db);

const log = makeLog('read-path');

// ------------------------------------------------------------------ processes and cleanup

const children = new Children(log); // { name, proc, exited, done, logFile, ... }
let logDir = '';
let proxy = null;

function psql(dbName, sql, timeout = 30 * 60_000) {
  return spawnSync('psql', [`${PG_BASE}/${dbName}`, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1'], {
    input: sql,
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 * 1024 * 1024,
  });
}

function psqlOk(dbName, sql, what, timeout) {
  const r = psql(dbName, sql, timeout);
  if (r.error || r.status !== 0) throw new Error(`${what}: ${r.error?.message ?? r.stderr.trim()}`);
  return r.stdout.trim();
}

const BASELINE_DB = `${opts.db}_baseline`;
const dropDatabase = () => dropDb(opts.pg, opts.db, log, 60_000) && (!opts['baseline-bin'] || dropDb(opts.pg, BASELINE_DB, log, 60_000));

const withPin = (cpu, cmd, args) => (opts.pin ? ['taskset', ['-c', String(cpu), cmd, ...args]] : [cmd, args]);

const JWT_SECRET = randomBytes(32).toString('hex');
function gatewayEnv(databaseUrl, redisPrefix = REDIS_PREFIX) {
  const sep = databaseUrl.includes('?') ? '&' : '?';
  return baseGatewayEnv(
    {
      databaseUrl: `${databaseUrl}${sep}sslmode=${opts['pg-sslmode']}`,
      dbConnections: opts['db-connections'],
      redisUrl: opts.redis,
      redisPrefix,
      botToken: BOT_TOKEN,
      rustLog: opts['rust-log'],
      jwtSecret: JWT_SECRET,
    },
    { INIT_DATA_MAX_AGE_SECONDS: '0' }, // initData signed once at start stays valid for the whole run
  );
}

const startGateway = (name, port, databaseUrl, { bin = GATEWAY_BIN, redisPrefix = REDIS_PREFIX } = {}) =>
  children.startGateway(name, port, gatewayEnv(databaseUrl, redisPrefix), { logDir, logFile: path.join(logDir, `${name}.log`), label: name, command: (cmd, args) => withPin(1, cmd, args), bin });

async function startPostGraphile(name, port, databaseUrl) {
  const [cmd, args] = withPin(1, process.execPath, [path.join(POSTGRAPHILE_DIR, 'server.js'), '--port', String(port), '--db', databaseUrl, '--pool', String(opts['db-connections'])]);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'production' };
  const child = children.spawn(name, cmd, args, { cwd: POSTGRAPHILE_DIR, env, logFile: path.join(logDir, `${name}.log`), port });
  return children.waitReady(child, async () => {
    const r = await request(port, 'POST', '/graphql', JSON.stringify({ query: '{ __typename }' }), { 'content-type': 'application/json' }, 2000);
    return r.status === 200;
  });
}

/** The interpreter of the FastAPI peer: FASTAPI_PYTHON as given, else a venv in
 *  ~/.cache/messenger-gateway made with python3 and pip-installed from
 *  bench/fastapi/requirements.txt (again when that file changed). Throws a clear error when
 *  the install or the imports fail. */
function fastApiPython() {
  const reqFile = path.join(FASTAPI_DIR, 'requirements.txt');
  const check = (python) => {
    const r = spawnSync(python, ['-c', 'import fastapi, uvicorn, asyncpg, pydantic, pydantic_settings, sqlalchemy; print(fastapi.__version__, uvicorn.__version__, asyncpg.__version__, pydantic.VERSION, sqlalchemy.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    if (r.error || r.status !== 0) throw new Error(`the FastAPI peer's Python (${python}) cannot import fastapi/uvicorn/asyncpg/pydantic/pydantic_settings/sqlalchemy: ${r.error?.message ?? r.stderr.trim().split('\n').at(-1)}; install bench/fastapi/requirements.txt into it`);
    return r.stdout.trim();
  };
  if (process.env.FASTAPI_PYTHON) {
    const versions = check(process.env.FASTAPI_PYTHON);
    log(`FastAPI peer: FASTAPI_PYTHON=${process.env.FASTAPI_PYTHON} (fastapi, uvicorn, asyncpg, pydantic, sqlalchemy ${versions})`);
    return process.env.FASTAPI_PYTHON;
  }
  const venv = path.join(process.env.HOME ?? os.homedir(), '.cache', 'messenger-gateway', 'fastapi-venv');
  const python = path.join(venv, 'bin', 'python');
  const stamp = path.join(venv, '.requirements-sha256');
  const want = createHash('sha256').update(readFileSync(reqFile)).digest('hex');
  if (!existsSync(python)) {
    log(`FastAPI peer: creating a venv in ${venv} with python3`);
    const r = spawnSync('python3', ['-m', 'venv', venv], { encoding: 'utf8', timeout: 5 * 60_000 });
    if (r.error || r.status !== 0) throw new Error(`python3 -m venv ${venv} failed (need python3 with venv; or set FASTAPI_PYTHON): ${r.error?.message ?? r.stderr.trim()}`);
  }
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== want) {
    log(`FastAPI peer: pip install -r ${reqFile}`);
    const r = spawnSync(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', reqFile], { encoding: 'utf8', timeout: 10 * 60_000 });
    if (r.error || r.status !== 0) throw new Error(`pip install -r ${reqFile} into ${venv} failed (PyPI reachable? or set FASTAPI_PYTHON to an interpreter that has them): ${r.error?.message ?? r.stderr.trim().split('\n').slice(-5).join(' | ')}`);
    writeFileSync(stamp, `${want}\n`);
  }
  const versions = check(python);
  log(`FastAPI peer: ${python} (fastapi, uvicorn, asyncpg, pydantic, sqlalchemy ${versions})`);
  return python;
}

/** bench/fastapi/<module>.py (app: asyncpg; app_orm: SQLAlchemy ORM) under `uvicorn
 *  <module>:app` (one worker, uvicorn's defaults, access log off like the gateway's
 *  per-request logs), same bot token as the gateway, initData valid for a day (it is signed
 *  once at start), a pool of --db-connections. */
async function startFastApi(name, port, databaseUrl, module) {
  const sep = databaseUrl.includes('?') ? '&' : '?';
  const [cmd, args] = withPin(1, fastApiPythonPath, ['-m', 'uvicorn', `${module}:app`, '--host', '127.0.0.1', '--port', String(port), '--no-access-log', '--log-level', 'warning']);
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    BOT_TOKEN,
    DATABASE_URL: `${databaseUrl}${sep}sslmode=${opts['pg-sslmode']}`,
    INIT_DATA_MAX_AGE: '86400',
    DB_POOL_SIZE: String(opts['db-connections']),
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1', // no __pycache__ in bench/fastapi
  };
  const child = children.spawn(name, cmd, args, { cwd: FASTAPI_DIR, env, logFile: path.join(logDir, `${name}.log`), port });
  return children.waitReady(child, async () => (await request(port, 'GET', '/api/health', null, {}, 2000)).status === 200);
}
let fastApiPythonPath = '';

const loadProcs = new Set(); // running wrk processes
const run = guardRun({
  log,
  teardown: async () => {
    for (const p of loadProcs) if (p.exitCode === null) p.kill('SIGKILL');
    await children.stopAll();
    if (proxy) proxy.close();
    if (opts['keep-db']) log(`database ${opts.db} kept (--keep-db)`);
    else dropDatabase();
    cleanRedisPrefix(opts.redis, REDIS_PREFIX);
    agent.destroy();
    if (logDir) log(`logs kept in ${logDir}`);
  },
  kill: () => {
    children.killAll();
    for (const p of loadProcs) p.kill('SIGKILL');
  },
  interruptMessage: 'stopping everything and dropping the database (again to force)',
  watchdogMs: opts['max-minutes'] * 60_000,
  watchdogMessage: `--max-minutes ${opts['max-minutes']} reached: aborting`,
});

// ------------------------------------------------------------------ HTTP client (setup and checks)

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

/** One request to 127.0.0.1:port; resolves {status, text, json} or {error}. Never rejects. */
const request = (port, method, pathName, body, headers, timeoutMs = 30000) =>
  httpRequest(agent, port, method, pathName, body, { ...headers, ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) }, timeoutMs);

// ------------------------------------------------------------------ seeding

/** The whole seed as one psql script: users, private chats (each user with the next
 *  K users, circularly), group chats (consecutive users), members, messages round robin
 *  over the chats, then the denormalised pointers (chats.last_message_id/_at and the
 *  members' read/delivered watermarks). Everything respects the migrations' checks. */
function seedSql() {
  const U = opts.users;
  const K = opts.privatePairs;
  const G = opts.groups;
  const M = opts['group-size'];
  const N = Math.floor(opts.messages);
  const R = Math.floor(opts['unread-max']);
  return `
\\set ON_ERROR_STOP 1
begin;
set local synchronous_commit = off;

insert into users (telegram_id, username, name, first_name, last_name, language_code, last_seen_at, created_at, updated_at)
select ${TELEGRAM_BASE} + g, 'bench_' || g, 'Bench User ' || g, 'Bench', 'User ' || g, 'en',
       now() - (g % 97) * interval '1 minute', now() - interval '400 days', now() - interval '400 days'
from generate_series(0, ${U - 1}) g;

create temp table u on commit drop as
select id, (telegram_id - ${TELEGRAM_BASE})::int as idx from users where telegram_id >= ${TELEGRAM_BASE} and telegram_id < ${TELEGRAM_BASE + U};
create unique index on u (idx);

-- n: a 1-based chat number; private chats first, then groups.
create temp table spec on commit drop as
select row_number() over (order by kind, a, b, g) as n, kind, a, b, g from (
  select 'private' as kind, x as a, (x + k) % ${U} as b, null::int as g
  from generate_series(0, ${U - 1}) x, generate_series(1, ${K}) k
  union all
  select 'group', null, null, y from generate_series(0, ${G - 1}) y
) s;

insert into chats (public_id, type, title, created_by, pair_low_user_id, pair_high_user_id, created_at, last_message_at, updated_at)
select 'bench' || lpad(s.n::text, 19, '0'), s.kind,
       case when s.kind = 'group' then 'Bench group ' || s.g end,
       case when s.kind = 'group' then ow.id else ua.id end,
       case when s.kind = 'private' then least(ua.id, ub.id) end,
       case when s.kind = 'private' then greatest(ua.id, ub.id) end,
       now() - interval '60 days', now() - interval '60 days', now() - interval '60 days'
from spec s
left join u ua on ua.idx = s.a
left join u ub on ub.idx = s.b
left join u ow on ow.idx = (s.g * ${M}) % ${U}
order by s.n;

create temp table cmap on commit drop as
select c.id as chat_id, s.n, s.kind, s.a, s.b, s.g from chats c join spec s on c.public_id = 'bench' || lpad(s.n::text, 19, '0');
create unique index on cmap (n);

insert into chat_members (chat_id, user_id, role, joined_at, pinned, pinned_at)
select m.chat_id, m.user_id, m.role, now() - interval '60 days', m.pin, case when m.pin then now() - (m.user_id % 50) * interval '1 hour' end
from (
  select c.chat_id, u.id as user_id, 'member' as role, ((u.id + c.chat_id) % 15 = 0) as pin
  from cmap c join u on u.idx in (c.a, c.b) where c.kind = 'private'
  union all
  select c.chat_id, u.id, case when j = 0 then 'owner' else 'member' end, ((u.id + c.chat_id) % 15 = 0)
  from cmap c cross join generate_series(0, ${M - 1}) j join u on u.idx = (c.g * ${M} + j) % ${U}
  where c.kind = 'group'
) m
order by m.chat_id, m.role desc, m.user_id;

-- slot: 0-based member number within a chat; cnt: the chat's member count.
create temp table slots on commit drop as
select chat_id, user_id, (row_number() over (partition by chat_id order by user_id) - 1)::int as slot,
       (count(*) over (partition by chat_id))::int as cnt
from chat_members;
create unique index on slots (chat_id, slot);
alter table cmap add column cnt int;
update cmap c set cnt = x.cnt from (select chat_id, max(cnt) as cnt from slots group by chat_id) x where x.chat_id = c.chat_id;
analyze cmap;
analyze slots;

-- Message i goes to chat (i mod chats) + 1, from member ((i / chats) mod members); ids
-- grow with created_at, over the last 30 days.
insert into messages (chat_id, sender_id, type, text, created_at, updated_at)
select c.chat_id, s.user_id, 'text',
       'bench message ' || i || ' ' || repeat('lorem ipsum ', 1 + (i % 12)),
       now() - interval '30 days' + i * (interval '30 days' / ${Math.max(N, 1)}),
       now() - interval '30 days' + i * (interval '30 days' / ${Math.max(N, 1)})
from generate_series(1, ${N}) i
join cmap c on c.n = (i % ${opts.chats}) + 1
join slots s on s.chat_id = c.chat_id and s.slot = ((i / ${opts.chats}) % c.cnt)::int
order by i;

update chats ch set last_message_id = x.mid, last_message_at = x.at
from (select chat_id, max(id) as mid, max(created_at) as at from messages group by chat_id) x
where x.chat_id = ch.id;

-- Each member has read all but the newest ((user + chat * 13) mod (R + 1)) messages.
with ranked as (
  select chat_id, id, (row_number() over (partition by chat_id order by id desc) - 1)::int as back
  from messages
), wanted as (
  select m.chat_id, m.user_id, ((m.user_id + m.chat_id * 13) % ${R + 1})::int as back from chat_members m
)
update chat_members cm set last_read_message_id = r.id, last_delivered_message_id = r.id
from wanted w join ranked r on r.chat_id = w.chat_id and r.back = w.back
where cm.chat_id = w.chat_id and cm.user_id = w.user_id;

commit;
vacuum (analyze) users, chats, chat_members, messages;
select json_build_object(
  'users', (select count(*) from users),
  'chats', (select count(*) from chats),
  'private', (select count(*) from chats where type = 'private'),
  'groups', (select count(*) from chats where type = 'group'),
  'memberships', (select count(*) from chat_members),
  'messages', (select count(*) from messages),
  'chats_per_user_min', (select min(n) from (select count(*) n from chat_members group by user_id) x),
  'chats_per_user_max', (select max(n) from (select count(*) n from chat_members group by user_id) x),
  'unread_avg', (select round(avg(n), 1) from (
     select count(ms.id) n from chat_members m
     left join messages ms on ms.chat_id = m.chat_id and ms.id > m.last_read_message_id and ms.sender_id <> m.user_id
     group by m.chat_id, m.user_id) x),
  'db_size', pg_size_pretty(pg_database_size(current_database()))
);
`;
}

/** Helpers for PostGraphile's side (exposed by it as `benchViewerChats(viewer)` and
 *  `Chat.benchUnreadCount(viewer)`); the gateway never calls them. */
const POSTGRAPHILE_SQL = `
\\set ON_ERROR_STOP 1
create function bench_viewer_chats(viewer bigint) returns setof chats
language sql stable as $$
  select c.* from chat_members m join chats c on c.id = m.chat_id
  where m.user_id = viewer and not m.archived
  order by m.pinned desc, m.pinned_at desc nulls last, c.last_message_at desc, c.id desc
$$;
create function chats_bench_unread_count(c chats, viewer bigint) returns integer
language sql stable as $$
  select count(*)::int from chat_members cm
  join messages ms on ms.chat_id = cm.chat_id
   and ms.id > greatest(cm.last_read_message_id, cm.cleared_before_message_id)
   and ms.sender_id <> viewer and ms.deleted_at is null
  where cm.chat_id = c.id and cm.user_id = viewer
$$;
`;

// ------------------------------------------------------------------ requests

const gqlChats = (n) => `{ chats(first: ${n}) { edges { node { lastMessage { text sender { id displayName } } unreadCount members { user { id } } } } } }`;
const pgChats = (n, unread) =>
  `query($v: BigInt!) { benchViewerChats(viewer: $v, first: ${n}) { nodes { ${unread ? 'benchUnreadCount(viewer: $v) ' : ''}messageByLastMessageId { text userBySenderId { id firstName } } chatMembersByChatId { nodes { userByUserId { id } } } } } }`;

/** `GET /api/users/me` with the viewer's initData under `scheme` (the gateway takes `tma`,
 *  the seed documents `Bearer`); every server answers the seed's envelope. */
const usersMe = (label, server, port, scheme) => ({
  label,
  server,
  port,
  make: (v) => ({ method: 'GET', path: '/api/users/me', headers: { Authorization: `${scheme} ${v.initData}` }, body: null }),
  check: (j) => j?.success === true && Number(j?.data?.telegram_id) > 0,
});

/** A request kind: one HTTP request per viewer (rotated by the load generator), a server
 *  and a check of its answer. */
function kinds(env) {
  const json = { 'Content-Type': 'application/json' };
  const bearer = (v) => ({ Authorization: `Bearer ${v.token}` });
  const gqlPost = (query) => (v) => ({ method: 'POST', path: '/graphql', headers: { ...json, ...bearer(v) }, body: JSON.stringify({ query }) });
  const pgPost = (query) => (v) => ({ method: 'POST', path: '/graphql', headers: json, body: JSON.stringify({ query, variables: { v: String(v.id) } }) });
  // A full page: n chats, or all of the viewer's when they have fewer (at least the seed's minimum).
  const full = (len, n) => len <= n && len >= Math.min(n, env.minChats);
  const edgesOf = (n) => (j) => {
    const edges = j?.data?.chats?.edges;
    return Array.isArray(edges) && full(edges.length, n) && edges.every((e) => typeof e.node.unreadCount === 'number');
  };
  const nodesOf = (n, unread) => (j) => {
    const nodes = j?.data?.benchViewerChats?.nodes;
    return Array.isArray(nodes) && full(nodes.length, n) && (!unread || nodes.every((x) => typeof x.benchUnreadCount === 'number'));
  };
  return {
    gql_chats20: { label: 'GraphQL chats(first:20)', server: 'gateway', port: env.gw, make: gqlPost(gqlChats(20)), check: edgesOf(20) },
    gql_chats5: { label: 'GraphQL chats(first:5)', server: 'gateway', port: env.gw, make: gqlPost(gqlChats(5)), check: edgesOf(5) },
    pg_chats20: { label: 'PostGraphile benchViewerChats(first:20)', server: 'postgraphile', port: env.pg, make: pgPost(pgChats(20, false)), check: nodesOf(20, false) },
    pg_chats5: { label: 'PostGraphile benchViewerChats(first:5)', server: 'postgraphile', port: env.pg, make: pgPost(pgChats(5, false)), check: nodesOf(5, false) },
    pg_chats20_unread: { label: 'PostGraphile benchViewerChats(first:20) + benchUnreadCount', server: 'postgraphile', port: env.pg, make: pgPost(pgChats(20, true)), check: nodesOf(20, true) },
    rest_chats20: {
      label: 'REST GET /api/v1/chats?limit=20',
      server: 'gateway',
      port: env.gw,
      make: (v) => ({ method: 'GET', path: '/api/v1/chats?limit=20', headers: bearer(v), body: null }),
      check: (j) => Array.isArray(j) && full(j.length, 20),
    },
    gql_me: { label: 'GraphQL { me { id } } (JWT)', server: 'gateway', port: env.gw, make: gqlPost('{ me { id } }'), check: (j) => Boolean(j?.data?.me?.id) },
    health_live: { label: 'GET /health/live', server: 'gateway', port: env.gw, make: () => ({ method: 'GET', path: '/health/live', headers: {}, body: null }), check: (j, status) => status === 200 },
    miniapp_me: usersMe('REST GET /api/users/me (tma initData)', 'gateway', env.gw, 'tma'),
    fastapi_me: usersMe('FastAPI GET /api/users/me (Bearer initData)', 'fastapi', env.fa, 'Bearer'),
    fastapi_orm_me: usersMe('FastAPI + SQLAlchemy ORM GET /api/users/me (Bearer initData)', 'fastapi_orm', env.fo, 'Bearer'),
    baseline_me: usersMe('baseline build: REST GET /api/users/me (tma initData)', 'baseline', env.bl, 'tma'),
  };
}

/** Every viewer's request of a kind, checked once; returns the response size. */
async function verifyKind(kind, viewers) {
  let bytes = 0;
  for (const v of viewers) {
    const spec = kind.make(v);
    const r = await request(kind.port, spec.method, spec.path, spec.body, spec.headers);
    const ok = !r.error && r.status === 200 && !r.json?.errors && kind.check(r.json, r.status);
    if (!ok) throw new Error(`${kind.label} for viewer ${v.id} failed: ${r.error ?? `${r.status} ${r.text.slice(0, 300)}`}`);
    bytes = Math.max(bytes, Buffer.byteLength(r.text));
  }
  return bytes;
}

// ------------------------------------------------------------------ load generators

function luaString(s) {
  let out = '"';
  for (const ch of Buffer.from(s, 'utf8')) {
    if (ch === 0x22) out += '\\"';
    else if (ch === 0x5c) out += '\\\\';
    else if (ch < 0x20 || ch > 0x7e) out += `\\${ch}`;
    else out += String.fromCharCode(ch);
  }
  return `${out}"`;
}

function wrkScript(specs, checkErrors) {
  const entries = specs
    .map((s) => {
      const headers = Object.entries(s.headers)
        .map(([k, v]) => `[${luaString(k)}] = ${luaString(v)}`)
        .join(', ');
      return `  { method = ${luaString(s.method)}, path = ${luaString(s.path)}, headers = { ${headers} }, body = ${s.body === null ? 'nil' : luaString(s.body)} },`;
    })
    .join('\n');
  return `-- generated by bench/read-path.mjs
local specs = {
${entries}
}
local reqs = {}
local idx = 0
bad = 0
sample = ""
function init(args)
  for i, s in ipairs(specs) do reqs[i] = wrk.format(s.method, s.path, s.headers, s.body) end
end
function request()
  idx = idx % #reqs + 1
  return reqs[idx]
end
function response(status, headers, body)
  if status ~= 200 ${checkErrors ? `or (body and string.find(body, '"errors"', 1, true))` : ''} then
    bad = bad + 1
    if sample == "" then sample = status .. " " .. string.sub(body or "", 1, 200) end
  end
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local b = 0
  local smp = ""
  for _, t in ipairs(threads) do
    b = b + t:get("bad")
    local s = t:get("sample")
    if smp == "" and s ~= nil then smp = s end
  end
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"bad":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}\\n',
    summary.requests, summary.duration, b, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
  if smp ~= "" then io.write("WRKSAMPLE " .. string.gsub(smp, "\\n", " ") .. "\\n") end
end
`;
}

let autocannon = null;
let toolName = '';

function chooseTool() {
  const hasWrk = spawnSync('wrk', ['-v'], { encoding: 'utf8' }).error === undefined;
  if (opts.tool === 'wrk' || (opts.tool === 'auto' && hasWrk)) {
    if (!hasWrk) throw new Error('wrk is not installed (apt-get install wrk), or use --tool autocannon');
    toolName = 'wrk';
    return;
  }
  try {
    autocannon = createRequire(path.join(BENCH_DIR, 'package.json'))('autocannon');
  } catch (error) {
    throw new Error(`neither wrk (apt-get install wrk) nor autocannon ((cd bench && npm ci)) is available: ${error.message}`);
  }
  toolName = 'autocannon';
}

/** Runs the load generator for `seconds` at `connections`; resolves the figures. */
async function runLoad(port, specs, connections, seconds, checkErrors) {
  if (toolName === 'wrk') {
    const script = path.join(logDir, `wrk-${randomBytes(4).toString('hex')}.lua`);
    writeFileSync(script, wrkScript(specs, checkErrors));
    const [cmd, args] = withPin(0, 'wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', script, `http://127.0.0.1:${port}`]);
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    loadProcs.add(proc);
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    const killer = setTimeout(() => proc.kill('SIGKILL'), (seconds + 30) * 1000);
    const code = await new Promise((resolve) => proc.on('exit', (c) => resolve(c)));
    clearTimeout(killer);
    loadProcs.delete(proc);
    const line = stdout.split('\n').find((l) => l.startsWith('WRKJSON '));
    if (!line) throw new Error(`wrk exited ${code} without figures: ${stderr.trim() || stdout.trim()}`);
    const w = JSON.parse(line.slice(8));
    const sample = stdout.split('\n').find((l) => l.startsWith('WRKSAMPLE '))?.slice(10) ?? '';
    const errors = w.bad + w.connect + w.read + w.write + w.timeout; // status errors are counted in bad
    return {
      requests: w.requests,
      seconds: w.duration_us / 1e6,
      errors,
      error_detail: { bad_response: w.bad, connect: w.connect, read: w.read, write: w.write, timeout: w.timeout },
      error_sample: sample,
      p50: w.p50 / 1000,
      p90: w.p90 / 1000,
      p99: w.p99 / 1000,
      max: w.max / 1000,
      mean: w.mean / 1000,
    };
  }
  let bad = 0;
  let sample = '';
  const requests = specs.map((s) => ({
    method: s.method,
    path: s.path,
    headers: s.headers,
    ...(s.body === null ? {} : { body: s.body }),
    onResponse: (status, body) => {
      if (status !== 200 || (checkErrors && body?.includes('"errors"'))) {
        bad += 1;
        if (!sample) sample = `${status} ${String(body).slice(0, 200)}`;
      }
    },
  }));
  const result = await new Promise((resolve, reject) => {
    autocannon({ url: `http://127.0.0.1:${port}`, connections, duration: seconds, requests, timeout: 10 }, (error, res) => (error ? reject(error) : resolve(res)));
  });
  return {
    requests: result.requests.total,
    seconds: result.duration,
    errors: bad + result.errors + result.timeouts,
    error_detail: { bad_response: bad, errors: result.errors, timeouts: result.timeouts },
    error_sample: sample,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    mean: result.latency.average,
  };
}

// ------------------------------------------------------------------ CPU accounting

/** CPU ms of the servers, of this database's Postgres backends, and machine-wide busy/total jiffies. */
function cpuSnapshot() {
  const pg = serviceCpu(opts.db).ownDb;
  const { idle, total } = cpuTimes();
  return {
    servers: Object.fromEntries(children.list.filter((c) => !c.done).map((c) => [c.name, cpuMsOf(c.proc.pid) ?? 0])),
    pg,
    idle,
    total,
  };
}

function cpuDelta(a, b) {
  const pg = cpuMapDelta(a.pg, b.pg);
  const servers = {};
  for (const k of Object.keys(b.servers)) servers[k] = b.servers[k] - (a.servers[k] ?? 0);
  const total = b.total - a.total;
  return { servers, postgres: pg, machine_busy_pct: total > 0 ? round((100 * (total - (b.idle - a.idle))) / total, 1) : null };
}

// ------------------------------------------------------------------ statement counting

/** A TCP proxy in front of Postgres that counts the client's Execute ('E') and simple
 *  Query ('Q') messages, Sync ('S') ones (each one waits for ReadyForQuery: a round trip;
 *  sqlx also sends one to check a pooled connection on acquire) and Parse ('P') ones.
 *  Needs plaintext: it answers SSLRequest/GSSENCRequest with 'N'. */
function startCountingProxy(pgPort) {
  const counts = { statements: 0, syncs: 0, parses: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect(pgPort, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let started = false;
    client.on('data', (data) => {
      buf = buf.length ? Buffer.concat([buf, data]) : data;
      let forward = [];
      for (;;) {
        if (!started) {
          if (buf.length < 8) break;
          const len = buf.readInt32BE(0);
          if (buf.length < len) break;
          const code = buf.readInt32BE(4);
          if (len === 8 && (code === 80877103 || code === 80877104)) {
            client.write('N'); // no TLS / GSS encryption: go on in plaintext
          } else {
            forward.push(buf.subarray(0, len));
            started = code === 196608 || started; // protocol 3.0 StartupMessage
            if (code === 80877102) started = true; // CancelRequest
          }
          buf = buf.subarray(len);
          continue;
        }
        if (buf.length < 5) break;
        const len = buf.readInt32BE(1);
        if (buf.length < len + 1) break;
        const type = String.fromCharCode(buf[0]);
        if (type === 'E' || type === 'Q') counts.statements += 1;
        if (type === 'S') counts.syncs += 1;
        if (type === 'P') counts.parses += 1;
        forward.push(buf.subarray(0, len + 1));
        buf = buf.subarray(len + 1);
      }
      if (forward.length) upstream.write(Buffer.concat(forward));
    });
    upstream.on('data', (d) => client.write(d));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ port: server.address().port, counts, close: () => server.close() }));
  });
}

function pgStatStatementsLoaded() {
  const r = psql('postgres', 'show shared_preload_libraries', 10000);
  return !r.error && r.status === 0 && /pg_stat_statements/.test(r.stdout);
}

/** Statements per request of each kind, on sequential requests. */
async function countStatements(kindsToCount, viewers, ports) {
  const n = Math.max(1, Math.floor(opts['count-requests']));
  const out = {};
  if (pgStatStatementsLoaded()) {
    log('counting statements with pg_stat_statements');
    psqlOk(opts.db, 'create extension if not exists pg_stat_statements', 'create extension pg_stat_statements');
    const calls = () => Number(psqlOk(opts.db, `select coalesce(sum(calls), 0) from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database()) and query not ilike '%pg_stat_statements%'`, 'read pg_stat_statements'));
    for (const [name, kind] of kindsToCount) {
      const port = ports[kind.server];
      for (let i = 0; i < 10; i += 1) await once(kind, viewers[i % viewers.length], port);
      const before = calls();
      for (let i = 0; i < n; i += 1) await once(kind, viewers[i % viewers.length], port);
      await sleep(200);
      out[name] = { statements_per_request: round((calls() - before) / n, 2), method: 'pg_stat_statements (calls)' };
    }
    return out;
  }
  log('pg_stat_statements is not in shared_preload_libraries: counting through a wire-protocol proxy on fresh instances');
  const pgPortNum = Number(new URL(opts.pg).port || 5432);
  proxy = await startCountingProxy(pgPortNum);
  const viaProxy = `postgres://${new URL(opts.pg).username || 'postgres'}@127.0.0.1:${proxy.port}/${opts.db}`;
  const gw = await startGateway('gateway-counting', await freePort(), viaProxy);
  const pgl = await startPostGraphile('postgraphile-counting', await freePort(), viaProxy);
  const wanted = (server) => kindsToCount.some(([, kind]) => kind.server === server);
  const fa = wanted('fastapi') ? await startFastApi('fastapi-counting', await freePort(), viaProxy, 'app') : null;
  const fo = wanted('fastapi_orm') ? await startFastApi('fastapi_orm-counting', await freePort(), viaProxy, 'app_orm') : null;
  try {
    for (const [name, kind] of kindsToCount) {
      const port = { gateway: gw.port, postgraphile: pgl.port, fastapi: fa?.port, fastapi_orm: fo?.port }[kind.server];
      for (let i = 0; i < 10; i += 1) await once(kind, viewers[i % viewers.length], port);
      await sleep(300);
      const before = { ...proxy.counts };
      const t0 = Date.now();
      for (let i = 0; i < n; i += 1) await once(kind, viewers[i % viewers.length], port);
      const ms = Date.now() - t0;
      await sleep(300);
      const d = (k) => round((proxy.counts[k] - before[k]) / n, 2);
      out[name] = { statements_per_request: d('statements'), sync_messages_per_request: d('syncs'), parses_per_request: d('parses'), sequential_ms_per_request: round(ms / n, 2), method: 'wire proxy (Execute + Query messages)' };
    }
    // Background statements of an idle gateway over the same kind of window.
    const before = proxy.counts.statements;
    await sleep(2000);
    out[`idle_gateway_and_postgraphile${fa ? '_and_fastapi' : ''}${fo ? '_and_fastapi_orm' : ''}_statements_per_s`] = round((proxy.counts.statements - before) / 2, 2);
  } finally {
    await children.stop(gw);
    await children.stop(pgl);
    if (fa) await children.stop(fa);
    if (fo) await children.stop(fo);
    proxy.close();
    proxy = null;
  }
  return out;
}

async function once(kind, viewer, port) {
  const spec = kind.make(viewer);
  const r = await request(port, spec.method, spec.path, spec.body, spec.headers);
  if (r.error || r.status !== 200 || r.json?.errors) throw new Error(`${kind.label}: ${r.error ?? `${r.status} ${r.text.slice(0, 200)}`}`);
}

// ------------------------------------------------------------------ runs

const emit = (line) => emitJson(line, opts.out);

/** Waits (bounded by --idle-wait-seconds) until the machine is quieter than
 *  --idle-max-busy % CPU over one second; returns the last reading and the wait. */
async function waitForQuiet() {
  const t0 = Date.now();
  let busy = 100;
  do {
    const a = cpuTimes();
    await sleep(1000);
    const b = cpuTimes();
    busy = b.total > a.total ? (100 * (b.total - a.total - (b.idle - a.idle))) / (b.total - a.total) : 0;
  } while (busy > opts['idle-max-busy'] && Date.now() - t0 < opts['idle-wait-seconds'] * 1000);
  return { busy: round(busy, 1), waited: round((Date.now() - t0) / 1000 - 1, 1) };
}

async function measure(comparison, sideName, kindName, kind, viewers, connections, runNo) {
  const specs = viewers.map((v) => kind.make(v));
  const quiet = await waitForQuiet();
  const load0 = loadavg();
  const cpu0 = cpuSnapshot();
  const r = await runLoad(kind.port, specs, connections, opts.seconds, kind.server !== 'gateway' || kindName.startsWith('gql'));
  const cpu1 = cpuSnapshot();
  const cpu = cpuDelta(cpu0, cpu1);
  const rps = r.requests / r.seconds;
  const serverCpu = cpu.servers[kind.server] ?? null;
  const line = {
    bench: 'read-path',
    comparison,
    side: sideName,
    kind: kindName,
    label: kind.label,
    connections,
    run: runNo,
    tool: toolName,
    seconds: round(r.seconds),
    requests: r.requests,
    rps: round(rps, 1),
    errors: r.errors,
    error_detail: r.error_detail,
    ...(r.error_sample ? { error_sample: r.error_sample } : {}),
    latency_ms: { p50: round(r.p50, 3), p90: round(r.p90, 3), p99: round(r.p99, 3), max: round(r.max, 3), mean: round(r.mean, 3) },
    cpu_ms_per_request: { server: r.requests ? round(serverCpu / r.requests, 3) : null, postgres: r.requests ? round(cpu.postgres / r.requests, 3) : null },
    machine_busy_pct: cpu.machine_busy_pct,
    busy_pct_before: quiet.busy,
    waited_for_quiet_s: quiet.waited,
    loadavg_start: load0,
    loadavg_end: loadavg(),
  };
  emit(line);
  for (const child of children.list) if (child.done) throw new Error(`${child.name} exited during the run; see ${child.logFile}`);
  return line;
}

function aggregate(lines) {
  const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  return {
    rps: round(mean(lines.map((l) => l.rps)), 1),
    p50: round(mean(lines.map((l) => l.latency_ms.p50)), 3),
    p99: round(mean(lines.map((l) => l.latency_ms.p99)), 3),
    errors: lines.reduce((a, l) => a + l.errors, 0),
    server_cpu_ms: round(mean(lines.map((l) => l.cpu_ms_per_request.server ?? NaN)), 3),
    pg_cpu_ms: round(mean(lines.map((l) => l.cpu_ms_per_request.postgres ?? NaN)), 3),
    load1: lines.at(-1)?.loadavg_end.split(' ')[0],
  };
}

async function compare(name, aName, bName, connList, all, viewers, ratioLabel) {
  const rows = [];
  for (const connections of connList) {
    const A = all[aName];
    const B = bName ? all[bName] : null;
    log(`${name}: ${A.label}${B ? ` vs ${B.label}` : ''} at ${connections} connection(s), ${opts.rounds} round(s) of ${opts.seconds} s`);
    if (opts['warmup-seconds'] > 0) {
      for (const k of [A, B].filter(Boolean)) await runLoad(k.port, viewers.map((v) => k.make(v)), connections, opts['warmup-seconds'], false);
    }
    const aLines = [];
    const bLines = [];
    for (let i = 1; i <= opts.rounds; i += 1) {
      aLines.push(await measure(name, 'A', aName, A, viewers, connections, i));
      if (B) bLines.push(await measure(name, 'B', bName, B, viewers, connections, i));
    }
    const a = aggregate(aLines);
    const b = B ? aggregate(bLines) : null;
    const row = {
      bench: 'read-path',
      summary: true,
      comparison: name,
      connections,
      a: { kind: aName, label: A.label, ...a },
      ...(b ? { b: { kind: bName, label: B.label, ...b } } : {}),
      ...(b
        ? {
            ratio_label: ratioLabel,
            rps_ratio_a_over_b: round(a.rps / b.rps, 3),
            p50_ratio_a_over_b: round(a.p50 / b.p50, 3),
            p99_ratio_a_over_b: round(a.p99 / b.p99, 3),
          }
        : {}),
    };
    emit(row);
    rows.push(row);
  }
  return rows;
}

function printSummary(rows, counts, sizes) {
  const table = [['comparison', 'conns', 'A', 'A rps', 'A p50/p99 ms', 'B', 'B rps', 'B p50/p99 ms', 'rps A/B', 'p50 A/B', 'errors', 'load1']];
  for (const r of rows) {
    table.push([
      r.comparison,
      String(r.connections),
      r.a.kind,
      String(r.a.rps),
      `${r.a.p50} / ${r.a.p99}`,
      r.b?.kind ?? '-',
      String(r.b?.rps ?? '-'),
      r.b ? `${r.b.p50} / ${r.b.p99}` : '-',
      String(r.rps_ratio_a_over_b ?? '-'),
      String(r.p50_ratio_a_over_b ?? '-'),
      String(r.a.errors + (r.b?.errors ?? 0)),
      String(r.b?.load1 ?? r.a.load1),
    ]);
  }
  console.log('');
  printTable(table[0], table.slice(1));
  console.log('');
  console.log(`rps and latency: mean over ${opts.rounds} alternating run(s) of ${opts.seconds} s per side (${toolName}); A/B ratios of those means.`);
  if (counts) {
    console.log('statements per request (sequential requests):');
    for (const [k, v] of Object.entries(counts)) console.log(`  ${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`);
  }
  if (sizes) console.log(`response bytes: ${JSON.stringify(sizes)}`);
}

// ------------------------------------------------------------------ main

async function main() {
  requireGatewayBin();
  if (!existsSync(path.join(POSTGRAPHILE_DIR, 'node_modules', 'postgraphile'))) throw new Error('PostGraphile is not installed: run (cd bench/postgraphile && npm ci)');
  chooseTool();
  if (opts.pin && spawnSync('taskset', ['-c', '0', 'true']).status !== 0) throw new Error('--pin needs taskset (util-linux)');
  const withFastApi = opts.onlyList.includes('miniapp_me_vs_fastapi');
  const withFastApiOrm = opts.onlyList.includes('miniapp_me_vs_fastapi_orm');
  if (withFastApi || withFastApiOrm) fastApiPythonPath = fastApiPython(); // before anything starts: fail fast
  logDir = makeLogDir(opts['log-dir'], 'mg-read-path-');
  log(`binary ${GATEWAY_BIN}; tool ${toolName}; database ${opts.db}; redis prefix ${REDIS_PREFIX}; logs ${logDir}; nproc ${os.cpus().length}; loadavg ${loadavg()}`);
  log(`seed: ${opts.users} users, ${opts.chats} chats (${opts.users * opts.privatePairs} private, ${opts.groups} groups of ${opts['group-size']}), ~${opts['chats-per-user']} chats per user, ${opts.messages} messages`);
  if (!dropDatabase()) throw new Error(`cannot reach Postgres at ${opts.pg} with psql`);

  // The gateway creates the database and migrates it; then the seed goes in underneath it.
  const gwPort = await freePort();
  const gw = await startGateway('gateway', gwPort, DB_URL);
  const t0 = Date.now();
  const seeded = psqlOk(opts.db, seedSql(), 'seeding');
  const seedInfo = JSON.parse(seeded.split('\n').filter(Boolean).at(-1));
  log(`seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${JSON.stringify(seedInfo)}`);
  emit({ bench: 'read-path', seed: seedInfo, seed_seconds: round((Date.now() - t0) / 1000, 1) });
  psqlOk(opts.db, POSTGRAPHILE_SQL, 'PostGraphile helper functions');
  const pgl = await startPostGraphile('postgraphile', await freePort(), DB_URL);
  const fa = withFastApi ? await startFastApi('fastapi', await freePort(), DB_URL, 'app') : null;
  const fo = withFastApiOrm ? await startFastApi('fastapi_orm', await freePort(), DB_URL, 'app_orm') : null;
  // The baseline build migrates its own database (its migrations are older than the seeded
  // database's); its users are the viewers, made by its POST /api/auth/validate below.
  const bl = opts.onlyList.includes('miniapp_me_vs_baseline') ? await startGateway('baseline', await freePort(), dbUrlOf(opts.pg, BASELINE_DB), { bin: opts['baseline-bin'], redisPrefix: `${REDIS_PREFIX}baseline:` }) : null;

  // Viewers: the first --viewers seeded users, signed in with initData (JWT for GraphQL
  // and /api/v1, the initData itself for the Mini App shim).
  const viewers = [];
  for (let i = 0; i < opts.viewers; i += 1) {
    const initData = initDataFor(sign, BOT_TOKEN, { id: TELEGRAM_BASE + i, first_name: 'Bench', last_name: `User ${i}`, username: `bench_${i}` });
    const r = await request(gw.port, 'POST', '/graphql', JSON.stringify({ query: AUTHENTICATE, variables: { d: initData } }), { 'content-type': 'application/json' });
    const data = r.json?.data?.authenticateTelegram;
    if (!data) throw new Error(`sign-in of viewer ${i} failed: ${r.error ?? r.text.slice(0, 300)}`);
    viewers.push({ id: data.user.id, token: data.accessToken, initData });
    if (bl) {
      const made = await request(bl.port, 'POST', '/api/auth/validate', null, { Authorization: `Bearer ${initData}` });
      if (made.json?.success !== true) throw new Error(`the baseline build's POST /api/auth/validate for viewer ${i} failed: ${made.error ?? made.text.slice(0, 300)}`);
    }
  }
  log(`${viewers.length} viewers signed in (user ids ${viewers[0].id}..${viewers.at(-1).id})`);

  const all = kinds({ gw: gw.port, pg: pgl.port, fa: fa?.port, fo: fo?.port, bl: bl?.port, minChats: seedInfo.chats_per_user_min });
  const needed = new Set();
  const plan = [];
  const add = (name, a, b, conns, ratio) => {
    if (!opts.onlyList.includes(name)) return;
    plan.push([name, a, b, conns, ratio]);
    needed.add(a);
    if (b) needed.add(b);
  };
  add('chats20', 'gql_chats20', 'pg_chats20', opts.connList, 'GraphQL / PostGraphile');
  add('chats5', 'gql_chats5', 'pg_chats5', opts.connList, 'GraphQL / PostGraphile');
  add('chats20_unread', 'gql_chats20', 'pg_chats20_unread', [16], 'GraphQL / PostGraphile+unread');
  add('rest_vs_graphql', 'rest_chats20', 'gql_chats20', [1], 'REST / GraphQL');
  add('me_vs_health', 'gql_me', 'health_live', opts.connList, 'me / health');
  add('miniapp_me', 'miniapp_me', null, [16], '');
  add('miniapp_me_vs_fastapi', 'miniapp_me', 'fastapi_me', [16], 'gateway / FastAPI');
  add('miniapp_me_vs_fastapi_orm', 'miniapp_me', 'fastapi_orm_me', [16], 'gateway / FastAPI+ORM');
  add('miniapp_me_vs_baseline', 'miniapp_me', 'baseline_me', [16], 'gateway / baseline build');
  const sizes = {};
  for (const k of needed) sizes[k] = await verifyKind(all[k], viewers);
  log(`every request kind answers correctly for every viewer; response bytes ${JSON.stringify(sizes)}`);

  const rows = [];
  for (const [name, a, b, conns, ratio] of plan) rows.push(...(await compare(name, a, b, conns, all, viewers, ratio)));

  let counts = null;
  if (opts['count-statements']) {
    counts = await countStatements([...needed].filter((k) => k !== 'health_live' && all[k].server !== 'baseline').map((k) => [k, all[k]]), viewers, { gateway: gw.port, postgraphile: pgl.port, fastapi: fa?.port, fastapi_orm: fo?.port });
    emit({ bench: 'read-path', statements: counts });
  }
  printSummary(rows, counts, sizes);
}

await run.run(main);
