// `/`: what this server is and where sign-in lives, without naming any tenant (no directory of organizations).
import { renderPage } from './layout.ts';

export function renderLandingPage(): string {
  const body = `
<h1>Signet sign-in service</h1>
<p>This server signs people in to their organization's apps with passkeys: a fingerprint, face, PIN or security
key instead of a password.</p>
<h2>Where to sign in</h2>
<p>Each organization on this server has its own sign-in page, at an address like
<code>/<var>your-organization</var>/signin</code>; your account's security info is at
<code>/<var>your-organization</var>/account</code>. Use the link your administrator or your app gave you.</p>
<p>Lost your passkey, or never set one up? Ask your administrator for a Temporary Access Pass: you can sign in
with it and add a passkey.</p>`;
  return renderPage({ title: 'Sign-in service', body });
}
