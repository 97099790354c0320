CREATE TABLE "app_snapshots" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"reason" text NOT NULL,
	"release" text,
	"bytes" bigint NOT NULL,
	"taken_by" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "app_snapshots_tenant" ON "app_snapshots" USING btree ("tenant","at");