// Sending with a client-chosen id: a message shows as pending at once, and failed
// attempts are retried with the same clientMessageId, so the gateway never stores it twice.

import { describe, randomId } from "../lib/gateway";
import { renderMessages } from "./conversation";
import { SEND_MESSAGE, type Message } from "./operations";
import { upsertChat } from "./sidebar";
import { chats, gw, idNum, isRetryable, rank, sleep, type OpenChat } from "./state";

/** Attempts of one send (the same clientMessageId every time) before "Retry" is offered. */
const SEND_ATTEMPTS = 4;

export async function send(state: OpenChat, text: string): Promise<void> {
  const clientMessageId = randomId();
  state.pending.set(clientMessageId, { text, failed: null });
  renderMessages(state, "bottom");
  await deliver(state, clientMessageId);
}

/**
 * Sends a pending message. Network failures and 5xx are retried with the same
 * clientMessageId, so a request that reached the server but whose answer got lost
 * returns the first message instead of creating a second one.
 */
export async function deliver(state: OpenChat, clientMessageId: string): Promise<void> {
  const pending = state.pending.get(clientMessageId);
  if (!pending) return;
  pending.failed = null;
  renderMessages(state, "auto");
  for (let attempt = 1; attempt <= SEND_ATTEMPTS; attempt++) {
    try {
      const { sendMessage } = await gw.mutate(SEND_MESSAGE, {
        input: { chatId: state.chat.id, text: pending.text, clientMessageId },
      });
      confirmSent(state, sendMessage);
      return;
    } catch (error) {
      if (!state.pending.has(clientMessageId)) return; // the live event confirmed it meanwhile
      if (!isRetryable(error) || attempt === SEND_ATTEMPTS) {
        pending.failed = describe(error);
        renderMessages(state, "auto");
        return;
      }
      await sleep(500 * 2 ** (attempt - 1));
    }
  }
}

/** Our message is stored: from sendMessage's answer, or its CREATED event, whichever comes first. */
export function confirmSent(state: OpenChat, message: Message): void {
  if (message.clientMessageId) state.pending.delete(message.clientMessageId);
  const known = state.messages.get(message.id);
  // A read receipt may have arrived before the answer.
  const deliveryStatus =
    known && rank(known.deliveryStatus) > rank(message.deliveryStatus) ? known.deliveryStatus : message.deliveryStatus;
  state.messages.set(message.id, { ...message, deliveryStatus });
  // Not noteSeen(): while the socket is down, messages of others sent before this one
  // must still be replayed; our own comes back once more and is deduplicated by id.
  const chat = chats.get(message.chatId);
  if (chat && idNum(message.id) >= idNum(chat.lastMessage?.id)) {
    upsertChat({ ...chat, lastMessage: message, lastMessageAt: message.createdAt });
  }
  renderMessages(state, "bottom");
}
