// Provisioning a passkey on behalf of a user (graph.md §3.2, v1.0): GET …/fido2Methods/creationOptions (and
// beta's function form, creationOptions(challengeTimeoutInMinutes=N)), then POST …/fido2Methods with what the
// browser answered → 201 with the fido2AuthenticationMethod. The ceremony is src/flows/provision-passkey.ts.
import type { RoutePermission } from '../../core/authorization.ts';
import { SignetError } from '../../core/errors.ts';
import { methodsContext } from '../../core/graph-authentication-method.ts';
import {
  parseChallengeTimeout,
  parseFido2MethodCreate,
  toGraphCreationOptions,
} from '../../core/graph-fido2-provisioning.ts';
import { beginGraphRegistration, finishGraphRegistration } from '../../flows/provision-passkey.ts';
import { findUserByKey } from '../../flows/users.ts';
import { graphFido2Method, PASSKEY_WRITE } from './authentication-methods.ts';
import type { GraphCall, GraphRoute } from './route.ts';

const ROOT = '/users/:id/authentication/fido2Methods';
const PROVISION: RoutePermission = PASSKEY_WRITE;

export const CREATION_OPTIONS_CONTEXT = '$metadata#microsoft.graph.webauthnCredentialCreationOptions';

/** The user must exist before a parameter or body is judged, so a refusal never tells another tenant anything. */
async function mustExist(call: GraphCall): Promise<void> {
  if (!(await findUserByKey(call.ctx.db, call.tenant.id, call.params.id ?? '')))
    throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'user' });
}

async function creationOptions(call: GraphCall, rawMinutes: string | undefined) {
  const { ctx, tenant, principal, params, base } = call;
  await mustExist(call);
  const minutes = parseChallengeTimeout(rawMinutes);
  if (!minutes.ok) throw new SignetError(minutes.code, minutes.detail);
  const begun = await beginGraphRegistration(
    ctx,
    tenant,
    { kind: 'admin', by: principal, userKey: params.id ?? '' },
    minutes.value,
  );
  return {
    body: {
      '@odata.context': `${base}/${CREATION_OPTIONS_CONTEXT}`,
      ...toGraphCreationOptions(begun.options, begun.challengeExpiresAt),
    },
  };
}

export const fido2ProvisioningRoutes: GraphRoute[] = [
  {
    method: 'GET',
    path: `${ROOT}/creationOptions`,
    versions: ['v1.0', 'beta'],
    permission: PROVISION,
    handler: (call) => creationOptions(call, undefined),
  },
  {
    // find-my-way names this parameter `minutes)` and gives its value with the closing parenthesis.
    method: 'GET',
    path: `${ROOT}/creationOptions(challengeTimeoutInMinutes=:minutes)`,
    versions: ['v1.0', 'beta'],
    permission: PROVISION,
    handler: (call) => {
      const raw = call.params['minutes)'] ?? '';
      return creationOptions(call, raw.endsWith(')') ? raw.slice(0, -1) : `${raw} (unclosed)`);
    },
  },
  {
    method: 'POST',
    path: ROOT,
    versions: ['v1.0', 'beta'],
    permission: PROVISION,
    handler: async (call) => {
      const { ctx, tenant, principal, params, base, req } = call;
      await mustExist(call);
      const parsed = parseFido2MethodCreate(req.body);
      if (!parsed.ok) throw new SignetError(parsed.code, parsed.detail);
      const { user, passkey } = await finishGraphRegistration(
        ctx,
        tenant,
        { kind: 'admin', by: principal, userKey: params.id ?? '' },
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
];
