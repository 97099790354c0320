CREATE TABLE "tenant_leases" (
	"tenant" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"holder_url" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"epoch" integer DEFAULT 1 NOT NULL
);
