// A small cookie-keeping HTTP client for tests that walk redirects by hand (no browser).
export class CookieClient {
  readonly jar = new Map<string, string>();
  readonly base: string;
  constructor(base: string) {
    this.base = base;
  }

  async fetch(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
    const url = path.startsWith('http') ? path : `${this.base}${path}`;
    const headers = new Headers(init.headers);
    if (this.jar.size) headers.set('cookie', [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '));
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    }
    const res = await fetch(url, { ...init, headers, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c) || /max-age=0/i.test(c)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }
}

/**
 * Whether a redirect's `location` is the app's redirect URI (same origin and path, any query): compared exactly,
 * never by prefix, since `http://localhost:1/cb` is a prefix of the resume URL of a tenant whose id begins "cb".
 */
export function isAt(location: string, redirectUri: string, base = redirectUri): boolean {
  if (!location) return false;
  const at = new URL(location, base);
  const want = new URL(redirectUri);
  return at.origin === want.origin && at.pathname === want.pathname;
}

/**
 * Where an answer sends the browser on: a redirect's location, or the target of the page a form post ends on when it
 * goes on to an app (renderContinuePage: a meta refresh, a new navigation). Undefined when it goes nowhere.
 */
export async function onwardOf(res: Response): Promise<string | undefined> {
  if (res.status >= 300 && res.status < 400) return res.headers.get('location') ?? undefined;
  if (res.status !== 200) return undefined;
  const m = /<meta http-equiv="refresh" content="0;url=([^"]+)">/.exec(await res.text());
  return m ? m[1]!.replace(/&amp;/g, '&') : undefined;
}
