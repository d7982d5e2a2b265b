// A user's authentication methods (graph.md §3): every method in one list (password, passkeys, authenticator apps,
// email, the pass), the passkeys (fido2Methods: list, get, delete) and the Temporary Access Pass (create — the pass only in that answer — list, get, delete). The
// method id of a passkey is Signet's row id of it (stable, never the credential id, which is the
// authenticator's). Lookups are in the token's tenant only; deletes and a new pass follow privileged-target.ts.
import type { RoutePermission } from '../../core/authorization.ts';
import { SignetError } from '../../core/errors.ts';
import {
  type Fido2Facts,
  methodsContext,
  parseTapCreate,
  type TapFacts,
  toGraphFido2,
  toGraphTap,
} from '../../core/graph-authentication-method.ts';
import { toGraphEmail, toGraphSoftwareOath } from '../../core/graph-otp-methods.ts';
import { passkeyTypeOf } from '../../core/passkey-profile.ts';
import type { Ctx } from '../../flows/context.ts';
import { deleteUserPasskey } from '../../flows/manage-passkeys.ts';
import { deleteUserTap, issueUserTap, tapPolicyOf } from '../../flows/temporary-access-pass.ts';
import { findUserByKey } from '../../flows/users.ts';
import { findEmailMethod, listTotpMethods } from '../../store/otp-methods.ts';
import { listPasskeys, type Passkey } from '../../store/passkeys.ts';
import { findTapOfUser } from '../../store/taps.ts';
import type { User } from '../../store/users.ts';
import { passwordMethodsOf } from './password-methods.ts';
import type { GraphCall, GraphRoute } from './route.ts';

const READ_ROLES = [
  'Global Reader',
  'Privileged Authentication Administrator',
  'Authentication Administrator',
] as const;
const WRITE_ROLES = ['Privileged Authentication Administrator', 'Authentication Administrator'] as const;

// Graph: UserAuthenticationMethod.Read.All / .ReadWrite.All; Signet knows the ReadWrite one.
const ALL_METHODS_READ: RoutePermission = {
  application: ['UserAuthenticationMethod.ReadWrite.All'],
  delegated: { scopes: ['UserAuthenticationMethod.ReadWrite.All'], roles: READ_ROLES },
};
// Passkeys: also the method-scoped UserAuthMethod-Passkey.ReadWrite.All (graph.md §3.4).
const PASSKEY_PERMISSIONS = ['UserAuthMethod-Passkey.ReadWrite.All', 'UserAuthenticationMethod.ReadWrite.All'] as const;
const PASSKEY_READ: RoutePermission = {
  application: PASSKEY_PERMISSIONS,
  delegated: { scopes: PASSKEY_PERMISSIONS, roles: READ_ROLES },
};
export const PASSKEY_WRITE: RoutePermission = {
  application: PASSKEY_PERMISSIONS,
  delegated: { scopes: PASSKEY_PERMISSIONS, roles: WRITE_ROLES },
};
const TAP_READ = ALL_METHODS_READ;
const TAP_WRITE: RoutePermission = {
  application: ['UserAuthenticationMethod.ReadWrite.All'],
  delegated: { scopes: ['UserAuthenticationMethod.ReadWrite.All'], roles: WRITE_ROLES },
};

const ROOT = '/users/:id/authentication';

async function userOf(call: GraphCall): Promise<User> {
  const user = await findUserByKey(call.ctx.db, call.tenant.id, call.params.id ?? '');
  if (!user) throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'user' });
  return user;
}

const fido2Facts = (ctx: Ctx, p: Passkey): Fido2Facts => ({
  id: p.id,
  displayName: p.displayName,
  createdAt: p.createdAt,
  aaguid: p.aaguid,
  model: ctx.metadata.nameOf(p.aaguid) ?? null,
  attested: p.attestationTrust === 'verified',
  passkeyType: passkeyTypeOf(p),
});

/** A passkey in Graph's fido2AuthenticationMethod shape (also for provisioning and /me). */
export const graphFido2Method = (ctx: Ctx, p: Passkey) => toGraphFido2(fido2Facts(ctx, p));

export async function passkeysOf(ctx: Ctx, tenantId: string, user: User) {
  return (await listPasskeys(ctx.db, tenantId, user.id)).map((p) => graphFido2Method(ctx, p));
}

export async function tapsOf(ctx: Ctx, tenantId: string, user: User): Promise<TapFacts[]> {
  const tap = await findTapOfUser(ctx.db, tenantId, user.id);
  return tap ? [tap] : [];
}

/** The user's passes in Graph's shape, usable or not as sign-in would judge them now (the policy included). */
export async function graphTapsOf(ctx: Ctx, tenantId: string, user: User): Promise<Record<string, unknown>[]> {
  const taps = await tapsOf(ctx, tenantId, user);
  if (taps.length === 0) return [];
  const { facts } = await tapPolicyOf(ctx, tenantId, user.id);
  const now = ctx.now();
  return taps.map((t) => toGraphTap(t, facts, now));
}

/** Every method of the user in Graph's shapes, as authentication/methods lists them (also for /me). */
export async function methodsOf(ctx: Ctx, tenantId: string, user: User): Promise<Record<string, unknown>[]> {
  // The one-time code methods in the shapes their own routes give (softwareOathMethodsOf, emailMethodsOf), read
  // from the store here because this list is also /me's, which has no GraphCall of /users to pass them.
  const [password, passkeys, apps, email, taps] = await Promise.all([
    passwordMethodsOf(ctx, tenantId, user.id),
    passkeysOf(ctx, tenantId, user),
    listTotpMethods(ctx.db, tenantId, user.id),
    findEmailMethod(ctx.db, tenantId, user.id),
    graphTapsOf(ctx, tenantId, user),
  ]);
  return [...password, ...passkeys, ...apps.map(toGraphSoftwareOath), ...(email ? [toGraphEmail(email)] : []), ...taps];
}

const notFound = (resource: string) => new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource });

export const authenticationMethodRoutes: GraphRoute[] = [
  {
    method: 'GET',
    path: `${ROOT}/methods`,
    permission: ALL_METHODS_READ,
    handler: async (call) => {
      const { ctx, tenant, base } = call;
      const user = await userOf(call);
      const value = await methodsOf(ctx, tenant.id, user);
      return { body: { '@odata.context': methodsContext(base, user.id, 'methods'), value } };
    },
  },
  {
    method: 'GET',
    path: `${ROOT}/fido2Methods`,
    permission: PASSKEY_READ,
    handler: async (call) => {
      const user = await userOf(call);
      return {
        body: {
          '@odata.context': methodsContext(call.base, user.id, 'fido2Methods'),
          value: await passkeysOf(call.ctx, call.tenant.id, user),
        },
      };
    },
  },
  {
    method: 'GET',
    path: `${ROOT}/fido2Methods/:methodId`,
    permission: PASSKEY_READ,
    handler: async (call) => {
      const user = await userOf(call);
      const found = (await passkeysOf(call.ctx, call.tenant.id, user)).find((p) => p.id === call.params.methodId);
      if (!found) throw notFound('fido2AuthenticationMethod');
      return { body: { '@odata.context': methodsContext(call.base, user.id, 'fido2Methods', true), ...found } };
    },
  },
  {
    method: 'DELETE',
    path: `${ROOT}/fido2Methods/:methodId`,
    permission: PASSKEY_WRITE,
    handler: async ({ ctx, tenant, principal, params }) => {
      await deleteUserPasskey(ctx, tenant, principal, params.id ?? '', params.methodId ?? '');
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    path: `${ROOT}/temporaryAccessPassMethods`,
    permission: TAP_READ,
    handler: async (call) => {
      const user = await userOf(call);
      return {
        body: {
          '@odata.context': methodsContext(call.base, user.id, 'temporaryAccessPassMethods'),
          value: await graphTapsOf(call.ctx, call.tenant.id, user),
        },
      };
    },
  },
  {
    method: 'GET',
    path: `${ROOT}/temporaryAccessPassMethods/:methodId`,
    permission: TAP_READ,
    handler: async (call) => {
      const user = await userOf(call);
      const tap = (await graphTapsOf(call.ctx, call.tenant.id, user)).find((t) => t.id === call.params.methodId);
      if (!tap) throw notFound('temporaryAccessPassAuthenticationMethod');
      return {
        body: {
          '@odata.context': methodsContext(call.base, user.id, 'temporaryAccessPassMethods', true),
          ...tap,
        },
      };
    },
  },
  {
    method: 'POST',
    path: `${ROOT}/temporaryAccessPassMethods`,
    permission: TAP_WRITE,
    handler: async (call) => {
      const { ctx, tenant, principal, params, base, req } = call;
      // The user must exist before the body is judged, so a refusal never tells another tenant anything.
      const user = await userOf(call);
      const parsed = parseTapCreate(req.body, ctx.now());
      if (!parsed.ok) throw new SignetError(parsed.code, parsed.detail);
      const issued = await issueUserTap(ctx, tenant, principal, params.id ?? '', parsed.value);
      // Just issued, so the policy covered the user: usable now, or NotYetValid for a later start.
      const { facts } = await tapPolicyOf(ctx, tenant.id, user.id);
      return {
        status: 201,
        body: {
          '@odata.context': methodsContext(base, user.id, 'temporaryAccessPassMethods', true),
          ...toGraphTap({ ...issued, usedAt: null }, facts, ctx.now(), issued.pass),
        },
      };
    },
  },
  {
    method: 'DELETE',
    path: `${ROOT}/temporaryAccessPassMethods/:methodId`,
    permission: TAP_WRITE,
    handler: async ({ ctx, tenant, principal, params }) => {
      await deleteUserTap(ctx, tenant, principal, params.id ?? '', params.methodId ?? '');
      return { status: 204 };
    },
  },
];
