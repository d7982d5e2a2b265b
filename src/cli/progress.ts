// Progress of a long command on stderr: on a terminal one line redrawn in place (`\r`) with rows done of the
// total, the rate and the time left; elsewhere (a log file, CI) a plain line every few seconds. Messages printed
// meanwhile clear the line first, so the two never run together.
export interface ProgressSink {
  isTTY?: boolean;
  write(text: string): unknown;
}

const REDRAW_MS = 100;
const PLAIN_MS = 5000;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const mmss = `${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

/** `12,000/100,000 rows  8,400 rows/s  ETA 00:10` (the ETA only while a total is known). */
export function progressLine(done: number, total: number | undefined, elapsedMs: number, unit = 'rows'): string {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const of = total === undefined ? '' : `/${n(total)}`;
  const pct = total ? ` ${String(Math.min(100, Math.floor((done * 100) / total))).padStart(3)}%` : '';
  const eta = total !== undefined && rate > 0 ? `  ETA ${duration((total - done) / rate)}` : '';
  return `${n(done)}${of} ${unit}${pct}  ${n(rate)} ${unit}/s${eta}`;
}

export class Progress {
  private readonly sink: ProgressSink;
  private readonly total: number | undefined;
  private readonly label: string;
  private readonly now: () => number;
  private readonly unit: string;
  private readonly started: number;
  private lastDraw = 0;
  private drawn = false;
  private done = 0;

  constructor(
    sink: ProgressSink,
    total: number | undefined,
    label: string,
    now: () => number = Date.now,
    unit = 'rows',
  ) {
    this.unit = unit;
    this.sink = sink;
    this.total = total;
    this.label = label;
    this.now = now;
    this.started = now();
  }

  update(done: number): void {
    this.done = done;
    const t = this.now();
    if (t - this.lastDraw < (this.sink.isTTY ? REDRAW_MS : PLAIN_MS)) return;
    this.lastDraw = t;
    this.draw();
  }

  /** A message (a refused row) on its own line, the progress line redrawn under it. */
  log(print: () => void): void {
    this.clear();
    print();
    if (this.sink.isTTY && this.drawn) this.draw();
  }

  finish(): void {
    if (this.sink.isTTY) {
      this.draw();
      this.sink.write('\n');
      this.drawn = false;
    }
  }

  private clear(): void {
    if (this.sink.isTTY && this.drawn) this.sink.write('\r\x1b[K');
  }

  private draw(): void {
    const line = `${this.label} ${progressLine(this.done, this.total, this.now() - this.started, this.unit)}`;
    if (this.sink.isTTY) {
      this.sink.write(`\r\x1b[K${line}`);
      this.drawn = true;
    } else this.sink.write(`${line}\n`);
  }
}
