CREATE TABLE "tp_capital"."legacy_imports" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "tp_capital"."legacy_imports_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone DEFAULT now() NOT NULL,
	"mode" text NOT NULL,
	"source" text NOT NULL,
	"layouts" jsonb NOT NULL,
	"report" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tp_capital"."forwarded_messages" ADD COLUMN "legacy_ref" text;--> statement-breakpoint
ALTER TABLE "tp_capital"."forwarded_messages" ADD COLUMN "legacy_values" jsonb;--> statement-breakpoint
ALTER TABLE "tp_capital"."tp_capital_signals" ADD COLUMN "source" text;--> statement-breakpoint
ALTER TABLE "tp_capital"."tp_capital_signals" ADD COLUMN "legacy_ref" text;--> statement-breakpoint
ALTER TABLE "tp_capital"."tp_capital_signals" ADD COLUMN "legacy_values" jsonb;--> statement-breakpoint
ALTER TABLE "tp_capital"."telegram_bots" ADD COLUMN "legacy_id" text;--> statement-breakpoint
ALTER TABLE "tp_capital"."telegram_channels" ADD COLUMN "legacy_id" text;--> statement-breakpoint
ALTER TABLE "tp_capital"."telegram_bots" ADD CONSTRAINT "telegram_bots_legacy_id_key" UNIQUE("legacy_id");--> statement-breakpoint
ALTER TABLE "tp_capital"."telegram_channels" ADD CONSTRAINT "telegram_channels_legacy_id_key" UNIQUE("legacy_id");