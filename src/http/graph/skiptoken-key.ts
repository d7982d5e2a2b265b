// The MAC key of a Graph collection's $skiptoken, derived from the instance secret once per collection: a token of
// one collection never pages another, and the raw secret never signs anything.
import { hkdfSync } from 'node:crypto';
import type { Ctx } from '../../flows/context.ts';

const keys = new Map<string, WeakMap<Buffer, Uint8Array>>();

export function skiptokenKey(ctx: Ctx, collection: string): Uint8Array {
  let byCollection = keys.get(collection);
  if (!byCollection) {
    byCollection = new WeakMap();
    keys.set(collection, byCollection);
  }
  let key = byCollection.get(ctx.config.secret);
  if (!key) {
    key = new Uint8Array(hkdfSync('sha256', ctx.config.secret, '', `signet graph ${collection} $skiptoken v1`, 32));
    byCollection.set(ctx.config.secret, key);
  }
  return key;
}
