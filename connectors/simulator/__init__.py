"""A simulated municipality, Voorbeeldstad, that feeds the dashboard realistic events.

``simulate_day(day, seed)`` returns one day's events without any I/O;
``simulate_case_history(day, seed, weeks=...)`` the cases received in the weeks
before it, the backlog a run starts with; ``main(argv)`` is the command line
(``servicenorm simulate --help``) that plays days to ingest in real time or faster.
"""

from connectors.simulator.cli import main
from connectors.simulator.day import simulate_case_history, simulate_day
from connectors.simulator.runner import RunSettings, run

__all__ = ["RunSettings", "main", "run", "simulate_case_history", "simulate_day"]
