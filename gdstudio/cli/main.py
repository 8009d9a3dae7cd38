"""Command line: ``gdstudio [FILE.csv | FILE.gdstudio]`` opens the studio; ``gdstudio train
...`` runs headless, on a CSV file, the tutorial's line or (``--session FILE.gdstudio``) a
session's or lesson's data with its settings, the training options given replacing the
session's.

Exit status of ``gdstudio train`` (the user guide says the same):

- 0: done.
- 2: bad input or usage, an output that may not be written, or standard output failing (a
  full disk): one line on stderr, and no output file is created or changed.
- 3: training diverged; the history holds the finite epochs.
- 130 / 143: stopped by SIGINT (Ctrl+C) / SIGTERM. The run stops after the current update,
  the files are written with the finished epochs (status ``stopped``), one line on stderr;
  stopped inside an epoch, the parameters file has the w and b reached there.
  A signal while the files are written waits until they are complete.
- 141: standard output was closed by its reader (``| head``): the run stops and the files
  are written as for Ctrl+C, quietly (141 is 128 + SIGPIPE, what a shell shows for a
  process that a broken pipe ends).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from pathlib import Path

from gdstudio.cli.code_files import check_code_data, code_data_names, write_code_files
from gdstudio.cli.process import Interrupted, SafeStdout, StopSignals, say, signal_name

EXIT_OK, EXIT_USAGE, EXIT_DIVERGED = 0, 2, 3
EXIT_BROKEN_PIPE = 128 + 13  # 128 + SIGPIPE
#: ``gdstudio --import-session FILE``: open the data and settings of the session file FILE,
#: written by ``gdstudio.open`` (:mod:`gdstudio.api.launch`) for this process alone, as a new
#: unsaved session, and remove FILE once read. Not for users: not in ``--help``.
IMPORT_OPTION = "--import-session"
# Arguments that are numbers, not options: -1e-3, -2.5E+3, -.5, -inf (argparse's own pattern
# takes only -5 and -0.5, so "--init-w -1e-3" failed with "expected one argument").
NEGATIVE_NUMBER = re.compile(r"^-(\.?\d|inf|nan)", re.IGNORECASE)


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one clear line, no usage dump
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def build_parser() -> argparse.ArgumentParser:
    from gdstudio.core.data.dataset import LINE_DEFAULTS
    from gdstudio.core.settings.description import SETTINGS

    line = LINE_DEFAULTS
    p = _Parser(
        prog="gdstudio train",
        description="Train y = w*x + b (or, with --model logistic, p = sigmoid(w*x + b) on "
                    "labels 0 or 1) by gradient descent with PyTorch, without a window.",
        epilog="With --session FILE.gdstudio the run trains the session's data with the "
               "session's training settings (its kept runs and current run are not used): a "
               "lesson checked without a window. A training option given as well replaces "
               "that one setting of the session (not one the session's lesson locks or hides: "
               "refused); the data options (--data, --generate, the noisy line's, --float64) "
               "cannot be given with it. The outputs and exit codes are those of any run; a "
               "session file that cannot be used is one line on stderr and exit code 2.",
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--data", metavar="FILE.csv",
                     help="two numeric columns x,y (for --model logistic, y is a label 0 or 1; "
                          "a header 'label' is taken too)")
    src.add_argument("--generate", action="store_true",
                     help="the tutorial's noisy line (the default when --data is not given; "
                          "for --model logistic the default is two overlapping classes)")
    src.add_argument("--session", metavar="FILE.gdstudio",
                     help="the data and training settings of a session or lesson file saved "
                          "by the studio (see below)")
    g = p.add_argument_group("noisy line")
    for name in ("slope", "intercept", "noise", "x_min", "x_max", "x_step"):
        g.add_argument(f"--{name.replace('_', '-')}", type=_float, default=line[name])
    g.add_argument("--n-points", type=_int, default=None,
                   help="N uniformly random x in [x-min, x-max) instead of a step")
    g.add_argument("--float64", action="store_true", help="float64 data (default float32)")
    t = p.add_argument_group("training")
    for s in SETTINGS:  # every training setting with a flag, as the description has it
        if s.flag is None:
            continue
        if s.kind == "bool":
            t.add_argument(s.flag, action="store_true", help=s.cli_help())
            continue
        options = {"default": s.default if s.cli_default is ... else s.cli_default,
                   "help": s.cli_help()}
        if s.name == "loss":  # (each model has its own losses; None: the model's default)
            options.update(help=loss_help())
        if s.kind == "choice":
            options["choices"] = s.keys
        else:
            options["type"] = _int if s.kind == "int" else _float
        if s.metavar:
            options["metavar"] = s.metavar
        t.add_argument(s.flag, **options)
    o = p.add_argument_group("output")
    o.add_argument("--quiet", action="store_true", help="no per-epoch table")
    o.add_argument("--history", metavar="FILE.csv", help="epoch,loss,w,b per epoch")
    o.add_argument("--params", metavar="FILE.csv",
                   help="learned parameters and settings, the optimum of the run's own loss "
                        "(w_optimal, b_optimal, loss_optimal; optimal_note says how it was "
                        "found, or that it is not unique) and the least-squares line as a "
                        "reference (w_lsq, b_lsq, mse_lsq, lsq_note); then model, and for "
                        "--model logistic the accuracy and the decision boundary x = -b/w "
                        "(the optimum columns: the maximum-likelihood w*, b*)")
    o.add_argument("--figure", metavar="FILE.png|FILE.svg",
                   help="at the end, the data with the fit and residuals, the loss landscape "
                        "with the path and the loss curve as one image (PNG or SVG; no display "
                        "needed)")
    o.add_argument("--script", metavar="FILE.py",
                   help="the plain PyTorch script of this run, which prints this history; "
                        "a data set of more than 200 points is written beside it as "
                        "FILE_data.csv, which the script reads")
    o.add_argument("--notebook", metavar="FILE.ipynb",
                   help="the Jupyter notebook of this run: each step explained, the loop that "
                        "prints this history, and the plots of the loss and of the fit "
                        "(matplotlib); a data set of more than 200 points is written beside it "
                        "as FILE_data.csv (shared with --script when both name the same file)")
    p._negative_number_matcher = NEGATIVE_NUMBER
    return p


def config_from_args(args):
    """The TrainConfig of parsed arguments (not checked yet): each setting from its flag, as
    the description has it (a setting without a flag keeps its default)."""
    from gdstudio.core.settings.config import TrainConfig
    from gdstudio.core.settings.description import SETTINGS, default_loss

    values = {}
    for s in SETTINGS:
        if s.flag is not None:
            value = getattr(args, s.dest)
            values[s.name] = (not value) if s.cli_inverted else value
    if values.get("loss") is None:  # (not given: the model's own)
        values["loss"] = default_loss(values.get("model", "line"))
    return TrainConfig(**values)


def loss_help() -> str:
    """``--loss``'s help: each model's losses and its default."""
    from gdstudio.core.settings.description import MODEL_LOSSES

    return ("the loss: " + "; ".join(f"for --model {model} {', '.join(losses)}"
                                     for model, losses in MODEL_LOSSES.items())
            + " (default: the model's first; for logistic, mse is the squared error on the "
              "sigmoid, bce nn.BCELoss on the sigmoid or the hand-written formula)")


#: The options that say what the data is: none of them goes with ``--session``.
DATA_OPTIONS = ("data", "generate", "slope", "intercept", "noise", "x_min", "x_max", "x_step",
                "n_points", "float64")


def given_options(argv: list[str]) -> list[str]:
    """The destinations of the options written in ``argv``, in the parser's order (a
    default is not one)."""
    parser = build_parser()
    for action in parser._actions:
        action.default = argparse.SUPPRESS
    given = vars(parser.parse_args(argv))
    return [a.dest for a in parser._actions if a.dest in given]


def _session_input(args, given: list[str]):
    """The (dataset, config) of ``--session``: the session's data, its settings with the
    training options given in ``argv`` in place of theirs."""
    from gdstudio.core.data.dataset import Dataset
    from gdstudio.core.files.session_read import read_session
    from gdstudio.core.settings.description import SETTINGS

    if not args.session.strip():
        raise UsageError("gdstudio train: --session needs a file name, got an empty one")
    data = [name for name in DATA_OPTIONS if name in given]
    if data:
        flag = "--" + data[0].replace("_", "-")
        raise UsageError(f"gdstudio train: {flag} cannot be given with --session: the "
                         "session holds its data (see 'gdstudio train --help')")
    session = read_session(args.session)
    if not len(session.x):
        raise UsageError(f"gdstudio train: {args.session}: the session's data set is empty: "
                         "add at least one point in the studio before training")
    chosen = config_from_args(args)
    closed = set() if session.lesson is None else {*session.lesson.locked,
                                                   *session.lesson.hidden}
    if "settings_panel" in closed:  # (the whole settings panel)
        closed |= {s.name for s in SETTINGS}
    changes = {}
    for s in SETTINGS:
        if s.dest not in given or getattr(chosen, s.name) == getattr(session.settings, s.name):
            continue
        if s.name in closed or ("random_init" in closed and getattr(session.settings, s.name)
                                is None and s.name in ("init_w", "init_b")):
            raise UsageError(f"gdstudio train: the lesson in {args.session} locks "
                             f"{s.label!r}: train it as the class would, without {s.flag}")
        changes[s.name] = getattr(chosen, s.name)
    if "model" in changes and "loss" not in given:  # another model, with its own loss
        from gdstudio.core.settings.description import default_loss

        changes["loss"] = default_loss(changes["model"])
    config = session.settings.replace(**changes) if changes else session.settings
    return Dataset(session.x, session.y), config, session


def prepare(args, given: list[str], points=None):
    """Turn arguments into (dataset, config, session or None); raise StudioError/UsageError
    on bad input (``given``: :func:`given_options` of the arguments).

    ``points(dtype, labels)``, if given, makes the data set in place of ``--data`` or the
    generators (the points of the Python API, :mod:`gdstudio.api.training`): the data type
    is ``--float64``'s, and ``labels`` is True for logistic regression.
    """
    from gdstudio.core.data import csv_io as csvio
    from gdstudio.core.data.dataset import noisy_line, random_line
    from gdstudio.core.models.logistic.labels import check_labels

    if args.session is not None:
        dataset, config, session = _session_input(args, given)
        config.validate()
        targets = _check_outputs(args)
        check_code_data(args, dataset, targets)
        return dataset, config, session
    if args.data is not None and not args.data.strip():
        raise UsageError("gdstudio train: --data needs a file name, got an empty one")
    config = config_from_args(args)
    config.validate()
    targets = _check_outputs(args)
    dtype = "float64" if args.float64 else "float32"
    if points is not None:
        dataset = points(dtype, config.model == "logistic")
        if config.model == "logistic":
            check_labels(dataset.y)
    elif config.model == "logistic":
        dataset = _labelled_data(args, given, dtype, config.seed)
    elif args.data:
        dataset = csvio.read_dataset(args.data, dtype)
    elif args.n_points is not None:
        dataset = random_line(args.n_points, args.slope, args.intercept, args.noise,
                              args.x_min, args.x_max, config.seed, dtype)
    else:
        dataset = noisy_line(args.slope, args.intercept, args.noise, args.x_min, args.x_max,
                             args.x_step, config.seed, dtype)  # (the seed setting's)
    check_code_data(args, dataset, targets)
    return dataset, config, None


_prepare = prepare  # (its former name)


#: The options of the noisy line's generator (not logistic regression's data).
LINE_DATA_OPTIONS = ("generate", "slope", "intercept", "noise", "x_min", "x_max", "x_step",
                     "n_points")


def _labelled_data(args, given: list[str], dtype: str, seed: int):
    """Logistic regression's data: ``--data``'s x and labels, or two overlapping classes
    drawn from the seed."""
    from gdstudio.core.data import csv_io as csvio
    from gdstudio.core.models.logistic.labels import check_labels

    line = [name for name in LINE_DATA_OPTIONS if name in given]
    if line:
        flag = "--" + line[0].replace("_", "-")
        raise UsageError(f"gdstudio train: {flag} draws the noisy line, not labelled data: "
                         "with --model logistic give --data FILE.csv with labels 0 or 1, or "
                         "nothing for two overlapping classes")
    if args.data:
        dataset = csvio.read_dataset(args.data, dtype, labels=True)
    else:
        from gdstudio.core.data.two_classes import two_classes

        dataset = two_classes(seed=seed, dtype=dtype)
    check_labels(dataset.y)
    return dataset


#: The output files, in the order they are checked and written.
OUTPUTS = ("history", "params", "figure", "script", "notebook")


def _check_outputs(args) -> list[Path]:
    """Refuse, before any work, an output that is not a regular file or a new name."""
    from gdstudio.core.atomic import check_output
    from gdstudio.core.drawing.figure_data import figure_format

    targets, options = [], []
    for name in OUTPUTS:
        option, value = f"--{name}", getattr(args, name)
        if value is None:
            continue
        if not value:
            raise UsageError(f"gdstudio train: {option} needs a file name, got ''")
        if option == "--figure" and figure_format(value) is None:
            raise UsageError(f"gdstudio train: --figure must name a .png or .svg file, got "
                             f"{value!r}")
        if option == "--notebook" and not os.path.basename(value).lower().endswith(".ipynb"):
            raise UsageError(f"gdstudio train: --notebook must name a .ipynb file, got "
                             f"{value!r}")
        target = check_output(value)
        if target in targets:
            raise UsageError(f"gdstudio train: {options[targets.index(target)]} and {option} "
                             "must be different files")
        targets.append(target)
        options.append(option)
    for given in (args.data, args.session):
        if not given:
            continue
        source = Path(os.path.realpath(given))
        for target in targets:
            if target == source or _same_file(target, source):
                raise UsageError(f"gdstudio train: refusing to overwrite the input {given}")
    return targets


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def train_main(argv: list[str]) -> int:
    signals = StopSignals()
    try:
        return _train(argv, signals)
    except Interrupted as exc:  # nothing has been written yet
        say(f"gdstudio train: stopped by {signal_name(exc.signum)} before training started; "
            "no file was written.")
        return 128 + exc.signum
    finally:
        signals.restore()


def _train(argv: list[str], signals: StopSignals) -> int:
    from gdstudio.core.atomic import AtomicFiles
    from gdstudio.core.errors import StudioError
    from gdstudio.core.training.engine import TrainingControl
    from gdstudio.core.training.lifecycle import TrainingRun

    control = TrainingControl()
    try:
        args = build_parser().parse_args(argv)
        dataset, config, session = prepare(args, given_options(argv))
        run = TrainingRun(dataset, config)  # validates for the data's dtype; draws the start
        optimum = run_optimum(dataset, run.loss_config)
        history = run.records(control)
        names = [getattr(args, name) for name in OUTPUTS if getattr(args, name) is not None]
        names += code_data_names(args, dataset)
        files = AtomicFiles(names)
    except UsageError as exc:
        say(exc)
        return EXIT_USAGE
    except StudioError as exc:
        say(f"gdstudio train: {exc}")
        return EXIT_USAGE

    # From here on SIGINT and SIGTERM stop the run after the current update; the epochs
    # done so far are written.
    signals.arm(control)
    try:
        return _run(args, run, optimum, history, files, signals, session)
    except StudioError as exc:  # an output could not be written: nothing was changed
        say(f"gdstudio train: {exc}")
        return EXIT_USAGE
    finally:
        history.close()
        files.discard()  # the temporary files, unless committed


def _run(args, run, optimum, history, files, signals, session=None) -> int:
    """Train, streaming the history, then write the outputs; the exit code."""
    order = [name for name in OUTPUTS if getattr(args, name)]
    out = SafeStdout(sys.stdout)
    if session is not None and not args.quiet:
        print(f"# {session_words(args.session, session)}", file=out)
    drawn = _stream(args, run, history, files, order, out)
    return _finish(args, run, optimum, files, order, out, drawn, signals)


def _stream(args, run, history, files, order, out):
    """Print and write each epoch's row as it comes; the losses and path of the figure
    (None without one)."""
    from gdstudio.core.training.results import (
        HISTORY_HEADER_LINE,
        HISTORY_STD_HEADER_LINE,
        history_row,
        history_row_std,
    )

    dataset, config, init = run.dataset, run.config, run.init
    hist = order.index("history") if "history" in order else None
    drawn = None if "figure" not in order else ([], [init])
    files.open()
    std = run.standardized
    if hist is not None:
        files.write(hist, HISTORY_HEADER_LINE if std is None else HISTORY_STD_HEADER_LINE)
    if not args.quiet:
        count = len(dataset)
        print(f"# {count} point{'' if count == 1 else 's'}; {config.describe()}; "
              f"start w={init[0]!r}, "
              f"b={init[1]!r}", file=out)
        if training_words(config):
            print(f"# {training_words(config)}", file=out)
        if std is not None:
            print(f"# {standardized_words(std)}", file=out)
        print("epoch, \tloss, \tw, \tb", file=out)
    for record in history:  # one record at a time: the history streams to its file
        if hist is not None:
            files.write(hist, history_row(record) if std is None
                        else history_row_std(record, run.last_std))
        if drawn is not None:
            drawn[0].append(record.loss)
            drawn[1].append((record.w, record.b))
        if not args.quiet:
            print(f"{record.epoch}, \t{record.loss}, \t{record.w}, \t{record.b}", file=out)
            if out.error is not None:
                break  # standard output failed: the run stops (status "stopped")
    history.close()
    return drawn


def _finish(args, run, optimum, files, order, out, drawn, signals) -> int:
    """The final lines, the parameters, figure and script files, and the exit code."""
    from gdstudio.core.training.results import params_text

    dataset, config = run.dataset, run.config
    diverged = run.diverged
    code = EXIT_DIVERGED if diverged is not None else EXIT_OK
    summary = run.summarize(optimum)
    for line in final_lines(run, summary, optimum):
        print(line, file=out)
    out.flush()
    if out.error is not None and not out.broken_pipe:  # e.g. a full disk: change nothing
        say(f"gdstudio train: cannot write to standard output ({out.reason}); the run was "
            "stopped and no file was written.")
        return EXIT_USAGE
    if "params" in order:
        files.write(order.index("params"), params_text([summary]))
    if drawn is not None:
        files.write(order.index("figure"),
                    figure_bytes(args.figure, run, summary, optimum, *drawn))
    if args.script or args.notebook:
        write_code_files(files, order, args, dataset, config)
    files.commit()
    if diverged is not None:
        say(f"gdstudio train: {diverged}")
    elif signals.received is not None:
        say("gdstudio train: " + signals.report(summary.status, summary.epochs_done,
                                                bool(files.names), run.partial))
    if signals.received is not None:
        return 128 + signals.received
    if diverged is None and out.broken_pipe:  # the reader went away (| head): quietly
        return EXIT_BROKEN_PIPE
    return code


def final_lines(run, summary, optimum) -> list[str]:
    """The lines ``gdstudio train`` prints when a run has ended: the final w, b and loss, the
    stop rule's verdict if it ended the run, and the optimum (:func:`optimum_words`)."""
    loss_text = f"overflows {run.dataset.dtype}" if summary.loss == "" else repr(summary.loss)
    partial = "" if run.partial is None else (
        f" and {run.partial.done} of {run.partial.total} updates of the next")
    lines = [f"final: w={summary.w!r}, b={summary.b!r}, loss={loss_text} "
             f"after {summary.epochs_done} epoch(s){partial}"]
    if run.converged is not None:
        lines.append(f"{run.converged.sentence()} (of {run.config.epochs} planned)")
    return [*lines, *optimum_words(summary, optimum)]


def figure_bytes(path, run, summary, optimum, losses, path_points) -> bytes:
    """The ``--figure`` image of the finished run (Qt is imported here, only for it)."""
    from gdstudio.core.drawing.figure_data import FigureData, figure_format
    from gdstudio.core.settings.description import LOSS_LABELS
    from gdstudio.ui.exports.figure_views import render_figure

    if run.partial is not None:
        path_points = [*path_points, (summary.w, summary.b)]
    data = FigureData.of_run(run.dataset, losses, path_points, summary.w, summary.b,
                             LOSS_LABELS[run.config.loss], f"gdstudio: {run.config.describe()}",
                             end=summary.loss, model=run.config.model)
    if run.config.model == "line" and optimum is not None:
        optimum = optimum.own
    return render_figure(data, run.dataset, run.loss_config, optimum, figure_format(path))


def run_optimum(dataset, config):
    """The optimum a run's summary names: the line's :class:`Optima` (of the run's own loss,
    and least squares), or logistic regression's maximum-likelihood
    :class:`~gdstudio.core.models.logistic.optimum.LogisticOptimum`."""
    if config.model == "logistic":
        from gdstudio.core.models.logistic.optimum import logistic_optimum

        return logistic_optimum(dataset.x, dataset.y, config.fit_bias)
    from gdstudio.core.models.line.optimum import run_optima

    return run_optima(dataset, config)


def optimum_words(summary, optimum) -> list[str]:
    """The summary's last lines: the optimum (and for logistic regression, first, the
    accuracy and the decision boundary at the final w, b)."""
    if summary.config.model == "line":
        from gdstudio.core.models.line.optimum import optimum_lines

        return optimum_lines(optimum)
    lines = []
    if summary.accuracy is not None:
        right = round(summary.accuracy * summary.n_points)
        points = "point" if summary.n_points == 1 else "points"
        lines.append(f"accuracy: {summary.accuracy!r} ({right:,} of {summary.n_points:,} "
                     f"{points} on their class's side of the decision boundary)")
    if summary.boundary is not None:
        lines.append(f"decision boundary: x = -b/w = {summary.boundary + 0.0!r} (p = 0.5 there)")
    elif summary.accuracy is not None:
        lines.append("no decision boundary: w = 0, so p = sigmoid(b) at every x")
    own = "" if summary.config.loss != "mse" else (
        " (of the cross-entropy, not this run's loss, the squared error on the sigmoid)")
    lines.append(f"optimum{own}: {optimum.text}")
    return lines


def session_words(path: str, session) -> str:
    """Where a ``--session`` run's data and settings come from, in one line."""
    words = f"data and settings of the session {path}"
    if session.lesson is not None:
        words += f" (lesson {session.lesson.title!r})"
    if session.ignored:
        words += ("; ignored what this version does not know: "
                  f"{', '.join(session.ignored[:5])}")
    return words


def training_words(config) -> str:
    """The schedule and the stop rule of a run, in one line ('' for neither)."""
    from gdstudio.core.settings.schedule import schedule_words

    parts = []
    if schedule_words(config):
        parts.append(f"learning rate {schedule_words(config)}, stepped after each epoch")
    if config.tol > 0:
        parts.append(f"stops when the relative loss change or the gradient norm at an epoch's "
                     f"end is below tol {config.tol:g}")
    return "; ".join(parts)


def standardized_words(std) -> str:
    """How a standardized run is trained and reported, in one line."""
    s = std.standardization
    loss = {"mse": "the MSE of the data (sy\u00b2 times the standardized data's)",
            "mae": "the MAE of the data (sy times the standardized data's)",
            "huber": f"the Huber loss of the data with delta {std.loss_config.huber_delta!r} "
                     "(the run's delta times sy; sy\u00b2 times the standardized data's)"}
    return (f"trained on standardized x and y (mean x {s.x_mean!r}, std x {s.x_std!r}, mean y "
            f"{s.y_mean!r}, std y {s.y_std!r}); w, b and the loss are in the data's units: "
            f"the loss is {loss[std.loss_config.loss]}; the history's w_std, b_std are the "
            "standardized line")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "train":
        return train_main(argv[1:])
    if argv and argv[0] in ("-h", "--help"):
        print("usage: gdstudio [FILE.csv]          open the studio (with that data)\n"
              "       gdstudio FILE.gdstudio       open the studio with that session\n"
              "       gdstudio train [options]     train headless; see 'gdstudio train --help'\n"
              "       gdstudio train --session FILE.gdstudio [options]\n"
              "                                    train a session's data with its settings\n"
              "       gdstudio --version")
        return EXIT_OK
    if argv and argv[0] == "--version":
        from gdstudio import __version__

        print(f"gdstudio {__version__}")
        return EXIT_OK
    if len(argv) == 2 and argv[0] == IMPORT_OPTION:  # (gdstudio.open's; not in --help)
        from gdstudio.app import run_app

        return run_app(imported=argv[1])
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print(f"gdstudio: unexpected arguments {' '.join(argv)!r} (see 'gdstudio --help')",
              file=sys.stderr)
        return EXIT_USAGE
    from gdstudio.app import run_app

    return run_app(argv[0] if argv else None)


if __name__ == "__main__":
    sys.exit(main())
