#!/usr/bin/env python3
"""jsonl_to_csv.py IN PREFIX ROWS — bench_gen_ledger's money events as the
CSV a Swedish controller saves from Excel: Swedish headers and type names,
amounts in kronor with a no-break space between thousands, `;`, CRLF,
Windows-1252. Writes PREFIX.0000.csv, PREFIX.0001.csv, … of at most ROWS
rows each (import-csv reads one file as one batch). Used by
bench_import.sh and bench_cli_append.sh."""
import json
import sys

COLS = [("type", "Typ"), ("date", "Datum"), ("grant", "Bidrag"),
        ("from", "Från"), ("to", "Till"), ("party", "Part"),
        ("activity", "Aktivitet"), ("amount", "Belopp"),
        ("ref", "Referens"), ("id", "Id")]
SV = {"allocation": "tilldelning", "payout": "utbetalning",
      "expense": "förbrukning", "requisition": "rekvirering"}


def kr(ore):  # 5011640 -> "50\u00a0116,40"
    k, o = divmod(ore, 100)
    return f"{k:,}".replace(",", "\u00a0") + f",{o:02d}"


def row(e):
    assert set(e) <= {c for c, _ in COLS}, e
    return [SV[e["type"]] if c == "type" else kr(e["amount"])
            if c == "amount" else str(e.get(c, "")) for c, _ in COLS]


def main(src, prefix, per_file):
    header = (";".join(h for _, h in COLS) + ";;\r\n").encode("cp1252")
    out = None
    for n, line in enumerate(open(src, encoding="utf-8")):
        if n % per_file == 0:
            if out:
                out.close()
            out = open(f"{prefix}.{n // per_file:04d}.csv", "wb")
            out.write(header)
        out.write((";".join(row(json.loads(line))) + ";;\r\n")
                  .encode("cp1252"))
    if out:
        out.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
