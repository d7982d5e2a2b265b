// Every remediation in the error catalogue names only what exists: each backticked `signet …` command is in the
// CLI's command table, each page path (`/{tenant}/signin`, `/readyz`, …) is a route of the server, and the only
// documentation named is a file that docs/ holds.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands, findCommand, globalOptions } from '../../src/cli/commands.ts';
import { errorCatalogue } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/flows/context.ts';
import { buildServer } from '../../src/http/server.ts';
import type { Store } from '../../src/store/db.ts';
import { MetadataRegistry } from '../../src/webauthn/metadata.ts';
import { openTestStore } from '../support/engines.ts';
import { testConfig } from '../support/harness.ts';

const remediations = Object.entries(errorCatalogue).map(([code, e]) => [code, e.remediation] as const);

/** `signet tenant list`, `npx signet user create --upn U`, `signet --help`: the words after `signet`. */
function commandsNamed(text: string): string[] {
  return [...text.matchAll(/`(?:npx )?signet ([^`]*)`/g)].map((m) => m[1]!.trim());
}

/** Paths that stand alone in the text (not part of a URL or a media type): `/{tenant}/signin`, `/readyz`. */
function pagesNamed(text: string): string[] {
  return [...text.matchAll(/(?<![\w.:/])\/(?:\{tenant\}|[a-z0-9.-]+)(?:\/(?:\{tenant\}|[a-z0-9.-]+))*/g)].map((m) =>
    m[0].replace(/\.$/, ''),
  );
}

/** `docs/errors.md` and the like: files a remediation points at. */
function docFilesNamed(text: string): string[] {
  return [...text.matchAll(/\bdocs\/[\w./-]*\w/g)].map((m) => m[0]);
}

/** Documentation named in words (`the API documentation`, `see the docs`, `the manual`) rather than by its file. */
function documentationInWords(text: string): string[] {
  return [
    ...text.replace(/\bdocs\/[\w./-]*\w/g, '').matchAll(/\b(?:documentation|docs?|manual|handbook|guide)\b/gi),
  ].map((m) => m[0]);
}

describe('the catalogue names only commands and pages that exist', () => {
  let app: FastifyInstance;
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore('sqlite');
    app = await buildServer({
      db: store.db,
      config: testConfig(),
      metadata: new MetadataRegistry(),
      log: silentLogger,
      now: () => Date.now(),
      randomBytes: (n) => randomBytes(n),
      newId: () => randomUUID(),
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  it('finds the references it checks (the extractors are not blind)', () => {
    expect(commandsNamed('run `signet tenant list` or `signet --help`')).toEqual(['tenant list', '--help']);
    expect(commandsNamed('run `npx signet user create`')).toEqual(['user create']);
    expect(
      pagesNamed('Sign in at /{tenant}/signin and see /readyz; not https://a.example/cb or application/json.'),
    ).toEqual(['/{tenant}/signin', '/readyz']);
    const all = remediations.flatMap(([, r]) => commandsNamed(r));
    expect(all).toContain('tenant list');
    expect(remediations.flatMap(([, r]) => pagesNamed(r))).toContain('/{tenant}/signin');
    expect(docFilesNamed('see docs/errors.md.')).toEqual(['docs/errors.md']);
    expect(documentationInWords('Check it against the API documentation or the docs.')).toEqual([
      'documentation',
      'docs',
    ]);
    expect(documentationInWords('See docs/performance.md')).toEqual([]);
  });

  it.each(remediations)('%s names no documentation that does not exist', (_code, remediation) => {
    // docs/ holds errors.md and performance.md; there is no API documentation, manual or guide to point at.
    expect(documentationInWords(remediation), remediation).toEqual([]);
    for (const file of docFilesNamed(remediation))
      expect(existsSync(new URL(`../../${file}`, import.meta.url)), file).toBe(true);
  });

  it.each(remediations.filter(([, r]) => commandsNamed(r).length > 0))(
    '%s names only commands of the CLI',
    (_code, remediation) => {
      for (const named of commandsNamed(remediation)) {
        const words = named.split(/\s+/);
        if (words[0]!.startsWith('-')) {
          expect(globalOptions, named).toContain(words[0]);
          continue;
        }
        const found = findCommand(words);
        expect(found, `signet ${named}`).toBeDefined();
        // What follows the command is its options (`--upn U`), each one it declares.
        for (const option of found!.rest.filter((w) => w.startsWith('--')))
          expect([...Object.keys(found!.command.options), 'json', 'help'], named).toContain(option.slice(2));
        expect(
          commands.map((c) => c.name),
          named,
        ).toContain(found!.command.name);
      }
    },
  );

  it.each(remediations.filter(([, r]) => pagesNamed(r).length > 0))(
    '%s names only pages the server has',
    (_code, remediation) => {
      for (const page of pagesNamed(remediation)) {
        const url = page.replaceAll('{tenant}', ':tenant');
        expect(app.hasRoute({ method: 'GET', url }), page).toBe(true);
      }
    },
  );
});
