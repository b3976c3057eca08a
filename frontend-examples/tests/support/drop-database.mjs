// `node drop-database.mjs <admin url> <database>`: drops a test database. The browser
// tests start it detached when they exit without their normal teardown (interrupted).
import pg from "pg";

const [adminUrl, name] = process.argv.slice(2);
if (!adminUrl || !/^mg_browser_[0-9a-f]+$/.test(name ?? "")) {
  console.error("usage: node drop-database.mjs <admin url> mg_browser_<hex>");
  process.exit(2);
}
const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
try {
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
} finally {
  await client.end().catch(() => {});
}
