// `signet policy show | set | whatif`: the tenant's authentication methods policy as the admin API has it
// (src/http/graph/auth-methods-policy.ts), read and changed through the same flow (src/flows/method-policy.ts) as
// the local operator, so `set` takes the body of a PATCH with its semantics (only the properties sent change), its
// validation and its audit. `set --dry-run` and `whatif` are the admin API's previewImpact and evaluateRegistration
// (src/flows/policy-impact.ts): they judge the body the same way and save nothing.
import { readFileSync } from 'node:fs';
import { SignetError } from '../core/errors.ts';
import {
  isGuid,
  METHOD_IDS,
  type MethodId,
  methodIdOf,
  toGraphMethodConfiguration,
} from '../core/method-policy-schemas.ts';
import { ATTESTATION_FORMATS, ATTESTATION_TRUSTS, whatIfAttestation } from '../core/registration-whatif.ts';
import { localOperator } from '../flows/local-operator.ts';
import { methodPolicies, updateMethodConfiguration } from '../flows/method-policy.ts';
import { impactAnswer, previewFido2Patch, registrationWhatIf, whatIfAnswer } from '../flows/policy-impact.ts';
import { findUserByKey } from '../flows/users.ts';
import type { Tenant } from '../store/tenants.ts';
import type { PositionalCommand } from './positionals.ts';
import { type Command, type Runtime, tenantOption } from './runtime.ts';
import { fields, table } from './table.ts';

const tenantOpt = { type: 'string', description: 'tenant id or slug (default: the only tenant)' } as const;

function methodOption(value: unknown): MethodId {
  const m = methodIdOf(String(value ?? ''));
  if (!m) throw new SignetError('POLICY_METHOD_UNKNOWN', { method: String(value ?? ''), known: METHOD_IDS.join(', ') });
  return m;
}

/** A policy body from a file, or written inline when the value starts with `{`. */
function readPolicyFile(path: string): unknown {
  let text: string;
  try {
    text = path.trimStart().startsWith('{') ? path : readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new SignetError('POLICY_FILE_INVALID', {
      file: path,
      reason: code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`,
    });
  }
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body;
  } catch {
    // Said below: not JSON at all.
  }
  throw new SignetError('POLICY_FILE_INVALID', {
    file: path.trimStart().startsWith('{') ? '(inline JSON)' : path,
    reason: 'not one JSON object',
  });
}

async function configurations(rt: Runtime, tenant: Tenant, only?: MethodId) {
  const p = await methodPolicies(rt.ctx, tenant.id);
  return (only ? [only] : METHOD_IDS).map((m) => toGraphMethodConfiguration(m, p.methods[m]));
}

/** One line a method for a terminal: its state and the numbers an operator looks for. */
function summary(c: ReturnType<typeof toGraphMethodConfiguration>): string {
  const r = c as Record<string, unknown>;
  const targets = (key: string) => (r[key] as { id: string }[]).map((t) => t.id).join(', ') || '-';
  const extra =
    c.id === 'Fido2'
      ? ` profiles ${(r.passkeyProfiles as unknown[]).length}, self-service ${r.isSelfServiceRegistrationAllowed}, per-user limit ${r.passkeysPerUserLimit}`
      : c.id === 'TemporaryAccessPass'
        ? ` lifetime ${r.minimumLifetimeInMinutes}..${r.defaultLifetimeInMinutes}..${r.maximumLifetimeInMinutes} min, length ${r.defaultLength}, once ${r.isUsableOnce}`
        : '';
  return `${c.id}: ${r.state}; include ${targets('includeTargets')}; exclude ${targets('excludeTargets')};${extra}`;
}

export const policyShowCommand: Command = {
  name: 'policy show',
  summary: 'show the authentication methods policy (every method, or one) as the admin API has it',
  usage: 'signet policy show [--method Fido2] [--tenant T] [--json]',
  options: {
    method: { type: 'string', description: 'Fido2, TemporaryAccessPass, Email, SoftwareOath or Password' },
    tenant: tenantOpt,
  },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const only = v.method === undefined ? undefined : methodOption(v.method);
    const configs = await configurations(rt, tenant, only);
    if (!rt.json) {
      if (only) rt.print(JSON.stringify(configs[0], null, 2));
      else for (const c of configs) rt.print(summary(c));
    }
    return only ? configs[0] : { authenticationMethodConfigurations: configs };
  },
};

export const policySetCommand: PositionalCommand = {
  name: 'policy set',
  summary:
    "change one method's configuration with a PATCH body from a file (only the properties in it change); --dry-run previews a Fido2 body's effect on the tenant's passkeys instead",
  usage:
    'signet policy set --method Fido2 --file policy.json [--dry-run] [--tenant T] [--json]\n       signet policy set --dry-run policy.json   (or inline JSON: \'{"@odata.type": …}\')',
  positionals: ['file'],
  options: {
    method: {
      type: 'string',
      description: 'Fido2, TemporaryAccessPass, Email, SoftwareOath or Password (with --dry-run: Fido2, the default)',
    },
    file: {
      type: 'string',
      required: true,
      description: "a JSON object (a file, or inline JSON starting with '{'): the body of the admin API's PATCH",
    },
    'dry-run': {
      type: 'boolean',
      description: 'save nothing: print which passkeys of which users would stop working at sign-in, and why',
    },
    tenant: tenantOpt,
  },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const body = () => readPolicyFile(String(v.file));
    if (v['dry-run'] === true) {
      const method = v.method === undefined ? 'Fido2' : methodOption(v.method);
      if (method !== 'Fido2') throw new SignetError('PREVIEW_METHOD_NOT_SUPPORTED', { method });
      const answer = impactAnswer(await previewFido2Patch(rt.ctx, tenant, body()));
      if (!rt.json) rt.print(impactText(answer, tenant));
      return answer;
    }
    if (v.method === undefined || v.method === '')
      throw new SignetError('REQUEST_INVALID', {
        field: '--method',
        reason: '--method is required (without --dry-run)',
        remediation: 'Run the command again with --method; npx signet policy set --help lists its options.',
      });
    const method = methodOption(v.method);
    await updateMethodConfiguration(rt.ctx, tenant, localOperator(tenant.id), method, body());
    const [after] = await configurations(rt, tenant, method);
    if (!rt.json) rt.print(`Updated ${method} of tenant ${tenant.slug}: ${summary(after!)}`);
    return after;
  },
};

/** How many affected users the terminal lists (--json carries the answer's whole capped list). */
const TEXT_USERS = 50;

/** The preview for a person: the totals, why, the groups, and the users who would be shut out. */
function impactText(a: ReturnType<typeof impactAnswer>, tenant: Tenant): string {
  const s = a.summary;
  const lines = [
    `Dry run for tenant ${tenant.slug}: nothing was saved.`,
    fields([
      ['users', s.users],
      ['passkeys', s.passkeys],
      ['usable now', s.passkeysUsableNow],
      ['usable after', s.passkeysUsableAfter],
      ['would stop working', s.passkeysThatStopWorking],
      ['would start working', s.passkeysThatStartWorking],
      ['users affected', s.usersAffected],
      ['users left without a passkey (need a TAP)', s.usersLosingEveryPasskey],
      ['of whom the TAP method gives no pass', s.usersLosingEveryPasskeyWithoutTap],
      ['time', `${a.elapsedMilliseconds} ms`],
    ]),
  ];
  if (s.reasons.length > 0)
    lines.push(
      '',
      table(
        ['passkeys', 'reason'],
        s.reasons.map((r) => [r.passkeys, `${r.code}: ${r.message}`]),
        '',
      ),
    );
  if (a.groupsCounted && a.groups.length > 0)
    lines.push(
      '',
      table(
        ['group', 'id', 'users affected', 'left without a passkey', 'passkeys'],
        a.groups.map((g) => [
          g.displayName,
          g.id,
          g.usersAffected,
          g.usersLosingEveryPasskey,
          g.passkeysThatStopWorking,
        ]),
        '',
      ),
    );
  if (a.affectedUsers.length > 0) {
    const shown = a.affectedUsers.slice(0, TEXT_USERS);
    const rows = shown.flatMap((u) =>
      u.passkeys.map((p) => [
        u.userPrincipalName,
        u.needsTemporaryAccessPass ? 'yes' : 'no',
        p.displayName,
        p.passkeyType,
        p.model ?? p.aaGuid,
        [p.code, ...Object.entries(p.detail).map(([k, v]) => `${k}=${v}`)].join(' '),
      ]),
    );
    lines.push('', table(['user', 'needs TAP', 'passkey', 'type', 'model', 'refusal'], rows, ''));
    if (a.affectedUsersCount > shown.length)
      lines.push(
        `… and ${a.affectedUsersCount - shown.length} more affected users (--json lists up to ${a.affectedUsersLimit}).`,
      );
  }
  return lines.join('\n');
}

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
