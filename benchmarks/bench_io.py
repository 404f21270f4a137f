"""Reading, solving and writing a large instance file.

Generates the 17-supplier scale scenario (``scale_scenario.py``, takt 1 min) with
``--slots`` orders (default 8640, about 12 MB of JSON), writes it with
``write_instance`` and times, median of ``--repeats`` runs:

* ``read``: ``read_instance`` (JSON, schema, limits, arrays) on the fast path;
* ``solve``: rule ``dynamic``;
* ``write``: ``write_plan`` of that plan;
* ``total``: the three in a row, as ``jisopt solve FILE --policy dynamic --out PLAN`` does.

The baseline, in the same process, is the reference reading path: the same read with the
schema checked by ``jsonschema`` alone (the path every refused document takes for its
message); its ``validate`` row times that check by itself, next to the fast check.

    python benchmarks/bench_io.py [--slots 8640] [--repeats 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_scenario import scale_scenario

from jisopt import documents, make_policy
from jisopt.generate import generate_instance
from jisopt.instance_io import INSTANCE_FORMAT, read_instance, write_instance
from jisopt.plan_io import write_plan


def _median_s(func, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slots", type=int, default=8640)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", help="write the instance and plan to this folder (kept)")
    args = parser.parse_args(argv)

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_io_"))
    folder.mkdir(parents=True, exist_ok=True)
    big, plan_path = folder / f"instance-{args.slots}.json", folder / "plan.json"
    write_instance(generate_instance(args.seed, n_slots=args.slots, n_disrupted=2,
                                     scenario=scale_scenario(1.0)), big)
    policy = make_policy("dynamic")
    print(f"instance  {big}: {args.slots} orders, 17 suppliers, {big.stat().st_size / 1e6:.1f} MB")

    def run_all():
        inst = read_instance(big)
        write_plan(inst, policy(inst), plan_path)

    def reference_read():
        fast = documents.fast_valid
        documents.fast_valid = lambda data, name: False  # every document through jsonschema
        try:
            return read_instance(big)
        finally:
            documents.fast_valid = fast

    data = documents.load_document(big, INSTANCE_FORMAT)
    rows = {}
    rows["load JSON"], _ = _median_s(lambda: documents.load_document(big, INSTANCE_FORMAT), args.repeats)
    rows["validate (fast)"], _ = _median_s(lambda: documents.fast_valid(data, "instance"), args.repeats)
    rows["read"], inst = _median_s(lambda: read_instance(big), args.repeats)
    rows["solve (dynamic)"], plan = _median_s(lambda: policy(inst), args.repeats)
    rows["write plan"], _ = _median_s(lambda: write_plan(inst, plan, plan_path), args.repeats)
    rows["total"], _ = _median_s(run_all, args.repeats)
    ref_repeats = max(3, min(args.repeats, 5))
    rows["baseline: validate (jsonschema)"], _ = _median_s(
        lambda: documents.schema_error(data, "instance", str(big)), ref_repeats)
    rows["baseline: read (jsonschema)"], ref = _median_s(reference_read, ref_repeats)
    assert np.array_equal(ref.slot, inst.slot) and np.array_equal(ref.ready_h, inst.ready_h, equal_nan=True)
    width = max(map(len, rows))
    print(f"{'step':<{width}}  median s  (of {args.repeats}; baseline of {ref_repeats})")
    for key, value in rows.items():
        print(f"{key:<{width}}  {value:8.3f}")
    print(f"read speed-up over the baseline: {rows['baseline: read (jsonschema)'] / rows['read']:.1f}x")


if __name__ == "__main__":
    main()
