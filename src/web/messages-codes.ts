// The page words (see messages.ts) of the TOTP and email one-time codes codes, where the catalogue's are written for an API client.
import type { ErrorCode } from '../core/errors.ts';

export const codePageWords: Partial<Record<ErrorCode, { text?: string; remediation?: string }>> = {};
