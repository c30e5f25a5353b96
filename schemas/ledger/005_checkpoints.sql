-- Signed checkpoints (`trk ledger sign`): an Ed25519 signature over the chain's head (the last
-- record's seq and hash) and the time of signing, so that `trk ledger verify --pubkey` detects
-- a chain rewritten or cut short behind trk's back. No foreign key to records: a checkpoint
-- must outlive the records it vouches for, so that their loss shows.
CREATE TABLE checkpoints (
  id INTEGER PRIMARY KEY,
  seq INTEGER NOT NULL,               -- the signed record (records.seq): the head when signed
  hash BLOB NOT NULL,                 -- that record's chain hash (32 bytes)
  time INTEGER NOT NULL,              -- when it was signed, ms since 1970, UTC
  public_key BLOB NOT NULL,           -- the signer's Ed25519 public key (32 bytes)
  signature BLOB NOT NULL             -- Ed25519 over the checkpoint's message (64 bytes, trk-ledger(1))
) STRICT;
CREATE INDEX checkpoints_seq ON checkpoints (seq);
