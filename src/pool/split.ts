/**
 * How a batch is shared among the workers: in contiguous ranges, so that the results come back
 * in input order, balanced by the work each message costs.
 */

/**
 * What a message costs besides its bytes, in bytes: about its share of a batch's fixed work in
 * symmetric mode (key lookup, timestamp, one SIV call); its signature check in public-key mode.
 */
const MESSAGE_WEIGHT = { symmetric: 384, publicKey: 65536 } as const;

/**
 * `parts + 1` cut points from 0 to `count`: part k is messages `cuts[k]` to `cuts[k + 1]`, each
 * weighing about the same (bytes plus `MESSAGE_WEIGHT` per message). Offsets out of order only
 * unbalance the cut; the workers refuse such a batch.
 */
export function splitByWork(offsets: Uint32Array, count: number, parts: number, mode: keyof typeof MESSAGE_WEIGHT): number[] {
  const perMessage = MESSAGE_WEIGHT[mode];
  const first = offsets[0];
  const weightBefore = (i: number): number => offsets[i] - first + perMessage * i;
  const total = weightBefore(count);
  const cuts = [0];
  for (let k = 1; k < parts; k++) {
    const target = (total * k) / parts;
    let lo = cuts[k - 1];
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (weightBefore(mid) < target) lo = mid + 1;
      else hi = mid;
    }
    cuts.push(lo);
  }
  cuts.push(count);
  return cuts;
}
