/**
 * One way out for every mail of an app (its functions' `@tessera/email`, its users' reset mails):
 * by the app's own SMTP server when its owner set the secrets SMTP_URL and EMAIL_FROM, only to a host
 * on the app's egress allowlist by fetch's address rules and to the address that was checked;
 * otherwise into the app's outbox. Every mail is recorded in the outbox either way, with how it went
 * out, so the owner sees what the app sent. Within a per-app hourly budget.
 */
import nodemailer from 'nodemailer';
import { TesseraError } from '../errors.ts';
import { FixedWindowCounters } from '../fixed-window.ts';
import type { AppOutboxStore, OutboxVia } from '../registry/index.ts';
import { maskSecrets } from '../secrets/index.ts';
import { checkEmailArgs, type EmailMessage, parseSender } from './message.ts';

const HOUR_MS = 3600_000;

export interface MailerOptions {
  outbox: AppOutboxStore;
  /** The app's secret values (SMTP_URL, EMAIL_FROM). */
  secrets(tenant: string): Promise<Readonly<Record<string, string>>>;
  /** Checks the SMTP server against the app's egress allowlist and address rules (EgressProxy.checkDestination). */
  destinations: { checkDestination(tenant: string, url: URL, what: string): Promise<{ address: string; family: 4 | 6 }> };
  /** Mails one app may send in an hour (EMAIL_RATE_PER_HOUR). */
  ratePerHour: number;
  /** Connecting, the greeting and each answer of the SMTP server. */
  timeoutMs: number;
}

/** A mail as recorded; `delivered` settles when the SMTP server took it (or failed, with an EMAIL_FAILED naming the host and reason). */
export interface QueuedMail {
  id: string;
  via: OutboxVia;
  delivered: Promise<void>;
}

interface SmtpSettings {
  url: URL;
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
  from: { name: string; address: string };
}

export class AppMailer {
  private readonly sent: FixedWindowCounters<'mails'>;

  constructor(private readonly options: MailerOptions) {
    this.sent = new FixedWindowCounters({ counters: ['mails'] as const, windowMs: HOUR_MS, maxKeys: 10_000 });
  }

  /**
   * Records the mail and starts its delivery. Throws EMAIL_RATE_LIMITED (nothing recorded) past the
   * app's hourly budget. Without SMTP_URL and EMAIL_FROM the mail stays in the outbox (`via: "outbox"`).
   */
  async send(tenant: string, message: EmailMessage): Promise<QueuedMail> {
    const count = this.sent.counts(tenant).mails;
    if (count >= this.options.ratePerHour)
      throw new TesseraError(
        'EMAIL_RATE_LIMITED',
        `This app has sent ${count} mails in the last hour, its limit (EMAIL_RATE_PER_HOUR=${this.options.ratePerHour}); try again later.`,
      );
    this.sent.add(tenant, 'mails');
    const secrets = await this.options.secrets(tenant);
    const smtpUrl = secrets.SMTP_URL;
    const sender = secrets.EMAIL_FROM;
    const record = { to: message.to.join(', '), subject: message.subject, text: message.text ?? '', html: message.html };
    if (smtpUrl === undefined && sender === undefined) {
      const mail = await this.options.outbox.addOutboxMail(tenant, { ...record, via: 'outbox', status: 'stored' });
      return { id: mail.id, via: 'outbox', delivered: Promise.resolve() };
    }
    const mail = await this.options.outbox.addOutboxMail(tenant, { ...record, via: 'smtp', status: 'sending' });
    const delivered = this.deliver(tenant, message, smtpUrl, sender).then(
      () => this.options.outbox.setOutboxStatus(tenant, mail.id, 'sent'),
      async (err: unknown) => {
        // Whatever went wrong, no secret leaves in the reason: not the URL, not the password.
        const reason = maskSecrets(err instanceof Error ? err.message : String(err), secrets);
        await this.options.outbox.setOutboxStatus(tenant, mail.id, 'failed', reason).catch(() => undefined);
        throw new TesseraError('EMAIL_FAILED', `The mail "${cutSubject(message.subject)}" was not sent: ${reason}`);
      },
    );
    // Nobody may be waiting (a reset mail): a failure is recorded in the outbox, never unhandled.
    delivered.catch(() => undefined);
    return { id: mail.id, via: 'smtp', delivered };
  }

  private async deliver(tenant: string, message: EmailMessage, smtpUrl: string | undefined, sender: string | undefined): Promise<void> {
    const smtp = this.settings(smtpUrl, sender);
    const where = `SMTP server ${smtp.host}:${smtp.port}`;
    const target = await this.options.destinations.checkDestination(tenant, smtp.url, 'SMTP server');
    const transport = nodemailer.createTransport({
      // The checked address, never the name again (a rebinding DNS cannot move it); the name for TLS.
      host: target.address,
      port: smtp.port,
      secure: smtp.secure,
      ...(smtp.host !== target.address ? { servername: smtp.host, tls: { servername: smtp.host } } : {}),
      ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.pass } } : {}),
      // The greeting names the sender's domain, not this machine.
      name: smtp.from.address.split('@')[1]!,
      connectionTimeout: this.options.timeoutMs,
      greetingTimeout: this.options.timeoutMs,
      socketTimeout: this.options.timeoutMs,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    try {
      await transport.sendMail({
        from: smtp.from,
        to: message.to,
        subject: message.subject,
        ...(message.text !== undefined ? { text: message.text } : {}),
        ...(message.html !== undefined ? { html: message.html } : {}),
      });
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    } finally {
      transport.close();
    }
  }

  /** SMTP_URL and EMAIL_FROM read; an Error naming what is wrong (never their values) otherwise. */
  private settings(smtpUrl: string | undefined, sender: string | undefined): SmtpSettings {
    if (smtpUrl === undefined) throw new Error('the app has the secret EMAIL_FROM but not SMTP_URL; set both, or neither to keep mail in the outbox');
    if (sender === undefined) throw new Error('the app has the secret SMTP_URL but not EMAIL_FROM; set both, or neither to keep mail in the outbox');
    let url: URL;
    try {
      url = new URL(smtpUrl);
    } catch {
      throw new Error('the secret SMTP_URL is not a URL like smtp://user:password@smtp.example.com:587 or smtps://...:465');
    }
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
      throw new Error(`the secret SMTP_URL must start with smtp:// or smtps://, not ${url.protocol.slice(0, 10)}//`);
    if (!url.hostname) throw new Error('the secret SMTP_URL names no host');
    const from = parseSender(sender);
    if (!from) throw new Error('the secret EMAIL_FROM is not an address like app@example.com or "Journal <app@example.com>"');
    const secure = url.protocol === 'smtps:';
    const decode = (part: string): string => {
      try {
        return decodeURIComponent(part);
      } catch {
        throw new Error('the secret SMTP_URL has a badly %-encoded user or password');
      }
    };
    return {
      url,
      host: url.hostname.toLowerCase().replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : secure ? 465 : 587,
      secure,
      user: decode(url.username),
      pass: decode(url.password),
      from,
    };
  }
}

const cutSubject = (subject: string): string => (subject.length > 80 ? `${subject.slice(0, 80)}…` : subject);

/**
 * A function's `send(mail)` (its argument as JSON, from the sandbox): checked, sent, and awaited to
 * the end, so the function learns whether the SMTP server took it. `log` gets one line for the
 * function's logs, either way. Throws TesseraErrors the function sees (INVALID_ARGUMENTS,
 * EMAIL_RATE_LIMITED, EMAIL_FAILED).
 */
export async function sendFunctionMail(
  mailer: Pick<AppMailer, 'send'>,
  tenant: string,
  json: string,
  log: (level: 'info' | 'warn', message: string) => void,
): Promise<{ id: string }> {
  let message: EmailMessage;
  try {
    let args: unknown;
    try {
      args = JSON.parse(json);
    } catch {
      throw new TesseraError('INVALID_ARGUMENTS', '@tessera/email send(): the mail is not valid JSON.');
    }
    message = checkEmailArgs(args);
  } catch (err) {
    log('warn', `email refused: ${(err as Error).message}`);
    throw err;
  }
  const what = `email "${cutSubject(message.subject)}" to ${message.to.join(', ')}`;
  try {
    const mail = await mailer.send(tenant, message);
    await mail.delivered;
    log('info', `${what} -> ${mail.via === 'smtp' ? 'sent by SMTP' : "kept in the app's outbox (the app has no SMTP_URL and EMAIL_FROM)"}`);
    return { id: mail.id };
  } catch (err) {
    log('warn', `${what} failed: ${(err as Error).message}`);
    throw err;
  }
}
