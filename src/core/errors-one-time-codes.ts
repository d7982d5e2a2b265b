// TOTP (software OATH) and email one-time codes (issue 8). Part of the one error catalogue (errors.ts gathers the parts).
import type { ErrorEntry } from './errors.ts';

export const oneTimeCodeErrors = {} satisfies Record<string, ErrorEntry>;
