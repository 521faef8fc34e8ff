"""The benches' command lines (the benches themselves run outside the suite: bench/)."""

from __future__ import annotations

import pytest

from bench.extraction import EXTRACTORS, parse_args


def test_the_extraction_bench_runs_its_extractors_in_the_order_named():
    assert parse_args([]).order == EXTRACTORS
    assert parse_args(["--order", "trafilatura,trafilatura_precision,ours"]).order == (
        "trafilatura", "trafilatura_precision", "ours")


@pytest.mark.parametrize("order", ["ours,trafilatura", "ours,ours,trafilatura", "ours,trafilatura,readability"])
def test_an_order_that_does_not_name_each_extractor_once_is_refused(order, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--order", order])
    assert exit_info.value.code == 2
    assert "--order names each of ours, trafilatura, trafilatura_precision once" in capsys.readouterr().err
