// What every browser test shares: the fake Telegram, the SMTP sink, the gateway, the
// built apps behind `vite preview` (proxying to the gateway), and Chromium.

import { mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { FakeTelegram } from "./fake-telegram.mjs";
import { freePort, Gateway, sleep } from "./gateway.mjs";
import { SmtpSink } from "./smtp-sink.mjs";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const RESULTS = path.join(ROOT, "test-results");

export const BOT_TOKEN = "123456:browser-test-token";
export const BOT_USERNAME = "GatewayLoginBot";
const WEBHOOK_SECRET = "browser-test-webhook-secret";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const started = Date.now();
/** A progress line on stderr, with seconds since start. */
export const log = (message) =>
  process.stderr.write(`[browser-tests +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);

export class Harness {
  async start() {
    mkdirSync(RESULTS, { recursive: true });
    // Screenshots of an earlier run would only confuse.
    for (const file of readdirSync(RESULTS)) if (file.endsWith(".png")) rmSync(path.join(RESULTS, file));
    this.smtp = await new SmtpSink().start();
    this.telegram = await new FakeTelegram({ token: BOT_TOKEN, webhookSecret: WEBHOOK_SECRET }).start();
    const previewPort = await freePort();
    this.appUrl = `http://127.0.0.1:${previewPort}`;
    this.gateway = new Gateway({
      logFile: path.join(RESULTS, "gateway.log"),
      env: {
        TELEGRAM_BOT_TOKEN: BOT_TOKEN,
        TELEGRAM_BOT_USERNAME: BOT_USERNAME,
        TELEGRAM_BOT_API_URL: this.telegram.url,
        TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
        BOT_AUTH_CALLBACK_URL: `${this.appUrl}/bot-login/`,
        BOT_AUTH_SLUG: "browser-tests",
        SMTP_URL: this.smtp.url,
        FRONTEND_URL: this.appUrl,
        APP_NAME: "messenger-gateway browser tests",
        // The tests sign in, register and send more than real users would per minute.
        LOGIN_RATE_LIMIT_PER_MINUTE: "0",
        REGISTER_RATE_LIMIT_PER_MINUTE: "0",
        REFRESH_RATE_LIMIT_PER_MINUTE: "0",
        RESET_RATE_LIMIT_PER_MINUTE: "0",
        MESSAGE_RATE_LIMIT_PER_MINUTE: "0",
        MINIAPP_RATE_LIMIT_PER_MINUTE: "0",
      },
    });
    log(`starting the gateway (${this.gateway.databaseUrl.replace(/^.*\//, "database ")})`);
    await this.gateway.start();
    this.telegram.gatewayUrl = this.gateway.url;
    log(`gateway ready on ${this.gateway.url}; building the apps`);

    // The apps, built and served like production, with the dev proxy to the gateway.
    process.env.GATEWAY_URL = this.gateway.url;
    const { build, createLogger, preview } = await import("vite");
    // The tests cut WebSockets on purpose; the proxy's "ws proxy error: ECONNRESET" is noise.
    const logger = createLogger("warn");
    const logError = logger.error.bind(logger);
    logger.error = (message, options) =>
      /ws proxy (socket )?error/.test(message) ? undefined : logError(message, options);
    await build({ root: ROOT, logLevel: "warn", build: { outDir: path.join(RESULTS, "dist"), emptyOutDir: true } });
    this.preview = await preview({
      root: ROOT,
      customLogger: logger,
      build: { outDir: path.join(RESULTS, "dist") },
      preview: { host: "127.0.0.1", port: previewPort, strictPort: true, open: false },
    });

    log(`apps served on ${this.appUrl}; launching Chromium`);
    const executablePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
    this.browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: 60_000 });
    return this;
  }

  /** A fresh browser profile (its own localStorage) with one page. */
  async page(name) {
    const context = await this.browser.newContext({ viewport: { width: 1100, height: 800 }, baseURL: this.appUrl });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    page.testName = name;
    page.consoleErrors = [];
    page.on("console", (message) => {
      if (message.type() === "error") page.consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => page.consoleErrors.push(`pageerror: ${error.message}`));
    return page;
  }

  async stop() {
    log("tearing down (browser, preview, gateway, database, fakes)");
    const steps = [
      () => this.browser?.close(),
      () => this.preview?.close(),
      () => this.gateway?.stop(),
      () => this.telegram?.stop(),
      () => this.smtp?.stop(),
    ];
    const errors = [];
    for (const step of steps) {
      try {
        const timedOut = sleep(30_000, "timeout");
        if ((await Promise.race([Promise.resolve(step()).then(() => "done"), timedOut])) === "timeout")
          throw new Error("teardown step timed out");
      } catch (error) {
        errors.push(error);
      }
    }
    log(errors.length ? `teardown failed: ${errors[0].message}` : "done; test database dropped");
    if (errors.length) throw errors[0];
  }
}

/**
 * Runs the steps of one flow as subtests. A failing step saves a screenshot of every
 * page into test-results/ and skips the steps after it.
 */
export function steps(t, pages) {
  let failed = null;
  return async (name, fn) =>
    t.test(name, { timeout: 90_000 }, async (st) => {
      if (failed) return st.skip(`an earlier step failed: ${failed}`);
      try {
        await fn();
      } catch (error) {
        failed = name;
        const slug = `${t.name}-${name}`
          .replace(/[^a-z0-9]+/gi, "-")
          .toLowerCase()
          .slice(0, 80);
        for (const page of pages()) {
          const file = path.join(RESULTS, `${slug}-${page.testName}.png`);
          await page.screenshot({ path: file, fullPage: true, timeout: 5_000 }).catch(() => {});
          if (page.consoleErrors.length)
            error.message += `\n[${page.testName} console] ${page.consoleErrors.join("\n")}`;
        }
        error.message += `\n(screenshots in ${RESULTS})`;
        throw error;
      }
    });
}
