"""Pictures of a sequence and a plan, and the --plot / --calloffs flags of solve and check."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from jisopt.calloffs import CALLOFF_COLUMNS
from jisopt.cli import main
from jisopt.generate import generate_instance
from jisopt.instance_io import write_instance
from jisopt.plotting import plot_plan, plot_sequence
from jisopt.policies import make_policy


@pytest.fixture(scope="module")
def large():
    inst = generate_instance(1, n_slots=1344, n_disrupted=2)
    return inst, make_policy("dynamic", swap=True)(inst)


@pytest.mark.parametrize("size", [40, 1344])
def test_plots_draw_with_and_without_ax(size, large, tmp_path):
    inst, plan = large if size == 1344 else (generate_instance(3, n_slots=40, n_disrupted=2), None)
    plan = plan or make_policy("step", swap=True)(inst)
    for draw in (lambda ax: plot_sequence(inst, ax=ax), lambda ax: plot_plan(inst, plan, ax=ax)):
        ax = draw(None)
        assert ax.get_ylabel() == "" and len(ax.get_yticklabels()) >= inst.n_suppliers
        fig = Figure()
        given = fig.add_subplot()
        assert draw(given) is given
        for suffix in ("png", "svg"):
            path = tmp_path / f"p.{suffix}"
            ax.figure.savefig(path, format=suffix)
            assert path.stat().st_size > 1000
    # the window of the plan covers every moved order's old and new slot
    ax = plot_plan(inst, plan)
    first, last = ax.get_xlim()
    moved = plan.moved_rows(inst)
    assert first <= min(inst.slot[moved].min(), plan.slot[moved].min())
    assert last >= max(inst.slot[moved].max(), plan.slot[moved].max()) + 1


def _files(tmp_path):
    inst = generate_instance(2, n_slots=60, n_disrupted=2)
    path = tmp_path / "inst.json"
    write_instance(inst, path)
    return inst, str(path)


def test_solve_and_check_write_calloffs_and_plots(tmp_path, capsys):
    inst, path = _files(tmp_path)
    out = tmp_path / "calls"
    plan = tmp_path / "plan.json"
    code = main(["solve", path, "--policy", "step", "--out", str(plan), "--calloffs", str(out),
                 "--plot", str(tmp_path / "plan.svg")])
    assert code == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([f"{s}.csv" for s in inst.supplier_names] + ["summary.csv"])
    drive = pd.read_csv(out / "drive.csv")
    assert list(drive.columns) == list(CALLOFF_COLUMNS) and len(drive) == inst.n_orders
    assert (tmp_path / "plan.svg").stat().st_size > 1000
    # an earlier run's directory is rewritten; check does the same for any plan
    assert main(["check", path, str(plan), "--calloffs", str(out), "--plot",
                 str(tmp_path / "plan.png")]) == 0
    assert (tmp_path / "plan.png").read_bytes()[:4] == b"\x89PNG"
    assert "call-offs written" in capsys.readouterr().out


@pytest.mark.parametrize("flags,needle", [
    (["--plot", "plan.pdf"], "--plot"),
    (["--calloffs", "FOREIGN"], "not a jisopt call-off file"),
])
def test_bad_outputs_are_one_line_exit_2(flags, needle, tmp_path, capsys):
    _, path = _files(tmp_path)
    foreign = tmp_path / "FOREIGN"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    flags = [str(foreign) if f == "FOREIGN" else f for f in flags]
    with pytest.raises(SystemExit) as exc:
        main(["solve", path, "--policy", "step", *flags])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1
    assert (foreign / "notes.txt").read_text() == "keep me"
