// The Graph `group` resource as Signet serves it: security groups only (mailEnabled false, securityEnabled
// true, no groupTypes), how a stored group reads as Graph JSON, the OData options its collections allow, the
// create and update bodies, and the `@odata.id` reference that `members/$ref` takes. Properties Signet does not
// store are omitted from responses and refused by name in writes, as for users.
import { z } from 'zod';
import { isoUtc, toGraphUser, USER_ODATA_TYPE, type UserFacts, userQuerySpec } from './graph-user.ts';
import { type BodyResult, parseGraphWrite } from './graph-write.ts';
import type { CollectionQuery, ResourceSpec } from './odata.ts';

export interface GroupFacts {
  id: string;
  displayName: string;
  /** Epoch milliseconds. */
  createdAt: number;
}

export const GROUP_ODATA_TYPE = '#microsoft.graph.group';

/** Properties Signet answers with: the stored ones and the constants every Signet (security) group has. */
export const STORED_GROUP_PROPERTIES = [
  'id',
  'displayName',
  'createdDateTime',
  'groupTypes',
  'mailEnabled',
  'securityEnabled',
] as const;
export type StoredGroupProperty = (typeof STORED_GROUP_PROPERTIES)[number];

/** Graph group properties a client may $select that Signet does not store: accepted, absent from the result. */
const UNSTORED_GROUP_PROPERTIES = [
  'description',
  'mail',
  'mailNickname',
  'visibility',
  'classification',
  'proxyAddresses',
  'onPremisesSyncEnabled',
  'renewedDateTime',
  'securityIdentifier',
  'isAssignableToRole',
  'membershipRule',
  'membershipRuleProcessingState',
] as const;

export const groupQuerySpec: ResourceSpec = {
  properties: {
    id: { type: 'guid', filter: ['eq', 'in'] },
    displayName: { type: 'string', filter: ['eq', 'in', 'startswith'], orderBy: true, search: true },
    // Constants of a Signet group, filterable as scripts list security groups (`securityEnabled eq true`) or
    // Microsoft 365 groups (`groupTypes/any(c:c eq 'Unified')`, none here): answered, not refused.
    mailEnabled: { type: 'boolean', filter: ['eq'] },
    securityEnabled: { type: 'boolean', filter: ['eq'] },
    groupTypes: { type: 'string', filter: ['any'] },
  },
  selectable: [...STORED_GROUP_PROPERTIES, ...UNSTORED_GROUP_PROPERTIES],
};

/** `members` and `memberOf` page and project; they do not filter or sort (Graph needs advanced queries there). */
export const memberQuerySpec: ResourceSpec = { properties: {}, selectable: userQuerySpec.selectable };
export const memberOfQuerySpec: ResourceSpec = { properties: {}, selectable: groupQuerySpec.selectable };

export type GraphGroup = Partial<{
  id: string;
  displayName: string;
  createdDateTime: string;
  groupTypes: string[];
  mailEnabled: boolean;
  securityEnabled: boolean;
}>;

/** A stored group as Graph JSON, projected on $select (every answered property when there is none). */
export function toGraphGroup(g: GroupFacts, select?: readonly string[]): GraphGroup {
  const all: Required<GraphGroup> = {
    id: g.id,
    displayName: g.displayName,
    createdDateTime: isoUtc(g.createdAt),
    groupTypes: [],
    mailEnabled: false,
    securityEnabled: true,
  };
  const out: GraphGroup = {};
  const props = select ? STORED_GROUP_PROPERTIES.filter((p) => select.includes(p)) : STORED_GROUP_PROPERTIES;
  for (const p of props) (out as Record<string, unknown>)[p] = all[p];
  return out;
}

const selection = (select?: readonly string[]) => (select ? `(${select.join(',')})` : '');

export function groupEntityContext(graphBase: string, select?: readonly string[]): string {
  return `${graphBase}/$metadata#groups${selection(select)}/$entity`;
}

export function graphGroupEntity(graphBase: string, g: GroupFacts, select?: readonly string[]) {
  return { '@odata.context': groupEntityContext(graphBase, select), ...toGraphGroup(g, select) };
}

interface Page<T> {
  graphBase: string;
  query: Pick<CollectionQuery, 'select'>;
  items: readonly T[];
  count?: number;
  nextLink?: string;
}

const withNext = (nextLink: string | undefined) => (nextLink === undefined ? {} : { '@odata.nextLink': nextLink });

/** A page of `GET /groups`. */
export function graphGroupCollection(p: Page<GroupFacts>): Record<string, unknown> {
  return {
    '@odata.context': `${p.graphBase}/$metadata#groups${selection(p.query.select)}`,
    ...(p.count === undefined ? {} : { '@odata.count': p.count }),
    value: p.items.map((g) => toGraphGroup(g, p.query.select)),
    ...withNext(p.nextLink),
  };
}

/** A page of `GET /groups/{id}/members`: directory objects, each a user with its `@odata.type`. */
export function graphMemberCollection(p: Page<UserFacts>): Record<string, unknown> {
  return {
    '@odata.context': `${p.graphBase}/$metadata#directoryObjects`,
    ...(p.count === undefined ? {} : { '@odata.count': p.count }),
    value: p.items.map((u) => ({ '@odata.type': USER_ODATA_TYPE, ...toGraphUser(u, p.query.select) })),
    ...withNext(p.nextLink),
  };
}

/** A page of `GET /users/{id}/memberOf`: directory objects, each a group with its `@odata.type`. */
export function graphMemberOfCollection(p: Page<GroupFacts>): Record<string, unknown> {
  return {
    '@odata.context': `${p.graphBase}/$metadata#directoryObjects`,
    ...(p.count === undefined ? {} : { '@odata.count': p.count }),
    value: p.items.map((g) => ({ '@odata.type': GROUP_ODATA_TYPE, ...toGraphGroup(g, p.query.select) })),
    ...withNext(p.nextLink),
  };
}

// ---- request bodies ----

const displayName = z.string().trim().min(1).max(256);
const mailNickname = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
  .refine((s) => !/[@()\\[\]";:<>,]/.test(s), 'must not contain @ ( ) \\ [ ] " ; : < > or ,');
// Signet's groups are security groups: Graph's create requires these two, and they cannot change.
const mailEnabled = z.literal(false, { error: 'must be false: Signet groups are security groups, not mail-enabled' });
const securityEnabled = z.literal(true, { error: 'must be true: Signet groups are security groups' });
const groupTypes = z
  .array(z.string())
  .max(0, 'must be empty: Microsoft 365 (Unified) and dynamic groups are not supported');
const writable = { displayName, mailNickname, mailEnabled, securityEnabled, groupTypes };

const createSchema = z.strictObject({
  displayName,
  mailNickname,
  mailEnabled,
  securityEnabled,
  groupTypes: groupTypes.optional(),
});
// No mailNickname: required on create, as Graph has it, but not stored, so a PATCH setting it is refused by name
// rather than answered 204 with nothing changed.
const { mailNickname: _unstoredOnUpdate, ...updatable } = writable;
const updateSchema = z.strictObject({
  displayName: displayName.optional(),
  mailEnabled: mailEnabled.optional(),
  securityEnabled: securityEnabled.optional(),
  groupTypes: groupTypes.optional(),
});
export type GroupCreate = z.infer<typeof createSchema>;
export type GroupUpdate = z.infer<typeof updateSchema>;

const READ_ONLY = ['id', 'createdDateTime', 'deletedDateTime', 'renewedDateTime', 'securityIdentifier'];
const GROUP_WRITE = {
  name: 'group',
  odataType: GROUP_ODATA_TYPE,
  writable,
  readOnly: READ_ONLY,
  unstored: UNSTORED_GROUP_PROPERTIES,
};

/** POST /groups: displayName, mailNickname, mailEnabled (false) and securityEnabled (true) required. */
export function parseGroupCreate(body: unknown): BodyResult<GroupCreate> {
  return parseGraphWrite(body, createSchema, GROUP_WRITE);
}

/** PATCH /groups/{id}: any subset of the writable properties. */
export function parseGroupUpdate(body: unknown): BodyResult<GroupUpdate> {
  return parseGraphWrite(body, updateSchema, { ...GROUP_WRITE, writable: updatable });
}

const GRAPH_HOSTS = ['https://graph.microsoft.com'];
const OBJECT_ID = /^[A-Za-z0-9-]{1,64}$/;

/**
 * The object id of a `members/$ref` body: `{"@odata.id": "{base}/directoryObjects/{id}"}` (or `users/{id}`), where
 * base is Graph's own host or this server's Graph root (`ownRoot`, `{public URL}/graph`), v1.0 or beta.
 */
export function parseMemberReference(body: unknown, ownRoot: string): BodyResult<{ id: string }> {
  const invalid = (reason: string): BodyResult<{ id: string }> => ({
    ok: false,
    code: 'GRAPH_REFERENCE_INVALID',
    detail: { field: '@odata.id', reason },
  });
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return invalid('the body must be a JSON object with @odata.id');
  const others = Object.keys(body).filter((k) => k !== '@odata.id');
  if (others.length > 0)
    return {
      ok: false,
      code: 'GRAPH_PROPERTY_UNKNOWN',
      detail: { properties: others.join(', '), reason: 'a reference has only @odata.id' },
    };
  const ref = (body as Record<string, unknown>)['@odata.id'];
  if (typeof ref !== 'string' || ref.length > 512) return invalid('@odata.id must be a URL string');
  const roots = [...GRAPH_HOSTS, ownRoot.replace(/\/+$/, '')];
  for (const root of roots)
    for (const version of ['v1.0', 'beta'])
      for (const kind of ['directoryObjects', 'users']) {
        const prefix = `${root}/${version}/${kind}/`;
        if (ref.toLowerCase().startsWith(prefix.toLowerCase())) {
          const id = ref.slice(prefix.length);
          if (!OBJECT_ID.test(id)) return invalid('the reference ends in an object id');
          return { ok: true, value: { id: id.toLowerCase() } };
        }
      }
  return invalid(
    `@odata.id must be {Graph base}/directoryObjects/{id}, with the base https://graph.microsoft.com/v1.0 or ${ownRoot}/v1.0`,
  );
}
