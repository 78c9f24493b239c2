CREATE SCHEMA "tp_capital";
--> statement-breakpoint
CREATE SCHEMA "workspace";
--> statement-breakpoint
CREATE TABLE "tp_capital"."forwarded_messages" (
	"id" bigint GENERATED ALWAYS AS IDENTITY (sequence name "tp_capital"."forwarded_messages_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"channel_id" text NOT NULL,
	"message_id" bigint NOT NULL,
	"message_ts" timestamp with time zone NOT NULL,
	"text" text NOT NULL,
	"channel_title" text,
	"source" text NOT NULL,
	"edit_date" timestamp with time zone,
	"reply_to_message_id" bigint,
	"media_group_id" text,
	"photos" jsonb,
	"forwarded_from" jsonb,
	"parse_kind" text,
	"parse_warning" text,
	"parser_version" integer,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "forwarded_messages_id_message_ts_pk" PRIMARY KEY("id","message_ts"),
	CONSTRAINT "forwarded_messages_message_key" UNIQUE("channel_id","message_id","message_ts")
);
--> statement-breakpoint
CREATE TABLE "tp_capital"."ingest_logs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "tp_capital"."ingest_logs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"level" text NOT NULL,
	"event" text NOT NULL,
	"message" text NOT NULL,
	"channel_id" text,
	"message_id" bigint,
	"details" jsonb
);
--> statement-breakpoint
CREATE TABLE "tp_capital"."message_versions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "tp_capital"."message_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"channel_id" text NOT NULL,
	"message_id" bigint NOT NULL,
	"message_ts" timestamp with time zone NOT NULL,
	"text" text NOT NULL,
	"edit_date" timestamp with time zone,
	"replaced_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tp_capital"."signal_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "tp_capital"."signal_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"signal_id" bigint NOT NULL,
	"signal_ts" timestamp with time zone NOT NULL,
	"channel_id" text NOT NULL,
	"message_id" bigint NOT NULL,
	"message_ts" timestamp with time zone NOT NULL,
	"event_type" text NOT NULL,
	"percentage" numeric(9, 4),
	"raw_message" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "signal_events_message_key" UNIQUE("channel_id","message_id","message_ts")
);
--> statement-breakpoint
CREATE TABLE "tp_capital"."tp_capital_signals" (
	"id" bigint GENERATED ALWAYS AS IDENTITY (sequence name "tp_capital"."tp_capital_signals_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"ts" timestamp with time zone NOT NULL,
	"channel_id" text NOT NULL,
	"message_id" bigint NOT NULL,
	"asset" text NOT NULL,
	"signal_type" text,
	"buy_min" numeric(18, 6),
	"buy_max" numeric(18, 6),
	"target_1" numeric(18, 6),
	"target_2" numeric(18, 6),
	"target_final" numeric(18, 6),
	"targets" numeric(18, 6)[] DEFAULT '{}'::numeric[] NOT NULL,
	"stop" numeric(18, 6),
	"status" text DEFAULT 'open' NOT NULL,
	"last_result_pct" numeric(9, 4),
	"expires_at" timestamp with time zone,
	"raw_message" text NOT NULL,
	"parser_version" integer NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tp_capital_signals_id_ts_pk" PRIMARY KEY("id","ts"),
	CONSTRAINT "tp_capital_signals_message_key" UNIQUE("channel_id","message_id","ts")
);
--> statement-breakpoint
CREATE TABLE "tp_capital"."telegram_bots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"username" text NOT NULL,
	"token" text NOT NULL,
	"bot_type" text DEFAULT 'ingestion' NOT NULL,
	"description" text,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "telegram_bots_username_key" UNIQUE("username")
);
--> statement-breakpoint
CREATE TABLE "tp_capital"."telegram_channels" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"channel_id" text NOT NULL,
	"label" text NOT NULL,
	"description" text,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "telegram_channels_channel_key" UNIQUE("channel_id")
);
--> statement-breakpoint
CREATE TABLE "workspace"."workspace_items" (
	"id" varchar(64) PRIMARY KEY NOT NULL,
	"title" varchar(255) NOT NULL,
	"description" text NOT NULL,
	"category" text NOT NULL,
	"priority" text NOT NULL,
	"status" text DEFAULT 'new' NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_by" text,
	"updated_by" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workspace_items_category_check" CHECK ("workspace"."workspace_items"."category" in ('documentacao', 'coleta-dados', 'banco-dados', 'analise-dados', 'gestao-riscos', 'dashboard')),
	CONSTRAINT "workspace_items_priority_check" CHECK ("workspace"."workspace_items"."priority" in ('low', 'medium', 'high', 'critical')),
	CONSTRAINT "workspace_items_status_check" CHECK ("workspace"."workspace_items"."status" in ('new', 'review', 'in-progress', 'completed', 'rejected'))
);
--> statement-breakpoint
CREATE INDEX "forwarded_messages_ts_idx" ON "tp_capital"."forwarded_messages" USING btree ("message_ts" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "ingest_logs_created_idx" ON "tp_capital"."ingest_logs" USING btree ("created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "message_versions_message_idx" ON "tp_capital"."message_versions" USING btree ("channel_id","message_id","message_ts");--> statement-breakpoint
CREATE INDEX "signal_events_signal_idx" ON "tp_capital"."signal_events" USING btree ("signal_id");--> statement-breakpoint
CREATE INDEX "tp_capital_signals_ts_idx" ON "tp_capital"."tp_capital_signals" USING btree ("ts" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "tp_capital_signals_asset_idx" ON "tp_capital"."tp_capital_signals" USING btree ("channel_id","asset","ts" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "workspace_items_status_idx" ON "workspace"."workspace_items" USING btree ("status");--> statement-breakpoint
CREATE INDEX "workspace_items_category_idx" ON "workspace"."workspace_items" USING btree ("category");--> statement-breakpoint
CREATE INDEX "workspace_items_created_idx" ON "workspace"."workspace_items" USING btree ("created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "workspace_items_tags_idx" ON "workspace"."workspace_items" USING gin ("tags");