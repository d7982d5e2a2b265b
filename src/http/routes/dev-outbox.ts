// The dev outbox: with no SMTP server configured, the email Signet would have sent (codes among it) is kept in this
// process and served here — on the management listener only (SIGNET_MANAGEMENT_PORT), never on the public one, to
// a client on this machine only (even when the operator binds the listener wider for metrics scrapers), and not at
// all once SIGNET_SMTP_URL is set.
import type { FastifyInstance } from 'fastify';
import { SignetError } from '../../core/errors.ts';
import type { Ctx } from '../../flows/context.ts';
import { mailerOf } from '../../flows/mailer.ts';
import { escapeHtml } from '../../web/pages/layout.ts';
import { wantsHtml } from '../plugins/errors.ts';

/** A peer on this machine: IPv4 127/8 (also IPv4-mapped) or ::1. */
export function isLoopbackPeer(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

export function devOutboxRoutes(app: FastifyInstance, ctx: Ctx): void {
  app.get('/dev/outbox', async (req, reply) => {
    const outbox = mailerOf(ctx).outbox;
    if (!outbox || !isLoopbackPeer(req.socket.remoteAddress)) throw new SignetError('ROUTE_NOT_FOUND');
    const messages = [...outbox].reverse();
    reply.header('cache-control', 'no-store');
    if (!wantsHtml(req)) return { messages };
    const items = messages
      .map(
        (m) =>
          `<li><p><strong>${escapeHtml(m.subject)}</strong><br>to ${escapeHtml(m.to)} · ${escapeHtml(m.at)}</p><pre>${escapeHtml(m.text)}</pre></li>`,
      )
      .join('\n');
    return reply
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dev outbox · Signet</title></head><body><main><h1>Dev outbox</h1><p>No SMTP server is configured (SIGNET_SMTP_URL), so these messages were not sent. Newest first; kept in memory by this process.</p><ol>${items || '<li>No messages yet.</li>'}</ol></main></body></html>`,
      );
  });
}
