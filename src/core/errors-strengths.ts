// Authentication strengths (issue 9). Part of the one error catalogue (errors.ts gathers the parts).
import type { ErrorEntry } from './errors.ts';

export const strengthErrors = {} satisfies Record<string, ErrorEntry>;
