/**
 * Seeded damage for fuzz tests: a small PRNG and a mutator that flips bits, writes edge bytes,
 * cuts, deletes, repeats, inserts and plants huge lengths. The same seed gives the same damage,
 * so a failure can be replayed from the seed it names.
 */

/** mulberry32: small, seeded, good enough to pick mutations reproducibly. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EDGE_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff];

/** Applies one to three random mutations; returns the bytes and what was done, for the report. */
export function mutate(input: Buffer, random: () => number): { bytes: Buffer; ops: string[] } {
  let b = Buffer.from(input);
  const ops: string[] = [];
  const pick = (n: number): number => Math.floor(random() * n);
  const count = 1 + pick(3);
  for (let i = 0; i < count; i++) {
    const at = pick(Math.max(b.length, 1));
    switch (pick(7)) {
      case 0:
        if (b.length > 0) b[at] = b[at]! ^ (1 << pick(8));
        ops.push(`flip@${at}`);
        break;
      case 1: {
        const v = EDGE_BYTES[pick(EDGE_BYTES.length)]!;
        if (b.length > 0) b[at] = v;
        ops.push(`set@${at}=${v}`);
        break;
      }
      case 2:
        b = b.subarray(0, at);
        ops.push(`cut@${at}`);
        break;
      case 3: {
        const len = 1 + pick(16);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
        ops.push(`delete@${at}+${len}`);
        break;
      }
      case 4: {
        const len = 1 + pick(32);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
        ops.push(`repeat@${at}+${len}`);
        break;
      }
      case 5: {
        const extra = Buffer.from(Array.from({ length: 1 + pick(16) }, () => pick(256)));
        b = Buffer.concat([b.subarray(0, at), extra, b.subarray(at)]);
        ops.push(`insert@${at}+${extra.length}`);
        break;
      }
      default:
        b = Buffer.concat([b.subarray(0, at), Buffer.from([0xff, 0xff, 0xff]), b.subarray(at + 3)]);
        ops.push(`huge@${at}`);
    }
  }
  return { bytes: b, ops };
}
