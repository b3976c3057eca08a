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
import { appendFileSync } from 'node:fs';
import { performance, monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import http from 'node:http';
import {
  GATEWAY_BIN, usageText, parseOptions, checkBenchDb, checkLocalUrls, loadClients, makeLog, emitJson, printTable, round, summarize,
  seededRandom, runTag, inBatches, cpuMsOf, clientCpuMs, serviceCpu, cpuMapDelta, loadavgLine, freePort, postJson, errorCode, errorText, signInTelegram,
  SEND_MESSAGE, CREATE_CHAT, MESSAGE_EVENTS, openGraphqlWs, subscribeWs, closeWs, dbUrlOf, dropDatabase as dropDb, cleanRedisPrefix,
  requireGatewayBin, makeLogDir, gatewayEnv, Children, guardRun,
} from './lib.mjs';

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

const USAGE = usageText(
  `usage: node bench/busy-chat.mjs [--option value ...]

Starts two gateway instances (A: HTTP sends, B: WebSocket subscribers) on one fresh
database and one Redis, steps the send rate, prints one JSON line per step and a summary.

environment:
  GATEWAY_BIN   the binary (default $HOME/.cache/messenger-gateway/target/release/messenger-gateway)
  BENCH_PG_URL  Postgres server URL without a database (default postgres://postgres@127.0.0.1:5432)
  BENCH_REDIS_URL  (default redis://127.0.0.1:6379)`,
  DEFAULTS,
);

const opts = parseOptions(process.argv.slice(2), DEFAULTS, USAGE, (o) => {
  o.rateList = String(o.rates)
    .split(',')
    .map(Number)
    .filter((r) => r > 0);
  o.scenarioList = String(o.scenarios)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!o.rateList.length) throw new Error('--rates: at least one positive rate');
  for (const s of o.scenarioList) if (!['hot', 'many'].includes(s)) throw new Error(`--scenarios: unknown scenario ${s} (hot, many)`);
  checkBenchDb(o.db);
  if (o['hot-members'] < 2) throw new Error('--hot-members must be at least 2');
  if (o['chat-members'] < 2 || o['chat-members'] > o.users) throw new Error('--chat-members must be between 2 and --users');
  if (o['hot-senders'] === 0 || o['hot-senders'] > o['hot-members']) o['hot-senders'] = o['hot-members'];
  if (o['max-inflight'] < 1) throw new Error('--max-inflight must be at least 1');
  checkLocalUrls([o.pg, o.redis]);
  return o;
});

const { sign, WebSocket } = loadClients();

const BOT_TOKEN = '123456:busy-chat-bench-token';
const { RUN_TAG, REDIS_PREFIX } = runTag(); // RUN_TAG: clientMessageId prefix of this run

const log = makeLog('busy-chat');

const { rand, pick } = seededRandom(opts.seed);

// ------------------------------------------------------------------ HTTP client

const agent = new http.Agent({ keepAlive: true, maxSockets: opts['max-inflight'] + 16 });

/** POST JSON to 127.0.0.1:port; resolves {status, body} or {error: CODE}. Never rejects. */
const post = (port, pathName, payload, token, timeoutMs = opts['timeout-ms']) => postJson(agent, port, pathName, payload, token, timeoutMs);

/** A setup call: throws on any error. */
async function gql(port, query, variables, token) {
  const result = await post(port, '/graphql', { query, variables }, token, 30000);
  const code = errorCode(result);
  if (code) throw new Error(`${query.slice(0, 60)}…: ${code} ${JSON.stringify(result.body?.errors ?? result.body ?? result.error)}`);
  return result.body.data;
}

// ------------------------------------------------------------------ processes and cleanup

const children = new Children(log); // gateways a and b
let logDir = '';
const dropDatabase = () => dropDb(opts.pg, opts.db, log, 30000);

const openSockets = new Set();
const run = guardRun({
  log,
  teardown: async () => {
    for (const ws of openSockets) ws.terminate();
    await children.stopAll();
    dropDatabase();
    cleanRedisPrefix(opts.redis, REDIS_PREFIX);
    agent.destroy();
    if (logDir) log(`gateway logs kept in ${logDir}`);
  },
  kill: () => children.killAll(),
  interruptMessage: 'stopping the gateways and dropping the database (again to force)',
  watchdogMs: opts['max-minutes'] * 60_000,
  watchdogMessage: `--max-minutes ${opts['max-minutes']} reached: aborting`,
});

// ------------------------------------------------------------------ CPU accounting

/** CPU ms so far of the gateways, Postgres (this database's backends plus the server's own
 *  processes vs. other databases' backends), Redis, and this script. */
function cpuSnapshot() {
  const svc = serviceCpu(opts.db);
  return {
    gw: Object.fromEntries(children.list.map((c) => [c.name, cpuMsOf(c.proc.pid) ?? 0])),
    pg: new Map([...svc.ownDb, ...svc.server]),
    pgOther: svc.otherDbs,
    redis: svc.redis,
    bench: clientCpuMs(),
  };
}

function cpuDelta(before, after) {
  const gw = Object.fromEntries(Object.keys(after.gw).map((k) => [k, after.gw[k] - (before.gw[k] ?? 0)]));
  return {
    gateway_a: round(gw.a ?? 0, 0),
    gateway_b: round(gw.b ?? 0, 0),
    postgres: round(cpuMapDelta(before.pg, after.pg), 0),
    postgres_other_dbs: round(cpuMapDelta(before.pgOther, after.pgOther), 0),
    redis: round(cpuMapDelta(before.redis, after.redis), 0),
    bench_client: round(after.bench - before.bench, 0),
  };
}

// ------------------------------------------------------------------ users, chats, subscribers

let nextTelegramId = 7_100_000_000 + Math.floor(rand() * 1e6) * 100;
async function signIn(port, name) {
  nextTelegramId += 1;
  const { token, id } = await signInTelegram((query, variables) => gql(port, query, variables), sign, BOT_TOKEN, { id: nextTelegramId, first_name: name });
  return { token, id, name };
}

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
      const ws = openGraphqlWs(WebSocket, this.port, this.user.token);
      this.ws = ws;
      openSockets.add(ws);
      const timer = setTimeout(() => {
        reject(new Error(`subscriber ${this.index}: no connection_ack within 10 s`));
        ws.terminate();
      }, 10000);
      ws.on('message', (data) => this.onMessage(data, performance.now(), () => {
        clearTimeout(timer);
        subscribeWs(ws, MESSAGE_EVENTS, this.variables);
        resolve();
      }));
      ws.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      ws.on('close', (code) => {
        openSockets.delete(ws);
        clearTimeout(timer);
        if (!this.closing && !run.cleaningUp) {
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
    closeWs(this.ws);
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
      gql(port, SEND_MESSAGE, {
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
  const load0 = loadavgLine();
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
    post(portA, '/graphql', { query: SEND_MESSAGE, variables: { i: { chatId: chat.id, text, clientMessageId: cmid } } }, sender.token).then((result) => {
      inflight -= 1;
      const code = errorCode(result);
      if (code) {
        rec.ok = false;
        errors[code] = (errors[code] ?? 0) + 1;
        errorSamples[code] ??= errorText(result, 160);
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
  const load1 = loadavgLine();

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
    CREATE_CHAT,
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
      CREATE_CHAT,
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

const emit = (line) => emitJson(line, opts.out);

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
  console.log('');
  printTable(rows[0], rows.slice(1));
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
  requireGatewayBin();
  logDir = makeLogDir(opts['log-dir'], 'mg-busy-chat-');
  log(`binary ${GATEWAY_BIN}; database ${opts.db}; redis prefix ${REDIS_PREFIX}; logs ${logDir}`);
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
    },
    { GRAPHQL_WS_MAX_OPERATIONS: '1000' },
  );
  // A first, alone: it creates the database and migrates; then B.
  await children.startGateway('a', portA, common, { logDir });
  await children.startGateway('b', portB, common, { logDir });

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
      for (const child of children.list) if (child.done) throw new Error(`gateway ${child.name} exited during the run; see ${logDir}`);
      await sleep(opts['pause-ms']);
    }
    for (const sub of env.subscribers) sub.close();
    await sleep(500);
  }
  printSummary(results);
}

await run.run(main);
