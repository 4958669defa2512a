//! The noises x -> x~ of the denoising autoencoder and the patch tiling of the mask (docs/maths.md,
//! "The pencil of each noise" and "Designed noise maps").

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{ImageShape, NoiseMap, SpectralError};

/// The corruption x -> x~ a denoising autoencoder learns to undo.
///
/// Written and parsed as `none`, `gaussian:S`, `mask:P:K`, `dropmap:<49 digits>` or
/// `gaussmap:<49 digits>`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Noise {
    /// Plain reconstruction (the linear autoencoder, i.e. PCA).
    None,
    /// Additive isotropic Gaussian noise of standard deviation `std` per preprocessed pixel.
    Gaussian {
        /// Standard deviation s, in units of the preprocessed pixels.
        std: f64,
    },
    /// Masking: each `patch` x `patch` patch (tiling the image from the top-left, all channels
    /// together) is dropped (set to zero) with probability `p`; kept pixels are not rescaled.
    Mask {
        /// Drop probability p in [0, 1).
        p: f64,
        /// Patch side k >= 1, in pixels.
        patch: usize,
    },
    /// A designed drop map: each pixel (all channels at once) is dropped (set to zero)
    /// independently of the others, with the probability level/10 of its map cell; kept pixels
    /// are not rescaled.
    DropMap {
        /// Levels 0..=9: drop probabilities 0 to 0.9.
        map: NoiseMap,
    },
    /// A designed Gaussian map: N(0, s_i^2) added to every preprocessed pixel independently, with
    /// s_i = level/10 of its map cell, in the units of `gaussian:S`.
    GaussMap {
        /// Levels 0..=9: standard deviations 0 to 0.9.
        map: NoiseMap,
    },
}

impl fmt::Display for Noise {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Noise::None => write!(f, "none"),
            Noise::Gaussian { std } => write!(f, "gaussian:{std}"),
            Noise::Mask { p, patch } => write!(f, "mask:{p}:{patch}"),
            Noise::DropMap { map } => write!(f, "dropmap:{map}"),
            Noise::GaussMap { map } => write!(f, "gaussmap:{map}"),
        }
    }
}

impl FromStr for Noise {
    type Err = SpectralError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| {
            SpectralError::InvalidArgument(format!(
                "noise '{s}': {why} (expected none, gaussian:S, mask:P:K, dropmap:<49 digits> or gaussmap:<49 digits>)"
            ))
        };
        let parts: Vec<&str> = s.trim().split(':').collect();
        let number = |text: &str, what: &str| -> Result<f64, SpectralError> {
            text.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad(&format!("{what} '{text}' is not a finite number")))
        };
        let map_of = |text: &str| -> Result<NoiseMap, SpectralError> {
            text.parse().map_err(|e| match e {
                SpectralError::InvalidArgument(why) => bad(&why),
                other => other,
            })
        };
        let noise = match parts.as_slice() {
            ["none"] => Noise::None,
            ["gaussian", std] => Noise::Gaussian {
                std: number(std, "std S")?,
            },
            ["mask", p, k] => Noise::Mask {
                p: number(p, "drop probability P")?,
                patch: k
                    .parse()
                    .map_err(|_| bad(&format!("patch size K '{k}' is not a positive integer")))?,
            },
            ["dropmap", map] => Noise::DropMap { map: map_of(map)? },
            ["gaussmap", map] => Noise::GaussMap { map: map_of(map)? },
            [kind, ..]
                if !matches!(*kind, "none" | "gaussian" | "mask" | "dropmap" | "gaussmap") =>
            {
                return Err(bad(&format!("unknown kind '{kind}'")))
            }
            _ => return Err(bad("wrong number of ':'-separated fields")),
        };
        noise.validate().map_err(|e| match e {
            SpectralError::InvalidArgument(why) => bad(&why),
            other => other,
        })?;
        Ok(noise)
    }
}

impl Noise {
    /// A map whose 49 cells hold one level is that level's uniform noise (`dropmap` of level L is
    /// `mask:0.L:1`, `gaussmap` is `gaussian:0.L`); every other noise is itself. Shortcuts that
    /// hold for the uniform noises (one eigendecomposition of G) then serve uniform maps too.
    pub fn as_uniform(&self) -> Noise {
        let level = |map: &NoiseMap| {
            let l = map.levels()[0];
            map.levels()
                .iter()
                .all(|&x| x == l)
                .then(|| f64::from(l) / 10.0)
        };
        match self {
            Noise::DropMap { map } => level(map).map_or(*self, |p| Noise::Mask { p, patch: 1 }),
            Noise::GaussMap { map } => level(map).map_or(*self, |std| Noise::Gaussian { std }),
            other => *other,
        }
    }

    /// Checks the parameters: s >= 0, p in [0, 1), k >= 1 (a map is valid by construction).
    pub fn validate(&self) -> Result<(), SpectralError> {
        match *self {
            Noise::None | Noise::DropMap { .. } | Noise::GaussMap { .. } => Ok(()),
            Noise::Gaussian { std } if std.is_finite() && std >= 0.0 => Ok(()),
            Noise::Gaussian { std } => Err(SpectralError::InvalidArgument(format!(
                "Gaussian std {std} must be finite and >= 0"
            ))),
            Noise::Mask { p, patch } if (0.0..1.0).contains(&p) && patch >= 1 => Ok(()),
            Noise::Mask { p, patch } => Err(SpectralError::InvalidArgument(format!(
                "mask needs 0 <= p < 1 and patch >= 1, got p={p}, patch={patch}"
            ))),
        }
    }
}

/// The patch (0-based, row-major over the patch grid) that pixel `i` of a channel-major image
/// falls in; patches tile each channel from the top-left and share their index across channels.
pub fn patch_of(shape: ImageShape, patch: usize, i: usize) -> usize {
    let plane = shape.h * shape.w;
    let (y, x) = ((i % plane) / shape.w, i % shape.w);
    let across = shape.w.div_ceil(patch);
    (y / patch) * across + x / patch
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_tile_from_the_top_left_across_channels() {
        let shape = ImageShape { c: 2, h: 5, w: 5 };
        assert_eq!(patch_of(shape, 2, 0), 0);
        assert_eq!(patch_of(shape, 2, 4), 2);
        assert_eq!(patch_of(shape, 2, 5 * 2), 3);
        assert_eq!(patch_of(shape, 2, 25), 0);
    }

    #[test]
    fn maps_are_noises_written_as_kind_and_49_digits() {
        let digits = "0123456789".repeat(5);
        let digits = &digits[..49];
        for kind in ["dropmap", "gaussmap"] {
            let text = format!("{kind}:{digits}");
            let noise: Noise = text.parse().unwrap();
            assert_eq!(noise.to_string(), text);
            let json = serde_json::to_string(&noise).unwrap();
            assert_eq!(
                json,
                format!("{{\"kind\":\"{kind}\",\"map\":\"{digits}\"}}")
            );
            assert_eq!(serde_json::from_str::<Noise>(&json).unwrap(), noise);
        }
        for bad in [
            "dropmap",
            "dropmap:123",
            "gaussmap:1:2",
            "dropmap:",
            "gaussmap:-5",
        ] {
            let e = bad.parse::<Noise>().unwrap_err().to_string();
            assert!(e.contains("dropmap:<49 digits>"), "{bad}: {e}");
        }
    }
}
