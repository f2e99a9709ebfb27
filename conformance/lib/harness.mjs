// The harness: one browser per test file, every test registered once per target, and the flows
// the tests share (browser authorization with the RP callback captured by page.route, the code
// flow through openid-client, raw endpoint calls for the negative cases).
import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';
import * as client from 'openid-client';
import * as oauth from 'oauth4webapi';
import { selectedTargets, startTarget, rpUrls } from './targets.mjs';
import { sleep, excerpt } from './util.mjs';

export { client, oauth };

const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execSync('command -v chromium', { shell: '/bin/sh' }).toString().trim();
  } catch {
    throw new Error('chromium not found (apt-get install -y chromium chromium-driver; conformance/run.sh does it)');
  }
}

/**
 * Registers `body(ctx)` once per selected target, inside describe(title) → describe(target).
 * ctx.target etc. are valid inside tests and hooks (not at registration time).
 */
export function conformance(title, body, { browser: wantBrowser = true } = {}) {
  describe(title, () => {
    const shared = { browser: null, rp: null };
    before(async () => {
      shared.rpServer = await startRp();
      shared.rp = rpUrls(`http://127.0.0.1:${shared.rpServer.address().port}`);
      if (wantBrowser) shared.browser = await chromium.launch({ executablePath: chromiumPath(), args: BROWSER_ARGS });
    });
    after(async () => {
      await shared.browser?.close();
      await new Promise((r) => (shared.rpServer ? shared.rpServer.close(r) : r()));
    });
    for (const name of selectedTargets()) {
      describe(name, () => {
        const ctx = new Ctx(name, shared);
        before(async () => {
          ctx.target = await startTarget(name, shared.rp);
        }, { timeout: 180_000 });
        after(async () => {
          await ctx.closeSessions();
          const problems = (await ctx.target?.stop()) || [];
          assert.deepEqual(problems, [], `${name} had problems:\n${problems.join('\n')}`);
        }, { timeout: 60_000 });
        body(ctx);
      });
    }
  });
}

class Ctx {
  constructor(name, shared) {
    this.name = name;
    this.shared = shared;
    this.target = null;
    this.sessions = new Set();
    this.cache = new Map();
  }

  get rp() {
    return this.shared.rp;
  }

  get browser() {
    return this.shared.browser;
  }

  get selectors() {
    return this.target.selectors;
  }

  /**
   * The answer a test expects under `key`: the RFC's `want`, unless the target has a documented
   * deviation for it (targets.mjs); either way the observed answer is recorded for the report.
   */
  expected(key, want) {
    const dev = this.target.features.deviations?.[key];
    return dev ? { ...want, ...dev } : want;
  }

  user(name = 'alice') {
    return this.target.users[name];
  }

  clientInfo(key) {
    const c = this.target.clients[key];
    assert.ok(c, `${this.name} has no client ${key}`);
    return c;
  }

  /** The discovery document (raw JSON). */
  async metadata() {
    if (!this.cache.has('meta')) {
      const r = await fetch(`${this.target.issuer}/.well-known/openid-configuration`);
      assert.equal(r.status, 200, `discovery: HTTP ${r.status}`);
      this.cache.set('meta', await r.json());
    }
    return this.cache.get('meta');
  }

  /** An openid-client Configuration for one of the target's clients (cached). */
  async config(key = 'basic') {
    const ck = `config:${key}`;
    if (!this.cache.has(ck)) {
      const c = this.clientInfo(key);
      const auth = c.auth === 'none' ? client.None() : c.auth === 'client_secret_post' ? client.ClientSecretPost(c.secret) : client.ClientSecretBasic(c.secret);
      const cfg = await client.discovery(new URL(this.target.issuer), c.id, undefined, auth, { execute: [client.allowInsecureRequests] });
      this.cache.set(ck, cfg);
    }
    return this.cache.get(ck);
  }

  /** oauth4webapi's AuthorizationServer (processed discovery). */
  async as() {
    if (!this.cache.has('as')) {
      const issuer = new URL(this.target.issuer);
      const res = await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true });
      this.cache.set('as', await oauth.processDiscoveryResponse(issuer, res));
    }
    return this.cache.get('as');
  }

  /** oauth4webapi { client, auth } for one of the target's clients. */
  o4(key = 'basic') {
    const c = this.clientInfo(key);
    const auth = c.auth === 'none' ? oauth.None() : c.auth === 'client_secret_post' ? oauth.ClientSecretPost(c.secret) : oauth.ClientSecretBasic(c.secret);
    return { client: { client_id: c.id }, auth };
  }

  // ---------------------------------------------------------------- browser sessions
  /**
   * A fresh browser context (no cookies) whose requests to the RP are captured. Playwright's
   * page.route/context.route never see redirect hops (by design), and the OP reaches the RP by
   * a redirect, so the RP is a real loopback listener (startRp) and the capture is the
   * context's `request` event, which does fire for every hop.
   */
  async newSession() {
    const context = await this.browser.newContext();
    const session = { context, callbacks: [], async close() { await context.close().catch(() => {}); } };
    const base = `${this.rp.base}/`;
    context.on('request', (req) => {
      if (!req.url().startsWith(base)) return;
      session.callbacks.push({ url: req.url(), method: req.method(), body: req.postData() ?? '', at: Date.now() });
    });
    this.sessions.add(session);
    return session;
  }

  async closeSessions() {
    for (const s of this.sessions) await s.close();
    this.sessions.clear();
  }

  /**
   * Opens `url` (an authorization or logout request) in a new page of `session` and drives it:
   * logs in as `user` when the login page appears (once), sets a new password when asked,
   * confirms consent (oidc-provider's third-party client), until the RP is reached or a page
   * that needs a decision is shown.
   * Returns { kind: 'callback'|'login'|'consent'|'error'|'logout'|'new_password'|'page', page,
   *           status (last main-frame HTTP status), callback?, params?, currentUrl?, errorText? }.
   */
  async authorize(session, url, { user, consent = true, post = false, timeout = 15_000, confirmLogout = false } = {}) {
    const page = await session.context.newPage();
    const start = session.callbacks.length;
    const nav = { status: undefined, chain: [], console: [] };
    page.on('console', (m) => {
      if (m.type() === 'error') nav.console.push(m.text());
    });
    page.on('response', (r) => {
      try {
        if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) {
          nav.status = r.status();
          nav.chain.push(`${r.status()} ${r.url()}`);
        }
      } catch { /* page closed */ }
    });
    if (post) {
      const u = new URL(url);
      const inputs = [...u.searchParams].map(([k, v]) => `<input type="hidden" name="${escapeAttr(k)}" value="${escapeAttr(v)}">`).join('');
      await page.setContent(`<form id="f" method="post" action="${escapeAttr(u.origin + u.pathname)}">${inputs}</form>`);
      await Promise.all([page.waitForNavigation({ timeout }).catch(() => {}), page.evaluate(() => document.getElementById('f').submit())]);
    } else {
      await page.goto(String(url), { timeout }).catch((e) => { nav.gotoError = e.message; });
    }
    let loggedIn = false;
    let passwordSet = false;
    let consented = false;
    let loggedOut = false;
    for (;;) {
      const state = await this.waitForState(page, session, start, timeout);
      if (state === 'callback') return this.callbackResult(page, session, start, nav);
      if (state === 'login' && user && !loggedIn) {
        loggedIn = true;
        await this.submitLogin(page, user);
        continue;
      }
      if (state === 'new_password' && user?.newPassword && !passwordSet) {
        passwordSet = true;
        await page.fill(this.selectors.newPassword, user.newPassword);
        await page.fill(this.selectors.confirmPassword, user.newPassword);
        await clickAndWait(page, this.selectors.submit);
        continue;
      }
      if (state === 'consent' && consent && !consented) {
        consented = true;
        await clickAndWait(page, this.selectors.consent);
        continue;
      }
      if (state === 'logout' && confirmLogout && !loggedOut) {
        loggedOut = true;
        await clickAndWait(page, this.selectors.logoutConfirm);
        continue;
      }
      const html = await page.content().catch(() => '');
      const errorText = state === 'error' ? (await page.textContent(this.selectors.error).catch(() => ''))?.trim() : undefined;
      return { kind: state, page, status: nav.status, chain: nav.chain, html, errorText, gotoError: nav.gotoError, console: nav.console, callbacks: session.callbacks.slice(start) };
    }
  }

  async submitLogin(page, user) {
    await page.fill(this.selectors.username, user.username);
    await page.fill(this.selectors.password, user.password);
    await clickAndWait(page, this.selectors.submit);
  }

  async submitNewPassword(page, password) {
    await page.fill(this.selectors.newPassword, password);
    await page.fill(this.selectors.confirmPassword, password);
    await clickAndWait(page, this.selectors.submit);
  }

  /** Waits until the RP was reached or the page shows something we recognise. */
  async waitForState(page, session, start, timeout) {
    const deadline = Date.now() + timeout;
    const s = this.selectors;
    for (;;) {
      if (session.callbacks.length > start) return 'callback';
      try {
        // Order matters: the new-password and TOTP pages may carry the username as a hidden input.
        if (await page.$(s.newPassword)) return 'new_password';
        if (await page.$(`${s.username}:not([type=hidden])`)) return 'login';
        if (s.consent && await page.$(s.consent)) return 'consent';
        if (await page.$(s.error)) return 'error';
        if (await page.$(`form ${s.logoutConfirm}, ${s.logoutConfirm}[form]`)) {
          // A form page that is not the login page: the logout confirmation (settle first: a
          // form_post response page also has a form, and submits itself).
          await sleep(300);
          if (session.callbacks.length > start) return 'callback';
          if (await page.$(s.logoutConfirm)) return 'logout';
        }
      } catch { /* navigating */ }
      if (Date.now() > deadline) return 'page';
      await sleep(50);
    }
  }

  async callbackResult(page, session, start, nav) {
    const cb = session.callbacks[start];
    await page.waitForLoadState('load').catch(() => {});
    const url = new URL(cb.url);
    let params;
    let currentUrl;
    if (cb.method === 'POST') {
      params = new URLSearchParams(cb.body);
      currentUrl = new Request(cb.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: cb.body });
    } else {
      const finalUrl = new URL(page.url());
      if (finalUrl.hash.length > 1 && !url.search) {
        params = new URLSearchParams(finalUrl.hash.slice(1));
        url.hash = finalUrl.hash;
      } else {
        params = url.searchParams;
      }
      currentUrl = url;
    }
    return { kind: 'callback', page, status: nav.status, chain: nav.chain, callback: cb, url, params, currentUrl };
  }

  /** Asserts an authorize() result reached the RP; the message says where it stopped otherwise. */
  expectCallback(res, what = 'authorization') {
    if (res.kind !== 'callback') {
      const chain = (res.chain || []).map((c) => (c.length > 110 ? `${c.slice(0, 110)}…` : c)).join(' -> ');
      const consoleErrors = res.console?.length ? `; browser console: ${res.console.join(' | ').slice(0, 400)}` : '';
      const body = (res.html || '').replace(/<style[^]*?<\/style>/g, '').replace(/value="[^"]{40,}"/g, 'value="…"').replace(/\s+/g, ' ');
      assert.fail(`${what}: expected a redirect to the RP, got a ${res.kind} page (HTTP ${res.status}${res.errorText ? `, error ${res.errorText}` : ''}); chain: ${chain}${consoleErrors}; body: ${body.slice(0, 400)}`);
    }
    return res;
  }

  /**
   * The authorization code flow through openid-client: PKCE (S256), state, nonce; the browser
   * logs in as `user` if asked to. Returns { tokens, claims, res, verifier, state, nonce }.
   */
  async codeFlow({ client: key = 'basic', session, user = 'alice', scope = 'openid email profile', nonce = true, state = true,
    pkce = true, extra = {}, redirectUri, maxAge, post = false, idTokenExpected = true } = {}) {
    const cfg = await this.config(key);
    const s = session || await this.newSession();
    const verifier = client.randomPKCECodeVerifier();
    const params = { redirect_uri: redirectUri || this.rp.callback, scope, ...extra };
    const st = state ? client.randomState() : undefined;
    const nn = nonce ? client.randomNonce() : undefined;
    if (st) params.state = st;
    if (nn) params.nonce = nn;
    if (pkce) {
      params.code_challenge = await client.calculatePKCECodeChallenge(verifier);
      params.code_challenge_method = 'S256';
    }
    if (maxAge !== undefined) params.max_age = String(maxAge);
    const url = client.buildAuthorizationUrl(cfg, params);
    const res = this.expectCallback(await this.authorize(s, url, { user: user && this.user(user) }));
    assert.ok(!res.params.get('error'), `authorization error: ${res.params.get('error')} ${res.params.get('error_description') ?? ''}`);
    const tokens = await client.authorizationCodeGrant(cfg, res.currentUrl, {
      pkceCodeVerifier: pkce ? verifier : undefined,
      expectedState: st ?? client.skipStateCheck,
      expectedNonce: nn,
      idTokenExpected,
      maxAge,
    });
    await res.page.close().catch(() => {});
    return { tokens, claims: tokens.claims(), res, verifier, state: st, nonce: nn, session: s, url };
  }

  /**
   * Runs an authorization request in the browser and returns the authorize() result without
   * redeeming anything (for error cases and raw token calls).
   */
  async authorizeOnly({ client: key = 'basic', session, user = 'alice', scope = 'openid', params = {}, pkce = true, post = false, raw = false, consent = true } = {}) {
    const c = this.clientInfo(key);
    const meta = await this.metadata();
    const verifier = client.randomPKCECodeVerifier();
    const q = new URLSearchParams();
    if (!raw) {
      q.set('client_id', c.id);
      q.set('response_type', 'code');
      q.set('redirect_uri', this.rp.callback);
      q.set('scope', scope);
      q.set('state', client.randomState());
      q.set('nonce', client.randomNonce());
      if (pkce) {
        q.set('code_challenge', await client.calculatePKCECodeChallenge(verifier));
        q.set('code_challenge_method', 'S256');
      }
    }
    for (const [k, v] of Object.entries(params)) {
      if (v === undefined || v === null) q.delete(k);
      else q.set(k, v);
    }
    const url = `${meta.authorization_endpoint}?${q}`;
    const s = session || await this.newSession();
    const res = await this.authorize(s, url, { user: user && this.user(user), post, consent });
    return { ...res, verifier, state: q.get('state'), nonce: q.get('nonce'), requestParams: q, session: s };
  }

  /** A raw token request with oauth4webapi's client authentication; returns { status, json, text }. */
  async tokenRequest(key, grantType, params) {
    const as = await this.as();
    const { client: c, auth } = this.o4(key);
    const res = await oauth.genericTokenEndpointRequest(as, c, auth, grantType, params, { [oauth.allowInsecureRequests]: true });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, headers: res.headers, json, text };
  }

  /** Exchanges a code (from an authorize() result) with a raw request. */
  async redeem(key, code, verifier, redirectUri) {
    const p = { code, redirect_uri: redirectUri || this.rp.callback };
    if (verifier) p.code_verifier = verifier;
    return this.tokenRequest(key, 'authorization_code', p);
  }

  /** GET userinfo with a bearer token; returns { status, json, text, headers }. */
  async userinfo(token, { method = 'GET', in: where = 'header' } = {}) {
    const meta = await this.metadata();
    const init = { method, headers: {} };
    if (where === 'header') init.headers.authorization = `Bearer ${token}`;
    if (where === 'body') {
      init.headers['content-type'] = 'application/x-www-form-urlencoded';
      init.body = new URLSearchParams({ access_token: token }).toString();
    } else if (method === 'POST') {
      init.headers['content-type'] = 'application/x-www-form-urlencoded';
      init.body = '';
    }
    const res = await fetch(meta.userinfo_endpoint, init);
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, headers: res.headers, json, text };
  }

  /** POST to introspection with the given client's credentials (null = none). */
  async introspect(token, key = 'basic', extra = {}) {
    const meta = await this.metadata();
    const headers = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    const body = new URLSearchParams({ token, ...extra });
    if (key) applyClientAuth(this.clientInfo(key), headers, body);
    const res = await fetch(meta.introspection_endpoint, { method: 'POST', headers, body: body.toString() });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, headers: res.headers, json, text };
  }

  async revoke(token, key = 'basic', extra = {}) {
    const meta = await this.metadata();
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const body = new URLSearchParams({ token, ...extra });
    if (key) applyClientAuth(this.clientInfo(key), headers, body);
    const res = await fetch(meta.revocation_endpoint, { method: 'POST', headers, body: body.toString() });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, headers: res.headers, json, text };
  }
}

/** The relying party: a loopback listener answering every request with a small page. */
function startRp() {
  return new Promise((resolve) => {
    const srv = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end('<!DOCTYPE html><title>RP</title><p id="rp-done">RP callback reached</p>');
      });
    });
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

function applyClientAuth(c, headers, body) {
  if (c.auth === 'client_secret_basic') {
    const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+');
    headers.authorization = `Basic ${Buffer.from(`${enc(c.id)}:${enc(c.secret)}`).toString('base64')}`;
  } else if (c.auth === 'client_secret_post') {
    body.set('client_id', c.id);
    body.set('client_secret', c.secret);
  } else {
    body.set('client_id', c.id);
  }
}

async function clickAndWait(page, selector) {
  await Promise.all([
    page.waitForNavigation({ timeout: 15_000 }).catch(() => {}),
    page.click(selector),
  ]);
}

function escapeAttr(s) {
  return String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** Asserts a token-endpoint style error: HTTP status and `error`. */
export function assertOAuthError(r, { status, error }, what = 'response') {
  if (status !== undefined) {
    const ok = Array.isArray(status) ? status.includes(r.status) : r.status === status;
    assert.ok(ok, `${what}: expected HTTP ${status}, got ${excerpt(r)}`);
  }
  if (error !== undefined) {
    const ok = Array.isArray(error) ? error.includes(r.json?.error) : r.json?.error === error;
    assert.ok(ok, `${what}: expected error ${error}, got ${excerpt(r)}`);
  }
}

export { assert, excerpt };
