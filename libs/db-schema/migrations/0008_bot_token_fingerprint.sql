-- Bot API tokens leave the database: nothing here runs a bot. Each row keeps what the dashboard showed
-- of its token and a fingerprint (sha-256 of the UTF-8 token, hex, first 16), computed with the
-- built-in sha256() (PostgreSQL 11+), so no extension is needed.
ALTER TABLE "tp_capital"."telegram_bots" ADD COLUMN "token_hint" text;--> statement-breakpoint
ALTER TABLE "tp_capital"."telegram_bots" ADD COLUMN "token_fingerprint" text;--> statement-breakpoint
UPDATE "tp_capital"."telegram_bots" SET
	"token_hint" = CASE WHEN char_length("token") <= 10 THEN '****' ELSE left("token", 4) || '****' || right("token", 4) END,
	"token_fingerprint" = left(encode(sha256(convert_to("token", 'UTF8')), 'hex'), 16);--> statement-breakpoint
ALTER TABLE "tp_capital"."telegram_bots" ALTER COLUMN "token_hint" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "tp_capital"."telegram_bots" ALTER COLUMN "token_fingerprint" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "tp_capital"."telegram_bots" DROP COLUMN "token";
