// Subscribes with the npm `graphql-ws` client (graphql-transport-ws) and prints every
// result as one JSON line; exits after `count` results or `timeoutMs`.
//   node ws-client.mjs '{"url":"ws://…/graphql","token":"…","query":"subscription …",
//                        "variables":{},"count":3,"timeoutMs":10000}'
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const { url, token, query, variables = {}, count = 1, timeoutMs = 10000 } = JSON.parse(process.argv[2]);
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  lazy: false,
  retryAttempts: 0,
  connectionParams: token ? { Authorization: `Bearer ${token}` } : {},
});
let seen = 0;
const timer = setTimeout(() => {
  console.error('timeout');
  client.dispose();
  process.exit(3);
}, timeoutMs);
client.on('connected', () => console.log(JSON.stringify({ connected: true })));
client.subscribe(
  { query, variables },
  {
    next: (result) => {
      console.log(JSON.stringify(result));
      seen += 1;
      if (seen >= count) {
        clearTimeout(timer);
        client.dispose();
        process.exit(0);
      }
    },
    error: (error) => {
      console.log(JSON.stringify({ error: Array.isArray(error) ? error : String(error?.reason ?? error) }));
      clearTimeout(timer);
      client.dispose();
      process.exit(0);
    },
    complete: () => {
      console.log(JSON.stringify({ complete: true }));
      clearTimeout(timer);
      client.dispose();
      process.exit(0);
    },
  },
);
