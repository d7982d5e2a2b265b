// Seeded mutation fuzzing of the WebAuthn ceremonies over real HTTP (SPEC §3, §8; security-tests.md VULN-18).
// Every iteration starts from a VALID response that the software authenticator made for freshly fetched options
// (a new challenge each time, so replay protection masks nothing), then applies one to three random mutations:
// byte flips, inserts, deletes and truncations inside the decoded clientDataJSON, attestationObject (CBOR and the
// authData inside it), authenticatorData and signature; targeted changes of flags, counter, RP ID hash and COSE key;
// JSON fields replaced by other types (numbers, null, arrays, objects, very long strings, unicode), dropped fields,
// "__proto__" keys and duplicated keys. Each reply must be a 2xx or a 4xx carrying a catalogue code, never a 5xx;
// a refused registration stores nothing; a mutated response that is accepted must carry the original signed data
// with a valid signature (only unsigned, unchecked fields were touched). Afterwards the server still answers
// /healthz and a fresh valid ceremony still succeeds.
//
// Deterministic for a seed (SIGNET_FUZZ_SEED, default below): the mutation sequence is fixed; only the key material
// of the software authenticator is random. A failure prints the seed, the iteration, the mutations (and a single
// mutation that alone reproduces it, when there is one), the route and the reply.
import { createHash, createPublicKey, type KeyObject, verify as verifySignature } from 'node:crypto';
import { decodePartialCBOR } from '@levischuck/tiny-cbor';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isErrorCode } from '../../src/core/errors.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { deletePasskey, listPasskeys } from '../../src/store/passkeys.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { findUserByName, type User } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import {
  type AuthenticationOptionsLike,
  type RegistrationOptionsLike,
  SoftAuthenticator,
} from '../support/soft-authenticator.ts';

const SEED = Number(process.env.SIGNET_FUZZ_SEED ?? 1);
const ITERATIONS = 150;
const TIMEOUT = 60_000;
const SYSTEM = { type: 'system', id: null } as const;

// ---------------------------------------------------------------------------------------------------------------
// A tiny seeded PRNG (mulberry32).

class Rng {
  #a: number;
  constructor(seed: number) {
    this.#a = seed >>> 0;
  }
  next(): number {
    this.#a = (this.#a + 0x6d2b79f5) >>> 0;
    let t = this.#a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

/** A stable 32-bit seed per target, so adding a target does not shift another target's sequence. */
function seedFor(name: string): number {
  return (SEED ^ createHash('sha256').update(name).digest().readUInt32BE(0)) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------------
// A JSON tree that can hold duplicate keys and "__proto__" keys, serialized by hand.

class JObj {
  entries: [string, J][];
  constructor(entries: [string, J][] = []) {
    this.entries = entries;
  }
  /** The value JSON.parse would see: the last entry with this key. */
  get(key: string): J | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i]![0] === key) return this.entries[i]![1];
    return undefined;
  }
  set(key: string, value: J): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (this.entries[i]![0] === key) {
        this.entries[i] = [key, value];
        return;
      }
    }
    this.entries.push([key, value]);
  }
  delete(key: string): void {
    this.entries = this.entries.filter(([k]) => k !== key);
  }
}
type J = null | boolean | number | string | J[] | JObj;
interface Box {
  v: J;
}
type Step = string | number;

function toJ(v: unknown): J {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(toJ);
  if (typeof v === 'object')
    return new JObj(
      Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => [k, toJ(x)]),
    );
  throw new Error(`not JSON: ${typeof v}`);
}

function ser(j: J): string {
  if (j instanceof JObj) return `{${j.entries.map(([k, v]) => `${JSON.stringify(k)}:${ser(v)}`).join(',')}}`;
  if (Array.isArray(j)) return `[${j.map(ser).join(',')}]`;
  return JSON.stringify(j);
}

function clone(j: J): J {
  if (j instanceof JObj) return new JObj(j.entries.map(([k, v]) => [k, clone(v)]));
  if (Array.isArray(j)) return j.map(clone);
  return j;
}

function getAt(box: Box, path: Step[]): J | undefined {
  let cur: J | undefined = box.v;
  for (const s of path) {
    if (cur instanceof JObj && typeof s === 'string') cur = cur.get(s);
    else if (Array.isArray(cur) && typeof s === 'number') cur = cur[s];
    else return undefined;
  }
  return cur;
}

function setAt(box: Box, path: Step[], value: J): boolean {
  if (path.length === 0) {
    box.v = value;
    return true;
  }
  const parent = getAt(box, path.slice(0, -1));
  const last = path.at(-1)!;
  if (parent instanceof JObj && typeof last === 'string') parent.set(last, value);
  else if (Array.isArray(parent) && typeof last === 'number' && last < parent.length) parent[last] = value;
  else return false;
  return true;
}

function removeAt(box: Box, path: Step[]): boolean {
  if (path.length === 0) return false;
  const parent = getAt(box, path.slice(0, -1));
  const last = path.at(-1)!;
  if (parent instanceof JObj && typeof last === 'string') parent.delete(last);
  else if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
  else return false;
  return true;
}

/** Every node of the tree, depth first, with its path (the root included). */
function nodesOf(j: J, path: Step[] = [], out: { path: Step[]; node: J }[] = []) {
  out.push({ path, node: j });
  if (j instanceof JObj) {
    const seen = new Set<string>();
    for (let i = j.entries.length - 1; i >= 0; i--) {
      const [k, v] = j.entries[i]!;
      if (seen.has(k)) continue;
      seen.add(k);
      nodesOf(v, [...path, k], out);
    }
  } else if (Array.isArray(j)) {
    for (const [i, v] of j.entries()) nodesOf(v, [...path, i], out);
  }
  return out;
}

/** tiny-cbor reads a Uint8Array's whole ArrayBuffer, ignoring its byteOffset (Buffers share a pool): copy first. */
const decodeAt = (b: Uint8Array, at: number) => decodePartialCBOR(new Uint8Array(b), at);
const showPath = (p: Step[]) => (p.length ? p.join('.') : '(body)');
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const unb64 = (s: string) => Buffer.from(s, 'base64url');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();
const short = (s: string, n = 60) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);

// ---------------------------------------------------------------------------------------------------------------
// Mutations. Each draws its random parameters when it is made, so the same mutation can be applied again to a
// fresh valid response (to find the one mutation that alone reproduces a failure). Applying one returns what it did.

type Kind = 'registration' | 'assertion';
interface Where {
  /** Where the credential sits in the body: `credential` on page APIs, the root on the FIDO binding. */
  prefix: Step[];
  kind: Kind;
}
type Mutation = (box: Box, where: Where) => string;

/** A value of another type for a JSON field. */
function junkValue(rng: Rng): { v: J; desc: string } {
  const long = rng.pick([300, 5_000, 17_000, 40_000, 70_000]);
  const options: Array<() => { v: J; desc: string }> = [
    () => ({ v: rng.pick([0, -1, 1e308, 2 ** 53 + 1, 3.5, -2147483648]), desc: 'a number' }),
    () => ({ v: null, desc: 'null' }),
    () => ({ v: rng.pick([true, false]), desc: 'a boolean' }),
    () => ({ v: [], desc: 'an empty array' }),
    () => ({ v: [1, 'a', null, [[]]], desc: 'a mixed array' }),
    () => ({ v: new JObj(), desc: 'an empty object' }),
    () => ({ v: new JObj([['a', 1]]), desc: 'an object' }),
    () => ({ v: new JObj([['__proto__', new JObj([['polluted', true]])]]), desc: 'an object with a __proto__ key' }),
    () => ({ v: new JObj([['constructor', new JObj([['prototype', new JObj([['x', 1]])]])]]), desc: 'constructor' }),
    () => ({ v: '', desc: 'an empty string' }),
    () => ({ v: 'A'.repeat(long), desc: `a ${long}-character string` }),
    () => ({ v: 'é😀\u202e\ud800\uffff𝕏', desc: 'unicode with a lone surrogate' }),
    () => ({ v: 'abc\u0000def', desc: 'a string with a NUL' }),
    () => ({ v: '$%^&*+/= \t\n', desc: 'non-base64url characters' }),
    () => ({ v: b64(rng.bytes(1 + rng.int(64))), desc: 'random base64url' }),
  ];
  return rng.pick(options)();
}

/** A byte-level change of a decoded binary value. */
function byteOp(rng: Rng): (b: Buffer) => { out: Buffer; desc: string } {
  const kind = rng.int(8);
  const u = rng.next();
  const v = rng.int(256);
  const n = 1 + rng.int(8);
  const extra = rng.bytes(n);
  return (b) => {
    const len = b.length;
    const i = Math.floor(u * len);
    const out = Buffer.from(b);
    switch (kind) {
      case 0:
        if (!len) return { out, desc: 'flip (empty: no-op)' };
        out[i] = out[i]! ^ (1 << (v & 7));
        return { out, desc: `flip bit ${v & 7} of byte ${i}/${len}` };
      case 1:
        if (!len) return { out, desc: 'set (empty: no-op)' };
        out[i] = out[i] === v ? v ^ 0xff : v;
        return { out, desc: `set byte ${i}/${len} to 0x${out[i]!.toString(16)}` };
      case 2: {
        const at = Math.floor(u * (len + 1));
        return {
          out: Buffer.concat([b.subarray(0, at), extra, b.subarray(at)]),
          desc: `insert ${n} bytes ${extra.toString('hex')} at ${at}/${len}`,
        };
      }
      case 3:
        return { out: Buffer.concat([b.subarray(0, i), b.subarray(i + n)]), desc: `delete ${n} bytes at ${i}/${len}` };
      case 4:
        return { out: b.subarray(0, i), desc: `truncate to ${i}/${len} bytes` };
      case 5:
        return { out: Buffer.concat([b, extra]), desc: `append ${n} bytes ${extra.toString('hex')} to ${len}` };
      case 6:
        return { out: Buffer.alloc(0), desc: `empty (was ${len} bytes)` };
      default:
        out.fill(v & 1 ? 0xff : 0x00, i, Math.min(i + n, len));
        return { out, desc: `fill ${n} bytes at ${i}/${len} with 0x${v & 1 ? 'ff' : '00'}` };
    }
  };
}

const FLAG_NAMES = ['UP', 'RFU1', 'UV', 'BE', 'BS', 'RFU2', 'AT', 'ED'];

/** A change aimed at a field of authenticator data (flags, counter, RP ID hash, attested data, extensions). */
function authDataOp(rng: Rng, kind: Kind): (b: Buffer) => { out: Buffer; desc: string } {
  const which = rng.int(kind === 'registration' ? 8 : 5);
  const bit = rng.int(8);
  const counter = rng.pick([0, 1, 0xffffffff, 0x7fffffff, rng.int(2 ** 32)]);
  const u = rng.next();
  const credIdLen = rng.pick([0, 0xffff, 1, 'plus1', 'minus1'] as const);
  const coseOp = rng.int(6);
  const aaguid = rng.bytes(16);
  const bytes = byteOp(rng);
  return (b) => {
    const out = Buffer.from(b);
    if (b.length < 37) return bytes(b);
    switch (which) {
      case 0:
        out[32] = out[32]! ^ (1 << bit);
        return { out, desc: `flip flag ${FLAG_NAMES[bit]} (bit ${bit})` };
      case 1:
        out.writeUInt32BE(counter >>> 0, 33);
        return { out, desc: `set signCount to ${counter >>> 0}` };
      case 2: {
        const i = Math.floor(u * 32);
        out[i] = out[i]! ^ 0x01;
        return { out, desc: `flip byte ${i} of rpIdHash` };
      }
      case 3: {
        out[32] = out[32]! | 0x80;
        const ext = isoCBOR.encode(new Map<string, number>([['credProtect', 1]]));
        return { out: Buffer.concat([out, ext]), desc: 'set ED and append an extensions map' };
      }
      case 4:
        return bytes(b);
      case 5: {
        if (b.length < 55) return bytes(b);
        const len = b.readUInt16BE(53);
        const v = credIdLen === 'plus1' ? len + 1 : credIdLen === 'minus1' ? len - 1 : credIdLen;
        out.writeUInt16BE(v & 0xffff, 53);
        return { out, desc: `set credentialIdLength ${len} -> ${v & 0xffff}` };
      }
      case 6:
        if (b.length < 55) return bytes(b);
        aaguid.copy(out, 37);
        return { out, desc: `replace AAGUID with ${aaguid.toString('hex')}` };
      default: {
        if (b.length < 55) return bytes(b);
        const start = 55 + b.readUInt16BE(53);
        let cose: Map<number, unknown>;
        let read: number;
        try {
          const [value, n] = decodeAt(b, start);
          if (!(value instanceof Map)) return bytes(b);
          cose = value as Map<number, unknown>;
          read = n;
        } catch {
          return bytes(b);
        }
        let desc: string;
        switch (coseOp) {
          case 0:
            cose.set(3, -8);
            desc = 'COSE alg -7 -> -8';
            break;
          case 1:
            cose.set(3, -999);
            desc = 'COSE alg -> -999';
            break;
          case 2:
            cose.set(1, 3);
            desc = 'COSE kty EC2 -> RSA';
            break;
          case 3:
            cose.set(-1, 7);
            desc = 'COSE crv P-256 -> 7';
            break;
          case 4:
            cose.set(-2, new Uint8Array(5));
            desc = 'COSE x -> 5 zero bytes';
            break;
          default:
            cose.delete(-3);
            desc = 'COSE y dropped';
        }
        const encoded = isoCBOR.encode(cose as Map<number, number | Uint8Array>);
        return { out: Buffer.concat([b.subarray(0, start), encoded, b.subarray(start + read)]), desc };
      }
    }
  };
}

/** Rewrites the base64url string at `path` through its decoded bytes; undefined when the field is not a string. */
function viaBytes(box: Box, path: Step[], f: (b: Buffer) => { out: Buffer; desc: string }): string | undefined {
  const s = getAt(box, path);
  if (typeof s !== 'string') return undefined;
  const r = f(unb64(s));
  setAt(box, path, b64(r.out));
  return r.desc;
}

/** Rewrites the attestationObject at `path` through its decoded CBOR map. */
function viaAttestationMap(box: Box, path: Step[], f: (m: Map<string, unknown>) => string): string | undefined {
  const s = getAt(box, path);
  if (typeof s !== 'string') return undefined;
  let m: unknown;
  try {
    m = isoCBOR.decodeFirst(unb64(s));
  } catch {
    return undefined;
  }
  if (!(m instanceof Map)) return undefined;
  const desc = f(m as Map<string, unknown>);
  setAt(box, path, b64(isoCBOR.encode(m as Map<string, never>)));
  return desc;
}

/** A JSON-level change somewhere in a tree (the body, or a decoded clientDataJSON). */
function jsonOp(rng: Rng): (box: Box, within: Step[]) => string {
  const op = rng.int(10);
  const u = rng.next();
  const junk = junkValue(rng);
  const newKey = rng.pick(['__proto__', 'constructor', 'prototype', 'name', 'uid', 'return', 'extra', '', 'é😀']);
  const dupMode = rng.int(3);
  return (box, within) => {
    const root = getAt(box, within);
    if (root === undefined) return 'skipped (no such field)';
    const all = nodesOf(root, within);
    if (op <= 4) {
      const { path } = all[Math.floor(u * all.length)]!;
      setAt(box, path, clone(junk.v));
      return `replace ${showPath(path)} with ${junk.desc}`;
    }
    if (op <= 6) {
      const candidates = all.filter((x) => x.path.length > within.length);
      if (!candidates.length) return 'drop (nothing to drop)';
      const { path } = candidates[Math.floor(u * candidates.length)]!;
      removeAt(box, path);
      return `drop ${showPath(path)}`;
    }
    const objects = all.filter((x) => x.node instanceof JObj);
    if (!objects.length) return 'skipped (no object)';
    const { path, node } = objects[Math.floor(u * objects.length)]!;
    const obj = node as JObj;
    if (op === 7 || !obj.entries.length) {
      obj.entries.push([newKey, clone(junk.v)]);
      return `add key ${JSON.stringify(newKey)} = ${junk.desc} to ${showPath(path)}`;
    }
    const i = Math.floor(u * obj.entries.length);
    const [k, v] = obj.entries[i]!;
    if (dupMode === 0) {
      obj.entries.splice(i + 1, 0, [k, clone(v)]);
      return `duplicate key ${showPath([...path, k])} (same value)`;
    }
    if (dupMode === 1) {
      obj.entries.splice(i, 0, [k, clone(junk.v)]);
      return `duplicate key ${showPath([...path, k])}, ${junk.desc} first (the valid value last)`;
    }
    obj.entries.push([k, clone(junk.v)]);
    return `duplicate key ${showPath([...path, k])}, ${junk.desc} last`;
  };
}

function makeMutation(rng: Rng, kind: Kind): Mutation {
  const r = rng.next();
  const binaryFields =
    kind === 'registration'
      ? ['clientDataJSON', 'attestationObject', 'attestationObject.authData', 'attestationObject.attStmt.sig']
      : ['clientDataJSON', 'authenticatorData', 'signature', 'userHandle', 'id'];
  const field = rng.pick(binaryFields);
  const bytes = byteOp(rng);
  const adOp = authDataOp(rng, kind);
  const json = jsonOp(rng);
  const cborOp = rng.int(6);
  const cborJunk = rng.pick<[unknown, string]>([
    ['packed', '"packed"'],
    ['none', '"none"'],
    ['fido-u2f', '"fido-u2f"'],
    ['tpm', '"tpm"'],
    ['', '""'],
    [7, '7'],
    [new Uint8Array(4), 'a byte string'],
    [new Map(), 'an empty map'],
    [new Map<string, unknown>([['alg', -7]]), '{alg:-7}'],
    [
      new Map<string, unknown>([
        ['alg', -257],
        ['sig', new Uint8Array(70)],
      ]),
      '{alg:-257, sig}',
    ],
    [
      new Map<string, unknown>([
        ['x5c', [new Uint8Array(100)]],
        ['sig', new Uint8Array(70)],
        ['alg', -7],
      ]),
      'x5c junk',
    ],
    [[1, 2, 3], 'an array'],
  ]);
  const cborKey = rng.pick(['fmt', 'attStmt', 'authData']);

  return (box, where) => {
    const resp = [...where.prefix, 'response'];
    if (r < 0.3) {
      // Byte-level, inside a decoded binary field.
      let d: string | undefined;
      if (field === 'id') {
        d = viaBytes(box, [...where.prefix, 'id'], bytes);
        if (d !== undefined) setAt(box, [...where.prefix, 'rawId'], getAt(box, [...where.prefix, 'id'])!);
        return d === undefined ? 'skipped' : `id and rawId: ${d}`;
      }
      if (field === 'attestationObject.authData')
        d = viaAttestationMap(box, [...resp, 'attestationObject'], (m) => {
          const ad = m.get('authData');
          if (!(ad instanceof Uint8Array)) return 'authData not bytes: no-op';
          const x = bytes(Buffer.from(ad));
          m.set('authData', new Uint8Array(x.out));
          return x.desc;
        });
      else if (field === 'attestationObject.attStmt.sig')
        d = viaAttestationMap(box, [...resp, 'attestationObject'], (m) => {
          const st = m.get('attStmt');
          const sig = st instanceof Map ? st.get('sig') : undefined;
          if (!(st instanceof Map) || !(sig instanceof Uint8Array)) return 'no attStmt.sig: no-op';
          const x = bytes(Buffer.from(sig));
          st.set('sig', new Uint8Array(x.out));
          return x.desc;
        });
      else d = viaBytes(box, [...resp, field], bytes);
      return d === undefined ? `${field}: skipped (not decodable)` : `response.${field}: ${d}`;
    }
    if (r < 0.5) {
      // Aimed at the fields of authenticator data.
      if (where.kind === 'assertion') {
        const d = viaBytes(box, [...resp, 'authenticatorData'], adOp);
        return d === undefined ? 'authenticatorData: skipped' : `response.authenticatorData: ${d}`;
      }
      const d = viaAttestationMap(box, [...resp, 'attestationObject'], (m) => {
        const ad = m.get('authData');
        if (!(ad instanceof Uint8Array)) return 'authData not bytes: no-op';
        const x = adOp(Buffer.from(ad));
        m.set('authData', new Uint8Array(x.out));
        return x.desc;
      });
      return d === undefined ? 'attestationObject: skipped' : `attestationObject.authData: ${d}`;
    }
    if (r < 0.6) {
      // JSON-level, inside the decoded clientDataJSON.
      const s = getAt(box, [...resp, 'clientDataJSON']);
      if (typeof s !== 'string') return 'clientDataJSON: skipped';
      let inner: Box;
      try {
        inner = { v: toJ(JSON.parse(unb64(s).toString('utf8'))) };
      } catch {
        return 'clientDataJSON: skipped (not JSON)';
      }
      const d = json(inner, []);
      setAt(box, [...resp, 'clientDataJSON'], b64(Buffer.from(ser(inner.v), 'utf8')));
      return `inside clientDataJSON: ${d}`;
    }
    if (r < 0.7 && where.kind === 'registration') {
      // CBOR-level, inside the attestationObject map.
      const d = viaAttestationMap(box, [...resp, 'attestationObject'], (m) => {
        if (cborOp === 0) {
          m.delete(cborKey);
          return `drop ${cborKey}`;
        }
        if (cborOp === 1) {
          m.set('extra', 1);
          return 'add key "extra"';
        }
        const key = cborOp <= 3 ? 'fmt' : cborOp === 4 ? 'attStmt' : cborKey;
        m.set(key, cborJunk[0]);
        return `set ${key} to ${cborJunk[1]}`;
      });
      return d === undefined ? 'attestationObject: skipped' : `attestationObject map: ${d}`;
    }
    // JSON-level, anywhere in the body.
    return `body: ${json(box, [])}`;
  };
}

function makeMutations(rng: Rng, kind: Kind): Mutation[] {
  const x = rng.next();
  const n = x < 0.6 ? 1 : x < 0.9 ? 2 : 3;
  return Array.from({ length: n }, () => makeMutation(rng, kind));
}

// ---------------------------------------------------------------------------------------------------------------
// Judging replies.

interface Reply {
  status: number;
  text: string;
  json: unknown;
}

async function post(url: string, text: string, cookie?: string): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (cookie) headers.cookie = cookie;
  const res = await fetch(url, { method: 'POST', headers, body: text, redirect: 'manual' });
  const body = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status: res.status, text: body, json };
}

/** Why a reply breaks the rule (a 2xx, or a 4xx with a catalogue code in the route's shape); undefined if it does not. */
function problemOf(r: Reply, binding: 'graph' | 'fido'): string | undefined {
  if (r.status >= 200 && r.status < 300) return undefined;
  if (r.status < 400 || r.status >= 500) return `HTTP ${r.status}: ${short(r.text, 300)}`;
  const j = r.json as { error?: { code?: unknown }; status?: unknown; errorMessage?: unknown } | undefined;
  const code =
    binding === 'graph'
      ? j?.error?.code
      : j?.status === 'failed' && typeof j.errorMessage === 'string'
        ? j.errorMessage.split(':')[0]
        : undefined;
  if (!isErrorCode(code)) return `HTTP ${r.status} without a catalogue code: ${short(r.text, 300)}`;
  return undefined;
}

function codeOf(r: Reply): string {
  const j = r.json as { error?: { code?: string }; errorMessage?: string } | undefined;
  return j?.error?.code ?? j?.errorMessage?.split(':')[0] ?? `HTTP ${r.status}`;
}

const USER_HANDLE_CHANGED = 'userHandle changed (WebAuthn §7.2 step 6: it must map to the credential owner)';

/** A canonical text of a decoded CBOR value, to compare two structures. */
function canon(v: unknown): string {
  if (v instanceof Uint8Array) return `h'${Buffer.from(v).toString('hex')}'`;
  if (v instanceof Map)
    return `{${[...v]
      .map(([k, x]) => `${canon(k)}:${canon(x)}`)
      .sort()
      .join(',')}}`;
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  return typeof v === 'bigint' ? `${v}n` : (JSON.stringify(v) ?? String(v));
}

/**
 * Canonical DER of an ECDSA-Sig-Value (two minimal, non-negative INTEGERs, nothing after), the encoding Signet
 * demands of assertion signatures (src/webauthn/signature-encoding.ts, WA-17). Checked here independently.
 */
function isStrictDerEcdsa(sig: Uint8Array): boolean {
  if (sig.length < 8 || sig[0] !== 0x30 || sig[1] !== sig.length - 2) return false;
  let i = 2;
  for (let k = 0; k < 2; k++) {
    if (sig[i] !== 0x02) return false;
    const len = sig[i + 1]!;
    const v = sig.subarray(i + 2, i + 2 + len);
    if (len === 0 || len > 33 || v.length !== len) return false;
    if (v[0]! & 0x80 || (len > 1 && v[0] === 0 && !(v[1]! & 0x80))) return false;
    i += 2 + len;
  }
  return i === sig.length;
}

/** Why an accepted ECDSA signature is not a valid one over `data`; undefined when it is. */
function signatureProblem(key: KeyObject, data: Buffer, sig: Uint8Array, what: string): string | undefined {
  if (!isStrictDerEcdsa(sig)) {
    const der = sig[0] === 0x30 && sig.length > 2 ? sig[1]! + 2 : undefined;
    const extra = der !== undefined && der < sig.length ? `, ${sig.length - der} byte(s) after the DER value` : '';
    return `${what} is not canonical DER (${sig.length} bytes${extra}): ${Buffer.from(sig).toString('hex')}`;
  }
  if (!verifySignature('sha256', data, { key, dsaEncoding: 'der' }, sig)) return `${what} does not verify`;
  return undefined;
}

function es256Key(cose: Map<number, unknown>) {
  const x = cose.get(-2);
  const y = cose.get(-3);
  if (cose.get(3) !== -7 || !(x instanceof Uint8Array) || !(y instanceof Uint8Array)) return undefined;
  return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64(x), y: b64(y) }, format: 'jwk' });
}

function coseOfAuthData(ad: Buffer): Map<number, unknown> {
  const [cose] = decodeAt(ad, 55 + ad.readUInt16BE(53));
  return cose as Map<number, unknown>;
}

/**
 * An accepted mutated registration is fine only when what is signed did not change: the same clientDataJSON bytes,
 * the same fmt, attStmt and authData in an attestationObject of exactly one CBOR item, and a valid packed signature.
 */
function registrationUnchanged(sent: unknown, original: Record<string, unknown>): string | undefined {
  try {
    const c = sent as { response: { clientDataJSON: string; attestationObject: string } };
    const o = original as { response: { clientDataJSON: string; attestationObject: string } };
    const cdj = unb64(c.response.clientDataJSON);
    if (!cdj.equals(unb64(o.response.clientDataJSON))) return 'clientDataJSON changed';
    const bytes = unb64(c.response.attestationObject);
    const [obj, read] = decodeAt(bytes, 0);
    if (read !== bytes.length) return 'bytes after the attestationObject';
    const m = obj as Map<string, unknown>;
    const was = isoCBOR.decodeFirst(unb64(o.response.attestationObject)) as Map<string, unknown>;
    // Keys beyond these three are not covered by any signature; a lenient reader may ignore them.
    for (const k of ['fmt', 'authData'])
      if (canon(m.get(k)) !== canon(was.get(k))) return `attestationObject.${k} changed`;
    const st = m.get('attStmt');
    const stWas = was.get('attStmt') as Map<string, unknown>;
    if (!(st instanceof Map)) return 'attStmt is not a map';
    const withoutSig = (x: Map<string, unknown>) => canon(new Map([...x].filter(([k]) => k !== 'sig')));
    if (withoutSig(st) !== withoutSig(stWas)) return 'attestationObject.attStmt changed (besides sig)';
    const ad = Buffer.from(m.get('authData') as Uint8Array);
    const key = es256Key(coseOfAuthData(ad));
    const sig = st.get('sig');
    if (!key || !(sig instanceof Uint8Array)) return 'no ES256 key or packed signature';
    return signatureProblem(key, Buffer.concat([ad, sha256(cdj)]), sig, 'packed attStmt.sig');
  } catch (err) {
    return `not a well-formed registration: ${(err as Error).message}`;
  }
}

/**
 * An accepted mutated assertion is fine only when authenticatorData and clientDataJSON are unchanged and signed, and
 * the credential id is the original. A changed, non-empty user handle is reported as `userHandle changed`.
 */
function assertionUnchanged(sent: unknown, original: Record<string, unknown>, coseKey: Uint8Array): string | undefined {
  try {
    const c = sent as { id: string; response: Record<string, string | undefined> };
    const o = original as { id: string; response: Record<string, string> };
    const cdj = unb64(c.response.clientDataJSON!);
    const ad = unb64(c.response.authenticatorData!);
    if (c.id !== o.id) return 'credential id changed';
    if (!cdj.equals(unb64(o.response.clientDataJSON!))) return 'clientDataJSON changed';
    if (!ad.equals(unb64(o.response.authenticatorData!))) return 'authenticatorData changed';
    const key = es256Key(isoCBOR.decodeFirst(new Uint8Array(coseKey)) as Map<number, unknown>);
    if (!key) return 'no ES256 key';
    const bad = signatureProblem(key, Buffer.concat([ad, sha256(cdj)]), unb64(c.response.signature!), 'signature');
    if (bad) return bad;
    if (c.response.userHandle && c.response.userHandle !== o.response.userHandle) return USER_HANDLE_CHANGED;
    return undefined;
  } catch (err) {
    return `not a well-formed assertion: ${(err as Error).message}`;
  }
}

// ---------------------------------------------------------------------------------------------------------------

interface Target {
  name: string;
  kind: Kind;
  binding: 'graph' | 'fido';
  /** The route a mutated response is posted to. */
  route: string;
  prefix: Step[];
  cookie?: string;
  /** A valid response to freshly fetched options. */
  valid(): Promise<Record<string, unknown>>;
  /** Registration targets: the credential ids of the user's stored passkeys. */
  stored?(): Promise<string[]>;
  /** After an accepted registration: remove it, so the per-user limit never masks a later check. */
  forget?(credentialId: string): Promise<void>;
  /** Accepted mutated assertions must carry the original signed data under this COSE key. */
  coseKey?: () => Uint8Array;
  /**
   * Whether the route refuses a user handle that is not the credential owner's. The sign-in page does
   * (SIGNIN_USER_HANDLE_MISMATCH); the FIDO binding does not compare it: such acceptances are listed, not failed.
   */
  checksUserHandle?: boolean;
}

interface Outcome {
  reply: Reply;
  problems: string[];
  accepted: boolean;
  /** Accepted with a changed user handle on a route that does not compare it. */
  uncheckedUserHandle: boolean;
}

describe.each(engines)('mutation fuzzing of the WebAuthn ceremonies on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let conformance: Tenant;

  beforeAll(async () => {
    server = await startTestServer(engine);
    const suffix = Math.floor(Math.random() * 0xffffff).toString(16);
    tenant = await createTenant(server.ctx, { slug: `fuzz-${suffix}` });
    conformance = await createTenant(server.ctx, { slug: `fuzz-fido-${suffix}`, conformance: true });
  });
  afterAll(() => server.close());

  const url = (path: string) => server.url + path;
  let n = 0;
  const newUser = (): Promise<User> =>
    createUser(server.ctx, tenant, { userPrincipalName: `fuzz${++n}-${Date.now().toString(36)}@example.com` });

  async function tapCookie(user: User): Promise<string> {
    const { pass } = await issueTap(server.ctx, tenant, user, { oneTime: false, actor: SYSTEM });
    const res = await fetch(url(`/${tenant.slug}/signin/tap`), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user.userPrincipalName, pass }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    return res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
  }

  async function json(path: string, body: unknown, cookie?: string): Promise<{ reply: Reply; cookies: string[] }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (cookie) headers.cookie = cookie;
    const res = await fetch(url(path), { method: 'POST', headers, body: JSON.stringify(body) });
    const text = await res.text();
    expect(res.status, `${path}: ${text}`).toBe(200);
    return { reply: { status: res.status, text, json: JSON.parse(text) }, cookies: res.headers.getSetCookie() };
  }

  // ----- the four targets

  async function accountRegistration(): Promise<Target> {
    const user = await newUser();
    const cookie = await tapCookie(user);
    return {
      name: 'account registration',
      kind: 'registration',
      binding: 'graph',
      route: `POST /${tenant.slug}/account/passkeys/verify`,
      prefix: ['credential'],
      cookie,
      valid: async () => {
        const o = await json(`/${tenant.slug}/account/passkeys/options`, {}, cookie);
        return (await new SoftAuthenticator().register(o.reply.json as RegistrationOptionsLike, {
          origin: server.url,
          attestation: 'packed-self',
        })) as unknown as Record<string, unknown>;
      },
      stored: async () => (await listPasskeys(server.ctx.db, tenant.id, user.id)).map((p) => p.credentialId),
      forget: async (credentialId) => {
        const p = (await listPasskeys(server.ctx.db, tenant.id, user.id)).find((x) => x.credentialId === credentialId);
        if (p) await deletePasskey(server.ctx.db, tenant.id, user.id, p.id);
      },
    };
  }

  async function passkeySignIn(): Promise<Target> {
    const user = await newUser();
    const cookie = await tapCookie(user);
    const auth = new SoftAuthenticator();
    const o = await json(`/${tenant.slug}/account/passkeys/options`, {}, cookie);
    const credential = await auth.register(o.reply.json as RegistrationOptionsLike, { origin: server.url });
    const reg = await post(url(`/${tenant.slug}/account/passkeys/verify`), JSON.stringify({ credential }), cookie);
    expect(reg.status, reg.text).toBe(201);
    const rng = new Rng(seedFor('signin username choice'));
    return {
      name: 'passkey sign-in',
      kind: 'assertion',
      binding: 'graph',
      route: `POST /${tenant.slug}/signin/passkey/verify`,
      prefix: ['credential'],
      valid: async () => {
        // Username-first and discoverable sign-ins alternate (the user handle matters only for the latter).
        const body = rng.next() < 0.5 ? { username: user.userPrincipalName } : {};
        const opts = await json(`/${tenant.slug}/signin/passkey/options`, body);
        return (await auth.authenticate(opts.reply.json as AuthenticationOptionsLike, {
          origin: server.url,
        })) as unknown as Record<string, unknown>;
      },
      coseKey: () => auth.credentials[0]!.publicKey,
      checksUserHandle: true,
    };
  }

  async function fidoAttestation(): Promise<Target> {
    const username = `fuzz-att-${Date.now().toString(36)}@example.com`;
    let jar = '';
    const target: Target = {
      name: 'FIDO attestation',
      kind: 'registration',
      binding: 'fido',
      route: `POST /${conformance.slug}/fido2/attestation/result`,
      prefix: [],
      valid: async () => {
        const o = await json(
          `/${conformance.slug}/fido2/attestation/options`,
          { username, displayName: 'Fuzz', attestation: 'direct' },
          jar || undefined,
        );
        jar ||= o.cookies.map((c) => c.split(';')[0]).join('; ');
        target.cookie = jar;
        return (await new SoftAuthenticator().register(o.reply.json as RegistrationOptionsLike, {
          origin: server.url,
          attestation: 'packed-self',
        })) as unknown as Record<string, unknown>;
      },
      stored: async () => {
        const user = await findUserByName(server.ctx.db, conformance.id, username);
        return user ? (await listPasskeys(server.ctx.db, conformance.id, user.id)).map((p) => p.credentialId) : [];
      },
      forget: async (credentialId) => {
        const user = (await findUserByName(server.ctx.db, conformance.id, username))!;
        const p = (await listPasskeys(server.ctx.db, conformance.id, user.id)).find(
          (x) => x.credentialId === credentialId,
        );
        if (p) await deletePasskey(server.ctx.db, conformance.id, user.id, p.id);
      },
    };
    return target;
  }

  async function fidoAssertion(): Promise<Target> {
    const username = `fuzz-assert-${Date.now().toString(36)}@example.com`;
    const auth = new SoftAuthenticator();
    const o = await json(`/${conformance.slug}/fido2/attestation/options`, { username, displayName: 'Fuzz' });
    const jar = o.cookies.map((c) => c.split(';')[0]).join('; ');
    const credential = await auth.register(o.reply.json as RegistrationOptionsLike, { origin: server.url });
    const reg = await post(url(`/${conformance.slug}/fido2/attestation/result`), JSON.stringify(credential), jar);
    expect(reg.status, reg.text).toBe(200);
    return {
      name: 'FIDO assertion',
      kind: 'assertion',
      binding: 'fido',
      route: `POST /${conformance.slug}/fido2/assertion/result`,
      prefix: [],
      cookie: jar,
      valid: async () => {
        const ao = await json(`/${conformance.slug}/fido2/assertion/options`, { username }, jar);
        return (await auth.authenticate(ao.reply.json as AuthenticationOptionsLike, {
          origin: server.url,
        })) as unknown as Record<string, unknown>;
      },
      coseKey: () => auth.credentials[0]!.publicKey,
    };
  }

  // ----- the fuzzing loop

  /** One mutated ceremony: fresh options, a valid response, the mutations, the request, and every check. */
  async function attempt(t: Target, mutations: Mutation[]): Promise<Outcome & { descs: string[]; text: string }> {
    const original = await t.valid();
    const box: Box = { v: toJ(t.prefix.length ? { credential: original } : original) };
    const where: Where = { prefix: t.prefix, kind: t.kind };
    const descs = mutations.map((m) => m(box, where));
    const text = ser(box.v);
    const before = t.stored ? await t.stored() : [];
    const reply = await post(url(t.route.slice('POST '.length)), text, t.cookie);
    const problems: string[] = [];
    const p = problemOf(reply, t.binding);
    if (p) problems.push(p);
    const accepted = reply.status >= 200 && reply.status < 300;
    let uncheckedUserHandle = false;
    const credentialId = original.id as string;

    if (t.stored) {
      const after = await t.stored();
      if (!accepted) {
        if (after.length !== before.length || after.includes(credentialId))
          problems.push(`refused (${codeOf(reply)}) yet a passkey was stored: ${before.length} -> ${after.length}`);
      } else if (after.length !== before.length + 1 || !after.includes(credentialId)) {
        problems.push(`accepted yet the passkeys went ${before.length} -> ${after.length}`);
      }
    }
    if (accepted) {
      // What the server actually read: JSON.parse keeps the last of duplicated keys.
      let sent: unknown;
      try {
        const parsed = JSON.parse(text) as Record<string, unknown>;
        sent = t.prefix.length ? parsed.credential : parsed;
      } catch {
        sent = undefined;
      }
      const why =
        t.kind === 'registration'
          ? registrationUnchanged(sent, original)
          : assertionUnchanged(sent, original, t.coseKey!());
      if (why === USER_HANDLE_CHANGED && !t.checksUserHandle) uncheckedUserHandle = true;
      else if (why)
        problems.push(
          `accepted a mutated response that is not a valid signature over the original signed data: ${why}`,
        );
      if (t.forget) await t.forget(credentialId);
    }
    return { reply, problems, accepted, uncheckedUserHandle, descs, text };
  }

  async function fuzz(t: Target) {
    const rng = new Rng(seedFor(t.name));
    const failures: string[] = [];
    const accepted: string[] = [];
    const uncheckedUserHandles: string[] = [];
    const codes = new Map<string, number>();
    for (let i = 0; i < ITERATIONS; i++) {
      const mutations = makeMutations(rng, t.kind);
      const out = await attempt(t, mutations);
      if (out.uncheckedUserHandle) uncheckedUserHandles.push(`#${i}: ${out.descs.join(' + ')}`);
      if (out.accepted) accepted.push(`#${i}: ${out.descs.join(' + ')}`);
      else codes.set(codeOf(out.reply), (codes.get(codeOf(out.reply)) ?? 0) + 1);
      if (!out.problems.length) continue;
      // Look for one mutation that reproduces a failure on its own, against a fresh valid response.
      let minimal = '';
      if (mutations.length > 1) {
        for (const m of mutations) {
          const alone = await attempt(t, [m]);
          if (alone.problems.length) {
            minimal = `\n    reproduced alone by: ${alone.descs[0]} -> ${alone.problems.join('; ')}`;
            break;
          }
        }
      }
      failures.push(
        `seed ${SEED} ${t.name} #${i}: ${t.route} with ${out.descs.join(' + ')}\n    -> ${out.problems.join('; ')}` +
          `\n    body: ${short(out.text, 400)}${minimal}`,
      );
    }
    return { failures, accepted, uncheckedUserHandles, codes };
  }

  async function healthy(): Promise<void> {
    const r = await fetch(url('/healthz'));
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'ok' });
  }

  /** The fresh valid ceremony after the run: accepted, and (for a registration) stored. */
  async function stillWorks(t: Target): Promise<void> {
    const out = await attempt(t, []);
    expect(out.reply.status, out.reply.text).toBe(t.kind === 'registration' && t.binding === 'graph' ? 201 : 200);
    expect(out.problems).toEqual([]);
  }

  const cases: Array<[string, () => Promise<Target>]> = [
    ['registration on the account page', accountRegistration],
    ['passkey sign-in', passkeySignIn],
    ['attestation on the FIDO binding', fidoAttestation],
    ['assertion on the FIDO binding', fidoAssertion],
  ];

  it.each(cases)(
    'mutated %s: never a 5xx, always a catalogue code, nothing stored when refused',
    async (_label, make) => {
      const t = await make();
      await stillWorks(t); // the baseline: an unmutated ceremony succeeds
      const { failures, accepted, uncheckedUserHandles, codes } = await fuzz(t);
      // WebAuthn §7.2 step 6 holds on every route, the FIDO binding included.
      expect(uncheckedUserHandles, `${t.route} accepted a userHandle that is not the owner's (seed ${SEED})`).toEqual(
        [],
      );
      // Accepted mutations (already checked to keep the signed data intact) are listed when they are not rare.
      expect(failures, failures.join('\n')).toEqual([]);
      expect(accepted.length, `accepted mutations:\n${accepted.join('\n')}`).toBeLessThan(ITERATIONS * 0.25);
      // The fuzzer reaches many distinct refusals, not one early gate.
      expect(codes.size, JSON.stringify([...codes])).toBeGreaterThanOrEqual(3);
      await healthy();
      await stillWorks(t);
    },
    TIMEOUT,
  );
});
