//! numpy arrays in and out. Inputs are `float64` arrays of the documented
//! number of dimensions (anything else is refused by PyO3 with a
//! `TypeError` naming the argument); a C-contiguous array is read in place,
//! any other layout (a transposed or strided view) is copied once into C
//! order. Outputs are fresh C-contiguous arrays that own Rust's buffer (no
//! copy).

use std::borrow::Cow;

use numpy::ndarray::Dimension;
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// The values of `a` in C order: borrowed when contiguous, else copied.
/// (`as_slice` alone would also accept a Fortran-ordered array, read in
/// its memory order: transposed.)
pub fn values<'a, D: Dimension>(a: &'a PyReadonlyArray<'_, f64, D>) -> Cow<'a, [f64]> {
    match a.as_slice() {
        Ok(slice) if a.is_c_contiguous() => Cow::Borrowed(slice),
        _ => Cow::Owned(a.as_array().iter().copied().collect()),
    }
}

/// A `(rows, cols)` matrix read from a 2D array, C order.
pub struct Matrix<'a> {
    /// The entries, row-major.
    pub values: Cow<'a, [f64]>,
    /// The number of rows.
    pub rows: usize,
    /// The number of columns.
    pub cols: usize,
}

impl<'a> Matrix<'a> {
    /// The matrix of the 2D array `a`.
    pub fn of(a: &'a PyReadonlyArray<'_, f64, numpy::Ix2>) -> Self {
        let [rows, cols] = [a.shape()[0], a.shape()[1]];
        Self {
            values: values(a),
            rows,
            cols,
        }
    }

    /// The rows as slices (members of an ensemble); no row for `cols = 0`.
    pub fn row_slices(&self) -> Vec<&[f64]> {
        if self.cols == 0 {
            return vec![&[][..]; self.rows];
        }
        self.values.chunks_exact(self.cols).collect()
    }

    /// Refuses a matrix whose shape is not `(rows, cols)`, naming it.
    pub fn expect(&self, name: &str, rows: usize, cols: usize) -> PyResult<()> {
        if (self.rows, self.cols) == (rows, cols) {
            Ok(())
        } else {
            Err(PyValueError::new_err(format!(
                "{name} has shape ({}, {}), expected ({rows}, {cols})",
                self.rows, self.cols
            )))
        }
    }
}

/// A 1D array owning `v`.
pub fn vector(py: Python<'_>, v: Vec<f64>) -> Bound<'_, PyArray1<f64>> {
    PyArray1::from_vec(py, v)
}

/// A `(rows, cols)` array owning the row-major `v`.
///
/// # Errors
/// None in practice: callers pass `rows * cols` values.
pub fn matrix(
    py: Python<'_>,
    v: Vec<f64>,
    rows: usize,
    cols: usize,
) -> PyResult<Bound<'_, PyArray2<f64>>> {
    PyArray1::from_vec(py, v).reshape([rows, cols])
}

/// The `(N, m)` array of `N` rows of equal length `m`.
///
/// # Errors
/// None in practice: callers pass rows of one length.
pub fn from_rows(
    py: Python<'_>,
    rows: Vec<Vec<f64>>,
    cols: usize,
) -> PyResult<Bound<'_, PyArray2<f64>>> {
    let n = rows.len();
    matrix(py, rows.concat(), n, cols)
}
