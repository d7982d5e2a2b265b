// oidc-provider's storage over our database, one instance per tenant and model. Clients come from the
// apps table; every other artifact (sessions, interactions, codes, tokens, grants) is an oidc_payloads row.
import { createHash } from 'node:crypto';
import { type Adapter, type AdapterPayload, errors } from 'oidc-provider';
import type { Ctx } from '../flows/context.ts';
import { findApp } from '../store/apps.ts';
import {
  consumeOidcPayload,
  destroyOidcPayload,
  findOidcPayload,
  revokeOidcGrant,
  upsertOidcPayload,
} from '../store/oidc-payloads.ts';

export function clientMetadata(app: NonNullable<Awaited<ReturnType<typeof findApp>>>): AdapterPayload {
  return {
    client_id: app.id,
    client_name: app.displayName,
    // The HMAC of the secret: compareClientSecret (see provider.ts) hashes what the client presents.
    ...(app.secretHash ? { client_secret: app.secretHash } : {}),
    redirect_uris: app.redirectUris,
    post_logout_redirect_uris: app.postLogoutRedirectUris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: app.publicClient ? 'none' : 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  };
}

/**
 * Codes, tokens and session ids are bearer secrets, and oidc-provider uses them as row ids: the database keeps
 * only their SHA-256, so reading it yields nothing usable.
 */
function rowId(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

export function adapterFactory(ctx: Ctx, tenantId: string) {
  return class SignetAdapter implements Adapter {
    readonly model: string;
    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      await upsertOidcPayload(
        ctx.db,
        { tenantId, model: this.model, id: rowId(id) },
        {
          payload: payload as Record<string, unknown>,
          grantId: payload.grantId,
          userCode: payload.userCode,
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
      return this.#row({ id: rowId(id) });
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.#row({ userCode });
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.#row({ uid });
    }

    /**
     * oidc-provider checks `consumed` and then consumes; two racing redemptions of one code could both pass
     * the check. The conditional write lets exactly one through; the loser's grant is revoked, as for a replay.
     */
    async consume(id: string): Promise<void> {
      if (await consumeOidcPayload(ctx.db, tenantId, this.model, rowId(id), ctx.now())) return;
      const row = await findOidcPayload(ctx.db, tenantId, this.model, { id: rowId(id) }, ctx.now());
      const grantId = row?.payload.grantId;
      if (typeof grantId === 'string') await revokeOidcGrant(ctx.db, tenantId, grantId);
      throw new errors.InvalidGrant(
        `${this.model === 'RefreshToken' ? 'refresh token' : 'authorization code'} already used`,
      );
    }

    async destroy(id: string): Promise<void> {
      await destroyOidcPayload(ctx.db, tenantId, this.model, rowId(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await revokeOidcGrant(ctx.db, tenantId, grantId);
    }

    async #row(by: { id?: string; uid?: string; userCode?: string }): Promise<AdapterPayload | undefined> {
      const r = await findOidcPayload(ctx.db, tenantId, this.model, by, ctx.now());
      if (!r) return undefined;
      return {
        ...r.payload,
        ...(r.consumedAt !== null ? { consumed: Math.floor(r.consumedAt / 1000) } : {}),
      } as AdapterPayload;
    }
  };
}
