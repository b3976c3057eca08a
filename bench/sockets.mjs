// Socket-capacity benchmark (issue 11): one gateway instance, thousands of
// graphql-transport-ws sockets, each with one `messageEvents(chatId)` subscription on one
// shared group chat. Measures memory and CPU per socket while ramping, broadcast latency to
// every subscriber, how fast the gateway cleans up after abrupt disconnects (Redis pub/sub,
// presence, last_seen_at), and a reconnect storm with `afterMessageId` replay.
// See bench/README.md, "Sockets (issue 11)".
//
//   node bench/sockets.mjs [--steps 1000,2000,5000,8000] [--posts 10] [--disconnect all]
//                          [--reconnect 3000] [--missed 20] [--help]
//
// The script starts and stops the instance itself (binary from GATEWAY_BIN), creates a
// fresh database and a fresh Redis key prefix (both removed at the end, also on error and
// Ctrl-C), prints one JSON line per phase (and per ramp step), then a summary table.
// Everything binds to and talks to 127.0.0.0/8; clients spread over several 127.0.0.x
// source addresses so no single address runs out of ephemeral ports.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { performance, monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  GATEWAY_BIN, ENVIRONMENT_HELP, usageText, parseOptions, checkBenchDb, checkLocalUrls, loadClients, makeLog, emitJson, printTable, round,
  summarize, cpuMsOf, rssKb, clientCpuMs, serviceCpu, loadavg, freePort, postJson, signInTelegram, SEND_MESSAGE, CREATE_CHAT,
  openGraphqlWs, subscribeWs, runTag, dbUrlOf, requireGatewayBin, makeLogDir, gatewayEnv, Children, guardRun,
} from './lib.mjs';

// ------------------------------------------------------------------ options

const DEFAULTS = {
  steps: '1000,2000,5000,8000', // sockets open after each ramp step (one user per socket)
  'fd-budget': 38000, // file descriptors all processes of the machine may hold after a step (each process: hard limit 20000)
  'connect-concurrency': 256, // ramp: sockets being opened at once
  'source-ips': 16, // clients bind to 127.0.0.2 .. 127.0.0.(1+n), round robin
  'signin-concurrency': 32, // authenticateTelegram calls at once while seeding
  posts: 10, // broadcast phase: messages posted one after another at the top step
  'post-gap-ms': 1000, // pause between broadcast posts (after the previous one reached everyone)
  'delivery-timeout-ms': 30000, // a post not delivered to every subscriber within this counts the rest as missing
  disconnect: 'all', // abrupt-disconnect phase: how many sockets to terminate ("all" or a number)
  'clean-timeout-s': 150, // give up waiting for the gateway to be clean after this (presence TTL is 60 s)
  'poll-ms': 100, // cleanup polling interval
  'rss-settle-s': 5, // after the disconnect is clean: seconds before reading the gateway's RSS again
  reconnect: 3000, // reconnect storm: clients (out of the disconnected ones) reconnecting at once
  missed: 20, // messages posted while they are away; each must replay exactly once, in order
  'storm-live-posts': 2, // more messages posted while the storm is under way (replay/live overlap)
  'storm-timeout-s': 120, // the storm ends after this even if clients are incomplete
  phases: 'ramp,broadcast,disconnect,reconnect', // ramp always runs
  db: 'mg_bench_sockets', // database name (must start with mg_bench; dropped at start and end)
  pg: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432',
  redis: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  'db-connections': 20, // DATABASE_MAX_CONNECTIONS of the instance
  'rust-log': process.env.RUST_LOG ?? 'warn',
  'max-minutes': 40, // hard wall-clock bound for the whole run
  seed: 1,
  out: '', // also append the JSON lines to this file
  'log-dir': '', // where the gateway's log goes (default: a new /tmp/mg-sockets-* directory)
};

const USAGE = usageText(
  `usage: node bench/sockets.mjs [--option value ...]

Starts one gateway instance on a fresh database and Redis prefix, ramps WebSocket
subscribers on one group chat, broadcasts, disconnects abruptly, storms back in, and
prints one JSON line per phase plus a summary table.

${ENVIRONMENT_HELP}`,
  DEFAULTS,
);

const opts = parseOptions(process.argv.slice(2), DEFAULTS, USAGE, (o) => {
  o.stepList = String(o.steps)
    .split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  if (!o.stepList.length) throw new Error('--steps: at least one positive socket count');
  for (let i = 1; i < o.stepList.length; i += 1) if (o.stepList[i] <= o.stepList[i - 1]) throw new Error('--steps must increase');
  // RLIMIT_NOFILE (hard 20000 here) is per process: this client and the gateway each hold
  // one descriptor per socket, so each stays below 19,000 sockets.
  if (o.stepList.at(-1) > 19000) throw new Error('--steps: more than 19000 sockets cannot fit a 20000 per-process fd limit');
  o.phaseList = String(o.phases)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of o.phaseList) if (!['ramp', 'broadcast', 'disconnect', 'reconnect'].includes(p)) throw new Error(`--phases: unknown phase ${p}`);
  if (o.phaseList.includes('reconnect') && !o.phaseList.includes('disconnect')) throw new Error('--phases: reconnect needs disconnect');
  if (o.disconnect !== 'all' && !(Number(o.disconnect) > 0)) throw new Error('--disconnect: "all" or a positive number');
  checkBenchDb(o.db);
  if (o['source-ips'] < 1 || o['source-ips'] > 250) throw new Error('--source-ips: 1 to 250');
  if (o['connect-concurrency'] < 1 || o['signin-concurrency'] < 1) throw new Error('concurrency must be at least 1');
  checkLocalUrls([o.pg, o.redis], true);
  return o;
});

const { sign, WebSocket } = loadClients();

const BOT_TOKEN = '123456:sockets-bench-token';
const { RUN_TAG, REDIS_PREFIX } = runTag('mgsock'); // RUN_TAG: clientMessageId prefix of this run
const log = makeLog('sockets', performance.now());

// ------------------------------------------------------------------ small helpers

const countBy = (map, key) => (map[key] = (map[key] ?? 0) + 1);

/** Runs fn over items with at most `limit` in flight; results in item order. */
async function pool(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next;
      next += 1;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

// ------------------------------------------------------------------ /proc readings

function fdCount(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}
/** Open file descriptors of every process on the machine (that we may read). */
function machineFds() {
  let total = 0;
  let entries = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  for (const entry of entries) if (/^\d+$/.test(entry)) total += fdCount(entry);
  return total;
}
function nofileOf(pid) {
  try {
    const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = line.trim().split(/\s{2,}/).slice(1, 3);
    return { soft: Number(soft), hard: Number(hard) };
  } catch {
    return null;
  }
}
/** CPU ms of this database's Postgres backends (by their process title). */
function postgresCpuMs() {
  let total = 0;
  for (const ms of serviceCpu(opts.db).ownDb.values()) total += ms;
  return total;
}

// ------------------------------------------------------------------ Redis (a minimal RESP client)

class Redis {
  constructor(url) {
    const u = new URL(url);
    this.host = u.hostname === 'localhost' ? '127.0.0.1' : u.hostname;
    this.port = Number(u.port || 6379);
    this.password = u.password ? decodeURIComponent(u.password) : '';
    this.user = u.username ? decodeURIComponent(u.username) : '';
    this.dbIndex = Number(u.pathname.replace('/', '') || 0);
    this.buf = Buffer.alloc(0);
    this.waiting = []; // { left, replies, resolve, reject }
  }

  async connect() {
    this.sock = net.connect({ host: this.host, port: this.port });
    this.sock.setNoDelay(true);
    await new Promise((resolve, reject) => {
      this.sock.once('connect', resolve);
      this.sock.once('error', reject);
    });
    this.sock.on('data', (chunk) => this.onData(chunk));
    const fail = (error) => {
      for (const w of this.waiting.splice(0)) w.reject(error);
    };
    this.sock.on('error', fail);
    this.sock.on('close', () => fail(new Error('redis connection closed')));
    if (this.password) await this.cmd(...(this.user ? ['AUTH', this.user, this.password] : ['AUTH', this.password]));
    if (this.dbIndex) await this.cmd('SELECT', String(this.dbIndex));
  }

  /** Sends the commands in one write; resolves their replies (errors as Error values). */
  pipeline(commands) {
    if (!commands.length) return Promise.resolve([]);
    const parts = [];
    for (const args of commands) {
      parts.push(`*${args.length}\r\n`);
      for (const a of args) {
        const s = String(a);
        parts.push(`$${Buffer.byteLength(s)}\r\n${s}\r\n`);
      }
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ left: commands.length, replies: [], resolve, reject });
      this.sock.write(parts.join(''));
    });
  }

  async cmd(...args) {
    const [reply] = await this.pipeline([args]);
    if (reply instanceof Error) throw reply;
    return reply;
  }

  onData(chunk) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let pos = 0;
    for (let guard = 0; guard < 10_000_000; guard += 1) {
      const parsed = Redis.parse(this.buf, pos);
      if (!parsed) break;
      pos = parsed.next;
      const w = this.waiting[0];
      if (!w) continue;
      w.replies.push(parsed.value);
      w.left -= 1;
      if (w.left === 0) {
        this.waiting.shift();
        w.resolve(w.replies);
      }
    }
    this.buf = this.buf.subarray(pos);
  }

  /** One RESP2 value at pos, or null when the buffer does not hold all of it yet. */
  static parse(buf, pos) {
    const eol = buf.indexOf('\r\n', pos);
    if (eol < 0) return null;
    const type = String.fromCharCode(buf[pos]);
    const line = buf.toString('utf8', pos + 1, eol);
    const next = eol + 2;
    switch (type) {
      case '+':
        return { value: line, next };
      case '-':
        return { value: new Error(line), next };
      case ':':
        return { value: Number(line), next };
      case '$': {
        const len = Number(line);
        if (len < 0) return { value: null, next };
        if (buf.length < next + len + 2) return null;
        return { value: buf.toString('utf8', next, next + len), next: next + len + 2 };
      }
      case '*': {
        const n = Number(line);
        if (n < 0) return { value: null, next };
        const items = new Array(n);
        let p = next;
        for (let i = 0; i < n; i += 1) {
          const item = Redis.parse(buf, p);
          if (!item) return null;
          items[i] = item.value;
          p = item.next;
        }
        return { value: items, next: p };
      }
      default:
        throw new Error(`RESP: unexpected type byte ${JSON.stringify(type)}`);
    }
  }

  close() {
    this.sock?.destroy();
  }
}

// ------------------------------------------------------------------ Postgres through psql

const dbUrl = () => dbUrlOf(opts.pg, opts.db);
const adminUrl = () => dbUrlOf(opts.pg, 'postgres');

/** Runs SQL (given on stdin) with psql; resolves stdout, rejects on failure. Bounded by a timeout. */
function psql(url, sql, timeoutMs = 60000) {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', [url, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out.trim());
      else reject(new Error(`psql: ${err.trim() || `exit ${code}`}`));
    });
    child.stdin.end(sql);
  });
}
const idArray = (ids) => `'{${ids.join(',')}}'::bigint[]`;

async function dropDatabase() {
  try {
    await psql(adminUrl(), `DROP DATABASE IF EXISTS "${opts.db}" WITH (FORCE);`, 30000);
    return true;
  } catch (error) {
    log(`could not drop database ${opts.db}: ${error.message}`);
    return false;
  }
}

// ------------------------------------------------------------------ HTTP client

const agent = new http.Agent({ keepAlive: true, maxSockets: opts['signin-concurrency'] + 8 });
let gatewayPort = 0;

/** POST a GraphQL operation; resolves {status, body} or {error: CODE}. Never rejects. */
const post = (payload, token, timeoutMs = 30000) => postJson(agent, gatewayPort, '/graphql', payload, token, timeoutMs);

async function gql(query, variables, token) {
  const result = await post({ query, variables }, token);
  const failed = result.error || result.status !== 200 || !result.body || result.body.errors?.length;
  if (failed) throw new Error(`${query.slice(0, 60)}…: ${JSON.stringify(result.body?.errors ?? result.body ?? result.error)}`);
  return result.body.data;
}

// ------------------------------------------------------------------ the gateway process

const children = new Children(log);
let gateway = null; // the child: { proc, pid, exited, done, logFile, ... }
let logDir = '';

// ------------------------------------------------------------------ cleanup

let redis = null;
const allSocks = [];

async function cleanRedis() {
  // The keys this run's instance wrote under its own prefix (presence, rate limits, ...).
  let r = redis;
  let own = false;
  try {
    if (!r) {
      r = new Redis(opts.redis);
      await r.connect();
      own = true;
    }
    let cursor = '0';
    let deleted = 0;
    for (let i = 0; i < 100_000; i += 1) {
      const [nextCursor, keys] = await r.cmd('SCAN', cursor, 'MATCH', `${REDIS_PREFIX}*`, 'COUNT', '1000');
      if (keys.length) deleted += await r.cmd('UNLINK', ...keys);
      cursor = nextCursor;
      if (cursor === '0') break;
    }
    log(`redis: deleted ${deleted} keys under ${REDIS_PREFIX}`);
  } catch (error) {
    log(`redis cleanup failed: ${error.message}`);
  } finally {
    if (own) r?.close();
  }
}

const run = guardRun({
  log,
  teardown: async () => {
    for (const s of allSocks) s.terminate();
    await children.stopAll();
    await dropDatabase();
    await cleanRedis();
    redis?.close();
    agent.destroy();
    if (logDir) log(`gateway log kept in ${logDir}`);
  },
  kill: () => children.killAll(),
  interruptMessage: 'stopping the gateway, dropping the database, deleting the Redis keys (again to force)',
  watchdogMs: opts['max-minutes'] * 60_000,
  watchdogMessage: `--max-minutes ${opts['max-minutes']} reached: aborting`,
});

// ------------------------------------------------------------------ sockets

const SUBSCRIPTION = 'subscription($c: ID!, $a: ID) { messageEvents(chatId: $c, afterMessageId: $a) { kind chatId messageId message { id senderId text clientMessageId } } }';

// Deliveries of the post being timed: clientMessageId -> { t0, times: Float64Array, count }.
const tracked = new Map();
// Counters over the whole run (read as deltas per phase).
const stats = { unexpectedClose: 0, closeCodes: {}, subErrors: 0, subErrorSamples: [], backwards: 0, foreign: 0 };
let chatId = null;

class Sock {
  constructor(index, user) {
    this.index = index;
    this.user = user;
    this.localAddress = `127.0.0.${2 + (index % opts['source-ips'])}`;
    this.ws = null;
    this.state = 'idle'; // idle | opening | live | closed
    this.lastId = 0; // highest CREATED messageId seen on any of its connections
    this.record = null; // reconnect storm: { after, ids: [], times: [] }
  }

  /** Opens a socket, connection_init, waits for the ack, subscribes. Never rejects:
   *  resolves { ok, ms, code }. */
  open(afterMessageId = null, timeoutMs = 60000) {
    const t0 = performance.now();
    return new Promise((resolve) => {
      let settled = false;
      let timer = null;
      const done = (ok, code) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ok, code, ms: performance.now() - t0 });
      };
      this.state = 'opening';
      this.terminating = false;
      let acked = false; // this connection (not an earlier one of the same client) was acked
      let ws;
      try {
        ws = openGraphqlWs(WebSocket, gatewayPort, this.user.token, { localAddress: this.localAddress, handshakeTimeout: timeoutMs });
      } catch (error) {
        this.state = 'closed';
        done(false, `THROW_${error.code ?? error.message}`);
        return;
      }
      this.ws = ws;
      timer = setTimeout(() => {
        this.terminate();
        done(false, 'TIMEOUT');
      }, timeoutMs);
      ws.on('message', (data) => {
        let msg;
        try {
          msg = JSON.parse(data);
        } catch {
          stats.subErrors += 1;
          return;
        }
        switch (msg.type) {
          case 'next':
            this.onNext(msg.payload);
            return;
          case 'ping':
            ws.send('{"type":"pong"}');
            return;
          case 'connection_ack': {
            const variables = { c: chatId };
            if (afterMessageId !== null) variables.a = String(afterMessageId);
            subscribeWs(ws, SUBSCRIPTION, variables);
            acked = true;
            this.state = 'live';
            done(true, null);
            return;
          }
          case 'pong':
            return;
          case 'error':
          case 'complete':
          default:
            stats.subErrors += 1;
            if (stats.subErrorSamples.length < 5) stats.subErrorSamples.push(JSON.stringify(msg).slice(0, 200));
        }
      });
      ws.on('error', (error) => {
        done(false, `NET_${error.code ?? error.message.slice(0, 40)}`);
      });
      ws.on('close', (code) => {
        const current = this.ws === ws;
        if (current) this.state = 'closed';
        done(false, `CLOSE_${code}`);
        if (acked && current && !run.cleaningUp && !this.terminating) {
          stats.unexpectedClose += 1;
          countBy(stats.closeCodes, String(code));
        }
      });
    });
  }

  onNext(payload) {
    const now = performance.now();
    if (payload?.errors?.length) {
      stats.subErrors += 1;
      if (stats.subErrorSamples.length < 5) stats.subErrorSamples.push(JSON.stringify(payload.errors).slice(0, 200));
      return;
    }
    const event = payload?.data?.messageEvents;
    if (event?.kind !== 'CREATED') return;
    if (String(event.chatId) !== String(chatId)) {
      stats.foreign += 1;
      return;
    }
    const id = Number(event.messageId);
    if (id <= this.lastId) stats.backwards += 1;
    else this.lastId = id;
    if (this.record) {
      this.record.ids.push(id);
      this.record.times.push(now);
    }
    const rec = tracked.get(event.message?.clientMessageId);
    if (rec && rec.times[this.index] < 0) {
      rec.times[this.index] = now - rec.t0;
      rec.count += 1;
    }
  }

  terminate() {
    if (!this.ws) return;
    this.terminating = true;
    try {
      this.ws.terminate(); // destroys the TCP socket: no close frame
    } catch {
      /* already gone */
    }
    this.state = 'closed';
  }
}

// ------------------------------------------------------------------ posting

const postedIds = []; // every message of the chat, all posted by this script
const sendFailures = []; // error codes of failed sendMessage attempts (each retried)
let postSeq = 0;
let sender = null;

/** Posts one message; resolves { id, cmid, sendMs }. `track` sets up delivery timing for
 *  the sockets in `expectIdx` before the request goes out. */
async function postMessage(kind, track = null) {
  postSeq += 1;
  const cmid = `${RUN_TAG}.${kind}.${postSeq}`;
  const rec = track ? { t0: 0, times: new Float64Array(allSocks.length).fill(-1), count: 0 } : null;
  if (rec) tracked.set(cmid, rec);
  const t0 = performance.now();
  if (rec) rec.t0 = t0;
  const variables = { i: { chatId, text: `sockets bench ${kind} ${postSeq} ${'x'.repeat(32)}`, clientMessageId: cmid } };
  const failures = [];
  // A failed send is retried with the same clientMessageId (the gateway then returns the
  // first message if it was committed), so every message of the chat has a known id.
  for (let attempt = 0; attempt < 6; attempt += 1) {
    const result = await post({ query: SEND_MESSAGE, variables }, sender.token);
    const id = result.body?.data?.sendMessage?.id;
    if (!result.error && result.status === 200 && id && !result.body.errors?.length) {
      postedIds.push(Number(id));
      sendFailures.push(...failures);
      return { id: Number(id), cmid, rec, sendMs: performance.now() - t0, failures };
    }
    failures.push(result.error ?? result.body?.errors?.[0]?.extensions?.code ?? `HTTP_${result.status}`);
    await sleep(500 * (attempt + 1));
  }
  sendFailures.push(...failures);
  throw new Error(`sendMessage ${cmid} failed ${failures.length} times: ${failures.join(', ')}`);
}

/** Waits until every socket in `live` got the tracked post (bounded), then stops tracking it. */
async function awaitDelivery(sent, live, timeoutMs) {
  const until = performance.now() + timeoutMs;
  while (sent.rec.count < live.length && performance.now() < until) await sleep(2);
  tracked.delete(sent.cmid);
  const lat = [];
  let missing = 0;
  for (const s of live) {
    const t = sent.rec.times[s.index];
    if (t >= 0) lat.push(t);
    else missing += 1;
  }
  const sum = summarize(lat);
  return { last_ms: sum.max, p50_ms: sum.p50, p99_ms: sum.p99, delivered: lat.length, missing, send_ms: round(sent.sendMs), lat };
}

// ------------------------------------------------------------------ gateway log

let logOffset = 0;
/** WARN and ERROR lines the gateway logged since the last call, grouped by message
 *  (fields stripped), the 6 most frequent; `events_dropped_total` is the gateway's count of
 *  realtime events it could not publish (it logs the first drop, then every thousandth). */
function gatewayLogDelta() {
  const out = { warn: 0, error: 0, top: {} };
  if (!gateway?.logFile) return out;
  let text = '';
  try {
    const buf = readFileSync(gateway.logFile);
    text = buf.subarray(logOffset).toString('utf8');
    logOffset = buf.length;
  } catch {
    return out;
  }
  const groups = {};
  for (const line of text.split('\n')) {
    const m = line.match(/^\S+\s+(WARN|ERROR)\s+(.*)$/);
    if (!m) continue;
    if (m[1] === 'WARN') out.warn += 1;
    else out.error += 1;
    // "target: message field=value ...": group by target and message, fields dropped.
    const key = `${m[1]} ${m[2].split(/\s\w+=/)[0].slice(0, 120)}`;
    const dropped = m[2].match(/realtime events dropped.*dropped_total=(\d+)/);
    if (dropped) out.events_dropped_total = Math.max(out.events_dropped_total ?? 0, Number(dropped[1]));
    groups[key] = (groups[key] ?? 0) + 1;
  }
  out.top = Object.fromEntries(
    Object.entries(groups)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6),
  );
  return out;
}

// ------------------------------------------------------------------ output

const results = [];
function emit(line) {
  const full = { bench: 'sockets', ...line, send_failures: sendFailures.splice(0), gateway_log: gatewayLogDelta() };
  results.push(full);
  emitJson(full, opts.out);
}

function printSummary() {
  console.log('');
  const ramps = results.filter((r) => r.phase === 'ramp');
  if (ramps.length) {
    printTable(
      ['sockets', 'failed', 'connect/s', 'connect p99 ms', 'RSS MB', 'RSS KB/socket', 'gw CPU ms/socket', 'probe last ms', 'gw fds', 'machine fds', 'load avg'],
      ramps.map((r) =>
        r.skipped
          ? [r.target, 'skipped', '', '', '', '', '', '', '', r.machine_fds, r.reason]
          : [r.sockets_open, r.failed, r.connect_rate, r.connect_ms.p99, r.gateway_rss_mb, r.rss_per_socket_kb, r.gateway_cpu_ms_per_socket, r.probe?.last_ms, r.gateway_fds, r.machine_fds, r.loadavg],
      ),
    );
    console.log('');
  }
  const b = results.find((r) => r.phase === 'broadcast');
  if (b) {
    printTable(
      ['broadcast', 'subscribers', 'posts', 'last p50 ms', 'last p99 ms', 'last max ms', 'all-pairs p50 / p99 ms', 'missing', 'dup/ooo', 'gw CPU µs/delivery', 'load avg'],
      [['', b.subscribers, b.posts, b.last_ms.p50, b.last_ms.p99, b.last_ms.max, `${b.delivery_ms.p50} / ${b.delivery_ms.p99}`, b.missing, b.backwards, b.gateway_cpu_us_per_delivery, b.loadavg_end]],
    );
    console.log('');
  }
  const d = results.find((r) => r.phase === 'disconnect');
  if (d) {
    const c = d.clean_ms;
    printTable(
      ['disconnect', 'terminated', 'remaining', 'chat NUMSUB ms', 'channels ms', 'user channels ms', 'presence online ms', 'presence entries ms', 'last_seen_at ms', 'gw fds ms', 'all clean ms'],
      [['', d.terminated, d.remaining, c.chat_numsub, c.channels_count, c.user_channels, c.presence_online, c.presence_entries, c.last_seen_at, c.gateway_fds, c.all]],
    );
    console.log('');
  }
  const s = results.find((r) => r.phase === 'reconnect');
  if (s) {
    printTable(
      ['reconnect', 'clients', 'missed+live', 'all acked ms', 'replay done p50 / p99 ms', 'complete ms', 'client complete p50 / p99 ms', 'complete', 'errors', 'missing', 'dup', 'ooo', 'unexpected', 'gw CPU ms', 'pg CPU ms'],
      [
        [
          '',
          s.clients,
          `${s.missed}+${s.live_posts}`,
          s.all_acked_ms,
          `${s.client_replay_done_ms.p50} / ${s.client_replay_done_ms.p99}`,
          s.complete_ms,
          `${s.client_complete_ms.p50} / ${s.client_complete_ms.p99}`,
          s.complete_clients,
          s.errors ? `${s.errors} ${JSON.stringify(s.error_codes)}` : 0,
          s.missing,
          s.duplicates,
          s.out_of_order,
          s.unexpected,
          s.gateway_cpu_ms,
          s.postgres_cpu_ms,
        ],
      ],
    );
    console.log('');
  }
  const logged = results.filter((r) => r.gateway_log && (r.gateway_log.warn || r.gateway_log.error || r.send_failures?.length));
  if (logged.length) {
    printTable(
      ['phase', 'gateway WARN', 'gateway ERROR', 'events dropped (total so far)', 'most frequent', 'failed sends'],
      logged.map((r) => {
        const [top, n] = Object.entries(r.gateway_log.top)[0] ?? ['', 0];
        return [r.phase === 'ramp' ? `ramp ${r.target}` : r.phase, r.gateway_log.warn, r.gateway_log.error, r.gateway_log.events_dropped_total, top ? `${n}× ${top}` : '', r.send_failures.join(',')];
      }),
    );
    console.log('');
  }
  console.log(`times from the bench client (one Node process on the same machine); ${os.cpus().length} CPUs; load average now ${loadavg()}`);
}

// ------------------------------------------------------------------ phases

function gwSnapshot() {
  return { cpu: cpuMsOf(gateway.pid), rss: rssKb(gateway.pid), fds: fdCount(gateway.pid), t: performance.now() };
}

let rss0 = null; // gateway RSS (kB) before any socket

/** Opens sockets up to each step; records memory, CPU, connect rate; probes delivery. */
async function ramp(users) {
  const fdBudget = opts['fd-budget'];
  let open = 0;
  for (const target of opts.stepList) {
    const fdsNow = machineFds();
    let size = target;
    // Each new socket costs one fd in this process and one in the gateway.
    const room = fdsNow === null ? Infinity : Math.floor((fdBudget - fdsNow) / 2);
    let clampedFrom = null;
    if (size - open > room) {
      // Clamp to the largest multiple of 500 that fits, and stop there.
      const fits = Math.floor((open + room) / 500) * 500;
      if (fits <= open) {
        emit({ phase: 'ramp', target, skipped: true, machine_fds: fdsNow, reason: `${target - open} more sockets need ${2 * (target - open)} fds; ${fdBudget - fdsNow} left under --fd-budget ${fdBudget}` });
        log(`step ${target}: skipped (fd budget)`);
        break;
      }
      clampedFrom = target;
      size = fits;
    }
    if (size > users.length) throw new Error('internal: more sockets than users');
    for (let i = allSocks.length; i < size; i += 1) allSocks.push(new Sock(i, users[i]));
    const batch = allSocks.slice(open, size);
    log(`step ${size}: opening ${batch.length} sockets (${opts['connect-concurrency']} at once)`);
    const before = gwSnapshot();
    const load0 = loadavg();
    const cpuClient0 = clientCpuMs();
    const t0 = performance.now();
    const outcomes = await pool(batch, opts['connect-concurrency'], (s) => s.open(null, 60000));
    const connectS = (performance.now() - t0) / 1000;
    const after = gwSnapshot();
    const cpuClient1 = clientCpuMs();
    const failures = {};
    const ms = [];
    for (const o of outcomes) {
      if (o.ok) ms.push(o.ms);
      else countBy(failures, o.code);
    }
    const added = ms.length;
    open = allSocks.filter((s) => s.state === 'live').length;
    // Let the last subscriptions register, then read memory.
    await sleep(1500);
    const settled = gwSnapshot();
    // Probe: every live socket must get one message (up to 3 rounds for late subscriptions).
    const live = allSocks.filter((s) => s.state === 'live');
    let probe = null;
    let rounds = 0;
    let unseen = live;
    for (rounds = 1; rounds <= 3 && unseen.length; rounds += 1) {
      const sent = await postMessage('probe', true);
      const d = await awaitDelivery(sent, unseen, opts['delivery-timeout-ms']);
      if (rounds === 1) probe = d;
      unseen = unseen.filter((s) => sent.rec.times[s.index] < 0);
      if (unseen.length) await sleep(1000);
    }
    const connectRate = added / connectS;
    const line = {
      phase: 'ramp',
      target,
      clamped_from: clampedFrom,
      sockets_open: open,
      added,
      failed: batch.length - added,
      fail_codes: failures,
      connect_s: round(connectS),
      connect_rate: round(connectRate, 0),
      connect_ms: summarize(ms),
      gateway_rss_mb: round(settled.rss / 1024, 1),
      rss_per_socket_kb: open ? round((settled.rss - rss0) / open, 2) : null,
      gateway_rss0_mb: round(rss0 / 1024, 1),
      gateway_cpu_ms: round(after.cpu - before.cpu, 0),
      gateway_cpu_ms_per_socket: added ? round((after.cpu - before.cpu) / added, 3) : null,
      gateway_cpu_pct_while_connecting: round((100 * (after.cpu - before.cpu)) / (connectS * 1000), 0),
      client_cpu_ms: round(cpuClient1 - cpuClient0, 0),
      client_rss_mb: round(process.memoryUsage().rss / 1048576, 0),
      gateway_fds: settled.fds,
      machine_fds: machineFds(),
      probe: probe ? { last_ms: probe.last_ms, p50_ms: probe.p50_ms, p99_ms: probe.p99_ms, missing_first_round: probe.missing, rounds: rounds - 1, never: unseen.length } : null,
      loadavg_start: load0,
      loadavg: loadavg(),
      unexpected_closes: stats.unexpectedClose,
      unexpected_close_codes: { ...stats.closeCodes },
      subscription_errors: stats.subErrors,
    };
    emit(line);
    if (gateway.done) throw new Error(`gateway exited during the ramp; see ${gateway.logFile}`);
    if (clampedFrom) break;
  }
}

async function broadcast() {
  const live = allSocks.filter((s) => s.state === 'live');
  log(`broadcast: ${opts.posts} posts to ${live.length} subscribers`);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const load0 = loadavg();
  const backwards0 = stats.backwards;
  loop.enable();
  const per = [];
  const lastMs = [];
  const allLat = [];
  let cpuTotal = 0;
  let deliveries = 0;
  let missing = 0;
  let clientCpu = 0;
  for (let i = 0; i < opts.posts; i += 1) {
    const cpu0 = cpuMsOf(gateway.pid);
    const c0 = clientCpuMs();
    const sent = await postMessage('bcast', true);
    const d = await awaitDelivery(sent, live, opts['delivery-timeout-ms']);
    const cpu1 = cpuMsOf(gateway.pid);
    clientCpu += clientCpuMs() - c0;
    cpuTotal += cpu1 - cpu0;
    deliveries += d.delivered;
    missing += d.missing;
    if (d.last_ms !== null) lastMs.push(d.last_ms);
    for (const x of d.lat) allLat.push(x);
    per.push({ last_ms: d.last_ms, p50_ms: d.p50_ms, p99_ms: d.p99_ms, missing: d.missing, send_ms: d.send_ms, gateway_cpu_ms: round(cpu1 - cpu0, 0) });
    await sleep(opts['post-gap-ms']);
  }
  loop.disable();
  emit({
    phase: 'broadcast',
    subscribers: live.length,
    posts: opts.posts,
    last_ms: summarize(lastMs),
    delivery_ms: summarize(allLat),
    missing,
    backwards: stats.backwards - backwards0,
    gateway_cpu_ms_per_post: round(cpuTotal / opts.posts, 1),
    gateway_cpu_us_per_delivery: deliveries ? round((1000 * cpuTotal) / deliveries, 2) : null,
    client_cpu_ms_per_post: round(clientCpu / opts.posts, 1),
    client_event_loop_delay_ms_p99: round(loop.percentile(99) / 1e6),
    client_event_loop_delay_ms_max: round(loop.max / 1e6),
    per_post: per,
    loadavg_start: load0,
    loadavg_end: loadavg(),
  });
}

/** Redis pub/sub as the gateway holds it: the chat's channel, all channels of the run's
 *  prefix, and how many of `gone`'s user channels are still subscribed. */
async function readPubsub(gone, r = redis) {
  const replies = await r.pipeline([
    ['PUBSUB', 'NUMSUB', `${REDIS_PREFIX}events:chat:${chatId}`],
    ['PUBSUB', 'CHANNELS', `${REDIS_PREFIX}*`],
    ['PUBSUB', 'NUMSUB', ...gone.map((s) => `${REDIS_PREFIX}events:user:${s.user.id}`)],
  ]);
  let userChannels = 0;
  const numsub = gone.length ? replies[2] : [];
  for (let i = 1; i < numsub.length; i += 2) if (Number(numsub[i]) > 0) userChannels += 1;
  return { chat_numsub: Number(replies[0][1]), channels_count: replies[1].length, user_channels: userChannels };
}

/** Presence of `gone`: users with a live entry (ZCOUNT key now +inf) and with any entry (ZCARD). */
async function readPresence(gone, r = redis) {
  if (!gone.length) return { presence_online: 0, presence_entries: 0 };
  const now = Math.floor(Date.now() / 1000);
  const cmds = [];
  for (const s of gone) {
    cmds.push(['ZCOUNT', `${REDIS_PREFIX}presence:${s.user.id}`, String(now), '+inf']);
    cmds.push(['ZCARD', `${REDIS_PREFIX}presence:${s.user.id}`]);
  }
  const replies = await r.pipeline(cmds);
  let online = 0;
  let entries = 0;
  for (let i = 0; i < replies.length; i += 2) {
    if (Number(replies[i]) > 0) online += 1;
    if (Number(replies[i + 1]) > 0) entries += 1;
  }
  return { presence_online: online, presence_entries: entries };
}

/** Users of `gone` whose last_seen_at is still null. */
async function readLastSeen(gone) {
  if (!gone.length) return { last_seen_at: 0 };
  const n = await psql(dbUrl(), `select count(*) from users where last_seen_at is null and id = any(${idArray(gone.map((s) => s.user.id))});`, 10000);
  return { last_seen_at: Number(n) };
}

async function readAll(gone) {
  return { ...(await readPubsub(gone)), ...(await readPresence(gone)), ...(await readLastSeen(gone)), gateway_fds: fdCount(gateway.pid) };
}

let baseline = null; // Redis state and gateway fds before any socket

async function disconnect() {
  const live = allSocks.filter((s) => s.state === 'live');
  const n = opts.disconnect === 'all' ? live.length : Math.min(live.length, Number(opts.disconnect));
  // The last n sockets go (socket 0 belongs to the sender and stays when some remain).
  const gone = live.slice(live.length - n);
  const stay = live.slice(0, live.length - n);
  log(`disconnect: terminating ${gone.length} of ${live.length} sockets without a close frame`);
  // Only the disconnect may write last_seen_at from here on.
  await psql(dbUrl(), `update users set last_seen_at = null where id = any(${idArray(gone.map((s) => s.user.id))});`);
  const before = await readAll(gone);
  const rssBefore = rssKb(gateway.pid);
  const cpu0 = cpuMsOf(gateway.pid);
  const load0 = loadavg();
  // Targets: what the gateway should hold with only the remaining sockets.
  const target = {
    chat_numsub: stay.length ? 1 : baseline.chat_numsub,
    channels_count: baseline.channels_count + stay.length + (stay.length ? 1 : 0),
    user_channels: 0,
    presence_online: 0,
    presence_entries: 0,
    last_seen_at: 0,
    // Loose (the database pool may have grown since the baseline): informational only.
    gateway_fds: baseline.gateway_fds + stay.length + opts['db-connections'],
  };
  const cleanAt = {}; // key -> ms after the terminate (time the clean reading came back)
  const pollCount = {};
  const timeline = {}; // poller -> [{ at, ...values }], the first 40 readings
  // One Redis connection per poller: replies on one connection come in order, so a big
  // presence pipeline would delay the pub/sub reading behind it.
  const rPubsub = new Redis(opts.redis);
  const rPresence = new Redis(opts.redis);
  await rPubsub.connect();
  await rPresence.connect();
  const t0 = performance.now();
  for (const s of gone) s.terminate();
  const terminateMs = performance.now() - t0;
  const until = t0 + opts['clean-timeout-s'] * 1000;
  // Independent pollers, so a slow one (psql) does not coarsen the others' timing. Each
  // stops once its readings meet their targets.
  const poller = async (name, keys, read) => {
    pollCount[name] = 0;
    timeline[name] = [];
    while (performance.now() < until) {
      pollCount[name] += 1;
      let values;
      try {
        values = await read();
      } catch (error) {
        log(`poll ${name}: ${error.message}`);
        await sleep(opts['poll-ms']);
        continue;
      }
      const at = round(performance.now() - t0, 0);
      if (timeline[name].length < 40) timeline[name].push({ at, ...Object.fromEntries(keys.map((k) => [k, values[k]])) });
      for (const key of keys) {
        const ok = key === 'gateway_fds' ? values[key] <= target[key] : values[key] === target[key];
        if (ok) cleanAt[key] ??= at;
        else delete cleanAt[key];
      }
      if (keys.every((k) => cleanAt[k] !== undefined)) return;
      await sleep(opts['poll-ms']);
    }
  };
  await Promise.all([
    poller('pubsub', ['chat_numsub', 'channels_count', 'user_channels'], () => readPubsub(gone, rPubsub)),
    poller('presence', ['presence_online', 'presence_entries'], () => readPresence(gone, rPresence)),
    poller('sql', ['last_seen_at'], () => readLastSeen(gone)),
    poller('fds', ['gateway_fds'], async () => ({ gateway_fds: fdCount(gateway.pid) })),
  ]);
  rPubsub.close();
  rPresence.close();
  // Once more after everything looked clean: nothing came back.
  await sleep(500);
  const after = await readAll(gone);
  const strict = ['chat_numsub', 'channels_count', 'user_channels', 'presence_online', 'presence_entries', 'last_seen_at'];
  const stillClean = strict.every((k) => after[k] === target[k]);
  const allClean = stillClean && strict.every((k) => cleanAt[k] !== undefined);
  const rssAfter = rssKb(gateway.pid);
  // The allocator gives freed pages back with a delay: RSS again a few seconds later.
  await sleep(opts['rss-settle-s'] * 1000);
  const rssSettled = rssKb(gateway.pid);
  emit({
    phase: 'disconnect',
    terminated: gone.length,
    remaining: stay.length,
    terminate_ms: round(terminateMs, 1),
    clean_ms: { ...Object.fromEntries(Object.keys(target).map((k) => [k, cleanAt[k] ?? null])), all: allClean ? Math.max(...strict.map((k) => cleanAt[k])) : null },
    clean: allClean,
    before,
    after,
    target,
    polls: pollCount,
    poll_ms: opts['poll-ms'],
    timeline,
    gateway_rss_mb_before: round(rssBefore / 1024, 1),
    gateway_rss_mb_after: round(rssAfter / 1024, 1),
    gateway_rss_mb_settled: round(rssSettled / 1024, 1),
    rss_settle_s: opts['rss-settle-s'],
    gateway_cpu_ms: round(cpuMsOf(gateway.pid) - cpu0, 0),
    loadavg_start: load0,
    loadavg_end: loadavg(),
  });
  return gone;
}

async function reconnectStorm(gone) {
  // Messages posted while they are away.
  for (let i = 0; i < opts.missed; i += 1) await postMessage('missed');
  const fdsNow = machineFds();
  let k = Math.min(opts.reconnect, gone.length);
  if (fdsNow !== null && 2 * k > opts['fd-budget'] - fdsNow) {
    k = Math.max(0, Math.floor((opts['fd-budget'] - fdsNow) / 2));
    log(`reconnect: only ${k} clients fit the fd budget`);
  }
  const clients = gone.slice(0, k);
  for (const s of clients) s.record = { after: s.lastId, ids: [], times: [] };
  const preStorm = new Set(postedIds); // what the replay must bring (live posts come on top)
  log(`reconnect: ${k} clients at once with afterMessageId (${opts.missed} missed messages, ${opts['storm-live-posts']} more during the storm)`);
  const cpu0 = cpuMsOf(gateway.pid);
  const pg0 = postgresCpuMs();
  const load0 = loadavg();
  const backwards0 = stats.backwards;
  const subErrors0 = stats.subErrors;
  const closes0 = stats.unexpectedClose;
  const t0 = performance.now();
  const outcomes = clients.map((s) => s.open(s.record.after, opts['storm-timeout-s'] * 1000));
  let acked = 0;
  let lastAck = null;
  const ackMs = [];
  const errors = {};
  const settled = outcomes.map((p) =>
    p.then((o) => {
      if (o.ok) {
        acked += 1;
        ackMs.push(o.ms);
        lastAck = performance.now() - t0;
      } else countBy(errors, o.code);
      return o;
    }),
  );
  // Live posts while the storm runs: when a third, two thirds, ... of the clients are subscribed.
  const liveN = opts['storm-live-posts'];
  let livePostFailures = 0;
  const livePosts = [];
  const livePosting = (async () => {
    for (let j = 1; j <= liveN; j += 1) {
      const threshold = Math.ceil((k * j) / (liveN + 1));
      const by = performance.now() + 20000;
      while (acked < threshold && performance.now() < by && performance.now() - t0 < opts['storm-timeout-s'] * 1000) await sleep(5);
      try {
        const sentAt = performance.now() - t0;
        const ackedThen = acked;
        const sent = await postMessage('live');
        livePosts.push({ id: sent.id, sent_at_ms: round(sentAt, 0), acked_then: ackedThen, send_ms: round(sent.sendMs, 0), retries: sent.failures.length });
      } catch (error) {
        livePostFailures += 1;
        log(`reconnect: ${error.message}`);
      }
    }
  })();
  const expectedFor = (s) => postedIds.filter((id) => id > s.record.after);
  const until = t0 + opts['storm-timeout-s'] * 1000;
  let postsDone = false;
  livePosting.then(() => (postsDone = true));
  while (performance.now() < until) {
    if (postsDone) {
      const sorted = [...postedIds].sort((a, b) => a - b);
      let incomplete = 0;
      for (const s of clients) {
        if (s.state === 'closed') continue; // failed: counted in errors
        let need = 0;
        for (let i = sorted.length - 1; i >= 0 && sorted[i] > s.record.after; i -= 1) need += 1;
        if (s.record.ids.length < need) incomplete += 1;
      }
      if (!incomplete && acked + Object.values(errors).reduce((a, b) => a + b, 0) >= k) break;
    }
    await sleep(20);
  }
  await livePosting;
  await sleep(1000); // late duplicates or extras
  const endMs = performance.now() - t0;
  await Promise.race([Promise.all(settled), sleep(1000)]);
  // Tally per client: exactly the expected ids, once each, in order.
  let missing = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  let unexpected = 0;
  let complete = 0;
  const completeMs = [];
  const replayMs = []; // per complete client: arrival of the last message posted before the storm
  const samples = [];
  for (const s of clients) {
    const expected = expectedFor(s).sort((a, b) => a - b);
    const want = new Set(expected);
    const seen = new Set();
    let prev = s.record.after;
    let bad = false;
    for (const id of s.record.ids) {
      if (seen.has(id)) {
        duplicates += 1;
        bad = true;
        continue;
      }
      seen.add(id);
      if (!want.has(id)) {
        unexpected += 1;
        bad = true;
      }
      if (id <= prev) {
        outOfOrder += 1;
        bad = true;
      }
      prev = Math.max(prev, id);
    }
    const miss = expected.filter((id) => !seen.has(id)).length;
    missing += miss;
    if (!miss && !bad) {
      complete += 1;
      const lastExpected = expected.at(-1);
      const idx = s.record.ids.lastIndexOf(lastExpected);
      if (idx >= 0) completeMs.push(s.record.times[idx] - t0);
      let lastReplay = null;
      for (let i = 0; i < s.record.ids.length; i += 1) if (preStorm.has(s.record.ids[i])) lastReplay = s.record.times[i] - t0;
      if (lastReplay !== null) replayMs.push(lastReplay);
    } else if (samples.length < 3) samples.push({ user: s.user.id, after: s.record.after, expected: expected.length, got: s.record.ids.slice(0, 40) });
  }
  const errorTotal = Object.values(errors).reduce((a, b) => a + b, 0);
  const completion = summarize(completeMs);
  emit({
    phase: 'reconnect',
    clients: k,
    missed: opts.missed,
    live_posts: liveN,
    expected_per_client: opts.missed + liveN,
    all_acked_ms: acked === k ? round(lastAck, 0) : null,
    acked,
    connect_ms: summarize(ackMs),
    complete_ms: complete === k ? completion.max : null,
    client_complete_ms: completion,
    client_replay_done_ms: summarize(replayMs),
    live_post_timing: livePosts,
    complete_clients: complete,
    errors: errorTotal + (stats.subErrors - subErrors0) + (stats.unexpectedClose - closes0) + livePostFailures,
    error_codes: { ...errors, ...(livePostFailures ? { LIVE_POST_FAILED: livePostFailures } : {}), ...(stats.subErrors - subErrors0 ? { SUBSCRIPTION_ERROR: stats.subErrors - subErrors0 } : {}), ...(stats.unexpectedClose - closes0 ? { CLOSED: stats.unexpectedClose - closes0 } : {}) },
    error_samples: stats.subErrorSamples.slice(0, 3),
    missing,
    duplicates,
    out_of_order: outOfOrder,
    unexpected,
    backwards_all_sockets: stats.backwards - backwards0,
    incomplete_samples: samples,
    window_ms: round(endMs, 0),
    gateway_cpu_ms: round(cpuMsOf(gateway.pid) - cpu0, 0),
    postgres_cpu_ms: round(postgresCpuMs() - pg0, 0),
    gateway_rss_mb: round(rssKb(gateway.pid) / 1024, 1),
    loadavg_start: load0,
    loadavg_end: loadavg(),
  });
}

// ------------------------------------------------------------------ main

let nextTelegramId = 7_300_000_000 + (opts.seed % 1000) * 1_000_000 + Math.floor(Math.random() * 1e5) * 10;

async function signIn(i) {
  const { token, id } = await signInTelegram(gql, sign, BOT_TOKEN, { id: nextTelegramId + i, first_name: `Sock ${i}` });
  return { token, id: Number(id) };
}

async function main() {
  requireGatewayBin();
  logDir = makeLogDir(opts['log-dir'], 'mg-sockets-');
  const limits = nofileOf(process.pid);
  log(`binary ${GATEWAY_BIN}; database ${opts.db}; redis prefix ${REDIS_PREFIX}; logs ${logDir}; nofile ${JSON.stringify(limits)}; ${os.cpus().length} CPUs; load ${loadavg()}`);
  if (limits && limits.soft < limits.hard) log(`warning: soft nofile ${limits.soft} < hard ${limits.hard} (run with ulimit -n ${limits.hard})`);
  if (!(await dropDatabase())) throw new Error(`cannot reach Postgres at ${opts.pg} with psql`);
  redis = new Redis(opts.redis);
  await redis.connect();

  const maxSockets = opts.stepList.at(-1);
  gatewayPort = await freePort();
  const env = gatewayEnv(
    {
      databaseUrl: dbUrl(),
      dbConnections: opts['db-connections'],
      redisUrl: opts.redis,
      redisPrefix: REDIS_PREFIX,
      botToken: BOT_TOKEN,
      rustLog: opts['rust-log'],
    },
    {
      // Every client shares 127.0.0.x: lift the per-IP cap, keep the instance cap above the run.
      WS_MAX_SOCKETS: String(maxSockets + 1000),
      WS_MAX_SOCKETS_PER_IP: String(maxSockets + 1000),
      WS_MAX_SUBSCRIPTIONS: String(4 * maxSockets + 1000),
      GRAPHQL_RATE_LIMIT_PER_MINUTE: '0',
    },
  );
  // The child inherits this process's RLIMIT_NOFILE, which Node raises to the hard limit.
  gateway = await children.startGateway('gateway', gatewayPort, env, { logDir, logFile: path.join(logDir, 'gateway.log'), label: 'gateway' });
  log(`gateway nofile ${JSON.stringify(nofileOf(gateway.pid))}`);

  // 1. Seed: users through authenticateTelegram, one group chat, memberships by SQL.
  const ts = performance.now();
  const cpuSeed0 = cpuMsOf(gateway.pid);
  const users = await pool(
    Array.from({ length: maxSockets }, (_, i) => i),
    opts['signin-concurrency'],
    (i) => signIn(i),
  );
  const signinS = (performance.now() - ts) / 1000;
  sender = users[0];
  const firstMembers = users.slice(1, 200).map((u) => String(u.id));
  const created = await gql(CREATE_CHAT, { i: { type: 'GROUP', title: 'sockets bench', memberIds: firstMembers } }, sender.token);
  chatId = created.createChat.id;
  const rest = users.slice(200).map((u) => u.id);
  if (rest.length) await psql(dbUrl(), `insert into chat_members (chat_id, user_id, role) select ${Number(chatId)}, u, 'member' from unnest(${idArray(rest)}) as u on conflict do nothing;`);
  const members = Number(await psql(dbUrl(), `select count(*) from chat_members where chat_id = ${Number(chatId)};`));
  if (members !== users.length) throw new Error(`chat ${chatId} has ${members} members, expected ${users.length}`);
  await sleep(2000);
  rss0 = rssKb(gateway.pid);
  const b = await readPubsub([]);
  baseline = { chat_numsub: b.chat_numsub, channels_count: b.channels_count, gateway_fds: fdCount(gateway.pid) };
  emit({
    phase: 'seed',
    users: users.length,
    chat_id: chatId,
    members,
    signin_s: round(signinS),
    signin_rate: round(users.length / signinS, 0),
    seed_s: round((performance.now() - ts) / 1000),
    gateway_cpu_ms: round(cpuMsOf(gateway.pid) - cpuSeed0, 0),
    gateway_rss0_mb: round(rss0 / 1024, 1),
    gateway_fds0: baseline.gateway_fds,
    redis_channels0: baseline.channels_count,
    machine_fds: machineFds(),
    nproc: os.cpus().length,
    loadavg: loadavg(),
    binary: GATEWAY_BIN,
  });
  log(`seeded ${users.length} users (${round(users.length / signinS, 0)}/s) and chat ${chatId} with ${members} members`);

  // 2. Ramp.
  await ramp(users);
  if (stats.subErrors) log(`subscription errors so far: ${stats.subErrors} ${stats.subErrorSamples.join(' | ')}`);
  // 3. Broadcast at the top.
  if (opts.phaseList.includes('broadcast')) await broadcast();
  // 4. Abrupt disconnect.
  let gone = [];
  if (opts.phaseList.includes('disconnect')) gone = await disconnect();
  // 5. Reconnect storm.
  if (opts.phaseList.includes('reconnect') && gone.length) await reconnectStorm(gone);
  if (gateway.done) throw new Error(`gateway exited during the run; see ${gateway.logFile}`);
  printSummary();
}

await run.run(main, { quietIfInterrupted: true });
