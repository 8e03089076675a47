// The reactive core: derived values recompute only when what they read
// changed, keep their identity when an equality says nothing changed, and
// lists patch one item instead of rebuilding.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { batch, Derived, Effect, LOADING, read, SnapshotList, Source, sameFields } from "../src/store/signals.js";

describe("Derived", () => {
  it("recomputes only after a source it read changed", () => {
    const a = new Source(1);
    const b = new Source(10);
    let runs = 0;
    const d = new Derived(() => {
      runs++;
      return read(a) * 2;
    });
    expect(d.peek()).toBe(2);
    b.set(11);
    expect(d.peek()).toBe(2);
    expect(runs).toBe(1);
    a.set(2);
    expect(d.peek()).toBe(4);
    expect(runs).toBe(2);
  });

  it("is pending while a source is, and keeps identity under its equality", () => {
    const name = new Source<string | typeof LOADING>(LOADING);
    const other = new Source(0);
    const d = new Derived(() => ({ name: read(name), n: Math.min(read(other), 1) }), sameFields);
    expect(d.peek()).toBe(LOADING);
    name.set("x");
    const first = d.peek();
    expect(first).toEqual({ name: "x", n: 0 });
    other.set(0.5);
    expect(d.peek()).not.toBe(first);
    const second = d.peek();
    other.set(0.25);
    expect(d.peek()).not.toBe(second);
    other.set(2);
    const third = d.peek();
    other.set(3);
    expect(d.peek()).toBe(third);
  });
});

describe("Effect", () => {
  it("runs once per batch, however many sources changed", () => {
    const a = new Source(0);
    const b = new Source(0);
    const seen: number[] = [];
    const e = new Effect(() => seen.push(a.get() + b.get()));
    batch(() => {
      a.set(1);
      b.set(2);
    });
    expect(seen).toEqual([0, 3]);
    e.dispose();
    a.set(5);
    expect(seen).toEqual([0, 3]);
  });
});

describe("SnapshotList", () => {
  it("patches only the item that changed", () => {
    const items = Array.from({ length: 5 }, (_, i) => new Source({ i }));
    const list = new SnapshotList<{ i: number }>();
    list.setItems(items);
    const before = list.peek() as { i: number }[];
    items[3]?.set({ i: 33 });
    const after = list.peek() as { i: number }[];
    expect(after).not.toBe(before);
    expect(after.map((x) => x.i)).toEqual([0, 1, 2, 33, 4]);
    for (const j of [0, 1, 2, 4]) expect(after[j]).toBe(before[j]);
  });

  it("matches a full rebuild after any sequence of inserts, removes and changes", () => {
    type Op = { kind: "insert" | "remove" | "change"; at: number; value: number };
    const op = fc.record({
      kind: fc.constantFrom<Op["kind"]>("insert", "remove", "change"),
      at: fc.nat(20),
      value: fc.integer(),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const list = new SnapshotList<number>();
        let model: Source<number>[] = [];
        list.setItems(model);
        for (const o of ops) {
          const at = model.length === 0 ? 0 : o.at % (model.length + (o.kind === "insert" ? 1 : 0));
          if (o.kind === "insert") {
            const s = new Source(o.value);
            model = [...model.slice(0, at), s, ...model.slice(at)];
            list.insert(at, s);
          } else if (o.kind === "remove" && model.length > 0) {
            model = model.filter((_, i) => i !== at);
            list.removeAt(at);
          } else if (o.kind === "change" && model.length > 0) {
            model[at]?.set(o.value);
          }
          if (o.value % 3 === 0) expect(list.peek()).toEqual(model.map((s) => s.peek()));
        }
        expect(list.peek()).toEqual(model.map((s) => s.peek()));
      }),
    );
  });
});
