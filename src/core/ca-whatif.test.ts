import { describe, expect, it } from 'vitest';
import { analysisReasonsText, judgeWhatIfRequest } from './ca-whatif.ts';

const USER = '15dc174b-f34c-4588-ac45-61d6e05dce93';
const APP = '00000003-0000-0FF1-CE00-000000000000';
const body = (over: Record<string, unknown> = {}) => ({
  signInIdentity: { '@odata.type': '#microsoft.graph.userSignIn', userId: USER },
  signInContext: { '@odata.type': '#microsoft.graph.applicationContext', includeApplications: [APP] },
  signInConditions: { clientAppType: 'browser', ipAddress: '40.77.182.32' },
  ...over,
});

describe('judgeWhatIfRequest', () => {
  it('reads Graph’s evaluate body: the user, the app (lower case), the client type and the address', () => {
    expect(judgeWhatIfRequest(body({ appliedPoliciesOnly: true }))).toEqual({
      ok: true,
      value: {
        userId: USER,
        appId: APP.toLowerCase(),
        authenticationContexts: [],
        userAction: null,
        clientAppType: 'browser',
        ip: '40.77.182.32',
        appliedPoliciesOnly: true,
      },
    });
  });

  it('reads an authentication context, a user action, and no app as Signet’s own pages', () => {
    const ctx = judgeWhatIfRequest(
      body({ signInContext: { '@odata.type': '#microsoft.graph.authContext', authenticationContextValue: 'C4' } }),
    );
    expect(ctx).toMatchObject({ ok: true, value: { appId: null, authenticationContexts: ['c4'] } });
    const action = judgeWhatIfRequest(
      body({
        signInContext: {
          '@odata.type': '#microsoft.graph.userActionContext',
          userAction: 'registerSecurityInformation',
        },
      }),
    );
    expect(action).toMatchObject({ ok: true, value: { userAction: 'registerSecurityInformation' } });
    const own = judgeWhatIfRequest(
      body({
        signInContext: { '@odata.type': '#microsoft.graph.applicationContext', includeApplications: [] },
        signInConditions: {},
      }),
    );
    expect(own).toMatchObject({ ok: true, value: { appId: null, ip: null, clientAppType: 'browser' } });
  });

  it('refuses by name what Signet cannot judge, and takes none as unset', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ signInConditions: { devicePlatform: 'android' } }, 'signInConditions.devicePlatform'],
      [{ signInConditions: { signInRiskLevel: 'high' } }, 'signInConditions.signInRiskLevel'],
      [{ signInConditions: { country: 'US' } }, 'signInConditions.country'],
      [{ signInConditions: { deviceInfo: { isCompliant: true } } }, 'signInConditions.deviceInfo'],
      [{ signInConditions: { clientAppType: 'exchangeActiveSync' } }, 'signInConditions.clientAppType'],
      [
        { signInIdentity: { '@odata.type': '#microsoft.graph.servicePrincipalSignIn', servicePrincipalId: USER } },
        'signInIdentity',
      ],
      [
        { signInContext: { '@odata.type': '#microsoft.graph.userActionContext', userAction: 'registerOrJoinDevices' } },
        'signInContext.userAction',
      ],
    ];
    for (const [over, field] of cases)
      expect(judgeWhatIfRequest(body(over)), field).toMatchObject({
        ok: false,
        code: 'CA_WHATIF_UNSUPPORTED',
        detail: { field },
      });
    expect(judgeWhatIfRequest(body({ signInConditions: { userRiskLevel: 'none' } })).ok).toBe(true);
  });

  it('refuses a malformed body: unknown properties, a bad address, a context outside c1..c99, two apps', () => {
    expect(judgeWhatIfRequest(body({ extra: 1 }))).toMatchObject({ code: 'GRAPH_PROPERTY_UNKNOWN' });
    expect(judgeWhatIfRequest(body({ signInConditions: { colour: 'red' } }))).toMatchObject({
      code: 'GRAPH_PROPERTY_UNKNOWN',
      detail: { properties: 'signInConditions.colour' },
    });
    expect(judgeWhatIfRequest(body({ signInConditions: { ipAddress: '300.1.1.1' } }))).toMatchObject({
      code: 'REQUEST_INVALID',
      detail: { field: 'signInConditions.ipAddress' },
    });
    expect(
      judgeWhatIfRequest(
        body({ signInContext: { '@odata.type': '#microsoft.graph.authContext', authenticationContextValue: 'c100' } }),
      ),
    ).toMatchObject({ code: 'REQUEST_INVALID' });
    expect(
      judgeWhatIfRequest(
        body({
          signInContext: { '@odata.type': '#microsoft.graph.applicationContext', includeApplications: [APP, USER] },
        }),
      ),
    ).toMatchObject({ code: 'REQUEST_INVALID' });
    expect(judgeWhatIfRequest(body({ signInContext: {} }))).toMatchObject({
      code: 'REQUEST_INVALID',
      detail: { field: 'signInContext.@odata.type' },
    });
    expect(judgeWhatIfRequest([])).toMatchObject({ code: 'REQUEST_INVALID' });
  });

  it('answers Graph’s reasons as one flags string, notSet when the policy applies', () => {
    expect(analysisReasonsText([])).toBe('notSet');
    expect(analysisReasonsText(['users', 'location'])).toBe('users,location');
  });
});
