//! The hybrid post-quantum age recipient type `mlkem768x25519` (age v1.3, <https://c2sp.org/age>):
//! recipients `age1pq1…`, identities `AGE-SECRET-KEY-PQ-1…`.
//!
//! The `age` crate (0.12) has no such type (only the tagged `tagpq`, a different stanza), and the
//! crates that implement X-Wing and HPKE with it (`x-wing`, `hpke` 0.15) need `kem` 0.3, which
//! cannot sit beside the `kem` pre-release that age's `ml-kem` 0.2 pins. So the two small
//! constructions are written here, on the same primitives age itself builds on: ML-KEM-768
//! (`ml-kem`), X25519 (`x25519-dalek`), SHAKE256/SHA3-256 (`sha3`), HKDF-SHA256 (`hkdf`) and
//! ChaCha20-Poly1305 (`chacha20poly1305`); Bech32 without the BIP-173 length limit is `age-core`'s,
//! and the stanza is read and written by the `age` crate through its `Identity`/`Recipient` traits.
//! The result is checked against the Go reference's test vectors (C2SP CCTV) and against typage in
//! `tests/sops_age_pq.rs`.
//!
//! - identity: a 32-byte seed, Bech32 with HRP `AGE-SECRET-KEY-PQ-` (upper case);
//! - recipient: the 1216-byte X-Wing encapsulation key (ML-KEM-768 then X25519), HRP `age1pq`;
//! - stanza: `-> mlkem768x25519 <base64 of the 1120-byte enc>`, body = HPKE `SealBase(pkR,
//!   info = "age-encryption.org/mlkem768x25519", aad = "", file key)`, exactly 32 bytes; KEM
//!   MLKEM768-X25519 (X-Wing, KEM id 0x647a, filippo.io/hpke-pq = draft-ietf-hpke-pq-03), KDF
//!   HKDF-SHA256, AEAD ChaCha20-Poly1305 (RFC 9180).

use std::collections::HashSet;
use std::fmt;

use age_core::format::{FileKey, Stanza};
use age_core::primitives::{bech32_decode, bech32_encode};
use age_core::secrecy::ExposeSecret;
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use chacha20poly1305::ChaCha20Poly1305;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use ml_kem::kem::Decapsulate;
use ml_kem::{EncapsulateDeterministic, EncodedSizeUser, KemCore, MlKem768};
use sha3::digest::{ExtendableOutput, Update, XofReader};
use zeroize::{Zeroize, Zeroizing};

/// The stanza type, also the first stanza argument.
pub const STANZA_TAG: &str = "mlkem768x25519";
/// HPKE `info`.
const LABEL: &[u8] = b"age-encryption.org/mlkem768x25519";
const RECIPIENT_HRP: bech32::Hrp = bech32::Hrp::parse_unchecked("age1pq");
const IDENTITY_HRP: bech32::Hrp = bech32::Hrp::parse_unchecked("AGE-SECRET-KEY-PQ-");
/// The prefix of an encoded recipient (HRP and separator).
pub const RECIPIENT_PREFIX: &str = "age1pq1";
/// The prefix of an encoded identity (HRP and separator).
pub const IDENTITY_PREFIX: &str = "AGE-SECRET-KEY-PQ-1";
const SEED_LEN: usize = 32;
const MLKEM_EK_LEN: usize = 1184;
const MLKEM_CT_LEN: usize = 1088;
const PK_LEN: usize = MLKEM_EK_LEN + 32;
const ENC_LEN: usize = MLKEM_CT_LEN + 32;
const FILE_KEY_LEN: usize = 16;
const TAG_LEN: usize = 16;

type MlKemDk = <MlKem768 as KemCore>::DecapsulationKey;
type MlKemEk = <MlKem768 as KemCore>::EncapsulationKey;

/// X-Wing (draft-connolly-cfrg-xwing-kem, as MLKEM768-X25519 in draft-ietf-hpke-pq-03).
mod xwing {
    use super::*;
    use sha3::{Digest, Sha3_256, Shake256};
    use x25519_dalek::{PublicKey, StaticSecret};

    const XWING_LABEL: &[u8; 6] = br"\.//^\";

    /// The key pair a 32-byte seed expands to: SHAKE256(seed, 96) = ML-KEM (d, z) || X25519 sk.
    /// Both secrets zeroize themselves on drop (`StaticSecret`; `ml-kem`'s `zeroize` feature).
    pub(super) struct Expanded {
        pub dk_m: MlKemDk,
        pub ek_m: MlKemEk,
        pub sk_x: StaticSecret,
        pub pk_x: PublicKey,
    }

    pub(super) fn expand(seed: &[u8; SEED_LEN]) -> Expanded {
        let mut xof = Shake256::default();
        xof.update(seed);
        let mut reader = xof.finalize_xof();
        let mut d = Zeroizing::new([0u8; 32]);
        let mut z = Zeroizing::new([0u8; 32]);
        let mut x = Zeroizing::new([0u8; 32]);
        reader.read(&mut d[..]);
        reader.read(&mut z[..]);
        reader.read(&mut x[..]);
        let (dk_m, ek_m) = MlKem768::generate_deterministic(&(*d).into(), &(*z).into());
        let sk_x = StaticSecret::from(*x);
        let pk_x = PublicKey::from(&sk_x);
        Expanded { dk_m, ek_m, sk_x, pk_x }
    }

    /// Moves an ML-KEM shared key into a zeroizing array, wiping the original.
    fn secret32(mut ss: ml_kem::SharedKey<MlKem768>) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&ss);
        ss.as_mut_slice().zeroize();
        out
    }

    fn combiner(ss_m: &[u8], ss_x: &[u8], ct_x: &[u8], pk_x: &[u8]) -> Zeroizing<[u8; 32]> {
        let mut h = Sha3_256::new();
        Digest::update(&mut h, ss_m);
        Digest::update(&mut h, ss_x);
        Digest::update(&mut h, ct_x);
        Digest::update(&mut h, pk_x);
        Digest::update(&mut h, XWING_LABEL);
        Zeroizing::new(h.finalize().into())
    }

    /// Encapsulates to `pk` (ML-KEM-768 key then X25519 key) with 64 fresh random bytes:
    /// returns the 1120-byte ciphertext and the shared secret; `None` when the X25519 key is
    /// a low-order point (an all-zero X25519 secret, which the Go reference refuses too).
    pub(super) fn encapsulate(ek_m: &MlKemEk, pk_x: &PublicKey) -> Option<(Vec<u8>, Zeroizing<[u8; 32]>)> {
        let mut m = Zeroizing::new([0u8; 32]);
        let mut ek_x = Zeroizing::new([0u8; 32]);
        rand::fill(&mut m[..]);
        rand::fill(&mut ek_x[..]);
        let (ct_m, ss_m) = ek_m.encapsulate_deterministic(&(*m).into()).expect("ML-KEM encapsulation is infallible");
        let ss_m = secret32(ss_m);
        let ek_x = StaticSecret::from(*ek_x);
        let ct_x = PublicKey::from(&ek_x);
        let ss_x = ek_x.diffie_hellman(pk_x);
        if !ss_x.was_contributory() {
            return None;
        }
        let ss = combiner(&ss_m[..], ss_x.as_bytes(), ct_x.as_bytes(), pk_x.as_bytes());
        let mut ct = Vec::with_capacity(ENC_LEN);
        ct.extend_from_slice(&ct_m);
        ct.extend_from_slice(ct_x.as_bytes());
        Some((ct, ss))
    }

    /// Decapsulates a 1120-byte ciphertext. ML-KEM rejects implicitly: a ciphertext for another
    /// key yields an unrelated secret, caught later by the AEAD. `None` when the X25519 part is a
    /// low-order point (all-zero secret): a malformed stanza, as the Go reference and the CCTV
    /// vectors (`hybrid_low_order`, `hybrid_identity`) have it.
    pub(super) fn decapsulate(keys: &Expanded, ct: &[u8; ENC_LEN]) -> Option<Zeroizing<[u8; 32]>> {
        let (ct_m, ct_x) = ct.split_at(MLKEM_CT_LEN);
        let ct_m = ml_kem::Ciphertext::<MlKem768>::try_from(ct_m).expect("length checked");
        let ss_m = secret32(keys.dk_m.decapsulate(&ct_m).expect("ML-KEM decapsulation is infallible"));
        let ct_x: [u8; 32] = ct_x.try_into().expect("length checked");
        let ss_x = keys.sk_x.diffie_hellman(&PublicKey::from(ct_x));
        if !ss_x.was_contributory() {
            return None;
        }
        Some(combiner(&ss_m[..], ss_x.as_bytes(), &ct_x, keys.pk_x.as_bytes()))
    }
}

/// HPKE (RFC 9180) base mode, single shot, for the one suite age uses here:
/// KEM 0x647a (X-Wing, whose shared secret HPKE takes as is), KDF 0x0001 (HKDF-SHA256),
/// AEAD 0x0003 (ChaCha20-Poly1305). One message per context, so the nonce is `base_nonce`.
mod hpke {
    use super::*;
    use hkdf::Hkdf;
    use sha2_v010::Sha256;

    const SUITE_ID: [u8; 10] = *b"HPKE\x64\x7a\x00\x01\x00\x03";

    fn labeled_extract(salt: &[u8], label: &[u8], ikm: &[u8]) -> (Zeroizing<Vec<u8>>, Hkdf<Sha256>) {
        let mut input = Zeroizing::new(Vec::new());
        input.extend_from_slice(b"HPKE-v1");
        input.extend_from_slice(&SUITE_ID);
        input.extend_from_slice(label);
        input.extend_from_slice(ikm);
        let (prk, hk) = Hkdf::<Sha256>::extract(Some(salt), &input);
        (Zeroizing::new(prk.to_vec()), hk)
    }

    fn labeled_expand(prk: &Hkdf<Sha256>, label: &[u8], info: &[u8], out: &mut [u8]) {
        let mut full = Vec::new();
        full.extend_from_slice(&(out.len() as u16).to_be_bytes());
        full.extend_from_slice(b"HPKE-v1");
        full.extend_from_slice(&SUITE_ID);
        full.extend_from_slice(label);
        full.extend_from_slice(info);
        prk.expand(&full, out).expect("HKDF output lengths here are far below the limit");
    }

    /// `KeySchedule(mode_base, shared_secret, info, psk = "", psk_id = "")`: the AEAD and nonce.
    fn key_schedule(shared_secret: &[u8], info: &[u8]) -> (ChaCha20Poly1305, [u8; 12]) {
        let (psk_id_hash, _) = labeled_extract(b"", b"psk_id_hash", b"");
        let (info_hash, _) = labeled_extract(b"", b"info_hash", info);
        let mut context = vec![0u8]; // mode_base
        context.extend_from_slice(&psk_id_hash);
        context.extend_from_slice(&info_hash);
        let (_, secret) = labeled_extract(shared_secret, b"secret", b"");
        let mut key = Zeroizing::new([0u8; 32]);
        let mut nonce = [0u8; 12];
        labeled_expand(&secret, b"key", &context, &mut key[..]);
        labeled_expand(&secret, b"base_nonce", &context, &mut nonce);
        (ChaCha20Poly1305::new((&*key).into()), nonce)
    }

    pub(super) fn seal(shared_secret: &[u8], info: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let (aead, nonce) = key_schedule(shared_secret, info);
        aead.encrypt(&nonce.into(), Payload { msg: plaintext, aad: b"" })
            .expect("ChaCha20-Poly1305 cannot fail on a 16-byte message")
    }

    pub(super) fn open(shared_secret: &[u8], info: &[u8], ciphertext: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let (aead, nonce) = key_schedule(shared_secret, info);
        aead.decrypt(&nonce.into(), Payload { msg: ciphertext, aad: b"" }).ok().map(Zeroizing::new)
    }
}

/// Bech32 without the length limit; the checksum covers the lower-case form and age accepts
/// all-upper or all-lower strings.
fn decode(s: &str, hrp: bech32::Hrp, bad_encoding: &'static str) -> Result<Zeroizing<Vec<u8>>, &'static str> {
    bech32_decode(
        s,
        |_| bad_encoding,
        |parsed| if parsed == hrp { Ok(()) } else { Err("wrong Bech32 type") },
        |_, bytes| Ok(Zeroizing::new(bytes.collect::<Vec<u8>>())),
    )
}

/// A hybrid post-quantum age identity: the seed, and the keys it expands to (computed once).
/// The seed and the X25519 and ML-KEM secrets are zeroized on drop.
pub struct HybridIdentity {
    seed: Zeroizing<[u8; SEED_LEN]>,
    keys: xwing::Expanded,
}

impl HybridIdentity {
    fn from_seed(seed: Zeroizing<[u8; SEED_LEN]>) -> Self {
        let keys = xwing::expand(&seed);
        HybridIdentity { seed, keys }
    }

    /// A fresh identity from the operating system's random source.
    pub fn generate() -> Self {
        let mut seed = Zeroizing::new([0u8; SEED_LEN]);
        rand::fill(&mut seed[..]);
        Self::from_seed(seed)
    }

    /// Parses `AGE-SECRET-KEY-PQ-1…`. The error never contains the key.
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let bytes = decode(s.trim(), IDENTITY_HRP, "invalid Bech32 encoding of an AGE-SECRET-KEY-PQ-1 identity")?;
        let seed: [u8; SEED_LEN] =
            bytes.as_slice().try_into().map_err(|_| "an AGE-SECRET-KEY-PQ-1 identity holds a 32-byte seed")?;
        Ok(Self::from_seed(Zeroizing::new(seed)))
    }

    /// The identity as written in key files: `AGE-SECRET-KEY-PQ-1…` (upper case).
    pub fn to_secret_string(&self) -> Zeroizing<String> {
        let lower = Zeroizing::new(bech32_encode(IDENTITY_HRP, &self.seed[..]));
        Zeroizing::new(lower.to_uppercase())
    }

    /// The matching recipient (`age1pq1…`).
    pub fn to_public(&self) -> HybridRecipient {
        HybridRecipient { ek_m: self.keys.ek_m.clone(), pk_x: self.keys.pk_x }
    }
}

impl fmt::Debug for HybridIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HybridIdentity(…)")
    }
}

impl age::Identity for HybridIdentity {
    fn unwrap_stanza(&self, stanza: &Stanza) -> Option<Result<FileKey, age::DecryptError>> {
        if stanza.tag != STANZA_TAG {
            return None;
        }
        // The spec: exactly one argument, the canonical base64 of a 1120-byte enc, and a body of
        // exactly 32 bytes checked before decrypting (partitioning oracles). `STANDARD_NO_PAD`
        // rejects padding and non-zero trailing bits, so a decodable argument is canonical.
        let [arg] = &stanza.args[..] else {
            return Some(Err(age::DecryptError::InvalidHeader));
        };
        let enc: [u8; ENC_LEN] = match STANDARD_NO_PAD.decode(arg).ok().and_then(|e| e.try_into().ok()) {
            Some(enc) => enc,
            None => return Some(Err(age::DecryptError::InvalidHeader)),
        };
        if stanza.body.len() != FILE_KEY_LEN + TAG_LEN {
            return Some(Err(age::DecryptError::InvalidHeader));
        }
        let Some(shared) = xwing::decapsulate(&self.keys, &enc) else {
            return Some(Err(age::DecryptError::InvalidHeader));
        };
        // A stanza for another recipient shows only as an AEAD failure: not ours, try the next.
        let opened = hpke::open(&shared[..], LABEL, &stanza.body)?;
        Some(Ok(FileKey::init_with_mut(|key| key.copy_from_slice(&opened[..FILE_KEY_LEN]))))
    }
}

/// A hybrid post-quantum age recipient (`age1pq1…`).
#[derive(Clone)]
pub struct HybridRecipient {
    ek_m: MlKemEk,
    pk_x: x25519_dalek::PublicKey,
}

impl HybridRecipient {
    /// Parses `age1pq1…`: 1216 bytes, an ML-KEM-768 encapsulation key (which must be canonical,
    /// as FIPS 203 requires of its input) then an X25519 public key.
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let bytes = decode(s.trim(), RECIPIENT_HRP, "invalid Bech32 encoding of an age1pq1 recipient")?;
        if bytes.len() != PK_LEN {
            return Err("not an MLKEM768-X25519 public key (an age1pq1 recipient holds 1216 bytes)");
        }
        let (m, x) = bytes.split_at(MLKEM_EK_LEN);
        let encoded = ml_kem::Encoded::<MlKemEk>::try_from(m).map_err(|_| "invalid ML-KEM-768 public key")?;
        let ek_m = MlKemEk::from_bytes(&encoded);
        if ek_m.as_bytes().as_slice() != m {
            return Err("invalid ML-KEM-768 public key (not canonically encoded)");
        }
        let x: [u8; 32] = x.try_into().expect("length checked");
        Ok(HybridRecipient { ek_m, pk_x: x25519_dalek::PublicKey::from(x) })
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(PK_LEN);
        out.extend_from_slice(&self.ek_m.as_bytes());
        out.extend_from_slice(self.pk_x.as_bytes());
        out
    }
}

impl fmt::Display for HybridRecipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bech32_encode(RECIPIENT_HRP, &self.to_bytes()))
    }
}

impl fmt::Debug for HybridRecipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HybridRecipient({self})")
    }
}

impl age::Recipient for HybridRecipient {
    fn wrap_file_key(&self, file_key: &FileKey) -> Result<(Vec<Stanza>, HashSet<String>), age::EncryptError> {
        let (enc, shared) = xwing::encapsulate(&self.ek_m, &self.pk_x).ok_or_else(|| {
            age::EncryptError::Io(std::io::Error::other("the recipient's X25519 key is a low-order point"))
        })?;
        let body = hpke::seal(&shared[..], LABEL, file_key.expose_secret());
        let stanza = Stanza { tag: STANZA_TAG.to_string(), args: vec![STANDARD_NO_PAD.encode(enc)], body };
        // The "postquantum" label: age refuses to mix this stanza with classic ones in one file,
        // which would defeat its post-quantum security.
        Ok((vec![stanza], HashSet::from(["postquantum".to_string()])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The identity and recipient from the C2SP age specification's example.
    const SPEC_IDENTITY: &str = "AGE-SECRET-KEY-PQ-1XX76JRALNLXDMEW0CRK45QMCCH4X06SE84UN3VPM33W6HWDX0H3SK3ZQFR";
    const SPEC_RECIPIENT_START: &str =
        "age1pq1x34nzsvr0rxjsgdn8zgyhfe8j7ceq5r9rdelkjuh3y235jzxshfg87pzf5zrqtzdxz95paef6caq5aapdmwjjqpjfdyxnzr2zampc3";
    // The end covers the X25519 key and the checksum.
    const SPEC_RECIPIENT_END: &str = "zk3tlhl53k2ykx3qheyty7saeq0d3fzv49zc0k";

    #[test]
    fn the_spec_identity_parses_and_round_trips() {
        let id = HybridIdentity::parse(SPEC_IDENTITY).unwrap();
        assert_eq!(id.to_secret_string().as_str(), SPEC_IDENTITY);
        // Lower case is the same key (Bech32 is case-insensitive as a whole).
        assert!(HybridIdentity::parse(&SPEC_IDENTITY.to_lowercase()).is_ok());
        let r = id.to_public().to_string();
        assert!(r.starts_with(SPEC_RECIPIENT_START), "{r}");
        assert!(r.ends_with(SPEC_RECIPIENT_END), "{r}");
        assert_eq!(r.len(), 1959);
        assert_eq!(HybridRecipient::parse(&r).unwrap().to_string(), r);
    }

    #[test]
    fn wraps_and_unwraps_and_rejects_the_wrong_key_and_bad_stanzas() {
        let id = HybridIdentity::generate();
        let r = id.to_public();
        let enc = age::encrypt(&r, b"data key").unwrap();
        let out = age::decrypt(&id, &enc).unwrap();
        assert_eq!(out, b"data key");
        assert!(age::decrypt(&HybridIdentity::generate(), &enc).is_err());

        let file_key = FileKey::init_with_mut(|k| k.copy_from_slice(&[7; 16]));
        let (stanzas, labels) = age::Recipient::wrap_file_key(&r, &file_key).unwrap();
        assert_eq!(labels, HashSet::from(["postquantum".to_string()]));
        let s = &stanzas[0];
        assert_eq!(s.tag, "mlkem768x25519");
        assert_eq!(STANDARD_NO_PAD.decode(&s.args[0]).unwrap().len(), 1120);
        assert_eq!(s.body.len(), 32);
        let k = age::Identity::unwrap_stanza(&id, s).unwrap().unwrap();
        assert_eq!(k.expose_secret(), &[7; 16]);
        let copy = |args: Vec<String>, body: Vec<u8>| Stanza { tag: s.tag.clone(), args, body };
        let extra = copy(vec![s.args[0].clone(), "x".into()], s.body.clone());
        assert!(matches!(age::Identity::unwrap_stanza(&id, &extra), Some(Err(_))));
        let long = copy(s.args.clone(), [&s.body[..], &[0]].concat());
        assert!(matches!(age::Identity::unwrap_stanza(&id, &long), Some(Err(_))));
        let padded = copy(vec![format!("{}=", s.args[0])], s.body.clone());
        assert!(matches!(age::Identity::unwrap_stanza(&id, &padded), Some(Err(_))));
        let other = Stanza { tag: "X25519".into(), args: vec![], body: vec![] };
        assert!(age::Identity::unwrap_stanza(&id, &other).is_none());
    }

    #[test]
    fn malformed_keys_are_refused_without_echoing_them() {
        assert!(HybridIdentity::parse("AGE-SECRET-KEY-PQ-1QQQQ").is_err());
        let classic = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
        assert!(HybridIdentity::parse(classic).is_err());
        assert!(HybridRecipient::parse("age1pq1qqqq").is_err());
        let e = HybridIdentity::parse("AGE-SECRET-KEY-PQ-1SECRETSTUFF").unwrap_err();
        assert!(!e.contains("SECRETSTUFF"));
    }
}
