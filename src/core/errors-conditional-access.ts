// Conditional Access: policies, named locations, authentication contexts, What If, and the sign-in decisions they
// make (issue 9). Part of the one error catalogue (errors.ts gathers the parts).
import type { ErrorEntry } from './errors.ts';

export const conditionalAccessErrors = {} satisfies Record<string, ErrorEntry>;
