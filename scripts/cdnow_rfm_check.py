#!/usr/bin/env python3
"""Checks `strata rfm` on the real CDNOW purchase log against values computed here with pandas.

The CDNOW master file (69,659 purchases by 23,570 customers, 1997-1998; see cdnow.py) is imported
with `strata import --map`, into a workspace whose rfm.yaml reads every purchase:

    recency: days_since("Order Completed")
    frequency: count("Order Completed")
    monetary: sum("Order Completed", revenue)

Then, as of 1998-06-30 (midnight UTC), for every customer, `strata rfm --format csv` must give:
  - recency: the days from the last purchase date to 1998-06-30,
  - frequency: the number of purchase rows,
  - monetary: the sum of dollar_value (compared to the cent: both sides add binary floats of cent
    amounts, in different orders),
  - the bins r, f and m: 1 + floor(5 x customers with a strictly worse value / customers), recency
    inverted, computed here from pandas ranks,
and nobody else may be listed.
Usage: cdnow_rfm_check.py STRATA_BINARY WORKDIR
"""
import io
import os
import sys

import cdnow
import pandas as pd

strata, workdir = sys.argv[1], sys.argv[2]
source = cdnow.source()
run = cdnow.runner(strata)
workspace = cdnow.fresh_workspace(run, workdir)
run("import", source, "-w", workspace, *cdnow.MAPPING)
with open(os.path.join(workspace, "rfm.yaml"), "w") as handle:
    handle.write('recency: days_since("Order Completed")\n'
                 'frequency: count("Order Completed")\n'
                 'monetary: sum("Order Completed", revenue)\n')
actual = pd.read_csv(io.StringIO(run("rfm", "-w", workspace, "--as-of", "1998-06-30", "--format", "csv")),
                     dtype={"id": str, "score": str}).set_index("id")

# Independent values: the raw file, read by pandas.
log = pd.read_csv(source, sep=r"\s+", dtype={"customer_id": str, "date": str})
log["day"] = pd.to_datetime(log["date"], format="%Y%m%d")
per_customer = log.groupby("customer_id").agg(last=("day", "max"), frequency=("day", "size"),
                                              monetary=("dollar_value", "sum"))
expected = pd.DataFrame({
    "recency": (pd.Timestamp("1998-06-30") - per_customer["last"]).dt.days,
    "frequency": per_customer["frequency"],
    "monetary": per_customer["monetary"].round(2),
})
n = len(expected)
# Strictly worse: fewer orders or less money ("min" rank - 1), more days for recency (n - "max" rank).
expected["r"] = 1 + 5 * (n - expected["recency"].rank(method="max").astype(int)) // n
expected["f"] = 1 + 5 * (expected["frequency"].rank(method="min").astype(int) - 1) // n
expected["m"] = 1 + 5 * (expected["monetary"].rank(method="min").astype(int) - 1) // n

failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail))
    if not ok:
        failures.append(name)


check("customers", sorted(actual.index) == sorted(expected.index),
      f"{len(actual)} listed, {len(expected)} in the file")
joined = expected.merge(actual, left_index=True, right_index=True, suffixes=("", "_strata"))
joined["monetary_strata"] = joined["monetary_strata"].round(2)
for column in ["recency", "frequency", "monetary", "r", "f", "m"]:
    differ = joined[joined[column] != joined[column + "_strata"]]
    check(f"{column} for every customer", differ.empty,
          f"{len(differ)} differ, e.g.\n{differ[[column, column + '_strata']].head()}")
print(f"{len(joined):,} customers compared; {6 + 1 - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
