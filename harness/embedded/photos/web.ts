// The few web pages the browser flows need, behaving like Immich's: the login page (OAuth button, auto
// launch, callback handling), a signed-in page and user settings with OAuth link/unlink. Every page
// names itself "reference model of Immich <version>" so a screenshot never reads as the real product.

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON for a <script> block (no "</script>" break-out). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function page(name: string, title: string, body: string, script = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · ${esc(name)}</title>
<style>body{font-family:sans-serif;max-width:40rem;margin:2rem auto}[role=alert]{color:#b00}.model{color:#666;font-size:.9em}</style>
</head><body>
<p class="model" id="model-name">${esc(name)}</p>
${body}
${script ? `<script>${script}</script>` : ''}
</body></html>`;
}

// Shared by both pages: show an error in the alert element.
const SHOW_ERROR = `
function showError(message) {
  const el = document.getElementById('error');
  el.textContent = message;
  el.hidden = false;
}
async function postJson(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, credentials: 'same-origin', body: JSON.stringify(body) });
  let json = {};
  try { json = await res.json(); } catch {}
  return { ok: res.ok, status: res.status, body: json };
}
function messageOf(r) {
  const m = r.body && r.body.message;
  return Array.isArray(m) ? m.join('; ') : (m || ('Error ' + r.status));
}`;

export interface LoginPageOptions {
  name: string;
  oauthEnabled: boolean;
  autoLaunch: boolean;
  buttonText: string;
  passwordLogin: boolean;
  autoLaunchParamForces: boolean;
}

export function loginPage(o: LoginPageOptions): string {
  const body = `<h1>Sign in</h1>
<div role="alert" id="error" hidden></div>
${o.oauthEnabled ? `<button id="oauth-login" type="button">${esc(o.buttonText)}</button>` : ''}
${
  o.passwordLogin
    ? `<form id="password-login"><label>Email <input id="email" name="email" type="email" autocomplete="username"></label>
<label>Password <input id="password" name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Login</button></form>`
    : ''
}`;
  const script = `${SHOW_ERROR}
const opts = ${scriptJson(o)};
async function startOAuth() {
  // Immich sends its own URL without the query as the redirect URI.
  const r = await postJson('/api/oauth/authorize', { redirectUri: location.origin + location.pathname });
  if (!r.ok) return showError(messageOf(r));
  location.href = r.body.url;
}
async function finishOAuth() {
  const r = await postJson('/api/oauth/callback', { url: location.href });
  if (!r.ok) {
    history.replaceState(null, '', location.pathname + '?autoLaunch=0');
    return showError(messageOf(r));
  }
  location.href = '/photos';
}
const q = new URLSearchParams(location.search);
const button = document.getElementById('oauth-login');
if (button) button.addEventListener('click', () => startOAuth().catch((e) => showError(String(e))));
const form = document.getElementById('password-login');
if (form) form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const r = await postJson('/api/auth/login', { email: document.getElementById('email').value, password: document.getElementById('password').value });
  if (!r.ok) return showError(messageOf(r));
  location.href = '/photos';
});
if (q.has('code') || q.has('error')) {
  finishOAuth().catch((e) => showError(String(e)));
} else if (opts.oauthEnabled) {
  const forced = opts.autoLaunchParamForces && q.get('autoLaunch') === '1';
  const suppressed = q.get('autoLaunch') === '0' || q.get('password') === '1';
  if (forced || (opts.autoLaunch && !suppressed)) startOAuth().catch((e) => showError(String(e)));
}`;
  return page(o.name, 'Sign in', body, script);
}

export function photosPage(name: string, user: { email: string; name: string; isAdmin: boolean }): string {
  return page(
    name,
    'Photos',
    `<h1>Photos</h1>
<p>Signed in as <span id="signed-in-user">${esc(user.email)}</span> (<span id="signed-in-name">${esc(user.name)}</span>${
      user.isAdmin ? ', <span id="signed-in-admin">admin</span>' : ''
    })</p>
<p><a href="/user-settings">Account settings</a></p>`,
  );
}

export function userSettingsPage(name: string, user: { email: string; oauthId: string }, oauthEnabled: boolean): string {
  const body = `<h1>Account settings</h1>
<div role="alert" id="error" hidden></div>
<p>Signed in as <span id="signed-in-user">${esc(user.email)}</span></p>
<p>OAuth: <span id="oauth-status">${user.oauthId ? 'linked' : 'not linked'}</span></p>
${oauthEnabled && !user.oauthId ? '<button id="oauth-link" type="button">Link to OAuth</button>' : ''}
${user.oauthId ? '<button id="oauth-unlink" type="button">Unlink OAuth</button>' : ''}`;
  const script = `${SHOW_ERROR}
const q = new URLSearchParams(location.search);
const linkButton = document.getElementById('oauth-link');
if (linkButton) linkButton.addEventListener('click', async () => {
  const r = await postJson('/api/oauth/authorize', { redirectUri: location.origin + location.pathname });
  if (!r.ok) return showError(messageOf(r));
  location.href = r.body.url;
});
const unlinkButton = document.getElementById('oauth-unlink');
if (unlinkButton) unlinkButton.addEventListener('click', async () => {
  const r = await postJson('/api/oauth/unlink', {});
  if (!r.ok) return showError(messageOf(r));
  location.href = location.pathname;
});
if (q.has('code') || q.has('error')) {
  postJson('/api/oauth/link', { url: location.href }).then((r) => {
    if (!r.ok) { history.replaceState(null, '', location.pathname); return showError(messageOf(r)); }
    location.href = location.pathname;
  });
}`;
  return page(name, 'Account settings', body, script);
}
