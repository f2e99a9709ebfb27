// Small helpers shared by the targets and the tests: free ports, waiting, form posts, JWT pieces,
// and the observation log the differential report is built from.
import { createServer } from 'node:net';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `fn` until it returns a truthy value (returned) or `ms` have passed (throws). */
export async function waitUntil(fn, { ms = 30_000, every = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(every);
  }
}

export const b64url = {
  encode: (data) => Buffer.from(typeof data === 'string' ? data : JSON.stringify(data)).toString('base64url'),
  decodeJson: (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')),
};

/** The (unverified) header and payload of a compact JWS. */
export function decodeJwt(jwt) {
  const parts = String(jwt).split('.');
  if (parts.length !== 3) throw new Error(`not a compact JWS (${parts.length} parts)`);
  return { header: b64url.decodeJson(parts[0]), payload: b64url.decodeJson(parts[1]), parts };
}

export function isJwt(token) {
  try {
    decodeJwt(token);
    return true;
  } catch {
    return false;
  }
}

export function basicAuth(id, secret) {
  // RFC 6749 §2.3.1: form-urlencode both parts before base64.
  const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

/** A raw form POST; returns { status, headers, text, json }. Never throws on HTTP errors. */
export async function postForm(url, params, { headers = {}, auth } = {}) {
  const h = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers };
  if (auth) h.authorization = basicAuth(auth.id, auth.secret);
  const res = await fetch(url, { method: 'POST', headers: h, body: new URLSearchParams(params).toString(), redirect: 'manual' });
  return readResponse(res);
}

export async function get(url, { headers = {} } = {}) {
  const res = await fetch(url, { headers, redirect: 'manual' });
  return readResponse(res);
}

export async function readResponse(res) {
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A short, one-line excerpt of a response for assertion messages. */
export function excerpt(r) {
  const body = (r.text ?? '').replace(/\s+/g, ' ').slice(0, 300);
  return `HTTP ${r.status} ${body}`;
}

/**
 * Records what a target answered (status, error value...) under a key, so run.sh can compare
 * the targets afterwards: a difference between Warden and oidc-provider is a finding even when
 * both pass. No-op unless CONFORMANCE_OBS_DIR is set.
 */
export function observe(target, key, value) {
  const dir = process.env.CONFORMANCE_OBS_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, 'observations.jsonl'), `${JSON.stringify({ target: target.name, kind: target.kind, key, value })}\n`);
}

export function randomName(prefix) {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}
