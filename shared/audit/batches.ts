/**
 * Entity group transactions ("Performing entity group transactions", Microsoft Learn): at most 100
 * entities, all of one PartitionKey, at most 4 MiB of payload; atomic, so one failing operation
 * (a create that meets an existing row: 409) fails the whole transaction and writes nothing.
 */
export const TRANSACTION_ENTITIES = 100;
/** Well under the 4 MiB payload limit, with room for the multipart envelope of 100 operations. */
const TRANSACTION_BYTES = 2 * 1024 * 1024;

/** Groups rows by PartitionKey, then cuts each group into transactions within the limits. */
export function transactionsOf<T extends { partitionKey: string }>(rows: T[]): T[][] {
  const byPartition = new Map<string, T[]>();
  for (const row of rows) {
    const group = byPartition.get(row.partitionKey);
    if (group) group.push(row);
    else byPartition.set(row.partitionKey, [row]);
  }
  const transactions: T[][] = [];
  for (const group of byPartition.values()) {
    let current: T[] = [];
    let bytes = 0;
    for (const row of group) {
      const size = JSON.stringify(row).length;
      if (
        current.length === TRANSACTION_ENTITIES ||
        (current.length > 0 && bytes + size > TRANSACTION_BYTES)
      ) {
        transactions.push(current);
        current = [];
        bytes = 0;
      }
      current.push(row);
      bytes += size;
    }
    if (current.length > 0) transactions.push(current);
  }
  return transactions;
}

/** Runs `work` on every item, at most `limit` at a time; rejects with the first failure, after all settle. */
export async function eachConcurrently<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}
