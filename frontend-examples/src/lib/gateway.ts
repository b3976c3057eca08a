// One small client for all three apps: urql for queries and mutations (plain POST to
// /graphql), and urql's subscriptionExchange forwarding subscriptions to a `graphql-ws`
// client (the `graphql-transport-ws` protocol on the same path).
//
// What it adds on top of urql:
//   - the access token in `Authorization: Bearer …` and in `connection_init`,
//   - one `refreshToken` round trip when a call answers UNAUTHENTICATED, then a retry,
//   - `GatewayError` carrying the server's `extensions.code` / `fields` / `retryAfter`,
//   - a connection-state callback for "live / reconnecting" indicators.
//
// Reconnecting is left to the caller on purpose (`retryAttempts: 0`): a subscription that
// resumes from a cursor (`messageEvents(afterMessageId)`) has to resubscribe with the
// *current* cursor, while graphql-ws would replay the original variables.

import {
  Client,
  CombinedError,
  fetchExchange,
  gql,
  subscriptionExchange,
  type AnyVariables,
  type DocumentInput,
} from "@urql/core";
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";
import { onEnd, pipe, subscribe } from "wonka";

export { gql };

/** The `extensions.code` values the gateway sends (README, "Errors"). */
export type ErrorCode =
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "BAD_USER_INPUT"
  | "CONFLICT"
  | "RATE_LIMITED"
  | "SERVICE_UNAVAILABLE"
  | "INTERNAL"
  | "BAD_REQUEST";

/** A failed operation: GraphQL errors (with `code`) or a network failure (`network`). */
export class GatewayError extends Error {
  readonly code: ErrorCode | undefined;
  readonly fields: Record<string, string>;
  readonly retryAfter: number | undefined;
  /** True when the request never got an answer (offline, socket closed, 5xx without body). */
  readonly network: boolean;
  /** The WebSocket close code, for subscriptions that ended with the socket. */
  readonly closeCode: number | undefined;

  constructor(
    message: string,
    init: Partial<Pick<GatewayError, "code" | "fields" | "retryAfter" | "network" | "closeCode">> = {},
  ) {
    super(message);
    this.name = "GatewayError";
    this.code = init.code;
    this.fields = init.fields ?? {};
    this.retryAfter = init.retryAfter;
    this.network = init.network ?? false;
    this.closeCode = init.closeCode;
  }

  static from(error: CombinedError): GatewayError {
    const first = error.graphQLErrors[0];
    if (first) {
      const ext = (first.extensions ?? {}) as {
        code?: ErrorCode;
        fields?: Record<string, string>;
        retryAfter?: number;
      };
      return new GatewayError(first.message, { code: ext.code, fields: ext.fields, retryAfter: ext.retryAfter });
    }
    const cause = error.networkError as unknown;
    if (isCloseEvent(cause)) {
      return new GatewayError(`connection closed (${cause.code}${cause.reason ? ` ${cause.reason}` : ""})`, {
        network: true,
        closeCode: cause.code,
        code: cause.code === 4403 ? "UNAUTHENTICATED" : undefined,
      });
    }
    return new GatewayError(error.networkError?.message || error.message || "network error", { network: true });
  }
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === "object" && value !== null && "code" in value && "reason" in value;
}

/** Access and refresh token of one signed-in user, kept in localStorage under `key`. */
export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

export class TokenStore {
  constructor(private readonly key: string) {}

  get(): Tokens | null {
    try {
      const raw = localStorage.getItem(this.key);
      return raw ? (JSON.parse(raw) as Tokens) : null;
    } catch {
      return null;
    }
  }

  set(tokens: Tokens): void {
    localStorage.setItem(
      this.key,
      JSON.stringify({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken }),
    );
  }

  clear(): void {
    localStorage.removeItem(this.key);
  }
}

export type ConnectionState = "connecting" | "connected" | "closed";

export interface GatewayOptions {
  store: TokenStore;
  /** Default: `/graphql` on this origin (the Vite dev server proxies it). */
  httpUrl?: string;
  /** Default: ws(s)://<this host>/graphql. */
  wsUrl?: string;
  /** The session could not be refreshed: show the sign-in screen. */
  onSignedOut?: () => void;
  onConnection?: (state: ConnectionState) => void;
}

const REFRESH = gql`
  mutation Refresh($refreshToken: String!) {
    refreshToken(refreshToken: $refreshToken) {
      accessToken
      refreshToken
    }
  }
`;

export interface SubscriptionHandlers<T> {
  next: (data: T) => void;
  /** The subscription ended with an error; it is not restarted by this class. */
  error: (error: GatewayError) => void;
  /** The server completed the subscription. */
  complete?: () => void;
}

export class Gateway {
  readonly store: TokenStore;
  readonly urql: Client;
  readonly ws: WsClient;
  private refreshing: Promise<boolean> | null = null;
  private readonly onSignedOut: (() => void) | undefined;

  constructor(options: GatewayOptions) {
    this.store = options.store;
    this.onSignedOut = options.onSignedOut;
    const wsUrl = options.wsUrl ?? `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;
    this.ws = createWsClient({
      url: wsUrl,
      lazy: true,
      // Close the socket shortly after the last subscription ends.
      lazyCloseTimeout: 1000,
      retryAttempts: 0,
      connectionParams: () => {
        const token = this.store.get()?.accessToken;
        return token ? { Authorization: `Bearer ${token}` } : {};
      },
      on: {
        connecting: () => options.onConnection?.("connecting"),
        connected: () => options.onConnection?.("connected"),
        closed: () => options.onConnection?.("closed"),
      },
    });
    this.urql = new Client({
      url: options.httpUrl ?? "/graphql",
      preferGetMethod: false,
      requestPolicy: "network-only",
      fetchOptions: () => {
        const token = this.store.get()?.accessToken;
        return token ? { headers: { Authorization: `Bearer ${token}` } } : {};
      },
      exchanges: [
        fetchExchange,
        subscriptionExchange({
          forwardSubscription: (request) => ({
            subscribe: (sink) => ({
              unsubscribe: this.ws.subscribe({ query: request.query ?? "", variables: request.variables }, sink),
            }),
          }),
        }),
      ],
    });
  }

  get signedIn(): boolean {
    return this.store.get() !== null;
  }

  /** Runs a query; throws GatewayError. Refreshes the session once on UNAUTHENTICATED. */
  query<T, V extends AnyVariables = AnyVariables>(doc: DocumentInput<T, V>, variables: V): Promise<T> {
    return this.withRefresh(async () => {
      const result = await this.urql.query(doc, variables).toPromise();
      if (result.error) throw GatewayError.from(result.error);
      return result.data as T;
    });
  }

  /** Runs a mutation; throws GatewayError. Refreshes the session once on UNAUTHENTICATED. */
  mutate<T, V extends AnyVariables = AnyVariables>(doc: DocumentInput<T, V>, variables: V): Promise<T> {
    return this.withRefresh(async () => {
      const result = await this.urql.mutation(doc, variables).toPromise();
      if (result.error) throw GatewayError.from(result.error);
      return result.data as T;
    });
  }

  /** Starts a subscription; returns the function that stops it. */
  subscribe<T, V extends AnyVariables = AnyVariables>(
    doc: DocumentInput<T, V>,
    variables: V,
    handlers: SubscriptionHandlers<T>,
  ): () => void {
    let ended = false;
    const { unsubscribe } = pipe(
      this.urql.subscription(doc, variables),
      onEnd(() => {
        // Also after an error result (handled below) or our own unsubscribe.
        if (ended) return;
        ended = true;
        handlers.complete?.();
      }),
      subscribe((result) => {
        if (ended) return;
        if (result.error) {
          ended = true;
          handlers.error(GatewayError.from(result.error));
          return;
        }
        if (result.data) handlers.next(result.data as T);
      }),
    );
    return () => {
      ended = true;
      unsubscribe();
    };
  }

  /** Trades the refresh token for a new pair; false (and signed out) when refused. */
  refresh(): Promise<boolean> {
    this.refreshing ??= (async () => {
      const tokens = this.store.get();
      if (!tokens) return false;
      const result = await this.urql.mutation(REFRESH, { refreshToken: tokens.refreshToken }).toPromise();
      const fresh = (result.data as { refreshToken?: Tokens } | undefined)?.refreshToken;
      if (fresh) {
        this.store.set(fresh);
        return true;
      }
      const error = result.error ? GatewayError.from(result.error) : null;
      if (error && !error.network) {
        this.store.clear();
        this.onSignedOut?.();
      }
      return false;
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** Ends the session on the server (best effort) and forgets the tokens. */
  async signOut(): Promise<void> {
    try {
      await this.urql
        .mutation(
          gql`
            mutation Logout {
              logout
            }
          `,
          {},
        )
        .toPromise();
    } finally {
      this.store.clear();
      this.ws.terminate();
    }
  }

  private async withRefresh<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (
        error instanceof GatewayError &&
        error.code === "UNAUTHENTICATED" &&
        this.store.get() &&
        (await this.refresh())
      ) {
        return call();
      }
      throw error;
    }
  }
}

/** A short human message for an error, with the field details of BAD_USER_INPUT / CONFLICT. */
export function describe(error: unknown): string {
  if (error instanceof GatewayError) {
    if (error.code === "RATE_LIMITED") return `Too many requests, retry in ${error.retryAfter ?? 60} s`;
    // The message usually names the field already ("code: Invalid or expired code").
    const extra = Object.entries(error.fields)
      .filter(([, message]) => !error.message.includes(message))
      .map(([field, message]) => `${field}: ${message}`);
    return extra.length ? `${error.message} (${extra.join(", ")})` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** A random id for `clientMessageId` / `state` (crypto.randomUUID needs a secure context). */
export function randomId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
