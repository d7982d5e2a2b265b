// oidc-provider's storage over our database, one instance per tenant and model. Clients come from the
// apps table; every other artifact (sessions, interactions, codes, tokens, grants) is an oidc_payloads row.
import { type Adapter, type AdapterPayload, errors } from 'oidc-provider';
import { CLIENT_SECRET_IN_STORE } from '../flows/apps.ts';
import type { Ctx } from '../flows/context.ts';
import { findApp } from '../store/apps.ts';
import {
  consumeOidcPayload,
  destroyOidcPayload,
  findOidcPayload,
  oidcRowId,
  revokeOidcGrant,
  sealOidcPayload,
  unsealOidcPayload,
  upsertOidcPayload,
} from '../store/oidc-payloads.ts';

export function clientMetadata(app: NonNullable<Awaited<ReturnType<typeof findApp>>>): AdapterPayload {
  return {
    client_id: app.id,
    client_name: app.displayName,
    // A marker, not a secret: compareClientSecret (see provider.ts) checks what the client presents against the
    // app's current secrets in the store (flows/apps.ts authenticateClientSecret).
    ...(app.publicClient ? {} : { client_secret: CLIENT_SECRET_IN_STORE }),
    redirect_uris: app.redirectUris,
    post_logout_redirect_uris: app.postLogoutRedirectUris,
    // Client credentials only for a confidential app that was granted application permissions; an app for
    // automation only (no callback) has no browser grant at all.
    grant_types: [
      ...(app.redirectUris.length ? ['authorization_code', 'refresh_token'] : []),
      ...(!app.publicClient && app.permissions.length ? ['client_credentials'] : []),
    ],
    response_types: app.redirectUris.length ? ['code'] : [],
    token_endpoint_auth_method: app.publicClient ? 'none' : 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
    // OIDC Back-Channel Logout: the logout token names the session (sid) as well as the user.
    ...(app.backchannelLogoutUri
      ? { backchannel_logout_uri: app.backchannelLogoutUri, backchannel_logout_session_required: true }
      : {}),
  };
}

/** What a grant issues: a replayed code or refresh token revokes these (never the grant's interactions). */
const GRANT_TOKENS = [
  'AccessToken',
  'RefreshToken',
  'AuthorizationCode',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
] as const;

/**
 * Codes, tokens, session cookies and interaction ids are bearer secrets, and oidc-provider uses them as row
 * ids: the database keeps their SHA-256 and a payload sealed without them (see store/oidc-payloads.ts), and
 * the value comes back from the id the caller presents. A device user code is kept as its SHA-256 too.
 */
export function adapterFactory(ctx: Ctx, tenantId: string) {
  return class SignetAdapter implements Adapter {
    readonly model: string;
    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      await upsertOidcPayload(
        ctx.db,
        { tenantId, model: this.model, id: oidcRowId(id) },
        {
          payload: sealOidcPayload(id, payload as Record<string, unknown>),
          grantId: payload.grantId,
          userCode: payload.userCode === undefined ? undefined : oidcRowId(payload.userCode),
          uid: payload.uid,
          accountId: payload.accountId,
          expiresAt: expiresIn ? ctx.now() + expiresIn * 1000 : null,
        },
      );
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') {
        const app = await findApp(ctx.db, tenantId, id);
        return app ? clientMetadata(app) : undefined;
      }
      return this.#row({ id: oidcRowId(id) }, id);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const p = await this.#row({ userCode: oidcRowId(userCode) });
      return p && { ...p, userCode };
    }

    /** A session by its uid, an internal correlation id that no endpoint accepts (its cookie value is the id). */
    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.#row({ uid });
    }

    /**
     * oidc-provider checks `consumed` and then consumes; two racing redemptions of one code could both pass
     * the check. The conditional write lets exactly one through; the loser's grant is revoked, as for a replay.
     */
    async consume(id: string): Promise<void> {
      if (await consumeOidcPayload(ctx.db, tenantId, this.model, oidcRowId(id), ctx.now())) return;
      const row = await this.#row({ id: oidcRowId(id) }, id);
      const grantId = row?.grantId;
      if (typeof grantId === 'string') {
        await revokeOidcGrant(ctx.db, tenantId, grantId, GRANT_TOKENS);
        await destroyOidcPayload(ctx.db, tenantId, 'Grant', oidcRowId(grantId));
      }
      throw new errors.InvalidGrant(
        `${this.model === 'RefreshToken' ? 'refresh token' : 'authorization code'} already used`,
      );
    }

    async destroy(id: string): Promise<void> {
      await destroyOidcPayload(ctx.db, tenantId, this.model, oidcRowId(id));
    }

    /** oidc-provider calls this on each token model in turn: only this model's artifacts go. */
    async revokeByGrantId(grantId: string): Promise<void> {
      await revokeOidcGrant(ctx.db, tenantId, grantId, [this.model]);
    }

    async #row(by: { id?: string; uid?: string; userCode?: string }, value?: string) {
      const r = await findOidcPayload(ctx.db, tenantId, this.model, by, ctx.now());
      if (!r) return undefined;
      return {
        ...unsealOidcPayload(r.payload, value),
        ...(r.consumedAt !== null ? { consumed: Math.floor(r.consumedAt / 1000) } : {}),
      } as AdapterPayload;
    }
  };
}
