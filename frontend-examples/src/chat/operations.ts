// The web chat's GraphQL operations (names and fields from ../../../schema.graphql) and
// the TypeScript shapes of their results.

import { gql } from "../lib/gateway";

export type DeliveryStatus = "SENT" | "DELIVERED" | "READ";

export interface Reaction {
  emoji: string;
  count: number;
  reacted: boolean;
}

export interface Message {
  id: string;
  chatId: string;
  senderId: string;
  type: string;
  text: string | null;
  clientMessageId: string | null;
  createdAt: string;
  editedAt: string | null;
  deliveryStatus: DeliveryStatus;
  sender: { id: string; displayName: string } | null;
  reactions: Reaction[];
}

export interface LastMessage {
  id: string;
  senderId: string;
  text: string | null;
  type: string;
  createdAt: string;
}

export interface Chat {
  id: string;
  type: "PRIVATE" | "GROUP" | "CHANNEL" | "SAVED";
  displayTitle: string;
  unreadCount: number;
  pinned: boolean;
  lastMessageAt: string;
  lastMessage: LastMessage | null;
  counterpart: { id: string; displayName: string } | null;
}

export interface Me {
  id: string;
  displayName: string;
  email: string | null;
  twoFactorEnabled: boolean;
}

export interface AuthPayload {
  accessToken: string;
  refreshToken: string;
  user: Me;
}

const ME_FIELDS = `id displayName email twoFactorEnabled`;
const MESSAGE_FIELDS = `
  id chatId senderId type text clientMessageId createdAt editedAt deliveryStatus
  sender { id displayName }
  reactions { emoji count reacted }
`;
const CHAT_FIELDS = `
  id type displayTitle unreadCount pinned lastMessageAt
  lastMessage { id senderId text type createdAt }
  counterpart { id displayName }
`;

export const LOGIN = gql<{ login: AuthPayload }, { email: string; password: string; otpCode: string | null }>`
  mutation Login($email: String!, $password: String!, $otpCode: String) {
    login(email: $email, password: $password, otpCode: $otpCode) {
      accessToken refreshToken user { ${ME_FIELDS} }
    }
  }
`;

export const REGISTER = gql<
  { register: { message: string } },
  { input: { email: string; password: string; name: string | null } }
>`
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      message
    }
  }
`;

export const VERIFY_EMAIL = gql<{ verifyEmail: { message: string } }, { token: string }>`
  mutation VerifyEmail($token: String!) {
    verifyEmail(token: $token) {
      message
    }
  }
`;

export const RESEND_VERIFICATION = gql<{ resendVerification: { message: string } }, { email: string }>`
  mutation ResendVerification($email: String!) {
    resendVerification(email: $email) {
      message
    }
  }
`;

export const SETUP_TWO_FACTOR = gql<{ setupTwoFactor: { secret: string; otpauthUrl: string } }, Record<string, never>>`
  mutation SetupTwoFactor {
    setupTwoFactor {
      secret
      otpauthUrl
    }
  }
`;

export const ENABLE_TWO_FACTOR = gql<{ enableTwoFactor: { message: string } }, { code: string }>`
  mutation EnableTwoFactor($code: String!) {
    enableTwoFactor(code: $code) {
      message
    }
  }
`;

export const ME = gql<{ me: Me }, Record<string, never>>`
  query Me { me { ${ME_FIELDS} } }
`;

export const CHATS = gql<{ chats: { nodes: Chat[] } }, { first: number }>`
  query Chats($first: Int) {
    chats(first: $first) { nodes { ${CHAT_FIELDS} } }
  }
`;

export const CHAT_MEMBERS = gql<
  { chat: { id: string; members: { userId: string; user: { displayName: string } | null }[] } },
  { id: string }
>`
  query ChatMembers($id: ID!) {
    chat(id: $id) {
      id
      members {
        userId
        user {
          displayName
        }
      }
    }
  }
`;

export interface MessagePage {
  pageInfo: { hasPreviousPage: boolean; startCursor: string | null };
  nodes: Message[];
}

export const MESSAGES = gql<{ messages: MessagePage }, { chatId: string; last: number; before: string | null }>`
  query Messages($chatId: ID!, $last: Int, $before: String) {
    messages(chatId: $chatId, last: $last, before: $before) {
      pageInfo { hasPreviousPage startCursor }
      nodes { ${MESSAGE_FIELDS} }
    }
  }
`;

export const SEARCH_USERS = gql<
  { searchUsers: { id: string; displayName: string; username: string | null }[] },
  { query: string }
>`
  query SearchUsers($query: String!) {
    searchUsers(query: $query, first: 10) {
      id
      displayName
      username
    }
  }
`;

export const CREATE_CHAT = gql<{ createChat: Chat }, { input: { type: "PRIVATE"; memberIds: string[] } }>`
  mutation CreateChat($input: CreateChatInput!) {
    createChat(input: $input) { ${CHAT_FIELDS} }
  }
`;

export const SEND_MESSAGE = gql<
  { sendMessage: Message },
  { input: { chatId: string; text: string; clientMessageId: string } }
>`
  mutation SendMessage($input: SendMessageInput!) {
    sendMessage(input: $input) { ${MESSAGE_FIELDS} }
  }
`;

export const MARK_MESSAGES = gql<
  { markMessages: { lastReadMessageId: string } },
  { chatId: string; messageId: string; status: "READ" | "DELIVERED" }
>`
  mutation MarkMessages($chatId: ID!, $messageId: ID!, $status: ReceiptStatus!) {
    markMessages(chatId: $chatId, messageId: $messageId, status: $status) {
      lastReadMessageId
      lastDeliveredMessageId
    }
  }
`;

export const SET_TYPING = gql<{ setTyping: boolean }, { chatId: string; typing: boolean }>`
  mutation SetTyping($chatId: ID!, $typing: Boolean) {
    setTyping(chatId: $chatId, typing: $typing)
  }
`;

export const TOGGLE_REACTION = gql<{ toggleReaction: Reaction[] }, { messageId: string; emoji: string }>`
  mutation ToggleReaction($messageId: ID!, $emoji: String!) {
    toggleReaction(messageId: $messageId, emoji: $emoji) {
      emoji
      count
      reacted
    }
  }
`;

export interface MessageEvent {
  kind: "CREATED" | "EDITED" | "DELETED" | "REACTIONS" | "READ";
  chatId: string;
  messageId: string | null;
  message: Message | null;
  reactions: { emoji: string; count: number }[] | null;
  userId: string | null;
  lastReadMessageId: string | null;
  lastDeliveredMessageId: string | null;
}

/** All of the caller's chats; `afterMessageId` replays what a reconnect missed. */
export const MESSAGE_EVENTS = gql<{ messageEvents: MessageEvent }, { afterMessageId: string | null }>`
  subscription MessageEvents($afterMessageId: ID) {
    messageEvents(afterMessageId: $afterMessageId) {
      kind chatId messageId
      message { ${MESSAGE_FIELDS} }
      reactions { emoji count }
      userId lastReadMessageId lastDeliveredMessageId
    }
  }
`;

export interface ChatEvent {
  kind: "ADDED" | "REMOVED" | "UPDATED" | "MEMBER_JOINED" | "MEMBER_LEFT" | "UNREAD_CHANGED" | "TYPING";
  chatId: string;
  userId: string | null;
  typing: boolean | null;
  unreadCount: number | null;
  chat: Chat | null;
}

export const CHAT_EVENTS = gql<{ chatEvents: ChatEvent }, Record<string, never>>`
  subscription ChatEvents {
    chatEvents {
      kind chatId userId typing unreadCount
      chat { ${CHAT_FIELDS} }
    }
  }
`;
