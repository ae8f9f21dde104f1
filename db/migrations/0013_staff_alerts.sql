CREATE TABLE "staff_alerts" (
	"id" serial PRIMARY KEY NOT NULL,
	"dedupe_key" text NOT NULL,
	"kind" text NOT NULL,
	"order_id" text NOT NULL,
	"subject" text NOT NULL,
	"detail" jsonb NOT NULL,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "staff_alerts_dedupe_key_unique" UNIQUE("dedupe_key")
);
--> statement-breakpoint
ALTER TABLE "staff_alerts" ADD CONSTRAINT "staff_alerts_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "staff_alerts_kind_id" ON "staff_alerts" USING btree ("kind","id");--> statement-breakpoint
CREATE INDEX "staff_alerts_order_id" ON "staff_alerts" USING btree ("order_id","id");