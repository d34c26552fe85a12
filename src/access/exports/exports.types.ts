/**
 * An export request as the exports service works with it: camelCase, its spec parsed, times as epoch
 * milliseconds. exports.store.ts maps it to and from its row.
 */
import type { AggregateDimension } from './k-anonymity.ts';

/** A record export: these customers, these fields. */
export type RecordSpec = { customerIds: string[]; fields: string[] };
/** A marketing aggregate: counts by these dimensions, groups smaller than `k` suppressed. */
export type AggregateSpec = { dimensions: AggregateDimension[]; k: number };

export type ExportKind = 'records' | 'aggregate';
export type ExportStatus = 'pending' | 'approved' | 'rejected' | 'running' | 'completed' | 'failed';

export interface ExportRecord {
  id: string;
  kind: ExportKind;
  purpose: string;
  requestedBy: string;
  /** What was asked for: customer ids and fields, or aggregate dimensions. */
  spec: RecordSpec | AggregateSpec;
  status: ExportStatus;
  createdAt: number;
  decidedBy: string | null;
  decidedAt: number | null;
  completedAt: number | null;
  resultCount: number | null;
  /** A large export: the earliest time it may run (its quorum plus the waiting period); else null. */
  runnableAfter: number | null;
}

/** What a move from one status to the next sets besides the status. */
export interface ExportTransition {
  status: ExportStatus;
  decidedBy?: string;
  decidedAt?: number;
  completedAt?: number;
  resultCount?: number;
  runnableAfter?: number;
}
