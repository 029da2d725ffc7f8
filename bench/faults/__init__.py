"""Fault tests: kill, stop and feed rubbish to the real stack, then count what was lost.

Each test is ``async def run(cluster: Cluster, smoke: bool) -> Result`` so that
``python -m bench.faults NAME`` and tests/bench/test_fault_smoke.py run the same
code; ``smoke`` means small numbers (all of them in about three minutes).
"""
