// FAILING (kept out of the tree): what the sign-in log says of a step-up in Chromium (SQLite). The answered entry of
// a request that a policy requiring phishing-resistant MFA stepped up names that strength as required (as the
// refused and the step-up entries do) and as each step's requirement (Graph's example: both steps "Phishing resistant
// MFA"), and the passkey done within the request is not "Previously satisfied".
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHISHING_RESISTANT_STRENGTH_ID } from '../../src/core/strengths.ts';
import { createTenant } from '../../src/flows/directory.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { launchChromium, openTab } from '../support/browser.ts';
import {
  type AppCallback,
  appClient,
  openRequest,
  passwordSignIn,
  payrollAndWiki,
  personWithPassword,
  recordingCallback,
  registerPasskey,
  signInsThroughGraph,
} from '../support/ca-browser.ts';
import { appToken } from '../support/graph-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const STEP = 60_000;

describe('the sign-in log of a step-up (Chromium, SQLite)', () => {
  let server: TestServer;
  let browser: Browser;
  let tenant: Tenant;
  let callback: AppCallback;
  let payrollId: string;
  let wikiId: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    tenant = await createTenant(server.ctx, { slug: 'ca-log', displayName: 'Contoso CA' });
    callback = await recordingCallback();
    ({ payrollId, wikiId } = await payrollAndWiki(server, tenant, callback, {
      enforced: 'Payroll needs phishing-resistant MFA',
      reportOnly: 'Wiki block (report-only)',
    }));
    browser = await launchChromium();
  }, STEP);
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await callback?.close();
    await server?.close();
  });

  it(
    'the answered entry names the strength required, for each step, and the passkey as done in this request',
    async () => {
      const who = await personWithPassword(server, tenant, 'log@ca-log.example');
      const context = await browser.newContext();
      contexts.push(context);
      const t = await openTab(context);
      await registerPasskey(server, tenant, t, who.user, { transport: 'usb' });
      const wiki = await appClient(server, tenant, wikiId, callback);
      await passwordSignIn(t.page, await wiki.begin(), tenant, callback, who);
      const flow = await (await appClient(server, tenant, payrollId, callback)).begin();
      await openRequest(t.page, flow, tenant, callback);
      await t.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await t.page.waitForURL((u) => callback.isApp(u), { timeout: 20_000 });
      const token = (await appToken(server, tenant, 'AuditLog.Read.All')).token;
      const answered = (await signInsThroughGraph(server, token, who.user, payrollId)).find(
        (e) => e.conditionalAccessStatus === 'success',
      );
      expect({
        required: answered?.signetStrengthsRequired.map((s: { id: string }) => s.id),
        steps: answered?.authenticationDetails.map((d: Record<string, unknown>) => [
          d.authenticationMethod,
          d.authenticationStepRequirement,
          d.authenticationStepResultDetail === 'Previously satisfied',
        ]),
      }).toEqual({
        required: [PHISHING_RESISTANT_STRENGTH_ID],
        steps: [
          ['Password', 'Phishing resistant MFA', true],
          ['Passkey (device-bound)', 'Phishing resistant MFA', false],
        ],
      });
    },
    STEP,
  );
});
