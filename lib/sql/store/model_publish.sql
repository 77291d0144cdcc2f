-- one row per inserted version: stores a published model, never overwriting an older one
insert into model_versions (version, created_at, author, note, body)
values ($version, $created_at, $author, $note, $body)
returning version
