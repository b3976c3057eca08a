// Load benchmark against a running gateway (see bench/README.md).
//   node bench/load.mjs [--url http://127.0.0.1:8000] [--seconds 10] [--concurrency 16] [--subscribers 50]
// Measures: GraphQL `chats` query throughput and latency; `sendMessage` latency; and the
// time from `sendMessage` to delivery on N WebSocket subscribers (fan-out).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

// The Node clients live with the test tools: `(cd tests/js && npm ci)`.
const require = createRequire(new URL('../tests/js/package.json', import.meta.url));
const { sign } = require('@telegram-apps/init-data-node');
const { createClient } = require('graphql-ws');
const WebSocket = require('ws');

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const base = args.url ?? 'http://127.0.0.1:8000';
const seconds = Number(args.seconds ?? 10);
const concurrency = Number(args.concurrency ?? 16);
const subscribers = Number(args.subscribers ?? 50);
const botToken = process.env.TELEGRAM_BOT_TOKEN ?? envFile().TELEGRAM_BOT_TOKEN;
if (!botToken) throw new Error('TELEGRAM_BOT_TOKEN (env or .env) is needed to sign initData');

function envFile() {
  try {
    return Object.fromEntries(readFileSync(new URL('../.env', import.meta.url), 'utf8').split('\n').filter((l) => l.includes('=') && !l.startsWith('#')).map((l) => l.split(/=(.*)/s).slice(0, 2)));
  } catch {
    return {};
  }
}

async function gql(query, variables = {}, token) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function user(name) {
  const id = 7_000_000_000 + Math.floor(Math.random() * 1e9);
  const initData = sign({ user: { id, first_name: name } }, botToken, new Date());
  const data = await gql('mutation($d: String!) { authenticateTelegram(initData: $d) { accessToken user { id } } }', { d: initData });
  return { token: data.authenticateTelegram.accessToken, id: data.authenticateTelegram.user.id };
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2);
  return { n: sorted.length, p50_ms: at(0.5), p95_ms: at(0.95), p99_ms: at(0.99) };
}

const me = await user('Bench');
const chat = (await gql('mutation { createChat(input: { type: GROUP, title: "bench" }) { id } }', {}, me.token)).createChat.id;
for (let i = 0; i < 20; i += 1) {
  await gql('mutation($c: ID!) { sendMessage(input: { chatId: $c, text: "warm-up" }) { id } }', { c: chat }, me.token);
}

// 1. Read throughput: the chat list with per-viewer fields.
const list = 'query { chats(first: 20) { edges { node { id displayTitle unreadCount lastMessage { text sender { displayName } } } } } }';
const latencies = [];
const until = Date.now() + seconds * 1000;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (Date.now() < until) {
      const t = performance.now();
      await gql(list, {}, me.token);
      latencies.push(performance.now() - t);
    }
  }),
);
console.log(JSON.stringify({ bench: 'chats query', concurrency, rps: (latencies.length / seconds).toFixed(1), ...stats(latencies) }));

// 2. Fan-out: one message to N subscribers.
const clients = [];
const deliveries = [];
let sentAt = 0;
let pending = 0;
let done;
for (let i = 0; i < subscribers; i += 1) {
  const client = createClient({ url: base.replace(/^http/, 'ws') + '/graphql', webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${me.token}` } });
  clients.push(client);
  client.subscribe({ query: 'subscription($c: ID) { messageEvents(chatId: $c) { kind messageId } }', variables: { c: chat } }, {
    next: () => {
      deliveries.push(performance.now() - sentAt);
      pending -= 1;
      if (pending === 0) done();
    },
    error: (e) => console.error(e),
    complete: () => {},
  });
}
await new Promise((r) => setTimeout(r, 1500));
const sends = [];
for (let round = 0; round < 20; round += 1) {
  pending = subscribers;
  const all = new Promise((r) => (done = r));
  sentAt = performance.now();
  await gql('mutation($c: ID!) { sendMessage(input: { chatId: $c, text: "fan-out" }) { id } }', { c: chat }, me.token);
  sends.push(performance.now() - sentAt);
  await all;
}
console.log(JSON.stringify({ bench: 'sendMessage', ...stats(sends) }));
console.log(JSON.stringify({ bench: `delivery to ${subscribers} subscribers`, ...stats(deliveries) }));
for (const client of clients) await client.dispose();
process.exit(0);
