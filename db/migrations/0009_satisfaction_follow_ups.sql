CREATE TABLE "follow_ups" (
	"id" serial PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"reason" text NOT NULL,
	"ratings" jsonb NOT NULL,
	"comment" text,
	"status" text DEFAULT 'open' NOT NULL,
	"owner" text,
	"note" text,
	"updated_by" text,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "follow_ups_order_id_unique" UNIQUE("order_id")
);
--> statement-breakpoint
ALTER TABLE "follow_ups" ADD CONSTRAINT "follow_ups_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "follow_ups_status_id" ON "follow_ups" USING btree ("status","id");