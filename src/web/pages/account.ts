import type { PasskeyView } from '../../flows/manage-passkeys.ts';
import type { Tenant } from '../../store/tenants.ts';
import type { User } from '../../store/users.ts';
import { escapeHtml, renderPage } from './layout.ts';

function when(iso: string | null): string {
  if (!iso) return 'Never';
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(iso.replace('T', ' ').slice(0, 16))} UTC</time>`;
}

function passkeyRow(p: PasskeyView): string {
  const type = p.passkeyType === 'synced' ? 'Synced' : 'Device-bound';
  return `<li class="passkey" data-id="${escapeHtml(p.id)}">
  <div class="passkey-name">${escapeHtml(p.displayName)}</div>
  ${p.suspectedClone ? '<p class="notice">This passkey may have been copied (its signature counter went backwards) and can no longer sign in. Delete it and register a new one.</p>' : ''}
  <dl>
    <dt>Authenticator</dt><dd>${escapeHtml(p.model ?? 'Unknown model')}</dd>
    <dt>Type</dt><dd>${type}</dd>
    <dt>Created</dt><dd>${when(p.createdDateTime)}</dd>
    <dt>Last used</dt><dd>${when(p.lastUsedDateTime)}</dd>
  </dl>
  <form class="rename-form">
    <label for="name-${escapeHtml(p.id)}">New name</label>
    <input id="name-${escapeHtml(p.id)}" name="displayName" maxlength="64" value="${escapeHtml(p.displayName)}" required>
    <button type="submit">Rename</button>
  </form>
  <button type="button" class="delete danger" aria-label="Delete ${escapeHtml(p.displayName)}">Delete</button>
</li>`;
}

export function renderAccountPage(p: { tenant: Tenant; user: User; passkeys: PasskeyView[] }): string {
  const list = p.passkeys.length
    ? `<ul id="passkeys" class="passkeys">${p.passkeys.map(passkeyRow).join('\n')}</ul>`
    : '<p id="no-passkeys">You have no passkeys yet. Add one to sign in without a password.</p>';
  const body = `
<header class="account-header">
  <h1>Security info</h1>
  <p>Signed in as <strong id="who">${escapeHtml(p.user.userPrincipalName)}</strong></p>
  <form method="post" action="/${escapeHtml(p.tenant.slug)}/signout"><button type="submit">Sign out</button></form>
</header>
<div id="status" role="alert" aria-live="assertive"></div>
<section aria-labelledby="passkeys-heading">
  <h2 id="passkeys-heading">Passkeys</h2>
  ${list}
  <form id="add-form">
    <label for="new-name">Name for the new passkey (optional)</label>
    <input id="new-name" name="name" maxlength="64">
    <button type="submit" id="add-passkey" class="primary">Add a passkey</button>
  </form>
</section>`;
  return renderPage({
    title: 'Security info',
    body,
    scripts: ['/static/vendor/simplewebauthn-browser.js', '/static/common.js', '/static/account.js'],
    data: { tenant: p.tenant.slug },
  });
}
