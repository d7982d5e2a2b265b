import type { PasskeyView } from '../../flows/manage-passkeys.ts';
import type { Tenant } from '../../store/tenants.ts';
import type { User } from '../../store/users.ts';
import type { ModelFacts } from '../../webauthn/metadata.ts';
import { escapeHtml, type PageStatus, renderPage, renderStatus } from './layout.ts';

function when(iso: string | null): string {
  if (!iso) return 'Never';
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(iso.replace('T', ' ').slice(0, 16))} UTC</time>`;
}

/** What the page knows of a model by its AAGUID: the metadata's (or built-in list's) name and, from metadata, an icon. */
export type ModelLookup = (aaguid: string) => ModelFacts | undefined;

/**
 * The authenticator's name (metadata, else the built-in list), its icon when metadata gives one (a data: URL only,
 * so the page never makes the browser fetch elsewhere), and whether the model was proven or only claimed.
 */
function modelLines(p: PasskeyView, models: ModelLookup | undefined): { model: string; proof: string } {
  const facts = models?.(p.aaGuid);
  const name = facts?.name ?? p.model;
  if (!name) return { model: '<dt>Authenticator</dt><dd class="model">Unknown model</dd>', proof: '' };
  const icon = facts?.icon
    ? `<img class="model-icon" src="${escapeHtml(facts.icon)}" alt="Logo of ${escapeHtml(name)}" width="24" height="24"> `
    : '';
  const proof =
    p.attestationLevel === 'attested'
      ? 'Verified model: the device proved what it is when it was added'
      : 'Model as reported by the device (not verified)';
  return {
    model: `<dt>Authenticator</dt><dd class="model">${icon}${escapeHtml(name)}</dd>`,
    proof: `<dt>Model check</dt><dd class="model-proof">${proof}</dd>`,
  };
}

/** The app's sign-in request the person came from ("Set up now"), carried through the page's forms. */
function continueField(uid: string | undefined): string {
  return uid ? `\n    <input type="hidden" name="continue" value="${escapeHtml(uid)}">` : '';
}

function passkeyRow(slug: string, p: PasskeyView, models?: ModelLookup, continueUid?: string): string {
  const type = p.passkeyType === 'synced' ? 'Synced' : 'Device-bound';
  const id = escapeHtml(p.id);
  const action = `/${escapeHtml(slug)}/account/passkeys/${id}`;
  const model = modelLines(p, models);
  return `<li class="passkey" data-id="${id}">
  <div class="passkey-name">${escapeHtml(p.displayName)}</div>
  ${p.suspectedClone ? '<p class="notice clone-warning">This passkey may have been copied (its signature counter went backwards) and can no longer sign in. Delete it and register a new one.</p>' : ''}
  <dl>
    ${model.model}
    <dt>Type</dt><dd>${type}</dd>
    <dt>Created</dt><dd>${when(p.createdDateTime)}</dd>
    <dt>Last used</dt><dd>${when(p.lastUsedDateTime)}</dd>
    ${model.proof}
  </dl>
  <form class="rename-form" method="post" action="${action}/rename" novalidate>${continueField(continueUid)}
    <label for="name-${id}">New name</label>
    <input id="name-${id}" name="displayName" maxlength="64" value="${escapeHtml(p.displayName)}" required>
    <button type="submit">Rename</button>
  </form>
  <form class="delete-form" method="get" action="${action}/delete">${continueField(continueUid)}
    <button type="submit" class="delete danger" aria-label="Delete ${escapeHtml(p.displayName)}">Delete</button>
  </form>
</li>`;
}

/**
 * The way back to the app that sent the person here: on (a passkey is there to satisfy the campaign), or back to
 * the question without one ("Not now" is there while the policy allows it). /signin/continue decides which.
 */
function continueLine(slug: string, uid: string | undefined, hasPasskey: boolean): string {
  if (!uid) return '';
  const href = `/${escapeHtml(slug)}/signin/continue?uid=${escapeHtml(encodeURIComponent(uid))}`;
  return hasPasskey
    ? `\n<p id="continue-line">You are signing in to an app. <a href="${href}" id="continue-link">Continue to the app</a></p>`
    : `\n<p id="continue-line">You are signing in to an app: add a passkey below, and you will go on to it. <a href="${href}" id="continue-link">Go back without adding one</a></p>`;
}

export function renderAccountPage(p: {
  tenant: Tenant;
  user: User;
  passkeys: PasskeyView[];
  /** Names and icons of authenticator models (the metadata in force); without it, the view's model name. */
  models?: ModelLookup;
  /** A confirmation after a change (added, renamed, deleted), with or without script. */
  notice?: string;
  /** A refusal rendered by the server after a form post (no script); the scripts show theirs in the same place. */
  status?: PageStatus;
  /**
   * The app's sign-in request (OIDC interaction uid) when the person came from the registration campaign's "Set up
   * now": once a passkey is added the browser goes on to /signin/continue, and the page offers the way back.
   */
  continueUid?: string;
}): string {
  const slug = escapeHtml(p.tenant.slug);
  const list = p.passkeys.length
    ? `<ul id="passkeys" class="passkeys">${p.passkeys.map((k) => passkeyRow(p.tenant.slug, k, p.models, p.continueUid)).join('\n')}</ul>`
    : '<p id="no-passkeys">You have no passkeys yet. Add one to sign in with your face, fingerprint, PIN or security key.</p>';
  const body = `
<header class="account-header">
  <h1>Security info</h1>
  <p>Signed in as <strong id="who">${escapeHtml(p.user.userPrincipalName)}</strong></p>
  <form method="post" action="/${slug}/signout"><button type="submit">Sign out</button></form>
</header>
<p><a href="/${slug}/account/authenticator-app" id="authenticator-app-link">Authenticator app: set one up for sign-in codes</a></p>
${p.notice ? `<p class="notice" id="notice" role="status">${escapeHtml(p.notice)}</p>` : ''}
${renderStatus(p.status)}${continueLine(p.tenant.slug, p.continueUid, p.passkeys.length > 0)}
<section aria-labelledby="passkeys-heading">
  <h2 id="passkeys-heading">Passkeys</h2>
  ${list}
  <form id="add-form" method="post" action="/${slug}/account/passkeys/add" novalidate>${continueField(p.continueUid)}
    <label for="new-name">Name for the new passkey (optional)</label>
    <input id="new-name" name="name" maxlength="64">
    <button type="submit" id="add-passkey" class="primary">Add a passkey</button>
  </form>
</section>`;
  return renderPage({
    title: 'Security info',
    body,
    scripts: [
      '/static/vendor/simplewebauthn-browser.js',
      '/static/messages.js',
      '/static/common.js',
      '/static/account.js',
    ],
    needsScript: p.status?.needsScript,
    data: { tenant: p.tenant.slug, ...(p.continueUid ? { continue: p.continueUid } : {}) },
    scriptNotice: {
      off: 'Adding a passkey needs JavaScript, which is turned off in this browser. You can still rename and delete passkeys.',
      pending:
        'This page’s script has not started (it may be slow or blocked), so a passkey cannot be added yet. Reload the page; renaming and deleting still work.',
      failed:
        'Part of this page did not load, so a passkey cannot be added right now. Renaming and deleting still work; to add a passkey, reload the page so that it loads fully.',
    },
  });
}

/**
 * The step before a passkey is deleted without script (the script asks with the browser's own dialog): which
 * passkey, what deleting it means, plainly so when it is the last one, and a way back.
 */
export function renderDeletePasskeyPage(p: {
  tenant: Tenant;
  passkey: PasskeyView;
  last: boolean;
  /** The app's sign-in request, kept for the account page after either button. */
  continueUid?: string;
}): string {
  const slug = escapeHtml(p.tenant.slug);
  const name = escapeHtml(p.passkey.displayName);
  const consequence = p.last
    ? `<p class="notice" id="last-passkey"><strong>This is your only passkey.</strong> Without it you cannot sign in with a passkey: you will need a Temporary Access Pass from your administrator to sign in again and add a new one.</p>`
    : '<p>You will no longer be able to sign in with it. Your other passkeys keep working.</p>';
  const body = `
<h1>Delete passkey “${name}”?</h1>
${consequence}
<form method="post" action="/${slug}/account/passkeys/${escapeHtml(p.passkey.id)}/delete" class="actions">${continueField(p.continueUid)}
  <button type="submit" class="danger confirm">Delete “${name}”</button>
  <a href="/${slug}/account${p.continueUid ? `?continue=${escapeHtml(encodeURIComponent(p.continueUid))}` : ''}" class="button">Cancel, keep it</a>
</form>`;
  return renderPage({ title: 'Delete passkey', body });
}
