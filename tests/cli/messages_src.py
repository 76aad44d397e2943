"""The messages medel and the ledger can print, found in their sources.

Every call of a message function (ml_fail, ma_response_error, mc_refuse,
mc_usage, mc_fail, mc_bad_answer) in ledger/, ledger/api/ and cli/ is a
message source; its format string (adjacent literals joined) is turned
into a regular expression (each printf conversion matches any text), so
a test can tell which sources the messages it saw came from.

Sources are sorted in four kinds:
  - internal: failures no input can cause (out of memory, an I/O or
    LMDB error, a broken answer between medel's own layers; code
    "internal"/"io", ML_E_NOMEM/ML_E_IO/ML_E_INTERNAL/ML_E_CORRUPT);
  - generic: formats with too little text of their own to be told apart
    ("%s: %s"), which only pass on a message built elsewhere;
  - not provoked (NOT_PROVOKED below, each with its reason): guarded,
    when an earlier check refuses every input that could reach it with
    a message of its own (the ledger's defence behind the API's and the
    CLI's checks);
  - the rest, which some input provokes, and which test_messages.py
    must each see once.

The refusals only a very large ledger reaches (sums past 2^63 öre, a
million rows or definitions, answers past 96 MiB, warnings past 32 MiB,
a full map) are provoked by the C test tests/unit/test_costly.c, for
real: with 9 400 events of 10^15 öre, or with the limit lowered through
ml_limits_now/ma_limits_now, the one place the code reads it from.
test_messages.py runs that program ($MEDEL_TEST_COSTLY) and reads the
messages it prints ("provoked: {error object}"), so those sources count
as provoked only while the C test really provokes them: nothing here
lists them, and one it stops provoking fails test_zz_coverage.
"""
import glob
import os
import re

FMT_ARG = {"ml_fail": 4, "ma_response_error": 4, "mc_refuse": 2,
           "mc_usage": 1, "mc_fail": 3, "mc_bad_answer": 1}
CALL = re.compile(r"(?<![\w.>])(" + "|".join(FMT_ARG) + r")\s*\(")
LIT = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
CONV = re.compile(r"%[-+ #0]*(\*|\d+)?(\.(\*|\d+))?(hh|h|ll|l|z|j|t)?"
                  r"[diouxXcsp%]")
INTERNAL_RC = re.compile(r"ML_E_(NOMEM|IO|INTERNAL|CORRUPT)\b")
GUARD_API = "guarded: the API's query check refuses it first ({})"
GUARD_BATCH = ("guarded: the CLI's and medeld's size checks refuse a "
               "larger body or batch first ({})")
GUARD_NODE = ("guarded: a trace sums each party's buckets over the grant "
              "and its posts first, and an activity's or a flow's sum is "
              "part of one party's spent or paid_out ('p's sum over the "
              "grant and its posts exceeds 2^63 öre', test_costly)")
# (path, format) → why no test provokes it; test_zz_coverage fails when
# one of these is provoked after all (then it belongs with the rest).
NOT_PROVOKED = {
    ("ledger/ml_answer.c", "as_of: is not between 1900-01-01 and "
     "2199-12-31"): GUARD_API.format("'as_of: 1800-01-01 is not between'"),
    ("ledger/ml_answer_balances.c", "posts: needs grant"):
        GUARD_API.format("'posts=1 needs a grant'"),
    ("ledger/ml_answer_balances.c", "rollup: needs party"):
        GUARD_API.format("'rollup=1 needs a party'"),
    ("ledger/ml_answer_repayments.c", "grant: repayments need a grant or "
     "a year"): GUARD_API.format("'repayments needs either a grant or a "
                                 "year'"),
    ("ledger/ml_answer_repayments.c", "year: give a grant or a year, not "
     "both"): GUARD_API.format("'repayments needs either a grant or a "
                               "year'"),
    ("ledger/ml_answer_statement.c", "party: a statement needs the legal "
     "entity that reports"): GUARD_API.format("'a statement needs a party "
                                              "(a legal entity) and a "
                                              "grant'"),
    ("ledger/ml_answer_statement.c", "grant: a statement needs a grant"):
        GUARD_API.format("'a statement needs a party (a legal entity) and "
                         "a grant'"),
    ("ledger/ml_answer_trace.c", "an activity's sum exceeds 2^63 öre"):
        GUARD_NODE,
    ("ledger/ml_answer_trace.c", "a flow's sum exceeds 2^63 öre"):
        GUARD_NODE,
    ("ledger/ml_answer_trace.c", "grant: a trace needs a grant"):
        GUARD_API.format("'trace needs a grant'"),
    ("ledger/ml_export.c", "no grant with that id"):
        GUARD_API.format("'grant: ... is not a grant id', 'query parameter "
                         "'grant' has no value'"),
    ("ledger/ml_export.c", "unknown export format"):
        GUARD_API.format("'format: ... is not jsonl, csv, ledger or "
                         "beancount'"),
    ("ledger/ml_json_decode.c", "the body is %zu bytes; at most %u"):
        GUARD_BATCH.format("'... is larger than one batch may be', "
                           "medeld's 413 on Content-Length"),
    ("ledger/ml_ledger.c", "a batch has from 1 to %d events, not %zu"):
        GUARD_BATCH.format("'the batch is empty', 'the batch has 10001 "
                           "events; at most 10000'"),
    ("ledger/api/ma_api.c", "no valid bearer token"):
        "guarded: medeld refuses a request without a valid token first "
        "('this request needs Authorization: Bearer <token>')",
    ("ledger/api/ma_params.c", "more than %d query parameters"):
        "guarded: no endpoint takes 16 parameters, and an unknown or a "
        "repeated one is refused before the count passes 16",
    ("ledger/api/ma_format.c", "the trace: %s"):
        "guarded: formats a trace answer the ledger built itself; only a "
        "broken answer fails to load",
    ("cli/mc_cmd_import.c", "row %u is larger than one batch may be "
     "(8 MiB)"): "guarded: a row is at most 64 cells of at most "
                 "2*ML_META_MAX bytes (refused first), far below 8 MiB",
    ("cli/mc_cmd_import.c", "the rows are more than one batch may hold"):
        "guarded: a batch ends before the next row's largest size would "
        "pass 8 MiB, so the closing ']' always fits",
    ("cli/mc_post.c", "the batch is %zu bytes; one batch may be at most %u "
     "bytes (8 MiB): split it"):
        GUARD_BATCH.format("a file is refused as larger than one batch "
                           "when read, JSON Lines are sent in batches"),
}
INTERNAL_CODE = ('"internal"', '"io"', "MC_EXIT_UNREACHABLE", "strerror",
                 "out of memory")


class Source:
    def __init__(self, path, line, func, args, fmt):
        self.path, self.line, self.func, self.fmt = path, line, func, fmt
        self.regex = re.compile(_to_regex(fmt))
        own = CONV.sub("", fmt)
        self.generic = len(re.findall(r"[A-Za-zåäöÅÄÖ]", own)) < 6
        self.internal = (bool(INTERNAL_RC.search(args)) or
                         any(c in args for c in INTERNAL_CODE) or
                         func == "mc_bad_answer" or
                         "out of memory" in fmt)
        self.not_provoked = NOT_PROVOKED.get(
            (path.replace(os.sep, "/"), fmt))

    def __repr__(self):
        return f"{self.path}:{self.line}: {self.func} \"{self.fmt}\""


def _unescape(s):
    """A C literal's text as printed: its escapes resolved (UTF-8 text
    such as "öre" is kept as it is)."""
    simple = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\",
              "'": "'"}
    return re.sub(r"\\(x[0-9a-fA-F]{2}|.)",
                  lambda m: (chr(int(m.group(1)[1:], 16))
                             if m.group(1)[0] == "x" and len(m.group(1)) == 3
                             else simple.get(m.group(1), m.group(1))), s)


def _to_regex(fmt):
    out, pos = [], 0
    for m in CONV.finditer(fmt):
        out.append(re.escape(_unescape(fmt[pos:m.start()])))
        out.append("%" if m.group(0).endswith("%") else ".*?")
        pos = m.end()
    out.append(re.escape(_unescape(fmt[pos:])))
    return "".join(out)


def _args(text, start):
    """The text of a call's arguments from start (after '('), split at
    its top-level commas."""
    depth, i, args, begin = 1, start, [], start
    while depth and i < len(text):
        c = text[i]
        if c == '"':
            i += 1
            while text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 1:
            args.append(text[begin:i])
            begin = i + 1
        i += 1
    args.append(text[begin:i - 1])
    return args


def sources(root):
    found = []
    for d in ("ledger", os.path.join("ledger", "api"), "cli"):
        for path in sorted(glob.glob(os.path.join(root, d, "*.c"))):
            with open(path, encoding="utf-8") as f:
                text = f.read()
            text = re.sub(r"/\*.*?\*/",
                          lambda m: "\n" * m.group(0).count("\n"), text,
                          flags=re.S)
            for m in CALL.finditer(text):
                args = _args(text, m.end())
                k = FMT_ARG[m.group(1)]
                if len(args) <= k:
                    continue
                lits = re.fullmatch(r'\s*("(?:[^"\\\n]|\\.)*"\s*)+',
                                    args[k])
                if not lits:
                    continue  # a definition, or a format built elsewhere
                fmt = "".join(LIT.findall(args[k]))
                line = text.count("\n", 0, m.start()) + 1
                found.append(Source(os.path.relpath(path, root), line,
                                    m.group(1), ",".join(args), fmt))
    return found


def hits(srcs, messages):
    """The sources some message (text of stderr) matches."""
    seen = set()
    for s in srcs:
        if s.generic:
            continue
        for msg in messages:
            if s.regex.search(msg):
                seen.add(s)
                break
    return seen
