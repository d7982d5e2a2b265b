// The page words (see messages.ts) of the password sign-in and lockout codes, where the catalogue's are written for an API client.
import type { ErrorCode } from '../core/errors.ts';

export const passwordPageWords: Partial<Record<ErrorCode, { text?: string; remediation?: string }>> = {};
