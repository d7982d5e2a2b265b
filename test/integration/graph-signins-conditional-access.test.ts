// The sign-in log's Conditional Access facts as GET /auditLogs/signIns and /{id} show them: entries written through
// recordSignIn with the facts the interaction decision records (the steps, the policies applied with their results,
// report-only ones among them, the strengths required and met, the authentication context) read back in Graph's
// signIn shape; the steps of one authorization request share its correlationId; $filter by conditionalAccessStatus
// and correlationId; a misspelt status refused with GRAPH_QUERY_INVALID; an entry written without facts reads as
// 'notApplied'; another tenant's entries are never seen. Both engines.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeError } from '../../src/core/errors.ts';
import type { SignInConditionalAccessFacts } from '../../src/core/sign-in-facts.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { recordSignIn } from '../../src/flows/record-sign-in.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { appToken, graphClient } from '../support/graph-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read as loose JSON in assertions
type Json = Record<string, any>;

const T0 = Date.parse('2026-05-04T08:00:00Z');
const MFA = { id: '00000000-0000-0000-0000-000000000002', displayName: 'Multifactor authentication' };
const PHR = { id: '00000000-0000-0000-0000-000000000004', displayName: 'Phishing-resistant MFA' };
const YUBIKEY = 'YubiKey 5 NFC - ee882879-721c-4913-9775-3dfcce97072a';

const enforced = {
  id: randomUUID(),
  displayName: 'Admin portal needs phishing-resistant MFA',
  enforcedGrantControls: ['RequireAuthenticationStrength'],
  enforcedSessionControls: [],
  result: 'success',
  conditionsSatisfied: 'application,users',
  conditionsNotSatisfied: 'none',
  authenticationStrength: { authenticationStrengthId: PHR.id, displayName: PHR.displayName },
};
const pilot = (result: string, displayName: string) => ({
  id: randomUUID(),
  displayName,
  enforcedGrantControls: ['Mfa'],
  enforcedSessionControls: [],
  result,
});
const wouldPass = pilot('reportOnlySuccess', 'Pilot: MFA for everyone');
const wouldBlock = pilot('reportOnlyFailure', 'Pilot: block outside the office');

describe.each(engines)('Conditional Access facts of the sign-in log through Graph on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let other: Tenant;
  let user: User;
  let token = '';
  let otherToken = '';
  const correlation = `req-${randomUUID()}`;
  const client = graphClient<Json>(() => server, { empty: {} });
  const graph = (path: string, t = token) => client('GET', path, { token: t });
  const signIns = (filter: string, extra = '', t = token) =>
    graph(`/auditLogs/signIns?$filter=${encodeURIComponent(filter)}${extra}`, t);

  // Entries at fixed times (newest first is then certain), each as the sign-in path writes it.
  const record = (at: number, e: Omit<Parameters<typeof recordSignIn>[2], 'tenantId'>, t: Tenant = tenant) =>
    recordSignIn({ ...server.ctx, now: () => at }, server.ctx.db, { tenantId: t.id, ...e });

  const passwordFirst: SignInConditionalAccessFacts = {
    authenticationRequirement: 'multiFactorAuthentication',
    steps: [
      {
        method: 'password',
        at: T0,
        succeeded: true,
        detail: null,
        resultDetail: 'Correct password',
        requirement: PHR.displayName,
      },
    ],
    appliedConditionalAccessPolicies: [
      { ...enforced, result: 'failure' },
      { ...wouldPass, result: 'reportOnlyFailure' },
      wouldBlock,
    ],
    conditionalAccessStatus: 'failure',
    authenticationContextClassReferences: [{ id: 'c1', detail: 'required' }],
    strengthsRequired: [PHR],
    strengthsSatisfied: [],
  };
  const steppedUp: SignInConditionalAccessFacts = {
    authenticationRequirement: 'multiFactorAuthentication',
    steps: [
      {
        method: 'password',
        at: T0,
        succeeded: true,
        detail: null,
        resultDetail: 'Previously satisfied',
        requirement: 'Primary authentication',
      },
      {
        method: 'passkey',
        at: T0 + 30_000,
        succeeded: true,
        detail: YUBIKEY,
        resultDetail: null,
        requirement: PHR.displayName,
        passkeyType: 'deviceBound',
      },
    ],
    appliedConditionalAccessPolicies: [enforced, wouldPass, wouldBlock],
    conditionalAccessStatus: 'success',
    authenticationContextClassReferences: [{ id: 'c1', detail: 'required' }],
    strengthsRequired: [PHR],
    strengthsSatisfied: [MFA, PHR],
  };

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: 'contoso' });
    other = await createTenant(server.ctx, { slug: 'fabrikam' });
    token = (await appToken(server, tenant, 'AuditLog.Read.All')).token;
    otherToken = (await appToken(server, other, 'AuditLog.Read.All')).token;
    user = await createUser(server.ctx, tenant, { userPrincipalName: 'Admin@Contoso.com', displayName: 'Ada Admin' });
    const who = { userId: user.id, userPrincipalName: user.userPrincipalName };
    const client = { ip: '198.51.100.7', userAgent: 'Mozilla/5.0 test' };
    // An entry written without facts, as every entry before issue 9.
    await record(T0 - 60_000, { method: 'password', ...who, client });
    // One authorization request: the password, the policy asking for more, then the passkey that satisfied it.
    await record(T0, {
      method: 'password',
      ...who,
      client,
      correlationId: correlation,
      sessionId: 'sess-1',
      conditionalAccess: passwordFirst,
    });
    await record(T0 + 30_000, {
      method: 'passkey',
      ...who,
      client,
      detail: { credentialId: 'cred-1' },
      correlationId: correlation,
      sessionId: 'sess-1',
      conditionalAccess: steppedUp,
    });
    // Another request: a pass refused at the step-up, the catalogue code kept.
    await record(T0 + 60_000, {
      method: 'temporaryAccessPass',
      ...who,
      client,
      errorCode: 'TAP_EXPIRED',
      correlationId: `req-${randomUUID()}`,
      sessionId: 'sess-2',
      conditionalAccess: {
        ...passwordFirst,
        steps: [
          {
            method: 'temporaryAccessPass',
            at: T0 + 60_000,
            succeeded: false,
            detail: null,
            resultDetail: describeError('TAP_EXPIRED').message,
            requirement: MFA.displayName,
          },
        ],
        appliedConditionalAccessPolicies: [wouldPass],
        strengthsRequired: [MFA],
      },
    });
    // The same correlation in another tenant: never seen from this one.
    await record(T0 + 90_000, { method: 'passkey', correlationId: correlation, conditionalAccess: steppedUp }, other);
  });
  afterAll(() => server?.close());

  it('one authorization request: its two entries by correlationId, newest first, every Conditional Access field', async () => {
    const r = await signIns(`correlationId eq '${correlation}'`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const [stepUp, first] = r.body.value as Json[];
    expect(r.body.value).toHaveLength(2);
    expect(stepUp).toMatchObject({
      userId: user.id,
      userPrincipalName: 'admin@contoso.com',
      userDisplayName: 'Ada Admin',
      ipAddress: '198.51.100.7',
      correlationId: correlation,
      sessionId: 'sess-1',
      status: { errorCode: 0, failureReason: null, additionalDetails: null },
      authenticationRequirement: 'multiFactorAuthentication',
      authenticationRequirementPolicies: [
        { requirementProvider: 'multiConditionalAccess', detail: 'Conditional Access' },
        { requirementProvider: 'authenticationStrengths', detail: 'Authentication Strength(s)' },
      ],
      authenticationMethodsUsed: ['Password', 'Passkey (device-bound)'],
      conditionalAccessStatus: 'success',
      authenticationContextClassReferences: [{ id: 'c1', detail: 'required' }],
      signetStrengthsRequired: [PHR],
      signetStrengthsSatisfied: [MFA, PHR],
    });
    expect(stepUp!.authenticationDetails).toEqual([
      {
        authenticationStepDateTime: '2026-05-04T08:00:00.000Z',
        authenticationMethod: 'Password',
        authenticationMethodDetail: null,
        succeeded: true,
        authenticationStepRequirement: 'Primary authentication',
        authenticationStepResultDetail: 'Previously satisfied',
      },
      {
        authenticationStepDateTime: '2026-05-04T08:00:30.000Z',
        authenticationMethod: 'Passkey (device-bound)',
        authenticationMethodDetail: YUBIKEY,
        succeeded: true,
        authenticationStepRequirement: PHR.displayName,
        authenticationStepResultDetail: null,
      },
    ]);
    // The enforced policy and both report-only results, as written.
    expect(stepUp!.appliedConditionalAccessPolicies).toEqual([enforced, wouldPass, wouldBlock]);
    expect(stepUp!.appliedConditionalAccessPolicies.map((p: Json) => p.result)).toEqual([
      'success',
      'reportOnlySuccess',
      'reportOnlyFailure',
    ]);
    // The first entry: the password was right, and the policy not yet met.
    expect(first).toMatchObject({
      correlationId: correlation,
      status: { errorCode: 0 },
      conditionalAccessStatus: 'failure',
      signetStrengthsSatisfied: [],
      authenticationMethodsUsed: ['Password'],
    });
    expect(first!.appliedConditionalAccessPolicies.map((p: Json) => p.result)).toEqual([
      'failure',
      'reportOnlyFailure',
      'reportOnlyFailure',
    ]);

    const one = await graph(`/auditLogs/signIns/${stepUp!.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual({
      '@odata.context': `${server.url}/graph/v1.0/$metadata#auditLogs/signIns/$entity`,
      ...stepUp,
    });
    const picked = await graph(
      `/auditLogs/signIns/${stepUp!.id}?$select=id,conditionalAccessStatus,signetStrengthsRequired`,
    );
    expect(picked.body).toEqual({
      '@odata.context': `${server.url}/graph/v1.0/$metadata#auditLogs/signIns/$entity`,
      id: stepUp!.id,
      conditionalAccessStatus: 'success',
      signetStrengthsRequired: [PHR],
    });
  });

  it('a refused step: the catalogue code in status, the step failed with its message, the would-be result kept', async () => {
    const r = await signIns("status/errorCode eq 'TAP_EXPIRED'");
    expect(r.status).toBe(200);
    expect(r.body.value).toHaveLength(1);
    const entry = describeError('TAP_EXPIRED');
    const [row] = r.body.value as Json[];
    expect(row).toMatchObject({
      sessionId: 'sess-2',
      status: { errorCode: 'TAP_EXPIRED', failureReason: entry.message, additionalDetails: entry.remediation },
      conditionalAccessStatus: 'failure',
      authenticationMethodsUsed: [],
      appliedConditionalAccessPolicies: [wouldPass],
      signetStrengthsRequired: [MFA],
    });
    expect(row!.correlationId).not.toBe(correlation);
    expect(row!.authenticationDetails).toEqual([
      expect.objectContaining({
        authenticationMethod: 'Temporary Access Pass',
        succeeded: false,
        authenticationStepRequirement: MFA.displayName,
        authenticationStepResultDetail: entry.message,
      }),
    ]);
  });

  it('filters by conditionalAccessStatus; an entry without facts is notApplied and its own correlation', async () => {
    const ids = async (filter: string) => {
      const r = await signIns(`userId eq '${user.id}' and (${filter})`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return (r.body.value as Json[]).map((x) => x.status.errorCode === 0 && x.conditionalAccessStatus);
    };
    expect(await ids("conditionalAccessStatus eq 'failure'")).toEqual([false, 'failure']);
    expect(await ids("conditionalAccessStatus eq 'success'")).toEqual(['success']);
    expect(await ids("conditionalAccessStatus ne 'failure'")).toEqual(['success', 'notApplied']);
    const old = await signIns(`userId eq '${user.id}' and conditionalAccessStatus eq 'notApplied'`);
    expect(old.body.value).toHaveLength(1);
    expect(old.body.value[0]).toMatchObject({
      correlationId: old.body.value[0].id,
      sessionId: null,
      appliedConditionalAccessPolicies: [],
      authenticationContextClassReferences: [],
      authenticationRequirementPolicies: [],
      authenticationRequirement: 'singleFactorAuthentication',
      authenticationDetails: [expect.objectContaining({ authenticationMethod: 'Password', succeeded: true })],
    });
  });

  it('a status Graph does not have is refused by name, not answered with an empty page', async () => {
    for (const bad of ["conditionalAccessStatus eq 'failed'", "conditionalAccessStatus in ('success', 'blocked')"]) {
      const r = await signIns(bad);
      expect(r.status, bad).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'GRAPH_QUERY_INVALID', innerError: { parameter: '$filter' } });
      expect(r.body.error.innerError.reason).toContain(
        'conditionalAccessStatus is one of success, failure, notApplied',
      );
    }
    const unquoted = await signIns('conditionalAccessStatus eq failure');
    expect(unquoted.status).toBe(400);
    expect(unquoted.body.error.code).toBe('GRAPH_QUERY_INVALID');
  });

  it('another tenant sees only its own entry of that correlation, and none of these', async () => {
    const theirs = await signIns(`correlationId eq '${correlation}'`, '', otherToken);
    expect(theirs.status).toBe(200);
    expect(theirs.body.value).toHaveLength(1);
    expect(theirs.body.value[0].userId).toBeNull();
    const mine = await signIns(`correlationId eq '${correlation}'`);
    const stranger = await graph(`/auditLogs/signIns/${mine.body.value[0].id}`, otherToken);
    expect(stranger.status).toBe(404);
    expect(stranger.body.error.code).toBe('GRAPH_RESOURCE_NOT_FOUND');
  });
});
