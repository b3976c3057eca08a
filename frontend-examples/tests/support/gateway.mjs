// Starts the gateway binary for the browser tests, with its own database and Redis
// prefix, and removes both afterwards.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

/** A timer that does not keep the process alive (used in races with a bound). */
export const sleep = (ms, value) =>
  new Promise((resolve) => {
    setTimeout(() => resolve(value), ms).unref();
  });

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function gatewayBinary() {
  if (process.env.GATEWAY_BIN) return process.env.GATEWAY_BIN;
  const target = process.env.CARGO_TARGET_DIR || path.join(os.homedir(), ".cache/messenger-gateway/target");
  return path.join(target, "debug/messenger-gateway");
}

/** postgres://…/<db> → the same server's maintenance database `postgres`. */
function adminUrl(databaseUrl) {
  const url = new URL(databaseUrl);
  url.pathname = "/postgres";
  return url.toString();
}

export class Gateway {
  /**
   * @param {{ env: Record<string, string>, logFile: string, postgresUrl?: string, redisUrl?: string }} options
   */
  constructor({ env, logFile, postgresUrl, redisUrl }) {
    const id = randomBytes(6).toString("hex");
    const base = new URL(
      postgresUrl || process.env.BROWSER_TEST_POSTGRES_URL || "postgres://postgres@127.0.0.1:5432/postgres",
    );
    this.databaseName = `mg_browser_${id}`;
    base.pathname = `/${this.databaseName}`;
    this.databaseUrl = base.toString();
    this.redisUrl = redisUrl || process.env.BROWSER_TEST_REDIS_URL || "redis://127.0.0.1:6379";
    this.redisPrefix = `mgbrowser:${id}:`;
    this.jwtSecret = randomBytes(32).toString("hex");
    this.extraEnv = env;
    this.logFile = logFile;
  }

  async start({ timeoutMs = 60_000 } = {}) {
    const binary = gatewayBinary();
    if (!existsSync(binary)) {
      throw new Error(`gateway binary not found at ${binary}: build it with \`cargo build\` or set GATEWAY_BIN`);
    }
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    // An empty working directory: the gateway must not read a developer's .env.
    this.cwd = mkdtempSync(path.join(os.tmpdir(), "mg-browser-"));
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? this.cwd,
      DATABASE_URL: this.databaseUrl,
      DATABASE_MAX_CONNECTIONS: "10",
      REDIS_URL: this.redisUrl,
      REDIS_KEY_PREFIX: this.redisPrefix,
      JWT_SECRET: this.jwtSecret,
      BIND_ADDR: `127.0.0.1:${port}`,
      SHUTDOWN_GRACE_SECONDS: "2",
      LOG_FORMAT: "text",
      RUST_LOG: process.env.BROWSER_TEST_RUST_LOG || "info,sqlx=warn,tower_http=warn",
      ...this.extraEnv,
    };
    const log = createWriteStream(this.logFile, { flags: "w" });
    this.child = spawn(binary, ["serve"], { cwd: this.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout.pipe(log);
    this.child.stderr.pipe(log);
    this.exited = new Promise((resolve) => this.child.once("exit", (code, signal) => resolve({ code, signal })));
    // If this process ends without stop() (interrupted, crashed), take the gateway along
    // and drop its database from a detached helper (an exit handler cannot wait).
    process.once("exit", () => {
      if (this.stopped) return;
      this.child.kill("SIGKILL");
      const helper = fileURLToPath(new URL("./drop-database.mjs", import.meta.url));
      spawn(process.execPath, [helper, adminUrl(this.databaseUrl), this.databaseName], {
        detached: true,
        stdio: "ignore",
      }).unref();
    });
    const deadline = Date.now() + timeoutMs;
    let last = "no answer";
    while (Date.now() < deadline) {
      const exited = await Promise.race([this.exited, sleep(250, null)]);
      if (exited)
        throw new Error(`the gateway exited (${JSON.stringify(exited)}) before it was ready; see ${this.logFile}`);
      try {
        const response = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2000) });
        last = `${response.status} ${await response.text()}`;
        if (response.ok) return this;
      } catch (error) {
        last = String(error?.cause?.code ?? error);
      }
    }
    throw new Error(`the gateway was not ready within ${timeoutMs} ms (${last}); see ${this.logFile}`);
  }

  /** One GraphQL operation over HTTP; returns the whole body. */
  async graphql(query, variables = {}, token = null) {
    const headers = {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json;q=0.9",
    };
    if (token) headers.authorization = token.startsWith("tma ") ? token : `Bearer ${token}`;
    const response = await fetch(`${this.url}/graphql`, {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(15_000),
    });
    return response.json();
  }

  /** Like graphql() but throws on errors and returns `data`. */
  async data(query, variables = {}, token = null) {
    const body = await this.graphql(query, variables, token);
    if (body.errors?.length || !body.data) throw new Error(`GraphQL failed: ${JSON.stringify(body)}`);
    return body.data;
  }

  async stop() {
    this.stopped = true;
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGTERM");
      const done = await Promise.race([this.exited, sleep(10_000, null)]);
      if (!done) {
        this.child.kill("SIGKILL");
        await Promise.race([this.exited, sleep(5_000, null)]);
      }
    }
    if (this.cwd) rmSync(this.cwd, { recursive: true, force: true });
    await this.dropDatabase();
    await this.clearRedis();
  }

  async dropDatabase() {
    const client = new pg.Client({ connectionString: adminUrl(this.databaseUrl), connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${this.databaseName}" WITH (FORCE)`);
    } finally {
      await client.end().catch(() => {});
    }
  }

  /** Deletes this run's Redis keys (SCAN + DEL over a raw RESP connection). */
  async clearRedis() {
    const url = new URL(this.redisUrl);
    const socket = net.createConnection({ host: url.hostname || "127.0.0.1", port: Number(url.port || 6379) });
    socket.setTimeout(5000, () => socket.destroy(new Error("redis timeout")));
    const encode = (args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
    let buffer = "";
    const waiters = [];
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => {
      buffer += chunk;
      while (waiters.length) {
        const parsed = parse(buffer, 0);
        if (!parsed) break;
        buffer = buffer.slice(parsed.end);
        waiters.shift().resolve(parsed.value);
      }
    });
    const failed = new Promise((_, reject) => socket.once("error", reject));
    const call = (...args) => {
      const answer = new Promise((resolve, reject) => waiters.push({ resolve, reject }));
      socket.write(encode(args));
      return Promise.race([answer, failed]);
    };
    try {
      await new Promise((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("error", reject);
      });
      const password = decodeURIComponent(url.password || "");
      if (password) await call("AUTH", ...(url.username ? [decodeURIComponent(url.username)] : []), password);
      const db = url.pathname.replace("/", "");
      if (db) await call("SELECT", db);
      let cursor = "0";
      for (let i = 0; i < 1000; i++) {
        const [next, keys] = await call("SCAN", cursor, "MATCH", `${this.redisPrefix}*`, "COUNT", "500");
        if (keys.length) await call("DEL", ...keys);
        cursor = next;
        if (cursor === "0") break;
      }
    } catch {
      // Best effort: the keys carry no secrets and the prefix is unique.
    } finally {
      socket.destroy();
    }
  }
}

/** Parses one RESP value at `offset`; null when incomplete. */
function parse(text, offset) {
  const lineEnd = text.indexOf("\r\n", offset);
  if (lineEnd < 0) return null;
  const type = text[offset];
  const line = text.slice(offset + 1, lineEnd);
  const after = lineEnd + 2;
  switch (type) {
    case "+":
    case ":":
      return { value: line, end: after };
    case "-":
      return { value: new Error(line), end: after };
    case "$": {
      const length = Number(line);
      if (length < 0) return { value: null, end: after };
      // Byte length: keys here are ASCII.
      if (text.length < after + length + 2) return null;
      return { value: text.slice(after, after + length), end: after + length + 2 };
    }
    case "*": {
      const count = Number(line);
      const items = [];
      let position = after;
      for (let i = 0; i < count; i++) {
        const item = parse(text, position);
        if (!item) return null;
        items.push(item.value);
        position = item.end;
      }
      return { value: items, end: position };
    }
    default:
      throw new Error(`unexpected RESP type ${type}`);
  }
}
