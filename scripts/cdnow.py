"""The real CDNOW purchase log and a fresh workspace to import it into, for the CDNOW checks.

The CDNOW master file (69,659 purchases by 23,570 customers, 1997-1998) ships in the MIT-licensed
PyPI package `lifetimes` as lifetimes/datasets/CDNOW_master.txt: whitespace-separated, with a header
row `customer_id date number_of_cds dollar_value`, dates as YYYYMMDD. It is read from the installed
package, never committed.
"""
import importlib.util
import os
import shutil
import subprocess
import sys

# `strata import --map` arguments for the file: one "Order Completed" per row.
MAPPING = [
    "--map", "userId=customer_id", "--map", "timestamp=date:yyyyMMdd",
    "--map", "event=Order Completed", "--map", "properties.revenue=dollar_value",
    "--map", "properties.quantity=number_of_cds",
]


def source():
    """The path of CDNOW_master.txt, found without importing the package (only its data is needed)."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or spec.origin is None:
        sys.exit("the PyPI package lifetimes is not installed (scripts/test installs it)")
    return os.path.join(os.path.dirname(spec.origin), "datasets", "CDNOW_master.txt")


def runner(strata):
    """A function running `strata` with arguments and returning its standard output."""
    def run(*args):
        return subprocess.run([strata, *args], check=True, capture_output=True, text=True).stdout
    return run


def fresh_workspace(run, workdir):
    """An empty workspace `cdnow` in a new WORKDIR (removed first if it exists)."""
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    workspace = os.path.join(workdir, "cdnow")
    run("init", workspace)
    return workspace
