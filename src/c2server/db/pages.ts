/**
 * Keyset pagination for every list of the key server: rows in a stable order of a unique key,
 * a page asked for with `limit + 1` rows (the extra one tells whether another page follows), and
 * an opaque cursor holding the last key of the page (base64url, so it travels in a URL as is).
 */
import { E4ErrorCode, e4Error } from '../../errors.ts';
import type { Page, PageRequest } from '../api.ts';

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;

/** The page's size: `limit` checked (an integer from 1 to 1000), 100 when omitted. */
export function pageLimit(page: PageRequest | undefined): number {
  const limit = page?.limit;
  if (limit === undefined) return DEFAULT_PAGE_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw e4Error(E4ErrorCode.InvalidArgument, '"limit" expected an integer from 1 to ' + MAX_PAGE_LIMIT);
  }
  return limit;
}

export function encodeCursor(key: string | number): string {
  return Buffer.from(String(key), 'utf8').toString('base64url');
}

/** The key a cursor holds, or undefined without one; a cursor this code did not make is refused. */
export function decodeCursor(cursor: string | undefined, kind: 'text' | 'integer'): string | number | undefined {
  if (cursor === undefined) return undefined;
  const invalid = () => e4Error(E4ErrorCode.InvalidArgument, '"cursor" is not the "next" of a page');
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]*$/.test(cursor) || cursor === '') throw invalid();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (encodeCursor(text) !== cursor) throw invalid();
  if (kind === 'text') return text;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text)) throw invalid();
  return Number(text);
}

/** The page of `rows` (fetched with `limit + 1`), its cursor the key of the last item kept. */
export function pageOf<R, T>(rows: R[], limit: number, keyOf: (row: R) => string | number, view: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { items: kept.map(view), next: more ? encodeCursor(keyOf(kept[kept.length - 1])) : null };
}
