import type { Tenant } from '../../store/tenants.ts';
import { escapeHtml, renderPage } from './layout.ts';

export function renderSignInPage(p: { tenant: Tenant; uid?: string; returnTo: string; notice?: string }): string {
  const body = `
<h1>Sign in to ${escapeHtml(p.tenant.displayName)}</h1>
${p.notice ? `<p class="notice">${escapeHtml(p.notice)}</p>` : ''}
<div id="status" role="alert" aria-live="assertive"></div>
<section aria-labelledby="passkey-heading">
  <h2 id="passkey-heading">With a passkey</h2>
  <form id="passkey-form" novalidate>
    <label for="username">Username</label>
    <input id="username" name="username" type="text" autocomplete="username webauthn" autocapitalize="none" spellcheck="false" required>
    <button type="submit" class="primary">Sign in with a passkey</button>
  </form>
  <p><button type="button" id="passkey-any" class="link">Use a passkey from another device or a security key</button></p>
</section>
<section aria-labelledby="tap-heading">
  <h2 id="tap-heading">With a Temporary Access Pass</h2>
  <form id="tap-form" novalidate>
    <label for="tap-username">Username</label>
    <input id="tap-username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required>
    <label for="tap">Temporary Access Pass</label>
    <input id="tap" name="pass" type="password" autocomplete="one-time-code" required>
    <button type="submit">Sign in with the pass</button>
  </form>
</section>`;
  return renderPage({
    title: 'Sign in',
    body,
    scripts: ['/static/vendor/simplewebauthn-browser.js', '/static/common.js', '/static/signin.js'],
    data: { tenant: p.tenant.slug, uid: p.uid ?? '', return: p.returnTo },
  });
}
