//! Shamir secret sharing over GF(2^8), byte-compatible with sops' `shamir` package (from Vault):
//! each share is the polynomial values for every secret byte followed by one x-coordinate byte,
//! x-coordinates are 1..=parts, and multiplication is in the AES field (x^8+x^4+x^3+x+1).

use zeroize::Zeroizing;

/// Multiplication in GF(2^8) with the AES polynomial, constant time like sops' `mult`.
fn mult(a: u8, b: u8) -> u8 {
    let mut acc: u8 = 0;
    for i in (0..8).rev() {
        let bit = (b >> i) & 1;
        let a_or_zero = 0u8.wrapping_sub(bit) & a;
        let reduce = 0u8.wrapping_sub(acc >> 7) & 0x1B;
        acc = a_or_zero ^ (reduce ^ acc.wrapping_add(acc));
    }
    acc
}

fn inverse(a: u8) -> u8 {
    // a^254 = a^-1 in GF(2^8)
    let mut b = mult(a, a);
    let mut c = mult(a, b);
    b = mult(c, c);
    b = mult(b, b);
    c = mult(b, c);
    b = mult(b, b);
    b = mult(b, b);
    b = mult(b, c);
    b = mult(b, b);
    b = mult(a, b);
    mult(b, b)
}

fn evaluate(coefficients: &[u8], x: u8) -> u8 {
    let mut out = coefficients[coefficients.len() - 1];
    for &c in coefficients[..coefficients.len() - 1].iter().rev() {
        out = mult(out, x) ^ c;
    }
    out
}

/// Splits `secret` into `parts` shares of which `threshold` recombine it.
pub fn split(secret: &[u8], parts: usize, threshold: usize) -> Result<Vec<Zeroizing<Vec<u8>>>, String> {
    if parts < threshold {
        return Err("parts cannot be less than threshold".into());
    }
    if parts > 255 {
        return Err("parts cannot exceed 255".into());
    }
    if threshold < 2 {
        return Err("threshold must be at least 2".into());
    }
    if secret.is_empty() {
        return Err("cannot split an empty secret".into());
    }
    let mut out: Vec<Zeroizing<Vec<u8>>> = (0..parts)
        .map(|i| {
            let mut v = vec![0u8; secret.len() + 1];
            v[secret.len()] = (i + 1) as u8;
            Zeroizing::new(v)
        })
        .collect();
    let mut coeffs = Zeroizing::new(vec![0u8; threshold]);
    for (idx, &val) in secret.iter().enumerate() {
        coeffs[0] = val;
        rand::fill(&mut coeffs[1..]);
        for (i, share) in out.iter_mut().enumerate() {
            share[idx] = evaluate(&coeffs, (i + 1) as u8);
        }
    }
    Ok(out)
}

/// Recombines shares made by [`split`] (or by sops).
pub fn combine(parts: &[&[u8]]) -> Result<Zeroizing<Vec<u8>>, String> {
    if parts.len() < 2 {
        return Err("less than two parts cannot be used to reconstruct the secret".into());
    }
    let len = parts[0].len();
    if len < 2 {
        return Err("parts must be at least two bytes".into());
    }
    if parts.iter().any(|p| p.len() != len) {
        return Err("all parts must be the same length".into());
    }
    let xs: Vec<u8> = parts.iter().map(|p| p[len - 1]).collect();
    for (i, x) in xs.iter().enumerate() {
        if xs[..i].contains(x) {
            return Err("duplicate part detected".into());
        }
    }
    let mut secret = Zeroizing::new(vec![0u8; len - 1]);
    for (idx, out) in secret.iter_mut().enumerate() {
        // Lagrange interpolation at x = 0
        let mut result = 0u8;
        for i in 0..parts.len() {
            let mut basis = 1u8;
            for j in 0..parts.len() {
                if i != j {
                    let num = xs[j];
                    let denom = xs[i] ^ xs[j];
                    basis = mult(basis, mult(num, inverse(denom)));
                }
            }
            result ^= mult(parts[i][idx], basis);
        }
        *out = result;
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_arithmetic_matches_aes_field() {
        // Known AES field products
        assert_eq!(mult(0x57, 0x83), 0xc1);
        assert_eq!(mult(0x57, 0x13), 0xfe);
        for a in 1..=255u8 {
            assert_eq!(mult(a, inverse(a)), 1, "inverse of {a}");
        }
    }

    #[test]
    fn any_threshold_subset_recombines() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let shares = split(secret, 5, 3).unwrap();
        assert!(shares.iter().all(|s| s.len() == secret.len() + 1));
        let pick = |idx: &[usize]| -> Vec<&[u8]> { idx.iter().map(|&i| &shares[i][..]).collect() };
        assert_eq!(&combine(&pick(&[0, 1, 2])).unwrap()[..], secret);
        assert_eq!(&combine(&pick(&[4, 2, 0])).unwrap()[..], secret);
        assert_eq!(&combine(&pick(&[0, 1, 2, 3, 4])).unwrap()[..], secret);
        // Two of a 3-threshold split give some other bytes, not the secret.
        assert_ne!(&combine(&pick(&[0, 1])).unwrap()[..], secret);
        assert!(combine(&pick(&[0, 0])).is_err());
        assert!(split(secret, 2, 3).is_err());
    }

    #[test]
    fn x_coordinates_are_one_based_and_trail_each_share_like_sops() {
        let secret = b"test";
        let shares = split(secret, 3, 2).unwrap();
        // x-coordinates are 1..=parts like sops (not random like Vault's original).
        assert_eq!(shares.iter().map(|s| s[4]).collect::<Vec<_>>(), vec![1, 2, 3]);
    }
}
