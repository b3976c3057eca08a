// Live updates over graphql-ws: `messageEvents` for all of the caller's chats (resuming
// with `afterMessageId` after a reconnect) and `chatEvents` (chats added or removed,
// unread counters, typing).

import { byId, h, mount } from "../lib/dom";
import { GatewayError } from "../lib/gateway";
import { markRead, onTyping, renderMessages, renderTyping } from "./conversation";
import {
  CHAT_EVENTS,
  MARK_MESSAGES,
  MESSAGE_EVENTS,
  type ChatEvent,
  type DeliveryStatus,
  type MessageEvent,
} from "./operations";
import { confirmSent } from "./sending";
import { loadChats, renderChatList, upsertChat } from "./sidebar";
import { chats, gw, idNum, noteSeen, rank, session, setStatus } from "./state";

let stopSubscriptions: Array<() => void> = [];
let retryTimer: number | undefined;
let retries = 0;
/** Bumped on every (re)start and stop, so callbacks of an old subscription do nothing. */
let generation = 0;

/**
 * Subscribes to messageEvents (all chats, resuming after `session.cursor`) and chatEvents.
 * When the socket drops, both end with an error; we wait, reload the chat list (unread
 * counts may have moved), and subscribe again from the newest message received, so the
 * server replays exactly what was missed.
 */
export function startLive(): void {
  stopLive();
  const mine = ++generation;
  const fail = (error: GatewayError) => {
    if (mine !== generation) return;
    generation++;
    stopSubscriptions.forEach((stop) => stop());
    stopSubscriptions = [];
    setStatus("reconnecting");
    void reconnect(error);
  };
  const ended = (name: string) => () => fail(new GatewayError(`${name} ended`, { network: true }));
  stopSubscriptions = [
    gw.subscribe(
      MESSAGE_EVENTS,
      { afterMessageId: session.cursor },
      {
        next: (data) => {
          retries = 0;
          onMessageEvent(data.messageEvents);
        },
        error: fail,
        complete: ended("messageEvents"),
      },
    ),
    gw.subscribe(
      CHAT_EVENTS,
      {},
      {
        next: (data) => {
          retries = 0;
          onChatEvent(data.chatEvents);
        },
        error: fail,
        complete: ended("chatEvents"),
      },
    ),
  ];
}

export function stopLive(): void {
  generation++;
  clearTimeout(retryTimer);
  stopSubscriptions.forEach((stop) => stop());
  stopSubscriptions = [];
}

async function reconnect(error: GatewayError): Promise<void> {
  // 4403 (token expired or revoked) or UNAUTHENTICATED: a fresh token first.
  if (error.code === "UNAUTHENTICATED" && !(await gw.refresh())) return; // signed out
  if (!gw.signedIn) return;
  const delay = Math.min(10_000, 500 * 2 ** retries) * (0.75 + Math.random() / 2);
  retries++;
  const mine = generation;
  retryTimer = window.setTimeout(async () => {
    if (mine !== generation) return;
    try {
      await loadChats();
    } catch (e) {
      if (mine === generation)
        void reconnect(e instanceof GatewayError ? e : new GatewayError(String(e), { network: true }));
      return;
    }
    if (mine === generation) startLive();
  }, delay);
}

function onMessageEvent(event: MessageEvent): void {
  switch (event.kind) {
    case "CREATED":
      return onCreated(event);
    case "EDITED":
    case "DELETED":
    case "REACTIONS":
      return onChanged(event);
    case "READ":
      return onRead(event);
  }
}

function onCreated(event: MessageEvent): void {
  const message = event.message;
  if (!message) return;
  noteSeen(message.id);
  const chat = chats.get(message.chatId);
  if (chat && idNum(message.id) > idNum(chat.lastMessage?.id)) {
    chats.set(chat.id, { ...chat, lastMessage: message, lastMessageAt: message.createdAt });
    renderChatList();
  }
  const state = session.open?.chat.id === message.chatId ? session.open : null;
  const fromMe = message.senderId === session.me.id;
  if (!state) {
    if (!fromMe)
      gw.mutate(MARK_MESSAGES, { chatId: message.chatId, messageId: message.id, status: "DELIVERED" }).catch(
        () => undefined,
      );
    return;
  }
  if (fromMe && message.clientMessageId && state.pending.has(message.clientMessageId))
    return confirmSent(state, message);
  if (state.messages.has(message.id)) return; // a replay of something we have
  state.messages.set(message.id, message);
  state.typing.delete(message.senderId);
  renderTyping(state);
  renderMessages(state, fromMe ? "bottom" : "auto");
  markRead(state);
}

function onChanged(event: MessageEvent): void {
  const state = session.open?.chat.id === event.chatId ? session.open : null;
  const known = state && event.messageId ? state.messages.get(event.messageId) : undefined;
  if (!state || !known) return;
  if (event.kind === "DELETED") {
    state.messages.delete(known.id);
  } else if (event.kind === "EDITED" && event.message) {
    state.messages.set(known.id, {
      ...event.message,
      reactions: known.reactions,
      deliveryStatus: known.deliveryStatus,
    });
  } else if (event.kind === "REACTIONS" && event.reactions) {
    // Counts come without the per-viewer `reacted`: keep ours.
    const mine = new Set(known.reactions.filter((r) => r.reacted).map((r) => r.emoji));
    state.messages.set(known.id, {
      ...known,
      reactions: event.reactions.map((r) => ({ ...r, reacted: mine.has(r.emoji) })),
    });
  }
  renderMessages(state, "keep");
}

/** Someone else's read or delivered pointer moved: our messages up to it get ✓✓. */
function onRead(event: MessageEvent): void {
  const state = session.open?.chat.id === event.chatId ? session.open : null;
  if (!state || !event.userId || event.userId === session.me.id) return;
  let changed = false;
  for (const message of state.messages.values()) {
    if (message.senderId !== session.me.id) continue;
    const id = idNum(message.id);
    const next: DeliveryStatus | null =
      id <= idNum(event.lastReadMessageId) ? "READ" : id <= idNum(event.lastDeliveredMessageId) ? "DELIVERED" : null;
    if (next && rank(next) > rank(message.deliveryStatus)) {
      state.messages.set(message.id, { ...message, deliveryStatus: next });
      changed = true;
    }
  }
  if (changed) renderMessages(state, "keep");
}

function onChatEvent(event: ChatEvent): void {
  if (event.kind === "TYPING") {
    if (event.userId) onTyping(event.chatId, event.userId, event.typing ?? false);
  } else if (event.kind === "REMOVED") {
    chats.delete(event.chatId);
    if (session.open?.chat.id === event.chatId) {
      session.open = null;
      mount(byId("conversation"), h("div", { className: "empty hint" }, "This chat is gone."));
    }
    renderChatList();
  } else if (event.chat) {
    upsertChat(event.chat);
  } else if (event.unreadCount !== null && chats.has(event.chatId)) {
    upsertChat({ ...chats.get(event.chatId)!, unreadCount: event.unreadCount });
  }
}
