CREATE TABLE "egress_rules" (
	"tenant" text NOT NULL,
	"host" text NOT NULL,
	"status" text NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "egress_rules_tenant_host_pk" PRIMARY KEY("tenant","host")
);
--> statement-breakpoint
CREATE TABLE "secret_requests" (
	"tenant" text NOT NULL,
	"name" text NOT NULL,
	"reason" text NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "secret_requests_tenant_name_pk" PRIMARY KEY("tenant","name")
);
--> statement-breakpoint
CREATE TABLE "tenant_secrets" (
	"tenant" text NOT NULL,
	"name" text NOT NULL,
	"sealed" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tenant_secrets_tenant_name_pk" PRIMARY KEY("tenant","name")
);
