"""Command line: ``gdstudio [FILE.csv]`` opens the studio; ``gdstudio train ...`` runs headless.

Exit status of ``gdstudio train``: 0 done, 2 bad input or usage (one line on stderr, no output
file created or changed), 3 training diverged (the history holds the finite epochs).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

EXIT_OK, EXIT_USAGE, EXIT_DIVERGED = 0, 2, 3


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
    from .core.engine import IMPLEMENTATIONS, LOSSES, METHODS, OPTIMIZERS, TrainConfig

    d = TrainConfig()
    p = _Parser(
        prog="gdstudio train",
        description="Train y = w*x + b by gradient descent with PyTorch, without a window.",
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--data", metavar="FILE.csv", help="two numeric columns x,y")
    src.add_argument("--generate", action="store_true",
                     help="the tutorial's noisy line (the default when --data is not given)")
    g = p.add_argument_group("noisy line")
    g.add_argument("--slope", type=_float, default=-5.0)
    g.add_argument("--intercept", type=_float, default=0.0)
    g.add_argument("--noise", type=_float, default=0.4)
    g.add_argument("--x-min", type=_float, default=-5.0)
    g.add_argument("--x-max", type=_float, default=5.0)
    g.add_argument("--x-step", type=_float, default=0.1)
    g.add_argument("--n-points", type=_int, default=None,
                   help="N uniformly random x in [x-min, x-max) instead of a step")
    g.add_argument("--float64", action="store_true", help="float64 data (default float32)")
    t = p.add_argument_group("training")
    t.add_argument("--method", choices=METHODS, default=d.method)
    t.add_argument("--batch-size", type=_int, default=d.batch_size, metavar="N")
    t.add_argument("--impl", choices=IMPLEMENTATIONS, default=d.impl)
    t.add_argument("--optimizer", choices=OPTIMIZERS, default=d.optimizer)
    t.add_argument("--momentum", type=_float, default=d.momentum, metavar="M")
    t.add_argument("--nesterov", action="store_true")
    t.add_argument("--weight-decay", type=_float, default=d.weight_decay)
    t.add_argument("--beta1", type=_float, default=d.beta1)
    t.add_argument("--beta2", type=_float, default=d.beta2)
    t.add_argument("--alpha", type=_float, default=d.alpha, help="RMSprop smoothing")
    t.add_argument("--eps", type=_float, default=None,
                   help="optimizer eps (default: torch's, 1e-8; Adagrad 1e-10)")
    t.add_argument("--loss", choices=LOSSES, default=d.loss)
    t.add_argument("--huber-delta", type=_float, default=d.huber_delta)
    t.add_argument("--lr", type=_float, default=d.learning_rate, metavar="F")
    t.add_argument("--epochs", type=_int, default=d.epochs, metavar="N")
    t.add_argument("--init-w", type=_float, default=None, metavar="F",
                   help="initial w (default: drawn from --seed like nn.Linear)")
    t.add_argument("--init-b", type=_float, default=None, metavar="F",
                   help="initial b (default: drawn from --seed like nn.Linear)")
    t.add_argument("--no-bias", action="store_true", help="fit y = w*x (b stays 0)")
    t.add_argument("--seed", type=_int, default=0, metavar="K",
                   help="seeds the noisy line, a drawn start and shuffling (default 0)")
    t.add_argument("--shuffle", action="store_true", help="seeded shuffle each epoch")
    o = p.add_argument_group("output")
    o.add_argument("--quiet", action="store_true", help="no per-epoch table")
    o.add_argument("--history", metavar="FILE.csv", help="epoch,loss,w,b per epoch")
    o.add_argument("--params", metavar="FILE.csv", help="learned parameters and settings")
    return p


def _prepare(args):
    """Turn arguments into (dataset, config); raise StudioError/UsageError on bad input."""
    from .core import csvio
    from .core.data import noisy_line, random_line
    from .core.engine import TrainConfig

    if args.data is not None and not args.data.strip():
        raise UsageError("gdstudio train: --data needs a file name, got an empty one")
    config = TrainConfig(
        method=args.method, impl=args.impl, optimizer=args.optimizer, loss=args.loss,
        learning_rate=args.lr, epochs=args.epochs, batch_size=args.batch_size,
        init_w=args.init_w, init_b=args.init_b, seed=args.seed, shuffle=args.shuffle,
        fit_bias=not args.no_bias, momentum=args.momentum, nesterov=args.nesterov,
        weight_decay=args.weight_decay, beta1=args.beta1, beta2=args.beta2, alpha=args.alpha,
        eps=args.eps, huber_delta=args.huber_delta,
    )
    config.validate()
    outputs = [Path(p) for p in (args.history, args.params) if p]
    if len(outputs) == 2 and outputs[0].resolve() == outputs[1].resolve():
        raise UsageError("gdstudio train: --history and --params must be different files")
    if args.data:
        for out in outputs:
            if out.resolve() == Path(args.data).resolve():
                raise UsageError(f"gdstudio train: refusing to overwrite the input {args.data}")
    for out in outputs:
        csvio.check_writable(out)
    dtype = "float64" if args.float64 else "float32"
    if args.data:
        dataset = csvio.read_dataset(args.data, dtype)
    elif args.n_points is not None:
        dataset = random_line(args.n_points, args.slope, args.intercept, args.noise,
                              args.x_min, args.x_max, args.seed, dtype)
    else:
        dataset = noisy_line(args.slope, args.intercept, args.noise, args.x_min, args.x_max,
                             args.x_step, args.seed, dtype)
    return dataset, config


def train_main(argv: list[str]) -> int:
    from .core.engine import initial_parameters, train
    from .core.errors import StudioError, TrainingDiverged
    from .core.export import summarize, write_outputs
    from .core.optimum import closed_form

    try:
        args = build_parser().parse_args(argv)
        dataset, config = _prepare(args)
        init = initial_parameters(config, dataset.dtype)
        optimum = closed_form(dataset, config.fit_bias)
        history = train(dataset, config)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except StudioError as exc:
        print(f"gdstudio train: {exc}", file=sys.stderr)
        return EXIT_USAGE

    out = sys.stdout
    if not args.quiet:
        print(f"# {len(dataset)} points; {config.describe()}; start w={init[0]!r}, "
              f"b={init[1]!r}", file=out)
        print("epoch, \tloss, \tw, \tb", file=out)
    records = []
    status, code, diverged = "done", EXIT_OK, None
    try:
        for record in history:
            records.append(record)
            if not args.quiet:
                print(f"{record.epoch}, \t{record.loss}, \t{record.w}, \t{record.b}", file=out)
    except TrainingDiverged as exc:
        status, code, diverged = "diverged", EXIT_DIVERGED, exc
    except KeyboardInterrupt:
        status, code = "stopped", 130
    last = records[-1] if records else None
    summary = summarize(dataset, config, last, status, init, optimum, diverged=diverged)
    try:
        write_outputs(args.history, records, args.params, [summary])
    except StudioError as exc:
        print(f"gdstudio train: {exc}", file=sys.stderr)
        return EXIT_USAGE
    loss_text = "overflows" if summary.loss == "" else repr(summary.loss)
    print(f"final: w={summary.w!r}, b={summary.b!r}, loss={loss_text} "
          f"after {summary.epochs_done} epoch(s)", file=out)
    print(f"optimum (closed form): w*={optimum.w!r}, b*={optimum.b!r}, "
          f"loss*={optimum.loss!r}", file=out)
    if diverged is not None:
        print(f"gdstudio train: {diverged}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "train":
        return train_main(argv[1:])
    if argv and argv[0] in ("-h", "--help"):
        print("usage: gdstudio [FILE.csv]          open the studio (with that data)\n"
              "       gdstudio train [options]     train headless; see 'gdstudio train --help'\n"
              "       gdstudio --version")
        return EXIT_OK
    if argv and argv[0] == "--version":
        from . import __version__

        print(f"gdstudio {__version__}")
        return EXIT_OK
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print(f"gdstudio: unexpected arguments {' '.join(argv)!r} (see 'gdstudio --help')",
              file=sys.stderr)
        return EXIT_USAGE
    from .app import run_app

    return run_app(argv[0] if argv else None)


if __name__ == "__main__":
    sys.exit(main())
