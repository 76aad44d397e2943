"""The messages medel and the ledger can print, found in their sources.

Every call of a message function (ml_fail, ma_response_error, mc_refuse,
mc_usage, mc_fail, mc_bad_answer) in ledger/, ledger/api/ and cli/ is a
message source; its format string (adjacent literals joined) is turned
into a regular expression (each printf conversion matches any text), so
a test can tell which sources the messages it saw came from.

Sources are sorted in three kinds:
  - internal: failures no input can cause (out of memory, an I/O or
    LMDB error, a broken answer between medel's own layers; code
    "internal"/"io", ML_E_NOMEM/ML_E_IO/ML_E_INTERNAL/ML_E_CORRUPT);
  - generic: formats with too little text of their own to be told apart
    ("%s: %s"), which only pass on a message built elsewhere;
  - the rest, which some input provokes, and which test_messages.py
    must each see once.
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
