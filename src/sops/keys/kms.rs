//! AWS KMS seam. This build has no AWS SDK: KMS keys are read, kept and written back untouched,
//! and a decryption through them fails with a clear reason. A real implementation plugs in here.

use zeroize::Zeroizing;

use crate::sops::metadata::OpaqueKey;

/// Unwraps and wraps data keys with AWS KMS (`arn`, `role`, `context.*`, `aws_profile` fields).
pub trait KmsService: Send + Sync {
    fn decrypt(&self, key: &OpaqueKey) -> Result<Zeroizing<Vec<u8>>, String>;
    /// Returns the base64 ciphertext blob for the `enc` field.
    fn encrypt(&self, key: &OpaqueKey, data_key: &[u8]) -> Result<String, String>;
}

/// The KMS service of this build: none.
pub struct NoKms;

impl KmsService for NoKms {
    fn decrypt(&self, _key: &OpaqueKey) -> Result<Zeroizing<Vec<u8>>, String> {
        Err("no AWS KMS support in this build; decrypt with another key of the file (age or PGP)".into())
    }

    fn encrypt(&self, _key: &OpaqueKey, _data_key: &[u8]) -> Result<String, String> {
        Err("no AWS KMS support in this build".into())
    }
}
