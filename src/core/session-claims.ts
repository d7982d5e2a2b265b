// How a sign-in is described to apps: the amr values and whether the session counts as strong.

export type SignInMethod = 'passkey' | 'temporaryAccessPass';

/** amr per method: a passkey is possession plus user verification, both factors at once (SPEC §2.3). */
export function amrFor(methods: readonly SignInMethod[]): string[] {
  const amr = new Set<string>();
  for (const m of methods) {
    if (m === 'passkey') {
      amr.add('fido');
      amr.add('mfa');
    }
    // A TAP is issued to a user whose identity was checked (Entra counts it as MFA), but it is a shared secret:
    // never a passkey's values (fido, hwk, swk, pop), so it can never satisfy a phishing-resistant strength.
    if (m === 'temporaryAccessPass') {
      amr.add('tap');
      amr.add('mfa');
    }
  }
  return [...amr];
}

/** Both a passkey and a Temporary Access Pass count as strong authentication for registering a passkey. */
export function isStrongMethod(m: SignInMethod): boolean {
  return m === 'passkey' || m === 'temporaryAccessPass';
}
