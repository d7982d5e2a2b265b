// `signet policy show | set`: the tenant's authentication methods policy as the admin API has it
// (src/http/graph/auth-methods-policy.ts), read and changed through the same flow (src/flows/method-policy.ts) as
// the local operator, so `set` takes the body of a PATCH with its semantics (only the properties sent change), its
// validation and its audit. `set --dry-run` is the admin API's previewImpact (src/flows/policy-impact.ts): the body
// judged the same way, nothing saved. `signet policy whatif` is policy-whatif.ts.
import { SignetError } from '../core/errors.ts';
import { METHOD_IDS, type MethodId, methodIdOf, toGraphMethodConfiguration } from '../core/method-policy-schemas.ts';
import { localOperator } from '../flows/local-operator.ts';
import { methodPolicies, updateMethodConfiguration } from '../flows/method-policy.ts';
import { impactAnswer, previewFido2Patch } from '../flows/policy-impact.ts';
import type { Tenant } from '../store/tenants.ts';
import { readPolicyFile, tenantOpt } from './policy-file.ts';
import type { PositionalCommand } from './positionals.ts';
import { type Command, type Runtime, tenantOption } from './runtime.ts';
import { fields, table } from './table.ts';

function methodOption(value: unknown): MethodId {
  const m = methodIdOf(String(value ?? ''));
  if (!m) throw new SignetError('POLICY_METHOD_UNKNOWN', { method: String(value ?? ''), known: METHOD_IDS.join(', ') });
  return m;
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
