// The registration campaign's question after a sign-in (core/registration-campaign.ts): "Set up a passkey", with
// "Set up now" (the account page, where passkeys are added, carrying the app's sign-in request on) and, while snoozes remain, "Not now" (a form post that
// continues to the app). No script: both are plain forms.
import type { Tenant } from '../../store/tenants.ts';
import { escapeHtml, type PageStatus, renderPage, renderStatus } from './layout.ts';

const more = (n: number) => (n === 1 ? 'once more' : n === 2 ? 'twice more' : `${n} more times`);

export function renderCampaignPage(p: {
  tenant: Tenant;
  uid: string;
  /** Snoozes left; null when unlimited; 0 when setting up a passkey is the only way on. */
  snoozesLeft: number | null;
  snoozeDays: number;
  /** A refusal after a form post ("Not now" once the snoozes were spent). */
  status?: PageStatus;
}): string {
  const slug = escapeHtml(p.tenant.slug);
  const org = escapeHtml(p.tenant.displayName);
  const canSnooze = p.snoozesLeft === null || p.snoozesLeft > 0;
  const later =
    p.snoozeDays === 0 ? 'the next time you sign in' : p.snoozeDays === 1 ? 'in a day' : `in ${p.snoozeDays} days`;
  const choice = !canSnooze
    ? `<p id="campaign-required">You have already postponed this as often as ${org} allows. Set up a passkey to continue.</p>`
    : `<p id="campaign-later">If you choose “Not now”, you will be asked again ${later}.${
        p.snoozesLeft === null ? '' : ` You can postpone this ${more(p.snoozesLeft)}.`
      }</p>`;
  const body = `
<h1>Set up a passkey</h1>
${renderStatus(p.status)}
<p>${org} asks you to set up a passkey. With a passkey you sign in with your face, fingerprint, screen lock PIN or a security key: nothing to type, and nothing anyone can trick you into giving away.</p>
${choice}
<div class="actions">
  <form method="get" action="/${slug}/account">
    <input type="hidden" name="continue" value="${escapeHtml(p.uid)}">
    <button type="submit" class="primary" id="campaign-setup">Set up now</button>
  </form>
  ${
    canSnooze
      ? `<form method="post" action="/${slug}/signin/campaign/snooze">
    <input type="hidden" name="uid" value="${escapeHtml(p.uid)}">
    <button type="submit" id="campaign-snooze">Not now</button>
  </form>`
      : ''
  }
</div>`;
  return renderPage({ title: 'Set up a passkey', body });
}
