// Debian's Chromium driven by playwright-core, with CDP virtual authenticators and a record of every console
// error, uncaught page error and CSP violation seen on the pages of a context.
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.SIGNET_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

export async function launchChromium(): Promise<Browser> {
  if (!chromiumAvailable())
    throw new Error(`No Chromium at ${CHROMIUM}: run \`apt-get update && apt-get install -y chromium\``);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** One problem a page reported: a console error (CSP violations are console errors too) or an uncaught error. */
export interface PageProblem {
  kind: 'console' | 'pageerror';
  text: string;
  /** The resource the console message points at, when Chromium gives one. */
  url: string;
  /** The page's URL when it happened. */
  page: string;
}

export interface AuthenticatorOptions {
  transport: 'internal' | 'usb';
  /** Sets the BE and BS flags of new credentials: a synced passkey. */
  synced?: boolean;
}

export interface Credential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
  backupEligibility?: boolean;
  backupState?: boolean;
}

export interface GetCall {
  mediation: string;
  /** 'pending', 'resolved', or the name of the error it rejected with. */
  outcome: string;
}

// Runs before the page's own scripts (through CDP, so the page's CSP does not apply): records each
// navigator.credentials.get() call and how it ended, passing the call and its result through untouched.
const OBSERVE_GET = `(() => {
  const calls = [];
  Object.defineProperty(window, '__webauthnGets', { value: calls });
  if (!navigator.credentials) return;
  const original = navigator.credentials.get.bind(navigator.credentials);
  navigator.credentials.get = (options) => {
    const call = { mediation: (options && options.mediation) || 'optional', outcome: 'pending' };
    calls.push(call);
    const p = original(options);
    p.then(() => { call.outcome = 'resolved'; }, (e) => { call.outcome = (e && e.name) || 'Error'; });
    return p;
  };
})();`;

/** A tab with its CDP session (virtual authenticators live per page), the problems it reported and where it went. */
export interface Tab {
  page: Page;
  cdp: CDPSession;
  problems: PageProblem[];
  /** Every URL the main frame navigated to, in order. */
  visited: string[];
  /** The WebAuthn sign-in calls the current page made (observed, not changed): mediation and outcome. */
  getCalls(): Promise<GetCall[]>;
  addAuthenticator(o: AuthenticatorOptions): Promise<string>;
  removeAuthenticator(id: string): Promise<void>;
  credentials(authenticatorId: string): Promise<Credential[]>;
  removeCredential(authenticatorId: string, credentialId: string): Promise<void>;
  addCredential(authenticatorId: string, credential: Credential): Promise<void>;
}

export async function openTab(context: BrowserContext, problems: PageProblem[] = []): Promise<Tab> {
  const page = await context.newPage();
  const visited: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    problems.push({ kind: 'console', text: msg.text(), url: msg.location().url, page: page.url() });
  });
  page.on('pageerror', (err) => {
    problems.push({ kind: 'pageerror', text: String(err.stack ?? err), url: '', page: page.url() });
  });
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) visited.push(frame.url());
  });
  await page.addInitScript({ content: OBSERVE_GET });
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  return {
    page,
    cdp,
    problems,
    visited,
    getCalls: () =>
      page.evaluate(() => [...((window as unknown as { __webauthnGets?: GetCall[] }).__webauthnGets ?? [])]),
    async addAuthenticator(o) {
      const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2',
          transport: o.transport,
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
          ...(o.synced ? { defaultBackupEligibility: true, defaultBackupState: true } : {}),
        },
      });
      return authenticatorId;
    },
    async removeAuthenticator(id) {
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: id });
    },
    async credentials(authenticatorId) {
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      return credentials as Credential[];
    },
    async removeCredential(authenticatorId, credentialId) {
      await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId });
    },
    async addCredential(authenticatorId, credential) {
      await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
    },
  };
}
