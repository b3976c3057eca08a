// Busy-chat benchmark (issue 9): two gateway instances sharing one Postgres database and
// one Redis; senders post `sendMessage` to instance A at fixed, stepped rates (open loop);
// subscribers hold graphql-transport-ws `messageEvents` subscriptions on instance B and
// measure the delay from send start to event. See bench/README.md, "Busy chat (issue 9)".
//
//   node bench/busy-chat.mjs [--rates 50,100,200,400,600] [--step-seconds 10]
//                            [--scenarios hot,many] [--help]
//
// The script starts and stops the two instances itself (binary from GATEWAY_BIN), creates
// a fresh database (dropped again at the end, also on error and Ctrl-C), and prints one
// JSON line per step, then a summary table. Everything binds to and talks to 127.0.0.1.
import { createRequire } from 'node:module';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, mkdtempSync, openSync, closeSync, appendFileSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { performance, monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

// ------------------------------------------------------------------ options

const DEFAULTS = {
  rates: '50,100,200,400,600', // msg/s, one step each
  'step-seconds': 10, // send window of a step
  scenarios: 'hot,many', // hot: one group chat; many: --chats small groups
  'hot-members': 20, // members of the hot chat; each one subscribes on B
  'hot-senders': 0, // how many of them send (round robin); 0 = all members
  chats: 200, // scenario "many": number of group chats
  'chat-members': 3, // scenario "many": members per chat (incl. the creator)
  users: 60, // scenario "many": user pool the members are drawn from; each subscribes on B
  'max-inflight': 256, // sends in flight at once; a send due while at the cap is skipped (counted)
  'timeout-ms': 10000, // per sendMessage request; then it counts as TIMEOUT
  'drain-ms': 3000, // after the window (and after the last send answered), wait this long at most for events
  'pause-ms': 2000, // idle time between steps
  'slo-ms': 100, // pass criterion: p99 delivery latency at most this
  'text-bytes': 64, // message text length
  db: 'mg_bench_busy', // database name (must start with mg_bench; dropped at start and end)
  pg: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432',
  redis: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  'db-connections': 20, // DATABASE_MAX_CONNECTIONS of each instance
  'rust-log': process.env.RUST_LOG ?? 'warn',
  'keep-going': false, // keep stepping up after a step failed badly (>= 50% errors or deliveries missing)
  'max-minutes': 30, // hard wall-clock bound for the whole run
  seed: 1,
  out: '', // also append the JSON lines to this file
  'log-dir': '', // where the gateways' logs go (default: a new /tmp/mg-busy-chat-* directory)
};

const USAGE = `usage: node bench/busy-chat.mjs [--option value ...]

Starts two gateway instances (A: HTTP sends, B: WebSocket subscribers) on one fresh
database and one Redis, steps the send rate, prints one JSON line per step and a summary.

environment:
  GATEWAY_BIN   the binary (default $HOME/.cache/messenger-gateway/target/release/messenger-gateway)
  BENCH_PG_URL  Postgres server URL without a database (default postgres://postgres@127.0.0.1:5432)
  BENCH_REDIS_URL  (default redis://127.0.0.1:6379)

options (default):
${Object.entries(DEFAULTS)
  .map(([k, v]) => `  --${k} ${JSON.stringify(v)}`)
  .join('\n')}`;

function parseArgs(argv) {
  const opts = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\n${USAGE}`);
    let [key, value] = arg.slice(2).split(/=(.*)/s);
    if (!(key in DEFAULTS)) throw new Error(`unknown option --${key}\n${USAGE}`);
    if (value === undefined) {
      if (typeof DEFAULTS[key] === 'boolean' && (argv[i + 1] === undefined || argv[i + 1].startsWith('--'))) value = 'true';
      else value = argv[(i += 1)];
    }
    if (value === undefined) throw new Error(`--${key} needs a value`);
    if (typeof DEFAULTS[key] === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) throw new Error(`--${key} must be a non-negative number`);
      opts[key] = n;
    } else if (typeof DEFAULTS[key] === 'boolean') opts[key] = value === 'true' || value === '1';
    else opts[key] = value;
  }
  opts.rateList = String(opts.rates)
    .split(',')
    .map(Number)
    .filter((r) => r > 0);
  opts.scenarioList = String(opts.scenarios)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!opts.rateList.length) throw new Error('--rates: at least one positive rate');
  for (const s of opts.scenarioList) if (!['hot', 'many'].includes(s)) throw new Error(`--scenarios: unknown scenario ${s} (hot, many)`);
  if (!/^mg_bench[A-Za-z0-9_]*$/.test(opts.db)) throw new Error('--db must match mg_bench[A-Za-z0-9_]* (it is dropped at start and end)');
  if (opts['hot-members'] < 2) throw new Error('--hot-members must be at least 2');
  if (opts['chat-members'] < 2 || opts['chat-members'] > opts.users) throw new Error('--chat-members must be between 2 and --users');
  if (opts['hot-senders'] === 0 || opts['hot-senders'] > opts['hot-members']) opts['hot-senders'] = opts['hot-members'];
  if (opts['max-inflight'] < 1) throw new Error('--max-inflight must be at least 1');
  for (const url of [opts.pg, opts.redis]) {
    const host = new URL(url).hostname;
    if (!['127.0.0.1', 'localhost'].includes(host)) throw new Error(`${url}: only 127.0.0.1 is allowed`);
  }
  return opts;
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (error) {
  console.error(error.message);
  process.exit(2);
}

// The Node clients live with the test tools: `(cd tests/js && npm ci)`.
const require = createRequire(new URL('../tests/js/package.json', import.meta.url));
let sign;
let WebSocket;
try {
  ({ sign } = require('@telegram-apps/init-data-node'));
  WebSocket = require('ws');
} catch (error) {
  console.error(`cannot load the Node clients (${error.message}); run: (cd tests/js && npm ci)`);
  process.exit(2);
}

const GATEWAY_BIN = process.env.GATEWAY_BIN || path.join(os.homedir(), '.cache/messenger-gateway/target/release/messenger-gateway');
const BOT_TOKEN = '123456:busy-chat-bench-token';
const RUN_TAG = randomBytes(3).toString('hex'); // clientMessageId prefix of this run
const REDIS_PREFIX = `mgbench:${RUN_TAG}:`;
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

const log = (...parts) => console.error(`[busy-chat ${new Date().toISOString().slice(11, 19)}]`, ...parts);

// ------------------------------------------------------------------ small helpers

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(opts.seed);
const pick = (list) => list[Math.floor(rand() * list.length)];

function percentile(sorted, q) {
  if (!sorted.length) return null;
  return round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
}
function summarize(samples) {
  const sorted = Float64Array.from(samples).sort();
  return { n: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.length ? round(sorted[sorted.length - 1]) : null };
}
const round = (x, digits = 2) => (x === null || x === undefined || !Number.isFinite(x) ? null : Number(x.toFixed(digits)));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// ------------------------------------------------------------------ HTTP client

const agent = new http.Agent({ keepAlive: true, maxSockets: opts['max-inflight'] + 16 });

/** POST JSON to 127.0.0.1:port; resolves {status, body} or {error: CODE}. Never rejects. */
function post(port, pathName, payload, token, timeoutMs = opts['timeout-ms']) {
  return new Promise((resolve) => {
    const body = JSON.stringify(payload);
    let settled = false;
    const finish = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: pathName,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          let parsed = null;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            /* not JSON */
          }
          finish({ status: res.statusCode, body: parsed });
        });
        res.on('error', (e) => finish({ error: `NET_${e.code ?? 'ERROR'}` }));
      },
    );
    const timer = setTimeout(() => {
      finish({ error: 'TIMEOUT' });
      req.destroy();
    }, timeoutMs);
    req.on('error', (e) => finish({ error: `NET_${e.code ?? 'ERROR'}` }));
    req.end(body);
  });
}

/** Classifies a response: null when fine, else an error code. */
function errorCode(result) {
  if (result.error) return result.error;
  if (result.status !== 200) return `HTTP_${result.status}`;
  if (!result.body) return 'BAD_JSON';
  if (result.body.errors?.length) return result.body.errors[0]?.extensions?.code ?? 'GRAPHQL_ERROR';
  return null;
}

/** A setup call: throws on any error. */
async function gql(port, query, variables, token) {
  const result = await post(port, '/graphql', { query, variables }, token, 30000);
  const code = errorCode(result);
  if (code) throw new Error(`${query.slice(0, 60)}…: ${code} ${JSON.stringify(result.body?.errors ?? result.body ?? result.error)}`);
  return result.body.data;
}

// ------------------------------------------------------------------ processes and cleanup

const children = []; // { name, proc, exited: Promise }
let logDir = '';

function psqlAdmin(sql) {
  return spawnSync('psql', [`${opts.pg.replace(/\/$/, '')}/postgres`, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
    encoding: 'utf8',
    timeout: 30000,
  });
}

function dropDatabase() {
  const r = psqlAdmin(`DROP DATABASE IF EXISTS "${opts.db}" WITH (FORCE)`);
  if (r.error || r.status !== 0) log(`could not drop database ${opts.db}: ${r.error?.message ?? r.stderr.trim()}`);
  return !r.error && r.status === 0;
}

function cleanRedis() {
  // Best effort: the keys this run's instances wrote under their own prefix.
  const scan = spawnSync('redis-cli', ['-u', opts.redis, '--scan', '--pattern', `${REDIS_PREFIX}*`, '--count', '1000'], {
    encoding: 'utf8',
    timeout: 10000,
  });
  if (scan.error || scan.status !== 0) return;
  const keys = scan.stdout.split('\n').filter(Boolean);
  for (let i = 0; i < keys.length && i < 1_000_000; i += 500) {
    spawnSync('redis-cli', ['-u', opts.redis, 'DEL', ...keys.slice(i, i + 500)], { timeout: 10000, stdio: 'ignore' });
  }
}

async function startGateway(name, port, common) {
  const logFile = path.join(logDir, `gateway-${name}.log`);
  const fd = openSync(logFile, 'a');
  // cwd is the log directory so no `.env` of the repository leaks into the instance.
  const proc = spawn(GATEWAY_BIN, ['serve'], {
    cwd: logDir,
    env: { ...common, BIND_ADDR: `127.0.0.1:${port}` },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal }));
    proc.on('error', (error) => resolve({ code: null, signal: null, error }));
  });
  const child = { name, port, proc, exited, done: false };
  exited.then(() => (child.done = true));
  children.push(child);
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.done) {
      const why = await exited;
      throw new Error(`gateway ${name} exited (${why.error?.message ?? `code ${why.code} signal ${why.signal}`}); see ${logFile}`);
    }
    const ok = await new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/health/ready', timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });
    if (ok) {
      log(`gateway ${name} ready on 127.0.0.1:${port} (pid ${proc.pid}, log ${logFile})`);
      return child;
    }
    await sleep(250);
  }
  throw new Error(`gateway ${name} not ready within 120 s; see ${logFile}`);
}

async function stopGateways() {
  for (const child of children) if (!child.done) child.proc.kill('SIGTERM');
  for (const child of children) {
    if (child.done) continue;
    const gone = await Promise.race([child.exited.then(() => true), sleep(8000).then(() => false)]);
    if (!gone) {
      log(`gateway ${child.name} did not stop within 8 s: SIGKILL`);
      child.proc.kill('SIGKILL');
      await Promise.race([child.exited, sleep(2000)]);
    }
  }
}

let cleanupPromise = null;
const openSockets = new Set();
function cleanup() {
  if (!cleanupPromise) {
    cleanupPromise = (async () => {
      for (const ws of openSockets) ws.terminate();
      await stopGateways();
      dropDatabase();
      cleanRedis();
      agent.destroy();
      if (logDir) log(`gateway logs kept in ${logDir}`);
    })();
  }
  return cleanupPromise;
}

let interrupted = 0;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupted += 1;
    if (interrupted > 1) {
      for (const child of children) if (!child.done) child.proc.kill('SIGKILL');
      process.exit(130);
    }
    log(`${signal}: stopping the gateways and dropping the database (again to force)`);
    cleanup().finally(() => process.exit(130));
  });
}
process.on('unhandledRejection', (error) => {
  log('unhandled rejection:', error);
  cleanup().finally(() => process.exit(1));
});
process.on('uncaughtException', (error) => {
  log('uncaught exception:', error);
  cleanup().finally(() => process.exit(1));
});
const watchdog = setTimeout(() => {
  log(`--max-minutes ${opts['max-minutes']} reached: aborting`);
  cleanup().finally(() => process.exit(3));
}, opts['max-minutes'] * 60_000);

// ------------------------------------------------------------------ CPU accounting

function cpuMsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK; // utime + stime
  } catch {
    return null;
  }
}

/** CPU ms so far of the gateways, Postgres (this database's backends plus the server's own
 *  processes vs. other databases' backends), Redis, and this script. */
function cpuSnapshot() {
  const pg = new Map();
  const pgOther = new Map();
  const redis = new Map();
  let entries = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    /* no /proc */
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let comm;
    try {
      comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (comm === 'postgres') {
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        continue;
      }
      // A client backend reads "postgres: <cluster>: <user> <db> <host(port)|[local]> <state>".
      const backend = cmdline.match(/^postgres: .*?: (\S+) (\S+) (\S*\(\d+\)|\[local\])/);
      const ms = cpuMsOf(entry);
      if (ms === null) continue;
      if (backend && backend[2] !== opts.db) pgOther.set(entry, ms);
      else pg.set(entry, ms);
    } else if (comm === 'redis-server') {
      const ms = cpuMsOf(entry);
      if (ms !== null) redis.set(entry, ms);
    }
  }
  const self = process.cpuUsage();
  return {
    gw: Object.fromEntries(children.map((c) => [c.name, cpuMsOf(c.proc.pid) ?? 0])),
    pg,
    pgOther,
    redis,
    bench: (self.user + self.system) / 1000,
  };
}

function cpuDelta(before, after) {
  const mapDelta = (a, b) => {
    let sum = 0;
    for (const [pid, ms] of b) sum += ms - (a.get(pid) ?? 0); // a new process counts from 0
    return sum;
  };
  const gw = Object.fromEntries(Object.keys(after.gw).map((k) => [k, after.gw[k] - (before.gw[k] ?? 0)]));
  return {
    gateway_a: round(gw.a ?? 0, 0),
    gateway_b: round(gw.b ?? 0, 0),
    postgres: round(mapDelta(before.pg, after.pg), 0),
    postgres_other_dbs: round(mapDelta(before.pgOther, after.pgOther), 0),
    redis: round(mapDelta(before.redis, after.redis), 0),
    bench_client: round(after.bench - before.bench, 0),
  };
}

// ------------------------------------------------------------------ users, chats, subscribers

let nextTelegramId = 7_100_000_000 + Math.floor(rand() * 1e6) * 100;
async function signIn(port, name) {
  nextTelegramId += 1;
  const initData = sign({ user: { id: nextTelegramId, first_name: name } }, BOT_TOKEN, new Date());
  const data = await gql(port, 'mutation($d: String!) { authenticateTelegram(initData: $d) { accessToken user { id } } }', { d: initData });
  return { token: data.authenticateTelegram.accessToken, id: data.authenticateTelegram.user.id, name };
}

async function inBatches(items, size, fn) {
  const out = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

const SUBSCRIPTION = 'subscription($c: ID) { messageEvents(chatId: $c) { kind chatId messageId message { clientMessageId } } }';

// Per-run counters of WebSocket trouble, read per step as deltas.
const wsStats = { closed: 0, errors: 0, completes: 0, unknownEvents: 0, lateFromEarlierSteps: 0 };
let current = null; // the step being measured, or null
let probeSeen = null; // Set of "sub:chat" that received a probe

/** One graphql-transport-ws connection with one `messageEvents` subscription, on B. */
class Subscriber {
  constructor(index, user, port, chatIds, variables) {
    this.index = index;
    this.user = user;
    this.port = port;
    this.chats = new Set(chatIds);
    this.variables = variables;
    this.last = new Map(); // chatId -> last message id seen
    this.closing = false;
  }

  open() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${this.port}/graphql`, 'graphql-transport-ws', { perMessageDeflate: false });
      this.ws = ws;
      openSockets.add(ws);
      const timer = setTimeout(() => {
        reject(new Error(`subscriber ${this.index}: no connection_ack within 10 s`));
        ws.terminate();
      }, 10000);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${this.user.token}` } })));
      ws.on('message', (data) => this.onMessage(data, performance.now(), () => {
        clearTimeout(timer);
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION, variables: this.variables } }));
        resolve();
      }));
      ws.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      ws.on('close', (code) => {
        openSockets.delete(ws);
        clearTimeout(timer);
        if (!this.closing && !cleanupPromise) {
          wsStats.closed += 1;
          log(`subscriber ${this.index} closed unexpectedly (code ${code})`);
        }
      });
    });
  }

  onMessage(data, now, onAck) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      wsStats.errors += 1;
      return;
    }
    switch (msg.type) {
      case 'next': {
        if (msg.payload?.errors?.length) {
          wsStats.errors += 1;
          if (wsStats.errors <= 5) log(`subscriber ${this.index}: ${JSON.stringify(msg.payload.errors)}`);
          return;
        }
        const event = msg.payload?.data?.messageEvents;
        if (event?.kind === 'CREATED') this.onCreated(Number(event.chatId), Number(event.messageId), event.message?.clientMessageId ?? '', now);
        return;
      }
      case 'connection_ack':
        onAck();
        return;
      case 'ping':
        this.ws.send('{"type":"pong"}');
        return;
      case 'pong':
        return;
      case 'error':
        wsStats.errors += 1;
        log(`subscriber ${this.index}: subscription error ${JSON.stringify(msg.payload)}`);
        return;
      case 'complete':
        wsStats.completes += 1;
        log(`subscriber ${this.index}: subscription completed by the server`);
        return;
      default:
        wsStats.errors += 1;
    }
  }

  onCreated(chatId, messageId, cmid, now) {
    const last = this.last.get(chatId) ?? 0;
    const backwards = messageId <= last;
    if (!backwards) this.last.set(chatId, messageId);
    const [tag, stepNo] = cmid.split('.', 2);
    if (tag === `p${RUN_TAG}`) {
      probeSeen?.add(`${this.index}:${chatId}`);
      return;
    }
    if (tag !== RUN_TAG) {
      wsStats.unknownEvents += 1;
      return;
    }
    const step = current;
    const rec = step && Number(stepNo) === step.no ? step.records.get(cmid) : undefined;
    if (!rec) {
      wsStats.lateFromEarlierSteps += 1;
      return;
    }
    if (!this.chats.has(chatId)) step.foreign += 1;
    if (rec.lat[this.index] >= 0) {
      step.duplicates += 1;
      return;
    }
    if (backwards) step.outOfOrder += 1;
    rec.lat[this.index] = now - rec.start;
    step.received += 1;
  }

  close() {
    this.closing = true;
    try {
      this.ws?.close(1000);
    } catch {
      /* already gone */
    }
    setTimeout(() => this.ws?.terminate(), 1000).unref();
  }
}

/** Makes sure every subscriber's subscription is live: sends one probe message per chat
 *  until each subscriber has seen a probe in each of its chats (bounded). */
async function probe(port, chats, subscribers) {
  probeSeen = new Set();
  const wanted = [];
  for (const sub of subscribers) for (const chat of sub.chats) wanted.push(`${sub.index}:${chat}`);
  for (let round = 1; round <= 5; round += 1) {
    const missing = new Set(wanted.filter((k) => !probeSeen.has(k)).map((k) => Number(k.split(':')[1])));
    if (!missing.size) return;
    const targets = chats.filter((c) => missing.has(Number(c.id)));
    await inBatches(targets, 8, (chat) =>
      gql(port, 'mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }', {
        i: { chatId: chat.id, text: `probe ${round}`, clientMessageId: `p${RUN_TAG}.${round}.${chat.id}` },
      }, chat.members[0].token),
    );
    const until = Date.now() + 3000;
    while (Date.now() < until && wanted.some((k) => !probeSeen.has(k))) await sleep(50);
  }
  const left = wanted.filter((k) => !probeSeen.has(k)).length;
  if (left) throw new Error(`${left} subscriber/chat pairs never received a probe message: subscriptions on B are not live`);
}

// ------------------------------------------------------------------ one step

const SEND = 'mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }';
let stepCounter = 0;

/** Sends at `rate` msg/s for the step window, open loop, then waits for the answers and events. */
async function runStep(scenario, rate, env) {
  const { portA, chats, subscriberCount, nextSend } = env;
  const windowMs = opts['step-seconds'] * 1000;
  const filler = 'x'.repeat(Math.max(0, opts['text-bytes'] - 24));
  const step = {
    no: (stepCounter += 1),
    records: new Map(),
    received: 0,
    duplicates: 0,
    outOfOrder: 0,
    foreign: 0,
  };
  let sent = 0;
  let skipped = 0;
  let inflight = 0;
  let okSends = 0;
  const errors = {};
  const errorSamples = {}; // code -> first message
  const sendLat = [];
  const schedLag = [];
  const ws0 = { ...wsStats };
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const load0 = readFileSync('/proc/loadavg', 'utf8').trim();
  const cpu0 = cpuSnapshot();
  loop.enable();
  current = step;

  const issue = (seq, due) => {
    if (inflight >= opts['max-inflight']) {
      skipped += 1;
      return;
    }
    const { chat, sender } = nextSend(seq);
    const cmid = `${RUN_TAG}.${step.no}.${seq}`;
    const rec = { start: performance.now(), ok: null, lat: new Float64Array(subscriberCount).fill(-1), expect: chat.subscriberIdx };
    schedLag.push(rec.start - due);
    step.records.set(cmid, rec);
    sent += 1;
    inflight += 1;
    const text = `busy ${scenario} ${seq} ${filler}`;
    post(portA, '/graphql', { query: SEND, variables: { i: { chatId: chat.id, text, clientMessageId: cmid } } }, sender.token).then((result) => {
      inflight -= 1;
      const code = errorCode(result);
      if (code) {
        rec.ok = false;
        errors[code] = (errors[code] ?? 0) + 1;
        errorSamples[code] ??= String(result.body?.errors?.[0]?.message ?? (result.error ? result.error : JSON.stringify(result.body))).slice(0, 160);
      } else {
        rec.ok = true;
        okSends += 1;
        sendLat.push(performance.now() - rec.start);
      }
    });
  };

  // Open loop: every millisecond or so, issue whatever the schedule says is due by now.
  const t0 = performance.now();
  const total = Math.round((rate * windowMs) / 1000);
  const interval = 1000 / rate;
  let seq = 0;
  while (seq < total) {
    const now = performance.now();
    if (now - t0 > windowMs + 5000) break; // bounded even if the event loop stalls
    while (seq < total && t0 + seq * interval <= now) {
      issue(seq, t0 + seq * interval);
      seq += 1;
    }
    await sleep(1);
  }
  // The last send is due one interval before the window closes: wait for the close.
  while (performance.now() - t0 < windowMs) await sleep(Math.max(1, Math.min(50, windowMs - (performance.now() - t0))));
  const windowEnd = performance.now();
  const elapsedS = (windowEnd - t0) / 1000;

  // Drain: answers (bounded by the request timeout), then events (bounded by --drain-ms).
  const expectedSoFar = () => {
    let n = 0;
    for (const rec of step.records.values()) if (rec.ok) n += rec.expect.length;
    return n;
  };
  const answersBy = windowEnd + opts['timeout-ms'] + 1000;
  while (inflight > 0 && performance.now() < answersBy) await sleep(20);
  const eventsBy = performance.now() + opts['drain-ms'];
  while (performance.now() < eventsBy && step.received < expectedSoFar()) await sleep(20);
  current = null;
  loop.disable();
  const cpu1 = cpuSnapshot();
  const load1 = readFileSync('/proc/loadavg', 'utf8').trim();

  // Tally.
  let expected = 0;
  let delivered = 0;
  let unexpected = 0; // events for sends that failed (e.g. timed out after commit)
  let pending = 0;
  const deliveryLat = [];
  for (const rec of step.records.values()) {
    if (rec.ok === null) pending += 1;
    for (const idx of rec.expect) {
      const lat = rec.lat[idx];
      if (rec.ok) {
        expected += 1;
        if (lat >= 0) {
          delivered += 1;
          deliveryLat.push(lat);
        }
      } else if (lat >= 0) unexpected += 1;
    }
  }
  if (pending) errors.NO_ANSWER = (errors.NO_ANSWER ?? 0) + pending;
  const wsClosed = wsStats.closed - ws0.closed;
  const wsErrors = wsStats.errors - ws0.errors + (wsStats.completes - ws0.completes);
  if (wsClosed) errors.WS_CLOSED = wsClosed;
  if (wsErrors) errors.WS_ERROR = wsErrors;
  const errorTotal = Object.values(errors).reduce((a, b) => a + b, 0);
  const delivery = summarize(deliveryLat);
  const sendStats = summarize(sendLat);
  const cpu = cpuDelta(cpu0, cpu1);
  const perMsg = (ms) => (okSends ? round(ms / okSends, 3) : null);
  const achieved = okSends / elapsedS;
  const pass =
    errorTotal === 0 &&
    skipped === 0 &&
    delivered === expected &&
    step.duplicates === 0 &&
    step.outOfOrder === 0 &&
    step.foreign === 0 &&
    achieved >= 0.95 * rate &&
    delivery.p99 !== null &&
    delivery.p99 <= opts['slo-ms'];
  const result = {
    bench: 'busy-chat',
    scenario,
    target_rate: rate,
    seconds: round(elapsedS),
    sent,
    ok: okSends,
    achieved_rate: round(achieved, 1),
    errors: errorTotal,
    error_codes: errors,
    error_samples: errorSamples,
    skipped_inflight_cap: skipped,
    expected,
    delivered,
    missing: expected - delivered,
    duplicates: step.duplicates,
    out_of_order: step.outOfOrder,
    foreign_chat: step.foreign,
    delivered_for_failed_sends: unexpected,
    late_from_earlier_steps: wsStats.lateFromEarlierSteps - ws0.lateFromEarlierSteps,
    delivery_ms: { p50: delivery.p50, p99: delivery.p99, max: delivery.max },
    send_ms: { p50: sendStats.p50, p99: sendStats.p99, max: sendStats.max },
    schedule_lag_ms_p99: summarize(schedLag).p99,
    client_event_loop_delay_ms_p99: round(loop.percentile(99) / 1e6),
    client_event_loop_delay_ms_max: round(loop.max / 1e6),
    loadavg_start: load0,
    loadavg_end: load1,
    cpu_ms: cpu,
    cpu_ms_per_msg: {
      gateway: perMsg(cpu.gateway_a + cpu.gateway_b),
      gateway_a: perMsg(cpu.gateway_a),
      gateway_b: perMsg(cpu.gateway_b),
      postgres: perMsg(cpu.postgres),
      redis: perMsg(cpu.redis),
      bench_client: perMsg(cpu.bench_client),
    },
    pass,
  };
  // Deliveries still on their way belong to no step any more; free the records.
  step.records.clear();
  return result;
}

// ------------------------------------------------------------------ scenarios

async function setupHot(portA, portB) {
  const n = opts['hot-members'];
  const users = await inBatches(
    Array.from({ length: n }, (_, i) => i),
    8,
    (i) => signIn(portA, `Hot ${i}`),
  );
  const data = await gql(
    portA,
    'mutation($i: CreateChatInput!) { createChat(input: $i) { id } }',
    { i: { type: 'GROUP', title: 'busy chat', memberIds: users.slice(1).map((u) => u.id) } },
    users[0].token,
  );
  const chat = { id: data.createChat.id, members: users, subscriberIdx: users.map((_, i) => i) };
  const subscribers = users.map((u, i) => new Subscriber(i, u, portB, [Number(chat.id)], { c: chat.id }));
  const senders = users.slice(0, opts['hot-senders']);
  return {
    label: `1 group chat, ${n} members subscribed on B, ${senders.length} senders on A`,
    chats: [chat],
    subscribers,
    nextSend: (seq) => ({ chat, sender: senders[seq % senders.length] }),
  };
}

async function setupMany(portA, portB) {
  const users = await inBatches(
    Array.from({ length: opts.users }, (_, i) => i),
    8,
    (i) => signIn(portA, `Many ${i}`),
  );
  const k = opts['chat-members'];
  const specs = Array.from({ length: opts.chats }, (_, c) => {
    const picked = new Set([c % users.length]); // everyone owns some chats
    for (let guard = 0; picked.size < k && guard < 10_000; guard += 1) picked.add(Math.floor(rand() * users.length));
    return [...picked];
  });
  const chats = await inBatches(specs, 8, async (idx) => {
    const data = await gql(
      portA,
      'mutation($i: CreateChatInput!) { createChat(input: $i) { id } }',
      { i: { type: 'GROUP', title: 'small group', memberIds: idx.slice(1).map((i) => users[i].id) } },
      users[idx[0]].token,
    );
    return { id: data.createChat.id, members: idx.map((i) => users[i]), subscriberIdx: idx };
  });
  const chatsOf = users.map(() => []);
  for (const chat of chats) for (const i of chat.subscriberIdx) chatsOf[i].push(Number(chat.id));
  // One socket per user, subscribed to all of the user's chats (no chatId), as a chat list does.
  const subscribers = users.map((u, i) => new Subscriber(i, u, portB, chatsOf[i], {}));
  return {
    label: `${chats.length} group chats of ${k}, ${users.length} users each subscribed to all their chats on B`,
    chats,
    subscribers,
    nextSend: () => {
      const chat = pick(chats);
      return { chat, sender: pick(chat.members) };
    },
  };
}

function emit(line) {
  const text = JSON.stringify(line);
  console.log(text);
  if (opts.out) appendFileSync(opts.out, `${text}\n`);
}

function printSummary(results) {
  const rows = [
    ['scenario', 'rate', 'achieved', 'errors', 'skipped', 'delivered/expected', 'dup', 'ooo', 'deliv p50', 'deliv p99', 'send p50', 'send p99', 'gw cpu ms/msg', 'pg cpu ms/msg', 'load1', 'pass'],
  ];
  for (const r of results) {
    if (r.skipped_step) {
      rows.push([r.scenario, String(r.target_rate), 'skipped', '', '', '', '', '', '', '', '', '', '', '', '', '-']);
      continue;
    }
    rows.push([
      r.scenario,
      String(r.target_rate),
      String(r.achieved_rate),
      r.errors ? `${r.errors} ${Object.entries(r.error_codes).map(([c, n]) => `${c}:${n}`).join(',')}` : '0',
      String(r.skipped_inflight_cap),
      `${r.delivered}/${r.expected}`,
      String(r.duplicates),
      String(r.out_of_order),
      String(r.delivery_ms.p50 ?? '-'),
      String(r.delivery_ms.p99 ?? '-'),
      String(r.send_ms.p50 ?? '-'),
      String(r.send_ms.p99 ?? '-'),
      String(r.cpu_ms_per_msg.gateway ?? '-'),
      String(r.cpu_ms_per_msg.postgres ?? '-'),
      r.loadavg_end.split(' ')[0],
      r.pass ? 'yes' : 'NO',
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const fmt = (row) => `| ${row.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  console.log('');
  console.log(fmt(rows[0]));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows.slice(1)) console.log(fmt(row));
  console.log('');
  console.log(
    `pass = 0 errors, 0 skipped, every event delivered once and in order, achieved >= 95% of the rate, p99 delivery <= ${opts['slo-ms']} ms (send start on A -> event on B; latencies in ms)`,
  );
  for (const scenario of opts.scenarioList) {
    const passing = results.filter((r) => r.scenario === scenario && r.pass).map((r) => r.target_rate);
    const best = passing.length ? Math.max(...passing) : null;
    const summary = { bench: 'busy-chat', summary: true, scenario, max_passing_rate: best };
    console.log(`${scenario}: highest passing rate ${best === null ? 'none' : `${best} msg/s`}`);
    if (opts.out) appendFileSync(opts.out, `${JSON.stringify(summary)}\n`);
  }
}

// ------------------------------------------------------------------ main

async function main() {
  if (!existsSync(GATEWAY_BIN)) throw new Error(`no gateway binary at ${GATEWAY_BIN}: build it (cargo build --release) or set GATEWAY_BIN`);
  logDir = opts['log-dir'] || mkdtempSync(path.join(os.tmpdir(), 'mg-busy-chat-'));
  log(`binary ${GATEWAY_BIN}; database ${opts.db}; redis prefix ${REDIS_PREFIX}; logs ${logDir}`);
  if (!dropDatabase()) throw new Error(`cannot reach Postgres at ${opts.pg} with psql`);

  const [portA, portB] = [await freePort(), await freePort()];
  const common = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    DATABASE_URL: `${opts.pg.replace(/\/$/, '')}/${opts.db}`,
    DATABASE_MAX_CONNECTIONS: String(opts['db-connections']),
    REDIS_URL: opts.redis,
    REDIS_KEY_PREFIX: REDIS_PREFIX,
    JWT_SECRET: randomBytes(32).toString('hex'),
    TELEGRAM_BOT_TOKEN: BOT_TOKEN,
    ACCESS_TOKEN_TTL_SECONDS: '86400', // sockets close at the token's exp
    // No throttling: the bench sends far more than a person would.
    MESSAGE_RATE_LIMIT_PER_MINUTE: '0',
    DUPLICATE_MESSAGE_COOLDOWN_SECONDS: '0',
    LOGIN_RATE_LIMIT_PER_MINUTE: '0',
    REGISTER_RATE_LIMIT_PER_MINUTE: '0',
    REFRESH_RATE_LIMIT_PER_MINUTE: '0',
    RESET_RATE_LIMIT_PER_MINUTE: '0',
    MINIAPP_RATE_LIMIT_PER_MINUTE: '0',
    ANALYTICS_RATE_LIMIT_PER_MINUTE: '0',
    GRAPHQL_WS_MAX_OPERATIONS: '1000',
    SHUTDOWN_GRACE_SECONDS: '3',
    LOG_FORMAT: 'text',
    NO_COLOR: '1',
    RUST_LOG: opts['rust-log'],
  };
  // A first, alone: it creates the database and migrates; then B.
  await startGateway('a', portA, common);
  await startGateway('b', portB, common);

  const results = [];
  for (const scenario of opts.scenarioList) {
    const env = scenario === 'hot' ? await setupHot(portA, portB) : await setupMany(portA, portB);
    log(`scenario ${scenario}: ${env.label}`);
    await inBatches(env.subscribers, 16, (s) => s.open());
    await probe(portA, env.chats, env.subscribers);
    log(`scenario ${scenario}: ${env.subscribers.length} subscriptions live on B`);
    const runEnv = { portA, chats: env.chats, subscriberCount: env.subscribers.length, nextSend: env.nextSend };
    let stop = false;
    for (const rate of opts.rateList) {
      if (stop) {
        const line = { bench: 'busy-chat', scenario, target_rate: rate, skipped_step: true, reason: 'an earlier step failed badly (use --keep-going)' };
        emit(line);
        results.push(line);
        continue;
      }
      log(`scenario ${scenario}: ${rate} msg/s for ${opts['step-seconds']} s`);
      const result = await runStep(scenario, rate, runEnv);
      emit(result);
      results.push(result);
      const failedBadly = result.errors + result.skipped_inflight_cap >= (result.sent + result.skipped_inflight_cap) / 2 || result.delivered < result.expected / 2;
      if (!opts['keep-going'] && failedBadly) stop = true;
      for (const child of children) if (child.done) throw new Error(`gateway ${child.name} exited during the run; see ${logDir}`);
      await sleep(opts['pause-ms']);
    }
    for (const sub of env.subscribers) sub.close();
    await sleep(500);
  }
  printSummary(results);
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  log(`failed: ${error.stack ?? error}`);
  exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
process.exit(exitCode);
