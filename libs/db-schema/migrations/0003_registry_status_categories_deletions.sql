ALTER TABLE "workspace"."workspace_items" DROP CONSTRAINT "workspace_items_category_check";--> statement-breakpoint
ALTER TABLE "tp_capital"."forwarded_messages" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tp_capital"."tp_capital_signals" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tp_capital"."telegram_channels" ADD COLUMN "channel_type" text DEFAULT 'source' NOT NULL;--> statement-breakpoint
ALTER TABLE "tp_capital"."telegram_channels" ADD COLUMN "status" text DEFAULT 'active' NOT NULL;--> statement-breakpoint
-- Carry the old flag over before it goes.
UPDATE "tp_capital"."telegram_channels" SET "status" = CASE WHEN "is_active" THEN 'active' ELSE 'inactive' END;--> statement-breakpoint
ALTER TABLE "tp_capital"."telegram_channels" DROP COLUMN "is_active";--> statement-breakpoint
ALTER TABLE "tp_capital"."telegram_channels" ADD CONSTRAINT "telegram_channels_status_check" CHECK ("tp_capital"."telegram_channels"."status" in ('active', 'inactive', 'deleted'));--> statement-breakpoint
ALTER TABLE "tp_capital"."telegram_channels" ADD CONSTRAINT "telegram_channels_type_check" CHECK ("tp_capital"."telegram_channels"."channel_type" in ('source', 'destination'));--> statement-breakpoint
ALTER TABLE "workspace"."workspace_items" ADD CONSTRAINT "workspace_items_category_check" CHECK ("workspace"."workspace_items"."category" ~ '^[a-z0-9-]+$' and length("workspace"."workspace_items"."category") <= 100);