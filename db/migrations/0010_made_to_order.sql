CREATE TABLE "bill_of_materials" (
	"sku" text NOT NULL,
	"material_id" text NOT NULL,
	"quantity_per_unit" integer NOT NULL,
	CONSTRAINT "bill_of_materials_sku_material_id_pk" PRIMARY KEY("sku","material_id"),
	CONSTRAINT "bill_of_materials_quantity_positive" CHECK ("bill_of_materials"."quantity_per_unit" > 0)
);
--> statement-breakpoint
CREATE TABLE "inspections" (
	"id" text PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"stage" text NOT NULL,
	"inspector" text NOT NULL,
	"measurements" jsonb NOT NULL,
	"passed" boolean NOT NULL,
	"failures" jsonb NOT NULL,
	"reported_by" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "job_materials" (
	"job_id" text NOT NULL,
	"material_id" text NOT NULL,
	"quantity" integer NOT NULL,
	"status" text DEFAULT 'reserved' NOT NULL,
	CONSTRAINT "job_materials_job_id_material_id_pk" PRIMARY KEY("job_id","material_id")
);
--> statement-breakpoint
CREATE TABLE "material_receipts" (
	"id" text PRIMARY KEY NOT NULL,
	"supplier_id" text NOT NULL,
	"material_id" text NOT NULL,
	"quantity" integer NOT NULL,
	"measurements" jsonb NOT NULL,
	"passed" boolean NOT NULL,
	"failures" jsonb NOT NULL,
	"purchase_order_id" integer,
	"on_time" boolean,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "materials" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"unit" text NOT NULL,
	"supplier_id" text NOT NULL,
	"on_hand" integer DEFAULT 0 NOT NULL,
	"reserved" integer DEFAULT 0 NOT NULL,
	"quality_standard" jsonb NOT NULL,
	CONSTRAINT "materials_on_hand_non_negative" CHECK ("materials"."on_hand" >= 0),
	CONSTRAINT "materials_reserved_non_negative" CHECK ("materials"."reserved" >= 0)
);
--> statement-breakpoint
CREATE TABLE "production_events" (
	"id" text PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"type" text NOT NULL,
	"progress" integer,
	"occurred_at" timestamp with time zone NOT NULL,
	"reported_by" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "production_jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"line_no" integer NOT NULL,
	"sku" text NOT NULL,
	"quantity" integer NOT NULL,
	"work_centre_id" text NOT NULL,
	"urgent" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'planned' NOT NULL,
	"sequence" integer NOT NULL,
	"minutes" integer NOT NULL,
	"material_ready_at" timestamp with time zone NOT NULL,
	"planned_start" timestamp with time zone NOT NULL,
	"planned_end" timestamp with time zone NOT NULL,
	"progress" integer DEFAULT 0 NOT NULL,
	"rework_rounds" integer DEFAULT 0 NOT NULL,
	"replaces" text,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "production_jobs_quantity_positive" CHECK ("production_jobs"."quantity" > 0),
	CONSTRAINT "production_jobs_progress_range" CHECK ("production_jobs"."progress" between 0 and 100)
);
--> statement-breakpoint
CREATE TABLE "production_specs" (
	"sku" text PRIMARY KEY NOT NULL,
	"work_centre_id" text NOT NULL,
	"minutes_per_unit" integer NOT NULL,
	"quality_standard" jsonb NOT NULL,
	CONSTRAINT "production_specs_minutes_positive" CHECK ("production_specs"."minutes_per_unit" > 0)
);
--> statement-breakpoint
CREATE TABLE "purchase_orders" (
	"id" serial PRIMARY KEY NOT NULL,
	"supplier_id" text NOT NULL,
	"material_id" text NOT NULL,
	"quantity" integer NOT NULL,
	"job_id" text,
	"ordered_at" timestamp with time zone DEFAULT now() NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone,
	CONSTRAINT "purchase_orders_quantity_positive" CHECK ("purchase_orders"."quantity" > 0)
);
--> statement-breakpoint
CREATE TABLE "suppliers" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"lead_time_days" integer NOT NULL,
	CONSTRAINT "suppliers_lead_time_non_negative" CHECK ("suppliers"."lead_time_days" >= 0)
);
--> statement-breakpoint
CREATE TABLE "warehouse_events" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"type" text NOT NULL,
	"warehouse_id" text,
	"device" text,
	"occurred_at" timestamp with time zone NOT NULL,
	"reported_by" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "work_centres" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"daily_capacity_minutes" integer NOT NULL,
	CONSTRAINT "work_centres_capacity_positive" CHECK ("work_centres"."daily_capacity_minutes" > 0)
);
--> statement-breakpoint
ALTER TABLE "bill_of_materials" ADD CONSTRAINT "bill_of_materials_sku_products_sku_fk" FOREIGN KEY ("sku") REFERENCES "public"."products"("sku") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bill_of_materials" ADD CONSTRAINT "bill_of_materials_material_id_materials_id_fk" FOREIGN KEY ("material_id") REFERENCES "public"."materials"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspections" ADD CONSTRAINT "inspections_job_id_production_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."production_jobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "job_materials" ADD CONSTRAINT "job_materials_job_id_production_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."production_jobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "job_materials" ADD CONSTRAINT "job_materials_material_id_materials_id_fk" FOREIGN KEY ("material_id") REFERENCES "public"."materials"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "material_receipts" ADD CONSTRAINT "material_receipts_supplier_id_suppliers_id_fk" FOREIGN KEY ("supplier_id") REFERENCES "public"."suppliers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "material_receipts" ADD CONSTRAINT "material_receipts_material_id_materials_id_fk" FOREIGN KEY ("material_id") REFERENCES "public"."materials"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "material_receipts" ADD CONSTRAINT "material_receipts_purchase_order_id_purchase_orders_id_fk" FOREIGN KEY ("purchase_order_id") REFERENCES "public"."purchase_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "materials" ADD CONSTRAINT "materials_supplier_id_suppliers_id_fk" FOREIGN KEY ("supplier_id") REFERENCES "public"."suppliers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "production_events" ADD CONSTRAINT "production_events_job_id_production_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."production_jobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "production_jobs" ADD CONSTRAINT "production_jobs_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "production_jobs" ADD CONSTRAINT "production_jobs_sku_products_sku_fk" FOREIGN KEY ("sku") REFERENCES "public"."products"("sku") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "production_jobs" ADD CONSTRAINT "production_jobs_work_centre_id_work_centres_id_fk" FOREIGN KEY ("work_centre_id") REFERENCES "public"."work_centres"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "production_specs" ADD CONSTRAINT "production_specs_sku_products_sku_fk" FOREIGN KEY ("sku") REFERENCES "public"."products"("sku") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "production_specs" ADD CONSTRAINT "production_specs_work_centre_id_work_centres_id_fk" FOREIGN KEY ("work_centre_id") REFERENCES "public"."work_centres"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "purchase_orders" ADD CONSTRAINT "purchase_orders_supplier_id_suppliers_id_fk" FOREIGN KEY ("supplier_id") REFERENCES "public"."suppliers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "purchase_orders" ADD CONSTRAINT "purchase_orders_material_id_materials_id_fk" FOREIGN KEY ("material_id") REFERENCES "public"."materials"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "warehouse_events" ADD CONSTRAINT "warehouse_events_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "warehouse_events" ADD CONSTRAINT "warehouse_events_warehouse_id_warehouses_id_fk" FOREIGN KEY ("warehouse_id") REFERENCES "public"."warehouses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "inspections_job" ON "inspections" USING btree ("job_id","at");--> statement-breakpoint
CREATE INDEX "material_receipts_supplier" ON "material_receipts" USING btree ("supplier_id","received_at");--> statement-breakpoint
CREATE INDEX "production_events_job" ON "production_events" USING btree ("job_id","occurred_at");--> statement-breakpoint
CREATE INDEX "production_jobs_order" ON "production_jobs" USING btree ("order_id","line_no");--> statement-breakpoint
CREATE INDEX "production_jobs_plan" ON "production_jobs" USING btree ("work_centre_id","status","sequence");--> statement-breakpoint
CREATE INDEX "purchase_orders_open" ON "purchase_orders" USING btree ("supplier_id","material_id","due_at");--> statement-breakpoint
CREATE INDEX "warehouse_events_order" ON "warehouse_events" USING btree ("order_id","occurred_at");