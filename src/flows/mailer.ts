// Outgoing mail. With SIGNET_SMTP_URL, nodemailer sends through that server. Without it (a first run, a laptop),
// each message is written to the log and kept in a small in-memory outbox that only the management listener serves
// (loopback by default, src/http/routes/dev-outbox.ts), so a first user is never stuck and no stranger reads codes.
import type { Config } from '../config.ts';
import type { Logger } from './context.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface OutboxEntry extends MailMessage {
  from: string;
  at: string;
}

export interface Mailer {
  send(m: MailMessage): Promise<void>;
  /** The messages kept in this process when no SMTP server is configured (newest last); none otherwise. */
  readonly outbox?: readonly OutboxEntry[];
}

export const OUTBOX_SIZE = 50;

/** The From address: SIGNET_MAIL_FROM, else no-reply at the public host name. */
export function mailFrom(config: Config): string {
  return config.mailFrom ?? `Signet <no-reply@${config.rpId}>`;
}

function smtpMailer(config: Config, url: string): Mailer {
  // nodemailer is loaded with the first message: it weighs about 23 MiB of memory that a process sending no mail
  // (most of them, and the passkey sign-in path always) need not carry.
  let transport: Promise<{ sendMail(m: object): Promise<unknown> }> | undefined;
  const from = mailFrom(config);
  return {
    async send(m) {
      transport ??= import('nodemailer').then((n) => n.default.createTransport(url));
      await (await transport).sendMail({ from, to: m.to, subject: m.subject, text: m.text });
    },
  };
}

function outboxMailer(config: Config, log: Logger): Mailer {
  const outbox: OutboxEntry[] = [];
  const from = mailFrom(config);
  return {
    outbox,
    async send(m) {
      const entry = { ...m, from, at: new Date().toISOString() };
      outbox.push(entry);
      if (outbox.length > OUTBOX_SIZE) outbox.splice(0, outbox.length - OUTBOX_SIZE);
      log.warn(
        { mail: entry },
        'no SMTP server configured (SIGNET_SMTP_URL): the message is written here and to the dev outbox of the management listener instead of being sent',
      );
    },
  };
}

const mailers = new WeakMap<Config, Mailer>();

/** This process's mailer for the configuration (made once per configuration). */
export function mailerOf(ctx: { config: Config; log: Logger }): Mailer {
  let m = mailers.get(ctx.config);
  if (!m) {
    m = ctx.config.smtpUrl ? smtpMailer(ctx.config, ctx.config.smtpUrl) : outboxMailer(ctx.config, ctx.log);
    mailers.set(ctx.config, m);
  }
  return m;
}
