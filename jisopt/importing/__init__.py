"""Importing sequences from outside: a planner's table and CSPLib car-sequencing data.

See ``docs/import.md``.
"""

from jisopt.importing.csplib import CarSequencingProblem, read_csplib, read_csplib_problems
from jisopt.importing.planner_table import import_planner_table
from jisopt.importing.problems import TableError, TableProblem

__all__ = [
    "CarSequencingProblem",
    "TableError",
    "TableProblem",
    "import_planner_table",
    "read_csplib",
    "read_csplib_problems",
]
