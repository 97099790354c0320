CREATE TABLE "agent_messages" (
	"id" serial PRIMARY KEY NOT NULL,
	"tenant" text NOT NULL,
	"session_id" text NOT NULL,
	"message" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agent_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant" text NOT NULL,
	"prompt" text NOT NULL,
	"model" text NOT NULL,
	"reason" text,
	"steps" integer DEFAULT 0 NOT NULL,
	"prompt_tokens" integer DEFAULT 0 NOT NULL,
	"completion_tokens" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "deployments" (
	"id" serial PRIMARY KEY NOT NULL,
	"tenant" text NOT NULL,
	"version" text NOT NULL,
	"previous_version" text,
	"deployed_by" text NOT NULL,
	"deployed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "function_registry" (
	"id" serial PRIMARY KEY NOT NULL,
	"tenant" text NOT NULL,
	"function" text NOT NULL,
	"version" integer NOT NULL,
	"commit" text NOT NULL,
	"digest" text NOT NULL,
	"file" text NOT NULL,
	"status" text NOT NULL,
	"size" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mfe_registry" (
	"id" serial PRIMARY KEY NOT NULL,
	"tenant" text NOT NULL,
	"component" text NOT NULL,
	"version" integer NOT NULL,
	"commit" text NOT NULL,
	"digest" text NOT NULL,
	"bundle" text NOT NULL,
	"status" text NOT NULL,
	"size" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "releases" (
	"tenant" text NOT NULL,
	"version" text NOT NULL,
	"major" integer NOT NULL,
	"minor" integer NOT NULL,
	"patch" integer NOT NULL,
	"prerelease" text DEFAULT '' NOT NULL,
	"commit" text NOT NULL,
	"snapshot" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "releases_tenant_version_pk" PRIMARY KEY("tenant","version")
);
--> statement-breakpoint
CREATE TABLE "tenants" (
	"id" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "agent_messages_tenant" ON "agent_messages" USING btree ("tenant","id");--> statement-breakpoint
CREATE INDEX "deployments_tenant" ON "deployments" USING btree ("tenant","id");--> statement-breakpoint
CREATE UNIQUE INDEX "function_registry_version" ON "function_registry" USING btree ("tenant","function","version");--> statement-breakpoint
CREATE INDEX "function_registry_tenant" ON "function_registry" USING btree ("tenant");--> statement-breakpoint
CREATE UNIQUE INDEX "mfe_registry_version" ON "mfe_registry" USING btree ("tenant","component","version");--> statement-breakpoint
CREATE INDEX "mfe_registry_tenant" ON "mfe_registry" USING btree ("tenant");