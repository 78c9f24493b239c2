CREATE TABLE "tp_capital"."media" (
	"sha256" text PRIMARY KEY NOT NULL,
	"content_type" text NOT NULL,
	"bytes" "bytea" NOT NULL,
	"size" integer NOT NULL,
	"width" integer,
	"height" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "media_sha256_check" CHECK ("tp_capital"."media"."sha256" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE TABLE "tp_capital"."media_sources" (
	"file_unique_id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"sha256" text,
	"reason" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "media_sources_status_check" CHECK ("tp_capital"."media_sources"."status" in ('stored', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "tp_capital"."forwarded_messages" ADD COLUMN "media" jsonb;--> statement-breakpoint
CREATE INDEX "media_created_at_idx" ON "tp_capital"."media" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "media_sources_sha256_idx" ON "tp_capital"."media_sources" USING btree ("sha256");