// /{tenant}/signin/second-factor: after a password, a code from an authenticator app or by email finishes the
// sign-in. Plain forms (no script needed); the OIDC interaction and the return page travel as hidden fields.
import type { Tenant } from '../../store/tenants.ts';
import { escapeHtml, type PageStatus, renderPage, renderStatus } from './layout.ts';

function hidden(p: { uid?: string; returnTo: string }): string {
  return `${p.uid ? `\n    <input type="hidden" name="uid" value="${escapeHtml(p.uid)}">` : ''}
    <input type="hidden" name="return" value="${escapeHtml(p.returnTo)}">`;
}

export function renderSecondFactorPage(p: {
  tenant: Tenant;
  uid?: string;
  returnTo: string;
  totp: boolean;
  /** The masked address, when email codes can be sent. */
  email?: string;
  /** An email code was just sent. */
  sent?: boolean;
  status?: PageStatus;
}): string {
  const slug = escapeHtml(p.tenant.slug);
  const action = `/${slug}/signin/second-factor`;
  const totp = p.totp
    ? `<section aria-labelledby="totp-heading">
  <h2 id="totp-heading">With your authenticator app</h2>
  <form id="totp-form" method="post" action="${action}" novalidate>${hidden(p)}
    <input type="hidden" name="method" value="totp">
    <label for="totp-code">Code from your authenticator app</label>
    <input id="totp-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="12" required>
    <button type="submit" class="primary">Verify</button>
  </form>
</section>`
    : '';
  const email = p.email
    ? `<section aria-labelledby="email-heading">
  <h2 id="email-heading">With a code by email</h2>
  ${p.sent ? `<p class="notice" id="sent" role="status">We emailed a code to ${escapeHtml(p.email)}. It works once, for 10 minutes.</p>` : `<p>We can email a code to ${escapeHtml(p.email)}.</p>`}
  <form id="email-send-form" method="post" action="${action}/email" novalidate>${hidden(p)}
    <button type="submit"${p.sent ? '' : ' class="primary"'}>${p.sent ? 'Email me a new code' : 'Email me a code'}</button>
  </form>
  <form id="email-form" method="post" action="${action}" novalidate>${hidden(p)}
    <input type="hidden" name="method" value="email">
    <label for="email-code">Code from the email</label>
    <input id="email-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="12" required>
    <button type="submit"${p.sent ? ' class="primary"' : ''}>Verify</button>
  </form>
</section>`
    : '';
  const none =
    !p.totp && !p.email
      ? '<p class="notice" id="no-second-factor">Your account has no authenticator app or email address for codes yet, so this sign-in cannot be finished here. Ask your help desk for a Temporary Access Pass, and sign in with it instead.</p>'
      : '';
  const body = `
<h1>Verify it’s you</h1>
<p>You signed in with your password. To finish signing in to ${escapeHtml(p.tenant.displayName)}, enter a code.</p>
${renderStatus(p.status)}
${totp}
${email}
${none}
<form method="post" action="/${slug}/signout"><button type="submit" class="link">Sign in another way</button></form>`;
  return renderPage({ title: 'Verify it’s you', body });
}
