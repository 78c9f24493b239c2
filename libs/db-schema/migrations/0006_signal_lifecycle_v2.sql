-- Several signals per post: the message key of a signal adds its asset (and keeps ts, as TimescaleDB requires);
-- several events per update post: the message key of an event adds its position. Rows stored before keep
-- lifecycle_version 1, so `reparse` re-derives their outcomes under the new rules.
CREATE TABLE "tp_capital"."signal_versions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "tp_capital"."signal_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"signal_id" bigint NOT NULL,
	"signal_ts" timestamp with time zone NOT NULL,
	"previous" jsonb NOT NULL,
	"corrected_by" text NOT NULL,
	"corrected_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tp_capital"."signal_events" DROP CONSTRAINT IF EXISTS "signal_events_message_key";--> statement-breakpoint
ALTER TABLE "tp_capital"."tp_capital_signals" DROP CONSTRAINT IF EXISTS "tp_capital_signals_message_key";--> statement-breakpoint
ALTER TABLE "tp_capital"."tp_capital_signals" ALTER COLUMN "lifecycle_version" SET DEFAULT 2;--> statement-breakpoint
ALTER TABLE "tp_capital"."forwarded_messages" ADD COLUMN "parse_note" text;--> statement-breakpoint
ALTER TABLE "tp_capital"."signal_events" ADD COLUMN "target_label" text;--> statement-breakpoint
ALTER TABLE "tp_capital"."signal_events" ADD COLUMN "price" numeric(18, 6);--> statement-breakpoint
ALTER TABLE "tp_capital"."signal_events" ADD COLUMN "points" numeric(18, 6);--> statement-breakpoint
ALTER TABLE "tp_capital"."signal_events" ADD COLUMN "seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tp_capital"."tp_capital_signals" ADD COLUMN "side" text DEFAULT 'buy' NOT NULL;--> statement-breakpoint
ALTER TABLE "tp_capital"."tp_capital_signals" ADD COLUMN "current_stop" numeric(18, 6);--> statement-breakpoint
ALTER TABLE "tp_capital"."tp_capital_signals" ADD COLUMN "target_1_pct" numeric(9, 4);--> statement-breakpoint
ALTER TABLE "tp_capital"."tp_capital_signals" ADD COLUMN "stop_pct" numeric(9, 4);--> statement-breakpoint
ALTER TABLE "tp_capital"."tp_capital_signals" ADD COLUMN "corrected_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tp_capital"."tp_capital_signals" ADD COLUMN "corrected_by" text;--> statement-breakpoint
CREATE INDEX "signal_versions_signal_idx" ON "tp_capital"."signal_versions" USING btree ("signal_id","corrected_at");--> statement-breakpoint
ALTER TABLE "tp_capital"."signal_events" ADD CONSTRAINT "signal_events_message_seq_key" UNIQUE("channel_id","message_id","message_ts","seq");--> statement-breakpoint
ALTER TABLE "tp_capital"."tp_capital_signals" ADD CONSTRAINT "tp_capital_signals_message_asset_key" UNIQUE("channel_id","message_id","ts","asset");