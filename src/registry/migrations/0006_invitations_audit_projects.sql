CREATE TABLE "invitations" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant" text NOT NULL,
	"invitee" text NOT NULL,
	"role" text NOT NULL,
	"invited_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "project" text;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "incarnation" text DEFAULT gen_random_uuid()::text NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "invitations_tenant_invitee" ON "invitations" USING btree ("tenant","invitee");--> statement-breakpoint
CREATE INDEX "invitations_invitee" ON "invitations" USING btree ("invitee");--> statement-breakpoint
CREATE INDEX "audit_log_project" ON "audit_log" USING btree ("project","id");--> statement-breakpoint
-- Written by hand after drizzle-kit: entries from before this migration belong to the project of their name that existed when they were written, i.e. the current one unless they are older than it (a deleted project's entries keep no project).
UPDATE "audit_log" SET "project" = "tenants"."incarnation" FROM "tenants" WHERE "audit_log"."tenant" = "tenants"."id" AND "audit_log"."at" >= "tenants"."created_at";
