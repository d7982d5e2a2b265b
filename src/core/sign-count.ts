import { allow, type Decision, deny } from './errors.ts';

/**
 * WebAuthn §6.1.1: when either counter is non-zero, the new one must be greater than the stored one;
 * otherwise the authenticator may have been cloned. Counters that stay 0 (synced passkeys) are fine.
 */
export function evaluateSignCount(stored: number, received: number): Decision {
  if (stored === 0 && received === 0) return allow;
  if (received > stored) return allow;
  return deny('SIGNIN_COUNTER_REGRESSION', { stored: String(stored), received: String(received) });
}
