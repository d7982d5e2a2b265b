import type { TestProject } from 'vitest/node';
import { type PgCluster, startCluster } from './postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

let cluster: PgCluster | undefined;

export async function setup(project: TestProject): Promise<void> {
  if (process.env.SIGNET_TEST_PG) {
    project.provide('pgUrl', process.env.SIGNET_TEST_PG);
    return;
  }
  if (process.env.SIGNET_TEST_ENGINES === 'sqlite') {
    project.provide('pgUrl', '');
    return;
  }
  cluster = await startCluster();
  project.provide('pgUrl', cluster.url);
}

export async function teardown(): Promise<void> {
  cluster?.stop();
}
