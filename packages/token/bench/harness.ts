/** Tiny benchmark loop: warm up, then run batches until the time budget is spent; report ops/s. */
export interface Result {
  readonly name: string;
  readonly opsPerSecond: number;
  readonly iterations: number;
}

export async function measure(
  name: string,
  batch: () => Promise<number> | number,
  { warmupMs = 300, budgetMs = 1500 } = {},
): Promise<Result> {
  const warmupEnd = performance.now() + warmupMs;
  while (performance.now() < warmupEnd) await batch();
  let iterations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    iterations += await batch();
    elapsed = performance.now() - start;
  }
  return { name, opsPerSecond: (iterations / elapsed) * 1000, iterations };
}

/**
 * Measures several cases in interleaved rounds (A B C, A B C, ...) and keeps each case's median, so
 * JIT warm-up and machine noise do not favour whichever case happens to run first or last.
 */
export async function compare(
  cases: ReadonlyArray<readonly [string, () => Promise<number> | number]>,
  { rounds = 3, budgetMs = 500 } = {},
): Promise<Result[]> {
  const samples = cases.map(() => [] as Result[]);
  for (let round = 0; round < rounds; round++) {
    for (const [index, [name, batch]] of cases.entries()) {
      samples[index]?.push(await measure(name, batch, { warmupMs: round === 0 ? 300 : 50, budgetMs }));
    }
  }
  return samples.map((runs) => {
    const sorted = [...runs].sort((a, b) => a.opsPerSecond - b.opsPerSecond);
    return sorted[Math.floor(sorted.length / 2)] as Result;
  });
}

/** Runs `op` n times one after another; returns n. */
export function sequential(op: () => Promise<unknown>, n: number): () => Promise<number> {
  return async () => {
    for (let i = 0; i < n; i++) await op();
    return n;
  };
}

/** Runs `op` n times with `concurrency` in flight at once; returns n. */
export function concurrent(
  op: () => Promise<unknown>,
  n: number,
  concurrency: number,
): () => Promise<number> {
  return async () => {
    let next = 0;
    const worker = async () => {
      while (next++ < n) await op();
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return n;
  };
}

export function report(title: string, baseline: Result, results: readonly Result[]): void {
  const format = (value: number) => Math.round(value).toLocaleString('en-US').padStart(14);
  console.log(`\n${title}`);
  for (const result of [baseline, ...results]) {
    const ratio = (result.opsPerSecond / baseline.opsPerSecond).toFixed(2);
    console.log(`  ${result.name.padEnd(58)} ${format(result.opsPerSecond)} ops/s   ${ratio}x baseline`);
  }
}
