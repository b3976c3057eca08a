// What the chat's modules share: the gateway client, the signed-in user, the chat list,
// the open conversation and the resume cursor of the live stream.

import { Gateway, GatewayError, TokenStore } from "../lib/gateway";
import type { Chat, DeliveryStatus, Me, Message } from "./operations";

/** Set by main.ts: what to do when the session ends or a sign-in succeeds. */
export const hooks = {
  signedOut: (_notice: string) => {},
  signedIn: (_user: Me) => {},
};

export const gw = new Gateway({
  store: new TokenStore("mg.chat.tokens"),
  onSignedOut: () => hooks.signedOut("Your session ended. Sign in again."),
  onConnection: (state) => {
    if (state === "connected") setStatus("live");
  },
});

/** A conversation on screen. */
export interface OpenChat {
  chat: Chat;
  messages: Map<string, Message>;
  /** Sends in flight or failed, by clientMessageId. */
  pending: Map<string, { text: string; failed: string | null }>;
  /** The cursor of the oldest loaded page, for `messages(last, before)`. */
  before: string | null;
  hasOlder: boolean;
  /** Member names, for typing indicators. */
  names: Map<string, string>;
  /** Who is typing: user id → the timer that hides them. */
  typing: Map<string, number>;
  lastTypingSent: number;
  typingIdle: number | undefined;
  readSent: string | null;
}

export const session = {
  me: null as unknown as Me,
  open: null as OpenChat | null,
  /**
   * Where messageEvents resumes after a reconnect: the newest message id received from
   * the stream (or loaded with the open chat's page). Ids grow with time across chats.
   */
  cursor: null as string | null,
};

export const chats = new Map<string, Chat>();

/** Forgets the previous user's data (after signing in again). */
export function resetState(me: Me): void {
  session.me = me;
  session.open = null;
  session.cursor = null;
  chats.clear();
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const idNum = (id: string | null | undefined) => (id ? BigInt(id) : -1n);

export function noteSeen(id: string | null | undefined): void {
  if (id && idNum(id) > idNum(session.cursor)) session.cursor = id;
}

export function rank(status: DeliveryStatus): number {
  return status === "READ" ? 2 : status === "DELIVERED" ? 1 : 0;
}

export function isRetryable(error: unknown): boolean {
  return (
    error instanceof GatewayError &&
    (error.network || error.code === "SERVICE_UNAVAILABLE" || error.code === "INTERNAL")
  );
}

export type LiveStatus = "live" | "connecting" | "reconnecting";

export function setStatus(next: LiveStatus): void {
  const el = document.getElementById("status");
  if (el) {
    el.textContent = next === "live" ? "● live" : next === "connecting" ? "○ connecting…" : "○ reconnecting…";
    el.dataset.state = next;
  }
}
