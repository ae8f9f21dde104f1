CREATE TABLE "sandbox_payment_intents" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"amount" integer NOT NULL,
	"currency" text NOT NULL,
	"method" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sandbox_payment_transactions" (
	"id" text PRIMARY KEY NOT NULL,
	"intent_id" text NOT NULL,
	"order_id" text,
	"kind" text NOT NULL,
	"amount" integer NOT NULL,
	"currency" text NOT NULL,
	"status" text NOT NULL,
	"refund_key" text,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sandbox_payment_transactions_refund_key_unique" UNIQUE("refund_key"),
	CONSTRAINT "sandbox_payment_transactions_amount_positive" CHECK ("sandbox_payment_transactions"."amount" > 0)
);
--> statement-breakpoint
CREATE TABLE "sandbox_payment_webhooks" (
	"event_id" text PRIMARY KEY NOT NULL,
	"body" jsonb NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "sandbox_payouts" (
	"id" text PRIMARY KEY NOT NULL,
	"reference" text NOT NULL,
	"amount" integer NOT NULL,
	"currency" text NOT NULL,
	"status" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sandbox_payouts_reference_unique" UNIQUE("reference")
);
--> statement-breakpoint
CREATE TABLE "settlement_discrepancies" (
	"settlement_id" text NOT NULL,
	"kind" text NOT NULL,
	"transaction_id" text NOT NULL,
	"order_id" text,
	"expected" integer,
	"actual" integer,
	"resolution" text,
	"found_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "settlement_discrepancies_settlement_id_kind_transaction_id_pk" PRIMARY KEY("settlement_id","kind","transaction_id")
);
--> statement-breakpoint
CREATE TABLE "settlement_lines" (
	"settlement_id" text NOT NULL,
	"transaction_id" text NOT NULL,
	"order_id" text,
	"kind" text NOT NULL,
	"amount" integer NOT NULL,
	"fee" integer NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "settlement_lines_settlement_id_transaction_id_pk" PRIMARY KEY("settlement_id","transaction_id")
);
--> statement-breakpoint
CREATE TABLE "settlement_statement_entries" (
	"settlement_id" text NOT NULL,
	"transaction_id" text NOT NULL,
	"intent_id" text NOT NULL,
	"order_id" text,
	"kind" text NOT NULL,
	"amount" integer NOT NULL,
	"currency" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "settlement_statement_entries_settlement_id_transaction_id_pk" PRIMARY KEY("settlement_id","transaction_id")
);
--> statement-breakpoint
CREATE TABLE "settlements" (
	"id" text PRIMARY KEY NOT NULL,
	"cycle" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"currency" text NOT NULL,
	"status" text NOT NULL,
	"requested_by" text NOT NULL,
	"totals" jsonb,
	"payout_id" text,
	"payout_amount" integer,
	"payout_status" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"reconciled_at" timestamp with time zone,
	"paid_out_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "status" text DEFAULT 'succeeded' NOT NULL;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "idempotency_key" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "follow_ups" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "flagged_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "settlement_discrepancies" ADD CONSTRAINT "settlement_discrepancies_settlement_id_settlements_id_fk" FOREIGN KEY ("settlement_id") REFERENCES "public"."settlements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "settlement_lines" ADD CONSTRAINT "settlement_lines_settlement_id_settlements_id_fk" FOREIGN KEY ("settlement_id") REFERENCES "public"."settlements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "settlement_statement_entries" ADD CONSTRAINT "settlement_statement_entries_settlement_id_settlements_id_fk" FOREIGN KEY ("settlement_id") REFERENCES "public"."settlements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sandbox_payment_transactions_statement" ON "sandbox_payment_transactions" USING btree ("currency","occurred_at","id");--> statement-breakpoint
CREATE INDEX "sandbox_payment_webhooks_due" ON "sandbox_payment_webhooks" USING btree ("due_at") WHERE "sandbox_payment_webhooks"."sent_at" is null;--> statement-breakpoint
CREATE INDEX "settlement_discrepancies_open" ON "settlement_discrepancies" USING btree ("settlement_id") WHERE "settlement_discrepancies"."resolution" is null;--> statement-breakpoint
CREATE INDEX "payments_intent" ON "payments" USING btree ("intent_id");--> statement-breakpoint
CREATE INDEX "payments_settled" ON "payments" USING btree ("currency","occurred_at","id");--> statement-breakpoint
CREATE INDEX "payments_pending_refunds" ON "payments" USING btree ("created_at") WHERE "payments"."status" = 'pending';