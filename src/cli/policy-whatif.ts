// `signet policy whatif`: the admin API's evaluateRegistration (src/flows/policy-impact.ts) for an operator — would
// this user's registration of this authenticator be accepted, under the policy in force or a proposed Fido2 body,
// and if not, by which rule. Nothing is saved.
import { SignetError } from '../core/errors.ts';
import { isGuid } from '../core/method-policy-schemas.ts';
import { ATTESTATION_FORMATS, ATTESTATION_TRUSTS, whatIfAttestation } from '../core/registration-whatif.ts';
import { registrationWhatIf, whatIfAnswer } from '../flows/policy-impact.ts';
import { findUserByKey } from '../flows/users.ts';
import { readPolicyFile, tenantOpt } from './policy-file.ts';
import { type Command, tenantOption } from './runtime.ts';
import { table } from './table.ts';

export const policyWhatIfCommand: Command = {
  name: 'policy whatif',
  summary:
    "would a user's registration of this authenticator be accepted (under the policy in force, or --policy's Fido2 body), and if not, by which rule",
  usage:
    'signet policy whatif --user <upn|id> --aaguid <guid> --type deviceBound|synced [--attestation none|self|unverified|verified] [--format packed] [--policy body.json] [--tenant T] [--json]',
  options: {
    user: { type: 'string', required: true, description: 'the user: userPrincipalName or object id' },
    aaguid: { type: 'string', required: true, description: "the authenticator model's AAGUID" },
    type: { type: 'string', required: true, description: 'deviceBound or synced' },
    attestation: {
      type: 'string',
      description:
        'what its attestation proves: none, self, unverified or verified (default: none, or unverified with --format)',
    },
    format: { type: 'string', description: `the attestation format: ${ATTESTATION_FORMATS.join(', ')}` },
    policy: {
      type: 'string',
      description: 'a Fido2 PATCH body (file or inline JSON) to judge against instead of the policy in force',
    },
    tenant: tenantOpt,
  },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const aaguid = String(v.aaguid);
    if (!isGuid(aaguid))
      throw new SignetError('REQUEST_INVALID', {
        field: '--aaguid',
        reason: 'must be a GUID (8-4-4-4-12 hexadecimal digits)',
      });
    const type = String(v.type);
    if (type !== 'deviceBound' && type !== 'synced')
      throw new SignetError('REQUEST_INVALID', { field: '--type', reason: 'must be deviceBound or synced' });
    const oneOf = <T extends string>(name: string, value: unknown, allowed: readonly T[]): T | undefined => {
      if (value === undefined) return undefined;
      if (!(allowed as readonly unknown[]).includes(value))
        throw new SignetError('REQUEST_INVALID', {
          field: `--${name}`,
          reason: `must be one of ${allowed.join(', ')}`,
        });
      return value as T;
    };
    const att = whatIfAttestation(
      oneOf('format', v.format, ATTESTATION_FORMATS),
      oneOf('attestation', v.attestation, ATTESTATION_TRUSTS),
    );
    if (!att.ok)
      throw new SignetError('REQUEST_INVALID', {
        field: att.detail.field === 'attestationTrust' ? '--attestation' : '--format',
        reason: att.detail.reason ?? '',
      });
    const user = await findUserByKey(rt.ctx.db, tenant.id, String(v.user));
    if (!user) throw new SignetError('USER_NOT_FOUND', { user: String(v.user) });
    const answer = whatIfAnswer(
      await registrationWhatIf(rt.ctx, tenant, {
        user,
        authenticator: { aaguid, passkeyType: type, attestationFormat: att.format, attestationTrust: att.trust },
        ...(v.policy === undefined ? {} : { proposed: readPolicyFile(String(v.policy)) }),
      }),
    );
    if (!rt.json) rt.print(whatIfText(answer));
    return answer;
  },
};

function whatIfText(a: ReturnType<typeof whatIfAnswer>): string {
  const verdict = a.isAccepted
    ? 'accepted'
    : `refused: ${a.code} (${a.decidedBy}) ${a.message}${
        Object.keys(a.detail).length
          ? `\n  ${Object.entries(a.detail)
              .map(([k, v]) => `${k}: ${v}`)
              .join('\n  ')}`
          : ''
      }`;
  return [
    `Registration of ${a.authenticator.model ?? a.authenticator.aaGuid} (${a.authenticator.passkeyType}, attestation ${a.authenticator.attestationFormat}/${a.authenticator.attestationTrust}) by ${a.user.userPrincipalName}, under the ${a.configuration} policy: ${verdict}`,
    '',
    table(
      ['profile', 'allows it', 'why not'],
      a.passkeyProfiles.map((p) => [
        p.name,
        p.isAllowed ? 'yes' : 'no',
        p.code ? [p.code, ...Object.entries(p.detail).map(([k, v]) => `${k}=${v}`)].join(' ') : '',
      ]),
      'No passkey profile applies to this user.',
    ),
    '',
    `Taken as given: ${a.assumptions.join('; ')}.`,
  ].join('\n');
}
