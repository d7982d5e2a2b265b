import { describe, expect, it } from 'vitest';
import { clientCorsAllowed } from './client-cors.ts';

const spa = { publicClient: true, redirectUris: ['http://localhost:5173/callback', 'https://app.example.com/cb'] };

describe('clientCorsAllowed', () => {
  it("allows a public client's browser calls from the origin of each of its redirect URIs", () => {
    expect(clientCorsAllowed('http://localhost:5173', spa)).toBe(true);
    expect(clientCorsAllowed('https://app.example.com', spa)).toBe(true);
  });
  it('refuses any other origin: another port, scheme or host, a parent domain, or the opaque null', () => {
    for (const origin of [
      'http://localhost:5174',
      'https://localhost:5173',
      'http://app.example.com',
      'https://example.com',
      'https://app.example.com.evil.test',
      'null',
      '',
    ])
      expect(clientCorsAllowed(origin, spa), origin).toBe(false);
  });
  it('refuses every origin for a confidential client, even that of its own redirect URI', () => {
    expect(clientCorsAllowed('http://localhost:5173', { ...spa, publicClient: false })).toBe(false);
  });
});
