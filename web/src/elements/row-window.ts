// Which rows of a long message log are in the DOM: a contiguous window of
// them around the view, with the rows above and below it stood in for by two
// spacers as tall as those rows were when last laid out (or, for rows never
// laid out, the average of those that were).
//
// Why: a trace of scrolling 5,000 rendered rows (`PERF_TRACE=1 npm run perf`)
// spends each frame in Chromium's Paint, Commit and Layerize, which grow with
// the rows in the DOM; `content-visibility: auto` on the rows made frames
// slower, not faster (measured in web/src/elements/message-list.ts's notes).
//
// The window is kept by message id, not by index: a page of older messages
// loaded above, or a new message below, moves every index but no id. It is
// recomputed from the scroll position only when the view comes near one of
// its edges, so most scroll frames render nothing.
//
// The log scrolls from its bottom (a column-reverse scroller), so a spacer
// above the view that turns out taller or shorter than the rows it stood
// for moves nothing on screen.

/** Rows rendered when a conversation opens: the newest ones. */
export const INITIAL_ROWS = 60;
/** How far past the view (in viewports) the window reaches when it is recomputed. */
const REACH = 2;
/** How close (in viewports) the view may come to an edge of the window before it is recomputed. */
const MARGIN = 0.75;
const FIRST_ESTIMATE = 64;

export interface Range {
  /** Index of the oldest rendered row. */
  lo: number;
  /** One past the index of the newest rendered row. */
  hi: number;
}

export class RowWindow {
  #heights = new Map<string, number>();
  #measuredSum = 0;
  #loId: string | null = null;
  #loHint = 0;
  #hiId: string | null = null;
  /** The window ends at the newest message, and follows new ones. */
  #follow = true;

  /** Forgets the window (another conversation). Heights are kept: ids are unique. */
  reset(): void {
    this.#loId = null;
    this.#hiId = null;
    this.#follow = true;
  }

  /** A laid-out row's height, in px (the whole unit: its day separator too). */
  measure(id: string, height: number): void {
    const old = this.#heights.get(id);
    if (old === height) return;
    this.#measuredSum += height - (old ?? 0);
    this.#heights.set(id, height);
  }

  get #estimate(): number {
    return this.#heights.size === 0 ? FIRST_ESTIMATE : this.#measuredSum / this.#heights.size;
  }

  height(id: string): number {
    return this.#heights.get(id) ?? this.#estimate;
  }

  /** The rows to render now, of `ids` (oldest first). */
  range(ids: readonly string[]): Range {
    const n = ids.length;
    let lo = this.#loId === null ? -1 : ids.indexOf(this.#loId);
    if (lo < 0 && this.#loId !== null) {
      // The oldest rendered message is gone (deleted, or out of the SDK's
      // window): keep the place it had.
      lo = Math.min(this.#loHint, Math.max(0, n - 1));
      this.#loId = ids[lo] ?? null;
    }
    if (lo < 0) {
      // Fresh: the newest rows.
      const start = Math.max(0, n - INITIAL_ROWS);
      this.#set(ids, start, n);
      return { lo: start, hi: n };
    }
    this.#loHint = lo;
    const hi = this.#follow || this.#hiId === null ? n : ids.indexOf(this.#hiId) + 1;
    if (hi <= lo) {
      this.#set(ids, lo, n);
      return { lo, hi: n };
    }
    return { lo, hi };
  }

  /** Sum of the heights of `ids[from..to)`. */
  span(ids: readonly string[], from: number, to: number): number {
    let sum = 0;
    for (let i = from; i < to; i++) sum += this.height(ids[i] as string);
    return sum;
  }

  /**
   * Recomputes the window for a view `[viewTop, viewBottom)`, in px from the
   * top of the first row (rendered or not). Answers whether it changed.
   */
  scrolledTo(ids: readonly string[], current: Range, viewTop: number, viewBottom: number): boolean {
    const n = ids.length;
    if (n === 0) return false;
    const viewport = Math.max(1, viewBottom - viewTop);
    const needTop = viewTop - MARGIN * viewport;
    const needBottom = viewBottom + MARGIN * viewport;
    const top = this.span(ids, 0, current.lo);
    const bottom = top + this.span(ids, current.lo, current.hi);
    const coveredAbove = current.lo === 0 || top <= needTop;
    const coveredBelow = current.hi === n || bottom >= needBottom;
    if (coveredAbove && coveredBelow) return false;
    // Past an edge: reach further both ways.
    const wantTop = viewTop - REACH * viewport;
    const wantBottom = viewBottom + REACH * viewport;
    let lo = 0;
    let y = 0;
    while (lo < n && y + this.height(ids[lo] as string) <= wantTop) {
      y += this.height(ids[lo] as string);
      lo++;
    }
    let hi = lo;
    while (hi < n && y < wantBottom) {
      y += this.height(ids[hi] as string);
      hi++;
    }
    hi = Math.max(hi, Math.min(n, lo + 1));
    if (lo === current.lo && hi === current.hi) return false;
    this.#set(ids, lo, hi);
    return true;
  }

  /** Puts `index` in the window, with `around` rows either side (to jump to a message). */
  reveal(ids: readonly string[], index: number, around = 30): void {
    const n = ids.length;
    this.#set(ids, Math.max(0, index - around), Math.min(n, index + around + 1));
  }

  /** The newest rows (to scroll to the latest message). */
  toLatest(ids: readonly string[]): void {
    this.#set(ids, Math.max(0, ids.length - INITIAL_ROWS), ids.length);
  }

  #set(ids: readonly string[], lo: number, hi: number): void {
    this.#loId = ids[lo] ?? null;
    this.#loHint = lo;
    this.#follow = hi >= ids.length;
    this.#hiId = this.#follow ? null : (ids[hi - 1] ?? null);
  }
}
