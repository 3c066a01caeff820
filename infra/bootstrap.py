"""Bring a deployed state to life: load its catalogue file and create its first state_admin.

    make bootstrap STATE=punjab CATALOGUE=infra/seed/punjab.json \\
        ADMIN_EMAIL=cell@punjab.gov.in ADMIN_MOBILE=+919812345678

    python -m infra.bootstrap punjab infra/seed/punjab.json --admin-email E --admin-mobile M

The file's format is infra/seed/FORMAT.md. Re-running with the same file changes nothing;
an edited file changes only its edits, and the summary says which. A file with problems is
refused whole (exit 2), every problem named, nothing written. The first state_admin's
one-time password goes to ADMIN_MOBILE by SMS and ADMIN_EMAIL by email and is never
printed; if neither arrives, `--reissue-password` (REISSUE_PASSWORD=1) sends a new one
while the first is unused.

It runs with the operator's AWS credentials (the usual chain) against the stage's own
tables and sender, as the stage's functions do: the stage's environment comes from
`.chalice/config.json` and its keys, were one needed, from the stack's secrets.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra.package import SECRET_VARIABLES, Stage, deployable_stage
from infra.provision import load_template

if TYPE_CHECKING:
    from chalicelib.services.bootstrap_state import BootstrapSummary, FirstAdmin

EXIT_REFUSED = 2  # the input: nothing was written
EXIT_UNREACHABLE = 1  # stopped part-way, or the one-time password reached nobody
# Keys a deployed stage must never be given directly (config.KEYS): an operator's shell
# that has the local ones set must not lend them to a state.
DIRECT_KEYS = ("IDENTITY_HMAC_KEY", "JWT_SIGNING_KEY", "WEBHOOK_SIGNING_KEY")


def secret_names(stage: Stage) -> dict[str, str]:
    """`<KEY>_SECRET` -> the name of the stage's secret, as its stack names it."""
    resources = load_template()["Resources"]
    return {
        variable: resources[logical_id]["Properties"]["Name"]["Fn::Sub"].replace(
            "${ResourcePrefix}", stage.resource_prefix
        )
        for variable, logical_id in SECRET_VARIABLES.items()
    }


@contextmanager
def stage_environment(stage: Stage) -> Iterator[None]:
    """This process as one of the stage's functions sees it, for the block; restored after
    (settings and clients are read again on both sides)."""
    from chalicelib import aws
    from chalicelib.config import get_settings

    def forget_clients() -> None:
        get_settings.cache_clear()
        aws.reset_caches()

    wanted: dict[str, str | None] = {
        **stage.environment,
        "AWS_DEFAULT_REGION": stage.region,
        **secret_names(stage),
        **dict.fromkeys(DIRECT_KEYS),
    }
    saved = {name: os.environ.get(name) for name in wanted}
    try:
        for name, value in wanted.items():
            _set(name, value)
        forget_clients()
        yield
    finally:
        for name, value in saved.items():
            _set(name, value)
        forget_clients()


def _set(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


class Unreadable(Exception):
    """The catalogue file cannot be read at all (missing, not JSON)."""


def read_document(path: Path) -> Any:
    """The file's JSON; Unreadable saying why when it cannot be read at all."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Unreadable(f"{path}: no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Unreadable(f"{path}: not a JSON file ({error})") from None


def describe(summary: BootstrapSummary) -> list[str]:
    """The summary an operator reads: what was added and changed, by kind and code."""
    lines = [f"state {summary.state_code}: " + ("catalogue loaded" if summary.catalogue_changed else "no change")]
    for kind in summary.kinds:
        lines.append(
            f"  {kind.kind}: {_codes(kind.added, 'added')}, {_codes(kind.changed, 'changed')}, "
            f"{len(kind.unchanged)} unchanged"
        )
        if kind.not_in_file:
            lines.append(f"    not in the file, left as they are: {', '.join(kind.not_in_file)}")
    lines.append(f"  calendar: {summary.calendar}")
    lines.append("  " + _admin_line(summary.admin))
    return lines


def _codes(codes: tuple[str, ...], what: str) -> str:
    return f"{len(codes)} {what}" + (f" ({', '.join(codes)})" if codes else "")


def _admin_line(admin: FirstAdmin) -> str:
    if admin.outcome == "exists":
        return f"state_admin exists ({admin.officer_id}): none created"
    done = "created" if admin.outcome == "created" else "given a new one-time password"
    line = f"state_admin {done} ({admin.officer_id}): "
    if admin.sent_to:
        line += f"one-time password sent to {' and '.join(admin.sent_to)}; it must be changed at first login"
    else:
        line += "the one-time password reached nobody; run again with --reissue-password"
    if admin.not_sent:
        line += f" (not sent by {'; '.join(admin.not_sent)})"
    return line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stage", help="a state's stage of .chalice/config.json")
    parser.add_argument("catalogue", type=Path, help="the state's catalogue file (infra/seed/FORMAT.md)")
    parser.add_argument("--admin-email", required=True)
    parser.add_argument("--admin-mobile", required=True)
    parser.add_argument("--admin-name", default=None)
    parser.add_argument("--reissue-password", action="store_true", help="the first one-time password never arrived")
    args = parser.parse_args(argv)

    stage = deployable_stage(args.stage)
    try:
        document = read_document(args.catalogue)
    except Unreadable as error:
        print(f"refused, nothing was written: {error}", file=sys.stderr)
        return EXIT_REFUSED
    with stage_environment(stage):
        from chalicelib.domain.catalogue_file import CatalogueInvalid
        from chalicelib.domain.errors import DomainError
        from chalicelib.services.bootstrap_state import DEFAULT_ADMIN_NAME, bootstrap_state

        try:
            summary = bootstrap_state(
                document,
                admin_email=args.admin_email,
                admin_mobile=args.admin_mobile,
                admin_name=args.admin_name or DEFAULT_ADMIN_NAME,
                reissue_password=args.reissue_password,
            )
        except CatalogueInvalid as invalid:
            print(f"refused, nothing was written ({args.catalogue}):", file=sys.stderr)
            for problem in invalid.problems:
                print(f"  {problem.field}: {problem.message}", file=sys.stderr)
            return EXIT_REFUSED
        except DomainError as error:  # e.g. another account took the admin's mobile meanwhile
            print(f"bootstrap stopped: {error.message} Run it again: what is done stays done.", file=sys.stderr)
            return EXIT_UNREACHABLE
    print("\n".join(describe(summary)))
    return EXIT_UNREACHABLE if summary.admin.unreachable else 0


if __name__ == "__main__":
    sys.exit(main())
