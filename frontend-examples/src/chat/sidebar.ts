// The left column: who is signed in, the connection state, the chat list with unread
// counts and last messages, "New chat" (search a user, open a private chat) and the
// two-factor setup.

import QRCode from "qrcode";
import { describe } from "../lib/gateway";
import { byId, formatTime, h, mount } from "../lib/dom";
import { openChat } from "./conversation";
import { CHATS, CREATE_CHAT, ENABLE_TWO_FACTOR, SEARCH_USERS, SETUP_TWO_FACTOR, type Chat } from "./operations";
import { chats, gw, noteSeen, session } from "./state";

export function sidebar(onSignOut: () => void): HTMLElement {
  return h(
    "aside",
    { className: "sidebar" },
    h(
      "header",
      { className: "row" },
      h("strong", { id: "me" }, session.me.displayName),
      h("span", { className: "spacer" }),
      h("span", { id: "status", className: "hint" }),
    ),
    h(
      "div",
      { className: "row toolbar" },
      h("button", { id: "new-chat", onclick: showNewChat }, "New chat"),
      h("button", { id: "security", className: "secondary", onclick: () => void showSecurity() }, "Security"),
      h("button", { id: "sign-out", className: "secondary", onclick: onSignOut }, "Sign out"),
    ),
    h("div", { id: "panel" }),
    h("ul", { id: "chat-list" }),
  );
}

/**
 * (Re)loads the chat list. Only the first load moves the resume cursor: after a
 * reconnect the list already shows the newest messages, but the open conversation has
 * not received them yet, so messageEvents must still replay from the old cursor.
 */
export async function loadChats(initial = false): Promise<void> {
  const { chats: page } = await gw.query(CHATS, { first: 100 });
  chats.clear();
  for (const chat of page.nodes) {
    chats.set(chat.id, chat);
    if (initial) noteSeen(chat.lastMessage?.id);
  }
  renderChatList();
}

function sortedChats(): Chat[] {
  return [...chats.values()].sort(
    (a, b) => Number(b.pinned) - Number(a.pinned) || b.lastMessageAt.localeCompare(a.lastMessageAt),
  );
}

export function renderChatList(): void {
  const list = document.getElementById("chat-list");
  if (!list) return;
  mount(list, ...sortedChats().map(chatItem));
}

function chatItem(chat: Chat): HTMLElement {
  const last = chat.lastMessage;
  const preview = last
    ? `${last.senderId === session.me.id ? "You: " : ""}${last.text ?? `[${last.type.toLowerCase()}]`}`
    : "No messages yet";
  return h(
    "li",
    {
      className: `chat-item${session.open?.chat.id === chat.id ? " active" : ""}`,
      dataset: { chatId: chat.id, title: chat.displayTitle },
      onclick: () => void openChat(chat.id),
    },
    h(
      "div",
      { className: "row" },
      h("span", { className: "title" }, chat.displayTitle),
      h("span", { className: "spacer" }),
      last ? h("span", { className: "hint" }, formatTime(last.createdAt)) : null,
    ),
    h(
      "div",
      { className: "row" },
      h("span", { className: "preview hint" }, preview),
      h("span", { className: "spacer" }),
      chat.unreadCount > 0 ? h("span", { className: "badge unread" }, chat.unreadCount) : null,
    ),
  );
}

export function upsertChat(chat: Chat): void {
  chats.set(chat.id, chat);
  const open = session.open;
  if (open?.chat.id === chat.id) {
    open.chat = chat;
    const title = document.getElementById("chat-title");
    if (title) title.textContent = chat.displayTitle;
  }
  renderChatList();
}

function showNewChat(): void {
  const panel = byId("panel");
  const query = h("input", { name: "user-query", placeholder: "E-mail, @username or name" });
  const results = h("ul", { className: "results", id: "user-results" });
  const error = h("div", { className: "error" });
  const form = h(
    "form",
    { className: "panel", id: "new-chat-form" },
    query,
    h("button", { type: "submit" }, "Search"),
    error,
    results,
  );
  const start = async (userId: string) => {
    try {
      const { createChat } = await gw.mutate(CREATE_CHAT, { input: { type: "PRIVATE", memberIds: [userId] } });
      panel.replaceChildren();
      upsertChat(createChat);
      await openChat(createChat.id);
    } catch (e) {
      error.textContent = describe(e);
    }
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      const { searchUsers } = await gw.query(SEARCH_USERS, { query: query.value.trim() });
      const others = searchUsers.filter((u) => u.id !== session.me.id);
      mount(
        results,
        ...others.map((user) =>
          h(
            "li",
            null,
            h(
              "button",
              { className: "secondary", dataset: { userId: user.id }, onclick: () => void start(user.id) },
              user.displayName,
              user.username ? ` @${user.username}` : "",
            ),
          ),
        ),
      );
      if (!others.length) error.textContent = "Nobody found.";
    } catch (e) {
      error.textContent = describe(e);
    }
  });
  mount(panel, form);
  query.focus();
}

/** setupTwoFactor → a QR code of the otpauth:// URL → enableTwoFactor(code). */
async function showSecurity(): Promise<void> {
  const panel = byId("panel");
  const done = () => mount(panel, h("div", { className: "panel", id: "security-panel" }, "Two-factor sign-in is on."));
  if (session.me.twoFactorEnabled) return done();
  const error = h("div", { className: "error" });
  try {
    const { setupTwoFactor } = await gw.mutate(SETUP_TWO_FACTOR, {});
    const qr = await QRCode.toDataURL(setupTwoFactor.otpauthUrl, { margin: 1, width: 180 });
    const code = h("input", { name: "totp-code", inputMode: "numeric", maxLength: 6, placeholder: "123456" });
    const form = h(
      "form",
      { className: "panel", id: "security-panel" },
      h("div", null, "Scan with an authenticator app, then enter its code:"),
      h("img", { src: qr, alt: "TOTP QR code", width: 180, height: 180 }),
      h("code", { id: "totp-secret" }, setupTwoFactor.secret),
      code,
      h("button", { type: "submit" }, "Turn on two-factor"),
      error,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await gw.mutate(ENABLE_TWO_FACTOR, { code: code.value.trim() });
        session.me = { ...session.me, twoFactorEnabled: true };
        done();
      } catch (e) {
        error.textContent = describe(e);
      }
    });
    mount(panel, form);
  } catch (e) {
    mount(panel, h("div", { className: "error" }, describe(e)));
  }
}
