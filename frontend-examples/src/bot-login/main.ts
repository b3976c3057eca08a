// Login via the Telegram bot: `createBotAuthSession` → a QR code of the bot link → the
// `botAuthSession` subscription (no polling) → `verifyBotAuthCode` → signed in.
//
// The bot's "Go to website" button leads to BOT_AUTH_CALLBACK_URL?code=…; pointed at this
// page, `?code=` is exchanged directly.

import "../lib/style.css";
import "./bot-login.css";
import QRCode from "qrcode";
import { describe, Gateway, GatewayError, gql, randomId, TokenStore } from "../lib/gateway";
import { byId, h, mount } from "../lib/dom";

type Status = "PENDING" | "COMPLETED" | "EXPIRED";

interface BotAuthSession {
  sessionId: string;
  telegramLink: string | null;
  maxLink: string | null;
  expiresIn: number;
}

interface BotAuthResult {
  channel: "TELEGRAM" | "MAX";
  firstName: string | null;
  username: string | null;
  state: string | null;
  tokens: {
    accessToken: string;
    refreshToken: string;
    user: { id: string; displayName: string; telegramId: number | null };
  };
}

const CREATE_SESSION = gql<{ createBotAuthSession: BotAuthSession }, { state: string }>`
  mutation CreateBotAuthSession($state: String) {
    createBotAuthSession(state: $state) {
      sessionId
      telegramLink
      maxLink
      expiresIn
    }
  }
`;

const SESSION_STATUS = gql<{ botAuthSession: { status: Status; code: string | null } }, { id: string }>`
  subscription BotAuthSession($id: ID!) {
    botAuthSession(id: $id) {
      status
      code
    }
  }
`;

const VERIFY = gql<{ verifyBotAuthCode: BotAuthResult }, { code: string }>`
  mutation VerifyBotAuthCode($code: String!) {
    verifyBotAuthCode(code: $code) {
      channel
      firstName
      username
      state
      tokens {
        accessToken
        refreshToken
        user {
          id
          displayName
          telegramId
        }
      }
    }
  }
`;

const STATE_KEY = "mg.botlogin.state";
const root = byId("app");
// Signing in here signs the web chat in too: they share the token store.
const gw = new Gateway({ store: new TokenStore("mg.chat.tokens") });
let stop: (() => void) | null = null;
let countdown: number | undefined;

function cleanup(): void {
  stop?.();
  stop = null;
  clearInterval(countdown);
}

async function start(): Promise<void> {
  cleanup();
  mount(root, h("div", { className: "card hint" }, "Creating a login link…"));
  // `state` comes back from verifyBotAuthCode: it ties the login to this browser tab.
  const state = randomId();
  sessionStorage.setItem(STATE_KEY, state);
  let session: BotAuthSession;
  try {
    session = (await gw.mutate(CREATE_SESSION, { state })).createBotAuthSession;
  } catch (e) {
    return showError(
      e instanceof GatewayError && e.code === "SERVICE_UNAVAILABLE"
        ? "Bot login is not configured on this server."
        : describe(e),
    );
  }
  const link = session.telegramLink ?? session.maxLink;
  if (!link) return showError("Bot login is not configured on this server.");
  const qr = await QRCode.toDataURL(link, { margin: 1, width: 240, errorCorrectionLevel: "M" });
  const expires = Date.now() + session.expiresIn * 1000;
  const timer = h("span", { id: "expires" });
  const status = h(
    "div",
    { id: "login-status", className: "hint", dataset: { status: "PENDING" } },
    "Scan the code with your phone, or open the link, then press Login in the bot.",
  );
  mount(
    root,
    h(
      "div",
      { className: "card", id: "bot-login", dataset: { sessionId: session.sessionId } },
      h("h2", null, "Sign in with Telegram"),
      h("img", { id: "qr", src: qr, alt: `QR code of ${link}`, width: 240, height: 240, dataset: { link } }),
      session.telegramLink
        ? h(
            "a",
            { id: "telegram-link", className: "button", href: session.telegramLink, target: "_blank", rel: "noopener" },
            "Open Telegram",
          )
        : null,
      session.maxLink
        ? h(
            "a",
            { id: "max-link", className: "button secondary", href: session.maxLink, target: "_blank", rel: "noopener" },
            "Open Max",
          )
        : null,
      status,
      h("div", { className: "hint" }, "The link expires in ", timer, "."),
    ),
  );
  const tick = () => {
    const left = Math.max(0, Math.round((expires - Date.now()) / 1000));
    timer.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    if (left === 0) showExpired();
  };
  tick();
  countdown = window.setInterval(tick, 1000);
  watch(session.sessionId, status, 0);
}

/** Follows the session over graphql-ws; after a dropped socket it subscribes again (the first event is the current status). */
function watch(sessionId: string, status: HTMLElement, attempt: number): void {
  stop = gw.subscribe(
    SESSION_STATUS,
    { id: sessionId },
    {
      next: ({ botAuthSession }) => {
        attempt = 0;
        status.dataset.status = botAuthSession.status;
        if (botAuthSession.status === "COMPLETED" && botAuthSession.code) {
          cleanup();
          status.textContent = "Confirmed in the bot. Signing in…";
          void verify(botAuthSession.code);
        } else if (botAuthSession.status === "EXPIRED") {
          showExpired();
        }
      },
      error: (error) => {
        if (!error.network) return showError(describe(error));
        status.textContent = "Connection lost, reconnecting…";
        setTimeout(
          () => {
            if (stop) watch(sessionId, status, attempt + 1);
          },
          Math.min(8000, 500 * 2 ** attempt),
        );
      },
      complete: () => undefined,
    },
  );
}

async function verify(code: string): Promise<void> {
  try {
    const { verifyBotAuthCode: result } = await gw.mutate(VERIFY, { code });
    const expected = sessionStorage.getItem(STATE_KEY);
    if (result.state && expected && result.state !== expected) {
      return showError("This login was started in another browser tab or window. Start again here.");
    }
    sessionStorage.removeItem(STATE_KEY);
    gw.store.set(result.tokens);
    mount(
      root,
      h(
        "div",
        { className: "card", id: "signed-in" },
        h("h2", null, "Signed in"),
        h(
          "div",
          { id: "signed-in-as" },
          `Signed in as ${result.tokens.user.displayName}`,
          result.username ? ` (@${result.username})` : "",
        ),
        h("div", { className: "hint" }, `via ${result.channel === "TELEGRAM" ? "Telegram" : "Max"}`),
        h("a", { href: "/chat/", id: "to-chat" }, "Continue to the chat"),
      ),
    );
  } catch (e) {
    showError(describe(e));
  }
}

function showExpired(): void {
  cleanup();
  mount(
    root,
    h(
      "div",
      { className: "card", id: "expired" },
      h("div", null, "The login link expired."),
      h("button", { id: "restart", onclick: () => void start() }, "Get a new code"),
    ),
  );
}

function showError(message: string): void {
  cleanup();
  mount(
    root,
    h(
      "div",
      { className: "card" },
      h("div", { className: "error", id: "login-error" }, message),
      h("button", { onclick: () => void start() }, "Try again"),
    ),
  );
}

const code = new URLSearchParams(location.search).get("code");
if (code) {
  history.replaceState(null, "", location.pathname);
  mount(root, h("div", { className: "card hint" }, "Signing in…"));
  void verify(code);
} else {
  void start();
}
