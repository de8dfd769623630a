//! The walk over a file's tree that encrypts or decrypts each value sops would (its
//! `shouldBeEncrypted` rules), with the key path as additional data, and hashes the plaintext
//! values in tree order for the MAC.

use sha2::{Digest, Sha512};

use super::cipher::{self, CipherError, ValueType};
use super::error::{Result, SopsError};
use super::tree::{Branch, Comment, MapItem, SeqItem, Value};
use super::{DataKey, EncryptionRules, MAC_ONLY_ENCRYPTED_INIT};

struct CompiledRules {
    rules: EncryptionRules,
    unencrypted_regex: Option<regex::Regex>,
    encrypted_regex: Option<regex::Regex>,
    unencrypted_comment_regex: Option<regex::Regex>,
    encrypted_comment_regex: Option<regex::Regex>,
}

impl CompiledRules {
    fn new(rules: &EncryptionRules) -> Result<Self> {
        let compile = |r: &Option<String>| -> Result<Option<regex::Regex>> {
            r.as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| {
                    regex::Regex::new(s)
                        .map_err(|e| SopsError::InvalidMetadata(format!("invalid regular expression {s:?}: {e}")))
                })
                .transpose()
        };
        Ok(CompiledRules {
            unencrypted_regex: compile(&rules.unencrypted_regex)?,
            encrypted_regex: compile(&rules.encrypted_regex)?,
            unencrypted_comment_regex: compile(&rules.unencrypted_comment_regex)?,
            encrypted_comment_regex: compile(&rules.encrypted_comment_regex)?,
            rules: rules.clone(),
        })
    }

    /// sops' `shouldBeEncrypted`.
    fn should_encrypt<S: AsRef<str>>(&self, path: &[&str], stack: &[Vec<S>], is_comment: bool) -> bool {
        let mut encrypted = true;
        if let Some(s) = self.rules.unencrypted_suffix.as_deref().filter(|s| !s.is_empty())
            && path.iter().any(|p| p.ends_with(s))
        {
            encrypted = false;
        }
        if let Some(s) = self.rules.encrypted_suffix.as_deref().filter(|s| !s.is_empty()) {
            encrypted = path.iter().any(|p| p.ends_with(s));
        }
        if let Some(re) = &self.unencrypted_regex
            && path.iter().any(|p| re.is_match(p))
        {
            encrypted = false;
        }
        if let Some(re) = &self.encrypted_regex {
            encrypted = path.iter().any(|p| re.is_match(p));
        }
        if let Some(re) = &self.unencrypted_comment_regex
            && stack.iter().flatten().any(|c| re.is_match(c.as_ref()))
        {
            encrypted = false;
        }
        if let Some(re) = &self.encrypted_comment_regex {
            encrypted = false;
            let last_level = stack.len().saturating_sub(1);
            'outer: for (i, level) in stack.iter().enumerate() {
                for (j, c) in level.iter().enumerate() {
                    if is_comment && i == last_level && j + 1 == level.len() {
                        continue;
                    }
                    if re.is_match(c.as_ref()) {
                        encrypted = true;
                        break 'outer;
                    }
                }
            }
        }
        encrypted
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    Encrypt,
    Decrypt,
}

/// sops' additional data for a value: its key path joined with `:`, plus a trailing `:`, written
/// into `buf` (one buffer per walk instead of a string per value).
fn aad<'b>(buf: &'b mut String, path: &[&str]) -> &'b str {
    buf.clear();
    for (i, p) in path.iter().enumerate() {
        if i > 0 {
            buf.push(':');
        }
        buf.push_str(p);
    }
    buf.push(':');
    buf
}

pub(super) struct Walker<'s> {
    rules: CompiledRules,
    cipher: cipher::ValueCipher,
    direction: Direction,
    hash: Sha512,
    /// The additional data of the current value, rebuilt in place (one buffer per walk).
    aad: String,
    /// Decrypting: where to record each value's envelope (edits only).
    pub(super) record: Option<cipher::Stash>,
    /// Encrypting: envelopes to reuse for unchanged values.
    pub(super) reuse: Option<&'s cipher::Stash>,
}

fn display_path(path: &[&str]) -> String {
    if path.is_empty() { "the top level".into() } else { path.join(".") }
}

impl<'s> Walker<'s> {
    pub(super) fn new(rules: &EncryptionRules, key: &DataKey, direction: Direction) -> Result<Walker<'s>> {
        let mut hash = Sha512::new();
        if rules.mac_only_encrypted {
            hash.update(MAC_ONLY_ENCRYPTED_INIT);
        }
        Ok(Walker {
            rules: CompiledRules::new(rules)?,
            cipher: cipher::ValueCipher::new(key),
            direction,
            hash,
            aad: String::new(),
            record: None,
            reuse: None,
        })
    }

    /// Encrypts `plain` (of type `ty`) at the current path, reusing the stashed envelope of the
    /// same plaintext there.
    fn encrypt(&mut self, plain: &[u8], ty: ValueType, path: &[&str]) -> String {
        let aad = aad(&mut self.aad, path);
        if let Some(envelope) = self.reuse.and_then(|s| s.get(aad, ty, plain)) {
            return envelope.to_string();
        }
        self.cipher.encrypt_bytes(plain, ty, aad)
    }

    fn decrypt(&mut self, s: &str, path: &[&str]) -> std::result::Result<Value, CipherError> {
        let aad = aad(&mut self.aad, path);
        match &mut self.record {
            Some(stash) => self.cipher.decrypt_value_stashed(s, aad, stash),
            None => self.cipher.decrypt_value(s, aad),
        }
    }

    fn comment<S: AsRef<str>>(&mut self, c: &Comment, path: &[&str], stack: &[Vec<S>]) -> Comment {
        if !self.rules.should_encrypt(path, stack, true) {
            return c.clone();
        }
        let text = match self.direction {
            Direction::Encrypt => self.encrypt(c.text.as_bytes(), ValueType::Comment, path),
            // Like sops: a comment that does not decrypt is kept as it is (older sops left
            // comments unencrypted).
            Direction::Decrypt => match self.decrypt(&c.text, path) {
                Ok(Value::Str(s)) => s,
                _ => c.text.clone(),
            },
        };
        Comment { text, inline: c.inline }
    }

    fn leaf<S: AsRef<str>>(&mut self, v: &Value, path: &[&str], stack: &[Vec<S>]) -> Result<Value> {
        if matches!(v, Value::Null) {
            return Ok(Value::Null);
        }
        let encrypted = self.rules.should_encrypt(path, stack, false);
        let mac = !self.rules.rules.mac_only_encrypted || encrypted;
        match self.direction {
            Direction::Encrypt => {
                let Some((bytes, ty)) = cipher::scalar_bytes(v) else {
                    return Ok(v.clone());
                };
                if mac {
                    self.hash.update(&bytes[..]);
                }
                if encrypted { Ok(Value::Str(self.encrypt(&bytes, ty, path))) } else { Ok(v.clone()) }
            }
            Direction::Decrypt => {
                let plain = if encrypted {
                    let Value::Str(s) = v else {
                        return Err(SopsError::MalformedValue {
                            path: display_path(path),
                            reason: "an encrypted value must be a string".into(),
                        });
                    };
                    self.decrypt(s, path).map_err(|e| match e {
                        CipherError::Authentication => SopsError::ValueDecryption { path: display_path(path) },
                        CipherError::Malformed(reason) => {
                            SopsError::MalformedValue { path: display_path(path), reason }
                        }
                    })?
                } else {
                    v.clone()
                };
                if mac && let Some((bytes, _)) = cipher::scalar_bytes(&plain) {
                    self.hash.update(&bytes[..]);
                }
                Ok(plain)
            }
        }
    }

    fn value<'t>(&mut self, v: &'t Value, path: &mut Vec<&'t str>, stack: &mut Vec<Vec<&'t str>>) -> Result<Value> {
        match v {
            Value::Map(m) => Ok(Value::Map(self.branch(m, path, stack)?)),
            Value::Seq(s) => {
                stack.push(Vec::new());
                let mut out = Vec::with_capacity(s.len());
                for item in s {
                    match item {
                        SeqItem::Comment(c) => {
                            stack.last_mut().expect("pushed").push(&c.text);
                            out.push(SeqItem::Comment(self.comment(c, path, stack)));
                        }
                        SeqItem::Value(v) => {
                            out.push(SeqItem::Value(self.value(v, path, stack)?));
                            stack.last_mut().expect("pushed").clear();
                        }
                    }
                }
                stack.pop();
                Ok(Value::Seq(out))
            }
            leaf => self.leaf(leaf, path, stack),
        }
    }

    fn branch<'t>(&mut self, b: &'t Branch, path: &mut Vec<&'t str>, stack: &mut Vec<Vec<&'t str>>) -> Result<Branch> {
        stack.push(Vec::new());
        let mut out = Vec::with_capacity(b.len());
        for item in b {
            match item {
                MapItem::Comment(c) => {
                    stack.last_mut().expect("pushed").push(&c.text);
                    out.push(MapItem::Comment(self.comment(c, path, stack)));
                }
                MapItem::Entry(k, v) => {
                    path.push(k);
                    let nv = self.value(v, path, stack)?;
                    path.pop();
                    out.push(MapItem::Entry(k.clone(), nv));
                    stack.last_mut().expect("pushed").clear();
                }
            }
        }
        stack.pop();
        Ok(out)
    }

    pub(super) fn walk(self, branches: &[Branch]) -> Result<(Vec<Branch>, String)> {
        self.walk_stashed(branches).map(|(b, mac, _)| (b, mac))
    }

    /// The walk, also returning what was recorded (decrypting with `record` set).
    pub(super) fn walk_stashed(mut self, branches: &[Branch]) -> Result<(Vec<Branch>, String, Option<cipher::Stash>)> {
        let mut out = Vec::with_capacity(branches.len());
        for b in branches {
            out.push(self.branch(b, &mut Vec::new(), &mut Vec::new())?);
        }
        let digest = self.hash.finalize();
        Ok((out, hex::encode_upper(digest), self.record))
    }

    /// Decrypts a tree in place, each value replaced by its plaintext as the walk reaches it: no
    /// second tree, no copy of the keys, and each envelope freed as its plaintext is made (a
    /// 10,000-leaf decrypt touches fewer new pages). Returns the MAC of the plaintext. On an
    /// error the tree is left part decrypted: the caller holds it where it is zeroized on drop.
    /// (Decrypting only: a replaced plaintext would be freed without being zeroized.)
    pub(super) fn decrypt_in_place(mut self, branches: &mut [Branch]) -> Result<String> {
        assert!(self.direction == Direction::Decrypt && self.record.is_none(), "an in-place walk only decrypts");
        for b in branches {
            self.branch_in_place(b, &mut Vec::new(), &mut Vec::new())?;
        }
        Ok(hex::encode_upper(self.hash.finalize()))
    }

    // The comment stack holds copies here: each comment is replaced in place once read.
    fn branch_in_place<'t>(
        &mut self,
        b: &'t mut Branch,
        path: &mut Vec<&'t str>,
        stack: &mut Vec<Vec<String>>,
    ) -> Result<()> {
        stack.push(Vec::new());
        for item in b {
            match item {
                MapItem::Comment(c) => {
                    stack.last_mut().expect("pushed").push(c.text.clone());
                    *c = self.comment(c, path, stack);
                }
                MapItem::Entry(k, v) => {
                    path.push(k.as_str());
                    self.value_in_place(v, path, stack)?;
                    path.pop();
                    stack.last_mut().expect("pushed").clear();
                }
            }
        }
        stack.pop();
        Ok(())
    }

    fn value_in_place<'t>(
        &mut self,
        v: &'t mut Value,
        path: &mut Vec<&'t str>,
        stack: &mut Vec<Vec<String>>,
    ) -> Result<()> {
        match v {
            Value::Map(m) => self.branch_in_place(m, path, stack),
            Value::Seq(s) => {
                stack.push(Vec::new());
                for item in s {
                    match item {
                        SeqItem::Comment(c) => {
                            stack.last_mut().expect("pushed").push(c.text.clone());
                            *c = self.comment(c, path, stack);
                        }
                        SeqItem::Value(v) => {
                            self.value_in_place(v, path, stack)?;
                            stack.last_mut().expect("pushed").clear();
                        }
                    }
                }
                stack.pop();
                Ok(())
            }
            leaf => {
                *leaf = self.leaf(leaf, path, stack)?;
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aad_is_the_path_joined_with_colons_plus_a_trailing_colon() {
        let mut buf = String::from("stale");
        assert_eq!(aad(&mut buf, &["a", "b"]), "a:b:");
        assert_eq!(aad(&mut buf, &[]), ":");
    }
}
