import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  planOrder,
  remainingMinutes,
  scheduleWorkCentre,
  type ScheduledJob,
} from '../../domain/production-schedule.js';

const NOW = '2026-03-02T09:00:00.000Z';

/** A planned regular job of `minutes` whose material is there now. */
function job(id: string, minutes: number, overrides: Partial<ScheduledJob> = {}): ScheduledJob {
  return {
    id,
    urgent: false,
    status: 'planned',
    sequence: Number(id.replace(/\D/g, '')) || 1,
    minutes,
    progress: 0,
    materialReadyAt: NOW,
    plannedStart: NOW,
    plannedEnd: NOW,
    ...overrides,
  };
}

const times = (id: string, plannedStart: string, plannedEnd: string) => ({ id, plannedStart, plannedEnd });

describe('scheduleWorkCentre', () => {
  it('runs jobs one after another and spills their minutes over into the next days from 08:00', () => {
    // 08:00–16:00 every day: 420 minutes left on the first day, then the rest the next morning.
    const plan = scheduleWorkCentre({
      now: NOW,
      dailyCapacityMinutes: 480,
      jobs: [job('J1', 600), job('J2', 300), job('J3', 60)],
    });
    expect(plan).toEqual([
      times('J1', '2026-03-02T09:00:00.000Z', '2026-03-03T11:00:00.000Z'),
      // Ends exactly when the day's working time does ...
      times('J2', '2026-03-03T11:00:00.000Z', '2026-03-03T16:00:00.000Z'),
      // ... so the next job starts the next morning, a Wednesday, like any other day.
      times('J3', '2026-03-04T08:00:00.000Z', '2026-03-04T09:00:00.000Z'),
    ]);
  });

  it('starts at the next working minute: before 08:00, after the day is over, and in whole minutes', () => {
    const one = (now: string) =>
      scheduleWorkCentre({ now, dailyCapacityMinutes: 480, jobs: [job('J1', 30, { materialReadyAt: now })] })[0];
    expect(one('2026-03-02T06:30:00.000Z')).toEqual(
      times('J1', '2026-03-02T08:00:00.000Z', '2026-03-02T08:30:00.000Z'),
    );
    expect(one('2026-03-02T16:00:00.000Z')).toEqual(
      times('J1', '2026-03-03T08:00:00.000Z', '2026-03-03T08:30:00.000Z'),
    );
    expect(one('2026-03-02T10:15:30.500Z')).toEqual(
      times('J1', '2026-03-02T10:16:00.000Z', '2026-03-02T10:46:00.000Z'),
    );
    // Working time past midnight belongs to the day it started on: Monday's 20 hours end Tuesday 04:00.
    expect(
      scheduleWorkCentre({
        now: '2026-03-03T02:00:00.000Z',
        dailyCapacityMinutes: 1_200,
        jobs: [job('J1', 180, { materialReadyAt: '2026-03-03T02:00:00.000Z' })],
      }),
    ).toEqual([times('J1', '2026-03-03T02:00:00.000Z', '2026-03-03T09:00:00.000Z')]);
  });

  it('waits for material: a job never starts before its material is ready, and later jobs wait behind it', () => {
    const plan = scheduleWorkCentre({
      now: NOW,
      dailyCapacityMinutes: 480,
      jobs: [job('J1', 60), job('J2', 120, { materialReadyAt: '2026-03-04T15:30:00.000Z' }), job('J3', 60)],
    });
    expect(plan).toEqual([
      times('J1', '2026-03-02T09:00:00.000Z', '2026-03-02T10:00:00.000Z'),
      times('J2', '2026-03-04T15:30:00.000Z', '2026-03-05T09:30:00.000Z'),
      times('J3', '2026-03-05T09:30:00.000Z', '2026-03-05T10:30:00.000Z'),
    ]);
    // Material that arrives at night is worked on from the next morning.
    expect(
      scheduleWorkCentre({
        now: NOW,
        dailyCapacityMinutes: 480,
        jobs: [job('J1', 60, { materialReadyAt: '2026-03-02T22:00:00.000Z' })],
      }),
    ).toEqual([times('J1', '2026-03-03T08:00:00.000Z', '2026-03-03T09:00:00.000Z')]);
  });

  it('puts an urgent job before every planned regular job, but after the jobs already under way', () => {
    const plan = scheduleWorkCentre({
      now: NOW,
      dailyCapacityMinutes: 480,
      jobs: [
        job('J1', 60),
        job('J2', 60),
        job('J3', 120, { urgent: true }),
        job('J9', 60, { status: 'in_progress', plannedStart: '2026-03-02T08:00:00.000Z' }),
      ],
    });
    expect(plan).toEqual([
      times('J9', '2026-03-02T08:00:00.000Z', '2026-03-02T10:00:00.000Z'),
      times('J3', '2026-03-02T10:00:00.000Z', '2026-03-02T12:00:00.000Z'),
      times('J1', '2026-03-02T12:00:00.000Z', '2026-03-02T13:00:00.000Z'),
      times('J2', '2026-03-02T13:00:00.000Z', '2026-03-02T14:00:00.000Z'),
    ]);
  });

  it('counts only what is left of a job under way: its progress, half its minutes in rework, nothing while inspected', () => {
    const began = '2026-03-02T08:00:00.000Z';
    const plan = scheduleWorkCentre({
      now: NOW,
      dailyCapacityMinutes: 480,
      jobs: [
        // 200 minutes, a third done: 134 left (rounded up).
        job('J1', 200, { status: 'in_progress', progress: 33, plannedStart: began }),
        job('J2', 75, { status: 'rework', plannedStart: began }),
        job('J3', 500, {
          status: 'inspecting',
          plannedStart: '2026-02-27T08:00:00.000Z',
          plannedEnd: '2026-02-28T10:00:00.000Z',
        }),
        job('J4', 10),
      ],
    });
    expect(plan).toEqual([
      times('J1', began, '2026-03-02T11:14:00.000Z'),
      // 38 minutes of rework.
      times('J2', began, '2026-03-02T11:52:00.000Z'),
      times('J3', '2026-02-27T08:00:00.000Z', '2026-02-28T10:00:00.000Z'),
      times('J4', '2026-03-02T11:52:00.000Z', '2026-03-02T12:02:00.000Z'),
    ]);
  });

  it('moves the planned ends when the daily capacity changes', () => {
    const jobs = [job('J1', 300), job('J2', 300)];
    expect(scheduleWorkCentre({ now: NOW, dailyCapacityMinutes: 480, jobs })).toEqual([
      times('J1', '2026-03-02T09:00:00.000Z', '2026-03-02T14:00:00.000Z'),
      times('J2', '2026-03-02T14:00:00.000Z', '2026-03-03T11:00:00.000Z'),
    ]);
    // 08:00–12:00: 180 minutes on Monday, 240 on Tuesday, ...
    expect(scheduleWorkCentre({ now: NOW, dailyCapacityMinutes: 240, jobs })).toEqual([
      times('J1', '2026-03-02T09:00:00.000Z', '2026-03-03T10:00:00.000Z'),
      times('J2', '2026-03-03T10:00:00.000Z', '2026-03-04T11:00:00.000Z'),
    ]);
  });

  it('refuses a capacity outside 1 to 1440 minutes', () => {
    expect(() => scheduleWorkCentre({ now: NOW, dailyCapacityMinutes: 1_441, jobs: [] })).toThrow(RangeError);
    expect(() => scheduleWorkCentre({ now: NOW, dailyCapacityMinutes: 0, jobs: [] })).toThrow(RangeError);
  });

  it('never overlaps jobs, never starts before now or material, and works exactly each job’s minutes in working time', () => {
    const jobArbitrary = fc.record({
      minutes: fc.integer({ min: 1, max: 2_000 }),
      urgent: fc.boolean(),
      readyInMinutes: fc.integer({ min: 0, max: 10_000 }),
    });
    fc.assert(
      fc.property(fc.array(jobArbitrary, { maxLength: 8 }), fc.integer({ min: 1, max: 1_440 }), (specs, capacity) => {
        const jobs = specs.map((spec, index) =>
          job(`J${index + 1}`, spec.minutes, {
            urgent: spec.urgent,
            materialReadyAt: new Date(Date.parse(NOW) + spec.readyInMinutes * 60_000).toISOString(),
          }),
        );
        const plan = scheduleWorkCentre({ now: NOW, dailyCapacityMinutes: capacity, jobs });
        let previousEnd = NOW;
        for (const planned of plan) {
          const source = jobs.find((j) => j.id === planned.id)!;
          expect(planned.plannedStart >= previousEnd).toBe(true);
          expect(planned.plannedStart >= source.materialReadyAt).toBe(true);
          expect(workingMinutesBetween(planned.plannedStart, planned.plannedEnd, capacity)).toBe(source.minutes);
          previousEnd = planned.plannedEnd;
        }
      }),
    );
  });
});

describe('planOrder and remainingMinutes', () => {
  it('orders jobs under way, then urgent, then regular, each by sequence', () => {
    const jobs = [
      job('A', 1, { sequence: 1 }),
      job('B', 1, { sequence: 2, urgent: true }),
      job('C', 1, { sequence: 3, status: 'rework' }),
      job('D', 1, { sequence: 0, urgent: true }),
      job('E', 1, { sequence: 4, status: 'in_progress' }),
    ];
    expect(planOrder(jobs).map((j) => j.id)).toEqual(['C', 'E', 'D', 'B', 'A']);
  });

  it('rounds remaining minutes up', () => {
    expect(remainingMinutes({ status: 'in_progress', minutes: 10, progress: 99 })).toBe(1);
    expect(remainingMinutes({ status: 'in_progress', minutes: 10, progress: 100 })).toBe(0);
    expect(remainingMinutes({ status: 'rework', minutes: 9, progress: 50 })).toBe(5);
    expect(remainingMinutes({ status: 'planned', minutes: 9, progress: 0 })).toBe(9);
  });
});

/** Minutes of working time (08:00 + capacity each day) between two instants, day by day. */
function workingMinutesBetween(from: string, to: string, capacity: number): number {
  const [start, end] = [Date.parse(from), Date.parse(to)];
  let total = 0;
  for (
    let shift = Math.floor((start - 8 * 3_600_000) / 86_400_000) * 86_400_000 + 8 * 3_600_000;
    shift < end;
    shift += 86_400_000
  ) {
    total += Math.max(0, Math.min(end, shift + capacity * 60_000) - Math.max(start, shift));
  }
  return total / 60_000;
}
