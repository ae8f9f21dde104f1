import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env.js';
import { DEFAULT_FEES, feeFor, periodBefore, settlementId } from '../../domain/settlement.js';

describe('periodBefore', () => {
  it('is the whole day, week (Monday to Monday) or month that ended before the moment, in UTC', () => {
    const at = new Date('2026-03-04T00:10:00Z'); // a Wednesday
    expect(periodBefore('daily', at)).toEqual({
      periodStart: '2026-03-03T00:00:00.000Z',
      periodEnd: '2026-03-04T00:00:00.000Z',
    });
    expect(periodBefore('weekly', at)).toEqual({
      periodStart: '2026-02-23T00:00:00.000Z',
      periodEnd: '2026-03-02T00:00:00.000Z',
    });
    expect(periodBefore('monthly', at)).toEqual({
      periodStart: '2026-02-01T00:00:00.000Z',
      periodEnd: '2026-03-01T00:00:00.000Z',
    });
  });

  it('crosses year ends and treats a Monday as the end of last week', () => {
    const monday = new Date('2027-01-04T00:10:00Z');
    expect(periodBefore('weekly', monday)).toEqual({
      periodStart: '2026-12-28T00:00:00.000Z',
      periodEnd: '2027-01-04T00:00:00.000Z',
    });
    expect(periodBefore('monthly', new Date('2027-01-01T00:10:00Z'))).toEqual({
      periodStart: '2026-12-01T00:00:00.000Z',
      periodEnd: '2027-01-01T00:00:00.000Z',
    });
    expect(periodBefore('daily', new Date('2028-03-01T23:59:59Z')).periodStart).toBe('2028-02-29T00:00:00.000Z');
  });
});

describe('feeFor', () => {
  it('charges captures the method’s share rounded half up plus the fixed part, refunds nothing and chargebacks a flat fee', () => {
    expect(feeFor('capture', 10_000, 'credit_card', DEFAULT_FEES)).toBe(290 + 30);
    // 2.9 % of 1_017 is 29.493 → 29; of 1_018 is 29.522 → 30.
    expect(feeFor('capture', 1_017, 'credit_card', DEFAULT_FEES)).toBe(29 + 30);
    expect(feeFor('capture', 1_018, 'credit_card', DEFAULT_FEES)).toBe(30 + 30);
    expect(feeFor('capture', 10_000, 'wallet', DEFAULT_FEES)).toBe(340);
    expect(feeFor('refund', 10_000, 'credit_card', DEFAULT_FEES)).toBe(0);
    expect(feeFor('chargeback', 10_000, 'debit_card', DEFAULT_FEES)).toBe(1_500);
  });

  it('reads the table from SETTLEMENT_FEES, keeping the defaults of methods not named, and refuses a bad entry by name', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      SETTLEMENT_FEES: 'wallet:1.25%+5',
      SETTLEMENT_CHARGEBACK_FEE: '900',
    });
    expect(config.settlement.fees).toEqual({
      byMethod: { ...DEFAULT_FEES.byMethod, wallet: { basisPoints: 125, fixed: 5 } },
      chargeback: 900,
    });
    expect(() => loadConfig({ NODE_ENV: 'test', SETTLEMENT_FEES: 'cash:1%' })).toThrow(
      /SETTLEMENT_FEES: entries are method:percent%\+fixed/,
    );
    expect(() => loadConfig({ NODE_ENV: 'test', SETTLEMENT_CYCLES: 'daily,hourly' })).toThrow(/SETTLEMENT_CYCLES/);
    expect(loadConfig({ NODE_ENV: 'test', SETTLEMENT_CYCLES: '' }).settlement.cycles).toEqual([]);
    expect(loadConfig({ NODE_ENV: 'test' }).settlement.cycles).toEqual(['daily']);
  });
});

describe('settlementId', () => {
  it('is the same for the same cycle, period and currency however the times are written', () => {
    const id = settlementId({
      cycle: 'daily',
      periodStart: '2026-03-03T00:00:00Z',
      periodEnd: '2026-03-04T00:00:00.000Z',
      currency: 'EUR',
    });
    expect(id).toBe('stl_daily_20260303T000000Z_20260304T000000Z_EUR');
    expect(
      settlementId({
        cycle: 'daily',
        periodStart: '2026-03-03T01:00:00+01:00',
        periodEnd: '2026-03-04T00:00:00Z',
        currency: 'EUR',
      }),
    ).toBe(id);
    expect(
      settlementId({
        cycle: 'weekly',
        periodStart: '2026-03-03T00:00:00Z',
        periodEnd: '2026-03-04T00:00:00Z',
        currency: 'EUR',
      }),
    ).not.toBe(id);
  });
});
