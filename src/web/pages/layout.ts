// The page shell: no inline script or style (the Content-Security-Policy forbids them), data for scripts in
// data- attributes, readable on a phone, in light and dark mode.
import type { PersonMessage } from '../messages.ts';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * What a page that needs its script says when the script cannot run: `off` inside <noscript>, `pending` shown
 * by the style sheet a few seconds after load unless the script started and removed it (blocked or failed).
 */
export interface ScriptNotice {
  off: string;
  pending: string;
  /** What the page says once it knows its script did not start (common.js); the browser table's words if absent. */
  failed?: string;
}

/** The script notice goes right under the page's heading, where a person starts reading. */
function withNotice(body: string, notice: string): string {
  const i = body.indexOf('</h1>');
  return i < 0 ? notice + body : `${body.slice(0, i + 5)}\n${notice}${body.slice(i + 5)}`;
}

/**
 * A message in a page's status area. `needsScript` marks the answer to a form that only the page's script can
 * do (a passkey): with scripts off the <noscript> notice already says so, and only it is shown (noscript.css);
 * with the script blocked this message replaces the "script has not started" notice.
 */
export type PageStatus = PersonMessage & { kind?: 'error' | 'info'; needsScript?: boolean };

export function renderPage(p: {
  title: string;
  body: string;
  scripts?: string[];
  data?: Record<string, string>;
  scriptNotice?: ScriptNotice;
  /** The page answers a form post its script should have handled: the notice for scripts off is announced. */
  needsScript?: boolean;
  /** A same-origin path the browser goes on to at once (a meta refresh: a new navigation, not the form's). */
  goOnTo?: string;
}): string {
  const data = Object.entries(p.data ?? {})
    .map(([k, v]) => ` data-${k}="${escapeHtml(v)}"`)
    .join('');
  const scripts = (p.scripts ?? []).map((s) => `<script src="${escapeHtml(s)}" defer></script>`).join('\n');
  const notice = p.scriptNotice
    ? `<noscript><p class="notice" id="noscript-notice"${p.needsScript ? ' role="alert"' : ''}>${escapeHtml(p.scriptNotice.off)}</p></noscript>
<p class="notice script-pending" id="script-pending" role="status"${p.scriptNotice.failed ? ` data-failed="${escapeHtml(p.scriptNotice.failed)}"` : ''}>${escapeHtml(p.scriptNotice.pending)}</p>
`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(p.title)} · Signet</title>${p.goOnTo ? `\n<meta http-equiv="refresh" content="0;url=${escapeHtml(p.goOnTo)}">` : ''}
<link rel="stylesheet" href="/static/style.css">
${p.scriptNotice ? '<noscript><link rel="stylesheet" href="/static/noscript.css"></noscript>\n' : ''}${scripts}
</head>
<body>
<main id="main"${data}>
${withNotice(p.body, notice)}
</main>
</body>
</html>
`;
}

/**
 * The status area of a page: empty, or a refusal rendered by the server (a form post without script) in the
 * same shape the scripts use: what happened, what to do, and the catalogue code in small print.
 */
export function renderStatus(m?: PageStatus): string {
  if (!m) return '<div id="status" role="alert" aria-live="assertive"></div>';
  const parts = [`<p class="status-text">${escapeHtml(m.text)}</p>`];
  if (m.remediation) parts.push(`<p class="status-remediation">${escapeHtml(m.remediation)}</p>`);
  if (m.code) parts.push(`<p class="status-code">Error code: <code>${escapeHtml(m.code)}</code></p>`);
  const kind = `${m.kind ?? 'error'}${m.needsScript ? ' needs-script' : ''}`;
  return `<div id="status" role="alert" aria-live="assertive" class="${kind}">${parts.join('')}</div>`;
}

/** A page with a heading and a message; `body` is trusted HTML built by the caller. */
export function renderMessagePage(p: { title: string; heading: string; body: string }): string {
  return renderPage({ title: p.title, body: `<h1>${escapeHtml(p.heading)}</h1>\n${p.body}` });
}
