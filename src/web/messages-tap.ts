// The page words (see messages.ts) of the Temporary Access Pass codes, where the catalogue's are written for an API client.
import type { ErrorCode } from '../core/errors.ts';

export const tapPageWords: Partial<Record<ErrorCode, { text?: string; remediation?: string }>> = {};
