/** Demo catalog, warehouses, stock, carriers and customers; prices in euro cents. */

type Product = {
  sku: string;
  name: string;
  category: string;
  priceMinor: number;
  weightGrams: number;
  volumeCm3: number;
  madeToOrder?: boolean;
};

/** 24 products in 5 categories; furniture and prints are made to order. */
export const PRODUCTS: Product[] = [
  {
    sku: 'TEA-001',
    name: 'Sencha green tea 100 g',
    category: 'tea',
    priceMinor: 890,
    weightGrams: 120,
    volumeCm3: 600,
  },
  {
    sku: 'TEA-002',
    name: 'Assam black tea 250 g',
    category: 'tea',
    priceMinor: 1290,
    weightGrams: 280,
    volumeCm3: 1200,
  },
  { sku: 'TEA-003', name: 'Rooibos vanilla 100 g', category: 'tea', priceMinor: 790, weightGrams: 120, volumeCm3: 600 },
  {
    sku: 'TEA-004',
    name: 'Oolong Tie Guan Yin 50 g',
    category: 'tea',
    priceMinor: 1690,
    weightGrams: 70,
    volumeCm3: 400,
  },
  {
    sku: 'TEA-005',
    name: 'Matcha ceremonial 30 g',
    category: 'tea',
    priceMinor: 2490,
    weightGrams: 60,
    volumeCm3: 250,
  },
  {
    sku: 'COF-001',
    name: 'Espresso beans 1 kg',
    category: 'coffee',
    priceMinor: 2490,
    weightGrams: 1050,
    volumeCm3: 3000,
  },
  {
    sku: 'COF-002',
    name: 'Filter coffee ground 500 g',
    category: 'coffee',
    priceMinor: 1190,
    weightGrams: 540,
    volumeCm3: 1500,
  },
  {
    sku: 'COF-003',
    name: 'Decaf beans 500 g',
    category: 'coffee',
    priceMinor: 1390,
    weightGrams: 540,
    volumeCm3: 1500,
  },
  {
    sku: 'COF-004',
    name: 'Single origin Ethiopia 250 g',
    category: 'coffee',
    priceMinor: 1590,
    weightGrams: 280,
    volumeCm3: 800,
  },
  {
    sku: 'COF-005',
    name: 'Cold brew pack 6 × 250 ml',
    category: 'coffee',
    priceMinor: 1490,
    weightGrams: 1700,
    volumeCm3: 2200,
  },
  {
    sku: 'ACC-001',
    name: 'Glass teapot 1 l',
    category: 'accessories',
    priceMinor: 3490,
    weightGrams: 900,
    volumeCm3: 4500,
  },
  {
    sku: 'ACC-002',
    name: 'Hand grinder',
    category: 'accessories',
    priceMinor: 5990,
    weightGrams: 700,
    volumeCm3: 2000,
  },
  {
    sku: 'ACC-003',
    name: 'Pour-over dripper',
    category: 'accessories',
    priceMinor: 2290,
    weightGrams: 400,
    volumeCm3: 1800,
  },
  {
    sku: 'ACC-004',
    name: 'Gooseneck kettle',
    category: 'accessories',
    priceMinor: 6990,
    weightGrams: 1200,
    volumeCm3: 6000,
  },
  {
    sku: 'ACC-005',
    name: 'Ceramic cup set of 4',
    category: 'accessories',
    priceMinor: 3990,
    weightGrams: 1600,
    volumeCm3: 5000,
  },
  {
    sku: 'ACC-006',
    name: 'Paper filters × 100',
    category: 'accessories',
    priceMinor: 590,
    weightGrams: 150,
    volumeCm3: 700,
  },
  { sku: 'APP-001', name: 'Barista apron', category: 'apparel', priceMinor: 2990, weightGrams: 350, volumeCm3: 1500 },
  { sku: 'APP-002', name: 'Logo T-shirt', category: 'apparel', priceMinor: 1990, weightGrams: 200, volumeCm3: 1000 },
  {
    sku: 'APP-003',
    name: 'Custom printed T-shirt',
    category: 'apparel',
    priceMinor: 3490,
    weightGrams: 200,
    volumeCm3: 1000,
    madeToOrder: true,
  },
  {
    sku: 'APP-004',
    name: 'Embroidered apron',
    category: 'apparel',
    priceMinor: 4990,
    weightGrams: 380,
    volumeCm3: 1500,
    madeToOrder: true,
  },
  {
    sku: 'FUR-001',
    name: 'Oak tea table',
    category: 'furniture',
    priceMinor: 48900,
    weightGrams: 18000,
    volumeCm3: 180000,
    madeToOrder: true,
  },
  {
    sku: 'FUR-002',
    name: 'Walnut coffee bar cabinet',
    category: 'furniture',
    priceMinor: 129000,
    weightGrams: 45000,
    volumeCm3: 600000,
    madeToOrder: true,
  },
  { sku: 'FUR-003', name: 'Bamboo tray', category: 'furniture', priceMinor: 3990, weightGrams: 800, volumeCm3: 6000 },
  {
    sku: 'FUR-004',
    name: 'Wall shelf for cups',
    category: 'furniture',
    priceMinor: 7990,
    weightGrams: 3000,
    volumeCm3: 30000,
  },
];

/** Suppliers of the stocked (not made-to-order) products and the days an order from each takes to arrive. */
export const PRODUCT_SUPPLIERS = [
  { id: 'SUP-TEAHOUSE', name: 'Hamburger Teekontor', leadTimeDays: 14 },
  { id: 'SUP-ROASTERY', name: 'Rösterei Nordlicht', leadTimeDays: 7 },
  { id: 'SUP-BREWGEAR', name: 'Brühwerk Zubehör', leadTimeDays: 21 },
  { id: 'SUP-APPAREL', name: 'Stoffwerk Bekleidung', leadTimeDays: 10 },
  { id: 'SUP-HOMEWARE', name: 'Bambus & Holz Handel', leadTimeDays: 30 },
];

/** The supplier that restocks each stocked category. */
export const SUPPLIER_BY_CATEGORY: Record<string, string> = {
  tea: 'SUP-TEAHOUSE',
  coffee: 'SUP-ROASTERY',
  accessories: 'SUP-BREWGEAR',
  apparel: 'SUP-APPAREL',
  furniture: 'SUP-HOMEWARE',
};

/** Units of each stocked product held back for urgent orders. */
export const URGENT_RESERVE = 3;

/** Which categories each warehouse may ship. */
export const WAREHOUSES = [
  { id: 'WH-BER', name: 'Berlin central', categories: ['tea', 'coffee', 'accessories'] },
  { id: 'WH-HAM', name: 'Hamburg port', categories: ['coffee', 'accessories', 'apparel'] },
  { id: 'WH-MUC', name: 'Munich workshop', categories: ['furniture', 'apparel'] },
];

const day = 24 * 3600 * 1000;
const epoch = Date.UTC(2026, 0, 5);

/** Two or three lots per stocked product, older lots first in FIFO. */
export function stockLots(): Array<{
  sku: string;
  warehouseId: string;
  lotCode: string;
  receivedAt: Date;
  onHand: number;
}> {
  const lots: ReturnType<typeof stockLots> = [];
  PRODUCTS.forEach((product, index) => {
    const servers = WAREHOUSES.filter((w) => w.categories.includes(product.category));
    const onHandBase = product.madeToOrder ? 0 : product.category === 'furniture' ? 8 : 40;
    if (onHandBase === 0) return;
    servers.forEach((warehouse, wIndex) => {
      for (let lot = 0; lot < 2; lot += 1) {
        lots.push({
          sku: product.sku,
          warehouseId: warehouse.id,
          lotCode: `${product.sku}-${warehouse.id}-L${lot + 1}`,
          receivedAt: new Date(epoch + (index + lot * 30 + wIndex * 7) * day),
          onHand: onHandBase + ((index * 7 + lot * 5) % 13),
        });
      }
    });
  });
  return lots;
}

/** Three carriers, each with standard and express bands. */
export const CARRIERS = [
  { id: 'swiftpost', name: 'SwiftPost' },
  { id: 'parcelnet', name: 'ParcelNet' },
  { id: 'expressline', name: 'ExpressLine' },
];

/** Rate bands: every band whose limits fit the parcel is a candidate; carrier choice takes the cheapest in time. */
export const CARRIER_RATES = [
  {
    carrierId: 'swiftpost',
    service: 'standard' as const,
    maxWeightGrams: 5_000,
    maxVolumeCm3: 50_000,
    baseFee: 450,
    perKgFee: 60,
    transitDays: 3,
  },
  {
    carrierId: 'swiftpost',
    service: 'standard' as const,
    maxWeightGrams: 31_500,
    maxVolumeCm3: 250_000,
    baseFee: 890,
    perKgFee: 45,
    transitDays: 4,
  },
  {
    carrierId: 'swiftpost',
    service: 'express' as const,
    maxWeightGrams: 10_000,
    maxVolumeCm3: 80_000,
    baseFee: 1290,
    perKgFee: 90,
    transitDays: 1,
  },
  {
    carrierId: 'parcelnet',
    service: 'standard' as const,
    maxWeightGrams: 10_000,
    maxVolumeCm3: 100_000,
    baseFee: 390,
    perKgFee: 70,
    transitDays: 4,
  },
  {
    carrierId: 'parcelnet',
    service: 'express' as const,
    maxWeightGrams: 20_000,
    maxVolumeCm3: 150_000,
    baseFee: 1490,
    perKgFee: 70,
    transitDays: 1,
  },
  {
    carrierId: 'expressline',
    service: 'standard' as const,
    maxWeightGrams: 70_000,
    maxVolumeCm3: 1_000_000,
    baseFee: 2900,
    perKgFee: 35,
    transitDays: 5,
  },
  {
    carrierId: 'expressline',
    service: 'express' as const,
    maxWeightGrams: 70_000,
    maxVolumeCm3: 1_000_000,
    baseFee: 4900,
    perKgFee: 55,
    transitDays: 2,
  },
];

/** Known customers across the membership levels. */
export const CUSTOMERS = [
  {
    id: 'cus_ada',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    phone: '+44 20 7946 0001',
    memberLevel: 'platinum' as const,
    points: 5_000,
  },
  {
    id: 'cus_grace',
    name: 'Grace Hopper',
    email: 'grace@example.com',
    phone: '+1 202 555 0142',
    memberLevel: 'gold' as const,
    points: 1_200,
  },
  {
    id: 'cus_alan',
    name: 'Alan Turing',
    email: 'alan@example.com',
    phone: '+44 20 7946 0002',
    memberLevel: 'silver' as const,
    points: 300,
  },
  {
    id: 'cus_linus',
    name: 'Linus Pauling',
    email: 'linus@example.com',
    phone: '+1 503 555 0199',
    memberLevel: 'standard' as const,
    points: 0,
  },
  {
    id: 'cus_mei',
    name: 'Mei Chen',
    email: 'mei@example.com',
    phone: '+86 21 5555 0123',
    memberLevel: 'gold' as const,
    points: 800,
  },
];
