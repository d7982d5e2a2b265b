// /{tenant}/account/authenticator-app: set up an authenticator app (TOTP). The key is shown as text and as an
// otpauth:// link (no QR library: a phone's app opens the link, a desktop person types the key); the first code
// the app shows confirms it. Works without script.
import type { Tenant } from '../../store/tenants.ts';
import type { User } from '../../store/users.ts';
import { escapeHtml, type PageStatus, renderPage, renderStatus } from './layout.ts';

export interface AuthenticatorAppView {
  id: string;
  displayName: string;
  addedAt: string;
}

/** The key in groups of four, as apps print it and as a person copies it. */
const grouped = (base32: string) => base32.replace(/(.{4})(?=.)/g, '$1 ');

function appList(slug: string, apps: AuthenticatorAppView[]): string {
  if (apps.length === 0) return '<p id="no-apps">You have no authenticator app set up yet.</p>';
  const items = apps
    .map((a) => {
      const name = escapeHtml(a.displayName);
      return `<li class="passkey" data-id="${escapeHtml(a.id)}">
  <div class="passkey-name">${name}</div>
  <p>Added <time datetime="${escapeHtml(a.addedAt)}">${escapeHtml(a.addedAt.slice(0, 10))}</time></p>
  <form method="post" action="/${escapeHtml(slug)}/account/authenticator-app/${escapeHtml(a.id)}/remove" class="delete-form">
    <button type="submit" class="danger" aria-label="Remove ${name}">Remove</button>
  </form>
</li>`;
    })
    .join('\n');
  return `<ul id="apps" class="passkeys">${items}</ul>`;
}

export function renderAuthenticatorAppPage(p: {
  tenant: Tenant;
  user: User;
  apps: AuthenticatorAppView[];
  /** The key to add, when the person may set one up now. */
  setup?: { base32: string; uri: string };
  /** The sign-in is not fresh enough: say so and link to signing in again. */
  reauth?: boolean;
  notice?: string;
  status?: PageStatus;
}): string {
  const slug = escapeHtml(p.tenant.slug);
  const here = `/${p.tenant.slug}/account/authenticator-app`;
  const signInAgain = `/${slug}/signin?return=${escapeHtml(encodeURIComponent(here))}&amp;reauth=1`;
  let main = '';
  if (p.reauth)
    main = `<p class="notice" id="reauth">For your security, setting up or removing an authenticator app needs a sign-in from the last 5 minutes.</p>
<p><a href="${signInAgain}" id="sign-in-again">Sign in again</a>, then come back to this page.</p>`;
  else if (p.setup)
    main = `<section aria-labelledby="setup-heading">
  <h2 id="setup-heading">Add an authenticator app</h2>
  <ol>
    <li>Open your authenticator app (such as Microsoft Authenticator, Google Authenticator or 1Password) and choose to add an account.</li>
    <li>On this phone, <a href="${escapeHtml(p.setup.uri)}" id="otpauth-link">open the key in your authenticator app</a>. Elsewhere, choose to enter a key by hand and type this key, with the account name <strong>${escapeHtml(p.user.userPrincipalName)}</strong> and the time-based type:
      <p><code id="totp-secret">${escapeHtml(grouped(p.setup.base32))}</code></p></li>
    <li>Type the 6-digit code the app now shows.</li>
  </ol>
  <form id="totp-form" method="post" action="${escapeHtml(here)}" novalidate>
    <label for="totp-code">Code from the app</label>
    <input id="totp-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="12" required>
    <label for="totp-name">Name for this app (optional)</label>
    <input id="totp-name" name="displayName" maxlength="64">
    <button type="submit" class="primary">Add the authenticator app</button>
  </form>
  <p class="small-print">This key works for 10 minutes; keep it to yourself.</p>
</section>`;
  const body = `
<h1>Authenticator app</h1>
${p.notice ? `<p class="notice" id="notice" role="status">${escapeHtml(p.notice)}</p>` : ''}
${renderStatus(p.status)}
${main}
<section aria-labelledby="apps-heading">
  <h2 id="apps-heading">Your authenticator apps</h2>
  ${appList(p.tenant.slug, p.apps)}
</section>
<p><a href="/${slug}/account">Back to security info</a></p>`;
  return renderPage({ title: 'Authenticator app', body });
}
