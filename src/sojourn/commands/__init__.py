"""Commands beyond the core ones, one module each.

Every module here is imported by :mod:`sojourn.cli` at start-up and registers
its commands on ``sojourn.cli.app`` with ``@app.command()``. Keep their
top-level imports light (typer, stdlib): import numerics inside the command.
"""
