import { readFileSync, writeFileSync } from 'node:fs';

/** A fault test's hold on an activity: calls of `activity` whose input mentions `match` (every one of a list) wait `at` their effect until the stall is lifted. */
export interface Stall {
  activity: string;
  match: string | string[];
  /** `before`: the activity has not touched anything yet; `after`: its effect is done and its completion not yet reported. */
  at: 'before' | 'after';
}

/** The stalls in force, as the worker process reads them at every activity call; none when the file is missing. */
export function readStalls(file: string): Stall[] {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Stall[];
  } catch {
    return [];
  }
}

/** Puts these stalls in force (an empty list lifts them all). */
export function writeStalls(file: string, stalls: Stall[]): void {
  writeFileSync(file, JSON.stringify(stalls));
}

/** Whether a call of `activity` with these arguments is held at `at`. */
export function isStalled(stalls: Stall[], activity: string, args: unknown, at: Stall['at']): boolean {
  const text = JSON.stringify(args);
  return stalls.some(
    (stall) =>
      stall.activity === activity && stall.at === at && [stall.match].flat().every((part) => text.includes(part)),
  );
}
