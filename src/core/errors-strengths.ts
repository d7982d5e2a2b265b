// Authentication strengths (issue 9). Part of the one error catalogue (errors.ts gathers the parts).
import type { ErrorEntry } from './errors.ts';

export const strengthErrors = {
  STRENGTH_COMBINATION_INVALID: {
    status: 400,
    message:
      'An allowed combination is not one Signet offers: each must be a method, or methods joined by commas, from the list of valid combinations.',
    remediation:
      'Replace the combination named in the error detail (`innerError.combination`) with one of `innerError.validCombinations` (the same list the combinations endpoint of authenticationStrength answers); spaces and the order of methods inside a combination do not matter.',
    where: 'admin API (Graph)',
  },
  STRENGTH_BUILT_IN_READ_ONLY: {
    status: 400,
    message:
      'The built-in authentication strengths (Multifactor authentication, Passwordless MFA, Phishing resistant MFA) cannot be changed or deleted.',
    remediation:
      'Create a custom authentication strength with the combinations and passkey restrictions you need, and have the Conditional Access policy require that one instead.',
    where: 'admin API (Graph)',
  },
  STRENGTH_IN_USE: {
    status: 409,
    message: 'The authentication strength cannot be deleted while Conditional Access policies require it.',
    remediation:
      'First change or delete the Conditional Access policies named in the error detail (`innerError.policies`) so that none requires this strength, then delete it.',
    where: 'admin API (Graph)',
  },
  STRENGTH_COMBINATIONS_BY_ACTION: {
    status: 400,
    message:
      'A strength’s allowed combinations and combination configurations are not changed by updating the strength.',
    remediation:
      'Change the combinations with the strength’s updateAllowedCombinations action, and the configurations through its combinationConfigurations; update only displayName and description here.',
    where: 'admin API (Graph)',
  },
  STRENGTH_CONFIGURATION_COMBINATION_INVALID: {
    status: 400,
    message: 'A combination configuration can apply only to the fido2 combination.',
    remediation:
      'Set appliesToCombinations to ["fido2"]: Signet’s combination configurations restrict which passkeys count (by model, type or attestation).',
    where: 'admin API (Graph)',
  },
  STRENGTH_CONFIGURATION_NEEDS_FIDO2: {
    status: 400,
    message:
      'The strength has a fido2 combination configuration but does not allow the fido2 combination, so the configuration would restrict nothing.',
    remediation: 'Keep fido2 among the strength’s allowed combinations, or delete its combination configuration first.',
    where: 'admin API (Graph)',
  },
  STRENGTH_CONFIGURATION_EXISTS: {
    status: 409,
    message: 'The strength already has its fido2 combination configuration; a strength has at most one.',
    remediation:
      'Update the existing configuration (its id is in the error detail, `innerError.id`) instead of adding a second one.',
    where: 'admin API (Graph)',
  },
  STRENGTH_CONFIGURATION_UNSATISFIABLE: {
    status: 400,
    message:
      'The combination configuration allows only synced passkeys and requires attestation: synced passkeys do not attest, so no passkey could ever satisfy it.',
    remediation: 'Either allow device-bound passkeys in allowedPasskeyTypes, or set requireAttestation to false.',
    where: 'admin API (Graph)',
  },
  STRENGTH_MFA_REQUIRED_BY_POLICIES: {
    status: 409,
    message:
      'Conditional Access policies require this strength as multi-factor: the new combinations would let a single factor (a password or an email code alone) satisfy it.',
    remediation:
      'Keep only multi-factor combinations (see `innerError.singleFactor` for the ones refused), or first change the Conditional Access policies named in `innerError.policies` to require another strength.',
    where: 'admin API (Graph)',
  },
  STRENGTH_NAME_TAKEN: {
    status: 409,
    message: 'Another authentication strength of this tenant (or a built-in one) already has this display name.',
    remediation: 'Choose a display name no other strength has (names are compared without regard to letter case).',
    where: 'admin API (Graph)',
  },
  STRENGTH_LIMIT_REACHED: {
    status: 409,
    message: 'The tenant has as many custom authentication strengths as Signet allows (15, as Microsoft Entra).',
    remediation: 'Delete a custom strength no Conditional Access policy requires, or change one to fit the new need.',
    where: 'admin API (Graph)',
  },
} satisfies Record<string, ErrorEntry>;
