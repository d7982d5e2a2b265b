// The page a browser gets instead of a JSON refusal: what happened, what to do, and the code and request id in
// small print for the help desk. The HTTP status is the one the JSON would have had.
import type { ErrorCode } from '../../core/errors.ts';
import { personMessage } from '../messages.ts';
import { escapeHtml, renderPage } from './layout.ts';

function headingFor(status: number): string {
  if (status === 404) return 'Page not found';
  if (status === 401) return 'Sign-in needed';
  if (status === 403) return 'Not allowed';
  if (status === 429) return 'Too many attempts';
  if (status >= 500) return 'Something went wrong';
  return 'This request could not be used';
}

export function renderErrorPage(p: {
  status: number;
  code: ErrorCode;
  detail: Record<string, string>;
  requestId: string;
}): string {
  const m = personMessage(p.code, p.detail);
  const body = `
<h1>${escapeHtml(headingFor(p.status))}</h1>
<div class="error-box" role="alert">
  <p class="status-text">${escapeHtml(m.text)}</p>
  ${m.remediation ? `<p class="status-remediation">${escapeHtml(m.remediation)}</p>` : ''}
</div>
<p><a href="/">About this sign-in service</a></p>
<p class="small-print">Error code: <code>${escapeHtml(p.code)}</code> · HTTP ${p.status} · Request id: <code>${escapeHtml(p.requestId)}</code></p>`;
  return renderPage({ title: headingFor(p.status), body });
}
