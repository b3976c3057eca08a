#!/usr/bin/env node
// Runs the graphql-http server audits (GraphQL over HTTP spec conformance)
// against <url> and prints a one-line JSON summary on stdout:
//
//   {"ok":N,"notice":N,"warn":N,"error":N,
//    "failures":[{"id":"...","name":"...","status":"...","reason":"..."}]}
//
// `failures` lists every result whose status is not "ok". An audit that
// throws (network failure, timeout, ...) is reported as status "error" with a
// reason starting with "fatal:". Response details of failures go to stderr.
// The exit code is 0 whenever the audits ran; the Rust test decides what to
// assert. Usage errors exit 2.
//
// Usage: node graphql-http-audit.mjs http://127.0.0.1:8000/graphql
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  process.stderr.write('usage: node graphql-http-audit.mjs <graphql-url>\n');
  process.exit(2);
}

const TIMEOUT_MS = Number(process.env.AUDIT_TIMEOUT_MS || 10000);

// Global fetch with a per-request timeout so a hanging server cannot hang the test.
const fetchFn = (input, init = {}) =>
  fetch(input, { ...init, signal: init.signal ?? AbortSignal.timeout(TIMEOUT_MS) });

async function describeResponse(res) {
  if (!res || typeof res.status !== 'number') return '';
  let body = '';
  try {
    body = await res.clone().text();
  } catch {
    // body already consumed or unreadable
  }
  if (body.length > 500) body = `${body.slice(0, 500)}...`;
  return `HTTP ${res.status} ${res.headers?.get?.('content-type') ?? ''} ${body}`.trim();
}

const summary = { ok: 0, notice: 0, warn: 0, error: 0, failures: [] };

// Sequential on purpose: keeps load on the server low and output deterministic.
for (const { id, name, fn } of serverAudits({ url, fetchFn })) {
  let result;
  try {
    result = await fn();
  } catch (err) {
    const cause = err?.cause?.message ? ` (${err.cause.message})` : '';
    result = {
      id,
      name,
      status: 'error',
      reason: `fatal: ${err?.message ?? String(err)}${cause}`,
    };
  }
  const status = ['ok', 'notice', 'warn', 'error'].includes(result.status)
    ? result.status
    : 'error';
  summary[status] += 1;
  if (status !== 'ok') {
    summary.failures.push({ id, name, status, reason: String(result.reason ?? '') });
    const details = await describeResponse(result.response);
    process.stderr.write(`[${status}] ${id} ${name}: ${result.reason}${details ? `\n    ${details}` : ''}\n`);
  }
}

process.stdout.write(`${JSON.stringify(summary)}\n`);
process.exitCode = 0;
