//! A designed noise map: 49 levels 0..=9 on a 7 x 7 grid spread over the image (docs/maths.md,
//! "Designed noise maps").
//!
//! Pixel (r, c) of an H x W image falls in cell (floor(7 r / H), floor(7 c / W)), cells read row
//! by row; every channel of a pixel shares its cell. Level d means a drop probability d/10 for
//! `dropmap` and a Gaussian standard deviation d/10 for `gaussmap`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{ImageShape, SpectralError};

/// Cells per side of the grid.
pub const MAP_SIDE: usize = 7;
/// Cells of the grid, `MAP_SIDE`².
pub const MAP_CELLS: usize = MAP_SIDE * MAP_SIDE;

/// 49 levels 0..=9 on a 7 x 7 grid over the image, written as 49 digits read row by row.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct NoiseMap {
    levels: [u8; MAP_CELLS],
}

impl NoiseMap {
    /// The map with `levels` (row by row), each 0..=9.
    pub fn new(levels: [u8; MAP_CELLS]) -> Result<NoiseMap, SpectralError> {
        match levels.iter().find(|&&l| l > 9) {
            Some(l) => Err(SpectralError::InvalidArgument(format!(
                "noise map level {l} is not a digit 0..=9"
            ))),
            None => Ok(NoiseMap { levels }),
        }
    }

    /// The same level in every cell (level clamped to 9).
    pub fn uniform(level: u8) -> NoiseMap {
        NoiseMap {
            levels: [level.min(9); MAP_CELLS],
        }
    }

    /// The 49 levels, row by row.
    pub fn levels(&self) -> &[u8; MAP_CELLS] {
        &self.levels
    }

    /// The cell (row-major index in 0..49) of pixel `i` of a channel-major image of `shape`.
    pub fn cell_of(shape: ImageShape, i: usize) -> usize {
        let plane = shape.h * shape.w;
        let (r, c) = ((i % plane) / shape.w, i % shape.w);
        (MAP_SIDE * r / shape.h) * MAP_SIDE + MAP_SIDE * c / shape.w
    }

    /// Level / 10 of pixel `i`'s cell: its drop probability or its standard deviation.
    pub fn value(&self, shape: ImageShape, i: usize) -> f64 {
        f64::from(self.levels[Self::cell_of(shape, i)]) / 10.0
    }

    /// Level / 10 of every pixel of one channel plane (H*W values, row-major).
    pub fn plane_values(&self, shape: ImageShape) -> Vec<f64> {
        (0..shape.h * shape.w)
            .map(|i| self.value(shape, i))
            .collect()
    }
}

impl fmt::Display for NoiseMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for l in self.levels {
            write!(f, "{l}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for NoiseMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NoiseMap({self})")
    }
}

impl FromStr for NoiseMap {
    type Err = SpectralError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: String| SpectralError::InvalidArgument(why);
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(format!(
                "a noise map is {MAP_CELLS} digits 0-9, and '{}' has other characters",
                s.chars().take(60).collect::<String>()
            )));
        }
        let bytes = s.as_bytes();
        if bytes.len() != MAP_CELLS {
            return Err(bad(format!(
                "a noise map is {MAP_CELLS} digits (a 7x7 grid, row by row), got {}",
                bytes.len()
            )));
        }
        let mut levels = [0u8; MAP_CELLS];
        for (l, b) in levels.iter_mut().zip(bytes) {
            *l = b - b'0';
        }
        NoiseMap::new(levels)
    }
}

impl Serialize for NoiseMap {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for NoiseMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_spread_over_the_image() {
        let shape = ImageShape { c: 1, h: 28, w: 28 };
        assert_eq!(NoiseMap::cell_of(shape, 0), 0);
        assert_eq!(NoiseMap::cell_of(shape, 3), 0);
        assert_eq!(NoiseMap::cell_of(shape, 4), 1);
        assert_eq!(NoiseMap::cell_of(shape, 27), 6);
        assert_eq!(NoiseMap::cell_of(shape, 4 * 28), 7);
        assert_eq!(NoiseMap::cell_of(shape, 28 * 28 - 1), 48);
        // Rows and columns use their own side; channels share the cell.
        let shape = ImageShape { c: 2, h: 3, w: 14 };
        assert_eq!(NoiseMap::cell_of(shape, 14 + 13), 2 * 7 + 6);
        assert_eq!(NoiseMap::cell_of(shape, 42 + 14 + 13), 2 * 7 + 6);
    }

    #[test]
    fn maps_read_and_write_as_49_digits() {
        let text: String = (0..49).map(|i| char::from(b'0' + (i % 10) as u8)).collect();
        let map: NoiseMap = text.parse().unwrap();
        assert_eq!(map.to_string(), text);
        assert_eq!(map.levels()[12], 2);
        assert!("123".parse::<NoiseMap>().is_err());
        assert!(format!("{}x", &text[..48]).parse::<NoiseMap>().is_err());
        assert!(format!("{text}0").parse::<NoiseMap>().is_err());
        assert!(NoiseMap::new([10; MAP_CELLS]).is_err());
        let json = serde_json::to_string(&map).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<NoiseMap>(&json).unwrap(), map);
    }
}
