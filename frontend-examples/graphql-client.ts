// A minimal GraphQL client for a Telegram Mini App talking to messenger-gateway.
//
// It uses plain `fetch`, so there are no dependencies. The flow:
//   1. authenticateTelegram(window.Telegram.WebApp.initData) -> access token + user
//   2. `me` with `Authorization: Bearer <accessToken>`
// Errors are turned into a GatewayError carrying the server's `extensions.code`.

/** Where the gateway's GraphQL endpoint is. Same origin by default. */
export const GRAPHQL_URL = "/graphql";

/** The `extensions.code` values the gateway sends (see the README, "Errors"). */
export type ErrorCode =
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "BAD_USER_INPUT"
  | "CONFLICT"
  | "RATE_LIMITED"
  | "SERVICE_UNAVAILABLE"
  | "INTERNAL"
  // A malformed HTTP request (bad JSON, wrong content type, mutation over GET).
  | "BAD_REQUEST";

export interface GraphQLErrorExtensions {
  code?: ErrorCode;
  /** BAD_USER_INPUT / CONFLICT: argument or field name -> message. */
  fields?: Record<string, string>;
  /** RATE_LIMITED: seconds to wait before retrying. */
  retryAfter?: number;
  [key: string]: unknown;
}

export interface GraphQLError {
  message: string;
  path?: ReadonlyArray<string | number>;
  locations?: ReadonlyArray<{ line: number; column: number }>;
  extensions?: GraphQLErrorExtensions;
}

/** A response body. `data` is absent when the request failed before running. */
export interface GraphQLResponse<TData> {
  data?: TData | null;
  errors?: GraphQLError[];
}

/** Thrown for any failed operation. `code` is the first error's `extensions.code`. */
export class GatewayError extends Error {
  readonly status: number;
  readonly errors: GraphQLError[];

  constructor(status: number, errors: GraphQLError[]) {
    super(errors.map((e) => e.message).join("; ") || `HTTP ${status}`);
    this.name = "GatewayError";
    this.status = status;
    this.errors = errors;
  }

  get code(): ErrorCode | undefined {
    return this.errors[0]?.extensions?.code;
  }

  /** Field -> message details of a BAD_USER_INPUT or CONFLICT error. */
  get fields(): Record<string, string> {
    return this.errors[0]?.extensions?.fields ?? {};
  }

  /** Seconds to wait, for RATE_LIMITED. */
  get retryAfter(): number | undefined {
    return this.errors[0]?.extensions?.retryAfter;
  }
}

export interface RequestOptions {
  /** A full `Authorization` value: `Bearer <accessToken>` or `tma <initData>`. */
  authorization?: string;
  signal?: AbortSignal;
  url?: string;
}

/** POSTs one operation and returns its `data`, or throws a GatewayError. */
export async function graphql<TData, TVariables extends Record<string, unknown> = Record<string, never>>(
  query: string,
  variables?: TVariables,
  options: RequestOptions = {},
): Promise<TData> {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    // Prefer the GraphQL-over-HTTP media type: request errors then come with a 4xx status.
    Accept: "application/graphql-response+json, application/json;q=0.9",
  };
  if (options.authorization) headers.Authorization = options.authorization;

  const response = await fetch(options.url ?? GRAPHQL_URL, {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables: variables ?? {} }),
    signal: options.signal ?? null,
  });

  let body: GraphQLResponse<TData>;
  try {
    body = (await response.json()) as GraphQLResponse<TData>;
  } catch {
    // e.g. 413 (body too large) answers in plain text.
    throw new GatewayError(response.status, [{ message: `HTTP ${response.status} ${response.statusText}` }]);
  }
  if (body.errors?.length) throw new GatewayError(response.status, body.errors);
  if (!response.ok || body.data == null) {
    throw new GatewayError(response.status, [{ message: `HTTP ${response.status} without data` }]);
  }
  return body.data;
}

// ---------------------------------------------------------------- operations

/** `User` fields used here. `telegramId` is a `BigInt`, sent as a JSON number. */
export interface User {
  id: string;
  telegramId: number | null;
  username: string | null;
  displayName: string;
  firstName: string | null;
  lastName: string | null;
  languageCode: string;
  isPremium: boolean;
  avatarUrl: string | null;
  /** Only ever non-null on your own profile. */
  email: string | null;
}

const USER_FIELDS = `
  id telegramId username displayName firstName lastName languageCode isPremium avatarUrl email
`;

export interface AuthPayload {
  accessToken: string;
  refreshToken: string;
  tokenType: string;
  /** Seconds until `accessToken` expires. */
  expiresIn: number;
  user: User;
}

const AUTHENTICATE_TELEGRAM = `
  mutation AuthenticateTelegram($initData: String!) {
    authenticateTelegram(initData: $initData) {
      accessToken refreshToken tokenType expiresIn
      user { ${USER_FIELDS} }
    }
  }
`;

const ME = `query Me { me { ${USER_FIELDS} } }`;

/** Signs the Telegram user in; creates the account on first use. */
export async function authenticateTelegram(initData: string): Promise<AuthPayload> {
  const data = await graphql<{ authenticateTelegram: AuthPayload }, { initData: string }>(AUTHENTICATE_TELEGRAM, {
    initData,
  });
  return data.authenticateTelegram;
}

/** The caller's own profile. */
export async function me(accessToken: string): Promise<User> {
  const data = await graphql<{ me: User }>(ME, undefined, { authorization: `Bearer ${accessToken}` });
  return data.me;
}

// ---------------------------------------------------------------- Mini App glue

/** The part of Telegram's `telegram-web-app.js` this example uses. */
declare global {
  interface Window {
    Telegram?: { WebApp: { initData: string } };
  }
}

function telegramInitData(): string {
  const initData = window.Telegram?.WebApp.initData;
  if (!initData) throw new Error("Not inside Telegram: window.Telegram.WebApp.initData is empty");
  return initData;
}

/**
 * Holds the access token and signs in again with fresh initData when the token is
 * rejected. Access tokens are short-lived, and the Mini App's initData stays valid for
 * INIT_DATA_MAX_AGE_SECONDS (24 h by default).
 */
export class Session {
  private token: string | null = null;

  async accessToken(): Promise<string> {
    if (!this.token) this.token = (await authenticateTelegram(telegramInitData())).accessToken;
    return this.token;
  }

  /** Runs `call` with a token. On UNAUTHENTICATED, signs in again once and retries. */
  async run<T>(call: (token: string) => Promise<T>): Promise<T> {
    try {
      return await call(await this.accessToken());
    } catch (error) {
      if (error instanceof GatewayError && error.code === "UNAUTHENTICATED" && this.token) {
        this.token = null;
        return call(await this.accessToken());
      }
      throw error;
    }
  }
}

/** Example: sign in, load `me`, and react to the error codes. */
export async function loadProfile(session = new Session()): Promise<User | null> {
  try {
    return await session.run((token) => me(token));
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error; // network failure, not in Telegram, ...
    switch (error.code) {
      case "UNAUTHENTICATED":
        // initData is invalid or too old: ask the user to reopen the Mini App.
        console.warn("Sign-in refused:", error.message);
        return null;
      case "RATE_LIMITED":
        console.warn(`Rate limited; retry in ${error.retryAfter ?? 60} s`);
        return null;
      case "SERVICE_UNAVAILABLE":
        console.warn("The service is temporarily unavailable; retry later");
        return null;
      case "BAD_USER_INPUT":
        console.warn("Invalid input:", error.fields);
        return null;
      default:
        throw error;
    }
  }
}
