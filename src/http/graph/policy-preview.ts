// Signet's own actions on the passkey (Fido2) configuration (beta only, as our other own routes: Graph has neither):
// previewImpact takes the body of the configuration's PATCH, judged as the PATCH judges it (the same codes for a bad
// body), and answers which passkeys of which users would stop working at sign-in, who would lose every one, and the
// groups and totals; evaluateRegistration says whether a user's registration of an authenticator would be accepted
// (flows/policy-impact.ts). Both only read: nothing is saved and nothing audited. The permission is the policy's read.
import { z } from 'zod';
import { SignetError } from '../../core/errors.ts';
import { methodIdOf } from '../../core/method-policy-schemas.ts';
import { ATTESTATION_FORMATS, ATTESTATION_TRUSTS, whatIfAttestation } from '../../core/registration-whatif.ts';
import { impactAnswer, previewFido2Patch, registrationWhatIf, whatIfAnswer } from '../../flows/policy-impact.ts';
import { findUserByKey } from '../../flows/users.ts';
import { READ } from './auth-methods-policy.ts';
import type { GraphCall, GraphRoute } from './route.ts';

const CONFIG = '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/:configId';

/** The configuration in the path: Fido2 in any letter case; another method has no preview, an unknown id no object. */
function fido2Only(call: GraphCall): void {
  const m = methodIdOf(call.params.configId ?? '');
  if (!m) throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'authenticationMethodConfiguration' });
  if (m !== 'Fido2') throw new SignetError('PREVIEW_METHOD_NOT_SUPPORTED', { method: m });
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const whatIfBody = z.strictObject({
  userId: z.string().min(1).max(256),
  authenticator: z.strictObject({
    aaGuid: z.string().regex(GUID, 'must be a GUID (8-4-4-4-12 hexadecimal digits)'),
    passkeyType: z.enum(['deviceBound', 'synced']),
    attestationFormat: z.enum(ATTESTATION_FORMATS).optional(),
    attestationTrust: z.enum(ATTESTATION_TRUSTS as ['none', 'self', 'unverified', 'verified']).optional(),
  }),
  /** A PATCH body of the Fido2 configuration to judge against instead of the one in force. */
  proposedConfiguration: z.record(z.string(), z.unknown()).optional(),
});

export const policyPreviewRoutes: GraphRoute[] = [
  {
    method: 'POST',
    path: `${CONFIG}/previewImpact`,
    versions: ['beta'],
    permission: READ,
    handler: async (call) => {
      fido2Only(call);
      const r = await previewFido2Patch(call.ctx, call.tenant, call.req.body);
      return {
        body: { '@odata.context': `${call.base}/$metadata#microsoft.graph.passkeyPolicyImpact`, ...impactAnswer(r) },
      };
    },
  },
  {
    method: 'POST',
    path: `${CONFIG}/evaluateRegistration`,
    versions: ['beta'],
    permission: READ,
    body: whatIfBody,
    handler: async (call) => {
      fido2Only(call);
      const body = call.body as z.output<typeof whatIfBody>;
      const a = body.authenticator;
      const att = whatIfAttestation(a.attestationFormat, a.attestationTrust);
      if (!att.ok)
        throw new SignetError('REQUEST_INVALID', { ...att.detail, field: `authenticator.${att.detail.field}` });
      // As Graph's /users/{id}: by object id or userPrincipalName, and another tenant's user is simply not found.
      const user = await findUserByKey(call.ctx.db, call.tenant.id, body.userId);
      if (!user) throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'user' });
      const r = await registrationWhatIf(call.ctx, call.tenant, {
        user,
        authenticator: {
          aaguid: a.aaGuid,
          passkeyType: a.passkeyType,
          attestationFormat: att.format,
          attestationTrust: att.trust,
        },
        proposed: body.proposedConfiguration,
      });
      return {
        body: {
          '@odata.context': `${call.base}/$metadata#microsoft.graph.passkeyRegistrationEvaluation`,
          ...whatIfAnswer(r),
        },
      };
    },
  },
];
