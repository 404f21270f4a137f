"""Writing call-off files: file names per supplier and the rule for an earlier run's directory."""

from __future__ import annotations

import pytest
from strategies import build_instance

from jisopt.cli._outputs import supplier_file_names, write_calloffs
from jisopt.errors import InputError
from jisopt.plan import Plan


def test_supplier_file_names_are_safe_and_distinct():
    # "a/b" -> "a_b"; "a b" -> "a_b" is taken -> "a_b-3"; "summary" is reserved -> "summary-4";
    # "..." strips to "" -> "-5"
    assert supplier_file_names(("drive", "a/b", "a b", "summary", "...")) == [
        "drive.csv", "a_b.csv", "a_b-3.csv", "summary-4.csv", "-5.csv"]


def _instance(names):
    return build_instance(takt_h=1.0, now_h=0.0, lead_time_h=[4.0] * len(names),
                          slots=[1, 2, 3], due_h=[10.0] * 3, supplier_names=list(names))


def test_earlier_run_is_replaced_and_foreign_files_refuse(tmp_path):
    first = _instance(["a", "b"])
    write_calloffs(tmp_path, first, Plan(first.slot.copy(), "none"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv", "summary.csv"]
    second = _instance(["c"])
    write_calloffs(tmp_path, second, Plan(second.slot.copy(), "none"))
    # b.csv and a.csv were jisopt's: removed, so the directory holds one run
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "summary.csv"]
    (tmp_path / "notes.csv").write_text("order,comment\n1,keep\n")
    with pytest.raises(InputError, match=r"notes\.csv"):
        write_calloffs(tmp_path, second, Plan(second.slot.copy(), "none"))
    assert (tmp_path / "notes.csv").read_text() == "order,comment\n1,keep\n"
    assert (tmp_path / "c.csv").exists()
