"""``discretion backup`` and ``discretion restore``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

out = Console()
err = Console(stderr=True)


def backup_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Backup file to write (gzip'd "
                                         "JSON lines).")],
) -> None:
    """A consistent backup of the database, safe to take while the server runs."""
    from .audit.keys import load_signing_key
    from .ops.backup import BackupError, backup
    from .store.db import Database

    try:
        public = load_signing_key(create=False).public_key()
    except (FileNotFoundError, ValueError):
        public = None
    try:
        report = backup(Database(), file, public)
    except (BackupError, OSError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    for line in report.lines():
        out.print(line)


def restore_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A backup written by `discretion "
                                         "backup`.")],
    public_key: Annotated[Path | None, typer.Option(
        help="PEM public key to verify the restored log with; default: the configured signing "
        "key's, else the key recorded in the backup (weaker: say so).")] = None,
) -> None:
    """Restore a backup into an empty database, then verify its audit log."""
    from .audit.verify import verify
    from .ops.backup import BackupError, header_public_key, restore
    from .store.db import Database

    db = Database()
    try:
        report = restore(db, file)
    except BackupError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    out.print(f"restored {sum(report.rows.values()):,} rows in {len(report.rows)} tables "
              f"(backup of {report.header.get('created')})")
    key, source = _verifying_key(public_key, header_public_key(report.header))
    if key is None:
        err.print("[yellow]no public key to verify the log with[/yellow] (give --public-key)")
        raise typer.Exit(1)
    result = verify(db, key)
    if result.ok:
        out.print(f"[green]audit log OK[/green]: {result.size:,} entries; {result.checkpoints} "
                  f"signed checkpoint(s), latest at size {result.checkpoint_size:,}; verified with "
                  f"{source}")
    else:
        err.print(f"[red]audit log FAILED[/red]: first bad entry {result.first_bad}")
        for problem in result.problems[:20]:
            err.print(f"  {problem.message}")
    raise typer.Exit(0 if result.ok else 1)


def _verifying_key(path: Path | None, recorded: str | None) -> tuple[Any, str]:
    """The key to trust: given, configured, or (weakest) the one the backup records."""
    from cryptography.hazmat.primitives import serialization

    from .audit.keys import load_public_key, load_signing_key

    if path is not None:
        return load_public_key(path), f"the public key in {path}"
    try:
        return load_signing_key(create=False).public_key(), "the configured signing key"
    except (FileNotFoundError, ValueError):
        pass
    if recorded:
        return (serialization.load_pem_public_key(recorded.encode()),
                "the public key recorded in the backup itself (an attacker who forged the "
                "backup could forge this too: verify with your own copy of the key)")
    return None, ""
