// Runs SQLite's WAL checkpoints on a connection of its own in a worker thread, so copying pages back into the
// database file never blocks the event loop that serves sign-ins (better-sqlite3 is synchronous).
// Plain JavaScript on purpose: a worker that loads a .ts file starts Node's TypeScript stripper in its own thread
// too, about 17 MB more resident memory in every server process for twenty lines.
import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';

/** @type {{ path: string, intervalMs: number }} */
const { path, intervalMs } = workerData;
const db = new SQLite(path);
db.pragma('busy_timeout = 100');
let ticks = 0;
const timer = setInterval(() => {
  try {
    // PASSIVE never waits for the writer; now and then TRUNCATE gives the WAL file's space back.
    db.pragma(++ticks % 240 === 0 ? 'wal_checkpoint(TRUNCATE)' : 'wal_checkpoint(PASSIVE)');
  } catch {
    // busy: the next tick tries again
  }
}, intervalMs);
parentPort?.on('message', (/** @type {string} */ m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.postMessage('stopped');
});
