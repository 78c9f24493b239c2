ALTER TABLE "tp_capital"."signal_events" ADD COLUMN "target" integer;--> statement-breakpoint
ALTER TABLE "tp_capital"."tp_capital_signals" ADD COLUMN "result_pct" numeric(9, 4);--> statement-breakpoint
ALTER TABLE "tp_capital"."tp_capital_signals" ADD COLUMN "result_basis" text;--> statement-breakpoint
ALTER TABLE "tp_capital"."tp_capital_signals" ADD COLUMN "highest_target" integer;--> statement-breakpoint
ALTER TABLE "tp_capital"."tp_capital_signals" ADD COLUMN "target_hits" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "tp_capital"."tp_capital_signals" ADD COLUMN "first_target_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tp_capital"."tp_capital_signals" ADD COLUMN "stopped_at" timestamp with time zone;--> statement-breakpoint
-- Rows already stored keep a null version (their outcome is not derived yet: `reparse` derives it);
-- rows inserted from now on start at version 1.
ALTER TABLE "tp_capital"."tp_capital_signals" ADD COLUMN "lifecycle_version" integer;--> statement-breakpoint
ALTER TABLE "tp_capital"."tp_capital_signals" ALTER COLUMN "lifecycle_version" SET DEFAULT 1;