// What the policy commands share: the tenant option, and a policy body read from a file or given inline.
import { readFileSync } from 'node:fs';
import { SignetError } from '../core/errors.ts';

export const tenantOpt = { type: 'string', description: 'tenant id or slug (default: the only tenant)' } as const;

/** A policy body from a file, or written inline when the value starts with `{`. */
export function readPolicyFile(path: string): unknown {
  let text: string;
  try {
    text = path.trimStart().startsWith('{') ? path : readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new SignetError('POLICY_FILE_INVALID', {
      file: path,
      reason: code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`,
    });
  }
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body;
  } catch {
    // Said below: not JSON at all.
  }
  throw new SignetError('POLICY_FILE_INVALID', {
    file: path.trimStart().startsWith('{') ? '(inline JSON)' : path,
    reason: 'not one JSON object',
  });
}
