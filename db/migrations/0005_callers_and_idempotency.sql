CREATE TABLE "idempotency_keys" (
	"caller" text NOT NULL,
	"key" text NOT NULL,
	"action" text NOT NULL,
	"request_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_caller_key_pk" PRIMARY KEY("caller","key")
);
--> statement-breakpoint
ALTER TABLE "orders" DROP CONSTRAINT "orders_idempotency_key_unique";--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "placed_by" text;--> statement-breakpoint
ALTER TABLE "support_requests" ADD COLUMN "requested_by" text;--> statement-breakpoint
CREATE INDEX "orders_placed_by_id" ON "orders" USING btree ("placed_by","id");--> statement-breakpoint
CREATE UNIQUE INDEX "orders_placed_by_idempotency_key" ON "orders" USING btree ("placed_by","idempotency_key");