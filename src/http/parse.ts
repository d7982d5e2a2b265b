import type { z } from 'zod';
import { SignetError } from '../core/errors.ts';

/** How a field was wrong, for the page's sentence (src/web/messages.ts): empty or absent, too long, or else. */
function problemOf(issue: z.core.$ZodIssue | undefined): 'missing' | 'tooLong' | 'invalid' {
  if (!issue) return 'invalid';
  if (issue.code === 'too_small' && issue.origin === 'string' && Number(issue.minimum) <= 1) return 'missing';
  if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) return 'missing';
  if (issue.code === 'too_big') return 'tooLong';
  return 'invalid';
}

/** Request bodies are parsed at the edge; unknown fields are refused. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new SignetError('REQUEST_INVALID', {
    field: issue?.path.join('.') || '(body)',
    reason: issue?.message ?? 'invalid',
    problem: problemOf(issue),
  });
}

/** A browser's form submission (urlencoded), as opposed to a script's JSON call. */
export function isFormPost(req: { headers: Record<string, string | string[] | undefined> }): boolean {
  const type = req.headers['content-type'];
  return typeof type === 'string' && type.toLowerCase().startsWith('application/x-www-form-urlencoded');
}

/**
 * A form's fields as the schema expects them: an empty optional field (a hidden `uid` with no interaction) is
 * absent rather than an empty string. JSON bodies pass through unchanged.
 */
export function formFields(body: unknown, optional: readonly string[]): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const k of optional) if (out[k] === '') delete out[k];
  return out;
}
