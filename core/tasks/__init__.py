"""The tasks rnn-tui trains on, and their registry.

Each task is a class in a module of this package (one module a task, or a family);
every class documents its encoding in its docstring.  :data:`TASKS` is built from
the classes themselves: every module here is imported and every subclass of
:class:`~rnn_tui.core.tasks.base.Task` that names itself is registered, in the
order of its ``order``.  Adding a task is adding a module; nothing else names it.

Code elsewhere asks the task class for its traits (``is_language_model``,
``options``, ``loss_title``…) and never compares task names.
"""

from __future__ import annotations

import importlib
import pkgutil

from rnn_tui.core.tasks.base import Batch, SampleStart, Task, TaskError


def _discover() -> dict[str, type[Task]]:
    for mod in pkgutil.iter_modules(__path__):
        if mod.name != "base":
            importlib.import_module(f"{__name__}.{mod.name}")
    found, todo = [], list(Task.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if "name" in vars(cls):                 # names itself (bases for a family do not)
            found.append(cls)
    return {cls.name: cls for cls in sorted(found, key=lambda c: (c.order, c.name))}


TASKS: dict[str, type[Task]] = _discover()
"""Task name -> class, in the order the app numbers them (key 1, 2, …)."""

globals().update({cls.__name__: cls for cls in TASKS.values()})   # rnn_tui.core.tasks.CharLM, …


def task_class(name: str) -> type[Task]:
    """The class of task ``name``; :class:`TaskError` naming the choices if there is none."""
    try:
        return TASKS[name]
    except KeyError:
        raise TaskError(f"unknown task {name!r}; choose one of: {', '.join(TASKS)}") from None


def tasks_with(option: str) -> tuple[str, ...]:
    """The tasks for which setting ``option`` (a Config field such as ``"bits"``) applies."""
    return tuple(n for n, cls in TASKS.items() if option in cls.options)


__all__ = ["TASKS", "Batch", "SampleStart", "Task", "TaskError", "task_class", "tasks_with",
           *(cls.__name__ for cls in TASKS.values())]
