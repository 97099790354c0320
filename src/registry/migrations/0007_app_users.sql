CREATE TABLE "app_auth_settings" (
	"tenant" text PRIMARY KEY NOT NULL,
	"signup" text DEFAULT 'open' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "app_outbox" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant" text NOT NULL,
	"to" text NOT NULL,
	"subject" text NOT NULL,
	"text" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "app_reset_tokens" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"tenant" text NOT NULL,
	"user_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "app_sessions" (
	"id" serial PRIMARY KEY NOT NULL,
	"tenant" text NOT NULL,
	"user_id" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "app_users" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant" text NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"role" text DEFAULT 'user' NOT NULL,
	"disabled" integer DEFAULT 0 NOT NULL,
	"password_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_sign_in_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "app_outbox_tenant" ON "app_outbox" USING btree ("tenant","created_at");--> statement-breakpoint
CREATE INDEX "app_reset_tokens_user" ON "app_reset_tokens" USING btree ("tenant","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "app_sessions_token" ON "app_sessions" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "app_sessions_user" ON "app_sessions" USING btree ("tenant","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "app_users_tenant_email" ON "app_users" USING btree ("tenant","email");--> statement-breakpoint
CREATE INDEX "app_users_tenant" ON "app_users" USING btree ("tenant","created_at");