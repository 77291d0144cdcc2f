-- one row per staged opportunity: closed and won from the CRM flags, else from the stage label
update _stage_opportunities set
    is_won = coalesce(is_won, lower(trim(stage)) in (select unnest($won))),
    is_closed = coalesce(is_closed, lower(trim(stage)) in (select unnest($closed)))
