/** A watch mark as stored: the keyed mark of a customer id and what kind of customer it marks. */
export const markKinds = ['vip', 'coworker'] as const;
export type MarkKind = (typeof markKinds)[number];

export interface WatchMark {
  mark: Buffer;
  kind: MarkKind;
  createdAt: number;
}
