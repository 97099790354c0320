import { randomUUID } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import type { Db } from './db.ts';
import { appOutbox } from './schema.ts';

export interface OutboxMail {
  id: string;
  to: string;
  subject: string;
  text: string;
  createdAt: string;
}

/** Mail an app would send, kept per tenant for its owner to read (no SMTP yet). */
export interface AppOutboxStore {
  addOutboxMail(tenant: string, mail: { to: string; subject: string; text: string }): Promise<OutboxMail>;
  /** The app's mail, newest first. */
  listOutbox(tenant: string, limit?: number): Promise<OutboxMail[]>;
}

export function appOutboxStore(db: Db): AppOutboxStore {
  return {
    async addOutboxMail(tenant, mail) {
      const [row] = await db
        .insert(appOutbox)
        .values({ id: randomUUID(), tenant, ...mail })
        .returning();
      return mailOf(row!);
    },
    async listOutbox(tenant, limit = 100) {
      const rows = await db.select().from(appOutbox).where(eq(appOutbox.tenant, tenant)).orderBy(desc(appOutbox.createdAt), desc(appOutbox.id)).limit(limit);
      return rows.map(mailOf);
    },
  };
}

function mailOf(row: typeof appOutbox.$inferSelect): OutboxMail {
  return { id: row.id, to: row.to, subject: row.subject, text: row.text, createdAt: new Date(row.createdAt).toISOString() };
}
