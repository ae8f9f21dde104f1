import { describe, expect, it } from 'vitest';
import { FOLLOW_UP_STATUSES, needsFollowUp, refusedFollowUpChange } from '../../domain/follow-ups.js';

describe('needsFollowUp', () => {
  it('asks for one when any dimension is rated 2 or less, and only then', () => {
    expect(needsFollowUp({ product: 3, delivery: 3, service: 3 })).toBe(false);
    expect(needsFollowUp({ product: 5, delivery: 2, service: 5 })).toBe(true);
    expect(needsFollowUp({ product: 1, delivery: 5, service: 5 })).toBe(true);
    expect(needsFollowUp({ product: 5, delivery: 5, service: 2 })).toBe(true);
  });
});

describe('refusedFollowUpChange', () => {
  it('lets an open or taken follow-up move anywhere, and a resolved one only stay resolved', () => {
    const allowed = FOLLOW_UP_STATUSES.flatMap((from) =>
      FOLLOW_UP_STATUSES.filter((to) => !refusedFollowUpChange(from, to, 'sam')).map((to) => `${from}->${to}`),
    );
    expect(allowed).toEqual([
      'open->open',
      'open->in_progress',
      'open->resolved',
      'in_progress->open',
      'in_progress->in_progress',
      'in_progress->resolved',
      'resolved->resolved',
    ]);
  });

  it('needs an owner to take one', () => {
    expect(refusedFollowUpChange('open', 'in_progress', null)).toBe('a follow-up in progress needs an owner');
  });
});
