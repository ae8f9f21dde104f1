-- The analytics read models (order_stage_spans, order_outcomes) follow the timeline inside the transaction that
-- writes it, whoever writes it: every insert into order_events recomputes the touched orders from their whole
-- timeline, so entries arriving out of order or in bulk give the same rows as one written at a time.

-- Stage spans as GET /v1/analytics/stages defines them: an order enters a stage at the first entry with that
-- status after one with another status (or its first entry) and leaves it at the next entry whose status
-- differs; the warehouse's pick and pack scans split ready_to_ship into picked and packed; final statuses are
-- not stages (they only end the stage before them).
CREATE VIEW order_stage_spans_derived AS
SELECT order_id, entered_seq, stage, entered_at, left_at,
  (floor(extract(epoch FROM left_at) * 1000) - floor(extract(epoch FROM entered_at) * 1000))::bigint AS duration_ms
FROM (
  SELECT order_id, seq AS entered_seq, status AS stage, at AS entered_at,
    lead(at) OVER (PARTITION BY order_id ORDER BY seq) AS left_at
  FROM (
    SELECT order_id, seq, status, at, lag(status) OVER (PARTITION BY order_id ORDER BY seq) AS previous_status
    FROM (
      SELECT order_id, seq, at,
        CASE WHEN status = 'ready_to_ship' AND scan = 2 THEN 'packed'
             WHEN status = 'ready_to_ship' AND scan = 1 THEN 'picked'
             ELSE status END AS status
      FROM (
        SELECT order_id, seq, status, at,
          max(CASE name WHEN 'warehouse_picked' THEN 1 WHEN 'warehouse_packed' THEN 2 ELSE 0 END)
            OVER (PARTITION BY order_id ORDER BY seq) AS scan
        FROM order_events
      ) scanned
    ) staged
  ) entries
  WHERE previous_status IS DISTINCT FROM status
) spans
WHERE stage NOT IN ('completed', 'cancelled', 'returned', 'failed');
--> statement-breakpoint
-- What each timeline reached, as the funnel, exceptions and inventory answers read it. The cancellation fields
-- describe the last order_cancelled milestone: its reason, whether it was asked through the API
-- (detail.requestedBy) and the status of the entry before it ('received' when none); null without one.
CREATE VIEW order_outcomes_derived AS
SELECT order_id,
  coalesce(bool_or(kind = 'milestone' AND name = 'payment_captured'), false) AS paid,
  coalesce(bool_or(kind = 'milestone' AND name = 'parcel_picked_up'), false) AS shipped,
  coalesce(bool_or(kind = 'milestone' AND name = 'parcel_delivered'), false) AS delivered,
  coalesce(bool_or(kind = 'milestone' AND name = 'order_completed'), false) AS completed,
  coalesce(bool_or(kind = 'milestone' AND name = 'order_cancelled'), false) AS cancelled,
  coalesce(bool_or(kind = 'milestone' AND name = 'order_returned'), false) AS returned,
  coalesce(bool_or(kind = 'milestone' AND name = 'order_failed'), false) AS failed,
  coalesce(bool_or(kind = 'milestone' AND name = 'order_on_hold'), false) AS on_hold,
  coalesce(bool_or(kind = 'milestone' AND name = 'stock_short'), false) AS short,
  coalesce(bool_or(kind = 'note' AND name = 'order_split'), false) AS split,
  coalesce(bool_or(kind = 'note' AND name = 'products_substituted'), false) AS substituted,
  coalesce(bool_or(kind = 'note' AND name = 'backordered'), false) AS backordered,
  (count(*) FILTER (WHERE kind = 'note' AND name = 'payment_failed'))::int AS payment_failures,
  coalesce(bool_or(kind = 'flag' AND name = 'parcel_late'), false) AS parcel_late,
  coalesce(bool_or(kind = 'flag' AND name = 'production_late'), false) AS production_late,
  (array_agg(reason ORDER BY seq DESC) FILTER (WHERE kind = 'milestone' AND name = 'order_cancelled'))[1] AS cancel_reason,
  (array_agg(coalesce(detail ? 'requestedBy', false) ORDER BY seq DESC)
    FILTER (WHERE kind = 'milestone' AND name = 'order_cancelled'))[1] AS cancel_requested,
  (array_agg(coalesce(previous_status, 'received') ORDER BY seq DESC)
    FILTER (WHERE kind = 'milestone' AND name = 'order_cancelled'))[1] AS cancel_stage
FROM (
  SELECT order_id, seq, kind, name, reason, detail, lag(status) OVER (PARTITION BY order_id ORDER BY seq) AS previous_status
  FROM order_events
) entries
GROUP BY order_id;
--> statement-breakpoint
-- Recomputes both read models for these orders from their whole timelines.
CREATE FUNCTION order_analytics_refresh(ids text[]) RETURNS void AS $$
DECLARE
  -- A few orders: their entries through the index; many (a backfill, a bulk load): one pass over the timeline.
  touched text := CASE WHEN cardinality(ids) <= 1000 THEN 'd.order_id = ANY($1)' ELSE 'd.order_id IN (SELECT unnest($1))' END;
BEGIN
  -- One recomputation at a time per order (in id order, so writers never deadlock), and each sees every
  -- entry committed before it: two entries of one order written concurrently cannot hide each other.
  PERFORM 1 FROM orders WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
  DELETE FROM order_stage_spans WHERE order_id = ANY(ids);
  EXECUTE 'INSERT INTO order_stage_spans (order_id, entered_seq, stage, entered_at, left_at, duration_ms,
      order_type, channel, carrier_id, placed_at)
    SELECT d.order_id, d.entered_seq, d.stage, d.entered_at, d.left_at, d.duration_ms, o.type, o.channel, s.carrier_id, o.created_at
    FROM order_stage_spans_derived d
    JOIN orders o ON o.id = d.order_id
    LEFT JOIN shipments s ON s.order_id = d.order_id
    WHERE ' || touched USING ids;
  EXECUTE 'INSERT INTO order_outcomes (order_id, order_type, channel, placed_at, paid, shipped, delivered, completed,
      cancelled, returned, failed, on_hold, short, split, substituted, backordered, payment_failures, parcel_late,
      production_late, cancel_reason, cancel_requested, cancel_stage)
    SELECT d.order_id, o.type, o.channel, o.created_at, d.paid, d.shipped, d.delivered, d.completed,
      d.cancelled, d.returned, d.failed, d.on_hold, d.short, d.split, d.substituted, d.backordered, d.payment_failures,
      d.parcel_late, d.production_late, d.cancel_reason, d.cancel_requested, d.cancel_stage
    FROM order_outcomes_derived d
    JOIN orders o ON o.id = d.order_id
    WHERE ' || touched || '
    ON CONFLICT (order_id) DO UPDATE SET paid = excluded.paid, shipped = excluded.shipped,
      delivered = excluded.delivered, completed = excluded.completed, cancelled = excluded.cancelled,
      returned = excluded.returned, failed = excluded.failed, on_hold = excluded.on_hold, short = excluded.short,
      split = excluded.split, substituted = excluded.substituted, backordered = excluded.backordered,
      payment_failures = excluded.payment_failures, parcel_late = excluded.parcel_late,
      production_late = excluded.production_late, cancel_reason = excluded.cancel_reason,
      cancel_requested = excluded.cancel_requested, cancel_stage = excluded.cancel_stage' USING ids;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE FUNCTION order_events_refresh_analytics() RETURNS trigger AS $$
BEGIN
  PERFORM order_analytics_refresh(ARRAY(SELECT DISTINCT order_id FROM inserted_events ORDER BY 1));
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER order_events_analytics AFTER INSERT ON order_events
  REFERENCING NEW TABLE AS inserted_events FOR EACH STATEMENT EXECUTE FUNCTION order_events_refresh_analytics();
--> statement-breakpoint
-- Every order has its outcome row from placement, so the answers count orders whose timeline is still empty.
CREATE FUNCTION orders_add_outcomes() RETURNS trigger AS $$
BEGIN
  INSERT INTO order_outcomes (order_id, order_type, channel, placed_at)
  SELECT id, type, channel, created_at FROM inserted_orders
  ON CONFLICT (order_id) DO NOTHING;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER orders_analytics_outcomes AFTER INSERT ON orders
  REFERENCING NEW TABLE AS inserted_orders FOR EACH STATEMENT EXECUTE FUNCTION orders_add_outcomes();
--> statement-breakpoint
-- The fields the answers filter by follow the order and its parcel.
CREATE FUNCTION orders_copy_analytics_fields() RETURNS trigger AS $$
BEGIN
  UPDATE order_stage_spans SET order_type = NEW.type, channel = NEW.channel, placed_at = NEW.created_at
  WHERE order_id = NEW.id;
  UPDATE order_outcomes SET order_type = NEW.type, channel = NEW.channel, placed_at = NEW.created_at
  WHERE order_id = NEW.id;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER orders_analytics_fields AFTER UPDATE OF type, channel, created_at ON orders
  FOR EACH ROW WHEN (OLD.type IS DISTINCT FROM NEW.type OR OLD.channel IS DISTINCT FROM NEW.channel
    OR OLD.created_at IS DISTINCT FROM NEW.created_at)
  EXECUTE FUNCTION orders_copy_analytics_fields();
--> statement-breakpoint
CREATE FUNCTION shipments_copy_carrier() RETURNS trigger AS $$
BEGIN
  UPDATE order_stage_spans s SET carrier_id = n.carrier_id
  FROM new_shipments n
  WHERE s.order_id = n.order_id AND s.carrier_id IS DISTINCT FROM n.carrier_id;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER shipments_analytics_carrier_insert AFTER INSERT ON shipments
  REFERENCING NEW TABLE AS new_shipments FOR EACH STATEMENT EXECUTE FUNCTION shipments_copy_carrier();
--> statement-breakpoint
CREATE TRIGGER shipments_analytics_carrier_update AFTER UPDATE ON shipments
  REFERENCING NEW TABLE AS new_shipments FOR EACH STATEMENT EXECUTE FUNCTION shipments_copy_carrier();
--> statement-breakpoint
CREATE FUNCTION shipments_forget_carrier() RETURNS trigger AS $$
BEGIN
  UPDATE order_stage_spans SET carrier_id = NULL WHERE order_id = OLD.order_id;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER shipments_analytics_carrier_delete AFTER DELETE ON shipments
  FOR EACH ROW EXECUTE FUNCTION shipments_forget_carrier();
--> statement-breakpoint
-- Backfill: every order's outcome row, then both read models from the timelines written so far.
INSERT INTO order_outcomes (order_id, order_type, channel, placed_at)
SELECT id, type, channel, created_at FROM orders
ON CONFLICT (order_id) DO NOTHING;
--> statement-breakpoint
SELECT order_analytics_refresh(ARRAY(SELECT DISTINCT order_id FROM order_events ORDER BY 1));
