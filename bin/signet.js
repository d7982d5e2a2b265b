#!/usr/bin/env node
// Signet's command line. Runs the TypeScript sources directly with Node's type stripping.
import { spawnSync } from 'node:child_process';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `Signet needs Node.js 22.12 or newer; this is ${process.version}. ` +
      'Run it through npm (npm start / npx signet), which brings Node 24, or install Node 24 LTS.',
  );
  process.exit(1);
}
if (!process.features.typescript) {
  const r = spawnSync(process.execPath, ['--experimental-strip-types', '--no-warnings', ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}
await import(new URL('../src/cli/main.ts', import.meta.url).href);
