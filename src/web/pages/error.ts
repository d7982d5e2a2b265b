// The page a browser gets instead of a JSON refusal: what happened, what to do, and the code and request id in
// small print for the help desk. The HTTP status is the one the JSON would have had. The OIDC provider's own
// protocol errors use the same page (renderOAuthErrorPage), with the OAuth error code in the small print.
import type { ErrorCode } from '../../core/errors.ts';
import { oauthErrorMessage, personMessage } from '../messages.ts';
import { escapeHtml, renderPage } from './layout.ts';

function headingFor(status: number): string {
  if (status === 404) return 'Page not found';
  if (status === 401) return 'Sign-in needed';
  if (status === 403) return 'Not allowed';
  if (status === 429) return 'Too many attempts';
  if (status >= 500) return 'Something went wrong';
  return 'This request could not be used';
}

/** The one error page: heading, what happened and what to do, then the small print. */
function renderProblemPage(p: {
  heading: string;
  text: string;
  remediation: string;
  code: string;
  status: number;
  requestId?: string;
  /** Words for the app's developer (the provider's description), escaped and tucked away. */
  developerDetail?: string;
}): string {
  const requestId = p.requestId ? ` · Request id: <code>${escapeHtml(p.requestId)}</code>` : '';
  const detail = p.developerDetail
    ? `\n<details class="small-print"><summary>Details for the app’s developer</summary><p>${escapeHtml(p.developerDetail)}</p></details>`
    : '';
  const body = `
<h1>${escapeHtml(p.heading)}</h1>
<div class="error-box" role="alert">
  <p class="status-text">${escapeHtml(p.text)}</p>
  ${p.remediation ? `<p class="status-remediation">${escapeHtml(p.remediation)}</p>` : ''}
</div>
<p><a href="/">About this sign-in service</a></p>
<p class="small-print">Error code: <code>${escapeHtml(p.code)}</code> · HTTP ${p.status}${requestId}</p>${detail}`;
  return renderPage({ title: p.heading, body });
}

export function renderErrorPage(p: {
  status: number;
  code: ErrorCode;
  detail: Record<string, string>;
  requestId: string;
}): string {
  const m = personMessage(p.code, p.detail);
  return renderProblemPage({
    heading: headingFor(p.status),
    ...m,
    code: p.code,
    status: p.status,
    requestId: p.requestId,
  });
}

/**
 * oidc-provider's error page for a browser: plain words for the OAuth error, the error code as the protocol
 * names it (not a catalogue code: these errors stay the provider's own) and Signet's request id.
 */
export function renderOAuthErrorPage(p: {
  error: string;
  description?: string;
  status: number;
  organization: string;
  requestId?: string;
}): string {
  const m = oauthErrorMessage(p.error, p.organization);
  return renderProblemPage({
    heading: p.status >= 500 ? 'Something went wrong' : 'This sign-in cannot continue',
    text: m.text,
    remediation: m.remediation,
    code: p.error,
    status: p.status,
    requestId: p.requestId,
    developerDetail: p.description,
  });
}
