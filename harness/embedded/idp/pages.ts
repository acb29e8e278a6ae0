// The provider's own pages: login, consent and errors. Plain HTML forms a browser fills in; element ids
// (#username, #password, #sign-in, #accept, #deny, #login-error, #idp-error) are what the page driver waits on.

const STYLE = `body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;display:flex;justify-content:center}
main{background:#fff;margin-top:8vh;padding:2rem 2.5rem;border-radius:8px;box-shadow:0 1px 4px #0002;width:22rem}
h1{font-size:1.3rem;margin:0 0 .3rem}p.sub{color:#555;margin:0 0 1.2rem;font-size:.9rem}
label{display:block;margin:.8rem 0 .3rem;font-size:.9rem}input{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}
button{margin-top:1.2rem;padding:.55rem 1.2rem;font-size:1rem;cursor:pointer}
.error{color:#b00020;background:#fdecee;padding:.5rem;border-radius:4px}ul{padding-left:1.2rem}`;

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function layout(title: string, product: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head>
<body><main data-idp="${escapeHtml(product)}">${body}</main></body></html>`;
}

export function loginPage(o: { product: string; action: string; clientId: string; username?: string; error?: string }): string {
  const error = o.error ? `<p id="login-error" class="error" role="alert">${escapeHtml(o.error)}</p>` : '';
  return layout(
    'Sign in',
    o.product,
    `<h1>Sign in</h1><p class="sub">to continue to <b>${escapeHtml(o.clientId)}</b> (embedded provider, ${escapeHtml(o.product)} profile: a model, not the product)</p>${error}
<form method="post" action="${escapeHtml(o.action)}" autocomplete="off">
<label for="username">Username</label><input id="username" name="username" required value="${escapeHtml(o.username ?? '')}" autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" required>
<button id="sign-in" type="submit">Sign in</button></form>`,
  );
}

export function consentPage(o: { product: string; action: string; clientId: string; username: string; scopes: string[] }): string {
  const scopes = o.scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('');
  return layout(
    'Consent',
    o.product,
    `<h1>Allow access?</h1><p class="sub"><b>${escapeHtml(o.clientId)}</b> asks to access your account
<b>${escapeHtml(o.username)}</b>:</p><ul id="scopes">${scopes}</ul>
<form method="post" action="${escapeHtml(o.action)}">
<button id="accept" name="decision" value="accept" type="submit">Accept</button>
<button id="deny" name="decision" value="deny" type="submit">Deny</button></form>`,
  );
}

export function errorPage(o: { product: string; title: string; message: string }): string {
  return layout(
    o.title,
    o.product,
    `<h1>${escapeHtml(o.title)}</h1><p id="idp-error" class="error" role="alert">${escapeHtml(o.message)}</p>`,
  );
}
