-- What a stage run from cron carries to its next run (`trk fence --ledger-state NAME`): its
-- per-asset state, as the stage's own JSON, under a name chosen per job. The generation lets a
-- run notice that another one saved the same state since it loaded it.
CREATE TABLE stage_state (
  stage TEXT NOT NULL,                -- the command: 'fence'
  name TEXT NOT NULL,                 -- --ledger-state NAME
  state TEXT NOT NULL,                -- the stage's JSON state
  generation INTEGER NOT NULL,        -- 1 when first saved, one more at each save
  saved INTEGER NOT NULL,             -- ms since 1970, UTC
  PRIMARY KEY (stage, name)
) STRICT;
