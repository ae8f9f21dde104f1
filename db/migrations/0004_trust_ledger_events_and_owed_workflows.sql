ALTER TABLE "orders" ADD COLUMN "workflow_input" jsonb;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "workflow_started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "event_id" text;--> statement-breakpoint
CREATE INDEX "orders_workflow_owed" ON "orders" USING btree ("created_at") WHERE "orders"."workflow_started_at" is null and "orders"."workflow_input" is not null;