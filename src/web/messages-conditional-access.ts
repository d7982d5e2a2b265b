// The page words (see messages.ts) of the Conditional Access codes, where the catalogue's are written for an API client.
import type { ErrorCode } from '../core/errors.ts';

export const conditionalAccessPageWords: Partial<Record<ErrorCode, { text?: string; remediation?: string }>> = {};
