// A small reactive core for the store: sources hold values, derived values
// compute from whatever they read (tracked automatically), and effects run
// once per batch for the values that changed.
//
// Why: snapshots must be immutable, reused while unchanged (`old === new`),
// and cheap to keep fresh. A derived value recomputes only when something it
// read changed, so an event costs work for the entities it touches (and the
// snapshots that embed them), not for everything the store holds.

/** Not loaded yet: a snapshot that depends on this is not ready either. */
export const LOADING: unique symbol = Symbol("loading");
export type Loading = typeof LOADING;

/** Loading failed: a snapshot that depends on this fails with the same error. */
export class Failure {
  constructor(readonly error: Error) {}
}

/** A value that is not there (yet): what `read` throws past a computation. */
export type Pending = Loading | Failure;

export function isPending(v: unknown): v is Pending {
  return v === LOADING || v instanceof Failure;
}

/**
 * The value of `r`, tracked; a pending value is thrown, so that a derived
 * value computed from it is pending too, without a check at every step.
 */
export function read<T>(r: Readable<T | Pending>): T {
  const v = r.get();
  if (isPending(v)) throw v;
  return v;
}

interface Observer {
  /** Something this observer read has changed. */
  stale(): void;
}

let tracking: Set<Readable<unknown>> | undefined;
let batchDepth = 0;
const pendingEffects = new Set<Effect>();

/** Anything that can be read inside a derived value or an effect. */
export abstract class Readable<T> {
  protected observers = new Set<Observer>();

  abstract peek(): T;

  /** The value, recorded as a dependency of whatever is computing. */
  get(): T {
    tracking?.add(this as Readable<unknown>);
    return this.peek();
  }

  observe(o: Observer): void {
    this.observers.add(o);
  }

  unobserve(o: Observer): void {
    this.observers.delete(o);
  }

  protected notify(): void {
    for (const o of [...this.observers]) o.stale();
  }
}

/** A value set from outside (by the store, from server data). */
export class Source<T> extends Readable<T> {
  #value: T;

  constructor(value: T) {
    super();
    this.#value = value;
  }

  peek(): T {
    return this.#value;
  }

  set(value: T): void {
    if (Object.is(value, this.#value)) return;
    this.#value = value;
    batch(() => this.notify());
  }
}

/**
 * A value computed from others. Recomputed lazily, and only after something
 * it read changed; `equal` lets a recomputation keep the old value (and so
 * the identity of a snapshot) when nothing that matters changed.
 */
export class Derived<T> extends Readable<T | Pending> implements Observer {
  #value: T | Pending | undefined;
  #fresh = false;
  #sources = new Set<Readable<unknown>>();
  readonly #compute: () => T;
  readonly #equal: ((a: T, b: T) => boolean) | undefined;

  constructor(compute: () => T, equal?: (a: T, b: T) => boolean) {
    super();
    this.#compute = compute;
    this.#equal = equal;
  }

  peek(): T | Pending {
    if (!this.#fresh) this.#recompute();
    return this.#value as T | Pending;
  }

  stale(): void {
    if (!this.#fresh) return;
    this.#fresh = false;
    this.notify();
  }

  /** Stops listening to its sources (the value is no longer wanted). */
  dispose(): void {
    for (const s of this.#sources) s.unobserve(this);
    this.#sources.clear();
    this.#fresh = false;
  }

  #recompute(): void {
    const outer = tracking;
    const read = new Set<Readable<unknown>>();
    tracking = read;
    let next: T | Pending;
    try {
      next = this.#compute();
    } catch (thrown) {
      // `read` of something pending: this value is pending too.
      if (!isPending(thrown)) throw thrown;
      next = thrown;
    } finally {
      tracking = outer;
    }
    for (const s of this.#sources) if (!read.has(s)) s.unobserve(this);
    for (const s of read) if (!this.#sources.has(s)) s.observe(this);
    this.#sources = read;
    const old = this.#value;
    const keep =
      old !== undefined && this.#equal !== undefined && !isPending(old) && !isPending(next) && this.#equal(old, next);
    this.#value = keep ? old : next;
    this.#fresh = true;
  }
}

/** Runs `run` after every batch in which something it read changed. */
export class Effect implements Observer {
  #sources = new Set<Readable<unknown>>();
  #disposed = false;
  readonly #run: () => void;

  constructor(run: () => void) {
    this.#run = run;
    this.execute();
  }

  stale(): void {
    if (this.#disposed) return;
    pendingEffects.add(this);
    if (batchDepth === 0) flush();
  }

  execute(): void {
    if (this.#disposed) return;
    const outer = tracking;
    const read = new Set<Readable<unknown>>();
    tracking = read;
    try {
      this.#run();
    } finally {
      tracking = outer;
    }
    // The run may have ended this effect (a subscription that failed).
    if (this.#disposed) return;
    for (const s of this.#sources) if (!read.has(s)) s.unobserve(this);
    for (const s of read) if (!this.#sources.has(s)) s.observe(this);
    this.#sources = read;
  }

  dispose(): void {
    this.#disposed = true;
    pendingEffects.delete(this);
    for (const s of this.#sources) s.unobserve(this);
    this.#sources.clear();
  }
}

/** Applies several changes, then runs the affected effects once. */
export function batch<T>(f: () => T): T {
  batchDepth++;
  try {
    return f();
  } finally {
    batchDepth--;
    if (batchDepth === 0) flush();
  }
}

function flush(): void {
  // Effects may change sources in turn; keep going until settled.
  while (pendingEffects.size > 0) {
    const effects = [...pendingEffects];
    pendingEffects.clear();
    batchDepth++;
    try {
      for (const e of effects) e.execute();
    } finally {
      batchDepth--;
    }
  }
}

/** Shallow equality of two arrays of snapshots. */
export function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Shallow equality of two snapshots: the same fields with identical values. */
export function sameFields(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if ((a as Record<string, unknown>)[k] !== (b as Record<string, unknown>)[k]) return false;
  }
  return true;
}

/**
 * An immutable array of the values of `items`, in order, kept up to date
 * incrementally: when one item changes, only that item is read again and the
 * array is copied with it replaced; inserting or removing one item splices a
 * copy. That is a copy of pointers, not a recomputation of every snapshot.
 * Pending while any item is.
 */
export class SnapshotList<T> extends Readable<readonly T[] | Pending> {
  #items: Readable<T | Pending>[] = [];
  #watchers = new Map<Readable<T | Pending>, Observer>();
  #value: readonly T[] | Pending = [];
  #fresh = true;
  #rebuild = false;
  #dirty = new Set<Readable<T | Pending>>();

  peek(): readonly T[] | Pending {
    if (!this.#fresh) this.#refresh();
    return this.#value;
  }

  get items(): readonly Readable<T | Pending>[] {
    return this.#items;
  }

  /** The items, in order (a new membership or order). */
  setItems(items: readonly Readable<T | Pending>[]): void {
    const next = new Map<Readable<T | Pending>, Observer>();
    for (const item of items) {
      let w = this.#watchers.get(item);
      if (w) this.#watchers.delete(item);
      else w = this.#watch(item);
      next.set(item, w);
    }
    for (const [item, w] of this.#watchers) item.unobserve(w);
    this.#watchers = next;
    this.#items = items.slice();
    this.#rebuild = true;
    this.#dirty.clear();
    this.#markStale();
  }

  /** Inserts `item` at `index` (it must not be in the list yet). */
  insert(index: number, item: Readable<T | Pending>): void {
    this.#watchers.set(item, this.#watch(item));
    const items = this.#items.slice();
    items.splice(index, 0, item);
    this.#items = items;
    const v = item.peek();
    if (this.#fresh && !isPending(this.#value) && !isPending(v)) {
      const value = this.#value.slice();
      value.splice(index, 0, v);
      this.#value = value;
      batch(() => this.notify());
    } else {
      this.#rebuild = true;
      this.#markStale();
    }
  }

  /** Removes the item at `index`. */
  removeAt(index: number): void {
    const item = this.#items[index];
    if (!item) return;
    const w = this.#watchers.get(item);
    if (w) item.unobserve(w);
    this.#watchers.delete(item);
    this.#dirty.delete(item);
    const items = this.#items.slice();
    items.splice(index, 1);
    this.#items = items;
    if (this.#fresh && !isPending(this.#value)) {
      const value = this.#value.slice();
      value.splice(index, 1);
      this.#value = value;
      batch(() => this.notify());
    } else {
      this.#rebuild = true;
      this.#markStale();
    }
  }

  /** Stops watching every item. */
  dispose(): void {
    for (const [item, w] of this.#watchers) item.unobserve(w);
    this.#watchers.clear();
    this.#items = [];
    this.#value = [];
    this.#dirty.clear();
  }

  #watch(item: Readable<T | Pending>): Observer {
    const w = {
      stale: () => {
        this.#dirty.add(item);
        this.#markStale();
      },
    };
    item.observe(w);
    return w;
  }

  #markStale(): void {
    if (!this.#fresh) return;
    this.#fresh = false;
    batch(() => this.notify());
  }

  #refresh(): void {
    this.#fresh = true;
    const old = this.#value;
    if (this.#rebuild || isPending(old)) {
      this.#rebuild = false;
      this.#dirty.clear();
      const out: T[] = new Array(this.#items.length);
      for (let i = 0; i < this.#items.length; i++) {
        const v = (this.#items[i] as Readable<T | Pending>).peek();
        if (isPending(v)) {
          this.#value = v;
          return;
        }
        out[i] = v;
      }
      this.#value = out;
      return;
    }
    if (this.#dirty.size === 0) return;
    let out: T[] | undefined;
    for (const item of this.#dirty) {
      const i = this.#items.indexOf(item);
      if (i < 0) continue;
      const v = item.peek();
      if (isPending(v)) {
        this.#dirty.clear();
        this.#value = v;
        return;
      }
      if (v === old[i]) continue;
      out ??= old.slice();
      out[i] = v;
    }
    this.#dirty.clear();
    if (out) this.#value = out;
  }
}
