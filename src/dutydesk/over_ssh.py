"""Files for community offices, through their key: `ssh desk@centre report monthly … > file`.

Over SSH an officer has no file access (the key's forced command is the desk, `restrict`), so a
file exported on a screen would land in the service account's folder where the office cannot
reach it. When the client asks for a command, sshd puts it in `SSH_ORIGINAL_COMMAND`; the forced
command then runs only one of a short allow-list of read-only exports, for that officer, and
writes the file to standard output. The words are split here (`shlex`, never a shell) and
parsed by the program's own parser, which knows no `--db`, `--as`, `--officer` or output path:
the identity and the database come from the key's line alone. Each export is an event.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
from pathlib import Path

from dutydesk.errors import DutyDeskError

COMMANDS = ("report", "revisits", "export-110-feedback")


class _Refused(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """Refuses in one line instead of printing usage and exiting."""

    def error(self, message: str):
        raise _Refused(message)


def export_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dutydesk", add_help=False)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    report = commands.add_parser("report", add_help=False)
    report.add_argument("kind", choices=("weekly", "monthly"))
    report.add_argument("--period", default="")
    report.add_argument("--node", default="")
    report.add_argument("--format", choices=("xlsx", "csv", "md"), default="xlsx")
    revisits = commands.add_parser("revisits", add_help=False)
    revisits.add_argument("--ics", action="store_true", required=True)
    feedback = commands.add_parser("export-110-feedback", add_help=False)
    feedback.add_argument("--since", required=True)
    feedback.add_argument("--format", choices=("xlsx", "csv", "jsonl"), default="xlsx")
    return parser


def parse(requested: str) -> argparse.Namespace:
    """The client's command, split without a shell and parsed by the allow-list alone."""
    try:
        words = shlex.split(requested)
        if not words or words[0] not in COMMANDS:
            raise _Refused(words[0] if words else "")
        args = export_parser().parse_args(words)
        args.command_line = shlex.join(words)  # as the event records it
        return args
    except (_Refused, ValueError):
        raise DutyDeskError("ssh.not_allowed", commands=", ".join(COMMANDS)) from None


def run(desk, actor, args: argparse.Namespace, stdout=None) -> int:
    """Write the export the client asked for (`parse`d) to standard output."""
    out = stdout if stdout is not None else sys.stdout.buffer
    if hasattr(out, "isatty") and out.isatty():
        # `ssh -t`: a terminal would mangle the bytes and show a workbook as noise.
        raise DutyDeskError("ssh.needs_redirect", command=args.command_line[:200])
    with tempfile.TemporaryDirectory(prefix="dutydesk-export-") as folder:
        path, what = _export(desk, actor, args, Path(folder))
        data = path.read_bytes()
    from dutydesk.services.exports import record_export

    record_export(desk, actor, what, {"command": args.command_line, "bytes": len(data)})
    out.write(data)
    out.flush()
    return 0


def _export(desk, actor, args: argparse.Namespace, folder: Path) -> tuple[Path, str]:
    """The same writers a local export uses: the file comes out byte for byte the same."""
    if args.command == "report":
        from dutydesk.cli import report_period
        from dutydesk.reports.writers import write_report
        from dutydesk.services.statistics import report

        period = report_period(desk, args.kind, args.period)
        path = folder / f"report.{args.format}"
        write_report(report(desk, actor, period, args.node or None), path, args.format)
        return path, f"report {args.kind} {period.label} {args.format}"
    if args.command == "revisits":
        from dutydesk.services.revisit_calendar import export_ics

        path = folder / "revisits.ics"
        export_ics(desk, path, actor=actor)
        return path, "revisits ics"
    from dutydesk.cli import local_moment
    from dutydesk.services.police_export import export_feedback

    since = local_moment(args.since, "--since")
    path = folder / f"feedback.{args.format}"
    export_feedback(desk, actor, since, path)
    return path, f"110 feedback since {args.since} {args.format}"


def command_line(words: list[str], suffix: str) -> str:
    """What an office types to fetch a screen's export through its key (shown on the screen
    over SSH instead of a path the office cannot reach)."""
    import getpass
    import socket

    target = f"{getpass.getuser()}@{socket.gethostname()}"
    return f"ssh -T {target} {' '.join(shlex.quote(w) for w in words)} > {suffix}"


def served_over_ssh() -> bool:
    import os

    return bool(os.environ.get("SSH_CONNECTION"))
