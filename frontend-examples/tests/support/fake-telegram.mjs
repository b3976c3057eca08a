// A stand-in for Telegram on 127.0.0.1, both directions of the bot login:
//
//  - the Bot API the gateway calls (TELEGRAM_BOT_API_URL): POST /bot<token>/<method>,
//    answered like Telegram ({"ok":true,"result":…}); every call is recorded;
//  - Telegram's side of the webhook the gateway serves (POST /bot/telegram/webhook with
//    the X-Telegram-Bot-Api-Secret-Token header): a user's /start message, and the
//    callback_query Telegram sends when the user presses an inline button.
//
// With `autoPress` set, a sendMessage that carries a button with that text (e.g. "Login")
// is answered the way a user would: Telegram delivers the button's callback_query to the
// webhook right after.

import http from "node:http";

let nextUpdateId = 700_000_000;
let nextMessageId = 5_000;

export class FakeTelegram {
  /** @type {{ method: string, path: string, body: any }[]} */
  calls = [];
  /** Button text to press automatically once the bot sends it; null to press nothing. */
  autoPress = null;
  /** Webhook answers of automatic presses (status codes), for assertions. */
  pressed = [];
  #waiters = new Set();

  constructor({ token, webhookSecret }) {
    this.token = token;
    this.webhookSecret = webhookSecret;
    /** Set once the gateway runs: its base URL. */
    this.gatewayUrl = null;
  }

  async start() {
    this.server = http.createServer((req, res) => this.#handle(req, res));
    await new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", resolve);
    });
    this.url = `http://127.0.0.1:${this.server.address().port}`;
    return this;
  }

  async stop() {
    this.server?.closeAllConnections?.();
    await new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  #handle(req, res) {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      let body = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "null");
      } catch {
        body = null;
      }
      const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? "");
      const send = (status, value) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      if (!match) return send(404, { ok: false, error_code: 404, description: "Not Found" });
      if (match[1] !== this.token) return send(401, { ok: false, error_code: 401, description: "Unauthorized" });
      const method = match[2];
      const call = { method, path: req.url, body };
      this.calls.push(call);
      let result = true;
      if (method === "sendMessage") {
        result = {
          message_id: nextMessageId++,
          from: {
            id: Number(this.token.split(":")[0]),
            is_bot: true,
            first_name: "Gateway Login",
            username: "GatewayLoginBot",
          },
          chat: { id: body?.chat_id, type: "private" },
          date: Math.floor(Date.now() / 1000),
          text: body?.text,
          reply_markup: body?.reply_markup,
        };
      }
      send(200, { ok: true, result });
      for (const waiter of this.#waiters) waiter();
      if (method === "sendMessage" && this.autoPress) {
        const button = buttons(body).find((b) => b.text === this.autoPress && b.callback_data);
        // Like Telegram: the press arrives as a separate webhook call, after the answer.
        if (button)
          setTimeout(
            () => void this.press(body.chat_id, button.callback_data, result).then((s) => this.pressed.push(s)),
            50,
          );
      }
    });
  }

  /** The Telegram user the updates come from. */
  user = {
    id: 5_123_456_789,
    is_bot: false,
    first_name: "John",
    last_name: "Doe",
    username: "johndoe",
    language_code: "en",
  };

  async #webhook(update) {
    if (!this.gatewayUrl) throw new Error("gatewayUrl is not set");
    const response = await fetch(`${this.gatewayUrl}/bot/telegram/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": this.webhookSecret },
      body: JSON.stringify(update),
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    return response.status;
  }

  /** The user opens t.me/<bot>?start=<payload>: Telegram delivers "/start <payload>". */
  userStarts(payload) {
    const text = `/start ${payload}`;
    return this.#webhook({
      update_id: nextUpdateId++,
      message: {
        message_id: nextMessageId++,
        from: this.user,
        chat: {
          id: this.user.id,
          first_name: this.user.first_name,
          last_name: this.user.last_name,
          username: this.user.username,
          type: "private",
        },
        date: Math.floor(Date.now() / 1000),
        text,
        entities: [{ offset: 0, length: 6, type: "bot_command" }],
      },
    });
  }

  /** The user presses the inline button with `data` under the bot's message. */
  press(chatId, data, message = null) {
    return this.#webhook({
      update_id: nextUpdateId++,
      callback_query: {
        id: String(BigInt(Date.now()) * 1000n + BigInt(nextUpdateId)),
        from: this.user,
        message: message ?? {
          message_id: nextMessageId++,
          chat: { id: chatId, type: "private" },
          date: Math.floor(Date.now() / 1000),
        },
        chat_instance: "-4236817190413625107",
        data,
      },
    });
  }

  /** Resolves with the first recorded call matching `predicate` (bounded by `timeoutMs`). */
  async waitForCall(predicate, timeoutMs = 10_000) {
    const found = () => this.calls.find(predicate);
    if (found()) return found();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(
          new Error(
            `no matching Bot API call within ${timeoutMs} ms; calls: ${JSON.stringify(this.calls.map((c) => c.method))}`,
          ),
        );
      }, timeoutMs);
      const check = () => {
        const call = found();
        if (call) {
          clearTimeout(timer);
          this.#waiters.delete(check);
          resolve(call);
        }
      };
      this.#waiters.add(check);
    });
  }
}

/** Every inline keyboard button of a sendMessage body. */
export function buttons(body) {
  return (body?.reply_markup?.inline_keyboard ?? []).flat();
}
