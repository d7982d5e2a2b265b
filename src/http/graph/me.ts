// The signed-in user's own account and passkeys (SPEC §3 "Self-service API"): GET /me, their methods, their
// passkeys (list, get, rename, delete) and registering a new one (creationOptions, then POST). Each route acts on
// the token's own user (`oid`) and needs no directory role, only the user's delegated scope — our low-privilege
// UserAuthenticationMethod.ReadWrite, or an .All scope; app-only tokens have no /me. Registering is under the
// full registration gate (flows/provision-passkey.ts); deleting needs the same fresh strong sign-in as the
// account page (flows/manage-passkeys.ts), both judged from the Signet session the token was issued from.
import type { RoutePermission } from '../../core/authorization.ts';
import { SignetError } from '../../core/errors.ts';
import { methodsContext } from '../../core/graph-authentication-method.ts';
import {
  parseFido2MethodCreate,
  parseFido2MethodUpdate,
  toGraphCreationOptions,
} from '../../core/graph-fido2-provisioning.ts';
import { graphUserEntity, userQuerySpec } from '../../core/graph-user.ts';
import { parseCollectionQuery } from '../../core/odata.ts';
import { deleteOwnPasskey, renameOwnPasskey } from '../../flows/manage-passkeys.ts';
import {
  beginGraphRegistration,
  finishGraphRegistration,
  NO_SESSION,
  sessionBehindToken,
} from '../../flows/provision-passkey.ts';
import { findUserById, type User } from '../../store/users.ts';
import { graphFido2Method, methodsOf, passkeysOf } from './authentication-methods.ts';
import { CREATION_OPTIONS_CONTEXT } from './fido2-provisioning.ts';
import type { GraphCall, GraphRoute } from './route.ts';

const selfOnly = (scopes: readonly string[]): RoutePermission => ({
  application: [],
  delegated: { scopes, roles: 'anyUser' },
});
// Graph's User.Read (or a wider read), and our own scope, which an app building on /me asks for anyway.
const ME_READ = selfOnly(['User.Read', 'UserAuthenticationMethod.ReadWrite', 'User.Read.All', 'User.ReadWrite.All']);
const OWN_METHODS = selfOnly(['UserAuthenticationMethod.ReadWrite', 'UserAuthenticationMethod.ReadWrite.All']);
const OWN_PASSKEYS = selfOnly([
  'UserAuthenticationMethod.ReadWrite',
  'UserAuthMethod-Passkey.ReadWrite.All',
  'UserAuthenticationMethod.ReadWrite.All',
]);

const ROOT = '/me/authentication';

/** The token's own user (the Graph preamble has already refused a disabled or unknown one). */
async function me(call: GraphCall): Promise<User> {
  if (call.principal.kind !== 'delegated')
    throw new SignetError('GRAPH_PERMISSION_DENIED', { reason: '/me needs a signed-in user' });
  const user = await findUserById(call.ctx.db, call.tenant.id, call.principal.userId);
  if (!user) throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'user' });
  return user;
}

const notFound = () => new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'fido2AuthenticationMethod' });

export const meRoutes: GraphRoute[] = [
  {
    method: 'GET',
    path: '/me',
    permission: ME_READ,
    handler: async (call) => {
      const select = (call.req.query as Record<string, unknown> | undefined)?.$select;
      let fields: string[] | undefined;
      if (select !== undefined) {
        const parsed = parseCollectionQuery({ $select: select }, userQuerySpec);
        if (!parsed.ok) throw new SignetError(parsed.code, parsed.detail);
        fields = parsed.query.select;
      }
      return { body: graphUserEntity(call.base, await me(call), fields) };
    },
  },
  {
    method: 'GET',
    path: `${ROOT}/methods`,
    permission: OWN_METHODS,
    handler: async (call) => {
      const { ctx, tenant, base } = call;
      const user = await me(call);
      const value = await methodsOf(ctx, tenant.id, user);
      return { body: { '@odata.context': methodsContext(base, user.id, 'methods'), value } };
    },
  },
  {
    method: 'GET',
    path: `${ROOT}/fido2Methods`,
    permission: OWN_PASSKEYS,
    handler: async (call) => {
      const user = await me(call);
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
    path: `${ROOT}/fido2Methods/creationOptions`,
    permission: OWN_PASSKEYS,
    handler: async (call) => {
      const begun = await beginGraphRegistration(call.ctx, call.tenant, { kind: 'self', by: call.principal }, 5);
      return {
        body: {
          '@odata.context': `${call.base}/${CREATION_OPTIONS_CONTEXT}`,
          ...toGraphCreationOptions(begun.options, begun.challengeExpiresAt),
        },
      };
    },
  },
  {
    method: 'POST',
    path: `${ROOT}/fido2Methods`,
    permission: OWN_PASSKEYS,
    handler: async (call) => {
      const { ctx, tenant, principal, base, req } = call;
      const parsed = parseFido2MethodCreate(req.body);
      if (!parsed.ok) throw new SignetError(parsed.code, parsed.detail);
      const { user, passkey } = await finishGraphRegistration(
        ctx,
        tenant,
        { kind: 'self', by: principal },
        parsed.value,
      );
      return {
        status: 201,
        body: {
          '@odata.context': methodsContext(base, user.id, 'fido2Methods', true),
          ...graphFido2Method(ctx, passkey),
        },
      };
    },
  },
  {
    method: 'GET',
    path: `${ROOT}/fido2Methods/:methodId`,
    permission: OWN_PASSKEYS,
    handler: async (call) => {
      const user = await me(call);
      const found = (await passkeysOf(call.ctx, call.tenant.id, user)).find((p) => p.id === call.params.methodId);
      if (!found) throw notFound();
      return { body: { '@odata.context': methodsContext(call.base, user.id, 'fido2Methods', true), ...found } };
    },
  },
  {
    method: 'PATCH',
    path: `${ROOT}/fido2Methods/:methodId`,
    permission: OWN_PASSKEYS,
    handler: async (call) => {
      const user = await me(call);
      const parsed = parseFido2MethodUpdate(call.req.body);
      if (!parsed.ok) throw new SignetError(parsed.code, parsed.detail);
      await renameOwnPasskey(call.ctx, call.tenant, user.id, call.params.methodId ?? '', parsed.value.displayName);
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    path: `${ROOT}/fido2Methods/:methodId`,
    permission: OWN_PASSKEYS,
    handler: async (call) => {
      const { ctx, tenant, principal } = call;
      const user = await me(call);
      // The account page's delete, from the session the token was issued from: without one (or with a stale
      // one) the same PASSKEY_STRONG_AUTH_REQUIRED, so the app sends the user through a fresh sign-in.
      const session = await sessionBehindToken(ctx, tenant, principal);
      if (!session || session.userId !== user.id) throw new SignetError('PASSKEY_STRONG_AUTH_REQUIRED', NO_SESSION);
      await deleteOwnPasskey(ctx, tenant, session, call.params.methodId ?? '');
      return { status: 204 };
    },
  },
];
