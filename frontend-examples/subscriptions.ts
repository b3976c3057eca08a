// GraphQL subscriptions from messenger-gateway over WebSocket, with the npm
// `graphql-ws` client (`npm install graphql-ws graphql`). It speaks the
// `graphql-transport-ws` protocol, which the gateway serves on the same `/graphql` path.
//
// The caller authenticates in `connection_init`. The gateway also accepts
// `{ Authorization: "tma <initData>" }` or `{ initData }` there.

import type { GraphQLFormattedError } from "graphql";
import { createClient, type Client } from "graphql-ws";

/** ws(s)://<this host>/graphql for a Mini App served from the gateway's origin. */
export function defaultUrl(): string {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${window.location.host}/graphql`;
}

/**
 * One client per app: it opens the socket on the first subscription, closes it after
 * the last one, and reconnects (re-sending `connectionParams`) after network drops.
 */
export function connect(token: string, url: string = defaultUrl()): Client {
  return createClient({
    url,
    connectionParams: { Authorization: `Bearer ${token}` },
    // To pick up a refreshed token on every reconnect, pass a function instead:
    //   connectionParams: async () => ({ Authorization: `Bearer ${await session.accessToken()}` }),
    lazy: true,
    retryAttempts: 5,
  });
}

export type UserEventKind = "PROFILE_UPDATED" | "ONLINE" | "OFFLINE";

export interface UserEvent {
  kind: UserEventKind;
  userId: string;
  /** The new profile (`PROFILE_UPDATED` only). */
  user: { id: string; displayName: string } | null;
  /** `ONLINE` / `OFFLINE` only. */
  isOnline: boolean | null;
  lastSeenAt: string | null;
}

const USER_EVENTS = `
  subscription UserEvents($userIds: [ID!]!) {
    userEvents(userIds: $userIds) {
      kind
      userId
      user { id displayName }
      isOnline
      lastSeenAt
    }
  }
`;

export interface WatchHandlers {
  onEvent: (event: UserEvent) => void;
  /** GraphQL errors (e.g. UNAUTHENTICATED, BAD_USER_INPUT for more than 200 ids). */
  onErrors?: (errors: readonly GraphQLFormattedError[]) => void;
  /** The socket closed for good (e.g. code 4403 "Forbidden: …" for a rejected or expired token). */
  onClosed?: (reason: string) => void;
}

/** Watches profile changes of `userIds` (database ids). Returns the unsubscribe function. */
export function watchUsers(client: Client, userIds: string[], handlers: WatchHandlers): () => void {
  return client.subscribe<{ userEvents: UserEvent }>(
    { query: USER_EVENTS, variables: { userIds } },
    {
      next: (result) => {
        if (result.errors?.length) handlers.onErrors?.(result.errors);
        if (result.data) handlers.onEvent(result.data.userEvents);
      },
      error: (error: unknown) => {
        if (Array.isArray(error)) {
          handlers.onErrors?.(error as readonly GraphQLFormattedError[]);
        } else if (isCloseEvent(error)) {
          handlers.onClosed?.(`${error.code} ${error.reason}`);
        } else {
          handlers.onClosed?.(error instanceof Error ? error.message : String(error));
        }
      },
      complete: () => {},
    },
  );
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === "object" && value !== null && "code" in value && "reason" in value;
}

// Example:
//   const { accessToken } = await authenticateTelegram(window.Telegram!.WebApp.initData);
//   const client = connect(accessToken);
//   const stop = watchUsers(client, ["1", "2"], {
//     onEvent: (e) => console.log(e.kind, e.userId, e.user?.displayName ?? e.isOnline),
//     onErrors: (errors) => console.warn(errors.map((x) => x.extensions?.code)),
//   });
//   // later: stop(); client.dispose();
