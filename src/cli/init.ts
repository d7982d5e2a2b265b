import { initInstance } from '../flows/bootstrap.ts';
import type { Command, Runtime } from './runtime.ts';

export async function runInit(rt: Runtime) {
  const r = await initInstance(rt.ctx);
  const out = {
    created: r.created,
    tenant: { id: r.tenant.id, slug: r.tenant.slug },
    admin: { id: r.admin.id, userPrincipalName: r.admin.userPrincipalName },
    url: r.signInUrl,
    temporaryAccessPass: r.tap
      ? { pass: r.tap.pass, expiresDateTime: new Date(r.tap.expiresAt).toISOString(), isUsableOnce: r.tap.oneTime }
      : null,
  };
  if (!rt.json) {
    rt.print(`Signet tenant "${r.tenant.slug}" (${r.tenant.id})`);
    rt.print(`Sign in at:  ${r.signInUrl}`);
    if (r.tap) {
      rt.print(`Username:    ${r.admin.userPrincipalName}`);
      rt.print(`Temporary Access Pass (one use, until ${out.temporaryAccessPass?.expiresDateTime}): ${r.tap.pass}`);
      rt.print('The pass is shown only now. Sign in with it and register a passkey.');
    } else {
      rt.print(
        `Administrator: ${r.admin.userPrincipalName}. For a new pass: npx signet tap issue --user ${r.admin.userPrincipalName}`,
      );
    }
  }
  return out;
}

export const initCommand: Command = {
  name: 'init',
  summary: 'create the first tenant, its administrator and a one-time Temporary Access Pass (idempotent)',
  usage: 'signet init [--json]',
  options: {},
  run: (rt) => runInit(rt),
};
