// `signet policy show | set`: the tenant's authentication methods policy as the admin API has it
// (src/http/graph/auth-methods-policy.ts), read and changed through the same flow (src/flows/method-policy.ts) as
// the local operator, so `set` takes the body of a PATCH with its semantics (only the properties sent change), its
// validation and its audit.
import { readFileSync } from 'node:fs';
import { SignetError } from '../core/errors.ts';
import { METHOD_IDS, type MethodId, methodIdOf, toGraphMethodConfiguration } from '../core/method-policy-schemas.ts';
import { localOperator } from '../flows/local-operator.ts';
import { methodPolicies, updateMethodConfiguration } from '../flows/method-policy.ts';
import type { Tenant } from '../store/tenants.ts';
import { type Command, type Runtime, tenantOption } from './runtime.ts';

const tenantOpt = { type: 'string', description: 'tenant id or slug (default: the only tenant)' } as const;

function methodOption(value: unknown): MethodId {
  const m = methodIdOf(String(value ?? ''));
  if (!m) throw new SignetError('POLICY_METHOD_UNKNOWN', { method: String(value ?? ''), known: METHOD_IDS.join(', ') });
  return m;
}

function readPolicyFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
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
  throw new SignetError('POLICY_FILE_INVALID', { file: path, reason: 'not one JSON object' });
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

export const policySetCommand: Command = {
  name: 'policy set',
  summary: "change one method's configuration with a PATCH body from a file (only the properties in it change)",
  usage: 'signet policy set --method Fido2 --file policy.json [--tenant T] [--json]',
  options: {
    method: {
      type: 'string',
      required: true,
      description: 'Fido2, TemporaryAccessPass, Email, SoftwareOath or Password',
    },
    file: { type: 'string', required: true, description: "a JSON object: the body of the admin API's PATCH" },
    tenant: tenantOpt,
  },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const method = methodOption(v.method);
    const body = readPolicyFile(String(v.file));
    await updateMethodConfiguration(rt.ctx, tenant, localOperator(tenant.id), method, body);
    const [after] = await configurations(rt, tenant, method);
    if (!rt.json) rt.print(`Updated ${method} of tenant ${tenant.slug}: ${summary(after!)}`);
    return after;
  },
};
