//! NumPy `.npy` files (format version 1.0) for users who analyse in Python:
//! a little-endian `float64` array in C order, `numpy.load` reads it as is.
//! [`read_f64`] reads back what [`write_f64`] wrote (the checkpoints of long
//! runs), bit for bit.

use std::path::Path;

use crate::Error;

/// Write `values` (C order, last index fastest) as an array of `shape`.
///
/// # Errors
/// [`Error::Io`] if the file cannot be written.
///
/// # Panics
/// If `values.len()` is not the product of `shape` (a programming error of
/// the caller, not user input).
pub fn write_f64(path: &Path, shape: &[usize], values: &[f64]) -> Result<(), Error> {
    std::fs::write(path, encode_f64(shape, values)).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Read a file written by [`write_f64`]: its shape and values (C order).
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; [`Error::Checkpoint`] if it is
/// not a little-endian `float64` C-order `.npy` file or its data do not
/// match its shape.
pub fn read_f64(path: &Path) -> Result<(Vec<usize>, Vec<f64>), Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decode_f64(&bytes).map_err(|reason| Error::Checkpoint {
        path: path.to_path_buf(),
        reason,
    })
}

/// Inverse of [`encode_f64`] for the headers it writes.
pub(crate) fn decode_f64(bytes: &[u8]) -> Result<(Vec<usize>, Vec<f64>), String> {
    if bytes.len() < 10 || &bytes[..8] != b"\x93NUMPY\x01\x00" {
        return Err("not an .npy file of format version 1.0".into());
    }
    let header_len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
    let header = bytes
        .get(10..10 + header_len)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or("truncated or non-text header")?;
    if !header.contains("'descr': '<f8'") || !header.contains("'fortran_order': False") {
        return Err(format!(
            "not a little-endian float64 C-order array: {header}"
        ));
    }
    let shape_text = header
        .split("'shape': (")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .ok_or_else(|| format!("no shape in the header: {header}"))?;
    let shape = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|e| format!("shape `{shape_text}`: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let data = &bytes[10 + header_len..];
    let count: usize = shape.iter().product();
    if data.len() != 8 * count {
        return Err(format!(
            "shape {shape:?} needs {} bytes of data, the file has {}",
            8 * count,
            data.len()
        ));
    }
    let values = data
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("chunks of 8 bytes")))
        .collect();
    Ok((shape, values))
}

/// The bytes of an `.npy` file: magic, version 1.0, header length, the
/// header dictionary padded with spaces to a multiple of 64 bytes and ended
/// by a newline, then the data (what [`write_f64`] writes, for a caller
/// that writes through a [`Storage`](crate::storage::Storage)).
///
/// # Panics
/// As [`write_f64`].
pub fn encode_f64(shape: &[usize], values: &[f64]) -> Vec<u8> {
    assert_eq!(
        shape.iter().product::<usize>(),
        values.len(),
        "npy shape does not match the data"
    );
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

    #[test]
    fn reads_back_every_bit() {
        let values = [0.1, -0.0, f64::MIN_POSITIVE, 1e300, -7.25, f64::EPSILON];
        for shape in [vec![6], vec![2, 3], vec![1, 2, 3]] {
            let (s, v) = decode_f64(&encode_f64(&shape, &values)).unwrap();
            assert_eq!(s, shape);
            assert_eq!(
                v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                values.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            );
        }
        let (s, v) = decode_f64(&encode_f64(&[0, 4], &[])).unwrap();
        assert_eq!((s, v.len()), (vec![0, 4], 0));
    }

    #[test]
    fn refuses_what_it_did_not_write() {
        assert!(decode_f64(b"PK\x03\x04 not npy").is_err());
        let mut bytes = encode_f64(&[2], &[1.0, 2.0]);
        bytes.pop();
        assert!(decode_f64(&bytes).unwrap_err().contains("needs 16 bytes"));
        let mut integers = encode_f64(&[2], &[1.0, 2.0]);
        let at = integers.windows(3).position(|w| w == b"<f8").unwrap();
        integers[at + 1] = b'i';
        assert!(decode_f64(&integers).unwrap_err().contains("float64"));
    }
}
