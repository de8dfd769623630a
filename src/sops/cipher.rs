//! Per-value AES-256-GCM as sops' `aes/cipher.go` does it: a 32-byte random IV, the key path as
//! additional data, and the `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]` envelope.

use aes_gcm::aead::consts::U32;
use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::aes::Aes256;
use aes_gcm::{AesGcm, Nonce, Tag};
use zeroize::Zeroizing;

use super::tree::Value;

type SopsGcm = AesGcm<Aes256, U32>;

/// Length of sops' data key.
pub const DATA_KEY_LEN: usize = 32;
const IV_LEN: usize = 32;
const TAG_LEN: usize = 16;

/// The 32-byte data key of a file. Zeroized on drop; prints nothing.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; DATA_KEY_LEN]>);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

impl DataKey {
    /// A fresh random data key.
    pub fn generate() -> Self {
        let mut k = Zeroizing::new([0u8; DATA_KEY_LEN]);
        rand::fill(&mut k[..]);
        DataKey(k)
    }

    /// Wraps key bytes (e.g. decrypted by a master key); `None` unless exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != DATA_KEY_LEN {
            return None;
        }
        let mut k = Zeroizing::new([0u8; DATA_KEY_LEN]);
        k.copy_from_slice(bytes);
        Some(DataKey(k))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0[..]
    }
}

/// The sops value type tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    Str,
    Int,
    Float,
    Bool,
    Bytes,
    Time,
    Comment,
}

impl ValueType {
    fn as_str(self) -> &'static str {
        match self {
            ValueType::Str => "str",
            ValueType::Int => "int",
            ValueType::Float => "float",
            ValueType::Bool => "bool",
            ValueType::Bytes => "bytes",
            ValueType::Time => "time",
            ValueType::Comment => "comment",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "str" => ValueType::Str,
            "int" => ValueType::Int,
            "float" => ValueType::Float,
            "bool" => ValueType::Bool,
            "bytes" => ValueType::Bytes,
            "time" => ValueType::Time,
            "comment" => ValueType::Comment,
            _ => return None,
        })
    }
}

/// Why a value could not be decrypted.
#[derive(Debug, PartialEq, Eq)]
pub enum CipherError {
    /// Not in the `ENC[…]` format (or bad base64/IV length/unknown type).
    Malformed(String),
    /// GCM authentication failed: wrong key, tampered data/IV/tag, or different additional data.
    Authentication,
}

/// Formats a float as Go's `strconv.FormatFloat(v, 'f', -1, 64)` does (shortest, no exponent).
pub fn format_float_go(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "+Inf".into() } else { "-Inf".into() }
    } else {
        format!("{f}")
    }
}

/// The bytes of a scalar as sops encrypts and hashes them: borrowed for strings and bytes (most
/// values; no copy), owned and zeroized on drop for numbers and booleans rendered as text.
pub enum ScalarBytes<'a> {
    Borrowed(&'a [u8]),
    Owned(Zeroizing<Vec<u8>>),
}

impl std::ops::Deref for ScalarBytes<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            ScalarBytes::Borrowed(b) => b,
            ScalarBytes::Owned(b) => b,
        }
    }
}

/// The bytes sops encrypts and hashes for a scalar (`sops.ToBytes`), with its type tag.
/// `None` for values that are never encrypted (null, collections).
pub fn scalar_bytes(v: &Value) -> Option<(ScalarBytes<'_>, ValueType)> {
    let owned = |s: String| ScalarBytes::Owned(Zeroizing::new(s.into_bytes()));
    Some(match v {
        Value::Str(s) => (ScalarBytes::Borrowed(s.as_bytes()), ValueType::Str),
        Value::Int(i) => (owned(i.to_string()), ValueType::Int),
        Value::Float(f) => (owned(format_float_go(*f)), ValueType::Float),
        Value::Bool(b) => (ScalarBytes::Borrowed(if *b { b"True" } else { b"False" }), ValueType::Bool),
        Value::Bytes(b) => (ScalarBytes::Borrowed(b), ValueType::Bytes),
        Value::Time(t) => (ScalarBytes::Borrowed(t.as_bytes()), ValueType::Time),
        Value::Null | Value::Map(_) | Value::Seq(_) => return None,
    })
}

/// Encrypts raw bytes with their type tag into the `ENC[…]` envelope. Empty plaintext stays empty,
/// as sops leaves empty strings unencrypted.
pub fn encrypt_bytes(plain: &[u8], ty: ValueType, key: &DataKey, aad: &str) -> String {
    ValueCipher::new(key).encrypt_bytes(plain, ty, aad)
}

/// AES-256-GCM for one data key, built once per walk over a file: the key schedule is most of the
/// cost of encrypting a short value, so it is not redone per value. Its round keys are zeroized on
/// drop (aes-gcm's `zeroize` feature).
pub struct ValueCipher(SopsGcm);

impl ValueCipher {
    pub fn new(key: &DataKey) -> Self {
        ValueCipher(SopsGcm::new_from_slice(key.as_bytes()).expect("data key is 32 bytes"))
    }

    /// See [`encrypt_bytes`].
    pub fn encrypt_bytes(&self, plain: &[u8], ty: ValueType, aad: &str) -> String {
        encrypt_with(&self.0, plain, ty, aad)
    }

    /// See [`decrypt_value`].
    pub fn decrypt_value(&self, s: &str, aad: &str) -> Result<Value, CipherError> {
        let (bytes, ty) = decrypt_with(&self.0, s, aad)?;
        typed(bytes, ty)
    }

    /// Like [`ValueCipher::decrypt_value`], recording the value in `stash`.
    pub fn decrypt_value_stashed(&self, s: &str, aad: &str, stash: &mut Stash) -> Result<Value, CipherError> {
        let (bytes, ty) = decrypt_with(&self.0, s, aad)?;
        if !s.is_empty() {
            stash.insert(aad, ty, &bytes, s);
        }
        typed(bytes, ty)
    }
}

fn encrypt_with(cipher: &SopsGcm, plain: &[u8], ty: ValueType, aad: &str) -> String {
    if plain.is_empty() {
        return String::new();
    }
    let mut iv = [0u8; IV_LEN];
    rand::fill(&mut iv[..]);
    // Encrypted in place in a copy: on the stack for the short values files mostly hold (one
    // allocation less per value); it holds the ciphertext once encrypted.
    let mut short = [0u8; 256];
    let mut long = Vec::new();
    let buf: &mut [u8] = match short.get_mut(..plain.len()) {
        Some(b) => b,
        None => {
            long.resize(plain.len(), 0);
            &mut long
        }
    };
    buf.copy_from_slice(plain);
    let nonce = Nonce::<U32>::from(iv);
    let tag = cipher
        .encrypt_inout_detached(&nonce, aad.as_bytes(), (&mut *buf).into())
        .expect("AES-GCM encryption of a value cannot fail");
    // One allocation for the envelope (it is built for every value of a file), base64 written
    // straight into it by base64-simd: the base64 crate's `encode_string` went through its
    // chunked `Display` encoder, ~600 instructions a field (10 % of a 10,000-leaf encrypt).
    let b64 = |n: usize| n.div_ceil(3) * 4;
    let ty = ty.as_str();
    let len = 48 + b64(buf.len()) + b64(IV_LEN) + b64(TAG_LEN) + ty.len();
    let mut out = Vec::with_capacity(len);
    let field = |out: &mut Vec<u8>, label: &[u8], bytes: &[u8]| {
        out.extend_from_slice(label);
        let at = out.len();
        out.resize(at + b64(bytes.len()), 0);
        let _ = base64_simd::STANDARD.encode(bytes, base64_simd::Out::from_slice(&mut out[at..]));
    };
    field(&mut out, b"ENC[AES256_GCM,data:", buf);
    field(&mut out, b",iv:", &iv);
    field(&mut out, b",tag:", &tag);
    out.extend_from_slice(b",type:");
    out.extend_from_slice(ty.as_bytes());
    out.push(b']');
    let out = String::from_utf8(out).expect("base64 and ASCII labels");
    // The ciphertext buffer is not secret; nothing to zeroize.
    out
}

/// Go sops' IV stash (`aes/cipher.go`): what each value of a file decrypted to, keyed by its
/// additional data, type and plaintext, with the envelope it came from. Encrypting the same
/// plaintext at the same path with the same data key again reuses that envelope — exactly what Go
/// sops' reuse of the stashed IV produces (AES-GCM is deterministic given key, IV, plaintext and
/// additional data) — so an edit's diff shows only the values that changed. An IV is only ever
/// reused for the identical plaintext, so nothing about any value is revealed.
///
/// Several values can share additional data (list items and comments use their collection's
/// path), hence a short list per path. The plaintexts are zeroized on drop; `Debug` shows none.
#[derive(Default)]
pub struct Stash(std::collections::HashMap<String, Vec<StashEntry>>);

/// One stashed value: its type, plaintext and the envelope it was read from.
type StashEntry = (ValueType, Zeroizing<Vec<u8>>, String);

impl std::fmt::Debug for Stash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Stash({} paths, <redacted>)", self.0.len())
    }
}

impl Stash {
    /// Records that `envelope` decrypts to `plain` of type `ty` under `aad`.
    pub fn insert(&mut self, aad: &str, ty: ValueType, plain: &[u8], envelope: &str) {
        let entries = match self.0.get_mut(aad) {
            Some(e) => e,
            None => self.0.entry(aad.to_string()).or_default(),
        };
        if !entries.iter().any(|(t, p, _)| *t == ty && p[..] == *plain) {
            entries.push((ty, Zeroizing::new(plain.to_vec()), envelope.to_string()));
        }
    }

    /// The envelope a value with this plaintext, type and additional data was read from.
    pub fn get(&self, aad: &str, ty: ValueType, plain: &[u8]) -> Option<&str> {
        self.0.get(aad)?.iter().find(|(t, p, _)| *t == ty && p[..] == *plain).map(|(_, _, e)| e.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Encrypts a scalar value; `None` for values that are not encrypted (null, collections).
pub fn encrypt_value(v: &Value, key: &DataKey, aad: &str) -> Option<String> {
    let (bytes, ty) = scalar_bytes(v)?;
    Some(encrypt_bytes(&bytes, ty, key, aad))
}

/// Is this string in sops' encrypted envelope?
pub fn looks_encrypted(s: &str) -> bool {
    s.starts_with("ENC[AES256_GCM,data:")
}

struct Envelope {
    data: Vec<u8>,
    iv: [u8; IV_LEN],
    tag: [u8; TAG_LEN],
    ty: ValueType,
}

/// What precedes the last comma of `s`, and the value of `field` (`tag:`, …) after it; `None`
/// when there is no comma or the part after it does not start with `field`.
fn last_field<'a>(s: &'a str, field: &str) -> Option<(&'a str, &'a str)> {
    // A plain scan back from the end: the comma is a few bytes away, and `rsplit_once(',')` set
    // up a searcher each time (~250 instructions a field, ~1 % of a 10,000-leaf decrypt).
    let comma = s.as_bytes().iter().rposition(|&b| b == b',')?;
    let (before, last) = (&s[..comma], &s[comma + 1..]);
    Some((before, last.strip_prefix(field)?))
}

/// `N` bytes of base64 (an IV or a tag), read without allocating.
fn decode_exact<const N: usize>(what: &str, v: &str) -> Result<[u8; N], CipherError> {
    let mut scratch = [0u8; 48];
    let decoded = match v.len() {
        // Up to 64 characters decode into the scratch (base64-simd asserts the room).
        n if n > 64 => None,
        _ => base64_simd::STANDARD.decode(v.as_bytes(), base64_simd::Out::from_slice(&mut scratch)).ok(),
    }
    .ok_or_else(|| CipherError::Malformed(format!("the {what} is not valid base64 of {N} bytes")))?;
    (&*decoded).try_into().map_err(|_| CipherError::Malformed(format!("the {what} is not {N} bytes")))
}

fn parse_envelope(s: &str) -> Result<Envelope, CipherError> {
    let malformed = |m: &str| CipherError::Malformed(m.to_string());
    let inner = s
        .strip_prefix("ENC[AES256_GCM,data:")
        .and_then(|r| r.strip_suffix(']'))
        .ok_or_else(|| malformed("it does not match sops' ENC[AES256_GCM,…] format"))?;
    // Base64 has no commas, so the fields are split at commas, from the end: the type, tag and
    // IV are short, the data as long as the value. (`split_once(",iv:")` and its kin set up a
    // substring searcher per value and scanned the data: 7 % of a 10,000-leaf decrypt.)
    let (rest, ty) = last_field(inner, "type:").ok_or_else(|| malformed("missing type"))?;
    let (rest, tag) = last_field(rest, "tag:").ok_or_else(|| malformed("missing tag"))?;
    let (data, iv) = last_field(rest, "iv:").ok_or_else(|| malformed("missing iv"))?;
    Ok(Envelope {
        data: base64_simd::STANDARD.decode_to_vec(data).map_err(|_| malformed("data is not valid base64"))?,
        iv: decode_exact("iv", iv)?,
        tag: decode_exact("tag", tag)?,
        ty: ValueType::parse(ty).ok_or_else(|| malformed("unknown value type"))?,
    })
}

/// Decrypts an envelope to its raw bytes and type tag. An empty string decrypts to empty `str`.
pub fn decrypt_bytes(s: &str, key: &DataKey, aad: &str) -> Result<(Zeroizing<Vec<u8>>, ValueType), CipherError> {
    decrypt_with(&ValueCipher::new(key).0, s, aad)
}

fn decrypt_with(cipher: &SopsGcm, s: &str, aad: &str) -> Result<(Zeroizing<Vec<u8>>, ValueType), CipherError> {
    if s.is_empty() {
        return Ok((Zeroizing::new(Vec::new()), ValueType::Str));
    }
    let env = parse_envelope(s)?;
    let (nonce, tag) = (Nonce::<U32>::from(env.iv), Tag::from(env.tag));
    let mut buf = Zeroizing::new(env.data);
    cipher
        .decrypt_inout_detached(&nonce, aad.as_bytes(), buf.as_mut_slice().into(), &tag)
        .map_err(|_| CipherError::Authentication)?;
    Ok((buf, env.ty))
}

/// Decrypts an envelope to a typed value (comments come back as `Str`).
pub fn decrypt_value(s: &str, key: &DataKey, aad: &str) -> Result<Value, CipherError> {
    ValueCipher::new(key).decrypt_value(s, aad)
}

/// Decrypted bytes as a value of their type tag.
fn typed(mut bytes: Zeroizing<Vec<u8>>, ty: ValueType) -> Result<Value, CipherError> {
    fn not_utf8() -> CipherError {
        CipherError::Malformed("decrypted value is not UTF-8".into())
    }
    fn text(bytes: &[u8]) -> Result<&str, CipherError> {
        std::str::from_utf8(bytes).map_err(|_| not_utf8())
    }
    let bad = |t: &str| CipherError::Malformed(format!("decrypted value is not a valid {t}"));
    Ok(match ty {
        // The decrypted buffer becomes the string (no copy, the value holds the plaintext anyway);
        // bytes that are not UTF-8 are zeroized here, as the buffer would have been.
        ValueType::Str | ValueType::Comment => match String::from_utf8(std::mem::take(&mut *bytes)) {
            Ok(text) => Value::Str(text),
            Err(err) => {
                drop(Zeroizing::new(err.into_bytes()));
                return Err(not_utf8());
            }
        },
        ValueType::Time => Value::Time(super::time::from_rfc3339(text(&bytes)?).ok_or_else(|| bad("RFC 3339 time"))?),
        ValueType::Bytes => Value::Bytes(bytes.to_vec()),
        ValueType::Int => Value::Int(text(&bytes)?.parse().map_err(|_| bad("int"))?),
        ValueType::Float => Value::Float(parse_go_float(text(&bytes)?).ok_or_else(|| bad("float"))?),
        ValueType::Bool => Value::Bool(parse_go_bool(text(&bytes)?).ok_or_else(|| bad("bool"))?),
    })
}

fn parse_go_float(s: &str) -> Option<f64> {
    match s {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ => s.parse().ok(),
    }
}

/// Go's `strconv.ParseBool`.
pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as B64;

    #[test]
    fn round_trips_every_type_with_its_tag() {
        let key = DataKey::generate();
        for (v, tag) in [
            (Value::Str("hello".into()), "type:str]"),
            (Value::Int(-42), "type:int]"),
            (Value::Float(1.5), "type:float]"),
            (Value::Bool(true), "type:bool]"),
            (Value::Bytes(vec![0, 1, 2]), "type:bytes]"),
        ] {
            let enc = encrypt_value(&v, &key, "a:b:").unwrap();
            assert!(enc.starts_with("ENC[AES256_GCM,data:") && enc.ends_with(tag), "{enc}");
            assert_eq!(decrypt_value(&enc, &key, "a:b:").unwrap(), v);
        }
    }

    #[test]
    fn times_encrypt_as_type_time_and_come_back_as_timestamps() {
        let key = DataKey::generate();
        let t = Value::Time("2006-01-02T15:04:05+07:06".into());
        let enc = encrypt_value(&t, &key, "b:").unwrap();
        assert!(enc.ends_with(",type:time]"), "{enc}");
        assert_eq!(&*decrypt_bytes(&enc, &key, "b:").unwrap().0, b"2006-01-02T15:04:05+07:06");
        assert_eq!(decrypt_value(&enc, &key, "b:").unwrap(), t);
        // Any RFC 3339 text Go's UnmarshalText takes comes back canonical (as Go re-marshals it).
        let go = encrypt_bytes(b"2024-01-01T00:00:00.500+00:00", ValueType::Time, &key, "a:");
        assert_eq!(decrypt_value(&go, &key, "a:").unwrap(), Value::Time("2024-01-01T00:00:00.5Z".into()));
        let bad = encrypt_bytes(b"yesterday", ValueType::Time, &key, "a:");
        assert!(matches!(decrypt_value(&bad, &key, "a:"), Err(CipherError::Malformed(_))));
    }

    #[test]
    fn booleans_and_floats_are_encoded_like_go_sops() {
        let key = DataKey::generate();
        let enc = encrypt_value(&Value::Bool(false), &key, "x:").unwrap();
        assert_eq!(&*decrypt_bytes(&enc, &key, "x:").unwrap().0, b"False");
        assert_eq!(format_float_go(1.0), "1");
        assert_eq!(format_float_go(1e21), "1000000000000000000000");
        assert_eq!(format_float_go(0.1), "0.1");
        assert_eq!(format_float_go(f64::INFINITY), "+Inf");
    }

    #[test]
    fn values_short_and_long_round_trip() {
        // Up to 256 bytes are encrypted in a stack buffer, longer ones in a heap one.
        let key = DataKey::generate();
        let cipher = ValueCipher::new(&key);
        for n in [1, 2, 255, 256, 257, 5000] {
            let plain: String = (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
            let enc = cipher.encrypt_bytes(plain.as_bytes(), ValueType::Str, "k:");
            assert_eq!(parse_envelope(&enc).unwrap().data.len(), n);
            assert_eq!(cipher.decrypt_value(&enc, "k:").unwrap(), Value::Str(plain), "{n} bytes");
        }
    }

    #[test]
    fn empty_strings_stay_empty() {
        let key = DataKey::generate();
        assert_eq!(encrypt_value(&Value::Str(String::new()), &key, "a:").unwrap(), "");
        assert_eq!(decrypt_value("", &key, "a:").unwrap(), Value::Str(String::new()));
    }

    #[test]
    fn wrong_aad_key_or_tampering_fail_authentication() {
        let key = DataKey::generate();
        let enc = encrypt_value(&Value::Str("secret".into()), &key, "a:").unwrap();
        assert_eq!(decrypt_value(&enc, &key, "b:"), Err(CipherError::Authentication));
        assert_eq!(decrypt_value(&enc, &DataKey::generate(), "a:"), Err(CipherError::Authentication));
        let env = parse_envelope(&enc).unwrap();
        let mut data = env.data.clone();
        data[0] ^= 1;
        let tampered = format!(
            "ENC[AES256_GCM,data:{},iv:{},tag:{},type:str]",
            B64.encode(&data),
            B64.encode(env.iv),
            B64.encode(env.tag)
        );
        assert_eq!(decrypt_value(&tampered, &key, "a:"), Err(CipherError::Authentication));
        assert!(matches!(
            decrypt_value("ENC[AES256_GCM,data:!!,iv:,tag:,type:str]", &key, "a:"),
            Err(CipherError::Malformed(_))
        ));
        assert!(matches!(decrypt_value("plain", &key, "a:"), Err(CipherError::Malformed(_))));
    }

    #[test]
    fn a_malformed_envelope_says_which_part() {
        let key = DataKey::generate();
        let env = parse_envelope(&encrypt_value(&Value::Str("secret".into()), &key, "a:").unwrap()).unwrap();
        let (data, iv, tag) = (B64.encode(&env.data), B64.encode(env.iv), B64.encode(env.tag));
        let malformed = |s: &str| match decrypt_value(s, &key, "a:") {
            Err(CipherError::Malformed(m)) => m,
            other => panic!("{s}: {other:?}"),
        };
        let short_iv = B64.encode([0u8; 16]);
        let long_iv = B64.encode([0u8; 40]);
        for (envelope, says) in [
            (format!("ENC[AES256_GCM,data:{data},iv:{short_iv},tag:{tag},type:str]"), "the iv is not 32 bytes"),
            (format!("ENC[AES256_GCM,data:{data},iv:{long_iv},tag:{tag},type:str]"), "the iv is not 32 bytes"),
            (format!("ENC[AES256_GCM,data:{data},iv:{iv},tag:{iv},type:str]"), "the tag is not"),
            (format!("ENC[AES256_GCM,data:{data},iv:{iv},tag:!!,type:str]"), "the tag is not valid base64"),
            (format!("ENC[AES256_GCM,data:{data},tag:{tag},type:str]"), "missing iv"),
            (format!("ENC[AES256_GCM,data:{data}]"), "missing type"),
            (format!("ENC[AES256_GCM,data:{data},iv:{iv},type:str]"), "missing tag"),
            (format!("ENC[AES256_GCM,data:{data},iv:{iv},tag:{tag}]"), "missing type"),
            (format!("ENC[AES256_GCM,data:{data},iv:{iv},tag:{tag},type:str,type:str]"), "missing tag"),
            (format!("ENC[AES256_GCM,data:{data},iv:{iv},tag:{tag},kind:str]"), "missing type"),
            (format!("ENC[AES256_GCM,data:{data},iv:{iv},tag:{tag},type:blob]"), "unknown value type"),
            (format!("ENC[AES256_GCM,data:{data}!,iv:{iv},tag:{tag},type:str]"), "data is not valid base64"),
        ] {
            let message = malformed(&envelope);
            assert!(message.contains(says), "{envelope}: {message}");
        }
        // The parts in their place still decrypt.
        let whole = format!("ENC[AES256_GCM,data:{data},iv:{iv},tag:{tag},type:str]");
        assert_eq!(decrypt_value(&whole, &key, "a:").unwrap(), Value::Str("secret".into()));
    }

    /// The fields are read with base64-simd (faster on these short strings); it must accept and
    /// reject exactly what the base64 crate's strict standard engine did: padding required, no
    /// stray bits in the last character, no whitespace, no URL-safe letters.
    #[test]
    fn the_field_decoder_is_as_strict_as_the_base64_crate() {
        let mut inputs: Vec<String> = [
            "", "=", "==", "A", "AA", "AA=", "AA==", "AB==", "AAA=", "AAB=", "AAAA", "A===", "AA=A", "AAAA====",
            "QUJD", "QUJD\n", " QUJD", "QU JD", "QUJ-", "QUJ_", "QUJ/", "QUJ+", "QUJD=", "QUI", "QUI=",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every base64 string of 0..=40 bytes, and each with its last character changed.
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ ";
        for n in 0..=40usize {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + n) as u8).collect();
            let good = B64.encode(&bytes);
            for &c in alphabet {
                let mut bad = good.clone().into_bytes();
                if let Some(last) = bad.iter().rposition(|&b| b != b'=') {
                    bad[last] = c;
                    inputs.push(String::from_utf8(bad).unwrap());
                }
            }
            inputs.push(good);
        }
        for input in &inputs {
            let old = B64.decode(input).ok();
            let new = base64_simd::STANDARD.decode_to_vec(input).ok();
            assert_eq!(new, old, "{input:?}");
            if input.len() <= 44 {
                let old32: Option<[u8; 32]> = old.as_deref().and_then(|b| b.try_into().ok());
                assert_eq!(decode_exact::<32>("iv", input).ok(), old32, "{input:?}");
            }
        }
    }
}
