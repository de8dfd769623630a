//! Master keys: getting the data key out of a file's key groups and wrapping a data key for
//! recipients. age runs in-process, PGP through the user's `gpg` ([`GpgProgram`]), AWS KMS through
//! a [`KmsService`] (the AWS SDK with the `aws-kms` feature). Key types without a service are carried untouched.

pub mod age;
pub mod age_pq;
#[cfg(feature = "aws-kms")]
pub mod aws_kms;
pub mod kms;
pub mod pgp;

use std::sync::Arc;

use zeroize::Zeroizing;

use super::cipher::DataKey;
use super::error::{GroupFailure, KeyFailure, Result, SopsError};
use super::metadata::{AgeKey, MasterKey, Metadata, OpaqueKey, PgpKey};
use super::shamir;

pub use self::age::{AgeIdentities, AgeKeyCommand, SystemKeyCommand};
pub use self::kms::{KmsService, NoKms};
pub use self::pgp::{GpgOutput, GpgProgram, SystemGpg};

/// Everything that can unwrap or wrap a data key: age identities, a gpg program, a KMS service.
/// The command layer builds one (usually [`KeySources::from_env`]) and hands it to the engine.
pub struct KeySources {
    pub age: AgeIdentities,
    pub gpg: Arc<dyn GpgProgram>,
    pub kms: Arc<dyn KmsService>,
}

impl KeySources {
    /// age identities from the sops environment variables and default file, `gpg` from `PATH`
    /// (or `SOPS_GPG_EXEC`), AWS KMS through the SDK's default credential chain (with the
    /// `aws-kms` feature).
    pub fn from_env() -> Self {
        KeySources { age: AgeIdentities::from_env(), gpg: Arc::new(SystemGpg::from_env()), kms: default_kms() }
    }

    /// Only the given age identities; gpg from `PATH`; no KMS.
    pub fn with_age(age: AgeIdentities) -> Self {
        KeySources { age, gpg: Arc::new(SystemGpg::from_env()), kms: Arc::new(NoKms) }
    }

    fn unwrap_key(&self, key: &MasterKey) -> std::result::Result<Zeroizing<Vec<u8>>, String> {
        match key {
            MasterKey::Age(k) => self.age.decrypt(k),
            MasterKey::Pgp(k) => pgp::decrypt(self.gpg.as_ref(), k),
            MasterKey::Opaque(k) if k.kind == "kms" => self.kms.decrypt(k),
            MasterKey::Opaque(k) => Err(format!(
                "ssp has no support for {} keys; this key is kept in the file but cannot be used here",
                k.kind
            )),
        }
    }

    fn wrap_key(&self, key: &mut MasterKey, part: &[u8]) -> Result<()> {
        let fail = |key: &MasterKey, reason: String| SopsError::CouldNotEncryptKey { key: key.describe(), reason };
        match key {
            MasterKey::Age(k) => {
                k.enc = age::encrypt(&k.recipient, part).map_err(|r| fail(&MasterKey::Age(k.clone()), r))?;
            }
            MasterKey::Pgp(k) => {
                k.enc = pgp::encrypt(self.gpg.as_ref(), &k.fingerprint, part)
                    .map_err(|r| fail(&MasterKey::Pgp(k.clone()), r))?;
                k.created_at = super::metadata::now_rfc3339();
            }
            MasterKey::Opaque(k) if k.kind == "kms" => {
                let enc = self.kms.encrypt(k, part).map_err(|r| fail(&MasterKey::Opaque(k.clone()), r))?;
                k.set_field("enc", enc);
                k.set_field("created_at", super::metadata::now_rfc3339());
            }
            MasterKey::Opaque(k) => {
                return Err(fail(&MasterKey::Opaque(k.clone()), format!("ssp cannot encrypt to {} keys", k.kind)));
            }
        }
        Ok(())
    }
}

/// The KMS service of this build: the AWS SDK with the `aws-kms` feature, else none.
pub fn default_kms() -> Arc<dyn KmsService> {
    #[cfg(feature = "aws-kms")]
    {
        Arc::new(aws_kms::AwsKms::new())
    }
    #[cfg(not(feature = "aws-kms"))]
    {
        Arc::new(NoKms)
    }
}

/// Recovers the data key from the file's key groups, as sops' `GetDataKeyWithKeyServices`:
/// each group yields its part from the first key that works (age, then pgp, then others);
/// one group gives the key itself, several are combined with Shamir.
pub fn decrypt_data_key(md: &Metadata, sources: &KeySources) -> Result<DataKey> {
    let mut parts: Vec<Zeroizing<Vec<u8>>> = Vec::new();
    let mut failures = Vec::new();
    for (gi, group) in md.key_groups.iter().enumerate() {
        let mut tried = Vec::new();
        let mut got = None;
        for i in Metadata::decryption_order(group) {
            let key = &group[i];
            match sources.unwrap_key(key) {
                Ok(part) => {
                    got = Some(part);
                    break;
                }
                Err(reason) => tried.push(KeyFailure { key: key.describe(), reason }),
            }
        }
        match got {
            Some(p) => parts.push(p),
            None => failures.push(GroupFailure { group: gi, keys: tried }),
        }
    }
    let threshold = md.threshold();
    let not_enough = |failures: Vec<GroupFailure>| SopsError::CouldNotRetrieveKey {
        groups: failures,
        threshold,
        total_groups: md.key_groups.len(),
    };
    if md.key_groups.len() > 1 {
        if parts.len() < threshold {
            return Err(not_enough(failures));
        }
        let refs: Vec<&[u8]> = parts.iter().map(|p| &p[..]).collect();
        let key = shamir::combine(&refs)
            .map_err(|e| SopsError::InvalidMetadata(format!("could not combine the key group shares: {e}")))?;
        DataKey::from_slice(&key)
            .ok_or_else(|| SopsError::InvalidMetadata("the combined data key is not 32 bytes".into()))
    } else {
        let part = parts.pop().ok_or_else(|| not_enough(failures))?;
        DataKey::from_slice(&part)
            .ok_or_else(|| SopsError::InvalidMetadata("the decrypted data key is not 32 bytes".into()))
    }
}

/// Wraps the data key for every key of every group (splitting it with Shamir for several groups),
/// as sops' `UpdateMasterKeysWithKeyServices`.
pub fn encrypt_data_key(md: &mut Metadata, key: &DataKey, sources: &KeySources) -> Result<()> {
    if md.key_groups.is_empty() || md.key_groups.iter().any(Vec::is_empty) {
        return Err(SopsError::NoEncryptionKey);
    }
    let parts: Vec<Zeroizing<Vec<u8>>> = if md.key_groups.len() == 1 {
        vec![Zeroizing::new(key.as_bytes().to_vec())]
    } else {
        let threshold = md.threshold();
        if md.shamir_threshold.is_none_or(|t| t == 0) {
            md.shamir_threshold = Some(threshold);
        }
        shamir::split(key.as_bytes(), md.key_groups.len(), threshold)
            .map_err(|e| SopsError::Config(format!("could not split the data key: {e}")))?
    };
    for (group, part) in md.key_groups.iter_mut().zip(parts.iter()) {
        for k in group.iter_mut() {
            sources.wrap_key(k, part)?;
        }
    }
    Ok(())
}

/// Recipients for new files, updatekeys and rotate: one list per key group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecipientGroup {
    pub age: Vec<String>,
    pub pgp: Vec<String>,
    /// AWS KMS keys: ARN, optional role, optional profile, encryption context.
    pub kms: Vec<KmsRecipient>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KmsRecipient {
    pub arn: String,
    pub role: Option<String>,
    pub aws_profile: Option<String>,
    pub context: Vec<(String, String)>,
}

impl KmsRecipient {
    /// sops' `NewMasterKeyFromArn`: spaces removed, and `ARN+arn:…` is a key ARN and a role ARN
    /// (ARN paths may hold `+` but never `:`, so only `+arn:` separates the two).
    pub fn from_arn_string(s: &str) -> KmsRecipient {
        let s: String = s.chars().filter(|c| *c != ' ').collect();
        match s.find("+arn:") {
            Some(i) if i > 0 => {
                KmsRecipient { arn: s[..i].to_string(), role: Some(s[i + 1..].to_string()), ..Default::default() }
            }
            _ => KmsRecipient { arn: s, ..Default::default() },
        }
    }

    /// sops' `ParseKMSContext` for a string: `key:value,key2:value2`. sops drops a malformed
    /// context with a warning; ssp refuses it, since a dropped context cannot decrypt later.
    pub fn parse_context(s: &str) -> std::result::Result<Vec<(String, String)>, String> {
        if s.is_empty() {
            return Ok(Vec::new());
        }
        s.split(',')
            .map(|kv| {
                let parts: Vec<&str> = kv.split(':').collect();
                match parts.as_slice() {
                    [k, v] => Ok((k.to_string(), v.to_string())),
                    _ => Err(format!("{kv:?} is not one KEY:VALUE pair")),
                }
            })
            .collect()
    }
}

impl RecipientGroup {
    pub fn is_empty(&self) -> bool {
        self.age.is_empty() && self.pgp.is_empty() && self.kms.is_empty()
    }

    /// Master-key entries (without encrypted data keys yet), in sops' group order.
    pub fn to_master_keys(&self) -> Result<Vec<MasterKey>> {
        let mut out = Vec::new();
        for k in &self.kms {
            let mut fields = vec![
                ("arn".to_string(), k.arn.clone()),
                ("created_at".to_string(), String::new()),
                ("enc".to_string(), String::new()),
                ("aws_profile".to_string(), k.aws_profile.clone().unwrap_or_default()),
            ];
            if let Some(r) = &k.role {
                fields.push(("role".into(), r.clone()));
            }
            for (ck, cv) in &k.context {
                fields.push((format!("context.{ck}"), cv.clone()));
            }
            out.push(MasterKey::Opaque(OpaqueKey { kind: "kms".into(), fields }));
        }
        for fp in &self.pgp {
            let fp = fp.trim().replace(' ', "");
            if fp.is_empty() || !fp.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(SopsError::InvalidRecipient {
                    kind: "pgp",
                    key: fp,
                    reason: "a PGP key is given by its hexadecimal fingerprint".into(),
                });
            }
            out.push(MasterKey::Pgp(PgpKey { fingerprint: fp, created_at: String::new(), enc: String::new() }));
        }
        for r in &self.age {
            age::parse_recipient(r)?;
            out.push(MasterKey::Age(AgeKey { recipient: r.trim().to_string(), enc: String::new() }));
        }
        Ok(out)
    }
}
