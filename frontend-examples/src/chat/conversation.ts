// One open chat: its history (paged back with `messages(last, before)`), the composer,
// typing indicators, read receipts and reactions.

import { describe } from "../lib/gateway";
import { byId, formatTime, h, mount } from "../lib/dom";
import {
  CHAT_MEMBERS,
  MARK_MESSAGES,
  MESSAGES,
  SET_TYPING,
  TOGGLE_REACTION,
  type DeliveryStatus,
  type Message,
} from "./operations";
import { deliver, send } from "./sending";
import { renderChatList } from "./sidebar";
import { chats, gw, idNum, noteSeen, session, type OpenChat } from "./state";

const PAGE_SIZE = 30;
const REACTIONS = ["👍", "❤️", "😂"];
/** setTyping(true) is repeated this often while typing; the server keeps nothing. */
const TYPING_RESEND_MS = 3000;
const TYPING_IDLE_MS = 4000;
/** A typing indicator disappears when it is not refreshed for this long. */
const TYPING_SHOWN_MS = 6000;

export async function openChat(chatId: string): Promise<void> {
  const chat = chats.get(chatId);
  if (!chat) return;
  if (session.open) void stopTyping(session.open);
  const state: OpenChat = {
    chat,
    messages: new Map(),
    pending: new Map(),
    before: null,
    hasOlder: false,
    names: new Map([[session.me.id, session.me.displayName]]),
    typing: new Map(),
    lastTypingSent: 0,
    typingIdle: undefined,
    readSent: null,
  };
  session.open = state;
  mount(
    byId("conversation"),
    h(
      "header",
      { className: "row chat-header" },
      h("strong", { id: "chat-title" }, chat.displayTitle),
      h("span", { className: "spacer" }),
      h("span", { id: "typing", className: "hint" }),
    ),
    h(
      "div",
      { id: "messages", className: "messages" },
      h(
        "button",
        { id: "load-older", className: "secondary", hidden: true, onclick: () => void loadOlder(state) },
        "Load older messages",
      ),
      h("div", { id: "message-list" }),
    ),
    composer(state),
  );
  renderChatList();
  try {
    const [{ messages }, members] = await Promise.all([
      gw.query(MESSAGES, { chatId, last: PAGE_SIZE, before: null }),
      gw.query(CHAT_MEMBERS, { id: chatId }).catch(() => null),
    ]);
    if (session.open !== state) return;
    for (const member of members?.chat.members ?? [])
      state.names.set(member.userId, member.user?.displayName ?? "Someone");
    for (const message of messages.nodes) {
      state.messages.set(message.id, message);
      noteSeen(message.id);
    }
    state.before = messages.pageInfo.startCursor;
    state.hasOlder = messages.pageInfo.hasPreviousPage;
    renderMessages(state, "bottom");
    markRead(state);
    byId("composer").focus();
  } catch (e) {
    byId("message-list").replaceChildren(h("div", { className: "error" }, describe(e)));
  }
}

function composer(state: OpenChat): HTMLElement {
  const input = h("textarea", { id: "composer", rows: 2, placeholder: "Message", maxLength: 4096 });
  const form = h("form", { className: "composer row" }, input, h("button", { type: "submit", id: "send" }, "Send"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    void stopTyping(state);
    void send(state, text);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  input.addEventListener("input", () => onComposerInput(state, input.value));
  return form;
}

async function loadOlder(state: OpenChat): Promise<void> {
  if (!state.hasOlder || !state.before) return;
  const button = byId<HTMLButtonElement>("load-older");
  button.disabled = true;
  try {
    const { messages } = await gw.query(MESSAGES, { chatId: state.chat.id, last: PAGE_SIZE, before: state.before });
    if (session.open !== state) return;
    for (const message of messages.nodes) state.messages.set(message.id, message);
    state.before = messages.pageInfo.startCursor ?? state.before;
    state.hasOlder = messages.pageInfo.hasPreviousPage;
    renderMessages(state, "keep");
  } catch (e) {
    alert(describe(e));
  } finally {
    button.disabled = false;
  }
}

// ------------------------------------------------------------------ rendering

export function sortedMessages(state: OpenChat): Message[] {
  return [...state.messages.values()].sort((a, b) => (idNum(a.id) < idNum(b.id) ? -1 : 1));
}

function ticks(status: DeliveryStatus): HTMLElement {
  return h(
    "span",
    { className: `ticks ${status.toLowerCase()}`, title: status.toLowerCase() },
    status === "SENT" ? "✓" : "✓✓",
  );
}

function messageElement(state: OpenChat, message: Message): HTMLElement {
  const mine = message.senderId === session.me.id;
  const reaction = (emoji: string, label: string, className: string) =>
    h(
      "button",
      { className, dataset: { emoji }, title: `React ${emoji}`, onclick: () => void react(state, message.id, emoji) },
      label,
    );
  return h(
    "div",
    { className: `message${mine ? " mine" : ""}`, dataset: { messageId: message.id, status: message.deliveryStatus } },
    !mine && state.chat.type !== "PRIVATE"
      ? h("div", { className: "sender hint" }, message.sender?.displayName ?? state.names.get(message.senderId) ?? "")
      : null,
    h("div", { className: "text" }, message.text ?? `[${message.type.toLowerCase()}]`),
    h(
      "div",
      { className: "meta row" },
      h(
        "span",
        { className: "reactions" },
        ...message.reactions.map((r) =>
          reaction(r.emoji, `${r.emoji} ${r.count}`, `reaction${r.reacted ? " reacted" : ""}`),
        ),
      ),
      h("span", { className: "spacer" }),
      h("span", { className: "react-bar" }, ...REACTIONS.map((emoji) => reaction(emoji, emoji, "react"))),
      h("span", { className: "hint time" }, formatTime(message.createdAt), message.editedAt ? " (edited)" : ""),
      mine ? ticks(message.deliveryStatus) : null,
    ),
  );
}

function pendingElement(state: OpenChat, clientMessageId: string, text: string, failed: string | null): HTMLElement {
  return h(
    "div",
    { className: `message mine pending${failed ? " failed" : ""}`, dataset: { clientMessageId } },
    h("div", { className: "text" }, text),
    h(
      "div",
      { className: "meta row" },
      h("span", { className: "spacer" }),
      failed
        ? h(
            "span",
            { className: "error" },
            `Not sent: ${failed} `,
            h("button", { className: "retry secondary", onclick: () => void deliver(state, clientMessageId) }, "Retry"),
          )
        : h("span", { className: "hint" }, "sending…"),
    ),
  );
}

/** Redraws the open chat; `keep` holds the scroll position (prepending older pages). */
export function renderMessages(state: OpenChat, scroll: "bottom" | "keep" | "auto"): void {
  if (session.open !== state) return;
  const box = byId("messages");
  const fromBottom = box.scrollHeight - box.scrollTop;
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 60;
  mount(
    byId("message-list"),
    ...sortedMessages(state).map((m) => messageElement(state, m)),
    ...[...state.pending].map(([id, p]) => pendingElement(state, id, p.text, p.failed)),
  );
  byId("load-older").hidden = !state.hasOlder;
  if (scroll === "bottom" || (scroll === "auto" && atBottom)) box.scrollTop = box.scrollHeight;
  else if (scroll === "keep") box.scrollTop = box.scrollHeight - fromBottom;
}

// ------------------------------------------------------------------ typing

function onComposerInput(state: OpenChat, value: string): void {
  clearTimeout(state.typingIdle);
  if (!value.trim()) {
    void stopTyping(state);
    return;
  }
  const now = Date.now();
  if (now - state.lastTypingSent > TYPING_RESEND_MS) {
    state.lastTypingSent = now;
    gw.mutate(SET_TYPING, { chatId: state.chat.id, typing: true }).catch(() => undefined);
  }
  state.typingIdle = window.setTimeout(() => void stopTyping(state), TYPING_IDLE_MS);
}

async function stopTyping(state: OpenChat): Promise<void> {
  clearTimeout(state.typingIdle);
  if (!state.lastTypingSent) return;
  state.lastTypingSent = 0;
  await gw.mutate(SET_TYPING, { chatId: state.chat.id, typing: false }).catch(() => undefined);
}

export function renderTyping(state: OpenChat): void {
  const el = document.getElementById("typing");
  if (!el || session.open !== state) return;
  const names = [...state.typing.keys()].map(
    (id) => state.names.get(id) ?? state.chat.counterpart?.displayName ?? "Someone",
  );
  el.textContent = names.length ? `${names.join(", ")} ${names.length > 1 ? "are" : "is"} typing…` : "";
}

/** A chatEvents TYPING event. */
export function onTyping(chatId: string, userId: string, typing: boolean): void {
  const state = session.open;
  if (!state || state.chat.id !== chatId || userId === session.me.id) return;
  clearTimeout(state.typing.get(userId));
  if (typing) {
    const hide = () => {
      state.typing.delete(userId);
      renderTyping(state);
    };
    state.typing.set(userId, window.setTimeout(hide, TYPING_SHOWN_MS));
  } else {
    state.typing.delete(userId);
  }
  renderTyping(state);
}

// ------------------------------------------------------------------ receipts, reactions

/** Moves the read pointer to the newest message from someone else, when the tab is visible. */
export function markRead(state: OpenChat): void {
  if (session.open !== state || document.visibilityState !== "visible") return;
  const newest = sortedMessages(state)
    .filter((m) => m.senderId !== session.me.id)
    .at(-1);
  if (!newest || idNum(newest.id) <= idNum(state.readSent)) return;
  state.readSent = newest.id;
  gw.mutate(MARK_MESSAGES, { chatId: state.chat.id, messageId: newest.id, status: "READ" }).catch(() => {
    state.readSent = null;
  });
}

document.addEventListener("visibilitychange", () => {
  if (session.open) markRead(session.open);
});

async function react(state: OpenChat, messageId: string, emoji: string): Promise<void> {
  try {
    const { toggleReaction } = await gw.mutate(TOGGLE_REACTION, { messageId, emoji });
    const message = state.messages.get(messageId);
    if (message) {
      state.messages.set(messageId, { ...message, reactions: toggleReaction });
      renderMessages(state, "keep");
    }
  } catch (e) {
    alert(describe(e));
  }
}
