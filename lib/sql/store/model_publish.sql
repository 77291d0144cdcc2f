-- one row per inserted version: stores a published model, never overwriting an older one
insert into model_versions (
    version, created_at, author, note, body, based_on, restored_from, identity
)
values ($version, $created_at, $author, $note, $body, $based_on, $restored_from, $identity)
returning version
