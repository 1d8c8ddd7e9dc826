"""Entry points. Exit 0 when done; otherwise one line on stderr saying why, never a traceback
for a user's mistake."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from dutydesk import startup
from dutydesk.domain.text import printable
from dutydesk.errors import DutyDeskError
from dutydesk.i18n import LANGUAGES, set_language, t

if TYPE_CHECKING:
    from dutydesk.services.context import Desk


def _database(given: str) -> Path | str:
    """--db: a SQLite file's path, or a PostgreSQL URL kept as typed (a path would fold its
    `//`)."""
    from dutydesk.store.engine import is_url

    return given if is_url(given) else Path(given)


def _common_options(*, defaults: bool) -> argparse.ArgumentParser:
    """--db, --lang and --as, accepted before or after the sub-command. The sub-commands' copy
    has no defaults, so that it does not overwrite a value given before the sub-command."""
    def default(value):
        return value if defaults else argparse.SUPPRESS

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=_database, default=default(None),
                        help="database file, or a postgresql:// URL (default: $DUTYDESK_DB or "
                             "the user data directory)")
    common.add_argument("--report-db", type=_database,
                        default=default(_database(os.environ["DUTYDESK_REPORT_DB"])
                                        if os.environ.get("DUTYDESK_REPORT_DB") else None),
                        help="read the statistics from this copy of the database (a "
                             "replica; default: $DUTYDESK_REPORT_DB, else --db)")
    common.add_argument("--lang", default=default(os.environ.get("DUTYDESK_LANG", "zh_CN")),
                        help="zh_CN (default) or en")
    common.add_argument("--as", dest="as_login", metavar="LOGIN", default=default(None),
                        help="act as this officer (demo and training databases only)")
    return common


def _parser() -> argparse.ArgumentParser:
    common = _common_options(defaults=False)
    parser = argparse.ArgumentParser(prog="dutydesk", parents=[_common_options(defaults=True)],
                                     description="Duty desk for governance centres.")
    commands = parser.add_subparsers(dest="command")
    demo = commands.add_parser("demo", parents=[common],
                               help="build a fresh demo database from seed/ and open it")
    demo.add_argument("--no-ui", action="store_true", help="only build the database")
    init = commands.add_parser("init", parents=[common],
                               help="create a new, empty desk database from a configuration folder")
    init.add_argument("--seed", type=Path, help="folder of org, units, categories, officers, "
                                                "settings and calendar TOML (default: the bundled seed/)")
    calendar = commands.add_parser("calendar", parents=[common],
                                   help="enter a year's official holidays (administrators)")
    calendar.add_argument("file", type=Path, help="TOML with [[year]] entries, as seed/calendar.toml")
    calendar.add_argument("--replace-official", action="store_true",
                          help="override a year the official calendar package already covers")
    police = commands.add_parser("import-110", parents=[common],
                                 help="import the 110 system's export of non-police calls")
    police.add_argument("file", type=Path, help=".xlsx, .csv (UTF-8 or GB18030) or .jsonl")
    feedback = commands.add_parser("export-110-feedback", parents=[common],
                                   help="write the feedback for the 110 system to take back")
    feedback.add_argument("--since", required=True,
                          help="local time: 2026-11-24 or '2026-11-24 08:00'")
    feedback.add_argument("--output", required=True, type=Path, help=".csv, .jsonl or .xlsx")
    total = commands.add_parser("total-110", parents=[common],
                                help="record a period's total of all 110 calls")
    total.add_argument("--from", dest="first_day", required=True, help="first day, 2026-11-01")
    total.add_argument("--to", dest="last_day", required=True, help="last day, 2026-11-30")
    total.add_argument("--total", required=True, type=int, help="all 110 calls in the period")
    total.add_argument("--replace", action="store_true",
                       help="replace a different figure already recorded for the period")
    commands.add_parser("sweep", parents=[common],
                        help="write the supervision ladder's 催办 and 通报 that are due (cron)")
    serve = commands.add_parser("serve", parents=[common],
                                help="open the desk as an officer over SSH (authorized_keys' "
                                     "forced command; the identity is --officer, never the "
                                     "environment)")
    serve.add_argument("--officer", required=True, help="the officer's LOGIN")
    serve.add_argument("--train", metavar="SCENARIO",
                       help="a class: the officer's own fresh training run of SCENARIO")
    serve.add_argument("--class", dest="class_dir", metavar="DIR", type=Path, default=None,
                       help="with --train: where each trainee's copy is kept (default: "
                            "class/ in the user data directory)")
    officers = commands.add_parser("officers", parents=[common],
                                   help="manage officers and their SSH keys (administrators)")
    which = officers.add_subparsers(dest="officers_command", required=True)
    add = which.add_parser("add", parents=[common], help="add an officer")
    add.add_argument("login")
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, help="officer, duty_chief, community, unit, admin")
    add.add_argument("--node", required=True, help="the officer's place (node code)")
    add.add_argument("--unit", default="", help="a unit liaison's unit (code)")
    keys_file = argparse.ArgumentParser(add_help=False)
    keys_file.add_argument("--authorized-keys", type=Path, default=None,
                           help="default: ~/.ssh/authorized_keys of the account running "
                                "this (a demo or training desk needs it named)")
    off = which.add_parser("deactivate", parents=[common, keys_file],
                           help="deactivate an officer (their SSH keys go too)")
    off.add_argument("login")
    which.add_parser("list", parents=[common, keys_file], help="officers, with their SSH keys")
    add_key = which.add_parser("add-key", parents=[common, keys_file],
                               help="let an officer in with a public key")
    add_key.add_argument("login")
    add_key.add_argument("keyfile", type=Path, help="the officer's public key (.pub)")
    remove_key = which.add_parser("remove-key", parents=[common, keys_file],
                                  help="take an officer's SSH keys away")
    remove_key.add_argument("login")
    report = commands.add_parser("report", parents=[common],
                                 help="write the weekly report or the monthly ranking (统计)")
    report.add_argument("kind", choices=("weekly", "monthly"))
    report.add_argument("--period", default="",
                        help="2026-W47, 2026-11 or FROM..TO (default: the last complete one)")
    report.add_argument("--node", default="", help="a place of the org tree (default: yours)")
    report.add_argument("--format", choices=("xlsx", "csv", "md"), default=None,
                        help="default: from --output's suffix, else xlsx")
    report.add_argument("--output", type=Path, default=None,
                        help="default: report-<period>.<format> in $DUTYDESK_EXPORTS "
                             "(~/dutydesk-exports)")
    revisits = commands.add_parser("revisits", parents=[common],
                                   help="write the revisits still due as an iCalendar file")
    revisits.add_argument("--ics", required=True, type=Path, help="the .ics file to write")
    revisits.add_argument("--officer", default="", help="only this officer's (LOGIN)")
    revisits.add_argument("--community", default="", help="only this community's (node code)")
    commands.add_parser("upgrade", parents=[common],
                        help="bring an older database's schema up to date in place (back it "
                             "up first; nobody may have it open)")
    backup = commands.add_parser("backup", parents=[common],
                                 help="a consistent copy of the database while officers keep "
                                      "working (never over an existing file)")
    backup.add_argument("--output", required=True, type=Path, help="the new backup file")
    restore = commands.add_parser("restore", parents=[common],
                                  help="put a backup in the database's place (nobody may have "
                                       "it open)")
    restore.add_argument("file", type=Path, help="the backup file")
    restore.add_argument("--force", action="store_true",
                         help="replace an existing database (it is kept beside it first)")
    audit = commands.add_parser("audit", parents=[common], help="the event log's hash chain")
    audit.add_argument("audit_command", choices=["verify"],
                       help="verify: check every event's link and name the first broken one")
    train = commands.add_parser("train", parents=[common],
                                help="training scenarios (培训演练): run one on a fresh training "
                                     "database, list them, check one, or read a run's score")
    train.add_argument("scenario", nargs="?",
                       help="the scenario to run: its name (seed/scenarios) or its file")
    what = train.add_mutually_exclusive_group()
    what.add_argument("--list", action="store_true", help="the seeded scenarios, a line each")
    what.add_argument("--check", metavar="SCENARIO",
                      help="only validate: a scenario's name (seed/scenarios) or its file")
    what.add_argument("--class", dest="class_dir", metavar="DIR", type=Path,
                      help="every trainee's score in a class folder, side by side")
    what.add_argument("--report", metavar="DB", type=_database,
                      help="a training database's score card (with --output: .md/.xlsx/.csv)")
    train.add_argument("--output", type=Path, default=None, help="where --report writes")
    train.add_argument("--fresh", action="store_true",
                       help="start the scenario again from the beginning (an earlier run of it "
                            "in --db is otherwise taken up where it was)")
    return parser


def main(argv: list[str] | None = None) -> int:
    startup.hold()  # until the desk's first board is whole (the app releases it)
    args = _parser().parse_args(argv)
    if args.command is not None:
        startup.release()  # a command's work makes garbage from its first step
    try:
        if args.lang not in LANGUAGES:
            raise DutyDeskError("error.bad_lang", value=args.lang)
        set_language(args.lang)
        _tell_upgrades()
        if args.as_login is not None and not args.as_login.strip():
            raise DutyDeskError("error.empty_as")
        return _COMMANDS.get(args.command, _open)(args)
    except DutyDeskError as exc:
        # A message may quote what was typed: drawn safe, never as escape sequences.
        print(f"dutydesk: {printable(exc.message(), multiline=True)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        startup.release()  # (a desk that never started: its app did not)


def _tell_upgrades() -> None:
    """One line before an older database file is brought up to date (it may take a while)."""
    from dutydesk.store import engine

    def tell(path, old: int, new: int) -> None:
        print(t("cli.upgrading", path=str(path), old=old, new=new), file=sys.stderr, flush=True)

    engine.on_upgrade = tell


def _demo(args: argparse.Namespace) -> int:
    from dutydesk.clock import SystemClock
    from dutydesk.scenario.demo import DEMO_LOGIN, build_demo

    path = args.db or _default_demo_path()
    if args.db is None:
        path.parent.mkdir(parents=True, exist_ok=True)  # the user data directory is ours
    print(f"dutydesk: {_shown(path)}", file=sys.stderr)
    build_demo(path, SystemClock())
    if args.no_ui:
        return 0
    args.db = path
    args.as_login = args.as_login or DEMO_LOGIN
    return _open(args)


def _init(args: argparse.Namespace) -> int:
    from dutydesk.clock import SystemClock
    from dutydesk.scenario.demo import build_desk
    from dutydesk.store.engine import default_path

    path = args.db or default_path()
    if args.db is None and "DUTYDESK_DB" not in os.environ:
        path.parent.mkdir(parents=True, exist_ok=True)  # the user data directory is ours
    path = build_desk(path, SystemClock(), args.seed)
    print(t("cli.created", path=_shown(path)))
    return 0


def _shown(database: Path | str) -> str:
    """A database as a message names it: a URL never with its password."""
    from dutydesk.store.engine import is_url

    if not is_url(database):
        return str(database)
    from sqlalchemy import make_url

    return make_url(str(database)).render_as_string(hide_password=True)


def _calendar(args: argparse.Namespace) -> int:
    import datetime as dt

    from dutydesk.config.reading import read_calendar_years
    from dutydesk.config.tomlfiles import seed_error
    from dutydesk.services.calendar import check_year, enter_year

    years = read_calendar_years(args.file)  # a bad file is refused before anything is opened
    if not years:
        raise seed_error(args.file.name, "-", "seed.empty")
    days = {year: ([dt.date.fromisoformat(d) for d in holidays],
                   [dt.date.fromisoformat(d) for d in workdays])
            for year, (holidays, workdays) in sorted(years.items())}
    for year, (holidays, workdays) in days.items():  # every year checked before any is written
        check_year(year, holidays, workdays, replace_official=args.replace_official)
    with _opened_desk(args) as desk:
        actor = _identify(desk, args)
        for year, (holidays, workdays) in days.items():
            recomputed = enter_year(desk, actor, year, holidays, workdays,
                                    replace_official=args.replace_official)
            print(t("calendar.done", year=year, holidays=len(holidays), workdays=len(workdays),
                    recomputed=recomputed))
    return 0


def _import_110(args: argparse.Namespace) -> int:
    from dutydesk.services.police_import import import_file

    with _opened_desk(args) as desk:
        actor = _identify(desk, args)
        # The whole file is checked before anything is written.
        result = import_file(desk, actor, args.file, _progress_bar())
    print(t("police.import.done", file=args.file.name, added=result.added,
            present=result.already_present))
    return 0


def _export_110_feedback(args: argparse.Namespace) -> int:
    from dutydesk.services.police_export import export_feedback

    since = local_moment(args.since, "--since")
    with _opened_desk(args) as desk:
        count = export_feedback(desk, _identify(desk, args), since, args.output)
    print(t("police.export.done", count=count, path=str(args.output.absolute())))
    return 0


def _total_110(args: argparse.Namespace) -> int:
    import datetime as dt

    from dutydesk.services.police import record_call_total

    try:
        first, last = dt.date.fromisoformat(args.first_day), dt.date.fromisoformat(args.last_day)
    except ValueError:
        raise DutyDeskError("error.bad_date_option", value=f"{args.first_day} {args.last_day}")
    with _opened_desk(args) as desk:
        record_call_total(desk, _identify(desk, args), first, last, args.total,
                          replace=args.replace)
    print(t("police.total_done", first=first.isoformat(), last=last.isoformat(),
            total=args.total))
    return 0


def _revisits_ics(args: argparse.Namespace) -> int:
    from dutydesk.services.revisit_calendar import export_ics

    with _opened_desk(args) as desk:
        actor = _identify(desk, args)
        try:
            count = export_ics(desk, args.ics, officer_login=args.officer,
                               community_code=args.community, actor=actor)
        except OSError as exc:
            raise DutyDeskError("police.export.failed", detail=exc.strerror or "") from None
    print(t("revisit.ics.done", count=count, path=str(args.ics.absolute())))
    return 0


def _report(args: argparse.Namespace) -> int:
    from dutydesk.files import export_path
    from dutydesk.reports.writers import write_report
    from dutydesk.services.statistics import report

    fmt = args.format or (args.output.suffix.lstrip(".").lower() if args.output
                          and args.output.suffix else "xlsx")
    with _opened_desk(args) as desk:
        actor = _identify(desk, args)
        period = report_period(desk, args.kind, args.period)
        result = report(desk, actor, period, args.node or None, _progress_bar())
    output = args.output.absolute() if args.output else \
        export_path(f"report-{period.label.replace('..', '_')}.{fmt}")
    write_report(result, output, fmt)
    print(t("stats.exported", path=str(output)))
    return 0


def report_period(desk, kind_name: str, text: str):
    """The period a weekly or monthly report covers: as typed (2026-W47, 2026-11, FROM..TO),
    else the last complete one."""
    from dutydesk.domain.deadlines import local_date
    from dutydesk.domain.statistics import PeriodError, PeriodKind, last_complete, parse_period
    from dutydesk.services.inputs import echo

    kind = PeriodKind.WEEK if kind_name == "weekly" else PeriodKind.MONTH
    if not text:
        return last_complete(kind, local_date(desk.clock.now()))
    try:
        period = parse_period(text)
    except PeriodError as exc:
        raise DutyDeskError(exc.key, text=echo(exc.text)) from None
    if period.kind not in (kind, PeriodKind.CUSTOM):
        raise DutyDeskError("stats.error.kind_mismatch", text=echo(text),
                            report=t(f"stats.report.{kind_name}"),
                            expected=t(f"stats.report.{kind_name}_period"))
    return period


def local_moment(text: str, option: str):
    import datetime as dt

    from dutydesk.domain.deadlines import LOCAL_TZ

    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).replace(tzinfo=LOCAL_TZ)
        except ValueError:
            continue
    raise DutyDeskError("error.bad_date_option", value=f"{option} {text}")


def _progress_bar():
    """A one-line progress bar on stderr for long imports (only where a person watches)."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        filled = 30 * done // max(total, 1)
        end = "\n" if done >= total else ""
        print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total}", end=end,
              file=sys.stderr, flush=True)

    return show


def local_login() -> str:
    """The operating system account running this, by its uid — never from LOGNAME or USER,
    which anyone can set."""
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


def _identify(desk, args: argparse.Namespace):
    """The actor: the account running this; `--as` only on demo and training databases."""
    if args.as_login and not desk.settings.is_demo:
        raise DutyDeskError("error.as_not_demo")
    return desk.actor(args.as_login or local_login())


def _serve(args: argparse.Namespace) -> int:
    """The forced command of an officer's SSH key: the identity is `--officer` alone. A
    command the client asked for (`ssh desk@centre report monthly … > file`) runs only if it
    is one of the read-only exports, for that officer, to standard output."""
    if args.as_login:
        raise DutyDeskError("error.as_with_serve")
    requested = os.environ.get("SSH_ORIGINAL_COMMAND", "").strip()
    if args.train:
        return _serve_training(args, requested)
    if not requested:
        return _open(args, officer=args.officer)
    from dutydesk import over_ssh

    export = over_ssh.parse(requested)  # refused before the database is opened
    with _opened_desk(args) as desk:
        return over_ssh.run(desk, desk.actor(args.officer), export)


_LOGIN_FILE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _serve_training(args: argparse.Namespace, requested: str) -> int:
    """A class over SSH: each trainee (their key's --officer) gets their own training copy of
    the scenario in the class folder, named by their login, taken up again when they connect
    again (a finished run shows its card: the trainer removes the file for a retake);
    nothing else runs."""
    from dutydesk.errors import SeedError
    from dutydesk.scenario.training import check, scenario_path
    from dutydesk.store.engine import default_path

    if requested:
        raise DutyDeskError("training.error.no_commands")
    if not _LOGIN_FILE.match(args.officer) or args.officer.startswith("."):
        raise DutyDeskError("error.unknown_login", login=args.officer)
    scenario = check(scenario_path(args.train))
    if isinstance(scenario, SeedError):
        raise scenario
    folder = args.class_dir or default_path().with_name("class")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    args.db = folder / f"{args.officer}.db"
    return _run_training(args, scenario)


def _class_scores(folder: Path) -> int:
    """`dutydesk train --class DIR`: every trainee's score side by side."""
    from dutydesk.clock import SystemClock
    from dutydesk.scenario.runner import training_info
    from dutydesk.services import training
    from dutydesk.services.context import Desk
    from dutydesk.store.engine import Database

    if not folder.is_dir():
        raise DutyDeskError("error.no_folder", path=str(folder))
    print(t("training.class.head"))
    for path in sorted(folder.glob("*.db")):
        try:
            db = Database.open(path)
        except DutyDeskError:
            continue  # not a desk database at all
        try:
            info = training_info(db)
            card = training.saved_score(Desk(db, SystemClock())) if info else None
        finally:
            db.dispose()
        if info is None:
            continue
        if card is None:
            print(t("training.class.running", login=path.stem, title=printable(info["title"])))
        else:
            print(t("training.class.line", login=path.stem, title=printable(info["title"]),
                    earned=card["earned"], points=card["points"], correct=card["correct"],
                    expected=card["expected"], on_time=card["on_time"]))
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from dutydesk.services.sweep import sweep

    with _opened_desk(args) as desk:
        result = sweep(desk)
    print(t("sweep.done", chased=result.chased, circulated=result.circulated))
    return 0


def _upgrade(args: argparse.Namespace) -> int:
    from dutydesk.store.engine import Database, is_url, schema_version
    from dutydesk.store.inuse import sole_use
    from dutydesk.store.models import SCHEMA_VERSION

    path = _desk_path(args)
    found = schema_version(path)
    if found == SCHEMA_VERSION:
        print(t("upgrade.current", path=_shown(path), version=found))
        return 0
    if not is_url(path):
        with sole_use(path):  # refused at once while a session (of any version) has it open
            pass
    Database.open(path, upgrade=True).dispose()  # (a server's: refused there likewise)
    print(t("upgrade.done", path=_shown(path), old=found, new=SCHEMA_VERSION))
    return 0


def _backup(args: argparse.Namespace) -> int:
    from dutydesk.store.backup import backup

    _file_only(_desk_path(args))
    copied = backup(_desk_path(args), args.output)
    print(t("backup.done", path=str(copied.path), size=_megabytes(copied.size),
            events=copied.events))
    return 0


def _file_only(database: Path | str) -> None:
    """backup and restore are SQLite's: a server's database has its own tools."""
    from dutydesk.store.engine import is_url

    if is_url(database):
        raise DutyDeskError("backup.error.server")


def _restore(args: argparse.Namespace) -> int:
    from dutydesk.clock import SystemClock
    from dutydesk.domain.deadlines import LOCAL_TZ
    from dutydesk.store.backup import restore
    from dutydesk.store.engine import default_path

    # The desk named, or the default one: never the demo a missing default falls back to.
    _file_only(args.db or default_path())
    restored = restore(args.file, args.db or default_path(),
                       SystemClock().now().astimezone(LOCAL_TZ), force=args.force)
    print(t("restore.done", file=str(args.file), path=str(restored.path)))
    if restored.kept is not None:
        print(t("restore.kept", path=str(restored.kept)))
    return 0


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _audit(args: argparse.Namespace) -> int:
    from dutydesk.services import audit

    def progress(count: int) -> None:
        if count % 100_000 == 0:
            print(t("audit.progress", count=count), file=sys.stderr, flush=True)

    with _opened_desk(args) as desk:
        found = audit.verify(desk, progress)
    if found.broken is None:
        print(t("audit.intact", events=found.events, head=found.head))
        return 0
    broken = found.broken
    print(t("audit.broken", id=broken.event_id, at=broken.at, action=printable(broken.action),
            why=t(f"audit.why.{broken.why.value}"), events=found.events, head=found.head))
    return 1


def _train(args: argparse.Namespace) -> int:
    from dutydesk.errors import SeedError
    from dutydesk.scenario.training import check, list_scenarios, scenario_dir, scenario_path

    if args.list:
        found = list_scenarios()
        if not found:
            print(t("training.none", folder=scenario_dir()))
        for path in found:
            scenario = check(path)
            if isinstance(scenario, SeedError):
                print(f"{path.stem}  {printable(scenario.message())}")
            else:
                print(t("training.list_line", name=path.stem, title=printable(scenario.title),
                        events=len(scenario.events), story=scenario.story or "—"))
        return 0
    if args.report is not None:
        return _training_report(args)
    if args.class_dir is not None:
        return _class_scores(args.class_dir)
    if not (args.check or args.scenario):
        raise DutyDeskError("training.error.what")
    path = scenario_path(args.check or args.scenario)
    scenario = check(path)
    if isinstance(scenario, SeedError):
        raise scenario
    if args.check:
        print(t("training.checked", file=path.name, title=printable(scenario.title),
                events=len(scenario.events), points=scenario.points))
        return 0
    return _run_training(args, scenario)


def _run_training(args: argparse.Namespace, scenario) -> int:
    from dutydesk.scenario.runner import prepare_training
    from dutydesk.store.engine import default_path

    _require_terminal()
    path = args.db or default_path().with_name(f"training-{scenario.path.stem}.db")
    prepared = prepare_training(path, scenario, fresh=getattr(args, "fresh", False))
    from dutydesk.tui.training import training_app

    app = training_app(prepared, scenario)
    try:
        app.run()
    finally:
        app.desk.db.dispose()
    return 0


def _training_report(args: argparse.Namespace) -> int:
    from dutydesk.clock import SystemClock
    from dutydesk.files import export_path
    from dutydesk.reports.writers import write_tables
    from dutydesk.scenario.runner import training_info
    from dutydesk.scenario.scoring import Card, card_tables
    from dutydesk.services import training
    from dutydesk.services.context import Desk
    from dutydesk.store.engine import Database

    db = Database.open(args.report)
    try:
        if training_info(db) is None:
            raise DutyDeskError("training.error.not_training", path=str(args.report))
        saved = training.saved_score(Desk(db, SystemClock()))
    finally:
        db.dispose()
    if saved is None:
        raise DutyDeskError("training.error.not_scored", path=str(args.report))
    title, made, tables = card_tables(Card.from_dict(saved))
    if args.output is not None:
        path = write_tables(title, made, tables, export_path(args.output))
        print(t("training.card.saved", path=path))
        return 0
    print(printable(title))
    print(printable(made))
    for row in tables[0].rows:
        print(printable("  ".join(str(cell) for cell in row)))
    return 0


def _has_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _require_terminal() -> None:
    """A desk or a training run opens only on a terminal. A command asked for instead of the
    desk (ssh host cmd), or a desk started by a script: nothing runs but this sentence (with no
    terminal, Textual reads end of input forever, at most of a CPU)."""
    if not _has_terminal():
        raise DutyDeskError("error.no_terminal")


def _officers(args: argparse.Namespace) -> int:
    from dutydesk import ssh_keys
    from dutydesk.clock import SystemClock
    from dutydesk.services import officers
    from dutydesk.services.context import Desk
    from dutydesk.store.engine import Database

    db_path = _desk_path(args)
    db = Database.open(db_path)
    try:
        desk = Desk(db, SystemClock())
        actor = _identify(desk, args)
        if actor.role.value != "admin":  # every officers command, the list included
            raise DutyDeskError("error.permission", action=t("officers.manage"))
        keys_path = _authorized_keys(args, desk)
        command = args.officers_command
        if command == "list":
            _, entries = ssh_keys.read_entries(keys_path)
            keys_of: dict[str, int] = {}
            for entry in entries:
                keys_of[entry.login] = keys_of.get(entry.login, 0) + 1
            for row in officers.list_officers(desk):
                state = "" if row.active else t("officers.inactive")
                print(printable(
                    f"{row.login}\t{row.name}\t{t('role.' + row.role)}\t{row.place}"
                    f"\t{row.unit}\t{t('officers.keys', count=keys_of.get(row.login, 0))}"
                    f"\t{state}".rstrip()))
            return 0
        if command == "add":
            officers.add_officer(desk, actor, args.login, args.name, args.role, args.node,
                                 args.unit)
            row = next(r for r in officers.list_officers(desk) if r.login == args.login)
            done = t("officers.added", login=row.login, name=row.name,
                     role=t(f"role.{row.role}"), place=row.place + (
                         f" · {row.unit}" if row.unit else ""))
        elif command == "deactivate":
            officers.deactivate(desk, actor, args.login)
            gone = ssh_keys.remove_keys(keys_path, args.login)
            done = t("officers.deactivated", login=args.login, count=gone, path=str(keys_path))
        elif command == "add-key":
            desk.actor(args.login)  # an active officer, or one clear line
            try:
                key = ssh_keys.parse_key(args.keyfile.read_text("utf-8"))
            except OSError as exc:
                raise DutyDeskError("ssh.unreadable", path=str(args.keyfile),
                                    detail=exc.strerror or "") from None
            program = str(Path(sys.argv[0]).resolve())
            added = ssh_keys.add_key(keys_path, args.login, key, program,
                                     Path(db_path).resolve())
            done = t("officers.key_added" if added else "officers.key_present",
                     login=args.login, path=str(keys_path))
        else:  # remove-key
            gone = ssh_keys.remove_keys(keys_path, args.login)
            done = t("officers.keys_removed", login=args.login, count=gone, path=str(keys_path))
    finally:
        db.dispose()
    print(printable(done))
    return 0


def _authorized_keys(args: argparse.Namespace, desk) -> Path:
    """The key file: --authorized-keys, else the running account's own — never by default
    on a demo or training desk, whose keys would let people into whoever ran it."""
    given = getattr(args, "authorized_keys", None)
    if given is not None:
        return given
    if desk.settings.is_demo and args.officers_command in ("add-key", "remove-key",
                                                           "deactivate"):
        raise DutyDeskError("officers.demo_keys")
    return Path.home() / ".ssh" / "authorized_keys"


def _desk_path(args: argparse.Namespace) -> Path:
    """The desk a command works on: --db, else $DUTYDESK_DB, else the user data directory's
    desk — or, when there is none, the demo `dutydesk demo` made there (so that a second
    terminal's `dutydesk --as wangbo` opens the demo that is running)."""
    from dutydesk.store.engine import default_path

    if args.db is not None:
        return args.db
    path = default_path()
    if "DUTYDESK_DB" not in os.environ and not path.exists() and _default_demo_path().exists():
        return _default_demo_path()
    return path


@contextmanager
def _opened_desk(args: argparse.Namespace) -> Iterator[Desk]:
    """The desk a command works on (`_desk_path`), on the system clock; its statistics read
    from --report-db (a replica) when one is named."""
    from dutydesk.clock import SystemClock
    from dutydesk.services.context import Desk
    from dutydesk.store.engine import Database

    db = Database.open(_desk_path(args))
    reports = None
    try:
        if getattr(args, "report_db", None) is not None:
            reports = Database.open(args.report_db)
        yield Desk(db, SystemClock(), reports=reports)
    finally:
        if reports is not None:
            reports.dispose()
        db.dispose()


def _default_demo_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("dutydesk")) / "demo.db"


def _open(args: argparse.Namespace, officer: str | None = None) -> int:
    from dutydesk.services.queue import reference_choices

    with _opened_desk(args) as desk:
        actor = desk.actor(officer) if officer is not None else _identify(desk, args)
        _require_terminal()
        choices = reference_choices(desk, actor)
        from dutydesk.tui.app import DutyDeskApp
        from dutydesk.tui.screens.queue import read_opening

        # The first board's page and counts, read before the terminal is taken over: the
        # first frame shows them (the event loop's first tens of milliseconds leave a worker
        # no turn to read them in).
        opening = read_opening(desk, actor, shutil.get_terminal_size().lines)
        DutyDeskApp(desk, actor, choices, opening=opening).run()
    return 0


_COMMANDS = {"demo": _demo, "calendar": _calendar, "init": _init, "import-110": _import_110,
             "export-110-feedback": _export_110_feedback, "total-110": _total_110,
             "revisits": _revisits_ics, "report": _report, "serve": _serve, "sweep": _sweep,
             "officers": _officers, "train": _train, "backup": _backup, "upgrade": _upgrade,
             "restore": _restore, "audit": _audit}


if __name__ == "__main__":
    sys.exit(main())
