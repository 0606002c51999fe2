"""The child process of ``rnn-tui check``: imports the user's file and calls its function.

The user's code is the user's own program, so it runs here, in a process of its
own, never in rnn-tui's.  This module is that process's whole program: it needs
the standard library and NumPy only, and is started as a script by path (see
:mod:`rnn_tui.core.usercheck.runner`), so nothing of rnn-tui is imported next to
the user's code and the user's folder comes first on ``sys.path``, as it would for
``python my_rnn.py``.

It reads requests from one pipe and answers on another; fd 1 and 2 (whatever the
user's code prints) are pipes the parent drains and keeps.  Every message is
:func:`encode` d: a JSON header in which arrays are replaced by references into a
binary payload.  No pickle crosses the pipes, so what the user's code hands back
can be nothing but numbers and strings to the parent.

Requests (``op``):

``import``   run the file as a module named after it (not ``__main__``), with
             ``sys.argv = [file]``; reply with its functions' signatures and the
             shapes of the globals a min-char-rnn file defines.
``call``     call the function once per case; a case sets module globals (fresh
             copies) and passes arguments.  ``layout`` says what it must return;
             replies with the values as float64 arrays.  With ``trace`` the call
             runs under :class:`Tracer`.
``losses``   the loss alone for perturbed copies of one case (the centred
             differences of the user's own loss).
``exit``     leave.

While a request makes several calls, a ``{"tick": n}`` message follows each one,
so the parent's timeout applies to each call and not to the whole request.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import struct
import sys
import traceback

import numpy as np

# ---- wire format -------------------------------------------------------------------

_HEADER = struct.Struct("<QQ")          # JSON length, payload length
_DTYPES = ("<f8", "<f4", "<f2", "<i8", "<i4", "<i2", "|i1", "<u8", "<u4", "<u2", "|u1", "|b1")


def encode(obj) -> bytes:
    """``obj`` (dicts with str keys, lists, str, numbers, None, bool, ndarrays) as bytes."""
    blobs: list[bytes] = []
    offset = [0]

    def walk(o):
        if isinstance(o, np.ndarray):
            a = np.ascontiguousarray(o)
            if a.dtype.str not in _DTYPES:
                a = a.astype(np.float64)
            ref = {"__nd__": offset[0], "dtype": a.dtype.str, "shape": list(a.shape)}
            b = a.tobytes()
            blobs.append(b)
            offset[0] += len(b)
            return ref
        if isinstance(o, dict):
            return {str(k): walk(v) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return [walk(v) for v in o]
        if isinstance(o, np.generic):
            return o.item()
        return o

    head = json.dumps(walk(obj)).encode("utf-8")
    payload = b"".join(blobs)
    return _HEADER.pack(len(head), len(payload)) + head + payload


def decode(buf: bytes):
    """The object :func:`encode` wrote; arrays come back as new, writable arrays."""
    nhead, npay = _HEADER.unpack_from(buf, 0)
    start = _HEADER.size + nhead
    if len(buf) != start + npay:
        raise ValueError("truncated message")
    head = json.loads(buf[_HEADER.size:start].decode("utf-8"))
    payload = memoryview(buf)[start:]

    def walk(o):
        if isinstance(o, dict):
            if "__nd__" in o:
                dt = o["dtype"]
                if dt not in _DTYPES:
                    raise ValueError(f"unexpected dtype {dt!r}")
                dtype = np.dtype(dt)
                shape = tuple(int(n) for n in o["shape"])
                n = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
                off = int(o["__nd__"])
                if off < 0 or off + n > len(payload):
                    raise ValueError("array outside the message")
                return np.frombuffer(payload[off:off + n], dtype=dtype).reshape(shape).copy()
            return {k: walk(v) for k, v in o.items()}
        if isinstance(o, list):
            return [walk(v) for v in o]
        return o

    return walk(head)


def write_message(fd: int, obj) -> None:
    data = memoryview(encode(obj))
    while data:
        n = os.write(fd, data)
        data = data[n:]


def read_exactly(fd: int, n: int) -> bytes | None:
    """``n`` bytes from ``fd``, or None if it closes first."""
    parts, got = [], 0
    while got < n:
        b = os.read(fd, min(n - got, 1 << 20))
        if not b:
            return None
        parts.append(b)
        got += len(b)
    return b"".join(parts)


def read_message(fd: int):
    """The next message on ``fd``, or None at end of file."""
    head = read_exactly(fd, _HEADER.size)
    if head is None:
        return None
    nhead, npay = _HEADER.unpack(head)
    rest = read_exactly(fd, nhead + npay)
    if rest is None:
        return None
    return decode(head + rest)


# ---- the user's code ----------------------------------------------------------------


class UserFailure(Exception):
    """The user's code raised, exited, or returned something unusable; ``info`` says what."""

    def __init__(self, info: dict):
        super().__init__(info.get("summary", ""))
        self.info = info


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def exception_info(e: BaseException, path: str, stage: str) -> dict:
    """What the user needs of an exception: their file's frames and one summary line."""
    if isinstance(e, SystemExit):
        return {"kind": "exit", "stage": stage, "code": repr(e.code), "summary": f"SystemExit({e.code!r})",
                "frames": []}
    if isinstance(e, KeyboardInterrupt):
        return {"kind": "exit", "stage": stage, "code": "KeyboardInterrupt", "summary": "KeyboardInterrupt",
                "frames": []}
    frames = [f for f in traceback.extract_tb(e.__traceback__) if _same_file(f.filename, path)]
    summary = traceback.format_exception_only(type(e), e)[-1].strip()
    return {"kind": "exception", "stage": stage, "type": type(e).__name__, "summary": summary,
            "frames": [[f.lineno, f.name, (f.line or "").strip()] for f in frames]}


def _as_array(v):
    """``v`` as a float64 array and the dtype it came as, or None if it is not numbers."""
    try:
        a = np.asarray(v)
    except Exception:   # noqa: BLE001 (whatever the user's object does)
        return None
    if a.dtype.kind not in "fiub" or a.dtype == object:
        return None
    return np.array(a, dtype=np.float64), a.dtype.str


def _describe(v) -> str:
    t = type(v).__name__
    if isinstance(v, np.ndarray):
        return f"an array of {v.dtype}"
    return f"a {t}"


def normalise(result, layout: list[str], names: list[str]) -> tuple[list, dict]:
    """The parts of a return value as float64 arrays (scalars as 0-d), per ``layout``.

    ``layout`` lists ``"array"`` or ``"dict"`` for each returned item.  Raises
    :class:`UserFailure` (kind ``"return"``) naming what is wrong.
    """
    if not isinstance(result, (tuple, list)):
        raise UserFailure({"kind": "return", "what": "not_tuple", "got": _describe(result),
                           "summary": f"returned {_describe(result)}"})
    if len(result) != len(layout):
        raise UserFailure({"kind": "return", "what": "arity", "got": len(result),
                           "summary": f"returned {len(result)} values"})
    parts, dtypes = [], {}
    for item, kind, name in zip(result, layout, names, strict=True):
        if kind == "dict":
            if not hasattr(item, "keys") or not hasattr(item, "__getitem__"):
                raise UserFailure({"kind": "return", "what": "not_dict", "name": name, "got": _describe(item),
                                   "summary": f"{name} is {_describe(item)}"})
            d = {}
            for k in list(item.keys()):
                conv = _as_array(item[k])
                if conv is None:
                    raise UserFailure({"kind": "return", "what": "not_array", "name": f"{name}[{k!r}]",
                                       "got": _describe(item[k]), "summary": f"{name}[{k!r}] is not numbers"})
                d[str(k)], dtypes[f"{name}[{k}]"] = conv
            parts.append(d)
        else:
            conv = _as_array(item)
            if conv is None:
                raise UserFailure({"kind": "return", "what": "not_array", "name": name, "got": _describe(item),
                                   "summary": f"{name} is not numbers"})
            parts.append(conv[0])
            dtypes[name] = conv[1]
    return parts, dtypes


class Tracer:
    """Captures, at the end of each pass of a loop, the locals named like min-char-rnn's.

    A *pass* is the stretch of one frame of the user's file during which the loop
    variable (``t``, and the layer variable ``l`` when there is one) keeps its value;
    it ends when the variable changes or the frame returns.  At that moment the
    named locals hold what the pass left in them (``dy`` after ``dy[target] -= 1``,
    ``dhnext`` as the next pass will use it), and a copy of each is kept.  A helper
    called once per timestep gives one pass per call.
    """

    def __init__(self, path: str, names: dict[str, str], tname: str, lname: str, limit: int = 100_000):
        self.path, self.names, self.tname, self.lname = path, names, tname, lname
        self.passes: list[dict] = []
        self.open: dict[int, tuple] = {}       # id(frame) -> (t, l)
        self.filenames: dict[str, bool] = {}
        self.limit = limit
        self.seen_t = False

    def _mine(self, filename: str) -> bool:
        ok = self.filenames.get(filename)
        if ok is None:
            ok = self.filenames[filename] = _same_file(filename, self.path)
        return ok

    def global_trace(self, frame, event, arg):
        return self.local_trace if self._mine(frame.f_code.co_filename) else None

    @staticmethod
    def _int(v):
        if isinstance(v, (bool, np.bool_)):
            return None
        if isinstance(v, (int, np.integer)):
            return int(v)
        return None

    def _capture(self, key: tuple, loc: dict, func: str) -> None:
        vals = {}
        for q, n in self.names.items():
            if n in loc:
                v = loc[n]
                if isinstance(v, (list, tuple)):
                    arrs = [_as_array(x) for x in v]
                    if arrs and all(a is not None for a in arrs):
                        vals[q] = {"layers": [a[0] for a in arrs]}
                    continue
                a = _as_array(v)
                if a is not None:
                    vals[q] = a[0]
        if vals and len(self.passes) < self.limit:
            self.passes.append({"func": func, "t": key[0], "l": key[1], "values": vals})

    def local_trace(self, frame, event, arg):
        if event not in ("line", "return"):
            return self.local_trace
        loc = frame.f_locals
        t = self._int(loc.get(self.tname))
        key = None if t is None else (t, self._int(loc.get(self.lname)))
        fid = id(frame)
        cur = self.open.get(fid)
        if cur is not None and cur != key:
            self._capture(cur, loc, frame.f_code.co_name)
            del self.open[fid]
            cur = None
        if key is not None:
            self.seen_t = True
            if cur is None:
                self.open[fid] = key
        if event == "return" and fid in self.open:
            self._capture(self.open.pop(fid), loc, frame.f_code.co_name)
        return self.local_trace


class Session:
    """The imported file and the function under check."""

    def __init__(self, wfd: int):
        self.wfd = wfd
        self.module = None
        self.path = ""
        self.last: list | None = None      # the previous call's values (for increments)

    # -- import --------------------------------------------------------------------

    def op_import(self, req: dict) -> dict:
        path = self.path = req["path"]
        folder = os.path.dirname(path)
        sys.argv = [path]
        if sys.path[:1] != [folder]:
            sys.path.insert(0, folder)
        name = req.get("module") or os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        try:
            spec.loader.exec_module(mod)
        except BaseException as e:     # noqa: BLE001 (the user's code may raise anything)
            raise UserFailure(exception_info(e, path, "import")) from None
        self.module = mod
        functions = {}
        for k, v in vars(mod).items():
            if inspect.isfunction(v) and not k.startswith("__"):
                try:
                    sig = inspect.signature(v)
                except (TypeError, ValueError):
                    continue
                ps = list(sig.parameters.values())
                functions[k] = {
                    "params": [p.name for p in ps],
                    "required": sum(1 for p in ps if p.default is p.empty
                                    and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)),
                    "positional": sum(1 for p in ps if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)),
                    "varargs": any(p.kind == p.VAR_POSITIONAL for p in ps),
                    "line": v.__code__.co_firstlineno,
                    "own": v.__module__ == name,
                }
        methods = {k: m for k, v in vars(mod).items() if isinstance(v, type) and v.__module__ == name
                   for m in ("loss_and_grads", "lossFun") if callable(getattr(v, m, None))}
        shapes, ints = {}, {}
        for k in ("Wxh", "Whh", "Why", "bh", "by"):
            v = getattr(mod, k, None)
            if isinstance(v, np.ndarray):
                shapes[k] = list(v.shape)
        for k in ("hidden_size", "vocab_size", "seq_length"):
            v = getattr(mod, k, None)
            if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
                ints[k] = int(v)
        # every class's own methods: a --function NAME that is only one of them is told so
        class_methods = {k: sorted(m for m, f in vars(v).items() if callable(f) and not m.startswith("_"))
                         for k, v in vars(mod).items() if isinstance(v, type) and v.__module__ == name}
        return {"functions": functions, "shapes": shapes, "ints": ints, "methods": methods,
                "class_methods": class_methods}

    # -- calls ---------------------------------------------------------------------

    def _prepare(self, case: dict):
        mod = self.module
        for k, v in case.get("globals", {}).items():
            setattr(mod, k, np.array(v))                      # a fresh copy every call
        args = []
        for a in case["args"]:
            if isinstance(a, np.ndarray):
                a = np.array(a)
            elif isinstance(a, dict):
                a = {k: np.array(v) if isinstance(v, np.ndarray) else v for k, v in a.items()}
            args.append(a)
        return args

    def _changed(self, case: dict, args: list) -> list[str]:
        """Globals or parameters the call changed or rebound (the update belongs outside)."""
        out = []
        for k, v in case.get("globals", {}).items():
            now = getattr(self.module, k, None)
            if not isinstance(now, np.ndarray) or now.shape != v.shape or not np.array_equal(now, v):
                out.append(k)
        for a, orig in zip(args, case["args"], strict=True):
            if isinstance(a, dict) and isinstance(orig, dict):
                for k, v in orig.items():
                    now = a.get(k)
                    if not isinstance(now, np.ndarray) or now.shape != v.shape or not np.array_equal(now, v):
                        out.append(k)
        return out

    STATE_SIZE = 100_000
    """Module arrays up to this many entries are watched for state a call leaves behind."""

    def _state(self, case: dict) -> dict:
        """Copies of the module's own arrays (not the weights rnn-tui sets), before a call."""
        given = case.get("globals", {})
        return {k: v.copy() for k, v in vars(self.module).items()
                if isinstance(v, np.ndarray) and k not in given and v.size <= self.STATE_SIZE}

    def _kept(self, before: dict) -> list[str]:
        """The module arrays a call changed or rebound: state carried to the next call (a
        global dhnext, say), which makes two identical calls differ."""
        out = []
        for k, v in before.items():
            now = getattr(self.module, k, None)
            if not isinstance(now, np.ndarray) or now.shape != v.shape or not np.array_equal(now, v, equal_nan=True):
                out.append(k)
        return out

    def _invoke(self, fn, args, stage: str, tracer: Tracer | None = None):
        try:
            if tracer is not None:
                sys.settrace(tracer.global_trace)
            try:
                return fn(*args)
            finally:
                if tracer is not None:
                    sys.settrace(None)
        except BaseException as e:     # noqa: BLE001
            raise UserFailure(exception_info(e, self.path, stage)) from None

    def _function(self, name: str):
        fn = getattr(self.module, name, None)
        if not callable(fn):
            raise UserFailure({"kind": "missing", "summary": f"{name} is gone after the previous call"})
        return fn

    @staticmethod
    def _minus(parts: list, prev: list | None, which: list[int]) -> list:
        """``parts`` with the items at ``which`` replaced by their change since ``prev``."""
        if prev is None or not which:
            return parts
        out = list(parts)
        for i in which:
            p, q = parts[i], prev[i]
            if isinstance(p, dict) and isinstance(q, dict):
                out[i] = {k: (v - q[k] if k in q and q[k].shape == v.shape else v) for k, v in p.items()}
            elif isinstance(p, np.ndarray) and isinstance(q, np.ndarray) and p.shape == q.shape:
                out[i] = p - q
        return out

    def op_call(self, req: dict) -> dict:
        fn = self._function(req["function"])
        results = []
        for i, case in enumerate(req["cases"]):
            args = self._prepare(case)
            tracer = None
            if req.get("trace"):
                tr = req["trace"]
                tracer = Tracer(self.path, tr["names"], tr["t"], tr["l"])
            before = self._state(case)
            try:
                value = self._invoke(fn, args, req.get("stage", "call"), tracer)
                parts, dtypes = normalise(value, req["layout"], req["names"])
            except UserFailure as e:
                e.info["case"] = i
                e.info.setdefault("stage", req.get("stage", "call"))
                raise
            changed = self._changed(case, args)
            shown = self._minus(parts, self.last, req.get("increments") or [])
            self.last = parts
            res = {"parts": shown, "dtypes": dtypes, "changed": changed, "kept": self._kept(before)}
            if tracer is not None:
                res["passes"] = tracer.passes
                res["saw_t"] = tracer.seen_t
            results.append(res)
            if i + 1 < len(req["cases"]):
                write_message(self.wfd, {"tick": i + 1})
        return {"results": results}

    def op_losses(self, req: dict) -> dict:
        """The user's loss for ``case`` with one entry moved by each offset × delta."""
        fn = self._function(req["function"])
        case, delta = req["case"], float(req["delta"])
        losses, n = [], 0
        for where, index in req["entries"]:
            row = []
            for k in req["offsets"]:
                c = {"globals": dict(case.get("globals", {})), "args": list(case["args"])}
                if where[0] == "globals":
                    arr = np.array(c["globals"][where[1]])
                    arr.reshape(-1)[index] += k * delta
                    c["globals"][where[1]] = arr
                else:
                    d = dict(c["args"][where[1]])
                    arr = np.array(d[where[2]])
                    arr.reshape(-1)[index] += k * delta
                    d[where[2]] = arr
                    c["args"][where[1]] = d
                args = self._prepare(c)
                value = self._invoke(fn, args, req.get("stage", "call"))
                try:
                    parts, _ = normalise(value, req["layout"], req["names"])
                except UserFailure as e:
                    e.info.setdefault("stage", req.get("stage", "call"))
                    raise
                self.last = parts
                row.append(float(parts[0].reshape(-1)[0]) if parts[0].size == 1 else float("nan"))
                n += 1
                write_message(self.wfd, {"tick": n})
            losses.append(row)
        return {"losses": losses}


def main(argv: list[str]) -> int:
    rfd, wfd = int(argv[1]), int(argv[2])
    session = Session(wfd)
    ops = {"import": session.op_import, "call": session.op_call, "losses": session.op_losses}
    while True:
        req = read_message(rfd)
        if req is None or req.get("op") == "exit":
            return 0
        try:
            reply = {"ok": ops[req["op"]](req)}
        except UserFailure as e:
            reply = {"error": e.info}
        except Exception as e:     # noqa: BLE001 (a bug of ours: say so rather than hang)
            reply = {"error": {"kind": "internal", "summary": f"{type(e).__name__}: {e}",
                               "frames": [], "detail": traceback.format_exc()}}
        sys.stdout.flush()
        sys.stderr.flush()
        write_message(wfd, reply)


if __name__ == "__rnn_tui_check_child__":
    sys.exit(main(sys.argv[1:]))
