// PostGraphile v4 for bench/read-path.mjs: the library API on one 127.0.0.1 port, over the
// bench database's `public` schema, with what the CLI would do for
// `postgraphile -c <url> --schema public --disable-query-log --no-setof-functions-contain-nulls --dynamic-json`
// plus one smart tag: `chats.last_message_id` has no foreign key in the gateway's schema
// (on purpose, see migrations/…_chats_and_messages.sql), so a virtual one lets PostGraphile
// follow chat -> last message (field `messageByLastMessageId`).
//
//   node bench/postgraphile/server.js --port 5000 --db postgres://postgres@127.0.0.1:5432/mg_bench_read [--pool 10]
//
// Prints "READY <port>" on stdout once it listens; stops on SIGTERM/SIGINT.
'use strict';

const http = require('node:http');
const { Pool } = require('pg');
const { postgraphile } = require('postgraphile');
const { makeJSONPgSmartTagsPlugin } = require('graphile-utils');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const port = Number(arg('port', '5000'));
const db = arg('db', process.env.DATABASE_URL);
const poolSize = Number(arg('pool', '10'));
if (!db) {
  console.error('--db <postgres url> is required');
  process.exit(2);
}
const host = new URL(db).hostname;
if (!['127.0.0.1', 'localhost'].includes(host)) {
  console.error(`${db}: only 127.0.0.1 is allowed`);
  process.exit(2);
}

const smartTags = makeJSONPgSmartTagsPlugin({
  version: 1,
  config: {
    class: {
      chats: { tags: { foreignKey: '(last_message_id) references messages (id)' } },
    },
  },
});

const pgPool = new Pool({ connectionString: db, max: poolSize });
pgPool.on('error', (error) => console.error('pg pool error:', error.message));

const handler = postgraphile(pgPool, 'public', {
  appendPlugins: [smartTags],
  disableQueryLog: true,
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  graphiql: false,
  enhanceGraphiql: false,
  watchPg: false,
  retryOnInitFail: false,
  enableQueryBatching: false,
  extendedErrors: ['errcode'],
});

const server = http.createServer(handler);
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => {
  console.log(`READY ${port}`);
});

let stopping = false;
function stop() {
  if (stopping) process.exit(1);
  stopping = true;
  server.close();
  server.closeAllConnections?.();
  pgPool.end().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
