ALTER TABLE "orders" ADD COLUMN "revision" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "backorder_of" text;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_backorder_of_orders_id_fk" FOREIGN KEY ("backorder_of") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_backorder_of_unique" UNIQUE("backorder_of");