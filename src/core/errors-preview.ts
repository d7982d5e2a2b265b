// The policy impact preview and the registration What If (issue 8). Part of the one error catalogue (errors.ts gathers the parts).
import type { ErrorEntry } from './errors.ts';

export const previewErrors = {
  PREVIEW_METHOD_NOT_SUPPORTED: {
    status: 400,
    message:
      'An impact preview is made for the passkey (Fido2) configuration only: the other methods do not decide which passkeys sign in.',
    remediation:
      "Preview a body of the Fido2 configuration (the admin API's previewImpact action of Fido2, or `npx signet policy set --method Fido2 --dry-run`); change the other methods with their PATCH or `npx signet policy set`.",
    where: 'admin API (Graph), CLI (policy set --dry-run)',
  },
} satisfies Record<string, ErrorEntry>;
