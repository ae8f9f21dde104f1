CREATE TABLE "order_outcomes" (
	"order_id" text PRIMARY KEY NOT NULL,
	"order_type" text NOT NULL,
	"channel" text NOT NULL,
	"placed_at" timestamp with time zone NOT NULL,
	"paid" boolean DEFAULT false NOT NULL,
	"shipped" boolean DEFAULT false NOT NULL,
	"delivered" boolean DEFAULT false NOT NULL,
	"completed" boolean DEFAULT false NOT NULL,
	"cancelled" boolean DEFAULT false NOT NULL,
	"returned" boolean DEFAULT false NOT NULL,
	"failed" boolean DEFAULT false NOT NULL,
	"on_hold" boolean DEFAULT false NOT NULL,
	"short" boolean DEFAULT false NOT NULL,
	"split" boolean DEFAULT false NOT NULL,
	"substituted" boolean DEFAULT false NOT NULL,
	"backordered" boolean DEFAULT false NOT NULL,
	"payment_failures" integer DEFAULT 0 NOT NULL,
	"parcel_late" boolean DEFAULT false NOT NULL,
	"production_late" boolean DEFAULT false NOT NULL,
	"cancel_reason" text,
	"cancel_requested" boolean,
	"cancel_stage" text
);
--> statement-breakpoint
CREATE TABLE "order_stage_spans" (
	"order_id" text NOT NULL,
	"entered_seq" integer NOT NULL,
	"stage" text NOT NULL,
	"entered_at" timestamp with time zone NOT NULL,
	"left_at" timestamp with time zone,
	"duration_ms" bigint,
	"order_type" text NOT NULL,
	"channel" text NOT NULL,
	"carrier_id" text,
	"placed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "order_stage_spans_order_id_entered_seq_pk" PRIMARY KEY("order_id","entered_seq")
);
--> statement-breakpoint
ALTER TABLE "order_outcomes" ADD CONSTRAINT "order_outcomes_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "order_outcomes_placed_at" ON "order_outcomes" USING btree ("placed_at");--> statement-breakpoint
CREATE INDEX "order_stage_spans_done_all" ON "order_stage_spans" USING btree ("stage","duration_ms") WHERE "order_stage_spans"."left_at" is not null;--> statement-breakpoint
CREATE INDEX "order_stage_spans_done" ON "order_stage_spans" USING btree ("stage","duration_ms","order_type","channel","carrier_id","placed_at") WHERE "order_stage_spans"."left_at" is not null;--> statement-breakpoint
CREATE INDEX "order_stage_spans_done_by_type" ON "order_stage_spans" USING btree ("order_type","stage","duration_ms") WHERE "order_stage_spans"."left_at" is not null;--> statement-breakpoint
CREATE INDEX "order_stage_spans_waiting" ON "order_stage_spans" USING btree ("stage","entered_at","order_id") WHERE "order_stage_spans"."left_at" is null;