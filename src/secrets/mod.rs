//! ssp's use of SOPS files: the edit flow (decrypt to a private file, editor, re-encrypt, remove on
//! every exit path), the key sources with their preflight, and the plaintext the old tasks left
//! behind. The SOPS engine itself is the pure library in `crate::sops`.

pub mod edit;
pub mod keys;
pub mod leftover;
