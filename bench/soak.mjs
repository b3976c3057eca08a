// Soak test (issue 12): two gateway instances sharing one database and one Redis under a
// steady mixed load for --minutes: chat-list queries (both instances), sendMessage into a
// few shared group chats (instance A), one `messageEvents` subscriber per user on instance
// B, and socket churn (connect / subscribe / close, both instances). Every --report-seconds
// it prints errors, delivered vs expected, RSS of both gateways and p99 latencies; at the
// end a verdict. See bench/README.md, "Soak (issue 12)".
//
//   node bench/soak.mjs [--minutes 10] [--send-rate 20] [--query-rate 30] [--churn-rate 4] [--help]
//
// It starts and stops the two instances itself (GATEWAY_BIN), on a fresh database that is
// dropped at the end with the run's Redis keys, also on error and Ctrl-C.
import { performance, monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import http from 'node:http';
import os from 'node:os';
import {
  GATEWAY_BIN, ENVIRONMENT_HELP, usageText, parseOptions, checkBenchDb, checkLocalUrls, loadClients, makeLog, emitJson, printTable,
  roundScaled as round, percentile, seededRandom, runTag, inBatches, rssKb, loadavg, loadavgLine, freePort, postJson, errorCode, errorText,
  signInTelegram, SEND_MESSAGE, CREATE_CHAT, MESSAGE_EVENTS, openGraphqlWs, subscribeWs, closeWs, dbUrlOf, dropDatabase as dropDb,
  cleanRedisPrefix, requireGatewayBin, makeLogDir, gatewayEnv, Children, guardRun,
} from './lib.mjs';

// ------------------------------------------------------------------ options

const DEFAULTS = {
  minutes: 10, // load duration
  'report-seconds': 10, // one progress line per interval
  users: 24, // signed-in users; each holds one messageEvents subscription on B
  chats: 4, // shared group chats
  'chat-members': 12, // members per chat (consecutive users, circularly: chats overlap)
  'send-rate': 20, // sendMessage per second, on A (open loop)
  'query-rate': 30, // chat-list queries per second, alternating A and B (open loop)
  'query-first': 20, // chats(first:)
  'churn-rate': 4, // socket churn cycles started per second, alternating A and B
  'churn-hold-ms': '200,1500', // a churn socket holds its subscription this long (uniform range)
  'max-inflight': 64, // per kind (sends, queries, churn sockets); one due at the cap is skipped and counted as an error
  'timeout-ms': 10000, // per HTTP request and per churn step
  'grace-ms': 5000, // a delivery counts as missing only when its send answered this long ago
  'drain-ms': 10000, // after the load, wait this long at most for outstanding deliveries
  'rss-tolerance': 0.1, // verdict: the last minute's mean RSS within this fraction of the second minute's
  db: 'mg_bench_soak', // database name (must start with mg_bench; dropped at start and end)
  pg: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432',
  redis: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  'db-connections': 20, // DATABASE_MAX_CONNECTIONS of each instance
  'rust-log': process.env.RUST_LOG ?? 'warn',
  seed: 1,
  out: '', // also append the JSON lines to this file
  'log-dir': '', // the gateways' logs (default: a new /tmp/mg-soak-* directory)
};

const USAGE = usageText(
  `usage: node bench/soak.mjs [--option value ...]

Starts two gateway instances (A and B) on one fresh database and one Redis, drives a mixed
load for --minutes, prints one JSON line per --report-seconds and a verdict at the end.
The process stops by itself after --minutes + 5 (setup, drain and cleanup included).

${ENVIRONMENT_HELP}`,
  DEFAULTS,
);

const opts = parseOptions(process.argv.slice(2), DEFAULTS, USAGE, (o) => {
  if (o.minutes <= 0) throw new Error('--minutes must be positive');
  if (o['report-seconds'] < 1) throw new Error('--report-seconds must be at least 1');
  if (o.users < 2) throw new Error('--users must be at least 2');
  if (o['chat-members'] < 2 || o['chat-members'] > o.users) throw new Error('--chat-members must be between 2 and --users');
  if (o.chats < 1) throw new Error('--chats must be at least 1');
  const [lo, hi] = String(o['churn-hold-ms']).split(',').map(Number);
  if (!(lo >= 0 && hi >= lo)) throw new Error('--churn-hold-ms: LOW,HIGH in ms');
  o.holdLo = lo;
  o.holdHi = hi;
  checkBenchDb(o.db);
  checkLocalUrls([o.pg, o.redis]);
  return o;
});

const { sign, WebSocket } = loadClients();

const BOT_TOKEN = '123456:soak-bench-token';
const { RUN_TAG, REDIS_PREFIX } = runTag(); // RUN_TAG: clientMessageId prefix of this run

const log = makeLog('soak');

const { rand, pick } = seededRandom(opts.seed);

/** The q-quantile of the values (any order), rounded as this script always has. */
const percentileOf = (values, q) => percentile(Float64Array.from(values).sort(), q, round);

// ------------------------------------------------------------------ errors

/** Error counts by code (HTTP_<status>, the GraphQL extensions.code, TIMEOUT, NET_<errno>,
 *  SKIPPED_<kind>, WS_*), cumulative and per interval, with the first message of each. */
const errors = { total: {}, interval: {}, samples: {} };
function countError(code, sample) {
  errors.total[code] = (errors.total[code] ?? 0) + 1;
  errors.interval[code] = (errors.interval[code] ?? 0) + 1;
  if (!(code in errors.samples)) {
    errors.samples[code] = String(sample ?? '').slice(0, 200);
    log(`first ${code}: ${errors.samples[code]}`);
  }
}
const sumOf = (obj) => Object.values(obj).reduce((a, b) => a + b, 0);

// ------------------------------------------------------------------ HTTP client

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

const post = (port, payload, token, timeoutMs = opts['timeout-ms']) => postJson(agent, port, '/graphql', payload, token, timeoutMs);

async function gql(port, query, variables, token) {
  const result = await post(port, { query, variables }, token, 30000);
  const code = errorCode(result);
  if (code) throw new Error(`${query.slice(0, 60)}…: ${code} ${errorText(result)}`);
  return result.body.data;
}

// ------------------------------------------------------------------ processes and cleanup

const children = new Children(log); // gateways a and b
let logDir = '';
const dropDatabase = () => dropDb(opts.pg, opts.db, log, 60000);

const openSockets = new Set();
let stopping = false;
const run = guardRun({
  log,
  teardown: async () => {
    stopping = true;
    for (const ws of openSockets) ws.terminate();
    await children.stopAll();
    dropDatabase();
    cleanRedisPrefix(opts.redis, REDIS_PREFIX);
    agent.destroy();
    if (logDir) log(`gateway logs kept in ${logDir}`);
  },
  kill: () => children.killAll(),
  interruptMessage: 'stopping the gateways and dropping the database (again to force)',
  watchdogMs: (opts.minutes + 5) * 60_000,
  watchdogMessage: `--minutes ${opts.minutes} + 5 reached: aborting`,
});

// ------------------------------------------------------------------ users, chats, subscribers

let nextTelegramId = 7_200_000_000 + Math.floor(rand() * 1e6) * 100;
async function signIn(port, name) {
  nextTelegramId += 1;
  const { token, id } = await signInTelegram((query, variables) => gql(port, query, variables), sign, BOT_TOKEN, { id: nextTelegramId, first_name: name });
  return { token, id, name };
}

/** Sends by clientMessageId: { chat, start, ok (null while in flight), answeredAt, got: Uint8Array per subscriber }. */
const sends = new Map();
const tally = { delivered: 0, duplicates: 0, outOfOrder: 0, foreign: 0, unknown: 0, forFailedSends: 0, probeEvents: 0 };

/** A graphql-transport-ws socket with one messageEvents subscription. Long-lived
 *  subscribers (one per user, on B, all chats) check every delivery; churn sockets only
 *  check the protocol and ordering. */
class Socket {
  constructor({ index, user, port, variables, stable }) {
    this.index = index;
    this.user = user;
    this.port = port;
    this.variables = variables;
    this.stable = stable;
    this.last = new Map(); // chatId -> last message id
    this.closing = false;
    this.seenProbe = new Set();
  }

  /** Resolves once connection_ack came and the subscribe went out; rejects on failure. */
  open(timeoutMs = opts['timeout-ms']) {
    return new Promise((resolve, reject) => {
      const ws = openGraphqlWs(WebSocket, this.port, this.user.token);
      this.ws = ws;
      openSockets.add(ws);
      let acked = false;
      const timer = setTimeout(() => {
        reject(new Error('WS_NO_ACK'));
        ws.terminate();
      }, timeoutMs);
      ws.on('message', (data) => {
        let msg;
        try {
          msg = JSON.parse(data);
        } catch {
          countError('WS_BAD_JSON', String(data).slice(0, 100));
          return;
        }
        switch (msg.type) {
          case 'connection_ack':
            acked = true;
            clearTimeout(timer);
            subscribeWs(ws, MESSAGE_EVENTS, this.variables);
            resolve();
            return;
          case 'next':
            if (msg.payload?.errors?.length) {
              countError(`WS_${msg.payload.errors[0]?.extensions?.code ?? 'NEXT_ERROR'}`, JSON.stringify(msg.payload.errors));
              return;
            }
            this.onEvent(msg.payload?.data?.messageEvents);
            return;
          case 'ping':
            ws.send('{"type":"pong"}');
            return;
          case 'pong':
            return;
          case 'error':
            countError('WS_ERROR', JSON.stringify(msg.payload));
            return;
          case 'complete':
            if (!this.closing) countError('WS_COMPLETE', `subscription of ${this.stable ? 'subscriber' : 'churn socket'} ${this.index} completed by the server`);
            return;
          default:
            countError('WS_UNKNOWN_MESSAGE', JSON.stringify(msg).slice(0, 100));
        }
      });
      ws.on('error', (error) => {
        clearTimeout(timer);
        if (!acked) reject(new Error(`WS_${error.code ?? 'CONNECT'}`));
        else if (!this.closing && !run.cleaningUp) countError(`WS_${error.code ?? 'SOCKET_ERROR'}`, error.message);
      });
      ws.on('close', (code) => {
        openSockets.delete(ws);
        clearTimeout(timer);
        if (!acked) reject(new Error(`WS_CLOSED_${code}`));
        else if (!this.closing && !run.cleaningUp) countError(`WS_CLOSED_${code}`, `${this.stable ? 'subscriber' : 'churn socket'} ${this.index} closed by the server`);
      });
    });
  }

  onEvent(event) {
    if (event?.kind !== 'CREATED') return;
    const chatId = Number(event.chatId);
    const messageId = Number(event.messageId);
    const cmid = event.message?.clientMessageId ?? '';
    const last = this.last.get(chatId) ?? 0;
    const backwards = messageId <= last;
    if (!backwards) this.last.set(chatId, messageId);
    if (cmid.startsWith(`p${RUN_TAG}.`)) {
      this.seenProbe.add(chatId);
      tally.probeEvents += 1;
      return;
    }
    if (!this.stable) {
      if (backwards) countError('CHURN_OUT_OF_ORDER', `churn socket ${this.index}: message ${messageId} after ${last} in chat ${chatId}`);
      return;
    }
    const rec = sends.get(cmid);
    if (!rec) {
      tally.unknown += 1;
      return;
    }
    if (!rec.chat.memberIdx.includes(this.index)) {
      tally.foreign += 1;
      return;
    }
    if (rec.got[this.index]) {
      tally.duplicates += 1;
      return;
    }
    if (backwards) tally.outOfOrder += 1;
    rec.got[this.index] = 1;
    if (rec.ok === false) tally.forFailedSends += 1;
    else {
      tally.delivered += 1;
      deliveryLat.push(performance.now() - rec.start);
    }
  }

  close() {
    this.closing = true;
    closeWs(this.ws);
  }
}

/** Sends a probe into every chat until every subscriber saw one in each of its chats. */
async function probe(port, chats, subscribers) {
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    const missing = chats.filter((c) => c.memberIdx.some((i) => !subscribers[i].seenProbe.has(Number(c.id))));
    if (!missing.length) return;
    await inBatches(missing, 4, (chat) =>
      gql(port, SEND_MESSAGE, { i: { chatId: chat.id, text: `probe ${attempt}`, clientMessageId: `p${RUN_TAG}.${attempt}.${chat.id}` } }, chat.members[0].token),
    );
    const until = Date.now() + 3000;
    while (Date.now() < until && chats.some((c) => c.memberIdx.some((i) => !subscribers[i].seenProbe.has(Number(c.id))))) await sleep(50);
  }
  throw new Error('some subscribers never received a probe message: subscriptions on B are not live');
}

// ------------------------------------------------------------------ the load

const chatListQuery = () => `{ chats(first: ${Math.floor(opts['query-first'])}) { edges { node { id lastMessage { text sender { id displayName } } unreadCount members { user { id } } } } } }`;

let deliveryLat = [];
const lat = { send: [], query: [], churnAck: [] };
const totals = { sent: 0, sendOk: 0, queries: 0, queryOk: 0, churnStarted: 0, churnDone: 0 };
const inflight = { send: 0, query: 0, churn: 0 };

function expectedAndMissing(now) {
  let expected = 0;
  let missingOld = 0;
  let pending = 0;
  for (const rec of sends.values()) {
    if (rec.ok !== true) {
      if (rec.ok === null) pending += 1;
      continue;
    }
    expected += rec.chat.memberIdx.length;
    if (now - rec.answeredAt >= opts['grace-ms']) for (const i of rec.chat.memberIdx) if (!rec.got[i]) missingOld += 1;
  }
  return { expected, missingOld, pending };
}

async function main() {
  requireGatewayBin();
  logDir = makeLogDir(opts['log-dir'], 'mg-soak-');
  log(`binary ${GATEWAY_BIN}; database ${opts.db}; redis prefix ${REDIS_PREFIX}; logs ${logDir}; nproc ${os.cpus().length}; loadavg ${loadavgLine()}`);
  if (!dropDatabase()) throw new Error(`cannot reach Postgres at ${opts.pg} with psql`);

  const [portA, portB] = [await freePort(), await freePort()];
  const common = gatewayEnv(
    {
      databaseUrl: dbUrlOf(opts.pg, opts.db),
      dbConnections: opts['db-connections'],
      redisUrl: opts.redis,
      redisPrefix: REDIS_PREFIX,
      botToken: BOT_TOKEN,
      rustLog: opts['rust-log'],
      tokenTtlSeconds: Math.ceil(opts.minutes * 60 + 3600), // sockets close at the token's exp
    },
    { GRAPHQL_WS_MAX_OPERATIONS: '1000' },
  );
  const gwA = await children.startGateway('a', portA, common, { logDir }); // A first: it creates and migrates the database
  const gwB = await children.startGateway('b', portB, common, { logDir });
  const ports = [portA, portB];

  // Users and the shared chats (members: consecutive users, circularly).
  const users = await inBatches(Array.from({ length: opts.users }, (_, i) => i), 8, (i) => signIn(portA, `Soak ${i}`));
  const k = opts['chat-members'];
  const stride = Math.max(1, Math.floor(opts.users / opts.chats));
  const chats = [];
  for (let c = 0; c < opts.chats; c += 1) {
    const memberIdx = [...new Set(Array.from({ length: k }, (_, j) => (c * stride + j) % opts.users))];
    const members = memberIdx.map((i) => users[i]);
    const data = await gql(portA, CREATE_CHAT, { i: { type: 'GROUP', title: `soak ${c}`, memberIds: members.slice(1).map((u) => u.id) } }, members[0].token);
    chats.push({ id: data.createChat.id, memberIdx, members });
  }
  const chatsOf = users.map((_, i) => chats.filter((c) => c.memberIdx.includes(i)));
  const members = users.map((_, i) => i).filter((i) => chatsOf[i].length > 0); // users in at least one chat
  const subscribers = users.map((user, index) => new Socket({ index, user, port: portB, variables: {}, stable: true }));
  await inBatches(subscribers, 8, (s) => s.open());
  await probe(portA, chats, subscribers);
  log(`${users.length} users, ${chats.length} group chats of ${k} (stride ${stride}); ${subscribers.length} subscriptions live on B; load for ${opts.minutes} min: ${opts['send-rate']} sends/s on A, ${opts['query-rate']} chat lists/s on A+B, ${opts['churn-rate']} socket churns/s on A+B`);

  // ---- the load loop (open loop: everything is issued on schedule)
  const filler = 'soak '.repeat(8);
  let seq = 0;
  const issueSend = () => {
    if (inflight.send >= opts['max-inflight']) return countError('SKIPPED_SEND', 'max-inflight sends outstanding');
    const chat = pick(chats);
    const senderIdx = pick(chat.memberIdx);
    seq += 1;
    const cmid = `${RUN_TAG}.${seq}`;
    const rec = { chat, start: performance.now(), ok: null, answeredAt: 0, got: new Uint8Array(users.length) };
    sends.set(cmid, rec);
    totals.sent += 1;
    inflight.send += 1;
    post(portA, { query: SEND_MESSAGE, variables: { i: { chatId: chat.id, text: `${filler}${seq}`, clientMessageId: cmid } } }, users[senderIdx].token).then((result) => {
      inflight.send -= 1;
      rec.answeredAt = performance.now();
      const code = errorCode(result);
      if (code) {
        rec.ok = false;
        countError(`SEND_${code}`, errorText(result));
        // Deliveries of a failed send that committed anyway are not "delivered".
        const early = rec.got.reduce((a, b) => a + b, 0);
        tally.delivered -= early;
        tally.forFailedSends += early;
      } else {
        rec.ok = true;
        totals.sendOk += 1;
        lat.send.push(rec.answeredAt - rec.start);
      }
    });
  };
  let queryNo = 0;
  const issueQuery = () => {
    if (inflight.query >= opts['max-inflight']) return countError('SKIPPED_QUERY', 'max-inflight queries outstanding');
    queryNo += 1;
    const port = ports[queryNo % 2];
    const user = pick(users);
    const start = performance.now();
    totals.queries += 1;
    inflight.query += 1;
    post(port, { query: chatListQuery() }, user.token).then((result) => {
      inflight.query -= 1;
      const code = errorCode(result);
      if (code) return countError(`QUERY_${code}`, errorText(result));
      const edges = result.body?.data?.chats?.edges;
      if (!Array.isArray(edges) || edges.length !== chatsOf[users.indexOf(user)].length) {
        return countError('QUERY_WRONG_RESULT', `expected ${chatsOf[users.indexOf(user)].length} chats, got ${JSON.stringify(result.body).slice(0, 150)}`);
      }
      totals.queryOk += 1;
      lat.query.push(performance.now() - start);
    });
  };
  let churnNo = 0;
  const issueChurn = () => {
    if (inflight.churn >= opts['max-inflight']) return countError('SKIPPED_CHURN', 'max-inflight churn sockets open');
    churnNo += 1;
    const userIdx = pick(members);
    const chat = pick(chatsOf[userIdx]);
    const sock = new Socket({ index: churnNo, user: users[userIdx], port: ports[churnNo % 2], variables: { c: chat.id }, stable: false });
    const hold = opts.holdLo + rand() * (opts.holdHi - opts.holdLo);
    const start = performance.now();
    totals.churnStarted += 1;
    inflight.churn += 1;
    sock
      .open()
      .then(async () => {
        lat.churnAck.push(performance.now() - start);
        await sleep(hold);
        sock.close();
        totals.churnDone += 1;
      })
      .catch((error) => countError(String(error.message).startsWith('WS_') ? `CHURN_${error.message}` : 'CHURN_FAILED', error.message))
      .finally(() => {
        inflight.churn -= 1;
      });
  };

  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const intervals = [];
  const rssSamples = []; // { t (s since start), a, b }
  const durationMs = opts.minutes * 60_000;
  const reportMs = opts['report-seconds'] * 1000;
  const t0 = performance.now();
  const schedule = [
    { rate: opts['send-rate'], fn: issueSend, n: 0 },
    { rate: opts['query-rate'], fn: issueQuery, n: 0 },
    { rate: opts['churn-rate'], fn: issueChurn, n: 0 },
  ].filter((s) => s.rate > 0);
  let nextReport = reportMs;
  let nextRss = 0;
  let lastTotals = { ...totals };
  while (!stopping) {
    const now = performance.now();
    const elapsed = now - t0;
    if (elapsed >= durationMs) break;
    for (const s of schedule) {
      // Catch up at most one second of backlog per tick (bounded work per tick).
      let guard = Math.ceil(s.rate) + 1;
      while (guard-- > 0 && s.n < (elapsed / 1000) * s.rate) {
        s.fn();
        s.n += 1;
      }
    }
    if (elapsed >= nextRss) {
      rssSamples.push({ t: elapsed / 1000, a: rssKb(gwA.proc.pid), b: rssKb(gwB.proc.pid) });
      nextRss += 2000;
    }
    if (elapsed >= nextReport) {
      intervals.push(report(elapsed, lastTotals, loop, rssSamples, gwA, gwB));
      lastTotals = { ...totals };
      loop.reset();
      nextReport += reportMs;
    }
    for (const child of children.list) if (child.done) throw new Error(`gateway ${child.name} exited during the run; see ${child.logFile}`);
    await sleep(5);
  }
  const loadEnd = performance.now();

  // ---- drain: answers, churn sockets, then deliveries
  log('load finished: waiting for outstanding answers and deliveries');
  const answersBy = performance.now() + opts['timeout-ms'] + 2000;
  while ((inflight.send > 0 || inflight.query > 0 || inflight.churn > 0) && performance.now() < answersBy) await sleep(50);
  const drainBy = performance.now() + opts['drain-ms'];
  while (performance.now() < drainBy) {
    const { expected } = expectedAndMissing(performance.now());
    if (tally.delivered >= expected) break;
    await sleep(50);
  }
  intervals.push(report(performance.now() - t0, lastTotals, loop, rssSamples, gwA, gwB, true));
  loop.disable();
  for (const s of subscribers) s.close();

  // ---- verdict
  const { expected, pending } = expectedAndMissing(Number.POSITIVE_INFINITY);
  if (pending) countError('NO_ANSWER', `${pending} sends never answered`);
  const missing = expected - tally.delivered;
  const minute = (from, to) => {
    const xs = rssSamples.filter((s) => s.t >= from && s.t < to);
    const mean = (k) => (xs.length ? xs.reduce((a, s) => a + (s[k] ?? 0), 0) / xs.length : null);
    return { a: mean('a'), b: mean('b'), samples: xs.length };
  };
  const runS = (loadEnd - t0) / 1000;
  let rss = { judged: false, reason: 'needs --minutes 2 or more (second minute vs last minute)' };
  if (runS >= 120) {
    const second = minute(60, 120);
    const last = minute(runS - 60, runS + 1);
    const growth = (k) => (second[k] ? (last[k] - second[k]) / second[k] : null);
    const flat = ['a', 'b'].every((k) => growth(k) !== null && Math.abs(growth(k)) <= opts['rss-tolerance']);
    rss = {
      judged: true,
      second_minute_mean_kb: { a: round(second.a, 0), b: round(second.b, 0) },
      last_minute_mean_kb: { a: round(last.a, 0), b: round(last.b, 0) },
      growth_pct: { a: round(100 * growth('a'), 1), b: round(100 * growth('b'), 1) },
      tolerance_pct: round(100 * opts['rss-tolerance'], 1),
      flat,
    };
  }
  const errorTotal = sumOf(errors.total);
  const allLat = (key) => ({ p50: percentileOf(allLatencies[key], 0.5), p99: percentileOf(allLatencies[key], 0.99), max: percentileOf(allLatencies[key], 1) });
  const summary = {
    bench: 'soak',
    summary: true,
    minutes: round(runS / 60, 2),
    rates: { send: opts['send-rate'], query: opts['query-rate'], churn: opts['churn-rate'] },
    users: users.length,
    chats: chats.length,
    chat_members: k,
    sent: totals.sent,
    sends_ok: totals.sendOk,
    queries: totals.queries,
    queries_ok: totals.queryOk,
    churn_cycles: totals.churnDone,
    errors: errorTotal,
    error_codes: errors.total,
    error_samples: errors.samples,
    expected,
    delivered: tally.delivered,
    missing,
    duplicates: tally.duplicates,
    out_of_order: tally.outOfOrder,
    foreign_chat: tally.foreign,
    unknown_events: tally.unknown,
    delivered_for_failed_sends: tally.forFailedSends,
    latency_ms: { send: allLat('send'), query: allLat('query'), delivery: allLat('delivery'), churn_ack: allLat('churnAck') },
    rss,
    loadavg_end: loadavgLine(),
  };
  summary.verdict = {
    errors_zero: errorTotal === 0,
    delivered_all_once_in_order: missing === 0 && tally.duplicates === 0 && tally.outOfOrder === 0 && tally.foreign === 0,
    rss_flat: rss.judged ? rss.flat : null,
  };
  summary.pass = summary.verdict.errors_zero && summary.verdict.delivered_all_once_in_order && summary.verdict.rss_flat !== false;
  emit(summary);
  printSummary(intervals, summary);
  return summary.pass;
}

const allLatencies = { send: [], query: [], delivery: [], churnAck: [] };

function report(elapsedMs, last, loop, rssSamples, gwA, gwB, final = false) {
  const now = performance.now();
  const { expected, missingOld } = expectedAndMissing(now);
  const secs = opts['report-seconds'];
  const line = {
    bench: 'soak',
    t_s: round(elapsedMs / 1000, 0),
    ...(final ? { final: true } : {}),
    sent: totals.sent - last.sent,
    send_ok: totals.sendOk - last.sendOk,
    queries_ok: totals.queryOk - last.queryOk,
    churn_cycles: totals.churnDone - last.churnDone,
    errors: sumOf(errors.interval),
    error_codes: { ...errors.interval },
    errors_total: sumOf(errors.total),
    expected_total: expected,
    delivered_total: tally.delivered,
    missing_older_than_grace: missingOld,
    duplicates_total: tally.duplicates,
    out_of_order_total: tally.outOfOrder,
    rss_kb: { a: rssKb(gwA.proc.pid), b: rssKb(gwB.proc.pid) },
    p99_ms: { send: percentileOf(lat.send, 0.99), query: percentileOf(lat.query, 0.99), delivery: percentileOf(deliveryLat, 0.99), churn_ack: percentileOf(lat.churnAck, 0.99) },
    open_sockets: openSockets.size,
    client_event_loop_delay_ms_p99: round(loop.percentile(99) / 1e6),
    loadavg: loadavg(),
  };
  if (!final) line.rates_per_s = { send: round((totals.sendOk - last.sendOk) / secs, 1), query: round((totals.queryOk - last.queryOk) / secs, 1) };
  allLatencies.send.push(...lat.send);
  allLatencies.query.push(...lat.query);
  allLatencies.delivery.push(...deliveryLat);
  allLatencies.churnAck.push(...lat.churnAck);
  lat.send = [];
  lat.query = [];
  lat.churnAck = [];
  deliveryLat = [];
  errors.interval = {};
  emit(line);
  log(
    `t=${line.t_s}s sent ${line.sent} errors ${line.errors} delivered ${line.delivered_total}/${line.expected_total} (missing>grace ${missingOld}) rss A ${line.rss_kb.a} kB B ${line.rss_kb.b} kB p99 send ${line.p99_ms.send} query ${line.p99_ms.query} delivery ${line.p99_ms.delivery} ms load ${line.loadavg}`,
  );
  return line;
}

const emit = (line) => emitJson(line, opts.out);

function printSummary(intervals, s) {
  const rows = [['t (s)', 'sent', 'errors', 'delivered/expected', 'missing>grace', 'dup', 'ooo', 'RSS A (MiB)', 'RSS B (MiB)', 'p99 send', 'p99 query', 'p99 delivery', 'load1']];
  const mib = (kb) => (kb === null ? '-' : (kb / 1024).toFixed(1));
  for (const l of intervals) {
    rows.push([
      `${l.t_s}${l.final ? ' (end)' : ''}`,
      String(l.sent),
      String(l.errors),
      `${l.delivered_total}/${l.expected_total}`,
      String(l.missing_older_than_grace),
      String(l.duplicates_total),
      String(l.out_of_order_total),
      mib(l.rss_kb.a),
      mib(l.rss_kb.b),
      String(l.p99_ms.send ?? '-'),
      String(l.p99_ms.query ?? '-'),
      String(l.p99_ms.delivery ?? '-'),
      l.loadavg.split(' ')[0],
    ]);
  }
  console.log('');
  printTable(rows[0], rows.slice(1));
  console.log('');
  console.log(`errors: ${s.errors}${s.errors ? ` ${JSON.stringify(s.error_codes)}` : ''}`);
  console.log(`delivered ${s.delivered} of ${s.expected} expected (missing ${s.missing}, duplicates ${s.duplicates}, out of order ${s.out_of_order})`);
  console.log(
    s.rss.judged
      ? `RSS: second minute A ${mib(s.rss.second_minute_mean_kb.a)} MiB B ${mib(s.rss.second_minute_mean_kb.b)} MiB; last minute A ${mib(s.rss.last_minute_mean_kb.a)} MiB B ${mib(s.rss.last_minute_mean_kb.b)} MiB (growth A ${s.rss.growth_pct.a} %, B ${s.rss.growth_pct.b} %; tolerance ${s.rss.tolerance_pct} %)`
      : `RSS: not judged (${s.rss.reason})`,
  );
  console.log(`p50/p99 ms: send ${s.latency_ms.send.p50}/${s.latency_ms.send.p99}, chat list ${s.latency_ms.query.p50}/${s.latency_ms.query.p99}, delivery ${s.latency_ms.delivery.p50}/${s.latency_ms.delivery.p99}, churn ack ${s.latency_ms.churn_ack.p50}/${s.latency_ms.churn_ack.p99}`);
  console.log(`verdict: ${s.pass ? 'PASS' : 'FAIL'} (errors 0: ${s.verdict.errors_zero}; every message delivered once, in order: ${s.verdict.delivered_all_once_in_order}; RSS flat: ${s.verdict.rss_flat ?? 'not judged'})`);
}

await run.run(async () => ((await main()) ? 0 : 4));
