//! Request bodies in `application/vnd.kubernetes.protobuf`, turned into the JSON the rest of the
//! double reads. client-go's typed clients send built-in kinds this way: kubectl `create`/`delete`
//! (ConfigMap, Secret, DeleteOptions) and helm's release storage (Secrets, ConfigMaps).
//!
//! The envelope: magic `k8s\0`, then a `runtime.Unknown` message {typeMeta = 1 {apiVersion = 1,
//! kind = 2}, raw = 2, contentEncoding = 3, contentType = 4}; `raw` is the object's own message.
//! Hand-decoded (a varint/length-delimited reader and the field numbers of the few kinds from
//! k8s.io/api's generated.proto) because the double needs five messages, not a protobuf stack:
//! the k8s-pb crate would add prost and every Kubernetes message to the test build. A kind not
//! listed here is answered with 415, naming it, so a new client need shows up at once.

use serde_json::{Map, Value, json};

pub const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";
const MAGIC: &[u8] = b"k8s\0";

/// One field of a message as it appears on the wire.
#[derive(Clone, Debug)]
enum Wire<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed(u64),
}

fn varint(buf: &[u8], pos: &mut usize) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *buf.get(*pos).ok_or("truncated varint")?;
        *pos += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err("varint too long".into())
}

fn fields(buf: &[u8]) -> Result<Vec<(u64, Wire<'_>)>, String> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        let key = varint(buf, &mut pos)?;
        let (number, wire) = (key >> 3, key & 7);
        let value = match wire {
            0 => Wire::Varint(varint(buf, &mut pos)?),
            1 | 5 => {
                let n = if wire == 1 { 8 } else { 4 };
                let bytes = buf.get(pos..pos + n).ok_or("truncated fixed field")?;
                pos += n;
                Wire::Fixed(bytes.iter().rev().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
            }
            2 => {
                let len = varint(buf, &mut pos)? as usize;
                let bytes = buf.get(pos..pos + len).ok_or("truncated length-delimited field")?;
                pos += len;
                Wire::Bytes(bytes)
            }
            other => return Err(format!("unsupported wire type {other} (field {number})")),
        };
        out.push((number, value));
    }
    Ok(out)
}

fn string(w: &Wire<'_>) -> Result<String, String> {
    match w {
        Wire::Bytes(b) => String::from_utf8(b.to_vec()).map_err(|e| e.to_string()),
        other => Err(format!("expected a string, got {other:?}")),
    }
}

fn bytes<'a>(w: &Wire<'a>) -> Result<&'a [u8], String> {
    match w {
        Wire::Bytes(b) => Ok(b),
        other => Err(format!("expected bytes, got {other:?}")),
    }
}

fn int(w: &Wire<'_>) -> Result<i64, String> {
    match w {
        Wire::Varint(v) | Wire::Fixed(v) => Ok(*v as i64),
        other => Err(format!("expected an integer, got {other:?}")),
    }
}

/// A `map<string, V>` entry {key = 1, value = 2}.
fn map_entry<'a>(w: &Wire<'a>) -> Result<(String, Option<Wire<'a>>), String> {
    let mut key = String::new();
    let mut value = None;
    for (n, f) in fields(bytes(w)?)? {
        match n {
            1 => key = string(&f)?,
            2 => value = Some(f),
            _ => {}
        }
    }
    Ok((key, value))
}

fn insert_string_map(obj: &mut Map<String, Value>, field: &str, w: &Wire<'_>) -> Result<(), String> {
    let (k, v) = map_entry(w)?;
    let v = v.map(|v| string(&v)).transpose()?.unwrap_or_default();
    obj.entry(field).or_insert_with(|| json!({}))[&k] = json!(v);
    Ok(())
}

fn insert_bytes_map(obj: &mut Map<String, Value>, field: &str, w: &Wire<'_>) -> Result<(), String> {
    use base64::Engine as _;
    let (k, v) = map_entry(w)?;
    let v = v.map(|v| bytes(&v).map(|b| b.to_vec())).transpose()?.unwrap_or_default();
    obj.entry(field).or_insert_with(|| json!({}))[&k] = json!(base64::engine::general_purpose::STANDARD.encode(v));
    Ok(())
}

/// `metav1.Time` {seconds = 1, nanos = 2} as RFC 3339.
fn time(w: &Wire<'_>) -> Result<Value, String> {
    let mut seconds = 0;
    for (n, f) in fields(bytes(w)?)? {
        if n == 1 {
            seconds = int(&f)?;
        }
    }
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds.max(0) as u64);
    Ok(json!(humantime::format_rfc3339_seconds(t).to_string()))
}

fn owner_reference(w: &Wire<'_>) -> Result<Value, String> {
    let mut o = Map::new();
    for (n, f) in fields(bytes(w)?)? {
        match n {
            1 => o.insert("kind".into(), json!(string(&f)?)),
            3 => o.insert("name".into(), json!(string(&f)?)),
            4 => o.insert("uid".into(), json!(string(&f)?)),
            5 => o.insert("apiVersion".into(), json!(string(&f)?)),
            6 => o.insert("controller".into(), json!(int(&f)? != 0)),
            7 => o.insert("blockOwnerDeletion".into(), json!(int(&f)? != 0)),
            _ => None,
        };
    }
    Ok(Value::Object(o))
}

/// `metav1.ObjectMeta` (managedFields, field 17, is server-owned and dropped).
fn object_meta(w: &Wire<'_>) -> Result<Value, String> {
    let mut m = Map::new();
    for (n, f) in fields(bytes(w)?)? {
        match n {
            1 => drop(m.insert("name".into(), json!(string(&f)?))),
            2 => drop(m.insert("generateName".into(), json!(string(&f)?))),
            3 => drop(m.insert("namespace".into(), json!(string(&f)?))),
            5 => drop(m.insert("uid".into(), json!(string(&f)?))),
            6 => drop(m.insert("resourceVersion".into(), json!(string(&f)?))),
            7 => drop(m.insert("generation".into(), json!(int(&f)?))),
            8 => drop(m.insert("creationTimestamp".into(), time(&f)?)),
            9 => drop(m.insert("deletionTimestamp".into(), time(&f)?)),
            10 => drop(m.insert("deletionGracePeriodSeconds".into(), json!(int(&f)?))),
            11 => insert_string_map(&mut m, "labels", &f)?,
            12 => insert_string_map(&mut m, "annotations", &f)?,
            13 => m
                .entry("ownerReferences")
                .or_insert_with(|| json!([]))
                .as_array_mut()
                .unwrap()
                .push(owner_reference(&f)?),
            14 => m.entry("finalizers").or_insert_with(|| json!([])).as_array_mut().unwrap().push(json!(string(&f)?)),
            _ => {}
        }
    }
    Ok(Value::Object(m))
}

fn config_map(raw: &[u8]) -> Result<Map<String, Value>, String> {
    let mut o = Map::new();
    for (n, f) in fields(raw)? {
        match n {
            1 => drop(o.insert("metadata".into(), object_meta(&f)?)),
            2 => insert_string_map(&mut o, "data", &f)?,
            3 => insert_bytes_map(&mut o, "binaryData", &f)?,
            4 => drop(o.insert("immutable".into(), json!(int(&f)? != 0))),
            _ => {}
        }
    }
    Ok(o)
}

fn secret(raw: &[u8]) -> Result<Map<String, Value>, String> {
    let mut o = Map::new();
    for (n, f) in fields(raw)? {
        match n {
            1 => drop(o.insert("metadata".into(), object_meta(&f)?)),
            2 => insert_bytes_map(&mut o, "data", &f)?,
            3 => drop(o.insert("type".into(), json!(string(&f)?))),
            4 => insert_string_map(&mut o, "stringData", &f)?,
            5 => drop(o.insert("immutable".into(), json!(int(&f)? != 0))),
            _ => {}
        }
    }
    Ok(o)
}

fn namespace(raw: &[u8]) -> Result<Map<String, Value>, String> {
    let mut o = Map::new();
    for (n, f) in fields(raw)? {
        if n == 1 {
            o.insert("metadata".into(), object_meta(&f)?);
        }
    }
    Ok(o)
}

fn delete_options(raw: &[u8]) -> Result<Map<String, Value>, String> {
    let mut o = Map::new();
    for (n, f) in fields(raw)? {
        match n {
            1 => drop(o.insert("gracePeriodSeconds".into(), json!(int(&f)?))),
            2 => {
                let mut p = Map::new();
                for (pn, pf) in fields(bytes(&f)?)? {
                    match pn {
                        1 => drop(p.insert("uid".into(), json!(string(&pf)?))),
                        2 => drop(p.insert("resourceVersion".into(), json!(string(&pf)?))),
                        _ => {}
                    }
                }
                o.insert("preconditions".into(), Value::Object(p));
            }
            3 => drop(o.insert("orphanDependents".into(), json!(int(&f)? != 0))),
            4 => drop(o.insert("propagationPolicy".into(), json!(string(&f)?))),
            5 => o.entry("dryRun").or_insert_with(|| json!([])).as_array_mut().unwrap().push(json!(string(&f)?)),
            _ => {}
        }
    }
    Ok(o)
}

/// Decodes a protobuf request body into the object's JSON form (`apiVersion` and `kind` from the
/// envelope). `Err` says why, for a 415/400 answer.
pub fn decode(body: &[u8]) -> Result<Value, String> {
    let inner = body.strip_prefix(MAGIC).ok_or("the body does not start with the magic k8s\\0")?;
    let (mut api_version, mut kind, mut raw) = (String::new(), String::new(), &[][..]);
    for (n, f) in fields(inner)? {
        match n {
            1 => {
                for (tn, tf) in fields(bytes(&f)?)? {
                    match tn {
                        1 => api_version = string(&tf)?,
                        2 => kind = string(&tf)?,
                        _ => {}
                    }
                }
            }
            2 => raw = bytes(&f)?,
            3 if !bytes(&f)?.is_empty() => return Err("content encodings are not supported".into()),
            _ => {}
        }
    }
    let mut obj = match kind.as_str() {
        "ConfigMap" => config_map(raw)?,
        "Secret" => secret(raw)?,
        "Namespace" => namespace(raw)?,
        "DeleteOptions" => delete_options(raw)?,
        other => return Err(format!("the API double cannot decode protobuf {api_version} {other:?} yet")),
    };
    obj.insert("apiVersion".into(), json!(api_version));
    obj.insert("kind".into(), json!(kind));
    Ok(Value::Object(obj))
}
