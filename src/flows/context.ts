import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config.ts';
import type { Db } from '../store/db.ts';
import type { MetadataRegistry } from '../webauthn/metadata.ts';

export interface Logger {
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

/** What every flow needs: storage, configuration, the clock and randomness (passed in, so tests control them). */
export interface Ctx {
  db: Db;
  config: Config;
  metadata: MetadataRegistry;
  log: Logger;
  now(): number;
  randomBytes(n: number): Buffer;
  newId(): string;
}

export function systemCtx(p: { db: Db; config: Config; metadata: MetadataRegistry; log: Logger }): Ctx {
  return { ...p, now: () => Date.now(), randomBytes: (n) => randomBytes(n), newId: () => randomUUID() };
}

/** Secrets (passes, client secrets) are stored as an HMAC under the instance secret: fast, and useless if leaked. */
export function hashSecret(ctx: Pick<Ctx, 'config'>, purpose: string, value: string): string {
  return createHmac('sha256', ctx.config.secret).update(`${purpose}\0${value}`).digest('base64url');
}

export function secretMatches(expectedHash: string, candidateHash: string): boolean {
  const a = Buffer.from(expectedHash);
  const b = Buffer.from(candidateHash);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Session and similar bearer tokens: the database keeps only their SHA-256. */
export function tokenId(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
