//! The AWS KMS seam. With the `aws-kms` feature (on by default) [`super::aws_kms::AwsKms`] calls
//! KMS through the AWS SDK; without it [`NoKms`] keeps KMS keys in the file untouched and a
//! decryption through them fails with a clear reason.

use zeroize::Zeroizing;

use crate::sops::metadata::OpaqueKey;

/// Unwraps and wraps data keys with AWS KMS (`arn`, `role`, `context.*`, `aws_profile` fields).
pub trait KmsService: Send + Sync {
    fn decrypt(&self, key: &OpaqueKey) -> Result<Zeroizing<Vec<u8>>, String>;
    /// Returns the base64 ciphertext blob for the `enc` field.
    fn encrypt(&self, key: &OpaqueKey, data_key: &[u8]) -> Result<String, String>;
    /// Whether this machine could use the key, without using it: credentials resolve (and a role
    /// can be assumed). `Ok` says from where, `Err` why not.
    fn check(&self, _key: &OpaqueKey) -> Result<String, String> {
        Err(NO_SUPPORT.into())
    }
}

const NO_SUPPORT: &str = "no AWS KMS support in this build (built without the aws-kms feature)";

/// No KMS service: builds without the `aws-kms` feature, and tests that must not touch AWS.
pub struct NoKms;

impl KmsService for NoKms {
    fn decrypt(&self, _key: &OpaqueKey) -> Result<Zeroizing<Vec<u8>>, String> {
        Err(format!("{NO_SUPPORT}; decrypt with another key of the file (age or PGP)"))
    }

    fn encrypt(&self, _key: &OpaqueKey, _data_key: &[u8]) -> Result<String, String> {
        Err(NO_SUPPORT.into())
    }
}
