import type { StepMethod } from '../../core/session-steps.ts';
import type { Tenant } from '../../store/tenants.ts';
import { escapeHtml, type PageStatus, renderPage, renderStatus } from './layout.ts';

/** The OIDC interaction and the page to return to travel through the forms as hidden fields. */
function hiddenFields(p: { uid?: string; returnTo: string }): string {
  return `${p.uid ? `\n    <input type="hidden" name="uid" value="${escapeHtml(p.uid)}">` : ''}
    <input type="hidden" name="return" value="${escapeHtml(p.returnTo)}">`;
}

/**
 * The way to sign in without a passkey that the page offers below, for the notices about a script that did not run
 * (the pass first, as before the password form existed), or undefined when only passkeys are left.
 */
export function otherWayBelow(p: { passwordEnabled?: boolean; tapEnabled?: boolean }): string | undefined {
  if (p.tapEnabled) return 'sign in with a Temporary Access Pass below';
  if (p.passwordEnabled) return 'sign in with your password below';
  return undefined;
}

export function renderSignInPage(p: {
  tenant: Tenant;
  uid?: string;
  returnTo: string;
  notice?: string;
  /** A refusal rendered by the server after a form post (no script); the scripts show theirs in the same place. */
  status?: PageStatus;
  /** The username typed before a form post, kept so that the person need not type it again (never the pass). */
  username?: string;
  /** Which form the username came from (the TAP and password forms' fields are filled in either case). */
  form?: 'passkey' | 'tap' | 'password';
  /** The tenant's Password method is on: the password form is shown (never per account: that would tell them apart). */
  passwordEnabled?: boolean;
  /** The tenant's Temporary Access Pass method is on: the pass form is shown (tenant-wide, as the password form). */
  tapEnabled?: boolean;
  /**
   * The signed-in user must add a step for the app (core/interaction-decision.ts): what is needed, in plain words,
   * and the only ways the page offers (no password, code or pass where a passkey is required).
   */
  stepUp?: { needs: string; offer: readonly StepMethod[] };
}): string {
  const slug = escapeHtml(p.tenant.slug);
  const username = p.username ? ` value="${escapeHtml(p.username)}"` : '';
  const offered = (m: StepMethod) => !p.stepUp || p.stepUp.offer.includes(m);
  const passwordShown = p.passwordEnabled && offered('password');
  const tapShown = p.tapEnabled && offered('temporaryAccessPass');
  const codeShown = p.stepUp && (offered('softwareOath') || offered('email'));
  const heading = p.stepUp
    ? `<h1>One more step to continue</h1>
<p id="step-up">The app you are signing in to asks for ${escapeHtml(p.stepUp.needs)}. ${
        offered('passkey') && !passwordShown && !tapShown && !codeShown
          ? 'Confirm it is you with your passkey or security key.'
          : 'Confirm it is you with one of the ways below.'
      }</p>`
    : `<h1>Sign in to ${escapeHtml(p.tenant.displayName)}</h1>`;
  const codeSection = codeShown
    ? `<section aria-labelledby="code-heading">
  <h2 id="code-heading">With a code</h2>
  <p><a href="/${slug}/signin/second-factor${p.uid ? `?uid=${encodeURIComponent(p.uid)}` : ''}" class="button">Enter a code from your authenticator app or email</a></p>
</section>
`
    : '';
  const passkeySection = offered('passkey')
    ? `<section aria-labelledby="passkey-heading">
  <h2 id="passkey-heading">With a passkey</h2>
  <form id="passkey-form" method="post" action="/${slug}/signin/passkey" novalidate>${hiddenFields(p)}
    <label for="username">Username</label>
    <input id="username" name="username" type="text" autocomplete="username webauthn" autocapitalize="none" spellcheck="false" required${p.form === 'passkey' ? username : ''}>
    <button type="submit" class="primary">Sign in with a passkey</button>
  </form>
  <p id="passkey-any-row" hidden><button type="button" id="passkey-any" class="link">Use a passkey from another device or a security key</button></p>
</section>
`
    : '';
  const body = `
${heading}
${p.notice ? `<p class="notice" id="notice">${escapeHtml(p.notice)}</p>` : ''}
${renderStatus(p.status)}
${passkeySection}${codeSection}${
  passwordShown
    ? `<section aria-labelledby="password-heading">
  <h2 id="password-heading">With a password</h2>
  <form id="password-form" method="post" action="/${slug}/signin/password" novalidate>${hiddenFields(p)}
    <label for="password-username">Username</label>
    <input id="password-username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required${username}>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <button type="submit">Sign in with your password</button>
  </form>
</section>
`
    : ''
}${
  tapShown
    ? `<section aria-labelledby="tap-heading">
  <h2 id="tap-heading">With a Temporary Access Pass</h2>
  <form id="tap-form" method="post" action="/${slug}/signin/tap" novalidate>${hiddenFields(p)}
    <label for="tap-username">Username</label>
    <input id="tap-username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required${username}>
    <label for="tap">Temporary Access Pass</label>
    <input id="tap" name="pass" type="password" autocomplete="one-time-code" required>
    <button type="submit">Sign in with the pass</button>
  </form>
</section>`
    : ''
}`;
  const other = otherWayBelow({ passwordEnabled: passwordShown, tapEnabled: tapShown });
  return renderPage({
    title: 'Sign in',
    body,
    scripts: [
      '/static/vendor/simplewebauthn-browser.js',
      '/static/messages.js',
      '/static/common.js',
      '/static/signin.js',
    ],
    needsScript: p.status?.needsScript,
    data: { tenant: p.tenant.slug, uid: p.uid ?? '', return: p.returnTo },
    scriptNotice: {
      off: `Passkeys need JavaScript, which is turned off in this browser. Turn it on to use a passkey${other ? `, or ${other}` : ''}.`,
      pending: `This page’s script has not started (it may be slow or blocked), so passkeys cannot be used yet. Reload the page${other ? `, or ${other}` : ''}.`,
      failed: `Part of this page did not load, so passkeys cannot be used right now. Reload the page${other ? `, or ${other}` : ''}.`,
    },
  });
}

/**
 * After a form post (no script) that signed in for an app: a page that goes on by itself (and a link), so that the
 * way to the app is a new navigation. Chromium holds every redirect after a form post to the page's form-action
 * ('self'), which the app's own address is not.
 */
export function renderContinuePage(to: string): string {
  return renderPage({
    title: 'Signed in',
    body: `<h1>You are signed in</h1>
<p>Going back to the app… If nothing happens, <a href="${escapeHtml(to)}">continue to the app</a>.</p>`,
    goOnTo: to,
  });
}
