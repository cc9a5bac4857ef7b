/**
 * The k best of a stream of scored slots without sorting the stream: a
 * bounded heap whose root is the worst entry kept, so each new score costs
 * one comparison when it does not qualify and O(log k) when it does.
 * "Better" is a higher score, then an earlier insertion sequence (so ties
 * come out in insertion order, as the IdentityIndex port promises).
 */
export class TopKSelection {
  private readonly scores: Float64Array;
  private readonly sequences: Float64Array;
  private readonly slots: Int32Array;
  private count = 0;

  constructor(readonly k: number) {
    this.scores = new Float64Array(k);
    this.sequences = new Float64Array(k);
    this.slots = new Int32Array(k);
  }

  /** Offers a slot; kept if the heap is not full or it beats the worst kept. */
  offer(score: number, sequence: number, slot: number): void {
    if (this.count < this.k) {
      this.place(this.count, score, sequence, slot);
      this.count += 1;
      this.siftUp(this.count - 1);
      return;
    }
    if (this.k === 0 || !this.beats(score, sequence, 0)) return;
    this.place(0, score, sequence, slot);
    this.siftDown(0);
  }

  /** The kept entries, best first (sorts only the k kept, never the stream). */
  sorted(): Array<{ readonly score: number; readonly sequence: number; readonly slot: number }> {
    const entries = [];
    for (let i = 0; i < this.count; i += 1) entries.push({ score: this.scores[i]!, sequence: this.sequences[i]!, slot: this.slots[i]! });
    return entries.sort((a, b) => b.score - a.score || a.sequence - b.sequence);
  }

  /** Does (score, sequence) rank above the entry at heap position i? */
  private beats(score: number, sequence: number, i: number): boolean {
    const other = this.scores[i]!;
    return score > other || (score === other && sequence < this.sequences[i]!);
  }

  private place(i: number, score: number, sequence: number, slot: number): void {
    this.scores[i] = score;
    this.sequences[i] = sequence;
    this.slots[i] = slot;
  }

  private swap(i: number, j: number): void {
    const score = this.scores[i]!;
    const sequence = this.sequences[i]!;
    const slot = this.slots[i]!;
    this.place(i, this.scores[j]!, this.sequences[j]!, this.slots[j]!);
    this.place(j, score, sequence, slot);
  }

  /** Min-heap on rank: a parent ranks below (is worse than) its children. */
  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.beats(this.scores[parent]!, this.sequences[parent]!, i)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let worst = i;
      if (left < this.count && this.beats(this.scores[worst]!, this.sequences[worst]!, left)) worst = left;
      if (right < this.count && this.beats(this.scores[worst]!, this.sequences[worst]!, right)) worst = right;
      if (worst === i) return;
      this.swap(i, worst);
      i = worst;
    }
  }
}
