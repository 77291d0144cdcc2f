"""The workspace: a state file (model versions, import log, current dataset) beside one
read-only DuckDB file per import; connection and named queries; the canonical tables."""
