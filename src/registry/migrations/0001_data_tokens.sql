CREATE TABLE "data_tokens" (
	"id" serial PRIMARY KEY NOT NULL,
	"tenant" text NOT NULL,
	"label" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "data_tokens_hash" ON "data_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "data_tokens_tenant" ON "data_tokens" USING btree ("tenant");