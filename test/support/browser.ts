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

/** One axe-core finding, reduced to what a failing test should print. */
export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
  summary: string[];
}

let axeSource: string | undefined;

/**
 * Runs axe-core in the page (WCAG 2.x A/AA and best practices) and returns what it found. The source is
 * evaluated through CDP, which the page's Content-Security-Policy does not govern: no inline script tag.
 */
export async function runAxe(page: Page): Promise<AxeFinding[]> {
  if (!axeSource) {
    const { readFileSync } = await import('node:fs');
    const { createRequire } = await import('node:module');
    axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  }
  const loaded = await page.evaluate(`(() => { ${axeSource}; return typeof window.axe; })()`);
  if (loaded !== 'object') throw new Error(`axe-core did not load in the page (${String(loaded)})`);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<AxeResults> } }).axe;
    const r = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
      summary: v.nodes.map((n) => n.failureSummary ?? ''),
    }));
  });
}

interface AxeResults {
  violations: Array<{
    id: string;
    impact?: string | null;
    help: string;
    nodes: Array<{ target: string[]; failureSummary?: string }>;
  }>;
}

/** The WCAG contrast ratio of two CSS colours as getComputedStyle gives them (rgb()/rgba(), opaque). */
export function contrastRatio(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number) as [number, number, number];
    const ch = (v: number) => {
      const s = v / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(bl);
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}
