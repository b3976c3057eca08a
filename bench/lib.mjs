// Helpers shared by the benchmark scripts (busy-chat.mjs, read-path.mjs, soak.mjs,
// sockets.mjs): options and usage, the Node clients from tests/js, numbers and
// percentiles, /proc readings, HTTP to 127.0.0.1, gateway processes and their environment,
// Postgres and Redis cleanup, and the cleanup-on-every-exit wiring (signals, errors,
// watchdog). Everything here talks to 127.0.0.1 only.
import { createRequire } from 'node:module';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, mkdtempSync, openSync, closeSync, appendFileSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const GATEWAY_BIN = process.env.GATEWAY_BIN || path.join(os.homedir(), '.cache/messenger-gateway/target/release/messenger-gateway');

// ------------------------------------------------------------------ options

/** The `environment:` block of the usage text of read-path, soak and sockets. */
export const ENVIRONMENT_HELP = `environment:
  GATEWAY_BIN      the binary (default $HOME/.cache/messenger-gateway/target/release/messenger-gateway)
  BENCH_PG_URL     Postgres server URL without a database (default postgres://postgres@127.0.0.1:5432)
  BENCH_REDIS_URL  (default redis://127.0.0.1:6379)`;

/** Usage text: `head`, then every option with its default. */
export function usageText(head, defaults) {
  return `${head}

options (default):
${Object.entries(defaults)
  .map(([k, v]) => `  --${k} ${JSON.stringify(v)}`)
  .join('\n')}`;
}

/** Parses `--key value` / `--key=value` (a boolean option may stand alone) into a copy of
 *  `defaults`, numbers checked non-negative; `--help` prints `usage` and exits 0. `finish`
 *  checks and derives the script's own options. Any error: the message on stderr, exit 2. */
export function parseOptions(argv, defaults, usage, finish = (o) => o) {
  try {
    const o = { ...defaults };
    for (let i = 0; i < argv.length; i += 1) {
      const arg = argv[i];
      if (arg === '--help' || arg === '-h') {
        console.log(usage);
        process.exit(0);
      }
      if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\n${usage}`);
      let [key, value] = arg.slice(2).split(/=(.*)/s);
      if (!(key in defaults)) throw new Error(`unknown option --${key}\n${usage}`);
      if (value === undefined) {
        if (typeof defaults[key] === 'boolean' && (argv[i + 1] === undefined || argv[i + 1].startsWith('--'))) value = 'true';
        else value = argv[(i += 1)];
      }
      if (value === undefined) throw new Error(`--${key} needs a value`);
      if (typeof defaults[key] === 'number') {
        const n = Number(value);
        if (!Number.isFinite(n) || n < 0) throw new Error(`--${key} must be a non-negative number`);
        o[key] = n;
      } else if (typeof defaults[key] === 'boolean') o[key] = value === 'true' || value === '1';
      else o[key] = value;
    }
    return finish(o);
  } catch (error) {
    console.error(error.message);
    process.exit(2);
  }
}

/** The bench database is dropped at start and end, so its name must say so. */
export function checkBenchDb(db) {
  if (!/^mg_bench[A-Za-z0-9_]*$/.test(db)) throw new Error('--db must match mg_bench[A-Za-z0-9_]* (it is dropped at start and end)');
}

/** Postgres and Redis must be local: 127.0.0.1 (or any of 127.0.0.0/8 with `anyLoopback`). */
export function checkLocalUrls(urls, anyLoopback = false) {
  for (const url of urls) {
    const host = new URL(url).hostname;
    if (anyLoopback) {
      if (!(host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host))) throw new Error(`${url}: only 127.0.0.0/8 is allowed`);
    } else if (!['127.0.0.1', 'localhost'].includes(host)) throw new Error(`${url}: only 127.0.0.1 is allowed`);
  }
}

// ------------------------------------------------------------------ the Node clients

/** The initData signer (and, with `withWebSocket`, the `ws` client) from tests/js, where
 *  `(cd tests/js && npm ci)` installs them; exits 2 when they are missing. */
export function loadClients(withWebSocket = true) {
  const require = createRequire(new URL('../tests/js/package.json', import.meta.url));
  try {
    const { sign } = require('@telegram-apps/init-data-node');
    return { sign, WebSocket: withWebSocket ? require('ws') : undefined };
  } catch (error) {
    if (withWebSocket) console.error(`cannot load the Node clients (${error.message}); run: (cd tests/js && npm ci)`);
    else console.error(`cannot load @telegram-apps/init-data-node (${error.message}); run: (cd tests/js && npm ci)`);
    process.exit(2);
  }
}

// ------------------------------------------------------------------ logging and output

/** A progress logger on stderr: `[name HH:MM:SS]`, and `+Ns` since `since` when given. */
export function makeLog(name, since = null) {
  if (since === null) return (...parts) => console.error(`[${name} ${new Date().toISOString().slice(11, 19)}]`, ...parts);
  return (...parts) => console.error(`[${name} ${new Date().toISOString().slice(11, 19)} +${Math.round((performance.now() - since) / 1000)}s]`, ...parts);
}

/** One JSON line on stdout, appended to `out` as well when set. */
export function emitJson(line, out) {
  const text = JSON.stringify(line);
  console.log(text);
  if (out) appendFileSync(out, `${text}\n`);
}

/** A Markdown table on stdout; null and undefined cells print as `-`. */
export function printTable(header, rows) {
  const all = [header, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))))];
  const widths = header.map((_, c) => Math.max(...all.map((row) => row[c].length)));
  const fmt = (row) => `| ${row.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  console.log(fmt(all[0]));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of all.slice(1)) console.log(fmt(row));
}

// ------------------------------------------------------------------ numbers

// Two roundings, as the scripts had them (busy-chat and sockets: `toFixed`; read-path and
// soak: scaled `Math.round`), so every figure prints as before. They differ only at exact
// halves in the last digit. Both give null for null, undefined, NaN and infinities.
export const round = (x, digits = 2) => (x === null || x === undefined || !Number.isFinite(x) ? null : Number(x.toFixed(digits)));
export const roundScaled = (x, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d);

/** The q-quantile (nearest rank, lower) of an ascending array, rounded by `r`; null when empty. */
export function percentile(sorted, q, r = round) {
  if (!sorted.length) return null;
  return r(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
}

/** Count, p50, p99 and max of the samples (any order). */
export function summarize(samples) {
  const sorted = Float64Array.from(samples).sort();
  return { n: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.length ? round(sorted[sorted.length - 1]) : null };
}

/** A seeded PRNG in [0, 1) (mulberry32). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seeded PRNG of a run and a picker of a random element. */
export function seededRandom(seed) {
  const rand = mulberry32(seed);
  return { rand, pick: (list) => list[Math.floor(rand() * list.length)] };
}

/** A random tag of this run (clientMessageId prefix) and its Redis key prefix `<ns>:<tag>:`. */
export function runTag(ns = 'mgbench') {
  const tag = randomBytes(3).toString('hex');
  return { RUN_TAG: tag, REDIS_PREFIX: `${ns}:${tag}:` };
}

/** Runs fn over items `size` at a time; results in item order. */
export async function inBatches(items, size, fn) {
  const out = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

// ------------------------------------------------------------------ /proc readings

export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU ms so far (utime + stime) of a process, or null when it is gone. */
export function cpuMsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK; // utime + stime
  } catch {
    return null;
  }
}

/** VmRSS of a process in kB, or null. */
export function rssKb(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)\s+kB/m);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** CPU ms so far of this process (user + system). */
export const clientCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** The machine's idle and total jiffies so far (first line of /proc/stat). */
export function cpuTimes() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { idle: f[3] + (f[4] || 0), total: f.reduce((a, b) => a + b, 0) };
}

/** The three load averages of /proc/loadavg ("0.52 0.58 0.59"). */
export const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).join(' ');
/** The whole line of /proc/loadavg, runnable/total tasks and last pid included. */
export const loadavgLine = () => readFileSync('/proc/loadavg', 'utf8').trim();

/** CPU ms so far of the services on this machine, each a Map pid -> ms: `db`'s Postgres
 *  backends (`ownDb`), other databases' backends (`otherDbs`), the Postgres server's own
 *  processes (`server`: postmaster, checkpointer, ...) and redis-server (`redis`). */
export function serviceCpu(db) {
  const out = { ownDb: new Map(), otherDbs: new Map(), server: new Map(), redis: new Map() };
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
      if (!backend) out.server.set(entry, ms);
      else if (backend[2] === db) out.ownDb.set(entry, ms);
      else out.otherDbs.set(entry, ms);
    } else if (comm === 'redis-server') {
      const ms = cpuMsOf(entry);
      if (ms !== null) out.redis.set(entry, ms);
    }
  }
  return out;
}

/** CPU ms of the processes in `after` since `before` (Maps pid -> ms; a new process counts from 0). */
export function cpuMapDelta(before, after) {
  let sum = 0;
  for (const [pid, ms] of after) sum += ms - (before.get(pid) ?? 0);
  return sum;
}

// ------------------------------------------------------------------ HTTP to 127.0.0.1

/** A free TCP port of 127.0.0.1. */
export function freePort() {
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

/** One request to 127.0.0.1:port; resolves {status, text, json} (json null when the body is
 *  not JSON) or {error: TIMEOUT | NET_<errno>}. Never rejects. `headers` go out as given. */
export function httpRequest(agent, port, method, pathName, body, headers, timeoutMs) {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = http.request({ host: '127.0.0.1', port, path: pathName, method, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try {
          json = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        finish({ status: res.statusCode, text, json });
      });
      res.on('error', (e) => finish({ error: `NET_${e.code ?? 'ERROR'}` }));
    });
    const timer = setTimeout(() => {
      finish({ error: 'TIMEOUT' });
      req.destroy();
    }, timeoutMs);
    req.on('error', (e) => finish({ error: `NET_${e.code ?? 'ERROR'}` }));
    req.end(body ?? undefined);
  });
}

/** POST JSON (with a Bearer token when given); resolves {status, body} or {error: CODE}. Never rejects. */
export async function postJson(agent, port, pathName, payload, token, timeoutMs) {
  const body = JSON.stringify(payload);
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json',
    'content-length': Buffer.byteLength(body),
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
  const r = await httpRequest(agent, port, 'POST', pathName, body, headers, timeoutMs);
  return r.error ? r : { status: r.status, body: r.json };
}

/** Classifies a GraphQL response of postJson: null when fine, else an error code
 *  (TIMEOUT, NET_<errno>, HTTP_<status>, BAD_JSON, or the first error's extensions.code). */
export function errorCode(result) {
  if (result.error) return result.error;
  if (result.status !== 200) return `HTTP_${result.status}`;
  if (!result.body) return 'BAD_JSON';
  if (result.body.errors?.length) return result.body.errors[0]?.extensions?.code ?? 'GRAPHQL_ERROR';
  return null;
}

/** The first error message of a failed response, for samples. */
export const errorText = (result, max = 200) => String(result.body?.errors?.[0]?.message ?? result.error ?? JSON.stringify(result.body)).slice(0, max);

/** Whether 127.0.0.1:port answers GET /health/ready with 200 (2 s timeout). */
export function healthReady(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health/ready', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

// ------------------------------------------------------------------ GraphQL documents and clients

export const AUTHENTICATE = 'mutation($d: String!) { authenticateTelegram(initData: $d) { accessToken user { id } } }';
export const SEND_MESSAGE = 'mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }';
export const CREATE_CHAT = 'mutation($i: CreateChatInput!) { createChat(input: $i) { id } }';
/** `messageEvents` for one chat (`$c`) or, without it, all of the user's chats. */
export const MESSAGE_EVENTS = 'subscription($c: ID) { messageEvents(chatId: $c) { kind chatId messageId message { clientMessageId } } }';

/** Signed initData of a Telegram user (signed now with the bench's bot token). */
export const initDataFor = (sign, botToken, user) => sign({ user }, botToken, new Date());

/** Signs a user in with initData through `gql(query, variables)`; resolves the JWT and user id. */
export async function signInTelegram(gql, sign, botToken, user) {
  const data = await gql(AUTHENTICATE, { d: initDataFor(sign, botToken, user) });
  return { token: data.authenticateTelegram.accessToken, id: data.authenticateTelegram.user.id };
}

/** A graphql-transport-ws client socket to 127.0.0.1:port that sends `connection_init` with
 *  the JWT once open; `options` go to the `ws` constructor. */
export function openGraphqlWs(WebSocket, port, token, options = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws', { perMessageDeflate: false, ...options });
  ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } })));
  return ws;
}

/** Sends the `subscribe` message of operation `id`. */
export const subscribeWs = (ws, query, variables, id = '1') => ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));

/** Closes a socket with 1000, and terminates it when still there a second later. */
export function closeWs(ws) {
  try {
    ws?.close(1000);
  } catch {
    /* already gone */
  }
  setTimeout(() => ws?.terminate(), 1000).unref();
}

// ------------------------------------------------------------------ Postgres and Redis

/** `base` (a server URL, trailing slash or not) with database `db`. */
export const dbUrlOf = (base, db) => `${base.replace(/\/$/, '')}/${db}`;

/** DROP DATABASE ... WITH (FORCE) through psql on the server's `postgres` database; logs
 *  and returns false when it failed. */
export function dropDatabase(pg, db, log, timeoutMs) {
  const r = spawnSync('psql', [dbUrlOf(pg, 'postgres'), '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`], {
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (r.error || r.status !== 0) log(`could not drop database ${db}: ${r.error?.message ?? r.stderr.trim()}`);
  return !r.error && r.status === 0;
}

/** Deletes the keys under `prefix` with redis-cli (best effort). */
export function cleanRedisPrefix(redisUrl, prefix) {
  const scan = spawnSync('redis-cli', ['-u', redisUrl, '--scan', '--pattern', `${prefix}*`], {
    encoding: 'utf8',
    timeout: 10000,
  });
  if (scan.error || scan.status !== 0) return;
  const keys = scan.stdout.split('\n').filter(Boolean);
  for (let i = 0; i < keys.length && i < 1_000_000; i += 500) {
    spawnSync('redis-cli', ['-u', redisUrl, 'DEL', ...keys.slice(i, i + 500)], { timeout: 10000, stdio: 'ignore' });
  }
}

// ------------------------------------------------------------------ gateway processes

/** Throws unless the gateway binary is there. */
export function requireGatewayBin() {
  if (!existsSync(GATEWAY_BIN)) throw new Error(`no gateway binary at ${GATEWAY_BIN}: build it (cargo build --release) or set GATEWAY_BIN`);
}

/** `--log-dir`, or a new directory /tmp/<prefix>XXXXXX. */
export const makeLogDir = (given, prefix) => given || mkdtempSync(path.join(os.tmpdir(), prefix));

/** The environment of a bench gateway instance: the database and Redis prefix, a JWT secret
 *  (random unless given), the bench's bot token, every rate limit off, plain-text logs; the
 *  instance shuts down within 3 s. `extra` adds or overrides variables. */
export function gatewayEnv({ databaseUrl, dbConnections, redisUrl, redisPrefix, botToken, rustLog, jwtSecret = randomBytes(32).toString('hex'), tokenTtlSeconds = 86400 }, extra = {}) {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    DATABASE_URL: databaseUrl,
    DATABASE_MAX_CONNECTIONS: String(dbConnections),
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: redisPrefix,
    JWT_SECRET: jwtSecret,
    TELEGRAM_BOT_TOKEN: botToken,
    ACCESS_TOKEN_TTL_SECONDS: String(tokenTtlSeconds), // sockets close at the token's exp
    // No throttling: the bench sends far more than a person would.
    MESSAGE_RATE_LIMIT_PER_MINUTE: '0',
    DUPLICATE_MESSAGE_COOLDOWN_SECONDS: '0',
    LOGIN_RATE_LIMIT_PER_MINUTE: '0',
    REGISTER_RATE_LIMIT_PER_MINUTE: '0',
    REFRESH_RATE_LIMIT_PER_MINUTE: '0',
    RESET_RATE_LIMIT_PER_MINUTE: '0',
    MINIAPP_RATE_LIMIT_PER_MINUTE: '0',
    ANALYTICS_RATE_LIMIT_PER_MINUTE: '0',
    SHUTDOWN_GRACE_SECONDS: '3',
    LOG_FORMAT: 'text',
    NO_COLOR: '1',
    RUST_LOG: rustLog,
    // The allocator's settings pass through (e.g. MIMALLOC_PURGE_DELAY), to compare them.
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('MIMALLOC_'))),
    ...extra,
  };
}

/** The child processes of a run (gateways, PostGraphile): started with their output in a
 *  log file, waited for, stopped with SIGTERM and, 8 s later, SIGKILL. Each child:
 *  { name, label (in messages), port, proc, pid, exited (Promise), done, logFile }. */
export class Children {
  constructor(log) {
    this.log = log;
    this.list = [];
  }

  /** Spawns cmd with stdout and stderr appended to logFile. */
  spawn(name, cmd, args, { cwd, env, logFile, port, label = name }) {
    const fd = openSync(logFile, 'a');
    const proc = spawn(cmd, args, { cwd, env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const exited = new Promise((resolve) => {
      proc.on('exit', (code, signal) => resolve({ code, signal }));
      proc.on('error', (error) => resolve({ code: null, signal: null, error }));
    });
    const child = { name, label, port, proc, pid: proc.pid, exited, done: false, logFile };
    exited.then(() => (child.done = true));
    this.list.push(child);
    return child;
  }

  /** Polls `probe` every 250 ms until it says yes (resolves the child); throws when the child
   *  exits or `seconds` pass. */
  async waitReady(child, probe, seconds = 120) {
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline) {
      if (child.done) {
        const why = await child.exited;
        throw new Error(`${child.label} exited (${why.error?.message ?? `code ${why.code} signal ${why.signal}`}); see ${child.logFile}`);
      }
      if (await probe()) {
        this.log(`${child.label} ready on 127.0.0.1:${child.port} (pid ${child.proc.pid}, log ${child.logFile})`);
        return child;
      }
      await sleep(250);
    }
    throw new Error(`${child.label} not ready within ${seconds} s; see ${child.logFile}`);
  }

  /** `GATEWAY_BIN serve` on 127.0.0.1:port with `env`, running in logDir (so no `.env` of the
   *  repository leaks into the instance), until /health/ready answers. `command` wraps the
   *  binary and its arguments (e.g. taskset). */
  startGateway(name, port, env, { logDir, logFile = path.join(logDir, `gateway-${name}.log`), label = `gateway ${name}`, command = (cmd, args) => [cmd, args], bin = GATEWAY_BIN }) {
    const [cmd, args] = command(bin, ['serve']);
    const child = this.spawn(name, cmd, args, { cwd: logDir, env: { ...env, BIND_ADDR: `127.0.0.1:${port}` }, logFile, port, label });
    return this.waitReady(child, () => healthReady(port));
  }

  /** SIGTERM, then SIGKILL after 8 s. */
  async stop(child) {
    if (child.done) return;
    child.proc.kill('SIGTERM');
    const gone = await Promise.race([child.exited.then(() => true), sleep(8000).then(() => false)]);
    if (!gone) {
      this.log(`${child.label} did not stop within 8 s: SIGKILL`);
      child.proc.kill('SIGKILL');
      await Promise.race([child.exited, sleep(2000)]);
    }
  }

  stopAll() {
    return Promise.all(this.list.map((child) => this.stop(child)));
  }

  killAll() {
    for (const child of this.list) if (!child.done) child.proc.kill('SIGKILL');
  }
}

// ------------------------------------------------------------------ cleanup on every way out

/** Wires the run's cleanup (`teardown`, run once) to every way out: SIGINT/SIGTERM (exit 130;
 *  a second signal runs `kill` and exits at once), an unhandled error (exit 1), and a
 *  watchdog after `watchdogMs` (exit 3). `run(main)` runs main, logs its failure (exit 1),
 *  cleans up and exits with main's result (a number) or 0. */
export function guardRun({ log, teardown, kill, interruptMessage, watchdogMs, watchdogMessage }) {
  let cleanupPromise = null;
  const cleanup = () => {
    if (!cleanupPromise) cleanupPromise = teardown();
    return cleanupPromise;
  };
  const state = {
    interrupted: 0,
    cleanup,
    /** Whether the cleanup has begun (sockets closing now are expected). */
    get cleaningUp() {
      return cleanupPromise !== null;
    },
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      state.interrupted += 1;
      if (state.interrupted > 1) {
        kill();
        process.exit(130);
      }
      log(`${signal}: ${interruptMessage}`);
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
    log(watchdogMessage);
    cleanup().finally(() => process.exit(3));
  }, watchdogMs);
  /** `quietIfInterrupted`: no "failed" line when main failed because of a signal. */
  state.run = async (main, { quietIfInterrupted = false } = {}) => {
    let exitCode = 0;
    try {
      exitCode = (await main()) ?? 0;
    } catch (error) {
      if (!(quietIfInterrupted && state.interrupted)) log(`failed: ${error.stack ?? error}`);
      exitCode = 1;
    } finally {
      clearTimeout(watchdog);
      await cleanup();
    }
    process.exit(exitCode);
  };
  return state;
}
