// Password sign-in, smart lockout and per-address rate limits (issue 8). Part of the one error catalogue (errors.ts gathers the parts).
import type { ErrorEntry } from './errors.ts';

export const passwordErrors = {} satisfies Record<string, ErrorEntry>;
