// A real Signet server whose public URL is https://localhost:{port}, as deployments run it: TLS is terminated by
// a byte-for-byte front (as a load balancer would) on a test certificate this process trusts. For clients that
// refuse to send a token over plain HTTP, such as the Microsoft Graph SDK's authentication middleware.
import { randomBytes, randomUUID, webcrypto } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { type Ctx, silentLogger } from '../../src/flows/context.ts';
import { createMetrics } from '../../src/http/metrics.ts';
import { buildServer } from '../../src/http/server.ts';
import type { Engine } from '../../src/store/db.ts';
import { MetadataRegistry } from '../../src/webauthn/metadata.ts';
import { openTestStore } from './engines.ts';
import { testConfig } from './harness.ts';
import type { TestServer } from './server.ts';

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

async function localhostCertificate(): Promise<{ cert: string; key: string }> {
  // Loaded late: @peculiar/x509 needs the Reflect metadata polyfill that @simplewebauthn/server (imported by the
  // server above) installs.
  const x509 = await import('@peculiar/x509');
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString('hex'),
    name: 'CN=localhost, O=Signet Test',
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + DAY),
    signingAlgorithm: EC,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { cert: cert.toString('pem'), key };
}

// One certificate per process, trusted once: fetch keeps the CA set it first connected with.
let certificate: Promise<{ cert: string; key: string }> | undefined;
function trustedCertificate() {
  certificate ??= localhostCertificate().then((c) => {
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), c.cert]);
    return c;
  });
  return certificate;
}

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

/** Like startTestServer, with `url` the https origin; this process's fetch trusts the test certificate. */
export async function startHttpsTestServer(engine: Engine): Promise<TestServer> {
  const { cert, key } = await trustedCertificate();
  const store = await openTestStore(engine);
  const clock = { offsetMs: 0 };
  const port = await freePort();
  const publicUrl = new URL(`https://localhost:${port}`);
  const ctx: Ctx = {
    db: store.db,
    config: { ...testConfig(), publicUrl, origin: publicUrl.origin, rpId: 'localhost', port },
    metadata: new MetadataRegistry(),
    log: silentLogger,
    now: () => Date.now() + clock.offsetMs,
    randomBytes: (n) => randomBytes(n),
    newId: () => randomUUID(),
  };
  const app = await buildServer(ctx, { metrics: createMetrics() });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const backend = (app.server.address() as { port: number }).port;
  const sockets = new Set<net.Socket>();
  const front = tls.createServer({ cert, key }, (client) => {
    const upstream = net.connect(backend, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => front.listen(port, '127.0.0.1', resolve));
  return {
    url: publicUrl.origin,
    managementUrl: '',
    ctx,
    store,
    app,
    clock,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => front.close(resolve));
      await app.close();
      await store.close();
    },
  };
}
