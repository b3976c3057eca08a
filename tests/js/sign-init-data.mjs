#!/usr/bin/env node
// Produces a signed Telegram Mini App initData query string, exactly like
// Telegram would, using @telegram-apps/init-data-node.
//
// Usage: node sign-init-data.mjs '<json>'
//   {"botToken": "123:ABC", "authDate": 1700000000,
//    "data": {"user": {"id": 1, "first_name": "A", ...}, "query_id": "...",
//             "chat_instance": "...", "chat_type": "...", "start_param": "...", ...}}
//
// Prints only the initData string (plus a newline) on stdout.
//
// Notes on @telegram-apps/init-data-node v2:
//  * signature: sign(data, botToken, authDate: Date, options?) -> string
//  * it serialises nested objects (user, receiver, chat) with JSON.stringify
//    as given, so keys must be Telegram's snake_case. camelCase keys in the
//    input (firstName, allowsWriteToPm, queryId, ...) are converted to
//    snake_case here; snake_case input passes through unchanged.
//  * it always emits a `signature` field (empty unless data.signature is set)
//    which is part of the HMAC data-check-string, like in real Telegram data.
import { sign } from '@telegram-apps/init-data-node';

function fail(msg) {
  process.stderr.write(`sign-init-data: ${msg}\n`);
  process.exit(2);
}

const toSnake = (key) => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

function snakeKeys(value) {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [toSnake(k), snakeKeys(v)]));
  }
  return value;
}

if (!process.argv[2]) fail("usage: node sign-init-data.mjs '{\"botToken\":...,\"authDate\":...,\"data\":{...}}'");

let input;
try {
  input = JSON.parse(process.argv[2]);
} catch (err) {
  fail(`argument is not valid JSON: ${err.message}`);
}

const { botToken, authDate } = input ?? {};
if (typeof botToken !== 'string' || botToken === '') fail('"botToken" must be a non-empty string');
if (!Number.isFinite(authDate)) fail('"authDate" must be a number (unix seconds)');
const data = input.data ?? {};
if (typeof data !== 'object' || Array.isArray(data)) fail('"data" must be an object');

// Top-level keys and nested object keys to snake_case; auth_date and hash are
// set by sign() itself, so drop them if a caller passed them.
const payload = snakeKeys(data);
delete payload.auth_date;
delete payload.hash;

let initData;
try {
  initData = sign(payload, botToken, new Date(authDate * 1000));
} catch (err) {
  fail(`signing failed: ${err?.message ?? err}`);
}

process.stdout.write(`${initData}\n`);
