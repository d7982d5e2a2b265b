import { describe, expect, it } from 'vitest';
import type { PasskeyView } from '../../flows/manage-passkeys.ts';
import type { Tenant } from '../../store/tenants.ts';
import type { User } from '../../store/users.ts';
import { type ModelLookup, renderAccountPage } from './account.ts';

const ICON = `data:image/png;base64,${Buffer.from('icon').toString('base64')}`;
const tenant = { id: 't', slug: 'contoso', displayName: 'Contoso' } as Tenant;
const user = { id: 'u', userPrincipalName: 'ada@contoso.com' } as User;

function view(over: Partial<PasskeyView>): PasskeyView {
  return {
    id: '6f1c2a44-5c5e-4e8f-9a0f-3b1d2e4f5a6b',
    displayName: 'My key',
    model: null,
    aaGuid: '00000000-0000-0000-0000-000000000000',
    passkeyType: 'deviceBound',
    attestationLevel: 'notAttested',
    createdDateTime: '2026-12-01T10:00:00.000Z',
    lastUsedDateTime: null,
    suspectedClone: false,
    ...over,
  };
}

const models: ModelLookup = (aaguid) =>
  aaguid === 'a77e57ed-0000-4e70-9a55-7357a0c0ffee' ? { name: 'Signet Key <b>', icon: ICON } : undefined;

/** The <li> of the one passkey on the page. */
const row = (html: string) => html.slice(html.indexOf('<li class="passkey"'), html.indexOf('</li>'));

describe('the account page shows each passkey’s authenticator', () => {
  it('names an attested model from metadata, with its icon and alt text, as a verified model', () => {
    const html = row(
      renderAccountPage({
        tenant,
        user,
        models,
        passkeys: [view({ aaGuid: 'a77e57ed-0000-4e70-9a55-7357a0c0ffee', attestationLevel: 'attested' })],
      }),
    );
    expect(html).toContain(`<img class="model-icon" src="${ICON}" alt="Logo of Signet Key &#60;b&#62;"`);
    expect(html).toContain('Signet Key &#60;b&#62;</dd>');
    expect(html).toContain('Verified model');
    expect(html).not.toContain('as reported by the device');
  });

  it('says a model that was only claimed is as reported by the device', () => {
    const html = row(
      renderAccountPage({
        tenant,
        user,
        models,
        passkeys: [
          view({ aaGuid: 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd', model: 'Apple Passwords', passkeyType: 'synced' }),
        ],
      }),
    );
    expect(html).toContain('Apple Passwords</dd>');
    expect(html).toContain('Model as reported by the device (not verified)');
    expect(html).not.toContain('<img');
  });

  it('says "Unknown model" when neither metadata nor the built-in list knows the AAGUID (and no claim is made)', () => {
    const html = row(renderAccountPage({ tenant, user, models, passkeys: [view({})] }));
    expect(html).toContain('Unknown model');
    expect(html).not.toContain('Verified model');
    expect(html).not.toContain('reported by the device');
  });
});
