// The Graph `user` resource as Signet serves it: which properties exist, how a stored user reads as Graph JSON
// (with $select and the @odata annotations), which OData query options the collection allows, and the request
// bodies of create (POST) and update (PATCH). Graph properties Signet does not store are omitted from
// responses, never invented; writes naming them are refused by name rather than silently dropped.
import { z } from 'zod';
import { type BodyResult, parseGraphWrite } from './graph-write.ts';
import type { CollectionQuery, ResourceSpec } from './odata.ts';

/** What the mapping needs of a stored user (src/store/users.ts `User` satisfies it). */
export interface UserFacts {
  id: string;
  userPrincipalName: string;
  displayName: string;
  enabled: boolean;
  /** Epoch milliseconds. */
  createdAt: number;
}

export const USER_ODATA_TYPE = '#microsoft.graph.user';

/** Properties Signet stores, in Graph's names and the order responses list them. */
export const STORED_USER_PROPERTIES = [
  'id',
  'displayName',
  'userPrincipalName',
  'accountEnabled',
  'createdDateTime',
] as const;
export type StoredUserProperty = (typeof STORED_USER_PROPERTIES)[number];

/** Graph's default projection of a user (without $select), restricted to what Signet stores. */
export const DEFAULT_USER_SELECT: readonly StoredUserProperty[] = ['id', 'displayName', 'userPrincipalName'];

/** Graph user properties a client may $select that Signet does not store: accepted, and absent from the result. */
const UNSTORED_USER_PROPERTIES = [
  'businessPhones',
  'givenName',
  'jobTitle',
  'mail',
  'mailNickname',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userType',
  'department',
  'companyName',
  'employeeId',
  'otherMails',
  'proxyAddresses',
  'usageLocation',
  'identities',
  'passwordProfile',
] as const;

export const userQuerySpec: ResourceSpec = {
  properties: {
    id: { type: 'guid', filter: ['eq', 'in'] },
    userPrincipalName: { type: 'string', filter: ['eq', 'in', 'startswith'], orderBy: true },
    displayName: { type: 'string', filter: ['eq', 'in', 'startswith'], orderBy: true, search: true },
    accountEnabled: { type: 'boolean', filter: ['eq'] },
    // Scripts list recent accounts with `createdDateTime ge 2026-11-01T00:00:00Z`.
    createdDateTime: { type: 'datetime', filter: ['ge', 'le', 'gt', 'lt'] },
  },
  selectable: [...STORED_USER_PROPERTIES, ...UNSTORED_USER_PROPERTIES],
};

export type GraphUser = Partial<{
  id: string;
  displayName: string;
  userPrincipalName: string;
  accountEnabled: boolean;
  createdDateTime: string;
  /** Always null when selected, as Graph reads it: a password is never returned. */
  passwordProfile: null;
}>;

function storedSelection(select: readonly string[] | undefined): readonly StoredUserProperty[] {
  if (!select) return DEFAULT_USER_SELECT;
  return STORED_USER_PROPERTIES.filter((p) => select.includes(p));
}

/** A stored user as Graph JSON, projected on $select (Graph's default set when there is none). */
export function toGraphUser(u: UserFacts, select?: readonly string[]): GraphUser {
  const all: Required<Omit<GraphUser, 'passwordProfile'>> = {
    id: u.id,
    displayName: u.displayName,
    userPrincipalName: u.userPrincipalName,
    accountEnabled: u.enabled,
    createdDateTime: isoUtc(u.createdAt),
  };
  const out: GraphUser = {};
  for (const p of storedSelection(select)) (out as Record<string, unknown>)[p] = all[p];
  if (select?.includes('passwordProfile')) out.passwordProfile = null;
  return out;
}

/** ISO 8601 UTC with Graph's trailing Z, whole seconds as Graph writes them. */
export function isoUtc(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `{base}/$metadata#users` (with the selected properties, as Graph writes it: `#users(displayName,id)`). */
export function userCollectionContext(graphBase: string, select?: readonly string[]): string {
  return `${graphBase}/$metadata#users${select ? `(${select.join(',')})` : ''}`;
}

export function userEntityContext(graphBase: string, select?: readonly string[]): string {
  return `${graphBase}/$metadata#users${select ? `(${select.join(',')})` : ''}/$entity`;
}

export function graphUserEntity(graphBase: string, u: UserFacts, select?: readonly string[]): Record<string, unknown> {
  return { '@odata.context': userEntityContext(graphBase, select), ...toGraphUser(u, select) };
}

/** A page of users: `@odata.context`, `@odata.count` when asked, `value`, and `@odata.nextLink` when more follow. */
export function graphUserCollection(p: {
  graphBase: string;
  query: Pick<CollectionQuery, 'select'>;
  users: readonly UserFacts[];
  count?: number;
  nextLink?: string;
}): Record<string, unknown> {
  return {
    '@odata.context': userCollectionContext(p.graphBase, p.query.select),
    ...(p.count === undefined ? {} : { '@odata.count': p.count }),
    value: p.users.map((u) => toGraphUser(u, p.query.select)),
    ...(p.nextLink === undefined ? {} : { '@odata.nextLink': p.nextLink }),
  };
}

// ---- request bodies ----

const UPN = /^[^\s@]{1,64}@[^\s@]{1,190}$/;
// The password's rules (length, classes, names) are judged by core/password-rules.ts, so a refusal says which.
const passwordProfile = z.strictObject({
  password: z.string(),
  forceChangePasswordNextSignIn: z.boolean().optional(),
  forceChangePasswordNextSignInWithMfa: z.boolean().optional(),
});
const writable = {
  accountEnabled: z.boolean(),
  displayName: z.string().trim().min(1).max(256),
  userPrincipalName: z.string().max(113).regex(UPN, 'must look like name@domain'),
  mailNickname: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
  passwordProfile,
};
const createSchema = z.strictObject({
  accountEnabled: writable.accountEnabled,
  displayName: writable.displayName,
  userPrincipalName: writable.userPrincipalName,
  mailNickname: writable.mailNickname.optional(),
  passwordProfile: writable.passwordProfile.optional(),
});
// No mailNickname: Signet takes it on create (scripts send it, Graph requires it there) but does not store it, so
// a PATCH that sets it is refused by name rather than answered 204 with nothing changed.
const { mailNickname: _unstoredOnUpdate, ...updatable } = writable;
const updateSchema = z.strictObject({
  accountEnabled: writable.accountEnabled.optional(),
  displayName: writable.displayName.optional(),
  userPrincipalName: writable.userPrincipalName.optional(),
  passwordProfile: writable.passwordProfile.optional(),
});
export type UserCreate = z.infer<typeof createSchema>;
export type UserUpdate = z.infer<typeof updateSchema>;

const READ_ONLY = ['id', 'createdDateTime', 'deletedDateTime', 'userHandle'];

export type { BodyResult } from './graph-write.ts';

const USER_WRITE = {
  name: 'user',
  odataType: USER_ODATA_TYPE,
  writable,
  readOnly: READ_ONLY,
  unstored: UNSTORED_USER_PROPERTIES,
};

/** POST /users: accountEnabled, displayName, userPrincipalName required; mailNickname, passwordProfile optional. */
export function parseUserCreate(body: unknown): BodyResult<UserCreate> {
  return parseGraphWrite(body, createSchema, USER_WRITE);
}

/** PATCH /users/{id}: any subset of the writable properties. */
export function parseUserUpdate(body: unknown): BodyResult<UserUpdate> {
  return parseGraphWrite(body, updateSchema, { ...USER_WRITE, writable: updatable });
}
