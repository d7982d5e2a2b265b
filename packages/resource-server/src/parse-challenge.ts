// The client's half of RFC 9470 §4: read a resource server's WWW-Authenticate and get the acr_values and max_age
// to send back to /authorize. Pure; follows RFC 9110 §11.6.1's grammar (several challenges, token or quoted values).

export interface Challenge {
  /** Lower case. */
  scheme: string;
  /** Parameter names lower case; values unquoted. */
  params: Record<string, string>;
}

export interface StepUp {
  /** In the resource server's order of preference: send them space-separated as `acr_values`. */
  acrValues: string[];
  /** Send as `max_age` when present. */
  maxAge: number | undefined;
  /** The scopes the resource server also named, if any. */
  scope: string[];
  description: string | undefined;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;
/** A parameter's name and "=", when a value follows (else `abc==` is a token68, not a parameter). */
const PARAM = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*=[ \t]*(?=["!#$%&'*+.^_`|~0-9A-Za-z-])/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*(?=[ \t]*(,|$))/;

/** Every challenge in the header, in order; what cannot be read ends the list (nothing is guessed). */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let rest = header;
  while (true) {
    rest = rest.replace(/^[\s,]+/, '');
    const scheme = TOKEN.exec(rest)?.[0];
    if (!scheme) return out;
    rest = rest.slice(scheme.length).replace(/^[ \t]+/, '');
    const c: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(c);
    const t68 = PARAM.test(rest) ? undefined : TOKEN68.exec(rest)?.[0];
    if (t68) {
      rest = rest.slice(t68.length);
      continue;
    }
    // auth-params, comma-separated, until a token not followed by "=" (the next challenge's scheme) or the end.
    for (let name = PARAM.exec(rest); name; name = PARAM.exec(rest)) {
      rest = rest.slice(name[0].length);
      const value = readValue(rest);
      if (!value) return out;
      c.params[name[1]!.toLowerCase()] = value.value;
      rest = rest.slice(value.length).replace(/^\s*,?\s*/, '');
    }
  }
}

/**
 * The RFC 9470 step-up a header asks for: the Bearer challenge with error insufficient_user_authentication, or
 * undefined when there is none (another error is not a request to sign in again).
 */
export function stepUpOf(header: string | null | undefined): StepUp | undefined {
  if (!header) return undefined;
  const c = parseChallenges(header).find(
    (x) => x.scheme === 'bearer' && x.params.error === 'insufficient_user_authentication',
  );
  if (!c) return undefined;
  const words = (v: string | undefined) => (v ?? '').split(' ').filter(Boolean);
  const maxAge = c.params.max_age;
  return {
    acrValues: words(c.params.acr_values),
    maxAge: maxAge !== undefined && /^\d+$/.test(maxAge) ? Number(maxAge) : undefined,
    scope: words(c.params.scope),
    description: c.params.error_description,
  };
}

function readValue(s: string): { value: string; length: number } | undefined {
  if (s.startsWith('"')) {
    let value = '';
    for (let i = 1; i < s.length; i++) {
      const ch = s[i]!;
      if (ch === '\\' && i + 1 < s.length) value += s[++i];
      else if (ch === '"') return { value, length: i + 1 };
      else value += ch;
    }
    return undefined;
  }
  const t = TOKEN.exec(s)?.[0];
  return t ? { value: t, length: t.length } : undefined;
}
