// Framework-free core. The Fastify plugin is '@signet-idp/resource-server/fastify', the Express middleware
// '@signet-idp/resource-server/express'.
export { type AuthFailure, type AuthOutcome, authenticate, bearerTokenOf, type SignetAuth } from './authenticate.ts';
export { type ChallengeParams, challenge } from './challenge.ts';
export { type Challenge, parseChallenges, type StepUp, stepUpOf } from './parse-challenge.ts';
export {
  type AuthenticationFacts,
  acrMeets,
  evaluateRequirement,
  factsOf,
  type Requirement,
  type RequirementOptions,
  type RequirementResult,
  requirement,
  type Unmet,
} from './requirement.ts';
export {
  createVerifier,
  type TokenFailure,
  type Verifier,
  type VerifierOptions,
  type VerifyResult,
} from './verifier.ts';
