// The rules a method configuration must keep beyond its schema (method-policy-schemas.ts): how a PATCH applies,
// the passkey profile limits and references, AAGUIDs, TAP lifetimes, which targets must exist in the tenant, and
// what an audit row says changed. Pure: the flow (flows/method-policy.ts) reads the directory and the stored
// documents and calls these.
import { allow, type Decision, deny, type ErrorCode } from './errors.ts';
import type {
  Campaign,
  Fido2Document,
  Fido2Patch,
  MethodDocuments,
  MethodId,
  MethodPatch,
  PolicyRootDocument,
  PolicyRootPatch,
  TapDocument,
} from './method-policy-schemas.ts';
import { isGuid } from './method-policy-schemas.ts';

/**
 * Passkey profiles per tenant. Signet allows 10 where Microsoft Entra allows 3 (SPEC §2.2: "Signet may allow more,
 * never less"); this constant is the one place the limit lives.
 */
export const MAX_PASSKEY_PROFILES = 10;
/** The passkey (Fido2) policy, serialized as JSON, at most 20 KB (as Entra's authentication methods policy). */
export const MAX_FIDO2_POLICY_BYTES = 20 * 1024;

export type Checked<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; detail: Record<string, string> };
const refuse = (code: ErrorCode, detail: Record<string, string>) => ({ ok: false as const, code, detail });

/** The size the 20 KB limit measures: the configuration as Signet stores it, in UTF-8 bytes. */
export function fido2PolicyBytes(c: Fido2Document): number {
  return new TextEncoder().encode(JSON.stringify(c)).length;
}

/**
 * A PATCH applied to the stored document: each property sent replaces its own, the others stay. Graph's deprecated
 * `isAttestationEnforced` and `keyRestrictions` (global before passkey profiles) apply to the default profile when
 * the body carries no passkeyProfiles; alongside passkeyProfiles the profiles say it all and they are ignored (Graph's
 * own PATCH example sends both, disagreeing).
 */
export function applyMethodPatch<M extends MethodId>(
  m: M,
  current: MethodDocuments[M],
  patch: MethodPatch<M>,
): MethodDocuments[M] {
  if (m !== 'Fido2') return { ...current, ...patch } as MethodDocuments[M];
  const { isAttestationEnforced, keyRestrictions, ...rest } = patch as Fido2Patch;
  const next: Fido2Document = { ...(current as Fido2Document), ...rest };
  if (rest.passkeyProfiles === undefined && (isAttestationEnforced !== undefined || keyRestrictions !== undefined))
    next.passkeyProfiles = next.passkeyProfiles.map((p) =>
      p.id !== next.defaultPasskeyProfile
        ? p
        : {
            ...p,
            ...(isAttestationEnforced === undefined
              ? {}
              : { attestationEnforcement: isAttestationEnforced ? 'registrationOnly' : 'disabled' }),
            ...(keyRestrictions === undefined ? {} : { keyRestrictions }),
          },
    );
  return next as MethodDocuments[M];
}

export function applyPolicyRootPatch(current: PolicyRootDocument, patch: PolicyRootPatch): PolicyRootDocument {
  const sent = patch.registrationEnforcement?.authenticationMethodsRegistrationCampaign;
  if (!sent) return current;
  const campaign: Campaign = { ...current.registrationEnforcement.authenticationMethodsRegistrationCampaign };
  for (const [k, v] of Object.entries(sent)) if (v !== undefined) (campaign as Record<string, unknown>)[k] = v;
  return { registrationEnforcement: { authenticationMethodsRegistrationCampaign: campaign } };
}

function duplicateTarget(list: readonly { id: string }[], field: string): Decision {
  const seen = new Set<string>();
  for (const [i, t] of list.entries()) {
    const id = t.id.toLowerCase();
    if (seen.has(id)) return deny('POLICY_PROFILE_DUPLICATE', { field: `${field}[${i}].id`, id: t.id });
    seen.add(id);
  }
  return allow;
}

/**
 * The Fido2 configuration after a PATCH, judged against the one before it: at most 10 profiles with distinct ids,
 * no profile asking for synced passkeys and enforced attestation, well-formed AAGUIDs (kept in lower case, once
 * each), no removed profile still named, every named profile present, distinct targets, and at most 20 KB.
 */
export function checkFido2Config(next: Fido2Document, previous: Fido2Document): Checked<Fido2Document> {
  if (next.passkeyProfiles.length > MAX_PASSKEY_PROFILES)
    return refuse('POLICY_PASSKEY_PROFILES_TOO_MANY', {
      field: 'passkeyProfiles',
      count: String(next.passkeyProfiles.length),
      limit: String(MAX_PASSKEY_PROFILES),
    });
  const ids = new Set<string>();
  const profiles: Fido2Document['passkeyProfiles'] = [];
  for (const [i, p] of next.passkeyProfiles.entries()) {
    const id = p.id.toLowerCase();
    if (ids.has(id)) return refuse('POLICY_PROFILE_DUPLICATE', { field: `passkeyProfiles[${i}].id`, id: p.id });
    ids.add(id);
    // Synced passkeys do not attest: such a profile could admit nobody (SPEC §2.2). One error, both fields.
    if (p.passkeyTypes.split(',').includes('synced') && p.attestationEnforcement === 'registrationOnly')
      return refuse('POLICY_PROFILE_SYNCED_WITH_ATTESTATION', {
        field: `passkeyProfiles[${i}].passkeyTypes, passkeyProfiles[${i}].attestationEnforcement`,
        profile: p.name,
      });
    const aaGuids: string[] = [];
    for (const [j, a] of p.keyRestrictions.aaGuids.entries()) {
      if (!isGuid(a.trim()))
        return refuse('POLICY_AAGUID_INVALID', {
          field: `passkeyProfiles[${i}].keyRestrictions.aaGuids[${j}]`,
          aaguid: a,
        });
      const lower = a.trim().toLowerCase();
      if (!aaGuids.includes(lower)) aaGuids.push(lower);
    }
    profiles.push({ ...p, id, keyRestrictions: { ...p.keyRestrictions, aaGuids } });
  }
  const defaultProfile = next.defaultPasskeyProfile.toLowerCase();
  const targets = next.includeTargets.map((t) => ({
    ...t,
    allowedPasskeyProfiles: [...new Set(t.allowedPasskeyProfiles.map((a) => a.toLowerCase()))],
  }));
  const removed = new Set(previous.passkeyProfiles.map((p) => p.id.toLowerCase()).filter((id) => !ids.has(id)));
  const references = [
    { field: 'defaultPasskeyProfile', id: defaultProfile },
    ...targets.flatMap((t, i) =>
      t.allowedPasskeyProfiles.map((id, j) => ({ field: `includeTargets[${i}].allowedPasskeyProfiles[${j}]`, id })),
    ),
  ];
  for (const r of references) {
    if (ids.has(r.id)) continue;
    if (removed.has(r.id)) {
      const usedBy = references.filter((o) => o.id === r.id).map((o) => o.field);
      return refuse('POLICY_PROFILE_IN_USE', { profile: r.id, usedBy: usedBy.join(', ') });
    }
    return refuse('POLICY_PROFILE_UNKNOWN', { field: r.field, id: r.id });
  }
  for (const d of [duplicateTarget(targets, 'includeTargets'), duplicateTarget(next.excludeTargets, 'excludeTargets')])
    if (!d.ok) return d;
  const value: Fido2Document = {
    ...next,
    passkeyProfiles: profiles,
    defaultPasskeyProfile: defaultProfile,
    includeTargets: targets,
    excludeTargets: next.excludeTargets.map((t) => ({ ...t, id: t.id.toLowerCase() })),
  };
  const bytes = fido2PolicyBytes(value);
  if (bytes > MAX_FIDO2_POLICY_BYTES)
    return refuse('POLICY_TOO_LARGE', { size: String(bytes), limit: String(MAX_FIDO2_POLICY_BYTES) });
  return { ok: true, value };
}

/** minimumLifetimeInMinutes ≤ defaultLifetimeInMinutes ≤ maximumLifetimeInMinutes. */
export function checkTapConfig(c: TapDocument): Decision {
  if (c.minimumLifetimeInMinutes > c.maximumLifetimeInMinutes)
    return deny('POLICY_TAP_LIFETIME_INCONSISTENT', {
      field: 'minimumLifetimeInMinutes, maximumLifetimeInMinutes',
      minimumLifetimeInMinutes: String(c.minimumLifetimeInMinutes),
      maximumLifetimeInMinutes: String(c.maximumLifetimeInMinutes),
    });
  if (
    c.defaultLifetimeInMinutes < c.minimumLifetimeInMinutes ||
    c.defaultLifetimeInMinutes > c.maximumLifetimeInMinutes
  )
    return deny('POLICY_TAP_LIFETIME_INCONSISTENT', {
      field: 'defaultLifetimeInMinutes',
      defaultLifetimeInMinutes: String(c.defaultLifetimeInMinutes),
      minimumLifetimeInMinutes: String(c.minimumLifetimeInMinutes),
      maximumLifetimeInMinutes: String(c.maximumLifetimeInMinutes),
    });
  return allow;
}

/** The rules of one method after a PATCH; the document as it is to be stored. */
export function checkMethodConfig<M extends MethodId>(
  m: M,
  next: MethodDocuments[M],
  previous: MethodDocuments[M],
): Checked<MethodDocuments[M]> {
  if (m === 'Fido2')
    return checkFido2Config(next as Fido2Document, previous as Fido2Document) as Checked<MethodDocuments[M]>;
  const targets = next as MethodDocuments['Password'];
  for (const d of [
    m === 'TemporaryAccessPass' ? checkTapConfig(next as TapDocument) : allow,
    duplicateTarget(targets.includeTargets, 'includeTargets'),
    duplicateTarget(targets.excludeTargets, 'excludeTargets'),
  ])
    if (!d.ok) return d;
  return {
    ok: true,
    value: {
      ...next,
      includeTargets: targets.includeTargets.map((t) => ({ ...t, id: t.id.toLowerCase() })),
      excludeTargets: targets.excludeTargets.map((t) => ({ ...t, id: t.id.toLowerCase() })),
    },
  };
}

export interface TargetReference {
  /** Where the body names it: `includeTargets[1].id`. */
  field: string;
  id: string;
  kind: 'group' | 'user';
}

/** The groups and users a document names (all_users aside): each must be an object of this tenant. */
export function targetReferences(doc: {
  includeTargets?: readonly { id: string }[];
  excludeTargets?: readonly { id: string; targetType: string }[];
}): TargetReference[] {
  const refs: TargetReference[] = [];
  for (const [i, t] of (doc.includeTargets ?? []).entries())
    if (t.id !== 'all_users') refs.push({ field: `includeTargets[${i}].id`, id: t.id, kind: 'group' });
  for (const [i, t] of (doc.excludeTargets ?? []).entries())
    refs.push({ field: `excludeTargets[${i}].id`, id: t.id, kind: t.targetType === 'user' ? 'user' : 'group' });
  return refs;
}

export function campaignTargetReferences(root: PolicyRootDocument): TargetReference[] {
  const c = root.registrationEnforcement.authenticationMethodsRegistrationCampaign;
  return targetReferences(c).map((r) => ({
    ...r,
    field: `registrationEnforcement.authenticationMethodsRegistrationCampaign.${r.field}`,
  }));
}

/**
 * Every reference names an object the tenant has (`found`: the ids, lower case, that a lookup in this tenant
 * returned). Another tenant's group is simply not found here.
 */
export function checkTargetsExist(refs: readonly TargetReference[], found: ReadonlySet<string>): Decision {
  const missing = refs.find((r) => !found.has(r.id.toLowerCase()));
  if (missing) return deny('POLICY_TARGET_NOT_FOUND', { field: missing.field, id: missing.id, kind: missing.kind });
  return allow;
}

const keyed = (v: unknown): v is { id: string }[] =>
  Array.isArray(v) &&
  v.every((x) => typeof x === 'object' && x !== null && typeof (x as { id?: unknown }).id === 'string');

/**
 * The audit row's detail: `name.oldValue` / `name.newValue` for each property that changed, never the whole
 * document. Lists of objects with ids (profiles, targets) are compared item by item, as `passkeyProfiles/{id}`.
 */
export function changedProperties(before: object, after: object, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const put = (name: string, oldValue: unknown, newValue: unknown) => {
    out[`${name}.oldValue`] = oldValue === undefined ? '' : JSON.stringify(oldValue);
    out[`${name}.newValue`] = newValue === undefined ? '' : JSON.stringify(newValue);
  };
  for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
    const name = `${prefix}${key}`;
    const [x, y] = [b[key], a[key]];
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    if (keyed(x) && keyed(y)) {
      const olds = new Map(x.map((o) => [o.id, o]));
      const news = new Map(y.map((o) => [o.id, o]));
      for (const id of new Set([...olds.keys(), ...news.keys()]))
        if (JSON.stringify(olds.get(id)) !== JSON.stringify(news.get(id)))
          put(`${name}/${id}`, olds.get(id), news.get(id));
      // Only the order moved: say so rather than nothing.
      if (Object.keys(out).every((k) => !k.startsWith(`${name}/`))) put(name, x, y);
    } else if (typeof x === 'object' && x !== null && typeof y === 'object' && y !== null && !Array.isArray(x))
      Object.assign(out, changedProperties(x, y, `${name}.`));
    else put(name, x, y);
  }
  return out;
}
