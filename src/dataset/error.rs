//! Why a dataset could not be read.

use std::fmt;

/// Why a dataset could not be read.
#[derive(Clone, Debug, PartialEq)]
pub enum DataError {
    /// The file is shorter than its header says.
    Truncated {
        /// Which file or field.
        what: &'static str,
        /// Bytes the header announces.
        expected: usize,
        /// Bytes present.
        found: usize,
    },
    /// The file is longer than its header says.
    TrailingBytes {
        /// Which file or field.
        what: &'static str,
        /// Bytes the header announces.
        expected: usize,
        /// Bytes present.
        found: usize,
    },
    /// The magic number is not the one the format requires.
    BadMagic {
        /// Which file.
        what: &'static str,
        /// The magic number found, in hex.
        found: String,
    },
    /// A dimension is zero or beyond the accepted limits.
    BadDimensions {
        /// Which file.
        what: &'static str,
        /// What is wrong, in words.
        detail: String,
    },
    /// Images and labels disagree on the number of samples.
    CountMismatch {
        /// Images in the image file.
        images: usize,
        /// Labels in the label file.
        labels: usize,
    },
    /// A gzip stream could not be decoded.
    Gzip(String),
    /// A value in a JSON source is not a pixel k/255.
    BadValue(String),
    /// A file could not be found or read.
    Io(String),
    /// The data is well formed but beyond what the reader can hold or finish.
    Refused(String),
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::Truncated {
                what,
                expected,
                found,
            } => {
                write!(
                    f,
                    "{what} is truncated: expected {expected} bytes, found {found}"
                )
            }
            DataError::TrailingBytes {
                what,
                expected,
                found,
            } => write!(
                f,
                "{what} has trailing bytes: its header announces {expected} bytes, found at least {found}"
            ),
            DataError::BadMagic { what, found } => {
                write!(f, "{what} has the wrong magic number ({found})")
            }
            DataError::BadDimensions { what, detail } => {
                write!(f, "{what} has unusable dimensions: {detail}")
            }
            DataError::CountMismatch { images, labels } => write!(
                f,
                "images and labels disagree: {images} images but {labels} labels"
            ),
            DataError::Gzip(e) => write!(f, "gzip stream is corrupt: {e}"),
            DataError::BadValue(e) => write!(f, "bad value: {e}"),
            DataError::Io(e) => write!(f, "{e}"),
            DataError::Refused(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for DataError {}
