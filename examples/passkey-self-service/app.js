// A browser app that lets a person manage their own passkeys through Signet's Graph API (/me): sign in with
// Signet (authorization code + PKCE), list, rename, delete and add passkeys. No build step; the two libraries
// are imported as the example's server serves them from node_modules (with a bundler: 'oauth4webapi' and
// '@simplewebauthn/browser').
//
// oauth4webapi does the OAuth side (discovery, PKCE, state, the code exchange and the ID token's checks), so
// nothing here is hand-rolled. @simplewebauthn/browser turns the JSON creation options into the binary ones
// navigator.credentials.create() takes, and the answer back into JSON, in every browser with WebAuthn; the
// browser's own PublicKeyCredential.parseCreationOptionsFromJSON() does that too, but not yet in every browser
// your users have.
import * as oauth from '/vendor/oauth4webapi/index.js';
import { startRegistration } from '/vendor/simplewebauthn-browser/index.js';

// User.Read for /me; UserAuthenticationMethod.ReadWrite for the user's own passkeys, nobody else's.
const SCOPE = 'openid profile User.Read UserAuthenticationMethod.ReadWrite';
// What survives the trip to Signet and back: the PKCE verifier and the state, in this tab only.
const PENDING = 'passkey-example-sign-in';

const config = await (await fetch('/config.json')).json();
const issuer = new URL(`${config.signetUrl}/${config.tenant}/v2.0`);
const graph = `${config.signetUrl}/graph/v1.0`;
const client = { client_id: config.clientId };
const redirectUri = `${location.origin}/callback`;
// oauth4webapi refuses plain http; allow it only for a Signet on this machine (development).
const insecure = issuer.hostname === 'localhost' ? { [oauth.allowInsecureRequests]: true } : {};

/** The access token for Signet's Graph: in memory only, so a reload means signing in again. */
let accessToken;
let authorizationServer;

const $ = (id) => document.getElementById(id);

/** A failure to show the person: a message in plain words, and the code (Signet's catalogue code) in small print. */
class Problem extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

function say(text) {
  $('status').textContent = text;
}

function showProblem(err) {
  const box = $('problem');
  const message = document.createElement('p');
  message.textContent = err instanceof Problem ? err.message : 'Something went wrong. Try again.';
  box.replaceChildren(message);
  const code = err instanceof Problem ? err.code : err?.name;
  if (code) {
    const small = document.createElement('small');
    const c = document.createElement('code');
    c.textContent = code;
    small.append('Code: ', c);
    const line = document.createElement('p');
    line.append(small);
    box.append(line);
  }
  // Adding a passkey needs a recent strong sign-in: offer one, asking Signet to sign the person in afresh.
  if (code === 'PASSKEY_STRONG_AUTH_REQUIRED') {
    const again = document.createElement('button');
    again.type = 'button';
    again.textContent = 'Sign in again';
    again.addEventListener('click', () => act(again, () => signIn({ fresh: true })));
    box.append(again);
  }
  say('');
  if (!(err instanceof Problem)) console.warn(err);
}

/** Runs one action of the person's: clears the last message, shows the next one, keeps the button from a double click. */
async function act(button, action) {
  $('problem').replaceChildren();
  say('Working…');
  if (button) button.disabled = true;
  try {
    await action();
    if ($('status').textContent === 'Working…') say('');
  } catch (err) {
    showProblem(err);
  } finally {
    if (button) button.disabled = false;
  }
}

async function discover() {
  authorizationServer ??= await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
  );
  return authorizationServer;
}

/** Sends the person to Signet; `fresh` asks for a new sign-in even when Signet remembers this browser's. */
async function signIn({ fresh = false } = {}) {
  const as = await discover();
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state }));
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: SCOPE,
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...(fresh ? { prompt: 'login' } : {}),
  }).toString();
  location.assign(url);
}

/** Back from Signet: the code is redeemed at once, and is already gone from the address bar and history. */
async function finishSignIn(callback) {
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null');
  sessionStorage.removeItem(PENDING);
  if (!pending) throw new Problem('This sign-in was not started here, or it was already used. Sign in again.');
  const as = await discover();
  try {
    const params = oauth.validateAuthResponse(as, client, callback, pending.state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      redirectUri,
      pending.verifier,
      insecure,
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { requireIdToken: true });
    accessToken = tokens.access_token;
  } catch (err) {
    // An OAuth error from Signet (e.g. access_denied) carries its own description; others are the library's.
    const code = err.error ?? err.code;
    throw new Problem(`Signing in did not work: ${err.error_description ?? err.message}`, code);
  }
}

/** One call to Signet's Graph API; a refusal becomes a Problem with Graph's message and code. */
async function callGraph(method, path, body) {
  const headers = { authorization: `Bearer ${accessToken}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(`${graph}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new Problem('Signet could not be reached. Check your connection and try again.', 'NETWORK_ERROR');
  }
  if (res.status === 204) return undefined;
  const data = await res.json().catch(() => ({}));
  if (!res.ok)
    throw new Problem(data.error?.message ?? `Signet refused the request (${res.status}).`, data.error?.code);
  return data;
}

const TYPES = { deviceBound: 'Device-bound', synced: 'Synced' };

function passkeyItem(m) {
  const li = document.createElement('li');
  li.className = 'passkey';
  li.dataset.id = m.id;
  const heading = document.createElement('h3');
  heading.className = 'passkey-name';
  heading.textContent = m.displayName;
  const facts = document.createElement('dl');
  const created = document.createElement('time');
  created.dateTime = m.createdDateTime;
  created.textContent = `${m.createdDateTime.slice(0, 16).replace('T', ' ')} UTC`;
  for (const [term, value] of [
    ['Model', m.model || 'Unknown'],
    ['Type', TYPES[m.passkeyType] ?? m.passkeyType ?? 'Unknown'],
    ['Added', created],
  ]) {
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.append(value);
    facts.append(dt, dd);
  }

  const rename = document.createElement('form');
  rename.className = 'rename';
  const label = document.createElement('label');
  label.htmlFor = `name-${m.id}`;
  label.textContent = 'New name';
  const input = document.createElement('input');
  input.id = `name-${m.id}`;
  input.required = true;
  input.maxLength = 200;
  input.autocomplete = 'off';
  input.value = m.displayName;
  const save = document.createElement('button');
  save.type = 'submit';
  save.textContent = 'Rename';
  rename.append(label, input, save);
  rename.addEventListener('submit', (e) => {
    e.preventDefault();
    act(save, async () => {
      const displayName = input.value.trim();
      await callGraph('PATCH', `/me/authentication/fido2Methods/${encodeURIComponent(m.id)}`, { displayName });
      await showPasskeys();
      say(`Renamed "${m.displayName}" to "${displayName}".`);
    });
  });

  const remove = document.createElement('button');
  remove.type = 'button';
  remove.className = 'delete';
  const hiddenName = document.createElement('span');
  hiddenName.className = 'visually-hidden';
  hiddenName.textContent = ` "${m.displayName}"`;
  remove.append('Delete', hiddenName);
  remove.addEventListener('click', () => {
    if (!confirm(`Delete the passkey "${m.displayName}"? You will no longer be able to sign in with it.`)) return;
    act(remove, async () => {
      await callGraph('DELETE', `/me/authentication/fido2Methods/${encodeURIComponent(m.id)}`);
      await showPasskeys();
      say(`Deleted "${m.displayName}". It no longer signs you in.`);
    });
  });

  li.append(heading, facts, rename, remove);
  return li;
}

async function showPasskeys() {
  const { value } = await callGraph('GET', '/me/authentication/fido2Methods');
  $('passkeys').replaceChildren(...value.map(passkeyItem));
  $('no-passkeys').hidden = value.length > 0;
}

/** What the browser said when it made no passkey, in plain words. */
function registrationProblem(err) {
  if (err?.name === 'NotAllowedError')
    return new Problem('No passkey was added: the request was cancelled or timed out.', err.name);
  if (err?.code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED')
    return new Problem('This device already holds a passkey for your account.', err.code);
  return new Problem(`Your browser could not create a passkey: ${err?.message ?? err}`, err?.code ?? err?.name);
}

async function addPasskey(displayName) {
  const { publicKey } = await callGraph('GET', '/me/authentication/fido2Methods/creationOptions');
  let credential;
  try {
    credential = await startRegistration({ optionsJSON: publicKey });
  } catch (err) {
    throw registrationProblem(err);
  }
  const created = await callGraph('POST', '/me/authentication/fido2Methods', {
    displayName,
    publicKeyCredential: {
      id: credential.id,
      response: {
        clientDataJSON: credential.response.clientDataJSON,
        attestationObject: credential.response.attestationObject,
      },
      clientExtensionResults: credential.clientExtensionResults,
    },
  });
  await showPasskeys();
  say(`Added the passkey "${created.displayName}". You can sign in with it now.`);
}

async function showSignedIn() {
  const me = await callGraph('GET', '/me');
  $('who').textContent = me.userPrincipalName ?? me.displayName;
  $('signed-out').hidden = true;
  $('signed-in').hidden = false;
  await showPasskeys();
}

function showSignedOut() {
  $('signed-in').hidden = true;
  $('signed-out').hidden = false;
}

$('sign-in').addEventListener('click', (e) => act(e.currentTarget, () => signIn()));
$('sign-out').addEventListener('click', () => {
  accessToken = undefined;
  showSignedOut();
  say('You are signed out of this app.');
});
$('add-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $('new-name');
  act(e.submitter, async () => {
    await addPasskey(input.value.trim());
    input.value = '';
  });
});

const here = new URL(location.href);
if (here.searchParams.has('code') || here.searchParams.has('error')) {
  // Off the address bar and out of history before anything else runs.
  history.replaceState(null, '', '/');
  showSignedOut();
  await act(null, async () => {
    await finishSignIn(here);
    await showSignedIn();
  });
} else {
  showSignedOut();
}
