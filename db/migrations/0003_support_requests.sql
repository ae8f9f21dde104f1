CREATE TABLE "support_requests" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"action" text NOT NULL,
	"actor" text NOT NULL,
	"reason" text,
	"status" text NOT NULL,
	"outcome" text NOT NULL,
	"answer" jsonb NOT NULL,
	"idempotency_key" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "support_requests" ADD CONSTRAINT "support_requests_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "support_requests_order" ON "support_requests" USING btree ("order_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "support_requests_once" ON "support_requests" USING btree ("order_id","idempotency_key");