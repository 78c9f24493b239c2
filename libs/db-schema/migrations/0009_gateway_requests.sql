CREATE TABLE "tp_capital"."gateway_requests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone,
	"result" jsonb,
	"error" text,
	CONSTRAINT "gateway_requests_status_check" CHECK ("tp_capital"."gateway_requests"."status" in ('pending', 'done', 'failed', 'expired'))
);
--> statement-breakpoint
CREATE TABLE "tp_capital"."gateway_status" (
	"id" text PRIMARY KEY NOT NULL,
	"last_contact_at" timestamp with time zone NOT NULL,
	"reported_at" timestamp with time zone,
	"report" jsonb
);
--> statement-breakpoint
CREATE INDEX "gateway_requests_pending_idx" ON "tp_capital"."gateway_requests" USING btree ("created_at") WHERE "tp_capital"."gateway_requests"."status" = 'pending';