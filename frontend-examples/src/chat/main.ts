// Web chat: e-mail sign-up and sign-in (with the TOTP step), chat list with unread counts,
// history paging, sending with clientMessageId retries, and live messages, typing, read
// receipts and reactions over graphql-ws, resuming with `afterMessageId` after a reconnect.
//
//   auth.ts          sign-in, two-factor step, sign-up, e-mail verification
//   sidebar.ts       chat list, new chat, two-factor setup
//   conversation.ts  the open chat: history pages, typing, receipts, reactions
//   sending.ts       pending messages and retries with the same clientMessageId
//   live.ts          messageEvents / chatEvents subscriptions and reconnecting
//   state.ts         what they share; operations.ts: the GraphQL documents

import "../lib/style.css";
import "./chat.css";
import { describe, GatewayError } from "../lib/gateway";
import { byId, h, mount } from "../lib/dom";
import { showAuth, verifyFromLink } from "./auth";
import { startLive, stopLive } from "./live";
import { ME, type Me } from "./operations";
import { loadChats, sidebar } from "./sidebar";
import { gw, hooks, resetState, setStatus } from "./state";

const root = byId("app");

hooks.signedOut = (notice) => {
  stopLive();
  showAuth(notice);
};
hooks.signedIn = (user) => void startApp(user);

async function signOut(): Promise<void> {
  stopLive();
  await gw.signOut().catch(() => undefined);
  showAuth();
}

async function startApp(user?: Me): Promise<void> {
  let me: Me;
  try {
    me = user ?? (await gw.query(ME, {})).me;
  } catch (e) {
    if (e instanceof GatewayError && e.code === "UNAUTHENTICATED") return showAuth();
    mount(root, h("div", { className: "card error" }, describe(e)));
    return;
  }
  resetState(me);
  mount(
    root,
    h(
      "div",
      { className: "layout" },
      sidebar(() => void signOut()),
      h(
        "main",
        { id: "conversation", className: "conversation" },
        h("div", { className: "empty hint" }, "Choose a chat, or start one with New chat."),
      ),
    ),
  );
  setStatus("connecting");
  try {
    await loadChats(true);
  } catch (e) {
    mount(byId("chat-list"), h("li", { className: "error" }, describe(e)));
  }
  startLive();
}

async function boot(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const token = params.get("token");
  if (params.has("verify") && token) {
    history.replaceState(null, "", location.pathname);
    return verifyFromLink(token);
  }
  if (gw.signedIn) await startApp();
  else showAuth();
}

void boot();
