/** Demo work centres, suppliers, materials and how each made-to-order product is made. */
import type { QualityStandard } from '../domain/production.js';

/** The factory's work centres; capacity in working minutes per day. */
export const WORK_CENTRES = [
  { id: 'WC-PRINT', name: 'Print shop', dailyCapacityMinutes: 480 },
  { id: 'WC-EMBROIDERY', name: 'Embroidery', dailyCapacityMinutes: 480 },
  { id: 'WC-WOOD', name: 'Woodshop', dailyCapacityMinutes: 960 },
];

/** Material suppliers and the days an order from each takes to arrive. */
export const SUPPLIERS = [
  { id: 'SUP-TEXTILE', name: 'Lindner Textil', leadTimeDays: 3 },
  { id: 'SUP-INK', name: 'Farbwerk Druckfarben', leadTimeDays: 2 },
  { id: 'SUP-TIMBER', name: 'Nordholz Timber', leadTimeDays: 10 },
  { id: 'SUP-HARDWARE', name: 'Beschlag & Co', leadTimeDays: 5 },
];

const moisture: QualityStandard[number] = { name: 'moisture', unit: '%', min: 6, max: 10 };

/** Raw materials with their stock on hand and the incoming inspection's ranges. */
export const MATERIALS: Array<{
  id: string;
  name: string;
  unit: string;
  supplierId: string;
  onHand: number;
  qualityStandard: QualityStandard;
}> = [
  {
    id: 'MAT-TEE',
    name: 'Blank cotton T-shirt',
    unit: 'pcs',
    supplierId: 'SUP-TEXTILE',
    onHand: 300,
    qualityStandard: [{ name: 'fabric_weight', unit: 'g/m2', min: 170, max: 190 }],
  },
  {
    id: 'MAT-INK',
    name: 'Textile ink',
    unit: 'ml',
    supplierId: 'SUP-INK',
    onHand: 20000,
    qualityStandard: [{ name: 'viscosity', unit: 'Pa·s', min: 8, max: 14 }],
  },
  {
    id: 'MAT-APRON',
    name: 'Blank canvas apron',
    unit: 'pcs',
    supplierId: 'SUP-TEXTILE',
    onHand: 80,
    qualityStandard: [{ name: 'fabric_weight', unit: 'g/m2', min: 320, max: 360 }],
  },
  {
    id: 'MAT-THREAD',
    name: 'Embroidery thread',
    unit: 'm',
    supplierId: 'SUP-TEXTILE',
    onHand: 50000,
    qualityStandard: [{ name: 'tensile_strength', unit: 'N', min: 12, max: 30 }],
  },
  {
    id: 'MAT-OAK',
    name: 'Oak board 40 mm',
    unit: 'boards',
    supplierId: 'SUP-TIMBER',
    onHand: 60,
    qualityStandard: [moisture, { name: 'thickness', unit: 'mm', min: 39, max: 41 }],
  },
  {
    id: 'MAT-WALNUT',
    name: 'Walnut board 25 mm',
    unit: 'boards',
    supplierId: 'SUP-TIMBER',
    onHand: 8,
    qualityStandard: [moisture, { name: 'thickness', unit: 'mm', min: 24, max: 26 }],
  },
  {
    id: 'MAT-HARDWARE',
    name: 'Hinge and fitting kit',
    unit: 'kits',
    supplierId: 'SUP-HARDWARE',
    onHand: 40,
    qualityStandard: [{ name: 'hinge_torque', unit: 'N·m', min: 1.5, max: 3 }],
  },
  {
    id: 'MAT-OIL',
    name: 'Hardwax oil',
    unit: 'ml',
    supplierId: 'SUP-HARDWARE',
    onHand: 10000,
    qualityStandard: [{ name: 'viscosity', unit: 'Pa·s', min: 0.5, max: 2 }],
  },
];

/** How each made-to-order product is made and the ranges its finished goods must meet. */
export const PRODUCTION_SPECS: Array<{
  sku: string;
  workCentreId: string;
  minutesPerUnit: number;
  qualityStandard: QualityStandard;
}> = [
  {
    sku: 'APP-003',
    workCentreId: 'WC-PRINT',
    minutesPerUnit: 15,
    qualityStandard: [
      { name: 'print_offset', unit: 'mm', min: 0, max: 2 },
      { name: 'colour_delta_e', unit: 'ΔE', min: 0, max: 3 },
    ],
  },
  {
    sku: 'APP-004',
    workCentreId: 'WC-EMBROIDERY',
    minutesPerUnit: 40,
    qualityStandard: [
      { name: 'stitch_density', unit: 'stitches/cm', min: 8, max: 12 },
      { name: 'loose_threads', unit: 'count', min: 0, max: 2 },
    ],
  },
  {
    sku: 'FUR-001',
    workCentreId: 'WC-WOOD',
    minutesPerUnit: 480,
    qualityStandard: [
      { name: 'top_flatness', unit: 'mm', min: 0, max: 0.5 },
      { name: 'leg_height_deviation', unit: 'mm', min: 0, max: 1 },
      moisture,
    ],
  },
  {
    sku: 'FUR-002',
    workCentreId: 'WC-WOOD',
    minutesPerUnit: 900,
    qualityStandard: [
      { name: 'door_gap', unit: 'mm', min: 1.5, max: 3 },
      { name: 'finish_gloss', unit: 'GU', min: 20, max: 40 },
      moisture,
    ],
  },
];

/** Material per unit of each made-to-order product. */
export const BILL_OF_MATERIALS = [
  { sku: 'APP-003', materialId: 'MAT-TEE', quantityPerUnit: 1 },
  { sku: 'APP-003', materialId: 'MAT-INK', quantityPerUnit: 40 },
  { sku: 'APP-004', materialId: 'MAT-APRON', quantityPerUnit: 1 },
  { sku: 'APP-004', materialId: 'MAT-THREAD', quantityPerUnit: 120 },
  { sku: 'FUR-001', materialId: 'MAT-OAK', quantityPerUnit: 6 },
  { sku: 'FUR-001', materialId: 'MAT-HARDWARE', quantityPerUnit: 1 },
  { sku: 'FUR-001', materialId: 'MAT-OIL', quantityPerUnit: 250 },
  { sku: 'FUR-002', materialId: 'MAT-WALNUT', quantityPerUnit: 10 },
  { sku: 'FUR-002', materialId: 'MAT-HARDWARE', quantityPerUnit: 4 },
  { sku: 'FUR-002', materialId: 'MAT-OIL', quantityPerUnit: 400 },
];
