//! NumPy `.npy` files (format version 1.0) for users who analyse in Python:
//! a little-endian `float64` array in C order, `numpy.load` reads it as is.

use std::path::Path;

use crate::reproduce::Error;

/// Write `values` (C order, last index fastest) as an array of `shape`.
///
/// # Errors
/// [`Error::Io`] if the file cannot be written.
///
/// # Panics
/// If `values.len()` is not the product of `shape` (a programming error of
/// the caller, not user input).
pub fn write_f64(path: &Path, shape: &[usize], values: &[f64]) -> Result<(), Error> {
    assert_eq!(
        shape.iter().product::<usize>(),
        values.len(),
        "npy shape does not match the data"
    );
    std::fs::write(path, encode_f64(shape, values)).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The bytes of an `.npy` file: magic, version 1.0, header length, the
/// header dictionary padded with spaces to a multiple of 64 bytes and ended
/// by a newline, then the data.
fn encode_f64(shape: &[usize], values: &[f64]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let shape_text = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape_text}, }}");
    // magic (6) + version (2) + header length (2) + header + '\n'.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    header.push('\n');
    let mut bytes = Vec::with_capacity(10 + header.len() + 8 * values.len());
    bytes.extend_from_slice(b"\x93NUMPY\x01\x00");
    let header_len = u16::try_from(header.len()).expect("a short header");
    bytes.extend_from_slice(&header_len.to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for v in values {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_follows_the_npy_format() {
        let bytes = encode_f64(&[2, 3], &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
        let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + header_len) % 64, 0, "data aligned to 64 bytes");
        let header = std::str::from_utf8(&bytes[10..10 + header_len]).unwrap();
        assert!(header.starts_with("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"));
        assert!(header.ends_with('\n'));
        let data = &bytes[10 + header_len..];
        assert_eq!(data.len(), 48);
        assert_eq!(f64::from_le_bytes(data[40..48].try_into().unwrap()), 5.0);
        let one_d = encode_f64(&[4], &[0.0; 4]);
        let header = std::str::from_utf8(&one_d[10..74]).unwrap();
        assert!(header.contains("'shape': (4,)"), "{header}");
    }
}
