// The gateway's own consoles in Chromium, offline: GraphiQL on GET /graphql, Swagger UI
// on /api/docs and ReDoc on /api/redoc load only what the gateway serves (every request
// to another origin is refused and recorded, and none may happen), and they work:
// GraphiQL runs a query over HTTP and a subscription over graphql-ws with the headers
// typed into it; Swagger UI and ReDoc render the operations of /api/openapi.json.
//
//   node --test --test-reporter=spec tests/consoles.test.mjs   (or: bash scripts/browser-tests.sh)
//
// It starts a gateway of its own (API__DEBUG=true for the REST docs, and
// REQUIRE_VERIFIED_EMAIL=false to sign in without a mail); environment as in
// browser.test.mjs.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { expect } from "./support/expect.mjs";
import { Gateway } from "./support/gateway.mjs";
import { CHROMIUM_ARGS, log, RESULTS, steps } from "./support/harness.mjs";

let gateway;
let browser;

before(
  async () => {
    mkdirSync(RESULTS, { recursive: true });
    gateway = new Gateway({
      logFile: path.join(RESULTS, "gateway-consoles.log"),
      env: { API__DEBUG: "true", REQUIRE_VERIFIED_EMAIL: "false", APP_NAME: "messenger-gateway console tests" },
    });
    log(`starting a gateway with API__DEBUG=true (${gateway.databaseUrl.replace(/^.*\//, "database ")})`);
    await gateway.start();
    const executablePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: 60_000 });
  },
  { timeout: 120_000 },
);

after(
  async () => {
    await browser?.close().catch(() => {});
    await gateway?.stop();
  },
  { timeout: 60_000 },
);

/**
 * A fresh profile on the gateway's origin in which every request elsewhere fails, as it
 * would offline, and is recorded in `page.outside`.
 */
async function offlinePage(name) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: gateway.url });
  context.setDefaultTimeout(15_000);
  const outside = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (new URL(url).origin === gateway.url) return route.continue();
    outside.push(url);
    return route.abort("internetdisconnected");
  });
  const page = await context.newPage();
  page.testName = name;
  page.outside = outside;
  page.consoleErrors = [];
  page.on("console", (message) => {
    if (message.type() === "error") page.consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => page.consoleErrors.push(`pageerror: ${error.message}`));
  return page;
}

/** Replaces the text of the Monaco editor under `editor` (a GraphiQL editor section). */
async function replaceText(page, editor, text, { type = false } = {}) {
  await editor.locator(".monaco-editor .view-lines").click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("Delete");
  if (type) await page.keyboard.type(text, { delay: 20 });
  else await page.keyboard.insertText(text);
}

/** The text an editor shows, with Monaco's non-breaking spaces and line breaks collapsed. */
const editorText = (editor) =>
  editor
    .locator(".view-lines")
    .first()
    .evaluate((lines) =>
      [...lines.querySelectorAll(".view-line")]
        .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
        .map((line) => line.textContent)
        .join("\n")
        .replace(/\u00a0/g, " "),
    );

test("GraphiQL on GET /graphql works offline: a query, and a subscription over graphql-ws", async (t) => {
  const page = await offlinePage("graphiql");
  const step = steps(t, () => [page]);
  const queryEditor = page.locator("section.graphiql-query-editor");
  const headersEditor = page.locator(
    'section.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden)',
  );
  const result = page.locator(".graphiql-response .result-window");
  const posts = [];
  page.on("request", (request) => {
    if (request.method() === "POST" && new URL(request.url()).pathname === "/graphql")
      posts.push(request.postDataJSON());
  });
  const sockets = [];
  page.on("websocket", (ws) => {
    const socket = { url: ws.url(), sent: [], received: [] };
    sockets.push(socket);
    ws.on("framesent", (frame) => socket.sent.push(String(frame.payload)));
    ws.on("framereceived", (frame) => socket.received.push(String(frame.payload)));
  });

  await step("GraphiQL renders from the gateway's own files and loads the schema", async () => {
    const response = await page.goto("/graphql");
    assert.equal(response.status(), 200);
    assert.match(response.headers()["content-type"], /^text\/html/);
    await expect(page.locator(".graphiql-container")).toBeVisible();
    await expect(queryEditor.locator(".monaco-editor")).toBeVisible();
    await expect.poll(() => posts.some((body) => String(body?.query).includes("__schema"))).toBe(true);
    // The schema arrived: the documentation explorer lists the root types.
    await page.locator('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]').click();
    await expect(page.locator(".graphiql-plugin")).toContainText("Query");
    assert.deepEqual(page.outside, [], "requests to other origins");
  });

  await step('typing { __typename } and running it shows "__typename": "Query"', async () => {
    await replaceText(page, queryEditor, "{ __typename }", { type: true });
    await expect.poll(async () => (await editorText(queryEditor)).trim()).toBe("{ __typename }");
    await page.locator(".graphiql-execute-button").click();
    await expect(result).toContainText('"__typename": "Query"');
    assert.ok(
      posts.some((body) => body?.query === "{ __typename }"),
      "the query went to POST /graphql",
    );
  });

  await step("a subscription streams over ws://…/graphql with the Authorization header from GraphiQL", async () => {
    const email = `console.${randomBytes(4).toString("hex")}@example.com`;
    const password = "correct horse battery";
    await gateway.data("mutation($input: RegisterInput!) { register(input: $input) { message } }", {
      input: { email, password, name: "Console" },
    });
    const { login } = await gateway.data(
      "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
      { e: email, p: password },
    );
    await page.locator('.graphiql-editor-tools button[data-name="headers"]').click();
    await expect(headersEditor.locator(".monaco-editor")).toBeVisible();
    await replaceText(page, headersEditor, JSON.stringify({ Authorization: `Bearer ${login.accessToken}` }));
    await replaceText(page, queryEditor, "subscription { heartbeat(seconds: 1, count: 2) }");
    await page.locator(".graphiql-execute-button").click();
    await expect(result).toContainText('"heartbeat": 2', { timeout: 20_000 });

    const socket = sockets.find((s) => new URL(s.url).pathname === "/graphql");
    assert.ok(socket, `a WebSocket to /graphql (${sockets.map((s) => s.url)})`);
    assert.equal(new URL(socket.url).origin, gateway.url.replace(/^http/, "ws"));
    const sent = socket.sent.map((frame) => JSON.parse(frame));
    const init = sent.find((message) => message.type === "connection_init");
    assert.equal(init?.payload?.Authorization, `Bearer ${login.accessToken}`);
    assert.ok(sent.some((message) => message.type === "subscribe" && message.payload.query.includes("heartbeat")));
    const received = socket.received.map((frame) => JSON.parse(frame));
    assert.deepEqual(
      received.filter((message) => message.type === "next").map((message) => message.payload.data.heartbeat),
      [1, 2],
    );
    assert.deepEqual(page.outside, [], "requests to other origins");
  });
});

test("Swagger UI on /api/docs and ReDoc on /api/redoc work offline (API__DEBUG=true)", async (t) => {
  const docs = await offlinePage("swagger-ui");
  const redoc = await offlinePage("redoc");
  const step = steps(t, () => [docs, redoc]);

  await step("Swagger UI renders the operations of /api/openapi.json", async () => {
    const response = await docs.goto("/api/docs");
    assert.equal(response.status(), 200);
    await expect(docs.locator(".swagger-ui .info .title")).toContainText("messenger-gateway");
    const operations = docs.locator(".swagger-ui .opblock");
    await expect(operations.filter({ hasText: "/api/auth/validate" }).first()).toBeVisible();
    await expect(operations.filter({ hasText: "/api/v1/auth/login" }).first()).toBeVisible();
    const count = await operations.count();
    assert.ok(count >= 50, `${count} operations`);
    // An operation opens with its parameters and responses.
    await operations.filter({ hasText: "/api/v1/auth/login" }).first().locator(".opblock-summary").click();
    await expect(docs.locator(".swagger-ui .opblock.is-open .responses-wrapper").first()).toBeVisible();
    assert.deepEqual(docs.outside, [], "requests to other origins");
  });

  await step("ReDoc renders the same document", async () => {
    const response = await redoc.goto("/api/redoc");
    assert.equal(response.status(), 200);
    await expect(redoc.locator(".api-content h1").first()).toContainText("messenger-gateway REST API");
    await expect(redoc.locator(".menu-content").first()).toContainText("miniapp");
    await expect(redoc.locator(".api-content").first()).toContainText("/api/auth/validate");
    assert.deepEqual(redoc.outside, [], "requests to other origins");
  });
});
