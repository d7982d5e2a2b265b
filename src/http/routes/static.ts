import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { SignetError } from '../../core/errors.ts';
import { browserMessageTable } from '../../web/messages.ts';
import { renderLandingPage } from '../../web/pages/landing.ts';

const here = dirname(fileURLToPath(import.meta.url));
const browserBundle = join(
  dirname(fileURLToPath(import.meta.resolve('@simplewebauthn/browser'))),
  '..',
  'dist',
  'bundle',
  'index.umd.min.js',
);

/** The landing page and the pages' scripts and styles, read once at start and served from memory. */
export function staticRoutes(app: FastifyInstance): void {
  const files = new Map<string, { body: Buffer; type: string }>([
    ['vendor/simplewebauthn-browser.js', { body: readFileSync(browserBundle), type: 'text/javascript; charset=utf-8' }],
  ]);
  for (const name of ['common.js', 'signin.js', 'account.js'])
    files.set(name, {
      body: readFileSync(join(here, '../../web/static', name)),
      type: 'text/javascript; charset=utf-8',
    });
  for (const name of ['style.css', 'noscript.css'])
    files.set(name, { body: readFileSync(join(here, '../../web/static', name)), type: 'text/css; charset=utf-8' });
  // The page words of src/web/messages.ts, for the scripts: one source for pages and scripts.
  files.set('messages.js', {
    body: Buffer.from(`window.SignetMessages = ${JSON.stringify(browserMessageTable())};\n`),
    type: 'text/javascript; charset=utf-8',
  });

  // What this server is and where sign-in lives; no list of tenants.
  const landing = renderLandingPage();
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(landing));

  // Browsers ask for it on every first visit; no icon yet, and no 404 in their consoles.
  app.get('/favicon.ico', async (_req, reply) =>
    reply.status(204).header('cache-control', 'public, max-age=86400').send(),
  );

  app.get('/static/*', async (req, reply) => {
    const f = files.get((req.params as { '*': string })['*']);
    if (!f) throw new SignetError('ROUTE_NOT_FOUND');
    return reply.type(f.type).header('cache-control', 'public, max-age=300').send(f.body);
  });
}
