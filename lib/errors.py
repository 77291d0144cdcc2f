"""One small exception family whose messages a person can act on."""

from __future__ import annotations


class QualifyError(Exception):
    """Base of every error Qualify reports to a person instead of a traceback."""


class ImportRefused(QualifyError):
    """An export was refused; the database holds exactly what it held before."""

    def __init__(
        self, file: str, message: str, *, column: str | None = None, row: int | None = None
    ) -> None:
        self.file, self.column, self.row = file, column, row
        where = [file]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {message}")


class DatabaseError(QualifyError):
    """A DuckDB error, wrapped with the query that raised it."""


class ModelError(QualifyError):
    """A scoring model file that does not validate."""


class RecalibrationError(QualifyError):
    """History that cannot be fitted (too few deals, one outcome only) or an unknown file type."""


class UntrustedRecalibration(RecalibrationError):
    """Exporting or publishing a model fitted on too few closed deals without `force=True`."""


class WorkspaceBusy(DatabaseError):
    """Another process held the workspace's state file for longer than Qualify waits."""


class VersionConflict(QualifyError):
    """Another publish or import came first; nothing was changed."""


class ShrinkingImport(QualifyError):
    """An import would empty a table or shrink it by more than half; it waits for confirmation."""

    def __init__(
        self, before: dict[str, int], after: dict[str, int], tables: tuple[str, ...]
    ) -> None:
        self.before, self.after, self.tables = before, after, tables
        changes = ", ".join(f"{t} {before[t]:,} -> {after.get(t, 0):,} rows" for t in tables)
        super().__init__(
            f"this import would empty or more than halve {changes}; nothing was changed"
        )


class AccessDenied(QualifyError):
    """The person may not do this (no role, or a role without the permission); nothing changed."""


class SignInExpired(AccessDenied):
    """The person's sign-in (their identity token) has expired: they must sign in again."""


class EngineError(QualifyError):
    """Spark (or another engine) could not start, read the tables, or run a query."""
