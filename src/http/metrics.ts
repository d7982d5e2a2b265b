import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  ceremonies: Counter<'ceremony' | 'result' | 'code'>;
  ceremonySeconds: Histogram<'ceremony'>;
  httpSeconds: Histogram<'method' | 'route' | 'status'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'signet_' });
  return {
    registry,
    ceremonies: new Counter({
      name: 'signet_ceremonies_total',
      help: 'Passkey and TAP ceremonies by result and error code',
      labelNames: ['ceremony', 'result', 'code'],
      registers: [registry],
    }),
    ceremonySeconds: new Histogram({
      name: 'signet_ceremony_duration_seconds',
      help: 'Server time to verify a ceremony step',
      labelNames: ['ceremony'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    httpSeconds: new Histogram({
      name: 'signet_http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [registry],
    }),
  };
}

/** Times a ceremony step and counts its outcome by error code. */
export async function measured<T>(m: Metrics, ceremony: string, fn: () => Promise<T>): Promise<T> {
  const end = m.ceremonySeconds.startTimer({ ceremony });
  try {
    const r = await fn();
    m.ceremonies.inc({ ceremony, result: 'success', code: '' });
    return r;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    m.ceremonies.inc({ ceremony, result: 'failure', code: typeof code === 'string' ? code : 'INTERNAL_ERROR' });
    throw err;
  } finally {
    end();
  }
}
