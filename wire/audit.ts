/** One entry of the audit log, as `GET /api/audit` and `GET /api/tenants/:id/audit` send it (newest first). */
export interface AuditRecord {
  id: number;
  at: string;
  actor: string;
  via: string;
  tenant: string | null;
  /** Which incarnation of the project (a deleted one's id may have been created again since). */
  project: string | null;
  action: string;
  target: string;
  outcome: string;
  detail: Record<string, unknown>;
}
