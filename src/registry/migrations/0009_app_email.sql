ALTER TABLE "app_outbox" ADD COLUMN "html" text;--> statement-breakpoint
ALTER TABLE "app_outbox" ADD COLUMN "via" text DEFAULT 'outbox' NOT NULL;--> statement-breakpoint
ALTER TABLE "app_outbox" ADD COLUMN "status" text DEFAULT 'stored' NOT NULL;--> statement-breakpoint
ALTER TABLE "app_outbox" ADD COLUMN "error" text;