// The example's own static server (node:http, no framework): the page, its script, and the two browser
// libraries it imports, straight from node_modules, so there is no build step. Run it:
//   node examples/passkey-self-service/serve.ts --signet-url http://localhost:3000 --tenant TENANT_ID --client-id APP_ID
// (or SIGNET_URL, SIGNET_TENANT, SIGNET_CLIENT_ID and PORT in the environment).
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export interface ExampleConfig {
  /** Where the page is served; its redirect URI is http://localhost:{port}/callback. */
  port: number;
  host?: string;
  /** Signet's public URL, e.g. http://localhost:3000. */
  signetUrl: string;
  /** The tenant's id (the issuer is {signetUrl}/{tenant}/v2.0). */
  tenant: string;
  /** The app registered with `signet app create --public`. */
  clientId: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const moduleDir = (specifier: string) => dirname(fileURLToPath(import.meta.resolve(specifier)));

/** URL prefix → the directory it serves. Only these, and only files inside them. */
const roots: Record<string, string> = {
  '/vendor/oauth4webapi/': moduleDir('oauth4webapi'),
  '/vendor/simplewebauthn-browser/': moduleDir('@simplewebauthn/browser'),
  '/': here,
};
const pages = new Set(['/', '/callback']);
const served = new Set(['.html', '.js', '.css']);
const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

function fileFor(pathname: string): string | undefined {
  if (pages.has(pathname)) return join(here, 'index.html');
  for (const [prefix, dir] of Object.entries(roots)) {
    if (!pathname.startsWith(prefix)) continue;
    const file = normalize(join(dir, decodeURIComponent(pathname.slice(prefix.length))));
    if (!file.startsWith(dir + sep) || !served.has(extname(file))) return undefined;
    if (prefix === '/' && !['index.html', 'app.js', 'style.css'].includes(file.slice(dir.length + 1))) return undefined;
    return file;
  }
  return undefined;
}

export function exampleServer(config: ExampleConfig): Server {
  const signet = new URL(config.signetUrl).origin;
  // The page talks to Signet only; it runs no inline script and sends no Referer (a code never leaks in one).
  const headers = {
    'content-security-policy': `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' ${signet}; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  };
  return createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204, headers).end();
      return;
    }
    if (url.pathname === '/config.json') {
      const body = JSON.stringify({ signetUrl: signet, tenant: config.tenant, clientId: config.clientId });
      res.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(body);
      return;
    }
    const file = fileFor(url.pathname);
    const body = file && (await readFile(file).catch(() => undefined));
    if (!file || !body) {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': types[extname(file)]! }).end(req.method === 'HEAD' ? '' : body);
  });
}

/** Starts the server; resolves with the page's URL once it listens. */
export async function startExampleServer(config: ExampleConfig): Promise<{ url: string; server: Server }> {
  const server = exampleServer(config);
  await new Promise<void>((done) => server.listen(config.port, config.host ?? '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return { url: `http://localhost:${port}`, server };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.PORT ?? '5173' },
      'signet-url': { type: 'string', default: process.env.SIGNET_URL ?? 'http://localhost:3000' },
      tenant: { type: 'string', default: process.env.SIGNET_TENANT },
      'client-id': { type: 'string', default: process.env.SIGNET_CLIENT_ID },
    },
  });
  if (!values.tenant || !values['client-id']) {
    console.error('Give --tenant TENANT_ID and --client-id APP_ID (or SIGNET_TENANT and SIGNET_CLIENT_ID).');
    process.exit(2);
  }
  const { url } = await startExampleServer({
    port: Number(values.port),
    signetUrl: values['signet-url'],
    tenant: values.tenant,
    clientId: values['client-id'],
  });
  console.log(`Passkey self-service example at ${url} (redirect URI ${url}/callback)`);
}
