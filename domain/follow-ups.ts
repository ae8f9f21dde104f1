/** Where a follow-up stands: open until someone takes it, resolved for good. */
export const FOLLOW_UP_STATUSES = ['open', 'in_progress', 'resolved'] as const;
/** A follow-up's status. */
export type FollowUpStatus = (typeof FOLLOW_UP_STATUSES)[number];

/** A survey answer's three ratings, 1–5. */
export interface SurveyRatings {
  product: number;
  delivery: number;
  service: number;
}

/** The highest rating that still calls for a follow-up. */
export const LOW_RATING = 2;

/** Whether an answer calls for support to follow up: any dimension rated 2 or less. */
export function needsFollowUp(ratings: SurveyRatings): boolean {
  return Math.min(ratings.product, ratings.delivery, ratings.service) <= LOW_RATING;
}

/**
 * Why a follow-up cannot be moved from `from` to `to` with this owner, or undefined when it can.
 * Resolved is final (a new complaint is a new conversation, not a reopened one); taking one needs an owner.
 */
export function refusedFollowUpChange(
  from: FollowUpStatus,
  to: FollowUpStatus,
  owner: string | null,
): string | undefined {
  if (from === 'resolved' && to !== 'resolved')
    return `a resolved follow-up stays resolved; it cannot go back to ${to}`;
  if (to === 'in_progress' && !owner) return 'a follow-up in progress needs an owner';
  return undefined;
}
