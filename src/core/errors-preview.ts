// The policy impact preview and the registration What If (issue 8). Part of the one error catalogue (errors.ts gathers the parts).
import type { ErrorEntry } from './errors.ts';

export const previewErrors = {} satisfies Record<string, ErrorEntry>;
