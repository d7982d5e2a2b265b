// Runs `node bin/signet.js …` the way an operator does: Node 24 (the runner's own), a clean Signet environment.
import { execFile, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const BIN = join(ROOT, 'bin', 'signet.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cleanEnv(env: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('SIGNET_') && k !== 'PORT' && k !== 'HOST') base[k] = v;
  return { ...base, ...env };
}

export function signet(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env: cleanEnv(env), timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        done({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

export interface Serving {
  stdout(): string;
  stderr(): string;
  /** Resolves once stderr matches (the banner), or rejects when the process exits first. */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  stop(): Promise<number | null>;
}

/** `signet serve …` as a long-running child process. */
export function serve(args: string[], env: Record<string, string>): Serving {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: ROOT, env: cleanEnv(env) });
  let out = '';
  let err = '';
  let exited: number | null | undefined;
  child.stdout.on('data', (d: Buffer) => {
    out += d;
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d;
  });
  const exit = new Promise<number | null>((r) =>
    child.on('exit', (code) => {
      exited = code;
      r(code);
    }),
  );
  return {
    stdout: () => out,
    stderr: () => err,
    waitFor: (pattern, ms = 30_000) =>
      new Promise((ok, fail) => {
        const started = Date.now();
        const tick = () => {
          if (pattern.test(err)) return ok();
          if (exited !== undefined) return fail(new Error(`serve exited ${exited}:\n${err}\n${out}`));
          if (Date.now() - started > ms) return fail(new Error(`serve did not print ${pattern}:\n${err}\n${out}`));
          setTimeout(tick, 50);
        };
        tick();
      }),
    stop: async () => {
      if (exited === undefined) child.kill('SIGTERM');
      return exit;
    },
  };
}

export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((r) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => r(p));
    });
  });
}
