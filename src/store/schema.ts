// Row types of every table. Times are epoch milliseconds; booleans are 0/1; JSON is text. The same
// representation on SQLite and PostgreSQL keeps the store code identical on both engines.
import type { Generated } from 'kysely';

export interface TenantsTable {
  id: string;
  slug: string;
  kind: string;
  display_name: string;
  conformance: number;
  created_at: number;
}

export interface UsersTable {
  id: string;
  tenant_id: string;
  user_principal_name: string;
  upn_lower: string;
  display_name: string;
  enabled: number;
  user_handle: string;
  created_at: number;
}

export interface GroupsTable {
  id: string;
  tenant_id: string;
  display_name: string;
  created_at: number;
}

export interface GroupMembersTable {
  tenant_id: string;
  group_id: string;
  user_id: string;
}

export interface RoleAssignmentsTable {
  tenant_id: string;
  user_id: string;
  role: string;
}

export interface AppsTable {
  id: string;
  tenant_id: string;
  display_name: string;
  redirect_uris: string;
  post_logout_redirect_uris: string;
  public_client: number;
  created_at: number;
  /** JSON array of granted application permissions (0005). */
  permissions: Generated<string>;
  /** OIDC Back-Channel Logout URI (0020); null when the app is not told of logouts. */
  backchannel_logout_uri: Generated<string | null>;
}

/** An app's client secrets (0010): the HMAC under the instance secret, never the text. */
export interface AppSecretsTable {
  tenant_id: string;
  app_id: string;
  key_id: string;
  secret_hash: string;
  display_name: string | null;
  hint: string | null;
  start_at: number;
  end_at: number | null;
  created_at: number;
  removed_at: number | null;
}

export interface PasskeysTable {
  id: string;
  tenant_id: string;
  user_id: string;
  credential_id: string;
  public_key: string;
  alg: number;
  counter: number;
  aaguid: string;
  transports: string;
  backup_eligible: number;
  backup_state: number;
  attestation_format: string;
  attestation_trust: string;
  display_name: string;
  created_at: number;
  last_used_at: number | null;
  clone_suspected_at: number | null;
}

export interface ChallengesTable {
  id: string;
  tenant_id: string;
  purpose: string;
  challenge: string;
  user_id: string | null;
  session_id: string | null;
  data: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface SessionsTable {
  id: string;
  tenant_id: string;
  user_id: string;
  created_at: number;
  auth_time: number;
  amr: string;
  strong_auth_at: number | null;
  expires_at: number;
  revoked_at: number | null;
  /** JSON list of core/session-steps.ts SessionStep (0018). */
  steps: Generated<string>;
}

export interface TapsTable {
  id: string;
  tenant_id: string;
  user_id: string;
  hash: string;
  one_time: number;
  created_at: number;
  starts_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface LockoutsTable {
  tenant_id: string;
  key: string;
  failures: number;
  window_start: number;
  locked_until: number;
  lock_count: Generated<number>;
}

export interface FamiliarSourcesTable {
  tenant_id: string;
  user_id: string;
  address: string;
  last_success_at: number;
}

export interface SignInsTable {
  id: string;
  tenant_id: string;
  created_at: number;
  user_id: string | null;
  user_principal_name: string | null;
  app_id: string | null;
  method: string;
  result: string;
  error_code: string | null;
  detail: string;
  ip: string | null;
  user_agent: string | null;
  /** The authorization request the entry belongs to, the session, and the Conditional Access facts (0018). */
  correlation_id: string | null;
  session_id: string | null;
  conditional_access: string | null;
}

export interface AuditLogsTable {
  id: string;
  tenant_id: string;
  created_at: number;
  actor_type: string;
  actor_id: string | null;
  activity: string;
  target_type: string;
  target_id: string | null;
  detail: string;
}

export interface OidcPayloadsTable {
  tenant_id: string;
  model: string;
  id: string;
  payload: string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: number | null;
  consumed_at: number | null;
  account_id: string | null;
}

export interface SigningKeysTable {
  kid: string;
  tenant_id: string;
  alg: string;
  public_jwk: string;
  private_jwk_encrypted: string;
  created_at: number;
  retired_at: number | null;
  /** When it starts signing (0021); null: from created_at. */
  signs_from: number | null;
}

/** A user's password (0009): a scrypt hash in PHC form, never the text; none for a passwordless user. */
export interface PasswordCredentialsTable {
  tenant_id: string;
  user_id: string;
  hash: string;
  force_change_next_sign_in: number;
  force_change_with_mfa: number;
  created_at: number;
}

/** A user's answers to the registration campaign (0015): snoozes so far, until when, in which sign-in. */
export interface CampaignSnoozesTable {
  tenant_id: string;
  user_id: string;
  snooze_count: number;
  snoozed_until: number;
  session_id: string | null;
  updated_at: number;
}

/** A user's authenticator app (0017): the key sealed at rest, the last accepted time step (replay). */
export interface TotpMethodsTable {
  id: string;
  tenant_id: string;
  user_id: string;
  secret_sealed: string;
  display_name: string;
  created_at: number;
  confirmed_at: number | null;
  last_step: number | null;
  last_used_at: number | null;
}

/** A user's address for email codes (0017), at most one. */
export interface EmailMethodsTable {
  tenant_id: string;
  user_id: string;
  email_address: string;
  created_at: number;
}

/** The email code last sent to a user (0017), as an HMAC. */
export interface EmailCodesTable {
  tenant_id: string;
  user_id: string;
  id: string;
  hash: string;
  created_at: number;
  expires_at: number;
  wrong_attempts: number;
  used_at: number | null;
}

export interface MethodPoliciesTable {
  tenant_id: string;
  method: string;
  state: string;
  config: string;
  updated_at: number;
}

export interface Database {
  tenants: TenantsTable;
  users: UsersTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  role_assignments: RoleAssignmentsTable;
  apps: AppsTable;
  app_secrets: AppSecretsTable;
  passkeys: PasskeysTable;
  challenges: ChallengesTable;
  sessions: SessionsTable;
  taps: TapsTable;
  lockouts: LockoutsTable;
  familiar_sources: FamiliarSourcesTable;
  sign_ins: SignInsTable;
  audit_logs: AuditLogsTable;
  oidc_payloads: OidcPayloadsTable;
  signing_keys: SigningKeysTable;
  method_policies: MethodPoliciesTable;
  campaign_snoozes: CampaignSnoozesTable;
  password_credentials: PasswordCredentialsTable;
  totp_methods: TotpMethodsTable;
  email_methods: EmailMethodsTable;
  email_codes: EmailCodesTable;
  authentication_strengths: AuthenticationStrengthsTable;
  ca_policies: CaPoliciesTable;
  named_locations: NamedLocationsTable;
  auth_contexts: AuthContextsTable;
  kysely_migration?: { name: string; timestamp: string; id?: Generated<number> };
}

/** A custom authentication strength (0019): its Graph document as JSON. */
export interface AuthenticationStrengthsTable {
  tenant_id: string;
  id: string;
  display_name: string;
  document: string;
  created_at: number;
  modified_at: number;
}

/** A Conditional Access policy (0019): its Graph document as JSON; the strength its grant requires, if any. */
export interface CaPoliciesTable {
  tenant_id: string;
  id: string;
  display_name: string;
  state: string;
  strength_id: string | null;
  document: string;
  created_at: number;
  modified_at: number | null;
}

/** A named location (0019): its Graph document (IP ranges, trusted or not) as JSON. */
export interface NamedLocationsTable {
  tenant_id: string;
  id: string;
  display_name: string;
  document: string;
  created_at: number;
  modified_at: number;
}

/** An authentication context class reference, c1..c99 (0019). */
export interface AuthContextsTable {
  tenant_id: string;
  id: string;
  display_name: string;
  description: string;
  is_available: number;
}
