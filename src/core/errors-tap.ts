// Temporary Access Pass issuance and use as the TAP method configuration governs it (issue 8). Part of the one error catalogue (errors.ts gathers the parts).
import type { ErrorEntry } from './errors.ts';

export const tapErrors = {} satisfies Record<string, ErrorEntry>;
