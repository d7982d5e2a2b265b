// Per-address rate limits on the routes anyone may call (sign-in, the token endpoint): a token bucket per client
// address and class of route. A bucket holds `burst` requests and refills at `perMinute` a minute; a request takes
// one token or is refused with the time until the next. Pure: the clock comes in.

export interface RateLimitRule {
  /** Requests a minute, kept up; 0 turns the limit off. */
  perMinute: number;
  /** Requests at once from a full bucket. */
  burst: number;
}

export interface Bucket {
  tokens: number;
  at: number;
}

export type Take = { ok: true; bucket: Bucket } | { ok: false; bucket: Bucket; retryAfterMs: number };

/** The bucket as it is at `now` (refilled since `at`, never above the burst). */
export function refill(b: Bucket | undefined, rule: RateLimitRule, now: number): Bucket {
  if (!b) return { tokens: rule.burst, at: now };
  const elapsed = Math.max(0, now - b.at);
  return { tokens: Math.min(rule.burst, b.tokens + (elapsed * rule.perMinute) / 60_000), at: now };
}

export function takeToken(b: Bucket | undefined, rule: RateLimitRule, now: number): Take {
  if (rule.perMinute <= 0) return { ok: true, bucket: { tokens: rule.burst, at: now } };
  const current = refill(b, rule, now);
  if (current.tokens >= 1) return { ok: true, bucket: { tokens: current.tokens - 1, at: now } };
  const retryAfterMs = Math.ceil(((1 - current.tokens) * 60_000) / rule.perMinute);
  return { ok: false, bucket: current, retryAfterMs };
}

/** Whether a bucket left alone is full again by `now` (and so need not be kept). */
export function isFull(b: Bucket, rule: RateLimitRule, now: number): boolean {
  return refill(b, rule, now).tokens >= rule.burst;
}

/**
 * The budget an address draws on: an IPv4 address itself, an IPv6 address by its /64 (one subscriber's network,
 * whose addresses a client can change at will), an IPv4-mapped IPv6 address as the IPv4 one.
 */
export function budgetKeyOf(address: string): string {
  const a = address.toLowerCase();
  if (!a.includes(':')) return a;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a);
  if (mapped) return mapped[1]!;
  if (a.includes('.')) return a; // another embedded IPv4 form: rare, kept whole
  const [head = '', tail] = a.split('::', 2) as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
