import { randomUUID } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from './db.ts';
import { appOutbox } from './schema.ts';

/** How a mail left the app: kept in the outbox only, or sent by the app's SMTP server too. */
export type OutboxVia = 'outbox' | 'smtp';
/** `stored`: in the outbox only; `sending`: handed to SMTP, no answer yet; `sent`; `failed` (see `error`). */
export type OutboxStatus = 'stored' | 'sending' | 'sent' | 'failed';

export interface OutboxMail {
  id: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  via: OutboxVia;
  status: OutboxStatus;
  error?: string;
  createdAt: string;
}

/** Mail an app sent or would send, kept per tenant for its owner to read (docs/app-users.md, "Email"). */
export interface AppOutboxStore {
  addOutboxMail(
    tenant: string,
    mail: { to: string; subject: string; text: string; html?: string | undefined; via?: OutboxVia; status?: OutboxStatus },
  ): Promise<OutboxMail>;
  /** Records how an SMTP delivery ended. */
  setOutboxStatus(tenant: string, id: string, status: OutboxStatus, error?: string): Promise<void>;
  /** The app's mail, newest first. */
  listOutbox(tenant: string, limit?: number): Promise<OutboxMail[]>;
}

export function appOutboxStore(db: Db): AppOutboxStore {
  return {
    async addOutboxMail(tenant, mail) {
      const [row] = await db
        .insert(appOutbox)
        .values({
          id: randomUUID(),
          tenant,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html ?? null,
          via: mail.via ?? 'outbox',
          status: mail.status ?? 'stored',
        })
        .returning();
      return mailOf(row!);
    },
    async setOutboxStatus(tenant, id, status, error) {
      await db
        .update(appOutbox)
        .set({ status, error: error ?? null })
        .where(and(eq(appOutbox.tenant, tenant), eq(appOutbox.id, id)));
    },
    async listOutbox(tenant, limit = 100) {
      const rows = await db.select().from(appOutbox).where(eq(appOutbox.tenant, tenant)).orderBy(desc(appOutbox.createdAt), desc(appOutbox.id)).limit(limit);
      return rows.map(mailOf);
    },
  };
}

function mailOf(row: typeof appOutbox.$inferSelect): OutboxMail {
  return {
    id: row.id,
    to: row.to,
    subject: row.subject,
    text: row.text,
    ...(row.html !== null ? { html: row.html } : {}),
    via: row.via as OutboxVia,
    status: row.status as OutboxStatus,
    ...(row.error !== null ? { error: row.error } : {}),
    createdAt: new Date(row.createdAt).toISOString(),
  };
}
