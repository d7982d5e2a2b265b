import type { z } from 'zod';
import { SignetError } from '../core/errors.ts';

/** Request bodies are parsed at the edge; unknown fields are refused. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new SignetError('REQUEST_INVALID', {
    field: issue?.path.join('.') || '(body)',
    reason: issue?.message ?? 'invalid',
  });
}
