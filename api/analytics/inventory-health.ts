import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { assessStock, byRisk, STOCK_POLICY, STOCK_RISKS, type StockRisk } from '../../domain/stock-health.js';
import { orderOutcomes } from '../../db/schema.js';
import { AnalyticsFilterSchema, placedMatching } from './filters.js';

const DAY_MS = 86_400_000;

/** The demand window when the query names none: the last 30 days up to now. */
export const DEFAULT_WINDOW_DAYS = 30;

/** The inventory view's query: the demand window and order filters of every analytics route, plus category and risk. */
export const InventoryHealthFilterSchema = AnalyticsFilterSchema.safeExtend({
  category: z
    .string()
    .regex(/^[a-z0-9_-]{1,40}$/, 'must be a product category such as tea')
    .describe('Products of this category only')
    .optional(),
  risk: z.enum(STOCK_RISKS).describe('Products at this risk only').optional(),
});

/** A parsed inventory view query. */
export type InventoryHealthFilter = z.infer<typeof InventoryHealthFilterSchema>;

/** One stocked product's stock, demand and reordering verdict. */
export interface StockHealth {
  sku: string;
  name: string;
  category: string;
  supplierId: string | null;
  available: number;
  onHand: number;
  unitsOrdered: number;
  dailyDemand: number;
  leadTimeDays: number;
  reorderPoint: number;
  suggestedQuantity: number;
  risk: StockRisk;
}

/** The inventory view over one demand window. */
export interface InventoryHealth {
  from: string;
  to: string;
  windowDays: number;
  items: StockHealth[];
}

interface Row extends Record<string, unknown> {
  sku: string;
  name: string;
  category: string;
  supplier_id: string | null;
  lead_time_days: number | null;
  available: number;
  on_hand: number;
  units_ordered: number;
}

/** The window in which orders placed count as demand. */
export interface DemandWindow {
  from: Date;
  to: Date;
}

/** The window the query names, or the last 30 days up to now; a missing end is now, a missing start 30 days before the end. */
export function demandWindow(filter: InventoryHealthFilter, now: Date): DemandWindow {
  const to = filter.to ? new Date(filter.to) : now;
  const from = filter.from ? new Date(filter.from) : new Date(to.getTime() - DEFAULT_WINDOW_DAYS * DAY_MS);
  return { from, to };
}

/**
 * Every active stocked product (not made to order) with what a regular order can take now, the units ordered
 * in the window and its supplier's lead time, in one statement; then the stock health rules, most urgent risk
 * first and by SKU within a risk. Demand counts the lines of orders placed in the window except orders that
 * ended (cancelled or failed) without a captured payment (`order_outcomes.paid`): those took no stock and are often
 * placed again.
 */
export async function readInventoryHealth(
  db: Database,
  filter: InventoryHealthFilter,
  { from, to }: DemandWindow,
): Promise<InventoryHealth> {
  const placed = placedMatching({ ...filter, from: from.toISOString(), to: to.toISOString() }, orderOutcomes);
  const rows = await db.execute<Row>(sql`
    with demand as (
      select l.sku, sum(l.quantity)::int as units
      from ${orderOutcomes}
      join orders on orders.id = ${orderOutcomes.orderId}
      join order_lines l on l.order_id = ${orderOutcomes.orderId}
      where ${placed}
        and (orders.status not in ('cancelled', 'failed') or ${orderOutcomes.paid})
      group by l.sku
    ),
    stock as (
      -- Lots in a warehouse that may not ship the category are on hand but never available.
      select lots.sku, sum(lots.on_hand)::int as on_hand,
        coalesce(sum(lots.on_hand - lots.reserved) filter (where w.id is not null), 0)::int as sellable
      from stock_lots lots
      join products p on p.sku = lots.sku
      left join warehouses w on w.id = lots.warehouse_id and p.category = any(w.categories)
      group by lots.sku
    )
    select p.sku, p.name, p.category, p.supplier_id, s.lead_time_days,
      greatest(0, coalesce(stock.sellable, 0) - p.urgent_reserve)::int as available,
      coalesce(stock.on_hand, 0)::int as on_hand,
      coalesce(demand.units, 0)::int as units_ordered
    from products p
    left join suppliers s on s.id = p.supplier_id
    left join stock on stock.sku = p.sku
    left join demand on demand.sku = p.sku
    where p.active and not p.made_to_order ${filter.category ? sql`and p.category = ${filter.category}` : sql``}
    order by p.sku`);

  const windowDays = (to.getTime() - from.getTime()) / DAY_MS;
  const items = rows
    .map((row): StockHealth => {
      const leadTimeDays = row.lead_time_days ?? STOCK_POLICY.leadTimeWithoutSupplierDays;
      const verdict = assessStock({
        available: Number(row.available),
        unitsOrdered: Number(row.units_ordered),
        windowDays,
        leadTimeDays,
      });
      return {
        sku: row.sku,
        name: row.name,
        category: row.category,
        supplierId: row.supplier_id,
        available: Number(row.available),
        onHand: Number(row.on_hand),
        unitsOrdered: Number(row.units_ordered),
        leadTimeDays,
        ...verdict,
      };
    })
    .filter((item) => !filter.risk || item.risk === filter.risk)
    .sort(byRisk);
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    windowDays,
    items,
  };
}
