CREATE TABLE "production_notices" (
	"event_id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"acting_order_id" text,
	"reason" text NOT NULL,
	"notice" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "production_notices" ADD CONSTRAINT "production_notices_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "production_notices_owed" ON "production_notices" USING btree ("created_at") WHERE "production_notices"."delivered_at" is null;--> statement-breakpoint
CREATE INDEX "production_notices_acting" ON "production_notices" USING btree ("acting_order_id");