import { describe, expect, it } from 'vitest';
import { Progress, progressLine } from './progress.ts';

describe('the progress line', () => {
  it('says rows done of the total, the rate and the time left', () => {
    expect(progressLine(25_000, 100_000, 5_000)).toBe('25,000/100,000 rows  25%  5,000 rows/s  ETA 00:15');
    expect(progressLine(0, 10, 0)).toBe('0/10 rows   0%  0 rows/s');
  });

  it('is redrawn in place with \\r on a terminal, messages on lines of their own', () => {
    let t = 0;
    const out: string[] = [];
    const p = new Progress({ isTTY: true, write: (s) => out.push(s) }, 10, 'import', () => t);
    t = 1000;
    p.update(5);
    p.log(() => out.push('line 3: refused\n'));
    t = 2000;
    p.update(10);
    p.finish();
    expect(out).toEqual([
      '\r\x1b[Kimport 5/10 rows  50%  5 rows/s  ETA 00:01',
      '\r\x1b[K',
      'line 3: refused\n',
      '\r\x1b[Kimport 5/10 rows  50%  5 rows/s  ETA 00:01',
      '\r\x1b[Kimport 10/10 rows 100%  5 rows/s  ETA 00:00',
      '\r\x1b[Kimport 10/10 rows 100%  5 rows/s  ETA 00:00',
      '\n',
    ]);
  });

  it('is a plain line every few seconds when stderr is not a terminal', () => {
    let t = 0;
    const out: string[] = [];
    const p = new Progress({ isTTY: false, write: (s) => out.push(s) }, 10, 'import', () => t);
    t = 6000;
    p.update(3);
    t = 7000;
    p.update(4);
    p.finish();
    expect(out).toEqual(['import 3/10 rows  30%  1 rows/s  ETA 00:14\n']);
  });
});
