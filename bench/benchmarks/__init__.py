"""One module per benchmark, each with ``async def run(bench: Bench) -> Result``."""
