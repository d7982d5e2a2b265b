// The page shell: no inline script or style (the Content-Security-Policy forbids them), data for scripts in
// data- attributes, readable on a phone.

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderPage(p: {
  title: string;
  body: string;
  scripts?: string[];
  data?: Record<string, string>;
}): string {
  const data = Object.entries(p.data ?? {})
    .map(([k, v]) => ` data-${k}="${escapeHtml(v)}"`)
    .join('');
  const scripts = (p.scripts ?? []).map((s) => `<script src="${escapeHtml(s)}" defer></script>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(p.title)} · Signet</title>
<link rel="stylesheet" href="/static/style.css">
${scripts}
</head>
<body>
<main id="main"${data}>
${p.body}
</main>
</body>
</html>
`;
}

/** A page with a heading and a message; `body` is trusted HTML built by the caller. */
export function renderMessagePage(p: { title: string; heading: string; body: string }): string {
  return renderPage({ title: p.title, body: `<h1>${escapeHtml(p.heading)}</h1>\n${p.body}` });
}
