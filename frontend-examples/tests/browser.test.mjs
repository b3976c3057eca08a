// End-to-end tests of the three example apps in Chromium against a real gateway:
//   node --test --test-reporter=spec tests/      (or: bash scripts/browser-tests.sh)
//
// Environment: GATEWAY_BIN (default $CARGO_TARGET_DIR/debug/messenger-gateway),
// BROWSER_TEST_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/postgres),
// BROWSER_TEST_REDIS_URL (redis://127.0.0.1:6379), CHROMIUM_PATH (/usr/bin/chromium).

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { sign } from "@telegram-apps/init-data-node";
import jsQR from "jsqr";
import * as OTPAuth from "otpauth";
import { PNG } from "pngjs";
import { expect } from "./support/expect.mjs";
import { buttons } from "./support/fake-telegram.mjs";
import { BOT_TOKEN, BOT_USERNAME, Harness, steps } from "./support/harness.mjs";

const harness = new Harness();

before(() => harness.start(), { timeout: 180_000 });
after(() => harness.stop(), { timeout: 120_000 });

const unique = () => randomBytes(4).toString("hex");

function totp(secret, offsetSeconds = 0) {
  const generator = new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(secret),
    digits: 6,
    period: 30,
    algorithm: "SHA1",
  });
  return generator.generate({ timestamp: Date.now() + offsetSeconds * 1000 });
}

/** The message bubbles (sent or pending) whose text is exactly `text`. */
const bubbles = (page, text) =>
  page.locator(".message").filter({
    has: page.locator(".text", { hasText: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`) }),
  });

async function signIn(page, email, password) {
  await page.locator("#sign-in [name=email]").fill(email);
  await page.locator("#sign-in [name=password]").fill(password);
  await page.locator("#sign-in button[type=submit]").click();
}

test(
  "web chat: sign-up, 2FA sign-in, live messages, typing, receipts, reactions, retries, resume, history",
  { timeout: 600_000 },
  async (t) => {
    const { gateway, smtp } = harness;
    const alicePage = await harness.page("alice");
    const bobPage = await harness.page("bob");
    const step = steps(t, () => [alicePage, bobPage]);
    const password = "correct horse battery";
    const alice = { email: `alice.${unique()}@example.com`, name: "Alice" };
    const bob = { email: `bob.${unique()}@example.com`, name: "Bob" };

    // Alice's WebSockets go through this route, so the test can cut her connection.
    const socketRoutes = new Set();
    let socketsBlocked = false;
    const aliceFrames = [];
    await alicePage.routeWebSocket(/\/graphql$/, (ws) => {
      if (socketsBlocked) return ws.close({ code: 1013, reason: "test: network down" });
      const server = ws.connectToServer();
      // Page → server frames are recorded and forwarded (server → page is forwarded as is).
      ws.onMessage((message) => {
        aliceFrames.push(String(message));
        server.send(message);
      });
      const pair = { ws, server };
      socketRoutes.add(pair);
      ws.onClose(() => socketRoutes.delete(pair));
    });
    const cutAliceOff = () => {
      socketsBlocked = true;
      for (const { ws, server } of socketRoutes) {
        ws.close({ code: 1001, reason: "test: connection lost" }).catch(() => {});
        server.close().catch(() => {});
      }
      socketRoutes.clear();
    };

    await step("Alice signs up in the browser and verifies her address with the mailed token", async () => {
      await alicePage.goto("/chat/");
      await alicePage.locator("#show-sign-up").click();
      await alicePage.locator("#sign-up [name=name]").fill(alice.name);
      await alicePage.locator("#sign-up [name=email]").fill(alice.email);
      await alicePage.locator("#sign-up [name=password]").fill(password);
      await alicePage.locator("#sign-up button[type=submit]").click();
      await expect(alicePage.locator("#verify")).toBeVisible();
      const { token } = await smtp.tokenFor(alice.email);
      await alicePage.locator("#verify [name=token]").fill(token);
      await alicePage.locator("#verify button[type=submit]").click();
      await expect(alicePage.locator("#auth-notice")).toContainText("E-mail verified");
      await alicePage.locator("#sign-in [name=password]").fill(password);
      await alicePage.locator("#sign-in button[type=submit]").click();
      await expect(alicePage.locator("#me")).toHaveText(alice.name);
      await expect(alicePage.locator("#status")).toHaveAttribute("data-state", "live");
    });

    await step("Bob registers, opens the mail's link, turns on 2FA and signs in with a TOTP code", async () => {
      await gateway.data("mutation($input: RegisterInput!) { register(input: $input) { message } }", {
        input: { email: bob.email, password, name: bob.name },
      });
      const { link } = await smtp.tokenFor(bob.email);
      assert.ok(link.startsWith(`${harness.appUrl}/verify-email?token=`), link);
      await bobPage.goto(link);
      await expect(bobPage.locator("#auth-notice")).toContainText("E-mail verified");
      await signIn(bobPage, bob.email, password);
      await expect(bobPage.locator("#me")).toHaveText(bob.name);

      await bobPage.locator("#security").click();
      const secret = (await bobPage.locator("#totp-secret").textContent()).trim();
      await bobPage.locator("[name=totp-code]").fill(totp(secret));
      await bobPage.locator("#security-panel button[type=submit]").click();
      await expect(bobPage.locator("#security-panel")).toContainText("Two-factor sign-in is on");

      await bobPage.locator("#sign-out").click();
      await signIn(bobPage, bob.email, password);
      await expect(bobPage.locator("#otp")).toBeVisible();
      // The next period's code: the one just used to turn 2FA on cannot be replayed.
      await bobPage.locator("#otp [name=otp]").fill(totp(secret, 30));
      await bobPage.locator("#otp button[type=submit]").click();
      await expect(bobPage.locator("#me")).toHaveText(bob.name);
      await expect(bobPage.locator("#status")).toHaveAttribute("data-state", "live");
    });

    await step("Alice starts a chat with Bob; Bob sees it live with an unread count and the last message", async () => {
      await alicePage.locator("#new-chat").click();
      await alicePage.locator("[name=user-query]").fill(bob.email);
      await alicePage.locator("#new-chat-form button[type=submit]").click();
      await alicePage.locator("#user-results button").first().click();
      await expect(alicePage.locator("#chat-title")).toHaveText(bob.name);
      await alicePage.locator("#composer").fill("Hello Bob");
      await alicePage.locator("#composer").press("Enter");
      await expect(bubbles(alicePage, "Hello Bob").and(alicePage.locator(":not(.pending)"))).toHaveCount(1);

      const item = bobPage.locator(`.chat-item[data-title="${alice.name}"]`);
      await expect(item.locator(".unread")).toHaveText("1");
      await expect(item.locator(".preview")).toHaveText("Hello Bob");
    });

    await step("Bob opens the chat; Alice's message turns read live", async () => {
      await bobPage.locator(`.chat-item[data-title="${alice.name}"]`).click();
      await expect(bubbles(bobPage, "Hello Bob")).toHaveCount(1);
      await expect(bubbles(alicePage, "Hello Bob")).toHaveAttribute("data-status", "READ");
      await expect(bobPage.locator(`.chat-item[data-title="${alice.name}"] .unread`)).toHaveCount(0);
    });

    await step("Alice sees Bob typing, then his reply", async () => {
      await bobPage.locator("#composer").pressSequentially("Hi Al", { delay: 30 });
      await expect(alicePage.locator("#typing")).toHaveText(`${bob.name} is typing…`);
      await bobPage.locator("#composer").pressSequentially("ice", { delay: 30 });
      await bobPage.locator("#composer").press("Enter");
      await expect(bubbles(alicePage, "Hi Alice")).toHaveCount(1);
      await expect(alicePage.locator("#typing")).toHaveText("");
    });

    await step("a reaction shows up on both sides", async () => {
      const message = bubbles(alicePage, "Hi Alice");
      await message.hover();
      await message.locator('.react[data-emoji="👍"]').click();
      await expect(message.locator(".reaction.reacted")).toHaveText("👍 1");
      await expect(bubbles(bobPage, "Hi Alice").locator(".reaction")).toHaveText("👍 1");
    });

    await step(
      "offline: a send whose answer is lost is retried with the same clientMessageId, once on screen",
      async () => {
        cutAliceOff();
        await expect(alicePage.locator("#status")).toHaveAttribute("data-state", "reconnecting");
        const sends = [];
        await alicePage.route("**/graphql", async (route) => {
          const body = route.request().postDataJSON?.() ?? null;
          if (!body || !String(body.query).includes("mutation SendMessage")) return route.fallback();
          const response = await route.fetch();
          const answer = await response.json();
          sends.push({ clientMessageId: body.variables.input.clientMessageId, id: answer.data?.sendMessage?.id });
          // The first request reaches the gateway, but its answer never reaches the browser.
          if (sends.length === 1) return route.abort("connectionreset");
          return route.fulfill({ response });
        });
        await alicePage.locator("#composer").fill("Are you there?");
        await alicePage.locator("#composer").press("Enter");
        await expect(bubbles(alicePage, "Are you there?").and(alicePage.locator(":not(.pending)"))).toHaveCount(1, {
          timeout: 20_000,
        });
        await alicePage.unroute("**/graphql");
        assert.equal(sends.length, 2, JSON.stringify(sends));
        assert.equal(sends[1].clientMessageId, sends[0].clientMessageId, "the retry reuses the clientMessageId");
        assert.equal(sends[1].id, sends[0].id, "the retry returns the first message");
        await expect(bubbles(bobPage, "Are you there?")).toHaveCount(1);
      },
    );

    await step(
      "Bob writes while Alice is offline; she resumes with afterMessageId and gets each message once",
      async () => {
        for (const text of ["Still here 1", "Still here 2"]) {
          await bobPage.locator("#composer").fill(text);
          await bobPage.locator("#composer").press("Enter");
          await expect(bubbles(bobPage, text).and(bobPage.locator(":not(.pending)"))).toHaveCount(1);
        }
        await alicePage.waitForTimeout(500);
        await expect(bubbles(alicePage, "Still here 1")).toHaveCount(0);
        const framesBefore = aliceFrames.length;
        socketsBlocked = false;
        await expect(alicePage.locator("#status")).toHaveAttribute("data-state", "live", { timeout: 30_000 });
        await expect(bubbles(alicePage, "Still here 1")).toHaveCount(1);
        await expect(bubbles(alicePage, "Still here 2")).toHaveCount(1);
        await alicePage.waitForTimeout(500);
        await expect(bubbles(alicePage, "Are you there?")).toHaveCount(1);
        await expect(bubbles(alicePage, "Still here 2")).toHaveCount(1);
        // They came from the replay: the new subscription resumed after a message she had.
        const resubscribe = aliceFrames
          .slice(framesBefore)
          .map((frame) => JSON.parse(frame))
          .find((message) => message.type === "subscribe" && message.payload.query.includes("messageEvents"));
        assert.ok(resubscribe, "messageEvents subscribed again");
        const after = resubscribe.payload.variables.afterMessageId;
        const missed = await bubbles(bobPage, "Still here 1").getAttribute("data-message-id");
        const had = await bubbles(alicePage, "Hi Alice").getAttribute("data-message-id");
        assert.ok(
          after && BigInt(after) >= BigInt(had) && BigInt(after) < BigInt(missed),
          `afterMessageId ${after}, had ${had}, missed ${missed}`,
        );
      },
    );

    await step("Bob pages back through a long history", async () => {
      const { login } = await gateway.data(
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
        {
          e: alice.email,
          p: password,
        },
      );
      const { chats } = await gateway.data("{ chats(first: 5) { nodes { id } } }", {}, login.accessToken);
      for (let i = 1; i <= 65; i++) {
        await gateway.data(
          "mutation($c: ID!, $t: String!) { sendMessage(input: { chatId: $c, text: $t }) { id } }",
          { c: chats.nodes[0].id, t: `History #${i}` },
          login.accessToken,
        );
      }
      const total = 5 + 65;
      await bobPage.reload();
      await bobPage.locator(`.chat-item[data-title="${alice.name}"]`).click();
      const all = bobPage.locator("#message-list .message");
      await expect(all).toHaveCount(30);
      await expect(all.last().locator(".text")).toHaveText("History #65");
      await bobPage.locator("#load-older").click();
      await expect(all).toHaveCount(60);
      await bobPage.locator("#load-older").click();
      await expect(all).toHaveCount(total);
      await expect(bobPage.locator("#load-older")).toBeHidden();
      await expect(all.first().locator(".text")).toHaveText("Hello Bob");
    });
  },
);

test("Mini App: signs in with injected initData and edits the profile", { timeout: 300_000 }, async (t) => {
  const { gateway } = harness;
  const page = await harness.page("miniapp");
  const step = steps(t, () => [page]);
  const telegramId = 700_000_000 + Math.floor(Math.random() * 100_000_000);
  const tgUser = {
    id: telegramId,
    first_name: "Mini",
    last_name: "Tester",
    username: `mini_${unique()}`,
    language_code: "en",
  };
  // Signed like Telegram signs it (HMAC-SHA256 under the bot token), by an independent library.
  const initData = sign(
    { user: tgUser, query_id: `AAH${unique()}`, chat_instance: "8134722200314281151", chat_type: "private" },
    BOT_TOKEN,
    new Date(),
  );

  await page.context().addInitScript(
    ({ initData, user }) => {
      const calls = [];
      window.__telegramCalls = calls;
      window.Telegram = {
        WebApp: {
          initData,
          initDataUnsafe: { user },
          colorScheme: "light",
          themeParams: {
            bg_color: "#ffffff",
            text_color: "#000000",
            button_color: "#3390ec",
            button_text_color: "#ffffff",
          },
          ready: () => calls.push("ready"),
          expand: () => calls.push("expand"),
          MainButton: {
            setText: (text) => calls.push(`MainButton.setText:${text}`),
            show: () => calls.push("MainButton.show"),
            onClick: (callback) => {
              window.__pressMainButton = callback;
            },
          },
          HapticFeedback: { notificationOccurred: (type) => calls.push(`haptic:${type}`) },
        },
      };
    },
    { initData, user: tgUser },
  );

  await step("the page signs in with authenticateTelegram and shows the Telegram profile", async () => {
    await page.goto("/miniapp/");
    await expect(page.locator("#display-name")).toHaveText("Mini Tester");
    await expect(page.locator("#handle")).toHaveText(`@${tgUser.username}`);
    await expect(page.locator("#telegram-id")).toHaveText(`Telegram id ${telegramId}`);
    const calls = await page.evaluate(() => window.__telegramCalls);
    assert.ok(calls.includes("ready") && calls.includes("MainButton.show"), JSON.stringify(calls));
    const color = await page.evaluate(() =>
      getComputedStyle(document.documentElement).getPropertyValue("--tg-theme-button-color").trim(),
    );
    assert.equal(color, "#3390ec");
  });

  await step("a taken username is refused next to the field", async () => {
    const taken = `taken_${unique()}`;
    const other = sign({ user: { id: telegramId + 1, first_name: "Other", username: taken } }, BOT_TOKEN, new Date());
    await gateway.data("mutation($d: String!) { authenticateTelegram(initData: $d) { user { username } } }", {
      d: other,
    });
    await page.locator("[name=username]").fill(taken);
    await page.locator("#save").click();
    await expect(page.locator('.field-error[data-field="username"]')).not.toHaveText("");
    await expect(page.locator("#handle")).toHaveText(`@${tgUser.username}`);
  });

  await step("edits are saved with updateProfile (through the MainButton too) and survive a reload", async () => {
    const newUsername = `mini_new_${unique()}`;
    await page.locator("[name=username]").fill(newUsername);
    await page.locator("[name=name]").fill("Mini Renamed");
    await page.locator("[name=bio]").fill("Hello from the Mini App");
    await page.locator("[name=privacyLastSeen]").selectOption("CONTACTS");
    await page.evaluate(() => window.__pressMainButton());
    await expect(page.locator("#save-result")).toHaveText("Saved.");
    await expect(page.locator("#display-name")).toHaveText("Mini Renamed");
    await expect(page.locator("#handle")).toHaveText(`@${newUsername}`);

    await page.reload();
    await expect(page.locator("#display-name")).toHaveText("Mini Renamed");
    await expect(page.locator("[name=bio]")).toHaveValue("Hello from the Mini App");
    await expect(page.locator("[name=privacyLastSeen]")).toHaveValue("CONTACTS");

    const { me } = await gateway.data("{ me { name username bio telegramId privacyLastSeen } }", {}, `tma ${initData}`);
    assert.deepEqual(me, {
      name: "Mini Renamed",
      username: newUsername,
      bio: "Hello from the Mini App",
      telegramId,
      privacyLastSeen: "CONTACTS",
    });
  });

  await step("without Telegram the page explains itself instead of failing", async () => {
    const plain = await harness.page("miniapp-outside");
    try {
      await plain.goto("/miniapp/");
      await expect(plain.locator("#outside")).toContainText("Open this page from Telegram");
    } finally {
      await plain.context().close();
    }
  });
});

test(
  "bot login: QR code, botAuthSession subscription, Login in the fake Telegram, verifyBotAuthCode",
  { timeout: 300_000 },
  async (t) => {
    const { telegram, gateway } = harness;
    const page = await harness.page("bot-login");
    const step = steps(t, () => [page]);
    const graphqlBodies = [];
    const socketFrames = [];
    page.on("request", (request) => {
      if (request.url().includes("/graphql") || request.url().includes("/v1/auth/session"))
        graphqlBodies.push(`${request.method()} ${request.url()} ${request.postData() ?? ""}`);
    });
    page.on("websocket", (ws) => ws.on("framesent", (frame) => socketFrames.push(String(frame.payload))));
    let sessionId;

    await step("the page creates a session and shows a QR code of the bot link", async () => {
      await page.goto("/bot-login/");
      const card = page.locator("#bot-login");
      await expect(card).toBeVisible();
      sessionId = await card.getAttribute("data-session-id");
      assert.match(sessionId, /^[A-Za-z0-9_-]{16}$/);
      const link = `https://t.me/${BOT_USERNAME}?start=auths_${sessionId}`;
      await expect(page.locator("#qr")).toHaveAttribute("data-link", link);
      await expect(page.locator("#telegram-link")).toHaveAttribute("href", link);
      // The QR code really encodes the link (decoded by an independent reader).
      const src = await page.locator("#qr").getAttribute("src");
      const png = PNG.sync.read(Buffer.from(src.slice(src.indexOf(",") + 1), "base64"));
      assert.equal(jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data, link);
      await expect
        .poll(() => socketFrames.some((f) => f.includes('"subscribe"') && f.includes("botAuthSession")))
        .toBe(true);
    });

    await step("the user opens the link and presses Login: the page signs in without polling", async () => {
      telegram.autoPress = "Login";
      telegram.calls.length = 0;
      assert.equal(await telegram.userStarts(`auths_${sessionId}`), 200);
      const prompt = await telegram.waitForCall(
        (c) => c.method === "sendMessage" && buttons(c.body).some((b) => b.text === "Login"),
      );
      assert.equal(prompt.body.chat_id, telegram.user.id);
      await expect(page.locator("#signed-in-as")).toContainText("Signed in as John Doe");
      await expect(page.locator("#signed-in-as")).toContainText("@johndoe");
      const goTo = await telegram.waitForCall(
        (c) => c.method === "sendMessage" && buttons(c.body).some((b) => b.text === "Go to website"),
      );
      assert.ok(buttons(goTo.body)[0].url.startsWith(`${harness.appUrl}/bot-login/?code=`), buttons(goTo.body)[0].url);
      assert.ok(telegram.calls.some((c) => c.method === "answerCallbackQuery"));
      assert.deepEqual(telegram.pressed, [200]);
      const polls = graphqlBodies.filter((b) => b.includes("botAuthSessionStatus") || b.includes("/v1/auth/session/"));
      assert.deepEqual(polls, [], "no status polling");
      assert.ok(graphqlBodies.some((b) => b.includes("verifyBotAuthCode")));
    });

    await step("the tokens sign the web chat in as the Telegram user", async () => {
      await page.locator("#to-chat").click();
      await expect(page.locator("#me")).toHaveText("John Doe");
      const { userByTelegramId } = await gateway.data(
        "query($t: BigInt!) { userByTelegramId(telegramId: $t) { displayName } }",
        { t: telegram.user.id },
        JSON.parse(await page.evaluate(() => localStorage.getItem("mg.chat.tokens"))).accessToken,
      );
      assert.equal(userByTelegramId.displayName, "John Doe");
    });

    await step('the "Go to website" link of the bot (callback ?code=) signs in too, once', async () => {
      telegram.autoPress = "Login";
      telegram.calls.length = 0;
      // A session whose page is gone: only the bot's button carries the code now.
      const { createBotAuthSession } = await gateway.data(
        "mutation { createBotAuthSession(state: null) { sessionId } }",
      );
      await telegram.userStarts(`auths_${createBotAuthSession.sessionId}`);
      const goTo = await telegram.waitForCall(
        (c) => c.method === "sendMessage" && buttons(c.body).some((b) => b.text === "Go to website"),
      );
      const url = buttons(goTo.body)[0].url;
      const other = await harness.page("bot-login-callback");
      try {
        await other.goto(url);
        await expect(other.locator("#signed-in-as")).toContainText("Signed in as John Doe");
        await other.goto(url);
        await expect(other.locator("#login-error")).toContainText("Invalid or expired code");
      } finally {
        await other.context().close();
        telegram.autoPress = null;
      }
    });
  },
);
